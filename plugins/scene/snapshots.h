// JPEG snapshots of chosen frames and their index, made off the streaming thread: take()
// reserves an id and queues a reference to the frame; a worker thread encodes it, writes the
// file and then its index entry, so the index never names a JPEG that is not on disk.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace onair::scene {

enum class SnapshotKind { kCut, kGradual, kManual };

struct SnapshotFacts {
  SnapshotKind kind = SnapshotKind::kCut;
  double timestamp = 0;  // the index's "timestamp": stream time in seconds
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  double score = 0;
};

struct SnapshotRef {
  std::string id;    // "F0001"
  std::string path;  // as in the index ("F0001.jpg"); the full file path in `file`
  std::string file;
};

struct SnapshotSettings {
  std::string directory;       // snapshot-location; empty: snapshots off
  std::string index_location;  // empty: DIRECTORY/index.json
  int jpeg_quality = 85;
};

class Snapshots {
 public:
  // Creates the directory if missing, reads an existing index so ids go on, moves a corrupt
  // index aside (never loses it). Any problem is reported through `warn` (may be called from
  // the worker thread) and leaves snapshots off; the stream goes on.
  Snapshots(const SnapshotSettings &settings, std::function<void(const std::string &)> warn);
  ~Snapshots();  // finishes what is queued (encodes, writes the index), joins the worker
  Snapshots(const Snapshots &) = delete;
  Snapshots &operator=(const Snapshots &) = delete;

  bool enabled() const;
  // Reserves the next id and queues the frame (a buffer reference, not a copy) for JPEG
  // encoding on the worker thread; returns at once with the id and path, or nullopt when off.
  // The index entry is written (atomically: temporary file + rename) once the JPEG is on disk.
  std::optional<SnapshotRef> take(GstBuffer *frame, const GstVideoInfo &info,
                                  const SnapshotFacts &facts);

  // Frames waiting for the worker at most; more are dropped with a warning, so a worker that
  // falls behind never holds an unbounded number of frames.
  static constexpr size_t kMaxQueued = 8;

 private:
  class Worker;
  std::unique_ptr<Worker> worker_;  // null when off
};

// "cut", "gradual" or "manual", as in the index.
const char *kind_name(SnapshotKind kind);

}  // namespace onair::scene
