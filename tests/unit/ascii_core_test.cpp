// The ASCII plugin's algorithm without GStreamer: cell averages against a
// naive per-pixel reference for every format, the grid, glyphs, quantisation, the wire
// format with its changed-cells extension, terminal text and drawing.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cells.h"
#include "core/draw.h"
#include "core/grid.h"
#include "core/text.h"
#include "core/wire.h"
#include "onair/cell_runs.h"

using namespace onair::ascii;

namespace {

// A frame in memory with padded strides and random content.
struct TestFrame {
  Image image;
  std::vector<uint8_t> planes[3];

  TestFrame(PixelFormat format, int w, int h, std::mt19937 &rng) {
    image.format = format;
    image.width = w;
    image.height = h;
    const int cw = (w + 1) / 2, chh = (h + 1) / 2;
    int widths[3] = {0, 0, 0}, heights[3] = {h, 0, 0};
    switch (format) {
      case PixelFormat::kI420:
        widths[0] = w, widths[1] = widths[2] = cw, heights[1] = heights[2] = chh;
        break;
      case PixelFormat::kNV12:
        widths[0] = w, widths[1] = cw * 2, heights[1] = chh;
        break;
      case PixelFormat::kBGR:
      case PixelFormat::kRGB:
        widths[0] = w * 3;
        break;
      default:
        widths[0] = w * 4;
    }
    std::uniform_int_distribution<int> byte(0, 255);
    for (int p = 0; p < 3; p++) {
      if (!widths[p]) continue;
      const int stride = widths[p] + 5;  // odd padding on purpose
      planes[p].resize(size_t(stride) * heights[p]);
      for (auto &b : planes[p]) b = uint8_t(byte(rng));
      image.data[p] = planes[p].data();
      image.stride[p] = stride;
    }
  }
};

// Means of one cell summed pixel by pixel, chroma looked up per pixel.
CellMean naive_mean(const Image &im, int cols, int rows, int c, int r) {
  const Span sx = cell_span(c, cols, im.width), sy = cell_span(r, rows, im.height);
  uint64_t s[3] = {};
  for (int y = sy.first; y < sy.first + sy.count; y++)
    for (int x = sx.first; x < sx.first + sx.count; x++) {
      const uint8_t *row = im.data[0] + size_t(y) * im.stride[0];
      switch (im.format) {
        case PixelFormat::kI420:
          s[0] += row[x];
          s[1] += im.data[1][size_t(y / 2) * im.stride[1] + x / 2];
          s[2] += im.data[2][size_t(y / 2) * im.stride[2] + x / 2];
          break;
        case PixelFormat::kNV12:
          s[0] += row[x];
          s[1] += im.data[1][size_t(y / 2) * im.stride[1] + (x / 2) * 2];
          s[2] += im.data[1][size_t(y / 2) * im.stride[1] + (x / 2) * 2 + 1];
          break;
        case PixelFormat::kBGRx:
        case PixelFormat::kBGRA:
          s[0] += row[x * 4 + 2], s[1] += row[x * 4 + 1], s[2] += row[x * 4];
          break;
        case PixelFormat::kRGBx:
        case PixelFormat::kRGBA:
          s[0] += row[x * 4], s[1] += row[x * 4 + 1], s[2] += row[x * 4 + 2];
          break;
        case PixelFormat::kBGR:
          s[0] += row[x * 3 + 2], s[1] += row[x * 3 + 1], s[2] += row[x * 3];
          break;
        case PixelFormat::kRGB:
          s[0] += row[x * 3], s[1] += row[x * 3 + 1], s[2] += row[x * 3 + 2];
          break;
      }
    }
  const uint64_t n = uint64_t(sx.count) * sy.count;
  return is_yuv(im.format) ? mean_of_yuv_sums(s[0], s[1], s[2], n, im.matrix, im.full_range)
                           : mean_of_rgb_sums(s[0], s[1], s[2], n);
}

const PixelFormat kFormats[] = {PixelFormat::kI420, PixelFormat::kNV12, PixelFormat::kBGRx,
                                PixelFormat::kRGBx, PixelFormat::kBGRA, PixelFormat::kRGBA,
                                PixelFormat::kBGR,  PixelFormat::kRGB};

std::vector<Cell> random_cells(int n, int mode, std::mt19937 &rng, int levels = 70) {
  std::vector<CellMean> means(n);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto &m : means)
    m = CellMean{uint8_t(byte(rng)), uint8_t(byte(rng)), uint8_t(byte(rng)), uint8_t(byte(rng))};
  std::vector<Cell> cells;
  map_cells(means, levels, false, mode, cells);
  for (auto &c : cells) c.glyph = uint8_t(' ' + c.glyph % 95);
  return cells;
}

}  // namespace

// --- cell geometry and averages ---

TEST(Cells, SpansCoverEveryPixelOnce) {
  for (int size : {1, 7, 100, 1920})
    for (int n : {1, 3, 7, 80, 240}) {
      if (n > size) continue;
      int next = 0;
      for (int i = 0; i < n; i++) {
        const Span s = cell_span(i, n, size);
        EXPECT_EQ(s.first, next);
        EXPECT_GE(s.count, 1);
        next = s.first + s.count;
      }
      EXPECT_EQ(next, size);
    }
}

TEST(Cells, MoreCellsThanPixelsRepeatPixels) {
  for (int i = 0; i < 10; i++) {
    const Span s = cell_span(i, 10, 4);
    EXPECT_EQ(s.count, 1);
    EXPECT_EQ(s.first, i * 4 / 10);
  }
}

TEST(Cells, AreaAveragesMatchNaiveReferenceForEveryFormat) {
  std::mt19937 rng(7);
  struct Case {
    int w, h, cols, rows;
  } cases[] = {{1, 1, 1, 1},
               {7, 5, 3, 2},
               {17, 13, 17, 13},
               {33, 21, 5, 4},
               {10, 6, 20, 12},
               {64, 48, 7, 5},
               {9, 600, 2, 1},
               {190, 107, 24, 10},
               // Cell widths in whole groups of 8 (the YUV luma fast path),
               // an odd number of groups, and a band taller than a chunk.
               {64, 48, 8, 5},
               {72, 30, 9, 7},
               {96, 600, 4, 1},
               {1920, 20, 240, 3},
               // Cells of whole 4-pixel groups (packed RGB's group path),
               // with an odd number of groups left for the scalar tail.
               {36, 10, 9, 2},
               {44, 9, 11, 3}};
  for (PixelFormat f : kFormats)
    for (const Case &k : cases)
      for (int variant = 0; variant < (is_yuv(f) ? 3 : 1); variant++) {
        TestFrame frame(f, k.w, k.h, rng);
        frame.image.matrix = variant == 2 ? YuvMatrix::kBt709 : YuvMatrix::kBt601;
        frame.image.full_range = variant == 1;
        CellAverager averager;
        std::vector<CellMean> out;
        averager.run(frame.image, k.cols, k.rows, out);
        ASSERT_EQ(out.size(), size_t(k.cols) * k.rows);
        for (int r = 0; r < k.rows; r++)
          for (int c = 0; c < k.cols; c++) {
            const CellMean want = naive_mean(frame.image, k.cols, k.rows, c, r);
            const CellMean got = out[size_t(r) * k.cols + c];
            ASSERT_EQ(got.luma, want.luma)
                << int(f) << " " << k.w << "x" << k.h << " cell " << c << "," << r;
            ASSERT_EQ(got.r, want.r);
            ASSERT_EQ(got.g, want.g);
            ASSERT_EQ(got.b, want.b);
          }
      }
}

TEST(Cells, KnownColoursFromEveryFamily) {
  // Pure colours come back as themselves (within YUV rounding).
  EXPECT_EQ(mean_of_rgb_sums(255 * 4, 0, 0, 4).r, 255);
  EXPECT_EQ(mean_of_rgb_sums(255 * 4, 0, 0, 4).luma, 76);  // 0.299 * 255
  EXPECT_EQ(mean_of_rgb_sums(255, 255, 255, 1).luma, 255);
  const CellMean white = mean_of_yuv_sums(235, 128, 128, 1, YuvMatrix::kBt601, false);
  EXPECT_EQ(white.luma, 255);
  EXPECT_EQ(white.r, 255);
  EXPECT_EQ(white.g, 255);
  EXPECT_EQ(white.b, 255);
  // BT.601 limited-range red is Y 81, U 90, V 240.
  const CellMean red = mean_of_yuv_sums(81, 90, 240, 1, YuvMatrix::kBt601, false);
  EXPECT_NEAR(red.r, 255, 2);
  EXPECT_NEAR(red.g, 0, 2);
  EXPECT_NEAR(red.b, 0, 2);
}

TEST(Cells, GridSizeBounds) {
  EXPECT_TRUE(grid_size_ok(1, 1));
  EXPECT_TRUE(grid_size_ok(240, 100));
  EXPECT_FALSE(grid_size_ok(0, 10));
  EXPECT_FALSE(grid_size_ok(10, 0));
  EXPECT_FALSE(grid_size_ok(kMaxCols + 1, 1));
  EXPECT_FALSE(grid_size_ok(4096, 4096));
}

TEST(Cells, RowsFromTheDisplayAspectAndTheGlyphAspect) {
  EXPECT_EQ(grid_rows(120, 0, 320, 240, 1.0, 2.0), 45);  // 120 * 240/320 / 2
  EXPECT_EQ(grid_rows(120, 0, 320, 240, 1.0, 1.0), 90);
  EXPECT_EQ(grid_rows(120, 0, 320, 240, 2.0, 1.0), 45);  // pixels twice as wide as high
  EXPECT_EQ(grid_rows(120, 0, 320, 240, 0.0, 2.0), 45);  // no pixel aspect: square
  EXPECT_EQ(grid_rows(10, 3, 67, 45, 1.0, 2.0), 3);      // rows asked for are kept
  EXPECT_EQ(grid_rows(1, 0, 1000, 1, 1.0, 2.0), 1);      // at least one row
  // A width that is refused derives nothing.
  EXPECT_EQ(grid_rows(0, 0, 320, 240, 1.0, 2.0), 0);
  EXPECT_EQ(grid_rows(kMaxCols + 1, 0, 320, 240, 1.0, 2.0), 0);
}

// --- glyphs and quantisation ---

TEST(Glyphs, LevelsDivideTheRangeEvenly) {
  EXPECT_EQ(glyph_level(0, 10, false), 0);
  EXPECT_EQ(glyph_level(255, 10, false), 9);
  EXPECT_EQ(glyph_level(25, 10, false), 0);
  EXPECT_EQ(glyph_level(26, 10, false), 1);
  EXPECT_EQ(glyph_level(0, 10, true), 9);
  EXPECT_EQ(glyph_level(255, 10, true), 0);
  EXPECT_EQ(glyph_level(200, 1, false), 0);
  int counts[4] = {};
  for (int l = 0; l < 256; l++) counts[glyph_level(uint8_t(l), 4, false)]++;
  for (int c : counts) EXPECT_EQ(c, 64);
}

TEST(Glyphs, QuantisationPerMode) {
  EXPECT_EQ(quantise(0xFF, 1), 0xFF);
  EXPECT_EQ(quantise(0xFF, 2), 0xE0);
  EXPECT_EQ(quantise(0xFF, 3), 0xF8);
  EXPECT_EQ(quantise(0xFF, 4), 0xFC);
  EXPECT_EQ(quantise(0xFF, 5), 0xFF);
  EXPECT_EQ(quantise(0x1F, 2), 0x00);
  std::vector<CellMean> means = {{128, 0x9F, 0x47, 0x03}};
  std::vector<Cell> cells;
  map_cells(means, 10, false, 3, cells);
  EXPECT_EQ(cells[0], (Cell{5, 0x98, 0x40, 0x00}));
  map_cells(means, 10, true, 1, cells);
  EXPECT_EQ(cells[0], (Cell{4, 0, 0, 0}));
}

TEST(Glyphs, Ramps) {
  std::vector<std::string> g;
  std::string err;
  EXPECT_TRUE(split_ramp(kDefaultCharset, g, err));
  EXPECT_TRUE(ramp_is_ascii(g));
  EXPECT_EQ(g.front(), " ");
  EXPECT_TRUE(split_ramp(" \xE2\x96\x91\xE2\x96\x92\xE2\x96\x93\xE2\x96\x88", g, err));
  EXPECT_EQ(g.size(), 5u);
  EXPECT_FALSE(ramp_is_ascii(g));
  EXPECT_FALSE(split_ramp("", g, err));
  EXPECT_NE(err.find("empty"), std::string::npos);
  EXPECT_FALSE(split_ramp("ab\xff", g, err));
  EXPECT_FALSE(split_ramp("a\tb", g, err));
  EXPECT_FALSE(split_ramp(std::string(257, 'x'), g, err));
}

TEST(Glyphs, RampForAnOutput) {
  const std::string blocks = " \xE2\x96\x91\xE2\x96\x88";
  std::vector<std::string> g;
  std::string err;
  EXPECT_TRUE(ramp_for_output(kDefaultCharset, true, g, err));
  EXPECT_EQ(g.front(), " ");
  // Multi-byte glyphs suit the terminal outputs, not asciiline.
  EXPECT_TRUE(ramp_for_output(blocks, false, g, err));
  EXPECT_EQ(g.size(), 3u);
  EXPECT_FALSE(ramp_for_output(blocks, true, g, err));
  EXPECT_EQ(err, "In asciiline format every charset glyph must be one printable ASCII character.");
  EXPECT_FALSE(ramp_for_output("", false, g, err));
  EXPECT_EQ(err, "Invalid charset: the charset is empty.");
}

// --- rate limiting ---

TEST(RateLimit, DropsEvenlyOnRunningTime) {
  RateLimiter limiter;
  limiter.configure(20, 1);
  int passed = 0;
  std::vector<int> pattern;
  for (int i = 0; i < 90; i++) {  // 3 s at 30 fps
    const bool p = limiter.pass(int64_t(i) * 1000000000 / 30);
    passed += p;
    if (i < 6) pattern.push_back(p);
  }
  EXPECT_EQ(passed, 60);
  EXPECT_EQ(pattern, (std::vector<int>{1, 0, 1, 1, 0, 1}));

  limiter.configure(30, 1);
  limiter.reset();
  passed = 0;
  for (int i = 0; i < 120; i++) passed += limiter.pass(int64_t(i) * 1000000000 / 60);
  EXPECT_EQ(passed, 60);

  limiter.configure(0, 1);
  EXPECT_TRUE(limiter.pass(5));
  EXPECT_TRUE(limiter.pass(5));
}

TEST(RateLimit, GapDoesNotBurst) {
  RateLimiter limiter;
  limiter.configure(10, 1);
  EXPECT_TRUE(limiter.pass(0));
  EXPECT_TRUE(limiter.pass(5000000000));  // 5 s later
  EXPECT_FALSE(limiter.pass(5050000000));
  EXPECT_TRUE(limiter.pass(5100000000));
}

// --- wire format ---

TEST(Wire, InitMessage) {
  EXPECT_EQ(init_message(30, 1, 3, 200, 84, 0), "INIT:30.0:3:200:84:0");
  EXPECT_EQ(init_message(30000, 1001, 2, 80, 24, 1), "INIT:29.97:2:80:24:1");
  EXPECT_EQ(init_message(25, 2, 1, 1, 1, 0), "INIT:12.5:1:1:1:0");
  EXPECT_EQ(init_message(0, 1, 5, 10, 10, 0), "INIT:0.0:5:10:10:0");
  StreamHeader h;
  ASSERT_TRUE(parse_init("INIT:29.97:2:80:24:1", h));
  EXPECT_DOUBLE_EQ(h.fps, 29.97);
  EXPECT_EQ(h.mode, 2);
  EXPECT_EQ(h.cols, 80);
  EXPECT_EQ(h.rows, 24);
  EXPECT_EQ(h.ext, 1);
  EXPECT_FALSE(parse_init("INIT:30.0:6:80:24:0", h));
  EXPECT_FALSE(parse_init("INIT:30.0:3:0:24:0", h));
  EXPECT_FALSE(parse_init("INIT:x:3:80:24:0", h));
  EXPECT_FALSE(parse_init("INIT:30.0:3:80:24", h));
  EXPECT_FALSE(parse_init("HELLO:30.0:3:80:24:0", h));
}

TEST(Wire, SeedFrameLayout) {
  std::vector<Cell> cells = {
      {'@', 0xF8, 0x00, 0x00}, {' ', 0, 0, 0}, {'.', 1, 2, 3}, {'#', 4, 5, 6}};
  WireEncoder enc;
  enc.configure(2, 2, 3, kExtNone, 0);
  std::vector<uint8_t> out;
  EXPECT_TRUE(enc.encode(cells, false, out));
  const std::vector<uint8_t> want = {0, 0, 0,   0, '@', 0xF8, 0,   0, ' ', 0,
                                     0, 0, '.', 1, 2,   3,    '#', 4, 5,   6};
  EXPECT_EQ(out, want);
  EXPECT_EQ(out.size(), full_frame_size(2, 2, 3, 0));
  EXPECT_TRUE(enc.encode(cells, false, out));  // no extension: always full
  EXPECT_EQ(out[3], 1);
  enc.configure(2, 2, 1, kExtNone, 0);
  enc.encode(cells, false, out);
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 2, '@', ' ', '.', '#'}));
}

TEST(Wire, ChangedCellsWorkedExample) {
  // The example in docs/protocol/asciiline.md.
  std::vector<Cell> a = {{'@', 0xF8, 0x00, 0x00},
                         {' ', 0, 0, 0},
                         {'.', 0x10, 0x20, 0x30},
                         {'#', 0xFF & 0xF8, 0xF8, 0xF8}};
  WireEncoder enc;
  enc.configure(2, 2, 3, kExtChangedCells, 0);
  std::vector<uint8_t> out;
  EXPECT_TRUE(enc.encode(a, false, out));
  EXPECT_EQ(out.size(), 4u + 1 + 16);
  EXPECT_EQ(out[4], kFrameFull);
  auto b = a;
  b[3] = {'+', 0x08, 0x08, 0x08};
  EXPECT_FALSE(enc.encode(b, false, out));
  const std::vector<uint8_t> want = {0, 0, 0, 1, kFrameDelta, 0,   0, 0, 1, 0,
                                     0, 0, 3, 0, 1,           '+', 8, 8, 8};
  EXPECT_EQ(out, want);
  // Nothing changed: a delta with no runs.
  EXPECT_FALSE(enc.encode(b, false, out));
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 2, kFrameDelta, 0, 0, 0, 0}));
}

TEST(Wire, FullFrameInEitherFormat) {
  // The example's frame 0: what a seed client and a changed-cells client get whole.
  const std::vector<Cell> a = {
      {'@', 0xF8, 0x00, 0x00}, {' ', 0, 0, 0}, {'.', 0x10, 0x20, 0x30}, {'#', 0xF8, 0xF8, 0xF8}};
  std::vector<uint8_t> seed, changed, encoded;
  encode_full_frame(a, 7, 3, kExtNone, seed);
  EXPECT_EQ(seed, (std::vector<uint8_t>{0, 0, 0,   7,    '@',  0xF8, 0,   0,    ' ',  0,
                                        0, 0, '.', 0x10, 0x20, 0x30, '#', 0xF8, 0xF8, 0xF8}));
  encode_full_frame(a, 7, 3, kExtChangedCells, changed);
  ASSERT_EQ(changed.size(), seed.size() + 1);
  EXPECT_EQ(changed[4], kFrameFull);
  changed.erase(changed.begin() + 4);
  EXPECT_EQ(changed, seed);
  // The same bytes as the encoder's own full frame.
  WireEncoder enc;
  enc.configure(2, 2, 3, kExtNone, 0);
  enc.encode(a, false, encoded);
  encode_full_frame(a, 0, 3, kExtNone, seed);
  EXPECT_EQ(encoded, seed);
  encode_full_frame(a, 0, 1, kExtNone, seed);
  EXPECT_EQ(seed, (std::vector<uint8_t>{0, 0, 0, 0, '@', ' ', '.', '#'}));
}

TEST(Wire, RoundTripEveryModeWithAndWithoutExtension) {
  std::mt19937 rng(3);
  const int cols = 37, rows = 11, n = cols * rows;
  for (int mode = 1; mode <= 5; mode++)
    for (int ext : {kExtNone, kExtChangedCells}) {
      WireEncoder enc;
      enc.configure(cols, rows, mode, ext, 10);
      WireDecoder dec;
      dec.configure(cols, rows, mode, ext);
      std::vector<Cell> cells = random_cells(n, mode, rng);
      std::vector<uint8_t> out;
      int fulls = 0;
      size_t delta_bytes = 0;
      for (int frame = 0; frame < 30; frame++) {
        // A few scattered changes and one changed stretch per frame.
        auto next = random_cells(n, mode, rng);
        for (int i = 0; i < n; i++)
          if (rng() % 50 != 0 && !(i >= 100 && i < 100 + frame)) next[i] = cells[i];
        cells = next;
        const bool full = enc.encode(cells, frame == 17, out);
        fulls += full;
        if (!full) delta_bytes += out.size();
        const auto result = dec.decode(out.data(), out.size());
        ASSERT_EQ(result, full ? WireDecoder::Result::kFull : WireDecoder::Result::kDelta);
        EXPECT_EQ(dec.index(), uint32_t(frame));
        ASSERT_EQ(dec.cells(), cells) << "mode " << mode << " ext " << ext << " frame " << frame;
      }
      if (ext == kExtNone) {
        EXPECT_EQ(fulls, 30);
      } else {
        EXPECT_GE(fulls, 4);  // first, every 10th, forced 17th
        EXPECT_LT(delta_bytes / size_t(30 - fulls), full_frame_size(cols, rows, mode, ext) / 2);
      }
    }
}

TEST(Wire, DeltaCostingMoreThanFullIsSentFull) {
  std::mt19937 rng(5);
  WireEncoder enc;
  enc.configure(8, 8, 3, kExtChangedCells, 0);
  std::vector<uint8_t> out;
  enc.encode(random_cells(64, 3, rng), false, out);
  EXPECT_TRUE(enc.encode(random_cells(64, 3, rng), false, out));
  EXPECT_EQ(out.size(), full_frame_size(8, 8, 3, kExtChangedCells));
}

TEST(Wire, RebasedDeltaTurnsAnyEarlierPictureIntoTheNewOne) {
  // What webstreamsink sends a client that missed frames: a delta on the picture it has.
  std::mt19937 rng(11);
  const int cols = 23, rows = 9, n = cols * rows;
  for (int mode : {1, 3}) {
    const size_t cb = size_t(cell_bytes(mode));
    std::vector<Cell> had = random_cells(n, mode, rng), now = had;
    for (int i = 40; i < 60; i++) now[i] = random_cells(1, mode, rng)[0];
    now[n - 1] = Cell{'#', 200, 100, 0};
    if (mode == 1) now[n - 1] = Cell{'#', 0, 0, 0};
    std::vector<uint8_t> from, to;
    encode_full_frame(had, 7, mode, kExtChangedCells, from);
    encode_full_frame(now, 12, mode, kExtChangedCells, to);
    const auto delta = onair::cell_runs::rebase(from.data(), from.size(), to.data(), to.size(), cb);
    ASSERT_TRUE(delta);
    EXPECT_LT(delta->size(), to.size() / 2);
    WireDecoder dec;
    dec.configure(cols, rows, mode, kExtChangedCells);
    ASSERT_EQ(dec.decode(from.data(), from.size()), WireDecoder::Result::kFull);
    ASSERT_EQ(dec.decode(delta->data(), delta->size()), WireDecoder::Result::kDelta);
    EXPECT_EQ(dec.index(), 12u);
    EXPECT_EQ(dec.cells(), now) << "mode " << mode;
    // Nothing changed: a delta with no runs.
    const auto same = onair::cell_runs::rebase(to.data(), to.size(), to.data(), to.size(), cb);
    ASSERT_TRUE(same);
    EXPECT_EQ(*same, (std::vector<uint8_t>{0, 0, 0, 12, kFrameDelta, 0, 0, 0, 0}));
  }
}

TEST(Wire, RebaseRefusesWhatItCannotImprove) {
  std::mt19937 rng(13);
  std::vector<uint8_t> from, to, other_size, delta_frame;
  encode_full_frame(random_cells(64, 3, rng), 1, 3, kExtChangedCells, from);
  encode_full_frame(random_cells(64, 3, rng), 2, 3, kExtChangedCells, to);  // all changed
  EXPECT_FALSE(onair::cell_runs::rebase(from.data(), from.size(), to.data(), to.size(), 4));
  encode_full_frame(random_cells(63, 3, rng), 2, 3, kExtChangedCells, other_size);
  EXPECT_FALSE(
      onair::cell_runs::rebase(from.data(), from.size(), other_size.data(), other_size.size(), 4));
  delta_frame = to;
  delta_frame[4] = kFrameDelta;  // not a picture
  EXPECT_FALSE(onair::cell_runs::rebase(delta_frame.data(), delta_frame.size(), from.data(),
                                        from.size(), 4));
  EXPECT_FALSE(onair::cell_runs::rebase(from.data(), from.size(), from.data(), from.size(), 0));
}

TEST(Wire, RunsLongerThanACountSplit) {
  // 66000 changed cells in a row of 80000: two runs, the first of 65535 cells.
  const int n = 80000;
  std::vector<Cell> had(n, Cell{' ', 0, 0, 0}), now = had;
  for (int i = 1000; i < 67000; i++) now[i] = Cell{'@', 8, 8, 8};
  std::vector<uint8_t> from, to;
  encode_full_frame(had, 0, 3, kExtChangedCells, from);
  encode_full_frame(now, 1, 3, kExtChangedCells, to);
  const auto delta = onair::cell_runs::rebase(from.data(), from.size(), to.data(), to.size(), 4);
  ASSERT_TRUE(delta);
  EXPECT_EQ((*delta)[8], 2);  // run count
  EXPECT_EQ((*delta)[13] << 8 | (*delta)[14], 0xFFFF);
  WireDecoder dec;
  dec.configure(400, 200, 3, kExtChangedCells);
  ASSERT_EQ(dec.decode(from.data(), from.size()), WireDecoder::Result::kFull);
  ASSERT_EQ(dec.decode(delta->data(), delta->size()), WireDecoder::Result::kDelta);
  EXPECT_EQ(dec.cells(), now);
}

TEST(Wire, DecoderRefusesBadFramesAndWaitsForFull) {
  WireDecoder dec;
  dec.configure(2, 2, 3, kExtChangedCells);
  const std::vector<uint8_t> delta = {0, 0, 0, 1, kFrameDelta, 0,   0, 0, 1, 0,
                                      0, 0, 3, 0, 1,           '+', 8, 8, 8};
  EXPECT_EQ(dec.decode(delta.data(), delta.size()), WireDecoder::Result::kNeedFull);
  std::vector<uint8_t> bad = delta;
  bad[12] = 4;  // run past the grid
  EXPECT_EQ(dec.decode(bad.data(), bad.size()), WireDecoder::Result::kMalformed);
  bad = delta;
  bad.pop_back();
  EXPECT_EQ(dec.decode(bad.data(), bad.size()), WireDecoder::Result::kMalformed);
  bad = delta;
  bad[4] = 7;
  EXPECT_EQ(dec.decode(bad.data(), bad.size()), WireDecoder::Result::kMalformed);
  EXPECT_EQ(dec.decode(delta.data(), 3), WireDecoder::Result::kMalformed);
  std::vector<uint8_t> full(4 + 1 + 16, 0);
  EXPECT_EQ(dec.decode(full.data(), full.size() - 1), WireDecoder::Result::kMalformed);
  EXPECT_EQ(dec.decode(full.data(), full.size()), WireDecoder::Result::kFull);
  EXPECT_EQ(dec.decode(delta.data(), delta.size()), WireDecoder::Result::kDelta);
  EXPECT_EQ(dec.cells()[3], (Cell{'+', 8, 8, 8}));
  EXPECT_EQ(dec.index(), 1u);
}

// --- terminal text ---

namespace {

struct Parsed {
  bool cleared = false, homed = false;
  std::vector<std::vector<Cell>> lines;  // glyph byte and colour in effect
  int resets = 0;
};

// A small terminal: CSI H, CSI 2J, CSI 38;2;r;g;b m, CSI 0 m, text, newline.
Parsed parse_ansi(const std::string &s) {
  Parsed p;
  p.lines.emplace_back();
  Cell colour{0, 255, 255, 255};
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\x1b') {
      EXPECT_EQ(s[i + 1], '[');
      size_t j = i + 2;
      while (j < s.size() && !std::isalpha(static_cast<unsigned char>(s[j]))) j++;
      const std::string params = s.substr(i + 2, j - i - 2);
      const char cmd = s[j];
      if (cmd == 'H') {
        EXPECT_TRUE(p.lines.size() == 1 && p.lines[0].empty()) << "home not at frame start";
        p.homed = true;
      } else if (cmd == 'J') {
        p.cleared = params == "2";
      } else if (cmd == 'm' && params == "0") {
        p.resets++;
        colour = {0, 255, 255, 255};
      } else if (cmd == 'm') {
        int r, g, b;
        EXPECT_EQ(std::sscanf(params.c_str(), "38;2;%d;%d;%d", &r, &g, &b), 3) << params;
        colour = {0, uint8_t(r), uint8_t(g), uint8_t(b)};
      } else {
        ADD_FAILURE() << "unexpected escape " << cmd;
      }
      i = j + 1;
    } else if (s[i] == '\n') {
      p.lines.emplace_back();
      i++;
    } else {
      Cell c = colour;
      c.glyph = uint8_t(s[i]);
      p.lines.back().push_back(c);
      i++;
    }
  }
  EXPECT_TRUE(p.lines.back().empty());  // ends with a newline
  p.lines.pop_back();
  return p;
}

}  // namespace

TEST(Ansi, ParsesBackToTheCells) {
  std::mt19937 rng(11);
  std::vector<std::string> ramp;
  std::string err;
  ASSERT_TRUE(split_ramp(kDefaultCharset, ramp, err));
  const int cols = 13, rows = 5;
  std::vector<CellMean> means(cols * rows);
  for (int i = 0; i < cols * rows; i++)
    means[i] = {uint8_t(rng()), uint8_t((i / 3) * 20), uint8_t(100), uint8_t(rng() % 2 * 200)};
  std::vector<Cell> cells;
  map_cells(means, int(ramp.size()), false, 3, cells);
  std::string out;
  encode_ansi(cells, cols, rows, 3, ramp, true, out);
  const Parsed p = parse_ansi(out);
  EXPECT_TRUE(p.cleared);
  EXPECT_TRUE(p.homed);
  EXPECT_EQ(p.resets, rows);
  ASSERT_EQ(p.lines.size(), size_t(rows));
  size_t escapes = 0;
  for (size_t i = out.find("\x1b[38"); i != std::string::npos; i = out.find("\x1b[38", i + 1))
    escapes++;
  size_t changes = 0;
  for (int r = 0; r < rows; r++) {
    ASSERT_EQ(p.lines[r].size(), size_t(cols));
    for (int c = 0; c < cols; c++) {
      const Cell &want = cells[size_t(r) * cols + c];
      const Cell &got = p.lines[r][c];
      EXPECT_EQ(got.glyph, uint8_t(ramp[want.glyph][0]));
      EXPECT_EQ(got.r, want.r);
      EXPECT_EQ(got.g, want.g);
      EXPECT_EQ(got.b, want.b);
      if (c == 0 || !(Cell{0, want.r, want.g, want.b} == Cell{0, cells[size_t(r) * cols + c - 1].r,
                                                              cells[size_t(r) * cols + c - 1].g,
                                                              cells[size_t(r) * cols + c - 1].b}))
        changes++;
    }
  }
  EXPECT_EQ(escapes, changes);  // a colour escape only where the colour changes

  encode_ansi(cells, cols, rows, 1, ramp, false, out);
  EXPECT_EQ(out.find("\x1b[38"), std::string::npos);
  EXPECT_EQ(out.find("\x1b[2J"), std::string::npos);
  EXPECT_EQ(out.rfind("\x1b[H", 0), 0u);
}

TEST(Text, PlainLines) {
  std::vector<std::string> ramp = {" ", "\xE2\x96\x88"};
  std::vector<Cell> cells = {{0, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}};
  std::string out;
  encode_text(cells, 2, 2, ramp, out);
  EXPECT_EQ(out, " \xE2\x96\x88\n\xE2\x96\x88 \n");
}

// --- drawing ---

TEST(Draw, GlyphsInTheirCellsColours) {
  GlyphAtlas atlas;
  atlas.cell_width = 3;
  atlas.cell_height = 4;
  atlas.coverage.assign(256 * 12, 0);
  for (int i = 0; i < 12; i++) atlas.coverage[size_t('#') * 12 + i] = 255;
  atlas.coverage[size_t('.') * 12 + 4] = 255;  // one pixel at (1, 1)
  const std::vector<Cell> cells = {
      {'#', 200, 100, 0}, {' ', 255, 255, 255}, {'.', 0, 0, 255}, {'#', 8, 16, 24}};
  const int w = 6, h = 8;
  std::vector<uint8_t> bgrx(size_t(w) * h * 4, 1);
  GridPainter painter;
  OutFrame f;
  f.format = OutFormat::kBGRx;
  f.width = w;
  f.height = h;
  f.data[0] = bgrx.data();
  f.stride[0] = w * 4;
  painter.draw(cells, 2, 2, 3, atlas, f);
  const auto px = [&](int x, int y) { return bgrx.data() + (size_t(y) * w + x) * 4; };
  EXPECT_EQ(px(0, 0)[2], 200);
  EXPECT_EQ(px(2, 3)[1], 100);
  EXPECT_EQ(px(3, 0)[0], 0);
  EXPECT_EQ(px(1, 5)[0], 255);
  EXPECT_EQ(px(0, 4)[0], 0);
  EXPECT_EQ(px(5, 7)[2], 8);
  EXPECT_EQ(px(5, 7)[0], 24);

  painter.draw(cells, 2, 2, 1, atlas, f);  // mode 1: grey
  EXPECT_EQ(px(0, 0)[0], kMonoColour.b);
  EXPECT_EQ(px(0, 0)[2], kMonoColour.r);

  std::vector<uint8_t> y(size_t(w) * h), u(size_t(w / 2) * h / 2), v(u.size());
  f.format = OutFormat::kI420;
  f.data[0] = y.data(), f.data[1] = u.data(), f.data[2] = v.data();
  f.stride[0] = w, f.stride[1] = f.stride[2] = w / 2;
  const std::vector<Cell> white = {
      {'#', 255, 255, 255}, {' ', 0, 0, 0}, {' ', 0, 0, 0}, {'#', 255, 0, 0}};
  painter.draw(white, 2, 2, 3, atlas, f);
  EXPECT_EQ(y[0], 235);
  EXPECT_EQ(y[w * 1 + 4], 16);
  EXPECT_EQ(u[0], 128);
  EXPECT_NEAR(y[w * 7 + 5], 82, 1);
  EXPECT_NEAR(v[3 * 3 + 2], 240, 1);
}
