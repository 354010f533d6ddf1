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

void ItemAudio::set_expected_frames(size_t frames) {
  std::lock_guard lock(lock_);
  expected_ = frames;
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

size_t ItemAudio::read(size_t from, size_t max_frames, float *out) {
  std::lock_guard lock(lock_);
  if (channels_ == 0 || from < dropped_) return 0;
  const auto channels = static_cast<size_t>(channels_);
  const size_t held = samples_.size() / channels;
  const size_t skip = std::min(from - dropped_, held);
  samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(skip * channels));
  dropped_ += skip;
  const size_t n = std::min(max_frames, held - skip);
  const auto end = samples_.begin() + static_cast<std::ptrdiff_t>(n * channels);
  std::copy(samples_.begin(), end, out);
  samples_.erase(samples_.begin(), end);
  dropped_ += n;
  return n;
}

size_t ItemAudio::frames_ahead() const {
  std::lock_guard lock(lock_);
  return channels_ ? samples_.size() / static_cast<size_t>(channels_) : 0;
}

ItemAudio::Status ItemAudio::status() const {
  std::lock_guard lock(lock_);
  Status s;
  s.frames = dropped_ + (channels_ ? samples_.size() / static_cast<size_t>(channels_) : 0);
  s.complete = complete_;
  s.failed = failed_;
  s.error = error_;
  s.expected = expected_;
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
