// The reconnect rules of resilientrtmpsink, without GStreamer: every event in every phase.
#include <gtest/gtest.h>

#include "core/reconnect_policy.h"

using namespace onair::output;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

// No jitter (0.5 draws the delay itself), 100 ms doubling, checks every 250 ms.
ReconnectPolicy policy(uint32_t max_attempts = 0, int64_t probe_interval = 250 * kMs) {
  ReconnectPolicy p([] { return 0.5; });
  ReconnectSettings s;
  s.backoff.initial = 100 * kMs;
  s.backoff.max_attempts = max_attempts;
  s.probe_interval = probe_interval;
  s.drain_timeout = 5 * kSec;
  p.configure(s);
  return p;
}

Change last_change(ReconnectPolicy &p) {
  const std::vector<Change> changes = p.take_changes();
  EXPECT_FALSE(changes.empty());
  return changes.empty() ? Change() : changes.back();
}

}  // namespace

TEST(ReconnectPolicy, StartsByConnecting) {
  ReconnectPolicy p = policy();
  EXPECT_EQ(p.plan().action, Action::kHold);
  const Plan plan = p.start();
  EXPECT_EQ(plan.action, Action::kConnect);
  const std::vector<Change> changes = p.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, State::kConnecting);
  EXPECT_EQ(changes[0].attempt, 1u);
  EXPECT_TRUE(p.take_changes().empty());  // taken once
}

TEST(ReconnectPolicy, GoesLiveAndHoldsTheConnection) {
  ReconnectPolicy p = policy();
  const uint64_t connect = p.start().number;
  p.take_changes();
  const Plan plan = p.connected();
  EXPECT_EQ(plan.action, Action::kHold);
  EXPECT_NE(plan.number, connect);
  const Change live = last_change(p);
  EXPECT_EQ(live.state, State::kLive);
  EXPECT_EQ(live.attempt, 0u);
  // Going live twice changes nothing.
  EXPECT_EQ(p.connected().number, plan.number);
  EXPECT_TRUE(p.take_changes().empty());
}

TEST(ReconnectPolicy, AFailedAttemptWaitsTheBackoffDelayWithoutChecks) {
  ReconnectPolicy p = policy(0, 0);
  p.start();
  p.take_changes();
  Plan plan = p.failed(10 * kSec, "refused");
  EXPECT_EQ(plan.action, Action::kWait);
  EXPECT_EQ(plan.at, 10 * kSec + 100 * kMs);
  Change c = last_change(p);
  EXPECT_EQ(c.state, State::kReconnecting);
  EXPECT_EQ(c.attempt, 2u);
  EXPECT_EQ(c.next_delay, 100 * kMs);
  EXPECT_EQ(c.error, "refused");
  EXPECT_FALSE(c.connection_lost);

  // Early: still waiting.
  EXPECT_EQ(p.elapsed(10 * kSec + 50 * kMs).number, plan.number);
  plan = p.elapsed(10 * kSec + 100 * kMs);
  EXPECT_EQ(plan.action, Action::kConnect);
  c = last_change(p);
  EXPECT_EQ(c.state, State::kConnecting);
  EXPECT_EQ(c.attempt, 2u);

  // The delay doubles with each failure in a row.
  plan = p.failed(11 * kSec, "refused");
  EXPECT_EQ(plan.at, 11 * kSec + 200 * kMs);
  EXPECT_EQ(last_change(p).next_delay, 200 * kMs);
  p.elapsed(plan.at);
  p.failed(12 * kSec, "refused");
  EXPECT_EQ(last_change(p).next_delay, 400 * kMs);
}

TEST(ReconnectPolicy, JitterComesFromTheRandomSource) {
  ReconnectPolicy p([] { return 0.0; });  // -20 %
  ReconnectSettings s;
  s.probe_interval = 0;
  p.configure(s);
  p.start();
  EXPECT_EQ(p.failed(0, "x").at, 400 * kMs);  // 500 ms - 20 %
}

TEST(ReconnectPolicy, ALostLiveConnectionIsAReconnectAndStartsTheCountAgain) {
  ReconnectPolicy p = policy(0, 0);
  p.start();
  p.failed(0, "refused");
  p.elapsed(kSec);
  p.failed(kSec, "refused");  // two failures in a row
  p.elapsed(2 * kSec);
  p.connected();
  p.take_changes();
  const Plan plan = p.failed(3 * kSec, "connection reset");
  EXPECT_EQ(plan.at, 3 * kSec + 100 * kMs);  // the first delay again
  const Change c = last_change(p);
  EXPECT_TRUE(c.connection_lost);
  EXPECT_EQ(c.attempt, 2u);
  EXPECT_EQ(c.error, "connection reset");
}

TEST(ReconnectPolicy, GivesUpAfterMaxAttemptsUntilReconnectNow) {
  ReconnectPolicy p = policy(2, 0);
  p.start();
  p.failed(0, "refused");
  p.elapsed(kSec);
  p.take_changes();
  Plan plan = p.failed(kSec, "refused again");
  EXPECT_EQ(plan.action, Action::kWait);
  EXPECT_EQ(plan.at, kNever);
  const Change c = last_change(p);
  EXPECT_EQ(c.state, State::kFailed);
  EXPECT_EQ(c.attempt, 2u);
  EXPECT_EQ(c.error, "refused again");
  // Time alone changes nothing.
  EXPECT_EQ(p.elapsed(kNever - 1).number, plan.number);

  plan = p.reconnect_now();
  EXPECT_EQ(plan.action, Action::kConnect);
  EXPECT_EQ(last_change(p).attempt, 1u);
  // The count starts again: two more attempts before giving up.
  EXPECT_EQ(p.failed(2 * kSec, "refused").action, Action::kWait);
  EXPECT_EQ(last_change(p).state, State::kReconnecting);
}

TEST(ReconnectPolicy, ReconnectNowFromEveryPhaseConnectsAtOnceWithTheFirstAttempt) {
  ReconnectPolicy p = policy(0, 0);
  EXPECT_EQ(p.reconnect_now().action, Action::kHold);  // not started: nothing
  EXPECT_TRUE(p.take_changes().empty());

  p.start();  // connecting
  uint64_t before = p.plan().number;
  EXPECT_EQ(p.reconnect_now().action, Action::kConnect);
  EXPECT_NE(p.plan().number, before);  // a new connection, not the same one

  p.connected();  // live
  p.take_changes();
  EXPECT_EQ(p.reconnect_now().action, Action::kConnect);
  Change c = last_change(p);
  EXPECT_EQ(c.state, State::kConnecting);
  EXPECT_EQ(c.attempt, 1u);
  EXPECT_FALSE(c.connection_lost);

  p.failed(0, "refused");
  p.elapsed(kSec);
  p.failed(kSec, "refused");  // waiting for attempt 3
  p.take_changes();
  EXPECT_EQ(p.reconnect_now().action, Action::kConnect);
  EXPECT_EQ(last_change(p).attempt, 1u);
  EXPECT_EQ(p.failed(2 * kSec, "refused").at, 2 * kSec + 100 * kMs);  // backoff reset
}

TEST(ReconnectPolicy, AServerThatIsDownIsWatchedAndUsedAsSoonAsItAnswers) {
  ReconnectPolicy p = policy();
  ReconnectSettings s;
  s.backoff.initial = kSec;
  s.backoff.jitter = 0;
  p.configure(s);
  p.start();
  p.take_changes();
  Plan plan = p.failed(0, "refused");
  // Whether the server is down decides how to wait: checked one interval later, when a
  // server that was going down has stopped accepting connections.
  EXPECT_EQ(plan.action, Action::kProbe);
  EXPECT_EQ(plan.at, 250 * kMs);
  p.failed(0, "refused");  // ignored: no connection
  p.elapsed(kSec);         // ignored: a check is due, not a time
  EXPECT_EQ(p.plan().number, plan.number);

  plan = p.probed(250 * kMs, Probe::kDown);
  EXPECT_EQ(plan.action, Action::kProbe);
  EXPECT_EQ(plan.at, 500 * kMs);
  plan = p.probed(500 * kMs, Probe::kUnknown);  // still watched
  EXPECT_EQ(plan.at, 750 * kMs);
  plan = p.probed(750 * kMs, Probe::kAnswers);
  EXPECT_EQ(plan.action, Action::kConnect);
  const std::vector<Change> changes = p.take_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].state, State::kReconnecting);
  EXPECT_EQ(changes[1].state, State::kConnecting);
  EXPECT_EQ(changes[1].attempt, 2u);  // a retry, not a new count
}

TEST(ReconnectPolicy, AWatchedServerIsNotCheckedAtOrAfterTheDeadline) {
  ReconnectPolicy p = policy(0, 30 * kMs);
  p.start();
  EXPECT_EQ(p.failed(0, "refused").at, 30 * kMs);  // 100 ms
  EXPECT_EQ(p.probed(30 * kMs, Probe::kDown).at, 60 * kMs);
  EXPECT_EQ(p.probed(60 * kMs, Probe::kDown).at, 90 * kMs);
  const Plan plan = p.probed(90 * kMs, Probe::kDown);  // 120 ms would be past 100 ms
  EXPECT_EQ(plan.action, Action::kWait);
  EXPECT_EQ(plan.at, 100 * kMs);
  EXPECT_EQ(p.elapsed(100 * kMs).action, Action::kConnect);
}

TEST(ReconnectPolicy, AServerThatAnswersButFailedGetsTheFullDelay) {
  for (const Probe first : {Probe::kAnswers, Probe::kUnknown}) {
    ReconnectPolicy p = policy(0, 10 * kMs);
    p.start();
    p.failed(0, "handshake failed");
    const Plan plan = p.probed(10 * kMs, first);
    EXPECT_EQ(plan.action, Action::kWait);
    EXPECT_EQ(plan.at, 100 * kMs);
  }
}

TEST(ReconnectPolicy, ACheckThatOutlastsTheDelayConnectsAtOnce) {
  ReconnectPolicy p = policy(0, 50 * kMs);
  p.start();
  p.failed(0, "refused");
  EXPECT_EQ(p.probed(kSec, Probe::kDown).action, Action::kConnect);
}

TEST(ReconnectPolicy, ADelayShorterThanTheIntervalIsWaitedOutWithoutChecks) {
  ReconnectPolicy p = policy();  // 100 ms, checks every 250 ms
  p.start();
  const Plan plan = p.failed(0, "refused");
  EXPECT_EQ(plan.action, Action::kWait);
  EXPECT_EQ(plan.at, 100 * kMs);
}

TEST(ReconnectPolicy, EndOfStreamDrainsAConnectionOnAir) {
  ReconnectPolicy p = policy();
  p.start();
  p.connected();
  p.take_changes();
  Plan plan = p.end_of_stream(kSec, true);
  EXPECT_EQ(plan.action, Action::kDrain);
  EXPECT_EQ(plan.at, 6 * kSec);
  EXPECT_TRUE(p.take_changes().empty());  // still live while draining
  EXPECT_EQ(p.end_of_stream(2 * kSec, true).number, plan.number);
  EXPECT_EQ(p.elapsed(5 * kSec).number, plan.number);

  plan = p.ended(3 * kSec);
  EXPECT_EQ(plan.action, Action::kStop);
  const Change c = last_change(p);
  EXPECT_EQ(c.state, State::kStopped);
  EXPECT_FALSE(c.drain_cut_short);
}

TEST(ReconnectPolicy, ADrainIsCutShortByItsTimeoutAFailureReconnectNowOrStop) {
  const std::function<void(ReconnectPolicy &)> cuts[] = {
      [](ReconnectPolicy &p) { p.elapsed(6 * kSec); },
      [](ReconnectPolicy &p) { p.failed(2 * kSec, "reset"); },
      [](ReconnectPolicy &p) { p.reconnect_now(); },
      [](ReconnectPolicy &p) { p.stop(); },
  };
  for (const auto &cut : cuts) {
    ReconnectPolicy p = policy();
    p.start();
    p.end_of_stream(kSec, true);  // on air while still connecting
    p.take_changes();
    cut(p);
    EXPECT_EQ(p.plan().action, Action::kStop);
    const Change c = last_change(p);
    EXPECT_EQ(c.state, State::kStopped);
    EXPECT_TRUE(c.drain_cut_short);
  }
}

TEST(ReconnectPolicy, EndOfStreamOffAirStopsAtOnce) {
  const std::function<void(ReconnectPolicy &)> phases[] = {
      [](ReconnectPolicy &) {},                            // connecting
      [](ReconnectPolicy &p) { p.failed(0, "refused"); },  // waiting to retry
      [](ReconnectPolicy &p) {                             // watching a server that is down
        ReconnectSettings s;
        s.backoff.initial = kSec;
        p.configure(s);
        p.failed(0, "refused");
        p.probed(250 * kMs, Probe::kDown);
      },
  };
  for (const auto &phase : phases) {
    ReconnectPolicy p = policy(0);
    p.start();
    phase(p);
    p.take_changes();
    EXPECT_EQ(p.end_of_stream(kSec, false).action, Action::kStop);
    EXPECT_FALSE(last_change(p).drain_cut_short);
  }
  // Given up: nothing on air either.
  ReconnectPolicy p = policy(1);
  p.start();
  p.failed(0, "refused");
  EXPECT_EQ(p.end_of_stream(kSec, true).action, Action::kStop);
}

TEST(ReconnectPolicy, StopEndsEveryPhaseOnceAndNothingFollows) {
  const std::function<void(ReconnectPolicy &)> phases[] = {
      [](ReconnectPolicy &) {},
      [](ReconnectPolicy &p) { p.connected(); },
      [](ReconnectPolicy &p) { p.failed(0, "refused"); },
  };
  for (const auto &phase : phases) {
    ReconnectPolicy p = policy(0);
    p.start();
    phase(p);
    p.take_changes();
    const Plan plan = p.stop();
    EXPECT_EQ(plan.action, Action::kStop);
    EXPECT_EQ(last_change(p).state, State::kStopped);
    // After the end, events change nothing.
    p.stop();
    p.reconnect_now();
    p.connected();
    p.failed(kSec, "late");
    p.ended(kSec);
    p.probed(kSec, Probe::kAnswers);
    p.elapsed(kNever);
    p.end_of_stream(kSec, true);
    EXPECT_EQ(p.plan().number, plan.number);
    EXPECT_TRUE(p.take_changes().empty());
  }
  ReconnectPolicy idle = policy();
  EXPECT_EQ(idle.stop().action, Action::kHold);  // never started: nothing to stop
  EXPECT_TRUE(idle.take_changes().empty());
}

TEST(ReconnectPolicy, AConnectionThatEndsByItselfIsAFailure) {
  ReconnectPolicy p = policy(0, 0);
  p.start();
  p.connected();
  p.take_changes();
  EXPECT_EQ(p.ended(kSec).action, Action::kWait);
  const Change c = last_change(p);
  EXPECT_EQ(c.state, State::kReconnecting);
  EXPECT_TRUE(c.connection_lost);
  EXPECT_FALSE(c.error.empty());
}

TEST(ReconnectPolicy, SettingsApplyFromTheNextEvent) {
  ReconnectPolicy p = policy(0, 0);
  p.start();
  ReconnectSettings s;
  s.backoff.initial = 2 * kSec;
  s.probe_interval = 0;
  s.drain_timeout = kSec;
  p.configure(s);
  EXPECT_EQ(p.failed(0, "refused").at, 2 * kSec);
  p.elapsed(2 * kSec);
  EXPECT_EQ(p.end_of_stream(3 * kSec, true).at, 4 * kSec);
}

TEST(ReconnectPolicy, DelaysToTheEndOfTimeNeverOverflow) {
  ReconnectPolicy p([] { return 0.5; });
  ReconnectSettings s;
  s.backoff.initial = kNever;
  s.backoff.max = kNever;
  s.probe_interval = kNever;
  s.drain_timeout = kNever;
  p.configure(s);
  p.start();
  p.failed(kSec, "refused");
  const Plan plan = p.probed(2 * kSec, Probe::kDown);
  EXPECT_EQ(plan.action, Action::kWait);
  EXPECT_EQ(plan.at, kNever);
  p.reconnect_now();
  EXPECT_EQ(p.end_of_stream(kSec, true).at, kNever);
}
