// TaggedHiSlab, BufferSlab and sampling benchmarks.
// - sampling: random_occupied at capacities 1K, 1M, 64M, 100% and 1% occupied (the line must
//   be flat: the cost is O(log capacity), not O(capacity / 512) as in the Rust original),
//   batched through random_occupied_many, and the floor every sampler pays: the latency of one
//   random read of a bitmap-sized array;
// - tagging: tag + untag, and iterating the tagged subset, at 1% and 50% tagged of 1M;
// - BufferSlab<4096> allocate + free against new/delete of 4096 bytes and
//   std::pmr::unsynchronized_pool_resource;
// - a container's life (construct with default options, insert 0 or 10 elements, destroy)
//   against std::vector, the free-list slab, plf::colony and the mmap + munmap floor.
#include <benchmark/benchmark.h>

#include <sys/mman.h>
#include <hislab/hislab.hpp>

#include <cstdint>
#include <memory_resource>
#include <random>
#include <vector>

#include "free_list_slab.hpp"
#if HISLAB_BENCH_HAVE_COLONY
#include <plf_colony.h>
#endif

namespace {

// ---- sampling -------------------------------------------------------------------------------

/// A slab of `cap` slots with `pct` percent of them live, spread uniformly at random.
hislab::HiSlab<std::uint32_t>& sample_slab(std::uint32_t cap, int pct) {
  static std::uint32_t cached_cap = 0;
  static int cached_pct = -1;
  static std::unique_ptr<hislab::HiSlab<std::uint32_t>> slab;
  if (cached_cap != cap || cached_pct != pct) {
    slab.reset();
    slab = std::make_unique<hislab::HiSlab<std::uint32_t>>(hislab::Options{cap, cap});
    for (std::uint32_t i = 0; i < cap; ++i) slab->insert(i);
    if (pct < 100) {
      std::mt19937 rng(1);
      slab->retain(
          [&](hislab::index_type, std::uint32_t&) { return rng() % 100 < static_cast<unsigned>(pct); });
    }
    cached_cap = cap;
    cached_pct = pct;
  }
  return *slab;
}

void BM_sample(benchmark::State& state) {
  const auto cap = static_cast<std::uint32_t>(state.range(0));
  const auto pct = static_cast<int>(state.range(1));
  auto& slab = sample_slab(cap, pct);
  std::mt19937_64 rng(42);
  std::uint64_t sum = 0;
  for (auto _ : state) sum += slab.random_occupied(rng)->value;
  benchmark::DoNotOptimize(sum);
  state.counters["live"] = slab.size();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/// The structure alone: uniformly random occupied indices, without reading the elements,
/// PerCall per call of random_occupied_many, per index. sample_index (1 per call) is one
/// descent; sample_many (256 per call) runs 32 descents side by side with their count groups
/// and blocks prefetched, so that the cache misses of a large bitmap overlap.
template <std::size_t PerCall>
void BM_sample_indices(benchmark::State& state) {
  const auto cap = static_cast<std::uint32_t>(state.range(0));
  const auto pct = static_cast<int>(state.range(1));
  auto& slab = sample_slab(cap, pct);
  std::mt19937_64 rng(43);
  hislab::index_type out[PerCall]{};
  std::uint64_t sum = 0;
  for (auto _ : state) {
    slab.random_occupied_many(rng, PerCall, out);
    sum += out[0] + out[PerCall - 1];
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * PerCall));
}

/// The floor under sample_index: the same generator and range reduction, then one read of a
/// random word of an array as large as the slab's bitmap, whose address depends on the word
/// read before (as each level of a descent depends on the level above), so that the reads
/// cannot overlap: the latency of one random access at that footprint. Every sampler must read
/// the word that holds the sampled bit.
void BM_sample_floor(benchmark::State& state) {
  const auto cap = static_cast<std::uint32_t>(state.range(0));
  if ((cap & (cap - 1)) != 0) {
    state.SkipWithError("capacity must be a power of two");
    return;
  }
  std::vector<std::uint64_t> words((cap + 63) / 64);  // zeros, which the compiler must not know
  benchmark::DoNotOptimize(words.data());
  benchmark::ClobberMemory();
  std::mt19937_64 rng(43);
  std::uint64_t carry = 0;
  for (auto _ : state) {
    const auto i = (std::uniform_int_distribution<std::uint32_t>(0, cap - 1)(rng) + carry) & (cap - 1);
    carry = words[i / 64];
  }
  benchmark::DoNotOptimize(carry);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- tagging --------------------------------------------------------------------------------

constexpr std::uint32_t kTagN = 1'000'000;

hislab::TaggedHiSlab<std::uint64_t> tagged_slab(int pct) {
  hislab::TaggedHiSlab<std::uint64_t> s(kTagN, kTagN);
  std::mt19937 rng(3);
  for (std::uint32_t i = 0; i < kTagN; ++i) {
    const auto idx = s.insert(i);
    if (rng() % 100 < static_cast<unsigned>(pct)) s.tag(idx);
  }
  return s;
}

void BM_tag_untag(benchmark::State& state) {
  auto s = tagged_slab(static_cast<int>(state.range(0)));
  std::mt19937 rng(4);
  std::vector<hislab::index_type> pos(1 << 16);
  for (auto& p : pos) p = static_cast<hislab::index_type>(rng() % kTagN);
  std::size_t k = 0;
  std::uint64_t changed = 0;
  for (auto _ : state) {
    const auto i = pos[k++ & 0xFFFF];
    changed += s.is_tagged(i) ? s.untag(i) + s.tag(i) : s.tag(i) + s.untag(i);
  }
  benchmark::DoNotOptimize(changed);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_iterate_tagged(benchmark::State& state) {
  auto s = tagged_slab(static_cast<int>(state.range(0)));
  std::uint64_t want = 0;
  for (auto [i, v] : s.tagged()) want += v;
  std::uint64_t got = 0;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    s.for_each_tagged([&](hislab::index_type, std::uint64_t& v) { sum += v; });
    got = sum;
    benchmark::DoNotOptimize(sum);
  }
  if (got != want) state.SkipWithError("checksum mismatch");
  state.counters["tagged"] = s.count_tagged();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * s.count_tagged());
}

// ---- BufferSlab<4096> ------------------------------------------------------------------------

constexpr std::size_t kHeld = 1024;

template <class Alloc>
void buffer_churn(benchmark::State& state, Alloc& a) {
  std::vector<typename Alloc::handle> held;
  for (std::size_t i = 0; i < kHeld; ++i) held.push_back(a.get());
  std::mt19937 rng(5);
  std::vector<std::uint32_t> pos(1 << 16);
  for (auto& p : pos) p = static_cast<std::uint32_t>(rng() % kHeld);
  std::size_t k = 0;
  for (auto _ : state) {
    const auto p = pos[k++ & 0xFFFF];
    a.put(std::move(held[p]));
    held[p] = a.get();
    a.touch(held[p]);
  }
  for (auto& h : held) a.put(std::move(h));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_buffer_hislab(benchmark::State& state) {
  hislab::BufferSlab<4096> pool(kHeld + 16, 1 << 16);
  struct A {
    hislab::BufferSlab<4096>& pool;
    using handle = std::optional<hislab::BufferSlab<4096>::AutoGuard>;
    handle get() { return pool.allocate(); }
    void put(handle&& h) { h.reset(); }
    void touch(handle& h) { h->data()[0] = std::byte{1}; }
  } a{pool};
  buffer_churn(state, a);
}

void BM_buffer_new_delete(benchmark::State& state) {
  struct A {
    using handle = std::byte*;
    handle get() { return static_cast<std::byte*>(::operator new (4096, std::align_val_t{4096})); }
    void put(handle&& h) { ::operator delete (h, std::align_val_t{4096}); }
    void touch(handle& h) { h[0] = std::byte{1}; }
  } a;
  buffer_churn(state, a);
}

void BM_buffer_pmr_pool(benchmark::State& state) {
  std::pmr::unsynchronized_pool_resource res(std::pmr::pool_options{kHeld, 4096});
  struct A {
    std::pmr::memory_resource& r;
    using handle = std::byte*;
    handle get() { return static_cast<std::byte*>(r.allocate(4096, 4096)); }
    void put(handle&& h) { r.deallocate(h, 4096, 4096); }
    void touch(handle& h) { h[0] = std::byte{1}; }
  } a{res};
  buffer_churn(state, a);
}

// ---- many small slabs: the cost of a container's life ----------------------------------------

/// Constructs a container with its default options, inserts state.range(0) 8-byte elements,
/// destroys it; one item per life. A fresh mapping's first write faults its pages in: that is
/// part of what a short-lived slab costs, so the 10-element rows include it.
template <class Life>
void BM_create_destroy(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) Life::run(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

struct HiSlabLife {
  static void run(std::uint64_t n) {
    hislab::HiSlab<std::uint64_t> s{hislab::Options{}};  // 2^20 slots
    for (std::uint64_t i = 0; i < n; ++i) (void)s.insert(i);
    benchmark::DoNotOptimize(s);
  }
};
struct VectorLife {
  static void run(std::uint64_t n) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = 0; i < n; ++i) v.push_back(i);
    benchmark::DoNotOptimize(v.data());
  }
};
struct FreeListLife {
  static void run(std::uint64_t n) {
    hislab_bench::FreeListSlab<std::uint64_t> s(0);
    for (std::uint64_t i = 0; i < n; ++i) (void)s.emplace(i);
    benchmark::DoNotOptimize(s);
  }
};
#if HISLAB_BENCH_HAVE_COLONY
struct ColonyLife {
  static void run(std::uint64_t n) {
    plf::colony<std::uint64_t> c;
    for (std::uint64_t i = 0; i < n; ++i) c.insert(i);
    benchmark::DoNotOptimize(c);
  }
};
#endif
/// The floor of a slab's life: one reservation of a default slab's element region (8 MiB here)
/// and its release, with the first page written when there are elements.
struct MmapLife {
  static void run(std::uint64_t n) {
    const std::size_t bytes = std::size_t{8} << 20;
    void* p =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (n != 0) static_cast<volatile std::uint64_t*>(p)[0] = n;
    ::munmap(p, bytes);
  }
};

}  // namespace

BENCHMARK(BM_create_destroy<HiSlabLife>)->Name("create_destroy/hislab")->Arg(0)->Arg(10);
BENCHMARK(BM_create_destroy<VectorLife>)->Name("create_destroy/vector")->Arg(0)->Arg(10);
BENCHMARK(BM_create_destroy<FreeListLife>)->Name("create_destroy/free_list")->Arg(0)->Arg(10);
#if HISLAB_BENCH_HAVE_COLONY
BENCHMARK(BM_create_destroy<ColonyLife>)->Name("create_destroy/colony")->Arg(0)->Arg(10);
#endif
BENCHMARK(BM_create_destroy<MmapLife>)->Name("create_destroy/mmap_munmap")->Arg(0)->Arg(10);
BENCHMARK(BM_sample)->Name("sample/hislab")->ArgsProduct({{1 << 10, 1 << 20, 1 << 26}, {100, 1}});
BENCHMARK(BM_sample_indices<1>)
    ->Name("sample_index/hislab")
    ->ArgsProduct({{1 << 10, 1 << 20, 1 << 26}, {100, 1}});
BENCHMARK(BM_sample_indices<256>)
    ->Name("sample_many/hislab")
    ->ArgsProduct({{1 << 10, 1 << 20, 1 << 26}, {100, 1}});
BENCHMARK(BM_sample_floor)
    ->Name("sample_index/one_dependent_read")
    ->ArgsProduct({{1 << 10, 1 << 20, 1 << 26}, {100, 1}});
BENCHMARK(BM_tag_untag)->Name("tag_untag/hislab")->Arg(1)->Arg(50);
BENCHMARK(BM_iterate_tagged)->Name("iterate_tagged/hislab")->Arg(1)->Arg(50)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_buffer_hislab)->Name("buffer4096/hislab/1024");
BENCHMARK(BM_buffer_new_delete)->Name("buffer4096/new_delete/1024");
BENCHMARK(BM_buffer_pmr_pool)->Name("buffer4096/pmr_pool/1024");

BENCHMARK_MAIN();
