#!/usr/bin/env python3
"""Compares two builds of one benchmark binary (before and after a change), alternating them.

Runs A, B, A, B, ... (ROUNDS each), each run with the same filter and its own repetitions, and
prints for every workload the median over the rounds of HiSlab's time over a reference peer's
time *within the same run*: the machine's drift between runs cancels, and the two builds'
ratios can be compared. Standard library only.

  bench/ab.py BEFORE_BINARY AFTER_BINARY [--rounds 4] [--peer free_list]
              [--ours hislab] [--filter '_16B/(hislab|free_list)/1000000($|/)'] [--min-time 0.1] [--args ...]

Sampling against its floor, for example:
  bench/ab.py BEFORE AFTER --peer sample_index/one_dependent_read --filter '^sample_' --args
"""
import argparse
import json
import statistics
import subprocess
import sys
from collections import defaultdict


def run(binary, flt, min_time, extra):
    cmd = [binary, *extra, f"--benchmark_filter={flt}", f"--benchmark_min_time={min_time}",
           "--benchmark_format=json", "--benchmark_repetitions=3",
           "--benchmark_report_aggregates_only=true"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            times[b["run_name"]] = b["real_time"]
    return times


def ratios(times, peer, ours="hislab"):
    """{(workload, args): our time / peer time} for names '<workload>/<who>/<args...>'.

    peer is a name ('free_list': the same workload's row) or 'workload/name' (that workload's
    row with the same args, for rows whose floor is measured by another workload)."""
    by = defaultdict(dict)
    for name, t in times.items():
        workload, who, *args = name.split("/")
        by[(workload, "/".join(args))][who] = t
    peer_workload, _, peer_who = peer.rpartition("/")
    out = {}
    for (workload, args), v in by.items():
        ref = by.get((peer_workload or workload, args), {}).get(peer_who, 0)
        if ours in v and ref > 0:
            out[(workload, args)] = v[ours] / ref
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--peer", default="free_list")
    ap.add_argument("--ours", default="hislab", help="the row over the peer's (hislab_checked, ...)")
    ap.add_argument("--filter", default="_16B/(hislab|free_list)/1000000($|/)")
    ap.add_argument("--min-time", default="0.1")
    ap.add_argument("--args", nargs="*", default=["--sizes=1000000"])
    a = ap.parse_args()
    got = {"before": defaultdict(list), "after": defaultdict(list)}
    for r in range(a.rounds):
        for which, binary in (("before", a.before), ("after", a.after)):
            for k, v in ratios(run(binary, a.filter, a.min_time, a.args), a.peer, a.ours).items():
                got[which][k].append(v)
        print(f"round {r + 1} of {a.rounds} done", file=sys.stderr)
    print(f"| workload | args | before: {a.ours} / {a.peer} | after | after / before |")
    print("|---|---:|---:|---:|---:|")
    for k in sorted(got["before"]):
        b = statistics.median(got["before"][k])
        f = statistics.median(got["after"].get(k, [float("nan")]))
        print(f"| {k[0]} | {k[1]} | {b:.3f} | {f:.3f} | {f / b:.3f} |")


if __name__ == "__main__":
    main()
