"""DNS, mDNS, LLMNR, DHCP and NTP: byte fixtures, Wireshark's choices, hostile input.

Expected values, spans and Info texts were checked against tshark 4.0.17 (reassembly off,
the corpus oracle's preferences). Frames are built as Ethernet + IPv4 + UDP (or TCP without
options), so the UDP payload starts at frame offset 42 and the TCP payload at 54.
Real-capture fixtures are frames of the captures in tests/data/app_udp (see ATTRIBUTION.md).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import Layer, Packet, decode, inet_checksum
from dissect.index import open_capture
from dissect.protocols.ntp import ntp_time_ns
from tests.spans import names, values

DATA = Path(__file__).parent / "data" / "app_udp"
U = 42  # UDP payload offset in udp_frame()
T = 54  # TCP payload offset in tcp_frame()


def _ip(proto: int, body: bytes, frag: int = 0) -> bytes:
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 1, frag, 64, proto, 0,
                      bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))  # fmt: skip
    return hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]


def udp_frame(payload: bytes, sport: int = 40000, dport: int = 53) -> bytes:
    """Ethernet II + IPv4 + UDP around payload; UDP checksum zero (none, for IPv4)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    body = udp + payload
    return bytes.fromhex("001122334455 66778899aabb 0800") + _ip(17, body) + body


def tcp_frame(payload: bytes, sport: int = 40000, dport: int = 53) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 1, 0x50, 0x18, 8192, 0, 0)
    body = tcp + payload
    return bytes.fromhex("001122334455 66778899aabb 0800") + _ip(6, body) + body


def dec(frame: bytes, wirelen: int | None = None) -> Packet:
    return decode(frame, 1, strict=True, wirelen=wirelen)


def span(pkt: Packet, name: str, i: int = 0) -> tuple:
    f = list(pkt.find(name))[i]
    return f.value, f.pos, f.len


def codes(pkt: Packet) -> set[str]:
    return {i.code for i in pkt.issues}


def top(pkt: Packet) -> Layer:
    return pkt.layers[-1]


def info(pkt: Packet) -> str:
    layer = top(pkt)
    return layer.protocol.info(layer)


def assert_spans_inside(pkt: Packet) -> None:
    for layer in pkt.layers:
        assert 0 <= layer.pos <= layer.end <= pkt.caplen, layer
        for f in layer.walk():
            assert 0 <= f.pos and f.pos + f.len <= pkt.caplen, (layer.name, f)
            for c in f.children or ():
                assert f.pos <= c.pos and c.pos + c.len <= f.pos + max(f.len, c.len), (f, c)


def sweep(frame: bytes) -> None:
    """Every truncation decodes strictly, as a short frame and as a snap-length cut."""
    for n in range(len(frame) + 1):
        for wirelen in (None, len(frame)):
            assert_spans_inside(decode(frame[:n], 1, strict=True, wirelen=wirelen))


def dns_header(ident=0x1A2B, flags=0x0100, qd=1, an=0, ns=0, ar=0) -> bytes:
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


EXAMPLE_TEST = b"\x07example\x04test\x00"  # 14 bytes at message offset 12

# -- DNS: a real query and response (tcpdump dns_udp.pcap, frames 1 and 2) ------------------
# Query 0x5934 A www.tcpdump.org, EDNS OPT with a client COOKIE option (56 bytes):
QUERY = bytes.fromhex(
    "593401200001000000000001037777770774637064756d70036f72670000010001000029100000000000000c000a0008"
    "42f5d00996f90b13"
)
# Response: 2 A answers, 2 NS, 5 additional (A, AAAA, A, AAAA, OPT); names compressed (224 bytes):
RESPONSE = bytes.fromhex(
    "593485000001000200020005037777770774637064756d70036f72670000010001c00c000100010000003c0004c08b2e"
    "42c00c000100010000003c0004c6c75868c0100002000100015180001203736e7308636f6f7065726978036e657400c0"
    "1000020001000151800012036e69630973616e64656c6d616e02636100c06b000100010000012c0004d157f912c06b00"
    "1c00010000012c00102607f0b0000f000000000000babef00dc04d0001000100001c200004616b850fc04d001c000100"
    "001c20001026003c0300000000f03c91fffe96e8ef0000291000000000000000"
)


def test_query_header_and_question():
    pkt = dec(udp_frame(QUERY, 43966, 53))
    assert names(pkt) == ["eth", "ip", "udp", "dns"]
    assert span(pkt, "dns.id") == (0x5934, 42, 2)
    assert span(pkt, "dns.flags") == (0x0120, 44, 2)
    flags = pkt.get("dns.flags")
    kids = {c.name: (c.value, c.mask) for c in flags.children}
    # a query shows neither AA, RA nor RCODE; the AD bit only because it is set
    assert kids == {
        "dns.flags.response": (False, 0x8000), "dns.flags.opcode": (0, 0x7800),
        "dns.flags.truncated": (False, 0x0200), "dns.flags.recdesired": (True, 0x0100),
        "dns.flags.z": (False, 0x0040), "dns.flags.authenticated": (True, 0x0020),
        "dns.flags.checkdisable": (False, 0x0010),
    }  # fmt: skip
    assert [span(pkt, n) for n in ("dns.count.queries", "dns.count.add_rr")] == [
        (1, 46, 2),
        (1, 52, 2),
    ]
    assert span(pkt, "dns.qry.name") == ("www.tcpdump.org", 54, 17)
    assert pkt.get("dns.qry.name.len").value == 15 and pkt.get("dns.qry.name.len").generated
    assert pkt.get("dns.count.labels").value == 3
    assert span(pkt, "dns.qry.type") == (1, 71, 2)
    assert span(pkt, "dns.qry.class") == (1, 73, 2)
    assert pkt.get("dns.qry.type").show == "A (Host Address) (1)"
    assert span(pkt, "dns.query") == ("www.tcpdump.org: type A, class IN", 54, 21)
    assert info(pkt) == "Standard query 0x5934 A www.tcpdump.org OPT"
    assert top(pkt).title == "Domain Name System (query)"
    assert top(pkt).osi == 7 and pkt.status == "ok"


def test_query_opt_record():
    pkt = dec(udp_frame(QUERY, 43966, 53))
    assert span(pkt, "dns.resp.name") == ("<Root>", 75, 1)
    assert span(pkt, "dns.resp.type") == (41, 76, 2)
    assert span(pkt, "dns.rr.udp_payload_size") == (4096, 78, 2)
    assert span(pkt, "dns.resp.ext_rcode") == (0, 80, 1)
    assert span(pkt, "dns.resp.edns0_version") == (0, 81, 1)
    assert span(pkt, "dns.resp.z") == (0, 82, 2)
    assert pkt.get("dns.resp.z.do").mask == 0x8000
    assert span(pkt, "dns.resp.len") == (12, 84, 2)
    assert span(pkt, "dns.opt") == ("COOKIE", 86, 12)
    assert span(pkt, "dns.opt.code") == (10, 86, 2)
    assert span(pkt, "dns.opt.len") == (8, 88, 2)
    assert span(pkt, "dns.opt.data") == (bytes.fromhex("42f5d00996f90b13"), 90, 8)
    assert span(pkt, "dns.opt.cookie.client") == (bytes.fromhex("42f5d00996f90b13"), 90, 8)


def test_response_records():
    pkt = dec(udp_frame(RESPONSE, 53, 43966))
    assert info(pkt) == (
        "Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66 A 198.199.88.104 "
        "NS sns.cooperix.net NS nic.sandelman.ca A 209.87.249.18 AAAA 2607:f0b0:f::babe:f00d "
        "A 97.107.133.15 AAAA 2600:3c03::f03c:91ff:fe96:e8ef OPT"
    )
    assert top(pkt).title == "Domain Name System (response)"
    assert [c.name for c in pkt.get("dns.flags").children][-1] == "dns.flags.rcode"
    # a compressed owner name spans only its own two pointer bytes
    assert span(pkt, "dns.resp.name") == ("www.tcpdump.org", 75, 2)
    assert span(pkt, "dns.resp.ttl") == (60, 81, 4)
    assert span(pkt, "dns.resp.len") == (4, 85, 2)
    assert [span(pkt, "dns.a", i) for i in range(4)] == [
        ("192.139.46.66", 87, 4), ("198.199.88.104", 103, 4),
        ("209.87.249.18", 179, 4), ("97.107.133.15", 223, 4),
    ]  # fmt: skip
    assert [span(pkt, "dns.aaaa", i) for i in range(2)] == [
        ("2607:f0b0:f::babe:f00d", 195, 16), ("2600:3c03::f03c:91ff:fe96:e8ef", 239, 16),
    ]  # fmt: skip
    assert span(pkt, "dns.ns") == ("sns.cooperix.net", 119, 18)
    assert span(pkt, "dns.answer") == (
        "www.tcpdump.org: type A, class IN, addr 192.139.46.66",
        75,
        16,
    )
    assert span(pkt, "dns.authority") == (
        "tcpdump.org: type NS, class IN, ns sns.cooperix.net",
        107,
        30,
    )
    assert len(list(pkt.find("dns.additional"))) == 5
    assert pkt.status == "ok" and not pkt.issues


def _answer(rtype: int, rdata: bytes, name: bytes = b"\xc0\x0c", rclass: int = 1) -> bytes:
    return name + struct.pack("!HHIH", rtype, rclass, 300, len(rdata)) + rdata


def test_rdata_kinds():
    rrs = [
        _answer(5, b"\x03www\xc0\x0c"),  # CNAME www.example.test
        _answer(15, b"\x00\x0a\x04mail\xc0\x0c"),  # MX 10 mail.example.test
        _answer(12, b"\x01x\x00"),  # PTR x
        _answer(16, b"\x05hello\x02hi"),  # TXT "hello" "hi"
        _answer(
            6, b"\x02ns\xc0\x0c\x04host\xc0\x0c" + struct.pack("!IIIII", 7, 3600, 600, 86400, 60)
        ),
        _answer(99, b"\x00"),  # SPF with an empty string
        _answer(13, b"\x02PC\x02OS"),  # HINFO CPU "PC", OS "OS"
    ]
    msg = dns_header(flags=0x8180, an=len(rrs)) + EXAMPLE_TEST + b"\x00\x01\x00\x01" + b"".join(rrs)
    pkt = dec(udp_frame(msg, 53, 40000))
    assert values(pkt, "dns.cname") == ["www.example.test"]
    assert values(pkt, "dns.mx.preference") == [10]
    assert values(pkt, "dns.mx.mail_exchange") == ["mail.example.test"]
    assert values(pkt, "dns.ptr.domain_name") == ["x"]
    assert values(pkt, "dns.txt") == ["hello", "hi"]
    assert values(pkt, "dns.txt.length") == [5, 2]
    assert values(pkt, "dns.spf") == [""] and values(pkt, "dns.spf.length") == [0]
    assert values(pkt, "dns.hinfo.cpu") == ["PC"] and values(pkt, "dns.hinfo.os") == ["OS"]
    assert values(pkt, "dns.soa.mname") == ["ns.example.test"]
    assert values(pkt, "dns.soa.rname") == ["host.example.test"]
    assert values(pkt, "dns.soa.serial_number") == [7]
    assert values(pkt, "dns.soa.minimum_ttl") == [60]
    assert values(pkt, "dns.data") == []
    assert info(pkt) == (
        "Standard query response 0x1a2b A example.test CNAME www.example.test "
        "MX 10 mail.example.test PTR x TXT SOA ns.example.test SPF HINFO PC OS"
    )
    assert pkt.status == "ok"


def test_srv_owner_is_split_like_wireshark():
    srv = b"\x05_sips\x04_tcp\xc0\x0c"
    rr = _answer(33, struct.pack("!HHH", 10, 60, 5061) + b"\x03sip\xc0\x0c", name=srv)
    msg = dns_header(flags=0x8180, an=1) + EXAMPLE_TEST + b"\x00\x21\x00\x01" + rr
    pkt = dec(udp_frame(msg, 53, 40000))
    assert values(pkt, "dns.srv.service") == ["_sips"]
    assert values(pkt, "dns.srv.proto") == ["_tcp"]
    assert values(pkt, "dns.srv.name") == ["example.test"]
    assert span(pkt, "dns.srv.service")[1:] == (U + 30, 13)
    assert values(pkt, "dns.resp.name") == []
    assert [values(pkt, n) for n in ("dns.srv.priority", "dns.srv.weight", "dns.srv.port")] == [
        [10], [60], [5061],
    ]  # fmt: skip
    assert values(pkt, "dns.srv.target") == ["sip.example.test"]
    assert info(pkt).endswith("SRV 10 60 5061 sip.example.test")


def test_nsec_type_bitmap():
    # next name = the owner (pointer to offset 12); window 0, 6 bytes: A (1), AAAA (28), RRSIG
    # (46), NSEC (47)
    rdata = b"\xc0\x0c" + b"\x00\x06\x40\x00\x00\x08\x00\x03"
    msg = dns_header(flags=0x8400, qd=0, an=1) + _answer(47, rdata, name=EXAMPLE_TEST)
    pkt = dec(udp_frame(msg, 5353, 5353))
    assert names(pkt)[-1] == "mdns"
    assert values(pkt, "dns.nsec.next_domain_name") == ["example.test"]
    bitmap_types = [f for f in pkt.find("dns.resp.type") if f.len == 1]
    assert [f.value for f in bitmap_types] == [1, 28, 46, 47]
    assert info(pkt) == "Standard query response 0x1a2b NSEC example.test"


def test_edns_client_subnet():
    ecs = struct.pack("!HHHBB", 8, 7, 1, 24, 0) + bytes((192, 0, 2))
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000, len(ecs)) + ecs
    msg = dns_header(ar=1) + EXAMPLE_TEST + b"\x00\x01\x00\x01" + opt
    pkt = dec(udp_frame(msg))
    assert values(pkt, "dns.opt.client.family") == [1]
    assert values(pkt, "dns.opt.client.netmask") == [24]
    assert span(pkt, "dns.opt.client.addr4") == ("192.0.2.0", U + 12 + 14 + 4 + 11 + 8, 3)
    assert values(pkt, "dns.resp.z.do") == [True]
    assert span(pkt, "dns.opt") == ("CSUBNET - Client subnet", U + 12 + 18 + 11, 11)


def test_info_for_rcode_and_other_opcodes():
    nx = dns_header(flags=0x8183) + EXAMPLE_TEST + b"\x00\x01\x00\x01"
    assert (
        info(dec(udp_frame(nx, 53, 40000)))
        == "Standard query response 0x1a2b No such name A example.test"
    )
    notify = dns_header(flags=0x2000) + EXAMPLE_TEST + b"\x00\x06\x00\x01"
    assert info(dec(udp_frame(notify))) == "Zone change notification 0x1a2b SOA example.test"
    update = dns_header(flags=0x2800, qd=1) + EXAMPLE_TEST + b"\x00\x06\x00\x01"
    pkt = dec(udp_frame(update))
    assert values(pkt, "dns.count.zones") == [1] and values(pkt, "dns.count.queries") == []


# -- DNS names: compression, loops, limits ---------------------------------------------------
def test_compression_pointer_to_itself_is_a_loop():
    msg = dns_header() + b"\xc0\x0c" + b"\x00\x01\x00\x01"
    pkt = dec(udp_frame(msg))
    assert span(pkt, "dns.qry.name") == ("<Name contains a pointer that loops>", 54, 2)
    assert pkt.get("dns.qry.name.len").value == 36
    assert "dns.name.loop" in codes(pkt)
    assert top(pkt).status == "malformed"
    assert values(pkt, "dns.qry.type") == [1]  # the record after the name still decodes


def test_compression_loop_through_labels_and_two_pointers():
    # label "a" then a pointer back to it; and two pointers aiming at each other
    one = dns_header() + b"\x01a\xc0\x0c" + b"\x00\x01\x00\x01"
    assert values(dec(udp_frame(one)), "dns.qry.name") == ["<Name contains a pointer that loops>"]
    two = dns_header(qd=2) + b"\xc0\x12\x00\x01\x00\x01" + b"\xc0\x0c\x00\x01\x00\x01"
    pkt = dec(udp_frame(two))
    assert values(pkt, "dns.qry.name") == ["<Name contains a pointer that loops>"] * 2
    assert top(pkt).status == "malformed"


def test_many_looping_records_stay_bounded():
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + b"\x01\x02\x03\x04"
    msg = dns_header(flags=0x8000, an=3000) + b"\xc0\x0c\x00\x01\x00\x01" + rr * 3000
    pkt = dec(udp_frame(msg[:65000]))
    assert len(values(pkt, "dns.resp.name")) > 2000
    assert all(v.startswith("<Name contains") for v in values(pkt, "dns.resp.name"))


def test_pointer_chains_are_bounded_by_the_hop_limit():
    """A chain of pointers without a cycle still ends after MAX_HOPS jumps (Wireshark would
    follow it; no real name needs so many, and the limit keeps hostile input cheap)."""

    def chain(n: int) -> bytes:
        q1 = b"\x01a\x00\x00\x01\x00\x01"  # offset 12: "a", type A, class IN
        links = [struct.pack("!H", 0xC000 | (12 if i == 0 else 25 + 2 * (i - 1))) for i in range(n)]
        q2 = struct.pack("!H", 0xC000 | (25 + 2 * (n - 1))) + b"\x00\x01\x00\x01"  # offset 19
        return dns_header(qd=2) + q1 + q2 + b"".join(links)

    assert values(dec(udp_frame(chain(50))), "dns.qry.name") == ["a", "a"]
    pkt = dec(udp_frame(chain(200)))
    assert values(pkt, "dns.qry.name") == ["a", "<Name contains a pointer that loops>"]
    assert "dns.name.loop" in codes(pkt)
    assert span(pkt, "dns.qry.name", 1)[1:] == (U + 19, 2)


def test_forward_pointer_is_followed():
    # the question's name points forward to a name stored in an answer, as Wireshark allows
    rr = EXAMPLE_TEST + struct.pack("!HHIH", 1, 1, 5, 4) + bytes((10, 0, 0, 2))
    msg = dns_header(flags=0x8180, an=1) + b"\xc0\x12\x00\x01\x00\x01" + rr
    pkt = dec(udp_frame(msg, 53, 40000))
    assert values(pkt, "dns.qry.name") == ["example.test"]
    assert info(pkt) == "Standard query response 0x1a2b A example.test A 10.0.0.2"


def test_pointer_past_the_end_is_malformed():
    msg = dns_header() + b"\x01a\xc0\x20" + b"\x00\x01\x00\x01"
    pkt = dec(udp_frame(msg))
    assert "dns.name.pointer.bad" in codes(pkt)
    assert top(pkt).status == "malformed"
    assert values(pkt, "dns.qry.name") == []
    assert info(pkt) == "Standard query 0x1a2b"


def test_extended_and_reserved_label_types():
    pkt = dec(udp_frame(dns_header() + b"\x81a\x00\x00\x01\x00\x01"))  # 0x80: reserved
    assert "dns.name.label.bad" in codes(pkt) and top(pkt).status == "malformed"
    # an extended label type first in the name: Wireshark gives up on the message
    pkt = dec(udp_frame(dns_header() + b"\x5e\x00\x01\x00\x01"))
    assert "dns.name.label.bad" in codes(pkt) and values(pkt, "dns.qry.name") == []
    # other extended types: Wireshark's placeholder, the name ends after the type byte
    pkt = dec(udp_frame(dns_header() + b"\x01a\x53\x00\x01\x00\x01"))
    assert span(pkt, "dns.qry.name") == ("<Unknown extended label>", 54, 3)
    assert values(pkt, "dns.qry.name.len") == [24]
    assert values(pkt, "dns.qry.type") == [1]  # read from the byte after the type byte


def _name_of(length: int) -> bytes:
    labels, left = [], length
    while left > 0:
        n = min(63, left - 2 if left - 63 == 1 else left)
        labels.append(b"x" * n)
        left -= n + 1
    return b"".join(bytes((len(x),)) + x for x in labels) + b"\x00"


def test_name_length_limit():
    ok = dns_header() + _name_of(253) + b"\x00\x01\x00\x01"
    assert values(dec(udp_frame(ok)), "dns.qry.name.len") == [253]
    long = dns_header() + _name_of(254) + b"\x00\x01\x00\x01"
    pkt = dec(udp_frame(long))
    assert span(pkt, "dns.qry.name") == ("<Name too long>", 54, 256)
    assert values(pkt, "dns.qry.name.len") == [15] and values(pkt, "dns.count.labels") == [1]


def test_root_and_odd_labels():
    pkt = dec(udp_frame(dns_header() + b"\x00\x00\x02\x00\x01"))
    assert span(pkt, "dns.qry.name") == ("<Root>", 54, 1)
    assert values(pkt, "dns.qry.name.len") == [6]
    # a dot inside a label and bytes that are not text: kept raw, escaped only on display
    odd = dns_header() + b"\x03a.b\x02\x01\x7f\x00\x00\x01\x00\x01"
    pkt = dec(udp_frame(odd))
    assert values(pkt, "dns.qry.name") == ["a.b.\x01\x7f"]
    assert values(pkt, "dns.qry.name.len") == [6] and values(pkt, "dns.count.labels") == [3]
    assert "\\x01" in pkt.get("dns.qry.name").show


# -- DNS: short, cut and contradictory messages ------------------------------------------------
def test_fewer_records_than_counted_is_malformed():
    msg = dns_header(flags=0x0100, qd=2) + EXAMPLE_TEST + b"\x00\x01\x00\x01"
    pkt = dec(udp_frame(msg))
    assert top(pkt).status == "malformed" and "dns.malformed" in codes(pkt)
    assert values(pkt, "dns.qry.name") == ["example.test"]
    assert info(pkt) == "Standard query 0x1a2b A example.test"


def test_tiny_messages():
    pkt = dec(udp_frame(b"\x12"))
    assert names(pkt)[-1] == "dns" and values(pkt, "dns.id") == [] and pkt.status == "malformed"
    pkt = dec(udp_frame(b"\x12\x34\x01\x00\x00"))
    assert values(pkt, "dns.id") == [0x1234] and values(pkt, "dns.flags") == [0x0100]
    assert values(pkt, "dns.count.queries") == []
    assert info(pkt) == "Standard query 0x1234"


def test_snaplen_cut_response_is_truncated():
    frame = udp_frame(RESPONSE, 53, 43966)
    pkt = dec(frame[:98], wirelen=len(frame))  # as tcpdump dns_udp_2.pcap frame 2
    assert top(pkt).status == "truncated" and "dns.truncated" in codes(pkt)
    assert values(pkt, "dns.a") == ["192.139.46.66"]
    # the second answer's owner, type and class fit but its TTL does not: nothing of it is shown
    assert len(values(pkt, "dns.resp.name")) == 1
    assert info(pkt) == "Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66"


def test_first_ip_fragment_is_noted_not_malformed():
    # as nDPI badpackets.pcap: more-fragments set, UDP length covering the whole datagram
    msg = RESPONSE[:100]
    udp = struct.pack("!HHHH", 53, 40000, 8 + len(RESPONSE), 0)
    frame = bytes.fromhex("001122334455 66778899aabb 0800") + _ip(17, udp + msg, 0x2000) + udp + msg
    pkt = dec(frame)
    assert names(pkt)[-1] == "dns" and top(pkt).status == "ok"
    assert "dns.fragment" in codes(pkt) and "dns.malformed" not in codes(pkt)
    assert values(pkt, "dns.a") == ["192.139.46.66", "198.199.88.104"]


# -- DNS over TCP ------------------------------------------------------------------------------
def _msg(ident: int, qtype: int = 1) -> bytes:
    return dns_header(ident=ident) + EXAMPLE_TEST + struct.pack("!HH", qtype, 1)


def _prefixed(m: bytes) -> bytes:
    return struct.pack("!H", len(m)) + m


def test_tcp_length_prefix():
    pkt = dec(tcp_frame(_prefixed(_msg(0x1A2B))))
    assert names(pkt) == ["eth", "ip", "tcp", "dns"]
    assert span(pkt, "dns.length") == (30, 54, 2)
    assert span(pkt, "dns.id") == (0x1A2B, 56, 2)
    assert span(pkt, "dns.qry.name") == ("example.test", 68, 14)
    assert info(pkt) == "Standard query 0x1a2b A example.test"
    assert pkt.status == "ok"


def test_tcp_two_messages_in_one_segment():
    pkt = dec(tcp_frame(_prefixed(_msg(0x1111)) + _prefixed(_msg(0x2222, 28))))
    assert names(pkt) == ["eth", "ip", "tcp", "dns", "dns"]
    assert [layer.value("dns.id") for layer in pkt.layers[-2:]] == [0x1111, 0x2222]
    assert span(pkt, "dns.length", 1) == (30, 86, 2)
    assert info(pkt) == "Standard query 0x2222 AAAA example.test"


def test_tcp_partial_message_is_noted_not_malformed():
    pkt = dec(tcp_frame(_prefixed(_msg(0x1A2B))[:20]))
    assert "dns.length.partial" in codes(pkt)
    assert pkt.status == "ok"
    assert values(pkt, "dns.id") == [0x1A2B] and values(pkt, "dns.qry.name") == []
    assert info(pkt) == "Standard query 0x1a2b"
    pkt = dec(tcp_frame(b"\x00"))  # one byte: not even the length
    assert names(pkt)[-1] == "dns" and values(pkt, "dns.length") == []
    assert pkt.status == "ok" and "dns.length.partial" in codes(pkt)


# -- mDNS and LLMNR ----------------------------------------------------------------------------
def test_mdns_query_unicast_response_bit():
    msg = dns_header(ident=0, flags=0) + EXAMPLE_TEST + b"\x00\xff\x80\x01"
    pkt = dec(udp_frame(msg, 5353, 5353))
    assert names(pkt)[-1] == "mdns"
    assert top(pkt).title == "Multicast Domain Name System (query)"
    cls = pkt.get("dns.qry.class")
    assert (cls.value, cls.pos, cls.len, cls.mask) == (1, 70, 2, 0x7FFF)
    qu = pkt.get("dns.qry.qu")
    assert (qu.value, qu.mask) == (True, 0x8000)
    assert info(pkt) == 'Standard query 0x0000 ANY example.test, "QU" question'
    assert pkt.get("dns.query").value == 'example.test: type ANY, class IN, "QU" question'


def test_mdns_response_cache_flush():
    rr = _answer(1, bytes((10, 0, 0, 2)), rclass=0x8001)
    msg = dns_header(ident=0, flags=0x8400, qd=0, an=1) + rr.replace(b"\xc0\x0c", EXAMPLE_TEST, 1)
    pkt = dec(udp_frame(msg, 5353, 5353))
    assert values(pkt, "dns.resp.cache_flush") == [True]
    assert values(pkt, "dns.resp.class") == [1]
    assert info(pkt) == "Standard query response 0x0000 A, cache flush 10.0.0.2"
    assert (
        pkt.get("dns.answer").value == "example.test: type A, class IN, cache flush, addr 10.0.0.2"
    )


def test_llmnr_flags():
    msg = dns_header(ident=0xA706, flags=0x0000) + b"\x04wpad\x00\x00\x01\x00\x01"
    pkt = dec(udp_frame(msg, 57828, 5355))
    assert names(pkt)[-1] == "llmnr"
    kids = [c.name for c in pkt.get("dns.flags").children]
    assert kids == ["dns.flags.response", "dns.flags.opcode", "dns.flags.conflict",
                    "dns.flags.truncated", "dns.flags.tentative"]  # fmt: skip
    assert info(pkt) == "Standard query 0xa706 A wpad"


# -- DNS heuristic on other UDP ports ----------------------------------------------------------
def test_heuristic_finds_dns_on_other_ports():
    pkt = dec(udp_frame(QUERY, 43757, 8053))  # tcpdump dns_udp_8053.pcap
    assert names(pkt)[-1] == "dns"
    pkt = dec(udp_frame(RESPONSE, 8053, 43757))
    assert names(pkt)[-1] == "dns"


def test_heuristic_rejects_lookalikes():
    # the NetBIOS name service's port: NBNS's (its own decoder), never the DNS heuristic's
    assert names(dec(udp_frame(QUERY, 137, 40000)))[-1] == "nbns"
    assert names(dec(udp_frame(QUERY[:-3], 40001, 40000)))[-1] == "data"  # OPT cut short
    assert names(dec(udp_frame(b"\x00" * 40, 40001, 40000)))[-1] == "data"  # no records
    assert names(dec(udp_frame(dns_header(qd=2) + EXAMPLE_TEST * 2, 40001, 40000)))[-1] == "data"


# -- DHCP --------------------------------------------------------------------------------------
# DHCP Discover, arkime wireshark-dhcp.pcap frame 1 (272 bytes): BOOTP header, client MAC
# 00:0b:82:01:fc:42, empty sname/file, cookie, options 53 (Discover), 61 (client id),
# 50 (requested 0.0.0.0), 55 (1 3 6 42), End, 7 bytes of padding.
DISCOVER = (
    bytes.fromhex("0101060000003d1d0000000000000000000000000000000000000000000b8201fc42")
    + bytes(202)
    + bytes.fromhex("638253633501013d0701000b8201fc4232040000000037040103062aff00000000000000")
)


def test_dhcp_discover_header():
    pkt = dec(udp_frame(DISCOVER, 68, 67))
    assert names(pkt) == ["eth", "ip", "udp", "dhcp"]
    assert span(pkt, "dhcp.type") == (1, 42, 1)
    assert pkt.get("dhcp.type").show == "Boot Request (1)"
    assert span(pkt, "dhcp.hw.type") == (1, 43, 1)
    assert span(pkt, "dhcp.hw.len") == (6, 44, 1)
    assert span(pkt, "dhcp.id") == (0x3D1D, 46, 4)
    assert span(pkt, "dhcp.secs") == (0, 50, 2)
    assert span(pkt, "dhcp.flags") == (0, 52, 2)
    assert pkt.get("dhcp.flags.bc").mask == 0x8000
    assert span(pkt, "dhcp.ip.client") == ("0.0.0.0", 54, 4)
    assert span(pkt, "dhcp.ip.relay") == ("0.0.0.0", 66, 4)
    assert span(pkt, "dhcp.hw.mac_addr") == ("00:0b:82:01:fc:42", 70, 6)
    assert span(pkt, "dhcp.hw.addr_padding") == (bytes(10), 76, 10)
    assert span(pkt, "dhcp.server") == ("", 86, 64)
    assert span(pkt, "dhcp.file") == ("", 150, 128)
    assert span(pkt, "dhcp.cookie") == ("99.130.83.99", 278, 4)
    assert info(pkt) == "DHCP Discover - Transaction ID 0x3d1d"
    assert top(pkt).title == "Dynamic Host Configuration Protocol (Discover)"


def test_dhcp_discover_options():
    pkt = dec(udp_frame(DISCOVER, 68, 67))
    opts = [(f.value, f.pos, f.len) for f in pkt.find("dhcp.option.type")]
    assert opts == [(53, 282, 3), (61, 285, 9), (50, 294, 6), (55, 300, 6), (255, 306, 1)]
    assert pkt.get("dhcp.option.type").show == "(53) DHCP Message Type"  # as tshark -V
    assert span(pkt, "dhcp.option.length") == (1, 283, 1)
    assert span(pkt, "dhcp.option.dhcp") == (1, 284, 1)
    assert pkt.get("dhcp.option.dhcp").show == "Discover (1)"
    assert span(pkt, "dhcp.hw.mac_addr", 1) == ("00:0b:82:01:fc:42", 288, 6)
    assert span(pkt, "dhcp.option.requested_ip_address") == ("0.0.0.0", 296, 4)
    assert values(pkt, "dhcp.option.request_list_item") == [1, 3, 6, 42]
    assert span(pkt, "dhcp.option.end") == (255, 306, 1)
    assert span(pkt, "dhcp.option.padding") == (bytes(7), 307, 7)
    assert pkt.status == "ok" and not [i for i in pkt.issues if i.code.startswith("dhcp")]


# BOOTP reply: xid 0x1234, broadcast flag, yiaddr 192.168.1.10, chaddr 00:11:22:33:44:00.
BOOTP = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, 0x1234, 0, 0x8000, bytes(4),
                    bytes((192, 168, 1, 10)), bytes(4), bytes(4), bytes.fromhex("001122334400"),
                    b"", b"")  # fmt: skip


def _dhcp(options: bytes, head: bytes = BOOTP) -> bytes:
    return head + b"\x63\x82\x53\x63" + options


def test_dhcp_typed_options_and_padding_run():
    opts = (
        b"\x35\x01\x02\x00\x00\x00"  # Offer, then three Pad bytes
        + b"\x01\x04\xff\xff\xff\x00\x03\x08\xc0\xa8\x01\x01\xc0\xa8\x01\x02"
        + b"\x33\x04\x00\x00\xa8\xc0\x0c\x04host\x0f\x05ex\x00zz\x02\x04\xff\xff\xff\xf0"
        + b"\x1a\x02\x05\xdc\x13\x01\x01\x3d\x05\x00abcd\xff"
    )
    pkt = dec(udp_frame(_dhcp(opts), 67, 68))
    base = U + 240
    assert span(pkt, "dhcp.option.padding") == (bytes(3), base + 3, 3)
    assert span(pkt, "dhcp.option.subnet_mask") == ("255.255.255.0", base + 8, 4)
    assert values(pkt, "dhcp.option.router") == ["192.168.1.1", "192.168.1.2"]
    assert values(pkt, "dhcp.option.ip_address_lease_time") == [43200]
    assert values(pkt, "dhcp.option.hostname") == ["host"]
    assert values(pkt, "dhcp.option.domain_name") == ["ex"]  # up to the NUL, as FT_STRINGZ
    assert values(pkt, "dhcp.option.time_offset") == [-16]
    assert values(pkt, "dhcp.option.interface_mtu") == [1500]
    assert values(pkt, "dhcp.option.ip_forwarding") == [True]
    assert values(pkt, "dhcp.client_id.type") == [0]
    assert values(pkt, "dhcp.client_id.undef") == ["abcd"]
    assert info(pkt) == "DHCP Offer    - Transaction ID 0x1234"
    assert values(pkt, "dhcp.flags.bc") == [True]
    assert values(pkt, "dhcp.ip.your") == ["192.168.1.10"]


def test_dhcp_bad_option_length_is_an_issue():
    pkt = dec(udp_frame(_dhcp(b"\x35\x01\x01\x01\x03abc\x21\x03abc\xff"), 68, 67))
    bad = [i for i in pkt.issues if i.code == "dhcp.bad_length"]
    assert len(bad) == 2 and bad[0].group == "protocol" and bad[0].severity == "error"
    assert values(pkt, "dhcp.option.subnet_mask") == []
    assert values(pkt, "dhcp.option.value")[1] == b"abc"


def test_dhcp_option_overrunning_the_datagram_is_malformed():
    pkt = dec(udp_frame(_dhcp(b"\x35\x01\x01\x37\x10\x01\x03"), 68, 67))
    assert top(pkt).status == "malformed"
    assert span(pkt, "dhcp.option.length", 1) == (16, U + 244, 1)
    assert info(pkt) == "DHCP Discover - Transaction ID 0x1234"


def test_bootp_without_cookie():
    pkt = dec(udp_frame(BOOTP + bytes(64), 67, 68))
    assert values(pkt, "dhcp.cookie") == []
    assert span(pkt, "dhcp.vendor_specific_options") == (bytes(64), U + 236, 64)
    assert info(pkt) == "Boot Reply"
    req = b"\x01" + BOOTP[1:]
    pkt = dec(udp_frame(req + b"\x63\x82\x53\x63\xff", 68, 67))
    assert info(pkt) == "Boot Request from 00:11:22:33:44:00 (00:11:22:33:44:00)"
    short = dec(udp_frame(BOOTP + b"abcd", 67, 68))  # neither cookie nor a full vendor area
    assert top(short).status == "malformed"


def test_dhcp_little_endian_seconds_and_other_hardware():
    head = bytearray(BOOTP)
    head[8:10] = b"\x1a\x00"  # 26 seconds written little-endian
    head[1], head[2] = 6, 8  # IEEE 802, 8-byte address
    pkt = dec(udp_frame(_dhcp(b"\xff", bytes(head)), 67, 68))
    assert values(pkt, "dhcp.secs") == [26] and "dhcp.secs_le" in codes(pkt)
    assert span(pkt, "dhcp.hw.addr") == (bytes.fromhex("0011223344000000"), U + 28, 8)
    assert span(pkt, "dhcp.hw.addr_padding") == (bytes(8), U + 36, 8)


# -- NTP ---------------------------------------------------------------------------------------
# tcpdump ntp.pcap frame 1: NTPv4 client, transmit time only, key id 8 and a 20-byte MAC.
NTP_CLIENT = bytes.fromhex(
    "23000020000000000000000000000000000000000000000000000000000000000000000000000000a4b39cd101fb24bf"
    "0000000857ea530f6d74350cc5286bfec1ab8ca747c73584"
)
# frame 2: the server's answer (stratum 0 kiss code STEP), key id 0 and no MAC.
NTP_SERVER = bytes.fromhex(
    "e40003e9000000000000005a535445500000000000000000a4b39cd101fb24bfdcf25a3984199119dcf25a39841d6dc5"
    "00000000"
)


def test_ntp_client():
    pkt = dec(udp_frame(NTP_CLIENT, 123, 123))
    assert names(pkt) == ["eth", "ip", "udp", "ntp"]
    flags = pkt.get("ntp.flags")
    assert (flags.value, flags.pos, flags.len) == (0x23, 42, 1)
    assert [(c.name, c.value, c.mask) for c in flags.children] == [
        ("ntp.flags.li", 0, 0xC0), ("ntp.flags.vn", 4, 0x38), ("ntp.flags.mode", 3, 0x07),
    ]  # fmt: skip
    assert span(pkt, "ntp.stratum") == (0, 43, 1)
    assert span(pkt, "ntp.precision") == (32, 45, 1)
    assert span(pkt, "ntp.refid") == (bytes(4), 54, 4)
    assert span(pkt, "ntp.reftime") == (None, 58, 8)
    assert pkt.get("ntp.reftime").show == "NULL"
    xmt = pkt.get("ntp.xmt")
    assert (xmt.value, xmt.pos, xmt.len) == (554245713007738396, 82, 8)
    assert xmt.show == "Jul 25, 1987 21:08:33.007738396 UTC"
    assert span(pkt, "ntp.keyid") == (bytes.fromhex("00000008"), 90, 4)
    assert span(pkt, "ntp.mac")[1:] == (94, 20)
    assert info(pkt) == "NTP Version 4, client"
    assert top(pkt).title == "Network Time Protocol (NTP Version 4, client)"


def test_ntp_server():
    pkt = dec(udp_frame(NTP_SERVER, 123, 123))
    assert values(pkt, "ntp.flags.li") == [3] and values(pkt, "ntp.flags.mode") == [4]
    assert pkt.get("ntp.ppoll").show == "invalid (3)"
    assert pkt.get("ntp.precision").show == "0.000000 seconds"
    assert span(pkt, "ntp.rootdispersion") == (90, 50, 4)
    assert pkt.get("ntp.rootdispersion").show == "0.001373 seconds"
    assert span(pkt, "ntp.refid") == (b"STEP", 54, 4)
    assert pkt.get("ntp.refid").show == "Unidentified reference source 'STEP'"
    assert pkt.get("ntp.rec").show == "Jun 19, 2017 14:12:09.516015118 UTC"
    assert span(pkt, "ntp.keyid") == (bytes(4), 90, 4) and values(pkt, "ntp.mac") == []
    assert info(pkt) == "NTP Version 4, server"


def test_ntp_time_eras():
    assert ntp_time_ns(bytes(8)) is None
    assert ntp_time_ns(bytes.fromhex("8000000000000000")) == (0x80000000 - 2208988800) * 10**9
    # top bit clear: era 1, after 2036-02-07 06:28:16 UTC
    assert ntp_time_ns(bytes.fromhex("0000000180000000")) == (2085978496 + 1) * 10**9 + 500_000_000


def test_ntp_extension_field():
    ext = struct.pack("!HH", 0x0104, 28) + bytes(24)
    pkt = dec(udp_frame(NTP_SERVER[:48] + ext + bytes(4), 123, 123))
    assert span(pkt, "ntp.ext.type") == (0x0104, U + 48, 2)
    assert span(pkt, "ntp.ext.length") == (28, U + 50, 2)
    assert span(pkt, "ntp.ext.value") == (bytes(24), U + 52, 24)
    assert span(pkt, "ntp.keyid")[1:] == (U + 76, 4)


def test_ntp_control_message():
    msg = bytes((0x16, 0x82)) + struct.pack("!HHHHH", 1, 0x0615, 0, 0, 5) + b"ab=1," + bytes(3)
    pkt = dec(udp_frame(msg, 123, 123))
    assert info(pkt) == "NTP Version 2, control"
    assert span(pkt, "ntp.ctrl.flags2") == (0x82, 43, 1)
    assert values(pkt, "ntp.ctrl.flags2.r") == [True]
    assert values(pkt, "ntp.ctrl.flags2.opcode") == [2]
    assert span(pkt, "ntp.ctrl.status") == (0x0615, 46, 2)
    assert span(pkt, "ntp.ctrl.count") == (5, 52, 2)
    assert span(pkt, "ntp.ctrl.data") == (b"ab=1,", 54, 5)
    assert span(pkt, "ntp.padding") == (bytes(3), 59, 3)
    assert values(pkt, "ntp.stratum") == []


def test_ntp_private_message():
    msg = bytes((0x17, 0x00, 0x03, 0x2A)) + bytes(4) + bytes(40)
    pkt = dec(udp_frame(msg, 123, 123))
    assert info(pkt) == "NTP Version 2, private, Request, MON_GETLIST_1"
    kids = [c.name for c in pkt.get("ntp.flags").children]
    assert kids == ["ntp.priv.flags.r", "ntp.priv.flags.more", "ntp.flags.vn", "ntp.flags.mode"]
    assert span(pkt, "ntp.priv.impl") == (3, 44, 1)
    assert span(pkt, "ntp.priv.reqcode") == (42, 45, 1)
    assert pkt.get("ntp.priv.numitems").mask == 0x0FFF
    assert span(pkt, "ntp.priv.data") == (bytes(40), 50, 40)


def test_ntp_short_packets():
    pkt = dec(udp_frame(b"\x23\x00", 123, 123))
    assert values(pkt, "ntp.stratum") == [0] and values(pkt, "ntp.ppoll") == []
    assert top(pkt).status == "malformed"
    assert info(pkt) == "NTP Version 4, client"
    frame = udp_frame(NTP_CLIENT, 123, 123)
    cut = dec(frame[:80], wirelen=len(frame))
    assert top(cut).status == "truncated" and values(cut, "ntp.rec") == []


# -- the copied captures agree with tshark ------------------------------------------------------
TRACKED = ("dns.id", "dns.flags", "dns.qry.name", "dns.qry.type", "dns.a", "dns.aaaa",
           "dhcp.option.dhcp", "udp.srcport", "udp.dstport", "udp.length", "udp.checksum")  # fmt: skip
MINE = {"dns", "mdns", "llmnr", "dhcp", "ntp"}


def occurrences(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(
    "name", sorted(p.name for p in DATA.glob("*.pcap*") if p.suffix != ".json")
)
def test_capture_agrees_with_tshark(name):
    expected = {p["n"]: p for p in json.loads((DATA / f"{name}.json").read_text())["packets"]}
    for rec in open_capture(str(DATA / name)):
        pkt = decode(rec.data, rec.linktype, wirelen=rec.wirelen, strict=True)
        exp = expected[rec.number]
        assert [x for x in names(pkt) if x in MINE] == [x for x in exp["layers"] if x in MINE]
        if any(layer.name in MINE for layer in pkt.layers):
            assert (pkt.status == "truncated") == exp["truncated"], rec.number
        for fname in TRACKED:
            want = [
                (o["value"], o["pos"], o["len"]) for o in occurrences(exp["fields"].get(fname, []))
            ]
            got = [(f.value, f.pos, f.len) for f in pkt.find(fname)]
            assert got == want, (rec.number, fname)


# -- robustness -------------------------------------------------------------------------------
FIXTURES = {
    "dns-query": udp_frame(QUERY),
    "dns-response": udp_frame(RESPONSE, 53, 40000),
    "dns-tcp": tcp_frame(_prefixed(_msg(1)) + _prefixed(_msg(2))),
    "mdns": udp_frame(
        dns_header(flags=0x8400, qd=0, an=1) + _answer(1, bytes(4), EXAMPLE_TEST, 0x8001),
        5353,
        5353,
    ),
    "dhcp": udp_frame(DISCOVER, 68, 67),
    "ntp": udp_frame(NTP_CLIENT, 123, 123),
    "ntp-ctrl": udp_frame(
        bytes((0x16, 0x82)) + struct.pack("!HHHHH", 1, 0, 0, 0, 5) + b"ab=1,", 123, 123
    ),
    "ntp-priv": udp_frame(bytes((0x17, 0, 3, 42)) + bytes(12), 123, 123),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_truncation_decodes(name):
    sweep(FIXTURES[name])


@settings(max_examples=300, deadline=None)
@given(
    payload=st.binary(max_size=400),
    port=st.sampled_from([53, 5353, 5355, 67, 68, 123, 8053]),
    tcp=st.booleans(),
)
def test_arbitrary_payloads_never_raise(payload, port, tcp):
    frame = tcp_frame(payload, 40000, port) if tcp else udp_frame(payload, 40000, port)
    assert_spans_inside(dec(frame))


@settings(max_examples=200, deadline=None)
@given(body=st.binary(min_size=0, max_size=120), counts=st.tuples(*[st.integers(0, 5)] * 4))
def test_dns_shaped_garbage_never_raises(body, counts):
    """Valid header and counts, random records: names, pointers and lengths all hostile."""
    msg = dns_header(flags=0x8180, qd=counts[0], an=counts[1], ns=counts[2], ar=counts[3]) + body
    for frame in (udp_frame(msg, 53, 40000), udp_frame(msg, 5353, 5353), tcp_frame(_prefixed(msg))):
        assert_spans_inside(dec(frame))
