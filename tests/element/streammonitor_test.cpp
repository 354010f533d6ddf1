#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "element_test.h"
#include "streammonitor_messages.h"

namespace {

namespace msg = onair::streammonitor_messages;
using onair::StructurePtr;

class StreamMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = gst_harness_new("streammonitor");
    ASSERT_NE(h_, nullptr);
    bus_ = gst_bus_new();
    gst_element_set_bus(h_->element, bus_);
    gst_harness_set_src_caps_str(h_, "video/x-raw,format=I420,width=64,height=48,framerate=30/1");
  }
  void TearDown() override {
    gst_harness_teardown(h_);
    gst_object_unref(bus_);
  }

  void set(const char *property, guint64 value) {
    g_object_set(h_->element, property, value, nullptr);
  }

  void push_frame(guint64 index, gsize size = 1000) {
    GstBuffer *b = gst_harness_create_buffer(h_, size);
    GST_BUFFER_PTS(b) = gst_util_uint64_scale_int(index, GST_SECOND, 30);
    GST_BUFFER_DURATION(b) =
        gst_util_uint64_scale_int(index + 1, GST_SECOND, 30) - GST_BUFFER_PTS(b);
    ASSERT_EQ(gst_harness_push(h_, b), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h_));
  }

  // The element messages named `name` posted since the test began.
  std::vector<GstStructure *> named(const char *name) {
    for (StructurePtr &s : onair::element_test::take_element_messages(bus_))
      messages_.push_back(std::move(s));
    std::vector<GstStructure *> out;
    for (const StructurePtr &s : messages_)
      if (gst_structure_has_name(s.get(), name)) out.push_back(s.get());
    return out;
  }

  guint64 buffers_in_stats_property() {
    GstStructure *stats = nullptr;
    g_object_get(h_->element, "stats", &stats, nullptr);
    EXPECT_NE(stats, nullptr);
    guint64 buffers = 0;
    EXPECT_TRUE(gst_structure_get_uint64(stats, msg::kBuffers, &buffers));
    gst_structure_free(stats);
    return buffers;
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  std::vector<StructurePtr> messages_;
};

}  // namespace

TEST(StreamMonitorRegistry, LoadsThePluginFromTheBuildTree) {
  GstElementFactory *factory = gst_element_factory_find("streammonitor");
  ASSERT_NE(factory, nullptr);
  GstPlugin *plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  ASSERT_NE(plugin, nullptr);
  const std::string file = gst_plugin_get_filename(plugin);
  const char *dirs = g_getenv("ONAIR_BUILD_PLUGIN_DIRS");
  ASSERT_NE(dirs, nullptr);
  EXPECT_NE(std::string(dirs).find(file.substr(0, file.rfind('/'))), std::string::npos) << file;
  EXPECT_STREQ(gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS),
               "Filter/Analyzer");
  gst_object_unref(plugin);
  gst_object_unref(factory);
}

TEST_F(StreamMonitorTest, PassesBuffersThroughUntouched) {
  GstBuffer *in = gst_harness_create_buffer(h_, 64);
  GST_BUFFER_PTS(in) = 0;
  gst_buffer_memset(in, 0, 0x5a, 64);
  ASSERT_EQ(gst_harness_push(h_, gst_buffer_ref(in)), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h_);
  EXPECT_EQ(out, in);
  gst_buffer_unref(out);
  gst_buffer_unref(in);
}

TEST_F(StreamMonitorTest, PostsStatsEveryIntervalOfRunningTime) {
  set("interval", GST_SECOND / 2);
  for (guint64 i = 0; i <= 60; i++) push_frame(i, 500);
  const auto stats = named(msg::kStats);
  ASSERT_EQ(stats.size(), 4u);
  double fps = 0, bitrate = 0;
  guint64 rt = 0;
  ASSERT_TRUE(gst_structure_get_double(stats[0], msg::kFps, &fps));
  ASSERT_TRUE(gst_structure_get_double(stats[0], msg::kBitrate, &bitrate));
  ASSERT_TRUE(gst_structure_get_uint64(stats[3], msg::kRunningTime, &rt));
  EXPECT_DOUBLE_EQ(fps, 30.0);
  EXPECT_DOUBLE_EQ(bitrate, 500.0 * 8 * 30);
  EXPECT_EQ(rt, 2 * GST_SECOND);
  EXPECT_STREQ(gst_structure_get_string(stats[0], msg::kMedia), "video/x-raw");

  EXPECT_EQ(buffers_in_stats_property(), 60u);
}

TEST_F(StreamMonitorTest, StatsPropertyKeepsTheLastRunUntilTheNextStart) {
  for (guint64 i = 0; i <= 30; i++) push_frame(i);
  EXPECT_EQ(buffers_in_stats_property(), 30u);
  ASSERT_EQ(gst_element_set_state(h_->element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(buffers_in_stats_property(), 30u);
  ASSERT_EQ(gst_element_set_state(h_->element, GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(buffers_in_stats_property(), 0u);
}

TEST_F(StreamMonitorTest, GapAlertAndRecoveryMessages) {
  set("max-gap", 200 * GST_MSECOND);
  for (guint64 i = 0; i <= 10; i++) push_frame(i);
  for (guint64 i = 20; i <= 100; i++) push_frame(i);  // 9 frames (300 ms) missing
  const auto alerts = named(msg::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(alerts[0], msg::kAlertName), "gap");
  double value = 0;
  ASSERT_TRUE(gst_structure_get_double(alerts[0], msg::kValue, &value));
  EXPECT_NEAR(value, 0.3, 0.001);
  const auto recovered = named(msg::kRecovered);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(recovered[0], msg::kAlertName), "gap");
  guint64 gaps = 0, dropped = 0;
  const auto stats = named(msg::kStats);
  ASSERT_TRUE(gst_structure_get_uint64(stats.back(), msg::kGaps, &gaps));
  ASSERT_TRUE(gst_structure_get_uint64(stats.back(), msg::kDropped, &dropped));
  EXPECT_EQ(gaps, 1u);
  EXPECT_EQ(dropped, 9u);
}

TEST_F(StreamMonitorTest, LatencyFollowsThePipelineClock) {
  for (guint64 i = 0; i <= 31; i++) {
    gst_harness_set_time(h_, gst_util_uint64_scale_int(i, GST_SECOND, 30) +
                                 15 * GST_MSECOND);  // every frame 15 ms late
    push_frame(i);
  }
  const auto stats = named(msg::kStats);
  ASSERT_EQ(stats.size(), 1u);
  gint64 latency = 0, jitter = -1;
  ASSERT_TRUE(gst_structure_get_int64(stats[0], msg::kLatency, &latency));
  ASSERT_TRUE(gst_structure_get_int64(stats[0], msg::kJitter, &jitter));
  EXPECT_EQ(latency, 15 * GST_MSECOND);
  EXPECT_EQ(jitter, 0);
}

TEST_F(StreamMonitorTest, StallOnTheClockIsReported) {
  g_object_set(h_->element, "min-fps", 10.0, nullptr);
  set("max-gap", 500 * GST_MSECOND);
  for (guint64 i = 0; i < 10; i++) {
    gst_harness_set_time(h_, gst_util_uint64_scale_int(i, GST_SECOND, 30));
    push_frame(i);
  }
  // The watchdog ticks once per interval on the test clock.
  ASSERT_TRUE(gst_harness_crank_single_clock_wait(h_));  // 1 s: 0.7 s of silence
  auto alerts = named(msg::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(alerts[0], msg::kAlertName), "gap");
  EXPECT_TRUE(named(msg::kStats).empty());

  ASSERT_TRUE(gst_harness_crank_single_clock_wait(h_));  // 2 s: a whole window of silence
  const auto stats = named(msg::kStats);
  ASSERT_EQ(stats.size(), 1u);
  gboolean stalled = FALSE;
  double fps = -1;
  ASSERT_TRUE(gst_structure_get_boolean(stats[0], msg::kStalled, &stalled));
  ASSERT_TRUE(gst_structure_get_double(stats[0], msg::kFps, &fps));
  EXPECT_TRUE(stalled);
  EXPECT_EQ(fps, 0.0);
  alerts = named(msg::kAlert);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_STREQ(gst_structure_get_string(alerts[1], msg::kAlertName), "fps-low");
}

TEST(StreamMonitorPipeline, MeasuresARealPipeline) {
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(
      "videotestsrc num-buffers=75 ! video/x-raw,framerate=25/1,width=32,height=24 "
      "! streammonitor name=m ! fakesink sync=false",
      &error);
  ASSERT_EQ(error, nullptr);
  GstBus *bus = gst_element_get_bus(pipeline);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::vector<double> fps;
  bool eos = false;
  while (!eos) {
    const auto m = onair::element_test::wait_for_message(
        bus, static_cast<GstMessageType>(GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR),
        10 * GST_SECOND);
    ASSERT_NE(m, nullptr) << "pipeline did not finish";
    ASSERT_NE(GST_MESSAGE_TYPE(m.get()), GST_MESSAGE_ERROR);
    eos = GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_EOS;
    const GstStructure *s = gst_message_get_structure(m.get());
    double v = 0;
    if (s && gst_structure_has_name(s, msg::kStats) && gst_structure_get_double(s, msg::kFps, &v))
      fps.push_back(v);
  }
  // Three seconds of timestamps, the third window closed by no later buffer.
  ASSERT_EQ(fps.size(), 2u);
  EXPECT_DOUBLE_EQ(fps[0], 25.0);
  EXPECT_DOUBLE_EQ(fps[1], 25.0);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
}
