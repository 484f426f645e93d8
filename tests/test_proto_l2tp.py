"""L2TPv2 (RFC 2661): data messages carrying PPP, control messages with AVPs, ZLBs.

tests/data/tunnels/dpkt_nb6-http.pcap (copied from dpkt's examples, attribution beside it):
an ISP's IPv6 over PPP in L2TP, itself over PPPoE. Expectation beside it (`.fields.json`):
tshark 4.0.17's l2tp.* fields, protocol lists and Info.
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, names, values
from tests.tshark_fields import compare

CAPTURE = Path(__file__).parent / "data" / "tunnels" / "dpkt_nb6-http.pcap"


def frames() -> list[bytes]:
    with open_capture(str(CAPTURE)) as idx:
        return [bytes(r.data) for r in idx]


def test_every_field_layer_and_info_agrees_with_tshark() -> None:
    # l2tp.avp is our line for an AVP, which tshark shows as a text item without a name.
    assert compare(CAPTURE, skip=frozenset({"l2tp.avp"})) == []


def test_data_and_control_messages() -> None:
    pkts = [decode(f, 1, strict=True) for f in frames()]
    assert names(pkts[18])[-4:] == ["l2tp", "ppp", "ipv6", "icmpv6"]
    assert names(pkts[19])[-3:] == ["l2tp", "ppp", "lcp"]
    assert values(pkts[21], "l2tp.avp.message_type") == [6]
    assert columns(pkts[21])[3] == "Control Message - Hello (tunnel id=1527, session id=0)"
    assert values(pkts[22], "l2tp.zero_length_body_message") == [""]


def test_l2tpv3_is_not_read_as_v2() -> None:
    frame = bytearray(frames()[21])
    frame[51] = (frame[51] & 0xF0) | 3  # version 3
    assert "l2tp" not in names(decode(bytes(frame), 1))


def test_every_truncation_decodes() -> None:
    for i in (18, 21, 22):
        check_every_truncation(frames()[i], 1)
