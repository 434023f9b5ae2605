// HierBitmap against a plain reference bitmap: every query after every operation class,
// at capacities on both sides of the 64-, 512-, 32768- and 262144-bit level boundaries.
#include <hislab/detail/sanitizer.hpp>  // HISLAB_DETAIL_ASAN
#include <hislab/hier_bitmap.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "support/catch.hpp"
#include "support/environment.hpp"
#include "support/reference_bitmap.hpp"

using hislab::HierBitmap;
using hislab::npos;
using hislab_test::ReferenceBitmap;

namespace {

/// Runs body(rng, bitmap, reference) once per seed 1..seeds, on a fresh pair of `cap` bits.
template <class Body>
void with_seeds(std::uint32_t seeds, std::uint32_t cap, Body body) {
  for (std::uint32_t seed = 1; seed <= seeds; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    HierBitmap h(cap);
    ReferenceBitmap r(cap);
    body(rng, h, r);
  }
}

void check_equal(const HierBitmap& h, const ReferenceBitmap& r, std::mt19937& rng) {
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(h.count() == r.count());
  REQUIRE(h.find_first_unset() == r.find_first_unset());
  REQUIRE(h.all() == (r.count() == r.capacity()));
  for (int k = 0; k < 8; ++k) {
    const auto from = static_cast<hislab::index_type>(rng() % (r.capacity() + 2));
    REQUIRE(h.find_next_set(from) == r.find_next_set(from));
    REQUIRE(h.test(from) == r.test(from));
    if (from < r.capacity()) {
      REQUIRE(h.test_in_range(from) == r.test(from));
      REQUIRE(HierBitmap::test_in_range(h.words(), from) == r.test(from));
    }
  }
  if (r.count() != 0) {
    const auto k = static_cast<hislab::size_type>(rng() % r.count());
    REQUIRE(h.select(k) == r.select(k));
  }
  REQUIRE(h.select(r.count()) == npos);
  // select_many: a batch of 32 and a remainder, ranks past count() answer npos. One check in
  // 16: the reference's select() is a linear scan.
  if (rng() % 16 != 0) return;
  std::vector<hislab::size_type> ranks(37);
  for (auto& k : ranks) k = static_cast<hislab::size_type>(rng() % (r.count() + 3));
  std::vector<hislab::index_type> got(ranks.size(), 7);
  h.select_many(ranks.data(), ranks.size(), got.data());
  for (std::size_t k = 0; k < ranks.size(); ++k) REQUIRE(got[k] == r.select(ranks[k]));
}

}  // namespace

TEST_CASE("HierBitmap: differential test against a reference bitmap", "[bitmap]") {
  const std::uint32_t caps[] = {1,    2,     63,    64,    65,     511,    512,   513,
                                1000, 32767, 32768, 32769, 262143, 262144, 262145};
  for (const std::uint32_t cap : caps) {
    const std::uint32_t seed = 1000 + cap;
    INFO("capacity " << cap << ", seed " << seed);
    std::mt19937 rng(seed);
    HierBitmap h(cap);
    ReferenceBitmap r(cap);
    REQUIRE(h.capacity() == cap);
    const int ops = cap < 1000 ? 4000 : 20000;
    for (int op = 0; op < ops; ++op) {
      const auto i = static_cast<hislab::index_type>(rng() % (cap + 3));
      switch (rng() % 6) {
        case 0:
        case 1:
          REQUIRE(h.set(i) == r.set(i));
          break;
        case 2:
          REQUIRE(h.reset(i) == r.reset(i));
          break;
        case 3: {
          const auto got = h.set_first_unset();
          const auto want = r.find_first_unset();
          REQUIRE(got == want);
          if (want != npos) r.set(want);
          break;
        }
        case 4: {  // fill or empty a whole block region, to cross full/empty flips
          const auto base = static_cast<hislab::index_type>((rng() % (cap / 512 + 1)) * 512);
          const bool fill = rng() % 2 != 0;
          for (hislab::index_type k = base; k < base + 512 && k < cap; ++k)
            REQUIRE((fill ? h.set(k) : h.reset(k)) == (fill ? r.set(k) : r.reset(k)));
          break;
        }
        default:
          check_equal(h, r, rng);
          break;
      }
      REQUIRE(h.check_invariants() == nullptr);
    }
    check_equal(h, r, rng);
    // words(): every bit below capacity, read as the words a caller's loop reads.
    std::uint32_t word_mismatches = 0;
    for (hislab::index_type k = 0; k < cap; ++k)
      word_mismatches += ((h.words()[k / 64] >> (k % 64)) & 1u) != (r.test(k) ? 1u : 0u);
    REQUIRE(word_mismatches == 0);
    std::vector<hislab::index_type> seen, want;
    h.for_each_set([&](hislab::index_type k) { seen.push_back(k); });
    for (auto k = r.find_next_set(0); k != npos; k = r.find_next_set(k + 1)) want.push_back(k);
    REQUIRE(seen == want);
    h.clear();
    REQUIRE(h.count() == 0);
    REQUIRE(h.find_next_set(0) == npos);
    REQUIRE(h.find_first_unset() == 0);
    // Fill completely: the last (partial) block must count as full.
    for (std::uint32_t k = 0; k < cap; ++k) REQUIRE(h.set_first_unset() == k);
    REQUIRE(h.all());
    REQUIRE(h.find_first_unset() == npos);
    REQUIRE(h.set_first_unset() == npos);
    REQUIRE(h.reset(cap - 1));
    REQUIRE(h.find_first_unset() == cap - 1);
    if (cap > 1) {
      REQUIRE(h.reset(0));
      REQUIRE(h.find_first_unset() == 0);
    }
  }
}

TEST_CASE("HierBitmap: largest capacity, sparse use near both ends", "[bitmap]") {
  HierBitmap h(0xFFFF'FFFFu);
  REQUIRE(h.capacity() == 0xFFFF'FFFFu);
  REQUIRE(h.set(0xFFFF'FFFEu));
  REQUIRE_FALSE(h.set(0xFFFF'FFFFu));  // == capacity: refused
  REQUIRE(h.set(5));
  REQUIRE(h.set(1u << 31));
  REQUIRE(h.find_next_set(0) == 5);
  REQUIRE(h.find_next_set(6) == (1u << 31));
  REQUIRE(h.find_next_set((1u << 31) + 1) == 0xFFFF'FFFEu);
  REQUIRE(h.select(0) == 5);
  REQUIRE(h.select(1) == (1u << 31));
  REQUIRE(h.select(2) == 0xFFFF'FFFEu);
  REQUIRE(h.select(3) == npos);
  const hislab::size_type ranks[] = {2, 0, 3, 1};
  hislab::index_type got[4];
  h.select_many(ranks, 4, got);
  REQUIRE((got[0] == 0xFFFF'FFFEu && got[1] == 5 && got[2] == npos && got[3] == (1u << 31)));
  REQUIRE(h.find_first_unset() == 0);
  REQUIRE(h.count() == 3);
  h.clear();
  REQUIRE(h.count() == 0);
  REQUIRE(h.find_next_set(0) == npos);
}

TEST_CASE("HierBitmap: bad input", "[bitmap][errors]") {
  REQUIRE_THROWS_AS(HierBitmap(0), std::invalid_argument);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  REQUIRE_FALSE(HierBitmap::try_create(0, ec));
  REQUIRE(ec == std::errc::invalid_argument);
  auto ok = HierBitmap::try_create(100, ec);
  REQUIRE(ok);
  REQUIRE(!ec);
  HierBitmap h(100);
  REQUIRE_FALSE(h.test(100));
  REQUIRE_FALSE(h.set(100));
  REQUIRE_FALSE(h.reset(100));
  REQUIRE_FALSE(h.reset(5));  // already 0
  REQUIRE(h.set(5));
  REQUIRE_FALSE(h.set(5));  // already 1
  REQUIRE(h.count() == 1);
  REQUIRE(h.find_next_set(100) == npos);
  REQUIRE(h.find_next_set(npos) == npos);
}

TEST_CASE("HierBitmap: move leaves an empty bitmap", "[bitmap]") {
  HierBitmap a(1000);
  a.set(3);
  a.set(999);
  HierBitmap b(std::move(a));
  REQUIRE(b.count() == 2);
  REQUIRE(b.test(999));
  REQUIRE(a.capacity() == 0);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  REQUIRE(a.words() == nullptr);
  REQUIRE(b.words() != nullptr);
  REQUIRE(a.count() == 0);
  REQUIRE(a.find_first_unset() == npos);
  REQUIRE(a.find_next_set(0) == npos);
  REQUIRE_FALSE(a.set(0));
  HierBitmap c(10);
  c = std::move(b);
  REQUIRE(c.capacity() == 1000);
  REQUIRE(c.select(1) == 999);
  swap(a, c);
  REQUIRE(a.count() == 2);
  REQUIRE(c.capacity() == 0);
}

TEST_CASE("HierBitmap: select is exact after a move, a swap and clear()", "[bitmap]") {
  // The level counts travel with the bits (move, swap), and clear() zeroes every count it
  // leaves behind: a stale count of a cleared group would send select() into an empty group.
  // Capacities with two and three count levels; `far` is in another group at every level.
  for (const std::uint32_t cap : {100'000u, 20'000'000u}) {
    INFO("capacity " << cap);
    const hislab::index_type far = cap - 5;
    HierBitmap a(cap);
    REQUIRE((a.set(7) && a.set(600) && a.set(far) && a.reset(600)));
    HierBitmap b(std::move(a));
    REQUIRE((b.select(0) == 7 && b.select(1) == far && b.select(2) == npos));
    HierBitmap c(64);
    swap(b, c);
    REQUIRE((c.select(0) == 7 && c.select(1) == far && c.select(2) == npos));
    c.clear();
    REQUIRE(c.select(0) == npos);
    REQUIRE(c.set(far));
    REQUIRE(c.select(0) == far);
    const std::vector<hislab::size_type> ranks(HierBitmap::select_batch_size, 0);  // one batch
    std::vector<hislab::index_type> got(ranks.size(), 0);
    c.select_many(ranks.data(), ranks.size(), got.data());
    REQUIRE(got == std::vector<hislab::index_type>(ranks.size(), far));
  }
}

TEST_CASE("HierBitmap: the lowest unset bit is exact after every operation, across block flips", "[bitmap]") {
  // Regression: the cached hint and next hint must survive arbitrary set/reset, whole-block
  // fills and empties, and set_first_unset, in any order.
  const std::uint32_t cap = 512 * 6 + 100;
  with_seeds(60, cap, [&](std::mt19937& rng, HierBitmap& h, ReferenceBitmap& r) {
    for (int op = 0; op < 1500; ++op) {
      const auto i = static_cast<hislab::index_type>(rng() % cap);
      switch (rng() % 4) {
        case 0:
          REQUIRE(h.set(i) == r.set(i));
          break;
        case 1:
          REQUIRE(h.reset(i) == r.reset(i));
          break;
        case 2: {
          const auto want = r.find_first_unset();
          REQUIRE(h.set_first_unset() == want);
          if (want != npos) r.set(want);
          break;
        }
        default: {
          const auto base = static_cast<hislab::index_type>((rng() % 7) * 512);
          const bool fill = rng() % 2 != 0;
          for (hislab::index_type k = base; k < base + 512 && k < cap; ++k) {
            if (fill) {
              h.set(k);
              r.set(k);
            } else {
              h.reset(k);
              r.reset(k);
            }
          }
        }
      }
      REQUIRE(h.find_first_unset() == r.find_first_unset());
    }
  });
}

TEST_CASE("HierBitmap: the lowest unset bit is exact under churn in a nearly full bitmap", "[bitmap]") {
  // The state a full slab under churn lives in: every block full but for a few bits freed in one
  // or two blocks (often twice in the same block), refilled through set_first_unset(). Each
  // round ends by filling the bitmap completely, which runs the descent for the next non-full
  // block over every full bit: one left stale or wrong hands out a set bit, or the bitmap
  // reports free bits it does not have.
  const std::uint32_t cap = 512 * 5 + 37;
  with_seeds(40, cap, [&](std::mt19937& rng, HierBitmap& h, ReferenceBitmap& r) {
    for (int round = 0; round < 30; ++round) {
      // Free a few bits, from at most two blocks, below a partly free tail.
      const auto tail = static_cast<hislab::index_type>(cap - 1 - rng() % 600);
      for (hislab::index_type k = tail; k < cap; ++k) REQUIRE(h.reset(k) == r.reset(k));
      const auto blk = static_cast<hislab::index_type>(rng() % (tail / 512 + 1));
      for (int f = 0, nf = 1 + static_cast<int>(rng() % 4); f < nf; ++f) {
        const auto block = f % 2 == 0 ? blk : static_cast<hislab::index_type>(rng() % (tail / 512 + 1));
        const auto i =
            static_cast<hislab::index_type>(std::min<std::uint32_t>(block * 512 + rng() % 512, tail - 1));
        REQUIRE(h.reset(i) == r.reset(i));
        REQUIRE(h.find_first_unset() == r.find_first_unset());
        if (rng() % 3 == 0) {  // a refill between the frees
          const auto want = r.find_first_unset();
          REQUIRE(h.set_first_unset() == want);
          r.set(want);
        }
      }
      // Fill up completely through set_first_unset(): every index exact, then none left.
      for (auto want = r.find_first_unset(); want != npos; want = r.find_first_unset()) {
        REQUIRE(h.set_first_unset() == want);
        r.set(want);
      }
      REQUIRE(h.all());
      REQUIRE(h.count() == cap);
      REQUIRE(h.set_first_unset() == npos);
      REQUIRE(h.find_first_unset() == npos);
    }
  });
}

namespace {

/// The rank-r set bit of a bitmap of `cap` bits that are all set but those in `zeros`.
hislab::index_type select_in_full(std::uint32_t cap, const std::set<hislab::index_type>& zeros,
                                  std::uint64_t r) {
  if (r >= cap - zeros.size()) return npos;
  std::uint64_t i = r;
  for (const auto z : zeros)
    if (z <= i) ++i;
  return static_cast<hislab::index_type>(i);
}

}  // namespace

TEST_CASE("HierBitmap: select is exact while a freed lowest bit is parked or its count owed", "[bitmap]") {
  // An erase that frees the new lowest 0 of a full block below the hint parks it: every summary
  // still counts it as set. Any other change settles it, and then the rank counts above the
  // blocks still count it (its decrement is owed, and the insert that refills it owes no
  // increment). count() and select() must answer around it at every rank: below it, at it,
  // above it in its own block, group of 64 blocks and later ones, one by one and in batches;
  // and every later operation must either cancel or pay what is parked or owed. Nearly full
  // bitmaps with one, two and three count levels.
  for (const std::uint32_t cap : {20'000u, 300'000u, 3'000'000u}) {
    INFO("capacity " << cap);
    std::mt19937 rng(cap);
    HierBitmap h(cap);
    for (std::uint32_t k = 0; k < cap; ++k) REQUIRE(h.set_first_unset() == k);
    std::set<hislab::index_type> zeros;
    auto check = [&] {
      REQUIRE(h.check_invariants() == nullptr);
      REQUIRE(h.count() == cap - zeros.size());
      REQUIRE(h.find_first_unset() == (zeros.empty() ? npos : *zeros.begin()));
      for (const auto z : zeros) {  // a parked bit reads as 0 in its word too
        REQUIRE_FALSE(h.test(z));
        REQUIRE_FALSE(HierBitmap::test_in_range(h.words(), z));
      }
      std::vector<hislab::size_type> ranks;
      const std::uint64_t n = h.count();
      for (const auto z : zeros)  // around each 0 bit, including past the last rank
        for (std::int64_t d = -2; d <= 2; ++d)
          if (std::int64_t(z) + d >= 0) ranks.push_back(static_cast<hislab::size_type>(z + d));
      for (int k = 0; k < 20; ++k) ranks.push_back(static_cast<hislab::size_type>(rng() % (n + 2)));
      ranks.push_back(static_cast<hislab::size_type>(n - 1));
      for (const auto r : ranks) REQUIRE(h.select(r) == select_in_full(cap, zeros, r));
      std::vector<hislab::index_type> got(ranks.size(), 7);
      h.select_many(ranks.data(), ranks.size(), got.data());
      for (std::size_t k = 0; k < ranks.size(); ++k) REQUIRE(got[k] == select_in_full(cap, zeros, ranks[k]));
    };
    auto free_bit = [&](hislab::index_type i) {
      REQUIRE(h.reset(i));
      zeros.insert(i);
      check();
    };
    for (int round = 0; round < 25; ++round) {
      // One bit freed (the new lowest 0, owed), then taken back by the next insert.
      free_bit(static_cast<hislab::index_type>(rng() % cap));
      REQUIRE(h.set_first_unset() == *zeros.begin());
      zeros.erase(zeros.begin());
      check();
      // A lower bit freed after it (the first is paid), a higher one (paid at once), refilled
      // through set() of the lowest and of another, and through set_first_unset().
      const auto a = static_cast<hislab::index_type>(cap / 2 + rng() % (cap / 2));
      free_bit(a);
      free_bit(static_cast<hislab::index_type>(rng() % a));
      if (a + 1 < cap) free_bit(static_cast<hislab::index_type>(a + 1 + rng() % (cap - a - 1)));
      const auto lowest = *zeros.begin();
      REQUIRE(h.set(lowest));
      zeros.erase(lowest);
      check();
      const auto other = *zeros.rbegin();
      REQUIRE(h.set(other));
      zeros.erase(other);
      check();
      while (!zeros.empty()) {
        REQUIRE(h.set_first_unset() == *zeros.begin());
        zeros.erase(zeros.begin());
        check();
      }
    }
    // Owed across a move and a swap.
    free_bit(static_cast<hislab::index_type>(rng() % cap));
    HierBitmap moved(std::move(h));
    HierBitmap small(64);
    swap(moved, small);
    h = std::move(small);
    check();
    REQUIRE(h.set_first_unset() == *zeros.begin());
    zeros.clear();
    check();
  }
  // clear() pays what is owed first: the owed bit's group may be one clear() skips as empty.
  HierBitmap h(100'000);
  const hislab::index_type far = 99'000;
  REQUIRE((h.set_first_unset() == 0 && h.set(far) && h.reset(0)));  // 0: owed, its group empty
  REQUIRE((h.select(0) == far && h.select(1) == npos));
  h.clear();
  REQUIRE(h.set(far));
  REQUIRE((h.select(0) == far && h.select(1) == npos));
}

TEST_CASE("HierBitmap::populate commits the levels of a prefix and changes no bit", "[bitmap][novalgrind]") {
  HierBitmap h(1u << 20);
  REQUIRE(h.memory_committed() < (1u << 20) / 8);
  REQUIRE(!h.populate(0));
  REQUIRE(!h.populate(1u << 20));
  REQUIRE(h.memory_committed() >= (1u << 20) / 8);
  REQUIRE(h.count() == 0);
  REQUIRE(h.find_first_unset() == 0);
  HierBitmap empty;
  REQUIRE(!empty.populate(100));
#if !HISLAB_DETAIL_ASAN  // AddressSanitizer faults in its shadow memory
  if (hislab_test::populate_write_populates()) {
    // Setting one bit per block touches every page of every level: no fault after populate,
    // one per page (32 of blocks alone) without it.
    auto faults_setting_every_block = [](HierBitmap& b) {
      const long before = hislab_test::minor_faults();
      for (hislab::index_type i = 0; i < (1u << 20); i += 512) b.set(i);
      return hislab_test::minor_faults() - before;
    };
    HierBitmap cold(1u << 20);
    REQUIRE(faults_setting_every_block(cold) >= 32);
    REQUIRE(faults_setting_every_block(h) == 0);
    REQUIRE(h.count() == (1u << 20) / 512);
  }
#endif
}

namespace hislab::detail {
/// Corrupts one piece of a bitmap's state at a time, to show that check_invariants() notices.
struct HierBitmapTestAccess {
  static void flip_block_bit(HierBitmap& h, std::size_t i) {
    h.blocks_[i >> 9].w[(i >> 6) & 7] ^= 1ull << (i & 63);
  }
  static void bump_block_count(HierBitmap& h, std::size_t b) { ++h.c0_[b]; }
  static void bump_count(HierBitmap& h) { ++h.count_; }
  static void flip_nonempty(HierBitmap& h, int l, std::size_t j) {
    h.lv_->nonempty[l][j >> 6] ^= 1ull << (j & 63);
  }
  static void flip_full(HierBitmap& h, int l, std::size_t j) { h.lv_->full[l][j >> 6] ^= 1ull << (j & 63); }
  static void bump_rank_count(HierBitmap& h, int l, std::size_t g) { ++h.lv_->counts[l][g]; }
  static void set_hint(HierBitmap& h, std::size_t b) { h.hint_ = b; }
  static void set_next_hint(HierBitmap& h, std::size_t b) { h.next_hint_ = b; }
  static void set_first_unset(HierBitmap& h, hislab::detail::LowestUnset fz) { h.first_unset_ = fz; }
  static bool parked(const HierBitmap& h) { return h.first_unset_.parked(); }
  static void settle(HierBitmap& h) { h.settle_parked(); }
  static void set_used_blocks(HierBitmap& h, std::size_t n) { h.lv_->used_blocks = n; }
  static bool nonempty_bit(const HierBitmap& h, std::size_t b) {
    return (h.lv_->nonempty[1][b >> 6] >> (b & 63)) & 1u;
  }
  static bool full_bit(const HierBitmap& h, std::size_t b) { return h.full_bit(b); }
};
}  // namespace hislab::detail

TEST_CASE("HierBitmap::check_invariants notices each kind of corruption", "[bitmap]") {
  using A = hislab::detail::HierBitmapTestAccess;
  // 3 levels; blocks 0-99 full, 100 half full, 200 with one bit; lowest 0 known and owed.
  auto make = [] {
    HierBitmap h(3'000'000);
    for (std::uint32_t k = 0; k < 100 * 512 + 256; ++k) h.set_first_unset();
    h.set(200 * 512 + 3);
    h.reset(17);   // parked: every summary still counts it
    A::settle(h);  // now the new lowest 0: its decrement is owed, block 0 is the hint with a stale bit
    return h;
  };
  REQUIRE(make().check_invariants() == nullptr);
  // Each corruption, and the check that reports it first.
  struct Case {
    const char* what;
    void (*corrupt)(HierBitmap&);
    const char* reported;
  };
  const std::vector<Case> cases = {
      {"a block bit without its counts", [](HierBitmap& h) { A::flip_block_bit(h, 150 * 512 + 9); },
       "a block count differs from the block's popcount"},
      {"a block count", [](HierBitmap& h) { A::bump_block_count(h, 100); },
       "a block count differs from the block's popcount"},
      {"count()", [](HierBitmap& h) { A::bump_count(h); },
       "count() differs from the sum of the block counts"},
      {"a non-empty bit", [](HierBitmap& h) { A::flip_nonempty(h, 1, 150); },
       "a non-empty summary bit is wrong"},
      {"a non-empty bit above level 1", [](HierBitmap& h) { A::flip_nonempty(h, 2, 3); },
       "a non-empty summary bit is wrong"},
      {"a full bit", [](HierBitmap& h) { A::flip_full(h, 1, 50); },
       "a full bit is wrong (other than the hint's, set)"},
      {"a full bit above level 1", [](HierBitmap& h) { A::flip_full(h, 2, 1); },
       "a full summary bit above level 1 is wrong"},
      {"a level-1 rank count", [](HierBitmap& h) { A::bump_rank_count(h, 1, 1); },
       "a level-1 rank count is wrong"},
      {"a level-2 rank count", [](HierBitmap& h) { A::bump_rank_count(h, 2, 0); },
       "a rank count above level 1 is wrong"},
      // Block 0's stale full bit is allowed only while it is the hint.
      {"the hint", [](HierBitmap& h) { A::set_hint(h, 100); },
       "a full bit is wrong (other than the hint's, set)"},
      {"the next hint", [](HierBitmap& h) { A::set_next_hint(h, 150); },
       "next_hint_ is not the next non-full block"},
      {"the cached lowest 0",
       [](HierBitmap& h) { A::set_first_unset(h, hislab::detail::LowestUnset::at(18, true)); },
       "the cached lowest 0 is not the lowest 0"},
      // Not owed: the rank counts, which still count bit 17, should not.
      {"the owed flag", [](HierBitmap& h) { A::set_first_unset(h, hislab::detail::LowestUnset::at(17)); },
       "a level-1 rank count is wrong"},
      {"the blocks in use", [](HierBitmap& h) { A::set_used_blocks(h, 200); },
       "used_blocks does not cover a non-empty block"},
      // Parked: block 0's count, which no longer counts bit 17, should.
      {"the parked flag",
       [](HierBitmap& h) { A::set_first_unset(h, hislab::detail::LowestUnset::parked_at(17)); },
       "a block count differs from the block's popcount"},
      {"a flag without a bit",
       [](HierBitmap& h) { A::set_first_unset(h, hislab::detail::LowestUnset::at(~std::size_t{0}, true)); },
       "the cached lowest 0 has a flag without a bit, or both flags"},
  };
  for (const auto& c : cases) {
    INFO("corrupted: " << c.what);
    HierBitmap h = make();
    c.corrupt(h);
    const char* why = h.check_invariants();
    REQUIRE(why != nullptr);
    REQUIRE(std::string(why) == c.reported);
  }
  // A parked bit, whose summaries all count it as set.
  {
    auto parked = [] {
      HierBitmap h(3'000'000);
      for (std::uint32_t k = 0; k < 100 * 512 + 256; ++k) h.set_first_unset();
      h.reset(17);
      return h;
    };
    HierBitmap h = parked();
    REQUIRE(A::parked(h));
    REQUIRE(h.check_invariants() == nullptr);
    // Not parked: block 0's count still counts bit 17.
    A::set_first_unset(h, hislab::detail::LowestUnset::at(17));
    REQUIRE(std::string(h.check_invariants()) == "a block count differs from the block's popcount");
    // Parked at a set bit.
    h = parked();
    A::set_first_unset(h, hislab::detail::LowestUnset::parked_at(18));
    REQUIRE(std::string(h.check_invariants()) == "the parked bit is not a 0 below the capacity");
    // Parked in the hint block (100), where no bit may be parked.
    h = parked();
    h.set(17);
    REQUIRE(h.check_invariants() == nullptr);
    REQUIRE(h.reset(100 * 512 + 3));
    REQUIRE(h.check_invariants() == nullptr);
    REQUIRE(!A::parked(h));
    // Counted as set again (block 100 is group 1 at level 1, group 0 at level 2), so that
    // every count holds and only the place of the parked bit is wrong.
    A::set_first_unset(h, hislab::detail::LowestUnset::parked_at(100 * 512 + 3));
    A::bump_block_count(h, 100);
    A::bump_rank_count(h, 1, 1);
    A::bump_rank_count(h, 2, 0);
    REQUIRE(std::string(h.check_invariants()) == "the parked bit is not below the hint block");
  }
  // A bit set past the capacity.
  HierBitmap tail(1000);
  A::flip_block_bit(tail, 1010);
  REQUIRE(tail.check_invariants() != nullptr);
  REQUIRE(std::string(tail.check_invariants()) == "a bit at or past the capacity is set");
  // A full bit past the last block flipped (5,860 blocks; level 1 has words for 5,888).
  {
    HierBitmap h = make();
    const bool was = A::full_bit(h, 5870);
    A::flip_full(h, 1, 5870);
    REQUIRE(std::string(h.check_invariants()) ==
            (was ? "a full bit past the end is clear" : "a full bit past the end is set before padding"));
  }
  // One summary level (1,000 bits): its single rank count must be count().
  {
    HierBitmap one(1000);
    for (std::uint32_t k = 0; k < 600; ++k) one.set_first_unset();
    REQUIRE(one.check_invariants() == nullptr);
    A::bump_rank_count(one, 1, 0);
    REQUIRE(std::string(one.check_invariants()) == "the one rank count is not count()");
  }
}

TEST_CASE("HierBitmap: the hint block emptied keeps its summary bits until the hint moves", "[bitmap]") {
  using A = hislab::detail::HierBitmapTestAccess;
  auto visited = [](const HierBitmap& h) {
    std::vector<hislab::index_type> v;
    h.for_each_set([&](hislab::index_type i) { v.push_back(i); });
    return v;
  };
  // 3 levels. Blocks 0 and 1 full, block 2 the hint, bits in blocks 3 and 700.
  HierBitmap h(3'000'000);
  for (std::uint32_t k = 0; k < 2 * 512; ++k) REQUIRE(h.set_first_unset() == k);
  REQUIRE(h.set(3 * 512 + 5));
  REQUIRE(h.set(700 * 512 + 1));
  // The one element of the hint block made and dropped over and over: the block empties each time.
  for (int round = 0; round < 3; ++round) {
    REQUIRE(h.set_first_unset() == 2 * 512);
    REQUIRE(h.check_invariants() == nullptr);
    REQUIRE(h.reset(2 * 512));
    REQUIRE(h.check_invariants() == nullptr);
    REQUIRE(A::nonempty_bit(h, 2));  // stale: the block is empty
    REQUIRE(A::full_bit(h, 2));      // stale with it
    // Queries see an empty block.
    REQUIRE(h.find_next_set(2 * 512 - 1) == 2 * 512 - 1);
    REQUIRE(h.find_next_set(2 * 512) == 3 * 512 + 5);
    REQUIRE(h.find_next_set(3 * 512 + 6) == 700 * 512 + 1);
    REQUIRE(h.count() == 2 * 512 + 2);
    REQUIRE(h.find_first_unset() == 2 * 512);
    const auto v = visited(h);
    REQUIRE(v.size() == 2 * 512 + 2);
    REQUIRE(v[2 * 512] == 3 * 512 + 5);
  }
  // The same through the general paths: set() and reset_known().
  REQUIRE(h.set(2 * 512 + 9));
  REQUIRE(h.check_invariants() == nullptr);
  h.reset_known(2 * 512 + 9);
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(A::nonempty_bit(h, 2));
  // A bit freed in a full block below is parked: no summary changes.
  REQUIRE(h.reset(100));
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(A::parked(h));
  REQUIRE(A::nonempty_bit(h, 2));
  REQUIRE(h.find_first_unset() == 100);
  REQUIRE(h.count() == 2 * 512 + 1);
  // Settled, the hint moves down, block 2's bits become exact.
  A::settle(h);
  REQUIRE(!A::parked(h));
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(!A::nonempty_bit(h, 2));
  REQUIRE(!A::full_bit(h, 2));
  REQUIRE(h.find_next_set(100) == 101);
  REQUIRE(h.find_next_set(2 * 512) == 3 * 512 + 5);
  // The hint block refilled to the top: the hint moves up to the empty block 2, exact.
  REQUIRE(h.set_first_unset() == 100);
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(h.find_first_unset() == 2 * 512);
  // Filled to the top while stale: the bits are exact again and the hint moves on.
  REQUIRE(h.set_first_unset() == 2 * 512);
  REQUIRE(h.reset(2 * 512));
  for (std::uint32_t k = 0; k < 512; ++k) REQUIRE(h.set_first_unset() == 2 * 512 + k);
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(A::nonempty_bit(h, 2));
  REQUIRE(h.find_first_unset() == 3 * 512);
  // clear() with a stale hint.
  for (std::uint32_t k = 0; k < 512; ++k) REQUIRE(h.reset(2 * 512 + k));
  REQUIRE(h.check_invariants() == nullptr);
  h.clear();
  REQUIRE(h.check_invariants() == nullptr);
  REQUIRE(h.find_next_set(0) == npos);
  REQUIRE(visited(h).empty());
  // The checker holds the empty hint's two bits to each other.
  REQUIRE(h.set_first_unset() == 0);
  REQUIRE(h.reset(0));
  REQUIRE(h.check_invariants() == nullptr);
  A::flip_full(h, 1, 0);
  REQUIRE(h.check_invariants() != nullptr);
}

TEST_CASE("clear() of a bitmap never set writes nothing and keeps every invariant", "[bitmap]") {
  for (const hislab::size_type cap : {1u, 100u, 512u * 64u + 3u, 3'000'000u}) {
    INFO("capacity " << cap);
    HierBitmap h(cap);
    h.clear();
    REQUIRE(h.check_invariants() == nullptr);
    REQUIRE(h.memory_committed() == 0);
    REQUIRE(h.set_first_unset() == 0);
    REQUIRE(h.check_invariants() == nullptr);
    h.clear();
    REQUIRE(h.count() == 0);
    REQUIRE(h.check_invariants() == nullptr);
  }
}
