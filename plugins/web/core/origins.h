// Which web pages may use a server's streams: the rules for a request's Origin
// header, shared by webstreamsink and the app's web server. Plain C++, header
// only, so the app builds without the web plugin.
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace onair::web {

// scheme://host[:port] with scheme and host in lower case and the port written
// out (the scheme's default when absent; 0 for schemes without one).
struct Origin {
  std::string scheme, host;
  unsigned port = 0;
  bool operator==(const Origin &) const = default;
};

namespace origin_detail {

inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

inline unsigned default_port(const std::string &scheme) {
  return scheme == "http" ? 80 : scheme == "https" ? 443 : 0;
}

inline std::optional<unsigned> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + unsigned(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;
  return port;
}

struct HostPort {
  std::string host;
  std::optional<unsigned> port;
};

// "example.com", "example.com:8080", "[::1]:8080": a host (lower case) and its port.
inline std::optional<HostPort> parse_host_port(std::string_view s) {
  HostPort out;
  std::string_view rest;
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    for (char c : s.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return std::nullopt;
    out.host = lower(s.substr(0, close + 1));
    rest = s.substr(close + 1);
  } else {
    const size_t colon = s.find(':');
    const std::string_view host = s.substr(0, colon);
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
        return std::nullopt;
    out.host = lower(host);
    rest = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
  }
  if (!rest.empty()) {
    if (rest[0] != ':') return std::nullopt;
    out.port = parse_port(rest.substr(1));
    if (!out.port) return std::nullopt;
  }
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace origin_detail

// An Origin header's value ("https://Example.com:443"), or nullopt when it is
// none ("null", paths, user names, ...).
inline std::optional<Origin> parse_origin(std::string_view text) {
  namespace d = origin_detail;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  const std::string scheme = d::lower(text.substr(0, sep));
  if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return std::nullopt;
  for (char c : scheme)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return std::nullopt;
  const auto hp = d::parse_host_port(text.substr(sep + 3));
  if (!hp) return std::nullopt;
  return Origin{scheme, hp->host, hp->port.value_or(d::default_port(scheme))};
}

// "" (the same origin only), "*" (any), or origins separated by commas
// ("https://example.com, http://127.0.0.1:8081"; a trailing '/' is allowed).
class AllowedOrigins {
 public:
  AllowedOrigins() = default;
  // Throws std::invalid_argument naming the entry that is not an origin.
  static AllowedOrigins parse(std::string_view list) {
    AllowedOrigins out;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      std::string_view entry = origin_detail::trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (entry.empty()) continue;
      if (entry == "*") {
        out.any_ = true;
        continue;
      }
      if (entry.back() == '/') entry.remove_suffix(1);
      const auto origin = parse_origin(entry);
      if (!origin)
        throw std::invalid_argument("'" + std::string(entry) +
                                    "' is not an origin such as https://example.com or *");
      out.origins_.push_back(*origin);
    }
    return out;
  }
  bool any() const { return any_; }
  bool lists(const Origin &origin) const {
    return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
  }

 private:
  bool any_ = false;
  std::vector<Origin> origins_;
};

enum class OriginVerdict {
  kNoOrigin,    // not a browser page (or a page of this server, for GET): allowed
  kSameOrigin,  // the page comes from the host the request names
  kAllowed,     // another site the list admits
  kRefused,
};

// The request's Origin against its Host header (null when absent). Same origin
// compares hosts and ports without the scheme, since behind a TLS proxy the
// request reaches us over plain HTTP: a Host without a port matches an Origin on
// its scheme's default port.
inline OriginVerdict check_origin(const AllowedOrigins &allowed, const char *origin_header,
                                  const char *host_header) {
  if (!origin_header) return OriginVerdict::kNoOrigin;
  const auto origin = parse_origin(origin_header);
  if (origin && host_header) {
    const auto host = origin_detail::parse_host_port(host_header);
    if (host && host->host == origin->host &&
        host->port.value_or(origin_detail::default_port(origin->scheme)) == origin->port &&
        origin->port != 0)
      return OriginVerdict::kSameOrigin;
  }
  if (allowed.any() || (origin && allowed.lists(*origin))) return OriginVerdict::kAllowed;
  return OriginVerdict::kRefused;
}

}  // namespace onair::web
