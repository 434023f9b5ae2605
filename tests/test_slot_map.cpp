// SlotMap<T, Tag> and Key<Tag>: SPEC section 7, clause by clause, then a model-based random test
// that keeps every key the map ever handed out and checks that no stale key ever resolves.
#include <hislab/hislab.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"
#include "support/death.hpp"

using hislab::index_type;
using hislab::Key;
using hislab::KeyEntry;
using hislab::npos;
using hislab::Options;
using hislab::SlotMap;
using hislab_test::Counted;

namespace {
struct OrderTag {};
struct UserTag {};
using Access = hislab::detail::SlotMapTestAccess;
}  // namespace

static_assert(std::is_trivially_copyable_v<Key<>>);
static_assert(sizeof(Key<>) == 8);
static_assert(sizeof(Key<OrderTag>) == 8);
static_assert(!std::is_convertible_v<Key<OrderTag>, Key<UserTag>>);
static_assert(!std::is_constructible_v<Key<OrderTag>, Key<UserTag>>);
static_assert(!std::is_convertible_v<Key<OrderTag>, Key<>>);
static_assert(std::is_same_v<SlotMap<int, OrderTag>::key_type, Key<OrderTag>>);
static_assert(std::is_same_v<SlotMap<int>::value_type, int>);
static_assert(std::forward_iterator<SlotMap<int>::iterator>);
static_assert(std::forward_iterator<SlotMap<int>::const_iterator>);
static_assert(std::ranges::forward_range<SlotMap<int>>);
static_assert(std::ranges::forward_range<const SlotMap<int>>);
static_assert(
    std::is_same_v<std::iter_reference_t<SlotMap<int, OrderTag>::iterator>, KeyEntry<int, OrderTag>>);
static_assert(std::is_same_v<std::iter_reference_t<SlotMap<int>::const_iterator>, KeyEntry<const int>>);
static_assert(std::is_nothrow_move_constructible_v<SlotMap<int>>);
static_assert(std::is_nothrow_move_assignable_v<SlotMap<int>>);
static_assert(std::is_nothrow_swappable_v<SlotMap<int>>);
static_assert(!std::is_copy_constructible_v<SlotMap<std::unique_ptr<int>>>);
static_assert(std::is_copy_constructible_v<SlotMap<std::string>>);

TEST_CASE("Key: null key, bits, comparisons, hash", "[slot_map]") {
  constexpr Key<> null;
  STATIC_REQUIRE(null.is_null());
  STATIC_REQUIRE(null.index() == npos);
  STATIC_REQUIRE(null.generation() == 0);
  STATIC_REQUIRE(Key<>::from_bits(null.to_bits()) == null);
  constexpr auto k = Key<>::from_bits(0x0000'0007'0000'0003ull);
  STATIC_REQUIRE(k.index() == 3);
  STATIC_REQUIRE(k.generation() == 7);
  STATIC_REQUIRE(!k.is_null());
  STATIC_REQUIRE(k.to_bits() == 0x0000'0007'0000'0003ull);
  REQUIRE(Key<>::from_bits(k.to_bits()) == k);
  REQUIRE(k != null);
  // Ordered by index, then generation.
  REQUIRE(Key<>::from_bits(0x0000'0009'0000'0002ull) < k);
  REQUIRE(Key<>::from_bits(0x0000'0001'0000'0003ull) < k);
  REQUIRE((k <=> k) == std::strong_ordering::equal);
  std::unordered_set<Key<OrderTag>> set;
  SlotMap<int, OrderTag> m;
  for (int i = 0; i < 100; ++i) set.insert(m.insert(i));
  REQUIRE(set.size() == 100);
  REQUIRE(std::hash<Key<>>{}(k) == std::hash<Key<>>{}(Key<>::from_bits(k.to_bits())));
}

TEST_CASE("SlotMap: construction, options and errors as HiSlab", "[slot_map]") {
  SlotMap<int> a;
  REQUIRE(a.capacity() == (1u << 20));
  REQUIRE(a.empty());
  SlotMap<int> b(10, 100);
  REQUIRE(b.capacity() == 100);
  REQUIRE(b.memory_committed() >= 10 * sizeof(int));
  REQUIRE(b.memory_reserved() >= 100 * (sizeof(int) + sizeof(std::uint32_t)));
  REQUIRE_THROWS_AS(SlotMap<int>(Options{0, 0}), std::invalid_argument);
  REQUIRE_THROWS_AS(SlotMap<int>(Options{5, 4}), std::invalid_argument);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  auto ok = SlotMap<int>::try_create(Options{0, 8}, ec);
  REQUIRE(ok);
  REQUIRE(!ec);
  REQUIRE(ok->capacity() == 8);
  auto bad = SlotMap<int>::try_create(Options{9, 8}, ec);
  REQUIRE(!bad);
  REQUIRE(ec == std::errc::invalid_argument);
}

TEST_CASE("SlotMap: insert hands out the smallest vacant slot, keys go stale on removal", "[slot_map]") {
  SlotMap<std::string> m(0, 16);
  const auto a = m.insert("a");
  const auto b = m.emplace(3, 'b');
  const std::string c_str = "c";
  const auto c = m.insert(c_str);
  REQUIRE(a.index() == 0);
  REQUIRE(b.index() == 1);
  REQUIRE(c.index() == 2);
  REQUIRE(m.size() == 3);
  REQUIRE(*m.get(b) == "bbb");
  REQUIRE(m.contains(a));
  REQUIRE(m.erase(b));
  REQUIRE_FALSE(m.contains(b));
  REQUIRE(m.get(b) == nullptr);
  REQUIRE_FALSE(m.erase(b));
  REQUIRE_FALSE(m.remove(b));
  REQUIRE_THROWS_AS(m.at(b), std::out_of_range);
  // Slot 1 is reused, under a new generation: the old key does not reach the new element.
  const auto d = m.insert("d");
  REQUIRE(d.index() == 1);
  REQUIRE(d.generation() != b.generation());
  REQUIRE(m.get(b) == nullptr);
  REQUIRE(*m.get(d) == "d");
  REQUIRE(m.at(d) == "d");
  REQUIRE(m[d] == "d");
  auto moved = m.remove(d);
  REQUIRE(moved);
  REQUIRE(*moved == "d");
  REQUIRE_FALSE(m.contains(d));
  const auto& cm = m;
  REQUIRE(*cm.get(a) == "a");
  REQUIRE(cm.at(c) == "c");
  REQUIRE(cm.get(d) == nullptr);
  REQUIRE_THROWS_AS(cm.at(d), std::out_of_range);
}

TEST_CASE("SlotMap: null, out-of-range and forged keys are harmless", "[slot_map]") {
  SlotMap<int> m(0, 100);
  const auto k = m.insert(1);
  std::vector<Key<>> bad = {Key<>{},
                            Key<>::from_bits(0xFFFF'FFFF'FFFF'FFFFull),
                            Key<>::from_bits(std::uint64_t{k.generation()} << 32 | 100),  // index == capacity
                            Key<>::from_bits(std::uint64_t{k.generation()} << 32 | 99),   // vacant slot
                            Key<>::from_bits(std::uint64_t{k.generation() + 1} << 32),    // wrong generation
                            Key<>::from_bits(std::uint64_t{k.generation() + 2} << 32),
                            Key<>::from_bits(0)};
  for (const auto key : bad) {
    CAPTURE(key.to_bits());
    REQUIRE(m.get(key) == nullptr);
    REQUIRE_FALSE(m.contains(key));
    REQUIRE_FALSE(m.erase(key));
    REQUIRE_FALSE(m.remove(key));
    REQUIRE_THROWS_AS(m.at(key), std::out_of_range);
    REQUIRE_FALSE(m.get_disjoint(key, k));
  }
  // Every generation of a vacant slot, and every other generation of a live one.
  for (std::uint32_t g = 0; g < 64; ++g) {
    REQUIRE(m.get(Key<>::from_bits(std::uint64_t{g} << 32 | 5)) == nullptr);
    if (g != k.generation()) REQUIRE(m.get(Key<>::from_bits(std::uint64_t{g} << 32 | 0)) == nullptr);
  }
  REQUIRE(m.size() == 1);
  REQUIRE(*m.get(k) == 1);
  // A moved-from map (capacity 0) answers every key as absent.
  SlotMap<int> other(std::move(m));
  REQUIRE(m.capacity() == 0);
  REQUIRE(m.get(k) == nullptr);
  REQUIRE_FALSE(m.erase(k));
  REQUIRE(m.key_of(0u).is_null());
  REQUIRE(*other.get(k) == 1);
}

TEST_CASE("SlotMap: operator[] on a key that is not live is an assertion", "[slot_map]") {
  auto r = hislab_test::run_in_child([] {
    SlotMap<int> m;
    const auto k = m.insert(1);
    m.erase(k);
    (void)m[k];
  });
  INFO(r.err);
  REQUIRE(hislab_test::aborted_with(r, "operator[]"));
}

TEST_CASE("SlotMap: full, try_ forms and capacity errors", "[slot_map]") {
  SlotMap<Counted> m(0, 3);
  Counted::reset();
  for (int i = 0; i < 3; ++i) m.emplace(i);
  REQUIRE(m.full());
  REQUIRE_THROWS_AS(m.emplace(9), hislab::CapacityError);
  REQUIRE_THROWS_AS(m.vacant_entry(), hislab::CapacityError);
  REQUIRE_FALSE(m.try_emplace(9));
  Counted arg(5);
  REQUIRE_FALSE(m.try_insert(std::move(arg)));
  REQUIRE(arg.value == 5);  // untouched
  REQUIRE_FALSE(m.try_vacant_entry());
  REQUIRE(m.size() == 3);
  REQUIRE(Counted::live == 4);
}

#if HISLAB_TEST_EXCEPTIONS
TEST_CASE("SlotMap: a throwing constructor changes nothing", "[slot_map]") {
  using hislab_test::ThrowOnNth;
  SlotMap<ThrowOnNth> m(0, 8);
  const auto a = m.emplace(1);
  ThrowOnNth::arm(1);
  REQUIRE_THROWS_AS(m.emplace(2), int);
  REQUIRE(m.size() == 1);
  const auto b = m.emplace(3);
  REQUIRE(b.index() == 1);
  REQUIRE(m.get(b)->value == 3);
  REQUIRE(m.get(a)->value == 1);
  // A failed insert burns no generation: the next key of slot 1 is its first.
  REQUIRE(b.generation() == a.generation());
}
#endif

TEST_CASE("SlotMap: vacant entries know their key before the value exists", "[slot_map]") {
  SlotMap<int> m(0, 8);
  const auto a = m.insert(0);
  m.erase(a);
  {
    auto e = m.vacant_entry();
    const auto k = e.key();
    REQUIRE(k.index() == 0);
    REQUIRE(k != a);
    REQUIRE_FALSE(m.contains(k));
    REQUIRE(m.size() == 0);
    REQUIRE(m.insert(7).index() == 1);  // the held slot is not handed out
    auto moved = std::move(e);
    REQUIRE(moved.key() == k);
    REQUIRE(e.key() == k);  // the entry moved from still names the slot's next key
    int& v = moved.insert(static_cast<int>(k.index()) + 40);
    REQUIRE(v == 40);
    REQUIRE(m.contains(k));
    REQUIRE(*m.get(k) == 40);
    REQUIRE(m.key_of(0u) == k);
    REQUIRE(moved.key() == k);  // spent: still the key of the element it made
  }
  {
    auto e = m.try_vacant_entry();
    REQUIRE(e);
    const auto k = e->key();
    REQUIRE(k.index() == 2);
    // destroyed unused: the slot is vacant again and its key never becomes valid
  }
  REQUIRE(m.size() == 2);
  const auto n = m.insert(9);
  REQUIRE(n.index() == 2);
}

TEST_CASE("SlotMap: a misused VacantEntry is caught by assertions", "[slot_map]") {
  SECTION("insert on a spent entry") {
    const auto r = hislab_test::run_in_child([] {
      SlotMap<int> m(0, 8);
      auto e = m.vacant_entry();
      auto taken = std::move(e);
      e.insert(1);
    });
    INFO(r.err);
    REQUIRE(
        hislab_test::aborted_with(r, "SlotMap::VacantEntry::insert on a spent or moved-from entry; index 0"));
  }
  SECTION("insert after the map was swapped") {
    const auto r = hislab_test::run_in_child([] {
      SlotMap<int> a(0, 8), b(0, 8);
      b.insert(1);  // b's slot 0 is live
      auto e = a.vacant_entry();
      a.swap(b);
      e.insert(2);
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(r, "VacantEntry::insert into a slab that does not hold its index"));
  }
  SECTION("the map assigned over while its entry holds a slot") {
    const auto r = hislab_test::run_in_child([] {
      SlotMap<int> a(0, 8), b(0, 8);
      auto e = a.vacant_entry();
      a = b;
    });
    INFO(r.err);
    REQUIRE(hislab_test::aborted_with(
        r, "assigned to or moved from while VacantEntry objects hold indices; count 1"));
  }
}

TEST_CASE("SlotMap: key_of by index and by address", "[slot_map]") {
  SlotMap<int> m(0, 16);
  const auto a = m.insert(1), b = m.insert(2);
  REQUIRE(m.key_of(0u) == a);
  REQUIRE(m.key_of(1u) == b);
  REQUIRE(m.key_of(2u).is_null());
  REQUIRE(m.key_of(16u).is_null());
  REQUIRE(m.key_of(npos).is_null());
  REQUIRE(m.key_of(m.get(b)) == b);
  const int outside = 3;
  REQUIRE(m.key_of(&outside).is_null());
  REQUIRE(m.key_of(static_cast<const int*>(nullptr)).is_null());
  const int* p = m.get(a);
  REQUIRE(m.key_of(reinterpret_cast<const int*>(reinterpret_cast<const char*>(p) + 1)).is_null());
  m.erase(a);
  REQUIRE(m.key_of(p).is_null());
  REQUIRE(m.key_of(0u).is_null());
}

TEST_CASE("SlotMap: get_disjoint", "[slot_map]") {
  SlotMap<int> m;
  const auto a = m.insert(1), b = m.insert(2);
  auto both = m.get_disjoint(a, b);
  REQUIRE(both);
  both->first = 10;
  both->second = 20;
  REQUIRE(*m.get(a) == 10);
  REQUIRE(*m.get(b) == 20);
  REQUIRE_FALSE(m.get_disjoint(a, a));
  m.erase(b);
  REQUIRE_FALSE(m.get_disjoint(a, b));
  REQUIRE_FALSE(m.get_disjoint(b, a));
}

TEST_CASE("SlotMap: iteration, for_each, retain and drain pass keys", "[slot_map]") {
  SlotMap<int, OrderTag> m(0, 2000);
  std::vector<Key<OrderTag>> keys;
  for (int i = 0; i < 1500; ++i) keys.push_back(m.insert(i));
  for (int i = 0; i < 1500; i += 3) m.erase(keys[static_cast<std::size_t>(i)]);
  std::vector<Key<OrderTag>> seen;
  for (auto [key, value] : m) {
    REQUIRE(m.get(key) == &value);
    seen.push_back(key);
    value += 1;
  }
  REQUIRE(seen.size() == m.size());
  REQUIRE(std::is_sorted(seen.begin(), seen.end()));
  std::vector<Key<OrderTag>> seen_const;
  for (auto [key, value] : std::as_const(m)) {
    static_assert(std::is_same_v<decltype(value), const int&>);
    REQUIRE(value == static_cast<int>(key.index()) + 1);
    seen_const.push_back(key);
  }
  REQUIRE(seen_const == seen);
  std::vector<Key<OrderTag>> visited;
  m.for_each([&](Key<OrderTag> k, int& v) {
    REQUIRE(m.get(k) == &v);
    visited.push_back(k);
  });
  REQUIRE(visited == seen);
  std::as_const(m).for_each(
      [&](Key<OrderTag> k, const int& v) { REQUIRE(v == static_cast<int>(k.index()) + 1); });
  // retain: keys of removed elements go stale.
  std::vector<Key<OrderTag>> removed;
  const auto n = m.retain([&](Key<OrderTag> k, int& v) {
    if (v % 2 == 0) return true;
    removed.push_back(k);
    return false;
  });
  REQUIRE(n == removed.size());
  for (const auto k : removed) REQUIRE_FALSE(m.contains(k));
  for (auto [key, value] : m) REQUIRE(value % 2 == 0);
  // drain: every element moved out with its key, the map empty, every key stale.
  std::vector<std::pair<Key<OrderTag>, int>> drained;
  m.drain([&](Key<OrderTag> k, int&& v) { drained.emplace_back(k, v); });
  REQUIRE(m.empty());
  REQUIRE(std::is_sorted(drained.begin(), drained.end()));
  for (const auto& [k, v] : drained) REQUIRE_FALSE(m.contains(k));
}

TEST_CASE("SlotMap: clear makes every key stale and destroys every element", "[slot_map]") {
  Counted::reset();
  {
    SlotMap<Counted> m(0, 600);
    std::vector<Key<>> keys;
    for (int i = 0; i < 600; ++i) keys.push_back(m.emplace(i));
    m.clear();
    REQUIRE(m.empty());
    REQUIRE(Counted::live == 0);
    for (const auto k : keys) REQUIRE_FALSE(m.contains(k));
    const auto k = m.emplace(1);
    REQUIRE(k.index() == 0);
    REQUIRE(k != keys[0]);
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("SlotMap: copies keep keys live and stale keys stale; moves and swaps", "[slot_map]") {
  SlotMap<std::string> m(0, 64);
  std::vector<Key<>> live, stale;
  for (int i = 0; i < 40; ++i) live.push_back(m.insert(std::to_string(i)));
  for (int i = 0; i < 40; i += 4) {
    m.erase(live[static_cast<std::size_t>(i)]);
    stale.push_back(live[static_cast<std::size_t>(i)]);
  }
  std::erase_if(live, [&](Key<> k) { return !m.contains(k); });
  SlotMap<std::string> copy(m);
  REQUIRE(copy.size() == m.size());
  REQUIRE(copy.capacity() == m.capacity());
  for (const auto k : live) REQUIRE(*copy.get(k) == *m.get(k));
  for (const auto k : stale) REQUIRE_FALSE(copy.contains(k));
  // Reuse in the copy does not revive the source's stale keys.
  const auto reused = copy.insert("new");
  REQUIRE(reused.index() == stale[0].index());
  REQUIRE_FALSE(copy.contains(stale[0]));
  REQUIRE_FALSE(m.contains(reused));
  SlotMap<std::string> assigned(0, 1);
  assigned = m;
  REQUIRE(assigned.capacity() == 64);
  for (const auto k : live) REQUIRE(assigned.contains(k));
  SlotMap<std::string> moved(std::move(assigned));
  REQUIRE(assigned.capacity() == 0);
  REQUIRE(assigned.empty());
  for (const auto k : live) REQUIRE(moved.contains(k));
  SlotMap<std::string> other(0, 4);
  const auto o = other.insert("o");
  swap(moved, other);
  REQUIRE(*moved.get(o) == "o");
  REQUIRE(other.contains(live[0]));
  other = std::move(moved);
  REQUIRE(other.contains(o));
  REQUIRE_FALSE(other.contains(live[0]));
}

TEST_CASE("SlotMap: a slot whose generations are used up retires", "[slot_map]") {
  SlotMap<Counted> m(0, 4);
  Counted::reset();
  Access::set_last_generation(m, 7);  // generations 1, 3, 5, 7: four keys per slot
  std::vector<Key<>> keys;
  for (int round = 0; round < 4; ++round) {
    const auto k = m.emplace(round);
    REQUIRE(k.index() == 0);
    keys.push_back(k);
    REQUIRE(m.erase(k));
  }
  REQUIRE(m.retired() == 1);
  REQUIRE(m.size() == 0);
  REQUIRE(Counted::live == 0);
  for (const auto k : keys) REQUIRE_FALSE(m.contains(k));
  // Forged keys of every generation find nothing at the retired slot.
  for (std::uint32_t g = 0; g < 20; ++g) REQUIRE(m.get(Key<>::from_bits(std::uint64_t{g} << 32)) == nullptr);
  REQUIRE(m.key_of(0u).is_null());
  // Slot 0 is never handed out again.
  const auto next = m.emplace(9);
  REQUIRE(next.index() == 1);
  REQUIRE(m.size() == 1);
  std::size_t n = 0;
  for (auto [key, value] : m) {
    REQUIRE(key == next);
    ++n;
  }
  REQUIRE(n == 1);
  std::mt19937 g(3);
  for (int i = 0; i < 50; ++i) REQUIRE(m.random_occupied(g)->key == next);
  // Retire the rest through remove, retain and drain; full() once every slot is retired or taken.
  auto take_and_use_up = [&](auto&& kill) {
    for (int round = 0; round < 4; ++round) {
      const auto k = m.emplace(round);
      kill(k);
    }
  };
  take_and_use_up([&](Key<> k) { REQUIRE(m.remove(k)); });  // slot 2
  REQUIRE(m.retired() == 2);
  take_and_use_up([&](Key<> k) { REQUIRE(m.retain([&](Key<> x, Counted&) { return x != k; }) == 1); });
  REQUIRE(m.retired() == 3);
  REQUIRE(m.full());
  REQUIRE_THROWS_AS(m.emplace(1), hislab::CapacityError);
  REQUIRE_FALSE(m.try_emplace(1));
  // Retired slots survive copies and clear(); elements still live are destroyed once.
  SlotMap<Counted> copy(m);
  REQUIRE(copy.retired() == 3);
  REQUIRE(copy.full());
  REQUIRE(copy.contains(next));
  m.clear();
  REQUIRE(m.retired() == 3);
  REQUIRE(m.size() == 0);
  REQUIRE_FALSE(m.full());
  const auto again = m.emplace(1);
  REQUIRE(again.index() == 1);
  REQUIRE(again != next);
  (void)m.trim();
  REQUIRE(m.retired() == 3);
}

TEST_CASE("SlotMap: sampling yields keys of live elements, uniformly", "[slot_map]") {
  SlotMap<int> m(0, 5000);
  std::vector<Key<>> keys;
  for (int i = 0; i < 4000; ++i) keys.push_back(m.insert(i));
  for (int i = 0; i < 4000; i += 2) m.erase(keys[static_cast<std::size_t>(i)]);
  std::mt19937_64 g(11);
  auto one = m.random_occupied(g);
  REQUIRE(one);
  REQUIRE(m.get(one->key) == &one->value);
  auto cone = std::as_const(m).random_occupied(g);
  static_assert(std::is_same_v<decltype(cone), std::optional<KeyEntry<const int>>>);
  REQUIRE(m.contains(cone->key));
  std::vector<Key<>> many;
  m.random_occupied_many(g, 20000, std::back_inserter(many));
  REQUIRE(many.size() == 20000);
  std::map<Key<>, int> hits;
  for (const auto k : many) {
    REQUIRE(m.contains(k));
    ++hits[k];
  }
  // 2000 live, 10 expected hits each: none may be wildly off (chi-square style bound).
  double chi = 0;
  for (const auto& [k, h] : hits) chi += (h - 10.0) * (h - 10.0) / 10.0;
  chi += (2000.0 - static_cast<double>(hits.size())) * 10.0;  // elements never hit
  REQUIRE(chi < 2400);                                        // 1999 degrees of freedom; mean 1999, sd ~63
  std::vector<Key<>> unique;
  m.random_occupied_unique(g, 300, std::back_inserter(unique));
  REQUIRE(unique.size() == 300);
  REQUIRE(std::set<Key<>>(unique.begin(), unique.end()).size() == 300);
  for (const auto k : unique) REQUIRE(m.contains(k));
  unique.clear();
  m.random_occupied_unique(g, 9999, std::back_inserter(unique));
  REQUIRE(unique.size() == m.size());
  REQUIRE(m.count_occupied() == m.size());
  SlotMap<int> empty;
  REQUIRE_FALSE(empty.random_occupied(g));
  unique.clear();
  empty.random_occupied_many(g, 5, std::back_inserter(unique));
  REQUIRE(unique.empty());
  // Deterministic for a given generator state.
  std::mt19937_64 g1(5), g2(5);
  std::vector<Key<>> s1, s2;
  m.random_occupied_many(g1, 100, std::back_inserter(s1));
  m.random_occupied_many(g2, 100, std::back_inserter(s2));
  REQUIRE(s1 == s2);
}

TEST_CASE("SlotMap: memory controls", "[slot_map]") {
  SlotMap<std::uint64_t> m(0, 1u << 16);
  const auto before = m.memory_committed();
  m.reserve(10000);
  REQUIRE(m.memory_committed() >= before + 10000 * (sizeof(std::uint64_t) + sizeof(std::uint32_t)));
  REQUIRE_THROWS_AS(m.reserve((1u << 16) + 1), hislab::CapacityError);
  std::vector<Key<>> keys;
  for (int i = 0; i < 10000; ++i) keys.push_back(m.insert(static_cast<std::uint64_t>(i)));
  for (int i = 0; i < 9000; ++i) m.erase(keys[static_cast<std::size_t>(i)]);
  const auto committed = m.memory_committed();
  const auto released = m.trim();
  REQUIRE(released > 0);
  REQUIRE(m.memory_committed() == committed - released);
  for (int i = 9000; i < 10000; ++i)
    REQUIRE(*m.get(keys[static_cast<std::size_t>(i)]) == static_cast<std::uint64_t>(i));
  for (int i = 0; i < 9000; ++i) REQUIRE_FALSE(m.contains(keys[static_cast<std::size_t>(i)]));
  // Reinserting after trim does not revive any key (generations are never released).
  for (int i = 0; i < 9000; ++i) {
    const auto k = m.insert(1);
    REQUIRE(k != keys[static_cast<std::size_t>(k.index())]);
  }
  const auto ec = m.try_collapse();
  CAPTURE(ec.message());
  REQUIRE((!ec || ec.category() == std::system_category()));
  REQUIRE(m.size() == 10000);
}

TEST_CASE("SlotMap: model-based random test; no stale key ever resolves", "[slot_map]") {
  for (const std::uint32_t cap : {1u, 7u, 513u, 5000u}) {
    const std::uint64_t seed = 0x5107'0000u + cap;
    CAPTURE(cap, seed);
    std::mt19937_64 rng(seed);
    SlotMap<Counted> m(0, cap);
    Counted::reset();
    Access::set_last_generation(m, 41);  // retirements happen within the run
    std::map<Key<>, int> model;          // live keys
    std::vector<Key<>> ever;             // every key ever handed out
    std::set<index_type> retired;
    int next_value = 0;
    for (int step = 0; step < 60000; ++step) {
      const auto op = rng() % 10;
      if (op < 4) {
        const bool full = model.size() + retired.size() == cap;
        const auto k = m.try_emplace(next_value);
        REQUIRE(k.has_value() == !full);
        if (k) {
          REQUIRE(!model.count(*k));
          REQUIRE(std::find(ever.begin(), ever.end(), *k) == ever.end());
          REQUIRE(!retired.count(k->index()));
          model.emplace(*k, next_value);
          ever.push_back(*k);
        }
        ++next_value;
      } else if (op < 7 && !ever.empty()) {
        const auto k = ever[rng() % ever.size()];
        const bool live = model.count(k) != 0;
        const auto gen_before = k.generation();
        if (rng() % 2 == 0) {
          REQUIRE(m.erase(k) == live);
        } else {
          auto v = m.remove(k);
          REQUIRE(v.has_value() == live);
          if (v) REQUIRE(v->value == model[k]);
        }
        if (live) {
          model.erase(k);
          if (gen_before == 41) retired.insert(k.index());
        }
      } else if (op < 9 && !ever.empty()) {
        const auto k = ever[rng() % ever.size()];
        const auto it = model.find(k);
        const Counted* p = m.get(k);
        REQUIRE((p != nullptr) == (it != model.end()));
        if (p) REQUIRE(p->value == it->second);
        REQUIRE(m.contains(k) == (it != model.end()));
      } else {
        REQUIRE(m.size() == model.size());
        REQUIRE(m.retired() == retired.size());
        REQUIRE(m.check_invariants() == nullptr);
        REQUIRE(Counted::live == static_cast<long>(model.size()));
        auto it = model.begin();
        for (auto [key, value] : m) {
          REQUIRE(it != model.end());
          REQUIRE(key == it->first);
          REQUIRE(value.value == it->second);
          ++it;
        }
        REQUIRE(it == model.end());
      }
    }
    m.clear();
    REQUIRE(m.check_invariants() == nullptr);
    REQUIRE(Counted::live == 0);
    for (const auto k : ever) REQUIRE_FALSE(m.contains(k));
  }
}

TEST_CASE("SlotMap::check_invariants notices a generation that disagrees with the occupancy", "[slot_map]") {
  SlotMap<int> m(0, 100);
  for (int i = 0; i < 10; ++i) m.insert(i);
  m.erase(m.key_of(3u));
  REQUIRE(m.check_invariants() == nullptr);
  Access::bump_generation(m, 5);  // live slot, even generation
  REQUIRE(m.check_invariants() != nullptr);
  Access::bump_generation(m, 5);
  REQUIRE(m.check_invariants() == nullptr);
  Access::bump_generation(m, 3);  // vacant slot, odd generation
  REQUIRE(m.check_invariants() != nullptr);
}

TEST_CASE("SlotMap: a copy of a copy keeps stale keys stale, also far from the live ones", "[slot_map]") {
  SlotMap<int> m(0, 100'000);
  std::vector<Key<>> keys;
  for (int i = 0; i < 60'000; ++i) keys.push_back(m.insert(i));
  const Key<> far = keys.back();
  for (std::size_t i = 10; i < keys.size(); ++i) m.erase(keys[i]);  // only 0..9 stay live
  m.trim();
  SlotMap<int> copy(m);
  SlotMap<int> copy_of_copy(copy);
  // Refill the copy of the copy up to the far slot: its key must not come back.
  std::vector<Key<>> again;
  while (again.empty() || again.back().index() < far.index()) again.push_back(copy_of_copy.insert(7));
  REQUIRE(again.back().index() == far.index());
  REQUIRE(again.back() != far);
  REQUIRE_FALSE(copy_of_copy.contains(far));
  REQUIRE(copy_of_copy.check_invariants() == nullptr);
}
