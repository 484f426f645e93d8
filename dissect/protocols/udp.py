"""User Datagram Protocol (RFC 768); checksum over the IPv4/IPv6 pseudo-header."""

from __future__ import annotations

from typing import Any

from ..names import explain_destination_port, explain_source_port
from ..protocol import HEX, U16, Bulk, Checksum, Int, Layer, Osi, Protocol, Title, alias, bind

PAYLOAD_LEN = Int("udp.payload_len", "UDP payload", unit=" bytes", generated=True,
                  explain=lambda v, _l: f"{v} bytes of data after the UDP header (worked out).")  # fmt: skip
UDP = Protocol(
    "udp", "User Datagram Protocol", osi=Osi.TRANSPORT, short="UDP",
    header=(
        U16("udp.srcport", "Source Port", explain=explain_source_port),
        U16("udp.dstport", "Destination Port", explain=explain_destination_port),
        U16("udp.length", "Length",
            explain=lambda v, _l: f"UDP length {v}: the 8-byte header and {max(0, v - 8)} bytes of data."),
        U16("udp.checksum", "Checksum", base=HEX,
            explain="The checksum covers the UDP header, the data and a pseudo-header of the IP "
            "addresses, so the receiver can detect corruption; over IPv4 a sender may leave it 0 "
            "(not computed)."),
    ),
    next_by=("udp.port", ("udp.srcport", "udp.dstport")),
    # Over the pseudo-header and the datagram; over IPv4 zero means none was computed.
    checksum=Checksum("udp.checksum", length="udp.length", pseudo=17, zero_unset_v4=True),
    total_length=("udp.length", 0),
    payload_length=(PAYLOAD_LEN, "udp.length"),
    tail_when=(),  # only for a length out of the ordinary
    colour="#7cc4ff",
    bulk=Bulk(),  # its length: total_length
    describe=Title("User Datagram Protocol, Src Port: {udp.srcport}, Dst Port: {udp.dstport}"),
    explain="UDP delivers single datagrams to a port on the destination host, "
    "with no connection, ordering or retransmission.",
)  # fmt: skip

alias("udp.port", "udp.srcport", "udp.dstport")
# Added by the stream pass (dissect/streams): it needs the packets before it.
UDP_STREAM = Int("udp.stream", "Stream index", generated=True,
                 explain=lambda v, _l: f"UDP conversation number {v}, in order of first "
                 "appearance in the capture.")  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    """A length the engine could not bound the payload with: below the header, or past the
    bytes there (fine in a quote or a fragment, cut by the capture, or a contradiction)."""
    pos, end = layer.pos, layer.payload_end
    length = layer.value("udp.length")
    if length < 8:
        layer.issue("error", "malformed", "udp.length.bad",
                    f"length {length} is less than the 8-byte header", pos + 4, 2)  # fmt: skip
        return
    pkt = layer.packet
    if pos + length <= end or pkt.ctx.in_error or pkt.ctx.fragment:
        return  # bounded by the engine, or the rest of the datagram is elsewhere
    # Cut by the capture only if the datagram still fits in the bytes on the wire; a length
    # past those contradicts the frame (as Wireshark: malformed).
    reported_end = end + (pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0)
    cut = pkt.caplen < pkt.wirelen and pos + length <= reported_end
    layer.issue("warn" if cut else "error", "truncated" if cut else "malformed",
                "udp.length.cut" if cut else "udp.length.bad",
                f"length {length} exceeds the {end - pos} bytes {'captured' if cut else 'present'}",
                pos + 4, 2)  # fmt: skip


def _info(layer: Layer) -> str:
    return f"{layer.value('udp.srcport')} → {layer.value('udp.dstport')} Len={layer.payload_len}"


UDP.tail = _tail
UDP.info = _info

bind("ip.proto", 17, UDP)
