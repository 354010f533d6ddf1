// The last minutes of a run's figures (each output's and each monitor's bitrate and frames
// per second), so that a page opened late still plots them. A bounded ring: at most
// `capacity` samples and `max_bytes` of JSON, the oldest going first. Plain C++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "run/status.h"

namespace onair::app {

class FigureHistory {
 public:
  FigureHistory(size_t capacity, size_t max_bytes);

  // Takes the figures of `status` at `time` (seconds since the epoch) and returns that
  // sample's JSON: {"t":T,"outputs":{"NAME":{"bitrate":B,"fps":F}},"monitors":{...}}.
  // An output's fps comes from its frames sent since the previous sample (null first).
  std::string record(double time, const Status &status);
  // {"samples":[oldest, ..., newest]}
  std::string json() const;
  size_t size() const { return samples_.size(); }

 private:
  size_t capacity_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::deque<std::string> samples_;
  double last_time_ = 0;
  std::map<std::string, uint64_t> last_frames_sent_;  // by output name
};

}  // namespace onair::app
