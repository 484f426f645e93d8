"""LLDP (dissect/protocols/lldp.py) against tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every lldp.* field, the protocol list and the Info column
(tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# Wireshark's TLV subtrees are text items with no filter name (ours: lldp.tlv); its expert
# items appear as fields
DIFFS = frozenset({"lldp.tlv", "lldp.incorrect_length", "lldp.bad_type"})


def frames(name: str = "crafted_lldp.pcap") -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_lldp_agrees_with_tshark():
    assert compare(DATA / "crafted_lldp.pcap", DIFFS) == []
    assert compare(DATA / "tcpdump_lldp_8023_mtu-oobr.pcap", DIFFS) == []


def test_mandatory_and_optional_tlvs():
    pkt = decode(frames()[0], 1, strict=True)
    assert names(pkt) == ["eth", "lldp"]
    assert field_span(pkt, "lldp.tlv.type") == (1, 14, 2, 0xFE00)
    assert pkt.value("lldp.chassis.id.mac") == "00:11:22:33:44:55"
    assert pkt.value("lldp.port.id") == "eth0"
    assert pkt.value("lldp.tlv.system_cap.router") is True
    assert pkt.value("lldp.tlv.enable_system_cap.router") is False
    assert pkt.value("lldp.mgn.addr.ip4") == "10.0.0.1"
    assert pkt.value("lldp.ieee.802_1.port_vlan.id") == 100
    assert columns(pkt)[3] == "MA/00:11:22:33:44:55 IN/eth0 120 SysN=switch1 SysD=Linux 6.1"


def test_bad_tlvs_are_marked():
    short_mac = decode(frames()[3], 1, strict=True)
    assert "lldp.incorrect_length" in issue_codes(short_mac)
    assert columns(short_mac)[3].startswith("Invalid Chassis ID TLV")
    wrong_first = decode(frames("tcpdump_lldp_8023_mtu-oobr.pcap")[0], 1, strict=True)
    assert "lldp.bad_type" in issue_codes(wrong_first)
    overrun = decode(frames()[4], 1, strict=True)
    assert overrun.layer("lldp").status == "malformed"


def test_every_truncation_of_every_frame():
    for frame in frames():
        check_every_truncation(frame, 1)
