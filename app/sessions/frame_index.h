// Changes the app makes to a session's snapshot index (frames/index.json,
// written by scenedetect): an agent's "sent_to_agent" mark, and where each
// snapshot falls in the recording ("segment" and "segment_offset"). The
// element keeps fields it does not know when it adds entries.
#pragma once

#include <map>
#include <string>

namespace onair::app {

struct SegmentPlace {
  std::string segment;  // "stream/recording_001.mp4"
  double offset = 0;    // seconds into it
};

// Sets "sent_to_agent" of snapshot `id` ("F0001") in `index_path`, rewriting the
// file atomically. Throws SessionError (400 not an id, 404 no such snapshot).
void mark_snapshot_sent(const std::string &index_path, const std::string &id);

// Adds "segment" and "segment_offset" to the entries named in `places` that do
// not have them yet; returns the ids now placed (absent ones wait). Throws SessionError.
std::map<std::string, SegmentPlace> place_snapshots(
    const std::string &index_path, const std::map<std::string, SegmentPlace> &places);

// "F0001": F and digits.
bool is_snapshot_id(const std::string &id);

}  // namespace onair::app
