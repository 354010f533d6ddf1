// Glyph ramps and the terminal outputs: ANSI frames with 24-bit colour and
// plain text lines.
#pragma once

#include <string>
#include <vector>

#include "core/cells.h"

namespace onair::ascii {

constexpr const char *kDefaultCharset =
    " .'`^\",:;Il!i><~+_-?][}{1)(|/tfjrxnuvczXYUJCLQ0OZmwqpdbkhao*#MW&8%B@$";
constexpr size_t kMaxGlyphs = 256;

// Splits a UTF-8 ramp into one glyph per code point. Fails (with a reason)
// on an empty ramp, invalid UTF-8, control characters or too many glyphs.
bool split_ramp(const std::string &charset, std::vector<std::string> &glyphs, std::string &error);
// True when every glyph is one printable ASCII byte (the asciiline format).
bool ramp_is_ascii(const std::vector<std::string> &glyphs);
// The ramp of `charset` for an output: split_ramp, and with `ascii_only` (the asciiline
// format) ramp_is_ascii. Fails with the reason as a sentence for the user.
bool ramp_for_output(const std::string &charset, bool ascii_only, std::vector<std::string> &glyphs,
                     std::string &error);

// One frame for a terminal: cursor home (and clear on the first frame),
// each cell's glyph, a colour escape only where the colour changes (modes
// 2-5), attributes reset and a newline at every line end.
void encode_ansi(const std::vector<Cell> &cells, int cols, int rows, int mode,
                 const std::vector<std::string> &ramp, bool clear, std::string &out);
// Glyph lines, each ended by a newline.
void encode_text(const std::vector<Cell> &cells, int cols, int rows,
                 const std::vector<std::string> &ramp, std::string &out);

}  // namespace onair::ascii
