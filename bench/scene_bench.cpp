// scenedetect's per-frame analysis (reading the frame into a reduced picture, then the
// detector's decision) on 1080p I420 with detail everywhere, one thread, against its anchors
// in the same run: a memcpy of the luma plane (the memory floor for anything that reads the
// whole picture) and ffmpeg's scdet filter on the same frames (its time above a null pass of
// the same input, both single-threaded, from ffmpeg's own -benchmark CPU time). Rounds
// alternate so machine noise hits all alike; medians are reported with the ratios.
//
//   bench/scene_bench [frames-per-round] [rounds]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/reduced_picture.h"
#include "core/scene_detector.h"

namespace sc = onair::scene;

namespace {

constexpr int kW = 1920, kH = 1080, kFps = 25;
constexpr int kDistinct = 16;  // frames made, then shown in a loop

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// An I420 frame: one buffer, planes back to back (as ffmpeg reads raw input).
struct Frame {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(size_t(kW) * kH * 3 / 2);
  sc::Image image() const {
    sc::Image im;
    im.format = sc::PixelFormat::kI420;
    im.width = kW;
    im.height = kH;
    im.data[0] = bytes.data();
    im.data[1] = bytes.data() + size_t(kW) * kH;
    im.data[2] = im.data[1] + size_t(kW / 2) * (kH / 2);
    im.stride[0] = kW;
    im.stride[1] = im.stride[2] = kW / 2;
    return im;
  }
};

// Detail everywhere (gradients, blobs and noise), seen by a camera panning 6 pixels a frame.
std::vector<Frame> make_frames() {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> noise(-24, 24);
  const int cw = kW + 6 * kDistinct;
  std::vector<uint8_t> canvas(size_t(cw) * kH);
  for (int y = 0; y < kH; y++)
    for (int x = 0; x < cw; x++) {
      const double v = 128 + 50 * std::sin(x * 0.013 + std::sin(y * 0.007) * 3) *
                                 std::cos(y * 0.011 - x * 0.002);
      canvas[size_t(y) * cw + x] = uint8_t(std::clamp(int(v) + noise(rng), 0, 255));
    }
  std::vector<Frame> frames(kDistinct);
  for (int i = 0; i < kDistinct; i++) {
    uint8_t *p = frames[i].bytes.data();
    for (int y = 0; y < kH; y++)
      std::memcpy(p + size_t(y) * kW, &canvas[size_t(y) * cw + 6 * i], kW);
    uint8_t *c = p + size_t(kW) * kH;
    for (size_t k = 0; k < size_t(kW / 2) * (kH / 2) * 2; k++)
      c[k] = uint8_t(std::clamp(128 + noise(rng), 0, 255));
  }
  return frames;
}

// ffmpeg's CPU time (user, from its -benchmark line) for `filter` over `count` frames written
// raw to its standard input; -1 when ffmpeg cannot run.
double ffmpeg_seconds(const std::vector<Frame> &frames, int count, const char *filter) {
  char log[] = "/tmp/scene_bench_XXXXXX";
  const int fd = mkstemp(log);
  if (fd < 0) return -1;
  close(fd);
  const std::string cmd =
      "ffmpeg -hide_banner -nostats -benchmark -threads 1 -filter_threads 1 "
      "-filter_complex_threads 1 -f rawvideo -pix_fmt yuv420p -s " +
      std::to_string(kW) + "x" + std::to_string(kH) + " -r " + std::to_string(kFps) + " -i - -vf " +
      filter + " -f null - >" + log + " 2>&1";
  FILE *in = popen(cmd.c_str(), "w");
  if (!in) return -1;
  for (int i = 0; i < count; i++)
    fwrite(frames[i % kDistinct].bytes.data(), 1, frames[0].bytes.size(), in);
  pclose(in);
  double seconds = -1;
  if (FILE *f = std::fopen(log, "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f))
      if (const char *u = std::strstr(line, "utime=")) seconds = std::atof(u + 6);
    std::fclose(f);
  }
  std::remove(log);
  return seconds;
}

}  // namespace

int main(int argc, char **argv) {
  const int per_round = argc > 1 ? std::atoi(argv[1]) : 200;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::vector<Frame> frames = make_frames();
  std::vector<uint8_t> copy(size_t(kW) * kH);

  std::vector<double> ours, floor, scdet;
  sc::Reducer reducer;
  sc::SceneDetector detector;
  sc::ReducedPicture picture;
  std::vector<sc::Transition> found;
  int64_t frame = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < per_round; i++) {
      const Frame &f = frames[frame % kDistinct];
      double t0 = now_ms();
      std::memcpy(copy.data(), f.bytes.data(), copy.size());
      double t1 = now_ms();
      floor.push_back(t1 - t0);
      t0 = now_ms();
      reducer.reduce(f.image(), picture);
      detector.push(picture, frame * (1'000'000'000 / kFps), found);
      t1 = now_ms();
      ours.push_back(t1 - t0);
      frame++;
    }
    // Many frames per ffmpeg run, so its CPU time's resolution does not matter.
    const int count = std::max(per_round, 500);
    const double with = ffmpeg_seconds(frames, count, "scdet=threshold=10");
    const double without = ffmpeg_seconds(frames, count, "null");
    if (with > 0 && without > 0) scdet.push_back((with - without) * 1000 / count);
  }

  std::printf("I420 %dx%d, detail everywhere, panning, one thread, median of %d frames\n", kW, kH,
              per_round * rounds);
  std::printf("  memcpy of the luma plane   %7.3f ms/frame\n", median(floor));
  if (!scdet.empty())
    std::printf("  ffmpeg scdet (above null)  %7.3f ms/frame (median of %zu rounds)\n",
                median(scdet), scdet.size());
  std::printf("  scenedetect analysis       %7.3f ms/frame\n", median(ours));
  std::printf("  ratio scenedetect/memcpy: %.2f", median(ours) / median(floor));
  if (!scdet.empty())
    std::printf("   speed-up scdet/scenedetect: %.1fx", median(scdet) / median(ours));
  std::printf("\n  (%zu transitions reported on the loop of %d frames)\n", found.size(), kDistinct);
  return 0;
}
