#pragma once
/// \file slab.hpp
/// HiSlab<T>: a slab of T with stable std::uint32_t indices over a hierarchical bitmap.
///
/// - insert/remove are O(1) and always hand out the smallest vacant index;
/// - element storage is reserved once for the whole virtual capacity: nothing is ever
///   reallocated or moved, so element addresses are stable and no insert pays for a copy;
/// - iteration visits occupied slots in ascending order and skips vacant 512-slot blocks
///   through the bitmap's summary levels;
/// - random_occupied() samples uniformly in O(log capacity).
/// The full API is documented in detail/slab_api.hpp, which HiSlab and TaggedHiSlab share.

#include "detail/slab_api.hpp"

HISLAB_NAMESPACE_BEGIN

/// A slab of T with stable std::uint32_t indices (see the file comment). The members, shown
/// below, are written once for HiSlab and TaggedHiSlab in detail/slab_api.hpp.
template <class T>
class HiSlab : public detail::SlabApi<HiSlab<T>, T> {
  using Base = detail::SlabApi<HiSlab<T>, T>;
  friend Base;
  template <class, class>
  friend class LocalPool;  // frees a Slot's element by its address, without a second liveness test

 public:
  using Base::Base;

 private:
  explicit HiSlab(typename Base::Core&& c) noexcept : Base(std::move(c)) {}
};

HISLAB_NAMESPACE_END
