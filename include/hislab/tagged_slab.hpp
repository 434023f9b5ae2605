#pragma once
/// \file tagged_slab.hpp
/// TaggedHiSlab<T>: everything HiSlab<T> has, with identical semantics (the same SlabApi), plus
/// a second HierBitmap that marks a subset of the occupied slots ("tagged"). The tag bitmap has
/// its own summaries, so iterating, retaining and sampling the tagged subset costs
/// O(tagged + blocks skipped), never O(size). Freeing a slot always clears its tag.

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <system_error>
#include <utility>

#include "detail/iterator.hpp"
#include "detail/sampling.hpp"
#include "detail/slab_api.hpp"
#include "hier_bitmap.hpp"

HISLAB_NAMESPACE_BEGIN

template <class T>
class TaggedHiSlab : public detail::SlabApi<TaggedHiSlab<T>, T> {
  using Base = detail::SlabApi<TaggedHiSlab<T>, T>;
  friend Base;

 public:
  using typename Base::index_type;
  using typename Base::size_type;
  using tagged_iterator = detail::BitmapIterator<TaggedHiSlab, T, true>;
  using const_tagged_iterator = detail::BitmapIterator<TaggedHiSlab, const T, true>;
  using tagged_view = detail::BitmapView<tagged_iterator>;
  using const_tagged_view = detail::BitmapView<const_tagged_iterator>;

  /// As HiSlab: Options{} (2^20 slots), nothing pre-faulted, nothing tagged.
  TaggedHiSlab() : Base(), tags_(this->capacity()) {}
  TaggedHiSlab(std::uint32_t initial_capacity, std::uint32_t virtual_capacity)
      : Base(initial_capacity, virtual_capacity), tags_(virtual_capacity) {}
  explicit TaggedHiSlab(const Options& o) : Base(o), tags_(o.virtual_capacity) {}

  /// Deep copy: same capacity, indices and tags.
  TaggedHiSlab(const TaggedHiSlab& o) requires std::copy_constructible<T> : Base(o),
                                                                            tags_(copy_tags(o.tags_)) {}
  TaggedHiSlab(TaggedHiSlab&&) noexcept = default;
  TaggedHiSlab& operator=(const TaggedHiSlab& o) requires std::copy_constructible<T> {
    if (this != &o) {
      TaggedHiSlab tmp(o);
      this->swap(tmp);
    }
    return *this;
  }
  TaggedHiSlab& operator=(TaggedHiSlab&&) noexcept = default;
  ~TaggedHiSlab() = default;

  // ---- tagging ------------------------------------------------------------------------------

  /// Inserts (as insert()) and tags the new element.
  index_type insert_tagged(T v) {
    const index_type i = this->insert(std::move(v));
    tags_.set(i);
    return i;
  }
  /// Emplaces (as emplace()) and tags the new element.
  template <class... A>
  index_type emplace_tagged(A&&... args) {
    const index_type i = this->emplace(std::forward<A>(args)...);
    tags_.set(i);
    return i;
  }
  /// Tags an occupied slot. True if it was occupied and untagged and now is tagged; false for
  /// vacant, out-of-range or already tagged indices.
  bool tag(index_type i) noexcept { return this->core_.contains(i) && tags_.set(i); }
  /// True if the slot was tagged (and now is not).
  bool untag(index_type i) noexcept { return tags_.reset(i); }
  [[nodiscard]] bool is_tagged(index_type i) const noexcept { return tags_.test(i); }
  /// Number of tagged elements. O(1).
  [[nodiscard]] size_type count_tagged() const noexcept { return tags_.count(); }

  /// The tagged elements in ascending index order: a std::ranges::view of Entry<T>.
  [[nodiscard]] tagged_view tagged() noexcept {
    return {tagged_iterator(this, tags_.find_next_set(0)), tagged_iterator(this, npos)};
  }
  [[nodiscard]] const_tagged_view tagged() const noexcept {
    return {const_tagged_iterator(this, tags_.find_next_set(0)), const_tagged_iterator(this, npos)};
  }
  /// Calls f(index, T&) for each tagged element in ascending order.
  template <class F>
  void for_each_tagged(F&& f) {
    tags_.for_each_set([&](index_type i) { std::invoke(f, i, *this->core_.ptr(i)); });
  }
  template <class F>
  void for_each_tagged(F&& f) const {
    tags_.for_each_set([&](index_type i) { std::invoke(f, i, std::as_const(*this->core_.ptr(i))); });
  }
  /// Removes the tagged elements for which pred(index, T&) is false; untagged elements are not
  /// visited. Returns the number removed.
  template <class Pred>
  size_type retain_tagged(Pred pred) {
    size_type removed = 0;
    tags_.for_each_set([&](index_type i) {
      if (!std::invoke(pred, i, *this->core_.ptr(i))) {
        this->erase(i);
        ++removed;
      }
    });
    return removed;
  }
  /// Untags (and keeps) the tagged elements for which pred(index, T&) is false. Returns the
  /// number untagged.
  template <class Pred>
  size_type retain_tag(Pred pred) {
    size_type untagged = 0;
    tags_.for_each_set([&](index_type i) {
      if (!std::invoke(pred, i, *this->core_.ptr(i))) {
        tags_.reset(i);
        ++untagged;
      }
    });
    return untagged;
  }

  // ---- sampling the tagged subset -----------------------------------------------------------

  /// A uniformly random tagged element, empty when none is tagged. O(log capacity).
  template <class G>
  [[nodiscard]] std::optional<Entry<T>> random_tagged(G& g) {
    if (tags_.count() == 0) return std::nullopt;
    const index_type i = tags_.select(detail::uniform_below(g, tags_.count()));
    return Entry<T>{i, *this->core_.ptr(i)};
  }
  template <class G>
  [[nodiscard]] std::optional<Entry<const T>> random_tagged(G& g) const {
    if (tags_.count() == 0) return std::nullopt;
    const index_type i = tags_.select(detail::uniform_below(g, tags_.count()));
    return Entry<const T>{i, *this->core_.ptr(i)};
  }
  /// Writes n uniformly random tagged indices (with replacement) to `out`.
  template <class G, class Out>
  Out random_tagged_many(G& g, std::size_t n, Out out) const {
    return detail::sample_many(
        g, n, tags_.count(), [&](size_type r) { return tags_.select(r); }, out);
  }
  /// Writes min(n, count_tagged()) distinct tagged indices to `out`, uniformly over subsets.
  template <class G, class Out>
  Out random_tagged_unique(G& g, std::size_t n, Out out) const {
    return detail::sample_unique(
        g, n, tags_.count(), [&](size_type r) { return tags_.select(r); },
        [&](auto&& f) { tags_.for_each_set(f); }, out);
  }

  /// Bytes of address space reserved, the tag bitmap included.
  [[nodiscard]] std::size_t memory_reserved() const noexcept {
    return Base::memory_reserved() + tags_.memory_reserved();
  }
  [[nodiscard]] std::size_t memory_committed() const noexcept {
    return Base::memory_committed() + tags_.memory_committed();
  }

 private:
  template <class, class, bool>
  friend class detail::BitmapIterator;

  explicit TaggedHiSlab(typename Base::Core&& c, HierBitmap&& tags) noexcept
      : Base(std::move(c)), tags_(std::move(tags)) {}
  static std::optional<TaggedHiSlab> from_core(typename Base::Core&& c, std::error_code& ec) noexcept {
    auto tags = HierBitmap::try_create(c.capacity(), ec);
    if (!tags) return std::nullopt;
    return TaggedHiSlab(std::move(c), std::move(*tags));
  }
  static HierBitmap copy_tags(const HierBitmap& from) {
    if (from.capacity() == 0) return HierBitmap{};
    HierBitmap h(from.capacity());
    from.for_each_set([&](index_type i) { h.set(i); });
    return h;
  }

  // The iterator's owner interface.
  [[nodiscard]] T* ptr(index_type i) const noexcept { return this->core_.ptr(i); }
  [[nodiscard]] index_type next_tagged(index_type from) const noexcept { return tags_.find_next_set(from); }

  // SlabApi hooks: a freed slot is never tagged.
  void hook_release(index_type i) noexcept { tags_.reset(i); }
  void hook_clear() noexcept { tags_.clear(); }
  void swap_extra(TaggedHiSlab& o) noexcept { tags_.swap(o.tags_); }

  HierBitmap tags_;
};

HISLAB_NAMESPACE_END
