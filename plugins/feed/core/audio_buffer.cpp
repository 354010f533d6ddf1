#include "core/audio_buffer.h"

#include <algorithm>
#include <cstring>

namespace onair::feed {

namespace {

constexpr uint64_t kSecond = 1'000'000'000;

uint64_t bytes_for(int64_t ns, const AudioConfig &c) {
  return static_cast<uint64_t>(ns < 0 ? 0 : ns) * c.rate / kSecond * c.sample_frame_size;
}

}  // namespace

AudioBuffer::AudioBuffer(const AudioConfig &config)
    : latency_bytes_(bytes_for(config.latency, config)),
      latency_(config.latency),
      // At least two chunks, so the reader always has room for a whole read.
      max_bytes_(std::max(bytes_for(config.max_buffered, config),
                          2 * (config.rate / kChunksPerSecond + 1) * config.sample_frame_size)) {}

void AudioBuffer::grow(size_t need) {
  if (need <= ring_.size()) return;
  std::vector<uint8_t> bigger(std::max<size_t>({need, 2 * ring_.size(), 64 * 1024}));
  const size_t first = std::min(size_, ring_.size() - head_);
  std::copy_n(ring_.data() + head_, first, bigger.data());
  std::copy_n(ring_.data(), size_ - first, bigger.data() + first);
  ring_.swap(bigger);
  head_ = 0;
}

void AudioBuffer::push(const uint8_t *data, size_t n, int64_t arrival) {
  if (n == 0) return;
  if (size_ == 0 && !playing_) first_arrival_ = arrival;
  grow(size_ + n);
  const size_t tail = (head_ + size_) % ring_.size();
  const size_t first = std::min(n, ring_.size() - tail);
  std::memcpy(ring_.data() + tail, data, first);
  std::memcpy(ring_.data(), data + first, n - first);
  size_ += n;
}

AudioBuffer::Taken AudioBuffer::take(uint8_t *out, size_t n, int64_t now) {
  if (!playing_ && size_ > 0 && (size_ >= latency_bytes_ || now - first_arrival_ >= latency_))
    playing_ = true;
  Taken taken;
  if (playing_) {
    taken.sound = std::min<uint64_t>(size_, n);
    const size_t first = std::min<size_t>(taken.sound, ring_.size() - head_);
    std::memcpy(out, ring_.data() + head_, first);
    std::memcpy(out + first, ring_.data(), taken.sound - first);
    head_ = (head_ + taken.sound) % ring_.size();
    size_ -= taken.sound;
    // A slot that came up short is a gap: what comes next is buffered again first.
    if (taken.sound < n) playing_ = false;
  }
  taken.silence = n - taken.sound;
  std::memset(out + taken.sound, 0, taken.silence);
  return taken;
}

void AudioBuffer::clear() {
  head_ = 0;
  size_ = 0;
  playing_ = false;
}

}  // namespace onair::feed
