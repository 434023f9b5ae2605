// BufferSlab: fixed-size I/O buffers as RAII guards. The pool is one contiguous, page-aligned
// region (data() + index * N), so it can be registered with io_uring or a DMA engine at once.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

int main() {
  hislab::BufferSlab<4096> pool(64, 1024);  // 64 buffers pre-faulted, 1024 at most
  std::printf("pool base %p, %u buffers, page-aligned: %d\n", static_cast<void*>(pool.data()),
              pool.capacity(), reinterpret_cast<std::uintptr_t>(pool.data()) % 4096 == 0);

  std::vector<hislab::BufferSlab<4096>::AutoGuard> in_flight;
  for (int i = 0; i < 3; ++i) {
    auto buf = pool.allocate();  // the smallest free buffer
    std::memcpy(buf.data(), "request", 7);
    std::printf("buffer %u at offset %td\n", buf.index(), buf.data() - pool.data());
    in_flight.push_back(std::move(buf));
  }
  in_flight.erase(in_flight.begin());  // buffer 0 goes back to the pool here
  auto again = pool.allocate();        // and is handed out first
  std::printf("reused buffer %u, in use %u\n", again.index(), pool.size());

  if (auto maybe = pool.try_allocate()) std::printf("try_allocate got %u\n", maybe->index());
  return again.index() == 0 ? 0 : 1;
}
