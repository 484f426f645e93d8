"""Syslog: priority, RFC 3164 and RFC 5424 messages split as Wireshark splits them.

Expectations: tests/data/services/*syslog*.tshark.json (tshark 4.0.17). tcpdump_syslog_udp
is real traffic (logger and rsyslog); crafted_syslog.pcap is built by make_crafted.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from dissect.protocols.syslog import format_text
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, values


def info(pkt) -> str:
    layer = pkt.layer("syslog")
    return layer.protocol.info(layer)


@pytest.mark.parametrize("name", ["tcpdump_syslog_udp.pcap", "crafted_syslog.pcap"])
def test_fields_agree_with_tshark(name):
    assert assert_agrees(name) >= 20


def test_info_as_tshark():
    real = packets("tcpdump_syslog_udp.pcap")
    assert info(real[0]) == "KERN.NOTICE: Sep 12 19:16:12 through logger: test message 21\\000"
    crafted = packets("crafted_syslog.pcap")
    assert info(crafted[2]) == (
        "AUTH.CRIT: Oct 11 22:14:15 mymachine su[230]: 'su root' failed\\ttab\\r\\n"
    )
    assert info(crafted[1]).endswith("- - \\uFEFFdebug text")  # the BOM, escaped as tshark
    assert info(crafted[3]) == "no priority here, just text"


def test_priority_spans_and_masks():
    pkt = packets("crafted_syslog.pcap")[1]  # <191>: LOCAL7.DEBUG
    assert field_span(pkt, "syslog.facility") == (23, 42, 5, 0x3F8)
    assert field_span(pkt, "syslog.level") == (7, 42, 5, 0x7)


def test_rfc5424_parts():
    pkt = packets("crafted_syslog.pcap")[0]
    assert values(pkt, "syslog.version") == ["1"]
    assert values(pkt, "syslog.hostname") == ["mymachine.example.com"]
    assert values(pkt, "syslog.appname") == ["evntslog"]
    ts = pkt.get("syslog.timestamp")
    assert ts.spec.show(ts.value) == "Oct 11, 2003 22:14:15.003000000 UTC"
    bom = packets("crafted_syslog.pcap")[6]
    assert values(bom, "syslog.msgid.bom") == [0xEFBBBF]
    assert values(bom, "syslog.msgid") == ["hello"]
    assert values(bom, "syslog.timestamp") == [0]  # "-": no date, shown as the epoch


def test_unclosed_priority_is_malformed():
    pkt = packets("crafted_syslog.pcap")[5]
    assert "syslog.malformed" in issue_codes(pkt)


def test_format_text_escapes_controls():
    assert format_text(b"a\x00b\x1b[31m\x7f\\") == "a\\000b\\033[31m\\177\\\\"


@pytest.mark.parametrize("index", [0, 2, 4])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_syslog.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_arbitrary_payloads_never_raise(body):
    head = packets("crafted_syslog.pcap")[0].data[:42]
    for msg in (body, b"<13>" + body, b"<13>1 " + body, b"<13>Dec  7 10:00:00 " + body):
        pkt = decode(head + msg, 1, strict=True)
        check_spans(pkt)
        assert not msg or "\x1b" not in info(pkt)
