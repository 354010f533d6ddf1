// What feedsrc's `location` property names: standard input, an inherited descriptor, a Unix
// socket to listen on, a named pipe, or nothing (data only through the push-buffer signal).
#pragma once

#include <string>

namespace onair::feed {

struct Location {
  enum class Kind { kNone, kStdin, kFd, kSocket, kPipe, kInvalid };
  Kind kind = Kind::kNone;
  std::string path;  // kSocket, kPipe
  int fd = -1;       // kStdin (0), kFd
};

// "-" or "stdin", "fd:N", "unix:PATH", any other text a pipe path, empty nothing. kInvalid for
// "fd:" without a number or "unix:" without a path.
Location parse_location(const std::string &text);

// Issues a repeated warning at most once a second: the first at once, later ones with the
// count of those held back. Times are ns of any monotonic clock.
class WarningLimiter {
 public:
  // True when this occurrence should be told; `held_back` is then how many were not since.
  bool should_warn(int64_t now, uint64_t &held_back);

 private:
  bool warned_ = false;
  int64_t last_ = 0;
  uint64_t held_back_ = 0;
};

}  // namespace onair::feed
