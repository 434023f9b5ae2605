// PoolResource and PoolAllocator: SPEC section 9, clause by clause, then the standard node
// containers under random insert/erase against the same containers on std::allocator.
#include <sys/mman.h>
#include <unistd.h>
#include <hislab/hislab.hpp>

#include <cerrno>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <memory_resource>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/death.hpp"

using hislab::PoolAllocator;
using hislab::PoolOptions;
using hislab::PoolResource;

namespace {

/// An upstream resource that counts what passes through it.
class CountingResource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0, deallocations = 0, bytes_live = 0;
  std::set<void*> live;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, align);
    ++allocations;
    bytes_live += bytes;
    live.insert(p);
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    REQUIRE(live.erase(p) == 1);
    ++deallocations;
    bytes_live -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

template <class T>
using PA = PoolAllocator<T>;

}  // namespace

// The allocator requirements.
static_assert(std::is_same_v<std::allocator_traits<PA<int>>::value_type, int>);
static_assert(std::is_same_v<std::allocator_traits<PA<int>>::rebind_alloc<double>, PA<double>>);
static_assert(std::allocator_traits<PA<int>>::propagate_on_container_copy_assignment::value);
static_assert(std::allocator_traits<PA<int>>::propagate_on_container_move_assignment::value);
static_assert(std::allocator_traits<PA<int>>::propagate_on_container_swap::value);
static_assert(!std::allocator_traits<PA<int>>::is_always_equal::value);
static_assert(std::is_nothrow_copy_constructible_v<PA<int>>);
static_assert(std::is_nothrow_constructible_v<PA<int>, const PA<double>&>);
static_assert(!std::is_convertible_v<PoolResource&, PA<int>>);  // explicit
static_assert(!std::is_copy_constructible_v<PoolResource>);
static_assert(!std::is_move_constructible_v<PoolResource>);
static_assert(std::is_base_of_v<std::pmr::memory_resource, PoolResource>);

TEST_CASE("PoolResource: options and upstream", "[pool_resource]") {
  PoolResource r;
  REQUIRE(r.upstream() == std::pmr::get_default_resource());
  REQUIRE(r.memory_reserved() > 0);
  const auto before = r.memory_committed();
  std::vector<void*> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(r.allocate(64, 8));
  REQUIRE(r.memory_committed() >= before + 10000 * 64);
  for (void* p : blocks) r.deallocate(p, 64, 8);
  CountingResource up;
  PoolResource r2(PoolOptions{64, 100, hislab::HugePages::None}, &up);
  REQUIRE(r2.upstream() == &up);
  REQUIRE_THROWS_AS(PoolResource(PoolOptions{4097}), std::invalid_argument);
  REQUIRE_THROWS_AS(PoolResource(PoolOptions{256, 0}), std::invalid_argument);
  REQUIRE_THROWS_AS(PoolResource(PoolOptions{256, 16, hislab::HugePages::Require}), std::invalid_argument);
  REQUIRE_THROWS_AS(PoolResource(PoolOptions{}, nullptr), std::invalid_argument);
  PoolResource none(PoolOptions{0, 16}, &up);  // every request goes upstream
  void* p = none.allocate(8, 8);
  REQUIRE(up.allocations == 1);
  none.deallocate(p, 8, 8);
  REQUIRE(up.deallocations == 1);
}

TEST_CASE("PoolResource: size classes", "[pool_resource]") {
  PoolResource r(PoolOptions{4096, 16, hislab::HugePages::None});
  // Every class fits: B >= bytes, natural alignment >= align, and it is the smallest such.
  for (std::size_t bytes = 0; bytes <= 4096; ++bytes) {
    for (std::size_t align = 1; align <= 4096; align *= 2) {
      const std::size_t b = r.block_size_for(bytes, align);
      if (b == 0) continue;
      CAPTURE(bytes, align, b);
      REQUIRE(b >= std::max<std::size_t>(bytes, 1));
      REQUIRE(hislab::detail::buffer_alignment(b) >= align);
      for (const std::size_t smaller : hislab::detail::pool_class_sizes) {
        if (smaller >= b) break;
        REQUIRE((smaller < bytes || hislab::detail::buffer_alignment(smaller) < align));
      }
    }
  }
  REQUIRE(r.block_size_for(1, 1) == 8);
  REQUIRE(r.block_size_for(24, 8) == 24);
  REQUIRE(r.block_size_for(24, 16) == 32);
  REQUIRE(r.block_size_for(65, 8) == 80);
  REQUIRE(r.block_size_for(4096, 4096) == 4096);
  REQUIRE(r.block_size_for(4097, 8) == 0);
  REQUIRE(r.block_size_for(8, 8192) == 0);
  PoolResource small(PoolOptions{100, 16, hislab::HugePages::None});
  REQUIRE(small.block_size_for(100, 8) == 112);
  REQUIRE(small.block_size_for(101, 8) == 0);  // above max_block: upstream
}

TEST_CASE("PoolResource: every block size 1..max is aligned and disjoint", "[pool_resource]") {
  PoolResource r(PoolOptions{4096, 64, hislab::HugePages::None});
  struct Block {
    std::byte* p;
    std::size_t bytes, align;
  };
  std::vector<Block> blocks;
  for (std::size_t bytes = 1; bytes <= 4096; bytes += (bytes < 300 ? 1 : 61)) {
    const std::size_t align = std::size_t{1} << (bytes % 7);
    auto* p = static_cast<std::byte*>(r.allocate(bytes, align));
    REQUIRE(reinterpret_cast<std::uintptr_t>(p) % align == 0);
    std::memset(p, static_cast<int>(bytes & 0xFF), bytes);
    blocks.push_back({p, bytes, align});
  }
  std::vector<Block> sorted = blocks;
  std::sort(sorted.begin(), sorted.end(), [](const Block& a, const Block& b) { return a.p < b.p; });
  for (std::size_t i = 1; i < sorted.size(); ++i)
    REQUIRE(sorted[i - 1].p + sorted[i - 1].bytes <= sorted[i].p);
  for (const auto& b : blocks) {
    for (std::size_t j = 0; j < b.bytes; ++j) REQUIRE(b.p[j] == static_cast<std::byte>(b.bytes & 0xFF));
  }
  REQUIRE(r.blocks_in_use() == blocks.size());
  for (const auto& b : blocks) r.deallocate(b.p, b.bytes, b.align);
  REQUIRE(r.blocks_in_use() == 0);
}

TEST_CASE("PoolResource: smallest free block first; zero-size requests", "[pool_resource]") {
  PoolResource r(PoolOptions{256, 1000, hislab::HugePages::None});
  void* a = r.allocate(40, 8);
  void* b = r.allocate(40, 8);
  void* c = r.allocate(40, 8);
  REQUIRE(static_cast<std::byte*>(b) - static_cast<std::byte*>(a) == 40);
  r.deallocate(a, 40, 8);
  r.deallocate(b, 40, 8);
  REQUIRE(r.allocate(40, 8) == a);
  REQUIRE(r.allocate(33, 8) == b);  // 33 bytes take the 40-byte class too
  void* z1 = r.allocate(0, 1);
  void* z2 = r.allocate(0, 1);
  REQUIRE(z1 != nullptr);
  REQUIRE(z1 != z2);
  r.deallocate(z1, 0, 1);
  r.deallocate(z2, 0, 1);
  r.deallocate(a, 40, 8);
  r.deallocate(b, 33, 8);
  r.deallocate(c, 40, 8);
  REQUIRE(r.blocks_in_use() == 0);
}

TEST_CASE("PoolResource: what it does not serve goes upstream and comes back to it", "[pool_resource]") {
  CountingResource up;
  {
    PoolResource r(PoolOptions{128, 64, hislab::HugePages::None}, &up);
    void* big = r.allocate(129, 8);  // above max_block
    REQUIRE(up.allocations == 1);
    void* huge_align = r.allocate(16, 8192);  // no class is that aligned
    REQUIRE(up.allocations == 2);
    REQUIRE(reinterpret_cast<std::uintptr_t>(huge_align) % 8192 == 0);
    void* strict = r.allocate(24, 256);  // classes up to 128 are at most 128-aligned
    REQUIRE(up.allocations == 3);
    void* small = r.allocate(24, 8);
    REQUIRE(up.allocations == 3);
    r.deallocate(big, 129, 8);
    r.deallocate(huge_align, 16, 8192);
    r.deallocate(strict, 24, 256);
    REQUIRE(up.deallocations == 3);
    r.deallocate(small, 24, 8);
    REQUIRE(up.deallocations == 3);
    REQUIRE(up.live.empty());
    // Arrays through the allocator: one node each goes to the pool, a large array upstream.
    PA<std::uint64_t> alloc(r);
    std::uint64_t* one = alloc.allocate(1);
    std::uint64_t* sixteen = alloc.allocate(16);  // 128 bytes: still a class
    std::uint64_t* many = alloc.allocate(1000);
    REQUIRE(up.allocations == 4);
    REQUIRE(r.blocks_in_use() == 2);
    alloc.deallocate(many, 1000);
    alloc.deallocate(sixteen, 16);
    alloc.deallocate(one, 1);
    REQUIRE(up.deallocations == 4);
    REQUIRE(r.blocks_in_use() == 0);
    REQUIRE_THROWS_AS(alloc.allocate(std::size_t{1} << 62), std::bad_array_new_length);
  }
  REQUIRE(up.live.empty());
}

TEST_CASE("PoolResource: a full class throws std::bad_alloc and loses nothing", "[pool_resource]") {
  PoolResource r(PoolOptions{64, 3, hislab::HugePages::None});
  std::vector<void*> got;
  for (int i = 0; i < 3; ++i) got.push_back(r.allocate(64, 8));
  REQUIRE_THROWS_AS(r.allocate(64, 8), std::bad_alloc);
  PA<std::array<char, 64>> alloc(r);
  REQUIRE_THROWS_AS(alloc.allocate(1), std::bad_alloc);
  REQUIRE(r.blocks_in_use() == 3);
  void* other = r.allocate(8, 8);  // another class is not affected
  r.deallocate(got[1], 64, 8);
  REQUIRE(r.allocate(64, 8) == got[1]);
  for (void* p : got) r.deallocate(p, 64, 8);
  r.deallocate(other, 8, 8);
  REQUIRE(r.blocks_in_use() == 0);
}

TEST_CASE("PoolResource: is_equal is identity; allocators compare by resource", "[pool_resource]") {
  PoolResource a, b;
  REQUIRE(a.is_equal(a));
  REQUIRE_FALSE(a.is_equal(b));
  REQUIRE(a == a);
  REQUIRE_FALSE(a == b);
  PA<int> x(a), y(a), z(b);
  PA<double> xd(x);
  REQUIRE(x == y);
  REQUIRE(x != z);
  REQUIRE(xd == x);
  REQUIRE(xd.resource() == &a);
  PA<int> back(xd);
  REQUIRE(back == x);
}

TEST_CASE("PoolAllocator: propagates with the container", "[pool_resource]") {
  PoolResource a(PoolOptions{256, 1000, hislab::HugePages::None}),
      b(PoolOptions{256, 1000, hislab::HugePages::None});
  using List = std::list<int, PA<int>>;
  List la{PA<int>(a)}, lb{PA<int>(b)};
  for (int i = 0; i < 10; ++i) la.push_back(i);
  lb = la;  // copy assignment propagates: lb's nodes now come from a
  REQUIRE(lb.get_allocator().resource() == &a);
  REQUIRE(a.blocks_in_use() == 20);
  REQUIRE(b.blocks_in_use() == 0);
  List lc{PA<int>(b)};
  lc.push_back(1);
  swap(lc, la);
  REQUIRE(lc.get_allocator().resource() == &a);
  REQUIRE(la.get_allocator().resource() == &b);
  la = std::move(lc);
  REQUIRE(la.get_allocator().resource() == &a);
  la.clear();
  lb.clear();
  REQUIRE(a.blocks_in_use() == 0);
}

TEST_CASE("PoolResource: std::pmr and PoolAllocator containers against std::allocator", "[pool_resource]") {
  PoolResource r(PoolOptions{256, 1u << 16, hislab::HugePages::None});
  std::mt19937_64 rng(0x900D);
  std::map<std::uint64_t, std::uint64_t> ref_map;
  std::list<std::uint64_t> ref_list;
  std::unordered_map<std::uint64_t, std::string> ref_umap;
  std::set<std::uint64_t> ref_set;
  std::pmr::map<std::uint64_t, std::uint64_t> pm(&r);
  std::pmr::list<std::uint64_t> pl(&r);
  std::pmr::unordered_map<std::uint64_t, std::pmr::string> pu(&r);
  std::pmr::set<std::uint64_t> ps(&r);
  using Pair = std::pair<const std::uint64_t, std::uint64_t>;
  std::map<std::uint64_t, std::uint64_t, std::less<>, PA<Pair>> am{PA<Pair>(r)};
  std::set<std::uint64_t, std::less<>, PA<std::uint64_t>> as{PA<std::uint64_t>(r)};
  std::list<std::uint64_t, PA<std::uint64_t>> al{PA<std::uint64_t>(r)};
  using UPair = std::pair<const std::uint64_t, std::uint64_t>;
  std::unordered_map<std::uint64_t, std::uint64_t, std::hash<std::uint64_t>, std::equal_to<>, PA<UPair>> au{
      16, std::hash<std::uint64_t>{}, std::equal_to<>{}, PA<UPair>(r)};
  for (int step = 0; step < 40000; ++step) {
    const std::uint64_t k = rng() % 3000;
    switch (rng() % 4) {
      case 0:
      case 1: {
        ref_map[k] = step;
        pm[k] = step;
        am[k] = step;
        ref_set.insert(k);
        ps.insert(k);
        as.insert(k);
        ref_umap[k] = std::string(k % 40, 'x');
        pu[k] = std::pmr::string(k % 40, 'x');
        au[k] = k;
        ref_list.push_back(k);
        pl.push_back(k);
        al.push_back(k);
        break;
      }
      case 2: {
        REQUIRE(ref_map.erase(k) == pm.erase(k));
        REQUIRE(ref_set.erase(k) == am.erase(k));
        REQUIRE(ps.erase(k) == as.erase(k));
        REQUIRE(ref_umap.erase(k) == pu.erase(k));
        au.erase(k);
        if (!ref_list.empty()) {
          ref_list.pop_front();
          pl.pop_front();
          al.pop_front();
        }
        break;
      }
      default: {
        const auto it = ref_map.find(k);
        const auto pit = pm.find(k);
        REQUIRE((it == ref_map.end()) == (pit == pm.end()));
        if (it != ref_map.end()) REQUIRE(it->second == pit->second);
        break;
      }
    }
  }
  REQUIRE(std::equal(ref_map.begin(), ref_map.end(), pm.begin(), pm.end()));
  REQUIRE(std::equal(ref_map.begin(), ref_map.end(), am.begin(), am.end()));
  REQUIRE(std::equal(ref_set.begin(), ref_set.end(), ps.begin(), ps.end()));
  REQUIRE(std::equal(ref_set.begin(), ref_set.end(), as.begin(), as.end()));
  REQUIRE(std::equal(ref_list.begin(), ref_list.end(), pl.begin(), pl.end()));
  REQUIRE(std::equal(ref_list.begin(), ref_list.end(), al.begin(), al.end()));
  REQUIRE(ref_umap.size() == pu.size());
  for (const auto& [k, v] : ref_umap) REQUIRE(pu.at(k) == v.c_str());
  REQUIRE(au.size() == ref_umap.size());
  REQUIRE(r.blocks_in_use() > 0);
}

TEST_CASE("PoolResource: trim after mass erase lowers committed memory, live nodes intact",
          "[pool_resource]") {
  PoolResource r(PoolOptions{256, 1u << 18, hislab::HugePages::None});
  std::pmr::map<std::uint64_t, std::uint64_t> m(&r);
  for (std::uint64_t i = 0; i < 100000; ++i) m.emplace(i, i * 3);
  const auto full = r.memory_committed();
  REQUIRE(full >= 100000 * 48);
  // Erase all but every 5000th node: most pages hold free blocks only.
  for (auto it = m.begin(); it != m.end();) it = it->first % 5000 == 0 ? std::next(it) : m.erase(it);
  const auto released = r.trim();
  REQUIRE(released > full / 2);
  REQUIRE(r.memory_committed() == full - released);
  REQUIRE(m.size() == 20);
  for (const auto& [k, v] : m) REQUIRE(v == k * 3);
  REQUIRE(r.trim() == 0);
  for (std::uint64_t i = 1; i < 1000; ++i) m.emplace(i, i * 3);
  for (const auto& [k, v] : m) REQUIRE(v == k * 3);
}

TEST_CASE("PoolResource: deallocating what it did not give is an assertion", "[pool_resource]") {
  auto r = hislab_test::run_in_child([] {
    PoolResource pool(PoolOptions{256, 64, hislab::HugePages::None});
    void* p = pool.allocate(32, 8);
    pool.deallocate(static_cast<std::byte*>(p) + 8, 32, 8);  // an interior address
  });
  INFO(r.err);
  REQUIRE(hislab_test::aborted_with(r, "not an allocated block"));
  auto twice = hislab_test::run_in_child([] {
    PoolResource pool(PoolOptions{256, 64, hislab::HugePages::None});
    void* p = pool.allocate(32, 8);
    pool.deallocate(p, 32, 8);
    pool.deallocate(p, 32, 8);
  });
  INFO(twice.err);
  REQUIRE(hislab_test::aborted_with(twice, "not an allocated block"));
}

TEST_CASE("PoolResource: destruction unmaps everything it reserved", "[pool_resource]") {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  std::uintptr_t small = 0, large = 0;
  {
    PoolResource r(PoolOptions{4096, 64, hislab::HugePages::None});
    small = reinterpret_cast<std::uintptr_t>(r.allocate(8, 8));
    large = reinterpret_cast<std::uintptr_t>(r.allocate(4096, 4096));
    unsigned char v = 0;
    REQUIRE(::mincore(reinterpret_cast<void*>(small & ~(page - 1)), page, &v) == 0);
    // Blocks still allocated when the resource goes are released with it (no destructors run).
  }
  unsigned char v = 0;
  REQUIRE(::mincore(reinterpret_cast<void*>(small & ~(page - 1)), page, &v) == -1);
  REQUIRE(errno == ENOMEM);  // not mapped any more
  REQUIRE(::mincore(reinterpret_cast<void*>(large & ~(page - 1)), page, &v) == -1);
}
