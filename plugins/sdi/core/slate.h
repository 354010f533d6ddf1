// The "NO SIGNAL" card an SDI port shows while its cable carries nothing: the words, the port
// it belongs to, drawn once per picture size and then copied into every filler frame.
// Plain C++ over cairo and pango, no GStreamer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onair::sdi {

// 8-bit 4:2:2 UYVY (BT.709, video range), `stride` bytes a row (at least 2 * width; width
// even), `height` rows: the card saying NO SIGNAL above `port_label` ("DELTACAST card 0,
// input 1").
std::vector<uint8_t> render_slate_uyvy(int width, int height, size_t stride,
                                       const std::string &port_label);

// The same card as 10-bit 4:2:2 v210 (six pixels in four little-endian words), `stride` bytes
// a row (at least (width + 5) / 6 * 16).
std::vector<uint8_t> render_slate_v210(int width, int height, size_t stride,
                                       const std::string &port_label);

}  // namespace onair::sdi
