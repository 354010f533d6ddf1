// What webstreamsink publishes to a NATS subject for relays (core/relay.h's messages): each
// frame numbered, key frames with the stream's caps, and the frame's alternative payloads
// when it has them. Frames that find the link down are
// dropped and counted; the stream goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/relay.h"
#include "nats_link.h"

namespace onair::web {

struct PublisherCounters {
  uint64_t published = 0;
  uint64_t dropped = 0;  // frames not sent: link down, or the client could not take them
  bool connected = false;
};

class RelayPublisher {
 public:
  // `on_link` tells when the link comes up or goes down (from the client's thread), with the
  // frames dropped so far. Throws NatsError.
  RelayPublisher(const std::string &url, std::string subject,
                 std::function<void(bool up, uint64_t dropped)> on_link);

  // The caps key frames carry from now on: `with_alternatives` in frames that have alternative
  // payloads, `plain` (without the alternatives' header) in the others, so that a relay never
  // offers its clients alternatives it does not get.
  void set_caps(std::string plain, std::string with_alternatives);
  // From the streaming thread; never waits on the broker for long.
  void publish(bool delta, uint64_t running_time, const uint8_t *data, size_t size,
               const relay::AlternativesView *alternatives = nullptr);
  PublisherCounters counters() const;

 private:
  std::string subject_;
  uint32_t epoch_;
  std::mutex lock_;  // guards the caps and sequence_ (set_caps and publish may race)
  std::string caps_, caps_with_alternatives_;
  uint64_t sequence_ = 0;
  std::atomic<uint64_t> published_{0}, dropped_{0};
  std::unique_ptr<NatsLink> link_;  // last: goes first, so no callback sees the rest gone
};

}  // namespace onair::web
