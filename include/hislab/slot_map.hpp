#pragma once
/// \file slot_map.hpp
/// SlotMap<T, Tag>: a slab whose handles detect reuse. Key<Tag> pairs a slot index with the
/// slot's generation; a key to a removed element never reaches the element that later takes its
/// slot (no ABA), and a forged or corrupted key is harmless.
///
/// Storage, index policy (the smallest vacant slot first), iteration order, memory controls and
/// errors are HiSlab's: the same detail::SlabCore holds the elements. Generations live in a
/// region of their own, one 32-bit word per slot, never released (a vacant slot must remember
/// which keys it gave out), so HiSlab<T> pays nothing for them.
///
/// A slot's generation is odd while it holds an element and even otherwise, and goes up by one
/// at every insert and every removal: each slot hands out 2^31 distinct keys. When the last one
/// is removed the slot is *retired*: it is never handed out again (not counted by size(); full()
/// is true once every slot is occupied or retired), so no key is ever valid twice.

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "detail/assert.hpp"
#include "detail/iterator.hpp"
#include "detail/sampling.hpp"
#include "detail/slab_core.hpp"
#include "detail/throw.hpp"
#include "mmap_region.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN

template <class T, class Tag>
class SlotMap;

/// A generational handle into a SlotMap<T, Tag>: a slot index and the slot's generation.
/// Trivially copyable, 8 bytes. Keys of different Tags are different types and do not convert.
template <class Tag = void>
class Key {
 public:
  /// The null key: valid in no SlotMap. O(1).
  constexpr Key() noexcept = default;
  /// The slot; npos for the null key. O(1).
  [[nodiscard]] constexpr index_type index() const noexcept { return static_cast<index_type>(bits_); }
  /// The slot's generation when the key was handed out (odd for a key of a live element). O(1).
  [[nodiscard]] constexpr std::uint32_t generation() const noexcept {
    return static_cast<std::uint32_t>(bits_ >> 32);
  }
  /// True for the null key (and any key whose index is npos). O(1).
  [[nodiscard]] constexpr bool is_null() const noexcept { return index() == npos; }
  /// The key as one integer, for storage and the wire: the generation in the high 32 bits, the
  /// index in the low 32 bits. O(1).
  [[nodiscard]] constexpr std::uint64_t to_bits() const noexcept { return bits_; }
  /// The key whose to_bits() is `bits`. Any value is accepted: a map answers a key it never
  /// gave out as it answers a stale one (nullptr / empty / false / std::out_of_range). O(1).
  [[nodiscard]] static constexpr Key from_bits(std::uint64_t bits) noexcept { return Key(bits); }
  /// Equal when index and generation are.
  friend constexpr bool operator==(Key, Key) noexcept = default;
  /// Ordered by index, then generation.
  friend constexpr std::strong_ordering operator<=>(Key a, Key b) noexcept {
    if (const auto c = a.index() <=> b.index(); c != 0) return c;
    return a.generation() <=> b.generation();
  }

 private:
  template <class, class>
  friend class SlotMap;
  constexpr Key(index_type i, std::uint32_t g) noexcept : bits_(std::uint64_t{g} << 32 | i) {}
  constexpr explicit Key(std::uint64_t bits) noexcept : bits_(bits) {}

  // One integer rather than two fields: a key is then read from memory with one load (a lookup
  // that starts from a stored key has one load fewer in flight; bench/README.md, SlotMap get).
  std::uint64_t bits_ = npos;  // generation 0, index npos: the null key
};

/// What iterating a SlotMap yields: the element's key and a reference to its value.
template <class V, class Tag = void>
struct KeyEntry {
  Key<Tag> key;  ///< the element's key
  V& value;      ///< the element
};

namespace detail {
/// Tests only: lowers a map's generation limit so that retirement is reached in a few reuses.
struct SlotMapTestAccess {
  /// `last` is the last (odd) generation a slot hands out before it retires.
  template <class M>
  static void set_last_generation(M& m, std::uint32_t last) noexcept {
    m.last_gen_ = last | 1u;
  }
  /// Corrupts slot i's generation (to show that check_invariants() notices).
  template <class M>
  static void bump_generation(M& m, index_type i) noexcept {
    ++m.gens()[i];
  }
};
}  // namespace detail

/// A slab whose handles are generational keys: a key whose element was removed never reaches
/// another element (see the file comment). The same core as HiSlab<T>, plus a generation per slot.
///
/// Complexity: every member is O(1) unless its comment gives another bound. Invalidation: as
/// HiSlab's (nothing moves; references to an element and its key stay valid until it is
/// removed; inserting or removing invalidates iterators, not references); a removed element's
/// key, and every copy of it, is stale for good.
template <class T, class Tag = void>
class SlotMap {
  using Core = detail::SlabCore<T, false>;
  template <class V>
  using entry_t = KeyEntry<V, Tag>;

 public:
  using value_type = T;                   ///< the element type
  using size_type = hislab::size_type;    ///< std::uint32_t: sizes and capacities
  using index_type = hislab::index_type;  ///< std::uint32_t: slot indices
  using key_type = Key<Tag>;              ///< the handle type
  /// A forward iterator over KeyEntry<T, Tag> in ascending index order.
  using iterator = detail::BitmapIterator<SlotMap, T, false, entry_t>;
  /// As iterator, over KeyEntry<const T, Tag>.
  using const_iterator = detail::BitmapIterator<SlotMap, const T, false, entry_t>;

  /// Holds the lowest vacant slot until a value is inserted into it or the entry is destroyed;
  /// its key is known before the value exists. As HiSlab<T>::VacantEntry: move-constructible
  /// only, it must not outlive its map, nor live across a move, swap or assignment of the map.
  class VacantEntry {
   public:
    /// Takes over o's slot; o is spent. O(1).
    VacantEntry(VacantEntry&& o) noexcept : map_(std::exchange(o.map_, nullptr)), i_(o.i_), gen_(o.gen_) {}
    VacantEntry(const VacantEntry&) = delete;
    VacantEntry& operator=(const VacantEntry&) = delete;
    VacantEntry& operator=(VacantEntry&&) = delete;
    /// Destroyed unused: the slot becomes vacant again and key() never becomes valid. O(held indices).
    ~VacantEntry() {
      if (map_ != nullptr) map_->core_.unhold(i_);
    }
    /// The key the value will have, and has once insert() has run (also on the spent entry and
    /// on one moved from). Read from the entry alone: O(1).
    [[nodiscard]] key_type key() const noexcept { return key_type(i_, gen_); }
    /// Constructs the value; key() is valid from now on and the entry is spent. If the
    /// constructor throws, the slot stays held by the entry (and is freed with it).
    template <class... A>
    requires detail::constructible_from_args<T, A...> T& insert(A&&... args) {
      if (HISLAB_UNLIKELY(map_ == nullptr))
        detail::misused_vacant_entry("SlotMap::VacantEntry::insert on a spent or moved-from entry; index",
                                     i_);
      T& v = map_->core_.fill_held(i_, std::forward<A>(args)...);
      std::exchange(map_, nullptr)->born(i_);
      return v;
    }

   private:
    friend class SlotMap;
    // The slot's next generation: a held slot's generation does not change until born().
    VacantEntry(SlotMap* m, index_type i) noexcept : map_(m), i_(i), gen_(m->gen(i) + 1) {}
    SlotMap* map_;
    index_type i_;
    std::uint32_t gen_;
  };

  // ---- construction -------------------------------------------------------------------------

  /// A map with Options{}: 2^20 slots of address space, nothing pre-faulted.
  SlotMap() : SlotMap(Options{}) {}
  /// Pre-faults `initial_capacity` slots; reserves `virtual_capacity` slots of address space.
  SlotMap(std::uint32_t initial_capacity, std::uint32_t virtual_capacity)
      : SlotMap(Options{initial_capacity, virtual_capacity}) {}
  /// Throws std::invalid_argument for bad options, std::system_error when the OS refuses.
  explicit SlotMap(const Options& o) {
    std::error_code ec;
    if (!init(o, ec))
      detail::throw_error_code(ec, "hislab: cannot create the SlotMap (bad options, or mmap/mlock refused)");
  }
  /// The non-throwing twin of the Options constructor: `ec` is invalid_argument for bad options,
  /// the errno when the OS refuses; cleared on success.
  [[nodiscard]] static std::optional<SlotMap> try_create(const Options& o, std::error_code& ec) noexcept {
    SlotMap m{Empty{}};
    if (!m.init(o, ec)) return std::nullopt;
    return std::optional<SlotMap>(std::move(m));
  }

  /// A deep copy: same capacity, keys and generations. Every key live here is live in the copy,
  /// every stale key stays stale there. O(capacity's generations + size() copies).
  SlotMap(const SlotMap& o) requires std::copy_constructible<T> : core_(o.core_), last_gen_(o.last_gen_) {
    if (o.capacity() == 0) return;
    gens_ = MmapRegion::reserve(o.gens_.size(), HugePages::None);
    std::memcpy(gens_.data(), o.gens_.data(), std::size_t{o.gen_high_} * sizeof(std::uint32_t));
    gen_high_ = o.gen_high_;
    if (core_.locked())  // the core's copy is locked as the source's options say
      if (auto ec = lock_gens()) detail::throw_error_code(ec, "hislab: SlotMap copy: mlock refused");
  }
  /// The source is left empty with capacity() == 0.
  SlotMap(SlotMap&& o) noexcept { swap(o); }
  /// Becomes a copy of `o` (strong guarantee: built aside, then swapped in).
  SlotMap& operator=(const SlotMap& o) requires std::copy_constructible<T> {
    if (this != &o) {
      SlotMap tmp(o);
      swap(tmp);
    }
    return *this;
  }
  /// Destroys the old contents first; the source is left as after a move.
  SlotMap& operator=(SlotMap&& o) noexcept {
    SlotMap tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  /// Destroys the live elements and unmaps.
  ~SlotMap() = default;

  /// Exchanges contents, capacities, generations and memory with `o`. O(1).
  void swap(SlotMap& o) noexcept {
    core_.swap(o.core_);
    using std::swap;
    swap(gens_, o.gens_);
    swap(gen_high_, o.gen_high_);
    swap(gens_locked_below_, o.gens_locked_below_);
    swap(last_gen_, o.last_gen_);
  }
  /// a.swap(b).
  friend void swap(SlotMap& a, SlotMap& b) noexcept { a.swap(b); }

  // ---- insertion ----------------------------------------------------------------------------

  /// Copies `v` into the lowest vacant slot and returns its key. Throws CapacityError when
  /// full(); std::system_error if the OS refuses the slot's page. Strong guarantee.
  HISLAB_ALWAYS_INLINE key_type insert(const T& v) { return put<true>(v); }
  /// Moves `v` in. As insert(const T&).
  HISLAB_ALWAYS_INLINE key_type insert(T&& v) { return put<true>(std::move(v)); }
  /// Constructs T(args...) (or T{args...}) in the lowest vacant slot and returns its key.
  template <class... A>
  requires detail::constructible_from_args<T, A...> HISLAB_ALWAYS_INLINE key_type emplace(A&&... args) {
    return put<true>(std::forward<A>(args)...);
  }
  /// As emplace(), but a full map (or a refused page) gives an empty optional, constructs
  /// nothing and leaves the arguments untouched.
  template <class... A>
  requires detail::constructible_from_args<T, A...> std::optional<key_type> try_emplace(A&&... args) {
    return engaged(put<false>(std::forward<A>(args)...));
  }
  /// As insert(), but a full map (or a refused page) gives an empty optional and leaves `v` untouched.
  std::optional<key_type> try_insert(T&& v) { return engaged(put<false>(std::move(v))); }
  /// As the overload above, copying `v`.
  std::optional<key_type> try_insert(const T& v) { return engaged(put<false>(v)); }

  /// Holds the lowest vacant slot for a later insert. Throws CapacityError when full().
  [[nodiscard]] VacantEntry vacant_entry() {
    if (auto ec = gens_lock_ahead())
      detail::throw_error_code(ec, "hislab: vacant_entry() could not lock the page of its generation");
    return VacantEntry(this, core_.template hold<true>());
  }
  /// As vacant_entry(), empty when full() (or when a locked map cannot lock its generation).
  [[nodiscard]] std::optional<VacantEntry> try_vacant_entry() noexcept {
    if (gens_lock_ahead()) return std::nullopt;
    const index_type i = core_.template hold<false>();
    if (i == npos) return std::nullopt;
    return VacantEntry(this, i);
  }

  // ---- removal ------------------------------------------------------------------------------

  /// Moves the value of `k` out and frees its slot; empty if `k` is not live. `k` and every
  /// copy of it are stale from then on.
  std::optional<T> remove(key_type k) {
    if (!live(k)) return std::nullopt;
    std::optional<T> out(std::move(*core_.ptr(k.index())));
    kill(k.index());
    return out;
  }
  /// Destroys the value of `k` in place and frees its slot; false if `k` is not live.
  HISLAB_ALWAYS_INLINE bool erase(key_type k) {
    if (!live(k)) return false;
    kill(k.index());
    return true;
  }
  /// Keeps the elements for which pred(key, T&) is true, in ascending index order, and removes
  /// the others. Returns the number removed. O(size() + occupied blocks).
  template <class Pred>
  size_type retain(Pred pred) {
    size_type removed = 0;
    core_.visit_live([&](index_type i, T& v) {
      if (!std::invoke(pred, key_at(i), v) && core_.contains(i)) {
        kill(i);
        ++removed;
      }
    });
    return removed;
  }
  /// Destroys every element; every key becomes stale. O(size()). Capacity and committed memory
  /// stay. (It allocates only when a slot retires; std::bad_alloc then leaves the map valid.)
  void clear() {
    while (size() != 0) {
      for (index_type i = core_.next_live(0); i != npos; i = core_.next_live(i + 1)) kill(i);
    }
  }
  /// Calls f(key, T&&) for each element in ascending index order, destroying each after the
  /// call; the map is empty afterwards. O(size() + occupied blocks).
  template <class F>
  void drain(F f) {
    core_.visit_live([&](index_type i, T& v) {
      struct Kill {
        SlotMap* m;
        index_type i;
        ~Kill() {
          if (m->core_.contains(i)) m->kill(i);  // unless f erased it itself
        }
      } kill_after{this, i};
      std::invoke(f, key_at(i), std::move(v));
    });
  }

  // ---- access -------------------------------------------------------------------------------

  /// The element of `k`, or nullptr when `k` is stale, null, out of range or forged. O(1).
  [[nodiscard]] HISLAB_ALWAYS_INLINE T* get(key_type k) noexcept { return find(k); }
  /// As the overload above, on a const map. O(1).
  [[nodiscard]] HISLAB_ALWAYS_INLINE const T* get(key_type k) const noexcept { return find(k); }
  /// The element of `k`; throws std::out_of_range when `k` is not live. O(1).
  [[nodiscard]] T& at(key_type k) {
    if (!live(k))
      detail::throw_out_of_range_at("hislab: SlotMap::at() with a stale, null or foreign key; its index",
                                    k.index(), capacity());
    return *core_.ptr(k.index());
  }
  /// As the overload above, on a const map. O(1).
  [[nodiscard]] const T& at(key_type k) const {
    if (!live(k))
      detail::throw_out_of_range_at("hislab: SlotMap::at() with a stale, null or foreign key; its index",
                                    k.index(), capacity());
    return *core_.ptr(k.index());
  }
  /// The element of `k`. Precondition: contains(k) (checked by HISLAB_ASSERT).
  [[nodiscard]] T& operator[](key_type k) noexcept {
    HISLAB_ASSERT(live(k), "SlotMap::operator[] with a key that is not live; its index", k.index());
    return *core_.ptr(k.index());
  }
  /// As the overload above, on a const map.
  [[nodiscard]] const T& operator[](key_type k) const noexcept {
    HISLAB_ASSERT(live(k), "SlotMap::operator[] with a key that is not live; its index", k.index());
    return *core_.ptr(k.index());
  }
  /// True when `k` names a live element. O(1).
  [[nodiscard]] bool contains(key_type k) const noexcept { return live(k); }
  /// Both elements at once, when `a` and `b` are live and name different slots; else empty. O(1).
  [[nodiscard]] std::optional<std::pair<T&, T&>> get_disjoint(key_type a, key_type b) noexcept {
    if (a.index() == b.index() || !live(a) || !live(b)) return std::nullopt;
    return std::optional<std::pair<T&, T&>>(std::in_place, *core_.ptr(a.index()), *core_.ptr(b.index()));
  }
  /// The live key at slot `i`; the null key if `i` is vacant, held, retired or out of range.
  /// (A literal 0 is ambiguous with key_of(const T*): write 0u.) O(1).
  [[nodiscard]] key_type key_of(index_type i) const noexcept {
    return i < capacity() && (gen(i) & 1u) != 0 ? key_at(i) : key_type{};
  }
  /// The key of the live element at `p`; the null key for any other address. O(1).
  [[nodiscard]] key_type key_of(const T* p) const noexcept {
    const index_type i = core_.index_of(p);
    return i == npos ? key_type{} : key_at(i);
  }

  /// Live elements (held and retired slots not counted). O(1).
  [[nodiscard]] size_type size() const noexcept { return core_.size(); }
  /// size() == 0. O(1).
  [[nodiscard]] bool empty() const noexcept { return core_.size() == 0; }
  /// True when every slot is occupied, held by a VacantEntry, or retired. O(1).
  [[nodiscard]] bool full() const noexcept { return core_.full(); }
  /// The virtual capacity: key indices are below it. O(1).
  [[nodiscard]] size_type capacity() const noexcept { return core_.capacity(); }
  /// Slots taken out of use for good because their generations are used up. O(1).
  [[nodiscard]] size_type retired() const noexcept { return core_.retired(); }

  // ---- iteration ----------------------------------------------------------------------------

  /// Ascending index order, yielding KeyEntry{key, value}. Inserting or removing invalidates
  /// iterators (not element references). O(levels).
  [[nodiscard]] iterator begin() noexcept { return {this, core_.next_live(0)}; }
  /// Past the last element. O(1).
  [[nodiscard]] iterator end() noexcept { return {this, npos}; }
  /// As the overload above, on a const map. O(levels).
  [[nodiscard]] const_iterator begin() const noexcept { return {this, core_.next_live(0)}; }
  /// As the overload above, on a const map. O(1).
  [[nodiscard]] const_iterator end() const noexcept { return {this, npos}; }
  /// begin() of a const map. O(levels).
  [[nodiscard]] const_iterator cbegin() const noexcept { return begin(); }
  /// end() of a const map. O(1).
  [[nodiscard]] const_iterator cend() const noexcept { return end(); }

  /// Calls f(key, T&) for each element in ascending index order. O(size() + occupied blocks).
  template <class F>
  void for_each(F&& f) {
    core_.visit_live([&](index_type i, T& v) { std::invoke(f, key_at(i), v); });
  }
  /// As for_each(), on a const map: f(key, const T&), and f must not modify the map.
  template <class F>
  void for_each(F&& f) const {
    core_.for_each_live([&](index_type i, const T& v) { std::invoke(f, key_at(i), v); });
  }

  // ---- sampling -----------------------------------------------------------------------------

  /// A uniformly random element, empty when empty(). O(log capacity), no allocation.
  template <detail::random_generator G>
  [[nodiscard]] std::optional<KeyEntry<T, Tag>> random_occupied(G&& g) {
    return entry_or_empty<T>(detail::sample_one(g, detail::LiveSet<T, false>{core_}));
  }
  /// As the overload above, on a const map.
  template <detail::random_generator G>
  [[nodiscard]] std::optional<KeyEntry<const T, Tag>> random_occupied(G&& g) const {
    return entry_or_empty<const T>(detail::sample_one(g, detail::LiveSet<T, false>{core_}));
  }
  /// Writes the keys of n uniformly random elements (with replacement) to `out`. O(n log
  /// capacity), no allocation.
  template <detail::random_generator G, class Out>
  Out random_occupied_many(G&& g, std::size_t n, Out out) const {
    return detail::sample_many(g, n, detail::LiveSet<T, false>{core_}, KeyWriter<Out>{this, out}).out;
  }
  /// Writes the keys of min(n, size()) distinct elements to `out`; every subset of that size is
  /// equally likely. No allocation: O(n log capacity) when n < size() / 8, one pass over the
  /// elements otherwise.
  template <detail::random_generator G, class Out>
  Out random_occupied_unique(G&& g, std::size_t n, Out out) const {
    return detail::sample_unique(g, n, detail::LiveSet<T, false>{core_}, KeyWriter<Out>{this, out}).out;
  }
  /// Same as size(). O(1).
  [[nodiscard]] size_type count_occupied() const noexcept { return core_.size(); }

  // ---- memory -------------------------------------------------------------------------------

  /// Bytes of address space reserved: elements, bitmaps and generations. O(1).
  [[nodiscard]] std::size_t memory_reserved() const noexcept {
    return core_.memory_reserved() + gens_.size();
  }
  /// Bytes pre-faulted or touched, up to the high-water mark (page granularity). O(levels).
  [[nodiscard]] std::size_t memory_committed() const noexcept {
    if (capacity() == 0) return 0;
    const std::size_t page = gens_.page_size();
    return core_.memory_committed() +
           (std::size_t{gen_high_} * sizeof(std::uint32_t) + page - 1) / page * page;
  }
  /// mlock what is committed, and (MLOCK_ONFAULT) what is committed later. Throws
  /// std::system_error if refused; the map stays usable and unlocked. O(committed runs) system calls.
  void lock_memory() {
    core_.lock_memory();
    if (auto ec = lock_gens()) {
      core_.unlock_memory();
      detail::throw_error_code(ec, "hislab: lock_memory(): mlock refused");
    }
  }
  /// Undoes lock_memory(). Nothing is lost or moved. O(committed runs) system calls.
  void unlock_memory() noexcept {
    core_.unlock_memory();
    if (capacity() != 0) (void)gens_.unlock(0, gens_.size());
    gens_locked_below_ = not_locked;
  }
  /// Pre-faults the pages of slots [0, n) and of their generations. n > capacity() throws
  /// CapacityError. O(pages of slots [0, n)).
  void reserve(size_type n) {
    core_.reserve(n);
    if (auto ec = prefault_gens(n)) detail::throw_error_code(ec, "hislab: reserve() could not commit memory");
  }
  /// Gives back the element pages that hold vacant slots only (generations stay: they are what
  /// keeps old keys stale). No key or reference is invalidated; returns the bytes released.
  /// O(committed pages).
  std::size_t trim() noexcept { return core_.trim(); }
  /// MADV_COLLAPSE over the committed element memory; best effort, the errno when refused.
  /// O(committed runs) system calls.
  std::error_code try_collapse() noexcept { return core_.try_collapse(); }
  /// The core's invariants (HiSlab's), then: a slot's generation is odd exactly when it holds
  /// an element, and none was written at or above the generations' high-water mark. O(capacity);
  /// nullptr when all hold, else which one does not.
  [[nodiscard]] const char* check_invariants() const noexcept {
    if (const char* why = core_.check_invariants()) return why;
    for (index_type i = 0; i < capacity() && i < gen_high_; ++i)
      if (((gen(i) & 1u) != 0) != core_.contains(i))
        return "a slot's generation parity disagrees with its occupancy";
    for (index_type i = gen_high_; i < capacity() && i < gen_high_ + 4096; ++i)
      if (core_.contains(i) || gen(i) != 0) return "a generation above the high-water mark";
    return nullptr;
  }

 private:
  friend struct detail::SlotMapTestAccess;
  template <class, class, bool, template <class> class>
  friend class detail::BitmapIterator;

  struct Empty {};
  explicit SlotMap(Empty) noexcept {}

  bool init(const Options& o, std::error_code& ec) noexcept {
    auto core = Core::try_create(o, ec);
    if (!core) return false;
    auto gens =
        MmapRegion::try_reserve(std::size_t{o.virtual_capacity} * sizeof(std::uint32_t), HugePages::None, ec);
    if (!gens) return false;
    core_ = std::move(*core);
    gens_ = std::move(*gens);
    if ((ec = prefault_gens(o.initial_capacity))) return false;
    if (o.lock_memory && (ec = lock_gens())) return false;
    ec.clear();
    return true;
  }

  /// Locks the generations of the slots that can be in use: [0, gens_locked_below_), the pages
  /// up to the highest written generation or the next index an insert can take, whichever is
  /// higher (MLOCK_ONFAULT). put() and hold() lock a page more before an index reaches it.
  std::error_code lock_gens() noexcept {
    if (capacity() == 0) return {};
    const std::size_t per_page = gens_.page_size() / sizeof(std::uint32_t);
    const std::size_t want = std::max<std::size_t>(gen_high_, std::size_t{core_.marked()} + 1);
    const std::size_t slots = std::min<std::size_t>((want + per_page - 1) / per_page * per_page, capacity());
    if (auto ec = gens_.lock(0, slots * sizeof(std::uint32_t), true)) return ec;
    gens_locked_below_ = slots;
    return {};
  }
  /// Before an insert or hold while locked: the index it takes (at most marked()) must have its
  /// generation locked; the errno when the lock is refused (then nothing has changed).
  HISLAB_ALWAYS_INLINE std::error_code gens_lock_ahead() noexcept {
    if (HISLAB_LIKELY(core_.marked() < gens_locked_below_)) return {};
    return lock_gens();
  }

  std::error_code prefault_gens(size_type n) noexcept {
    if (n == 0) return {};
    if (auto ec = gens_.populate(0, std::size_t{n} * sizeof(std::uint32_t))) return ec;
    if (n > gen_high_) gen_high_ = n;
    return {};
  }

  [[nodiscard]] std::uint32_t* gens() const noexcept {
    return reinterpret_cast<std::uint32_t*>(gens_.data());
  }
  [[nodiscard]] std::uint32_t gen(index_type i) const noexcept { return gens()[i]; }
  [[nodiscard]] key_type key_at(index_type i) const noexcept { return key_type(i, gen(i)); }

  /// A key is live when its slot's generation equals it and is odd (odd: the slot holds an
  /// element). Vacant, held and retired slots have even generations, so no key matches them.
  [[nodiscard]] bool live(key_type k) const noexcept { return live(gens(), capacity(), k); }
  [[nodiscard]] static HISLAB_ALWAYS_INLINE bool live(const std::uint32_t* gens, size_type cap,
                                                      key_type k) noexcept {
    const index_type i = k.index();
    return i < cap && gens[i] == k.generation() && (k.generation() & 1u) != 0;
  }
  /// get(): every member is read before the first branch, so that in a caller's loop of lookups
  /// the compiler reads them once, outside the loop (as HiSlab's get()).
  [[nodiscard]] HISLAB_ALWAYS_INLINE T* find(key_type k) const noexcept {
    std::byte* const base = core_.base();
    const std::uint32_t* const g = gens();
    const size_type cap = capacity();
    return live(g, cap, k) ? Core::ptr(base, k.index()) : nullptr;
  }

  /// The slot `i` has just received its element: its generation turns odd.
  key_type born(index_type i) noexcept {
    if (i >= gen_high_) gen_high_ = i + 1;
    return key_type(i, ++gens()[i]);
  }

  /// Destroys the live element at `i`; its key turns stale before the destructor runs. The slot
  /// retires when it has handed out its last generation.
  HISLAB_ALWAYS_INLINE void kill(index_type i) {
    std::uint32_t& g = gens()[i];
    if (HISLAB_UNLIKELY(g >= last_gen_)) {
      ++g;
      core_.retire_live(i);
      return;
    }
    ++g;
    // The core's erase: for a trivially destructible T it leaves the element alone and starts
    // fetching its line for the insert that will reuse the slot (slotmap_churn in bench_handles).
    (void)core_.erase(i);
  }

  template <bool Throw, class... A>
  HISLAB_ALWAYS_INLINE key_type put(A&&... args) {
    if (auto ec = gens_lock_ahead()) {
      if constexpr (Throw)
        detail::throw_error_code(ec, "hislab: insert could not lock the page of its generation");
      return key_type{};
    }
    const index_type i = core_.template emplace<Throw>(std::forward<A>(args)...);
    if (i == npos) return key_type{};
    return born(i);
  }

  static std::optional<key_type> engaged(key_type k) noexcept {
    return k.is_null() ? std::nullopt : std::optional<key_type>(k);
  }

  template <class V>
  std::optional<KeyEntry<V, Tag>> entry_or_empty(index_type i) const noexcept {
    if (i == npos) return std::nullopt;
    return make_entry<V>(i);
  }

  // The iterator's owner interface.
  [[nodiscard]] index_type next_live(index_type from) const noexcept { return core_.next_live(from); }
  template <class V>
  [[nodiscard]] KeyEntry<V, Tag> make_entry(index_type i) const noexcept {
    return {key_at(i), *core_.ptr(i)};
  }

  /// An output iterator of indices that writes their keys to `out`.
  template <class Out>
  struct KeyWriter {
    const SlotMap* map;
    Out out;
    KeyWriter& operator*() noexcept { return *this; }
    KeyWriter& operator++() noexcept { return *this; }
    KeyWriter& operator++(int) noexcept { return *this; }
    KeyWriter& operator=(index_type i) {
      *out = map->key_at(i);
      ++out;
      return *this;
    }
  };

  static constexpr std::uint64_t not_locked = ~std::uint64_t{0};

  Core core_;
  MmapRegion gens_;                               // one generation per slot; never released
  std::uint64_t gens_locked_below_ = not_locked;  // locked: the generations [0, it) are locked
  size_type gen_high_ = 0;                        // generations at or above it were never written
  std::uint32_t last_gen_ = 0xFFFF'FFFFu;         // the last generation a slot hands out
};

HISLAB_NAMESPACE_END

// Keys hash as their to_bits(). Hidden from Doxygen (1.9.4 fails on a partial specialization
// of std::hash with "Internal inconsistency: scope ... not found").
#ifndef HISLAB_DOXYGEN
template <class Tag>
struct std::hash<hislab::Key<Tag>> {
  std::size_t operator()(hislab::Key<Tag> k) const noexcept {
    return std::hash<std::uint64_t>{}(k.to_bits());
  }
};
#endif
