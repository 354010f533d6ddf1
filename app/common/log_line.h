// One log event as one line: the app's text form ("warning: ...") or, for log
// collectors (--log-format json), one JSON object. Plain C++.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace onair::app {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error".
const char *log_level_name(LogLevel level);

struct LogEvent {
  LogLevel level = LogLevel::kInfo;
  std::string source = "onair";  // who tells: the app, "status", a GStreamer category
  std::string message;
  // The event's own fields (output, state, ...): strings, in this order.
  std::vector<std::pair<std::string, std::string>> fields;
};

// {"time":"2026-12-05T05:40:01.123Z","level":"info","source":"onair","message":"...",
//  "fields":{...}} and a newline. Whatever the text holds (line ends, quotes, invalid
// UTF-8) stays inside its JSON string, so an event is always exactly one line.
std::string json_log_line(const LogEvent &event, std::chrono::system_clock::time_point time);

// RFC 3339 in UTC with milliseconds: "2026-12-05T05:40:01.123Z".
std::string utc_timestamp(std::chrono::system_clock::time_point time);

}  // namespace onair::app
