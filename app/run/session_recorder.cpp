#include "run/session_recorder.h"

#include <algorithm>
#include <cstdio>

#include "common/json_string.h"
#include "intake/senderlistensrc_messages.h"
#include "record/wavchunksink_messages.h"
#include "scene/scenedetect_messages.h"

namespace onair::app {

namespace {

namespace scene_msg = onair::scenedetect_messages;
namespace chunk_msg = onair::wavchunksink_messages;
namespace sender_msg = onair::senderlistensrc_messages;

// splitmuxsink's.
constexpr char kFragmentOpened[] = "splitmuxsink-fragment-opened";
constexpr char kFragmentClosed[] = "splitmuxsink-fragment-closed";
constexpr char kLocation[] = "location";
constexpr char kRunningTime[] = "running-time";

std::string string_field(const GstStructure *s, const char *name) {
  const gchar *v = gst_structure_get_string(s, name);
  return v ? v : "";
}

// A guint64 nanosecond field in seconds; -1 when absent or unknown.
double seconds_field(const GstStructure *s, const char *name) {
  guint64 ns = GST_CLOCK_TIME_NONE;
  if (!gst_structure_get_uint64(s, name, &ns) || !GST_CLOCK_TIME_IS_VALID(ns)) return -1;
  return static_cast<double>(ns) / GST_SECOND;
}

uint64_t uint_field(const GstStructure *s, const char *name) {
  guint64 v64 = 0;
  if (gst_structure_get_uint64(s, name, &v64)) return v64;
  gint64 i64 = 0;
  if (gst_structure_get_int64(s, name, &i64)) return i64 > 0 ? static_cast<uint64_t>(i64) : 0;
  guint v32 = 0;
  if (gst_structure_get_uint(s, name, &v32)) return v32;
  gint i32 = 0;
  if (gst_structure_get_int(s, name, &i32)) return i32 > 0 ? static_cast<uint64_t>(i32) : 0;
  return 0;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// A JSON object of string members and members already in JSON.
std::string object(std::initializer_list<std::pair<const char *, std::string>> strings,
                   std::initializer_list<std::pair<const char *, std::string>> raw = {}) {
  std::string out = "{";
  for (const auto &[name, value] : strings)
    out += std::string(out.size() > 1 ? "," : "") + json_string(name) + ":" + json_string(value);
  for (const auto &[name, value] : raw)
    out += std::string(out.size() > 1 ? "," : "") + json_string(name) + ":" + value;
  return out + "}";
}

std::string seconds_json(double seconds) {
  return seconds < 0 ? "null" : number(seconds);
}

}  // namespace

SessionRecorder::SessionRecorder(LiveSession session, GstElement *pipeline, Console &console)
    : session_(std::move(session)),
      pipeline_(GST_ELEMENT(gst_object_ref(pipeline))),
      console_(console) {}

SessionRecorder::~SessionRecorder() {
  gst_object_unref(pipeline_);
}

std::string SessionRecorder::relative(const std::string &path) const {
  const std::string prefix = session_.dir() + "/";
  return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
}

double SessionRecorder::running_time() const {
  GstClock *clock = gst_element_get_clock(pipeline_);
  if (!clock) return -1;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(pipeline_);
  return now > base ? static_cast<double>(now - base) / GST_SECOND : 0;
}

SegmentRecord *SessionRecorder::open_segment() {
  auto &segments = session_.record().segments;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it)
    if (it->closed.empty() && it->run == session_.record().runs) return &*it;
  return nullptr;
}

void SessionRecorder::save() {
  try {
    session_.save();
  } catch (const SessionError &e) {
    console_.warn(std::string("session: ") + e.what());
  }
}

bool SessionRecorder::handle(GstMessage *message) {
  const GstStructure *s = gst_message_get_structure(message);
  if (!s || GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT) return false;
  const std::string kind = gst_structure_get_name(s);
  if (kind == sender_msg::kConnected)
    sender_connected(s);
  else if (kind == sender_msg::kLeft)
    sender_left(s);
  else if (kind == sender_msg::kRefused)
    sender_refused(s);
  else if (kind == kFragmentOpened)
    segment_opened(s);
  else if (kind == kFragmentClosed)
    segment_closed(s);
  else if (kind == scene_msg::kCut)
    snapshot_taken(s);
  else if (kind == chunk_msg::kChunk)
    chunk_ready(s);
  else
    return false;
  return true;
}

void SessionRecorder::sender_connected(const GstStructure *s) {
  idle_since_ = -1;
  sender_this_run_ = true;
  SenderRecord sender;
  sender.sender = static_cast<int64_t>(uint_field(s, sender_msg::kSender));
  sender.remote = string_field(s, sender_msg::kRemote);
  sender.connected = now_iso8601();
  session_.record().senders.push_back(sender);
  save();
  console_.info("session " + session_.id() + ": sender " + std::to_string(sender.sender) + " (" +
                sender.remote + ") connected");
  events_.publish(
      "sender-connected",
      object({{"session", session_.id()}, {"remote", sender.remote}, {"time", sender.connected}},
             {{"sender", std::to_string(sender.sender)}}));
}

SessionFigures SessionRecorder::figures() const {
  SessionFigures f;
  const SessionRecord &record = session_.record();
  f.id = record.id;
  f.segments = record.segments.size();
  f.senders = record.senders.size();
  for (const SenderRecord &s : record.senders)
    if (s.left.empty()) f.sender = s.remote;
  for (const SegmentRecord &s : record.segments)
    if (s.closed.empty() && s.run == record.runs) f.segment = s.file;
  return f;
}

void SessionRecorder::sender_refused(const GstStructure *s) {
  const std::string remote = string_field(s, sender_msg::kRemote);
  console_.warn("session " + session_.id() + ": refused a second sender (" + remote + "): sender " +
                std::to_string(uint_field(s, sender_msg::kSender)) + " is being recorded");
  events_.publish(
      "sender-refused",
      object({{"session", session_.id()}, {"remote", remote}, {"time", now_iso8601()}}));
}

void SessionRecorder::sender_left(const GstStructure *s) {
  idle_since_ = running_time();
  const int64_t number = static_cast<int64_t>(uint_field(s, sender_msg::kSender));
  auto &senders = session_.record().senders;
  SenderRecord *sender = nullptr;
  for (auto it = senders.rbegin(); it != senders.rend() && !sender; ++it)
    if (it->left.empty() && (it->sender == number || number == 0)) sender = &*it;
  if (!sender) {
    senders.emplace_back();
    sender = &senders.back();
    sender->sender = number;
    sender->remote = string_field(s, sender_msg::kRemote);
  }
  sender->left = now_iso8601();
  sender->bytes = uint_field(s, sender_msg::kBytes);
  sender->reason = string_field(s, sender_msg::kReason);
  const SenderRecord copy = *sender;
  save();
  console_.info("session " + session_.id() + ": sender " + std::to_string(copy.sender) + " (" +
                copy.remote + ") left (" + copy.reason + ", " + std::to_string(copy.bytes) +
                " bytes); waiting for the next sender");
  events_.publish("sender-left", object({{"session", session_.id()},
                                         {"remote", copy.remote},
                                         {"time", copy.left},
                                         {"reason", copy.reason}},
                                        {{"sender", std::to_string(copy.sender)},
                                         {"bytes", std::to_string(copy.bytes)}}));
}

void SessionRecorder::segment_opened(const GstStructure *s) {
  SegmentRecord segment;
  segment.file = relative(string_field(s, kLocation));
  segment.opened = now_iso8601();
  segment.start_running_time = std::max(0.0, seconds_field(s, kRunningTime));
  segment.run = session_.record().runs;
  session_.record().segments.push_back(segment);
  save();
  console_.info("session " + session_.id() + ": recording " + segment.file);
  events_.publish(
      "segment-opened",
      object({{"session", session_.id()}, {"path", segment.file}, {"time", segment.opened}},
             {{"running_time", number(segment.start_running_time)}}));
}

void SessionRecorder::segment_closed(const GstStructure *s) {
  const std::string file = relative(string_field(s, kLocation));
  SegmentRecord *segment = nullptr;
  for (SegmentRecord &r : session_.record().segments)
    if (r.file == file && r.run == session_.record().runs) segment = &r;
  if (!segment) return;
  // splitmuxsink's running times follow the recorded buffers, as the file does.
  const double end = seconds_field(s, kRunningTime);
  segment->closed = now_iso8601();
  if (end >= segment->start_running_time) segment->duration = end - segment->start_running_time;
  const SegmentRecord copy = *segment;
  save();
  events_.publish(
      "segment-closed",
      object({{"session", session_.id()}, {"path", copy.file}, {"time", copy.closed}},
             {{"running_time", seconds_json(end)}, {"duration", number(copy.duration)}}));
}

void SessionRecorder::snapshot_taken(const GstStructure *s) {
  const std::string id = string_field(s, scene_msg::kSnapshotId);
  if (id.empty()) return;
  const double at = seconds_field(s, scene_msg::kRunningTime);
  if (at >= 0) unplaced_[id] = at;
  events_.publish(
      "snapshot",
      object({{"session", session_.id()},
              {"id", id},
              {"path", relative(string_field(s, scene_msg::kSnapshotPath))},
              {"kind", string_field(s, scene_msg::kKind)},
              {"time", now_iso8601()}},
             {{"running_time", seconds_json(at)},
              {"stream_time", seconds_json(seconds_field(s, scene_msg::kStreamTime))}}));
}

void SessionRecorder::chunk_ready(const GstStructure *s) {
  events_.publish(
      "audio-chunk",
      object({{"session", session_.id()},
              {"path", relative(string_field(s, chunk_msg::kPath))},
              {"time", now_iso8601()}},
             {{"index", std::to_string(uint_field(s, chunk_msg::kIndex))},
              {"duration",
               number(static_cast<double>(uint_field(s, chunk_msg::kDuration)) / GST_SECOND)},
              {"start_running_time", seconds_json(seconds_field(s, chunk_msg::kStartRunningTime))},
              {"end_running_time", seconds_json(seconds_field(s, chunk_msg::kEndRunningTime))}}));
}

void SessionRecorder::place_snapshots_now() {
  // The places already given go in again where they are missing: the element
  // rewrites the index at each snapshot and may have written over ours.
  std::map<std::string, SegmentPlace> places = placed_;
  for (const auto &[id, at] : unplaced_) {
    const SegmentRecord *in = nullptr;
    for (const SegmentRecord &r : session_.record().segments)
      if (r.run == session_.record().runs && r.start_running_time <= at + 1e-6) in = &r;
    if (in) places[id] = SegmentPlace{in->file, at - in->start_running_time};
  }
  for (const auto &[id, place] : place_snapshots(session_.dir() + "/frames/index.json", places)) {
    placed_[id] = place;
    unplaced_.erase(id);
  }
}

void SessionRecorder::refresh() {
  if (finished_) return;
  if (SegmentRecord *open = open_segment()) {
    double now = running_time();
    if (idle_since_ >= open->start_running_time) now = std::min(now, idle_since_);
    if (now > open->start_running_time) {
      open->duration = now - open->start_running_time;
      save();
    }
  }
  try {
    place_snapshots_now();
  } catch (const SessionError &e) {
    console_.warn(std::string("session: ") + e.what());
  }
}

void SessionRecorder::finish() {
  if (finished_) return;
  refresh();
  finished_ = true;
  const std::string now = now_iso8601();
  for (SegmentRecord &r : session_.record().segments)
    if (r.closed.empty()) r.closed = now;
  for (SenderRecord &r : session_.record().senders)
    if (r.left.empty()) {
      r.left = now;
      r.reason = "the recording stopped";
    }
  try {
    // The element has written its last entries: every place goes in now.
    place_snapshots_now();
    session_.finish();
  } catch (const SessionError &e) {
    console_.warn(std::string("session: ") + e.what());
  }
  console_.info("session " + session_.id() + " finished: " + session_.dir());
}

}  // namespace onair::app
