// Iteration: range-for with structured bindings, const iteration, for_each, drain, the
// standard range algorithms, and values() (the elements alone).
#include <hislab/hislab.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

int main() {
  hislab::HiSlab<std::string> words(0, 4096);
  for (const char* w : {"slab", "bitmap", "index", "page", "block"}) words.insert(w);
  words.erase(1);

  for (auto [index, word] : words) word += "!";  // word is std::string&
  for (auto [index, word] : std::as_const(words)) std::printf("%u %s\n", index, word.c_str());

  std::size_t letters = 0;
  words.for_each([&](hislab::index_type, const std::string& w) { letters += w.size(); });

  const bool has_page = std::ranges::any_of(words, [](auto e) { return e.value == "page!"; });
  std::printf("%zu letters, has page: %d\n", letters, has_page);

  // values(): the elements alone, for the algorithms that take values.
  const auto longest = std::ranges::max_element(words.values(), {}, &std::string::size);
  std::printf("longest: %s at %u\n", longest->c_str(), longest.index());

  std::string all;
  words.drain([&](hislab::index_type, std::string&& w) { all += std::move(w); });
  std::printf("drained: %s; empty: %d\n", all.c_str(), words.empty());
  return has_page && words.empty() ? 0 : 1;
}
