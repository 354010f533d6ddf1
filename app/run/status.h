// What the app knows of a running pipeline, and its two renderings: the live
// status line and the /api/status JSON. Plain C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onair::app {

// The latest figures of one streammonitor element (from its bus messages).
struct MonitorFigures {
  std::string name;
  std::string media;
  double fps = 0;
  double bitrate = 0;  // bits per second
  uint64_t buffers = 0;
  uint64_t bytes = 0;
  uint64_t gaps = 0;
  uint64_t dropped = 0;
  uint64_t discont = 0;
  bool stalled = false;
  std::optional<int64_t> latency_ns;
  std::optional<int64_t> jitter_ns;
  std::vector<std::string> alerts;  // active alert names
};

// The latest figures of one network output (resilientrtmpsink's stats).
struct OutputFigures {
  std::string name;
  std::string location;  // already without its key
  std::string state;     // connecting, live, reconnecting, failed, stopped, idle
  std::string last_error;
  double bitrate = 0;  // bits per second
  uint64_t frames_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t frames_dropped = 0;
  uint32_t reconnects = 0;
  uint32_t attempt = 0;
  double uptime = 0;                      // seconds live on the current connection
  std::optional<int64_t> latency_ns;      // capture to send
  std::optional<double> next_attempt_in;  // seconds until the next try, while reconnecting
};

// The latest figures of one input another program feeds (feedsrc's stats).
struct InputFigures {
  std::string name;
  bool connected = false;  // a writer is there (always false for push-buffer inputs)
  bool stalled = false;    // video: no new frame for a while, the last one repeats
  uint64_t frames_received = 0;
  uint64_t frames_repeated = 0;
  uint64_t frames_refused = 0;
  uint64_t bytes_received = 0;
  double silence_inserted = 0;  // seconds, sound
};

// The latest figures of one stream served to browsers (webstreamsink's stats).
struct StreamFigures {
  std::string name;
  std::string path;      // "/ascii/ws"
  uint32_t clients = 0;  // connected now
  uint64_t connections = 0;
  uint64_t frames_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t dropped = 0;  // frames dropped for clients that fell behind
};

// The latest figures of one speech element (ttsmix's read-only properties).
struct SpeechFigures {
  std::string name;
  std::string speaking;       // excerpt of the item playing now; empty when idle
  uint32_t speaking_id = 0;   // its id; 0 when idle
  uint32_t queue_length = 0;  // items waiting
  uint64_t played = 0;        // items that played to their end
  uint64_t refused = 0;       // items refused (queue full, bad text, missing clip)
  uint64_t failed = 0;        // items that could not be synthesised or decoded
};

// One broadcastoverlay element: what it shows now.
struct OverlayFigures {
  std::string name;
  std::string status;          // its status line
  uint32_t chat_count = 0;     // chat lines on screen or arriving
  uint32_t alerts_queued = 0;  // alerts showing or waiting
};

// The latest state of one picture source with a slate behind it (slateswitch or resilientsrc).
struct SourceFigures {
  std::string name;
  std::string state;  // live, lost
  uint32_t lost_count = 0;
  std::optional<double> lost_for;         // seconds, while lost
  std::string reason;                     // while lost: starting, stalled, ended, error
  std::string last_error;                 // the latest failure's text, kept after it came back
  std::optional<double> next_attempt_in;  // seconds until the source is opened again
};

// The recording session of the run (run/session_recorder.h), if it records one.
struct SessionFigures {
  std::string id;
  std::string sender;    // address:port of the sender being recorded; empty: waiting for one
  uint64_t senders = 0;  // that connected so far, earlier runs included
  std::string segment;   // the segment being written ("stream/recording_001.mp4"), or empty
  size_t segments = 0;   // in the session, earlier runs included
};

struct Status {
  std::string pipeline;
  std::string description;
  std::string state;  // starting, playing, stopping, stopped, error
  double uptime = 0;  // seconds since the pipeline started playing
  std::string run_dir;
  std::vector<MonitorFigures> monitors;  // in name order
  std::vector<OutputFigures> outputs;    // in name order
  std::vector<InputFigures> inputs;      // in name order
  std::vector<StreamFigures> streams;    // in name order
  std::vector<SpeechFigures> speech;     // in name order; in the JSON only when there is one
  std::vector<SourceFigures> sources;    // in name order
  std::optional<SessionFigures> session;
  // Filled by the web server's status (the control API acts on them); in the JSON only when
  // there are some.
  std::vector<OverlayFigures> overlays;      // in name order
  std::vector<std::string> scene_detectors;  // names of the scenedetect elements (/api/capture)
};

std::string status_json(const Status &status);

class Redactor;
// A copy with every text field passed through `redact`.
Status redacted(Status status, const Redactor &redact);
std::string status_line(const Status &status);
// Prometheus text exposition format (version 0.0.4).
std::string metrics_text(const Status &status);

// "1.50 Mb/s", "128 kb/s", "900 b/s"
std::string format_bitrate(double bits_per_second);
// "01:02:03"
std::string format_duration(double seconds);

}  // namespace onair::app
