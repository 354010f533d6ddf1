#include "common/text.h"

#include <algorithm>
#include <cstdint>

#include "onair/utf8.h"

namespace onair::app {

std::string trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t b = 0, e = text.size();
  while (b < e && space(text[b])) b++;
  while (e > b && space(text[e - 1])) e--;
  return std::string(text.substr(b, e - b));
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool is_valid_utf8(std::string_view text) {
  return utf8::is_valid(text);
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
    const size_t n = utf8::decode(text, i).length;
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

std::string join(const std::vector<std::string> &items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); i++) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

bool has_control_code_points(std::string_view text) {
  for (size_t i = 0; i < text.size(); i++) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

size_t code_points(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace onair::app
