// Reconnection timing: exponential backoff with jitter and a cap.
#pragma once

#include <cstdint>

namespace onair::output {

struct BackoffPolicy {
  int64_t initial = 500'000'000;  // ns before the first retry
  double factor = 2.0;            // growth per failed attempt
  int64_t max = 30'000'000'000;   // cap, ns
  double jitter = 0.2;            // +- this fraction, so many clients do not retry in step
  uint32_t max_attempts = 0;      // failed attempts before giving up; 0 = never give up
};

// Delay before retry number `attempt` (1 for the first retry). `random01` is
// uniform in [0, 1); 0.5 gives the delay without jitter.
int64_t backoff_delay(const BackoffPolicy &policy, uint32_t attempt, double random01);

// Whether another attempt is allowed after `failed` failed attempts in a row.
inline bool may_retry(const BackoffPolicy &policy, uint32_t failed) {
  return policy.max_attempts == 0 || failed < policy.max_attempts;
}

}  // namespace onair::output
