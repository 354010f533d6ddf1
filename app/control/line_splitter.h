// The line protocol's framing: a byte stream cut into lines of bounded length.
// Plain C++.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "control/command.h"

namespace onair::app {

// Splits a byte stream into lines of at most `max_bytes` (without the '\n';
// a '\r' before it is dropped). A longer line is reported once as too long and
// skipped up to the next newline. Bytes after the last newline wait for more.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_bytes = kMaxCommandBytes) : max_(max_bytes) {}
  struct Item {
    bool too_long = false;
    std::string line;  // empty when too_long
  };
  std::vector<Item> feed(std::string_view data);
  // Bytes of an unfinished line held back.
  size_t pending() const { return buffer_.size(); }

 private:
  size_t max_;
  std::string buffer_;
  bool skipping_ = false;
};

}  // namespace onair::app
