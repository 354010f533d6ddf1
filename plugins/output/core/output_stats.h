// Connection states and the figures an output keeps about itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace onair::output {

enum class State { kIdle, kConnecting, kLive, kReconnecting, kFailed, kStopped };

// Stable names used in bus messages, the app and the docs.
const char *state_name(State state);

// Bits per second over the last three seconds, from byte counts at clock
// times: long enough to smooth the bursts of a network send, short enough to
// show a change quickly.
class RateMeter {
 public:
  void add(int64_t now, uint64_t bytes);
  double bits_per_second(int64_t now) const;
  void reset() { *this = RateMeter(); }

 private:
  static constexpr int kBuckets = 30;  // of 100 ms each
  static constexpr int64_t kBucket = 100'000'000;
  static constexpr double kBucketsPerSecond = 10.0;
  std::array<uint64_t, kBuckets> bytes_{};
  int64_t newest_ = -1;  // index (time / kBucket) of the newest bucket
  int64_t first_ = -1;   // index of the bucket of the first byte
};

// Smoothed capture-to-send latency.
class LatencyMeter {
 public:
  void add(int64_t latency);
  int64_t mean() const { return mean_ < 0 ? -1 : static_cast<int64_t>(mean_); }
  int64_t last() const { return last_; }

 private:
  double mean_ = -1;
  int64_t last_ = -1;
};

// Censors the secret part of an RTMP URL: the stream key (the last path
// segment), any query string and any user:password. "rtmps://host/app/KEY"
// becomes "rtmps://host/app/***".
std::string redact_rtmp_url(const std::string &url);

// Replaces every occurrence of the URL's secret parts in `text` by "***".
std::string redact_text(const std::string &text, const std::string &url);

}  // namespace onair::output
