#pragma once
/// \file types.hpp
/// Vocabulary types shared by every container.

#include <cstddef>
#include <cstdint>
#include <limits>

#include "config.hpp"

HISLAB_NAMESPACE_BEGIN

/// Slot indices. `npos` is never a valid index.
using index_type = std::uint32_t;
/// Element counts and capacities.
using size_type = std::uint32_t;
/// The invalid index; also the largest virtual capacity (slots 0 .. npos - 1).
inline constexpr index_type npos = 0xFFFF'FFFFu;

/// What iteration and sampling yield: the slot index and a reference to its value.
template <class V>
struct Entry {
  index_type index;  ///< the slot's index
  V& value;          ///< the element
};

/// How element memory uses huge pages.
enum class HugePages {
  None,    ///< base pages only
  Advise,  ///< MADV_HUGEPAGE on the element region once 2 MiB of it is committed; best effort
  Require  ///< MAP_HUGETLB; throws std::system_error when the kernel cannot supply them
};

/// Construction options shared by every container.
struct Options {
  std::uint32_t initial_capacity = 0;         ///< slots whose pages are pre-faulted at construction
  std::uint32_t virtual_capacity = 1u << 20;  ///< hard cap, reserved as address space only
  HugePages huge_pages = HugePages::Advise;   ///< how element memory uses huge pages
  bool lock_memory = false;  ///< mlock the pre-faulted range; throws std::system_error if refused

  /// The options whose capacity fills a byte budget: `virtual_capacity` is the largest n for
  /// which a HiSlab<T> built with them has memory_reserved() <= bytes, and the whole of it is
  /// pre-faulted (`initial_capacity == n`). Throws std::invalid_argument when the budget cannot
  /// hold one slot. O(log capacity); makes no mapping.
  template <class T>
  [[nodiscard]] static Options for_bytes(std::size_t bytes, HugePages huge = HugePages::Advise);
};

HISLAB_NAMESPACE_END
