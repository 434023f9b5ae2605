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
