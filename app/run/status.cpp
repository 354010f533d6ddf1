#include "run/status.h"

#include <cmath>
#include <cstdio>

#include "common/json_string.h"
#include "common/redactor.h"
#include "common/text.h"

namespace onair::app {

std::string format_bitrate(double bps) {
  char buf[32];
  if (bps >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f Mb/s", bps / 1e6);
  else if (bps >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0f kb/s", bps / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f b/s", bps);
  return buf;
}

std::string format_duration(double seconds) {
  const long total = seconds > 0 ? static_cast<long>(seconds) : 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  return buf;
}

namespace {

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

std::string status_json(const Status &s) {
  std::string j = "{";
  j += "\"pipeline\":" + json_string(s.pipeline);
  j += ",\"description\":" + json_string(s.description);
  j += ",\"state\":" + json_string(s.state);
  j += ",\"uptime\":" + json_number(s.uptime);
  j += ",\"run_dir\":" + json_string(s.run_dir);
  j += ",\"monitors\":[";
  for (size_t i = 0; i < s.monitors.size(); i++) {
    const MonitorFigures &m = s.monitors[i];
    if (i) j += ",";
    j += "{\"name\":" + json_string(m.name);
    j += ",\"media\":" + json_string(m.media);
    j += ",\"fps\":" + json_number(m.fps);
    j += ",\"bitrate\":" + json_number(m.bitrate);
    j += ",\"buffers\":" + std::to_string(m.buffers);
    j += ",\"bytes\":" + std::to_string(m.bytes);
    j += ",\"gaps\":" + std::to_string(m.gaps);
    j += ",\"dropped\":" + std::to_string(m.dropped);
    j += ",\"discont\":" + std::to_string(m.discont);
    j += std::string(",\"stalled\":") + (m.stalled ? "true" : "false");
    j += ",\"latency_ms\":" + (m.latency_ns ? json_number(*m.latency_ns / 1e6) : "null");
    j += ",\"jitter_ms\":" + (m.jitter_ns ? json_number(*m.jitter_ns / 1e6) : "null");
    j += ",\"alerts\":[";
    for (size_t k = 0; k < m.alerts.size(); k++) j += (k ? "," : "") + json_string(m.alerts[k]);
    j += "]}";
  }
  j += "],\"outputs\":[";
  for (size_t i = 0; i < s.outputs.size(); i++) {
    const OutputFigures &o = s.outputs[i];
    if (i) j += ",";
    j += "{\"name\":" + json_string(o.name);
    j += ",\"location\":" + json_string(o.location);
    j += ",\"state\":" + json_string(o.state);
    j += ",\"bitrate\":" + json_number(o.bitrate);
    j += ",\"frames_sent\":" + std::to_string(o.frames_sent);
    j += ",\"bytes_sent\":" + std::to_string(o.bytes_sent);
    j += ",\"frames_dropped\":" + std::to_string(o.frames_dropped);
    j += ",\"reconnects\":" + std::to_string(o.reconnects);
    j += ",\"attempt\":" + std::to_string(o.attempt);
    j += ",\"uptime\":" + json_number(o.uptime);
    j += ",\"encoding_latency_ms\":" + (o.latency_ns ? json_number(*o.latency_ns / 1e6) : "null");
    j += ",\"next_attempt_in\":" + (o.next_attempt_in ? json_number(*o.next_attempt_in) : "null");
    j += ",\"last_error\":" + json_string(o.last_error) + "}";
  }
  j += "],\"inputs\":[";
  for (size_t i = 0; i < s.inputs.size(); i++) {
    const InputFigures &in = s.inputs[i];
    if (i) j += ",";
    j += "{\"name\":" + json_string(in.name);
    j += std::string(",\"connected\":") + (in.connected ? "true" : "false");
    j += std::string(",\"stalled\":") + (in.stalled ? "true" : "false");
    j += ",\"frames_received\":" + std::to_string(in.frames_received);
    j += ",\"frames_repeated\":" + std::to_string(in.frames_repeated);
    j += ",\"frames_refused\":" + std::to_string(in.frames_refused);
    j += ",\"bytes_received\":" + std::to_string(in.bytes_received);
    j += ",\"silence_inserted\":" + json_number(in.silence_inserted) + "}";
  }
  j += "],\"streams\":[";
  for (size_t i = 0; i < s.streams.size(); i++) {
    const StreamFigures &st = s.streams[i];
    if (i) j += ",";
    j += "{\"name\":" + json_string(st.name);
    j += ",\"path\":" + json_string(st.path);
    j += ",\"clients\":" + std::to_string(st.clients);
    j += ",\"connections\":" + std::to_string(st.connections);
    j += ",\"frames_sent\":" + std::to_string(st.frames_sent);
    j += ",\"bytes_sent\":" + std::to_string(st.bytes_sent);
    j += ",\"dropped\":" + std::to_string(st.dropped) + "}";
  }
  j += "],\"sources\":[";
  for (size_t i = 0; i < s.sources.size(); i++) {
    const SourceFigures &src = s.sources[i];
    if (i) j += ",";
    j += "{\"name\":" + json_string(src.name);
    j += ",\"state\":" + json_string(src.state);
    j += ",\"lost_count\":" + std::to_string(src.lost_count);
    j += ",\"lost_for\":" + (src.lost_for ? json_number(*src.lost_for) : "null");
    j += ",\"reason\":" + json_string(src.reason);
    j += ",\"last_error\":" + json_string(src.last_error);
    j += ",\"next_attempt_in\":" +
         (src.next_attempt_in ? json_number(*src.next_attempt_in) : "null") + "}";
  }
  j += "]";
  // Only a pipeline with a speech element has these.
  if (!s.speech.empty()) {
    j += ",\"speech\":[";
    for (size_t i = 0; i < s.speech.size(); i++) {
      const SpeechFigures &sp = s.speech[i];
      if (i) j += ",";
      j += "{\"name\":" + json_string(sp.name);
      j += ",\"speaking\":" + (sp.speaking_id ? json_string(sp.speaking) : "null");
      j += ",\"speaking_id\":" + (sp.speaking_id ? std::to_string(sp.speaking_id) : "null");
      j += ",\"queue_length\":" + std::to_string(sp.queue_length);
      j += ",\"played\":" + std::to_string(sp.played);
      j += ",\"refused\":" + std::to_string(sp.refused);
      j += ",\"failed\":" + std::to_string(sp.failed) + "}";
    }
    j += "]";
  }
  // Only a run that records a session has one.
  if (const auto &session = s.session) {
    j += ",\"session\":{\"id\":" + json_string(session->id);
    j += std::string(",\"waiting\":") + (session->sender.empty() ? "true" : "false");
    j += ",\"sender\":" + (session->sender.empty() ? "null" : json_string(session->sender));
    j += ",\"senders\":" + std::to_string(session->senders);
    j += ",\"segment\":" + (session->segment.empty() ? "null" : json_string(session->segment));
    j += ",\"segments\":" + std::to_string(session->segments) + "}";
  }
  if (!s.overlays.empty()) {
    j += ",\"overlays\":[";
    for (size_t i = 0; i < s.overlays.size(); i++) {
      const OverlayFigures &o = s.overlays[i];
      j += std::string(i ? "," : "") + "{\"name\":" + json_string(o.name);
      j += ",\"status\":" + json_string(o.status);
      j += ",\"chat_count\":" + std::to_string(o.chat_count);
      j += ",\"alerts_queued\":" + std::to_string(o.alerts_queued) + "}";
    }
    j += "]";
  }
  if (!s.scene_detectors.empty()) {
    j += ",\"scene_detectors\":[";
    for (size_t i = 0; i < s.scene_detectors.size(); i++)
      j += (i ? "," : "") + json_string(s.scene_detectors[i]);
    j += "]";
  }
  j += "}";
  return j;
}

namespace {

std::string label(const std::string &value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string metric_number(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buf[32];
  // Counters stay exact: whole numbers are written out in full.
  if (v == std::floor(v) && std::fabs(v) < 9e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct MetricWriter {
  std::string out;
  std::string pipeline;
  void header(const char *name, const char *type, const char *help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const char *name, const std::string &labels, double value) {
    out += std::string(name) + "{pipeline=" + label(pipeline) + labels + "} " +
           metric_number(value) + "\n";
  }
};

}  // namespace

std::string metrics_text(const Status &s) {
  MetricWriter w;
  w.pipeline = s.pipeline;
  w.header("onair_up", "gauge", "1 while the pipeline is playing.");
  w.sample("onair_up", "", s.state == "playing" ? 1 : 0);
  w.header("onair_uptime_seconds", "gauge", "Seconds since the pipeline started playing.");
  w.sample("onair_uptime_seconds", "", s.uptime);

  const auto per_monitor = [&](const char *name, const char *type, const char *help, auto value) {
    if (s.monitors.empty()) return;
    w.header(name, type, help);
    for (const MonitorFigures &m : s.monitors)
      w.sample(name, ",monitor=" + label(m.name), static_cast<double>(value(m)));
  };
  per_monitor("onair_monitor_fps", "gauge", "Buffers per second in the last window.",
              [](const MonitorFigures &m) { return m.fps; });
  per_monitor("onair_monitor_bitrate_bits_per_second", "gauge", "Bitrate in the last window.",
              [](const MonitorFigures &m) { return m.bitrate; });
  per_monitor("onair_monitor_buffers_total", "counter", "Buffers seen.",
              [](const MonitorFigures &m) { return m.buffers; });
  per_monitor("onair_monitor_bytes_total", "counter", "Bytes seen.",
              [](const MonitorFigures &m) { return m.bytes; });
  per_monitor("onair_monitor_gaps_total", "counter", "Holes in the timestamps.",
              [](const MonitorFigures &m) { return m.gaps; });
  per_monitor("onair_monitor_dropped_total", "counter", "Buffers missing from those holes.",
              [](const MonitorFigures &m) { return m.dropped; });
  per_monitor("onair_monitor_stalled", "gauge", "1 when no buffer came for a whole window.",
              [](const MonitorFigures &m) { return m.stalled ? 1 : 0; });
  per_monitor("onair_monitor_alerts", "gauge", "Active alerts.",
              [](const MonitorFigures &m) { return m.alerts.size(); });

  const auto per_output = [&](const char *name, const char *type, const char *help, auto value) {
    if (s.outputs.empty()) return;
    w.header(name, type, help);
    for (const OutputFigures &o : s.outputs)
      w.sample(name, ",output=" + label(o.name), static_cast<double>(value(o)));
  };
  per_output("onair_output_live", "gauge", "1 while the output is on air.",
             [](const OutputFigures &o) { return o.state == "live" ? 1 : 0; });
  per_output("onair_output_bitrate_bits_per_second", "gauge",
             "Bits per second sent over the last three seconds.",
             [](const OutputFigures &o) { return o.bitrate; });
  per_output("onair_output_bytes_sent_total", "counter", "Bytes sent to the server.",
             [](const OutputFigures &o) { return o.bytes_sent; });
  per_output("onair_output_frames_sent_total", "counter", "Video frames sent.",
             [](const OutputFigures &o) { return o.frames_sent; });
  per_output("onair_output_frames_dropped_total", "counter", "Video frames dropped.",
             [](const OutputFigures &o) { return o.frames_dropped; });
  per_output("onair_output_reconnects_total", "counter", "Connections lost after going live.",
             [](const OutputFigures &o) { return o.reconnects; });
  per_output("onair_output_uptime_seconds", "gauge", "Seconds on air on this connection.",
             [](const OutputFigures &o) { return o.uptime; });
  per_output("onair_output_encoding_latency_seconds", "gauge", "Capture to send.",
             [](const OutputFigures &o) { return o.latency_ns ? *o.latency_ns / 1e9 : NAN; });
  if (!s.outputs.empty()) {
    w.header("onair_output_state", "gauge", "The output's state, as a label.");
    for (const OutputFigures &o : s.outputs)
      w.sample("onair_output_state", ",output=" + label(o.name) + ",state=" + label(o.state), 1);
  }

  const auto per_input = [&](const char *name, const char *type, const char *help, auto value) {
    if (s.inputs.empty()) return;
    w.header(name, type, help);
    for (const InputFigures &in : s.inputs)
      w.sample(name, ",input=" + label(in.name), static_cast<double>(value(in)));
  };
  per_input("onair_input_connected", "gauge", "1 while a writer is connected.",
            [](const InputFigures &in) { return in.connected ? 1 : 0; });
  per_input("onair_input_stalled", "gauge", "1 while no new frame comes and the last one repeats.",
            [](const InputFigures &in) { return in.stalled ? 1 : 0; });
  per_input("onair_input_frames_received_total", "counter",
            "Frames (or pieces of sound) received whole.",
            [](const InputFigures &in) { return in.frames_received; });
  per_input("onair_input_frames_repeated_total", "counter",
            "Frame slots that repeated the last frame.",
            [](const InputFigures &in) { return in.frames_repeated; });
  per_input("onair_input_frames_refused_total", "counter", "Frames of the wrong size refused.",
            [](const InputFigures &in) { return in.frames_refused; });
  per_input("onair_input_bytes_received_total", "counter", "Bytes received from the writer.",
            [](const InputFigures &in) { return in.bytes_received; });
  per_input("onair_input_silence_inserted_seconds_total", "counter",
            "Seconds of silence put in where no sound came.",
            [](const InputFigures &in) { return in.silence_inserted; });

  if (!s.sources.empty()) {
    w.header("onair_source_up", "gauge",
             "1 while the source's picture shows, 0 while the slate does.");
    for (const SourceFigures &src : s.sources)
      w.sample("onair_source_up", ",source=" + label(src.name), src.state == "live" ? 1 : 0);
    w.header("onair_source_lost_total", "counter", "Times the source was lost.");
    for (const SourceFigures &src : s.sources)
      w.sample("onair_source_lost_total", ",source=" + label(src.name), src.lost_count);
  }

  const auto per_stream = [&](const char *name, const char *type, const char *help, auto value) {
    if (s.streams.empty()) return;
    w.header(name, type, help);
    for (const StreamFigures &st : s.streams)
      w.sample(name, ",stream=" + label(st.name) + ",path=" + label(st.path),
               static_cast<double>(value(st)));
  };
  per_stream("onair_stream_clients", "gauge", "Browsers connected now.",
             [](const StreamFigures &st) { return st.clients; });
  per_stream("onair_stream_connections_total", "counter", "Browsers that connected.",
             [](const StreamFigures &st) { return st.connections; });
  per_stream("onair_stream_frames_sent_total", "counter", "Frames sent, all browsers together.",
             [](const StreamFigures &st) { return st.frames_sent; });
  per_stream("onair_stream_bytes_sent_total", "counter", "Bytes sent, all browsers together.",
             [](const StreamFigures &st) { return st.bytes_sent; });
  per_stream("onair_stream_dropped_total", "counter",
             "Frames dropped for browsers that fell behind.",
             [](const StreamFigures &st) { return st.dropped; });

  if (!s.speech.empty()) {
    w.header("onair_speech_items_total", "counter",
             "Speech items and clips by how they ended: played to the end, refused, failed.");
    for (const SpeechFigures &sp : s.speech)
      for (const auto &[result, count] :
           {std::pair{"played", sp.played}, std::pair{"refused", sp.refused},
            std::pair{"failed", sp.failed}})
        w.sample("onair_speech_items_total",
                 ",speech=" + label(sp.name) + ",result=" + label(result),
                 static_cast<double>(count));
    w.header("onair_speech_queue_length", "gauge", "Speech items waiting.");
    for (const SpeechFigures &sp : s.speech)
      w.sample("onair_speech_queue_length", ",speech=" + label(sp.name), sp.queue_length);
    w.header("onair_speech_speaking", "gauge", "1 while a speech item or clip plays.");
    for (const SpeechFigures &sp : s.speech)
      w.sample("onair_speech_speaking", ",speech=" + label(sp.name), sp.speaking_id ? 1 : 0);
  }
  return w.out;
}

Status redacted(Status s, const Redactor &redact) {
  for (std::string *text : {&s.pipeline, &s.description, &s.state, &s.run_dir})
    *text = redact(*text);
  for (MonitorFigures &m : s.monitors) {
    m.name = redact(m.name);
    m.media = redact(m.media);
  }
  for (OutputFigures &o : s.outputs)
    for (std::string *text : {&o.name, &o.location, &o.state, &o.last_error}) *text = redact(*text);
  for (InputFigures &in : s.inputs) in.name = redact(in.name);
  for (SourceFigures &src : s.sources)
    for (std::string *text : {&src.name, &src.reason, &src.last_error}) *text = redact(*text);
  for (StreamFigures &st : s.streams)
    for (std::string *text : {&st.name, &st.path}) *text = redact(*text);
  for (SpeechFigures &sp : s.speech)
    for (std::string *text : {&sp.name, &sp.speaking}) *text = redact(*text);
  for (OverlayFigures &o : s.overlays)
    for (std::string *text : {&o.name, &o.status}) *text = redact(*text);
  for (std::string &name : s.scene_detectors) name = redact(name);
  return s;
}

std::string status_line(const Status &s) {
  std::string line = s.state + " " + format_duration(s.uptime);
  for (const MonitorFigures &m : s.monitors) {
    char fps[32];
    std::snprintf(fps, sizeof fps, "%.1f fps", m.fps);
    line += " | " + m.name + " " + (m.stalled ? std::string("STALLED") : std::string(fps)) + " " +
            format_bitrate(m.bitrate);
    if (m.dropped || m.gaps)
      line += " dropped " + std::to_string(m.dropped) + " gaps " + std::to_string(m.gaps);
    for (const std::string &a : m.alerts) line += " [" + a + "]";
  }
  for (const OutputFigures &o : s.outputs) {
    line += " | " + o.name + " " + o.state;
    if (o.state == "live") {
      line += " " + format_bitrate(o.bitrate) + " up " + format_duration(o.uptime);
      if (o.latency_ns) line += " latency " + std::to_string(*o.latency_ns / 1'000'000) + " ms";
    } else if (o.attempt > 1)
      line += " #" + std::to_string(o.attempt);
    if (o.frames_dropped) line += " dropped " + std::to_string(o.frames_dropped);
    if (o.reconnects) line += " reconnects " + std::to_string(o.reconnects);
  }
  if (const auto &session = s.session) {
    line += " | session " + session->id;
    line += session->sender.empty() ? " waiting for a sender"
                                    : " sender " + session->sender + " " + session->segment;
  }
  // Inputs only when something needs a look: nobody writing, a stall, refusals.
  for (const InputFigures &in : s.inputs) {
    if (in.connected && !in.stalled && !in.frames_refused) continue;
    line += " | " + in.name;
    if (!in.connected) line += " no writer";
    if (in.stalled) line += " STALLED";
    if (in.frames_refused) line += " refused " + std::to_string(in.frames_refused);
  }
  // Sources on the slate: why, for how long, and when the next try comes.
  for (const SourceFigures &src : s.sources) {
    if (src.state == "live") continue;
    line += " | " + src.name + " SLATE " + src.reason;
    if (src.lost_for) line += " " + format_duration(*src.lost_for);
    if (src.next_attempt_in) {
      char next[32];
      std::snprintf(next, sizeof next, " retry in %.0f s", *src.next_attempt_in);
      line += next;
    }
  }
  // Speech: what is said now and how much waits.
  for (const SpeechFigures &sp : s.speech) {
    line += " | " + sp.name;
    line += sp.speaking_id ? " #" + std::to_string(sp.speaking_id) + " \"" +
                                 printable_excerpt(sp.speaking, 30) + "\""
                           : std::string(" idle");
    if (sp.queue_length) line += " +" + std::to_string(sp.queue_length) + " waiting";
  }
  // Streams to browsers: the clients of each one that has some. A browser
  // usually holds two (frames and sound), so there is no sum.
  if (!s.streams.empty()) {
    std::string clients;
    for (const StreamFigures &st : s.streams)
      if (st.clients)
        clients += (clients.empty() ? " " : ", ") + st.name + " " + std::to_string(st.clients);
    line += " | clients" + (clients.empty() ? std::string(" 0") : clients);
  }
  return line;
}

}  // namespace onair::app
