#include "core/retry.h"

#include "core/backoff.h"

#include <cctype>
#include <string>

namespace onair::failover {

bool ends_for_good(std::string_view uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return true;
  std::string scheme(uri.substr(0, scheme_end));
  for (char &c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "file";
}

std::optional<int64_t> RetrySchedule::lost(LossReason reason) {
  if (reason == LossReason::kEnded && !settings_.retry_after_end) return std::nullopt;
  output::BackoffPolicy policy;
  policy.initial = settings_.initial_delay;
  policy.max = settings_.max_delay;
  policy.jitter = 0;  // one source per process: nothing to spread out
  return output::backoff_delay(policy, ++failures_, 0.5);
}

}  // namespace onair::failover
