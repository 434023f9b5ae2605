// BufferSlab against a model: guards hand out the smallest free index, buffer i is at
// data() + i * N, bytes survive until their guard goes, moved guards carry their buffer.
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <list>
#include <optional>
#include <set>

#include "fuzz_input.hpp"

namespace {

template <std::size_t N>
void run(hislab_fuzz::Input& in) {
  using Pool = hislab::BufferSlab<N>;
  const std::uint32_t cap = hislab_fuzz::pick_capacity(in, 20'000);
  std::error_code ec;
  Pool pool(hislab::Options{0, cap, hislab::HugePages::None, false}, ec);
  HISLAB_FUZZ_CHECK(!ec && pool.capacity() == cap);
  struct Held {
    typename Pool::AutoGuard guard;
    std::uint8_t fill;
  };
  std::list<Held> held;
  std::set<hislab::index_type> free_below;  // freed indices below `high`
  hislab::index_type high = 0;
  for (int op = 0; op < 400 && !in.done(); ++op) {
    const std::uint8_t kind = in.u8() % 6;
    if (kind < 3) {
      const hislab::index_type want = !free_below.empty() ? *free_below.begin()
                                      : high < cap        ? high
                                                          : hislab::npos;
      auto g = pool.try_allocate();
      HISLAB_FUZZ_CHECK(g.has_value() == (want != hislab::npos), want);
      if (!g) continue;
      HISLAB_FUZZ_CHECK(g->index() == want, g->index(), want);
      HISLAB_FUZZ_CHECK(g->data() == pool.data() + std::size_t{want} * N);
      HISLAB_FUZZ_CHECK(reinterpret_cast<std::uintptr_t>(g->data()) % Pool::alignment == 0);
      if (want == high)
        ++high;
      else
        free_below.erase(want);
      const auto fill = static_cast<std::uint8_t>(in.u8());
      std::memset(g->data(), fill, N);
      held.push_back(Held{std::move(*g), fill});
    } else if (kind < 5 && !held.empty()) {
      auto it = std::next(held.begin(), in.below(static_cast<std::uint32_t>(held.size())));
      for (const std::byte b : it->guard.bytes()) HISLAB_FUZZ_CHECK(b == static_cast<std::byte>(it->fill));
      auto other = std::next(held.begin(), in.below(static_cast<std::uint32_t>(held.size())));
      if (kind == 4 && other != it) {
        // Move-assigning onto a live guard frees the target's buffer first.
        free_below.insert(other->guard.index());
        other->guard = std::move(it->guard);
        other->fill = it->fill;
        HISLAB_FUZZ_CHECK(it->guard.data() == nullptr);
      } else {
        free_below.insert(it->guard.index());
      }
      held.erase(it);
    } else {
      (void)pool.trim();
    }
    HISLAB_FUZZ_CHECK(pool.size() == held.size(), pool.size(), held.size());
    if (const char* why = pool.check_invariants()) hislab_fuzz::fail(why);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hislab_fuzz::Input in(data, size);
  switch (in.u8() % 3) {
    case 0:
      run<24>(in);
      break;
    case 1:
      run<64>(in);
      break;
    default:
      run<4096>(in);
      break;
  }
  return 0;
}
