#include "sessions/session_store.h"

#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/json_string.h"
#include "onair/atomic_file.h"

namespace onair::app {

namespace {

constexpr char kRecordFile[] = "session.json";
constexpr char kLockFile[] = "session.lock";
constexpr int kMaxSameSecond = 99;  // suffixes for sessions started in the same second

std::string errno_text() {
  return g_strerror(errno);
}

bool all_digits(const std::string &s, size_t from, size_t count) {
  if (s.size() < from + count) return false;
  for (size_t i = from; i < from + count; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

std::string number_text(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// Opens (making it) the session's lock file and tries to lock it; -1 with
// `busy` true when another process holds it.
int try_lock(const std::string &dir, bool &busy) {
  busy = false;
  const std::string path = dir + "/" + kLockFile;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    busy = errno == EWOULDBLOCK;
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether a process holds the session's lock (the file is only read, never made).
bool is_locked(const std::string &dir) {
  const std::string path = dir + "/" + kLockFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

std::string read_text(const std::string &path) {
  gchar *raw = nullptr;
  gsize length = 0;
  GError *error = nullptr;
  if (!g_file_get_contents(path.c_str(), &raw, &length, &error)) {
    const std::string why = error->message;
    g_error_free(error);
    throw SessionError(500, "cannot read " + path + ": " + why);
  }
  std::string text(raw, length);
  g_free(raw);
  return text;
}

struct DirCounts {
  size_t segments = 0;
  size_t snapshots = 0;
  size_t chunks = 0;
  int highest_segment = -1;
};

bool has_affix(const std::string &name, const char *prefix, const char *suffix) {
  const size_t p = std::strlen(prefix), s = std::strlen(suffix);
  return name.size() > p + s && name.compare(0, p, prefix) == 0 &&
         name.compare(name.size() - s, s, suffix) == 0;
}

template <typename Each>
void each_name(const std::string &dir, Each each) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return;
  while (const gchar *name = g_dir_read_name(d)) each(std::string(name));
  g_dir_close(d);
}

DirCounts count_files(const std::string &dir) {
  DirCounts c;
  each_name(dir + "/stream", [&](const std::string &name) {
    if (!has_affix(name, "recording_", ".mp4")) return;
    const std::string number = name.substr(10, name.size() - 14);
    if (number.empty() || !all_digits(number, 0, number.size()) || number.size() > 6) return;
    c.segments++;
    c.highest_segment = std::max(c.highest_segment, std::atoi(number.c_str()));
  });
  each_name(dir + "/frames", [&](const std::string &name) {
    if (has_affix(name, "F", ".jpg")) c.snapshots++;
  });
  each_name(dir + "/audio", [&](const std::string &name) {
    if (has_affix(name, "chunk_", ".wav")) c.chunks++;
  });
  return c;
}

uint64_t tree_bytes = 0;
int add_size(const char *, const struct stat *st, int type, struct FTW *) {
  if (type == FTW_F) tree_bytes += static_cast<uint64_t>(st->st_size);
  return 0;
}

// Bytes of the regular files under `dir` (links not followed).
uint64_t size_of_tree(const std::string &dir) {
  tree_bytes = 0;
  nftw(dir.c_str(), &add_size, 16, FTW_PHYS | FTW_MOUNT);
  return tree_bytes;
}

int remove_entry(const char *path, const struct stat *, int type, struct FTW *) {
  return type == FTW_DP ? ::rmdir(path) : ::unlink(path);
}

std::string size_text(uint64_t bytes) {
  char buf[32];
  if (bytes >= 1024ull * 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
  else if (bytes >= 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  return buf;
}

// json-glib helpers for reading a record.
struct ParserUnref {
  void operator()(JsonParser *p) const { g_object_unref(p); }
};

std::string string_member(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  if (!n || json_node_get_value_type(n) != G_TYPE_STRING) return {};
  return json_node_get_string(n);
}

double number_member(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  if (!n || JSON_NODE_TYPE(n) != JSON_NODE_VALUE) return 0;
  const GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return static_cast<double>(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return json_node_get_double(n);
  return 0;
}

template <typename Each>
void each_object(JsonObject *o, const char *name, Each each) {
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_ARRAY(n)) return;
  JsonArray *a = json_node_get_array(n);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (JSON_NODE_HOLDS_OBJECT(e)) each(json_node_get_object(e));
  }
}

// Reads session.json. A session left live by a process that no longer holds
// its lock is marked crashed, in the file too when the lock can be had.
SessionRecord read_record(const std::string &dir, bool live) {
  SessionRecord r = parse_session_json(read_text(dir + "/" + kRecordFile));
  if (r.state != "live" || live) return r;
  r.state = "crashed";
  bool busy = false;
  const int fd = try_lock(dir, busy);
  if (fd < 0) return r;
  try {
    // Read again under the lock: a run may have resumed it meanwhile.
    SessionRecord current = parse_session_json(read_text(dir + "/" + kRecordFile));
    if (current.state == "live") {
      current.state = "crashed";
      write_file_atomically(dir + "/" + kRecordFile, session_json(current));
    }
  } catch (const SessionError &) {
    // Shown as crashed all the same.
  }
  ::close(fd);
  return r;
}

}  // namespace

bool is_session_id(const std::string &id) {
  // YYYYmmdd_HHMMSS, then an optional _N (N from 2 to 99).
  if (id.size() != 15 && (id.size() < 17 || id.size() > 18)) return false;
  if (!all_digits(id, 0, 8) || id[8] != '_' || !all_digits(id, 9, 6)) return false;
  if (id.size() == 15) return true;
  return id[15] == '_' && all_digits(id, 16, id.size() - 16) && id[16] != '0';
}

std::string now_iso8601() {
  GDateTime *now = g_date_time_new_now_local();
  gchar *text = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S%:z");
  std::string out = text ? text : "";
  g_free(text);
  g_date_time_unref(now);
  return out;
}

std::string session_json(const SessionRecord &r) {
  std::string out =
      "{\n  \"id\": " + json_string(r.id) + ",\n  \"state\": " + json_string(r.state) +
      ",\n  \"pipeline\": " + json_string(r.pipeline) +
      ",\n  \"started\": " + json_string(r.started) +
      ",\n  \"updated\": " + json_string(r.updated) +
      ",\n  \"ended\": " + (r.ended.empty() ? std::string("null") : json_string(r.ended)) +
      ",\n  \"runs\": " + std::to_string(r.runs) + ",\n  \"senders\": [";
  for (size_t i = 0; i < r.senders.size(); i++) {
    const SenderRecord &s = r.senders[i];
    out +=
        std::string(i ? "," : "") + "\n    {\"sender\": " + std::to_string(s.sender) +
        ", \"remote\": " + json_string(s.remote) + ", \"connected\": " + json_string(s.connected) +
        ", \"left\": " + (s.left.empty() ? std::string("null") : json_string(s.left)) +
        ", \"bytes\": " + std::to_string(s.bytes) + ", \"reason\": " + json_string(s.reason) + "}";
  }
  out += r.senders.empty() ? "],\n  \"segments\": [" : "\n  ],\n  \"segments\": [";
  for (size_t i = 0; i < r.segments.size(); i++) {
    const SegmentRecord &s = r.segments[i];
    out += std::string(i ? "," : "") + "\n    {\"file\": " + json_string(s.file) +
           ", \"opened\": " + json_string(s.opened) +
           ", \"closed\": " + (s.closed.empty() ? std::string("null") : json_string(s.closed)) +
           ", \"duration\": " + number_text(s.duration) +
           ", \"start_running_time\": " + number_text(s.start_running_time) +
           ", \"run\": " + std::to_string(s.run) + "}";
  }
  out += r.segments.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

SessionRecord parse_session_json(const std::string &text) {
  std::unique_ptr<JsonParser, ParserUnref> parser(json_parser_new_immutable());
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  nullptr) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser.get())))
    throw SessionError(500, "session.json is not a JSON object");
  JsonObject *o = json_node_get_object(json_parser_get_root(parser.get()));
  SessionRecord r;
  r.id = string_member(o, "id");
  r.state = string_member(o, "state");
  r.pipeline = string_member(o, "pipeline");
  r.started = string_member(o, "started");
  r.updated = string_member(o, "updated");
  r.ended = string_member(o, "ended");
  r.runs = std::max(1, static_cast<int>(number_member(o, "runs")));
  each_object(o, "senders", [&](JsonObject *s) {
    SenderRecord sender;
    sender.sender = static_cast<int64_t>(number_member(s, "sender"));
    sender.remote = string_member(s, "remote");
    sender.connected = string_member(s, "connected");
    sender.left = string_member(s, "left");
    sender.bytes = static_cast<uint64_t>(std::max(0.0, number_member(s, "bytes")));
    sender.reason = string_member(s, "reason");
    r.senders.push_back(sender);
  });
  each_object(o, "segments", [&](JsonObject *s) {
    SegmentRecord segment;
    segment.file = string_member(s, "file");
    segment.opened = string_member(s, "opened");
    segment.closed = string_member(s, "closed");
    segment.duration = number_member(s, "duration");
    segment.start_running_time = number_member(s, "start_running_time");
    segment.run = std::max(1, static_cast<int>(number_member(s, "run")));
    r.segments.push_back(segment);
  });
  return r;
}

std::string summary_json(const SessionSummary &s) {
  std::string record = session_json(s.record);
  // The record's object, with what the directory holds added at its end.
  record.erase(record.find_last_of('}'));
  while (!record.empty() && (record.back() == '\n' || record.back() == ' ')) record.pop_back();
  return record + ",\n  \"dir\": " + json_string(s.dir) +
         ",\n  \"live\": " + (s.live ? "true" : "false") +
         ",\n  \"duration\": " + number_text(s.duration) +
         ",\n  \"segment_files\": " + std::to_string(s.segments) +
         ",\n  \"snapshots\": " + std::to_string(s.snapshots) +
         ",\n  \"audio_chunks\": " + std::to_string(s.chunks) +
         ",\n  \"bytes\": " + std::to_string(s.bytes) + "\n}";
}

std::string summaries_json(const std::vector<SessionSummary> &summaries) {
  std::string out = "[";
  for (size_t i = 0; i < summaries.size(); i++)
    out += std::string(i ? ",\n" : "\n") + summary_json(summaries[i]);
  return out + (summaries.empty() ? "]\n" : "\n]\n");
}

void write_file_atomically(const std::string &path, const std::string &text) {
  try {
    onair::write_file_atomically(path, text);
  } catch (const FileError &e) {
    throw SessionError(500, e.what());
  }
}

int highest_segment(const std::string &session_dir) {
  return count_files(session_dir).highest_segment;
}

SessionStore::SessionStore(std::string root) : root_(std::move(root)) {
  if (root_.empty()) {
    gchar *p = g_build_filename(g_get_user_data_dir(), "onair", "sessions", nullptr);
    root_ = p;
    g_free(p);
  }
  // Absolute, so session_dir is too whatever the working directory of the pipeline's parts.
  gchar *absolute = g_canonicalize_filename(root_.c_str(), nullptr);
  root_ = absolute;
  g_free(absolute);
}

std::string SessionStore::session_dir(const std::string &id) const {
  if (!is_session_id(id))
    throw SessionError(400, "'" + id.substr(0, 60) +
                                "' is not a session id (sessions are named like 20261204_153000)");
  const std::string dir = root_ + "/" + id;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) throw SessionError(404, "no session " + id);
  if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
    throw SessionError(400, dir + " is not a session directory (a link or not a directory)");
  const std::string record = dir + "/" + kRecordFile;
  if (::lstat(record.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw SessionError(400, dir + " is not a session directory (no session.json)");
  return dir;
}

SessionSummary SessionStore::show(const std::string &id) const {
  SessionSummary s;
  s.dir = session_dir(id);
  s.live = is_locked(s.dir);
  s.record = read_record(s.dir, s.live);
  if (s.record.id.empty()) s.record.id = id;
  for (const SegmentRecord &segment : s.record.segments) s.duration += segment.duration;
  const DirCounts counts = count_files(s.dir);
  s.segments = counts.segments;
  s.snapshots = counts.snapshots;
  s.chunks = counts.chunks;
  s.bytes = size_of_tree(s.dir);
  return s;
}

std::vector<SessionSummary> SessionStore::list() const {
  std::vector<std::string> ids;
  each_name(root_, [&](const std::string &name) {
    if (is_session_id(name)) ids.push_back(name);
  });
  // Names sort by start time; a suffix comes after its plain name.
  std::sort(ids.begin(), ids.end(), [](const std::string &a, const std::string &b) {
    if (a.compare(0, 15, b, 0, 15) != 0) return a.compare(0, 15, b, 0, 15) > 0;
    return std::atoi(a.c_str() + std::min<size_t>(a.size(), 16)) >
           std::atoi(b.c_str() + std::min<size_t>(b.size(), 16));
  });
  std::vector<SessionSummary> out;
  for (const std::string &id : ids) {
    try {
      out.push_back(show(id));
    } catch (const SessionError &) {
      // Not a session directory (or unreadable): not listed.
    }
  }
  return out;
}

std::string SessionStore::remove(const std::string &id) const {
  const std::string dir = session_dir(id);
  char *real_root = realpath(root_.c_str(), nullptr);
  char *real_dir = realpath(dir.c_str(), nullptr);
  const bool inside =
      real_root && real_dir && std::string(real_dir) == std::string(real_root) + "/" + id;
  std::free(real_root);
  std::free(real_dir);
  if (!inside) throw SessionError(400, dir + " is not a session directory under " + root_);
  bool busy = false;
  const int fd = try_lock(dir, busy);
  if (fd < 0)
    throw SessionError(busy ? 409 : 500, busy ? "session " + id + " is live: stop its run first"
                                              : "cannot lock session " + id + ": " + errno_text());
  const SessionSummary s = show(id);
  const int removed = nftw(dir.c_str(), &remove_entry, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT);
  const std::string why = errno_text();
  ::close(fd);
  if (removed != 0) throw SessionError(500, "could not remove all of " + dir + ": " + why);
  return "removed session " + id + " (" + dir + ": " + std::to_string(s.segments) + " segments, " +
         std::to_string(s.snapshots) + " snapshots, " + std::to_string(s.chunks) +
         " audio chunks, " + size_text(s.bytes) + ")";
}

LiveSession LiveSession::create(const SessionStore &store, const std::string &pipeline) {
  if (g_mkdir_with_parents(store.root().c_str(), 0755) != 0)
    throw SessionError(
        500, "cannot create the sessions directory " + store.root() + ": " + errno_text());
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
  LiveSession s;
  for (int n = 1; n <= kMaxSameSecond && s.dir_.empty(); n++) {
    const std::string id = std::string(stamp) + (n > 1 ? "_" + std::to_string(n) : "");
    const std::string dir = store.root() + "/" + id;
    if (g_mkdir(dir.c_str(), 0755) == 0) {
      s.dir_ = dir;
      s.record_.id = id;
    } else if (errno != EEXIST) {
      throw SessionError(500, "cannot create session directory " + dir + ": " + errno_text());
    }
  }
  if (s.dir_.empty())
    throw SessionError(500, "cannot create a session directory in " + store.root());
  bool busy = false;
  s.lock_fd_ = try_lock(s.dir_, busy);
  if (s.lock_fd_ < 0) {
    const std::string why = errno_text();
    s.discard();
    throw SessionError(500, "cannot lock the new session: " + why);
  }
  for (const char *sub : {"stream", "frames", "audio"})
    if (g_mkdir((s.dir_ + "/" + sub).c_str(), 0755) != 0 && errno != EEXIST) {
      const std::string why = errno_text();
      s.discard();
      throw SessionError(500, "cannot create " + s.dir_ + "/" + sub + ": " + why);
    }
  s.record_.pipeline = pipeline;
  s.record_.started = now_iso8601();
  s.save();
  return s;
}

LiveSession LiveSession::resume(const SessionStore &store, const std::string &id) {
  LiveSession s;
  s.dir_ = store.session_dir(id);
  bool busy = false;
  s.lock_fd_ = try_lock(s.dir_, busy);
  if (s.lock_fd_ < 0)
    throw SessionError(busy ? 409 : 500, busy ? "session " + id + " is live in another run"
                                              : "cannot lock session " + id + ": " + errno_text());
  s.resumed_ = true;
  s.record_ = read_record(s.dir_, false);
  s.record_.id = id;
  s.record_.runs++;
  s.record_.state = "live";
  s.record_.ended.clear();
  // A segment a killed run left open ends where its last update put it.
  for (SegmentRecord &segment : s.record_.segments)
    if (segment.closed.empty()) segment.closed = segment.opened;
  for (SenderRecord &sender : s.record_.senders)
    if (sender.left.empty()) {
      sender.left = sender.connected;
      sender.reason = "the recording stopped";
    }
  for (const char *sub : {"stream", "frames", "audio"}) g_mkdir((s.dir_ + "/" + sub).c_str(), 0755);
  s.next_segment_ = highest_segment(s.dir_) + 1;
  s.save();
  return s;
}

LiveSession::LiveSession(LiveSession &&other) noexcept
    : dir_(std::move(other.dir_)),
      lock_fd_(other.lock_fd_),
      resumed_(other.resumed_),
      next_segment_(other.next_segment_),
      record_(std::move(other.record_)) {
  other.lock_fd_ = -1;
  other.dir_.clear();
}

LiveSession::~LiveSession() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void LiveSession::save() {
  record_.updated = now_iso8601();
  write_file_atomically(dir_ + "/" + kRecordFile, session_json(record_));
}

void LiveSession::finish() {
  record_.state = "finished";
  record_.ended = now_iso8601();
  save();
}

void LiveSession::discard() {
  if (dir_.empty() || resumed_) return;
  nftw(dir_.c_str(), &remove_entry, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  dir_.clear();
}

}  // namespace onair::app
