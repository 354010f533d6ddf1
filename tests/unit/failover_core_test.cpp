#include <gtest/gtest.h>

#include "core/retry.h"
#include "core/slate_card.h"
#include "core/timeline.h"
#include "core/watchdog.h"

using namespace onair::failover;

namespace {
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;
}  // namespace

TEST(Watchdog, StartingUnannouncedThenLostAfterTheTimeout) {
  InputWatchdog w(kSec);
  w.start(0);
  EXPECT_EQ(w.state(), InputState::kStarting);
  EXPECT_FALSE(w.showing_input());
  EXPECT_FALSE(w.tick(999 * kMs));
  const Change lost = w.tick(kSec);
  EXPECT_EQ(lost.kind, Change::Kind::kLost);
  EXPECT_EQ(lost.reason, LossReason::kStalled);
  EXPECT_EQ(lost.since_good, kSec);
  EXPECT_EQ(w.lost_count(), 1u);
  EXPECT_FALSE(w.tick(2 * kSec));  // announced once
}

TEST(Watchdog, FirstFrameBeforeTheTimeoutIsNoReturn) {
  InputWatchdog w(kSec);
  w.start(0);
  EXPECT_FALSE(w.frame(100 * kMs, true));
  EXPECT_TRUE(w.showing_input());
  EXPECT_EQ(w.lost_count(), 0u);
}

TEST(Watchdog, StallsWithoutGoodFramesAndGapFramesDoNotCount) {
  InputWatchdog w(kSec);
  w.start(0);
  w.frame(0, true);
  EXPECT_FALSE(w.frame(500 * kMs, false));
  const Change lost = w.frame(kSec, false);  // repeats only: still lost on time
  EXPECT_EQ(lost.kind, Change::Kind::kLost);
  EXPECT_EQ(lost.since_good, kSec);
  EXPECT_FALSE(w.showing_input());
}

TEST(Watchdog, BackAtTheFirstGoodFrameWithHowLongItWasLost) {
  InputWatchdog w(kSec);
  w.start(0);
  w.frame(0, true);
  w.tick(kSec);
  const Change back = w.frame(3 * kSec, true);
  EXPECT_EQ(back.kind, Change::Kind::kBack);
  EXPECT_EQ(back.lost_for, 2 * kSec);
  EXPECT_TRUE(w.showing_input());
}

TEST(Watchdog, EndAndFailureAreLostAtOnce) {
  InputWatchdog w(kSec);
  w.start(0);
  w.frame(0, true);
  const Change ended = w.ended(10 * kMs);
  EXPECT_EQ(ended.reason, LossReason::kEnded);
  EXPECT_FALSE(w.ended(20 * kMs));  // once
  w.frame(30 * kMs, true);
  const Change failed = w.failed(40 * kMs, "gone");
  EXPECT_EQ(failed.reason, LossReason::kError);
  EXPECT_EQ(failed.error, "gone");
  EXPECT_EQ(w.lost_count(), 2u);
}

TEST(Watchdog, AStallThatThenFailsIsAnnouncedAgainAsOneLoss) {
  InputWatchdog w(kSec);
  w.start(0);
  w.tick(kSec);
  const Change failed = w.failed(2 * kSec, "refused");
  EXPECT_EQ(failed.kind, Change::Kind::kLost);
  EXPECT_EQ(failed.reason, LossReason::kError);
  EXPECT_EQ(w.lost_count(), 1u);
  EXPECT_EQ(w.lost_for(3 * kSec), 2 * kSec);
  EXPECT_FALSE(w.tick(4 * kSec));
}

TEST(Timeline, CadenceIsExactAtFractionalRates) {
  OutputCadence c;
  c.reset(5 * kSec, 30000, 1001);
  EXPECT_EQ(c.frame_start(0), 5 * kSec);
  EXPECT_EQ(c.frame_start(30000), 5 * kSec + 1001 * kSec);  // no drift
  EXPECT_EQ(c.frame_duration(0), 33'366'666);
  c.reset(0, 0, 1);  // unknown rate: 30 fps
  EXPECT_EQ(c.frame_start(30), kSec);
}

TEST(Timeline, SamplesToTime) {
  EXPECT_EQ(units_to_time(48000, 48000, 1), kSec);
  EXPECT_EQ(units_to_time(441, 44100, 1), 10 * kMs);
}

TEST(Timeline, InputIsAnchoredAtEachRestart) {
  InputMapping m;
  EXPECT_EQ(m.map(0, 7 * kSec), 7 * kSec);                    // first timestamp: now
  EXPECT_EQ(m.map(40 * kMs, 7 * kSec), 7 * kSec + 40 * kMs);  // then its own pace
  m.restart();  // a restarted source begins at 0 again
  EXPECT_EQ(m.map(0, 9 * kSec), 9 * kSec);
  EXPECT_EQ(m.map(500 * kMs, 9 * kSec), 9 * kSec + 500 * kMs);
}

TEST(Timeline, AJumpFarAheadIsAnchoredAgain) {
  InputMapping m(kSec);
  m.map(0, 0);
  EXPECT_EQ(m.map(60 * kSec, 100 * kMs), 100 * kMs);  // not held back for a minute
}

TEST(Retry, DoublesFromASecondToTheCapAndStartsAgainOnceBack) {
  RetrySchedule r;
  r.configure({kSec, 5 * kSec, true});
  EXPECT_EQ(r.lost(LossReason::kError), kSec);
  EXPECT_EQ(r.lost(LossReason::kStalled), 2 * kSec);
  EXPECT_EQ(r.lost(LossReason::kError), 4 * kSec);
  EXPECT_EQ(r.lost(LossReason::kError), 5 * kSec);
  r.back();
  EXPECT_EQ(r.lost(LossReason::kEnded), kSec);
}

TEST(Retry, AnEndedFileStaysEndedWhenAsked) {
  RetrySchedule r;
  r.configure({kSec, 30 * kSec, false});
  EXPECT_FALSE(r.lost(LossReason::kEnded).has_value());
  EXPECT_EQ(r.lost(LossReason::kError), kSec);
}

TEST(Retry, OnlyFilesEndForGood) {
  EXPECT_TRUE(ends_for_good("file:///media/talk.mp4"));
  EXPECT_TRUE(ends_for_good("FILE:///media/talk.mp4"));
  EXPECT_TRUE(ends_for_good("/media/talk.mp4"));
  EXPECT_TRUE(ends_for_good("talk.mp4"));
  EXPECT_FALSE(ends_for_good("rtmp://127.0.0.1/live/key"));
  EXPECT_FALSE(ends_for_good("https://example.com/live.m3u8"));
  EXPECT_FALSE(ends_for_good("srt://127.0.0.1:9000"));
}

TEST(SlateCard, ACardWithTextNotAPlainFill) {
  const int w = 320, h = 180;
  const std::vector<uint8_t> card = render_slate_card_bgra(w, h, "We'll be right back");
  ASSERT_EQ(card.size(), static_cast<size_t>(w * h * 4));
  // The text is white on the blue band: the band's row through the text has white pixels.
  int white = 0;
  for (int x = 0; x < w; ++x) {
    const uint8_t *p = &card[(h / 2 * w + x) * 4];
    if (p[0] > 200 && p[1] > 200 && p[2] > 200) ++white;
  }
  EXPECT_GT(white, 0);
  EXPECT_EQ(card[3], 0xff);  // opaque
  const std::vector<uint8_t> other = render_slate_card_bgra(w, h, "Back soon");
  EXPECT_NE(card, other);
}
