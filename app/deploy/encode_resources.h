// CPU and memory a channel's pod asks Kubernetes for, from its encode settings.
// The figures come from bench/README.md (see docs/scale.md, "Sizing"). Plain C++.
#pragma once

#include <string>
#include <vector>

namespace onair::app {

// One x264 encode of a pipeline.
struct EncodeSettings {
  int width = 1280;
  int height = 720;
  double fps = 30;
  int bitrate_kbps = 2048;        // x264enc's default
  std::string preset = "medium";  // x264enc's speed-preset default
};

struct Resources {
  int cpu_millicores = 0;  // requested
  int memory_mib = 0;      // requested
  int memory_limit_mib = 0;
};

// Cores per million pixels a second for an x264 speed preset; throws
// std::invalid_argument for a preset x264 does not have.
double cores_per_megapixel_second(const std::string &preset);

// The requests for a process with these encodes (none: the process alone).
Resources encode_resources(const std::vector<EncodeSettings> &encodes);

// The x264enc encodes of an expanded launch line: each one's speed-preset and
// bitrate, and the width, height and framerate of the last caps before it.
std::vector<EncodeSettings> encodes_in_launch(const std::string &launch);

}  // namespace onair::app
