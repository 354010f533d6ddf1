#include "common/redactor.h"

#include <algorithm>

namespace onair::app {

std::vector<std::string> url_secret_parts(std::string_view url) {
  std::vector<std::string> parts;
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return parts;
  const size_t authority = scheme + 3;
  const size_t path = url.find('/', authority);
  const std::string_view host = url.substr(authority, path - authority);
  if (const size_t at = host.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = host.substr(0, at);
    if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos)
      parts.emplace_back(userinfo.substr(colon + 1));
  }
  if (path == std::string_view::npos) return parts;
  // app/stream: the stream name is the last segment; a lone segment is the app.
  const std::string_view rest = url.substr(path + 1);
  const size_t last = rest.rfind('/');
  if (last == std::string_view::npos) return parts;
  const std::string_view stream = rest.substr(last + 1);
  if (!stream.empty()) parts.emplace_back(stream);
  if (const size_t query = stream.find('?'); query != std::string_view::npos && query > 0)
    parts.emplace_back(stream.substr(0, query));
  return parts;
}

void Redactor::add(const std::string &secret) {
  if (secret.size() < 3) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.push_back(secret);
  for (const std::string &part : url_secret_parts(secret)) add(part);
  // Longest first, so a secret containing another is hidden whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
}

void Redactor::add(const Redactor &other) {
  for (const std::string &secret : other.secrets_) add(secret);
}

std::string Redactor::operator()(std::string_view text) const {
  std::string out(text);
  for (const std::string &s : secrets_) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
      out.replace(pos, s.size(), "***");
  }
  return out;
}

}  // namespace onair::app
