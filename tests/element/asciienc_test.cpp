// asciienc in a GstHarness: negotiation for every input and output format,
// the grid and its header in the caps, frame contents and indices, max-fps on
// running time, changed-cells frames and refused settings.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "element_test.h"
#include "onair/alt_payload.h"

namespace {

const char *kFormats[] = {"I420", "NV12", "BGRx", "RGBx", "BGRA", "RGBA", "BGR", "RGB"};

std::string video_caps(const char *format, int w, int h, const char *fps = "30/1") {
  return std::string("video/x-raw,format=") + format + ",width=" + std::to_string(w) +
         ",height=" + std::to_string(h) + ",framerate=" + fps;
}

uint32_t be32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

class AsciiEncTest : public ::testing::Test {
 protected:
  void SetUp() override { bus_ = gst_bus_new(); }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
    gst_object_unref(bus_);
  }

  void make(const std::string &caps, const char *props = nullptr) {
    h_ = gst_harness_new("asciienc");
    ASSERT_NE(h_, nullptr);
    gst_element_set_bus(h_->element, bus_);
    props_ = props ? props : "";
    apply_props();
    gst_harness_set_src_caps_str(h_, caps.c_str());
    set_info(caps);
  }

  void set_info(const std::string &caps) {
    GstCaps *c = gst_caps_from_string(caps.c_str());
    ASSERT_TRUE(gst_video_info_from_caps(&info_, c));
    gst_caps_unref(c);
  }

  void apply_props() {
    // "name=value name=value" through the same parser gst-launch uses.
    gchar **parts = g_strsplit(props_.c_str(), " ", -1);
    for (gchar **p = parts; *p; p++) {
      if (!**p) continue;
      gchar **kv = g_strsplit(*p, "=", 2);
      gst_util_set_object_arg(G_OBJECT(h_->element), kv[0], kv[1]);
      g_strfreev(kv);
    }
    g_strfreev(parts);
  }

  // A frame of the negotiated format filled by fill(x, y) -> (r, g, b).
  template <typename Fill>
  GstFlowReturn push(GstClockTime pts, Fill fill) {
    GstBuffer *b = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info_), nullptr);
    GstVideoFrame f;
    gst_video_frame_map(&f, &info_, b, GST_MAP_WRITE);
    const int w = GST_VIDEO_INFO_WIDTH(&info_), h = GST_VIDEO_INFO_HEIGHT(&info_);
    const GstVideoFormat fmt = GST_VIDEO_INFO_FORMAT(&info_);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        uint8_t r, g, bl;
        fill(x, y, r, g, bl);
        auto *p0 = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) +
                   y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
        if (fmt == GST_VIDEO_FORMAT_I420 || fmt == GST_VIDEO_FORMAT_NV12) {
          // BT.601 limited range; chroma from the top-left pixel of each 2x2.
          p0[x] = uint8_t((66 * r + 129 * g + 25 * bl + 128) / 256 + 16);
          if (x % 2 == 0 && y % 2 == 0) {
            const uint8_t u = uint8_t(((-38 * r - 74 * g + 112 * bl + 128) >> 8) + 128);
            const uint8_t v = uint8_t(((112 * r - 94 * g - 18 * bl + 128) >> 8) + 128);
            auto *p1 = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 1)) +
                       (y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 1);
            if (fmt == GST_VIDEO_FORMAT_NV12) {
              p1[x] = u;
              p1[x + 1] = v;
            } else {
              auto *p2 = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 2)) +
                         (y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 2);
              p1[x / 2] = u;
              p2[x / 2] = v;
            }
          }
        } else {
          const GstVideoFormatInfo *fi = info_.finfo;
          uint8_t *px = p0 + x * GST_VIDEO_FORMAT_INFO_PSTRIDE(fi, 0);
          px[GST_VIDEO_FORMAT_INFO_POFFSET(fi, 0)] = r;
          px[GST_VIDEO_FORMAT_INFO_POFFSET(fi, 1)] = g;
          px[GST_VIDEO_FORMAT_INFO_POFFSET(fi, 2)] = bl;
          if (GST_VIDEO_FORMAT_INFO_HAS_ALPHA(fi)) px[GST_VIDEO_FORMAT_INFO_POFFSET(fi, 3)] = 255;
        }
      }
    gst_video_frame_unmap(&f);
    GST_BUFFER_PTS(b) = pts;
    GST_BUFFER_DURATION(b) = GST_SECOND / 30;
    return gst_harness_push(h_, b);
  }
  GstFlowReturn push_grey(GstClockTime pts, uint8_t level = 128) {
    return push(pts, [level](int, int, uint8_t &r, uint8_t &g, uint8_t &b) { r = g = b = level; });
  }

  const GstStructure *out_caps() {
    GstCaps *caps = gst_pad_get_current_caps(h_->sinkpad);
    if (!caps) return nullptr;
    caps_.reset(caps);
    return gst_caps_get_structure(caps, 0);
  }
  std::string pop_bytes(GstBuffer **keep = nullptr) {
    GstBuffer *b = gst_harness_try_pull(h_);
    if (!b) return "";
    GstMapInfo m;
    gst_buffer_map(b, &m, GST_MAP_READ);
    std::string s(reinterpret_cast<char *>(m.data), m.size);
    gst_buffer_unmap(b, &m);
    if (keep)
      *keep = b;
    else
      gst_buffer_unref(b);
    return s;
  }
  std::string error_text() { return onair::element_test::take_error_text(bus_); }

  struct CapsUnref {
    void operator()(GstCaps *c) const { gst_caps_unref(c); }
  };
  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  GstVideoInfo info_;
  std::string props_;
  std::unique_ptr<GstCaps, CapsUnref> caps_;
};

}  // namespace

TEST_F(AsciiEncTest, EveryInputFormatToAsciiline) {
  for (const char *f : kFormats) {
    SCOPED_TRACE(f);
    make(video_caps(f, 67, 45), "cols=10 rows=3");
    ASSERT_EQ(push_grey(0, 200), GST_FLOW_OK);
    const GstStructure *s = out_caps();
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(gst_structure_has_name(s, "application/x-asciiline"));
    const std::string frame = pop_bytes();
    ASSERT_EQ(frame.size(), 4u + 10 * 3 * 4);
    // Grey 200 everywhere: one glyph, one colour (quantised by mode 3).
    for (int i = 0; i < 30; i++) {
      EXPECT_EQ(frame[4 + i * 4], frame[4]);
      EXPECT_NEAR(uint8_t(frame[5 + i * 4]), 200, 8);
      EXPECT_EQ(uint8_t(frame[5 + i * 4]) & 7, 0);
    }
    gst_harness_teardown(h_);
    h_ = nullptr;
  }
}

TEST_F(AsciiEncTest, EveryOutputFormat) {
  struct Out {
    const char *props, *name;
  } outs[] = {{"format=asciiline", "application/x-asciiline"},
              {"format=ansi", "text/x-ansi"},
              {"format=text", "text/x-raw"}};
  for (const char *f : kFormats)
    for (const Out &o : outs) {
      SCOPED_TRACE(std::string(f) + " " + o.props);
      make(video_caps(f, 64, 48), (std::string(o.props) + " cols=8 rows=4").c_str());
      ASSERT_EQ(push_grey(0, 255), GST_FLOW_OK);
      const GstStructure *s = out_caps();
      ASSERT_NE(s, nullptr);
      EXPECT_TRUE(gst_structure_has_name(s, o.name));
      const std::string out = pop_bytes();
      if (std::string(o.name) == "text/x-raw") {
        EXPECT_STREQ(gst_structure_get_string(s, "format"), "utf8");
        // The lightest glyph of the default ramp.
        EXPECT_EQ(out, "$$$$$$$$\n$$$$$$$$\n$$$$$$$$\n$$$$$$$$\n");
      } else if (std::string(o.name) == "text/x-ansi") {
        int cols = 0, rows = 0;
        gst_structure_get_int(s, "cols", &cols);
        gst_structure_get_int(s, "rows", &rows);
        EXPECT_EQ(cols, 8);
        EXPECT_EQ(rows, 4);
        EXPECT_EQ(out.rfind("\x1b[2J\x1b[H\x1b[38;2;", 0), 0u);
      } else {
        EXPECT_EQ(out.size(), 4u + 32 * 4);
      }
      gst_harness_teardown(h_);
      h_ = nullptr;
    }
}

TEST_F(AsciiEncTest, HeaderInTheCapsAndDerivedRows) {
  make(video_caps("I420", 320, 240));
  ASSERT_EQ(push_grey(0), GST_FLOW_OK);
  const GstStructure *s = out_caps();
  ASSERT_NE(s, nullptr);
  int cols = 0, rows = 0, mode = 0, fn = 0, fd = 0;
  gboolean changed = TRUE;
  EXPECT_TRUE(gst_structure_get_int(s, "cols", &cols));
  EXPECT_TRUE(gst_structure_get_int(s, "rows", &rows));
  EXPECT_TRUE(gst_structure_get_int(s, "mode", &mode));
  EXPECT_TRUE(gst_structure_get_fraction(s, "framerate", &fn, &fd));
  EXPECT_TRUE(gst_structure_get_boolean(s, "changed-cells", &changed));
  EXPECT_EQ(cols, 120);
  EXPECT_EQ(rows, 45);  // 120 * 240/320 / 2.0
  EXPECT_EQ(mode, 3);
  EXPECT_EQ(fn, 30);
  EXPECT_EQ(fd, 1);
  EXPECT_FALSE(changed);
  EXPECT_STREQ(gst_structure_get_string(s, "init"), "INIT:30.0:3:120:45:0");
  EXPECT_EQ(pop_bytes().size(), 4u + 120 * 45 * 4);
}

TEST_F(AsciiEncTest, ModeOneAndGlyphAspect) {
  make(video_caps("BGRx", 200, 100, "25/1"), "cols=50 glyph-aspect=1.0 mode=1");
  ASSERT_EQ(push_grey(0), GST_FLOW_OK);
  EXPECT_STREQ(gst_structure_get_string(out_caps(), "init"), "INIT:25.0:1:50:25:0");
  EXPECT_EQ(pop_bytes().size(), 4u + 50 * 25);
}

TEST_F(AsciiEncTest, OnePixelCellsAndUnevenWidths) {
  // Each cell one pixel: its colour is that pixel's.
  make(video_caps("RGB", 7, 5), "cols=7 rows=5 mode=5");
  const auto fill = [](int x, int y, uint8_t &r, uint8_t &g, uint8_t &b) {
    r = uint8_t(x * 30), g = uint8_t(y * 50), b = uint8_t(255 - x * y * 7);
  };
  ASSERT_EQ(push(0, fill), GST_FLOW_OK);
  std::string f = pop_bytes();
  ASSERT_EQ(f.size(), 4u + 35 * 4);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 7; x++) {
      uint8_t r, g, b;
      fill(x, y, r, g, b);
      const char *c = f.data() + 4 + (y * 7 + x) * 4;
      EXPECT_EQ(uint8_t(c[1]), r);
      EXPECT_EQ(uint8_t(c[2]), g);
      EXPECT_EQ(uint8_t(c[3]), b);
    }
  gst_harness_teardown(h_);
  // 10 columns over 7 pixels wide cells of 1, 0 or 1 pixels: every cell
  // still covers one; 3 columns over 10 pixels: 3, 3 and 4 pixels.
  make(video_caps("BGRx", 10, 4), "cols=3 rows=1 mode=5");
  ASSERT_EQ(push(0, [](int x, int, uint8_t &r, uint8_t &g,
                       uint8_t &b) { r = x < 6 ? 0 : 200, g = 0, b = 0; }),
            GST_FLOW_OK);
  f = pop_bytes();
  ASSERT_EQ(f.size(), 4u + 12);
  EXPECT_EQ(uint8_t(f[4 + 1]), 0);
  EXPECT_EQ(uint8_t(f[8 + 1]), 0);
  EXPECT_EQ(uint8_t(f[12 + 1]), 200);
  gst_harness_teardown(h_);
  make(video_caps("I420", 7, 5), "cols=20 rows=9");
  ASSERT_EQ(push_grey(0), GST_FLOW_OK);
  EXPECT_EQ(pop_bytes().size(), 4u + 20 * 9 * 4);
}

TEST_F(AsciiEncTest, FrameIndexIncrementsAndTimestampsStay) {
  make(video_caps("NV12", 64, 32), "cols=4 rows=2");
  for (int i = 0; i < 5; i++) ASSERT_EQ(push_grey(i * GST_SECOND / 30), GST_FLOW_OK);
  for (uint32_t i = 0; i < 5; i++) {
    GstBuffer *b = nullptr;
    const std::string f = pop_bytes(&b);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(be32(reinterpret_cast<const uint8_t *>(f.data())), i);
    EXPECT_EQ(GST_BUFFER_PTS(b), i * GST_SECOND / 30);
    EXPECT_EQ(GST_BUFFER_DURATION(b), GST_SECOND / 30);
    EXPECT_EQ(GST_BUFFER_OFFSET(b), i);
    EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
    gst_buffer_unref(b);
  }
}

TEST_F(AsciiEncTest, MaxFpsDropsEvenlyOnRunningTime) {
  make(video_caps("I420", 64, 32), "cols=4 rows=2 max-fps=20");
  // A segment starting at 10 s: running time is pts - 10 s.
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  seg.start = 10 * GST_SECOND;
  gst_harness_push_event(h_, gst_event_new_segment(&seg));
  std::vector<GstClockTime> kept;
  for (int i = 0; i < 90; i++) {
    const GstClockTime pts = 10 * GST_SECOND + gst_util_uint64_scale(i, GST_SECOND, 30);
    ASSERT_EQ(push_grey(pts), GST_FLOW_OK);
    while (GstBuffer *b = gst_harness_try_pull(h_)) {
      kept.push_back(GST_BUFFER_PTS(b) - 10 * GST_SECOND);
      GstMapInfo m;
      gst_buffer_map(b, &m, GST_MAP_READ);
      EXPECT_EQ(be32(m.data), kept.size() - 1);  // indices count output frames
      gst_buffer_unmap(b, &m);
      gst_buffer_unref(b);
    }
  }
  EXPECT_EQ(kept.size(), 60u);
  // Gaps alternate one and two input frames: never two drops in a row.
  for (size_t i = 1; i < kept.size(); i++) {
    const GstClockTime gap = kept[i] - kept[i - 1];
    EXPECT_TRUE(gap >= GST_SECOND / 30 - 1 && gap <= 2 * GST_SECOND / 30 + 1) << i;
  }
  int fn = 0, fd = 0;
  gst_structure_get_fraction(out_caps(), "framerate", &fn, &fd);
  EXPECT_EQ(fn, 20);
  EXPECT_EQ(fd, 1);
  EXPECT_STREQ(gst_structure_get_string(out_caps(), "init"), "INIT:20.0:3:4:2:0");
}

// The bytes of one alternative payload of `b` (onair/alt_payload.h); empty when absent.
std::string alternative(GstBuffer *b, const char *field) {
  const GstStructure *s = onair::alt_payload::find(b);
  GstBuffer *alt = nullptr;
  if (!s || !gst_structure_get(s, field, GST_TYPE_BUFFER, &alt, nullptr)) return {};
  std::string bytes(gst_buffer_get_size(alt), '\0');
  gst_buffer_extract(alt, 0, bytes.data(), bytes.size());
  gst_buffer_unref(alt);
  return bytes;
}

uint64_t alt_number(GstBuffer *b, const char *field) {
  guint64 n = G_MAXUINT64;
  gst_structure_get_uint64(onair::alt_payload::find(b), field, &n);
  return n;
}

TEST_F(AsciiEncTest, ChangedCellsFramesAndFullFramesOnRequest) {
  namespace ap = onair::alt_payload;
  make(video_caps("BGRx", 64, 32), "cols=8 rows=4 changed-cells=true keyframe-interval=0");
  for (int i = 0; i < 3; i++) ASSERT_EQ(push_grey(i * GST_SECOND / 30), GST_FLOW_OK);
  // The buffers are the seed's frames; the changed-cells stream has its own header.
  EXPECT_STREQ(gst_structure_get_string(out_caps(), "init"), "INIT:30.0:3:8:4:0");
  EXPECT_STREQ(gst_structure_get_string(out_caps(), "alt-init"), "INIT:30.0:3:8:4:1");
  GstBuffer *b = nullptr;
  std::string seed = pop_bytes(&b);
  EXPECT_EQ(seed.size(), 4u + 32 * 4);
  std::string f = alternative(b, ap::kFull);
  EXPECT_EQ(f.size(), 5u + 32 * 4);
  EXPECT_EQ(f[4], 0);
  EXPECT_EQ(f.substr(0, 4) + f.substr(5), seed);
  EXPECT_EQ(alternative(b, ap::kDelta), "");  // nothing to be relative to
  EXPECT_EQ(alt_number(b, ap::kSequence), 0u);
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref(b);
  for (int i = 0; i < 2; i++) {
    seed = pop_bytes(&b);
    EXPECT_EQ(seed.size(), 4u + 32 * 4);
    EXPECT_EQ(be32(reinterpret_cast<const uint8_t *>(seed.data())), uint32_t(i + 1));
    f = alternative(b, ap::kDelta);
    EXPECT_EQ(f, std::string("\0\0\0", 3) + char(i + 1) + std::string("\1\0\0\0\0", 5));
    EXPECT_EQ(alt_number(b, ap::kSequence), uint64_t(i + 1));
    EXPECT_EQ(alt_number(b, ap::kBase), uint64_t(i));
    // The whole frame too, for a client that missed the base.
    EXPECT_EQ(alternative(b, ap::kFull).size(), 5u + 32 * 4);
    EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
    gst_buffer_unref(b);
  }
  // Downstream asks for a full frame: no delta then.
  EXPECT_TRUE(gst_harness_push_upstream_event(
      h_, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0)));
  ASSERT_EQ(push_grey(3 * GST_SECOND / 30), GST_FLOW_OK);
  pop_bytes(&b);
  EXPECT_EQ(alternative(b, ap::kFull).size(), 5u + 32 * 4);
  EXPECT_EQ(alternative(b, ap::kDelta), "");
  gst_buffer_unref(b);
  // One changed cell: one run.
  ASSERT_EQ(
      push(4 * GST_SECOND / 30, [](int x, int y, uint8_t &r, uint8_t &g,
                                   uint8_t &bl) { r = g = bl = (x < 8 && y < 8) ? 255 : 128; }),
      GST_FLOW_OK);
  pop_bytes(&b);
  f = alternative(b, ap::kDelta);
  gst_buffer_unref(b);
  ASSERT_EQ(f.size(), 5u + 4 + 6 + 4);
  EXPECT_EQ(uint8_t(f[15]), uint8_t('$'));
}

TEST_F(AsciiEncTest, SettingsChangedWhilePlayingRenegotiate) {
  make(video_caps("BGRx", 64, 32), "cols=8 rows=4");
  ASSERT_EQ(push_grey(0), GST_FLOW_OK);
  EXPECT_EQ(pop_bytes().size(), 4u + 32 * 4);
  g_object_set(h_->element, "cols", 4u, "mode", 1, nullptr);
  ASSERT_EQ(push_grey(GST_SECOND / 30), GST_FLOW_OK);
  EXPECT_STREQ(gst_structure_get_string(out_caps(), "init"), "INIT:30.0:1:4:4:0");
  EXPECT_EQ(pop_bytes().size(), 4u + 16);
}

TEST_F(AsciiEncTest, RefusedSettingsAreErrors) {
  struct Bad {
    const char *props, *message;
  } bad[] = {{"cols=0", "Invalid grid"},
             {"cols=5000", "Invalid grid"},
             {"cols=4096 rows=4096", "Invalid grid"},
             {"charset=", "empty"},
             {"charset=\xE2\x96\x91\xE2\x96\x88", "ASCII"}};
  for (const Bad &b : bad) {
    SCOPED_TRACE(b.props);
    GstElement *e = gst_element_factory_make("asciienc", nullptr);
    ASSERT_NE(e, nullptr);
    h_ = gst_harness_new_with_element(e, "sink", "src");
    gst_object_unref(e);
    gst_element_set_bus(h_->element, bus_);
    props_ = b.props;
    apply_props();
    gst_harness_set_src_caps_str(h_, video_caps("BGRx", 64, 32).c_str());
    set_info(video_caps("BGRx", 64, 32));
    EXPECT_NE(push_grey(0), GST_FLOW_OK);
    const std::string err = error_text();
    EXPECT_NE(err.find(b.message), std::string::npos) << err;
    gst_harness_teardown(h_);
    h_ = nullptr;
  }
  // Refused at start too, before any caps.
  GstElement *e = gst_element_factory_make("asciienc", nullptr);
  gst_element_set_bus(e, bus_);
  g_object_set(e, "charset", "", nullptr);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(error_text().find("empty"), std::string::npos);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
  // Multi-byte glyphs are fine in text and ansi formats.
  make(video_caps("BGRx", 16, 8), "format=text cols=2 rows=1");
  g_object_set(h_->element, "charset", " \xE2\x96\x88", nullptr);
  ASSERT_EQ(push_grey(0, 255), GST_FLOW_OK);
  EXPECT_EQ(pop_bytes(), "\xE2\x96\x88\xE2\x96\x88\n");
}

TEST_F(AsciiEncTest, PipelineToVideoEncoder) {
  GstElement *x264 = gst_element_factory_make("x264enc", nullptr);
  const bool have_x264 = x264 != nullptr;
  if (x264) gst_object_unref(x264);
  const std::string line =
      std::string(
          "videotestsrc num-buffers=10 ! asciienc cols=40 changed-cells=true ! "
          "asciirender ! videoconvert ! ") +
      (have_x264 ? "x264enc ! h264parse ! " : "") + "fakesink name=sink";
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(line.c_str(), &err);
  ASSERT_NE(pipeline, nullptr) << (err ? err->message : "");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  const auto m = onair::element_test::wait_for_message(
      bus, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR), 30 * GST_SECOND);
  gst_object_unref(bus);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(m.get()), GST_MESSAGE_EOS);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
