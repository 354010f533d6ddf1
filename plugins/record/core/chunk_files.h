// The files of wavchunksink: numbered WAV chunks in one directory, each written under a hidden
// temporary name and renamed once its header is right and its data is on disk, so a chunk
// under its final name is always complete, even after the process is killed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/quiet_cutter.h"

namespace onair::record {

// "chunk_0042.wav": four digits at least, more past 9999.
std::string chunk_file_name(uint64_t index);
// The index in a chunk file name, or empty when the name is not one.
std::optional<uint64_t> chunk_index_of(const std::string &file_name);
// ".chunk_0042.wav.partial": where chunk 42 is written until it is complete.
std::string partial_file_name(uint64_t index);

// The index after the highest chunk in `directory` (0 when there is none or it is missing).
uint64_t next_free_index(const std::string &directory);
// Removes the temporary files a killed writer left in `directory`; returns their names.
std::vector<std::string> remove_partial_files(const std::string &directory);

// The most frames of `channels` channels one WAV file can hold (its sizes are 32-bit).
uint64_t max_wav_frames(int channels);

// The 44-byte header of a PCM WAV file with `data_bytes` of S16LE sound.
std::vector<uint8_t> wav_header(int rate, int channels, uint32_t data_bytes);

struct ChunkFormat {
  int rate = 16000;
  int channels = 1;
};

// What became of one chunk.
struct ChunkReport {
  bool written = false;  // false: it failed and nothing of it is left on disk
  uint64_t index = 0;
  std::string path;  // final path (absolute when the directory is)
  std::string file_name;
  ChunkEnd end;       // frames, as the cutter ended the chunk (when written)
  std::string error;  // why it failed: what was being done, and the system's reason
};

// Writes the chunks a QuietCutter produces. Failures never throw: a chunk that cannot be
// written is abandoned (its temporary file removed) and reported, and the next chunk starts
// afresh, recreating the directory if it went away.
class ChunkWriter final : public ChunkOutput {
 public:
  ChunkWriter(std::string directory, uint64_t first_index, ChunkFormat format);
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter &) = delete;
  ChunkWriter &operator=(const ChunkWriter &) = delete;

  void append(const uint8_t *data, size_t bytes) override;
  void end_chunk(const ChunkEnd &end) override;

  // Chunks finished, or failed (reported at the failure), since the last call, in order.
  std::vector<ChunkReport> take_reports();
  uint64_t next_index() const { return next_index_; }

 private:
  bool open_chunk();
  void fail(const std::string &what, int error_number);
  void close_file();

  std::string directory_;
  ChunkFormat format_;
  uint64_t next_index_;
  int fd_ = -1;
  bool failed_ = false;  // the current chunk failed: its remaining frames are dropped
  bool open_ = false;    // a chunk is in progress (its file open, or failed)
  uint64_t data_bytes_ = 0;
  ChunkReport current_;
  std::vector<ChunkReport> reports_;
};

}  // namespace onair::record
