// The glyph atlas drawn with Pango: every printable ASCII byte in a
// monospace font fitted to the cell, drawn once per cell size.
#pragma once

#include <string>

#include "core/draw.h"

namespace onair::ascii {

// Throws std::runtime_error when the font cannot be drawn.
GlyphAtlas build_atlas(int cell_width, int cell_height, const std::string &font_family);

}  // namespace onair::ascii
