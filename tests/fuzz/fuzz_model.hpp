#pragma once
// The reference model the slab harnesses share: live values by index, held indices, and the
// smallest vacant index (holes below a high-water mark, everything at or above it vacant).
#include <cstdint>
#include <iterator>
#include <map>
#include <set>

#include <hislab/types.hpp>

namespace hislab_fuzz {

struct SlabModel {
  std::uint32_t cap;
  std::map<hislab::index_type, std::uint32_t> live;
  std::set<hislab::index_type> holes;  // vacant indices below `high`
  std::set<hislab::index_type> held;
  hislab::index_type high = 0;

  explicit SlabModel(std::uint32_t c) : cap(c) {}
  [[nodiscard]] hislab::index_type lowest_vacant() const {
    if (!holes.empty()) return *holes.begin();
    return high < cap ? high : hislab::npos;
  }
  void take(hislab::index_type i) {
    if (i == high)
      ++high;
    else
      holes.erase(i);
  }
  void add(hislab::index_type i, std::uint32_t v) {
    take(i);
    live.emplace(i, v);
  }
  void free(hislab::index_type i) { holes.insert(i); }
  bool drop(hislab::index_type i) {
    if (live.erase(i) == 0) return false;
    free(i);
    return true;
  }
  [[nodiscard]] bool full() const { return lowest_vacant() == hislab::npos; }
  /// The live index of rank r.
  [[nodiscard]] hislab::index_type nth(std::size_t r) const {
    return std::next(live.begin(), static_cast<long>(r))->first;
  }
};

}  // namespace hislab_fuzz
