#include "output_gate.h"

namespace onair::output {

void OutputGate::open() {
  open_ = true;
  started_ = false;
  waiting_keyframe_ = has_video_;
  request_pending_ = has_video_;
  last_request_ = kUnknown;
}

void OutputGate::close() {
  open_ = false;
  started_ = false;
  waiting_keyframe_ = false;
  request_pending_ = false;
}

Decision OutputGate::drop(const Frame &frame, bool want_keyframe) {
  Decision d;
  if (frame.stream == Stream::kVideo) {
    video_dropped_++;
    if (want_keyframe) {
      const bool due = request_pending_ || last_request_ == kUnknown ||
                       frame.running_time == kUnknown ||
                       frame.running_time - last_request_ >= request_interval_;
      if (due) {
        d.request_keyframe = true;
        request_pending_ = false;
        last_request_ = frame.running_time;
      }
    }
  } else {
    audio_dropped_++;
  }
  return d;
}

Decision OutputGate::decide(const Frame &frame, bool queue_full) {
  if (!open_) return drop(frame, false);

  if (frame.stream == Stream::kVideo) {
    // The connection fell behind (or hangs): skip to the encoder's next
    // keyframe without asking for one, since an encoder shared by several
    // outputs would put the extra keyframes into all of them.
    if (queue_full) waiting_keyframe_ = true;
    if (waiting_keyframe_) {
      if (!frame.keyframe || queue_full) return drop(frame, !started_ && !queue_full);
      waiting_keyframe_ = false;
    }
    if (!started_) {
      started_ = true;
      offset_ = frame.running_time == kUnknown ? 0 : frame.running_time;
      Decision d;
      d.send = true;
      d.offset = offset_;
      d.release_held = true;
      return d;
    }
  } else {
    if (has_video_ && !started_) {
      Decision d;
      d.hold = !queue_full;
      if (!d.hold) audio_dropped_++;
      return d;
    }
    if (queue_full) return drop(frame, false);
    if (!started_) {
      started_ = true;
      offset_ = frame.running_time == kUnknown ? 0 : frame.running_time;
    }
    // Audio from before the connection's first keyframe has nowhere to go.
    if (frame.running_time != kUnknown && frame.running_time < offset_) return drop(frame, false);
  }
  Decision d;
  d.send = true;
  d.offset = offset_;
  return d;
}

}  // namespace onair::output
