// The app's terminal output: log lines and the live status line, all passed
// through the redactor so no secret reaches the screen or a log file.
#pragma once

#include <string>
#include <string_view>

#include "common/redactor.h"

namespace onair::app {

class Console {
 public:
  explicit Console(const Redactor &redact);

  void info(std::string_view text) { line("", text); }
  void warn(std::string_view text) { line("warning: ", text); }
  void error(std::string_view text) { line("error: ", text); }
  // On a terminal, redraws one line in place; otherwise prints "status: ...".
  void status(std::string_view text);
  // Leaves the status line (if any) so later output starts on a fresh line.
  void end_status();
  bool is_terminal() const { return tty_; }

 private:
  void line(std::string_view prefix, std::string_view text);
  void clear_status();

  const Redactor &redact_;
  bool tty_;
  bool status_shown_ = false;
};

}  // namespace onair::app
