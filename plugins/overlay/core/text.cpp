#include "core/text.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "onair/utf8.h"

namespace onair::overlay {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at `i`, advancing `i`; invalid input yields U+FFFD
// and skips one byte, as the Unicode standard recommends.
char32_t next_code_point(const std::string &s, size_t &i) {
  const utf8::Decoded d = utf8::decode(s, i);
  if (d.length == 0) {
    i++;
    return kReplacement;
  }
  i += d.length;
  return d.code_point;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool is_valid_utf8(const std::string &bytes) {
  return utf8::is_valid(bytes);
}

std::string clean_text(const std::string &bytes, size_t max_chars) {
  std::string out;
  out.reserve(bytes.size());
  size_t chars = 0;
  for (size_t i = 0; i < bytes.size();) {
    char32_t cp = next_code_point(bytes, i);
    if (utf8::is_control(cp)) cp = ' ';
    if (chars == max_chars) {
      // Keep room for the ellipsis within the limit.
      if (max_chars == 0) return {};
      size_t cut = out.size();
      do cut--;
      while (cut > 0 && (static_cast<uint8_t>(out[cut]) & 0xC0) == 0x80);
      out.resize(cut);
      utf8::append(out, 0x2026);
      return out;
    }
    utf8::append(out, cp);
    chars++;
  }
  return out;
}

std::optional<Rgb> parse_color(const std::string &text) {
  if (!text.empty() && text[0] == '#') {
    const std::string_view hex(text.data() + 1, text.size() - 1);
    if (hex.size() != 3 && hex.size() != 6) return std::nullopt;
    std::array<int, 6> d{};
    for (size_t k = 0; k < hex.size(); k++)
      if ((d[k] = hex_digit(hex[k])) < 0) return std::nullopt;
    if (hex.size() == 3) return Rgb{uint8_t(d[0] * 17), uint8_t(d[1] * 17), uint8_t(d[2] * 17)};
    return Rgb{uint8_t(d[0] * 16 + d[1]), uint8_t(d[2] * 16 + d[3]), uint8_t(d[4] * 16 + d[5])};
  }
  struct Named {
    const char *name;
    Rgb rgb;
  };
  static constexpr Named kNames[] = {
      {"black", {0, 0, 0}},       {"silver", {192, 192, 192}}, {"gray", {128, 128, 128}},
      {"grey", {128, 128, 128}},  {"white", {255, 255, 255}},  {"maroon", {128, 0, 0}},
      {"red", {255, 0, 0}},       {"purple", {128, 0, 128}},   {"fuchsia", {255, 0, 255}},
      {"magenta", {255, 0, 255}}, {"green", {0, 128, 0}},      {"lime", {0, 255, 0}},
      {"olive", {128, 128, 0}},   {"yellow", {255, 255, 0}},   {"navy", {0, 0, 128}},
      {"blue", {0, 0, 255}},      {"teal", {0, 128, 128}},     {"aqua", {0, 255, 255}},
      {"cyan", {0, 255, 255}},    {"orange", {255, 165, 0}},   {"pink", {255, 192, 203}},
  };
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const Named &n : kNames)
    if (lower == n.name) return n.rgb;
  return std::nullopt;
}

std::string expand_status(const std::string &text, int64_t running_time,
                          const std::string &local_time) {
  if (text.find('{') == std::string::npos) return text;
  const int64_t secs = running_time < 0 ? 0 : running_time / 1'000'000'000;
  char clock[32];
  std::snprintf(clock, sizeof clock, "%lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 6, "{time}") == 0) {
      out += local_time;
      i += 6;
    } else if (text.compare(i, 14, "{running-time}") == 0) {
      out += clock;
      i += 14;
    } else {
      out += text[i++];
    }
  }
  return out;
}

Rgb color_for_name(const std::string &name) {
  // Bright colours that read well on dark chat boxes.
  static constexpr Rgb kPalette[] = {
      {255, 99, 71},   {30, 144, 255},  {50, 205, 50},  {255, 165, 0},
      {218, 112, 214}, {0, 206, 209},   {255, 215, 0},  {255, 105, 180},
      {154, 205, 50},  {135, 206, 250}, {244, 164, 96}, {186, 85, 211},
  };
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return kPalette[h % (sizeof kPalette / sizeof kPalette[0])];
}

}  // namespace onair::overlay
