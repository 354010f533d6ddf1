// Decides, frame by frame on the way into splitmuxsink, which frames start a "GOP" there and
// when a new file is due, so that the segmenter holds back a few frames instead of a whole
// keyframe interval while files still split on the sender's real keyframes only.
//
// splitmuxsink releases a GOP to the muxer once the next one has begun, so a sender with 10 s
// keyframe intervals leaves up to 10 s in its queue, lost on a kill. A delta frame whose
// presentation time is beyond every earlier frame's (an I or P anchor, never a reordered
// B-frame) is released: passed on as a GOP start, so what came before it goes to the file.
// B-frames are never released: a GOP's start time must not go back below the previous one.
//
// splitmuxsink's own size limits would split at a released frame, so splits are decided here:
// when a real keyframe arrives and a split is due, the planner names a running time just past
// every earlier frame's. splitmuxsink starts a new file with the first GOP whose start time is
// at or beyond it: the keyframe's, also when open-GOP leading B-frames lower that GOP's start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace onair::record {

struct FrameDecision {
  bool release = false;  // pass this delta frame on as a GOP start
  // Before letting this keyframe in, ask splitmuxsink to split at this running time.
  std::optional<int64_t> split_at;
};

class LiveSplitPlanner {
 public:
  // A new file at the first keyframe at least this long (ns) after the current file's first;
  // 0: no limit.
  void set_max_size_time(uint64_t ns) { max_size_time_ = ns; }
  // The next keyframe starts a new file (splitmuxsink's split-after).
  void request_split() { split_requested_ = true; }
  bool split_requested() const { return split_requested_; }

  // `running_time`: of the frame's presentation time in ns, empty when unknown; `duration`
  // in ns, 0 when unknown.
  FrameDecision on_frame(std::optional<int64_t> running_time, bool keyframe, int64_t duration = 0);

  // Where file `index` (0 for the first since the last reset) begins and ends in running
  // time: its first keyframe, and the next file's (or, for the file being written, the end
  // of the latest frame). splitmuxsink's own messages take them from its output thread's
  // progress at the moment it decides, which lags the files' real bounds by a varying amount.
  std::optional<int64_t> file_start(size_t index) const;
  std::optional<int64_t> file_end(size_t index) const;

  // A flush or a restart: nothing seen yet. Settings and a pending request stay.
  void reset();

 private:
  bool split_due(int64_t keyframe_time) const;

  uint64_t max_size_time_ = 0;
  bool split_requested_ = false;
  std::optional<int64_t> latest_;      // the largest presentation time seen
  std::optional<int64_t> file_start_;  // the current file's first keyframe
  std::vector<int64_t> file_starts_;   // every file's first keyframe, in order
  std::optional<int64_t> latest_end_;  // the largest presentation end seen
};

}  // namespace onair::record
