// What say accepts, and the short excerpt of a text or file name that messages and the
// status show: plain C++, no GStreamer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace onair::speech {

inline constexpr size_t kMaxTextBytes = 4096;
inline constexpr size_t kExcerptChars = 60;

// Why `text` cannot be spoken (a sentence for a ttsmix-refused message), or nothing.
std::optional<std::string> text_refusal(std::string_view text);

// At most kExcerptChars characters of `text`, valid UTF-8 whatever it was given (invalid
// bytes become U+FFFD), control characters as spaces, runs of blanks as one space, cut with
// "…" when longer.
std::string excerpt(std::string_view text);

}  // namespace onair::speech
