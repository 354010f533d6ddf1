// scenedetect through GstHarness: messages at the right times in every format, lookahead and
// its latency, forced key units, snapshots with their index, capture-now, bad input.
#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "element_test.h"
#include "json_array_file.h"
#include "scenedetect_messages.h"

namespace {

namespace msg = onair::scenedetect_messages;
using onair::BufferPtr;
using onair::StructurePtr;

constexpr int kFps = 25;
constexpr GstClockTime kFrame = GST_SECOND / kFps;
// A cut is decided this many frames after it (SceneDetector::kDecisionDelay), gradual
// transitions later still; pushing this many more frames settles every decision.
constexpr int kSettle = 40;

// Two unlike pictures: smooth light and dark shapes at different places and sizes.
guint8 scene_value(int scene, int x, int y, int width, int height, int channel) {
  const double u = double(x) / width, v = double(y) / height;
  const double f = scene == 0 ? std::sin(6.0 * u + 1.0) * std::cos(4.0 * v)
                              : std::cos(11.0 * u * v + 2.0 * v) * std::sin(3.0 * v + 5.0 * u);
  return static_cast<guint8>(std::lround(128 + 100 * f * (1.0 - 0.2 * channel)));
}

// A frame of `scene` in `format`, drawn in RGB and converted by GStreamer.
BufferPtr make_frame(int scene, const GstVideoInfo &info) {
  const int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
  GstVideoInfo rgb;
  gst_video_info_set_format(&rgb, GST_VIDEO_FORMAT_RGB, w, h);
  GST_VIDEO_INFO_FPS_N(&rgb) = GST_VIDEO_INFO_FPS_N(&info);
  GST_VIDEO_INFO_FPS_D(&rgb) = GST_VIDEO_INFO_FPS_D(&info);
  BufferPtr source(gst_buffer_new_allocate(nullptr, rgb.size, nullptr));
  BufferPtr frame(gst_buffer_new_allocate(nullptr, info.size, nullptr));
  GstVideoFrame in, out;
  EXPECT_TRUE(gst_video_frame_map(&in, &rgb, source.get(), GST_MAP_WRITE));
  for (int y = 0; y < h; y++) {
    auto *row = static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&in, 0)) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE(&in, 0);
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) row[3 * x + c] = scene_value(scene, x, y, w, h, c);
  }
  EXPECT_TRUE(gst_video_frame_map(&out, &info, frame.get(), GST_MAP_WRITE));
  GstVideoConverter *converter =
      gst_video_converter_new(&rgb, const_cast<GstVideoInfo *>(&info), nullptr);
  gst_video_converter_frame(converter, &in, &out);
  gst_video_converter_free(converter);
  gst_video_frame_unmap(&in);
  gst_video_frame_unmap(&out);
  return frame;
}

class SceneDetectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = gst_bus_new();
    start();
  }
  // A new element, configured before it starts, in a new harness.
  void start(const std::function<void(GstElement *)> &configure = {}) {
    if (h_) gst_harness_teardown(h_);
    GstElement *element = gst_element_factory_make("scenedetect", nullptr);
    ASSERT_NE(element, nullptr);
    if (configure) configure(element);
    gst_element_set_bus(element, bus_);  // start() may warn already
    h_ = gst_harness_new_with_element(element, "sink", "src");
    gst_object_unref(element);
    next_ = 0;
  }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
    gst_object_unref(bus_);
    if (!dir_.empty()) remove_tree(dir_);
  }

  void set_caps(GstVideoFormat format, int width = 160, int height = 90) {
    gst_video_info_set_format(&info_, format, width, height);
    GST_VIDEO_INFO_FPS_N(&info_) = kFps;
    GST_VIDEO_INFO_FPS_D(&info_) = 1;
    GstCaps *caps = gst_video_info_to_caps(&info_);
    gst_harness_set_src_caps(h_, caps);
    frames_[0] = make_frame(0, info_);
    frames_[1] = make_frame(1, info_);
  }

  // Pushes `count` frames of `scene`; with `pull`, takes back what comes out and checks it is
  // the very buffer pushed, untouched.
  void push(int scene, int count, bool pull = true) {
    for (int i = 0; i < count; i++) {
      GstBuffer *b = gst_buffer_copy_deep(frames_[scene].get());
      GST_BUFFER_PTS(b) = next_ * kFrame;
      GST_BUFFER_DURATION(b) = kFrame;
      next_++;
      ASSERT_EQ(gst_harness_push(h_, b), GST_FLOW_OK);
      if (!pull) continue;
      GstBuffer *out = gst_harness_pull(h_);
      ASSERT_NE(out, nullptr);
      GstMapInfo map;
      ASSERT_TRUE(gst_buffer_map(out, &map, GST_MAP_READ));
      GstMapInfo want;
      gst_buffer_map(frames_[scene].get(), &want, GST_MAP_READ);
      EXPECT_EQ(map.size, want.size);
      EXPECT_EQ(memcmp(map.data, want.data, std::min(map.size, want.size)), 0);
      gst_buffer_unmap(frames_[scene].get(), &want);
      gst_buffer_unmap(out, &map);
      gst_buffer_unref(out);
    }
  }

  std::vector<StructurePtr> cuts() {
    return onair::element_test::take_element_messages(bus_, msg::kCut);
  }

  std::string make_dir() {
    char *d = g_dir_make_tmp("scenedetect-XXXXXX", nullptr);
    dir_ = d;
    g_free(d);
    return dir_;
  }
  static void remove_tree(const std::string &dir) {
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    if (!d) return;
    while (const char *name = g_dir_read_name(d)) {
      const std::string path = dir + "/" + name;
      if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR))
        remove_tree(path);
      else
        g_remove(path.c_str());
    }
    g_dir_close(d);
    g_rmdir(dir.c_str());
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  GstVideoInfo info_;
  BufferPtr frames_[2];
  guint64 next_ = 0;
  std::string dir_;
};

guint64 field_u64(const GstStructure *s, const char *name) {
  guint64 v = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, name, &v)) << name;
  return v;
}

std::string field_str(const GstStructure *s, const char *name) {
  const char *v = gst_structure_get_string(s, name);
  return v ? v : "";
}

}  // namespace

TEST(SceneDetectRegistry, LoadsThePluginFromTheBuildTree) {
  GstElementFactory *factory = gst_element_factory_find("scenedetect");
  ASSERT_NE(factory, nullptr);
  GstPlugin *plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  ASSERT_NE(plugin, nullptr);
  const std::string file = gst_plugin_get_filename(plugin);
  const char *dirs = g_getenv("ONAIR_BUILD_PLUGIN_DIRS");
  ASSERT_NE(dirs, nullptr);
  EXPECT_NE(std::string(dirs).find(file.substr(0, file.rfind('/'))), std::string::npos) << file;
  EXPECT_STREQ(gst_plugin_get_name(plugin), "onairscene");
  EXPECT_STREQ(gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS),
               "Filter/Analyzer/Video");
  gst_object_unref(plugin);
  gst_object_unref(factory);
}

class SceneDetectFormats : public SceneDetectTest,
                           public ::testing::WithParamInterface<GstVideoFormat> {};

TEST_P(SceneDetectFormats, PostsTheCutAtItsRunningTimeAndPassesFramesUntouched) {
  guint64 analysed = 0;  // frame numbers go on across caps and flushes
  for (auto [w, h] : {std::pair{160, 90}, std::pair{33, 17}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    set_caps(GetParam(), w, h);
    next_ = 0;
    gst_harness_push_event(h_, gst_event_new_flush_start());
    gst_harness_push_event(h_, gst_event_new_flush_stop(TRUE));
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_harness_push_event(h_, gst_event_new_segment(&segment));
    push(0, 30);
    push(1, kSettle);
    const auto found = cuts();
    ASSERT_EQ(found.size(), 1u);
    const GstStructure *s = found[0].get();
    EXPECT_EQ(field_str(s, msg::kKind), msg::kKindCut);
    EXPECT_EQ(field_u64(s, msg::kRunningTime), 30 * kFrame);
    EXPECT_EQ(field_u64(s, msg::kStreamTime), 30 * kFrame);
    EXPECT_EQ(field_u64(s, msg::kPts), 30 * kFrame);
    EXPECT_EQ(field_u64(s, msg::kFrame), analysed + 30);
    analysed += 30 + kSettle;
    double score = 0;
    EXPECT_TRUE(gst_structure_get_double(s, msg::kScore, &score));
    EXPECT_GT(score, 0.1);
    EXPECT_FALSE(gst_structure_has_field(s, msg::kSnapshotId));
    EXPECT_FALSE(gst_structure_has_field(s, msg::kSpanStart));
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, SceneDetectFormats,
                         ::testing::Values(GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12,
                                           GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_UYVY,
                                           GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGBx,
                                           GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_RGBA,
                                           GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGB),
                         [](const ::testing::TestParamInfo<GstVideoFormat> &p) {
                           return std::string(gst_video_format_to_string(p.param));
                         });

TEST_F(SceneDetectTest, RunningTimeFollowsTheSegment) {
  set_caps(GST_VIDEO_FORMAT_I420);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.start = 10 * kFrame;  // the first 10 frames' time is cut off the running time
  segment.time = 100 * GST_SECOND;
  gst_harness_push_event(h_, gst_event_new_segment(&segment));
  next_ = 10;
  push(0, 30);
  push(1, kSettle);
  const auto found = cuts();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(field_u64(found[0].get(), msg::kPts), 40 * kFrame);
  EXPECT_EQ(field_u64(found[0].get(), msg::kRunningTime), 30 * kFrame);
  EXPECT_EQ(field_u64(found[0].get(), msg::kStreamTime), 100 * GST_SECOND + 30 * kFrame);
}

TEST_F(SceneDetectTest, AGradualTransitionCarriesItsSpan) {
  set_caps(GST_VIDEO_FORMAT_I420);
  push(0, 30);
  // A dissolve over 20 frames.
  for (int i = 1; i <= 20; i++) {
    GstBuffer *b = gst_buffer_copy_deep(frames_[0].get());
    GstMapInfo out, a, bb;
    gst_buffer_map(b, &out, GST_MAP_WRITE);
    gst_buffer_map(frames_[0].get(), &a, GST_MAP_READ);
    gst_buffer_map(frames_[1].get(), &bb, GST_MAP_READ);
    for (gsize k = 0; k < out.size; k++)
      out.data[k] = static_cast<guint8>((a.data[k] * (21 - i) + bb.data[k] * i) / 21);
    gst_buffer_unmap(frames_[1].get(), &bb);
    gst_buffer_unmap(frames_[0].get(), &a);
    gst_buffer_unmap(b, &out);
    GST_BUFFER_PTS(b) = next_++ * kFrame;
    ASSERT_EQ(gst_harness_push(h_, b), GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h_));
  }
  push(1, 90);
  const auto found = cuts();
  ASSERT_EQ(found.size(), 1u);
  const GstStructure *s = found[0].get();
  EXPECT_EQ(field_str(s, msg::kKind), msg::kKindGradual);
  const guint64 start = field_u64(s, msg::kSpanStart), end = field_u64(s, msg::kSpanEnd);
  EXPECT_GE(start, 28 * kFrame);
  EXPECT_LE(start, 36 * kFrame);
  EXPECT_GE(end, 44 * kFrame);
  EXPECT_LE(end, 52 * kFrame);
  EXPECT_EQ(field_u64(s, msg::kRunningTime), end);
}

TEST_F(SceneDetectTest, LookaheadHoldsFramesAndReportsThemAsLatency) {
  start([](GstElement *e) { g_object_set(e, "lookahead", 5u, nullptr); });
  set_caps(GST_VIDEO_FORMAT_I420);
  gst_harness_set_upstream_latency(h_, 10 * GST_MSECOND);
  push(0, 5, false);
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 0u);
  push(0, 1, false);
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 1u);

  GstQuery *query = gst_query_new_latency();
  ASSERT_TRUE(gst_pad_peer_query(h_->sinkpad, query));
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(query, &live, &min, &max);
  EXPECT_EQ(min, 10 * GST_MSECOND + 5 * kFrame);
  gst_query_unref(query);

  // EOS sends everything held on, in order.
  ASSERT_TRUE(gst_harness_push_event(h_, gst_event_new_eos()));
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 6u);
  for (guint64 i = 0; i < 6; i++) {
    GstBuffer *b = gst_harness_pull(h_);
    EXPECT_EQ(GST_BUFFER_PTS(b), i * kFrame);
    gst_buffer_unref(b);
  }
}

namespace {

// What crossed the element's source pad, in order: buffers by PTS, force-key-unit events.
struct Seen {
  std::vector<std::string> items;
};

GstPadProbeReturn record(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *seen = static_cast<Seen *>(data);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    seen->items.push_back("buffer " +
                          std::to_string(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)) / kFrame));
  } else if (GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
             e && gst_video_event_is_force_key_unit(e)) {
    GstClockTime timestamp, stream_time, running_time;
    gboolean all_headers;
    guint count;
    EXPECT_TRUE(gst_video_event_parse_downstream_force_key_unit(
        e, &timestamp, &stream_time, &running_time, &all_headers, &count));
    seen->items.push_back("key unit " + std::to_string(running_time / kFrame));
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

TEST_F(SceneDetectTest, ForcedKeyUnitGoesRightBeforeTheNewScenesFirstFrame) {
  start([](GstElement *e) { g_object_set(e, "lookahead", 8u, "force-keyframes", TRUE, nullptr); });
  set_caps(GST_VIDEO_FORMAT_NV12);
  Seen seen;
  GstPad *src = gst_element_get_static_pad(h_->element, "src");
  gst_pad_add_probe(
      src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      record, &seen, nullptr);
  gst_object_unref(src);
  push(0, 30, false);
  push(1, kSettle, false);
  std::vector<std::string> keys;
  for (size_t i = 0; i < seen.items.size(); i++)
    if (seen.items[i].rfind("key unit", 0) == 0) {
      keys.push_back(seen.items[i]);
      ASSERT_LT(i + 1, seen.items.size());
      EXPECT_EQ(seen.items[i + 1], "buffer 30");
    }
  EXPECT_EQ(keys, std::vector<std::string>{"key unit 30"});
  EXPECT_EQ(cuts().size(), 1u);
}

TEST_F(SceneDetectTest, EmptyBuffersPassAndTinyFramesWork) {
  set_caps(GST_VIDEO_FORMAT_I420, 1, 1);
  push(0, 10);
  GstBuffer *empty = gst_buffer_new();
  GST_BUFFER_PTS(empty) = next_++ * kFrame;
  ASSERT_EQ(gst_harness_push(h_, empty), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h_);
  EXPECT_EQ(gst_buffer_get_size(out), 0u);
  gst_buffer_unref(out);
  set_caps(GST_VIDEO_FORMAT_RGB, 3, 3);
  push(0, 30);
  push(1, kSettle);
  EXPECT_EQ(cuts().size(), 1u);
}

TEST_F(SceneDetectTest, RefusesCapsItCannotRead) {
  for (const char *refused :
       {"video/x-raw,format=GRAY8,width=64,height=48,framerate=25/1",
        "audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved"}) {
    SCOPED_TRACE(refused);
    GstCaps *caps = gst_caps_from_string(refused);
    GstPad *sink = gst_element_get_static_pad(h_->element, "sink");
    EXPECT_FALSE(gst_pad_query_accept_caps(sink, caps));
    gst_object_unref(sink);
    gst_harness_set_src_caps(h_, caps);
    EXPECT_EQ(gst_harness_push(h_, gst_buffer_new_allocate(nullptr, 64 * 48, nullptr)),
              GST_FLOW_NOT_NEGOTIATED);
    start();
  }
}

TEST_F(SceneDetectTest, AFrameBeforeAnyCapsIsAClearError) {
  EXPECT_EQ(gst_harness_push(h_, gst_buffer_new_allocate(nullptr, 64 * 48, nullptr)),
            GST_FLOW_NOT_NEGOTIATED);
  const std::string errors = onair::element_test::take_error_text(bus_);
  EXPECT_NE(errors.find("raw video in"), std::string::npos) << errors;
  EXPECT_NE(errors.find("I420"), std::string::npos) << errors;
}

namespace {

// Whether GStreamer's jpegdec decodes the file to a picture of the given size.
bool decodes(const std::string &file, int width, int height) {
  const std::string line = "filesrc location=\"" + file + "\" ! jpegdec ! fakesink name=sink";
  GstElement *pipeline = gst_parse_launch(line.c_str(), nullptr);
  if (!pipeline) return false;
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  onair::MessagePtr m(gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  bool ok = m && GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_EOS;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  GstVideoInfo info;
  ok = ok && caps && gst_video_info_from_caps(&info, caps) && info.width == width &&
       info.height == height;
  if (caps) gst_caps_unref(caps);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pad);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return ok;
}

}  // namespace

TEST_F(SceneDetectTest, SnapshotsEachNewSceneAndTheIndexGoesOnInTheNextRun) {
  const std::string dir = make_dir() + "/shots";
  for (int run = 0; run < 2; run++) {
    SCOPED_TRACE(run);
    start([&](GstElement *e) {
      g_object_set(e, "snapshot-location", dir.c_str(), "jpeg-quality", 70, nullptr);
    });
    set_caps(GST_VIDEO_FORMAT_I420);
    push(0, 30);
    push(1, kSettle);
    auto found = cuts();
    ASSERT_EQ(found.size(), 1u);
    const std::string id = run == 0 ? "F0001" : "F0003";
    EXPECT_EQ(field_str(found[0].get(), msg::kSnapshotId), id);
    const std::string file = field_str(found[0].get(), msg::kSnapshotPath);
    EXPECT_EQ(file, dir + "/" + id + ".jpg");

    gchar *returned = nullptr;
    g_signal_emit_by_name(h_->element, "capture-now", &returned);
    ASSERT_NE(returned, nullptr);
    EXPECT_EQ(std::string(returned), run == 0 ? "F0002" : "F0004");  // ids go on
    g_free(returned);
    found = cuts();
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(field_str(found[0].get(), msg::kKind), msg::kKindManual);

    // Stopping finishes the queued snapshots.
    gst_element_set_state(h_->element, GST_STATE_NULL);
    EXPECT_TRUE(decodes(file, 160, 90)) << file;
  }
  const onair::test::JsonArrayFile index(dir + "/index.json");
  ASSERT_NE(index.array, nullptr);
  ASSERT_EQ(index.size(), 4u);
  const char *kinds[] = {"cut", "manual", "cut", "manual"};
  for (guint i = 0; i < 4; i++) {
    EXPECT_EQ(index.field(i, "id"), "F000" + std::to_string(i + 1));
    EXPECT_EQ(index.field(i, "kind"), kinds[i]);
  }
  EXPECT_DOUBLE_EQ(json_object_get_double_member(index.at(0), "timestamp"), 30.0 / kFps);
}

TEST_F(SceneDetectTest, AnUnwritableSnapshotDirectoryWarnsAndTheStreamGoesOn) {
  const std::string blocker = make_dir() + "/file";
  ASSERT_TRUE(g_file_set_contents(blocker.c_str(), "x", -1, nullptr));
  start([&](GstElement *e) {
    g_object_set(e, "snapshot-location", (blocker + "/shots").c_str(), nullptr);
  });
  set_caps(GST_VIDEO_FORMAT_I420);
  onair::MessagePtr warning{gst_bus_pop_filtered(bus_, GST_MESSAGE_WARNING)};
  ASSERT_NE(warning, nullptr);
  GError *error = nullptr;
  gst_message_parse_warning(warning.get(), &error, nullptr);
  EXPECT_NE(std::string(error->message).find("snapshot"), std::string::npos) << error->message;
  g_error_free(error);
  push(0, 30);
  push(1, kSettle);
  const auto found = cuts();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(gst_structure_has_field(found[0].get(), msg::kSnapshotId));
  gchar *returned = nullptr;
  g_signal_emit_by_name(h_->element, "capture-now", &returned);
  EXPECT_EQ(returned, nullptr);
}
