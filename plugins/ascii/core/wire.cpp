#include "core/wire.h"

#include "onair/cell_runs.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace onair::ascii {

namespace {

using cell_runs::kRunHeader;
using cell_runs::put32;

uint32_t get32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

void put_cells(std::vector<uint8_t> &out, const Cell *cells, size_t n, int mode) {
  const size_t at = out.size();
  if (mode == 1) {
    out.resize(at + n);
    for (size_t i = 0; i < n; i++) out[at + i] = cells[i].glyph;
  } else {
    const auto *bytes = reinterpret_cast<const uint8_t *>(cells);  // Cell is 4 bytes
    out.insert(out.end(), bytes, bytes + n * 4);
  }
}

void get_cells(const uint8_t *p, Cell *cells, size_t n, int mode) {
  if (mode == 1) {
    for (size_t i = 0; i < n; i++) cells[i] = Cell{p[i], 0, 0, 0};
  } else {
    std::memcpy(static_cast<void *>(cells), p, n * 4);
  }
}

bool parse_int(const std::string &s, int &out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::atoi(s.c_str());
  return true;
}

}  // namespace

static_assert(sizeof(Cell) == 4, "cells are sent as they lie in memory");

std::string format_fps(int num, int den) {
  if (num <= 0 || den <= 0) return "0.0";
  if (num % den == 0) return std::to_string(num / den) + ".0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", double(num) / den);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s += '0';
  return s;
}

std::string init_message(int fps_num, int fps_den, int mode, int cols, int rows, int ext) {
  return "INIT:" + format_fps(fps_num, fps_den) + ":" + std::to_string(mode) + ":" +
         std::to_string(cols) + ":" + std::to_string(rows) + ":" + std::to_string(ext);
}

bool parse_init(const std::string &text, StreamHeader &out) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    f.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (f.size() != 6 || f[0] != "INIT") return false;
  char *end = nullptr;
  out.fps = std::strtod(f[1].c_str(), &end);
  if (f[1].empty() || *end || !(out.fps >= 0) || !std::isfinite(out.fps)) return false;
  return parse_int(f[2], out.mode) && parse_int(f[3], out.cols) && parse_int(f[4], out.rows) &&
         parse_int(f[5], out.ext) && out.mode >= kMinMode && out.mode <= kMaxMode &&
         grid_size_ok(out.cols, out.rows);
}

int cell_bytes(int mode) {
  return mode == 1 ? 1 : 4;
}

size_t full_frame_size(int cols, int rows, int mode, int ext) {
  return 4 + (ext == kExtChangedCells ? 1 : 0) + size_t(cols) * rows * cell_bytes(mode);
}

void encode_full_frame(const std::vector<Cell> &cells, uint32_t index, int mode, int ext,
                       std::vector<uint8_t> &out) {
  out.clear();
  put32(out, index);
  if (ext == kExtChangedCells) out.push_back(kFrameFull);
  put_cells(out, cells.data(), cells.size(), mode);
}

void WireEncoder::configure(int cols, int rows, int mode, int ext, int key_interval) {
  cols_ = cols;
  rows_ = rows;
  mode_ = mode;
  ext_ = ext;
  key_interval_ = key_interval;
  have_prev_ = false;
}

bool WireEncoder::encode(const std::vector<Cell> &cells, bool force_full,
                         std::vector<uint8_t> &out) {
  const size_t n = size_t(cols_) * rows_;
  out.clear();
  put32(out, index_++);
  bool full = ext_ != kExtChangedCells || force_full || !have_prev_ ||
              (key_interval_ > 0 && since_key_ + 1 >= key_interval_);
  picture_.clear();
  put_cells(picture_, cells.data(), n, mode_);
  if (!full) {
    out.push_back(kFrameDelta);
    full = !cell_runs::append_delta(prev_.data(), picture_.data(), n, size_t(cell_bytes(mode_)),
                                    full_frame_size(cols_, rows_, mode_, ext_), out, runs_);
    if (full)
      out.resize(4);  // not smaller than a full frame
    else
      since_key_++;
  }
  if (full) {
    if (ext_ == kExtChangedCells) out.push_back(kFrameFull);
    out.insert(out.end(), picture_.begin(), picture_.end());
    since_key_ = 0;
  }
  if (ext_ == kExtChangedCells) {
    prev_.swap(picture_);
    have_prev_ = true;
  }
  return full;
}

void WireDecoder::configure(int cols, int rows, int mode, int ext) {
  cols_ = cols;
  rows_ = rows;
  mode_ = mode;
  ext_ = ext;
  have_full_ = false;
  cells_.assign(size_t(cols) * rows, Cell{});
}

WireDecoder::Result WireDecoder::decode(const uint8_t *data, size_t size) {
  const size_t n = size_t(cols_) * rows_;
  const size_t cb = size_t(cell_bytes(mode_));
  if (size < 4) return Result::kMalformed;
  const uint32_t index = get32(data);
  const uint8_t *p = data + 4;
  size_t left = size - 4;
  uint8_t type = kFrameFull;
  if (ext_ == kExtChangedCells) {
    if (left < 1) return Result::kMalformed;
    type = *p++;
    left--;
  }
  if (type == kFrameFull) {
    if (left != n * cb) return Result::kMalformed;
    get_cells(p, cells_.data(), n, mode_);
    have_full_ = true;
    index_ = index;
    return Result::kFull;
  }
  if (type != kFrameDelta) return Result::kMalformed;
  if (left < 4) return Result::kMalformed;
  const uint32_t count = get32(p);
  p += 4;
  left -= 4;
  // Validate the whole frame before touching the grid.
  const uint8_t *q = p;
  size_t rest = left;
  for (uint32_t r = 0; r < count; r++) {
    if (rest < kRunHeader) return Result::kMalformed;
    const uint64_t first = get32(q), len = uint32_t(q[4]) << 8 | q[5];
    if (len == 0 || first + len > n || rest - kRunHeader < len * cb) return Result::kMalformed;
    q += kRunHeader + len * cb;
    rest -= kRunHeader + len * cb;
  }
  if (rest != 0) return Result::kMalformed;
  if (!have_full_) return Result::kNeedFull;
  for (uint32_t r = 0; r < count; r++) {
    const uint32_t first = get32(p), len = uint32_t(p[4]) << 8 | p[5];
    get_cells(p + kRunHeader, cells_.data() + first, len, mode_);
    p += kRunHeader + len * cb;
  }
  index_ = index;
  return Result::kDelta;
}

}  // namespace onair::ascii
