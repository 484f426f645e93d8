"""MPLS (dissect/protocols/mpls.py): the label stack and the payload guess, against tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every mpls.* and pweth.* field and the protocol list (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"


def frames(name: str) -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_mpls_agrees_with_tshark():
    assert compare(DATA / "crafted_mpls.pcap") == []
    assert compare(DATA / "pcapplusplus_MplsPackets.pcap") == []


def test_label_stack_spans_and_masks():
    pkt = decode(frames("crafted_mpls.pcap")[1], 1, strict=True)
    assert names(pkt) == ["eth", "mpls", "ipv6", "icmpv6"]
    assert [f.value for f in pkt.find("mpls.label")] == [1000, 2000]
    assert field_span(pkt, "mpls.label", 1) == (2000, 18, 4, 0xFFFFF000)
    assert field_span(pkt, "mpls.bottom", 1) == (1, 18, 4, 0x100)
    assert field_span(pkt, "mpls.ttl", 0) == (255, 14, 4, 0xFF)
    assert pkt.layer("mpls").title.startswith(
        "MultiProtocol Label Switching Header, Label: 1000, Exp: 0, S: 0, TTL: 255"
    )


def test_payload_guess():
    ipv4 = decode(frames("crafted_mpls.pcap")[0], 1, strict=True)
    assert names(ipv4)[2:] == ["ip", "icmp"]
    cw = decode(frames("crafted_mpls.pcap")[3], 1, strict=True)
    assert names(cw)[2:4] == ["pwethheuristic", "pwethcw"]
    assert field_span(cw, "pweth.cw.sequence_number") == (0, 20, 2, 0)
    plain = decode(frames("crafted_mpls.pcap")[4], 1, strict=True)
    assert names(plain)[2:] == ["pwethheuristic", "pwethnocw", "eth", "ip", "icmp"]


def test_special_label_and_cut_stack():
    null = decode(frames("crafted_mpls.pcap")[6], 1, strict=True)
    assert null.get("mpls.label").show == "IPv4 Explicit-Null (0)"
    cut = frames("crafted_mpls.pcap")[5]
    assert decode(cut, 1, wirelen=60, strict=True).layer("mpls").status == "truncated"


def test_every_truncation_of_every_frame():
    for frame in frames("crafted_mpls.pcap"):
        check_every_truncation(frame, 1)
