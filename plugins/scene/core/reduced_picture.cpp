#include "core/reduced_picture.h"

#include <algorithm>
#include <cmath>

namespace onair::scene {

namespace {

// Rows read per grid row: enough to average out noise and fine detail, few enough that the
// reduction costs a small part of one pass over the frame.
constexpr int kLumaRowsPerCell = 4;
constexpr int kChromaRowsPerCell = 2;
// Below this spread (luma units) a picture counts as uniform; shapes are divided by at least
// kSpreadFloor so a fade's last frames shrink towards flat instead of amplifying noise.
constexpr float kBlankSpread = 8.0f;
constexpr float kSpreadFloor = 8.0f;

// The pixels cell `i` of `n` covers along `size` pixels; at least one.
struct Span {
  int first, end;
};
Span cell_span(int i, int n, int size) {
  const int first = static_cast<int>(int64_t(i) * size / n);
  const int end = static_cast<int>(int64_t(i + 1) * size / n);
  return {first, std::max(end, first + 1)};
}

// Sums `count` rows (1..4) of `n` bytes into `acc`; the per-frame hot loop, vectorised.
__attribute__((target_clones("avx2", "default"))) void sum_rows(const uint8_t *const *rows,
                                                                int count, int n,
                                                                uint16_t *__restrict acc) {
  const uint8_t *a = rows[0];
  const uint8_t *b = count > 1 ? rows[1] : nullptr;
  const uint8_t *c = count > 2 ? rows[2] : nullptr;
  const uint8_t *d = count > 3 ? rows[3] : nullptr;
  if (d) {
    for (int i = 0; i < n; i++) acc[i] = uint16_t(a[i] + b[i] + c[i] + d[i]);
  } else if (c) {
    for (int i = 0; i < n; i++) acc[i] = uint16_t(a[i] + b[i] + c[i]);
  } else if (b) {
    for (int i = 0; i < n; i++) acc[i] = uint16_t(a[i] + b[i]);
  } else {
    for (int i = 0; i < n; i++) acc[i] = a[i];
  }
}

uint32_t sum_span(const uint16_t *acc, int first, int end) {
  uint32_t s = 0;
  for (int i = first; i < end; i++) s += acc[i];
  return s;
}

// The rows of a plane `height` rows high that grid row `j` of `cells` reads; returns how many.
int sample_rows(const uint8_t *plane, int stride, int height, int j, int cells, int wanted,
                const uint8_t *rows[4]) {
  const Span band = cell_span(j, cells, height);
  const int count = std::min(wanted, band.end - band.first);
  for (int s = 0; s < count; s++) {
    const int y = band.first + ((2 * s + 1) * (band.end - band.first)) / (2 * count);
    rows[s] = plane + static_cast<int64_t>(y) * stride;
  }
  return count;
}

bool is_planar_yuv(PixelFormat f) {
  return f == PixelFormat::kI420 || f == PixelFormat::kY42B || f == PixelFormat::kNV12;
}

struct PackedRgb {
  int bpp, r, g, b;
};
PackedRgb packed_rgb(PixelFormat f) {
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

bool ReducedPicture::blank() const {
  return spread < kBlankSpread;
}

bool Reducer::reduce(const Image &im, ReducedPicture &out) {
  if (im.width <= 0 || im.height <= 0 || !im.data[0]) return false;
  const bool planar = is_planar_yuv(im.format);
  if (planar && (!im.data[1] || (im.format != PixelFormat::kNV12 && !im.data[2]))) return false;
  const int bpp = im.format == PixelFormat::kUYVY ? 2 : planar ? 1 : packed_rgb(im.format).bpp;
  // UYVY rows hold whole pixel pairs, so an odd width still reads its last pixel's chroma.
  const int row_bytes = im.format == PixelFormat::kUYVY ? (im.width + 1) / 2 * 4 : im.width * bpp;
  acc_.resize(static_cast<size_t>(row_bytes));
  // Per luma cell, up to three channel sums (Y only for planar YUV) and the pixel count.
  sums_.assign(kGridCells * 4, 0);
  const uint8_t *rows[4];

  for (int j = 0; j < kGridH; j++) {
    const int n =
        sample_rows(im.data[0], im.stride[0], im.height, j, kGridH, kLumaRowsPerCell, rows);
    sum_rows(rows, n, row_bytes, acc_.data());
    for (int i = 0; i < kGridW; i++) {
      const Span x = cell_span(i, kGridW, im.width);
      uint32_t *cell = &sums_[(j * kGridW + i) * 4];
      cell[3] = static_cast<uint32_t>(n * (x.end - x.first));
      if (planar) {
        cell[0] = sum_span(acc_.data(), x.first, x.end);
      } else if (im.format == PixelFormat::kUYVY) {
        // U Y V Y: a pixel's luma at 2x+1, its pair's U and V at 4(x/2) and 4(x/2)+2.
        for (int p = x.first; p < x.end; p++) {
          cell[0] += acc_[2 * p + 1];
          cell[1] += acc_[4 * (p / 2)];
          cell[2] += acc_[4 * (p / 2) + 2];
        }
      } else {
        const PackedRgb l = packed_rgb(im.format);
        for (int p = x.first; p < x.end; p++) {
          const uint16_t *px = &acc_[static_cast<size_t>(p) * l.bpp];
          cell[0] += px[l.r];
          cell[1] += px[l.g];
          cell[2] += px[l.b];
        }
      }
    }
  }

  // Luma, and chroma per luma cell for packed formats (merged 2x2 below).
  std::array<float, kGridCells * 2> cell_chroma{};
  for (int c = 0; c < kGridCells; c++) {
    const uint32_t *cell = &sums_[c * 4];
    const float inv = 1.0f / static_cast<float>(cell[3]);
    if (planar || im.format == PixelFormat::kUYVY) {
      out.luma[c] = cell[0] * inv;
      cell_chroma[c * 2] = cell[1] * inv - 128.0f;
      cell_chroma[c * 2 + 1] = cell[2] * inv - 128.0f;
    } else {
      const float r = cell[0] * inv, g = cell[1] * inv, b = cell[2] * inv;
      const float y = 0.299f * r + 0.587f * g + 0.114f * b;
      out.luma[c] = y;
      cell_chroma[c * 2] = 0.564f * (b - y);
      cell_chroma[c * 2 + 1] = 0.713f * (r - y);
    }
  }

  // Planar chroma: read its own planes on the coarse grid.
  std::array<float, kCoarseCells * 2> plane_chroma{};
  if (planar) {
    const int cw = (im.width + 1) / 2;
    const int ch = im.format == PixelFormat::kY42B ? im.height : (im.height + 1) / 2;
    const bool nv12 = im.format == PixelFormat::kNV12;
    for (int plane = 1; plane <= (nv12 ? 1 : 2); plane++) {
      acc_.resize(static_cast<size_t>(cw) * 2);
      for (int j = 0; j < kCoarseH; j++) {
        const int n = sample_rows(im.data[plane], im.stride[plane], ch, j, kCoarseH,
                                  kChromaRowsPerCell, rows);
        sum_rows(rows, n, nv12 ? cw * 2 : cw, acc_.data());
        for (int i = 0; i < kCoarseW; i++) {
          const Span x = cell_span(i, kCoarseW, cw);
          const float inv = 1.0f / static_cast<float>(n * (x.end - x.first));
          float *c = &plane_chroma[(j * kCoarseW + i) * 2];
          if (nv12) {
            uint32_t u = 0, v = 0;
            for (int p = x.first; p < x.end; p++) {
              u += acc_[2 * p];
              v += acc_[2 * p + 1];
            }
            c[0] = u * inv - 128.0f;
            c[1] = v * inv - 128.0f;
          } else {
            c[plane - 1] = sum_span(acc_.data(), x.first, x.end) * inv - 128.0f;
          }
        }
      }
    }
  }

  double sum = 0, sq = 0;
  for (float v : out.luma) {
    sum += v;
    sq += double(v) * v;
  }
  out.mean = static_cast<float>(sum / kGridCells);
  out.spread =
      static_cast<float>(std::sqrt(std::max(0.0, sq / kGridCells - double(out.mean) * out.mean)));
  const float inv_spread = 1.0f / std::max(out.spread, kSpreadFloor);
  for (int c = 0; c < kGridCells; c++) out.shape[c] = (out.luma[c] - out.mean) * inv_spread;

  for (int cy = 0; cy < kCoarseH; cy++)
    for (int cx = 0; cx < kCoarseW; cx++) {
      float *v = &out.coarse[(cy * kCoarseW + cx) * kCoarseDims];
      const int c00 = 2 * cy * kGridW + 2 * cx;
      const int quad[4] = {c00, c00 + 1, c00 + kGridW, c00 + kGridW + 1};
      float u = 0, w = 0;
      for (int q = 0; q < 4; q++) {
        v[q] = out.luma[quad[q]];
        u += cell_chroma[quad[q] * 2];
        w += cell_chroma[quad[q] * 2 + 1];
      }
      if (planar) {
        v[4] = plane_chroma[(cy * kCoarseW + cx) * 2];
        v[5] = plane_chroma[(cy * kCoarseW + cx) * 2 + 1];
      } else {
        v[4] = u * 0.25f;
        v[5] = w * 0.25f;
      }
    }
  return true;
}

}  // namespace onair::scene
