// Text checks shared by the app's plain C++ parts: UTF-8, control
// characters, excerpts safe to show.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onair::app {

std::string trim(std::string_view text);
// Empty or only spaces, tabs and line ends.
bool is_blank(std::string_view text);
bool is_valid_utf8(std::string_view text);
bool has_control_chars(std::string_view text);  // C0 (tab included) or DEL
// True when `text` holds a C0 control character (newline and tab included),
// DEL, or a C1 control character (U+0080..U+009F). `text` must be valid UTF-8.
bool has_control_code_points(std::string_view text);
// Number of code points in valid UTF-8.
size_t code_points(std::string_view text);

// At most `max_chars` code points of `text`, control characters and invalid
// UTF-8 shown as '?', with "..." when cut: safe to put in a one-line message.
std::string printable_excerpt(std::string_view text, size_t max_chars);

// The items with `separator` between them: "a, b, c".
std::string join(const std::vector<std::string> &items, std::string_view separator = ", ");

}  // namespace onair::app
