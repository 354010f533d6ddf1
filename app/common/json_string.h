// JSON string literals for the app's hand-written JSON answers. Plain C++.
#pragma once

#include <string>

namespace onair::app {

// A JSON string literal; invalid UTF-8 becomes U+FFFD.
std::string json_string(const std::string &text);

}  // namespace onair::app
