#pragma once
// NEON BitBlock kernel (AArch64): a 512-bit block is four 128-bit q registers.
//
// Glossary:
//   vld1q_u64          load two 64-bit lanes
//   vminvq_u32         horizontal min (all bits set -> 0xFFFFFFFF)

#include <arm_neon.h>

#include "bit_block_scalar.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

struct BitBlockNeon {
  static constexpr const char* name = "neon";

  static uint64x2_t q(const Block512& b, unsigned i) noexcept { return vld1q_u64(b.w + 2 * i); }

  static unsigned find_first_unset(const Block512& b) noexcept {
    // Test 128 bits at a time; only the pair that holds a zero is looked at word by word.
    for (unsigned i = 0; i < 4; ++i) {
      if (vminvq_u32(vreinterpretq_u32_u64(q(b, i))) != 0xFFFFFFFFu) {
        const unsigned w = ~b.w[2 * i] != 0 ? 2 * i : 2 * i + 1;
        return w * 64 + static_cast<unsigned>(std::countr_one(b.w[w]));
      }
    }
    return block_bits;
  }
  static unsigned find_next_set(const Block512& b, unsigned from) noexcept {
    return BitBlockScalar::find_next_set(b, from);
  }
  static unsigned select(const Block512& b, unsigned k) noexcept { return BitBlockScalar::select(b, k); }
  static unsigned pick_of_64(const std::uint16_t* c, std::uint32_t& k) noexcept {
    return BitBlockScalar::pick_of_64(c, k);
  }
  static unsigned pick_of_64(const std::uint32_t* c, std::uint32_t& k) noexcept {
    return BitBlockScalar::pick_of_64(c, k);
  }
};

}  // namespace detail
HISLAB_NAMESPACE_END
