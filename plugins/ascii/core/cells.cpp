#include "core/cells.h"

#include <algorithm>
#include <cmath>

namespace onair::ascii {

namespace {

// Hot loops: one widening add per source byte, vectorised.
__attribute__((target_clones("avx2", "default"))) void add_row(uint16_t *__restrict acc,
                                                               const uint8_t *__restrict row,
                                                               int n) {
  for (int i = 0; i < n; i++) acc[i] = uint16_t(acc[i] + row[i]);
}

__attribute__((target_clones("avx2", "default"))) void set_row(uint16_t *__restrict acc,
                                                               const uint8_t *__restrict row,
                                                               int n) {
  for (int i = 0; i < n; i++) acc[i] = row[i];
}

__attribute__((target_clones("avx2", "default"))) void add_row_weighted(
    uint16_t *__restrict acc, const uint8_t *__restrict row, int n, int weight) {
  for (int i = 0; i < n; i++) acc[i] = uint16_t(acc[i] + row[i] * weight);
}

// u16 accumulators hold 257 rows of 255; bands are cut into chunks of this.
constexpr int kChunkRows = 256;

uint8_t clamp8(double v) {
  return uint8_t(std::clamp(std::lround(v), 0L, 255L));
}

struct Packed {
  int bpp, r, g, b;
};

Packed packed_layout(PixelFormat f) {
  switch (f) {
    case PixelFormat::kBGRx:
    case PixelFormat::kBGRA:
      return {4, 2, 1, 0};
    case PixelFormat::kRGBx:
    case PixelFormat::kRGBA:
      return {4, 0, 1, 2};
    case PixelFormat::kBGR:
      return {3, 2, 1, 0};
    default:
      return {3, 0, 1, 2};
  }
}

}  // namespace

bool is_yuv(PixelFormat format) {
  return format == PixelFormat::kI420 || format == PixelFormat::kNV12;
}

bool grid_size_ok(int cols, int rows) {
  return cols >= 1 && rows >= 1 && cols <= kMaxCols && rows <= kMaxRows &&
         int64_t(cols) * rows <= kMaxCells;
}

Span cell_span(int i, int n, int size) {
  const int first = int(int64_t(i) * size / n);
  const int end = int(int64_t(i + 1) * size / n);
  return {std::min(first, size - 1), std::max(1, end - first)};
}

CellMean mean_of_rgb_sums(uint64_t r, uint64_t g, uint64_t b, uint64_t n) {
  CellMean m;
  m.r = uint8_t((r + n / 2) / n);
  m.g = uint8_t((g + n / 2) / n);
  m.b = uint8_t((b + n / 2) / n);
  m.luma = uint8_t((299 * r + 587 * g + 114 * b + 500 * n) / (1000 * n));
  return m;
}

CellMean mean_of_yuv_sums(uint64_t y, uint64_t u, uint64_t v, uint64_t n, YuvMatrix matrix,
                          bool full_range) {
  const double my = double(y) / double(n), mu = double(u) / double(n) - 128.0,
               mv = double(v) / double(n) - 128.0;
  const double kr = matrix == YuvMatrix::kBt709 ? 0.2126 : 0.299;
  const double kb = matrix == YuvMatrix::kBt709 ? 0.0722 : 0.114;
  const double kg = 1.0 - kr - kb;
  double yf, cs;
  if (full_range) {
    yf = my;
    cs = 1.0;
  } else {
    yf = (my - 16.0) * 255.0 / 219.0;
    cs = 255.0 / 224.0;
  }
  const double pr = mv * cs, pb = mu * cs;
  CellMean m;
  m.luma = clamp8(yf);
  m.r = clamp8(yf + 2.0 * (1.0 - kr) * pr);
  m.b = clamp8(yf + 2.0 * (1.0 - kb) * pb);
  m.g = clamp8(yf - (2.0 * kb * (1.0 - kb) * pb + 2.0 * kr * (1.0 - kr) * pr) / kg);
  return m;
}

void CellAverager::run(const Image &im, int cols, int rows, std::vector<CellMean> &out) {
  out.resize(size_t(cols) * rows);
  col_spans_.resize(cols);
  for (int c = 0; c < cols; c++) col_spans_[c] = cell_span(c, cols, im.width);
  const bool yuv = is_yuv(im.format);
  const int cw = (im.width + 1) / 2;  // chroma samples per row
  const Packed pk = packed_layout(im.format);
  const int row_len = yuv ? im.width : im.width * pk.bpp;
  const int chroma_len = im.format == PixelFormat::kNV12 ? cw * 2 : cw;
  acc_[0].resize(row_len);
  if (yuv) {
    acc_[1].resize(chroma_len);
    if (im.format == PixelFormat::kI420) acc_[2].resize(chroma_len);
  }
  sums_.resize(size_t(cols) * 3);

  for (int r = 0; r < rows; r++) {
    const Span band = cell_span(r, rows, im.height);
    std::fill(sums_.begin(), sums_.end(), 0);
    for (int y0 = band.first; y0 < band.first + band.count; y0 += kChunkRows) {
      const int y1 = std::min(band.first + band.count, y0 + kChunkRows);  // exclusive
      // Vertical: sum the chunk's rows column by column.
      set_row(acc_[0].data(), im.data[0] + size_t(y0) * im.stride[0], row_len);
      for (int y = y0 + 1; y < y1; y++)
        add_row(acc_[0].data(), im.data[0] + size_t(y) * im.stride[0], row_len);
      if (yuv) {
        // Each chroma row weighs as many luma rows as it serves here.
        const int planes = im.format == PixelFormat::kI420 ? 2 : 1;
        for (int p = 1; p <= planes; p++) {
          std::fill(acc_[p].begin(), acc_[p].end(), 0);
          for (int cy = y0 / 2; cy <= (y1 - 1) / 2; cy++) {
            const int weight = std::min(y1, 2 * cy + 2) - std::max(y0, 2 * cy);
            add_row_weighted(acc_[p].data(), im.data[p] + size_t(cy) * im.stride[p], chroma_len,
                             weight);
          }
        }
      }
      // Horizontal: sum each cell's columns.
      for (int c = 0; c < cols; c++) {
        const Span s = col_spans_[c];
        uint64_t a = 0, b = 0, d = 0;
        if (!yuv) {
          const uint16_t *q = acc_[0].data() + size_t(s.first) * pk.bpp;
          for (int x = 0; x < s.count; x++, q += pk.bpp) {
            a += q[pk.r];
            b += q[pk.g];
            d += q[pk.b];
          }
        } else {
          const uint16_t *ya = acc_[0].data() + s.first;
          for (int x = 0; x < s.count; x++) a += ya[x];
          if (im.format == PixelFormat::kI420) {
            for (int x = s.first; x < s.first + s.count; x++) {
              b += acc_[1][x >> 1];
              d += acc_[2][x >> 1];
            }
          } else {
            for (int x = s.first; x < s.first + s.count; x++) {
              b += acc_[1][(x >> 1) * 2];
              d += acc_[1][(x >> 1) * 2 + 1];
            }
          }
        }
        sums_[c * 3] += a;
        sums_[c * 3 + 1] += b;
        sums_[c * 3 + 2] += d;
      }
    }
    const uint64_t n = uint64_t(band.count);
    for (int c = 0; c < cols; c++) {
      const uint64_t area = n * uint64_t(col_spans_[c].count);
      out[size_t(r) * cols + c] =
          yuv ? mean_of_yuv_sums(sums_[c * 3], sums_[c * 3 + 1], sums_[c * 3 + 2], area, im.matrix,
                                 im.full_range)
              : mean_of_rgb_sums(sums_[c * 3], sums_[c * 3 + 1], sums_[c * 3 + 2], area);
    }
  }
}

int quant_bits(int mode) {
  switch (mode) {
    case 2:
      return 5;
    case 3:
      return 3;
    case 4:
      return 2;
    default:
      return 0;
  }
}

uint8_t quantise(uint8_t value, int mode) {
  return uint8_t(value & (0xFF << quant_bits(mode)));
}

uint8_t glyph_level(uint8_t luma, int levels, bool invert) {
  const int l = invert ? 255 - luma : luma;
  return uint8_t(l * levels / 256);
}

void map_cells(const std::vector<CellMean> &means, int levels, bool invert, int mode,
               std::vector<Cell> &out) {
  out.resize(means.size());
  const uint8_t mask = uint8_t(0xFF << quant_bits(mode));
  for (size_t i = 0; i < means.size(); i++) {
    const CellMean &m = means[i];
    Cell &c = out[i];
    c.glyph = glyph_level(m.luma, levels, invert);
    if (mode == 1) {
      c.r = c.g = c.b = 0;
    } else {
      c.r = m.r & mask;
      c.g = m.g & mask;
      c.b = m.b & mask;
    }
  }
}

void RateLimiter::configure(int num, int den) {
  if (num != num_ || den != den_) started_ = false;
  num_ = num;
  den_ = den > 0 ? den : 1;
}

int64_t RateLimiter::slot_time(int64_t k) const {
  return base_ + int64_t((__int128)k * 1000000000 * den_ / num_);
}

bool RateLimiter::pass(int64_t running_time) {
  if (num_ <= 0) return true;
  if (!started_ || running_time < base_) {
    started_ = true;
    base_ = running_time;
    slot_ = 1;
    return true;
  }
  if (running_time < slot_time(slot_)) return false;
  // Next slot after this frame; a gap in the input does not cause a burst.
  slot_ = std::max(
      slot_ + 1,
      (int64_t)((__int128)(running_time - base_) * num_ / ((__int128)1000000000 * den_)) + 1);
  return true;
}

}  // namespace onair::ascii
