#include "common/json_string.h"

#include <cstdio>
#include <string_view>

#include "common/text.h"

namespace onair::app {

std::string json_string(const std::string &text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); i++) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Copy a whole valid sequence, or write U+FFFD for a bad byte.
      size_t n = 1;
      while (i + n < text.size() && n < 4 &&
             (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80)
        n++;
      if (is_valid_utf8(std::string_view(text).substr(i, n))) {
        out.append(text, i, n);
        i += n - 1;
      } else {
        out += "\xEF\xBF\xBD";
      }
    }
  }
  return out + "\"";
}

}  // namespace onair::app
