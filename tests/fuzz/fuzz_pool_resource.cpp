// PoolResource through std::pmr against a model of what is allocated: every block aligned, inside
// nothing else, its bytes kept until it is freed (and across trim()); requests the pool does not
// serve go upstream and come back to it; a full class throws std::bad_alloc and loses nothing.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <memory_resource>
#include <new>
#include <set>

#include "fuzz_input.hpp"

namespace {

class Upstream : public std::pmr::memory_resource {
 public:
  std::set<void*> live;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, align);
    live.insert(p);
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    HISLAB_FUZZ_CHECK(live.erase(p) == 1);
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

struct Block {
  std::size_t bytes, align;
  std::uint8_t fill;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hislab_fuzz::Input in(data, size);
  Upstream up;
  {
    const std::size_t max_block = in.u8() < 200 ? 256 : in.below(4097);
    const std::uint32_t per_class = 1 + in.below(in.u8() < 128 ? 40 : 3000);
    hislab::PoolResource pool(hislab::PoolOptions{max_block, per_class, hislab::HugePages::None}, &up);
    std::map<std::uintptr_t, Block> blocks;
    for (int op = 0; op < 500 && !in.done(); ++op) {
      const std::uint8_t kind = in.u8() % 8;
      if (kind < 4 || blocks.empty()) {
        const std::size_t bytes = in.u8() < 16 ? in.below(6000) : in.below(300);
        const std::size_t align = std::size_t{1} << in.below(in.u8() < 8 ? 14 : 7);
        const std::size_t block = pool.block_size_for(bytes, align);
        void* p = nullptr;
        try {
          p = pool.allocate(bytes, align);
        } catch (const std::bad_alloc&) {
          HISLAB_FUZZ_CHECK(block != 0);  // only a full class refuses
          std::size_t in_class = 0;
          for (const auto& [a, b] : blocks) in_class += pool.block_size_for(b.bytes, b.align) == block;
          HISLAB_FUZZ_CHECK(in_class >= per_class, in_class, per_class);
          continue;
        }
        const auto a = reinterpret_cast<std::uintptr_t>(p);
        HISLAB_FUZZ_CHECK(a % align == 0, a, align);
        HISLAB_FUZZ_CHECK(up.live.count(p) == (block == 0), bytes, align);
        const std::size_t extent = bytes == 0 ? 1 : bytes;
        auto next = blocks.lower_bound(a);
        if (next != blocks.end()) HISLAB_FUZZ_CHECK(a + extent <= next->first);
        if (next != blocks.begin()) {
          const auto prev = std::prev(next);
          HISLAB_FUZZ_CHECK(prev->first + std::max<std::size_t>(prev->second.bytes, 1) <= a);
        }
        const auto fill = static_cast<std::uint8_t>(in.u8() | 1);
        std::memset(p, fill, bytes);
        blocks.emplace(a, Block{bytes, align, fill});
      } else if (kind < 7) {
        auto it = std::next(blocks.begin(), in.below(static_cast<std::uint32_t>(blocks.size())));
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(it->first);
        for (std::size_t k = 0; k < it->second.bytes; ++k) HISLAB_FUZZ_CHECK(bytes[k] == it->second.fill, k);
        pool.deallocate(reinterpret_cast<void*>(it->first), it->second.bytes, it->second.align);
        blocks.erase(it);
      } else {
        (void)pool.trim();
        for (const auto& [a, b] : blocks)
          for (std::size_t k = 0; k < b.bytes; ++k)
            HISLAB_FUZZ_CHECK(reinterpret_cast<const std::uint8_t*>(a)[k] == b.fill, k);
      }
      std::size_t pooled = 0;
      for (const auto& [a, b] : blocks) pooled += !up.live.count(reinterpret_cast<void*>(a));
      HISLAB_FUZZ_CHECK(pool.blocks_in_use() == pooled, pool.blocks_in_use(), pooled);
      if (const char* why = pool.check_invariants()) hislab_fuzz::fail(why);
    }
    for (const auto& [a, b] : blocks) pool.deallocate(reinterpret_cast<void*>(a), b.bytes, b.align);
    HISLAB_FUZZ_CHECK(pool.blocks_in_use() == 0);
  }
  HISLAB_FUZZ_CHECK(up.live.empty());
  return 0;
}
