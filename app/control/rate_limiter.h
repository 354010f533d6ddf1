// The rate limit shared by every control channel. Plain C++.
#pragma once

namespace onair::app {

// Token bucket shared by all control channels: `rate` commands per second on
// average, up to `burst` at once. Time is passed in (seconds, monotonic).
class RateLimiter {
 public:
  RateLimiter(double rate = 20, double burst = 40);
  // Takes one token if there is one.
  bool allow(double now);
  // Seconds until the next token (0 when one is there now).
  double wait_time(double now) const;
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  void refill(double now);
  double rate_;
  double burst_;
  double tokens_;
  double last_ = 0;
  bool started_ = false;
};

}  // namespace onair::app
