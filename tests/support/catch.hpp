#pragma once
// One include for Catch2 v3 (most users) and v2 (what Debian 12 ships).
#if HISLAB_TEST_CATCH2_V3
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#else
#include <catch2/catch.hpp>
#endif

// SKIP arrived in Catch2 3.3; before it (and in v2) a skipped test warns and returns.
#if defined(SKIP)
#define HISLAB_SKIP(msg) SKIP(msg)
#else
#define HISLAB_SKIP(msg) \
  do {                   \
    WARN(msg);           \
    return;              \
  } while (false)
#endif

// Test cases tagged [novalgrind] measure what valgrind changes (page faults, errno of refused
// mappings, a replaced operator new); CI's memcheck leg runs every other case.

// Built with -fno-exceptions (the CI leg "noexcept"), every test that does not need an exception
// runs: the assertions that expect one compile to nothing, and test cases that catch one are
// inside `#if HISLAB_TEST_EXCEPTIONS`.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define HISLAB_TEST_EXCEPTIONS 1
#else
#define HISLAB_TEST_EXCEPTIONS 0
#undef REQUIRE_THROWS
#undef REQUIRE_THROWS_AS
#undef REQUIRE_THROWS_WITH
#undef REQUIRE_NOTHROW
#undef CHECK_THROWS
#undef CHECK_THROWS_AS
#undef CHECK_NOTHROW
#define REQUIRE_THROWS(...) static_cast<void>(0)
#define REQUIRE_THROWS_AS(expr, type) static_cast<void>(0)
#define REQUIRE_THROWS_WITH(expr, matcher) static_cast<void>(0)
#define CHECK_THROWS(...) static_cast<void>(0)
#define CHECK_THROWS_AS(expr, type) static_cast<void>(0)
#define REQUIRE_NOTHROW(...) static_cast<void>(__VA_ARGS__)
#define CHECK_NOTHROW(...) static_cast<void>(__VA_ARGS__)
#endif
