// broadcastoverlay in a GstHarness: where things appear in the output frames,
// and when, on buffer running time.
#include <cairo.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "broadcastoverlay_messages.h"
#include "element_test.h"

namespace {

namespace msg = onair::broadcastoverlay_messages;

constexpr guint64 kMs = GST_MSECOND;

struct Region {
  int x0, y0, x1, y1;
};

// A mapped BGRx frame pulled from a harness.
class Picture {
 public:
  Picture(GstBuffer *buffer, int w, int h) : buffer_(buffer), w_(w), h_(h) {
    gst_buffer_map(buffer_, &map_, GST_MAP_READ);
  }
  ~Picture() {
    gst_buffer_unmap(buffer_, &map_);
    gst_buffer_unref(buffer_);
  }
  const uint8_t *px(int x, int y) const { return map_.data + (size_t(y) * w_ + x) * 4; }
  // Pixels in the region brighter than `level` in any channel.
  int bright(Region r, int level = 100) const {
    int n = 0;
    for (int y = r.y0; y < r.y1; y++)
      for (int x = r.x0; x < r.x1; x++) {
        const uint8_t *p = px(x, y);
        if (p[0] > level || p[1] > level || p[2] > level) n++;
      }
    return n;
  }
  // Mean B, G, R over the region.
  std::vector<double> mean(Region r) const {
    std::vector<double> m(3, 0);
    for (int y = r.y0; y < r.y1; y++)
      for (int x = r.x0; x < r.x1; x++)
        for (int c = 0; c < 3; c++) m[c] += px(x, y)[c];
    for (double &v : m) v /= double(r.x1 - r.x0) * (r.y1 - r.y0);
    return m;
  }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  GstBuffer *buffer_;
  GstMapInfo map_;
  int w_, h_;
};

class BroadcastOverlayTest : public ::testing::Test {
 protected:
  void SetUp() override { bus_ = gst_bus_new(); }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
    gst_object_unref(bus_);
  }

  void make(int w = 640, int h = 360, const char *format = "BGRx") {
    w_ = w, hgt_ = h;
    h_ = gst_harness_new("broadcastoverlay");
    ASSERT_NE(h_, nullptr);
    gst_element_set_bus(h_->element, bus_);
    gst_harness_set_src_caps_str(
        h_, ("video/x-raw,format=" + std::string(format) + ",width=" + std::to_string(w) +
             ",height=" + std::to_string(h) + ",framerate=10/1")
                .c_str());
  }
  GstElement *overlay() { return h_->element; }

  // Pushes a frame of one grey level at `pts` and returns the output.
  Picture push(guint64 pts, uint8_t level = 0) {
    GstBuffer *b = gst_buffer_new_allocate(nullptr, size_t(w_) * hgt_ * 4, nullptr);
    gst_buffer_memset(b, 0, level, size_t(w_) * hgt_ * 4);
    GST_BUFFER_PTS(b) = pts;
    GST_BUFFER_DURATION(b) = 100 * kMs;
    EXPECT_EQ(gst_harness_push(h_, b), GST_FLOW_OK);
    return Picture(gst_harness_pull(h_), w_, hgt_);
  }

  bool add_chat(const char *user, const char *text, const char *color = "") {
    gboolean ok = FALSE;
    g_signal_emit_by_name(overlay(), "add-chat", user, text, color, &ok);
    return ok;
  }
  bool add_alert(const char *text, const char *type, guint64 duration) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(overlay(), "add-alert", text, type, duration, &ok);
    return ok;
  }

  std::vector<onair::StructurePtr> alert_messages() {
    return onair::element_test::take_element_messages(bus_, msg::kAlert);
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  int w_ = 0, hgt_ = 0;
};

TEST_F(BroadcastOverlayTest, ChatLineAppearsBottomLeftAndGoesAfterItsTimeToLive) {
  make();
  g_object_set(overlay(), "chat-ttl", guint64(2 * GST_SECOND), nullptr);
  const Region chat{0, 240, 320, 360}, elsewhere{0, 0, 640, 200}, right{400, 240, 640, 360};
  EXPECT_EQ(push(0).bright(chat), 0);

  ASSERT_TRUE(add_chat("alice", "hello from the chat", "#ff0000"));
  {
    Picture p = push(500 * kMs);  // shown from here: until 2.5 s
    EXPECT_GT(p.bright(chat), 50);
    EXPECT_EQ(p.bright(elsewhere), 0);
    EXPECT_EQ(p.bright(right), 0);
    // The user name is red.
    int red = 0;
    for (int y = chat.y0; y < chat.y1; y++)
      for (int x = chat.x0; x < chat.x1; x++)
        if (p.px(x, y)[2] > 150 && p.px(x, y)[1] < 60) red++;
    EXPECT_GT(red, 10);
  }
  unsigned count = 0;
  g_object_get(overlay(), "chat-count", &count, nullptr);
  EXPECT_EQ(count, 1u);
  EXPECT_GT(push(2000 * kMs).bright(chat), 50);
  EXPECT_EQ(push(2500 * kMs).bright(chat), 0);  // exactly its time to live
  g_object_get(overlay(), "chat-count", &count, nullptr);
  EXPECT_EQ(count, 0u);
}

TEST_F(BroadcastOverlayTest, AlertsPlayInOrderForTheirDurations) {
  make();
  ASSERT_TRUE(add_alert("first", "info", GST_SECOND));
  ASSERT_TRUE(add_alert("second", "error", GST_SECOND));
  const Region top{220, 0, 420, 80};
  std::vector<std::vector<double>> colours;
  for (guint64 t = 0; t <= 2500 * kMs; t += 100 * kMs) {
    Picture p = push(t);
    if (t == 500 * kMs || t == 1500 * kMs || t == 2500 * kMs) colours.push_back(p.mean(top));
  }
  // Info is blue, error red, then nothing.
  EXPECT_GT(colours[0][0], 2 * colours[0][2] + 5);
  EXPECT_GT(colours[1][2], 2 * colours[1][0] + 5);
  EXPECT_LT(colours[2][0] + colours[2][1] + colours[2][2], 1.0);

  const auto messages = alert_messages();
  ASSERT_EQ(messages.size(), 4u);
  const char *want[][2] = {{msg::kShown, "first"},
                           {msg::kDone, "first"},
                           {msg::kShown, "second"},
                           {msg::kDone, "second"}};
  const guint64 at[] = {0, GST_SECOND, GST_SECOND, 2 * GST_SECOND};
  for (size_t i = 0; i < 4; i++) {
    EXPECT_STREQ(gst_structure_get_string(messages[i].get(), msg::kEvent), want[i][0]);
    EXPECT_STREQ(gst_structure_get_string(messages[i].get(), msg::kText), want[i][1]);
    guint64 rt = 0;
    gst_structure_get_uint64(messages[i].get(), msg::kRunningTime, &rt);
    EXPECT_EQ(rt, at[i]) << i;
  }
}

TEST_F(BroadcastOverlayTest, RejectsBadCommandsAndSurvivesHostileText) {
  make();
  EXPECT_FALSE(add_chat("bob", "hi", "not-a-colour"));
  EXPECT_FALSE(add_chat("bob", "", ""));
  EXPECT_FALSE(add_alert("x", "fatal", 0));
  EXPECT_FALSE(add_alert("", "info", 0));
  // Invalid UTF-8, control characters and a megabyte of text are drawn
  // cleaned and cut, never refused or crashed on.
  EXPECT_TRUE(add_chat("\xff\xfe", "bad \xc3\x28 bytes \x1b[2J", ""));
  EXPECT_TRUE(add_chat("big", std::string(1 << 20, 'x').c_str(), ""));
  g_object_set(overlay(), "status", "\xed\xa0\x80\n\t status", nullptr);
  Picture p = push(0);
  EXPECT_GT(p.bright({0, 0, 640, 360}), 100);
}

TEST_F(BroadcastOverlayTest, MissingLogoIsAWarningAndTheStreamGoesOn) {
  make();
  g_object_set(overlay(), "logo-location", "/nonexistent/logo.png", "status", "on", nullptr);
  for (guint64 t = 0; t < 500 * kMs; t += 100 * kMs) push(t);
  GstMessage *m = gst_bus_pop_filtered(bus_, GST_MESSAGE_WARNING);
  ASSERT_NE(m, nullptr);
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_warning(m, &err, &debug);
  EXPECT_TRUE(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ));
  EXPECT_NE(std::string(debug).find("/nonexistent/logo.png"), std::string::npos);
  g_error_free(err);
  g_free(debug);
  gst_message_unref(m);
  EXPECT_EQ(gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR), nullptr);
  // Only one warning, not one per frame.
  EXPECT_EQ(gst_bus_pop_filtered(bus_, GST_MESSAGE_WARNING), nullptr);
}

TEST_F(BroadcastOverlayTest, LogoAtItsCornerWithItsOpacity) {
  make();
  const std::string logo = std::string(ONAIR_SOURCE_DIR) + "/web/logo.png";
  g_object_set(overlay(), "logo-location", logo.c_str(), "logo-scale", 0.2, nullptr);
  const Region bottom_right{440, 250, 640, 360}, top_left{0, 0, 200, 110};
  {
    Picture p = push(0);
    const auto m = p.mean(bottom_right);
    EXPECT_GT(m[2], 40);  // the red logo
    EXPECT_GT(m[2], m[1] + 20);
    EXPECT_EQ(p.bright(top_left), 0);
  }
  gst_util_set_object_arg(G_OBJECT(overlay()), "logo-position", "top-left");
  g_object_set(overlay(), "logo-opacity", 0.5, nullptr);
  Picture p = push(100 * kMs);
  EXPECT_EQ(p.bright(bottom_right, 10), 0);
  const double half = p.mean(top_left)[2];
  g_object_set(overlay(), "logo-opacity", 1.0, nullptr);
  const double full = push(200 * kMs).mean(top_left)[2];
  EXPECT_NEAR(half / full, 0.5, 0.05);
}

// Every supported format gives the same picture within rounding: compared as
// I420 luma after converting each output back.
TEST(BroadcastOverlayFormats, EveryFormatGivesTheSamePicture) {
  const int w = 320, h = 240;
  std::vector<std::vector<uint8_t>> lumas;
  for (const char *format : {"BGRx", "RGBx", "BGRA", "RGBA", "I420", "NV12"}) {
    const std::string line = std::string("videoconvert ! capsfilter caps=video/x-raw,format=") +
                             format +
                             " ! broadcastoverlay name=o status=STATUS chat-ttl=0 ! videoconvert "
                             "! capsfilter caps=video/x-raw,format=I420";
    GstHarness *hs = gst_harness_new_parse(line.c_str());
    gst_harness_set_src_caps_str(hs,
                                 "video/x-raw,format=BGRx,width=320,height=240,framerate=10/1,"
                                 "colorimetry=sRGB");
    GstElement *o = gst_bin_get_by_name(GST_BIN(hs->element), "o");
    gboolean ok;
    g_signal_emit_by_name(o, "add-chat", "alice", "mixed colours and text", "#30c0ff", &ok);
    g_signal_emit_by_name(o, "add-alert", "alert!", "success", guint64(GST_SECOND), &ok);
    gst_object_unref(o);
    GstBuffer *in = gst_buffer_new_allocate(nullptr, size_t(w) * h * 4, nullptr);
    GstMapInfo map;
    gst_buffer_map(in, &map, GST_MAP_WRITE);
    for (int y = 0; y < h; y++)  // a gradient, so blending has something to mix with
      for (int x = 0; x < w; x++)
        for (int c = 0; c < 4; c++) map.data[(y * w + x) * 4 + c] = uint8_t((x + y * c) & 0xff);
    gst_buffer_unmap(in, &map);
    GST_BUFFER_PTS(in) = 500 * kMs;  // alert fully shown
    ASSERT_EQ(gst_harness_push(hs, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(hs);
    gst_buffer_map(out, &map, GST_MAP_READ);
    lumas.emplace_back(map.data, map.data + w * h);
    gst_buffer_unmap(out, &map);
    gst_buffer_unref(out);
    gst_harness_teardown(hs);
  }
  for (size_t f = 1; f < lumas.size(); f++) {
    double sum = 0;
    int worst = 0;
    for (size_t i = 0; i < lumas[0].size(); i++) {
      const int d = std::abs(int(lumas[f][i]) - int(lumas[0][i]));
      sum += d;
      worst = std::max(worst, d);
    }
    EXPECT_LT(sum / lumas[0].size(), 0.6) << "format #" << f;
    EXPECT_LE(worst, 6) << "format #" << f;
  }
}

// When downstream draws overlay compositions, the frame is left alone and the
// pictures travel as a GstVideoOverlayCompositionMeta; drawn, it is the same
// picture as blending.
TEST(BroadcastOverlayAttach, AttachesACompositionWhenDownstreamDrawsIt) {
  std::vector<std::vector<uint8_t>> results;
  for (bool attach : {false, true}) {
    GstHarness *h = gst_harness_new("broadcastoverlay");
    if (attach)
      gst_harness_add_propose_allocation_meta(h, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
                                              nullptr);
    gst_harness_set_src_caps_str(h, "video/x-raw,format=BGRA,width=320,height=240,framerate=10/1");
    g_object_set(h->element, "status", "attached", nullptr);
    gboolean ok;
    g_signal_emit_by_name(h->element, "add-chat", "bob", "over the top", "", &ok);
    GstBuffer *in = gst_buffer_new_allocate(nullptr, 320 * 240 * 4, nullptr);
    gst_buffer_memset(in, 0, 40, 320 * 240 * 4);
    GST_BUFFER_PTS(in) = 0;
    ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(h);
    GstVideoOverlayCompositionMeta *meta = gst_buffer_get_video_overlay_composition_meta(out);
    GstVideoInfo info;
    GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
    gst_video_info_from_caps(&info, caps);
    gst_caps_unref(caps);
    if (attach) {
      ASSERT_NE(meta, nullptr);
      EXPECT_EQ(gst_video_overlay_composition_n_rectangles(meta->overlay), 2u);
      GstMapInfo map;
      gst_buffer_map(out, &map, GST_MAP_READ);
      bool untouched = true;
      for (gsize i = 0; i < map.size; i++) untouched &= map.data[i] == 40;
      gst_buffer_unmap(out, &map);
      EXPECT_TRUE(untouched);
      out = gst_buffer_make_writable(out);
      meta = gst_buffer_get_video_overlay_composition_meta(out);
      GstVideoFrame frame;
      ASSERT_TRUE(gst_video_frame_map(&frame, &info, out, GST_MAP_READWRITE));
      gst_video_overlay_composition_blend(meta->overlay, &frame);
      gst_video_frame_unmap(&frame);
    } else {
      EXPECT_EQ(meta, nullptr);
    }
    GstMapInfo map;
    gst_buffer_map(out, &map, GST_MAP_READ);
    results.emplace_back(map.data, map.data + map.size);
    gst_buffer_unmap(out, &map);
    gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
  double sum = 0;
  for (size_t i = 0; i < results[0].size(); i++)
    if (i % 4 != 3) sum += std::abs(int(results[0][i]) - int(results[1][i]));
  EXPECT_LT(sum / (results[0].size() * 3 / 4), 1.0);
}

// One fixed scene against a stored picture, with a tolerance for font
// rendering differences. ONAIR_UPDATE_GOLDEN=1 rewrites the picture.
TEST_F(BroadcastOverlayTest, MatchesTheGoldenImage) {
  make(640, 360);
  const std::string logo = std::string(ONAIR_SOURCE_DIR) + "/web/logo.png";
  g_object_set(overlay(), "status", "LIVE 1:23:45", "logo-location", logo.c_str(), "chat-ttl",
               guint64(0), nullptr);
  add_chat("alice", "Hello everyone!", "#ff6347");
  add_chat("bob", "This line is long enough that it has to wrap onto a second line", "#1e90ff");
  add_alert("New follower: carol", "success", 10 * GST_SECOND);
  push(0, 60);  // the alert starts here and fades in
  Picture p = push(GST_SECOND, 60);

  const std::string golden =
      std::string(ONAIR_SOURCE_DIR) + "/tests/element/golden/broadcastoverlay-640x360.png";
  if (const char *update = std::getenv("ONAIR_UPDATE_GOLDEN"); update && *update == '1') {
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 640, 360);
    uint8_t *d = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < 360; y++) memcpy(d + y * stride, p.px(0, y), 640 * 4);
    cairo_surface_mark_dirty(s);
    ASSERT_EQ(cairo_surface_write_to_png(s, golden.c_str()), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
  }
  cairo_surface_t *s = cairo_image_surface_create_from_png(golden.c_str());
  ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS) << golden;
  ASSERT_EQ(cairo_image_surface_get_width(s), 640);
  ASSERT_EQ(cairo_image_surface_get_height(s), 360);
  const uint8_t *d = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  double sum = 0;
  int far = 0;
  for (int y = 0; y < 360; y++)
    for (int x = 0; x < 640; x++)
      for (int c = 0; c < 3; c++) {
        const int diff = std::abs(int(d[y * stride + x * 4 + c]) - int(p.px(x, y)[c]));
        sum += diff;
        far += diff > 48;
      }
  cairo_surface_destroy(s);
  EXPECT_LT(sum / (640 * 360 * 3), 2.0);
  EXPECT_LT(far, 640 * 360 * 3 / 200);  // under 0.5 % of values far off
}

}  // namespace
