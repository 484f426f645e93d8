"""Lazy fields of the application protocols (TLS, DNS, HTTP and their kin, and ARP).

Their tail() decides everything a packet-list row shows -- status, expert info, lengths,
the next layer, Info and titles -- and leaves what it found in layer.state; detail() builds
the fields only when the tree, a filter or JSON reads them. Checked over every capture the
tests keep, and over deterministic mutations of their TLS, DNS and HTTP packets:

- a summary row (and the layer titles) builds no field of these protocols;
- the row, the status and the issues are the same before and after the fields are built
  (detail() adds no issue: tail() raised each one, once);
- the fields are the same as when each layer's fields are read the moment it is decoded
  (an eager decode), field by field: name, value, position, length, mask, children;
- crafted packets' fields hold the values the eager decoders gave them.
ICMP messages with an identifier and sequence number (echo, timestamp, information, address
mask) leave their fields to detail() too (the engine checks the declared checksum); other
ICMP messages and NTP keep their fields in tail(). Their rows read what tail() kept in layer.state.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dissect.engine import PROTOCOLS, Field, Packet, decode, inet_checksum
from dissect.index import CaptureError, open_capture
from dissect.output import summarize, summary_line
from dissect.protocols import dns, http, tls  # noqa: F401  (registers the protocols)

ROOT = Path(__file__).resolve().parent.parent
LAZY = ("tls", "dns", "mdns", "llmnr", "http", "ssdp", "media", "arp", "icmp")


def frames(rel: str) -> list[tuple[bytes, int, int, int]]:
    """The records of a capture (none for a file the reader refuses)."""
    try:
        with open_capture(str(ROOT / rel)) as cap:
            return [(rec.data, rec.linktype, rec.wirelen, rec.number) for rec in cap]
    except CaptureError:
        return []


CAPTURES = [
    rel
    for rel in sorted(
        str(p.relative_to(ROOT))
        for pattern in ("tests/data/**/*.pcap", "tests/data/**/*.pcapng", "captures/*.pcap")
        for p in ROOT.glob(pattern)
    )
    if frames(rel)
]


# -- crafted packets: what the captures lack (SSDP, media bodies, chunks, DNS over TCP, a
# full TLS 1.3 handshake, HRR, heartbeat), built as Ethernet + IPv4 + UDP/TCP ---------------
def _ip(proto: int, l4: bytes) -> bytes:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0,
                     bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))  # fmt: skip
    return bytes.fromhex("001122334455 66778899aabb 0800") + ip + l4


def _udp(payload: bytes, sport: int, dport: int) -> bytes:
    return _ip(17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def _tcp(payload: bytes, sport: int, dport: int) -> bytes:
    return _ip(6, struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 0x50, 0x18, 8192, 0, 0) + payload)


def _icmp(itype: int, rest: bytes, good: bool = True) -> bytes:
    """An ICMP message (code 0) whose checksum is right, or off by one."""
    msg = struct.pack("!BBH", itype, 0, 0) + rest
    return _ip(1, msg[:2] + struct.pack("!H", inet_checksum(msg) ^ (0 if good else 1)) + msg[4:])


def _v8(body: bytes) -> bytes:
    return bytes((len(body),)) + body


def _v16(body: bytes) -> bytes:
    return struct.pack("!H", len(body)) + body


def _ext(etype: int, body: bytes) -> bytes:
    return struct.pack("!H", etype) + _v16(body)


def _record(ctype: int, body: bytes) -> bytes:
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def _handshake(htype: int, body: bytes) -> bytes:
    return struct.pack("!B", htype) + len(body).to_bytes(3, "big") + body


def _client_hello() -> bytes:
    exts = b"".join((
        _ext(0, _v16(b"\x00" + _v16(b"www.example.test"))),
        _ext(10, _v16(bytes.fromhex("1a1a001d00170018"))),
        _ext(11, _v8(b"\x00")),
        _ext(13, _v16(bytes.fromhex("040308040401"))),
        _ext(16, _v16(_v8(b"h2") + _v8(b"http/1.1"))),
        _ext(43, _v8(bytes.fromhex("0a0a03040303"))),
        _ext(51, _v16(struct.pack("!H", 0x1D) + _v16(bytes(32)))),
        _ext(65281, b"\x00"),
        _ext(21, bytes(8)),
        _ext(0x4469, b"\x01\x02"),
    ))  # fmt: skip
    body = (b"\x03\x03" + bytes(range(32)) + _v8(bytes(32)) + _v16(bytes.fromhex("13011302c02f"))
            + _v8(b"\x00") + _v16(exts))  # fmt: skip
    return _record(22, _handshake(1, body))


def _server_hello(random32: bytes) -> bytes:
    exts = _ext(43, b"\x03\x04") + _ext(51, struct.pack("!H", 0x1D) + _v16(bytes(32)))
    body = b"\x03\x03" + random32 + _v8(bytes(32)) + b"\x13\x01\x00" + _v16(exts)
    return _record(22, _handshake(2, body))


def _dns(ident: int, flags: int, questions: bytes, answers: bytes = b"", counts=(1, 0, 0, 0)):
    return struct.pack("!HHHHHH", ident, flags, *counts) + questions + answers


NAME = b"\x03www\x07example\x04test\x00"
QUESTION = NAME + b"\x00\x01\x00\x01"
HRR = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
CNAME = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, 6) + b"\x03web\xc0\x10"
A = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes((192, 0, 2, 1))
SOA = b"\xc0\x10" + struct.pack("!HHIH", 6, 1, 60, 30) + b"\x02ns\xc0\x10\x02hm\xc0\x10"
SOA += struct.pack("!IIIII", 1, 2, 3, 4, 5)
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000, 16) + struct.pack("!HH", 10, 12) + bytes(12)
MDNS_ANSWER = NAME + struct.pack("!HHIH", 1, 0x8001, 120, 4) + bytes((10, 0, 0, 9))
SSDP = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"
PNG = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 8\r\n\r\n\x89PNG\r\n\x1a\n"
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
    b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"
)
TWO_REQUESTS = (
    b"POST /a?x=1&y=2 HTTP/1.1\r\nHost: h\r\nCookie: a=1; b=2\r\n"
    b"Authorization: Basic dXNlcjpwYXNz\r\nContent-Length: 3\r\nBad Header: x\r\n\r\n"
    b"abcGET / HTTP/1.1\r\nHost: h\r\n\r\n"
)
ODD_CODING = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: foo, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
SERVER_FLIGHT = _server_hello(bytes(range(32))) + _record(20, b"\x01") + _record(23, bytes(40))
RETRY = _server_hello(HRR) + _record(24, b"\x01\x00\x10" + bytes(16)) + _record(21, b"\x02\x28")
CRAFTED = {
    "ssdp": _udp(SSDP, 50000, 1900),
    "media": _tcp(PNG, 80, 40000),
    "chunked": _tcp(CHUNKED, 80, 40000),
    "two_requests": _tcp(TWO_REQUESTS, 40000, 443),  # plain HTTP on the TLS port, too
    "odd_coding": _tcp(ODD_CODING, 80, 40000),
    "dns_tcp": _tcp(_v16(_dns(1, 0x0100, QUESTION)) * 2, 40000, 53),  # two messages
    "dns_answers": _udp(_dns(2, 0x8180, QUESTION, CNAME + A + SOA + OPT, (1, 2, 1, 1)), 53, 40000),
    "mdns_answer": _udp(_dns(0, 0x8400, b"", MDNS_ANSWER, (0, 1, 0, 0)), 5353, 5353),
    "mdns_qu": _udp(_dns(3, 0x0000, NAME + b"\x00\x01\x80\x01"), 5353, 5353),
    "llmnr": _udp(_dns(4, 0x0000, QUESTION), 40000, 5355),
    "client_hello": _tcp(_client_hello(), 40000, 443),
    "server_flight": _tcp(SERVER_FLIGHT + _record(23, bytes(30)), 443, 40000),
    "retry": _tcp(RETRY, 443, 40000),
    "icmp_echo": _icmp(8, struct.pack("!HH", 0x1234, 7) + bytes(range(48))),
    "icmp_echo_bad_checksum": _icmp(0, struct.pack("!HH", 0x1234, 7) + bytes(8), good=False),
    "icmp_timestamp": _icmp(13, struct.pack("!HHIII", 1, 2, 3, 4, 5) + b"xy"),
    "icmp_mask_reply": _icmp(18, struct.pack("!HH", 1, 2) + bytes((255, 255, 255, 0))),
    "icmp_information": _icmp(15, struct.pack("!HH", 1, 2)),
}


def crafted(name: str) -> Packet:
    data = CRAFTED[name]
    return dec((data, 1, len(data), 1))


def dec(frame: tuple[bytes, int, int, int]) -> Packet:
    data, linktype, wirelen, number = frame
    return decode(data, linktype, wirelen=wirelen, number=number, strict=True)


def row(pkt: Packet) -> tuple[Any, ...]:
    """What the packet list shows and knows: row, status, every issue, layer titles."""
    issues = [(la.name, la.status, [(i.severity, i.group, i.code, i.message, i.pos, i.len)
                                    for i in la.issues]) for la in pkt.layers]  # fmt: skip
    shape = [(la.name, la.pos, la.hdr_len, la.payload_pos, la.payload_end) for la in pkt.layers]
    return summary_line(summarize(pkt)), pkt.status, issues, shape, [la.title for la in pkt.layers]


def tree(fields: list[Field]) -> list[tuple[Any, ...]]:
    return [(f.name, f.value, f.pos, f.len, f.mask, f.generated, tree(f.children or []))
            for f in fields]  # fmt: skip


def all_fields(pkt: Packet) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [(la.name, tree(la.fields)) for la in pkt.layers]


@contextmanager
def counted_details() -> Iterator[dict[str, int]]:
    """Count detail() calls of the lazy protocols."""
    calls = dict.fromkeys(LAZY, 0)
    saved = {name: PROTOCOLS[name].detail for name in LAZY}

    def counting(name: str, detail: Any) -> Any:
        def run(data: Any, layer: Any) -> None:
            calls[name] += 1
            detail(data, layer)

        return run

    for name, detail in saved.items():
        PROTOCOLS[name].detail = counting(name, detail)
    try:
        yield calls
    finally:
        for name, detail in saved.items():
            PROTOCOLS[name].detail = detail


@contextmanager
def eager() -> Iterator[None]:
    """Every lazy layer's fields are read the moment its tail() returns."""
    saved = {name: PROTOCOLS[name].tail for name in LAZY}

    def now(tail: Any) -> Any:
        def run(data: Any, layer: Any) -> None:
            tail(data, layer)
            if not layer.declined:
                layer.fields  # noqa: B018

        return run

    for name, tail in saved.items():
        PROTOCOLS[name].tail = now(tail)
    try:
        yield
    finally:
        for name, tail in saved.items():
            PROTOCOLS[name].tail = tail


def check_packet(frame: tuple[bytes, int, int, int]) -> None:
    with counted_details() as calls:
        pkt = dec(frame)
        before = row(pkt)
        assert not any(calls.values()), f"the summary built fields: {calls}"
        lazy = all_fields(pkt)
        assert before == row(pkt), "reading the fields changed the row or the issues"
        built = {la.name for la in pkt.layers if la.name in LAZY}
        assert {n for n, c in calls.items() if c} == built
    with eager():
        early = dec(frame)
        eager_fields = all_fields(early)
    assert lazy == eager_fields
    assert row(early) == before


def all_frames() -> Iterator[tuple[bytes, int, int, int]]:
    for rel in CAPTURES:
        yield from frames(rel)
    for data in CRAFTED.values():
        yield data, 1, len(data), 1


def test_the_packets_hold_every_lazy_protocol():
    seen: set[str] = set()
    for frame in all_frames():
        seen.update(la.name for la in dec(frame).layers)
    assert set(LAZY) <= seen


@pytest.mark.parametrize("rel", CAPTURES)
def test_capture_fields_are_lazy_and_unchanged(rel):
    for frame in frames(rel):
        check_packet(frame)


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_fields_are_lazy_and_unchanged(name):
    frame = (CRAFTED[name], 1, len(CRAFTED[name]), 1)
    assert any(la.name in LAZY for la in dec(frame).layers)
    check_packet(frame)
    check_packet(frame[:2] + (len(frame[0]) + 100,) + frame[3:])  # as a snap-length cut


def seeds() -> list[tuple[bytes, int, int, int, int]]:
    """(frame, linktype, wirelen, number, start of the lazy layer) for each capture packet
    that has one, at most 8 per capture."""
    out = []
    for rel in CAPTURES:
        kept = 0
        for frame in frames(rel):
            lazy = [la for la in dec(frame).layers if la.name in LAZY]
            if lazy and kept < 8:
                out.append((*frame, lazy[0].pos))
                kept += 1
    for data in CRAFTED.values():
        lazy = [la for la in dec((data, 1, len(data), 1)).layers if la.name in LAZY]
        out.append((data, 1, len(data), 1, lazy[0].pos))
    return out


def mutations(seed: tuple[bytes, int, int, int, int], rng: random.Random, n: int) -> Iterator:
    data, linktype, _wirelen, number, start = seed
    for _ in range(n):
        b = bytearray(data)
        op = rng.random()
        if op < 0.5:  # length and type bytes near the start of the message are the interesting ones
            for _ in range(rng.randint(1, 3)):
                j = rng.randrange(start, min(len(b), start + 96)) if rng.random() < 0.7 else (
                    rng.randrange(start, len(b)))  # fmt: skip
                b[j] = rng.choice((0, 1, 2, 0x7F, 0x80, 0xC0, 0xFF, 0x0A, 0x0D, 0x3A,
                                   b[j] ^ (1 << rng.randrange(8))))  # fmt: skip
        elif op < 0.8:
            del b[rng.randrange(start, len(b) + 1) :]
        else:
            j = rng.randrange(start, len(b) + 1)
            b[j:j] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
        cut = rng.randint(1, 200) if rng.random() < 0.3 else 0  # a snap-length cut
        yield bytes(b), linktype, len(b) + cut, number


def test_mutated_packets_fields_are_lazy_and_unchanged():
    rng = random.Random(20261121)
    checked = 0
    for seed in seeds():
        if seed[4] >= len(seed[0]):
            continue
        for frame in mutations(seed, rng, 12):
            check_packet(frame)
            checked += 1
    assert checked > 1000


def test_info_and_titles_come_from_what_tail_kept():
    """What a row and a title show before the fields exist agrees with the fields."""
    checked = 0
    for frame in all_frames():
        for la in dec(frame).layers:
            info, title = la.protocol.info(la) if la.protocol.info else "", la.title
            if la.name == "tls" and "SNI=" in info:
                sni = info.split("SNI=", 1)[1].split(")", 1)[0]
                assert sni in [f.value for f in la.all("tls.handshake.extensions_server_name")]
            elif la.name in ("dns", "mdns", "llmnr") and title.endswith(")"):
                assert la.get("dns.flags.response").value is title.endswith("(response)")
            elif la.name == "http":
                chunks = la.all("http.chunk_size")
                assert ("has " in title) == bool(chunks)
                if chunks:
                    assert f"has {len(chunks)} chunk" in title
                    assert ("last chunk" in title) == any(f.value == 0 for f in chunks)
            else:
                continue
            checked += 1
    assert checked > 50


def values(pkt: Packet, name: str) -> list[Any]:
    return [f.value for f in pkt.find(name)]


def test_crafted_fields_hold_their_values():
    """detail() builds what the old eager tail() built: values spot-checked per protocol."""
    pkt = crafted("client_hello")  # ClientHello at frame offset 54
    sni = next(pkt.find("tls.handshake.extensions_server_name"))
    # record and handshake headers, version + random + session id, suites, compression,
    # extensions length, server_name's header, list length, name type and length
    at = 54 + 5 + 4 + 35 + 32 + 8 + 2 + 2 + 4 + 2 + 3
    assert (sni.value, sni.pos, sni.len) == ("www.example.test", at, 16)
    assert values(pkt, "tls.handshake.ciphersuite") == [0x1301, 0x1302, 0xC02F]
    assert values(pkt, "tls.handshake.extensions_alpn_str") == ["h2", "http/1.1"]
    assert values(pkt, "tls.handshake.extensions.supported_version") == [0x0A0A, 0x0304, 0x0303]
    assert values(pkt, "tls.handshake.extensions_supported_group") == [0x1A1A, 0x1D, 0x17, 0x18]
    assert values(pkt, "tls.handshake.extensions_key_share_group") == [0x1D]
    assert values(pkt, "tls.handshake.extensions_padding_data") == [bytes(8)]
    assert len(values(pkt, "tls.handshake.extension.type")) == 10
    pkt = crafted("server_flight")
    assert values(pkt, "tls.record.opaque_type") == [23, 23]  # after the CCS: TLS 1.3
    assert values(pkt, "tls.change_cipher_spec") == [b"\x01"]
    pkt = crafted("retry")
    assert values(pkt, "tls.handshake.extensions_key_share_selected_group") == [0x1D]
    assert values(pkt, "tls.heartbeat_message.payload_length") == [16]
    assert values(pkt, "tls.alert_message.desc") == [40]
    pkt = crafted("dns_answers")
    assert values(pkt, "dns.cname") == ["web.example.test"]
    assert values(pkt, "dns.a") == ["192.0.2.1"]
    assert values(pkt, "dns.soa.mname") == ["ns.example.test"]
    assert values(pkt, "dns.soa.minimum_ttl") == [5]
    assert values(pkt, "dns.opt.cookie.client") == [bytes(8)]
    assert values(pkt, "dns.flags.recavail") == [True]
    pkt = crafted("dns_tcp")
    assert values(pkt, "dns.length") == [34, 34]  # header, name, type and class
    assert values(pkt, "dns.qry.name.len") == [16, 16]
    pkt = crafted("mdns_answer")
    assert values(pkt, "dns.resp.cache_flush") == [True]
    pkt = crafted("chunked")
    assert values(pkt, "http.chunk_size") == [5, 0]
    assert values(pkt, "http.chunk_data") == [b"hello"]
    assert values(pkt, "http.chunked_trailer_part") == ["X-Trailer: 1\r\n"]
    pkt = crafted("two_requests")
    assert values(pkt, "http.request.method") == ["POST", "GET"]
    assert values(pkt, "http.request.uri.query.parameter") == ["x=1", "y=2"]
    assert values(pkt, "http.cookie_pair") == ["a=1", "b=2"]
    assert values(pkt, "http.authbasic") == ["user:pass"]
    assert values(pkt, "http.request.full_uri") == ["http://h/a?x=1&y=2", "http://h/"]
    assert values(pkt, "http.file_data")[0] == b"abc"
    pkt = crafted("media")
    assert values(pkt, "http.response.code") == [200]
    assert values(pkt, "media.type") == [b"\x89PNG\r\n\x1a\n"]
    pkt = crafted("ssdp")
    assert values(pkt, "http.request.method") == ["M-SEARCH"]


def test_icmp_ntp_arp_rows_build_no_fields():
    """NTP and most ICMP messages still add their fields in tail(), but their Info and
    titles read what tail() kept: a row never builds the layer's field list (nor ARP's or
    an ICMP echo's, now lazy)."""
    protos = {PROTOCOLS[name] for name in ("icmp", "ntp", "arp")}
    seen = 0
    for frame in all_frames():
        pkt = dec(frame)
        row(pkt)
        full = [la for la in pkt.layers[1:] if la.protocol in protos and la.values is not None]
        seen += len(full)
        built = [la.name for la in full if la._fields is not None]
        assert not built, f"a row built the fields of {built}"
        for la in full:
            assert la.fields and la._fields is not None
    assert seen > 20


def test_icmp_echo_data_time_is_found_by_tail_and_built_by_detail():
    """An echo whose data starts with a struct timeval near the capture time: tail() takes
    its 16 bytes into the header, detail() shows it, last, as an eager decode does."""
    t_ns = 1_700_000_000_123_456_000
    timeval = struct.pack("<QQ", t_ns // 10**9, 123456)
    frame = _icmp(8, struct.pack("!HH", 1, 1) + timeval + bytes(8))
    with counted_details() as calls:
        pkt = decode(frame, 1, time_ns=t_ns, strict=True)
        before = row(pkt)
        assert calls["icmp"] == 0
    icmp = pkt.layer("icmp")
    state = icmp.state
    assert icmp.hdr_len == 24 and (state.ident, state.seq, state.seq_le) == (1, 1, 256)
    names = [f.name for f in icmp.fields]
    assert names[3:] == ["icmp.checksum.status", "icmp.ident", "icmp.ident_le", "icmp.seq",
                         "icmp.seq_le", "icmp.data_time", "icmp.data_time_relative"]  # fmt: skip
    assert row(pkt) == before
    with eager():
        assert all_fields(decode(frame, 1, time_ns=t_ns, strict=True)) == all_fields(pkt)


def test_icmp_bad_checksum_warns_before_the_fields_are_read():
    pkt = crafted("icmp_echo_bad_checksum")
    icmp = pkt.layer("icmp")
    assert [i.code for i in icmp.issues] == ["icmp.checksum.bad"]
    assert icmp._fields is None  # the engine's checksum check warned; detail() has not run


# -- TCP options: checked by the tail, built by detail ------------------------------------
def _tcp_with_options(options: bytes) -> Packet:
    offset = (20 + len(options)) // 4 << 4
    l4 = struct.pack("!HHIIBBHHH", 40000, 9, 1, 1, offset, 0x10, 8192, 0, 0) + options
    return decode(_ip(6, l4), 1)


def test_bad_tcp_option_length_marks_the_row_before_fields_are_read() -> None:
    pkt = _tcp_with_options(bytes((2, 4, 5, 0xB4, 8, 30, 0, 0)))  # MSS, then a length past the end
    before = row(pkt)
    assert pkt.status == "malformed"
    assert [i.code for i in pkt.layer("tcp").issues].count("tcp.option.len.invalid") == 1
    assert pkt.layer("tcp").get("tcp.options.mss_val").value == 1460
    assert row(pkt) == before  # building the fields raised nothing more


def test_good_tcp_options_raise_nothing() -> None:
    pkt = _tcp_with_options(bytes((1, 1, 8, 10)) + bytes(8))  # NOP, NOP, timestamps
    assert pkt.status == "ok" and not [i for i in pkt.layer("tcp").issues if i.group == "malformed"]
    assert pkt.layer("tcp").get("tcp.options.timestamp.tsval").value == 0
