#!/usr/bin/env python3
"""Compare layerscope's conversations with tshark's on a folder of captures (a developer tool;
the tests do the same on tests/data/streams).

    tools/stream_check.py [-v] [--max-streams N] CAPTURE_OR_FOLDER...

For each capture, with tshark's default preferences:
- `tcp.stream` and `udp.stream` of every packet (every occurrence, so tunnels and ICMP errors
  count too);
- which `tcp.analysis.*` flags each TCP packet carries;
- `-z follow,tcp,raw,N` byte for byte, for every stream of captures with at most N TCP streams
  (default 100).

A capture tshark cannot read (no rows, an error on its stderr: an unsupported link type, a
cut file) is skipped and named as skipped, as there is nothing to compare with.

-v prints every difference (else the first three per capture and measure).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERSCOPE = [str(Path(sys.executable).parent / "layerscope")]
FLAGS = ("retransmission fast_retransmission spurious_retransmission out_of_order lost_segment "
         "ack_lost_segment duplicate_ack_num zero_window window_full keep_alive window_update "
         "zero_window_probe zero_window_probe_ack keep_alive_ack").split()  # fmt: skip
FOLLOWS_PER_RUN = 25


def run(tool: list[str], args: list[str]) -> str:
    return run_both(tool, args)[0]


def run_both(tool: list[str], args: list[str]) -> tuple[str, str]:
    """stdout and stderr (less tshark's warning about running as root)."""
    done = subprocess.run(tool + args, capture_output=True, timeout=900, cwd=ROOT)
    err = [line for line in done.stderr.decode("utf-8", "replace").splitlines()
           if line.strip() and not line.startswith("Running as user")]  # fmt: skip
    return done.stdout.decode("utf-8", "replace"), "\n".join(err)


def fields_and_errors(tool: list[str], path: Path, names: list[str]) -> tuple[list[str], str]:
    args = ["-n", "-r", str(path), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for name in names:
        args += ["-e", name]
    out, err = run_both(tool, args)
    return out.splitlines(), err


def fields(tool: list[str], path: Path, names: list[str]) -> list[str]:
    return fields_and_errors(tool, path, names)[0]


def analysis_rows(tool: list[str], path: Path) -> list[str]:
    """Per packet, the names of the analysis flags present (a tshark flag prints as a value or
    an empty string, so presence is read from which columns are non-empty)."""
    rows = fields(tool, path, ["tcp.srcport"] + [f"tcp.analysis.{f}" for f in FLAGS])
    out = []
    for row in rows:
        cols = row.split("\t")
        if not cols[0]:
            out.append("")
            continue
        out.append(" ".join(f for f, c in zip(FLAGS, cols[1:], strict=False) if c))
    return out


def follows(tool: list[str], path: Path, count: int) -> list[str]:
    """`-z follow,tcp,raw,N` of streams 0..count-1, one block per stream."""
    blocks: list[str] = []
    for first in range(0, count, FOLLOWS_PER_RUN):
        args = ["-n", "-r", str(path), "-q"]
        for n in range(first, min(count, first + FOLLOWS_PER_RUN)):
            args += ["-z", f"follow,tcp,raw,{n}"]
        text = run(tool, args)
        blocks += text.split("\n" + "=" * 67 + "\nFollow: ")[1:]
    return sorted(blocks, key=lambda b: b.split("\n", 2)[1])  # tshark prints the last first


def compare(name: str, ours: list[str], theirs: list[str], shown: int | None) -> tuple[int, int]:
    if len(ours) != len(theirs):
        print(f"  {name}: {len(ours)} rows, tshark {len(theirs)}")
        return 0, max(len(ours), len(theirs))
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    for i, a, b in bad[:shown]:
        print(f"  {name} row {i + 1}: ours {a[:120]!r} tshark {b[:120]!r}")
    return len(ours) - len(bad), len(ours)


def captures(args: list[str]) -> list[Path]:
    paths: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            paths += sorted(x for x in p.rglob("*") if x.suffix in (".pcap", ".pcapng", ".cap"))
        else:
            paths.append(p)
    return paths


def check(path: Path, totals: dict, limit: int, shown: int | None) -> None:
    tshark = ["tshark"]
    theirs_s, error = fields_and_errors(tshark, path, ["tcp.stream", "udp.stream"])
    if not theirs_s and error:
        print(f"{path}: skipped, tshark cannot read it: {' '.join(error.split())[:160]}")
        totals["skipped"] += 1
        return
    ours_s = fields(LAYERSCOPE, path, ["tcp.stream", "udp.stream"])
    measures = [("streams", ours_s, theirs_s),
                ("analysis", analysis_rows(LAYERSCOPE, path), analysis_rows(tshark, path))]  # fmt: skip
    ids = {int(x) for row in theirs_s for x in row.split("\t")[0].split(",") if x.isdigit()}
    if ids and len(ids) <= limit:
        count = max(ids) + 1
        measures.append(("follow", follows(LAYERSCOPE, path, count), follows(tshark, path, count)))
    for name, ours, theirs in measures:
        same, total = compare(name, ours, theirs, shown) if ours != theirs else (len(ours),) * 2
        totals[name][0] += same
        totals[name][1] += total
        if same != total:
            print(f"{path}: {name} {same}/{total}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-v", action="store_true")
    parser.add_argument("--max-streams", type=int, default=100)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    totals: dict = {"streams": [0, 0], "analysis": [0, 0], "follow": [0, 0], "skipped": 0}
    for path in captures(args.paths):
        check(path, totals, args.max_streams, None if args.v else 3)
    skipped = totals.pop("skipped")
    for name, (same, total) in totals.items():
        print(f"{name}: {same}/{total} ({100 * same / max(total, 1):.2f} %)")
    print(f"skipped (tshark cannot read them): {skipped}")


if __name__ == "__main__":
    main()
