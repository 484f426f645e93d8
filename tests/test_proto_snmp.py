"""SNMP v1/v2c (and the v3 header): BER decoded with spans, PDUs, values, traps, Info.

Expectations: tests/data/services/crafted_snmp.pcap.tshark.json (tshark 4.0.17); the capture
is built by tests/data/services/make_crafted.py (scapy for v1/v2c, BER by hand for the
exception values and SNMPv3).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from dissect.protocols.snmp import ber, oid_resolved
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, names, values

KNOWN_MISSING: set[str] = set()  # every field tshark shows, engine ids split included


def info(pkt) -> str:
    layer = pkt.layer("snmp")
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    assert assert_agrees("crafted_snmp.pcap", KNOWN_MISSING) > 150


def test_info_as_tshark():
    pkts = packets("crafted_snmp.pcap")
    assert info(pkts[0]) == "get-request 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.3.0"
    assert info(pkts[6]) == "trap iso.3.6.1.4.1.8072.3.2.10 1.3.6.1.2.1.1.5.0"
    assert info(pkts[8]) == "informRequest"
    assert info(pkts[11]) == "encryptedPDU: privKey Unknown"
    assert info(pkts[12]) == "get-request 1.3.6.1.2.1.1.5.0"


def test_values_and_spans():
    resp = packets("crafted_snmp.pcap")[4]
    assert field_span(resp, "snmp.data")[:3] == (2, 56, 178)  # the whole PDU, as Wireshark
    assert field_span(resp, "snmp.request_id")[:3] == (0x1234, 61, 2)  # contents only
    assert values(resp, "snmp.value.timeticks") == [123456]
    assert values(resp, "snmp.value.int") == [-72]
    assert values(resp, "snmp.value.counter") == [99, 2**40]
    assert values(resp, "snmp.var-bind_str") == ["Linux box 6.1"]
    assert values(resp, "snmp.value.oid") == ["1.3.6.1.4.1.8072.3.2.10"]
    line = resp.get("snmp.VarBind_element")
    assert line.value == '1.3.6.1.2.1.1.1.0: "Linux box 6.1"'


def test_engine_ids_split_as_wireshark():
    """Frames 16-23 (make_crafted.SNMP_ENGINE_IDS): each format of RFC 3411, RFC 1910's
    AgentID and an IPv4 id one byte too long; both engine ids of a message are split."""
    pkts = packets("crafted_snmp.pcap")
    assert values(pkts[15], "snmp.engineid.enterprise") == [8072, 8072]
    assert values(pkts[15], "snmp.engineid.time") == [1_700_000_000 * 10**9] * 2
    assert values(pkts[16], "snmp.engineid.ipv4") == ["192.0.2.1"] * 2
    assert values(pkts[17], "snmp.engineid.ipv6") == ["2001:db8::1"] * 2
    assert values(pkts[18], "snmp.engineid.cisco.type") == [1, 1]
    assert values(pkts[19], "snmp.engineid.text") == ["layerscope"] * 2
    assert values(pkts[21], "snmp.agentid_trailer") == [bytes(range(8))] * 2
    assert "snmp.rfc3411_non_conformant" in issue_codes(pkts[22])
    assert "snmp.rfc1910_non_conformant" in issue_codes(pkts[11])  # the 6-byte "engine"


def test_exceptions_are_noted():
    pkt = packets("crafted_snmp.pcap")[10]
    assert "snmp.varbind.response" in issue_codes(pkt)
    assert values(pkt, "snmp.endOfMibView") == [""]


def test_a_message_that_does_not_fit_the_datagram_is_data():
    cut = packets("crafted_snmp.pcap")[9]  # 30 bytes of a 55-byte message: tshark says UDP
    assert "snmp" not in names(cut)
    frame = packets("crafted_snmp.pcap")[0].data
    snap = decode(frame[:70], 1, wirelen=len(frame), strict=True)  # a snap-length cut is SNMP
    assert snap.layer("snmp").status == "truncated"


def test_ber_reader():
    assert ber(b"\x30\x82\x01\x00" + bytes(256), 0, 260) == (0x30, 4, 256)
    assert oid_resolved("1.3.6.1") == "iso.3.6.1"


@pytest.mark.parametrize("index", [0, 4, 6, 10, 12, 15, 18, 21, 22])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_snmp.pcap")[index].data, 1)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=200))
def test_arbitrary_payloads_never_raise(body):
    head = packets("crafted_snmp.pcap")[0].data[:42]
    prefix = bytes([0x30, len(body) + 8 & 0xFF, 2, 1, 1, 4, 1, 0x41])
    for msg in (body, prefix + body):
        check_spans(decode(head + msg, 1, strict=True))
