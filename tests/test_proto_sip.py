"""SIP over UDP: request and status lines, headers split as Wireshark, compact forms, Info.

Expectations: tests/data/services/crafted_sip.pcap.tshark.json (tshark 4.0.17); the capture
is built by tests/data/services/make_crafted.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from tests.services_tshark import assert_agrees, expected, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, names, values


def info(pkt) -> str:
    layer = pkt.layer("sip")
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    # sip.resend needs the session (was this request seen before?); SDP bodies are not
    # decoded here (tshark's sdp.* fields, and the Call-ID it generates again for the
    # media setup).
    sdp = {
        r[0] for rows in expected("crafted_sip.pcap").values() for r in rows if r[0][:4] == "sdp."
    }
    assert assert_agrees("crafted_sip.pcap", {"sip.resend", "sip.call_id_generated"} | sdp) > 120


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


@pytest.mark.parametrize("index", [1, 2, 4])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_sip.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_arbitrary_payloads_never_raise(body):
    head = packets("crafted_sip.pcap")[0].data[:42]
    for msg in (body, b"INVITE sip:a@b SIP/2.0\r\n" + body, b"SIP/2.0 200 OK\r\nVia: " + body):
        check_spans(decode(head + msg, 1, strict=True))
