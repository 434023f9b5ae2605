#pragma once
// For the plain test programs (no Catch2): checks a condition inside a function returning int,
// and on failure prints where and what, then returns 1.
#include <cstdio>

#define CHECK_OR_FAIL(cond)                                                   \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                               \
    }                                                                         \
  } while (false)
