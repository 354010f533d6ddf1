// The overlay's algorithm without GStreamer: text rules, timing, layout and
// blending against plain references.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/blend.h"
#include "core/layout.h"
#include "core/overlay_state.h"
#include "core/text.h"

using namespace onair::overlay;

namespace {
constexpr int64_t kMs = 1'000'000;
}

// --- text ---

TEST(Text, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(clean_text("ok \xff\xfe end", 100), "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(clean_text("\xC0\xAF", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(clean_text("\xED\xA0\x80", 100), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(clean_text("cut \xE2\x82", 100), "cut \xEF\xBF\xBD\xEF\xBF\xBD");          // truncated
  EXPECT_FALSE(is_valid_utf8("a\xff"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo \xF0\x9F\x8E\x89 \xEF\xBF\xBD"));
}

TEST(Text, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(clean_text("a\nb\tc\x1b[31md\x7f", 100), "a b c [31md ");
  EXPECT_EQ(clean_text("x\xC2\x85y", 100), "x y");  // C1 NEL
}

TEST(Text, LongTextIsCutByCodePointsWithAnEllipsis) {
  EXPECT_EQ(clean_text("abcdef", 6), "abcdef");
  EXPECT_EQ(clean_text("abcdefg", 6), "abcde\xE2\x80\xA6");
  // Five two-byte letters: the cut never splits a character.
  EXPECT_EQ(clean_text("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 3),
            "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  EXPECT_EQ(clean_text(std::string(100000, 'x'), kMaxChatChars).size(), kMaxChatChars - 1 + 3);
}

TEST(Text, Colours) {
  EXPECT_EQ(parse_color("#ff8000"), (Rgb{255, 128, 0}));
  EXPECT_EQ(parse_color("#F80"), (Rgb{255, 136, 0}));
  EXPECT_EQ(parse_color("Red"), (Rgb{255, 0, 0}));
  EXPECT_FALSE(parse_color("#12345"));
  EXPECT_FALSE(parse_color("#gg0000"));
  EXPECT_FALSE(parse_color("rgb(1,2,3)"));
  EXPECT_FALSE(parse_color(""));
  EXPECT_EQ(color_for_name("alice"), color_for_name("alice"));
  int distinct = 0;
  for (const char *n : {"bob", "carol", "dave", "erin", "frank"})
    distinct += !(color_for_name(n) == color_for_name("alice"));
  EXPECT_GE(distinct, 3);
}

TEST(Text, StatusPlaceholders) {
  EXPECT_EQ(expand_status("LIVE {running-time}", 3725 * kSecond + 999 * kMs, "12:00:00"),
            "LIVE 1:02:05");
  EXPECT_EQ(expand_status("{time} | {time}", 0, "09:08:07"), "09:08:07 | 09:08:07");
  EXPECT_EQ(expand_status("{unknown} {", 0, "x"), "{unknown} {");
}

// --- chat timing ---

TEST(ChatLog, MessagesLiveTheirTimeToLiveFromTheFrameThatShowsThem) {
  ChatLog chat;
  chat.set_config({5, 10 * kSecond, 1 * kSecond});
  chat.add("alice", "hi", {});
  EXPECT_TRUE(chat.visible(0).empty());  // not stamped before a frame
  EXPECT_TRUE(chat.advance(2 * kSecond));
  ASSERT_EQ(chat.visible(2 * kSecond).size(), 1u);
  EXPECT_DOUBLE_EQ(chat.visible(2 * kSecond)[0].opacity, 1.0);
  EXPECT_FALSE(chat.advance(8 * kSecond));
  EXPECT_DOUBLE_EQ(chat.visible(11 * kSecond + 500 * kMs)[0].opacity, 0.5);  // fading
  EXPECT_TRUE(chat.advance(12 * kSecond));                                   // 2 s + 10 s
  EXPECT_TRUE(chat.visible(12 * kSecond).empty());
  EXPECT_EQ(chat.size(), 0u);
}

TEST(ChatLog, KeepsTheNewestInOrder) {
  ChatLog chat;
  chat.set_config({3, 0, kSecond});
  for (int i = 0; i < 5; i++) chat.add("u", "m" + std::to_string(i), {});
  chat.advance(0);
  const auto v = chat.visible(1000 * kSecond);  // ttl 0: never expires
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].message->text, "m2");
  EXPECT_EQ(v[2].message->text, "m4");
  EXPECT_LT(v[0].message->id, v[1].message->id);
  chat.clear();
  EXPECT_TRUE(chat.visible(0).empty());
}

// --- alert timing ---

TEST(AlertQueue, AlertsPlayInOrderBackToBack) {
  AlertQueue q;
  q.push("first", AlertType::kInfo, 2 * kSecond);
  q.push("second", AlertType::kError, 3 * kSecond);
  std::vector<AlertEvent> ev;
  q.advance(1 * kSecond, ev);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, AlertEvent::Kind::kShown);
  EXPECT_EQ(ev[0].alert.text, "first");
  EXPECT_EQ(ev[0].at, 1 * kSecond);
  EXPECT_EQ(ev[0].queued, 1u);
  ASSERT_EQ(q.visible(2 * kSecond).size(), 1u);
  EXPECT_EQ(q.visible(2 * kSecond)[0].alert->text, "first");

  // Frames are coarse: one frame at 3.5 s sees the first end at 3 s and the
  // second start exactly then.
  ev.clear();
  q.advance(3 * kSecond + 500 * kMs, ev);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, AlertEvent::Kind::kDone);
  EXPECT_EQ(ev[0].at, 3 * kSecond);
  EXPECT_EQ(ev[1].kind, AlertEvent::Kind::kShown);
  EXPECT_EQ(ev[1].alert.text, "second");
  EXPECT_EQ(ev[1].at, 3 * kSecond);
  EXPECT_EQ(q.visible(4 * kSecond)[0].alert->type, AlertType::kError);

  ev.clear();
  q.advance(6 * kSecond, ev);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, AlertEvent::Kind::kDone);
  EXPECT_EQ(ev[0].at, 6 * kSecond);
  EXPECT_TRUE(q.visible(6 * kSecond).empty());
  EXPECT_EQ(q.size(), 0u);
}

TEST(AlertQueue, FadesInAndOut) {
  AlertQueue q;
  q.push("a", AlertType::kInfo, 2 * kSecond);
  std::vector<AlertEvent> ev;
  q.advance(0, ev);
  EXPECT_DOUBLE_EQ(q.visible(0)[0].opacity, 0.0);
  EXPECT_DOUBLE_EQ(q.visible(AlertQueue::kFade / 2)[0].opacity, 0.5);
  EXPECT_DOUBLE_EQ(q.visible(kSecond)[0].opacity, 1.0);
  EXPECT_DOUBLE_EQ(q.visible(2 * kSecond - AlertQueue::kFade / 4)[0].opacity, 0.25);
}

TEST(AlertQueue, IdleQueueStartsANewAlertWhenItComes) {
  AlertQueue q;
  std::vector<AlertEvent> ev;
  q.push("a", AlertType::kInfo, kSecond);
  q.advance(0, ev);
  q.advance(5 * kSecond, ev);
  q.push("b", AlertType::kSuccess, kSecond);
  ev.clear();
  q.advance(9 * kSecond, ev);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].at, 9 * kSecond);
  AlertType t;
  EXPECT_TRUE(parse_alert_type("warning", t));
  EXPECT_EQ(t, AlertType::kWarning);
  EXPECT_FALSE(parse_alert_type("fatal", t));
}

// --- layout ---

TEST(Layout, SizesFollowTheFrameHeight) {
  const Metrics sd = metrics_for(854, 480, 0.035, 0.03, 0.45);
  const Metrics hd = metrics_for(1920, 1080, 0.035, 0.03, 0.45);
  EXPECT_EQ(sd.font_px, 17);
  EXPECT_EQ(hd.font_px, 38);
  EXPECT_NEAR(double(hd.margin) / sd.margin, 1080.0 / 480, 0.2);
  EXPECT_EQ(hd.chat_wrap, 864 - 2 * hd.padding);
}

TEST(Layout, PlacesAtEachAnchor) {
  EXPECT_EQ(place(Anchor::kTopLeft, {100, 50}, 1920, 1080, 30), (Rect{30, 30, 100, 50}));
  EXPECT_EQ(place(Anchor::kTopCenter, {100, 50}, 1920, 1080, 30), (Rect{910, 30, 100, 50}));
  EXPECT_EQ(place(Anchor::kBottomRight, {100, 50}, 1920, 1080, 30), (Rect{1790, 1000, 100, 50}));
  EXPECT_EQ(place(Anchor::kCenter, {100, 50}, 1920, 1080, 30), (Rect{910, 515, 100, 50}));
}

TEST(Layout, ChatStacksNewestLowestAndDropsWhatDoesNotFit) {
  const std::vector<Size> sizes = {{200, 40}, {300, 80}, {100, 40}};
  auto r = stack(Anchor::kBottomLeft, sizes, 640, 360, 10, 5);
  EXPECT_EQ(r[2], (Rect{10, 310, 100, 40}));  // newest at the bottom
  EXPECT_EQ(r[1], (Rect{10, 225, 300, 80}));
  EXPECT_EQ(r[0], (Rect{10, 180, 200, 40}));
  r = stack(Anchor::kTopRight, sizes, 640, 360, 10, 5);
  EXPECT_EQ(r[0], (Rect{430, 10, 200, 40}));  // oldest on top
  EXPECT_EQ(r[2], (Rect{530, 140, 100, 40}));
  // A frame only 150 high holds the two newest.
  r = stack(Anchor::kBottomLeft, sizes, 640, 150, 10, 5);
  EXPECT_TRUE(r[0].empty());
  EXPECT_EQ(r[2], (Rect{10, 100, 100, 40}));
  EXPECT_EQ(r[1], (Rect{10, 15, 300, 80}));
}

// --- blending ---

namespace {

Image random_sprite(std::mt19937 &rng, int w, int h) {
  Image img(w, h);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = img.row(y) + x * 4;
      // A quarter transparent, a quarter opaque, the rest in between.
      const int kind = byte(rng) % 4;
      const int a = kind == 0 ? 0 : kind == 1 ? 255 : byte(rng);
      for (int c = 0; c < 3; c++) p[c] = static_cast<uint8_t>(byte(rng) * a / 255);
      p[3] = static_cast<uint8_t>(a);
    }
  return img;
}

std::vector<uint8_t> random_bytes(std::mt19937 &rng, size_t n) {
  std::vector<uint8_t> v(n);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto &b : v) b = static_cast<uint8_t>(byte(rng));
  return v;
}

// "Over" in floating point on straight colours: the plain reference.
double over(double src_straight, double alpha, double dst) {
  return src_straight * alpha + dst * (1 - alpha);
}

}  // namespace

TEST(Blend, PackedRgbMatchesAPlainReference) {
  std::mt19937 rng(7);
  for (PixelFormat f :
       {PixelFormat::kBGRx, PixelFormat::kRGBx, PixelFormat::kBGRA, PixelFormat::kRGBA}) {
    const int fw = 37, fh = 23;
    const Image sprite = random_sprite(rng, 20, 15);
    std::vector<uint8_t> frame = random_bytes(rng, size_t(fw) * fh * 4);
    const std::vector<uint8_t> before = frame;
    FrameView view{f, fw, fh, {frame.data()}, {fw * 4}};
    Sprite(sprite, f, {}).blend(view, 5, 3);
    const bool rgb = f == PixelFormat::kRGBx || f == PixelFormat::kRGBA;
    for (int y = 0; y < fh; y++)
      for (int x = 0; x < fw; x++)
        for (int c = 0; c < 4; c++) {
          const size_t at = (size_t(y) * fw + x) * 4 + c;
          const int sx = x - 5, sy = y - 3;
          double want = before[at];
          if (sx >= 0 && sy >= 0 && sx < 20 && sy < 15) {
            const uint8_t *s = sprite.row(sy) + sx * 4;
            const int sc = c == 3 ? 3 : rgb ? 2 - c : c;
            const double a = s[3] / 255.0;
            want = s[sc] + before[at] * (1 - a);  // premultiplied over
          }
          ASSERT_NEAR(frame[at], want, 1.0) << "format " << int(f) << " at " << x << "," << y;
        }
  }
}

TEST(Blend, PremultipliedAlphaAndOpacity) {
  // Half-transparent white, premultiplied: (128, 128, 128, 128).
  Image img(1, 1);
  img.pixels = {128, 128, 128, 128};
  for (uint8_t dst : {0, 255}) {
    uint8_t px[4] = {dst, dst, dst, 255};
    FrameView view{PixelFormat::kBGRx, 1, 1, {px}, {4}};
    Sprite(img, PixelFormat::kBGRx, {}).blend(view, 0, 0);
    EXPECT_NEAR(px[0], dst == 0 ? 128 : 255, 1);
  }
  uint8_t px[4] = {0, 0, 0, 255};
  FrameView view{PixelFormat::kBGRx, 1, 1, {px}, {4}};
  Sprite(img, PixelFormat::kBGRx, {}).blend(view, 0, 0, 128);  // half opacity: a quarter
  EXPECT_NEAR(px[0], 64, 1);
}

TEST(Blend, Yuv420MatchesAPlainReference) {
  std::mt19937 rng(11);
  const YuvMatrix m;  // BT.709 limited range
  const double kr = m.kr, kb = m.kb, kg = 1 - kr - kb;
  for (PixelFormat f : {PixelFormat::kI420, PixelFormat::kNV12}) {
    const int fw = 40, fh = 30, sw = 17, sh = 13, ox = 6, oy = 4;
    const Image sprite = random_sprite(rng, sw, sh);
    const int cw = fw / 2, ch = fh / 2;
    std::vector<uint8_t> y = random_bytes(rng, size_t(fw) * fh);
    std::vector<uint8_t> u = random_bytes(rng, size_t(cw) * ch), v = random_bytes(rng, u.size());
    std::vector<uint8_t> uv(u.size() * 2);
    for (size_t i = 0; i < u.size(); i++) uv[2 * i] = u[i], uv[2 * i + 1] = v[i];
    const auto y0 = y, u0 = u, v0 = v;
    FrameView view{f, fw, fh, {y.data(), u.data(), v.data()}, {fw, cw, cw}};
    if (f == PixelFormat::kNV12) view.data[1] = uv.data(), view.stride[1] = fw;
    Sprite(sprite, f, m).blend(view, ox, oy);

    // Reference: each sprite pixel's straight colour to Y'CbCr, blended with
    // its alpha; chroma with the mean alpha of its 2x2 block.
    for (int py = 0; py < fh; py++)
      for (int px = 0; px < fw; px++) {
        const int sx = px - ox, sy = py - oy;
        double want = y0[size_t(py) * fw + px];
        if (sx >= 0 && sy >= 0 && sx < sw && sy < sh) {
          const uint8_t *s = sprite.row(sy) + sx * 4;
          const double a = s[3] / 255.0;
          if (a > 0) {
            const double lum = (kr * s[2] + kg * s[1] + kb * s[0]) / a;
            want = over(16 + 219.0 / 255 * lum, a, want);
          }
        }
        ASSERT_NEAR(y[size_t(py) * fw + px], want, 1.0) << int(f) << " Y at " << px << "," << py;
      }
    for (int cy = 0; cy < ch; cy++)
      for (int cx = 0; cx < cw; cx++) {
        double su = 0, sv = 0, sa = 0;
        for (int k = 0; k < 4; k++) {
          const int sx = 2 * cx + k % 2 - ox, sy = 2 * cy + k / 2 - oy;
          if (sx < 0 || sy < 0 || sx >= sw || sy >= sh) continue;
          const uint8_t *s = sprite.row(sy) + sx * 4;
          const double a = s[3] / 255.0;
          if (a == 0) continue;
          const double r = s[2] / a, g = s[1] / a, b = s[0] / a;
          const double lum = kr * r + kg * g + kb * b;
          su += a * (128 + 224.0 / 255 * (b - lum) / (2 * (1 - kb)));
          sv += a * (128 + 224.0 / 255 * (r - lum) / (2 * (1 - kr)));
          sa += a;
        }
        const size_t at = size_t(cy) * cw + cx;
        const double a = sa / 4;
        const double want_u = su / 4 + u0[at] * (1 - a), want_v = sv / 4 + v0[at] * (1 - a);
        const uint8_t got_u = f == PixelFormat::kI420 ? u[at] : uv[2 * at];
        const uint8_t got_v = f == PixelFormat::kI420 ? v[at] : uv[2 * at + 1];
        ASSERT_NEAR(got_u, want_u, 1.5) << int(f) << " U at " << cx << "," << cy;
        ASSERT_NEAR(got_v, want_v, 1.5) << int(f) << " V at " << cx << "," << cy;
      }
  }
}

TEST(Blend, ClipsAtEveryEdgeAndLeavesTransparentPixelsAlone) {
  std::mt19937 rng(3);
  const Image sprite = random_sprite(rng, 30, 30);
  for (PixelFormat f : {PixelFormat::kI420, PixelFormat::kNV12, PixelFormat::kRGBA}) {
    const int fw = 21, fh = 17;  // odd sizes
    const bool yuv = is_yuv420(f);
    const int cw = (fw + 1) / 2, ch = (fh + 1) / 2;
    std::vector<uint8_t> a(yuv ? size_t(fw) * fh : size_t(fw) * fh * 4, 77),
        b(size_t(cw) * ch * 2, 77), c(size_t(cw) * ch, 77);
    FrameView view{f,
                   fw,
                   fh,
                   {a.data(), b.data(), c.data()},
                   {yuv ? fw : fw * 4, f == PixelFormat::kNV12 ? cw * 2 : cw, cw}};
    const Sprite s(sprite, f, {});
    for (int x : {-29, -7, 0, 5, 20, 50})
      for (int y : {-29, -3, 0, 9, 16, 40}) s.blend(view, x, y);  // no stray writes (ASan)
  }
  Image clear(8, 8);  // all transparent
  std::vector<uint8_t> px = random_bytes(rng, 8 * 8 * 4);
  const auto before = px;
  FrameView view{PixelFormat::kBGRA, 8, 8, {px.data()}, {32}};
  Sprite(clear, PixelFormat::kBGRA, {}).blend(view, 0, 0);
  EXPECT_EQ(px, before);
}
