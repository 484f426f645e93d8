"""User Datagram Protocol (RFC 768); checksum over the IPv4/IPv6 pseudo-header."""

from __future__ import annotations

from typing import Any

from ..checksum import pseudo_sum, verify
from ..fields import HEX, U16, Int, Str, alias
from ..model import Layer, Osi
from ..protocol import Protocol, bind

UDP = Protocol(
    "udp", "User Datagram Protocol", osi=Osi.TRANSPORT, short="UDP",
    header=(
        U16("udp.srcport", "Source Port"),
        U16("udp.dstport", "Destination Port"),
        U16("udp.length", "Length"),
        U16("udp.checksum", "Checksum", base=HEX),
    ),
    next_by=("udp.port", ("udp.srcport", "udp.dstport")),
    describe=lambda layer: (
        f"User Datagram Protocol, Src Port: {layer.value('udp.srcport')}, "
        f"Dst Port: {layer.value('udp.dstport')}"
    ),
    explain="UDP delivers single datagrams to a port on the destination host, "
    "with no connection, ordering or retransmission.",
)  # fmt: skip

CHECKSUM_STATUS = Str("udp.checksum.status", "Checksum Status", generated=True)
CHECKSUM_CALC = Int("udp.checksum.calculated", "Calculated Checksum", base=HEX, generated=True)
PAYLOAD_LEN = Int("udp.payload_len", "UDP payload", unit=" bytes", generated=True)
alias("udp.port", "udp.srcport", "udp.dstport")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    length = layer.value("udp.length")
    if length < 8:
        layer.issue(
            "error",
            "malformed",
            "udp.length.bad",
            f"length {length} is less than the 8-byte header",
            pos + 4,
            2,
        )
    elif pos + length < end:
        layer.payload_end = pos + length
    elif pos + length > end and (
        layer.packet.ctx.get("in_error_pkt") or layer.packet.ctx.get("fragmented")
    ):
        pass  # a quoted or fragmented datagram: the rest of it is elsewhere, not an error
    elif pos + length > end:
        pkt = layer.packet
        # Cut by the capture only if the datagram still fits in the bytes on the wire; a
        # length past those contradicts the frame (as Wireshark: malformed).
        reported_end = end + (pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0)
        cut = pkt.caplen < pkt.wirelen and pos + length <= reported_end
        layer.issue("warn" if cut else "error", "truncated" if cut else "malformed",
                    "udp.length.bad" if not cut else "udp.length.cut",
                    f"length {length} exceeds the {end - pos} bytes {'captured' if cut else 'present'}",
                    pos + 4, 2)  # fmt: skip
    layer.add(PAYLOAD_LEN, pos + 4, 0, layer.payload_end - layer.payload_pos)
    _checksum(data, layer, length)


def _checksum(data: Any, layer: Layer, length: int) -> None:
    l3 = layer.packet.ctx.get("l3")
    pos = layer.pos
    if layer.value("udp.checksum") == 0 and l3 is not None and len(l3[0]) == 4:
        layer.add(CHECKSUM_STATUS, pos + 6, 0, "unverified")  # IPv4: zero means none
        return
    ctx = layer.packet.ctx
    if (
        l3 is None
        or layer.status != "ok"
        or length < 8
        or pos + length > layer.payload_end
        or ctx.get("in_error_pkt")
        or ctx.get("fragmented")
    ):
        layer.add(CHECKSUM_STATUS, pos + 6, 0, "unverified")
        return
    start = pseudo_sum(l3[0], l3[1], 17, length)
    verify(
        layer,
        data,
        pos,
        pos + length,
        pos + 6,
        CHECKSUM_STATUS,
        CHECKSUM_CALC,
        start,
    )


def _info(layer: Layer) -> str:
    return f"{layer.value('udp.srcport')} → {layer.value('udp.dstport')} Len={layer.payload_len}"


UDP.tail = _tail
UDP.info = _info

bind("ip.proto", 17, UDP)
