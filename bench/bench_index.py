"""Index speed and memory on a 1,000,000-packet capture (STYLE.md section 3).

Builds the capture with our own writer in a temporary directory, then reports records/s
for CaptureIndex.index_all() (best of a few runs) and the index's memory per packet
(tracemalloc, measured in a separate run so tracing does not slow the timed ones).

    .venv/bin/python bench/bench_index.py [--packets N] [--runs R] [--pcapng]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc

from dissect import linktypes
from dissect.index import CaptureIndex
from dissect.readers.writer import PcapngWriter, PcapWriter

FRAME = bytes(range(256)) * 6  # sizes cycle through 60..1514 bytes


def build(path: str, packets: int, pcapng: bool) -> None:
    """Write `packets` Ethernet-sized frames, 1 ms apart."""
    sizes = (60, 98, 590, 1514, 74, 66)
    start = 1_700_000_000 * 1_000_000_000
    if pcapng:
        writer: PcapWriter | PcapngWriter = PcapngWriter(path)
        writer.add_interface(linktypes.ETHERNET, 262144)
    else:
        writer = PcapWriter(path, linktypes.ETHERNET)
    with writer:
        for n in range(packets):
            writer.write(FRAME[: sizes[n % 6]], start + n * 1_000_000)


def timed(path: str, runs: int) -> tuple[float, float, int]:
    """Best wall and CPU time of index_all() over `runs` runs, and the record count.

    CPU time (process_time) is printed too: on a shared machine it is the steadier figure.
    """
    best_wall, best_cpu, count = float("inf"), float("inf"), 0
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        idx = CaptureIndex(path).index_all()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        count = len(idx)
        idx.close()
    return best_wall, best_cpu, count


def memory_per_packet(path: str) -> float:
    """Bytes held by an indexed CaptureIndex, per packet (tracemalloc)."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    idx = CaptureIndex(path).index_all()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    count = len(idx)
    idx.close()
    return used / max(count, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pcapng", action="store_true", help="bench a pcapng file instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.pcapng" if args.pcapng else "bench.pcap")
        t0 = time.perf_counter()
        build(path, args.packets, args.pcapng)
        size = os.path.getsize(path)
        out = sys.stdout
        out.write(f"built {path} ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s\n")
        wall, cpu, count = timed(path, args.runs)
        out.write(
            f"index: {count} records in {wall:.3f} s = {count / wall:,.0f} records/s "
            f"(CPU {cpu:.3f} s = {count / cpu:,.0f} records/s)\n"
        )
        out.write(f"memory: {memory_per_packet(path):.1f} bytes/packet\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
