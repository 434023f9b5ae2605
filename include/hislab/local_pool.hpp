#pragma once
/// \file local_pool.hpp
/// LocalPool<Derived, T> and Slot<T, Pool>: an owning handle the size of a pointer, handed out
/// by a typed pool with one HiSlab<T> per thread.
///
///     struct OrderPool : hislab::LocalPool<OrderPool, Order> {};
///     OrderPool::init(hislab::Options{0, 1u << 20});   // once per thread that uses the pool
///     hislab::Slot<Order, OrderPool> o = OrderPool::insert(42, 100.0);
///     o->qty += 1;                                      // a plain pointer dereference
///     // o's destructor destroys the Order and frees its slot
///
/// Rules (each checked by HISLAB_ASSERT where it can be):
/// - a Slot is destroyed (or consumed) on the thread whose pool made it, while that thread's
///   pool is initialised: not after shutdown(), not after the thread has exited;
/// - at thread exit the pool is destroyed: elements still live are destroyed (a Slot inside one
///   of them is simply let go) and the memory is unmapped.

#include <cstddef>
#include <optional>
#include <utility>

#include "detail/assert.hpp"
#include "detail/throw.hpp"
#include "slab.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN

template <class Derived, class T>
class LocalPool;

/// Owns one element of Pool's slab on the current thread. Move-only; sizeof(Slot) ==
/// sizeof(T*). Reaching the value is a pointer dereference; only creating and freeing a slot
/// touch the thread's pool. Every member is O(1); none moves the element, so a pointer or
/// reference to it stays valid until the Slot frees it.
template <class T, class Pool>
class Slot {
 public:
  using value_type = T;  ///< the element type

  /// An empty slot (owns nothing). O(1).
  Slot() noexcept = default;
  /// Takes over o's element; o is empty. O(1).
  Slot(Slot&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  /// Frees what this slot owned, then takes o's element.
  Slot& operator=(Slot&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  /// Destroys the element and frees its slot. O(1).
  ~Slot() { reset(); }

  /// The element. Precondition: the slot is not empty (asserted).
  [[nodiscard]] T& operator*() const noexcept {
    HISLAB_ASSERT(p_ != nullptr, "Slot: operator* on an empty slot", 0);
    return *p_;
  }
  /// The element's address; nullptr when empty.
  [[nodiscard]] T* operator->() const noexcept { return p_; }
  /// As operator->(). O(1).
  [[nodiscard]] T* get() const noexcept { return p_; }
  /// False when empty (default-constructed, moved from, consumed or leaked). O(1).
  [[nodiscard]] explicit operator bool() const noexcept { return p_ != nullptr; }
  /// The element's index in this thread's pool (Pool::get(index()) == get()); npos when empty. O(1).
  [[nodiscard]] index_type index() const noexcept {
    return p_ == nullptr ? npos : LocalPool<Pool, T>::index_of(p_);
  }

  /// Puts `value` in the element's place and returns the old value. Precondition: not empty.
  /// O(1): one move of T.
  T replace(T value) {
    HISLAB_ASSERT(p_ != nullptr, "Slot: replace() on an empty slot", 0);
    using std::swap;
    swap(*p_, value);
    return value;
  }
  /// Moves the value out, destroys the element and frees its slot; the Slot is empty after.
  /// Precondition: not empty. O(1).
  [[nodiscard]] T into_inner() && {
    HISLAB_ASSERT(p_ != nullptr, "Slot: into_inner() on an empty slot", 0);
    T out(std::move(*p_));
    LocalPool<Pool, T>::release(std::exchange(p_, nullptr));
    return out;
  }
  /// Gives up ownership and keeps the element alive; returns its index, through which
  /// Pool::get() reaches it and Pool::free() destroys it. npos when empty. O(1).
  [[nodiscard]] index_type leak() && noexcept {
    const index_type i = index();
    p_ = nullptr;
    return i;
  }

 private:
  friend class LocalPool<Pool, T>;
  explicit Slot(T* p) noexcept : p_(p) {}
  void reset() noexcept {
    if (p_ != nullptr) LocalPool<Pool, T>::release(std::exchange(p_, nullptr));
  }

  T* p_ = nullptr;
};

/// A typed pool with one HiSlab<T> per thread; Derived names it:
/// `struct OrderPool : hislab::LocalPool<OrderPool, Order> {};`. Every function is static and
/// acts on the calling thread's slab. Complexity and invalidation are HiSlab's: insert and free
/// are O(1), init() and shutdown() cost their mmap/munmap, and nothing moves an element.
template <class Derived, class T>
class LocalPool {
 public:
  using value_type = T;                ///< the element type
  using slot_type = Slot<T, Derived>;  ///< what insert() returns

  /// Creates this thread's slab. Throws as HiSlab's constructor does, and std::logic_error when
  /// this thread's pool is already initialised.
  /// Costs what the slab's construction costs (O(pre-faulted pages)).
  static void init(const Options& o = Options{}) {
    if (current() != nullptr)
      detail::throw_logic_error("hislab: LocalPool::init() on a thread whose pool is initialised");
    Holder& h = holder();
    h.slab.emplace(o);
    current() = &*h.slab;
  }
  /// True when this thread's pool is initialised (and not shut down). O(1).
  [[nodiscard]] static bool is_initialized() noexcept { return current() != nullptr; }

  /// Constructs T(args...) (or T{args...}) in the smallest vacant slot and returns its owner.
  /// Throws CapacityError when full, std::logic_error when this thread has not called init().
  template <class... A>
  requires detail::constructible_from_args<T, A...>
  [[nodiscard]] static slot_type insert(A&&... args) {
    HiSlab<T>* s = current();
    if (HISLAB_UNLIKELY(s == nullptr))
      detail::throw_logic_error("hislab: LocalPool::insert() before init() on this thread");
    return slot_type(&s->get_unchecked(s->emplace(std::forward<A>(args)...)));
  }
  /// As insert(), but empty when full or before init(); constructs nothing then.
  template <class... A>
  requires detail::constructible_from_args<T, A...>
  [[nodiscard]] static std::optional<slot_type> try_insert(A&&... args) {
    HiSlab<T>* s = current();
    if (s == nullptr) return std::nullopt;
    const auto i = s->try_emplace(std::forward<A>(args)...);
    if (!i) return std::nullopt;
    return slot_type(&s->get_unchecked(*i));
  }

  /// Live elements on this thread (leaked ones included); 0 before init(). O(1).
  [[nodiscard]] static size_type size() noexcept { return current() == nullptr ? 0 : current()->size(); }
  /// This thread's slab's capacity; 0 before init(). O(1).
  [[nodiscard]] static size_type capacity() noexcept {
    return current() == nullptr ? 0 : current()->capacity();
  }
  /// The element at `index` (a leaked slot's); nullptr if vacant, out of range or before init(). O(1).
  [[nodiscard]] static T* get(index_type index) noexcept {
    return current() == nullptr ? nullptr : current()->get(index);
  }
  /// Destroys the element at `index` (a leaked slot's); false if vacant, out of range or before
  /// init(). Freeing an index that a live Slot still owns is the caller's bug. O(1).
  static bool free(index_type index) noexcept { return current() != nullptr && current()->erase(index); }
  /// Unmaps this thread's slab and returns true (also when never initialised). While any
  /// element is live (a leaked one too) it changes nothing and returns false. O(1) and one munmap.
  static bool shutdown() noexcept {
    HiSlab<T>* s = current();
    if (s == nullptr) return true;
    if (!s->empty()) return false;
    current() = nullptr;
    holder().slab.reset();
    return true;
  }
  /// This thread's slab (to iterate, or for its memory controls). Throws std::logic_error
  /// before init(). O(1).
  [[nodiscard]] static HiSlab<T>& slab() {
    if (current() == nullptr)
      detail::throw_logic_error("hislab: LocalPool::slab() before init() on this thread");
    return *current();
  }

 protected:
  LocalPool() = default;

 private:
  friend class Slot<T, Derived>;

  /// Owns this thread's slab; destroyed at thread exit.
  struct Holder {
    std::optional<HiSlab<T>> slab;
    ~Holder() {
      // While the slab's destructor sweeps the elements still live, a Slot that one of them
      // holds is let go (the sweep destroys each element exactly once); a Slot destroyed after
      // that is the caller's bug, asserted.
      current() = nullptr;
      sweeping() = true;
      slab.reset();
      sweeping() = false;
    }
  };
  static Holder& holder() {
    static thread_local Holder h;
    return h;
  }
  // Trivially destructible, so that they can be read during and after the thread's teardown.
  static HiSlab<T>*& current() noexcept {
    static thread_local constinit HiSlab<T>* s = nullptr;
    return s;
  }
  static bool& sweeping() noexcept {
    static thread_local constinit bool t = false;
    return t;
  }

  static index_type index_of(const T* p) noexcept {
    HiSlab<T>* s = current();
    return s == nullptr ? npos : s->index_of(p);
  }
  /// Frees a Slot's element. The element must belong to this thread's live pool. O(1).
  static void release(T* p) noexcept {
    HiSlab<T>* s = current();
    if (HISLAB_UNLIKELY(s == nullptr)) {
      HISLAB_ASSERT(
          sweeping(),
          "Slot destroyed where its pool is not initialised (after shutdown(), after its thread's pool was "
          "destroyed, or on another thread); pools initialised here",
          0);
      return;  // without assertions the element is leaked, never touched
    }
    // erase() tests liveness itself; the address only has to be a slot of this thread's pool.
    const index_type i = s->core_.slot_at(p);
    HISLAB_ASSERT(i != npos && s->contains(i),
                  "Slot destroyed on a thread other than its pool's (not an element of this thread's pool)",
                  0);
    s->erase(i);  // npos, or a vacant slot (assertions off): no change
  }
};

HISLAB_NAMESPACE_END
