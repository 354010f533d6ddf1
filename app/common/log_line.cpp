#include "common/log_line.h"

#include <cstdio>
#include <ctime>

#include "common/json_string.h"

namespace onair::app {

const char *log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis.count()));
  return buf;
}

std::string json_log_line(const LogEvent &event, std::chrono::system_clock::time_point time) {
  std::string out = "{\"time\":\"" + utc_timestamp(time) + "\",\"level\":\"" +
                    log_level_name(event.level) + "\",\"source\":" + json_string(event.source) +
                    ",\"message\":" + json_string(event.message);
  if (!event.fields.empty()) {
    out += ",\"fields\":{";
    bool first = true;
    for (const auto &[name, value] : event.fields) {
      if (!first) out += ',';
      first = false;
      out += json_string(name) + ":" + json_string(value);
    }
    out += '}';
  }
  return out + "}\n";
}

}  // namespace onair::app
