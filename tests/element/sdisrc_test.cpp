// sdisrc on the simulated VideoMaster library, loaded through the real loader
// (ONAIR_VIDEOMASTER_LIBRARY) and driven by ONAIR_FAKE_VIDEOMASTER scenarios. The fake runs on
// its own clock, so the tests wait for buffers and messages, never for a time, and check
// timestamps against the frame numbers the fake writes into each frame.
#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/sdi_modes.h"
#include "element_test.h"
#include "sdi_frames.h"
#include "sdisrc_messages.h"

using namespace onair::element_test;
using onair::BusPtr;
using onair::ElementPtr;
using onair::MessagePtr;
using onair::SamplePtr;
using onair::StructurePtr;
namespace msg = onair::sdisrc_messages;

namespace {

// Only bounds the wait for a broken element: every awaited event comes far sooner.
constexpr GstClockTime kWait = 20 * GST_SECOND;
// Bounds the buffers a test reads while waiting for something to happen (a few seconds' worth).
constexpr std::size_t kMaxBuffers = 1500;

struct Frame : onair::element_test::VideoFrame {
  bool filler = false;       // black, not a frame of the fake
  std::uint64_t number = 0;  // the fake's frame number (real frames)
  int64_t end() const { return pts + duration; }
};

Frame frame_of(GstSample *sample) {
  Frame f;
  onair::element_test::read_video_frame(sample, f);
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    static const std::uint8_t kBlack[8] = {0x80, 0x10, 0x80, 0x10, 0x80, 0x10, 0x80, 0x10};
    f.filler = map.size >= 16 && std::memcmp(map.data, kBlack, sizeof kBlack) == 0;
    // The fake's stamp: due time, then the frame number (see fake_videomaster.cpp).
    if (!f.filler && map.size >= 16) std::memcpy(&f.number, map.data + 8, sizeof f.number);
    gst_buffer_unmap(buffer, &map);
  }
  return f;
}

class SdiSrcTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("ONAIR_VIDEOMASTER_LIBRARY", ONAIR_TEST_FAKE_VIDEOMASTER, 1); }
  void TearDown() override {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    unsetenv("ONAIR_VIDEOMASTER_LIBRARY");
    unsetenv("ONAIR_FAKE_VIDEOMASTER");
  }

  // Plays `sdisrc PROPERTIES ! appsink` on `scenario`; the state change's result.
  GstStateChangeReturn play(const std::string &scenario, const std::string &properties = "") {
    setenv("ONAIR_FAKE_VIDEOMASTER", scenario.c_str(), 1);
    GError *error = nullptr;
    pipeline_.reset(gst_parse_launch(("sdisrc name=src " + properties +
                                      " src.video ! appsink name=sink sync=false " + audio_branch_)
                                         .c_str(),
                                     &error));
    EXPECT_EQ(error, nullptr) << error->message;
    sink_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "sink"));
    bus_.reset(gst_element_get_bus(pipeline_.get()));
    return gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
  }

  std::optional<Frame> pull() {
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(sink_.get()), kWait));
    if (!sample) return std::nullopt;
    return frame_of(sample.get());
  }

  // Frames until one `wanted` accepts (included), at most kMaxBuffers; empty when none did.
  std::vector<Frame> pull_until(const std::function<bool(const Frame &)> &wanted) {
    return onair::element_test::pull_until<Frame>([this] { return pull(); }, wanted, kMaxBuffers);
  }

  // The next sdisrc-error message's structure, or null; errors passed over are kept.
  StructurePtr next_error_message() {
    MessagePtr m = wait_for_message(
        bus_.get(), static_cast<GstMessageType>(GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR), kWait,
        [this](GstMessage *m) {
          if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) errors_ += error_of(m);
          return gst_message_has_name(m, msg::kError);
        });
    return StructurePtr(m ? gst_structure_copy(gst_message_get_structure(m.get())) : nullptr);
  }

  static std::string error_of(GstMessage *m) {
    GError *error = nullptr;
    gst_message_parse_error(m, &error, nullptr);
    std::string text = std::string(error->message) + "\n";
    g_error_free(error);
    return text;
  }

  static std::string warning_of(GstMessage *m) {
    GError *error = nullptr;
    gst_message_parse_warning(m, &error, nullptr);
    std::string text = std::string(error->message) + "\n";
    g_error_free(error);
    return text;
  }

  // Everything posted so far, without waiting: the element messages called `name` (the
  // others are dropped), and the errors' and warnings' text, kept in errors_ and warnings_.
  std::vector<StructurePtr> take(const char *name) {
    std::vector<StructurePtr> out;
    while (MessagePtr m{gst_bus_pop(bus_.get())}) {
      if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ERROR) errors_ += error_of(m.get());
      if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_WARNING) warnings_ += warning_of(m.get());
      if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ELEMENT && gst_message_has_name(m.get(), name))
        out.emplace_back(gst_structure_copy(gst_message_get_structure(m.get())));
    }
    return out;
  }

  // The text of every error posted so far.
  std::string errors() {
    take("");
    return errors_;
  }

  // The text of every warning posted so far.
  std::string warnings() {
    take("");
    return warnings_;
  }

  ElementPtr pipeline_;
  ElementPtr sink_;
  BusPtr bus_;
  std::string errors_;
  std::string warnings_;
  std::string audio_branch_;  // linked to the audio pad when set
};

std::string string_field(const GstStructure *s, const char *name) {
  const char *value = gst_structure_get_string(s, name);
  return value ? value : "<none>";
}

bool locked_field(const GstStructure *s) {
  gboolean locked = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(s, msg::kLocked, &locked));
  return locked;
}

// Real frames' timestamps sit on the mode's exact frame grid, counted by the fake's numbers
// (frames the queue dropped leave whole frames out); consecutive frames touch.
void expect_on_grid(const std::vector<Frame> &frames, const onair::sdi::SdiMode &m) {
  ASSERT_FALSE(frames.empty());
  const Frame &first = frames.front();
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const Frame &f = frames[i];
    ASSERT_FALSE(f.filler) << i;
    const auto index = static_cast<int64_t>(f.number - first.number);
    // Within a nanosecond: the element counts from its run's first frame, which may come
    // before `first`, and frame_start() rounds.
    EXPECT_NEAR(f.pts - first.pts, m.frame_start(index), 1) << "frame " << i;
    EXPECT_NEAR(f.duration, m.frame_duration(), 1) << "frame " << i;
    if (f.number == frames[i - 1].number + 1) {
      EXPECT_EQ(f.pts, frames[i - 1].end()) << i;
    }
  }
}

// An audio buffer's S16LE samples, interleaved as they came.
std::vector<gint16> samples_of(GstBuffer *buffer) {
  std::vector<gint16> samples(gst_buffer_get_size(buffer) / sizeof(gint16));
  gst_buffer_extract(buffer, 0, samples.data(), samples.size() * sizeof(gint16));
  return samples;
}

// How often `channel` of `channels` changes sign (zeros skipped): 2 per cycle of a tone.
int sign_changes(const std::vector<gint16> &samples, std::size_t channels, std::size_t channel) {
  int changes = 0, last_sign = 0;
  for (std::size_t at = channel; at < samples.size(); at += channels) {
    const int sign = (samples[at] > 0) - (samples[at] < 0);
    if (sign != 0 && last_sign != 0 && sign != last_sign) ++changes;
    if (sign != 0) last_sign = sign;
  }
  return changes;
}

void expect_continuous(const std::vector<Frame> &frames) {
  for (std::size_t i = 1; i < frames.size(); ++i)
    EXPECT_EQ(frames[i].pts, frames[i - 1].end())
        << "frame " << i << (frames[i].filler ? " (filler)" : "") << " after "
        << (frames[i - 1].filler ? "a filler" : "a frame");
}

}  // namespace

TEST_F(SdiSrcTest, NegotiatesTheIncomingMode) {
  struct Case {
    const char *mode;
    int width, height, fps_n, fps_d;
    bool interlaced;
  };
  for (const Case &c :
       {Case{"1080i50", 1920, 1080, 25, 1, true}, Case{"720p59.94", 1280, 720, 60000, 1001, false},
        Case{"1080p25", 1920, 1080, 25, 1, false}}) {
    SCOPED_TRACE(c.mode);
    ASSERT_EQ(play(std::string("signal=") + c.mode), GST_STATE_CHANGE_ASYNC);
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->format, "UYVY");
    EXPECT_EQ(f->width, c.width);
    EXPECT_EQ(f->height, c.height);
    EXPECT_EQ(f->fps_n, c.fps_n);
    EXPECT_EQ(f->fps_d, c.fps_d);
    EXPECT_EQ(f->interlaced, c.interlaced);
    EXPECT_FALSE(f->filler);
    // Posted before the first frame went out: opened without signal, then locked.
    std::vector<StructurePtr> signal = take(msg::kSignal);
    ASSERT_EQ(signal.size(), 2u);
    EXPECT_FALSE(locked_field(signal[0].get()));
    EXPECT_TRUE(locked_field(signal[1].get()));
    EXPECT_EQ(string_field(signal[1].get(), msg::kMode), c.mode);
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }
}

TEST_F(SdiSrcTest, FramesRunAtTheModesRate) {
  ASSERT_EQ(play("signal=720p59.94"), GST_STATE_CHANGE_ASYNC);
  std::vector<Frame> frames;
  for (int i = 0; i < 60; ++i) {
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    frames.push_back(*f);
  }
  expect_on_grid(frames, sdi_mode("720p59.94"));
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, SignalLossSendsBlackThenTheSignalComesBack) {
  ASSERT_EQ(play("signal=720p50;lost_at=0.4;back_at=1.0", "no-signal=black"),
            GST_STATE_CHANGE_ASYNC);
  std::vector<Frame> frames = pull_until([](const Frame &f) { return f.filler; });
  ASSERT_FALSE(frames.empty());
  std::vector<Frame> rest = pull_until([](const Frame &f) { return !f.filler; });
  ASSERT_FALSE(rest.empty());
  frames.insert(frames.end(), rest.begin(), rest.end());
  for (int i = 0; i < 10; ++i) {
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->filler);
    frames.push_back(*f);
  }
  ASSERT_FALSE(frames.front().filler);
  // Fillers have the last mode's size and rate, and continue the timestamps exactly; the
  // signal's return needs no restart.
  std::size_t fillers = 0;
  for (const Frame &f : frames) {
    EXPECT_EQ(f.width, 1280);
    EXPECT_EQ(f.fps_n, 50);
    if (f.filler) {
      ++fillers;
      EXPECT_EQ(f.duration, sdi_mode("720p50").frame_duration());
    }
  }
  EXPECT_GE(fillers, 1u);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const bool dropped =
        !frames[i].filler && !frames[i - 1].filler && frames[i].number != frames[i - 1].number + 1;
    if (dropped)
      EXPECT_GT(frames[i].pts, frames[i - 1].end()) << i;
    else
      EXPECT_EQ(frames[i].pts, frames[i - 1].end()) << i;
  }

  std::vector<StructurePtr> signal = take(msg::kSignal);
  ASSERT_EQ(signal.size(), 4u);  // opened, locked, lost, locked again
  EXPECT_TRUE(locked_field(signal[1].get()));
  EXPECT_FALSE(locked_field(signal[2].get()));
  EXPECT_EQ(string_field(signal[2].get(), msg::kMode), "720p50");
  EXPECT_TRUE(locked_field(signal[3].get()));
  EXPECT_EQ(string_field(signal[3].get(), msg::kMode), "720p50");
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, DropSendsNothingWhileTheSignalIsLost) {
  ASSERT_EQ(play("signal=720p50;lost_at=0.4;back_at=0.8", "no-signal=drop"),
            GST_STATE_CHANGE_ASYNC);
  // The first frame is DISCONT too, as every stream's first buffer.
  std::size_t pulled = 0;
  std::vector<Frame> frames =
      pull_until([&pulled](const Frame &f) { return ++pulled > 1 && f.discont; });
  ASSERT_GE(frames.size(), 2u);
  for (const Frame &f : frames) EXPECT_FALSE(f.filler);
  const Frame &back = frames.back();
  const Frame &before = frames[frames.size() - 2];
  // The gap is the time without signal, in whole frames of the fake's count.
  EXPECT_GT(back.pts, before.end());
  std::vector<StructurePtr> signal = take(msg::kSignal);
  ASSERT_EQ(signal.size(), 4u);
  EXPECT_FALSE(locked_field(signal[2].get()));
  EXPECT_TRUE(locked_field(signal[3].get()));
}

// The default: a NO SIGNAL card naming the port, the same in every filler, then the signal.
TEST_F(SdiSrcTest, SignalLossShowsTheSlateByDefault) {
  ASSERT_EQ(play("signal=720p50;lost_at=0.3;back_at=0.8", "port=1"), GST_STATE_CHANGE_ASYNC);
  std::vector<std::vector<std::uint8_t>> slates;
  bool real_before = false, real_after = false;
  while (!real_after) {
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(sink_.get()), kWait));
    ASSERT_TRUE(sample);
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_READ));
    const std::vector<std::uint8_t> pixels(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
    // The fake stamps its frames' first 16 bytes; the slate's corner is its dark background.
    const bool slate =
        pixels[0] == pixels[4] && pixels[1] == pixels[3] && pixels[1] < 0x30 && pixels[1] > 0x10;
    if (slate && real_before) slates.push_back(pixels);
    if (!slate) (slates.empty() ? real_before : real_after) = true;
  }
  ASSERT_FALSE(slates.empty());
  for (const auto &s : slates) EXPECT_TRUE(s == slates.front());
  // Its middle band holds the white lettering, on the red bar.
  const std::size_t stride = 1280 * 2;
  std::size_t bright = 0, red = 0;
  for (std::size_t y = 720 * 3 / 8; y < 720 * 5 / 8; ++y)
    for (std::size_t x = 0; x < 1280; x += 2) {
      const std::uint8_t *p = slates.front().data() + y * stride + x * 2;
      bright += p[1] > 200;
      red += p[2] > 160;
    }
  EXPECT_GT(bright, 1000u);
  EXPECT_GT(red, 1000u);
  EXPECT_EQ(errors(), "");
}

// Ten bits: v210 caps and frames of v210's size; the slate in v210 too while the signal is lost.
TEST_F(SdiSrcTest, DepthTenCapturesV210) {
  ASSERT_EQ(play("signal=720p50;lost_at=0.3;back_at=0.6", "depth=10"), GST_STATE_CHANGE_ASYNC);
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_v210, 1280, 720);
  bool real = false, slate = false, real_again = false;
  while (!real_again) {
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(sink_.get()), kWait));
    ASSERT_TRUE(sample);
    EXPECT_EQ(frame_of(sample.get()).format, "v210");
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    ASSERT_EQ(gst_buffer_get_size(buffer), GST_VIDEO_INFO_SIZE(&info));
    // The slate's middle row crosses its red bar: v210's first word there holds Cr > 640.
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_READ));
    const std::size_t middle =
        360 * static_cast<std::size_t>(GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
    std::uint32_t word = 0;
    std::memcpy(&word, map.data + middle, sizeof word);
    gst_buffer_unmap(buffer, &map);
    const bool is_slate = ((word >> 20) & 0x3ff) > 640;
    if (!is_slate) (slate ? real_again : real) = true;
    if (is_slate && real) slate = true;
  }
  EXPECT_TRUE(slate);
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, AFixedModeFillsFromTheStartWithoutSignal) {
  ASSERT_EQ(play("signal=none", "mode=1080i50 no-signal=black"), GST_STATE_CHANGE_ASYNC);
  std::vector<Frame> frames;
  for (int i = 0; i < 5; ++i) {
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->filler);
    EXPECT_EQ(f->width, 1920);
    EXPECT_TRUE(f->interlaced);
    EXPECT_EQ(f->duration, sdi_mode("1080i50").frame_duration());
    frames.push_back(*f);
  }
  expect_continuous(frames);
}

TEST_F(SdiSrcTest, AnotherModeThanTheFixedOneCountsAsNoSignal) {
  ASSERT_EQ(play("signal=720p50", "mode=1080i50 no-signal=black"), GST_STATE_CHANGE_ASYNC);
  std::vector<Frame> frames;
  for (int i = 0; i < 5; ++i) {
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->filler);
    EXPECT_EQ(f->width, 1920);
    frames.push_back(*f);
  }
  expect_continuous(frames);
  MessagePtr warning = wait_for_message(bus_.get(), GST_MESSAGE_WARNING, kWait);
  ASSERT_TRUE(warning);
  GError *error = nullptr;
  gst_message_parse_warning(warning.get(), &error, nullptr);
  EXPECT_NE(std::string(error->message).find("receives 720p50, not the 1080i50 asked for"),
            std::string::npos)
      << error->message;
  g_error_free(error);
}

TEST_F(SdiSrcTest, TheVideoSourceWorksAlone) {
  setenv("ONAIR_FAKE_VIDEOMASTER", "signal=1080p25", 1);
  GError *error = nullptr;
  pipeline_.reset(gst_parse_launch("sdivideosrc ! appsink name=sink sync=false", &error));
  ASSERT_EQ(error, nullptr);
  sink_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "sink"));
  bus_.reset(gst_element_get_bus(pipeline_.get()));
  ASSERT_EQ(gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_ASYNC);
  std::optional<Frame> f = pull();
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->filler);
  EXPECT_EQ(f->width, 1920);
  EXPECT_EQ(f->fps_n, 25);
}

TEST_F(SdiSrcTest, AFormatChangeRenegotiatesAndTheStreamGoesOn) {
  ASSERT_EQ(play("signal=1080i50;change_at=0.4;change_to=720p59.94", "no-signal=black"),
            GST_STATE_CHANGE_ASYNC);
  std::vector<Frame> frames =
      pull_until([](const Frame &f) { return !f.filler && f.width == 1280; });
  ASSERT_GE(frames.size(), 2u);
  for (int i = 0; i < 10; ++i) {
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    frames.push_back(*f);
  }
  EXPECT_EQ(frames.front().width, 1920);
  EXPECT_TRUE(frames.front().interlaced);
  std::vector<Frame> after;
  for (const Frame &f : frames) {
    if (f.width == 1280) {
      EXPECT_FALSE(f.interlaced);
      EXPECT_EQ(f.fps_n, 60000);
      EXPECT_EQ(f.fps_d, 1001);
      if (!after.empty() || !f.filler) after.push_back(f);
    }
    if (!after.empty()) {
      EXPECT_EQ(f.width, 1280) << "back to the old mode";
    }
  }
  // The old mode's fillers close the restart's gap; the new mode's frames follow on.
  expect_continuous(frames);
  std::vector<Frame> tail(after.begin() + 1, after.end());
  expect_on_grid(tail, sdi_mode("720p59.94"));

  std::vector<StructurePtr> format = take(msg::kFormat);
  ASSERT_EQ(format.size(), 1u);
  EXPECT_EQ(string_field(format[0].get(), msg::kMode), "720p59.94");
  EXPECT_EQ(string_field(format[0].get(), msg::kPreviousMode), "1080i50");
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, ABusyPortIsRetried) {
  ASSERT_EQ(play("busy=0.0", "no-signal=black"), GST_STATE_CHANGE_ASYNC);
  for (guint attempt = 1; attempt <= 2; ++attempt) {
    StructurePtr error = next_error_message();
    ASSERT_TRUE(error);
    EXPECT_EQ(string_field(error.get(), msg::kKind), "busy");
    gboolean retrying = FALSE;
    guint counted = 0;
    EXPECT_TRUE(gst_structure_get_boolean(error.get(), msg::kRetrying, &retrying));
    EXPECT_TRUE(retrying);
    EXPECT_TRUE(gst_structure_get_uint(error.get(), msg::kAttempt, &counted));
    EXPECT_EQ(counted, attempt);
    EXPECT_NE(string_field(error.get(), msg::kDetail).find("RX0"), std::string::npos);
  }
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, AVanishedCardIsReopenedWithBlackMeanwhile) {
  // The fake's board fails every call 0.3 s after each opening: the element reopens it.
  ASSERT_EQ(play("signal=720p50;gone_at=0.3", "no-signal=black"), GST_STATE_CHANGE_ASYNC);
  std::vector<Frame> frames = pull_until([](const Frame &f) { return f.filler; });
  ASSERT_FALSE(frames.empty());
  std::vector<Frame> rest = pull_until([](const Frame &f) { return !f.filler; });
  ASSERT_FALSE(rest.empty());
  frames.insert(frames.end(), rest.begin(), rest.end());
  for (std::size_t i = 1; i < frames.size(); ++i) {
    if (frames[i].filler || frames[i - 1].filler) {
      EXPECT_EQ(frames[i].pts, frames[i - 1].end()) << i;
    }
  }
  std::vector<StructurePtr> error_messages = take(msg::kError);
  ASSERT_GE(error_messages.size(), 1u);
  EXPECT_EQ(string_field(error_messages[0].get(), msg::kKind), "gone");
  gboolean retrying = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(error_messages[0].get(), msg::kRetrying, &retrying));
  EXPECT_TRUE(retrying);
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, TheAudioPadCarriesTheToneWhileLockedAndSilenceWhileLost) {
  audio_branch_ = "src.audio ! appsink name=audio sync=false";
  ASSERT_EQ(play("signal=720p50;lost_at=0.2;back_at=0.5", "audio-channels=2 no-signal=black"),
            GST_STATE_CHANGE_ASYNC);
  ElementPtr audio(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "audio"));
  constexpr int64_t kSample = GST_SECOND / 48000 + 1;
  int64_t audio_end = -1;
  std::size_t fillers = 0, tones_after_loss = 0;
  for (int i = 0; i < 60; ++i) {
    std::optional<Frame> video = pull();
    ASSERT_TRUE(video);
    fillers += video->filler;
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(audio.get()), kWait));
    ASSERT_TRUE(sample);
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    const auto pts = static_cast<int64_t>(GST_BUFFER_PTS(buffer));
    const auto end = pts + static_cast<int64_t>(GST_BUFFER_DURATION(buffer));
    // The frame's span, to the nearest sample, and no gap between buffers.
    EXPECT_NEAR(pts, video->pts, kSample) << i;
    EXPECT_NEAR(end, video->end(), kSample) << i;
    if (audio_end >= 0) {
      EXPECT_EQ(pts, audio_end) << i;
    }
    audio_end = end;
    GstAudioInfo info;
    ASSERT_TRUE(gst_audio_info_from_caps(&info, gst_sample_get_caps(sample.get())));
    EXPECT_EQ(GST_AUDIO_INFO_RATE(&info), 48000);
    EXPECT_EQ(GST_AUDIO_INFO_CHANNELS(&info), 2);
    const std::vector<gint16> samples = samples_of(buffer);
    EXPECT_EQ(static_cast<int64_t>(samples.size() / 2),
              gst_util_uint64_scale_round(end, 48000, GST_SECOND) -
                  gst_util_uint64_scale_round(pts, 48000, GST_SECOND))
        << i;
    if (video->filler) {
      EXPECT_TRUE(std::all_of(samples.begin(), samples.end(), [](gint16 v) { return v == 0; }))
          << i;
    } else {
      // The fake's tones, 1 and 2 kHz, 2 sign changes per cycle over the frame's 960 samples
      // (fewer when the frame's span is shorter, as the first one after the return can be).
      const auto toned = static_cast<int>(std::min<std::size_t>(samples.size() / 2, 960));
      EXPECT_NEAR(sign_changes(samples, 2, 0), 2 * 1000 * toned / 48000, 2) << i;
      EXPECT_NEAR(sign_changes(samples, 2, 1), 2 * 2000 * toned / 48000, 2) << i;
      tones_after_loss += fillers > 0;
    }
  }
  EXPECT_GE(fillers, 1u);
  EXPECT_GE(tones_after_loss, 1u);
  EXPECT_EQ(errors(), "");
  EXPECT_EQ(warnings(), "");
}

TEST_F(SdiSrcTest, WithoutTheAudioFunctionTheAudioPadIsSilentAfterOneWarning) {
  setenv("ONAIR_VIDEOMASTER_LIBRARY", ONAIR_TEST_FAKE_VIDEOMASTER_WITHOUT_AUDIO, 1);
  audio_branch_ = "src.audio ! appsink name=audio sync=false";
  ASSERT_EQ(play("signal=720p50", "audio-channels=2"), GST_STATE_CHANGE_ASYNC);
  ElementPtr audio(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "audio"));
  for (int i = 0; i < 10; ++i) {
    std::optional<Frame> video = pull();
    ASSERT_TRUE(video);
    EXPECT_FALSE(video->filler) << i;
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(audio.get()), kWait));
    ASSERT_TRUE(sample);
    const std::vector<gint16> samples = samples_of(gst_sample_get_buffer(sample.get()));
    EXPECT_FALSE(samples.empty());
    EXPECT_TRUE(std::all_of(samples.begin(), samples.end(), [](gint16 v) { return v == 0; })) << i;
  }
  // One warning, naming the function that is missing.
  const std::string text = warnings();
  EXPECT_NE(text.find("VHD_SlotExtractAudio"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(errors(), "");
}

TEST_F(SdiSrcTest, ABusyPortIsNotAnotherPort) {
  ASSERT_EQ(play("busy=0.0;signal=720p50", "port=1"), GST_STATE_CHANGE_ASYNC);
  std::optional<Frame> f = pull();
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->filler);
  EXPECT_TRUE(take(msg::kError).empty());
}

TEST_F(SdiSrcTest, NoBoardIsAnError) {
  // start() failed: everything was posted by the time the state change returned.
  EXPECT_EQ(play("boards=0"), GST_STATE_CHANGE_FAILURE);
  std::vector<StructurePtr> error_messages = take(msg::kError);
  EXPECT_NE(errors().find("No DELTACAST card 0 port RX0"), std::string::npos);
  ASSERT_EQ(error_messages.size(), 1u);
  EXPECT_EQ(string_field(error_messages[0].get(), msg::kKind), "not-found");
  gboolean retrying = TRUE;
  EXPECT_TRUE(gst_structure_get_boolean(error_messages[0].get(), msg::kRetrying, &retrying));
  EXPECT_FALSE(retrying);
}

TEST_F(SdiSrcTest, NoLibraryNamesTheLibraryAndTheVariable) {
  setenv("ONAIR_VIDEOMASTER_LIBRARY", "/nonexistent/libvideomasterhd.so", 1);
  EXPECT_EQ(play("signal=1080i50"), GST_STATE_CHANGE_FAILURE);
  std::vector<StructurePtr> error_messages = take(msg::kError);
  const std::string text = errors();
  EXPECT_NE(text.find("libvideomasterhd.so"), std::string::npos) << text;
  EXPECT_NE(text.find("ONAIR_VIDEOMASTER_LIBRARY"), std::string::npos) << text;
  ASSERT_EQ(error_messages.size(), 1u);
  EXPECT_EQ(string_field(error_messages[0].get(), msg::kKind), "library-missing");
}

// This process has no DeckLink driver (sdisrc_decklink_test.cpp runs on the simulated one).
TEST_F(SdiSrcTest, DeckLinkWithoutItsDriverSaysWhatIsMissing) {
  EXPECT_EQ(play("signal=1080i50", "backend=decklink"), GST_STATE_CHANGE_FAILURE);
  const std::vector<StructurePtr> error_messages = take(msg::kError);
  EXPECT_NE(errors().find("libDeckLinkAPI.so"), std::string::npos);
  ASSERT_EQ(error_messages.size(), 1u);
  EXPECT_EQ(string_field(error_messages[0].get(), msg::kKind), "library-missing");
}

TEST_F(SdiSrcTest, AnUnknownModeIsASettingsError) {
  EXPECT_EQ(play("signal=1080i50", "mode=1080x50"), GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(errors().find("1080x50"), std::string::npos);
}

TEST_F(SdiSrcTest, DevicesListsEveryPort) {
  setenv("ONAIR_FAKE_VIDEOMASTER", "boards=1;ports=2;signal=1080i50;signal.0.1=none", 1);
  ElementPtr src(gst_element_factory_make("sdisrc", nullptr));
  ASSERT_TRUE(src);
  gst_object_ref_sink(src.get());
  gchar **devices = nullptr;
  g_object_get(src.get(), "devices", &devices, nullptr);
  ASSERT_NE(devices, nullptr);
  ASSERT_EQ(g_strv_length(devices), 2u);
  StructurePtr first(gst_structure_from_string(devices[0], nullptr));
  StructurePtr second(gst_structure_from_string(devices[1], nullptr));
  g_strfreev(devices);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(string_field(first.get(), "backend"), "deltacast");
  EXPECT_EQ(string_field(first.get(), "mode"), "1080i50");
  guint port = 99;
  EXPECT_TRUE(gst_structure_get_uint(second.get(), "port", &port));
  EXPECT_EQ(port, 1u);
  EXPECT_EQ(string_field(second.get(), "mode"), "");
}
