"""User Datagram Protocol (RFC 768); checksum over the IPv4/IPv6 pseudo-header."""

from __future__ import annotations

from typing import Any

from ..protocol import HEX, U16, Checksum, Int, Layer, Osi, Protocol, alias, bind

UDP = Protocol(
    "udp", "User Datagram Protocol", osi=Osi.TRANSPORT, short="UDP",
    header=(
        U16("udp.srcport", "Source Port"),
        U16("udp.dstport", "Destination Port"),
        U16("udp.length", "Length"),
        U16("udp.checksum", "Checksum", base=HEX),
    ),
    next_by=("udp.port", ("udp.srcport", "udp.dstport")),
    # Over the pseudo-header and the datagram; over IPv4 zero means none was computed.
    checksum=Checksum("udp.checksum", length="udp.length", pseudo=17, zero_unset_v4=True),
    describe=lambda layer: (
        f"User Datagram Protocol, Src Port: {layer.value('udp.srcport')}, "
        f"Dst Port: {layer.value('udp.dstport')}"
    ),
    explain="UDP delivers single datagrams to a port on the destination host, "
    "with no connection, ordering or retransmission.",
)  # fmt: skip

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
    elif pos + length > end and (layer.packet.ctx.in_error or layer.packet.ctx.fragment):
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


def _info(layer: Layer) -> str:
    return f"{layer.value('udp.srcport')} → {layer.value('udp.dstport')} Len={layer.payload_len}"


UDP.tail = _tail
UDP.info = _info

bind("ip.proto", 17, UDP)
