// Fault injection for every container: the OS refuses what a container asks for (mlock under
// RLIMIT_MEMLOCK 0, huge pages from an empty or a too-small hugetlb pool, MADV_POPULATE_WRITE),
// and the container reports it with a clear error, keeps every element it holds and stays
// usable. HiSlab's own cases are in test_slab_memory.cpp; the RLIMIT_AS case for every container
// is there too.
#include <hislab/hislab.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <system_error>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"
#include "support/death.hpp"
#include "support/environment.hpp"
#include "support/hugepages.hpp"
#include "support/memlock.hpp"

using hislab::HugePages;
using hislab::index_type;
using hislab::Options;

namespace {

struct U64Pool : hislab::LocalPool<U64Pool, std::uint64_t> {};

}  // namespace

#if HISLAB_TEST_EXCEPTIONS
namespace {

/// mlock's refusals: over RLIMIT_MEMLOCK (ENOMEM, EPERM) or pages it could not lock (EAGAIN).
bool is_mlock_refusal(const std::error_code& ec) {
  return ec.value() == ENOMEM || ec.value() == EPERM || ec.value() == EAGAIN;
}

/// In a child whose RLIMIT_MEMLOCK is 0 (see hislab_test::with_memlock_limit).
template <class F>
void with_no_memlock(F body) {
  hislab_test::with_memlock_limit(0, body);
}

/// The checks shared by the containers with try_create(): construction with lock_memory is
/// refused with the errno (both forms); lock_memory() on a live container throws and leaves it
/// holding its elements and accepting more. `insert(c, v)` inserts v; `value(c, i)` reads the
/// i-th inserted value back.
template <class C, class Insert, class Value>
int check_memlock_refusal(Insert insert, Value value) {
  const Options locked{1000, 100000, HugePages::None, true};
  std::error_code ec;
  if (C::try_create(locked, ec)) return 1;
  if (!is_mlock_refusal(ec)) return 2;
  try {
    C c(locked);
    return 3;
  } catch (const std::system_error& e) {
    if (!is_mlock_refusal(e.code())) return 4;
  }
  C c(Options{1000, 100000, HugePages::None, false});
  for (std::uint64_t i = 0; i < 3000; ++i) insert(c, i);
  try {
    c.lock_memory();
    return 5;
  } catch (const std::system_error& e) {
    if (!is_mlock_refusal(e.code())) return 6;
  }
  for (std::uint64_t i = 3000; i < 6000; ++i) insert(c, i);
  if (c.size() != 6000) return 7;
  for (std::uint64_t i = 0; i < 6000; ++i)
    if (value(c, i) != i) return 8;
  if (c.check_invariants() != nullptr) return 9;
  c.unlock_memory();  // nothing is locked; harmless
  return 0;
}

}  // namespace

TEST_CASE("RLIMIT_MEMLOCK 0: TaggedHiSlab refuses locking with the errno and stays usable",
          "[memory][errors]") {
  using C = hislab::TaggedHiSlab<std::uint64_t>;
  with_no_memlock([] {
    return check_memlock_refusal<C>(
        [](C& c, std::uint64_t v) {
          const index_type i = c.insert(v);
          if (v % 2 == 0) c.tag(i);
        },
        [](const C& c, std::uint64_t i) { return c[static_cast<index_type>(i)]; });
  });
}

TEST_CASE("RLIMIT_MEMLOCK 0: SlotMap refuses locking with the errno and stays usable", "[memory][errors]") {
  using C = hislab::SlotMap<std::uint64_t>;
  with_no_memlock([] {
    std::vector<C::key_type> keys;
    return check_memlock_refusal<C>([&](C& c, std::uint64_t v) { keys.push_back(c.insert(v)); },
                                    [&](const C& c, std::uint64_t i) {
                                      const std::uint64_t* p = c.get(keys[i]);
                                      return p != nullptr ? *p : ~std::uint64_t{0};
                                    });
  });
}

TEST_CASE("RLIMIT_MEMLOCK 0: BufferSlab refuses locking with the errno and stays usable",
          "[memory][errors]") {
  with_no_memlock([] {
    using P = hislab::BufferSlab<64>;
    std::error_code ec;
    {
      P refused(Options{1000, 100000, HugePages::None, true}, ec);
      if (!is_mlock_refusal(ec) || refused.capacity() != 0) return 1;
    }
    try {
      P refused(Options{1000, 100000, HugePages::None, true});
      return 2;
    } catch (const std::system_error& e) {
      if (!is_mlock_refusal(e.code())) return 3;
    }
    P pool(Options{1000, 100000, HugePages::None, false});
    std::vector<P::AutoGuard> held;
    for (int i = 0; i < 3000; ++i) held.push_back(pool.allocate());
    try {
      pool.lock_memory();
      return 4;
    } catch (const std::system_error& e) {
      if (!is_mlock_refusal(e.code())) return 5;
    }
    for (int i = 0; i < 3000; ++i) held.push_back(pool.allocate());
    if (pool.size() != 6000 || held.back().index() != 5999) return 6;
    if (pool.check_invariants() != nullptr) return 7;
    held.clear();
    return pool.size() == 0 ? 0 : 8;
  });
}

TEST_CASE("RLIMIT_MEMLOCK 0: LocalPool::init refuses locking and leaves the thread uninitialised",
          "[memory][errors][local_pool]") {
  with_no_memlock([] {
    try {
      U64Pool::init(Options{1000, 100000, HugePages::None, true});
      return 1;
    } catch (const std::system_error& e) {
      if (!is_mlock_refusal(e.code())) return 2;
    }
    if (U64Pool::is_initialized()) return 3;
    U64Pool::init(Options{1000, 100000, HugePages::None, false});
    std::vector<hislab::Slot<std::uint64_t, U64Pool>> slots;
    for (std::uint64_t i = 0; i < 3000; ++i) slots.push_back(U64Pool::insert(i));
    try {
      U64Pool::slab().lock_memory();
      return 4;
    } catch (const std::system_error& e) {
      if (!is_mlock_refusal(e.code())) return 5;
    }
    for (std::uint64_t i = 3000; i < 6000; ++i) slots.push_back(U64Pool::insert(i));
    for (std::uint64_t i = 0; i < 6000; ++i)
      if (*slots[i] != i) return 6;
    slots.clear();
    if (U64Pool::size() != 0) return 7;
    return U64Pool::shutdown() ? 0 : 8;
  });
}

TEST_CASE("HugePages::Require: every container reports an empty or too-small hugetlb pool",
          "[memory][hugepages][errors]") {
  const std::size_t hp = hislab::detail::os::huge_page_size();
  {
    hislab_test::HugePagePool none(0);
    if (!none.ok()) HISLAB_SKIP("needs root and a writable /proc/sys/vm/nr_hugepages");
    if (!hislab_test::HugePagePool::can_map()) HISLAB_SKIP("MAP_HUGETLB is refused here (qemu-user?)");
    const Options o{0, 1000, HugePages::Require};
    std::error_code ec;
    REQUIRE_FALSE(hislab::TaggedHiSlab<std::uint64_t>::try_create(o, ec));
    REQUIRE(ec.value() == ENOMEM);
    REQUIRE_FALSE(hislab::SlotMap<std::uint64_t>::try_create(o, ec));
    REQUIRE(ec.value() == ENOMEM);
    REQUIRE_THROWS_AS(hislab::SlotMap<std::uint64_t>(o), std::system_error);
    {
      hislab::BufferSlab<64> pool(o, ec);
      REQUIRE(ec.value() == ENOMEM);
      REQUIRE(pool.capacity() == 0);
    }
    REQUIRE_THROWS_AS(U64Pool::init(o), std::system_error);
    REQUIRE_FALSE(U64Pool::is_initialized());
    // PoolResource takes no hugetlb pages: Require is refused before anything is asked of the OS.
    REQUIRE_THROWS_AS(hislab::PoolResource(hislab::PoolOptions{256, 1000, HugePages::Require}),
                      std::invalid_argument);
  }
  hislab_test::HugePagePool pool(2);
  if (!pool.ok()) HISLAB_SKIP("the kernel could not supply 2 huge pages");
  // Containers of 8-byte elements with room for four huge pages, over a pool of two: the first
  // two pages' worth of inserts succeed, the next reports std::system_error (the try_ form is
  // empty), nothing is lost, and a page trimmed back to the pool is used again. Each case
  // returns 0 when all holds, else the number of the failed check.
  const auto per_page = static_cast<std::uint32_t>(hp / 8);
  const Options o{0, per_page * 4, HugePages::Require};

  SECTION("TaggedHiSlab") {
    REQUIRE([&, n = per_page] {
      hislab::TaggedHiSlab<std::uint64_t> s(o);
      for (std::uint64_t i = 0; i < 2 * n; ++i) s.tag(s.insert(i));
      try {
        s.insert(1);
        return 1;
      } catch (const std::system_error&) {
      }
      if (s.try_insert(1)) return 2;
      if (s.size() != 2 * n || s.count_tagged() != 2 * n || s[2 * n - 1] != 2 * n - 1) return 3;
      for (index_type i = n; i < 2 * n; ++i) s.erase(i);
      if (s.trim() < hp) return 4;
      if (s.insert(7) != n || s[n] != 7 || s.is_tagged(n)) return 5;
      return s.check_invariants() == nullptr ? 0 : 6;
    }() == 0);
  }
  SECTION("SlotMap") {
    REQUIRE([&, n = per_page] {
      hislab::SlotMap<std::uint64_t> m(o);
      std::vector<hislab::SlotMap<std::uint64_t>::key_type> keys;
      for (std::uint64_t i = 0; i < 2 * n; ++i) keys.push_back(m.insert(i));
      try {
        m.insert(1);
        return 1;
      } catch (const std::system_error&) {
      }
      if (m.try_insert(1)) return 2;
      if (m.size() != 2 * n || m.get(keys.back()) == nullptr || *m.get(keys.back()) != 2 * n - 1) return 3;
      for (std::uint32_t i = n; i < 2 * n; ++i) m.remove(keys[i]);
      if (m.trim() < hp) return 4;
      const auto k = m.insert(7);
      if (k.index() != n || m.contains(keys[n]) || *m.get(k) != 7) return 5;
      return m.check_invariants() == nullptr ? 0 : 6;
    }() == 0);
  }
  SECTION("BufferSlab") {
    REQUIRE([&, n = per_page] {
      hislab::BufferSlab<8> p(o);
      std::vector<hislab::BufferSlab<8>::AutoGuard> held;
      for (std::uint32_t i = 0; i < 2 * n; ++i) held.push_back(p.allocate());
      try {
        (void)p.allocate();
        return 1;
      } catch (const std::system_error&) {
      }
      if (p.try_allocate()) return 2;
      if (p.size() != 2 * n) return 3;
      held.erase(held.begin() + n, held.end());
      if (p.trim() < hp) return 4;
      held.push_back(p.allocate());
      if (held.back().index() != n) return 5;
      const bool ok = p.check_invariants() == nullptr;
      held.clear();
      return ok ? 0 : 6;
    }() == 0);
  }
  SECTION("LocalPool") {
    REQUIRE([&, n = per_page] {
      U64Pool::init(o);
      int why = 0;
      {
        std::vector<hislab::Slot<std::uint64_t, U64Pool>> slots;
        for (std::uint64_t i = 0; i < 2 * n; ++i) slots.push_back(U64Pool::insert(i));
        try {
          (void)U64Pool::insert(1);
          why = 1;
        } catch (const std::system_error&) {
        }
        if (why == 0 && U64Pool::try_insert(1)) why = 2;
        if (why == 0 && (U64Pool::size() != 2 * n || *slots.back() != 2 * n - 1)) why = 3;
        slots.erase(slots.begin() + n, slots.end());
        if (why == 0 && U64Pool::slab().trim() < hp) why = 4;
        if (why == 0 && U64Pool::insert(7).index() != n) why = 5;
      }
      if (!U64Pool::shutdown() && why == 0) why = 6;
      return why;
    }() == 0);
  }
}

namespace {

using hislab_test::Counted;  // counts live objects, aborts on a double destroy

/// The RLIMIT_MEMLOCK hard limit the sweep below runs under: the process's own (it may not be
/// raised), at most 64 MiB.
inline rlim_t sweep_hard_limit() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_MEMLOCK, &rl) != 0) return 0;
  return std::min<rlim_t>(rl.rlim_max, rlim_t{64} << 20);
}

/// In the child of a sweep: RLIMIT_MEMLOCK soft = hard = sweep_hard_limit(), then uid 65534
/// (root ignores the limit). False if either is refused.
bool enter_memlock_sweep() {
  const rlim_t hard = sweep_hard_limit();
  const struct rlimit rl { hard, hard };
  return ::setrlimit(RLIMIT_MEMLOCK, &rl) == 0 && (::geteuid() != 0 || ::setuid(65534) == 0);
}
/// Sets the soft RLIMIT_MEMLOCK under the sweep's hard limit. False if refused or above it.
bool set_memlock_soft_limit(rlim_t soft) {
  const struct rlimit rl { soft, sweep_hard_limit() };
  return soft <= rl.rlim_max && ::setrlimit(RLIMIT_MEMLOCK, &rl) == 0;
}

/// In a child run as uid 65534 (root ignores RLIMIT_MEMLOCK) under sweep_hard_limit(): a
/// locked container holding 5000 elements, then copies of it while the soft limit rises one page
/// at a time from what the source holds locked. The copy locks as the source's options say, so
/// every step that cannot hold the whole copy refuses it part-way: after its elements, its
/// bitmap, its tags or its generations. Each refusal must throw std::system_error with the
/// errno, destroy every element the copy built, leave the source as it was and lock nothing
/// more; the first step that fits gives a copy equal to the source. Returns 0 or the number of
/// the check that failed. `add(c, v)` inserts v and returns a handle; `read(c, h)` reads it.
template <class C, class Add, class Read>
int copy_under_rising_memlock_limit(Add add, Read read) {
  if (!enter_memlock_sweep()) return 100;
  Counted::reset();
  const long before = hislab_test::locked_bytes();
  C src(Options{0, 1u << 16, HugePages::None, true});
  using Handle = decltype(add(src, std::uint64_t{0}));
  std::vector<Handle> handles;
  for (std::uint64_t i = 0; i < 5000; ++i) handles.push_back(add(src, i));
  auto holds_all = [&](const C& c) {
    if (c.size() != handles.size() || c.check_invariants() != nullptr) return false;
    for (std::uint64_t i = 0; i < handles.size(); ++i)
      if (read(c, handles[i]) != i) return false;
    return true;
  };
  const long base = hislab_test::locked_bytes();
  if (before < 0 || base <= before) return 1;  // the source holds its pages locked
  const auto page = static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
  int refusals = 0;
  for (rlim_t soft = static_cast<rlim_t>(base);; soft += page) {
    if (!set_memlock_soft_limit(soft)) return 2;  // refused, or never fitted under the hard limit
    try {
      const C copy(src);
      if (!holds_all(copy) || !holds_all(src)) return 4;
      // The copy locks exactly the pages its source holds locked.
      if (hislab_test::locked_bytes() - base != base - before) return 5;
      break;
    } catch (const std::system_error& e) {
      if (!is_mlock_refusal(e.code())) return 6;
      ++refusals;
    }
    if (Counted::live != static_cast<long>(handles.size())) return 7;
    if (hislab_test::locked_bytes() != base) return 8;
    if (!holds_all(src)) return 9;
  }
  // Every limit below the copy's own pages refused it, and the first that holds them took it.
  if (refusals == 0 || static_cast<long>(refusals) * static_cast<long>(page) != base - before) return 10;
  if (Counted::live != static_cast<long>(handles.size())) return 11;
  handles.push_back(add(src, handles.size()));  // the source still grows
  return holds_all(src) ? 0 : 12;
}

/// In a child under sweep_hard_limit(), for soft limits rising a page at a time: a locked
/// SlotMap of one-byte elements filled until an insert is refused, then vacant_entry(). A page
/// of such elements holds the slots of four pages of generations, so at four limits in five the
/// refusal is the lock of the next generation's page, with the element's page already
/// committed. Each vacant_entry() must throw std::system_error with the errno
/// (try_vacant_entry(): empty) and change nothing; a removal then makes room below the locked
/// pages. Returns 0 when every check held and at least one refusal named the generation's page,
/// else the failed check's number.
int vacant_entry_under_rising_memlock_limit() {
  if (!enter_memlock_sweep()) return 100;
  const auto page = static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
  int generation_refusals = 0;
  for (rlim_t soft = rlim_t{128} << 10; soft < (rlim_t{128} << 10) + 16 * page; soft += page) {
    if (!set_memlock_soft_limit(soft)) return 1;
    std::error_code ec;
    auto m = hislab::SlotMap<std::uint8_t>::try_create(Options{0, 1u << 24, HugePages::None, true}, ec);
    if (!m) return 2;
    std::vector<hislab::Key<>> keys;
    while (auto k = m->try_insert(static_cast<std::uint8_t>(keys.size())))
      if (keys.push_back(*k); keys.size() > (1u << 22)) return 3;
    try {
      auto entry = m->vacant_entry();
      return 4;
    } catch (const std::system_error& e) {
      if (!is_mlock_refusal(e.code())) return 5;
      if (std::strstr(e.what(), "generation") != nullptr) ++generation_refusals;
    }
    if (m->try_vacant_entry().has_value()) return 6;
    if (m->size() != keys.size() || m->check_invariants() != nullptr) return 7;
    for (std::size_t i = 0; i < keys.size(); ++i)
      if ((*m)[keys[i]] != static_cast<std::uint8_t>(i)) return 8;
    m->erase(keys[7]);
    auto entry = m->vacant_entry();
    if (entry.key().index() != 7) return 9;
  }
  return generation_refusals > 0 ? 0 : 10;
}

}  // namespace

/// Runs copy_under_rising_memlock_limit<C>(add, read) in a child and requires it to return 0.
template <class C, class Add, class Read>
void require_clean_copy_refusals(Add add, Read read) {
  auto res = hislab_test::run_in_child([&] { ::_exit(copy_under_rising_memlock_limit<C>(add, read)); });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}

TEST_CASE("RLIMIT_MEMLOCK rising page by page: a copy of a locked container is refused cleanly at every step",
          "[memory][errors][lock]") {
  if (!hislab_test::mlock_onfault_supported()) HISLAB_SKIP("mlock2(MLOCK_ONFAULT) is not available here");
  if (hislab_test::locked_bytes() < 0) HISLAB_SKIP("/proc/self/status has no VmLck");
  if (sweep_hard_limit() < (rlim_t{1} << 20)) HISLAB_SKIP("the RLIMIT_MEMLOCK hard limit is under 1 MiB");
  // Elements hold their insertion number; reads give it back as a std::uint64_t.
  auto number = [](const Counted& e) { return static_cast<std::uint64_t>(e.value); };
  SECTION("HiSlab") {
    using C = hislab::HiSlab<Counted>;
    require_clean_copy_refusals<C>([](C& c, std::uint64_t v) { return c.emplace(static_cast<int>(v)); },
                                   [&](const C& c, index_type i) { return number(c[i]); });
  }
  SECTION("TaggedHiSlab, every third element tagged") {
    using C = hislab::TaggedHiSlab<Counted>;
    require_clean_copy_refusals<C>(
        [](C& c, std::uint64_t v) {
          const int n = static_cast<int>(v);
          return v % 3 == 0 ? c.emplace_tagged(n) : c.emplace(n);
        },
        [&](const C& c, index_type i) {
          return c.is_tagged(i) == (number(c[i]) % 3 == 0) ? number(c[i]) : ~std::uint64_t{0};
        });
  }
  SECTION("SlotMap") {
    using C = hislab::SlotMap<Counted>;
    require_clean_copy_refusals<C>([](C& c, std::uint64_t v) { return c.emplace(static_cast<int>(v)); },
                                   [&](const C& c, hislab::Key<> k) {
                                     const Counted* p = c.get(k);
                                     return p != nullptr ? number(*p) : ~std::uint64_t{0};
                                   });
  }
}

TEST_CASE(
    "RLIMIT_MEMLOCK rising page by page: SlotMap::vacant_entry() is refused cleanly when its generation "
    "cannot lock",
    "[memory][errors][lock]") {
  if (!hislab_test::mlock_onfault_supported()) HISLAB_SKIP("mlock2(MLOCK_ONFAULT) is not available here");
  if (sweep_hard_limit() < (rlim_t{1} << 20)) HISLAB_SKIP("the RLIMIT_MEMLOCK hard limit is under 1 MiB");
  auto res = hislab_test::run_in_child([] { ::_exit(vacant_entry_under_rising_memlock_limit()); });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}

#endif  // HISLAB_TEST_EXCEPTIONS

TEST_CASE("populate fallback: SlotMap and TaggedHiSlab pre-fault without MADV_POPULATE_WRITE", "[memory]") {
  hislab::detail::os::populate_write_disabled() = true;
  {
    hislab::SlotMap<std::uint64_t> m(Options{10000, 100000});
    hislab::TaggedHiSlab<std::uint64_t> t(Options{10000, 100000});
    REQUIRE(m.memory_committed() >= 10000 * (8 + 4));
    REQUIRE(t.memory_committed() >= 10000 * 8);
    std::vector<hislab::SlotMap<std::uint64_t>::key_type> keys;
    for (std::uint64_t i = 0; i < 20000; ++i) {
      keys.push_back(m.insert(i));
      t.tag(t.insert(i));
    }
    m.reserve(50000);
    t.reserve(50000);
    REQUIRE(*m.get(keys[19999]) == 19999);
    REQUIRE(t[19999] == 19999);
    REQUIRE(t.count_tagged() == 20000);
    REQUIRE(m.check_invariants() == nullptr);
    REQUIRE(t.check_invariants() == nullptr);
  }
  hislab::detail::os::populate_write_disabled() = false;
}
