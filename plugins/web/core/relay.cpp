#include "relay.h"

#include <algorithm>
#include <cstring>

namespace onair::web::relay {

namespace {

constexpr size_t kFixedBytes = 1 + 1 + 4 + 8 + 8 + 4;
// kAltVersion's, after the caps: sequence, flags, base, splice offset, full size, delta size.
constexpr size_t kAltFixedBytes = 8 + 1 + 8 + 4 + 4 + 4;
constexpr uint8_t kHasDelta = 1;
constexpr uint8_t kFullSpliced = 2;

void put_be(std::vector<uint8_t> &out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(uint8_t(value >> (8 * i)));
}

uint64_t get_be(const uint8_t *p, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  return value;
}

void put_bytes(std::vector<uint8_t> &out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Where `full` is `payload` with bytes inserted, the offset: then only those bytes travel.
// An asciiline changed-cells full frame is its seed frame with a type byte after the index,
// so this halves what changed cells add to the broker's traffic.
std::optional<size_t> splice_offset(std::span<const uint8_t> payload,
                                    std::span<const uint8_t> full) {
  if (full.size() <= payload.size()) return std::nullopt;
  const size_t at =
      size_t(std::mismatch(payload.begin(), payload.end(), full.begin()).first - payload.begin());
  const size_t inserted = full.size() - payload.size();
  if (!std::equal(payload.begin() + at, payload.end(), full.begin() + at + inserted))
    return std::nullopt;
  return at;
}

// The alternatives section at `p` (`size` bytes to the message's end) into `out`, with
// `splice` set when `out.full` holds only the bytes to insert into the payload at that
// offset; the bytes it took, or 0 when it does not fit.
size_t decode_alternatives(const uint8_t *p, size_t size, Alternatives &out,
                           std::optional<size_t> &splice) {
  if (size < kAltFixedBytes) return 0;
  out.sequence = get_be(p, 8);
  const uint8_t flags = p[8];
  const uint64_t base = get_be(p + 9, 8);
  const uint64_t splice_at = get_be(p + 17, 4);
  const uint64_t full_size = get_be(p + 21, 4);
  const uint64_t delta_size = get_be(p + 25, 4);
  if (flags & ~(kHasDelta | kFullSpliced)) return 0;
  if (!(flags & kHasDelta) && (delta_size || base)) return 0;
  if (!(flags & kFullSpliced) && splice_at) return 0;
  if (full_size + delta_size > size - kAltFixedBytes) return 0;
  const uint8_t *full = p + kAltFixedBytes;
  out.full.assign(full, full + full_size);
  if (flags & kHasDelta) {
    out.delta.emplace(full + full_size, full + full_size + delta_size);
    out.base = base;
  }
  if (flags & kFullSpliced) splice = splice_at;
  return kAltFixedBytes + full_size + delta_size;
}

}  // namespace

std::vector<uint8_t> encode(Kind kind, uint32_t epoch, uint64_t sequence, uint64_t running_time,
                            std::string_view caps, const uint8_t *payload, size_t payload_size,
                            const AlternativesView *alternatives) {
  // Deltas never carry caps: a relay takes them from the key frame they follow.
  if (kind == Kind::kDelta) caps = {};
  std::optional<size_t> splice;
  std::span<const uint8_t> full;
  if (alternatives) {
    full = alternatives->full;
    splice = splice_offset({payload, payload_size}, full);
    if (splice) full = full.subspan(*splice, full.size() - payload_size);
  }
  const std::optional<std::span<const uint8_t>> delta =
      alternatives ? alternatives->delta : std::nullopt;
  const size_t alt_bytes =
      alternatives ? kAltFixedBytes + full.size() + (delta ? delta->size() : 0) : 0;
  std::vector<uint8_t> out;
  out.reserve(kFixedBytes + caps.size() + alt_bytes + payload_size);
  out.push_back(alternatives ? kAltVersion : kVersion);
  out.push_back(uint8_t(kind));
  put_be(out, epoch, 4);
  put_be(out, sequence, 8);
  put_be(out, running_time, 8);
  put_be(out, caps.size(), 4);
  out.insert(out.end(), caps.begin(), caps.end());
  if (alternatives) {
    put_be(out, alternatives->sequence, 8);
    out.push_back(uint8_t((delta ? kHasDelta : 0) | (splice ? kFullSpliced : 0)));
    put_be(out, delta ? alternatives->base : 0, 8);
    put_be(out, splice.value_or(0), 4);
    put_be(out, full.size(), 4);
    put_be(out, delta ? delta->size() : 0, 4);
    put_bytes(out, full);
    if (delta) put_bytes(out, *delta);
  }
  if (payload_size) out.insert(out.end(), payload, payload + payload_size);
  return out;
}

std::optional<Message> decode(const uint8_t *data, size_t size) {
  if (size < kFixedBytes || (data[0] != kVersion && data[0] != kAltVersion)) return std::nullopt;
  Message m;
  const uint8_t kind = data[1];
  if (kind != uint8_t(Kind::kKey) && kind != uint8_t(Kind::kDelta)) return std::nullopt;
  m.kind = Kind(kind);
  m.epoch = uint32_t(get_be(data + 2, 4));
  m.sequence = get_be(data + 6, 8);
  m.running_time = get_be(data + 14, 8);
  const uint64_t caps_size = get_be(data + 22, 4);
  if (caps_size > size - kFixedBytes) return std::nullopt;
  if (m.kind == Kind::kDelta && caps_size) return std::nullopt;
  const uint8_t *caps = data + kFixedBytes;
  m.caps.assign(reinterpret_cast<const char *>(caps), caps_size);
  if (m.kind == Kind::kKey && m.caps.empty()) return std::nullopt;
  const uint8_t *payload = caps + caps_size;
  std::optional<size_t> splice;
  if (data[0] == kAltVersion) {
    const size_t taken = decode_alternatives(payload, size_t(data + size - payload),
                                             m.alternatives.emplace(), splice);
    if (!taken) return std::nullopt;
    payload += taken;
  }
  m.payload.assign(payload, data + size);
  if (splice) {
    if (*splice > m.payload.size()) return std::nullopt;
    std::vector<uint8_t> &full = m.alternatives->full;
    full.insert(full.begin(), m.payload.begin(), m.payload.begin() + long(*splice));
    full.insert(full.end(), m.payload.begin() + long(*splice), m.payload.end());
  }
  return m;
}

std::string redact_url(std::string_view url) {
  // Several servers may be given, comma-separated, each with its own credentials.
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t comma = url.find(',', pos);
    const std::string_view part =
        url.substr(pos, comma == std::string_view::npos ? url.npos : comma - pos);
    const size_t scheme = part.find("://");
    const size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
    const size_t at = part.substr(0, part.find('/', host)).rfind('@');
    if (at != std::string_view::npos && at >= host) {
      out.append(part.substr(0, host)).append("***").append(part.substr(at));
    } else {
      out.append(part);
    }
    if (comma == std::string_view::npos) return out;
    out.push_back(',');
    pos = comma + 1;
  }
}

void RelayQueue::arrive(const uint8_t *data, size_t size) {
  std::optional<Message> message = decode(data, size);
  if (!message) {
    counters_.invalid++;
    return;
  }
  counters_.received++;
  bool discontinuity = false;
  if (!epoch_ || *epoch_ != message->epoch) {
    if (epoch_) counters_.restarts++;
    epoch_ = message->epoch;
    discontinuity = true;
  } else if (message->sequence > expected_) {
    counters_.lost += message->sequence - expected_;
    discontinuity = true;
  }
  expected_ = message->sequence + 1;
  // A delta after a missing frame or from a new run has nothing to apply to.
  if (discontinuity) queue_.wait_for_full();
  const bool delta = message->kind == Kind::kDelta;
  queue_.push(std::move(*message), delta);
}

std::optional<Message> RelayQueue::next() {
  std::optional<ClientQueue<Message>::Item> item = queue_.next();
  if (!item) return std::nullopt;
  return std::move(item->frame);
}

RelayCounters RelayQueue::counters() const {
  RelayCounters c = counters_;
  c.dropped = queue_.counters().dropped;
  c.skipped = queue_.counters().skipped;
  return c;
}

bool CapsTracker::changes(const Message &message) {
  if (message.kind != Kind::kKey || message.caps == current_) return false;
  current_ = message.caps;
  return true;
}

}  // namespace onair::web::relay
