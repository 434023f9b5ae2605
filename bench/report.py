#!/usr/bin/env python3
"""Runs Google Benchmark binaries with repetitions and prints markdown tables of medians.

Throughput benchmarks are named "<workload>/<peer>/<N...>": each peer's time per item is shown
with its ratio to HiSlab's on the same workload and size. Benchmarks with latency counters
(p50 .. max) and memory counters get tables of their own. Ratios come from one run on one
machine, whose description heads the output. Standard library only.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

BASELINE = "hislab"
LATENCY = ["p50", "p99", "p99.9", "p99.99", "max"]
MEMORY = ["overhead_bytes_per_elem", "peak_rss_mib", "rss_full_mib", "rss_after_remove90_trim_mib"]


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


def run(binary, own_args, repetitions, min_time, extra):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [binary] + own_args + [f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true",
           f"--benchmark_min_time={min_time}", f"--benchmark_out={out}", "--benchmark_out_format=json"] + extra
    print("running:", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        data = json.load(f)
    os.unlink(out)
    return data


def per_item_ns(bench):
    """Median time per processed item in ns (time per iteration when no items are counted)."""
    ips = bench.get("items_per_second")
    if ips:
        return 1e9 / ips
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[bench.get("time_unit", "ns")]
    return bench["real_time"] * unit


def split_name(name):
    parts = name.split("/")
    return parts[0], parts[1], "/".join(parts[2:])


def size_order(size):
    return tuple(int(x) if x.isdigit() else 0 for x in size.split("/"))


def shown_size(size):
    return "/".join(f"{int(x):,}" if x.isdigit() else x for x in size.split("/"))


def peer_order(peer):
    return (peer != BASELINE, not peer.startswith(BASELINE), peer)


def collect(data, memory=MEMORY):
    """{kind: {(workload, size): {peer: bench}}} over median aggregates (or single runs)."""
    kinds = {"throughput": {}, "latency": {}, "memory": {}}
    errors = []
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            errors.append(b["name"] + ": " + b.get("error_message", ""))
            continue
        if b.get("aggregate_name") not in (None, "median"):
            continue
        name = "/".join(x for x in b.get("run_name", b["name"]).split("/")
                        if x != "real_time" and ":" not in x)
        if name.count("/") < 2:
            continue
        workload, peer, size = split_name(name)
        kind = "latency" if "p50" in b else "memory" if memory[0] in b else "throughput"
        kinds[kind].setdefault((workload, size), {})[peer] = b
    return kinds, errors


def throughput_table(rows):
    lines = ["| workload | N | peer | ns/item (median) | vs HiSlab |", "|---|---:|---|---:|---:|"]
    for key in sorted(rows, key=lambda k: (k[0], size_order(k[1]))):
        workload, size = key
        peers = rows[key]
        base = per_item_ns(peers[BASELINE]) if BASELINE in peers else None
        for peer in sorted(peers, key=peer_order):
            t = per_item_ns(peers[peer])
            ratio = f"{t / base:.2f}x" if base else "-"
            lines.append(f"| {workload} | {shown_size(size)} | {peer} | {t:.2f} | {ratio} |")
    return lines


def counter_table(rows, counters, title_ratio=None):
    head = "| workload | N | peer | " + " | ".join(counters) + " |"
    lines = [head, "|---|---:|---|" + "---:|" * len(counters)]
    for key in sorted(rows, key=lambda k: (k[0], size_order(k[1]))):
        workload, size = key
        for peer in sorted(rows[key], key=peer_order):
            b = rows[key][peer]
            cells = [f"{b.get(c, float('nan')):,.1f}" for c in counters]
            lines.append(f"| {workload} | {shown_size(size)} | {peer} | " + " | ".join(cells) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("binary", nargs="+", help="benchmark binaries; their results are merged")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", default="0.2")
    ap.add_argument("--filter", help="--benchmark_filter for every binary")
    ap.add_argument("--binary-arg", action="append", default=[], metavar="ARG",
                    help="an argument of the binaries' own, passed first (repeatable), e.g. --sizes=10000000")
    ap.add_argument("--interleave", action="store_true",
                    help="interleave repetitions at random, against time-correlated noise")
    ap.add_argument("--serial-first", metavar="REGEX",
                    help="run the benchmarks matching REGEX first, on their own and in order (never "
                         "interleaved: the memory benchmarks fork and must run before anything allocates)")
    ap.add_argument("--memory-counters", default=",".join(MEMORY),
                    help="the counters of the memory table, comma-separated (the first marks a memory row)")
    ap.add_argument("--memory-title", default="Memory (16-byte elements)")
    ap.add_argument("--out", help="also write the markdown here")
    ap.add_argument("--json", help="also write the merged Google Benchmark JSON here")
    ap.add_argument("--plots", help="write SVG plots into this folder (bench/plot.py)")
    args = ap.parse_args()
    if args.filter and args.serial_first:
        ap.error("--filter and --serial-first do not combine")
    passes = []  # the extra arguments of each run of every binary
    if args.serial_first:
        passes.append([f"--benchmark_filter={args.serial_first}"])
        rest = [f"--benchmark_filter=-{args.serial_first}"]
    else:
        rest = [f"--benchmark_filter={args.filter}"] if args.filter else []
    if args.interleave:
        rest.append("--benchmark_enable_random_interleaving=true")
    passes.append(rest)
    data = {"benchmarks": [], "context": {}}
    for binary in args.binary:
        for extra in passes:
            d = run(binary, args.binary_arg, args.repetitions, args.min_time, extra)
            data["benchmarks"] += d["benchmarks"]
            data["context"] = d.get("context", {})
    data["machine"] = machine_line()
    memory = args.memory_counters.split(",")
    kinds, errors = collect(data, memory)

    text = [f"Machine: {machine_line()}.",
            f"Medians of {args.repetitions} repetitions" + (", interleaved at random" if args.interleave else "")
            + ", one run; 'vs HiSlab' = peer time / HiSlab time "
            "(above 1.00x the peer is slower).", ""]
    if kinds["throughput"]:
        text += ["### Throughput", ""] + throughput_table(kinds["throughput"]) + [""]
    if kinds["latency"]:
        unit = "cycles" if platform.machine() in ("x86_64", "AMD64") else "ns"
        text += [f"### Latency per operation ({unit}, fence overhead subtracted)", ""]
        text += counter_table(kinds["latency"], LATENCY) + [""]
    if kinds["memory"]:
        text += [f"### {args.memory_title}", ""] + counter_table(kinds["memory"], memory) + [""]
    out = "\n".join(text)
    print(out)
    for path, content in ((args.out, out + "\n"), (args.json, json.dumps(data, indent=1))):
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w") as f:
                f.write(content)
    if args.plots:
        import plot  # beside this script; it takes per_item_ns from here
        for written in plot.write_all(kinds, args.plots, machine_line()):
            print("wrote", written, file=sys.stderr)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
