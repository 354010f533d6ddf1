// Splits a stream of interleaved S16LE sound into chunks that end at the quietest moment near
// their nominal length, so a transcription engine does not get words cut in half.
//
// A chunk [start, end) ends at the quietest short stretch (the lowest RMS over `level_frames`,
// centred on the cut) within `window_frames` of its nominal end `start + chunk_frames`. Only the
// frames of that search region are held back (2 x window); all others go straight to the
// output. Chunks are gapless and never overlap: the output receives every frame exactly once,
// in order, whole frames only, and a cut always falls between two frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace onair::record {

struct CutterConfig {
  int channels = 1;
  int64_t chunk_frames = 30 * 16000;  // nominal chunk length
  int64_t window_frames = 2 * 16000;  // how far before or after the nominal end a cut may fall
  int64_t level_frames = 320;         // length of the stretch whose loudness is compared
};

// The values a cutter really uses: a chunk has at least one frame, the window is at most half
// a chunk (so the search regions of two chunks stay apart), the level stretch fits the window.
CutterConfig normalized(CutterConfig config);

struct ChunkEnd {
  uint64_t first_frame = 0;  // counted from the cutter's first frame
  uint64_t frames = 0;
  // RMS (1.0 = full scale) of the stretch around a cut chosen for its quiet; empty when the
  // chunk ended for another reason (finish(), or a window too short to compare).
  std::optional<double> cut_rms;
};

// Where the frames go: appended to the current chunk, then the chunk ends.
class ChunkOutput {
 public:
  virtual void append(const uint8_t *data, size_t bytes) = 0;  // whole frames
  virtual void end_chunk(const ChunkEnd &end) = 0;

 protected:
  ~ChunkOutput() = default;
};

class QuietCutter {
 public:
  explicit QuietCutter(const CutterConfig &config);

  // Any number of bytes; a frame split across calls is kept until its last byte comes.
  void push(const uint8_t *data, size_t bytes, ChunkOutput &out);
  // `frames` frames of digital silence, as if pushed.
  void push_silence(uint64_t frames, ChunkOutput &out);
  // Ends the current chunk with everything received (nothing when it is empty). An incomplete
  // frame left over is dropped. Frame numbering goes on.
  void finish(ChunkOutput &out);

  uint64_t frames_received() const { return received_; }
  size_t frame_bytes() const { return frame_bytes_; }
  const CutterConfig &config() const { return config_; }

 private:
  void take_frames(const uint8_t *data, uint64_t frames, ChunkOutput &out);
  void cut_in_search_region(ChunkOutput &out);
  uint64_t quietest_cut(double &rms) const;

  CutterConfig config_;
  size_t frame_bytes_;
  uint64_t received_ = 0;         // frames received so far
  uint64_t chunk_start_ = 0;      // first frame of the current chunk
  std::vector<uint8_t> held_;     // frames of the search region received so far
  std::vector<uint8_t> partial_;  // bytes of an incomplete frame
};

}  // namespace onair::record
