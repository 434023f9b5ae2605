// The comparison users run: HiSlab against every peer found at configure time.
//
// Throughput (Google Benchmark, medians over repetitions; names "<workload>_<bytes>B/<peer>/<N>"):
//   fill (pre-faulted and demand-paged HiSlab), churn at N live, random get, iterate dense,
//   iterate sparse at 10% and 1% live (workloads.hpp). Every workload checks a checksum.
// Tail latency ("latency_fill" / "latency_churn"): every operation timed with rdtscp/lfence,
//   the fence overhead calibrated and subtracted; counters p50 .. max in cycles.
// Memory ("memory"): in a forked child, RSS overhead per live element at 10^6, peak RSS, and RSS
//   after removing the oldest 90% and trimming.
//
// Flags (before Google Benchmark's own): --quick (10^4 only, for CI), --sizes=a,b,c (default
// 10^4 and 10^6; 10^7 on request).
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "latency.hpp"
#include "workloads.hpp"

namespace hb = hislab_bench;
using namespace hislab_bench;

namespace {

template <class Peer>
void BM_latency_fill(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::uint32_t> samples(n, 1);  // touched before timing starts
  for (auto _ : state) {
    Peer peer(n);
    Live<Peer> live(peer, n);
    live.handles.resize(n);  // written now: no fault of the benchmark's own vector between samples
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto t0 = Clock::begin();
      auto h = peer.insert(i);
      samples[i] = net(t0, Clock::end());
      live.handles[i] = h;
    }
    if (peer.get(live.handles[n - 1]).key != n - 1) state.SkipWithError("checksum mismatch");
  }
  report_percentiles(state, samples);
}

template <class Peer>
void BM_latency_churn(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::uint32_t> samples(n, 1);
  const auto pos = random_positions(n, n, 11);
  for (auto _ : state) {
    Peer peer(n);
    Live<Peer> live(peer, n);
    for (std::uint32_t i = 0; i < n; ++i) live.handles.push_back(peer.insert(i));
    for (std::uint32_t i = 0; i < n; ++i) {
      auto& h = live.handles[pos[i]];
      const auto t0 = Clock::begin();
      peer.remove(h);
      h = peer.insert(n + i);
      samples[i] = net(t0, Clock::end());
    }
    if (peer.get(live.handles[pos[n - 1]]).key != 2ull * n - 1) state.SkipWithError("checksum mismatch");
  }
  report_percentiles(state, samples);
}

// ---- memory ------------------------------------------------------------------------------------

std::size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

/// In a child process: fill n, measure; remove the oldest 90% (time-ordered expiry, the pattern
/// in which a non-moving container can give pages back at all), trim, measure again.
template <class Peer>
void BM_memory(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  using T =
      std::remove_reference_t<decltype(std::declval<Peer&>().get(std::declval<typename Peer::handle>()))>;
  double result[4] = {};
  for (auto _ : state) {
    int fds[2];
    if (::pipe(fds) != 0) {
      state.SkipWithError("pipe failed");
      break;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      double out[4] = {};
      {
        // Handle storage is not the peer's overhead: allocate and touch it first. Give back
        // what the parent freed but glibc kept, then take the baseline before the peer exists
        // (HiSlab pre-faults in its constructor).
        std::vector<typename Peer::handle> handles(n);
        ::malloc_trim(0);
        const std::size_t base = rss_bytes();
        Peer peer(n);
        Live<Peer> live(peer, 0);
        live.handles.swap(handles);
        for (std::uint32_t i = 0; i < n; ++i) live.handles[i] = peer.insert(i);
        const std::size_t full = rss_bytes();
        out[0] = (static_cast<double>(full) - static_cast<double>(base)) / n - static_cast<double>(sizeof(T));
        out[1] = static_cast<double>(peak_rss_bytes()) / (1 << 20);
        // Newest of the oldest first: boost::object_pool's ordered free is O(1) per chunk then.
        for (std::uint32_t i = n / 10 * 9; i-- > 0;) peer.remove(live.handles[i]);
        peer.trim();
        out[2] = (static_cast<double>(rss_bytes()) - static_cast<double>(base)) / (1 << 20);
        out[3] = (static_cast<double>(full) - static_cast<double>(base)) / (1 << 20);
        live.handles.clear();  // the child exits next: nothing needs freeing
      }
      [[maybe_unused]] auto w = ::write(fds[1], out, sizeof out);
      ::_exit(0);
    }
    ::close(fds[1]);
    [[maybe_unused]] auto r = ::read(fds[0], result, sizeof result);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) state.SkipWithError("child failed");
  }
  state.counters["overhead_bytes_per_elem"] = result[0];
  state.counters["peak_rss_mib"] = result[1];
  state.counters["rss_full_mib"] = result[3];
  state.counters["rss_after_remove90_trim_mib"] = result[2];
}

// ---- registration -------------------------------------------------------------------------------

template <class Peer>
void add_latency(const Config& cfg) {
  const std::string peer = Peer::name;
  benchmark::RegisterBenchmark(("latency_fill/" + peer).c_str(), BM_latency_fill<Peer>)
      ->Arg(cfg.latency_n)
      ->Iterations(1);
  benchmark::RegisterBenchmark(("latency_churn/" + peer).c_str(), BM_latency_churn<Peer>)
      ->Arg(cfg.latency_n)
      ->Iterations(1);
}

template <class Peer>
void add_memory(const Config& cfg) {
  benchmark::RegisterBenchmark(("memory/" + std::string(Peer::name)).c_str(), BM_memory<Peer>)
      ->Arg(cfg.memory_n)
      ->Iterations(1);
}

template <std::size_t Bytes>
void add_all_throughput(const Config& cfg) {
  using T = hb::Item<Bytes>;
  const std::string b = std::to_string(Bytes) + "B";
  add_throughput<hb::HiSlabPeer<T>>(cfg, b);
  add_throughput<hb::HiSlabPeer<T, hb::HiSlabMode::Demand>>(cfg, b, true);
  for (auto n : cfg.sizes) {
    benchmark::RegisterBenchmark(("get_" + b + "/hislab_checked").c_str(),
                                 BM_get<hb::HiSlabCheckedGetPeer<T>>)
        ->Arg(n);
    benchmark::RegisterBenchmark(("get_" + b + "/l1_check_floor").c_str(), BM_get<hb::L1CheckFloor<T>>)
        ->Arg(n);
  }
  add_throughput<hb::FreeListPeer<T>>(cfg, b);
  add_throughput<hb::FreeListPeer<T, true>>(cfg, b, true);
  add_throughput<hb::VectorFloor<T>>(cfg, b);
#if HISLAB_BENCH_HAVE_COLONY
  add_throughput<hb::ColonyPeer<T>>(cfg, b);
#endif
#if HISLAB_BENCH_HAVE_BOOST
  add_throughput<hb::BoostObjectPoolPeer<T>>(cfg, b);
  add_throughput<hb::BoostPoolPeer<T>>(cfg, b);
#endif
#if HISLAB_BENCH_HAVE_FOONATHAN
  add_throughput<hb::FoonathanPoolPeer<T>>(cfg, b);
#endif
  add_throughput<hb::PmrPoolPeer<T>>(cfg, b);
  add_throughput<hb::NewDeletePeer<T>>(cfg, b);
  if (hb::Mimalloc::get().available()) add_throughput<hb::MimallocPeer<T>>(cfg, b);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      cfg.sizes = {10'000};
      cfg.latency_n = 10'000;
      cfg.memory_n = 10'000;
    } else if (a.rfind("--sizes=", 0) == 0) {
      cfg.sizes.clear();
      std::string list = a.substr(8);
      for (std::size_t p = 0; p < list.size();) {
        const std::size_t q = list.find(',', p);
        cfg.sizes.push_back(std::stoll(list.substr(p, q - p)));
        p = q == std::string::npos ? list.size() : q + 1;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  // Loading mimalloc must not have replaced malloc for the other peers.
  (void)hb::Mimalloc::get();
  if (!hb::Mimalloc::malloc_is_glibc()) {
    std::fprintf(stderr, "malloc is not glibc's: a peer interposed it; results would be wrong\n");
    return 1;
  }
  std::fprintf(stderr, "mimalloc: %s; malloc is glibc's for every other peer\n",
               hb::Mimalloc::get().available() ? "loaded with dlopen(RTLD_LOCAL)" : "not found, skipped");

  using T16 = hb::Item<16>;
  // Memory first: each measurement forks, and a child of a parent that has not yet allocated
  // (and freed, and kept) hundreds of MiB measures only its own peer.
  add_memory<hb::HiSlabPeer<T16>>(cfg);
  add_memory<hb::FreeListPeer<T16>>(cfg);
#if HISLAB_BENCH_HAVE_COLONY
  add_memory<hb::ColonyPeer<T16>>(cfg);
#endif
#if HISLAB_BENCH_HAVE_BOOST
  // Not boost::object_pool: its destroy() keeps an address-ordered free list, and freeing
  // 900,000 chunks in an order its block addresses do not follow is quadratic.
  add_memory<hb::BoostPoolPeer<T16>>(cfg);
#endif
#if HISLAB_BENCH_HAVE_FOONATHAN
  add_memory<hb::FoonathanPoolPeer<T16>>(cfg);
#endif
  add_memory<hb::PmrPoolPeer<T16>>(cfg);
  add_memory<hb::NewDeletePeer<T16>>(cfg);
  if (hb::Mimalloc::get().available()) add_memory<hb::MimallocPeer<T16>>(cfg);

  add_all_throughput<16>(cfg);
  add_all_throughput<64>(cfg);

  add_latency<hb::HiSlabPeer<T16>>(cfg);
  add_latency<hb::HiSlabPeer<T16, hb::HiSlabMode::Demand>>(cfg);
  add_latency<hb::HiSlabPeer<T16, hb::HiSlabMode::HugeAdvise>>(cfg);
  add_latency<hb::FreeListPeer<T16>>(cfg);
  add_latency<hb::VectorFloor<T16>>(cfg);
#if HISLAB_BENCH_HAVE_COLONY
  add_latency<hb::ColonyPeer<T16>>(cfg);
#endif
  add_latency<hb::NewDeletePeer<T16>>(cfg);
  if (hb::Mimalloc::get().available()) add_latency<hb::MimallocPeer<T16>>(cfg);

  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
