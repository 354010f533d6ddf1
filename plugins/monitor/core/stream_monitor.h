// Stream health measurement: the algorithm behind the `streammonitor` element.
//
// Plain C++ with no GStreamer types. Times are nanoseconds of pipeline running
// time; kUnknown marks a time the caller does not know.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace onair::monitor {

inline constexpr int64_t kUnknown = -1;

// Alert thresholds; a zero value switches that check off.
struct Thresholds {
  double min_fps = 0;      // buffers per second
  int64_t max_gap = 0;     // ns without data
  double min_bitrate = 0;  // bits per second
  double max_bitrate = 0;  // bits per second
};

struct Config {
  int64_t interval = 1'000'000'000;  // length of one measuring window, ns
  Thresholds thresholds;
};

// What the monitor needs to know of one buffer.
struct BufferInfo {
  int64_t running_time = kUnknown;  // buffer start in running time
  int64_t duration = kUnknown;
  uint64_t size = 0;  // bytes
  bool discont = false;
  int64_t arrival = kUnknown;  // pipeline clock, as running time, when the buffer passed
};

// Figures of one measuring window plus running totals.
struct Stats {
  int64_t running_time = kUnknown;  // end of the window
  uint64_t buffers = 0;             // total
  uint64_t bytes = 0;               // total
  double fps = 0;                   // window
  double bitrate = 0;               // window, bits per second
  uint64_t gaps = 0;                // total holes of at least one buffer's length
  uint64_t dropped = 0;             // total buffers missing from those holes
  uint64_t discont = 0;             // total buffers flagged discontinuous
  int64_t longest_gap = 0;          // window
  int64_t jitter = kUnknown;        // smoothed variation of latency (RFC 3550 style)
  int64_t latency = kUnknown;       // window mean of arrival minus running time
  int64_t max_latency = kUnknown;   // window
  bool stalled = false;             // no buffer for a whole window
};

enum class Alert { kFpsLow, kGap, kBitrateLow, kBitrateHigh };
inline constexpr int kAlertCount = 4;

// Stable names used in bus messages and the docs.
const char *alert_name(Alert alert);

struct Event {
  enum class Kind { kStats, kAlert, kRecovered };
  Kind kind = Kind::kStats;
  Alert alert = Alert::kFpsLow;  // for kAlert / kRecovered
  double value = 0;              // fps, seconds of gap, or bits per second
  double threshold = 0;
  Stats stats;  // for kStats; also the figures at the time of an alert
};

// Accumulates buffers into windows of `interval` running time. Each closed
// window yields a kStats event and the alert / recovery events its figures
// cause. Not thread safe; the caller serialises calls.
class StreamMonitor {
 public:
  explicit StreamMonitor(const Config &config = {});

  // New settings take effect from the next window on.
  void set_config(const Config &config) { config_ = config; }
  const Config &config() const { return config_; }

  void on_buffer(const BufferInfo &buffer, std::vector<Event> &events);

  // Called periodically with the clock's running time; reports a stall when
  // no buffer arrived for a window, and a gap alert once the silence is longer
  // than max_gap.
  void on_clock(int64_t now, std::vector<Event> &events);

  // Timestamps restart (flush, new segment): forget the previous buffer so the
  // jump is not taken for a gap.
  void on_discontinuity();

  void reset();

  const Stats &latest() const { return latest_; }
  bool alert_active(Alert alert) const { return active_[static_cast<int>(alert)]; }

 private:
  void close_window(int64_t window_end, std::vector<Event> &events);
  void report(Stats stats, bool gap_cleared, std::vector<Event> &events);
  void set_alert(Alert alert, bool on, double value, double threshold, const Stats &stats,
                 std::vector<Event> &events);
  void note_hole(int64_t hole, int64_t expected, std::vector<Event> &events);

  Config config_;
  Stats totals_;  // running totals and smoothed figures
  Stats latest_;  // last reported
  std::array<bool, kAlertCount> active_{};

  bool started_ = false;
  int64_t window_start_ = 0;
  uint64_t window_buffers_ = 0;
  uint64_t window_bytes_ = 0;
  int64_t window_longest_gap_ = 0;
  bool window_gap_exceeded_ = false;
  int64_t latency_sum_ = 0;
  uint64_t latency_count_ = 0;
  int64_t latency_max_ = kUnknown;

  int64_t prev_start_ = kUnknown;
  int64_t prev_end_ = kUnknown;
  int64_t prev_duration_ = kUnknown;
  int64_t mean_spacing_ = kUnknown;  // smoothed distance between buffer starts
  int64_t prev_latency_ = kUnknown;
  double jitter_ = -1;
  int64_t last_arrival_ = kUnknown;
  int64_t last_stall_report_ = kUnknown;
};

}  // namespace onair::monitor
