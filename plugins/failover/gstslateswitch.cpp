/**
 * SECTION:element-slateswitch
 * @title: slateswitch
 *
 * Keeps a live stream on air when its picture source stalls or fails. The element passes
 * raw video (`video_sink` to `video_src`) and, optionally, raw sound (`audio_sink` to
 * `audio_src`), but its output runs on a timeline of its own: one frame every frame period of
 * the negotiated caps and sound in 20 ms chunks, on the pipeline clock, with timestamps that
 * continue from the start to the stop whatever the input does. Input timestamps are never
 * passed through: the input's running time is mapped onto the output's each time the input
 * (re)starts, and an input that comes faster than real time (a file) is held back to play at
 * its speed.
 *
 * The input is lost when no good frame came for #GstSlateSwitch:timeout (a frame flagged
 * `GST_BUFFER_FLAG_GAP` only repeats an old picture and is not good), when it ends (end of
 * stream on `video_sink`, which is not forwarded) or when the #GstSlateSwitch::input-failed
 * action signal says so. While lost the picture is the slate (#GstSlateSwitch:slate-location,
 * an image scaled to the picture, or a card saying #GstSlateSwitch:slate-text) and the sound
 * is silence. The first good frame switches back at once, and a downstream force-key-unit
 * event (all headers) makes the encoder start the returning picture on a keyframe.
 *
 * The output ends when end of stream is sent to the element (or to its pipeline, which sends
 * it to every source: the element counts as one): both outputs finish with end of stream.
 *
 * Element messages: `input-lost` (`reason`: stalled, ended or error; `since-last-frame`,
 * guint64 ns; `error`, with reason error; `lost-count`) and `input-back` (`lost-for`, guint64
 * ns; `lost-count`). Figures in #GstSlateSwitch:stats (`slateswitch-stats`). See
 * docs/elements/slateswitch.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e uridecodebin uri=rtmp://127.0.0.1/live/in ! videoconvert ! videoscale
 *   ! video/x-raw,format=I420,width=854,height=480 ! slateswitch timeout=1000000000
 *   ! video/x-raw,framerate=30/1 ! x264enc tune=zerolatency ! flvmux ! rtmp2sink location=...
 * ]|
 */
#include "gstslateswitch.h"

#include <gst/audio/audio.h>
#include <gst/base/gstadapter.h>
#include <gst/video/video.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/timeline.h"
#include "core/watchdog.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "slate_picture.h"
#include "slateswitch_messages.h"

GST_DEBUG_CATEGORY_STATIC(slate_switch_debug);
#define GST_CAT_DEFAULT slate_switch_debug

namespace msg = onair::slateswitch_messages;
namespace fo = onair::failover;

namespace {

enum { PROP_0, PROP_TIMEOUT, PROP_SLATE_LOCATION, PROP_SLATE_TEXT, PROP_STATS };
enum { SIGNAL_INPUT_FAILED, N_SIGNALS };
guint signals[N_SIGNALS];

constexpr char kDefaultSlateText[] = "We'll be right back";
constexpr int64_t kAudioChunksPerSecond = 50;     // 20 ms
constexpr int64_t kMaxQueuedAudio = 200'000'000;  // ns of input sound kept; older is dropped
// Input sound that waits, beyond two output chunks, before sound starts (again): the late
// arrivals a busy machine gives a live input then never cut holes into it.
constexpr int64_t kAudioJitterAllowance = 40'000'000;

#define VIDEO_CAPS                                                           \
  GST_VIDEO_CAPS_MAKE(                                                       \
      "{ I420, YV12, NV12, NV21, Y42B, Y444, YUY2, UYVY, BGRA, BGRx, RGBA, " \
      "RGBx, ARGB, xRGB, ABGR, xBGR, RGB, BGR }")
#define AUDIO_CAPS                                                                    \
  "audio/x-raw, format=(string){ S16LE, F32LE, S32LE }, layout=(string)interleaved, " \
  "rate=(int)[ 1, 384000 ], channels=(int)[ 1, 8 ]"

GstStaticPadTemplate video_sink_template = GST_STATIC_PAD_TEMPLATE(
    "video_sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));
GstStaticPadTemplate video_src_template =
    GST_STATIC_PAD_TEMPLATE("video_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));
GstStaticPadTemplate audio_sink_template = GST_STATIC_PAD_TEMPLATE(
    "audio_sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(AUDIO_CAPS));
GstStaticPadTemplate audio_src_template =
    GST_STATIC_PAD_TEMPLATE("audio_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(AUDIO_CAPS));

struct Settings {
  guint64 timeout = GST_SECOND;
  std::string slate_location;
  std::string slate_text = kDefaultSlateText;
};

// One of the two streams.
struct Stream {
  bool video = true;
  GstPad *sink = nullptr;
  GstPad *src = nullptr;
  GstSegment in_segment;
  GstCaps *in_caps = nullptr;   // the input's latest caps
  GstCaps *out_caps = nullptr;  // what the output sends
  bool out_from_input = false;  // out_caps follow an input's, not a guess made before one came
  bool caps_changed = false;    // in_caps differ from out_caps: negotiate again
  bool caps_pending = false;    // out_caps not yet sent downstream
  bool started = false;         // stream-start and segment sent
  bool in_flushing = false;
  bool eos_sent = false;
  int live = -1;  // the input is live: 1, not: 0, not asked yet: -1
  GstClockID task_wait = nullptr;
  GstClockID input_wait = nullptr;
  uint64_t count = 0;  // frames or samples sent since `base`
  int64_t base = 0;    // output time of unit 0 of the current caps
};

struct Priv {
  GstSlateSwitch *element = nullptr;
  std::mutex settings_lock;
  Settings settings;

  std::mutex lock;
  std::condition_variable wake;  // playing, flushing or stopping changed
  Stream video, audio;
  bool playing = false;
  bool flushing = true;                  // not running: every wait ends
  bool stopping = false;                 // end of stream was asked for
  int64_t out_start = fo::kSecond * -1;  // output time of the first frame; < 0 before
  fo::InputWatchdog watchdog{static_cast<int64_t>(GST_SECOND)};
  bool watchdog_started = false;
  bool input_failed = false;  // since the last reset: the output waits for no input's format
  fo::InputMapping mapping;
  fo::OutputCadence cadence;
  bool input_ended = false;  // end of stream on video_sink, judged at the next frame
  bool key_unit_pending = false;
  GstBuffer *latest = nullptr;  // the input's last good frame
  GstBuffer *slate = nullptr;   // the slate for video.out_caps
  GstVideoInfo video_info;
  GstAudioInfo audio_info;
  GstAdapter *audio_queue = nullptr;
  bool audio_priming = true;  // silence until enough input sound waits (see audio_loop)
  guint64 frames = 0, slate_frames = 0;
};

}  // namespace

struct _GstSlateSwitch {
  GstElement parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstSlateSwitch, gst_slate_switch, GST_TYPE_ELEMENT)

namespace {

Priv *priv_of(gpointer element) {
  return GST_SLATE_SWITCH(element)->priv;
}

Settings settings_of(Priv *p) {
  std::lock_guard<std::mutex> l(p->settings_lock);
  return p->settings;
}

// The clock's time as the element's running time; kUnknownTime without a clock.
int64_t now_of(GstElement *element) {
  GstClock *clock = gst_element_get_clock(element);
  if (!clock) return onair::kUnknownTime;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(element);
  return now > base ? static_cast<int64_t>(now - base) : 0;
}

// An input waits through a pause (see wait_for_input_time); an output does not.
bool should_stop_waiting(Priv *p, const Stream &s, bool input) {
  return p->flushing || p->stopping || (input ? s.in_flushing : !p->playing);
}

// Waits on the clock until running time `at`; false when the wait was cut short (flushing,
// stopping, `cut_short` true before it began, the wait unscheduled) or there is no clock.
bool wait_until(Priv *p, Stream &s, bool input, int64_t at,
                const std::function<bool()> &cut_short = {}) {
  GstElement *element = GST_ELEMENT(p->element);
  GstClock *clock = gst_element_get_clock(element);
  if (!clock) return false;
  GstClockID id = gst_clock_new_single_shot_id(clock, gst_element_get_base_time(element) + at);
  gst_object_unref(clock);
  GstClockID &slot = input ? s.input_wait : s.task_wait;
  {
    std::lock_guard<std::mutex> l(p->lock);
    if (should_stop_waiting(p, s, input) || (cut_short && cut_short())) {
      gst_clock_id_unref(id);
      return false;
    }
    slot = id;
  }
  const GstClockReturn ret = gst_clock_id_wait(id, nullptr);
  {
    std::lock_guard<std::mutex> l(p->lock);
    slot = nullptr;
  }
  gst_clock_id_unref(id);
  return ret != GST_CLOCK_UNSCHEDULED;
}

// Ends every clock wait of the element. Called with the lock held.
void unschedule_all(Priv *p) {
  for (Stream *s : {&p->video, &p->audio})
    for (GstClockID id : {s->task_wait, s->input_wait})
      if (id) gst_clock_id_unschedule(id);
  p->wake.notify_all();
}

void post_change(Priv *p, const fo::Change &change, uint32_t lost_count) {
  GstStructure *s = nullptr;
  if (change.kind == fo::Change::Kind::kLost) {
    s = gst_structure_new(msg::kInputLost, msg::kReason, G_TYPE_STRING,
                          fo::to_string(change.reason), msg::kSinceLastFrame, G_TYPE_UINT64,
                          static_cast<guint64>(std::max<int64_t>(change.since_good, 0)),
                          msg::kLostCount, G_TYPE_UINT, lost_count, nullptr);
    if (change.reason == fo::LossReason::kError)
      gst_structure_set(s, msg::kError, G_TYPE_STRING, change.error.c_str(), nullptr);
    GST_WARNING_OBJECT(p->element, "input lost (%s) %s", fo::to_string(change.reason),
                       change.error.c_str());
  } else if (change.kind == fo::Change::Kind::kBack) {
    s = gst_structure_new(msg::kInputBack, msg::kLostFor, G_TYPE_UINT64,
                          static_cast<guint64>(change.lost_for), msg::kLostCount, G_TYPE_UINT,
                          lost_count, nullptr);
    GST_INFO_OBJECT(p->element, "input back after %" GST_TIME_FORMAT,
                    GST_TIME_ARGS(change.lost_for));
  }
  if (s)
    gst_element_post_message(GST_ELEMENT(p->element),
                             gst_message_new_element(GST_OBJECT(p->element), s));
}

// Applies a watchdog change to the element's state (lock held): a loss drops the kept frame,
// a return asks for a keyframe and maps the input's timeline afresh.
void apply_change(Priv *p, const fo::Change &change) {
  if (change.kind == fo::Change::Kind::kLost) {
    gst_clear_buffer(&p->latest);
    gst_adapter_clear(p->audio_queue);
  } else if (change.kind == fo::Change::Kind::kBack) {
    p->key_unit_pending = true;
  }
}

// The timeout runs from the first of: the output's start, the input's first frame, its
// failure (lock held).
void start_watchdog(Priv *p, int64_t now) {
  if (p->watchdog_started) return;
  p->watchdog_started = true;
  p->watchdog.set_timeout(static_cast<int64_t>(settings_of(p).timeout));
  p->watchdog.start(now);
}

// The output's timeline starts once the picture has its first format and slate (lock held).
void start_output(Priv *p, int64_t now) {
  if (p->out_start >= 0) return;
  p->out_start = now;
  start_watchdog(p, now);
  p->video.base = p->audio.base = now;
  p->cadence.reset(now, GST_VIDEO_INFO_FPS_N(&p->video_info), GST_VIDEO_INFO_FPS_D(&p->video_info));
  p->wake.notify_all();
}

// ---- caps ----

GstCaps *fixate_video(GstCaps *caps) {
  caps = gst_caps_truncate(gst_caps_make_writable(caps));
  GstStructure *s = gst_caps_get_structure(caps, 0);
  gst_structure_fixate_field_nearest_int(s, "width", 1280);
  gst_structure_fixate_field_nearest_int(s, "height", 720);
  gst_structure_fixate_field_nearest_fraction(s, "framerate", 30, 1);
  // Square pixels, fixed: an input of another shape then gets borders instead of changing the
  // output's caps (an encoder and muxer downstream would have to start again).
  if (gst_structure_has_field(s, "pixel-aspect-ratio"))
    gst_structure_fixate_field_nearest_fraction(s, "pixel-aspect-ratio", 1, 1);
  else
    gst_structure_set(s, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  return gst_caps_fixate(caps);
}

GstCaps *fixate_audio(GstCaps *caps) {
  caps = gst_caps_truncate(gst_caps_make_writable(caps));
  GstStructure *s = gst_caps_get_structure(caps, 0);
  gst_structure_fixate_field_nearest_int(s, "rate", 48000);
  gst_structure_fixate_field_nearest_int(s, "channels", 2);
  return gst_caps_fixate(caps);
}

// Video caps with any frame rate: the output keeps its own cadence, so the input's rate is
// free (a 25 fps source behind a 30 fps output needs no videorate).
GstCaps *any_frame_rate(GstCaps *caps) {
  caps = gst_caps_make_writable(caps);
  for (guint i = 0; i < gst_caps_get_size(caps); ++i)
    gst_structure_set(gst_caps_get_structure(caps, i), "framerate", GST_TYPE_FRACTION_RANGE, 0, 1,
                      G_MAXINT, 1, nullptr);
  return caps;
}

// A guessed picture format with its size and frame rate left open, which the input is asked
// for first: where downstream leaves them open the input keeps its own size and rate, while
// the guess's pixel format and square pixels stay where upstream can give them (an encoder
// downstream then sees no change of those).
GstCaps *size_left_open(GstCaps *guess) {
  GstCaps *caps = gst_caps_copy(guess);
  for (guint i = 0; i < gst_caps_get_size(caps); ++i)
    gst_structure_remove_fields(gst_caps_get_structure(caps, i), "width", "height", "framerate",
                                nullptr);
  return caps;
}

// Whether the input's caps fit the output's (video: but for the frame rate, once the output
// follows an input at all).
bool fits_output(const Stream &s, GstCaps *caps) {
  if (!s.out_caps || (s.video && !s.out_from_input)) return false;
  if (!s.video) return gst_caps_is_equal(caps, s.out_caps);
  GstCaps *a = any_frame_rate(gst_caps_copy(caps)), *b = any_frame_rate(gst_caps_copy(s.out_caps));
  const bool equal = gst_caps_is_equal(a, b);
  gst_caps_unref(a);
  gst_caps_unref(b);
  return equal;
}

// The frame rate downstream takes that is nearest the input's: the input's own where
// downstream leaves the rate open.
void frame_rate_for_input(const Stream &s, GstCaps *in, gint *num, gint *den) {
  if (!gst_structure_get_fraction(gst_caps_get_structure(in, 0), "framerate", num, den) ||
      *num <= 0) {
    *num = 30;
    *den = 1;
  }
  GstCaps *downstream = gst_pad_peer_query_caps(s.src, any_frame_rate(gst_caps_copy(in)));
  if (!gst_caps_is_empty(downstream) && !gst_caps_is_any(downstream)) {
    downstream = gst_caps_truncate(gst_caps_make_writable(downstream));
    GstStructure *st = gst_caps_get_structure(downstream, 0);
    // A fixed rate stays as it is (and the call says false).
    gst_structure_fixate_field_nearest_fraction(st, "framerate", *num, *den);
    gst_structure_get_fraction(st, "framerate", num, den);
  }
  gst_caps_unref(downstream);
}

// The output's caps from the input's. Video keeps the output's frame rate once it follows an
// input (an encoder downstream would have to start again); before, the guess made without an
// input gives way to the input's rate.
GstCaps *output_caps_from_input(const Stream &s, GstCaps *in, GstCaps *followed) {
  if (!s.video) return gst_caps_ref(in);
  gint num = 0, den = 1;
  if (!followed ||
      !gst_structure_get_fraction(gst_caps_get_structure(followed, 0), "framerate", &num, &den))
    frame_rate_for_input(s, in, &num, &den);
  GstCaps *caps = gst_caps_copy(in);
  gst_structure_set(gst_caps_get_structure(caps, 0), "framerate", GST_TYPE_FRACTION, num, den,
                    nullptr);
  return caps;
}

// What the output would send when no input came yet: what both neighbours accept.
GstCaps *caps_without_input(Stream &s) {
  GstCaps *templ = gst_pad_get_pad_template_caps(s.src);
  GstCaps *upstream = gst_pad_peer_query_caps(s.sink, templ);
  GstCaps *downstream = gst_pad_peer_query_caps(s.src, templ);
  gst_caps_unref(templ);
  GstCaps *both = gst_caps_intersect(upstream, downstream);
  gst_caps_unref(upstream);
  if (gst_caps_is_empty(both)) {
    gst_caps_unref(both);
    both = downstream;
  } else {
    gst_caps_unref(downstream);
  }
  if (gst_caps_is_empty(both)) return both;
  return s.video ? fixate_video(both) : fixate_audio(both);
}

// Settles the output caps of `s` (the input's, else what the neighbours accept) and, for
// video, the slate. False when nothing fits.
bool negotiate(Priv *p, Stream &s) {
  GstCaps *in = nullptr, *followed = nullptr;
  {
    std::lock_guard<std::mutex> l(p->lock);
    if (s.out_caps && !s.caps_changed) return true;
    if (s.in_caps) in = gst_caps_ref(s.in_caps);
    if (s.out_caps && s.out_from_input) followed = gst_caps_ref(s.out_caps);
  }
  // Outside the lock: these ask the neighbours.
  GstCaps *caps = in ? output_caps_from_input(s, in, followed) : caps_without_input(s);
  const bool from_input = in != nullptr;
  if (in) gst_caps_unref(in);
  if (followed) gst_caps_unref(followed);
  GstVideoInfo video_info;
  GstAudioInfo audio_info;
  const bool valid = s.video ? gst_video_info_from_caps(&video_info, caps)
                             : gst_audio_info_from_caps(&audio_info, caps);
  if (!valid) {
    GST_WARNING_OBJECT(s.src, "cannot use caps %" GST_PTR_FORMAT, caps);
    gst_caps_unref(caps);
    return false;
  }
  GstBuffer *slate = nullptr;
  if (s.video) {
    // Drawn once per caps, outside the lock: an image takes a moment to decode.
    const Settings settings = settings_of(p);
    std::string problem;
    slate = onair::slateswitch::make_slate(video_info, settings.slate_location, settings.slate_text,
                                           problem);
    if (!problem.empty())
      GST_ELEMENT_WARNING(p->element, RESOURCE, OPEN_READ, ("Cannot read the slate image"),
                          ("%s; showing the generated card", problem.c_str()));
  }
  std::lock_guard<std::mutex> l(p->lock);
  if (!from_input && s.out_from_input) {
    // An input's caps were taken up meanwhile (on its own thread): they stay.
    gst_caps_unref(caps);
    if (slate) gst_buffer_unref(slate);
    return true;
  }
  const bool same = s.out_caps && gst_caps_is_equal(s.out_caps, caps);
  // A new format starts a new run of units where the old one stopped.
  if (s.out_caps && !same) {
    s.base = s.video ? p->cadence.frame_start(s.count)
                     : s.base + fo::units_to_time(s.count, GST_AUDIO_INFO_RATE(&p->audio_info), 1);
    s.count = 0;
  }
  gst_caps_replace(&s.out_caps, caps);
  gst_caps_unref(caps);
  s.out_from_input = from_input;
  // Input caps that came while this ran are taken up at the next unit.
  s.caps_changed = s.in_caps && !fits_output(s, s.in_caps);
  s.caps_pending = s.caps_pending || !same;
  if (s.video) {
    p->video_info = video_info;
    gst_buffer_replace(&p->slate, slate);
    if (slate) gst_buffer_unref(slate);
    p->cadence.reset(s.base, GST_VIDEO_INFO_FPS_N(&video_info), GST_VIDEO_INFO_FPS_D(&video_info));
  } else {
    p->audio_info = audio_info;
  }
  return true;
}

// ---- output ----

// Sends stream-start, caps and segment when due.
void push_sticky_events(Priv *p, Stream &s) {
  GstCaps *caps = nullptr;
  bool start = false;
  {
    std::lock_guard<std::mutex> l(p->lock);
    start = !s.started;
    s.started = true;
    if (s.caps_pending) caps = gst_caps_ref(s.out_caps);
    s.caps_pending = false;
  }
  if (start) {
    // gst_pad_create_stream_id() wants one sink pad; this element has two.
    gchar *id =
        g_strdup_printf("%08x%08x/%s", g_random_int(), g_random_int(), s.video ? "video" : "audio");
    gst_pad_push_event(s.src, gst_event_new_stream_start(id));
    g_free(id);
  }
  if (caps) {
    gst_pad_push_event(s.src, gst_event_new_caps(caps));
    gst_caps_unref(caps);
  }
  if (start) {
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_pad_push_event(s.src, gst_event_new_segment(&segment));
  }
}

void finish_stream(Priv *p, Stream &s) {
  bool send = false;
  {
    std::lock_guard<std::mutex> l(p->lock);
    send = !s.eos_sent;
    s.eos_sent = true;
  }
  if (send) gst_pad_push_event(s.src, gst_event_new_eos());
  gst_pad_pause_task(s.src);
}

// After a push: whether the task goes on.
bool handle_flow(Priv *p, Stream &s, GstFlowReturn ret) {
  if (ret == GST_FLOW_OK) return true;
  GST_DEBUG_OBJECT(s.src, "pausing: %s", gst_flow_get_name(ret));
  if (ret == GST_FLOW_NOT_LINKED && !s.video) {
    gst_pad_pause_task(s.src);  // no one takes the sound: fine, it is optional
    return false;
  }
  if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) GST_ELEMENT_FLOW_ERROR(p->element, ret);
  if (ret == GST_FLOW_FLUSHING)
    gst_pad_pause_task(s.src);
  else
    finish_stream(p, s);
  return false;
}

// A wait of the task of `s` was cut short: pauses the task when flushing, ends the stream
// when stopping; paused, it waits to play again rather than pausing its task: a push blocked
// downstream would hold a task pause from the state change forever.
void after_cut_wait(Priv *p, Stream &s) {
  std::unique_lock<std::mutex> l(p->lock);
  if (p->flushing) {
    l.unlock();
    gst_pad_pause_task(s.src);
  } else if (p->stopping) {
    l.unlock();
    finish_stream(p, s);
  } else {
    p->wake.wait(l, [&] { return p->playing || p->flushing || p->stopping; });
  }
}

// Waits for the end of the current unit of `s` (lock not held); false when the task stops.
bool wait_for_unit_end(Priv *p, Stream &s, int64_t end) {
  if (wait_until(p, s, false, end)) return true;
  after_cut_wait(p, s);
  return false;
}

// negotiate() for the picture's task: no format is an error that ends the picture.
bool negotiate_video(Priv *p) {
  if (negotiate(p, p->video)) return true;
  GST_ELEMENT_ERROR(p->element, CORE, NEGOTIATION, ("No picture format fits"),
                    ("no caps for video_src"));
  finish_stream(p, p->video);
  return false;
}

// Whether the picture's first format is to wait no longer for the input's (lock held).
bool input_format_known(Priv *p) {
  return p->video.in_caps || p->input_failed;
}

// Settles the picture's first format and slate, then starts the output's timeline. The
// format waits for the input's, up to the timeout, so that an input which comes in time
// sets it (a guess would be sent first and changed at once). Drawing the slate takes a while
// (the first card loads the fonts): a timeline already running would fall behind the clock
// and catch up with a burst of frames. False when the task stops.
bool start_video(Priv *p) {
  Stream &s = p->video;
  int64_t until = onair::kUnknownTime;
  {
    std::lock_guard<std::mutex> l(p->lock);
    if (p->out_start >= 0) return true;
    const int64_t now = now_of(GST_ELEMENT(p->element));
    if (now != onair::kUnknownTime && !input_format_known(p)) {
      start_watchdog(p, now);
      until = now + static_cast<int64_t>(settings_of(p).timeout);
    }
  }
  // Cut short by the input's caps or failure (sink_event, input_failed).
  if (until != onair::kUnknownTime)
    wait_until(p, s, false, until, [p] { return input_format_known(p); });
  {
    std::unique_lock<std::mutex> l(p->lock);
    if (p->flushing || p->stopping || !p->playing) {
      l.unlock();
      after_cut_wait(p, s);
      return false;
    }
  }
  if (!negotiate_video(p)) return false;
  std::lock_guard<std::mutex> l(p->lock);
  start_output(p, now_of(GST_ELEMENT(p->element)));
  return true;
}

// The sound follows the picture's timeline: waits for its start; false when the task stops.
bool wait_for_output_start(Priv *p, Stream &s) {
  {
    std::unique_lock<std::mutex> l(p->lock);
    p->wake.wait(l, [&] { return p->out_start >= 0 || p->flushing || p->stopping; });
    if (p->out_start >= 0) return true;
  }
  after_cut_wait(p, s);
  return false;
}

void video_loop(gpointer data) {
  GstSlateSwitch *self = GST_SLATE_SWITCH(data);
  Priv *p = self->priv;
  onair::guarded(GST_ELEMENT(self), [&] {
    Stream &s = p->video;
    if (!start_video(p)) return;
    int64_t end;
    {
      std::lock_guard<std::mutex> l(p->lock);
      end = p->cadence.frame_start(s.count + 1);
    }
    if (!wait_for_unit_end(p, s, end)) return;
    // Input caps are taken up where they come (sink_event); here those that raced with it.
    if (!negotiate_video(p)) return;

    std::vector<fo::Change> changes;
    GstBuffer *out = nullptr;
    bool key_unit = false;
    uint32_t lost_count = 0;
    GstClockTime pts = 0, duration = 0;
    guint64 offset = 0;
    bool first = false;
    {
      std::lock_guard<std::mutex> l(p->lock);
      if (p->input_ended) {
        p->input_ended = false;
        changes.push_back(p->watchdog.ended(end));
      }
      changes.push_back(p->watchdog.tick(end));
      for (const fo::Change &c : changes) apply_change(p, c);
      lost_count = p->watchdog.lost_count();
      // A frame of caps the output has not taken up yet waits for the next frame.
      const bool from_input = p->watchdog.showing_input() && p->latest && !s.caps_changed;
      out = gst_buffer_ref(from_input ? p->latest : p->slate);
      if (!from_input) ++p->slate_frames;
      first = ++p->frames == 1;
      key_unit = from_input && p->key_unit_pending;
      if (key_unit) p->key_unit_pending = false;
      pts = static_cast<GstClockTime>(p->cadence.frame_start(s.count));
      duration = static_cast<GstClockTime>(p->cadence.frame_duration(s.count));
      offset = s.count++;
    }
    for (const fo::Change &c : changes) post_change(p, c, lost_count);
    push_sticky_events(p, s);
    if (key_unit)
      gst_pad_push_event(s.src, gst_video_event_new_downstream_force_key_unit(
                                    pts, pts, pts, TRUE, static_cast<guint>(lost_count)));
    // A shallow copy: the output's timestamps, the same pixels.
    out = gst_buffer_make_writable(out);
    GST_BUFFER_PTS(out) = pts;
    GST_BUFFER_DTS(out) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(out) = duration;
    GST_BUFFER_OFFSET(out) = offset;
    GST_BUFFER_OFFSET_END(out) = offset + 1;
    GST_BUFFER_FLAG_UNSET(out, GST_BUFFER_FLAG_GAP);
    GST_BUFFER_FLAG_UNSET(out, GST_BUFFER_FLAG_DISCONT);
    if (first) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
    handle_flow(p, s, gst_pad_push(s.src, out));
  });
  if (onair::element_failed(GST_ELEMENT(self))) gst_pad_pause_task(p->video.src);
}

void audio_loop(gpointer data) {
  GstSlateSwitch *self = GST_SLATE_SWITCH(data);
  Priv *p = self->priv;
  onair::guarded(GST_ELEMENT(self), [&] {
    Stream &s = p->audio;
    if (!wait_for_output_start(p, s)) return;
    if (!negotiate(p, s)) {
      GST_WARNING_OBJECT(self, "no sound format fits; no sound");
      finish_stream(p, s);
      return;
    }
    int64_t start, end;
    guint64 samples;
    {
      std::lock_guard<std::mutex> l(p->lock);
      const int rate = GST_AUDIO_INFO_RATE(&p->audio_info);
      samples = std::max<int64_t>(1, rate / kAudioChunksPerSecond);
      start = s.base + fo::units_to_time(s.count, rate, 1);
      end = s.base + fo::units_to_time(s.count + samples, rate, 1);
    }
    if (!wait_for_unit_end(p, s, end)) return;

    GstBuffer *out = nullptr;
    guint64 offset = 0;
    {
      std::lock_guard<std::mutex> l(p->lock);
      const gsize bpf = GST_AUDIO_INFO_BPF(&p->audio_info);
      const gsize size = samples * bpf;
      out = gst_buffer_new_allocate(nullptr, size, nullptr);
      GstMapInfo map;
      gst_buffer_map(out, &map, GST_MAP_WRITE);
      gsize taken = 0;
      if (p->watchdog.showing_input()) {
        // The input's chunks and the output's do not end at the same instants, and a live
        // input's chunks come late now and then: sound starts (and starts again after
        // running dry) once two chunks and the jitter allowance wait, so neither cuts holes.
        const gsize queued = gst_adapter_available(p->audio_queue);
        const gsize allowance = static_cast<gsize>(GST_AUDIO_INFO_RATE(&p->audio_info) *
                                                   kAudioJitterAllowance / fo::kSecond) *
                                bpf;
        if (p->audio_priming && queued >= 2 * size + allowance) p->audio_priming = false;
        if (!p->audio_priming) {
          taken = std::min(queued, size) / bpf * bpf;
          if (taken < size) p->audio_priming = true;
          if (taken > 0) {
            gst_adapter_copy(p->audio_queue, map.data, 0, taken);
            gst_adapter_flush(p->audio_queue, taken);
          }
        }
      } else {
        gst_adapter_clear(p->audio_queue);
        p->audio_priming = true;
      }
      gst_audio_format_info_fill_silence(p->audio_info.finfo, map.data + taken, size - taken);
      gst_buffer_unmap(out, &map);
      offset = s.count;
      s.count += samples;
    }
    push_sticky_events(p, s);
    GST_BUFFER_PTS(out) = static_cast<GstClockTime>(start);
    GST_BUFFER_DURATION(out) = static_cast<GstClockTime>(end - start);
    GST_BUFFER_OFFSET(out) = offset;
    GST_BUFFER_OFFSET_END(out) = offset + samples;
    if (offset == 0) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
    handle_flow(p, s, gst_pad_push(s.src, out));
  });
  if (onair::element_failed(GST_ELEMENT(self))) gst_pad_pause_task(p->audio.src);
}

// ---- input ----

// Holds a buffer of running time `input` until its time on the output's timeline comes, and
// until the element plays. GST_FLOW_OK when it may go on.
// Whether the input is live (asked once per segment): a live input comes in real time and
// is never held back, so the mapping's anchors cannot shift it.
bool input_is_live(Priv *p, Stream &s) {
  {
    std::lock_guard<std::mutex> l(p->lock);
    if (s.live >= 0) return s.live == 1;
  }
  GstQuery *query = gst_query_new_latency();
  gboolean live = FALSE;
  if (gst_pad_peer_query(s.sink, query)) gst_query_parse_latency(query, &live, nullptr, nullptr);
  gst_query_unref(query);
  std::lock_guard<std::mutex> l(p->lock);
  s.live = live ? 1 : 0;
  return live;
}

GstFlowReturn wait_for_input_time(Priv *p, Stream &s, int64_t input) {
  int64_t due = onair::kUnknownTime, now = 0;
  const bool live = input_is_live(p, s);
  {
    std::unique_lock<std::mutex> l(p->lock);
    p->wake.wait(l, [&] { return p->playing || should_stop_waiting(p, s, true); });
    if (p->stopping) return GST_FLOW_EOS;
    if (should_stop_waiting(p, s, true)) return GST_FLOW_FLUSHING;
    if (live || input == onair::kUnknownTime) return GST_FLOW_OK;
    now = now_of(GST_ELEMENT(p->element));
    // A returning input starts its own timeline again: anchor it now.
    if (s.video && p->watchdog.state() == fo::InputState::kLost) p->mapping.restart();
    due = p->mapping.map(input, now);
  }
  if (due <= now || wait_until(p, s, true, due)) return GST_FLOW_OK;
  std::lock_guard<std::mutex> l(p->lock);
  return p->stopping ? GST_FLOW_EOS : GST_FLOW_FLUSHING;
}

GstFlowReturn video_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  Priv *p = priv_of(parent);
  return onair::guarded(GST_ELEMENT(parent), GST_FLOW_ERROR, [&] {
    Stream &s = p->video;
    const int64_t input = onair::segment_running_time(&s.in_segment, GST_BUFFER_PTS(buffer));
    const GstFlowReturn ret = wait_for_input_time(p, s, input);
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref(buffer);
      return ret;
    }
    const bool good = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP);
    fo::Change change;
    uint32_t lost_count = 0;
    {
      std::lock_guard<std::mutex> l(p->lock);
      start_watchdog(p, now_of(GST_ELEMENT(parent)));
      change = p->watchdog.frame(now_of(GST_ELEMENT(parent)), good);
      p->input_ended = false;
      apply_change(p, change);
      if (good) gst_buffer_replace(&p->latest, buffer);
      lost_count = p->watchdog.lost_count();
    }
    gst_buffer_unref(buffer);
    post_change(p, change, lost_count);
    return GST_FLOW_OK;
  });
}

GstFlowReturn audio_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  Priv *p = priv_of(parent);
  return onair::guarded(GST_ELEMENT(parent), GST_FLOW_ERROR, [&] {
    Stream &s = p->audio;
    const int64_t input = onair::segment_running_time(&s.in_segment, GST_BUFFER_PTS(buffer));
    const GstFlowReturn ret = wait_for_input_time(p, s, input);
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref(buffer);
      return ret;
    }
    std::lock_guard<std::mutex> l(p->lock);
    const bool same_format = s.in_caps && fits_output(s, s.in_caps);
    if (!same_format || !p->watchdog.showing_input()) {
      gst_buffer_unref(buffer);  // silence while lost; sound of another format waits for caps
      return GST_FLOW_OK;
    }
    gst_adapter_push(p->audio_queue, buffer);
    const gsize bpf = GST_AUDIO_INFO_BPF(&p->audio_info);
    const gsize max =
        static_cast<gsize>(GST_AUDIO_INFO_RATE(&p->audio_info) * kMaxQueuedAudio / fo::kSecond) *
        bpf;
    const gsize queued = gst_adapter_available(p->audio_queue);
    if (queued > max) gst_adapter_flush(p->audio_queue, (queued - max) / bpf * bpf);
    return GST_FLOW_OK;
  });
}

Stream &stream_of(Priv *p, GstPad *pad) {
  return pad == p->video.sink || pad == p->video.src ? p->video : p->audio;
}

gboolean sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  Priv *p = priv_of(parent);
  return onair::guarded(GST_ELEMENT(parent), FALSE, [&]() -> gboolean {
    Stream &s = stream_of(p, pad);
    bool take_up = false;  // new video caps: the output takes them up
    std::unique_lock<std::mutex> l(p->lock);
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_FLUSH_START:
        // The input's flushes stay upstream: the output goes on.
        s.in_flushing = true;
        if (s.input_wait) gst_clock_id_unschedule(s.input_wait);
        p->wake.notify_all();
        break;
      case GST_EVENT_FLUSH_STOP:
        s.in_flushing = false;
        s.live = -1;
        gst_segment_init(&s.in_segment, GST_FORMAT_TIME);
        p->mapping.restart();
        if (!s.video) gst_adapter_clear(p->audio_queue);
        break;
      case GST_EVENT_SEGMENT:
        gst_event_copy_segment(event, &s.in_segment);
        s.live = -1;
        p->mapping.restart();
        break;
      case GST_EVENT_CAPS: {
        GstCaps *caps = nullptr;
        gst_event_parse_caps(event, &caps);
        gst_caps_replace(&s.in_caps, caps);
        s.caps_changed = !fits_output(s, caps);
        if (s.video && s.caps_changed) gst_clear_buffer(&p->latest);  // of the old caps
        take_up = s.video && s.caps_changed;
        if (s.video && p->out_start < 0 && s.task_wait) gst_clock_id_unschedule(s.task_wait);
        break;
      }
      case GST_EVENT_EOS:
        // The input ended: the slate shows (unless the output is being stopped as well).
        if (s.video) p->input_ended = true;
        break;
      default:
        break;
    }
    l.unlock();
    gst_event_unref(event);
    // Here, not in the output's task: drawing the slate for the new format takes a while.
    if (take_up) negotiate(p, s);
    return TRUE;
  });
}

// Answers a caps query with `caps` (taken) as the query's filter narrows them.
void answer_caps_query(GstQuery *query, GstCaps *filter, GstCaps *caps) {
  if (filter) {
    GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = both;
  }
  gst_query_set_caps_result(query, caps);
  gst_caps_unref(caps);
}

gboolean sink_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  Priv *p = priv_of(parent);
  return onair::guarded(GST_ELEMENT(parent), FALSE, [&]() -> gboolean {
    Stream &s = stream_of(p, pad);
    switch (GST_QUERY_TYPE(query)) {
      case GST_QUERY_CAPS: {
        // Once the output has a format the input is asked for it; before, for what
        // downstream takes, the picture's guess made before the input came first (see
        // size_left_open).
        GstCaps *filter = nullptr;
        gst_query_parse_caps(query, &filter);
        GstCaps *caps = nullptr, *guess = nullptr;
        {
          std::lock_guard<std::mutex> l(p->lock);
          if (s.out_caps && (!s.video || s.out_from_input))
            caps = gst_caps_ref(s.out_caps);
          else if (s.out_caps)
            guess = size_left_open(s.out_caps);
        }
        if (!caps) {
          GstCaps *templ = gst_pad_get_pad_template_caps(pad);
          caps = gst_pad_peer_query_caps(s.src, templ);
          gst_caps_unref(templ);
        }
        if (guess) {
          GstCaps *preferred = gst_caps_intersect(caps, guess);
          gst_caps_unref(guess);
          caps = gst_caps_merge(preferred, caps);
        }
        if (s.video) caps = any_frame_rate(caps);
        answer_caps_query(query, filter, caps);
        return TRUE;
      }
      case GST_QUERY_ALLOCATION:
        return FALSE;
      default:
        return gst_pad_query_default(pad, parent, query);
    }
  });
}

gboolean src_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  Priv *p = priv_of(parent);
  return onair::guarded(GST_ELEMENT(parent), FALSE, [&]() -> gboolean {
    Stream &s = stream_of(p, pad);
    switch (GST_QUERY_TYPE(query)) {
      case GST_QUERY_LATENCY: {
        // A live source: each unit goes out when it ends.
        std::lock_guard<std::mutex> l(p->lock);
        const GstClockTime latency =
            s.video ? static_cast<GstClockTime>(p->cadence.frame_duration(s.count))
                    : GST_SECOND / kAudioChunksPerSecond;
        gst_query_set_latency(query, TRUE, latency, GST_CLOCK_TIME_NONE);
        return TRUE;
      }
      case GST_QUERY_CAPS: {
        GstCaps *filter = nullptr;
        gst_query_parse_caps(query, &filter);
        GstCaps *caps = nullptr;
        {
          std::lock_guard<std::mutex> l(p->lock);
          if (s.out_caps) caps = gst_caps_ref(s.out_caps);
        }
        if (!caps) caps = gst_pad_get_pad_template_caps(pad);
        answer_caps_query(query, filter, caps);
        return TRUE;
      }
      default:
        return gst_pad_query_default(pad, parent, query);
    }
  });
}

gboolean src_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  Priv *p = priv_of(parent);
  return onair::guarded(GST_ELEMENT(parent), FALSE, [&]() -> gboolean {
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_SEEK:
      case GST_EVENT_RECONFIGURE: {
        const bool reconfigure = GST_EVENT_TYPE(event) == GST_EVENT_RECONFIGURE;
        gst_event_unref(event);  // the output's timeline is its own
        return reconfigure ? TRUE : FALSE;
      }
      default:
        return gst_pad_push_event(stream_of(p, pad).sink, event);
    }
  });
}

GstIterator *internal_links(GstPad *pad, GstObject *parent) {
  Priv *p = priv_of(parent);
  Stream &s = stream_of(p, pad);
  GstPad *other = pad == s.sink ? s.src : s.sink;
  GValue value = G_VALUE_INIT;
  g_value_init(&value, GST_TYPE_PAD);
  g_value_set_object(&value, other);
  GstIterator *it = gst_iterator_new_single(GST_TYPE_PAD, &value);
  g_value_unset(&value);
  return it;
}

// ---- element ----

void reset_stream(Stream &s) {
  gst_segment_init(&s.in_segment, GST_FORMAT_TIME);
  gst_caps_replace(&s.in_caps, nullptr);
  gst_caps_replace(&s.out_caps, nullptr);
  s.out_from_input = false;
  s.caps_changed = s.caps_pending = s.started = s.in_flushing = s.eos_sent = false;
  s.count = 0;
  s.base = 0;
  s.live = -1;
}

void reset(Priv *p) {
  std::lock_guard<std::mutex> l(p->lock);
  reset_stream(p->video);
  reset_stream(p->audio);
  p->stopping = p->input_ended = p->key_unit_pending = false;
  p->out_start = -1;
  p->watchdog_started = p->input_failed = false;
  p->watchdog = fo::InputWatchdog(static_cast<int64_t>(settings_of(p).timeout));
  p->mapping = fo::InputMapping();
  gst_clear_buffer(&p->latest);
  gst_clear_buffer(&p->slate);
  gst_adapter_clear(p->audio_queue);
  p->audio_priming = true;
  p->frames = p->slate_frames = 0;
}

GstStateChangeReturn change_state(GstElement *element, GstStateChange transition) {
  Priv *p = priv_of(element);
  return onair::guarded_state_change(element, transition, [&] {
    switch (transition) {
      case GST_STATE_CHANGE_READY_TO_PAUSED:
        reset(p);
        {
          std::lock_guard<std::mutex> l(p->lock);
          p->flushing = false;
        }
        break;
      case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
        {
          std::lock_guard<std::mutex> l(p->lock);
          p->playing = true;
          p->wake.notify_all();
        }
        gst_pad_start_task(p->video.src, video_loop, element, nullptr);
        // The sound is optional: only produced when something takes it.
        if (gst_pad_is_linked(p->audio.src))
          gst_pad_start_task(p->audio.src, audio_loop, element, nullptr);
        break;
      }
      case GST_STATE_CHANGE_PLAYING_TO_PAUSED: {
        std::lock_guard<std::mutex> l(p->lock);
        p->playing = false;
        for (Stream *s : {&p->video, &p->audio})
          if (s->task_wait) gst_clock_id_unschedule(s->task_wait);
        break;
      }
      case GST_STATE_CHANGE_PAUSED_TO_READY: {
        std::lock_guard<std::mutex> l(p->lock);
        p->flushing = true;
        p->playing = false;
        unschedule_all(p);
        break;
      }
      default:
        break;
    }
    GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(gst_slate_switch_parent_class)->change_state(element, transition);
    if (ret == GST_STATE_CHANGE_FAILURE) return ret;
    switch (transition) {
      case GST_STATE_CHANGE_PAUSED_TO_READY:
        gst_pad_stop_task(p->video.src);
        gst_pad_stop_task(p->audio.src);
        reset(p);
        break;
      case GST_STATE_CHANGE_READY_TO_PAUSED:
      case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
        ret = GST_STATE_CHANGE_NO_PREROLL;  // a live source
        break;
      default:
        break;
    }
    return ret;
  });
}

// End of stream sent to the element (or to the pipeline, which sends it to every source)
// ends the output; other events go upstream.
gboolean send_event(GstElement *element, GstEvent *event) {
  Priv *p = priv_of(element);
  return onair::guarded(element, FALSE, [&]() -> gboolean {
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
      gst_event_unref(event);
      std::lock_guard<std::mutex> l(p->lock);
      p->stopping = true;
      unschedule_all(p);
      return TRUE;
    }
    return GST_ELEMENT_CLASS(gst_slate_switch_parent_class)->send_event(element, event);
  });
}

void input_failed(GstSlateSwitch *self, const gchar *error) {
  Priv *p = self->priv;
  onair::guarded(GST_ELEMENT(self), [&] {
    fo::Change change;
    uint32_t lost_count = 0;
    {
      std::lock_guard<std::mutex> l(p->lock);
      start_watchdog(p, now_of(GST_ELEMENT(self)));
      p->input_failed = true;
      if (p->out_start < 0 && p->video.task_wait) gst_clock_id_unschedule(p->video.task_wait);
      change = p->watchdog.failed(now_of(GST_ELEMENT(self)), error ? error : "");
      apply_change(p, change);
      lost_count = p->watchdog.lost_count();
    }
    post_change(p, change, lost_count);
  });
}

GstStructure *stats_of(Priv *p) {
  std::lock_guard<std::mutex> l(p->lock);
  const fo::InputWatchdog &w = p->watchdog;
  GstStructure *s =
      gst_structure_new(msg::kStats, msg::kState, G_TYPE_STRING, fo::to_string(w.state()),
                        msg::kLostCount, G_TYPE_UINT, w.lost_count(), msg::kFrames, G_TYPE_UINT64,
                        p->frames, msg::kSlateFrames, G_TYPE_UINT64, p->slate_frames, nullptr);
  if (w.state() == fo::InputState::kLost) {
    const int64_t now = now_of(GST_ELEMENT(p->element));
    gst_structure_set(s, msg::kReason, G_TYPE_STRING, fo::to_string(w.reason()), msg::kLostFor,
                      G_TYPE_UINT64, static_cast<guint64>(w.lost_for(std::max<int64_t>(now, 0))),
                      nullptr);
    if (w.reason() == fo::LossReason::kError)
      gst_structure_set(s, msg::kError, G_TYPE_STRING, w.error().c_str(), nullptr);
  }
  return s;
}

void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  Priv *p = priv_of(object);
  onair::guarded(GST_ELEMENT(object), [&] {
    std::lock_guard<std::mutex> l(p->settings_lock);
    switch (id) {
      case PROP_TIMEOUT:
        p->settings.timeout = g_value_get_uint64(value);
        break;
      case PROP_SLATE_LOCATION: {
        const gchar *v = g_value_get_string(value);
        p->settings.slate_location = v ? v : "";
        break;
      }
      case PROP_SLATE_TEXT: {
        const gchar *v = g_value_get_string(value);
        p->settings.slate_text = v ? v : "";
        break;
      }
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
        return;
    }
  });
  if (id == PROP_TIMEOUT) {
    const guint64 timeout = g_value_get_uint64(value);
    std::lock_guard<std::mutex> l(p->lock);
    p->watchdog.set_timeout(static_cast<int64_t>(timeout));
  }
}

void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  Priv *p = priv_of(object);
  onair::guarded_teardown(GST_ELEMENT(object), [&] {
    if (id == PROP_STATS) {
      g_value_take_boxed(value, stats_of(p));
      return;
    }
    const Settings s = settings_of(p);
    switch (id) {
      case PROP_TIMEOUT:
        g_value_set_uint64(value, s.timeout);
        break;
      case PROP_SLATE_LOCATION:
        g_value_set_string(value, s.slate_location.c_str());
        break;
      case PROP_SLATE_TEXT:
        g_value_set_string(value, s.slate_text.c_str());
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
        break;
    }
  });
}

void finalize(GObject *object) {
  Priv *p = priv_of(object);
  onair::guarded_teardown(GST_ELEMENT(object), [&] {
    reset(p);
    g_object_unref(p->audio_queue);
    delete p;
  });
  G_OBJECT_CLASS(gst_slate_switch_parent_class)->finalize(object);
}

GstPad *add_pad(GstSlateSwitch *self, GstStaticPadTemplate *templ) {
  GstPad *pad = gst_pad_new_from_static_template(templ, templ->name_template);
  gst_pad_set_iterate_internal_links_function(pad, internal_links);
  if (GST_PAD_DIRECTION(pad) == GST_PAD_SINK) {
    gst_pad_set_event_function(pad, sink_event);
    gst_pad_set_query_function(pad, sink_query);
  } else {
    gst_pad_set_event_function(pad, src_event);
    gst_pad_set_query_function(pad, src_query);
    gst_pad_use_fixed_caps(pad);
  }
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

}  // namespace

GST_ELEMENT_REGISTER_DEFINE(slateswitch, "slateswitch", GST_RANK_NONE, GST_TYPE_SLATE_SWITCH)

static void gst_slate_switch_init(GstSlateSwitch *self) {
  Priv *p = new Priv();
  self->priv = p;
  p->element = self;
  p->audio.video = false;
  p->audio_queue = gst_adapter_new();
  gst_video_info_init(&p->video_info);
  gst_audio_info_init(&p->audio_info);
  p->video.sink = add_pad(self, &video_sink_template);
  p->video.src = add_pad(self, &video_src_template);
  p->audio.sink = add_pad(self, &audio_sink_template);
  p->audio.src = add_pad(self, &audio_src_template);
  gst_pad_set_chain_function(p->video.sink, video_chain);
  gst_pad_set_chain_function(p->audio.sink, audio_chain);
  // The output is a live source of its own; the pipeline's end of stream reaches it as one.
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
  reset(p);
}

static void gst_slate_switch_class_init(GstSlateSwitchClass *klass) {
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->finalize = finalize;
  element_class->change_state = change_state;
  element_class->send_event = send_event;

  g_object_class_install_property(
      object_class, PROP_TIMEOUT,
      g_param_spec_uint64("timeout", "Timeout",
                          "No good frame for this long (ns) and the input is lost: the slate shows",
                          1, G_MAXUINT64, GST_SECOND,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      object_class, PROP_SLATE_LOCATION,
      g_param_spec_string("slate-location", "Slate image",
                          "PNG or JPEG image shown while the input is lost, scaled to the "
                          "picture; empty: a generated card with slate-text",
                          "",
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      object_class, PROP_SLATE_TEXT,
      g_param_spec_string("slate-text", "Slate text", "The generated card's text",
                          kDefaultSlateText,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      object_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "slateswitch-stats: state (starting, live, lost), lost-count, frames, "
                         "slate-frames; while lost also reason, lost-for and error",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstSlateSwitch::input-failed:
   * @error: why
   *
   * Tells the element its input failed (a source that posted an error): lost at once, with
   * reason error, until the next good frame.
   */
  signals[SIGNAL_INPUT_FAILED] = g_signal_new_class_handler(
      "input-failed", G_TYPE_FROM_CLASS(klass),
      static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK(input_failed),
      nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template(element_class, &video_sink_template);
  gst_element_class_add_static_pad_template(element_class, &video_src_template);
  gst_element_class_add_static_pad_template(element_class, &audio_sink_template);
  gst_element_class_add_static_pad_template(element_class, &audio_src_template);
  gst_element_class_set_static_metadata(
      element_class, "Slate switch", "Generic/Video/Audio",
      "Keeps a live stream on air: a slate and silence when the input stalls, ends or fails, "
      "continuous timestamps throughout",
      "onair");
  GST_DEBUG_CATEGORY_INIT(slate_switch_debug, "slateswitch", 0, "input fallback to a slate");
}
