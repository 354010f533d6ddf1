#include "sdi_modes.h"

#include <algorithm>
#include <array>

#include "text.h"

namespace onair::sdi {
namespace {

constexpr int kNtsc = 1001;  // denominator of the 23.98/29.97/59.94 family

constexpr std::array kModes = {
    SdiMode{"486i59.94", 720, 486, 30000, kNtsc, true},
    SdiMode{"576i50", 720, 576, 25, 1, true},
    SdiMode{"720p50", 1280, 720, 50, 1, false},
    SdiMode{"720p59.94", 1280, 720, 60000, kNtsc, false},
    SdiMode{"720p60", 1280, 720, 60, 1, false},
    SdiMode{"1080i50", 1920, 1080, 25, 1, true},
    SdiMode{"1080i59.94", 1920, 1080, 30000, kNtsc, true},
    SdiMode{"1080i60", 1920, 1080, 30, 1, true},
    SdiMode{"1080p23.98", 1920, 1080, 24000, kNtsc, false},
    SdiMode{"1080p24", 1920, 1080, 24, 1, false},
    SdiMode{"1080p25", 1920, 1080, 25, 1, false},
    SdiMode{"1080p29.97", 1920, 1080, 30000, kNtsc, false},
    SdiMode{"1080p30", 1920, 1080, 30, 1, false},
    SdiMode{"1080p50", 1920, 1080, 50, 1, false},
    SdiMode{"1080p59.94", 1920, 1080, 60000, kNtsc, false},
    SdiMode{"1080p60", 1920, 1080, 60, 1, false},
    SdiMode{"2160p23.98", 3840, 2160, 24000, kNtsc, false},
    SdiMode{"2160p24", 3840, 2160, 24, 1, false},
    SdiMode{"2160p25", 3840, 2160, 25, 1, false},
    SdiMode{"2160p29.97", 3840, 2160, 30000, kNtsc, false},
    SdiMode{"2160p30", 3840, 2160, 30, 1, false},
    SdiMode{"2160p50", 3840, 2160, 50, 1, false},
    SdiMode{"2160p59.94", 3840, 2160, 60000, kNtsc, false},
    SdiMode{"2160p60", 3840, 2160, 60, 1, false},
};

}  // namespace

int64_t SdiMode::frame_start(int64_t index) const {
  constexpr int64_t kSecond = 1'000'000'000;
  // Split so index * kSecond * fps_d cannot overflow: whole periods of fps_n frames last
  // exactly fps_d seconds, the rest is less than fps_n frames.
  const int64_t periods = index / fps_n;
  const int64_t rest = index % fps_n;
  return periods * fps_d * kSecond + (rest * fps_d * kSecond + fps_n / 2) / fps_n;
}

std::span<const SdiMode> sdi_modes() {
  return kModes;
}

const SdiMode *find_sdi_mode(std::string_view name) {
  const auto found = std::ranges::find_if(
      kModes, [name](const SdiMode &mode) { return same_ignoring_case(mode.name, name); });
  return found == kModes.end() ? nullptr : &*found;
}

ModeRequestParse parse_mode_request(std::string_view text) {
  const std::string_view value = trimmed(text);
  if (same_ignoring_case(value, "auto")) return {ModeRequest{}, {}};
  if (const SdiMode *mode = find_sdi_mode(value)) return {ModeRequest{mode}, {}};
  std::string error = value.empty() ? std::string("empty SDI mode")
                                    : "unknown SDI mode \"" + std::string(value) + "\"";
  error += "; expected auto";
  for (const SdiMode &mode : kModes) error += ", " + std::string(mode.name);
  return {std::nullopt, error};
}

}  // namespace onair::sdi
