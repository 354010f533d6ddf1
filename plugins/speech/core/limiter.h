// Keeps the mix below full scale without adding latency.
//
// The ceiling is -1 dBFS, not full scale: the mix usually goes on to a lossy encoder (AAC),
// whose decoded output overshoots the samples it was given by a fraction of a dB, and -1 dB
// true peak is the broadcast limit (EBU R 128) that leaves room for it.
//
// A look-ahead limiter would need to hold back samples, and the element's output must keep
// the input's timeline with no added delay. So the gain reacts on the sample itself: when a
// frame's peak (over its channels, so the stereo image stays put) would pass the ceiling,
// the gain drops at once to exactly what brings it to the ceiling (no sample is ever
// clipped or wrapped), then recovers smoothly (exponentially, `release`) once the peaks
// are gone, so a loud stretch is turned down as a whole instead of being squared off. The
// price of no look-ahead is that a transient's first sample is reduced in one step; that
// step is a gain change, not clipping, and a ducked programme under speech seldom gets
// there. Below the ceiling with the gain recovered, the limiter does nothing at all
// (samples pass bit for bit).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace onair::speech {

class Limiter {
 public:
  static constexpr float kCeiling = 0.891251f;  // -1 dBFS
  static constexpr double kReleaseSeconds = 0.08;

  void configure(int rate) {
    recover_ = 1.0 - std::exp(-1.0 / (kReleaseSeconds * std::max(rate, 1)));
  }

  // Limits `frames` interleaved frames of `channels` in place.
  void process(float *samples, size_t frames, int channels) {
    const auto ch = static_cast<size_t>(channels);
    for (size_t f = 0; f < frames; f++) {
      float *frame = samples + f * ch;
      float peak = 0.0f;
      for (size_t c = 0; c < ch; c++) peak = std::max(peak, std::fabs(frame[c]));
      if (gain_ < 1.0) {
        gain_ += (1.0 - gain_) * recover_;
        if (gain_ > 1.0 - 1e-4) gain_ = 1.0;  // inaudibly close: back to passing bit for bit
      }
      if (peak * gain_ > kCeiling) gain_ = kCeiling / peak;
      if (gain_ == 1.0) continue;
      const auto g = static_cast<float>(gain_);
      for (size_t c = 0; c < ch; c++) frame[c] = std::clamp(frame[c] * g, -kCeiling, kCeiling);
    }
  }

  double gain() const { return gain_; }
  bool at_rest() const { return gain_ == 1.0; }

 private:
  double recover_ = 0.0;
  double gain_ = 1.0;
};

}  // namespace onair::speech
