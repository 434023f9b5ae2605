#pragma once
// HISLAB_ASSERT(cond, what, index): a checked precondition. On when NDEBUG is not defined, or
// when HISLAB_ENABLE_ASSERTS is set. On failure it says what was misused and where, then aborts.

#include <cstdio>
#include <cstdlib>

#include "platform.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

[[noreturn]] HISLAB_COLD inline void assert_fail(const char* file, int line, const char* what,
                                                 unsigned long long index) noexcept {
  std::fprintf(stderr, "%s:%d: hislab assertion failed: %s %llu\n", file, line, what, index);
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail
HISLAB_NAMESPACE_END

#if HISLAB_DETAIL_ASSERTS
#define HISLAB_ASSERT(cond, what, index)                                                               \
  do {                                                                                                 \
    if (HISLAB_UNLIKELY(!(cond)))                                                                      \
      ::hislab::detail::assert_fail(__FILE__, __LINE__, what, static_cast<unsigned long long>(index)); \
  } while (false)
#else
#define HISLAB_ASSERT(cond, what, index) \
  do {                                   \
    (void)sizeof(cond);                  \
  } while (false)
#endif
