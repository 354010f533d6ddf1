#include "watchdog.h"

namespace onair::failover {

const char *to_string(InputState state) {
  switch (state) {
    case InputState::kStarting:
      return "starting";
    case InputState::kLive:
      return "live";
    case InputState::kLost:
      return "lost";
  }
  return "unknown";
}

const char *to_string(LossReason reason) {
  switch (reason) {
    case LossReason::kStalled:
      return "stalled";
    case LossReason::kEnded:
      return "ended";
    case LossReason::kError:
      return "error";
  }
  return "unknown";
}

void InputWatchdog::start(int64_t now) {
  state_ = InputState::kStarting;
  last_good_ = now;
  input_over_ = false;
}

Change InputWatchdog::frame(int64_t now, bool good) {
  if (!good) return tick(now);
  last_good_ = now;
  input_over_ = false;
  const InputState before = state_;
  state_ = InputState::kLive;
  if (before != InputState::kLost) return {};
  Change back;
  back.kind = Change::Kind::kBack;
  back.lost_for = now - lost_at_;
  return back;
}

Change InputWatchdog::ended(int64_t now) {
  return lose(now, LossReason::kEnded, {});
}

Change InputWatchdog::failed(int64_t now, const std::string &error) {
  return lose(now, LossReason::kError, error);
}

Change InputWatchdog::tick(int64_t now) {
  if (state_ == InputState::kLost || now - last_good_ < timeout_) return {};
  return lose(now, LossReason::kStalled, {});
}

int64_t InputWatchdog::lost_for(int64_t now) const {
  return state_ == InputState::kLost && now > lost_at_ ? now - lost_at_ : 0;
}

Change InputWatchdog::lose(int64_t now, LossReason reason, const std::string &error) {
  // A stall of an input that already ended or failed says nothing new.
  if (state_ == InputState::kLost && (reason == LossReason::kStalled || input_over_)) return {};
  if (reason != LossReason::kStalled) input_over_ = true;
  const bool was_lost = state_ == InputState::kLost;
  state_ = InputState::kLost;
  reason_ = reason;
  error_ = error;
  // An input that was stalled and then ends or fails is announced again with the new
  // reason (a retrying source acts on it), still as one loss.
  if (!was_lost) {
    lost_at_ = now;
    ++lost_count_;
  }
  Change lost;
  lost.kind = Change::Kind::kLost;
  lost.reason = reason;
  lost.error = error;
  lost.since_good = now - last_good_;
  return lost;
}

}  // namespace onair::failover
