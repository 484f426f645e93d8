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

REPORTS = ["io,phs", "conv,eth", "conv,ip", "conv,ipv6", "conv,tcp", "conv,udp",
           "endpoints,eth", "endpoints,ip", "endpoints,ipv6", "endpoints,tcp", "endpoints,udp",
           "io,stat,0", "io,stat,1", "ptype,tree", "expert"]  # fmt: skip
LONG = 100_000  # seconds: a capture spanning longer gets no io,stat,1 (tshark prints every row)
TSHARK = ["tshark", "-n", "-o", "tcp.desegment_tcp_streams:FALSE", "-q"]


def reports_for(path: Path) -> list[str]:
    from dissect.index import CaptureError, open_capture

    try:
        with open_capture(path) as idx:
            idx.index_all()
            span = (idx.time_ns(len(idx) - 1) - idx.time_ns(0)) / 1e9 if len(idx) else 0
    except CaptureError:
        span = 0
    return [r for r in REPORTS if r != "io,stat,1" or abs(span) < LONG]


def tshark_output(path: Path, reports: list[str]) -> str:
    argv = TSHARK + ["-r", str(path)] + [a for r in reports for a in ("-z", r)]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    return run.stdout


def ours(path: Path, reports: list[str]) -> str:
    from dissect.cli import build_parser, run_batch

    out, err = io.StringIO(), io.StringIO()
    argv = ["-r", str(path), "-q"] + [a for r in reports for a in ("-z", r)]
    run_batch(build_parser().parse_args(argv), out=out, err=err)
    return out.getvalue()


TITLES = {"io,phs": "Protocol Hierarchy Statistics", "io,stat,1": "| IO Statistics",
          "io,stat,0": "| IO Statistics",
          "ptype,tree": "IPv4 Statistics/IP Protocol Types:"}  # fmt: skip
KINDS = {"eth": "Ethernet", "ip": "IPv4", "ipv6": "IPv6", "tcp": "TCP", "udp": "UDP"}


def title_of(report: str) -> str:
    if report in TITLES:
        return TITLES[report]
    what, kind = report.split(",")
    return f"{KINDS[kind]} {'Conversations' if what == 'conv' else 'Endpoints'}"


def block(text: str, report: str) -> list[str] | None:
    """The lines of one report in a text holding several (None: absent). The two io,stat
    reports share a title: io,stat,0 is the one with the fewest intervals."""
    lines = text.splitlines()
    title = title_of(report)
    found = []
    for i, line in enumerate(lines):
        if line.rstrip() == title.rstrip() or (title.startswith("|") and line.startswith(title)):
            out: list[str] = []
            for rest in lines[i + 1 :]:
                end_tree = (
                    report == "ptype,tree" and rest.startswith("----") and out and not out[-1]
                )
                if rest.startswith("====") or end_tree:
                    break
                out.append(rest.rstrip())
            found.append(out)
    if not found:
        return None
    found.sort(key=lambda b: sum("<>" in x for x in b))
    return found[-1] if report == "io,stat,1" else found[0]


def rows(report: str, lines: list[str]) -> list[str]:
    if report == "io,phs":
        return [x for x in lines if "frames:" in x]
    if report.startswith(("conv,", "endpoints,")):
        return [x for x in lines if x and not x.startswith(("Filter:", " "))]
    if report.startswith("io,stat"):  # the numbers of each interval (labels are laid out apart)
        return [" ".join(x.split("|")[2:]).split() for x in lines if "<>" in x]
    if report == "ptype,tree":
        return sorted(" ".join(x.split()[:2]) for x in lines[2:] if x.strip())
    return lines


def expert_counts(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        for label in ("Errors", "Warns", "Notes", "Chats"):
            if line.startswith(label + " ("):
                out[label] = int(line.split("(")[1].rstrip(")"))
    return out


def compare(path: Path, theirs: str, reports: list[str]) -> dict[str, bool]:
    result = {}
    mine = ours(path, reports)
    for report in reports:
        if report == "expert":
            result[report] = expert_counts(mine).get("Errors", 0) == expert_counts(theirs).get(
                "Errors", 0
            )
            continue
        t = block(theirs, report)
        m = block(mine, report)
        if t is None:
            result[report] = m is None or not rows(report, m)
            continue
        result[report] = m is not None and rows(report, m) == rows(report, t)
    return result


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
