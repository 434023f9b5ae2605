// std::map, std::list and std::unordered_map with their nodes on slabs, one per size class.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdio>
#include <list>
#include <map>
#include <memory_resource>
#include <unordered_map>

int main() {
  hislab::PoolResource pool;  // classes up to 256 bytes, 2^20 blocks each, address space only

  // Through std::pmr: any container of the std::pmr family.
  std::pmr::map<std::uint64_t, std::uint64_t> prices(&pool);
  std::pmr::unordered_map<std::uint64_t, double> last(&pool);  // its bucket array goes upstream when large
  for (std::uint64_t i = 0; i < 100000; ++i) {
    prices.emplace(i, i * 10);
    last.emplace(i, 0.5 * static_cast<double>(i));
  }

  // Through PoolAllocator: no virtual call, the node's size class chosen at compile time.
  using Alloc = hislab::PoolAllocator<std::uint64_t>;
  std::list<std::uint64_t, Alloc> queue{Alloc(pool)};
  for (std::uint64_t i = 0; i < 1000; ++i) queue.push_back(i);

  std::printf("blocks in use %zu, committed %zu KiB\n", pool.blocks_in_use(), pool.memory_committed() / 1024);
  for (auto it = prices.begin(); it != prices.end();)
    it = it->first % 100 == 0 ? std::next(it) : prices.erase(it);
  const std::size_t released = pool.trim();  // pages that hold free blocks only go back to the OS
  std::printf("after erasing 99%% of the map: released %zu KiB, committed %zu KiB\n", released / 1024,
              pool.memory_committed() / 1024);
  return prices.size() == 1000 && prices.at(500) == 5000 && released > 0 ? 0 : 1;
}
