#include "core/command_queue.h"

#include <algorithm>
#include <utility>

namespace onair::overlay {

void CommandQueue::add_chat(std::string user, std::string text, Rgb color) {
  const auto is_chat = [](const Command &c) { return c.kind == Command::Kind::kChat; };
  if (static_cast<size_t>(std::count_if(pending_.begin(), pending_.end(), is_chat)) >=
      kMaxPendingChat)
    pending_.erase(std::find_if(pending_.begin(), pending_.end(), is_chat));
  pending_.push_back({Command::Kind::kChat, std::move(user), std::move(text), color, {}, 0});
}

bool CommandQueue::add_alert(std::string text, AlertType type, int64_t duration) {
  if (pending_alerts_ + alerts_queued_ >= kMaxQueuedAlerts) return false;
  pending_alerts_++;
  pending_.push_back({Command::Kind::kAlert, {}, std::move(text), {}, type, duration});
  return true;
}

void CommandQueue::clear_chat() {
  pending_.push_back({Command::Kind::kClearChat, {}, {}, {}, {}, 0});
}

void CommandQueue::clear_alerts() {
  // The overlay's alerts go at the next frame too: room for new ones at once.
  alerts_queued_ = 0;
  pending_alerts_ = 0;
  pending_.push_back({Command::Kind::kClearAlerts, {}, {}, {}, {}, 0});
}

std::vector<Command> CommandQueue::take() {
  pending_alerts_ = 0;
  return std::exchange(pending_, {});
}

void CommandQueue::set_shown(size_t chat_count, size_t alerts_queued) {
  chat_count_ = chat_count;
  alerts_queued_ = alerts_queued;
}

void apply_commands(std::vector<Command> commands, ChatLog &chat, AlertQueue &alerts) {
  for (Command &c : commands) {
    switch (c.kind) {
      case Command::Kind::kChat:
        chat.add(std::move(c.user), std::move(c.text), c.color);
        break;
      case Command::Kind::kAlert:
        alerts.push(std::move(c.text), c.type, c.duration);
        break;
      case Command::Kind::kClearChat:
        chat.clear();
        break;
      case Command::Kind::kClearAlerts:
        alerts.clear();
        break;
    }
  }
}

}  // namespace onair::overlay
