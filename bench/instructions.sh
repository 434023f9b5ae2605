#!/bin/sh
# Instructions per operation under callgrind: churn, checked and unchecked get, and pre-faulted
# fill against the free-list slab, sampling, and the hot lifecycle (make, read, drop one object:
# HiSlab by index and a LocalPool Slot) against new/delete. Needs valgrind and an x86-64 machine with AVX2
# (valgrind cannot run AVX-512 code, so the build targets x86-64-v3). Each case runs at two
# operation counts; the difference over the extra operations cancels the set-up. About a minute.
#   Usage: sh bench/instructions.sh [churn]   (from the repository root; "churn" runs churn only)
# HISLAB_INCLUDE=DIR counts another checkout's headers (the benchmark's own files stay these).
set -eu
CXX=${CXX:-c++}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
flags="-std=c++20 -O2 -DNDEBUG -march=x86-64-v3 -I${HISLAB_INCLUDE:-include} -Ibench"
for w in CHURN GET FILL SAMPLE LIFECYCLE; do
  $CXX $flags -DHISLAB_WORKLOAD_$w=1 bench/instructions.cpp -o "$dir/$w" -ldl
done

refs() {  # refs BINARY ARGS... -> instructions executed
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*refs: *//p' | tr -d ,
}
per_op() {  # per_op LABEL BINARY WORKLOAD ARG LOW HIGH
  a=$(refs "$2" "$3" "$4" "$5")
  b=$(refs "$2" "$3" "$4" "$6")
  echo "$1 $a $b $5 $6" | awk '{ printf "%-34s %7.1f instructions/op\n", $1, ($3 - $2) / ($5 - $4) }'
}

per_op churn/hislab "$dir/CHURN" churn hislab 1000000 3000000
per_op churn/free_list "$dir/CHURN" churn free_list 1000000 3000000
per_op churn/slotmap "$dir/CHURN" churn slotmap 1000000 3000000
if [ "${1:-}" != churn ]; then
  for peer in hislab hislab_checked free_list; do
    per_op "get/$peer" "$dir/GET" get "$peer" 1000000 3000000
  done
  for peer in hislab free_list_reserved; do
    per_op "fill/$peer" "$dir/FILL" fill "$peer" 500000 1500000
  done
fi
if [ "${1:-}" != churn ]; then for cap in 1024 1048576; do
  per_op "sample_index/$cap" "$dir/SAMPLE" sample "$cap" 100000 300000
  per_op "sample_many/$cap" "$dir/SAMPLE" sample_many "$cap" 102400 307200
done; fi
if [ "${1:-}" != churn ]; then
  for peer in hislab slot new_delete; do
    per_op "lifecycle/$peer" "$dir/LIFECYCLE" lifecycle "$peer" 100000 300000
  done
fi
