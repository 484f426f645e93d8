#!/usr/bin/env python3
"""Statistics side by side with tshark (issue 16), in one run: figures only, no assertions.

    bench/bench_stats.py [--packets N] [--file CAPTURE] [--runs R]

On the mixed capture of bench/bench_decode.py (built once under bench/out/), for each of
`-z io,phs`, `-z conv,tcp`, `-z io,stat,1`: wall time from process start of `layerscope -q
-z X` and of `tshark -n -q -z X` (runs alternate between the two, best of R) and the CPU
time (user + system, worker processes included) of those runs, whether the numbers agree
(tests/tshark_stats.py), then all three in one layerscope run against tshark running them
one by one, and the peak resident memory of the layerscope runs. On a loaded machine the
CPU times are the figures to compare.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sidebyside import mixed_capture  # noqa: E402

from tests.tshark_stats import agreement  # noqa: E402

REPORTS = ["io,phs", "conv,tcp", "io,stat,1"]
LAYERSCOPE = [sys.executable, "-m", "tui.main"]
# Reassembly and sequence analysis off, as we do neither yet: the mixed capture repeats
# one TCP exchange, so tshark's sequence analysis would call the repeats retransmissions
# and not dissect their payloads (different io,phs numbers, for a reason of its own).
TSHARK = ["tshark", "-n", "-o", "tcp.desegment_tcp_streams:FALSE", "-o",
          "tcp.analyze_sequence_numbers:FALSE", "-q"]  # fmt: skip


def timed(cmd: list[str]) -> tuple[tuple[float, float], str, int]:
    """((wall seconds, CPU seconds), stdout, peak RSS of the child in KiB), from its own
    wait4 (its CPU includes the worker processes it reaped)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)  # fmt: skip
    out = proc.stdout.read() if proc.stdout else ""
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped here: Popen must not wait for it again
    return (time.perf_counter() - t, usage.ru_utime + usage.ru_stime), out, usage.ru_maxrss


Times = tuple[float, float]  # best wall, best CPU


def side_by_side(path: Path, reports: list[str], runs: int) -> tuple[Times, Times, bool, int]:
    """Best wall and CPU times of layerscope and tshark (alternating; tshark's are inf
    without it), agreement, our peak RSS."""
    zs = [a for r in reports for a in ("-z", r)]
    inf = float("inf")
    ours, theirs, ours_out, theirs_out, rss = (inf, inf), (inf, inf), "", "", 0
    have_tshark = shutil.which("tshark") is not None
    for _ in range(runs):
        t, ours_out, peak = timed([*LAYERSCOPE, "-r", str(path), "-q", *zs])
        ours, rss = (min(ours[0], t[0]), min(ours[1], t[1])), max(rss, peak)
        if have_tshark:
            t, theirs_out, _ = timed([*TSHARK, "-r", str(path), *zs])
            theirs = (min(theirs[0], t[0]), min(theirs[1], t[1]))
    same = all(agreement(ours_out, theirs_out, reports).values()) if have_tshark else False
    return ours, theirs, same, rss


def cells(ours: Times, theirs: Times) -> str:
    """'wall ours / tshark (ratio)   cpu ours / tshark (ratio)'."""
    out = []
    for k in (0, 1):
        ratio = f"{theirs[k] / ours[k]:.2f}x" if theirs[k] != float("inf") else "-"
        out.append(f"{ours[k]:6.2f} s {theirs[k]:6.2f} s {ratio:>6}")
    return "   ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    path = a.file or mixed_capture(a.packets)
    print(f"capture: {path} ({os.path.getsize(path):,} bytes), {os.cpu_count()} CPUs, "
          f"engine: {os.environ.get('LAYERSCOPE_CORE', 'default')}")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'report':<20}{'wall: ours  tshark  ratio':>27}   {'cpu: ours  tshark  ratio':>26}"
          "  same numbers  peak RSS")  # fmt: skip
    total = [0.0, 0.0]
    for report in REPORTS:
        ours, theirs, same, rss = side_by_side(path, [report], a.runs)
        total = [total[0] + theirs[0], total[1] + theirs[1]]
        print(f"{report:<20}{cells(ours, theirs)}  {str(same):<12}  {rss // 1024} MiB")
    ours, _, same, rss = side_by_side(path, REPORTS, a.runs)
    print(f"{'all three, one run':<20}{cells(ours, (total[0], total[1]))}  {str(same):<12}  "
          f"{rss // 1024} MiB   (tshark: the three runs above, one by one)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
