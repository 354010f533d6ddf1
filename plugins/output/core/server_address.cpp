#include "server_address.h"

#include <algorithm>
#include <cctype>

namespace onair::output {

namespace {

std::optional<uint16_t> parse_port(const std::string &text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace

std::optional<ServerAddress> server_address(const std::string &url) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  std::string scheme = url.substr(0, sep);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  uint16_t port = 0;
  if (scheme == "rtmp")
    port = 1935;
  else if (scheme == "rtmps")
    port = 443;
  else
    return std::nullopt;

  const size_t start = sep + 3;
  const size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);

  ServerAddress address;
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    address.host = authority.substr(1, close - 1);
    const std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const size_t colon = authority.rfind(':');
    address.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
  }
  if (address.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    const auto parsed = parse_port(port_text);
    if (!parsed) return std::nullopt;
    port = *parsed;
  }
  address.port = port;
  return address;
}

}  // namespace onair::output
