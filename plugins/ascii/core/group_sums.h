// Sums over fixed groups of a row's bytes, for grids whose cells cover whole
// groups: cells then add a few group sums instead of every column. Each
// function adds into `sums`, one entry (or one per channel) per group.
#pragma once

#include <cstdint>

namespace onair::ascii::group_sums {

// Whether add_pixels4 runs vectorised on this CPU (AVX2); its portable loop
// is no faster than column sums. The other kernels have SSE2 versions on
// every x86-64 and portable loops elsewhere.
bool packed_available();

// Luma: groups of 8 bytes of `n` rows (1 to 4) into 64-bit sums.
void add_luma8(const uint8_t *const *rows, int n, int groups, uint64_t *sums);

// Chroma: groups of 4 bytes of one row, times `weight` (the luma rows it
// serves), into 32-bit sums.
void add_chroma4(const uint8_t *row, int groups, int weight, uint32_t *sums);

// Packed 4-byte pixels: groups of 4 pixels of `n` rows (1 to 4) into four
// 32-bit sums per group, one per byte position (channel) of a pixel.
void add_pixels4(const uint8_t *const *rows, int n, int groups, uint32_t *sums);

}  // namespace onair::ascii::group_sums
