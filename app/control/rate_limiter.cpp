#include "control/rate_limiter.h"

#include <algorithm>

namespace onair::app {

RateLimiter::RateLimiter(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

void RateLimiter::refill(double now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + (now - last_) * rate_);
    last_ = now;
  }
}

bool RateLimiter::allow(double now) {
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

double RateLimiter::wait_time(double now) const {
  RateLimiter copy = *this;
  copy.refill(now);
  return copy.tokens_ >= 1 ? 0 : (1 - copy.tokens_) / rate_;
}

}  // namespace onair::app
