// UTF-8 decoding shared by the cores and the app: plain C++, no GStreamer or GLib, so a core
// that includes it stays testable on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace onair::utf8 {

struct Decoded {
  size_t length;  // 1 to 4 bytes; 0 when the bytes are not valid UTF-8
  char32_t code_point;
};

// Decodes the sequence that starts at text[i] (i < text.size()). Invalid: a stray
// continuation or bad lead byte, a sequence cut short, an overlong form, a surrogate or a
// value above U+10FFFF.
inline Decoded decode(std::string_view text, size_t i) noexcept {
  const auto lead = static_cast<uint8_t>(text[i]);
  if (lead < 0x80) return {1, lead};
  size_t length;
  char32_t cp;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07;
  } else {
    return {0, 0};
  }
  if (text.size() - i < length) return {0, 0};
  for (size_t k = 1; k < length; k++) {
    const auto b = static_cast<uint8_t>(text[i + k]);
    if ((b & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kShortest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {length, cp};
}

inline bool is_valid(std::string_view text) noexcept {
  for (size_t i = 0; i < text.size();) {
    const size_t n = decode(text, i).length;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// C0 controls (tab and newline included), DEL and C1 controls.
inline bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Appends a valid code point (not a surrogate, at most U+10FFFF) as UTF-8.
inline void append(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace onair::utf8
