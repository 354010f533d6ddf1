/**
 * SECTION:element-resilientsrc
 * @title: resilientsrc
 *
 * A URI source that stays on air: a `uridecodebin` for #GstResilientSrc:uri, converted and
 * scaled to what downstream takes, behind a #GstSlateSwitch that shows a slate and plays
 * silence while the source is away. Raw video comes out of `video_src` and raw sound out of
 * `audio_src` (optional), on the switch's continuous timeline.
 *
 * When the source fails (an error inside it), stalls (no good frame for
 * #GstResilientSrc:timeout) or ends (as #GstResilientSrc:on-end says: retry; slate, which
 * leaves the slate on; stop, which ends the stream; auto, the default: stop for a file, retry
 * for a network URI), the element tears it down and opens it again after a
 * delay that starts at a second and doubles up to #GstResilientSrc:retry-max, starting again
 * at a second once pictures came. The source's errors never reach the pipeline as errors:
 * they are posted as warnings, with the URI's secrets (user, password, query, the last path
 * part, where RTMP keeps the stream key) shown as `***`. The one exception: a local file that
 * cannot be opened at the first attempt is the pipeline's error, as it would be without this
 * element (retrying will not make it appear).
 *
 * Element messages: the switch's `input-lost` and `input-back` (see slateswitch), posted from
 * this element, `input-lost` with two more fields: `next-attempt` (guint64 ns until the
 * source is opened again; absent when it will not be) and `uri` (redacted). See
 * docs/elements/resilientsrc.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e resilientsrc name=in uri=rtmp://127.0.0.1/live/in
 *   in.video_src ! video/x-raw,format=I420,width=854,height=480,framerate=30/1
 *   ! x264enc tune=zerolatency ! h264parse ! mux.  in.audio_src ! audioconvert ! voaacenc
 *   ! mux. flvmux name=mux streamable=true ! rtmp2sink location=rtmp://127.0.0.1/live/out
 * ]|
 */
#include "gstresilientsrc.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/output_stats.h"
#include "core/retry.h"
#include "onair/guard.h"
#include "slateswitch_messages.h"

GST_DEBUG_CATEGORY_STATIC(resilient_src_debug);
#define GST_CAT_DEFAULT resilient_src_debug

namespace msg = onair::slateswitch_messages;
namespace fo = onair::failover;

namespace {

enum {
  PROP_0,
  PROP_URI,
  PROP_TIMEOUT,
  PROP_SLATE_LOCATION,
  PROP_SLATE_TEXT,
  PROP_RETRY_MAX,
  PROP_ON_END,
  PROP_STATS,
};

GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));
GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE(
    "audio_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("audio/x-raw"));

using Clock = std::chrono::steady_clock;

enum { kOnEndRetry, kOnEndSlate, kOnEndStop, kOnEndAuto };

GType on_end_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {kOnEndRetry, "Open the source again", "retry"},
      {kOnEndSlate, "Keep the slate on", "slate"},
      {kOnEndStop, "End the stream", "stop"},
      {kOnEndAuto, "End the stream for a file, open a network URI again", "auto"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstResilientSrcOnEnd", values));
  return type;
}

struct Priv {
  GstResilientSrc *element = nullptr;
  GstElement *slate_switch = nullptr;  // owned by the bin
  GstElement *video_in = nullptr;      // first of the video conversion (owned by the bin)
  GstElement *audio_in = nullptr;

  std::mutex lock;
  std::condition_variable wake;
  std::string uri;
  fo::RetrySettings retry_settings;
  int on_end = kOnEndAuto;
  fo::RetrySchedule schedule;
  GstElement *source = nullptr;  // the current uridecodebin (owned by the bin)
  bool source_lost = false;      // the current source failed, stalled or ended: not again
  bool teardown = false;         // the retry thread is to remove the source
  std::optional<Clock::time_point> reopen_at;
  std::optional<int64_t> next_attempt;  // ns, for the input-lost message of this loss
  guint attempts = 0;
  bool quit = false;
  std::thread worker;
};

}  // namespace

struct _GstResilientSrc {
  GstBin parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstResilientSrc, gst_resilient_src, GST_TYPE_BIN)

namespace {

Priv *priv_of(gpointer element) {
  return GST_RESILIENT_SRC(element)->priv;
}

// on-end as it applies to the URI (auto resolved); with the lock held.
int effective_on_end(const Priv *p) {
  if (p->on_end != kOnEndAuto) return p->on_end;
  return fo::ends_for_good(p->uri) ? kOnEndStop : kOnEndRetry;
}

// The retry schedule follows on-end and the URI; with the lock held.
void configure_schedule(Priv *p) {
  p->retry_settings.retry_after_end = effective_on_end(p) == kOnEndRetry;
  p->schedule.configure(p->retry_settings);
}

std::string redacted_uri(Priv *p) {
  std::lock_guard<std::mutex> l(p->lock);
  return onair::output::redact_rtmp_url(p->uri);
}

void on_pad_added(GstElement *, GstPad *pad, gpointer data) {
  Priv *p = static_cast<Priv *>(data);
  onair::guarded(GST_ELEMENT(p->element), [&] {
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, nullptr);
    const gchar *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    GstElement *target = g_str_has_prefix(name, "video/")   ? p->video_in
                         : g_str_has_prefix(name, "audio/") ? p->audio_in
                                                            : nullptr;
    gst_caps_unref(caps);
    if (!target) return;
    GstPad *sink = gst_element_get_static_pad(target, "sink");
    if (!gst_pad_is_linked(sink) && gst_pad_link(pad, sink) != GST_PAD_LINK_OK)
      GST_WARNING_OBJECT(p->element, "cannot link the source's %s pad", name);
    gst_object_unref(sink);
  });
}

// Builds the source and brings it to the bin's state (called without the lock).
void open_source(Priv *p) {
  GstElement *source = gst_element_factory_make("uridecodebin", "source");
  if (!source) {
    GST_ELEMENT_ERROR(p->element, CORE, MISSING_PLUGIN, ("uridecodebin is missing"), (nullptr));
    return;
  }
  {
    std::lock_guard<std::mutex> l(p->lock);
    // A plain path is a file.
    gchar *uri = gst_uri_is_valid(p->uri.c_str()) ? g_strdup(p->uri.c_str())
                                                  : gst_filename_to_uri(p->uri.c_str(), nullptr);
    g_object_set(source, "uri", uri ? uri : p->uri.c_str(), nullptr);
    g_free(uri);
    p->source = source;
    p->source_lost = false;
    ++p->attempts;
  }
  GST_INFO_OBJECT(p->element, "opening the source");
  g_signal_connect(source, "pad-added", G_CALLBACK(on_pad_added), p);
  // The source runs apart from the bin's state changes (its preroll, or a failure, must not
  // hold up or fail the pipeline); the switch holds its data until the pipeline plays.
  // async-handling: it completes its own preroll instead of waiting for the bin to go on.
  g_object_set(source, "async-handling", TRUE, nullptr);
  gst_element_set_locked_state(source, TRUE);
  gst_bin_add(GST_BIN(p->element), source);
  gst_element_set_state(source, GST_STATE_PLAYING);
}

// Removes the source, then flushes the conversion so the next source starts clean (no
// end of stream left on its pads).
void close_source(Priv *p) {
  GstElement *source = nullptr;
  {
    std::lock_guard<std::mutex> l(p->lock);
    source = p->source;
    p->source = nullptr;
  }
  if (!source) return;
  gst_element_set_state(source, GST_STATE_NULL);
  gst_bin_remove(GST_BIN(p->element), source);
  for (GstElement *first : {p->video_in, p->audio_in}) {
    GstPad *sink = gst_element_get_static_pad(first, "sink");
    gst_pad_send_event(sink, gst_event_new_flush_start());
    gst_pad_send_event(sink, gst_event_new_flush_stop(TRUE));
    gst_object_unref(sink);
  }
}

// Tears the failed source down and opens it again when its time comes. The delays are short
// waits on the steady clock: nothing in them follows the media's time.
void run_worker(Priv *p) {
  std::unique_lock<std::mutex> l(p->lock);
  while (!p->quit) {
    if (p->teardown) {
      p->teardown = false;
      l.unlock();
      close_source(p);
      l.lock();
      continue;
    }
    if (p->reopen_at && Clock::now() >= *p->reopen_at) {
      p->reopen_at.reset();
      l.unlock();
      close_source(p);
      open_source(p);
      l.lock();
      continue;
    }
    if (p->reopen_at)
      p->wake.wait_until(l, *p->reopen_at);
    else
      p->wake.wait(l);
  }
}

// The current source is lost for `reason`: plans its teardown and reopening, once per
// source. Returns the delay until the next attempt, if there is one.
std::optional<int64_t> source_lost(Priv *p, fo::LossReason reason) {
  std::lock_guard<std::mutex> l(p->lock);
  if (p->source_lost) return p->next_attempt;
  p->source_lost = true;
  p->next_attempt = p->schedule.lost(reason);
  if (p->next_attempt) {
    p->teardown = true;
    p->reopen_at = Clock::now() + std::chrono::nanoseconds(*p->next_attempt);
  }
  p->wake.notify_all();
  return p->next_attempt;
}

bool from_switch(Priv *p, GstMessage *message) {
  return GST_MESSAGE_SRC(message) == GST_OBJECT(p->slate_switch);
}

// The switch's input-lost and input-back, posted as this element's, with the retry plan.
void forward_switch_message(Priv *p, GstMessage *message) {
  const GstStructure *s = gst_message_get_structure(message);
  GstStructure *mine = gst_structure_copy(s);
  if (gst_structure_has_name(s, msg::kInputLost)) {
    const gchar *reason = gst_structure_get_string(s, msg::kReason);
    const fo::LossReason why = g_strcmp0(reason, "ended") == 0   ? fo::LossReason::kEnded
                               : g_strcmp0(reason, "error") == 0 ? fo::LossReason::kError
                                                                 : fo::LossReason::kStalled;
    bool end = false;
    {
      std::lock_guard<std::mutex> l(p->lock);
      end = why == fo::LossReason::kEnded && effective_on_end(p) == kOnEndStop;
    }
    if (end) {
      // The stream ends with its source: the switch finishes both outputs.
      gst_element_send_event(p->slate_switch, gst_event_new_eos());
      gst_structure_free(mine);
      return;
    }
    if (std::optional<int64_t> next = source_lost(p, why))
      gst_structure_set(mine, msg::kNextAttempt, G_TYPE_UINT64, static_cast<guint64>(*next),
                        nullptr);
    gst_structure_set(mine, msg::kUri, G_TYPE_STRING, redacted_uri(p).c_str(), nullptr);
  } else {
    std::lock_guard<std::mutex> l(p->lock);
    p->schedule.back();
  }
  gst_element_post_message(GST_ELEMENT(p->element),
                           gst_message_new_element(GST_OBJECT(p->element), mine));
}

// An error inside the source: a warning (secrets hidden) and a retry, never a pipeline error.
void source_error(Priv *p, GstMessage *message) {
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string uri;
  {
    std::lock_guard<std::mutex> l(p->lock);
    uri = p->uri;
  }
  const std::string text = onair::output::redact_text(error->message, uri);
  const std::string details = onair::output::redact_text(debug ? debug : "", uri);
  GError *warning = g_error_new_literal(error->domain, error->code, text.c_str());
  gst_element_post_message(
      GST_ELEMENT(p->element),
      gst_message_new_warning(GST_OBJECT(p->element), warning, details.c_str()));
  g_error_free(warning);
  g_error_free(error);
  g_free(debug);
  // The switch announces the loss (and this element forwards it with the retry plan).
  bool already = false;
  {
    std::lock_guard<std::mutex> l(p->lock);
    already = p->source_lost;
  }
  if (!already) {
    source_lost(p, fo::LossReason::kError);
    g_signal_emit_by_name(p->slate_switch, "input-failed", text.c_str());
  }
}

// A local file that fails on the first attempt is a mistake in the command, not an outage:
// retrying will not make it appear.
bool missing_file(Priv *p) {
  std::lock_guard<std::mutex> l(p->lock);
  if (p->attempts != 1) return false;
  gchar *scheme = gst_uri_get_protocol(p->uri.c_str());
  const bool file = !scheme || g_ascii_strcasecmp(scheme, "file") == 0;
  g_free(scheme);
  return file;
}

void handle_message(GstBin *bin, GstMessage *message) {
  Priv *p = priv_of(bin);
  const bool handled = onair::guarded(GST_ELEMENT(bin), false, [&] {
    if ((GST_MESSAGE_TYPE(message) == GST_MESSAGE_ASYNC_START ||
         GST_MESSAGE_TYPE(message) == GST_MESSAGE_ASYNC_DONE) &&
        !from_switch(p, message)) {
      return true;  // the source's preroll is its own business (its state is locked)
    }
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && !from_switch(p, message)) {
      if (missing_file(p)) return false;  // the pipeline's error, as without this element
      source_error(p, message);
      return true;
    }
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT && from_switch(p, message) &&
        (gst_message_has_name(message, msg::kInputLost) ||
         gst_message_has_name(message, msg::kInputBack))) {
      forward_switch_message(p, message);
      return true;
    }
    return false;
  });
  if (handled)
    gst_message_unref(message);
  else
    GST_BIN_CLASS(gst_resilient_src_parent_class)->handle_message(bin, message);
}

void stop_worker(Priv *p) {
  {
    std::lock_guard<std::mutex> l(p->lock);
    p->quit = true;
    p->wake.notify_all();
  }
  if (p->worker.joinable()) p->worker.join();
}

GstStateChangeReturn change_state(GstElement *element, GstStateChange transition) {
  Priv *p = priv_of(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      {
        std::lock_guard<std::mutex> l(p->lock);
        p->quit = p->teardown = false;
        p->reopen_at.reset();
        p->schedule = fo::RetrySchedule();
        p->schedule.configure(p->retry_settings);
        p->attempts = 0;
        p->reopen_at = Clock::now();  // the worker opens the first source too
      }
    }
    GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(gst_resilient_src_parent_class)->change_state(element, transition);
    // Only once the switch is paused: the first source then never races the bin's own state
    // change (a child added mid-change restarts it) nor meets an inactive switch.
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret != GST_STATE_CHANGE_FAILURE)
      p->worker = std::thread(run_worker, p);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
      stop_worker(p);
      close_source(p);
    }
    // The source's state is locked, yet the bin reports its last answer (ASYNC while it
    // prerolls): the switch makes this a live source that never prerolls.
    if (ret == GST_STATE_CHANGE_ASYNC)
      ret = transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING ? GST_STATE_CHANGE_SUCCESS
                                                             : GST_STATE_CHANGE_NO_PREROLL;
    return ret;
  });
}

// The switch's properties, shown by this element.
const char *forwarded_property(guint id) {
  switch (id) {
    case PROP_TIMEOUT:
      return "timeout";
    case PROP_SLATE_LOCATION:
      return "slate-location";
    case PROP_SLATE_TEXT:
      return "slate-text";
    default:
      return nullptr;
  }
}

void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  Priv *p = priv_of(object);
  onair::guarded(GST_ELEMENT(object), [&] {
    if (const char *name = forwarded_property(id)) {
      g_object_set_property(G_OBJECT(p->slate_switch), name, value);
      return;
    }
    std::lock_guard<std::mutex> l(p->lock);
    switch (id) {
      case PROP_URI: {
        const gchar *v = g_value_get_string(value);
        p->uri = v ? v : "";
        configure_schedule(p);
        break;
      }
      case PROP_RETRY_MAX:
        p->retry_settings.max_delay = static_cast<int64_t>(g_value_get_uint64(value));
        p->schedule.configure(p->retry_settings);
        break;
      case PROP_ON_END:
        p->on_end = g_value_get_enum(value);
        configure_schedule(p);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
        break;
    }
  });
}

void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  Priv *p = priv_of(object);
  onair::guarded_teardown(GST_ELEMENT(object), [&] {
    if (const char *name = forwarded_property(id)) {
      g_object_get_property(G_OBJECT(p->slate_switch), name, value);
      return;
    }
    if (id == PROP_STATS) {
      GstStructure *stats = nullptr;
      g_object_get(p->slate_switch, "stats", &stats, nullptr);
      std::lock_guard<std::mutex> l(p->lock);
      gst_structure_set(stats, msg::kAttempts, G_TYPE_UINT, p->attempts, msg::kUri, G_TYPE_STRING,
                        onair::output::redact_rtmp_url(p->uri).c_str(), nullptr);
      // Each failed reopening plans the next one: the input-lost message told only the first.
      if (p->reopen_at) {
        const auto left = std::max(Clock::duration::zero(), *p->reopen_at - Clock::now());
        gst_structure_set(stats, msg::kNextAttemptIn, G_TYPE_UINT64,
                          static_cast<guint64>(
                              std::chrono::duration_cast<std::chrono::nanoseconds>(left).count()),
                          nullptr);
      }
      g_value_take_boxed(value, stats);
      return;
    }
    std::lock_guard<std::mutex> l(p->lock);
    switch (id) {
      case PROP_URI:
        g_value_set_string(value, p->uri.c_str());
        break;
      case PROP_RETRY_MAX:
        g_value_set_uint64(value, static_cast<guint64>(p->retry_settings.max_delay));
        break;
      case PROP_ON_END:
        g_value_set_enum(value, p->on_end);
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
    stop_worker(p);
    delete p;
  });
  G_OBJECT_CLASS(gst_resilient_src_parent_class)->finalize(object);
}

GstElement *make(const char *factory) {
  GstElement *e = gst_element_factory_make(factory, nullptr);
  if (!e) g_error("resilientsrc needs %s", factory);
  return e;
}

void add_output(GstResilientSrc *self, const char *convert, const char *resize,
                GstStaticPadTemplate *templ, const char *switch_in, const char *switch_out,
                GstElement **first) {
  Priv *p = self->priv;
  GstElement *a = make(convert), *b = make(resize);
  gst_bin_add_many(GST_BIN(self), a, b, nullptr);
  gst_element_link(a, b);
  gst_element_link_pads(b, "src", p->slate_switch, switch_in);
  *first = a;
  GstPad *target = gst_element_get_static_pad(p->slate_switch, switch_out);
  GstPad *ghost = gst_ghost_pad_new_from_template(templ->name_template, target,
                                                  gst_static_pad_template_get(templ));
  gst_object_unref(target);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
}

}  // namespace

GST_ELEMENT_REGISTER_DEFINE(resilientsrc, "resilientsrc", GST_RANK_NONE, GST_TYPE_RESILIENT_SRC)

static void gst_resilient_src_init(GstResilientSrc *self) {
  Priv *p = new Priv();
  self->priv = p;
  p->element = self;
  p->slate_switch = make("slateswitch");
  gst_bin_add(GST_BIN(self), p->slate_switch);
  add_output(self, "videoconvert", "videoscale", &video_template, "video_sink", "video_src",
             &p->video_in);
  add_output(self, "audioconvert", "audioresample", &audio_template, "audio_sink", "audio_src",
             &p->audio_in);
}

static void gst_resilient_src_class_init(GstResilientSrcClass *klass) {
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->finalize = finalize;
  element_class->change_state = change_state;
  GST_BIN_CLASS(klass)->handle_message = handle_message;
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_property(
      object_class, PROP_URI,
      g_param_spec_string("uri", "URI", "What to play (anything uridecodebin opens)", "",
                          static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      object_class, PROP_TIMEOUT,
      g_param_spec_uint64("timeout", "Timeout",
                          "No good frame for this long (ns) and the source is lost: the slate "
                          "shows and the source is opened again",
                          1, G_MAXUINT64, GST_SECOND, rw));
  g_object_class_install_property(
      object_class, PROP_SLATE_LOCATION,
      g_param_spec_string("slate-location", "Slate image",
                          "PNG or JPEG image shown while the source is away; empty: a card "
                          "with slate-text",
                          "", static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      object_class, PROP_SLATE_TEXT,
      g_param_spec_string("slate-text", "Slate text", "The generated card's text",
                          "We'll be right back",
                          static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      object_class, PROP_RETRY_MAX,
      g_param_spec_uint64("retry-max", "Longest retry delay",
                          "Cap (ns) of the delay before the source is opened again (the first "
                          "is 1 s, doubling)",
                          GST_SECOND, G_MAXUINT64, 30 * GST_SECOND, rw));
  g_object_class_install_property(
      object_class, PROP_ON_END,
      g_param_spec_enum("on-end", "On end",
                        "When the source ends (a file's end, a publisher that stopped): open it "
                        "again, keep the slate on, end the stream, or auto: end it for a file "
                        "(file:// or a path), open a network URI again",
                        on_end_type(), kOnEndAuto, rw));
  g_object_class_install_property(
      object_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "The switch's slateswitch-stats plus attempts (sources opened), uri "
                         "(redacted) and, while a reopening is planned, next-attempt-in (ns)",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(
      element_class, "Resilient URI source", "Source/Bin/Video/Audio",
      "Plays a URI and keeps the stream on air when it fails: a slate while it is opened "
      "again with backoff",
      "onair");
  GST_DEBUG_CATEGORY_INIT(resilient_src_debug, "resilientsrc", 0, "URI source that retries");
}
