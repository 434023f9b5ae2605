// An owning handle the size of a pointer, from a typed pool with one slab per thread.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <thread>

struct Order {
  int id;
  double price;
};
struct OrderPool : hislab::LocalPool<OrderPool, Order> {};  // the type names the pool
using OrderSlot = hislab::Slot<Order, OrderPool>;

static_assert(sizeof(OrderSlot) == sizeof(Order*));

int main() {
  OrderPool::init(hislab::Options{0, 1u << 16});  // this thread's slab

  {
    OrderSlot o = OrderPool::insert(1, 101.5);  // constructed in the smallest vacant slot
    o->price += 0.5;                            // a plain pointer dereference
    OrderSlot moved = std::move(o);             // move-only; o is empty now
    std::printf("order %d at %.1f, slot %u, %u live\n", moved->id, moved->price, moved.index(),
                OrderPool::size());
  }  // destroyed: the Order is destroyed and its slot freed
  std::printf("after scope: %u live\n", OrderPool::size());

  // leak() hands ownership to an index, for structures that keep indices (free() ends it).
  const auto index = OrderPool::insert(2, 99.0).leak();
  std::printf("leaked order %d at index %u\n", OrderPool::get(index)->id, index);
  const bool refused = !OrderPool::shutdown();  // refuses while anything is live
  OrderPool::free(index);

  // Another thread has a pool of its own.
  std::thread([] {
    OrderPool::init();
    OrderSlot there = OrderPool::insert(3, 1.0);
    std::printf("other thread: slot %u, %u live there\n", there.index(), OrderPool::size());
  }).join();

  return refused && OrderPool::shutdown() ? 0 : 1;
}
