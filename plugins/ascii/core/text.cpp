#include "core/text.h"

#include <cstdio>

#include "onair/utf8.h"

namespace onair::ascii {

bool split_ramp(const std::string &charset, std::vector<std::string> &glyphs, std::string &error) {
  glyphs.clear();
  if (charset.empty()) {
    error = "the charset is empty";
    return false;
  }
  for (size_t i = 0; i < charset.size();) {
    const utf8::Decoded d = utf8::decode(charset, i);
    if (d.length == 0) {
      error = "the charset is not valid UTF-8";
      return false;
    }
    if (utf8::is_control(d.code_point)) {
      error = "the charset holds a control character";
      return false;
    }
    glyphs.push_back(charset.substr(i, d.length));
    i += d.length;
  }
  if (glyphs.size() > kMaxGlyphs) {
    error = "the charset has more than 256 glyphs";
    return false;
  }
  return true;
}

bool ramp_is_ascii(const std::vector<std::string> &glyphs) {
  for (const auto &g : glyphs)
    if (g.size() != 1 || g[0] < 0x20 || g[0] > 0x7E) return false;
  return true;
}

bool ramp_for_output(const std::string &charset, bool ascii_only, std::vector<std::string> &glyphs,
                     std::string &error) {
  std::string reason;
  if (!split_ramp(charset, glyphs, reason)) {
    error = "Invalid charset: " + reason + ".";
    return false;
  }
  if (ascii_only && !ramp_is_ascii(glyphs)) {
    error = "In asciiline format every charset glyph must be one printable ASCII character.";
    return false;
  }
  return true;
}

void encode_ansi(const std::vector<Cell> &cells, int cols, int rows, int mode,
                 const std::vector<std::string> &ramp, bool clear, std::string &out) {
  out.clear();
  if (clear) out += "\x1b[2J";
  out += "\x1b[H";
  char esc[32];
  for (int r = 0; r < rows; r++) {
    bool have = false;
    Cell cur;
    for (int c = 0; c < cols; c++) {
      const Cell &cell = cells[size_t(r) * cols + c];
      if (mode != 1 && (!have || cell.r != cur.r || cell.g != cur.g || cell.b != cur.b)) {
        const int len =
            std::snprintf(esc, sizeof esc, "\x1b[38;2;%d;%d;%dm", cell.r, cell.g, cell.b);
        out.append(esc, size_t(len));
        cur = cell;
        have = true;
      }
      out += ramp[cell.glyph];
    }
    if (mode != 1) out += "\x1b[0m";
    out += '\n';
  }
}

void encode_text(const std::vector<Cell> &cells, int cols, int rows,
                 const std::vector<std::string> &ramp, std::string &out) {
  out.clear();
  for (int r = 0; r < rows; r++) {
    for (int c = 0; c < cols; c++) out += ramp[cells[size_t(r) * cols + c].glyph];
    out += '\n';
  }
}

}  // namespace onair::ascii
