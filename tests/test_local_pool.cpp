// LocalPool<Derived, T> and Slot<T, Pool>: SPEC section 8, clause by clause, including the
// misuse that HISLAB_ASSERT catches (in forked children).
#include <hislab/hislab.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"
#include "support/death.hpp"

using hislab::index_type;
using hislab::npos;
using hislab::Options;
using hislab::Slot;
using hislab_test::Counted;

namespace {
struct Order {
  int id = 0;
  double price = 0;
};
struct OrderPool : hislab::LocalPool<OrderPool, Order> {};
struct CountedPool : hislab::LocalPool<CountedPool, Counted> {};
struct StringPool : hislab::LocalPool<StringPool, std::string> {};
struct TinyPool : hislab::LocalPool<TinyPool, int> {};
using OrderSlot = Slot<Order, OrderPool>;

/// Shuts a pool down at scope exit so that test cases do not see each other's state.
template <class Pool>
struct Scoped {
  explicit Scoped(const Options& o = Options{}) { Pool::init(o); }
  ~Scoped() { REQUIRE(Pool::shutdown()); }
};
}  // namespace

static_assert(sizeof(OrderSlot) == sizeof(Order*));
static_assert(!std::is_copy_constructible_v<OrderSlot>);
static_assert(!std::is_copy_assignable_v<OrderSlot>);
static_assert(std::is_nothrow_move_constructible_v<OrderSlot>);
static_assert(std::is_nothrow_move_assignable_v<OrderSlot>);
static_assert(std::is_same_v<decltype(OrderPool::insert(1, 2.0)), OrderSlot>);
static_assert(std::is_same_v<decltype(OrderPool::slab()), hislab::HiSlab<Order>&>);

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("LocalPool: before init", "[local_pool]") {
  REQUIRE_FALSE(OrderPool::is_initialized());
  REQUIRE(OrderPool::size() == 0);
  REQUIRE(OrderPool::capacity() == 0);
  REQUIRE(OrderPool::get(0) == nullptr);
  REQUIRE_FALSE(OrderPool::free(0));
  REQUIRE_FALSE(OrderPool::try_insert(1, 2.0));
  REQUIRE_THROWS_AS(OrderPool::insert(1, 2.0), std::logic_error);
  try {
    (void)OrderPool::insert(1, 2.0);
  } catch (const hislab::CapacityError&) {
    FAIL("insert before init must not be a CapacityError");
  } catch (const std::logic_error&) {
  }
  REQUIRE_THROWS_AS(OrderPool::slab(), std::logic_error);
  REQUIRE(OrderPool::shutdown());  // never initialised: true
}
#endif

TEST_CASE("LocalPool: init, double init, bad options", "[local_pool]") {
  REQUIRE_THROWS_AS(OrderPool::init(Options{0, 0}), std::invalid_argument);
  REQUIRE_FALSE(OrderPool::is_initialized());
  OrderPool::init(Options{4, 100});
  REQUIRE(OrderPool::is_initialized());
  REQUIRE(OrderPool::capacity() == 100);
  REQUIRE(OrderPool::slab().capacity() == 100);
  REQUIRE_THROWS_AS(OrderPool::init(), std::logic_error);
  REQUIRE(OrderPool::capacity() == 100);  // the first pool is untouched
  REQUIRE(OrderPool::shutdown());
  REQUIRE_FALSE(OrderPool::is_initialized());
  OrderPool::init(Options{0, 10});  // a shut-down pool can be initialised again
  REQUIRE(OrderPool::capacity() == 10);
  REQUIRE(OrderPool::shutdown());
}

TEST_CASE("Slot: owns its element; destruction frees the slot", "[local_pool]") {
  Scoped<CountedPool> pool(Options{0, 64});
  Counted::reset();
  {
    auto a = CountedPool::insert(1);
    auto b = CountedPool::insert(2);
    REQUIRE(a);
    REQUIRE(a.index() == 0);
    REQUIRE(b.index() == 1);
    REQUIRE(a->value == 1);
    REQUIRE((*b).value == 2);
    REQUIRE(a.get() == CountedPool::get(0));
    REQUIRE(CountedPool::size() == 2);
    REQUIRE(Counted::live == 2);
  }
  REQUIRE(CountedPool::size() == 0);
  REQUIRE(Counted::live == 0);
  // The smallest vacant slot is reused.
  auto c = CountedPool::insert(3);
  REQUIRE(c.index() == 0);
}

TEST_CASE("Slot: empty states, moves", "[local_pool]") {
  Scoped<CountedPool> pool(Options{0, 64});
  Counted::reset();
  Slot<Counted, CountedPool> empty;
  REQUIRE_FALSE(empty);
  REQUIRE(empty.get() == nullptr);
  REQUIRE(empty.operator->() == nullptr);
  REQUIRE(empty.index() == npos);
  auto a = CountedPool::insert(1);
  auto b = std::move(a);
  REQUIRE_FALSE(a);
  REQUIRE(a.index() == npos);
  REQUIRE(b->value == 1);
  REQUIRE(Counted::live == 1);
  auto c = CountedPool::insert(2);
  // Move assignment frees what the target owned.
  c = std::move(b);
  REQUIRE(Counted::live == 1);
  REQUIRE(c->value == 1);
  REQUIRE(CountedPool::size() == 1);
  auto& same = c;
  c = std::move(same);  // self-move keeps the element
  REQUIRE(c);
  REQUIRE(CountedPool::size() == 1);
  c = Slot<Counted, CountedPool>{};
  REQUIRE(CountedPool::size() == 0);
  REQUIRE(Counted::live == 0);
}

TEST_CASE("Slot: replace, into_inner, leak", "[local_pool]") {
  Scoped<StringPool> pool(Options{0, 16});
  auto s = StringPool::insert("first");
  const auto old = s.replace("second");
  REQUIRE(old == "first");
  REQUIRE(*s == "second");
  const auto i = s.index();
  std::string v = std::move(s).into_inner();
  REQUIRE(v == "second");
  REQUIRE_FALSE(s);
  REQUIRE(StringPool::get(i) == nullptr);
  REQUIRE(StringPool::size() == 0);
  auto t = StringPool::insert("kept");
  const index_type leaked = std::move(t).leak();
  REQUIRE_FALSE(t);
  REQUIRE(StringPool::size() == 1);
  REQUIRE(*StringPool::get(leaked) == "kept");
  REQUIRE(std::move(t).leak() == npos);  // an empty slot leaks nothing
  // shutdown refuses while a leaked element is live.
  REQUIRE_FALSE(StringPool::shutdown());
  REQUIRE(StringPool::is_initialized());
  REQUIRE(*StringPool::get(leaked) == "kept");
  REQUIRE(StringPool::free(leaked));
  REQUIRE_FALSE(StringPool::free(leaked));
  REQUIRE(StringPool::get(leaked) == nullptr);
}

TEST_CASE("LocalPool: full pool, try_insert, throwing constructor", "[local_pool]") {
  Scoped<TinyPool> pool(Options{0, 2});
  auto a = TinyPool::insert(1);
  auto b = TinyPool::insert(2);
  REQUIRE_THROWS_AS(TinyPool::insert(3), hislab::CapacityError);
  REQUIRE_FALSE(TinyPool::try_insert(3));
  a = Slot<int, TinyPool>{};
  auto c = TinyPool::try_insert(4);
  REQUIRE(c);
  REQUIRE(**c == 4);
  REQUIRE(c->index() == 0);
}

TEST_CASE("LocalPool: one slab per thread", "[local_pool]") {
  Scoped<OrderPool> pool(Options{0, 64});
  auto here = OrderPool::insert(1, 1.0);
  std::atomic<bool> ok{false};
  std::thread t([&] {
    bool good = !OrderPool::is_initialized() && OrderPool::size() == 0;
    OrderPool::init(Options{0, 8});
    auto there = OrderPool::insert(2, 2.0);
    good = good && there.index() == 0 && OrderPool::size() == 1 && OrderPool::capacity() == 8;
    auto leaked = OrderPool::insert(3, 3.0);
    (void)std::move(leaked).leak();  // destroyed with the thread's pool
    ok = good;
  });
  t.join();
  REQUIRE(ok);
  REQUIRE(OrderPool::size() == 1);
  REQUIRE(OrderPool::capacity() == 64);
  REQUIRE(here->id == 1);
}

TEST_CASE("LocalPool: thread exit destroys live elements, including slots held by elements", "[local_pool]") {
  struct NodePool : hislab::LocalPool<NodePool, Counted> {};
  Counted::reset();
  std::thread t([] {
    NodePool::init(Options{0, 16});
    static thread_local Slot<Counted, NodePool> kept;  // destroyed before the pool (constructed after)
    kept = NodePool::insert(1);
    auto leaked = NodePool::insert(2);
    (void)std::move(leaked).leak();
  });
  t.join();
  REQUIRE(Counted::live == 0);
  REQUIRE(Counted::destroyed == Counted::constructed);
}

TEST_CASE("Slot: misuse is caught by assertions", "[local_pool]") {
  SECTION("destroyed after shutdown") {
    auto r = hislab_test::run_in_child([] {
      OrderPool::init();
      auto s = OrderPool::insert(1, 1.0);
      (void)std::move(s).leak();
      auto s2 = std::make_unique<OrderSlot>(OrderPool::insert(2, 2.0));
      OrderPool::free(0);
      OrderPool::free(1);  // the element s2 owns, freed by index: s2 dangles
      (void)OrderPool::shutdown();
      s2.reset();  // after shutdown
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "pool is not initialised"));
  }
  SECTION("destroyed after its thread's pool") {
    auto r = hislab_test::run_in_child([] {
      std::thread t([] {
        static thread_local OrderSlot early;  // constructed before the pool: destroyed after it
        OrderPool::init();
        early = OrderPool::insert(1, 1.0);
      });
      t.join();
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "pool is not initialised"));
  }
  SECTION("destroyed on another thread") {
    auto r = hislab_test::run_in_child([] {
      OrderPool::init();
      auto s = OrderPool::insert(1, 1.0);
      std::thread t([&] {
        OrderPool::init();
        OrderSlot moved = std::move(s);  // destroyed here, on a thread whose pool did not make it
      });
      t.join();
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "other than its pool"));
  }
  SECTION("destroyed on a thread without a pool") {
    auto r = hislab_test::run_in_child([] {
      OrderPool::init();
      auto s = OrderPool::insert(1, 1.0);
      std::thread t([&] { OrderSlot moved = std::move(s); });
      t.join();
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "pool is not initialised"));
  }
  SECTION("dereferencing, replacing or consuming an empty slot") {
    auto r1 = hislab_test::run_in_child([] {
      OrderSlot s;
      (void)*s;
    });
    INFO(r1.err);
    REQUIRE(hislab_test::aborted_with(r1, "operator*"));
    auto r2 = hislab_test::run_in_child([] {
      OrderSlot s;
      (void)std::move(s).into_inner();
    });
    INFO(r2.err);
    REQUIRE(hislab_test::aborted_with(r2, "into_inner"));
    auto r3 = hislab_test::run_in_child([] {
      OrderSlot s;
      (void)s.replace(Order{});
    });
    INFO(r3.err);
    REQUIRE(hislab_test::aborted_with(r3, "replace"));
  }
}
