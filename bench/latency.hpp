#pragma once
// Tail latency: each operation timed with rdtsc/rdtscp and lfence, the median cost of an empty
// timing pair subtracted, percentiles reported as benchmark counters (cycles).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <x86intrin.h>
#endif

namespace hislab_bench {

struct Clock {
#if defined(__x86_64__) || defined(_M_X64)
  static std::uint64_t begin() noexcept {
    _mm_lfence();
    const std::uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
  }
  static std::uint64_t end() noexcept {
    unsigned aux;
    const std::uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
  }
#else
  static std::uint64_t begin() noexcept { return now(); }
  static std::uint64_t end() noexcept { return now(); }
  static std::uint64_t now() noexcept {
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
#endif
  /// The median cost of an empty begin/end pair, subtracted from every sample.
  static std::uint64_t overhead() {
    static const std::uint64_t o = [] {
      std::vector<std::uint64_t> v(100000);
      for (auto& x : v) {
        const auto t0 = begin();
        x = end() - t0;
      }
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      return v[v.size() / 2];
    }();
    return o;
  }
};

inline void report_percentiles(benchmark::State& state, std::vector<std::uint32_t>& samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    return static_cast<double>(
        samples[std::min(samples.size() - 1, static_cast<std::size_t>(q * samples.size()))]);
  };
  state.counters["p50"] = at(0.50);
  state.counters["p99"] = at(0.99);
  state.counters["p99.9"] = at(0.999);
  state.counters["p99.99"] = at(0.9999);
  state.counters["max"] = static_cast<double>(samples.back());
  state.counters["fence_overhead"] = static_cast<double>(Clock::overhead());
}

inline std::uint32_t net(std::uint64_t t0, std::uint64_t t1) {
  const std::uint64_t d = t1 - t0, o = Clock::overhead();
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(d > o ? d - o : 0, 0xFFFF'FFFFu));
}

}  // namespace hislab_bench
