// Built with NDEBUG and without HISLAB_ENABLE_ASSERTS: the misuses of a LocalPool Slot that
// HISLAB_ASSERT stops in a checked build stay harmless here, as the README says. A plain
// program; exit code 0 means it passed.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdio>
#include <thread>

#include "support/check_or_fail.hpp"

#if HISLAB_DETAIL_ASSERTS
#error "this file must be compiled with NDEBUG and without HISLAB_ENABLE_ASSERTS"
#endif

namespace {

struct Probe {
  static inline int destroyed = 0;
  std::uint64_t v;
  explicit Probe(std::uint64_t x) : v(x) {}
  Probe(const Probe&) = delete;
  ~Probe() { ++destroyed; }
};
struct ProbePool : hislab::LocalPool<ProbePool, Probe> {};
using ProbeSlot = hislab::Slot<Probe, ProbePool>;

/// On a thread with no pool: the Slot lets its element go untouched.
int drop_where_no_pool(ProbeSlot& s) {
  { ProbeSlot moved = std::move(s); }
  CHECK_OR_FAIL(Probe::destroyed == 0);
  return 0;
}

/// On a thread whose own pool holds an element: that pool does not change.
int drop_in_another_pool(ProbeSlot& s) {
  ProbePool::init(hislab::Options{0, 1000});
  ProbeSlot mine = ProbePool::insert(std::uint64_t{30});
  CHECK_OR_FAIL(mine.index() == 0);
  {
    ProbeSlot moved = std::move(s);  // index 1 of the main thread's pool, 1 is vacant here
  }
  CHECK_OR_FAIL(Probe::destroyed == 0);
  CHECK_OR_FAIL(ProbePool::size() == 1);
  CHECK_OR_FAIL(mine->v == 30);
  CHECK_OR_FAIL(ProbePool::slab().check_invariants() == nullptr);
  mine = ProbeSlot{};
  CHECK_OR_FAIL(Probe::destroyed == 1);
  CHECK_OR_FAIL(ProbePool::shutdown());
  return 0;
}

}  // namespace

int main() {
  ProbePool::init(hislab::Options{0, 1000});
  ProbeSlot a = ProbePool::insert(std::uint64_t{10});
  ProbeSlot b = ProbePool::insert(std::uint64_t{20});
  ProbeSlot c = ProbePool::insert(std::uint64_t{25});
  CHECK_OR_FAIL(a.index() == 0 && b.index() == 1 && c.index() == 2);
  int rc = 0;
  std::thread([&] { rc = drop_where_no_pool(a); }).join();
  CHECK_OR_FAIL(rc == 0);
  std::thread([&] { rc = drop_in_another_pool(b); }).join();
  CHECK_OR_FAIL(rc == 0);
  // Both elements are still live in this thread's pool, where they were made.
  CHECK_OR_FAIL(Probe::destroyed == 1);
  CHECK_OR_FAIL(ProbePool::size() == 3);
  CHECK_OR_FAIL(ProbePool::get(0)->v == 10 && ProbePool::get(1)->v == 20 && c->v == 25);
  CHECK_OR_FAIL(ProbePool::slab().check_invariants() == nullptr);
  CHECK_OR_FAIL(!ProbePool::shutdown());  // refused: elements live
  CHECK_OR_FAIL(ProbePool::free(0) && ProbePool::free(1));
  ProbeSlot kept = std::move(c);
  const hislab::index_type k = std::move(kept).leak();
  CHECK_OR_FAIL(ProbePool::free(k));
  CHECK_OR_FAIL(Probe::destroyed == 4);
  CHECK_OR_FAIL(ProbePool::shutdown());
  std::puts("no_asserts: passed");
  return 0;
}
