// Drawing with Pango and Cairo and the scene's drawing cache, without
// GStreamer.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/text.h"
#include "render/renderer.h"
#include "render/scene.h"

using namespace onair::overlay;

namespace {

const Metrics k720 = metrics_for(1280, 720, 0.035, 0.03, 0.45);

// Pixels whose colour is clearly not grey (text is white, boxes are black).
int coloured_pixels(const Image &img) {
  int n = 0;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      const uint8_t *p = img.row(y) + x * 4;
      if (p[3] > 128 && std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]}) > 60) n++;
    }
  return n;
}

}  // namespace

TEST(Renderer, LongMessagesWrapWithinTheChatWidth) {
  Renderer r("Sans");
  const Image one = r.chat_message("alice", {255, 0, 0}, "hello", k720);
  EXPECT_EQ(r.last_line_count(), 1);
  std::string long_text;
  for (int i = 0; i < 40; i++) long_text += "word" + std::to_string(i) + " ";
  const Image many = r.chat_message("alice", {255, 0, 0}, long_text, k720);
  EXPECT_GE(r.last_line_count(), 3);
  EXPECT_LE(many.width, k720.chat_wrap + 2 * k720.padding);
  EXPECT_GT(many.height, 2 * one.height);
  // One word longer than the line still wraps, between characters.
  const Image word = r.chat_message("bob", {0, 0, 255}, std::string(300, 'W'), k720);
  EXPECT_GE(r.last_line_count(), 3);
  EXPECT_LE(word.width, k720.chat_wrap + 2 * k720.padding);
}

TEST(Renderer, UserNameIsDrawnInItsColour) {
  Renderer r("Sans");
  const Image img = r.chat_message("alice", {255, 0, 0}, "hello", k720);
  int red = 0;
  for (int y = 0; y < img.height; y++)
    for (int x = 0; x < img.width; x++) {
      const uint8_t *p = img.row(y) + x * 4;
      if (p[2] > 150 && p[1] < 60 && p[0] < 60) red++;
    }
  EXPECT_GT(red, 20);
}

TEST(Renderer, RightToLeftAndEmoji) {
  Renderer r("Sans");
  const Image arabic =
      r.status("\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", k720);
  EXPECT_GT(arabic.width, 4 * k720.padding);
  EXPECT_EQ(r.last_line_count(), 1);
  // The emoji font draws in colour; the rest of the status is white on grey.
  const Image plain = r.status("LIVE", k720);
  const Image emoji = r.status("LIVE \U0001F389\U0001F680", k720);
  EXPECT_EQ(coloured_pixels(plain), 0);
  EXPECT_GT(coloured_pixels(emoji), 20);
}

TEST(Renderer, SizesFollowTheFrame) {
  Renderer r("Sans");
  const Image sd = r.status("status line", metrics_for(854, 480, 0.035, 0.03, 0.45));
  const Image hd = r.status("status line", metrics_for(1920, 1080, 0.035, 0.03, 0.45));
  EXPECT_NEAR(double(hd.height) / sd.height, 1080.0 / 480, 0.3);
  EXPECT_TRUE(r.status("", k720).empty());
}

TEST(Logo, BadFilesSayWhy) {
  std::string error;
  EXPECT_TRUE(load_png("/nonexistent/logo.png", error).empty());
  EXPECT_EQ(error, "file not found");
  const std::string path = testing::TempDir() + "/not-a-png.png";
  std::ofstream(path) << "GIF89a this is not a PNG";
  error.clear();
  EXPECT_TRUE(load_png(path, error).empty());
  EXPECT_FALSE(error.empty());
  std::remove(path.c_str());
}

TEST(Logo, ScalesSmoothly) {
  Image img(4, 2);
  for (auto &b : img.pixels) b = 200;
  const Image big = scale_image(img, 40, 20);
  EXPECT_EQ(big.width, 40);
  EXPECT_EQ(big.height, 20);
  EXPECT_EQ(big.row(10)[20 * 4 + 3], 200);
}

TEST(Scene, DrawsOnlyWhatChanged) {
  Scene scene;
  scene.set_frame(1280, 720, PixelFormat::kI420, {});
  SceneConfig config;
  config.status = "LIVE";
  scene.set_config(config);
  std::vector<AlertEvent> events;
  scene.chat().add("alice", "hi", {255, 0, 0});
  auto placed = scene.update(0, events);
  EXPECT_EQ(placed.size(), 2u);  // status and one chat line
  const uint64_t first = scene.draw_count();
  EXPECT_EQ(first, 2u);
  scene.update(40'000'000, events);
  EXPECT_EQ(scene.draw_count(), first);  // nothing new: nothing drawn
  scene.chat().add("bob", "hello", {0, 0, 255});
  placed = scene.update(80'000'000, events);
  EXPECT_EQ(scene.draw_count(), first + 1);  // only the new line
  EXPECT_EQ(placed.size(), 3u);
  // Newest chat line lowest, at the bottom left.
  EXPECT_LT(placed[1].y, placed[2].y);
  EXPECT_NEAR(placed[2].y + placed[2].image->height, 720 - 22, 1);  // even positions
  config.status = "LIVE 2";
  scene.set_config(config);
  scene.update(120'000'000, events);
  EXPECT_EQ(scene.draw_count(), first + 2);
  // A new frame size redraws everything.
  scene.set_frame(640, 360, PixelFormat::kI420, {});
  scene.update(160'000'000, events);
  EXPECT_EQ(scene.draw_count(), first + 5);
}
