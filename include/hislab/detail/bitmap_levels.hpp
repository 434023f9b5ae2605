#pragma once
/// \file detail/bitmap_levels.hpp
/// The pure parts of HierBitmap, outside the class: where its arrays lie in its region, and the
/// read-only walks over its summary levels and rank counts (the first non-full block, the next
/// non-empty block, select's descent). They take the arrays as arguments and keep no state;
/// HierBitmap (hier_bitmap.hpp) keeps the public API and the caches that these never see.

#include <bit>
#include <cstddef>
#include <cstdint>

#include "../types.hpp"
#include "bit_block.hpp"
#include "platform.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// Bit i of a HierBitmap: block i >> block_shift (of block_bits), word (i >> word_shift) %
/// block_words of that block, bit i % word_bits of that word. A summary word covers
/// group_size children, and so does each group of counts.
inline constexpr unsigned block_shift = 9;
static_assert(block_bits == 1u << block_shift);
inline constexpr unsigned word_shift = 6;
inline constexpr std::size_t word_bits = std::size_t{1} << word_shift;
static_assert(block_words * word_bits == block_bits);
inline constexpr unsigned group_shift = 6;
inline constexpr std::size_t group_size = std::size_t{1} << group_shift;

/// The block holding bit i.
constexpr std::size_t block_of(std::size_t i) noexcept { return i >> block_shift; }
/// Summary words (or groups of counts) needed for n children.
constexpr std::size_t groups_for(std::size_t n) noexcept { return (n + group_size - 1) >> group_shift; }
/// Blocks needed for `bits` bits.
constexpr std::size_t blocks_for(std::size_t bits) noexcept { return (bits + block_bits - 1) >> block_shift; }

/// Summary levels at most: 2^32 bits = 2^23 blocks -> 2^17, 2^11, 2^5, 1 words.
inline constexpr int bitmap_max_levels = 4;

/// Where each array of a HierBitmap of `capacity_bits` bits lies in its one region: blocks, block
/// counts, then per level the full words, the non-empty words and the counts (each array
/// starts on a cache line; count arrays are padded with zeros to whole groups of 64, which
/// select() reads at once). `bytes` is the region's size before page rounding.
struct BitmapLayout {
  int levels = 0;                                     ///< summary levels (1 to 4)
  std::size_t n[bitmap_max_levels + 1]{};             ///< blocks (level 0), then words per summary level
  std::size_t off_blocks = 0;                         ///< byte offset of the blocks
  std::size_t off_c0 = 0;                             ///< byte offset of the per-block counts
  std::size_t off_full[bitmap_max_levels + 1]{};      ///< byte offset of each level's full words
  std::size_t off_nonempty[bitmap_max_levels + 1]{};  ///< byte offset of each level's non-empty words
  std::size_t off_counts[bitmap_max_levels + 1]{};    ///< byte offset of each level's counts
  std::size_t bytes = 0;                              ///< the region's size before page rounding
};
/// The layout of a HierBitmap of `capacity_bits` bits (creation and reservation use it).
[[nodiscard]] constexpr BitmapLayout bitmap_layout(size_type capacity_bits) noexcept {
  BitmapLayout lay;
  lay.n[0] = blocks_for(capacity_bits);
  do {
    ++lay.levels;
    lay.n[lay.levels] = groups_for(lay.n[lay.levels - 1]);
  } while (lay.n[lay.levels] > 1);
  auto align = [](std::size_t x) { return (x + 63) / 64 * 64; };
  auto group = [](std::size_t n) { return groups_for(n) * group_size; };
  std::size_t off = 0;
  lay.off_blocks = off;
  off = align(off + lay.n[0] * sizeof(Block512));
  lay.off_c0 = off;
  off = align(off + group(lay.n[0]) * sizeof(std::uint16_t));
  for (int l = 1; l <= lay.levels; ++l) {
    lay.off_full[l] = off;
    off = align(off + lay.n[l] * 8);
    lay.off_nonempty[l] = off;
    off = align(off + lay.n[l] * 8);
    // Every level has counts, so that no path asks which do: select() reads levels below the
    // top, the hot paths write level 1 whatever the height, and the top's single entry
    // (count_ again) is only written when it is level 1.
    lay.off_counts[l] = off;
    off = align(off + group(lay.n[l]) * 4);
  }
  lay.bytes = off;
  return lay;
}

/// Calls f(offset, bytes) for each array's part that blocks [first, last) of a bitmap laid out
/// as `lay` use (first < last <= lay.n[0]): their words, their counts, and the summary words
/// and counts above them, in increasing offset order. Population and locking commit these
/// ranges and accounting counts their pages (from block 0), so that the three agree.
template <class F>
constexpr void for_each_used_range(const BitmapLayout& lay, std::size_t first, std::size_t last, F&& f) {
  if (last <= first) return;
  f(lay.off_blocks + first * sizeof(Block512), (last - first) * sizeof(Block512));
  f(lay.off_c0 + first * sizeof(std::uint16_t), (last - first) * sizeof(std::uint16_t));
  std::size_t lo = first, hi = last;
  for (int l = 1; l <= lay.levels; ++l) {
    lo >>= group_shift;  // words (and counts) of level l over children [lo, hi)
    hi = groups_for(hi);
    f(lay.off_full[l] + lo * sizeof(std::uint64_t), (hi - lo) * sizeof(std::uint64_t));
    f(lay.off_nonempty[l] + lo * sizeof(std::uint64_t), (hi - lo) * sizeof(std::uint64_t));
    f(lay.off_counts[l] + lo * sizeof(std::uint32_t), (hi - lo) * sizeof(std::uint32_t));
  }
}
/// for_each_used_range() of blocks [0, blocks).
template <class F>
constexpr void for_each_used_range(const BitmapLayout& lay, std::size_t blocks, F&& f) {
  for_each_used_range(lay, 0, blocks, static_cast<F&&>(f));
}

/// The value the walkers return for "no such block".
inline constexpr std::size_t no_block = ~std::size_t{0};

/// The lowest non-full block of a bitmap whose level l full words are full[l] (l = 1 ..
/// levels), or `blocks` when every block is full: descends the first 0 of each word from the
/// top. A stale full bit (the hint's, see HierBitmap) makes it skip that block.
inline std::size_t first_not_full_block(const std::uint64_t* const* full, int levels,
                                        std::size_t blocks) noexcept {
  std::size_t pos = 0;
  for (int l = levels; l >= 1; --l) {
    const std::uint64_t w = full[l][pos];
    if (w == ~std::uint64_t{0}) return blocks;  // only possible at the top
    pos = pos * group_size + static_cast<unsigned>(std::countr_one(w));
  }
  return pos;
}

/// The first non-empty block at or after `pos`, or no_block, of a bitmap whose level l
/// non-empty words are nonempty[l] and number n[l] (l = 1 .. levels): up the summary until a
/// later bit is found, then down its first set bits.
inline std::size_t next_nonempty_block(const std::uint64_t* const* nonempty, const std::size_t* n, int levels,
                                       std::size_t pos) noexcept {
  int l = 1;
  for (;;) {
    const std::size_t w = pos >> group_shift;
    if (w >= n[l]) return no_block;
    const std::uint64_t bits = nonempty[l][w] & (~std::uint64_t{0} << (pos % group_size));
    if (bits != 0) {
      pos = (w << group_shift) | static_cast<unsigned>(std::countr_zero(bits));
      break;
    }
    if (l == levels) return no_block;
    pos = w + 1;
    ++l;
  }
  while (l > 1) {
    --l;
    pos = (pos << group_shift) | static_cast<unsigned>(std::countr_zero(nonempty[l][pos]));
  }
  return pos;
}

/// What select's descent reads of a bitmap: the rank counts of levels 1 .. levels (counts[l]:
/// one u32 per child of a level-l word, padded to whole groups of 64), the blocks' counts (c0:
/// one u16 per block, padded the same way) and the blocks.
struct RankLevels {
  const std::uint32_t* const* counts;
  const std::uint16_t* c0;
  const Block512* blocks;
  int levels;
};

/// Prefetches the group of 64 counts at level l (0: the blocks' counts) that the descent reads
/// for group g: 128 bytes of u16 at level 0, 256 bytes of u32 above.
inline void prefetch_rank_group(const RankLevels& a, int l, std::size_t g) noexcept {
  if (l == 0) {
    prefetch_for_read(a.c0 + g * group_size);
    prefetch_for_read(a.c0 + g * group_size + 32);
  } else {
    for (int line = 0; line < 4; ++line) prefetch_for_read(a.counts[l] + g * group_size + line * 16);
  }
}

/// select() for M ranks side by side, over a bitmap holding `count` > 0 set bits: out[k] is the
/// position of the set bit of rank ranks[k], or npos when ranks[k] >= count (with M == 1 the
/// caller checks its one rank). One pick among 64 counts per level, then one block; with M > 1
/// every count group and block is prefetched once the whole batch knows it, before any of them
/// is read, so that the misses of the batch overlap.
///
/// `owed_bit` is the lowest 0 when the rank counts above the blocks still count it as set (an
/// owed decrement, see HierBitmap::owe_lowest()), or when the blocks' counts do too (`parked`,
/// see HierBitmap::park()), else no_block. Every bit below it is set, so rank r < owed_bit is
/// bit r, and rank r >= owed_bit is rank r + 1 of the set with owed_bit in it, down to the
/// counts that do not hold it: where the group of 64 blocks (owed) or the block (parked) holds
/// it, the rank is taken again without it. `count` is the number of set bits, without it.
template <std::size_t M>
HISLAB_ALWAYS_INLINE void select_descent(const RankLevels& a, std::size_t count, std::size_t owed_bit,
                                         bool parked, const size_type* ranks, index_type* out) noexcept {
  static_assert(bitmap_max_levels <= 4, "BitBlock::pick_of_64 relies on level counts below 2^27");
  // Where the rank is taken again without owed_bit: its group of 64 blocks, or its block.
  const std::size_t owed_group = parked ? no_block : owed_bit >> (block_shift + group_shift);
  const std::size_t parked_block = parked ? owed_bit >> block_shift : no_block;
  std::size_t g[M];
  std::uint32_t r[M];
  bool above[M];
  for (std::size_t k = 0; k < M; ++k) {
    r[k] = M == 1 || ranks[k] < count ? ranks[k] : 0;  // out of range: a valid descent, then npos
    above[k] = r[k] >= owed_bit;
    r[k] += above[k];
    g[k] = 0;
  }
  for (int l = a.levels - 1; l >= 1; --l) {
    for (std::size_t k = 0; k < M; ++k)
      g[k] = g[k] * group_size + BitBlock::pick_of_64(a.counts[l] + g[k] * group_size, r[k]);
    if constexpr (M > 1)
      for (std::size_t k = 0; k < M; ++k) prefetch_rank_group(a, l - 1, g[k]);
  }
  for (std::size_t k = 0; k < M; ++k) {
    r[k] -= above[k] && g[k] == owed_group;
    g[k] = g[k] * group_size + BitBlock::pick_of_64(a.c0 + g[k] * group_size, r[k]);
    r[k] -= above[k] && g[k] == parked_block;
    if constexpr (M > 1) prefetch_for_read(a.blocks + g[k]);
  }
  for (std::size_t k = 0; k < M; ++k) {
    const auto i = static_cast<index_type>(g[k] * block_bits + BitBlock::select(a.blocks[g[k]], r[k]));
    out[k] = M == 1 || ranks[k] < count ? i : npos;
  }
}

}  // namespace detail
HISLAB_NAMESPACE_END
