#include "common/text.h"

#include <algorithm>
#include <cstdint>

namespace onair::app {

std::string trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t b = 0, e = text.size();
  while (b < e && space(text[b])) b++;
  while (e > b && space(text[e - 1])) e--;
  return std::string(text.substr(b, e - b));
}

namespace {

// Length of the UTF-8 sequence at text[i], or 0 when it is invalid.
size_t utf8_sequence(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; k++) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_sequence(text, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

bool has_control_chars(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F;
  });
}

std::string printable_excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    if (chars == max_chars) return out + "...";
    const size_t n = utf8_sequence(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (!n || c < 0x20 || c == 0x7F) {
      out += '?';
      i += n ? n : 1;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
    chars++;
  }
  return out;
}

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

std::string Redactor::operator()(std::string_view text) const {
  std::string out(text);
  for (const std::string &s : secrets_) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
      out.replace(pos, s.size(), "***");
  }
  return out;
}

}  // namespace onair::app
