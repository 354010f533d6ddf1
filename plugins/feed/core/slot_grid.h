// The grid of running time feedsrc paces its output on: video slot k starts at k/framerate,
// audio slot k is 20 ms chunk k (sample-exact, see chunk_start()). Times are ns, rounded down
// as gst_util_uint64_scale() rounds.
#pragma once

#include <cstdint>

namespace onair::feed {

class SlotGrid {
 public:
  SlotGrid() = default;  // 1 frame a second
  // fps_n/fps_d frames a second, both above 0.
  static SlotGrid video(uint64_t fps_n, uint64_t fps_d);
  // Sound at `rate` samples a second (above 0), in 20 ms chunks.
  static SlotGrid audio(uint64_t rate);

  // Running time (ns) at which slot k starts.
  uint64_t start(uint64_t k) const;
  // The slot that contains running time t.
  uint64_t at(uint64_t t) const;
  // How long a slot lasts (video: the first; audio: 20 ms).
  uint64_t length() const;

 private:
  bool video_ = true;
  uint64_t fps_n_ = 1;
  uint64_t fps_d_ = 1;
  uint64_t rate_ = 0;
};

}  // namespace onair::feed
