"""Index speed and memory on a 1,000,000-packet capture.

Builds the capture with our own writer in a temporary directory (or takes --file), then
reports records/s for CaptureIndex.index_all(), best and median of a few runs, by wall
clock and by CPU time (process_time: the steadier figure on a shared machine), and the
index's memory per packet (tracemalloc, measured in a separate run so tracing does not
slow the timed ones).

    .venv/bin/python bench/bench_index.py [--packets N] [--runs R] [--pcapng] [--file CAPTURE]
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def timed(path: str, runs: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds of index_all() for each of `runs` runs, and the record count."""
    walls, cpus, count = [], [], 0
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        idx = CaptureIndex(path).index_all()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        count = len(idx)
        idx.close()
    return walls, cpus, count


def rates(count: int, seconds: list[float]) -> str:
    best, median = count / min(seconds), count / statistics.median(seconds)
    return f"best {best:,.0f} median {median:,.0f} records/s"


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


def report(path: str, runs: int) -> None:
    walls, cpus, count = timed(path, runs)
    out = sys.stdout
    out.write(f"index: {count} records, {runs} runs\n")
    out.write(f"  wall: {rates(count, walls)} (best {min(walls):.3f} s)\n")
    out.write(f"  CPU:  {rates(count, cpus)} (best {min(cpus):.3f} s)\n")
    out.write(f"memory: {memory_per_packet(path):.1f} bytes/packet\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pcapng", action="store_true", help="bench a pcapng file instead")
    parser.add_argument("--file", help="bench this capture instead of building one")
    args = parser.parse_args(argv)
    if args.file:
        report(args.file, args.runs)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.pcapng" if args.pcapng else "bench.pcap")
        t0 = time.perf_counter()
        build(path, args.packets, args.pcapng)
        size = os.path.getsize(path)
        elapsed = time.perf_counter() - t0
        sys.stdout.write(f"built {path} ({size / 1e6:.0f} MB) in {elapsed:.1f} s\n")
        report(path, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
