#include "timeline.h"

namespace onair::failover {

int64_t units_to_time(uint64_t count, int64_t num, int64_t den) {
  if (num <= 0 || den <= 0) return 0;
  const unsigned __int128 scaled =
      static_cast<unsigned __int128>(count) * static_cast<uint64_t>(den) * kSecond;
  return static_cast<int64_t>(scaled / static_cast<uint64_t>(num));
}

void OutputCadence::reset(int64_t start, int64_t fps_num, int64_t fps_den) {
  start_ = start;
  if (fps_num <= 0 || fps_den <= 0) {
    fps_num = 30;
    fps_den = 1;
  }
  num_ = fps_num;
  den_ = fps_den;
}

int64_t InputMapping::map(int64_t input, int64_t now) {
  if (!anchored_ || input + offset_ > now + max_ahead_) {
    offset_ = now - input;
    anchored_ = true;
  }
  return input + offset_;
}

}  // namespace onair::failover
