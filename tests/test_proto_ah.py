"""IPsec AH (RFC 4302) and IPComp (RFC 3173) in IPv6: transport and tunnel mode.

Captures copied from libpcap's tests (tests/data/tunnels/ATTRIBUTION.md):
libpcap_ipv6_ah_modes.pcap (AH over UDP, AH over an inner IPv6 packet) and
libpcap_AH-IPcomp-IPv6.pcap (an HTTP exchange in AH tunnel mode, some packets compressed with
IPComp). Expectations beside them (`.fields.json`): tshark 4.0.17's ah.* and ipcomp.* fields
(and for the IPComp capture its ipv6.* and data.* fields too: the inner IPv6 header comes
from the inflated payload).
"""

from __future__ import annotations

import zlib
from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
from dissect.protocols.ah import MAX_INFLATED
from tests.spans import check_every_truncation, issue_codes, names, values
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
MODES = DATA / "libpcap_ipv6_ah_modes.pcap"
IPCOMP = DATA / "libpcap_AH-IPcomp-IPv6.pcap"


def frames(path: Path) -> list[bytes]:
    with open_capture(str(path)) as idx:
        return [bytes(r.data) for r in idx]


def test_ah_modes_agree_with_tshark() -> None:
    assert compare(MODES) == []


# tshark's names derived from the addresses (we have them as aliases, not as fields)
IPV6_DERIVED = frozenset(("ipv6.addr", "ipv6.src_host", "ipv6.dst_host", "ipv6.host",
                          "ipv6.src_6to4_gw_ipv4", "ipv6.src_6to4_sla_id", "ipv6.6to4_gw_ipv4",
                          "ipv6.6to4_sla_id", "ipv6.dst_6to4_gw_ipv4", "ipv6.dst_6to4_sla_id"))  # fmt: skip


def test_ah_and_ipcomp_agree_with_tshark() -> None:
    # Packets 3-7, 9 and 10 are compressed (IPComp, DEFLATE): inflated, as Wireshark does,
    # and decoded from a second data source: layers, inner IPv6 fields and their spans
    # there, the compressed bytes as data, all as tshark's.
    assert compare(IPCOMP, skip=IPV6_DERIVED) == []


def test_ipcomp_payload_is_inflated_into_a_data_source() -> None:
    pkt = decode(frames(IPCOMP)[2], 1, strict=True)
    assert names(pkt)[2:] == ["ah", "ipcomp", "data", "ipv6", "tcp", "http"]
    inner = pkt.layers[6]
    assert inner.packet.source == "IPcomp inflated data" and inner.pos == 0
    assert inner.packet.data[:1] == b"\x60" and len(inner.packet.data) == 40 + 231
    assert values(pkt, "http.request.uri") == ["/4k.html"]
    assert values(pkt, "data.len") == [234]  # the compressed bytes, in the frame


def test_ipcomp_that_does_not_inflate_stays_data() -> None:
    """Another algorithm (or bytes past MAX_INFLATED once inflated) is left as data."""
    frame = bytearray(frames(IPCOMP)[2])
    at = 14 + 40 + 24 + 4  # Ethernet, IPv6, AH (24 bytes), IPComp header
    frame[at : at + 8] = b"\xff" * 8
    assert names(decode(bytes(frame), 1, strict=True))[2:] == ["ah", "ipcomp", "data"]
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = bomb.compress(bytes(MAX_INFLATED + 1)) + bomb.flush()
    frame = bytearray(frames(IPCOMP)[2][:at]) + packed
    frame[18:20] = (len(frame) - 54).to_bytes(2, "big")
    assert names(decode(bytes(frame), 1, strict=True))[2:] == ["ah", "ipcomp", "data"]


def test_layers_in_both_modes() -> None:
    transport, tunnel = (decode(f, 1, strict=True) for f in frames(MODES))
    assert names(transport)[1:] == ["ipv6", "ah", "udp", "data"]
    assert names(tunnel)[1:4] == ["ipv6", "ah", "ipv6"]
    assert values(transport, "ah.spi") == [0x12345678]
    assert values(transport, "ah.icv") == [bytes([1]) * 8]
    compressed = decode(frames(IPCOMP)[2], 1, strict=True)
    assert names(compressed)[2:5] == ["ah", "ipcomp", "data"]
    assert values(compressed, "ipcomp.cpi") == [0x635C]  # tshark: 0x635c


def test_a_length_below_the_fixed_part_is_malformed() -> None:
    frame = bytearray(frames(MODES)[0])
    frame[54 + 1] = 0  # AH length 0: 8 bytes, less than its 12-byte fixed part
    assert "ah.length.bad" in issue_codes(decode(bytes(frame), 1, strict=True))


def test_every_truncation_decodes() -> None:
    for frame in frames(MODES) + frames(IPCOMP)[2:4]:
        check_every_truncation(frame, 1)


def _deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def test_ipcomp_inside_inflated_bytes_is_not_inflated_again() -> None:
    """An inflated payload that holds IPComp again stays data there: one level, so nested
    compression cannot make the work (or the recursion) grow."""
    inner_comp = bytes([41, 0, 0, 2]) + _deflated(bytes(60))
    inner = (bytes([0x60, 0, 0, 0]) + len(inner_comp).to_bytes(2, "big") + bytes([108, 64])
             + bytes(32) + inner_comp)  # fmt: skip
    at = 14 + 40 + 24 + 4  # Ethernet, IPv6, AH, the outer IPComp header
    frame = bytearray(frames(IPCOMP)[2][:at]) + _deflated(inner)
    frame[18:20] = (len(frame) - 54).to_bytes(2, "big")
    got = names(decode(bytes(frame), 1, strict=True))
    assert got[2:] == ["ah", "ipcomp", "data", "ipv6", "ipcomp", "data"]
