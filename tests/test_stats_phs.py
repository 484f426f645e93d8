"""-z io,phs from the bytes: a quiet record's path (dissect/stats/stacks.py) is the one the
decoder gives it, on every capture of tests/data and on random headers made to be odd."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from dissect import open_capture
from dissect.engine import decode
from dissect.fastfilter import CHUNK, Columns
from dissect.readers.writer import PcapWriter
from dissect.stats.phs import path_of, protocol_path
from dissect.stats.stacks import quiet_paths

DATA = Path(__file__).parent / "data"
CAPTURES = sorted(p for p in DATA.rglob("*") if p.suffix in (".pcap", ".pcapng"))


def differences(path: Path) -> tuple[int, list[tuple[int, tuple[str, ...], list[str]]]]:
    """(records read from the bytes, those whose decoded path differs)."""
    from dissect.index import CaptureError

    try:
        idx = open_capture(str(path))
        idx.index_all()
    except CaptureError:  # a capture made to be unreadable: nothing to count
        return 0, []
    decided, wrong = 0, []
    for a in range(0, len(idx), CHUNK):
        c = Columns(idx, a, min(len(idx), a + CHUNK), 0)
        mask, groups = quiet_paths(c, np.ones(c.n, bool))
        decided += int(mask.sum())
        for names, rows in groups:
            for r in rows.tolist():
                rec = idx.record(a + r)
                got = protocol_path(decode(rec.data, rec.linktype, wirelen=rec.wirelen))
                if got != path_of(list(names), "ok"):
                    wrong.append((a + r + 1, names, got))
        c.release()
    idx.close()
    return decided, wrong


def test_quiet_paths_are_the_decoders_on_every_capture() -> None:
    decided = 0
    for path in CAPTURES:
        n, wrong = differences(path)
        assert wrong == [], path.name
        decided += n
    assert decided > 500  # the path is taken, not only declined


def _odd_frame(rnd: random.Random) -> tuple[bytes, int]:
    """Ethernet, IPv4, then TCP (options of every shape, some broken), UDP or an unbound
    protocol; lengths that lie now and then; some frames cut short. (frame, captured)"""
    pieces = [b"\x01", b"\x00", b"\x02\x04\x05\xb4", b"\x08\x0a" + bytes(8), b"\x04\x02",
              b"\x03\x03\x07", bytes([rnd.randrange(256)]),
              bytes([rnd.randrange(5), rnd.randrange(12)])]  # fmt: skip
    opts = b"".join(rnd.choice(pieces) for _ in range(rnd.randrange(6)))[:40]
    hdr = 20 + len(opts) // 4 * 4 if rnd.random() < 0.9 else rnd.randrange(64)
    payload = bytes(rnd.randrange(3)) if rnd.random() < 0.2 else b""
    proto = rnd.choice([6, 6, 6, 17, 99])
    if proto == 6:
        flags = rnd.choice([0x10, 0x02, 0x18, 0x04])
        l4 = struct.pack("!HHIIBBHHH", 40000, rnd.choice([80, 5555]), 1, 0, (hdr // 4) << 4,
                         flags, 1000, 0, 0) + opts[: max(0, hdr - 20)]  # fmt: skip
    elif proto == 17:
        length = 8 + len(payload) + rnd.choice([0, 0, 0, 1, -1, -8])
        l4 = struct.pack("!HHHH", 40000, 5555, length & 0xFFFF, 0)
    else:
        l4 = b""
    total = 20 + len(l4) + len(payload) + rnd.choice([0, 0, 0, 0, 1, -1, 4, -4])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total & 0xFFFF, 0, rnd.choice([0, 0, 0x2000]),
                     64, proto, 0, b"\x0a\0\0\1", b"\x0a\0\0\2")  # fmt: skip
    frame = bytes(range(12)) + b"\x08\x00" + ip + l4 + payload + bytes(rnd.choice([0, 0, 2, 6]))
    return frame, len(frame) if rnd.random() < 0.8 else rnd.randrange(14, len(frame) + 1)


@pytest.mark.parametrize("seed", range(3))
def test_quiet_paths_are_the_decoders_on_odd_headers(seed: int, tmp_path: Path) -> None:
    """Broken TCP options, IP and UDP lengths that lie, frames cut short: a record is read
    from the bytes only when decoding it would give the same path; the others (those the
    decoder marks malformed among them) are left to the decoder."""
    rnd = random.Random(seed)
    path = tmp_path / "odd.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(3000):
            frame, captured = _odd_frame(rnd)
            w.write(frame[:captured], i * 1000, wirelen=len(frame))
    decided, wrong = differences(path)
    assert wrong == [] and decided > 300
    idx = open_capture(str(path))
    idx.index_all()
    marked = [i for i in range(len(idx)) if "_ws.malformed" in
              protocol_path(decode(idx.record(i).data, 1))]  # fmt: skip
    idx.close()
    assert marked  # the odd headers do reach the decoder's checks


def _settled_frame(rnd: random.Random) -> bytes:
    """ARP with odd address sizes or cut short, ICMP echoes, errors quoting UDP (to DNS)
    and other types, some of them short; DNS over UDP whose message is random bytes; TLS
    records of every type, version and length (some not TLS at all) on TLS, HTTP and
    unbound ports."""
    eth = bytes(range(12))
    kind = rnd.choice(["arp", "icmp", "icmp", "dns", "tls", "tls"])
    if kind == "arp":
        hs, ps = rnd.choice([(6, 4), (6, 4), (6, 4), (8, 4), (6, 16), (0, 0)])
        body = struct.pack("!HHBBH", 1, 0x0800, hs, ps, rnd.choice([1, 2, 3, 8, 99]))
        body += bytes(rnd.randrange(256) for _ in range(2 * (hs + ps)))
        cut = rnd.choice([len(body), len(body), 8, 20, 27])
        return eth + b"\x08\x06" + body[:cut] + bytes(rnd.choice([0, 18]))
    if kind == "icmp":
        itype = rnd.choice([0, 8, 8, 3, 11, 13, 5])
        udp = struct.pack("!HHHH", 40000, 53, 8 + 12, 0) + bytes(12)
        quoted = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             b"\x0a\0\0\2", b"\x0a\0\0\1") + udp  # fmt: skip
        data = quoted if itype in (3, 11, 5) else bytes(rnd.randrange(40))
        l4 = (struct.pack("!BBHHH", itype, 0, 0, 1, 1) + data)[: rnd.choice([99, 99, 4, 6])]
        proto = 1
    elif kind == "tls":
        l4, proto = _tls_segment(rnd), 6
    else:
        msg = bytes(rnd.randrange(256) for _ in range(rnd.randrange(40)))
        l4, proto = struct.pack("!HHHH", 40000, 53, 8 + len(msg), 0) + msg, 17
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0,
                     b"\x0a\0\0\1", b"\x0a\0\0\2")  # fmt: skip
    return eth + b"\x08\x00" + ip + l4


def _tls_segment(rnd: random.Random) -> bytes:
    """A TCP segment carrying one or two records (or text) between two of some ports."""
    records = b""
    for _ in range(rnd.choice([1, 1, 1, 2])):
        body = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 1, 2, 2, 26, 40])))
        if rnd.random() < 0.2:  # a Client Hello whose session ID runs past its message
            body = b"\x01\x00\x00\x23\x03\x03" + bytes(32) + b"\x20" + bytes(40)
        ctype = rnd.choice([20, 21, 21, 22, 23, 23, 24, 0x47])
        version = rnd.choice([0x0303, 0x0303, 0x0301, 0x0200])
        records += struct.pack("!BHH", ctype, version, len(body) + rnd.choice([0, 0, 0, 1, 2]))
        records += body
    if rnd.random() < 0.1:
        records = b"GET / HTTP/1.1\r\n\r\n"
    low, high = rnd.sample([443, 443, 993, 80, 53, 5555, 40000], 2)
    return struct.pack("!HHIIBBHHH", high, low, 1, 0, 0x50, 0x18, 1000, 0, 0) + records


def _read_and_decoded(
    tmp_path: Path, rnd: random.Random, make: Callable[[random.Random], bytes], n: int, whole: float
) -> tuple[set[str], list[str]]:
    """Write n frames made by `make` (a share `whole` of them captured in full, the others
    cut short), check every record read from the bytes has the decoder's path, and give the
    top protocols read from the bytes and every record's decoded path."""
    path = tmp_path / "odd.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(n):
            frame = make(rnd)
            captured = len(frame) if rnd.random() < whole else rnd.randrange(14, len(frame) + 1)
            w.write(frame[:captured], i * 1000, wirelen=len(frame))
    _decided, wrong = differences(path)
    assert wrong == []
    idx = open_capture(str(path))
    idx.index_all()
    c = Columns(idx, 0, len(idx), 0)
    tops = {names[-1] if names[-1] != "data" else names[-2]
            for names, _rows in quiet_paths(c, np.ones(c.n, bool))[1]}  # fmt: skip
    paths = [protocol_path(decode(idx.record(i).data, 1)) for i in range(len(idx))]
    idx.close()
    return tops, paths


@pytest.mark.parametrize("seed", range(2))
def test_settled_paths_are_the_decoders_on_odd_messages(seed: int, tmp_path: Path) -> None:
    """ARP and ICMP run their tails on every packet; what their Bulk declares settled
    (dissect/protocol.py) lets an ordinary request, reply or echo be read from the bytes,
    and only then: odd sizes, short messages, errors quoting a packet and DNS with random
    bytes as its message are decoded (the decoder marks some malformed)."""
    tops, paths = _read_and_decoded(tmp_path, random.Random(seed), _settled_frame, 2000, 0.9)
    assert {"arp", "icmp", "tls"} <= tops  # read from the bytes
    assert any("_ws.malformed" in p or "_ws.short" in p for p in paths if "arp" in p)
    assert any("_ws.malformed" in p or "_ws.short" in p for p in paths if "dns" in p)
    assert any("_ws.malformed" in p for p in paths if "tls" in p)


def _dns_name(rnd: random.Random, heads: list[int]) -> bytes:
    """Labels of every shape, then a root label, a pointer (back, forward, to itself or
    past the end) or nothing."""
    labels = b"".join(bytes([n]) + b"a" * n for n in
                      (rnd.choice([1, 3, 7, 63]) for _ in range(rnd.randrange(4))))  # fmt: skip
    if rnd.random() < 0.05:
        labels += bytes([rnd.choice([0x40, 0x41, 0x80, 0xBF])])
    end = rnd.choice([b"\x00", b"\x00", b"\x00", b"ptr", b""])
    if end == b"ptr":
        target = rnd.choice([*heads, 0, 2, 12, 40, 200, 0x3FFF] if heads else [12, 2, 999])
        end = struct.pack("!H", 0xC000 | target)
    return labels + end


def _dns_message(rnd: random.Random) -> bytes:
    """A DNS message of questions and records with names as _dns_name, address and other
    records of fitting and unfitting lengths, counts that lie, bytes after the last."""
    body = b""
    counts = [rnd.randrange(3), rnd.randrange(3), rnd.randrange(2), rnd.randrange(2)]
    heads: list[int] = []
    for i, n in enumerate(counts):
        for _ in range(n):
            heads.append(12 + len(body))
            body += _dns_name(rnd, heads) + struct.pack("!HH", rnd.choice([1, 28, 5]), 1)
            if i:
                rtype, rdlen = rnd.choice([(1, 4), (1, 4), (28, 16), (1, 5), (5, 4), (41, 0),
                                           (15, 2), (28, 4)])  # fmt: skip
                body = body[:-4] + struct.pack("!HHIH", rtype, 1, 60, rdlen)
                body += bytes(rnd.randrange(256) for _ in range(rdlen))
    if rnd.random() < 0.2:
        counts[rnd.randrange(4)] += rnd.choice([1, -1]) % 3
    body += bytes(rnd.choice([0, 0, 0, 3]))
    msg = struct.pack("!HH4H", rnd.randrange(65536), rnd.choice([0x0100, 0x8180, 0x2800]),
                      *counts) + body  # fmt: skip
    return msg[: rnd.choice([len(msg)] * 6 + [11, len(msg) - 1, len(msg) - 3])]


HTTP_LINES = [b"GET / HTTP/1.1", b"HTTP/1.1 200 OK", b"HTTP/1.1 101 Switching Protocols",
              b"POST /x HTTP/1.0", b"Host: a", b"Content-Length: 5", b"Content-Type: text/html",
              b"Transfer-Encoding: chunked", b"Content-Encoding: gzip", b"Upgrade: h2c",
              b"bad name: x", b"ICY 200 OK", b"M-SEARCH * HTTP/1.1", b"<html>", b"hello world",
              b"a:b", b"", b"0", b"5"]  # fmt: skip


def _http_payload(rnd: random.Random) -> bytes:
    """Lines of start lines, headers and body text ended by CRLF, LF or CR (or left open),
    blank lines anywhere, a leading CRLF, HTTP/2's preface, binary bytes."""
    kind = rnd.random()
    if kind < 0.05:
        return b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    if kind < 0.15:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 20)))
    out = b"\r\n" if rnd.random() < 0.1 else b""
    for _ in range(rnd.randrange(1, 7)):
        out += rnd.choice(HTTP_LINES) + rnd.choice([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r"])
    if rnd.random() < 0.6:
        out += b"\r\n" + rnd.choice([b"", b"", b"hello", b"5\r\nhello\r\n0\r\n\r\n"])
    return out[: rnd.choice([len(out)] * 5 + [len(out) - 1])] or b"x"


def _vector(rnd: random.Random, width: int, items: bytes) -> bytes:
    """A length-prefixed vector whose length is right, or one more or less now and then."""
    n = max(0, len(items) + rnd.choice([0, 0, 0, 0, 1, -1]))
    return n.to_bytes(width, "big") + items


def _extension_body(rnd: random.Random, etype: int) -> bytes:
    """An extension's body as the hellos carry it (server names, ALPN, versions, groups,
    key shares...), its vectors some times too long or short, or empty."""
    if rnd.random() < 0.1:
        return b""
    if etype == 0:
        return _vector(rnd, 2, b"".join(b"\x00" + _vector(rnd, 2, b"a.test")
                                        for _ in range(rnd.randrange(1, 3))))  # fmt: skip
    if etype == 16:
        return _vector(rnd, 2, b"".join(_vector(rnd, 1, p) for p in (b"h2", b"http/1.1")))
    if etype == 51:
        entries = b"".join(b"\x00\x1d" + _vector(rnd, 2, bytes(rnd.choice([0, 4, 32])))
                           for _ in range(rnd.randrange(3)))  # fmt: skip
        return _vector(rnd, 2, entries) if rnd.random() < 0.5 else entries
    width = 1 if etype in (11, 43, 65281, 45) else 2
    return _vector(rnd, width, bytes(rnd.choice([0, 2, 4, 6])))


def _hello_body(rnd: random.Random, client: bool) -> bytes:
    """A ClientHello or ServerHello body: session ID, suites, compression, then extensions
    of the types the decoder looks into and others; any length may be off by one."""
    body = b"\x03\x03" + bytes(32) + _vector(rnd, 1, bytes(rnd.choice([0, 32])))
    body += (
        _vector(rnd, 2, b"\x13\x01\x13\x02") + _vector(rnd, 1, b"\x00")
        if client
        else b"\x13\x01\x00"
    )
    if rnd.random() < 0.15:
        return body
    exts = b""
    for _ in range(rnd.randrange(6)):
        etype = rnd.choice([0, 10, 11, 13, 16, 43, 50, 51, 65281, 21, 45, 23])
        exts += struct.pack("!H", etype) + _vector(rnd, 2, _extension_body(rnd, etype))
    return body + _vector(rnd, 2, exts)


def _tls_records(rnd: random.Random) -> bytes:
    """One to three records: hellos whole or cut, other handshake messages one after
    another (some of unknown types), change cipher spec then a handshake, alerts, records
    continued past the segment."""
    out = b""
    for _ in range(rnd.choice([1, 2, 3])):
        ctype = rnd.choice([22, 22, 22, 20, 21, 23, 24])
        if ctype == 22:
            body = b""
            for _ in range(rnd.choice([1, 1, 2, 3])):
                htype = rnd.choice([1, 2, 1, 2, 11, 12, 14, 16, 4, 20, 99])
                msg = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 3, 38, 60])))
                if htype in (1, 2) and rnd.random() < 0.7:
                    msg = _hello_body(rnd, htype == 1)
                length = max(0, len(msg) + rnd.choice([0, 0, 0, 1, -1]))
                body += bytes([htype]) + length.to_bytes(3, "big") + msg
        else:
            body = bytes(rnd.randrange(256) for _ in range(rnd.choice([1, 2, 30])))
        length = len(body) + rnd.choice([0, 0, 0, 0, 1, 9])
        out += struct.pack("!BHH", ctype, rnd.choice([0x0303, 0x0303, 0x0301, 0x0200]), length)
        out += body
    return out


def _walked_frame(rnd: random.Random) -> bytes:
    """A DNS message over UDP or TCP, an HTTP payload or TLS records over TCP, on their
    ports (or swapped, or the other's)."""
    kind = rnd.choice(["dns", "http", "tls", "tls"])
    payload = {"dns": _dns_message, "http": _http_payload, "tls": _tls_records}[kind](rnd)
    if kind == "tls" and rnd.random() < 0.5:  # one hello whose record and message fit
        client = rnd.random() < 0.5
        msg = _hello_body(rnd, client)
        msg = bytes([1 if client else 2]) + len(msg).to_bytes(3, "big") + msg
        payload = struct.pack("!BHH", 22, 0x0303, len(msg)) + msg
    port = {"dns": 53, "http": 80, "tls": 443}[kind] if rnd.random() < 0.9 else 443
    if kind == "dns" and rnd.random() < 0.8:
        l4, proto = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload, 17
    else:
        l4 = struct.pack("!HHIIBBHHH", 40000, port, 1, 0, 0x50, 0x18, 1000, 0, 0) + payload
        proto = 6
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0,
                     b"\x0a\0\0\1", b"\x0a\0\0\2")  # fmt: skip
    return bytes(range(12)) + b"\x08\x00" + ip + l4


@pytest.mark.parametrize("seed", range(3))
def test_settled_walks_are_the_decoders_on_odd_messages(seed: int, tmp_path: Path) -> None:
    """DNS, HTTP and TLS declare walks (Settled.walk) that read a payload's path from its
    names, lines or records: on messages built to go wrong (pointers that loop or point
    ahead, reserved labels, counts that lie, record data of the wrong length; lines left
    open, a leading CRLF, bodies after the headers; hellos cut short, records continued)
    a record is read from the bytes only when decoding it gives the same path, and each
    walk does read some."""
    tops, paths = _read_and_decoded(tmp_path, random.Random(seed), _walked_frame, 3000, 0.95)
    assert {"dns", "http", "tls"} <= tops  # read from the bytes
    for name in ("dns", "http", "tls"):  # and the odd ones reach the decoder's marks
        assert any("_ws.malformed" in p for p in paths if name in p), name


def test_every_record_of_the_sample_is_read_from_the_bytes() -> None:
    """The demo capture (ARP, DNS, an HTTP exchange, a TLS 1.2 handshake and its data,
    pings) decodes to nothing the walks refuse: every record's path comes from the bytes,
    the hellos, the certificate and the DNS answer's compressed name among them."""
    path = Path(__file__).parent.parent / "captures" / "sample-netns.pcap"
    decided, wrong = differences(path)
    assert wrong == [] and decided == 36
