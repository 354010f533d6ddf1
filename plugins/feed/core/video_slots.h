// Which picture each video slot shows. Slots are a fixed grid on the pipeline clock; a slot's
// picture is chosen when the slot ends, so a frame that arrived during it still makes it out.
// Frames play in arrival order (FIFO, so a bursty writer's frames all play, one a slot);
// a slot with no new frame repeats the last one, or shows black before the first frame.
// After `stall_timeout` without a new frame the stream counts as stalled (reported once) until
// a frame comes back. The frames themselves stay with the caller; this holds their count.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onair::feed {

struct VideoConfig {
  size_t max_queued = 2;                  // frames waiting for a slot; the reader waits when full
  int64_t stall_timeout = 1'000'000'000;  // ns; 0 = never stalled
};

class VideoSlots {
 public:
  explicit VideoSlots(const VideoConfig &config) : config_(config) {
    if (config_.max_queued == 0) config_.max_queued = 1;
  }

  bool has_room() const { return queued_ < config_.max_queued; }
  size_t queued() const { return queued_; }
  // One more frame waits for a slot (the caller queues it at the back).
  void on_frame() { ++queued_; }

  enum class Picture { kNew, kRepeat, kBlack };
  struct Slot {
    Picture picture = Picture::kBlack;  // kNew: the caller takes its oldest frame
    bool stalled = false;               // the stream just stalled
    bool resumed = false;               // a frame came back after a stall
    int64_t stalled_for = 0;            // resumed: ns since the last new frame
  };
  // The slot ending at running time `now` (ns); slots come in order.
  Slot on_slot_end(int64_t now);

  void clear() { queued_ = 0; }

 private:
  VideoConfig config_;
  size_t queued_ = 0;
  bool have_frame_ = false;
  bool stalled_ = false;
  bool started_ = false;
  int64_t last_new_ = 0;  // slot end of the last new frame, or of the first slot
};

}  // namespace onair::feed
