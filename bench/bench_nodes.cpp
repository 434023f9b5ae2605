// Node containers on slabs: std::map, std::list and std::unordered_map with their nodes from
// hislab::PoolResource (through PoolAllocator: "hislab", the baseline; through std::pmr:
// "hislab_pmr"), against std::allocator, std::pmr::unsynchronized_pool_resource, Boost's
// fast_pool_allocator, foonathan's memory_pool and mimalloc.
//
// Names "<workload>/<peer>/<N>"; report.py prints each peer's time per operation and its ratio to
// HiSlab's from the same run:
//   map_churn     10^6 nodes of std::map<uint64_t, uint64_t>: erase a random key, insert a new
//                 one, find a random one (one operation = the three)
//   list_churn    10^6 nodes of std::list<uint64_t>: push_back + pop_front
//   umap_churn    10^6 nodes of std::unordered_map<uint64_t, uint64_t>: erase a random key,
//                 insert a new one (foonathan's node pool cannot serve the bucket arrays: skipped)
//   floor_monotonic  the same workloads on a bump allocator that never reuses memory: what the
//                 container costs when allocation is nearly free (no memory row)
//   memory        in a forked child, the RSS a map of 10^6 nodes adds, then after erasing 90% of
//                 them at random, then after trim() (where the allocator has one); MiB
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <memory_resource>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#if HISLAB_BENCH_HAVE_BOOST
#include <boost/pool/pool_alloc.hpp>
#endif
#if HISLAB_BENCH_HAVE_FOONATHAN
#include <foonathan/memory/container.hpp>
#include <foonathan/memory/memory_pool.hpp>
#endif

#include "peers.hpp"  // Mimalloc: mi_malloc / mi_free through dlopen, so that malloc stays glibc's

namespace {

constexpr std::uint32_t kNodes = 1'000'000;
using Pair = std::pair<const std::uint64_t, std::uint64_t>;

// ---- the allocators, each a way to build the three containers -----------------------------

struct StdPeer {
  static constexpr const char* name = "std_allocator";
  template <class T>
  using alloc = std::allocator<T>;
  template <class T>
  alloc<T> make() {
    return {};
  }
};

struct PmrPoolPeer {
  static constexpr const char* name = "pmr_pool";
  template <class T>
  using alloc = std::pmr::polymorphic_allocator<T>;
  std::pmr::unsynchronized_pool_resource res;
  template <class T>
  alloc<T> make() {
    return alloc<T>(&res);
  }
};

/// The floor: a bump allocator that never reuses (std::pmr::monotonic_buffer_resource over
/// memory faulted in advance), i.e. what the container costs with allocation nearly free.
struct MonotonicPeer {
  static constexpr const char* name = "floor_monotonic";
  template <class T>
  using alloc = std::pmr::polymorphic_allocator<T>;
  static std::vector<std::byte>& arena() {  // 1 GiB, touched once for every run
    static std::vector<std::byte> a(std::size_t{1} << 30, std::byte{1});
    return a;
  }
  std::pmr::monotonic_buffer_resource res{arena().data(), arena().size(), std::pmr::null_memory_resource()};
  template <class T>
  alloc<T> make() {
    return alloc<T>(&res);
  }
};

struct HiSlabPmrPeer {
  static constexpr const char* name = "hislab_pmr";
  template <class T>
  using alloc = std::pmr::polymorphic_allocator<T>;
  hislab::PoolResource res{hislab::PoolOptions{256, 1u << 22}};
  template <class T>
  alloc<T> make() {
    return alloc<T>(&res);
  }
  std::size_t trim() { return res.trim(); }
};

struct HiSlabPeer {
  static constexpr const char* name = "hislab";
  template <class T>
  using alloc = hislab::PoolAllocator<T>;
  hislab::PoolResource res{hislab::PoolOptions{256, 1u << 22}};
  template <class T>
  alloc<T> make() {
    return alloc<T>(res);
  }
  std::size_t trim() { return res.trim(); }
};

#if HISLAB_BENCH_HAVE_BOOST
struct BoostPeer {
  static constexpr const char* name = "boost_fast_pool";
  template <class T>
  using alloc = boost::fast_pool_allocator<T>;
  template <class T>
  alloc<T> make() {
    return {};
  }
};
#endif

template <class T>
struct MiAllocator {
  using value_type = T;
  MiAllocator() = default;
  template <class U>
  MiAllocator(const MiAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    void* p = hislab_bench::Mimalloc::get().mi_malloc(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { hislab_bench::Mimalloc::get().mi_free(p); }
  friend bool operator==(const MiAllocator&, const MiAllocator&) noexcept { return true; }
};
struct MimallocPeer {
  static constexpr const char* name = "mimalloc";
  template <class T>
  using alloc = MiAllocator<T>;
  template <class T>
  alloc<T> make() {
    return {};
  }
};

#if HISLAB_BENCH_HAVE_FOONATHAN
namespace fm = foonathan::memory;
/// One node pool per container, sized for that container's node.
template <template <class> class NodeSize, class V>
struct FoonathanPeerFor {
  template <class T>
  using alloc = fm::std_allocator<T, fm::memory_pool<>>;
  fm::memory_pool<> pool{NodeSize<V>::value, 4u << 20};
  template <class T>
  alloc<T> make() {
    return alloc<T>(pool);
  }
};
struct FoonathanMapPeer : FoonathanPeerFor<fm::map_node_size, Pair> {
  static constexpr const char* name = "foonathan_pool";
};
struct FoonathanListPeer : FoonathanPeerFor<fm::list_node_size, std::uint64_t> {
  static constexpr const char* name = "foonathan_pool";
};
#endif

template <class Peer>
using Map = std::map<std::uint64_t, std::uint64_t, std::less<>, typename Peer::template alloc<Pair>>;
template <class Peer>
using List = std::list<std::uint64_t, typename Peer::template alloc<std::uint64_t>>;
template <class Peer>
using UMap = std::unordered_map<std::uint64_t, std::uint64_t, std::hash<std::uint64_t>, std::equal_to<>,
                                typename Peer::template alloc<Pair>>;

/// 2^20 random keys drawn from the live key set as it changes: key[i] is live at step i.
struct Keys {
  std::vector<std::uint64_t> live;
  std::mt19937_64 rng{17};
  Keys() {
    live.resize(kNodes);
    for (auto& k : live) k = rng();
  }
};

template <class Peer>
void BM_map_churn(benchmark::State& state) {
  Peer peer;
  Keys keys;
  Map<Peer> m(peer.template make<Pair>());
  for (const auto k : keys.live) m.emplace(k, k);
  std::uint64_t sum = 0;
  std::uint32_t slot = 0;
  std::mt19937 pick(3);
  for (auto _ : state) {
    slot = pick() % kNodes;
    m.erase(keys.live[slot]);
    const std::uint64_t k = keys.rng();
    keys.live[slot] = k;
    m.emplace(k, k);
    sum += m.find(keys.live[pick() % kNodes])->second;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Peer>
void BM_list_churn(benchmark::State& state) {
  Peer peer;
  List<Peer> l(peer.template make<std::uint64_t>());
  for (std::uint64_t i = 0; i < kNodes; ++i) l.push_back(i);
  std::uint64_t sum = 0, k = kNodes;
  for (auto _ : state) {
    l.push_back(k++);
    sum += l.front();
    l.pop_front();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Peer>
void BM_umap_churn(benchmark::State& state) {
  Peer peer;
  Keys keys;
  UMap<Peer> m(16, std::hash<std::uint64_t>{}, std::equal_to<>{}, peer.template make<Pair>());
  m.reserve(kNodes);
  for (const auto k : keys.live) m.emplace(k, k);
  std::mt19937 pick(5);
  for (auto _ : state) {
    const std::uint32_t slot = pick() % kNodes;
    m.erase(keys.live[slot]);
    const std::uint64_t k = keys.rng();
    keys.live[slot] = k;
    m.emplace(k, k);
  }
  benchmark::DoNotOptimize(m.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

double rss_mib() {
  std::ifstream f("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

template <class Peer>
std::size_t trim_if_any(Peer& p) {
  if constexpr (requires { p.trim(); })
    return p.trim();
  else
    return 0;
}

/// RSS growth of a map of 10^6 nodes, then after erasing 90% of them at random and trim(), in a
/// forked child (so that nothing earlier in the process is counted, and its memory goes with it).
template <class Peer>
void BM_memory(benchmark::State& state) {
  double out[3] = {0, 0, 0};
  for (auto _ : state) {
    int fds[2];
    if (::pipe(fds) != 0) state.SkipWithError("pipe");
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      double r[3];
      {
        Keys keys;
        const double base = rss_mib();
        Peer peer;
        Map<Peer> m(peer.template make<Pair>());
        for (const auto k : keys.live) m.emplace(k, k);
        r[0] = rss_mib() - base;
        std::mt19937 pick(9);
        for (const auto k : keys.live)
          if (pick() % 10 != 0) m.erase(k);
        r[1] = rss_mib() - base;
        trim_if_any(peer);
        r[2] = rss_mib() - base;
      }
      if (::write(fds[1], r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(1);
      ::_exit(0);
    }
    ::close(fds[1]);
    if (::read(fds[0], out, sizeof out) != static_cast<ssize_t>(sizeof out))
      state.SkipWithError("child failed");
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  state.counters["rss_full_mib"] = out[0];
  state.counters["rss_after_erase90_mib"] = out[1];
  state.counters["rss_after_erase90_trim_mib"] = out[2];
}

template <class Peer>
void add(const std::string& n) {
  benchmark::RegisterBenchmark(("map_churn/" + std::string(Peer::name) + n).c_str(), BM_map_churn<Peer>);
  benchmark::RegisterBenchmark(("list_churn/" + std::string(Peer::name) + n).c_str(), BM_list_churn<Peer>);
  benchmark::RegisterBenchmark(("umap_churn/" + std::string(Peer::name) + n).c_str(), BM_umap_churn<Peer>);
  benchmark::RegisterBenchmark(("memory/" + std::string(Peer::name) + n).c_str(), BM_memory<Peer>)
      ->Iterations(1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string n = "/" + std::to_string(kNodes);
  add<HiSlabPeer>(n);
  add<HiSlabPmrPeer>(n);
  add<StdPeer>(n);
  add<PmrPoolPeer>(n);
#if HISLAB_BENCH_HAVE_BOOST
  add<BoostPeer>(n);
#endif
#if HISLAB_BENCH_HAVE_FOONATHAN
  benchmark::RegisterBenchmark(("map_churn/foonathan_pool" + n).c_str(), BM_map_churn<FoonathanMapPeer>);
  benchmark::RegisterBenchmark(("list_churn/foonathan_pool" + n).c_str(), BM_list_churn<FoonathanListPeer>);
  benchmark::RegisterBenchmark(("memory/foonathan_pool" + n).c_str(), BM_memory<FoonathanMapPeer>)
      ->Iterations(1);
#endif
  if (hislab_bench::Mimalloc::get().available()) add<MimallocPeer>(n);
  // The floor takes no memory row: it never gives anything back.
  benchmark::RegisterBenchmark(("map_churn/floor_monotonic" + n).c_str(), BM_map_churn<MonotonicPeer>);
  benchmark::RegisterBenchmark(("list_churn/floor_monotonic" + n).c_str(), BM_list_churn<MonotonicPeer>);
  benchmark::RegisterBenchmark(("umap_churn/floor_monotonic" + n).c_str(), BM_umap_churn<MonotonicPeer>);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
