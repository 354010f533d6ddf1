// ttsmix measured on its output: GstHarness buffers with exact timestamps, the real
// espeak-ng, messages placed on running time. The element's worker makes speech and clips
// asynchronously, so tests push programme buffers until the message they wait for arrives,
// bounded by a number of buffers, never by time.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "element_test.h"
#include "ttsmix_messages.h"

namespace {

namespace fs = std::filesystem;
namespace msg = onair::ttsmix_messages;
using onair::StructurePtr;

constexpr int kRate = 48000;
constexpr size_t kBlock = 480;        // 10 ms: whole nanoseconds per frame boundary
constexpr size_t kMaxBlocks = 10000;  // 100 s of programme: far more than any wait needs

struct Format {
  bool f32;
  int channels;
};

std::string caps_of(Format f) {
  return std::string("audio/x-raw,layout=interleaved,format=") + (f.f32 ? "F32LE" : "S16LE") +
         ",rate=" + std::to_string(kRate) + ",channels=" + std::to_string(f.channels);
}

// A message, its running time as an output frame.
struct Event {
  std::string name;
  guint id = 0;
  std::string kind;
  std::string text;
  std::string reason;
  std::string error;
  guint64 frame = 0;
  guint64 duration = GST_CLOCK_TIME_NONE;
};

// A time in nanoseconds as the frame it falls on. Nanoseconds truncate a frame's exact time
// (the harness's timestamps and the element's offsets each lose a fraction), so the nearest
// frame is the one meant; truncating again could land one frame early.
guint64 frames_of(guint64 ns) {
  return gst_util_uint64_scale_round(ns, kRate, GST_SECOND);
}

Event event_of(const GstStructure *s) {
  Event e;
  e.name = gst_structure_get_name(s);
  gst_structure_get_uint(s, msg::kId, &e.id);
  auto str = [&](const char *field) {
    const gchar *v = gst_structure_get_string(s, field);
    return std::string(v ? v : "");
  };
  e.kind = str(msg::kKind);
  e.text = str(msg::kText);
  e.reason = str(msg::kReason);
  e.error = str(msg::kError);
  guint64 rt = 0;
  if (gst_structure_get_uint64(s, msg::kRunningTime, &rt) && GST_CLOCK_TIME_IS_VALID(rt))
    e.frame = frames_of(rt);
  gst_structure_get_uint64(s, msg::kDuration, &e.duration);
  return e;
}

// S16LE samples of a WAV file written by hand: the canonical 44-byte header.
void write_wav(const fs::path &path, const std::vector<int16_t> &samples, int channels) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char *>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char *>(&v), 2); };
  const auto data = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4);
  u32(36 + data);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(1);
  u16(static_cast<uint16_t>(channels));
  u32(kRate);
  u32(kRate * 2 * channels);
  u16(static_cast<uint16_t>(2 * channels));
  u16(16);
  out.write("data", 4);
  u32(data);
  out.write(reinterpret_cast<const char *>(samples.data()), data);
}

// One ttsmix in a harness, fed a programme of `programme(frame, channel)`.
class Mix {
 public:
  explicit Mix(Format format, std::function<double(guint64, int)> programme = {})
      : format_(format), programme_(std::move(programme)) {
    bus_ = gst_bus_new();
    element_ = gst_element_factory_make("ttsmix", nullptr);
    EXPECT_NE(element_, nullptr);
    gst_element_set_bus(element_, bus_);
    h_ = gst_harness_new_with_element(element_, "sink", "src");
    gst_harness_set_src_caps_str(h_, caps_of(format).c_str());
  }
  ~Mix() {
    gst_harness_teardown(h_);
    gst_object_unref(element_);
    gst_object_unref(bus_);
  }
  Mix(const Mix &) = delete;
  Mix &operator=(const Mix &) = delete;

  GstElement *element() { return element_; }

  guint say(const char *text, const char *voice = nullptr, bool interrupt = false) {
    guint id = 0;
    g_signal_emit_by_name(element_, "say", text, voice, interrupt, &id);
    return id;
  }
  guint play(const std::string &path, bool interrupt = false) {
    guint id = 0;
    g_signal_emit_by_name(element_, "play", path.c_str(), interrupt, &id);
    return id;
  }
  // A clip of S16 or F32 samples at the stream's rate and channel count.
  guint push_clip(const std::vector<double> &samples, bool interrupt = false) {
    GstBuffer *buffer =
        gst_buffer_new_allocate(nullptr, samples.size() * (format_.f32 ? 4 : 2), nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    for (size_t i = 0; i < samples.size(); i++) {
      if (format_.f32)
        reinterpret_cast<float *>(map.data)[i] = static_cast<float>(samples[i]);
      else
        reinterpret_cast<int16_t *>(map.data)[i] =
            static_cast<int16_t>(std::lrint(samples[i] * 32768));
    }
    gst_buffer_unmap(buffer, &map);
    GstCaps *caps = gst_caps_from_string(caps_of(format_).c_str());
    guint id = 0;
    g_signal_emit_by_name(element_, "push-clip", buffer, caps, interrupt, &id);
    gst_caps_unref(caps);
    gst_buffer_unref(buffer);
    return id;
  }
  gboolean skip() {
    gboolean done = FALSE;
    g_signal_emit_by_name(element_, "skip", &done);
    return done;
  }
  guint clear() {
    guint n = 0;
    g_signal_emit_by_name(element_, "clear", &n);
    return n;
  }

  // Pushes one block of programme; checks the output buffer keeps its timeline.
  void push_block() {
    const size_t n = kBlock * static_cast<size_t>(format_.channels);
    GstBuffer *in = gst_buffer_new_allocate(nullptr, n * (format_.f32 ? 4 : 2), nullptr);
    GstMapInfo map;
    gst_buffer_map(in, &map, GST_MAP_WRITE);
    for (size_t i = 0; i < n; i++) {
      const guint64 frame = pushed_ + i / format_.channels;
      const double v = programme_ ? programme_(frame, static_cast<int>(i % format_.channels)) : 0;
      if (format_.f32)
        reinterpret_cast<float *>(map.data)[i] = static_cast<float>(v);
      else
        reinterpret_cast<int16_t *>(map.data)[i] = static_cast<int16_t>(std::lrint(v * 32768));
    }
    gst_buffer_unmap(in, &map);
    const GstClockTime pts = gst_util_uint64_scale(pushed_, GST_SECOND, kRate);
    const GstClockTime duration = gst_util_uint64_scale(pushed_ + kBlock, GST_SECOND, kRate) - pts;
    GST_BUFFER_PTS(in) = pts;
    GST_BUFFER_DURATION(in) = duration;
    ASSERT_EQ(gst_harness_push(h_, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(h_);
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(GST_BUFFER_PTS(out), pts);
    EXPECT_EQ(GST_BUFFER_DURATION(out), duration);
    ASSERT_EQ(gst_buffer_get_size(out), n * (format_.f32 ? 4 : 2));
    gst_buffer_map(out, &map, GST_MAP_READ);
    for (size_t i = 0; i < n; i++)
      out_.push_back(format_.f32 ? reinterpret_cast<const float *>(map.data)[i]
                                 : reinterpret_cast<const int16_t *>(map.data)[i] / 32768.0);
    gst_buffer_unmap(out, &map);
    gst_buffer_unref(out);
    pushed_ += kBlock;
    for (StructurePtr &s : onair::element_test::take_element_messages(bus_))
      events_.push_back(event_of(s.get()));
  }

  // Pushes blocks until `done` holds (checked after each block); false if it never did.
  // Between blocks it waits a moment for a message, as a live source would between its
  // buffers (at ten times real speed), so the worker gets to run on a busy machine.
  bool push_until(const std::function<bool()> &done) {
    for (size_t i = 0; i < kMaxBlocks; i++) {
      if (done()) return true;
      push_block();
      if (::testing::Test::HasFatalFailure()) return false;
      if (done()) return true;
      if (onair::MessagePtr m =
              onair::element_test::wait_for_message(bus_, GST_MESSAGE_ELEMENT, GST_MSECOND))
        events_.push_back(event_of(gst_message_get_structure(m.get())));
    }
    return done();
  }
  void push_blocks(size_t n) {
    for (size_t i = 0; i < n; i++) push_block();
  }

  std::optional<Event> find(const char *name, guint id) const {
    for (const Event &e : events_)
      if (e.name == name && e.id == id) return e;
    return std::nullopt;
  }
  bool has(const char *name, guint id) const { return find(name, id).has_value(); }
  bool finished(guint id) const { return has(msg::kFinished, id); }
  Event wait_finished(guint id) {
    EXPECT_TRUE(push_until([&] { return finished(id); })) << "item " << id << " never finished";
    return find(msg::kFinished, id).value_or(Event{});
  }
  Event wait_started(guint id) {
    EXPECT_TRUE(push_until([&] { return has(msg::kStarted, id); }))
        << "item " << id << " never started";
    return find(msg::kStarted, id).value_or(Event{});
  }

  // The output sample of `frame`, `channel`.
  double out(guint64 frame, int channel = 0) const {
    return out_.at(frame * format_.channels + channel);
  }
  guint64 frames_out() const { return pushed_; }
  // Largest |sample| minus the programme over [from, to).
  double peak(guint64 from, guint64 to, const std::function<double(guint64, int)> &bed) const {
    double p = 0;
    for (guint64 f = from; f < to; f++)
      for (int c = 0; c < format_.channels; c++)
        p = std::max(p, std::fabs(out(f, c) - (bed ? bed(f, c) : 0)));
    return p;
  }

  const std::vector<Event> &events() const { return events_; }

  // Checks that output frames [from, to) are `clip` (interleaved, its values as output
  // samples) in order, within `tolerance`, with nothing else but frames of silence where
  // the decoder fell behind (an underrun; the clip must hold no silent frame itself).
  // Returns how many silent frames were put in.
  size_t expect_clip_in_output(guint64 from, guint64 to, const std::vector<double> &clip,
                               double tolerance) const {
    const auto channels = static_cast<size_t>(format_.channels);
    const size_t clip_frames = clip.size() / channels;
    size_t next = 0, silent = 0;
    for (guint64 f = from; f < to; f++) {
      bool matches = next < clip_frames, silence = true;
      for (size_t c = 0; c < channels; c++) {
        const double v = out(f, static_cast<int>(c));
        if (matches && std::fabs(v - clip[next * channels + c]) > tolerance) matches = false;
        if (v != 0) silence = false;
      }
      if (matches) {
        next++;
      } else {
        EXPECT_TRUE(silence) << "output frame " << f << " is neither clip frame " << next
                             << " nor silence";
        if (!silence) return silent;
        silent++;
      }
    }
    EXPECT_EQ(next, clip_frames) << "the clip did not play to its end";
    return silent;
  }

 private:
  Format format_;
  std::function<double(guint64, int)> programme_;
  GstBus *bus_ = nullptr;
  GstElement *element_ = nullptr;
  GstHarness *h_ = nullptr;
  guint64 pushed_ = 0;
  std::vector<double> out_;
  std::vector<Event> events_;
};

class TtsMixFormats : public ::testing::TestWithParam<Format> {};

std::string format_name(const ::testing::TestParamInfo<Format> &info) {
  return std::string(info.param.f32 ? "F32" : "S16") +
         (info.param.channels == 1 ? "Mono" : "Stereo");
}

}  // namespace

TEST(TtsMixRegistry, LoadsThePluginFromTheBuildTree) {
  GstElementFactory *factory = gst_element_factory_find("ttsmix");
  ASSERT_NE(factory, nullptr);
  GstPlugin *plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  ASSERT_NE(plugin, nullptr);
  EXPECT_STREQ(gst_plugin_get_name(plugin), "onairspeech");
  EXPECT_STREQ(gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS),
               "Filter/Effect/Audio");
  gst_object_unref(plugin);
  gst_object_unref(factory);
}

// The properties and their defaults are the interface the app codes against.
TEST(TtsMixRegistry, PropertiesHaveTheirDocumentedDefaults) {
  GstElement *e = gst_element_factory_make("ttsmix", nullptr);
  ASSERT_NE(e, nullptr);
  gchar *voice = nullptr, *speaking = nullptr;
  gint rate = 0, pitch = 0;
  gboolean markup = TRUE, limiter = FALSE;
  gdouble volume = 0, duck = 0;
  guint attack = 0, release = 0, gap = 0, max_queue = 0, fade = 0, speaking_id = 1, length = 1;
  guint64 played = 1, refused = 1, failed = 1;
  g_object_get(e, "voice", &voice, "rate", &rate, "pitch", &pitch, "markup", &markup,
               "speech-volume", &volume, "duck-level", &duck, "duck-attack", &attack,
               "duck-release", &release, "gap", &gap, "max-queue", &max_queue, "fade", &fade,
               "limiter", &limiter, "speaking", &speaking, "speaking-id", &speaking_id,
               "queue-length", &length, "items-played", &played, "items-refused", &refused,
               "items-failed", &failed, nullptr);
  EXPECT_STREQ(voice, "en");
  EXPECT_EQ(rate, 175);
  EXPECT_EQ(pitch, 50);
  EXPECT_FALSE(markup);
  EXPECT_EQ(volume, 1.0);
  EXPECT_EQ(duck, 0.2);
  EXPECT_EQ(attack, 50u);
  EXPECT_EQ(release, 300u);
  EXPECT_EQ(gap, 250u);
  EXPECT_EQ(max_queue, 16u);
  EXPECT_EQ(fade, 20u);
  EXPECT_TRUE(limiter);
  EXPECT_STREQ(speaking, "");
  EXPECT_EQ(speaking_id, 0u);
  EXPECT_EQ(length, 0u);
  EXPECT_EQ(played + refused + failed, 0u);
  g_object_set(e, "voice", "de", "speech-volume", 2.5, nullptr);
  g_free(voice);
  g_object_get(e, "voice", &voice, "speech-volume", &volume, nullptr);
  EXPECT_STREQ(voice, "de");
  EXPECT_EQ(volume, 2.5);
  g_free(voice);
  g_free(speaking);
  gst_object_unref(e);
}

// Real espeak-ng: its sound is in the output between the started and finished messages'
// running times and nowhere else; the silent programme stays exactly silent outside.
TEST_P(TtsMixFormats, SpeechSoundsBetweenStartedAndFinishedOnly) {
  Mix mix(GetParam());
  g_object_set(mix.element(), "gap", 0u, nullptr);
  mix.push_blocks(5);
  const guint id = mix.say("Hello, this is onair speaking.");
  ASSERT_GT(id, 0u);
  const Event started = mix.wait_started(id);
  EXPECT_EQ(started.kind, msg::kKindSpeech);
  EXPECT_EQ(started.text, "Hello, this is onair speaking.");
  const Event finished = mix.wait_finished(id);
  EXPECT_EQ(finished.reason, msg::kReasonDone);
  mix.push_blocks(20);
  ASSERT_GT(finished.frame, started.frame);
  EXPECT_EQ(frames_of(finished.duration), finished.frame - started.frame);
  EXPECT_GT(finished.frame - started.frame, static_cast<guint64>(kRate / 2));
  EXPECT_GT(mix.peak(started.frame, finished.frame, {}), 0.05);
  EXPECT_EQ(mix.peak(0, started.frame, {}), 0.0);
  EXPECT_EQ(mix.peak(finished.frame, mix.frames_out(), {}), 0.0);
  guint64 played = 0;
  g_object_get(mix.element(), "items-played", &played, nullptr);
  EXPECT_EQ(played, 1u);
}

// A clip of digital silence ducks a constant bed: down to duck-level along duck-attack,
// held through the item and its gap, back along duck-release; exact to the sample.
TEST_P(TtsMixFormats, BedIsDuckedWithRampsOfTheRightLength) {
  const double bed_level = 0.5;
  auto bed = [&](guint64, int) { return bed_level; };
  Mix mix(GetParam(), bed);
  g_object_set(mix.element(), "duck-level", 0.25, "duck-attack", 20u, "duck-release", 40u, "gap",
               30u, nullptr);
  mix.push_blocks(3);
  const guint id = mix.push_clip(std::vector<double>(kRate / 4 * GetParam().channels, 0.0));
  ASSERT_GT(id, 0u);
  const Event started = mix.wait_started(id);
  EXPECT_EQ(frames_of(started.duration), static_cast<guint64>(kRate / 4));
  const Event finished = mix.wait_finished(id);
  EXPECT_EQ(finished.frame - started.frame, static_cast<guint64>(kRate / 4));
  mix.push_blocks(10);

  const double tolerance = GetParam().f32 ? 1e-6 : 1.5 / 32768;
  const guint64 attack = kRate * 20 / 1000, release = kRate * 40 / 1000, gap = kRate * 30 / 1000;
  for (guint64 f = 0; f < started.frame; f++) ASSERT_EQ(mix.out(f), mix.out(0)) << f;
  EXPECT_NEAR(mix.out(0), bed_level, tolerance);
  for (guint64 k = 0; k < attack; k++)
    ASSERT_NEAR(mix.out(started.frame + k), bed_level * (1 - 0.75 * (k + 1) / attack), tolerance)
        << "attack frame " << k;
  for (guint64 f = started.frame + attack; f < finished.frame + gap; f++)
    ASSERT_NEAR(mix.out(f), bed_level * 0.25, tolerance) << f;
  const guint64 back = finished.frame + gap;
  for (guint64 k = 0; k < release; k++)
    ASSERT_NEAR(mix.out(back + k), bed_level * (0.25 + 0.75 * (k + 1) / release), tolerance)
        << "release frame " << k;
  for (guint64 f = back + release; f < mix.frames_out(); f++)
    for (int c = 0; c < GetParam().channels; c++) ASSERT_EQ(mix.out(f, c), mix.out(0)) << f;
}

// A WAV file in the stream's rate and channel count comes out sample for sample, times
// speech-volume.
TEST_P(TtsMixFormats, WavClipComesOutSampleIdenticalApartFromGain) {
  const Format format = GetParam();
  const fs::path wav =
      fs::path(::testing::TempDir()) / ("ttsmix-clip-" + std::to_string(getpid()) + ".wav");
  // A chirp kept away from zero, so no frame of it is silence.
  std::vector<int16_t> samples(static_cast<size_t>(kRate / 5 * format.channels));
  std::vector<double> expected;
  for (size_t i = 0; i < samples.size(); i++) {
    const double v = std::sin(0.01 * i * i / 7.0);
    samples[i] = static_cast<int16_t>(std::lrint(1000 * (v < 0 ? -1 : 1) + 19000 * v));
    // Gain 0.5: exact in F32, rounded to the nearest step in S16.
    expected.push_back(format.f32 ? 0.5 * samples[i] / 32768.0
                                  : std::lrint(0.5 * samples[i]) / 32768.0);
  }
  write_wav(wav, samples, format.channels);
  Mix mix(format);
  g_object_set(mix.element(), "speech-volume", 0.5, nullptr);
  const guint id = mix.play(wav.string());
  ASSERT_GT(id, 0u);
  const Event finished = mix.wait_finished(id);
  fs::remove(wav);
  ASSERT_EQ(finished.reason, msg::kReasonDone) << finished.error;
  const Event started = mix.find(msg::kStarted, id).value();
  EXPECT_EQ(started.text, wav.filename().string());
  EXPECT_EQ(frames_of(started.duration), static_cast<guint64>(kRate / 5));
  // Sample for sample (within one S16 step); if the decoder fell behind the harness, which
  // pushes faster than real time, silence was put in and the clip went on after it.
  const double lsb = format.f32 ? 1e-7 : 1.0 / 32768;
  const size_t silent = mix.expect_clip_in_output(started.frame, finished.frame, expected, lsb);
  EXPECT_EQ(finished.frame - started.frame, static_cast<guint64>(kRate / 5) + silent);
  EXPECT_EQ(mix.peak(0, started.frame, {}), 0.0);
  EXPECT_EQ(mix.peak(finished.frame, mix.frames_out(), {}), 0.0);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, TtsMixFormats,
                         ::testing::Values(Format{false, 1}, Format{false, 2}, Format{true, 1},
                                           Format{true, 2}),
                         format_name);

namespace {

constexpr Format kF32Mono{true, 1};

// A clip of `frames` frames all of value `v` (mono).
std::vector<double> dc(size_t frames, double v) {
  return std::vector<double>(frames, v);
}

// Every frame in [from, to) of the output equals `v`.
void expect_constant(const Mix &mix, guint64 from, guint64 to, double v, const char *what) {
  for (guint64 f = from; f < to; f++)
    ASSERT_EQ(mix.out(f), static_cast<float>(v)) << what << " frame " << f;
}

}  // namespace

// Three queued clips play in order, one at a time, gap frames of silence between them.
TEST(TtsMix, QueuedItemsPlayInOrderWithTheGapAndNeverOverlap) {
  Mix mix(kF32Mono);
  g_object_set(mix.element(), "gap", 50u, nullptr);
  const guint a = mix.push_clip(dc(kRate / 10, 0.1));
  const guint b = mix.push_clip(dc(kRate / 20, 0.2));
  const guint c = mix.push_clip(dc(kRate / 10, 0.3));
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(c, b + 1);
  guint waiting = 0;
  g_object_get(mix.element(), "queue-length", &waiting, nullptr);
  EXPECT_EQ(waiting, 3u);
  mix.wait_finished(c);
  mix.push_blocks(5);
  const guint64 gap = kRate * 50 / 1000;
  const double values[] = {0.1, 0.2, 0.3};
  guint64 previous_end = 0;
  for (guint id = a; id <= c; id++) {
    const Event s = mix.find(msg::kStarted, id).value();
    const Event f = mix.find(msg::kFinished, id).value();
    EXPECT_EQ(f.reason, msg::kReasonDone);
    if (id > a) {
      EXPECT_EQ(s.frame, previous_end + gap) << "item " << id;
      expect_constant(mix, previous_end, s.frame, 0.0, "gap");
    }
    expect_constant(mix, s.frame, f.frame, values[id - a], "item");
    previous_end = f.frame;
  }
  expect_constant(mix, previous_end, mix.frames_out(), 0.0, "after");
  // Messages come in order: each item starts after the one before finished.
  std::vector<std::string> order;
  for (const Event &e : mix.events()) order.push_back(e.name + std::to_string(e.id - a));
  EXPECT_EQ(order,
            (std::vector<std::string>{"ttsmix-started0", "ttsmix-finished0", "ttsmix-started1",
                                      "ttsmix-finished1", "ttsmix-started2", "ttsmix-finished2"}));
}

// skip fades the playing item out over `fade` and ends it as skipped; nothing to skip
// answers FALSE.
TEST(TtsMix, SkipFadesTheCurrentItemOut) {
  Mix mix(kF32Mono);
  g_object_set(mix.element(), "fade", 10u, "gap", 0u, nullptr);
  EXPECT_FALSE(mix.skip());
  const guint id = mix.push_clip(dc(kRate, 0.5));
  const Event started = mix.wait_started(id);
  guint speaking_id = 0;
  g_object_get(mix.element(), "speaking-id", &speaking_id, nullptr);
  EXPECT_EQ(speaking_id, id);
  mix.push_blocks(3);
  const guint64 skipped_at = mix.frames_out();
  EXPECT_TRUE(mix.skip());
  EXPECT_FALSE(mix.skip());  // already ending
  const Event finished = mix.wait_finished(id);
  mix.push_blocks(3);
  EXPECT_EQ(finished.reason, msg::kReasonSkipped);
  const guint64 fade = kRate * 10 / 1000;
  EXPECT_EQ(finished.frame, skipped_at + fade);
  EXPECT_EQ(frames_of(finished.duration), finished.frame - started.frame);
  expect_constant(mix, started.frame, skipped_at, 0.5, "before the skip");
  for (guint64 k = 0; k < fade; k++)
    ASSERT_NEAR(mix.out(skipped_at + k), 0.5 * (fade - 1 - k) / fade, 1e-6) << k;
  expect_constant(mix, finished.frame, mix.frames_out(), 0.0, "after the fade");
  g_object_get(mix.element(), "speaking-id", &speaking_id, nullptr);
  EXPECT_EQ(speaking_id, 0u);
}

// clear ends the playing item (fade) and every waiting one (at once), and says how many.
TEST(TtsMix, ClearEndsThePlayingItemAndDropsTheWaitingOnes) {
  Mix mix(kF32Mono);
  const guint a = mix.push_clip(dc(kRate, 0.5));
  const guint b = mix.push_clip(dc(kRate, 0.5));
  const guint c = mix.push_clip(dc(kRate, 0.5));
  mix.wait_started(a);
  EXPECT_EQ(mix.clear(), 3u);
  mix.push_blocks(1);
  EXPECT_EQ(mix.find(msg::kFinished, b).value().reason, msg::kReasonCleared);
  EXPECT_EQ(mix.find(msg::kFinished, c).value().reason, msg::kReasonCleared);
  EXPECT_EQ(mix.wait_finished(a).reason, msg::kReasonCleared);
  mix.push_blocks(30);
  EXPECT_FALSE(mix.has(msg::kStarted, b));
  EXPECT_FALSE(mix.has(msg::kStarted, c));
  guint waiting = 1;
  g_object_get(mix.element(), "queue-length", &waiting, nullptr);
  EXPECT_EQ(waiting, 0u);
  EXPECT_EQ(mix.clear(), 0u);
}

// An interrupting item cuts the playing one short with a fade and plays right after it,
// before the items that were waiting.
TEST(TtsMix, InterruptCutsTheCurrentItemAndGoesFirst) {
  Mix mix(kF32Mono);
  g_object_set(mix.element(), "fade", 5u, "gap", 40u, nullptr);
  const guint a = mix.push_clip(dc(kRate, 0.1));
  const guint b = mix.push_clip(dc(kRate / 10, 0.2));
  mix.wait_started(a);
  mix.push_blocks(2);
  const guint urgent = mix.push_clip(dc(kRate / 10, 0.3), true);
  ASSERT_GT(urgent, 0u);
  mix.wait_finished(b);
  const Event a_end = mix.find(msg::kFinished, a).value();
  const Event u_start = mix.find(msg::kStarted, urgent).value();
  const Event u_end = mix.find(msg::kFinished, urgent).value();
  const Event b_start = mix.find(msg::kStarted, b).value();
  EXPECT_EQ(a_end.reason, msg::kReasonInterrupted);
  EXPECT_EQ(u_start.frame, a_end.frame);  // no gap after an interruption
  EXPECT_EQ(u_end.reason, msg::kReasonDone);
  EXPECT_EQ(b_start.frame, u_end.frame + kRate * 40 / 1000);
  expect_constant(mix, u_start.frame, u_end.frame, 0.3, "the interrupting item");
}

// A full queue refuses the next item with id 0 and a message; nothing is dropped.
TEST(TtsMix, FullQueueRefusesTheNextItem) {
  Mix mix(kF32Mono);
  g_object_set(mix.element(), "max-queue", 2u, nullptr);
  const guint a = mix.push_clip(dc(kRate / 10, 0.1));
  const guint b = mix.push_clip(dc(kRate / 10, 0.1));
  EXPECT_EQ(mix.push_clip(dc(kRate / 10, 0.1)), 0u);
  EXPECT_EQ(mix.say("one more"), 0u);
  mix.push_block();
  std::vector<Event> refused;
  for (const Event &e : mix.events())
    if (e.name == msg::kRefused) refused.push_back(e);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].reason, "the queue is full (2 items)");
  EXPECT_EQ(refused[0].kind, msg::kKindSamples);
  EXPECT_EQ(refused[1].kind, msg::kKindSpeech);
  EXPECT_EQ(refused[1].text, "one more");
  guint64 count = 0;
  g_object_get(mix.element(), "items-refused", &count, nullptr);
  EXPECT_EQ(count, 2u);
  // Once one plays, there is room again.
  mix.wait_started(a);
  EXPECT_GT(mix.push_clip(dc(kRate / 10, 0.1)), b);
}

// Bad input is refused at once with a clear reason, or fails with a message; the stream
// goes on and the next item plays.
TEST(TtsMix, BadInputIsRefusedOrFailsAndTheStreamGoesOn) {
  Mix mix(kF32Mono);
  const fs::path corrupt =
      fs::path(::testing::TempDir()) / ("ttsmix-corrupt-" + std::to_string(getpid()) + ".wav");
  {
    std::ofstream out(corrupt, std::ios::binary);
    for (int i = 0; i < 4096; i++) out.put(static_cast<char>((i * 7919) ^ (i >> 3)));
  }
  EXPECT_EQ(mix.say(""), 0u);
  EXPECT_EQ(mix.say(" \t\n "), 0u);
  EXPECT_EQ(mix.say(std::string(5000, 'a').c_str()), 0u);
  EXPECT_EQ(mix.say("bad \xff\xfe bytes"), 0u);
  EXPECT_EQ(mix.say("hello", "no-such-voice-xx"), 0u);
  EXPECT_EQ(mix.play("/nonexistent/ttsmix/clip.wav"), 0u);
  EXPECT_EQ(mix.play("file:///nonexistent/ttsmix/my%20clip.wav?token=secret"), 0u);
  const guint broken = mix.play(corrupt.string());
  ASSERT_GT(broken, 0u);
  const Event failed = mix.wait_finished(broken);
  fs::remove(corrupt);
  EXPECT_EQ(failed.reason, msg::kReasonFailed);
  EXPECT_FALSE(failed.error.empty());
  std::vector<std::string> reasons, texts;
  for (const Event &e : mix.events())
    if (e.name == msg::kRefused) {
      reasons.push_back(e.reason);
      EXPECT_EQ(e.id, 0u);
      texts.push_back(e.text);
    }
  EXPECT_EQ(reasons, (std::vector<std::string>{
                         "text is empty", "text is empty", "text is longer than 4096 bytes",
                         "text is not valid UTF-8", "espeak-ng has no voice \"no-such-voice-xx\"",
                         "no such file", "no such file"}));
  // Excerpts: clean UTF-8, a URI's file name without its query.
  EXPECT_EQ(texts.at(3), "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
  EXPECT_EQ(texts.at(6), "my clip.wav");
  guint64 refused = 0, failures = 0;
  g_object_get(mix.element(), "items-refused", &refused, "items-failed", &failures, nullptr);
  EXPECT_EQ(refused, 7u);
  EXPECT_EQ(failures, 1u);
  // The longest text accepted, and the stream goes on.
  std::string longest;
  while (longest.size() + 4 <= 4096) longest += "la. ";
  const guint next = mix.say(longest.c_str());
  EXPECT_GT(next, broken);
  // It starts with its first samples, minutes of speech before its synthesis ends.
  EXPECT_EQ(mix.wait_started(next).duration, GST_CLOCK_TIME_NONE);
  EXPECT_EQ(mix.clear(), 1u);
  EXPECT_EQ(mix.wait_finished(next).reason, msg::kReasonCleared);
}

// Markup is off unless `markup` is set: the tags are then read out, so the same text makes
// much more sound than with markup on, where only "hi" is spoken. (Sound is counted in
// frames that are not silent, so silence put in by an underrun does not count.)
TEST(TtsMix, MarkupOnlyWhenAsked) {
  Mix mix(kF32Mono);
  g_object_set(mix.element(), "gap", 0u, nullptr);
  auto sounding_frames = [&](guint id) {
    const Event started = mix.find(msg::kStarted, id).value();
    const Event finished = mix.find(msg::kFinished, id).value();
    guint64 n = 0;
    for (guint64 f = started.frame; f < finished.frame; f++) n += mix.out(f) != 0;
    return n;
  };
  const char *text = "<speak>hi</speak>";
  const guint literal = mix.say(text);
  mix.wait_finished(literal);
  g_object_set(mix.element(), "markup", TRUE, nullptr);
  const guint markup = mix.say(text);
  mix.wait_finished(markup);
  EXPECT_GT(sounding_frames(literal), 2 * sounding_frames(markup));
}

// Action signals from several threads while the stream flows: every accepted item ends
// exactly once, after its start if it had one, and ids are never given twice.
TEST(TtsMix, ActionSignalsFromManyThreadsWhileStreaming) {
  Mix mix(kF32Mono);
  g_object_set(mix.element(), "gap", 0u, "fade", 1u, "max-queue", 1000u, nullptr);
  std::mutex lock;
  std::vector<guint> accepted;
  std::atomic<int> running{4};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; i++) {
        guint id = 0;
        switch ((i + t) % 5) {
          case 0:
            id = mix.say("one two");
            break;
          case 1:
            id = mix.push_clip(dc(kRate / 50, 0.1));
            break;
          case 2:
            id = mix.push_clip(dc(kRate / 50, 0.2), true);
            break;
          case 3:
            mix.skip();
            break;
          case 4:
            if (i % 3 == 0) mix.clear();
            break;
        }
        if (id) {
          std::lock_guard guard(lock);
          accepted.push_back(id);
        }
      }
      running--;
    });
  EXPECT_TRUE(mix.push_until([&] {
    if (running > 0) return false;
    std::lock_guard guard(lock);
    for (guint id : accepted)
      if (!mix.finished(id)) return false;
    return true;
  }));
  for (std::thread &t : threads) t.join();
  std::sort(accepted.begin(), accepted.end());
  EXPECT_EQ(std::adjacent_find(accepted.begin(), accepted.end()), accepted.end());
  for (guint id : accepted) {
    int started = 0, finished = 0;
    for (const Event &e : mix.events()) {
      if (e.id != id) continue;
      if (e.name == msg::kStarted) {
        EXPECT_EQ(finished, 0) << "item " << id << " started after it finished";
        started++;
      }
      if (e.name == msg::kFinished) finished++;
    }
    EXPECT_LE(started, 1) << id;
    EXPECT_EQ(finished, 1) << id;
  }
}

// Items are refused while the element is not running.
TEST(TtsMix, RefusesItemsWhenNotRunning) {
  GstElement *e = gst_element_factory_make("ttsmix", nullptr);
  ASSERT_NE(e, nullptr);
  guint id = 1;
  g_signal_emit_by_name(e, "say", "hello", nullptr, FALSE, &id);
  EXPECT_EQ(id, 0u);
  guint64 refused = 0;
  g_object_get(e, "items-refused", &refused, nullptr);
  EXPECT_EQ(refused, 1u);
  gst_object_unref(e);
}

// Ids go on counting when the element stops and starts again; items waiting when it
// stops end as failed.
TEST(TtsMix, IdsGoOnAcrossARestart) {
  GstElement *e = gst_element_factory_make("ttsmix", nullptr);
  ASSERT_NE(e, nullptr);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(e, bus);
  guint id = 0;
  ASSERT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  g_signal_emit_by_name(e, "say", "first", nullptr, FALSE, &id);
  EXPECT_EQ(id, 1u);
  ASSERT_EQ(gst_element_set_state(e, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  // Posted by the state change itself, before it returned.
  const std::vector<StructurePtr> finished =
      onair::element_test::take_element_messages(bus, msg::kFinished);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(finished[0].get(), msg::kReason), msg::kReasonFailed);
  g_signal_emit_by_name(e, "say", "while stopped", nullptr, FALSE, &id);
  EXPECT_EQ(id, 0u);
  ASSERT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  g_signal_emit_by_name(e, "say", "second", nullptr, FALSE, &id);
  EXPECT_EQ(id, 2u);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
  gst_object_unref(bus);
}

// Two elements in one process speak at the same time (espeak-ng is shared and serialised).
TEST(TtsMix, TwoElementsSpeakAtOnce) {
  Mix one(kF32Mono);
  Mix two(Format{false, 2});
  const guint a = one.say("The first element speaks.");
  const guint b = two.say("And so does the second one.", "en-us+f3");
  ASSERT_GT(a, 0u);
  ASSERT_GT(b, 0u);
  for (size_t i = 0; i < kMaxBlocks && !(one.finished(a) && two.finished(b)); i++) {
    one.push_block();
    two.push_block();
  }
  ASSERT_TRUE(one.finished(a) && two.finished(b));
  for (Mix *mix : {&one, &two}) {
    const guint id = mix == &one ? a : b;
    const Event s = mix->find(msg::kStarted, id).value();
    const Event f = mix->find(msg::kFinished, id).value();
    EXPECT_EQ(f.reason, msg::kReasonDone);
    EXPECT_GT(mix->peak(s.frame, f.frame, {}), 0.05);
    EXPECT_EQ(mix->peak(0, s.frame, {}), 0.0);
  }
}

// A loud bed under loud speech at speech-volume 2.5: the limiter keeps every sample at or
// below its ceiling, -1 dBFS (so S16 never wraps).
TEST(TtsMix, LimiterKeepsTheSumAtOrBelowMinusOneDbfs) {
  auto bed = [](guint64 f, int) { return 0.9 * std::sin(f * 0.05); };
  Mix mix(Format{true, 1}, bed);
  g_object_set(mix.element(), "speech-volume", 2.5, "duck-level", 1.0, nullptr);
  const guint id = mix.push_clip(dc(kRate / 10, 0.8));
  const Event f = mix.wait_finished(id);
  const double ceiling = std::pow(10.0, -1.0 / 20);
  EXPECT_LE(mix.peak(0, mix.frames_out(), {}), ceiling + 1e-6);
  const Event s = mix.find(msg::kStarted, id).value();
  EXPECT_GT(mix.peak(s.frame, f.frame, {}), ceiling - 0.01);  // limited rather than muted
}

// A clip longer than the worker may decode ahead (10 s) is decoded in stretches as it
// plays, and still comes out whole, sample for sample.
TEST(TtsMix, LongClipPlaysWholeWhileDecodedInStretches) {
  const fs::path wav =
      fs::path(::testing::TempDir()) / ("ttsmix-long-" + std::to_string(getpid()) + ".wav");
  std::vector<int16_t> samples(static_cast<size_t>(kRate) * 25);
  std::vector<double> expected;
  for (size_t i = 0; i < samples.size(); i++) {
    samples[i] = static_cast<int16_t>(1 + (i * 37) % 20001);  // never 0
    expected.push_back(samples[i] / 32768.0);
  }
  write_wav(wav, samples, 1);
  Mix mix(Format{false, 1});
  const guint id = mix.play(wav.string());
  ASSERT_GT(id, 0u);
  const Event finished = mix.wait_finished(id);
  fs::remove(wav);
  ASSERT_EQ(finished.reason, msg::kReasonDone) << finished.error;
  const Event started = mix.find(msg::kStarted, id).value();
  const size_t silent = mix.expect_clip_in_output(started.frame, finished.frame, expected, 0);
  EXPECT_EQ(finished.frame - started.frame, samples.size() + silent);
}
