"""Modbus/TCP: MBAP header and PDU layers, the public function codes, exceptions, Info.

Expectations: tests/data/services/crafted_modbus.pcap.tshark.json (tshark 4.0.17); the
capture is built by tests/data/services/make_crafted.py (one TCP conversation to port 502).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, names, values

# A response's register and coil numbers, its request frame and the time from it come
# from the session in tshark. tshark 4.0 also gives every coil value the mask 0x01; ours
# is the coil's own bit (0x01, 0x02, ... 0x80).
KNOWN_MISSING = {"modbus.request_frame", "modbus.response_time", "modbus.regnum16",
                 "modbus.bitnum", "modbus.bitval"}  # fmt: skip


def info(pkt) -> str:
    layer = pkt.layers[-1]
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    assert assert_agrees("crafted_modbus.pcap", KNOWN_MISSING) > 120


def test_info_as_tshark():
    pkts = packets("crafted_modbus.pcap")
    assert info(pkts[0]) == "   Query: Trans:     1; Unit:   1, Func:   3: Read Holding Registers"
    assert info(pkts[1]) == "Response: Trans:     1; Unit:   1, Func:   3: Read Holding Registers"
    assert info(pkts[11]) == (
        "Response: Trans:     6; Unit:   1, Func:   4: Read Input Registers. Exception returned "
    )


def test_layers_and_values():
    pkts = packets("crafted_modbus.pcap")
    assert names(pkts[0])[-2:] == ["mbtcp", "modbus"]
    assert field_span(pkts[0], "modbus.func_code") == (3, 61, 1, 0x7F)
    assert values(pkts[1], "modbus.regval_uint16") == [555, 0, 100]
    assert values(pkts[8], "modbus.regnum16") == [1, 2]  # a request knows its own numbers
    assert values(pkts[11], "modbus.exception_code") == [2]
    coils = list(pkts[3].find("modbus.bitval"))
    assert [c.value for c in coils[:8]] == [True, False, True, True, False, False, True, True]
    assert [c.mask for c in coils[:3]] == [0x01, 0x02, 0x04]


def test_two_adus_in_one_segment():
    pkt = packets("crafted_modbus.pcap")[16]
    assert names(pkt)[-4:] == ["mbtcp", "modbus", "mbtcp", "modbus"]
    assert values(pkt, "mbtcp.trans_id") == [9, 10]


def test_short_pdu_is_malformed():
    pkt = packets("crafted_modbus.pcap")[17]
    assert "modbus.malformed" in issue_codes(pkt)


@pytest.mark.parametrize("index", [0, 1, 3, 8, 16])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_modbus.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=80), length=st.integers(0, 90), func=st.integers(0, 255))
def test_arbitrary_payloads_never_raise(body, length, func):
    head = packets("crafted_modbus.pcap")[0].data[:54]
    mbap = length.to_bytes(2, "big").join((b"\x00\x01\x00\x00", b"\x01"))
    for frame in (head + body, head + mbap + bytes([func]) + body):
        check_spans(decode(frame, 1, strict=True))
