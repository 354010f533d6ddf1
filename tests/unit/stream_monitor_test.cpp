#include "core/stream_monitor.h"

#include <gtest/gtest.h>

#include <vector>

using namespace onair::monitor;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kFrame = kSec / 30;  // 33.3 ms

// Start of frame `index` of a 30 fps stream, rounded as GStreamer sources do.
int64_t frame_time(int64_t index) {
  return (index * kSec + 15) / 30;
}

struct Feed {
  StreamMonitor monitor;
  std::vector<Event> events;

  explicit Feed(Config config = {}) : monitor(config) {}

  // Frame `index` of a 30 fps stream, `size` bytes, optionally arriving `late` after its time.
  void frame(int64_t index, uint64_t size = 1000, int64_t late = kUnknown,
             bool with_duration = true) {
    BufferInfo b;
    b.running_time = frame_time(index);
    b.duration = with_duration ? frame_time(index + 1) - frame_time(index) : kUnknown;
    b.size = size;
    if (late != kUnknown) b.arrival = b.running_time + late;
    monitor.on_buffer(b, events);
  }
  void frames(int64_t first, int64_t last, uint64_t size = 1000) {
    for (int64_t i = first; i <= last; i++) frame(i, size);
  }

  std::vector<Stats> stats() const {
    std::vector<Stats> out;
    for (const Event &e : events)
      if (e.kind == Event::Kind::kStats) out.push_back(e.stats);
    return out;
  }
  std::vector<Event> of(Event::Kind kind) const {
    std::vector<Event> out;
    for (const Event &e : events)
      if (e.kind == kind) out.push_back(e);
    return out;
  }
};

Config with(Thresholds t, int64_t interval = kSec) {
  Config c;
  c.interval = interval;
  c.thresholds = t;
  return c;
}

}  // namespace

TEST(StreamMonitor, SteadyStreamGivesExactRates) {
  Feed f;
  f.frames(0, 90, 1250);  // three whole seconds and the first frame of the fourth
  const auto stats = f.stats();
  ASSERT_EQ(stats.size(), 3u);
  for (size_t i = 0; i < stats.size(); i++) {
    EXPECT_DOUBLE_EQ(stats[i].fps, 30.0);
    EXPECT_DOUBLE_EQ(stats[i].bitrate, 1250.0 * 8 * 30);
    EXPECT_EQ(stats[i].running_time, static_cast<int64_t>(i + 1) * kSec);
    EXPECT_EQ(stats[i].gaps, 0u);
    EXPECT_EQ(stats[i].dropped, 0u);
  }
  EXPECT_EQ(stats.back().buffers, 90u);  // the 91st opened the fourth window after the report
  EXPECT_EQ(f.monitor.latest().bytes, 90u * 1250u);
  EXPECT_TRUE(f.of(Event::Kind::kAlert).empty());
}

TEST(StreamMonitor, HoleCountsOneGapAndTheMissingFrames) {
  Feed f;
  f.frames(0, 10);
  f.frames(16, 40);  // frames 11..15 missing
  const Stats s = f.stats().at(0);
  EXPECT_EQ(s.gaps, 1u);
  EXPECT_EQ(s.dropped, 5u);
  EXPECT_EQ(s.longest_gap, frame_time(16) - frame_time(11));
  EXPECT_DOUBLE_EQ(s.fps, 25.0);
}

TEST(StreamMonitor, WithoutDurationsHolesAreJudgedBySpacing) {
  Feed f;
  for (int64_t i = 0; i <= 10; i++) f.frame(i, 100, kUnknown, false);
  for (int64_t i = 14; i <= 40; i++) f.frame(i, 100, kUnknown, false);
  const Stats s = f.stats().at(0);
  EXPECT_EQ(s.gaps, 1u);
  EXPECT_EQ(s.dropped, 3u);
}

TEST(StreamMonitor, GapAlertThenRecoveryAfterACleanWindow) {
  Feed f(with({.max_gap = 200 * kMs}));
  f.frames(0, 20);
  f.frames(30, 120);  // a 300 ms hole after frame 20
  const auto alerts = f.of(Event::Kind::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alert, Alert::kGap);
  EXPECT_NEAR(alerts[0].value, 9 * kFrame / 1e9, 1e-6);
  EXPECT_NEAR(alerts[0].threshold, 0.2, 1e-9);
  const auto recovered = f.of(Event::Kind::kRecovered);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].alert, Alert::kGap);
  // The hole ended in the first window; the second window (1 s..2 s) was clean.
  EXPECT_EQ(recovered[0].stats.running_time, 2 * kSec);
  EXPECT_FALSE(f.monitor.alert_active(Alert::kGap));
}

TEST(StreamMonitor, HoleBelowMaxGapCountsButDoesNotAlert) {
  Feed f(with({.max_gap = 500 * kMs}));
  f.frames(0, 20);
  f.frames(25, 60);
  EXPECT_EQ(f.monitor.latest().gaps, 1u);
  EXPECT_TRUE(f.of(Event::Kind::kAlert).empty());
}

TEST(StreamMonitor, FpsLowAlertsOnceAndRecovers) {
  Feed f(with({.min_fps = 25}));
  f.frames(0, 29);                                  // second 0: 30 fps
  for (int64_t i = 30; i < 60; i += 2) f.frame(i);  // second 1: 15 fps
  for (int64_t i = 60; i < 90; i += 2) f.frame(i);  // second 2: 15 fps
  f.frames(90, 150);                                // seconds 3, 4: 30 fps
  const auto alerts = f.of(Event::Kind::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alert, Alert::kFpsLow);
  EXPECT_DOUBLE_EQ(alerts[0].value, 15.0);
  EXPECT_EQ(alerts[0].stats.running_time, 2 * kSec);
  const auto recovered = f.of(Event::Kind::kRecovered);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].alert, Alert::kFpsLow);
  EXPECT_EQ(recovered[0].stats.running_time, 4 * kSec);
}

TEST(StreamMonitor, BitrateOutsideRangeAlerts) {
  Feed f(with({.min_bitrate = 100'000, .max_bitrate = 1'000'000}));
  f.frames(0, 29, 100);    // 24 kb/s: too low
  f.frames(30, 59, 1000);  // 240 kb/s: fine
  f.frames(60, 90, 8000);  // 1.92 Mb/s: too high
  const auto alerts = f.of(Event::Kind::kAlert);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].alert, Alert::kBitrateLow);
  EXPECT_EQ(alerts[1].alert, Alert::kBitrateHigh);
  EXPECT_DOUBLE_EQ(alerts[1].value, 8000.0 * 8 * 30);
  const auto recovered = f.of(Event::Kind::kRecovered);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].alert, Alert::kBitrateLow);
}

TEST(StreamMonitor, StallOnTheClockReportsZeroRateAndGap) {
  Feed f(with({.min_fps = 10, .max_gap = 500 * kMs}));
  for (int64_t i = 0; i <= 45; i++) f.frame(i, 1000, 5 * kMs);  // arrivals 5 ms late
  const int64_t last_arrival = frame_time(45) + 5 * kMs;
  f.events.clear();

  f.monitor.on_clock(last_arrival + 300 * kMs, f.events);
  EXPECT_TRUE(f.events.empty());  // not silent long enough for anything

  f.monitor.on_clock(last_arrival + 600 * kMs, f.events);
  auto alerts = f.of(Event::Kind::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alert, Alert::kGap);
  EXPECT_TRUE(f.stats().empty());

  f.monitor.on_clock(last_arrival + 1100 * kMs, f.events);
  auto stats = f.stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_TRUE(stats[0].stalled);
  EXPECT_EQ(stats[0].fps, 0.0);
  EXPECT_EQ(stats[0].buffers, 46u);
  alerts = f.of(Event::Kind::kAlert);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].alert, Alert::kFpsLow);

  // One stall report per interval, not per tick.
  f.monitor.on_clock(last_arrival + 1200 * kMs, f.events);
  EXPECT_EQ(f.stats().size(), 1u);
  f.monitor.on_clock(last_arrival + 2200 * kMs, f.events);
  EXPECT_EQ(f.stats().size(), 2u);
}

TEST(StreamMonitor, StreamResumingAfterStallRecovers) {
  Feed f(with({.min_fps = 10, .max_gap = 500 * kMs}));
  for (int64_t i = 0; i <= 45; i++) f.frame(i, 1000, 5 * kMs);
  f.monitor.on_clock(frame_time(45) + 1500 * kMs, f.events);
  ASSERT_TRUE(f.monitor.alert_active(Alert::kGap));
  ASSERT_TRUE(f.monitor.alert_active(Alert::kFpsLow));
  f.events.clear();
  // Frames resume 2 s later, for three seconds.
  for (int64_t i = 105; i <= 200; i++) f.frame(i, 1000, 5 * kMs);
  EXPECT_FALSE(f.monitor.alert_active(Alert::kGap));
  EXPECT_FALSE(f.monitor.alert_active(Alert::kFpsLow));
  for (const Stats &s : f.stats()) EXPECT_FALSE(s.stalled);
  // Stats keep moving forward in time.
  int64_t last = 0;
  for (const Stats &s : f.stats()) {
    EXPECT_GT(s.running_time, last);
    last = s.running_time;
  }
}

TEST(StreamMonitor, LatencyAndJitterFromArrivals) {
  Feed f;
  for (int64_t i = 0; i <= 30; i++) f.frame(i, 100, 20 * kMs);
  Stats s = f.stats().at(0);
  EXPECT_EQ(s.latency, 20 * kMs);
  EXPECT_EQ(s.max_latency, 20 * kMs);
  EXPECT_EQ(s.jitter, 0);

  Feed g;
  for (int64_t i = 0; i <= 30; i++) g.frame(i, 100, (i % 2 ? 30 : 10) * kMs);
  s = g.stats().at(0);
  EXPECT_EQ(s.max_latency, 30 * kMs);
  EXPECT_EQ(s.latency, 20 * kMs);
  EXPECT_GT(s.jitter, 10 * kMs);  // converging on the 20 ms swing
  EXPECT_LE(s.jitter, 20 * kMs);
}

TEST(StreamMonitor, WithoutClockLatencyIsUnknown) {
  Feed f;
  f.frames(0, 31);
  EXPECT_EQ(f.stats().at(0).latency, kUnknown);
  EXPECT_EQ(f.stats().at(0).jitter, kUnknown);
}

TEST(StreamMonitor, DiscontinuitiesAreCountedAfterTheFirstBuffer) {
  Feed f;
  for (int64_t i = 0; i <= 31; i++) {
    BufferInfo b;
    b.running_time = frame_time(i);
    b.duration = frame_time(i + 1) - frame_time(i);
    b.size = 10;
    b.discont = i == 0 || i == 7 || i == 20;
    f.monitor.on_buffer(b, f.events);
  }
  EXPECT_EQ(f.monitor.latest().discont, 2u);
}

TEST(StreamMonitor, SegmentRestartIsNotAGap) {
  Feed f(with({.max_gap = 100 * kMs}));
  f.frames(0, 20);
  f.monitor.on_discontinuity();
  f.frames(1000, 1100);  // timestamps jump by half a minute after a flush
  EXPECT_EQ(f.monitor.latest().gaps, 0u);
  EXPECT_TRUE(f.of(Event::Kind::kAlert).empty());
  EXPECT_FALSE(f.stats().empty());
}

TEST(StreamMonitor, LongJumpReportsOneWindowNotThousands) {
  Feed f;
  f.frames(0, 10);
  f.frames(30 * 3600, 30 * 3600 + 5);  // one hour later
  EXPECT_EQ(f.stats().size(), 1u);
  EXPECT_EQ(f.monitor.latest().gaps, 1u);
}

TEST(StreamMonitor, ResetForgetsEverything) {
  Feed f(with({.min_fps = 50}));
  f.frames(0, 40);
  ASSERT_TRUE(f.monitor.alert_active(Alert::kFpsLow));
  f.monitor.reset();
  EXPECT_FALSE(f.monitor.alert_active(Alert::kFpsLow));
  EXPECT_EQ(f.monitor.latest().buffers, 0u);
  EXPECT_EQ(f.monitor.config().thresholds.min_fps, 50);
}

TEST(StreamMonitor, AlertNamesAreStable) {
  EXPECT_STREQ(alert_name(Alert::kFpsLow), "fps-low");
  EXPECT_STREQ(alert_name(Alert::kGap), "gap");
  EXPECT_STREQ(alert_name(Alert::kBitrateLow), "bitrate-low");
  EXPECT_STREQ(alert_name(Alert::kBitrateHigh), "bitrate-high");
}
