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
///
/// The whole API is in this file: detail::SlabApi holds what HiSlab and TaggedHiSlab share
/// (written once over detail::SlabCore<T, Tagged>, which keeps every invariant, the tag rule
/// included), detail::MemoryApi the memory controls that BufferSlab shares too.

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <random>
#include <system_error>
#include <type_traits>
#include <utility>

#include "detail/assert.hpp"
#include "detail/iterator.hpp"
#include "detail/sampling.hpp"
#include "detail/slab_core.hpp"
#include "detail/throw.hpp"
#include "errors.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// The memory controls of HiSlab, TaggedHiSlab and BufferSlab, written once. Its members are
/// shown on the pages of those classes.
template <class Core>
class MemoryApi {
 public:
  /// Bytes of address space reserved: elements and every bitmap level. O(1).
  [[nodiscard]] std::size_t memory_reserved() const noexcept { return core_.memory_reserved(); }
  /// Bytes pre-faulted or touched, up to the high-water mark (page granularity). O(levels).
  [[nodiscard]] std::size_t memory_committed() const noexcept { return core_.memory_committed(); }
  /// mlock what is committed, and (MLOCK_ONFAULT) what is committed later. O(committed). Throws
  /// std::system_error if refused; the container stays usable and unlocked.
  void lock_memory() { core_.lock_memory(); }
  /// Undoes lock_memory(). Nothing is lost or moved. O(committed runs) system calls.
  void unlock_memory() noexcept { core_.unlock_memory(); }
  /// Pre-faults the pages of slots [0, n). O(pages). n > capacity() throws CapacityError;
  /// a refused page throws std::system_error. Nothing moves.
  void reserve(size_type n) { core_.reserve(n); }
  /// Gives back the pages that hold vacant slots only. O(committed pages). No index or
  /// reference is invalidated; returns the bytes released (0 when nothing more can go).
  std::size_t trim() noexcept { return core_.trim(); }
  /// Asks the kernel to back the committed element memory with transparent huge pages now
  /// (MADV_COLLAPSE, Linux 6.1). Best effort: the errno when refused (EINVAL on older kernels),
  /// and nothing is lost or moved either way. O(committed runs) system calls.
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

/// The API of HiSlab<T> and TaggedHiSlab<T> (`Derived`), written once. Its members are shown on
/// the pages of those two classes.
///
/// Invalidation, for every member: nothing ever moves an element, so a pointer or reference to
/// an element stays valid until that element is removed (or the slab destroyed, cleared or
/// assigned to); indices stay valid likewise. Inserting or removing invalidates iterators and
/// views (not references). Swap and move exchange the memory itself: references follow their
/// elements. Errors: the table in the README; every member not marked noexcept says what it
/// throws.
template <class Derived, class T, bool Tagged = false>
class SlabApi : public MemoryApi<SlabCore<T, Tagged>> {
 protected:
  using Core = SlabCore<T, Tagged>;
  using MemoryApi<Core>::core_;

 public:
  using value_type = T;                   ///< the element type
  using size_type = hislab::size_type;    ///< std::uint32_t: sizes and capacities
  using index_type = hislab::index_type;  ///< std::uint32_t: slot indices (npos: none)
  /// A forward iterator over Entry<T> (index and element) in ascending index order.
  using iterator = BitmapIterator<Core, T, false>;
  using const_iterator = BitmapIterator<Core, const T, false>;  ///< As iterator, over Entry<const T>.
  /// A forward iterator over the elements (T&) in ascending index order.
  using value_iterator = BitmapIterator<Core, T, false, ValueRef>;
  using const_value_iterator =
      BitmapIterator<Core, const T, false, ValueRef>;         ///< As value_iterator, const T&.
  using value_view = BitmapView<value_iterator>;              ///< What values() returns.
  using const_value_view = BitmapView<const_value_iterator>;  ///< What values() const returns.

  /// Holds the lowest vacant index until a value is inserted into it or the entry is destroyed.
  /// While it lives, no insert returns that index, and the index is not contained, counted,
  /// iterated or sampled. Move-constructible only; it must not outlive its slab, nor live
  /// across a move, swap or assignment of the slab (asserted; with assertions off, insert()
  /// throws std::logic_error and the destructor does nothing).
  class VacantEntry {
   public:
    /// Takes over `o`'s index; `o` is spent. O(1).
    VacantEntry(VacantEntry&& o) noexcept : slab_(std::exchange(o.slab_, nullptr)), i_(o.i_) {}
    VacantEntry(const VacantEntry&) = delete;
    VacantEntry& operator=(const VacantEntry&) = delete;
    VacantEntry& operator=(VacantEntry&&) = delete;
    /// Destroyed unused: the index becomes vacant again. O(held indices).
    ~VacantEntry() {
      if (slab_ != nullptr) slab_->core_.unhold(i_);
    }
    /// The index the value will have. O(1).
    [[nodiscard]] index_type index() const noexcept { return i_; }
    /// Constructs the value at index(); the entry is spent afterwards. If the constructor
    /// throws, the index stays held by the entry (and is freed with it).
    template <class... A>
    requires constructible_from_args<T, A...> T& insert(A&&... args) {
      if (HISLAB_UNLIKELY(slab_ == nullptr))
        detail::misused_vacant_entry("VacantEntry::insert on a spent or moved-from entry; index", i_);
      T& v = slab_->core_.fill_held(i_, std::forward<A>(args)...);
      slab_ = nullptr;
      return v;
    }

   private:
    friend class SlabApi;
    VacantEntry(SlabApi* s, index_type i) noexcept : slab_(s), i_(i) {}
    SlabApi* slab_;
    index_type i_;
  };

  // ---- construction -------------------------------------------------------------------------

  /// A slab with Options{}: 2^20 slots of address space, nothing pre-faulted.
  SlabApi() : MemoryApi<Core>(Core::create(Options{})) {}
  /// Pre-faults `initial_capacity` slots; reserves `virtual_capacity` slots of address space.
  SlabApi(std::uint32_t initial_capacity, std::uint32_t virtual_capacity)
      : MemoryApi<Core>(Core::create(Options{initial_capacity, virtual_capacity})) {}
  /// Throws std::invalid_argument for bad options, std::system_error when the OS refuses.
  explicit SlabApi(const Options& o) : MemoryApi<Core>(Core::create(o)) {}

  /// A deep copy: the same capacity, indices (and tags). O(capacity of the source's blocks +
  /// size() copies). If an element's copy throws, every element copied is destroyed and the
  /// exception propagates.
  SlabApi(const SlabApi&) requires std::copy_constructible<T>
  = default;
  /// Takes the contents and memory; the source is empty with capacity() == 0 (so full()).
  SlabApi(SlabApi&&) noexcept = default;
  /// Becomes a copy of the source (strong guarantee: built aside, then swapped in).
  SlabApi& operator=(const SlabApi&) requires std::copy_constructible<T>
  = default;
  /// Destroys the old contents, then takes the source's (as the move constructor).
  SlabApi& operator=(SlabApi&&) noexcept = default;
  ~SlabApi() = default;

  /// The non-throwing twin of the Options constructor: `ec` is invalid_argument for bad
  /// options, the errno when the OS refuses; cleared on success.
  [[nodiscard]] static std::optional<Derived> try_create(const Options& o, std::error_code& ec) noexcept {
    auto core = Core::try_create(o, ec);
    if (!core) return std::nullopt;
    return Derived(std::move(*core));
  }

  /// Exchanges contents, capacities and memory with `o`. O(1). References and pointers to
  /// elements follow their elements; iterators do not (they refer to the slab object: after
  /// a.swap(b) an iterator obtained from `a` walks what `a` holds now, from its index on).
  void swap(Derived& o) noexcept { core_.swap(o.core_); }
  /// a.swap(b).
  friend void swap(Derived& a, Derived& b) noexcept { a.swap(b); }

  // ---- insertion ----------------------------------------------------------------------------

  /// Copies `v` (exactly one copy) into the lowest vacant slot and returns its index. O(1).
  /// Throws CapacityError when full(); std::system_error if the OS refuses the slot's page.
  HISLAB_ALWAYS_INLINE index_type insert(const T& v) { return core_.template emplace<true>(v); }
  /// Moves `v` into the lowest vacant slot. As insert(const T&).
  HISLAB_ALWAYS_INLINE index_type insert(T&& v) { return core_.template emplace<true>(std::move(v)); }
  /// Constructs T(args...) (or T{args...}) in the lowest vacant slot and returns its index.
  /// O(1). Strong guarantee: if the constructor throws, nothing changes.
  template <class... A>
  requires constructible_from_args<T, A...> HISLAB_ALWAYS_INLINE index_type emplace(A&&... args) {
    return core_.template emplace<true>(std::forward<A>(args)...);
  }
  /// As emplace(), but a full slab (or a refused page) gives an empty optional, constructs
  /// nothing and leaves the arguments untouched.
  template <class... A>
  requires constructible_from_args<T, A...> std::optional<index_type> try_emplace(A&&... args) {
    return engaged(core_.template emplace<false>(std::forward<A>(args)...));
  }
  /// As insert(), but a full slab (or a refused page) gives an empty optional and leaves `v`
  /// untouched.
  std::optional<index_type> try_insert(T&& v) { return engaged(core_.template emplace<false>(std::move(v))); }
  /// As the overload above, copying `v`.
  std::optional<index_type> try_insert(const T& v) { return engaged(core_.template emplace<false>(v)); }

  /// Holds the lowest vacant index for a later insert: O(1) plus a sorted insertion into the
  /// list of held indices. Throws CapacityError when full().
  [[nodiscard]] VacantEntry vacant_entry() { return VacantEntry(this, core_.template hold<true>()); }
  /// As vacant_entry(), empty when full().
  [[nodiscard]] std::optional<VacantEntry> try_vacant_entry() noexcept {
    const index_type i = core_.template hold<false>();
    if (i == npos) return std::nullopt;
    return VacantEntry(this, i);
  }

  // ---- removal ------------------------------------------------------------------------------

  /// Moves the value at `i` out and frees the slot; empty if `i` is vacant or out of range.
  /// O(1). If T's move constructor throws, the element stays where it was.
  std::optional<T> remove(index_type i) {
    if (!core_.contains(i)) return std::nullopt;
    std::optional<T> out(std::move(*core_.ptr(i)));
    core_.destroy_live(i);
    return out;
  }
  /// Destroys the value at `i` in place and frees the slot; false if `i` is vacant or out of
  /// range. O(1). A trivially destructible T's memory is not touched.
  HISLAB_ALWAYS_INLINE bool erase(index_type i) noexcept { return core_.erase(i); }
  /// Keeps the elements for which pred(index, T&) is true, in ascending index order, and
  /// removes the others. Returns the number removed. O(size() + occupied blocks). If pred
  /// throws, what was decided stays decided. pred may erase or insert other elements:
  /// an erased one is not visited; an inserted one is if it lies in a later 64-slot word, may be
  /// if it lies in the current one, and is not if it lies before.
  template <class Pred>
  size_type retain(Pred pred) {
    size_type removed = 0;
    core_.visit_live([&](index_type i, T& v) {
      if (!std::invoke(pred, i, v) && core_.contains(i)) {
        core_.destroy_live(i);
        ++removed;
      }
    });
    return removed;
  }
  /// Destroys every element. O(occupied blocks); capacity and committed memory stay.
  void clear() noexcept { core_.clear(); }
  /// Calls f(index, T&&) for each element in ascending order, destroying each after the call;
  /// the slab is empty of the elements it visited afterwards. O(size() + occupied blocks). f may
  /// erase other elements (they are not visited). If f throws, the element it was given is
  /// destroyed and the rest stay.
  template <class F>
  void drain(F f) {
    core_.visit_live([&](index_type i, T& v) {
      struct Destroy {
        SlabApi* s;
        index_type i;
        ~Destroy() {
          if (!s->core_.contains(i)) return;  // f erased it itself
          s->core_.destroy_live(i);
        }
      } destroy{this, i};
      std::invoke(f, i, std::move(v));
    });
  }

  // ---- access -------------------------------------------------------------------------------

  /// The element at `i`, or nullptr when `i` is vacant or out of range. O(1).
  [[nodiscard]] T* get(index_type i) noexcept { return core_.get(i); }
  /// As the overload above, on a const slab. O(1).
  [[nodiscard]] const T* get(index_type i) const noexcept { return core_.get(i); }
  /// The element at `i`. O(1). Precondition: contains(i) (checked by HISLAB_ASSERT).
  [[nodiscard]] T& operator[](index_type i) noexcept {
    HISLAB_ASSERT(core_.contains(i), "operator[] on vacant or out-of-range index", i);
    return *core_.ptr(i);
  }
  /// As the overload above, on a const slab.
  [[nodiscard]] const T& operator[](index_type i) const noexcept {
    HISLAB_ASSERT(core_.contains(i), "operator[] on vacant or out-of-range index", i);
    return *core_.ptr(i);
  }
  /// The element at `i`; throws std::out_of_range when `i` is vacant or out of range. O(1).
  [[nodiscard]] T& at(index_type i) {
    if (!core_.contains(i))
      throw_out_of_range_at("hislab: at() on a vacant or out-of-range index", i, core_.capacity());
    return *core_.ptr(i);
  }
  /// As the overload above, on a const slab. O(1).
  [[nodiscard]] const T& at(index_type i) const {
    if (!core_.contains(i))
      throw_out_of_range_at("hislab: at() on a vacant or out-of-range index", i, core_.capacity());
    return *core_.ptr(i);
  }
  /// The element at `i`, unchecked: `i` must be occupied. O(1), one memory access.
  [[nodiscard]] T& get_unchecked(index_type i) noexcept { return *core_.ptr(i); }
  /// As the overload above, on a const slab. O(1).
  [[nodiscard]] const T& get_unchecked(index_type i) const noexcept { return *core_.ptr(i); }
  /// Both elements at once: references to the values at `a` and `b` when both are live and
  /// a != b; empty otherwise (so the two references never alias). O(1).
  [[nodiscard]] std::optional<std::pair<T&, T&>> get_disjoint(index_type a, index_type b) noexcept {
    if (a == b || !core_.contains(a) || !core_.contains(b)) return std::nullopt;
    return std::optional<std::pair<T&, T&>>(std::in_place, *core_.ptr(a), *core_.ptr(b));
  }
  /// The index of the live element at `p`: get(index_of(p)) == p. npos for any other address
  /// (another slab's element, interior or misaligned addresses, a vacant slot, nullptr). O(1).
  [[nodiscard]] index_type index_of(const T* p) const noexcept { return core_.index_of(p); }
  /// True when `i` holds an element; false for vacant, held or out-of-range indices. O(1).
  [[nodiscard]] bool contains(index_type i) const noexcept { return core_.contains(i); }
  /// Same as contains(). O(1).
  [[nodiscard]] bool is_occupied(index_type i) const noexcept { return core_.contains(i); }

  /// Live elements (held and retired slots not counted). O(1).
  [[nodiscard]] size_type size() const noexcept { return core_.size(); }
  /// size() == 0. O(1).
  [[nodiscard]] bool empty() const noexcept { return core_.size() == 0; }
  /// True when no index is vacant (an index held by a VacantEntry is not vacant). O(1).
  [[nodiscard]] bool full() const noexcept { return core_.full(); }
  /// The virtual capacity: indices are below it. O(1).
  [[nodiscard]] size_type capacity() const noexcept { return core_.capacity(); }

  // ---- iteration ----------------------------------------------------------------------------

  /// Iteration in ascending index order; vacant 512-slot blocks cost one summary bit each.
  /// Inserting or removing invalidates iterators (not element references). O(levels).
  [[nodiscard]] iterator begin() noexcept { return {&core_, core_.next_live(0)}; }
  /// Past the last element. O(1).
  [[nodiscard]] iterator end() noexcept { return {&core_, npos}; }
  /// As the overload above, on a const slab. O(levels).
  [[nodiscard]] const_iterator begin() const noexcept { return {&core_, core_.next_live(0)}; }
  /// As the overload above, on a const slab. O(1).
  [[nodiscard]] const_iterator end() const noexcept { return {&core_, npos}; }
  /// begin() of a const slab. O(levels).
  [[nodiscard]] const_iterator cbegin() const noexcept { return begin(); }
  /// end() of a const slab. O(1).
  [[nodiscard]] const_iterator cend() const noexcept { return end(); }

  /// The elements alone (T&), in ascending index order: `for (T& v : slab.values())`, or a
  /// range for the standard algorithms. The natural `slab | std::views::values` cannot work:
  /// libstdc++ reaches a tuple-like element through std::get, which only std's own types have.
  /// A borrowed forward view that refers to the slab; invalidated as iterators are. O(levels).
  [[nodiscard]] value_view values() noexcept {
    return {value_iterator{&core_, core_.next_live(0)}, {&core_, npos}};
  }
  /// As the overload above, on a const slab (const T&). O(levels).
  [[nodiscard]] const_value_view values() const noexcept {
    return {const_value_iterator{&core_, core_.next_live(0)}, {&core_, npos}};
  }

  /// Calls f(index, T&) for each element in ascending order: the fastest way to visit them.
  /// O(size() + occupied blocks).
  /// f may erase or insert elements: an erased one is not visited; an inserted one is if it lies
  /// in a later 64-slot word, may be if it lies in the current one, and is not if it lies before.
  template <class F>
  void for_each(F&& f) {
    core_.visit_live([&](index_type i, T& v) { std::invoke(f, i, v); });
  }
  /// As for_each(), on a const slab: f(index, const T&), and f must not modify the slab.
  template <class F>
  void for_each(F&& f) const {
    core_.for_each_live([&](index_type i, const T& v) { std::invoke(f, i, v); });
  }

  // ---- sampling -----------------------------------------------------------------------------

  /// A uniformly random element, empty when empty(). O(log capacity), no allocation.
  template <random_generator G>
  [[nodiscard]] std::optional<Entry<T>> random_occupied(G&& g) {
    return entry_at<T>(sample_one(g, live()));
  }
  /// As random_occupied(), on a const slab.
  template <random_generator G>
  [[nodiscard]] std::optional<Entry<const T>> random_occupied(G&& g) const {
    return entry_at<const T>(sample_one(g, live()));
  }
  /// Writes n uniformly random occupied indices (with replacement) to `out`. O(n log
  /// capacity), no allocation; nothing is written when empty().
  template <random_generator G, class Out>
  Out random_occupied_many(G&& g, std::size_t n, Out out) const {
    return sample_many(g, n, live(), out);
  }
  /// Writes min(n, size()) distinct occupied indices to `out`; every subset of that size is
  /// equally likely. No allocation: O(n log capacity) when n < size() / 8, one pass over the
  /// elements (O(size() + occupied blocks)) otherwise.
  template <random_generator G, class Out>
  Out random_occupied_unique(G&& g, std::size_t n, Out out) const {
    return sample_unique(g, n, live(), out);
  }
  /// Same as size(). O(1).
  [[nodiscard]] size_type count_occupied() const noexcept { return core_.size(); }

 protected:
  /// Over a core made by Derived.
  explicit SlabApi(Core&& c) noexcept : MemoryApi<Core>(std::move(c)) {}

  LiveSet<T, Tagged> live() const noexcept { return {core_}; }

  /// The entry at a sampled index, empty for npos (an empty set).
  template <class V>
  std::optional<Entry<V>> entry_at(index_type i) const noexcept {
    if (i == npos) return std::nullopt;
    return Entry<V>{i, *core_.ptr(i)};
  }

  static std::optional<index_type> engaged(index_type i) noexcept {
    return i == npos ? std::nullopt : std::optional<index_type>(i);
  }
};

}  // namespace detail

/// A slab of T with stable std::uint32_t indices (see the file comment). Its members are
/// detail::SlabApi's and detail::MemoryApi's, above.
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
