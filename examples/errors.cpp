// Errors: a full slab throws CapacityError; the try_ forms return an empty optional instead;
// bad indices are refused without undefined behaviour.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <system_error>

int main() {
  std::error_code ec;
  auto made = hislab::HiSlab<int>::try_create(hislab::Options{0, 2}, ec);  // never throws
  if (!made) return 1;
  hislab::HiSlab<int>& slab = *made;

  slab.insert(1);
  slab.insert(2);
  try {
    slab.insert(3);
  } catch (const hislab::CapacityError& e) {
    std::printf("insert: %s\n", e.what());
  }
  if (!slab.try_insert(3)) std::printf("try_insert: full, nothing constructed\n");

  std::printf("get(7) -> %p, contains(7) -> %d, erase(7) -> %d\n", static_cast<void*>(slab.get(7)),
              slab.contains(7), slab.erase(7));
  try {
    (void)slab.at(7);
  } catch (const std::out_of_range& e) {
    std::printf("at(7): %s\n", e.what());
  }

  auto bad = hislab::HiSlab<int>::try_create(hislab::Options{5, 4}, ec);
  std::printf("initial > virtual: %s\n", ec.message().c_str());
  return !bad && ec == std::errc::invalid_argument ? 0 : 1;
}
