#include "text_checks.h"

#include <vector>

#include "onair/utf8.h"

namespace onair::speech {

namespace {

bool is_blank(char32_t cp) {
  return cp == ' ' || utf8::is_control(cp) || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
         cp == 0xFEFF;
}

}  // namespace

std::optional<std::string> text_refusal(std::string_view text) {
  if (text.size() > kMaxTextBytes)
    return "text is longer than " + std::to_string(kMaxTextBytes) + " bytes";
  if (!utf8::is_valid(text)) return std::string("text is not valid UTF-8");
  for (size_t i = 0; i < text.size();) {
    const utf8::Decoded d = utf8::decode(text, i);
    if (!is_blank(d.code_point)) return std::nullopt;
    i += d.length;
  }
  return std::string("text is empty");
}

std::string excerpt(std::string_view text) {
  std::vector<char32_t> chars;
  bool blank_before = true;  // drops leading blanks
  for (size_t i = 0; i < text.size();) {
    utf8::Decoded d = utf8::decode(text, i);
    if (d.length == 0) d = {1, 0xFFFD};
    i += d.length;
    if (is_blank(d.code_point)) {
      if (!blank_before) chars.push_back(' ');
      blank_before = true;
      continue;
    }
    blank_before = false;
    chars.push_back(d.code_point);
  }
  while (!chars.empty() && chars.back() == ' ') chars.pop_back();
  if (chars.size() > kExcerptChars) {
    chars.resize(kExcerptChars - 1);
    while (!chars.empty() && chars.back() == ' ') chars.pop_back();
    chars.push_back(U'…');
  }
  std::string out;
  for (char32_t cp : chars) utf8::append(out, cp);
  return out;
}

}  // namespace onair::speech
