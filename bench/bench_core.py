#!/usr/bin/env python3
"""Decoding-core CPU cost per packet, for comparing the compiled core with the pure source.

    bench/bench_core.py [--file CAPTURE] [--packets N] [--repeat R]
    LAYERSCOPE_PURE=1 bench/bench_core.py ...     # the same on the pure-Python source

Decodes the first N records (read into memory first) R times each way and prints the
median CPU time (time.process_time: the figures hold on a shared machine) per packet:
  decode   dissect.protocol.decode(...)
  summary  decode + row_line(pkt, t0): the batch CLI's list line (time from the first packet)
  full     decode + every field of every layer (sum of f.pos + f.len over layer.walk())
  json     decode + packet_dict(pkt) (what -T json serialises)
Not a test: figures only. Without --file it uses bench/out/mixed-200000.pcap (build it
with bench/bench_decode.py --packets 200000) or else captures/sample-netns.pcap.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dissect  # noqa: E402
from dissect.engine import decode  # noqa: E402
from dissect.index import open_capture  # noqa: E402
from dissect.output import packet_dict, row_line  # noqa: E402


def default_file() -> Path:
    big = ROOT / "bench" / "out" / "mixed-200000.pcap"
    return big if big.exists() else ROOT / "captures" / "sample-netns.pcap"


def load(path: Path, n: int) -> list[tuple]:
    idx = open_capture(str(path)).index_all()
    out = []
    for i in range(min(n, len(idx))):
        r = idx.record(i)
        out.append((r.data, r.linktype, r.number, r.time_ns, r.wirelen))
    idx.close()
    return out


def run_decode(recs: list[tuple]) -> int:
    for data, lt, number, t, wirelen in recs:
        decode(data, lt, number=number, time_ns=t, wirelen=wirelen).release()
    return 0


def run_summary(recs: list[tuple]) -> int:
    n = 0
    t0 = recs[0][3] if recs else 0
    for data, lt, number, t, wirelen in recs:
        pkt = decode(data, lt, number=number, time_ns=t, wirelen=wirelen)
        n += len(row_line(pkt, t0))
        pkt.release()  # as the CLI does once a packet is printed
    return n


def run_full(recs: list[tuple]) -> int:
    n = 0
    for data, lt, number, t, wirelen in recs:
        pkt = decode(data, lt, number=number, time_ns=t, wirelen=wirelen)
        for layer in pkt.layers:
            for f in layer.walk():
                n += f.pos + f.len
        pkt.release()
    return n


def run_json(recs: list[tuple]) -> int:
    n = 0
    for data, lt, number, t, wirelen in recs:
        pkt = decode(data, lt, number=number, time_ns=t, wirelen=wirelen)
        n += len(packet_dict(pkt)["layers"])
        pkt.release()
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", type=Path, default=None)
    ap.add_argument("--packets", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = args.file or default_file()
    recs = load(path, args.packets)
    n = len(recs)
    core = getattr(dissect, "CORE", "pure")  # a tree from before the compiled core: pure
    print(f"core: {core}  file: {path.name}  packets: {n}  repeats: {args.repeat}")
    works = (
        ("decode", run_decode),
        ("summary", run_summary),
        ("full", run_full),
        ("json", run_json),
    )
    times: dict[str, list[float]] = {name: [] for name, _ in works}
    checks: dict[str, int] = {}
    for _ in range(args.repeat):  # interleaved, so that load changes hit every figure alike
        for name, work in works:
            gc.collect()
            t = time.process_time()
            checks[name] = work(recs)
            times[name].append((time.process_time() - t) / n * 1e6)
    for name, _ in works:
        ts = times[name]
        print(
            f"{name:<8} median {statistics.median(ts):7.2f} µs/packet  "
            f"(min {min(ts):.2f}, max {max(ts):.2f})  check {checks[name]}"
        )


if __name__ == "__main__":
    main()
