/**
 * SECTION:element-ttsmix
 * @title: ttsmix
 *
 * Mixes queued speech and sound clips into live audio. The programme sound goes through
 * with the same timestamps and sizes; items play one after another, each followed by
 * #GstTtsMix:gap of silence, and the programme is lowered to #GstTtsMix:duck-level while
 * one plays. Speech is synthesised in process with espeak-ng on a worker thread and plays
 * from its first samples; clips (any file GStreamer decodes) and raw samples from the
 * application are converted to the stream's format on the same worker. All timing follows
 * the buffers' running time.
 *
 * Action signals: `say` (text, voice, interrupt), `play` (path or URI, interrupt),
 * `push-clip` (GstBuffer, GstCaps, interrupt) return the new item's id, or 0 when refused;
 * `skip` and `clear`. Element messages: `ttsmix-started`, `ttsmix-finished` (reason done,
 * skipped, interrupted, cleared or failed) and `ttsmix-refused`, each with `id`, `kind`,
 * `text`, `running-time` and `duration`. See docs/elements/ttsmix.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m audiotestsrc is-live=true wave=sine volume=0.3 ! audioconvert !
 * ttsmix name=speech speech-volume=2.5 ! audioconvert ! autoaudiosink
 * ]|
 */
#include "gstttsmix.h"

#include <glib/gstdio.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/speech_mixer.h"
#include "core/text_checks.h"
#include "espeak_engine.h"
#include "onair/gst_ptr.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "speech_worker.h"
#include "ttsmix_messages.h"
#include "ttsmix_settings.h"

GST_DEBUG_CATEGORY_STATIC(tts_mix_debug);
#define GST_CAT_DEFAULT tts_mix_debug

namespace speech = onair::speech;
namespace msg = onair::ttsmix_messages;

namespace {

using speech::Settings;

// Runtime state, built going to PAUSED, dropped going to READY: the queue and the mix, with
// the format and clock they follow.
struct State {
  explicit State(uint64_t first_id) : mixer(first_id) {}
  speech::SpeechMixer mixer;
  speech::StreamFormat format;
  GstAudioFormat sample_format = GST_AUDIO_FORMAT_UNKNOWN;
  // Running time where the last buffer ended: items dropped between buffers end there.
  GstClockTime position = GST_CLOCK_TIME_NONE;
  std::optional<Settings> applied;  // what the mixer was configured with
};

// A message to post once the lock is released.
struct Report {
  speech::MixerEvent event;
  GstClockTime running_time;
  int rate;
};

struct Priv {
  explicit Priv(GstElement *element) : worker(element) {}

  std::mutex settings_lock;
  Settings settings;

  std::mutex state_lock;  // guards state and next_id
  std::optional<State> state;
  uint64_t next_id = 1;  // ids go on counting across restarts

  speech::SpeechWorker worker;
  std::atomic<guint64> items_played{0};
  std::atomic<guint64> items_refused{0};
  std::atomic<guint64> items_failed{0};
};

enum {
  PROP_SPEAKING = speech::kSettingsPropertyEnd,
  PROP_SPEAKING_ID,
  PROP_QUEUE_LENGTH,
  PROP_ITEMS_PLAYED,
  PROP_ITEMS_REFUSED,
  PROP_ITEMS_FAILED,
};

constexpr char kCaps[] =
    "audio/x-raw, format=(string){S16LE, F32LE}, layout=(string)interleaved, "
    "rate=(int)[8000, 192000], channels=(int)[1, 2]";

}  // namespace

struct _GstTtsMix {
  GstAudioFilter parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstTtsMix, gst_tts_mix, GST_TYPE_AUDIO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(ttsmix, "ttsmix", GST_RANK_NONE, GST_TYPE_TTS_MIX)

namespace {

GstElement *element_of(GstTtsMix *self) {
  return GST_ELEMENT(self);
}

Settings settings_of(GstTtsMix *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

guint64 frames_to_ns(uint64_t frames, int rate) {
  return rate > 0 ? gst_util_uint64_scale(frames, GST_SECOND, static_cast<guint64>(rate)) : 0;
}

// With the state lock held: the mixer follows the settings and the stream's rate.
void apply_settings(State &state, const Settings &settings) {
  if (state.applied && *state.applied == settings) return;
  const int rate = state.format.rate > 0 ? state.format.rate : 48000;
  state.mixer.configure(speech::mixer_config(settings, rate), rate);
  state.applied = settings;
}

// With the state lock held: the events of one call, placed on the running time.
void collect(const State &state, std::vector<speech::MixerEvent> &events, GstClockTime base,
             std::vector<Report> &out) {
  for (speech::MixerEvent &e : events) {
    const GstClockTime rt = GST_CLOCK_TIME_IS_VALID(base)
                                ? base + frames_to_ns(e.offset, state.format.rate)
                                : GST_CLOCK_TIME_NONE;
    out.push_back({std::move(e), rt, state.format.rate});
  }
  events.clear();
}

// Posts the reports and counts the outcomes; never called with a lock held.
void post(GstTtsMix *self, const std::vector<Report> &reports) {
  for (const Report &r : reports) {
    const speech::MixerEvent &e = r.event;
    const bool started = e.type == speech::MixerEvent::Type::started;
    const GstClockTime duration = e.frames ? frames_to_ns(*e.frames, r.rate) : GST_CLOCK_TIME_NONE;
    GstStructure *s = gst_structure_new(
        started ? msg::kStarted : msg::kFinished, msg::kId, G_TYPE_UINT, static_cast<guint>(e.id),
        msg::kKind, G_TYPE_STRING, speech::kind_name(e.kind), msg::kText, G_TYPE_STRING,
        e.label.c_str(), msg::kRunningTime, G_TYPE_UINT64, static_cast<guint64>(r.running_time),
        msg::kDuration, G_TYPE_UINT64, static_cast<guint64>(duration), nullptr);
    if (!started) {
      gst_structure_set(s, msg::kReason, G_TYPE_STRING, speech::reason_name(e.reason), nullptr);
      if (e.reason == speech::EndReason::failed) {
        gst_structure_set(s, msg::kError, G_TYPE_STRING, e.error.c_str(), nullptr);
        self->priv->items_failed++;
        GST_WARNING_OBJECT(self, "item %" G_GUINT64_FORMAT " failed: %s", e.id, e.error.c_str());
      } else if (e.reason == speech::EndReason::done) {
        self->priv->items_played++;
      }
    }
    GST_DEBUG_OBJECT(self, "%" GST_PTR_FORMAT, s);
    gst_element_post_message(element_of(self), gst_message_new_element(GST_OBJECT(self), s));
  }
}

GstClockTime position_of(GstTtsMix *self) {
  std::lock_guard lock(self->priv->state_lock);
  return self->priv->state ? self->priv->state->position : GST_CLOCK_TIME_NONE;
}

guint refuse(GstTtsMix *self, speech::ItemKind kind, const std::string &label,
             const std::string &reason) {
  self->priv->items_refused++;
  GST_INFO_OBJECT(self, "refused %s \"%s\": %s", speech::kind_name(kind), label.c_str(),
                  reason.c_str());
  GstStructure *s = gst_structure_new(
      msg::kRefused, msg::kId, G_TYPE_UINT, 0u, msg::kKind, G_TYPE_STRING, speech::kind_name(kind),
      msg::kText, G_TYPE_STRING, label.c_str(), msg::kReason, G_TYPE_STRING, reason.c_str(),
      msg::kRunningTime, G_TYPE_UINT64, static_cast<guint64>(position_of(self)), msg::kDuration,
      G_TYPE_UINT64, guint64{0}, nullptr);
  gst_element_post_message(element_of(self), gst_message_new_element(GST_OBJECT(self), s));
  return 0;
}

// Queues an item whose sound `job` makes; its id, or 0 after a refusal.
guint admit(GstTtsMix *self, speech::Job job, const std::string &label, bool interrupt) {
  Priv *priv = self->priv;
  const speech::ItemKind kind = job.kind;
  const Settings settings = settings_of(self);
  job.audio = std::make_shared<speech::ItemAudio>();
  // Samples are converted here when the stream's format is known: it takes a moment, and
  // the item is then whole before it can start (its length known, no underrun).
  if (kind == speech::ItemKind::samples) {
    speech::StreamFormat format;
    {
      std::lock_guard lock(priv->state_lock);
      if (priv->state) format = priv->state->format;
    }
    if (format.rate > 0) {
      speech::convert_samples(job.samples.get(), job.samples_info, format, *job.audio);
      job.samples.reset();
    }
  }
  uint64_t id = 0;
  bool running;
  {
    std::lock_guard lock(priv->state_lock);
    running = priv->state.has_value();
    if (running) {
      apply_settings(*priv->state, settings);
      id = priv->state->mixer.enqueue(kind, label, job.audio, interrupt);
    }
  }
  if (!running) return refuse(self, kind, label, "the element is not running");
  if (id == 0)
    return refuse(self, kind, label,
                  "the queue is full (" + std::to_string(settings.max_queue) + " items)");
  GST_INFO_OBJECT(self, "queued %s %" G_GUINT64_FORMAT " \"%s\"%s", speech::kind_name(kind), id,
                  label.c_str(), interrupt ? ", interrupting" : "");
  // Samples converted above need no worker.
  job.first = interrupt;
  if (kind != speech::ItemKind::samples || job.samples) priv->worker.submit(std::move(job));
  return static_cast<guint>(id);
}

guint say(GstTtsMix *self, const gchar *text, const gchar *voice, gboolean interrupt) {
  return onair::guarded(element_of(self), 0u, [&]() -> guint {
    const std::string label = speech::excerpt(text ? text : "");
    if (!text) return refuse(self, speech::ItemKind::speech, label, "text is empty");
    if (auto why = speech::text_refusal(text))
      return refuse(self, speech::ItemKind::speech, label, *why);
    const Settings settings = settings_of(self);
    speech::Job job;
    job.kind = speech::ItemKind::speech;
    job.speech = {text, voice && *voice ? voice : settings.voice, settings.rate, settings.pitch,
                  settings.markup};
    std::string error;
    if (!speech::espeak_ready(&error, nullptr))
      return refuse(self, speech::ItemKind::speech, label, error);
    if (!speech::espeak_has_voice(job.speech.voice))
      return refuse(self, speech::ItemKind::speech, label,
                    "espeak-ng has no voice \"" + speech::excerpt(job.speech.voice) + "\"");
    return admit(self, std::move(job), label, interrupt);
  });
}

// The URI of a file path or URI, or why it cannot be played (a missing file is refused here,
// at once; what a file holds is found out by decoding it).
std::string clip_uri(const char *path_or_uri, std::string *refusal) {
  std::string path;
  if (gst_uri_is_valid(path_or_uri)) {
    onair::CharPtr scheme(gst_uri_get_protocol(path_or_uri));
    if (g_ascii_strcasecmp(scheme.get(), "file") != 0) {
      if (!gst_uri_protocol_is_supported(GST_URI_SRC, scheme.get()))
        *refusal = std::string("cannot read ") + scheme.get() + " URIs";
      return path_or_uri;
    }
    onair::CharPtr file(g_filename_from_uri(path_or_uri, nullptr, nullptr));
    if (!file) return *refusal = "the URI is not a valid file URI", "";
    path = file.get();
  } else {
    onair::CharPtr absolute(g_canonicalize_filename(path_or_uri, nullptr));
    path = absolute.get();
  }
  if (!g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) return *refusal = "no such file", "";
  if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) return *refusal = "not a file", "";
  if (g_access(path.c_str(), R_OK) != 0) return *refusal = "the file cannot be read", "";
  onair::CharPtr uri(gst_filename_to_uri(path.c_str(), nullptr));
  if (!uri) return *refusal = "not a valid file name", "";
  return uri.get();
}

// The clip's file name for messages: from a URI its path's last part, never its query (which
// may hold a token) or its host.
std::string clip_label(const char *path_or_uri) {
  std::string path = path_or_uri;
  if (gst_uri_is_valid(path_or_uri)) {
    GstUri *uri = gst_uri_from_string(path_or_uri);
    onair::CharPtr uri_path(uri ? gst_uri_get_path(uri) : nullptr);
    path = uri_path ? uri_path.get() : "";
    if (uri) gst_uri_unref(uri);
  }
  onair::CharPtr base(g_path_get_basename(path.empty() ? "." : path.c_str()));
  return speech::excerpt(std::string_view(base.get()) == "." ? "" : base.get());
}

guint play(GstTtsMix *self, const gchar *path_or_uri, gboolean interrupt) {
  return onair::guarded(element_of(self), 0u, [&]() -> guint {
    if (!path_or_uri || !*path_or_uri)
      return refuse(self, speech::ItemKind::clip, "", "no file given");
    const std::string label = clip_label(path_or_uri);
    std::string refusal;
    speech::Job job;
    job.kind = speech::ItemKind::clip;
    job.uri = clip_uri(path_or_uri, &refusal);
    if (!refusal.empty()) return refuse(self, speech::ItemKind::clip, label, refusal);
    return admit(self, std::move(job), label, interrupt);
  });
}

guint push_clip(GstTtsMix *self, GstBuffer *samples, GstCaps *caps, gboolean interrupt) {
  return onair::guarded(element_of(self), 0u, [&]() -> guint {
    const auto kind = speech::ItemKind::samples;
    if (!samples || !caps) return refuse(self, kind, "", "no samples or no caps given");
    speech::Job job;
    job.kind = kind;
    if (!gst_audio_info_from_caps(&job.samples_info, caps))
      return refuse(self, kind, "", "the caps are not raw audio");
    if (GST_AUDIO_INFO_LAYOUT(&job.samples_info) != GST_AUDIO_LAYOUT_INTERLEAVED)
      return refuse(self, kind, "", "the samples are not interleaved");
    if (gst_buffer_get_size(samples) < static_cast<gsize>(GST_AUDIO_INFO_BPF(&job.samples_info)))
      return refuse(self, kind, "", "the buffer holds no samples");
    job.samples.reset(gst_buffer_ref(samples));
    return admit(self, std::move(job), "", interrupt);
  });
}

gboolean skip(GstTtsMix *self) {
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    std::lock_guard lock(self->priv->state_lock);
    return self->priv->state && self->priv->state->mixer.skip();
  });
}

guint clear(GstTtsMix *self) {
  return onair::guarded(element_of(self), 0u, [&]() -> guint {
    std::vector<Report> reports;
    size_t ended;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return 0u;
      State &state = *self->priv->state;
      std::vector<speech::MixerEvent> events;
      ended = state.mixer.clear(events);
      collect(state, events, state.position, reports);
    }
    post(self, reports);
    return static_cast<guint>(ended);
  });
}

// Ends every item at once, for a stop or a format change; with the state lock held.
void abort_items(State &state, const char *why, std::vector<Report> &reports) {
  std::vector<speech::MixerEvent> events;
  state.mixer.abort_all(why, events);
  collect(state, events, state.position, reports);
}

gboolean tts_mix_setup(GstAudioFilter *filter, const GstAudioInfo *info) noexcept {
  auto *self = GST_TTS_MIX(filter);
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    const speech::StreamFormat format{GST_AUDIO_INFO_RATE(info), GST_AUDIO_INFO_CHANNELS(info)};
    std::vector<Report> reports;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return FALSE;
      State &state = *self->priv->state;
      // Items already made for the old format would play at the wrong speed.
      if (state.format.rate != 0 && !(state.format == format))
        abort_items(state, "the stream's format changed", reports);
      state.format = format;
      state.sample_format = GST_AUDIO_INFO_FORMAT(info);
      state.mixer.set_channels(format.channels);
      state.applied.reset();
    }
    self->priv->worker.set_format(format);
    post(self, reports);
    return TRUE;
  });
}

GstFlowReturn tts_mix_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) noexcept {
  auto *self = GST_TTS_MIX(trans);
  return onair::guarded(element_of(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    const Settings settings = settings_of(self);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) {
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Could not map the audio buffer"), (nullptr));
      return GST_FLOW_ERROR;
    }
    std::vector<Report> reports;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return GST_FLOW_FLUSHING;
      State &state = *self->priv->state;
      const int channels = std::max(state.format.channels, 1);
      const int sample_bytes = state.sample_format == GST_AUDIO_FORMAT_S16LE ? 2 : 4;
      const size_t frames = map.size / static_cast<size_t>(channels * sample_bytes);
      GstClockTime start = onair::segment_running_time(&trans->segment, GST_BUFFER_PTS(buffer));
      if (start == GST_CLOCK_TIME_NONE) start = state.position;  // untimed: goes on from the last
      apply_settings(state, settings);
      // A gap buffer that gets an item's sound is no longer silence.
      if (!state.mixer.idle()) GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_GAP);
      std::vector<speech::MixerEvent> events;
      if (state.sample_format == GST_AUDIO_FORMAT_S16LE)
        state.mixer.process(reinterpret_cast<int16_t *>(map.data), frames, events);
      else
        state.mixer.process(reinterpret_cast<float *>(map.data), frames, events);
      collect(state, events, start, reports);
      if (GST_CLOCK_TIME_IS_VALID(start))
        state.position = start + frames_to_ns(frames, state.format.rate);
    }
    gst_buffer_unmap(buffer, &map);
    post(self, reports);
    return GST_FLOW_OK;
  });
}

gboolean tts_mix_start(GstBaseTransform *trans) noexcept {
  auto *self = GST_TTS_MIX(trans);
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    self->priv->worker.start();
    std::lock_guard lock(self->priv->state_lock);
    self->priv->state.emplace(self->priv->next_id);
    return TRUE;
  });
}

gboolean tts_mix_stop(GstBaseTransform *trans) noexcept {
  auto *self = GST_TTS_MIX(trans);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    std::vector<Report> reports;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (std::optional<State> &state = self->priv->state) {
        abort_items(*state, "the element stopped", reports);
        self->priv->next_id = state->mixer.next_id();
        state.reset();
      }
    }
    self->priv->worker.stop();
    post(self, reports);
    return TRUE;
  });
}

void tts_mix_set_property(GObject *object, guint prop_id, const GValue *value,
                          GParamSpec *pspec) noexcept {
  auto *self = GST_TTS_MIX(object);
  onair::guarded(element_of(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    if (!speech::set_setting(self->priv->settings, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  });
}

void tts_mix_get_property(GObject *object, guint prop_id, GValue *value,
                          GParamSpec *pspec) noexcept {
  auto *self = GST_TTS_MIX(object);
  onair::guarded(element_of(self), [&] {
    Priv *priv = self->priv;
    if (prop_id == PROP_SPEAKING || prop_id == PROP_SPEAKING_ID || prop_id == PROP_QUEUE_LENGTH) {
      std::lock_guard lock(priv->state_lock);
      const speech::SpeechMixer *mixer = priv->state ? &priv->state->mixer : nullptr;
      if (prop_id == PROP_SPEAKING)
        g_value_set_string(value, mixer ? mixer->current_label().c_str() : "");
      else if (prop_id == PROP_SPEAKING_ID)
        g_value_set_uint(value, mixer ? static_cast<guint>(mixer->current_id().value_or(0)) : 0);
      else
        g_value_set_uint(value, mixer ? static_cast<guint>(mixer->waiting()) : 0);
      return;
    }
    switch (prop_id) {
      case PROP_ITEMS_PLAYED:
        g_value_set_uint64(value, priv->items_played);
        return;
      case PROP_ITEMS_REFUSED:
        g_value_set_uint64(value, priv->items_refused);
        return;
      case PROP_ITEMS_FAILED:
        g_value_set_uint64(value, priv->items_failed);
        return;
      default:
        break;
    }
    if (!speech::get_setting(settings_of(self), prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  });
}

void tts_mix_finalize(GObject *object) noexcept {
  auto *self = GST_TTS_MIX(object);
  onair::guarded_teardown(element_of(self), [&] {
    delete self->priv;
    self->priv = nullptr;
  });
  G_OBJECT_CLASS(gst_tts_mix_parent_class)->finalize(object);
}

constexpr GParamFlags kReadOnly =
    static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

// The element's read-only properties; the settings' are in ttsmix_settings.cpp.
void install_properties(GObjectClass *oc) {
  speech::install_settings_properties(oc);
  g_object_class_install_property(
      oc, PROP_SPEAKING,
      g_param_spec_string("speaking", "Speaking",
                          "Excerpt of the item playing now (\"\" when idle)", "", kReadOnly));
  g_object_class_install_property(
      oc, PROP_SPEAKING_ID,
      g_param_spec_uint("speaking-id", "Speaking id", "Id of the item playing now (0 when idle)", 0,
                        G_MAXUINT, 0, kReadOnly));
  g_object_class_install_property(oc, PROP_QUEUE_LENGTH,
                                  g_param_spec_uint("queue-length", "Queue length", "Items waiting",
                                                    0, G_MAXUINT, 0, kReadOnly));
  g_object_class_install_property(
      oc, PROP_ITEMS_PLAYED,
      g_param_spec_uint64("items-played", "Items played", "Items finished with done", 0,
                          G_MAXUINT64, 0, kReadOnly));
  g_object_class_install_property(
      oc, PROP_ITEMS_REFUSED,
      g_param_spec_uint64("items-refused", "Items refused", "Items refused", 0, G_MAXUINT64, 0,
                          kReadOnly));
  g_object_class_install_property(
      oc, PROP_ITEMS_FAILED,
      g_param_spec_uint64("items-failed", "Items failed", "Items finished with failed", 0,
                          G_MAXUINT64, 0, kReadOnly));
}

void install_signals(GObjectClass *oc) {
  const auto flags = static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION);
  const GType type = G_OBJECT_CLASS_TYPE(oc);
  g_signal_new_class_handler("say", type, flags, G_CALLBACK(say), nullptr, nullptr, nullptr,
                             G_TYPE_UINT, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  g_signal_new_class_handler("play", type, flags, G_CALLBACK(play), nullptr, nullptr, nullptr,
                             G_TYPE_UINT, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  g_signal_new_class_handler("push-clip", type, flags, G_CALLBACK(push_clip), nullptr, nullptr,
                             nullptr, G_TYPE_UINT, 3, GST_TYPE_BUFFER, GST_TYPE_CAPS,
                             G_TYPE_BOOLEAN);
  g_signal_new_class_handler("skip", type, flags, G_CALLBACK(skip), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 0);
  g_signal_new_class_handler("clear", type, flags, G_CALLBACK(clear), nullptr, nullptr, nullptr,
                             G_TYPE_UINT, 0);
}

}  // namespace

static void gst_tts_mix_class_init(GstTtsMixClass *klass) {
  GST_DEBUG_CATEGORY_INIT(tts_mix_debug, "ttsmix", 0, "speech and clips mixed into audio");
  auto *oc = G_OBJECT_CLASS(klass);
  auto *ec = GST_ELEMENT_CLASS(klass);
  auto *bc = GST_BASE_TRANSFORM_CLASS(klass);
  auto *fc = GST_AUDIO_FILTER_CLASS(klass);
  oc->set_property = tts_mix_set_property;
  oc->get_property = tts_mix_get_property;
  oc->finalize = tts_mix_finalize;
  install_properties(oc);
  install_signals(oc);

  gst_element_class_set_static_metadata(
      ec, "Speech and clip mixer", "Filter/Effect/Audio",
      "Mixes queued espeak-ng speech and sound clips into live audio, ducking the programme "
      "under them",
      "onair");
  onair::CapsPtr caps(gst_caps_from_string(kCaps));
  gst_audio_filter_class_add_pad_templates(fc, caps.get());

  bc->transform_ip = tts_mix_transform_ip;
  bc->start = tts_mix_start;
  bc->stop = tts_mix_stop;
  bc->passthrough_on_same_caps = FALSE;
  bc->transform_ip_on_passthrough = FALSE;
  fc->setup = tts_mix_setup;
}

static void gst_tts_mix_init(GstTtsMix *self) {
  self->priv = new Priv(GST_ELEMENT(self));
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
