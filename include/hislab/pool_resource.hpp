#pragma once
/// \file pool_resource.hpp
/// PoolResource: a std::pmr::memory_resource that serves small blocks from slabs, one per size
/// class, and PoolAllocator<T>: a standard Allocator over it with no virtual call on the hot path.
///
/// Node-based containers (std::map, std::set, std::list, std::unordered_map) allocate one
/// fixed-size node at a time. Each size class is a pool of fixed-size blocks on the library's
/// slab core (the bitmap and region under BufferSlab): O(1), the smallest free block first, no
/// search, nothing ever moves, and trim() gives vacant pages back.
///
/// Size classes (bytes): 8, 16, 24, 32, 40, 48, 56, 64, then four per doubling: 80, 96, 112, 128,
/// 160, 192, 224, 256, 320, ..., 3584, 4096. A request of `bytes` aligned to `align` takes the
/// smallest class B >= bytes whose natural alignment (the largest power of two dividing B,
/// capped at the page size) is >= align; requests larger than max_block, or that no class up to
/// max_block can align, go to the upstream resource. All classes share one reservation split
/// into equal power-of-two ranges, so a block's class follows from its address in O(1).

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory_resource>
#include <new>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "buffer_slab.hpp"
#include "detail/assert.hpp"
#include "detail/slab_core.hpp"
#include "detail/throw.hpp"
#include "mmap_region.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN

/// How a PoolResource is laid out.
struct PoolOptions {
  std::size_t max_block = 256;  ///< larger requests go upstream; at most 4096 (0: all go upstream)
  std::uint32_t blocks_per_class = 1u << 20;  ///< virtual capacity of each size class
  HugePages huge_pages = HugePages::Advise;   ///< None or Advise (Require is refused: std::invalid_argument)
};

namespace detail {

inline constexpr std::array<std::size_t, 32> pool_class_sizes = {
    8,   16,  24,  32,  40,  48,  56,  64,   80,   96,   112,  128,  160,  192,  224,  256,
    320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096};
inline constexpr std::size_t pool_max_block = 4096;
inline constexpr std::size_t pool_no_class = pool_class_sizes.size();

/// The class for `bytes` (0 counts as 1) aligned to `align`; pool_no_class when none fits.
constexpr std::size_t pool_class_for(std::size_t bytes, std::size_t align) noexcept {
  if (bytes > pool_max_block) return pool_no_class;
  if (bytes == 0) bytes = 1;
  // The first class >= bytes: eight classes of 8 bytes, then four per doubling of 64 << d.
  std::size_t k;
  if (bytes <= 64) {
    k = (bytes + 7) / 8 - 1;
  } else {
    std::size_t d = 0;
    while ((std::size_t{128} << d) < bytes) ++d;  // bytes in (64 << d, 128 << d]
    const std::size_t step = std::size_t{16} << d;
    k = 8 + 4 * d + ((bytes - (std::size_t{64} << d) + step - 1) / step - 1);
  }
  while (k < pool_no_class && buffer_alignment(pool_class_sizes[k]) < align) ++k;
  return k;
}

}  // namespace detail

/// A std::pmr::memory_resource over slabs of fixed-size blocks, one per size class (see the
/// file comment). Not thread-safe, like std::pmr::unsynchronized_pool_resource. Neither
/// copyable nor movable. Destroying it releases everything it reserved; like every pool
/// resource it does not run destructors of objects still living in its blocks. allocate and
/// deallocate are O(1) for pooled sizes (the class follows from the size, and on return from
/// the address); nothing ever moves a block, so a block stays valid until it is deallocated or
/// the resource destroyed.
class PoolResource : public std::pmr::memory_resource {
  template <std::size_t K>
  using Block = typename detail::BufferOf<detail::pool_class_sizes[K]>::type;
  template <std::size_t K>
  using Core = detail::SlabCore<Block<K>, false>;
  template <std::size_t... K>
  static std::tuple<Core<K>...> cores_type(std::index_sequence<K...>);
  using Cores = decltype(cores_type(std::make_index_sequence<detail::pool_no_class>{}));

 public:
  /// Reserves address space for every class up to max_block (nothing is committed). Throws
  /// std::invalid_argument for max_block > 4096, blocks_per_class == 0 or HugePages::Require;
  /// std::system_error when the OS refuses the reservation. O(classes) system calls.
  explicit PoolResource(const PoolOptions& o = {},
                        std::pmr::memory_resource* upstream = std::pmr::get_default_resource())
      : upstream_(upstream) {
    if (o.max_block > detail::pool_max_block || o.blocks_per_class == 0 ||
        o.huge_pages == HugePages::Require || upstream == nullptr)
      detail::throw_invalid_argument(
          "hislab: PoolResource: max_block must be at most 4096, blocks_per_class above 0, huge_pages None "
          "or "
          "Advise, upstream not null");
    max_block_ = o.max_block;
    classes_ = o.max_block == 0 ? 0 : detail::pool_class_for(o.max_block, 1) + 1;
    if (classes_ == 0) return;
    const std::size_t largest = std::size_t{o.blocks_per_class} * detail::pool_class_sizes[classes_ - 1];
    shift_ = 12;
    while ((std::size_t{1} << shift_) < largest) ++shift_;
    // Under Advise each class advises its own range once its blocks fill a huge page (as a
    // slab does), so a pool that holds a few blocks of many sizes keeps base pages.
    arena_ = MmapRegion::reserve(classes_ << shift_, HugePages::None);
    std::error_code ec;
    for_each_class([&]<std::size_t K>() {
      if (ec) return;
      MmapRegion view = detail::borrow_region(arena_, K << shift_, std::size_t{1} << shift_);
      auto core = Core<K>::try_create(Options{0, o.blocks_per_class, o.huge_pages, false}, ec, &view);
      if (core) std::get<K>(cores_) = std::move(*core);
    });
    if (ec) detail::throw_error_code(ec, "hislab: PoolResource: cannot reserve its size classes");
  }
  PoolResource(const PoolResource&) = delete;
  PoolResource& operator=(const PoolResource&) = delete;
  ~PoolResource() override = default;

  /// Where requests the pool does not serve go. O(1).
  [[nodiscard]] std::pmr::memory_resource* upstream() const noexcept { return upstream_; }
  /// Bytes of address space reserved: every class's range and its bitmaps. O(classes).
  [[nodiscard]] std::size_t memory_reserved() const noexcept {
    std::size_t bitmaps = 0;
    for_each_class([&]<std::size_t K>() { bitmaps += std::get<K>(cores_).memory_reserved() - range(); });
    return arena_.size() + bitmaps;
  }
  /// Bytes of blocks and bitmaps pre-faulted or touched, up to each class's high-water mark.
  /// O(classes * levels).
  [[nodiscard]] std::size_t memory_committed() const noexcept {
    std::size_t total = 0;
    for_each_class([&]<std::size_t K>() { total += std::get<K>(cores_).memory_committed(); });
    return total;
  }
  /// Gives the pages of every class that hold free blocks only back to the OS; returns the bytes
  /// released. O(committed pages). No allocated block moves or changes.
  std::size_t trim() noexcept {
    std::size_t total = 0;
    for_each_class([&]<std::size_t K>() { total += std::get<K>(cores_).trim(); });
    return total;
  }
  /// Blocks handed out and not yet returned, over every class (upstream requests not counted).
  /// O(classes).
  [[nodiscard]] std::size_t blocks_in_use() const noexcept {
    std::size_t total = 0;
    for_each_class([&]<std::size_t K>() { total += std::get<K>(cores_).size(); });
    return total;
  }
  /// Every class's slab invariants (detail::SlabCore::check_invariants()); nullptr when all
  /// hold, else which one does not. O(blocks reserved); for tests and fuzzers.
  [[nodiscard]] const char* check_invariants() const noexcept {
    const char* why = nullptr;
    for_each_class([&]<std::size_t K>() {
      if (why == nullptr) why = std::get<K>(cores_).check_invariants();
    });
    return why;
  }
  /// The block size of the class that serves `bytes` at `align`, or 0 when such a request goes
  /// upstream. O(1).
  [[nodiscard]] std::size_t block_size_for(std::size_t bytes, std::size_t align) const noexcept {
    const std::size_t k = detail::pool_class_for(bytes, align);
    return k < classes_ && bytes <= max_block_ ? detail::pool_class_sizes[k] : 0;
  }

  // ---- the typed paths PoolAllocator uses (no virtual call) ---------------------------------

  /// allocate() for n objects of Size bytes aligned to Align, with the class worked out at
  /// compile time when n == 1.
  template <std::size_t Size, std::size_t Align>
  [[nodiscard]] void* allocate_typed(std::size_t n) {
    constexpr std::size_t k = detail::pool_class_for(Size, Align);
    if constexpr (k < detail::pool_no_class) {
      if (HISLAB_LIKELY(n == 1 && k < classes_ && Size <= max_block_)) return take<k>();
    }
    if (n > std::numeric_limits<std::size_t>::max() / Size) throw_bad_array_length();
    return allocate_any(n * Size, Align);
  }
  /// Returns what allocate_typed<Size, Align>(n) gave (PoolAllocator's path).
  template <std::size_t Size, std::size_t Align>
  void deallocate_typed(void* p, std::size_t n) noexcept {
    constexpr std::size_t k = detail::pool_class_for(Size, Align);
    if constexpr (k < detail::pool_no_class) {
      const std::uintptr_t off = offset_of(p);
      if (HISLAB_LIKELY(n == 1 && (off >> shift_) == k && k < classes_)) return give<k>(off);
    }
    deallocate_any(p, n * Size, Align);
  }

 protected:
  /// std::pmr::memory_resource::allocate: a block of the smallest class that fits and aligns,
  /// else upstream. std::bad_alloc when the class is full.
  void* do_allocate(std::size_t bytes, std::size_t align) override { return allocate_any(bytes, align); }
  /// std::pmr::memory_resource::deallocate: the block goes back to its class (found from its
  /// address), or upstream when it came from there.
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    deallocate_any(p, bytes, align);
  }
  /// Identity: blocks of one resource go back to that resource only.
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }

 private:
  [[nodiscard]] std::size_t range() const noexcept { return std::size_t{1} << shift_; }

  template <class F>
  void for_each_class(F&& f) const {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((K < classes_ ? f.template operator()<K>() : void()), ...);
    }
    (std::make_index_sequence<detail::pool_no_class>{});
  }

  /// Offset of p in the arena; at least arena_.size() (so, outside every class) when p is not in it.
  [[nodiscard]] std::uintptr_t offset_of(const void* p) const noexcept {
    return reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(arena_.data());
  }

  /// The smallest free block of class K; std::bad_alloc when the class is full.
  template <std::size_t K>
  void* take() {
    auto& core = std::get<K>(cores_);
    const index_type i = core.template emplace<false>(detail::DefaultInit{});
    if (HISLAB_UNLIKELY(i == npos)) detail::throw_bad_alloc();
    return core.ptr(i);
  }
  /// Frees the block of class K at arena offset `off`.
  template <std::size_t K>
  void give(std::uintptr_t off) noexcept {
    constexpr std::size_t size = detail::pool_class_sizes[K];
    const std::uintptr_t in = off & (range() - 1);
    const auto i = static_cast<index_type>(in / size);
    auto& core = std::get<K>(cores_);
    HISLAB_ASSERT(in % size == 0 && core.contains(i),
                  "PoolResource: deallocate of an address that is not an allocated block; block index", i);
    core.destroy_live(i);
  }

  // One entry per class, so that the untyped paths reach class k's code (its block size a
  // constant) in one indirect call.
  template <std::size_t... K>
  static constexpr std::array<void* (*)(PoolResource&), sizeof...(K)> take_table(std::index_sequence<K...>) {
    return std::array<void* (*)(PoolResource&), sizeof...(K)>{[](PoolResource& r) { return r.take<K>(); }...};
  }
  template <std::size_t... K>
  static constexpr std::array<void (*)(PoolResource&, std::uintptr_t), sizeof...(K)> give_table(
      std::index_sequence<K...>) {
    return std::array<void (*)(PoolResource&, std::uintptr_t), sizeof...(K)>{
        [](PoolResource& r, std::uintptr_t off) { r.give<K>(off); }...};
  }

  void* allocate_any(std::size_t bytes, std::size_t align) {
    const std::size_t k = detail::pool_class_for(bytes, align);
    if (k >= classes_ || bytes > max_block_) return upstream_->allocate(bytes, align);
    static constexpr auto take_fn = take_table(std::make_index_sequence<detail::pool_no_class>{});
    return take_fn[k](*this);
  }
  void deallocate_any(void* p, std::size_t bytes, std::size_t align) noexcept {
    const std::uintptr_t off = offset_of(p);
    if (off >= arena_.size()) return upstream_->deallocate(p, bytes, align);
    static constexpr auto give_fn = give_table(std::make_index_sequence<detail::pool_no_class>{});
    give_fn[off >> shift_](*this, off);
  }

  [[noreturn]] HISLAB_COLD static void throw_bad_array_length() {
#if HISLAB_HAS_EXCEPTIONS
    throw std::bad_array_new_length();
#else
    detail::throw_bad_alloc();
#endif
  }

  std::pmr::memory_resource* upstream_;
  MmapRegion arena_;  // every class's blocks; class k at [k << shift_, (k + 1) << shift_)
  std::size_t max_block_ = 0;
  std::size_t classes_ = 0;  // classes in use: up to the one that holds max_block
  unsigned shift_ = 12;
  Cores cores_;  // declared after arena_: destroyed before it, as its views must be
};

/// A standard Allocator over a PoolResource: single objects go to their size class with the
/// class chosen at compile time and no virtual call; arrays and anything else take the
/// resource's general path. Equal iff over the same resource; propagates on copy assignment,
/// move assignment and swap (containers that exchange storage must exchange resources too).
template <class T>
class PoolAllocator {
 public:
  using value_type = T;  ///< the allocated type
  using propagate_on_container_copy_assignment =
      std::true_type;  ///< containers exchange resources with their storage
  using propagate_on_container_move_assignment = std::true_type;  ///< as above
  using propagate_on_container_swap = std::true_type;             ///< as above
  using is_always_equal = std::false_type;                        ///< equal only over the same resource

  /// An allocator over `r`, which must outlive it and every container using it. O(1).
  explicit PoolAllocator(PoolResource& r) noexcept : r_(&r) {}
  /// Rebinding: over o's resource.
  template <class U>
  PoolAllocator(const PoolAllocator<U>& o) noexcept : r_(o.resource()) {}

  /// Storage for n objects of T; std::bad_alloc when the class is full (or upstream refuses),
  /// std::bad_array_new_length when n * sizeof(T) overflows.
  /// O(1) amortized (a size class's insert), or the upstream's cost.
  [[nodiscard]] T* allocate(std::size_t n) {
    return static_cast<T*>(r_->allocate_typed<sizeof(T), alignof(T)>(n));
  }
  /// Returns storage from allocate(n) with the same n. O(1), or the upstream's cost.
  void deallocate(T* p, std::size_t n) noexcept { r_->deallocate_typed<sizeof(T), alignof(T)>(p, n); }
  /// The resource it allocates from. O(1).
  [[nodiscard]] PoolResource* resource() const noexcept { return r_; }

  /// Equal iff over the same resource.
  template <class U>
  friend bool operator==(const PoolAllocator& a, const PoolAllocator<U>& b) noexcept {
    return a.resource() == b.resource();
  }

 private:
  PoolResource* r_;
};

HISLAB_NAMESPACE_END
