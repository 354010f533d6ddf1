// What each client of a stream sink is sent next: the stream header first,
// then frames through a small queue that drops its oldest frame when the
// client is slow. With delta frames a client starts on (and after a drop,
// restarts on) the next full frame. Plain C++: the payload type is the
// caller's (a buffer handle in the element, an int in the tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace onair::web {

struct ClientCounters {
  uint64_t frames_sent = 0;
  uint64_t headers_sent = 0;
  uint64_t dropped = 0;  // frames dropped because the client was slow
  uint64_t skipped = 0;  // delta frames skipped while waiting for a full frame
};

enum class PushResult { kQueued, kQueuedDroppedOldest, kSkipped };

// Which payload of a frame a client gets (onair/alt_payload.h): the frame's own bytes unless
// it asked for the alternative and the frame has one; the alternative's delta only when the
// last frame this client got is the delta's base, else the alternative whole.
enum class PayloadChoice { kOwn, kAltFull, kAltDelta };

struct FrameAlternatives {
  bool present = false;    // the frame carries alternatives
  bool has_delta = false;  // and a delta against frame `base`
  uint64_t base = 0;
};

inline PayloadChoice choose_payload(bool wants_alt, const FrameAlternatives &alt,
                                    const std::optional<uint64_t> &last_sent) {
  if (!wants_alt || !alt.present) return PayloadChoice::kOwn;
  if (alt.has_delta && last_sent && *last_sent == alt.base) return PayloadChoice::kAltDelta;
  return PayloadChoice::kAltFull;
}

// A full frame sent where a delta was offered to a client that had frames before (it missed
// the base): a resync, not a start.
inline bool is_resync(PayloadChoice chosen, const FrameAlternatives &alt,
                      const std::optional<uint64_t> &last_sent) {
  return chosen == PayloadChoice::kAltFull && alt.has_delta && last_sent.has_value();
}

template <typename Payload>
class ClientQueue {
 public:
  struct Item {
    bool is_header = false;
    std::string header;  // when is_header
    Payload frame{};     // otherwise
  };

  explicit ClientQueue(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // The stream's header (empty: none). A client gets it before any frame, and
  // again whenever it changes; frames queued under the old header are dropped
  // (they no longer match) and the client waits for a full frame.
  void set_header(const std::string &header) {
    if (header.empty()) {
      header_pending_.reset();
      return;
    }
    header_pending_ = header;
    counters_.dropped += frames_.size();
    frames_.clear();
    waiting_for_full_ = true;
  }

  // Queues a frame. A delta frame is skipped while no full frame has been
  // queued since joining or since the last drop.
  PushResult push(Payload frame, bool delta) {
    if (delta && waiting_for_full_) {
      counters_.skipped++;
      return PushResult::kSkipped;
    }
    if (!delta) waiting_for_full_ = false;
    frames_.push_back(Entry{std::move(frame), delta});
    if (frames_.size() <= capacity_) return PushResult::kQueued;
    drop_oldest();
    return PushResult::kQueuedDroppedOldest;
  }

  // The next thing to send, header first; nothing when the queue is empty.
  std::optional<Item> next() {
    if (header_pending_) {
      Item item{true, std::move(*header_pending_), Payload{}};
      header_pending_.reset();
      counters_.headers_sent++;
      return item;
    }
    if (frames_.empty()) return std::nullopt;
    Item item{false, {}, std::move(frames_.front().payload)};
    frames_.pop_front();
    counters_.frames_sent++;
    return item;
  }

  // The next frame queued must be a full one (the stream had a gap upstream).
  void wait_for_full() { waiting_for_full_ = true; }

  bool empty() const { return !header_pending_ && frames_.empty(); }
  size_t queued_frames() const { return frames_.size(); }
  bool waiting_for_full() const { return waiting_for_full_; }
  const ClientCounters &counters() const { return counters_; }

 private:
  struct Entry {
    Payload payload;
    bool delta;
  };

  // Drops the oldest frame; deltas that followed it cannot be decoded
  // without it, so they go too, up to the next full frame (if none is
  // queued, the client waits for one).
  void drop_oldest() {
    frames_.pop_front();
    counters_.dropped++;
    while (!frames_.empty() && frames_.front().delta) {
      frames_.pop_front();
      counters_.dropped++;
    }
    if (frames_.empty()) waiting_for_full_ = true;
  }

  size_t capacity_;
  std::optional<std::string> header_pending_;
  std::deque<Entry> frames_;
  bool waiting_for_full_ = true;
  ClientCounters counters_;
};

}  // namespace onair::web
