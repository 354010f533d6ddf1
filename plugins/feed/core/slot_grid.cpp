#include "core/slot_grid.h"

#include <limits>

#include "core/audio_buffer.h"

namespace onair::feed {

namespace {

constexpr uint64_t kSecond = 1'000'000'000;

// value * num / denom rounded down without overflowing on the way; the largest value when
// the result does not fit (or denom is 0), as gst_util_uint64_scale() answers.
uint64_t scale(uint64_t value, uint64_t num, uint64_t denom) {
  if (denom == 0) return std::numeric_limits<uint64_t>::max();
  const unsigned __int128 result = static_cast<unsigned __int128>(value) * num / denom;
  if (result > std::numeric_limits<uint64_t>::max()) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(result);
}

}  // namespace

SlotGrid SlotGrid::video(uint64_t fps_n, uint64_t fps_d) {
  SlotGrid grid;
  grid.fps_n_ = fps_n;
  grid.fps_d_ = fps_d;
  return grid;
}

SlotGrid SlotGrid::audio(uint64_t rate) {
  SlotGrid grid;
  grid.video_ = false;
  grid.rate_ = rate;
  return grid;
}

uint64_t SlotGrid::start(uint64_t k) const {
  if (video_) return scale(k, kSecond * fps_d_, fps_n_);
  return scale(chunk_start(k, rate_), kSecond, rate_);
}

uint64_t SlotGrid::at(uint64_t t) const {
  if (video_) return scale(t, fps_n_, kSecond * fps_d_);
  uint64_t k = scale(t, kChunksPerSecond, kSecond);
  // Chunk lengths vary by a sample at rates 50 does not divide: step to the chunk that
  // really holds t.
  while (k > 0 && start(k) > t) --k;
  while (start(k + 1) <= t) ++k;
  return k;
}

uint64_t SlotGrid::length() const {
  return video_ ? start(1) : kSecond / kChunksPerSecond;
}

}  // namespace onair::feed
