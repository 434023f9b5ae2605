#include <hislab/hislab.hpp>

#include <cstdio>

int main() {
  hislab::HiSlab<int> slab(0, 1000);
  const auto a = slab.insert(1);
  const auto b = slab.insert(2);
  slab.erase(a);
  const bool ok = slab.insert(3) == a && slab[b] == 2 && slab.size() == 2;
  std::printf("hislab %s (%s): %s\n", HISLAB_VERSION, hislab::simd_backend.data(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
