"""IPsec Authentication Header (RFC 4302, IP protocol 51) and IP Payload Compression
(RFC 3173, IPComp, IP protocol 108), in IPv4 and IPv6 alike.

AH: next header, payload length (in 4-byte words, minus 2), reserved, SPI, sequence
number and the integrity check value (ICV) filling the rest; what follows is the next
header's protocol through the ip.proto table (transport mode: TCP/UDP; tunnel mode: an
inner IPv4/IPv6 packet). IPComp: next header, flags and the compression parameter index;
the compressed payload is a data layer, and as in Wireshark it is inflated (DEFLATE, RFC
2394: raw, or with a zlib header) and the result decoded as the next header's protocol,
from a second data source, "IPcomp inflated data" (its layers' spans count in it). A
payload that does not inflate (another algorithm) stays data.
"""

from __future__ import annotations

import threading
import zlib
from typing import Any

from ..protocol import (
    DATA,
    FIELDS,
    HEX,
    TABLES,
    U8,
    U16,
    U32,
    Bytes,
    Layer,
    Osi,
    Protocol,
    bind,
    decode,
    makes_own_bytes,
)

IP_PROTO_AH, IP_PROTO_IPCOMP = 51, 108
CPIS = {1: "OUI", 2: "DEFLATE", 3: "LZS", 4: "LZJH"}
MAX_INFLATED = 65535  # an IP payload: inflating stops past this (a bounded output)
_INFLATING = threading.local()  # .on while this thread decodes inflated bytes


def _ah_length_name(value: int) -> str:
    return f"{(value + 2) * 4} bytes"


def _proto_name(value: Any) -> str | None:
    """IP protocol names from ip.py's ip.proto field, through the field registry."""
    spec = FIELDS.get("ip.proto")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


AH = Protocol(
    "ah", "Authentication Header", osi=Osi.NETWORK, short="AH",
    header=(
        U8("ah.next_header", "Next header", names=_proto_name,
           explain="The protocol after this header (6 TCP, 17 UDP, 41 an inner IPv6 packet...)."),
        U8("ah.length", "Length", names=_ah_length_name,
           explain="The header's length in 4-byte words, minus 2."),
        Bytes("ah.reserved", "Reserved", 2, explain="Reserved: zero."),
        U32("ah.spi", "AH SPI", base=HEX,
            explain="Security Parameters Index: which security association (keys, algorithm) "
            "authenticates the packet."),
        U32("ah.sequence", "AH Sequence",
            explain="Counts the packets of the association, so a replayed one is refused."),
    ),
    next_by=("ip.proto", ("ah.next_header",)), colour="#d7afaf",
    explain="IPsec's Authentication Header proves who sent the packet and that it was not "
    "changed on the way (a keyed check value); it does not encrypt.",
)  # fmt: skip
ICV = Bytes("ah.icv", "AH ICV",
            explain="Integrity Check Value: the keyed hash over the packet (HMAC, GMAC...).")  # fmt: skip


def _ah_tail(data: Any, layer: Layer) -> None:
    """The ICV's extent: the header is (length + 2) * 4 bytes."""
    pos, end = layer.pos, layer.payload_end
    total = (data[pos + 1] + 2) * 4
    if total < 12:
        layer.issue("error", "malformed", "ah.length.bad",
                    f"AH length {total} bytes is shorter than its 12-byte fixed part", pos + 1, 1)  # fmt: skip
        layer.stop()
        return
    if pos + total > end:
        layer.short(total, "AH integrity check value")
        total = end - pos
    layer.hdr_len = total
    layer.payload_pos = pos + total


def _ah_detail(data: Any, layer: Layer) -> None:
    start = layer.pos + 12
    if layer.payload_pos > start:
        layer.add(ICV, start, layer.payload_pos - start, bytes(data[start : layer.payload_pos]))


AH.tail = _ah_tail
AH.detail = _ah_detail

IPCOMP = Protocol(
    "ipcomp", "IP Payload Compression", osi=Osi.NETWORK, short="IPComp",
    header=(
        U8("ipcomp.next_header", "Next Header", base=HEX, names=_proto_name,
           explain="The protocol of the payload once decompressed."),
        U8("ipcomp.flags", "IPComp Flags", base=HEX, explain="Reserved: zero."),
        U16("ipcomp.cpi", "IPComp CPI", base=HEX, names=CPIS,
            explain="Compression Parameter Index: the algorithm (2: DEFLATE)."),
    ),
    colour="#d7afaf",
    explain="IPComp compresses an IP payload (usually with DEFLATE) to save bandwidth on "
    "slow links; the receiver decompresses it before handing it on.",
)  # fmt: skip


def _ipcomp_tail(data: Any, layer: Layer) -> None:
    """The compressed bytes become a data layer; the inflated ones, decoded as the next
    header's protocol, follow it (the engine has nothing left to decode)."""
    layer.next = DATA  # compressed: not readable as the next header's protocol
    if getattr(_INFLATING, "on", False):  # inside bytes already inflated: one level only
        return
    pkt = layer.packet
    pos, end = layer.payload_pos, layer.payload_end
    inner = TABLES["ip.proto"].get(layer.values[0]) if layer.values else None
    plain = _inflate(bytes(data[pos:end])) if inner is not None and end > pos else None
    if plain is None:
        return
    number, when = pkt.number, pkt.time_ns
    compressed = decode(bytes(data[:end]), pkt.linktype, number=number, time_ns=when,
                        start=(DATA, pos)).layers[1]  # fmt: skip
    compressed.packet = pkt
    _INFLATING.on = True
    try:
        sub = decode(plain, pkt.linktype, number=number, time_ns=when, start=(inner, 0))
    finally:
        _INFLATING.on = False
    sub.source = "IPcomp inflated data"
    pkt.layers.append(compressed)
    pkt.layers.extend(sub.layers[1:])
    layer.payload_pos = end


def _inflate(payload: bytes) -> bytes | None:
    """DEFLATE without a header (RFC 2394), else with a zlib one, as Wireshark tries both;
    None when neither gives a whole stream of at most MAX_INFLATED bytes."""
    for wbits in (-15, 15):
        d = zlib.decompressobj(wbits)
        try:
            out = d.decompress(payload, MAX_INFLATED)
        except zlib.error:
            continue
        if d.eof and not d.unconsumed_tail and out:
            return out
    return None


IPCOMP.tail = _ipcomp_tail

bind("ip.proto", IP_PROTO_AH, AH)
bind("ip.proto", IP_PROTO_IPCOMP, IPCOMP)
makes_own_bytes(IPCOMP)  # its payload inflated
makes_own_bytes(AH)  # what it protects may be IPComp's
