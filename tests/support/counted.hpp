#pragma once
// Counted: counts live objects, constructions and destructions, and catches double destroys
// and use of destroyed objects through a canary.
#include <cstdint>
#include <cstdlib>

namespace hislab_test {

struct Counted {
  static inline long live = 0;
  static inline long constructed = 0;
  static inline long destroyed = 0;
  static inline long copies = 0;
  static inline long moves = 0;
  static void reset() { live = constructed = destroyed = copies = moves = 0; }

  static constexpr std::uint64_t alive_tag = 0xA11CE5A11CE5ull;
  std::uint64_t canary = alive_tag;
  int value = 0;

  Counted() { ++live, ++constructed; }
  explicit Counted(int v) : value(v) { ++live, ++constructed; }
  Counted(const Counted& o) : value(o.value) {
    o.check();
    ++live, ++constructed, ++copies;
  }
  Counted(Counted&& o) noexcept : value(o.value) {
    o.check();
    ++live, ++constructed, ++moves;
  }
  Counted& operator=(const Counted& o) {
    o.check();
    value = o.value;
    return *this;
  }
  ~Counted() {
    check();
    canary = 0xDEAD;
    --live, ++destroyed;
  }
  void check() const {
    if (canary != alive_tag) std::abort();  // double destroy or use after destroy
  }
};

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
/// Throws from its constructor on the n-th construction (1-based) after arm(n).
struct ThrowOnNth {
  static inline long countdown = 0;
  static inline long live = 0;
  static void arm(long n) { countdown = n; }
  int value = 0;
  explicit ThrowOnNth(int v) : value(v) {
    if (countdown > 0 && --countdown == 0) throw 42;
    ++live;
  }
  ThrowOnNth(const ThrowOnNth& o) : value(o.value) {
    if (countdown > 0 && --countdown == 0) throw 43;
    ++live;
  }
  ~ThrowOnNth() { --live; }
};
#endif

}  // namespace hislab_test
