#!/usr/bin/env python3
"""Statistics side by side with tshark (issue 16), in one run: figures only, no assertions.

    bench/bench_stats.py [--packets N] [--file CAPTURE] [--runs R]

On the mixed capture of bench/bench_decode.py (built once under bench/out/), for each of
`-z io,phs`, `-z conv,tcp`, `-z io,stat,1`: wall time from process start of `layerscope -q
-z X` and of `tshark -n -q -z X` (runs alternate between the two, best of R), whether the
numbers agree (tests/tshark_stats.py), then all three in one layerscope run against tshark
running them one by one, and the peak resident memory of the layerscope runs.
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

from tests.tshark_stats import agreement  # noqa: E402

REPORTS = ["io,phs", "conv,tcp", "io,stat,1"]
LAYERSCOPE = [sys.executable, "-m", "tui.main"]
# Reassembly and sequence analysis off, as we do neither yet: the mixed capture repeats
# one TCP exchange, so tshark's sequence analysis would call the repeats retransmissions
# and not dissect their payloads (different io,phs numbers, for a reason of its own).
TSHARK = ["tshark", "-n", "-o", "tcp.desegment_tcp_streams:FALSE", "-o",
          "tcp.analyze_sequence_numbers:FALSE", "-q"]  # fmt: skip


def timed(cmd: list[str]) -> tuple[float, str, int]:
    """(seconds, stdout, peak RSS of the child in KiB, from its own wait4)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)  # fmt: skip
    out = proc.stdout.read() if proc.stdout else ""
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped here: Popen must not wait for it again
    return time.perf_counter() - t, out, usage.ru_maxrss


def side_by_side(
    path: Path, reports: list[str], runs: int
) -> tuple[float, float | None, bool, int]:
    """Best wall times of layerscope and tshark (alternating), agreement, our peak RSS."""
    zs = [a for r in reports for a in ("-z", r)]
    ours_best, theirs_best, ours_out, theirs_out, rss = float("inf"), float("inf"), "", "", 0
    have_tshark = shutil.which("tshark") is not None
    for _ in range(runs):
        t, ours_out, peak = timed([*LAYERSCOPE, "-r", str(path), "-q", *zs])
        ours_best, rss = min(ours_best, t), max(rss, peak)
        if have_tshark:
            t, theirs_out, _ = timed([*TSHARK, "-r", str(path), *zs])
            theirs_best = min(theirs_best, t)
    same = all(agreement(ours_out, theirs_out, reports).values()) if have_tshark else False
    return ours_best, theirs_best if have_tshark else None, same, rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    path = a.file
    if path is None:
        import bench_decode

        path = ROOT / "bench" / "out" / f"mixed-{a.packets}.pcap"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            bench_decode.build(path, a.packets)
    print(f"capture: {path} ({os.path.getsize(path):,} bytes), {os.cpu_count()} CPUs, "
          f"engine: {os.environ.get('LAYERSCOPE_CORE', 'default')}")  # fmt: skip
    print(f"{'report':<24}{'layerscope':>12}{'tshark':>12}{'ratio':>8}  same numbers  peak RSS")
    tshark_total = 0.0
    for report in REPORTS:
        ours, theirs, same, rss = side_by_side(path, [report], a.runs)
        tshark_total += theirs or 0.0
        ratio = f"{theirs / ours:.2f}x" if theirs else "-"
        shown = f"{theirs:.2f} s" if theirs else "-"
        print(
            f"{report:<24}{ours:>10.2f} s{shown:>12}{ratio:>8}  {str(same):<12}  {rss // 1024} MiB"
        )
    ours, _, same, rss = side_by_side(path, REPORTS, a.runs)
    ratio = f"{tshark_total / ours:.2f}x" if tshark_total else "-"
    print(
        f"{'all three, one run':<24}{ours:>10.2f} s{tshark_total:>10.2f} s{ratio:>8}  "
        f"{str(same):<12}  {rss // 1024} MiB   (tshark: the three runs above, one by one)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
