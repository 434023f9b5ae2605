#pragma once
// The fuzz harnesses' view of their input: a stream of small integers, zeros once it runs out.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace hislab_fuzz {

class Input {
 public:
  Input(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  [[nodiscard]] bool done() const { return n_ == 0; }
  std::uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | u8() << 8); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u16() | std::uint32_t{u16()} << 16); }
  /// A value in [0, n), n > 0.
  std::uint32_t below(std::uint32_t n) { return u32() % n; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

/// A capacity that often sits on either side of the bitmap's boundaries (512 bits a block, 64
/// blocks a summary word, 64 words above that).
inline std::uint32_t pick_capacity(Input& in, std::uint32_t max) {
  static constexpr std::uint32_t edges[] = {1,      2,      63,      64,      65,     511,   512,
                                            513,    1023,   1024,    32767,   32768,  32769, 262143,
                                            262144, 262145, 2097151, 2097152, 2097153};
  const std::uint8_t how = in.u8();
  std::uint32_t cap = how < 192 ? edges[how % (sizeof edges / sizeof edges[0])] : 1 + in.below(4096);
  return cap > max ? max : cap;
}

/// Reports a mismatch with the model and stops: libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what, unsigned long long a = 0, unsigned long long b = 0) {
  std::fprintf(stderr, "hislab fuzz: %s (%llu vs %llu)\n", what, a, b);
  std::abort();
}
#define HISLAB_FUZZ_CHECK(cond, ...)                                    \
  do {                                                                  \
    if (!(cond)) ::hislab_fuzz::fail(#cond __VA_OPT__(, ) __VA_ARGS__); \
  } while (false)

}  // namespace hislab_fuzz
