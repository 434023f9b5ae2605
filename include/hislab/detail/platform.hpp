#pragma once
// Compiler attributes used across the library.

#include "../config.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define HISLAB_COLD __attribute__((cold, noinline))
#define HISLAB_LIKELY(x) __builtin_expect(!!(x), 1)
#define HISLAB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HISLAB_ALWAYS_INLINE inline __attribute__((always_inline))
/// Unrolls the next loop fully at -O2 as well (short fixed-trip loops on hot paths).
#define HISLAB_UNROLL _Pragma("GCC unroll 8")
#else
#define HISLAB_COLD
#define HISLAB_LIKELY(x) (x)
#define HISLAB_UNLIKELY(x) (x)
#define HISLAB_ALWAYS_INLINE inline
#define HISLAB_UNROLL
#endif

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// Starts fetching the cache line at p for writing; a hint that never faults.
HISLAB_ALWAYS_INLINE void prefetch_for_write(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1, 3);
#else
  (void)p;
#endif
}

}  // namespace detail
HISLAB_NAMESPACE_END
