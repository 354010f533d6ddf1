#include "core/overlay_state.h"

#include <algorithm>

namespace onair::overlay {

uint64_t ChatLog::add(std::string user, std::string text, Rgb color) {
  ChatMessage m;
  m.id = next_id_++;
  m.user = std::move(user);
  m.text = std::move(text);
  m.color = color;
  messages_.push_back(std::move(m));
  // Older messages beyond the limit would never show again.
  while (messages_.size() > std::max<size_t>(config_.max_messages, 1)) messages_.pop_front();
  return messages_.back().id;
}

bool ChatLog::advance(int64_t now) {
  bool changed = false;
  for (ChatMessage &m : messages_)
    if (m.shown_at == kNotYet) m.shown_at = now, changed = true;
  while (messages_.size() > config_.max_messages) messages_.pop_front(), changed = true;
  if (config_.ttl > 0) {
    const auto expired = [&](const ChatMessage &m) { return now >= m.shown_at + config_.ttl; };
    const auto before = messages_.size();
    messages_.erase(std::remove_if(messages_.begin(), messages_.end(), expired), messages_.end());
    changed |= messages_.size() != before;
  }
  return changed;
}

std::vector<VisibleChat> ChatLog::visible(int64_t now) const {
  std::vector<VisibleChat> out;
  for (const ChatMessage &m : messages_) {
    if (m.shown_at == kNotYet || now < m.shown_at) continue;
    double opacity = 1.0;
    if (config_.ttl > 0) {
      const int64_t left = m.shown_at + config_.ttl - now;
      if (left <= 0) continue;
      const int64_t fade = std::min(config_.fade, config_.ttl);
      if (fade > 0 && left < fade) opacity = static_cast<double>(left) / static_cast<double>(fade);
    }
    out.push_back({&m, opacity});
  }
  return out;
}

bool parse_alert_type(const std::string &name, AlertType &type) {
  for (AlertType t :
       {AlertType::kInfo, AlertType::kSuccess, AlertType::kWarning, AlertType::kError})
    if (name == alert_type_name(t)) {
      type = t;
      return true;
    }
  return false;
}

const char *alert_type_name(AlertType type) {
  switch (type) {
    case AlertType::kInfo:
      return "info";
    case AlertType::kSuccess:
      return "success";
    case AlertType::kWarning:
      return "warning";
    case AlertType::kError:
      return "error";
  }
  return "info";
}

Rgb alert_color(AlertType type) {
  switch (type) {
    case AlertType::kInfo:
      return {33, 111, 219};
    case AlertType::kSuccess:
      return {30, 150, 70};
    case AlertType::kWarning:
      return {230, 140, 0};
    case AlertType::kError:
      return {200, 30, 40};
  }
  return {33, 111, 219};
}

uint64_t AlertQueue::push(std::string text, AlertType type, int64_t duration) {
  Alert a;
  a.id = next_id_++;
  a.text = std::move(text);
  a.type = type;
  a.duration = std::max<int64_t>(duration, 1);
  queue_.push_back(std::move(a));
  return queue_.back().id;
}

void AlertQueue::advance(int64_t now, std::vector<AlertEvent> &events) {
  // An alert waiting in an idle queue starts now; one waiting behind another
  // starts exactly when that one ends.
  int64_t start_at = now;
  while (!queue_.empty()) {
    Alert &head = queue_.front();
    if (head.started_at == kNotYet) {
      head.started_at = start_at;
      events.push_back({AlertEvent::Kind::kShown, head, head.started_at, queue_.size() - 1});
    }
    const int64_t end = head.started_at + head.duration;
    if (now < end) return;
    events.push_back({AlertEvent::Kind::kDone, head, end, queue_.size() - 1});
    queue_.pop_front();
    start_at = end;
  }
}

std::vector<VisibleAlert> AlertQueue::visible(int64_t now) const {
  if (queue_.empty() || queue_.front().started_at == kNotYet) return {};
  const Alert &a = queue_.front();
  const int64_t in = now - a.started_at;
  const int64_t left = a.started_at + a.duration - now;
  if (in < 0 || left <= 0) return {};
  const int64_t fade = std::min(kFade, a.duration / 2);
  double opacity = 1.0;
  if (fade > 0) {
    opacity = std::min(opacity, static_cast<double>(in) / static_cast<double>(fade));
    opacity = std::min(opacity, static_cast<double>(left) / static_cast<double>(fade));
  }
  return {{&a, std::clamp(opacity, 0.0, 1.0)}};
}

}  // namespace onair::overlay
