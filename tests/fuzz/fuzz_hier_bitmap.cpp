// HierBitmap against a std::vector<bool>: every public operation, check_invariants() after each.
#include <hislab/hier_bitmap.hpp>

#include <bit>
#include <cstdint>
#include <vector>

#include "fuzz_input.hpp"

using hislab::npos;

namespace {
/// The reference: plain 64-bit words, scanned.
struct Model {
  std::uint32_t cap;
  std::vector<std::uint64_t> w;
  std::uint32_t count = 0;
  explicit Model(std::uint32_t c) : cap(c), w((c + 63) / 64, 0) {}
  bool test(std::uint32_t i) const { return i < cap && ((w[i / 64] >> (i % 64)) & 1) != 0; }
  void put(std::uint32_t i, bool v) {
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    w[i / 64] = v ? w[i / 64] | bit : w[i / 64] & ~bit;
  }
  std::uint32_t first_unset() const {
    for (std::size_t k = 0; k < w.size(); ++k)
      if (~w[k] != 0) {
        const std::uint32_t i = static_cast<std::uint32_t>(k * 64 + std::countr_one(w[k]));
        return i < cap ? i : npos;
      }
    return npos;
  }
  std::uint32_t next_set(std::uint32_t from) const {
    for (std::size_t k = from / 64; k < w.size(); ++k) {
      const std::uint64_t bits = k == from / 64 ? w[k] & (~std::uint64_t{0} << (from % 64)) : w[k];
      if (bits != 0) return static_cast<std::uint32_t>(k * 64 + std::countr_zero(bits));
    }
    return npos;
  }
  std::uint32_t select(std::uint32_t r) const {
    for (std::size_t k = 0; k < w.size(); ++k) {
      const auto c = static_cast<std::uint32_t>(std::popcount(w[k]));
      if (r < c) {
        std::uint64_t bits = w[k];
        for (; r != 0; --r) bits &= bits - 1;
        return static_cast<std::uint32_t>(k * 64 + std::countr_zero(bits));
      }
      r -= c;
    }
    return npos;
  }
  void clear() {
    w.assign(w.size(), 0);
    count = 0;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hislab_fuzz::Input in(data, size);
  const std::uint32_t cap = hislab_fuzz::pick_capacity(in, 1u << 18);  // the model is linear
  hislab::HierBitmap h(cap);
  Model m(cap);
  // Operations cluster near a moving base, so that blocks fill and empty.
  std::uint32_t base = 0;
  for (int op = 0; op < 2000 && !in.done(); ++op) {
    const std::uint8_t kind = in.u8() % 10;
    const std::uint32_t i = (base + in.below(1100)) % (cap + 2);  // sometimes past the end
    switch (kind) {
      case 0:
      case 1: {
        const bool want = i < cap && !m.test(i);
        HISLAB_FUZZ_CHECK(h.set(i) == want, i);
        if (want) m.put(i, true), ++m.count;
        break;
      }
      case 2:
      case 3: {
        const bool want = m.test(i);
        HISLAB_FUZZ_CHECK(h.reset(i) == want, i);
        if (want) m.put(i, false), --m.count;
        break;
      }
      case 4: {
        const std::uint32_t want = m.first_unset();
        HISLAB_FUZZ_CHECK(h.set_first_unset() == want, want);
        if (want != npos) m.put(want, true), ++m.count;
        break;
      }
      case 5: {  // fill a run
        for (std::uint32_t k = i; k < cap && k < i + 600; ++k)
          if (h.set(k)) m.put(k, true), ++m.count;
        break;
      }
      case 6:
        HISLAB_FUZZ_CHECK(h.find_next_set(i) == m.next_set(i), i);
        HISLAB_FUZZ_CHECK(h.test(i) == m.test(i), i);
        break;
      case 7: {
        const std::uint32_t k = m.count == 0 ? 0 : in.below(m.count + 2);
        HISLAB_FUZZ_CHECK(h.select(k) == m.select(k), k);
        std::uint32_t ranks[40], got[40];
        for (auto& r : ranks) r = in.below(m.count + 2);
        h.select_many(ranks, 40, got);
        for (int r = 0; r < 40; ++r) HISLAB_FUZZ_CHECK(got[r] == m.select(ranks[r]), ranks[r]);
        break;
      }
      case 8:
        base = in.below(cap);
        break;
      default:
        if (in.u8() < 8) {
          h.clear();
          m.clear();
        } else if (in.u8() < 16) {
          hislab::HierBitmap moved(std::move(h));
          h = std::move(moved);
        }
        break;
    }
    HISLAB_FUZZ_CHECK(h.count() == m.count, h.count(), m.count);
    HISLAB_FUZZ_CHECK(h.find_first_unset() == m.first_unset());
    if (const char* why = h.check_invariants()) hislab_fuzz::fail(why);
  }
  std::uint32_t visited = 0;
  h.for_each_set([&](std::uint32_t k) {
    HISLAB_FUZZ_CHECK(m.test(k), k);
    ++visited;
  });
  HISLAB_FUZZ_CHECK(visited == m.count, visited, m.count);
  return 0;
}
