// The events of a recording session (a sender came or left, a segment opened
// or closed, a snapshot was taken, an audio chunk is ready) for whoever follows
// them: GET /api/events sends them as Server-Sent Events. Everything runs on
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
  size_t subscribers() const { return subscribers_.size(); }

 private:
  std::map<uint64_t, Subscriber> subscribers_;
  uint64_t next_subscriber_ = 1;
  uint64_t next_event_ = 1;
};

}  // namespace onair::app
