// Random sampling: exact uniformity (chi-square with fixed seeds and a margin that cannot
// flake), determinism, edge cases, for occupied slots (HiSlab, TaggedHiSlab) and tagged ones.
#include <hislab/hislab.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <map>
#include <new>
#include <random>
#include <set>
#include <vector>

#include "support/catch.hpp"

using hislab::HiSlab;
using hislab::index_type;
using hislab::TaggedHiSlab;

// Every sampling function promises no heap allocation: this binary counts them.
namespace {
// volatile: clang assumes the replaceable operator new touches no memory of ours and would
// otherwise reuse a count read before an allocation.
thread_local volatile long heap_allocations = 0;
int* volatile allocation_sink = nullptr;  // where a test's allocation escapes to
}  // namespace
// Not inlined: GCC 12 would otherwise pair the malloc and free it sees inside them with the
// operator new and delete of the callers and warn of a mismatch.
[[gnu::noinline]] void* operator new(std::size_t bytes) {
  heap_allocations = heap_allocations + 1;
  if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
#if HISLAB_TEST_EXCEPTIONS
  throw std::bad_alloc();
#else
  std::abort();
#endif
}
// The nothrow forms too (Catch2 uses them), so that every form's delete frees what it allocated.
[[gnu::noinline]] void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  heap_allocations = heap_allocations + 1;
  return std::malloc(bytes == 0 ? 1 : bytes);
}
[[gnu::noinline]] void* operator new[](std::size_t bytes, const std::nothrow_t& tag) noexcept {
  return operator new(bytes, tag);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

/// Pearson's statistic for observed counts against a uniform expectation.
double chi_square(const std::map<index_type, long>& counts, std::size_t cells, long total) {
  const double expected = static_cast<double>(total) / static_cast<double>(cells);
  double x2 = 0;
  std::size_t seen = 0;
  for (auto [k, c] : counts) {
    x2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
    ++seen;
  }
  x2 += static_cast<double>(cells - seen) * expected;  // cells never drawn
  return x2;
}

/// Mean + 6 standard deviations of chi-square(dof): p < 1e-8 for a uniform sampler; a sampler
/// that favours sparse blocks (uniform over blocks, then within a block) lands far above it.
double threshold(std::size_t cells) {
  const double dof = static_cast<double>(cells - 1);
  return dof + 6.0 * std::sqrt(2.0 * dof);
}

/// A fragmented slab: dense blocks, nearly empty blocks, and holes inside blocks.
template <class Slab>
std::vector<index_type> fragment(Slab& s) {
  for (std::uint32_t i = 0; i < 20000; ++i) s.insert(static_cast<int>(i));
  std::mt19937 rng(99);
  for (index_type i = 0; i < 20000; ++i) {
    const index_type block = i / 512;
    const bool keep = block % 4 == 0   ? true
                      : block % 4 == 1 ? (i % 97 == 0)
                      : block % 4 == 2 ? (rng() % 3 == 0)
                                       : false;
    if (!keep) s.erase(i);
  }
  std::vector<index_type> live;
  for (auto [i, v] : s) live.push_back(i);
  return live;
}

}  // namespace

TEST_CASE("random_occupied: uniform over a fragmented slab", "[sampling]") {
  HiSlab<int> s(0, 20000);
  const auto live = fragment(s);
  REQUIRE(live.size() > 3000);
  std::mt19937_64 g(1234);
  std::map<index_type, long> counts;
  const long draws = static_cast<long>(live.size()) * 200;
  for (long k = 0; k < draws; ++k) {
    auto e = s.random_occupied(g);
    REQUIRE(e);
    REQUIRE(e->value == static_cast<int>(e->index));
    ++counts[e->index];
  }
  for (auto [i, c] : counts) REQUIRE(std::binary_search(live.begin(), live.end(), i));
  const double x2 = chi_square(counts, live.size(), draws);
  INFO("chi-square " << x2 << " over " << live.size() << " cells, threshold " << threshold(live.size()));
  REQUIRE(x2 < threshold(live.size()));
  // The const overload yields Entry<const int>.
  const auto& cs = s;
  auto ce = cs.random_occupied(g);
  static_assert(std::is_same_v<decltype(ce), std::optional<hislab::Entry<const int>>>);
  REQUIRE(ce);
}

TEST_CASE("random_occupied_many: uniform, with replacement, deterministic", "[sampling]") {
  TaggedHiSlab<int> s(0, 20000);
  const auto live = fragment(s);
  std::mt19937 g(77);
  std::vector<index_type> out;
  const std::size_t draws = live.size() * 200;
  s.random_occupied_many(g, draws, std::back_inserter(out));
  REQUIRE(out.size() == draws);
  std::map<index_type, long> counts;
  for (index_type i : out) ++counts[i];
  for (auto [i, c] : counts) REQUIRE(std::binary_search(live.begin(), live.end(), i));
  REQUIRE(chi_square(counts, live.size(), static_cast<long>(draws)) < threshold(live.size()));
  std::mt19937 g1(5), g2(5);
  std::vector<index_type> a, b;
  s.random_occupied_many(g1, 1000, std::back_inserter(a));
  s.random_occupied_many(g2, 1000, std::back_inserter(b));
  REQUIRE(a == b);
  // Batched (32 at a time) or not, the same generator state gives the same indices, in order:
  // n = 70 is two batches and a remainder of 6.
  for (index_type i : live)
    if (i % 3 == 0) s.tag(i);
  std::mt19937 h1(6), h2(6);
  std::vector<index_type> batched, one_by_one;
  s.random_occupied_many(h1, 70, std::back_inserter(batched));
  for (int k = 0; k < 70; ++k) one_by_one.push_back(s.random_occupied(h2)->index);
  REQUIRE(batched == one_by_one);
  batched.clear();
  one_by_one.clear();
  s.random_tagged_many(h1, 70, std::back_inserter(batched));
  for (int k = 0; k < 70; ++k) one_by_one.push_back(s.random_tagged(h2)->index);
  REQUIRE(batched == one_by_one);
}

namespace {

/// Draws many n-subsets of a slab with `live` elements and checks that every subset of size n
/// is equally likely (the set of subsets is enumerated through a sorted-vector key).
template <class Sample>
void check_subsets_uniform(std::size_t live, std::size_t n, Sample sample) {
  std::map<std::vector<index_type>, long> counts;
  double subsets = 1;
  for (std::size_t k = 0; k < n; ++k)
    subsets = subsets * static_cast<double>(live - k) / static_cast<double>(k + 1);
  const long draws = static_cast<long>(subsets) * 300;
  for (long d = 0; d < draws; ++d) {
    std::vector<index_type> got = sample();
    REQUIRE(got.size() == n);
    std::sort(got.begin(), got.end());
    REQUIRE(std::adjacent_find(got.begin(), got.end()) == got.end());  // distinct
    ++counts[got];
  }
  REQUIRE(counts.size() == static_cast<std::size_t>(subsets));
  const double expected = static_cast<double>(draws) / subsets;
  double x2 = 0;
  for (auto& [k, c] : counts)
    x2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
  INFO("chi-square " << x2 << " over " << subsets << " subsets");
  REQUIRE(x2 < threshold(static_cast<std::size_t>(subsets)));
}

}  // namespace

TEST_CASE("random_occupied_unique: uniform over subsets (selection and Floyd paths)", "[sampling]") {
  HiSlab<int> s(0, 5000);
  for (int i = 0; i < 3000; ++i) s.insert(i);
  std::set<index_type> keep;
  for (index_type i = 0; i < 3000; i += 97) keep.insert(i);  // 31 scattered survivors
  s.retain([&](index_type i, int&) { return keep.count(i) != 0; });
  REQUIRE(s.size() == 31);
  std::mt19937 g(2024);
  // n = 2 < 31 / 8: Floyd's algorithm over ranks.
  check_subsets_uniform(31, 2, [&] {
    std::vector<index_type> v;
    s.random_occupied_unique(g, 2, std::back_inserter(v));
    for (index_type i : v) REQUIRE(keep.count(i));
    return v;
  });
  // n = 5 >= 31 / 8: selection sampling.
  HiSlab<int> small(0, 100);
  for (int i = 0; i < 60; ++i) small.insert(i);
  small.retain([](index_type i, int&) { return i % 6 == 1; });  // 10 live
  check_subsets_uniform(10, 3, [&] {
    std::vector<index_type> v;
    small.random_occupied_unique(g, 3, std::back_inserter(v));
    for (index_type i : v) REQUIRE(i % 6 == 1);
    return v;
  });
}

TEST_CASE("random_occupied_unique: large n splits the range and stays uniform per element", "[sampling]") {
  HiSlab<int> s(0, 50000);
  const auto live = fragment(s);
  const std::size_t n = 200;  // > 64 and < size / 8: halving, then Floyd in each part
  REQUIRE(n < live.size() / 8);
  std::mt19937 g(31337);
  std::map<index_type, long> counts;
  const int rounds = 2000;
  for (int r = 0; r < rounds; ++r) {
    std::vector<index_type> v;
    s.random_occupied_unique(g, n, std::back_inserter(v));
    REQUIRE(v.size() == n);
    std::sort(v.begin(), v.end());
    REQUIRE(std::adjacent_find(v.begin(), v.end()) == v.end());
    for (index_type i : v) REQUIRE(std::binary_search(live.begin(), live.end(), i));
    for (index_type i : v) ++counts[i];
  }
  // Inclusion counts are (nearly) independent binomials with equal means.
  REQUIRE(chi_square(counts, live.size(), static_cast<long>(rounds * n)) < threshold(live.size()));
}

TEST_CASE("unique_ranks: the halving is uniform over subsets, whatever the leaf size", "[sampling]") {
  // With leaves of 1 or 2 ranks, small ranges exercise every split, the hypergeometric draw
  // and the k == size shortcut; the subsets are few enough to count each one.
  std::mt19937 g(4242);
  auto identity = [](hislab::size_type r) { return static_cast<index_type>(r); };
  auto draw = [&](auto leaf, hislab::size_type lo, hislab::size_type size, hislab::size_type k) {
    std::vector<index_type> v;
    hislab::detail::unique_ranks<decltype(leaf)::value>(g, lo, size, k, identity, std::back_inserter(v));
    for (index_type i : v) REQUIRE((i >= lo && i < lo + size));
    for (index_type& i : v) i -= lo;
    return v;
  };
  check_subsets_uniform(10, 3, [&] { return draw(std::integral_constant<std::size_t, 1>{}, 0, 10, 3); });
  check_subsets_uniform(9, 4, [&] { return draw(std::integral_constant<std::size_t, 2>{}, 100, 9, 4); });
  check_subsets_uniform(7, 6, [&] { return draw(std::integral_constant<std::size_t, 1>{}, 5, 7, 6); });
}

TEST_CASE("sampling allocates nothing", "[sampling][novalgrind]") {
  TaggedHiSlab<int> s(0, 50000);
  const auto live = fragment(s);
  for (index_type i : live)
    if (i % 2 == 0) s.tag(i);
  std::vector<index_type> out(4000);
  std::mt19937_64 g(8);
  REQUIRE(s.size() / 8 > 500);          // n = 500: sparse over the occupied slots
  REQUIRE(s.count_tagged() / 8 < 500);  // and dense over the tagged ones
  // Catch2 may allocate in an assertion: the results are checked after the counted region.
  bool ok = true;
  const long before = heap_allocations;
  for (int round = 0; round < 20; ++round) {
    ok &= s.random_occupied(g).has_value();
    ok &= s.random_tagged(g).has_value();
    ok &= s.random_occupied_many(g, 4000, out.data()) == out.data() + 4000;
    ok &= s.random_tagged_many(g, 4000, out.data()) == out.data() + 4000;
    // Sparse (Floyd in a stack array, and halving beyond 64) and dense (selection) requests.
    for (std::size_t n : {10, 64, 65, 500, 4000}) {
      ok &= s.random_occupied_unique(g, n, out.data()) == out.data() + n;
      ok &=
          s.random_tagged_unique(g, n, out.data()) == out.data() + std::min(n, std::size_t{s.count_tagged()});
    }
  }
  const long after = heap_allocations;
  REQUIRE(ok);
  REQUIRE(after == before);
  // The counter does count: this vector is one allocation (its address escapes, so that the
  // compiler may not elide it, as clang does for an unused one).
  const long mark = heap_allocations;
  std::vector<int> one(3);
  allocation_sink = one.data();
  const long counted = heap_allocations - mark;
  REQUIRE(counted == 1);
}

TEST_CASE("sampling edge cases: empty, n >= size, n == 0, determinism", "[sampling]") {
  HiSlab<int> s(0, 100);
  std::mt19937 g(1);
  REQUIRE_FALSE(s.random_occupied(g));
  std::vector<index_type> out;
  s.random_occupied_many(g, 10, std::back_inserter(out));
  s.random_occupied_unique(g, 10, std::back_inserter(out));
  REQUIRE(out.empty());
  REQUIRE(s.count_occupied() == 0);
  for (int i = 0; i < 7; ++i) s.insert(i);
  s.erase(3);
  REQUIRE(s.count_occupied() == 6);
  s.random_occupied_unique(g, 1000, std::back_inserter(out));  // ends, returns all of them
  REQUIRE(out == std::vector<index_type>{0, 1, 2, 4, 5, 6});
  out.clear();
  s.random_occupied_unique(g, 0, std::back_inserter(out));
  s.random_occupied_many(g, 0, std::back_inserter(out));
  REQUIRE(out.empty());
  std::mt19937 g1(9), g2(9);
  std::vector<index_type> a, b;
  s.random_occupied_unique(g1, 3, std::back_inserter(a));
  s.random_occupied_unique(g2, 3, std::back_inserter(b));
  REQUIRE(a == b);
  REQUIRE(s.random_occupied(g1)->index == s.random_occupied(g2)->index);
  // A held index is never sampled.
  HiSlab<int> h(0, 4);
  h.insert(0);
  auto e = h.vacant_entry();  // index 1
  h.insert(2);
  for (int k = 0; k < 200; ++k) REQUIRE(h.random_occupied(g)->index != 1);
  std::vector<index_type> drawn;
  h.random_occupied_many(g, 200, std::back_inserter(drawn));
  REQUIRE(drawn.size() == 200);
  REQUIRE(std::count(drawn.begin(), drawn.end(), 0u) + std::count(drawn.begin(), drawn.end(), 2u) == 200);
  std::vector<index_type> all;
  h.random_occupied_unique(g, 5, std::back_inserter(all));
  REQUIRE(all == std::vector<index_type>{0, 2});
}

TEST_CASE("random_tagged*: uniform over a fragmented tagged subset", "[sampling][tagged]") {
  TaggedHiSlab<int> s(0, 20000);
  const auto live = fragment(s);
  std::vector<index_type> tagged;
  for (index_type i : live)
    if (i % 3 != 0 || i < 2000) {
      s.tag(i);
      tagged.push_back(i);
    }
  REQUIRE(s.count_tagged() == tagged.size());
  std::mt19937_64 g(555);
  std::map<index_type, long> counts;
  const long draws = static_cast<long>(tagged.size()) * 200;
  for (long k = 0; k < draws; ++k) {
    auto e = s.random_tagged(g);
    REQUIRE(e);
    ++counts[e->index];
  }
  for (auto [i, c] : counts) REQUIRE(s.is_tagged(i));
  REQUIRE(chi_square(counts, tagged.size(), draws) < threshold(tagged.size()));

  std::vector<index_type> many;
  s.random_tagged_many(g, 5000, std::back_inserter(many));
  REQUIRE(many.size() == 5000);
  for (index_type i : many) REQUIRE(s.is_tagged(i));

  std::vector<index_type> uniq;
  s.random_tagged_unique(g, 50, std::back_inserter(uniq));
  REQUIRE(uniq.size() == 50);
  std::sort(uniq.begin(), uniq.end());
  REQUIRE(std::adjacent_find(uniq.begin(), uniq.end()) == uniq.end());
  for (index_type i : uniq) REQUIRE(s.is_tagged(i));
  uniq.clear();
  s.random_tagged_unique(g, 1u << 30, std::back_inserter(uniq));
  REQUIRE(uniq == tagged);
  // Deterministic for a given generator state, on the halving path too (n = 100 > 64).
  REQUIRE(100 < tagged.size() / 8);
  std::mt19937_64 g1(77), g2(77);
  std::vector<index_type> u1, u2;
  s.random_tagged_unique(g1, 100, std::back_inserter(u1));
  s.random_tagged_unique(g2, 100, std::back_inserter(u2));
  REQUIRE(u1.size() == 100);
  REQUIRE(u1 == u2);

  TaggedHiSlab<int> small(0, 64);
  for (int i = 0; i < 40; ++i) small.insert(i);
  for (index_type i = 0; i < 40; i += 4) small.tag(i);  // 10 tagged
  check_subsets_uniform(10, 3, [&] {
    std::vector<index_type> v;
    small.random_tagged_unique(g, 3, std::back_inserter(v));
    for (index_type i : v) REQUIRE(i % 4 == 0);
    return v;
  });
  TaggedHiSlab<int> none(0, 10);
  none.insert(1);
  REQUIRE_FALSE(none.random_tagged(g));
  std::vector<index_type> nothing;
  none.random_tagged_many(g, 5, std::back_inserter(nothing));
  none.random_tagged_unique(g, 5, std::back_inserter(nothing));
  REQUIRE(nothing.empty());
}
