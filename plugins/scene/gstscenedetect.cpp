/**
 * SECTION:element-scenedetect
 * @title: scenedetect
 *
 * Passes raw video through untouched and finds where scenes change: hard cuts, and gradual
 * transitions (dissolves, fades through black or a colour, wipes) reported once with their
 * start and end. Camera flashes, strobes, fast pans, shake, zooms and lighting changes are not
 * scene changes. Frames are read in their own format (I420, NV12, Y42B, UYVY, BGRx, RGBx,
 * BGRA, RGBA, BGR, RGB), a few rows of each, never converted.
 *
 * Each new scene posts a `scenedetect-cut` element message. A cut is decided a few frames
 * after it happened (it must outlast a flash), a gradual transition a few frames after its
 * end; the message carries the exact times of the scene's first frame either way. With
 * #GstSceneDetect:lookahead frames held back, #GstSceneDetect:force-keyframes sends a
 * force-key-unit event downstream right before the new scene's first frame, so an encoder
 * starts a GOP there and splitmuxsink can split there.
 *
 * With #GstSceneDetect:snapshot-location, the first frame of each new scene (after a gradual
 * transition: its end) is written as F0001.jpg, F0002.jpg, ... off the streaming thread, and
 * listed in index.json. See docs/elements/scenedetect.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m uridecodebin uri=file:///path/talk.mp4 ! videoconvert ! \
 *     scenedetect snapshot-location=shots ! fakesink
 * ]|
 */
#include "gstscenedetect.h"

#include <gst/video/video.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/reduced_picture.h"
#include "core/scene_detector.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "scenedetect_messages.h"
#include "snapshots.h"

GST_DEBUG_CATEGORY_STATIC(scene_detect_debug);
#define GST_CAT_DEFAULT scene_detect_debug

namespace sc = onair::scene;
namespace msg = onair::scenedetect_messages;

namespace {

constexpr guint64 kDefaultMinSceneLength = 500 * GST_MSECOND;
constexpr guint kMaxLookahead = 300;
constexpr int kDefaultJpegQuality = 85;

struct Settings {
  double threshold = sc::kDefaultThreshold;
  guint64 min_scene_length = kDefaultMinSceneLength;
  bool gradual = true;
  guint lookahead = 0;
  bool force_keyframes = false;
  std::string snapshot_location;
  std::string index_location;
  int jpeg_quality = kDefaultJpegQuality;
};

// What the messages and snapshots need of a frame that may have left already.
struct FrameFacts {
  int64_t index = 0;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
};

struct HeldFrame {
  GstBuffer *buffer = nullptr;  // owned
  int64_t index = -1;           // -1: not analysed (no picture in it)
  bool key_unit = false;        // send force-key-unit before it
};

// A decided scene change, ready to post after the locks are released.
struct Report {
  const char *kind = msg::kKindCut;
  FrameFacts frame;
  double score = 0;
  bool gradual = false;
  GstClockTime span_start = GST_CLOCK_TIME_NONE, span_end = GST_CLOCK_TIME_NONE;
  std::optional<sc::SnapshotRef> snapshot;
};

// Streaming state: built in start()/set_info(), dropped in stop().
struct State {
  GstVideoInfo info{};
  bool analysable = false;
  sc::PixelFormat format = sc::PixelFormat::kI420;
  sc::Reducer reducer;
  sc::SceneDetector detector;
  sc::ReducedPicture picture;
  std::deque<FrameFacts> recent;  // facts of the last frames analysed, oldest first
  std::deque<HeldFrame> held;     // lookahead: frames not yet pushed on
  bool key_unit_next = false;     // a scene started on a frame that already left
  guint key_units = 0;
  std::unique_ptr<sc::Snapshots> snapshots;
  GstBuffer *latest = nullptr;  // the last frame seen, for capture-now (while snapshots are on)

  ~State() {
    for (HeldFrame &h : held) gst_buffer_unref(h.buffer);
    if (latest) gst_buffer_unref(latest);
  }
};

struct Priv {
  std::mutex settings_lock;
  Settings settings;

  std::mutex state_lock;  // guards state; never held while posting or pushing
  std::unique_ptr<State> state;
};

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_MIN_SCENE_LENGTH,
  PROP_GRADUAL,
  PROP_LOOKAHEAD,
  PROP_FORCE_KEYFRAMES,
  PROP_SNAPSHOT_LOCATION,
  PROP_JPEG_QUALITY,
  PROP_INDEX_LOCATION,
};

#define SCENE_FORMATS "{ I420, NV12, Y42B, UYVY, BGRx, RGBx, BGRA, RGBA, BGR, RGB }"
GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(SCENE_FORMATS)));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(SCENE_FORMATS)));

std::optional<sc::PixelFormat> pixel_format(GstVideoFormat f) {
  switch (f) {
    case GST_VIDEO_FORMAT_I420:
      return sc::PixelFormat::kI420;
    case GST_VIDEO_FORMAT_NV12:
      return sc::PixelFormat::kNV12;
    case GST_VIDEO_FORMAT_Y42B:
      return sc::PixelFormat::kY42B;
    case GST_VIDEO_FORMAT_UYVY:
      return sc::PixelFormat::kUYVY;
    case GST_VIDEO_FORMAT_BGRx:
      return sc::PixelFormat::kBGRx;
    case GST_VIDEO_FORMAT_RGBx:
      return sc::PixelFormat::kRGBx;
    case GST_VIDEO_FORMAT_BGRA:
      return sc::PixelFormat::kBGRA;
    case GST_VIDEO_FORMAT_RGBA:
      return sc::PixelFormat::kRGBA;
    case GST_VIDEO_FORMAT_BGR:
      return sc::PixelFormat::kBGR;
    case GST_VIDEO_FORMAT_RGB:
      return sc::PixelFormat::kRGB;
    default:
      return std::nullopt;
  }
}

}  // namespace

struct _GstSceneDetect {
  GstVideoFilter parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstSceneDetect, gst_scene_detect, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(scenedetect, "scenedetect", GST_RANK_NONE, GST_TYPE_SCENE_DETECT)

namespace {

Settings settings_of(GstSceneDetect *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

sc::DetectorConfig detector_config(const Settings &s) {
  sc::DetectorConfig c;
  c.threshold = s.threshold;
  c.min_scene_length = static_cast<int64_t>(s.min_scene_length);
  c.gradual = s.gradual;
  return c;
}

sc::SnapshotKind snapshot_kind(const char *kind) {
  if (kind == msg::kKindGradual) return sc::SnapshotKind::kGradual;
  if (kind == msg::kKindManual) return sc::SnapshotKind::kManual;
  return sc::SnapshotKind::kCut;
}

// Reserves a snapshot of `buffer` (the state lock held; take() only queues a reference).
void take_snapshot(State &state, GstBuffer *buffer, Report &report) {
  if (!state.snapshots || !state.snapshots->enabled() || !buffer) return;
  sc::SnapshotFacts facts;
  facts.kind = snapshot_kind(report.kind);
  facts.running_time = report.frame.running_time;
  facts.stream_time = report.frame.stream_time;
  facts.timestamp = GST_CLOCK_TIME_IS_VALID(report.frame.stream_time)
                        ? static_cast<double>(report.frame.stream_time) / GST_SECOND
                        : 0.0;
  facts.score = report.score;
  report.snapshot = state.snapshots->take(buffer, state.info, facts);
}

void post_report(GstSceneDetect *self, const Report &r) {
  GstStructure *s = gst_structure_new(
      msg::kCut, msg::kKind, G_TYPE_STRING, r.kind, msg::kRunningTime, G_TYPE_UINT64,
      r.frame.running_time, msg::kStreamTime, G_TYPE_UINT64, r.frame.stream_time, msg::kPts,
      G_TYPE_UINT64, r.frame.pts, msg::kFrame, G_TYPE_UINT64, static_cast<guint64>(r.frame.index),
      msg::kScore, G_TYPE_DOUBLE, r.score, nullptr);
  if (r.gradual)
    gst_structure_set(s, msg::kSpanStart, G_TYPE_UINT64, r.span_start, msg::kSpanEnd, G_TYPE_UINT64,
                      r.span_end, nullptr);
  if (r.snapshot)
    gst_structure_set(s, msg::kSnapshotId, G_TYPE_STRING, r.snapshot->id.c_str(),
                      msg::kSnapshotPath, G_TYPE_STRING, r.snapshot->file.c_str(), nullptr);
  GST_INFO_OBJECT(self, "%" GST_PTR_FORMAT, s);
  gst_element_post_message(GST_ELEMENT_CAST(self),
                           gst_message_new_element(GST_OBJECT_CAST(self), s));
}

const FrameFacts *facts_of(const State &state, int64_t index) {
  if (state.recent.empty() || index < state.recent.front().index ||
      index > state.recent.back().index)
    return nullptr;
  return &state.recent[static_cast<size_t>(index - state.recent.front().index)];
}

HeldFrame *held_frame(State &state, int64_t index) {
  for (HeldFrame &h : state.held)
    if (h.index == index) return &h;
  return nullptr;
}

// Analyses one frame (state lock held); fills `reports` with what it decided.
void analyse(GstSceneDetect *self, State &state, const Settings &settings, GstBuffer *buffer,
             const FrameFacts &facts, std::vector<Report> &reports) {
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &state.info, buffer, GST_MAP_READ)) {
    GST_DEBUG_OBJECT(self, "frame of %" G_GSIZE_FORMAT " bytes not analysed",
                     gst_buffer_get_size(buffer));
    return;
  }
  sc::Image image;
  image.format = state.format;
  image.width = GST_VIDEO_FRAME_WIDTH(&frame);
  image.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&frame) && p < 3; p++) {
    image.data[p] = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, p));
    image.stride[p] = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
  }
  const bool reduced = state.reducer.reduce(image, state.picture);
  gst_video_frame_unmap(&frame);
  if (!reduced) return;

  state.recent.push_back(facts);
  // Enough history for the latest decision about an old frame, plus what lookahead holds.
  while (state.recent.size() > 128 + settings.lookahead) state.recent.pop_front();

  std::vector<sc::Transition> found;
  state.detector.set_config(detector_config(settings));
  state.detector.push(state.picture,
                      GST_CLOCK_TIME_IS_VALID(facts.running_time)
                          ? static_cast<int64_t>(facts.running_time)
                          : sc::kNoTime,
                      found);
  for (const sc::Transition &t : found) {
    const FrameFacts *first = facts_of(state, t.frame);
    if (!first) continue;
    Report r;
    r.kind = t.kind == sc::TransitionKind::kCut ? msg::kKindCut : msg::kKindGradual;
    r.frame = *first;
    r.score = t.score;
    if (t.kind == sc::TransitionKind::kGradual) {
      r.gradual = true;
      if (const FrameFacts *f = facts_of(state, t.start)) r.span_start = f->running_time;
      r.span_end = first->running_time;
    }
    HeldFrame *h = held_frame(state, t.frame);
    if (settings.force_keyframes) {
      if (h) {
        h->key_unit = true;
      } else {
        GST_DEBUG_OBJECT(self,
                         "scene began on frame %" G_GINT64_FORMAT
                         " which already left; key unit on the next frame (raise lookahead)",
                         t.frame);
        state.key_unit_next = true;
      }
    }
    // The new scene's first frame when still held, else this frame of the same scene.
    take_snapshot(state, h ? h->buffer : buffer, r);
    reports.push_back(std::move(r));
  }
}

GstEvent *key_unit_event(State &state, GstBuffer *buffer, const GstSegment &segment) {
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  return gst_video_event_new_downstream_force_key_unit(
      pts, gst_segment_to_stream_time(&segment, GST_FORMAT_TIME, pts),
      gst_segment_to_running_time(&segment, GST_FORMAT_TIME, pts), TRUE, ++state.key_units);
}

// The next frame to send on, with the event to send before it, when lookahead lets one go.
GstBuffer *next_out(State &state, guint lookahead, const GstSegment &segment, GstEvent **event) {
  if (state.held.empty() || state.held.size() <= lookahead) return nullptr;
  HeldFrame h = state.held.front();
  state.held.pop_front();
  if (h.key_unit || state.key_unit_next) {
    state.key_unit_next = false;
    *event = key_unit_event(state, h.buffer, segment);
  }
  return h.buffer;
}

// Sends every held frame on (before a serialized event, at EOS); outside the state lock.
GstFlowReturn drain(GstSceneDetect *self) {
  auto *trans = GST_BASE_TRANSFORM(self);
  GstFlowReturn ret = GST_FLOW_OK;
  for (;;) {
    GstEvent *event = nullptr;
    GstBuffer *buffer;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return GST_FLOW_FLUSHING;
      buffer = next_out(*self->priv->state, 0, trans->segment, &event);
    }
    if (!buffer) return ret;
    if (event) gst_pad_push_event(trans->srcpad, event);
    if (ret == GST_FLOW_OK)
      ret = gst_pad_push(trans->srcpad, buffer);
    else
      gst_buffer_unref(buffer);
  }
}

gchar *capture_now(GstSceneDetect *self) noexcept {
  return onair::guarded(GST_ELEMENT_CAST(self), static_cast<gchar *>(nullptr), [&]() -> gchar * {
    Report r;
    r.kind = msg::kKindManual;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state || !self->priv->state->latest) {
        GST_WARNING_OBJECT(self, "capture-now: no frame yet, or snapshots off");
        return nullptr;
      }
      State &state = *self->priv->state;
      GstBuffer *latest = state.latest;
      r.frame.pts = GST_BUFFER_PTS(latest);
      if (!state.recent.empty() && state.recent.back().pts == r.frame.pts)
        r.frame = state.recent.back();
      take_snapshot(state, latest, r);
    }
    if (!r.snapshot) return nullptr;
    post_report(self, r);
    return g_strdup(r.snapshot->id.c_str());
  });
}

}  // namespace

static GstFlowReturn gst_scene_detect_submit_input_buffer(GstBaseTransform *trans,
                                                          gboolean is_discont,
                                                          GstBuffer *input) noexcept {
  auto *self = GST_SCENE_DETECT(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    const Settings settings = settings_of(self);
    if (!gst_pad_has_current_caps(trans->sinkpad)) {
      GstCaps *offered = gst_pad_peer_query_caps(trans->sinkpad, nullptr);
      GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE,
                        ("scenedetect takes raw video in " SCENE_FORMATS "."),
                        ("not negotiated; upstream offers %" GST_PTR_FORMAT, offered));
      if (offered) gst_caps_unref(offered);
      gst_buffer_unref(input);
      return GST_FLOW_NOT_NEGOTIATED;
    }
    FrameFacts facts;
    facts.pts = GST_BUFFER_PTS(input);
    facts.running_time = gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, facts.pts);
    facts.stream_time = gst_segment_to_stream_time(&trans->segment, GST_FORMAT_TIME, facts.pts);
    std::vector<Report> reports;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) {
        gst_buffer_unref(input);
        return GST_FLOW_FLUSHING;
      }
      State &state = *self->priv->state;
      if (!state.analysable) {
        gst_buffer_unref(input);
        return GST_FLOW_NOT_NEGOTIATED;  // the error is posted below, outside the lock
      }
      if (is_discont) state.detector.reset();
      facts.index = state.detector.next_frame();
      analyse(self, state, settings, input, facts, reports);
      const bool analysed = state.detector.next_frame() != facts.index;
      state.held.push_back({input, analysed ? facts.index : -1, false});
      if (state.snapshots && state.snapshots->enabled()) gst_buffer_replace(&state.latest, input);
    }
    for (const Report &r : reports) post_report(self, r);
    return GST_FLOW_OK;
  });
}

static GstFlowReturn gst_scene_detect_generate_output(GstBaseTransform *trans,
                                                      GstBuffer **outbuf) noexcept {
  auto *self = GST_SCENE_DETECT(trans);
  *outbuf = nullptr;
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    const guint lookahead = settings_of(self).lookahead;
    GstEvent *event = nullptr;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return GST_FLOW_FLUSHING;
      *outbuf = next_out(*self->priv->state, lookahead, trans->segment, &event);
    }
    if (event) gst_pad_push_event(trans->srcpad, event);
    return GST_FLOW_OK;
  });
}

static gboolean gst_scene_detect_sink_event(GstBaseTransform *trans, GstEvent *event) noexcept {
  auto *self = GST_SCENE_DETECT(trans);
  const bool ok = onair::guarded(GST_ELEMENT_CAST(self), false, [&] {
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_FLUSH_STOP: {
        std::lock_guard lock(self->priv->state_lock);
        if (State *state = self->priv->state.get()) {
          for (HeldFrame &h : state->held) gst_buffer_unref(h.buffer);
          state->held.clear();
          state->key_unit_next = false;
          state->detector.reset();
        }
        return true;
      }
      default:
        break;
    }
    // Held frames go before any event that must stay in order with them.
    const bool serialized = (static_cast<unsigned>(GST_EVENT_TYPE(event)) &
                             static_cast<unsigned>(GST_EVENT_TYPE_SERIALIZED)) != 0;
    if (serialized && GST_EVENT_TYPE(event) != GST_EVENT_FLUSH_STOP) drain(self);
    if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      std::lock_guard lock(self->priv->state_lock);
      if (self->priv->state) self->priv->state->detector.reset();
    }
    return true;
  });
  if (!ok) {
    gst_event_unref(event);
    return FALSE;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_scene_detect_parent_class)->sink_event(trans, event);
}

static gboolean gst_scene_detect_query(GstBaseTransform *trans, GstPadDirection direction,
                                       GstQuery *query) noexcept {
  auto *self = GST_SCENE_DETECT(trans);
  const gboolean ret =
      GST_BASE_TRANSFORM_CLASS(gst_scene_detect_parent_class)->query(trans, direction, query);
  if (!ret || direction != GST_PAD_SRC || GST_QUERY_TYPE(query) != GST_QUERY_LATENCY) return ret;
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    const guint lookahead = settings_of(self).lookahead;
    if (lookahead == 0) return;
    GstClockTime frame = GST_CLOCK_TIME_NONE;
    {
      std::lock_guard lock(self->priv->state_lock);
      const State *state = self->priv->state.get();
      if (state && GST_VIDEO_INFO_FPS_N(&state->info) > 0)
        frame = gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&state->info),
                                          GST_VIDEO_INFO_FPS_N(&state->info));
    }
    if (!GST_CLOCK_TIME_IS_VALID(frame)) {
      GST_WARNING_OBJECT(self,
                         "lookahead of %u frames at an unknown frame rate: latency not "
                         "reported",
                         lookahead);
      return;
    }
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency(query, &live, &min, &max);
    const GstClockTime added = frame * lookahead;
    gst_query_set_latency(query, live, min + added,
                          GST_CLOCK_TIME_IS_VALID(max) ? max + added : max);
  });
  return ret;
}

static gboolean gst_scene_detect_set_info(GstVideoFilter *filter, GstCaps *, GstVideoInfo *in_info,
                                          GstCaps *, GstVideoInfo *) noexcept {
  auto *self = GST_SCENE_DETECT(filter);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    const auto format = pixel_format(GST_VIDEO_INFO_FORMAT(in_info));
    std::lock_guard lock(self->priv->state_lock);
    if (!self->priv->state) return FALSE;
    State &state = *self->priv->state;
    state.info = *in_info;
    state.analysable = format.has_value();
    if (format) state.format = *format;
    state.detector.reset();
    return format.has_value();
  });
}

static gboolean gst_scene_detect_start(GstBaseTransform *trans) noexcept {
  auto *self = GST_SCENE_DETECT(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&] {
    const Settings settings = settings_of(self);
    std::unique_ptr<sc::Snapshots> snapshots;
    if (!settings.snapshot_location.empty()) {
      sc::SnapshotSettings s;
      s.directory = settings.snapshot_location;
      s.index_location = settings.index_location;
      s.jpeg_quality = settings.jpeg_quality;
      // Called from the worker thread too; the element outlives it (stop() joins it).
      snapshots = std::make_unique<sc::Snapshots>(s, [self](const std::string &text) {
        GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Scene snapshots: %s", text.c_str()),
                            (nullptr));
      });
    }
    std::lock_guard lock(self->priv->state_lock);
    self->priv->state = std::make_unique<State>();
    self->priv->state->detector.set_config(detector_config(settings));
    self->priv->state->snapshots = std::move(snapshots);
    return TRUE;
  });
}

static gboolean gst_scene_detect_stop(GstBaseTransform *trans) noexcept {
  auto *self = GST_SCENE_DETECT(trans);
  return onair::guarded_teardown(GST_ELEMENT_CAST(self), FALSE, [&] {
    std::unique_ptr<State> state;
    {
      std::lock_guard lock(self->priv->state_lock);
      state.swap(self->priv->state);
    }
    // Finishing the queued snapshots happens here, outside the lock.
    state.reset();
    return TRUE;
  });
}

static void gst_scene_detect_set_property(GObject *object, guint prop_id, const GValue *value,
                                          GParamSpec *pspec) noexcept {
  auto *self = GST_SCENE_DETECT(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    bool latency_changed = false;
    {
      std::lock_guard lock(self->priv->settings_lock);
      Settings &s = self->priv->settings;
      switch (prop_id) {
        case PROP_THRESHOLD:
          s.threshold = g_value_get_double(value);
          break;
        case PROP_MIN_SCENE_LENGTH:
          s.min_scene_length = g_value_get_uint64(value);
          break;
        case PROP_GRADUAL:
          s.gradual = g_value_get_boolean(value);
          break;
        case PROP_LOOKAHEAD:
          latency_changed = s.lookahead != g_value_get_uint(value);
          s.lookahead = g_value_get_uint(value);
          break;
        case PROP_FORCE_KEYFRAMES:
          s.force_keyframes = g_value_get_boolean(value);
          break;
        case PROP_SNAPSHOT_LOCATION:
          s.snapshot_location = g_value_get_string(value) ? g_value_get_string(value) : "";
          break;
        case PROP_JPEG_QUALITY:
          s.jpeg_quality = g_value_get_int(value);
          break;
        case PROP_INDEX_LOCATION:
          s.index_location = g_value_get_string(value) ? g_value_get_string(value) : "";
          break;
        default:
          G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
          break;
      }
    }
    if (latency_changed)
      gst_element_post_message(GST_ELEMENT_CAST(self),
                               gst_message_new_latency(GST_OBJECT_CAST(self)));
  });
}

static void gst_scene_detect_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec) noexcept {
  auto *self = GST_SCENE_DETECT(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    const Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_THRESHOLD:
        g_value_set_double(value, s.threshold);
        break;
      case PROP_MIN_SCENE_LENGTH:
        g_value_set_uint64(value, s.min_scene_length);
        break;
      case PROP_GRADUAL:
        g_value_set_boolean(value, s.gradual);
        break;
      case PROP_LOOKAHEAD:
        g_value_set_uint(value, s.lookahead);
        break;
      case PROP_FORCE_KEYFRAMES:
        g_value_set_boolean(value, s.force_keyframes);
        break;
      case PROP_SNAPSHOT_LOCATION:
        g_value_set_string(value, s.snapshot_location.c_str());
        break;
      case PROP_JPEG_QUALITY:
        g_value_set_int(value, s.jpeg_quality);
        break;
      case PROP_INDEX_LOCATION:
        g_value_set_string(value, s.index_location.c_str());
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_scene_detect_finalize(GObject *object) noexcept {
  auto *self = GST_SCENE_DETECT(object);
  onair::guarded_teardown(GST_ELEMENT_CAST(self), [&] { delete self->priv; });
  G_OBJECT_CLASS(gst_scene_detect_parent_class)->finalize(object);
}

static void gst_scene_detect_init(GstSceneDetect *self) {
  self->priv = new Priv();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_scene_detect_class_init(GstSceneDetectClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  auto *filter_class = GST_VIDEO_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(scene_detect_debug, "scenedetect", 0, "Scene change detector");

  gobject_class->set_property = gst_scene_detect_set_property;
  gobject_class->get_property = gst_scene_detect_get_property;
  gobject_class->finalize = gst_scene_detect_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_PLAYING);
  const auto rw_ready = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double("threshold", "Threshold",
                          "How much the picture's shape (luma with brightness and contrast "
                          "divided out) must change to count as a new scene: lower finds more. "
                          "One value suits all material; the score in scenedetect-cut is on "
                          "the same scale",
                          0.01, 4.0, sc::kDefaultThreshold, rw));
  g_object_class_install_property(
      gobject_class, PROP_MIN_SCENE_LENGTH,
      g_param_spec_uint64("min-scene-length", "Minimum scene length",
                          "Running time (ns) a scene lasts at least: a change sooner after the "
                          "last one is not reported",
                          0, G_MAXINT64, kDefaultMinSceneLength, rw));
  g_object_class_install_property(
      gobject_class, PROP_GRADUAL,
      g_param_spec_boolean("gradual", "Gradual transitions",
                           "Also find dissolves, fades and wipes (reported at their end, with "
                           "span-start and span-end)",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOOKAHEAD,
      g_param_spec_uint("lookahead", "Lookahead",
                        "Frames held back before they leave the element (added to the latency "
                        "it reports). With at least 6 (a cut is decided 6 frames after it) the "
                        "new scene's first frame is still here when the cut is found, for "
                        "force-keyframes and exact snapshots; gradual transitions need more",
                        0, kMaxLookahead, 0, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_FORCE_KEYFRAMES,
      g_param_spec_boolean("force-keyframes", "Force keyframes",
                           "Send a downstream force-key-unit event right before the first frame "
                           "of each new scene (needs lookahead; a frame that already left gets "
                           "it on the next frame instead)",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_SNAPSHOT_LOCATION,
      g_param_spec_string("snapshot-location", "Snapshot directory",
                          "Directory for a JPEG of each new scene's first frame (F0001.jpg, "
                          "...) and their index; created if missing. Empty: no snapshots",
                          "", rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_JPEG_QUALITY,
      g_param_spec_int("jpeg-quality", "JPEG quality", "Quality of the snapshots", 1, 100,
                       kDefaultJpegQuality, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_INDEX_LOCATION,
      g_param_spec_string("index-location", "Index file",
                          "The snapshots' JSON index, continued if it exists. Empty: "
                          "index.json in snapshot-location",
                          "", rw_ready));

  /**
   * GstSceneDetect::capture-now:
   *
   * Snapshots the latest frame now (kind manual), posts its scenedetect-cut message and
   * returns the snapshot's id, or %NULL when snapshots are off or no frame came yet.
   */
  g_signal_new_class_handler("capture-now", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(capture_now), nullptr, nullptr, nullptr, G_TYPE_STRING, 0);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Scene detector", "Filter/Analyzer/Video",
      "Passes raw video through untouched and finds new scenes: hard cuts and gradual "
      "transitions (dissolves, fades, wipes), not flashes, strobes, pans, shake, zooms or "
      "lighting changes. Each new scene posts the element message 'scenedetect-cut' with "
      "'kind' (cut, gradual, or manual for capture-now), 'running-time', 'stream-time' and "
      "'pts' (guint64 ns) of the scene's first frame, 'frame' (guint64, frames analysed before "
      "it), 'score' (double, against threshold), for gradual transitions 'span-start' and "
      "'span-end' (guint64 running time of its first and last frame), and with "
      "snapshot-location 'snapshot-id' and 'snapshot-path' (strings). Action signal "
      "'capture-now' returns a snapshot id. Example: gst-launch-1.0 -m uridecodebin "
      "uri=file:///path/talk.mp4 ! videoconvert ! scenedetect snapshot-location=shots ! "
      "fakesink",
      "onair developers");

  trans_class->submit_input_buffer = gst_scene_detect_submit_input_buffer;
  trans_class->generate_output = gst_scene_detect_generate_output;
  trans_class->sink_event = gst_scene_detect_sink_event;
  trans_class->query = gst_scene_detect_query;
  trans_class->start = gst_scene_detect_start;
  trans_class->stop = gst_scene_detect_stop;
  filter_class->set_info = gst_scene_detect_set_info;
}
