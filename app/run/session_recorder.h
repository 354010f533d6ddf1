// The app's side of a recording session (`onair run session`): turns the
// pipeline's element messages into session.json updates and events, and
// finishes the session when the run ends. Element names and messages as
// pipelines/session.pipeline has them: "intake" posts sender-connected,
// sender-left and sender-refused; "segments" (splitmuxsink) its fragment
// messages; "scenes" (scenedetect) scenedetect-cut; "chunks" (wavchunksink)
// wavchunksink-chunk.
#pragma once

#include <gst/gst.h>

#include <map>
#include <string>

#include "run/console.h"
#include "run/status.h"
#include "sessions/event_hub.h"
#include "sessions/frame_index.h"
#include "sessions/session_store.h"

namespace onair::app {

class SessionRecorder {
 public:
  // Takes a reference on `pipeline`.
  SessionRecorder(LiveSession session, GstElement *pipeline, Console &console);
  ~SessionRecorder();
  SessionRecorder(const SessionRecorder &) = delete;
  SessionRecorder &operator=(const SessionRecorder &) = delete;

  // Records a message of the session's elements; false for any other.
  bool handle(GstMessage *message);
  // Every second: the open segment's duration so far and the snapshots' places
  // go to disk, so a killed run loses little.
  void refresh();
  // The run ended: open records closed, state finished.
  void finish();

  EventHub &events() { return events_; }
  // A sender connected during this run (before one does, nothing reaches the outputs).
  bool sender_this_run() const { return sender_this_run_; }
  SessionFigures figures() const;
  const LiveSession &session() const { return session_; }

 private:
  void sender_connected(const GstStructure *s);
  void sender_left(const GstStructure *s);
  void sender_refused(const GstStructure *s);
  void segment_opened(const GstStructure *s);
  void segment_closed(const GstStructure *s);
  void snapshot_taken(const GstStructure *s);
  void chunk_ready(const GstStructure *s);
  void save();
  double running_time() const;  // seconds, of the pipeline now
  std::string relative(const std::string &path) const;
  SegmentRecord *open_segment();
  void place_snapshots_now();

  LiveSession session_;
  bool sender_this_run_ = false;
  GstElement *pipeline_;
  Console &console_;
  EventHub events_;
  // Snapshots of this run by id, with their running time, until the index has
  // their segment; `placed` keeps them, to be put back where they went missing.
  std::map<std::string, double> unplaced_;
  std::map<std::string, SegmentPlace> placed_;
  bool finished_ = false;
  // Running time (s) the last sender left at, while none is connected: an open
  // segment's duration so far (refresh()) stops growing there.
  double idle_since_ = -1;
};

}  // namespace onair::app
