#include "core/draw.h"

#include <algorithm>

namespace onair::ascii {

namespace {

// One row of cells at one glyph line into packed 4-byte pixels.
__attribute__((target_clones("avx2", "default"))) void paint_span(uint8_t *__restrict dst,
                                                                  const uint8_t *__restrict cov,
                                                                  int n, uint8_t c0, uint8_t c1,
                                                                  uint8_t c2) {
  for (int x = 0; x < n; x++) {
    const unsigned a = cov[x];
    dst[x * 4 + 0] = uint8_t((c0 * a + 127) / 255);
    dst[x * 4 + 1] = uint8_t((c1 * a + 127) / 255);
    dst[x * 4 + 2] = uint8_t((c2 * a + 127) / 255);
    dst[x * 4 + 3] = 255;
  }
}

void paint_rgb_row(const std::vector<Cell> &cells, int cols, int r, int line, int mode,
                   const GlyphAtlas &atlas, bool bgr, uint8_t *dst) {
  const int cw = atlas.cell_width;
  for (int c = 0; c < cols; c++) {
    const Cell &cell = cells[size_t(r) * cols + c];
    const Cell col = mode == 1 ? kMonoColour : cell;
    const uint8_t *cov = atlas.glyph(cell.glyph) + size_t(line) * cw;
    if (bgr)
      paint_span(dst + size_t(c) * cw * 4, cov, cw, col.b, col.g, col.r);
    else
      paint_span(dst + size_t(c) * cw * 4, cov, cw, col.r, col.g, col.b);
  }
}

uint8_t y_of(int r, int g, int b) {
  return uint8_t((66 * r + 129 * g + 25 * b + 128) / 256 + 16);
}

}  // namespace

void GridPainter::draw(const std::vector<Cell> &cells, int cols, int /*rows*/, int mode,
                       const GlyphAtlas &atlas, const OutFrame &out) {
  const int ch = atlas.cell_height;
  const int w = out.width, h = out.height;
  if (out.format != OutFormat::kI420) {
    const bool bgr = out.format == OutFormat::kBGRx;
    for (int y = 0; y < h; y++)
      paint_rgb_row(cells, cols, y / ch, y % ch, mode, atlas, bgr,
                    out.data[0] + size_t(y) * out.stride[0]);
    return;
  }
  // I420: two RGB rows at a time, then Y per pixel and chroma per 2x2 block.
  const size_t row_bytes = size_t(w) * 4;
  scratch_.resize(row_bytes * 2);
  for (int y = 0; y < h; y += 2) {
    uint8_t *rows2[2] = {scratch_.data(), scratch_.data() + row_bytes};
    const int lines = std::min(2, h - y);
    for (int k = 0; k < lines; k++)
      paint_rgb_row(cells, cols, (y + k) / ch, (y + k) % ch, mode, atlas, false, rows2[k]);
    if (lines == 1) std::copy(rows2[0], rows2[0] + row_bytes, rows2[1]);
    for (int k = 0; k < lines; k++) {
      uint8_t *yrow = out.data[0] + size_t(y + k) * out.stride[0];
      const uint8_t *p = rows2[k];
      for (int x = 0; x < w; x++) yrow[x] = y_of(p[x * 4], p[x * 4 + 1], p[x * 4 + 2]);
    }
    uint8_t *urow = out.data[1] + size_t(y / 2) * out.stride[1];
    uint8_t *vrow = out.data[2] + size_t(y / 2) * out.stride[2];
    for (int x = 0; x < w; x += 2) {
      const int x1 = std::min(x + 1, w - 1);
      int s[3] = {};
      for (const uint8_t *p : {rows2[0], rows2[1]})
        for (int xx : {x, x1})
          for (int c = 0; c < 3; c++) s[c] += p[xx * 4 + c];
      const int r = (s[0] + 2) / 4, g = (s[1] + 2) / 4, b = (s[2] + 2) / 4;
      urow[x / 2] = uint8_t(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
      vrow[x / 2] = uint8_t(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
    }
  }
}

}  // namespace onair::ascii
