// The two timelines of slateswitch: the output's own (a frame every period, sound in chunks,
// from the start to the stop whatever the input does) and the mapping of the input's running
// time onto it, anchored afresh whenever the input (re)starts, so a source whose timestamps
// begin at 0 again, or a file read faster than real time, plays at its speed on the output.
#pragma once

#include <cstdint>

namespace onair::failover {

inline constexpr int64_t kSecond = 1'000'000'000;

// Time of `count` units of `num`/`den` per second (frames at a frame rate, samples at a rate)
// after the start, rounded down; exact for any count, so the cadence never drifts.
int64_t units_to_time(uint64_t count, int64_t num, int64_t den);

// The output's frames: frame n spans [start + n * period, start + (n + 1) * period).
class OutputCadence {
 public:
  // `fps_num`/`fps_den` frames a second; a zero or unknown rate counts as 30/1.
  void reset(int64_t start, int64_t fps_num, int64_t fps_den);
  int64_t frame_start(uint64_t n) const { return start_ + units_to_time(n, num_, den_); }
  int64_t frame_duration(uint64_t n) const { return frame_start(n + 1) - frame_start(n); }
  int64_t start() const { return start_; }

 private:
  int64_t start_ = 0;
  int64_t num_ = 30, den_ = 1;
};

// Input running time to output running time.
class InputMapping {
 public:
  explicit InputMapping(int64_t max_ahead = kSecond) : max_ahead_(max_ahead) {}

  // The input starts again (a new segment, after a loss): the next timestamp is anchored.
  void restart() { anchored_ = false; }
  // Where the input time `input` falls on the output at `now`, anchoring it at `now` first
  // when needed: after restart(), and when it would lie more than max_ahead in the future
  // (the input's timeline jumped), so the input is never held back for long.
  int64_t map(int64_t input, int64_t now);
  bool anchored() const { return anchored_; }

 private:
  int64_t max_ahead_;
  bool anchored_ = false;
  int64_t offset_ = 0;
};

}  // namespace onair::failover
