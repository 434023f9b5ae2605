#!/usr/bin/env python3
"""SVG plots of report.py's results, drawn with the standard library only:
- throughput_<workload>.svg: ns per item against N (log-log), one line per peer;
- latency_<workload>.svg: percentiles p50 .. max (log scale), one line per peer.
"""
import math
import os

from report import per_item_ns
from xml.sax.saxutils import escape

COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31"]
W, H, L, R, T, B = 760, 420, 70, 190, 40, 50


def _log_ticks(lo, hi):
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        if 10 ** e >= lo / 1.0001:
            ticks.append(10 ** e)
        e += 1
    return ticks or [lo, hi]


def _svg(title, subtitle, x_labels, series, y_label, x_log_values=None):
    """series: {name: [(x_index_or_value, y)]}; y on a log scale."""
    ys = [y for pts in series.values() for _, y in pts if y > 0]
    if not ys:
        return None
    ylo, yhi = 10 ** math.floor(math.log10(min(ys))), 10 ** math.ceil(math.log10(max(ys)))
    if ylo == yhi:
        yhi *= 10
    nx = len(x_labels)

    def px(i):
        return L + (W - L - R) * (i / (nx - 1) if nx > 1 else 0.5)

    def py(y):
        return T + (H - T - B) * (1 - (math.log10(y) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo)))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
           f'<text x="{L}" y="33" fill="#555">{escape(subtitle)}</text>']
    for t in _log_ticks(ylo, yhi):
        y = py(t)
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{t:g}</text>')
    for i, lab in enumerate(x_labels):
        out.append(f'<text x="{px(i):.1f}" y="{H - B + 18}" text-anchor="middle">{escape(lab)}</text>')
    out.append(f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" '
               f'text-anchor="middle">{escape(y_label)}</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#888"/>')
    for k, (name, pts) in enumerate(sorted(series.items(), key=lambda s: (s[0] != "hislab", s[0]))):
        color = COLORS[k % len(COLORS)]
        width = 3 if name == "hislab" else 1.5
        pts = [(px(i), py(y)) for i, y in pts if y > 0]
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="{width}"/>')
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        ly = T + 14 + 16 * k
        out.append(f'<line x1="{W - R + 10}" x2="{W - R + 30}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" '
                   f'stroke-width="{width}"/>')
        out.append(f'<text x="{W - R + 35}" y="{ly}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def write_all(kinds, folder, machine):
    os.makedirs(folder, exist_ok=True)
    written = []
    by_workload = {}
    for (workload, size), peers in kinds.get("throughput", {}).items():
        if not size.isdigit():
            continue
        for peer, b in peers.items():
            by_workload.setdefault(workload, {}).setdefault(peer, {})[int(size)] = per_item_ns(b)
    for workload, peers in by_workload.items():
        sizes = sorted({n for pts in peers.values() for n in pts})
        if len(sizes) < 2:
            continue
        series = {p: [(sizes.index(n), v) for n, v in sorted(pts.items())] for p, pts in peers.items()}
        svg = _svg(f"{workload}: time per item against N", machine, [f"{n:,}" for n in sizes], series,
                   "ns per item (log)")
        if svg:
            path = os.path.join(folder, f"throughput_{workload}.svg")
            with open(path, "w") as f:
                f.write(svg)
            written.append(path)
    pct = ["p50", "p99", "p99.9", "p99.99", "max"]
    lat = {}
    for (workload, size), peers in kinds.get("latency", {}).items():
        lat.setdefault(workload, {})
        for peer, b in peers.items():
            lat[workload][peer] = [(i, max(b.get(p, 0), 1)) for i, p in enumerate(pct)]
    for workload, series in lat.items():
        svg = _svg(f"{workload}: latency percentiles per operation", machine, pct, series, "cycles (log)")
        if svg:
            path = os.path.join(folder, f"{workload}.svg")
            with open(path, "w") as f:
                f.write(svg)
            written.append(path)
    return written
