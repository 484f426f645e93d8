#!/usr/bin/env python3
"""Export benchmark for issue 18, side by side in one run, the runs alternating:

    bench/bench_export.py [--packets N] [--file CAPTURE] [--runs R] [--no-dask] [--only TEXT]

On the mixed capture of bench/bench_decode.py (built once under bench/out/), each in a
fresh process, best of --runs, the kinds interleaved run by run so that a machine's load
weighs on all of them alike:
  - `layerscope export --workers 1` and `--workers 2`: every table, then `frames` alone;
  - `layerscope export --dask local` with two workers (LAYERSCOPE_WORKERS=2);
  - the usual way: `tshark -T fields -E separator=, -e ...` with the same frames columns,
    written to CSV;
and for each: packets per second, and the peak resident memory of the largest process of
the run (a worker: Linux's RUSAGE_CHILDREN keeps the largest descendant's), and the CPU
seconds of the whole run (on a shared machine, packets per CPU second say more than the
wall clock). Figures only; the capture and the packet count come from bench/sidebyside.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PY = sys.executable
LAYERSCOPE = [PY, "-m", "tui.main"]
# tshark's fields for the frames table's columns (Info and Protocol as its list columns)
TSHARK_FIELDS = ("frame.number", "frame.time_epoch", "frame.len", "frame.cap_len",
                 "frame.interface_id", "frame.protocols", "ip.src", "ip.dst", "ipv6.src",
                 "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
                 "_ws.col.Protocol", "_ws.col.Info", "_ws.expert.severity")  # fmt: skip
# Runs one command; prints its wall seconds, the peak RSS (KiB) of its process tree, its
# CPU seconds (user + system, every process of the tree) and its exit status.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "out = open(sys.argv[1], 'wb')\n"
    "t = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(time.perf_counter() - t, r.ru_maxrss, r.ru_utime + r.ru_stime, code)\n"
)
Measured = tuple[float, int, float, int]  # wall seconds, peak RSS KiB, CPU seconds, exit


def capture(args: argparse.Namespace) -> Path:
    from sidebyside import mixed_capture

    return Path(args.file) if args.file else mixed_capture(args.packets)


def commands(path: Path, work: Path, dask: bool) -> dict[str, tuple[list[str], dict[str, str]]]:
    """What is measured: name -> (command, extra environment)."""
    out = str(work / "out")
    export = [*LAYERSCOPE, "export", str(path), "--parquet", out]
    fields = [a for f in TSHARK_FIELDS for a in ("-e", f)]
    cmds = {
        "export, all tables, 1 worker": ([*export, "--workers", "1"], {}),
        "export, all tables, 2 workers": ([*export, "--workers", "2"], {}),
        "export, frames only, 1 worker": ([*export, "--workers", "1", "--protocols", "frames"], {}),
        "export, frames only, 2 workers": (
            [*export, "--workers", "2", "--protocols", "frames"],
            {},
        ),
    }
    if dask:
        cmds["export, all tables, dask local (2 workers)"] = (
            [*export, "--dask", "local"], {"LAYERSCOPE_WORKERS": "2"})  # fmt: skip
    if shutil.which("tshark"):
        cmds["tshark -T fields -E separator=, (frames columns) > CSV"] = (
            ["tshark", "-n", "-r", str(path), "-T", "fields", "-E", "separator=,",
             "-E", "quote=d", "-E", "header=y", *fields], {})  # fmt: skip
    return cmds


def measure(cmd: list[str], env: dict[str, str], work: Path) -> Measured:
    shutil.rmtree(work / "out", ignore_errors=True)
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run([PY, "-c", MEASURE, str(work / "stdout"), *cmd], env=full_env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    seconds, rss, cpu, code = done.stdout.split()
    return float(seconds), int(rss), float(cpu), int(code)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", help="a capture to use instead of the mixed one")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true", help="leave out the Dask run")
    ap.add_argument("--only", action="append", metavar="TEXT",
                    help="run only the kinds whose name holds TEXT (repeatable)")  # fmt: skip
    args = ap.parse_args()
    from sidebyside import describe, packets_in

    path = capture(args)
    n = packets_in(path)
    print(describe(path, n))
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(tmp)
        cmds = commands(path, work, not args.no_dask)
        if args.only:
            cmds = {k: v for k, v in cmds.items() if any(t in k for t in args.only)}
        best: dict[str, Measured] = {}
        for _run in range(args.runs):  # alternating: each kind once per round
            for name, (cmd, env) in cmds.items():
                got = measure(cmd, env, work)
                if name not in best or got[0] < best[name][0]:
                    best[name] = got
    report(best, n)
    return 0


def report(best: dict[str, Measured], n: int) -> None:
    print(f"{'':56} {'seconds':>8} {'packets/s':>10} {'CPU s':>7} {'pkts/CPU s':>10} "
          f"{'peak RSS':>9}  exit")  # fmt: skip
    for name, (seconds, rss, cpu, code) in best.items():
        print(f"{name:56} {seconds:8.2f} {n / seconds:10,.0f} {cpu:7.1f} {n / cpu:10,.0f} "
              f"{rss / 1024:6.0f} MB  {code}")  # fmt: skip
    one, two = best.get("export, all tables, 1 worker"), best.get("export, all tables, 2 workers")
    if one and two:
        print(f"two workers / one worker (all tables): {one[0] / two[0]:.2f}x")
    tshark = next((v for k, v in best.items() if k.startswith("tshark")), None)
    frames = best.get("export, frames only, 2 workers")
    if tshark and frames:
        print(f"frames only, 2 workers vs tshark -T fields: {tshark[0] / frames[0]:.2f}x faster")
    dask = next((v for k, v in best.items() if "dask" in k), None)
    if dask and two:
        print(f"dask local (2 workers) / local 2 workers time: {dask[0] / two[0]:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
