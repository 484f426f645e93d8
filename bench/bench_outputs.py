#!/usr/bin/env python3
"""The full outputs beside tshark: -V, -T json, -T jsonl, the summary list and a filter.

    bench/bench_outputs.py [--packets N] [--file CAPTURE] [--pairs P] [--modes V,json,...]

For each mode, P alternating pairs of `layerscope -r FILE <flags>` and `tshark -n -r FILE
<flags>` (output to a file), each pair's wall and CPU times and the ratio tshark / layerscope
(above 1: we are faster), then the ranges. CPU time is user + system of the process and its
workers: on a machine shared with other work it moves less than wall time; wall time is what
a user waits for. "On free cores" is each run's CPU less that of every worker but the busiest
(sidebyside.Run.critical): its wall time on an idle machine. On a busy one Linux gives each
session an equal share of the CPU whatever its number of processes (autogroup), so the wall
ratio there only repeats the CPU ratio. tshark has no JSON-lines output: jsonl is compared
with its -T json.
The filter mode (`-Y 'tcp.port == 80' -q`) also gives its peak anonymous memory above that
of `--version`, a packet.

Then the TUI's cost of showing one packet: decode + the tree rows of every layer, median
over the first 2,000 packets of the capture, in this process (the engine the CLI runs).
Figures only: no assertion.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sidebyside import LAYERSCOPE, ROOT, describe, mixed_capture, packets_in, run, span  # noqa: E402

sys.path.insert(0, str(ROOT))

# mode -> (our flags, tshark's flags, the target ratio)
MODES = {
    "V": (["-V"], ["-V"], 1.5),
    "json": (["-T", "json"], ["-T", "json"], 1.5),
    "jsonl": (["-T", "jsonl"], ["-T", "json"], 1.5),
    "summary": ([], [], 1.2),
    "filter": (["-Y", "tcp.port == 80", "-q"], ["-Y", "tcp.port == 80", "-q"], 4.0),
}
MEMORY_TARGET = 64  # bytes a packet of anonymous memory for the filter run, above --version


def compare(path: Path, mode: str, pairs: int, tshark: str) -> list[int]:
    """The pairs' figures printed; our runs' peak anonymous memory returned."""
    ours_flags, theirs_flags, target = MODES[mode]
    walls, cpus, frees, peaks = [], [], [], []
    for i in range(pairs):
        ours = run([*LAYERSCOPE, "-r", str(path), *ours_flags])
        peaks.append(ours.peak_anon)
        theirs = run([tshark, "-n", "-r", str(path), *theirs_flags])
        walls.append(theirs.wall / ours.wall)
        cpus.append(theirs.cpu / ours.cpu)
        frees.append(theirs.critical / ours.critical)
        print(f"  {mode} pair {i + 1}: layerscope {ours.wall:.2f} s wall {ours.cpu:.2f} s cpu "
              f"({ours.critical:.2f} s on free cores), tshark {theirs.wall:.2f} s wall "
              f"{theirs.cpu:.2f} s cpu", flush=True)  # fmt: skip
    print(f"{mode}: wall ratio {span(walls, '{:.2f}')}x, cpu ratio {span(cpus, '{:.2f}')}x, "
          f"on free cores {span(frees, '{:.2f}')}x (target >= {target}x)\n", flush=True)  # fmt: skip
    return peaks


def one_packet_ms(path: Path, count: int = 2000) -> float:
    """Median milliseconds to decode one packet and build every layer's tree rows."""
    from dissect.engine import decode, tree_rows
    from dissect.index import open_capture

    times = []
    with open_capture(str(path)) as idx:
        for r in idx:
            if r.number > count:
                break
            start = time.perf_counter()
            pkt = decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns, wirelen=r.wirelen)
            tree_rows(pkt, False)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=100_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--modes", default="V,json,jsonl,summary,filter")
    a = ap.parse_args()
    path = a.file or mixed_capture(a.packets)
    packets = packets_in(path)
    print(describe(path, packets))
    version = run([*LAYERSCOPE, "--version"])
    print(version.head.strip(), "\n")
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tshark not found: install it (apt-get install tshark) to compare")
    else:
        for mode in a.modes.split(","):
            peaks = compare(path, mode, a.pairs, tshark)
            if mode == "filter":  # the filter run's memory: the index and the bulk filter
                extra = [(p - version.peak_anon) / packets for p in peaks]
                print(f"filter: anonymous memory above --version {span(extra, '{:.0f}')} B/packet "
                      f"(target <= {MEMORY_TARGET})\n")  # fmt: skip
    print(f"TUI, one packet (decode + tree rows): {one_packet_ms(path):.3f} ms median "
          "(target <= 0.1 ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
