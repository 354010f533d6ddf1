#include "stream_monitor.h"

#include <cmath>
#include <cstdlib>

namespace onair::monitor {

namespace {

constexpr double kNsPerSecond = 1e9;

double seconds(int64_t ns) {
  return static_cast<double>(ns) / kNsPerSecond;
}

}  // namespace

const char *alert_name(Alert alert) {
  switch (alert) {
    case Alert::kFpsLow:
      return "fps-low";
    case Alert::kGap:
      return "gap";
    case Alert::kBitrateLow:
      return "bitrate-low";
    case Alert::kBitrateHigh:
      return "bitrate-high";
  }
  return "unknown";
}

StreamMonitor::StreamMonitor(const Config &config) : config_(config) {}

void StreamMonitor::reset() {
  const Config config = config_;
  *this = StreamMonitor(config);
}

void StreamMonitor::on_discontinuity() {
  prev_start_ = kUnknown;
  prev_end_ = kUnknown;
  prev_duration_ = kUnknown;
  prev_latency_ = kUnknown;
  started_ = false;  // the next buffer opens a fresh window at its own time
  window_buffers_ = 0;
  window_bytes_ = 0;
  window_longest_gap_ = 0;
  latency_sum_ = 0;
  latency_count_ = 0;
  latency_max_ = kUnknown;
}

void StreamMonitor::on_buffer(const BufferInfo &buffer, std::vector<Event> &events) {
  const int64_t start = buffer.running_time;

  // Holes are judged on running time only: arrival times wobble with scheduling.
  if (start != kUnknown && prev_start_ != kUnknown && start > prev_start_) {
    const int64_t spacing = start - prev_start_;
    int64_t hole = 0;
    int64_t expected = 0;
    if (prev_duration_ > 0) {
      expected = prev_duration_;
      hole = start - prev_end_;
    } else if (mean_spacing_ > 0) {
      expected = mean_spacing_;
      hole = spacing - mean_spacing_;
    }
    const bool is_gap = expected > 0 && hole * 2 >= expected;
    if (is_gap) {
      note_hole(hole, expected, events);
    } else {
      mean_spacing_ =
          mean_spacing_ == kUnknown ? spacing : mean_spacing_ + (spacing - mean_spacing_) / 8;
    }
  }

  // The buffer's place in time: running time, else when it arrived.
  const int64_t t = start != kUnknown ? start : buffer.arrival;
  if (t != kUnknown) {
    if (!started_) {
      started_ = true;
      window_start_ = t;
    } else if (t >= window_start_ + config_.interval) {
      close_window(window_start_ + config_.interval, events);
      // Skip whole empty windows rather than reporting each of them.
      const int64_t elapsed = t - window_start_;
      window_start_ += (elapsed / config_.interval) * config_.interval;
    }
  }

  window_buffers_++;
  window_bytes_ += buffer.size;
  totals_.buffers++;
  totals_.bytes += buffer.size;
  if (buffer.discont && totals_.buffers > 1) totals_.discont++;

  if (start != kUnknown && buffer.arrival != kUnknown) {
    const int64_t latency = buffer.arrival - start;
    latency_sum_ += latency;
    latency_count_++;
    if (latency_max_ == kUnknown || latency > latency_max_) latency_max_ = latency;
    if (prev_latency_ != kUnknown) {
      const double d = std::fabs(static_cast<double>(latency - prev_latency_));
      jitter_ = jitter_ < 0 ? d : jitter_ + (d - jitter_) / 16.0;
    }
    prev_latency_ = latency;
  }

  if (start != kUnknown) {
    prev_start_ = start;
    prev_duration_ = buffer.duration;
    prev_end_ = buffer.duration > 0 ? start + buffer.duration : start;
  }
  if (buffer.arrival != kUnknown) last_arrival_ = buffer.arrival;
}

void StreamMonitor::note_hole(int64_t hole, int64_t expected, std::vector<Event> &events) {
  totals_.gaps++;
  totals_.dropped += static_cast<uint64_t>(std::llround(static_cast<double>(hole) / expected));
  if (hole > window_longest_gap_) window_longest_gap_ = hole;
  const int64_t max_gap = config_.thresholds.max_gap;
  if (max_gap > 0 && hole > max_gap) {
    window_gap_exceeded_ = true;
    set_alert(Alert::kGap, true, seconds(hole), seconds(max_gap), latest_, events);
  }
}

void StreamMonitor::on_clock(int64_t now, std::vector<Event> &events) {
  if (!started_ || last_arrival_ == kUnknown || now == kUnknown) return;
  const int64_t idle = now - last_arrival_;
  const int64_t max_gap = config_.thresholds.max_gap;
  if (max_gap > 0 && idle > max_gap) {
    window_gap_exceeded_ = true;
    set_alert(Alert::kGap, true, seconds(idle), seconds(max_gap), latest_, events);
  }
  if (idle < config_.interval) return;
  if (last_stall_report_ != kUnknown && now - last_stall_report_ < config_.interval) return;
  last_stall_report_ = now;

  Stats stats = totals_;
  stats.running_time = now;
  stats.fps = 0;
  stats.bitrate = 0;
  stats.longest_gap = idle;
  stats.latency = kUnknown;
  stats.max_latency = kUnknown;
  stats.jitter = jitter_ < 0 ? kUnknown : static_cast<int64_t>(jitter_);
  stats.stalled = true;
  report(stats, false, events);
}

void StreamMonitor::close_window(int64_t window_end, std::vector<Event> &events) {
  const bool stall_reported = last_stall_report_ != kUnknown;
  Stats stats = totals_;
  stats.running_time = window_end;
  stats.fps = static_cast<double>(window_buffers_) * kNsPerSecond / config_.interval;
  stats.bitrate = static_cast<double>(window_bytes_) * 8.0 * kNsPerSecond / config_.interval;
  stats.longest_gap = window_longest_gap_;
  stats.jitter = jitter_ < 0 ? kUnknown : static_cast<int64_t>(jitter_);
  stats.latency = latency_count_ ? latency_sum_ / static_cast<int64_t>(latency_count_) : kUnknown;
  stats.max_latency = latency_max_;
  stats.stalled = false;
  const bool gap_cleared = !window_gap_exceeded_;

  window_buffers_ = 0;
  window_bytes_ = 0;
  window_longest_gap_ = 0;
  window_gap_exceeded_ = false;
  latency_sum_ = 0;
  latency_count_ = 0;
  latency_max_ = kUnknown;
  last_stall_report_ = kUnknown;

  // Stall reports already covered this window, and carry later running times.
  if (stall_reported) return;
  report(stats, gap_cleared, events);
}

void StreamMonitor::report(Stats stats, bool gap_cleared, std::vector<Event> &events) {
  latest_ = stats;
  Event event;
  event.kind = Event::Kind::kStats;
  event.stats = stats;
  events.push_back(event);

  const Thresholds &t = config_.thresholds;
  set_alert(Alert::kFpsLow, t.min_fps > 0 && stats.fps < t.min_fps, stats.fps, t.min_fps, stats,
            events);
  set_alert(Alert::kBitrateLow, t.min_bitrate > 0 && stats.bitrate < t.min_bitrate, stats.bitrate,
            t.min_bitrate, stats, events);
  set_alert(Alert::kBitrateHigh, t.max_bitrate > 0 && stats.bitrate > t.max_bitrate, stats.bitrate,
            t.max_bitrate, stats, events);
  if (gap_cleared || t.max_gap <= 0) {
    set_alert(Alert::kGap, false, seconds(stats.longest_gap), seconds(t.max_gap), stats, events);
  }
}

void StreamMonitor::set_alert(Alert alert, bool on, double value, double threshold,
                              const Stats &stats, std::vector<Event> &events) {
  bool &active = active_[static_cast<int>(alert)];
  if (active == on) return;
  active = on;
  Event event;
  event.kind = on ? Event::Kind::kAlert : Event::Kind::kRecovered;
  event.alert = alert;
  event.value = value;
  event.threshold = threshold;
  event.stats = stats;
  events.push_back(event);
}

}  // namespace onair::monitor
