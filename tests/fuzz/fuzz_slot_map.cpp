// SlotMap against a model that keeps every key the map ever handed out: no stale or forged key
// ever resolves, live keys always do, retirement (with a lowered generation limit) takes slots
// out of use for good; copies, moves, clear, retain, drain, vacant entries, sampling.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "fuzz_input.hpp"
#include "fuzz_model.hpp"

using hislab::index_type;
using hislab::npos;
using Key = hislab::Key<>;
using Map = hislab::SlotMap<std::uint32_t>;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hislab_fuzz::Input in(data, size);
  const std::uint32_t cap = hislab_fuzz::pick_capacity(in, 70'000);
  Map m(0, cap);
  const std::uint32_t last_gen = in.u8() < 128 ? 1 + 2 * in.below(8) : 0xFFFF'FFFFu;
  hislab::detail::SlotMapTestAccess::set_last_generation(m, last_gen);
  hislab_fuzz::SlabModel model(cap);  // by index; retired slots are held for good
  std::map<Key, std::uint32_t> live;
  std::vector<Key> ever;
  std::list<Map::VacantEntry> entries;
  std::mt19937_64 rng(in.u32());
  std::uint32_t next_value = 1;
  auto kill = [&](Key k) {
    live.erase(k);
    model.live.erase(k.index());
    if (k.generation() == last_gen)
      model.held.insert(k.index());  // retired
    else
      model.free(k.index());
  };
  for (int op = 0; op < 400 && !in.done(); ++op) {
    Key k = ever.empty() || in.u8() < 24 ? Key::from_bits(std::uint64_t{in.u32()} << 32 | in.below(cap + 2))
                                         : ever[in.below(static_cast<std::uint32_t>(ever.size()))];
    switch (in.u8() % 12) {
      case 0:
      case 1:
      case 2: {
        const index_type want = model.lowest_vacant();
        const std::uint32_t v = next_value++;
        const auto got = m.try_insert(v);
        HISLAB_FUZZ_CHECK(got.has_value() == (want != npos), want);
        if (got) {
          HISLAB_FUZZ_CHECK(got->index() == want, got->index(), want);
          HISLAB_FUZZ_CHECK(!live.count(*got));
          for (const Key old : ever) HISLAB_FUZZ_CHECK(old != *got, old.to_bits());  // never valid twice
          model.add(want, v);
          live.emplace(*got, v);
          ever.push_back(*got);
        }
        break;
      }
      case 3:
      case 4: {
        const bool want = live.count(k) != 0;
        if (in.u8() & 1) {
          HISLAB_FUZZ_CHECK(m.erase(k) == want, k.to_bits());
        } else {
          const auto got = m.remove(k);
          HISLAB_FUZZ_CHECK(got.has_value() == want, k.to_bits());
          if (got) HISLAB_FUZZ_CHECK(*got == live.at(k));
        }
        if (want) kill(k);
        break;
      }
      case 5: {
        const auto it = live.find(k);
        const std::uint32_t* p = m.get(k);
        HISLAB_FUZZ_CHECK((p != nullptr) == (it != live.end()), k.to_bits());
        if (p) HISLAB_FUZZ_CHECK(*p == it->second && m.key_of(p) == k && m.key_of(k.index()) == k);
        HISLAB_FUZZ_CHECK(m.contains(k) == (it != live.end()));
        break;
      }
      case 6:
        if (entries.size() < 3 && (in.u8() & 1)) {
          const index_type want = model.lowest_vacant();
          auto e = m.try_vacant_entry();
          HISLAB_FUZZ_CHECK(e.has_value() == (want != npos));
          if (e) {
            HISLAB_FUZZ_CHECK(e->key().index() == want && !m.contains(e->key()));
            model.take(want);
            model.held.insert(want);
            entries.push_back(std::move(*e));
          }
        } else if (!entries.empty()) {
          auto e = std::next(entries.begin(), in.below(static_cast<std::uint32_t>(entries.size())));
          const Key key = e->key();
          model.held.erase(key.index());
          if (in.u8() & 1) {
            const std::uint32_t v = next_value++;
            e->insert(v);
            HISLAB_FUZZ_CHECK(m.contains(key));
            model.live.emplace(key.index(), v);
            live.emplace(key, v);
            ever.push_back(key);
          } else {
            model.free(key.index());
          }
          entries.erase(e);
        }
        break;
      case 7: {
        const std::uint32_t mod = 2 + in.below(5);
        std::vector<Key> gone;
        for (const auto& [key, v] : live)
          if (v % mod == 0) gone.push_back(key);
        HISLAB_FUZZ_CHECK(m.retain([&](Key, std::uint32_t& v) { return v % mod != 0; }) == gone.size());
        for (const Key g : gone) kill(g);
        break;
      }
      case 8: {
        auto it = live.begin();
        for (auto [key, v] : m) {
          HISLAB_FUZZ_CHECK(it != live.end() && key == it->first && v == it->second, key.to_bits());
          ++it;
        }
        HISLAB_FUZZ_CHECK(it == live.end());
        if (!live.empty()) {
          HISLAB_FUZZ_CHECK(live.count(m.random_occupied(rng)->key));
          std::vector<Key> out;
          m.random_occupied_unique(rng, in.below(40), std::back_inserter(out));
          for (const Key o : out) HISLAB_FUZZ_CHECK(live.count(o));
        }
        break;
      }
      case 9:
        if (entries.empty()) {
          if (in.u8() & 1) {
            Map copy(m);
            if (const char* why = copy.check_invariants()) hislab_fuzz::fail(why);
            m = std::move(copy);
          } else {
            Map moved(std::move(m));
            m = std::move(moved);
          }
          (void)m.trim();
        }
        break;
      case 10:
        if (in.u8() < 48) {
          if (in.u8() & 1) {
            m.clear();
          } else {
            auto it = live.begin();
            m.drain([&](Key key, std::uint32_t&& v) {
              HISLAB_FUZZ_CHECK(it != live.end() && key == it->first && v == it->second);
              ++it;
            });
          }
          const std::vector<std::pair<Key, std::uint32_t>> all(live.begin(), live.end());
          for (const auto& [key, v] : all) kill(key);
        }
        break;
      default: {  // forged keys around live ones
        if (live.empty()) break;
        const Key base = std::next(live.begin(), in.below(static_cast<std::uint32_t>(live.size())))->first;
        const Key forged = Key::from_bits(base.to_bits() + (std::uint64_t{1 + in.below(5)} << 32));
        HISLAB_FUZZ_CHECK(m.get(forged) == nullptr && !m.erase(forged) && !m.contains(forged));
        break;
      }
    }
    HISLAB_FUZZ_CHECK(m.size() == live.size(), m.size(), live.size());
    if (const char* why = m.check_invariants()) hislab_fuzz::fail(why);
    (void)k;
  }
  for (const Key old : ever) HISLAB_FUZZ_CHECK(m.contains(old) == (live.count(old) != 0), old.to_bits());
  return 0;
}
