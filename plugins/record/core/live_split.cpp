#include "core/live_split.h"

namespace onair::record {

bool LiveSplitPlanner::split_due(int64_t keyframe_time) const {
  if (split_requested_) return true;
  return max_size_time_ > 0 && file_start_ &&
         keyframe_time - *file_start_ >= static_cast<int64_t>(max_size_time_);
}

FrameDecision LiveSplitPlanner::on_frame(std::optional<int64_t> running_time, bool keyframe,
                                         int64_t duration) {
  FrameDecision decision;
  if (keyframe) {
    if (!file_start_) {
      // The first file starts here anyway.
      split_requested_ = false;
      file_start_ = running_time;
      if (running_time) file_starts_.push_back(*running_time);
    } else if (running_time && latest_ && split_due(*running_time)) {
      decision.split_at = *latest_ + 1;
      split_requested_ = false;
      file_start_ = running_time;
      file_starts_.push_back(*running_time);
    }
  } else {
    decision.release = running_time && latest_ && *running_time > *latest_;
  }
  if (running_time && (!latest_ || *running_time > *latest_)) latest_ = running_time;
  if (running_time && (!latest_end_ || *running_time + duration > *latest_end_))
    latest_end_ = *running_time + duration;
  return decision;
}

std::optional<int64_t> LiveSplitPlanner::file_start(size_t index) const {
  if (index < file_starts_.size()) return file_starts_[index];
  return std::nullopt;
}

std::optional<int64_t> LiveSplitPlanner::file_end(size_t index) const {
  if (index + 1 < file_starts_.size()) return file_starts_[index + 1];
  if (index < file_starts_.size()) return latest_end_;
  return std::nullopt;
}

void LiveSplitPlanner::reset() {
  latest_.reset();
  file_start_.reset();
  file_starts_.clear();
  latest_end_.reset();
}

}  // namespace onair::record
