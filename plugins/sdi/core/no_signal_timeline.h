// Timestamps while there is no signal. A live stream must not stall when the cable is pulled:
// encoders, HLS and RTMP outputs need buffers at a steady rate. So while the signal is gone
// sdisrc sends filler frames (a "NO SIGNAL" slate or black, with silence on the audio pad) that
// continue exactly where the last real frame ended, at a fixed mode's frame rate (the last mode
// seen, or the configured one). When the signal returns, the first real frame is placed so that
// timestamps neither go backwards nor leave a gap.
//
// All times are running times in ns, as the source stamps its buffers: a frame [pts, pts +
// duration) is captured over that span and handed out once it ends, so a filler is due when
// its end has passed, like a real frame. The audio pad covers the same spans with silence.
//
// In the element: every captured frame goes through real_frame(), which says where it goes
// (and which fillers come first); on losing the signal call signal_lost(), then wait until
// next_filler_due() and send fillers_due(now).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdi_modes.h"

namespace onair::sdi {

// The `no-signal` property: what the source sends while there is no signal.
enum class NoSignalPolicy {
  slate,  // a generated card naming the port, with silence
  black,  // black, with silence
  drop,   // nothing: the stream has a gap until the signal returns
};

// "slate", "black", "drop".
const char *no_signal_policy_name(NoSignalPolicy policy);

struct NoSignalPolicyParse {
  std::optional<NoSignalPolicy> policy;
  std::string error;  // when policy is empty: what was wrong and which values are valid
};

// Parses a `no-signal` property value (case-insensitive, surrounding spaces ignored).
NoSignalPolicyParse parse_no_signal_policy(std::string_view text);

struct FrameSpan {
  int64_t pts = 0;
  int64_t duration = 0;
  int64_t end() const { return pts + duration; }
  bool operator==(const FrameSpan &) const = default;
};

// Where a real frame goes out, and the fillers to send before it.
struct RealFramePlacement {
  std::vector<FrameSpan> fillers;  // whole fillers closing the time up to the frame
  // The frame's span: its own end, its start moved to where the output ends when the signal
  // just returned or it overlaps the previous frame. Empty: drop the frame, less than half of
  // it lies after what has already gone out.
  std::optional<FrameSpan> frame;
};

class NoSignalTimeline {
 public:
  explicit NoSignalTimeline(NoSignalPolicy policy);

  // The signal is gone (or was never there): fillers at `fill_mode`'s frame rate follow the end
  // of the last frame out, or start at `now` when none went out yet. While already filling,
  // nothing changes.
  void signal_lost(const SdiMode &fill_mode, int64_t now);
  // The fillers due by `now` (ended by then), in order, continuing the output. None with the
  // drop policy or while the signal is up.
  std::vector<FrameSpan> fillers_due(int64_t now);
  // When the next filler is due, for a source waiting to send it; empty when none will be.
  std::optional<int64_t> next_filler_due() const;
  // A real frame captured over [pts, pts + duration), duration > 0. Ends filling.
  RealFramePlacement real_frame(int64_t pts, int64_t duration);

  bool filling() const { return filling_; }
  // End of the last frame out, real or filler; empty before the first.
  std::optional<int64_t> end() const { return end_; }
  NoSignalPolicy policy() const { return policy_; }

 private:
  bool sends_fillers() const { return filling_ && policy_ != NoSignalPolicy::drop; }
  // Computed from the index each time, so rounding never accumulates.
  int64_t filler_start(int64_t index) const {
    return fill_origin_ + fill_mode_->frame_start(index);
  }

  NoSignalPolicy policy_;
  std::optional<int64_t> end_;
  bool filling_ = false;
  const SdiMode *fill_mode_ = nullptr;
  int64_t fill_origin_ = 0;  // start of the first filler of this stretch
  int64_t next_filler_ = 0;  // index of the next filler from fill_origin_
  bool resuming_ = false;    // the first real frame after fillers was dropped
};

}  // namespace onair::sdi
