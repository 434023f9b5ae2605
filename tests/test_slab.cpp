// HiSlab<T>: the contract of SPEC sections 1 and 3, clause by clause. The clauses that do not
// name an element type run on TaggedHiSlab<T> too (SPEC 4: identical semantics).
#include <hislab/hislab.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <ranges>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/death.hpp"

using hislab::HiSlab;
using hislab::index_type;
using hislab::npos;
using hislab::Options;
using hislab::TaggedHiSlab;

static_assert(std::same_as<HiSlab<int>::value_type, int>);
static_assert(std::same_as<HiSlab<int>::size_type, std::uint32_t>);
static_assert(std::same_as<HiSlab<int>::index_type, std::uint32_t>);
static_assert(hislab::npos == 0xFFFF'FFFFu);
static_assert(std::forward_iterator<HiSlab<int>::iterator>);
static_assert(std::forward_iterator<HiSlab<int>::const_iterator>);
static_assert(std::ranges::forward_range<HiSlab<int>>);
static_assert(std::ranges::forward_range<const HiSlab<int>>);
static_assert(std::same_as<std::iter_value_t<HiSlab<int>::iterator>, hislab::Entry<int>>);
static_assert(std::same_as<std::iter_reference_t<HiSlab<int>::iterator>, hislab::Entry<int>>);
static_assert(std::same_as<std::iter_reference_t<HiSlab<int>::const_iterator>, hislab::Entry<const int>>);
static_assert(std::is_nothrow_move_constructible_v<HiSlab<int>>);
static_assert(std::is_nothrow_move_assignable_v<HiSlab<int>>);
static_assert(std::is_nothrow_swappable_v<HiSlab<int>>);
static_assert(std::is_copy_constructible_v<HiSlab<std::string>>);
static_assert(!std::is_copy_constructible_v<HiSlab<std::unique_ptr<int>>>);
static_assert(!std::is_copy_assignable_v<HiSlab<std::unique_ptr<int>>>);
static_assert(std::is_convertible_v<HiSlab<int>::iterator, HiSlab<int>::const_iterator>);
static_assert(!std::is_copy_constructible_v<HiSlab<int>::VacantEntry>);
static_assert(std::is_move_constructible_v<HiSlab<int>::VacantEntry>);
static_assert(std::is_base_of_v<std::length_error, hislab::CapacityError>);

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: construction and options", "[slab]",
                           (HiSlab, TaggedHiSlab), (int)) {
  TestType a;
  REQUIRE(a.capacity() == (1u << 20));
  REQUIRE(a.empty());
  REQUIRE(a.size() == 0);
  REQUIRE_FALSE(a.full());
  TestType b(100, 1000);
  REQUIRE(b.capacity() == 1000);
  REQUIRE(b.memory_committed() >= 100 * sizeof(int));
  TestType c(Options{0, 7, hislab::HugePages::None, false});
  REQUIRE(c.capacity() == 7);
  TestType max(0, 0xFFFF'FFFFu);
  REQUIRE(max.capacity() == 0xFFFF'FFFFu);
}

TEST_CASE("HiSlab: bad options", "[slab][errors][novalgrind]") {
  REQUIRE_THROWS_AS(HiSlab<int>(0, 0), std::invalid_argument);
  REQUIRE_THROWS_AS(HiSlab<int>(11, 10), std::invalid_argument);
  REQUIRE_THROWS_AS(HiSlab<int>(Options{0, 0}), std::invalid_argument);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  REQUIRE_FALSE(HiSlab<int>::try_create(Options{5, 4}, ec));
  REQUIRE(ec == std::errc::invalid_argument);
  auto ok = HiSlab<int>::try_create(Options{4, 5}, ec);
  REQUIRE(ok);
  REQUIRE(!ec);
  REQUIRE(ok->capacity() == 5);
  // Address space the OS cannot give: 2^32 - 1 slots of 1 MiB each.
  struct Big {
    char bytes[1 << 20];
  };
  REQUIRE_FALSE(HiSlab<Big>::try_create(Options{0, 0xFFFF'FFFFu}, ec));
  REQUIRE(ec.value() == ENOMEM);
  REQUIRE_THROWS_AS(HiSlab<Big>(0, 0xFFFF'FFFFu), std::system_error);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: smallest vacant index policy", "[slab]",
                           (HiSlab, TaggedHiSlab), (int)) {
  TestType s(0, 2000);
  for (int i = 0; i < 1500; ++i) REQUIRE(s.insert(i) == static_cast<index_type>(i));
  REQUIRE(s.erase(700));
  REQUIRE(s.erase(5));
  REQUIRE(s.erase(1200));
  REQUIRE(s.insert(-1) == 5);
  REQUIRE(s.insert(-2) == 700);
  REQUIRE(s.insert(-3) == 1200);
  REQUIRE(s.insert(-4) == 1500);
  // Empty a whole 512-block and a bit more, then refill: lowest first every time.
  for (index_type i = 512; i < 1100; ++i) REQUIRE(s.erase(i));
  for (index_type i = 512; i < 1100; ++i) REQUIRE(s.emplace(1) == i);
  REQUIRE(s.insert(0) == 1501);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: insert, emplace, try forms, full container",
                           "[slab][errors]", (HiSlab, TaggedHiSlab), (std::string)) {
  TestType s(0, 3);
  const std::string hello = "hello";
  REQUIRE(s.insert(hello) == 0);
  REQUIRE(s.emplace(3, 'x') == 1);  // parentheses: "xxx", not {3, 'x'}
  REQUIRE(s[1] == "xxx");
  REQUIRE(s.try_insert(std::string("z")) == std::optional<index_type>(2));
  REQUIRE(s.full());
  REQUIRE(s.size() == 3);
  REQUIRE_THROWS_AS(s.insert(hello), hislab::CapacityError);
  REQUIRE_THROWS_AS(s.emplace("x"), hislab::CapacityError);
  std::string keep = "keep me";
  REQUIRE_FALSE(s.try_insert(std::move(keep)));
  REQUIRE(keep == "keep me");  // a failed try_ leaves its argument untouched
  REQUIRE_FALSE(s.try_insert(keep));
  REQUIRE_FALSE(s.try_emplace(std::move(keep)));
  REQUIRE(keep == "keep me");
  REQUIRE_THROWS_AS(s.vacant_entry(), hislab::CapacityError);
  REQUIRE_FALSE(s.try_vacant_entry());
  REQUIRE(s.size() == 3);
  REQUIRE(s[0] == "hello");
  REQUIRE(s[2] == "z");
#if HISLAB_TEST_EXCEPTIONS
  try {
    s.insert(hello);
  } catch (const std::length_error& e) {  // CapacityError is a std::length_error
    REQUIRE(std::string(e.what()).find("full") != std::string::npos);
  }
#endif
}

TEST_CASE("HiSlab: aggregates are brace-initialized", "[slab]") {
  struct Agg {
    int a;
    double b;
  };
  HiSlab<Agg> s(0, 10);
  const auto i = s.emplace(1, 2.5);
  REQUIRE(s[i].a == 1);
  REQUIRE(s[i].b == 2.5);
  REQUIRE(s.try_emplace(3, 4.0));
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: access to vacant and out-of-range indices",
                           "[slab][errors]", (HiSlab, TaggedHiSlab), (int)) {
  TestType s(0, 100);
  const auto a = s.insert(10);
  const auto b = s.insert(20);
  REQUIRE(s.erase(a));
  for (index_type bad : {a, index_type{2}, index_type{99}, index_type{100}, index_type{5000}, npos}) {
    INFO("index " << bad);
    REQUIRE(s.get(bad) == nullptr);
    REQUIRE(std::as_const(s).get(bad) == nullptr);
    REQUIRE_FALSE(s.contains(bad));
    REQUIRE_FALSE(s.is_occupied(bad));
    REQUIRE_FALSE(s.remove(bad));
    REQUIRE_FALSE(s.erase(bad));
    REQUIRE_THROWS_AS(s.at(bad), std::out_of_range);
    REQUIRE_THROWS_AS(std::as_const(s).at(bad), std::out_of_range);
  }
  REQUIRE(s.size() == 1);
  REQUIRE(*s.get(b) == 20);
  REQUIRE(s.at(b) == 20);
  REQUIRE(std::as_const(s)[b] == 20);
  REQUIRE(s.get_unchecked(b) == 20);
  s.at(b) = 21;
  REQUIRE(s[b] == 21);
}

TEST_CASE("HiSlab: operator[] on a vacant index asserts with file, line, operation and index",
          "[slab][errors]") {
  HiSlab<int> s(0, 100);
  s.insert(1);
  for (index_type bad : {index_type{17}, index_type{100}, npos}) {
    auto r = hislab_test::run_in_child([&] { (void)s[bad]; });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "operator[]"));
    REQUIRE(r.err.find(std::to_string(bad)) != std::string::npos);
    REQUIRE(r.err.find("slab.hpp:") != std::string::npos);
  }
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: remove moves out, erase destroys in place", "[slab]",
                           (HiSlab, TaggedHiSlab), (std::unique_ptr<int>)) {
  TestType s(0, 10);
  const auto i = s.insert(std::make_unique<int>(5));
  const auto j = s.emplace(new int(6));
  auto v = s.remove(i);
  REQUIRE(v);
  REQUIRE(**v == 5);
  REQUIRE_FALSE(s.contains(i));
  REQUIRE_FALSE(s.remove(i));
  REQUIRE(s.erase(j));
  REQUIRE_FALSE(s.erase(j));
  REQUIRE(s.empty());
}

TEMPLATE_PRODUCT_TEST_CASE(
    "HiSlab and TaggedHiSlab: iteration is ascending, skips vacant slots, yields Entry", "[slab]",
    (HiSlab, TaggedHiSlab), (int)) {
  TestType s(0, 5000);
  std::vector<index_type> want;
  for (int i = 0; i < 5000; ++i) s.insert(i);
  for (index_type i = 0; i < 5000; ++i)
    if (i % 7 == 3 || (i >= 1024 && i < 3000 && i != 2047)) {
      want.push_back(i);
    } else {
      s.erase(i);
    }
  std::vector<index_type> got;
  for (auto [idx, val] : s) {
    REQUIRE(val == static_cast<int>(idx));
    val += 1;  // val is int&
    got.push_back(idx);
  }
  REQUIRE(got == want);
  got.clear();
  for (auto [idx, val] : std::as_const(s)) {
    static_assert(std::is_same_v<decltype(val), const int&>);
    REQUIRE(val == static_cast<int>(idx) + 1);
    got.push_back(idx);
  }
  REQUIRE(got == want);
  got.clear();
  s.for_each([&](index_type idx, int& v) {
    v -= 1;
    got.push_back(idx);
  });
  REQUIRE(got == want);
  got.clear();
  std::as_const(s).for_each([&](index_type idx, const int& v) {
    REQUIRE(v == static_cast<int>(idx));
    got.push_back(idx);
  });
  REQUIRE(got == want);
  REQUIRE(static_cast<std::size_t>(std::ranges::distance(s)) == want.size());
  auto it = s.begin();
  auto it2 = it++;
  REQUIRE((*it2).index == want[0]);
  REQUIRE((*it).index == want[1]);
  typename TestType::const_iterator cit = s.begin();
  REQUIRE(cit == s.cbegin());
  REQUIRE(typename TestType::iterator{} == typename TestType::iterator{});
#if !defined(__clang__) || __clang_major__ >= 15
  // clang 14 cannot compile libstdc++ 12's range adaptors at all; the concepts above still hold.
  auto keys = s | std::views::transform([](auto e) { return e.index; });
  REQUIRE(std::ranges::equal(keys, want));
#endif
  TestType empty(0, 10);
  REQUIRE(empty.begin() == empty.end());
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: retain, clear, drain", "[slab]", (HiSlab, TaggedHiSlab),
                           (std::string)) {
  TestType s(0, 3000);
  for (int i = 0; i < 3000; ++i) s.insert(std::to_string(i));
  std::vector<index_type> visited;
  const auto removed = s.retain([&](index_type i, std::string& v) {
    visited.push_back(i);
    return v.back() == '7';
  });
  REQUIRE(removed == 2700);
  REQUIRE(s.size() == 300);
  REQUIRE(s.check_invariants() == nullptr);  // the visit's bookkeeping is undone
  REQUIRE(std::ranges::is_sorted(visited));
  REQUIRE(visited.size() == 3000);
  REQUIRE(s.insert("x") == 0);
  std::vector<std::pair<index_type, std::string>> drained;
  s.drain([&](index_type i, std::string&& v) { drained.emplace_back(i, std::move(v)); });
  REQUIRE(s.empty());
  REQUIRE(drained.size() == 301);
  REQUIRE(drained[0] == std::pair<index_type, std::string>{0, "x"});
  REQUIRE(drained[1] == std::pair<index_type, std::string>{7, "7"});
  REQUIRE(std::ranges::is_sorted(drained));
  REQUIRE(s.begin() == s.end());
  for (int i = 0; i < 10; ++i) s.insert("y");
  s.clear();
  REQUIRE(s.empty());
  REQUIRE(s.insert("z") == 0);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: VacantEntry holds the lowest vacant index", "[slab]",
                           (HiSlab, TaggedHiSlab), (std::string)) {
  TestType s(0, 4);
  s.insert("a");
  s.insert("b");
  s.erase(0);
  {
    auto e = s.vacant_entry();
    REQUIRE(e.index() == 0);
    REQUIRE_FALSE(s.contains(0));
    REQUIRE(s.get(0) == nullptr);
    // While an index is held, the other lookups answer as before, out of range included.
    REQUIRE(s.contains(1));
    REQUIRE(*s.get(1) == "b");
    REQUIRE_FALSE(s.contains(4));
    REQUIRE_FALSE(s.contains(hislab::npos));
    REQUIRE_FALSE(s.erase(0));  // held: not an element
    REQUIRE_FALSE(s.erase(4));
    REQUIRE_FALSE(s.erase(hislab::npos));
    REQUIRE(s.check_invariants() == nullptr);
    REQUIRE(s.size() == 1);
    REQUIRE(s.insert("c") == 2);  // 0 is held
    std::vector<index_type> seen;
    for (auto [i, v] : s) seen.push_back(i);
    REQUIRE(seen == std::vector<index_type>{1, 2});
    auto moved = std::move(e);
    REQUIRE(moved.index() == 0);
    std::string& v = moved.insert("held");
    REQUIRE(v == "held");
    REQUIRE(s.contains(0));
    REQUIRE(s.size() == 3);
  }
  REQUIRE(s[0] == "held");  // the spent entry's destructor leaves it alone
  {
    auto e = s.vacant_entry();  // index 3, the last one
    REQUIRE(e.index() == 3);
    REQUIRE(s.full());
    REQUIRE_THROWS_AS(s.insert("no room"), hislab::CapacityError);
    REQUIRE(s.size() == 3);
  }  // destroyed unused: 3 is vacant again
  REQUIRE_FALSE(s.full());
  REQUIRE_FALSE(s.contains(3));
  REQUIRE_FALSE(s.contains(4));
  REQUIRE(s.contains(2));
  REQUIRE(s.check_invariants() == nullptr);
  auto t = s.try_vacant_entry();
  REQUIRE(t);
  REQUIRE(t->index() == 3);
  t->insert("last");
  REQUIRE(s.full());
  REQUIRE(s.size() == 4);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: several entries held at once, taken below one another",
                           "[slab]", (HiSlab, TaggedHiSlab), (std::string)) {
  TestType s(0, 64);
  for (int i = 0; i < 10; ++i) s.insert(std::to_string(i));
  s.erase(6);
  auto high = s.vacant_entry();  // 6
  s.erase(2);
  auto low = s.vacant_entry();  // 2: held below the entry held before it
  s.erase(4);
  auto mid = s.vacant_entry();  // 4: between the two
  REQUIRE(high.index() == 6);
  REQUIRE(low.index() == 2);
  REQUIRE(mid.index() == 4);
  REQUIRE(s.check_invariants() == nullptr);  // includes: the held indices are kept sorted
  REQUIRE(s.size() == 7);
  for (index_type i : {2u, 4u, 6u}) {
    REQUIRE_FALSE(s.contains(i));
    REQUIRE(s.get(i) == nullptr);
    REQUIRE_FALSE(s.erase(i));
  }
  std::vector<index_type> seen;
  for (auto [i, v] : s) seen.push_back(i);
  REQUIRE(seen == std::vector<index_type>{0, 1, 3, 5, 7, 8, 9});
  REQUIRE(s.insert("10") == 10);  // every lower vacant index is held
  // Spent and dropped in an order other than the one they were taken in.
  mid.insert("four");
  REQUIRE(s.check_invariants() == nullptr);
  { auto gone = std::move(high); }  // dropped unused: 6 is vacant again
  REQUIRE(s.check_invariants() == nullptr);
  REQUIRE(s.insert("six") == 6);
  low.insert("two");
  REQUIRE(s.check_invariants() == nullptr);
  REQUIRE(s.size() == 11);
  REQUIRE(s[2] == "two");
  REQUIRE(s[4] == "four");
  REQUIRE(s[6] == "six");
  REQUIRE(s.insert("11") == 11);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: a misused VacantEntry is caught by assertions", "[slab]",
                           (HiSlab, TaggedHiSlab), (int)) {
  // Each misuse aborts in a child, with a message that names it.
  SECTION("the slab destroyed while the entry holds its index") {
    const auto r = hislab_test::run_in_child([] {
      auto s = std::make_unique<TestType>(0, 10);
      auto e = s->vacant_entry();
      s.reset();
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(
        r, "slab destroyed, assigned to or moved from while VacantEntry objects hold indices; count 1"));
  }
  SECTION("a slab assigned over while its entry holds an index") {
    const auto r = hislab_test::run_in_child([] {
      TestType a(0, 10), b(0, 10);
      b.insert(1);
      auto e = a.vacant_entry();
      a = b;  // the copy does not hold index 0, so the entry could not fill it
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(
        r, "assigned to or moved from while VacantEntry objects hold indices; count 1"));
  }
  SECTION("insert after the slab was swapped") {
    const auto r = hislab_test::run_in_child([] {
      TestType a(0, 10), b(0, 10);
      b.insert(1);  // b's index 0 is live: filling it again would overwrite an element
      auto e = a.vacant_entry();
      a.swap(b);
      e.insert(2);
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(
        r,
        "VacantEntry::insert into a slab that does not hold its index (the slab was moved, swapped or "
        "assigned to); index 0"));
  }
  SECTION("destroyed unused after the slab was moved from") {
    const auto r = hislab_test::run_in_child([] {
      TestType a(0, 10);
      std::optional<typename TestType::VacantEntry> e(a.vacant_entry());
      TestType b(std::move(a));
      e.reset();
    });
    INFO(r.err);
    REQUIRE(
        hislab_test::aborted_with(r, "VacantEntry destroyed unused while its slab does not hold its index"));
  }
  SECTION("insert on a spent entry") {
    const auto r = hislab_test::run_in_child([] {
      TestType s(0, 10);
      auto e = s.vacant_entry();
      auto taken = std::move(e);
      e.insert(1);
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "VacantEntry::insert on a spent or moved-from entry; index 0"));
  }
}

TEMPLATE_PRODUCT_TEST_CASE(
    "HiSlab and TaggedHiSlab: copy keeps capacity and indices; move leaves a full, empty slab", "[slab]",
    (HiSlab, TaggedHiSlab), (std::string)) {
  TestType s(0, 1000);
  for (int i = 0; i < 600; ++i) s.insert(std::to_string(i));
  for (index_type i = 0; i < 600; i += 3) s.erase(i);
  TestType c(s);
  REQUIRE(c.capacity() == 1000);
  REQUIRE(c.size() == s.size());
  REQUIRE(std::ranges::equal(s, c, [](auto a, auto b) { return a.index == b.index && a.value == b.value; }));
  REQUIRE(c.insert("new") == 0);
  REQUIRE_FALSE(s.contains(0));  // deep copy

  TestType d(0, 5);
  d.insert("old");
  d = s;
  REQUIRE(d.capacity() == 1000);
  REQUIRE(d.size() == s.size());
  REQUIRE(d[1] == "1");

  TestType m(std::move(d));
  REQUIRE(m.size() == s.size());
  REQUIRE(d.capacity() == 0);  // NOLINT(bugprone-use-after-move): specified moved-from state
  REQUIRE(d.size() == 0);
  REQUIRE(d.empty());
  REQUIRE(d.full());
  REQUIRE_THROWS_AS(d.insert("x"), hislab::CapacityError);
  REQUIRE_FALSE(d.try_insert("x"));
  REQUIRE(d.begin() == d.end());
  REQUIRE_FALSE(d.contains(0));
  TestType copy_of_moved(d);
  REQUIRE(copy_of_moved.capacity() == 0);

  const std::string* addr = &m[1];
  TestType n(0, 10);
  n = std::move(m);
  REQUIRE(&n[1] == addr);  // moving the slab moves no element
  REQUIRE(m.capacity() == 0);
  swap(n, m);
  REQUIRE(n.capacity() == 0);
  REQUIRE(m[1] == "1");
  m.swap(n);
  REQUIRE(n[1] == "1");
}

TEST_CASE("HiSlab: element addresses are stable across growth", "[slab]") {
  HiSlab<std::uint64_t> s(0, 1u << 20);
  std::vector<std::uint64_t*> addr;
  for (std::uint64_t i = 0; i < 300000; ++i) addr.push_back(&s[s.insert(i)]);
  for (std::uint64_t i = 0; i < 300000; ++i) REQUIRE(*addr[i] == i);
  for (std::uint64_t i = 0; i < 300000; ++i) REQUIRE(&s[static_cast<index_type>(i)] == addr[i]);
}

TEST_CASE("HiSlab: under AddressSanitizer a vacant slot is poisoned", "[slab][asan]") {
#if HISLAB_DETAIL_ASAN
  HiSlab<std::uint64_t> s(0, 1000);
  const auto i = s.insert(1);
  s.insert(2);
  volatile std::uint64_t* stale = &s[i];
  REQUIRE(s.erase(i));
  auto r = hislab_test::run_in_child([&] { (void)*stale; });  // use after erase
  INFO(r.err);
  REQUIRE(r.err.find("AddressSanitizer") != std::string::npos);
  REQUIRE(r.err.find("use-after-poison") != std::string::npos);
  REQUIRE(s.insert(3) == i);  // unpoisoned again when reused
  REQUIRE(*stale == 3);
#else
  HISLAB_SKIP("not an AddressSanitizer build");
#endif
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: get_disjoint", "[slab]", (HiSlab, TaggedHiSlab), (int)) {
  TestType s(0, 100);
  const auto a = s.insert(1), b = s.insert(2);
  auto both = s.get_disjoint(a, b);
  REQUIRE(both);
  REQUIRE(&both->first == s.get(a));
  REQUIRE(&both->second == s.get(b));
  std::swap(both->first, both->second);
  REQUIRE(s[a] == 2);
  REQUIRE(s[b] == 1);
  REQUIRE_FALSE(s.get_disjoint(a, a));  // the same element twice would alias
  REQUIRE_FALSE(s.get_disjoint(a, 5));  // vacant
  REQUIRE_FALSE(s.get_disjoint(npos, a));
  REQUIRE_FALSE(s.get_disjoint(a, 100));  // out of range
  auto entry = s.vacant_entry();
  REQUIRE_FALSE(s.get_disjoint(a, entry.index()));  // held, not live
}

TEMPLATE_PRODUCT_TEST_CASE(
    "HiSlab and TaggedHiSlab: index_of maps a live element's address back to its index", "[slab]",
    (HiSlab, TaggedHiSlab), (std::uint64_t)) {
  TestType s(0, 1000);
  for (std::uint64_t i = 0; i < 600; ++i) s.insert(i);
  for (index_type i = 0; i < 600; ++i) REQUIRE(s.index_of(s.get(i)) == i);
  s.erase(7);
  const std::uint64_t* vacant = &s.get_unchecked(7);
  REQUIRE(s.index_of(vacant) == npos);
  const std::uint64_t* p = s.get(8);
  REQUIRE(s.index_of(reinterpret_cast<const std::uint64_t*>(reinterpret_cast<const char*>(p) + 4)) == npos);
  REQUIRE(s.index_of(nullptr) == npos);
  const std::uint64_t local = 0;
  REQUIRE(s.index_of(&local) == npos);
  TestType other(0, 1000);
  other.insert(1);
  REQUIRE(s.index_of(other.get(0)) == npos);  // another slab's element
  REQUIRE(s.index_of(p + 10000) == npos);     // past the reservation
  REQUIRE(s.index_of(s.get(0) - 1) == npos);  // before it
  TestType moved(std::move(s));
  REQUIRE(s.index_of(p) == npos);  // an empty (moved-from) slab owns nothing
  REQUIRE(moved.index_of(p) == 8);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: try_collapse is best effort and loses nothing", "[slab]",
                           (HiSlab, TaggedHiSlab), (std::uint64_t)) {
  TestType s(0, 1u << 20);
  REQUIRE_FALSE(s.try_collapse());  // nothing committed: nothing to ask
  for (std::uint64_t i = 0; i < 300000; ++i) s.insert(i * 7);
  const auto ec = s.try_collapse();
  // Linux 6.1+ with THP collapses (or says EAGAIN/ENOMEM/EBUSY); older kernels say EINVAL.
  CAPTURE(ec.message());
  REQUIRE((!ec || ec.category() == std::system_category()));
  REQUIRE(s.size() == 300000);
  for (index_type i = 0; i < 300000; ++i) REQUIRE(s[i] == std::uint64_t{i} * 7);
  TestType empty(std::move(s));
  REQUIRE_FALSE(s.try_collapse());  // moved-from
}

TEST_CASE("Options::for_bytes: the largest capacity within a byte budget, all pre-faulted", "[slab]") {
  for (const std::size_t budget : {std::size_t{40000}, std::size_t{1} << 20, std::size_t{3} << 22}) {
    CAPTURE(budget);
    const auto o = Options::for_bytes<std::uint64_t>(budget, hislab::HugePages::None);
    REQUIRE(o.initial_capacity == o.virtual_capacity);
    REQUIRE(o.huge_pages == hislab::HugePages::None);
    HiSlab<std::uint64_t> s(o);
    REQUIRE(s.memory_reserved() <= budget);
    REQUIRE(s.capacity() == o.virtual_capacity);
    REQUIRE(s.memory_committed() >= std::size_t{o.virtual_capacity} * sizeof(std::uint64_t));
    // One more slot would not fit.
    HiSlab<std::uint64_t> bigger(Options{0, o.virtual_capacity + 1, hislab::HugePages::None, false});
    REQUIRE(bigger.memory_reserved() > budget);
  }
  struct Big {
    char bytes[3000];
  };
  const auto one = Options::for_bytes<Big>(HiSlab<Big>(0, 1).memory_reserved());
  REQUIRE(one.virtual_capacity >= 1);
  REQUIRE(one.huge_pages == hislab::HugePages::Advise);
  REQUIRE_THROWS_AS(Options::for_bytes<Big>(100), std::invalid_argument);
  REQUIRE_THROWS_AS(Options::for_bytes<int>(0), std::invalid_argument);
  // The largest budgets saturate at the largest capacity.
  REQUIRE(Options::for_bytes<char>(std::size_t{1} << 40).virtual_capacity == 0xFFFF'FFFFu);
}

TEST_CASE("HiSlab: destroying a large reservation leaves it unmapped and not resident", "[slab][asan]") {
  // Under AddressSanitizer only the committed range is unpoisoned on destruction: clearing the
  // shadow of the whole reservation would make 1/8 of it resident (here 1.3 GB).
  struct E {
    char b[40];
  };
  auto rss_kib = [] {
    std::ifstream f("/proc/self/statm");
    std::size_t size = 0, resident = 0;
    f >> size >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) / 1024;
  };
  const auto before = rss_kib();
  for (int round = 0; round < 3; ++round) {
    HiSlab<E> s(0, 1u << 28);
    s.insert(E{});
    REQUIRE(s.memory_reserved() >= (std::size_t{1} << 28) * sizeof(E));
  }
  CAPTURE(before, rss_kib());
#if HISLAB_DETAIL_ASAN
  REQUIRE(rss_kib() < before + 64 * 1024);
#else
  // Without ASan nothing is unpoisoned; the RSS of an emulator (qemu-user keeps page state for
  // the guest's reservations) would say nothing about the library.
  HISLAB_SKIP("the resident-memory check is for AddressSanitizer builds");
#endif
}

namespace {
struct Point {
  int x;
  int y;
};
template <class S, class... A>
concept can_emplace = requires(S s, A&&... a) {
  s.emplace(std::forward<A>(a)...);
};
}  // namespace

// A wrong emplace fails at the call site (a constraint), the same way with g++ and clang++.
static_assert(can_emplace<HiSlab<Point>, int, int>);
static_assert(!can_emplace<HiSlab<Point>, double, int>);  // narrowing into an aggregate
static_assert(!can_emplace<HiSlab<Point>, int, int, int>);
static_assert(!can_emplace<HiSlab<std::string>, Point>);
static_assert(can_emplace<HiSlab<std::string>, int, char>);
static_assert(can_emplace<TaggedHiSlab<Point>, int, int>);
static_assert(!can_emplace<TaggedHiSlab<Point>, double, int>);

TEST_CASE("HiSlab: iterators have operator->; sampling takes temporary generators", "[slab]") {
  HiSlab<Point> s;
  s.emplace(1, 2);
  s.emplace(3, 4);
  auto it = std::ranges::find_if(s, [](auto e) { return e.value.x == 3; });
  REQUIRE(it->index == 1);
  REQUIRE(it->value.y == 4);
  it->value.y = 5;
  REQUIRE(s[1].y == 5);
  const auto e = s.random_occupied(std::mt19937(42));  // a temporary generator
  REQUIRE(e);
  REQUIRE(s.contains(e->index));
  std::vector<index_type> out;
  s.random_occupied_many(std::mt19937_64(1), 3, std::back_inserter(out));
  REQUIRE(out.size() == 3);
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("HiSlab: error messages name the index and the capacity", "[slab][errors]") {
  HiSlab<int> s(0, 4);
  s.insert(1);
  try {
    (void)s.at(3);
    FAIL("at() on a vacant index must throw");
  } catch (const std::out_of_range& e) {
    const std::string what = e.what();
    REQUIRE(what.find("at()") != std::string::npos);
    REQUIRE(what.find(" 3 ") != std::string::npos);
    REQUIRE(what.find("capacity 4") != std::string::npos);
  }
  for (int i = 0; i < 3; ++i) s.insert(i);
  try {
    s.insert(9);
    FAIL("insert into a full slab must throw");
  } catch (const hislab::CapacityError& e) {
    REQUIRE(std::string(e.what()).find("capacity 4") != std::string::npos);
  }
  try {
    s.reserve(5);
    FAIL("reserve beyond the capacity must throw");
  } catch (const hislab::CapacityError& e) {
    REQUIRE(std::string(e.what()).find("reserve(5)") != std::string::npos);
  }
}
#endif

TEST_CASE("HiSlab: after swap, element pointers follow their elements, iterators stay with the slab",
          "[slab]") {
  HiSlab<std::string> a, b;
  a.insert("a0");
  a.insert("a1");
  b.insert("b0");
  b.insert("b1");
  b.insert("b2");
  std::string* p = a.get(0);
  auto it = a.begin();
  a.swap(b);
  REQUIRE(b.get(0) == p);
  REQUIRE(*p == "a0");
  REQUIRE((*it).value == "b0");  // the iterator walks what a holds now
  REQUIRE(std::distance(it, a.end()) == 3);
}

TEMPLATE_PRODUCT_TEST_CASE("HiSlab and TaggedHiSlab: values() is a borrowed forward view of the elements",
                           "[slab]", (HiSlab, TaggedHiSlab), (int)) {
  TestType s(Options{0, 2000});
  for (int i = 0; i < 1500; ++i) REQUIRE(s.insert(i) == static_cast<hislab::index_type>(i));
  for (hislab::index_type i = 0; i < 1500; i += 3) REQUIRE(s.erase(i));
  using View = decltype(s.values());
  static_assert(std::ranges::forward_range<View>);
  static_assert(std::ranges::borrowed_range<View>);
  static_assert(std::is_same_v<std::ranges::range_reference_t<View>, int&>);
  static_assert(
      std::is_same_v<std::ranges::range_reference_t<decltype(std::as_const(s).values())>, const int&>);
  // The same elements, in the same order, as iteration by entry.
  std::vector<int> by_entry, by_value;
  for (auto [i, v] : s) by_entry.push_back(v);
  for (int& v : s.values()) by_value.push_back(v);
  REQUIRE(by_value == by_entry);
  REQUIRE(by_value.size() == 1000);
  // Standard algorithms; an iterator from a temporary view is not dangling, and knows its index.
  const auto it = std::ranges::find(s.values(), 1499);
  REQUIRE(it != s.values().end());
  REQUIRE(it.index() == 1499);
  REQUIRE(*std::ranges::max_element(s.values()) == 1499);
  for (int& v : s.values()) v = -v;  // writable
  REQUIRE(s[2] == -2);
  REQUIRE(std::ranges::count_if(std::as_const(s).values(), [](const int& v) { return v < 0; }) ==
          1000);  // 0 was erased
  s.clear();
  REQUIRE(s.values().empty());
}

namespace hislab::detail {
/// Corrupts one piece of a core's state at a time, to show that check_invariants() notices.
struct SlabCoreTestAccess {
  template <class Core>
  static void set_live_limit(Core& c, index_type v) {
    c.live_limit_ = v;
  }
  template <class Core>
  static void set_excluded(Core& c, std::uint64_t v) {
    c.excluded_ = v;
  }
  template <class Core>
  static std::vector<index_type>& held(Core& c) {
    return c.cold_->held;
  }
  template <class Core>
  static std::vector<index_type>& retired(Core& c) {
    return c.cold_->retired;
  }
  template <class Core>
  static HierBitmap& occupancy(Core& c) {
    return c.occ_;
  }
  template <class Core>
  static HierBitmap& chunks(Core& c) {
    return c.cold_->chunks;
  }
  template <class Core>
  static index_type& commit_limit(Core& c) {
    return c.commit_limit_;
  }
};
}  // namespace hislab::detail

TEST_CASE("SlabCore::check_invariants notices a wrong lookup limit or excluded count", "[slab]") {
  using Core = hislab::detail::SlabCore<int, false>;
  using A = hislab::detail::SlabCoreTestAccess;
  Core c = Core::create(Options{0, 1000});
  REQUIRE(c.emplace<true>(7) == 0);
  REQUIRE(c.check_invariants() == nullptr);

  A::set_live_limit(c, 0);  // nothing is excluded: the limit must be the capacity
  REQUIRE(c.check_invariants() != nullptr);
  A::set_live_limit(c, 1000);
  REQUIRE(c.check_invariants() == nullptr);

  const index_type held = c.hold<true>();
  REQUIRE(held == 1);
  REQUIRE(c.check_invariants() == nullptr);
  A::set_live_limit(c, 1000);  // a held slot: contains() must not take the one-compare path
  REQUIRE(c.check_invariants() != nullptr);
  A::set_live_limit(c, 0);
  REQUIRE(c.check_invariants() == nullptr);
  A::set_excluded(c, 2);  // one held slot counted twice
  REQUIRE(c.check_invariants() != nullptr);
  A::set_excluded(c, 1);
  c.unhold(held);
  REQUIRE(c.check_invariants() == nullptr);
  REQUIRE(c.contains(0));
  REQUIRE_FALSE(c.contains(1));
}

TEST_CASE("SlabCore::check_invariants names each corruption of the held, retired and committed bookkeeping",
          "[slab]") {
  using Core = hislab::detail::SlabCore<int, false>;
  using A = hislab::detail::SlabCoreTestAccess;
  Core c = Core::create(Options{0, 100000});
  for (int i = 0; i < 10; ++i) REQUIRE(c.emplace<true>(i) == static_cast<index_type>(i));
  REQUIRE(c.erase(3));
  REQUIRE(c.erase(6));
  const index_type h3 = c.hold<true>(), h6 = c.hold<true>();
  REQUIRE(h3 == 3);
  REQUIRE(h6 == 6);
  REQUIRE(c.check_invariants() == nullptr);
  auto why = [&] {
    const char* w = c.check_invariants();
    return std::string(w == nullptr ? "" : w);
  };

  std::swap(A::held(c)[0], A::held(c)[1]);
  REQUIRE(why() == "held or retired slots are not sorted");
  std::swap(A::held(c)[0], A::held(c)[1]);
  REQUIRE(why().empty());

  A::occupancy(c).reset(h6);  // held, but its bit is clear: an insert could take it
  REQUIRE(why() == "a held slot is not marked, or retired");
  A::occupancy(c).set(h6);
  REQUIRE(why().empty());

  A::retired(c).push_back(20);  // retired, but its slot is unmarked
  A::set_excluded(c, 3);
  REQUIRE(why() == "a retired slot is not marked");
  A::retired(c).clear();
  A::set_excluded(c, 2);
  REQUIRE(why().empty());

  A::chunks(c).reset(0);  // the chunk holding slots 0..9 forgotten while they are live
  REQUIRE(why() == "a live or held slot lies in an uncommitted chunk");
  A::chunks(c).set(0);
  REQUIRE(why().empty());

  const index_type limit = A::commit_limit(c);
  A::commit_limit(c) = limit + 1;  // would let an insert past it skip committing its chunk
  REQUIRE(why() == "commit_limit_ is not where the first uncommitted chunk begins");
  A::commit_limit(c) = limit;
  REQUIRE(why().empty());

  c.unhold(h3);
  c.unhold(h6);
  REQUIRE(why().empty());
}
