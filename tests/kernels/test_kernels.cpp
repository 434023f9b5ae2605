// Every function of the compiled BitBlock kernel against the scalar oracle on random blocks,
// and a check that the build compiled the kernel family it meant to test.
#include <hislab/hier_bitmap.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "../support/catch.hpp"

using hislab::detail::BitBlock;
using hislab::detail::BitBlockScalar;
using hislab::detail::Block512;

namespace {

Block512 random_block(std::mt19937_64& rng, int density) {
  Block512 b{};
  for (auto& w : b.w) {
    switch (density) {
      case 0:
        w = 0;
        break;
      case 1:
        w = ~std::uint64_t{0};
        break;
      case 2:
        w = rng() & rng() & rng();
        break;  // sparse
      case 3:
        w = rng() | rng() | rng();
        break;  // dense
      case 4:
        w = (rng() % 4 == 0) ? rng() : (rng() % 2 ? 0 : ~std::uint64_t{0});
        break;
      default:
        w = rng();
        break;
    }
  }
  if (density >= 2 && rng() % 5 == 0) b.w[rng() % 8] = 0;
  if (density >= 2 && rng() % 5 == 0) b.w[rng() % 8] = ~std::uint64_t{0};
  if (density >= 2 && rng() % 7 == 0) b.w[rng() % 8] = std::uint64_t{1} << (rng() % 64);
  return b;
}

}  // namespace

TEST_CASE("compiled BitBlock kernel matches the scalar oracle", "[kernels]") {
  const std::uint64_t seed = 20261121;
  INFO("seed " << seed << ", kernel " << BitBlock::name);
  std::mt19937_64 rng(seed);
  for (int iter = 0; iter < 200000; ++iter) {
    const Block512 b = random_block(rng, iter % 6);
    REQUIRE(BitBlock::find_first_unset(b) == BitBlockScalar::find_first_unset(b));
    const auto from = static_cast<unsigned>(rng() % 512);
    REQUIRE(BitBlock::find_next_set(b, from) == BitBlockScalar::find_next_set(b, from));
    unsigned pc = 0;
    for (const std::uint64_t w : b.w) pc += static_cast<unsigned>(std::popcount(w));
    if (pc != 0) {
      const auto k = static_cast<unsigned>(rng() % pc);
      REQUIRE(BitBlock::select(b, k) == BitBlockScalar::select(b, k));
    }
    // A rank past the population is refused the same way by both.
    REQUIRE(BitBlock::select(b, pc) == hislab::detail::block_bits);
    REQUIRE(BitBlockScalar::select(b, pc) == hislab::detail::block_bits);
  }
}

TEST_CASE("scalar oracle agrees with a bit-by-bit reading", "[kernels]") {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    const Block512 b = random_block(rng, iter % 6);
    auto bit = [&](unsigned i) { return ((b.w[i / 64] >> (i % 64)) & 1u) != 0; };
    unsigned first_unset = 512;
    for (unsigned i = 0; i < 512; ++i)
      if (!bit(i) && first_unset == 512) first_unset = i;
    REQUIRE(BitBlockScalar::find_first_unset(b) == first_unset);
    unsigned k = 0;
    for (unsigned i = 0; i < 512; ++i) {
      unsigned next = i;
      while (next < 512 && !bit(next)) ++next;
      REQUIRE(BitBlockScalar::find_next_set(b, i) == next);
      if (bit(i)) REQUIRE(BitBlockScalar::select(b, k++) == i);
    }
  }
}

namespace {

/// The counts of one summary group, drawn so that zeros, runs of zeros, maxima and ordinary
/// values all occur: the first `used` of 64 no larger than `max`, the rest 0 (padding).
template <class C>
std::array<C, 64> random_counts(std::mt19937_64& rng, std::uint32_t max, unsigned used) {
  alignas(64) std::array<C, 64> c{};
  const auto shape = rng() % 5;
  for (unsigned i = 0; i < used; ++i) {
    auto& x = c[i];
    const auto r = rng();
    if (shape == 0)
      x = static_cast<C>(r % 2 ? 0 : max);
    else if (shape == 1)
      x = static_cast<C>(r % 8 == 0 ? r % (max + 1) : 0);  // mostly empty
    else
      x = static_cast<C>(r % (max + 1));
  }
  if (rng() % 3 == 0) c[rng() % used] = static_cast<C>(max);
  if (rng() % 3 == 0) c[0] = 0;
  if (rng() % 3 == 0) c[used - 1] = 0;
  return c;
}

/// The child holding rank k and the rank inside it, by a plain linear scan.
template <class C>
std::pair<unsigned, std::uint32_t> linear_pick(const std::array<C, 64>& c, std::uint32_t k) {
  unsigned i = 0;
  while (k >= c[i]) k -= c[i++];
  return {i, k};
}

template <class C>
void check_pick_of_64(std::uint32_t max, unsigned used, std::uint64_t seed) {
  INFO("seed " << seed << ", kernel " << BitBlock::name << ", max " << max << ", used " << used);
  std::mt19937_64 rng(seed);
  for (int iter = 0; iter < 3000; ++iter) {
    alignas(64) const std::array<C, 64> c = random_counts<C>(rng, max, used);
    std::uint64_t total = 0;
    for (auto x : c) total += x;
    if (total == 0) continue;
    // Every boundary between children, its neighbours, and random ranks.
    std::vector<std::uint32_t> ks;
    std::uint64_t before = 0;
    for (auto x : c) {
      for (std::uint64_t d : {before, before + 1, before + x - 1})
        if (d < total && x != 0) ks.push_back(static_cast<std::uint32_t>(d));
      before += x;
    }
    for (int r = 0; r < 16; ++r) ks.push_back(static_cast<std::uint32_t>(rng() % total));
    for (const std::uint32_t k : ks) {
      const auto [child, inside] = linear_pick(c, k);
      std::uint32_t r1 = k, r2 = k;
      REQUIRE(BitBlock::pick_of_64(c.data(), r1) == child);
      REQUIRE(r1 == inside);
      REQUIRE(BitBlockScalar::pick_of_64(c.data(), r2) == child);
      REQUIRE(r2 == inside);
    }
  }
}

}  // namespace

TEST_CASE("pick_of_64 finds the child of a rank among 64 counts, as a linear scan does", "[kernels]") {
  // The largest values each level can hold: a block has 512 bits; a level-l count covers 64^l
  // blocks; a 2^32-bit bitmap has 32 top-level counts of up to 2^27.
  SECTION("16-bit block counts") { check_pick_of_64<std::uint16_t>(512, 64, 41); }
  SECTION("a partial last group") { check_pick_of_64<std::uint16_t>(512, 5, 44); }
  SECTION("32-bit level-1 counts") { check_pick_of_64<std::uint32_t>(512 * 64, 64, 42); }
  SECTION("32-bit level-2 counts") { check_pick_of_64<std::uint32_t>(512 * 64 * 64, 64, 45); }
  SECTION("32-bit top-level counts of a 2^32-bit bitmap") {
    check_pick_of_64<std::uint32_t>(512u * 64 * 64 * 64 - 1, 32, 43);
  }
}

TEST_CASE("pick_of_8 past the sum answers 8 and passes over everything", "[kernels]") {
  const std::uint32_t c[8] = {3, 0, 5, 512, 0, 0, 7, 1};
  std::uint32_t k = 528;  // the sum
  REQUIRE(hislab::detail::pick_of_8(c, k) == 8);
  REQUIRE(k == 0);
  k = 527;
  REQUIRE(hislab::detail::pick_of_8(c, k) == 7);
  REQUIRE(k == 0);
  k = 8;
  REQUIRE(hislab::detail::pick_of_8(c, k) == 3);
  REQUIRE(k == 0);
}

TEST_CASE("select_in_word: BMI2 path and portable path agree", "[kernels]") {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 100000; ++iter) {
    const std::uint64_t w = rng() & (iter % 2 ? rng() : ~std::uint64_t{0});
    if (w == 0) continue;
    const auto k = static_cast<unsigned>(rng() % static_cast<unsigned>(std::popcount(w)));
    REQUIRE(hislab::detail::select_in_word(w, k) == hislab::detail::select_in_word_portable(w, k));
  }
}

TEST_CASE("simd_backend names the family this build meant to test", "[kernels]") {
  REQUIRE(hislab::simd_backend == std::string_view(BitBlock::name));
#ifdef HISLAB_TEST_EXPECT_BACKEND
  REQUIRE(hislab::simd_backend == std::string_view(HISLAB_TEST_EXPECT_BACKEND));
#endif
}
