// The snapshot index an agent reads: a JSON array in a file, one object per snapshot, in the
// form {"id":"F0001","timestamp":12.345,"path":"F0001.jpg","sent_to_agent":false} plus
// "kind", "score", "running_time" and "stream_time". Entries already in the file stay exactly
// as they are (fields we do not know, a "sent_to_agent" an agent set); ours are appended.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onair/atomic_file.h"

namespace onair::scene {

struct IndexEntry {
  std::string id;
  double timestamp = 0;  // stream time in seconds
  std::string path;      // the JPEG, relative to the index's directory when it is there
  std::string kind;      // "cut", "gradual" or "manual"
  double score = 0;
  std::optional<double> running_time;  // seconds; written as null when unknown
  std::optional<double> stream_time;
};

// "F0001" for 1; more digits past 9999 ("F10000").
std::string snapshot_id(uint64_t number);
// 1 for "F0001"; nullopt for anything that is not F and digits.
std::optional<uint64_t> snapshot_number(std::string_view id);

class SceneIndex {
 public:
  using Warn = std::function<void(const std::string &)>;

  SceneIndex(std::string path, Warn warn);
  SceneIndex(const SceneIndex &) = delete;
  SceneIndex &operator=(const SceneIndex &) = delete;

  // Reads the file so ids go on after the highest one in it. A file that is not a JSON array
  // is moved aside ("PATH.corrupt-N", with a warning) and a new index starts. Throws FileError
  // when the file can be neither read nor moved aside.
  void load();
  // Hands out no id up to `number` (files already in the snapshot directory).
  void continue_after(uint64_t number);
  // Reserves the next id. Touches no file, so it is quick enough for a streaming thread; may
  // run while add() runs on another thread.
  std::string reserve_id();
  // Appends `entry`: reads the file again (what an agent changed meanwhile stays), adds every
  // entry of ours not in it yet, and replaces it atomically. Throws FileError; the entry then
  // waits and goes in with the next add().
  void add(IndexEntry entry);

  const std::string &path() const { return path_; }
  size_t pending() const { return pending_.size(); }

 private:
  std::string path_;
  Warn warn_;
  std::atomic<uint64_t> next_{1};
  std::vector<IndexEntry> pending_;
};

}  // namespace onair::scene
