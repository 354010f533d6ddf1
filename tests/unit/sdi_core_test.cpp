#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/decklink_modes.h"
#include "core/no_signal_timeline.h"
#include "core/sdi_modes.h"
#include "core/signal_health.h"
#include "core/slate.h"
#include "sdisrc_messages.h"

namespace onair::sdi {
namespace {

const SdiMode &mode(std::string_view name) {
  const SdiMode *found = find_sdi_mode(name);
  if (found) return *found;
  ADD_FAILURE() << "no mode " << name;
  return sdi_modes().front();
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

TEST(SdiModes, DeckLinkNicksFollowGStreamersModeTable) {
  EXPECT_EQ(decklink_mode_nick(mode("1080i50")), "1080i50");
  EXPECT_EQ(decklink_mode_nick(mode("720p59.94")), "720p5994");
  EXPECT_EQ(decklink_mode_nick(mode("1080p23.98")), "1080p2398");
  EXPECT_EQ(decklink_mode_nick(mode("486i59.94")), "ntsc");
  EXPECT_EQ(decklink_mode_nick(mode("576i50")), "pal");
  EXPECT_EQ(decklink_mode_nick(mode("2160p25")), "2160p25");
}

TEST(SdiModes, ModesAreFoundByTheirFormat) {
  EXPECT_EQ(find_sdi_mode(1920, 1080, 25, 1, true), &mode("1080i50"));
  EXPECT_EQ(find_sdi_mode(1920, 1080, 25, 1, false), &mode("1080p25"));
  EXPECT_EQ(find_sdi_mode(1280, 720, 60000, 1001, false), &mode("720p59.94"));
  EXPECT_EQ(find_sdi_mode(1920, 1080, 50, 2, true), &mode("1080i50"));
  EXPECT_EQ(find_sdi_mode(1920, 1080, 26, 1, true), nullptr);
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

// --- Health model ---

constexpr int64_t kMs = 1'000'000;

SignalHealth open_health(const RetryPolicy &policy = {}) {
  SignalHealth health(policy);
  EXPECT_TRUE(health.opened());
  return health;
}

TEST(SignalHealth, StartsWithoutDeviceAndOpeningWaitsForSignal) {
  SignalHealth health;
  EXPECT_EQ(health.status().state, HealthState::no_device);
  EXPECT_FALSE(health.has_signal());
  // Nothing counts before the port is open.
  EXPECT_FALSE(health.signal_locked(mode("1080i50")));
  EXPECT_FALSE(health.signal_lost());

  const auto opened = health.opened();
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->kind, MessageKind::signal);
  EXPECT_FALSE(opened->locked);
  EXPECT_EQ(opened->mode, "");
  EXPECT_EQ(health.status().state, HealthState::waiting_for_signal);
  EXPECT_FALSE(health.opened());  // already open
}

TEST(SignalHealth, LockLossAndReturnPostSignalMessagesOnce) {
  SignalHealth health = open_health();
  const auto locked = health.signal_locked(mode("1080i50"));
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->kind, MessageKind::signal);
  EXPECT_TRUE(locked->locked);
  EXPECT_EQ(locked->mode, "1080i50");
  EXPECT_TRUE(health.has_signal());
  EXPECT_EQ(health.status().mode, &mode("1080i50"));
  EXPECT_FALSE(health.signal_locked(mode("1080i50")));  // polled again: nothing new

  const auto lost = health.signal_lost();
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->kind, MessageKind::signal);
  EXPECT_FALSE(lost->locked);
  EXPECT_EQ(lost->mode, "1080i50");  // the last mode, for the slate and the page
  EXPECT_EQ(health.status().state, HealthState::lost);
  EXPECT_FALSE(health.has_signal());
  EXPECT_FALSE(health.signal_lost());

  // The signal comes back, even in another mode: a lock, not a format change.
  const auto back = health.signal_locked(mode("720p59.94"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, MessageKind::signal);
  EXPECT_TRUE(back->locked);
  EXPECT_EQ(back->mode, "720p59.94");
  EXPECT_TRUE(health.has_signal());
}

TEST(SignalHealth, AnotherModeWhileLockedIsAFormatChange) {
  SignalHealth health = open_health();
  ASSERT_TRUE(health.signal_locked(mode("1080i50")));
  const auto changed = health.signal_locked(mode("720p59.94"));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->kind, MessageKind::format);
  EXPECT_EQ(changed->previous_mode, "1080i50");
  EXPECT_EQ(changed->mode, "720p59.94");
  EXPECT_EQ(health.status().state, HealthState::locked);
  EXPECT_EQ(health.status().mode, &mode("720p59.94"));
  EXPECT_FALSE(health.signal_locked(mode("720p59.94")));
}

TEST(SignalHealth, RecoverableErrorsAreRetriedWithGrowingBoundedWaits) {
  const RetryPolicy policy{.first_delay = 100 * kMs, .max_delay = 350 * kMs, .max_attempts = 0};
  SignalHealth health = open_health(policy);
  ASSERT_TRUE(health.signal_locked(mode("1080p25")));

  const auto busy = health.failed(ErrorKind::busy, "port held by another program", 1000 * kMs);
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->kind, MessageKind::error);
  EXPECT_EQ(busy->error, ErrorKind::busy);
  EXPECT_EQ(busy->detail, "port held by another program");
  EXPECT_TRUE(busy->retrying);
  EXPECT_EQ(busy->attempt, 1u);
  EXPECT_EQ(busy->retry_in, 100 * kMs);
  EXPECT_EQ(health.status().state, HealthState::error);
  EXPECT_FALSE(health.has_signal());
  EXPECT_FALSE(health.fatal());
  // Closed port: signal reports do not count.
  EXPECT_FALSE(health.signal_locked(mode("1080p25")));
  EXPECT_FALSE(health.signal_lost());

  EXPECT_FALSE(health.retry_due(1099 * kMs));
  EXPECT_TRUE(health.retry_due(1100 * kMs));

  // Reopening fails again: waits double up to the bound.
  EXPECT_EQ(health.failed(ErrorKind::busy, "still held", 1100 * kMs)->retry_in, 200 * kMs);
  EXPECT_EQ(health.failed(ErrorKind::gone, "no answer", 1300 * kMs)->retry_in, 350 * kMs);
  const auto fourth = health.failed(ErrorKind::gone, "no answer", 1650 * kMs);
  EXPECT_EQ(fourth->retry_in, 350 * kMs);
  EXPECT_EQ(fourth->attempt, 4u);
  EXPECT_EQ(fourth->error, ErrorKind::gone);
  EXPECT_FALSE(health.retry_due(1999 * kMs));
  EXPECT_TRUE(health.retry_due(2000 * kMs));

  // The recovery: waiting for the signal again, the count starts over, the mode is remembered.
  const auto reopened = health.opened();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->kind, MessageKind::signal);
  EXPECT_FALSE(reopened->locked);
  EXPECT_EQ(reopened->mode, "1080p25");
  EXPECT_EQ(health.status().state, HealthState::waiting_for_signal);
  EXPECT_EQ(health.status().attempt, 0u);
  EXPECT_FALSE(health.retry_due(9000 * kMs));
  EXPECT_EQ(health.failed(ErrorKind::gone, "unplugged", 3000 * kMs)->retry_in, 100 * kMs);
}

TEST(SignalHealth, UnrecoverableErrorsAreFatalAndEndEverything) {
  for (ErrorKind kind : {ErrorKind::not_found, ErrorKind::library_missing, ErrorKind::other}) {
    SignalHealth health;
    const auto failure = health.failed(kind, "why", 0);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->error, kind);
    EXPECT_FALSE(failure->retrying);
    EXPECT_EQ(failure->retry_in, 0);
    EXPECT_TRUE(health.fatal());
    EXPECT_FALSE(health.retry_due(int64_t{1} << 62));
    EXPECT_FALSE(health.opened());
    EXPECT_FALSE(health.signal_locked(mode("1080i50")));
    EXPECT_FALSE(health.failed(ErrorKind::busy, "later", 1));
    EXPECT_EQ(health.status().error, kind);
  }
}

TEST(SignalHealth, GivesUpAfterTheAllowedAttempts) {
  SignalHealth health(
      RetryPolicy{.first_delay = 10 * kMs, .max_delay = 40 * kMs, .max_attempts = 3});
  EXPECT_TRUE(health.failed(ErrorKind::busy, "held", 0)->retrying);
  EXPECT_TRUE(health.failed(ErrorKind::busy, "held", 10 * kMs)->retrying);
  const auto last = health.failed(ErrorKind::busy, "held", 30 * kMs);
  EXPECT_FALSE(last->retrying);
  EXPECT_EQ(last->attempt, 3u);
  EXPECT_TRUE(health.fatal());
}

TEST(SignalHealth, RetryDelayDoublesFromTheFirstAndStopsAtTheBound) {
  const RetryPolicy policy{.first_delay = 500 * kMs, .max_delay = 10'000 * kMs};
  EXPECT_EQ(retry_delay(policy, 1), 500 * kMs);
  EXPECT_EQ(retry_delay(policy, 2), 1000 * kMs);
  EXPECT_EQ(retry_delay(policy, 5), 8000 * kMs);
  EXPECT_EQ(retry_delay(policy, 6), 10'000 * kMs);
  EXPECT_EQ(retry_delay(policy, UINT32_MAX), 10'000 * kMs);
  EXPECT_EQ(retry_delay(RetryPolicy{.first_delay = 0}, UINT32_MAX), 0);
}

TEST(SignalHealth, NamesMatchTheMessagesAndTheDocs) {
  EXPECT_STREQ(message_name(MessageKind::signal), sdisrc_messages::kSignal);
  EXPECT_STREQ(message_name(MessageKind::format), "sdisrc-format");
  EXPECT_STREQ(message_name(MessageKind::error), "sdisrc-error");
  EXPECT_STREQ(error_kind_name(ErrorKind::busy), "busy");
  EXPECT_STREQ(error_kind_name(ErrorKind::gone), "gone");
  EXPECT_STREQ(error_kind_name(ErrorKind::not_found), "not-found");
  EXPECT_STREQ(error_kind_name(ErrorKind::library_missing), "library-missing");
  EXPECT_STREQ(error_kind_name(ErrorKind::other), "other");
  EXPECT_STREQ(health_state_name(HealthState::no_device), "no-device");
  EXPECT_STREQ(health_state_name(HealthState::waiting_for_signal), "waiting-for-signal");
  EXPECT_STREQ(health_state_name(HealthState::locked), "locked");
  EXPECT_STREQ(health_state_name(HealthState::lost), "lost");
  EXPECT_STREQ(health_state_name(HealthState::error), "error");
}

// --- No-signal timeline ---

TEST(NoSignalPolicy, ParsesThePropertyValues) {
  EXPECT_EQ(parse_no_signal_policy("slate").policy, NoSignalPolicy::slate);
  EXPECT_EQ(parse_no_signal_policy(" Black ").policy, NoSignalPolicy::black);
  EXPECT_EQ(parse_no_signal_policy("DROP").policy, NoSignalPolicy::drop);
  for (NoSignalPolicy policy : {NoSignalPolicy::slate, NoSignalPolicy::black, NoSignalPolicy::drop})
    EXPECT_EQ(parse_no_signal_policy(no_signal_policy_name(policy)).policy, policy);

  const NoSignalPolicyParse bad = parse_no_signal_policy("grey");
  EXPECT_FALSE(bad.policy);
  EXPECT_EQ(bad.error, "unknown no-signal policy \"grey\"; expected slate, black, drop");
}

// Every span starts where the one before ended.
void expect_continuous(const std::vector<FrameSpan> &spans) {
  for (size_t i = 1; i < spans.size(); ++i) {
    EXPECT_EQ(spans[i].pts, spans[i - 1].end()) << "span " << i;
    EXPECT_GT(spans[i].duration, 0) << "span " << i;
  }
}

// Sends what the placement says into `out`, as the source would.
void send(const RealFramePlacement &placement, std::vector<FrameSpan> &out) {
  out.insert(out.end(), placement.fillers.begin(), placement.fillers.end());
  if (placement.frame) out.push_back(*placement.frame);
}

TEST(NoSignalTimeline, RealFramesPassUnchangedWhileTheSignalIsUp) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  EXPECT_FALSE(timeline.end());
  EXPECT_FALSE(timeline.filling());
  for (int64_t i = 0; i < 3; ++i) {
    const RealFramePlacement placement = timeline.real_frame(i * 40 * kMs, 40 * kMs);
    EXPECT_TRUE(placement.fillers.empty());
    EXPECT_EQ(placement.frame, (FrameSpan{i * 40 * kMs, 40 * kMs}));
  }
  EXPECT_EQ(timeline.end(), 120 * kMs);
  EXPECT_TRUE(timeline.fillers_due(1000 * kMs).empty());
  EXPECT_FALSE(timeline.next_filler_due());
}

TEST(NoSignalTimeline, FillersContinueFromTheLastRealFrameWhenDue) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  timeline.real_frame(0, 40 * kMs);
  timeline.real_frame(40 * kMs, 40 * kMs);
  timeline.signal_lost(mode("1080i50"), 95 * kMs);
  EXPECT_TRUE(timeline.filling());
  EXPECT_EQ(timeline.next_filler_due(), 120 * kMs);

  EXPECT_TRUE(timeline.fillers_due(119 * kMs).empty());  // not yet ended
  EXPECT_EQ(timeline.fillers_due(120 * kMs), (std::vector<FrameSpan>{{80 * kMs, 40 * kMs}}));
  EXPECT_EQ(timeline.fillers_due(205 * kMs),
            (std::vector<FrameSpan>{{120 * kMs, 40 * kMs}, {160 * kMs, 40 * kMs}}));
  EXPECT_EQ(timeline.end(), 200 * kMs);
  EXPECT_EQ(timeline.next_filler_due(), 240 * kMs);

  // Lost again while filling: the fillers go on as they were.
  timeline.signal_lost(mode("720p60"), 210 * kMs);
  EXPECT_EQ(timeline.fillers_due(240 * kMs), (std::vector<FrameSpan>{{200 * kMs, 40 * kMs}}));
}

TEST(NoSignalTimeline, FillersStartAtNowWhenNoFrameWentOutYet) {
  NoSignalTimeline timeline(NoSignalPolicy::black);
  timeline.signal_lost(mode("1080p25"), 1000 * kMs);
  EXPECT_EQ(timeline.next_filler_due(), 1040 * kMs);
  EXPECT_EQ(timeline.fillers_due(1040 * kMs), (std::vector<FrameSpan>{{1000 * kMs, 40 * kMs}}));
}

TEST(NoSignalTimeline, FillersAtNtscRatesDoNotDriftOverLongOutages) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  timeline.real_frame(0, 20 * kMs);
  timeline.signal_lost(mode("1080p29.97"), 20 * kMs);
  // 30000 fillers last exactly 1001 s.
  const std::vector<FrameSpan> fillers = timeline.fillers_due(20 * kMs + 1001'000 * kMs);
  ASSERT_EQ(fillers.size(), 30000u);
  EXPECT_EQ(fillers.front().pts, 20 * kMs);
  expect_continuous(fillers);
  for (const FrameSpan &filler : fillers) {
    EXPECT_GE(filler.duration, 33'366'666);
    EXPECT_LE(filler.duration, 33'366'667);
  }
  EXPECT_EQ(timeline.end(), 20 * kMs + 1001'000 * kMs);
}

TEST(NoSignalTimeline, ReturningSignalClosesTheGapWithoutOverlap) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  std::vector<FrameSpan> out;
  send(timeline.real_frame(0, 40 * kMs), out);
  timeline.signal_lost(mode("1080i50"), 60 * kMs);
  for (const FrameSpan &filler : timeline.fillers_due(170 * kMs)) out.push_back(filler);
  ASSERT_EQ(out.back().end(), 160 * kMs);

  // The card delivers again from 265 ms: two more whole fillers, then the real frame starts
  // where they end (5 ms earlier than captured), and keeps its own end.
  const RealFramePlacement back = timeline.real_frame(265 * kMs, 40 * kMs);
  EXPECT_EQ(back.fillers, (std::vector<FrameSpan>{{160 * kMs, 40 * kMs}, {200 * kMs, 40 * kMs}}));
  EXPECT_EQ(back.frame, (FrameSpan{240 * kMs, 65 * kMs}));
  send(back, out);
  EXPECT_FALSE(timeline.filling());
  EXPECT_FALSE(timeline.next_filler_due());

  // Later real frames keep their own timestamps.
  send(timeline.real_frame(305 * kMs, 40 * kMs), out);
  EXPECT_EQ(out.back(), (FrameSpan{305 * kMs, 40 * kMs}));
  EXPECT_EQ(out.front().pts, 0);
  expect_continuous(out);
}

TEST(NoSignalTimeline, AReturningFrameInsideTheLastFillerStartsAfterItOrIsDropped) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  timeline.signal_lost(mode("1080p25"), 0);
  ASSERT_EQ(timeline.fillers_due(80 * kMs).size(), 2u);  // up to 80 ms

  // Captured over [50, 90): only 10 ms lie after the output's end, less than half: dropped.
  const RealFramePlacement mostly_covered = timeline.real_frame(50 * kMs, 40 * kMs);
  EXPECT_TRUE(mostly_covered.fillers.empty());
  EXPECT_FALSE(mostly_covered.frame);
  EXPECT_EQ(timeline.end(), 80 * kMs);
  EXPECT_FALSE(timeline.filling());

  // The next one, [90, 130), starts at 80 ms so no gap opens.
  EXPECT_EQ(timeline.real_frame(90 * kMs, 40 * kMs).frame, (FrameSpan{80 * kMs, 50 * kMs}));
  // The gap is closed; a later one is the card's and stays.
  EXPECT_EQ(timeline.real_frame(200 * kMs, 40 * kMs).frame, (FrameSpan{200 * kMs, 40 * kMs}));
}

TEST(NoSignalTimeline, AReturningFrameMostlyAfterTheFillersIsShortened) {
  NoSignalTimeline timeline(NoSignalPolicy::black);
  timeline.signal_lost(mode("1080p25"), 0);
  ASSERT_EQ(timeline.fillers_due(40 * kMs).size(), 1u);
  EXPECT_EQ(timeline.real_frame(30 * kMs, 40 * kMs).frame, (FrameSpan{40 * kMs, 30 * kMs}));
  // Exactly half is kept too.
  NoSignalTimeline half(NoSignalPolicy::black);
  half.signal_lost(mode("1080p25"), 0);
  ASSERT_EQ(half.fillers_due(40 * kMs).size(), 1u);
  EXPECT_EQ(half.real_frame(20 * kMs, 40 * kMs).frame, (FrameSpan{40 * kMs, 20 * kMs}));
}

TEST(NoSignalTimeline, FillsAtTheLossModeRateWhateverModeReturns) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  const SdiMode &p5994 = mode("720p59.94");
  std::vector<FrameSpan> out;
  for (int64_t i = 0; i < 4; ++i)
    send(timeline.real_frame(p5994.frame_start(i), p5994.frame_start(i + 1) - p5994.frame_start(i)),
         out);
  timeline.signal_lost(p5994, out.back().end());
  const std::vector<FrameSpan> fillers = timeline.fillers_due(out.back().end() + 500 * kMs);
  EXPECT_EQ(fillers.size(), 29u);  // 500 ms at 59.94 frames a second
  for (const FrameSpan &filler : fillers) EXPECT_LE(filler.duration, 16'683'334);
  out.insert(out.end(), fillers.begin(), fillers.end());

  // The signal returns as 1080i50.
  const int64_t back = out.back().end() + 30 * kMs;
  send(timeline.real_frame(back, 40 * kMs), out);
  send(timeline.real_frame(back + 40 * kMs, 40 * kMs), out);
  EXPECT_EQ(out.back(), (FrameSpan{back + 40 * kMs, 40 * kMs}));
  expect_continuous(out);
}

TEST(NoSignalTimeline, TheDropPolicySendsNothingAndKeepsTheGap) {
  NoSignalTimeline timeline(NoSignalPolicy::drop);
  timeline.real_frame(0, 40 * kMs);
  timeline.signal_lost(mode("1080p25"), 50 * kMs);
  EXPECT_TRUE(timeline.filling());
  EXPECT_TRUE(timeline.fillers_due(10'000 * kMs).empty());
  EXPECT_FALSE(timeline.next_filler_due());
  const RealFramePlacement back = timeline.real_frame(1000 * kMs, 40 * kMs);
  EXPECT_TRUE(back.fillers.empty());
  EXPECT_EQ(back.frame, (FrameSpan{1000 * kMs, 40 * kMs}));
}

TEST(NoSignalTimeline, TimestampsNeverGoBackwards) {
  NoSignalTimeline timeline(NoSignalPolicy::slate);
  timeline.real_frame(0, 40 * kMs);
  // A frame stamped early overlaps the one before: it starts where that one ended.
  EXPECT_EQ(timeline.real_frame(35 * kMs, 40 * kMs).frame, (FrameSpan{40 * kMs, 35 * kMs}));
  // One stamped entirely in the past is dropped.
  EXPECT_FALSE(timeline.real_frame(20 * kMs, 40 * kMs).frame);
  EXPECT_EQ(timeline.end(), 75 * kMs);
  // A gap while the signal is up (a frame the card dropped) stays a gap: nothing invented.
  EXPECT_EQ(timeline.real_frame(115 * kMs, 40 * kMs).frame, (FrameSpan{115 * kMs, 40 * kMs}));
}

}  // namespace
}  // namespace onair::sdi

namespace {

// Y of UYVY pixel (x, y).
int luma_at(const std::vector<std::uint8_t> &frame, std::size_t stride, int x, int y) {
  return frame[static_cast<std::size_t>(y) * stride + static_cast<std::size_t>(x) * 2 + 1];
}

}  // namespace

TEST(Slate, IsADarkCardWithBrightLetteringInItsMiddle) {
  const int width = 1280, height = 720;
  const std::size_t stride = width * 2 + 64;  // padding is left alone
  const auto frame =
      onair::sdi::render_slate_uyvy(width, height, stride, "DELTACAST card 0, input 1");
  ASSERT_EQ(frame.size(), stride * height);
  // Video range, corners dark (the background), the middle band holding white letters.
  for (std::size_t i = 0; i < frame.size(); ++i)
    if (i % stride < static_cast<std::size_t>(width) * 2) {
      ASSERT_GE(frame[i], 16) << i;
      ASSERT_LE(frame[i], 240) << i;
    }
  for (const auto &[x, y] :
       {std::pair{0, 0}, {width - 1, 0}, {0, height - 1}, {width - 1, height - 1}})
    EXPECT_LT(luma_at(frame, stride, x, y), 48);
  // White (Y 235) letters in the band; the port's name below it in light grey (Y 202).
  int white_in_band = 0, white_outside = 0, grey_below = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int luma = luma_at(frame, stride, x, y);
      const bool in_band = y >= height * 3 / 8 && y < height * 5 / 8;
      (in_band ? white_in_band : white_outside) += luma > 220;
      grey_below += y >= height * 5 / 8 && luma > 180 && luma <= 220;
    }
  EXPECT_GT(white_in_band, 2000);
  EXPECT_EQ(white_outside, 0);
  EXPECT_GT(grey_below, 500);
}

TEST(Slate, NamesThePortItBelongsTo) {
  const std::size_t stride = 720 * 2;
  const auto one = onair::sdi::render_slate_uyvy(720, 576, stride, "DELTACAST card 0, input 1");
  const auto two = onair::sdi::render_slate_uyvy(720, 576, stride, "DELTACAST card 0, input 2");
  const auto none = onair::sdi::render_slate_uyvy(720, 576, stride, "");
  EXPECT_NE(one, two);
  EXPECT_NE(one, none);
  // Drawing is deterministic: a card is drawn once and reused.
  EXPECT_EQ(one, onair::sdi::render_slate_uyvy(720, 576, stride, "DELTACAST card 0, input 1"));
}

TEST(Slate, V210CarriesTheSameCardInTenBits) {
  const int width = 1920, height = 1080;
  const std::size_t stride = (width + 47) / 48 * 128;
  const auto uyvy = onair::sdi::render_slate_uyvy(width, height, width * 2, "DeckLink device 0");
  const auto v210 = onair::sdi::render_slate_v210(width, height, stride, "DeckLink device 0");
  ASSERT_EQ(v210.size(), stride * height);
  // Unpack a row in the middle: the components of the UYVY row, four times as large.
  const int y = height / 2;
  const std::uint8_t *row = v210.data() + static_cast<std::size_t>(y) * stride;
  for (int c = 0; c < width * 2; ++c) {
    const int word = c / 3, slot = c % 3;
    std::uint32_t packed = 0;
    for (int b = 0; b < 4; ++b) packed |= static_cast<std::uint32_t>(row[word * 4 + b]) << (8 * b);
    const unsigned value = (packed >> (10 * slot)) & 0x3ff;
    ASSERT_EQ(value, uyvy[static_cast<std::size_t>(y) * width * 2 + c] * 4u) << c;
  }
}
