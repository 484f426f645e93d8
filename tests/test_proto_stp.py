"""STP, RSTP, MSTP and PVST+ (dissect/protocols/stp.py) against tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every stp.* and mstp.* field, the protocol list and the Info column
(tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# Wireshark's bridge identifiers and the PVST+ TLV are text items with no filter name;
# ours are named so they can be selected
TEXT_ITEMS = frozenset({"stp.root_identifier", "stp.bridge_identifier", "stp.pvst.origvlan_tlv"})
# crafted #7 is cut inside the BPDU: tshark reads every value before it adds a field, so
# it shows none; we show the fixed header that is there
CUT = frozenset({7})
ELSEWHERE = frozenset({"dtp", "vtp", "loop"})  # Cisco protocols in the same capture


def frames(name: str) -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_stp_agrees_with_tshark():
    assert compare(DATA / "crafted_stp.pcap", TEXT_ITEMS, CUT) == []
    real = DATA / "tcpdump_rpvstp-trunk-native-vid5.pcap"
    assert compare(real, TEXT_ITEMS, elsewhere=ELSEWHERE) == []


def test_configuration_bpdu():
    pkt = decode(frames("crafted_stp.pcap")[0], 1, strict=True)
    assert names(pkt) == ["eth", "llc", "stp"]
    assert field_span(pkt, "stp.root.prio") == (32768, 22, 1, 0)
    assert field_span(pkt, "stp.bridge.ext") == (1, 34, 2, 0)
    assert field_span(pkt, "stp.root.hw")[:3] == ("00:11:22:33:44:55", 24, 6)
    assert field_span(pkt, "stp.max_age") == (20.0, 46, 2, 0)
    assert columns(pkt)[3] == ("Conf. Root = 32768/0/00:11:22:33:44:55  Cost = 4  Port = 0x8001")


def test_rapid_flags_and_tcn():
    rst = decode(frames("crafted_stp.pcap")[4], 1, strict=True)
    assert (
        rst.get("stp.flags").show == "0x7c, Agreement, Forwarding, Learning, Port Role: Designated"
    )
    assert field_span(rst, "stp.flags.port_role") == (3, 21, 1, 0x0C)
    tcn = decode(frames("crafted_stp.pcap")[5], 1, strict=True)
    assert columns(tcn)[3] == "Topology Change Notification"


def test_pvst_originating_vlan():
    pkt = decode(frames("tcpdump_rpvstp-trunk-native-vid5.pcap")[2], 1, strict=True)
    assert pkt.value("stp.pvst.origvlan") == 1
    assert pkt.layer("stp").status == "ok"


def test_every_truncation_of_every_frame():
    for frame in frames("crafted_stp.pcap"):
        check_every_truncation(frame, 1)
