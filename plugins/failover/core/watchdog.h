// When the input counts as lost and when it is back: the decisions of slateswitch, on plain
// times (ns of running time on the output's clock). The element feeds it every frame that
// comes in, the input's end or failure, and a tick per output frame; what comes out is the
// change to announce, if any. Nothing here reads a clock.
#pragma once

#include <cstdint>
#include <string>

namespace onair::failover {

enum class InputState {
  kStarting,  // no good frame yet, the timeout not reached either: the slate shows, unannounced
  kLive,      // good frames come: the input shows
  kLost,      // the slate shows
};

enum class LossReason { kStalled, kEnded, kError };

const char *to_string(InputState state);
const char *to_string(LossReason reason);

struct Change {
  enum class Kind { kNone, kLost, kBack };
  Kind kind = Kind::kNone;
  LossReason reason = LossReason::kStalled;  // kLost
  std::string error;                         // kLost with kError
  int64_t since_good = -1;  // kLost: ns since the last good frame (since the start if none)
  int64_t lost_for = 0;     // kBack: ns the input was lost
  explicit operator bool() const { return kind != Kind::kNone; }
};

class InputWatchdog {
 public:
  explicit InputWatchdog(int64_t timeout) : timeout_(timeout) {}

  void set_timeout(int64_t timeout) { timeout_ = timeout; }
  // The output begins at `now`: the timeout runs from here until the first good frame.
  void start(int64_t now);
  // A frame came in at `now`; `good` is false for a frame that only repeats an old picture.
  Change frame(int64_t now, bool good);
  // The input ended (end of stream) or failed: lost at once.
  Change ended(int64_t now);
  Change failed(int64_t now, const std::string &error);
  // An output frame is due at `now`: lost when no good frame came for the timeout.
  Change tick(int64_t now);

  InputState state() const { return state_; }
  bool showing_input() const { return state_ == InputState::kLive; }
  uint32_t lost_count() const { return lost_count_; }
  LossReason reason() const { return reason_; }
  const std::string &error() const { return error_; }
  // ns lost at `now`; 0 unless lost.
  int64_t lost_for(int64_t now) const;

 private:
  Change lose(int64_t now, LossReason reason, const std::string &error);

  int64_t timeout_;
  InputState state_ = InputState::kStarting;
  int64_t last_good_ = 0;  // or the start, before the first good frame
  int64_t lost_at_ = 0;
  bool input_over_ = false;  // ended or failed: only a new good frame ends the loss
  uint32_t lost_count_ = 0;
  LossReason reason_ = LossReason::kStalled;
  std::string error_;
};

}  // namespace onair::failover
