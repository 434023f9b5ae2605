#pragma once
// AVX-512 BitBlock kernel: one 512-bit block is exactly one zmm register.
//
// Glossary:
//   _mm512_load_si512            aligned 64-byte load
//   _mm512_test_epi64_mask       per-lane (a & b) != 0 -> 8-bit mask
//   _mm512_cmpneq_epi64_mask     per-lane a != b -> 8-bit mask
//   _mm512_popcnt_epi8           per-byte popcount (AVX512_BITALG: Ice Lake, Zen 4 and later;
//                                without it the popcounts are scalar); _mm512_sad_epu8
//                                against 0 then sums the bytes of each 64-bit lane
//   _mm512_maskz_cvtepi64_epi32  narrow 8 64-bit lanes into one ymm of 32-bit lanes

#include <immintrin.h>

#include "bit_block_avx2.hpp"
#include "bit_block_scalar.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

struct BitBlockAvx512 {
  static constexpr const char* name = "avx512";

  static __m512i load(const Block512& b) noexcept { return _mm512_load_si512(static_cast<const void*>(b.w)); }

  static unsigned find_first_unset(const Block512& b) noexcept {
    const unsigned m = _mm512_cmpneq_epi64_mask(load(b), _mm512_set1_epi64(-1));
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_one(b.w[lane]));
  }
  static unsigned find_next_set(const Block512& b, unsigned from) noexcept {
    const unsigned lane0 = from / 64;
    const std::uint64_t first = b.w[lane0] & (~std::uint64_t{0} << (from % 64));
    if (first != 0) return lane0 * 64 + static_cast<unsigned>(std::countr_zero(first));
    const __m512i v = load(b);
    const unsigned m = _mm512_test_epi64_mask(v, v) & (0xFEu << lane0) & 0xFFu;
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_zero(b.w[lane]));
  }
#if HISLAB_DETAIL_HAS_BITALG
  /// The popcount of each 64-bit lane: per-byte popcounts, summed per lane by sad against 0.
  static __m512i word_counts(__m512i v) noexcept {
    return _mm512_sad_epu8(_mm512_popcnt_epi8(v), _mm512_setzero_si512());
  }
#endif
  static unsigned select(const Block512& b, unsigned k) noexcept {
#if HISLAB_DETAIL_HAS_BITALG
    // The 8 word popcounts in one register, then the same branchless pick as the summary levels.
    std::uint32_t r = k;
    const unsigned i = BitBlockAvx2::pick_of_8(_mm512_maskz_cvtepi64_epi32(0xFF, word_counts(load(b))), r);
    return i < block_words ? i * 64 + select_in_word(b.w[i], r) : block_bits;
#else
    return BitBlockScalar::select(b, k);
#endif
  }
  static unsigned pick_of_64(const std::uint16_t* c, std::uint32_t& k) noexcept {
    return BitBlockAvx2::pick_of_64(c, k);
  }
  static unsigned pick_of_64(const std::uint32_t* c, std::uint32_t& k) noexcept {
    return BitBlockAvx2::pick_of_64(c, k);
  }
};

}  // namespace detail
HISLAB_NAMESPACE_END
