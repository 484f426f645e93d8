"""PIM version 2 (IP protocol 103): header, checksum (over the header alone for a Register,
with IPv6's pseudo-header over IPv6), Hello options as tshark shows them.

tests/data/services/tcpdump_various_gre.pcap is tcpdump's test capture (attribution in
ATTRIBUTION.md there): two PIM Hellos inside GRE with Cisco MetaData; its expectations are
tshark 4.0.17's every pim.* field (`python -m tests.services_tshark --write`).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from dissect.engine import columns, decode
from tests.services_tshark import LAYERS, compare, expected, packets
from tests.spans import check_every_truncation, check_spans, issue_codes, values

CAPTURE = "tcpdump_various_gre.pcap"


def pim_packets():
    return [p for p in packets(CAPTURE) if p.layer("pim") is not None]


def test_fields_agree_with_tshark():
    """Every pim.* field of tshark's at its position with its value; the checksum status is
    our word for tshark's enum (1 = good)."""
    exp, agreed = expected(CAPTURE), 0
    for pkt in pim_packets():
        missing, _extra, wrong = compare(pkt, exp[pkt.number], LAYERS[CAPTURE])
        assert missing == [], missing
        assert [(k[0], ours, theirs) for k, ours, theirs in wrong] == [
            ("pim.cksum.status", "good", "1")]  # fmt: skip
        agreed += len(exp[pkt.number])
    assert agreed == 42


def test_info_and_options():
    # tshark -Y pim -T fields -e _ws.col.Protocol -e _ws.col.Info: "PIMv2 Hello"
    pkt = pim_packets()[0]
    assert columns(pkt)[2:4] == ("PIMv2", "Hello")
    assert values(pkt, "pim.holdtime") == [105]
    assert values(pkt, "pim.generation_id") == [635705103]
    assert values(pkt, "pim.optiontype") == [1, 20, 19, 21, 65004]


def _ones(data: bytes) -> int:
    data += b"\0" * (len(data) & 1)
    s = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def test_register_checksum_covers_its_header_only():
    inner = bytes.fromhex("450000140001000040ff0000c0000201e0000001")  # the tunnelled packet
    head = bytearray(bytes.fromhex("21000000 00000000"))  # type 1 and the Register's flags
    head[2:4] = _ones(bytes(head)).to_bytes(2, "big")
    ip = IP(src="192.0.2.1", dst="192.0.2.2", proto=103)
    pkt = decode(bytes(Ether() / ip / Raw(bytes(head) + inner)), 1, strict=True)
    assert values(pkt, "pim.cksum.status") == ["good"] and columns(pkt)[3] == "Register"


def test_ipv6_checksum_has_a_pseudo_header():
    src, dst = bytes.fromhex("fe80" + "00" * 13 + "01"), bytes.fromhex("ff02" + "00" * 13 + "0d")
    hello = bytearray(bytes.fromhex("20000000 0001 0002 0069"))
    pseudo = src + dst + len(hello).to_bytes(4, "big") + bytes(3) + b"\x67"
    hello[2:4] = _ones(pseudo + bytes(hello)).to_bytes(2, "big")
    ip6 = IPv6(src="fe80::1", dst="ff02::d", nh=103, hlim=1)
    pkt = decode(bytes(Ether() / ip6 / Raw(bytes(hello))), 1, strict=True)
    assert values(pkt, "pim.cksum.status") == ["good"]
    assert values(pkt, "pim.holdtime") == [105]


def test_option_running_past_the_message_is_malformed():
    frame = bytearray(pim_packets()[0].data)
    frame[80:82] = (12336).to_bytes(2, "big")  # the first option's length
    pkt = decode(bytes(frame), 1, strict=True)
    assert "pim.optionlength.bad" in issue_codes(pkt) and pkt.layer("pim").status == "malformed"


def test_every_truncation_decodes():
    check_every_truncation(pim_packets()[0].data, 1)


@settings(max_examples=300, deadline=None)
@given(at=st.integers(0, 120), byte=st.integers(0, 255))
def test_mutations_never_raise(at, byte):
    frame = bytearray(pim_packets()[0].data)
    frame[at % len(frame)] = byte
    check_spans(decode(bytes(frame), 1, strict=True))
