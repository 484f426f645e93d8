"""VXLAN and Geneve (dissect/protocols/vxlan.py, geneve.py) against tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every vxlan.* / geneve.* field (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
SSH: frozenset[str] = frozenset()  # the Geneve capture's inner SSH: decoded (ssh.py)


def frames(name: str) -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_vxlan_agrees_with_tshark():
    # crafted #3 is cut inside the VXLAN header: tshark leaves the Info column empty there,
    # our list keeps UDP's (an empty Info is never shown)
    assert compare(DATA / "crafted_vxlan.pcap", packets=frozenset({3})) == []
    assert compare(DATA / "tcpdump_vxlan.pcap") == []
    assert compare(DATA / "pcapplusplus_Vxlan1.pcap") == []


def test_geneve_agrees_with_tshark():
    assert compare(DATA / "crafted_geneve.pcap") == []
    assert compare(DATA / "tcpdump_geneve.pcap", elsewhere=SSH) == []


def test_vxlan_fields_and_inner_frame():
    pkt = decode(frames("crafted_vxlan.pcap")[1], 1, strict=True)
    assert names(pkt) == ["eth", "ip", "udp", "vxlan", "eth", "ip", "icmp", "data"]
    assert field_span(pkt, "vxlan.flag_g") == (True, 42, 2, 0x8000)
    assert field_span(pkt, "vxlan.gbp") == (0x1234, 44, 2, 0)
    assert field_span(pkt, "vxlan.vni") == (0xFFFFFF, 46, 3, 0)
    flags = pkt.get("vxlan.flags")
    assert flags.show == "0x8800, GBP Extension, VXLAN Network ID (VNI)"


def test_geneve_options():
    pkt = decode(frames("crafted_geneve.pcap")[1], 1, strict=True)
    assert pkt.layer("geneve").title == (
        "Generic Network Virtualization Encapsulation, VNI: 0x000007, OAM"
    )
    assert [f.pos for f in pkt.find("geneve.option")] == [50, 58, 70]
    assert [f.value for f in pkt.find("geneve.option.class")] == [0x0102, 0xFFFF, 0x0103]
    assert pkt.get("geneve.option.class").show == "Open Virtual Networking (OVN) (0x0102)"
    assert field_span(pkt, "geneve.option.type.critical") == (True, 52, 1, 0x80)
    assert names(pkt)[4:] == ["eth", "ip", "icmp"]


def test_geneve_without_ethernet_and_with_bad_options():
    ipv4 = decode(frames("crafted_geneve.pcap")[2], 1, strict=True)
    assert names(ipv4)[3:] == ["geneve", "ip", "icmp"]
    overrun = decode(frames("crafted_geneve.pcap")[3], 1, strict=True)
    assert overrun.layer("geneve").status == "malformed"
    assert "geneve.malformed" in issue_codes(overrun)


def test_every_truncation_of_every_frame():
    for frame in frames("crafted_vxlan.pcap") + frames("crafted_geneve.pcap"):
        check_every_truncation(frame, 1)


def test_bulk_filter_looks_inside_udp_tunnels():
    """UDP's payload is no longer only applications: a record on a tunnel port is decoded,
    so a filter on the inner packet matches (the bulk scanner reads the others)."""
    from dissect.fastfilter import PLANS, scan
    from dissect.filter import compile_filter

    assert 4789 in PLANS["udp"].blocked and 6081 in PLANS["udp"].blocked
    with open_capture(str(DATA / "crafted_vxlan.pcap")) as idx:
        idx = idx.index_all()
        hits = [
            int(i) for _, found in scan(compile_filter("ip.src == 192.168.0.1"), idx) for i in found
        ]
    assert hits == [0, 1]
