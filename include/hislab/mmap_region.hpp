#pragma once
/// \file mmap_region.hpp
/// MmapRegion: the one owner of address space. A move-only RAII wrapper over an anonymous,
/// private, MAP_NORESERVE mapping: reserving costs address space only, pages are committed by
/// populate() or on first touch, and given back by release() without losing the reservation.
/// As a low-level block it reports OS errors as std::error_code; only reserve() throws.

#include <cerrno>
#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>

#include "detail/os_linux.hpp"
#include "detail/throw.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN

class MmapRegion;
namespace detail {
MmapRegion borrow_region(const MmapRegion& parent, std::size_t offset, std::size_t bytes) noexcept;
}

/// An owned range of reserved address space (see the file comment). Move-only. Each member costs
/// its system call (populate and lock: the pages they commit); the address range never moves
/// while the region lives, so pointers into it stay valid until it is destroyed.
class MmapRegion {
 public:
  /// An empty region: data() == nullptr, size() == 0. O(1).
  MmapRegion() noexcept = default;

  /// Reserves `bytes` (rounded up to the page size in use) of address space.
  /// Throws std::system_error when the OS refuses, std::invalid_argument for 0 bytes.
  /// One mmap (and one madvise under Advise).
  [[nodiscard]] static MmapRegion reserve(std::size_t bytes, HugePages huge = HugePages::Advise) {
    std::error_code ec;
    auto r = try_reserve(bytes, huge, ec);
    if (!r) detail::throw_error_code(ec, "hislab::MmapRegion::reserve: mmap failed");
    return std::move(*r);
  }

  /// As reserve(), but reports failure through `ec` (cleared on success).
  /// One mmap (and one madvise under Advise).
  [[nodiscard]] static std::optional<MmapRegion> try_reserve(std::size_t bytes, HugePages huge,
                                                             std::error_code& ec) noexcept {
    if (bytes == 0) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return std::nullopt;
    }
    const bool hugetlb = huge == HugePages::Require;
    const std::size_t page = hugetlb ? detail::os::huge_page_size() : detail::os::base_page_size();
    if (bytes > SIZE_MAX - page) {
      ec = std::error_code(ENOMEM, std::system_category());  // what mmap answers for it
      return std::nullopt;
    }
    const std::size_t rounded = (bytes + page - 1) / page * page;
    int err = 0;
    void* p = detail::os::map_anonymous(rounded, hugetlb, err);
    if (p == nullptr) {
      ec = std::error_code(err, std::system_category());
      return std::nullopt;
    }
    // Transparent huge pages are a hint: a kernel without THP refuses it and nothing is lost.
    if (huge == HugePages::Advise) (void)detail::os::advise(p, rounded, MADV_HUGEPAGE);
    ec.clear();
    return MmapRegion(static_cast<std::byte*>(p), rounded, huge, page);
  }

  /// Takes over o's mapping; o is empty. O(1).
  MmapRegion(MmapRegion&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        huge_(o.huge_),
        page_(o.page_),
        owner_(o.owner_) {}
  /// Unmaps this region's mapping, then takes o's.
  MmapRegion& operator=(MmapRegion&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      huge_ = o.huge_;
      page_ = o.page_;
      owner_ = o.owner_;
    }
    return *this;
  }
  MmapRegion(const MmapRegion&) = delete;
  MmapRegion& operator=(const MmapRegion&) = delete;
  ~MmapRegion() { unmap(); }

  /// Commits the pages covering [offset, offset + bytes) (rounded outward, clipped to size()):
  /// MADV_POPULATE_WRITE, then a write of each page's first byte (its own value: contents are
  /// kept), so that no first write later takes a fault, in the guest or, under some
  /// hypervisors, in the host; on kernels without MADV_POPULATE_WRITE the writes alone.
  /// One system call and a store per page; the kernel's work is O(pages).
  std::error_code populate(std::size_t offset, std::size_t bytes) noexcept {
    auto [lo, hi] = outward(offset, bytes);
    return to_ec(detail::os::populate(data_ + lo, hi - lo, page_, huge_ == HugePages::Require));
  }

  /// mlock (or mlock2 with MLOCK_ONFAULT) the pages covering the range, rounded outward.
  /// One system call; the kernel's work is O(pages).
  std::error_code lock(std::size_t offset, std::size_t bytes, bool on_fault = false) noexcept {
    auto [lo, hi] = outward(offset, bytes);
    return to_ec(detail::os::lock(data_ + lo, hi - lo, on_fault));
  }

  /// munlock the pages covering the range, rounded outward. One system call; the kernel's work is O(pages).
  std::error_code unlock(std::size_t offset, std::size_t bytes) noexcept {
    auto [lo, hi] = outward(offset, bytes);
    return to_ec(detail::os::unlock(data_ + lo, hi - lo));
  }

  /// Asks for transparent huge pages on the whole region from now on (MADV_HUGEPAGE): pages
  /// that fault later may come as huge pages where a 2 MiB-aligned range lies inside it. Best
  /// effort: the error says why not (EINVAL without THP), and nothing changes on failure. One system call.
  std::error_code advise_huge_pages() noexcept {
    if (size_ == 0) return {};
    return to_ec(detail::os::advise(data_, size_, MADV_HUGEPAGE));
  }

  /// Asks the kernel to back the range with transparent huge pages now (MADV_COLLAPSE, Linux 6.1).
  /// Best effort: the error says why not, and nothing changes on failure.
  /// One system call; the kernel's work is O(pages).
  std::error_code try_collapse(std::size_t offset, std::size_t bytes) noexcept {
    auto [lo, hi] = outward(offset, bytes);
    if (hi == lo) return {};
    return to_ec(detail::os::advise(data_ + lo, hi - lo, MADV_COLLAPSE));
  }

  /// Gives back the pages lying wholly inside the range (rounded inward); they read as zero when
  /// touched again. The reservation stays. One system call; the kernel's work is O(pages).
  void release(std::size_t offset, std::size_t bytes) noexcept {
    if (offset >= size_) return;
    if (bytes > size_ - offset) bytes = size_ - offset;
    const std::size_t lo = (offset + page_ - 1) / page_ * page_;
    const std::size_t hi = (offset + bytes) / page_ * page_;
    if (hi > lo) (void)detail::os::advise(data_ + lo, hi - lo, MADV_DONTNEED);
  }

  /// The first byte; nullptr when empty. O(1).
  [[nodiscard]] std::byte* data() const noexcept { return data_; }
  /// Bytes reserved (a multiple of page_size()). O(1).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// The huge-page policy it was reserved with. O(1).
  [[nodiscard]] HugePages huge_pages() const noexcept { return huge_; }
  /// The page size in use: the base page size, or the huge page size under HugePages::Require. O(1).
  [[nodiscard]] std::size_t page_size() const noexcept { return page_; }

  /// Exchanges two regions. O(1).
  friend void swap(MmapRegion& a, MmapRegion& b) noexcept {
    std::swap(a.data_, b.data_);
    std::swap(a.size_, b.size_);
    std::swap(a.huge_, b.huge_);
    std::swap(a.page_, b.page_);
    std::swap(a.owner_, b.owner_);
  }

 private:
  friend MmapRegion detail::borrow_region(const MmapRegion&, std::size_t, std::size_t) noexcept;

  MmapRegion(std::byte* p, std::size_t n, HugePages h, std::size_t page, bool owner = true) noexcept
      : data_(p), size_(n), huge_(h), page_(page), owner_(owner) {}

  // AddressSanitizer keeps manual poison across munmap, so whoever poisons part of a region
  // unpoisons it before the region goes (SlabCore: its committed high-water mark). Clearing the
  // shadow of the whole reservation here would commit 1/8 of it as shadow memory.
  void unmap() noexcept {
    if (!owner_) return;  // a view into another region: that one unmaps
    detail::os::unmap(data_, size_);
  }

  static std::error_code to_ec(int err) noexcept {
    return err == 0 ? std::error_code{} : std::error_code(err, std::system_category());
  }

  std::pair<std::size_t, std::size_t> outward(std::size_t offset, std::size_t bytes) const noexcept {
    if (offset >= size_) return {0, 0};
    if (bytes > size_ - offset) bytes = size_ - offset;
    const std::size_t lo = offset / page_ * page_;
    std::size_t hi = (offset + bytes + page_ - 1) / page_ * page_;
    if (hi > size_) hi = size_;
    return {lo, hi};
  }

  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  HugePages huge_ = HugePages::None;
  std::size_t page_ = detail::os::base_page_size();
  bool owner_ = true;
};

namespace detail {
/// A view of [offset, offset + bytes) of `parent` (page-aligned, inside it) with every member
/// function of a region, that never unmaps: the parent owns the mapping and must outlive it.
inline MmapRegion borrow_region(const MmapRegion& parent, std::size_t offset, std::size_t bytes) noexcept {
  return MmapRegion(parent.data() + offset, bytes, parent.huge_pages(), parent.page_size(), false);
}
}  // namespace detail

HISLAB_NAMESPACE_END
