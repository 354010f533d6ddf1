#include "sessions/sessions_command.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "sessions/session_store.h"

namespace onair::app {

namespace {

std::string clock_text(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return buf;
}

std::string bytes_text(uint64_t bytes) {
  char buf[32];
  if (bytes >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.1fG", static_cast<double>(bytes) / (1ull << 30));
  else if (bytes >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(bytes) / (1ull << 20));
  else
    std::snprintf(buf, sizeof buf, "%.0fK", static_cast<double>(bytes) / 1024);
  return buf;
}

// "2026-12-04T15:30:00+01:00" as "2026-12-04 15:30:00".
std::string shown_time(const std::string &iso) {
  if (iso.size() < 19) return iso.empty() ? "-" : iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

std::string state_of(const SessionSummary &s) {
  return s.live ? "live" : s.record.state;
}

void print_list(const std::vector<SessionSummary> &sessions, const std::string &root) {
  if (sessions.empty()) {
    std::printf("no sessions in %s\n", root.c_str());
    return;
  }
  std::printf("%-18s %-19s %9s %8s %9s %6s %8s  %s\n", "ID", "STARTED", "DURATION", "SEGMENTS",
              "SNAPSHOTS", "AUDIO", "SIZE", "STATE");
  for (const SessionSummary &s : sessions)
    std::printf("%-18s %-19s %9s %8zu %9zu %6zu %8s  %s\n", s.record.id.c_str(),
                shown_time(s.record.started).c_str(), clock_text(s.duration).c_str(), s.segments,
                s.snapshots, s.chunks, bytes_text(s.bytes).c_str(), state_of(s).c_str());
}

void print_one(const SessionSummary &s) {
  std::printf("session   %s (%s)\n", s.record.id.c_str(), state_of(s).c_str());
  std::printf("directory %s\n", s.dir.c_str());
  std::printf("pipeline  %s, %d run%s\n", s.record.pipeline.c_str(), s.record.runs,
              s.record.runs == 1 ? "" : "s");
  std::printf("started   %s\n", shown_time(s.record.started).c_str());
  if (!s.record.ended.empty()) std::printf("ended     %s\n", shown_time(s.record.ended).c_str());
  std::printf("duration  %s in %zu segments; %zu snapshots, %zu audio chunks, %s\n",
              clock_text(s.duration).c_str(), s.segments, s.snapshots, s.chunks,
              bytes_text(s.bytes).c_str());
  std::printf("senders   %zu\n", s.record.senders.size());
  for (const SenderRecord &r : s.record.senders)
    std::printf("  #%lld %s from %s to %s, %llu bytes%s%s\n", static_cast<long long>(r.sender),
                r.remote.c_str(), shown_time(r.connected).c_str(),
                r.left.empty() ? "now" : shown_time(r.left).c_str(),
                static_cast<unsigned long long>(r.bytes), r.reason.empty() ? "" : ": ",
                r.reason.c_str());
  std::printf("segments  %zu\n", s.record.segments.size());
  for (const SegmentRecord &r : s.record.segments)
    std::printf("  %s  %s  from %s%s\n", r.file.c_str(), clock_text(r.duration).c_str(),
                shown_time(r.opened).c_str(), r.closed.empty() ? " (open)" : "");
}

}  // namespace

int command_sessions(const Options &options) {
  const SessionStore store(options.sessions_dir);
  try {
    if (options.sessions_action == "list") {
      const std::vector<SessionSummary> sessions = store.list();
      if (options.json)
        std::fputs(summaries_json(sessions).c_str(), stdout);
      else
        print_list(sessions, store.root());
      return kExitOk;
    }
    if (options.sessions_action == "show") {
      const SessionSummary s = store.show(options.session_ids.front());
      if (options.json)
        std::printf("%s\n", summary_json(s).c_str());
      else
        print_one(s);
      return kExitOk;
    }
  } catch (const SessionError &e) {
    std::fprintf(stderr, "onair: %s\n", e.what());
    return e.status() == 500 ? 1 : kExitUsage;
  }
  // delete: each id on its own, so one refusal does not keep the others.
  int exit_code = kExitOk;
  for (const std::string &id : options.session_ids) {
    try {
      std::printf("%s\n", store.remove(id).c_str());
    } catch (const SessionError &e) {
      std::fprintf(stderr, "onair: not removed: %s\n", e.what());
      exit_code = std::max(exit_code, e.status() == 409 || e.status() == 500 ? 1 : kExitUsage);
    }
  }
  return exit_code;
}

}  // namespace onair::app
