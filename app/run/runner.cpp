#include "run/runner.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "feed/feedsrc_messages.h"
#include "monitor/streammonitor_messages.h"
#include "onair/gst_ptr.h"
#include "output/resilientrtmpsink_messages.h"
#include "run/elements.h"
#include "run/input_messages.h"
#include "run/main_context.h"
#include "run/speech_messages.h"
#include "web/webstreamsink_messages.h"

namespace onair::app {

namespace {

namespace monitor_msg = onair::streammonitor_messages;
namespace output_msg = onair::resilientrtmpsink_messages;

// An element's "stats" property: what its stats message carries (null if none).
StructurePtr stats_of(GstElement *element) {
  GstStructure *s = nullptr;
  g_object_get(element, "stats", &s, nullptr);
  return StructurePtr(s);
}

// Sets `out` from a guint64 field, if the structure has it.
void read_uint64(const GstStructure *s, const char *field, uint64_t &out) {
  guint64 v = 0;
  if (gst_structure_get_uint64(s, field, &v)) out = v;
}

// "/pipeline0/filesrc0": the names from the top bin down.
std::string object_path(GstObject *object) {
  std::string path;
  for (GstObject *o = object; o; o = GST_OBJECT_PARENT(o))
    path = "/" + std::string(GST_OBJECT_NAME(o) ? GST_OBJECT_NAME(o) : "?") + path;
  return path.empty() ? "/" : path;
}

std::string alert_text(const GstStructure *s) {
  const gchar *alert = gst_structure_get_string(s, monitor_msg::kAlertName);
  double value = 0, threshold = 0;
  gst_structure_get_double(s, monitor_msg::kValue, &value);
  gst_structure_get_double(s, monitor_msg::kThreshold, &threshold);
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s (value %.3g, threshold %.3g)", alert ? alert : "?", value,
                threshold);
  return buf;
}

// How long the final stop to NULL may take. A streaming thread stuck in an
// element can hold the state lock forever; then the app gives up on it.
// Shorter after "stop at once": whoever asked does not want to wait.
constexpr std::chrono::seconds kStopTimeout{10};
constexpr std::chrono::seconds kStopAtOnceTimeout{2};

// Sending EOS may block until a streaming thread lets go of a lock (or for
// ever), so it runs on GStreamer's async pool, never on the main loop.
void send_eos(GstElement *element, gpointer) {
  gst_element_send_event(element, gst_event_new_eos());
}

// EOS straight into what follows `element`: an element that failed may never
// pass on the EOS its sources send.
void push_eos_downstream(GstElement *element, gpointer) {
  // After a resync a pad may get a second EOS, which is harmless.
  for_each_item(gst_element_iterate_src_pads(element), [](gpointer pad) {
    if (GstPad *peer = gst_pad_get_peer(GST_PAD(pad))) {
      gst_pad_send_event(peer, gst_event_new_eos());
      gst_object_unref(peer);
    }
  });
}

// Whether each input of the pipeline's sinks has its stream (caps) or has
// ended. A muxer fails on a pad that ends before its caps came ("Could not
// create handler for stream" in mpegtsmux) once another pad has data.
bool sink_streams_started(GstElement *pipeline) {
  bool started = true;
  for_each_item(
      gst_bin_iterate_sinks(GST_BIN(pipeline)),
      [&](gpointer sink) {
        for_each_item(gst_element_iterate_sink_pads(GST_ELEMENT(sink)), [&](gpointer pad) {
          if (!gst_pad_has_current_caps(GST_PAD(pad)) && !GST_PAD_IS_EOS(GST_PAD(pad)))
            started = false;
        });
      },
      [&] { started = true; });
  return started;
}

// Counts the buffers reaching the pipeline's sinks: whether media flows, also in a
// pipeline without a streammonitor or with a browser stream nobody watches.
void count_sink_buffers(GstElement *pipeline, const std::shared_ptr<std::atomic<uint64_t>> &count) {
  using Count = std::shared_ptr<std::atomic<uint64_t>>;
  const auto on_buffer = [](GstPad *, GstPadProbeInfo *, gpointer data) noexcept {
    (*static_cast<Count *>(data))->fetch_add(1, std::memory_order_relaxed);
    return GST_PAD_PROBE_OK;
  };
  const auto drop = [](gpointer data) noexcept { delete static_cast<Count *>(data); };
  // After a resync a pad may be counted twice, which only makes the count grow faster.
  for_each_item(gst_bin_iterate_sinks(GST_BIN(pipeline)), [&](gpointer sink) {
    for_each_item(gst_element_iterate_sink_pads(GST_ELEMENT(sink)), [&](gpointer pad) {
      gst_pad_add_probe(
          GST_PAD(pad),
          static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
          on_buffer, new Count(count), drop);
    });
  });
}

// How often a deferred EOS checks whether the outputs have their streams.
constexpr guint kStreamsCheckMs = 20;

// Runs `on_expiry` on its own thread unless destroyed within `timeout`: the
// last resort when stopping the pipeline hangs on a stuck element.
class Watchdog {
 public:
  Watchdog(std::chrono::seconds timeout, std::function<void()> on_expiry)
      : thread_([this, timeout, on_expiry = std::move(on_expiry)] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!disarmed_cv_.wait_for(lock, timeout, [this] { return disarmed_; })) on_expiry();
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      disarmed_ = true;
    }
    disarmed_cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog &) = delete;
  Watchdog &operator=(const Watchdog &) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable disarmed_cv_;
  bool disarmed_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace

Runner::Runner(GstElement *pipeline, Status identity, Console &console, RunnerSettings settings)
    : pipeline_(GST_ELEMENT(gst_object_ref(pipeline))),
      status_(std::move(identity)),
      console_(console),
      settings_(settings),
      loop_(g_main_loop_new(g_main_context_get_thread_default(), FALSE)) {
  status_.state = "starting";
  // Outputs whose figures the app reads from their "stats" property.
  outputs_ = elements_made_by(pipeline_, "resilientrtmpsink");
  // Inputs another program feeds; read from theirs.
  inputs_ = elements_made_by(pipeline_, "feedsrc");
  // Streams served to browsers; their viewers.
  streams_ = elements_made_by(pipeline_, "webstreamsink");
  // Speech mixed into the sound; what it says and what waits.
  speech_ = elements_made_by(pipeline_, "ttsmix");
  count_sink_buffers(pipeline_, sink_buffers_);
}

SpeechFigures Runner::read_speech(GstElement *speech) const {
  SpeechFigures sp;
  sp.name = GST_OBJECT_NAME(speech);
  gchar *speaking = nullptr;
  read_property(speech, "speaking", G_TYPE_STRING, speaking);
  if (speaking) sp.speaking = speaking;
  g_free(speaking);
  const auto count = [speech]<typename T>(const char *name, GType type, T) {
    T value = 0;
    read_property(speech, name, type, value);
    return value;
  };
  sp.speaking_id = count("speaking-id", G_TYPE_UINT, guint{});
  sp.queue_length = count("queue-length", G_TYPE_UINT, guint{});
  sp.played = count("items-played", G_TYPE_UINT64, guint64{});
  sp.refused = count("items-refused", G_TYPE_UINT64, guint64{});
  sp.failed = count("items-failed", G_TYPE_UINT64, guint64{});
  return sp;
}

StreamFigures Runner::read_stream(GstElement *stream) const {
  StreamFigures st;
  st.name = GST_OBJECT_NAME(stream);
  gchar *path = nullptr;
  g_object_get(stream, "path", &path, nullptr);
  if (path) st.path = path;
  g_free(path);
  const StructurePtr stats = stats_of(stream);
  const GstStructure *s = stats.get();
  if (!s) return st;
  namespace web = onair::webstreamsink_messages;
  guint u32 = 0;
  if (gst_structure_get_uint(s, web::kClients, &u32)) st.clients = u32;
  read_uint64(s, web::kConnections, st.connections);
  read_uint64(s, web::kFramesSent, st.frames_sent);
  read_uint64(s, web::kBytesSent, st.bytes_sent);
  read_uint64(s, web::kDropped, st.dropped);
  return st;
}

InputFigures Runner::read_input(GstElement *input) const {
  InputFigures in;
  in.name = GST_OBJECT_NAME(input);
  const StructurePtr stats = stats_of(input);
  const GstStructure *s = stats.get();
  if (!s) return in;
  namespace feed = onair::feedsrc_messages;
  gboolean flag = FALSE;
  if (gst_structure_get_boolean(s, feed::kConnectedField, &flag)) in.connected = flag;
  if (gst_structure_get_boolean(s, feed::kStalledField, &flag)) in.stalled = flag;
  read_uint64(s, feed::kFramesReceived, in.frames_received);
  read_uint64(s, feed::kFramesRepeated, in.frames_repeated);
  read_uint64(s, feed::kFramesRefused, in.frames_refused);
  read_uint64(s, feed::kBytesReceived, in.bytes_received);
  uint64_t silence_ns = 0;
  read_uint64(s, feed::kSilenceInserted, silence_ns);
  in.silence_inserted = static_cast<double>(silence_ns) / 1e9;
  return in;
}

OutputFigures Runner::read_output(GstElement *output) const {
  OutputFigures o;
  o.name = GST_OBJECT_NAME(output);
  const StructurePtr stats = stats_of(output);
  const GstStructure *s = stats.get();
  if (!s) return o;
  if (const gchar *v = gst_structure_get_string(s, output_msg::kStateName)) o.state = v;
  if (const gchar *v = gst_structure_get_string(s, output_msg::kLocation)) o.location = v;
  if (const gchar *v = gst_structure_get_string(s, output_msg::kLastError)) o.last_error = v;
  gst_structure_get_double(s, output_msg::kBitrate, &o.bitrate);
  read_uint64(s, output_msg::kFramesSent, o.frames_sent);
  read_uint64(s, output_msg::kBytesSent, o.bytes_sent);
  read_uint64(s, output_msg::kFramesDropped, o.frames_dropped);
  uint64_t uptime_ns = 0;
  read_uint64(s, output_msg::kUptime, uptime_ns);
  o.uptime = static_cast<double>(uptime_ns) / 1e9;
  guint u32 = 0;
  if (gst_structure_get_uint(s, output_msg::kReconnects, &u32)) o.reconnects = u32;
  if (gst_structure_get_uint(s, output_msg::kAttempt, &u32)) o.attempt = u32;
  gint64 latency = -1;
  if (gst_structure_get_int64(s, output_msg::kEncodingLatency, &latency) && latency >= 0)
    o.latency_ns = latency;
  uint64_t next_attempt_ns = 0;
  if (gst_structure_get_uint64(s, output_msg::kNextAttemptIn, &next_attempt_ns))
    o.next_attempt_in = static_cast<double>(next_attempt_ns) / 1e9;
  return o;
}

Runner::~Runner() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
  g_main_loop_unref(loop_);
}

Status Runner::status() const {
  Status s = status_;
  if (playing_)
    s.uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  for (const auto &[name, figures] : monitors_) s.monitors.push_back(figures);
  for (const auto &[name, element] : outputs_) s.outputs.push_back(read_output(element.get()));
  for (const auto &[name, element] : inputs_) s.inputs.push_back(read_input(element.get()));
  for (const auto &[name, element] : streams_) s.streams.push_back(read_stream(element.get()));
  for (const auto &[name, element] : speech_) s.speech.push_back(read_speech(element.get()));
  sources_.fill(s);
  for (const auto &figures : status_figures_) figures(s);
  return s;
}

Readiness Runner::readiness() const {
  const Status s = status();
  const auto now = MediaFlow::Clock::now();
  media_.observe(media_counter(s) + sink_buffers_->load(), now);
  ReadinessInputs in{s.state, media_.age(now), {}};
  for (const OutputFigures &o : s.outputs) in.outputs.push_back(o.state);
  return decide_readiness(in);
}

int Runner::run() {
  BusPtr bus(gst_element_get_bus(pipeline_));
  const guint bus_watch = gst_bus_add_watch(bus.get(), &Runner::on_bus, this);
  double interval = settings_.status_interval;
  if (interval < 0) interval = console_.is_terminal() ? 1.0 : 5.0;
  const guint status_timer = interval > 0 ? timeout_add_here(static_cast<guint>(interval * 1000),
                                                             &Runner::on_status_tick, this)
                                          : 0;

  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The reason is on the bus; if it is not, say what we know.
    MessagePtr error(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    if (error)
      report(error.get());
    else
      console_.error("the pipeline failed to start");
    finish(1);
  } else {
    g_main_loop_run(loop_);
  }

  if (status_timer) source_remove_here(status_timer);
  if (eos_timer_) source_remove_here(eos_timer_);
  if (eos_deferred_) source_remove_here(eos_deferred_);
  source_remove_here(bus_watch);
  console_.end_status();
  {
    const std::chrono::seconds timeout = stop_at_once_ ? kStopAtOnceTimeout : kStopTimeout;
    Watchdog watchdog(timeout, [this, timeout] {
      console_.error("the pipeline did not stop within " + std::to_string(timeout.count()) +
                     " s (an element is stuck); exiting without it");
      // Unwinding would wait on the stuck pipeline again, so nothing after
      // this runs: drop the run directory here if nothing was written to it.
      if (!status_.run_dir.empty()) g_rmdir(status_.run_dir.c_str());
      std::fflush(nullptr);
      std::_Exit(1);
    });
    gst_element_set_state(pipeline_, GST_STATE_NULL);
  }
  // After the stop, which writes every snapshot still queued.
  for (const std::string &line : scenes_.lines()) console_.info(line);
  status_.state = exit_code_ == 0 ? "stopped" : "error";
  return exit_code_;
}

void Runner::start_finishing(bool once_started) {
  eos_timer_ = timeout_add_here(static_cast<guint>(settings_.eos_timeout * 1000),
                                &Runner::on_eos_timeout, this);
  if (once_started && !outputs_started()) {
    console_.info(
        "the pipeline is still starting: end-of-stream goes in once every output has its streams");
    eos_deferred_ = timeout_add_here(kStreamsCheckMs, &Runner::on_eos_deferred, this);
  } else {
    send_eos_async();
  }
}

bool Runner::outputs_started() const {
  // Until the pipeline plays, sinks inside bins may still be changing state:
  // an EOS then can be posted twice by the same sink (splitmuxsink closes a
  // fragment twice and hlssink2 fails) and never reach the bus.
  return playing_ && sink_streams_started(pipeline_);
}

gboolean Runner::on_eos_deferred(gpointer data) noexcept {
  auto *self = static_cast<Runner *>(data);
  if (!self->outputs_started()) return G_SOURCE_CONTINUE;
  self->eos_deferred_ = 0;
  self->send_eos_async();
  return G_SOURCE_REMOVE;
}

void Runner::send_eos_async() {
  if (eos_deferred_) source_remove_here(eos_deferred_);
  eos_deferred_ = 0;
  gst_element_call_async(pipeline_, &send_eos, nullptr, nullptr);
}

void Runner::finish(int exit_code) {
  exit_code_ = std::max(exit_code_, exit_code);
  g_main_loop_quit(loop_);
}

gboolean Runner::on_bus(GstBus *, GstMessage *message, gpointer self) noexcept {
  try {
    static_cast<Runner *>(self)->handle(message);
  } catch (const std::exception &e) {
    static_cast<Runner *>(self)->console_.error(std::string("internal: ") + e.what());
    static_cast<Runner *>(self)->finish(1);
  }
  return G_SOURCE_CONTINUE;
}

void Runner::report(GstMessage *message) {
  GError *raw = nullptr;
  gchar *debug = nullptr;
  const bool error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
  if (error)
    gst_message_parse_error(message, &raw, &debug);
  else
    gst_message_parse_warning(message, &raw, &debug);
  ErrorPtr err(raw);
  CharPtr detail(debug);
  std::string what = err ? err->message : "unknown";
  // A demuxer or decoder ended without the stream a branch waits on (a
  // stream without sound, say); the app ends that branch (DanglingBranches).
  if (err && g_error_matches(err.get(), GST_PARSE_ERROR, GST_PARSE_ERROR_DELAYED_LINK))
    what =
        "no stream of the media could be linked to a branch that waits on it (the media "
        "may not have that stream); that branch gets nothing";
  const std::string element = object_path(GST_MESSAGE_SRC(message));
  const std::string text =
      element + ": " + what + (detail ? std::string("\n  detail: ") + detail.get() : "");
  Console::Fields fields{{"element", element}};
  if (detail) fields.emplace_back("detail", detail.get());
  if (!error) return console_.warn(text, fields);
  // After a first error, the elements before it stop streaming one after the other, each
  // with an error of its own that says only that: the first one tells the cause.
  const bool knock_on = err &&
                        g_error_matches(err.get(), GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED) &&
                        detail && std::strstr(detail.get(), "streaming stopped, reason");
  if (knock_on && error_reported_) return;
  error_reported_ = true;
  console_.error(text, fields);
}

void Runner::finish_after_error(GstObject *source) {
  exit_code_ = std::max(exit_code_, 1);  // even when every output finishes
  if (!settings_.finish_on_interrupt) return finish(1);
  if (GST_IS_ELEMENT(source))
    gst_element_call_async(GST_ELEMENT(source), &push_eos_downstream, nullptr, nullptr);
  if (stopping_) {
    // A pipeline that failed may never play: the EOS waits no longer.
    if (eos_deferred_) send_eos_async();
    return;  // the timer is running
  }
  stopping_ = true;
  status_.state = "stopping";
  char text[160];
  std::snprintf(text, sizeof text,
                "finishing outputs after the error (up to %.0f s; interrupt to stop at once)",
                settings_.eos_timeout);
  console_.info(text);
  start_finishing(false);
}

void Runner::handle(GstMessage *message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
      report(message);
      finish_after_error(GST_MESSAGE_SRC(message));
      break;
    case GST_MESSAGE_WARNING:
      report(message);
      break;
    case GST_MESSAGE_EOS:
      console_.info(stopping_ ? "outputs finished" : "end of stream");
      finish(0);
      break;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC(message) == GST_OBJECT_CAST(pipeline_)) {
        GstState old_state, new_state;
        gst_message_parse_state_changed(message, &old_state, &new_state, nullptr);
        if (new_state == GST_STATE_PLAYING && !playing_) {
          playing_ = true;
          started_ = std::chrono::steady_clock::now();
          console_.info("playing");
          for (const auto &callback : on_playing_) callback();
        }
        if (!stopping_ && new_state == GST_STATE_PLAYING) status_.state = "playing";
      }
      break;
    case GST_MESSAGE_CLOCK_LOST:
      // The standard recovery: a new clock is chosen on the way back to PLAYING.
      gst_element_set_state(pipeline_, GST_STATE_PAUSED);
      gst_element_set_state(pipeline_, GST_STATE_PLAYING);
      break;
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(pipeline_));
      break;
    case GST_MESSAGE_ELEMENT:
      handle_element(message);
      break;
    default:
      break;
  }
}

void Runner::handle_element(GstMessage *message) {
  const GstStructure *s = gst_message_get_structure(message);
  if (!s) return;
  for (const auto &observer : element_observers_) observer(message);
  const std::string kind = gst_structure_get_name(s);
  if (kind == output_msg::kState) return handle_output_state(message);
  if (show_input_message(message, console_)) return;
  if (sources_.handle(message, console_)) return;
  if (show_speech_message(message, console_)) return;
  if (scenes_.count(message)) return;
  if (kind != monitor_msg::kStats && kind != monitor_msg::kAlert && kind != monitor_msg::kRecovered)
    return;
  const std::string name = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  MonitorFigures &m = monitors_[name];
  m.name = name;
  if (kind == monitor_msg::kStats) {
    if (const gchar *media = gst_structure_get_string(s, monitor_msg::kMedia)) m.media = media;
    gst_structure_get_double(s, monitor_msg::kFps, &m.fps);
    gst_structure_get_double(s, monitor_msg::kBitrate, &m.bitrate);
    read_uint64(s, monitor_msg::kBuffers, m.buffers);
    read_uint64(s, monitor_msg::kBytes, m.bytes);
    read_uint64(s, monitor_msg::kGaps, m.gaps);
    read_uint64(s, monitor_msg::kDropped, m.dropped);
    read_uint64(s, monitor_msg::kDiscont, m.discont);
    gboolean stalled = FALSE;
    gst_structure_get_boolean(s, monitor_msg::kStalled, &stalled);
    m.stalled = stalled;
    gint64 ns = 0;
    m.latency_ns = gst_structure_get_int64(s, monitor_msg::kLatency, &ns)
                       ? std::optional<int64_t>(ns)
                       : std::nullopt;
    m.jitter_ns = gst_structure_get_int64(s, monitor_msg::kJitter, &ns) ? std::optional<int64_t>(ns)
                                                                        : std::nullopt;
    media_.observe(media_counter(status()) + sink_buffers_->load(), MediaFlow::Clock::now());
  } else if (kind == monitor_msg::kAlert || kind == monitor_msg::kRecovered) {
    const gchar *alert = gst_structure_get_string(s, monitor_msg::kAlertName);
    if (!alert) return;
    auto it = std::find(m.alerts.begin(), m.alerts.end(), alert);
    if (kind == monitor_msg::kAlert) {
      if (it == m.alerts.end()) m.alerts.emplace_back(alert);
      console_.warn("alert from " + name + ": " + alert_text(s),
                    {{"monitor", name}, {"alert", alert}});
    } else {
      if (it != m.alerts.end()) m.alerts.erase(it);
      console_.info("recovered " + name + ": " + alert_text(s),
                    {{"monitor", name}, {"alert", alert}});
    }
  }
}

void Runner::handle_output_state(GstMessage *message) {
  const GstStructure *s = gst_message_get_structure(message);
  const gchar *state = gst_structure_get_string(s, output_msg::kStateName);
  const gchar *location = gst_structure_get_string(s, output_msg::kLocation);
  const gchar *error = gst_structure_get_string(s, output_msg::kError);
  guint attempt = 0;
  gst_structure_get_uint(s, output_msg::kAttempt, &attempt);
  guint64 delay = 0;
  const std::string name = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  std::string text =
      "output " + name + " (" + (location ? location : "?") + "): " + (state ? state : "?");
  Console::Fields fields{
      {"output", name}, {"location", location ? location : ""}, {"state", state ? state : ""}};
  if (gst_structure_get_uint64(s, output_msg::kNextDelay, &delay)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", attempt %u in %.1f s", attempt,
                  static_cast<double>(delay) / 1e9);
    text += buf;
    fields.emplace_back("attempt", std::to_string(attempt));
    fields.emplace_back("next_delay_ns", std::to_string(delay));
  }
  if (error && *error) {
    text += std::string(" after: ") + error;
    fields.emplace_back("error", error);
  }
  console_.event(state && g_str_equal(state, "failed") ? LogLevel::kWarning : LogLevel::kInfo, text,
                 fields);
}

void Runner::interrupt() noexcept {
  if (stopping_) {
    console_.warn("stopped at once: outputs may be unfinished");
    stop_at_once_ = true;
    finish(1);
    return;
  }
  stopping_ = true;
  status_.state = "stopping";
  if (!settings_.finish_on_interrupt) {
    console_.info("stopping (this pipeline has no outputs to finish)");
    finish(0);
    return;
  }
  if (!playing_ && idle_until_playing_ && idle_until_playing_()) {
    // Nothing flowed yet, so an end-of-stream would only wait for outputs that never start.
    console_.info("stopping (nothing has reached the outputs yet)");
    finish(0);
    return;
  }
  char text[160];
  std::snprintf(text, sizeof text,
                "stopping: finishing outputs (up to %.0f s; interrupt again to stop at once)",
                settings_.eos_timeout);
  console_.info(text);
  start_finishing(true);
}

gboolean Runner::on_eos_timeout(gpointer data) noexcept {
  auto *self = static_cast<Runner *>(data);
  self->eos_timer_ = 0;
  self->console_.error("outputs did not finish within the end-of-stream timeout; stopped");
  self->finish(1);
  return G_SOURCE_REMOVE;
}

gboolean Runner::on_status_tick(gpointer data) noexcept {
  auto *self = static_cast<Runner *>(data);
  try {
    self->console_.status(status_line(self->status()));
  } catch (const std::exception &) {
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace onair::app
