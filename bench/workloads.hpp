#pragma once
// The throughput workloads, written once for every peer (peers.hpp): fill, churn at N live,
// random get, iterate dense and sparse. Each checks a checksum.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "peers.hpp"

namespace hislab_bench {
inline namespace HISLAB_DETAIL_ABI {

// ---- helpers --------------------------------------------------------------------------------

template <class Peer>
constexpr bool is_pointer_handle = std::is_pointer_v<typename Peer::handle>;

inline std::vector<std::uint32_t> random_positions(std::size_t count, std::uint32_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> v(count);
  for (auto& x : v) x = static_cast<std::uint32_t>(rng() % n);
  return v;
}

constexpr std::size_t kPosMask = (1u << 20) - 1;

/// Keeps a peer's handles so that the destructor can free what a pointer peer still holds.
template <class Peer>
struct Live {
  Peer& peer;
  std::vector<typename Peer::handle> handles;
  Live(Peer& p, std::size_t n) : peer(p) { handles.reserve(n); }
  ~Live() {
    if constexpr (!Peer::kIterable) {
      if constexpr (!Peer::kOwnsAll)
        for (auto h : handles) peer.remove(h);
    }
  }
};

/// What churn and get work on: a peer filled with n elements (keys 0..n-1), the key each
/// handle's element must hold, and a fixed sequence of random positions into the handles. Built
/// afresh on every call of the benchmark function: a container reused by every repetition made
/// a whole run's ratios depend on where its pages happened to land.
template <class Peer>
struct OnFilled {
  std::unique_ptr<Peer> owner;  // destroyed last: `live` frees a pointer peer's handles
  Peer& peer;
  Live<Peer> live;
  std::vector<std::uint64_t> keys;
  std::vector<std::uint32_t> pos;
  OnFilled(std::uint32_t n, std::uint32_t seed)
      : owner(std::make_unique<Peer>(n)),
        peer(*owner),
        live(peer, n),
        keys(n),
        pos(random_positions(kPosMask + 1, n, seed)) {
    for (std::uint32_t i = 0; i < n; ++i) live.handles.push_back(peer.insert(i));
    std::iota(keys.begin(), keys.end(), std::uint64_t{0});
  }
};

// ---- throughput workloads ---------------------------------------------------------------------

template <class Peer>
void BM_fill(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::uint64_t check = 0;
  for (auto _ : state) {
    state.PauseTiming();
    {
      auto peer = std::make_unique<Peer>(n);
      Live<Peer> live(*peer, n);
      // The handles' storage is written before timing, so that no peer's row pays page faults
      // of the benchmark's own vector (whether they happen depends on what the heap kept from
      // earlier rows). Only the inserts are timed; construction is the construct_ row.
      live.handles.resize(n);
      state.ResumeTiming();
      for (std::uint32_t i = 0; i < n; ++i) live.handles[i] = peer->insert(i);
      state.PauseTiming();
      check += peer->get(live.handles[n / 2]).key;
    }
    state.ResumeTiming();
  }
  if (check != std::uint64_t{n / 2} * state.iterations()) state.SkipWithError("checksum mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

/// Constructing a peer sized for n (HiSlab pre-faults its n slots; the reserved free-list slab
/// reserves its vector): the cost the fill row leaves out. Destruction is not timed.
template <class Peer>
void BM_construct(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  for (auto _ : state) {
    auto peer = std::make_unique<Peer>(n);
    benchmark::DoNotOptimize(peer.get());
    state.PauseTiming();
    peer.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

template <class Peer>
void BM_churn(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  OnFilled<Peer> on(n, 42);
  auto& [owner, peer, live, keys, pos] = on;
  std::uint64_t k = n;  // the next key: 0..n-1 are in
  const std::uint64_t first = k;
  for (auto _ : state) {
    const std::uint32_t p = pos[k & kPosMask];
    peer.remove(live.handles[p]);
    live.handles[p] = peer.insert(k++);
  }
  // Untimed: replay the positions on the expected keys, then every live element must hold its.
  for (std::uint64_t j = first; j < k; ++j) keys[pos[j & kPosMask]] = j;
  std::uint32_t wrong = 0;
  for (std::uint32_t i = 0; i < n; ++i) wrong += peer.get(live.handles[i]).key != keys[i];
  if (wrong != 0) state.SkipWithError("churn: elements hold the wrong keys");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Peer>
void BM_get(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  OnFilled<Peer> on(n, 7);
  auto& [owner, peer, live, keys, pos] = on;
  std::uint64_t want = 0;
  for (std::size_t k = 0; k <= kPosMask; ++k) want += peer.get(live.handles[pos[k]]).key;
  std::size_t k = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    sum += peer.get(live.handles[pos[k & kPosMask]]).key;
    ++k;
  }
  benchmark::DoNotOptimize(sum);
  if (k % (kPosMask + 1) == 0 && sum != want * (k / (kPosMask + 1))) state.SkipWithError("checksum mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/// n inserted, all but `pct` percent removed at random, then iterated; items = live elements.
template <class Peer, int Pct>
void BM_iterate(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto keep = static_cast<std::uint32_t>(std::uint64_t{n} * Pct / 100);
  Peer peer(n);
  Live<Peer> live(peer, n);
  std::uint64_t want = 0;
  if constexpr (requires { peer.keep_first(std::size_t{}); }) {
    for (std::uint32_t i = 0; i < keep; ++i) peer.insert(i), want += i;  // the packed floor
  } else {
    for (std::uint32_t i = 0; i < n; ++i) live.handles.push_back(peer.insert(i));
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937(5));
    for (std::uint32_t i = keep; i < n; ++i) peer.remove(live.handles[order[i]]);
    for (std::uint32_t i = 0; i < keep; ++i) want += order[i];
  }
  std::uint64_t got = 0;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    peer.each([&](auto& it) { sum += it.key; });
    got = sum;
    benchmark::DoNotOptimize(sum);
  }
  if (got != want) state.SkipWithError("iteration checksum mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * keep);
}

/// The sizes each benchmark runs at (bench_compare's --quick and --sizes= change them).
struct Config {
  // 10^7 is left out of the default (full) mode: building, shuffling and filling 10^7 elements
  // takes 25-30 s per peer, element size and repetition on a 2-core machine. Add it with
  // --sizes=10000,1000000,10000000.
  std::vector<std::int64_t> sizes{10'000, 1'000'000};
  std::int64_t latency_n = 1'000'000;
  std::int64_t memory_n = 1'000'000;
};

template <class Peer>
void add_throughput(const Config& cfg, const std::string& bytes, bool fill_only = false) {
  const std::string peer = Peer::name;
  for (auto n : cfg.sizes) {
    const std::string suffix = "/" + peer;  // Arg(n) appends "/<n>"
    // Fill and iterate time their whole container, so their iteration counts are fixed; churn
    // and get (which fill theirs untimed) are sized by time (boost::object_pool's destroy is
    // O(free chunks), so a fixed count of churn operations can take minutes).
    const auto passes = std::max<std::int64_t>(1, 2'000'000 / n);
    benchmark::RegisterBenchmark(("fill_" + bytes + suffix).c_str(), BM_fill<Peer>)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(std::max<std::int64_t>(1, 200'000 / n))
        ->UseRealTime();
    benchmark::RegisterBenchmark(("construct_" + bytes + suffix).c_str(), BM_construct<Peer>)
        ->Arg(n)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(std::max<std::int64_t>(1, 200'000 / n))
        ->UseRealTime();
    if (fill_only) continue;
    // boost::object_pool's destroy() walks its address-ordered free list: at 10^7 live, churn
    // makes that walk long and the row's time (and the run's) unbounded; its 10^6 rows stay.
    if (n > 1'000'000 && std::string_view(Peer::name) == "boost_object_pool") continue;
    benchmark::RegisterBenchmark(("churn_" + bytes + suffix).c_str(), BM_churn<Peer>)->Arg(n);
    benchmark::RegisterBenchmark(("get_" + bytes + suffix).c_str(), BM_get<Peer>)->Arg(n);
    if constexpr (Peer::kIterable) {
      benchmark::RegisterBenchmark(("iterate_dense_" + bytes + suffix).c_str(), BM_iterate<Peer, 100>)
          ->Arg(n)
          ->Iterations(passes)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("iterate_sparse10_" + bytes + suffix).c_str(), BM_iterate<Peer, 10>)
          ->Arg(n)
          ->Iterations(passes)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("iterate_sparse1_" + bytes + suffix).c_str(), BM_iterate<Peer, 1>)
          ->Arg(n)
          ->Iterations(passes)
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace HISLAB_DETAIL_ABI
}  // namespace hislab_bench
