#pragma once
// AVX-512 BitBlock kernel: one 512-bit block is exactly one zmm register.
//
// Glossary:
//   _mm512_load_si512            aligned 64-byte load
//   _mm512_test_epi64_mask       per-lane (a & b) != 0 -> 8-bit mask
//   _mm512_cmpneq_epi64_mask     per-lane a != b -> 8-bit mask
//   _mm512_popcnt_epi64          per-lane popcount (AVX512_VPOPCNTDQ only)
//   _mm512_reduce_add_epi64      horizontal sum of the 8 lanes

#include <immintrin.h>

#include "bit_block_scalar.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

struct BitBlockAvx512 {
  static constexpr const char* name = "avx512";

  static __m512i load(const Block512& b) noexcept { return _mm512_load_si512(static_cast<const void*>(b.w)); }

  static bool all_zero(const Block512& b) noexcept {
    const __m512i v = load(b);
    return _mm512_test_epi64_mask(v, v) == 0;
  }
  static bool all_ones(const Block512& b) noexcept {
    return _mm512_cmpneq_epi64_mask(load(b), _mm512_set1_epi64(-1)) == 0;
  }
  static unsigned find_first_zero(const Block512& b) noexcept {
    const unsigned m = _mm512_cmpneq_epi64_mask(load(b), _mm512_set1_epi64(-1));
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_one(b.w[lane]));
  }
  static unsigned find_next_one(const Block512& b, unsigned from) noexcept {
    const unsigned lane0 = from / 64;
    const std::uint64_t first = b.w[lane0] & (~std::uint64_t{0} << (from % 64));
    if (first != 0) return lane0 * 64 + static_cast<unsigned>(std::countr_zero(first));
    const __m512i v = load(b);
    const unsigned m = _mm512_test_epi64_mask(v, v) & (0xFEu << lane0) & 0xFFu;
    if (m == 0) return block_bits;
    const unsigned lane = static_cast<unsigned>(std::countr_zero(m));
    return lane * 64 + static_cast<unsigned>(std::countr_zero(b.w[lane]));
  }
  static unsigned popcount(const Block512& b) noexcept {
#if defined(__AVX512VPOPCNTDQ__)
    return static_cast<unsigned>(_mm512_reduce_add_epi64(_mm512_popcnt_epi64(load(b))));
#else
    return BitBlockScalar::popcount(b);
#endif
  }
  static unsigned select(const Block512& b, unsigned k) noexcept {
    for (unsigned i = 0; i < block_words; ++i) {
      const auto c = static_cast<unsigned>(std::popcount(b.w[i]));
      if (k < c) return i * 64 + select_in_word(b.w[i], k);
      k -= c;
    }
    return block_bits;
  }
  static unsigned rank(const Block512& b, unsigned pos) noexcept {
#if defined(__AVX512VPOPCNTDQ__)
    // Keep the lanes wholly below pos, mask the partial lane, count everything at once.
    const unsigned whole = pos / 64;
    alignas(64) std::uint64_t mask[block_words];
    for (unsigned i = 0; i < block_words; ++i)
      mask[i] = i < whole ? ~std::uint64_t{0}
                          : (i == whole && pos % 64 != 0 ? (std::uint64_t{1} << (pos % 64)) - 1 : 0);
    const __m512i v = _mm512_and_si512(load(b), _mm512_load_si512(static_cast<const void*>(mask)));
    return static_cast<unsigned>(_mm512_reduce_add_epi64(_mm512_popcnt_epi64(v)));
#else
    return BitBlockScalar::rank(b, pos);
#endif
  }
};

}  // namespace detail
HISLAB_NAMESPACE_END
