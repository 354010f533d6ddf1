// When resilientsrc opens its source again: after a failure or a stall, with a delay that
// starts at a second and doubles up to a cap; after the end of a file only when asked to; the
// count starts again once the source delivered pictures. Plain decisions, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/watchdog.h"

namespace onair::failover {

struct RetrySettings {
  int64_t initial_delay = 1'000'000'000;  // ns before the first retry
  int64_t max_delay = 30'000'000'000;     // cap, ns
  bool retry_after_end = true;            // false: a source that ended stays ended (a file)
};

// What a source's end means when nobody said: a file that ended is over, while a network
// stream that ended (its publisher stopped) may come back. True for file:// URIs and plain
// paths.
bool ends_for_good(std::string_view uri);

class RetrySchedule {
 public:
  void configure(const RetrySettings &settings) { settings_ = settings; }
  // The source was lost for `reason`: the delay before the next attempt, or none.
  std::optional<int64_t> lost(LossReason reason);
  // The source delivered pictures again: the next loss waits the initial delay.
  void back() { failures_ = 0; }
  uint32_t failures() const { return failures_; }

 private:
  RetrySettings settings_;
  uint32_t failures_ = 0;  // losses since the source last delivered
};

}  // namespace onair::failover
