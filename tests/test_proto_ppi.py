"""PPI (link type 192) and IEEE 802.11: the radio header, the 802.11 MAC header by frame type
and direction, the FCS the PPI flags announce, and a data frame's LLC/SNAP down to IP.

tests/data/services/libpcap_http_PPI.pcap is libpcap's test capture (attribution in
ATTRIBUTION.md there); its expectations (libpcap_http_PPI.pcap.tshark.json) are tshark
4.0.17's every ppi.* and wlan.* field with positions (`python -m tests.services_tshark
--write`).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import columns, decode
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, issue_codes, names, values

CAPTURE = "libpcap_http_PPI.pcap"


def test_fields_agree_with_tshark():
    # wlan.addr is an alias of the role fields here (as eth.addr is), not fields of its own;
    # the *_resolved copies are name resolution's (tshark -n shows the address itself).
    resolved = {f"wlan.{r}_resolved" for r in ("ra", "ta", "da", "sa", "bssid", "staa", "addr")}
    assert assert_agrees(CAPTURE, {"wlan.addr", *resolved}) > 330


def test_layers_reach_ip_through_llc():
    # tshark also lists wlan_radio, a layer it computes from PPI's values: not made here.
    expected = [["ppi", "wlan", "llc", "ip", "udp", "dns"], ["ppi", "wlan"],
                ["ppi", "wlan", "llc", "ip", "udp", "dns"], ["ppi", "wlan"],
                ["ppi", "wlan", "llc", "ip", "tcp"]]  # fmt: skip
    pkts = packets(CAPTURE)
    assert [names(p) for p in pkts] == expected
    assert values(pkts[0], "dns.qry.name") == ["www.polito.it"]
    assert values(pkts[0], "wlan.fcs") == [0x37598078]  # the last 4 bytes, little-endian
    assert all(p.layers[-1].name != "data" for p in pkts)  # the FCS is no data layer


def test_columns_and_titles_as_tshark():
    # tshark -r libpcap_http_PPI.pcap -T fields -e _ws.col.Protocol -e _ws.col.Info
    pkts = packets(CAPTURE)
    assert columns(pkts[1])[2:4] == ("802.11", "Acknowledgement, Flags=........C")
    assert pkts[0].layer("wlan").title == "IEEE 802.11 QoS Data, Flags: .......TC"
    assert pkts[2].layer("wlan").title == "IEEE 802.11 QoS Data, Flags: ......F.C"
    assert pkts[0].layer("ppi").title == "PPI version 0, 84 bytes"


def test_plain_80211_link_type_without_fcs():
    frame = packets(CAPTURE)[0].data
    pkt = decode(frame[84:-4], 105, strict=True)  # the 802.11 frame alone, no FCS
    assert names(pkt) == ["wlan", "llc", "ip", "udp", "dns"]
    assert values(pkt, "wlan.fcs") == [] and values(pkt, "wlan.seq") == [3802]


def test_bad_header_length_is_malformed():
    frame = bytearray(packets(CAPTURE)[0].data)
    frame[2:4] = (4000).to_bytes(2, "little")
    pkt = decode(bytes(frame), 192, strict=True)
    assert "ppi.length.bad" in issue_codes(pkt) and pkt.layer("ppi").status == "malformed"


def test_every_truncation_decodes():
    for pkt in packets(CAPTURE)[:2]:
        check_every_truncation(pkt.data, 192)


@settings(max_examples=300, deadline=None)
@given(at=st.integers(0, 180), byte=st.integers(0, 255), cut=st.integers(0, 181))
def test_mutations_never_raise(at, byte, cut):
    frame = bytearray(packets(CAPTURE)[0].data)
    frame[min(at, len(frame) - 1)] = byte
    check_spans(decode(bytes(frame[:cut]), 192, strict=True))
