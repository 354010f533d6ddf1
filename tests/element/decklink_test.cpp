// GStreamer's own decklinkvideosrc and decklinkaudiosrc on the simulated DeckLink driver
// (tests/fakes/decklink), loaded by the dynamic loader from LD_LIBRARY_PATH exactly as the real
// libDeckLinkAPI.so would be: proves the fake behaves as GStreamer expects a card to.
//
// GStreamer lists DeckLink devices once per process, so every scenario here names the same
// devices; the rest of a scenario (signal, changes, busy inputs) is read when an input is
// enabled. The "without driver" tests run in a process of their own without the fake on
// LD_LIBRARY_PATH (see meson.build). The decklink plugin touches the driver only when an element
// opens a device or the device provider probes, never when the registry scans it, so the
// registry cache is the same with or without the fake.
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

#include "core/sdi_modes.h"
#include "element_test.h"
#include "sdi_frames.h"

using namespace onair::element_test;
using onair::BusPtr;
using onair::ElementPtr;
using onair::MessagePtr;
using onair::SamplePtr;

namespace {

// Only bounds the wait for a broken element: every awaited event comes far sooner.
constexpr GstClockTime kWait = 20 * GST_SECOND;
// Bounds the buffers a test reads while waiting for something to happen.
constexpr std::size_t kMaxBuffers = 500;
// Every scenario lists the same devices (see above).
const std::string kDevices = "devices=2;model=DeckLink Duo 2 (simulated);";

struct Frame : onair::element_test::VideoFrame {
  bool black = false;
  // The fake's stamp (frames with signal): stream time, number since the streams first
  // started, index in the current run of frames.
  int64_t stream_ns = 0;
  uint64_t number = 0;
  int64_t run_index = 0;
};

Frame frame_of(GstSample *sample) {
  Frame f;
  onair::element_test::read_video_frame(sample, f);
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    static const uint8_t kUyvyBlack[4] = {0x80, 0x10, 0x80, 0x10};
    static const uint8_t kV210Black[4] = {0x00, 0x02, 0x01, 0x20};
    f.black = map.size >= 4 && (std::memcmp(map.data, kUyvyBlack, 4) == 0 ||
                                std::memcmp(map.data, kV210Black, 4) == 0);
    if (!f.black && map.size >= 24) {
      std::memcpy(&f.stream_ns, map.data, sizeof f.stream_ns);
      std::memcpy(&f.number, map.data + 8, sizeof f.number);
      std::memcpy(&f.run_index, map.data + 16, sizeof f.run_index);
    }
    gst_buffer_unmap(buffer, &map);
  }
  return f;
}

bool have_decklink_plugin() {
  GstElementFactory *factory = gst_element_factory_find("decklinkvideosrc");
  if (factory) gst_object_unref(factory);
  return factory != nullptr;
}

class DeckLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_decklink_plugin()) GTEST_SKIP() << "GStreamer's decklink plugin is not installed";
  }
  void TearDown() override {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    unsetenv("ONAIR_FAKE_DECKLINK");
  }

  // Plays decklinkvideosrc (and decklinkaudiosrc) with `properties` on `scenario`.
  GstStateChangeReturn play(const std::string &scenario, const std::string &properties = "",
                            const std::string &audio_properties = "channels=2") {
    setenv("ONAIR_FAKE_DECKLINK", (kDevices + scenario).c_str(), 1);
    GError *error = nullptr;
    pipeline_.reset(
        gst_parse_launch(("decklinkvideosrc name=video " + properties +
                          " ! appsink name=vsink sync=false decklinkaudiosrc name=audio " +
                          audio_properties + " ! appsink name=asink sync=false")
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
    // Keep the audio branch drained so neither queue in the card's callback overflows.
    while (SamplePtr audio{gst_app_sink_try_pull_sample(GST_APP_SINK(audio_sink_.get()), 0)}) {
    }
    if (!sample) return std::nullopt;
    return frame_of(sample.get());
  }

  // Frames until one `wanted` accepts (included), at most kMaxBuffers; empty when none did.
  std::vector<Frame> pull_until(const std::function<bool(const Frame &)> &wanted) {
    return onair::element_test::pull_until<Frame>([this] { return pull(); }, wanted, kMaxBuffers);
  }

  std::vector<Frame> pull_frames(std::size_t count) {
    std::vector<Frame> frames;
    while (frames.size() < count) {
      std::optional<Frame> f = pull();
      if (!f) break;
      frames.push_back(*f);
    }
    EXPECT_EQ(frames.size(), count) << error_text();
    return frames;
  }

  // The samples of the next audio buffer, as doubles in [-1, 1], and its caps' audio info.
  std::vector<double> pull_audio(GstAudioInfo &info) {
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(audio_sink_.get()), kWait));
    std::vector<double> samples;
    if (!sample || !gst_audio_info_from_caps(&info, gst_sample_get_caps(sample.get())))
      return samples;
    GstMapInfo map;
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return samples;
    const bool wide = GST_AUDIO_INFO_FORMAT(&info) == GST_AUDIO_FORMAT_S32LE;
    for (std::size_t at = 0; at + (wide ? 4 : 2) <= map.size; at += wide ? 4 : 2) {
      if (wide) {
        int32_t value;
        std::memcpy(&value, map.data + at, sizeof value);
        samples.push_back(value / 2147483648.0);
      } else {
        int16_t value;
        std::memcpy(&value, map.data + at, sizeof value);
        samples.push_back(value / 32768.0);
      }
    }
    gst_buffer_unmap(buffer, &map);
    return samples;
  }

  std::string error_text() { return take_error_text(bus_.get()); }

  ElementPtr pipeline_;
  ElementPtr video_sink_;
  ElementPtr audio_sink_;
  BusPtr bus_;
};

// Frames with signal: the card's numbers are consecutive and its stream time advances on the
// mode's exact frame grid (counted in the current run); GStreamer's timestamps increase and each
// lasts about a frame.
void expect_regular(const std::vector<Frame> &frames, const onair::sdi::SdiMode &m) {
  ASSERT_GE(frames.size(), 2u);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const Frame &f = frames[i];
    const Frame &previous = frames[i - 1];
    ASSERT_FALSE(f.gap || f.black) << i;
    EXPECT_EQ(f.number, previous.number + 1) << i;
    EXPECT_EQ(f.run_index, previous.run_index + 1) << i;
    EXPECT_EQ(f.stream_ns - previous.stream_ns,
              m.frame_start(f.run_index) - m.frame_start(previous.run_index))
        << i;
    EXPECT_GT(f.pts, previous.pts) << i;
    EXPECT_GT(f.duration, 0) << i;
  }
}

void expect_caps(const Frame &f, const onair::sdi::SdiMode &m, const char *format) {
  EXPECT_EQ(f.width, m.width);
  EXPECT_EQ(f.height, m.height);
  EXPECT_EQ(f.fps_n, m.fps_n);
  EXPECT_EQ(f.fps_d, m.fps_d);
  EXPECT_EQ(f.interlaced, m.interlaced);
  EXPECT_EQ(f.format, format);
}

TEST_F(DeckLinkTest, DetectsTheIncomingModeAndItsTenBitDepth) {
  for (const char *name : {"1080i50", "720p59.94", "1080p25"}) {
    SCOPED_TRACE(name);
    ASSERT_NE(play(std::string("signal=") + name), GST_STATE_CHANGE_FAILURE);
    const std::vector<Frame> frames = pull_frames(8);
    ASSERT_EQ(frames.size(), 8u);
    expect_caps(frames.back(), sdi_mode(name), "v210");
    expect_regular(std::vector<Frame>(frames.begin() + 1, frames.end()), sdi_mode(name));
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }
}

TEST_F(DeckLinkTest, AFixedModeAndEightBitFormatGiveUyvy) {
  ASSERT_NE(play("signal=1080i59.94", "mode=1080i5994 video-format=8bit-yuv"),
            GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> frames = pull_frames(6);
  ASSERT_EQ(frames.size(), 6u);
  expect_caps(frames.front(), sdi_mode("1080i59.94"), "UYVY");
  expect_regular(frames, sdi_mode("1080i59.94"));
}

TEST_F(DeckLinkTest, EmbeddedAudioCarriesTheScenarioTone) {
  ASSERT_NE(play("signal=1080i50;tone=1000"), GST_STATE_CHANGE_FAILURE);
  GstAudioInfo info;
  std::vector<double> samples;
  // The first packets may come before the input locked (silence); wait for the tone.
  for (int i = 0; i < 50 && samples.empty(); ++i) {
    samples = pull_audio(info);
    double peak = 0;
    for (double s : samples) peak = std::max(peak, std::fabs(s));
    if (peak == 0) samples.clear();
  }
  ASSERT_FALSE(samples.empty()) << "no audio with the tone came";
  EXPECT_EQ(GST_AUDIO_INFO_RATE(&info), 48000);
  EXPECT_EQ(GST_AUDIO_INFO_CHANNELS(&info), 2);
  const std::size_t frames = samples.size() / 2;
  EXPECT_EQ(frames, 1920u);  // one 25 fps frame's worth at 48 kHz
  // A 1 kHz sine at -20 dBFS: peak 0.1, and 48 samples a period, so sample i and i+48 agree.
  double peak = 0;
  for (double s : samples) peak = std::max(peak, std::fabs(s));
  EXPECT_NEAR(peak, 0.1, 0.001);
  for (std::size_t i = 0; i + 48 < frames; ++i)
    ASSERT_NEAR(samples[2 * i], samples[2 * (i + 48)], 1e-6) << i;
  for (std::size_t i = 0; i < frames; ++i) ASSERT_EQ(samples[2 * i], samples[2 * i + 1]) << i;
}

TEST_F(DeckLinkTest, WithoutSignalFramesAreFlaggedBlackAndAudioSilent) {
  ASSERT_NE(play("signal=none", "mode=1080i50"), GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> frames = pull_frames(5);
  ASSERT_EQ(frames.size(), 5u);
  for (const Frame &f : frames) {
    EXPECT_TRUE(f.gap);
    EXPECT_TRUE(f.black);
  }
  expect_caps(frames.front(), sdi_mode("1080i50"), "UYVY");
  gboolean signal = TRUE;
  ElementPtr video(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "video"));
  g_object_get(video.get(), "signal", &signal, nullptr);
  EXPECT_FALSE(signal);
  GstAudioInfo info;
  const std::vector<double> samples = pull_audio(info);
  ASSERT_FALSE(samples.empty());
  for (double s : samples) ASSERT_EQ(s, 0.0);
}

TEST_F(DeckLinkTest, SignalLossAndReturnNeedNoRestart) {
  ASSERT_NE(play("signal=1080i50;lost_at=0.5;back_at=1.0", "mode=1080i50"),
            GST_STATE_CHANGE_FAILURE);
  ElementPtr video(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "video"));
  const std::vector<Frame> before = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(before.empty());
  const std::vector<Frame> lost = pull_until([](const Frame &f) { return f.gap; });
  ASSERT_FALSE(lost.empty());
  EXPECT_TRUE(lost.back().black);
  MessagePtr warning = wait_for_message(bus_.get(), GST_MESSAGE_WARNING, kWait);
  ASSERT_TRUE(warning);
  EXPECT_EQ(GST_MESSAGE_SRC(warning.get()), GST_OBJECT(video.get()));
  const std::vector<Frame> back = pull_until([](const Frame &f) { return !f.gap; });
  ASSERT_FALSE(back.empty());
  EXPECT_FALSE(back.back().black);
  gboolean signal = FALSE;
  g_object_get(video.get(), "signal", &signal, nullptr);
  EXPECT_TRUE(signal);
  // Timestamps run on through the loss.
  std::vector<Frame> all = lost;
  all.insert(all.end(), back.begin(), back.end());
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].pts, all[i - 1].pts) << i;
  EXPECT_EQ(error_text(), "");
}

TEST_F(DeckLinkTest, AFormatChangeRenegotiatesAndTheStreamGoesOn) {
  ASSERT_NE(play("signal=1080i50;change_at=0.5;change_to=720p59.94"), GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> first = pull_until([](const Frame &f) { return f.width == 1920; });
  ASSERT_FALSE(first.empty());
  const std::vector<Frame> changed = pull_until([](const Frame &f) { return f.width == 1280; });
  ASSERT_FALSE(changed.empty());
  expect_caps(changed.back(), sdi_mode("720p59.94"), "v210");
  std::vector<Frame> after = pull_frames(6);
  ASSERT_EQ(after.size(), 6u);
  expect_regular(after, sdi_mode("720p59.94"));
  EXPECT_GT(after.front().pts, first.back().pts);
  EXPECT_EQ(error_text(), "");
}

TEST_F(DeckLinkTest, ABusyInputFailsToEnableWithAnError) {
  ASSERT_NE(play("signal=1080i50;busy=1", "device-number=1", "device-number=1 channels=2"),
            GST_STATE_CHANGE_FAILURE);
  MessagePtr error = wait_for_message(bus_.get(), GST_MESSAGE_ERROR, kWait);
  ASSERT_TRUE(error);
  SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(video_sink_.get()), 0));
  EXPECT_FALSE(sample);
}

TEST_F(DeckLinkTest, TheOtherInputOfTheCardStillCaptures) {
  ASSERT_NE(play("signal=1080i50;busy=1"), GST_STATE_CHANGE_FAILURE);
  const std::vector<Frame> frames = pull_frames(3);
  ASSERT_EQ(frames.size(), 3u);
  expect_caps(frames.back(), sdi_mode("1080i50"), "v210");
}

TEST_F(DeckLinkTest, TheDeviceProviderListsTheScenarioDevices) {
  setenv("ONAIR_FAKE_DECKLINK", kDevices.c_str(), 1);
  GstDeviceProvider *provider = gst_device_provider_factory_get_by_name("decklinkdeviceprovider");
  ASSERT_NE(provider, nullptr);
  GList *devices = gst_device_provider_get_devices(provider);
  int video_inputs = 0;
  for (GList *l = devices; l; l = l->next) {
    GstDevice *device = GST_DEVICE(l->data);
    gchar *klass = gst_device_get_device_class(device);
    if (std::string(klass) == "Video/Source/Hardware") {
      ++video_inputs;
      GstStructure *properties = gst_device_get_properties(device);
      EXPECT_STREQ(gst_structure_get_string(properties, "model-name"),
                   "DeckLink Duo 2 (simulated)");
      gst_structure_free(properties);
    }
    g_free(klass);
  }
  g_list_free_full(devices, gst_object_unref);
  gst_object_unref(provider);
  EXPECT_EQ(video_inputs, 2);
}

TEST_F(DeckLinkTest, ANonexistentDeviceCannotOpen) {
  setenv("ONAIR_FAKE_DECKLINK", kDevices.c_str(), 1);
  ElementPtr src(gst_element_factory_make("decklinkvideosrc", nullptr));
  g_object_set(src.get(), "device-number", 2, nullptr);
  EXPECT_EQ(gst_element_set_state(src.get(), GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(src.get(), GST_STATE_NULL);
}

// Run without the fake on LD_LIBRARY_PATH (a test of its own in meson.build).
TEST(DeckLinkWithoutDriver, NoDevicesAndNoSourceOpens) {
  if (!have_decklink_plugin()) GTEST_SKIP() << "GStreamer's decklink plugin is not installed";
  GstDeviceProvider *provider = gst_device_provider_factory_get_by_name("decklinkdeviceprovider");
  ASSERT_NE(provider, nullptr);
  GList *devices = gst_device_provider_get_devices(provider);
  EXPECT_EQ(devices, nullptr);
  g_list_free_full(devices, gst_object_unref);
  gst_object_unref(provider);
  ElementPtr src(gst_element_factory_make("decklinkvideosrc", nullptr));
  EXPECT_EQ(gst_element_set_state(src.get(), GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(src.get(), GST_STATE_NULL);
}

}  // namespace
