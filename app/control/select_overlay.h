// Which broadcastoverlay a command goes to. Plain C++.
#pragma once

#include <string>
#include <vector>

namespace onair::app {

// The overlay a command goes to: `requested` when one of `names` is that, the
// only one when none is requested. Throws ControlError: 404 when there is
// none or no such name, 409 when there are several and none is named.
std::string select_overlay(const std::vector<std::string> &names, const std::string &requested);

}  // namespace onair::app
