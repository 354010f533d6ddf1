// Where an RTMP(S) URL connects to, so the output can check whether the
// server accepts connections at all while it waits to retry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace onair::output {

struct ServerAddress {
  std::string host;
  uint16_t port = 0;
  bool operator==(const ServerAddress &) const = default;
};

// rtmp://[user:pass@]host[:port]/app/key, rtmps:// likewise (ports 1935 and
// 443 by default); IPv6 hosts in brackets. Nothing for other schemes or a
// malformed authority.
std::optional<ServerAddress> server_address(const std::string &url);

}  // namespace onair::output
