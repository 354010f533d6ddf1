#include "decklink_modes.h"

#include <algorithm>
#include <cstdint>

namespace onair::sdi {

std::string decklink_mode_nick(const SdiMode &mode) {
  // SD modes go by their system's name; the others are the mode name without the rate's dot
  // (gst-plugins-bad sys/decklink/gstdecklink.cpp, the GstDecklinkModes table).
  if (mode.width == 720) return mode.height == 486 ? "ntsc" : mode.height == 576 ? "pal" : "";
  std::string nick(mode.name);
  nick.erase(std::remove(nick.begin(), nick.end(), '.'), nick.end());
  return nick;
}

const SdiMode *find_sdi_mode(int width, int height, int fps_n, int fps_d, bool interlaced) {
  for (const SdiMode &mode : sdi_modes()) {
    // Rates compare as fractions: 25/1 and 50/2 are the same rate.
    if (mode.width == width && mode.height == height && mode.interlaced == interlaced &&
        int64_t{mode.fps_n} * fps_d == int64_t{fps_n} * mode.fps_d)
      return &mode;
  }
  return nullptr;
}

}  // namespace onair::sdi
