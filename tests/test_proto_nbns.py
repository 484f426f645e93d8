"""NBNS: NetBIOS names, queries, NB and NBSTAT answers, WACK, registration, Info as tshark.

Expectations: tests/data/services/crafted_nbns.pcap.tshark.json (tshark 4.0.17); the capture
is built by tests/data/services/make_crafted.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, values


def info(pkt) -> str:
    layer = pkt.layer("nbns")
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    assert assert_agrees("crafted_nbns.pcap") > 200


def test_info_as_tshark():
    pkts = packets("crafted_nbns.pcap")
    assert [info(p) for p in pkts] == [
        "Name query NB WORKSTATION<00>",
        "Name query response NB 192.0.2.20",
        "Wait for acknowledgment response",
        "Name query response Unknown",
        "Registration NB LAYERSCOPE<00>",
        "Name query NBSTAT *<00>",
        "Name query response NBSTAT",
        "Name query response, Requested name does not exist",
        "Name query",
        "Name query response",
    ]


def test_names_and_spans_as_wireshark():
    query, answer = packets("crafted_nbns.pcap")[:2]
    # a question's name spans its bytes; its text adds what the type byte means
    name = query.get("nbns.name")
    assert (name.value, name.pos, name.len) == ("WORKSTATION<00>", 54, 34)
    assert name.spec.show(name.value) == "WORKSTATION<00> (Workstation/Redirector)"
    # an NB record's name starts one byte in and carries the meaning in its value
    assert field_span(answer, "nbns.name")[:3] == (
        "WORKSTATION<00> (Workstation/Redirector)",
        55,
        33,
    )
    assert values(answer, "nbns.addr") == ["192.0.2.20", "192.0.2.21"]
    assert values(answer, "nbns.nb_flags.ont") == [1, 3]


def test_node_status():
    pkt = packets("crafted_nbns.pcap")[6]
    assert values(pkt, "nbns.netbios_name") == ["LAYERSCOPE", "WORKGROUP"]
    assert values(pkt, "nbns.name_flags.act") == [True, True]
    assert values(pkt, "nbns.unit_id") == ["02:00:00:00:00:01"]
    assert values(pkt, "nbns.session_data_packet_size") == [8739]


def test_short_messages_are_malformed_not_raised():
    negative, cut = packets("crafted_nbns.pcap")[7:9]
    assert "nbns.malformed" in issue_codes(negative)  # NB answer without its address
    assert values(negative, "nbns.data_length") == [0]
    assert cut.layer("nbns").status == "malformed"


def test_compression_pointer_loops_end():
    # one question whose name is a pointer to itself
    msg = bytes.fromhex("000100000001000000000000") + b"\xc0\x0c" + bytes.fromhex("00200001")
    pkt = decode(packets("crafted_nbns.pcap")[0].data[:42] + msg, 1, strict=True)
    check_spans(pkt)
    assert values(pkt, "nbns.name") == ["<Root>"]


def test_letters_past_p_do_not_raise():
    """Found by bench/fuzz.py: 'Z' in a first-level encoded name ('Z' - 'A' = 25 overflows
    a half-byte)."""
    head = packets("crafted_nbns.pcap")[0].data[:42]
    name = bytes([32]) + b"EMEBFJEFFCFDEDEPFAEFCASACACACACA" + b"\x00"
    msg = (
        bytes.fromhex("7bd6e3610007291000010000") + name.replace(b"EM", b"ZZ") + b"\x00\x20\x00\x01"
    )
    pkt = decode(head + msg, 1, strict=True)
    assert values(pkt, "nbns.name")[0].startswith("<99>")  # (25 << 4 | 25) & 0xFF, as Wireshark


@pytest.mark.parametrize("index", [0, 1, 2, 4, 6])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_nbns.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200), counts=st.tuples(*[st.integers(0, 3)] * 4))
def test_arbitrary_payloads_never_raise(body, counts):
    head = bytes.fromhex("1a2b8500") + b"".join(c.to_bytes(2, "big") for c in counts)
    check_spans(decode(packets("crafted_nbns.pcap")[0].data[:42] + head + body, 1, strict=True))
