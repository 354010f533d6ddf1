#include "core/blend.h"

#include <algorithm>
#include <cmath>

namespace onair::overlay {
namespace {

// Exact round(v / 255) for v in [0, 255 * 255], in 16 bits so the
// vectoriser packs eight or more lanes per register.
inline uint16_t div255(uint16_t v) {
  v = static_cast<uint16_t>(v + 128);
  return static_cast<uint16_t>((v + (v >> 8)) >> 8);
}

inline uint16_t mul(uint8_t a, uint8_t b) {
  return static_cast<uint16_t>(static_cast<uint16_t>(a) * static_cast<uint16_t>(b));
}

inline uint8_t to_byte(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

// dst = src + dst * (1 - alpha), all premultiplied bytes.
__attribute__((target_clones("avx2", "default"))) void blend_row(uint8_t *__restrict dst,
                                                                 const uint8_t *__restrict src,
                                                                 const uint8_t *__restrict alpha,
                                                                 int n) {
  for (int i = 0; i < n; i++)
    dst[i] =
        static_cast<uint8_t>(src[i] + div255(mul(dst[i], static_cast<uint8_t>(255 - alpha[i]))));
}

// The same with the source scaled by opacity first.
__attribute__((target_clones("avx2", "default"))) void blend_row_faded(
    uint8_t *__restrict dst, const uint8_t *__restrict src, const uint8_t *__restrict alpha, int n,
    uint8_t opacity) {
  for (int i = 0; i < n; i++) {
    const uint16_t s = div255(mul(src[i], opacity));
    const uint16_t a = div255(mul(alpha[i], opacity));
    dst[i] = static_cast<uint8_t>(s + div255(mul(dst[i], static_cast<uint8_t>(255 - a))));
  }
}

}  // namespace

bool is_yuv420(PixelFormat format) {
  return format == PixelFormat::kI420 || format == PixelFormat::kNV12;
}

void Sprite::Plane::resize(int w, int h) {
  width = w, height = h;
  value.assign(size_t(w) * h, 0);
  alpha.assign(size_t(w) * h, 0);
}

void Sprite::Plane::find_spans() {
  first.assign(height, 0);
  last.assign(height, 0);
  for (int y = 0; y < height; y++) {
    const uint8_t *a = alpha.data() + size_t(y) * width;
    int f = 0, l = width;
    while (f < width && a[f] == 0) f++;
    while (l > f && a[l - 1] == 0) l--;
    first[y] = f, last[y] = l;
  }
}

Sprite::Sprite(const Image &image, PixelFormat format, const YuvMatrix &matrix)
    : format_(format), width_(image.width), height_(image.height) {
  if (image.empty()) {
    width_ = height_ = 0;
    return;
  }
  if (!is_yuv420(format)) {
    // Packed RGB: reorder the bytes into the frame's order; the fourth byte
    // (alpha or padding) gets the same "over" as the colours.
    const bool rgb_order = format == PixelFormat::kRGBx || format == PixelFormat::kRGBA;
    Plane p;
    p.resize(width_ * 4, height_);
    for (int y = 0; y < height_; y++) {
      const uint8_t *s = image.row(y);
      uint8_t *v = p.value.data() + size_t(y) * p.width;
      uint8_t *a = p.alpha.data() + size_t(y) * p.width;
      for (int x = 0; x < width_; x++, s += 4, v += 4, a += 4) {
        v[0] = rgb_order ? s[2] : s[0];
        v[1] = s[1];
        v[2] = rgb_order ? s[0] : s[2];
        v[3] = s[3];
        a[0] = a[1] = a[2] = a[3] = s[3];
      }
    }
    p.find_spans();
    planes_.push_back(std::move(p));
    return;
  }

  // YUV 4:2:0. Y, U and V are affine in R, G and B, so their premultiplied
  // values are the same affine maps of premultiplied R, G, B with the
  // constant scaled by alpha.
  const double kr = matrix.kr, kb = matrix.kb, kg = 1.0 - kr - kb;
  const double y_scale = matrix.full_range ? 255.0 / 255 : 219.0 / 255;
  const double y_off = matrix.full_range ? 0 : 16;
  const double c_scale = matrix.full_range ? 255.0 / 255 : 224.0 / 255;
  const int cw = (width_ + 1) / 2, ch = (height_ + 1) / 2;

  Plane luma;
  luma.resize(width_, height_);
  std::vector<double> u(size_t(cw) * ch, 0), v(size_t(cw) * ch, 0), ca(size_t(cw) * ch, 0);
  for (int y = 0; y < height_; y++) {
    const uint8_t *s = image.row(y);
    for (int x = 0; x < width_; x++, s += 4) {
      const double b = s[0], g = s[1], r = s[2], a = s[3];
      const double lum = kr * r + kg * g + kb * b;
      luma.value[size_t(y) * width_ + x] = to_byte(y_off * a / 255 + y_scale * lum);
      luma.alpha[size_t(y) * width_ + x] = s[3];
      const size_t c = size_t(y / 2) * cw + x / 2;
      u[c] += 128 * a / 255 + c_scale * (b - lum) / (2 * (1 - kb));
      v[c] += 128 * a / 255 + c_scale * (r - lum) / (2 * (1 - kr));
      ca[c] += a;
    }
  }
  luma.find_spans();
  planes_.push_back(std::move(luma));

  // Chroma: the premultiplied mean of each 2x2 block (pixels outside the
  // picture count as transparent).
  const auto chroma = [&](std::vector<double> &src, size_t c) { return to_byte(src[c] / 4); };
  if (format == PixelFormat::kI420) {
    Plane pu, pv;
    pu.resize(cw, ch);
    pv.resize(cw, ch);
    for (size_t c = 0; c < u.size(); c++) {
      pu.value[c] = chroma(u, c), pv.value[c] = chroma(v, c);
      pu.alpha[c] = pv.alpha[c] = chroma(ca, c);
    }
    pu.find_spans();
    pv.find_spans();
    planes_.push_back(std::move(pu));
    planes_.push_back(std::move(pv));
  } else {
    Plane uv;
    uv.resize(cw * 2, ch);
    for (size_t c = 0; c < u.size(); c++) {
      uv.value[2 * c] = chroma(u, c), uv.value[2 * c + 1] = chroma(v, c);
      uv.alpha[2 * c] = uv.alpha[2 * c + 1] = chroma(ca, c);
    }
    uv.find_spans();
    planes_.push_back(std::move(uv));
  }
}

void Sprite::blend_plane(const Plane &p, uint8_t *dst, int dst_stride, int dst_w, int dst_h, int x,
                         int y, uint8_t opacity) const {
  // x, y and dst_w are in this plane's bytes and rows.
  const int y0 = std::max(0, -y), y1 = std::min(p.height, dst_h - y);
  for (int row = y0; row < y1; row++) {
    const int f = std::max(p.first[row], -x), l = std::min(p.last[row], dst_w - x);
    if (l <= f) continue;
    const size_t at = size_t(row) * p.width + f;
    uint8_t *d = dst + size_t(y + row) * dst_stride + (x + f);
    if (opacity == 255)
      blend_row(d, p.value.data() + at, p.alpha.data() + at, l - f);
    else
      blend_row_faded(d, p.value.data() + at, p.alpha.data() + at, l - f, opacity);
  }
}

void Sprite::blend(const FrameView &frame, int x, int y, uint8_t opacity) const {
  if (empty() || opacity == 0 || frame.format != format_) return;
  if (!is_yuv420(format_)) {
    blend_plane(planes_[0], frame.data[0], frame.stride[0], frame.width * 4, frame.height, x * 4, y,
                opacity);
    return;
  }
  x &= ~1, y &= ~1;  // floor to even, negative values included
  const int cw = (frame.width + 1) / 2, ch = (frame.height + 1) / 2;
  blend_plane(planes_[0], frame.data[0], frame.stride[0], frame.width, frame.height, x, y, opacity);
  if (format_ == PixelFormat::kI420) {
    blend_plane(planes_[1], frame.data[1], frame.stride[1], cw, ch, x / 2, y / 2, opacity);
    blend_plane(planes_[2], frame.data[2], frame.stride[2], cw, ch, x / 2, y / 2, opacity);
  } else {
    blend_plane(planes_[1], frame.data[1], frame.stride[1], cw * 2, ch, x, y / 2, opacity);
  }
}

}  // namespace onair::overlay
