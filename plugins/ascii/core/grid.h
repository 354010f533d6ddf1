// The cell grid's height for a frame when only its width is asked for.
#pragma once

namespace onair::ascii {

// The rows of a grid `cols` cells wide over a `width` x `height` frame: `rows` when asked for
// (not 0), otherwise from the frame's display aspect (`pixel_aspect` width/height of a pixel;
// 0 or less counts as square) and `glyph_aspect`, the height/width of a glyph on the viewer's
// screen, at least 1. With `cols` outside 1..kMaxCols nothing is derived (0): that grid is
// refused anyway.
int grid_rows(unsigned cols, unsigned rows, int width, int height, double pixel_aspect,
              double glyph_aspect);

}  // namespace onair::ascii
