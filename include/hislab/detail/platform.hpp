#pragma once
// Compiler attributes used across the library.

#include "../config.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define HISLAB_COLD __attribute__((cold, noinline))
#define HISLAB_LIKELY(x) __builtin_expect(!!(x), 1)
#define HISLAB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HISLAB_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define HISLAB_COLD
#define HISLAB_LIKELY(x) (x)
#define HISLAB_UNLIKELY(x) (x)
#define HISLAB_ALWAYS_INLINE inline
#endif
