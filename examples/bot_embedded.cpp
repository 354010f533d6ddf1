// A bot that goes live from inside its own process: it loads the `x` pipeline
// file through the onair-embed library (the values, checks, secrets and
// expansion of `onair run`), pushes the frames it renders and the speech it
// makes into the pipeline's feedsrc elements, posts chat lines to the
// overlay, and runs the app's supervision and web server in-process.
//
//   ONAIR_STREAM_KEY=... bot_embedded rtmp://host/app [seconds] [--http PORT]
//
// The key comes from the environment so it never shows in process lists.
// The pipeline file is looked up where `onair` looks (ONAIR_PIPELINE_PATH
// first). See docs/embedding.md; examples/bot.py does the same from Python
// through `onair run`.
#include <onair/embed.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kWidth = 854, kHeight = 480, kFps = 30, kRate = 44100;
// What the bot says, again and again: seconds of speech, seconds of pause.
constexpr double kSpeech[][2] = {{1.0, 1.0}, {0.6, 1.4}, {1.4, 0.8}};

// Frame `n` of a moving picture, BGRA; a dark bar while the bot speaks.
GstBuffer *render_frame(int n, bool speaking) {
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, kWidth * kHeight * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  for (int y = 0; y < kHeight; y++)
    for (int x = 0; x < kWidth; x++) {
      guint8 *p = map.data + (y * kWidth + x) * 4;
      const bool mouth = speaking && y >= kHeight * 2 / 3 && y < kHeight * 2 / 3 + kHeight / 12 &&
                         x >= kWidth / 3 && x < kWidth * 2 / 3;
      p[0] = mouth ? 0 : static_cast<guint8>(x + 4 * n);                       // blue
      p[1] = mouth ? 0 : static_cast<guint8>(y + 2 * n);                       // green
      p[2] = mouth ? 0 : static_cast<guint8>(128 + 127 * std::sin(n / 20.0));  // red
      p[3] = 255;
    }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

// An utterance, as a speech engine hands it over: a tone whose loudness rises
// and falls four times a second, S16LE stereo.
GstBuffer *utter(double seconds) {
  const int samples = static_cast<int>(seconds * kRate);
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, samples * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  auto *s = reinterpret_cast<gint16 *>(map.data);
  for (int i = 0; i < samples; i++) {
    const double t = static_cast<double>(i) / kRate;
    const double level = 9000 * (0.7 + 0.3 * std::sin(2 * M_PI * 4 * t));
    s[2 * i] = s[2 * i + 1] = static_cast<gint16>(level * std::sin(2 * M_PI * 440 * t));
  }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

// Pushes into a feedsrc (or appsrc: the signal is the same); false once the
// element stopped taking data.
bool push(GstElement *source, GstBuffer *buffer) {
  GstFlowReturn ret = GST_FLOW_ERROR;
  g_signal_emit_by_name(source, "push-buffer", buffer, &ret);
  gst_buffer_unref(buffer);  // push-buffer keeps its own reference
  return ret == GST_FLOW_OK;
}

// The bot's threads: frames, speech and chat, until `seconds` passed or stop().
class Bot {
 public:
  Bot(onair::Channel &channel, double seconds) : channel_(channel), seconds_(seconds) {}
  ~Bot() { join(); }

  void start() {
    threads_.emplace_back([this] { frames(); });
    threads_.emplace_back([this] { speak(); });
    threads_.emplace_back([this] { chat(); });
  }
  void join() {
    for (auto &t : threads_) t.join();
    threads_.clear();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  int frames_pushed() const { return frames_; }
  double seconds_said() const { return said_; }
  int chat_lines() const { return chat_; }

 private:
  using Clock = std::chrono::steady_clock;
  // Waits until `when` or stop(); true when stopping.
  bool wait_until(Clock::time_point when) {
    std::unique_lock lock(mutex_);
    return wake_.wait_until(lock, when, [this] { return stopping_; });
  }
  Clock::time_point end() const {
    return start_ +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds_));
  }

  void frames() {
    GstElement *video = channel_.element("video_in");
    for (int n = 0; Clock::now() < end(); n++) {
      if (!push(video, render_frame(n, speaking_))) break;
      frames_ = n + 1;
      // Paced by our own clock; a late frame is not made up by skipping.
      if (wait_until(start_ + std::chrono::microseconds(1000000LL * (n + 1) / kFps))) break;
    }
    gst_object_unref(video);
    // Like an interrupt of `onair run`: the picture and the sound end together
    // and the outputs finish; run() then returns.
    channel_.stop();
    stop();
  }

  void speak() {
    GstElement *audio = channel_.element("audio_in");
    for (int n = 0;; n++) {
      const auto &[seconds, pause] = kSpeech[n % 3];
      speaking_ = true;
      if (!push(audio, utter(seconds))) break;
      said_ += seconds;
      const auto at = Clock::now();
      if (wait_until(at + std::chrono::milliseconds(static_cast<int>(seconds * 1000)))) break;
      speaking_ = false;
      if (wait_until(at + std::chrono::milliseconds(static_cast<int>((seconds + pause) * 1000))))
        break;
    }
    gst_object_unref(audio);
  }

  void chat() {
    GstElement *overlay = channel_.element("overlay");  // absent with -s overlay=off
    const char *lines[] = {"hello, chat!", "I render my own frames", "and speak when I like"};
    for (int n = 0; overlay && !wait_until(Clock::now() + std::chrono::seconds(2)); n++) {
      gboolean shown = FALSE;
      g_signal_emit_by_name(overlay, "add-chat", "bot", lines[n % 3], "", &shown);
      if (shown) chat_++;
    }
    if (overlay) gst_object_unref(overlay);
  }

  onair::Channel &channel_;
  const double seconds_;
  const Clock::time_point start_ = Clock::now();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> speaking_{false};
  std::atomic<int> frames_{0}, chat_{0};
  std::atomic<double> said_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  onair::RunOptions run;
  for (size_t i = 0; i < args.size(); i++)
    if (args[i] == "--http" && i + 1 < args.size()) {
      run.http = true;
      run.http_port = std::atoi(args[i + 1].c_str());
      args.erase(args.begin() + i, args.begin() + i + 2);
      break;
    }
  if (args.empty() || args[0].rfind("-", 0) == 0) {
    std::fprintf(stderr, "usage: ONAIR_STREAM_KEY=... %s rtmp://host/app [seconds] [--http PORT]\n",
                 argv[0]);
    return 2;
  }
  if (!g_getenv("ONAIR_STREAM_KEY")) {
    std::fprintf(stderr, "set ONAIR_STREAM_KEY to the stream key\n");
    return 2;
  }
  const double seconds = args.size() > 1 ? std::atof(args[1].c_str()) : 30;
  run.status_interval = 5;

  try {
    // The same values as `onair run x -s source=app ...`; the key is read
    // from the environment by the library, never passed around.
    onair::Channel channel = onair::Channel::load(
        "x", {{"key", "env:ONAIR_STREAM_KEY"}, {"server", args[0]}, {"source", "app"}});
    for (const std::string &warning : channel.warnings())
      std::fprintf(stderr, "warning: %s\n", warning.c_str());
    Bot bot(channel, seconds);
    run.on_playing = [&] {
      if (run.http) std::printf("status: %sapi/status\n", channel.http_url().c_str());
      std::fflush(stdout);
      bot.start();
    };
    const int code = channel.run(run);  // until channel.stop() or an error
    bot.stop();
    bot.join();
    std::printf("bot: %d frames, said %.1f s, %d chat lines shown, exit code %d\n",
                bot.frames_pushed(), bot.seconds_said(), bot.chat_lines(), code);
    return code;
  } catch (const onair::Error &e) {
    // Secrets are already hidden in the message.
    std::fprintf(stderr,
                 "bot_embedded: %s\n(run it as: meson devenv -C build -w . "
                 "build/examples/bot_embedded ... from a build tree)\n",
                 e.what());
    return 1;
  }
}
