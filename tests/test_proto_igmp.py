"""IGMP v1/v2/v3 (dissect/protocols/igmp.py) against tshark.

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every igmp.* field, the protocol list and the Info column
(tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, values
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# igmp.record: tshark's group record subtree is a text item with no filter name, ours is
# named so it can be selected; a wrong checksum: tshark names its expert item as a field,
# we show the right value as igmp.checksum.calculated, as for every checksum
DIFFS = frozenset({"igmp.record", "igmp.bad_checksum", "igmp.checksum.calculated"})
TWICE = frozenset({"igmp"})  # tshark lists igmp twice: its dissector calls itself per version


def frames(name: str) -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_igmp_agrees_with_tshark():
    assert compare(DATA / "crafted_igmp.pcap", DIFFS, twice=TWICE) == []
    assert compare(DATA / "arkime_igmp.pcap", DIFFS, twice=TWICE) == []


def test_versions_and_info():
    infos = [columns(decode(f, 1, strict=True))[3] for f in frames("crafted_igmp.pcap")[:8]]
    assert infos[:6] == [
        "Membership Query", "Membership Report", "Membership Query, general",
        "Membership Query, specific for group 239.5.5.5", "Membership Report group 239.5.5.5",
        "Leave Group 239.5.5.5",
    ]  # fmt: skip
    assert infos[7] == (
        "Membership Report / Join group 239.1.1.1 for any sources / Join group 239.2.2.2 for "
        "sources in {10.9.9.9, 10.8.8.8} / Group 239.3.3.3, block source {10.7.7.7}"
    )
    versions = [decode(f, 1).value("igmp.version") for f in frames("crafted_igmp.pcap")[:8]]
    assert versions == [1, 1, 2, 2, 2, 2, 3, 3]


def test_v3_query_fields():
    pkt = decode(frames("crafted_igmp.pcap")[6], 1, strict=True)
    assert field_span(pkt, "igmp.max_resp") == (224, 35, 1, 0)  # code 0x8c: 22.4 seconds
    assert field_span(pkt, "igmp.max_resp.mant") == (12, 35, 1, 0x0F)
    assert field_span(pkt, "igmp.s") == (True, 42, 1, 0x08)
    assert field_span(pkt, "igmp.qrv") == (2, 42, 1, 0x07)
    assert values(pkt, "igmp.saddr") == ["10.1.1.1", "10.2.2.2"]
    assert field_span(pkt, "igmp.checksum.status")[0] == "good"


def test_bad_checksum_truncated_and_malformed():
    bad = decode(frames("crafted_igmp.pcap")[8], 1, strict=True)
    assert "igmp.checksum.bad" in issue_codes(bad)
    cut = decode(frames("crafted_igmp.pcap")[9], 1, wirelen=82, strict=True)
    assert cut.layer("igmp").status == "truncated"
    assert cut.value("igmp.checksum.status") == "unverified"
    short = decode(frames("crafted_igmp.pcap")[10], 1, strict=True)
    assert short.layer("igmp").status == "malformed"


def test_every_truncation_of_every_frame():
    for frame in frames("crafted_igmp.pcap"):
        check_every_truncation(frame, 1)
