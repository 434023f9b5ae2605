#pragma once
// Includes exactly one BitBlock kernel, chosen in config.hpp, and names it `BitBlock`.

#include <concepts>
#include <cstdint>
#include <string_view>

#include "bit_block_scalar.hpp"

#if HISLAB_DETAIL_KERNEL_AVX512
#include "bit_block_avx512.hpp"
#elif HISLAB_DETAIL_KERNEL_AVX2
#include "bit_block_avx2.hpp"
#elif HISLAB_DETAIL_KERNEL_NEON
#include "bit_block_neon.hpp"
#endif

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// What every kernel family provides, so that one cannot silently miss a function.
template <class K>
concept BitBlockKernel = requires(const Block512& b, unsigned u, const std::uint16_t* c16,
                                  const std::uint32_t* c32, std::uint32_t& k) {
  { K::name } -> std::convertible_to<std::string_view>;
  { K::find_first_unset(b) } -> std::same_as<unsigned>;
  { K::find_next_set(b, u) } -> std::same_as<unsigned>;
  { K::select(b, u) } -> std::same_as<unsigned>;
  { K::pick_of_64(c16, k) } -> std::same_as<unsigned>;
  { K::pick_of_64(c32, k) } -> std::same_as<unsigned>;
};

#if HISLAB_DETAIL_KERNEL_AVX512
using BitBlock = BitBlockAvx512;
#elif HISLAB_DETAIL_KERNEL_AVX2
using BitBlock = BitBlockAvx2;
#elif HISLAB_DETAIL_KERNEL_NEON
using BitBlock = BitBlockNeon;
#else
using BitBlock = BitBlockScalar;
#endif

static_assert(BitBlockKernel<BitBlockScalar>);
static_assert(BitBlockKernel<BitBlock>);

}  // namespace detail

/// The one kernel family compiled into this translation unit: "avx512", "avx2", "neon" or "scalar".
inline constexpr std::string_view simd_backend = detail::BitBlock::name;

HISLAB_NAMESPACE_END
