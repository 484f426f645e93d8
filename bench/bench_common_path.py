#!/usr/bin/env python3
"""The common path of two checkouts side by side: summary list, bulk filter and index count.

    bench/bench_common_path.py --old /tmp/old-checkout [--new .] [--file CAPTURE]
        [--runs R] [--modes summary,filter,index]

Each checkout runs its own build (`CHECKOUT/.venv/bin/python -m tui.main`, from that
checkout), so build both first (`make build` in each). For each mode, R rounds of one run
of each checkout, the order swapped every round (drift of a shared machine's load falls
on both alike), output to a file. Printed per run: CPU time (user + system of the process
and its workers) and wall time; per mode the ranges and the ratio of the medians, new /
old (above 1: the new checkout is slower). CPU time moves less with the load than wall
time does; the load average is printed before and after. Figures only: no assertion.

Modes: summary (`-r F`), filter (`-r F -q -Y 'tcp.port == 80'`), index (`-r F -q`: the
index's count of records, no decoder loaded).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sidebyside import ROOT, run, span  # noqa: E402

MODES = {
    "summary": [],
    "filter": ["-q", "-Y", "tcp.port == 80"],
    "index": ["-q"],
}


def command(checkout: Path, capture: Path, flags: list[str]) -> list[str]:
    python = checkout / ".venv" / "bin" / "python"
    return [str(python), "-m", "tui.main", "-r", str(capture), *flags]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compare(old: Path, new: Path, capture: Path, mode: str, runs: int) -> None:
    figures: dict[str, tuple[list[float], list[float]]] = {"old": ([], []), "new": ([], [])}
    for i in range(runs):
        order = [("old", old), ("new", new)] if i % 2 == 0 else [("new", new), ("old", old)]
        for name, checkout in order:
            # the checkout's own directory: its `dissect` is the one imported
            r = run(command(checkout, capture, MODES[mode]), cwd=checkout)
            figures[name][0].append(r.cpu)
            figures[name][1].append(r.wall)
            print(f"  {mode} round {i + 1} {name}: {r.cpu:.2f} s cpu {r.wall:.2f} s wall",
                  flush=True)  # fmt: skip
    (old_cpu, old_wall), (new_cpu, new_wall) = figures["old"], figures["new"]
    cpu = statistics.median(new_cpu) / statistics.median(old_cpu)
    wall = statistics.median(new_wall) / statistics.median(old_wall)
    print(f"{mode}: cpu old {span(old_cpu, '{:.2f}')} s, new {span(new_cpu, '{:.2f}')} s, "
          f"median new/old {cpu:.3f}; wall old {span(old_wall, '{:.2f}')} s, "
          f"new {span(new_wall, '{:.2f}')} s, median new/old {wall:.3f}\n", flush=True)  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", type=Path, required=True, help="the checkout compared against")
    ap.add_argument("--new", type=Path, default=ROOT, help="default: this checkout")
    ap.add_argument("--file", type=Path, default=ROOT / "bench" / "out" / "mixed-1000000.pcap")
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--modes", default=",".join(MODES))
    a = ap.parse_args()
    old, new, capture = a.old.resolve(), a.new.resolve(), a.file.resolve()
    for checkout in (old, new):
        if not (checkout / ".venv" / "bin" / "python").exists():
            print(f"{checkout}: no .venv (run `make build` there)", file=sys.stderr)
            return 2
    print(f"old {old}, new {new}, capture {capture}, load before {load()}", flush=True)
    for mode in a.modes.split(","):
        compare(old, new, capture, mode, a.runs)
    print(f"load after {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
