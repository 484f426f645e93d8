#!/usr/bin/env python3
"""Stream-layer benchmark (issue 14): the stream pass, follow, memory caps, beside tshark.

    bench/bench_streams.py [--packets N] [--download MB] [--half-open N] [--big MB]

Builds its captures once under bench/out/ and prints:
  - the stream pass (tcp.stream, udp.stream, relative numbers, TCP analysis) over the
    mixed capture of bench/bench_decode.py: packets/s, and bytes kept per packet (its
    arrays and the per-packet numbers), against tshark writing tcp.stream for every packet;
  - follow of one download of --download MB: seconds, against tshark -q -z follow,tcp,raw;
  - --half-open SYNs, each from its own port (a SYN flood): pass time and peak memory;
  - one stream of --big MB in which every 50th segment never arrives: the reassembler
    holds at most its cap (dissect/streams/reassembly.py DEFAULT_CAP) per direction and
    counts the rest; peak memory while following it.
Never asserts: figures only.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import struct
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_decode import build as build_mixed  # noqa: E402

from dissect.index import open_capture  # noqa: E402
from dissect.readers.writer import PcapWriter  # noqa: E402
from dissect.streams import StreamTable  # noqa: E402
from dissect.streams.follow import follow  # noqa: E402
from dissect.streams.reassembly import DEFAULT_CAP  # noqa: E402

OUT = ROOT / "bench" / "out"
T0 = 1_700_000_000_000_000_000
MSS = 1448


def frame(src: int, dst: int, sport: int, dport: int, seq: int, ack: int, flags: int,
          payload: bytes = b"") -> bytes:  # fmt: skip
    """Ethernet + IPv4 + TCP (checksums left zero: nothing here checks them)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0)  # fmt: skip
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64,
                     6, 0, src.to_bytes(4, "big"), dst.to_bytes(4, "big"))  # fmt: skip
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + tcp + payload


def build_download(path: Path, size: int, skip_every: int = 0) -> None:
    """One connection: handshake, a request, `size` bytes back in MSS segments (every
    `skip_every`-th never written: a gap that stays open), FIN."""
    c, s = 0x0A000001, 0x0A000002
    with PcapWriter(str(path), 1) as w:
        t = T0
        w.write(frame(c, s, 40000, 80, 1000, 0, 0x02), t)
        w.write(frame(s, c, 80, 40000, 5000, 1001, 0x12), t + 1000)
        w.write(frame(c, s, 40000, 80, 1001, 5001, 0x10), t + 2000)
        req = b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
        w.write(frame(c, s, 40000, 80, 1001, 5001, 0x18, req), t + 3000)
        seq, n = 5001, 0
        body = bytes(range(256)) * (MSS // 256 + 1)
        while seq - 5001 < size:
            n += 1
            chunk = body[: min(MSS, size - (seq - 5001))]
            if not (skip_every and n % skip_every == 0):
                w.write(frame(s, c, 80, 40000, seq, 1001 + len(req), 0x10, chunk), t + 4000 + n)
            seq += len(chunk)
        w.write(frame(s, c, 80, 40000, seq, 1001 + len(req), 0x11), t + 5000 + n)


def build_half_open(path: Path, n: int) -> None:
    with PcapWriter(str(path), 1) as w:
        for i in range(n):
            src = 0x0B000000 + (i >> 16)
            w.write(frame(src, 0x0A000002, 1024 + (i & 0xFFFF) % 60000, 80, i * 7919, 0, 0x02),
                    T0 + i * 1000)  # fmt: skip


def built(name: str, make, *args) -> Path:  # noqa: ANN001
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    if not path.exists():
        make(path, *args)
    return path


def table_bytes(table: StreamTable) -> int:
    arrays = (table.ids, table.facts, table.analysis, table.number, table.rtt_us)
    return sum(a.itemsize * len(a) for a in arrays)


def bench_pass(path: Path) -> None:
    idx = open_capture(str(path)).index_all()
    n = len(idx)
    t, cpu = time.perf_counter(), time.process_time()
    table = StreamTable.build(idx)
    dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"stream pass          {n / dt:>12,.0f} packets/s  ({n:,} in {dt:.2f} s; "
          f"{table.tcp_streams:,} TCP, {table.udp_streams:,} UDP streams)  "
          f"[cpu {dcpu:.2f} s: {n / dcpu:,.0f}/s]")  # fmt: skip
    print(f"kept per packet      {table_bytes(table) / n:>12.1f} bytes (arrays), + "
          f"{len(table.tcp_tracker.streams) + len(table.udp_tracker.firsts):,} conversations")  # fmt: skip
    del table
    gc.collect()
    tracemalloc.start()
    StreamTable.build(idx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"pass peak memory     {peak / n:>12.1f} bytes/packet (Python allocations)")
    idx.close()
    tshark(f"tshark -T fields -e tcp.stream ({n:,} packets)",
           ["-r", str(path), "-T", "fields", "-e", "tcp.stream"])  # fmt: skip


def bench_follow(path: Path, label: str) -> None:
    idx = open_capture(str(path)).index_all()
    t = time.perf_counter()
    table = StreamTable.build(idx)
    t1 = time.perf_counter()
    f = follow(idx, table, "tcp", 0)
    t2 = time.perf_counter()
    size = sum(len(c.data) for c in f.chunks)
    print(f"follow {label:<13} {t2 - t1:>8.3f} s for {size:,} bytes in {len(f.chunks):,} chunks "
          f"(+ {t1 - t:.3f} s stream pass of {len(idx):,} packets)")  # fmt: skip
    tshark(f"tshark -z follow,tcp,raw,0 {label}",
           ["-r", str(path), "-q", "-z", "follow,tcp,raw,0"])  # fmt: skip
    idx.close()


def bench_memory(path: Path, label: str, what) -> None:  # noqa: ANN001
    idx = open_capture(str(path)).index_all()
    gc.collect()
    tracemalloc.start()
    t, cpu = time.perf_counter(), time.process_time()
    note = what(idx)
    dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<20} {dt:>8.2f} s [cpu {dcpu:.2f} s, traced], peak {peak / 2**20:,.1f} MiB "
          f"({peak / len(idx):,.0f} B a packet)  {note}")  # fmt: skip
    idx.close()


def tshark(label: str, args: list[str]) -> None:
    exe = shutil.which("tshark")
    if exe is None:
        print(f"{label}: tshark not installed")
        return
    t = time.perf_counter()
    subprocess.run([exe, "-n", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)  # fmt: skip
    print(f"  {label}: {time.perf_counter() - t:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=200_000)
    ap.add_argument("--download", type=int, default=2, help="MB of the followed download")
    ap.add_argument("--half-open", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=64, help="MB of the stream with gaps")
    a = ap.parse_args()
    print(f"python {sys.version.split()[0]}, engine: {os.environ.get('LAYERSCOPE_CORE', 'auto')}")
    bench_pass(built(f"mixed-{a.packets}.pcap", build_mixed, a.packets))
    size = a.download << 20
    bench_follow(built(f"download-{a.download}MB.pcap", build_download, size), f"{a.download} MB")
    syn = built(f"half-open-{a.half_open}.pcap", build_half_open, a.half_open)
    bench_memory(
        syn, f"{a.half_open:,} SYNs", lambda i: f"{StreamTable.build(i).tcp_streams:,} streams"
    )
    big = built(f"gaps-{a.big}MB.pcap", build_download, a.big << 20, 50)

    def gaps(idx) -> str:  # noqa: ANN001
        f = follow(idx, StreamTable.build(idx), "tcp", 0)
        return (f"{a.big} MB stream, a gap every 50 segments: delivered "
                f"{sum(len(c.data) for c in f.chunks):,} bytes, dropped past the "
                f"{DEFAULT_CAP >> 20} MiB cap {f.dropped[1]:,}")  # fmt: skip

    bench_memory(big, f"{a.big} MB with gaps", gaps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
