#pragma once
/// \file tagged_slab.hpp
/// TaggedHiSlab<T>: everything HiSlab<T> has, with identical semantics (the same SlabApi), plus
/// a second HierBitmap that marks a subset of the occupied slots ("tagged"). The tag bitmap has
/// its own summaries, so iterating, retaining and sampling the tagged subset costs
/// O(tagged + blocks skipped), never O(size). Freeing a slot always clears its tag. The bitmap
/// lives in the shared core, so the memory controls (accounting, pre-faulting, lock_memory),
/// copies, swap and clear() cover it as they cover the occupancy bitmap.

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <system_error>
#include <utility>

#include "detail/iterator.hpp"
#include "detail/sampling.hpp"
#include "hier_bitmap.hpp"
#include "slab.hpp"

HISLAB_NAMESPACE_BEGIN

/// A HiSlab with a second bitmap marking a subset of the occupied slots (see the file comment).
template <class T>
class TaggedHiSlab : public detail::SlabApi<TaggedHiSlab<T>, T, true> {
  using Base = detail::SlabApi<TaggedHiSlab<T>, T, true>;
  friend Base;

 public:
  using typename Base::index_type;
  using typename Base::size_type;
  /// A forward iterator over the tagged elements (Entry<T>), ascending.
  using tagged_iterator = detail::BitmapIterator<TaggedHiSlab, T, true>;
  /// As tagged_iterator, over Entry<const T>.
  using const_tagged_iterator = detail::BitmapIterator<TaggedHiSlab, const T, true>;
  /// What tagged() returns: a borrowed std::ranges::view.
  using tagged_view = detail::BitmapView<tagged_iterator>;
  /// What tagged() const returns.
  using const_tagged_view = detail::BitmapView<const_tagged_iterator>;

  /// As HiSlab's constructors; nothing is tagged. Copies keep indices and tags.
  using Base::Base;

  // ---- tagging ------------------------------------------------------------------------------

  /// Inserts (as insert()) and tags the new element. O(1) amortized.
  index_type insert_tagged(T v) {
    const index_type i = this->insert(std::move(v));
    tag_bits().set(i);
    return i;
  }
  /// Emplaces (as emplace()) and tags the new element.
  template <class... A>
  requires detail::constructible_from_args<T, A...> index_type emplace_tagged(A&&... args) {
    const index_type i = this->emplace(std::forward<A>(args)...);
    tag_bits().set(i);
    return i;
  }
  /// Tags an occupied slot. True if it was occupied and untagged and now is tagged; false for
  /// vacant, out-of-range or already tagged indices. O(1) amortized.
  bool tag(index_type i) noexcept { return this->core_.contains(i) && tag_bits().set(i); }
  /// True if the slot was tagged (and now is not). O(1) amortized.
  bool untag(index_type i) noexcept { return tag_bits().reset(i); }
  /// True when `i` is tagged (false for vacant or out-of-range indices). O(1).
  [[nodiscard]] bool is_tagged(index_type i) const noexcept { return tag_bits().test(i); }
  /// Number of tagged elements. O(1).
  [[nodiscard]] size_type count_tagged() const noexcept { return tag_bits().count(); }

  /// The tagged elements in ascending index order: a std::ranges::view of Entry<T>. O(levels).
  [[nodiscard]] tagged_view tagged() noexcept {
    return {tagged_iterator(this, tag_bits().find_next_set(0)), tagged_iterator(this, npos)};
  }
  /// As the overload above, on a const slab. O(levels).
  [[nodiscard]] const_tagged_view tagged() const noexcept {
    return {const_tagged_iterator(this, tag_bits().find_next_set(0)), const_tagged_iterator(this, npos)};
  }
  /// Calls f(index, T&) for each tagged element in ascending order. f may erase, untag or tag
  /// elements: one untagged or erased before its turn is not visited, one tagged during the
  /// visit is visited when its index is above the current one (as for_each()).
  template <class F>
  void for_each_tagged(F&& f) {
    bool changed = false;
    tag_bits().visit_set(
        [&](index_type i) {
          std::invoke(f, i, *this->core_.ptr(i));
          changed = true;  // f may tag, untag or erase: read the word again
        },
        changed);
  }
  /// As the overload above, on a const slab: f(index, const T&), and f must not modify the slab.
  template <class F>
  void for_each_tagged(F&& f) const {
    tag_bits().for_each_set([&](index_type i) { std::invoke(f, i, std::as_const(*this->core_.ptr(i))); });
  }
  /// Removes the tagged elements for which pred(index, T&) is false; untagged elements are not
  /// visited. Returns the number this call removed. pred may erase, untag or tag elements (as
  /// for_each_tagged()).
  template <class Pred>
  size_type retain_tagged(Pred pred) {
    size_type removed = 0;
    bool changed = false;
    tag_bits().visit_set(
        [&](index_type i) {
          if (!std::invoke(pred, i, *this->core_.ptr(i)) && this->erase(i)) ++removed;
          changed = true;  // pred may tag, untag or erase: read the word again
        },
        changed);
    return removed;
  }
  /// Untags (and keeps) the tagged elements for which pred(index, T&) is false. Returns the
  /// number this call untagged. pred may erase, untag or tag elements (as for_each_tagged()).
  template <class Pred>
  size_type retain_tag(Pred pred) {
    size_type untagged = 0;
    bool changed = false;
    tag_bits().visit_set(
        [&](index_type i) {
          if (!std::invoke(pred, i, *this->core_.ptr(i)) && tag_bits().reset(i)) ++untagged;
          changed = true;
        },
        changed);
    return untagged;
  }

  // ---- sampling the tagged subset -----------------------------------------------------------

  /// A uniformly random tagged element, empty when none is tagged. O(log capacity).
  template <detail::random_generator G>
  [[nodiscard]] std::optional<Entry<T>> random_tagged(G&& g) {
    return this->template entry_at<T>(detail::sample_one(g, tag_bits()));
  }
  /// As the overload above, on a const slab.
  template <detail::random_generator G>
  [[nodiscard]] std::optional<Entry<const T>> random_tagged(G&& g) const {
    return this->template entry_at<const T>(detail::sample_one(g, tag_bits()));
  }
  /// Writes n uniformly random tagged indices (with replacement) to `out`.
  template <detail::random_generator G, class Out>
  Out random_tagged_many(G&& g, std::size_t n, Out out) const {
    return detail::sample_many(g, n, tag_bits(), out);
  }
  /// Writes min(n, count_tagged()) distinct tagged indices to `out`, uniformly over subsets.
  template <detail::random_generator G, class Out>
  Out random_tagged_unique(G&& g, std::size_t n, Out out) const {
    return detail::sample_unique(g, n, tag_bits(), out);
  }

 private:
  template <class, class, bool, template <class> class>
  friend class detail::BitmapIterator;

  explicit TaggedHiSlab(typename Base::Core&& c) noexcept : Base(std::move(c)) {}
  HierBitmap& tag_bits() noexcept { return this->core_.tags(); }
  const HierBitmap& tag_bits() const noexcept { return this->core_.tags(); }

  // The iterator's owner interface.
  [[nodiscard]] T* ptr(index_type i) const noexcept { return this->core_.ptr(i); }
  [[nodiscard]] index_type next_tagged(index_type from) const noexcept {
    return tag_bits().find_next_set(from);
  }
};

HISLAB_NAMESPACE_END
