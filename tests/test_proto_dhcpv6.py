"""DHCPv6: messages, relay messages, options, DUIDs, identity associations, Info as tshark.

Expectations: tests/data/services/*.tshark.json (tshark 4.0.17, tests/services_tshark.py).
Two real captures (arkime, PcapPlusPlus) and crafted_dhcpv6.pcap (make_crafted.py: a relayed
Solicit, a Reply with most value options, a DUID-UUID and an option whose length lies).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from tests.services_tshark import assert_agrees, packets
from tests.spans import check_every_truncation, check_spans, issue_codes, names, values

# tshark 4.0 warns on each one-label search domain ("TLDs are rarely resolvable"), an
# expert item with no field of ours (the name itself is dhcpv6.tld, as tshark's).
KNOWN_MISSING = {"dhcpv6.expert.tld_lookup"}


def info(pkt) -> str:
    layer = pkt.layer("dhcpv6")
    return layer.protocol.info(layer)


@pytest.mark.parametrize(
    "name", ["arkime_wireshark-dhcpv6.pcap", "pcapplusplus_dhcpv6.pcap", "crafted_dhcpv6.pcap"]
)
def test_fields_agree_with_tshark(name):
    assert assert_agrees(name, KNOWN_MISSING) > 70


def test_info_as_tshark():
    real = packets("arkime_wireshark-dhcpv6.pcap")
    assert info(real[1]) == "Solicit XID: 0x100874 CID: 000100011c39cf88080027fe8f95 "
    crafted = packets("crafted_dhcpv6.pcap")
    assert info(crafted[0]) == (
        "Relay-forw L: 2001:db8::1 Solicit XID: 0x123456 CID: 00030001020000000001 "
    )
    assert info(crafted[1]) == "Reply XID: 0x123456 "


def test_relay_and_values():
    relay, reply, uuid, _bad = packets("crafted_dhcpv6.pcap")
    assert values(relay, "dhcpv6.msgtype") == [12, 1]  # the relayed Solicit inside
    assert values(relay, "dhcpv6.hopcount") == [1]
    assert "dhcpv6.error_hopcount" in issue_codes(relay)  # a client's message: hop count 0
    assert values(relay, "dhcpv6.elapsed_time") == [1500]  # milliseconds, as Wireshark's
    assert values(relay, "dhcpv6.interface_id") == [b"eth0"]
    assert values(reply, "dhcpv6.status_code") == [2]
    assert values(reply, "dhcpv6.search_list_entry") == [] and values(reply, "dhcpv6.tld") == [
        "example.",
        "test.",
    ]
    assert values(uuid, "dhcpv6.duiduuid.bytes") == [bytes(range(16))]


def test_option_past_the_message_is_malformed():
    bad = packets("crafted_dhcpv6.pcap")[3]
    assert "dhcpv6.bogus_length" in issue_codes(bad)
    assert bad.layer("dhcpv6").status == "malformed"
    assert values(bad, "dhcpv6.xid") == [2]


def test_user_class_too_long_is_malformed():
    pkt = packets("pcapplusplus_dhcpv6.pcap")[0]
    assert "dhcpv6.malformed_option" in issue_codes(pkt)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_dhcpv6.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200), relay=st.booleans())
def test_arbitrary_payloads_never_raise(body, relay):
    frame = packets("crafted_dhcpv6.pcap")[2].data
    head = frame[:62]  # Ethernet, IPv6, UDP; the lengths below it need not agree
    msg = (bytes([12, 0]) + bytes(32) if relay else bytes([1, 0, 0, 1])) + body
    pkt = decode(head + msg, 1, strict=True)
    assert names(pkt)[-1] == "dhcpv6"
    check_spans(pkt)
