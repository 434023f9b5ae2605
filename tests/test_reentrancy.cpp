// Elements and callbacks that touch their own slab: destructors that erase or insert during
// clear() and destruction, and visiting functions whose callbacks erase, insert, tag or untag
// other elements. Every element is destroyed exactly once (Counted's canary aborts otherwise)
// and no callback sees a destroyed element.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"

using hislab::HiSlab;
using hislab::index_type;
using hislab::SlotMap;
using hislab::TaggedHiSlab;
using hislab_test::Counted;

namespace {

/// A tree node whose destructor erases its children from the same slab.
struct Node {
  static inline HiSlab<Node>* slab = nullptr;
  static inline long live = 0;
  Counted canary;
  std::vector<index_type> kids;
  Node() { ++live; }
  Node(Node&& o) noexcept : kids(std::move(o.kids)) { ++live; }
  ~Node() {
    --live;
    for (const auto k : kids) slab->erase(k);
  }
};

/// Inserts a replacement (once) from its destructor.
struct Phoenix {
  static inline HiSlab<Phoenix>* slab = nullptr;
  static inline long live = 0;
  bool respawn;
  Counted canary;
  explicit Phoenix(bool r) : respawn(r) { ++live; }
  ~Phoenix() {
    --live;
    if (respawn) slab->emplace(false);
  }
};

void build_forest(HiSlab<Node>& s, int roots) {
  for (int r = 0; r < roots; ++r) {
    const auto root = s.emplace();
    for (int k = 0; k < 5; ++k) {
      const auto kid = s.emplace();
      s[root].kids.push_back(kid);
    }
  }
}

}  // namespace

TEST_CASE("Reentrancy: destructors that erase other elements, in clear() and ~HiSlab", "[reentrancy]") {
  Counted::reset();
  {
    HiSlab<Node> s(0, 10000);
    Node::slab = &s;
    build_forest(s, 300);  // crosses 512-slot blocks
    REQUIRE(Node::live == 1800);
    // Children erased before their root, roots after children: both orders.
    s.erase(0);
    REQUIRE(Node::live == 1794);
    s.clear();
    REQUIRE(s.empty());
    REQUIRE(Node::live == 0);
    REQUIRE(Counted::live == 0);
    build_forest(s, 300);
  }
  REQUIRE(Node::live == 0);
  REQUIRE(Counted::live == 0);
  REQUIRE(Counted::destroyed == Counted::constructed);
}

TEST_CASE("Reentrancy: destructors that insert during clear() and ~HiSlab leak nothing", "[reentrancy]") {
  Counted::reset();
  {
    HiSlab<Phoenix> s(0, 4096);
    Phoenix::slab = &s;
    for (int i = 0; i < 1000; ++i) s.emplace(i % 3 == 0);
    s.clear();
    REQUIRE(s.empty());
    REQUIRE(Phoenix::live == 0);
    for (int i = 0; i < 1000; ++i) s.emplace(i % 2 == 0);
  }
  REQUIRE(Phoenix::live == 0);
  REQUIRE(Counted::live == 0);
}

TEST_CASE("Reentrancy: callbacks of for_each, retain and drain that erase other elements", "[reentrancy]") {
  Counted::reset();
  HiSlab<Counted> s(0, 5000);
  for (int i = 0; i < 3000; ++i) s.emplace(i);
  SECTION("for_each erases the next element and inserts") {
    long visited = 0;
    s.for_each([&](index_type i, Counted& c) {
      c.check();
      ++visited;
      s.erase(i + 1);
    });
    REQUIRE(visited == 1500);
    REQUIRE(s.size() == 1500);
  }
  SECTION("retain erases a later element, and itself") {
    std::uint32_t visited = 0;
    const auto removed = s.retain([&](index_type i, Counted& c) {
      c.check();
      ++visited;
      if (i % 4 == 0) s.erase(i + 2);  // a later one: never visited
      if (i % 4 == 1) {
        s.erase(i);  // itself, then asks for its removal: not removed twice, not counted
        return false;
      }
      return i % 4 != 3;
    });
    REQUIRE(visited == 2250);
    REQUIRE(removed == 750);  // the i % 4 == 3 ones
    REQUIRE(s.size() == 750);
    for (auto [i, c] : s) REQUIRE(i % 4 == 0);
  }
  SECTION("drain erases the next element") {
    long drained = 0;
    s.drain([&](index_type i, Counted&& c) {
      c.check();
      ++drained;
      s.erase(i + 1);
    });
    REQUIRE(drained == 1500);
    REQUIRE(s.empty());
  }
  SECTION("range-for erasing the current element") {
    for (auto it = s.begin(); it != s.end();) {
      const auto i = (*it).index;
      ++it;
      if (i % 2 == 0) s.erase(i);
    }
    REQUIRE(s.size() == 1500);
  }
  REQUIRE(Counted::live == static_cast<long>(s.size()));
}

TEST_CASE("Reentrancy: retain_tagged, retain_tag and for_each_tagged with mutating predicates",
          "[reentrancy]") {
  Counted::reset();
  TaggedHiSlab<Counted> s(0, 5000);
  for (int i = 0; i < 2000; ++i) s.emplace_tagged(i);
  SECTION("retain_tagged: erase the next, untag the one after") {
    std::uint32_t visited = 0;
    const auto removed = s.retain_tagged([&](index_type i, Counted& c) {
      c.check();
      ++visited;
      if (i % 4 == 0) {
        s.erase(i + 1);
        s.untag(i + 2);
        return true;
      }
      return false;  // i % 4 == 3: removed
    });
    REQUIRE(visited == 1000);
    REQUIRE(removed == 500);
    REQUIRE(s.size() == 1000);
    REQUIRE(s.count_tagged() == 500);
  }
  SECTION("retain_tag: predicates that untag themselves or erase others count only their own") {
    std::uint32_t visited = 0;
    const auto untagged = s.retain_tag([&](index_type i, Counted& c) {
      c.check();
      ++visited;
      if (i % 2 == 0) {
        s.untag(i);  // itself: the untag is not counted again
        s.erase(i + 1);
      }
      return false;
    });
    REQUIRE(visited == 1000);
    REQUIRE(untagged == 0);
    REQUIRE(s.count_tagged() == 0);
    REQUIRE(s.size() == 1000);
  }
  SECTION("for_each_tagged erasing the next") {
    long visited = 0;
    s.for_each_tagged([&](index_type i, Counted& c) {
      c.check();
      ++visited;
      s.erase(i + 1);
    });
    REQUIRE(visited == 1000);
  }
  REQUIRE(Counted::live == static_cast<long>(s.size()));
}

TEST_CASE("Reentrancy: SlotMap retain, drain and clear with mutating callbacks", "[reentrancy]") {
  Counted::reset();
  {
    SlotMap<Counted> m(0, 3000);
    std::vector<hislab::Key<>> keys;
    for (int i = 0; i < 2000; ++i) keys.push_back(m.emplace(i));
    std::uint32_t visited = 0;
    const auto removed = m.retain([&](hislab::Key<> k, Counted& c) {
      c.check();
      ++visited;
      const auto i = k.index();
      if (i % 3 == 0 && i + 1 < keys.size()) m.erase(keys[i + 1]);
      if (i % 3 == 2) {
        m.erase(k);
        return false;
      }
      return true;
    });
    REQUIRE(visited == 1333);  // i % 3 == 1 were erased before their turn
    REQUIRE(removed == 0);
    REQUIRE(m.size() == 667);
    long drained = 0;
    m.drain([&](hislab::Key<> k, Counted&& c) {
      c.check();
      ++drained;
      REQUIRE(m.erase(k));  // erasing itself inside drain: allowed, destroyed once
    });
    REQUIRE(drained == 667);
    REQUIRE(m.empty());
  }
  REQUIRE(Counted::live == 0);
  REQUIRE(Counted::destroyed == Counted::constructed);
}
