#include <gtest/gtest.h>

#include <limits>

#include "core/backoff.h"
#include "core/flv.h"
#include "core/output_gate.h"
#include "core/output_stats.h"
#include "core/server_address.h"

using namespace onair::output;

namespace {
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

Frame video(int64_t rt, bool key = false) {
  return {Stream::kVideo, rt, key};
}
Frame audio(int64_t rt) {
  return {Stream::kAudio, rt, false};
}
}  // namespace

TEST(Backoff, DoublesFromTheFirstDelayUpToTheCap) {
  BackoffPolicy p;  // 0.5 s doubling to 30 s
  EXPECT_EQ(backoff_delay(p, 1, 0.5), 500 * kMs);
  EXPECT_EQ(backoff_delay(p, 2, 0.5), 1000 * kMs);
  EXPECT_EQ(backoff_delay(p, 3, 0.5), 2000 * kMs);
  EXPECT_EQ(backoff_delay(p, 7, 0.5), 30 * kSec);
  EXPECT_EQ(backoff_delay(p, 1000, 0.5), 30 * kSec);
}

TEST(Backoff, JitterStaysWithinItsFraction) {
  BackoffPolicy p;
  EXPECT_EQ(backoff_delay(p, 2, 0.0), 800 * kMs);  // -20 %
  EXPECT_EQ(backoff_delay(p, 2, 0.999999), 1199 * kMs + 999'600);
  EXPECT_LE(backoff_delay(p, 20, 0.999), 30 * kSec);  // never above the cap
  p.jitter = 0;
  EXPECT_EQ(backoff_delay(p, 2, 0.0), 1000 * kMs);
}

TEST(Backoff, ACapAtTheEndOfTimeHolds) {
  BackoffPolicy p;
  p.max = std::numeric_limits<int64_t>::max();
  p.initial = p.max;
  EXPECT_EQ(backoff_delay(p, 1, 0.5), p.max);
  EXPECT_EQ(backoff_delay(p, 1, 0.999), p.max);
  EXPECT_GT(backoff_delay(p, 1, 0.0), 0);
}

TEST(Backoff, AttemptsLimit) {
  BackoffPolicy p;
  EXPECT_TRUE(may_retry(p, 1'000'000));  // 0: unlimited
  p.max_attempts = 3;
  EXPECT_TRUE(may_retry(p, 2));
  EXPECT_FALSE(may_retry(p, 3));
}

TEST(OutputGate, DropsEverythingWhileOffline) {
  OutputGate g;
  EXPECT_FALSE(g.decide(video(0, true), false).send);
  EXPECT_FALSE(g.decide(audio(0), false).send);
  EXPECT_EQ(g.video_dropped(), 1u);
  EXPECT_EQ(g.audio_dropped(), 1u);
}

TEST(OutputGate, ConnectionStartsOnAKeyframeAndAsksForOne) {
  OutputGate g;
  g.open();
  Decision d = g.decide(video(10 * kSec), false);
  EXPECT_FALSE(d.send);
  EXPECT_TRUE(d.request_keyframe);  // asked at once
  d = g.decide(audio(10 * kSec), false);
  EXPECT_FALSE(d.send);  // audio waits for the picture...
  EXPECT_TRUE(d.hold);   // ...held, since it may belong to the connection
  d = g.decide(video(10 * kSec + 33 * kMs), false);
  EXPECT_FALSE(d.request_keyframe);  // not again within a second
  d = g.decide(video(10 * kSec + 66 * kMs, true), false);
  EXPECT_TRUE(d.send);
  EXPECT_TRUE(d.release_held);
  EXPECT_EQ(d.offset, 10 * kSec + 66 * kMs);  // the keyframe becomes time zero
  EXPECT_FALSE(g.decide(video(10 * kSec + 100 * kMs), false).release_held);  // once
  d = g.decide(audio(10 * kSec + 50 * kMs), false);
  EXPECT_FALSE(d.send);  // older than the first keyframe
  d = g.decide(audio(10 * kSec + 70 * kMs), false);
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.offset, 10 * kSec + 66 * kMs);
  EXPECT_TRUE(g.decide(video(10 * kSec + 100 * kMs), false).send);
}

TEST(OutputGate, SoundThatCameBeforeTheLateKeyframeGoesOutWithIt) {
  // The encoder runs behind: sound of the keyframe's moment arrives first.
  OutputGate g;
  g.open();
  for (int64_t t : {0 * kMs, 23 * kMs, 46 * kMs, 69 * kMs}) {
    const Decision held = g.decide(audio(t), false);
    EXPECT_TRUE(held.hold);
    EXPECT_FALSE(held.send);
  }
  EXPECT_EQ(g.audio_dropped(), 0u);
  const Decision key = g.decide(video(33 * kMs, true), false);
  ASSERT_TRUE(key.release_held);
  // Decided again: from the keyframe's time on, it goes out, rebased.
  EXPECT_FALSE(g.decide(audio(23 * kMs), false).send);
  for (int64_t t : {46 * kMs, 69 * kMs}) {
    const Decision d = g.decide(audio(t), false);
    EXPECT_TRUE(d.send);
    EXPECT_FALSE(d.hold);
    EXPECT_EQ(d.offset, 33 * kMs);
  }
  EXPECT_EQ(g.audio_dropped(), 1u);
  // A full queue holds nothing; what the caller cannot keep counts as dropped.
  g.close();
  g.open();
  EXPECT_FALSE(g.decide(audio(kSec), true).hold);
  g.drop_held(2);
  EXPECT_EQ(g.audio_dropped(), 4u);
}

TEST(OutputGate, RepeatsTheKeyframeRequestEverySecondWhileWaiting) {
  OutputGate g;
  g.open();
  int requests = 0;
  for (int64_t t = 0; t < 3 * kSec; t += 33 * kMs)
    requests += g.decide(video(t), false).request_keyframe;
  EXPECT_EQ(requests, 3);
}

TEST(OutputGate, SlowConnectionSkipsToTheNextKeyframe) {
  OutputGate g;
  g.open();
  ASSERT_TRUE(g.decide(video(0, true), false).send);
  ASSERT_TRUE(g.decide(video(33 * kMs), false).send);
  Decision d = g.decide(video(66 * kMs), true);  // queue full
  EXPECT_FALSE(d.send);
  EXPECT_FALSE(d.request_keyframe);  // waits for the encoder's own keyframe
  EXPECT_FALSE(g.decide(audio(70 * kMs), true).send);
  EXPECT_FALSE(g.decide(video(100 * kMs), false).send);  // room again, but mid-GOP
  d = g.decide(video(133 * kMs, true), false);
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.offset, 0);  // same connection, same time base
  EXPECT_EQ(g.video_dropped(), 2u);
}

TEST(OutputGate, AHangingConnectionNeverAsksForKeyframes) {
  // An encoder shared with other outputs must keep its keyframe rhythm
  // while one connection stays stuck.
  OutputGate g;
  g.open();
  int requests = g.decide(video(0), false).request_keyframe;
  ASSERT_TRUE(g.decide(video(33 * kMs, true), false).send);
  for (int64_t t = 66 * kMs; t < 10 * kSec; t += 33 * kMs)
    requests += g.decide(video(t, t % (2 * kSec) < 33 * kMs), true).request_keyframe;
  EXPECT_EQ(requests, 1);  // only the connection's first
}

TEST(OutputGate, NewConnectionGetsANewTimeBase) {
  OutputGate g;
  g.open();
  ASSERT_EQ(g.decide(video(kSec, true), false).offset, kSec);
  g.close();
  EXPECT_FALSE(g.decide(video(2 * kSec, true), false).send);
  g.open();
  EXPECT_EQ(g.decide(video(5 * kSec, true), false).offset, 5 * kSec);
}

TEST(OutputGate, AudioOnlyStartsAtOnce) {
  OutputGate g;
  g.set_has_video(false);
  g.open();
  const Decision d = g.decide(audio(3 * kSec), false);
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.offset, 3 * kSec);
}

TEST(RateMeter, BitsOverTheLastThreeSeconds) {
  RateMeter r;
  for (int64_t t = 0; t < 5 * kSec; t += 10 * kMs) r.add(t, 1000);  // 100 kB/s
  EXPECT_DOUBLE_EQ(r.bits_per_second(5 * kSec), 800'000.0);
  // Half a second of silence: 2.5 s of data in the 3 s window.
  EXPECT_NEAR(r.bits_per_second(5 * kSec + 500 * kMs), 800'000.0 * 2.5 / 3, 1e-6);
  EXPECT_DOUBLE_EQ(r.bits_per_second(10 * kSec), 0.0);  // silence
}

TEST(RateMeter, NewStreamShowsItsRateBeforeTheWindowFills) {
  RateMeter r;
  for (int64_t t = 20 * kSec; t < 21 * kSec; t += 10 * kMs) r.add(t, 1000);
  EXPECT_DOUBLE_EQ(r.bits_per_second(21 * kSec), 800'000.0);
  EXPECT_DOUBLE_EQ(r.bits_per_second(20 * kSec), 0.0);  // nothing whole yet
}

TEST(LatencyMeter, Smooths) {
  LatencyMeter l;
  EXPECT_EQ(l.mean(), -1);
  l.add(100);
  EXPECT_EQ(l.mean(), 100);
  l.add(260);
  EXPECT_EQ(l.mean(), 110);
  EXPECT_EQ(l.last(), 260);
}

TEST(Redaction, HidesKeysQueriesAndCredentials) {
  EXPECT_EQ(redact_rtmp_url("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-1234"),
            "rtmp://a.rtmp.youtube.com/live2/***");
  EXPECT_EQ(redact_rtmp_url("rtmps://host:443/app/key?token=xyz"), "rtmps://host:443/app/***?***");
  EXPECT_EQ(redact_rtmp_url("rtmp://user:pass@host/app/key"), "rtmp://***@host/app/***");
  EXPECT_EQ(redact_rtmp_url("rtmp://127.0.0.1/live"), "rtmp://127.0.0.1/live");
  EXPECT_EQ(redact_text("could not publish abcd-efgh-1234 to live2",
                        "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-1234"),
            "could not publish *** to live2");
}

TEST(States, NamesAreStable) {
  EXPECT_STREQ(state_name(State::kConnecting), "connecting");
  EXPECT_STREQ(state_name(State::kLive), "live");
  EXPECT_STREQ(state_name(State::kReconnecting), "reconnecting");
  EXPECT_STREQ(state_name(State::kFailed), "failed");
}

TEST(Flv, OnlyCodedVideoFramesCount) {
  uint8_t tag[13] = {9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 1};  // AVC keyframe NAL units
  EXPECT_TRUE(is_video_frame_tag(tag, sizeof tag));
  tag[12] = 0;  // decoder configuration
  EXPECT_FALSE(is_video_frame_tag(tag, sizeof tag));
  tag[12] = 2;  // end of sequence
  EXPECT_FALSE(is_video_frame_tag(tag, sizeof tag));
  tag[11] = 0x22;  // another codec: every video tag is a frame
  EXPECT_TRUE(is_video_frame_tag(tag, sizeof tag));
  tag[0] = 8;  // audio
  EXPECT_FALSE(is_video_frame_tag(tag, sizeof tag));
  EXPECT_FALSE(is_video_frame_tag(tag, 0));
  tag[0] = 9;
  tag[11] = 0x17;
  EXPECT_FALSE(is_video_frame_tag(tag, 12));  // cut short
}

TEST(ServerAddress, HostAndPortOfRtmpUrls) {
  using A = ServerAddress;
  EXPECT_EQ(server_address("rtmp://127.0.0.1/live/key"), (A{"127.0.0.1", 1935}));
  EXPECT_EQ(server_address("rtmps://a.rtmps.youtube.com:443/live2/k"),
            (A{"a.rtmps.youtube.com", 443}));
  EXPECT_EQ(server_address("RTMPS://host/app"), (A{"host", 443}));
  EXPECT_EQ(server_address("rtmp://user:pa:ss@host:1936/app/k?x=1"), (A{"host", 1936}));
  EXPECT_EQ(server_address("rtmp://[::1]:1940/live/k"), (A{"::1", 1940}));
  EXPECT_EQ(server_address("rtmp://[::1]/live"), (A{"::1", 1935}));
  EXPECT_EQ(server_address("rtmp://host"), (A{"host", 1935}));
}

TEST(ServerAddress, RefusesWhatItCannotConnectTo) {
  for (const char *url : {"", "host/live", "http://host/live", "rtmp:///live", "rtmp://host:/x",
                          "rtmp://host:0/x", "rtmp://host:65536/x", "rtmp://host:12a/x",
                          "rtmp://[::1/x", "rtmp://[::1]x/y", "rtmp://user@/x"})
    EXPECT_FALSE(server_address(url).has_value()) << url;
}
