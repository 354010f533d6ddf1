#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "core/live_split.h"

namespace record = onair::record;

namespace {

constexpr int64_t kFrame = 40;  // ms-like units; the planner only compares and adds 1

struct Frame {
  int64_t pts;
  bool keyframe;
};

// Decode order of I P B B P B B ... with presentation times in frames: the anchor of each
// mini-group first, then the two B-frames shown before it.
std::vector<Frame> ibbp(int64_t first, int groups, bool open_keyframe_first = true) {
  std::vector<Frame> frames{{first * kFrame, open_keyframe_first}};
  for (int g = 0; g < groups; g++) {
    const int64_t anchor = first + 3 * (g + 1);
    frames.push_back({anchor * kFrame, false});
    frames.push_back({(anchor - 2) * kFrame, false});
    frames.push_back({(anchor - 1) * kFrame, false});
  }
  return frames;
}

}  // namespace

TEST(LiveSplitPlanner, ReleasesEveryDeltaFrameOfAnIPStream) {
  record::LiveSplitPlanner planner;
  EXPECT_FALSE(planner.on_frame(0, true).release);
  for (int i = 1; i < 10; i++) {
    const auto d = planner.on_frame(i * kFrame, false);
    EXPECT_TRUE(d.release) << i;
    EXPECT_FALSE(d.split_at);
  }
}

TEST(LiveSplitPlanner, ReleasesAnchorsButNeverReorderedBFrames) {
  record::LiveSplitPlanner planner;
  std::vector<bool> released;
  for (const Frame &f : ibbp(0, 3)) released.push_back(planner.on_frame(f.pts, f.keyframe).release);
  // I, then per group: P released, two B kept.
  EXPECT_EQ(released,
            (std::vector<bool>{false, true, false, false, true, false, false, true, false, false}));
}

TEST(LiveSplitPlanner, UnknownTimesAreNeverReleasedNorCounted) {
  record::LiveSplitPlanner planner;
  planner.on_frame(0, true);
  EXPECT_FALSE(planner.on_frame(std::nullopt, false).release);
  EXPECT_TRUE(planner.on_frame(kFrame, false).release);
  // A delta frame before anything with a time is kept too.
  record::LiveSplitPlanner fresh;
  EXPECT_FALSE(fresh.on_frame(5 * kFrame, false).release);
}

TEST(LiveSplitPlanner, NoSplitWithoutRequestOrLimit) {
  record::LiveSplitPlanner planner;
  for (int i = 0; i < 100; i++) EXPECT_FALSE(planner.on_frame(i * kFrame, i % 10 == 0).split_at);
}

TEST(LiveSplitPlanner, SplitAfterWaitsForTheNextKeyframe) {
  record::LiveSplitPlanner planner;
  planner.on_frame(0, true);
  planner.on_frame(kFrame, false);
  planner.request_split();
  EXPECT_FALSE(planner.on_frame(2 * kFrame, false).split_at);
  EXPECT_TRUE(planner.split_requested());
  const auto d = planner.on_frame(3 * kFrame, true);
  ASSERT_TRUE(d.split_at);
  // Past every earlier frame, not beyond the keyframe.
  EXPECT_EQ(*d.split_at, 2 * kFrame + 1);
  EXPECT_FALSE(planner.split_requested());
  EXPECT_FALSE(planner.on_frame(4 * kFrame, true).split_at);
}

TEST(LiveSplitPlanner, SplitTimeLiesBelowOpenGopLeadingBFrames) {
  record::LiveSplitPlanner planner;
  for (const Frame &f : ibbp(0, 3)) planner.on_frame(f.pts, f.keyframe);  // up to pts 9
  planner.request_split();
  // Open GOP: I12, then B10 B11 shown before it but after everything earlier.
  const auto d = planner.on_frame(12 * kFrame, true);
  ASSERT_TRUE(d.split_at);
  EXPECT_EQ(*d.split_at, 9 * kFrame + 1);
  EXPECT_LE(*d.split_at, 10 * kFrame);
  EXPECT_FALSE(planner.on_frame(10 * kFrame, false).release);
  EXPECT_FALSE(planner.on_frame(11 * kFrame, false).release);
  EXPECT_TRUE(planner.on_frame(15 * kFrame, false).release);
}

TEST(LiveSplitPlanner, ARequestBeforeTheFirstKeyframeDoesNotSplit) {
  record::LiveSplitPlanner planner;
  planner.request_split();
  EXPECT_FALSE(planner.on_frame(0, true).split_at);
  EXPECT_FALSE(planner.split_requested());
}

TEST(LiveSplitPlanner, MaxSizeTimeSplitsAtTheFirstKeyframePastTheLimit) {
  record::LiveSplitPlanner planner;
  planner.set_max_size_time(25 * kFrame);
  std::vector<int64_t> splits;
  // Keyframes every 10 frames: the limit is reached at 25, so the split waits for 30.
  for (int i = 0; i < 70; i++) {
    const auto d = planner.on_frame(i * kFrame, i % 10 == 0);
    if (d.split_at) splits.push_back(*d.split_at);
  }
  EXPECT_EQ(splits, (std::vector<int64_t>{29 * kFrame + 1, 59 * kFrame + 1}));
}

TEST(LiveSplitPlanner, ResetForgetsWhatWasSeen) {
  record::LiveSplitPlanner planner;
  planner.on_frame(0, true);
  planner.on_frame(50 * kFrame, false);
  planner.reset();
  // After a flush, times may start again from zero: nothing earlier to compare with.
  EXPECT_FALSE(planner.on_frame(kFrame, false).release);
  EXPECT_FALSE(planner.on_frame(2 * kFrame, true).split_at);
  EXPECT_TRUE(planner.on_frame(3 * kFrame, false).release);
}

TEST(LiveSplitPlanner, FilesBeginAtTheirKeyframeAndEndAtTheNextFilesOrTheLatestFrame) {
  record::LiveSplitPlanner planner;
  planner.set_max_size_time(25 * kFrame);
  EXPECT_FALSE(planner.file_start(0));
  EXPECT_FALSE(planner.file_end(0));
  // Keyframes every 10 frames from frame 5: files start at 5 and 35 (the first keyframe 25
  // frames or more after 5).
  for (int i = 5; i < 50; i++) planner.on_frame(i * kFrame, i % 10 == 5, kFrame);
  EXPECT_EQ(planner.file_start(0), 5 * kFrame);
  EXPECT_EQ(planner.file_end(0), 35 * kFrame);
  EXPECT_EQ(planner.file_start(1), 35 * kFrame);
  // The file being written ends with the latest frame's end.
  EXPECT_EQ(planner.file_end(1), 50 * kFrame);
  EXPECT_FALSE(planner.file_start(2));
  EXPECT_FALSE(planner.file_end(2));
  // With B-frames the end is the latest presentation end, not the last frame's.
  record::LiveSplitPlanner reordered;
  for (const Frame &f : ibbp(0, 3)) reordered.on_frame(f.pts, f.keyframe, kFrame);
  EXPECT_EQ(reordered.file_end(0), 10 * kFrame);
  planner.reset();
  EXPECT_FALSE(planner.file_start(0));
}
