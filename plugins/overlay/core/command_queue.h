// Changes asked for between frames (chat, alerts, clearing them), held until the streaming
// thread applies them at the next frame so everything follows running time. Its limits keep a
// pipeline that takes no frames (a paused one) from piling commands up. No locking here: the
// element guards the queue with its own mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/overlay_state.h"

namespace onair::overlay {

struct Command {
  enum class Kind { kChat, kAlert, kClearChat, kClearAlerts } kind;
  std::string user, text;  // already cleaned
  Rgb color;
  AlertType type = AlertType::kInfo;
  int64_t duration = 0;  // ns of running time
};

class CommandQueue {
 public:
  // Chat commands waiting for a frame; beyond this the oldest go, as they would scroll away
  // anyway.
  static constexpr size_t kMaxPendingChat = 200;
  // Alerts waiting for a frame plus those the overlay already holds.
  static constexpr size_t kMaxQueuedAlerts = 100;

  void add_chat(std::string user, std::string text, Rgb color);
  // False, queueing nothing, when kMaxQueuedAlerts alerts are pending or queued already.
  bool add_alert(std::string text, AlertType type, int64_t duration);
  void clear_chat();
  void clear_alerts();

  // Every pending command in the order they came; none is pending afterwards.
  std::vector<Command> take();
  size_t pending() const { return pending_.size(); }

  // What the overlay holds after a frame; the queued alerts count against the alert limit.
  void set_shown(size_t chat_count, size_t alerts_queued);
  size_t chat_count() const { return chat_count_; }
  size_t alerts_queued() const { return alerts_queued_; }
  // Those the overlay holds plus those still waiting for a frame: what counts against the limit.
  size_t alerts_waiting() const { return alerts_queued_ + pending_alerts_; }

 private:
  std::vector<Command> pending_;
  size_t pending_alerts_ = 0;  // alerts in pending_ not cleared by a later clear-alerts
  size_t chat_count_ = 0;
  size_t alerts_queued_ = 0;
};

// Applies commands to the chat log and the alert queue in the order they came, so a clear
// removes what came before it, pending commands too.
void apply_commands(std::vector<Command> commands, ChatLog &chat, AlertQueue &alerts);

}  // namespace onair::overlay
