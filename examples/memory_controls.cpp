// Options and memory: reserve address space for the worst case, pre-fault what you need now,
// give pages back after a burst, without moving a single element.
#include <hislab/hislab.hpp>

#include <cstdio>

struct Order {
  std::uint64_t id;
  std::int64_t price;
  std::int64_t quantity;
};

int main() {
  hislab::Options opts;
  opts.virtual_capacity = 10'000'000;  // the hard cap: address space only
  opts.initial_capacity = 100'000;     // pre-faulted now, so the first inserts never page-fault
  opts.huge_pages = hislab::HugePages::Advise;
  hislab::HiSlab<Order> book(opts);
  std::printf("reserved %zu MiB, committed %zu KiB\n", book.memory_reserved() >> 20,
              book.memory_committed() >> 10);

  for (std::uint64_t i = 0; i < 1'000'000; ++i) book.emplace(i, 100 + static_cast<std::int64_t>(i % 7), 10);
  const Order* first = book.get(0);
  std::printf("after a burst of 1M orders: committed %zu KiB\n", book.memory_committed() >> 10);

  book.retain([](hislab::index_type i, Order&) { return i < 1000; });  // the burst is over
  const std::size_t released = book.trim();
  std::printf("trim() released %zu KiB; committed %zu KiB; order 0 did not move: %s\n", released >> 10,
              book.memory_committed() >> 10, book.get(0) == first ? "yes" : "no");
  return book.get(0) == first && released > 0 ? 0 : 1;
}
