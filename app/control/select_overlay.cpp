#include "control/select_overlay.h"

#include <algorithm>

#include "common/text.h"
#include "control/command.h"

namespace onair::app {

std::string select_overlay(const std::vector<std::string> &names, const std::string &requested) {
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.empty()) throw ControlError(404, "the pipeline has no broadcastoverlay element");
  if (!requested.empty()) {
    if (std::find(sorted.begin(), sorted.end(), requested) != sorted.end()) return requested;
    throw ControlError(404, "no overlay named \"" + printable_excerpt(requested, 40) + "\"" +
                                " (the pipeline has: " + join(sorted) + ")");
  }
  if (sorted.size() > 1)
    throw ControlError(409, "the pipeline has " + std::to_string(sorted.size()) + " overlays (" +
                                join(sorted) + "): name one with \"overlay\"");
  return sorted.front();
}

}  // namespace onair::app
