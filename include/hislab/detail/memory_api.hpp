#pragma once
// MemoryApi<Core>: owns a SlabCore and gives every container (HiSlab, TaggedHiSlab,
// BufferSlab) the same memory controls, written once.

#include <cstddef>
#include <system_error>
#include <utility>

#include "../types.hpp"
#include "slab_core.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// The memory controls of HiSlab, TaggedHiSlab and BufferSlab, written once. Its members are
/// shown on the pages of those classes.
template <class Core>
class MemoryApi {
 public:
  /// Bytes of address space reserved: elements and every bitmap level.
  [[nodiscard]] std::size_t memory_reserved() const noexcept { return core_.memory_reserved(); }
  /// Bytes pre-faulted or touched, up to the high-water mark (page granularity).
  [[nodiscard]] std::size_t memory_committed() const noexcept { return core_.memory_committed(); }
  /// mlock what is committed, and (MLOCK_ONFAULT) what is committed later. Throws
  /// std::system_error if refused; the container stays usable and unlocked.
  void lock_memory() { core_.lock_memory(); }
  /// Undoes lock_memory(). Nothing is lost or moved.
  void unlock_memory() noexcept { core_.unlock_memory(); }
  /// Pre-faults the pages of slots [0, n). n > capacity() throws CapacityError.
  void reserve(size_type n) { core_.reserve(n); }
  /// Gives back the pages that hold vacant slots only. No index or reference is invalidated;
  /// returns the bytes released (0 when nothing more can go).
  std::size_t trim() noexcept { return core_.trim(); }
  /// Asks the kernel to back the committed element memory with transparent huge pages now
  /// (MADV_COLLAPSE, Linux 6.1). Best effort: the errno when refused (EINVAL on older kernels),
  /// and nothing is lost or moved either way.
  std::error_code try_collapse() noexcept { return core_.try_collapse(); }
  /// Recomputes the container's bookkeeping from its bitmaps (O(capacity)), for tests and
  /// fuzzers: nullptr when every invariant holds, else which one does not (the list is in
  /// detail/slab_core.hpp and hier_bitmap.hpp).
  [[nodiscard]] const char* check_invariants() const noexcept { return core_.check_invariants(); }

 protected:
  /// Capacity 0.
  MemoryApi() noexcept = default;
  /// Over a core made by the container.
  explicit MemoryApi(Core&& c) noexcept : core_(std::move(c)) {}

  Core core_;
};

}  // namespace detail
HISLAB_NAMESPACE_END
