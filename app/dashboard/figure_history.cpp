#include "dashboard/figure_history.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "common/json_string.h"

namespace onair::app {

namespace {

std::string number_or_null(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *v);
  return buf;
}

std::string figures(const std::string &name, double bitrate, std::optional<double> fps) {
  return json_string(name) + ":{\"bitrate\":" + number_or_null(bitrate) +
         ",\"fps\":" + number_or_null(fps) + "}";
}

}  // namespace

FigureHistory::FigureHistory(size_t capacity, size_t max_bytes)
    : capacity_(capacity), max_bytes_(max_bytes) {}

std::string FigureHistory::record(double time, const Status &status) {
  const double elapsed = time - last_time_;
  std::string sample = "{\"t\":" + number_or_null(time) + ",\"outputs\":{";
  std::map<std::string, uint64_t> frames_sent;
  for (size_t i = 0; i < status.outputs.size(); i++) {
    const OutputFigures &o = status.outputs[i];
    std::optional<double> fps;
    const auto last = last_frames_sent_.find(o.name);
    // A counter that went back started over (the element restarted): no rate for this one.
    if (last != last_frames_sent_.end() && elapsed > 0 && o.frames_sent >= last->second)
      fps = static_cast<double>(o.frames_sent - last->second) / elapsed;
    frames_sent[o.name] = o.frames_sent;
    sample += (i ? "," : "") + figures(o.name, o.bitrate, fps);
  }
  sample += "},\"monitors\":{";
  for (size_t i = 0; i < status.monitors.size(); i++) {
    const MonitorFigures &m = status.monitors[i];
    sample += (i ? "," : "") + figures(m.name, m.bitrate, m.stalled ? 0.0 : m.fps);
  }
  sample += "}}";
  last_time_ = time;
  last_frames_sent_ = std::move(frames_sent);

  samples_.push_back(sample);
  bytes_ += sample.size() + 1;
  while (!samples_.empty() && (samples_.size() > capacity_ || bytes_ > max_bytes_)) {
    bytes_ -= samples_.front().size() + 1;
    samples_.pop_front();
  }
  return sample;
}

std::string FigureHistory::json() const {
  std::string out = "{\"samples\":[";
  for (size_t i = 0; i < samples_.size(); i++) out += (i ? "," : "") + samples_[i];
  return out + "]}";
}

}  // namespace onair::app
