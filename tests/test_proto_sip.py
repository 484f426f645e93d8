"""SIP over UDP: request and status lines, headers split as Wireshark, compact forms, Info.

Expectations: tests/data/services/crafted_sip.pcap.tshark.json (tshark 4.0.17); the capture
is built by tests/data/services/make_crafted.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import columns, decode
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, names, values


def info(pkt) -> str:
    layer = pkt.layer("sip")
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    # sip.resend (and the resent message's original) needs the session: was this message
    # seen before? The Call-ID tshark generates again under SDP is its media setup's.
    # Every sdp.* field of the bodies (frames 1, 10, 11) agrees.
    known = {"sip.resend", "sip.resend-original", "sip.call_id_generated"}
    assert assert_agrees("crafted_sip.pcap", known) > 200


def test_sdp_body_is_its_own_layer():
    pkts = packets("crafted_sip.pcap")
    assert names(pkts[0])[-2:] == ["sip", "sdp"]
    assert names(pkts[1])[-1] == "sip"  # no body
    rich = pkts[9]
    assert values(rich, "sdp.media.port") == [49170, 51372]
    assert values(rich, "sdp.media.format")[:4] == [
        "ITU-T G.711 PCMU", "ITU-T G.711 PCMA", "DynamicRTP-Type-96", "96"]  # fmt: skip
    assert values(rich, "sdp.fmtp.parameter") == ["useinbandfec=1", "stereo=1"]
    assert values(rich, "sdp.connection_info.ttl") == ["127"]
    assert "sdp.invalid_line.no_equal" in issue_codes(pkts[10])
    proto, row = columns(rich)[2:4]
    assert proto == "SIP/SDP" and row.startswith("Status: 200 OK")


def test_protocol_column_as_tshark():
    # tshark -r crafted_sip.pcap -T fields -e _ws.col.Protocol (4.0.17): an SDP body
    # joins its name to SIP's, as Wireshark's SDP appends "/SDP" to the carrier's.
    expected = ["SIP/SDP", "SIP", "SIP", "SIP", "SIP", "SIP", "UDP", "SIP", "SIP", "SIP/SDP",
                "SIP/SDP"]  # fmt: skip
    assert [columns(p)[2] for p in packets("crafted_sip.pcap")] == expected


def test_info_as_tshark():
    pkts = packets("crafted_sip.pcap")
    assert [info(p) for p in pkts[:6]] == [
        "Request: INVITE sip:bob@example.com | ",
        "Status: 180 Ringing | ",
        "Request: REGISTER sip:registrar.example.com  (fetch bindings) | ",
        "Request: OPTIONS sip:carol@example.net | ",
        "Status: 486 Busy Here | ",
        "Request: INVITE sip:bob@example.com",
    ]


def test_headers_and_parts():
    invite, ringing, register = packets("crafted_sip.pcap")[:3]
    assert field_span(invite, "sip.Via")[1:3] == (78, 64)  # the whole line, CR LF included
    assert values(invite, "sip.Via.branch") == ["z9hG4bK776asdhds"]
    assert values(invite, "sip.from.tag") == ["1928301774"]
    assert values(invite, "sip.Max-Forwards") == [70]
    assert values(invite, "sip.contact.port") == ["5060"]
    assert len(values(invite, "sip.msg_body")[0]) == 134
    assert values(ringing, "sip.Status-Code") == [180]
    assert values(register, "sip.Call-ID") == ["843817637684230@998sdasdh09"]  # "i:" compact
    assert invite.layer("sip").title == "Session Initiation Protocol (INVITE)"


def test_bad_and_foreign_payloads():
    cut, keepalive = packets("crafted_sip.pcap")[5:7]
    assert "sip.header_no_colon" in issue_codes(cut)
    assert names(keepalive)[-1] == "data"  # not a SIP first line: tshark says data too


@pytest.mark.parametrize("index", [0, 1, 2, 4, 9, 10])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_sip.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_arbitrary_payloads_never_raise(body):
    head = packets("crafted_sip.pcap")[0].data[:42]
    for msg in (body, b"INVITE sip:a@b SIP/2.0\r\n" + body, b"SIP/2.0 200 OK\r\nVia: " + body):
        check_spans(decode(head + msg, 1, strict=True))


def test_joined_protocol_column_keeps_the_body_colour():
    from dissect.output import protocol_colour
    from dissect.protocol import PROTOCOLS

    assert protocol_colour("SIP/SDP") == PROTOCOLS["sdp"].colour != ""
