#include "run/console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace onair::app {

Console::Console(const Redactor &redact) : redact_(redact), tty_(isatty(STDERR_FILENO) == 1) {}

void Console::clear_status() {
  if (!status_shown_) return;
  std::fputs("\r\033[2K", stderr);
  status_shown_ = false;
}

void Console::line(std::string_view prefix, std::string_view text) {
  clear_status();
  std::string out(prefix);
  out += redact_(text);
  out += '\n';
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

void Console::status(std::string_view text) {
  std::string out = redact_(text);
  if (!tty_) {
    line("status: ", out);
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
