// Which VideoMaster video standard (and clock divisor) carries which SDI mode. The picture
// facts (size, rate, scan) come from the shared mode table.
#pragma once

#include <optional>
#include <string_view>

#include "sdi_modes.h"
#include "videomaster_api.h"

namespace onair::sdi {

struct DeltacastStandard {
  std::string_view mode_name;
  vhd::ULONG standard;       // VHD_VIDEOSTANDARD
  vhd::ULONG clock_divisor;  // VHD_CLOCKDIVISOR: the N/1001 rates share a standard
};

inline constexpr DeltacastStandard kDeltacastStandards[] = {
    {"576i50", vhd::kStdPal, vhd::kClockDivisor1},
    {"720p50", vhd::kStd720p50, vhd::kClockDivisor1},
    {"720p59.94", vhd::kStd720p60, vhd::kClockDivisor1001},
    {"720p60", vhd::kStd720p60, vhd::kClockDivisor1},
    {"1080i50", vhd::kStd1080i50, vhd::kClockDivisor1},
    {"1080i59.94", vhd::kStd1080i60, vhd::kClockDivisor1001},
    {"1080i60", vhd::kStd1080i60, vhd::kClockDivisor1},
    {"1080p23.98", vhd::kStd1080p24, vhd::kClockDivisor1001},
    {"1080p24", vhd::kStd1080p24, vhd::kClockDivisor1},
    {"1080p25", vhd::kStd1080p25, vhd::kClockDivisor1},
    {"1080p29.97", vhd::kStd1080p30, vhd::kClockDivisor1001},
    {"1080p30", vhd::kStd1080p30, vhd::kClockDivisor1},
    {"1080p50", vhd::kStd1080p50, vhd::kClockDivisor1},
    {"1080p59.94", vhd::kStd1080p60, vhd::kClockDivisor1001},
    {"1080p60", vhd::kStd1080p60, vhd::kClockDivisor1},
    {"2160p23.98", vhd::kStd2160p24, vhd::kClockDivisor1001},
    {"2160p24", vhd::kStd2160p24, vhd::kClockDivisor1},
    {"2160p25", vhd::kStd2160p25, vhd::kClockDivisor1},
    {"2160p29.97", vhd::kStd2160p30, vhd::kClockDivisor1001},
    {"2160p30", vhd::kStd2160p30, vhd::kClockDivisor1},
    {"2160p50", vhd::kStd2160p50, vhd::kClockDivisor1},
    {"2160p59.94", vhd::kStd2160p60, vhd::kClockDivisor1001},
    {"2160p60", vhd::kStd2160p60, vhd::kClockDivisor1},
};

// The mode a port receiving `standard` at `clock_divisor` carries, or nullptr.
inline const SdiMode *find_deltacast_mode(vhd::ULONG standard, vhd::ULONG clock_divisor) {
  for (const auto &entry : kDeltacastStandards)
    if (entry.standard == standard && entry.clock_divisor == clock_divisor)
      return find_sdi_mode(entry.mode_name);
  return nullptr;
}

// How VideoMaster names `mode`, if it can carry it.
inline std::optional<DeltacastStandard> find_deltacast_standard(const SdiMode &mode) {
  for (const auto &entry : kDeltacastStandards)
    if (entry.mode_name == mode.name) return entry;
  return std::nullopt;
}

// Bytes per line of a 4:2:2 picture: 8-bit UYVY, or 10-bit v210 (6 pixels in 16 bytes, lines
// padded to 128 bytes as v210 requires).
inline std::uint32_t deltacast_line_bytes(int width, bool ten_bit) {
  const auto pixels = static_cast<std::uint32_t>(width);
  return ten_bit ? (pixels + 47) / 48 * 128 : pixels * 2;
}

}  // namespace onair::sdi
