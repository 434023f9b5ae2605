#pragma once
// AVX2 BitBlock kernel: a 512-bit block is two ymm registers (lanes 0-3 and 4-7).
//
// Glossary:
//   _mm256_load_si256      aligned 32-byte load
//   _mm256_testz_si256     1 when (a & b) == 0
//   _mm256_testc_si256     1 when (~a & b) == 0, i.e. a has every bit of b
//   _mm256_cmpeq_epi64     per-lane equality -> all-ones lanes
//   _mm256_movemask_pd     the sign bit of each 64-bit lane -> 4-bit mask

#include <immintrin.h>

#include "bit_block_scalar.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

struct BitBlockAvx2 {
  static constexpr const char* name = "avx2";

  static __m256i lo(const Block512& b) noexcept {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(b.w));
  }
  static __m256i hi(const Block512& b) noexcept {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(b.w + 4));
  }
  /// 8-bit mask: bit i set when lane i equals `x`'s lane.
  static unsigned lanes_equal(const Block512& b, __m256i x) noexcept {
    const auto l =
        static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(lo(b), x))));
    const auto h =
        static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(hi(b), x))));
    return l | (h << 4);
  }

  static bool all_zero(const Block512& b) noexcept {
    const __m256i v = _mm256_or_si256(lo(b), hi(b));
    return _mm256_testz_si256(v, v) != 0;
  }
  static bool all_ones(const Block512& b) noexcept {
    return _mm256_testc_si256(_mm256_and_si256(lo(b), hi(b)), _mm256_set1_epi64x(-1)) != 0;
  }
  static unsigned find_first_zero(const Block512& b) noexcept {
    const unsigned m = ~lanes_equal(b, _mm256_set1_epi64x(-1)) & 0xFFu;
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_one(b.w[lane]));
  }
  static unsigned find_next_one(const Block512& b, unsigned from) noexcept {
    const unsigned lane0 = from / 64;
    const std::uint64_t first = b.w[lane0] & (~std::uint64_t{0} << (from % 64));
    if (first != 0) return lane0 * 64 + static_cast<unsigned>(std::countr_zero(first));
    const unsigned m = ~lanes_equal(b, _mm256_setzero_si256()) & (0xFEu << lane0) & 0xFFu;
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_zero(b.w[lane]));
  }
  static unsigned popcount(const Block512& b) noexcept { return BitBlockScalar::popcount(b); }
  static unsigned select(const Block512& b, unsigned k) noexcept {
    for (unsigned i = 0; i < block_words; ++i) {
      const auto c = static_cast<unsigned>(std::popcount(b.w[i]));
      if (k < c) return i * 64 + select_in_word(b.w[i], k);
      k -= c;
    }
    return block_bits;
  }
  static unsigned rank(const Block512& b, unsigned pos) noexcept { return BitBlockScalar::rank(b, pos); }
};

}  // namespace detail
HISLAB_NAMESPACE_END
