/**
 * SECTION:element-livesplitmuxsink
 * @title: livesplitmuxsink
 *
 * Records H.264 (or any video with keyframes) and sound into numbered fragmented MP4 files,
 * like `splitmuxsink muxer-factory=mp4mux` with a fragment every
 * #GstLiveSplitMuxSink:fragment-duration, but holding back a few frames instead of a whole
 * keyframe interval: a killed process loses at most the last fragment plus the sender's
 * B-frame reorder, whatever its keyframe interval. Files still start on the sender's real
 * keyframes only, and the MP4's sync samples are exactly the sender's keyframes.
 *
 * splitmuxsink queues a whole GOP before muxing it. Inside this bin, each delta frame that
 * presents after every earlier one (an I or P anchor, never a reordered B-frame) goes into
 * splitmuxsink as if it began a GOP, so what came before is muxed at once; on the way out of
 * splitmuxsink it becomes a delta frame again. New files (#GstLiveSplitMuxSink:max-size-time,
 * #GstLiveSplitMuxSink::split-after) start at real keyframes, through splitmuxsink's
 * `split-at-running-time`.
 *
 * splitmuxsink's element messages (`splitmuxsink-fragment-opened`,
 * `splitmuxsink-fragment-closed`) reach the bus with, when there is a video pad, their
 * `running-time` set to the file's real start (its first keyframe) and end (the next file's
 * first keyframe, or the end of the latest frame). Without a video pad the sound
 * passes straight through splitmuxsink. See docs/elements/livesplitmuxsink.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e tcpserversrc port=4444 ! tsdemux name=d d. ! h264parse ! queue !
 * livesplitmuxsink name=rec location=recording_%03d.mp4 max-size-time=600000000000
 * d. ! aacparse ! queue ! rec.audio_0
 * ]|
 */
#include "gstlivesplitmuxsink.h"

#include <map>
#include <mutex>
#include <string>
#include <optional>

#include "core/live_split.h"
#include "onair/guard.h"
#include "onair/running_time.h"

GST_DEBUG_CATEGORY_STATIC(live_split_mux_sink_debug);
#define GST_CAT_DEFAULT live_split_mux_sink_debug

namespace {

constexpr guint kDefaultFragmentDuration = 250;  // ms, as mp4mux counts
constexpr char kReleasedMetaName[] = "OnairLiveSplitReleasedMeta";

enum { PROP_0, PROP_LOCATION, PROP_START_INDEX, PROP_MAX_SIZE_TIME, PROP_FRAGMENT_DURATION };
enum { SIGNAL_SPLIT_AFTER, N_SIGNALS };
guint signals[N_SIGNALS];

GstStaticPadTemplate video_template =
    GST_STATIC_PAD_TEMPLATE("video", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE("audio_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

// Marks a delta frame passed into splitmuxsink as a keyframe, to be restored on its way out.
const GstMetaInfo *released_meta_info() {
  static const GstMetaInfo *info = [] {
    static const gchar *tags[] = {nullptr};
    return gst_meta_register_custom(kReleasedMetaName, tags, nullptr, nullptr, nullptr);
  }();
  return info;
}

GQuark watched_quark() {
  static const GQuark quark = g_quark_from_static_string("onair-livesplitmuxsink-watched");
  return quark;
}

}  // namespace

struct GstLiveSplitMuxSinkPriv {
  std::mutex lock;
  guint64 max_size_time = 0;
  onair::record::LiveSplitPlanner planner;
  GstSegment segment;              // the video pad's
  GstElement *splitmux = nullptr;  // a reference of our own
  GstPad *video_pad = nullptr;     // our ghost pad, while requested
  // splitmuxsink's files by location, numbered in the order they were opened (the planner's
  // file index), to give its messages the files' real bounds.
  std::map<std::string, size_t> files;
};

struct _GstLiveSplitMuxSink {
  GstBin parent;
  GstLiveSplitMuxSinkPriv *priv;
};

G_DEFINE_TYPE(GstLiveSplitMuxSink, gst_live_split_mux_sink, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(livesplitmuxsink, "livesplitmuxsink", GST_RANK_NONE,
                            GST_TYPE_LIVE_SPLIT_MUX_SINK)

namespace {

// With a video pad the bin splits itself, at real keyframes; without one splitmuxsink does.
void apply_max_size_time(GstLiveSplitMuxSink *self) {
  GstLiveSplitMuxSinkPriv *p = self->priv;
  guint64 for_splitmux = 0;
  {
    std::lock_guard lock(p->lock);
    p->planner.set_max_size_time(p->max_size_time);
    if (!p->video_pad) for_splitmux = p->max_size_time;
  }
  g_object_set(p->splitmux, "max-size-time", for_splitmux, nullptr);
}

void set_fragment_duration(GstLiveSplitMuxSink *self, guint ms) {
  GstStructure *props =
      gst_structure_new("properties", "fragment-duration", G_TYPE_UINT, ms, nullptr);
  g_object_set(self->priv->splitmux, "muxer-properties", props, nullptr);
  gst_structure_free(props);
}

guint fragment_duration(GstLiveSplitMuxSink *self) {
  GstStructure *props = nullptr;
  g_object_get(self->priv->splitmux, "muxer-properties", &props, nullptr);
  guint ms = kDefaultFragmentDuration;
  if (props) {
    gst_structure_get_uint(props, "fragment-duration", &ms);
    gst_structure_free(props);
  }
  return ms;
}

// On the way in: decides per video frame; returns the time to split at before this frame.
std::optional<int64_t> plan_frame(GstLiveSplitMuxSink *self, GstBuffer **buffer) {
  GstLiveSplitMuxSinkPriv *p = self->priv;
  const bool keyframe = !GST_BUFFER_FLAG_IS_SET(*buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  onair::record::FrameDecision decision;
  {
    std::lock_guard lock(p->lock);
    const int64_t rt = onair::segment_running_time(&p->segment, GST_BUFFER_PTS(*buffer));
    const auto duration = GST_BUFFER_DURATION_IS_VALID(*buffer)
                              ? static_cast<int64_t>(GST_BUFFER_DURATION(*buffer))
                              : 0;
    decision = p->planner.on_frame(
        rt == onair::kUnknownTime ? std::nullopt : std::optional<int64_t>(rt), keyframe, duration);
  }
  if (decision.release) {
    *buffer = gst_buffer_make_writable(*buffer);
    GST_BUFFER_FLAG_UNSET(*buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_buffer_add_custom_meta(*buffer, kReleasedMetaName);
  }
  return decision.split_at;
}

void split_at(GstLiveSplitMuxSink *self, int64_t running_time) {
  GST_DEBUG_OBJECT(self, "next file from running time %" GST_STIME_FORMAT,
                   GST_STIME_ARGS(running_time));
  g_signal_emit_by_name(self->priv->splitmux, "split-at-running-time",
                        static_cast<guint64>(running_time));
}

gboolean plan_list_buffer(GstBuffer **buffer, guint, gpointer user_data) {
  const auto split = plan_frame(GST_LIVE_SPLIT_MUX_SINK(user_data), buffer);
  if (split) split_at(GST_LIVE_SPLIT_MUX_SINK(user_data), *split);
  return TRUE;
}

GstPadProbeReturn on_video_input(GstPad *, GstPadProbeInfo *info, gpointer user_data) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(user_data);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_PAD_PROBE_OK, [&] {
    GstLiveSplitMuxSinkPriv *p = self->priv;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
      auto *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
      const auto split = plan_frame(self, &buffer);
      GST_PAD_PROBE_INFO_DATA(info) = buffer;
      if (split) split_at(self, *split);
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
      // Splits are asked for before the list goes in; its frames before a keyframe lie below
      // that keyframe's split time, so they stay in the old file.
      GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
      GST_PAD_PROBE_INFO_DATA(info) = list;
      gst_buffer_list_foreach(list, plan_list_buffer, self);
    } else if (GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info)) {
      if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
        const GstSegment *segment = nullptr;
        gst_event_parse_segment(event, &segment);
        std::lock_guard lock(p->lock);
        gst_segment_copy_into(segment, &p->segment);
      } else if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
        std::lock_guard lock(p->lock);
        p->planner.reset();
        p->files.clear();
      }
    }
    return GST_PAD_PROBE_OK;
  });
}

// On the way out: a released frame is a delta frame again before the muxer sees it.
GstPadProbeReturn on_muxer_input(GstPad *, GstPadProbeInfo *info, gpointer user_data) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(user_data);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_PAD_PROBE_OK, [&] {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!gst_buffer_get_custom_meta(buffer, kReleasedMetaName)) return GST_PAD_PROBE_OK;
    buffer = gst_buffer_make_writable(buffer);
    GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, kReleasedMetaName);
    gst_buffer_remove_meta(buffer, reinterpret_cast<GstMeta *>(meta));
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    return GST_PAD_PROBE_OK;
  });
}

void watch_muxer_pad(GstLiveSplitMuxSink *self, GstPad *pad) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SINK || g_object_get_qdata(G_OBJECT(pad), watched_quark()))
    return;
  g_object_set_qdata(G_OBJECT(pad), watched_quark(), GINT_TO_POINTER(1));
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_muxer_input, self, nullptr);
}

void on_muxer_pad_added(GstElement *, GstPad *pad, gpointer user_data) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(user_data);
  onair::guarded(GST_ELEMENT_CAST(self), [&] { watch_muxer_pad(self, pad); });
}

// splitmuxsink makes a muxer per file (async-finalize) and announces it before linking it.
void on_muxer_added(GstElement *, GstElement *muxer, gpointer user_data) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(user_data);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    if (g_object_get_qdata(G_OBJECT(muxer), watched_quark())) return;
    g_object_set_qdata(G_OBJECT(muxer), watched_quark(), GINT_TO_POINTER(1));
    g_signal_connect_object(muxer, "pad-added", G_CALLBACK(on_muxer_pad_added), self,
                            GConnectFlags(0));
    GstIterator *pads = gst_element_iterate_sink_pads(muxer);
    gst_iterator_foreach(
        pads,
        [](const GValue *value, gpointer data) {
          watch_muxer_pad(GST_LIVE_SPLIT_MUX_SINK(data), GST_PAD(g_value_get_object(value)));
        },
        self);
    gst_iterator_free(pads);
  });
}

// filesink keeps up to 64 KiB in its stdio buffer by default, seconds of a low-bitrate
// stream that a killed process would lose: each buffer goes to the kernel as it comes.
void on_sink_added(GstElement *, GstElement *sink, gpointer user_data) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(user_data);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "buffer-mode"))
      gst_util_set_object_arg(G_OBJECT(sink), "buffer-mode", "unbuffered");
  });
}

void split_after(GstLiveSplitMuxSink *self) noexcept {
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    GstLiveSplitMuxSinkPriv *p = self->priv;
    {
      std::lock_guard lock(p->lock);
      if (p->video_pad) {
        p->planner.request_split();
        return;
      }
    }
    g_signal_emit_by_name(p->splitmux, "split-after");
  });
}

}  // namespace

static GstPad *gst_live_split_mux_sink_request_new_pad(GstElement *element, GstPadTemplate *templ,
                                                       const gchar *name,
                                                       const GstCaps *caps) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(element);
  return onair::guarded(element, static_cast<GstPad *>(nullptr), [&]() -> GstPad * {
    GstLiveSplitMuxSinkPriv *p = self->priv;
    if (!p->splitmux) return static_cast<GstPad *>(nullptr);
    const bool video = g_str_equal(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), "video");
    GstPadTemplate *inner_templ =
        gst_element_get_pad_template(p->splitmux, GST_PAD_TEMPLATE_NAME_TEMPLATE(templ));
    GstPad *inner =
        inner_templ ? gst_element_request_pad(p->splitmux, inner_templ, name, caps) : nullptr;
    if (!inner) return nullptr;
    GstPad *ghost = gst_ghost_pad_new_from_template(GST_PAD_NAME(inner), inner, templ);
    gst_object_unref(inner);
    if (video) {
      gst_pad_add_probe(ghost,
                        static_cast<GstPadProbeType>(
                            GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                            GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH),
                        on_video_input, self, nullptr);
      std::lock_guard lock(p->lock);
      p->video_pad = ghost;
    }
    if (video) apply_max_size_time(self);
    gst_pad_set_active(ghost, TRUE);
    gst_element_add_pad(element, ghost);
    return ghost;
  });
}

static void gst_live_split_mux_sink_release_pad(GstElement *element, GstPad *pad) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(element);
  onair::guarded_teardown(element, [&] {
    GstLiveSplitMuxSinkPriv *p = self->priv;
    bool was_video = false;
    {
      std::lock_guard lock(p->lock);
      was_video = p->video_pad == pad;
      if (was_video) p->video_pad = nullptr;
    }
    GstPad *inner = gst_ghost_pad_get_target(GST_GHOST_PAD(pad));
    gst_ghost_pad_set_target(GST_GHOST_PAD(pad), nullptr);
    if (inner) {
      gst_element_release_request_pad(p->splitmux, inner);
      gst_object_unref(inner);
    }
    gst_pad_set_active(pad, FALSE);
    gst_element_remove_pad(element, pad);
    if (was_video) apply_max_size_time(self);
  });
}

static GstStateChangeReturn gst_live_split_mux_sink_change_state(
    GstElement *element, GstStateChange transition) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY && !self->priv->splitmux) {
      GST_ELEMENT_ERROR(self, CORE, MISSING_PLUGIN, ("splitmuxsink is missing"),
                        ("install gst-plugins-good (multifile)"));
      return GST_STATE_CHANGE_FAILURE;
    }
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      std::lock_guard lock(self->priv->lock);
      self->priv->planner.reset();
      self->priv->files.clear();
      gst_segment_init(&self->priv->segment, GST_FORMAT_TIME);
    }
    return GST_ELEMENT_CLASS(gst_live_split_mux_sink_parent_class)
        ->change_state(element, transition);
  });
}

static void gst_live_split_mux_sink_set_property(GObject *object, guint prop_id,
                                                 const GValue *value, GParamSpec *pspec) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    GstLiveSplitMuxSinkPriv *p = self->priv;
    if (!p->splitmux) return;
    switch (prop_id) {
      case PROP_LOCATION:
        g_object_set_property(G_OBJECT(p->splitmux), "location", value);
        break;
      case PROP_START_INDEX:
        g_object_set_property(G_OBJECT(p->splitmux), "start-index", value);
        break;
      case PROP_MAX_SIZE_TIME: {
        {
          std::lock_guard lock(p->lock);
          p->max_size_time = g_value_get_uint64(value);
        }
        apply_max_size_time(self);
        break;
      }
      case PROP_FRAGMENT_DURATION:
        set_fragment_duration(self, g_value_get_uint(value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
  });
}

static void gst_live_split_mux_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                                 GParamSpec *pspec) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    GstLiveSplitMuxSinkPriv *p = self->priv;
    if (!p->splitmux) return;
    switch (prop_id) {
      case PROP_LOCATION:
        g_object_get_property(G_OBJECT(p->splitmux), "location", value);
        break;
      case PROP_START_INDEX:
        g_object_get_property(G_OBJECT(p->splitmux), "start-index", value);
        break;
      case PROP_MAX_SIZE_TIME: {
        std::lock_guard lock(p->lock);
        g_value_set_uint64(value, p->max_size_time);
        break;
      }
      case PROP_FRAGMENT_DURATION:
        g_value_set_uint(value, fragment_duration(self));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
  });
}

static void gst_live_split_mux_sink_finalize(GObject *object) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(object);
  onair::guarded_teardown(GST_ELEMENT_CAST(self), [&] {
    if (self->priv->splitmux) gst_object_unref(self->priv->splitmux);
    delete self->priv;
  });
  G_OBJECT_CLASS(gst_live_split_mux_sink_parent_class)->finalize(object);
}

static void gst_live_split_mux_sink_init(GstLiveSplitMuxSink *self) {
  self->priv = new GstLiveSplitMuxSinkPriv();
  gst_segment_init(&self->priv->segment, GST_FORMAT_TIME);
  GstElement *splitmux = gst_element_factory_make("splitmuxsink", "splitmuxsink");
  if (!splitmux) {
    GST_ERROR_OBJECT(self, "splitmuxsink (gst-plugins-good multifile) is missing");
    return;
  }
  self->priv->splitmux = splitmux;
  g_object_set(splitmux, "muxer-factory", "mp4mux", "async-finalize", TRUE, nullptr);
  g_signal_connect_object(splitmux, "muxer-added", G_CALLBACK(on_muxer_added), self,
                          GConnectFlags(0));
  g_signal_connect_object(splitmux, "sink-added", G_CALLBACK(on_sink_added), self,
                          GConnectFlags(0));
  // Our own reference: request pads are released after the bin has dropped its children.
  gst_bin_add(GST_BIN(self), GST_ELEMENT(gst_object_ref(splitmux)));
  set_fragment_duration(self, kDefaultFragmentDuration);
}

namespace {

constexpr char kFragmentOpened[] = "splitmuxsink-fragment-opened";
constexpr char kFragmentClosed[] = "splitmuxsink-fragment-closed";

// splitmuxsink stamps its fragment messages with its output thread's progress when it
// decides, which lags a file's real bounds by a varying amount; with a video pad the planner
// knows them, so the messages carry those instead.
GstMessage *with_file_bounds(GstLiveSplitMuxSink *self, GstMessage *message) {
  GstLiveSplitMuxSinkPriv *p = self->priv;
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT ||
      GST_MESSAGE_SRC(message) != GST_OBJECT_CAST(p->splitmux))
    return message;
  const GstStructure *s = gst_message_get_structure(message);
  const bool opened = gst_structure_has_name(s, kFragmentOpened);
  if (!opened && !gst_structure_has_name(s, kFragmentClosed)) return message;
  const gchar *location = gst_structure_get_string(s, "location");
  if (!location) return message;
  std::optional<int64_t> bound;
  {
    std::lock_guard lock(p->lock);
    if (!p->video_pad) return message;
    if (opened) {
      const size_t index = p->files.size();
      p->files.emplace(location, index);
      bound = p->planner.file_start(index);
    } else if (auto found = p->files.find(location); found != p->files.end()) {
      bound = p->planner.file_end(found->second);
    }
  }
  if (!bound || *bound < 0) return message;
  GstStructure *fixed = gst_structure_copy(s);
  gst_structure_set(fixed, "running-time", G_TYPE_UINT64, static_cast<guint64>(*bound), nullptr);
  GstMessage *replacement = gst_message_new_element(GST_MESSAGE_SRC(message), fixed);
  gst_message_unref(message);
  return replacement;
}

}  // namespace

static void gst_live_split_mux_sink_handle_message(GstBin *bin, GstMessage *message) noexcept {
  auto *self = GST_LIVE_SPLIT_MUX_SINK(bin);
  message = onair::guarded(GST_ELEMENT_CAST(self), message,
                           [&] { return with_file_bounds(self, message); });
  GST_BIN_CLASS(gst_live_split_mux_sink_parent_class)->handle_message(bin, message);
}

static void gst_live_split_mux_sink_class_init(GstLiveSplitMuxSinkClass *klass) {
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

  object_class->set_property = gst_live_split_mux_sink_set_property;
  object_class->get_property = gst_live_split_mux_sink_get_property;
  object_class->finalize = gst_live_split_mux_sink_finalize;
  element_class->request_new_pad = gst_live_split_mux_sink_request_new_pad;
  element_class->release_pad = gst_live_split_mux_sink_release_pad;
  element_class->change_state = gst_live_split_mux_sink_change_state;
  GST_BIN_CLASS(klass)->handle_message = gst_live_split_mux_sink_handle_message;

  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto ready_flags = static_cast<GParamFlags>(flags | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      object_class, PROP_LOCATION,
      g_param_spec_string("location", "File output pattern",
                          "Pattern of the files' paths, with one integer conversion "
                          "(recording_%03d.mp4)",
                          nullptr, ready_flags));
  g_object_class_install_property(
      object_class, PROP_START_INDEX,
      g_param_spec_int("start-index", "Start index", "Number of the first file", 0, G_MAXINT, 0,
                       ready_flags));
  g_object_class_install_property(
      object_class, PROP_MAX_SIZE_TIME,
      g_param_spec_uint64("max-size-time", "Max. file duration",
                          "Start a new file at the first keyframe this long (ns) after the "
                          "current file's first; 0: no limit",
                          0, G_MAXUINT64, 0,
                          static_cast<GParamFlags>(flags | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      object_class, PROP_FRAGMENT_DURATION,
      g_param_spec_uint("fragment-duration", "Fragment duration",
                        "Length of an MP4 fragment in ms: what a killed process loses at most, "
                        "beside the sender's B-frame reorder",
                        1, G_MAXUINT, kDefaultFragmentDuration, ready_flags));

  /**
   * GstLiveSplitMuxSink::split-after:
   *
   * Starts a new file at the next keyframe (splitmuxsink's signal of the same name).
   */
  signals[SIGNAL_SPLIT_AFTER] = g_signal_new_class_handler(
      "split-after", G_TYPE_FROM_CLASS(klass),
      static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK(split_after),
      nullptr, nullptr, nullptr, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(
      element_class, "Live split muxing sink", "Generic/Bin/Muxer",
      "Fragmented MP4 files split at keyframes that hold back only a few frames, whatever "
      "the keyframe interval (splitmuxsink inside)",
      "onair");
  released_meta_info();
  GST_DEBUG_CATEGORY_INIT(live_split_mux_sink_debug, "livesplitmuxsink", 0,
                          "onair live split muxing sink");
}
