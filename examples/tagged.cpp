// TaggedHiSlab: mark a subset (here: orders that need repricing) and work on it alone, at a
// cost that follows the subset, not the whole book.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <random>

struct Order {
  std::uint64_t id;
  std::int64_t price;
};

int main() {
  hislab::TaggedHiSlab<Order> book(0, 1 << 16);
  for (std::uint64_t i = 0; i < 10'000; ++i) {
    const auto idx = book.emplace(i, 100);
    if (i % 100 == 0) book.tag(idx);  // 1% need attention
  }
  book.insert_tagged(Order{424242, 99});

  for (auto [index, order] : book.tagged()) order.price += 1;  // visits 101 orders, not 10,001

  // Untag what is done, drop what is dead; untagged orders are never visited.
  book.retain_tag([](hislab::index_type, Order& o) { return o.price < 101; });
  std::printf("tagged after retain_tag: %u of %u\n", book.count_tagged(), book.size());

  std::mt19937 rng(7);
  if (auto pick = book.random_tagged(rng))
    std::printf("random tagged order: %llu\n", (unsigned long long)pick->value.id);
  book.erase(book.tagged().begin().index());  // removing an element clears its tag
  return book.count_tagged() == 0 && book.size() == 10'000 ? 0 : 1;
}
