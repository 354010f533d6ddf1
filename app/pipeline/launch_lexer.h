// Launch descriptions split into tokens the way GStreamer's lexer does, near
// enough to say where a mistake is. Quotes are read as expand() reads them
// ('"' opens anywhere outside quotes, '\' escapes inside), since that is what
// keeps a value one value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace onair::app {

struct LaunchToken {
  enum class Kind { kWord, kAssignment, kLink, kOpen, kClose };
  Kind kind = Kind::kWord;
  size_t begin = 0;
  size_t end = 0;  // one past it; a link with caps ("! video/x-raw !") ends past its second '!'
  size_t value_begin = 0;  // kAssignment: where the value starts
  std::string name;        // kAssignment: the property
};

struct LaunchScan {
  std::vector<LaunchToken> tokens;
  std::optional<size_t> open_quote;  // a '"' that is never closed; the scan stops there
};

// With `placeholders` (a template body) "${...}" is part of a word whatever it holds.
LaunchScan scan_launch(const std::string &text, bool placeholders);

// Line numbers (in the file) of places in a body-like text.
class Lines {
 public:
  // `first`: the file's line number of the text's first line.
  Lines(const std::string &text, int first);
  int at(size_t index) const;

 private:
  int first_;
  std::vector<size_t> newlines_;
};

}  // namespace onair::app
