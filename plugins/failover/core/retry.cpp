#include "core/retry.h"

#include "core/backoff.h"

namespace onair::failover {

std::optional<int64_t> RetrySchedule::lost(LossReason reason) {
  if (reason == LossReason::kEnded && !settings_.retry_after_end) return std::nullopt;
  output::BackoffPolicy policy;
  policy.initial = settings_.initial_delay;
  policy.max = settings_.max_delay;
  policy.jitter = 0;  // one source per process: nothing to spread out
  return output::backoff_delay(policy, ++failures_, 0.5);
}

}  // namespace onair::failover
