#pragma once
// Configures the kernel's huge page pool for a test (root only) and restores it afterwards.
#include <unistd.h>

#include <hislab/mmap_region.hpp>

#include <fstream>
#include <string>

namespace hislab_test {

class HugePagePool {
 public:
  /// Tries to set /proc/sys/vm/nr_hugepages to `pages`; ok() says whether that took effect.
  explicit HugePagePool(long pages) {
    if (::geteuid() != 0) return;
    std::ifstream in(path);
    if (!(in >> old_)) return;
    ok_ = write(pages) && read() == pages;
  }
  ~HugePagePool() {
    if (old_ >= 0) write(old_);
  }
  HugePagePool(const HugePagePool&) = delete;
  HugePagePool& operator=(const HugePagePool&) = delete;
  bool ok() const { return ok_; }

  /// False where MAP_HUGETLB itself is refused (no hugetlb support, or qemu-user).
  static bool can_map() {
    std::error_code ec;
    return hislab::MmapRegion::try_reserve(1, hislab::HugePages::Require, ec).has_value();
  }

 private:
  static constexpr const char* path = "/proc/sys/vm/nr_hugepages";
  static bool write(long v) {
    std::ofstream out(path);
    out << v << '\n';
    out.close();
    return static_cast<bool>(out);
  }
  static long read() {
    std::ifstream in(path);
    long v = -1;
    in >> v;
    return v;
  }
  long old_ = -1;
  bool ok_ = false;
};

}  // namespace hislab_test
