#pragma once
// One cold exit per error kind. Hot paths call these out-of-line functions so their fast path
// stays small; without exceptions each prints its message and aborts.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <system_error>

#include "../errors.hpp"
#include "os_linux.hpp"
#include "platform.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

#if !HISLAB_HAS_EXCEPTIONS
[[noreturn]] HISLAB_COLD inline void die(const char* kind, const char* what) noexcept {
  std::fprintf(stderr, "hislab: %s: %s\n", kind, what);
  std::abort();
}
#endif

[[noreturn]] HISLAB_COLD inline void throw_capacity(const char* what) {
#if HISLAB_HAS_EXCEPTIONS
  throw CapacityError(what);
#else
  die("capacity error", what);
#endif
}

[[noreturn]] HISLAB_COLD inline void throw_invalid_argument(const char* what) {
#if HISLAB_HAS_EXCEPTIONS
  throw std::invalid_argument(what);
#else
  die("invalid argument", what);
#endif
}

[[noreturn]] HISLAB_COLD inline void throw_out_of_range(const char* what) {
#if HISLAB_HAS_EXCEPTIONS
  throw std::out_of_range(what);
#else
  die("out of range", what);
#endif
}

/// "<what> <index> (capacity <capacity>)": the out_of_range that names the index.
[[noreturn]] HISLAB_COLD inline void throw_out_of_range_at(const char* what, unsigned long long index,
                                                           unsigned long long capacity) {
  char msg[256];
  std::snprintf(msg, sizeof msg, "%s %llu (capacity %llu)", what, index, capacity);
  throw_out_of_range(msg);
}

/// "<what> (capacity <capacity>)": the CapacityError that names the capacity.
[[noreturn]] HISLAB_COLD inline void throw_capacity_of(const char* what, unsigned long long capacity) {
  char msg[256];
  std::snprintf(msg, sizeof msg, "%s (capacity %llu)", what, capacity);
  throw_capacity(msg);
}

[[noreturn]] HISLAB_COLD inline void throw_logic_error(const char* what) {
#if HISLAB_HAS_EXCEPTIONS
  throw std::logic_error(what);
#else
  die("logic error", what);
#endif
}

[[noreturn]] HISLAB_COLD inline void throw_bad_alloc(const char* what = "hislab: a pool size class is full") {
#if HISLAB_HAS_EXCEPTIONS
  (void)what;
  throw std::bad_alloc();
#else
  die("bad_alloc", what);
#endif
}

/// Throws for an error code: std::invalid_argument for the library's own verdict on bad
/// options (generic category), std::bad_alloc when the heap refused the library's bookkeeping
/// (generic not_enough_memory), std::system_error for what the OS said (system category).
/// An ENOMEM from the OS names the process limit it ran into, when one was (vm.max_map_count,
/// RLIMIT_AS), and how to raise it.
[[noreturn]] HISLAB_COLD inline void throw_error_code(std::error_code ec, const char* what) {
  if (ec.category() == std::generic_category() && ec == std::errc::invalid_argument)
    throw_invalid_argument(what);
  if (ec.category() == std::generic_category() && ec == std::errc::not_enough_memory) throw_bad_alloc(what);
  char msg[640];
  if (ec.category() == std::system_category() && ec.value() == ENOMEM) {
    char why[400];
    os::explain_enomem(why, sizeof why);
    if (why[0] != '\0') {
      std::snprintf(msg, sizeof msg, "%s (%s)", what, why);
      what = msg;
    }
  }
#if HISLAB_HAS_EXCEPTIONS
  throw std::system_error(ec, what);
#else
  std::fprintf(stderr, "hislab: system error: %s: %s\n", what, ec.message().c_str());
  std::abort();
#endif
}

}  // namespace detail
HISLAB_NAMESPACE_END
