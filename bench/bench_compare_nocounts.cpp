// HiSlab again, built without the rank counts of its bitmap's summary levels, in bench_compare's
// binary: what maintaining them costs insert and remove is a ratio within one run
// (hislab_nocounts against hislab). Only bench/ sets this macro; select() is wrong without the
// counts, and the ABI namespace it selects keeps this build apart from the real one.
#define HISLAB_DETAIL_BENCH_NO_RANK_COUNTS 1

#include "workloads.hpp"

void hislab_bench_add_nocounts(const std::vector<std::int64_t>& sizes) {
  hislab_bench::Config cfg;
  cfg.sizes = sizes;
  hislab_bench::add_throughput<hislab_bench::HiSlabPeer<hislab_bench::Item<16>>>(cfg, "16B");
}
