// BufferSlab<N> and AutoGuard: SPEC section 5.
#include <hislab/buffer_slab.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "support/catch.hpp"
#include "support/death.hpp"

using hislab::BufferSlab;
using hislab::index_type;

static_assert(!std::is_copy_constructible_v<BufferSlab<64>>);
static_assert(!std::is_move_constructible_v<BufferSlab<64>>);
static_assert(!std::is_move_assignable_v<BufferSlab<64>>);
static_assert(!std::is_copy_constructible_v<BufferSlab<64>::AutoGuard>);
static_assert(std::is_nothrow_move_constructible_v<BufferSlab<64>::AutoGuard>);
static_assert(std::is_nothrow_move_assignable_v<BufferSlab<64>::AutoGuard>);
static_assert(BufferSlab<64>::AutoGuard::size() == 64);
static_assert(
    std::is_same_v<decltype(std::declval<BufferSlab<64>::AutoGuard&>().bytes()), std::span<std::byte, 64>>);
static_assert(BufferSlab<4096>::alignment == 4096);
static_assert(BufferSlab<8192>::alignment == 4096);
static_assert(BufferSlab<24>::alignment == 8);
static_assert(BufferSlab<3>::alignment == 1);
static_assert(BufferSlab<1536>::alignment == 512);

TEST_CASE("BufferSlab: smallest free index, RAII release, data() + i * N", "[buffer]") {
  BufferSlab<256> pool(0, 100);
  REQUIRE(pool.capacity() == 100);
  REQUIRE(pool.size() == 0);
  {
    auto a = pool.allocate();
    auto b = pool.allocate();
    auto c = pool.allocate();
    REQUIRE(a.index() == 0);
    REQUIRE(b.index() == 1);
    REQUIRE(c.index() == 2);
    REQUIRE(pool.size() == 3);
    REQUIRE(b.data() == pool.data() + 1 * 256);
    REQUIRE(b.bytes().data() == b.data());
    REQUIRE(b.bytes().size() == 256);
    REQUIRE(std::as_const(b).bytes().data() == b.data());
    { auto drop = std::move(b); }  // freed by the moved-to guard's destructor
    REQUIRE(b.data() == nullptr);  // NOLINT(bugprone-use-after-move)
    REQUIRE(pool.size() == 2);
    auto d = pool.allocate();
    REQUIRE(d.index() == 1);  // the smallest free index
  }
  REQUIRE(pool.size() == 0);
}

TEST_CASE("BufferSlab: move-assigning onto a live guard frees the target first", "[buffer]") {
  BufferSlab<64> pool(0, 10);
  auto a = pool.allocate();  // 0
  auto b = pool.allocate();  // 1
  REQUIRE(pool.size() == 2);
  a = std::move(b);
  REQUIRE(pool.size() == 1);
  REQUIRE(a.index() == 1);
  auto c = pool.allocate();
  REQUIRE(c.index() == 0);
  auto& same = a;
  a = std::move(same);  // self-move keeps the buffer
  REQUIRE(pool.size() == 2);
}

TEST_CASE("BufferSlab: full pool", "[buffer][errors]") {
  BufferSlab<128> pool(0, 3);
  std::vector<BufferSlab<128>::AutoGuard> held;
  for (int i = 0; i < 3; ++i) held.push_back(pool.allocate());
  REQUIRE(pool.full());
  REQUIRE_THROWS_AS(pool.allocate(), hislab::CapacityError);
  REQUIRE_FALSE(pool.try_allocate());
  REQUIRE(pool.size() == 3);
  held.pop_back();
  auto t = pool.try_allocate();
  REQUIRE(t);
  REQUIRE(t->index() == 2);
}

TEST_CASE("BufferSlab: fresh buffers are zero, reused ones are not cleared, trimmed ones are", "[buffer]") {
  BufferSlab<4096> pool(0, 64);
  {
    auto g = pool.allocate();
    REQUIRE(std::all_of(g.bytes().begin(), g.bytes().end(), [](std::byte b) { return b == std::byte{0}; }));
    std::memset(g.data(), 0xAB, 4096);
  }
  {
    auto g = pool.allocate();  // the same buffer, reused: old bytes still there
    REQUIRE(g.index() == 0);
    REQUIRE(g.bytes()[100] == std::byte{0xAB});
  }
  REQUIRE(pool.trim() == 4096);
  auto g = pool.allocate();
  REQUIRE(g.bytes()[100] == std::byte{0});  // zero after trim()
}

template <std::size_t N>
void check_alignment() {
  BufferSlab<N> pool(0, 50);
  std::vector<typename BufferSlab<N>::AutoGuard> held;
  for (int i = 0; i < 50; ++i) {
    held.push_back(pool.allocate());
    REQUIRE(reinterpret_cast<std::uintptr_t>(held.back().data()) % BufferSlab<N>::alignment == 0);
    REQUIRE(held.back().data() == pool.data() + held.back().index() * N);
  }
}

TEST_CASE("BufferSlab: alignment is the largest power of two dividing N, capped at the page", "[buffer]") {
  check_alignment<4096>();
  check_alignment<8192>();
  check_alignment<1536>();
  check_alignment<24>();
  check_alignment<3>();
  check_alignment<1>();
}

TEST_CASE("BufferSlab: options, the non-throwing constructor, memory controls", "[buffer][errors]") {
  std::error_code ec = std::make_error_code(std::errc::io_error);
  BufferSlab<4096> bad(hislab::Options{10, 5}, ec);
  REQUIRE(ec == std::errc::invalid_argument);
  REQUIRE(bad.capacity() == 0);
  REQUIRE(bad.data() == nullptr);
  REQUIRE_THROWS_AS(bad.allocate(), hislab::CapacityError);
  REQUIRE_FALSE(bad.try_allocate());
  BufferSlab<4096> good(hislab::Options{16, 1024}, ec);
  REQUIRE(!ec);
  REQUIRE(good.capacity() == 1024);
  REQUIRE(good.memory_committed() >= 16 * 4096);
  REQUIRE(good.memory_reserved() >= 1024 * 4096);
  REQUIRE_THROWS_AS(BufferSlab<64>(5, 4), std::invalid_argument);
  REQUIRE_THROWS_AS(BufferSlab<64>(hislab::Options{0, 0}), std::invalid_argument);
  REQUIRE_THROWS_AS(good.reserve(1025), hislab::CapacityError);
  good.reserve(64);
  REQUIRE(good.memory_committed() >= 64 * 4096);
  good.lock_memory();
  auto g = good.allocate();
  good.unlock_memory();
  BufferSlab<4096> locked(hislab::Options{8, 64, hislab::HugePages::None, true});
  auto h = locked.allocate();
  REQUIRE(h.index() == 0);
}

TEST_CASE("BufferSlab: destroying the pool while guards live is asserted", "[buffer][errors]") {
  auto r = hislab_test::run_in_child([] {
    auto* pool = new BufferSlab<64>(0, 8);
    auto* guard = new BufferSlab<64>::AutoGuard(pool->allocate());  // never destroyed
    (void)guard;
    delete pool;  // with the guard alive
  });
  INFO(r.err);
  REQUIRE(hislab_test::aborted_with(r, "BufferSlab destroyed while AutoGuards are alive"));
}

TEST_CASE("BufferSlab: try_collapse is best effort and keeps every buffer", "[buffer]") {
  BufferSlab<4096> pool(0, 2048);
  REQUIRE_FALSE(pool.try_collapse());  // nothing committed
  std::vector<BufferSlab<4096>::AutoGuard> guards;
  for (int i = 0; i < 1024; ++i) {
    guards.push_back(pool.allocate());
    guards.back().bytes()[0] = static_cast<std::byte>(i & 0xFF);
  }
  const auto ec = pool.try_collapse();
  CAPTURE(ec.message());
  REQUIRE((!ec || ec.category() == std::system_category()));
  for (int i = 0; i < 1024; ++i)
    REQUIRE(guards[static_cast<std::size_t>(i)].bytes()[0] == static_cast<std::byte>(i & 0xFF));
}
