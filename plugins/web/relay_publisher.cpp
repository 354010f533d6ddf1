#include "relay_publisher.h"

#include <random>

namespace onair::web {

RelayPublisher::RelayPublisher(const std::string &url, std::string subject,
                               std::function<void(bool up, uint64_t dropped)> on_link)
    : subject_(std::move(subject)), epoch_(std::random_device{}()) {
  NatsLinkEvents events;
  events.on_link = [this, on_link = std::move(on_link)](bool up) {
    if (on_link) on_link(up, dropped_.load());
  };
  link_ = std::make_unique<NatsLink>(url, std::move(events));
}

void RelayPublisher::set_caps(std::string plain, std::string with_alternatives) {
  std::lock_guard guard(lock_);
  caps_ = std::move(plain);
  caps_with_alternatives_ = std::move(with_alternatives);
}

void RelayPublisher::publish(bool delta, uint64_t running_time, const uint8_t *data, size_t size,
                             const relay::AlternativesView *alternatives) {
  std::vector<uint8_t> message;
  {
    std::lock_guard guard(lock_);
    // Numbered whether sent or not: a relay counts the gap and waits for a key frame.
    message = relay::encode(delta ? relay::Kind::kDelta : relay::Kind::kKey, epoch_, sequence_++,
                            running_time, alternatives ? caps_with_alternatives_ : caps_, data,
                            size, alternatives);
  }
  if (link_->publish(subject_, message.data(), message.size()))
    published_++;
  else
    dropped_++;
}

PublisherCounters RelayPublisher::counters() const {
  return {published_.load(), dropped_.load(), link_->connected()};
}

}  // namespace onair::web
