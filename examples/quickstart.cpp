// The README's first example: stable indices, lowest-vacant reuse, iteration.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <string>

int main() {
  hislab::HiSlab<std::string> names;  // 2^20 slots of address space, nothing committed yet

  const auto alice = names.insert("alice");  // 0
  const auto bob = names.insert("bob");      // 1
  names.emplace(3, '!');                     // 2: constructed in place as std::string(3, '!')

  names.erase(alice);                        // 0 is vacant now
  const auto carol = names.insert("carol");  // the smallest vacant index: 0 again

  for (auto [index, name] : names) std::printf("%u: %s\n", index, name.c_str());

  if (const std::string* p = names.get(bob)) std::printf("bob is still at %u: %s\n", bob, p->c_str());
  std::printf("carol reused index %u; size %u of %u\n", carol, names.size(), names.capacity());
  return carol == alice && names.size() == 3 ? 0 : 1;
}
