#include "core/cells.h"

#include "core/group_sums.h"

#include <algorithm>
#include <cmath>
#include <bit>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace onair::ascii {

namespace {

// Hot loops: one widening add per source byte, vectorised.
__attribute__((target_clones("avx2", "default"))) void add_row(uint16_t *__restrict acc,
                                                               const uint8_t *__restrict row,
                                                               int n) {
  for (int i = 0; i < n; i++) acc[i] = uint16_t(acc[i] + row[i]);
}

// Two rows per pass: half the accumulator traffic of add_row.
__attribute__((target_clones("avx2", "default"))) void add_rows2(uint16_t *__restrict acc,
                                                                 const uint8_t *__restrict a,
                                                                 const uint8_t *__restrict b,
                                                                 int n) {
  for (int i = 0; i < n; i++) acc[i] = uint16_t(acc[i] + a[i] + b[i]);
}

// Four rows per pass: a quarter of add_row's accumulator traffic.
__attribute__((target_clones("avx2", "default"))) void add_rows4(
    uint16_t *__restrict acc, const uint8_t *__restrict a, const uint8_t *__restrict b,
    const uint8_t *__restrict c, const uint8_t *__restrict d, int n) {
  for (int i = 0; i < n; i++) acc[i] = uint16_t(acc[i] + a[i] + b[i] + c[i] + d[i]);
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

namespace {

// Means from sums with a 32.32 fixed-point reciprocal of the cell's area:
// integer multiplications instead of divisions, as this runs for every cell
// of every frame. The reciprocal of 1 is kept just below 2^32, which gives
// the same means for sums below 2^31; sum * recip stays below 2^40 since a
// mean is at most 255.
inline uint32_t reciprocal(uint64_t area) {
  return uint32_t(std::min<uint64_t>(((uint64_t(1) << 32) + area / 2) / area, 0xFFFFFFFF));
}

inline uint32_t mean_of(uint64_t sum, uint32_t recip) {
  return uint32_t((sum * recip + (uint64_t(1) << 31)) >> 32);
}

inline uint8_t byte_of(int32_t v) {
  return uint8_t(std::clamp(v, 0, 255));
}

inline CellMean rgb_cell(uint32_t r, uint32_t g, uint32_t b) {
  CellMean m;
  m.r = uint8_t(r);
  m.g = uint8_t(g);
  m.b = uint8_t(b);
  m.luma = uint8_t((299 * m.r + 587 * m.g + 114 * m.b + 500) / 1000);
  return m;
}

inline CellMean rgb_mean(uint64_t r, uint64_t g, uint64_t b, uint32_t recip) {
  return rgb_cell(mean_of(r, recip), mean_of(g, recip), mean_of(b, recip));
}

// YUV to RGB in 16.16 fixed point, folded into one set of factors per
// matrix and range.
struct YuvCoeffs {
  int32_t ys, yo, rv, gu, gv, bu;
};

YuvCoeffs yuv_coeffs(YuvMatrix matrix, bool full_range) {
  const double kr = matrix == YuvMatrix::kBt709 ? 0.2126 : 0.299;
  const double kb = matrix == YuvMatrix::kBt709 ? 0.0722 : 0.114;
  const double kg = 1.0 - kr - kb;
  const double ys = full_range ? 1.0 : 255.0 / 219.0;
  const double cs = full_range ? 1.0 : 255.0 / 224.0;
  const auto fixed = [](double v) { return int32_t(std::lround(v * 65536.0)); };
  return {fixed(ys),
          fixed(full_range ? 0.0 : -16.0 * ys),
          fixed(2.0 * (1.0 - kr) * cs),
          fixed(2.0 * kb * (1.0 - kb) / kg * cs),
          fixed(2.0 * kr * (1.0 - kr) / kg * cs),
          fixed(2.0 * (1.0 - kb) * cs)};
}

inline CellMean yuv_mean(uint64_t y, uint64_t u, uint64_t v, uint32_t recip, const YuvCoeffs &k) {
  const int32_t yf = k.ys * int32_t(mean_of(y, recip)) + k.yo + (1 << 15);
  const int32_t mu = int32_t(mean_of(u, recip)) - 128, mv = int32_t(mean_of(v, recip)) - 128;
  CellMean m;
  m.luma = byte_of(yf >> 16);
  m.r = byte_of((yf + k.rv * mv) >> 16);
  m.g = byte_of((yf - k.gu * mu - k.gv * mv) >> 16);
  m.b = byte_of((yf + k.bu * mu) >> 16);
  return m;
}

// Means of one band of cells from planar sums (channel k of cell c at
// sums[k * cols + c]). Sums below 2^32, which the caller checks, take loops
// the vectoriser turns into 32-bit by 32-bit products.
__attribute__((target_clones("avx2", "default"))) void rgb_means_narrow(
    const uint64_t *__restrict sums, const uint32_t *__restrict recip, int cols,
    CellMean *__restrict out) {
  for (int c = 0; c < cols; c++)
    out[c] = rgb_mean(uint32_t(sums[c]), uint32_t(sums[cols + c]), uint32_t(sums[2 * cols + c]),
                      recip[c]);
}

__attribute__((target_clones("avx2", "default"))) void yuv_means_narrow(
    const uint64_t *__restrict sums, const uint32_t *__restrict recip, int cols, const YuvCoeffs &k,
    CellMean *__restrict out) {
  for (int c = 0; c < cols; c++)
    out[c] = yuv_mean(uint32_t(sums[c]), uint32_t(sums[cols + c]), uint32_t(sums[2 * cols + c]),
                      recip[c], k);
}

// Means of one band of cells made of whole 4-pixel groups of packed RGB,
// straight from the group sums (four channel sums per group, below 2^32 for
// a narrow grid): the four means of a cell come out of one vector.
void pixel_group_means(const uint32_t *groups, const Span *spans, int cols, const uint32_t *recip,
                       const Packed &pk, CellMean *out) {
  for (int c = 0; c < cols; c++) {
    uint32_t mean[4];
    const uint32_t *g = groups + spans[c].first;  // group first / 4, four sums each
#ifdef __SSE2__
    __m128i s = _mm_setzero_si128();
    for (int k = 0; k < spans[c].count / 4; k++, g += 4)
      s = _mm_add_epi32(s, _mm_loadu_si128(reinterpret_cast<const __m128i *>(g)));
    // mean_of on all four lanes: 32x32-bit products of lanes 0 and 2, then 1 and 3.
    const __m128i rv = _mm_set1_epi32(int32_t(recip[c]));
    const __m128i half = _mm_set1_epi64x(int64_t(1) << 31);
    const __m128i even = _mm_srli_epi64(_mm_add_epi64(_mm_mul_epu32(s, rv), half), 32);
    const __m128i odd = _mm_add_epi64(_mm_mul_epu32(_mm_srli_epi64(s, 32), rv), half);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(mean),
                     _mm_or_si128(even, _mm_and_si128(odd, _mm_set_epi32(-1, 0, -1, 0))));
#else
    uint64_t sum[4] = {};
    for (int k = 0; k < spans[c].count / 4; k++, g += 4)
      for (int i = 0; i < 4; i++) sum[i] += g[i];
    for (int i = 0; i < 4; i++) mean[i] = mean_of(sum[i], recip[c]);
#endif
    out[c] = rgb_cell(mean[pk.r], mean[pk.g], mean[pk.b]);
  }
}

// The same for I420 cells of whole 8-pixel groups: luma and chroma group
// sums straight to means.
void yuv_group_means(const uint64_t *y_groups, const uint32_t *u_groups, const uint32_t *v_groups,
                     const Span *spans, int cols, const uint32_t *recip, const YuvCoeffs &k,
                     CellMean *out) {
  for (int c = 0; c < cols; c++) {
    uint64_t y = 0, u = 0, v = 0;
    for (int g = spans[c].first / 8; g < (spans[c].first + spans[c].count) / 8; g++) {
      y += y_groups[g];
      u += u_groups[g];
      v += v_groups[g];
    }
    // Each chroma sample serves two pixels of the row.
    out[c] = yuv_mean(y, 2 * u, 2 * v, recip[c], k);
  }
}

void band_means(const uint64_t *sums, const uint32_t *recip, int cols, bool narrow, bool yuv,
                const YuvCoeffs &k, CellMean *out) {
  if (narrow)
    return yuv ? yuv_means_narrow(sums, recip, cols, k, out)
               : rgb_means_narrow(sums, recip, cols, out);
  for (int c = 0; c < cols; c++)
    out[c] = yuv ? yuv_mean(sums[c], sums[cols + c], sums[2 * cols + c], recip[c], k)
                 : rgb_mean(sums[c], sums[cols + c], sums[2 * cols + c], recip[c]);
}

}  // namespace

CellMean mean_of_rgb_sums(uint64_t r, uint64_t g, uint64_t b, uint64_t n) {
  return rgb_mean(r, g, b, reciprocal(n));
}

CellMean mean_of_yuv_sums(uint64_t y, uint64_t u, uint64_t v, uint64_t n, YuvMatrix matrix,
                          bool full_range) {
  return yuv_mean(y, u, v, reciprocal(n), yuv_coeffs(matrix, full_range));
}

namespace {

// Horizontal pass for packed RGB: each cell's channel sums from the column
// sums of one chunk of rows. The layout is a template argument so the inner
// loop has constant offsets.
template <int kBpp, int kR, int kG, int kB>
void sum_packed(const uint16_t *acc, const Span *spans, int cols, uint64_t *sums,
                [[maybe_unused]] uint32_t *lanes) {
#ifdef __SSE2__
  if constexpr (kBpp == 4) {
    // Two pixels (8 column sums) per load, widened to four 32-bit lanes.
    // Each cell's four lanes are stored whole and sorted out after the
    // loop: no lane extraction in it.
    const __m128i zero = _mm_setzero_si128();
    for (int c = 0; c < cols; c++) {
      const uint16_t *q = acc + size_t(spans[c].first) * 4;
      __m128i px = zero;
      int x = 0;
      for (; x + 1 < spans[c].count; x += 2, q += 8) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
        px = _mm_add_epi32(px,
                           _mm_add_epi32(_mm_unpacklo_epi16(v, zero), _mm_unpackhi_epi16(v, zero)));
      }
      if (x < spans[c].count)
        px = _mm_add_epi32(
            px, _mm_unpacklo_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(q)), zero));
      _mm_storeu_si128(reinterpret_cast<__m128i *>(lanes + 4 * c), px);
    }
    for (int c = 0; c < cols; c++) {
      sums[c] += lanes[4 * c + kR];
      sums[cols + c] += lanes[4 * c + kG];
      sums[2 * cols + c] += lanes[4 * c + kB];
    }
    return;
  }
#endif
  for (int c = 0; c < cols; c++) {
    const uint16_t *q = acc + size_t(spans[c].first) * kBpp;
    // Whole pixels at a time (all kBpp channels), which the compiler keeps
    // in one vector register.
    uint32_t px[kBpp] = {};
    for (int x = 0; x < spans[c].count; x++, q += kBpp)
      for (int k = 0; k < kBpp; k++) px[k] += q[k];
    sums[c] += px[kR];
    sums[cols + c] += px[kG];
    sums[2 * cols + c] += px[kB];
  }
}

// Sums of n consecutive column sums: the lanes of one 32-bit vector, 8 at a
// time, then the rest. Returns lanes {even, odd} so interleaved NV12 chroma
// comes apart in the same pass.
struct PairSum {
  uint32_t even = 0, odd = 0;
};

inline PairSum sum_u16(const uint16_t *p, int n) {
  PairSum out;
  int i = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  __m128i acc = zero;
  for (; i + 8 <= n; i += 8) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
    acc =
        _mm_add_epi32(acc, _mm_add_epi32(_mm_unpacklo_epi16(v, zero), _mm_unpackhi_epi16(v, zero)));
  }
  if (i + 4 <= n) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p + i));
    acc = _mm_add_epi32(acc, _mm_unpacklo_epi16(v, zero));
    i += 4;
  }
  // Lanes 0 and 2 hold even positions, 1 and 3 odd ones.
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4E));
  out.even = uint32_t(_mm_cvtsi128_si32(acc));
  out.odd = uint32_t(_mm_cvtsi128_si32(_mm_shuffle_epi32(acc, 0x55)));
#endif
  for (; i < n; i++) (i % 2 ? out.odd : out.even) += p[i];
  return out;
}

// The same for YUV 4:2:0: Y per pixel, each chroma sample serving two pixels
// (one where a span starts on an odd or ends on an even pixel). kStep is 1
// for I420's separate planes, 2 for NV12's interleaved one.
template <int kStep, bool kWithY = true>
void sum_yuv(const uint16_t *ya, const uint16_t *ua, const uint16_t *va, const Span *spans,
             int cols, uint64_t *sums) {
  // Spans side by side (as many cells as pixels at most) are walked in one
  // pass, pixel by pixel: chroma sample x/2 serves pixel x, so no edge
  // corrections are needed.
  const bool tiled = cols <= 1 || spans[1].first == spans[0].first + spans[0].count;
  if (tiled) {
    int x = spans[0].first;
    for (int c = 0; c < cols; c++) {
      const int end = x + spans[c].count;
      uint32_t y = 0, u = 0, v = 0;
      if ((x & 1) == 0 && (end & 1) == 0) {
        for (; x < end; x += 2) {  // whole chroma samples
          if constexpr (kWithY) y += ya[x] + ya[x + 1];
          u += ua[(x >> 1) * kStep];
          v += va[(x >> 1) * kStep];
        }
        u *= 2;
        v *= 2;
      } else {
        for (; x < end; x++) {
          if constexpr (kWithY) y += ya[x];
          u += ua[(x >> 1) * kStep];
          v += va[(x >> 1) * kStep];
        }
      }
      sums[c] += y;
      sums[cols + c] += u;
      sums[2 * cols + c] += v;
    }
    return;
  }
  for (int c = 0; c < cols; c++) {
    const Span s = spans[c];
    PairSum ys;
    if constexpr (kWithY) ys = sum_u16(ya + s.first, s.count);
    const int j0 = s.first >> 1, j1 = (s.first + s.count - 1) >> 1;
    uint32_t u, v;
    if constexpr (kStep == 1) {
      const PairSum us = sum_u16(ua + j0, j1 - j0 + 1), vs = sum_u16(va + j0, j1 - j0 + 1);
      u = us.even + us.odd;
      v = vs.even + vs.odd;
    } else {
      const PairSum uv = sum_u16(ua + 2 * j0, 2 * (j1 - j0 + 1));  // va == ua + 1
      u = uv.even;
      v = uv.odd;
    }
    u *= 2;
    v *= 2;
    if (s.first & 1) u -= ua[j0 * kStep], v -= va[j0 * kStep];
    if (!((s.first + s.count - 1) & 1)) u -= ua[j1 * kStep], v -= va[j1 * kStep];
    sums[c] += ys.even + ys.odd;
    sums[cols + c] += u;
    sums[2 * cols + c] += v;
  }
}

// `lanes` is scratch of 4 values per cell.
void sum_cells(PixelFormat f, const std::vector<uint16_t> *acc, const Span *spans, int cols,
               uint64_t *sums, uint32_t *lanes) {
  switch (f) {
    case PixelFormat::kI420:
      return sum_yuv<1>(acc[0].data(), acc[1].data(), acc[2].data(), spans, cols, sums);
    case PixelFormat::kNV12:
      return sum_yuv<2>(acc[0].data(), acc[1].data(), acc[1].data() + 1, spans, cols, sums);
    case PixelFormat::kBGRx:
    case PixelFormat::kBGRA:
      return sum_packed<4, 2, 1, 0>(acc[0].data(), spans, cols, sums, lanes);
    case PixelFormat::kRGBx:
    case PixelFormat::kRGBA:
      return sum_packed<4, 0, 1, 2>(acc[0].data(), spans, cols, sums, lanes);
    case PixelFormat::kBGR:
      return sum_packed<3, 2, 1, 0>(acc[0].data(), spans, cols, sums, lanes);
    case PixelFormat::kRGB:
      return sum_packed<3, 0, 1, 2>(acc[0].data(), spans, cols, sums, lanes);
  }
}

}  // namespace

// Column sums of the chroma rows serving luma rows [y0, y1): each chroma row
// weighs as many luma rows as it serves here.
void CellAverager::sum_chroma(PixelFormat format, int y0, int y1, const Image &im, int chroma_len) {
  const int planes = format == PixelFormat::kI420 ? 2 : 1;
  for (int p = 1; p <= planes; p++) {
    std::fill(acc_[p].begin(), acc_[p].end(), 0);
    for (int cy = y0 / 2; cy <= (y1 - 1) / 2; cy++) {
      const int weight = std::min(y1, 2 * cy + 2) - std::max(y0, 2 * cy);
      add_row_weighted(acc_[p].data(), im.data[p] + size_t(cy) * im.stride[p], chroma_len, weight);
    }
  }
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
  lanes_.resize(size_t(cols) * 4);
  inv_band_[0] = inv_band_[1] = -1;  // spans may differ from the last frame's

  // Whether every cell's sums fit 32 bits (cells of under 16.8 M pixels).
  int widest = 1;
  for (const Span &sp : col_spans_) widest = std::max(widest, sp.count);
  const bool narrow =
      uint64_t(cell_span(0, rows, im.height).count + 1) * uint64_t(widest) * 255 < (1ull << 32);

  // Cells whose columns are whole groups of pixels take their sums from
  // group sums of the rows' bytes instead of column sums: groups of 8 for
  // YUV luma (and I420 chroma), of 4 for packed 4-byte pixels.
  const auto cells_cover_groups = [&](int size) {
    if (cols * size > im.width) return false;
    for (int c = 0; c < cols; c++)
      if (col_spans_[c].first % size || col_spans_[c].count % size) return false;
    return true;
  };
  const bool luma_groups = yuv && cells_cover_groups(8);
  const bool chroma_groups = luma_groups && im.format == PixelFormat::kI420;
  const bool pixel_groups =
      pk.bpp == 4 && !yuv && narrow && group_sums::packed_available() && cells_cover_groups(4);
  if (luma_groups) group_sums_.resize(size_t(im.width / 8));
  if (chroma_groups) {
    u_groups_.resize(size_t(im.width / 8));
    v_groups_.resize(size_t(im.width / 8));
  }
  if (pixel_groups) pixel_groups_.resize(size_t(im.width / 4) * 4);

  for (int r = 0; r < rows; r++) {
    const Span band = cell_span(r, rows, im.height);
    if (!pixel_groups && !chroma_groups) std::fill(sums_.begin(), sums_.end(), 0);
    if (luma_groups) std::fill(group_sums_.begin(), group_sums_.end(), 0);
    if (chroma_groups) {
      std::fill(u_groups_.begin(), u_groups_.end(), 0);
      std::fill(v_groups_.begin(), v_groups_.end(), 0);
    }
    if (pixel_groups) std::fill(pixel_groups_.begin(), pixel_groups_.end(), 0);
    for (int y0 = band.first; y0 < band.first + band.count; y0 += kChunkRows) {
      const int y1 = std::min(band.first + band.count, y0 + kChunkRows);  // exclusive
      const auto row = [&](int y) { return im.data[0] + size_t(y) * im.stride[0]; };
      // Several rows per pass: group sums are loaded and stored once.
      const auto for_rows4 = [&](auto add) {
        for (int y = y0; y < y1; y += 4) {
          const uint8_t *rows4[4];
          const int n = std::min(4, y1 - y);
          for (int k = 0; k < n; k++) rows4[k] = row(y + k);
          add(rows4, n);
        }
      };
      if (pixel_groups) {
        for_rows4([&](const uint8_t *const *rows4, int n) {
          group_sums::add_pixels4(rows4, n, im.width / 4, pixel_groups_.data());
        });
        continue;
      }
      if (luma_groups) {
        for_rows4([&](const uint8_t *const *rows4, int n) {
          group_sums::add_luma8(rows4, n, int(group_sums_.size()), group_sums_.data());
        });
        if (chroma_groups) {
          const int groups = int(u_groups_.size());
          for (int cy = y0 / 2; cy <= (y1 - 1) / 2; cy++) {
            const int weight = std::min(y1, 2 * cy + 2) - std::max(y0, 2 * cy);
            group_sums::add_chroma4(im.data[1] + size_t(cy) * im.stride[1], groups, weight,
                                    u_groups_.data());
            group_sums::add_chroma4(im.data[2] + size_t(cy) * im.stride[2], groups, weight,
                                    v_groups_.data());
          }
          continue;
        }
        sum_chroma(im.format, y0, y1, im, chroma_len);
        sum_yuv<2, false>(nullptr, acc_[1].data(), acc_[1].data() + 1, col_spans_.data(), cols,
                          sums_.data());
        continue;
      }
      // Vertical: sum the chunk's rows column by column.
      set_row(acc_[0].data(), row(y0), row_len);
      int y = y0 + 1;
      for (; y + 3 < y1; y += 4)
        add_rows4(acc_[0].data(), row(y), row(y + 1), row(y + 2), row(y + 3), row_len);
      for (; y + 1 < y1; y += 2) add_rows2(acc_[0].data(), row(y), row(y + 1), row_len);
      if (y < y1) add_row(acc_[0].data(), row(y), row_len);
      if (yuv) sum_chroma(im.format, y0, y1, im, chroma_len);
      // Horizontal: sum each cell's columns.
      sum_cells(im.format, acc_, col_spans_.data(), cols, sums_.data(), lanes_.data());
    }
    // NV12's chroma came through the column sums; add the luma groups.
    if (luma_groups && !chroma_groups)
      for (int c = 0; c < cols; c++) {
        const Span sp = col_spans_[c];
        for (int g = sp.first / 8; g < (sp.first + sp.count) / 8; g++) sums_[c] += group_sums_[g];
      }
    // Bands have at most two heights (1080 rows in 100 bands: 10 and 11), so
    // the reciprocals of both are kept.
    int slot = band.count == inv_band_[0] ? 0 : band.count == inv_band_[1] ? 1 : -1;
    if (slot < 0) {
      slot = inv_band_[0] < 0 ? 0 : 1;
      inv_band_[slot] = band.count;
      inv_area_[slot].resize(cols);
      for (int c = 0; c < cols; c++)
        inv_area_[slot][c] = reciprocal(uint64_t(band.count) * uint64_t(col_spans_[c].count));
    }
    CellMean *band_out = out.data() + size_t(r) * cols;
    if (chroma_groups)
      yuv_group_means(group_sums_.data(), u_groups_.data(), v_groups_.data(), col_spans_.data(),
                      cols, inv_area_[slot].data(), coeffs, band_out);
    else if (pixel_groups)
      pixel_group_means(pixel_groups_.data(), col_spans_.data(), cols, inv_area_[slot].data(), pk,
                        band_out);
    else
      band_means(sums_.data(), inv_area_[slot].data(), cols, narrow, yuv, coeffs, band_out);
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
               std::vector<Cell> &out, const uint8_t *glyph_bytes) {
  static_assert(sizeof(CellMean) == 4 && sizeof(Cell) == 4);
  out.resize(means.size());
  // One table per frame from luminance to glyph, and the colour bytes
  // masked as one word: a few instructions per cell.
  uint8_t glyph[256];
  for (int l = 0; l < 256; l++) {
    const uint8_t level = glyph_level(uint8_t(l), levels, invert);
    glyph[l] = glyph_bytes ? glyph_bytes[level] : level;
  }
  const uint8_t mask = mode == 1 ? 0 : uint8_t(0xFF << quant_bits(mode));
  const CellMean colour_mask{0, mask, mask, mask};
  const uint32_t keep = std::bit_cast<uint32_t>(colour_mask);
  for (size_t i = 0; i < means.size(); i++) {
    out[i] = std::bit_cast<Cell>(std::bit_cast<uint32_t>(means[i]) & keep);
    out[i].glyph = glyph[means[i].luma];
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
