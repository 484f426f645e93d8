#!/usr/bin/env python3
"""Export benchmark for issue 18, side by side in one run, the runs alternating:

    bench/bench_export.py [--packets N] [--file CAPTURE] [--runs R] [--no-dask] [--only TEXT]
    bench/bench_export.py --breakdown [N]

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
wall clock), and those on its critical path (its parent's, then its busiest worker's: the
wall time on free cores; on a busy machine Linux gives each session an equal share of the
CPU whatever its number of processes, so two workers there are no faster than one).
Figures only; the capture and the packet count come from bench/sidebyside.py.

--breakdown: where one worker's CPU goes, in this process, on the capture's first N packets
(50,000): each stage of exporting a chunk run on its own, in µs of CPU per packet (read the
records; decode them; the list columns, Info among them; the `frames` rows; their Arrow
batches; the Parquet files; the protocol tables' rows and batches), and the packets per
CPU-second each stage alone would allow.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
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
# wall seconds, peak RSS KiB, CPU seconds, exit, CPU on the critical path (sidebyside.Run)
Measured = tuple[float, int, float, int, float]


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
    from sidebyside import POLL, TREE_POLLS, critical, tree_cpu

    shutil.rmtree(work / "out", ignore_errors=True)
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    proc = subprocess.Popen([PY, "-c", MEASURE, str(work / "stdout"), *cmd], env=full_env,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    workers: dict[int, float] = {}  # the command's workers (the measuring process's grandchildren)
    while proc.poll() is None:
        tree_cpu(proc.pid, workers, depth=2)
        time.sleep(POLL * TREE_POLLS)
    seconds, rss, cpu, code = proc.communicate()[0].split()
    return float(seconds), int(rss), float(cpu), int(code), critical(float(cpu), workers)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", help="a capture to use instead of the mixed one")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true", help="leave out the Dask run")
    ap.add_argument("--only", action="append", metavar="TEXT",
                    help="run only the kinds whose name holds TEXT (repeatable)")  # fmt: skip
    ap.add_argument(
        "--breakdown",
        type=int,
        nargs="?",
        const=50_000,
        metavar="N",
        help="CPU per packet of each stage of a chunk, on the first N packets",
    )
    args = ap.parse_args()
    from sidebyside import describe, packets_in

    path = capture(args)
    if args.breakdown:
        breakdown(path, args.breakdown)
        return 0
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
          f"{'free cores':>10} {'peak RSS':>9}  exit")  # fmt: skip
    for name, (seconds, rss, cpu, code, crit) in best.items():
        print(f"{name:56} {seconds:8.2f} {n / seconds:10,.0f} {cpu:7.1f} {n / cpu:10,.0f} "
              f"{crit:8.1f} s {rss / 1024:6.0f} MB  {code}")  # fmt: skip
    # "free cores": the CPU seconds on the run's critical path (its parent's, then its
    # busiest worker's): the wall time on an idle machine (bench/sidebyside.py, Run.critical)
    for what in ("all tables", "frames only"):
        one, two = best.get(f"export, {what}, 1 worker"), best.get(f"export, {what}, 2 workers")
        if one and two:
            print(f"two workers / one worker ({what}): {one[0] / two[0]:.2f}x wall, "
                  f"{one[4] / two[4]:.2f}x on free cores")  # fmt: skip
    tshark = next((v for k, v in best.items() if k.startswith("tshark")), None)
    frames = best.get("export, frames only, 2 workers")
    if tshark and frames:
        print(f"frames only, 2 workers vs tshark -T fields: {tshark[0] / frames[0]:.2f}x faster "
              f"wall, {tshark[4] / frames[4]:.2f}x on free cores")  # fmt: skip
    dask = next((v for k, v in best.items() if "dask" in k), None)
    two = best.get("export, all tables, 2 workers")
    if dask and two:
        print(f"dask local (2 workers) / local 2 workers time: {dask[0] / two[0]:.2f}")


def breakdown(path: Path, n: int) -> None:
    """CPU per packet of each stage of exporting a chunk (see the module docstring)."""
    from dissect import engine
    from dissect.export import job
    from dissect.index import open_capture

    engine._load()
    with job._fewer_collections():  # as a worker exports a chunk
        _breakdown(path, n, open_capture(str(path)))


def _breakdown(path: Path, n: int, idx) -> None:
    from dissect import engine
    from dissect.export import schema

    while len(idx) < n and not idx.index_more():
        pass
    n = min(n, len(idx))
    records = list(idx.rows(0, n))
    pkts = [engine.decode(r[6], r[4], number=r[0], time_ns=r[1], wirelen=r[3], interface=r[5],
                          comment=r[7]) for r in records]  # fmt: skip
    every = set(schema.tables())
    took = {
        "read the records (index.rows)": _cpu(lambda: list(idx.rows(0, n))),
        "decode (engine.decode, then release)": _cpu(lambda: [engine.decode(r[6], r[4],
            number=r[0], time_ns=r[1], wirelen=r[3], interface=r[5], comment=r[7]).release()
            for r in records]),
        "list columns, Info (engine.columns)": _cpu(lambda: [engine.columns(p) for p in pkts]),
    }  # fmt: skip
    frames = _stages(str(path), pkts, set())
    tables = _stages(str(path), pkts, every)
    took["frames rows, besides engine.columns"] = (
        frames[0] - took["list columns, Info (engine.columns)"]
    )
    took["frames Arrow batches"], took["frames Parquet (zstd)"] = frames[1], frames[2]
    # the tables' rows include building the layers' fields (the engine's detail)
    for k, what in enumerate(("rows, fields built", "Arrow batches", "Parquet (zstd)")):
        took[f"protocol tables' {what}"] = tables[k] - frames[k]
    print(f"{n:,} packets of {path}, CPU per packet by stage (one process):")
    for name, seconds in took.items():
        rate = f"{n / seconds:12,.0f} packets/CPU-s" if seconds > 0 else ""
        print(f"  {name:42} {seconds / n * 1e6:7.2f} µs  {rate}")
    made, seconds = _columnar(idx, n)
    print(
        f"frames alone, no -Y: {made:,} of the rows ({made / n:.0%}) made without decoding, "
        f"{seconds / max(made, 1) * 1e6:.2f} µs CPU each (finding them included)"
    )


def _columnar(idx, n: int) -> tuple[int, float]:
    """(rows columnar.columnar_frames makes of the first n records, CPU seconds), in runs
    as a chunk's export takes them."""
    from dissect.export.columnar import columnar_frames
    from dissect.export.job import COLUMNAR_RUN
    from dissect.fastfilter import SPAN_BYTES, Columns

    made = 0

    def work() -> None:
        nonlocal made
        for lo in range(0, n, COLUMNAR_RUN):
            for a, b in idx.spans(lo, min(lo + COLUMNAR_RUN, n), SPAN_BYTES):
                c = Columns(idx, a, b, 0)
                made += len(columnar_frames(c, "capture", set())[0])
                c.release()

    seconds = _cpu(work)
    return made, seconds


def _cpu(work) -> float:
    import time

    t = time.process_time()
    work()
    return time.process_time() - t


def _stages(file: str, pkts: list, namespaces: set[str]) -> tuple[float, float, float]:
    """CPU seconds of a RowBuilder's rows, its Arrow batches (taken as a chunk's export
    takes them: when a table holds BATCH_ROWS rows) and writing them to Parquet (in
    memory), for the packets: `frames` alone when `namespaces` is empty."""
    import io
    import time

    import pyarrow.parquet as pq

    from dissect.export.rows import RowBuilder

    builder = RowBuilder(namespaces)
    batches: list = []
    arrow = 0.0
    t = time.process_time()
    for k in range(0, len(pkts), 1024):
        for pkt in pkts[k : k + 1024]:
            builder.add(file, pkt)
        if builder.buffers_full() or k + 1024 >= len(pkts):
            a = time.process_time()
            batches += builder.batches(final=k + 1024 >= len(pkts))
            arrow += time.process_time() - a
    rows = time.process_time() - t - arrow

    def write() -> None:
        for _table, batch in batches:
            with pq.ParquetWriter(io.BytesIO(), batch.schema, compression="zstd") as w:
                w.write_batch(batch)

    return rows, arrow, _cpu(write)


if __name__ == "__main__":
    raise SystemExit(main())
