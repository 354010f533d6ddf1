// The speech core without GStreamer: item sound, ducking envelope, limiter, queue and mix,
// text checks.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/duck_envelope.h"
#include "core/item_audio.h"
#include "core/limiter.h"
#include "core/speech_mixer.h"
#include "core/text_checks.h"

namespace {

using namespace onair::speech;

std::shared_ptr<ItemAudio> audio_of(std::vector<float> samples, int channels = 1,
                                    bool complete = true) {
  auto audio = std::make_shared<ItemAudio>();
  audio->set_channels(channels);
  audio->append(samples.data(), samples.size() / channels);
  if (complete) audio->finish();
  return audio;
}

MixerConfig plain_config() {
  MixerConfig c;
  c.duck_level = 1.0;
  c.limiter = false;
  return c;
}

// A mixer fed programme of constant `bed`, a block at a time, keeping output and events with
// absolute frame numbers.
struct MixRun {
  explicit MixRun(MixerConfig config, int channels = 1, float bed = 0.0f)
      : channels(channels), bed(bed) {
    mixer.set_channels(channels);
    mixer.configure(config, 1000);
  }
  void push(size_t frames) {
    std::vector<float> block(frames * channels, bed);
    std::vector<MixerEvent> got;
    mixer.process(block.data(), frames, got);
    for (MixerEvent &e : got) {
      e.offset += out.size() / channels;
      events.push_back(std::move(e));
    }
    out.insert(out.end(), block.begin(), block.end());
  }
  const MixerEvent *find(MixerEvent::Type type, uint64_t id) const {
    for (const MixerEvent &e : events)
      if (e.type == type && e.id == id) return &e;
    return nullptr;
  }
  SpeechMixer mixer;
  int channels;
  float bed;
  std::vector<float> out;
  std::vector<MixerEvent> events;
};

constexpr auto kStarted = MixerEvent::Type::started;
constexpr auto kFinished = MixerEvent::Type::finished;

}  // namespace

TEST(ItemAudio, ReadsWhatWasWrittenWhileItGrows) {
  ItemAudio audio;
  EXPECT_TRUE(audio.set_channels(2));
  EXPECT_FALSE(audio.set_channels(1));
  const float first[] = {1, 2, 3, 4};
  audio.append(first, 2);
  float out[8] = {};
  EXPECT_EQ(audio.read(1, 4, out), 1u);
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[1], 4);
  EXPECT_EQ(audio.frames_ahead(), 0u);  // what was played is let go
  EXPECT_EQ(audio.read(0, 4, out), 0u);
  EXPECT_FALSE(audio.status().complete);
  const float second[] = {5, 6};
  audio.append(second, 1);
  audio.finish();
  audio.append(first, 2);  // after the end: ignored
  EXPECT_EQ(audio.frames_ahead(), 1u);
  const ItemAudio::Status s = audio.status();
  EXPECT_EQ(s.frames, 3u);
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(audio.read(2, 4, out), 1u);
  EXPECT_EQ(out[0], 5);
  EXPECT_EQ(audio.read(3, 4, out), 0u);
}

TEST(ItemAudio, FailureAndCancellation) {
  ItemAudio audio;
  audio.set_channels(1);
  audio.fail("broken");
  audio.finish();
  EXPECT_TRUE(audio.status().failed);
  EXPECT_FALSE(audio.status().complete);
  EXPECT_EQ(audio.status().error, "broken");
  EXPECT_FALSE(audio.cancelled());
  audio.cancel();
  EXPECT_TRUE(audio.cancelled());
}

TEST(DuckEnvelope, RampsAreExactlyTheirLengthInFrames) {
  DuckEnvelope env;
  env.configure(0.2, 100, 400);
  for (int k = 0; k < 100; k++) ASSERT_NEAR(env.next(true), 1.0 - 0.8 * (k + 1) / 100, 1e-12) << k;
  EXPECT_EQ(env.gain(), 0.2);
  for (int k = 0; k < 10; k++) ASSERT_EQ(env.next(true), 0.2);
  for (int k = 0; k < 400; k++) ASSERT_NEAR(env.next(false), 0.2 + 0.8 * (k + 1) / 400, 1e-12) << k;
  EXPECT_EQ(env.gain(), 1.0);
  EXPECT_TRUE(env.at_rest());
}

TEST(DuckEnvelope, ARampCutShortTurnsBackAtTheSameSpeed) {
  DuckEnvelope env;
  env.configure(0.0, 10, 20);
  for (int k = 0; k < 5; k++) env.next(true);
  EXPECT_NEAR(env.gain(), 0.5, 1e-12);
  env.next(false);
  EXPECT_NEAR(env.gain(), 0.55, 1e-12);
  env.next(true);
  EXPECT_NEAR(env.gain(), 0.45, 1e-12);
}

TEST(DuckEnvelope, LevelOneDoesNotDuckAndZeroLengthJumps) {
  DuckEnvelope env;
  env.configure(1.0, 100, 100);
  for (int k = 0; k < 50; k++) ASSERT_EQ(env.next(true), 1.0);
  env.configure(0.3, 0, 0);
  EXPECT_EQ(env.next(true), 0.3);
  EXPECT_EQ(env.next(false), 1.0);
  // A gain left down by an earlier level comes back once ducking is off.
  env.next(true);
  env.configure(1.0, 10, 10);
  for (int k = 0; k < 10; k++) env.next(true);
  EXPECT_EQ(env.gain(), 1.0);
}

TEST(Limiter, LeavesQuietSoundBitForBit) {
  Limiter limiter;
  limiter.configure(48000);
  std::vector<float> samples;
  for (int i = 0; i < 1000; i++) samples.push_back(0.85f * std::sin(i * 0.1f));
  const std::vector<float> before = samples;
  limiter.process(samples.data(), samples.size(), 1);
  EXPECT_EQ(samples, before);
  EXPECT_TRUE(limiter.at_rest());
}

TEST(Limiter, NeverPassesTheCeilingAndRecovers) {
  Limiter limiter;
  limiter.configure(1000);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> loud(-4.0f, 4.0f);
  std::vector<float> samples(2 * 2000);
  for (float &s : samples) s = loud(rng);
  limiter.process(samples.data(), 2000, 2);
  for (float s : samples) ASSERT_LE(std::fabs(s), Limiter::kCeiling);
  EXPECT_LT(limiter.gain(), 1.0);
  // Stereo is linked: one gain for both channels of a frame.
  std::vector<float> frame = {2.0f, 0.5f};
  limiter.process(frame.data(), 1, 2);
  EXPECT_NEAR(frame[0] / frame[1], 4.0f, 1e-5);
  // Quiet again: back to exactly 1 after some releases' worth of frames.
  std::vector<float> quiet(1000, 0.1f);
  limiter.process(quiet.data(), quiet.size(), 1);
  EXPECT_TRUE(limiter.at_rest());
  EXPECT_EQ(quiet.back(), 0.1f);
}

TEST(SpeechMixer, IdsCountUpAndAFullQueueRefuses) {
  SpeechMixer mixer;
  MixerConfig c = plain_config();
  c.max_queue = 2;
  mixer.configure(c, 1000);
  EXPECT_EQ(mixer.enqueue(ItemKind::speech, "a", audio_of({1}), false), 1u);
  EXPECT_EQ(mixer.enqueue(ItemKind::clip, "b", audio_of({1}), false), 2u);
  EXPECT_EQ(mixer.enqueue(ItemKind::samples, "c", audio_of({1}), false), 0u);
  EXPECT_EQ(mixer.enqueue(ItemKind::samples, "c", audio_of({1}), true), 0u);
  EXPECT_EQ(mixer.waiting(), 2u);
}

TEST(SpeechMixer, IdleMixLeavesTheProgrammeUntouched) {
  SpeechMixer mixer;
  mixer.set_channels(2);
  mixer.configure(MixerConfig{}, 48000);
  std::vector<int16_t> samples = {32767, -32768, 5, -5};
  std::vector<MixerEvent> events;
  mixer.process(samples.data(), 2, events);
  EXPECT_EQ(samples, (std::vector<int16_t>{32767, -32768, 5, -5}));
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(mixer.idle());
}

TEST(SpeechMixer, MixesProgrammeTimesEnvelopePlusItemTimesVolume) {
  MixerConfig c;
  c.duck_level = 0.5;
  c.speech_volume = 2.0;
  c.limiter = false;
  MixRun run(c, 2, 0.25f);
  run.mixer.enqueue(ItemKind::samples, "", audio_of({0.1f, -0.1f, 0.2f, -0.2f}, 2), false);
  run.push(3);
  EXPECT_FLOAT_EQ(run.out[0], 0.25f * 0.5f + 0.2f);
  EXPECT_FLOAT_EQ(run.out[1], 0.25f * 0.5f - 0.2f);
  EXPECT_FLOAT_EQ(run.out[2], 0.25f * 0.5f + 0.4f);
  EXPECT_FLOAT_EQ(run.out[3], 0.25f * 0.5f - 0.4f);
  ASSERT_NE(run.find(kFinished, 1), nullptr);
  EXPECT_EQ(run.find(kFinished, 1)->offset, 2u);
  EXPECT_EQ(run.find(kFinished, 1)->frames, 2u);
  EXPECT_EQ(run.find(kStarted, 1)->frames, 2u);
}

TEST(SpeechMixer, S16SaturatesWithoutTheLimiterAndNeverWraps) {
  SpeechMixer mixer;
  MixerConfig c = plain_config();
  c.speech_volume = 3.0;
  mixer.configure(c, 1000);
  mixer.enqueue(ItemKind::samples, "", audio_of({0.9f, -0.9f}), false);
  std::vector<int16_t> samples = {30000, -30000};
  std::vector<MixerEvent> events;
  mixer.process(samples.data(), 2, events);
  EXPECT_EQ(samples, (std::vector<int16_t>{32767, -32768}));
  c.limiter = true;
  mixer.configure(c, 1000);
  mixer.enqueue(ItemKind::samples, "", audio_of({0.9f, -0.9f}), false);
  samples = {30000, -30000};
  mixer.process(samples.data(), 2, events);
  // Limited to the ceiling, -1 dBFS, not silenced.
  EXPECT_NEAR(samples[0], Limiter::kCeiling * 32768, 1);
  EXPECT_NEAR(samples[1], -Limiter::kCeiling * 32768, 1);
}

TEST(SpeechMixer, PlaybackStartsWithTheFirstSamplesAndUnderrunsPlaySilence) {
  MixRun run(plain_config());
  auto audio = std::make_shared<ItemAudio>();
  audio->set_channels(1);
  run.mixer.enqueue(ItemKind::speech, "hi", audio, false);
  run.push(4);  // nothing yet: the item waits, nothing starts
  EXPECT_TRUE(run.events.empty());
  const float first[] = {0.5f, 0.5f};
  audio->append(first, 2);
  run.push(4);
  ASSERT_NE(run.find(kStarted, 1), nullptr);
  EXPECT_EQ(run.find(kStarted, 1)->offset, 4u);
  EXPECT_FALSE(run.find(kStarted, 1)->frames.has_value());  // still synthesising
  EXPECT_EQ(run.out, (std::vector<float>{0, 0, 0, 0, 0.5f, 0.5f, 0, 0}));
  EXPECT_EQ(run.find(kFinished, 1), nullptr);  // an underrun is not the end
  EXPECT_EQ(run.mixer.current_id(), 1u);
  const float more[] = {0.25f};
  audio->append(more, 1);
  audio->finish();
  run.push(3);
  EXPECT_EQ(run.out[8], 0.25f);
  ASSERT_NE(run.find(kFinished, 1), nullptr);
  EXPECT_EQ(run.find(kFinished, 1)->reason, EndReason::done);
  EXPECT_EQ(run.find(kFinished, 1)->offset, 9u);
  EXPECT_EQ(run.find(kFinished, 1)->frames, 5u);  // output frames, the underrun included
}

TEST(SpeechMixer, StartedCarriesTheExpectedLengthOfAnItemStillComing) {
  MixRun run(plain_config());
  auto audio = std::make_shared<ItemAudio>();
  audio->set_channels(1);
  audio->set_expected_frames(48);
  const float first[] = {0.5f};
  audio->append(first, 1);
  run.mixer.enqueue(ItemKind::clip, "a.wav", audio, false);
  run.push(1);
  ASSERT_NE(run.find(kStarted, 1), nullptr);
  EXPECT_EQ(run.find(kStarted, 1)->frames, 48u);
}

TEST(SpeechMixer, ItemsPlayInOrderWithTheGapBetween) {
  MixerConfig c = plain_config();
  c.gap_frames = 3;
  MixRun run(c);
  run.mixer.enqueue(ItemKind::samples, "", audio_of({1, 1}), false);
  run.mixer.enqueue(ItemKind::samples, "", audio_of({0.5f}), false);
  run.push(10);
  EXPECT_EQ(run.out, (std::vector<float>{1, 1, 0, 0, 0, 0.5f, 0, 0, 0, 0}));
  EXPECT_EQ(run.find(kStarted, 2)->offset, 5u);
  EXPECT_EQ(run.find(kFinished, 2)->offset, 6u);
  EXPECT_EQ(run.events.size(), 4u);
}

TEST(SpeechMixer, DuckingHoldsThroughTheGapThenReleases) {
  MixerConfig c;
  c.duck_level = 0.5;
  c.attack_frames = 2;
  c.release_frames = 2;
  c.gap_frames = 2;
  c.limiter = false;
  MixRun run(c, 1, 1.0f);
  run.mixer.enqueue(ItemKind::samples, "", audio_of({0, 0, 0}), false);
  run.push(9);
  EXPECT_EQ(run.out, (std::vector<float>{0.75f, 0.5f, 0.5f, 0.5f, 0.5f, 0.75f, 1, 1, 1}));
  EXPECT_TRUE(run.mixer.idle());
}

TEST(SpeechMixer, SkipFadesOutAndEndsAsSkipped) {
  MixerConfig c = plain_config();
  c.fade_frames = 4;
  MixRun run(c);
  EXPECT_FALSE(run.mixer.skip());
  run.mixer.enqueue(ItemKind::samples, "x", audio_of(std::vector<float>(20, 1.0f)), false);
  run.push(2);
  EXPECT_TRUE(run.mixer.skip());
  EXPECT_FALSE(run.mixer.skip());
  run.push(8);
  EXPECT_EQ(run.out, (std::vector<float>{1, 1, 0.75f, 0.5f, 0.25f, 0, 0, 0, 0, 0}));
  ASSERT_NE(run.find(kFinished, 1), nullptr);
  EXPECT_EQ(run.find(kFinished, 1)->reason, EndReason::skipped);
  EXPECT_EQ(run.find(kFinished, 1)->offset, 6u);
}

TEST(SpeechMixer, ClearDropsWaitingItemsAtOnceAndFadesTheCurrentOne) {
  MixerConfig c = plain_config();
  c.fade_frames = 2;
  MixRun run(c);
  for (int i = 0; i < 3; i++)
    run.mixer.enqueue(ItemKind::samples, "", audio_of(std::vector<float>(10, 1.0f)), false);
  run.push(1);
  std::vector<MixerEvent> dropped;
  EXPECT_EQ(run.mixer.clear(dropped), 3u);
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].id, 2u);
  EXPECT_EQ(dropped[1].reason, EndReason::cleared);
  EXPECT_EQ(run.mixer.waiting(), 0u);
  run.push(4);
  EXPECT_EQ(run.find(kFinished, 1)->reason, EndReason::cleared);
  EXPECT_EQ(run.out, (std::vector<float>{1, 0.5f, 0, 0, 0}));
  EXPECT_EQ(run.mixer.clear(dropped), 0u);
}

TEST(SpeechMixer, InterruptGoesFirstAfterAFadeWithoutTheGap) {
  MixerConfig c = plain_config();
  c.fade_frames = 2;
  c.gap_frames = 2;
  MixRun run(c);
  run.mixer.enqueue(ItemKind::samples, "", audio_of(std::vector<float>(10, 1.0f)), false);
  run.mixer.enqueue(ItemKind::samples, "", audio_of({0.25f}), false);
  run.push(1);
  EXPECT_EQ(run.mixer.enqueue(ItemKind::samples, "", audio_of({0.5f}), true), 3u);
  run.push(8);
  EXPECT_EQ(run.out, (std::vector<float>{1, 0.5f, 0, 0.5f, 0, 0, 0.25f, 0, 0}));
  EXPECT_EQ(run.find(kFinished, 1)->reason, EndReason::interrupted);
  EXPECT_EQ(run.find(kStarted, 3)->offset, 3u);
  EXPECT_EQ(run.find(kStarted, 2)->offset, 6u);
}

TEST(SpeechMixer, AnInterruptDuringASkipFadeAlsoSkipsTheGap) {
  MixerConfig c = plain_config();
  c.fade_frames = 2;
  c.gap_frames = 5;
  MixRun run(c);
  run.mixer.enqueue(ItemKind::samples, "", audio_of(std::vector<float>(10, 1.0f)), false);
  run.push(1);
  EXPECT_TRUE(run.mixer.skip());
  run.mixer.enqueue(ItemKind::samples, "", audio_of({0.5f}), true);
  run.push(4);
  EXPECT_EQ(run.find(kFinished, 1)->reason, EndReason::skipped);
  EXPECT_EQ(run.out, (std::vector<float>{1, 0.5f, 0, 0.5f, 0}));
}

TEST(SpeechMixer, FailedItemsEndWithTheirError) {
  MixRun run(plain_config());
  auto never = std::make_shared<ItemAudio>();
  never->set_channels(1);
  never->fail("cannot decode");
  auto midway = std::make_shared<ItemAudio>();
  midway->set_channels(1);
  const float some[] = {0.5f};
  midway->append(some, 1);
  midway->fail("truncated");
  auto empty = audio_of({});
  run.mixer.enqueue(ItemKind::clip, "a.wav", never, false);
  run.mixer.enqueue(ItemKind::clip, "b.wav", midway, false);
  run.mixer.enqueue(ItemKind::clip, "c.wav", empty, false);
  run.push(3);
  EXPECT_EQ(run.find(kStarted, 1), nullptr);
  EXPECT_EQ(run.find(kFinished, 1)->error, "cannot decode");
  EXPECT_NE(run.find(kStarted, 2), nullptr);
  EXPECT_EQ(run.find(kFinished, 2)->reason, EndReason::failed);
  EXPECT_EQ(run.find(kFinished, 2)->error, "truncated");
  EXPECT_EQ(run.find(kFinished, 3)->error, "it has no sound");
  EXPECT_EQ(run.out[0], 0.5f);
  EXPECT_TRUE(never->cancelled());
}

TEST(SpeechMixer, AnItemMadeForAnotherChannelCountFails) {
  MixRun run(plain_config(), 2);
  run.mixer.enqueue(ItemKind::speech, "", audio_of({0.5f, 0.5f}, 1), false);
  run.push(2);
  ASSERT_NE(run.find(kFinished, 1), nullptr);
  EXPECT_EQ(run.find(kFinished, 1)->reason, EndReason::failed);
  EXPECT_EQ(run.out, (std::vector<float>{0, 0, 0, 0}));
}

TEST(SpeechMixer, AbortAllEndsEverythingAtOnce) {
  MixRun run(plain_config());
  run.mixer.enqueue(ItemKind::samples, "", audio_of({1, 1, 1}), false);
  run.mixer.enqueue(ItemKind::samples, "", audio_of({1}), false);
  run.push(1);
  std::vector<MixerEvent> events;
  run.mixer.abort_all("stopped", events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].reason, EndReason::failed);
  EXPECT_EQ(events[0].error, "stopped");
  EXPECT_FALSE(run.mixer.current_id().has_value());
  EXPECT_EQ(run.mixer.waiting(), 0u);
}

TEST(TextChecks, RefusesEmptyLongAndInvalidText) {
  EXPECT_EQ(text_refusal(""), "text is empty");
  EXPECT_EQ(text_refusal(" \t\n\u00a0\u3000"), "text is empty");
  EXPECT_EQ(text_refusal(std::string(4097, 'a')), "text is longer than 4096 bytes");
  EXPECT_FALSE(text_refusal(std::string(4096, 'a')).has_value());
  EXPECT_EQ(text_refusal("a\xc3"), "text is not valid UTF-8");
  EXPECT_EQ(text_refusal("\xed\xa0\x80"), "text is not valid UTF-8");  // a surrogate
  EXPECT_FALSE(text_refusal("Grüße, 世界").has_value());
}

TEST(TextChecks, ExcerptIsShortCleanUtf8) {
  EXPECT_EQ(excerpt("  Hello\n\tworld  "), "Hello world");
  EXPECT_EQ(excerpt("bad \xff byte"), "bad \xef\xbf\xbd byte");
  const std::string long_text(100, 'x');
  const std::string cut = excerpt(long_text);
  EXPECT_EQ(cut, std::string(59, 'x') + "…");
  std::string umlauts;
  for (int i = 0; i < 70; i++) umlauts += "ü";
  std::string expected;
  for (int i = 0; i < 59; i++) expected += "ü";
  EXPECT_EQ(excerpt(umlauts), expected + "…");
  EXPECT_EQ(excerpt(std::string(60, 'y')), std::string(60, 'y'));
}
