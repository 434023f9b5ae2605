#pragma once
// One include for Catch2 v3 (most users) and v2 (what Debian 12 ships).
#if HISLAB_TEST_CATCH2_V3
#include <catch2/catch_test_macros.hpp>
#define HISLAB_SKIP(msg) SKIP(msg)
#else
#include <catch2/catch.hpp>
#define HISLAB_SKIP(msg) \
  do {                   \
    WARN(msg);           \
    return;              \
  } while (false)
#endif
