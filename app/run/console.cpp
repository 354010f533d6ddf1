#include "run/console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace onair::app {

namespace {

const char *text_prefix(LogLevel level) {
  switch (level) {
    case LogLevel::kWarning:
      return "warning: ";
    case LogLevel::kError:
      return "error: ";
    default:
      return "";
  }
}

void write_line(const std::string &line) {
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

Console::Console(const Redactor &redact, bool json)
    : redact_(redact), json_(json), tty_(!json && isatty(STDERR_FILENO) == 1) {}

void Console::clear_status() {
  if (!status_shown_) return;
  std::fputs("\r\033[2K", stderr);
  status_shown_ = false;
}

void Console::event(LogLevel level, std::string_view text, const Fields &fields) {
  if (json_) {
    LogEvent e{level, "onair", redact_(text), {}};
    for (const auto &[name, value] : fields) e.fields.emplace_back(name, redact_(value));
    write_line(json_log_line(e, std::chrono::system_clock::now()));
    return;
  }
  clear_status();
  write_line(text_prefix(level) + redact_(text) + '\n');
}

void Console::status(std::string_view text) {
  std::string out = redact_(text);
  if (json_) {
    write_line(
        json_log_line({LogLevel::kInfo, "status", out, {}}, std::chrono::system_clock::now()));
    return;
  }
  if (!tty_) {
    write_line("status: " + out + '\n');
    return;
  }
  // Cut to the terminal's width: a wrapped line cannot be redrawn in place.
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && out.size() >= ws.ws_col)
    out.resize(ws.ws_col - 1);
  std::fputs(("\r\033[2K" + out).c_str(), stderr);
  std::fflush(stderr);
  status_shown_ = true;
}

void Console::end_status() {
  if (!status_shown_) return;
  std::fputs("\n", stderr);
  status_shown_ = false;
}

}  // namespace onair::app
