#include "core/ts_parameters.h"

#include <array>
#include <cstdio>

namespace onair::intake {

namespace {

constexpr uint8_t kH264 = 0x1b;
constexpr uint8_t kAdtsAac = 0x0f;
constexpr uint8_t kNalSps = 7;
constexpr uint8_t kNalPps = 8;

// The elementary stream bytes of one PID, in order, with the PES headers taken out.
std::vector<uint8_t> elementary_stream(const uint8_t *data, size_t size, size_t start,
                                       uint16_t wanted) {
  std::vector<uint8_t> out;
  bool in_pes = false;  // a PES start was seen: what follows is its payload
  for (size_t at = start; at + kTsPacket <= size; at += kTsPacket) {
    const uint8_t *packet = data + at;
    if (packet[0] != 0x47) break;
    const auto pid = static_cast<uint16_t>(((packet[1] & 0x1f) << 8) | packet[2]);
    const int control = (packet[3] >> 4) & 0x3;
    if (pid != wanted || !(control & 0x1)) continue;
    size_t payload = 4;
    if (control & 0x2) payload += 1 + packet[4];
    if (payload >= kTsPacket) continue;
    if (packet[1] & 0x40) {  // a PES packet starts here
      const uint8_t *pes = packet + payload;
      const size_t left = kTsPacket - payload;
      if (left < 9 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1) {
        in_pes = false;
        continue;
      }
      payload += 9 + pes[8];
      if (payload > kTsPacket) {
        in_pes = false;
        continue;
      }
      in_pes = true;
    }
    if (in_pes) out.insert(out.end(), packet + payload, packet + kTsPacket);
  }
  return out;
}

// The first NAL unit of `type` in an Annex B byte stream, complete (another start code
// follows it); empty if none is.
std::vector<uint8_t> first_nal(const std::vector<uint8_t> &es, uint8_t type) {
  auto start_code_at = [&](size_t i) { return es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1; };
  for (size_t i = 0; i + 3 < es.size(); ++i) {
    if (!start_code_at(i) || (es[i + 3] & 0x1f) != type) continue;
    const size_t begin = i + 3;
    for (size_t j = begin; j + 3 <= es.size(); ++j) {
      if (!start_code_at(j)) continue;
      size_t end = j;
      while (end > begin && es[end - 1] == 0) --end;  // trailing zeros belong to the next code
      return {es.begin() + static_cast<std::ptrdiff_t>(begin),
              es.begin() + static_cast<std::ptrdiff_t>(end)};
    }
    return {};
  }
  return {};
}

std::optional<AacFormat> first_adts(const std::vector<uint8_t> &es) {
  for (size_t i = 0; i + 7 <= es.size(); ++i) {
    if (es[i] != 0xff || (es[i + 1] & 0xf6) != 0xf0) continue;  // syncword, layer 0
    return AacFormat{static_cast<uint8_t>(es[i + 2] >> 6),
                     static_cast<uint8_t>((es[i + 2] >> 2) & 0x0f),
                     static_cast<uint8_t>(((es[i + 2] & 0x01) << 2) | (es[i + 3] >> 6))};
  }
  return std::nullopt;
}

}  // namespace

std::string TsParameters::describe() const {
  std::string out;
  char text[96];
  if (sps.size() >= 4) {
    std::snprintf(text, sizeof text, "H.264 profile %u level %u.%u", sps[1], sps[3] / 10,
                  sps[3] % 10);
    out = text;
  }
  if (aac) {
    static constexpr std::array<unsigned, 13> kRates = {
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};
    const unsigned rate = aac->frequency_index < kRates.size() ? kRates[aac->frequency_index] : 0;
    std::snprintf(text, sizeof text, "AAC %u Hz %u channel%s", rate, aac->channels,
                  aac->channels == 1 ? "" : "s");
    out += (out.empty() ? "" : ", ") + std::string(text);
  }
  return out.empty() ? "unknown parameters" : out;
}

std::optional<TsParameters> find_ts_parameters(const uint8_t *data, size_t size,
                                               const TsLayout &layout) {
  const auto start = first_ts_sync(data, size);
  if (!start) return std::nullopt;
  TsParameters found;
  bool video_seen = false, audio_seen = false;
  for (const TsStream &s : layout.streams) {
    if (s.type == kH264 && !video_seen) {
      video_seen = true;
      const std::vector<uint8_t> es = elementary_stream(data, size, *start, s.pid);
      found.sps = first_nal(es, kNalSps);
      found.pps = first_nal(es, kNalPps);
      if (found.sps.empty() || found.pps.empty()) return std::nullopt;
    } else if (s.type == kAdtsAac && !audio_seen) {
      audio_seen = true;
      found.aac = first_adts(elementary_stream(data, size, *start, s.pid));
      if (!found.aac) return std::nullopt;
    }
  }
  return found;
}

}  // namespace onair::intake
