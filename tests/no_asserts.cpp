// Built with NDEBUG and without HISLAB_ENABLE_ASSERTS: the misuses of a LocalPool Slot and of a
// VacantEntry that HISLAB_ASSERT stops in a checked build stay harmless here, as the README
// says. A plain program; exit code 0 means it passed.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/check_or_fail.hpp"
#include "support/death.hpp"

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

/// True when f() fails as a misused VacantEntry's insert() does with assertions off: with
/// exceptions, std::logic_error naming `what`; without, that message on stderr and an abort (in
/// a child process). Nothing else happens before it.
template <class F>
bool refused_as_misuse(F f, const char* what) {
#if HISLAB_HAS_EXCEPTIONS
  try {
    f();
  } catch (const std::logic_error& e) {
    return std::strstr(e.what(), what) != nullptr;
  }
  return false;
#else
  return hislab_test::aborted_with(hislab_test::run_in_child(f), what);
#endif
}

/// A VacantEntry that outlived an assignment or a swap of its slab, or was spent: its insert()
/// is refused and constructs nothing, and destroying it unused changes nothing.
int misused_entries() {
  using Slab = hislab::HiSlab<std::uint64_t>;
  Slab a(0, 100), b(0, 100);
  b.insert(std::uint64_t{1});
  {
    auto e = a.vacant_entry();  // a's index 0
    a = b;                      // a copy of b: index 0 is b's live element, held by nobody
    CHECK_OR_FAIL(refused_as_misuse([&] { e.insert(std::uint64_t{2}); },
                                    "VacantEntry::insert into a slab that does not hold its index"));
  }  // destroyed unused: nothing to give back
  CHECK_OR_FAIL(a.size() == 1 && a[0] == 1 && b.size() == 1 && b[0] == 1);
  CHECK_OR_FAIL(a.check_invariants() == nullptr && b.check_invariants() == nullptr);

  Slab c(0, 100);
  {
    auto e = c.vacant_entry();  // c's index 0
    c.swap(b);                  // the hold goes to b; c has b's element at 0
    CHECK_OR_FAIL(refused_as_misuse([&] { e.insert(std::uint64_t{3}); }, "does not hold its index"));
  }
  CHECK_OR_FAIL(c.size() == 1 && c[0] == 1 && c.check_invariants() == nullptr);
  CHECK_OR_FAIL(b.empty() && b.full() == false && b.check_invariants() == nullptr);
  CHECK_OR_FAIL(b.insert(std::uint64_t{4}) == 1);  // 0 stays held: its entry went with c

  auto spent = a.vacant_entry();  // index 1
  auto taken = std::move(spent);
  CHECK_OR_FAIL(refused_as_misuse([&] { spent.insert(std::uint64_t{5}); },
                                  "VacantEntry::insert on a spent or moved-from entry; index 1"));
  CHECK_OR_FAIL(taken.insert(std::uint64_t{6}) == 6 && a[1] == 6 && a.size() == 2);

  hislab::SlotMap<std::uint64_t> m(0, 100);
  auto me = m.vacant_entry();
  auto mtaken = std::move(me);
  CHECK_OR_FAIL(refused_as_misuse([&] { me.insert(std::uint64_t{7}); },
                                  "SlotMap::VacantEntry::insert on a spent or moved-from entry; index 0"));
  CHECK_OR_FAIL(m.empty() && m.check_invariants() == nullptr);
  const auto k = mtaken.key();
  mtaken.insert(std::uint64_t{8});
  CHECK_OR_FAIL(m.size() == 1 && *m.get(k) == 8);
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
  CHECK_OR_FAIL(misused_entries() == 0);
  std::puts("no_asserts: passed");
  return 0;
}
