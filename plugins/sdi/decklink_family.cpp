#include "decklink_family.h"

#include <dlfcn.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "core/decklink_modes.h"
#include "core/no_signal_timeline.h"
#include "core/signal_health.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "sdi_glue.h"

namespace onair::sdi {
namespace {

// Blackmagic's driver library, which GStreamer's decklink plugin dlopens by this name.
constexpr char kDeckLinkLibrary[] = "libDeckLinkAPI.so";
// DeckLink cards give 2, 8 or 16 embedded channels (decklinkaudiosrc's `channels`).
constexpr unsigned kDecklinkChannelCounts[] = {2, 8, 16};
constexpr int kAudioRate = 48000;  // SDI embedded audio's rate
// decklinkvideosrc delivers a frame every period, flagged when the cable carries nothing; GStreamer
// 1.22's decklink plugin has no removal notification, so a device that went away (unplugged,
// driver reset) only shows as frames no longer coming. This long without one counts as gone.
constexpr int64_t kSilenceMeansGone = GST_SECOND;
// An input that never delivers after being started (longer: starting takes a while on a busy
// machine) counts as failing to open.
constexpr int64_t kFirstFrameWithin = 3 * GST_SECOND;
// How long the capture thread waits for a frame before looking at the clock again (fillers,
// retries, silence) when nothing else is due sooner.
constexpr int64_t kPollPeriod = 100 * GST_MSECOND;
// Frames (and audio buffers) the capture pipeline keeps for the capture thread; older ones are
// dropped beyond this, as decklinkvideosrc's own queue does.
constexpr guint kQueueFrames = 8;

// GStreamer's decklink plugin loads the driver when it first lists devices; once it has, the
// library is in the process (RTLD_NOLOAD finds it without loading anything).
bool driver_loaded() {
  void *handle = dlopen(kDeckLinkLibrary, RTLD_LAZY | RTLD_NOLOAD);
  if (handle) dlclose(handle);
  return handle != nullptr;
}

uint64_t sample_at(int64_t time) {
  return gst_util_uint64_scale_round(static_cast<guint64>(time), kAudioRate, GST_SECOND);
}

GstClockTime time_of_sample(uint64_t sample) {
  return gst_util_uint64_scale_int(sample, GST_SECOND, kAudioRate);
}

GstElement *make_output(const char *name) {
  GstElement *appsrc = gst_element_factory_make("appsrc", name);
  if (appsrc)
    g_object_set(appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "block",
                 FALSE, "max-bytes", static_cast<guint64>(0), nullptr);
  return appsrc;
}

std::string error_text(GstMessage *message) {
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string text = error->message;
  if (debug) text += std::string(" (") + debug + ")";
  g_error_free(error);
  g_free(debug);
  return text;
}

// The DeckLink family. GStreamer's decklinkvideosrc and decklinkaudiosrc run in a pipeline of
// their own (on sdisrc's clock and base time), so that a busy or vanished card can be torn down
// and opened again while sdisrc's pads stay up: a capture thread takes their frames and audio to
// sdisrc's two appsrcs, and sends fillers (slate or black, with silence) in their place while
// the card is away, on the shared no-signal timeline so timestamps neither stall, jump nor step
// back. Their errors stay on that pipeline's bus and become sdisrc-error messages.
class DecklinkFamily final : public SdiFamily {
 public:
  DecklinkFamily(GstElement *owner, const PortSettings &settings)
      : owner_(owner), settings_(settings), timeline_(NoSignalPolicy::black) {}

  ~DecklinkFamily() override {
    stop();
    clear_buffers();
  }

  bool attach(GstBin *bin, GstPad **video, GstPad **audio) override {
    const ModeRequestParse mode = parse_mode_request(settings_.mode);
    const NoSignalPolicyParse policy = parse_no_signal_policy(settings_.no_signal);
    if (!mode.request || !policy.policy) {
      GST_ELEMENT_ERROR(owner_, RESOURCE, SETTINGS,
                        ("%s", (mode.request ? policy.error : mode.error).c_str()), (nullptr));
      return false;
    }
    policy_ = *policy.policy;
    timeline_ = NoSignalTimeline(policy_);
    fixed_ = mode.request->fixed;
    if (std::ranges::find(kDecklinkChannelCounts, settings_.audio_channels) ==
        std::end(kDecklinkChannelCounts)) {
      GST_ELEMENT_ERROR(
          owner_, RESOURCE, SETTINGS,
          ("DeckLink cards give 2, 8 or 16 audio channels, not %u", settings_.audio_channels),
          (nullptr));
      return false;
    }
    if (!find_device()) return false;
    for (const char *factory : {"decklinkvideosrc", "decklinkaudiosrc"}) {
      GstElementFactory *found = gst_element_factory_find(factory);
      if (!found) {
        GST_ELEMENT_ERROR(owner_, CORE, MISSING_PLUGIN,
                          ("The DeckLink backend needs GStreamer's decklink plugin "
                           "(gst-plugins-bad)"),
                          (nullptr));
        return false;
      }
      gst_object_unref(found);
    }
    video_out_ = make_output("decklink-video");
    audio_out_ = make_output("decklink-audio");
    if (!video_out_ || !audio_out_) {
      GST_ELEMENT_ERROR(owner_, CORE, MISSING_PLUGIN,
                        ("sdisrc needs the appsrc element (gst-plugins-base) for its pads"),
                        (nullptr));
      for (GstElement **element : {&video_out_, &audio_out_})
        if (*element) gst_object_unref(gst_object_ref_sink(*element));
      video_out_ = audio_out_ = nullptr;
      return false;
    }
    GstAudioInfo audio_info;
    gst_audio_info_set_format(&audio_info, GST_AUDIO_FORMAT_S16LE, kAudioRate,
                              static_cast<gint>(settings_.audio_channels), nullptr);
    audio_bytes_per_sample_ = GST_AUDIO_INFO_BPF(&audio_info);
    GstCaps *audio_caps = gst_audio_info_to_caps(&audio_info);
    g_object_set(audio_out_, "caps", audio_caps, nullptr);
    gst_caps_unref(audio_caps);
    gst_bin_add_many(bin, video_out_, audio_out_, nullptr);
    *video = gst_element_get_static_pad(video_out_, "src");
    *audio = gst_element_get_static_pad(audio_out_, "src");
    return true;
  }

  void detach(GstBin *bin) override {
    stop();
    for (GstElement **element : {&video_out_, &audio_out_}) {
      if (!*element) continue;
      gst_bin_remove(bin, *element);
      *element = nullptr;
    }
    clear_buffers();
  }

  void set_playing(bool playing) override {
    if (!playing) {
      stop();
      return;
    }
    stop();
    std::lock_guard lock(mutex_);
    stopping_ = false;
    worker_ = std::thread([this] { onair::guarded(owner_, [this] { run(); }); });
  }

 private:
  // The device must be one DeckLink input (DeckLink devices have one input each: port 0).
  bool find_device() {
    const std::vector<DecklinkDevice> devices = list_decklink_devices();
    const bool found = settings_.port == 0 && std::ranges::any_of(devices, [&](const auto &d) {
                         return d.number == settings_.device;
                       });
    if (found) return true;
    const bool library = driver_loaded();
    const ErrorKind kind = library ? ErrorKind::not_found : ErrorKind::library_missing;
    const std::string detail = library ? "no DeckLink device " + std::to_string(settings_.device) +
                                             " input " + std::to_string(settings_.port) + " (" +
                                             std::to_string(devices.size()) +
                                             " DeckLink inputs found; each has port 0 only)"
                                       : std::string(kDeckLinkLibrary) + " is not installed";
    post(health_.failed(kind, detail, monotonic_now()));
    if (library)
      GST_ELEMENT_ERROR(owner_, RESOURCE, NOT_FOUND, ("%s", detail.c_str()), (nullptr));
    else
      GST_ELEMENT_ERROR(owner_, LIBRARY, INIT,
                        ("Blackmagic's DeckLink driver (%s) could not be loaded: install "
                         "Desktop Video",
                         kDeckLinkLibrary),
                        (nullptr));
    return false;
  }

  void post(const std::optional<HealthMessage> &message) { post_health(owner_, message); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    woken_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  void clear_buffers() {
    gst_clear_caps(&card_caps_);
    gst_clear_caps(&pushed_caps_);
    gst_clear_caps(&filler_caps_);
    gst_clear_buffer(&filler_);
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  // The capture thread, from sdisrc's PLAYING to its PAUSED: opens the input, moves its frames
  // out, sends fillers while it is away and opens it again when the health model says so.
  void run() {
    if (!waiting_to_retry()) open_capture();
    while (!stopping()) {
      int64_t wait = kPollPeriod;
      const int64_t now = running_time_now(owner_);
      if (auto due = timeline_.next_filler_due(); due && now != kUnknownTime)
        wait = std::clamp<int64_t>(*due - now, 0, wait);
      if (!capture_ && waiting_to_retry())
        wait = std::clamp<int64_t>(health_.status().retry_at - monotonic_now(), 0, wait);
      if (capture_) {
        GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(capture_video_),
                                                         static_cast<GstClockTime>(wait));
        if (sample) {
          card_frame(sample);
          gst_sample_unref(sample);
        }
        watch_capture();
      } else {
        std::unique_lock lock(mutex_);
        woken_.wait_for(lock, std::chrono::nanoseconds(wait), [this] { return stopping_; });
        lock.unlock();
        if (health_.retry_due(monotonic_now())) open_capture();
      }
      if (const int64_t at = running_time_now(owner_); at != kUnknownTime)
        push_fillers(timeline_.fillers_due(at));
    }
    close_capture();
  }

  bool waiting_to_retry() const {
    return health_.status().state == HealthState::error && health_.status().retrying;
  }

  // decklinkvideosrc and decklinkaudiosrc into appsinks, in a pipeline on sdisrc's clock and
  // base time, so their timestamps are sdisrc's running time.
  void open_capture() {
    GstClock *clock = gst_element_get_clock(owner_);
    if (!clock) return;
    capture_ = gst_pipeline_new("decklink-capture");
    GstElement *video = gst_element_factory_make("decklinkvideosrc", "video");
    GstElement *audio = gst_element_factory_make("decklinkaudiosrc", "audio");
    GstElement *audio_format = gst_element_factory_make("capsfilter", "audio-format");
    capture_video_ = gst_element_factory_make("appsink", "video-sink");
    GstElement *audio_sink = gst_element_factory_make("appsink", "audio-sink");
    gst_bin_add_many(GST_BIN(capture_), video, audio, audio_format, capture_video_, audio_sink,
                     nullptr);
    gst_element_link(video, capture_video_);
    gst_element_link_many(audio, audio_format, audio_sink, nullptr);

    // Its frames without signal come through whatever the policy (card_frame() drops them for
    // `drop`): they tell the input is still there.
    g_object_set(video, "device-number", static_cast<gint>(settings_.device), nullptr);
    gst_util_set_object_arg(G_OBJECT(video), "mode",
                            fixed_ ? decklink_mode_nick(*fixed_).c_str() : "auto");
    g_object_set(audio, "device-number", static_cast<gint>(settings_.device), nullptr);
    gst_util_set_object_arg(G_OBJECT(audio), "channels",
                            std::to_string(settings_.audio_channels).c_str());
    // sdisrc's audio is S16LE: decklinkaudiosrc asks the card for it when downstream says so.
    GstCaps *s16 = gst_caps_from_string("audio/x-raw, format = (string) S16LE");
    g_object_set(audio_format, "caps", s16, nullptr);
    gst_caps_unref(s16);
    for (GstElement *sink : {capture_video_, audio_sink})
      g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", kQueueFrames, "drop", TRUE,
                   nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = [](GstAppSink *sink, gpointer data) {
      auto *self = static_cast<DecklinkFamily *>(data);
      onair::guarded(self->owner_, [&] {
        if (GstSample *sample = gst_app_sink_pull_sample(sink)) {
          self->card_audio(gst_sample_get_buffer(sample));
          gst_sample_unref(sample);
        }
      });
      return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(audio_sink), &callbacks, this, nullptr);

    gst_pipeline_use_clock(GST_PIPELINE(capture_), clock);
    gst_object_unref(clock);
    gst_element_set_start_time(capture_, GST_CLOCK_TIME_NONE);
    gst_element_set_base_time(capture_, gst_element_get_base_time(owner_));
    capture_frames_ = 0;
    capture_opened_at_ = monotonic_now();
    if (gst_element_set_state(capture_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      capture_failed(capture_error("the DeckLink input could not be started"));
  }

  void close_capture() {
    if (!capture_) return;
    gst_element_set_state(capture_, GST_STATE_NULL);
    gst_object_unref(capture_);
    capture_ = capture_video_ = nullptr;
  }

  // What the capture pipeline's bus says went wrong, if it said anything.
  std::optional<std::string> pop_capture_error() {
    GstBus *bus = gst_element_get_bus(capture_);
    GstMessage *message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    if (!message) return std::nullopt;
    std::string text = error_text(message);
    gst_message_unref(message);
    return text;
  }

  std::string capture_error(const std::string &otherwise) {
    return pop_capture_error().value_or(otherwise);
  }

  // A failure of the open capture: an error of GStreamer's elements, or frames no longer coming.
  void watch_capture() {
    if (std::optional<std::string> error = pop_capture_error()) {
      capture_failed(*error);
      return;
    }
    const int64_t now = monotonic_now();
    if (capture_frames_ == 0 && now - capture_opened_at_ >= kFirstFrameWithin)
      capture_failed("the DeckLink input delivered nothing after it was started");
    else if (capture_frames_ > 0 && now - last_frame_at_ >= kSilenceMeansGone)
      capture_failed("the DeckLink input stopped delivering frames (device removed?)");
  }

  // The capture is torn down and retried after the health model's wait; fillers meanwhile. An
  // input that delivered went away; one that never did is held by another application (the only
  // failure decklinkvideosrc reports before its first frame), or, retried, still what it was.
  void capture_failed(const std::string &detail) {
    const bool delivered = capture_frames_ > 0;
    close_capture();
    ErrorKind kind = ErrorKind::busy;
    std::string text = detail;
    if (delivered) {
      kind = ErrorKind::gone;
    } else if (health_.status().state == HealthState::error) {
      kind = health_.status().error;
    } else {
      text = "the DeckLink input could not be enabled (held by another application?): " + detail;
    }
    post(health_.failed(kind, text, monotonic_now()));
    if (health_.fatal()) {
      GST_ELEMENT_ERROR(owner_, RESOURCE, BUSY,
                        ("DeckLink device %u is unusable: %s", settings_.device, text.c_str()),
                        (nullptr));
      return;
    }
    const int64_t now = running_time_now(owner_);
    const SdiMode *mode = fixed_ ? fixed_ : card_mode_;
    if (mode && now != kUnknownTime) timeline_.signal_lost(*mode, now);
    discont_ = policy_ == NoSignalPolicy::drop;
    std::lock_guard lock(audio_mutex_);
    audio_resync_ = true;
  }

  // A frame of decklinkvideosrc: its caps give the mode, its GAP flag a card without input
  // (the same flag that drives its `signal` property), shown as the no-signal policy says.
  void card_frame(GstSample *sample) {
    if (capture_frames_++ == 0) post(health_.opened());
    last_frame_at_ = monotonic_now();
    GstCaps *caps = gst_sample_get_caps(sample);
    if (caps && (!card_caps_ || !gst_caps_is_equal(caps, card_caps_))) card_caps_changed(caps);
    GstBuffer *frame = gst_sample_get_buffer(sample);
    if (!frame || !card_caps_ || !GST_BUFFER_PTS_IS_VALID(frame) ||
        !GST_BUFFER_DURATION_IS_VALID(frame))
      return;
    const bool no_input = GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_GAP);
    if (no_input)
      post(health_.signal_lost());
    else if (card_mode_)
      post(health_.signal_locked(*card_mode_));
    const bool dropped = no_input && policy_ == NoSignalPolicy::drop;
    dropping_card_audio_ = dropped;
    if (dropped) {
      discont_ = true;
      return;
    }
    const RealFramePlacement placement =
        timeline_.real_frame(static_cast<int64_t>(GST_BUFFER_PTS(frame)),
                             static_cast<int64_t>(GST_BUFFER_DURATION(frame)));
    push_fillers(placement.fillers);
    if (!placement.frame) return;
    GstBuffer *out = nullptr;
    if (no_input) {
      out = filler_copy(card_caps_);
      GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_GAP);
    } else {
      out = gst_buffer_copy(frame);  // shares the frame's memory
    }
    stamp(out, *placement.frame);
    if (discont_) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
    discont_ = false;
    push_video(out, card_caps_);
  }

  void card_caps_changed(GstCaps *caps) {
    gst_caps_replace(&card_caps_, caps);
    GstVideoInfo info;
    card_mode_ = nullptr;
    if (gst_video_info_from_caps(&info, caps))
      card_mode_ = find_sdi_mode(GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                                 GST_VIDEO_INFO_FPS_N(&info), GST_VIDEO_INFO_FPS_D(&info),
                                 GST_VIDEO_INFO_IS_INTERLACED(&info));
  }

  // A filler in `caps`: the slate or black, made once per format, its memory shared.
  GstBuffer *filler_copy(GstCaps *caps) {
    if (!filler_ || !gst_caps_is_equal(caps, filler_caps_)) {
      GstVideoInfo info;
      if (!gst_video_info_from_caps(&info, caps)) return gst_buffer_new();
      gst_clear_buffer(&filler_);
      filler_ = filler_frame(info, policy_, "DeckLink device " + std::to_string(settings_.device));
      gst_caps_replace(&filler_caps_, caps);
    }
    return gst_buffer_copy(filler_);
  }

  // Fillers while the card is away, in the card's last caps when they are of the mode being
  // filled, else in that mode as 8-bit 4:2:2 (no frame seen yet), with silence alongside.
  void push_fillers(const std::vector<FrameSpan> &spans) {
    const SdiMode *mode = fixed_ ? fixed_ : card_mode_;
    if (spans.empty() || !mode) return;
    GstCaps *caps = nullptr;
    if (card_caps_ && card_mode_ == mode) {
      caps = gst_caps_ref(card_caps_);
    } else {
      GstVideoInfo info = mode_video_info(*mode, GST_VIDEO_FORMAT_UYVY);
      caps = gst_video_info_to_caps(&info);
    }
    for (const FrameSpan &span : spans) {
      GstBuffer *filler = filler_copy(caps);
      stamp(filler, span);
      GST_BUFFER_FLAG_SET(filler, GST_BUFFER_FLAG_GAP);
      push_video(filler, caps);
      push_silence_until(span.end());
    }
    gst_caps_unref(caps);
  }

  static void stamp(GstBuffer *buffer, const FrameSpan &span) {
    GST_BUFFER_PTS(buffer) = static_cast<GstClockTime>(span.pts);
    GST_BUFFER_DURATION(buffer) = static_cast<GstClockTime>(span.duration);
  }

  void push_video(GstBuffer *buffer, GstCaps *caps) {
    if (!pushed_caps_ || !gst_caps_is_equal(caps, pushed_caps_)) {
      gst_caps_replace(&pushed_caps_, caps);
      gst_app_src_set_caps(GST_APP_SRC(video_out_), caps);
      // Each pad's buffers go out once their frame has been captured: a frame's latency.
      GstVideoInfo info;
      if (gst_video_info_from_caps(&info, caps) && info.fps_n > 0) {
        const auto frame =
            static_cast<gint64>(gst_util_uint64_scale_int(GST_SECOND, info.fps_d, info.fps_n));
        for (GstElement *out : {video_out_, audio_out_})
          g_object_set(out, "min-latency", frame, nullptr);
      }
    }
    gst_app_src_push_buffer(GST_APP_SRC(video_out_), buffer);
  }

  // Audio from `first` (samples from running time 0) on: `data` (nullptr: silence).
  void push_audio(uint64_t first, uint64_t samples, GstBuffer *data, gsize offset) {
    if (samples == 0) return;
    GstBuffer *audio = nullptr;
    const gsize bytes = samples * audio_bytes_per_sample_;
    if (data) {
      audio = gst_buffer_copy_region(data, GST_BUFFER_COPY_MEMORY, offset, bytes);
    } else {
      audio = gst_buffer_new_allocate(nullptr, bytes, nullptr);
      gst_buffer_memset(audio, 0, 0, bytes);
    }
    GST_BUFFER_PTS(audio) = time_of_sample(first);
    GST_BUFFER_DURATION(audio) = time_of_sample(first + samples) - GST_BUFFER_PTS(audio);
    GST_BUFFER_OFFSET(audio) = first;
    GST_BUFFER_OFFSET_END(audio) = first + samples;
    gst_app_src_push_buffer(GST_APP_SRC(audio_out_), audio);
    audio_next_ = first + samples;
  }

  // Silence up to `end` (ns), following the card's last audio.
  void push_silence_until(int64_t end) {
    std::lock_guard lock(audio_mutex_);
    const uint64_t last = sample_at(end);
    const uint64_t first = audio_next_.value_or(last);
    if (last > first) push_audio(first, last - first, nullptr, 0);
  }

  // decklinkaudiosrc's streaming thread: the card's audio, after the silence that stood in for
  // it (overlap cut, a gap left by the card's return closed with silence).
  void card_audio(GstBuffer *buffer) {
    if (!GST_BUFFER_PTS_IS_VALID(buffer) || dropping_card_audio_) return;
    const uint64_t samples = gst_buffer_get_size(buffer) / audio_bytes_per_sample_;
    uint64_t first = sample_at(static_cast<int64_t>(GST_BUFFER_PTS(buffer)));
    std::lock_guard lock(audio_mutex_);
    uint64_t skip = 0;
    if (audio_next_ && first < *audio_next_) {
      skip = std::min(samples, *audio_next_ - first);
      first += skip;
    } else if (audio_next_ && first > *audio_next_ && audio_resync_ &&
               policy_ != NoSignalPolicy::drop) {
      push_audio(*audio_next_, first - *audio_next_, nullptr, 0);
    }
    audio_resync_ = false;
    push_audio(first, samples - skip, buffer, skip * audio_bytes_per_sample_);
  }

  GstElement *owner_;
  PortSettings settings_;
  NoSignalPolicy policy_ = NoSignalPolicy::black;
  const SdiMode *fixed_ = nullptr;   // the `mode` property; nullptr: auto
  GstElement *video_out_ = nullptr;  // sdisrc's appsrcs, owned by the bin
  GstElement *audio_out_ = nullptr;
  gint audio_bytes_per_sample_ = 4;

  std::mutex mutex_;  // guards what follows, with woken_
  std::condition_variable woken_;
  bool stopping_ = true;
  std::thread worker_;

  // The capture thread's (and the state changes', while it is not running).
  GstElement *capture_ = nullptr;  // the capture pipeline, while the input is open
  GstElement *capture_video_ = nullptr;
  uint64_t capture_frames_ = 0;
  int64_t capture_opened_at_ = 0;  // monotonic
  int64_t last_frame_at_ = 0;
  SignalHealth health_;
  NoSignalTimeline timeline_;
  GstCaps *card_caps_ = nullptr;  // of the card's last frame
  const SdiMode *card_mode_ = nullptr;
  GstCaps *pushed_caps_ = nullptr;  // the video appsrc's
  GstBuffer *filler_ = nullptr;     // the no-signal frame (black or slate) of filler_caps_
  GstCaps *filler_caps_ = nullptr;
  bool discont_ = false;  // the next frame follows a gap (drop policy)

  std::atomic<bool> dropping_card_audio_ = false;  // drop: the card has no input, nor audio
  std::mutex audio_mutex_;  // the capture thread's fillers and decklinkaudiosrc's thread
  std::optional<uint64_t> audio_next_;  // the sample after the last one out
  bool audio_resync_ = false;           // the card's audio returns after fillers
};

}  // namespace

std::vector<DecklinkDevice> list_decklink_devices() {
  std::vector<DecklinkDevice> found;
  GstDeviceProvider *provider = gst_device_provider_factory_get_by_name("decklinkdeviceprovider");
  if (!provider) return found;
  GList *devices = gst_device_provider_get_devices(provider);
  for (GList *l = devices; l; l = l->next) {
    GstDevice *device = GST_DEVICE(l->data);
    if (!gst_device_has_classes(device, "Video/Source/Hardware")) continue;
    GstStructure *properties = gst_device_get_properties(device);
    DecklinkDevice entry;
    guint number = 0;
    if (properties && gst_structure_get_uint(properties, "device-number", &number)) {
      entry.number = number;
      const char *model = gst_structure_get_string(properties, "model-name");
      const char *name = gst_structure_get_string(properties, "display-name");
      entry.model = model ? model : "";
      entry.display_name = name ? name : "";
      found.push_back(entry);
    }
    if (properties) gst_structure_free(properties);
  }
  g_list_free_full(devices, gst_object_unref);
  gst_object_unref(provider);
  return found;
}

std::unique_ptr<SdiFamily> make_decklink_family(GstElement *owner, const PortSettings &settings) {
  return std::make_unique<DecklinkFamily>(owner, settings);
}

}  // namespace onair::sdi
