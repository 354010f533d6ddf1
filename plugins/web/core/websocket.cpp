#include "websocket.h"

#include <algorithm>
#include <cstring>

namespace onair::web {

std::vector<uint8_t> frame_header(Opcode opcode, uint64_t payload_size) {
  std::vector<uint8_t> h;
  h.push_back(static_cast<uint8_t>(0x80 | static_cast<uint8_t>(opcode)));
  if (payload_size < 126) {
    h.push_back(static_cast<uint8_t>(payload_size));
  } else if (payload_size <= 0xFFFF) {
    h.push_back(126);
    h.push_back(static_cast<uint8_t>(payload_size >> 8));
    h.push_back(static_cast<uint8_t>(payload_size));
  } else {
    h.push_back(127);
    for (int shift = 56; shift >= 0; shift -= 8)
      h.push_back(static_cast<uint8_t>(payload_size >> shift));
  }
  return h;
}

std::vector<uint8_t> frame(Opcode opcode, const void *payload, size_t size) {
  std::vector<uint8_t> out = frame_header(opcode, size);
  const auto *bytes = static_cast<const uint8_t *>(payload);
  if (size) out.insert(out.end(), bytes, bytes + size);
  return out;
}

std::vector<uint8_t> close_payload(uint16_t code, const std::string &reason) {
  const size_t n = std::min<size_t>(reason.size(), 123);
  std::vector<uint8_t> out(2 + n);
  out[0] = static_cast<uint8_t>(code >> 8);
  out[1] = static_cast<uint8_t>(code);
  if (n) std::memcpy(out.data() + 2, reason.data(), n);
  return out;
}

std::vector<ClientFrame> FrameParser::feed(const uint8_t *data, size_t size) {
  std::vector<ClientFrame> out;
  if (failed()) return out;
  buffer_.insert(buffer_.end(), data, data + size);
  size_t pos = 0;
  for (;;) {
    const size_t avail = buffer_.size() - pos;
    if (avail < 2) break;
    const uint8_t *p = buffer_.data() + pos;
    const bool final = p[0] & 0x80;
    if (p[0] & 0x70) {
      error_ = "reserved bits set";
      break;
    }
    const auto opcode = static_cast<Opcode>(p[0] & 0x0F);
    const bool masked = p[1] & 0x80;
    uint64_t length = p[1] & 0x7F;
    size_t header = 2;
    if (length == 126) {
      if (avail < 4) break;
      length = (uint64_t(p[2]) << 8) | p[3];
      header = 4;
    } else if (length == 127) {
      if (avail < 10) break;
      length = 0;
      for (int i = 0; i < 8; i++) length = (length << 8) | p[2 + i];
      header = 10;
    }
    const bool control = static_cast<uint8_t>(opcode) & 0x08;
    if (!masked) {
      error_ = "client frame not masked";
      break;
    }
    if (control && (length > 125 || !final)) {
      error_ = "bad control frame";
      break;
    }
    if (length > max_payload_) {
      error_ = "message too large";
      break;
    }
    if (avail < header + 4 + length) break;
    const uint8_t *mask = p + header;
    const uint8_t *body = mask + 4;
    ClientFrame f{opcode, final, std::vector<uint8_t>(body, body + length)};
    for (size_t i = 0; i < f.payload.size(); i++) f.payload[i] ^= mask[i % 4];
    out.push_back(std::move(f));
    pos += header + 4 + static_cast<size_t>(length);
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  if (failed()) buffer_.clear();
  return out;
}

}  // namespace onair::web
