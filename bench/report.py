#!/usr/bin/env python3
"""Runs a Google Benchmark binary with repetitions and prints a markdown table of medians,
with each peer's time as a ratio to HiSlab's on the same workload and size.

Benchmarks are named "<workload>/<peer>/<N>". Ratios come from one run on one machine; the
machine line is printed with the table. Standard library only.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile


def machine_line():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def run(binary, repetitions, min_time, extra):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [binary, f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true",
           f"--benchmark_min_time={min_time}", f"--benchmark_out={out}", "--benchmark_out_format=json"] + extra
    print("running:", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        data = json.load(f)
    os.unlink(out)
    return data


def per_item_ns(bench):
    """Median time per processed item, in ns (falls back to time per iteration)."""
    t = bench["real_time"]
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[bench.get("time_unit", "ns")]
    ips = bench.get("items_per_second")
    if ips:
        return 1e9 / ips
    return t * unit


def table(data, baseline="hislab"):
    rows = {}
    errors = []
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            errors.append(b["name"] + ": " + b.get("error_message", ""))
            continue
        if b.get("aggregate_name") not in (None, "median"):
            continue
        name = b.get("run_name", b["name"])
        parts = name.split("/")
        if len(parts) < 3:
            continue
        workload, peer, size = parts[0], parts[1], "/".join(parts[2:])
        rows.setdefault((workload, size), {})[peer] = per_item_ns(b)

    def order(key):
        workload, size = key
        return (workload, tuple(int(x) if x.isdigit() else 0 for x in size.split("/")))

    lines = ["| workload | N | peer | ns/item (median) | ratio to HiSlab |", "|---|---:|---|---:|---:|"]
    for key in sorted(rows, key=order):
        workload, size = key
        peers = rows[key]
        base = peers.get(baseline) or next((v for k, v in peers.items() if k.startswith(baseline)), None)
        shown = "/".join(f"{int(x):,}" if x.isdigit() else x for x in size.split("/"))
        for peer in sorted(peers, key=lambda p: (p != baseline, not p.startswith(baseline), p)):
            ratio = f"{peers[peer] / base:.2f}x" if base else "-"
            lines.append(f"| {workload} | {shown} | {peer} | {peers[peer]:.2f} | {ratio} |")
    return "\n".join(lines), errors


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("binary", nargs="+", help="benchmark binaries; their results are merged")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", default="0.2")
    ap.add_argument("--out", help="also write the markdown table here")
    ap.add_argument("--filter", help="--benchmark_filter for every binary")
    args = ap.parse_args()
    extra = [f"--benchmark_filter={args.filter}"] if args.filter else []
    data = {"benchmarks": []}
    for binary in args.binary:
        data["benchmarks"] += run(binary, args.repetitions, args.min_time, extra)["benchmarks"]
    text, errors = table(data)
    header = f"Machine: {machine_line()}. Medians of {args.repetitions} repetitions; ratio = peer time / HiSlab time (lower is better for the peer).\n\n"
    print(header + text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(header + text + "\n")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
