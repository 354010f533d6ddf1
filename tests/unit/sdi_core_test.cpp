#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "core/sdi_modes.h"

namespace onair::sdi {
namespace {

const SdiMode &mode(std::string_view name) {
  const SdiMode *found = find_sdi_mode(name);
  EXPECT_NE(found, nullptr) << name;
  return *found;
}

// --- Modes ---

TEST(SdiModes, NamesAreUniqueAndFormatsPlausible) {
  std::set<std::string_view> names;
  for (const SdiMode &m : sdi_modes()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_GT(m.width, 0) << m.name;
    EXPECT_GT(m.height, 0) << m.name;
    EXPECT_GT(m.fps_n, 0) << m.name;
    EXPECT_TRUE(m.fps_d == 1 || m.fps_d == 1001) << m.name;
    EXPECT_EQ(m.interlaced, m.name.find('i') != std::string_view::npos) << m.name;
  }
  EXPECT_GE(names.size(), 20u);
}

TEST(SdiModes, KnownModesHaveTheirBroadcastFacts) {
  const SdiMode &i50 = mode("1080i50");
  EXPECT_EQ(i50.width, 1920);
  EXPECT_EQ(i50.height, 1080);
  EXPECT_EQ(i50.fps_n, 25);  // interlaced: named by field rate, 25 frames a second
  EXPECT_EQ(i50.fps_d, 1);
  EXPECT_TRUE(i50.interlaced);

  const SdiMode &p5994 = mode("720p59.94");
  EXPECT_EQ(p5994.width, 1280);
  EXPECT_EQ(p5994.height, 720);
  EXPECT_EQ(p5994.fps_n, 60000);
  EXPECT_EQ(p5994.fps_d, 1001);
  EXPECT_FALSE(p5994.interlaced);

  const SdiMode &uhd = mode("2160p50");
  EXPECT_EQ(uhd.width, 3840);
  EXPECT_EQ(uhd.height, 2160);
  EXPECT_EQ(uhd.fps_n, 50);

  EXPECT_EQ(mode("1080p25").fps_n, 25);
  EXPECT_FALSE(mode("1080p25").interlaced);
  EXPECT_EQ(mode("576i50").height, 576);
  EXPECT_EQ(mode("1080i59.94").fps_n, 30000);
}

TEST(SdiModes, LookupIgnoresCaseAndRejectsUnknownNames) {
  EXPECT_EQ(find_sdi_mode("1080I50"), find_sdi_mode("1080i50"));
  EXPECT_EQ(find_sdi_mode("1080i49"), nullptr);
  EXPECT_EQ(find_sdi_mode(""), nullptr);
  EXPECT_EQ(find_sdi_mode("auto"), nullptr);
}

TEST(SdiModes, FrameStartsAreExactOverHours) {
  const SdiMode &m = mode("1080p29.97");
  EXPECT_EQ(m.frame_start(0), 0);
  EXPECT_EQ(m.frame_duration(), 33'366'667);  // 1001/30000 s, rounded
  // 30000 frames last exactly 1001 s: no rounding drift accumulates.
  EXPECT_EQ(m.frame_start(30000), 1001'000'000'000);
  EXPECT_EQ(m.frame_start(30000 * 100), 100'100'000'000'000);
  EXPECT_EQ(mode("1080i50").frame_duration(), 40'000'000);
  // A week of 60p frames does not overflow.
  const int64_t week_frames = int64_t{60} * 3600 * 24 * 7;
  EXPECT_EQ(mode("2160p60").frame_start(week_frames), int64_t{3600} * 24 * 7 * 1'000'000'000);
}

TEST(SdiModes, ParsesTheModeProperty) {
  const ModeRequestParse automatic = parse_mode_request("auto");
  ASSERT_TRUE(automatic.request);
  EXPECT_TRUE(automatic.request->is_auto());

  const ModeRequestParse fixed = parse_mode_request(" 720p59.94 ");
  ASSERT_TRUE(fixed.request);
  EXPECT_FALSE(fixed.request->is_auto());
  EXPECT_EQ(fixed.request->fixed, find_sdi_mode("720p59.94"));

  EXPECT_TRUE(parse_mode_request("AUTO").request);
}

TEST(SdiModes, ModePropertyErrorsNameTheValueAndTheChoices) {
  const ModeRequestParse bad = parse_mode_request("1080x50");
  EXPECT_FALSE(bad.request);
  EXPECT_NE(bad.error.find("\"1080x50\""), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("auto"), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("1080i50"), std::string::npos) << bad.error;

  const ModeRequestParse empty = parse_mode_request("  ");
  EXPECT_FALSE(empty.request);
  EXPECT_NE(empty.error.find("empty"), std::string::npos) << empty.error;
}

}  // namespace
}  // namespace onair::sdi
