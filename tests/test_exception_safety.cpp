// Exception safety beyond emplace: copies whose element copy throws midway, retain and drain
// whose callbacks throw, remove whose move throws. Nothing leaks, nothing is destroyed twice,
// and the container is left as the README's error table says (checked with check_invariants()).
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "support/address_space.hpp"
#include "support/catch.hpp"
#include "support/counted.hpp"

// Every case here is about exceptions: nothing to run in the -fno-exceptions build.
#if HISLAB_TEST_EXCEPTIONS
using hislab::HiSlab;
using hislab::index_type;
using hislab_test::Counted;
using hislab_test::ThrowOnNth;

// A replaceable operator new that refuses one allocation on demand. noinline: GCC 12 would
// otherwise see the replaced operator new and delete of the callers and warn of a mismatch.
volatile bool refuse_next_allocation = false;
[[gnu::noinline]] void* operator new(std::size_t bytes) {
  if (refuse_next_allocation) {
    refuse_next_allocation = false;
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
  throw std::bad_alloc();
}
// The nothrow form (the containers' bookkeeping at creation) refuses the refuse_nothrow_at-th
// call from when it is set (0: none).
int refuse_nothrow_at = 0;
[[gnu::noinline]] void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  if (refuse_nothrow_at != 0 && --refuse_nothrow_at == 0) return nullptr;
  return std::malloc(bytes == 0 ? 1 : bytes);
}
[[gnu::noinline]] void* operator new[](std::size_t bytes, const std::nothrow_t& tag) noexcept {
  return operator new(bytes, tag);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {
/// Its move constructor throws on demand.
struct MoveThrows {
  static inline bool armed = false;
  int v;
  explicit MoveThrows(int x) : v(x) {}
  MoveThrows(const MoveThrows&) = default;
  MoveThrows(MoveThrows&& o) : v(o.v) {
    if (armed) throw std::runtime_error("move");
  }
};
}  // namespace

TEST_CASE("A copy whose element copy throws midway leaks nothing and leaves the source intact", "[errors]") {
  ThrowOnNth::arm(0);
  {
    HiSlab<ThrowOnNth> src(0, 2000);
    for (int i = 0; i < 1500; ++i) src.emplace(i);
    src.erase(7);
    const long before = ThrowOnNth::live;
    ThrowOnNth::arm(700);  // the 700th copy throws
    REQUIRE_THROWS_AS(HiSlab<ThrowOnNth>(src), int);
    REQUIRE(ThrowOnNth::live == before);  // every copy made before the throw was destroyed
    REQUIRE(src.size() == 1499);
    REQUIRE(src.check_invariants() == nullptr);
    // Copy assignment is strong: the destination keeps what it had.
    HiSlab<ThrowOnNth> dst(0, 10);
    dst.emplace(42);
    ThrowOnNth::arm(300);
    REQUIRE_THROWS_AS(dst = src, int);
    REQUIRE(dst.size() == 1);
    REQUIRE(dst[0].value == 42);
    REQUIRE(dst.capacity() == 10);
    REQUIRE(dst.check_invariants() == nullptr);
    REQUIRE(ThrowOnNth::live == before + 1);
    ThrowOnNth::arm(0);
    dst = src;
    REQUIRE(dst.size() == 1499);
  }
  REQUIRE(ThrowOnNth::live == 0);
}

TEST_CASE("retain with a throwing predicate keeps what it decided and stays consistent", "[errors]") {
  Counted::reset();
  {
    HiSlab<Counted> s(0, 1000);
    for (int i = 0; i < 600; ++i) s.emplace(i);
    int calls = 0;
    REQUIRE_THROWS_AS(s.retain([&](index_type, Counted& c) {
      if (++calls == 300) throw std::runtime_error("pred");
      return c.value % 2 == 0;
    }),
                      std::runtime_error);
    // The first 299 were decided (odd ones removed); the element whose call threw and those
    // after it are untouched.
    REQUIRE(s.size() == 600 - 149);  // the odd ones among 0 .. 298
    for (auto [i, c] : s) REQUIRE((i >= 299 || c.value % 2 == 0));
    REQUIRE(s.check_invariants() == nullptr);
    REQUIRE(Counted::live == 451);
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("drain with a throwing callback destroys what it handed out and keeps the rest", "[errors]") {
  Counted::reset();
  {
    HiSlab<Counted> s(0, 1000);
    for (int i = 0; i < 600; ++i) s.emplace(i);
    int calls = 0;
    REQUIRE_THROWS_AS(s.drain([&](index_type, Counted&&) {
      if (++calls == 100) throw std::runtime_error("f");
    }),
                      std::runtime_error);
    // The 100 elements passed to f (the one whose call threw included) are gone.
    REQUIRE(s.size() == 500);
    REQUIRE(s.begin()->index == 100);
    REQUIRE(s.check_invariants() == nullptr);
    REQUIRE(Counted::live == 500);
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("remove whose move throws leaves the element where it was", "[errors]") {
  HiSlab<MoveThrows> s(0, 10);
  const auto i = s.emplace(5);
  MoveThrows::armed = true;
  REQUIRE_THROWS_AS(s.remove(i), std::runtime_error);
  MoveThrows::armed = false;
  REQUIRE(s.contains(i));
  REQUIRE(s[i].v == 5);
  REQUIRE(s.check_invariants() == nullptr);
  const auto out = s.remove(i);
  REQUIRE(out->v == 5);
  REQUIRE(s.empty());
}

TEST_CASE("A vacant entry whose bookkeeping cannot allocate gives its index back", "[errors][novalgrind]") {
  HiSlab<int> s(0, 10);
  refuse_next_allocation = true;
  auto e = s.try_vacant_entry();  // noexcept: answers empty
  REQUIRE_FALSE(e);
  REQUIRE(s.check_invariants() == nullptr);
  refuse_next_allocation = true;
  REQUIRE_THROWS_AS(s.vacant_entry(), std::bad_alloc);
  REQUIRE(s.check_invariants() == nullptr);
  REQUIRE(s.insert(1) == 0);  // index 0 was never lost
  REQUIRE(s.size() == 1);
}

namespace {
/// Creates a C while the heap refuses its k-th allocation, for k = 1, 2, ... until creation
/// makes fewer: each refusal answers not_enough_memory from try_create() and std::bad_alloc
/// from the constructor, and leaves no mapping behind. Returns how many were refused.
template <class C>
int refuse_each_creation_allocation() {
  int refused = 0;
  for (int k = 1;; ++k) {
    const hislab_test::NewMappings mappings;
    std::error_code ec;
    refuse_nothrow_at = k;
    std::optional<C> c = C::try_create(hislab::Options{}, ec);
    const bool hit = refuse_nothrow_at == 0;
    refuse_nothrow_at = 0;
    if (!hit) {
      REQUIRE(c);
      REQUIRE(c->check_invariants() == nullptr);
      return refused;
    }
    INFO("allocation " << k << " refused");
    REQUIRE_FALSE(c);
    REQUIRE(ec == std::errc::not_enough_memory);
    REQUIRE(mappings.added().empty());
    refuse_nothrow_at = k;
    REQUIRE_THROWS_AS(C(hislab::Options{}), std::bad_alloc);
    refuse_nothrow_at = 0;
    REQUIRE(mappings.added().empty());
    ++refused;
  }
}
}  // namespace

TEST_CASE("Creation whose bookkeeping the heap refuses: not_enough_memory or std::bad_alloc, nothing mapped",
          "[errors][novalgrind]") {
  // The container's cold block, then each bitmap's levels.
  CHECK(refuse_each_creation_allocation<HiSlab<int>>() == 3);
  CHECK(refuse_each_creation_allocation<hislab::TaggedHiSlab<int>>() == 4);
  CHECK(refuse_each_creation_allocation<hislab::SlotMap<int>>() == 3);
}
#endif  // HISLAB_TEST_EXCEPTIONS
