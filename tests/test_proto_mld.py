"""MLD v1/v2 in ICMPv6 (dissect/protocols/icmpv6.py) and IGMPv2 on a real capture, against
tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every icmpv6.mld*, icmpv6.mldr* and igmp.* field, the protocol list and
the Info column (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, values
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# Wireshark's MLDv2 record and IGMPv3 group record subtrees are text items, ours named
TEXT_ITEMS = frozenset({"icmpv6.mldr.mar", "igmp.record"})
# PcapPlusPlus IgmpPackets also holds NBNS and NBSS (other decoders') and, in #25, a TLS
# certificate whose X.509 layers tshark lists and we show inside TLS
ELSEWHERE, X509 = frozenset({"nbss"}), frozenset({25})  # NBNS: nbns.py


def frames() -> list[bytes]:
    with open_capture(str(DATA / "crafted_mld.pcap")) as idx:
        return [r.data for r in idx]


def test_mld_agrees_with_tshark():
    assert compare(DATA / "crafted_mld.pcap", TEXT_ITEMS) == []
    real = DATA / "pcapplusplus_IgmpPackets.pcap"
    assert compare(real, TEXT_ITEMS, X509, ELSEWHERE, twice=frozenset({"igmp"})) == []


def test_mldv2_query_and_report():
    query = decode(frames()[3], 1, strict=True)
    assert query.value("icmpv6.mld.flag.s") is True
    assert values(query, "icmpv6.mld.source_address") == ["2001:db8::5", "2001:db8::6"]
    report = decode(frames()[4], 1, strict=True)
    assert values(report, "icmpv6.mldr.mar.multicast_address") == ["ff02::fb", "ff05::2"]
    assert values(report, "icmpv6.mldr.mar.record_type") == [4, 1]


def test_every_truncation_of_every_frame():
    for frame in frames():
        check_every_truncation(frame, 1)
