#pragma once
// One adapter per peer, all with the same interface, so every workload is written once:
//   static constexpr const char* name;
//   explicit Peer(std::uint32_t n);      // sized for n live elements (a hint some peers ignore)
//   handle insert(std::uint64_t key);    // constructs T{key, ...}
//   void remove(handle);
//   T& get(handle);
//   template <class F> void each(F&&);   // containers only (kIterable)
// Optional peers are compiled when CMake found them (HISLAB_BENCH_HAVE_*).
#include <dlfcn.h>
#include <malloc.h>

#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <new>
#include <stdexcept>
#include <vector>

#include "free_list_slab.hpp"

#if HISLAB_BENCH_HAVE_COLONY
#include <plf_colony.h>
#endif
#if HISLAB_BENCH_HAVE_BOOST
#include <boost/pool/object_pool.hpp>
#include <boost/pool/pool.hpp>
#endif
#if HISLAB_BENCH_HAVE_FOONATHAN
#include <foonathan/memory/memory_pool.hpp>
#endif

/// Every adapter's insert, remove and get is forced inline into the workloads: left to GCC's
/// size heuristics, one peer's adapter was inlined and another's called, and a benchmark would
/// measure that call and its lost overlap rather than the container.
#define HISLAB_BENCH_ADAPTER [[gnu::always_inline]]

namespace hislab_bench {
// Per hislab ABI, like the library: a TU built for another kernel family keeps its own copies.
inline namespace HISLAB_DETAIL_ABI {

/// A Bytes-sized element whose first word is the key and whose last word is written too, so
/// every insert touches the whole element like a real payload.
template <std::size_t Bytes>
struct Item {
  static_assert(Bytes >= 16 && Bytes % 8 == 0);
  std::uint64_t key;
  std::uint64_t rest[Bytes / 8 - 1];
  Item() = default;
  explicit Item(std::uint64_t k) : key(k) {
    for (auto& r : rest) r = k;
  }
};

// ---- HiSlab --------------------------------------------------------------------------------

enum class HiSlabMode { Prefaulted, Demand, HugeAdvise };

template <class T, HiSlabMode Mode = HiSlabMode::Prefaulted>
struct HiSlabPeer {
  static constexpr const char* name = Mode == HiSlabMode::Prefaulted ? "hislab"
                                      : Mode == HiSlabMode::Demand   ? "hislab_demand"
                                                                     : "hislab_huge";
  static constexpr bool kIterable = true;
  using handle = std::uint32_t;
  hislab::HiSlab<T> slab;
  static hislab::Options options(std::uint32_t n) {
    hislab::Options o;
    o.virtual_capacity = n + n / 4 + 1024;
    o.initial_capacity = Mode == HiSlabMode::Prefaulted ? n : 0;
    o.huge_pages = Mode == HiSlabMode::HugeAdvise ? hislab::HugePages::Advise : hislab::HugePages::None;
    return o;
  }
  explicit HiSlabPeer(std::uint32_t n) : slab(options(n)) {}
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) { return slab.emplace(k); }
  HISLAB_BENCH_ADAPTER void remove(handle h) { slab.erase(h); }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return slab.get_unchecked(h); }
  template <class F>
  void each(F&& f) {
    slab.for_each([&](std::uint32_t, T& v) { f(v); });
  }
  std::size_t trim() { return slab.trim(); }
};

/// HiSlab through the checked get(): the bitmap word is read before the element, as the
/// free-list slab reads its entry's flag. HiSlabPeer's get() is get_unchecked(), the path of a
/// caller that holds a live handle (operator[] in release builds).
template <class T>
struct HiSlabCheckedGetPeer : HiSlabPeer<T> {
  static constexpr const char* name = "hislab_checked";
  using HiSlabPeer<T>::HiSlabPeer;
  HISLAB_BENCH_ADAPTER T& get(typename HiSlabPeer<T>::handle h) { return *this->slab.get(h); }
};

/// The floor of a check kept apart from the element: get_unchecked() after a bit test whose
/// word depends on the handle, as a bitmap's does, but lies in a 64-byte table that stays in
/// the L1 cache (every bit set), and with no range compare. Its time over get_unchecked()'s is
/// what one more load and bit test in every lookup costs, with no cache miss of its own.
template <class T>
struct L1CheckFloor : HiSlabPeer<T> {
  static constexpr const char* name = "l1_check_floor";
  using HiSlabPeer<T>::HiSlabPeer;
  std::uint64_t bits[8] = {~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
  HISLAB_BENCH_ADAPTER T& get(typename HiSlabPeer<T>::handle h) {
    T* const base = &this->slab.get_unchecked(0);  // read before the branch, as get() reads it
    if (((bits[h % 8] >> (h % 64)) & 1u) == 0) std::abort();
    return base[h];
  }
};

// ---- the index free-list slab (Rust's `slab` design) -----------------------------------------

template <class T, bool Reserved = false>
struct FreeListPeer {
  static constexpr const char* name = Reserved ? "free_list_reserved" : "free_list";
  static constexpr bool kIterable = true;
  using handle = std::uint32_t;
  FreeListSlab<T> slab;
  explicit FreeListPeer(std::uint32_t n) : slab(Reserved ? n : 0) {}
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) { return slab.emplace(k); }
  HISLAB_BENCH_ADAPTER void remove(handle h) { slab.remove(h); }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return *slab.get(h); }
  template <class F>
  void each(F&& f) {
    slab.for_each([&](std::uint32_t, T& v) { f(v); });
  }
  std::size_t trim() { return 0; }  // a vector slab cannot give memory back without moving
};

// ---- the floor: a plain std::vector doing the same stores and loads ---------------------------

template <class T>
struct VectorFloor {
  static constexpr const char* name = "vector_floor";
  static constexpr bool kIterable = true;
  using handle = std::uint32_t;
  std::vector<T> v;
  std::uint32_t next_free = ~0u;  // churn overwrites the removed slot: no bookkeeping at all
  explicit VectorFloor(std::uint32_t n) { v.reserve(n); }
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) {
    if (next_free != ~0u) {
      const auto h = next_free;
      v[h] = T(k);
      next_free = ~0u;
      return h;
    }
    v.emplace_back(k);
    return static_cast<handle>(v.size() - 1);
  }
  HISLAB_BENCH_ADAPTER void remove(handle h) { next_free = h; }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return v[h]; }
  template <class F>
  void each(F&& f) {
    for (T& x : v) f(x);
  }
  std::size_t trim() { return 0; }
  /// The floor of sparse iteration: only the live elements, packed.
  void keep_first(std::size_t live) { v.resize(live, T(0)); }
};

// ---- plf::colony -----------------------------------------------------------------------------

#if HISLAB_BENCH_HAVE_COLONY
template <class T>
struct ColonyPeer {
  static constexpr const char* name = "colony";
  static constexpr bool kIterable = true;
  using handle = typename plf::colony<T>::iterator;
  plf::colony<T> c;
  explicit ColonyPeer(std::uint32_t) {}
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) { return c.emplace(k); }
  HISLAB_BENCH_ADAPTER void remove(handle h) { c.erase(h); }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return *h; }
  template <class F>
  void each(F&& f) {
    for (T& x : c) f(x);
  }
  std::size_t trim() {
    c.trim_capacity();
    return 0;
  }
};
#endif

// ---- allocators: pointers as handles ---------------------------------------------------------

template <class T, class Derived>
struct PointerPeer {
  static constexpr bool kIterable = false;
  static constexpr bool kOwnsAll = false;  // true: destroying the peer frees every element
  using handle = T*;
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) {
    return ::new (static_cast<Derived*>(this)->raw_alloc()) T(k);
  }
  HISLAB_BENCH_ADAPTER void remove(handle h) {
    h->~T();
    static_cast<Derived*>(this)->raw_free(h);
  }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return *h; }
  std::size_t trim() { return 0; }
};

template <class T>
struct NewDeletePeer : PointerPeer<T, NewDeletePeer<T>> {
  static constexpr const char* name = "new_delete";
  explicit NewDeletePeer(std::uint32_t) {}
  void* raw_alloc() { return ::operator new(sizeof(T)); }
  void raw_free(void* p) {
#if defined(__cpp_sized_deallocation)  // clang enables it only with -fsized-deallocation
    ::operator delete(p, sizeof(T));
#else
    ::operator delete(p);
#endif
  }
  std::size_t trim() { return static_cast<std::size_t>(::malloc_trim(0)); }
};

template <class T>
struct PmrPoolPeer : PointerPeer<T, PmrPoolPeer<T>> {
  static constexpr bool kOwnsAll = true;
  static constexpr const char* name = "pmr_pool";
  std::pmr::unsynchronized_pool_resource res;
  explicit PmrPoolPeer(std::uint32_t) {}
  void* raw_alloc() { return res.allocate(sizeof(T), alignof(T)); }
  void raw_free(void* p) { res.deallocate(p, sizeof(T), alignof(T)); }
};

#if HISLAB_BENCH_HAVE_BOOST
template <class T>
struct BoostObjectPoolPeer {
  static constexpr const char* name = "boost_object_pool";
  static constexpr bool kIterable = false;
  // Its destructor destroys what is left; destroy() one by one in address order is O(n^2).
  static constexpr bool kOwnsAll = true;
  using handle = T*;
  boost::object_pool<T> pool;
  explicit BoostObjectPoolPeer(std::uint32_t) {}
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) { return pool.construct(k); }
  HISLAB_BENCH_ADAPTER void remove(handle h) { pool.destroy(h); }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return *h; }
  std::size_t trim() { return 0; }
};

template <class T>
struct BoostPoolPeer : PointerPeer<T, BoostPoolPeer<T>> {
  static constexpr bool kOwnsAll = true;
  static constexpr const char* name = "boost_pool";
  boost::pool<> pool{sizeof(T)};
  explicit BoostPoolPeer(std::uint32_t) {}
  void* raw_alloc() { return pool.malloc(); }
  void raw_free(void* p) { pool.free(p); }
  std::size_t trim() { return pool.release_memory() ? 1 : 0; }
};
#endif

#if HISLAB_BENCH_HAVE_FOONATHAN
template <class T>
struct FoonathanPoolPeer : PointerPeer<T, FoonathanPoolPeer<T>> {
  static constexpr bool kOwnsAll = true;
  static constexpr const char* name = "foonathan_pool";
  foonathan::memory::memory_pool<> pool;
  explicit FoonathanPoolPeer(std::uint32_t) : pool(sizeof(T), 1u << 20) {}
  void* raw_alloc() { return pool.allocate_node(); }
  void raw_free(void* p) { pool.deallocate_node(p); }
};
#endif

// ---- mimalloc, loaded so that it replaces nobody's malloc --------------------------------------

/// mi_malloc / mi_free through dlopen(RTLD_LOCAL): linking libmimalloc would interpose malloc
/// for every peer in the process. check() confirms that malloc is still glibc's.
struct Mimalloc {
  using malloc_fn = void* (*)(std::size_t);
  using free_fn = void (*)(void*);
  malloc_fn mi_malloc = nullptr;
  free_fn mi_free = nullptr;
  static Mimalloc& get() {
    static Mimalloc m;
    return m;
  }
  bool available() const { return mi_malloc != nullptr && mi_free != nullptr; }
  /// True when the process's malloc is the one in libc.so.6 (nobody interposed it).
  static bool malloc_is_glibc() {
    void* libc = ::dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (libc == nullptr) return false;
    void* glibc_malloc = ::dlsym(libc, "malloc");
    void* process_malloc = ::dlsym(RTLD_DEFAULT, "malloc");
    ::dlclose(libc);
    return glibc_malloc != nullptr && glibc_malloc == process_malloc;
  }

 private:
  Mimalloc() {
    for (const char* lib : {"libmimalloc.so.2", "libmimalloc.so"}) {
      if (void* h = ::dlopen(lib, RTLD_NOW | RTLD_LOCAL)) {
        mi_malloc = reinterpret_cast<malloc_fn>(::dlsym(h, "mi_malloc"));
        mi_free = reinterpret_cast<free_fn>(::dlsym(h, "mi_free"));
        break;
      }
    }
  }
};

template <class T>
struct MimallocPeer : PointerPeer<T, MimallocPeer<T>> {
  static constexpr const char* name = "mimalloc";
  explicit MimallocPeer(std::uint32_t) {
    if (!Mimalloc::get().available()) throw std::runtime_error("libmimalloc.so.2 not found");
  }
  void* raw_alloc() { return Mimalloc::get().mi_malloc(sizeof(T)); }
  void raw_free(void* p) { Mimalloc::get().mi_free(p); }
};

}  // namespace HISLAB_DETAIL_ABI
}  // namespace hislab_bench
