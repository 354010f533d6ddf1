// Checks on a command's raw text before a JSON parser sees it. Plain C++.
#pragma once

#include <string_view>

namespace onair::app {

// Checks the raw text of a command before it is parsed: size (413), UTF-8
// (400), an object at the top, nesting, and escapes that would decode to
// control characters or to half of a surrogate pair (400). Throws ControlError.
void precheck_command_text(std::string_view text);

}  // namespace onair::app
