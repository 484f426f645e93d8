"""GRE (dissect/protocols/gre.py) and IP-in-IP (4in4, 6in4, 4in6, 6in6) against tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every gre.* field: value, span and bit mask, the protocol list and the Info
column (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# tshark names the wrong checksum's expert item as a field and shows the right value in its
# text; we show the right value as gre.checksum.calculated, as for every other checksum
CHECKSUM_DIFFS = frozenset({"gre.checksum.incorrect", "gre.checksum.calculated"})
PPP_IN_GRE = 6  # crafted_gre #6: PPTP carries PPP, decoded by ppp.py when present


def frames(name: str) -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_crafted_gre_agrees_with_tshark():
    assert compare(DATA / "crafted_gre.pcap", CHECKSUM_DIFFS, frozenset({PPP_IN_GRE})) == []


def test_real_gre_agrees_with_tshark():
    # PcapPlusPlus GrePackets: #1 and #6 carry PPP, #5 RIP (not decoded here)
    assert compare(DATA / "pcapplusplus_GrePackets.pcap", packets=frozenset({1, 5, 6})) == []


def test_ip_in_ip_agrees_with_tshark():
    assert compare(DATA / "crafted_ipip.pcap") == []


def test_optional_fields_spans_and_checksum():
    pkt = decode(frames("crafted_gre.pcap")[1], 1, strict=True)
    assert names(pkt) == ["eth", "ip", "gre", "ip", "icmp", "data"]
    assert field_span(pkt, "gre.flags_and_version") == (0xB000, 34, 2, 0)
    assert field_span(pkt, "gre.flags.key") == (True, 34, 2, 0x2000)
    assert field_span(pkt, "gre.checksum") == (0x35A1, 38, 2, 0)
    assert field_span(pkt, "gre.checksum.status")[0] == "good"
    assert field_span(pkt, "gre.key") == (0x1234, 42, 4, 0)
    assert field_span(pkt, "gre.sequence_number") == (42, 46, 4, 0)
    assert pkt.layer("gre").title == "Generic Routing Encapsulation (IP)"


def test_wrong_checksum_is_a_warning_with_the_right_value():
    pkt = decode(frames("crafted_gre.pcap")[2], 1, strict=True)
    assert "gre.checksum.bad" in issue_codes(pkt)
    assert field_span(pkt, "gre.checksum.calculated")[0] == 0x77FF
    assert pkt.status == "ok"  # a wrong checksum is not a malformed packet


def test_ethernet_over_gre_and_keepalive():
    pkt = decode(frames("crafted_gre.pcap")[3], 1, strict=True)
    assert names(pkt) == ["eth", "ip", "gre", "eth", "arp"]
    keepalive = decode(frames("crafted_gre.pcap")[7], 1, strict=True)
    gre = keepalive.layer("gre")
    assert gre.protocol.info(gre) == "Encapsulated Possible GRE keepalive packet"


def test_cut_optional_fields_are_truncated_not_raised():
    frame = frames("crafted_gre.pcap")[8]
    pkt = decode(frame, 1, wirelen=75, strict=True)
    assert pkt.layer("gre").status == "truncated"
    short = decode(frame, 1, strict=True)  # the same bytes with no capture cut: malformed
    assert short.layer("gre").status == "malformed"


def test_every_truncation_of_every_frame():
    for frame in frames("crafted_gre.pcap") + frames("crafted_ipip.pcap"):
        check_every_truncation(frame, 1)


def test_cisco_metadata_in_gre():
    # crafted_gre #10: GRE type 0x8909, Cisco MetaData (type first, as Wireshark reads it)
    pkt = decode(frames("crafted_gre.pcap")[9], 1, strict=True)
    assert names(pkt) == ["eth", "ip", "gre", "cmd", "ip", "icmp", "data"]
    assert field_span(pkt, "cmd.sgt") == (7, 44, 2, 0)
