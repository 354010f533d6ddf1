// Text rules shared by every layer: what is accepted, how it is cleaned, and
// the colours names may have.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/image.h"
#include "core/limits.h"

namespace onair::overlay {

// Makes any bytes safe to lay out: invalid UTF-8 sequences become U+FFFD,
// control characters (C0, DEL, C1) become spaces,
// and text longer than max_chars code points is cut and ends in "…".
std::string clean_text(const std::string &bytes, size_t max_chars);

// True when `bytes` is valid UTF-8 (no overlongs, surrogates or values above
// U+10FFFF).
bool is_valid_utf8(const std::string &bytes);

// "#rgb", "#rrggbb" or a CSS basic colour name (black, silver, gray, white,
// maroon, red, purple, fuchsia, green, lime, olive, yellow, navy, blue, teal,
// aqua, plus orange and pink), case-insensitive. Nothing for anything else.
std::optional<Rgb> parse_color(const std::string &text);

// The status text with its placeholders filled in: "{time}" becomes
// `local_time` (the wall clock, HH:MM:SS) and "{running-time}" the stream's
// running time as H:MM:SS. Anything else is kept as it is.
std::string expand_status(const std::string &text, int64_t running_time,
                          const std::string &local_time);

// A stable, readable colour for a user name, so the same chatter keeps their
// colour without sending one.
Rgb color_for_name(const std::string &name);

}  // namespace onair::overlay
