// Generational keys: a stale key never reaches the element that later takes its slot.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

struct OrderTag {};
struct Order {
  std::string symbol;
  std::int64_t qty;
};

int main() {
  hislab::SlotMap<Order, OrderTag> orders;
  using OrderKey = hislab::Key<OrderTag>;  // does not convert to or from keys of other tags

  const OrderKey a = orders.insert({"AAPL", 100});
  const OrderKey b = orders.emplace("MSFT", std::int64_t{50});
  orders.erase(a);                                // a is stale from now on
  const OrderKey c = orders.insert({"NVDA", 7});  // reuses slot 0 under a new generation

  std::printf("a = slot %u gen %u, c = slot %u gen %u\n", a.index(), a.generation(), c.index(),
              c.generation());
  if (orders.get(a) == nullptr) std::printf("the stale key a finds nothing\n");

  // Keys travel as one integer; anything forged or corrupted is answered as absent, never UB.
  const std::uint64_t wire = b.to_bits();
  const OrderKey back = OrderKey::from_bits(wire);
  const OrderKey forged = OrderKey::from_bits(wire ^ 0x1'0000'0000ull);
  std::printf("from the wire: %s; forged: %s\n", orders.at(back).symbol.c_str(),
              orders.contains(forged) ? "found" : "absent");

  for (auto [key, order] : orders)
    std::printf("slot %u: %s x%lld\n", key.index(), order.symbol.c_str(), static_cast<long long>(order.qty));

  return orders.size() == 2 && orders.get(a) == nullptr && back == b && !orders.contains(forged) ? 0 : 1;
}
