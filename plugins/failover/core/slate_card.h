// The generated slate: a dark card with a line of text across the middle ("We'll be right
// back"), drawn once per picture size. Plain C++ over cairo and pango, no GStreamer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onair::failover {

// The card as 8-bit B, G, R, A bytes (opaque), `width` * 4 bytes a row, `height` rows. The
// text wraps onto more lines when it is long, and shrinks to fit.
std::vector<uint8_t> render_slate_card_bgra(int width, int height, const std::string &text);

}  // namespace onair::failover
