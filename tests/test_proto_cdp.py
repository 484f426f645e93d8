"""CDP over LLC SNAP (Cisco OUI, PID 0x2000): header, Cisco's checksum, every TLV the
captures hold, as tshark shows them.

tests/data/services/pcapplusplus_llc_vlan.pcap and pcapplusplus_VlanPackets.pcap are
PcapPlusPlus's test captures (attribution in ATTRIBUTION.md there); their expectations are
tshark 4.0.17's every cdp.* field with positions (`python -m tests.services_tshark --write`).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import columns, decode
from tests.services_tshark import LAYERS, compare, expected, packets
from tests.spans import check_every_truncation, check_spans, issue_codes, values

CAPTURES = ("pcapplusplus_llc_vlan.pcap", "pcapplusplus_VlanPackets.pcap")


def cdp_packets():
    return [p for name in CAPTURES for p in packets(name) if p.layer("cdp") is not None]


@pytest.mark.parametrize("name", CAPTURES)
def test_fields_agree_with_tshark(name):
    """Every cdp.* field of tshark's, at its position, with its value; two differ on purpose:
    the checksum status is our word for tshark's enum (1 = good), and tshark 4.0 reads an
    IP prefix's address little-endian (0.10.118.10 for the 10.118.10.0/24 its own tree line
    shows): ours is the address as sent."""
    exp, agreed = expected(name), 0
    for pkt in packets(name):
        missing, _extra, wrong = compare(pkt, exp[pkt.number], LAYERS[name])
        assert missing == [], (pkt.number, missing)
        for (field, *_span), ours, theirs in wrong:
            assert (field, ours, theirs) in (("cdp.checksum.status", "good", "1"),
                                             ("cdp.ip_prefix", *_swapped(theirs))), field  # fmt: skip
        agreed += len(exp[pkt.number])
    assert agreed >= 52  # (the one CDP message of llc_vlan.pcap has 52 fields)


def _swapped(theirs: str) -> tuple[str, str]:
    return ".".join(reversed(theirs.split("."))), theirs


def test_info_and_columns_as_tshark():
    # tshark -Y cdp -T fields -e _ws.col.Protocol -e _ws.col.Info
    infos = [columns(p)[2:4] for p in cdp_packets()]
    assert infos[0] == ("CDP", "Device ID: R1  Port ID: FastEthernet0/0  ")
    assert infos[4] == ("CDP", "Device ID: S1  Port ID: FastEthernet0/13  ")
    assert len(infos) == 7


def test_software_lines_and_cisco_checksum():
    pkt = cdp_packets()[0]
    assert (
        values(pkt, "cdp.software_version")[1]
        == "Technical Support: http://www.cisco.com/techsupport"
    )
    assert values(pkt, "cdp.checksum.status") == ["good"]  # an odd-length message
    frame = bytearray(pkt.data)
    frame[-1] ^= 0x01
    assert "cdp.checksum.bad" in issue_codes(decode(bytes(frame), 1, strict=True))


def test_every_truncation_decodes():
    for pkt in cdp_packets()[:1] + cdp_packets()[3:4]:
        check_every_truncation(pkt.data, 1)


@settings(max_examples=300, deadline=None)
@given(at=st.integers(0, 400), byte=st.integers(0, 255))
def test_mutations_never_raise(at, byte):
    frame = bytearray(cdp_packets()[3].data)
    frame[at % len(frame)] = byte
    check_spans(decode(bytes(frame), 1, strict=True))
