// Which encoded frames go out on the current connection.
//
// A connection starts on a video keyframe (asked for from upstream, again
// every second until one comes), audio follows from the keyframe's time, and
// timestamps are rebased so every connection starts at zero like a fresh
// publish. Audio that arrives while the keyframe is awaited is held, not
// dropped: an encoder running behind hands over the picture later than the
// sound of the same moment, and that sound belongs to the connection. While offline, or when the
// connection cannot keep up, frames are dropped until the encoder's next keyframe, which is not
// asked for.
#pragma once

#include <cstdint>

namespace onair::output {

inline constexpr int64_t kUnknown = -1;

enum class Stream { kVideo, kAudio };

struct Frame {
  Stream stream = Stream::kVideo;
  int64_t running_time = kUnknown;  // decode time (or presentation time) as running time
  bool keyframe = false;            // video only
};

struct Decision {
  bool send = false;
  bool request_keyframe = false;  // ask upstream for a keyframe now
  int64_t offset = 0;             // subtract from the frame's timestamps when sending
  bool hold = false;              // audio: keep the frame and decide() it again later
  bool release_held = false;      // the connection started: decide() the held audio again
};

class OutputGate {
 public:
  // `keyframe_request_interval`: running time between repeated requests while waiting.
  explicit OutputGate(int64_t keyframe_request_interval = 1'000'000'000)
      : request_interval_(keyframe_request_interval) {}

  // Video is expected (a video pad exists): audio then waits for it.
  void set_has_video(bool has_video) { has_video_ = has_video; }

  void open();   // a new connection takes data from the next keyframe on
  void close();  // offline: drop everything
  bool is_open() const { return open_; }
  bool started() const { return started_; }
  // Running time that became zero on this connection.
  int64_t offset() const { return offset_; }

  // `queue_full`: the connection has more queued than it may.
  Decision decide(const Frame &frame, bool queue_full);

  // Held audio frames the caller could not keep (it holds a bounded number).
  void drop_held(uint64_t frames) { audio_dropped_ += frames; }

  uint64_t video_dropped() const { return video_dropped_; }
  uint64_t audio_dropped() const { return audio_dropped_; }

 private:
  Decision drop(const Frame &frame, bool want_keyframe);

  int64_t request_interval_;
  bool has_video_ = true;
  bool open_ = false;
  bool started_ = false;  // this connection has sent its first frame
  bool waiting_keyframe_ = false;
  bool request_pending_ = false;  // ask at the next video frame
  int64_t last_request_ = kUnknown;
  int64_t offset_ = 0;
  uint64_t video_dropped_ = 0;
  uint64_t audio_dropped_ = 0;
};

}  // namespace onair::output
