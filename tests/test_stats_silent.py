"""The decoding statistics' spared records (dissect/stats/silent.py): the expert, HTTP and
DNS statistics the TUI counts are the same whether every record is decoded or only those
silent.py does not spare, on every capture of tests/data and on random TCP made to be odd
(bad checksums, low and multicast TTLs, every flag, SYN and FIN over IPv6, repeats that
the stream pass calls retransmissions, duplicate ACKs, frames cut short)."""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dissect.fastfilter import Columns
from dissect.index import CaptureError
from dissect.readers.writer import PcapWriter
from dissect.stats import Pass
from dissect.stats.expert import Expert
from dissect.stats.silent import spared
from dissect.stats.trees import dns_queries, parse_http_requests
from dissect.streams.table import StreamTable
from tui.source import PacketSource
from tui.stats.counting import feed_row, feed_rows, spares_for

DATA = Path(__file__).parent / "data"
CAPTURES = sorted(p for p in DATA.rglob("*") if p.suffix in (".pcap", ".pcapng"))


def _statistics() -> Pass:
    """The TUI's decoding statistics (tui/stats/screen.py `_statistics`)."""
    return Pass([Expert(checksums=True), parse_http_requests("http_req,tree"), dns_queries()])


@contextmanager
def indexed(path: Path) -> Iterator[tuple[PacketSource, Any, StreamTable] | None]:
    """The capture opened and indexed whole, with its stream pass (each segment counted as
    it is, as the statistics screen counts them); None for an empty capture."""
    source = PacketSource.open(str(path))
    try:
        while not source.index_more(100_000):
            pass
        index = source.complete_index()
        if index is None or not len(index):
            yield None
            return
        table = StreamTable.build(index)
        table.pdus = None
        yield source, index, table
    finally:
        source.close()


def _compare(path: Path) -> tuple[int, int]:
    """Assert both ways of counting agree; (records silent, segments) of the capture."""
    with indexed(path) as opened:
        if opened is None:
            return 0, 0
        source, index, table = opened
        every, some = _statistics(), _statistics()
        assert spares_for(some) is some.stats[0]  # the rows are spared, not all decoded
        some.set_first(index.time_ns(0))
        for row in range(len(index)):
            feed_row(source, table, row, every)
        feed_rows(source, index, table, range(len(index)), some)
        assert some.text() == every.text(), path.name
        assert some.as_dict() == every.as_dict(), path.name
        assert some.stats[0].first == every.stats[0].first, path.name
        c = Columns(index, 0, len(index), 0)
        got = spared(c, np.ones(c.n, bool), table)
        c.release()
        return int(got.silent.sum()), len(got.segments)


def test_spared_records_change_nothing_on_every_capture() -> None:
    silent = segments = 0
    for path in CAPTURES:
        try:
            s, g = _compare(path)
        except CaptureError:  # a capture made to be unreadable: nothing to count
            continue
        silent, segments = silent + s, segments + g
    assert silent > 200 and segments > 100  # records are spared, not only decoded


def _sum16(data: bytes) -> int:
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _checksum(data: bytes) -> int:
    return ~_sum16(data) & 0xFFFF


def _tcp_frame(rnd: random.Random, flow: tuple, state: dict) -> bytes:
    """One segment of a flow (v6, a, b, port a, port b): flags, sequence numbers that
    repeat now and then, a payload (TLS application data on 443, an HTTP request or
    response head on 80, bytes on 5555),
    checksums right nine times out of ten, TTLs low or toward multicast now and then."""
    v6, src, dst, sport, dport = flow
    if rnd.random() < 0.5:
        src, dst, sport, dport = dst, src, dport, sport
    flags = rnd.choice([0x02, 0x12, 0x10, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01])
    payload = b""
    if flags & 0x08:
        body = bytes(rnd.randrange(1, 30))
        tls = 443 in (sport, dport)
        payload = struct.pack("!BHH", 23, 0x0303, len(body)) + body if tls else body
        if 80 in (sport, dport):  # a request, or a response's head: HTTP the trees count
            head = b"GET /%d HTTP/1.1\r\nHost: h%d\r\n" if dport == 80 else b"HTTP/1.1 %d OK\r\n"
            payload = head.replace(b"%d", str(len(body)).encode()) + b"\r\n"
    key = (src, sport)
    seq = state.get(key, rnd.randrange(1 << 32))
    if rnd.random() < 0.8:  # else the same again: a retransmission or a duplicate ACK
        state[key] = (seq + len(payload) + (1 if flags & 0x03 else 0)) % (1 << 32)
    ack = state.get((dst, dport), 0)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags,
                      rnd.choice([1000, 1000, 0]), 0, 0) + payload  # fmt: skip
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(tcp))
    if rnd.random() < 0.9:
        tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
    if v6:
        ip = struct.pack("!IHBB", 0x60000000, len(tcp), 6, rnd.choice([64, 1])) + src + dst
        return bytes(range(12)) + b"\x86\xdd" + ip + tcp
    ttl = rnd.choice([64, 64, 64, 1, 3, 255])
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(tcp), 0, 0, ttl, 6, 0) + src + dst
    if rnd.random() < 0.9:
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return bytes(range(12)) + b"\x08\x00" + ip + tcp


@pytest.mark.parametrize("seed", range(2))
def test_spared_records_change_nothing_on_odd_tcp(seed: int, tmp_path: Path) -> None:
    rnd = random.Random(seed)
    v4 = [bytes([10, 0, 0, k]) for k in (1, 2, 3)] + [bytes([224, 0, 0, k]) for k in (5, 251)]
    v6 = [bytes(15) + bytes([k]) for k in (1, 2)]
    flows = [(False, *rnd.sample(v4, 2), rnd.choice([80, 443, 5555]),
              rnd.randrange(30000, 30004)) for _ in range(12)]  # fmt: skip
    flows += [(True, *v6, rnd.choice([80, 443, 5555]), rnd.randrange(30000, 30004))
              for _ in range(4)]  # fmt: skip
    state: dict = {}
    path = tmp_path / "odd-tcp.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(3000):
            frame = _tcp_frame(rnd, rnd.choice(flows), state)
            captured = len(frame) if rnd.random() < 0.95 else rnd.randrange(14, len(frame))
            w.write(frame[:captured], i * 1000, wirelen=len(frame))
    silent, segments = _compare(path)
    assert silent > 20 and segments > 300, (silent, segments)
