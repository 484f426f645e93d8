"""Bytes after a link layer's payload, split as Wireshark does (packet-eth.c
add_ethernet_trailer): zero padding up to the 60-byte minimum frame, then an undecoded
trailer, and on a frame's own Ethernet header of 64 bytes or more a final 4-byte FCS.
Used by the driver for every protocol that declares a `trailer` field."""

from __future__ import annotations

import zlib

from .fields import HEX, U32, Str
from .model import Layer

MIN_FRAME = 60  # shortest Ethernet frame without its FCS
MIN_FRAME_WITH_FCS = 64

ETH_FCS = U32("eth.fcs", "Frame check sequence", base=HEX)
ETH_FCS_STATUS = Str("eth.fcs.status", "FCS Status", generated=True)


def split_trailer(layer: Layer, start: int, captured: int) -> None:
    """Add padding / trailer / FCS fields for data[start:start+captured] to `layer`."""
    pkt = layer.packet
    data = pkt.data
    proto = layer.protocol
    padding = 0
    if pkt.wirelen >= MIN_FRAME and start < MIN_FRAME:
        padding = min(MIN_FRAME - start, captured)
        if any(data[start : start + padding]):
            padding = 0  # only zero bytes count as padding
        elif padding:
            layer.add(proto.padding, start, padding, data[start : start + padding])
    reported = max(captured, pkt.wirelen - start) - padding  # the trailer as it was on the wire
    trail_cap = captured - padding
    has_fcs = (
        proto.fcs
        and layer is pkt.layers[1]
        and pkt.wirelen - layer.pos >= MIN_FRAME_WITH_FCS
        and reported >= 4
    )
    if has_fcs:
        trail_cap = min(trail_cap, reported - 4)
    pos = start + padding
    if trail_cap > 0:
        layer.add(proto.trailer, pos, trail_cap, data[pos : pos + trail_cap])
    pos += trail_cap
    if has_fcs and pos + 4 <= len(data):
        layer.add(ETH_FCS, pos, 4, int.from_bytes(data[pos : pos + 4], "big"))
        # Wireshark leaves a guessed FCS unverified; a CRC that matches proves it is one.
        good = zlib.crc32(data[layer.pos : pos]) == int.from_bytes(data[pos : pos + 4], "little")
        layer.add(ETH_FCS_STATUS, pos, 0, "good" if good else "unverified", generated=True)
