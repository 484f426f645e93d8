#!/usr/bin/env python3
"""A display filter over a whole capture, beside tshark: wall time and memory per packet.

    bench/bench_filter.py [--packets N] [--file CAPTURE] [--pairs P] [--filter TEXT]

Builds (once, cached under bench/out/) the mixed capture of bench/bench_decode.py, then
runs `layerscope -r FILE -Y FILTER -q` and `tshark -n -r FILE -Y FILTER` in P alternating
pairs and prints each pair's wall times and ratio, then their ranges (the machine may be
shared: ranges, not a best figure).

Memory: a process's anonymous memory (RssAnon: its heap and arrays, not the shared
libraries or the page cache) is polled from /proc/PID/status every millisecond while it
runs; the peak of the filter run minus the peak of `layerscope --version` (the interpreter
and the start-up imports), divided by the packets in the capture, is what the filter run
costs per packet: the index of the capture plus whatever the scan keeps. tshark's peak is
shown over its own `-v`. Figures only: no assertion.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sidebyside import LAYERSCOPE, describe, mixed_capture, packets_in, run, span  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--filter", default="tcp.port == 80")
    a = ap.parse_args()
    path = a.file or mixed_capture(a.packets)
    n = packets_in(path)
    tshark = shutil.which("tshark")
    print(f"{describe(path, n)}, filter: {a.filter}")
    ours_cmd = [*LAYERSCOPE, "-r", str(path), "-Y", a.filter, "-q"]
    theirs_cmd = [tshark or "tshark", "-n", "-r", str(path), "-Y", a.filter]
    ours, theirs, ours_mem, theirs_mem = [], [], [], []
    for i in range(a.pairs):
        r = run(ours_cmd)
        t, mem, out = r.wall, r.peak_anon, r.head
        ours.append(t)
        ours_mem.append(mem)
        line = f"pair {i + 1}: layerscope {t:.2f} s ({out.strip()} match)"
        if tshark:
            r2 = run(theirs_cmd)
            t2, mem2 = r2.wall, r2.peak_anon
            theirs.append(t2)
            theirs_mem.append(mem2)
            line += f", tshark {t2:.2f} s: {t2 / t:.1f}x"
        print(line, flush=True)
    base = min(run([*LAYERSCOPE, "--version"]).peak_anon for _ in range(3))
    print(f"\nwall time: layerscope {span(ours, '{:.2f}')} s", end="")
    if theirs:
        ratios = [b / a for a, b in zip(ours, theirs, strict=True)]
        print(f", tshark {span(theirs, '{:.2f}')} s, ratio {span(ratios, '{:.1f}')}x", end="")
    print("  (target: >= 4x)")
    per = [(m - base) / n for m in ours_mem]
    print(f"anonymous memory above --version: {span(per, '{:.0f}')} B/packet "
          f"(peak {max(ours_mem) / 2**20:.0f} MiB, --version {base / 2**20:.0f} MiB; "
          "target: <= 64 B/packet)")  # fmt: skip
    if theirs_mem:
        tbase = run([tshark or "tshark", "-v"]).peak_anon
        tper = [(m - tbase) / n for m in theirs_mem]
        print(f"tshark's anonymous memory above -v: {span(tper, '{:.0f}')} B/packet "
              f"(peak {max(theirs_mem) / 2**20:.0f} MiB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
