"""TFTP: requests with options, data, acknowledgements, errors, option acknowledgements.

Expectations: tests/data/services/crafted_tftp.pcap.tshark.json (tshark 4.0.17); the capture
is built by tests/data/services/make_crafted.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, names, values

# tshark ties an acknowledgement to its request through the session (the file name and
# the request's frame); one packet at a time cannot.
KNOWN_MISSING = {"tftp.destination_file", "tftp.request_frame"}


def info(pkt) -> str:
    layer = pkt.layer("tftp")
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    assert assert_agrees("crafted_tftp.pcap", KNOWN_MISSING) >= 30


def test_info_as_tshark():
    pkts = packets("crafted_tftp.pcap")
    assert info(pkts[0]) == (
        "Read Request, File: boot/pxelinux.0, Transfer type: octet, blksize=1432, tsize=0"
    )
    assert info(pkts[2]) == "Option Acknowledgement, blksize=1432, tsize=26578"
    assert info(pkts[3]) == "Acknowledgement, Block: 0"
    # without the session the 512-byte default decides "(last)"; tshark knew blksize 1432
    assert info(pkts[4]) == "Data Packet, Block: 1"
    assert info(pkts[5]) == "Data Packet, Block: 2 (last)"
    assert info(pkts[6]) == "Error Code, Code: File not found, Message: File not found"


def test_strings_span_their_nul_and_data_is_handed_on():
    rrq, data = packets("crafted_tftp.pcap")[0], packets("crafted_tftp.pcap")[4]
    assert field_span(rrq, "tftp.source_file")[:3] == ("boot/pxelinux.0", 44, 16)
    assert values(rrq, "tftp.option.name") == ["blksize", "tsize"]
    assert names(data)[-2:] == ["tftp", "data"]
    assert data.layer("data").pos == 46


def test_errors_and_bad_messages():
    error, unterminated, unknown = packets("crafted_tftp.pcap")[6:9]
    assert "tftp.error" in issue_codes(error)
    assert unterminated.layer("tftp").status == "malformed"
    assert info(unknown) == "Unknown (0x0009)"
    assert unknown.layer("tftp").status == "malformed"


@pytest.mark.parametrize("index", [0, 2, 4, 6])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_tftp.pcap")[index].data[:120], 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=120), opcode=st.integers(0, 7))
def test_arbitrary_payloads_never_raise(body, opcode):
    head = packets("crafted_tftp.pcap")[0].data[:42]
    check_spans(decode(head + opcode.to_bytes(2, "big") + body, 1, strict=True))
