// The app's terminal output: log lines and the live status line, all passed
// through the redactor so no secret reaches the screen or a log file. In JSON
// mode (--log-format json) each line is one JSON object (common/log_line.h)
// and the status comes as periodic "status" events instead of a redrawn line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log_line.h"
#include "common/redactor.h"

namespace onair::app {

class Console {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  explicit Console(const Redactor &redact, bool json = false);

  void info(std::string_view text, const Fields &fields = {}) {
    event(LogLevel::kInfo, text, fields);
  }
  void warn(std::string_view text, const Fields &fields = {}) {
    event(LogLevel::kWarning, text, fields);
  }
  void error(std::string_view text, const Fields &fields = {}) {
    event(LogLevel::kError, text, fields);
  }
  // One event; in text mode the fields are not shown (the text says what they say).
  void event(LogLevel level, std::string_view text, const Fields &fields = {});
  // On a terminal, redraws one line in place; otherwise prints "status: ..."
  // (in JSON mode, an event whose source is "status").
  void status(std::string_view text);
  // Leaves the status line (if any) so later output starts on a fresh line.
  void end_status();
  bool is_terminal() const { return tty_; }
  bool is_json() const { return json_; }

 private:
  void clear_status();

  const Redactor &redact_;
  bool json_;
  bool tty_;
  bool status_shown_ = false;
};

}  // namespace onair::app
