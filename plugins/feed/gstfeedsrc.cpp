/**
 * SECTION:element-feedsrc
 * @title: feedsrc
 *
 * A live source for raw frames or raw sound that another party writes: a bot process
 * writing to standard input, a named pipe or a Unix socket, or an embedding program calling
 * the #GstFeedSrc::push-buffer action signal. However unevenly the writer writes, the output
 * is a steady live stream on the pipeline clock.
 *
 * Timing (the arrival-clock rule): the element outputs one buffer per slot of a fixed grid
 * of running time, starting at 0 when it first plays: video slot k has PTS k/framerate and
 * lasts one frame; audio comes in 20 ms chunks with sample-exact offsets. A slot's content
 * is chosen when the slot ends, so a frame that arrived during it still makes it out.
 * Frames keep their arrival order and each falls into the next free slot (so a burst plays
 * one frame a slot); a slot without a new frame repeats the last one (sharing its memory),
 * or shows black before the first, flagged GST_BUFFER_FLAG_GAP (no new picture: a watchdog
 * such as slateswitch downstream sees a writer that went silent). Sound waits in a buffer: after a
 * gap it starts once #GstFeedSrc:latency of it is buffered or its first byte has waited that long,
 * and a slot that finds too little is padded with silence, so a writer that sends sound only while
 * it speaks gives continuous sound without growing latency. Timestamps on pushed buffers are
 * ignored: the grid sets them.
 *
 * Wire format (#GstFeedSrc:framing=header, the default for video): each message is the 4
 * bytes `OAF1`, the payload length as uint32 little-endian, then the payload: one whole
 * frame (video) or any whole number of sample frames (audio). A message of the wrong size
 * is read, dropped and reported (`feedsrc-refused`); the stream stays aligned. A header
 * without the magic (or a length over 256 MiB) means the writer lost alignment: a warning,
 * then the element scans forward for the next `OAF1` (it keeps the connection).
 * framing=raw takes bare bytes as ffmpeg's `-f rawvideo` does.
 *
 * Element messages: `feedsrc-connected` (peer: stdin, pipe, socket, fd),
 * `feedsrc-disconnected` (partial-bytes, reason), `feedsrc-refused` (bytes, expected,
 * refused), `feedsrc-stalled` and `feedsrc-resumed` (stalled-for). See
 * docs/elements/feedsrc.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 feedsrc location=unix:/tmp/bot.sock
 *   caps="video/x-raw,format=BGRA,width=854,height=480,framerate=30/1" !
 *   videoconvert ! autovideosink
 * ]|
 */
#include "gstfeedsrc.h"

#include <memory>
#include <optional>
#include <string>

#include "feed_reader.h"
#include "feedsrc_messages.h"
#include "feedsrc_priv.h"
#include "onair/guard.h"

GST_DEBUG_CATEGORY(feed_src_debug);
#define GST_CAT_DEFAULT feed_src_debug

namespace msg = onair::feedsrc_messages;
using namespace onair::feedsrc;

namespace {

enum {
  PROP_0,
  PROP_CAPS,
  PROP_LOCATION,
  PROP_FRAMING,
  PROP_MAX_QUEUED,
  PROP_MAX_BUFFERED,
  PROP_LATENCY,
  PROP_STALL_TIMEOUT,
  PROP_END_ON_CLOSE,
  PROP_FRAMES_RECEIVED,
  PROP_FRAMES_REPEATED,
  PROP_FRAMES_REFUSED,
  PROP_BYTES_RECEIVED,
  PROP_SILENCE_INSERTED,
  PROP_CONNECTED,
  PROP_STATS,
};

GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw; audio/x-raw, format=S16LE, layout=interleaved"));

GType framing_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {kFramingAuto, "header for video, raw for audio", "auto"},
        {kFramingHeader, "every message: OAF1, uint32 LE payload length, payload", "header"},
        {kFramingRaw, "bare bytes: video cut every frame size, audio as it comes", "raw"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstFeedSrcFraming", values));
  }
  return type;
}

}  // namespace

struct _GstFeedSrc {
  GstPushSrc parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstFeedSrc, gst_feed_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(feedsrc, "feedsrc", GST_RANK_NONE, GST_TYPE_FEED_SRC)

namespace {

using Self = GstFeedSrc;

GstElement *element_of(Self *self) {
  return GST_ELEMENT_CAST(self);
}

guint64 silence_ns(const Counters &c) {
  return c.rate > 0 ? gst_util_uint64_scale(c.silence_samples, GST_SECOND, c.rate) : 0;
}

}  // namespace

// ---- GstBaseSrc ----

static GstCaps *gst_feed_src_get_caps(GstBaseSrc *src, GstCaps *filter) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), static_cast<GstCaps *>(nullptr), [&] {
    GstCaps *caps = offered_caps(settings_of(self->priv));
    if (!caps) caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(src));
    if (filter) {
      GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref(caps);
      caps = both;
    }
    return caps;
  });
}

static gboolean gst_feed_src_start(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    const Settings settings = settings_of(self->priv);
    GstCaps *caps = offered_caps(settings);
    std::string why;
    std::optional<Media> media = media_of(caps, why);
    if (caps) gst_caps_unref(caps);
    if (!media) {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("feedsrc cannot use its caps: %s", why.c_str()),
                        (nullptr));
      return FALSE;
    }
    const feed::Location location = feed::parse_location(settings.location);
    if (location.kind == feed::Location::Kind::kInvalid) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("location '%s' is not usable: write -, stdin, fd:N, unix:PATH or a pipe "
                         "path",
                         settings.location.c_str()),
                        (nullptr));
      return FALSE;
    }

    const bool header =
        settings.framing == kFramingHeader || (settings.framing == kFramingAuto && media->video);
    auto reader = std::make_unique<Reader>(
        self->priv, location, *media,
        feed::ParserConfig{header ? feed::Framing::kHeader : feed::Framing::kRaw, media->video,
                           media->frame_size, media->video ? 1 : media->sample_frame_size},
        settings.end_on_close);
    if (location.kind != feed::Location::Kind::kNone) {
      std::string detail;
      if (!reader->open(why, detail)) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", why.c_str()),
                          ("%s", detail.empty() ? "" : detail.c_str()));
        return FALSE;
      }
    }

    State state;
    state.media = *media;
    state.latency = settings.latency;
    if (media->video) {
      state.video.emplace(
          feed::VideoConfig{settings.max_queued, static_cast<int64_t>(settings.stall_timeout)});
      state.last_frame = black_frame(media->video_info);
    } else {
      state.audio.emplace(feed::AudioConfig{
          static_cast<uint64_t>(media->rate), media->sample_frame_size,
          static_cast<int64_t>(settings.latency), static_cast<int64_t>(settings.max_buffered)});
    }
    {
      std::lock_guard lock(self->priv->lock);
      self->priv->state.emplace(std::move(state));
      self->priv->counters = {};
      self->priv->counters.rate = media->rate;
    }
    GST_INFO_OBJECT(self, "%s from %s", media->description.c_str(),
                    settings.location.empty() ? "push-buffer" : settings.location.c_str());
    if (location.kind != feed::Location::Kind::kNone) reader->start();
    self->priv->reader = std::move(reader);
    return TRUE;
  });
}

static gboolean gst_feed_src_stop(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    Priv *p = self->priv;
    std::optional<State> ending;
    {
      std::lock_guard lock(p->lock);
      ending.swap(p->state);  // waiting readers and pushers see no state and give up
      p->counters.connected = false;
    }
    p->room.notify_all();
    if (p->reader) p->reader->stop();
    p->reader.reset();  // closes what it opened, removes the socket file
    return TRUE;
  });
}

static gboolean gst_feed_src_unlock(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    std::lock_guard lock(self->priv->lock);
    if (self->priv->state) {
      self->priv->state->flushing = true;
      if (self->priv->state->clock_wait) gst_clock_id_unschedule(self->priv->state->clock_wait);
    }
    return TRUE;
  });
}

static gboolean gst_feed_src_unlock_stop(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    std::lock_guard lock(self->priv->lock);
    if (self->priv->state) self->priv->state->flushing = false;
    return TRUE;
  });
}

static gboolean gst_feed_src_query(GstBaseSrc *src, GstQuery *query) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY)
      return GST_BASE_SRC_CLASS(gst_feed_src_parent_class)->query(src, query);
    std::lock_guard lock(self->priv->lock);
    if (!self->priv->state) return FALSE;
    gst_query_set_latency(query, TRUE, output_latency(*self->priv->state), GST_CLOCK_TIME_NONE);
    return TRUE;
  });
}

static GstFlowReturn gst_feed_src_create(GstPushSrc *src, GstBuffer **out) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), GST_FLOW_ERROR,
                        [&] { return create_slot(self->priv, out); });
}

// ---- action signals ----

static GstFlowReturn gst_feed_src_push_buffer(GstFeedSrc *self, GstBuffer *buffer) noexcept {
  return onair::guarded(element_of(self), GST_FLOW_ERROR,
                        [&] { return push_buffer(self->priv, buffer); });
}

static GstFlowReturn gst_feed_src_end_of_stream(GstFeedSrc *self) noexcept {
  return onair::guarded(element_of(self), GST_FLOW_ERROR, [&] {
    std::lock_guard lock(self->priv->lock);
    if (!self->priv->state) return GST_FLOW_FLUSHING;
    self->priv->state->ending = true;
    return GST_FLOW_OK;
  });
}

// ---- GObject ----

static void gst_feed_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec) noexcept {
  auto *self = GST_FEED_SRC(object);
  onair::guarded(element_of(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_CAPS: {
        const GstCaps *caps = gst_value_get_caps(value);
        s.caps = caps ? std::shared_ptr<GstCaps>(gst_caps_copy(caps), gst_caps_unref) : nullptr;
        break;
      }
      case PROP_LOCATION: {
        const char *location = g_value_get_string(value);
        s.location = location ? location : "";
        break;
      }
      case PROP_FRAMING:
        s.framing = static_cast<FramingChoice>(g_value_get_enum(value));
        break;
      case PROP_MAX_QUEUED:
        s.max_queued = g_value_get_uint(value);
        break;
      case PROP_MAX_BUFFERED:
        s.max_buffered = g_value_get_uint64(value);
        break;
      case PROP_LATENCY:
        s.latency = g_value_get_uint64(value);
        break;
      case PROP_STALL_TIMEOUT:
        s.stall_timeout = g_value_get_uint64(value);
        break;
      case PROP_END_ON_CLOSE:
        s.end_on_close = g_value_get_boolean(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

namespace {

GstStructure *stats_structure(const Counters &c) {
  return gst_structure_new(msg::kStats, msg::kFramesReceived, G_TYPE_UINT64, c.received,
                           msg::kFramesRepeated, G_TYPE_UINT64, c.repeated, msg::kFramesRefused,
                           G_TYPE_UINT64, c.refused, msg::kBytesReceived, G_TYPE_UINT64, c.bytes,
                           msg::kSilenceInserted, G_TYPE_UINT64, silence_ns(c),
                           msg::kConnectedField, G_TYPE_BOOLEAN, c.connected, msg::kStalledField,
                           G_TYPE_BOOLEAN, c.stalled, nullptr);
}

}  // namespace

static void gst_feed_src_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec) noexcept {
  auto *self = GST_FEED_SRC(object);
  onair::guarded(element_of(self), [&] {
    if (prop_id >= PROP_FRAMES_RECEIVED) {
      Counters c;
      {
        std::lock_guard lock(self->priv->lock);
        c = self->priv->counters;
      }
      switch (prop_id) {
        case PROP_FRAMES_RECEIVED:
          g_value_set_uint64(value, c.received);
          break;
        case PROP_FRAMES_REPEATED:
          g_value_set_uint64(value, c.repeated);
          break;
        case PROP_FRAMES_REFUSED:
          g_value_set_uint64(value, c.refused);
          break;
        case PROP_BYTES_RECEIVED:
          g_value_set_uint64(value, c.bytes);
          break;
        case PROP_SILENCE_INSERTED:
          g_value_set_uint64(value, silence_ns(c));
          break;
        case PROP_CONNECTED:
          g_value_set_boolean(value, c.connected);
          break;
        case PROP_STATS:
          g_value_take_boxed(value, stats_structure(c));
          break;
        default:
          G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
          break;
      }
      return;
    }
    const Settings s = settings_of(self->priv);
    switch (prop_id) {
      case PROP_CAPS:
        gst_value_set_caps(value, s.caps.get());
        break;
      case PROP_LOCATION:
        g_value_set_string(value, s.location.empty() ? nullptr : s.location.c_str());
        break;
      case PROP_FRAMING:
        g_value_set_enum(value, s.framing);
        break;
      case PROP_MAX_QUEUED:
        g_value_set_uint(value, s.max_queued);
        break;
      case PROP_MAX_BUFFERED:
        g_value_set_uint64(value, s.max_buffered);
        break;
      case PROP_LATENCY:
        g_value_set_uint64(value, s.latency);
        break;
      case PROP_STALL_TIMEOUT:
        g_value_set_uint64(value, s.stall_timeout);
        break;
      case PROP_END_ON_CLOSE:
        g_value_set_boolean(value, s.end_on_close);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_feed_src_finalize(GObject *object) noexcept {
  auto *self = GST_FEED_SRC(object);
  onair::guarded_teardown(element_of(self), [&] { delete self->priv; });
  G_OBJECT_CLASS(gst_feed_src_parent_class)->finalize(object);
}

static void gst_feed_src_init(GstFeedSrc *self) {
  self->priv = new Priv();
  self->priv->element = GST_ELEMENT_CAST(self);
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);
}

static void gst_feed_src_class_init(GstFeedSrcClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *basesrc_class = GST_BASE_SRC_CLASS(klass);
  auto *pushsrc_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(feed_src_debug, "feedsrc", 0, "Frames and sound from another process");

  gobject_class->set_property = gst_feed_src_set_property;
  gobject_class->get_property = gst_feed_src_get_property;
  gobject_class->finalize = gst_feed_src_finalize;

  // Read at start: changing them takes effect at the next start.
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_CAPS,
      g_param_spec_boxed("caps", "Caps",
                         "What the writer sends, required: fixed video/x-raw (format BGRA, BGRx, "
                         "RGBA or another packed format; width, height, framerate > 0) or "
                         "audio/x-raw (format S16LE, layout interleaved, rate, channels). The "
                         "source pad offers exactly these caps",
                         GST_TYPE_CAPS, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string(
          "location", "Location",
          "Where the writer writes: '-' or 'stdin' (standard input), 'unix:PATH' (a Unix stream "
          "socket feedsrc listens on, mode 0600, removed at stop; a new connection replaces the "
          "current one), 'fd:N' (an inherited descriptor), any other text a named pipe (made "
          "with mode 0600 if missing; reopened for the next writer when one closes). Unset: "
          "data only through the push-buffer signal",
          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_FRAMING,
      g_param_spec_enum("framing", "Framing",
                        "How messages are delimited: header (each message 'OAF1', payload length "
                        "uint32 little-endian, payload), raw (bare bytes, as ffmpeg -f rawvideo "
                        "reads), auto (header for video, raw for audio)",
                        framing_get_type(), kFramingAuto, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_QUEUED,
      g_param_spec_uint("max-queued", "Maximum queued frames",
                        "Video: frames waiting for their slot; when full the reader stops "
                        "reading and push-buffer blocks (back-pressure)",
                        1, 1000, kDefaultMaxQueued, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_BUFFERED,
      g_param_spec_uint64("max-buffered", "Maximum buffered sound",
                          "Audio: ns of sound waiting to play; when full the reader stops "
                          "reading and push-buffer blocks (back-pressure)",
                          0, G_MAXINT64, kDefaultMaxBuffered, rw));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY,
      g_param_spec_uint64("latency", "Latency",
                          "Audio jitter buffer (ns): after a gap, sound starts once this much is "
                          "buffered or its first byte has waited this long",
                          0, 10 * GST_SECOND, kDefaultLatency, rw));
  g_object_class_install_property(
      gobject_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint64("stall-timeout", "Stall timeout",
                          "Video: after this many ns without a new frame post feedsrc-stalled "
                          "(once), and feedsrc-resumed when frames come back (0 = never)",
                          0, G_MAXINT64, kDefaultStallTimeout, rw));
  g_object_class_install_property(
      gobject_class, PROP_END_ON_CLOSE,
      g_param_spec_boolean("end-on-close", "End on close",
                           "When the writer closes, end the stream (EOS once what is queued has "
                           "played) instead of waiting for the next writer",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_RECEIVED,
      g_param_spec_uint64("frames-received", "Frames received",
                          "Complete frames (audio: pieces of sound) accepted", 0, G_MAXUINT64, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_REPEATED,
      g_param_spec_uint64("frames-repeated", "Frames repeated",
                          "Video slots that repeated the previous frame or showed the opening "
                          "black frame",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_REFUSED,
      g_param_spec_uint64("frames-refused", "Frames refused",
                          "Frames or sound messages of the wrong size, dropped", 0, G_MAXUINT64, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_BYTES_RECEIVED,
      g_param_spec_uint64("bytes-received", "Bytes received",
                          "Bytes read from the writer or pushed", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_SILENCE_INSERTED,
      g_param_spec_uint64("silence-inserted", "Silence inserted",
                          "Audio: ns of silence feedsrc put in where no sound was", 0, G_MAXUINT64,
                          0, ro));
  g_object_class_install_property(
      gobject_class, PROP_CONNECTED,
      g_param_spec_boolean("connected", "Connected",
                           "A writer is connected (a pipe has a writer that sent data)", FALSE,
                           ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "feedsrc-stats: frames-received, frames-repeated, frames-refused, "
                         "bytes-received, silence-inserted, connected, stalled",
                         GST_TYPE_STRUCTURE, ro));

  /**
   * GstFeedSrc::push-buffer:
   * @feedsrc: the element
   * @buffer: one whole frame (video) or sound in any amount (audio)
   *
   * Queues data as a writer would, for programs that embed the element (same signature as
   * appsrc's). The buffer is not taken: feedsrc keeps its own reference. Its timestamps are
   * ignored (the output grid sets them). A frame of the wrong size is refused (counted,
   * warned, feedsrc-refused) and GST_FLOW_OK returned; an incomplete sample frame at the end
   * of pushed sound waits for the next push. Blocks while max-queued frames
   * (max-buffered sound) wait; GST_FLOW_FLUSHING when the element is not started or stops.
   */
  g_signal_new_class_handler("push-buffer", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_feed_src_push_buffer), nullptr, nullptr, nullptr,
                             GST_TYPE_FLOW_RETURN, 1, GST_TYPE_BUFFER | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstFeedSrc::end-of-stream:
   * @feedsrc: the element
   *
   * What is queued plays, then the stream ends (EOS).
   */
  g_signal_new_class_handler("end-of-stream", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_feed_src_end_of_stream), nullptr, nullptr, nullptr,
                             GST_TYPE_FLOW_RETURN, 0);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Feed source", "Source/Video;Source/Audio",
      "Raw frames or sound that another process writes (stdin, a named pipe, a Unix socket, "
      "an inherited fd) or a program pushes (push-buffer), as a steady live stream: one buffer "
      "a slot on the pipeline clock (video k/framerate, audio 20 ms), the last frame repeated "
      "when the writer stalls, silence when no sound comes. Wire format (framing=header): "
      "'OAF1', payload length uint32 LE, payload. Element messages: 'feedsrc-connected' "
      "(peer), 'feedsrc-disconnected' (partial-bytes, reason), 'feedsrc-refused' (bytes, "
      "expected, refused), 'feedsrc-stalled', 'feedsrc-resumed' (stalled-for). Example: "
      "gst-launch-1.0 feedsrc location=unix:/tmp/bot.sock "
      "caps=\"video/x-raw,format=BGRA,width=854,height=480,framerate=30/1\" ! videoconvert ! "
      "autovideosink",
      "onair developers");

  basesrc_class->get_caps = gst_feed_src_get_caps;
  basesrc_class->start = gst_feed_src_start;
  basesrc_class->stop = gst_feed_src_stop;
  basesrc_class->unlock = gst_feed_src_unlock;
  basesrc_class->unlock_stop = gst_feed_src_unlock_stop;
  basesrc_class->query = gst_feed_src_query;
  pushsrc_class->create = gst_feed_src_create;
}
