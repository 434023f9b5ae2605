// Many small slabs: one per connection (or entity type, or order book), each with the default
// Options, most of them holding a handful of elements. Prints what they cost as the kernel
// counts it (resident memory, mappings, transparent huge pages) next to what the slabs report.
//
//   example_many_slabs [slabs]     (default 20000)
#include <hislab/hislab.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Message {
  std::uint64_t id;
  std::uint32_t bytes;
  std::uint32_t flags;
};

/// A field of a /proc file in kB (VmRSS: of /proc/self/status, AnonHugePages: of smaps_rollup).
long proc_kib(const char* file, const char* key) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
  return -1;
}

long mappings() {
  std::ifstream f("/proc/self/maps");
  std::string line;
  long n = 0;
  while (std::getline(f, line)) ++n;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  std::vector<hislab::HiSlab<Message>> inboxes;
  inboxes.reserve(n);
  const long rss0 = proc_kib("/proc/self/status", "VmRSS:");
  const long maps0 = mappings();
  const long huge0 = proc_kib("/proc/self/smaps_rollup", "AnonHugePages:");

  std::size_t committed = 0, reserved = 0;
  for (std::size_t c = 0; c < n; ++c) {
    auto& inbox = inboxes.emplace_back();  // Options{}: 2^20 slots reserved, none committed
    for (std::uint64_t m = 0; m < 3; ++m) (void)inbox.insert(Message{c * 3 + m, 64, 0});
    committed += inbox.memory_committed();
    reserved += inbox.memory_reserved();
  }
  const long rss = proc_kib("/proc/self/status", "VmRSS:") - rss0;
  std::printf("%zu slabs of 2^20 slots, 3 messages each\n", n);
  std::printf("  resident (VmRSS):           %8.1f kB per slab\n",
              static_cast<double>(rss) / static_cast<double>(n));
  std::printf("  memory_committed():         %8.1f kB per slab\n",
              static_cast<double>(committed) / 1024.0 / static_cast<double>(n));
  std::printf("  memory_reserved():          %8.1f kB per slab (address space only)\n",
              static_cast<double>(reserved) / 1024.0 / static_cast<double>(n));
  std::printf("  new memory mappings:        %8ld in all (the kernel merges neighbouring slabs)\n",
              mappings() - maps0);
  std::printf("  new transparent huge pages: %8ld kB\n",
              proc_kib("/proc/self/smaps_rollup", "AnonHugePages:") - huge0);

  // Every inbox is read back; then most connections go away and the rest trim their pages.
  std::uint64_t sum = 0;
  for (auto& inbox : inboxes)
    for (auto [index, message] : inbox) sum += message.id;
  const std::uint64_t want = 3 * n * (3 * n - 1) / 2;
  if (sum != want) {
    std::printf("wrong sum %llu, expected %llu\n", static_cast<unsigned long long>(sum),
                static_cast<unsigned long long>(want));
    return 1;
  }
  inboxes.resize(n / 10);
  std::size_t released = 0;
  for (auto& inbox : inboxes) {
    inbox.clear();
    released += inbox.trim();
  }
  std::printf(
      "after dropping 90%% of the slabs and emptying the rest: resident %ld kB (trim() gave back %zu kB)\n",
      proc_kib("/proc/self/status", "VmRSS:") - rss0, released / 1024);
  return 0;
}
