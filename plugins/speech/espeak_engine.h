// espeak-ng for every ttsmix in the process. The library keeps one global state (voice,
// parameters, callback), so every use goes through one process-wide lock; a synthesis
// holds it from setting the voice to the last sample.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace onair::speech {

struct SpeechRequest {
  std::string text;
  std::string voice;
  int rate = 175;  // words per minute
  int pitch = 50;  // 0..99
  bool markup = false;
};

// Initialises espeak-ng once for the process (synchronous output: samples come back
// through a callback on the synthesising thread). False, with `error`, when its data is
// missing; the sample rate otherwise.
bool espeak_ready(std::string *error, int *sample_rate);

// True when `voice` (a name, a language like "en-us", or either with a "+variant") names
// one of the installed voices. Reads a list made once, so it never waits for a synthesis.
bool espeak_has_voice(std::string_view voice);

// Synthesises `request`, handing each piece of mono S16 samples at espeak_ready()'s rate to
// `on_samples` as espeak-ng makes it; on_samples returns false to stop early. Returns an
// error sentence, or "" on success (stopped early included).
std::string espeak_synthesize(const SpeechRequest &request,
                              const std::function<bool(const int16_t *, size_t)> &on_samples);

}  // namespace onair::speech
