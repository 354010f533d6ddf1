/**
 * SECTION:element-resilientrtmpsink
 * @title: resilientrtmpsink
 *
 * Publishes encoded H.264 video and AAC (or MP3) audio to an RTMP or RTMPS
 * server and stays on air through network trouble. Each connection runs in a
 * private session pipeline (`appsrc ! flvmux ! rtmp2sink`), so a failed
 * connect or a dropped connection never fails the pipeline it sits in: while
 * offline the element drops data, retries with exponential backoff and jitter
 * (retrying at once when a server that was down accepts connections again),
 * and starts each new connection on a keyframe it asks upstream for.
 *
 * It posts `resilientrtmpsink-state` element messages (connecting, live,
 * reconnecting, failed, stopped) and keeps its figures in the #stats property.
 * The stream key never appears in its messages, errors or logs: URLs are shown
 * as `rtmp://host/app/ *** `. See docs/outputs.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=60 ! h264parse
 *   ! out.video audiotestsrc is-live=true ! voaacenc ! aacparse ! out.audio
 *   resilientrtmpsink name=out location=rtmp://127.0.0.1/live/key
 * ]|
 */
#include "gstresilientrtmpsink.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/backoff.h"
#include "core/flv.h"
#include "core/output_gate.h"
#include "core/output_stats.h"
#include "core/server_address.h"
#include "onair/guard.h"

GST_DEBUG_CATEGORY_STATIC(resilient_rtmp_sink_debug);
#define GST_CAT_DEFAULT resilient_rtmp_sink_debug

namespace out = onair::output;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char *kStateMessage = "resilientrtmpsink-state";

struct Settings {
  std::string location;
  bool tls_validation = true;
  out::BackoffPolicy backoff;
  guint timeout = 10;                          // seconds, for connecting and acknowledgements
  guint64 max_queue = 2 * GST_SECOND;          // queued running time before skipping to a keyframe
  guint64 drain_timeout = 5 * GST_SECOND;      // how long EOS may take to reach the server
  guint64 probe_interval = 250 * GST_MSECOND;  // 0: no checks while waiting to retry
  bool sync = true;
};

// One encoded stream coming in through a request pad.
struct Input {
  GstElement *appsink = nullptr;  // child of the bin; we hold a reference too
  GstPad *ghost = nullptr;
};

// One connection: appsrc(s) ! flvmux ! rtmp2sink, in a pipeline of its own.
struct Session {
  GstElement *pipeline = nullptr;
  GstElement *video = nullptr;  // appsrc, owned by pipeline
  GstElement *audio = nullptr;
  guint64 sink_buffers = 0;  // seen at rtmp2sink's pad; touched by its streaming thread only
};

enum class Outcome { kNone, kError, kDrained, kReconnectNow, kStop };

struct Priv {
  std::mutex settings_lock;
  Settings settings;

  std::mutex lock;  // everything below
  std::condition_variable wake;
  Input video;
  Input audio;
  bool has_video = false;
  bool has_audio = false;
  out::OutputGate gate;
  Session *session = nullptr;
  GstCaps *video_caps = nullptr;  // last caps handed to the session's appsrc
  GstCaps *audio_caps = nullptr;

  out::State state = out::State::kIdle;
  guint attempt = 0;
  guint reconnects = 0;
  std::string last_error;
  guint64 frames_sent = 0;
  guint64 bytes_sent = 0;
  out::RateMeter rate;
  out::LatencyMeter latency;
  Clock::time_point live_since{};

  std::thread controller;
  GCancellable *cancel = g_cancellable_new();  // ends a reachability check on stop
  bool stopping = false;
  bool reconnect_now = false;
  Outcome outcome = Outcome::kNone;
  std::string session_error;

  // End of stream: every input's EOS must arrive and the session must drain.
  std::vector<GstMessage *> held_eos;  // the inputs' EOS messages, let through when drained
  bool draining = false;
  bool drained = false;
  bool eos_posted = false;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_TLS_VALIDATION,
  PROP_MAX_ATTEMPTS,
  PROP_RETRY_INITIAL,
  PROP_RETRY_MAX,
  PROP_TIMEOUT,
  PROP_MAX_QUEUE,
  PROP_DRAIN_TIMEOUT,
  PROP_PROBE_INTERVAL,
  PROP_SYNC,
  PROP_DISPLAY_LOCATION,
  PROP_STATE,
  PROP_STATS,
};

enum { SIGNAL_RECONNECT_NOW, N_SIGNALS };
guint signals[N_SIGNALS];

GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("video/x-h264, stream-format=(string)avc, alignment=(string)au"));
GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE(
    "audio", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("audio/mpeg, mpegversion=(int)4, stream-format=(string)raw; "
                    "audio/mpeg, mpegversion=(int)1, layer=(int)3"));

}  // namespace

struct _GstResilientRtmpSink {
  GstBin parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstResilientRtmpSink, gst_resilient_rtmp_sink, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(resilientrtmpsink, "resilientrtmpsink", GST_RANK_NONE,
                            GST_TYPE_RESILIENT_RTMP_SINK)

namespace {

using Self = GstResilientRtmpSink;

Settings settings_of(Self *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

// The element's pipeline clock as running time, or -1.
int64_t clock_running_time(Self *self) {
  GstClock *clock = gst_element_get_clock(GST_ELEMENT_CAST(self));
  if (!clock) return -1;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT_CAST(self));
  return now >= base ? static_cast<int64_t>(now - base) : -1;
}

void post_state(Self *self, out::State state, guint attempt, GstClockTime next_delay,
                const std::string &error) {
  const std::string where = out::redact_rtmp_url(settings_of(self).location);
  GstStructure *s =
      gst_structure_new(kStateMessage, "state", G_TYPE_STRING, out::state_name(state), "attempt",
                        G_TYPE_UINT, attempt, "location", G_TYPE_STRING, where.c_str(), nullptr);
  if (GST_CLOCK_TIME_IS_VALID(next_delay))
    gst_structure_set(s, "next-delay", G_TYPE_UINT64, next_delay, nullptr);
  if (!error.empty()) gst_structure_set(s, "error", G_TYPE_STRING, error.c_str(), nullptr);
  GST_INFO_OBJECT(self, "%s (attempt %u) %s", out::state_name(state), attempt, error.c_str());
  gst_element_post_message(GST_ELEMENT_CAST(self),
                           gst_message_new_element(GST_OBJECT_CAST(self), s));
}

void set_state(Self *self, out::State state, guint attempt, GstClockTime next_delay,
               const std::string &error) {
  {
    std::lock_guard lock(self->priv->lock);
    self->priv->state = state;
    self->priv->attempt = attempt;
    if (state == out::State::kLive) self->priv->live_since = Clock::now();
  }
  post_state(self, state, attempt, next_delay, error);
}

// ---- data path (outer streaming threads) ----

void request_keyframe(GstElement *appsink) {
  GstPad *pad = gst_element_get_static_pad(appsink, "sink");
  gst_pad_push_event(pad,
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(pad);
}

int64_t to_running_time(const GstSegment *segment, GstClockTime ts) {
  if (!GST_CLOCK_TIME_IS_VALID(ts) || !segment || segment->format != GST_FORMAT_TIME) return -1;
  const GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, ts);
  return GST_CLOCK_TIME_IS_VALID(rt) ? static_cast<int64_t>(rt) : -1;
}

GstClockTime shifted(int64_t running_time, int64_t offset) {
  if (running_time < 0) return GST_CLOCK_TIME_NONE;
  return running_time >= offset ? static_cast<GstClockTime>(running_time - offset) : 0;
}

GstFlowReturn on_new_sample(GstAppSink *appsink, gpointer data) noexcept {
  auto *self = static_cast<Self *>(data);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&] {
    GstSample *sample = gst_app_sink_pull_sample(appsink);
    if (!sample) return GST_FLOW_EOS;
    Priv *p = self->priv;
    const bool is_video = GST_ELEMENT_CAST(appsink) == p->video.appsink;
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    const GstSegment *segment = gst_sample_get_segment(sample);
    const int64_t pts = to_running_time(segment, GST_BUFFER_PTS(buffer));
    const int64_t dts = to_running_time(segment, GST_BUFFER_DTS(buffer));

    out::Frame frame;
    frame.stream = is_video ? out::Stream::kVideo : out::Stream::kAudio;
    frame.running_time = dts >= 0 ? dts : pts;
    frame.keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);

    const guint64 max_queue = settings_of(self).max_queue;
    out::Decision decision;
    {
      std::lock_guard lock(p->lock);
      GstElement *src = p->session ? (is_video ? p->session->video : p->session->audio) : nullptr;
      const bool queue_full =
          src && gst_app_src_get_current_level_time(GST_APP_SRC(src)) > max_queue;
      decision = p->gate.decide(frame, queue_full);
      if (decision.send && src) {
        GstCaps *caps = gst_sample_get_caps(sample);
        GstCaps *&last = is_video ? p->video_caps : p->audio_caps;
        if (caps && (!last || !gst_caps_is_equal(caps, last))) {
          gst_caps_replace(&last, caps);
          gst_app_src_set_caps(GST_APP_SRC(src), caps);
        }
        // Shares the memory; only the timestamps differ.
        GstBuffer *copy = gst_buffer_copy(buffer);
        GST_BUFFER_PTS(copy) = shifted(pts, decision.offset);
        GST_BUFFER_DTS(copy) = shifted(dts, decision.offset);
        gst_app_src_push_buffer(GST_APP_SRC(src), copy);
      }
    }
    gst_sample_unref(sample);
    if (decision.request_keyframe && is_video) request_keyframe(GST_ELEMENT_CAST(appsink));
    return GST_FLOW_OK;
  });
}

// ---- session (controller thread) ----

GstPadProbeReturn on_sink_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) noexcept {
  auto *self = static_cast<Self *>(data);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    // rtmp2sink takes the stream headers from the caps and skips these
    // buffers without waiting for the connection: they prove nothing.
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER)) return;
    Priv *p = self->priv;
    guint8 head[out::kFlvTagProbe] = {};
    const gsize got = gst_buffer_extract(buffer, 0, head, sizeof head);
    const bool video_frame = out::is_video_frame_tag(head, got);
    const gsize size = gst_buffer_get_size(buffer);
    const int64_t now_rt = clock_running_time(self);
    bool went_live = false;
    {
      std::lock_guard lock(p->lock);
      if (!p->session) return;
      // rtmp2sink holds the first media buffer until it has published on an
      // established connection: a second one means the first went out.
      went_live = ++p->session->sink_buffers == 2;
      p->bytes_sent += size;
      p->rate.add(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
              .count(),
          size);
      if (video_frame) {
        p->frames_sent++;
        const GstClockTime ts = GST_BUFFER_DTS_OR_PTS(buffer);
        // Timestamps were rebased to the connection's start; add that back
        // to get the capture running time.
        if (now_rt >= 0 && GST_CLOCK_TIME_IS_VALID(ts))
          p->latency.add(now_rt - (static_cast<int64_t>(ts) + p->gate.offset()));
      }
    }
    if (went_live) set_state(self, out::State::kLive, 0, GST_CLOCK_TIME_NONE, "");
  });
  return GST_PAD_PROBE_OK;
}

GstBusSyncReply on_session_message(GstBus *, GstMessage *message, gpointer data) noexcept {
  auto *self = static_cast<Self *>(data);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    Priv *p = self->priv;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      GError *error = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      const std::string location = settings_of(self).location;
      std::string text = out::redact_text(error ? error->message : "unknown error", location);
      GST_DEBUG_OBJECT(self, "session error: %s (%s)", text.c_str(),
                       out::redact_text(debug ? debug : "", location).c_str());
      g_clear_error(&error);
      g_free(debug);
      std::lock_guard lock(p->lock);
      if (p->outcome == Outcome::kNone) {
        p->outcome = Outcome::kError;
        p->session_error = text;
      }
      p->wake.notify_all();
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
      std::lock_guard lock(p->lock);
      if (p->outcome == Outcome::kNone) p->outcome = Outcome::kDrained;
      p->wake.notify_all();
    }
  });
  gst_message_unref(message);
  return GST_BUS_DROP;
}

GstElement *make(const char *factory, const char *name) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e) throw std::runtime_error(std::string("missing element '") + factory + "'");
  return e;
}

// Whether the input's EOS came (call with the lock held).
bool input_ended(const Priv *p, const Input &input) {
  for (GstMessage *m : p->held_eos)
    if (GST_MESSAGE_SRC(m) == GST_OBJECT_CAST(input.appsink)) return true;
  return false;
}

Session *build_session(Self *self, const Settings &s) {
  auto *session = new Session();
  session->pipeline = gst_pipeline_new("rtmp-session");
  GstElement *mux = make("flvmux", "mux");
  GstElement *sink = make("rtmp2sink", "sink");
  g_object_set(mux, "streamable", TRUE, "encoder", "onair", nullptr);
  g_object_set(
      sink, "location", s.location.c_str(), "async-connect", TRUE, "sync", FALSE, "async", FALSE,
      "timeout", s.timeout, "tls-validation-flags",
      s.tls_validation ? G_TLS_CERTIFICATE_VALIDATE_ALL : static_cast<GTlsCertificateFlags>(0),
      nullptr);
  gst_bin_add_many(GST_BIN(session->pipeline), mux, sink, nullptr);
  gst_element_link(mux, sink);

  const auto add_source = [&](const char *name, const char *mux_pad) {
    GstElement *src = make("appsrc", name);
    g_object_set(src, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, "max-bytes",
                 G_GUINT64_CONSTANT(0), "emit-signals", FALSE, nullptr);
    gst_bin_add(GST_BIN(session->pipeline), src);
    if (!gst_element_link_pads(src, "src", mux, mux_pad))
      throw std::runtime_error(std::string("cannot link to flvmux ") + mux_pad);
    return src;
  };
  bool video, audio;
  {
    std::lock_guard lock(self->priv->lock);
    video = self->priv->has_video && !input_ended(self->priv, self->priv->video);
    audio = self->priv->has_audio && !input_ended(self->priv, self->priv->audio);
  }
  if (video) session->video = add_source("video", "video");
  if (audio) session->audio = add_source("audio", "audio");

  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, self, nullptr);
  gst_object_unref(pad);
  GstBus *bus = gst_element_get_bus(session->pipeline);
  gst_bus_set_sync_handler(bus, on_session_message, self, nullptr);
  gst_object_unref(bus);
  return session;
}

void destroy_session(Session *session) {
  if (!session) return;
  gst_element_set_state(session->pipeline, GST_STATE_NULL);
  gst_object_unref(session->pipeline);
  delete session;
}

// Waits until something ends the current connection, or `timeout` passes.
// With `wake_on_draining`, also returns kNone once end of stream starts draining.
Outcome wait_outcome(Priv *p, std::unique_lock<std::mutex> &lock,
                     std::chrono::nanoseconds timeout = std::chrono::nanoseconds::max(),
                     bool wake_on_draining = false) {
  const auto ready = [&] {
    return p->stopping || p->reconnect_now || p->outcome != Outcome::kNone ||
           (wake_on_draining && p->draining);
  };
  if (timeout == std::chrono::nanoseconds::max())
    p->wake.wait(lock, ready);
  else
    p->wake.wait_for(lock, timeout, ready);
  if (p->stopping) return Outcome::kStop;
  if (p->reconnect_now) {
    p->reconnect_now = false;
    return Outcome::kReconnectNow;
  }
  return p->outcome;
}

// Whether the server accepts TCP connections: false with `down` set when it
// resolves but refuses or does not answer (a server that is down), false
// with `down` unset for anything else (no such host, a cancelled check).
bool server_answers(const out::ServerAddress &address, GCancellable *cancel, bool &down) {
  GSocketClient *client = g_socket_client_new();
  g_socket_client_set_timeout(client, 1);
  g_socket_client_set_enable_proxy(client, FALSE);
  GError *error = nullptr;
  GSocketConnection *connection =
      g_socket_client_connect_to_host(client, address.host.c_str(), address.port, cancel, &error);
  g_object_unref(client);
  down = false;
  if (connection) {
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
    g_object_unref(connection);
    return true;
  }
  down =
      error && error->domain == G_IO_ERROR &&
      (error->code == G_IO_ERROR_CONNECTION_REFUSED || error->code == G_IO_ERROR_TIMED_OUT ||
       error->code == G_IO_ERROR_HOST_UNREACHABLE || error->code == G_IO_ERROR_NETWORK_UNREACHABLE);
  g_clear_error(&error);
  return false;
}

// Waits `delay` before the next attempt. If the server is down when the wait
// begins, it is checked every probe interval and the wait ends as soon as it
// accepts connections again: however long the backoff has grown, a server
// that comes back is used at once. A server that is up but failed the
// attempt (a refused key, a broken handshake) gets the full delay.
Outcome wait_to_retry(Self *self, const Settings &s, int64_t delay) {
  Priv *p = self->priv;
  const auto deadline = Clock::now() + std::chrono::nanoseconds(delay);
  const auto address =
      s.probe_interval > 0 ? out::server_address(s.location) : std::optional<out::ServerAddress>();
  bool down = false;
  const bool watching = address && !server_answers(*address, p->cancel, down) && down;
  std::unique_lock lock(p->lock);
  p->outcome = Outcome::kNone;
  while (true) {
    auto step = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    if (step.count() <= 0) return Outcome::kNone;
    if (watching) step = std::min(step, std::chrono::nanoseconds(s.probe_interval));
    const Outcome outcome = wait_outcome(p, lock, step);
    if (outcome != Outcome::kNone) return outcome;
    if (!watching || Clock::now() >= deadline) continue;
    lock.unlock();
    const bool back = server_answers(*address, p->cancel, down);
    lock.lock();
    if (back && !p->stopping) {
      GST_INFO_OBJECT(self, "the server accepts connections again: retrying now");
      return Outcome::kNone;
    }
  }
}

void post_eos_if_ready(Self *self);

// The controller's last act: nothing more will be sent, so the held EOS may go.
void end_controller(Self *self) {
  {
    std::lock_guard lock(self->priv->lock);
    self->priv->drained = true;
  }
  set_state(self, out::State::kStopped, 0, GST_CLOCK_TIME_NONE, "");
  post_eos_if_ready(self);
}

void controller_main(Self *self) noexcept {
  Priv *p = self->priv;
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  guint failed = 0;

  while (true) {
    const Settings s = settings_of(self);
    set_state(self, out::State::kConnecting, failed + 1, GST_CLOCK_TIME_NONE, "");
    Session *session = nullptr;
    std::string error;
    try {
      session = build_session(self, s);
    } catch (const std::exception &e) {
      error = e.what();
    }
    bool was_live = false;
    Outcome outcome = Outcome::kError;
    if (session) {
      {
        std::lock_guard lock(p->lock);
        p->outcome = Outcome::kNone;
        p->session = session;
        gst_caps_replace(&p->video_caps, nullptr);
        gst_caps_replace(&p->audio_caps, nullptr);
        p->gate.open();
      }
      if (gst_element_set_state(session->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        std::lock_guard lock(p->lock);
        if (p->outcome == Outcome::kNone) {
          p->outcome = Outcome::kError;
          p->session_error = "could not start the connection";
        }
      }
      std::unique_lock lock(p->lock);
      outcome = wait_outcome(p, lock, std::chrono::nanoseconds::max(), true);
      if (p->draining) {
        // Every input ended: give the last data a bounded time to reach the server.
        if (outcome == Outcome::kNone)
          outcome = wait_outcome(p, lock, std::chrono::nanoseconds(s.drain_timeout));
        if (outcome != Outcome::kDrained)
          GST_WARNING_OBJECT(self, "connection did not drain at end of stream");
        outcome = Outcome::kDrained;
      } else if (outcome == Outcome::kDrained) {
        outcome = Outcome::kError;  // the session ended without being asked to
      }
      error = p->session_error;
      was_live = session->sink_buffers >= 2;
      p->gate.close();
      p->session = nullptr;
    }
    destroy_session(session);

    if (outcome == Outcome::kDrained || outcome == Outcome::kStop) {
      end_controller(self);
      return;
    }
    if (outcome == Outcome::kReconnectNow) {
      failed = 0;
      continue;
    }
    if (was_live) {
      failed = 0;
      std::lock_guard lock(p->lock);
      p->reconnects++;
    }
    failed++;
    {
      std::lock_guard lock(p->lock);
      p->last_error = error;
    }
    if (!out::may_retry(s.backoff, failed)) {
      set_state(self, out::State::kFailed, failed, GST_CLOCK_TIME_NONE, error);
      GST_ELEMENT_WARNING(
          self, RESOURCE, WRITE,
          ("Giving up on %s after %u attempts", out::redact_rtmp_url(s.location).c_str(), failed),
          ("%s", error.c_str()));
      std::unique_lock lock(p->lock);
      p->outcome = Outcome::kNone;
      const Outcome next = wait_outcome(p, lock);
      if (next == Outcome::kStop || next == Outcome::kDrained) {
        lock.unlock();
        end_controller(self);
        return;
      }
      failed = 0;
      continue;
    }
    const int64_t delay = out::backoff_delay(s.backoff, failed, uniform(random));
    set_state(self, out::State::kReconnecting, failed + 1, static_cast<GstClockTime>(delay), error);
    const Outcome next = wait_to_retry(self, s, delay);
    if (next == Outcome::kStop || next == Outcome::kDrained) {
      end_controller(self);
      return;
    }
    if (next == Outcome::kReconnectNow) failed = 0;
  }
}

// ---- end of stream ----

void post_eos_if_ready(Self *self) {
  Priv *p = self->priv;
  std::vector<GstMessage *> held;
  {
    std::lock_guard lock(p->lock);
    const size_t inputs = (p->has_video ? 1 : 0) + (p->has_audio ? 1 : 0);
    if (p->eos_posted || p->held_eos.size() < inputs || !p->drained) return;
    p->eos_posted = true;
    held.swap(p->held_eos);
  }
  // GstBin posts the element's own EOS once each of its sinks has.
  for (GstMessage *m : held)
    GST_BIN_CLASS(gst_resilient_rtmp_sink_parent_class)->handle_message(GST_BIN_CAST(self), m);
}

}  // namespace

// EOS from an input's appsink is held back until the connection drained.
static void gst_resilient_rtmp_sink_handle_message(GstBin *bin, GstMessage *message) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(bin);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
    Priv *p = self->priv;
    bool drained_already = false;
    {
      std::lock_guard lock(p->lock);
      p->held_eos.push_back(message);
      const size_t inputs = (p->has_video ? 1 : 0) + (p->has_audio ? 1 : 0);
      if (p->held_eos.size() >= inputs) {
        if (p->session && p->gate.started()) {
          p->draining = true;
          if (p->session->video) gst_app_src_end_of_stream(GST_APP_SRC(p->session->video));
          if (p->session->audio) gst_app_src_end_of_stream(GST_APP_SRC(p->session->audio));
        } else {
          // Nothing on air to finish: stop connecting and end now.
          p->stopping = true;
          g_cancellable_cancel(p->cancel);
          p->drained = !p->controller.joinable();
          p->wake.notify_all();
        }
      } else {
        // One stream ended before the other (a file without sound): the
        // connection goes on with the other one alone, and flvmux stops
        // waiting for the ended one.
        const bool video = GST_MESSAGE_SRC(message) == GST_OBJECT_CAST(p->video.appsink);
        if (video) p->gate.set_has_video(false);
        GstElement *src = p->session ? (video ? p->session->video : p->session->audio) : nullptr;
        if (src) gst_app_src_end_of_stream(GST_APP_SRC(src));
      }
      drained_already = p->drained;
    }
    if (drained_already) post_eos_if_ready(self);
    return;
  }
  GST_BIN_CLASS(gst_resilient_rtmp_sink_parent_class)->handle_message(bin, message);
}

static void start_controller(Self *self) {
  Priv *p = self->priv;
  std::lock_guard lock(p->lock);
  p->stopping = false;
  g_cancellable_reset(p->cancel);
  p->reconnect_now = false;
  p->outcome = Outcome::kNone;
  for (GstMessage *m : p->held_eos) gst_message_unref(m);
  p->held_eos.clear();
  p->draining = p->drained = p->eos_posted = false;
  p->gate.set_has_video(p->has_video);
  p->gate.close();
  p->controller = std::thread(controller_main, self);
}

static void stop_controller(Self *self) {
  Priv *p = self->priv;
  std::thread thread;
  {
    std::lock_guard lock(p->lock);
    p->stopping = true;
    g_cancellable_cancel(p->cancel);
    p->wake.notify_all();
    thread = std::move(p->controller);
  }
  if (thread.joinable()) thread.join();
}

static GstStateChangeReturn gst_resilient_rtmp_sink_change_state(
    GstElement *element, GstStateChange transition) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(element);
  return onair::guarded(element, GST_STATE_CHANGE_FAILURE, [&] {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      const Settings s = settings_of(self);
      if (s.location.rfind("rtmp://", 0) != 0 && s.location.rfind("rtmps://", 0) != 0) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No valid RTMP location set"),
                          ("location must start with rtmp:// or rtmps://, got '%s'",
                           out::redact_rtmp_url(s.location).c_str()));
        return GST_STATE_CHANGE_FAILURE;
      }
      if (!self->priv->has_video && !self->priv->has_audio) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Nothing linked to send"),
                          ("request a 'video' and/or 'audio' pad"));
        return GST_STATE_CHANGE_FAILURE;
      }
      start_controller(self);
    }
    const GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(gst_resilient_rtmp_sink_parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
      stop_controller(self);
      std::lock_guard lock(self->priv->lock);
      self->priv->state = out::State::kIdle;
    }
    return ret;
  });
}

static GstPad *gst_resilient_rtmp_sink_request_new_pad(GstElement *element, GstPadTemplate *templ,
                                                       const gchar *, const GstCaps *) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(element);
  return onair::guarded(element, static_cast<GstPad *>(nullptr), [&]() -> GstPad * {
    Priv *p = self->priv;
    const bool video = g_str_equal(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), "video");
    Input &input = video ? p->video : p->audio;
    if (GST_STATE(element) > GST_STATE_READY) {
      GST_WARNING_OBJECT(self, "pads can only be requested before starting");
      return nullptr;
    }
    if (input.appsink) return nullptr;  // one of each

    GstElement *appsink = gst_element_factory_make("appsink", video ? "video-in" : "audio-in");
    GstCaps *caps = gst_pad_template_get_caps(templ);
    g_object_set(appsink, "caps", caps, "sync", settings_of(self).sync, "max-buffers", 1u,
                 "enable-last-sample", FALSE, "qos", FALSE, nullptr);
    gst_caps_unref(caps);
    GstAppSinkCallbacks callbacks = {};
    callbacks.new_sample = on_new_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &callbacks, self, nullptr);
    gst_bin_add(GST_BIN(self), appsink);
    gst_element_sync_state_with_parent(appsink);

    GstPad *target = gst_element_get_static_pad(appsink, "sink");
    GstPad *ghost = gst_ghost_pad_new_from_template(video ? "video" : "audio", target, templ);
    gst_object_unref(target);
    gst_pad_set_active(ghost, TRUE);
    gst_element_add_pad(element, ghost);
    {
      std::lock_guard lock(p->lock);
      input.appsink = GST_ELEMENT(gst_object_ref(appsink));
      input.ghost = ghost;
      (video ? p->has_video : p->has_audio) = true;
    }
    return ghost;
  });
}

static void gst_resilient_rtmp_sink_release_pad(GstElement *element, GstPad *pad) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(element);
  Priv *p = self->priv;
  GstElement *appsink = nullptr;
  {
    std::lock_guard lock(p->lock);
    for (Input *input : {&p->video, &p->audio}) {
      if (input->ghost != pad) continue;
      appsink = input->appsink;
      input->appsink = nullptr;
      input->ghost = nullptr;
      (input == &p->video ? p->has_video : p->has_audio) = false;
    }
  }
  gst_element_remove_pad(element, pad);
  if (appsink) {
    // On dispose the bin may have removed its children already.
    if (GST_OBJECT_PARENT(appsink) == GST_OBJECT_CAST(self)) {
      gst_element_set_state(appsink, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(self), appsink);
    }
    gst_object_unref(appsink);
  }
}

static void reconnect_now(Self *self) {
  Priv *p = self->priv;
  std::lock_guard lock(p->lock);
  p->reconnect_now = true;
  p->wake.notify_all();
}

static GstStructure *stats_structure(Self *self) {
  Priv *p = self->priv;
  const std::string where = out::redact_rtmp_url(settings_of(self).location);
  std::lock_guard lock(p->lock);
  const auto now = Clock::now();
  const guint64 uptime =
      p->state == out::State::kLive
          ? static_cast<guint64>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - p->live_since).count())
          : 0;
  const double bitrate = p->rate.bits_per_second(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  return gst_structure_new(
      "resilientrtmpsink-stats", "state", G_TYPE_STRING, out::state_name(p->state), "location",
      G_TYPE_STRING, where.c_str(), "frames-sent", G_TYPE_UINT64, p->frames_sent, "bytes-sent",
      G_TYPE_UINT64, p->bytes_sent, "frames-dropped", G_TYPE_UINT64, p->gate.video_dropped(),
      "audio-dropped", G_TYPE_UINT64, p->gate.audio_dropped(), "bitrate", G_TYPE_DOUBLE, bitrate,
      "uptime", G_TYPE_UINT64, uptime, "reconnects", G_TYPE_UINT, p->reconnects, "attempt",
      G_TYPE_UINT, p->attempt, "last-error", G_TYPE_STRING, p->last_error.c_str(),
      "encoding-latency", G_TYPE_INT64, p->latency.mean(), nullptr);
}

static void gst_resilient_rtmp_sink_set_property(GObject *object, guint prop_id,
                                                 const GValue *value, GParamSpec *pspec) {
  auto *self = GST_RESILIENT_RTMP_SINK(object);
  std::lock_guard lock(self->priv->settings_lock);
  Settings &s = self->priv->settings;
  switch (prop_id) {
    case PROP_LOCATION: {
      const gchar *v = g_value_get_string(value);
      s.location = v ? v : "";
      break;
    }
    case PROP_TLS_VALIDATION:
      s.tls_validation = g_value_get_boolean(value);
      break;
    case PROP_MAX_ATTEMPTS:
      s.backoff.max_attempts = g_value_get_uint(value);
      break;
    case PROP_RETRY_INITIAL:
      s.backoff.initial = static_cast<int64_t>(g_value_get_uint64(value));
      break;
    case PROP_RETRY_MAX:
      s.backoff.max = static_cast<int64_t>(g_value_get_uint64(value));
      break;
    case PROP_TIMEOUT:
      s.timeout = g_value_get_uint(value);
      break;
    case PROP_MAX_QUEUE:
      s.max_queue = g_value_get_uint64(value);
      break;
    case PROP_DRAIN_TIMEOUT:
      s.drain_timeout = g_value_get_uint64(value);
      break;
    case PROP_PROBE_INTERVAL:
      s.probe_interval = g_value_get_uint64(value);
      break;
    case PROP_SYNC:
      s.sync = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_resilient_rtmp_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                                 GParamSpec *pspec) {
  auto *self = GST_RESILIENT_RTMP_SINK(object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed(value, stats_structure(self));
    return;
  }
  if (prop_id == PROP_STATE) {
    std::lock_guard lock(self->priv->lock);
    g_value_set_string(value, out::state_name(self->priv->state));
    return;
  }
  const Settings s = settings_of(self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string(value, s.location.c_str());
      break;
    case PROP_DISPLAY_LOCATION:
      g_value_set_string(value, out::redact_rtmp_url(s.location).c_str());
      break;
    case PROP_TLS_VALIDATION:
      g_value_set_boolean(value, s.tls_validation);
      break;
    case PROP_MAX_ATTEMPTS:
      g_value_set_uint(value, s.backoff.max_attempts);
      break;
    case PROP_RETRY_INITIAL:
      g_value_set_uint64(value, static_cast<guint64>(s.backoff.initial));
      break;
    case PROP_RETRY_MAX:
      g_value_set_uint64(value, static_cast<guint64>(s.backoff.max));
      break;
    case PROP_TIMEOUT:
      g_value_set_uint(value, s.timeout);
      break;
    case PROP_MAX_QUEUE:
      g_value_set_uint64(value, s.max_queue);
      break;
    case PROP_DRAIN_TIMEOUT:
      g_value_set_uint64(value, s.drain_timeout);
      break;
    case PROP_PROBE_INTERVAL:
      g_value_set_uint64(value, s.probe_interval);
      break;
    case PROP_SYNC:
      g_value_set_boolean(value, s.sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_resilient_rtmp_sink_finalize(GObject *object) {
  auto *self = GST_RESILIENT_RTMP_SINK(object);
  stop_controller(self);
  gst_caps_replace(&self->priv->video_caps, nullptr);
  gst_caps_replace(&self->priv->audio_caps, nullptr);
  for (GstMessage *m : self->priv->held_eos) gst_message_unref(m);
  for (Input *input : {&self->priv->video, &self->priv->audio})
    if (input->appsink) gst_object_unref(input->appsink);
  g_object_unref(self->priv->cancel);
  delete self->priv;
  G_OBJECT_CLASS(gst_resilient_rtmp_sink_parent_class)->finalize(object);
}

static void gst_resilient_rtmp_sink_init(GstResilientRtmpSink *self) {
  self->priv = new Priv();
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void gst_resilient_rtmp_sink_class_init(GstResilientRtmpSinkClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *bin_class = GST_BIN_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(resilient_rtmp_sink_debug, "resilientrtmpsink", 0,
                          "RTMP output that reconnects");

  gobject_class->set_property = gst_resilient_rtmp_sink_set_property;
  gobject_class->get_property = gst_resilient_rtmp_sink_get_property;
  gobject_class->finalize = gst_resilient_rtmp_sink_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto rw_playing = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "rtmp://host[:port]/app/KEY or rtmps://...; the key is never shown "
                          "(takes effect at the next connection)",
                          nullptr, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_TLS_VALIDATION,
      g_param_spec_boolean("tls-validation", "TLS validation",
                           "Validate the RTMPS server's certificate; switch off only for "
                           "self-signed test servers",
                           TRUE, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_MAX_ATTEMPTS,
      g_param_spec_uint("max-attempts", "Maximum attempts",
                        "Failed connection attempts in a row before giving up (state 'failed'); "
                        "0 = never give up",
                        0, G_MAXUINT, 0, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_RETRY_INITIAL,
      g_param_spec_uint64("retry-initial", "First retry delay",
                          "Delay (ns) before the first retry; it doubles with each failure", 0,
                          G_MAXINT64, 500 * GST_MSECOND, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_RETRY_MAX,
      g_param_spec_uint64("retry-max", "Longest retry delay", "Cap (ns) of the retry delay", 0,
                          G_MAXINT64, 30 * GST_SECOND, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_TIMEOUT,
      g_param_spec_uint("timeout", "Timeout",
                        "Seconds to wait for the server when connecting and for acknowledgements",
                        1, 3600, 10, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint64("max-queue", "Maximum queue",
                          "Running time (ns) that may wait for a slow connection before frames "
                          "are skipped up to the next keyframe",
                          GST_MSECOND * 100, G_MAXINT64, 2 * GST_SECOND, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_DRAIN_TIMEOUT,
      g_param_spec_uint64("drain-timeout", "Drain timeout",
                          "At end of stream, how long (ns) the last data may take to reach the "
                          "server",
                          0, G_MAXINT64, 5 * GST_SECOND, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_PROBE_INTERVAL,
      g_param_spec_uint64("probe-interval", "Probe interval",
                          "While waiting to retry a server that refused or did not answer, how "
                          "often (ns) to check whether it accepts connections again, retrying at "
                          "once when it does; 0 = wait out the backoff delay",
                          0, G_MAXINT64, 250 * GST_MSECOND, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_SYNC,
      g_param_spec_boolean("sync", "Sync",
                           "Send each frame at its running time (paces file sources in real time)",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_DISPLAY_LOCATION,
      g_param_spec_string("display-location", "Display location",
                          "The location with its stream key and credentials hidden", nullptr, ro));
  g_object_class_install_property(
      gobject_class, PROP_STATE,
      g_param_spec_string("state", "State",
                          "idle, connecting, live, reconnecting, failed or stopped", "idle", ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "resilientrtmpsink-stats: state, location, frames-sent, bytes-sent, "
                         "frames-dropped, audio-dropped, bitrate, uptime, reconnects, attempt, "
                         "last-error, encoding-latency",
                         GST_TYPE_STRUCTURE, ro));

  /**
   * GstResilientRtmpSink::reconnect-now:
   *
   * Drops the current connection (if any) and connects again at once,
   * resetting the backoff. Also revives an output in the 'failed' state.
   */
  signals[SIGNAL_RECONNECT_NOW] = g_signal_new_class_handler(
      "reconnect-now", G_TYPE_FROM_CLASS(klass),
      static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK(reconnect_now),
      nullptr, nullptr, nullptr, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(
      element_class, "Resilient RTMP sink", "Sink/Network",
      "Publishes H.264 and AAC to an RTMP(S) server and keeps reconnecting with backoff when the "
      "connection fails, starting each connection on a keyframe; the pipeline never fails because "
      "of the network. Posts 'resilientrtmpsink-state' messages. Example: ... ! h264parse ! "
      "out.video ... ! aacparse ! out.audio resilientrtmpsink name=out "
      "location=rtmp://127.0.0.1/live/key",
      "onair developers");

  element_class->change_state = gst_resilient_rtmp_sink_change_state;
  element_class->request_new_pad = gst_resilient_rtmp_sink_request_new_pad;
  element_class->release_pad = gst_resilient_rtmp_sink_release_pad;
  bin_class->handle_message = gst_resilient_rtmp_sink_handle_message;
}
