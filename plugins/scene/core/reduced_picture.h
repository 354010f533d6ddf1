// A video frame reduced to what scene detection compares: a 64x36 grid of mean luma and a
// 32x18 grid of mean chroma, read straight from the frame's planes in its own format. Only a
// few rows per grid row are read (never the whole frame, never a converted copy), so the cost
// is a small fraction of one pass over the picture.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace onair::scene {

enum class PixelFormat { kI420, kY42B, kNV12, kUYVY, kBGRx, kRGBx, kBGRA, kRGBA, kBGR, kRGB };

// A frame's planes as the caller mapped them (packed formats use plane 0 only).
struct Image {
  PixelFormat format = PixelFormat::kI420;
  int width = 0, height = 0;
  const uint8_t *data[3] = {};
  int stride[3] = {};
};

inline constexpr int kGridW = 64, kGridH = 36;                      // luma cells
inline constexpr int kCoarseW = kGridW / 2, kCoarseH = kGridH / 2;  // chroma cells
inline constexpr int kGridCells = kGridW * kGridH;
inline constexpr int kCoarseCells = kCoarseW * kCoarseH;
// Values a coarse cell carries for the mixing test: its 2x2 luma cells, then U and V.
inline constexpr int kCoarseDims = 6;

struct ReducedPicture {
  std::array<float, kGridCells> luma{};  // mean luma per cell, 0..255
  // Luma with the frame's mean removed and divided by its spread: unchanged when the whole
  // picture gets brighter or darker (flashes, lighting, fades until nearly black).
  std::array<float, kGridCells> shape{};
  // Per coarse cell: 4 luma values, then U and V (centred on 0), row-major.
  std::array<float, kCoarseCells * kCoarseDims> coarse{};
  float mean = 0, spread = 0;  // of `luma`
  // Nearly uniform (black, white or one colour): no shape to compare.
  bool blank() const;
};

// Fills a ReducedPicture from an image; keeps its scratch row between frames.
class Reducer {
 public:
  // Frames of any size from 1x1; returns false for a size of 0 or missing planes.
  bool reduce(const Image &image, ReducedPicture &out);

 private:
  std::vector<uint16_t> acc_;
  std::vector<uint32_t> sums_;  // per luma cell: up to 3 channels
};

}  // namespace onair::scene
