// MPEG-TS packets for tests of what reads them: PAT, PMT and payload packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace onair::ts_packets {

// A 188-byte packet carrying one PSI section (CRC not checked by the reader: zeros).
inline std::vector<uint8_t> psi_packet(uint16_t pid, std::vector<uint8_t> section_body,
                                       uint8_t table) {
  std::vector<uint8_t> packet(188, 0xff);
  packet[0] = 0x47;
  packet[1] = static_cast<uint8_t>(0x40 | (pid >> 8));
  packet[2] = static_cast<uint8_t>(pid & 0xff);
  packet[3] = 0x10;
  packet[4] = 0;                                      // pointer field
  const size_t length = 5 + section_body.size() + 4;  // header after length, body, CRC
  const uint8_t header[] = {table,
                            static_cast<uint8_t>(0xb0 | (length >> 8)),
                            static_cast<uint8_t>(length & 0xff),
                            0,
                            1,
                            0xc1,
                            0,
                            0};
  size_t at = 5;
  for (uint8_t byte : header) packet[at++] = byte;
  for (uint8_t byte : section_body) packet[at++] = byte;
  for (int i = 0; i < 4; ++i) packet[at++] = 0;
  return packet;
}

inline std::vector<uint8_t> pat(uint16_t pmt_pid) {
  return psi_packet(
      0, {0, 1, static_cast<uint8_t>(0xe0 | (pmt_pid >> 8)), static_cast<uint8_t>(pmt_pid & 0xff)},
      0x00);
}

inline std::vector<uint8_t> pmt(uint16_t pmt_pid,
                                const std::vector<std::pair<uint16_t, uint8_t>> &streams) {
  std::vector<uint8_t> body = {0xe1, 0x00, 0xf0, 0x00};  // PCR PID 0x100, no programme info
  for (const auto &[pid, type] : streams) {
    body.insert(body.end(), {type, static_cast<uint8_t>(0xe0 | (pid >> 8)),
                             static_cast<uint8_t>(pid & 0xff), 0xf0, 0x00});
  }
  return psi_packet(pmt_pid, body, 0x02);
}

inline std::vector<uint8_t> payload_packet(uint16_t pid) {
  std::vector<uint8_t> packet(188, 0);
  packet[0] = 0x47;
  packet[1] = static_cast<uint8_t>(pid >> 8);
  packet[2] = static_cast<uint8_t>(pid & 0xff);
  packet[3] = 0x10;
  return packet;
}

inline std::vector<uint8_t> joined(const std::vector<std::vector<uint8_t>> &packets) {
  std::vector<uint8_t> out;
  for (const auto &p : packets) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace onair::ts_packets
