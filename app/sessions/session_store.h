// Recording sessions on disk: one directory per session under a root
// (~/.local/share/onair/sessions), named by its start time, with stream/,
// frames/, audio/ and session.json. A session is live while the process that
// records it holds the lock on its session.lock; one left "live" by a killed
// process is recognised as crashed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/user_error.h"

namespace onair::app {

// A refused request on sessions: an HTTP status (400 bad id or not a session,
// 404 no such session, 409 live, 500 a file error) and a one-line message.
class SessionError : public UserError {
 public:
  SessionError(int status, const std::string &message) : UserError(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct SenderRecord {
  int64_t sender = 0;  // count, from 1
  std::string remote;  // address:port
  std::string connected;
  std::string left;  // empty while connected
  uint64_t bytes = 0;
  std::string reason;
};

struct SegmentRecord {
  std::string file;  // "stream/recording_000.mp4"
  std::string opened;
  std::string closed;             // empty while open
  double duration = 0;            // seconds; while open, as far as recorded
  double start_running_time = 0;  // seconds, in the run that wrote it
  int run = 1;                    // which run of the session (resume counts up)
};

// What session.json holds.
struct SessionRecord {
  std::string id;
  std::string state = "live";  // live, finished or crashed
  std::string pipeline;
  std::string started;  // ISO 8601, local time with offset
  std::string updated;
  std::string ended;
  int runs = 1;
  std::vector<SenderRecord> senders;
  std::vector<SegmentRecord> segments;
};

// A session as listed: its record and what is in its directory.
struct SessionSummary {
  SessionRecord record;
  std::string dir;
  bool live = false;
  double duration = 0;  // summed over segments
  size_t segments = 0;  // recording_NNN.mp4 files
  size_t snapshots = 0;
  size_t chunks = 0;
  uint64_t bytes = 0;
};

// "20261204_153000" or "20261204_153000_2".
bool is_session_id(const std::string &id);
// Now, ISO 8601 with the local offset.
std::string now_iso8601();

std::string session_json(const SessionRecord &record);
// Throws SessionError(500) when the text is not a session record.
SessionRecord parse_session_json(const std::string &text);
std::string summary_json(const SessionSummary &summary);
std::string summaries_json(const std::vector<SessionSummary> &summaries);

// Writes `text` to `path` through a temporary file, fsync and rename, so a
// reader (or a crash) sees the old or the new file, never a part. Throws
// SessionError(500).
void write_file_atomically(const std::string &path, const std::string &text);

class SessionStore {
 public:
  // `root` empty: $XDG_DATA_HOME/onair/sessions; a relative one is made absolute.
  explicit SessionStore(std::string root = {});
  const std::string &root() const { return root_; }

  // Newest first. Sessions left live by a killed process are marked crashed.
  std::vector<SessionSummary> list() const;
  // Throws SessionError (400 not an id or not a session directory, 404).
  SessionSummary show(const std::string &id) const;
  // Removes a session that is not live; returns what was removed, in words.
  // Throws SessionError (400, 404, 409 live).
  std::string remove(const std::string &id) const;
  // The session directory of `id`, checked: a real directory (no link) right
  // under the root, with a session.json. Throws SessionError (400, 404).
  std::string session_dir(const std::string &id) const;

 private:
  std::string root_;
};

// The session a run records into: made new or resumed, locked for the run's
// lifetime, its session.json rewritten atomically at every change.
class LiveSession {
 public:
  // A new session in the store's root. Throws SessionError.
  static LiveSession create(const SessionStore &store, const std::string &pipeline);
  // Continues `id`; refuses one that is live in another process. Throws SessionError.
  static LiveSession resume(const SessionStore &store, const std::string &id);
  ~LiveSession();
  LiveSession(LiveSession &&other) noexcept;
  LiveSession &operator=(LiveSession &&) = delete;
  LiveSession(const LiveSession &) = delete;

  const std::string &id() const { return record_.id; }
  const std::string &dir() const { return dir_; }
  bool resumed() const { return resumed_; }
  // The number the next segment gets (after the highest recording_NNN.mp4).
  int next_segment() const { return next_segment_; }
  SessionRecord &record() { return record_; }
  const SessionRecord &record() const { return record_; }
  // Writes session.json; throws SessionError.
  void save();
  // state finished, ended now, saved.
  void finish();
  // Removes a new session's directory (the run never started).
  void discard();

 private:
  LiveSession() = default;
  std::string dir_;
  int lock_fd_ = -1;
  bool resumed_ = false;
  int next_segment_ = 0;
  SessionRecord record_;
};

// The highest NNN of stream/recording_NNN.mp4 in `session_dir`, or -1.
int highest_segment(const std::string &session_dir);

}  // namespace onair::app
