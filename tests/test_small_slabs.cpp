// Many small slabs, measured by the kernel (mincore, /proc/self/smaps, VmLck) rather than by the
// library's own counters: huge pages only where the elements fill one, memory_committed() that
// matches the resident pages, lock_memory() that locks what is committed.
#include <hislab/detail/sanitizer.hpp>  // HISLAB_DETAIL_ASAN
#include <hislab/hislab.hpp>

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/address_space.hpp"
#include "support/catch.hpp"
#include "support/death.hpp"
#include "support/environment.hpp"
#include "support/memlock.hpp"

using hislab::HiSlab;
using hislab::HugePages;
using hislab::Options;
using hislab_test::resident_bytes;

namespace {

const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

/// Where the kernel's view cannot be read apart from the test's own memory: AddressSanitizer's
/// allocator maps memory of its own between the snapshots, and qemu-user (the NEON leg) does not
/// show the guest's smaps.
bool kernel_view_unavailable() {
#if HISLAB_DETAIL_ASAN || defined(__aarch64__)
  return true;
#else
  return false;
#endif
}

/// |a - b| <= slack.
bool within(std::size_t a, std::size_t b, std::size_t slack) {
  return a > b ? a - b <= slack : b - a <= slack;
}

}  // namespace

TEST_CASE("HugePages::Advise: a slab smaller than a huge page keeps base pages",
          "[memory][thp][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("the kernel's view is not readable under ASan or qemu-user");
  constexpr int n = 20;
  std::vector<HiSlab<int>> slabs;
  slabs.reserve(n);
  const hislab_test::NewMappings mappings;
  std::size_t committed = 0;
  for (int k = 0; k < n; ++k) {
    slabs.emplace_back(Options{});  // HugePages::Advise, 2^20 slots
    REQUIRE(slabs.back().insert(k) == 0);
    committed += slabs.back().memory_committed();
  }
  const hislab_test::Ranges ranges = mappings.added();
  // Each slab maps three regions (elements, occupancy, committed chunks): within a page of each.
  const std::size_t resident = resident_bytes(ranges);
  INFO("resident " << resident << " committed " << committed);
  REQUIRE(within(resident, committed, 3 * n * page));
  for (const auto& s : slabs) {
    const auto m = hislab_test::mapping_of(s.get(0));
    REQUIRE(m.found);
    REQUIRE_FALSE(m.huge_advised);
    REQUIRE(m.anon_huge_kib == 0);
  }
  // trim() gives the element page back, and the kernel sees it go.
  std::size_t released = 0;
  for (auto& s : slabs) {
    s.erase(0);
    released += s.trim();
  }
  REQUIRE(released == n * page);
  const std::size_t after = resident_bytes(ranges);
  REQUIRE(after + released <= resident);
  std::size_t committed_after = 0;
  for (const auto& s : slabs) committed_after += s.memory_committed();
  REQUIRE(within(after, committed_after, 3 * n * page));
}

TEST_CASE(
    "HugePages::Advise: a slab whose elements fill a huge page gets huge pages, and trim() returns them",
    "[memory][thp][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("the kernel's view is not readable under ASan or qemu-user");
  const std::uint32_t n = 1u << 22;  // 32 MiB of 8-byte elements
  HiSlab<std::uint64_t> s(Options{0, 1u << 23});
  REQUIRE(s.insert(0) == 0);
  REQUIRE_FALSE(hislab_test::mapping_of(s.get(0)).huge_advised);  // one element: no advice yet
  for (std::uint64_t i = 1; i < n; ++i) REQUIRE(s.insert(i) == i);
  const auto full = hislab_test::mapping_of(s.get(0));
  REQUIRE(full.huge_advised);
  const std::string mode = hislab_test::thp_mode();
  INFO("transparent_hugepage/enabled: " << mode);
  if (mode == "always" || mode == "madvise") REQUIRE(full.anon_huge_kib > 0);

  const auto* first = reinterpret_cast<const std::byte*>(s.get(0));
  const hislab_test::Ranges elements{{reinterpret_cast<std::uintptr_t>(first),
                                      reinterpret_cast<std::uintptr_t>(first) + std::size_t{n} * 8}};
  REQUIRE(resident_bytes(elements) >= std::size_t{n} * 8);
  for (std::uint32_t i = 0; i < n; ++i) s.erase(i);
  REQUIRE(s.trim() == std::size_t{n} * 8);
  REQUIRE(resident_bytes(elements) == 0);
  REQUIRE(hislab_test::mapping_of(first).anon_huge_kib == 0);
  // The slab fills again, with huge pages where the kernel has them.
  for (std::uint64_t i = 0; i < n; ++i) REQUIRE(s.insert(i) == i);
  REQUIRE(s[n - 1] == n - 1);
}

TEST_CASE("HugePages::Advise: pre-faulting a huge page's worth advises first; None never advises",
          "[memory][thp][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("the kernel's view is not readable under ASan or qemu-user");
  const std::uint32_t n = 1u << 19;  // 4 MiB of 8-byte elements
  HiSlab<std::uint64_t> advised(Options{n, 1u << 20});
  REQUIRE(advised.insert(1) == 0);
  REQUIRE(hislab_test::mapping_of(advised.get(0)).huge_advised);
  HiSlab<std::uint64_t> none(Options{n, 1u << 20, HugePages::None});
  REQUIRE(none.insert(1) == 0);
  REQUIRE_FALSE(hislab_test::mapping_of(none.get(0)).huge_advised);
  const std::string mode = hislab_test::thp_mode();
  if (mode == "madvise") REQUIRE(hislab_test::mapping_of(none.get(0)).anon_huge_kib == 0);
}

namespace {

/// Runs fill, erase, trim(), reserve() and a copy on a container made by `make`, checking after
/// each that memory_committed() is within a page per mapped region of what mincore reports
/// resident in the mappings the container (or its copy) added.
template <class C, class Make, class Insert>
void check_accounting(Make make, Insert insert, std::size_t regions) {
  std::vector<C> hold;
  hold.reserve(2);
  const hislab_test::NewMappings mappings;
  hold.push_back(make());
  C& c = hold.back();
  const hislab_test::Ranges ranges = mappings.added();
  REQUIRE_FALSE(ranges.empty());
  const std::size_t slack = regions * page;
  auto check = [&](const char* when) {
    INFO(when << ": committed " << c.memory_committed() << ", resident " << resident_bytes(ranges));
    REQUIRE(within(resident_bytes(ranges), c.memory_committed(), slack));
  };
  check("empty");
  std::vector<decltype(insert(c, 0))> handles;
  for (int i = 0; i < 30000; ++i) handles.push_back(insert(c, i));
  check("filled");
  for (std::size_t k = 100; k < handles.size(); ++k) REQUIRE(c.erase(handles[k]));
  check("erased");
  REQUIRE(c.trim() > 0);
  check("trimmed");
  c.reserve(200000);
  check("reserved");
  if constexpr (std::is_copy_constructible_v<C>) {
    const hislab_test::NewMappings copy_mappings;
    hold.push_back(c);
    const hislab_test::Ranges copy_ranges = copy_mappings.added();
    INFO("copy: committed " << hold.back().memory_committed() << ", resident "
                            << resident_bytes(copy_ranges));
    REQUIRE(within(resident_bytes(copy_ranges), hold.back().memory_committed(), slack));
  }
}

}  // namespace

TEST_CASE("memory_committed() agrees with the pages the kernel holds resident", "[memory][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("the kernel's view is not readable under ASan or qemu-user");
  SECTION("HiSlab<int>, default options") {
    check_accounting<HiSlab<int>>([] { return HiSlab<int>(Options{}); },
                                  [](HiSlab<int>& s, int v) { return s.insert(v); }, 3);
  }
  SECTION("TaggedHiSlab<std::uint64_t>, HugePages::None") {
    using S = hislab::TaggedHiSlab<std::uint64_t>;
    check_accounting<S>(
        [] {
          return S(Options{0, 1u << 22, HugePages::None});
        },
        [](S& s, int v) { return s.insert_tagged(static_cast<std::uint64_t>(v)); }, 4);
  }
  SECTION("SlotMap<int>") {
    using M = hislab::SlotMap<int>;
    check_accounting<M>([] { return M(Options{}); }, [](M& m, int v) { return m.insert(v); }, 4);
  }
}

TEST_CASE("An empty container writes nothing: no page of its reservation is resident",
          "[memory][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("the kernel's view is not readable under ASan or qemu-user");
  auto check = [](auto make) {
    const hislab_test::NewMappings mappings;
    auto c = make();
    const hislab_test::Ranges ranges = mappings.added();
    REQUIRE_FALSE(ranges.empty());
    CHECK(resident_bytes(ranges) == 0);
    CHECK(c.memory_committed() == 0);
    const hislab_test::NewMappings copy_mappings;
    auto copy = c;
    CHECK(resident_bytes(copy_mappings.added()) == 0);
    CHECK(copy.memory_committed() == 0);
    // The first insert writes the element's page and the bitmap pages it uses, and no others.
    (void)c.insert(7);
    CHECK(resident_bytes(ranges) > 0);
    CHECK(within(resident_bytes(ranges), c.memory_committed(), 3 * page));
  };
  SECTION("HiSlab<int>, default options") {
    check([] { return HiSlab<int>(Options{}); });
  }
  SECTION("HiSlab<std::uint64_t>, 2^32 slots") {
    check([] { return HiSlab<std::uint64_t>(Options{0, 0xFFFF'FFFFu, HugePages::None}); });
  }
  SECTION("TaggedHiSlab<int>") {
    check([] { return hislab::TaggedHiSlab<int>(Options{}); });
  }
  SECTION("SlotMap<int>") {
    check([] { return hislab::SlotMap<int>(Options{}); });
  }
}

TEST_CASE("lock_memory() locks what is committed, not the reservation", "[memory][lock][novalgrind]") {
  if (!hislab_test::mlock_onfault_supported()) HISLAB_SKIP("mlock2(MLOCK_ONFAULT) is not available here");
  const long before = hislab_test::locked_bytes();
  if (before < 0) HISLAB_SKIP("/proc/self/status has no VmLck");
  auto locked = [&] { return static_cast<std::size_t>(hislab_test::locked_bytes() - before); };
  for (const std::uint32_t capacity : {1024u, 1u << 20, 0xFFFF'FFFFu}) {
    INFO("capacity " << capacity);
    HiSlab<int> s(Options{0, capacity});
    REQUIRE(s.insert(1) == 0);
    s.lock_memory();
    // The kernel's count of locked memory (VmLck) is what is committed, within a page per region.
    REQUIRE(within(locked(), s.memory_committed(), 3 * page));
    if (capacity >= (1u << 20)) REQUIRE(locked() < s.memory_reserved() / 100);
    // Pages committed later are locked as they are committed.
    const std::uint32_t more = capacity < 20000 ? capacity - 1 : 20000;
    for (std::uint32_t i = 0; i < more; ++i) REQUIRE(s.insert(static_cast<int>(i)) == i + 1);
    REQUIRE(within(locked(), s.memory_committed(), 3 * page));
    s.unlock_memory();
    REQUIRE(locked() == 0);
  }
}

#if HISLAB_TEST_EXCEPTIONS
namespace {
/// hislab_test::with_memlock_limit where mlock2(MLOCK_ONFAULT) exists (not under qemu-user).
template <class F>
void with_memlock_limit(std::size_t bytes, F body) {
  if (!hislab_test::mlock_onfault_supported()) HISLAB_SKIP("mlock2(MLOCK_ONFAULT) is not available here");
  hislab_test::with_memlock_limit(bytes, body);
}
}  // namespace

TEST_CASE("lock_memory() under a small RLIMIT_MEMLOCK: slabs of any capacity lock; growth past it is refused",
          "[memory][lock][errors][novalgrind]") {
  with_memlock_limit(256 * 1024, [] {
    // About 20 kB and 52 kB committed: both lock (the whole reservations would need 4 MiB and
    // 16 GiB).
    HiSlab<int> small(Options{});  // 2^20 slots
    HiSlab<int> huge(Options{0, 0xFFFF'FFFFu});
    try {
      (void)small.insert(1);
      small.lock_memory();
      (void)huge.insert(2);
      huge.lock_memory();
    } catch (const std::system_error&) {
      ::_exit(102);
    }
    // Insert into the first until a page cannot be locked: a clear error, nothing lost.
    std::uint32_t n = 1;
    try {
      for (;; ++n) {
        if (small.insert(static_cast<int>(n)) != n) ::_exit(1);
        if (n > 100000) ::_exit(2);  // 256 KiB cannot lock 400 kB of elements
      }
    } catch (const std::system_error& e) {
      const int err = e.code().value();
      if (err != ENOMEM && err != EAGAIN && err != EPERM) ::_exit(3);
    }
    if (small.size() != n) ::_exit(4);
    if (small.try_insert(0).has_value()) ::_exit(5);
    for (std::uint32_t i = 1; i < n; ++i)
      if (small[i] != static_cast<int>(i)) ::_exit(6);
    if (small.check_invariants() != nullptr) ::_exit(7);
    if (huge[0] != 2) ::_exit(8);
    return 0;
  });
}
#endif

namespace {
std::size_t status_kib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stoul(line.substr(std::string(key).size()));
  return 0;
}
}  // namespace

TEST_CASE("70,000 small slabs fit in one process, a few pages each", "[memory][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("the kernel's view is not readable under ASan or qemu-user");
  auto res = hislab_test::run_in_child([] {
    constexpr std::size_t n = 70000;
    std::vector<HiSlab<int>> slabs;
    slabs.reserve(n);
    const std::size_t rss0 = status_kib("VmRSS:");
    const std::size_t maps0 = hislab::detail::os::mapping_count();
    for (std::size_t k = 0; k < n; ++k) {
      std::error_code ec;
      auto s = HiSlab<int>::try_create(Options{0, 1024}, ec);  // HugePages::Advise, as by default
      if (!s) {
        std::fprintf(stderr, "slab %zu: %s\n", k, ec.message().c_str());
        ::_exit(1);
      }
      slabs.push_back(std::move(*s));
      (void)slabs.back().try_insert(static_cast<int>(k));
    }
    const std::size_t rss = status_kib("VmRSS:") - rss0;
    const std::size_t maps = hislab::detail::os::mapping_count() - maps0;
    std::fprintf(stderr, "%zu slabs: %zu kB RSS (%zu per slab), %zu more mappings\n", n, rss, rss / n, maps);
    if (rss / n > 32) ::_exit(2);   // at most 32 kB each
    if (maps > n / 10) ::_exit(3);  // the kernel merges neighbouring reservations
    for (std::size_t k = 0; k < n; k += 997)
      if (slabs[k][0] != static_cast<int>(k)) ::_exit(4);
    ::_exit(0);
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("Slabs until RLIMIT_AS refuses: the error names the limit and nothing leaks",
          "[memory][errors][novalgrind]") {
  if (kernel_view_unavailable()) HISLAB_SKIP("RLIMIT_AS is checked natively and without AddressSanitizer");
  auto res = hislab_test::run_in_child([] {
    const std::size_t limit = (status_kib("VmSize:") + 256 * 1024) * 1024;
    struct rlimit rl {
      limit, limit
    };
    if (::setrlimit(RLIMIT_AS, &rl) != 0) ::_exit(100);
    std::vector<HiSlab<int>> slabs;
    slabs.reserve(1000);
    std::size_t vm_before = 0;
    try {
      for (int k = 0; k < 1000; ++k) {
        vm_before = status_kib("VmSize:");
        slabs.emplace_back(Options{});  // 2^20 slots: about 4 MiB of address space
        (void)slabs.back().insert(k);
      }
      ::_exit(1);  // 1000 slabs do not fit in 256 MiB
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      if (e.code().value() != ENOMEM) ::_exit(2);
      if (std::strstr(e.what(), "RLIMIT_AS") == nullptr) ::_exit(3);
    }
    if (status_kib("VmSize:") != vm_before) ::_exit(4);  // the refused slab left nothing mapped
    for (std::size_t k = 0; k < slabs.size(); ++k)
      if (slabs[k][0] != static_cast<int>(k)) ::_exit(5);
    slabs.pop_back();
    slabs.emplace_back(Options{});  // room again
    ::_exit(0);
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}

TEST_CASE("Slabs when vm.max_map_count is reached: the error names the limit and nothing leaks",
          "[memory][errors][novalgrind]") {
  if (kernel_view_unavailable())
    HISLAB_SKIP("mapping limits are checked natively and without AddressSanitizer");
  auto res = hislab_test::run_in_child([] {
    // Use up the process's mappings with single pages whose protections alternate (so that the
    // kernel cannot merge them), then ask for a slab.
    const std::size_t pg = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<void*> pages;
    pages.reserve(1u << 20);
    for (int prot = PROT_READ;; prot = prot == PROT_READ ? PROT_NONE : PROT_READ) {
      void* p = ::mmap(nullptr, pg, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) break;
      pages.push_back(p);
      if (pages.size() > (1u << 20)) ::_exit(100);  // a limit this high is not tested
    }
    const std::size_t maps_before = hislab::detail::os::mapping_count();
    try {
      HiSlab<int> s(Options{0, 1024});
      ::_exit(1);
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      if (e.code().value() != ENOMEM) ::_exit(2);
      if (std::strstr(e.what(), "vm.max_map_count") == nullptr) ::_exit(3);
    }
    if (hislab::detail::os::mapping_count() != maps_before) ::_exit(4);
    for (std::size_t k = 0; k < 64; ++k) ::munmap(pages[pages.size() - 1 - k], pg);
    HiSlab<int> s(Options{0, 1024});  // room again
    if (s.insert(7) != 0 || s[0] != 7) ::_exit(5);
    ::_exit(0);
  });
  INFO(res.err);
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}
#endif

TEST_CASE("SlotMap::lock_memory() locks the generations in use, not the whole region",
          "[memory][lock][novalgrind]") {
  if (!hislab_test::mlock_onfault_supported()) HISLAB_SKIP("mlock2(MLOCK_ONFAULT) is not available here");
  const long before = hislab_test::locked_bytes();
  if (before < 0) HISLAB_SKIP("/proc/self/status has no VmLck");
  auto locked = [&] { return static_cast<std::size_t>(hislab_test::locked_bytes() - before); };
  hislab::SlotMap<int> m(Options{0, 0xFFFF'FFFFu});  // 16 GiB of generations reserved
  std::vector<hislab::Key<>> keys{m.insert(1)};
  m.lock_memory();
  REQUIRE(within(locked(), m.memory_committed(), 4 * page));
  // Inserts past the locked generations lock the next page first.
  for (int i = 0; i < 5000; ++i) keys.push_back(m.insert(i));
  REQUIRE(within(locked(), m.memory_committed(), 4 * page));
  auto entry = m.vacant_entry();
  const auto k = entry.key();
  REQUIRE(entry.insert(7) == 7);
  REQUIRE(m[k] == 7);
  const hislab::SlotMap<int> copy(m);  // unlocked source options: the copy is not locked
  REQUIRE(within(locked(), m.memory_committed(), 4 * page));
  m.unlock_memory();
  REQUIRE(locked() == 0);
  for (std::size_t i = 1; i < keys.size(); ++i) REQUIRE(copy[keys[i]] == static_cast<int>(i - 1));
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("SlotMap under a small RLIMIT_MEMLOCK: a huge map locks; growth past the limit is refused",
          "[memory][lock][errors][novalgrind]") {
  with_memlock_limit(256 * 1024, [] {
    std::error_code ec;
    auto m = hislab::SlotMap<int>::try_create(Options{0, 0xFFFF'FFFFu, HugePages::None, true}, ec);
    if (!m) ::_exit(102);  // locked at construction: 16 GiB of generations reserved
    std::vector<hislab::Key<>> keys;
    try {
      for (int i = 0;; ++i) {
        keys.push_back(m->insert(i));
        if (i > 100000) ::_exit(1);
      }
    } catch (const std::system_error& e) {
      const int err = e.code().value();
      if (err != ENOMEM && err != EAGAIN && err != EPERM) ::_exit(2);
    }
    if (m->size() != keys.size()) ::_exit(3);
    if (m->try_insert(0).has_value()) ::_exit(4);
    for (std::size_t i = 0; i < keys.size(); ++i)
      if ((*m)[keys[i]] != static_cast<int>(i)) ::_exit(5);
    if (m->check_invariants() != nullptr) ::_exit(6);
    return 0;
  });
}
#endif

namespace {
/// A tree whose nodes own their children's slab through a pointer (README: a slab member of the
/// element's own type does not compile; this does).
struct TreeNode {
  int value = 0;
  std::unique_ptr<HiSlab<TreeNode>> kids;
};
int tree_sum(const TreeNode& n) {
  int sum = n.value;
  if (n.kids)
    for (auto [i, child] : *n.kids) sum += tree_sum(child);
  return sum;
}
}  // namespace

TEST_CASE("A node type owns a slab of its own type through a unique_ptr", "[types]") {
  TreeNode root{1, std::make_unique<HiSlab<TreeNode>>(Options{0, 16})};
  for (int k = 0; k < 3; ++k) {
    const auto i = root.kids->insert(TreeNode{10, std::make_unique<HiSlab<TreeNode>>(Options{0, 16})});
    for (int g = 0; g < 4; ++g)
      REQUIRE((*root.kids)[i].kids->insert(TreeNode{100, nullptr}) == static_cast<unsigned>(g));
  }
  REQUIRE(tree_sum(root) == 1 + 3 * 10 + 12 * 100);
  root.kids->erase(1);
  REQUIRE(tree_sum(root) == 1 + 2 * 10 + 8 * 100);
}

TEMPLATE_TEST_CASE("sizeof(HiSlab<T>) is at most 128 bytes", "[types]", char, int, std::string,
                   std::unique_ptr<int>, (std::pair<double, long>)) {
  CHECK(sizeof(HiSlab<TestType>) <= 128);
  CHECK(sizeof(hislab::BufferSlab<64>) <= 128);
}

TEST_CASE("A slab of slabs: each element a small slab of its own", "[types]") {
  // An ECS-like layout: one slab of 2,000 component slabs, each holding a few values; the
  // outer slab's element is the 128-byte inner object.
  constexpr int n = 2000;
  HiSlab<HiSlab<int>> outer(Options{0, n, HugePages::None});
  for (int k = 0; k < n; ++k) {
    const auto i = outer.emplace(Options{0, 64, HugePages::None});
    REQUIRE(i == static_cast<hislab::index_type>(k));
    for (int v = 0; v < k % 5; ++v) (void)outer[i].insert(k * 10 + v);
  }
  for (int k = 0; k < n; k += 3) REQUIRE(outer.erase(static_cast<hislab::index_type>(k)));
  long sum = 0, count = 0;
  for (auto [i, inner] : outer) {
    REQUIRE(i % 3 != 0);
    REQUIRE(inner.check_invariants() == nullptr);
    for (auto [j, v] : inner) {
      REQUIRE(v == static_cast<int>(i) * 10 + static_cast<int>(j));
      sum += v;
      ++count;
    }
  }
  long want_sum = 0, want_count = 0;
  for (int k = 0; k < n; ++k)
    if (k % 3 != 0)
      for (int v = 0; v < k % 5; ++v) want_sum += k * 10 + v, ++want_count;
  REQUIRE(count == want_count);
  REQUIRE(sum == want_sum);
  // Moving the outer slab moves no inner one: their elements stay where they were.
  const int* addr = &outer[1][0];
  HiSlab<HiSlab<int>> moved(std::move(outer));
  REQUIRE(&moved[1][0] == addr);
}

TEST_CASE("clear() of an empty slab writes nothing", "[memory]") {
  HiSlab<int> s(Options{});
  s.clear();
  REQUIRE(s.check_invariants() == nullptr);
  REQUIRE(s.memory_committed() == 0);
  REQUIRE(s.insert(5) == 0);
  REQUIRE(s.check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("A moved-from container holds no memory and answers every memory control", "[memory]",
                   HiSlab<int>, hislab::TaggedHiSlab<int>, hislab::SlotMap<int>) {
  TestType a(Options{0, 1000, HugePages::None});
  (void)a.insert(1);
  TestType b(std::move(a));
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from state is specified
  REQUIRE(a.capacity() == 0);
  REQUIRE(a.memory_reserved() == 0);
  REQUIRE(a.memory_committed() == 0);
  REQUIRE(a.trim() == 0);
  REQUIRE_NOTHROW(a.reserve(0));
  REQUIRE_NOTHROW(a.lock_memory());
  a.unlock_memory();
  REQUIRE_FALSE(a.try_collapse());
  REQUIRE(a.check_invariants() == nullptr);
  // NOLINTEND(bugprone-use-after-move)
  REQUIRE(b.size() == 1);
  REQUIRE(b.capacity() == 1000);
  REQUIRE(b.check_invariants() == nullptr);
}
