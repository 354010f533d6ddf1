/**
 * SECTION:element-wavchunksink
 * @title: wavchunksink
 *
 * Writes the raw sound it receives into numbered WAV files, `chunk_0000.wav`,
 * `chunk_0001.wav`, ... in the directory #GstWavChunkSink:location, as the sound flows, for
 * transcription engines. A chunk ends at the quietest moment within
 * #GstWavChunkSink:search-window of its nominal length #GstWavChunkSink:chunk-duration, so
 * words are not cut in half. Chunks are gapless and never overlap: joined, they are the
 * received sound sample for sample. Each chunk is written under a hidden temporary name and
 * renamed once complete, so a chunk under its final name is always whole, also after a crash.
 *
 * A `wavchunksink-chunk` element message announces each finished chunk. See
 * docs/elements/wavchunksink.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=talk.mp4 ! decodebin ! audioconvert ! audioresample !
 * audio/x-raw,format=S16LE,rate=16000,channels=1 ! wavchunksink location=audio
 * ]|
 */
#include "gstwavchunksink.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/chunk_files.h"
#include "core/quiet_cutter.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "wavchunksink_messages.h"

GST_DEBUG_CATEGORY_STATIC(wav_chunk_sink_debug);
#define GST_CAT_DEFAULT wav_chunk_sink_debug

namespace record = onair::record;
namespace msg = onair::wavchunksink_messages;

namespace {

constexpr guint64 kDefaultChunkDuration = 30 * GST_SECOND;
constexpr guint64 kDefaultSearchWindow = 2 * GST_SECOND;
constexpr guint64 kMinChunkDuration = 10 * GST_MSECOND;
// Loudness is compared over stretches this long: a few pitch periods, shorter than a syllable.
constexpr guint64 kLevelStretch = 20 * GST_MSECOND;
// A hole in the timestamps longer than this is filled with silence (as audio sinks align).
constexpr guint64 kGapThreshold = 40 * GST_MSECOND;

struct Settings {
  std::string location;
  guint64 chunk_duration = kDefaultChunkDuration;
  guint64 search_window = kDefaultSearchWindow;
  gint start_index = -1;
};

// One run of one sound format; a caps change ends it.
struct Stream {
  Stream(int rate_, int channels_, const record::CutterConfig &config, const std::string &directory,
         uint64_t first_index)
      : rate(rate_),
        channels(channels_),
        cutter(config),
        writer(directory, first_index, record::ChunkFormat{rate_, channels_}) {}

  int rate;
  int channels;
  record::QuietCutter cutter;
  record::ChunkWriter writer;
  // Running time of frame origin_frame: buffer times map onto frame numbers through it.
  int64_t origin_rt = onair::kUnknownTime;
  uint64_t origin_frame = 0;
};

// Runtime state: built going to PAUSED, dropped going to READY.
struct State {
  std::string directory;  // absolute
  uint64_t next_index = 0;
  uint64_t frames_before = 0;  // frames of earlier formats, so sample numbers go on
  std::optional<Stream> stream;
};

// A finished or failed chunk, ready to post once the lock is released.
struct Outcome {
  record::ChunkReport report;
  int rate = 0;
  int channels = 0;
  uint64_t first_sample = 0;
  GstClockTime start_rt = GST_CLOCK_TIME_NONE;
  GstClockTime end_rt = GST_CLOCK_TIME_NONE;
};

struct Priv {
  std::mutex settings_lock;
  Settings settings;

  std::mutex state_lock;  // guards state
  std::optional<State> state;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_CHUNK_DURATION,
  PROP_SEARCH_WINDOW,
  PROP_START_INDEX,
};

GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)S16LE, layout=(string)interleaved, "
                    "rate=(int)[1, MAX], channels=(int)[1, 8]"));

}  // namespace

struct _GstWavChunkSink {
  GstBaseSink parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstWavChunkSink, gst_wav_chunk_sink, GST_TYPE_BASE_SINK)
GST_ELEMENT_REGISTER_DEFINE(wavchunksink, "wavchunksink", GST_RANK_NONE, GST_TYPE_WAV_CHUNK_SINK)

namespace {

Settings settings_of(GstWavChunkSink *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

uint64_t frames_in(guint64 ns, int rate) {
  return gst_util_uint64_scale(ns, static_cast<guint64>(rate), GST_SECOND);
}

// Running time of frame `frame` of the stream, or unknown.
GstClockTime running_time_of(const Stream &s, uint64_t frame) {
  if (s.origin_rt == onair::kUnknownTime) return GST_CLOCK_TIME_NONE;
  const auto origin = static_cast<GstClockTime>(s.origin_rt);
  const auto rate = static_cast<guint64>(s.rate);
  if (frame >= s.origin_frame)
    return origin + gst_util_uint64_scale(frame - s.origin_frame, GST_SECOND, rate);
  const GstClockTime back = gst_util_uint64_scale(s.origin_frame - frame, GST_SECOND, rate);
  return back <= origin ? origin - back : 0;
}

void collect(const State &state, Stream &s, std::vector<Outcome> &out) {
  for (record::ChunkReport &r : s.writer.take_reports()) {
    Outcome o;
    o.rate = s.rate;
    o.channels = s.channels;
    o.first_sample = state.frames_before + r.end.first_frame;
    if (r.written) {
      o.start_rt = running_time_of(s, r.end.first_frame);
      o.end_rt = running_time_of(s, r.end.first_frame + r.end.frames);
    }
    o.report = std::move(r);
    out.push_back(std::move(o));
  }
}

// Ends the current chunk with everything received.
void finish_chunk(State &state, std::vector<Outcome> &out) {
  if (!state.stream) return;
  Stream &s = *state.stream;
  s.cutter.finish(s.writer);
  collect(state, s, out);
}

GstClockTime stream_time_of(const GstSegment *segment, GstClockTime rt) {
  if (!GST_CLOCK_TIME_IS_VALID(rt) || segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  const guint64 position = gst_segment_position_from_running_time(segment, GST_FORMAT_TIME, rt);
  if (!GST_CLOCK_TIME_IS_VALID(position)) return GST_CLOCK_TIME_NONE;
  return gst_segment_to_stream_time(segment, GST_FORMAT_TIME, position);
}

// Posts what became of each chunk; never called with a lock held.
void post(GstWavChunkSink *self, const std::vector<Outcome> &outcomes) {
  const GstSegment *segment = &GST_BASE_SINK(self)->segment;
  for (const Outcome &o : outcomes) {
    const record::ChunkReport &r = o.report;
    if (!r.written) {
      GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                          ("Could not write audio chunk \"%s\"; it is left out and the next "
                           "chunk is tried",
                           r.path.c_str()),
                          ("%s", r.error.c_str()));
      continue;
    }
    GST_INFO_OBJECT(self, "chunk %s: %" G_GUINT64_FORMAT " frames", r.path.c_str(), r.end.frames);
    GstStructure *st = gst_structure_new(
        msg::kChunk, msg::kIndex, G_TYPE_UINT64, static_cast<guint64>(r.index), msg::kPath,
        G_TYPE_STRING, r.path.c_str(), msg::kFileName, G_TYPE_STRING, r.file_name.c_str(),
        msg::kFirstSample, G_TYPE_UINT64, static_cast<guint64>(o.first_sample), msg::kSamples,
        G_TYPE_UINT64, static_cast<guint64>(r.end.frames), msg::kRate, G_TYPE_INT, o.rate,
        msg::kChannels, G_TYPE_INT, o.channels, msg::kDuration, G_TYPE_UINT64,
        gst_util_uint64_scale(r.end.frames, GST_SECOND, static_cast<guint64>(o.rate)),
        msg::kStartRunningTime, G_TYPE_UINT64, o.start_rt, msg::kEndRunningTime, G_TYPE_UINT64,
        o.end_rt, msg::kStartStreamTime, G_TYPE_UINT64, stream_time_of(segment, o.start_rt),
        msg::kEndStreamTime, G_TYPE_UINT64, stream_time_of(segment, o.end_rt), nullptr);
    if (r.end.cut_rms) gst_structure_set(st, msg::kCutRms, G_TYPE_DOUBLE, *r.end.cut_rms, nullptr);
    gst_element_post_message(GST_ELEMENT_CAST(self),
                             gst_message_new_element(GST_OBJECT_CAST(self), st));
  }
}

// Builds the state going to PAUSED: the directory, stale temporary files gone, the first index.
bool start(GstWavChunkSink *self) {
  const Settings settings = settings_of(self);
  if (settings.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No directory given for the audio chunks"),
                      ("set the location property"));
    return false;
  }
  std::error_code ec;
  std::string directory = std::filesystem::absolute(settings.location, ec).lexically_normal();
  if (ec) directory = settings.location;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    // Not fatal: the directory may appear later (a disk mounted, a permission fixed); each
    // chunk tries again and warns on its own.
    GST_ELEMENT_WARNING(
        self, RESOURCE, OPEN_WRITE,
        ("Could not create the directory \"%s\" for audio chunks", directory.c_str()),
        ("%s", ec.message().c_str()));
  }
  for (const std::string &name : record::remove_partial_files(directory))
    GST_INFO_OBJECT(self, "removed %s, left unfinished by an earlier run", name.c_str());

  const uint64_t first_index = settings.start_index >= 0
                                   ? static_cast<uint64_t>(settings.start_index)
                                   : record::next_free_index(directory);
  GST_DEBUG_OBJECT(self, "first chunk in %s: %" G_GUINT64_FORMAT, directory.c_str(), first_index);
  std::lock_guard lock(self->priv->state_lock);
  State &state = self->priv->state.emplace();
  state.directory = directory;
  state.next_index = first_index;
  return true;
}

void stop(GstWavChunkSink *self) {
  std::vector<Outcome> outcomes;
  {
    std::lock_guard lock(self->priv->state_lock);
    if (self->priv->state) finish_chunk(*self->priv->state, outcomes);
    self->priv->state.reset();
  }
  post(self, outcomes);
}

}  // namespace

static gboolean gst_wav_chunk_sink_set_caps(GstBaseSink *sink, GstCaps *caps) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(sink);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    // The template fixes format and layout; the channel positions do not matter to a WAV file.
    const GstStructure *st = gst_caps_get_structure(caps, 0);
    int rate = 0;
    int channels = 0;
    if (!gst_structure_get_int(st, "rate", &rate) ||
        !gst_structure_get_int(st, "channels", &channels) || rate <= 0 || channels <= 0)
      return FALSE;
    const Settings settings = settings_of(self);
    std::vector<Outcome> outcomes;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return FALSE;
      State &state = *self->priv->state;
      if (state.stream && state.stream->rate == rate && state.stream->channels == channels)
        return TRUE;
      // A WAV file has one format: a new format starts a new chunk.
      if (state.stream) {
        finish_chunk(state, outcomes);
        state.frames_before += state.stream->cutter.frames_received();
        state.next_index = state.stream->writer.next_index();
        state.stream.reset();
      }
      record::CutterConfig config;
      config.channels = channels;
      // A chunk may run to 1.5 x its nominal length; it must still fit a WAV file.
      const uint64_t longest = record::max_wav_frames(channels) * 2 / 3;
      config.chunk_frames =
          static_cast<int64_t>(std::min(frames_in(settings.chunk_duration, rate), longest));
      config.window_frames = static_cast<int64_t>(frames_in(settings.search_window, rate));
      config.level_frames = static_cast<int64_t>(frames_in(kLevelStretch, rate));
      state.stream.emplace(rate, channels, config, state.directory, state.next_index);
    }
    post(self, outcomes);
    return TRUE;
  });
}

static GstFlowReturn gst_wav_chunk_sink_render(GstBaseSink *sink, GstBuffer *buffer) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(sink);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&] {
    const int64_t rt = onair::segment_running_time(&sink->segment, GST_BUFFER_PTS(buffer));
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not read a sound buffer"), (nullptr));
      return GST_FLOW_ERROR;
    }
    std::vector<Outcome> outcomes;
    GstFlowReturn ret = GST_FLOW_OK;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state || !self->priv->state->stream) {
        ret = GST_FLOW_NOT_NEGOTIATED;
      } else {
        State &state = *self->priv->state;
        Stream &s = *state.stream;
        const uint64_t received = s.cutter.frames_received();
        if (rt != onair::kUnknownTime) {
          const GstClockTime expected = running_time_of(s, received);
          const auto at = static_cast<GstClockTime>(rt);
          if (!GST_CLOCK_TIME_IS_VALID(expected) || at + kGapThreshold < expected) {
            // First timestamp, or time went back: buffers are placed from here on.
            if (GST_CLOCK_TIME_IS_VALID(expected))
              GST_INFO_OBJECT(self, "timestamps went back by %" GST_TIME_FORMAT,
                              GST_TIME_ARGS(expected - at));
            s.origin_rt = rt;
            s.origin_frame = received;
          } else if (at > expected + kGapThreshold) {
            // Silence keeps every later sample at its place on the session's running time.
            const uint64_t silence = frames_in(at - expected, s.rate);
            GST_INFO_OBJECT(self,
                            "gap of %" GST_TIME_FORMAT " filled with %" G_GUINT64_FORMAT
                            " frames of silence",
                            GST_TIME_ARGS(at - expected), silence);
            s.cutter.push_silence(silence, s.writer);
          }
        }
        s.cutter.push(map.data, map.size, s.writer);
        collect(state, s, outcomes);
      }
    }
    gst_buffer_unmap(buffer, &map);
    post(self, outcomes);
    return ret;
  });
}

static gboolean gst_wav_chunk_sink_event(GstBaseSink *sink, GstEvent *event) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(sink);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    const GstEventType type = GST_EVENT_TYPE(event);
    if (type != GST_EVENT_EOS && type != GST_EVENT_FLUSH_STOP) return;
    // The last chunk is complete before the EOS message: whoever waits for it finds the file.
    std::vector<Outcome> outcomes;
    {
      std::lock_guard lock(self->priv->state_lock);
      if (!self->priv->state) return;
      State &state = *self->priv->state;
      finish_chunk(state, outcomes);
      // After a flush, running time starts again: place buffers from the next one.
      if (type == GST_EVENT_FLUSH_STOP && state.stream)
        state.stream->origin_rt = onair::kUnknownTime;
    }
    post(self, outcomes);
  });
  return GST_BASE_SINK_CLASS(gst_wav_chunk_sink_parent_class)->event(sink, event);
}

static GstStateChangeReturn gst_wav_chunk_sink_change_state(GstElement *element,
                                                            GstStateChange transition) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start(self))
      return GST_STATE_CHANGE_FAILURE;
    const GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(gst_wav_chunk_sink_parent_class)->change_state(element, transition);
    // Streaming has stopped: the last chunk is finished.
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) stop(self);
    return ret;
  });
}

static void gst_wav_chunk_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                            GParamSpec *pspec) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_LOCATION: {
        const char *location = g_value_get_string(value);
        s.location = location ? location : "";
        break;
      }
      case PROP_CHUNK_DURATION:
        s.chunk_duration = g_value_get_uint64(value);
        break;
      case PROP_SEARCH_WINDOW:
        s.search_window = g_value_get_uint64(value);
        break;
      case PROP_START_INDEX:
        s.start_index = g_value_get_int(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_wav_chunk_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                            GParamSpec *pspec) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    const Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_LOCATION:
        g_value_set_string(value, s.location.empty() ? nullptr : s.location.c_str());
        break;
      case PROP_CHUNK_DURATION:
        g_value_set_uint64(value, s.chunk_duration);
        break;
      case PROP_SEARCH_WINDOW:
        g_value_set_uint64(value, s.search_window);
        break;
      case PROP_START_INDEX:
        g_value_set_int(value, s.start_index);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_wav_chunk_sink_finalize(GObject *object) noexcept {
  auto *self = GST_WAV_CHUNK_SINK(object);
  onair::guarded_teardown(GST_ELEMENT_CAST(self), [&] { delete self->priv; });
  G_OBJECT_CLASS(gst_wav_chunk_sink_parent_class)->finalize(object);
}

static void gst_wav_chunk_sink_init(GstWavChunkSink *self) {
  self->priv = new Priv();
  // A file writer: nothing to wait for on the clock.
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}

static void gst_wav_chunk_sink_class_init(GstWavChunkSinkClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *sink_class = GST_BASE_SINK_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(wav_chunk_sink_debug, "wavchunksink", 0, "WAV chunks for transcription");

  gobject_class->set_property = gst_wav_chunk_sink_set_property;
  gobject_class->get_property = gst_wav_chunk_sink_get_property;
  gobject_class->finalize = gst_wav_chunk_sink_finalize;

  // Read when the element goes to PAUSED.
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location", "Directory of the chunks (created if missing)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHUNK_DURATION,
      g_param_spec_uint64("chunk-duration", "Chunk duration",
                          "Nominal length of a chunk (ns); a chunk ends at the quietest moment "
                          "within search-window of it",
                          kMinChunkDuration, G_MAXINT64, kDefaultChunkDuration, rw));
  g_object_class_install_property(
      gobject_class, PROP_SEARCH_WINDOW,
      g_param_spec_uint64("search-window", "Search window",
                          "How far before or after the nominal end a chunk may end (ns), looking "
                          "for the quietest moment; at most half of chunk-duration is used; 0 "
                          "cuts at the nominal length exactly",
                          0, G_MAXINT64, kDefaultSearchWindow, rw));
  g_object_class_install_property(
      gobject_class, PROP_START_INDEX,
      g_param_spec_int("start-index", "Start index",
                       "Number of the first chunk; -1: one after the highest chunk_NNNN.wav "
                       "already in the directory (0 in an empty one), so a resumed recording "
                       "goes on",
                       -1, G_MAXINT, -1, rw));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "WAV chunk sink", "Sink/Audio/File",
      "Writes raw S16LE sound into numbered WAV files chunk_0000.wav, chunk_0001.wav, ... for "
      "transcription, each ending at the quietest moment near chunk-duration; gapless, each "
      "file complete or absent (written aside, then renamed). Timestamp gaps are filled with "
      "silence. Element message 'wavchunksink-chunk' per finished chunk: 'index' (guint64), "
      "'path', 'filename', 'first-sample', 'samples' (guint64, frames), 'rate', 'channels', "
      "'duration', 'start-running-time', 'end-running-time', 'start-stream-time', "
      "'end-stream-time' (guint64 ns) and 'cut-rms' (double, 1.0 = full scale; when the cut was "
      "chosen for its quiet). Example: gst-launch-1.0 filesrc location=talk.mp4 ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! "
      "wavchunksink location=audio",
      "onair developers");

  element_class->change_state = gst_wav_chunk_sink_change_state;
  sink_class->set_caps = gst_wav_chunk_sink_set_caps;
  sink_class->render = gst_wav_chunk_sink_render;
  sink_class->event = gst_wav_chunk_sink_event;
}
