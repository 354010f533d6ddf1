#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "core/reduced_picture.h"
#include "core/scene_detector.h"

using namespace onair::scene;

namespace {

constexpr int kW = 320, kH = 180;

// A YUV 4:2:0 picture in three planes of their own.
struct Frame {
  int width = kW, height = kH;
  std::vector<uint8_t> y, u, v;
  Frame(int w = kW, int h = kH)
      : width(w),
        height(h),
        y(size_t(w) * h),
        u(size_t((w + 1) / 2) * ((h + 1) / 2)),
        v(u.size()) {}
  Image image() const {
    Image im;
    im.format = PixelFormat::kI420;
    im.width = width;
    im.height = height;
    im.data[0] = y.data();
    im.data[1] = u.data();
    im.data[2] = v.data();
    im.stride[0] = width;
    im.stride[1] = im.stride[2] = (width + 1) / 2;
    return im;
  }
};

uint8_t clamp8(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

// A photograph-like texture: smooth random blobs at a few scales, larger than a frame so a
// camera can move over it.
class Texture {
 public:
  Texture(unsigned seed, int width, int height)
      : w_(width), h_(height), pix_(size_t(width) * height) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<double> acc(pix_.size(), 0);
    for (int cell : {64, 24, 8}) {
      const int gw = width / cell + 2, gh = height / cell + 2;
      std::vector<double> grid(size_t(gw) * gh);
      for (double &g : grid) g = unit(rng);
      const double amp = cell / 64.0 + 0.3;
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
          const double fx = double(x) / cell, fy = double(y) / cell;
          const int ix = int(fx), iy = int(fy);
          const double tx = fx - ix, ty = fy - iy;
          const double top = grid[iy * gw + ix] * (1 - tx) + grid[iy * gw + ix + 1] * tx;
          const double bottom =
              grid[(iy + 1) * gw + ix] * (1 - tx) + grid[(iy + 1) * gw + ix + 1] * tx;
          acc[size_t(y) * width + x] += amp * (top * (1 - ty) + bottom * ty);
        }
    }
    const auto [lo, hi] = std::minmax_element(acc.begin(), acc.end());
    for (size_t i = 0; i < acc.size(); i++) pix_[i] = 20 + 215 * (acc[i] - *lo) / (*hi - *lo);
    tint_u_ = 128 + 40 * (unit(rng) - 0.5);
    tint_v_ = 128 + 40 * (unit(rng) - 0.5);
  }
  // The frame seen through a window at (x0, y0).
  Frame view(int x0 = 0, int y0 = 0) const {
    Frame f;
    for (int y = 0; y < kH; y++)
      for (int x = 0; x < kW; x++) f.y[size_t(y) * kW + x] = clamp8(at(x0 + x, y0 + y));
    for (int y = 0; y < (kH + 1) / 2; y++)
      for (int x = 0; x < (kW + 1) / 2; x++) {
        const double l = at(x0 + 2 * x, y0 + 2 * y) - 128;
        f.u[size_t(y) * ((kW + 1) / 2) + x] = clamp8(tint_u_ + 0.15 * l);
        f.v[size_t(y) * ((kW + 1) / 2) + x] = clamp8(tint_v_ - 0.1 * l);
      }
    return f;
  }

 private:
  double at(int x, int y) const {
    return pix_[size_t(std::clamp(y, 0, h_ - 1)) * w_ + std::clamp(x, 0, w_ - 1)];
  }
  int w_, h_;
  std::vector<double> pix_;
  double tint_u_, tint_v_;
};

// Per pixel of every plane: `f(a, b)` of two frames.
Frame combine(const Frame &a, const Frame &b,
              const std::function<double(double, double, int, int)> &f) {
  Frame out;
  for (int y = 0; y < kH; y++)
    for (int x = 0; x < kW; x++) {
      const size_t i = size_t(y) * kW + x;
      out.y[i] = clamp8(f(a.y[i], b.y[i], x, y));
    }
  const int cw = (kW + 1) / 2;
  for (size_t i = 0; i < out.u.size(); i++) {
    const int x = int(i % cw) * 2, y = int(i / cw) * 2;
    out.u[i] = clamp8(f(a.u[i], b.u[i], x, y));
    out.v[i] = clamp8(f(a.v[i], b.v[i], x, y));
  }
  return out;
}

Frame mix(const Frame &a, const Frame &b, double t) {
  return combine(a, b, [t](double p, double q, int, int) { return p * (1 - t) + q * t; });
}

Frame flat(uint8_t luma) {
  Frame f;
  std::fill(f.y.begin(), f.y.end(), luma);
  std::fill(f.u.begin(), f.u.end(), 128);
  std::fill(f.v.begin(), f.v.end(), 128);
  return f;
}

Frame with_noise(const Frame &f, std::mt19937 &rng, double sigma) {
  std::normal_distribution<double> noise(0, sigma);
  return combine(f, f, [&](double p, double, int, int) { return p + noise(rng); });
}

// Feeds frames at 25 fps and keeps what the detector reports.
struct Feed {
  SceneDetector detector;
  Reducer reducer;
  std::vector<Transition> found;
  int64_t frames = 0;

  explicit Feed(DetectorConfig config = {}) : detector(config) {}
  void add(const Frame &f) {
    ReducedPicture p;
    ASSERT_TRUE(reducer.reduce(f.image(), p));
    detector.push(p, frames * 40'000'000, found);
    frames++;
  }
  void hold(const Frame &f, int count) {
    for (int i = 0; i < count; i++) add(f);
  }
  // Enough frames after the material for every pending decision.
  void finish(const Frame &f) { hold(f, 80); }
};

const Texture &texture_a() {
  static const Texture t(1, 960, 540);
  return t;
}
const Texture &texture_b() {
  static const Texture t(2, 960, 540);
  return t;
}

}  // namespace

TEST(ReducedPicture, ReadsEveryFormatToTheSameFlatColour) {
  // BT.601 limited-range mid grey-green in each layout.
  const uint8_t y = 120, u = 100, v = 150;
  for (PixelFormat format :
       {PixelFormat::kI420, PixelFormat::kY42B, PixelFormat::kNV12, PixelFormat::kUYVY}) {
    const int w = 37, h = 21;  // odd sizes
    std::vector<uint8_t> planes[3];
    Image im;
    im.format = format;
    im.width = w;
    im.height = h;
    const int cw = (w + 1) / 2;
    if (format == PixelFormat::kUYVY) {
      planes[0].resize(size_t(cw) * 4 * h);
      for (size_t i = 0; i < planes[0].size(); i += 4) {
        planes[0][i] = u;
        planes[0][i + 1] = y;
        planes[0][i + 2] = v;
        planes[0][i + 3] = y;
      }
      im.stride[0] = cw * 4;
    } else {
      const int ch = format == PixelFormat::kY42B ? h : (h + 1) / 2;
      planes[0].assign(size_t(w) * h, y);
      im.stride[0] = w;
      if (format == PixelFormat::kNV12) {
        planes[1].resize(size_t(cw) * 2 * ch);
        for (size_t i = 0; i < planes[1].size(); i += 2) {
          planes[1][i] = u;
          planes[1][i + 1] = v;
        }
        im.stride[1] = cw * 2;
      } else {
        planes[1].assign(size_t(cw) * ch, u);
        planes[2].assign(size_t(cw) * ch, v);
        im.stride[1] = im.stride[2] = cw;
      }
    }
    for (int p = 0; p < 3; p++) im.data[p] = planes[p].empty() ? nullptr : planes[p].data();
    ReducedPicture out;
    Reducer reducer;
    ASSERT_TRUE(reducer.reduce(im, out)) << int(format);
    EXPECT_NEAR(out.mean, y, 0.01) << int(format);
    EXPECT_TRUE(out.blank());
    EXPECT_NEAR(out.coarse[4], u - 128, 0.01) << int(format);
    EXPECT_NEAR(out.coarse[5], v - 128, 0.01) << int(format);
  }
}

TEST(ReducedPicture, ReadsPackedRgbChannelsInTheirOrder) {
  const uint8_t r = 200, g = 60, b = 30;
  for (PixelFormat format : {PixelFormat::kBGRx, PixelFormat::kRGBx, PixelFormat::kBGRA,
                             PixelFormat::kRGBA, PixelFormat::kBGR, PixelFormat::kRGB}) {
    const bool four = format != PixelFormat::kBGR && format != PixelFormat::kRGB;
    const bool bgr_order =
        format == PixelFormat::kBGRx || format == PixelFormat::kBGRA || format == PixelFormat::kBGR;
    const int w = 3, h = 1, bpp = four ? 4 : 3;
    std::vector<uint8_t> row(size_t(w) * bpp + 3);
    for (int x = 0; x < w; x++) {
      row[x * bpp + 0] = bgr_order ? b : r;
      row[x * bpp + 1] = g;
      row[x * bpp + 2] = bgr_order ? r : b;
    }
    Image im;
    im.format = format;
    im.width = w;
    im.height = h;
    im.data[0] = row.data();
    im.stride[0] = int(row.size());
    ReducedPicture out;
    Reducer reducer;
    ASSERT_TRUE(reducer.reduce(im, out));
    EXPECT_NEAR(out.mean, 0.299 * r + 0.587 * g + 0.114 * b, 0.01) << int(format);
    EXPECT_GT(out.coarse[5], 40) << "red shows in V, " << int(format);
    EXPECT_LT(out.coarse[4], -20) << "little blue shows in U, " << int(format);
  }
}

TEST(ReducedPicture, RefusesAnEmptyFrame) {
  Image im;
  im.width = 0;
  im.height = 10;
  ReducedPicture out;
  Reducer reducer;
  EXPECT_FALSE(reducer.reduce(im, out));
}

TEST(ReducedPicture, ShapeIgnoresBrightnessAndContrast) {
  const Frame a = texture_a().view();
  const Frame brighter = combine(a, a, [](double p, double, int, int) { return 0.6 * p + 90; });
  Reducer reducer;
  ReducedPicture pa, pb;
  reducer.reduce(a.image(), pa);
  reducer.reduce(brighter.image(), pb);
  EXPECT_GT(pb.mean, pa.mean + 30);
  EXPECT_LT(SceneDetector::motion_compensated_distance(pa, pb), 0.05);
}

TEST(SceneDetector, FindsAHardCutOnItsFrame) {
  Feed run;
  std::mt19937 rng(7);
  for (int i = 0; i < 40; i++) run.add(with_noise(texture_a().view(), rng, 2));
  for (int i = 0; i < 40; i++) run.add(with_noise(texture_b().view(), rng, 2));
  ASSERT_EQ(run.found.size(), 1u);
  EXPECT_EQ(run.found[0].kind, TransitionKind::kCut);
  EXPECT_EQ(run.found[0].frame, 40);
  EXPECT_GE(run.found[0].score, kDefaultThreshold);
}

TEST(SceneDetector, ReportsADissolveOnceWithItsSpan) {
  Feed run;
  const Frame a = texture_a().view(), b = texture_b().view();
  run.hold(a, 40);
  for (int i = 1; i <= 20; i++) run.add(mix(a, b, i / 21.0));
  run.finish(b);
  ASSERT_EQ(run.found.size(), 1u);
  const Transition &t = run.found[0];
  EXPECT_EQ(t.kind, TransitionKind::kGradual);
  EXPECT_GE(t.start, 38);
  EXPECT_LE(t.start, 44);
  EXPECT_GE(t.end, 56);
  EXPECT_LE(t.end, 62);
  EXPECT_EQ(t.frame, t.end);
}

TEST(SceneDetector, ReportsAFadeThroughBlackAsOneTransition) {
  Feed run;
  const Frame a = texture_a().view(), b = texture_b().view(), black = flat(16);
  run.hold(a, 40);
  for (int i = 1; i <= 12; i++) run.add(mix(a, black, i / 12.0));
  run.hold(black, 8);
  for (int i = 1; i <= 12; i++) run.add(mix(black, b, i / 12.0));
  run.finish(b);
  ASSERT_EQ(run.found.size(), 1u);
  EXPECT_EQ(run.found[0].kind, TransitionKind::kGradual);
  EXPECT_LE(run.found[0].start, 45);
  EXPECT_GE(run.found[0].end, 62);
}

TEST(SceneDetector, ReportsAWipeOnce) {
  Feed run;
  const Frame a = texture_a().view(), b = texture_b().view();
  run.hold(a, 40);
  for (int i = 1; i <= 24; i++) {
    const int edge = kW * i / 25;
    run.add(combine(a, b, [edge](double p, double q, int x, int) { return x < edge ? q : p; }));
  }
  run.finish(b);
  ASSERT_EQ(run.found.size(), 1u);
  EXPECT_EQ(run.found[0].kind, TransitionKind::kGradual);
  EXPECT_GE(run.found[0].end, 50);
  EXPECT_LE(run.found[0].start, 60);
}

TEST(SceneDetector, IgnoresAFlashOfAFewFrames) {
  for (int length : {1, 2, 3}) {
    Feed run;
    const Frame a = texture_a().view(), white = flat(235);
    run.hold(a, 40);
    run.hold(mix(a, white, 0.75), length);
    run.finish(a);
    EXPECT_TRUE(run.found.empty()) << length << "-frame flash reported at " << run.found[0].frame;
  }
}

TEST(SceneDetector, IgnoresAStrobe) {
  Feed run;
  const Frame a = texture_a().view(), white = flat(235), lit = mix(a, white, 0.8);
  run.hold(a, 40);
  for (int i = 0; i < 8; i++) {
    run.hold(lit, 2);
    run.hold(a, 3);
  }
  run.finish(a);
  EXPECT_TRUE(run.found.empty());
}

TEST(SceneDetector, IgnoresAFastPanAndShake) {
  Feed run;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> jitter(-6, 6);
  for (int i = 0; i < 50; i++) run.add(texture_a().view(i * 12, 100));  // 12 px/frame of 320
  for (int i = 0; i < 50; i++) run.add(texture_a().view(600 + jitter(rng), 100 + jitter(rng)));
  run.finish(texture_a().view(600, 100));
  EXPECT_TRUE(run.found.empty()) << "reported at " << run.found[0].frame;
}

TEST(SceneDetector, IgnoresALightingRamp) {
  Feed run;
  const Frame a = texture_a().view();
  run.hold(a, 20);
  for (int i = 0; i <= 30; i++)
    run.add(combine(a, a, [i](double p, double, int, int) { return p * (1 - i / 60.0) + i; }));
  run.finish(combine(a, a, [](double p, double, int, int) { return p * 0.5 + 30; }));
  EXPECT_TRUE(run.found.empty());
}

TEST(SceneDetector, IgnoresNoise) {
  Feed run;
  std::mt19937 rng(11);
  for (int i = 0; i < 150; i++) run.add(with_noise(texture_a().view(), rng, 12));
  EXPECT_TRUE(run.found.empty());
}

TEST(SceneDetector, KeepsScenesAtLeastMinSceneLengthApart) {
  DetectorConfig config;
  config.min_scene_length = 2'000'000'000;  // 50 frames at 25 fps
  Feed run(config);
  const Frame a = texture_a().view(), b = texture_b().view();
  run.hold(a, 30);
  run.hold(b, 20);
  run.finish(a);
  ASSERT_EQ(run.found.size(), 1u);
  EXPECT_EQ(run.found[0].frame, 30);
}

TEST(SceneDetector, FindsNothingWithGradualOffInADissolve) {
  DetectorConfig config;
  config.gradual = false;
  Feed run(config);
  const Frame a = texture_a().view(), b = texture_b().view();
  run.hold(a, 40);
  for (int i = 1; i <= 20; i++) run.add(mix(a, b, i / 21.0));
  run.finish(b);
  EXPECT_TRUE(run.found.empty());
}
