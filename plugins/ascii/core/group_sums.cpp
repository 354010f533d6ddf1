#include "core/group_sums.h"

#if defined(__x86_64__) || defined(__i386__)
#define ONAIR_X86 1
#include <immintrin.h>
#endif

namespace onair::ascii::group_sums {

namespace {

#ifdef ONAIR_X86
bool have_avx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}
#else
constexpr bool have_avx2() {
  return false;
}
#endif

// Portable versions; on x86 they only finish the groups the vector loops
// leave over.
void luma8_from(int g, const uint8_t *const *rows, int n, int groups, uint64_t *sums) {
  for (; g < groups; g++)
    for (int k = 0; k < n; k++)
      for (int i = 0; i < 8; i++) sums[g] += rows[k][8 * g + i];
}

void chroma4_from(int g, const uint8_t *row, int groups, int weight, uint32_t *sums) {
  for (; g < groups; g++)
    sums[g] += uint32_t(weight) * (row[4 * g] + row[4 * g + 1] + row[4 * g + 2] + row[4 * g + 3]);
}

void pixels4_from(int g, const uint8_t *const *rows, int n, int groups, uint32_t *sums) {
  for (; g < groups; g++)
    for (int k = 0; k < n; k++)
      for (int i = 0; i < 16; i++) sums[4 * g + i % 4] += rows[k][16 * g + i];
}

#ifdef ONAIR_X86
template <typename T>
const __m128i *m128(const T *p) {
  return reinterpret_cast<const __m128i *>(p);
}
template <typename T>
const __m256i *m256(const T *p) {
  return reinterpret_cast<const __m256i *>(p);
}

// psadbw against zero sums each 8 bytes into a 64-bit lane: one group of
// luma per lane, already in order.
int luma8_sse2(const uint8_t *const *rows, int n, int groups, uint64_t *sums) {
  const __m128i zero = _mm_setzero_si128();
  int g = 0;
  for (; g + 2 <= groups; g += 2) {
    __m128i s = _mm_sad_epu8(_mm_loadu_si128(m128(rows[0] + 8 * g)), zero);
    for (int k = 1; k < n; k++)
      s = _mm_add_epi64(s, _mm_sad_epu8(_mm_loadu_si128(m128(rows[k] + 8 * g)), zero));
    auto *dst = reinterpret_cast<__m128i *>(sums + g);
    _mm_storeu_si128(dst, _mm_add_epi64(_mm_loadu_si128(dst), s));
  }
  return g;
}

__attribute__((target("avx2"))) int luma8_avx2(const uint8_t *const *rows, int n, int groups,
                                               uint64_t *sums) {
  const __m256i zero = _mm256_setzero_si256();
  int g = 0;
  for (; g + 4 <= groups; g += 4) {
    __m256i s = _mm256_sad_epu8(_mm256_loadu_si256(m256(rows[0] + 8 * g)), zero);
    for (int k = 1; k < n; k++)
      s = _mm256_add_epi64(s, _mm256_sad_epu8(_mm256_loadu_si256(m256(rows[k] + 8 * g)), zero));
    auto *dst = reinterpret_cast<__m256i *>(sums + g);
    _mm256_storeu_si256(dst, _mm256_add_epi64(_mm256_loadu_si256(dst), s));
  }
  return g;
}

// Masking alternate 4-byte groups lets psadbw sum four groups per 16 bytes.
int chroma4_sse2(const uint8_t *row, int groups, int weight, uint32_t *sums) {
  if (weight != 1 && weight != 2) return 0;  // a chroma row serves one or two luma rows
  const __m128i zero = _mm_setzero_si128();
  const __m128i even = _mm_setr_epi32(-1, 0, -1, 0), odd = _mm_setr_epi32(0, -1, 0, -1);
  int g = 0;
  for (; g + 4 <= groups; g += 4) {
    const __m128i v = _mm_loadu_si128(m128(row + 4 * g));
    const __m128i a = _mm_sad_epu8(_mm_and_si128(v, even), zero);  // groups g, g + 2
    const __m128i b = _mm_sad_epu8(_mm_and_si128(v, odd), zero);   // groups g + 1, g + 3
    // Lanes {a0, b0, a1, b1} are groups g .. g + 3 in order.
    const __m128i s = _mm_or_si128(a, _mm_slli_epi64(b, 32));
    const __m128i sw = weight == 1 ? s : _mm_slli_epi32(s, 1);
    auto *dst = reinterpret_cast<__m128i *>(sums + g);
    _mm_storeu_si128(dst, _mm_add_epi32(_mm_loadu_si128(dst), sw));
  }
  return g;
}

// pmaddubsw adds byte pairs, pmaddwd adds those pairs times the weight:
// eight groups of four per 32 bytes, in order.
__attribute__((target("avx2"))) int chroma4_avx2(const uint8_t *row, int groups, int weight,
                                                 uint32_t *sums) {
  const __m256i ones = _mm256_set1_epi8(1), w = _mm256_set1_epi16(int16_t(weight));
  int g = 0;
  for (; g + 8 <= groups; g += 8) {
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_loadu_si256(m256(row + 4 * g)), ones);
    auto *dst = reinterpret_cast<__m256i *>(sums + g);
    _mm256_storeu_si256(dst,
                        _mm256_add_epi32(_mm256_loadu_si256(dst), _mm256_madd_epi16(pairs, w)));
  }
  return g;
}

// Four pixels per 16 bytes: pshufb gathers each channel's four bytes, then
// pmaddubsw and pmaddwd add them, leaving the group's four channel sums.
// Rows are added as 16-bit pairs first (at most 4 x 510).
__attribute__((target("avx2"))) int pixels4_avx2(const uint8_t *const *rows, int n, int groups,
                                                 uint32_t *sums) {
  const __m256i order = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,  //
                                         0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
#define ONAIR_PAIRS(p) \
  _mm256_maddubs_epi16(_mm256_shuffle_epi8(_mm256_loadu_si256(m256(p)), order), ones8)
  int g = 0;
  for (; g + 2 <= groups; g += 2) {
    __m256i s = ONAIR_PAIRS(rows[0] + 16 * g);
    for (int k = 1; k < n; k++) s = _mm256_add_epi16(s, ONAIR_PAIRS(rows[k] + 16 * g));
    auto *dst = reinterpret_cast<__m256i *>(sums + 4 * g);
    _mm256_storeu_si256(dst,
                        _mm256_add_epi32(_mm256_loadu_si256(dst), _mm256_madd_epi16(s, ones16)));
  }
#undef ONAIR_PAIRS
  return g;
}
#endif

}  // namespace

bool packed_available() {
  return have_avx2();
}

void add_luma8(const uint8_t *const *rows, int n, int groups, uint64_t *sums) {
  int g = 0;
#ifdef ONAIR_X86
  g = have_avx2() ? luma8_avx2(rows, n, groups, sums) : 0;
  const uint8_t *rest[4];
  for (int k = 0; k < n; k++) rest[k] = rows[k] + 8 * g;
  g += luma8_sse2(rest, n, groups - g, sums + g);
#endif
  luma8_from(g, rows, n, groups, sums);
}

void add_chroma4(const uint8_t *row, int groups, int weight, uint32_t *sums) {
  int g = 0;
#ifdef ONAIR_X86
  g = have_avx2() ? chroma4_avx2(row, groups, weight, sums)
                  : chroma4_sse2(row, groups, weight, sums);
#endif
  chroma4_from(g, row, groups, weight, sums);
}

void add_pixels4(const uint8_t *const *rows, int n, int groups, uint32_t *sums) {
  int g = 0;
#ifdef ONAIR_X86
  if (have_avx2()) g = pixels4_avx2(rows, n, groups, sums);
#endif
  pixels4_from(g, rows, n, groups, sums);
}

}  // namespace onair::ascii::group_sums
