// Text matching for property values: names compare without regard to case, and the spaces a
// hand-written pipeline puts around a value do not count.
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace onair::sdi {

inline bool same_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

inline std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace onair::sdi
