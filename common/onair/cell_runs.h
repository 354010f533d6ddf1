// The changed-cells delta of asciiline (docs/protocol/asciiline.md) between two pictures of
// fixed-size cells, as bytes: u32 BE run count, then per run u32 BE first cell, u16 BE cell
// count, the cells. Runs are joined across gaps cheaper to resend than to start a new run for.
// asciienc makes its deltas on the previous frame with it; webstreamsink makes deltas on the
// picture a client really has, for a client that missed frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace onair::cell_runs {

inline constexpr size_t kRunHeader = 6;  // u32 first cell, u16 count
inline constexpr uint32_t kMaxRun = 0xFFFF;

inline void put32(std::vector<uint8_t> &out, uint32_t v) {
  out.push_back(uint8_t(v >> 24));
  out.push_back(uint8_t(v >> 16));
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

// Appends the runs that turn `from` into `to` (`cells` cells of `cell_bytes` each) to `out`,
// unless that would take `limit` bytes or more: then returns false and leaves `out` as it was.
// `runs` is scratch space, kept by the caller between calls.
inline bool append_delta(const uint8_t *from, const uint8_t *to, size_t cells, size_t cell_bytes,
                         size_t limit, std::vector<uint8_t> &out,
                         std::vector<std::pair<uint32_t, uint32_t>> &runs) {
  const auto changed = [&](size_t i) {
    return std::memcmp(from + i * cell_bytes, to + i * cell_bytes, cell_bytes) != 0;
  };
  runs.clear();
  for (size_t i = 0; i < cells;) {
    if (!changed(i)) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < cells && changed(j)) j++;
    if (!runs.empty()) {
      auto &last = runs.back();
      if ((i - (last.first + last.second)) * cell_bytes <= kRunHeader) {
        last.second = uint32_t(j - last.first);
        i = j;
        continue;
      }
    }
    runs.push_back({uint32_t(i), uint32_t(j - i)});
    i = j;
  }
  size_t bytes = out.size() + 4;
  size_t count = 0;
  for (auto [first, n] : runs) {
    const size_t pieces = (n + kMaxRun - 1) / kMaxRun;  // a u16 count: longer runs are split
    count += pieces;
    bytes += pieces * kRunHeader + n * cell_bytes;
  }
  if (bytes >= limit) return false;
  out.reserve(bytes);
  put32(out, uint32_t(count));
  for (auto [first, n] : runs) {
    while (n > 0) {
      const uint32_t piece = n > kMaxRun ? kMaxRun : n;
      put32(out, first);
      out.push_back(uint8_t(piece >> 8));
      out.push_back(uint8_t(piece));
      out.insert(out.end(), to + size_t(first) * cell_bytes,
                 to + size_t(first + piece) * cell_bytes);
      first += piece;
      n -= piece;
    }
  }
  return true;
}

// A changed-cells frame: u32 BE index, a type byte (full or delta), then the cells or the runs.
inline constexpr size_t kFrameHeader = 5;
inline constexpr uint8_t kFullFrame = 0, kDeltaFrame = 1;

// The delta frame that turns the picture of full frame `from` into full frame `to` (both of
// `cell_bytes` cells, same size), numbered as `to`; nothing when either is not a full frame
// or the delta would not be smaller than `to`.
inline std::optional<std::vector<uint8_t>> rebase(const uint8_t *from, size_t from_size,
                                                  const uint8_t *to, size_t to_size,
                                                  size_t cell_bytes) {
  if (cell_bytes == 0 || from_size != to_size || to_size < kFrameHeader ||
      (to_size - kFrameHeader) % cell_bytes || from[4] != kFullFrame || to[4] != kFullFrame)
    return std::nullopt;
  std::vector<uint8_t> out(to, to + 4);
  out.push_back(kDeltaFrame);
  std::vector<std::pair<uint32_t, uint32_t>> runs;
  if (!append_delta(from + kFrameHeader, to + kFrameHeader, (to_size - kFrameHeader) / cell_bytes,
                    cell_bytes, to_size, out, runs))
    return std::nullopt;
  return out;
}

}  // namespace onair::cell_runs
