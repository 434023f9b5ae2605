#pragma once
// SlabCore<T>: element storage + occupancy, shared by HiSlab and TaggedHiSlab.
//
// Element storage is one MmapRegion for the whole virtual capacity, slot i at
// data() + i * sizeof(T). Its pages are accounted in *chunks* of one page each (a power-of-two
// multiple when the capacity needs more than 2^32 - 1 chunks); `chunks` says which chunks are
// committed. Every slot below `commit_limit_` lies in committed chunks, so the insert path pays
// one compare; crossing it commits the chunks the slot touches (pre-faulting them under
// HugePages::Require, so that a missing huge page is an error and never SIGBUS).
//
// A chunk that is not committed overlaps vacant slots only: it was never written, or trim()
// released it while every slot on it was vacant and any insert since would have committed it.
//
// Occupancy: bit i of `occ_` is 1 when slot i holds a value, *or* is held by a live VacantEntry
// (listed in `held`), *or* is retired for good (listed in `retired`; only SlotMap retires a
// slot, when its generations are used up). Held and retired slots are *excluded*: not
// contained, not counted by size(), not iterated, not sampled, and never handed out by an
// insert. `excluded_` counts both lists, so that every path asks one question (is anything
// excluded?) and the usual answer, no, costs one compare.
//
// Tags (SlabCore<T, true>, under TaggedHiSlab): a second bitmap over the same slots, `tags_`,
// a subset of the live ones. The rule is kept here, in one place: every path that frees a slot
// (erase() and release()) clears its tag, and clear() clears them all. Every memory control
// (reserved/committed accounting, pre-faulting, mlock) covers it like `occ_`. In an untagged
// core `tags_` is an empty member and tags() does not exist; the memory controls reach both
// bitmaps through for_each_slot_bitmap().
//
// The object holds what insert, erase and lookup read (the occupancy bitmap's hot part, slot 0's
// address, the commit limit, the excluded count); everything else lives in one heap block,
// `cold_` (sizeof(HiSlab<T>) is 128 bytes: a slab can be an element of another).

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "../hier_bitmap.hpp"
#include "../mmap_region.hpp"
#include "../types.hpp"
#include "assert.hpp"
#include "sanitizer.hpp"
#include "throw.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// A VacantEntry's insert() that cannot go ahead (`what` says why, then the index): a
/// precondition, checked by HISLAB_ASSERT; with assertions off, std::logic_error "hislab: <what>
/// <index>", and nothing changes.
[[noreturn]] HISLAB_COLD inline void misused_vacant_entry(const char* what, index_type i) {
  HISLAB_ASSERT(false, what, i);
  char msg[256];
  std::snprintf(msg, sizeof msg, "hislab: %s %u", what, static_cast<unsigned>(i));
  throw_logic_error(msg);
}

/// Bytes per accounting chunk for a region of `bytes` with pages of `page` bytes.
inline std::size_t chunk_size_for(std::size_t bytes, std::size_t page) noexcept {
  std::size_t chunk = page;
  while (bytes / chunk >= 0xFFFF'FFFFu) chunk *= 2;
  return chunk;
}

/// What emplace-like functions accept: arguments that T(args...) accepts, or for an aggregate,
/// that T{args...} accepts. An aggregate is held to the braces (no narrowing) with every
/// compiler, so that a wrong call fails at the call site, not deep in the library, and g++ (which
/// also has parenthesized aggregate initialization) and clang++ agree.
template <class T, class... A>
concept constructible_from_args =
    (std::is_aggregate_v<T> && requires(A && ... a) { T{std::forward<A>(a)...}; }) ||
    (!std::is_aggregate_v<T> &&
     (std::is_constructible_v<T, A...> || requires(A && ... a) { T{std::forward<A>(a)...}; }));

struct SlabCoreTestAccess;  // tests only: corrupts a core to show check_invariants() notices

/// Passed as the only constructor argument: default-initialize (leave a trivial T's bytes as
/// they are) instead of value-initializing.
struct DefaultInit {};

template <class T, bool Tagged>
class SlabCore {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                "hislab containers hold non-const, non-volatile object types");

 public:
  SlabCore() noexcept = default;

  /// Validates the options, reserves everything and pre-faults the initial capacity. `elements`,
  /// when given, is the element region to use (a view at least reserved_bytes()' element part
  /// long) instead of a reservation of its own.
  [[nodiscard]] static std::optional<SlabCore> try_create(const Options& o, std::error_code& ec,
                                                          MmapRegion* elements = nullptr) noexcept {
    // Here rather than in the class body, which T may not be complete for yet.
    static_assert(alignof(T) <= 4096, "hislab aligns slots to at most the page size");
    if (o.virtual_capacity == 0 || o.initial_capacity > o.virtual_capacity) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return std::nullopt;
    }
    SlabCore c;
    c.cold_.reset(new (std::nothrow) Cold);
    if (c.cold_ == nullptr) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return std::nullopt;
    }
    c.cold_->opts = o;
    const std::size_t bytes = std::size_t{o.virtual_capacity} * sizeof(T);
    const std::size_t page = o.huge_pages == HugePages::Require ? os::huge_page_size() : os::base_page_size();
    c.cold_->chunk_bytes = chunk_size_for(bytes, page);
    const std::size_t nchunks = (bytes + c.cold_->chunk_bytes - 1) / c.cold_->chunk_bytes;
    const std::size_t elem_bytes = nchunks * c.cold_->chunk_bytes;
    // Without hugetlb, everything is one reservation (one mapping, one mmap and one munmap):
    // the elements, then each bitmap on pages of its own. Under Advise the advice waits until
    // the elements fill a huge page (commit_slots()). hugetlb elements (Require) and a region
    // given by the caller (PoolResource's size classes) leave the bitmaps to reserve their own.
    MmapRegion occ_view, chunks_view, tags_view;
    MmapRegion* occ_in = nullptr;
    MmapRegion* chunks_in = nullptr;
    MmapRegion* tags_in = nullptr;
    if (elements != nullptr) {
      c.cold_->elems = std::move(*elements);
    } else if (o.huge_pages == HugePages::Require) {
      auto region = MmapRegion::try_reserve(elem_bytes, HugePages::Require, ec);
      if (!region) return std::nullopt;
      c.cold_->elems = std::move(*region);
    } else {
      const std::size_t occ_bytes = HierBitmap::reserved_bytes(o.virtual_capacity);
      const std::size_t chunks_bytes = HierBitmap::reserved_bytes(static_cast<size_type>(nchunks));
      const std::size_t tags_bytes = Tagged ? occ_bytes : 0;
      auto whole =
          MmapRegion::try_reserve(elem_bytes + occ_bytes + chunks_bytes + tags_bytes, HugePages::None, ec);
      if (!whole) return std::nullopt;
      c.cold_->whole = std::move(*whole);
      c.cold_->elems = borrow_region(c.cold_->whole, 0, elem_bytes);
      occ_view = borrow_region(c.cold_->whole, elem_bytes, occ_bytes);
      chunks_view = borrow_region(c.cold_->whole, elem_bytes + occ_bytes, chunks_bytes);
      occ_in = &occ_view;
      chunks_in = &chunks_view;
      if constexpr (Tagged) {
        tags_view = borrow_region(c.cold_->whole, elem_bytes + occ_bytes + chunks_bytes, tags_bytes);
        tags_in = &tags_view;
      }
    }
    c.base_ = c.cold_->elems.data();
    auto occ = HierBitmap::try_create_in(o.virtual_capacity, ec, occ_in);
    if (!occ) return std::nullopt;
    c.occ_ = std::move(*occ);
    c.set_excluded(0);  // live_limit_ becomes the capacity
    auto chunks = HierBitmap::try_create_in(static_cast<size_type>(nchunks), ec, chunks_in);
    if (!chunks) return std::nullopt;
    c.cold_->chunks = std::move(*chunks);
    if constexpr (Tagged) {
      auto tags = HierBitmap::try_create_in(o.virtual_capacity, ec, tags_in);
      if (!tags) return std::nullopt;
      c.tags_ = std::move(*tags);
    }
    // Under Require the first huge page is committed now, so that a system without huge pages
    // is reported by the constructor rather than by the first insert.
    const size_type first =
        o.huge_pages == HugePages::Require && o.initial_capacity == 0 ? 1 : o.initial_capacity;
    if ((ec = c.commit_slots(0, first, true))) return std::nullopt;
    if (o.lock_memory && (ec = c.lock_all())) return std::nullopt;
    ec.clear();
    return c;
  }

  static SlabCore create(const Options& o) {
    std::error_code ec;
    auto c = try_create(o, ec);
    if (!c) throw_error_code(ec, "hislab: cannot create the container (bad options, or mmap/mlock refused)");
    return std::move(*c);
  }

  SlabCore(const SlabCore& o) requires std::copy_constructible<T> : SlabCore(empty_like(o)) {
    o.for_each_live([&](index_type i, const T& v) {
      // The page first: a slot is marked occupied only once its value can be built there.
      if (i >= commit_limit_) commit_or_throw(i);
      occ_.set(i);
      construct_at_reserved(i, v);
    });
    if constexpr (Tagged) o.tags_.for_each_set([&](index_type i) { tags_.set(i); });
    if (o.cold_ != nullptr)
      for (const index_type i : o.cold_->retired) retire_vacant(i);
  }
  SlabCore(SlabCore&& o) noexcept { swap(o); }
  SlabCore& operator=(SlabCore&& o) noexcept {
    SlabCore tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  SlabCore& operator=(const SlabCore& o) requires std::copy_constructible<T> {
    if (this != &o) {
      SlabCore tmp(o);
      swap(tmp);
    }
    return *this;
  }
  ~SlabCore() {
    HISLAB_ASSERT(cold_ == nullptr || cold_->held.empty(),
                  "slab destroyed, assigned to or moved from while VacantEntry objects hold indices; count",
                  cold_ == nullptr ? 0 : cold_->held.size());
    destroy_all();
    // What commit_slots() and release() poisoned lies below `poisoned`; unmapping keeps poison.
    if (cold_ != nullptr && cold_->poisoned != 0) unpoison(base_, cold_->poisoned);
  }

  void swap(SlabCore& o) noexcept {
    using std::swap;
    swap(occ_, o.occ_);
    swap(base_, o.base_);
    swap(excluded_, o.excluded_);
    swap(commit_limit_, o.commit_limit_);
    swap(live_limit_, o.live_limit_);
    swap(cold_, o.cold_);
    if constexpr (Tagged) swap(tags_, o.tags_);
  }

  // ---- queries ----------------------------------------------------------------------------

  [[nodiscard]] size_type capacity() const noexcept { return occ_.capacity(); }
  [[nodiscard]] size_type size() const noexcept { return occ_.count() - excluded_count(); }
  /// lock_memory() is in effect (construction with Options::lock_memory, copies of such).
  [[nodiscard]] bool locked() const noexcept { return cold_ != nullptr && cold_->locked; }
  /// Slots marked in the occupancy bitmap: live, held or retired. The next insert or hold takes
  /// an index at most this (the smallest vacant one).
  [[nodiscard]] size_type marked() const noexcept { return occ_.count(); }
  [[nodiscard]] bool full() const noexcept { return occ_.all(); }
  [[nodiscard]] HISLAB_ALWAYS_INLINE bool contains(index_type i) const noexcept {
    return contains(occ_.words(), live_limit_, i);
  }
  [[nodiscard]] T* ptr(index_type i) const noexcept { return ptr(base_, i); }
  [[nodiscard]] HISLAB_ALWAYS_INLINE T* get(index_type i) const noexcept {
    // Every member is read before the first branch, so that in a caller's loop of lookups the
    // compiler reads them once, outside the loop: each lookup is then the range compare, the
    // bitmap word and the element (bench/README.md, checked get).
    std::byte* const base = base_;
    const std::uint64_t* const words = occ_.words();
    const index_type limit = live_limit_;
    return contains(words, limit, i) ? ptr(base, i) : nullptr;
  }
  [[nodiscard]] HISLAB_ALWAYS_INLINE bool contains(const std::uint64_t* words, index_type limit,
                                                   index_type i) const noexcept {
    // One compare answers both "in range" and "nothing excluded" on the common path.
    if (HISLAB_LIKELY(i < limit)) return HierBitmap::test_in_range(words, i);
    return occ_.test(i) && (excluded_ == 0 || !is_excluded(i));
  }
  [[nodiscard]] static T* ptr(std::byte* base, index_type i) noexcept {
    return std::launder(reinterpret_cast<T*>(base + std::size_t{i} * sizeof(T)));
  }
  /// The first byte of slot 0 (nullptr for an empty core).
  [[nodiscard]] std::byte* base() const noexcept { return base_; }
  /// The index of the live element at `p`; npos for any address that is not the start of a live
  /// element of this core (other memory, interior or misaligned addresses, vacant slots). The
  /// address is compared as an integer, so any pointer may be passed.
  [[nodiscard]] index_type index_of(const T* p) const noexcept {
    const index_type i = slot_at(p);
    return i != npos && contains(i) ? i : npos;
  }
  /// The slot whose first byte is at `p` whether or not it is live; npos for any address that is
  /// not the start of a slot of this core.
  [[nodiscard]] index_type slot_at(const T* p) const noexcept {
    // Below the base, off wraps to a value past every slot.
    const std::uintptr_t off = reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(base_);
    if (off % sizeof(T) != 0 || off / sizeof(T) >= capacity()) return npos;
    return static_cast<index_type>(off / sizeof(T));
  }

  /// The first live index at or above `from`, else npos.
  [[nodiscard]] index_type next_live(index_type from) const noexcept {
    index_type i = occ_.find_next_set(from);
    if (HISLAB_UNLIKELY(excluded_ != 0))
      while (i != npos && is_excluded(i)) i = occ_.find_next_set(i + 1);
    return i;
  }

  /// The live index of rank r (0 <= r < size()).
  [[nodiscard]] index_type nth_live(size_type r) const noexcept {
    index_type i = occ_.select(r);
    if (HISLAB_LIKELY(excluded_ == 0)) return i;
    // Each excluded index at or below the candidate pushes the answer one rank up; the sequence
    // is non-decreasing and stops at the r-th live index.
    for (;;) {
      const size_type below = excluded_up_to(cold_->held, i) + excluded_up_to(cold_->retired, i);
      const index_type next = occ_.select(r + below);
      if (next == i) return i;
      i = next;
    }
  }

  /// out[k] = nth_live(ranks[k]) for k < n, through HierBitmap::select_many (batched,
  /// prefetched) when no index is held.
  void nth_live_many(const size_type* ranks, std::size_t n, index_type* out) const noexcept {
    if (HISLAB_LIKELY(excluded_ == 0)) return occ_.select_many(ranks, n, out);
    for (std::size_t k = 0; k < n; ++k) out[k] = nth_live(ranks[k]);
  }

  /// Calls f(i, value) for each live slot in ascending order; f must not change the occupancy.
  template <class F>
  void for_each_live(F&& f) const {
    if (HISLAB_LIKELY(excluded_ == 0)) {
      occ_.for_each_set([&](index_type i) { f(i, *ptr(i)); });
    } else {
      occ_.for_each_set([&](index_type i) {
        if (!is_excluded(i)) f(i, *ptr(i));
      });
    }
  }

  /// As for_each_live(), for callbacks that may erase or insert elements of this core: an
  /// element erased by an earlier call is never visited; one inserted during the visit is
  /// visited when it lies in a later 64-slot word, may be in the current one, and is not before.
  /// While a visit runs, `excluded_` carries a `visiting` count, so that the paths that free a
  /// slot, which test it anyway, flag `mutated_` (HierBitmap::visit_set then reads the current
  /// word again); a visit that frees nothing costs one flag test per element.
  template <class F>
  void visit_live(F&& f) {
    struct Running {
      SlabCore* c;
      ~Running() {
        c->set_excluded(c->excluded_ - visiting);
        c->cold_->mutated = c->excluded_ >= visiting;  // an outer visit must read its word again
      }
    };
    if (cold_ == nullptr) return;  // capacity 0: nothing to visit
    Running running{this};
    set_excluded(excluded_ + visiting);
    bool& mutated = cold_->mutated;
    mutated = false;
    bool careful = excluded_count() != 0;  // then a visited bit may be a held or retired slot
    occ_.visit_set(
        [&](index_type i) {
          if (HISLAB_UNLIKELY(careful) && !contains(i)) return;
          f(i, *ptr(i));
          if (HISLAB_UNLIKELY(mutated)) careful = true;
        },
        mutated);
  }

  const HierBitmap& occupancy() const noexcept { return occ_; }
  /// The tag bitmap: capacity 0 unless the core was created tagged.
  HierBitmap& tags() noexcept requires Tagged { return tags_; }
  const HierBitmap& tags() const noexcept requires Tagged { return tags_; }

  // ---- insertion ----------------------------------------------------------------------------

  /// Takes the lowest vacant index and constructs T from args there. When the slab is full, or
  /// the OS refuses a page it needs, returns npos (Throw = false) or throws (Throw = true);
  /// either way nothing is constructed and args are untouched.
  /// The common case (lowest vacant index known, its page committed, no summary but the hint
  /// to update) is inline and makes no call; every other goes through emplace_out_of_line().
  template <bool Throw, class... A>
  HISLAB_ALWAYS_INLINE index_type emplace(A&&... args) {
    const index_type i = occ_.set_first_unset_below(commit_limit_);
    if (HISLAB_UNLIKELY(i == npos)) return emplace_out_of_line<Throw>(std::forward<A>(args)...);
    construct_at_reserved(i, std::forward<A>(args)...);
    return i;
  }
  template <bool Throw, class... A>
  HISLAB_OUT_OF_LINE index_type emplace_out_of_line(A&&... args) {
    const index_type i = acquire<Throw>();
    if (HISLAB_UNLIKELY(i == npos)) return npos;
    construct_at_reserved(i, std::forward<A>(args)...);
    return i;
  }

  /// Takes the lowest vacant index for a VacantEntry: marked in occ_, listed as held.
  /// The list of held indices grows by one. If that allocation is refused the index is vacant
  /// again, and then (Throw = false: try_vacant_entry(), which is noexcept) npos is answered or
  /// (Throw = true) std::bad_alloc propagates.
  template <bool Throw>
  index_type hold() noexcept(!Throw) {
    const index_type i = acquire<Throw>();
    if (i == npos) return npos;
#if HISLAB_HAS_EXCEPTIONS
    try {
      cold_->held.insert(std::upper_bound(cold_->held.begin(), cold_->held.end(), i), i);
    } catch (...) {
      occ_.reset(i);  // nothing held: the index is vacant again
      if constexpr (Throw) throw;
      return npos;
    }
#else
    cold_->held.insert(std::upper_bound(cold_->held.begin(), cold_->held.end(), i), i);
#endif
    set_excluded(excluded_ + 1);
    return i;
  }
  /// Constructs into a held index; it stops being held once the value exists. An index this
  /// slab does not hold (its entry outlived a move, swap or assignment of the slab) is a misused
  /// VacantEntry: nothing is constructed (misused_vacant_entry()).
  template <class... A>
  T& fill_held(index_type i, A&&... args) {
    if (HISLAB_UNLIKELY(!is_held(i)))
      misused_vacant_entry(
          "VacantEntry::insert into a slab that does not hold its index (the slab was moved, "
          "swapped or assigned to); index",
          i);
    unpoison(ptr(i), sizeof(T));
    construct(i, std::forward<A>(args)...);  // on throw the index stays held by the entry
    unlist_held(i);
    return *ptr(i);
  }
  /// Gives a held index back unused. An index this slab does not hold (as in fill_held()) is
  /// asserted; with assertions off nothing changes.
  void unhold(index_type i) noexcept {
    if (HISLAB_UNLIKELY(!is_held(i))) {
      HISLAB_ASSERT(false,
                    "VacantEntry destroyed unused while its slab does not hold its index (the slab was "
                    "moved, swapped or assigned to); index",
                    i);
      return;
    }
    unlist_held(i);
    occ_.reset(i);
  }

  /// Destroys the value at a live index and takes the slot out of use for good: it stays
  /// marked in occ_ (so no insert takes it) and is excluded from everything else.
  void retire_live(index_type i) {
    if constexpr (!std::is_trivially_destructible_v<T>) ptr(i)->~T();
    poison(ptr(i), sizeof(T));
    list_retired(i);
  }
  /// Slots retired for good.
  [[nodiscard]] size_type retired() const noexcept {
    return cold_ == nullptr ? 0 : static_cast<size_type>(cold_->retired.size());
  }

  // ---- removal ----------------------------------------------------------------------------

  /// Destroys the value at `i` and frees the slot if `i` is live; false (nothing done) if not.
  /// The erase path: one test-and-clear of the occupancy bit.
  HISLAB_ALWAYS_INLINE bool erase(index_type i) noexcept {
    // As in contains(): one compare says "in range and nothing excluded" on the common path.
    if (HISLAB_UNLIKELY(i >= live_limit_)) {
      if (i >= capacity() || is_excluded(i)) return false;
      cold_->mutated = true;  // a visit is running (or slots are excluded): it rereads its word
    }
    if constexpr (std::is_trivially_destructible_v<T> && !HISLAB_DETAIL_ASAN) {
      // No demand access to the element; but a freed slot below the current lowest vacant one is
      // where the next insert writes, so start fetching its line for writing now. The address
      // is formed as an integer: a prefetch never faults, and i is in range from here on.
      // (The churn_16B/hislab row of bench/README.md measures it.)
      prefetch_for_write(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(base_) +
                                                       std::size_t{i} * sizeof(T)));
      if (!occ_.reset_in_range(i)) return false;
      if constexpr (Tagged) tags_.reset_in_range(i);
      return true;
    } else {
      if (!occ_.test_in_range(i)) return false;
      destroy_live(i);
      return true;
    }
  }

  /// Destroys the value at a live index and frees the slot.
  void destroy_live(index_type i) noexcept {
    if constexpr (!std::is_trivially_destructible_v<T>) ptr(i)->~T();
    release(i);
  }

  /// Destroys every live value; held indices stay held, retired ones retired. A destructor may
  /// erase other elements (each is destroyed once) or insert new ones (destroyed too: the slab is
  /// empty afterwards; a destructor that always inserts never lets it end).
  void clear() noexcept {
    if constexpr (std::is_trivially_destructible_v<T>) {
      if (HISLAB_LIKELY(excluded_ == 0)) {
        if constexpr (HISLAB_DETAIL_ASAN) occ_.for_each_set([&](index_type i) { poison(ptr(i), sizeof(T)); });
        occ_.clear();
        if constexpr (Tagged) tags_.clear();
        return;
      }
    }
    destroy_each();
    if constexpr (Tagged) tags_.clear();
  }

  // ---- memory -------------------------------------------------------------------------------

  /// memory_reserved() of a core of `capacity` slots (> 0) made with `huge`, without making one.
  [[nodiscard]] static std::size_t reserved_bytes(size_type capacity, HugePages huge) noexcept {
    const std::size_t bytes = std::size_t{capacity} * sizeof(T);
    const std::size_t page = huge == HugePages::Require ? os::huge_page_size() : os::base_page_size();
    const std::size_t chunk = chunk_size_for(bytes, page);
    const std::size_t nchunks = (bytes + chunk - 1) / chunk;
    return nchunks * chunk + HierBitmap::reserved_bytes(capacity) +
           HierBitmap::reserved_bytes(static_cast<size_type>(nchunks)) +
           (Tagged ? HierBitmap::reserved_bytes(capacity) : 0);
  }

  [[nodiscard]] std::size_t memory_reserved() const noexcept {
    if (cold_ == nullptr) return 0;
    std::size_t total = cold_->elems.size() + cold_->chunks.memory_reserved();
    for_each_slot_bitmap(*this, [&](const HierBitmap& b) { total += b.memory_reserved(); });
    return total;
  }
  [[nodiscard]] std::size_t memory_committed() const noexcept {
    if (capacity() == 0) return 0;
    std::size_t total =
        std::size_t{cold_->chunks.count()} * cold_->chunk_bytes + cold_->chunks.memory_committed();
    for_each_slot_bitmap(*this, [&](const HierBitmap& b) { total += b.memory_committed(); });
    return total;
  }

  /// Pre-faults slots [0, n); n > capacity() throws CapacityError.
  void reserve(size_type n) {
    if (n > capacity()) throw_out_of_range_reserve(n);
    if (auto ec = commit_slots(0, n, true)) throw_error_code(ec, "hislab: reserve() could not commit memory");
  }

  void lock_memory() {
    if (auto ec = lock_all()) throw_error_code(ec, "hislab: lock_memory(): mlock refused");
  }
  void unlock_memory() noexcept {
    if (capacity() == 0) return;
    for_each_chunk_run(cold_->chunks,
                       [&](std::size_t lo, std::size_t hi) { (void)cold_->elems.unlock(lo, hi - lo); });
    for_each_slot_bitmap(*this, [](HierBitmap& b) { b.unlock_memory(); });
    cold_->chunks.unlock_memory();
    cold_->locked = false;
  }

  /// MADV_COLLAPSE over each run of committed element chunks; the first refusal's errno.
  std::error_code try_collapse() noexcept {
    std::error_code ec;
    if (capacity() == 0) return ec;
    for_each_chunk_run(cold_->chunks, [&](std::size_t lo, std::size_t hi) {
      if (!ec) ec = cold_->elems.try_collapse(lo, hi - lo);
    });
    return ec;
  }

  /// Releases every committed chunk that overlaps vacant slots only; returns the bytes released.
  std::size_t trim() noexcept {
    if (capacity() == 0) return 0;
    std::size_t released = 0;
    cold_->chunks.for_each_set([&](index_type c) {
      const std::size_t lo = std::size_t{c} * cold_->chunk_bytes;
      const auto first = static_cast<index_type>(lo / sizeof(T));
      const std::size_t last_byte =
          std::min(lo + cold_->chunk_bytes, std::size_t{capacity()} * sizeof(T)) - 1;
      const auto last = static_cast<index_type>(last_byte / sizeof(T));
      if (first < capacity() && occ_.find_next_set(first) <= last) return;
      if (cold_->locked)
        (void)cold_->elems.unlock(lo, cold_->chunk_bytes);  // MADV_DONTNEED refuses locked pages
      cold_->elems.release(lo, cold_->chunk_bytes);
      cold_->chunks.reset(c);
      released += cold_->chunk_bytes;
    });
    update_commit_limit();
    return released;
  }

  [[nodiscard]] const Options& options() const noexcept {
    static constexpr Options none{};
    return cold_ == nullptr ? none : cold_->opts;
  }

  /// The container invariants, recomputed (O(capacity)); nullptr when all hold, else the first
  /// that does not. Each bitmap's own (HierBitmap::check_invariants()), then:
  ///  1. the held and retired lists are sorted, disjoint, marked in occ_, and excluded_ counts both
  ///     (live_limit_ is capacity() exactly while it is 0);
  ///  2. tags are a subset of the live slots (TaggedHiSlab);
  ///  3. every live or held slot lies in committed chunks (a retired one holds nothing and need
  ///     not: a copy marks it without committing it), and commit_limit_ is where the first
  ///     uncommitted chunk begins;
  ///  4. the poisoned bytes cover every committed chunk.
  [[nodiscard]] const char* check_invariants() const noexcept {
    if (capacity() == 0)
      return excluded_ == 0 && live_limit_ == 0 && cold_ == nullptr
                 ? nullptr
                 : "an empty core lists slots, or has memory";
    const char* why = cold_->chunks.check_invariants();
    for_each_slot_bitmap(*this, [&](const HierBitmap& b) {
      if (why == nullptr) why = b.check_invariants();
    });
    if (why != nullptr) return why;
    if (base_ != cold_->elems.data()) return "base_ is not the element region's start";
    if (!std::is_sorted(cold_->held.begin(), cold_->held.end()) ||
        !std::is_sorted(cold_->retired.begin(), cold_->retired.end()))
      return "held or retired slots are not sorted";
    if (excluded_count() != cold_->held.size() + cold_->retired.size() || excluded_ >= visiting)
      return "excluded_ is not the number of held and retired slots";
    if (live_limit_ != (excluded_ == 0 ? capacity() : 0))
      return "live_limit_ is not capacity() exactly while no slot is excluded";
    for (const index_type i : cold_->held)
      if (!occ_.test(i) || std::binary_search(cold_->retired.begin(), cold_->retired.end(), i))
        return "a held slot is not marked, or retired";
    for (const index_type i : cold_->retired)
      if (!occ_.test(i)) return "a retired slot is not marked";
    if constexpr (Tagged)
      tags_.for_each_set([&](index_type i) {
        if (why == nullptr && !contains(i)) why = "a tag on a slot that holds no element";
      });
    if (why != nullptr) return why;
    auto committed = [&](index_type i) {
      const std::size_t lo = std::size_t{i} * sizeof(T), hi = lo + sizeof(T) - 1;
      for (std::size_t c = lo / cold_->chunk_bytes; c <= hi / cold_->chunk_bytes; ++c)
        if (!cold_->chunks.test(static_cast<index_type>(c))) return false;
      return true;
    };
    occ_.for_each_set([&](index_type i) {
      if (why == nullptr && !committed(i) &&
          !std::binary_search(cold_->retired.begin(), cold_->retired.end(), i))
        why = "a live or held slot lies in an uncommitted chunk";
    });
    if (why != nullptr) return why;
    const index_type first_gap = cold_->chunks.find_first_unset();
    const std::size_t limit =
        first_gap == npos ? capacity() : std::size_t{first_gap} * cold_->chunk_bytes / sizeof(T);
    if (commit_limit_ != std::min<std::size_t>(limit, capacity()))
      return "commit_limit_ is not where the first uncommitted chunk begins";
    const index_type last_chunk =
        cold_->chunks.count() == 0 ? npos : cold_->chunks.select(cold_->chunks.count() - 1);
    if (last_chunk != npos && (std::size_t{last_chunk} + 1) * cold_->chunk_bytes > cold_->poisoned &&
        HISLAB_DETAIL_ASAN)
      return "a committed chunk lies past the poisoned high-water mark";
    return nullptr;
  }

 private:
  /// A core with o's capacity and memory options and no elements (empty for a moved-from o).
  static SlabCore empty_like(const SlabCore& o) {
    if (o.capacity() == 0) return SlabCore{};
    Options opts = o.cold_->opts;
    opts.initial_capacity = 0;
    return create(opts);
  }

  [[nodiscard]] size_type excluded_count() const noexcept { return static_cast<size_type>(excluded_); }
  /// Every write of excluded_ goes through here, so that live_limit_ follows it.
  void set_excluded(std::uint64_t v) noexcept {
    excluded_ = v;
    live_limit_ = v == 0 ? occ_.capacity() : 0;
  }
  [[nodiscard]] bool is_held(index_type i) const noexcept {
    return cold_ != nullptr && std::binary_search(cold_->held.begin(), cold_->held.end(), i);
  }
  [[nodiscard]] bool is_excluded(index_type i) const noexcept {
    return is_held(i) || std::binary_search(cold_->retired.begin(), cold_->retired.end(), i);
  }
  /// How many entries of the sorted `list` are <= i.
  static size_type excluded_up_to(const std::vector<index_type>& list, index_type i) noexcept {
    return static_cast<size_type>(std::upper_bound(list.begin(), list.end(), i) - list.begin());
  }
  void unlist_held(index_type i) noexcept {
    cold_->held.erase(std::lower_bound(cold_->held.begin(), cold_->held.end(), i));
    set_excluded(excluded_ - 1);
  }
  void list_retired(index_type i) {
    cold_->mutated = true;
    cold_->retired.insert(std::upper_bound(cold_->retired.begin(), cold_->retired.end(), i), i);
    set_excluded(excluded_ + 1);
  }
  /// A copy keeps the source's retired slots retired (no bit of an element is needed).
  void retire_vacant(index_type i) {
    occ_.set(i);
    list_retired(i);
  }

  template <bool Throw>
  HISLAB_ALWAYS_INLINE index_type acquire() {
    const index_type i = occ_.set_first_unset();
    if (HISLAB_UNLIKELY(i == npos)) {
      if constexpr (Throw) throw_capacity_of("hislab: no vacant slot, the container is full", capacity());
      return npos;
    }
    if (HISLAB_UNLIKELY(i >= commit_limit_)) {
      if (auto ec = commit_slots(i, i + 1, false)) {
        occ_.reset(i);
        if constexpr (Throw)
          throw_error_code(ec, "hislab: could not commit memory for the new element's slot");
        return npos;
      }
    }
    return i;
  }

  [[noreturn]] HISLAB_COLD void throw_out_of_range_reserve(size_type n) const {
    char msg[128];
    std::snprintf(msg, sizeof msg, "hislab: reserve(%u) beyond the virtual capacity", n);
    throw_capacity_of(msg, capacity());
  }

  void commit_or_throw(index_type i) {
    if (auto ec = commit_slots(i, i + 1, false)) throw_error_code(ec, "hislab: could not commit memory");
  }

  template <class... A>
  void construct(index_type i, A&&... args) {
    if constexpr (sizeof...(A) == 1 && (std::is_same_v<std::remove_cvref_t<A>, DefaultInit> && ...))
      ::new (static_cast<void*>(ptr(i))) T;  // default-initialized: BufferSlab leaves bytes as they are
    else if constexpr (std::is_constructible_v<T, A&&...>)
      ::new (static_cast<void*>(ptr(i))) T(std::forward<A>(args)...);
    else
      ::new (static_cast<void*>(ptr(i))) T{std::forward<A>(args)...};
  }

  /// Constructs at an index already marked in occ_; on a throwing constructor the index is
  /// freed again (strong guarantee) and the exception propagates.
  template <class... A>
  HISLAB_ALWAYS_INLINE void construct_at_reserved(index_type i, A&&... args) {
    struct Undo {
      SlabCore* core;
      index_type i;
      bool armed = true;
      ~Undo() {
        if (armed) core->release(i);
      }
    } undo{this, i};
    unpoison(ptr(i), sizeof(T));
    construct(i, std::forward<A>(args)...);
    undo.armed = false;
  }

  /// Frees a slot whose bit is set (live, held, or just reserved for construction).
  void release(index_type i) noexcept {
    if (HISLAB_UNLIKELY(excluded_ != 0)) cold_->mutated = true;
    poison(ptr(i), sizeof(T));
    occ_.reset_known(i);
    if constexpr (Tagged) tags_.reset(i);
  }

  void destroy_all() noexcept {
    if (capacity() == 0) return;
    if constexpr (!std::is_trivially_destructible_v<T>) destroy_each();
  }

  /// Destroys the live elements one at a time, looking up the next one after each destructor
  /// returns (the slot stays marked while its destructor runs, so that nothing is built over
  /// it), and again from the start while any is left: destructors may erase or insert.
  void destroy_each() noexcept {
    while (size() != 0) {
      for (index_type i = next_live(0); i != npos; i = next_live(i + 1)) destroy_live(i);
    }
  }

  /// Calls f(lo_byte, hi_byte) for each maximal run of set bits in `bm`, scaled to chunks.
  template <class F>
  void for_each_chunk_run(const HierBitmap& bm, F&& f) const {
    std::size_t run_lo = 0, run_hi = 0;
    bm.for_each_set([&](index_type c) {
      const std::size_t lo = std::size_t{c} * cold_->chunk_bytes;
      if (run_hi != lo) {
        if (run_hi != run_lo) f(run_lo, run_hi);
        run_lo = lo;
      }
      run_hi = lo + cold_->chunk_bytes;
    });
    if (run_hi != run_lo) f(run_lo, run_hi);
  }

  /// Commits the chunks overlapping slots [first, last); `prefault` populates them.
  HISLAB_COLD std::error_code commit_slots(size_type first, size_type last, bool prefault) noexcept {
    if (last <= first) return {};
    const std::size_t c_lo = std::size_t{first} * sizeof(T) / cold_->chunk_bytes;
    const std::size_t c_hi = (std::size_t{last} * sizeof(T) - 1) / cold_->chunk_bytes + 1;
    const bool must_populate = prefault || cold_->opts.huge_pages == HugePages::Require;
    // HugePages::Advise: transparent huge pages only once the committed elements reach the size
    // of one. A small slab keeps base pages (one huge page would make a slab of one element
    // cost 2 MiB of resident memory that trim() cannot give back); a large one is advised as it
    // crosses the size, before the pages past it fault (or are pre-faulted here). The whole
    // region is advised at once, so the mapping is not split per range.
    if (cold_->opts.huge_pages == HugePages::Advise && !cold_->thp_advised &&
        c_hi * cold_->chunk_bytes >= os::huge_page_size()) {
      (void)cold_->elems.advise_huge_pages();  // a kernel without THP refuses; nothing is lost
      cold_->thp_advised = true;
    }
    for (std::size_t c = c_lo; c < c_hi; ++c) {
      const bool fresh = !cold_->chunks.test(static_cast<index_type>(c));
      if (!fresh && !prefault) continue;
      const std::size_t lo = c * cold_->chunk_bytes;
      if (must_populate) {
        if (auto ec = cold_->elems.populate(lo, cold_->chunk_bytes)) return ec;
      }
      if (fresh) {
        if (cold_->locked) {
          if (auto ec = cold_->elems.lock(lo, cold_->chunk_bytes, true)) return ec;
          if (auto ec = lock_bitmaps(lo, lo + cold_->chunk_bytes)) return ec;
        }
        poison(cold_->elems.data() + lo, cold_->chunk_bytes);
        if (lo + cold_->chunk_bytes > cold_->poisoned) cold_->poisoned = lo + cold_->chunk_bytes;
        cold_->chunks.set(static_cast<index_type>(c));
      }
    }
    // The bitmaps' pages for those slots too: a pre-faulted fill (and tagging) takes no fault.
    if (prefault) {
      std::error_code ec;
      for_each_slot_bitmap(*this, [&](HierBitmap& b) {
        if (!ec) ec = b.populate(last);
      });
      if (ec) return ec;
    }
    update_commit_limit();
    return {};
  }

  void update_commit_limit() noexcept {
    const index_type c = cold_->chunks.find_first_unset();
    if (c == npos) {
      commit_limit_ = capacity();
    } else {
      const std::size_t slots = std::size_t{c} * cold_->chunk_bytes / sizeof(T);
      commit_limit_ = static_cast<index_type>(std::min<std::size_t>(slots, capacity()));
    }
  }

  /// Locks what is committed: the element chunks and the bitmaps' pages for their slots
  /// (MLOCK_ONFAULT). commit_slots() locks what it commits later. The reservation is not locked
  /// (RLIMIT_MEMLOCK counts what is locked, faulted or not).
  std::error_code lock_all() noexcept {
    if (capacity() == 0) return {};
    cold_->locked = true;
    std::error_code ec;
    std::size_t end = 0;  // bytes of elements up to the end of the last committed chunk
    for_each_chunk_run(cold_->chunks, [&](std::size_t lo, std::size_t hi) {
      if (!ec) ec = cold_->elems.lock(lo, hi - lo, true);
      end = hi;
    });
    if (!ec) ec = lock_bitmaps(0, end);
    if (ec) unlock_memory();
    return ec;
  }
  /// Locks the bitmaps' pages for the slots in element bytes [lo, hi) (MLOCK_ONFAULT).
  std::error_code lock_bitmaps(std::size_t lo, std::size_t hi) noexcept {
    if (hi <= lo) return {};
    const auto first = static_cast<size_type>(lo / sizeof(T));
    const auto last =
        static_cast<size_type>(std::min<std::size_t>((hi + sizeof(T) - 1) / sizeof(T), capacity()));
    std::error_code ec;
    for_each_slot_bitmap(*this, [&](HierBitmap& b) {
      if (!ec) ec = b.lock_memory(first, last);
    });
    if (ec) return ec;
    return cold_->chunks.lock_memory(
        static_cast<size_type>(lo / cold_->chunk_bytes),
        static_cast<size_type>((hi + cold_->chunk_bytes - 1) / cold_->chunk_bytes));
  }

  /// Calls f(bitmap) for each bitmap indexed by slot: occ_ and, in a tagged core, tags_. Every
  /// memory control (accounting, pre-faulting, locking, invariants) treats them alike.
  template <class Self, class F>
  static void for_each_slot_bitmap(Self& self, F&& f) {
    f(self.occ_);
    if constexpr (Tagged) f(self.tags_);
  }

  /// What only the cold paths use (committing, trimming, locking, held and retired slots, the
  /// options): on the heap, one allocation per container, so that the object keeps what insert,
  /// erase and lookup read. Null exactly for a core of capacity 0 (default or moved from).
  struct Cold {
    MmapRegion whole;  // the one reservation that elems and the bitmaps are views of (if any)
    MmapRegion elems;
    HierBitmap chunks;
    std::vector<index_type> held;
    std::vector<index_type> retired;
    Options opts{};
    std::size_t chunk_bytes = 4096;
    std::size_t poisoned = 0;  // element bytes that may carry ASan poison: the chunks ever committed
    bool locked = false;
    bool thp_advised = false;  // the element region has MADV_HUGEPAGE (HugePages::Advise only)
    bool mutated = false;      // a slot was freed while a visit ran (visit_live())
  };
  struct NoTags {};
  friend struct SlabCoreTestAccess;

  HierBitmap occ_;
  std::byte* base_ = nullptr;  // slot 0: cold_->elems.data()
  // Low 32 bits: held.size() + retired.size(). High 32 bits: visits under way (visit_live()).
  static constexpr std::uint64_t visiting = std::uint64_t{1} << 32;
  std::uint64_t excluded_ = 0;
  index_type commit_limit_ = 0;
  // capacity() while excluded_ is 0, else 0: contains() asks `i < live_limit_` first.
  index_type live_limit_ = 0;
  std::unique_ptr<Cold> cold_;
  [[no_unique_address]] std::conditional_t<Tagged, HierBitmap, NoTags> tags_;
};

/// A core's live slots as the samplers (sampling.hpp) see a ranked set: excluded indices skipped.
template <class T, bool Tagged>
struct LiveSet {
  const SlabCore<T, Tagged>& core;
  size_type count() const noexcept { return core.size(); }
  index_type select(size_type r) const noexcept { return core.nth_live(r); }
  void select_many(const size_type* r, std::size_t n, index_type* out) const noexcept {
    core.nth_live_many(r, n, out);
  }
  template <class F>
  void for_each_set(F&& f) const {
    core.for_each_live([&](index_type i, const T&) { f(i); });
  }
};

}  // namespace detail

template <class T>
Options Options::for_bytes(std::size_t bytes, HugePages huge) {
  using Core = detail::SlabCore<T, false>;
  if (Core::reserved_bytes(1, huge) > bytes)
    detail::throw_invalid_argument("hislab: Options::for_bytes(): the budget is too small for one slot");
  // reserved_bytes() grows with the capacity: the largest n within the budget, by bisection.
  std::uint64_t lo = 1, hi = npos;  // reserved(lo) <= bytes; answer in [lo, hi]
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo + 1) / 2;
    if (Core::reserved_bytes(static_cast<size_type>(mid), huge) <= bytes)
      lo = mid;
    else
      hi = mid - 1;
  }
  const auto n = static_cast<std::uint32_t>(lo);
  return Options{n, n, huge, false};
}

HISLAB_NAMESPACE_END
