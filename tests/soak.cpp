// Soak: a long random run over every container (HiSlab, TaggedHiSlab, SlotMap, BufferSlab,
// LocalPool, PoolResource), each beside a plain model of what it must hold. Every operation's
// result is compared with the model, every container's check_invariants() runs after every
// round, and after each cycle of filling and emptying, trim() must bring the process's resident
// memory (the kernel's VmRSS, not the library's counters) back to where the first cycle left it.
//
//   hislab_soak [operations = 1e9, rounded up to whole cycles] [seed = 1]
//
// Registered as the ctest test `soak` (label soak) with -DHISLAB_SOAK=ON; see the README.
// Exit code 0 when everything held; otherwise the first disagreement is printed.
#include <hislab/hislab.hpp>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using hislab::index_type;
using hislab::Options;

[[noreturn]] void fail(const char* container, const char* what, std::uint64_t op) {
  std::fprintf(stderr, "soak: %s: %s (operation %" PRIu64 ")\n", container, what, op);
  std::exit(1);
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string key;
  long v = -1;
  while (f >> key) {
    if (key == "VmRSS:") {
      f >> v;
      return v;
    }
    f.ignore(1 << 12, '\n');
  }
  return v;
}

constexpr std::uint32_t capacity = 1u
                                   << 19;  // each container's virtual capacity: the filling rounds reach it
std::uint64_t value_for(std::uint64_t serial) { return serial * 0x9E3779B97F4A7C15ull + 1; }

/// One container and its model: `live` holds (handle, value) of every element, in no order.
/// A handle is whatever the container hands out; an adapter supplies insert / read / erase.
template <class Adapter>
struct Driver {
  using Handle = typename Adapter::Handle;
  Adapter c;
  std::vector<std::pair<Handle, std::uint64_t>> live;
  std::uint64_t serial = 0;

  Driver() { live.reserve(capacity); }

  void step(std::mt19937_64& rng, bool filling, std::uint64_t op) {
    const std::uint64_t r = rng();
    const bool insert = live.empty() || (r % 8 < (filling ? 6u : 3u));
    if (insert) {
      const std::uint64_t v = value_for(++serial);
      auto h = c.insert(v);
      if (!h) {
        if (live.size() != c.limit()) fail(Adapter::name, "insert refused below capacity", op);
        return;
      }
      live.emplace_back(*h, v);
    } else {
      const std::size_t k = (r >> 8) % live.size();
      const auto [h, v] = live[k];
      if (c.read(h) != v) fail(Adapter::name, "an element does not hold its value", op);
      if ((r >> 40) % 4 == 0) return;  // a read only
      if (!c.erase(h)) fail(Adapter::name, "erase of a live element refused", op);
      if (c.erase_again_is_refused(h) == false) fail(Adapter::name, "a stale handle was accepted", op);
      live[k] = live.back();
      live.pop_back();
    }
  }

  void check(std::uint64_t op) {
    if (c.size() != live.size()) fail(Adapter::name, "size() disagrees with the model", op);
    if (const char* why = c.check_invariants()) fail(Adapter::name, why, op);
  }

  void empty_and_trim(std::uint64_t op) {
    for (const auto& [h, v] : live)
      if (c.read(h) != v || !c.erase(h)) fail(Adapter::name, "an element was lost", op);
    live.clear();
    check(op);
    c.trim();
  }
};

struct SlabAdapter {
  static constexpr const char* name = "HiSlab";
  using Handle = index_type;
  hislab::HiSlab<std::uint64_t> s{0, capacity};
  std::optional<Handle> insert(std::uint64_t v) { return s.try_insert(v); }
  std::uint64_t read(Handle h) const { return s.get(h) != nullptr ? *s.get(h) : 0; }
  bool erase(Handle h) { return s.erase(h); }
  bool erase_again_is_refused(Handle h) { return s.get(h) == nullptr; }
  std::size_t size() const { return s.size(); }
  std::size_t limit() const { return s.capacity(); }
  const char* check_invariants() const { return s.check_invariants(); }
  void trim() { s.trim(); }
  std::size_t committed() const { return s.memory_committed(); }
};

struct TaggedAdapter {
  static constexpr const char* name = "TaggedHiSlab";
  using Handle = index_type;
  hislab::TaggedHiSlab<std::uint64_t> s{0, capacity};
  std::optional<Handle> insert(std::uint64_t v) {
    auto i = s.try_insert(v);
    if (i && (v & 4) != 0) s.tag(*i);
    return i;
  }
  std::uint64_t read(Handle h) const {
    if (s.get(h) == nullptr || s.is_tagged(h) != ((*s.get(h) & 4) != 0)) return 0;
    return *s.get(h);
  }
  bool erase(Handle h) { return s.erase(h); }
  bool erase_again_is_refused(Handle h) { return s.get(h) == nullptr && !s.is_tagged(h); }
  std::size_t size() const { return s.size(); }
  std::size_t limit() const { return s.capacity(); }
  const char* check_invariants() const { return s.check_invariants(); }
  void trim() { s.trim(); }
  std::size_t committed() const { return s.memory_committed(); }
};

struct SlotMapAdapter {
  static constexpr const char* name = "SlotMap";
  using Handle = hislab::SlotMap<std::uint64_t>::key_type;
  hislab::SlotMap<std::uint64_t> s{0, capacity};
  std::optional<Handle> insert(std::uint64_t v) { return s.try_insert(v); }
  std::uint64_t read(Handle h) const { return s.get(h) != nullptr ? *s.get(h) : 0; }
  bool erase(Handle h) { return s.erase(h); }
  bool erase_again_is_refused(Handle h) { return !s.erase(h) && s.get(h) == nullptr; }
  std::size_t size() const { return s.size(); }
  std::size_t limit() const { return s.capacity() - s.retired(); }
  const char* check_invariants() const { return s.check_invariants(); }
  void trim() { s.trim(); }
  std::size_t committed() const { return s.memory_committed(); }
};

struct BufferAdapter {
  static constexpr const char* name = "BufferSlab";
  using Pool = hislab::BufferSlab<64>;
  using Handle = index_type;
  Pool p{0, capacity};
  std::size_t held = 0;
  // Guards by index: a guard's index is its handle.
  std::vector<std::optional<Pool::AutoGuard>> guards = std::vector<std::optional<Pool::AutoGuard>>(capacity);
  std::optional<Handle> insert(std::uint64_t v) {
    auto g = p.try_allocate();
    if (!g) return std::nullopt;
    const index_type i = g->index();
    if (guards[i]) return std::nullopt;  // handed out twice: read() below reports it
    std::memcpy(g->data(), &v, sizeof v);
    guards[i].emplace(std::move(*g));
    ++held;
    return i;
  }
  std::uint64_t read(Handle h) const {
    if (!guards[h]) return 0;
    std::uint64_t v;
    std::memcpy(&v, guards[h]->data(), sizeof v);
    return v;
  }
  bool erase(Handle h) {
    if (!guards[h]) return false;
    guards[h].reset();
    --held;
    return true;
  }
  // The pool's own count, against the guards the adapter holds.
  bool erase_again_is_refused(Handle) { return p.size() == held; }
  std::size_t size() const { return p.size(); }
  std::size_t limit() const { return p.capacity(); }
  const char* check_invariants() const { return p.check_invariants(); }
  void trim() { p.trim(); }
  std::size_t committed() const { return p.memory_committed(); }
};

struct U64Pool : hislab::LocalPool<U64Pool, std::uint64_t> {};

struct LocalPoolAdapter {
  static constexpr const char* name = "LocalPool";
  using Slot = hislab::Slot<std::uint64_t, U64Pool>;
  using Handle = index_type;
  std::vector<Slot> slots = std::vector<Slot>(capacity);
  LocalPoolAdapter() { U64Pool::init(Options{0, capacity}); }
  ~LocalPoolAdapter() {
    slots.clear();
    if (!U64Pool::shutdown()) fail(name, "shutdown() refused after every slot was dropped", 0);
  }
  std::optional<Handle> insert(std::uint64_t v) {
    auto s = U64Pool::try_insert(v);
    if (!s) return std::nullopt;
    const index_type i = s->index();
    if (slots[i]) return std::nullopt;
    slots[i] = std::move(*s);
    return i;
  }
  std::uint64_t read(Handle h) const { return slots[h] ? *slots[h] : 0; }
  bool erase(Handle h) {
    if (!slots[h]) return false;
    slots[h] = Slot();
    return true;
  }
  bool erase_again_is_refused(Handle h) { return U64Pool::get(h) == nullptr; }
  std::size_t size() const { return U64Pool::size(); }
  std::size_t limit() const { return U64Pool::capacity(); }
  const char* check_invariants() const { return U64Pool::slab().check_invariants(); }
  void trim() { U64Pool::slab().trim(); }
  std::size_t committed() const { return U64Pool::slab().memory_committed(); }
};

/// Blocks of 8 to 256 bytes (the size follows from the value) from a PoolResource.
struct ResourceAdapter {
  static constexpr const char* name = "PoolResource";
  struct Handle {
    void* p;
    std::size_t bytes;
  };
  hislab::PoolResource r{hislab::PoolOptions{256, capacity, hislab::HugePages::Advise}};
  std::size_t blocks = 0;
  static std::size_t bytes_for(std::uint64_t v) { return 8 + (v >> 56) % 249; }
  std::optional<Handle> insert(std::uint64_t v) {
    if (blocks == limit()) return std::nullopt;
    const std::size_t n = bytes_for(v);
    void* p = r.allocate(n, 8);
    std::memcpy(p, &v, sizeof v);
    ++blocks;
    return Handle{p, n};
  }
  std::uint64_t read(Handle h) const {
    std::uint64_t v;
    std::memcpy(&v, h.p, sizeof v);
    return bytes_for(v) == h.bytes ? v : 0;
  }
  bool erase(Handle h) {
    r.deallocate(h.p, h.bytes, 8);
    --blocks;
    return true;
  }
  // Deallocating twice is an assertion: check instead that the resource no longer counts it.
  bool erase_again_is_refused(Handle) { return r.blocks_in_use() == blocks; }
  std::size_t size() const { return r.blocks_in_use(); }
  std::size_t limit() const { return capacity; }  // below every class's capacity
  const char* check_invariants() const { return r.check_invariants(); }
  void trim() { r.trim(); }
  std::size_t committed() const { return r.memory_committed(); }
};

}  // namespace

/// Calls f on each driver.
template <class F, class... D>
void each(F f, D&... d) {
  (f(d), ...);
}

int main(int argc, char** argv) {
  const std::uint64_t ops = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000000ull;
  const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  std::mt19937_64 rng(seed);
  Driver<SlabAdapter> slab;
  Driver<TaggedAdapter> tagged;
  Driver<SlotMapAdapter> slot_map;
  Driver<BufferAdapter> buffers;
  Driver<LocalPoolAdapter> local_pool;
  Driver<ResourceAdapter> resource;
  const auto all = [&](auto f) { each(f, slab, tagged, slot_map, buffers, local_pool, resource); };

  // A round: 2^16 operations on each container. A cycle: rounds that fill the containers to
  // their capacity, rounds that empty them part-way, then everything left is erased and trimmed.
  constexpr std::uint64_t round_ops = 6u << 16;
  constexpr int rounds_per_half = 24;
  long rss_floor = -1;
  std::uint64_t op = 0;
  int cycle = 0;
  while (op < ops) {
    long rss_full = 0;
    std::size_t committed_full = 0;
    for (int round = 0; round < 2 * rounds_per_half; ++round) {
      const bool filling = round < rounds_per_half;
      for (std::uint64_t i = 0; i < round_ops / 6; ++i, op += 6)
        all([&](auto& d) { d.step(rng, filling, op); });
      all([&](auto& d) { d.check(op); });
      if (round == rounds_per_half - 1) {
        rss_full = rss_kib();
        all([&](auto& d) { committed_full += d.c.committed(); });
      }
    }
    std::size_t committed = 0;
    all([&](auto& d) {
      d.empty_and_trim(op);
      committed += d.c.committed();
    });
    const long rss = rss_kib();
    if (rss_floor < 0) rss_floor = rss;
    std::printf("cycle %d: %" PRIu64
                " operations; full: RSS %ld KiB, committed %zu KiB; after trim: RSS %ld KiB, "
                "committed %zu KiB\n",
                ++cycle, op, rss_full, committed_full >> 10, rss, committed >> 10);
    std::fflush(stdout);
    // What trim() says it gave back leaves the process (the kernel's count, at least half of the
    // library's), and stays given back: no cycle ends more than 8 MiB above the first.
    const long released = static_cast<long>((committed_full - committed) >> 10);
    if (rss_full - rss < released / 2) fail("process", "trim() did not lower the resident memory", op);
    if (rss > rss_floor + 8 * 1024) fail("process", "resident memory after trim() grew", op);
  }
  std::printf("soak: %" PRIu64 " operations over 6 containers, %d cycles, every check held\n", op, cycle);
  return 0;
}
