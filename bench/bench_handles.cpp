// Safe handles: what generations cost (SlotMap against HiSlab), and the owning Slot's lifecycle
// (LocalPool) against new/delete, std::unique_ptr, boost::object_pool and HiSlab by index.
//
// Names "<workload>/<peer>/<N>", HiSlab the baseline ("hislab"), so report.py prints each peer's
// time per operation and its ratio to HiSlab's from the same run:
//   slotmap_churn_16B, slotmap_get_16B, slotmap_iterate_16B   10^6 live, 16-byte elements
//   lifecycle_hot_<B>B     insert, read through the handle, drop; the same slot every time
//   lifecycle_cold_<B>B    10^5 live, a random one dropped and a new one made in its place
//   latency_slot           cycles of each Slot insert and drop (rdtsc), 10^5 live
#include <benchmark/benchmark.h>

#include <hislab/hislab.hpp>

#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#if HISLAB_BENCH_HAVE_BOOST
#include <boost/pool/object_pool.hpp>
#endif

#include "latency.hpp"

namespace {

constexpr std::uint32_t kLive = 1'000'000;
constexpr std::uint32_t kColdLive = 100'000;

struct E16 {
  std::uint64_t key, pad;
};

/// Random positions in [0, n), fixed seed.
std::vector<std::uint32_t> positions(std::uint32_t n, std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> out(count);
  for (auto& p : out) p = rng() % n;
  return out;
}

// ---- SlotMap against HiSlab ------------------------------------------------------------------

struct SlabSide {
  static constexpr const char* name = "hislab";
  using Handle = hislab::index_type;
  hislab::HiSlab<E16> c{hislab::Options{kLive, kLive, hislab::HugePages::Advise, false}};
  Handle insert(std::uint64_t k) { return c.insert(E16{k, 0}); }
  void erase(Handle h) { c.erase(h); }
  const E16* get(Handle h) const { return c.get(h); }
};
struct MapSide {
  static constexpr const char* name = "slotmap";
  using Handle = hislab::Key<>;
  hislab::SlotMap<E16> c{hislab::Options{kLive, kLive, hislab::HugePages::Advise, false}};
  Handle insert(std::uint64_t k) { return c.insert(E16{k, 0}); }
  void erase(Handle h) { c.erase(h); }
  const E16* get(Handle h) const { return c.get(h); }
};

template <class Side>
struct Filled {
  Side side;
  std::vector<typename Side::Handle> handles;
  std::vector<std::uint32_t> pos = positions(kLive, 1u << 20, 7);
  Filled() {
    handles.reserve(kLive);
    for (std::uint32_t i = 0; i < kLive; ++i) handles.push_back(side.insert(i));
  }
};

template <class Side>
void BM_map_churn(benchmark::State& state) {
  Filled<Side> f;
  std::uint64_t next = kLive, i = 0;
  for (auto _ : state) {
    auto& h = f.handles[f.pos[i++ & ((1u << 20) - 1)]];
    f.side.erase(h);
    h = f.side.insert(next++);
  }
  benchmark::DoNotOptimize(f.side.get(f.handles[0]));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Side>
void BM_map_get(benchmark::State& state) {
  Filled<Side> f;
  std::uint64_t sum = 0, i = 0;
  for (auto _ : state) {
    const E16* e = f.side.get(f.handles[f.pos[i++ & ((1u << 20) - 1)]]);
    sum += e->key;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Side>
void BM_map_iterate(benchmark::State& state) {
  Filled<Side> f;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (auto&& e : f.side.c) sum += e.value.key;
  }
  benchmark::DoNotOptimize(sum);
  if (sum != static_cast<std::uint64_t>(state.iterations()) * (std::uint64_t{kLive} * (kLive - 1) / 2))
    state.SkipWithError("checksum mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kLive);
}

// ---- the Slot lifecycle ----------------------------------------------------------------------

template <std::size_t B>
struct Obj {
  std::uint64_t key;
  char pad[B - sizeof(std::uint64_t)];
  explicit Obj(std::uint64_t k) : key(k) {}
};

template <std::size_t B>
struct ObjPool : hislab::LocalPool<ObjPool<B>, Obj<B>> {};

template <std::size_t B>
struct SlotPeer {
  static constexpr const char* name = "slot";
  using Handle = hislab::Slot<Obj<B>, ObjPool<B>>;
  SlotPeer() {
    if (!ObjPool<B>::is_initialized()) ObjPool<B>::init(hislab::Options{kColdLive, 1u << 20});
  }
  Handle make(std::uint64_t k) { return ObjPool<B>::insert(k); }
  std::uint64_t read(const Handle& h) { return h->key; }
  void drop(Handle& h) { h = Handle{}; }
};
template <std::size_t B>
struct SlabPeer {
  static constexpr const char* name = "hislab";
  using Handle = hislab::index_type;
  hislab::HiSlab<Obj<B>> s{hislab::Options{kColdLive, 1u << 20}};
  Handle make(std::uint64_t k) { return s.emplace(k); }
  std::uint64_t read(Handle h) { return s[h].key; }
  void drop(Handle h) { s.erase(h); }
};
template <std::size_t B>
struct NewDeletePeer {
  static constexpr const char* name = "new_delete";
  using Handle = Obj<B>*;
  Handle make(std::uint64_t k) { return new Obj<B>(k); }
  std::uint64_t read(Handle h) { return h->key; }
  void drop(Handle& h) { delete h; }
};
template <std::size_t B>
struct UniquePtrPeer {
  static constexpr const char* name = "unique_ptr";
  using Handle = std::unique_ptr<Obj<B>>;
  Handle make(std::uint64_t k) { return std::make_unique<Obj<B>>(k); }
  std::uint64_t read(const Handle& h) { return h->key; }
  void drop(Handle& h) { h.reset(); }
};
#if HISLAB_BENCH_HAVE_BOOST
template <std::size_t B>
struct ObjectPoolPeer {
  static constexpr const char* name = "boost_object_pool";
  using Handle = Obj<B>*;
  // object_pool::destroy keeps its free list ordered (O(free blocks)): dropping 10^5 objects one
  // by one is quadratic, so the pool's destructor frees what is left (linear).
  static constexpr bool destructor_frees_all = true;
  boost::object_pool<Obj<B>> pool;
  Handle make(std::uint64_t k) { return pool.construct(k); }
  std::uint64_t read(Handle h) { return h->key; }
  void drop(Handle h) { pool.destroy(h); }
};
#endif

template <class Peer>
void BM_lifecycle_hot(benchmark::State& state) {
  Peer peer;
  std::uint64_t sum = 0, k = 0;
  for (auto _ : state) {
    auto h = peer.make(k++);
    benchmark::DoNotOptimize(h);  // the handle escapes: no allocator pair can be elided
    sum += peer.read(h);
    peer.drop(h);
  }
  benchmark::DoNotOptimize(sum);
  const auto n = static_cast<std::uint64_t>(state.iterations());
  if (sum != n * (n - 1) / 2) state.SkipWithError("checksum mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Peer>
void BM_lifecycle_cold(benchmark::State& state) {
  Peer peer;
  std::vector<typename Peer::Handle> live;
  live.reserve(kColdLive);
  for (std::uint32_t i = 0; i < kColdLive; ++i) live.push_back(peer.make(i));
  const auto pos = positions(kColdLive, 1u << 20, 9);
  std::uint64_t sum = 0, k = kColdLive, i = 0;
  for (auto _ : state) {
    auto& h = live[pos[i++ & ((1u << 20) - 1)]];
    sum += peer.read(h);
    peer.drop(h);
    h = peer.make(k++);
    benchmark::DoNotOptimize(h);
  }
  benchmark::DoNotOptimize(sum);
  if constexpr (!requires { Peer::destructor_frees_all; })
    for (auto& h : live) peer.drop(h);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/// Cycles of each Slot insert and each drop, 10^5 live, random order.
void BM_latency_slot(benchmark::State& state) {
  SlotPeer<64> peer;
  using hislab_bench::Clock;
  std::vector<hislab::Slot<Obj<64>, ObjPool<64>>> live(kColdLive);
  for (std::uint32_t i = 0; i < kColdLive; ++i) live[i] = peer.make(i);
  const auto pos = positions(kColdLive, kColdLive, 5);
  std::vector<std::uint32_t> samples(2 * std::size_t{kColdLive}, 1);
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < kColdLive; ++i) {
      auto& h = live[pos[i]];
      auto t0 = Clock::begin();
      h = {};
      samples[2 * i] = hislab_bench::net(t0, Clock::end());
      t0 = Clock::begin();
      h = ObjPool<64>::insert(std::uint64_t{i});
      samples[2 * i + 1] = hislab_bench::net(t0, Clock::end());
    }
  }
  hislab_bench::report_percentiles(state, samples);
}

template <template <std::size_t> class Peer, std::size_t B>
void add_lifecycle() {
  const std::string b = std::to_string(B) + "B/";
  benchmark::RegisterBenchmark(("lifecycle_hot_" + b + Peer<B>::name + "/1").c_str(),
                               BM_lifecycle_hot<Peer<B>>);
  benchmark::RegisterBenchmark(
      ("lifecycle_cold_" + b + Peer<B>::name + "/" + std::to_string(kColdLive)).c_str(),
      BM_lifecycle_cold<Peer<B>>);
}

template <class Side>
void add_map() {
  const std::string n = "/" + std::to_string(kLive);
  benchmark::RegisterBenchmark((std::string("slotmap_churn_16B/") + Side::name + n).c_str(),
                               BM_map_churn<Side>);
  benchmark::RegisterBenchmark((std::string("slotmap_get_16B/") + Side::name + n).c_str(), BM_map_get<Side>);
  benchmark::RegisterBenchmark((std::string("slotmap_iterate_16B/") + Side::name + n).c_str(),
                               BM_map_iterate<Side>);
}

template <std::size_t B>
void add_lifecycles() {
  add_lifecycle<SlabPeer, B>();
  add_lifecycle<SlotPeer, B>();
  add_lifecycle<NewDeletePeer, B>();
  add_lifecycle<UniquePtrPeer, B>();
#if HISLAB_BENCH_HAVE_BOOST
  add_lifecycle<ObjectPoolPeer, B>();
#endif
}

}  // namespace

int main(int argc, char** argv) {
  add_map<SlabSide>();
  add_map<MapSide>();
  add_lifecycles<64>();
  add_lifecycles<256>();
  benchmark::RegisterBenchmark("latency_slot/slot/100000", BM_latency_slot)->Iterations(3);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
