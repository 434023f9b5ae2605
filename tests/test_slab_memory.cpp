// Memory controls: reserve, trim, lock_memory (and its refusal), the largest virtual capacity,
// HugePages::Require.
#include <hislab/hislab.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

#include "support/catch.hpp"
#include "support/death.hpp"
#include "support/environment.hpp"
#include "support/hugepages.hpp"

using hislab::HiSlab;
using hislab::HugePages;
using hislab::index_type;
using hislab::Options;

TEST_CASE("Largest virtual capacity: constructs, works near index 0, commits little", "[memory]") {
  HiSlab<std::uint64_t> s(0, 0xFFFF'FFFFu);
  REQUIRE(s.capacity() == 0xFFFF'FFFFu);
  REQUIRE(s.memory_reserved() >= std::size_t{0xFFFF'FFFFu} * 8);
  for (std::uint64_t i = 0; i < 100000; ++i) REQUIRE(s.insert(i) == i);
  for (index_type i = 0; i < 100000; i += 2) REQUIRE(s.erase(i));
  REQUIRE(s.insert(7) == 0);
  std::size_t n = 0;
  for (auto [i, v] : s) n += (v == i || i == 0);
  REQUIRE(n == s.size());
  REQUIRE(s.memory_committed() < (std::size_t{4} << 20));
  s.clear();
  REQUIRE(s.empty());
}

TEST_CASE("reserve() pre-faults, beyond capacity throws", "[memory][errors]") {
  HiSlab<std::uint64_t> s(0, 100000);
  const std::size_t before = s.memory_committed();
  s.reserve(50000);
  REQUIRE(s.memory_committed() >= before + 50000 * 8);
  REQUIRE_THROWS_AS(s.reserve(100001), hislab::CapacityError);
  s.reserve(100000);
  REQUIRE(s.memory_committed() >= 100000 * 8);
  REQUIRE(s.insert(1) == 0);
}

TEST_CASE("trim() gives back vacant pages without moving anything", "[memory]") {
  HiSlab<std::uint64_t> s(0, 1u << 20);
  for (std::uint64_t i = 0; i < 500000; ++i) s.insert(i);
  const std::size_t full = s.memory_committed();
  REQUIRE(s.trim() == 0);  // nothing vacant yet
  std::mt19937 rng(3);
  std::vector<index_type> kept;
  for (index_type i = 0; i < 500000; ++i) {
    if (i % 10000 == 0)
      kept.push_back(i);  // one survivor per ~20 pages
    else
      s.erase(i);
  }
  const std::uint64_t* addr = &s[10000];
  const std::size_t released = s.trim();
  REQUIRE(released > 400000 * 8 * 9 / 10);
  REQUIRE(s.memory_committed() <= full - released);
  REQUIRE(s.trim() == 0);      // nothing more can go
  REQUIRE(&s[10000] == addr);  // nothing moved
  for (index_type i : kept) REQUIRE(s[i] == i);
  // The released slots are reusable and read what was written.
  for (std::uint64_t k = 0; k < 1000; ++k) {
    const auto i = s.insert(k * 3);
    REQUIRE(s[i] == k * 3);
  }
  REQUIRE(s.size() == kept.size() + 1000);
  s.clear();
  REQUIRE(s.trim() > 0);
  REQUIRE(s.trim() == 0);
}

TEST_CASE("trim() of a locked slab gives back vacant chunks and their locks; relocking locks what is left",
          "[memory][lock]") {
  if (!hislab_test::mlock_onfault_supported()) HISLAB_SKIP("mlock2(MLOCK_ONFAULT) is not available here");
  const long before = hislab_test::locked_bytes();
  if (before < 0) HISLAB_SKIP("/proc/self/status has no VmLck");
  auto locked = [&] { return hislab_test::locked_bytes() - before; };
  HiSlab<std::uint64_t> s(Options{0, 1u << 20, HugePages::None, true});
  for (std::uint64_t i = 0; i < 300000; ++i) s.insert(i);
  const long all = locked();
  REQUIRE(all >= static_cast<long>(300000 * sizeof(std::uint64_t)));
  // A vacant run in the middle: the committed chunks then form two runs.
  for (index_type i = 50000; i < 250000; ++i) s.erase(i);
  const std::size_t released = s.trim();
  REQUIRE(released >= 190000 * sizeof(std::uint64_t));
  REQUIRE(locked() == all - static_cast<long>(released));  // the released pages are unlocked too
  REQUIRE(s.check_invariants() == nullptr);
  std::size_t wrong = 0;
  for (index_type i = 0; i < 300000; ++i)
    if (i < 50000 || i >= 250000) wrong += s[i] != i;
  REQUIRE(wrong == 0);
  s.unlock_memory();
  REQUIRE(locked() == 0);
  s.lock_memory();  // the two committed runs
  REQUIRE(locked() == all - static_cast<long>(released));
  // The trimmed slots come back committed and locked on first use.
  for (std::uint64_t k = 0; k < 200000; ++k) wrong += s.insert(k + 1) != 50000 + k;
  REQUIRE(locked() == all);
  for (index_type i = 50000; i < 250000; ++i) wrong += s[i] != i - 49999;
  REQUIRE(wrong == 0);
  s.unlock_memory();
  REQUIRE(locked() == 0);
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("lock_memory() locks, and a refusal leaves the slab usable", "[memory][errors]") {
  {
    const long before = hislab_test::locked_bytes();
    HiSlab<std::uint64_t> s(Options{1000, 100000, HugePages::None, true});
    for (int i = 0; i < 5000; ++i) s.insert(static_cast<std::uint64_t>(i));  // later pages too
    if (before >= 0) {
      // Locked on fault: at least the 10 pages of elements written so far.
      REQUIRE(hislab_test::locked_bytes() - before >= 5000 * 8);
    }
    s.unlock_memory();
    if (before >= 0) REQUIRE(hislab_test::locked_bytes() == before);
    s.lock_memory();
    if (before >= 0) REQUIRE(hislab_test::locked_bytes() - before >= 5000 * 8);
    s.unlock_memory();
    if (before >= 0) REQUIRE(hislab_test::locked_bytes() == before);
    REQUIRE(s.size() == 5000);
  }
  auto res = hislab_test::run_in_child([] {
    struct rlimit rl {
      64 * 1024, 64 * 1024
    };
    if (::setrlimit(RLIMIT_MEMLOCK, &rl) != 0) ::_exit(3);
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(4);  // root ignores RLIMIT_MEMLOCK
    HiSlab<std::uint64_t> s(0, 1u << 20);
    for (std::uint64_t i = 0; i < 100000; ++i) s.insert(i);  // 800 KB > 64 KiB
    try {
      s.lock_memory();
      ::_exit(5);
    } catch (const std::system_error& e) {
      if (e.code().value() != ENOMEM && e.code().value() != EPERM) ::_exit(6);
    }
    for (std::uint64_t i = 0; i < 1000; ++i) s.insert(i);  // still usable
    if (s.size() != 101000 || s[5] != 5) ::_exit(7);
    // Constructing with lock_memory over the limit is refused by the constructor.
    std::error_code ec;
    if (HiSlab<std::uint64_t>::try_create(Options{100000, 200000, HugePages::None, true}, ec)) ::_exit(8);
    if (ec.value() != ENOMEM && ec.value() != EPERM) ::_exit(9);
    try {
      HiSlab<std::uint64_t> t(Options{100000, 200000, HugePages::None, true});
      ::_exit(10);
    } catch (const std::system_error&) {
    }
    ::_exit(0);
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}
#endif

TEST_CASE("populate fallback: kernels without MADV_POPULATE_WRITE", "[memory]") {
  hislab::detail::os::populate_write_disabled() = true;
  HiSlab<std::uint64_t> s(10000, 100000);
  REQUIRE(s.memory_committed() >= 10000 * 8);
  for (std::uint64_t i = 0; i < 20000; ++i) s.insert(i);
  s.reserve(50000);
  REQUIRE(s[19999] == 19999);
  hislab::detail::os::populate_write_disabled() = false;
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("HugePages::Require: clear errors without a pool, works with one", "[memory][hugepages]") {
  const std::size_t hp = hislab::detail::os::huge_page_size();
  {
    hislab_test::HugePagePool none(0);
    if (!none.ok()) HISLAB_SKIP("needs root and a writable /proc/sys/vm/nr_hugepages");
    if (!hislab_test::HugePagePool::can_map()) HISLAB_SKIP("MAP_HUGETLB is refused here (qemu-user?)");
    std::error_code ec;
    REQUIRE_FALSE(HiSlab<std::uint64_t>::try_create(Options{0, 1000, HugePages::Require}, ec));
    REQUIRE(ec.value() == ENOMEM);
    try {
      HiSlab<std::uint64_t> s(Options{0, 1000, HugePages::Require});
      FAIL("expected std::system_error");
    } catch (const std::system_error& e) {
      REQUIRE(e.code().value() == ENOMEM);
    }
  }
  {
    hislab_test::HugePagePool pool(2);
    if (!pool.ok()) HISLAB_SKIP("the kernel could not supply 2 huge pages");
    const auto per_page = static_cast<std::uint32_t>(hp / 8);
    HiSlab<std::uint64_t> s(Options{0, per_page * 4, HugePages::Require});
    for (std::uint64_t i = 0; i < per_page * 2; ++i) REQUIRE(s.insert(i) == i);  // two huge pages
    // The third huge page does not exist: an error from insert, never SIGBUS.
    REQUIRE_THROWS_AS(s.insert(1), std::system_error);
    REQUIRE_FALSE(s.try_insert(1));
    REQUIRE(s.size() == per_page * 2);
    REQUIRE(s[per_page * 2 - 1] == per_page * 2 - 1);
    // Free the second page entirely, trim it back to the pool, and use it again.
    for (index_type i = per_page; i < per_page * 2; ++i) s.erase(i);
    REQUIRE(s.trim() == hp);
    REQUIRE(s.insert(5) == per_page);
    REQUIRE(s[per_page] == 5);
  }
}
#endif

TEST_CASE("A pre-faulted slab fills its initial capacity without a page fault", "[memory][novalgrind]") {
#if HISLAB_DETAIL_ASAN
  HISLAB_SKIP("AddressSanitizer faults in its shadow memory");
#else
  if (!hislab_test::populate_write_populates()) HISLAB_SKIP("MADV_POPULATE_WRITE populates nothing here");
  // 2^20 slots: 16 MiB of elements and 128 KiB of bitmap, both committed by the constructor.
  constexpr std::uint32_t n = 1u << 20;
  HiSlab<std::uint64_t> s(Options{n, 4 * n, HugePages::None});
  const long before = hislab_test::minor_faults();
  for (std::uint64_t i = 0; i < n; ++i) (void)s.insert(i);
  const long faults = hislab_test::minor_faults() - before;
  REQUIRE(s.size() == n);
  REQUIRE(s[n - 1] == n - 1);
  // Without pre-faulting the bitmap this was 33 (32 pages of blocks, 1 of counts); the elements
  // alone would be 4096.
  REQUIRE(faults == 0);
#endif
}

TEST_CASE("TaggedHiSlab: the tag bitmap is accounted, pre-faulted and locked with the slab",
          "[memory][tagged][novalgrind]") {
  constexpr std::uint32_t n = 1u << 16;
  const Options o{n, 4 * n, HugePages::None};
  SECTION("accounted") {
    HiSlab<std::uint64_t> plain(o);
    hislab::TaggedHiSlab<std::uint64_t> tagged(o);
    // One bit per slot of address space, and the initial capacity's share committed.
    REQUIRE(tagged.memory_reserved() >= plain.memory_reserved() + 4 * n / 8);
    REQUIRE(tagged.memory_committed() >= plain.memory_committed() + n / 8);
  }
  SECTION("pre-faulted: filling and tagging the initial capacity takes no page fault") {
#if HISLAB_DETAIL_ASAN
    HISLAB_SKIP("AddressSanitizer faults in its shadow memory");
#else
    if (!hislab_test::populate_write_populates()) HISLAB_SKIP("MADV_POPULATE_WRITE populates nothing here");
    hislab::TaggedHiSlab<std::uint64_t> s(o);
    const long before = hislab_test::minor_faults();
    for (std::uint64_t i = 0; i < n; ++i) (void)s.insert_tagged(i);
    const long faults = hislab_test::minor_faults() - before;
    REQUIRE(s.count_tagged() == n);
    REQUIRE(faults == 0);
#endif
  }
  SECTION("locked") {
    const long before = hislab_test::locked_bytes();
    if (before < 0) HISLAB_SKIP("/proc/self/status has no VmLck");
    long plain_locked = 0, tagged_locked = 0;
    {
      HiSlab<std::uint64_t> s(o);
      s.lock_memory();
      plain_locked = hislab_test::locked_bytes() - before;
    }
    {
      hislab::TaggedHiSlab<std::uint64_t> s(o);
      s.lock_memory();
      tagged_locked = hislab_test::locked_bytes() - before;
      for (std::uint64_t i = 0; i < n; ++i) (void)s.insert_tagged(i);
      s.unlock_memory();
      REQUIRE(hislab_test::locked_bytes() == before);
    }
    // At least the tag bits of the pre-faulted slots on top of what the plain slab locks.
    REQUIRE(tagged_locked >= plain_locked + static_cast<long>(n / 8));
  }
}

namespace {
struct CopyProbe {
  static inline int constructed = 0, destroyed = 0, never_built = 0;
  std::array<char, 4000> pad{};
  int magic = 0x1234;
  CopyProbe() { ++constructed; }
  CopyProbe(const CopyProbe& o) : pad(o.pad) { ++constructed; }
  ~CopyProbe() {
    ++destroyed;
    if (magic != 0x1234) ++never_built;
  }
};
}  // namespace

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("A copy whose page commit is refused destroys only what it built", "[memory][errors]") {
  auto res = hislab_test::run_in_child([] {
    struct rlimit rl {
      64 * 1024, 64 * 1024
    };
    if (::setrlimit(RLIMIT_MEMLOCK, &rl) != 0) ::_exit(3);
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(4);  // root ignores RLIMIT_MEMLOCK
    {
      HiSlab<CopyProbe> src(Options{0, 64, HugePages::None, true});
      for (int i = 0; i < 8; ++i) src.emplace();  // 8 pages locked of 16 allowed
      try {
        HiSlab<CopyProbe> copy(src);  // needs 8 more pages: refused part-way
        ::_exit(5);
      } catch (const std::system_error& e) {
        if (e.code().value() != ENOMEM && e.code().value() != EPERM) ::_exit(6);
      }
      // Every element the copy built was destroyed, and nothing it did not build.
      if (CopyProbe::never_built != 0) ::_exit(7);
      if (CopyProbe::constructed - CopyProbe::destroyed != 8) ::_exit(8);
      if (src.size() != 8) ::_exit(9);
    }
    ::_exit(CopyProbe::constructed == CopyProbe::destroyed ? 0 : 10);
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}
#endif

namespace {
[[maybe_unused]] std::size_t proc_status_kib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stoul(line.substr(std::strlen(key)));
  return 0;
}
[[maybe_unused]] std::size_t mapping_count() {
  std::ifstream f("/proc/self/maps");
  std::string line;
  std::size_t n = 0;
  while (std::getline(f, line)) ++n;
  return n;
}
}  // namespace

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("Fault injection: RLIMIT_AS refuses a reservation part-way, nothing leaks",
          "[memory][errors][novalgrind]") {
#if HISLAB_DETAIL_ASAN || defined(__aarch64__)
  // AddressSanitizer's shadow, and qemu-user's own reservation for the guest, live in the same
  // address-space limit.
  HISLAB_SKIP("RLIMIT_AS is checked natively and without AddressSanitizer");
#else
  auto res = hislab_test::run_in_child([] {
    const std::size_t elements = std::size_t{1} << 26;  // 512 MiB of 8-byte slots
    // Room for the element region and 3 MiB more, not for its 8 MiB occupancy bitmap.
    const std::size_t limit = (proc_status_kib("VmSize:") + 3 * 1024) * 1024 + elements * 8;
    struct rlimit rl {
      limit, limit
    };
    if (::setrlimit(RLIMIT_AS, &rl) != 0) ::_exit(3);
    const std::size_t maps = mapping_count();
    std::error_code ec;
    // Whole reservations refused (elements past the limit), then refused after the elements
    // were mapped (the bitmap): either way every mapping made is undone.
    for (const std::uint32_t cap : {std::uint32_t{1} << 28, std::uint32_t{1} << 26}) {
      if (HiSlab<std::uint64_t>::try_create(Options{0, cap, HugePages::None, false}, ec)) ::_exit(4);
      if (ec.value() != ENOMEM) ::_exit(5);
      try {
        HiSlab<std::uint64_t> s(Options{0, cap, HugePages::None, false});
        ::_exit(6);
      } catch (const std::system_error& e) {
        if (e.code().value() != ENOMEM) ::_exit(7);
      }
      if (hislab::TaggedHiSlab<std::uint64_t>::try_create(Options{0, cap, HugePages::None, false}, ec))
        ::_exit(8);
      if (hislab::SlotMap<std::uint64_t>::try_create(Options{0, cap, HugePages::None, false}, ec)) ::_exit(9);
      hislab::BufferSlab<8> pool(Options{0, cap, HugePages::None, false}, ec);
      if (!ec || pool.capacity() != 0) ::_exit(10);
      if (mapping_count() != maps) ::_exit(11);
    }
    try {
      hislab::PoolResource r(hislab::PoolOptions{4096, 1u << 20, HugePages::None});
      ::_exit(12);
    } catch (const std::system_error& e) {
      if (e.code().value() != ENOMEM) ::_exit(13);
    }
    if (mapping_count() != maps) ::_exit(14);
    // What fits is still made.
    HiSlab<std::uint64_t> small(Options{0, 1000, HugePages::None, false});
    small.insert(1);
    ::_exit(small.size() == 1 ? 0 : 15);
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
#endif
}
#endif
