#!/usr/bin/env python3
"""Runs the tail-latency rows of bench_compare in several separate processes and prints their
percentiles side by side, so that a reader sees how much a percentile moves from run to run.

Each run is one process of the binary (fresh address space, fresh page cache state of its own
buffers) doing the selected latency benchmarks with repetitions; a run's figure is the median
over its repetitions. The table shows each percentile as "run 1 / run 2 / ..." and the ratio of
the largest to the smallest. Standard library only; shares report.py's runner.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

PERCENTILES = ["p50", "p99", "p99.9"]


def cell(values):
    return " / ".join(f"{v:,.0f}" for v in values)


def spread(values):
    lo, hi = min(values), max(values)
    return f"{hi / lo:.1f}x" if lo > 0 else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("binary", help="hislab_bench_compare")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--filter", default="^latency_(fill|churn)/(hislab|free_list|vector_floor)/",
                    help="--benchmark_filter: the latency rows to repeat")
    ap.add_argument("--binary-arg", action="append", default=[], metavar="ARG",
                    help="an argument of the binary's own, passed first (repeatable), e.g. --quick")
    ap.add_argument("--out", help="also write the markdown here")
    args = ap.parse_args()

    runs = []
    for _ in range(args.runs):
        data = report.run(args.binary, args.binary_arg, args.repetitions, "0.01", [f"--benchmark_filter={args.filter}"])
        kinds, errors = report.collect(data)
        if errors:
            sys.exit("benchmark errors:\n" + "\n".join(errors))
        runs.append(kinds["latency"])
    keys = sorted(runs[0], key=lambda k: (k[0], report.size_order(k[1])))
    if not keys:
        sys.exit(f"no latency rows match {args.filter}")

    lines = [f"Machine: {report.machine_line()}. {args.runs} runs (separate processes) of "
             f"`{os.path.basename(args.binary)} --benchmark_filter='{args.filter}'`, "
             f"{args.repetitions} repetitions each; each figure is a run's median, in cycles "
             "(fence overhead subtracted), shown as run 1 / run 2 / ...; spread = largest / smallest.",
             "",
             "| workload | N | peer | " + " | ".join(f"{p} | spread" for p in PERCENTILES) + " |",
             "|---|---:|---|" + "---:|---:|" * len(PERCENTILES)]
    for key in keys:
        workload, size = key
        for peer in sorted(runs[0][key], key=report.peer_order):
            cells = []
            for p in PERCENTILES:
                values = [r[key][peer][p] for r in runs]
                cells += [cell(values), spread(values)]
            lines.append(f"| {workload} | {report.shown_size(size)} | {peer} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
