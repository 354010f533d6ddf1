#include "core/grid.h"

#include <algorithm>
#include <cmath>

#include "core/cells.h"

namespace onair::ascii {

int grid_rows(unsigned cols, unsigned rows, int width, int height, double pixel_aspect,
              double glyph_aspect) {
  if (rows != 0 || cols < 1 || cols > unsigned(kMaxCols)) return int(rows);
  const double display_w = width * (pixel_aspect > 0 ? pixel_aspect : 1.0);
  return std::max(1, int(std::lround(cols * height / display_w / glyph_aspect)));
}

}  // namespace onair::ascii
