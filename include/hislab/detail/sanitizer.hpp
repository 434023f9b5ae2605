#pragma once
// AddressSanitizer hooks: vacant slots are poisoned so that a use after erase is reported and
// the ASan CI leg proves that iteration never reads vacant slots.

#include <cstddef>

#include "../config.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define HISLAB_DETAIL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HISLAB_DETAIL_ASAN 1
#endif
#endif
#ifndef HISLAB_DETAIL_ASAN
#define HISLAB_DETAIL_ASAN 0
#endif

#if HISLAB_DETAIL_ASAN
#include <sanitizer/asan_interface.h>
#endif

HISLAB_NAMESPACE_BEGIN
namespace detail {

inline void poison(const void* p, std::size_t n) noexcept {
#if HISLAB_DETAIL_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

inline void unpoison(const void* p, std::size_t n) noexcept {
#if HISLAB_DETAIL_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

}  // namespace detail
HISLAB_NAMESPACE_END
