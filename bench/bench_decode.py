#!/usr/bin/env python3
"""Decoding-core benchmark: packets per second on a million-packet mixed capture.

    bench/bench_decode.py [--packets N] [--file CAPTURE] [--sample N]

Builds (once, cached under bench/out/) a pcap cycling through the real packets of
captures/sample-netns.pcap (ARP, DNS, HTTP, TLS, ICMP, TCP handshakes), then prints:
index rate and memory per packet, then in one process: summary lines, full decode with
spans, -T jsonl export; then the CLI end to end (all cores) printing the summary of the
whole capture, tshark doing the same when installed, and the CLI's -T jsonl. Not a test:
figures only.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dissect.engine import decode  # noqa: E402
from dissect.index import open_capture  # noqa: E402
from dissect.output import packet_dict, row_line  # noqa: E402
from dissect.readers.writer import PcapWriter  # noqa: E402

SAMPLE = ROOT / "captures" / "sample-netns.pcap"


T0 = 0  # the first packet's time: summary lines show time relative to it, as the CLI does


def build(path: Path, n: int) -> None:
    src = open_capture(str(SAMPLE)).index_all()
    frames = [(r.data, r.linktype) for r in src]
    t = 1_700_000_000_000_000_000
    with PcapWriter(str(path), frames[0][1]) as w:
        for i in range(n):
            data, _lt = frames[i % len(frames)]
            w.write(data, t + i * 1000)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f} packets/s  ({n:,} in {seconds:.2f} s)"


def bench_index(path: Path) -> None:
    """Index rate (timed alone) and the index's memory (a second, traced run)."""
    t = time.perf_counter()
    cpu = time.process_time()
    idx = open_capture(str(path)).index_all()
    dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
    n = len(idx)
    idx.close()
    print(f"index                {rate(n, dt)}  [cpu {n / dcpu:,.0f}/s]")
    gc.collect()
    tracemalloc.start()
    idx = open_capture(str(path)).index_all()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"index memory         {peak / n:>12.1f} bytes/packet (peak Python allocations while indexing)"
    )
    idx.close()


def timed(label: str, path: Path, limit: int, work) -> None:
    idx = open_capture(str(path))
    idx.index_all()
    n = min(limit, len(idx))
    t, cpu = time.perf_counter(), time.process_time()
    for row in idx.rows(0, n):  # as the CLI's workers read them
        work(*row)
    dcpu = time.process_time() - cpu
    print(f"{label:<20} {rate(n, time.perf_counter() - t)}  [cpu {n / dcpu:,.0f}/s]")
    idx.close()


# Each takes a row of CaptureIndex.rows(): number, time_ns, caplen, wirelen, linktype,
# interface, data, comment.
def do_summary(number, time_ns, _cap, wirelen, linktype, _iface, data, _comment) -> str:
    pkt = decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen)
    line = row_line(pkt, T0)  # the CLI's line: time relative to the first packet
    pkt.release()  # as the CLI does once a packet is printed
    return line


def do_full(number, time_ns, _cap, wirelen, linktype, _iface, data, _comment) -> int:
    pkt = decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen)
    n = 0
    for layer in pkt.layers:  # plain loops: a generator here would cost more than a field
        for f in layer.walk():
            n += f.pos + f.len
    pkt.release()
    return n


_sink = io.StringIO()


def do_json(number, time_ns, _cap, wirelen, linktype, _iface, data, _comment) -> None:
    pkt = decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen)
    _sink.write(json.dumps(packet_dict(pkt), check_circular=False))
    pkt.release()
    if _sink.tell() > 1 << 24:
        _sink.seek(0)
        _sink.truncate()


def bench_cli(label: str, path: Path, limit: int, *extra: str) -> None:
    """The product end to end: `layerscope -r FILE -c N [...] > /dev/null`, which decodes a
    big file on every core (dissect/parallel.py); start-up and indexing included."""
    exe = Path(sys.executable).parent / "layerscope"
    argv = [str(exe), "-r", str(path), "-c", str(limit), *extra]
    t = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    print(f"{label:<20} {rate(limit, dt)}  (exit {r.returncode})")


def bench_tshark(path: Path, limit: int) -> None:
    if not shutil.which("tshark"):
        print("tshark               not installed: skipped")
        return
    t = time.perf_counter()
    r = subprocess.run(
        ["tshark", "-n", "-r", str(path), "-c", str(limit)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dt = time.perf_counter() - t
    print(f"tshark summary       {rate(limit, dt)}  (exit {r.returncode})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=200_000, help="packets decoded per decode figure")
    ap.add_argument("--file", type=Path)
    ap.add_argument(
        "--whole",
        type=int,
        default=1_000_000,
        help="packets the CLI and tshark print a summary of (start-up included; default: "
        "the million-packet capture, so start-up weighs as it does on a big file)",
    )
    a = ap.parse_args()
    path = a.file
    if path is None:
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"mixed-{a.packets}.pcap"
        if not path.exists():
            build(path, a.packets)
    print(f"capture: {path} ({os.path.getsize(path):,} bytes)")
    global T0
    with open_capture(str(path)) as first:
        first.index_more()
        T0 = first.time_ns(0) if len(first) else 0
    bench_index(path)
    timed("summary lines", path, a.sample, do_summary)
    timed("full decode + spans", path, a.sample // 2, do_full)
    timed("-T jsonl export", path, a.sample // 4, do_json)
    from dissect.parallel import worker_count

    w = worker_count()
    whole = a.whole or a.sample
    bench_cli(f"CLI summary ({w} cpu)", path, whole)
    bench_tshark(path, whole)
    bench_cli(f"CLI -T jsonl ({w} cpu)", path, a.sample // 4, "-T", "jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
