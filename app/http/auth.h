// The control API's bearer token check. Plain C++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace onair::app {

// The token of "Authorization: Bearer TOKEN" (scheme case-insensitive), or
// nullopt for a missing or different header.
std::optional<std::string> bearer_token(const char *authorization_header);
// Compares without returning early at the first difference.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace onair::app
