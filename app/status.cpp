#include "status.h"

#include <cmath>
#include <cstdio>

#include "text.h"

namespace onair::app {

std::string format_bitrate(double bps) {
  char buf[32];
  if (bps >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f Mb/s", bps / 1e6);
  else if (bps >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0f kb/s", bps / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f b/s", bps);
  return buf;
}

std::string format_duration(double seconds) {
  const long total = seconds > 0 ? static_cast<long>(seconds) : 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  return buf;
}

std::string json_string(const std::string &text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); i++) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Copy a whole valid sequence, or write U+FFFD for a bad byte.
      size_t n = 1;
      while (i + n < text.size() && n < 4 &&
             (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80)
        n++;
      if (is_valid_utf8(std::string_view(text).substr(i, n))) {
        out.append(text, i, n);
        i += n - 1;
      } else {
        out += "\xEF\xBF\xBD";
      }
    }
  }
  return out + "\"";
}

namespace {

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

std::string status_json(const Status &s) {
  std::string j = "{";
  j += "\"pipeline\":" + json_string(s.pipeline);
  j += ",\"description\":" + json_string(s.description);
  j += ",\"state\":" + json_string(s.state);
  j += ",\"uptime\":" + json_number(s.uptime);
  j += ",\"run_dir\":" + json_string(s.run_dir);
  j += ",\"monitors\":[";
  for (size_t i = 0; i < s.monitors.size(); i++) {
    const MonitorFigures &m = s.monitors[i];
    if (i) j += ",";
    j += "{\"name\":" + json_string(m.name);
    j += ",\"media\":" + json_string(m.media);
    j += ",\"fps\":" + json_number(m.fps);
    j += ",\"bitrate\":" + json_number(m.bitrate);
    j += ",\"buffers\":" + std::to_string(m.buffers);
    j += ",\"bytes\":" + std::to_string(m.bytes);
    j += ",\"gaps\":" + std::to_string(m.gaps);
    j += ",\"dropped\":" + std::to_string(m.dropped);
    j += ",\"discont\":" + std::to_string(m.discont);
    j += std::string(",\"stalled\":") + (m.stalled ? "true" : "false");
    j += ",\"latency_ms\":" + (m.latency_ns ? json_number(*m.latency_ns / 1e6) : "null");
    j += ",\"jitter_ms\":" + (m.jitter_ns ? json_number(*m.jitter_ns / 1e6) : "null");
    j += ",\"alerts\":[";
    for (size_t k = 0; k < m.alerts.size(); k++) j += (k ? "," : "") + json_string(m.alerts[k]);
    j += "]}";
  }
  j += "]}";
  return j;
}

Status redacted(Status s, const Redactor &redact) {
  for (std::string *text : {&s.pipeline, &s.description, &s.state, &s.run_dir})
    *text = redact(*text);
  for (MonitorFigures &m : s.monitors) {
    m.name = redact(m.name);
    m.media = redact(m.media);
  }
  return s;
}

std::string status_line(const Status &s) {
  std::string line = s.state + " " + format_duration(s.uptime);
  for (const MonitorFigures &m : s.monitors) {
    char fps[32];
    std::snprintf(fps, sizeof fps, "%.1f fps", m.fps);
    line += " | " + m.name + " " + (m.stalled ? std::string("STALLED") : std::string(fps)) + " " +
            format_bitrate(m.bitrate);
    if (m.dropped || m.gaps)
      line += " dropped " + std::to_string(m.dropped) + " gaps " + std::to_string(m.gaps);
    for (const std::string &a : m.alerts) line += " [" + a + "]";
  }
  return line;
}

}  // namespace onair::app
