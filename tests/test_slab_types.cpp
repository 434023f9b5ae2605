// HiSlab<T> for the element types the SPEC promises: counted (no leak, no double destroy),
// move-only, non-movable, over-aligned, throwing constructors, 4 KiB elements.
#include <hislab/hislab.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"

using hislab::HiSlab;
using hislab::index_type;
using hislab_test::Counted;
#if HISLAB_TEST_EXCEPTIONS
using hislab_test::ThrowOnNth;
#endif

TEST_CASE("Counted: every construction is matched by exactly one destruction", "[types]") {
  Counted::reset();
  {
    HiSlab<Counted> s(0, 5000);
    for (int i = 0; i < 4000; ++i) s.emplace(i);
    REQUIRE(Counted::live == 4000);
    const Counted c(7);
    s.insert(c);  // exactly one copy
    REQUIRE(Counted::copies == 1);
    s.insert(Counted(8));
    REQUIRE(Counted::copies == 1);
    REQUIRE(Counted::live == 4003);  // 4002 in the slab + c

    auto removed = s.remove(10);
    REQUIRE(removed->value == 10);
    removed.reset();
    REQUIRE(s.erase(11));
    REQUIRE(Counted::live == 4001);
    // Odd values: 2000 of 0..3999, less 11, plus the inserted 7.
    REQUIRE(s.retain([](index_type, Counted& v) { return v.value % 2 == 0; }) == 2000);
    REQUIRE(Counted::live == 2001);  // 2000 + c

    HiSlab<Counted> copy = s;
    REQUIRE(Counted::live == 4001);
    HiSlab<Counted> moved = std::move(copy);
    REQUIRE(Counted::live == 4001);
    copy = moved;  // copy-assign into the moved-from one
    REQUIRE(Counted::live == 6001);
    copy.clear();
    REQUIRE(Counted::live == 4001);
    long drained = 0;
    moved.drain([&](index_type, Counted&& v) {
      Counted taken(std::move(v));
      ++drained;
    });
    REQUIRE(drained == 2000);
    REQUIRE(Counted::live == 2001);
    moved = std::move(s);  // destroys nothing extra, takes s's elements
    REQUIRE(Counted::live == 2001);
    {
      auto e = moved.vacant_entry();
      e.insert(99);
    }
    REQUIRE(Counted::live == 2002);
  }
  REQUIRE(Counted::live == 0);  // the destructors released everything
  REQUIRE(Counted::constructed == Counted::destroyed);
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("Throwing constructors: strong guarantee", "[types][errors]") {
  ThrowOnNth::live = 0;
  HiSlab<ThrowOnNth> s(0, 100);
  for (int i = 0; i < 10; ++i) s.emplace(i);
  s.erase(3);
  ThrowOnNth::arm(1);
  REQUIRE_THROWS_AS(s.emplace(100), int);
  REQUIRE(s.size() == 9);
  REQUIRE_FALSE(s.contains(3));
  ThrowOnNth::arm(1);
  REQUIRE_THROWS_AS(s.try_emplace(100), int);  // try_ forms propagate constructor exceptions
  REQUIRE(s.size() == 9);
  const ThrowOnNth proto(5);
  ThrowOnNth::arm(1);
  REQUIRE_THROWS_AS(s.insert(proto), int);
  REQUIRE(s.size() == 9);
  REQUIRE(s.emplace(3) == 3);  // the slot is still the lowest vacant one
  {
    auto e = s.vacant_entry();
    REQUIRE(e.index() == 10);
    ThrowOnNth::arm(1);
    REQUIRE_THROWS_AS(e.insert(1), int);
    REQUIRE_FALSE(s.contains(10));
    REQUIRE(s.size() == 10);
    e.insert(2);  // the entry still holds its index
    REQUIRE(s.contains(10));
  }
  // A copy of the slab that throws half-way leaks nothing.
  ThrowOnNth::arm(6);
  REQUIRE_THROWS_AS(HiSlab<ThrowOnNth>(s), int);
  REQUIRE(ThrowOnNth::live == 12);  // 11 in s + proto
  ThrowOnNth::arm(0);
}
#endif

TEST_CASE("Move-only and non-movable types", "[types]") {
  HiSlab<std::unique_ptr<std::string>> s(0, 64);
  const auto i = s.insert(std::make_unique<std::string>("u"));
  REQUIRE(*s[i] == "u");
  auto out = s.remove(i);
  REQUIRE(**out == "u");

  struct Pinned {
    explicit Pinned(int v) : value(v) {}
    Pinned(const Pinned&) = delete;
    Pinned(Pinned&&) = delete;
    int value;
    std::mutex m;  // really non-movable
  };
  static_assert(!std::is_move_constructible_v<Pinned>);
  HiSlab<Pinned> p(0, 64);
  const auto a = p.emplace(1);
  const auto b = p.emplace(2);
  REQUIRE(p[a].value == 1);
  REQUIRE(p.erase(a));
  REQUIRE(p.try_emplace(3) == std::optional<index_type>(a));
  p.retain([](index_type, Pinned& x) { return x.value == 2; });
  REQUIRE(p.size() == 1);
  REQUIRE(p.contains(b));
  auto e = p.vacant_entry();
  e.insert(4);
  HiSlab<Pinned> moved = std::move(p);  // the slab moves; the elements do not
  REQUIRE(moved.size() == 2);
}

template <std::size_t Align>
struct alignas(Align) Aligned {
  unsigned char bytes[Align];
  int value;
};

TEMPLATE_TEST_CASE("Over-aligned element types", "[types]", Aligned<64>, Aligned<4096>) {
  HiSlab<TestType> s(0, 100);
  for (int i = 0; i < 50; ++i) {
    const auto idx = s.emplace();
    s[idx].value = i;
    REQUIRE(reinterpret_cast<std::uintptr_t>(&s[idx]) % alignof(TestType) == 0);
  }
  s.erase(7);
  REQUIRE(s.emplace() == 7);
  REQUIRE(reinterpret_cast<std::uintptr_t>(&s[7]) % alignof(TestType) == 0);
  REQUIRE(s[49].value == 49);
}

TEST_CASE("4 KiB element types", "[types]") {
  struct Page {
    std::uint32_t id;
    unsigned char payload[4096 - 4];
  };
  static_assert(sizeof(Page) == 4096);
  HiSlab<Page> s(16, 4096);
  for (std::uint32_t i = 0; i < 3000; ++i) {
    const auto idx = s.emplace();
    s[idx].id = i;
    s[idx].payload[4091] = static_cast<unsigned char>(i);
  }
  for (std::uint32_t i = 0; i < 3000; i += 2) s.erase(i);
  std::uint32_t n = 0;
  for (auto [idx, page] : s) {
    REQUIRE(page.id == idx);
    REQUIRE(page.payload[4091] == static_cast<unsigned char>(idx));
    ++n;
  }
  REQUIRE(n == 1500);
  REQUIRE(s.trim() >= 4096 * 1000);  // every other page is now vacant
  REQUIRE(s.emplace() == 0);
}
