"""MQTT 3.1.1: fixed header, every control packet, several per segment, Info as tshark.

Expectations: tests/data/services/crafted_mqtt.pcap.tshark.json (tshark 4.0.17); the capture
is built by tests/data/services/make_crafted.py (one TCP conversation to port 1883).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from dissect.protocols import mqtt
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, field_span, issue_codes, names, values


@pytest.fixture(autouse=True)
def no_sessions() -> None:
    """Each test starts with no session's version remembered."""
    mqtt.forget()


def info(pkt) -> str:
    layer = pkt.layers[-1]
    return layer.protocol.info(layer)


def test_fields_agree_with_tshark():
    assert assert_agrees("crafted_mqtt.pcap") > 120


def test_mqtt5_fields_agree_with_tshark():
    """crafted_mqtt5.pcap: a level-5 CONNECT, then properties in every packet type that has
    them, reason codes (omitted in a plain success PUBACK) and subscription options."""
    assert assert_agrees("crafted_mqtt5.pcap") > 150


def test_mqtt5_values():
    pkts = packets("crafted_mqtt5.pcap")
    assert values(pkts[0], "mqtt.prop_key") == ["site"]
    assert values(pkts[0], "mqtt.prop_number") == [3600, 20, 10, 1]  # will properties too
    assert values(pkts[1], "mqtt.connack.reason_code") == [0]
    assert values(pkts[2], "mqtt.subscription_options_retain") == [2]
    assert values(pkts[4], "mqtt.property.content_type") == ["text/plain"]
    assert values(pkts[4], "mqtt.msg") == [b"21.5"]
    assert values(pkts[5], "mqtt.puback.reason_code") == [16]
    assert values(pkts[6], "mqtt.puback.reason_code") == []
    assert info(pkts[2]) == "Subscribe Request (id=1) [sensors/#]"


def test_mqtt5_packet_without_its_connect_is_read_as_311_and_noted():
    publish = packets("crafted_mqtt5.pcap")[4]
    mqtt.forget()
    alone = decode(publish.data, 1, strict=True)
    assert "mqtt.unknown_version" in issue_codes(alone)
    assert values(alone, "mqtt.prop_number") == []


def test_session_memory_is_bounded():
    for i in range(mqtt.MAX_SESSIONS + 10):
        mqtt._VERSIONS[("a", i)] = 5
    connect = packets("crafted_mqtt5.pcap")[0]
    assert len(mqtt._VERSIONS) <= mqtt.MAX_SESSIONS
    assert values(connect, "mqtt.ver") == [5]


def test_info_as_tshark():
    pkts = packets("crafted_mqtt.pcap")
    assert info(pkts[2]) == "Subscribe Request (id=1) [sensors/#] [cmd/+]"
    assert info(pkts[5]) == "Publish Message (id=7) [sensors/hum]"
    assert info(pkts[13]) == "Ping Request, Ping Response"
    assert info(pkts[14]) == "Disconnect Req"


def test_connect_and_publish_fields():
    connect, _ack, _sub, _suback, publish, retained = packets("crafted_mqtt.pcap")[:6]
    assert values(connect, "mqtt.clientid") == ["layerscope-1"]
    assert values(connect, "mqtt.willmsg") == [b"offline"]
    assert field_span(connect, "mqtt.conflag.qos") == (1, 63, 1, 0x18)
    assert values(publish, "mqtt.msg") == [b"21.5"]
    assert values(retained, "mqtt.retain") == [True] and values(retained, "mqtt.msgid") == [7]
    big = packets("crafted_mqtt.pcap")[7]
    assert field_span(big, "mqtt.len")[:3] == (207, 55, 2)  # a two-byte remaining length


def test_several_packets_and_a_cut_one():
    pings, cut = packets("crafted_mqtt.pcap")[13], packets("crafted_mqtt.pcap")[15]
    assert names(pings)[-2:] == ["mqtt", "mqtt"]
    assert "mqtt.continues" in issue_codes(cut)
    assert cut.layer("mqtt").status == "ok"


def test_remaining_length_over_four_bytes_is_malformed():
    head = packets("crafted_mqtt.pcap")[0].data[:54]
    pkt = decode(head + b"\x30\xff\xff\xff\xff\x01", 1, strict=True)
    assert "mqtt.len.bad" in issue_codes(pkt)


@pytest.mark.parametrize("index", [0, 2, 5, 13])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_mqtt.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=120), first=st.integers(0, 255))
def test_arbitrary_payloads_never_raise(body, first):
    head = packets("crafted_mqtt.pcap")[0].data[:54]
    check_spans(decode(head + bytes([first, len(body) & 0x7F]) + body, 1, strict=True))
