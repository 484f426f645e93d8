"""Bounded work on hostile structure (issue 6, part 5): DNS compression loops and chains,
long IPv6 extension-header chains, nested VLAN tags, a 1 MB HTTP header line, a TCP
header full of NOPs. Each decodes in strict mode with bounded work and memory.

No wall-clock assertions (timings belong in bench/): work is counted as Python lines executed
(sys.settrace) over the decode, building every field and rendering the -V tree; memory is
tracemalloc's peak. Bounds are checked two ways: an absolute ceiling, and growth that is
at most linear when the hostile part doubles.
"""

from __future__ import annotations

import struct
import sys
import tracemalloc
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pytest

from dissect.engine import MAX_LAYERS, Packet, decode
from dissect.output import summarize, tree_text
from tests.test_robust import check_packet, ether, ipv4, ipv6, udp


@dataclass(slots=True)
class Cost:
    pkt: Packet
    lines: int  # Python lines executed: decode + every field + summary + tree
    peak: int  # bytes, tracemalloc peak over the same
    fields: int


def cost(frame: bytes, linktype: int = 1) -> Cost:
    lines = 0

    def tracer(_frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return tracer

    tracemalloc.start()
    sys.settrace(tracer)
    try:
        pkt = decode(frame, linktype, strict=True)
        fields = sum(1 for layer in pkt.layers for _f in layer.walk())
        summarize(pkt)
        tree_text(pkt)
    finally:
        sys.settrace(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    check_packet(pkt)
    return Cost(pkt, lines, peak, fields)


def codes(pkt: Packet) -> set[str]:
    return {i.code for i in pkt.issues}


def udp_frame(port: int, body: bytes) -> bytes:
    return ether(0x0800) + ipv4(17, 8 + len(body)) + udp(port, len(body)) + body


# -- DNS -----------------------------------------------------------------------------------
def dns(questions: bytes, qdcount: int) -> bytes:
    return udp_frame(53, struct.pack("!HHHHHH", 0x1234, 0x0100, qdcount, 0, 0, 0) + questions)


PTR_TO_SELF = b"\xc0\x0c" + b"\x00\x01\x00\x01"  # the name at offset 12 points at offset 12


def mutual_loop() -> bytes:
    """Name 1 = label 'a' then a pointer to name 2; name 2 = label 'b', pointer to name 1."""
    q1 = b"\x01a\xc0\x14" + b"\x00\x01\x00\x01"  # at 12; its pointer goes to 20
    q2 = b"\x01b\xc0\x0c" + b"\x00\x01\x00\x01"  # at 20; back to 12
    return q1 + q2


def chained_names(n: int) -> bytes:
    """Question k's name is a pointer to question k-1's: k jumps for name k (up to 127)."""
    out, offsets = [b"\x01a\x00\x00\x01\x00\x01"], [12]
    at = 12 + len(out[0])
    for _ in range(1, n):
        target = max(o for o in offsets if o < 0x4000)
        out.append(struct.pack("!H", 0xC000 | target) + b"\x00\x01\x00\x01")
        offsets.append(at)
        at += 6
    return b"".join(out)


@pytest.mark.parametrize("qdcount", [1, 2, 65535])
def test_dns_pointer_to_itself(qdcount: int) -> None:
    c = cost(dns(PTR_TO_SELF, qdcount))
    layer = c.pkt.layer("dns")
    assert layer is not None and layer.status == "malformed"
    assert "dns.name.loop" in codes(c.pkt)
    assert c.fields < 60 and c.lines < 8000, (c.fields, c.lines)


def test_dns_mutual_pointer_loop() -> None:
    c = cost(dns(mutual_loop(), 2))
    assert "dns.name.loop" in codes(c.pkt)
    names = [f.value for f in c.pkt.find("dns.qry.name")]
    assert names == ["<Name contains a pointer that loops>"] * 2
    assert c.lines < 8000, c.lines


def test_dns_chained_names_cost_is_linear() -> None:
    """Without a per-message budget name k costs k jumps: 1,000 names ~ 64,000 jumps."""
    small, big = cost(dns(chained_names(500), 500)), cost(dns(chained_names(1000), 1000))
    assert big.fields <= 2 * small.fields + 10
    assert big.lines <= 2.2 * small.lines, (small.lines, big.lines)
    assert big.lines < 150 * 6000, big.lines  # about 150 lines per byte of message at most
    assert "dns.name.loop" in codes(big.pkt)


def test_dns_long_pointer_chain_stops_at_127_hops() -> None:
    """A legal-looking chain of 200 pointers in a row: 127 are followed, then a loop."""
    c = cost(dns(chained_names(200), 200))
    names = [f.value for f in c.pkt.find("dns.qry.name")]
    assert names[:3] == ["a", "a", "a"] and names[-1] == "<Name contains a pointer that loops>"
    assert c.lines < 200_000, c.lines


# -- IPv6 extension headers ---------------------------------------------------------------
def ipv6_chain(k: int) -> bytes:
    """k Destination Options headers (8 bytes each, a PadN inside), then UDP."""
    opt = b"\x01\x04\x00\x00\x00\x00"
    chain = b"".join(bytes([60, 0]) + opt for _ in range(k - 1)) + bytes([17, 0]) + opt
    body = udp(9, 4) + b"abcd"
    return ether(0x86DD) + ipv6(60, len(chain) + len(body)) + chain + body


@pytest.mark.parametrize("k", [100, 150, 1000])
def test_ipv6_extension_chain_is_capped(k: int) -> None:
    c = cost(ipv6_chain(k))
    assert len(c.pkt.layers) <= MAX_LAYERS + 3
    if k + 4 > MAX_LAYERS:
        assert "frame.too_many_layers" in codes(c.pkt)
    else:
        assert c.pkt.layer("udp") is not None
    assert c.fields <= 12 * len(c.pkt.layers) and c.lines < 150_000, (c.fields, c.lines)
    assert c.peak < 1024 * 1024, c.peak


def test_ipv6_chain_work_does_not_grow_past_the_cap() -> None:
    capped, longer = cost(ipv6_chain(200)), cost(ipv6_chain(2000))
    assert longer.lines <= capped.lines * 1.1 and longer.fields <= capped.fields + 5


# -- VLAN ----------------------------------------------------------------------------------
def vlan_stack(k: int) -> bytes:
    tags = b"".join(struct.pack("!HH", i, 0x8100) for i in range(k - 1))
    tags += struct.pack("!HH", k, 0x0800)
    body = udp(9, 4) + b"abcd"
    return ether(0x8100) + tags + ipv4(17, len(body)) + body


@pytest.mark.parametrize("k", [100, 1000])
def test_nested_vlan_tags_are_capped(k: int) -> None:
    c = cost(vlan_stack(k))
    vlans = [la for la in c.pkt.layers if la.protocol.name == "vlan"]
    assert 1 <= len(vlans) <= 21 and "vlan.too_many_tags" in codes(c.pkt)
    assert len(c.pkt.layers) < 30 and c.fields < 200 and c.lines < 20_000, (c.fields, c.lines)


# -- HTTP ----------------------------------------------------------------------------------
MB = 1 << 20


def http_frame(size: int, port: int = 80, end: bytes = b"\r\n\r\n") -> bytes:
    """One TCP segment over IPv4 with total length 0 (TSO: the frame bounds it)."""
    payload = b"GET / HTTP/1.1\r\nX-Long: " + b"a" * size + end
    seg = struct.pack("!HHIIBBHHH", 40000, port, 1, 0, 0x50, 0x18, 512, 0, 0) + payload
    return ether(0x0800) + ipv4(6, 0)[:2] + b"\0\0" + ipv4(6, 0)[4:] + seg


@pytest.mark.parametrize(("port", "end"), [(80, b"\r\n\r\n"), (80, b""), (40001, b"\r\n\r\n")])
def test_one_megabyte_header_line(port: int, end: bytes) -> None:
    one, two = cost(http_frame(MB, port, end)), cost(http_frame(2 * MB, port, end))
    assert one.pkt.layer("http") is not None
    assert one.fields < 100 and two.fields == one.fields
    assert two.lines <= one.lines + 50  # no Python loop over the bytes
    assert one.peak < 4 * MB + 512 * 1024, one.peak  # a few copies of the line, no more
    assert any(f.len > MB for f in one.pkt.layer("http").walk())  # the line is one field
    assert len(tree_text(one.pkt)) < 64 * 1024  # the tree shows a cut value, not 1 MB


# -- TCP options ---------------------------------------------------------------------------
def tcp_with_options(options: bytes) -> bytes:
    seg = struct.pack("!HHIIBBHHH", 40000, 9, 1, 0, ((20 + len(options)) // 4) << 4, 0x18,
                      512, 0, 0) + options  # fmt: skip
    return ether(0x0800) + ipv4(6, len(seg)) + seg


def test_forty_bytes_of_nops() -> None:
    c = cost(tcp_with_options(b"\x01" * 40))
    tcp = c.pkt.layer("tcp")
    assert tcp is not None and tcp.status == "ok" and tcp.hdr_len == 60
    nops = [f for f in tcp.walk() if f.name == "tcp.options.nop"]
    assert len(nops) == 40 and all(f.len == 1 for f in nops)
    assert c.fields < 200 and c.lines < 20_000, (c.fields, c.lines)


@pytest.mark.parametrize("options", [b"\x02\x00" * 20, b"\x08\x01" * 20, b"\x1e\xff" * 20])
def test_option_lengths_that_cannot_advance(options: bytes) -> None:
    c = cost(tcp_with_options(options))
    assert c.pkt.layer("tcp").status == "malformed"
    assert c.fields < 100 and c.lines < 20_000, (c.fields, c.lines)


def test_rst_payload_is_not_walked_as_options() -> None:
    """A RST keeps its diagnostic payload in TCP; the option walk still stops at the data
    offset (found by bench/fuzz.py: 1,400 zero bytes became 1,400 EOL options)."""
    seg = struct.pack("!HHIIBBHHH", 40000, 9, 1, 0, 0x60, 0x04, 0, 0, 0) + b"\x01\x01\x00\x00"
    c = cost(ether(0x0800) + ipv4(6, len(seg) + 1400) + seg + bytes(1400))
    tcp = c.pkt.layer("tcp")
    options = [f for f in tcp.walk() if f.name.startswith("tcp.options.")]
    assert len(options) == 4 and all(f.pos < tcp.pos + 24 for f in options)
    assert c.fields < 100 and c.lines < 20_000, (c.fields, c.lines)
