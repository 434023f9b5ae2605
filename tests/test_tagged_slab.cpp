// TaggedHiSlab<T>: SPEC section 4, and a model test that includes tag / untag / retain_tag.
#include <hislab/tagged_slab.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <ranges>
#include <set>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"

using hislab::index_type;
using hislab::npos;
using hislab::TaggedHiSlab;
using hislab_test::Counted;

static_assert(std::ranges::view<TaggedHiSlab<int>::tagged_view>);
static_assert(std::ranges::forward_range<TaggedHiSlab<int>::tagged_view>);
static_assert(std::ranges::view<TaggedHiSlab<int>::const_tagged_view>);
static_assert(std::ranges::forward_range<TaggedHiSlab<int>>);
static_assert(std::forward_iterator<TaggedHiSlab<int>::tagged_iterator>);
static_assert(
    std::same_as<std::iter_reference_t<TaggedHiSlab<int>::const_tagged_iterator>, hislab::Entry<const int>>);
static_assert(!std::is_copy_constructible_v<TaggedHiSlab<std::unique_ptr<int>>>);
static_assert(std::is_nothrow_move_constructible_v<TaggedHiSlab<int>>);

TEST_CASE("TaggedHiSlab: tag, untag, is_tagged, count_tagged, bad indices", "[tagged]") {
  TaggedHiSlab<std::string> s(0, 100);
  const auto a = s.insert("a");
  const auto b = s.insert_tagged("b");
  const auto c = s.emplace_tagged(2, 'c');
  REQUIRE(s[c] == "cc");
  REQUIRE_FALSE(s.is_tagged(a));
  REQUIRE(s.is_tagged(b));
  REQUIRE(s.count_tagged() == 2);
  REQUIRE(s.tag(a));
  REQUIRE_FALSE(s.tag(a));  // already tagged
  REQUIRE(s.count_tagged() == 3);
  REQUIRE(s.untag(a));
  REQUIRE_FALSE(s.untag(a));  // not tagged any more
  for (index_type bad : {index_type{50}, index_type{100}, index_type{1000}, npos}) {
    REQUIRE_FALSE(s.tag(bad));
    REQUIRE_FALSE(s.untag(bad));
    REQUIRE_FALSE(s.is_tagged(bad));
  }
  REQUIRE(s.count_tagged() == 2);
  // Freeing a slot clears its tag, whichever way it is freed.
  REQUIRE(s.erase(b));
  REQUIRE_FALSE(s.is_tagged(b));
  REQUIRE(s.insert("b2") == b);
  REQUIRE_FALSE(s.is_tagged(b));
  REQUIRE(s.remove(c));
  REQUIRE(s.count_tagged() == 0);
  s.tag(a);
  s.tag(b);
  s.retain([](index_type i, std::string&) { return i != 0; });
  REQUIRE(s.count_tagged() == 1);
  s.drain([](index_type, std::string&&) {});
  REQUIRE(s.count_tagged() == 0);
  s.insert_tagged("x");
  s.clear();
  REQUIRE(s.count_tagged() == 0);
  REQUIRE(s.tagged().empty());
  // insert into a full tagged slab: nothing is tagged, nothing constructed
  TaggedHiSlab<int> f(0, 1);
  f.insert_tagged(1);
  REQUIRE_THROWS_AS(f.insert_tagged(2), hislab::CapacityError);
  REQUIRE_THROWS_AS(f.emplace_tagged(2), hislab::CapacityError);
  REQUIRE(f.count_tagged() == 1);
}

TEST_CASE("TaggedHiSlab: tagged() view, for_each_tagged, retain_tagged, retain_tag", "[tagged]") {
  TaggedHiSlab<int> s(0, 5000);
  std::vector<index_type> want;
  for (int i = 0; i < 5000; ++i) {
    if (i % 97 == 5 || (i >= 2048 && i < 2100)) {
      s.insert_tagged(i);
      want.push_back(static_cast<index_type>(i));
    } else {
      s.insert(i);
    }
  }
  std::vector<index_type> got;
  for (auto [i, v] : s.tagged()) {
    REQUIRE(v == static_cast<int>(i));
    v += 1;
    got.push_back(i);
  }
  REQUIRE(got == want);
  got.clear();
  const auto& cs = s;
  for (auto [i, v] : cs.tagged()) {
    REQUIRE(v == static_cast<int>(i) + 1);
    got.push_back(i);
  }
  REQUIRE(got == want);
  REQUIRE(static_cast<std::size_t>(std::ranges::distance(s.tagged())) == want.size());
  got.clear();
  s.for_each_tagged([&](index_type i, int& v) {
    v -= 1;
    got.push_back(i);
  });
  REQUIRE(got == want);
  got.clear();
  cs.for_each_tagged([&](index_type i, const int&) { got.push_back(i); });
  REQUIRE(got == want);

  // retain_tag: untag odd values, keep them; the predicate sees tagged elements only.
  std::vector<index_type> seen;
  const auto untagged = s.retain_tag([&](index_type i, int& v) {
    seen.push_back(i);
    return v % 2 == 0;
  });
  REQUIRE(seen == want);
  const auto odd =
      static_cast<hislab::size_type>(std::ranges::count_if(want, [](index_type i) { return i % 2 == 1; }));
  REQUIRE(untagged == odd);
  REQUIRE(s.size() == 5000);
  REQUIRE(s.count_tagged() == want.size() - odd);
  // retain_tagged: remove tagged elements >= 2060.
  seen.clear();
  const auto removed = s.retain_tagged([&](index_type i, int&) {
    seen.push_back(i);
    return i < 2060;
  });
  REQUIRE(std::ranges::is_sorted(seen));
  REQUIRE(seen.size() == want.size() - odd);
  for (index_type i : seen) REQUIRE(s.contains(i) == (i < 2060));
  REQUIRE(s.size() == 5000 - removed);
  for (auto [i, v] : s.tagged()) REQUIRE(i < 2060);
}

TEST_CASE("TaggedHiSlab: copy keeps tags; move and swap carry them", "[tagged]") {
  TaggedHiSlab<std::string> s(0, 1000);
  for (int i = 0; i < 700; ++i) (i % 3 ? s.insert(std::to_string(i)) : s.insert_tagged(std::to_string(i)));
  TaggedHiSlab<std::string> c(s);
  REQUIRE(c.count_tagged() == s.count_tagged());
  REQUIRE(std::ranges::equal(c.tagged(), s.tagged(),
                             [](auto a, auto b) { return a.index == b.index && a.value == b.value; }));
  c.untag(0);
  REQUIRE(s.is_tagged(0));  // deep copy
  TaggedHiSlab<std::string> m(std::move(c));
  REQUIRE(m.count_tagged() == s.count_tagged() - 1);
  REQUIRE(c.capacity() == 0);  // NOLINT(bugprone-use-after-move)
  REQUIRE(c.count_tagged() == 0);
  REQUIRE(c.tagged().empty());
  REQUIRE_FALSE(c.tag(0));
  TaggedHiSlab<std::string> d(0, 5);
  d = s;
  REQUIRE(d.capacity() == 1000);
  REQUIRE(d.count_tagged() == s.count_tagged());
  swap(d, m);
  REQUIRE(d.count_tagged() == s.count_tagged() - 1);
  std::error_code ec;
  auto t = TaggedHiSlab<int>::try_create(hislab::Options{0, 64}, ec);
  REQUIRE(t);
  REQUIRE(t->insert_tagged(3) == 0);
  REQUIRE_FALSE(TaggedHiSlab<int>::try_create(hislab::Options{65, 64}, ec));
  REQUIRE(ec == std::errc::invalid_argument);
  REQUIRE_THROWS_AS(TaggedHiSlab<int>(0, 0), std::invalid_argument);
}

TEST_CASE("TaggedHiSlab model test with tag / untag / retain_tag", "[tagged][model]") {
  for (std::uint32_t cap : {64u, 513u, 3000u}) {
    const std::uint32_t seed = 900 + cap;
    INFO("capacity " << cap << ", seed " << seed);
    std::mt19937 rng(seed);
    Counted::reset();
    {
      TaggedHiSlab<Counted> s(0, cap);
      std::map<index_type, int> live;
      std::set<index_type> tagged;
      for (int op = 0; op < 150000; ++op) {
        const auto i = static_cast<index_type>(rng() % (cap + 2));
        const unsigned r = rng() % 100;
        if (r < 35) {
          const int v = static_cast<int>(rng() % 1000);
          const bool t = rng() % 2;
          const auto got = s.try_emplace(v);
          if (got) {
            live.emplace(*got, v);
            if (t) REQUIRE(s.tag(*got) == tagged.insert(*got).second);
          } else {
            REQUIRE(live.size() == cap);
          }
        } else if (r < 55) {
          REQUIRE(s.erase(i) == (live.erase(i) == 1));
          tagged.erase(i);
        } else if (r < 70) {
          const bool want = live.count(i) && !tagged.count(i);
          REQUIRE(s.tag(i) == want);
          if (want) tagged.insert(i);
        } else if (r < 82) {
          REQUIRE(s.untag(i) == (tagged.erase(i) == 1));
        } else if (r < 85) {
          const int mod = static_cast<int>(rng() % 4) + 2;
          hislab::size_type want = 0;
          for (auto it = tagged.begin(); it != tagged.end();)
            if (live[*it] % mod == 0) {
              it = tagged.erase(it);
              ++want;
            } else {
              ++it;
            }
          REQUIRE(s.retain_tag([&](index_type, Counted& c) { return c.value % mod != 0; }) == want);
        } else if (r < 87) {
          const int mod = static_cast<int>(rng() % 4) + 2;
          hislab::size_type want = 0;
          for (auto it = tagged.begin(); it != tagged.end();)
            if (live[*it] % mod == 0) {
              live.erase(*it);
              it = tagged.erase(it);
              ++want;
            } else {
              ++it;
            }
          REQUIRE(s.retain_tagged([&](index_type, Counted& c) { return c.value % mod != 0; }) == want);
        } else if (r < 88) {
          const int mod = static_cast<int>(rng() % 4) + 2;
          for (auto it = live.begin(); it != live.end();)
            if (it->second % mod == 0) {
              tagged.erase(it->first);
              it = live.erase(it);
            } else {
              ++it;
            }
          s.retain([&](index_type, Counted& c) { return c.value % mod != 0; });
        } else {
          auto it = tagged.begin();
          for (auto [k, v] : s.tagged()) {
            REQUIRE(it != tagged.end());
            REQUIRE(k == *it);
            REQUIRE(v.value == live[k]);
            ++it;
          }
          REQUIRE(it == tagged.end());
        }
        REQUIRE(s.size() == live.size());
        REQUIRE(s.count_tagged() == tagged.size());
        REQUIRE(s.is_tagged(i) == (tagged.count(i) == 1));
        REQUIRE(s.check_invariants() == nullptr);
      }
    }
    REQUIRE(Counted::live == 0);
  }
}

TEST_CASE("TaggedHiSlab: tagged() is a borrowed range", "[tagged]") {
  hislab::TaggedHiSlab<int> book;
  book.emplace_tagged(5);
  book.emplace_tagged(7);
  static_assert(std::ranges::borrowed_range<decltype(book.tagged())>);
  static_assert(std::ranges::borrowed_range<decltype(std::as_const(book).tagged())>);
  auto it = std::ranges::find_if(book.tagged(), [](auto e) { return e.value == 7; });
  static_assert(!std::is_same_v<decltype(it), std::ranges::dangling>);
  REQUIRE(it->index == 1);
  REQUIRE(it->value == 7);
}
