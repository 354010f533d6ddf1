#include "no_signal_timeline.h"

#include <array>

#include "text.h"

namespace onair::sdi {
namespace {

constexpr std::array kPolicies = {NoSignalPolicy::slate, NoSignalPolicy::black,
                                  NoSignalPolicy::drop};

}  // namespace

const char *no_signal_policy_name(NoSignalPolicy policy) {
  switch (policy) {
    case NoSignalPolicy::slate:
      return "slate";
    case NoSignalPolicy::black:
      return "black";
    case NoSignalPolicy::drop:
      break;
  }
  return "drop";
}

NoSignalPolicyParse parse_no_signal_policy(std::string_view text) {
  const std::string_view value = trimmed(text);
  for (NoSignalPolicy policy : kPolicies) {
    if (same_ignoring_case(value, no_signal_policy_name(policy))) return {policy, {}};
  }
  std::string error = "unknown no-signal policy \"" + std::string(value) + "\"; expected";
  const char *separator = " ";
  for (NoSignalPolicy policy : kPolicies) {
    error += separator;
    error += no_signal_policy_name(policy);
    separator = ", ";
  }
  return {std::nullopt, error};
}

NoSignalTimeline::NoSignalTimeline(NoSignalPolicy policy) : policy_(policy) {}

void NoSignalTimeline::signal_lost(const SdiMode &fill_mode, int64_t now) {
  if (filling_) return;
  filling_ = true;
  fill_mode_ = &fill_mode;
  fill_origin_ = end_.value_or(now);
  next_filler_ = 0;
}

std::vector<FrameSpan> NoSignalTimeline::fillers_due(int64_t now) {
  std::vector<FrameSpan> due;
  if (!sends_fillers()) return due;
  for (int64_t end = filler_start(next_filler_ + 1); end <= now;
       end = filler_start(next_filler_ + 1)) {
    const int64_t start = filler_start(next_filler_);
    due.push_back({start, end - start});
    end_ = end;
    ++next_filler_;
  }
  return due;
}

std::optional<int64_t> NoSignalTimeline::next_filler_due() const {
  if (!sends_fillers()) return std::nullopt;
  return filler_start(next_filler_ + 1);
}

RealFramePlacement NoSignalTimeline::real_frame(int64_t pts, int64_t duration) {
  RealFramePlacement placement;
  placement.fillers = fillers_due(pts);
  const bool closes_gap = sends_fillers() || resuming_;
  filling_ = false;

  const int64_t end = pts + duration;
  int64_t start = pts;
  // Never backwards; and after fillers, no gap either (less than one filler is left).
  if (end_ && (*end_ > pts || closes_gap)) start = *end_;
  const bool kept = 2 * (end - start) >= duration;
  resuming_ = closes_gap && !kept;  // a dropped first frame leaves closing the gap to the next
  if (!kept) return placement;
  placement.frame = FrameSpan{start, end - start};
  end_ = end;
  return placement;
}

}  // namespace onair::sdi
