#include "run/readiness.h"

#include <gtest/gtest.h>

using namespace onair::app;

namespace {

ReadinessInputs playing(double media_age, std::vector<std::string> outputs = {}) {
  return ReadinessInputs{"playing", media_age, std::move(outputs)};
}

TEST(Readiness, PlayingWithRecentMediaIsReady) {
  const Readiness r = decide_readiness(playing(1.0));
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.reason, "playing, media 1.0 s ago");
}

TEST(Readiness, NotPlayingIsNotReady) {
  for (const char *state : {"starting", "stopping", "stopped", "error"}) {
    const Readiness r = decide_readiness(ReadinessInputs{state, 0.5, {}});
    EXPECT_FALSE(r.ready) << state;
    EXPECT_EQ(r.reason, std::string("the pipeline is ") + state + ", not playing");
  }
}

TEST(Readiness, NoMediaYetIsNotReady) {
  const Readiness r = decide_readiness(ReadinessInputs{"playing", std::nullopt, {}});
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "no media has flowed yet");
}

TEST(Readiness, StaleMediaIsNotReady) {
  const Readiness r = decide_readiness(playing(7.25), 5);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "no media for 7.2 s (at most 5.0 s)");
  EXPECT_TRUE(decide_readiness(playing(5.0), 5).ready);
}

TEST(Readiness, AllOutputsFailedIsNotReady) {
  EXPECT_EQ(decide_readiness(playing(1, {"failed"})).reason, "the network output failed");
  const Readiness r = decide_readiness(playing(1, {"failed", "failed"}));
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "all 2 network outputs failed");
}

TEST(Readiness, SomeOutputsFailedIsReadyAndSaysSo) {
  const Readiness r = decide_readiness(playing(0.5, {"live", "failed", "reconnecting"}));
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.reason, "playing, media 0.5 s ago, 1 of 3 network outputs failed");
}

TEST(Readiness, PortsNeedOneRunningPreview) {
  EXPECT_TRUE(decide_ports_readiness(false, {"stopped", "previewing"}).ready);
  EXPECT_EQ(decide_ports_readiness(false, {"stopped", "previewing"}).reason,
            "1 of 2 previews running");
  const Readiness none = decide_ports_readiness(false, {"starting", "failed"});
  EXPECT_FALSE(none.ready);
  EXPECT_EQ(none.reason, "no preview is running (of 2 ports)");
  EXPECT_FALSE(decide_ports_readiness(true, {"previewing"}).ready);
}

TEST(MediaFlow, AgeCountsFromTheLastGrowth) {
  using namespace std::chrono_literals;
  MediaFlow flow;
  const auto t0 = MediaFlow::Clock::time_point{} + 100s;
  EXPECT_FALSE(flow.age(t0));
  flow.observe(0, t0);
  EXPECT_FALSE(flow.age(t0)) << "a counter at zero is no media";
  flow.observe(10, t0);
  flow.observe(10, t0 + 3s);  // unchanged: no new media
  ASSERT_TRUE(flow.age(t0 + 4s));
  EXPECT_DOUBLE_EQ(*flow.age(t0 + 4s), 4.0);
  flow.observe(11, t0 + 5s);
  EXPECT_DOUBLE_EQ(*flow.age(t0 + 6s), 1.0);
}

TEST(Readiness, TextSaysReadyOrNot) {
  EXPECT_EQ(readiness_text({true, "x"}), "ready: x\n");
  EXPECT_EQ(readiness_text({false, "y"}), "not ready: y\n");
}

}  // namespace
