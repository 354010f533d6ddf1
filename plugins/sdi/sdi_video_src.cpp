/**
 * SECTION:element-sdivideosrc
 * @title: sdivideosrc
 *
 * The video of one SDI port of one capture card: the source inside sdisrc, which adds the
 * audio pad (with `audio-channels` set, each video buffer brings its frame's embedded audio
 * along for it). Usable alone when no sound is wanted. It captures DELTACAST cards, loading
 * VideoMaster (libvideomasterhd.so, or the file named in $ONAIR_VIDEOMASTER_LIBRARY) at run
 * time; DeckLink cards go through sdisrc (GStreamer's decklink elements).
 *
 * Caps follow the incoming mode (`mode=auto`) or a fixed one: UYVY (8-bit 4:2:2) at the mode's
 * size, rate and scan; a format change renegotiates and the stream goes on. While there is no
 * signal, filler frames (`no-signal=slate`: a NO SIGNAL card naming the port; `black`) keep the
 * timestamps going at the last mode's rate, or nothing is sent (`drop`). The port's health is
 * posted as element messages `sdisrc-signal`, `sdisrc-format` and `sdisrc-error`
 * (sdisrc_messages.h); a busy or vanished card is reopened after a growing delay.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m sdivideosrc device=0 port=1 ! videoconvert ! autovideosink
 * ]|
 */
#include "sdi_video_src.h"

#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/deltacast_backend.h"
#include "decklink_family.h"
#include "core/no_signal_timeline.h"
#include "core/sdi_modes.h"
#include "core/signal_health.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "sdi_glue.h"

GST_DEBUG_CATEGORY_STATIC(sdi_src_debug);
#define GST_CAT_DEFAULT sdi_src_debug

namespace sdi = onair::sdi;

#define GST_TYPE_SDI_SRC_BACKEND (gst_sdi_video_src_backend_get_type())
static GType gst_sdi_video_src_backend_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_SDI_SRC_BACKEND_AUTO,
       "The card family that has the device: DELTACAST first, then DeckLink", "auto"},
      {GST_SDI_SRC_BACKEND_DELTACAST, "DELTACAST, through VideoMaster", "deltacast"},
      {GST_SDI_SRC_BACKEND_DECKLINK,
       "Blackmagic DeckLink, through GStreamer's decklink elements (sdisrc only)", "decklink"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstSdiSrcBackend", values));
  return type;
}

namespace {

constexpr char kDefaultMode[] = "auto";
constexpr char kDefaultNoSignal[] = "slate";
// How long create() waits for the capture before looking at the clock again (fillers,
// retries) when nothing else is due sooner.
constexpr auto kPollPeriod = std::chrono::milliseconds(100);
// Frames the capture thread keeps for create(): older ones are dropped beyond this.
constexpr std::size_t kQueueFrames = 8;

struct Settings {
  GstSdiSrcBackend backend = GST_SDI_SRC_BACKEND_AUTO;
  guint device = 0;
  guint port = 0;
  std::string mode = kDefaultMode;
  std::string no_signal = kDefaultNoSignal;
  guint depth = 8;  // bits per sample of a DELTACAST capture: 8 (UYVY) or 10 (v210)
  guint audio_channels = 0;
};

// One buffer ready to go out, with the mode whose caps it needs.
struct Output {
  const sdi::SdiMode *mode;
  GstBuffer *buffer;
};

// Runtime state: built in start(), dropped in stop(); the streaming thread's, except
// `capture`, which unlock() reaches under Priv::capture_lock.
struct State {
  State(sdi::NoSignalPolicy policy, const sdi::SdiMode *fixed) : timeline(policy), fixed(fixed) {}
  ~State() {
    for (Output &out : pending) gst_buffer_unref(out.buffer);
    if (filler) gst_buffer_unref(filler);
  }
  State(const State &) = delete;
  State &operator=(const State &) = delete;

  std::shared_ptr<const sdi::VideoMasterLibrary> library;
  sdi::DeltacastCaptureConfig config;
  sdi::SignalHealth health;
  sdi::NoSignalTimeline timeline;
  const sdi::SdiMode *fixed;  // the `mode` property; nullptr: auto
  bool mismatch_warned = false;
  bool audio_warned = false;  // the audio asked for is unavailable: said once

  std::deque<Output> pending;
  const sdi::SdiMode *negotiated = nullptr;  // the mode of the caps set downstream
  GstBuffer *filler = nullptr;  // the no-signal frame (black or slate) of filler_mode, shared
  const sdi::SdiMode *filler_mode = nullptr;
  const sdi::SdiMode *filling_mode = nullptr;  // the mode the timeline fills at
  bool discont = false;                        // the next real frame follows a gap (drop policy)

  // The frame grid of the current run of frames (since the last lock or format change): its
  // first frame's start in running time, its sequence number and its mode.
  std::optional<int64_t> run_origin;
  std::uint64_t run_first_sequence = 0;
  const sdi::SdiMode *run_mode = nullptr;
};

struct Priv {
  std::mutex settings_lock;
  Settings settings;
  std::optional<State> state;

  // The capture (null while closed), shared with unlock(); and create()'s wait while closed.
  std::mutex capture_lock;
  std::shared_ptr<sdi::DeltacastCapture> capture;
  std::condition_variable woken;
  bool flushing = false;  // under capture_lock
};

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_DEVICE,
  PROP_PORT,
  PROP_MODE,
  PROP_NO_SIGNAL,
  PROP_DEPTH,
  PROP_DEVICES,
  PROP_AUDIO_CHANNELS,  // sdivideosrc's own, not one of the port's properties
};
static_assert(PROP_DEVICES == GST_SDI_VIDEO_SRC_LAST_PROPERTY);

GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw, format = (string) { UYVY, v210 }, width = (int) [ 1, MAX ], "
                    "height = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ], "
                    "interlace-mode = (string) { progressive, interleaved }"));

}  // namespace

struct _GstSdiVideoSrc {
  GstPushSrc parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstSdiVideoSrc, gst_sdi_video_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(sdivideosrc, "sdivideosrc", GST_RANK_NONE, GST_TYPE_SDI_VIDEO_SRC)

namespace {

Settings settings_of(GstSdiVideoSrc *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

sdi::ErrorKind health_kind(sdi::DeltacastErrorKind kind) {
  switch (kind) {
    case sdi::DeltacastErrorKind::library_missing:
      return sdi::ErrorKind::library_missing;
    case sdi::DeltacastErrorKind::no_device:
      return sdi::ErrorKind::not_found;
    case sdi::DeltacastErrorKind::busy:
      return sdi::ErrorKind::busy;
    case sdi::DeltacastErrorKind::gone:
      return sdi::ErrorKind::gone;
    case sdi::DeltacastErrorKind::unsupported:
    case sdi::DeltacastErrorKind::other:
      break;
  }
  return sdi::ErrorKind::other;
}

std::string port_text(const sdi::DeltacastCaptureConfig &config) {
  return "DELTACAST card " + std::to_string(config.board) + " port RX" +
         std::to_string(config.port);
}

// The GStreamer error that ends the stream once the health model gave up.
void post_fatal(GstSdiVideoSrc *self, const State &state) {
  const sdi::HealthStatus &status = state.health.status();
  const std::string where = port_text(state.config);
  switch (status.error) {
    case sdi::ErrorKind::library_missing:
      GST_ELEMENT_ERROR(self, LIBRARY, INIT,
                        ("The DELTACAST VideoMaster library (%s) could not be loaded: install "
                         "DELTACAST's driver, or name the library file in %s",
                         sdi::kVideoMasterLibraryName, sdi::kVideoMasterLibraryEnv),
                        ("%s", status.detail.c_str()));
      break;
    case sdi::ErrorKind::not_found:
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                        ("No %s: %s", where.c_str(), status.detail.c_str()), (nullptr));
      break;
    case sdi::ErrorKind::busy:
    case sdi::ErrorKind::gone:
      GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
                        ("%s is unusable after %u attempts: %s", where.c_str(), status.attempt,
                         status.detail.c_str()),
                        (nullptr));
      break;
    case sdi::ErrorKind::other:
      GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
                        ("%s failed: %s", where.c_str(), status.detail.c_str()), (nullptr));
      break;
  }
}

GstVideoInfo video_info(const sdi::SdiMode &mode, sdi::DeltacastSampleDepth depth) {
  return sdi::mode_video_info(mode,
                              gst_video_format_from_string(sdi::deltacast_pixel_format(depth)));
}

GstBuffer *frame_buffer(sdi::DeltacastFrame &frame, const GstVideoInfo &info) {
  const gsize size = GST_VIDEO_INFO_SIZE(&info);
  const auto stride = static_cast<std::size_t>(GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
  if (frame.stride == stride && frame.data.size() >= size) {
    // The card's lines are laid out as GStreamer's: the buffer takes the frame's memory.
    auto *kept = new std::vector<std::uint8_t>(std::move(frame.data));
    return gst_buffer_new_wrapped_full(
        static_cast<GstMemoryFlags>(0), kept->data(), kept->size(), 0, size, kept,
        [](gpointer data) { delete static_cast<std::vector<std::uint8_t> *>(data); });
  }
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  const std::size_t line = std::min<std::size_t>(stride, frame.stride);
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT(&info); ++y) {
    const std::size_t from = static_cast<std::size_t>(y) * frame.stride;
    if (from + line <= frame.data.size())
      std::memcpy(map.data + y * stride, frame.data.data() + from, line);
  }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

// The frame's embedded audio as sdi::attach_embedded_audio() carries it.
GstBuffer *audio_buffer(const sdi::DeltacastFrame &frame) {
  GstAudioInfo info;
  gst_audio_info_set_format(&info, GST_AUDIO_FORMAT_S16, 48000,
                            static_cast<gint>(frame.audio_channels), nullptr);
  GstBuffer *audio =
      gst_buffer_new_memdup(frame.audio.data(), frame.audio.size() * sizeof(frame.audio[0]));
  gst_buffer_add_audio_meta(audio, &info, frame.audio.size() / frame.audio_channels, nullptr);
  return audio;
}

void stamp(GstBuffer *buffer, const sdi::FrameSpan &span) {
  GST_BUFFER_PTS(buffer) = static_cast<GstClockTime>(span.pts);
  GST_BUFFER_DURATION(buffer) = static_cast<GstClockTime>(span.duration);
}

void queue_fillers(State &state, const std::vector<sdi::FrameSpan> &spans) {
  const sdi::SdiMode *mode = state.filling_mode;
  if (spans.empty() || !mode) return;
  if (state.filler_mode != mode) {
    if (state.filler) gst_buffer_unref(state.filler);
    const GstVideoInfo info = video_info(*mode, state.config.depth);
    state.filler = sdi::filler_frame(info, state.timeline.policy(),
                                     "DELTACAST card " + std::to_string(state.config.board) +
                                         ", input " + std::to_string(state.config.port));
    state.filler_mode = mode;
  }
  for (const sdi::FrameSpan &span : spans) {
    GstBuffer *filler = gst_buffer_copy(state.filler);  // shares the filler's memory
    stamp(filler, span);
    state.pending.push_back({mode, filler});
  }
}

// The mode fillers follow: the last one seen, or the fixed one; none before any with auto.
const sdi::SdiMode *fill_mode(const State &state) {
  const sdi::SdiMode *mode = state.health.status().mode;
  return state.fixed ? state.fixed : mode;
}

void start_filling(State &state, int64_t now) {
  state.run_origin.reset();
  if (const sdi::SdiMode *mode = fill_mode(state); mode && now != onair::kUnknownTime) {
    if (!state.timeline.filling()) state.filling_mode = mode;
    state.timeline.signal_lost(*mode, now);
    if (state.timeline.policy() == sdi::NoSignalPolicy::drop) state.discont = true;
  }
}

// A real frame's place on the output. Timestamps follow the frame grid: the first frame of a
// run (after a lock or format change) is placed at the running time it was captured over, and
// every later one at that origin plus the mode's exact frame_start() of its sequence number.
// So the stream runs at exactly the mode's rate however late the capture thread or create()
// gets scheduled (the capture times jitter with the load), and frames the queue dropped leave
// whole-frame gaps. The card's clock and the pipeline clock may drift apart over hours; a run
// starts again at every signal change.
void place_frame(GstSdiVideoSrc *self, State &state, sdi::DeltacastFrame &&frame, int64_t now) {
  const sdi::SdiMode &mode = *frame.mode;
  if (state.fixed && state.fixed != &mode) return;  // counted as no signal, see handle_event()
  if (!state.health.has_signal() || now == onair::kUnknownTime) return;
  if (!state.run_origin || state.run_mode != &mode) {
    const auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - frame.captured)
                         .count();
    state.run_origin = std::max<int64_t>(0, now - age - mode.frame_duration());
    state.run_first_sequence = frame.sequence;
    state.run_mode = &mode;
  }
  const auto index = static_cast<int64_t>(frame.sequence - state.run_first_sequence);
  const int64_t pts = *state.run_origin + mode.frame_start(index);
  const int64_t duration = mode.frame_start(index + 1) - mode.frame_start(index);
  sdi::RealFramePlacement placement = state.timeline.real_frame(pts, duration);
  queue_fillers(state, placement.fillers);
  if (!placement.frame) return;
  GstBuffer *buffer = frame_buffer(frame, video_info(mode, state.config.depth));
  if (!frame.audio.empty()) sdi::attach_embedded_audio(buffer, audio_buffer(frame));
  stamp(buffer, *placement.frame);
  if (state.discont) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  state.discont = false;
  GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT, frame.sequence,
                 GST_TIME_ARGS(GST_BUFFER_PTS(buffer)));
  state.pending.push_back({&mode, buffer});
}

// The capture thread ended with `error` (or the port could not be opened).
void port_failed(GstSdiVideoSrc *self, State &state, const sdi::DeltacastError &error,
                 int64_t now) {
  {
    std::shared_ptr<sdi::DeltacastCapture> capture;
    {
      std::lock_guard lock(self->priv->capture_lock);
      capture = std::move(self->priv->capture);
    }
    if (capture) capture->stop();
  }
  sdi::post_health(GST_ELEMENT(self), state.health.failed(health_kind(error.kind), error.message,
                                                          sdi::monotonic_now()));
  if (state.health.fatal()) {
    post_fatal(self, state);
    return;
  }
  start_filling(state, now);
}

void handle_event(GstSdiVideoSrc *self, State &state, const sdi::DeltacastEvent &event,
                  int64_t now) {
  using Type = sdi::DeltacastEvent::Type;
  switch (event.type) {
    case Type::signal_locked:
    case Type::format_changed:
      if (state.fixed && state.fixed != event.mode) {
        // Frames of another mode than the one asked for cannot go out with these caps.
        if (!state.mismatch_warned)
          GST_ELEMENT_WARNING(
              self, STREAM, FORMAT,
              ("%s receives %s, not the %.*s asked for: treated as no signal",
               port_text(state.config).c_str(), std::string(event.mode->name).c_str(),
               static_cast<int>(state.fixed->name.size()), state.fixed->name.data()),
              (nullptr));
        state.mismatch_warned = true;
        sdi::post_health(GST_ELEMENT(self), state.health.signal_lost());
        start_filling(state, now);
        return;
      }
      state.mismatch_warned = false;
      if (state.health.has_signal() && state.health.status().mode != event.mode) {
        // The stream restarts in the new mode: the old mode's fillers close the gap.
        start_filling(state, now);
      }
      sdi::post_health(GST_ELEMENT(self), state.health.signal_locked(*event.mode));
      state.run_origin.reset();
      return;
    case Type::signal_lost:
      sdi::post_health(GST_ELEMENT(self), state.health.signal_lost());
      start_filling(state, now);
      return;
    case Type::error:
      if (!event.error) return;
      if (event.error->kind == sdi::DeltacastErrorKind::unsupported) {
        // The capture goes on: the source may switch to a standard we know.
        GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("%s", event.error->message.c_str()), (nullptr));
        return;
      }
      port_failed(self, state, *event.error, now);
      return;
    case Type::audio_unavailable:
      if (!state.audio_warned && event.error)
        GST_ELEMENT_WARNING(self, RESOURCE, READ,
                            ("%s: no embedded audio, silence instead: %s",
                             port_text(state.config).c_str(), event.error->message.c_str()),
                            (nullptr));
      state.audio_warned = true;
      return;
  }
}

// Opens the port and starts its capture; a failure goes through the health model.
void open_port(GstSdiVideoSrc *self, State &state, int64_t now) {
  auto opened = sdi::DeltacastCapture::open(state.library, state.config);
  if (auto *error = std::get_if<sdi::DeltacastError>(&opened)) {
    port_failed(self, state, *error, now);
    return;
  }
  std::shared_ptr<sdi::DeltacastCapture> capture =
      std::move(std::get<std::unique_ptr<sdi::DeltacastCapture>>(opened));
  sdi::post_health(GST_ELEMENT(self), state.health.opened());
  {
    std::lock_guard lock(self->priv->capture_lock);
    capture->set_flushing(self->priv->flushing);
    self->priv->capture = capture;
  }
  capture->start();
}

// Hands out the next pending buffer, with new caps first when its mode changed.
GstFlowReturn hand_out(GstSdiVideoSrc *self, State &state, GstBuffer **buf) {
  Output out = state.pending.front();
  state.pending.pop_front();
  if (state.negotiated != out.mode) {
    GstVideoInfo info = video_info(*out.mode, state.config.depth);
    GstCaps *caps = gst_video_info_to_caps(&info);
    const bool set = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
    gst_caps_unref(caps);
    if (!set) {
      gst_buffer_unref(out.buffer);
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                        ("Downstream refused %.*s caps", static_cast<int>(out.mode->name.size()),
                         out.mode->name.data()),
                        (nullptr));
      return GST_FLOW_NOT_NEGOTIATED;
    }
    state.negotiated = out.mode;
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  }
  *buf = out.buffer;
  return GST_FLOW_OK;
}

GstFlowReturn create(GstPushSrc *src, GstBuffer **buf) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  return onair::guarded(GST_ELEMENT(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    if (!self->priv->state) return GST_FLOW_FLUSHING;
    State &state = *self->priv->state;
    for (;;) {
      std::shared_ptr<sdi::DeltacastCapture> capture;
      {
        std::lock_guard lock(self->priv->capture_lock);
        if (self->priv->flushing) return GST_FLOW_FLUSHING;
        capture = self->priv->capture;
      }
      if (!state.pending.empty()) return hand_out(self, state, buf);
      if (state.health.fatal()) return GST_FLOW_ERROR;

      const int64_t now = sdi::running_time_now(GST_ELEMENT(self));
      if (!capture && state.health.retry_due(sdi::monotonic_now())) {
        open_port(self, state, now);
        continue;
      }
      if (now != onair::kUnknownTime) {
        // No signal since the start, or a failure before there was a clock: fill from now.
        if (!state.health.has_signal() && !state.timeline.filling()) start_filling(state, now);
        queue_fillers(state, state.timeline.fillers_due(now));
      }
      if (!state.pending.empty()) continue;

      // Wait for the capture, the next filler or the next retry, whichever comes first.
      auto wait = std::chrono::nanoseconds(kPollPeriod);
      if (auto due = state.timeline.next_filler_due(); due && now != onair::kUnknownTime)
        wait = std::min(wait, std::chrono::nanoseconds(std::max<int64_t>(0, *due - now)));
      if (!capture && state.health.status().retrying)
        wait = std::min(wait, std::chrono::nanoseconds(std::max<int64_t>(
                                  0, state.health.status().retry_at - sdi::monotonic_now())));
      const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
      if (!capture) {
        std::unique_lock lock(self->priv->capture_lock);
        self->priv->woken.wait_for(lock, wait_ms, [&] { return self->priv->flushing; });
        continue;
      }
      std::optional<sdi::DeltacastItem> item = capture->pop(wait_ms);
      if (!item) continue;
      const int64_t at = sdi::running_time_now(GST_ELEMENT(self));
      if (auto *frame = std::get_if<sdi::DeltacastFrame>(&*item))
        place_frame(self, state, std::move(*frame), at);
      else
        handle_event(self, state, std::get<sdi::DeltacastEvent>(*item), at);
    }
  });
}

gboolean start(GstBaseSrc *src) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  return onair::guarded(GST_ELEMENT(self), FALSE, [&]() -> gboolean {
    const Settings settings = settings_of(self);
    if (settings.backend == GST_SDI_SRC_BACKEND_DECKLINK) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("sdivideosrc captures DELTACAST cards only: use sdisrc for DeckLink"),
                        (nullptr));
      return FALSE;
    }
    const sdi::ModeRequestParse mode = sdi::parse_mode_request(settings.mode);
    const sdi::NoSignalPolicyParse policy = sdi::parse_no_signal_policy(settings.no_signal);
    if (!mode.request || !policy.policy) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("%s", (mode.request ? policy.error : mode.error).c_str()), (nullptr));
      return FALSE;
    }
    if (settings.depth != 8 && settings.depth != 10) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("depth is 8 or 10 bits per sample, not %u", settings.depth), (nullptr));
      return FALSE;
    }
    State &state = self->priv->state.emplace(*policy.policy, mode.request->fixed);
    state.config.board = settings.device;
    state.config.port = settings.port;
    state.config.queue_frames = kQueueFrames;
    state.config.audio_channels = settings.audio_channels;
    state.config.depth =
        settings.depth == 10 ? sdi::DeltacastSampleDepth::bits10 : sdi::DeltacastSampleDepth::bits8;
    {
      std::lock_guard lock(self->priv->capture_lock);
      self->priv->flushing = false;
    }

    auto loaded = sdi::VideoMasterLibrary::load();
    if (auto *error = std::get_if<sdi::VideoMasterLoadError>(&loaded)) {
      port_failed(self, state, sdi::to_deltacast_error(*error), onair::kUnknownTime);
      return FALSE;
    }
    state.library = std::get<std::shared_ptr<const sdi::VideoMasterLibrary>>(loaded);
    open_port(self, state, onair::kUnknownTime);
    // A busy or vanished port is retried from create(); anything else ends here.
    return !state.health.fatal();
  });
}

gboolean stop(GstBaseSrc *src) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  return onair::guarded_teardown(GST_ELEMENT(self), FALSE, [&]() -> gboolean {
    std::shared_ptr<sdi::DeltacastCapture> capture;
    {
      std::lock_guard lock(self->priv->capture_lock);
      capture = std::move(self->priv->capture);
    }
    if (capture) capture->stop();
    self->priv->state.reset();
    return TRUE;
  });
}

gboolean unlock(GstBaseSrc *src) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  std::lock_guard lock(self->priv->capture_lock);
  self->priv->flushing = true;
  if (self->priv->capture) self->priv->capture->set_flushing(true);
  self->priv->woken.notify_all();
  return TRUE;
}

gboolean unlock_stop(GstBaseSrc *src) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  std::lock_guard lock(self->priv->capture_lock);
  self->priv->flushing = false;
  if (self->priv->capture) self->priv->capture->set_flushing(false);
  return TRUE;
}

// Caps are set from create() once the mode is known (the incoming one, or the fixed one):
// nothing to choose before.
gboolean negotiate(GstBaseSrc *) {
  return TRUE;
}

GstCaps *get_caps(GstBaseSrc *src, GstCaps *filter) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  GstCaps *caps = gst_pad_get_current_caps(GST_BASE_SRC_PAD(src));
  if (!caps) caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(self));
  if (filter) {
    GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = both;
  }
  return caps;
}

gboolean query(GstBaseSrc *src, GstQuery *query) {
  auto *self = GST_SDI_VIDEO_SRC(src);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    GstCaps *caps = gst_pad_get_current_caps(GST_BASE_SRC_PAD(src));
    GstVideoInfo info;
    const bool known = caps && gst_video_info_from_caps(&info, caps) && info.fps_n > 0;
    if (caps) gst_caps_unref(caps);
    if (!known) return GST_BASE_SRC_CLASS(gst_sdi_video_src_parent_class)->query(src, query);
    // A frame goes out once it has been captured whole; the queue holds a few more.
    const GstClockTime frame = gst_util_uint64_scale_int(GST_SECOND, info.fps_d, info.fps_n);
    gst_query_set_latency(query, TRUE, frame, frame * (kQueueFrames + 1));
    GST_DEBUG_OBJECT(self, "latency %" GST_TIME_FORMAT, GST_TIME_ARGS(frame));
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(gst_sdi_video_src_parent_class)->query(src, query);
}

// The `devices` property: one GstStructure text per RX port found.
GStrv list_devices() {
  GStrvBuilder *builder = g_strv_builder_new();
  auto loaded = sdi::VideoMasterLibrary::load();
  if (auto *library = std::get_if<std::shared_ptr<const sdi::VideoMasterLibrary>>(&loaded)) {
    auto boards = sdi::list_deltacast_boards(**library);
    if (auto *list = std::get_if<std::vector<sdi::DeltacastBoard>>(&boards)) {
      for (const sdi::DeltacastBoard &board : *list) {
        for (const sdi::DeltacastPortStatus &port : board.ports) {
          GstStructure *s = gst_structure_new(
              "sdi-port", "backend", G_TYPE_STRING, "deltacast", "device", G_TYPE_UINT, board.index,
              "port", G_TYPE_UINT, port.port, "model", G_TYPE_STRING, board.model.c_str(), "locked",
              G_TYPE_BOOLEAN, port.locked, "mode", G_TYPE_STRING,
              port.mode ? std::string(port.mode->name).c_str() : "", nullptr);
          gchar *text = gst_structure_to_string(s);
          g_strv_builder_add(builder, text);
          g_free(text);
          gst_structure_free(s);
        }
      }
    }
  }
  // DeckLink inputs after DELTACAST ports, in the order sdisrc's backend=auto prefers them.
  // Their signal is only known while capturing: not locked here.
  for (const sdi::DecklinkDevice &device : sdi::list_decklink_devices()) {
    GstStructure *s = gst_structure_new("sdi-port", "backend", G_TYPE_STRING, "decklink", "device",
                                        G_TYPE_UINT, device.number, "port", G_TYPE_UINT, 0u,
                                        "model", G_TYPE_STRING, device.model.c_str(), "locked",
                                        G_TYPE_BOOLEAN, FALSE, "mode", G_TYPE_STRING, "", nullptr);
    gchar *text = gst_structure_to_string(s);
    g_strv_builder_add(builder, text);
    g_free(text);
    gst_structure_free(s);
  }
  GStrv out = g_strv_builder_end(builder);
  g_strv_builder_unref(builder);
  return out;
}

void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  auto *self = GST_SDI_VIDEO_SRC(object);
  onair::guarded(GST_ELEMENT(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    Settings &s = self->priv->settings;
    switch (id) {
      case PROP_BACKEND:
        s.backend = static_cast<GstSdiSrcBackend>(g_value_get_enum(value));
        break;
      case PROP_DEVICE:
        s.device = g_value_get_uint(value);
        break;
      case PROP_PORT:
        s.port = g_value_get_uint(value);
        break;
      case PROP_MODE: {
        const char *text = g_value_get_string(value);
        s.mode = text ? text : kDefaultMode;
        break;
      }
      case PROP_NO_SIGNAL: {
        const char *text = g_value_get_string(value);
        s.no_signal = text ? text : kDefaultNoSignal;
        break;
      }
      case PROP_DEPTH:
        s.depth = g_value_get_uint(value);
        break;
      case PROP_AUDIO_CHANNELS:
        s.audio_channels = g_value_get_uint(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  });
}

void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_SDI_VIDEO_SRC(object);
  onair::guarded(GST_ELEMENT(self), [&] {
    if (id == PROP_DEVICES) {
      g_value_take_boxed(value, list_devices());
      return;
    }
    std::lock_guard lock(self->priv->settings_lock);
    const Settings &s = self->priv->settings;
    switch (id) {
      case PROP_BACKEND:
        g_value_set_enum(value, s.backend);
        break;
      case PROP_DEVICE:
        g_value_set_uint(value, s.device);
        break;
      case PROP_PORT:
        g_value_set_uint(value, s.port);
        break;
      case PROP_MODE:
        g_value_set_string(value, s.mode.c_str());
        break;
      case PROP_NO_SIGNAL:
        g_value_set_string(value, s.no_signal.c_str());
        break;
      case PROP_DEPTH:
        g_value_set_uint(value, s.depth);
        break;
      case PROP_AUDIO_CHANNELS:
        g_value_set_uint(value, s.audio_channels);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  });
}

void finalize(GObject *object) {
  auto *self = GST_SDI_VIDEO_SRC(object);
  onair::guarded_teardown(GST_ELEMENT(self), [&] { delete self->priv; });
  G_OBJECT_CLASS(gst_sdi_video_src_parent_class)->finalize(object);
}

}  // namespace

void gst_sdi_video_src_install_port_properties(GObjectClass *klass) {
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      klass, PROP_BACKEND,
      g_param_spec_enum("backend", "Backend", "Card family", GST_TYPE_SDI_SRC_BACKEND,
                        GST_SDI_SRC_BACKEND_AUTO, flags));
  g_object_class_install_property(
      klass, PROP_DEVICE,
      g_param_spec_uint("device", "Device", "Card index", 0, G_MAXUINT, 0, flags));
  g_object_class_install_property(
      klass, PROP_PORT,
      g_param_spec_uint("port", "Port", "Input port of the card (RX index)", 0, G_MAXUINT, 0,
                        flags));
  g_object_class_install_property(
      klass, PROP_MODE,
      g_param_spec_string("mode", "Mode",
                          "\"auto\" follows the incoming signal; a mode name (1080i50, "
                          "720p59.94, ...) fixes the caps, another incoming mode counts as no "
                          "signal",
                          kDefaultMode, flags));
  g_object_class_install_property(
      klass, PROP_NO_SIGNAL,
      g_param_spec_string(
          "no-signal", "No signal",
          "What goes out while there is no signal: black (frames continuing the "
          "timestamps), slate (a NO SIGNAL card naming the port, likewise) or drop (nothing)",
          kDefaultNoSignal, flags));
  g_object_class_install_property(
      klass, PROP_DEPTH,
      g_param_spec_uint("depth", "Depth",
                        "Bits per sample of a DELTACAST capture: 8 (UYVY caps) or 10 (v210); "
                        "DeckLink cards follow the incoming signal's depth",
                        8, 10, 8, flags));
  g_object_class_install_property(
      klass, PROP_DEVICES,
      g_param_spec_boxed("devices", "Devices",
                         "The input ports found, one GstStructure text each (backend, device, "
                         "port, model, locked, mode)",
                         G_TYPE_STRV,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

static void gst_sdi_video_src_init(GstSdiVideoSrc *self) {
  self->priv = new Priv();
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

static void gst_sdi_video_src_class_init(GstSdiVideoSrcClass *klass) {
  GST_DEBUG_CATEGORY_INIT(sdi_src_debug, "sdivideosrc", 0, "SDI capture card video source");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *basesrc_class = GST_BASE_SRC_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  gst_sdi_video_src_install_port_properties(gobject_class);
  g_object_class_install_property(
      gobject_class, PROP_AUDIO_CHANNELS,
      g_param_spec_uint("audio-channels", "Audio channels",
                        "Embedded audio channels to take with each frame for sdisrc's audio pad "
                        "(0: none, the stream is opened video-only)",
                        0, 16, 0,
                        static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 GST_PARAM_MUTABLE_READY)));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "SDI video source", "Video/Source/Hardware",
      "The video of one SDI port of a DELTACAST card (sdisrc without its audio pad); keeps "
      "timestamps going without signal; messages sdisrc-signal, sdisrc-format, sdisrc-error",
      "onair");
  basesrc_class->start = start;
  basesrc_class->stop = stop;
  basesrc_class->unlock = unlock;
  basesrc_class->unlock_stop = unlock_stop;
  basesrc_class->negotiate = negotiate;
  basesrc_class->get_caps = get_caps;
  basesrc_class->query = query;
  GST_PUSH_SRC_CLASS(klass)->create = create;
}
