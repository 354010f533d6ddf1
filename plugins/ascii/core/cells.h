// Video frames to cells: the mean luminance and mean colour of every source
// pixel a cell covers, in the frame's own format, then glyph levels and the
// wire's colour quantisation.
#pragma once

#include <cstdint>
#include <vector>

namespace onair::ascii {

enum class PixelFormat { kI420, kNV12, kBGRx, kRGBx, kBGRA, kRGBA, kBGR, kRGB };

bool is_yuv(PixelFormat format);

enum class YuvMatrix { kBt601, kBt709 };

// A frame's planes as the caller mapped them.
struct Image {
  PixelFormat format = PixelFormat::kI420;
  int width = 0, height = 0;
  const uint8_t *data[3] = {};
  int stride[3] = {};
  YuvMatrix matrix = YuvMatrix::kBt601;
  bool full_range = false;  // YUV only
};

// Sizes the encoder accepts; beyond them a grid is refused.
constexpr int kMaxCols = 4096;
constexpr int kMaxRows = 4096;
constexpr int64_t kMaxCells = 1 << 20;

bool grid_size_ok(int cols, int rows);

// The source pixels cell `i` of `n` covers along an axis of `size` pixels:
// floor(i*size/n) .. floor((i+1)*size/n)-1, and at least one pixel, so with
// more cells than pixels neighbouring cells repeat a pixel.
struct Span {
  int first = 0, count = 1;
};
Span cell_span(int i, int n, int size);

// A cell's means: luminance (full range, BT.601 weights for RGB input, Y for
// YUV) and colour.
struct CellMean {
  uint8_t luma = 0, r = 0, g = 0, b = 0;
};

// Sums over a cell's pixels turned into its means. Exposed so tests can
// build references with the same rounding.
CellMean mean_of_rgb_sums(uint64_t r, uint64_t g, uint64_t b, uint64_t n);
CellMean mean_of_yuv_sums(uint64_t y, uint64_t u, uint64_t v, uint64_t n, YuvMatrix matrix,
                          bool full_range);

// Computes the means of every cell, row-major. Keeps scratch buffers between
// frames; one instance per streaming thread.
class CellAverager {
 public:
  void run(const Image &image, int cols, int rows, std::vector<CellMean> &out);

 private:
  std::vector<uint16_t> acc_[3];
  std::vector<uint64_t> sums_;
  std::vector<uint32_t> lanes_;                // per cell, the four channel sums of a packed pixel
  std::vector<uint64_t> group_sums_;           // luma per 8-pixel group, for aligned YUV grids
  std::vector<uint32_t> u_groups_, v_groups_;  // I420 chroma of the same groups
  std::vector<uint32_t> pixel_groups_;         // channels per 4-pixel group, packed 4-byte RGB
  void sum_chroma(PixelFormat format, int y0, int y1, const Image &im, int chroma_len);
  std::vector<Span> col_spans_;
  // 2^32 / cell area per column, for bands inv_band_[k] rows high.
  std::vector<uint32_t> inv_area_[2];
  int inv_band_[2] = {-1, -1};
};

// One output cell: a glyph (a level on the ramp, or the glyph byte once
// mapped for the wire) and the colour quantised by mode.
struct Cell {
  uint8_t glyph = 0, r = 0, g = 0, b = 0;
  bool operator==(const Cell &) const = default;
};

constexpr int kMinMode = 1, kMaxMode = 5;
// Low bits cleared per mode (mode 1 sends no colour).
int quant_bits(int mode);
uint8_t quantise(uint8_t value, int mode);
// The ramp level for a luminance: levels divide 0..255 evenly.
uint8_t glyph_level(uint8_t luma, int levels, bool invert);

// Cells from means; with `glyph_bytes` (the ramp's bytes by level) the glyph
// is that byte instead of the level.
void map_cells(const std::vector<CellMean> &means, int levels, bool invert, int mode,
               std::vector<Cell> &out, const uint8_t *glyph_bytes = nullptr);

// Passes frames through at no more than max_fps, evenly on running time:
// frame k of a second passes at the first frame at or after slot k.
class RateLimiter {
 public:
  // fps as a fraction; num <= 0 means unlimited.
  void configure(int num, int den);
  void reset() { started_ = false; }
  bool pass(int64_t running_time);

 private:
  int num_ = 0, den_ = 1;
  bool started_ = false;
  int64_t base_ = 0;
  int64_t slot_ = 0;
  int64_t slot_time(int64_t k) const;
};

}  // namespace onair::ascii
