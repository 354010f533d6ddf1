#include "signal_health.h"

#include <algorithm>

#include "sdisrc_messages.h"

namespace onair::sdi {

const char *error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::busy:
      return "busy";
    case ErrorKind::gone:
      return "gone";
    case ErrorKind::not_found:
      return "not-found";
    case ErrorKind::library_missing:
      return "library-missing";
    case ErrorKind::other:
      break;
  }
  return "other";
}

bool is_recoverable(ErrorKind kind) {
  return kind == ErrorKind::busy || kind == ErrorKind::gone;
}

const char *health_state_name(HealthState state) {
  switch (state) {
    case HealthState::no_device:
      return "no-device";
    case HealthState::waiting_for_signal:
      return "waiting-for-signal";
    case HealthState::locked:
      return "locked";
    case HealthState::lost:
      return "lost";
    case HealthState::error:
      break;
  }
  return "error";
}

const char *message_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::signal:
      return sdisrc_messages::kSignal;
    case MessageKind::format:
      return sdisrc_messages::kFormat;
    case MessageKind::error:
      break;
  }
  return sdisrc_messages::kError;
}

int64_t retry_delay(const RetryPolicy &policy, uint32_t attempt) {
  int64_t delay = std::max<int64_t>(policy.first_delay, 0);
  for (uint32_t doubled = 1; doubled < attempt && delay > 0 && delay < policy.max_delay; ++doubled)
    delay *= 2;
  return std::min(delay, policy.max_delay);
}

SignalHealth::SignalHealth(const RetryPolicy &policy) : policy_(policy) {}

bool SignalHealth::port_open() const {
  return status_.state == HealthState::waiting_for_signal || status_.state == HealthState::locked ||
         status_.state == HealthState::lost;
}

HealthMessage SignalHealth::signal_message() const {
  HealthMessage message;
  message.kind = MessageKind::signal;
  message.locked = has_signal();
  if (status_.mode) message.mode = status_.mode->name;
  return message;
}

std::optional<HealthMessage> SignalHealth::opened() {
  if (port_open() || fatal()) return std::nullopt;
  status_.state = HealthState::waiting_for_signal;
  status_.attempt = 0;
  return signal_message();
}

std::optional<HealthMessage> SignalHealth::signal_locked(const SdiMode &mode) {
  if (!port_open()) return std::nullopt;
  if (status_.state != HealthState::locked) {
    status_.state = HealthState::locked;
    status_.mode = &mode;
    return signal_message();
  }
  if (status_.mode == &mode) return std::nullopt;
  HealthMessage message;
  message.kind = MessageKind::format;
  message.previous_mode = status_.mode->name;
  message.mode = mode.name;
  status_.mode = &mode;
  return message;
}

std::optional<HealthMessage> SignalHealth::signal_lost() {
  if (status_.state != HealthState::locked) return std::nullopt;
  status_.state = HealthState::lost;
  return signal_message();
}

std::optional<HealthMessage> SignalHealth::failed(ErrorKind kind, std::string detail, int64_t now) {
  if (fatal()) return std::nullopt;
  status_.state = HealthState::error;
  status_.error = kind;
  status_.detail = std::move(detail);
  ++status_.attempt;
  status_.retrying =
      is_recoverable(kind) && (policy_.max_attempts == 0 || status_.attempt < policy_.max_attempts);
  const int64_t wait = status_.retrying ? retry_delay(policy_, status_.attempt) : 0;
  status_.retry_at = now + wait;

  HealthMessage message;
  message.kind = MessageKind::error;
  message.error = kind;
  message.detail = status_.detail;
  message.retrying = status_.retrying;
  message.attempt = status_.attempt;
  message.retry_in = wait;
  return message;
}

bool SignalHealth::retry_due(int64_t now) const {
  return status_.state == HealthState::error && status_.retrying && now >= status_.retry_at;
}

}  // namespace onair::sdi
