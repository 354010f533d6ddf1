// The control command for resilientrtmpsink outputs: reconnect now (after a
// network change, or to revive an output that gave up).
#pragma once

#include <gst/gst.h>

#include <string>

namespace onair::app {

// Emits "reconnect-now" on the output named `name`, or on every output when
// `name` is empty. Throws ControlError 404 when there is no such output.
void reconnect_outputs(GstElement *pipeline, const std::string &name);

}  // namespace onair::app
