// Built with -fno-exceptions: the try_ forms stay usable, and every throw site prints its
// message and aborts. A plain program (Catch2 needs exceptions); exit code 0 means it passed.
#include <hislab/hislab.hpp>

#include <csignal>
#include <cstdio>
#include <string>

#include "support/check_or_fail.hpp"
#include "support/death.hpp"

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#error "this file must be compiled with -fno-exceptions"
#endif
static_assert(!HISLAB_HAS_EXCEPTIONS);

int main() {
  std::error_code ec;
  auto made = hislab::HiSlab<int>::try_create(hislab::Options{0, 3}, ec);
  CHECK_OR_FAIL(made && !ec);
  auto& s = *made;
  CHECK_OR_FAIL(s.try_insert(1) == std::optional<hislab::index_type>(0));
  CHECK_OR_FAIL(s.try_emplace(2) == std::optional<hislab::index_type>(1));
  CHECK_OR_FAIL(s.insert(3) == 2);
  CHECK_OR_FAIL(s.full());
  CHECK_OR_FAIL(!s.try_insert(4));
  CHECK_OR_FAIL(!s.try_vacant_entry());
  CHECK_OR_FAIL(!hislab::HiSlab<int>::try_create(hislab::Options{2, 1}, ec));
  CHECK_OR_FAIL(ec == std::errc::invalid_argument);

  auto full = hislab_test::run_in_child([&] { (void)s.insert(5); });
  CHECK_OR_FAIL(hislab_test::aborted_with(full, "full"));

  auto at = hislab_test::run_in_child([&] { (void)s.at(99); });
  CHECK_OR_FAIL(hislab_test::aborted_with(at, "at()"));

  auto bad = hislab_test::run_in_child([] { hislab::HiSlab<int> t(5, 4); });
  CHECK_OR_FAIL(hislab_test::aborted_with(bad, "invalid argument"));
  std::puts("no-exceptions checks passed");
  return 0;
}
