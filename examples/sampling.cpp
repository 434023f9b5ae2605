// Exactly uniform random sampling of live elements: O(log capacity) whatever the
// fragmentation, no allocation, deterministic for a given generator state.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <random>
#include <vector>

int main() {
  hislab::HiSlab<int> entities(0, 1 << 20);
  for (int i = 0; i < 100'000; ++i) entities.insert(i);
  entities.retain([](hislab::index_type i, int&) { return i % 1000 == 0; });  // 100 left, spread out

  std::mt19937_64 rng(2026);
  if (auto e = entities.random_occupied(rng)) std::printf("one: %u -> %d\n", e->index, e->value);

  std::vector<hislab::index_type> with_replacement, distinct;
  entities.random_occupied_many(rng, 5, std::back_inserter(with_replacement));
  entities.random_occupied_unique(rng, 5, std::back_inserter(distinct));
  for (auto i : distinct) std::printf("distinct: %u\n", i);

  std::vector<hislab::index_type> all;
  entities.random_occupied_unique(rng, 1'000'000, std::back_inserter(all));  // n >= size: all of them
  std::printf("asked for a million, got %zu (size %u)\n", all.size(), entities.count_occupied());
  return all.size() == entities.size() && distinct.size() == 5 ? 0 : 1;
}
