// sdisrc's DeckLink family on the simulated DeckLink driver (tests/fakes/decklink, found on
// LD_LIBRARY_PATH as the real libDeckLinkAPI.so would be), through GStreamer's own
// decklinkvideosrc and decklinkaudiosrc. No VideoMaster library here, so backend=auto finds
// the DeckLink inputs. GStreamer lists DeckLink devices once per process: every scenario names
// the same devices.
#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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
constexpr std::size_t kMaxBuffers = 500;
const std::string kDevices = "devices=2;model=DeckLink Duo 2 (simulated);";

struct Frame : onair::element_test::VideoFrame {
  bool black = false;
  bool red_middle = false;  // the slate's bar across the middle (UYVY: Cr well above 128)
};

Frame frame_of(GstSample *sample) {
  Frame f;
  onair::element_test::read_video_frame(sample, f);
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    // sdisrc's black (UYVY, or v210's first word: Cb 512, Y 64, Cr 512).
    static const uint8_t kUyvyBlack[4] = {0x80, 0x10, 0x80, 0x10};
    static const uint8_t kV210Black[4] = {0x00, 0x02, 0x01, 0x20};
    f.black = map.size >= 4 && (std::memcmp(map.data, kUyvyBlack, 4) == 0 ||
                                std::memcmp(map.data, kV210Black, 4) == 0);
    if (f.format == "UYVY" && f.width > 0) {
      const std::size_t middle = map.size / 2 / (f.width * 2) * (f.width * 2);
      f.red_middle = map.data[middle + 2] > 160;
    }
    gst_buffer_unmap(buffer, &map);
  }
  return f;
}

std::string string_field(const GstStructure *s, const char *name) {
  const char *value = gst_structure_get_string(s, name);
  return value ? value : "<none>";
}

bool have_decklink_plugin() {
  GstElementFactory *factory = gst_element_factory_find("decklinkvideosrc");
  if (factory) gst_object_unref(factory);
  return factory != nullptr;
}

class SdiSrcDeckLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_decklink_plugin()) GTEST_SKIP() << "GStreamer's decklink plugin is not installed";
    unsetenv("ONAIR_VIDEOMASTER_LIBRARY");
  }
  void TearDown() override {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    unsetenv("ONAIR_FAKE_DECKLINK");
  }

  GstStateChangeReturn play(const std::string &scenario, const std::string &properties = "") {
    setenv("ONAIR_FAKE_DECKLINK", (kDevices + scenario).c_str(), 1);
    GError *error = nullptr;
    pipeline_.reset(gst_parse_launch(("sdisrc name=src " + properties +
                                      " src.video ! appsink name=vsink sync=false "
                                      "src.audio ! appsink name=asink sync=false")
                                         .c_str(),
                                     &error));
    EXPECT_EQ(error, nullptr) << (error ? error->message : "");
    video_sink_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "vsink"));
    audio_sink_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "asink"));
    bus_.reset(gst_element_get_bus(pipeline_.get()));
    return gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
  }

  std::optional<Frame> pull() {
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(video_sink_.get()), kWait));
    while (SamplePtr audio{gst_app_sink_try_pull_sample(GST_APP_SINK(audio_sink_.get()), 0)}) {
      GstBuffer *buffer = gst_sample_get_buffer(audio.get());
      audio_spans_.push_back({GST_BUFFER_OFFSET(buffer), GST_BUFFER_OFFSET_END(buffer)});
    }
    if (!sample) return std::nullopt;
    return frame_of(sample.get());
  }

  // Frames until one `wanted` accepts (included), at most kMaxBuffers; empty when none did.
  std::vector<Frame> pull_until(const std::function<bool(const Frame &)> &wanted) {
    return onair::element_test::pull_until<Frame>([this] { return pull(); }, wanted, kMaxBuffers);
  }

  // Moves the bus's messages to element_messages_ and errors_.
  void read_bus() {
    while (MessagePtr m{gst_bus_pop(bus_.get())}) {
      if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ERROR) {
        GError *error = nullptr;
        gst_message_parse_error(m.get(), &error, nullptr);
        errors_ += std::string(error->message) + "\n";
        g_error_free(error);
      }
      if (GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_ELEMENT)
        element_messages_.emplace_back(gst_structure_copy(gst_message_get_structure(m.get())));
    }
  }

  // The element messages called `name` posted so far.
  std::vector<StructurePtr> take(const char *name) {
    read_bus();
    std::vector<StructurePtr> out;
    for (const StructurePtr &s : element_messages_)
      if (gst_structure_has_name(s.get(), name)) out.emplace_back(gst_structure_copy(s.get()));
    return out;
  }

  // The sdisrc-* messages so far, in order, each as "signal locked|lost", "format MODE" or
  // "error KIND retrying|fatal".
  std::vector<std::string> health() {
    read_bus();
    std::vector<std::string> out;
    for (const StructurePtr &s : element_messages_) {
      gboolean flag = FALSE;
      if (gst_structure_has_name(s.get(), msg::kSignal)) {
        gst_structure_get_boolean(s.get(), msg::kLocked, &flag);
        out.push_back(std::string("signal ") + (flag ? "locked" : "lost"));
      } else if (gst_structure_has_name(s.get(), msg::kFormat)) {
        out.push_back("format " + string_field(s.get(), msg::kMode));
      } else if (gst_structure_has_name(s.get(), msg::kError)) {
        gst_structure_get_boolean(s.get(), msg::kRetrying, &flag);
        out.push_back("error " + string_field(s.get(), msg::kKind) +
                      (flag ? " retrying" : " fatal"));
      }
    }
    return out;
  }

  // Frames, continuing `frames`, until `wanted` accepts one after `count` sdisrc-error messages
  // came (at most kMaxBuffers).
  void pull_past_errors(std::vector<Frame> &frames, std::size_t count,
                        const std::function<bool(const Frame &)> &wanted) {
    for (std::size_t i = 0; i < kMaxBuffers; ++i) {
      std::optional<Frame> f = pull();
      ASSERT_TRUE(f);
      frames.push_back(*f);
      if (take(msg::kError).size() >= count && wanted(*f)) return;
    }
    FAIL() << "no awaited frame after " << count << " errors";
  }

  ElementPtr pipeline_;
  ElementPtr video_sink_;
  ElementPtr audio_sink_;
  BusPtr bus_;
  std::string errors_;
  std::vector<StructurePtr> element_messages_;
  std::vector<std::pair<guint64, guint64>> audio_spans_;  // offsets of each audio buffer
};

// Each frame starts where the one before ended: no gap, no step back.
void expect_continuous(const std::vector<Frame> &frames) {
  for (std::size_t i = 1; i < frames.size(); ++i)
    EXPECT_EQ(frames[i].pts, frames[i - 1].pts + frames[i - 1].duration) << "frame " << i;
}

void expect_continuous(const std::vector<std::pair<guint64, guint64>> &spans) {
  for (std::size_t i = 1; i < spans.size(); ++i)
    EXPECT_EQ(spans[i].first, spans[i - 1].second) << "audio buffer " << i;
}

TEST_F(SdiSrcDeckLinkTest, AutoFindsTheDeckLinkInputAndReportsTheLock) {
  ASSERT_NE(play("signal=1080i50"), GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> frames = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().width, 1920);
  EXPECT_TRUE(frames.back().interlaced);
  EXPECT_EQ(frames.back().format, "v210");
  MessagePtr locked = wait_for_message(bus_.get(), GST_MESSAGE_ELEMENT, kWait, [](GstMessage *m) {
    gboolean is_locked = FALSE;
    return gst_message_has_name(m, msg::kSignal) &&
           gst_structure_get_boolean(gst_message_get_structure(m), msg::kLocked, &is_locked) &&
           is_locked;
  });
  ASSERT_TRUE(locked);
  EXPECT_EQ(string_field(gst_message_get_structure(locked.get()), msg::kMode), "1080i50");
}

TEST_F(SdiSrcDeckLinkTest, TheAudioPadCarriesTheCardsEmbeddedAudio) {
  ASSERT_NE(play("signal=1080i50;tone=1000", "backend=decklink audio-channels=2"),
            GST_STATE_CHANGE_FAILURE);
  double peak = 0;
  GstAudioInfo info;
  for (int i = 0; i < 50 && peak == 0; ++i) {
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(audio_sink_.get()), kWait));
    ASSERT_TRUE(sample);
    ASSERT_TRUE(gst_audio_info_from_caps(&info, gst_sample_get_caps(sample.get())));
    ASSERT_EQ(GST_AUDIO_INFO_FORMAT(&info), GST_AUDIO_FORMAT_S16LE);
    GstMapInfo map;
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    ASSERT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_READ));
    for (std::size_t at = 0; at + 2 <= map.size; at += 2) {
      int16_t value;
      std::memcpy(&value, map.data + at, sizeof value);
      peak = std::max(peak, std::fabs(value / 32768.0));
    }
    gst_buffer_unmap(buffer, &map);
    while (SamplePtr video{gst_app_sink_try_pull_sample(GST_APP_SINK(video_sink_.get()), 0)}) {
    }
  }
  EXPECT_EQ(GST_AUDIO_INFO_CHANNELS(&info), 2);
  EXPECT_EQ(GST_AUDIO_INFO_RATE(&info), 48000);
  EXPECT_NEAR(peak, 0.1, 0.001);  // the scenario's tone at -20 dBFS
}

TEST_F(SdiSrcDeckLinkTest, SignalLossShowsTheSlateByDefault) {
  ASSERT_NE(play("signal=1080i50;lost_at=0.5;back_at=1.0", "backend=decklink mode=1080i50"),
            GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> before = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(before.empty());
  EXPECT_FALSE(before.back().red_middle);
  const std::vector<Frame> lost = pull_until([](const Frame &f) { return f.gap; });
  ASSERT_FALSE(lost.empty());
  EXPECT_FALSE(lost.back().black);
  EXPECT_TRUE(lost.back().red_middle);
  const std::vector<Frame> back = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(back.empty());
  EXPECT_FALSE(back.back().red_middle);
}

TEST_F(SdiSrcDeckLinkTest, SignalLossGivesBlackThenRecoversWithoutRestart) {
  ASSERT_NE(play("signal=1080i50;lost_at=0.5;back_at=1.0",
                 "backend=decklink mode=1080i50 no-signal=black"),
            GST_STATE_CHANGE_FAILURE);
  ASSERT_FALSE(pull_until([](const Frame &f) { return !f.gap; }).empty());
  const std::vector<Frame> lost = pull_until([](const Frame &f) { return f.gap; });
  ASSERT_FALSE(lost.empty());
  EXPECT_TRUE(lost.back().black);
  const std::vector<Frame> back = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(back.empty());
  EXPECT_FALSE(back.back().black);
  for (std::size_t i = 1; i < back.size(); ++i) EXPECT_GT(back[i].pts, back[i - 1].pts) << i;
  std::vector<bool> locks;
  for (const StructurePtr &s : take(msg::kSignal)) {
    gboolean locked = FALSE;
    ASSERT_TRUE(gst_structure_get_boolean(s.get(), msg::kLocked, &locked));
    locks.push_back(locked);
  }
  // Opened (no signal yet), locked, lost, locked again.
  EXPECT_EQ(locks, (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(errors_, "");
}

TEST_F(SdiSrcDeckLinkTest, NoSignalDropSendsNothingMeanwhile) {
  ASSERT_NE(play("signal=1080i50;lost_at=0.3;back_at=0.7",
                 "backend=decklink mode=1080i50 no-signal=drop"),
            GST_STATE_CHANGE_FAILURE);
  // Until well after the return: no frame without signal goes out.
  std::size_t frames = 0;
  for (; frames < 40; ++frames) {
    std::optional<Frame> f = pull();
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->gap);
  }
  const std::vector<StructurePtr> signals = take(msg::kSignal);
  ASSERT_GE(signals.size(), 3u);
  gboolean locked = TRUE;
  ASSERT_TRUE(gst_structure_get_boolean(signals[2].get(), msg::kLocked, &locked));
  EXPECT_FALSE(locked);  // the loss was still reported
}

TEST_F(SdiSrcDeckLinkTest, AFormatChangeIsReportedAndRenegotiated) {
  ASSERT_NE(play("signal=1080i50;change_at=0.4;change_to=720p59.94", "backend=decklink"),
            GST_STATE_CHANGE_FAILURE);
  ASSERT_FALSE(pull_until([](const Frame &f) { return f.width == 1920 && !f.gap; }).empty());
  ASSERT_FALSE(pull_until([](const Frame &f) { return f.width == 1280 && !f.gap; }).empty());
  const std::vector<StructurePtr> formats = take(msg::kFormat);
  ASSERT_EQ(formats.size(), 1u);
  EXPECT_EQ(string_field(formats[0].get(), msg::kPreviousMode), "1080i50");
  EXPECT_EQ(string_field(formats[0].get(), msg::kMode), "720p59.94");
  EXPECT_EQ(errors_, "");
}

TEST_F(SdiSrcDeckLinkTest, ABusyInputIsRetriedWithFillersUntilItIsFree) {
  ASSERT_NE(play("signal=1080i50;busy_until.1=1.2",
                 "backend=decklink device=1 mode=1080i50 no-signal=black"),
            GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> frames = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_GE(frames.size(), 2u);
  EXPECT_TRUE(frames.front().gap);
  EXPECT_TRUE(frames.front().black);
  EXPECT_EQ(frames.front().width, 1920);
  EXPECT_FALSE(frames.back().black);
  std::vector<Frame> after = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(after.empty());
  std::vector<Frame> all = frames;
  all.insert(all.end(), after.begin(), after.end());
  expect_continuous(all);
  expect_continuous(audio_spans_);
  const std::vector<std::string> messages = health();
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(messages.front(), "error busy retrying");
  EXPECT_EQ(messages[messages.size() - 2], "signal lost");  // opened at last, no signal yet
  EXPECT_EQ(messages.back(), "signal locked");
  for (std::size_t i = 0; i + 2 < messages.size(); ++i)
    EXPECT_EQ(messages[i], "error busy retrying");
  EXPECT_EQ(errors_, "");
}

TEST_F(SdiSrcDeckLinkTest, ADeviceThatGoesAwayIsReopenedWhenItReturns) {
  ASSERT_NE(play("signal=1080i50;gone_at.1=0.6;gone_back_at.1=2.4",
                 "backend=decklink device=1 mode=1080i50"),
            GST_STATE_CHANGE_FAILURE);
  std::vector<Frame> frames = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(frames.empty());
  pull_past_errors(frames, 1, [](const Frame &f) { return f.gap; });
  EXPECT_TRUE(frames.back().red_middle);  // the slate stands in for the card
  pull_past_errors(frames, 1, [](const Frame &f) { return !f.gap; });
  EXPECT_FALSE(frames.back().red_middle);
  const std::vector<Frame> after = pull_until([](const Frame &f) { return !f.gap; });
  frames.insert(frames.end(), after.begin(), after.end());
  expect_continuous(frames);
  expect_continuous(audio_spans_);

  const std::vector<std::string> messages = health();
  ASSERT_GE(messages.size(), 5u);
  EXPECT_EQ(messages[0], "signal lost");
  EXPECT_EQ(messages[1], "signal locked");
  for (std::size_t i = 2; i + 2 < messages.size(); ++i)
    EXPECT_EQ(messages[i], "error gone retrying");
  EXPECT_EQ(messages[messages.size() - 2], "signal lost");
  EXPECT_EQ(messages.back(), "signal locked");
  EXPECT_EQ(errors_, "");
}

TEST_F(SdiSrcDeckLinkTest, ADeviceGoneForGoodKeepsBeingRetriedBehindFillers) {
  ASSERT_NE(play("signal=1080i50;gone_at.1=0.4",
                 "backend=decklink device=1 mode=1080i50 no-signal=black"),
            GST_STATE_CHANGE_FAILURE);
  std::vector<Frame> frames = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(frames.empty());
  // Past the third failure in a row, fillers still come.
  pull_past_errors(frames, 3, [](const Frame &f) { return f.gap; });
  EXPECT_TRUE(frames.back().black);
  expect_continuous(frames);
  expect_continuous(audio_spans_);
  const std::vector<StructurePtr> errors = take(msg::kError);
  ASSERT_GE(errors.size(), 3u);
  guint64 previous_wait = 0;
  for (const StructurePtr &error : errors) {
    EXPECT_EQ(string_field(error.get(), msg::kKind), "gone");
    gboolean retrying = FALSE;
    guint64 wait = 0;
    EXPECT_TRUE(gst_structure_get_boolean(error.get(), msg::kRetrying, &retrying));
    EXPECT_TRUE(retrying);
    EXPECT_TRUE(gst_structure_get_uint64(error.get(), msg::kRetryIn, &wait));
    EXPECT_GT(wait, previous_wait);  // backing off
    previous_wait = wait;
  }
  EXPECT_EQ(errors_, "");
}

TEST_F(SdiSrcDeckLinkTest, AMissingInputIsNotFound) {
  EXPECT_EQ(play("signal=1080i50", "backend=decklink device=5"), GST_STATE_CHANGE_FAILURE);
  const std::vector<StructurePtr> errors = take(msg::kError);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(string_field(errors[0].get(), msg::kKind), "not-found");
  EXPECT_NE(errors_.find("no DeckLink device 5"), std::string::npos) << errors_;
}

TEST_F(SdiSrcDeckLinkTest, DevicesListsTheDeckLinkInputs) {
  setenv("ONAIR_FAKE_DECKLINK", kDevices.c_str(), 1);
  ElementPtr src(gst_element_factory_make("sdisrc", nullptr));
  ASSERT_TRUE(src);
  gst_object_ref_sink(src.get());
  gchar **devices = nullptr;
  g_object_get(src.get(), "devices", &devices, nullptr);
  ASSERT_NE(devices, nullptr);
  ASSERT_EQ(g_strv_length(devices), 2u);
  StructurePtr second(gst_structure_from_string(devices[1], nullptr));
  g_strfreev(devices);
  ASSERT_TRUE(second);
  EXPECT_EQ(string_field(second.get(), "backend"), "decklink");
  EXPECT_EQ(string_field(second.get(), "model"), "DeckLink Duo 2 (simulated)");
  guint device = 99;
  EXPECT_TRUE(gst_structure_get_uint(second.get(), "device", &device));
  EXPECT_EQ(device, 1u);
}

}  // namespace
