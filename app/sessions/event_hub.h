// Server-Sent Events for whoever follows them: a recording session's (a sender
// came or left, a segment opened or closed, a snapshot was taken, an audio chunk
// is ready) on GET /api/events, and the run's status on GET /api/status/stream. Everything runs on
// the main loop; a subscriber that cannot keep up drops itself, so publishing
// never waits.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace onair::app {

class EventHub {
 public:
  // Takes one event's text ("event: NAME\nid: N\ndata: JSON\n\n"); false to unsubscribe.
  using Subscriber = std::function<bool(const std::string &text)>;

  uint64_t subscribe(Subscriber subscriber);
  void unsubscribe(uint64_t id);
  // `data` is one JSON object on one line.
  void publish(const std::string &name, const std::string &data);
  // One event's text with the next id, for what a new subscriber gets before the others'.
  std::string event_text(const std::string &name, const std::string &data);
  size_t subscribers() const { return subscribers_.size(); }

 private:
  std::map<uint64_t, Subscriber> subscribers_;
  uint64_t next_subscriber_ = 1;
  uint64_t next_event_ = 1;
};

}  // namespace onair::app
