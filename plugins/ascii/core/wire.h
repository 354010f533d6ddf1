// The asciiline wire format (docs/protocol/asciiline.md): the INIT header
// text and the binary frames, full and, with the changed-cells extension,
// runs of changed cells.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cells.h"

namespace onair::ascii {

// INIT's last field: 0 is the seed's format, 1 adds the changed-cells frames.
constexpr int kExtNone = 0;
constexpr int kExtChangedCells = 1;

// Frame type byte that follows the index when the extension is on.
constexpr uint8_t kFrameFull = 0;
constexpr uint8_t kFrameDelta = 1;

struct StreamHeader {
  double fps = 0;
  int mode = 3, cols = 0, rows = 0, ext = kExtNone;
};

// "30.0" for 30/1, "29.97" for 30000/1001, "0.0" for a variable rate.
std::string format_fps(int num, int den);
std::string init_message(int fps_num, int fps_den, int mode, int cols, int rows, int ext);
bool parse_init(const std::string &text, StreamHeader &out);

int cell_bytes(int mode);  // 1 for mode 1, else 4
size_t full_frame_size(int cols, int rows, int mode, int ext);
// Frame `index` with every cell, in the format of `ext` (with its type byte in ext 1).
void encode_full_frame(const std::vector<Cell> &cells, uint32_t index, int mode, int ext,
                       std::vector<uint8_t> &out);

// Encodes frames; with the extension, frames after the first full one carry
// only the changed cells unless that would not be smaller.
class WireEncoder {
 public:
  void configure(int cols, int rows, int mode, int ext, int key_interval);
  // Cells carry glyph bytes. Returns true when the frame is a full frame.
  bool encode(const std::vector<Cell> &cells, bool force_full, std::vector<uint8_t> &out);
  uint32_t next_index() const { return index_; }

 private:
  int cols_ = 0, rows_ = 0, mode_ = 3, ext_ = 0, key_interval_ = 0;
  uint32_t index_ = 0;
  int since_key_ = 0;
  bool have_prev_ = false;
  std::vector<uint8_t> prev_, picture_;  // the last frame's cells and this one's, as sent
  std::vector<std::pair<uint32_t, uint32_t>> runs_;  // scratch: first, count
};

// Applies frames to a grid of cells (glyph bytes; mode 1 colours stay 0).
class WireDecoder {
 public:
  enum class Result { kFull, kDelta, kNeedFull, kMalformed };
  void configure(int cols, int rows, int mode, int ext);
  Result decode(const uint8_t *data, size_t size);
  uint32_t index() const { return index_; }
  const std::vector<Cell> &cells() const { return cells_; }

 private:
  int cols_ = 0, rows_ = 0, mode_ = 3, ext_ = 0;
  bool have_full_ = false;
  uint32_t index_ = 0;
  std::vector<Cell> cells_;
};

}  // namespace onair::ascii
