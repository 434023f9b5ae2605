#pragma once
// AVX2 BitBlock kernel: a 512-bit block is two ymm registers (lanes 0-3 and 4-7).
//
// Glossary:
//   _mm256_load_si256      aligned 32-byte load
//   _mm256_cmpeq_epi64     per-lane equality -> all-ones lanes
//   _mm256_movemask_pd     the sign bit of each 64-bit lane -> 4-bit mask
//   _mm256_madd_epi16      multiply 16-bit lanes, add neighbouring products into 32 bits
//   _mm256_hadd_epi32      add neighbouring 32-bit lanes of a and b, per 128-bit half
//   _mm256_permutevar8x32_epi32  any-to-any move of 32-bit lanes

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

  static unsigned find_first_unset(const Block512& b) noexcept {
    const unsigned m = ~lanes_equal(b, _mm256_set1_epi64x(-1)) & 0xFFu;
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_one(b.w[lane]));
  }
  static unsigned find_next_set(const Block512& b, unsigned from) noexcept {
    const unsigned lane0 = from / 64;
    const std::uint64_t first = b.w[lane0] & (~std::uint64_t{0} << (from % 64));
    if (first != 0) return lane0 * 64 + static_cast<unsigned>(std::countr_zero(first));
    const unsigned m = ~lanes_equal(b, _mm256_setzero_si256()) & (0xFEu << lane0) & 0xFFu;
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_zero(b.w[lane]));
  }
  static unsigned select(const Block512& b, unsigned k) noexcept { return BitBlockScalar::select(b, k); }

  /// As BitBlockScalar::pick_of_8, for 8 counts in one register: an inclusive prefix sum,
  /// one unsigned compare against k, and the exclusive prefix of the answer read back.
  static unsigned pick_of_8(__m256i v, std::uint32_t& k) noexcept {
    __m256i p = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
    p = _mm256_add_epi32(p, _mm256_slli_si256(p, 8));
    // Add the low half's total to every element of the high half.
    p = _mm256_add_epi32(p, _mm256_shuffle_epi32(_mm256_permute2x128_si256(p, p, 0x08), 0xFF));
    const __m256i kk = _mm256_set1_epi32(static_cast<int>(k));
    const __m256i fits = _mm256_cmpeq_epi32(_mm256_max_epu32(p, kk), kk);  // p <= k, unsigned
    const auto n = static_cast<unsigned>(
        std::popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(fits)))));
    const __m256i before = _mm256_sub_epi32(p, v);
    if (n < 8)
      k -= static_cast<std::uint32_t>(
          _mm256_cvtsi256_si32(_mm256_permutevar8x32_epi32(before, _mm256_set1_epi32(static_cast<int>(n)))));
    else
      k -= static_cast<std::uint32_t>(_mm256_extract_epi32(p, 7));
    return n;
  }
  static unsigned pick_of_64(const std::uint16_t* c, std::uint32_t& k) noexcept {
    // 16 counts per load; madd adds neighbours into 32 bits, two hadds finish each run of 8.
    const __m256i one = _mm256_set1_epi16(1);
    auto pairs = [&](int i) {
      return _mm256_madd_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(c + 16 * i)), one);
    };
    const __m256i r =
        _mm256_hadd_epi32(_mm256_hadd_epi32(pairs(0), pairs(1)), _mm256_hadd_epi32(pairs(2), pairs(3)));
    // r holds runs 0 2 4 6 | 1 3 5 7.
    const unsigned j =
        pick_of_8(_mm256_permutevar8x32_epi32(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)), k);
    const __m128i run = _mm_load_si128(reinterpret_cast<const __m128i*>(c + 8 * j));
    return 8 * j + pick_of_8(_mm256_cvtepu16_epi32(run), k);
  }
  static unsigned pick_of_64(const std::uint32_t* c, std::uint32_t& k) noexcept {
    auto at = [&](unsigned i) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(c + 8 * i)); };
    // Two rounds of hadd leave, per 128-bit half, a partial sum of each of 4 runs.
    const __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(at(0), at(1)), _mm256_hadd_epi32(at(2), at(3)));
    const __m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(at(4), at(5)), _mm256_hadd_epi32(at(6), at(7)));
    const __m128i lo = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    const __m128i hi = _mm_add_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    const unsigned j = pick_of_8(_mm256_set_m128i(hi, lo), k);
    return 8 * j + pick_of_8(at(j), k);
  }
};

}  // namespace detail
HISLAB_NAMESPACE_END
