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

// What it yields is Ref<V>: Entry<V> (built here from owner->ptr(i)), or whatever the owner's
// make_entry<V>(i) builds (SlotMap's KeyEntry).
template <class Owner, class V, bool Tagged, template <class> class Ref = Entry>
class BitmapIterator {
 public:
  using iterator_concept = std::forward_iterator_tag;
  using iterator_category = std::input_iterator_tag;
  using value_type = Ref<V>;
  using reference = Ref<V>;
  using difference_type = std::ptrdiff_t;

  BitmapIterator() noexcept = default;
  BitmapIterator(const Owner* owner, index_type i) noexcept : owner_(owner), i_(i) {}

  /// iterator -> const_iterator.
  template <class U>
  requires(std::is_same_v<const U, V> && !std::is_same_v<U, V>)
      BitmapIterator(const BitmapIterator<Owner, U, Tagged, Ref>& o)
  noexcept : owner_(o.owner_), i_(o.i_) {}

  [[nodiscard]] reference operator*() const noexcept {
    if constexpr (std::is_same_v<Ref<V>, Entry<V>>)
      return {i_, *owner_->ptr(i_)};
    else
      return owner_->template make_entry<V>(i_);
  }
  /// `it->value`, `it->index` (or `it->key`): the entry, held by a small proxy.
  [[nodiscard]] auto operator->() const noexcept {
    struct Arrow {
      reference entry;
      const reference* operator->() const noexcept { return &entry; }
    };
    return Arrow{**this};
  }
  BitmapIterator& operator++() noexcept {
    if constexpr (Tagged)
      i_ = owner_->next_tagged(i_ + 1);
    else
      i_ = owner_->next_live(i_ + 1);
    return *this;
  }
  BitmapIterator operator++(int) noexcept {
    BitmapIterator t = *this;
    ++*this;
    return t;
  }
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
// constraints, and the few members it would add are written out here.
template <class It>
class BitmapView : public std::ranges::view_base {
 public:
  BitmapView() noexcept = default;
  BitmapView(It b, It e) noexcept : b_(b), e_(e) {}
  [[nodiscard]] It begin() const noexcept { return b_; }
  [[nodiscard]] It end() const noexcept { return e_; }
  [[nodiscard]] bool empty() const noexcept { return b_ == e_; }
  [[nodiscard]] explicit operator bool() const noexcept { return b_ != e_; }
  [[nodiscard]] auto front() const noexcept { return *b_; }

 private:
  It b_{}, e_{};
};

}  // namespace detail
HISLAB_NAMESPACE_END

/// A BitmapView only refers to its container: iterators from it stay valid after the view is
/// gone, so algorithms may return them (no std::ranges::dangling).
template <class It>
inline constexpr bool std::ranges::enable_borrowed_range<hislab::detail::BitmapView<It>> = true;
