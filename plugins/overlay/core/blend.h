// Blending premultiplied pictures into video frames in place, in the frame's
// own format: no conversion of the frame, and work only where the picture is
// not transparent.
#pragma once

#include <cstdint>
#include <vector>

#include "core/image.h"

namespace onair::overlay {

enum class PixelFormat { kI420, kNV12, kBGRx, kRGBx, kBGRA, kRGBA };

bool is_yuv420(PixelFormat format);

// A frame's planes, as the caller mapped them.
struct FrameView {
  PixelFormat format = PixelFormat::kI420;
  int width = 0, height = 0;
  uint8_t *data[3] = {};
  int stride[3] = {};
};

// How RGB becomes YUV: the matrix's red and blue weights and the range.
struct YuvMatrix {
  double kr = 0.2126, kb = 0.0722;  // BT.709
  bool full_range = false;
};

// A picture converted once into a frame format's planes, premultiplied, with
// an alpha per destination byte and, per row, the span that is not fully
// transparent. Blending is then the same small loop for every format.
class Sprite {
 public:
  Sprite() = default;
  Sprite(const Image &image, PixelFormat format, const YuvMatrix &matrix);

  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return width_ <= 0 || height_ <= 0; }

  // Blends at (x, y), clipped to the frame. opacity scales the whole picture
  // (255: as drawn). For 4:2:0 formats x and y are rounded down to even so
  // chroma lines up.
  void blend(const FrameView &frame, int x, int y, uint8_t opacity = 255) const;

 private:
  struct Plane {
    int width = 0, height = 0;          // in bytes x rows
    std::vector<uint8_t> value, alpha;  // premultiplied value and its alpha
    std::vector<int> first, last;       // per row: opaque span [first, last)
    void resize(int w, int h);
    void find_spans();
  };
  void blend_plane(const Plane &p, uint8_t *dst, int dst_stride, int dst_w, int dst_h, int x, int y,
                   uint8_t opacity) const;

  PixelFormat format_ = PixelFormat::kI420;
  int width_ = 0, height_ = 0;
  std::vector<Plane> planes_;
};

}  // namespace onair::overlay
