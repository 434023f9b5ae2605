// The core benchmarks again, with HierBitmap's rank counts off: what maintaining them costs
// insert and remove, measured in the same run as the real thing (see bench_core.cpp).
#define HISLAB_DETAIL_BENCH_NO_RANK_COUNTS 1
#define HISLAB_BENCH_NAME "hislab_nocounts"
#define HISLAB_BENCH_SECOND_TU 1
#include "bench_core.cpp"
