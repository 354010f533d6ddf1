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

// One reciprocal per cell instead of 64-bit divisions: this runs for every
// cell of every frame.
CellMean mean_of_rgb_sums(uint64_t r, uint64_t g, uint64_t b, uint64_t n) {
  const double inv = 1.0 / double(n);
  CellMean m;
  m.r = uint8_t(double(r) * inv + 0.5);
  m.g = uint8_t(double(g) * inv + 0.5);
  m.b = uint8_t(double(b) * inv + 0.5);
  m.luma = uint8_t(double(299 * r + 587 * g + 114 * b) * (inv / 1000.0) + 0.5);
  return m;
}

namespace {

// YUV to RGB folded into one set of factors per matrix and range.
struct YuvCoeffs {
  double ys, yo, rv, gu, gv, bu;
};

YuvCoeffs yuv_coeffs(YuvMatrix matrix, bool full_range) {
  const double kr = matrix == YuvMatrix::kBt709 ? 0.2126 : 0.299;
  const double kb = matrix == YuvMatrix::kBt709 ? 0.0722 : 0.114;
  const double kg = 1.0 - kr - kb;
  const double ys = full_range ? 1.0 : 255.0 / 219.0;
  const double cs = full_range ? 1.0 : 255.0 / 224.0;
  return {ys,
          full_range ? 0.0 : -16.0 * ys,
          2.0 * (1.0 - kr) * cs,
          2.0 * kb * (1.0 - kb) / kg * cs,
          2.0 * kr * (1.0 - kr) / kg * cs,
          2.0 * (1.0 - kb) * cs};
}

inline CellMean yuv_mean(uint64_t y, uint64_t u, uint64_t v, uint64_t n, const YuvCoeffs &k) {
  const double inv = 1.0 / double(n);
  const double yf = double(y) * inv * k.ys + k.yo;
  const double mu = double(u) * inv - 128.0, mv = double(v) * inv - 128.0;
  CellMean m;
  m.luma = clamp8(yf);
  m.r = clamp8(yf + k.rv * mv);
  m.g = clamp8(yf - k.gu * mu - k.gv * mv);
  m.b = clamp8(yf + k.bu * mu);
  return m;
}

}  // namespace

CellMean mean_of_yuv_sums(uint64_t y, uint64_t u, uint64_t v, uint64_t n, YuvMatrix matrix,
                          bool full_range) {
  return yuv_mean(y, u, v, n, yuv_coeffs(matrix, full_range));
}

void CellAverager::run(const Image &im, int cols, int rows, std::vector<CellMean> &out) {
  out.resize(size_t(cols) * rows);
  col_spans_.resize(cols);
  for (int c = 0; c < cols; c++) col_spans_[c] = cell_span(c, cols, im.width);
  const bool yuv = is_yuv(im.format);
  const YuvCoeffs coeffs = yuv_coeffs(im.matrix, im.full_range);
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
          // Each chroma sample serves two pixels, except where the span
          // starts on an odd or ends on an even pixel.
          const int j0 = s.first >> 1, j1 = (s.first + s.count - 1) >> 1;
          const int step = im.format == PixelFormat::kI420 ? 1 : 2;
          const uint16_t *ua = acc_[1].data();
          const uint16_t *va = im.format == PixelFormat::kI420 ? acc_[2].data() : ua + 1;
          for (int j = j0; j <= j1; j++) {
            b += ua[j * step];
            d += va[j * step];
          }
          b *= 2;
          d *= 2;
          if (s.first & 1) b -= ua[j0 * step], d -= va[j0 * step];
          if (!((s.first + s.count - 1) & 1)) b -= ua[j1 * step], d -= va[j1 * step];
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
          yuv ? yuv_mean(sums_[c * 3], sums_[c * 3 + 1], sums_[c * 3 + 2], area, coeffs)
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
