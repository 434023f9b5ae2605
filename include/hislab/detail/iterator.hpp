#pragma once
// The one bitmap-driven iterator all containers use, and the view over a pair of them.
//
// An iterator is an owner pointer and an index; ++ asks the owner for the next index through
// its bitmap summaries (next_live, or next_tagged), so vacant regions are skipped without
// reading element memory. Dereferencing yields Entry<V> by value (a proxy), so the iterator
// models std::forward_iterator with iterator_category input (it is not a Cpp17 forward iterator).

#include <cstddef>
#include <iterator>
#include <ranges>
#include <type_traits>

#include "../types.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// What values() iterators yield: the element itself.
template <class V>
using ValueRef = V&;

// What it yields is Ref<V>: Entry<V> (built here from owner->ptr(i)), the element (ValueRef),
// or whatever the owner's make_entry<V>(i) builds (SlotMap's KeyEntry).
/// The iterator of every container: a forward iterator whose reference is a proxy value,
/// Ref<V> (Entry, or SlotMap's KeyEntry), built on dereference.
template <class Owner, class V, bool Tagged, template <class> class Ref = Entry>
class BitmapIterator {
 public:
  using iterator_concept = std::forward_iterator_tag;  ///< a multi-pass forward iterator
  using iterator_category = std::input_iterator_tag;   ///< its reference is a proxy value
  /// Entry<V> or KeyEntry<V, Tag>; the element type for a values() iterator.
  using value_type = std::conditional_t<std::is_reference_v<Ref<V>>, std::remove_cv_t<V>, Ref<V>>;
  using reference = Ref<V>;                ///< a value holding the index (or key) and V&; V& for values()
  using difference_type = std::ptrdiff_t;  ///< required of iterators

  /// A singular iterator (equal only to other default-constructed ones).
  BitmapIterator() noexcept = default;
  /// At index `i` of `owner` (npos: the end).
  BitmapIterator(const Owner* owner, index_type i) noexcept : owner_(owner), i_(i) {}

  /// iterator -> const_iterator.
  template <class U>
  requires(std::is_same_v<const U, V> && !std::is_same_v<U, V>)
      BitmapIterator(const BitmapIterator<Owner, U, Tagged, Ref>& o)
  noexcept : owner_(o.owner_), i_(o.i_) {}

  /// The entry at the current index: its index (or key) and a reference to its element.
  [[nodiscard]] reference operator*() const noexcept {
    if constexpr (std::is_reference_v<Ref<V>>)
      return *owner_->ptr(i_);
    else if constexpr (std::is_same_v<Ref<V>, Entry<V>>)
      return {i_, *owner_->ptr(i_)};
    else
      return owner_->template make_entry<V>(i_);
  }
  /// `it->value`, `it->index` (or `it->key`): the entry, held by a small proxy; for a values()
  /// iterator, the element's address.
  [[nodiscard]] auto operator->() const noexcept {
    if constexpr (std::is_reference_v<Ref<V>>) {
      return &**this;
    } else {
      struct Arrow {
        reference entry;
        const reference* operator->() const noexcept { return &entry; }
      };
      return Arrow{**this};
    }
  }
  /// To the next element (or tagged element) in ascending index order.
  BitmapIterator& operator++() noexcept {
    if constexpr (Tagged)
      i_ = owner_->next_tagged(i_ + 1);
    else
      i_ = owner_->next_live(i_ + 1);
    return *this;
  }
  /// Post-increment.
  BitmapIterator operator++(int) noexcept {
    BitmapIterator t = *this;
    ++*this;
    return t;
  }
  /// Equal when at the same index.
  [[nodiscard]] friend bool operator==(const BitmapIterator& a, const BitmapIterator& b) noexcept {
    return a.i_ == b.i_;
  }
  /// The slot index this iterator is at (npos at the end).
  [[nodiscard]] index_type index() const noexcept { return i_; }

 private:
  template <class, class, bool, template <class> class>
  friend class BitmapIterator;
  const Owner* owner_ = nullptr;
  index_type i_ = npos;
};

/// A begin/end pair as a std::ranges::view (cheap to copy, refers to its container).
// view_base rather than view_interface: clang 14 cannot evaluate libstdc++ 12's view_interface
// constraints (clang 15 and older with libstdc++'s <ranges>: llvm/llvm-project#44178), and the
// few members it would add are written out here.
template <class It>
class BitmapView : public std::ranges::view_base {
 public:
  BitmapView() noexcept = default;
  /// The range [b, e).
  BitmapView(It b, It e) noexcept : b_(b), e_(e) {}
  /// The first element.
  [[nodiscard]] It begin() const noexcept { return b_; }
  /// Past the last element.
  [[nodiscard]] It end() const noexcept { return e_; }
  /// True when the range is empty.
  [[nodiscard]] bool empty() const noexcept { return b_ == e_; }
  /// True when the range is not empty.
  [[nodiscard]] explicit operator bool() const noexcept { return b_ != e_; }
  /// The first entry. Precondition: not empty().
  [[nodiscard]] auto front() const noexcept { return *b_; }

 private:
  It b_{}, e_{};
};

}  // namespace detail
HISLAB_NAMESPACE_END

// A BitmapView only refers to its container: iterators from it stay valid after the view is
// gone, so algorithms may return them (no std::ranges::dangling). Hidden from Doxygen (1.9.4
// reports this specialization of a std variable template as "not declared or defined").
#ifndef HISLAB_DOXYGEN
template <class It>
inline constexpr bool std::ranges::enable_borrowed_range<hislab::detail::BitmapView<It>> = true;
#endif
