// MmapRegion: reservation, populate (and its fallback), lock, collapse, release, huge pages.
#include <hislab/mmap_region.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include "support/catch.hpp"
#include "support/death.hpp"
#include "support/environment.hpp"
#include "support/hugepages.hpp"

using hislab::HugePages;
using hislab::MmapRegion;

using hislab_test::resident_pages;

TEST_CASE("MmapRegion: empty, reserve, move", "[mmap]") {
  MmapRegion empty;
  REQUIRE(empty.data() == nullptr);
  REQUIRE(empty.size() == 0);

  const std::size_t page = hislab::detail::os::base_page_size();
  MmapRegion r = MmapRegion::reserve(page * 10 + 1, HugePages::None);
  REQUIRE(r.data() != nullptr);
  REQUIRE(r.size() == page * 11);  // rounded up to the page size
  REQUIRE(r.huge_pages() == HugePages::None);
  REQUIRE(r.page_size() == page);
  REQUIRE(resident_pages(r.data(), r.size()) == 0);  // reserved, not committed
  r.data()[5] = std::byte{7};

  MmapRegion m(std::move(r));
  REQUIRE(r.data() == nullptr);  // NOLINT(bugprone-use-after-move)
  REQUIRE(r.size() == 0);
  REQUIRE(m.data()[5] == std::byte{7});
  MmapRegion n;
  n = std::move(m);
  REQUIRE(n.data()[5] == std::byte{7});
  REQUIRE(m.data() == nullptr);
  REQUIRE(m.size() == 0);
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("MmapRegion: bad input and refusals", "[mmap][errors][novalgrind]") {
  REQUIRE_THROWS_AS(MmapRegion::reserve(0), std::invalid_argument);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  REQUIRE_FALSE(MmapRegion::try_reserve(0, HugePages::None, ec));
  REQUIRE(ec == std::errc::invalid_argument);

  // More address space than a 47-bit user space has: the OS refuses, with ENOMEM.
  const std::size_t huge = std::size_t{1} << 62;
  REQUIRE_FALSE(MmapRegion::try_reserve(huge, HugePages::None, ec));
  REQUIRE(ec.value() == ENOMEM);
  try {
    (void)MmapRegion::reserve(huge, HugePages::None);
    FAIL("reserve of 2^62 bytes should throw");
  } catch (const std::system_error& e) {
    REQUIRE(e.code().value() == ENOMEM);
  }
  REQUIRE_FALSE(MmapRegion::try_reserve(~std::size_t{0}, HugePages::None, ec));
  REQUIRE(ec);

  auto ok = MmapRegion::try_reserve(4096, HugePages::Advise, ec);
  REQUIRE(ok);
  REQUIRE(!ec);  // cleared on success
}
#endif

TEST_CASE("MmapRegion: populate commits pages, with and without MADV_POPULATE_WRITE", "[mmap]") {
  const std::size_t page = hislab::detail::os::base_page_size();
  for (bool fallback : {false, true}) {
    INFO("fallback " << fallback);
    hislab::detail::os::populate_write_disabled() = fallback;
    // Where madvise is accepted but does nothing (qemu-user), only the fallback can populate.
    if (!fallback && !hislab_test::populate_write_populates()) {
      WARN("MADV_POPULATE_WRITE populates nothing here; residency not checked");
      continue;
    }
    MmapRegion r = MmapRegion::reserve(page * 64, HugePages::None);
    r.data()[page * 3 + 1] = std::byte{42};
    // [page * 3 + 1, page * 5 + 2) rounds outward to pages 3..5.
    REQUIRE_FALSE(r.populate(page * 3 + 1, page * 2 + 1));
    REQUIRE(resident_pages(r.data() + page * 3, page * 3) == 3);
    REQUIRE(resident_pages(r.data(), page * 3) == 0);
    REQUIRE(resident_pages(r.data() + page * 6, page * 10) == 0);
    REQUIRE(r.data()[page * 3 + 1] == std::byte{42});  // contents kept
    REQUIRE_FALSE(r.populate(page * 60, page * 100));  // clipped to the region
    REQUIRE(resident_pages(r.data() + page * 60, page * 4) == 4);
    REQUIRE_FALSE(r.populate(page * 100, page));  // beyond: nothing to do
    hislab::detail::os::populate_write_disabled() = false;
  }
}

TEST_CASE("MmapRegion: release rounds inward and keeps the reservation", "[mmap]") {
  const std::size_t page = hislab::detail::os::base_page_size();
  MmapRegion r = MmapRegion::reserve(page * 8, HugePages::None);
  std::memset(r.data(), 0x5A, r.size());
  // [page + 1, 4 * page + 1) rounds inward to pages 2 and 3: page 1 and page 4 keep their bytes.
  r.release(page + 1, page * 3);
  for (std::size_t i = 0; i < r.size(); ++i) {
    const bool dropped = i >= 2 * page && i < 4 * page;
    REQUIRE(r.data()[i] == (dropped ? std::byte{0} : std::byte{0x5A}));
  }
  r.release(page * 7 + 1, page);  // no whole page inside: nothing dropped
  REQUIRE(r.data()[page * 7 + 10] == std::byte{0x5A});
  r.data()[page * 2] = std::byte{1};  // still mapped and writable
  REQUIRE(r.data()[page * 2] == std::byte{1});
}

TEST_CASE("MmapRegion: lock, unlock and collapse", "[mmap]") {
  const std::size_t page = hislab::detail::os::base_page_size();
  MmapRegion r = MmapRegion::reserve(page * 16, HugePages::Advise);
  REQUIRE_FALSE(r.lock(0, page * 4));
  REQUIRE(resident_pages(r.data(), page * 4) == 4);  // mlock faults the pages in
  REQUIRE_FALSE(r.unlock(0, page * 4));
  REQUIRE_FALSE(r.lock(page * 4, page * 4, true));
  if (hislab_test::mlock_onfault_supported()) {
    REQUIRE(resident_pages(r.data() + page * 4, page * 4) == 0);  // on fault: nothing yet
    r.data()[page * 5] = std::byte{1};
    REQUIRE(resident_pages(r.data() + page * 4, page * 4) == 1);
  } else {
    REQUIRE(resident_pages(r.data() + page * 4, page * 4) == 4);  // documented mlock fallback
    r.data()[page * 5] = std::byte{1};
  }
  REQUIRE_FALSE(r.unlock(page * 4, page * 4));
  // MADV_COLLAPSE is best effort: success, or a clear errno (EINVAL before Linux 6.1, EAGAIN...).
  const std::error_code ec = r.try_collapse(0, r.size());
  if (ec) {
    REQUIRE(ec.category() == std::system_category());
    REQUIRE(ec.value() != 0);
  }
  REQUIRE(r.data()[page * 5] == std::byte{1});  // collapse never loses data
}

TEST_CASE("MmapRegion: mlock over RLIMIT_MEMLOCK is refused with an error code", "[mmap][errors]") {
  auto res = hislab_test::run_in_child([] {
    const std::size_t page = hislab::detail::os::base_page_size();
    struct rlimit rl {
      page * 4, page * 4
    };
    if (::setrlimit(RLIMIT_MEMLOCK, &rl) != 0) ::_exit(3);
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(4);  // root ignores the limit
    MmapRegion r = MmapRegion::reserve(page * 64, HugePages::None);
    const std::error_code ec = r.lock(0, page * 64);
    if (!ec) ::_exit(5);
    if (ec.value() != ENOMEM && ec.value() != EPERM) ::_exit(6);
    r.data()[0] = std::byte{1};  // still usable
    ::_exit(0);
  });
  REQUIRE_FALSE(res.signaled);
  REQUIRE(res.exit_code == 0);
}

TEST_CASE("MmapRegion: HugePages::Require", "[mmap][hugepages]") {
  const std::size_t hp = hislab::detail::os::huge_page_size();
  {
    hislab_test::HugePagePool none(0);
    if (!none.ok()) HISLAB_SKIP("needs root and a writable /proc/sys/vm/nr_hugepages");
    if (!hislab_test::HugePagePool::can_map()) HISLAB_SKIP("MAP_HUGETLB is refused here (qemu-user?)");
    MmapRegion r = MmapRegion::reserve(hp * 2, HugePages::Require);
    REQUIRE(r.page_size() == hp);
    REQUIRE(r.size() == hp * 2);
    const std::error_code ec = r.populate(0, 1);
    REQUIRE(ec.value() == ENOMEM);  // empty pool: an error, never SIGBUS
  }
  {
    hislab_test::HugePagePool pool(4);
    if (!pool.ok()) HISLAB_SKIP("the kernel could not supply 4 huge pages");
    MmapRegion r = MmapRegion::reserve(hp * 3 + 1, HugePages::Require);
    REQUIRE(r.size() == hp * 4);
    REQUIRE_FALSE(r.populate(0, hp * 2));
    r.data()[hp + 5] = std::byte{9};
    REQUIRE(r.data()[hp + 5] == std::byte{9});
    r.release(0, hp * 2);  // gives the huge pages back to the pool
    REQUIRE_FALSE(r.populate(0, hp * 4));
    REQUIRE(r.data()[hp + 5] == std::byte{0});
  }
}
