// Instructions per operation, for bench/instructions.sh to run under callgrind: time on a shared
// 2-core machine moves by more than the differences it is asked about, instruction counts do
// not. One process does one case; the script runs each at two operation counts and divides the
// difference by the extra operations, so building the container cancels out.
//
//   instructions churn <peer> <ops>     peer: hislab | free_list. A full slab of 10^6 16-byte
//                                       elements, then <ops> remove + insert at random positions
//                                       (the churn workload of bench_compare).
//   instructions sample <cap> <ops>     a full HiSlab of <cap> slots, then <ops> calls of
//                                       random_occupied_many(g, 1, out).
//   instructions sample_many <cap> <ops>  the same <ops> draws, 256 per call.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "peers.hpp"

namespace {

using Item16 = hislab_bench::Item<16>;

template <class Peer>
std::uint64_t churn(std::uint64_t ops) {
  const std::uint32_t n = 1'000'000;
  Peer peer(n);
  std::vector<typename Peer::handle> handles(n);
  for (std::uint32_t i = 0; i < n; ++i) handles[i] = peer.insert(i);
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

[[noreturn]] void usage() {
  std::fputs("usage: instructions churn {hislab|free_list} OPS | sample CAP OPS | sample_many CAP OPS\n",
             stderr);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) usage();
  const std::uint64_t ops = std::strtoull(argv[3], nullptr, 10);
  std::uint64_t sum = 0;
  if (std::strcmp(argv[1], "churn") == 0) {
    if (std::strcmp(argv[2], "hislab") == 0)
      sum = churn<hislab_bench::HiSlabPeer<Item16>>(ops);
    else if (std::strcmp(argv[2], "free_list") == 0)
      sum = churn<hislab_bench::FreeListPeer<Item16>>(ops);
    else
      usage();
  } else if (std::strcmp(argv[1], "sample") == 0 || std::strcmp(argv[1], "sample_many") == 0) {
    const auto cap = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    if (cap == 0) usage();
    sum = sample(cap, ops, std::strcmp(argv[1], "sample") == 0 ? 1 : 256);
  } else {
    usage();
  }
  std::printf("%llu\n", static_cast<unsigned long long>(sum));
}
