#include "deploy/encode_resources.h"

#include <cmath>
#include <regex>
#include <stdexcept>

namespace onair::app {

namespace {

// The process without its encodes: web server, audio encode, muxing, tees.
constexpr double kBaseCores = 0.05;
// Entropy coding and output grow with the bitrate.
constexpr double kCoresPerMbps = 0.01;
// An idle onair process holds about 87 MiB (bench/README.md, ASCII web viewers).
constexpr double kBaseMiB = 96;
// I420 frames held per encode: queues, x264's reference frames and threads.
constexpr double kFramesHeld = 24;

int round_up(double value, int step) {
  return static_cast<int>(std::ceil(value / step)) * step;
}

}  // namespace

double cores_per_megapixel_second(const std::string &preset) {
  // Measured: veryfast (0.33 core for 854x480 at 30 fps, 1500k, live_bench.py) and
  // ultrafast (0.24 core for 1280x720 at 25 fps, 5000k, sdi_preview_bench.py), each less
  // the base and bitrate terms. The others scale those by x264's relative preset speeds.
  struct Entry {
    const char *name;
    double cores;
  };
  static const Entry table[] = {
      {"ultrafast", 0.006}, {"superfast", 0.012}, {"veryfast", 0.022}, {"faster", 0.032},
      {"fast", 0.040},      {"medium", 0.050},    {"slow", 0.080},     {"slower", 0.150},
      {"veryslow", 0.300},  {"placebo", 1.000},
  };
  for (const Entry &entry : table)
    if (preset == entry.name) return entry.cores;
  throw std::invalid_argument("x264 has no speed preset '" + preset + "'");
}

Resources encode_resources(const std::vector<EncodeSettings> &encodes) {
  double cores = kBaseCores;
  double mib = kBaseMiB;
  for (const EncodeSettings &e : encodes) {
    const double megapixels = static_cast<double>(e.width) * e.height / 1e6;
    cores += cores_per_megapixel_second(e.preset) * megapixels * e.fps +
             kCoresPerMbps * e.bitrate_kbps / 1000.0;
    mib += kFramesHeld * megapixels * 1.5 * 1e6 / (1024.0 * 1024.0);
  }
  Resources r;
  r.cpu_millicores = round_up(cores * 1000, 50);
  r.memory_mib = round_up(mib, 16);
  // Room for a burst (a reconnection's backlog) before the kernel kills the pod.
  r.memory_limit_mib = 2 * r.memory_mib;
  return r;
}

std::vector<EncodeSettings> encodes_in_launch(const std::string &launch) {
  static const std::regex encoder(R"(\bx264enc\b([^!]*))");
  static const std::regex preset(R"(\bspeed-preset=\"?([a-z]+))");
  static const std::regex bitrate(R"(\bbitrate=\"?([0-9]+))");
  static const std::regex width(R"(\bwidth=(?:\(int\))?([0-9]+))");
  static const std::regex height(R"(\bheight=(?:\(int\))?([0-9]+))");
  static const std::regex framerate(R"(\bframerate=(?:\(fraction\))?([0-9]+)/([0-9]+))");
  // The last match of `re` in `text`, or nothing.
  const auto last = [](const std::string &text, const std::regex &re) {
    std::smatch found;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
      found = *it;
    return found;
  };
  std::vector<EncodeSettings> out;
  for (auto it = std::sregex_iterator(launch.begin(), launch.end(), encoder);
       it != std::sregex_iterator(); ++it) {
    EncodeSettings e;
    const std::string properties = (*it)[1];
    std::smatch m;
    if (std::regex_search(properties, m, preset)) e.preset = m[1];
    if (std::regex_search(properties, m, bitrate)) e.bitrate_kbps = std::stoi(m[1]);
    const std::string before = launch.substr(0, static_cast<size_t>(it->position()));
    if (auto w = last(before, width); !w.empty()) e.width = std::stoi(w[1]);
    if (auto h = last(before, height); !h.empty()) e.height = std::stoi(h[1]);
    if (auto f = last(before, framerate); !f.empty() && std::stoi(f[2]) > 0)
      e.fps = std::stod(f[1]) / std::stod(f[2]);
    out.push_back(e);
  }
  return out;
}

}  // namespace onair::app
