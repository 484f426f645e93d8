"""VRRP v2 and v3 (dissect/protocols/vrrp.py) against tshark.

tests/data/tunnels/crafted_vrrp.pcap (ATTRIBUTION.md there); its `.fields.json` holds what
tshark 4.0.17 shows of every vrrp.* field (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, values
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# a wrong checksum: tshark's expert item is a field, its right value our .calculated field
DIFFS = frozenset({"vrrp.checksum_bad.expert", "vrrp.checksum.calculated"})


def frames() -> list[bytes]:
    with open_capture(str(DATA / "crafted_vrrp.pcap")) as idx:
        return [r.data for r in idx]


def test_vrrp_agrees_with_tshark():
    assert compare(DATA / "crafted_vrrp.pcap", DIFFS) == []


def test_v2_fields_and_auth_string():
    pkt = decode(frames()[1], 1, strict=True)
    assert field_span(pkt, "vrrp.version") == (2, 34, 1, 0xF0)
    assert values(pkt, "vrrp.ip_addr") == ["10.0.0.1", "10.0.0.5"]
    assert pkt.value("vrrp.auth_string") == "abcdefgh"
    assert pkt.get("vrrp.prio").show == (
        "This VRRP router owns the virtual router's IP address(es) (255)"
    )
    assert columns(pkt)[3] == "Announcement (v2)"


def test_v3_checksum_with_pseudo_header_over_both_ips():
    for frame in frames()[2:4]:
        pkt = decode(frame, 1, strict=True)
        assert pkt.value("vrrp.checksum.status") == "good"
        assert pkt.value("vrrp.short_adver_int") == 100
    assert decode(frames()[3], 1).value("vrrp.ipv6_addr") == "fe80::1"


def test_bad_checksum_and_cut():
    bad = decode(frames()[4], 1, strict=True)
    assert "vrrp.checksum.bad" in issue_codes(bad)
    cut = decode(frames()[5], 1, wirelen=58, strict=True)
    assert cut.value("vrrp.checksum.status") == "unverified"
    assert "frame.snaplen_cut" in issue_codes(cut)  # the addresses are all there


def test_every_truncation_of_every_frame():
    for frame in frames():
        check_every_truncation(frame, 1)
