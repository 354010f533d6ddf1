// asciienc's core against its anchors on 1080p frames to 240x100 cells in
// mode 3, one thread: a single memcpy of the same frame (the memory floor)
// and OpenCV's cv::resize (INTER_AREA) to the grid followed by a per-cell
// mapping (the seed's approach). A loop that only reads the frame (summing
// its bytes) shows what reading it once costs. Rounds alternate so machine noise hits all
// alike; medians are reported with the ratios. Then bytes per second on the
// wire for a moving test clip, with and without the changed-cells extension.
//
//   bench/ascii_bench [frames-per-round] [rounds]
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "core/cells.h"
#include "core/text.h"
#include "core/wire.h"

namespace ac = onair::ascii;

namespace {

constexpr int kW = 1920, kH = 1080, kCols = 240, kRows = 100, kMode = 3;

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Reads every byte once, as any area average must: the sum of 64-bit words,
// which the compiler vectorises.
uint64_t read_all(const uint8_t *data, size_t size) {
  uint64_t sum = 0;
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    sum += word;
  }
  return sum;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A frame with detail everywhere (gradients plus noise), as camera video has.
struct Frame {
  ac::PixelFormat format;
  std::vector<uint8_t> planes[3];
  ac::Image image;
  size_t bytes = 0;
  explicit Frame(ac::PixelFormat f) : format(f) {
    std::mt19937 rng(1);
    image.format = f;
    image.width = kW;
    image.height = kH;
    if (f == ac::PixelFormat::kI420) {
      const int sizes[3][2] = {{kW, kH}, {kW / 2, kH / 2}, {kW / 2, kH / 2}};
      for (int p = 0; p < 3; p++) {
        planes[p].resize(size_t(sizes[p][0]) * sizes[p][1]);
        for (size_t i = 0; i < planes[p].size(); i++)
          planes[p][i] = uint8_t((i % sizes[p][0]) / 8 + (i / sizes[p][0]) / 5 + rng() % 16);
        image.data[p] = planes[p].data();
        image.stride[p] = sizes[p][0];
        bytes += planes[p].size();
      }
    } else {
      planes[0].resize(size_t(kW) * kH * 4);
      for (size_t i = 0; i < planes[0].size(); i++)
        planes[0][i] = uint8_t((i % (kW * 4)) / 32 + (i / (kW * 4)) / 5 + rng() % 16);
      image.data[0] = planes[0].data();
      image.stride[0] = kW * 4;
      bytes = planes[0].size();
    }
  }
};

struct Ours {
  ac::CellAverager averager;
  std::vector<ac::CellMean> means;
  std::vector<ac::Cell> cells;
  std::vector<uint8_t> out;
  ac::WireEncoder wire;
  uint8_t glyphs[256];
  int levels;
  Ours() {
    std::vector<std::string> ramp;
    std::string err;
    ac::split_ramp(ac::kDefaultCharset, ramp, err);
    levels = int(ramp.size());
    for (int i = 0; i < levels; i++) glyphs[i] = uint8_t(ramp[i][0]);
    wire.configure(kCols, kRows, kMode, ac::kExtNone, 0);
  }
  void run(const ac::Image &im) {
    averager.run(im, kCols, kRows, means);
    ac::map_cells(means, levels, false, kMode, cells, glyphs);
    wire.encode(cells, false, out);
  }
};

// The seed's approach: resize to the grid, then grey and map per cell.
struct Seed {
  cv::Mat small, grey, full_, sm4_;
  std::vector<uint8_t> out = std::vector<uint8_t>(4 + kCols * kRows * 4);
  uint8_t lut[256];
  Seed() {
    const std::string ramp = ac::kDefaultCharset;
    const int n = int(ramp.size());
    for (int g = 0; g < 256; g++) lut[g] = uint8_t(ramp[std::min(n - 1, g / std::max(1, 256 / n))]);
  }
  // data: BGRx, or I420 planes back to back (OpenCV's layout).
  void run(ac::PixelFormat format, const uint8_t *data) {
    if (format == ac::PixelFormat::kI420) {
      // No area resize of YUV in OpenCV: convert the full frame, then resize.
      cv::Mat yuv(kH * 3 / 2, kW, CV_8UC1, const_cast<uint8_t *>(data));
      cv::cvtColor(yuv, full_, cv::COLOR_YUV2BGR_I420);
      cv::resize(full_, small, cv::Size(kCols, kRows), 0, 0, cv::INTER_AREA);
    } else {
      cv::Mat bgrx(kH, kW, CV_8UC4, const_cast<uint8_t *>(data));
      cv::resize(bgrx, sm4_, cv::Size(kCols, kRows), 0, 0, cv::INTER_AREA);
      cv::cvtColor(sm4_, small, cv::COLOR_BGRA2BGR);
    }
    cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
    uint8_t *o = out.data() + 4;
    for (int r = 0; r < kRows; r++)
      for (int c = 0; c < kCols; c++, o += 4) {
        const uint8_t *p = small.ptr<uint8_t>(r) + c * 3;
        o[0] = lut[grey.at<uint8_t>(r, c)];
        o[1] = p[2] & 0xF8;
        o[2] = p[1] & 0xF8;
        o[3] = p[0] & 0xF8;
      }
  }
};

void compare(const char *name, ac::PixelFormat format, int frames, int rounds) {
  Frame f(format);
  std::vector<uint8_t> copy(f.bytes);
  // I420 planes live apart here; the floor copies the same number of bytes.
  std::vector<uint8_t> flat(f.bytes);
  for (size_t i = 0; i < flat.size(); i++) flat[i] = uint8_t(i);
  std::vector<uint8_t> packed;
  for (const auto &p : f.planes) packed.insert(packed.end(), p.begin(), p.end());
  Ours ours;
  Seed seed;
  std::vector<double> t_copy, t_read, t_ours, t_seed;
  volatile uint64_t checksum = 0;  // keeps the reads
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < frames; i++) {
      double t = now_ms();
      std::memcpy(copy.data(), flat.data(), flat.size());
      t_copy.push_back(now_ms() - t);
      t = now_ms();
      checksum = checksum + read_all(packed.data(), packed.size());
      t_read.push_back(now_ms() - t);
      t = now_ms();
      ours.run(f.image);
      t_ours.push_back(now_ms() - t);
      t = now_ms();
      seed.run(format, packed.data());
      t_seed.push_back(now_ms() - t);
    }
  const double c = median(t_copy), rd = median(t_read), o = median(t_ours), s = median(t_seed);
  std::printf("%s 1920x1080 to %dx%d cells, mode %d, median of %zu frames\n", name, kCols, kRows,
              kMode, t_ours.size());
  std::printf("  memcpy (floor)           %7.3f ms/frame\n", c);
  std::printf("  read once (sum of bytes) %7.3f ms/frame\n", rd);
  std::printf("  opencv resize + map      %7.3f ms/frame\n", s);
  std::printf("  asciienc core            %7.3f ms/frame\n", o);
  std::printf("  ratio asciienc/memcpy: %.2f   speed-up opencv/asciienc: %.1fx\n\n", o / c, s / o);
}

// A moving clip: a ball bouncing over a still background with a ticking
// clock region, 640x360 at 30 fps for 10 s, as the cells a sink would send.
void wire_rates() {
  const int w = 640, h = 360, fps = 30, seconds = 10, cols = 200, rows = 84;
  std::vector<uint8_t> px(size_t(w) * h * 4);
  ac::Image im;
  im.format = ac::PixelFormat::kBGRx;
  im.width = w;
  im.height = h;
  im.data[0] = px.data();
  im.stride[0] = w * 4;
  ac::CellAverager averager;
  std::vector<ac::CellMean> means;
  std::vector<ac::Cell> cells;
  std::vector<uint8_t> out;
  for (int ext : {ac::kExtNone, ac::kExtChangedCells}) {
    ac::WireEncoder wire;
    wire.configure(cols, rows, kMode, ext, 60);
    size_t total = 0;
    for (int n = 0; n < fps * seconds; n++) {
      const double t = double(n) / fps;
      const int bx = int(w / 2 + std::sin(t * 2.1) * 250),
                by = int(h / 2 + std::cos(t * 3.3) * 130);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          uint8_t *p = px.data() + (size_t(y) * w + x) * 4;
          const bool ball = (x - bx) * (x - bx) + (y - by) * (y - by) < 40 * 40;
          const bool clock =
              x >= 20 && x < 140 && y >= 20 && y < 40 && ((x / 12 + n / 30) % 3 == 0);
          p[0] = ball ? 40 : uint8_t(x * 255 / w);
          p[1] = ball ? 200 : uint8_t(y * 255 / h);
          p[2] = ball || clock ? 255 : 90;
        }
      averager.run(im, cols, rows, means);
      ac::map_cells(means, 70, false, kMode, cells);
      wire.encode(cells, false, out);
      total += out.size();
    }
    std::printf("  %-28s %9.0f bytes/s (%.0f kbit/s)\n",
                ext ? "changed-cells (key every 60)" : "full frames (seed format)",
                double(total) / seconds, double(total) * 8 / seconds / 1000);
  }
}

}  // namespace

int main(int argc, char **argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 50;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  cv::setNumThreads(1);
  compare("I420", ac::PixelFormat::kI420, frames, rounds);
  compare("BGRx", ac::PixelFormat::kBGRx, frames, rounds);
  std::printf(
      "wire rate, 200x84 cells mode %d, 30 fps, bouncing ball over a gradient with a "
      "ticking clock:\n",
      kMode);
  wire_rates();
  return 0;
}
