// Whether an RTMP server accepts TCP connections, so the output can retry at once when a
// server that was down comes back.
#pragma once

#include <gio/gio.h>

#include "core/reconnect_policy.h"
#include "core/server_address.h"

namespace onair::output {

// kDown when the address resolves but refuses or does not answer (within a second);
// kUnknown for anything else (no such host, `cancel` cancelled).
Probe check_server(const ServerAddress &address, GCancellable *cancel);

}  // namespace onair::output
