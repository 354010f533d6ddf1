// Whether a run is ready to serve (GET /readyz, a Kubernetes readiness probe): decided
// from what the status knows, in plain C++ so it is unit-tested without GStreamer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onair::app {

// How long media may stop before a run is no longer ready: a few streammonitor
// reports (one a second) and a keyframe interval.
inline constexpr double kMaxMediaAgeSeconds = 5;

struct Readiness {
  bool ready = false;
  std::string reason;  // one line, said in both cases
};

struct ReadinessInputs {
  std::string state;                 // Status::state: starting, playing, stopping, ...
  std::optional<double> media_age;   // seconds since media last flowed; nullopt: never
  std::vector<std::string> outputs;  // the network outputs' states (resilientrtmpsink)
};

// Ready when the pipeline plays, media flowed within `max_media_age` seconds and at
// least one network output is not failed (a run without network outputs needs none).
Readiness decide_readiness(const ReadinessInputs &in, double max_media_age = kMaxMediaAgeSeconds);

// A per-port run (SDI previews): ready while it is not stopping and at least one
// preview runs ("previewing"); `previews` are their states.
Readiness decide_ports_readiness(bool stopping, const std::vector<std::string> &previews);

// When media last flowed, from a counter that grows while it does (buffers through the
// monitors, frames sent, ...), observed now and then.
class MediaFlow {
 public:
  using Clock = std::chrono::steady_clock;
  void observe(uint64_t count, Clock::time_point now);
  // Seconds since the counter last grew; nullopt when it never did.
  std::optional<double> age(Clock::time_point now) const;

 private:
  uint64_t count_ = 0;
  std::optional<Clock::time_point> last_growth_;
};

struct Status;
// A counter that grows while media flows, from the status: buffers through the
// streammonitors, frames the network outputs and browser streams sent, frames fed in.
// (The runner adds the buffers that reached the sinks.)
uint64_t media_counter(const Status &status);

// "ready: ...\n" or "not ready: ...\n": the body of /readyz.
std::string readiness_text(const Readiness &readiness);

}  // namespace onair::app
