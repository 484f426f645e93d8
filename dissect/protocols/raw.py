"""Raw IP link types: LINKTYPE_RAW (101; DLT_RAW 12 or 14 in some files), LINKTYPE_IPV4 (228)
and LINKTYPE_IPV6 (229) (tcpdump.org/linktypes.html).

LINKTYPE_RAW frames start directly with an IPv4 or IPv6 header, told apart by the version
nibble. Wireshark shows an empty "raw" layer ("Raw packet data") for them and keeps its
packet-raw.c special cases: 0xFF03 is PPP in HDLC framing, 0xFEFE a Linux ISDN fake MAC
header before PPP, and ten zero bytes stand for that MAC header on a link that is down,
with IPv4 after them. LINKTYPE_IPV4/IPV6 frames go straight to the IP decoders, with no
raw layer, as in Wireshark.
"""

from __future__ import annotations

from typing import Any

from ..protocol import DATA, Layer, Osi, Protocol, bind_linktype, lookup

RAW = Protocol(
    "raw", "Raw packet data", osi=Osi.DATA_LINK, short="RAW",
    colour="#ffaf5f",
    explain="No link-layer header was captured: the frame starts directly with the IP "
    "packet, whose version (4 or 6) says how to read it.",
)  # fmt: skip

VERSION_ETHERTYPES = {4: 0x0800, 6: 0x86DD}
ISDN_ZEROS = 10  # zero bytes Linux ISDN sends instead of a fake MAC and PPP header


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    if pos + 2 > end:
        # Wireshark reads two bytes first (the PPP check) and stops if they are not there.
        layer.short(2, "Raw packet data")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    first = data[pos : pos + 2]
    if first in (b"\xff\x03", b"\xfe\xfe"):
        layer.next = DATA  # PPP in HDLC-like framing (after a fake MAC for 0xFEFE); no PPP decoder
        return
    if pos + ISDN_ZEROS <= end and not any(data[pos : pos + ISDN_ZEROS]):
        layer.hdr_len = ISDN_ZEROS
        layer.payload_pos = pos + ISDN_ZEROS
        layer.next = lookup("ethertype", 0x0800) or DATA
        return
    etype = VERSION_ETHERTYPES.get(data[pos] >> 4)
    layer.next = (lookup("ethertype", etype) if etype else None) or DATA


RAW.tail = _tail

for _linktype in (101, 12, 14):
    bind_linktype(_linktype, RAW)


# LINKTYPE_IPV4/IPV6 start with the IP decoders themselves (no "raw" layer, as tshark).
bind_linktype(228, ("ethertype", 0x0800))
bind_linktype(229, ("ethertype", 0x86DD))
