#!/usr/bin/env python3
"""Copies the benchmark results into README.md and checks the comparison targets.

Reads bench/results/compare.md and features.md (written by report.py) and rewrites every README
block between '<!-- bench:NAME -->' and '<!-- /bench -->':

  throughput  rows of compare.md for 16-byte elements at N = 1,000,000
  latency     the latency table of compare.md
  memory      the memory table of compare.md
  features    the table of features.md
  targets     each target of the comparison issue with the ratio measured in this run

Standard library only. Usage: readme_tables.py RESULTS_DIR README
"""
import re
import sys


def sections(path):
    """{'Throughput': [table lines], ...} and the machine line of one report.py output."""
    out, current, machine = {}, None, ""
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Machine:"):
                machine = line
            elif line.startswith("### "):
                current = line[4:].split(" ")[0]
                out[current] = []
            elif current and line.startswith("|"):
                out[current].append(line)
    return out, machine


def cells(line):
    return [c.strip() for c in line.strip("|").split("|")]


def number(text):
    return float(text.replace(",", "").rstrip("x"))


def rows_by_key(table):
    """{(workload, N, peer): [numbers...]} for the data rows of a markdown table."""
    rows = {}
    for line in table[2:]:
        c = cells(line)
        rows[(c[0], c[1], c[2])] = [number(x) for x in c[3:]]
    return rows


def target(what, workload, peer, limit, me="hislab", col=0):
    """One row of the targets table: me / peer in column `col` of `workload`'s rows at 10^6."""
    return (what, workload, me, peer, col, limit)


P999, MAX = 2, 4  # latency columns (p50 p99 p99.9 p99.99 max)
TARGETS = [
    target("churn vs free-list slab", "churn_16B", "free_list", 1.0),
    target("churn vs new/delete", "churn_16B", "new_delete", 0.3),
    target("churn vs colony", "churn_16B", "colony", 0.4),
    target("get (get_unchecked) vs free-list slab", "get_16B", "free_list", 1.0),
    target("get (checked get) vs free-list slab", "get_16B", "free_list", 1.0, me="hislab_checked"),
    target("iterate dense vs free-list slab", "iterate_dense_16B", "free_list", 1.1),
    target("iterate 10% sparse vs free-list slab", "iterate_sparse10_16B", "free_list", 0.25),
    target("iterate 10% sparse vs colony", "iterate_sparse10_16B", "colony", 1.0),
    target("fill (pre-faulted) vs free-list slab", "fill_16B", "free_list", 1.0),
    target("fill latency p99.9 vs free-list slab", "latency_fill", "free_list", 0.25, col=P999),
    target("fill latency max vs free-list slab", "latency_fill", "free_list", 0.01, col=MAX),
    target("churn latency p50 vs free-list slab", "latency_churn", "free_list", 0.5),
]


def targets(throughput, latency):
    lines = ["| target | HiSlab / peer, this run | at most | met |", "|---|---:|---:|:---:|"]
    for what, workload, me, peer, col, limit in TARGETS:
        table = latency if workload.startswith("latency") else throughput
        mine = table.get((workload, "1,000,000", me))
        theirs = table.get((workload, "1,000,000", peer))
        if not mine or not theirs or theirs[col] == 0:
            lines.append(f"| {what} | not measured | {limit:g} | - |")
            continue
        ratio = mine[col] / theirs[col]
        lines.append(f"| {what} | {ratio:.3f} | {limit:g} | {'yes' if ratio <= limit else 'no'} |")
    return lines


def main():
    results, readme = sys.argv[1], sys.argv[2]
    compare, machine = sections(f"{results}/compare.md")
    features, _ = sections(f"{results}/features.md")
    through = compare["Throughput"]
    blocks = {
        "throughput": through[:2] + [l for l in through[2:] if cells(l)[0].endswith("_16B")
                                     and cells(l)[1] == "1,000,000"],
        "latency": compare["Latency"],
        "memory": compare["Memory"],
        "features": features["Throughput"],
        "targets": targets(rows_by_key(through), rows_by_key(compare["Latency"])),
        "machine": [machine],
    }
    with open(readme) as f:
        text = f.read()
    for name, lines in blocks.items():
        pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"readme_tables.py: README has no <!-- bench:{name} --> block")
        text = pattern.sub(lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2), text)
    with open(readme, "w") as f:
        f.write(text)
    print("\n".join(blocks["targets"]))


if __name__ == "__main__":
    main()
