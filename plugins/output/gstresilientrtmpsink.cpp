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
 * and starts each new connection on a keyframe it asks upstream for. The waits
 * between tries run on the pipeline clock.
 *
 * The action signal #GstResilientRtmpSink::reconnect-now drops the connection
 * and connects again at once, also after the element gave up.
 *
 * At every change of state it posts a `resilientrtmpsink-state` element
 * message with the fields `state` (connecting, live, reconnecting, failed,
 * stopped), `attempt` (uint: the attempt it is about, 1 = first; 0 for live
 * and stopped), `location` (the stream key hidden), `next-delay` (guint64 ns
 * until the next attempt, when reconnecting) and `error` (why, after a
 * failure). Giving up after #GstResilientRtmpSink:max-attempts is a warning,
 * never an error. Its figures are in #GstResilientRtmpSink:stats
 * (`resilientrtmpsink-stats`). The stream key never appears in its messages,
 * errors or logs: URLs are shown as `rtmp://host/app/ *** `. See
 * docs/elements/resilientrtmpsink.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=60 ! h264parse
 *   ! out.video audiotestsrc is-live=true ! voaacenc ! aacparse ! out.audio
 *   resilientrtmpsink name=out location=rtmp://127.0.0.1/live/key
 * ]|
 */
#include "gstresilientrtmpsink.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "onair/guard.h"
#include "onair/running_time.h"
#include "resilientrtmpsink_messages.h"
#include "resilientrtmpsink_priv.h"

GST_DEBUG_CATEGORY(resilient_rtmp_sink_debug);
#define GST_CAT_DEFAULT resilient_rtmp_sink_debug

namespace out = onair::output;
namespace msg = onair::resilientrtmpsink_messages;
using namespace onair::resilientrtmpsink;

namespace {

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

GstElement *element_of(Self *self) {
  return GST_ELEMENT_CAST(self);
}

// ---- data path (outer streaming threads) ----

void request_keyframe(GstElement *appsink) {
  GstPad *pad = gst_element_get_static_pad(appsink, "sink");
  gst_pad_push_event(pad,
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(pad);
}

GstClockTime shifted(int64_t running_time, int64_t offset) {
  if (running_time < 0) return GST_CLOCK_TIME_NONE;
  return running_time >= offset ? static_cast<GstClockTime>(running_time - offset) : 0;
}

// A sample's frame for the gate, with its timestamps as running time.
struct Timed {
  out::Frame frame;
  int64_t pts, dts;
};

Timed timed(GstSample *sample, out::Stream stream) {
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  const GstSegment *segment = gst_sample_get_segment(sample);
  Timed t;
  t.pts = onair::segment_running_time(segment, GST_BUFFER_PTS(buffer));
  t.dts = onair::segment_running_time(segment, GST_BUFFER_DTS(buffer));
  t.frame.stream = stream;
  t.frame.running_time = t.dts >= 0 ? t.dts : t.pts;
  t.frame.keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return t;
}

void send(out::RtmpSession *session, GstSample *sample, const Timed &t, int64_t offset) {
  // Shares the memory; only the timestamps differ.
  GstBuffer *copy = gst_buffer_copy(gst_sample_get_buffer(sample));
  GST_BUFFER_PTS(copy) = shifted(t.pts, offset);
  GST_BUFFER_DTS(copy) = shifted(t.dts, offset);
  session->push(t.frame.stream, gst_sample_get_caps(sample), copy);
}

// Audio held while a connection waits for its first keyframe: at most this many frames
// (about 1.5 s of AAC); the oldest go first.
constexpr size_t kMaxHeldAudio = 64;

GstFlowReturn on_new_sample(GstAppSink *appsink, gpointer data) noexcept {
  auto *self = static_cast<Self *>(data);
  return onair::guarded(element_of(self), GST_FLOW_ERROR, [&] {
    onair::SamplePtr sample(gst_app_sink_pull_sample(appsink));
    if (!sample) return GST_FLOW_EOS;
    Priv *p = self->priv;
    const bool is_video = GST_ELEMENT_CAST(appsink) == p->video.appsink;
    const Timed t = timed(sample.get(), is_video ? out::Stream::kVideo : out::Stream::kAudio);

    const guint64 max_queue = settings_of(p).max_queue;
    out::Decision decision;
    {
      std::lock_guard lock(p->lock);
      if (p->state) {
        State &st = *p->state;
        out::RtmpSession *session = st.session.get();
        const bool queue_full = session && session->queued(t.frame.stream) > max_queue;
        decision = st.gate.decide(t.frame, queue_full);
        if (decision.send && session) send(session, sample.get(), t, decision.offset);
        if (decision.hold) {
          st.held_audio.push_back(std::move(sample));
          if (st.held_audio.size() > kMaxHeldAudio) {
            st.held_audio.pop_front();
            st.gate.drop_held(1);
          }
        }
        if (decision.release_held) {
          // The connection started on this keyframe: the sound from its time on goes too.
          for (onair::SamplePtr &held : st.held_audio) {
            const Timed h = timed(held.get(), out::Stream::kAudio);
            const out::Decision d = st.gate.decide(h.frame, false);
            if (d.send && session) send(session, held.get(), h, d.offset);
          }
          st.held_audio.clear();
        }
        p->stats.video_dropped = st.gate.video_dropped();
        p->stats.audio_dropped = st.gate.audio_dropped();
      }
    }
    if (decision.request_keyframe && is_video) request_keyframe(GST_ELEMENT_CAST(appsink));
    return GST_FLOW_OK;
  });
}

// ---- end of stream ----

// Holds an input's EOS until the connection drained; false when not running.
bool hold_eos(Self *self, GstMessage *message) {
  Priv *p = self->priv;
  bool drained_already = false;
  {
    std::lock_guard lock(p->lock);
    if (!p->state) return false;
    State &st = *p->state;
    st.held_eos.emplace_back(message);
    const size_t inputs = (p->video.appsink ? 1 : 0) + (p->audio.appsink ? 1 : 0);
    out::RtmpSession *session = st.session.get();
    if (st.held_eos.size() >= inputs) {
      // Every input ended: a connection on air drains, else the output stops at once.
      const bool on_air = session && st.gate.started();
      if (on_air) {
        session->end(out::Stream::kVideo);
        session->end(out::Stream::kAudio);
      }
      st.policy.end_of_stream(now(p), on_air);
      wake(p);
    } else {
      // One stream ended before the other (a file without sound): the connection goes on
      // with the other one alone, and flvmux stops waiting for the ended one.
      const bool video = GST_MESSAGE_SRC(message) == GST_OBJECT_CAST(p->video.appsink);
      if (video) st.gate.set_has_video(false);
      if (session) session->end(video ? out::Stream::kVideo : out::Stream::kAudio);
    }
    drained_already = st.drained;
  }
  if (drained_already) post_eos_if_ready(p);
  return true;
}

// ---- the stats property and the action signal ----

GstStructure *stats_structure(Self *self) {
  Priv *p = self->priv;
  const std::string where = out::redact_rtmp_url(settings_of(p).location);
  std::lock_guard lock(p->lock);
  const Statistics &s = p->stats;
  const auto now = WallClock::now();
  const guint64 uptime =
      s.state == out::State::kLive
          ? static_cast<guint64>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - s.live_since).count())
          : 0;
  const double bitrate = s.rate.bits_per_second(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  GstStructure *stats = gst_structure_new(
      msg::kStats, msg::kStateName, G_TYPE_STRING, out::state_name(s.state), msg::kLocation,
      G_TYPE_STRING, where.c_str(), msg::kFramesSent, G_TYPE_UINT64, s.frames_sent, msg::kBytesSent,
      G_TYPE_UINT64, s.bytes_sent, msg::kFramesDropped, G_TYPE_UINT64, s.video_dropped,
      msg::kAudioDropped, G_TYPE_UINT64, s.audio_dropped, msg::kBitrate, G_TYPE_DOUBLE, bitrate,
      msg::kUptime, G_TYPE_UINT64, uptime, msg::kReconnects, G_TYPE_UINT, s.reconnects,
      msg::kAttempt, G_TYPE_UINT, s.attempt, msg::kLastError, G_TYPE_STRING, s.last_error.c_str(),
      msg::kEncodingLatency, G_TYPE_INT64, s.latency.mean(), nullptr);
  // A countdown for whoever shows the state; the state message has the delay as it began.
  if (s.state == out::State::kReconnecting) {
    const auto left = std::max(WallClock::duration::zero(), s.next_attempt_at - now);
    gst_structure_set(
        stats, msg::kNextAttemptIn, G_TYPE_UINT64,
        static_cast<guint64>(std::chrono::duration_cast<std::chrono::nanoseconds>(left).count()),
        nullptr);
  }
  return stats;
}

void reconnect_now(Self *self) noexcept {
  onair::guarded(element_of(self), [&] {
    Priv *p = self->priv;
    std::lock_guard lock(p->lock);
    if (!p->state) return;
    p->state->policy.reconnect_now();
    wake(p);
  });
}

}  // namespace

// EOS from an input's appsink is held back until the connection drained.
static void gst_resilient_rtmp_sink_handle_message(GstBin *bin, GstMessage *message) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(bin);
  const bool held = onair::guarded(element_of(self), false, [&] {
    return GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS && hold_eos(self, message);
  });
  if (!held) GST_BIN_CLASS(gst_resilient_rtmp_sink_parent_class)->handle_message(bin, message);
}

static GstStateChangeReturn gst_resilient_rtmp_sink_change_state(
    GstElement *element, GstStateChange transition) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(element);
  auto *parent_class = GST_ELEMENT_CLASS(gst_resilient_rtmp_sink_parent_class);
  if (GST_STATE_TRANSITION_NEXT(transition) < GST_STATE_TRANSITION_CURRENT(transition)) {
    return onair::guarded_teardown(element, GST_STATE_CHANGE_FAILURE, [&] {
      const GstStateChangeReturn ret = parent_class->change_state(element, transition);
      if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) stop_controller(self->priv);
      return ret;
    });
  }
  return onair::guarded(element, GST_STATE_CHANGE_FAILURE, [&] {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      const Settings s = settings_of(self->priv);
      if (s.location.rfind("rtmp://", 0) != 0 && s.location.rfind("rtmps://", 0) != 0) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No valid RTMP location set"),
                          ("location must start with rtmp:// or rtmps://, got '%s'",
                           out::redact_rtmp_url(s.location).c_str()));
        return GST_STATE_CHANGE_FAILURE;
      }
      bool linked;
      {
        std::lock_guard lock(self->priv->lock);
        linked = self->priv->video.appsink || self->priv->audio.appsink;
      }
      if (!linked) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Nothing linked to send"),
                          ("request a 'video' and/or 'audio' pad"));
        return GST_STATE_CHANGE_FAILURE;
      }
      start_controller(self->priv, s);
    }
    const GstStateChangeReturn ret = parent_class->change_state(element, transition);
    // A start that failed is never stopped by PAUSED->READY.
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE)
      stop_controller(self->priv);
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
    {
      std::lock_guard lock(p->lock);
      if (input.appsink) return nullptr;  // one of each
    }

    GstElement *appsink = gst_element_factory_make("appsink", video ? "video-in" : "audio-in");
    GstCaps *caps = gst_pad_template_get_caps(templ);
    g_object_set(appsink, "caps", caps, "sync", settings_of(self->priv).sync, "max-buffers", 1u,
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
    std::lock_guard lock(p->lock);
    input.appsink = GST_ELEMENT(gst_object_ref(appsink));
    input.ghost = ghost;
    return ghost;
  });
}

static void gst_resilient_rtmp_sink_release_pad(GstElement *element, GstPad *pad) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(element);
  onair::guarded_teardown(element, [&] {
    Priv *p = self->priv;
    GstElement *appsink = nullptr;
    {
      std::lock_guard lock(p->lock);
      for (Input *input : {&p->video, &p->audio}) {
        if (input->ghost != pad) continue;
        appsink = input->appsink;
        *input = Input();
      }
    }
    gst_element_remove_pad(element, pad);
    if (!appsink) return;
    // On dispose the bin may have removed its children already.
    if (GST_OBJECT_PARENT(appsink) == GST_OBJECT_CAST(self)) {
      gst_element_set_state(appsink, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(self), appsink);
    }
    gst_object_unref(appsink);
  });
}

static void gst_resilient_rtmp_sink_set_property(GObject *object, guint prop_id,
                                                 const GValue *value, GParamSpec *pspec) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(object);
  onair::guarded(element_of(self), [&] {
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
  });
}

static void gst_resilient_rtmp_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                                 GParamSpec *pspec) noexcept {
  auto *self = GST_RESILIENT_RTMP_SINK(object);
  onair::guarded(element_of(self), [&] {
    if (prop_id == PROP_STATS) {
      g_value_take_boxed(value, stats_structure(self));
      return;
    }
    if (prop_id == PROP_STATE) {
      std::lock_guard lock(self->priv->lock);
      g_value_set_string(value, out::state_name(self->priv->stats.state));
      return;
    }
    const Settings s = settings_of(self->priv);
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
  });
}

static void gst_resilient_rtmp_sink_finalize(GObject *object) {
  auto *self = GST_RESILIENT_RTMP_SINK(object);
  onair::guarded_teardown(element_of(self), [&] {
    stop_controller(self->priv);
    for (Input *input : {&self->priv->video, &self->priv->audio})
      if (input->appsink) gst_object_unref(input->appsink);
    delete self->priv;
  });
  G_OBJECT_CLASS(gst_resilient_rtmp_sink_parent_class)->finalize(object);
}

static void forward_eos(GstElement *element, GstMessage *eos) {
  GST_BIN_CLASS(gst_resilient_rtmp_sink_parent_class)->handle_message(GST_BIN_CAST(element), eos);
}

static void gst_resilient_rtmp_sink_init(GstResilientRtmpSink *self) {
  self->priv = new Priv();
  self->priv->element = GST_ELEMENT_CAST(self);
  self->priv->forward_eos = forward_eos;
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
                         "last-error, encoding-latency, next-attempt-in (while reconnecting)",
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
      "of the network. Action signal: reconnect-now (drop the connection and connect again at "
      "once; revives a failed output). Posts 'resilientrtmpsink-state' at every change: state "
      "(connecting, live, reconnecting, failed, stopped), attempt (uint), location (key hidden), "
      "next-delay (guint64 ns, when reconnecting), error (string, after a failure); giving up is "
      "a warning. Example: gst-launch-1.0 -e videotestsrc is-live=true ! x264enc "
      "tune=zerolatency ! h264parse ! out.video audiotestsrc is-live=true ! voaacenc ! aacparse "
      "! out.audio resilientrtmpsink name=out location=rtmp://127.0.0.1/live/key",
      "onair developers");

  element_class->change_state = gst_resilient_rtmp_sink_change_state;
  element_class->request_new_pad = gst_resilient_rtmp_sink_request_new_pad;
  element_class->release_pad = gst_resilient_rtmp_sink_release_pad;
  bin_class->handle_message = gst_resilient_rtmp_sink_handle_message;
}
