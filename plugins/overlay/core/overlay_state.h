// What the overlay shows over time: the chat log and the alert queue. Times are
// buffer running times in nanoseconds, so the same input always gives the
// same pictures.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/image.h"

namespace onair::overlay {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNotYet = -1;  // a time not known yet

struct ChatMessage {
  uint64_t id = 0;  // unique per overlay, for caching what was drawn
  std::string user;
  std::string text;
  Rgb color;
  int64_t shown_at = kNotYet;  // running time of the first frame that showed it
};

struct ChatConfig {
  size_t max_messages = 5;
  int64_t ttl = 30 * kSecond;  // 0: never expire
  int64_t fade = 1 * kSecond;  // fade-out at the end of the time to live

  bool operator==(const ChatConfig &) const = default;
};

struct VisibleChat {
  const ChatMessage *message;
  double opacity;  // 0..1
};

// The last messages, newest last. New messages are stamped with the running
// time of the next frame, so a message sent between frames lives exactly
// `ttl` of stream time.
class ChatLog {
 public:
  void set_config(const ChatConfig &config) { config_ = config; }
  uint64_t add(std::string user, std::string text, Rgb color);
  void clear() { messages_.clear(); }

  // Moves to running time `now`; returns true when the set of messages changed.
  bool advance(int64_t now);
  std::vector<VisibleChat> visible(int64_t now) const;
  size_t size() const { return messages_.size(); }

 private:
  ChatConfig config_;
  std::deque<ChatMessage> messages_;
  uint64_t next_id_ = 1;
};

enum class AlertType { kInfo, kSuccess, kWarning, kError };

// "info", "success", "warning", "error"; false for anything else.
bool parse_alert_type(const std::string &name, AlertType &type);
const char *alert_type_name(AlertType type);
// The alert box's colour for a type.
Rgb alert_color(AlertType type);

struct Alert {
  uint64_t id = 0;
  std::string text;
  AlertType type = AlertType::kInfo;
  int64_t duration = 5 * kSecond;
  int64_t started_at = kNotYet;
};

struct AlertEvent {
  enum class Kind { kShown, kDone } kind;
  Alert alert;
  int64_t at;     // running time
  size_t queued;  // alerts still waiting after this event
};

struct VisibleAlert {
  const Alert *alert;
  double opacity;  // 0..1, fading in and out
};

// Alerts one at a time, in the order they came; the next starts exactly when
// the previous one ends.
class AlertQueue {
 public:
  static constexpr int64_t kFade = kSecond / 4;

  uint64_t push(std::string text, AlertType type, int64_t duration);
  void clear() { queue_.clear(); }

  // Moves to running time `now`, appending what started and ended.
  void advance(int64_t now, std::vector<AlertEvent> &events);
  // The alert on screen at `now` (after advance), if any.
  std::vector<VisibleAlert> visible(int64_t now) const;
  size_t size() const { return queue_.size(); }

 private:
  std::deque<Alert> queue_;  // front is on screen once started
  uint64_t next_id_ = 1;
};

}  // namespace onair::overlay
