"""The rarer branches of this branch's decoders (tests/data/tunnels/crafted_coverage.pcap,
made by tests/make_tunnels.py so every declared field appears in some capture): each frame
decodes strictly, every truncation too, and the branches give the fields they should."""

from __future__ import annotations

from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, values

CAPTURE = Path(__file__).parent / "data" / "tunnels" / "crafted_coverage.pcap"


def frames() -> list[bytes]:
    with open_capture(str(CAPTURE)) as idx:
        return [r.data for r in idx]


def test_rare_branches_give_their_fields():
    pkts = [decode(f, 1, strict=True) for f in frames()]
    assert pkts[0].value("eap.notification") == "hihi"
    assert values(pkts[5], "gre.routing.address_family") == [0x0800, 0]
    assert pkts[6].get("igmp.data").pos == 35 and len(pkts[6].value("igmp.data")) == 7
    assert pkts[9].value("lcp.message") == "hello"
    assert pkts[11].value("lcp.rej_proto") == 0x8057
    assert pkts[13].value("lldp.port.id.ip4") == "10.0.0.2"
    assert pkts[14].value("lldp.chassis.id.ip6") == "2001:db8::1"
    assert pkts[15].value("mstp.config_name") == "region"
    assert pkts[23].value("vrrp.md5_auth_data") == bytes.fromhex("cd" * 16)


def test_every_truncation_of_every_frame():
    for frame in frames():
        check_every_truncation(frame, 1)
