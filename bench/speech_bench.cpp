// ttsmix on time and at what cost, in process.
//
// latency: a live pipeline (silence from audiotestsrc in 10 ms buffers, ttsmix, appsink)
//   takes ITEMS `say` lines and ITEMS `play`s of CLIP one after another; each time the
//   first non-silent sample in the output is found, in running time (against the
//   pipeline clock when the signal was emitted) and in wall time (when appsink had it).
// espeak: the reference for speech, in a process of its own (espeak-ng is process-wide):
//   how long espeak-ng itself takes to hand over its first samples for the same lines,
//   and how much silence they start with.
// cost: CPU per second of stereo 48 kHz S16LE with ducking active all along: the
//   programme (a sine) through ttsmix playing a clip as long as the run (pushed with
//   push-clip; its conversion on the element's worker counted), against audiomixer
//   mixing the same two streams (the clip from an appsrc in 10 ms pieces sharing its
//   memory, the programme's pad at the duck level), and the programme alone through
//   fakesink as the floor. All process CPU time, every thread. Rounds alternate.
//
// Every figure is printed as "name value" on a line of its own after the table, for
// bench/speech_bench.py, which runs the Liquidsoap anchor and prints the ratios.
//
//   bench/speech_bench latency CLIP.wav [items]
//   bench/speech_bench espeak [items]
//   bench/speech_bench cost [seconds, at most 10] [rounds]
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kRate = 48000;
constexpr int kChannels = 2;
constexpr int kSamplesPerBuffer = 480;  // 10 ms
const char *kCaps = "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2";

// The lines said in the latency runs and measured in the espeak run.
const char *kLines[] = {
    "Thanks for the follow!",
    "Welcome to the stream, everyone.",
    "New subscriber, thank you so much.",
    "Let us look at the next question from the chat.",
    "That was a close one.",
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void fail(const std::string &why) {
  std::fprintf(stderr, "speech_bench: %s\n", why.c_str());
  std::exit(1);
}

GstElement *launch(const std::string &description) {
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline)
    fail(std::string(error ? error->message : "cannot build the pipeline") +
         " (run through 'meson devenv -C build')");
  return pipeline;
}

// ---------------------------------------------------------------------------------------
// latency

// Finds the first non-silent sample the sink gets once an item is armed.
class FirstSound {
 public:
  void arm() {
    std::lock_guard lock(mutex_);
    found_.reset();
    armed_ = true;
  }
  // Running time (ns) and wall time (ms) of the first non-silent sample; waits for it.
  std::pair<double, double> wait(int timeout_ms) {
    std::unique_lock lock(mutex_);
    if (!found_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [&] { return found_.has_value(); }))
      fail("no sound came out after an item was queued");
    return *found_;
  }
  void on_sample(GstSample *sample) {
    const double now = wall_ms();
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    const GstSegment *segment = gst_sample_get_segment(sample);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
    const auto *s = reinterpret_cast<const int16_t *>(map.data);
    const size_t n = map.size / sizeof(int16_t);
    std::lock_guard lock(mutex_);
    if (armed_) {
      for (size_t i = 0; i < n; i++) {
        if (s[i] == 0) continue;
        const guint64 start =
            gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
        const double frame_ns = static_cast<double>(i / kChannels) * GST_SECOND / kRate;
        found_ = {static_cast<double>(start) + frame_ns, now};
        armed_ = false;
        found_cv_.notify_all();
        break;
      }
    }
    gst_buffer_unmap(buffer, &map);
  }

 private:
  std::mutex mutex_;
  std::condition_variable found_cv_;
  bool armed_ = false;
  std::optional<std::pair<double, double>> found_;
};

// Waits for the element message `name` on `bus`; returns its running-time field (ns).
double wait_message(GstBus *bus, const char *name) {
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, 30 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR));
    if (!m) fail(std::string("no ") + name + " message");
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) fail("the pipeline failed");
    const GstStructure *s = gst_message_get_structure(m);
    guint64 rt = 0;
    const bool match = s && gst_structure_has_name(s, name);
    if (match) gst_structure_get_uint64(s, "running-time", &rt);
    gst_message_unref(m);
    if (match) return static_cast<double>(rt);
  }
}

struct ItemTimes {
  std::vector<double> first_sound_rt_ms;  // signal to first non-silent sample, running time
  std::vector<double> first_sound_wall_ms;
  std::vector<double> started_rt_ms;  // signal to the item's first sample (ttsmix-started)
};

int latency(const char *clip, int items) {
  GstElement *pipeline =
      launch(std::string("audiotestsrc is-live=true wave=silence samplesperbuffer=") +
             std::to_string(kSamplesPerBuffer) + " ! " + kCaps +
             " ! ttsmix name=speech gap=0 ! appsink name=sink sync=false emit-signals=false");
  GstElement *speech = gst_bin_get_by_name(GST_BIN(pipeline), "speech");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstBus *bus = gst_element_get_bus(pipeline);
  FirstSound first;
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  gst_element_get_state(pipeline, nullptr, nullptr, GST_CLOCK_TIME_NONE);
  std::thread puller([&] {
    while (GstSample *sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
      first.on_sample(sample);
      gst_sample_unref(sample);
    }
  });
  GstClock *clock = gst_pipeline_get_clock(GST_PIPELINE(pipeline));
  const GstClockTime base = gst_element_get_base_time(pipeline);
  // The first synthesis loads espeak-ng's voice data: not an item's latency.
  guint warm = 0;
  g_signal_emit_by_name(speech, "say", "warm up", "", FALSE, &warm);
  wait_message(bus, "ttsmix-finished");

  const auto measure = [&](ItemTimes &times, auto emit) {
    // Let the output settle to silence between items.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first.arm();
    const double signal_wall = wall_ms();
    const double signal_rt = static_cast<double>(gst_clock_get_time(clock) - base);
    if (!emit()) fail("ttsmix refused an item");
    const double started_rt = wait_message(bus, "ttsmix-started");
    const auto [sound_rt, sound_wall] = first.wait(30000);
    wait_message(bus, "ttsmix-finished");
    times.first_sound_rt_ms.push_back((sound_rt - signal_rt) / 1e6);
    times.first_sound_wall_ms.push_back(sound_wall - signal_wall);
    times.started_rt_ms.push_back((started_rt - signal_rt) / 1e6);
  };
  ItemTimes say, play;
  for (int i = 0; i < items; i++) {
    measure(say, [&] {
      guint id = 0;
      g_signal_emit_by_name(speech, "say", kLines[i % G_N_ELEMENTS(kLines)], "", FALSE, &id);
      return id != 0;
    });
    measure(play, [&] {
      guint id = 0;
      g_signal_emit_by_name(speech, "play", clip, FALSE, &id);
      return id != 0;
    });
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  puller.join();

  std::printf(
      "ttsmix, %d items each, live 48 kHz stereo S16LE in 10 ms buffers, median (min..max)\n",
      items);
  const auto row = [](const char *what, const std::vector<double> &v) {
    std::printf("  %-44s %8.1f ms  (%.1f..%.1f)\n", what, median(v),
                *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
  };
  row("play -> first clip sample, running time", play.first_sound_rt_ms);
  row("play -> first clip sample, wall time", play.first_sound_wall_ms);
  row("say -> item's first sample, running time", say.started_rt_ms);
  row("say -> first speech sample, running time", say.first_sound_rt_ms);
  row("say -> first speech sample, wall time", say.first_sound_wall_ms);
  std::printf(
      "play_rt_ms %.3f\nplay_wall_ms %.3f\nsay_started_rt_ms %.3f\n"
      "say_rt_ms %.3f\nsay_wall_ms %.3f\n",
      median(play.first_sound_rt_ms), median(play.first_sound_wall_ms), median(say.started_rt_ms),
      median(say.first_sound_rt_ms), median(say.first_sound_wall_ms));
  gst_object_unref(clock);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_object_unref(speech);
  gst_object_unref(pipeline);
  return 0;
}

// ---------------------------------------------------------------------------------------
// espeak

struct EspeakRun {
  double start_ms = 0;
  std::optional<double> first_samples_ms;  // since the call
  long frames_before_sound = 0;            // silent frames before the first sound
  bool sounded = false;
};

int on_synth(short *wav, int frames, espeak_EVENT *events) {
  auto *run = static_cast<EspeakRun *>(events ? events->user_data : nullptr);
  if (!run || !wav || frames <= 0) return 0;
  if (!run->first_samples_ms) run->first_samples_ms = wall_ms() - run->start_ms;
  for (int i = 0; i < frames; i++) {
    if (wav[i] != 0) {
      run->sounded = true;
      return 1;  // enough: stop the synthesis
    }
    run->frames_before_sound++;
  }
  return 0;
}

// espeak-ng set up as ttsmix sets it up (synchronous output, default buffer, voice "en",
// rate 175, pitch 50).
int espeak(int items) {
  espeak_ng_InitializePath(nullptr);
  espeak_ng_ERROR_CONTEXT context = nullptr;
  if (espeak_ng_Initialize(&context) != ENS_OK) fail("espeak-ng does not start");
  espeak_ng_ClearErrorContext(&context);
  if (espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nullptr) != ENS_OK)
    fail("espeak-ng has no output");
  const int rate = espeak_ng_GetSampleRate();
  espeak_SetSynthCallback(on_synth);
  std::vector<double> first, silence;
  for (int i = -1; i < items; i++) {  // the first one loads the voice: not counted
    const char *text = kLines[(i < 0 ? 0 : i) % G_N_ELEMENTS(kLines)];
    EspeakRun run;
    run.start_ms = wall_ms();
    espeak_ng_SetVoiceByName("en");
    espeak_ng_SetParameter(espeakRATE, 175, 0);
    espeak_ng_SetParameter(espeakPITCH, 50, 0);
    espeak_ng_Synthesize(text, std::strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                         nullptr, &run);
    if (i < 0) continue;
    if (!run.first_samples_ms || !run.sounded) fail("espeak-ng said nothing");
    first.push_back(*run.first_samples_ms);
    silence.push_back(1000.0 * static_cast<double>(run.frames_before_sound) / rate);
  }
  std::printf("espeak-ng alone, %d lines, median\n", items);
  std::printf("  %-44s %8.1f ms\n", "call -> first samples handed over", median(first));
  std::printf("  %-44s %8.1f ms\n", "silence the speech starts with", median(silence));
  std::printf("espeak_first_ms %.3f\nespeak_leading_silence_ms %.3f\n", median(first),
              median(silence));
  return 0;
}

// ---------------------------------------------------------------------------------------
// cost

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// A 1 kHz tone, stereo 48 kHz S16LE, 0.1 s shorter than `seconds` so that it ends
// before the programme does: the clip mixed in.
GstBuffer *tone(int seconds) {
  const size_t frames = static_cast<size_t>(seconds) * kRate - kRate / 10;
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, frames * kChannels * 2, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  auto *s = reinterpret_cast<int16_t *>(map.data);
  for (size_t i = 0; i < frames; i++)
    s[2 * i] = s[2 * i + 1] =
        static_cast<int16_t>(8000 * std::sin(2 * M_PI * 1000.0 * static_cast<double>(i) / kRate));
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

std::string programme(int seconds) {
  return std::string("audiotestsrc wave=sine volume=0.5 samplesperbuffer=") +
         std::to_string(kSamplesPerBuffer) +
         " num-buffers=" + std::to_string(seconds * kRate / kSamplesPerBuffer) + " ! " + kCaps;
}

// What ttsmix said of its item during a cost run.
struct ItemSeen {
  double started_ms = -1;  // running time of its first sample; -1: never started
  std::string finished;    // reason; empty: not finished before EOS
};

// CPU seconds from PLAYING to EOS, the pipeline prerolled first; `seen` (when given)
// gets what ttsmix posted.
double run_to_eos(GstElement *pipeline, ItemSeen *seen = nullptr) {
  GstBus *bus = gst_element_get_bus(pipeline);
  const double start = cpu_seconds();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, GST_CLOCK_TIME_NONE,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
    const GstMessageType type = GST_MESSAGE_TYPE(m);
    const GstStructure *s = gst_message_get_structure(m);
    guint64 rt = 0;
    if (type == GST_MESSAGE_ELEMENT && seen && s) {
      if (gst_structure_has_name(s, "ttsmix-started") && seen->started_ms < 0 &&
          gst_structure_get_uint64(s, "running-time", &rt))
        seen->started_ms = static_cast<double>(rt) / 1e6;
      if (gst_structure_has_name(s, "ttsmix-finished") && seen->finished.empty())
        seen->finished = gst_structure_get_string(s, "reason");
    }
    gst_message_unref(m);
    if (type == GST_MESSAGE_ERROR) fail("a cost pipeline failed");
    if (type == GST_MESSAGE_EOS) break;
  }
  const double used = cpu_seconds() - start;
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return used;
}

void preroll(GstElement *pipeline) {
  gst_element_set_state(pipeline, GST_STATE_PAUSED);
  if (gst_element_get_state(pipeline, nullptr, nullptr, 10 * GST_SECOND) !=
      GST_STATE_CHANGE_SUCCESS)
    fail("a cost pipeline does not preroll");
}

double cost_floor(int seconds) {
  GstElement *p = launch(programme(seconds) + " ! fakesink sync=false");
  preroll(p);
  const double used = run_to_eos(p);
  gst_object_unref(p);
  return used;
}

// CPU seconds of the whole run, and of the clip's conversion alone (`converting`).
double cost_ttsmix(int seconds, GstBuffer *clip, GstCaps *caps, double *converting) {
  GstElement *p = launch(programme(seconds) + " ! ttsmix name=speech ! fakesink sync=false");
  GstElement *speech = gst_bin_get_by_name(GST_BIN(p), "speech");
  preroll(p);  // the first buffer waits in the sink, so the clip starts with the second
  // The clip's conversion on the element's worker counts too.
  const double before = cpu_seconds();
  guint id = 0;
  g_signal_emit_by_name(speech, "push-clip", clip, caps, FALSE, &id);
  if (!id) fail("ttsmix refused the clip");
  // Converted on its worker meanwhile (the element tells nothing before it plays); a
  // clip of at most 10 s is made whole before it plays.
  std::this_thread::sleep_for(std::chrono::milliseconds(300 + 50 * seconds));
  *converting = cpu_seconds() - before;
  ItemSeen seen;
  const double used = *converting + run_to_eos(p, &seen);
  // Ducking must be on all along: the clip starts with the stream and plays whole.
  if (seen.started_ms < 0 || seen.started_ms > 20 || seen.finished != "done")
    fail("the clip did not play along the whole run (started at " +
         std::to_string(seen.started_ms) + " ms, finished: " + seen.finished + ")");
  gst_object_unref(speech);
  gst_object_unref(p);
  return used;
}

double cost_audiomixer(int seconds, GstBuffer *clip) {
  GstElement *p =
      launch(programme(seconds) + " ! mix.sink_0 appsrc name=clip format=time caps=" + kCaps +
             " ! mix.sink_1 audiomixer name=mix ! " + kCaps + " ! fakesink sync=false");
  GstElement *mix = gst_bin_get_by_name(GST_BIN(p), "mix");
  GstPad *bed = gst_element_get_static_pad(mix, "sink_0");
  g_object_set(bed, "volume", 0.2, nullptr);  // the duck level
  GstElement *src = gst_bin_get_by_name(GST_BIN(p), "clip");
  g_object_set(src, "max-bytes", G_GUINT64_CONSTANT(1) << 40, nullptr);
  // The clip in 10 ms pieces sharing its memory, all queued before the clock starts
  // (and counted).
  const double before = cpu_seconds();
  const gsize piece = kSamplesPerBuffer * kChannels * 2;
  const gsize size = gst_buffer_get_size(clip);
  for (gsize offset = 0, n = 0; offset < size; offset += piece, n++) {
    GstBuffer *b = gst_buffer_copy_region(clip, GST_BUFFER_COPY_MEMORY, offset, piece);
    GST_BUFFER_PTS(b) = gst_util_uint64_scale(n * kSamplesPerBuffer, GST_SECOND, kRate);
    GST_BUFFER_DURATION(b) = gst_util_uint64_scale(kSamplesPerBuffer, GST_SECOND, kRate);
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  const double queueing = cpu_seconds() - before;
  preroll(p);
  const double used = queueing + run_to_eos(p);
  gst_object_unref(src);
  gst_object_unref(bed);
  gst_object_unref(mix);
  gst_object_unref(p);
  return used;
}

int cost(int seconds, int rounds) {
  GstBuffer *clip = tone(seconds);
  GstCaps *caps = gst_caps_from_string(kCaps);
  std::vector<double> floor, ours, converting, anchor;
  for (int r = 0; r < rounds; r++) {
    floor.push_back(cost_floor(seconds) / seconds);
    double conversion = 0;
    ours.push_back(cost_ttsmix(seconds, clip, caps, &conversion) / seconds);
    converting.push_back(conversion / seconds);
    anchor.push_back(cost_audiomixer(seconds, clip) / seconds);
  }
  std::printf("CPU per second of stereo 48 kHz S16LE, ducking active, %d s x %d rounds, median\n",
              seconds, rounds);
  std::printf("  %-44s %8.3f ms\n", "programme alone (audiotestsrc ! fakesink)",
              median(floor) * 1e3);
  std::printf("  %-44s %8.3f ms\n", "ttsmix, a clip playing all along", median(ours) * 1e3);
  std::printf("  %-44s %8.3f ms\n", "  of which the clip's conversion (worker)",
              median(converting) * 1e3);
  std::printf("  %-44s %8.3f ms\n", "audiomixer, the same two streams", median(anchor) * 1e3);
  std::printf(
      "cost_floor_ms %.4f\ncost_ttsmix_ms %.4f\ncost_ttsmix_conversion_ms %.4f\n"
      "cost_audiomixer_ms %.4f\n",
      median(floor) * 1e3, median(ours) * 1e3, median(converting) * 1e3, median(anchor) * 1e3);
  gst_caps_unref(caps);
  gst_buffer_unref(clip);
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "espeak") return espeak(argc > 2 ? std::atoi(argv[2]) : 20);
  gst_init(&argc, &argv);
  if (mode == "latency" && argc > 2) return latency(argv[2], argc > 3 ? std::atoi(argv[3]) : 20);
  if (mode == "cost") {
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
    // ttsmix makes at most 10 s of an item ahead of its playback, and a non-live run
    // plays far faster than that: a longer clip would be measured with holes.
    if (seconds < 1 || seconds > 10) fail("cost takes 1 to 10 seconds a round");
    return cost(seconds, argc > 3 ? std::atoi(argv[3]) : 9);
  }
  std::fprintf(stderr,
               "usage: speech_bench latency CLIP.wav [items] | espeak [items] | cost [seconds] "
               "[rounds]\n");
  return 2;
}
