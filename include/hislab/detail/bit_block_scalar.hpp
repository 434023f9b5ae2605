#pragma once
// The portable BitBlock kernel, and the oracle the SIMD kernels are tested against.
//
// A block is 512 bits in 8 little-endian 64-bit words: bit i lives in word i / 64 at position
// i % 64. Every kernel uses exactly this layout. "Not found" is reported as 512.

#include <bit>
#include <cstdint>

#include "../config.hpp"

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

struct BitBlockScalar {
  static constexpr const char* name = "scalar";

  static bool all_zero(const Block512& b) noexcept {
    std::uint64_t acc = 0;
    for (auto w : b.w) acc |= w;
    return acc == 0;
  }
  static bool all_ones(const Block512& b) noexcept {
    std::uint64_t acc = ~std::uint64_t{0};
    for (auto w : b.w) acc &= w;
    return acc == ~std::uint64_t{0};
  }
  static unsigned find_first_zero(const Block512& b) noexcept {
    for (unsigned i = 0; i < block_words; ++i)
      if (~b.w[i] != 0) return i * 64 + static_cast<unsigned>(std::countr_one(b.w[i]));
    return block_bits;
  }
  static unsigned find_next_one(const Block512& b, unsigned from) noexcept {
    unsigned i = from / 64;
    std::uint64_t w = b.w[i] & (~std::uint64_t{0} << (from % 64));
    for (;;) {
      if (w != 0) return i * 64 + static_cast<unsigned>(std::countr_zero(w));
      if (++i == block_words) return block_bits;
      w = b.w[i];
    }
  }
  static unsigned popcount(const Block512& b) noexcept {
    unsigned n = 0;
    for (auto w : b.w) n += static_cast<unsigned>(std::popcount(w));
    return n;
  }
  static unsigned select(const Block512& b, unsigned k) noexcept {
    for (unsigned i = 0; i < block_words; ++i) {
      const auto c = static_cast<unsigned>(std::popcount(b.w[i]));
      if (k < c) return i * 64 + select_in_word_portable(b.w[i], k);
      k -= c;
    }
    return block_bits;
  }
  /// Number of set bits strictly below `pos` (pos <= 512).
  static unsigned rank(const Block512& b, unsigned pos) noexcept {
    unsigned n = 0;
    const unsigned whole = pos / 64;
    for (unsigned i = 0; i < whole; ++i) n += static_cast<unsigned>(std::popcount(b.w[i]));
    if (pos % 64 != 0)
      n += static_cast<unsigned>(std::popcount(b.w[whole] & ((std::uint64_t{1} << (pos % 64)) - 1)));
    return n;
  }
};

}  // namespace detail
HISLAB_NAMESPACE_END
