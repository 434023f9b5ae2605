#pragma once
// Exactly uniform sampling over a ranked set: a uniform rank, then the element of that rank
// (HierBitmap::select, O(log capacity)). Shared by the occupied and the tagged samplers.

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "../types.hpp"

HISLAB_NAMESPACE_BEGIN
namespace detail {

/// A uniform integer in [0, n), n > 0. std::uniform_int_distribution is exact (it rejects) and
/// deterministic for a given generator state.
template <class G>
size_type uniform_below(G& g, size_type n) {
  return std::uniform_int_distribution<size_type>(0, n - 1)(g);
}

/// n draws with replacement: out = nth(uniform rank), n times.
template <class G, class Nth, class Out>
Out sample_many(G& g, std::size_t n, size_type total, Nth&& nth, Out out) {
  if (total == 0) return out;
  for (std::size_t k = 0; k < n; ++k) *out++ = nth(uniform_below(g, total));
  return out;
}

/// min(n, total) distinct elements, every subset of that size equally likely.
/// - dense requests (n >= total / 8, which includes n >= total): selection sampling over the
///   set in ascending order (Knuth's Algorithm S), O(total), no allocation;
/// - sparse requests: Floyd's algorithm over ranks, O(n log capacity); the ranks already taken
///   live in a stack array for n <= 64, in a bitset of total bits beyond that.
template <class G, class Nth, class ForEach, class Out>
Out sample_unique(G& g, std::size_t n, size_type total, Nth&& nth, ForEach&& for_each, Out out) {
  if (total == 0 || n == 0) return out;
  if (n >= total / 8) {
    std::size_t need = n < total ? n : total;
    size_type left = total;
    for_each([&](index_type i) {
      if (need != 0 && (need >= left || uniform_below(g, left) < need)) {
        *out++ = i;
        --need;
      }
      --left;
    });
    return out;
  }
  const auto m = static_cast<size_type>(n);
  if (m <= 64) {
    size_type taken[64];
    size_type count = 0;
    auto has = [&](size_type r) {
      for (size_type k = 0; k < count; ++k)
        if (taken[k] == r) return true;
      return false;
    };
    for (size_type j = total - m; j < total; ++j) {
      size_type t = uniform_below(g, j + 1);
      if (has(t)) t = j;
      taken[count++] = t;
      *out++ = nth(t);
    }
    return out;
  }
  std::vector<std::uint64_t> taken((std::size_t{total} + 63) / 64);
  for (size_type j = total - m; j < total; ++j) {
    size_type t = uniform_below(g, j + 1);
    if ((taken[t / 64] >> (t % 64)) & 1u) t = j;
    taken[t / 64] |= std::uint64_t{1} << (t % 64);
    *out++ = nth(t);
  }
  return out;
}

}  // namespace detail
HISLAB_NAMESPACE_END
