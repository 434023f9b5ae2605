#pragma once
// The kernel's view of a container's memory: which anonymous mappings appeared while it was
// built (a difference of /proc/self/maps), how much of them is resident (mincore), and what
// /proc/self/smaps says about the mapping around an address (huge-page advice, AnonHugePages).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hislab_test {

/// Address ranges [first, second).
using Ranges = std::vector<std::pair<std::uintptr_t, std::uintptr_t>>;

/// The anonymous mappings without a name (not [heap], [stack], files) of this process.
inline Ranges anonymous_mappings() {
  std::ifstream f("/proc/self/maps");
  std::string line;
  Ranges out;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    in >> range >> perms >> offset >> dev >> inode;
    std::getline(in, path);
    if (path.find_first_not_of(' ') != std::string::npos) continue;
    const auto dash = range.find('-');
    out.emplace_back(std::stoull(range.substr(0, dash), nullptr, 16),
                     std::stoull(range.substr(dash + 1), nullptr, 16));
  }
  return out;
}

/// The parts of `now` that `before` does not cover (both sorted, as /proc lists them).
inline Ranges ranges_added(const Ranges& now, const Ranges& before) {
  Ranges out;
  for (auto [lo, hi] : now) {
    std::uintptr_t cur = lo;
    for (auto [blo, bhi] : before) {
      if (bhi <= cur || blo >= hi) continue;
      if (blo > cur) out.emplace_back(cur, blo);
      cur = std::max(cur, bhi);
    }
    if (cur < hi) out.emplace_back(cur, hi);
  }
  return out;
}

/// Records the anonymous mappings at construction; added() lists what appeared since.
class NewMappings {
 public:
  NewMappings() : before_(anonymous_mappings()) {}
  [[nodiscard]] Ranges added() const { return ranges_added(anonymous_mappings(), before_); }

 private:
  Ranges before_;
};

/// Bytes of the ranges that mincore reports resident.
inline std::size_t resident_bytes(const Ranges& ranges) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t n = 0;
  std::vector<unsigned char> v;
  for (auto [lo, hi] : ranges) {
    v.assign((hi - lo + page - 1) / page, 0);
    if (::mincore(reinterpret_cast<void*>(lo), hi - lo, v.data()) != 0) return ~std::size_t{0};
    for (unsigned char c : v) n += c & 1u;
  }
  return n * page;
}

/// What /proc/self/smaps says about the mapping that holds an address.
struct MappingInfo {
  bool found = false;
  bool huge_advised = false;      // VmFlags has "hg" (MADV_HUGEPAGE)
  std::size_t rss_kib = 0;        // Rss
  std::size_t anon_huge_kib = 0;  // AnonHugePages
  std::uintptr_t lo = 0, hi = 0;  // the mapping's range
};

inline MappingInfo mapping_of(const void* p) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream f("/proc/self/smaps");
  std::string line;
  MappingInfo m;
  bool in = false;
  while (std::getline(f, line)) {
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    const bool header = dash != std::string::npos && space != std::string::npos && dash < space &&
                        line.find_first_not_of("0123456789abcdef") == dash;
    if (header) {
      if (in) return m;
      const auto lo = std::stoull(line.substr(0, dash), nullptr, 16);
      const auto hi = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
      in = a >= lo && a < hi;
      if (in) {
        m.found = true;
        m.lo = lo;
        m.hi = hi;
      }
      continue;
    }
    if (!in) continue;
    auto kib = [&](const char* key) { return std::stoull(line.substr(std::string(key).size())); };
    if (line.rfind("Rss:", 0) == 0) m.rss_kib = kib("Rss:");
    if (line.rfind("AnonHugePages:", 0) == 0) m.anon_huge_kib = kib("AnonHugePages:");
    if (line.rfind("VmFlags:", 0) == 0) m.huge_advised = (line + " ").find(" hg ") != std::string::npos;
  }
  return m;
}

/// The kernel's transparent huge page mode: "always", "madvise", "never" ("" when unknown).
inline std::string thp_mode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  const auto l = s.find('['), r = s.find(']');
  return l == std::string::npos || r == std::string::npos ? std::string() : s.substr(l + 1, r - l - 1);
}

}  // namespace hislab_test
