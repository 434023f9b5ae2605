// HiSlab and TaggedHiSlab against a model: the whole public API, with copies, moves, swaps,
// vacant entries, memory controls and sampling, and check_invariants() after every operation.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "fuzz_input.hpp"
#include "fuzz_model.hpp"

using hislab::index_type;
using hislab::npos;

namespace {

template <class Slab>
void run(hislab_fuzz::Input& in) {
  constexpr bool tagged = requires(Slab s) { s.tag(0u); };
  const std::uint32_t cap = hislab_fuzz::pick_capacity(in, 300'000);
  Slab s(hislab::Options{in.below(64) < 8 ? in.below(cap + 1) : 0, cap, hislab::HugePages::None, false});
  hislab_fuzz::SlabModel m(cap);
  std::set<index_type> tags;
  std::list<typename Slab::VacantEntry> entries;
  std::mt19937_64 rng(in.u32());
  std::uint32_t next_value = 1;
  auto same = [&] {
    HISLAB_FUZZ_CHECK(s.size() == m.live.size(), s.size(), m.live.size());
    HISLAB_FUZZ_CHECK(s.full() == m.full());
    if (const char* why = s.check_invariants()) hislab_fuzz::fail(why);
    if constexpr (tagged) HISLAB_FUZZ_CHECK(s.count_tagged() == tags.size());
  };
  for (int op = 0; op < 400 && !in.done(); ++op) {
    const index_type any = in.u8() < 32 ? in.u32() : in.below(cap + 2);
    const index_type near = m.live.empty() ? any : m.nth(in.below(static_cast<std::uint32_t>(m.live.size())));
    const index_type i = in.u8() < 128 ? near : any;
    switch (in.u8() % 16) {
      case 0:
      case 1: {  // insert / try_insert
        const index_type want = m.lowest_vacant();
        const std::uint32_t v = next_value++;
        if (in.u8() & 1) {
          const auto got = s.try_insert(v);
          HISLAB_FUZZ_CHECK(got.has_value() == (want != npos));
          if (got) {
            HISLAB_FUZZ_CHECK(*got == want, *got, want);
            m.add(want, v);
          }
        } else if (want != npos) {
          const index_type got = tagged && (in.u8() & 1) ? [&] {
            if constexpr (tagged) {
              const index_type t = s.insert_tagged(v);
              tags.insert(t);
              return t;
            } else {
              return npos;
            }
          }()
                                                         : s.emplace(v);
          HISLAB_FUZZ_CHECK(got == want, got, want);
          m.add(want, v);
        } else {
          bool threw = false;
          try {
            s.insert(v);
          } catch (const hislab::CapacityError&) {
            threw = true;
          }
          HISLAB_FUZZ_CHECK(threw);
        }
        break;
      }
      case 2: {  // erase
        const bool want = m.live.count(i) != 0;
        HISLAB_FUZZ_CHECK(s.erase(i) == want, i);
        if (want) m.drop(i), tags.erase(i);
        break;
      }
      case 3: {  // remove
        const auto it = m.live.find(i);
        const auto got = s.remove(i);
        HISLAB_FUZZ_CHECK(got.has_value() == (it != m.live.end()), i);
        if (got) {
          HISLAB_FUZZ_CHECK(*got == it->second);
          m.drop(i);
          tags.erase(i);
        }
        break;
      }
      case 4: {  // access
        const auto it = m.live.find(i);
        const std::uint32_t* p = s.get(i);
        HISLAB_FUZZ_CHECK((p != nullptr) == (it != m.live.end()), i);
        if (p) HISLAB_FUZZ_CHECK(*p == it->second && s.index_of(p) == i && s.at(i) == it->second);
        HISLAB_FUZZ_CHECK(s.contains(i) == (it != m.live.end()));
        if (!p) {
          bool threw = false;
          try {
            (void)s.at(i);
          } catch (const std::out_of_range&) {
            threw = true;
          }
          HISLAB_FUZZ_CHECK(threw);
        }
        const auto d = s.get_disjoint(i, near);
        HISLAB_FUZZ_CHECK(d.has_value() == (i != near && m.live.count(i) && m.live.count(near)));
        break;
      }
      case 5: {  // vacant entries
        if (entries.size() < 3 && (in.u8() & 1)) {
          const index_type want = m.lowest_vacant();
          auto e = s.try_vacant_entry();
          HISLAB_FUZZ_CHECK(e.has_value() == (want != npos));
          if (e) {
            HISLAB_FUZZ_CHECK(e->index() == want);
            m.take(want);
            m.held.insert(want);
            entries.push_back(std::move(*e));
          }
        } else if (!entries.empty()) {
          auto e = std::next(entries.begin(), in.below(static_cast<std::uint32_t>(entries.size())));
          const index_type at = e->index();
          if (in.u8() & 1) {
            const std::uint32_t v = next_value++;
            e->insert(v);
            m.held.erase(at);
            m.live.emplace(at, v);
          } else {
            m.held.erase(at);
            m.free(at);
          }
          entries.erase(e);  // an unused one gives its index back
        }
        break;
      }
      case 6: {  // retain
        const std::uint32_t mod = 2 + in.below(5);
        std::size_t want = 0;
        for (auto it = m.live.begin(); it != m.live.end();)
          if (it->second % mod == 0) {
            ++want;
            tags.erase(it->first);
            m.free(it->first);
            it = m.live.erase(it);
          } else {
            ++it;
          }
        HISLAB_FUZZ_CHECK(s.retain([&](index_type, std::uint32_t& v) { return v % mod != 0; }) == want);
        break;
      }
      case 7: {  // iterate, for_each
        auto it = m.live.begin();
        for (auto [k, v] : s) {
          HISLAB_FUZZ_CHECK(it != m.live.end() && k == it->first && v == it->second, k);
          ++it;
        }
        HISLAB_FUZZ_CHECK(it == m.live.end());
        break;
      }
      case 8: {  // sampling
        if (m.live.empty()) {
          HISLAB_FUZZ_CHECK(!s.random_occupied(rng));
          break;
        }
        HISLAB_FUZZ_CHECK(m.live.count(s.random_occupied(rng)->index));
        std::vector<index_type> out;
        s.random_occupied_many(rng, in.below(80), std::back_inserter(out));
        for (const auto k : out) HISLAB_FUZZ_CHECK(m.live.count(k), k);
        out.clear();
        const std::uint32_t n = in.below(static_cast<std::uint32_t>(m.live.size()) + 10);
        s.random_occupied_unique(rng, n, std::back_inserter(out));
        HISLAB_FUZZ_CHECK(out.size() == std::min<std::size_t>(n, m.live.size()));
        HISLAB_FUZZ_CHECK(std::set<index_type>(out.begin(), out.end()).size() == out.size());
        for (const auto k : out) HISLAB_FUZZ_CHECK(m.live.count(k), k);
        break;
      }
      case 9:  // memory controls
        if (entries.empty()) {
          (void)s.trim();
          const index_type n = in.below(cap + 1) % 70'000;
          s.reserve(n);
          for (const auto& [k, v] : m.live) HISLAB_FUZZ_CHECK(s[k] == v, k);
        }
        break;
      case 10:  // copy, move, swap (no vacant entry may live across them)
        if (entries.empty()) {
          const std::uint8_t how = in.u8() % 4;
          if (how == 0) {
            Slab copy(s);
            if (const char* why = copy.check_invariants()) hislab_fuzz::fail(why);
            s = std::move(copy);
          } else if (how == 1) {
            Slab other(0, 7);
            other = s;
            s.swap(other);
          } else if (how == 2) {
            Slab moved(std::move(s));
            HISLAB_FUZZ_CHECK(s.capacity() == 0 && s.size() == 0);
            s = std::move(moved);
          } else {
            const Slab& self = s;
            s = self;  // self-assignment keeps everything
          }
        }
        break;
      case 11:  // clear
        if (in.u8() < 64) {
          s.clear();
          for (const auto& [k, v] : m.live) m.free(k);
          m.live.clear();
          tags.clear();
        }
        break;
      case 12: {  // drain
        if (in.u8() < 64) {
          auto it = m.live.begin();
          s.drain([&](index_type k, std::uint32_t&& v) {
            HISLAB_FUZZ_CHECK(it != m.live.end() && k == it->first && v == it->second, k);
            ++it;
          });
          for (const auto& [k, v] : m.live) m.free(k);
          m.live.clear();
          tags.clear();
        }
        break;
      }
      default:
        if constexpr (tagged) {
          const auto how = in.u8() % 5;
          if (how == 0) {
            const bool want = m.live.count(i) && !tags.count(i);
            HISLAB_FUZZ_CHECK(s.tag(i) == want, i);
            if (want) tags.insert(i);
          } else if (how == 1) {
            HISLAB_FUZZ_CHECK(s.untag(i) == (tags.erase(i) == 1), i);
          } else if (how == 2) {
            auto it = tags.begin();
            for (auto [k, v] : s.tagged())
              HISLAB_FUZZ_CHECK(it != tags.end() && *it++ == k && m.live.at(k) == v);
            HISLAB_FUZZ_CHECK(it == tags.end());
          } else if (how == 3) {
            const std::uint32_t mod = 2 + in.below(4);
            std::size_t want = 0;
            for (auto it = tags.begin(); it != tags.end();)
              if (m.live.at(*it) % mod == 0) {
                ++want;
                m.drop(*it);
                it = tags.erase(it);
              } else {
                ++it;
              }
            HISLAB_FUZZ_CHECK(s.retain_tagged([&](index_type, std::uint32_t& v) { return v % mod != 0; }) ==
                              want);
          } else {
            const std::uint32_t mod = 2 + in.below(4);
            std::size_t want = 0;
            for (auto it = tags.begin(); it != tags.end();)
              if (m.live.at(*it) % mod == 0) {
                ++want;
                it = tags.erase(it);
              } else {
                ++it;
              }
            HISLAB_FUZZ_CHECK(s.retain_tag([&](index_type, std::uint32_t& v) { return v % mod != 0; }) ==
                              want);
          }
        }
        break;
    }
    same();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hislab_fuzz::Input in(data, size);
  if (in.u8() & 1)
    run<hislab::TaggedHiSlab<std::uint32_t>>(in);
  else
    run<hislab::HiSlab<std::uint32_t>>(in);
  return 0;
}
