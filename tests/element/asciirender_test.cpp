// asciirender in a GstHarness: cell frames drawn as video with each glyph in
// its cell's colour, every output format, changed-cells frames applied to
// the kept grid, and bad input.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "element_test.h"

namespace {

struct Rgb {
  int r, g, b;
};

class AsciiRenderTest : public ::testing::Test {
 protected:
  void SetUp() override { bus_ = gst_bus_new(); }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
    gst_object_unref(bus_);
  }

  void make(const char *out_format, int cols, int rows, int mode, bool changed = false) {
    h_ = gst_harness_new("asciirender");
    ASSERT_NE(h_, nullptr);
    gst_element_set_bus(h_->element, bus_);
    g_object_set(h_->element, "cell-width", 8u, "cell-height", 16u, nullptr);
    cols_ = cols, rows_ = rows;
    pts_ = 0;
    gst_harness_set_sink_caps_str(h_, (std::string("video/x-raw,format=") + out_format).c_str());
    gst_harness_set_src_caps_str(
        h_, ("application/x-asciiline,cols=" + std::to_string(cols) +
             ",rows=" + std::to_string(rows) + ",mode=" + std::to_string(mode) +
             ",framerate=10/1,changed-cells=" + (changed ? "true" : "false"))
                .c_str());
  }

  GstFlowReturn push(const std::vector<uint8_t> &bytes) {
    GstBuffer *b = gst_buffer_new_memdup(bytes.data(), bytes.size());
    GST_BUFFER_PTS(b) = pts_;
    GST_BUFFER_DURATION(b) = GST_SECOND / 10;
    pts_ += GST_SECOND / 10;
    return gst_harness_push(h_, b);
  }

  // Per cell: the brightest pixel's colour (where the glyph fully covers).
  std::vector<Rgb> brightest(GstBuffer *buffer) {
    GstCaps *caps = gst_pad_get_current_caps(h_->sinkpad);
    GstVideoInfo info;
    EXPECT_TRUE(gst_video_info_from_caps(&info, caps));
    gst_caps_unref(caps);
    EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), cols_ * 8);
    EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), rows_ * 16);
    GstVideoFrame f;
    EXPECT_TRUE(gst_video_frame_map(&f, &info, buffer, GST_MAP_READ));
    const GstVideoFormat fmt = GST_VIDEO_INFO_FORMAT(&info);
    const auto plane = [&](int i, int x, int y) {
      return static_cast<const uint8_t *>(
          GST_VIDEO_FRAME_PLANE_DATA(&f, i))[y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, i) + x];
    };
    const auto pixel = [&](int x, int y) -> Rgb {
      if (fmt == GST_VIDEO_FORMAT_I420) {  // BT.601 limited range
        const double yy = (plane(0, x, y) - 16) * 255.0 / 219.0;
        const double u = (plane(1, x / 2, y / 2) - 128) * 255.0 / 224.0;
        const double v = (plane(2, x / 2, y / 2) - 128) * 255.0 / 224.0;
        const auto c = [](double d) { return std::clamp(int(d + 0.5), 0, 255); };
        return {c(yy + 1.402 * v), c(yy - 0.344136 * u - 0.714136 * v), c(yy + 1.772 * u)};
      }
      const int r = plane(0, x * 4 + (fmt == GST_VIDEO_FORMAT_BGRx ? 2 : 0), y);
      const int b = plane(0, x * 4 + (fmt == GST_VIDEO_FORMAT_BGRx ? 0 : 2), y);
      return {r, plane(0, x * 4 + 1, y), b};
    };
    std::vector<Rgb> cells;
    for (int r = 0; r < rows_; r++)
      for (int c = 0; c < cols_; c++) {
        Rgb best{0, 0, 0};
        for (int y = r * 16; y < r * 16 + 16; y++)
          for (int x = c * 8; x < c * 8 + 8; x++) {
            const Rgb p = pixel(x, y);
            if (p.r + p.g + p.b > best.r + best.g + best.b) best = p;
          }
        cells.push_back(best);
      }
    gst_video_frame_unmap(&f);
    return cells;
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  int cols_ = 0, rows_ = 0;
  GstClockTime pts_ = 0;
};

// 2x2 cells: red '@', blank, green '#', blue 'M' (mode 3 colours).
const std::vector<uint8_t> kFrame = {0,    0,    0,   0, '@',  0xF8, 0,   0, ' ', 0xF8,
                                     0xF8, 0xF8, '#', 0, 0xF8, 0,    'M', 0, 0,   0xF8};

}  // namespace

TEST_F(AsciiRenderTest, CellsInTheirColoursInEveryFormat) {
  for (const char *format : {"BGRx", "RGBx", "I420"}) {
    SCOPED_TRACE(format);
    make(format, 2, 2, 3);
    ASSERT_EQ(push(kFrame), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(h_);
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(GST_BUFFER_PTS(out), 0u);
    const auto cells = brightest(out);
    gst_buffer_unref(out);
    if (std::string(format) == "I420") {
      // Chroma is shared by 2x2 pixels, so thin strokes lose saturation: the
      // cell's colour still dominates.
      EXPECT_GT(cells[0].r, cells[0].g + 100);
      EXPECT_GT(cells[0].r, cells[0].b + 100);
      EXPECT_LT(cells[1].r + cells[1].g + cells[1].b, 10);
      EXPECT_GT(cells[2].g, cells[2].r + 50);
      EXPECT_GT(cells[2].g, cells[2].b + 50);
      EXPECT_GT(cells[3].b, cells[3].r + 100);
      EXPECT_GT(cells[3].b, cells[3].g + 100);
    } else {
      // Where the glyph covers a pixel fully it has the cell's exact colour.
      EXPECT_EQ(cells[0].r, 0xF8);
      EXPECT_EQ(cells[0].g, 0);
      EXPECT_EQ(cells[0].b, 0);
      EXPECT_EQ(cells[1].r + cells[1].g + cells[1].b, 0);  // a space draws nothing
      EXPECT_EQ(cells[2].g, 0xF8);
      EXPECT_EQ(cells[2].r, 0);
      EXPECT_EQ(cells[3].b, 0xF8);
      EXPECT_EQ(cells[3].g, 0);
    }
    gst_harness_teardown(h_);
    h_ = nullptr;
  }
}

TEST_F(AsciiRenderTest, ModeOneIsGrey) {
  make("BGRx", 2, 1, 1);
  ASSERT_EQ(push({0, 0, 0, 0, '@', ' '}), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h_);
  const auto cells = brightest(out);
  gst_buffer_unref(out);
  EXPECT_EQ(cells[0].r, cells[0].g);
  EXPECT_EQ(cells[0].g, cells[0].b);
  EXPECT_GT(cells[0].r, 150);
  EXPECT_EQ(cells[1].r, 0);
}

TEST_F(AsciiRenderTest, ChangedCellsApplyToTheKeptGrid) {
  make("RGBx", 2, 2, 3, true);
  std::vector<uint8_t> delta = {0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, '#', 0, 0xF8, 0xF8};
  // No full frame yet: dropped, and a full frame is asked for upstream.
  ASSERT_EQ(push(delta), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 0u);
  bool asked = false;
  while (GstEvent *e = gst_harness_try_pull_upstream_event(h_)) {
    asked |= gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_TRUE(asked);
  std::vector<uint8_t> full = kFrame;
  full.insert(full.begin() + 4, 0);
  ASSERT_EQ(push(full), GST_FLOW_OK);
  gst_buffer_unref(gst_harness_pull(h_));
  ASSERT_EQ(push(delta), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h_);
  const auto cells = brightest(out);
  gst_buffer_unref(out);
  EXPECT_EQ(cells[0].r, 0xF8);  // kept
  EXPECT_EQ(cells[1].g, 0xF8);  // changed: cyan '#'
  EXPECT_EQ(cells[1].b, 0xF8);
  EXPECT_EQ(cells[1].r, 0);
}

TEST_F(AsciiRenderTest, MalformedFrameIsAnError) {
  make("BGRx", 2, 2, 3);
  EXPECT_EQ(push({0, 0, 0, 0, '@'}), GST_FLOW_ERROR);
  const onair::MessagePtr m{gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR)};
  ASSERT_NE(m, nullptr);
  GError *e = nullptr;
  gst_message_parse_error(m.get(), &e, nullptr);
  EXPECT_TRUE(g_error_matches(e, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE));
  g_error_free(e);
}

TEST_F(AsciiRenderTest, EncoderToRendererRoundTrip) {
  // Solid colour through asciienc and back: every cell shows it.
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(
      "videotestsrc num-buffers=2 pattern=solid-color foreground-color=0xff20c040 "
      "! video/x-raw,format=BGRx,width=160,height=80 ! asciienc cols=20 rows=5 "
      "! asciirender cell-width=8 cell-height=16 ! video/x-raw,format=BGRx "
      "! appsink name=sink sync=false",
      &err);
  ASSERT_NE(pipeline, nullptr) << (err ? err->message : "");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstSample *sample = nullptr;
  g_signal_emit_by_name(sink, "pull-sample", &sample);
  ASSERT_NE(sample, nullptr);
  GstMapInfo m;
  GstBuffer *b = gst_sample_get_buffer(sample);
  gst_buffer_map(b, &m, GST_MAP_READ);
  EXPECT_EQ(m.size, 160u * 80 * 4);
  int max_r = 0, max_g = 0, max_b = 0;
  for (size_t i = 0; i < m.size; i += 4) {
    max_b = std::max<int>(max_b, m.data[i]);
    max_g = std::max<int>(max_g, m.data[i + 1]);
    max_r = std::max<int>(max_r, m.data[i + 2]);
  }
  gst_buffer_unmap(b, &m);
  gst_sample_unref(sample);
  EXPECT_EQ(max_r, 0x20 & 0xF8);
  EXPECT_EQ(max_g, 0xC0);
  EXPECT_EQ(max_b, 0x40);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
}
