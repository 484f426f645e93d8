"""Layer titles declared as data (engine.Title) and the tree's timestamp text: what the
engine keeps between packets follows each packet's own values."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from dissect.engine import FRAME_TIME, Title, decode

ETHERNET = 1


def _frame(src_mac: str, src_ip: int, sport: int, dport: int, type_or_len: str = "0800") -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                     bytes((10, 0, 0, src_ip)), bytes((10, 0, 0, 2)))  # fmt: skip
    return bytes.fromhex("020000000002" + src_mac + type_or_len) + ip + udp


def _titles(frame: bytes) -> list[str]:
    return [layer.title for layer in decode(frame, ETHERNET).layers]


def test_declared_titles_are_filled_from_each_packets_header():
    first = _titles(_frame("020000000001", 1, 40000, 53))
    assert first[1:] == [
        "Ethernet II, Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02",
        "Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2",
        "User Datagram Protocol, Src Port: 40000, Dst Port: 53",
    ]
    # other values: other titles (a title kept for one packet is not another's)
    other = _titles(_frame("020000000003", 7, 40001, 54))
    assert other[1:] == [
        "Ethernet II, Src: 02:00:00:00:00:03, Dst: 02:00:00:00:00:02",
        "Internet Protocol Version 4, Src: 10.0.0.7, Dst: 10.0.0.2",
        "User Datagram Protocol, Src Port: 40001, Dst Port: 54",
    ]
    assert _titles(_frame("020000000001", 1, 40000, 53)) == first


def test_a_title_whose_condition_fails_is_made_by_its_function():
    # an 802.3 length, not an EtherType: Ethernet's own function titles it
    frame = bytes.fromhex("020000000002020000000001" + "0026" + "424203") + bytes(43)
    assert decode(frame, ETHERNET).layers[1].title == "IEEE 802.3 Ethernet"
    zero = bytes.fromhex("020000000002020000000001" + "0000") + bytes(46)
    assert decode(zero, ETHERNET).layers[1].title == (
        "Ethernet II, Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02"
    )


def test_a_title_of_a_header_cut_short_is_filled_from_the_fields_there_are():
    frame = _frame("020000000001", 1, 40000, 53)
    udp = decode(frame[: 14 + 20 + 3], ETHERNET).layer("udp")  # the source port only
    assert udp.values is None
    assert udp.title == "User Datagram Protocol, Src Port: 40000, Dst Port: None"
    ip = decode(frame[: 14 + 10], ETHERNET).layer("ip")  # no addresses
    assert ip.title == "Internet Protocol Version 4"


def test_a_title_template_fills_in_field_names_only():
    assert Title("A {x.y} and {z}").names == ("x.y", "z")
    assert Title("A {x.y} and {z}").fill((1, "b")) == "A 1 and b"
    for bad in ("{x:04x}", "{x!r}", "{}"):
        with pytest.raises(ValueError):
            Title(bad)


@pytest.mark.parametrize("seconds", [0, 1_700_000_000, 1_700_000_001, 1_699_999_999])
def test_a_timestamps_text_is_its_own_seconds_after_anothers(seconds):
    FRAME_TIME.show(1_700_000_000 * 10**9)  # a second kept from before
    expected = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert FRAME_TIME.show(seconds * 10**9 + 5) == f"{expected}.000000005 UTC"


def test_a_timestamp_out_of_range_is_shown_in_nanoseconds_even_after_a_good_one():
    FRAME_TIME.show(1_700_000_000 * 10**9)
    huge = 10**30
    assert FRAME_TIME.show(huge) == f"{huge} ns since the epoch"
    assert FRAME_TIME.show(huge + 1) == f"{huge + 1} ns since the epoch"


def test_a_declared_title_is_called_as_a_describe_function_is():
    layer = decode(_frame("020000000001", 1, 40000, 53), ETHERNET).layer("udp")
    assert layer.protocol.describe(layer) == layer.title
