// LocalPool and Slot against a model: slots made, moved, replaced, consumed, leaked and freed by
// index, and dropped in any order; shutdown() refuses while anything is live. The thread's slab
// is checked with check_invariants() after every operation.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <iterator>
#include <map>
#include <vector>

#include "fuzz_input.hpp"

namespace {
struct Value {
  std::uint32_t v;
  std::uint32_t pad[3];
};
struct Pool : hislab::LocalPool<Pool, Value> {};
using S = hislab::Slot<Value, Pool>;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hislab_fuzz::Input in(data, size);
  const std::uint32_t cap = 1 + in.below(2000);
  if (!Pool::is_initialized()) Pool::init(hislab::Options{0, cap, hislab::HugePages::None, false});
  {
    std::vector<S> slots(8);
    std::vector<std::uint32_t> values(8, 0);  // the value each non-empty slot holds
    std::map<hislab::index_type, std::uint32_t> leaked;
    std::uint32_t next = 1;
    auto live = [&] {
      std::size_t n = leaked.size();
      for (const S& s : slots) n += static_cast<bool>(s);
      return n;
    };
    for (int op = 0; op < 300 && !in.done(); ++op) {
      const std::size_t a = in.below(8), b = in.below(8);
      switch (in.u8() % 7) {
        case 0: {
          auto made = Pool::try_insert(Value{next, {}});
          HISLAB_FUZZ_CHECK(made.has_value() == (live() < Pool::capacity()));
          if (made) {
            slots[a] = std::move(*made);  // frees what slots[a] held
            values[a] = next;
          }
          ++next;
          break;
        }
        case 1:
          slots[a] = S{};
          break;
        case 2:
          if (a != b) {
            slots[a] = std::move(slots[b]);
            values[a] = values[b];
            HISLAB_FUZZ_CHECK(!slots[b]);
          }
          break;
        case 3:
          if (slots[a]) {
            const Value old = slots[a].replace(Value{next, {}});
            HISLAB_FUZZ_CHECK(old.v == values[a], old.v, values[a]);
            values[a] = next++;
          }
          break;
        case 4:
          if (slots[a]) {
            const Value out = std::move(slots[a]).into_inner();
            HISLAB_FUZZ_CHECK(out.v == values[a] && !slots[a]);
          }
          break;
        case 5:
          if (slots[a]) {
            const hislab::index_type i = std::move(slots[a]).leak();
            HISLAB_FUZZ_CHECK(Pool::get(i) != nullptr && Pool::get(i)->v == values[a]);
            leaked.emplace(i, values[a]);
          }
          break;
        default:
          if (!leaked.empty()) {
            auto it = std::next(leaked.begin(), in.below(static_cast<std::uint32_t>(leaked.size())));
            HISLAB_FUZZ_CHECK(Pool::get(it->first)->v == it->second);
            HISLAB_FUZZ_CHECK(Pool::free(it->first));
            HISLAB_FUZZ_CHECK(!Pool::free(it->first));
            leaked.erase(it);
          }
          HISLAB_FUZZ_CHECK(!Pool::shutdown() || live() == 0);
          if (!Pool::is_initialized()) Pool::init(hislab::Options{0, cap, hislab::HugePages::None, false});
          break;
      }
      for (std::size_t k = 0; k < slots.size(); ++k)
        if (slots[k])
          HISLAB_FUZZ_CHECK(slots[k]->v == values[k] && Pool::get(slots[k].index()) == slots[k].get());
      HISLAB_FUZZ_CHECK(Pool::size() == live(), Pool::size(), live());
      if (const char* why = Pool::slab().check_invariants()) hislab_fuzz::fail(why);
    }
    for (const auto& [i, v] : leaked) HISLAB_FUZZ_CHECK(Pool::free(i));
  }
  HISLAB_FUZZ_CHECK(Pool::size() == 0);
  HISLAB_FUZZ_CHECK(Pool::shutdown());
  return 0;
}
