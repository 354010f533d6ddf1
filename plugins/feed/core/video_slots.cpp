#include "core/video_slots.h"

namespace onair::feed {

VideoSlots::Slot VideoSlots::on_slot_end(int64_t now) {
  Slot slot;
  if (!started_) {
    // A writer that never sends a frame stalls too, counted from the stream's start.
    started_ = true;
    last_new_ = now;
  }
  if (queued_ > 0) {
    --queued_;
    have_frame_ = true;
    slot.picture = Picture::kNew;
    if (stalled_) {
      stalled_ = false;
      slot.resumed = true;
      slot.stalled_for = now - last_new_;
    }
    last_new_ = now;
    return slot;
  }
  slot.picture = have_frame_ ? Picture::kRepeat : Picture::kBlack;
  if (!stalled_ && config_.stall_timeout > 0 && now - last_new_ >= config_.stall_timeout) {
    stalled_ = true;
    slot.stalled = true;
  }
  return slot;
}

}  // namespace onair::feed
