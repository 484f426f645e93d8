#!/usr/bin/env python3
"""Compare layerscope's -z statistics with tshark's, capture by capture.

    tools/stats_corpus.py CAPTURE_OR_DIR... [--show N] [--save DIR]

For each capture: tshark (name resolution off, TCP reassembly off, as the corpus
expectations) and layerscope print the same -z reports; each report's rows are compared
(phs: every line; conv/endpoints: every row; io,stat: every interval row; ptype tree:
item counts; expert: the count per severity). Prints agreement per report. --save DIR
keeps tshark's output per capture (the fixtures of tests/test_stats_tshark.py).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tshark_stats import LONG, REPORTS, agreement  # noqa: E402

TSHARK = ["tshark", "-n", "-o", "tcp.desegment_tcp_streams:FALSE", "-q"]


def reports_for(path: Path) -> list[str]:
    from dissect.index import CaptureError, open_capture

    try:
        with open_capture(path) as idx:
            idx.index_all()
            times = [idx.time_ns(i) for i in range(len(idx))]
            span = (max(times) - min(times)) / 1e9 if times else 0
    except CaptureError:
        span = 0
    return [r for r in REPORTS if r != "io,stat,1" or abs(span) < LONG]


def tshark_output(path: Path, reports: list[str]) -> str:
    argv = TSHARK + ["-r", str(path)] + [a for r in reports for a in ("-z", r)]
    try:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return ""
    return run.stdout


def ours(path: Path, reports: list[str]) -> str:
    from dissect.cli import build_parser, run_batch

    out, err = io.StringIO(), io.StringIO()
    argv = ["-r", str(path), "-q"] + [a for r in reports for a in ("-z", r)]
    run_batch(build_parser().parse_args(argv), out=out, err=err)
    return out.getvalue()


def compare(path: Path, theirs: str, reports: list[str]) -> dict[str, bool]:
    return agreement(ours(path, reports), theirs, reports)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--save", type=Path)
    a = ap.parse_args()
    files = []
    for p in a.paths:
        files += (
            sorted(x for x in p.rglob("*") if x.suffix in (".pcap", ".pcapng", ".cap", ".dmp"))
            if p.is_dir()
            else [p]
        )
    totals: dict[str, list[int]] = {r: [0, 0] for r in REPORTS}
    bad: dict[str, list[str]] = {r: [] for r in REPORTS}
    for f in files:
        reports = reports_for(f)
        theirs = tshark_output(f, reports)
        if a.save:
            a.save.mkdir(parents=True, exist_ok=True)
            (a.save / (f.name + ".txt")).write_text(theirs)
        for report, ok in compare(f, theirs, reports).items():
            totals[report][1] += 1
            totals[report][0] += ok
            if not ok:
                bad[report].append(str(f))
    for report, (ok, n) in totals.items():
        print(f"{report:16} {ok}/{n} captures agree ({100 * ok / max(n, 1):.1f}%)")
        for name in bad[report][: a.show]:
            print("    differs:", name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
