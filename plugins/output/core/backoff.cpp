#include "backoff.h"

#include <algorithm>
#include <cmath>

namespace onair::output {

int64_t backoff_delay(const BackoffPolicy &policy, uint32_t attempt, double random01) {
  if (attempt == 0) attempt = 1;
  const double base =
      static_cast<double>(policy.initial) *
      std::pow(policy.factor, static_cast<double>(std::min<uint32_t>(attempt - 1, 62)));
  const double capped = std::min(base, static_cast<double>(policy.max));
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double scaled = capped * (1.0 + jitter * (2.0 * std::clamp(random01, 0.0, 1.0) - 1.0));
  // Compared as doubles: a cap of INT64_MAX does not survive the round trip through double.
  if (scaled >= static_cast<double>(policy.max)) return policy.max;
  return static_cast<int64_t>(std::max(scaled, 0.0));
}

}  // namespace onair::output
