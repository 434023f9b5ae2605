// Every function of the compiled BitBlock kernel against the scalar oracle on random blocks,
// and a check that the build compiled the kernel family it meant to test.
#include <hislab/hier_bitmap.hpp>

#include <bit>
#include <random>
#include <string_view>

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
    REQUIRE(BitBlock::all_zero(b) == BitBlockScalar::all_zero(b));
    REQUIRE(BitBlock::all_ones(b) == BitBlockScalar::all_ones(b));
    REQUIRE(BitBlock::find_first_zero(b) == BitBlockScalar::find_first_zero(b));
    REQUIRE(BitBlock::popcount(b) == BitBlockScalar::popcount(b));
    const auto from = static_cast<unsigned>(rng() % 512);
    REQUIRE(BitBlock::find_next_one(b, from) == BitBlockScalar::find_next_one(b, from));
    const auto pos = static_cast<unsigned>(rng() % 513);
    REQUIRE(BitBlock::rank(b, pos) == BitBlockScalar::rank(b, pos));
    const unsigned pc = BitBlockScalar::popcount(b);
    if (pc != 0) {
      const auto k = static_cast<unsigned>(rng() % pc);
      REQUIRE(BitBlock::select(b, k) == BitBlockScalar::select(b, k));
    }
  }
}

TEST_CASE("scalar oracle agrees with a bit-by-bit reading", "[kernels]") {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    const Block512 b = random_block(rng, iter % 6);
    auto bit = [&](unsigned i) { return ((b.w[i / 64] >> (i % 64)) & 1u) != 0; };
    unsigned first_zero = 512, count = 0;
    for (unsigned i = 0; i < 512; ++i) {
      if (!bit(i) && first_zero == 512) first_zero = i;
      count += bit(i);
    }
    REQUIRE(BitBlockScalar::find_first_zero(b) == first_zero);
    REQUIRE(BitBlockScalar::popcount(b) == count);
    REQUIRE(BitBlockScalar::all_zero(b) == (count == 0));
    REQUIRE(BitBlockScalar::all_ones(b) == (count == 512));
    unsigned k = 0;
    for (unsigned i = 0; i < 512; ++i) {
      REQUIRE(BitBlockScalar::rank(b, i) == k);
      unsigned next = i;
      while (next < 512 && !bit(next)) ++next;
      REQUIRE(BitBlockScalar::find_next_one(b, i) == next);
      if (bit(i)) REQUIRE(BitBlockScalar::select(b, k++) == i);
    }
  }
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
