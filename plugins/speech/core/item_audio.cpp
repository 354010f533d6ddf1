#include "item_audio.h"

#include <algorithm>
#include <utility>

namespace onair::speech {

bool ItemAudio::set_channels(int channels) {
  std::lock_guard lock(lock_);
  if (channels_ == 0) channels_ = channels;
  return channels_ == channels;
}

int ItemAudio::channels() const {
  std::lock_guard lock(lock_);
  return channels_;
}

void ItemAudio::append(const float *samples, size_t frames) {
  std::lock_guard lock(lock_);
  if (complete_ || failed_ || channels_ == 0) return;
  samples_.insert(samples_.end(), samples, samples + frames * static_cast<size_t>(channels_));
}

void ItemAudio::finish() {
  std::lock_guard lock(lock_);
  if (!failed_) complete_ = true;
}

void ItemAudio::fail(std::string error) {
  std::lock_guard lock(lock_);
  if (complete_ || failed_) return;
  failed_ = true;
  error_ = std::move(error);
}

size_t ItemAudio::read(size_t from, size_t max_frames, float *out) const {
  std::lock_guard lock(lock_);
  if (channels_ == 0) return 0;
  const auto channels = static_cast<size_t>(channels_);
  const size_t frames = samples_.size() / channels;
  if (from >= frames) return 0;
  const size_t n = std::min(max_frames, frames - from);
  const auto begin = samples_.begin() + static_cast<std::ptrdiff_t>(from * channels);
  std::copy(begin, begin + static_cast<std::ptrdiff_t>(n * channels), out);
  return n;
}

ItemAudio::Status ItemAudio::status() const {
  std::lock_guard lock(lock_);
  Status s;
  s.frames = channels_ ? samples_.size() / static_cast<size_t>(channels_) : 0;
  s.complete = complete_;
  s.failed = failed_;
  s.error = error_;
  return s;
}

void ItemAudio::cancel() {
  std::lock_guard lock(lock_);
  cancelled_ = true;
}

bool ItemAudio::cancelled() const {
  std::lock_guard lock(lock_);
  return cancelled_;
}

}  // namespace onair::speech
