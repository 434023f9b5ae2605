// Randomized model-based test: HiSlab against a std::map reference, over a million operations
// in total, at capacities on both sides of the 64-, 512- and 262144-slot boundaries.
#include <hislab/hislab.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "support/catch.hpp"
#include "support/counted.hpp"

using hislab::HiSlab;
using hislab::index_type;
using hislab::npos;
using hislab_test::Counted;

namespace {

struct Model {
  std::map<index_type, int> live;
  std::vector<index_type> held;  // indices held by vacant entries
  std::set<index_type> vacant;   // neither live nor held

  explicit Model(std::uint32_t cap) {
    for (std::uint32_t i = 0; i < cap; ++i) vacant.insert(vacant.end(), i);
  }
  index_type lowest_vacant() const { return vacant.empty() ? npos : *vacant.begin(); }
  void add(index_type i, int v) {
    live.emplace(i, v);
    vacant.erase(i);
  }
  void drop(index_type i) {
    if (live.erase(i)) vacant.insert(i);
  }
};

void run_model(std::uint32_t cap, std::uint32_t seed, int ops) {
  INFO("capacity " << cap << ", seed " << seed << " (re-run with these to reproduce)");
  std::mt19937 rng(seed);
  Counted::reset();
  {
    HiSlab<Counted> s(0, cap);
    Model m(cap);
    std::list<HiSlab<Counted>::VacantEntry> entries;  // move-constructible only: no vector::erase
    index_type expected_next = 0;
    for (int op = 0; op < ops; ++op) {
      const unsigned r = rng() % 100;
      const auto any = static_cast<index_type>(rng() % (cap + 2));
      if (r < 40) {  // insert
        const int v = static_cast<int>(rng());
        const auto got = s.try_emplace(v);
        if (expected_next == npos) {
          REQUIRE_FALSE(got);
        } else {
          REQUIRE(got == std::optional<index_type>(expected_next));
          m.add(*got, v);
        }
      } else if (r < 70) {  // remove a live index (or a bad one)
        index_type i = any;
        if (!m.live.empty() && rng() % 4 != 0) {
          auto it = m.live.lower_bound(any % cap);
          if (it == m.live.end()) it = m.live.begin();
          i = it->first;
        }
        const bool present = m.live.count(i) != 0;
        if (rng() % 2) {
          auto out = s.remove(i);
          REQUIRE(out.has_value() == present);
          if (present) REQUIRE(out->value == m.live[i]);
        } else {
          REQUIRE(s.erase(i) == present);
        }
        m.drop(i);
      } else if (r < 85) {  // lookups
        const auto it = m.live.find(any);
        const Counted* p = s.get(any);
        REQUIRE((p != nullptr) == (it != m.live.end()));
        if (p) REQUIRE(p->value == it->second);
        REQUIRE(s.contains(any) == (it != m.live.end()));
      } else if (r < 90) {  // vacant entries: take, fill or drop
        if (entries.size() < 3 && expected_next != npos && rng() % 2) {
          entries.push_back(s.vacant_entry());
          REQUIRE(entries.back().index() == expected_next);
          m.held.push_back(expected_next);
          m.vacant.erase(expected_next);
        } else if (!entries.empty()) {
          auto k = std::next(entries.begin(), static_cast<std::ptrdiff_t>(rng() % entries.size()));
          const index_type i = k->index();
          m.held.erase(std::find(m.held.begin(), m.held.end(), i));
          if (rng() % 2) {
            k->insert(static_cast<int>(i) * 3);
            m.add(i, static_cast<int>(i) * 3);
          } else {
            m.vacant.insert(i);
          }
          entries.erase(k);
        }
      } else if (r < 93) {  // retain
        const int mod = static_cast<int>(rng() % 5) + 2;
        std::size_t want_removed = 0;
        for (auto it = m.live.begin(); it != m.live.end();)
          if (it->second % mod == 0) {
            m.vacant.insert(it->first);
            it = m.live.erase(it);
            ++want_removed;
          } else {
            ++it;
          }
        REQUIRE(s.retain([&](index_type, Counted& c) { return c.value % mod != 0; }) == want_removed);
      } else if (r < 94 && rng() % 8 == 0) {  // clear (rarely)
        s.clear();
        for (auto& [i, v] : m.live) m.vacant.insert(i);
        m.live.clear();
      } else {  // full walk
        auto it = m.live.begin();
        for (auto [i, v] : s) {
          REQUIRE(it != m.live.end());
          REQUIRE(i == it->first);
          REQUIRE(v.value == it->second);
          ++it;
        }
        REQUIRE(it == m.live.end());
      }
      REQUIRE(s.size() == m.live.size());
      REQUIRE(s.full() == (m.live.size() + m.held.size() == cap));
      REQUIRE(s.check_invariants() == nullptr);
      expected_next = m.lowest_vacant();
    }
    entries.clear();
    REQUIRE(Counted::live == static_cast<long>(m.live.size()));
    HiSlab<Counted> copy = s;
    REQUIRE(copy.size() == s.size());
    REQUIRE(copy.check_invariants() == nullptr);
  }
  REQUIRE(Counted::live == 0);
}

}  // namespace

TEST_CASE("HiSlab model test: small capacities", "[model]") {
  for (std::uint32_t cap : {1u, 2u, 63u, 64u, 65u, 511u, 512u, 513u, 1025u})
    run_model(cap, 77 + cap, 40000);  // 360k operations
}

TEST_CASE("HiSlab model test: across the 262144 boundary", "[model]") {
  // Dense use near the end of the capacity takes big fills; run it as a fill then churn.
  for (std::uint32_t cap : {262143u, 262145u}) {
    INFO("capacity " << cap);
    HiSlab<std::uint32_t> s(0, cap);
    std::map<index_type, std::uint32_t> ref;
    for (std::uint32_t i = 0; i < cap; ++i) REQUIRE(s.insert(i) == i);
    REQUIRE(s.full());
    std::mt19937 rng(cap);
    std::vector<index_type> holes;
    for (int op = 0; op < 350000; ++op) {
      if (holes.empty() || rng() % 2) {
        const auto i = static_cast<index_type>(rng() % cap);
        if (s.erase(i)) holes.insert(std::upper_bound(holes.begin(), holes.end(), i), i);
      } else {
        REQUIRE(s.insert(7) == holes.front());
        holes.erase(holes.begin());
      }
      REQUIRE(s.size() == cap - holes.size());
      if (op % 4096 == 0) REQUIRE(s.check_invariants() == nullptr);  // O(capacity): every 4096th
    }
    REQUIRE(s.check_invariants() == nullptr);
    std::size_t n = 0;
    std::size_t h = 0;
    for (auto [i, v] : s) {
      while (h < holes.size() && holes[h] < i) ++h;
      REQUIRE((h == holes.size() || holes[h] != i));
      ++n;
    }
    REQUIRE(n == s.size());
  }
}

TEST_CASE("HiSlab model test: medium capacity, long run", "[model]") { run_model(5000, 4242, 300000); }
