// A stream served by webstreamsink, carried through a message broker (NATS) to relays that
// serve it again: the message format (docs/protocol/webstream-relay.md) and the relay's policy.
// Plain C++, no GStreamer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client_queue.h"

namespace onair::web::relay {

// A message without alternative payloads; relays of any version read it.
inline constexpr uint8_t kVersion = 1;
// A message with alternative payloads (onair/alt_payload.h: asciienc's changed-cells frames).
// A relay that only knows kVersion counts it as invalid rather than serve it half understood.
inline constexpr uint8_t kAltVersion = 2;
inline constexpr uint64_t kUnknownTime = ~uint64_t(0);

enum class Kind : uint8_t {
  kKey = 'K',    // a full frame; carries the stream's caps (its INIT header among them)
  kDelta = 'D',  // a frame that needs the ones before it since the last key frame
};

// A frame's alternative payloads as they travel: the one that stands alone and, optionally,
// the one relative to the frame whose alternative sequence is `base`.
struct Alternatives {
  uint64_t sequence = 0;
  std::vector<uint8_t> full;
  std::optional<std::vector<uint8_t>> delta;
  uint64_t base = 0;  // with delta
};

// The same, as the publisher has them (not copied before encoding).
struct AlternativesView {
  uint64_t sequence = 0;
  std::span<const uint8_t> full;
  std::optional<std::span<const uint8_t>> delta;
  uint64_t base = 0;  // with delta
};

struct Message {
  Kind kind = Kind::kKey;
  uint32_t epoch = 0;                    // the publisher's run: a new value when it starts again
  uint64_t sequence = 0;                 // the publisher's message count in this epoch, from 0
  uint64_t running_time = kUnknownTime;  // ns
  std::string caps;                      // key frames only
  std::vector<uint8_t> payload;          // the buffer's bytes, as a sink's clients get them
  std::optional<Alternatives> alternatives;
};

// The bytes published for `message`: a kAltVersion message with `alternatives`, else a
// kVersion one. The payloads are passed apart so the caller need not copy them into a Message
// first.
std::vector<uint8_t> encode(Kind kind, uint32_t epoch, uint64_t sequence, uint64_t running_time,
                            std::string_view caps, const uint8_t *payload, size_t payload_size,
                            const AlternativesView *alternatives = nullptr);

// The message in `data`; nothing when it is not one (an unknown version, truncated, garbage).
std::optional<Message> decode(const uint8_t *data, size_t size);

// `url` with any user name, password or token hidden ("nats://***@host:4222"), for logs and
// messages.
std::string redact_url(std::string_view url);

struct RelayCounters {
  uint64_t received = 0;  // messages that decoded
  uint64_t invalid = 0;   // messages that did not
  uint64_t lost = 0;      // frames the sequence says never arrived (broker or link dropped them)
  uint64_t dropped = 0;   // frames dropped here because the output was slow
  uint64_t skipped = 0;   // delta frames skipped while waiting for a key frame
  uint64_t restarts = 0;  // a publisher that started again (a new epoch)
};

// What a relay keeps between the broker's thread (arrive) and its output (next): a few frames
// in a queue that drops its oldest when the output is slow, starting on a key frame (one that
// carries the caps) and, after a gap in the sequence or a publisher restart, waiting for the
// next key frame before deltas again, so what comes out always decodes. Late joiners of the
// relay's own clients are the serving sink's business (its per-client queues).
class RelayQueue {
 public:
  explicit RelayQueue(size_t capacity) : queue_(capacity) {}

  // A message as it came from the broker.
  void arrive(const uint8_t *data, size_t size);
  // The next frame to output, oldest first.
  std::optional<Message> next();

  bool empty() const { return queue_.queued_frames() == 0; }
  RelayCounters counters() const;

 private:
  ClientQueue<Message> queue_;
  std::optional<uint32_t> epoch_;
  uint64_t expected_ = 0;
  RelayCounters counters_;
};

// Which caps a relay's output has: a key frame's caps become the output's when they differ.
class CapsTracker {
 public:
  // True when `message` brings caps other than the current ones (which it then makes current).
  bool changes(const Message &message);
  const std::string &current() const { return current_; }

 private:
  std::string current_;
};

}  // namespace onair::web::relay
