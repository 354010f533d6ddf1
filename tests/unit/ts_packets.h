// MPEG-TS packets for tests of what reads them: PAT, PMT and payload packets.
#pragma once

#include <cstddef>
#include <algorithm>
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
                                const std::vector<std::pair<uint16_t, uint8_t>> &streams,
                                uint16_t pcr_pid = 0x100) {
  // The PCR PID, no programme info.
  std::vector<uint8_t> body = {static_cast<uint8_t>(0xe0 | (pcr_pid >> 8)),
                               static_cast<uint8_t>(pcr_pid & 0xff), 0xf0, 0x00};
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

// The packets of one PES packet (stream id 0xe0 video, 0xc0 audio) carrying `data`: the first
// starts the PES, the last is padded with an adaptation field.
inline std::vector<std::vector<uint8_t>> pes_packets(uint16_t pid, uint8_t stream_id,
                                                     const std::vector<uint8_t> &data) {
  std::vector<uint8_t> es = {0, 0, 1, stream_id, 0, 0, 0x80, 0x00, 0x00};  // no PTS: length 0
  es.insert(es.end(), data.begin(), data.end());
  std::vector<std::vector<uint8_t>> packets;
  for (size_t at = 0; at < es.size();) {
    std::vector<uint8_t> packet = payload_packet(pid);
    if (at == 0) packet[1] |= 0x40;
    const size_t take = std::min<size_t>(184, es.size() - at);
    size_t start = 4;
    if (take < 184) {  // stuffing: an adaptation field fills the gap
      packet[3] = 0x30;
      packet[4] = static_cast<uint8_t>(183 - take);
      if (packet[4] > 0) packet[5] = 0;
      for (size_t i = 6; i < 5u + packet[4]; ++i) packet[i] = 0xff;
      start = 5 + packet[4];
    }
    std::copy(es.begin() + static_cast<std::ptrdiff_t>(at),
              es.begin() + static_cast<std::ptrdiff_t>(at + take), packet.begin() + start);
    packets.push_back(std::move(packet));
    at += take;
  }
  return packets;
}

// An H.264 access unit: an SPS (High profile, level 3.0, `sps_tail` after the level), a PPS
// and the start of a slice.
inline std::vector<uint8_t> h264_access_unit(uint8_t sps_tail) {
  return {0,    0,    0,    1,    0x67, 100, 0, 30, sps_tail, 0xe8, 0,    0,    0,   1,
          0x68, 0xee, 0x3c, 0x80, 0,    0,   0, 1,  0x65,     0x88, 0x84, 0x00, 0x33};
}

// An ADTS header (AAC LC, 48 kHz, `channels`) and a few bytes of frame.
inline std::vector<uint8_t> adts_frame(uint8_t channels) {
  return {0xff, 0xf1, 0x4c, static_cast<uint8_t>(channels << 6), 0x02, 0x1f, 0xfc, 1, 2, 3};
}

inline std::vector<uint8_t> joined(const std::vector<std::vector<uint8_t>> &packets) {
  std::vector<uint8_t> out;
  for (const auto &p : packets) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace onair::ts_packets
