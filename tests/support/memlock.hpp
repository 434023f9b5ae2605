#pragma once
// Runs checks in a forked child under a lowered RLIMIT_MEMLOCK.
#include <sys/resource.h>
#include <unistd.h>

#include <cstddef>

#include "catch.hpp"
#include "death.hpp"

namespace hislab_test {

/// Runs body() in a child whose RLIMIT_MEMLOCK is `bytes`, as uid 65534 when run as root (root
/// ignores the limit). body returns 0 when every check passed, else the number of the first
/// that failed; the test requires the child to exit with 0.
template <class F>
void with_memlock_limit(std::size_t bytes, F body) {
  auto res = run_in_child([&] {
    struct rlimit rl {
      bytes, bytes
    };
    if (::setrlimit(RLIMIT_MEMLOCK, &rl) != 0) ::_exit(100);
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(101);
    ::_exit(body());
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}

}  // namespace hislab_test
