// RFC 6455 framing for a server: headers of the (unmasked) frames it sends,
// and a parser for the (masked) frames clients send.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onair::web {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Header of one final, unmasked frame carrying `payload_size` bytes.
std::vector<uint8_t> frame_header(Opcode opcode, uint64_t payload_size);

// A whole unmasked frame (for small control and text messages).
std::vector<uint8_t> frame(Opcode opcode, const void *payload, size_t size);

// Close frame payload: status code (big-endian) and a short reason.
std::vector<uint8_t> close_payload(uint16_t code, const std::string &reason);

struct ClientFrame {
  Opcode opcode;
  bool final;
  std::vector<uint8_t> payload;  // unmasked
};

// Collects bytes from a client and returns the frames they complete. Clients
// must mask their frames; control frames are at most 125 bytes; data frames
// above `max_payload` are refused. After an error, nothing more is parsed.
class FrameParser {
 public:
  explicit FrameParser(size_t max_payload = 64 * 1024) : max_payload_(max_payload) {}
  std::vector<ClientFrame> feed(const uint8_t *data, size_t size);
  bool failed() const { return !error_.empty(); }
  const std::string &error() const { return error_; }

 private:
  size_t max_payload_;
  std::vector<uint8_t> buffer_;
  std::string error_;
};

}  // namespace onair::web
