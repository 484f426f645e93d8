"""Ethernet II and IEEE 802.3 framing (IEEE 802.3 clause 3; EtherTypes per IANA/IEEE).

A type/length value up to 1500 is an 802.3 length: an 802.2 LLC header follows (table
"eth.llc" key 0), or Novell "raw 802.3" IPX when the payload starts 0xFFFF. Values of
1536 and above (and 0, Cisco's internal type) are EtherTypes; 1501-1535 are invalid.

Bytes after the payload are split as Wireshark does (packet-eth.c add_ethernet_trailer):
zero padding up to the 60-byte minimum frame (eth.padding), then an undecoded trailer
(eth.trailer), and, on a captured link-layer frame of 64 bytes or more, a final 4-byte
frame check sequence (eth.fcs) guessed from the length alone.
"""

from __future__ import annotations

from typing import Any

from ..names import explain_mac
from ..protocol import (
    DATA,
    DEC_HEX,
    HEX,
    U16,
    U24,
    Bulk,
    Bytes,
    FieldSpec,
    Flag,
    Layer,
    Mac,
    Osi,
    Protocol,
    Title,
    alias,
    bind_linktype,
    ethertype_in_path,
    lookup,
    path_after,
    table,
)

ETHERTYPES = {
    0x0800: "IPv4", 0x0806: "ARP", 0x86DD: "IPv6", 0x8100: "802.1Q Virtual LAN",
    0x88A8: "802.1ad Provider Bridge (Q-in-Q)", 0x9100: "QinQ: old non-standard 802.1ad", 0x8035: "RARP",
    0x8847: "MPLS label switched packet", 0x8848: "MPLS multicast label switched packet",
    0x8863: "PPPoE Discovery", 0x8864: "PPPoE Session", 0x88CC: "802.1 Link Layer Discovery Protocol (LLDP)",
    0x888E: "802.1X Authentication", 0x88E5: "802.1AE (MACsec)", 0x88F7: "PTPv2 over Ethernet (IEEE1588)",
    0x9000: "Loopback", 0x22F0: "IEEE 1722 Audio Video Transport Protocol",
    0x0842: "Wake on LAN", 0x8137: "Netware IPX/SPX", 0x809B: "AppleTalk LLAP bridging",
    0x80F3: "AARP", 0x0600: "XNS Internet Datagram Protocol",
    0x88E7: "802.1ah Provider Backbone Bridge (mac-in-mac)", 0x8809: "Slow Protocols",
    0x894F: "Network Service Header", 0x8902: "IEEE 802.1ag Connectivity Fault Management (CFM) protocol",
    0x6558: "Transparent Ethernet bridging", 0x0000: "Unknown",
}  # fmt: skip


def _lg_text(v: Any) -> str:
    if v:
        return "Locally administered address (this is NOT the factory default)"
    return "Globally unique address (factory default)"


def _ig_text(v: Any) -> str:
    return "Group address (multicast/broadcast)" if v else "Individual address (unicast)"


OUI = (
    "The first three bytes of the address: the organisation (OUI) that assigned it, usually "
    "the card's maker."
)
LG = (
    "LG bit: set when the address was assigned locally (by software: a virtual machine, a "
    "randomised Wi-Fi address), clear for a factory-assigned one."
)
IG = "IG bit: set for a group (multicast or broadcast) address, clear for one device's address."


def _address(name: str, label: str) -> FieldSpec:
    """A MAC address with its OUI (a filter field Wireshark does not show) and the two flag
    bits of its first octet as children."""
    return Mac(f"eth.{name}", label, explain=explain_mac, children=(
        U24(f"eth.{name}.oui", f"{label} OUI", base=HEX, hidden=True, explain=OUI),
        Flag(f"eth.{name}.lg", "LG bit", 0x020000, width=3, text=_lg_text, explain=LG),
        Flag(f"eth.{name}.ig", "IG bit", 0x010000, width=3, text=_ig_text, explain=IG),
    ))  # fmt: skip


IEEE_802_3_MAX_LEN = 1500
ETHERNET_II_MIN_LEN = 1536

ETH_DST = _address("dst", "Destination")
ETH_SRC = _address("src", "Source")
ETH_TYPE = U16("eth.type", "Type", base=HEX, names=ETHERTYPES,
               explain="The EtherType: which protocol the frame carries (0x0800 IPv4, 0x86dd "
               "IPv6, 0x0806 ARP).")  # fmt: skip
ETH_LEN = U16("eth.len", "Length",
              explain=lambda v, _l: f"IEEE 802.3 length: {v} bytes of payload follow; an LLC "
              "header says what they are.")  # fmt: skip
ETH_INVALID = U16("eth.invalid_lentype", "Invalid length/type", base=DEC_HEX,
                  explain="A type/length value between 1501 and 1535: neither a length nor an "
                  "EtherType, so the frame is broken.")  # fmt: skip
ETH_PADDING = Bytes("eth.padding", "Padding", explain="Zero bytes added so the frame reaches "
                    "Ethernet's 60-byte minimum: not data.")  # fmt: skip
ETH_TRAILER = Bytes("eth.trailer", "Trailer",
                    explain="Bytes after the frame's payload and padding that no protocol "
                    "explains: often added by the capturing hardware.")  # fmt: skip

ETHERTYPE_TABLE = table("ethertype")


ETH = Protocol(
    "eth", "Ethernet II", osi=Osi.DATA_LINK, short="ETH",
    header=(ETH_DST, ETH_SRC, ETH_TYPE),
    next_by=("ethertype", ("eth.type",)),
    addresses=("eth.src", "eth.dst"),
    guard=(("eth.type", ">", ETHERNET_II_MIN_LEN - 1),),  # else a length (802.3), invalid, or 0
    tail_when=(("eth.src.ig", "==", True),),  # a group source address is an error

    padding="eth.padding",
    trailer=ETH_TRAILER,
    fcs=True,  # only the frame's own Ethernet header: the trailer split checks that
    colour="#ffaf5f",
    bulk=Bulk(),  # Ethernet II: its guard (a type, not an 802.3 length)
    explain="Ethernet delivers the frame between two devices on the same link, "
    "addressed by their hardware (MAC) addresses.",
)  # fmt: skip

alias("eth.addr", "eth.src", "eth.dst")
alias("eth.addr.oui", "eth.src.oui", "eth.dst.oui")
alias("eth.lg", "eth.src.lg", "eth.dst.lg")
alias("eth.ig", "eth.src.ig", "eth.dst.ig")


def _tail(data: Any, layer: Layer) -> None:
    """What the declaration leaves: a group source address, and a type field that is an
    802.3 length (LLC follows) or invalid -- shown under those names instead of eth.type."""
    pos = layer.pos
    if data[pos + 6] & 0x01:
        layer.issue("warn", "protocol", "eth.src_not_group",
                    "Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)",
                    pos + 6, 6)  # fmt: skip
    value = (data[pos + 12] << 8) | data[pos + 13]
    if 0 < value <= IEEE_802_3_MAX_LEN:
        _rename_type_field(layer, ETH_LEN)
        _length_payload(data, layer, value)
    elif IEEE_802_3_MAX_LEN < value < ETHERNET_II_MIN_LEN:
        _rename_type_field(layer, ETH_INVALID)
        layer.issue("warn", "protocol", "eth.invalid_lentype.expert",
                    f"Invalid length/type: 0x{value:04x} ({value})", pos + 12, 2)  # fmt: skip
        layer.next = DATA


def _rename_type_field(layer: Layer, spec: FieldSpec) -> None:
    """The type/length bytes are not an EtherType: the header's fields are made now (the
    rare case), with that field under its proper name."""
    fields = ETH.build_fields(layer)
    for f in fields:
        if f.spec is ETH_TYPE:
            f.spec = spec
    layer.values = None
    layer.extra[:0] = fields


def _length_payload(data: Any, layer: Layer, length: int) -> None:
    """IEEE 802.3: the length bounds the LLC payload; the rest is padding and trailer.

    The bound is passed to the LLC layer through ctx.bound_start/bound_end rather than by
    shrinking this layer's payload, so that the bytes past it stay Ethernet's (the driver
    makes them this layer's padding field, split later by split_trailer)."""
    pkt, start = layer.packet, layer.payload_pos
    bound = start + length
    if bound > pkt.wirelen:
        layer.issue("error", "malformed", "eth.len.past_end",
                    f"Length field value {length} goes past the end of the payload "
                    f"({pkt.wirelen - start} bytes)", layer.pos + 12, 2)  # fmt: skip
    elif bound < layer.payload_end:
        pkt.ctx.bound_start, pkt.ctx.bound_end = start, bound
    if data[start : start + 2] == b"\xff\xff":
        layer.next = lookup("ethertype", 0x8137) or DATA  # Novell raw 802.3: IPX, no LLC
    else:
        layer.next = lookup("eth.llc", 0) or DATA


def _kind(layer: Layer) -> str:
    """Ethernet II, 802.3 or invalid, from the type/length bytes (no fields built for rows)."""
    pos = layer.pos
    if layer.hdr_len < 14:
        return "Ethernet II"
    value = int.from_bytes(layer.packet.data[pos + 12 : pos + 14], "big")
    if 0 < value <= IEEE_802_3_MAX_LEN:
        return "IEEE 802.3 Ethernet"
    if value < ETHERNET_II_MIN_LEN and value:
        return "Ethernet Unknown"
    return "Ethernet II"


def _describe(layer: Layer) -> str:
    """The title when the type field is not an EtherType (or the header was cut short)."""
    kind = _kind(layer)
    if kind == "IEEE 802.3 Ethernet":  # Wireshark's 802.3 title names no addresses
        raw = layer.packet.data[layer.pos + 14 : layer.pos + 16] == b"\xff\xff"
        return "IEEE 802.3 Ethernet Raw" if raw else kind  # Novell raw 802.3: IPX, no LLC
    return f"{kind}, Src: {layer.value('eth.src')}, Dst: {layer.value('eth.dst')}"


def _info(layer: Layer) -> str:
    kind = _kind(layer)
    if kind == "Ethernet Unknown":
        value = int.from_bytes(layer.packet.data[layer.pos + 12 : layer.pos + 14], "big")
        return f"Ethernet Unknown: Invalid length/type: 0x{value:04x} ({value})"
    return kind


ETH.tail = _tail
ETH.describe = Title("Ethernet II, Src: {eth.src}, Dst: {eth.dst}",
                     when=(("eth.type", ">", ETHERNET_II_MIN_LEN - 1),), otherwise=_describe)  # fmt: skip
ETH.info = _info

bind_linktype(1, ETH)
path_after(ETH, ethertype_in_path("eth.type"))
