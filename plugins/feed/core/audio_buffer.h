// The sound feedsrc holds between the writer and the output grid: a byte FIFO in whole sample
// frames with a jitter-buffer rule, so a writer that delivers sound in small uneven pieces, or
// only while it speaks, gives one continuous stream without gaps and without growing latency.
//
// Rule: after a gap (the start, or a slot that found less sound than it needed) sound waits
// until `latency` of it is buffered or its first byte has waited `latency`; then every slot
// takes its share in order. A slot that finds less takes what there is and is padded with
// silence; a slot that finds nothing (or is still waiting) is all silence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace onair::feed {

inline constexpr uint64_t kChunksPerSecond = 50;  // 20 ms chunks

// First sample of chunk k: chunks are 20 ms to the sample, without drift at any rate.
inline uint64_t chunk_start(uint64_t k, uint64_t rate) {
  return k * rate / kChunksPerSecond;
}

struct AudioConfig {
  uint64_t rate = 48000;
  uint64_t sample_frame_size = 4;         // bytes: channels * 2 for S16LE
  int64_t latency = 40'000'000;           // ns
  int64_t max_buffered = 30'000'000'000;  // ns
};

class AudioBuffer {
 public:
  explicit AudioBuffer(const AudioConfig &config);

  // Bytes that fit now (max-buffered); the reader reads no more than this.
  uint64_t room() const { return max_bytes_ > size_ ? max_bytes_ - size_ : 0; }
  // Whether a piece of `bytes` may be added now: it fits, or the buffer is empty (so a piece
  // larger than max-buffered cannot wait forever).
  bool can_take(uint64_t bytes) const { return size_ == 0 || size_ + bytes <= max_bytes_; }

  // Sound arrived at running time `arrival` (ns); `n` is a whole number of sample frames.
  void push(const uint8_t *data, size_t n, int64_t arrival);

  struct Taken {
    uint64_t sound = 0;    // bytes of sound written to the front of out
    uint64_t silence = 0;  // bytes of silence (zeros) after it
  };
  // Fills `out` (n bytes, whole sample frames) for the slot that ends at running time `now`.
  Taken take(uint8_t *out, size_t n, int64_t now);

  uint64_t queued() const { return size_; }
  uint64_t max_bytes() const { return max_bytes_; }
  bool playing() const { return playing_; }
  void clear();

 private:
  void grow(size_t need);

  uint64_t latency_bytes_;
  int64_t latency_;
  uint64_t max_bytes_;
  std::vector<uint8_t> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
  bool playing_ = false;
  int64_t first_arrival_ = 0;  // of the sound waiting while not playing
};

}  // namespace onair::feed
