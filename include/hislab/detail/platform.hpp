#pragma once
// Compiler attributes used across the library.

#include "../config.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define HISLAB_COLD __attribute__((cold, noinline))
/// Out of line, but not cold: GCC (12) predicts every path that can reach a cold call unlikely and
/// moves it out of the hot code, which for a rare summary update is the caller's hot path too.
#define HISLAB_OUT_OF_LINE __attribute__((noinline))
#define HISLAB_LIKELY(x) __builtin_expect(!!(x), 1)
#define HISLAB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HISLAB_ALWAYS_INLINE inline __attribute__((always_inline))
/// Unrolls the next loop fully at -O2 as well (short fixed-trip loops on hot paths).
#define HISLAB_UNROLL _Pragma("GCC unroll 8")
#else
#define HISLAB_COLD
#define HISLAB_OUT_OF_LINE
#define HISLAB_LIKELY(x) (x)
#define HISLAB_UNLIKELY(x) (x)
#define HISLAB_ALWAYS_INLINE inline
#define HISLAB_UNROLL
#endif

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// Starts fetching the cache line at p, for writing or for reading; a hint that never faults.
template <bool ForWrite>
HISLAB_ALWAYS_INLINE void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, ForWrite ? 1 : 0, 3);
#else
  (void)p;
#endif
}
HISLAB_ALWAYS_INLINE void prefetch_for_write(const void* p) noexcept { prefetch<true>(p); }
HISLAB_ALWAYS_INLINE void prefetch_for_read(const void* p) noexcept { prefetch<false>(p); }

}  // namespace detail
HISLAB_NAMESPACE_END
