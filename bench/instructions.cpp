// Instructions per operation, for bench/instructions.sh to run under callgrind: time on a shared
// 2-core machine moves by more than the differences it is asked about, instruction counts do
// not. One process does one case; the script runs each at two operation counts and divides the
// difference by the extra operations, so building the container cancels out. The script builds
// one binary per workload (-DHISLAB_WORKLOAD_CHURN=1, _GET, _FILL, _SAMPLE), so that one
// workload's code cannot change how the compiler inlines another's (_LIFECYCLE too).
//
//   instructions churn <peer> <ops>     peer: hislab | free_list | slotmap. A full slab of 10^6
//                                       16-byte elements, then <ops> remove + insert at random
//                                       positions (the churn workload of bench_compare; slotmap:
//                                       a SlotMap by key, as slotmap_churn in bench_handles).
//   instructions get <peer> <ops>       peer: hislab (get_unchecked) | hislab_checked (get) |
//                                       free_list. The same full slab, then <ops> lookups at
//                                       random positions (the get workload).
//   instructions fill <peer> <ops>      peer: hislab | free_list_reserved. A container with room
//                                       for 1.6 * 10^6 16-byte elements, pre-faulted
//                                       (reserved), then <ops> inserts (the fill workload).
//                                       HiSlab's slab (2 * 10^6 slots with the peer's headroom)
//                                       keeps the two summary levels of the timed row's 10^6; a
//                                       third starts above 2^21 slots.
//   instructions sample <cap> <ops>     a full HiSlab of <cap> slots, then <ops> calls of
//                                       random_occupied_many(g, 1, out).
//   instructions sample_many <cap> <ops>  the same <ops> draws, 256 per call.
//   instructions lifecycle <peer> <ops>  peer: hislab | slot | new_delete. <ops> times: make one
//                                       64-byte object, read it, drop it; nothing else live (the
//                                       lifecycle_hot rows of bench_handles; slot: a LocalPool's
//                                       Slot, hislab: HiSlab insert + erase by index).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "peers.hpp"

#if !HISLAB_WORKLOAD_CHURN && !HISLAB_WORKLOAD_GET && !HISLAB_WORKLOAD_FILL && !HISLAB_WORKLOAD_SAMPLE && \
    !HISLAB_WORKLOAD_LIFECYCLE
#define HISLAB_WORKLOAD_CHURN 1
#define HISLAB_WORKLOAD_GET 1
#define HISLAB_WORKLOAD_FILL 1
#define HISLAB_WORKLOAD_SAMPLE 1
#define HISLAB_WORKLOAD_LIFECYCLE 1
#endif

namespace {

using Item16 = hislab_bench::Item<16>;

/// Live elements of the churn and get workloads.
constexpr std::uint32_t n = 1'000'000;

/// Inserts n elements into `peer`; their handles.
template <class Peer>
std::vector<typename Peer::handle> insert_all(Peer& peer) {
  std::vector<typename Peer::handle> handles(n);
  for (std::uint32_t i = 0; i < n; ++i) handles[i] = peer.insert(i);
  return handles;
}

#if HISLAB_WORKLOAD_CHURN
/// A SlotMap with the options of HiSlabPeer, by key.
template <class T>
struct SlotMapPeer {
  using handle = hislab::Key<>;
  hislab::SlotMap<T> map;
  explicit SlotMapPeer(std::uint32_t room) : map(hislab_bench::HiSlabPeer<T>::options(room)) {}
  HISLAB_BENCH_ADAPTER handle insert(std::uint64_t k) { return map.emplace(k); }
  HISLAB_BENCH_ADAPTER void remove(handle h) { map.erase(h); }
  HISLAB_BENCH_ADAPTER T& get(handle h) { return *map.get(h); }
};
#endif

template <class Peer>
std::uint64_t churn(std::uint64_t ops) {
  Peer peer(n);
  std::vector<typename Peer::handle> handles = insert_all(peer);
  std::mt19937 rng(42);
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < ops; ++k) {
    const std::uint32_t p = rng() % n;
    sum += peer.get(handles[p]).key;
    peer.remove(handles[p]);
    handles[p] = peer.insert(n + k);
  }
  return sum;
}

template <class Peer>
std::uint64_t get(std::uint64_t ops) {
  Peer peer(n);
  const std::vector<typename Peer::handle> handles = insert_all(peer);
  std::mt19937 rng(44);
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < ops; ++k) sum += peer.get(handles[rng() % n]).key;
  return sum;
}

template <class Peer>
std::uint64_t fill(std::uint64_t ops) {
  const std::uint32_t room = 1'600'000;
  if (ops > room) std::exit(2);
  Peer peer(room);
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < ops; ++k) sum += peer.insert(k);
  return sum;
}

#if HISLAB_WORKLOAD_LIFECYCLE
using Item64 = hislab_bench::Item<64>;

/// Keeps the compiler from eliding an allocation pair or reusing a value across iterations.
template <class P>
void escape(P p) {
  asm volatile("" : : "r"(p) : "memory");
}

template <class Peer>
std::uint64_t lifecycle(std::uint64_t ops) {
  Peer peer(100'000);  // room for the cold rows' 10^5 live; one is live here
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < ops; ++k) {
    const typename Peer::handle h = peer.insert(k);
    escape(h);
    sum += peer.get(h).key;
    peer.remove(h);
  }
  return sum;
}

struct Pool64 : hislab::LocalPool<Pool64, Item64> {};

/// lifecycle() through a LocalPool: the Slot frees its element when it goes out of scope.
std::uint64_t lifecycle_slot(std::uint64_t ops) {
  Pool64::init(hislab_bench::HiSlabPeer<Item64>::options(100'000));  // the hislab case's slab
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < ops; ++k) {
    const hislab::Slot<Item64, Pool64> s = Pool64::insert(k);
    escape(s.get());
    sum += s->key;
  }
  return sum;
}
#endif

#if HISLAB_WORKLOAD_SAMPLE
std::uint64_t sample(std::uint32_t cap, std::uint64_t ops, std::size_t per_call) {
  hislab::HiSlab<std::uint32_t> slab(hislab::Options{cap, cap});
  for (std::uint32_t i = 0; i < cap; ++i) slab.insert(i);
  std::mt19937_64 rng(43);
  std::vector<hislab::index_type> out(per_call);
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < ops; k += per_call) {
    slab.random_occupied_many(rng, per_call, out.data());
    sum += out[0];
  }
  return sum;
}
#endif

[[noreturn]] void usage() {
  std::fputs(
      "usage: instructions churn {hislab|free_list|slotmap} OPS | get {hislab|hislab_checked|free_list} OPS "
      "|\n"
      "       fill {hislab|free_list_reserved} OPS | sample CAP OPS | sample_many CAP OPS |\n"
      "       lifecycle {hislab|slot|new_delete} OPS\n",
      stderr);
  std::exit(2);
}

/// One workload over one peer: (operations) -> checksum. Only the workload this binary was
/// built for (HISLAB_WORKLOAD_*) is listed.
struct Case {
  const char* workload;
  const char* peer;
  std::uint64_t (*run)(std::uint64_t ops);
};
namespace hb = hislab_bench;
const Case cases[] = {
#if HISLAB_WORKLOAD_CHURN
    {"churn", "hislab", churn<hb::HiSlabPeer<Item16>>},
    {"churn", "free_list", churn<hb::FreeListPeer<Item16>>},
    {"churn", "slotmap", churn<SlotMapPeer<Item16>>},
#endif
#if HISLAB_WORKLOAD_GET
    {"get", "hislab", get<hb::HiSlabPeer<Item16>>},
    {"get", "hislab_checked", get<hb::HiSlabCheckedGetPeer<Item16>>},
    {"get", "free_list", get<hb::FreeListPeer<Item16>>},
#endif
#if HISLAB_WORKLOAD_FILL
    {"fill", "hislab", fill<hb::HiSlabPeer<Item16>>},
    {"fill", "free_list_reserved", fill<hb::FreeListPeer<Item16, true>>},
#endif
#if HISLAB_WORKLOAD_LIFECYCLE
    {"lifecycle", "hislab", lifecycle<hb::HiSlabPeer<Item64>>},
    {"lifecycle", "slot", lifecycle_slot},
    {"lifecycle", "new_delete", lifecycle<hb::NewDeletePeer<Item64>>},
#endif
    {"", "", nullptr},  // keeps the array non-empty in the sampling binary
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) usage();
  const std::uint64_t ops = std::strtoull(argv[3], nullptr, 10);
  for (const Case& c : cases) {
    if (c.run != nullptr && std::strcmp(c.workload, argv[1]) == 0 && std::strcmp(c.peer, argv[2]) == 0) {
      std::printf("%llu\n", static_cast<unsigned long long>(c.run(ops)));
      return 0;
    }
  }
#if HISLAB_WORKLOAD_SAMPLE
  if (std::strcmp(argv[1], "sample") == 0 || std::strcmp(argv[1], "sample_many") == 0) {
    const auto cap = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    if (cap == 0) usage();
    const std::uint64_t sum = sample(cap, ops, std::strcmp(argv[1], "sample") == 0 ? 1 : 256);
    std::printf("%llu\n", static_cast<unsigned long long>(sum));
    return 0;
  }
#endif
  usage();
}
