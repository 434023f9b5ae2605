#pragma once
/// \file buffer_slab.hpp
/// BufferSlab<N>: a pool of fixed-size N-byte raw buffers handed out as RAII guards.
///
/// Buffer i lives at data() + i * N in one reservation, so the whole pool can be registered
/// with io_uring or a DMA engine in one call. Allocation returns the smallest free index; each
/// buffer is aligned to the largest power of two dividing N, capped at the page size. Fresh
/// buffers read as zero; a reused buffer keeps its old bytes (or zero after trim()): allocation
/// never clears memory. The pool is neither copyable nor movable (guards point to it) and must
/// outlive its guards (asserted).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <utility>

#include "detail/assert.hpp"
#include "detail/slab_core.hpp"
#include "slab.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN

namespace detail {
/// The largest power of two dividing n, capped at 4096.
constexpr std::size_t buffer_alignment(std::size_t n) noexcept {
  const std::size_t low = n & (~n + 1);
  return low < 4096 ? low : 4096;
}

/// One N-byte buffer, aligned as BufferSlab promises.
template <std::size_t N>
struct BufferOf {
  struct alignas(buffer_alignment(N)) type {
    std::byte bytes[N];
  };
};
}  // namespace detail

/// A pool of fixed-size N-byte buffers, handed out as RAII guards (AutoGuard), the smallest
/// free index first. See the file comment for zeroing and alignment. Every member is O(1) unless
/// its comment says otherwise (the memory controls are HiSlab's), and nothing moves a buffer:
/// data() + i * N is buffer i for the pool's whole life.
template <std::size_t N>
class BufferSlab
#ifndef HISLAB_DOXYGEN
    : public detail::MemoryApi<detail::SlabCore<typename detail::BufferOf<N>::type, false>> {
#else
    // Doxygen 1.9 does not follow the base above (its argument is a dependent nested type);
    // this one has the same members, so the reference lists the memory controls here too.
    : public detail::MemoryApi<detail::SlabCore<std::byte, false>> {
#endif
  static_assert(N > 0, "BufferSlab<0> holds nothing");

 public:
  using size_type = hislab::size_type;    ///< std::uint32_t: counts and capacities
  using index_type = hislab::index_type;  ///< std::uint32_t: buffer indices
  /// The alignment of every buffer.
  static constexpr std::size_t alignment = detail::buffer_alignment(N);

 private:
  using Buffer = typename detail::BufferOf<N>::type;
  static_assert(sizeof(Buffer) == N, "buffers are exactly N bytes apart");
  using Core = detail::SlabCore<Buffer, false>;
  using detail::MemoryApi<Core>::core_;

 public:
  /// Owns one buffer; its destructor frees it. Move-only.
  class AutoGuard {
   public:
    /// Takes over o's buffer; o owns none. O(1).
    AutoGuard(AutoGuard&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), i_(o.i_) {}
    /// Frees this guard's buffer first (if any), then takes o's.
    AutoGuard& operator=(AutoGuard&& o) noexcept {
      if (this != &o) {
        reset();
        pool_ = std::exchange(o.pool_, nullptr);
        i_ = o.i_;
      }
      return *this;
    }
    AutoGuard(const AutoGuard&) = delete;
    AutoGuard& operator=(const AutoGuard&) = delete;
    ~AutoGuard() { reset(); }

    /// The buffer's N bytes. O(1).
    [[nodiscard]] std::span<std::byte, N> bytes() noexcept { return std::span<std::byte, N>(data(), N); }
    /// As the overload above, read-only. O(1).
    [[nodiscard]] std::span<const std::byte, N> bytes() const noexcept {
      return std::span<const std::byte, N>(data(), N);
    }
    /// The buffer's first byte (nullptr for a moved-from guard). O(1).
    [[nodiscard]] std::byte* data() const noexcept {
      return pool_ == nullptr ? nullptr : pool_->core_.ptr(i_)->bytes;
    }
    /// The buffer's index in its pool: data() == pool.data() + index() * N. O(1).
    [[nodiscard]] index_type index() const noexcept { return i_; }
    /// N. O(1).
    static constexpr std::size_t size() noexcept { return N; }

   private:
    friend class BufferSlab;
    AutoGuard(BufferSlab* p, index_type i) noexcept : pool_(p), i_(i) {}
    void reset() noexcept {
      if (pool_ != nullptr) std::exchange(pool_, nullptr)->core_.destroy_live(i_);
    }
    BufferSlab* pool_;
    index_type i_;
  };

  /// Pre-faults `initial_capacity` buffers and reserves `virtual_capacity`. Throws
  /// std::invalid_argument for bad options, std::system_error when the OS refuses.
  BufferSlab(std::uint32_t initial_capacity, std::uint32_t virtual_capacity)
      : BufferSlab(Options{initial_capacity, virtual_capacity}) {}
  /// Throws std::invalid_argument for bad options, std::system_error when the OS refuses.
  explicit BufferSlab(const Options& o) : detail::MemoryApi<Core>(Core::create(o)) {}
  /// The non-throwing twin: on failure capacity() == 0 and `ec` says why; cleared on success.
  BufferSlab(const Options& o, std::error_code& ec) noexcept {
    if (auto c = Core::try_create(o, ec)) core_ = std::move(*c);
  }
  BufferSlab(const BufferSlab&) = delete;
  BufferSlab& operator=(const BufferSlab&) = delete;
  BufferSlab(BufferSlab&&) = delete;
  BufferSlab& operator=(BufferSlab&&) = delete;
  ~BufferSlab() {
    HISLAB_ASSERT(size() == 0, "BufferSlab destroyed while AutoGuards are alive; live guards", size());
  }

  /// The smallest free buffer. Throws CapacityError when every buffer is taken.
  [[nodiscard]] AutoGuard allocate() {
    return AutoGuard(this, core_.template emplace<true>(detail::DefaultInit{}));
  }
  /// As allocate(), empty when every buffer is taken (or the OS refuses its page).
  [[nodiscard]] std::optional<AutoGuard> try_allocate() noexcept {
    const index_type i = core_.template emplace<false>(detail::DefaultInit{});
    if (i == npos) return std::nullopt;
    return AutoGuard(this, i);
  }

  /// Buffers handed out.
  [[nodiscard]] size_type size() const noexcept { return core_.size(); }
  /// The number of buffers the pool can hand out (its virtual capacity).
  [[nodiscard]] size_type capacity() const noexcept { return core_.capacity(); }
  /// True when every buffer is handed out.
  [[nodiscard]] bool full() const noexcept { return core_.full(); }
  /// Base of buffer 0; buffer i is at data() + i * N.
  [[nodiscard]] std::byte* data() noexcept { return core_.base(); }
};

HISLAB_NAMESPACE_END
