"""IPsec AH (RFC 4302) and IPComp (RFC 3173) in IPv6: transport and tunnel mode.

Captures copied from libpcap's tests (tests/data/tunnels/ATTRIBUTION.md):
libpcap_ipv6_ah_modes.pcap (AH over UDP, AH over an inner IPv6 packet) and
libpcap_AH-IPcomp-IPv6.pcap (an HTTP exchange in AH tunnel mode, some packets compressed with
IPComp). Expectations beside them (`.fields.json`): tshark 4.0.17's ah.* and ipcomp.* fields.
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import decode
from dissect.index import open_capture
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


def test_ah_and_ipcomp_agree_with_tshark() -> None:
    # Packets 3-7, 9 and 10 are compressed (IPComp, DEFLATE): Wireshark inflates them and
    # decodes the result as a second data source; here the compressed bytes stay data.
    assert compare(IPCOMP, packets=frozenset({3, 4, 5, 6, 7, 9, 10})) == []


def test_layers_in_both_modes() -> None:
    transport, tunnel = (decode(f, 1, strict=True) for f in frames(MODES))
    assert names(transport)[1:] == ["ipv6", "ah", "udp", "data"]
    assert names(tunnel)[1:4] == ["ipv6", "ah", "ipv6"]
    assert values(transport, "ah.spi") == [0x12345678]
    assert values(transport, "ah.icv") == [bytes([1]) * 8]
    compressed = decode(frames(IPCOMP)[2], 1, strict=True)
    assert names(compressed)[2:] == ["ah", "ipcomp", "data"]
    assert values(compressed, "ipcomp.cpi") == [0x635C]  # tshark: 0x635c


def test_a_length_below_the_fixed_part_is_malformed() -> None:
    frame = bytearray(frames(MODES)[0])
    frame[54 + 1] = 0  # AH length 0: 8 bytes, less than its 12-byte fixed part
    assert "ah.length.bad" in issue_codes(decode(bytes(frame), 1, strict=True))


def test_every_truncation_decodes() -> None:
    for frame in frames(MODES):
        check_every_truncation(frame, 1)
