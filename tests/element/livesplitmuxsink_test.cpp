// livesplitmuxsink fed a real H.264 clip with a long keyframe interval through appsrc; ffprobe
// judges the files, also while the element is still running.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "element_test.h"

namespace {

namespace fs = std::filesystem;
using onair::BusPtr;
using onair::ElementPtr;
using onair::MessagePtr;
using onair::SamplePtr;
using onair::element_test::wait_for_message;

constexpr int kFps = 30;
// What the muxer may still hold when a fragment (250 ms) is not complete yet, in frames.
constexpr size_t kFragmentFrames = (kFps + 3) / 4;
constexpr GstClockTime kTimeout = 60 * GST_SECOND;  // only a guard against a hang

// An encoded test clip: its samples in decode order and which of them are keyframes.
struct Clip {
  std::vector<SamplePtr> samples;
  std::vector<size_t> keyframes;
};

// Runs `launch` (ending in `appsink name=out`) to its end; its samples.
Clip pull_clip(const std::string &launch) {
  GError *error = nullptr;
  ElementPtr pipeline(gst_parse_launch(launch.c_str(), &error));
  EXPECT_EQ(error, nullptr) << (error ? error->message : "");
  Clip clip;
  if (!pipeline) return clip;
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  while (SamplePtr sample{gst_app_sink_pull_sample(GST_APP_SINK(sink.get()))}) {
    if (!GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(sample.get()), GST_BUFFER_FLAG_DELTA_UNIT))
      clip.keyframes.push_back(clip.samples.size());
    clip.samples.push_back(std::move(sample));
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  return clip;
}

Clip encode(int frames, int keyframe_interval, int bframes) {
  return pull_clip("videotestsrc pattern=ball num-buffers=" + std::to_string(frames) +
                   " ! video/x-raw,width=160,height=120,framerate=" + std::to_string(kFps) +
                   "/1 ! x264enc speed-preset=superfast option-string=scenecut=0 key-int-max=" +
                   std::to_string(keyframe_interval) + " bframes=" + std::to_string(bframes) +
                   " b-adapt=false ! h264parse ! video/x-h264,stream-format=avc,alignment=au"
                   " ! appsink name=out sync=false");
}

// AAC, 1024 samples a frame at 32 kHz: 31.25 frames a second.
constexpr int kSoundRate = 32000;
constexpr double kSoundFrameSeconds = 1024.0 / kSoundRate;

Clip encode_sound(double seconds) {
  return pull_clip("audiotestsrc wave=ticks samplesperbuffer=1024 num-buffers=" +
                   std::to_string(static_cast<int>(seconds / kSoundFrameSeconds)) +
                   " ! audio/x-raw,rate=" + std::to_string(kSoundRate) +
                   ",channels=1 ! voaacenc ! aacparse ! appsink name=out sync=false");
}

// The key flag of each packet of one stream (`v:0`, `a:0`) of an MP4 file, in file order, as
// ffprobe reads it.
std::vector<bool> key_flags(const fs::path &file, const char *stream = "v:0") {
  const std::string command = std::string("ffprobe -v error -select_streams ") + stream +
                              " -show_entries packet=flags -of csv=p=0 '" + file.string() + "'";
  gchar *out = nullptr;
  gint status = 0;
  std::vector<bool> flags;
  if (!g_spawn_command_line_sync(command.c_str(), &out, nullptr, &status, nullptr)) return flags;
  gchar **lines = g_strsplit(out ? out : "", "\n", -1);
  for (gchar **line = lines; *line; line++)
    if (**line) flags.push_back((*line)[0] == 'K');
  g_strfreev(lines);
  g_free(out);
  return flags;
}

std::vector<size_t> key_indices(const std::vector<bool> &flags) {
  std::vector<size_t> out;
  for (size_t i = 0; i < flags.size(); i++)
    if (flags[i]) out.push_back(i);
  return out;
}

// appsrc ! livesplitmuxsink in a pipeline; counts what reaches the element's file sinks.
class LiveSplitMuxSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/livesplitmuxsink-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    fs::remove_all(dir_);
  }

  fs::path file(int index) const {
    char name[32];
    g_snprintf(name, sizeof name, "rec_%03d.mp4", index);
    return dir_ / name;
  }

  enum class Streams { kVideo, kSound, kBoth };

  void start(guint64 max_size_time = 0, Streams streams = Streams::kVideo) {
    const std::string src = " format=time handle-segment-change=true ! ";
    std::string launch =
        "livesplitmuxsink name=rec location=\"" + (dir_ / "rec_%03d.mp4").string() + "\"";
    if (streams != Streams::kSound) launch += " appsrc name=video" + src + "rec.video";
    if (streams != Streams::kVideo) launch += " appsrc name=sound" + src + "rec.audio_0";
    GError *error = nullptr;
    pipeline_.reset(gst_parse_launch(launch.c_str(), &error));
    ASSERT_EQ(error, nullptr) << error->message;
    video_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "video"));
    sound_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "sound"));
    rec_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "rec"));
    g_object_set(rec_.get(), "max-size-time", max_size_time, nullptr);
    g_signal_connect(rec_.get(), "deep-element-added", G_CALLBACK(on_element_added), this);
    bus_.reset(gst_element_get_bus(pipeline_.get()));
    ASSERT_NE(gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }

  static void push(GstElement *src, const Clip &clip, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
      ASSERT_EQ(gst_app_src_push_sample(GST_APP_SRC(src), clip.samples[i].get()), GST_FLOW_OK);
  }
  void push(const Clip &clip, size_t from, size_t to) { push(video_.get(), clip, from, to); }

  // Ends the stream; true once the pipeline posted EOS without an error.
  bool finish() {
    for (GstElement *src : {video_.get(), sound_.get()})
      if (src) gst_app_src_end_of_stream(GST_APP_SRC(src));
    MessagePtr m = wait_for_message(
        bus_.get(),
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT),
        kTimeout, [this](GstMessage *msg) {
          if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT) return true;
          const bool opened = gst_message_has_name(msg, "splitmuxsink-fragment-opened");
          if (opened) opened_++;
          guint64 rt = GST_CLOCK_TIME_NONE;
          if (gst_structure_get_uint64(gst_message_get_structure(msg), "running-time", &rt))
            (opened ? opened_at_ : closed_at_).push_back(rt);
          return false;
        });
    EXPECT_TRUE(m && GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_EOS) << error_text(m.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    return m && GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_EOS;
  }

  static std::string error_text(GstMessage *m) {
    if (!m) return "no EOS";
    if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR) return "";
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(m, &error, &debug);
    std::string text = std::string(error->message) + " (" + (debug ? debug : "") + ")";
    g_error_free(error);
    g_free(debug);
    return text;
  }

  // Waits, one write at a time, until `holds()` (which reads the files) is true; false only
  // when the guard timeout passed.
  bool wait_until_files(const std::function<bool()> &holds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kTimeout);
    size_t seen = 0;
    for (;;) {
      GstPad *pad = nullptr;
      {
        std::unique_lock lock(mutex_);
        if (!cond_.wait_until(lock, deadline, [&] { return writes_ != seen; })) return false;
        seen = writes_;
        pad = GST_PAD(gst_object_ref(last_sink_pad_));
      }
      // The write under way when the count changed is on disk once its pad is idle.
      wait_idle(pad);
      gst_object_unref(pad);
      if (holds()) return true;
    }
  }

  // Waits until `path` holds at least `frames` video frames; how many it holds then (fewer
  // only when the guard timeout passed).
  size_t wait_until_file_holds(const fs::path &path, size_t frames) {
    size_t held = 0;
    wait_until_files([&] { return (held = key_flags(path).size()) >= frames; });
    return held;
  }

  void wait_idle(GstPad *pad) {
    std::unique_lock lock(mutex_);
    idle_ = false;
    lock.unlock();
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_IDLE,
        [](GstPad *, GstPadProbeInfo *, gpointer data) {
          auto *self = static_cast<LiveSplitMuxSinkTest *>(data);
          std::lock_guard l(self->mutex_);
          self->idle_ = true;
          self->cond_.notify_all();
          return GST_PAD_PROBE_REMOVE;
        },
        this, nullptr);
    lock.lock();
    cond_.wait(lock, [&] { return idle_; });
  }

  static void on_element_added(GstBin *, GstBin *, GstElement *element, gpointer data) {
    GstElementFactory *factory = gst_element_get_factory(element);
    if (!factory || !g_str_equal(GST_OBJECT_NAME(factory), "filesink")) return;
    GstPad *pad = gst_element_get_static_pad(element, "sink");
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *p, GstPadProbeInfo *, gpointer d) {
          auto *self = static_cast<LiveSplitMuxSinkTest *>(d);
          std::lock_guard lock(self->mutex_);
          if (self->last_sink_pad_ != p) {
            if (self->last_sink_pad_) gst_object_unref(self->last_sink_pad_);
            self->last_sink_pad_ = GST_PAD(gst_object_ref(p));
          }
          self->writes_++;
          self->cond_.notify_all();
          return GST_PAD_PROBE_OK;
        },
        data, nullptr);
    gst_object_unref(pad);
  }

  // Every file written, in order, with its packets' key flags of one stream.
  std::vector<std::vector<bool>> files(const char *stream = "v:0") const {
    std::vector<std::vector<bool>> out;
    for (int i = 0; fs::exists(file(i)); i++) out.push_back(key_flags(file(i), stream));
    return out;
  }

  fs::path dir_;
  ElementPtr pipeline_, video_, sound_, rec_;
  BusPtr bus_;
  std::mutex mutex_;
  std::condition_variable cond_;
  size_t writes_ = 0;
  int opened_ = 0;  // splitmuxsink-fragment-opened messages seen by finish()
  // The running times of the fragment messages finish() saw, in order.
  std::vector<guint64> opened_at_, closed_at_;
  GstPad *last_sink_pad_ = nullptr;
  bool idle_ = false;

 public:
  ~LiveSplitMuxSinkTest() override {
    if (last_sink_pad_) gst_object_unref(last_sink_pad_);
  }
};

class LongGop : public LiveSplitMuxSinkTest, public ::testing::WithParamInterface<int> {};

// 15 s with a keyframe every 10 s: while the first GOP is still going, the file already holds
// all but the last fragment of what was pushed; at the end, the sender's keyframes are the
// file's sync samples and every frame is there.
TEST_P(LongGop, HoldsBackOnlyTheLastFragmentAndKeepsTheSendersKeyframes) {
  const int bframes = GetParam();
  const Clip clip = encode(15 * kFps, 10 * kFps, bframes);
  ASSERT_EQ(clip.samples.size(), 15u * kFps);
  ASSERT_EQ(clip.keyframes, (std::vector<size_t>{0, 10 * kFps}));

  start();
  const size_t pushed = 7 * kFps;  // 7 s into the first 10 s GOP, no EOS
  push(clip, 0, pushed);
  // Besides the fragment under way: the muxer's one held sample, and with B-frames the
  // reorder (a P-frame is only released once the B-frames shown before it have come).
  const size_t held_back = kFragmentFrames + 1 + (bframes > 0 ? bframes + 1 : 0);
  EXPECT_GE(wait_until_file_holds(file(0), pushed - held_back), pushed - held_back);
  EXPECT_EQ(MessagePtr(gst_bus_pop_filtered(bus_.get(), GST_MESSAGE_ERROR)), nullptr);

  push(clip, pushed, clip.samples.size());
  ASSERT_TRUE(finish());
  const auto written = files();
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].size(), clip.samples.size());
  EXPECT_EQ(key_indices(written[0]), clip.keyframes);
}

INSTANTIATE_TEST_SUITE_P(BFrames, LongGop, ::testing::Values(0, 2),
                         [](const auto &info) { return "bframes" + std::to_string(info.param); });

// split-after mid-GOP: the next keyframe starts the next file, none before it.
TEST_F(LiveSplitMuxSinkTest, SplitAfterStartsTheNextFileAtTheNextKeyframe) {
  const Clip clip = encode(6 * kFps, 2 * kFps, 2);
  ASSERT_EQ(clip.keyframes, (std::vector<size_t>{0, 2 * kFps, 4 * kFps}));
  start();
  // Past the second keyframe (it is in the file), in the middle of its GOP.
  push(clip, 0, 3 * kFps);
  ASSERT_GT(wait_until_file_holds(file(0), 2 * kFps + 1), 2u * kFps);
  g_signal_emit_by_name(rec_.get(), "split-after");
  push(clip, 3 * kFps, clip.samples.size());
  ASSERT_TRUE(finish());

  const auto written = files();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(opened_, 2);  // splitmuxsink's messages come through the bin
  EXPECT_EQ(written[0].size(), 4u * kFps);
  EXPECT_EQ(key_indices(written[0]), (std::vector<size_t>{0, 2 * kFps}));
  EXPECT_EQ(written[1].size(), 2u * kFps);
  EXPECT_EQ(key_indices(written[1]), (std::vector<size_t>{0}));
}

// max-size-time 2 s with keyframes every 1.5 s: a new file at the first keyframe at least 2 s
// into the current one (3 s), never at a released frame.
TEST_F(LiveSplitMuxSinkTest, MaxSizeTimeSplitsAtKeyframesOnly) {
  const Clip clip = encode(6 * kFps, kFps * 3 / 2, 2);
  ASSERT_EQ(clip.keyframes, (std::vector<size_t>{0, 45, 90, 135}));
  start(2 * GST_SECOND);
  push(clip, 0, clip.samples.size());
  ASSERT_TRUE(finish());

  const auto written = files();
  ASSERT_EQ(written.size(), 2u);
  for (const auto &flags : written) {
    ASSERT_FALSE(flags.empty());
    EXPECT_TRUE(flags[0]);
    EXPECT_EQ(key_indices(flags), (std::vector<size_t>{0, 45}));
  }
  EXPECT_EQ(written[0].size() + written[1].size(), clip.samples.size());
  // The files' messages carry their real bounds: a file opens at its first keyframe and
  // closes where the next one opens, the last one at the end of the latest frame.
  const auto at = [](size_t frame) { return gst_util_uint64_scale(frame, GST_SECOND, kFps); };
  EXPECT_EQ(opened_at_, (std::vector<guint64>{at(0), at(90)}));
  ASSERT_EQ(closed_at_.size(), 2u);
  EXPECT_EQ(closed_at_[0], at(90));
  // The last frame's time and duration are each truncated to the nanosecond.
  EXPECT_NEAR(static_cast<double>(closed_at_[1]), static_cast<double>(at(180)), 2.0);
}

}  // namespace

namespace {

// Sound beside the video: both streams reach the file as they come, 7 s into a 10 s GOP.
TEST_F(LiveSplitMuxSinkTest, SoundBesideTheVideoIsWrittenAsItComes) {
  const Clip video = encode(10 * kFps, 10 * kFps, 2);
  const Clip sound = encode_sound(10);
  ASSERT_FALSE(sound.samples.empty());
  start(0, Streams::kBoth);
  const size_t pushed = 7 * kFps;
  const size_t sound_pushed = static_cast<size_t>(7 / kSoundFrameSeconds);
  push(video_.get(), video, 0, pushed);
  push(sound_.get(), sound, 0, sound_pushed);
  const size_t held_back = kFragmentFrames + 1 + 3;
  // The sound is written up to where the video is, less a fragment of its own.
  const size_t sound_expected =
      static_cast<size_t>((pushed - held_back) / double(kFps) / kSoundFrameSeconds) -
      static_cast<size_t>(0.25 / kSoundFrameSeconds) - 1;
  size_t frames = 0, sound_frames = 0;
  EXPECT_TRUE(wait_until_files([&] {
    frames = key_flags(file(0)).size();
    sound_frames = key_flags(file(0), "a:0").size();
    return frames >= pushed - held_back && sound_frames >= sound_expected;
  })) << frames
      << " video and " << sound_frames << " sound frames";

  push(video_.get(), video, pushed, video.samples.size());
  push(sound_.get(), sound, sound_pushed, sound.samples.size());
  ASSERT_TRUE(finish());
  ASSERT_EQ(files().size(), 1u);
  EXPECT_EQ(files()[0].size(), video.samples.size());
  EXPECT_EQ(files("a:0")[0].size(), sound.samples.size());
}

// Without a video pad the sound goes through splitmuxsink, which splits it by max-size-time.
TEST_F(LiveSplitMuxSinkTest, SoundAloneIsSplitBySplitmuxsink) {
  const Clip sound = encode_sound(3);
  start(GST_SECOND, Streams::kSound);
  push(sound_.get(), sound, 0, sound.samples.size());
  ASSERT_TRUE(finish());
  const auto written = files("a:0");
  EXPECT_GE(written.size(), 3u);
  size_t total = 0;
  for (const auto &flags : written) total += flags.size();
  EXPECT_EQ(total, sound.samples.size());
}

}  // namespace
