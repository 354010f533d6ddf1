// Pixel buffers the overlay draws with, in plain C++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace onair::overlay {

// A picture in premultiplied BGRA, 8 bits per channel: byte order B, G, R, A,
// which is Cairo's ARGB32 on little-endian machines.
struct Image {
  int width = 0;
  int height = 0;
  int stride = 0;  // bytes per row
  std::vector<uint8_t> pixels;

  Image() = default;
  Image(int w, int h) : width(w), height(h), stride(w * 4), pixels(size_t(w) * h * 4) {}
  bool empty() const { return width <= 0 || height <= 0; }
  uint8_t *row(int y) { return pixels.data() + size_t(y) * stride; }
  const uint8_t *row(int y) const { return pixels.data() + size_t(y) * stride; }
};

struct Rgb {
  uint8_t r = 255, g = 255, b = 255;
  bool operator==(const Rgb &) const = default;
};

}  // namespace onair::overlay
