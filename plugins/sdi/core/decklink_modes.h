// How sdisrc's modes meet GStreamer's decklink elements: the `mode` nick decklinkvideosrc takes
// for a fixed mode, and the mode of the caps it produces.
#pragma once

#include <string>

#include "sdi_modes.h"

namespace onair::sdi {

// decklinkvideosrc's `mode` value for `mode` ("1080i50", "720p5994", "ntsc", "pal", ...: the
// GstDecklinkModes nicks of GStreamer 1.22), or "" when it has none.
std::string decklink_mode_nick(const SdiMode &mode);

// The mode with this picture size, FRAME rate and scan, or nullptr.
const SdiMode *find_sdi_mode(int width, int height, int fps_n, int fps_d, bool interlaced);

}  // namespace onair::sdi
