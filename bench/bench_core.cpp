// The core comparison: HiSlab against the index free-list slab and new/delete, 16-byte
// elements. Each benchmark reports items/s; compare ratios within one run (bench/report.py).
#include <benchmark/benchmark.h>

#include <hislab/hislab.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "free_list_slab.hpp"

namespace {

struct Item {
  std::uint64_t key;
  std::uint64_t payload;
};
static_assert(sizeof(Item) == 16);

// ---- adapters: one interface per peer ------------------------------------------------------

struct HiSlabPeer {
  using handle = std::uint32_t;
  hislab::HiSlab<Item> slab;
  explicit HiSlabPeer(std::uint32_t n, bool prefault = false)
      : slab(hislab::Options{prefault ? n : 0, n + 1024, hislab::HugePages::Advise, false}) {}
  handle insert(std::uint64_t k) { return slab.emplace(k, k * 3); }
  void remove(handle h) { slab.erase(h); }
  std::uint64_t get(handle h) { return slab.get(h)->payload; }
  template <class F>
  void each(F&& f) {
    slab.for_each([&](std::uint32_t, Item& it) { f(it); });
  }
};

struct FreeListPeer {
  using handle = std::uint32_t;
  hislab_bench::FreeListSlab<Item> slab;
  explicit FreeListPeer(std::uint32_t n, bool prefault = false) : slab(prefault ? n : 0) {}
  handle insert(std::uint64_t k) { return slab.emplace(k, k * 3); }
  void remove(handle h) { slab.remove(h); }
  std::uint64_t get(handle h) { return slab.get(h)->payload; }
  template <class F>
  void each(F&& f) {
    slab.for_each([&](std::uint32_t, Item& it) { f(it); });
  }
};

struct NewDeletePeer {
  using handle = Item*;
  std::vector<Item*> live;  // what a user of new/delete keeps to iterate
  explicit NewDeletePeer(std::uint32_t, bool = false) {}
  ~NewDeletePeer() {
    for (Item* p : live)
      if (p) delete p;
  }
  handle insert(std::uint64_t k) { return new Item{k, k * 3}; }
  void remove(handle h) { delete h; }
  std::uint64_t get(handle h) { return h->payload; }
};

std::vector<std::uint32_t> random_positions(std::size_t count, std::uint32_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> v(count);
  for (auto& x : v) x = static_cast<std::uint32_t>(rng() % n);
  return v;
}

// ---- workloads ----------------------------------------------------------------------------

template <class Peer, bool Prefault>
void BM_fill(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::uint64_t check = 0;
  for (auto _ : state) {
    state.PauseTiming();
    {
      auto peer = std::make_unique<Peer>(n, Prefault);
      state.ResumeTiming();
      for (std::uint32_t i = 0; i < n; ++i) {
        auto h = peer->insert(i);
        if constexpr (std::is_pointer_v<decltype(h)>)
          peer->live.push_back(h);
        else
          check += h;
      }
      state.PauseTiming();
    }
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(check);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

/// Steady churn at n live: remove a uniformly random live element, insert a new one.
template <class Peer>
void BM_churn(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  Peer peer(n, true);
  std::vector<typename Peer::handle> handles(n);
  for (std::uint32_t i = 0; i < n; ++i) handles[i] = peer.insert(i);
  const auto pos = random_positions(1 << 20, n, 42);
  std::size_t k = 0;
  std::uint64_t check = 0;
  for (auto _ : state) {
    const std::uint32_t p = pos[k++ & ((1 << 20) - 1)];
    peer.remove(handles[p]);
    handles[p] = peer.insert(k);
    if constexpr (!std::is_pointer_v<typename Peer::handle>) check += handles[p];
  }
  benchmark::DoNotOptimize(check);
  if constexpr (std::is_pointer_v<typename Peer::handle>) peer.live.assign(handles.begin(), handles.end());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Peer>
void BM_get(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  Peer peer(n, true);
  std::vector<typename Peer::handle> handles(n);
  for (std::uint32_t i = 0; i < n; ++i) handles[i] = peer.insert(i);
  const auto pos = random_positions(1 << 20, n, 7);
  std::size_t k = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) sum += peer.get(handles[pos[k++ & ((1 << 20) - 1)]]);
  benchmark::DoNotOptimize(sum);
  if constexpr (std::is_pointer_v<typename Peer::handle>) peer.live.assign(handles.begin(), handles.end());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/// Iterates n inserted elements of which `live_pct` percent are left (random ones removed).
template <class Peer, int LivePct>
void BM_iterate(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  Peer peer(n, true);
  std::vector<typename Peer::handle> handles(n);
  for (std::uint32_t i = 0; i < n; ++i) handles[i] = peer.insert(i);
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937(5));
  const std::uint32_t remove = n - static_cast<std::uint32_t>(std::uint64_t{n} * LivePct / 100);
  std::uint64_t want = 0;
  for (std::uint32_t i = 0; i < remove; ++i) peer.remove(handles[order[i]]);
  for (std::uint32_t i = remove; i < n; ++i) want += order[i];
  std::uint64_t got = 0;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    peer.each([&](Item& it) { sum += it.key; });
    got = sum;
    benchmark::DoNotOptimize(sum);
  }
  if (got != want) state.SkipWithError("iteration checksum mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * (n - remove));
}

constexpr std::int64_t kSmall = 10'000;

// bench_core_nocounts.cpp compiles this file a second time, into the same binary, with the rank
// counts off (its own ABI namespace) and HiSlab named "hislab_nocounts": the cost of counting
// is then a ratio within one run.
#ifndef HISLAB_BENCH_NAME
#define HISLAB_BENCH_NAME "hislab"
#endif
constexpr std::int64_t kLarge = 1'000'000;

}  // namespace

BENCHMARK(BM_fill<HiSlabPeer, true>)
    ->Name("fill/" HISLAB_BENCH_NAME "_prefaulted")
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fill<HiSlabPeer, false>)
    ->Name("fill/" HISLAB_BENCH_NAME)
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_churn<HiSlabPeer>)->Name("churn/" HISLAB_BENCH_NAME)->Arg(kSmall)->Arg(kLarge);
BENCHMARK(BM_get<HiSlabPeer>)->Name("get/" HISLAB_BENCH_NAME)->Arg(kSmall)->Arg(kLarge);
BENCHMARK(BM_iterate<HiSlabPeer, 100>)
    ->Name("iterate_dense/" HISLAB_BENCH_NAME)
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_iterate<HiSlabPeer, 10>)
    ->Name("iterate_sparse10/" HISLAB_BENCH_NAME)
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMicrosecond);

#ifndef HISLAB_BENCH_SECOND_TU  // the peers and main() once
BENCHMARK(BM_fill<FreeListPeer, false>)
    ->Name("fill/free_list")
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fill<NewDeletePeer, false>)
    ->Name("fill/new_delete")
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_churn<FreeListPeer>)->Name("churn/free_list")->Arg(kSmall)->Arg(kLarge);
BENCHMARK(BM_churn<NewDeletePeer>)->Name("churn/new_delete")->Arg(kSmall)->Arg(kLarge);
BENCHMARK(BM_get<FreeListPeer>)->Name("get/free_list")->Arg(kSmall)->Arg(kLarge);
BENCHMARK(BM_get<NewDeletePeer>)->Name("get/new_delete")->Arg(kSmall)->Arg(kLarge);
BENCHMARK(BM_iterate<FreeListPeer, 100>)
    ->Name("iterate_dense/free_list")
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_iterate<FreeListPeer, 10>)
    ->Name("iterate_sparse10/free_list")
    ->Arg(kSmall)
    ->Arg(kLarge)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
#endif
