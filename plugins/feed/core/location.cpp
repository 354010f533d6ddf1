#include "core/location.h"

#include <cerrno>
#include <cstdlib>

namespace onair::feed {

Location parse_location(const std::string &text) {
  Location l;
  if (text.empty()) return l;
  if (text == "-" || text == "stdin") {
    l.kind = Location::Kind::kStdin;
    l.fd = 0;
    return l;
  }
  if (text.starts_with("fd:")) {
    const std::string number = text.substr(3);
    char *end = nullptr;
    errno = 0;
    const long fd = std::strtol(number.c_str(), &end, 10);
    const bool ok = !number.empty() && *end == '\0' && errno == 0 && fd >= 0 && fd <= 1 << 30;
    l.kind = ok ? Location::Kind::kFd : Location::Kind::kInvalid;
    l.fd = ok ? static_cast<int>(fd) : -1;
    return l;
  }
  if (text.starts_with("unix:")) {
    l.path = text.substr(5);
    l.kind = l.path.empty() ? Location::Kind::kInvalid : Location::Kind::kSocket;
    return l;
  }
  l.kind = Location::Kind::kPipe;
  l.path = text;
  return l;
}

bool WarningLimiter::should_warn(int64_t now, uint64_t &held_back) {
  constexpr int64_t kInterval = 1'000'000'000;
  if (warned_ && now - last_ < kInterval) {
    ++held_back_;
    return false;
  }
  warned_ = true;
  last_ = now;
  held_back = held_back_;
  held_back_ = 0;
  return true;
}

}  // namespace onair::feed
