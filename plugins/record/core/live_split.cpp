#include "core/live_split.h"

namespace onair::record {

bool LiveSplitPlanner::split_due(int64_t keyframe_time) const {
  if (split_requested_) return true;
  return max_size_time_ > 0 && file_start_ &&
         keyframe_time - *file_start_ >= static_cast<int64_t>(max_size_time_);
}

FrameDecision LiveSplitPlanner::on_frame(std::optional<int64_t> running_time, bool keyframe) {
  FrameDecision decision;
  if (keyframe) {
    if (!file_start_) {
      // The first file starts here anyway.
      split_requested_ = false;
      file_start_ = running_time;
    } else if (running_time && latest_ && split_due(*running_time)) {
      decision.split_at = *latest_ + 1;
      split_requested_ = false;
      file_start_ = running_time;
    }
  } else {
    decision.release = running_time && latest_ && *running_time > *latest_;
  }
  if (running_time && (!latest_ || *running_time > *latest_)) latest_ = running_time;
  return decision;
}

void LiveSplitPlanner::reset() {
  latest_.reset();
  file_start_.reset();
}

}  // namespace onair::record
