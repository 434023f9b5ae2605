#pragma once
// Exactly uniform sampling over a ranked set: a uniform rank, then the element of that rank
// (HierBitmap::select or select_many, O(log capacity)). Shared by the occupied and the tagged
// samplers. A ranked set is what HierBitmap offers: count(), select(rank), select_many(ranks, n,
// out) and for_each_set(f), indices in ascending order; the slabs' occupied slots adapt to it.

#include <cstddef>
#include <cstdint>
#include <random>
#include <type_traits>

#include "../hier_bitmap.hpp"
#include "../types.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// What the sampling functions take: a std::uniform_random_bit_generator, lvalue or temporary.
template <class G>
concept random_generator = std::uniform_random_bit_generator<std::remove_cvref_t<G>>;

/// A uniform integer in [0, n), n > 0. std::uniform_int_distribution is exact (it rejects) and
/// deterministic for a given generator state.
template <class G>
size_type uniform_below(G& g, size_type n) {
  return std::uniform_int_distribution<size_type>(0, n - 1)(g);
}

/// One draw: a uniformly random member of `set`, npos when it is empty.
template <class G, class Set>
index_type sample_one(G& g, const Set& set) {
  const size_type total = set.count();
  return total == 0 ? npos : set.select(uniform_below(g, total));
}

/// n draws with replacement, the ranks drawn in order. Whole batches go through
/// set.select_many(), HierBitmap::select_batch_size ranks at once (their cache misses overlap);
/// the remainder through set.select(), which for one draw costs ~40 instructions less than a
/// batch of one (bench/instructions.sh, sample_index).
template <class G, class Set, class Out>
Out sample_many(G& g, std::size_t n, const Set& set, Out out) {
  const size_type total = set.count();
  if (total == 0) return out;
  constexpr std::size_t batch = HierBitmap::select_batch_size;
  for (; n >= batch; n -= batch) {
    size_type ranks[batch];
    index_type found[batch];
    for (auto& r : ranks) r = uniform_below(g, total);
    set.select_many(ranks, batch, found);
    for (const index_type i : found) *out++ = i;
  }
  for (; n != 0; --n) *out++ = set.select(uniform_below(g, total));
  return out;
}

/// Writes nth(r) for k distinct ranks r of [lo, lo + size), k <= size, every k-subset equally
/// likely, in O(k log(k / Leaf)) generator calls and no allocation:
/// - up to Leaf ranks: Floyd's algorithm, the ranks taken so far in a stack array;
/// - more: halve the range. How many of the k fall in the lower half is hypergeometric; it is
///   drawn exactly by playing out k draws without replacement from an urn holding the two
///   halves' slots. Given that split, each half gets a uniform subset of its share,
///   independently, which is what a uniform k-subset of the whole range is. The depth is at most
///   32 (the range halves each time).
template <std::size_t Leaf, class G, class Nth, class Out>
Out unique_ranks(G& g, size_type lo, size_type size, size_type k, Nth& nth, Out out) {
  static_assert(Leaf >= 1);
  if (k == 0) return out;
  if (k == size) {
    for (size_type r = 0; r < size; ++r) *out++ = nth(lo + r);
    return out;
  }
  if (k <= Leaf) {
    size_type taken[Leaf];
    size_type count = 0;
    auto has = [&](size_type r) {
      for (size_type j = 0; j < count; ++j)
        if (taken[j] == r) return true;
      return false;
    };
    for (size_type j = size - k; j < size; ++j) {
      size_type t = uniform_below(g, j + 1);
      if (has(t)) t = j;
      taken[count++] = t;
      *out++ = nth(lo + t);
    }
    return out;
  }
  const size_type low = size / 2;
  size_type in_low = low, in_high = size - low, drawn_low = 0;
  for (size_type d = 0; d < k; ++d) {
    if (uniform_below(g, in_low + in_high) < in_low) {
      --in_low;
      ++drawn_low;
    } else {
      --in_high;
    }
  }
  out = unique_ranks<Leaf>(g, lo, low, drawn_low, nth, out);
  return unique_ranks<Leaf>(g, lo + low, size - low, k - drawn_low, nth, out);
}

/// min(n, total) distinct elements, every subset of that size equally likely, no allocation.
/// - dense requests (n >= total / 8, which includes n >= total): selection sampling over the
///   set in ascending order (Knuth's Algorithm S), O(total);
/// - sparse requests: unique_ranks over [0, total), then set.select() of each rank:
///   O(n log capacity) plus O(n log(n / 64)) generator calls.
template <class G, class Set, class Out>
Out sample_unique(G& g, std::size_t n, const Set& set, Out out) {
  const size_type total = set.count();
  if (total == 0 || n == 0) return out;
  if (n >= total / 8) {
    std::size_t need = n < total ? n : total;
    size_type left = total;
    set.for_each_set([&](index_type i) {
      if (need != 0 && (need >= left || uniform_below(g, left) < need)) {
        *out++ = i;
        --need;
      }
      --left;
    });
    return out;
  }
  auto nth = [&set](size_type r) { return set.select(r); };
  return unique_ranks<64>(g, 0, total, static_cast<size_type>(n), nth, out);
}

}  // namespace detail
HISLAB_NAMESPACE_END
