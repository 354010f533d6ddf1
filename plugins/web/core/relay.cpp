#include "relay.h"

#include <cstring>

namespace onair::web::relay {

namespace {

constexpr size_t kFixedBytes = 1 + 1 + 4 + 8 + 8 + 4;

void put_be(std::vector<uint8_t> &out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(uint8_t(value >> (8 * i)));
}

uint64_t get_be(const uint8_t *p, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  return value;
}

}  // namespace

std::vector<uint8_t> encode(Kind kind, uint32_t epoch, uint64_t sequence, uint64_t running_time,
                            std::string_view caps, const uint8_t *payload, size_t payload_size) {
  // Deltas never carry caps: a relay takes them from the key frame they follow.
  if (kind == Kind::kDelta) caps = {};
  std::vector<uint8_t> out;
  out.reserve(kFixedBytes + caps.size() + payload_size);
  out.push_back(kVersion);
  out.push_back(uint8_t(kind));
  put_be(out, epoch, 4);
  put_be(out, sequence, 8);
  put_be(out, running_time, 8);
  put_be(out, caps.size(), 4);
  out.insert(out.end(), caps.begin(), caps.end());
  if (payload_size) out.insert(out.end(), payload, payload + payload_size);
  return out;
}

std::optional<Message> decode(const uint8_t *data, size_t size) {
  if (size < kFixedBytes || data[0] != kVersion) return std::nullopt;
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
  m.payload.assign(caps + caps_size, data + size);
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
