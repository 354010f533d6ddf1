#include "sessions/event_hub.h"

#include <vector>

namespace onair::app {

uint64_t EventHub::subscribe(Subscriber subscriber) {
  const uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void EventHub::unsubscribe(uint64_t id) {
  subscribers_.erase(id);
}

std::string EventHub::event_text(const std::string &name, const std::string &data) {
  return "event: " + name + "\nid: " + std::to_string(next_event_++) + "\ndata: " + data + "\n\n";
}

void EventHub::publish(const std::string &name, const std::string &data) {
  const std::string text = event_text(name, data);
  std::vector<uint64_t> gone;
  // A copy: a subscriber may unsubscribe others while it runs.
  const auto current = subscribers_;
  for (const auto &[id, subscriber] : current)
    if (!subscriber(text)) gone.push_back(id);
  for (uint64_t id : gone) subscribers_.erase(id);
}

}  // namespace onair::app
