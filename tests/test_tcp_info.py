"""The TCP Info column for a header cut short, as tshark 4.0.17 shows it.

The frames are raw IPv4 (link type 228): a 20-byte IPv4 header, then a TCP header (ports
43210 -> 80, seq 1000, ack 2000) cut after `cut` bytes, the way a snap length or a header
pasted from course notes cuts it. The expected Info is tshark's for the same bytes written
to a pcap (`tshark -o tcp.relative_sequence_numbers:FALSE`), without the
"[Packet size limited during capture]" / "[Malformed Packet]" tshark appends (ours is the
status suffix the summary adds).
"""

from __future__ import annotations

import struct

import pytest

from dissect.engine import decode
from dissect.output import summarize
from tests.spans import layer_info

RAW_IPV4 = 228


def ipv4(total: int) -> bytes:
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0x4000, 64, 6, 0,
                                bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))  # fmt: skip
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    hdr[10:12] = struct.pack("!H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF)
    return bytes(hdr)


def tcp(flags: int, window: int = 65535) -> bytes:
    return struct.pack("!HHIIBBHHH", 43210, 80, 1000, 2000, 0x50, flags, window, 0, 0)


def cut_frame(flags: int, cut: int, window: int = 65535) -> tuple[bytes, int]:
    """(captured bytes, length on the wire) of a segment with 10 bytes of payload."""
    whole = ipv4(50) + tcp(flags, window) + b"x" * 10
    return whole[: 20 + cut], len(whole)


@pytest.mark.parametrize(
    ("cut", "info"),
    [
        (4, "43210 → 80"),  # the ports only: the rest is past the cut
        (8, "43210 → 80"),
        (12, "43210 → 80"),
        (14, "43210 → 80"),  # flags there, the window not
        (16, "43210 → 80 [PSH, ACK] Seq=1000 Ack=2000 Win=65535"),  # no Len: no urgent pointer
        (19, "43210 → 80 [PSH, ACK] Seq=1000 Ack=2000 Win=65535"),
    ],
)
def test_cut_header_info_is_tsharks(cut: int, info: str) -> None:
    data, wire = cut_frame(0x18, cut)
    pkt = decode(data, RAW_IPV4, wirelen=wire)
    assert layer_info(pkt, "tcp") == info
    assert "None" not in summarize(pkt, 0).info


def test_header_under_four_bytes_adds_nothing() -> None:
    data, wire = cut_frame(0x18, 2)
    assert layer_info(decode(data, RAW_IPV4, wirelen=wire), "tcp") == ""


def test_pasted_header_cut_inside_the_window_names_no_window() -> None:
    """The issue's case: 32 bytes pasted (IPv4 + 12 bytes of TCP), the frame as long as the paste."""
    data, _wire = cut_frame(0x18, 12)
    s = summarize(decode(data, RAW_IPV4), 0)
    assert s.info.startswith("43210 → 80 [Malformed")
    assert "Win=" not in s.info


def test_no_flags_show_as_none_in_brackets() -> None:
    data = ipv4(50) + tcp(0x00, window=512) + b"x" * 10
    assert (
        layer_info(decode(data, RAW_IPV4), "tcp") == "43210 → 80 [<None>] Seq=1000 Win=512 Len=10"
    )
