// The programme's gain, sample by sample: down to the duck level while an item plays, back
// to 1 afterwards, along straight ramps whose lengths are given in samples, so a ramp of
// duck-attack ms is exactly that many samples of the output.
#pragma once

#include <algorithm>
#include <cstdint>

namespace onair::speech {

class DuckEnvelope {
 public:
  // level in [0, 1]; a full ramp (1 to level or back) takes attack (release) frames; 0 jumps.
  void configure(double level, uint32_t attack_frames, uint32_t release_frames) {
    level_ = std::clamp(level, 0.0, 1.0);
    // The slope is fixed by the full ramp, so a ramp cut short by a new item turns back at
    // the same speed. With level 1 there is nothing to ramp, but a gain left below 1 by an
    // earlier level must still come back: the slopes then span the whole range.
    const double span = level_ < 1.0 ? 1.0 - level_ : 1.0;
    down_ = attack_frames ? span / attack_frames : 2.0;
    up_ = release_frames ? span / release_frames : 2.0;
  }

  // The gain of the next frame, ducked or not. The first frame of a ramp is already one
  // step along it and its last frame reaches the target.
  double next(bool ducked) {
    const double target = ducked ? level_ : 1.0;
    if (gain_ > target)
      gain_ = std::max(target, gain_ - down_);
    else if (gain_ < target)
      gain_ = std::min(target, gain_ + up_);
    return gain_;
  }

  double gain() const { return gain_; }
  // True when the gain is 1 and would stay 1 undisturbed: the programme passes untouched.
  bool at_rest() const { return gain_ == 1.0; }

 private:
  double level_ = 0.2;
  double down_ = 1.0;
  double up_ = 1.0;
  double gain_ = 1.0;
};

}  // namespace onair::speech
