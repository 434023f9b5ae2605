#pragma once
/// \file hier_bitmap.hpp
/// HierBitmap: a fixed-capacity bitmap of up to 2^32 - 1 bits with summary levels, reserved
/// once through MmapRegion and never reallocated.
///
/// ```
///  level L (top, one word)     [f|f|.|f ...]   [n|n|.|n ...]          counts C[L-1] (<= 64)
///        ...                          |               |                     ...
///  level 1 (one word per 64 blocks)  full bits      non-empty bits        counts C[1]: set bits
///                                     |               |                   per 64 blocks (u32)
///  blocks: 512-bit BitBlocks   [b0][b1][b2] ... [b(nb-1)]                 C[0]: set bits per
///                                                                         block (u16)
/// ```
///
/// One summary bit describes one child (a block at level 1, a word of the level below above
/// that): *full* (every bit of the child is 1; descending the first 0 finds the lowest 0 bit) and
/// *non-empty* (some bit is 1; descending skips empty blocks). Population counts per block and per
/// group of 64 children make select(k) an O(log capacity) descent. Several caches keep the common
/// insert and erase short: the lowest non-full block (hint_), whose full bit, and once it is empty
/// its non-empty bit, may be stale; the next hint; the cached lowest 0 and one owed count
/// decrement, or one parked bit that no summary knows is 0 yet. docs/design.md explains each
/// and why; the invariants that tie them together are listed once, above check_invariants().
/// The parts that keep no state (the layout, the summary walks, select's descent) are free
/// functions in detail/bitmap_levels.hpp.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <system_error>
#include <utility>

#include "detail/assert.hpp"
#include "detail/bit_block.hpp"
#include "detail/bitmap_levels.hpp"
#include "detail/platform.hpp"
#include "detail/throw.hpp"
#include "mmap_region.hpp"
#include "types.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {
template <class T, bool Tagged>
class SlabCore;               // takes the inline insert path, set_first_unset_below()
struct HierBitmapTestAccess;  // tests only: corrupts a bitmap to show check_invariants() notices
}  // namespace detail

namespace detail {

/// The cached lowest 0 bit of a HierBitmap, in one word (the inline insert and erase paths read
/// and write it as one): unknown, or known as bit i, in which case one of two flags may say
/// what the summaries still count i as: `owed()`, the rank counts above the blocks count it as
/// set (HierBitmap::owe_lowest()); `parked()`, every summary does (the block's count, the rank
/// counts, the full bits and the hint; count_ does not): only the block word, count_ and this
/// cache know that i is vacant (HierBitmap::park()). Stored as ((i + 1) << 2) | flags, so that unknown is 0
/// and bit() of unknown is the largest size_t, which no limit passes.
class LowestUnset {
 public:
  /// Unknown.
  constexpr LowestUnset() noexcept = default;
  /// Known as bit i, its rank-count decrement owed or not.
  static constexpr LowestUnset at(std::size_t i, bool owed = false) noexcept {
    return LowestUnset((i + 1) << 2 | std::size_t{owed});
  }
  /// Known as bit i, which every summary still counts as set.
  static constexpr LowestUnset parked_at(std::size_t i) noexcept { return LowestUnset((i + 1) << 2 | 2); }
  [[nodiscard]] constexpr bool known() const noexcept { return v_ != 0; }
  /// The bit; the largest size_t when unknown.
  [[nodiscard]] constexpr std::size_t bit() const noexcept { return (v_ >> 2) - 1; }
  /// The rank counts owe bit()'s decrement.
  [[nodiscard]] constexpr bool owed() const noexcept { return (v_ & 1) != 0; }
  /// Every summary owes bit()'s clearing.
  [[nodiscard]] constexpr bool parked() const noexcept { return (v_ & 2) != 0; }
  /// Known, and bit i.
  [[nodiscard]] constexpr bool is(std::size_t i) const noexcept { return i + 1 == v_ >> 2; }
  /// Known, and above bit i.
  [[nodiscard]] constexpr bool known_above(std::size_t i) const noexcept { return i + 1 < v_ >> 2; }
  /// A flag with no bit known, or both flags: states no operation makes (check_invariants()
  /// reports them).
  [[nodiscard]] constexpr bool malformed() const noexcept { return (v_ != 0 && v_ < 4) || (v_ & 3) == 3; }

 private:
  explicit constexpr LowestUnset(std::size_t v) noexcept : v_(v) {}
  std::size_t v_ = 0;
};

}  // namespace detail

/// A fixed-capacity bitmap of up to 2^32 - 1 bits with summary levels (see the file comment).
/// Move-only. Single-bit operations and find_first_unset() are O(1) amortized, with at most
/// O(levels) summary updates; find_next_set() and select() are O(levels); visits are
/// O(set bits + blocks visited); each member that costs more says so.
class HierBitmap {
  static constexpr int max_levels = detail::bitmap_max_levels;
  static constexpr std::size_t none = detail::no_block;
  using LowestUnset = detail::LowestUnset;
  static_assert(sizeof(std::size_t) >= 8, "HierBitmap: first_unset_ holds values up to 2^34");

 public:
  /// An empty bitmap of capacity 0 (the state of a moved-from one): every query answers false
  /// or npos. O(1).
  HierBitmap() noexcept = default;

  /// A bitmap of `capacity_bits` bits, all 0. Reserves address space only.
  /// Throws std::invalid_argument for 0 bits, std::system_error when the OS refuses.
  /// One mmap; O(1) otherwise.
  explicit HierBitmap(size_type capacity_bits) {
    std::error_code ec;
    auto r = try_create(capacity_bits, ec);
    if (!r) detail::throw_error_code(ec, "hislab::HierBitmap: bad capacity or mmap failed");
    *this = std::move(*r);
  }

  /// memory_reserved() of a bitmap of `capacity_bits` bits (> 0), without creating one. O(1).
  [[nodiscard]] static std::size_t reserved_bytes(size_type capacity_bits) noexcept {
    const std::size_t page = detail::os::base_page_size();
    return (detail::bitmap_layout(capacity_bits).bytes + page - 1) / page * page;
  }

  /// The non-throwing twin of the constructor: `ec` is invalid_argument for 0 bits, the errno
  /// when the OS refuses; cleared on success. One mmap; O(1) otherwise.
  [[nodiscard]] static std::optional<HierBitmap> try_create(size_type capacity_bits,
                                                            std::error_code& ec) noexcept {
    return try_create_in(capacity_bits, ec, nullptr);
  }

  /// Takes o's bits and memory; o is empty (capacity 0). O(1).
  HierBitmap(HierBitmap&& o) noexcept { swap(o); }
  /// Releases this bitmap's memory, then takes o's (as the move constructor).
  HierBitmap& operator=(HierBitmap&& o) noexcept {
    HierBitmap tmp(static_cast<HierBitmap&&>(o));
    swap(tmp);
    return *this;
  }
  HierBitmap(const HierBitmap&) = delete;
  HierBitmap& operator=(const HierBitmap&) = delete;
  ~HierBitmap() = default;

  /// Exchanges bits and memory with `o`. O(1).
  void swap(HierBitmap& o) noexcept {
    using std::swap;
    swap(blocks_, o.blocks_);
    swap(c0_, o.c0_);
    swap(counts1_, o.counts1_);
    swap(full1_, o.full1_);
    swap(levels_, o.levels_);
    swap(last_bits_, o.last_bits_);
    swap(hint_, o.hint_);
    swap(n0_, o.n0_);
    swap(first_unset_, o.first_unset_);
    swap(cap_, o.cap_);
    swap(count_, o.count_);
    swap(next_hint_, o.next_hint_);
    swap(padded_, o.padded_);
    swap(lv_, o.lv_);
  }
  /// a.swap(b). O(1).
  friend void swap(HierBitmap& a, HierBitmap& b) noexcept { a.swap(b); }

  /// Number of bits. O(1).
  [[nodiscard]] size_type capacity() const noexcept { return cap_; }
  /// Number of 1 bits. O(1).
  [[nodiscard]] size_type count() const noexcept { return count_; }
  /// True when every bit below capacity() is 1. O(1).
  [[nodiscard]] bool all() const noexcept { return count_ == cap_; }

  /// Bit i; false when i >= capacity(). O(1).
  [[nodiscard]] HISLAB_ALWAYS_INLINE bool test(index_type i) const noexcept {
    return i < cap_ && test_in_range(i);
  }

  /// Bit i, for an i known to be below capacity() (unchecked: i >= capacity() is undefined).
  /// O(1).
  [[nodiscard]] HISLAB_ALWAYS_INLINE bool test_in_range(index_type i) const noexcept {
    return test_in_range(words(), i);
  }
  /// The bits as 64-bit words: bit i is bit i % 64 of words()[i / 64] (words past capacity()
  /// may hold 1s). Valid until the bitmap is destroyed, moved from or swapped; nullptr when
  /// capacity() is 0. With test_in_range(words, i), a loop that tests many bits reads this
  /// pointer once instead of once a test. O(1).
  [[nodiscard]] HISLAB_ALWAYS_INLINE const std::uint64_t* words() const noexcept {
    return reinterpret_cast<const std::uint64_t*>(blocks_);
  }
  /// Bit i of the words() of a bitmap, for an i below its capacity(). O(1).
  [[nodiscard]] static HISLAB_ALWAYS_INLINE bool test_in_range(const std::uint64_t* words,
                                                               index_type i) noexcept {
    // A shift, not a mask: x86 tests the bit in place (bt), no mask to build.
    return ((words[i >> detail::word_shift] >> (i % detail::word_bits)) & 1u) != 0;
  }

  /// Sets bit i. Returns true if it was 0; i >= capacity() changes nothing and returns false.
  /// O(1) amortized, O(levels) at worst.
  bool set(index_type i) noexcept {
    if (i >= cap_) return false;
    std::uint64_t& w = word_of(i);
    const std::uint64_t m = bit_of(i);
    if ((w & m) != 0) return false;
    settle();
    w |= m;
    const LowestUnset fz = first_unset_;
    const bool lowest = fz.is(i);
    if (lowest) first_unset_ = LowestUnset{};
    after_set(detail::block_of(i), lowest && fz.owed());
    return true;
  }

  /// Clears bit i. Returns true if it was 1; i >= capacity() changes nothing and returns false.
  /// The slabs' erase path: one test-and-clear of the word, then clear_set(). O(1) amortized,
  /// O(levels) at worst.
  HISLAB_ALWAYS_INLINE bool reset(index_type i) noexcept { return i < cap_ && reset_in_range(i); }

  /// reset() for an i known to be below capacity() (unchecked: i >= capacity() is undefined).
  HISLAB_ALWAYS_INLINE bool reset_in_range(index_type i) noexcept {
    const std::uint64_t old = word_of(i);
    // Marked: GCC 12 otherwise predicts the path into the summary updates cold and moves the whole
    // erase out of line. Shown by the churn_16B/hislab row (bench/README.md) and by the
    // instruction count of `sh bench/instructions.sh churn`.
    if (HISLAB_UNLIKELY((old & bit_of(i)) == 0)) return false;
    clear_set(i, old);
    return true;
  }

  /// Clears bit i, which must be 1 (i < capacity()): reset() without the checks, for callers
  /// that have just tested it. O(1) amortized, O(levels) at worst.
  HISLAB_ALWAYS_INLINE void reset_known(index_type i) noexcept { clear_set(i, word_of(i)); }

  /// The lowest 0 bit below capacity(), else npos. O(1): the cached lowest 0 bit, or one probe
  /// of the cached lowest non-full block.
  [[nodiscard]] HISLAB_ALWAYS_INLINE index_type find_first_unset() const noexcept {
    if (first_unset_.known()) return static_cast<index_type>(first_unset_.bit());
    // Not known: probe the hint block (a vector load). Where it is known no load of the block is
    // needed, and none waits for the narrow store that freed the bit to reach the cache.
    if (HISLAB_UNLIKELY(hint_ >= n0_)) return npos;
    return static_cast<index_type>(hint_ * detail::block_bits +
                                   detail::BitBlock::find_first_unset(blocks_[hint_]));
  }

  /// Sets the lowest 0 bit and returns its position, or npos (nothing changed) when all are 1.
  /// The cached lowest 0 bit, one store, the counts; a block probe and the summaries out of line
  /// when they are needed. O(1) amortized, O(levels) at worst.
  HISLAB_ALWAYS_INLINE index_type set_first_unset() noexcept {
    const index_type i = set_first_unset_below(cap_);
    return HISLAB_LIKELY(i != npos) ? i : set_first_unset_out_of_line();
  }

  /// The lowest 1 bit at or above `from`, else npos. Skips empty blocks through the summary. O(levels).
  [[nodiscard]] index_type find_next_set(index_type from) const noexcept {
    if (from >= cap_) return npos;
    std::size_t b = detail::block_of(from);
    unsigned r = detail::BitBlock::find_next_set(blocks_[b], from % detail::block_bits);
    // The one block whose non-empty bit may be set while it is empty is the hint, and it is not
    // found here: every block below it is full, so the search leaves b only when b >= the hint.
    if (r == detail::block_bits) {
      b = next_nonempty_block(b + 1);
      if (b == none) return npos;
      r = detail::BitBlock::find_next_set(blocks_[b], 0);
    }
    return static_cast<index_type>(b * detail::block_bits + r);
  }

  /// The position of the 1 bit of rank k (counting from 0 in ascending order), npos if
  /// k >= count(). O(log capacity): one pick among 64 counts per level, then one block.
  [[nodiscard]] HISLAB_ALWAYS_INLINE index_type select(size_type k) const noexcept {
    if (k >= count_) return npos;
    index_type i;
    select_batch<1>(&k, &i);
    return i;
  }

  static constexpr std::size_t select_batch_size = 32;  ///< ranks that select_many() descends together
  /// out[k] = select(ranks[k]) for k < n (npos for a rank >= count()). Whole batches of 32 ranks
  /// descend side by side, every count group and block prefetched a step before it is read, so
  /// that on a bitmap larger than the caches the misses of a batch overlap instead of following
  /// one another; the remainder goes through select() one by one. O(n * levels).
  void select_many(const size_type* ranks, std::size_t n, index_type* out) const noexcept {
    std::size_t done = 0;
    if (count_ != 0)
      for (; n - done >= select_batch_size; done += select_batch_size)
        select_batch<select_batch_size>(ranks + done, out + done);
    for (; done < n; ++done) out[done] = select(ranks[done]);
  }

  /// Calls f(index) for every 1 bit in ascending order. O(set bits + non-empty blocks). f may
  /// reset bits it has been given.
  template <class F>
  void for_each_set(F&& f) const {
    if (cap_ == 0) return;
    for (std::size_t b = next_nonempty_block(0); b != none; b = next_nonempty_block(b + 1)) {
      for (unsigned w = 0; w < detail::block_words; ++w) {
        std::uint64_t bits = blocks_[b].w[w];
        while (bits != 0) {
          f(static_cast<index_type>(b * detail::block_bits + w * detail::word_bits +
                                    static_cast<unsigned>(std::countr_zero(bits))));
          bits &= bits - 1;
        }
      }
    }
  }

  /// As for_each_set(), for an f that may set or reset bits and says so through `changed`:
  /// after a call that set it, the rest of the current 64-bit word is read again (and `changed`
  /// cleared), so a bit that f resets before its turn is not visited; words and blocks after the
  /// current one are read when they are reached. While f changes nothing, this is for_each_set()
  /// plus one test of a flag per bit.
  template <class F>
  void visit_set(F&& f, bool& changed) const {
    if (cap_ == 0) return;
    for (std::size_t b = next_nonempty_block(0); b != none; b = next_nonempty_block(b + 1)) {
      for (unsigned w = 0; w < detail::block_words; ++w) {
        std::uint64_t bits = blocks_[b].w[w];
        while (bits != 0) {
          const unsigned k = static_cast<unsigned>(std::countr_zero(bits));
          f(static_cast<index_type>(b * detail::block_bits + w * detail::word_bits + k));
          bits &= bits - 1;
          if (HISLAB_UNLIKELY(changed)) {
            bits = blocks_[b].w[w] & (~std::uint64_t{1} << k);  // the bits above k (none when k is 63)
            changed = false;
          }
        }
      }
    }
  }

  /// Resets every bit. O(non-empty blocks): empty regions are not touched.
  void clear() noexcept {
    // Never set: every bit is 0 and the caches hold their initial values already, and clearing
    // would write (and fault in) the top summary words before their padding is due.
    if (!padded_) return;
    // clear_node() visits non-empty nodes only; the hint block may be empty with a stale bit.
    settle();
    if (hint_ < n0_ && full_bit(hint_)) mark_not_full(hint_);
    // An owed decrement is paid first: clear_node() zeroes the counts of non-empty groups only,
    // and the owed bit's group may be empty.
    pay_owed(first_unset_);
    clear_node(levels_, 0);
    count_ = 0;
    first_unset_ = LowestUnset::at(0);
    hint_up(0);
  }

  /// Bytes of address space reserved for all levels. O(1).
  [[nodiscard]] std::size_t memory_reserved() const noexcept { return cap_ == 0 ? 0 : lv_->region.size(); }

  /// Bytes of the pages that the blocks ever set or populated use in every level (an upper
  /// bound of what is resident; 0 while nothing was), rounded to pages. O(levels).
  [[nodiscard]] std::size_t memory_committed() const noexcept {
    if (cap_ == 0) return 0;
    // The pages of the used ranges, each page once although several arrays share it.
    const std::size_t page = lv_->region.page_size();
    std::size_t total = 0, counted_to = 0;  // pages below counted_to are counted
    detail::for_each_used_range(layout(), lv_->used_blocks, [&](std::size_t off, std::size_t bytes) {
      const std::size_t lo = std::max(off / page * page, counted_to);
      const std::size_t hi = (off + bytes + page - 1) / page * page;
      if (hi > lo) total += hi - lo;
      counted_to = std::max(counted_to, hi);
    });
    return total;
  }

  /// Commits the pages of every level that bits [0, bits) use, so that setting them later takes
  /// no page fault (MADV_POPULATE_WRITE, or touching each page). The errno when the kernel
  /// refuses; the bitmap is unchanged either way. O(levels) system calls; the kernel's work is O(pages).
  std::error_code populate(size_type bits) noexcept {
    if (cap_ == 0 || bits == 0) return {};
    const std::size_t used = std::min(detail::blocks_for(bits), n0_);
    std::error_code ec;
    detail::for_each_used_range(layout(), used, [&](std::size_t off, std::size_t bytes) {
      if (!ec) ec = lv_->region.populate(off, bytes);
    });
    // memory_committed() counts up to the highest block whose pages may be resident.
    const std::size_t last = std::min<std::size_t>(detail::block_of(std::size_t{bits} - 1), n0_ - 1);
    if (!ec && last >= lv_->used_blocks) lv_->used_blocks = last + 1;
    return ec;
  }

  /// mlock the bitmap's pages (with MLOCK_ONFAULT: those touched later too). RLIMIT_MEMLOCK
  /// counts the whole reservation (memory_reserved()); the overload below locks only the pages
  /// a range of bits uses. One system call.
  std::error_code lock_memory(bool on_fault = true) noexcept {
    return cap_ == 0 ? std::error_code{} : lv_->region.lock(0, lv_->region.size(), on_fault);
  }
  /// mlock the pages of every level that bits [first, last) use (last clipped to capacity()),
  /// with MLOCK_ONFAULT unless `on_fault` is false. The errno when refused; what was locked
  /// before the refusal stays locked (unlock_memory() undoes all). O(levels) system calls at most.
  std::error_code lock_memory(size_type first, size_type last, bool on_fault = true) noexcept {
    last = std::min(last, cap_);
    if (cap_ == 0 || last <= first) return {};
    // Pages that several arrays share, or that follow one another, take one call.
    const std::size_t page = lv_->region.page_size();
    std::size_t lo = 0, hi = 0;  // the pending run of pages
    std::error_code ec;
    auto flush = [&] {
      if (!ec && hi > lo) ec = lv_->region.lock(lo, hi - lo, on_fault);
    };
    detail::for_each_used_range(layout(), detail::block_of(first), detail::blocks_for(last),
                                [&](std::size_t off, std::size_t bytes) {
                                  const std::size_t a = off / page * page;
                                  const std::size_t b = (off + bytes + page - 1) / page * page;
                                  if (a > hi) {
                                    flush();
                                    lo = a;
                                  }
                                  hi = std::max(hi, b);
                                });
    flush();
    return ec;
  }
  /// munlock the bitmap's pages. One system call.
  void unlock_memory() noexcept {
    if (cap_ != 0) (void)lv_->region.unlock(0, lv_->region.size());
  }

  /// Recomputes every cached and summary value from the blocks and compares. Returns nullptr
  /// when all of these hold, else the first that does not (for tests and fuzzers; O(capacity)).
  /// A parked bit (first_unset_.parked()) counts as set in each summary, 2 to 7, but count_:
  ///  1. bits at and past capacity() are 0;
  ///  2. c0_[b] is the popcount of block b (0 in the padding up to a group of 64), and count_ is
  ///     their sum less the parked bit;
  ///  3. non-empty: level 1 bit b is c0_[b] != 0, except that of an empty hint_, which equals
  ///     its full bit (both set: stale, or both clear); a bit at level l > 1 is "word of level
  ///     l - 1 not 0" as stored; children past the end read 0;
  ///  4. full: level 1 bit b is "block b full", except that of hint_, which may be set while the
  ///     block is not full (stale); a bit at level l > 1 is "word of level l - 1 all ones" as
  ///     stored; children past the end read 1 (padding()) from the first bit ever set on, 0
  ///     before (an empty bitmap writes nothing);
  ///  5. counts: counts[1][g] is the sum of c0_ over its 64 blocks, plus 1 in the group of the
  ///     lowest 0 when its decrement is owed; counts[l][g] (1 < l < levels_) sums 64 of level
  ///     l - 1; with one level, counts[1][0] is count_ (plus the owed or parked 1); padding is 0;
  ///  6. hint_ is the lowest non-full block (n0_ when every block is full);
  ///  7. next_hint_ is none (not known) or the lowest non-full block above hint_ (n0_: none);
  ///  8. first_unset_ is unknown, or known as i, the lowest 0 bit, with `owed()` when the
  ///     rank counts owe i's decrement, or `parked()` when i lies below the hint and its block
  ///     holds another set bit;
  ///  9. used_blocks is above the highest non-empty block.
  [[nodiscard]] const char* check_invariants() const noexcept {
    if (cap_ == 0) return count_ == 0 ? nullptr : "an empty bitmap counts bits";
    const std::size_t nb = n0_;
    const LowestUnset fz = first_unset_;
    if (fz.malformed()) return "the cached lowest 0 has a flag without a bit, or both flags";
    // The block holding the parked bit, whose summaries count it as set (none: no bit parked).
    const std::size_t parked_block = fz.parked() ? detail::block_of(fz.bit()) : none;
    if (parked_block != none && (fz.bit() >= cap_ || test_in_range(static_cast<index_type>(fz.bit()))))
      return "the parked bit is not a 0 below the capacity";
    // 1, 2
    std::size_t total = 0, lowest_zero = none, highest_nonempty = none;
    for (std::size_t b = 0; b < nb; ++b) {
      unsigned pop = 0;
      for (unsigned w = 0; w < detail::block_words; ++w) {
        const std::uint64_t bits = blocks_[b].w[w];
        pop += static_cast<unsigned>(std::popcount(bits));
        const std::size_t first = b * detail::block_bits + w * detail::word_bits;
        if (lowest_zero == none && ~bits != 0 && first + static_cast<unsigned>(std::countr_one(bits)) < cap_)
          lowest_zero = first + static_cast<unsigned>(std::countr_one(bits));
        if (first + detail::word_bits > cap_ && (first >= cap_ ? bits : bits >> (cap_ - first)) != 0)
          return "a bit at or past the capacity is set";
      }
      if (b == parked_block) {
        if (pop == 0) return "the parked bit's block holds no other set bit";
        ++pop;
      }
      if (c0_[b] != pop) return "a block count differs from the block's popcount";
      if (pop != 0) highest_nonempty = b;
      total += pop;
    }
    for (std::size_t b = nb; b < detail::groups_for(nb) * detail::group_size; ++b)
      if (c0_[b] != 0) return "block count padding is not 0";
    if (total != count_ + (parked_block != none ? 1 : 0))
      return "count() differs from the sum of the block counts";
    if (count_ != 0 && !padded_) return "bits are set but the padding was never written";
    auto block_full = [&](std::size_t b) {
      return c0_[b] == (b + 1 == nb ? last_bits_ : unsigned{detail::block_bits});
    };
    // 3, 4
    for (int l = 1; l <= levels_; ++l) {
      const std::size_t children = lv_->n[l - 1];
      for (std::size_t j = 0; j < lv_->n[l] * 64; ++j) {
        const bool ne = ((lv_->nonempty[l][j >> detail::group_shift] >> (j % detail::group_size)) & 1u) != 0;
        const bool fu = ((lv_->full[l][j >> detail::group_shift] >> (j % detail::group_size)) & 1u) != 0;
        if (j >= children) {
          if (ne) return "a non-empty bit past the end is set";
          if (fu != padded_)
            return padded_ ? "a full bit past the end is clear"
                           : "a full bit past the end is set before padding";
          continue;
        }
        const bool want_ne = l == 1 ? c0_[j] != 0 : lv_->nonempty[l - 1][j] != 0;
        // The empty hint's two bits are equal: both stale (set) or both exact (clear).
        const bool empty_hint = l == 1 && j == hint_ && c0_[j] == 0;
        if (empty_hint && ne != fu) return "the empty hint's non-empty and full bits differ";
        if (ne != want_ne && !empty_hint) return "a non-empty summary bit is wrong";
        if (l == 1) {
          if (fu != block_full(j) && !(j == hint_ && fu))
            return "a full bit is wrong (other than the hint's, set)";
        } else if (fu != (lv_->full[l - 1][j] == ~std::uint64_t{0})) {
          return "a full summary bit above level 1 is wrong";
        }
      }
    }
    // 8 (its owed flag is needed for 5)
    const bool is_owed = fz.owed();
    if (fz.known() && fz.bit() != lowest_zero) return "the cached lowest 0 is not the lowest 0";
    // 5
    const std::size_t owed_group =
        is_owed ? lowest_zero >> (detail::block_shift + detail::group_shift) : none;
    for (std::size_t g = 0; g < detail::groups_for(lv_->n[1]) * detail::group_size; ++g) {
      if (levels_ == 1 && g == 0) continue;  // checked below against count_
      std::size_t sum = 0;
      if (g < lv_->n[1])
        for (std::size_t b = g * 64; b < std::min(nb, g * 64 + 64); ++b) sum += c0_[b];
      if (g == owed_group) ++sum;
      if (lv_->counts[1][g] != sum) return "a level-1 rank count is wrong";
    }
    if (levels_ == 1 && lv_->counts[1][0] != count_ + (is_owed || parked_block != none ? 1 : 0))
      return "the one rank count is not count()";
    for (int l = 2; l < levels_; ++l) {
      for (std::size_t g = 0; g < detail::groups_for(lv_->n[l]) * detail::group_size; ++g) {
        std::size_t sum = 0;
        if (g < lv_->n[l])
          for (std::size_t c = g * 64; c < g * 64 + 64; ++c) sum += lv_->counts[l - 1][c];
        if (lv_->counts[l][g] != sum) return "a rank count above level 1 is wrong";
      }
    }
    // 6, 7
    std::size_t lowest_nonfull = nb, next_nonfull = nb;  // nb: no such block
    for (std::size_t b = 0; b < nb; ++b) {
      if (block_full(b)) continue;
      if (lowest_nonfull == nb) {
        lowest_nonfull = b;
      } else {
        next_nonfull = b;
        break;
      }
    }
    if (hint_ != lowest_nonfull) return "hint_ is not the lowest non-full block";
    if (next_hint_ != none && next_hint_ != next_nonfull) return "next_hint_ is not the next non-full block";
    if (fz.parked() ? parked_block >= hint_ : fz.known() && detail::block_of(fz.bit()) != hint_)
      return fz.parked() ? "the parked bit is not below the hint block"
                         : "the cached lowest 0 is not in the hint block";
    // 9
    if (highest_nonempty != none && lv_->used_blocks <= highest_nonempty)
      return "used_blocks does not cover a non-empty block";
    return nullptr;
  }

 private:
  template <class, bool>
  friend class detail::SlabCore;
  friend struct detail::HierBitmapTestAccess;

  /// try_create(), laid out in `region` (a base-page region of at least reserved_bytes(), which
  /// the bitmap takes: SlabCore passes a view of its one reservation) or, when null, in a
  /// reservation of its own.
  [[nodiscard]] static std::optional<HierBitmap> try_create_in(size_type capacity_bits, std::error_code& ec,
                                                               MmapRegion* region) noexcept {
    if (capacity_bits == 0) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return std::nullopt;
    }
    const detail::BitmapLayout lay = detail::bitmap_layout(capacity_bits);
    HierBitmap h;
    h.lv_.reset(new (std::nothrow) Levels);
    if (h.lv_ == nullptr) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return std::nullopt;
    }
    if (region != nullptr) {
      h.lv_->region = std::move(*region);
    } else {
      auto own = MmapRegion::try_reserve(lay.bytes, HugePages::None, ec);
      if (!own) return std::nullopt;
      h.lv_->region = std::move(*own);
    }
    h.cap_ = capacity_bits;
    h.levels_ = lay.levels;
    for (int l = 0; l <= lay.levels; ++l) h.lv_->n[l] = lay.n[l];
    h.n0_ = lay.n[0];
    std::byte* base = h.lv_->region.data();
    h.blocks_ = reinterpret_cast<detail::Block512*>(base + lay.off_blocks);
    h.c0_ = reinterpret_cast<std::uint16_t*>(base + lay.off_c0);
    for (int l = 1; l <= h.levels_; ++l) {
      h.lv_->full[l] = reinterpret_cast<std::uint64_t*>(base + lay.off_full[l]);
      h.lv_->nonempty[l] = reinterpret_cast<std::uint64_t*>(base + lay.off_nonempty[l]);
      h.lv_->counts[l] = reinterpret_cast<std::uint32_t*>(base + lay.off_counts[l]);
    }
    h.counts1_ = h.lv_->counts[1];
    h.full1_ = h.lv_->full[1];
    // The padding 1s are written with the first bit set (write_padding()): an empty bitmap
    // writes nothing, so creating one faults no page in.
    const std::size_t tail = capacity_bits - detail::block_bits * (h.n0_ - 1);
    h.last_bits_ = static_cast<unsigned>(tail);
    h.first_unset_ = LowestUnset::at(0);
    return h;
  }

  /// set_first_unset() when the lowest 0 bit is known, lies below `limit`, and setting it
  /// changes no summary but the common one of a full slab under churn (the hint, which has just
  /// filled up again, hands over to the known next one); else npos and nothing changed, and the
  /// caller takes set_first_unset(). The slabs' insert path: no call, no block probe. Private:
  /// its npos means "not here", not "full"; SlabCore pairs it with its own out-of-line path.
  HISLAB_ALWAYS_INLINE index_type set_first_unset_below(index_type limit) noexcept {
    // An unknown lowest 0 gives the largest size_t, which no limit passes.
    const LowestUnset fz = first_unset_;
    const std::size_t i = fz.bit();
    if (HISLAB_UNLIKELY(i >= limit)) return npos;
    if (fz.parked()) {
      // Taking a parked bit back: every summary counts it as set already. Its block is full
      // again, so the next lowest 0 lies above it (in the hint block): unknown.
      first_unset_ = LowestUnset{};
      ++count_;
      word_of(i) |= bit_of(i);
      return static_cast<index_type>(i);
    }
    const std::size_t b = detail::block_of(i);
    const unsigned c = c0_[b] + 1u;
    // The members are written before the block word (see clear_set()).
    if (c == detail::block_bits) {
      // on_full(b) when the next hint is known. b is the hint: the lowest 0 lies in the lowest
      // non-full block. A known next hint was set with the hint, which then became a block that
      // had been full: its full bit is set (stale) already.
      const std::size_t next = next_hint_;
      if (HISLAB_UNLIKELY(next == none)) return npos;
      HISLAB_ASSERT(b == hint_ && full_bit(b),
                    "HierBitmap: the lowest 0 outside the hint, or a clear stale bit; block", b);
      hint_up(next);
    } else if (HISLAB_UNLIKELY((c == 1 && !full_bit(b)) || fills_last(b, c))) {
      // The block was empty with its non-empty bit clear, or the shorter last block fills: out
      // of line. An empty hint whose full bit is set has kept its non-empty bit (emptied()).
      return npos;
    }
    count_set(b, fz.owed());
    take_lowest(i);
    return static_cast<index_type>(i);
  }

  /// select() for M ranks side by side (count() != 0): detail::select_descent() over this
  /// bitmap's counts, told the owed or parked bit.
  template <std::size_t M>
  HISLAB_ALWAYS_INLINE void select_batch(const size_type* ranks, index_type* out) const noexcept {
    const LowestUnset fz = first_unset_;
    const detail::RankLevels lv{lv_->counts, c0_, blocks_, levels_};
    // Two descents: the one with nothing owed or parked, the common case, keeps no correction.
    if (HISLAB_LIKELY(!fz.owed() && !fz.parked()))
      return detail::select_descent<M>(lv, count_, none, false, ranks, out);
    detail::select_descent<M>(lv, count_, fz.bit(), fz.parked(), ranks, out);
  }

  /// This bitmap's layout (recomputed: for the cold paths that need it).
  [[nodiscard]] detail::BitmapLayout layout() const noexcept { return detail::bitmap_layout(cap_); }

  /// The block word holding bit i, and bit i's mask in it. The blocks are one array of words
  /// (a Block512 is its 8 words, no padding), so word i / 64 of it is the one: one shift
  /// instead of the block and the word within it (get_16B/hislab_checked and churn_16B/hislab in
  /// bench/README.md: the checked get is a few instructions from the unchecked one).
  HISLAB_ALWAYS_INLINE std::uint64_t& word_of(std::size_t i) const noexcept {
    static_assert(sizeof(detail::Block512) == detail::block_words * sizeof(std::uint64_t));
    return reinterpret_cast<std::uint64_t*>(blocks_)[i >> detail::word_shift];
  }
  static constexpr std::uint64_t bit_of(std::size_t i) noexcept {
    return std::uint64_t{1} << (i % detail::word_bits);
  }

  HISLAB_ALWAYS_INLINE void add_counts(std::size_t b, std::uint32_t delta) noexcept {
    counts1_[b >> detail::group_shift] += delta;
    if (HISLAB_UNLIKELY(levels_ > 2)) add_upper_counts(b, delta);
  }
  void add_upper_counts(std::size_t b, std::uint32_t delta) noexcept {
    for (int l = 2; l < levels_; ++l) lv_->counts[l][b >> (detail::group_shift * l)] += delta;
  }

  /// True when a block holding c set bits is full (only the last block holds fewer than 512).
  HISLAB_ALWAYS_INLINE bool full_at(std::size_t b, unsigned c) const noexcept {
    return c == detail::block_bits || fills_last(b, c);
  }
  /// True when block b is the last one, shorter than 512 bits, and c bits fill it.
  HISLAB_ALWAYS_INLINE bool fills_last(std::size_t b, unsigned c) const noexcept {
    return c == last_bits_ && b + 1 == n0_;
  }

  /// Sets bit i, the lowest 0, and caches the next lowest 0 when this word has one: every bit
  /// below i is 1, so it is the word's lowest 0, if that is below capacity().
  HISLAB_ALWAYS_INLINE void take_lowest(std::size_t i) noexcept {
    std::uint64_t& w = word_of(i);
    const std::uint64_t now = w | bit_of(i);
    w = now;
    const std::size_t next = (i & ~(detail::word_bits - 1)) + static_cast<unsigned>(std::countr_one(now));
    first_unset_ = ~now != 0 && next < cap_ ? LowestUnset::at(next) : LowestUnset{};
  }

  /// The counts after a bit of block b was set; returns the block's new count. `ranked`: the
  /// bit was the lowest 0 with its decrement owed, so the rank counts hold it already.
  HISLAB_ALWAYS_INLINE unsigned count_set(std::size_t b, bool ranked) noexcept {
    const unsigned c = ++c0_[b];
    if (!ranked) add_counts(b, 1);
    ++count_;
    return c;
  }
  /// The block count and count_ after a bit of block b was cleared (the rank counts are
  /// cleared()'s or owe_lowest()'s); returns the block's old count.
  HISLAB_ALWAYS_INLINE unsigned count_reset(std::size_t b) noexcept {
    const unsigned c = c0_[b]--;
    --count_;
    return c;
  }

  HISLAB_ALWAYS_INLINE void after_set(std::size_t b, bool ranked) noexcept {
    const unsigned c = count_set(b, ranked);
    if (HISLAB_UNLIKELY(c == 1)) on_nonempty(b);
    // Not marked unlikely: in a full slab under churn every insert fills a block.
    if (full_at(b, c)) on_full(b);
  }

  /// Bit i (in block b) was just cleared; fz is first_unset_ before. i is the new lowest 0 when
  /// it is below a known one, or below the hint block (all of whose predecessors are full, as b
  /// was): then its rank counts are owed. Otherwise they are paid, and a known lowest 0 stays,
  /// an unknown one unknown.
  HISLAB_ALWAYS_INLINE void cleared(std::size_t i, std::size_t b, LowestUnset fz) noexcept {
    if (fz.known_above(i) || b < hint_)
      owe_lowest(i, fz);
    else
      add_counts(b, ~std::uint32_t{0});
  }

  /// Bit i, just cleared, is the new lowest 0 (fz: first_unset_ before). Its decrement of the
  /// rank counts is owed rather than paid: the insert that takes i back, the next one, then
  /// pays no increment either. A decrement still owed for the lowest 0 before is paid now.
  HISLAB_ALWAYS_INLINE void owe_lowest(std::size_t i, LowestUnset fz) noexcept {
    pay_owed(fz);
    first_unset_ = LowestUnset::at(i, true);
  }
  /// Pays the decrement that the first_unset_ value fz owes, if it owes one.
  HISLAB_ALWAYS_INLINE void pay_owed(LowestUnset fz) noexcept {
    if (HISLAB_UNLIKELY(fz.owed())) add_counts(detail::block_of(fz.bit()), ~std::uint32_t{0});
  }

  /// After bit i was cleared.
  HISLAB_ALWAYS_INLINE void after_reset(std::size_t i) noexcept {
    const std::size_t b = detail::block_of(i);
    const unsigned c = count_reset(b);
    cleared(i, b, first_unset_);
    if (full_at(b, c)) on_not_full(b);
    if (HISLAB_UNLIKELY(c == 1)) emptied(b);
  }

  /// Block b has just become empty. The hint keeps its non-empty bit and has its full bit set
  /// (both stale), so that the next insert, which refills it, changes no summary: a slab whose
  /// only element is made and dropped over and over stays on the inline paths. Any other block
  /// clears its non-empty bits.
  HISLAB_OUT_OF_LINE void emptied(std::size_t b) noexcept {
    if (b != hint_) return on_empty(b);
    if (!full_bit(b)) mark_full(b);
  }

  /// set_first_unset() in general: the lowest 0 found by a block probe when it is not known,
  /// every summary update.
  HISLAB_OUT_OF_LINE index_type set_first_unset_out_of_line() noexcept {
    settle();
    const index_type i = find_first_unset();
    if (HISLAB_UNLIKELY(i == npos)) return npos;
    const bool ranked = first_unset_.owed();  // then i is the lowest 0 that is owed
    take_lowest(i);
    after_set(detail::block_of(i), ranked);
    return i;
  }

  /// Clears bit i, which is set; `old` is its word. The common clearings are inline: in a full
  /// block below the hint (a full slab under churn) the bit is parked (park()), and in a block
  /// that neither fills nor empties only the counts change. Every other goes out of line,
  /// through clear_set_out_of_line(), so that this path makes no call and needs few registers.
  HISLAB_ALWAYS_INLINE void clear_set(std::size_t i, std::uint64_t old) noexcept {
    const std::uint64_t now = old & ~bit_of(i);
    const std::size_t b = detail::block_of(i);
    const std::size_t h = hint_;
    const LowestUnset fz = first_unset_;
    // Every member is read before the first store: a store to a block word may alias the
    // std::size_t members as far as the compiler knows, and would make it load them again
    // (the churn_16B/hislab row and `sh bench/instructions.sh churn` show it).
    if (b < h) {
      // A bit of a full block below the hint: the new lowest 0, parked unless a bit is parked
      // already, or the block would empty (a last block of one bit: its non-empty bit would
      // be wrong).
      if (HISLAB_LIKELY(now != 0 && !fz.parked())) return park(i, now, fz);
      return clear_set_out_of_line(i);
    }
    // At or above the hint, a parked bit (below it, and the lowest 0) stays parked: clearing
    // this one moves no hint down and pays its own counts.
    const unsigned c = c0_[b];
    // A block that was full (at or above the hint), one emptied, or the shorter last block no
    // longer full: out of line. The hint block emptying with its full bit set keeps both bits
    // (see emptied()), so stays inline.
    if (HISLAB_UNLIKELY(c == detail::block_bits || c == 1 || fills_last(b, c)))
      if (c != 1 || b != h || !full_bit(h)) return clear_set_out_of_line(i);
    cleared(i, b, fz);
    count_reset(b);
    word_of(i) = now;
  }

  /// Bit i of a full block below the hint is cleared (`now`: its word after) and becomes the
  /// lowest 0; fz is first_unset_ before, not parked. Only the word and the cache change: every
  /// summary still counts i as set, so the insert that takes i back, the next one, changes none
  /// either. Any other operation settles it first (settle_parked()). An owed decrement of the
  /// lowest 0 before is paid.
  HISLAB_ALWAYS_INLINE void park(std::size_t i, std::uint64_t now, LowestUnset fz) noexcept {
    pay_owed(fz);
    first_unset_ = LowestUnset::parked_at(i);
    --count_;
    word_of(i) = now;
  }

  /// settle_parked() if a bit is parked: what every path but the two inline ones does first.
  HISLAB_ALWAYS_INLINE void settle() noexcept {
    if (HISLAB_UNLIKELY(first_unset_.parked())) settle_parked();
  }

  /// The summaries catch up with the parked bit: what clearing it would have done, then. Its
  /// block is no longer full and becomes the hint; its rank counts are owed.
  HISLAB_OUT_OF_LINE void settle_parked() noexcept {
    const std::size_t i = first_unset_.bit();
    first_unset_ = LowestUnset{};
    ++count_;  // park() took it off already; after_reset() takes it off again
    after_reset(i);
  }

  /// clear_set() of a bit whose clearing changes a summary, or while a bit is parked.
  HISLAB_OUT_OF_LINE void clear_set_out_of_line(std::size_t i) noexcept {
    settle();
    word_of(i) &= ~bit_of(i);
    after_reset(i);
  }

  HISLAB_OUT_OF_LINE void on_nonempty(std::size_t pos) noexcept {
    // Every first bit of a block comes here, so the first bit ever set does: before it, no
    // word can be full and the padding is not read.
    if (HISLAB_UNLIKELY(!padded_)) write_padding();
    if (pos >= lv_->used_blocks) lv_->used_blocks = pos + 1;
    for (int l = 1; l <= levels_; ++l) {
      std::uint64_t& w = lv_->nonempty[l][pos >> detail::group_shift];
      const std::uint64_t old = w;
      w = old | (std::uint64_t{1} << (pos % detail::group_size));
      if (old != 0) return;
      pos >>= 6;
    }
  }

  /// The padding 1s of level l's last full word: its bits past the level's children.
  std::uint64_t padding(int l) const noexcept {
    const std::size_t valid = lv_->n[l - 1] - 64 * (lv_->n[l] - 1);
    return valid == 64 ? 0 : ~std::uint64_t{0} << valid;
  }
  /// Writes the padding 1s of each level's last full word (children past the end read full).
  /// Fresh memory reads 0, so a word without padding is not written.
  void write_padding() noexcept {
    for (int l = 1; l <= levels_; ++l)
      if (const std::uint64_t p = padding(l); p != 0) lv_->full[l][lv_->n[l] - 1] = p;
    padded_ = true;
  }

  HISLAB_OUT_OF_LINE void on_empty(std::size_t pos) noexcept {
    for (int l = 1; l <= levels_; ++l) {
      std::uint64_t& w = lv_->nonempty[l][pos >> detail::group_shift];
      w &= ~(std::uint64_t{1} << (pos % detail::group_size));
      if (w != 0) return;
      pos >>= 6;
    }
  }

  bool full_bit(std::size_t b) const noexcept {
    return ((full1_[b >> detail::group_shift] >> (b % detail::group_size)) & 1u) != 0;
  }

  HISLAB_OUT_OF_LINE void mark_full(std::size_t pos) noexcept {
    for (int l = 1; l <= levels_; ++l) {
      std::uint64_t& w = lv_->full[l][pos >> detail::group_shift];
      w |= std::uint64_t{1} << (pos % detail::group_size);
      if (w != ~std::uint64_t{0}) break;
      pos >>= 6;
    }
  }

  HISLAB_OUT_OF_LINE void mark_not_full(std::size_t pos) noexcept {
    for (int l = 1; l <= levels_; ++l) {
      std::uint64_t& w = lv_->full[l][pos >> detail::group_shift];
      const std::uint64_t old = w;
      w = old & ~(std::uint64_t{1} << (pos % detail::group_size));
      if (old != ~std::uint64_t{0}) break;
      pos >>= 6;
    }
  }

  // next_hint_ is the lowest non-full block above hint_ when known (none when not): a block
  // that empties below the hint and fills up again hands the hint straight back to it, without
  // a descent.
  HISLAB_ALWAYS_INLINE void on_full(std::size_t b) noexcept {
    if (b == hint_) {
      // Only hint_'s bit can be stale, and a stale bit is a set one: then it is exact already.
      if (HISLAB_UNLIKELY(!full_bit(b))) mark_full(b);
      const std::size_t next = next_hint_;
      if (next != none) {
        hint_up(next);
      } else {
        // A sequential fill: the block after the new hint is the one after that; its line (and
        // that of its count) will be cold by then, so start fetching it 512 inserts ahead.
        const std::size_t h = first_not_full_block();
        hint_up(h);
        detail::prefetch_for_write(blocks_ + h + 1);
        detail::prefetch_for_write(c0_ + h + 1);
      }
    } else {
      mark_full(b);
      if (b == next_hint_) next_hint_ = none;
    }
  }

  /// The hint moves down to b, a block that was full, from h: every block between them is full,
  /// so h is the next non-full block.
  HISLAB_ALWAYS_INLINE void hint_down(std::size_t b, std::size_t h) noexcept {
    next_hint_ = h;
    hint_ = b;
  }
  /// The hint moves up to h; the next non-full block above it is not known.
  HISLAB_ALWAYS_INLINE void hint_up(std::size_t h) noexcept {
    hint_ = h;
    next_hint_ = none;
  }
  /// True when the hint h (n0_ when every block is full) has its full bit set: stale.
  HISLAB_ALWAYS_INLINE bool hint_bit_set(std::size_t h) const noexcept { return h < n0_ && full_bit(h); }

  HISLAB_ALWAYS_INLINE void on_not_full(std::size_t b) noexcept {
    const std::size_t h = hint_;
    if (b < h) {
      // b becomes the hint and may keep its (now stale) full bit; the old hint loses the
      // exemption, so its bit must become exact: it is not full, so clear it if set. Every block
      // between b and the old hint is full, so the old hint is the next non-full block.
      if (HISLAB_UNLIKELY(hint_bit_set(h))) {
        mark_not_full(h);
        if (c0_[h] == 0) on_empty(h);  // its non-empty bit was the stale one too (emptied())
      }
      hint_down(b, h);
    } else {
      mark_not_full(b);
      // Lower a known next hint; an unknown one stays unknown (a lower block may be non-full).
      if (next_hint_ != none && b < next_hint_) next_hint_ = b;
    }
  }

  /// The lowest non-full block (n0_ when every block is full), out of line.
  HISLAB_OUT_OF_LINE std::size_t first_not_full_block() const noexcept {
    return detail::first_not_full_block(lv_->full, levels_, n0_);
  }
  /// The first non-empty block at or after `pos`, or `none`.
  std::size_t next_nonempty_block(std::size_t pos) const noexcept {
    return detail::next_nonempty_block(lv_->nonempty, lv_->n, levels_, pos);
  }

  void clear_node(int l, std::size_t j) noexcept {
    std::uint64_t bits = lv_->nonempty[l][j];
    while (bits != 0) {
      const std::size_t child = j * 64 + static_cast<unsigned>(std::countr_zero(bits));
      bits &= bits - 1;
      if (l == 1) {
        blocks_[child] = detail::Block512{};
        c0_[child] = 0;
      } else {
        clear_node(l - 1, child);
      }
    }
    lv_->nonempty[l][j] = 0;
    lv_->full[l][j] = j + 1 == lv_->n[l] ? padding(l) : 0;
    lv_->counts[l][j] = 0;
  }

  /// What the cold paths use: the region and each level's arrays and sizes. On the heap (one
  /// allocation per bitmap), so that the object keeps only what the hot paths read first and
  /// a slab that embeds one stays small.
  struct Levels {
    MmapRegion region;
    std::uint64_t* full[max_levels + 1]{};      // [1 .. levels_]
    std::uint64_t* nonempty[max_levels + 1]{};  // [1 .. levels_]
    std::uint32_t* counts[max_levels + 1]{};    // [1 .. levels_]
    std::size_t n[max_levels + 1]{};            // n[0] blocks, n[l] words at level l
    std::size_t used_blocks = 0;                // blocks [0, it) may have pages resident: set or populated
  };

  detail::Block512* blocks_ = nullptr;
  std::uint16_t* c0_ = nullptr;
  std::uint32_t* counts1_ = nullptr;  // lv_->counts[1]: every insert and erase adds to it
  std::uint64_t* full1_ = nullptr;    // lv_->full[1]: the hint's full bit is read under churn
  int levels_ = 0;
  unsigned last_bits_ = 0;
  // hint_, first_unset_ and next_hint_ are kept apart: stored side by side on one path, GCC 12
  // merges adjacent 8-byte stores into one 16-byte vector store, from which the next
  // operation's 8-byte load of one half may not be forwarded (docs/design.md, the cached
  // lowest 0). The churn_16B/hislab row of bench/README.md is where a change here shows.
  std::size_t hint_ = 0;  // lowest non-full block; every block below it is full
  std::size_t n0_ = 0;    // blocks
  // The lowest 0 bit when known: it lies in hint_ and, when owed, the rank counts still count
  // it as set (owe_lowest()).
  LowestUnset first_unset_;
  size_type cap_ = 0;
  size_type count_ = 0;
  std::size_t next_hint_ = none;  // lowest non-full block above hint_, when known
  bool padded_ = false;           // the padding 1s are written: from the first bit ever set on
  std::unique_ptr<Levels> lv_;    // null exactly when cap_ is 0
};

HISLAB_NAMESPACE_END
