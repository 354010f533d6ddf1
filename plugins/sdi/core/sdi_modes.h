// The SDI video modes sdisrc knows, and the `mode` property's values.
//
// A mode is named as broadcast engineers write it: active lines, scan (`i` interlaced, `p`
// progressive), then the rate. Interlaced modes are named by their FIELD rate, as cards and
// GStreamer's decklink elements do: "1080i50" is 25 frames a second, each of two fields. The
// NTSC-family rates (23.98, 29.97, 59.94) are exact fractions N/1001.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace onair::sdi {

struct SdiMode {
  std::string_view name;  // "1080i50", "720p59.94", ...
  int width = 0;
  int height = 0;
  int fps_n = 0;  // FRAME rate fps_n / fps_d (for interlaced modes: half the field rate)
  int fps_d = 1;
  bool interlaced = false;

  // Start of frame `index` counted from a frame at time 0, in ns, exact (no drift over hours).
  int64_t frame_start(int64_t index) const;
  // Nominal length of one frame in ns (rounded; frame_start() is exact over many frames).
  int64_t frame_duration() const { return frame_start(1); }
};

// Every known mode, SD first, then by size and rate.
std::span<const SdiMode> sdi_modes();

// The mode called `name` (case-insensitive), or nullptr.
const SdiMode *find_sdi_mode(std::string_view name);

// The `mode` property: "auto" follows the incoming signal, a mode name fixes the format.
struct ModeRequest {
  const SdiMode *fixed = nullptr;  // nullptr means auto
  bool is_auto() const { return fixed == nullptr; }
};

struct ModeRequestParse {
  std::optional<ModeRequest> request;
  std::string error;  // when request is empty: what was wrong and which values are valid
};

// Parses a `mode` property value; surrounding spaces are ignored.
ModeRequestParse parse_mode_request(std::string_view text);

}  // namespace onair::sdi
