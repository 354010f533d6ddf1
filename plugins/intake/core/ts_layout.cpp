#include "core/ts_layout.h"

#include <cstdio>

namespace onair::intake {

namespace {

constexpr size_t kPacket = kTsPacket;
constexpr uint8_t kSync = 0x47;

bool is_audio(uint8_t type) {
  switch (type) {
    case 0x03:  // MPEG-1 audio
    case 0x04:  // MPEG-2 audio
    case 0x0f:  // AAC (ADTS)
    case 0x11:  // AAC (LATM)
    case 0x1c:  // MPEG-4 audio
    case 0x81:  // AC-3
    case 0x87:  // E-AC-3
      return true;
    default:
      return false;
  }
}

bool is_video(uint8_t type) {
  switch (type) {
    case 0x01:  // MPEG-1 video
    case 0x02:  // MPEG-2 video
    case 0x10:  // MPEG-4 part 2
    case 0x1b:  // H.264
    case 0x24:  // H.265
      return true;
    default:
      return false;
  }
}

const char *codec_name(uint8_t type) {
  switch (type) {
    case 0x1b:
      return "H.264";
    case 0x24:
      return "H.265";
    case 0x0f:
    case 0x11:
      return "AAC";
    case 0x03:
    case 0x04:
      return "MPEG audio";
    case 0x81:
      return "AC-3";
    default:
      return "other";
  }
}

// The PSI section starting in this packet (payload unit start), or null.
const uint8_t *section_of(const uint8_t *packet, size_t &length) {
  if (!(packet[1] & 0x40)) return nullptr;  // no section starts here
  const int control = (packet[3] >> 4) & 0x3;
  size_t at = 4;
  if (control & 0x2) at += 1 + packet[4];  // adaptation field
  if (!(control & 0x1) || at >= kPacket) return nullptr;
  at += 1 + packet[at];  // pointer field
  if (at + 3 > kPacket) return nullptr;
  const uint8_t *section = packet + at;
  length = 3 + ((static_cast<size_t>(section[1] & 0x0f) << 8) | section[2]);
  if (at + length > kPacket || length < 12) return nullptr;  // spans packets: not read
  return section;
}

}  // namespace

std::optional<size_t> first_ts_sync(const uint8_t *data, size_t size) {
  for (size_t at = 0; at < kPacket && at + 2 * kPacket < size; ++at)
    if (data[at] == kSync && data[at + kPacket] == kSync && data[at + 2 * kPacket] == kSync)
      return at;
  return std::nullopt;
}

bool TsLayout::has_audio() const {
  for (const TsStream &s : streams)
    if (is_audio(s.type)) return true;
  return false;
}

bool TsLayout::has_video() const {
  for (const TsStream &s : streams)
    if (is_video(s.type)) return true;
  return false;
}

std::string TsLayout::describe() const {
  std::string out;
  for (const TsStream &s : streams) {
    char text[64];
    std::snprintf(text, sizeof text, "%s0x%x (%s)",
                  is_video(s.type)   ? "video "
                  : is_audio(s.type) ? "audio "
                                     : "",
                  s.pid, codec_name(s.type));
    if (!out.empty()) out += ", ";
    out += text;
  }
  if (out.empty()) return "no streams";
  if (pcr_pid != streams.front().pid) {
    char text[32];
    std::snprintf(text, sizeof text, ", clock on 0x%x", pcr_pid);
    out += text;
  }
  return out;
}

std::optional<TsLayout> find_ts_layout(const uint8_t *data, size_t size) {
  const auto start = first_ts_sync(data, size);
  if (!start) return std::nullopt;
  std::optional<uint16_t> pmt_pid;
  for (size_t at = *start; at + kPacket <= size; at += kPacket) {
    const uint8_t *packet = data + at;
    if (packet[0] != kSync) return std::nullopt;  // lost sync: not a clean stream
    const auto pid = static_cast<uint16_t>(((packet[1] & 0x1f) << 8) | packet[2]);
    size_t length = 0;
    if (pid == 0 && !pmt_pid) {
      const uint8_t *pat = section_of(packet, length);
      if (!pat || pat[0] != 0x00) continue;
      for (size_t i = 8; i + 4 <= length - 4; i += 4) {
        const int program = (pat[i] << 8) | pat[i + 1];
        if (program == 0) continue;  // the network PID
        pmt_pid = static_cast<uint16_t>(((pat[i + 2] & 0x1f) << 8) | pat[i + 3]);
        break;
      }
    } else if (pmt_pid && pid == *pmt_pid) {
      const uint8_t *pmt = section_of(packet, length);
      if (!pmt || pmt[0] != 0x02) continue;
      TsLayout layout;
      layout.pmt_pid = pid;
      layout.pcr_pid = static_cast<uint16_t>(((pmt[8] & 0x1f) << 8) | pmt[9]);
      size_t i = 12 + ((static_cast<size_t>(pmt[10] & 0x0f) << 8) | pmt[11]);
      while (i + 5 <= length - 4) {
        layout.streams.push_back(
            {static_cast<uint16_t>(((pmt[i + 1] & 0x1f) << 8) | pmt[i + 2]), pmt[i]});
        i += 5 + ((static_cast<size_t>(pmt[i + 3] & 0x0f) << 8) | pmt[i + 4]);
      }
      return layout;
    }
  }
  return std::nullopt;
}

}  // namespace onair::intake
