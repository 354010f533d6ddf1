#include "run/readiness.h"

#include "run/status.h"

#include <algorithm>
#include <cstdio>

namespace onair::app {

namespace {

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  return buf;
}

}  // namespace

Readiness decide_readiness(const ReadinessInputs &in, double max_media_age) {
  if (in.state != "playing") return {false, "the pipeline is " + in.state + ", not playing"};
  if (!in.media_age) return {false, "no media has flowed yet"};
  if (*in.media_age > max_media_age)
    return {false, "no media for " + seconds_text(*in.media_age) + " (at most " +
                       seconds_text(max_media_age) + ")"};
  const auto failed =
      static_cast<size_t>(std::count(in.outputs.begin(), in.outputs.end(), std::string("failed")));
  if (!in.outputs.empty() && failed == in.outputs.size())
    return {false, in.outputs.size() == 1
                       ? std::string("the network output failed")
                       : "all " + std::to_string(in.outputs.size()) + " network outputs failed"};
  std::string reason = "playing, media " + seconds_text(*in.media_age) + " ago";
  if (failed > 0)
    reason += ", " + std::to_string(failed) + " of " + std::to_string(in.outputs.size()) +
              " network outputs failed";
  return {true, reason};
}

Readiness decide_ports_readiness(bool stopping, const std::vector<std::string> &previews) {
  if (stopping) return {false, "stopping"};
  const auto running =
      static_cast<size_t>(std::count(previews.begin(), previews.end(), std::string("previewing")));
  if (running == 0)
    return {false, "no preview is running (of " + std::to_string(previews.size()) + " ports)"};
  return {true,
          std::to_string(running) + " of " + std::to_string(previews.size()) + " previews running"};
}

void MediaFlow::observe(uint64_t count, Clock::time_point now) {
  if (count > count_) last_growth_ = now;
  count_ = count;
}

std::optional<double> MediaFlow::age(Clock::time_point now) const {
  if (!last_growth_) return std::nullopt;
  return std::chrono::duration<double>(now - *last_growth_).count();
}

uint64_t media_counter(const Status &status) {
  uint64_t count = 0;
  for (const MonitorFigures &m : status.monitors) count += m.buffers;
  for (const OutputFigures &o : status.outputs) count += o.frames_sent;
  for (const StreamFigures &s : status.streams) count += s.frames_sent;
  for (const InputFigures &i : status.inputs) count += i.frames_received;
  return count;
}

std::string readiness_text(const Readiness &readiness) {
  return (readiness.ready ? "ready: " : "not ready: ") + readiness.reason + "\n";
}

}  // namespace onair::app
