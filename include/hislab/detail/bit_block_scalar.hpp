#pragma once
// The portable BitBlock kernel, and the oracle the SIMD kernels are tested against.
//
// A block is 512 bits in 8 little-endian 64-bit words: bit i lives in word i / 64 at position
// i % 64. Every kernel uses exactly this layout. "Not found" is reported as 512.

#include <bit>
#include <cstdint>
#include <cstring>

#include "../config.hpp"
#include "platform.hpp"

#if HISLAB_DETAIL_HAS_BMI2
#include <immintrin.h>
#endif

HISLAB_NAMESPACE_BEGIN
namespace detail {

inline constexpr unsigned block_bits = 512;
inline constexpr unsigned block_words = 8;

struct alignas(64) Block512 {
  std::uint64_t w[block_words];
};

/// Position of the set bit of rank k (from 0) in w; k < popcount(w). Portable: narrows to the
/// byte, then walks the byte.
constexpr unsigned select_in_word_portable(std::uint64_t w, unsigned k) noexcept {
  unsigned base = 0;
  for (;;) {
    const auto c = static_cast<unsigned>(std::popcount(w & 0xFFu));
    if (k < c) break;
    k -= c;
    w >>= 8;
    base += 8;
  }
  for (; k != 0; --k) w &= w - 1;
  return base + static_cast<unsigned>(std::countr_zero(w));
}

/// As select_in_word_portable, through BMI2 `pdep` (deposit bit k of a one-hot mask onto w's
/// set bits) when the target has it.
inline unsigned select_in_word(std::uint64_t w, unsigned k) noexcept {
#if HISLAB_DETAIL_HAS_BMI2
  return static_cast<unsigned>(std::countr_zero(_pdep_u64(std::uint64_t{1} << k, w)));
#else
  return select_in_word_portable(w, k);
#endif
}

/// The index of the count that holds rank k among the 8 counts c[0..7], k reduced by the
/// counts before it; 8 (and k reduced by all of them) when k is not below their sum.
/// Branchless binary search over the prefix sums: the ranks of a random sample leave a branch
/// predictor nothing to learn.
template <class C>
HISLAB_ALWAYS_INLINE constexpr unsigned pick_of_8(const C* c, std::uint32_t& k) noexcept {
  std::uint32_t before[9];  // before[i]: the sum of c[0..i-1]
  before[0] = 0;
  HISLAB_UNROLL
  for (unsigned i = 0; i < 8; ++i) before[i + 1] = before[i] + c[i];
  unsigned n = before[4] <= k ? 4u : 0u;
  n += before[n + 2] <= k ? 2u : 0u;
  n += before[n + 1] <= k ? 1u : 0u;
  n += before[n + 1] <= k ? 1u : 0u;  // only when k >= the sum of all 8
  k -= before[n];
  return n;
}

struct BitBlockScalar {
  static constexpr const char* name = "scalar";

  static unsigned find_first_unset(const Block512& b) noexcept {
    for (unsigned i = 0; i < block_words; ++i)
      if (~b.w[i] != 0) return i * 64 + static_cast<unsigned>(std::countr_one(b.w[i]));
    return block_bits;
  }
  static unsigned find_next_set(const Block512& b, unsigned from) noexcept {
    unsigned i = from / 64;
    std::uint64_t w = b.w[i] & (~std::uint64_t{0} << (from % 64));
    for (;;) {
      if (w != 0) return i * 64 + static_cast<unsigned>(std::countr_zero(w));
      if (++i == block_words) return block_bits;
      w = b.w[i];
    }
  }
  static unsigned select(const Block512& b, unsigned k) noexcept {
    std::uint32_t c[block_words];
    HISLAB_UNROLL
    for (unsigned i = 0; i < block_words; ++i) c[i] = static_cast<std::uint32_t>(std::popcount(b.w[i]));
    std::uint32_t r = k;
    const unsigned i = pick_of_8(c, r);
    return i < block_words ? i * 64 + select_in_word(b.w[i], r) : block_bits;
  }
  /// The child holding rank k among 64 counts (a group of one summary level; the block counts
  /// are 16-bit, the level counts 32-bit), k reduced to a rank inside that child; k must be below
  /// the sum. The sums of 8 runs of 8 pick a run, then the run picks the child.
  template <class C>
  static unsigned pick_of_64(const C* c, std::uint32_t& k) noexcept {
    std::uint32_t run[8];
    HISLAB_UNROLL
    for (unsigned j = 0; j < 8; ++j) run[j] = run_sum(c + 8 * j);
    const unsigned j = pick_of_8(run, k);
    return 8 * j + pick_of_8(c + 8 * j, k);
  }
  /// The sum of 8 counts, read as 64-bit words added lane by lane. No lane carries into the
  /// next: a block count is at most 512, so 8 of them fit 16 bits; a level-l count of the
  /// bitmap is at most 512 * 64^l <= 2^27 (l <= 3), so 4 of them fit 32 bits.
  static std::uint32_t run_sum(const std::uint16_t* c) noexcept {
    std::uint64_t w[2];
    std::memcpy(w, c, sizeof w);
    return static_cast<std::uint32_t>(((w[0] + w[1]) * 0x0001'0001'0001'0001u) >> 48);
  }
  static std::uint32_t run_sum(const std::uint32_t* c) noexcept {
    std::uint64_t w[4];
    std::memcpy(w, c, sizeof w);
    const std::uint64_t s = w[0] + w[1] + w[2] + w[3];
    return static_cast<std::uint32_t>(s) + static_cast<std::uint32_t>(s >> 32);
  }
};

}  // namespace detail
HISLAB_NAMESPACE_END
