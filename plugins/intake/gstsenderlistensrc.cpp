/**
 * SECTION:element-senderlistensrc
 * @title: senderlistensrc
 *
 * A live source of the bytes a network sender (ffmpeg, OBS, a screen grabber) pushes over
 * TCP. It listens on #GstSenderListenSrc:address and serves one sender at a time: anyone who
 * connects while a sender is served is refused (the connection is closed at once, a warning
 * and a `sender-refused` message say so) and the served sender is not disturbed. When the
 * sender leaves (closes, or sends nothing for #GstSenderListenSrc:idle-timeout), the stream
 * does not end: the element waits for the next sender.
 *
 * The first bytes of each sender are type-found before anything is pushed: a connection that
 * carries no recognisable media (random bytes, an HTTP request) is dropped with a warning, and
 * one whose type differs from #GstSenderListenSrc:caps (or from the first sender's type when
 * no caps are set) likewise, so the demuxer downstream only ever sees one kind of stream.
 * Where MPEG-TS is taken, an FLV sender is remuxed into MPEG-TS (#GstSenderListenSrc:remux),
 * not re-encoded, with ffmpeg's programme layout.
 * For MPEG-TS the programme table is read too: a sender whose streams (PIDs, stream types,
 * clock stream) differ from the first sender's is dropped, since the demuxer would end its streams,
 * and with #GstSenderListenSrc:require-audio so is a sender without a sound stream.
 *
 * Each sender's first buffer is flagged DISCONT, so demuxers and parsers drop the previous
 * sender's partial packets and resynchronise. That buffer alone carries a timestamp, the
 * sender's arrival (minus long pauses between senders): demuxers time the sender's stream
 * from its own clock from there, so its timing is kept and time goes on across senders.
 * With #GstSenderListenSrc:split-element naming a splitmuxsink of the same pipeline, each
 * sender after the first starts a new file there (its `split-after` action signal is emitted
 * when the sender's stream begins).
 *
 * Messages: `sender-connected`, `sender-left` and `sender-refused` (fields in
 * senderlistensrc_messages.h and docs/elements/senderlistensrc.md).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m senderlistensrc address=127.0.0.1:4444 caps=video/mpegts ! tsdemux !
 * h264parse ! splitmuxsink name=segments location=recording_%03d.mp4
 * ]| and send with `ffmpeg -re -i talk.mp4 -c copy -f mpegts tcp://127.0.0.1:4444`.
 */
#include "gstsenderlistensrc.h"

#include <gst/base/gsttypefindhelper.h>

#include <algorithm>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/sender_listener.h"
#include "core/ts_layout.h"
#include "core/ts_parameters.h"
#include "onair/gst_ptr.h"
#include "sender_remuxer.h"
#include "onair/guard.h"
#include "senderlistensrc_messages.h"

GST_DEBUG_CATEGORY_STATIC(sender_listen_src_debug);
#define GST_CAT_DEFAULT sender_listen_src_debug

namespace intake = onair::intake;
namespace msg = onair::senderlistensrc_messages;

namespace {

constexpr char kDefaultAddress[] = "127.0.0.1:4444";
constexpr guint64 kDefaultIdleTimeout = 10 * GST_SECOND;
// Type finding waits for this much of a sender's stream (MPEG-TS needs a few packets), and
// gives up on a sender that sent this much without being recognised.
constexpr size_t kProbeMin = 4096;
constexpr size_t kProbeMax = 256 * 1024;
// With match-parameters, an MPEG-TS sender's bytes are held until its parameter sets came (with
// its first keyframe), up to this much; a sender that starts far from a keyframe is taken
// unchecked beyond it.
constexpr size_t kParameterProbeMax = 4 * 1024 * 1024;
// How much of an unrecognised stream's start the warning quotes.
constexpr size_t kQuoteLength = 40;
// Of the pause between two senders, this much is kept in the timeline: a stream's last
// frames are timed up to its muxing delay (ffmpeg: 0.7 s, more with B-frames) after its last
// byte arrived, and the next sender's must come after them. Longer pauses are left out, so
// that a segment does not span a pause.
constexpr GstClockTime kSenderGap = 2 * GST_SECOND;
// When a remuxed sender leaves, the rest of its stream is remuxed within this (it takes
// milliseconds; the bound only keeps a stuck remuxer from holding the element).
constexpr std::chrono::milliseconds kRemuxDrainBound{3000};
// A sender whose container gave no remuxed stream to judge within this much is unreadable.
constexpr uint64_t kRemuxProbeMax = 4 * 1024 * 1024;

struct Settings {
  std::string address = kDefaultAddress;
  guint64 idle_timeout = kDefaultIdleTimeout;
  onair::CapsPtr caps;  // null: the first recognised sender's type
  std::string split_element;
  bool require_audio = false;
  bool match_parameters = true;
  bool remux = true;

  Settings() = default;
  Settings(const Settings &other)
      : address(other.address),
        idle_timeout(other.idle_timeout),
        caps(other.caps ? gst_caps_ref(other.caps.get()) : nullptr),
        split_element(other.split_element),
        require_audio(other.require_audio),
        match_parameters(other.match_parameters),
        remux(other.remux) {}
  Settings &operator=(const Settings &) = delete;
  Settings(Settings &&) = default;
  Settings &operator=(Settings &&) = default;
};

enum class Phase { kWaiting, kProbing, kStreaming };

// Runtime state: built in start(), dropped in stop(); used by the streaming thread only,
// except the listener's wake()/clear_wake(), which unlock() calls.
struct State {
  explicit State(const intake::Endpoint &endpoint) : listener(endpoint) {}
  intake::SenderListener listener;
  // The current sender's stream remuxed into MPEG-TS (it sends FLV); its output
  // wakes the listener's wait.
  std::unique_ptr<intake::SenderRemuxer> remuxer;
  onair::CapsPtr remux_from;  // the type to remux from, once the judge asked for it
  bool remuxed = false;       // the current sender's stream goes through a remuxer
  uint64_t remux_input = 0;   // bytes of the sender's own given to the remuxer
  // A sender that left while the end of its stream was being sent: reported next, so that
  // sender-left always follows the sender's last bytes.
  std::optional<intake::ListenerEvent> left_after_send;
  Phase phase = Phase::kWaiting;
  std::vector<uint8_t> probe;  // the current sender's bytes until its type is known
  onair::CapsPtr accepted;     // the type every sender must have, once known
  std::string media;           // the current sender's type
  // MPEG-TS: the first streamed sender's programme (the demuxer's), and the current one's.
  std::optional<intake::TsLayout> layout;
  std::optional<intake::TsLayout> sender_layout;
  // MPEG-TS: the first streamed sender's coding parameters (its files'), and the current one's.
  std::optional<intake::TsParameters> parameters;
  std::optional<intake::TsParameters> sender_parameters;
  bool streamed_before = false;  // an earlier sender's stream went downstream
  bool discont = false;          // the next buffer starts a new sender's stream
  // Running time left out of the timeline (the pauses between senders beyond kSenderGap),
  // and when the last sender's stream ended.
  GstClockTime paused_total = 0;
  GstClockTime left_at = GST_CLOCK_TIME_NONE;
};

struct Priv {
  std::mutex settings_lock;
  Settings settings;
  guint bound_port = 0;  // under settings_lock
  std::optional<State> state;
};

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_CURRENT_PORT,
  PROP_IDLE_TIMEOUT,
  PROP_CAPS,
  PROP_SPLIT_ELEMENT,
  PROP_REQUIRE_AUDIO,
  PROP_MATCH_PARAMETERS,
  PROP_REMUX,
};

GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

enum class Verdict {
  kUndecided,
  kMedia,
  kRemux,  // a container to remux into the MPEG-TS asked for
  kNotMedia,
  kWrongType,
  kNoAudio,
  kOtherLayout,
  kOtherParameters
};

}  // namespace

struct _GstSenderListenSrc {
  GstPushSrc parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstSenderListenSrc, gst_sender_listen_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(senderlistensrc, "senderlistensrc", GST_RANK_NONE,
                            GST_TYPE_SENDER_LISTEN_SRC)

namespace {

Settings settings_of(GstSenderListenSrc *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

void post(GstSenderListenSrc *self, GstStructure *structure) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), structure));
}

void post_left(GstSenderListenSrc *self, const intake::ListenerEvent &event,
               const std::string &media) {
  GST_INFO_OBJECT(self,
                  "sender %" G_GUINT64_FORMAT " (%s) left: %s after %" G_GUINT64_FORMAT
                  " bytes; waiting for the next sender",
                  event.sender, event.remote.c_str(), event.reason.c_str(), event.bytes);
  GstStructure *st =
      gst_structure_new(msg::kLeft, msg::kRemote, G_TYPE_STRING, event.remote.c_str(), msg::kSender,
                        G_TYPE_UINT64, event.sender, msg::kBytes, G_TYPE_UINT64, event.bytes,
                        msg::kReason, G_TYPE_STRING, event.reason.c_str(), nullptr);
  if (!media.empty()) gst_structure_set(st, msg::kMedia, G_TYPE_STRING, media.c_str(), nullptr);
  post(self, st);
}

// The start of an unrecognised stream, printable, for the warning.
std::string quote(const std::vector<uint8_t> &bytes) {
  std::string out;
  for (size_t i = 0; i < std::min(bytes.size(), kQuoteLength); ++i) {
    const auto c = static_cast<char>(bytes[i]);
    out += g_ascii_isprint(c) ? c : '.';
  }
  return out;
}

// Type-finds the probe. final: the sender is gone, decide with what there is.
Verdict take_sender(State &state, onair::CapsPtr found) {
  if (!state.accepted) state.accepted = std::move(found);
  return Verdict::kMedia;
}

// An MPEG-TS sender whose programme is known: its coding parameters must be the first
// sender's, as the files downstream keep one set.
Verdict judge_parameters(GstSenderListenSrc *self, State &state, bool final, onair::CapsPtr found) {
  state.sender_parameters =
      intake::find_ts_parameters(state.probe.data(), state.probe.size(), *state.sender_layout);
  if (!state.sender_parameters) {
    if (!final && state.probe.size() < kParameterProbeMax) return Verdict::kUndecided;
    GST_INFO_OBJECT(self,
                    "sender's coding parameters not found in its first %" G_GSIZE_FORMAT
                    " bytes: taken unchecked",
                    state.probe.size());
    return take_sender(state, std::move(found));
  }
  if (state.parameters && *state.parameters != *state.sender_parameters)
    return Verdict::kOtherParameters;
  if (!state.parameters) state.parameters = state.sender_parameters;
  return take_sender(state, std::move(found));
}

// Whether downstream takes MPEG-TS: the caps asked for, or else the first sender's type.
bool wants_mpegts(const State &state, const Settings &settings) {
  const GstCaps *wanted = settings.caps ? settings.caps.get() : state.accepted.get();
  if (!wanted) return false;
  onair::CapsPtr mpegts(gst_caps_new_empty_simple("video/mpegts"));
  return gst_caps_can_intersect(wanted, mpegts.get());
}

Verdict judge(GstSenderListenSrc *self, State &state, const Settings &settings, bool final) {
  if (state.probe.size() < kProbeMin && !final) return Verdict::kUndecided;
  GstTypeFindProbability probability = GST_TYPE_FIND_NONE;
  onair::CapsPtr found(gst_type_find_helper_for_data(GST_OBJECT(self), state.probe.data(),
                                                     state.probe.size(), &probability));
  if (found && probability >= GST_TYPE_FIND_LIKELY) {
    onair::CharPtr text(gst_caps_to_string(found.get()));
    GST_DEBUG_OBJECT(self, "sender's stream is %s", text.get());
    // A remuxed sender is known by its own type; what is judged here is the remuxed stream.
    if (!state.remuxed)
      state.media = gst_structure_get_name(gst_caps_get_structure(found.get(), 0));
    if (!state.remuxed && settings.remux && intake::SenderRemuxer::handles(found.get()) &&
        wants_mpegts(state, settings)) {
      state.remux_from = std::move(found);
      return Verdict::kRemux;
    }
    // The caps asked for, and the first sender's type: downstream was set up for it.
    for (GstCaps *wanted : {settings.caps.get(), state.accepted.get()})
      if (wanted && !gst_caps_can_intersect(found.get(), wanted)) return Verdict::kWrongType;
    if (state.media == "video/mpegts") {
      // Wait for the programme table (sent first and every few tenths of a second).
      state.sender_layout = intake::find_ts_layout(state.probe.data(), state.probe.size());
      if (!state.sender_layout && !final && state.probe.size() < kProbeMax)
        return Verdict::kUndecided;
      if (state.sender_layout) {
        if (settings.require_audio && !state.sender_layout->has_audio()) return Verdict::kNoAudio;
        if (state.layout && *state.layout != *state.sender_layout) return Verdict::kOtherLayout;
        if (!state.layout) state.layout = state.sender_layout;
        if (settings.match_parameters)
          return judge_parameters(self, state, final, std::move(found));
      }
    }
    return take_sender(state, std::move(found));
  }
  if (final || state.probe.size() >= kProbeMax) return Verdict::kNotMedia;
  return Verdict::kUndecided;
}

// Emits split-after on the split-element, so the new sender's stream starts a new file.
void split_files(GstSenderListenSrc *self, const std::string &name) {
  if (name.empty()) return;
  GstObject *top = GST_OBJECT(self);
  while (GstObject *parent = GST_OBJECT_PARENT(top)) top = parent;
  onair::ElementPtr target(GST_IS_BIN(top) ? gst_bin_get_by_name(GST_BIN(top), name.c_str())
                                           : nullptr);
  if (!target || g_signal_lookup("split-after", G_OBJECT_TYPE(target.get())) == 0) {
    GST_ELEMENT_WARNING(self, CORE, PAD,
                        ("No element \"%s\" with a split-after signal in the pipeline: the new "
                         "sender's stream goes on in the same file",
                         name.c_str()),
                        (nullptr));
    return;
  }
  GST_INFO_OBJECT(self, "new sender: %s starts a new file", name.c_str());
  g_signal_emit_by_name(target.get(), "split-after");
}

// The pipeline's running time now, or GST_CLOCK_TIME_NONE without a clock.
GstClockTime running_now(GstSenderListenSrc *self) {
  onair::ClockPtr clock(gst_element_get_clock(GST_ELEMENT(self)));
  if (!clock) return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time(clock.get());
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  return now >= base ? now - base : 0;
}

void mark_discont(State &state, GstBuffer *buffer) {
  if (state.discont) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  state.discont = false;
}

// The probed bytes become the sender's first buffer.
GstBuffer *begin_stream(GstSenderListenSrc *self, State &state, const Settings &settings) {
  if (!gst_pad_has_current_caps(GST_BASE_SRC_PAD(self)))
    gst_base_src_set_caps(GST_BASE_SRC(self), state.accepted.get());
  const GstClockTime now = running_now(self);
  if (state.streamed_before) {
    split_files(self, settings.split_element);
    if (GST_CLOCK_TIME_IS_VALID(now) && GST_CLOCK_TIME_IS_VALID(state.left_at) &&
        now > state.left_at + kSenderGap)
      state.paused_total += now - state.left_at - kSenderGap;
  }
  state.streamed_before = true;
  state.phase = Phase::kStreaming;
  state.discont = true;
  GstBuffer *buffer = gst_buffer_new_memdup(state.probe.data(), state.probe.size());
  // Only a sender's first buffer carries a time, its arrival: demuxers place the sender's
  // own timestamps from there on (as for the fragments of adaptive streams), so its timing
  // is kept and time goes on across senders.
  if (GST_CLOCK_TIME_IS_VALID(now))
    GST_BUFFER_PTS(buffer) = GST_BUFFER_DTS(buffer) = now - std::min(now, state.paused_total);
  state.probe.clear();
  state.probe.shrink_to_fit();
  mark_discont(state, buffer);
  return buffer;
}

const char *reason_of(Verdict verdict) {
  switch (verdict) {
    case Verdict::kWrongType:
      return msg::kReasonWrongType;
    case Verdict::kNoAudio:
      return msg::kReasonNoAudio;
    case Verdict::kOtherLayout:
      return msg::kReasonOtherLayout;
    case Verdict::kOtherParameters:
      return msg::kReasonOtherParameters;
    default:
      return msg::kReasonNotMedia;
  }
}

void refuse_stream(GstSenderListenSrc *self, Verdict verdict, intake::ListenerEvent left,
                   const std::vector<uint8_t> &start, const State &state) {
  const std::string layout = state.sender_layout ? state.sender_layout->describe() : std::string();
  left.reason = reason_of(verdict);
  switch (verdict) {
    case Verdict::kWrongType:
      GST_ELEMENT_WARNING(self, STREAM, WRONG_TYPE,
                          ("Sender %" G_GUINT64_FORMAT " (%s) sent %s, not the stream type this "
                           "session takes; dropped, waiting for the next sender",
                           left.sender, left.remote.c_str(), state.media.c_str()),
                          (nullptr));
      break;
    case Verdict::kNoAudio:
      GST_ELEMENT_WARNING(self, STREAM, WRONG_TYPE,
                          ("Sender %" G_GUINT64_FORMAT " (%s) sends no sound (%s), and this "
                           "recording needs sound (require-audio); dropped, waiting for the "
                           "next sender",
                           left.sender, left.remote.c_str(), layout.c_str()),
                          (nullptr));
      break;
    case Verdict::kOtherLayout:
      GST_ELEMENT_WARNING(
          self, STREAM, WRONG_TYPE,
          ("Sender %" G_GUINT64_FORMAT " (%s) sends other streams (%s) than the "
           "first sender (%s), which the demuxer was set up for; dropped, "
           "waiting for the next sender",
           left.sender, left.remote.c_str(), layout.c_str(), state.layout->describe().c_str()),
          (nullptr));
      break;
    case Verdict::kOtherParameters:
      GST_ELEMENT_WARNING(
          self, STREAM, WRONG_TYPE,
          ("Sender %" G_GUINT64_FORMAT " (%s) codes its streams with other parameters (%s) than "
           "the first sender (%s): a recording file keeps one picture size and coding set. "
           "Dropped, waiting for the next sender; record it in a session of its own",
           left.sender, left.remote.c_str(), state.sender_parameters->describe().c_str(),
           state.parameters->describe().c_str()),
          (nullptr));
      break;
    default:
      if (left.bytes > 0)
        GST_ELEMENT_WARNING(
            self, STREAM, TYPE_NOT_FOUND,
            ("Sender %" G_GUINT64_FORMAT " (%s) sent no media stream (%" G_GUINT64_FORMAT
             " bytes beginning \"%s\"); dropped, waiting for the next sender",
             left.sender, left.remote.c_str(), left.bytes, quote(start).c_str()),
            (nullptr));
  }
  post_left(self, left, verdict == Verdict::kNotMedia ? std::string() : state.media);
}

GstBuffer *stream_buffer(State &state, const std::vector<uint8_t> &bytes) {
  GstBuffer *buffer = gst_buffer_new_memdup(bytes.data(), bytes.size());
  mark_discont(state, buffer);
  return buffer;
}

// A sender whose container could not be remuxed: dropped (`left` is its departure), like one
// that is not media.
void drop_unremuxable(GstSenderListenSrc *self, State &state, intake::ListenerEvent left,
                      const std::string &why) {
  state.remuxer.reset();
  state.phase = Phase::kWaiting;
  left.reason = msg::kReasonUnreadable;
  GST_ELEMENT_WARNING(self, STREAM, DEMUX,
                      ("Sender %" G_GUINT64_FORMAT " (%s) sent %s that could not be remuxed into "
                       "MPEG-TS (%s); dropped, waiting for the next sender",
                       left.sender, left.remote.c_str(), state.media.c_str(), why.c_str()),
                      (nullptr));
  post_left(self, left, state.media);
}

// The sender sends a container the judge asked to remux: its bytes so far go to a remuxer,
// whose MPEG-TS output is judged and streamed from now on. False when no remuxer could be made.
bool start_remux(GstSenderListenSrc *self, State &state, const intake::ListenerEvent *left) {
  try {
    state.remuxer = std::make_unique<intake::SenderRemuxer>(
        state.remux_from.get(), [listener = &state.listener] { listener->notify(); });
  } catch (const std::runtime_error &e) {
    drop_unremuxable(self, state, left ? *left : state.listener.drop_sender(msg::kReasonUnreadable),
                     e.what());
    return false;
  }
  state.remuxed = true;
  state.remux_input = state.probe.size();
  GST_INFO_OBJECT(self, "the sender's %s is remuxed into MPEG-TS", state.media.c_str());
  const std::vector<uint8_t> bytes = std::exchange(state.probe, {});
  state.remuxer->push(bytes.data(), bytes.size());
  return true;
}

// The rest of a leaving sender's remuxed stream.
std::vector<uint8_t> drain_remuxer(GstSenderListenSrc *self, State &state) {
  if (!state.remuxer->finish(kRemuxDrainBound))
    GST_WARNING_OBJECT(self,
                       "the remuxer did not finish the sender's stream in time; its end "
                       "is left out");
  std::vector<uint8_t> tail = state.remuxer->take_output();
  if (const std::string error = state.remuxer->error(); !error.empty())
    GST_INFO_OBJECT(self, "remuxing the end of the sender's stream: %s", error.c_str());
  state.remuxer.reset();
  return tail;
}

// More of the sender's stream (its own bytes, or its remuxed output) while its type is judged.
// True when *out holds the stream's first buffer.
bool probe_more(GstSenderListenSrc *self, State &state, const Settings &settings,
                const std::vector<uint8_t> &bytes, GstBuffer **out) {
  state.probe.insert(state.probe.end(), bytes.begin(), bytes.end());
  switch (const Verdict verdict = judge(self, state, settings, false)) {
    case Verdict::kUndecided:
      return false;
    case Verdict::kMedia:
      *out = begin_stream(self, state, settings);
      return true;
    case Verdict::kRemux:
      start_remux(self, state, nullptr);
      return false;
    default: {
      std::vector<uint8_t> start = std::move(state.probe);
      state.phase = Phase::kWaiting;
      state.remuxer.reset();
      refuse_stream(self, verdict, state.listener.drop_sender(reason_of(verdict)), start, state);
      return false;
    }
  }
}

// The sender left while its type was being judged: decide with what it sent. True when *out
// holds its (whole) stream.
bool judge_departed(GstSenderListenSrc *self, State &state, const Settings &settings,
                    const intake::ListenerEvent &event, GstBuffer **out) {
  Verdict verdict = judge(self, state, settings, true);
  if (verdict == Verdict::kRemux) {
    if (!start_remux(self, state, &event)) return false;
    state.probe = drain_remuxer(self, state);
    verdict = judge(self, state, settings, true);
  }
  if (verdict != Verdict::kMedia) {
    std::vector<uint8_t> start = std::move(state.probe);
    refuse_stream(self, verdict, event, start, state);
    return false;
  }
  *out = begin_stream(self, state, settings);
  state.phase = Phase::kWaiting;
  state.left_at = running_now(self);
  state.left_after_send = event;
  return true;
}

GstFlowReturn create(GstPushSrc *src, GstBuffer **out) {
  auto *self = GST_SENDER_LISTEN_SRC(src);
  return onair::guarded(GST_ELEMENT(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    State &state = *self->priv->state;
    Settings settings = settings_of(self);
    const auto idle = std::chrono::milliseconds(settings.idle_timeout / GST_MSECOND);
    using Kind = intake::ListenerEvent::Kind;
    if (state.left_after_send) {
      post_left(self, *state.left_after_send, state.media);
      state.left_after_send.reset();
    }
    for (;;) {
      intake::ListenerEvent event = state.listener.wait(idle);
      switch (event.kind) {
        case Kind::kWoken:
          return GST_FLOW_FLUSHING;
        case Kind::kRefused:
          GST_ELEMENT_WARNING(
              self, RESOURCE, BUSY,
              ("Refused a second sender from %s: sender %" G_GUINT64_FORMAT " is being served",
               event.remote.c_str(), event.sender),
              (nullptr));
          post(self,
               gst_structure_new(msg::kRefused, msg::kRemote, G_TYPE_STRING, event.remote.c_str(),
                                 msg::kSender, G_TYPE_UINT64, event.sender, nullptr));
          continue;
        case Kind::kConnected:
          GST_INFO_OBJECT(self, "sender %" G_GUINT64_FORMAT " connected from %s", event.sender,
                          event.remote.c_str());
          settings = settings_of(self);  // changes apply from the next sender on
          state.phase = Phase::kProbing;
          state.probe.clear();
          state.media.clear();
          state.sender_layout.reset();
          state.remuxer.reset();
          state.remuxed = false;
          state.remux_input = 0;
          post(self,
               gst_structure_new(msg::kConnected, msg::kRemote, G_TYPE_STRING, event.remote.c_str(),
                                 msg::kSender, G_TYPE_UINT64, event.sender, nullptr));
          continue;
        case Kind::kData:
          if (state.remuxer) {
            state.remuxer->push(event.data.data(), event.data.size());
            state.remux_input += event.data.size();
            if (state.phase == Phase::kProbing && state.remux_input > kRemuxProbeMax)
              drop_unremuxable(
                  self, state, state.listener.drop_sender(msg::kReasonUnreadable),
                  "nothing came out of its first " + std::to_string(kRemuxProbeMax >> 20) + " MB");
            continue;
          }
          if (state.phase == Phase::kStreaming) {
            *out = stream_buffer(state, event.data);
            return GST_FLOW_OK;
          }
          if (probe_more(self, state, settings, event.data, out)) return GST_FLOW_OK;
          continue;
        case Kind::kNotified: {
          if (!state.remuxer) continue;  // a late notification of an earlier sender's remuxer
          if (const std::string error = state.remuxer->error(); !error.empty()) {
            if (state.phase == Phase::kStreaming) state.left_at = running_now(self);
            drop_unremuxable(self, state, state.listener.drop_sender(msg::kReasonUnreadable),
                             error);
            continue;
          }
          const std::vector<uint8_t> bytes = state.remuxer->take_output();
          if (bytes.empty()) continue;
          if (state.phase == Phase::kStreaming) {
            *out = stream_buffer(state, bytes);
            return GST_FLOW_OK;
          }
          if (probe_more(self, state, settings, bytes, out)) return GST_FLOW_OK;
          continue;
        }
        case Kind::kLeft: {
          const Phase phase = state.phase;
          state.phase = Phase::kWaiting;
          if (phase == Phase::kStreaming) state.left_at = running_now(self);
          std::vector<uint8_t> tail;
          if (state.remuxer) tail = drain_remuxer(self, state);
          if (phase == Phase::kStreaming) {
            if (tail.empty()) {
              post_left(self, event, state.media);
              continue;
            }
            state.left_after_send = event;
            *out = stream_buffer(state, tail);
            return GST_FLOW_OK;
          }
          state.probe.insert(state.probe.end(), tail.begin(), tail.end());
          if (phase == Phase::kProbing && state.remuxed && state.probe.empty()) {
            drop_unremuxable(self, state, event, "nothing could be read from it");
            continue;
          }
          if (phase != Phase::kProbing || state.probe.empty()) {
            post_left(self, event, state.media);
            continue;
          }
          // Gone before its type was certain: what it sent may still be a short stream.
          if (judge_departed(self, state, settings, event, out)) return GST_FLOW_OK;
          continue;
        }
      }
    }
  });
}

gboolean start(GstBaseSrc *src) {
  auto *self = GST_SENDER_LISTEN_SRC(src);
  return onair::guarded(GST_ELEMENT(self), FALSE, [&]() -> gboolean {
    const Settings settings = settings_of(self);
    const auto endpoint = intake::parse_endpoint(settings.address);
    if (!endpoint) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("Not an address to listen on: \"%s\" (expected HOST:PORT, e.g. "
                         "127.0.0.1:4444)",
                         settings.address.c_str()),
                        (nullptr));
      return FALSE;
    }
    try {
      self->priv->state.emplace(*endpoint);
    } catch (const std::system_error &e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                        ("Could not listen for senders on %s", settings.address.c_str()),
                        ("%s", e.what()));
      return FALSE;
    }
    const guint port = self->priv->state->listener.port();
    {
      std::lock_guard lock(self->priv->settings_lock);
      self->priv->bound_port = port;
    }
    g_object_notify(G_OBJECT(self), "current-port");
    GST_INFO_OBJECT(self, "waiting for a sender on %s (port %u)", settings.address.c_str(), port);
    return TRUE;
  });
}

gboolean stop(GstBaseSrc *src) {
  auto *self = GST_SENDER_LISTEN_SRC(src);
  return onair::guarded_teardown(GST_ELEMENT(self), FALSE, [&]() -> gboolean {
    std::optional<intake::ListenerEvent> left;
    std::string media;
    if (self->priv->state && self->priv->state->listener.serving()) {
      left = self->priv->state->listener.drop_sender(msg::kReasonStopped);
      media = self->priv->state->media;
    } else if (self->priv->state && self->priv->state->left_after_send) {
      left = self->priv->state->left_after_send;
      media = self->priv->state->media;
    }
    self->priv->state.reset();
    if (left) post_left(self, *left, media);
    return TRUE;
  });
}

gboolean unlock(GstBaseSrc *src) {
  auto *self = GST_SENDER_LISTEN_SRC(src);
  if (self->priv->state) self->priv->state->listener.wake();
  return TRUE;
}

gboolean unlock_stop(GstBaseSrc *src) {
  auto *self = GST_SENDER_LISTEN_SRC(src);
  if (self->priv->state) self->priv->state->listener.clear_wake();
  return TRUE;
}

void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  auto *self = GST_SENDER_LISTEN_SRC(object);
  onair::guarded(GST_ELEMENT(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    Settings &s = self->priv->settings;
    switch (id) {
      case PROP_ADDRESS: {
        const char *text = g_value_get_string(value);
        s.address = text ? text : kDefaultAddress;
        break;
      }
      case PROP_IDLE_TIMEOUT:
        s.idle_timeout = g_value_get_uint64(value);
        break;
      case PROP_CAPS: {
        const GstCaps *caps = gst_value_get_caps(value);
        s.caps.reset(caps && !gst_caps_is_any(caps) ? gst_caps_copy(caps) : nullptr);
        break;
      }
      case PROP_SPLIT_ELEMENT: {
        const char *text = g_value_get_string(value);
        s.split_element = text ? text : "";
        break;
      }
      case PROP_REQUIRE_AUDIO:
        s.require_audio = g_value_get_boolean(value);
        break;
      case PROP_MATCH_PARAMETERS:
        s.match_parameters = g_value_get_boolean(value);
        break;
      case PROP_REMUX:
        s.remux = g_value_get_boolean(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  });
}

void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_SENDER_LISTEN_SRC(object);
  onair::guarded(GST_ELEMENT(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    const Settings &s = self->priv->settings;
    switch (id) {
      case PROP_ADDRESS:
        g_value_set_string(value, s.address.c_str());
        break;
      case PROP_CURRENT_PORT:
        g_value_set_uint(value, self->priv->bound_port);
        break;
      case PROP_IDLE_TIMEOUT:
        g_value_set_uint64(value, s.idle_timeout);
        break;
      case PROP_CAPS:
        gst_value_set_caps(value, s.caps.get());
        break;
      case PROP_SPLIT_ELEMENT:
        g_value_set_string(value, s.split_element.c_str());
        break;
      case PROP_REQUIRE_AUDIO:
        g_value_set_boolean(value, s.require_audio);
        break;
      case PROP_MATCH_PARAMETERS:
        g_value_set_boolean(value, s.match_parameters);
        break;
      case PROP_REMUX:
        g_value_set_boolean(value, s.remux);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  });
}

void finalize(GObject *object) {
  auto *self = GST_SENDER_LISTEN_SRC(object);
  onair::guarded_teardown(GST_ELEMENT(self), [&] { delete self->priv; });
  G_OBJECT_CLASS(gst_sender_listen_src_parent_class)->finalize(object);
}

}  // namespace

static void gst_sender_listen_src_init(GstSenderListenSrc *self) {
  self->priv = new Priv();
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

static void gst_sender_listen_src_class_init(GstSenderListenSrcClass *klass) {
  GST_DEBUG_CATEGORY_INIT(sender_listen_src_debug, "senderlistensrc", 0,
                          "Stream a TCP sender pushes, one sender at a time");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *basesrc_class = GST_BASE_SRC_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_ADDRESS,
      g_param_spec_string("address", "Address",
                          "HOST:PORT to listen on for senders (numeric address; port 0: any free "
                          "port, see current-port)",
                          kDefaultAddress, flags));
  g_object_class_install_property(
      gobject_class, PROP_CURRENT_PORT,
      g_param_spec_uint("current-port", "Current port", "The port listened on, once started", 0,
                        65535, 0,
                        static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_IDLE_TIMEOUT,
      g_param_spec_uint64("idle-timeout", "Idle timeout",
                          "A sender that sends nothing this long (ns) is dropped and the next "
                          "one awaited (0: never)",
                          0, G_MAXUINT64, kDefaultIdleTimeout, flags));
  g_object_class_install_property(
      gobject_class, PROP_CAPS,
      g_param_spec_boxed("caps", "Caps",
                         "The stream type senders must send (e.g. video/mpegts); others are "
                         "dropped. None: the type of the first recognised sender",
                         GST_TYPE_CAPS, flags));
  g_object_class_install_property(
      gobject_class, PROP_SPLIT_ELEMENT,
      g_param_spec_string("split-element", "Split element",
                          "Name of an element of the pipeline (a livesplitmuxsink or splitmuxsink) "
                          "whose split-after "
                          "signal is emitted when a new sender's stream begins, so each sender "
                          "gets its own files. Empty: none",
                          "", flags));
  g_object_class_install_property(
      gobject_class, PROP_REQUIRE_AUDIO,
      g_param_spec_boolean("require-audio", "Require audio",
                           "Drop an MPEG-TS sender whose programme has no sound stream (a "
                           "recording of video and sound would wait for sound forever)",
                           FALSE, flags));
  g_object_class_install_property(
      gobject_class, PROP_MATCH_PARAMETERS,
      g_param_spec_boolean(
          "match-parameters", "Match coding parameters",
          "Drop an MPEG-TS sender whose H.264 parameter sets or AAC format differ from the first "
          "sender's: a muxer downstream cannot change them within a file. Off when what follows "
          "decodes the stream",
          TRUE, flags));
  g_object_class_install_property(
      gobject_class, PROP_REMUX,
      g_param_spec_boolean("remux", "Remux",
                           "When the stream type taken is MPEG-TS, remux (not re-encode) a "
                           "sender's FLV into MPEG-TS instead of dropping it",
                           TRUE, flags));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Sender listen source", "Source/Network",
      "Receives the stream a TCP sender pushes, one sender at a time: a second is refused, "
      "the stream waits for the next sender when one leaves; messages sender-connected, "
      "sender-left, sender-refused",
      "onair");
  basesrc_class->start = start;
  basesrc_class->stop = stop;
  basesrc_class->unlock = unlock;
  basesrc_class->unlock_stop = unlock_stop;
  GST_PUSH_SRC_CLASS(klass)->create = create;
}
