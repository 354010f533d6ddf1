/**
 * SECTION:element-streammonitor
 * @title: streammonitor
 *
 * A pass-through element for any caps that measures the health of the stream
 * flowing through it: buffers and bytes, frame rate, bitrate, holes in the
 * timestamps (gaps and the buffers missing from them), discontinuities,
 * latency (buffer running time against the pipeline clock) and its jitter.
 *
 * Every #GstStreamMonitor:interval of running time it posts a
 * `streammonitor-stats` element message and updates #GstStreamMonitor:stats.
 * When a threshold is crossed it posts `streammonitor-alert`; when the
 * condition clears, `streammonitor-recovered`. See docs/elements/streammonitor.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc is-live=true ! streammonitor min-fps=25 max-gap=500000000 !
 * fakesink
 * ]|
 */
#include "gststreammonitor.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/stream_monitor.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "streammonitor_messages.h"

GST_DEBUG_CATEGORY_STATIC(stream_monitor_debug);
#define GST_CAT_DEFAULT stream_monitor_debug

namespace monitor = onair::monitor;
namespace msg = onair::streammonitor_messages;

namespace {

constexpr guint64 kDefaultInterval = GST_SECOND;
constexpr guint64 kMinInterval = 10 * GST_MSECOND;

struct Settings {
  monitor::Config config;
  bool post_messages = true;
};

// What the stats property shows: the running stream's figures, or the last run's once it
// stopped.
struct Figures {
  monitor::Stats stats;
  std::string media;  // caps structure name
};

// Runtime state: built in start(), dropped in stop().
struct State {
  monitor::StreamMonitor core;
  std::string media;  // caps structure name
};

struct Priv {
  std::mutex settings_lock;
  Settings settings;

  std::mutex state_lock;  // guards everything below
  std::optional<State> state;
  Figures last_run;
  GstClockID watchdog = nullptr;  // while PLAYING
};

enum {
  PROP_0,
  PROP_INTERVAL,
  PROP_MIN_FPS,
  PROP_MAX_GAP,
  PROP_MIN_BITRATE,
  PROP_MAX_BITRATE,
  PROP_POST_MESSAGES,
  PROP_STATS,
};

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

}  // namespace

struct _GstStreamMonitor {
  GstBaseTransform parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstStreamMonitor, gst_stream_monitor, GST_TYPE_BASE_TRANSFORM)
GST_ELEMENT_REGISTER_DEFINE(streammonitor, "streammonitor", GST_RANK_NONE, GST_TYPE_STREAM_MONITOR)

namespace {

static_assert(monitor::kUnknown == onair::kUnknownTime);

GstClockTime to_clock_time(int64_t ns) {
  return ns == monitor::kUnknown ? GST_CLOCK_TIME_NONE : static_cast<GstClockTime>(ns);
}

GstStructure *stats_structure(const monitor::Stats &s, const std::string &media) {
  GstStructure *st = gst_structure_new(
      msg::kStats, msg::kRunningTime, G_TYPE_UINT64, to_clock_time(s.running_time), msg::kBuffers,
      G_TYPE_UINT64, s.buffers, msg::kBytes, G_TYPE_UINT64, s.bytes, msg::kFps, G_TYPE_DOUBLE,
      s.fps, msg::kBitrate, G_TYPE_DOUBLE, s.bitrate, msg::kGaps, G_TYPE_UINT64, s.gaps,
      msg::kDropped, G_TYPE_UINT64, s.dropped, msg::kDiscont, G_TYPE_UINT64, s.discont,
      msg::kLongestGap, G_TYPE_UINT64, static_cast<guint64>(s.longest_gap), msg::kStalled,
      G_TYPE_BOOLEAN, s.stalled, nullptr);
  if (!media.empty()) gst_structure_set(st, msg::kMedia, G_TYPE_STRING, media.c_str(), nullptr);
  // Clock-derived figures exist only while the pipeline runs against a clock.
  if (s.latency != monitor::kUnknown)
    gst_structure_set(st, msg::kLatency, G_TYPE_INT64, s.latency, msg::kMaxLatency, G_TYPE_INT64,
                      s.max_latency, nullptr);
  if (s.jitter != monitor::kUnknown)
    gst_structure_set(st, msg::kJitter, G_TYPE_INT64, s.jitter, nullptr);
  return st;
}

void post_events(GstStreamMonitor *self, const std::vector<monitor::Event> &events,
                 const std::string &media) {
  for (const monitor::Event &e : events) {
    GstStructure *st = nullptr;
    switch (e.kind) {
      case monitor::Event::Kind::kStats:
        st = stats_structure(e.stats, media);
        break;
      case monitor::Event::Kind::kAlert:
      case monitor::Event::Kind::kRecovered: {
        const bool alert = e.kind == monitor::Event::Kind::kAlert;
        const char *name = monitor::alert_name(e.alert);
        if (alert)
          GST_WARNING_OBJECT(self, "alert %s: %f (threshold %f)", name, e.value, e.threshold);
        else
          GST_INFO_OBJECT(self, "recovered from %s: %f", name, e.value);
        st = gst_structure_new(alert ? msg::kAlert : msg::kRecovered, msg::kAlertName,
                               G_TYPE_STRING, name, msg::kValue, G_TYPE_DOUBLE, e.value,
                               msg::kThreshold, G_TYPE_DOUBLE, e.threshold, msg::kRunningTime,
                               G_TYPE_UINT64, to_clock_time(e.stats.running_time), nullptr);
        break;
      }
    }
    gst_element_post_message(GST_ELEMENT_CAST(self),
                             gst_message_new_element(GST_OBJECT_CAST(self), st));
  }
}

Settings settings_of(GstStreamMonitor *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

gboolean on_watchdog(GstClock *, GstClockTime time, GstClockID, gpointer user_data) noexcept {
  auto *self = GST_STREAM_MONITOR(user_data);
  return onair::guarded(GST_ELEMENT_CAST(self), TRUE, [&] {
    const GstClockTime base = gst_element_get_base_time(GST_ELEMENT_CAST(self));
    if (!GST_CLOCK_TIME_IS_VALID(time) || time < base) return TRUE;
    std::vector<monitor::Event> events;
    std::string media;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return TRUE;
      self->priv->state->core.on_clock(static_cast<int64_t>(time - base), events);
      media = self->priv->state->media;
    }
    if (settings_of(self).post_messages) post_events(self, events, media);
    return TRUE;
  });
}

void start_watchdog(GstStreamMonitor *self) {
  GstClock *clock = gst_element_get_clock(GST_ELEMENT_CAST(self));
  if (!clock) return;
  const GstClockTime interval = static_cast<GstClockTime>(settings_of(self).config.interval);
  GstClockID id = gst_clock_new_periodic_id(clock, gst_clock_get_time(clock) + interval, interval);
  gst_object_unref(clock);
  {
    std::lock_guard lock(self->priv->state_lock);
    if (self->priv->watchdog) {
      gst_clock_id_unref(id);
      return;
    }
    self->priv->watchdog = id;
  }
  gst_clock_id_wait_async(id, on_watchdog, gst_object_ref(self), gst_object_unref);
}

void stop_watchdog(GstStreamMonitor *self) {
  GstClockID id;
  {
    std::lock_guard lock(self->priv->state_lock);
    id = self->priv->watchdog;
    self->priv->watchdog = nullptr;
  }
  if (!id) return;
  gst_clock_id_unschedule(id);
  gst_clock_id_unref(id);
}

}  // namespace

static GstFlowReturn gst_stream_monitor_transform_ip(GstBaseTransform *trans,
                                                     GstBuffer *buffer) noexcept {
  auto *self = GST_STREAM_MONITOR(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&] {
    const Settings settings = settings_of(self);

    monitor::BufferInfo info;
    const GstClockTime ts =
        GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) : GST_BUFFER_DTS(buffer);
    info.running_time = onair::segment_running_time(&trans->segment, ts);
    if (GST_BUFFER_DURATION_IS_VALID(buffer))
      info.duration = static_cast<int64_t>(GST_BUFFER_DURATION(buffer));
    info.size = gst_buffer_get_size(buffer);
    info.discont = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    info.arrival = onair::clock_running_time(GST_ELEMENT_CAST(self));

    std::vector<monitor::Event> events;
    std::string media;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return GST_FLOW_FLUSHING;
      State &state = *self->priv->state;
      state.core.set_config(settings.config);
      state.core.on_buffer(info, events);
      if (!events.empty()) media = state.media;
    }
    if (settings.post_messages) post_events(self, events, media);
    return GST_FLOW_OK;
  });
}

static gboolean gst_stream_monitor_sink_event(GstBaseTransform *trans, GstEvent *event) noexcept {
  auto *self = GST_STREAM_MONITOR(trans);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_FLUSH_STOP:
      case GST_EVENT_SEGMENT: {
        std::lock_guard lock(self->priv->state_lock);
        if (self->priv->state) self->priv->state->core.on_discontinuity();
        break;
      }
      case GST_EVENT_CAPS: {
        GstCaps *caps = nullptr;
        gst_event_parse_caps(event, &caps);
        if (caps && gst_caps_get_size(caps) > 0) {
          std::lock_guard lock(self->priv->state_lock);
          if (self->priv->state)
            self->priv->state->media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
        }
        break;
      }
      default:
        break;
    }
  });
  return GST_BASE_TRANSFORM_CLASS(gst_stream_monitor_parent_class)->sink_event(trans, event);
}

static gboolean gst_stream_monitor_start(GstBaseTransform *trans) noexcept {
  auto *self = GST_STREAM_MONITOR(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&] {
    const monitor::Config config = settings_of(self).config;
    std::lock_guard lock(self->priv->state_lock);
    self->priv->state.emplace(State{monitor::StreamMonitor(config), {}});
    self->priv->last_run = {};
    return TRUE;
  });
}

static gboolean gst_stream_monitor_stop(GstBaseTransform *trans) noexcept {
  auto *self = GST_STREAM_MONITOR(trans);
  return onair::guarded_teardown(GST_ELEMENT_CAST(self), FALSE, [&] {
    std::lock_guard lock(self->priv->state_lock);
    if (self->priv->state)
      self->priv->last_run = {self->priv->state->core.latest(), self->priv->state->media};
    self->priv->state.reset();
    return TRUE;
  });
}

static GstStateChangeReturn gst_stream_monitor_change_state(GstElement *element,
                                                            GstStateChange transition) noexcept {
  auto *self = GST_STREAM_MONITOR(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) stop_watchdog(self);
    const GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(gst_stream_monitor_parent_class)->change_state(element, transition);
    if (ret != GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING)
      start_watchdog(self);
    return ret;
  });
}

static void gst_stream_monitor_set_property(GObject *object, guint prop_id, const GValue *value,
                                            GParamSpec *pspec) noexcept {
  auto *self = GST_STREAM_MONITOR(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_INTERVAL:
        s.config.interval = static_cast<int64_t>(g_value_get_uint64(value));
        break;
      case PROP_MIN_FPS:
        s.config.thresholds.min_fps = g_value_get_double(value);
        break;
      case PROP_MAX_GAP:
        s.config.thresholds.max_gap = static_cast<int64_t>(g_value_get_uint64(value));
        break;
      case PROP_MIN_BITRATE:
        s.config.thresholds.min_bitrate = static_cast<double>(g_value_get_uint64(value));
        break;
      case PROP_MAX_BITRATE:
        s.config.thresholds.max_bitrate = static_cast<double>(g_value_get_uint64(value));
        break;
      case PROP_POST_MESSAGES:
        s.post_messages = g_value_get_boolean(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_stream_monitor_get_property(GObject *object, guint prop_id, GValue *value,
                                            GParamSpec *pspec) noexcept {
  auto *self = GST_STREAM_MONITOR(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    if (prop_id == PROP_STATS) {
      std::lock_guard lock(self->priv->state_lock);
      const Priv *p = self->priv;
      g_value_take_boxed(value, p->state ? stats_structure(p->state->core.latest(), p->state->media)
                                         : stats_structure(p->last_run.stats, p->last_run.media));
      return;
    }
    std::lock_guard lock(self->priv->settings_lock);
    const Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_INTERVAL:
        g_value_set_uint64(value, static_cast<guint64>(s.config.interval));
        break;
      case PROP_MIN_FPS:
        g_value_set_double(value, s.config.thresholds.min_fps);
        break;
      case PROP_MAX_GAP:
        g_value_set_uint64(value, static_cast<guint64>(s.config.thresholds.max_gap));
        break;
      case PROP_MIN_BITRATE:
        g_value_set_uint64(value, static_cast<guint64>(s.config.thresholds.min_bitrate));
        break;
      case PROP_MAX_BITRATE:
        g_value_set_uint64(value, static_cast<guint64>(s.config.thresholds.max_bitrate));
        break;
      case PROP_POST_MESSAGES:
        g_value_set_boolean(value, s.post_messages);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_stream_monitor_finalize(GObject *object) noexcept {
  auto *self = GST_STREAM_MONITOR(object);
  onair::guarded_teardown(GST_ELEMENT_CAST(self), [&] {
    stop_watchdog(self);
    delete self->priv;
  });
  G_OBJECT_CLASS(gst_stream_monitor_parent_class)->finalize(object);
}

static void gst_stream_monitor_init(GstStreamMonitor *self) {
  self->priv = new Priv();
  self->priv->settings.config.interval = static_cast<int64_t>(kDefaultInterval);
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_stream_monitor_class_init(GstStreamMonitorClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(stream_monitor_debug, "streammonitor", 0, "Stream health monitor");

  gobject_class->set_property = gst_stream_monitor_set_property;
  gobject_class->get_property = gst_stream_monitor_get_property;
  gobject_class->finalize = gst_stream_monitor_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_INTERVAL,
      g_param_spec_uint64("interval", "Interval",
                          "Running time (ns) of one measuring window; a streammonitor-stats "
                          "message is posted at the end of each",
                          kMinInterval, G_MAXINT64, kDefaultInterval, rw));
  g_object_class_install_property(
      gobject_class, PROP_MIN_FPS,
      g_param_spec_double("min-fps", "Minimum fps",
                          "Alert 'fps-low' when a window has fewer buffers per second (0 = off)", 0,
                          G_MAXDOUBLE, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_GAP,
      g_param_spec_uint64("max-gap", "Maximum gap",
                          "Alert 'gap' when no data covers longer than this many ns, as a hole "
                          "in the timestamps or as silence on the clock (0 = off)",
                          0, G_MAXINT64, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_MIN_BITRATE,
      g_param_spec_uint64("min-bitrate", "Minimum bitrate",
                          "Alert 'bitrate-low' when a window carries fewer bits per second "
                          "(0 = off)",
                          0, G_MAXUINT64, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_BITRATE,
      g_param_spec_uint64("max-bitrate", "Maximum bitrate",
                          "Alert 'bitrate-high' when a window carries more bits per second "
                          "(0 = off)",
                          0, G_MAXUINT64, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean("post-messages", "Post messages",
                           "Post streammonitor-stats/-alert/-recovered element messages", TRUE,
                           rw));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "The latest streammonitor-stats figures (same fields as the message)",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Stream monitor", "Filter/Analyzer",
      "Passes any stream through unchanged and measures it: buffers, bytes, fps, bitrate, "
      "gaps, dropped buffers, discontinuities, latency and jitter. Element messages: "
      "'streammonitor-stats' every interval (the fields of the 'stats' property; 'latency', "
      "'max-latency' and 'jitter' in ns, present when running against a clock; 'media', the "
      "caps' media type); 'streammonitor-alert' when a threshold is crossed and "
      "'streammonitor-recovered' when it clears, both with 'alert' (fps-low, gap, bitrate-low, "
      "bitrate-high), 'value' and 'threshold' (double: fps, seconds of gap, or bit/s) and "
      "'running-time' (ns). Example: gst-launch-1.0 -m videotestsrc is-live=true ! "
      "streammonitor min-fps=25 ! fakesink",
      "onair developers");

  element_class->change_state = gst_stream_monitor_change_state;
  trans_class->transform_ip = gst_stream_monitor_transform_ip;
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->sink_event = gst_stream_monitor_sink_event;
  trans_class->start = gst_stream_monitor_start;
  trans_class->stop = gst_stream_monitor_stop;
}
