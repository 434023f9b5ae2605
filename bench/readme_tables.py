#!/usr/bin/env python3
"""Prints the comparison targets of a benchmark run and, when asked, writes its tables into the docs.

Reads RESULTS_DIR/compare.md and features.md (written by report.py). Prints the targets table.
Given documents, rewrites each block between '<!-- bench:NAME -->' and '<!-- /bench -->' that
the document has (a document must have at least one):

  throughput  rows of compare.md for 16-byte elements at N = 1,000,000
  latency     the latency table of compare.md
  memory      the memory table of compare.md
  features    the table of features.md
  targets     each target with the ratio measured in this run
  headline    a few of those ratios, for the top-level README
  machine     the machine line of the run
  latency_runs  latency_runs.md as it is (latency_runs.py: three runs side by side), when the
              run wrote it (ctest -L bench_large)

Standard library only. Usage: readme_tables.py RESULTS_DIR [DOCUMENT ...]
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
    target("churn vs boost::pool", "churn_16B", "boost_pool", 1.5),
    target("churn, 64 B, vs free-list slab", "churn_64B", "free_list", 1.0),
    target("churn, 64 B, vs boost::pool", "churn_64B", "boost_pool", 1.5),
    target("get (get_unchecked) vs free-list slab", "get_16B", "free_list", 1.0),
    target("get (checked get) vs free-list slab", "get_16B", "free_list", 1.0, me="hislab_checked"),
    target("checked get vs get_unchecked", "get_16B", "hislab", 1.15, me="hislab_checked"),
    target("iterate dense vs free-list slab", "iterate_dense_16B", "free_list", 1.1),
    target("iterate 10% sparse vs free-list slab", "iterate_sparse10_16B", "free_list", 0.25),
    target("iterate 10% sparse vs colony", "iterate_sparse10_16B", "colony", 1.0),
    target("fill (pre-faulted) vs reserved free-list slab", "fill_16B", "free_list_reserved", 1.0),
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


HEADLINE = [
    ("churn (remove + insert), 10^6 live", "churn_16B", ["free_list", "boost_pool", "new_delete"]),
    ("random get (`get_unchecked`)", "get_16B", ["free_list", "new_delete"]),
    ("iterate, 10% live", "iterate_sparse10_16B", ["free_list", "colony"]),
    ("iterate, all live", "iterate_dense_16B", ["free_list", "colony"]),
    ("fill (pre-faulted)", "fill_16B", ["free_list_reserved", "new_delete"]),
]


def headline(throughput):
    """HiSlab's time over each peer's for a few rows (16 B, 10^6); below 1.00x HiSlab is faster."""
    lines = ["| workload (16 B, 10^6) | HiSlab's time / the peer's |", "|---|---|"]
    for what, workload, peers in HEADLINE:
        mine = throughput.get((workload, "1,000,000", "hislab"))
        parts = []
        for peer in peers:
            theirs = throughput.get((workload, "1,000,000", peer))
            if mine and theirs and theirs[0] > 0:
                parts.append(f"{mine[0] / theirs[0]:.2f}x {peer}")
        lines.append(f"| {what} | {', '.join(parts) if parts else 'not measured'} |")
    return lines


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: readme_tables.py RESULTS_DIR [DOCUMENT ...]")
    results, documents = sys.argv[1], sys.argv[2:]
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
        "headline": headline(rows_by_key(through)),
        "machine": [machine],
    }
    try:
        with open(f"{results}/latency_runs.md") as f:
            blocks["latency_runs"] = f.read().rstrip("\n").split("\n")
    except FileNotFoundError:
        pass
    for document in documents:
        with open(document) as f:
            text = f.read()
        found = 0
        for name, lines in blocks.items():
            pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench -->)", re.S)
            if pattern.search(text):
                found += 1
                text = pattern.sub(lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2), text)
        if found == 0:
            sys.exit(f"readme_tables.py: {document} has no <!-- bench:NAME --> block")
        with open(document, "w") as f:
            f.write(text)
    print("\n".join(blocks["targets"]))


if __name__ == "__main__":
    main()
