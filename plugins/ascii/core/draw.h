// Cells back to pictures: each glyph's coverage from an atlas, drawn in its
// cell's colour on black.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/cells.h"

namespace onair::ascii {

// Coverage (0..255) of every byte's glyph at one cell size, built once per
// size; non-printable bytes are blank.
struct GlyphAtlas {
  int cell_width = 0, cell_height = 0;
  std::vector<uint8_t> coverage;  // 256 glyphs x cell_height x cell_width
  const uint8_t *glyph(uint8_t byte) const {
    return coverage.data() + size_t(byte) * cell_width * cell_height;
  }
};

enum class OutFormat { kBGRx, kRGBx, kI420 };

// Colour of mode 1 cells, which carry no colour.
constexpr Cell kMonoColour{0, 204, 204, 204};

struct OutFrame {
  OutFormat format = OutFormat::kBGRx;
  int width = 0, height = 0;  // cols * cell_width, rows * cell_height
  uint8_t *data[3] = {};
  int stride[3] = {};
};

// Draws cols x rows cells (glyph bytes). I420 is drawn through an RGB
// scratch row pair and converted with BT.601 limited range.
class GridPainter {
 public:
  void draw(const std::vector<Cell> &cells, int cols, int rows, int mode, const GlyphAtlas &atlas,
            const OutFrame &out);

 private:
  std::vector<uint8_t> scratch_;
};

}  // namespace onair::ascii
