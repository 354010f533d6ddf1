// What the SDI element tests (sdisrc on either card family, GStreamer's decklink elements on
// the fake driver) read of each video frame, and the wait for a frame of interest.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/sdi_modes.h"

namespace onair::element_test {

// A frame's timing, flags and caps; each test's own Frame adds what it reads of the pixels.
struct VideoFrame {
  int64_t pts = 0;
  int64_t duration = 0;
  int width = 0;
  int height = 0;
  int fps_n = 0;
  int fps_d = 1;
  bool interlaced = false;
  std::string format;
  bool gap = false;      // flagged GAP (decklinkvideosrc: the card had no input)
  bool discont = false;  // flagged DISCONT
};

inline void read_video_frame(GstSample *sample, VideoFrame &f) {
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  f.pts = static_cast<int64_t>(GST_BUFFER_PTS(buffer));
  f.duration = static_cast<int64_t>(GST_BUFFER_DURATION(buffer));
  f.gap = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP);
  f.discont = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  GstVideoInfo info;
  if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) {
    f.width = GST_VIDEO_INFO_WIDTH(&info);
    f.height = GST_VIDEO_INFO_HEIGHT(&info);
    f.fps_n = GST_VIDEO_INFO_FPS_N(&info);
    f.fps_d = GST_VIDEO_INFO_FPS_D(&info);
    f.interlaced = GST_VIDEO_INFO_IS_INTERLACED(&info);
    f.format = gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info));
  }
}

// Frames from `pull` until one `wanted` accepts (included), at most `max_frames`; empty, with
// a test failure, when none did.
template <typename Frame>
std::vector<Frame> pull_until(const std::function<std::optional<Frame>()> &pull,
                              const std::function<bool(const Frame &)> &wanted,
                              std::size_t max_frames) {
  std::vector<Frame> frames;
  while (frames.size() < max_frames) {
    std::optional<Frame> f = pull();
    if (!f) break;
    frames.push_back(*f);
    if (wanted(*f)) return frames;
  }
  ADD_FAILURE() << "the awaited frame did not come in " << frames.size() << " frames";
  return {};
}

inline const onair::sdi::SdiMode &sdi_mode(const char *name) {
  const onair::sdi::SdiMode *m = onair::sdi::find_sdi_mode(name);
  EXPECT_NE(m, nullptr) << name;
  static const onair::sdi::SdiMode none{};
  return m ? *m : none;
}

}  // namespace onair::element_test
