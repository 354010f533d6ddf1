// Decides where scenes change, from a stream of reduced pictures with their timestamps.
//
// Hard cuts: the shape of the picture (luma with its brightness and contrast divided out)
// jumps between two frames by much more than it moves around them, after the best local
// shift of each block (so pans, shake and zooms explain themselves), and the picture a few
// frames later is still unlike every picture just before the jump (so a flash or a strobe,
// which returns to the old picture, is no cut). Decided kDecisionDelay frames late.
//
// Gradual transitions (dissolves, fades through black or a colour, wipes): over a window of
// frames the shape changes as much as at a cut, no single step carries most of the change,
// and every frame inside is a per-cell mix of the window's first and last picture (a dissolve
// mixes evenly, a wipe takes each cell from one side, a fade mixes with a flat colour). Camera
// motion fails that test: a panned picture is not a mix of its start and end. Overlapping
// windows, and fades joined by flat frames, make one transition, reported once when it ends.
//
// Only frame counts and the caller's timestamps are used, never a clock.
#pragma once

#include <cstdint>
#include <vector>

#include "core/reduced_picture.h"

namespace onair::scene {

inline constexpr int64_t kNoTime = -1;

// The one sensitivity knob: how far the picture's shape must move (mean absolute difference
// of the normalised luma) to count as a new scene. Lower finds more.
inline constexpr double kDefaultThreshold = 0.35;

struct DetectorConfig {
  double threshold = kDefaultThreshold;
  int64_t min_scene_length = 0;  // ns of timestamps between two reported transitions
  bool gradual = true;
};

enum class TransitionKind { kCut, kGradual };

struct Transition {
  TransitionKind kind = TransitionKind::kCut;
  // The first frame of the new scene: the cut frame, or the frame where a gradual transition
  // has completed. Frames count from 0 in push() order.
  int64_t frame = 0;
  int64_t start = 0, end = 0;  // a gradual transition's first and last frame; for a cut, frame
  double score = 0;            // the shape change it made, comparable with the threshold
};

class SceneDetector {
 public:
  // Frames after a cut before it is reported: long enough to see a flash end.
  static constexpr int kDecisionDelay = 6;

  explicit SceneDetector(DetectorConfig config = {});
  void set_config(const DetectorConfig &config) { config_ = config; }

  // Adds the next frame; appends the transitions decided with it (in frame order).
  void push(const ReducedPicture &picture, int64_t timestamp, std::vector<Transition> &out);
  // After a discontinuity (seek, flush): forgets the pictures; frame numbers go on.
  void reset();
  // The number the next pushed frame gets.
  int64_t next_frame() const { return next_; }

  // The measures, exposed for tests and benchmarks.
  // Shape difference after each 8x6-cell block's best shift of up to 3 cells.
  static double motion_compensated_distance(const ReducedPicture &a, const ReducedPicture &b);
  // How far `mid` is from being a per-cell mix of `a` and `b`, relative to a-b (0: a mix).
  static double mix_residual(const ReducedPicture &mid, const ReducedPicture &a,
                             const ReducedPicture &b);

 private:
  struct Slot {
    ReducedPicture picture;
    int64_t timestamp = kNoTime;
    double step = 0;      // motion-compensated shape change from the frame before
    double raw_step = 0;  // raw change of the coarse cells from the frame before
  };
  struct Candidate {
    int64_t start = 0, end = 0;
    double score = 0;
  };

  const Slot &at(int64_t frame) const;
  bool held(int64_t frame) const { return frame >= first_ && frame < next_; }
  void check_cut(int64_t cut, std::vector<Transition> &out);
  void check_gradual(int64_t last, std::vector<Transition> &out);
  void flush_candidate(std::vector<Transition> &out);
  void emit(const Transition &t, std::vector<Transition> &out);

  DetectorConfig config_;
  std::vector<Slot> ring_;
  int64_t first_ = 0;  // oldest frame held since the last reset
  int64_t next_ = 0;
  bool have_candidate_ = false;
  Candidate candidate_;
  int64_t last_reported_time_ = kNoTime;  // timestamp of the last transition reported
  // Gradual windows start at or after this frame: what lies before is decided.
  int64_t settled_ = 0;
};

}  // namespace onair::scene
