"""IEEE 802.1Q VLAN tags (IEEE Std 802.1Q-2018 clause 9.6) and the 802.1ad service tag.

A C-tag (EtherType 0x8100, and 0x9100 as used by pre-standard Q-in-Q) is Wireshark's
"vlan" layer; an 802.1ad S-tag (0x88A8) is its "ieee8021ad" layer, whose EtherType field
Wireshark names ieee8021ah.etype. Both are four bytes: the tag control information
(priority, drop eligible indicator, VLAN ID) and the type or 802.3 length of what follows.
"""

from __future__ import annotations

from typing import Any

from ..names import true_false
from ..protocol import (
    DATA,
    FIELDS,
    HEX,
    U16,
    Bits,
    Bytes,
    Flag,
    Layer,
    Osi,
    Protocol,
    bind,
    ethertype_in_path,
    lookup,
    path_after,
)

IEEE_802_3_MAX_LEN = 1500
MAX_TAGS = 20  # nested C-tags before the rest is shown as data (Wireshark: vlan.too_many_tags)

PRIORITIES = {
    0: "Best Effort (default)", 1: "Background", 2: "Spare", 3: "Excellent Effort",
    4: "Controlled Load", 5: "Video, < 100ms latency and jitter",
    6: "Voice, < 10ms latency and jitter", 7: "Network Control",
}  # fmt: skip


def _etype_name(value: Any) -> str | None:
    """EtherType names come from eth.py's eth.type field, through the field registry
    (protocol files do not import each other)."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


VLAN_ETYPE = U16("vlan.etype", "Type", base=HEX, names=_etype_name,
                 explain="The EtherType of what the tagged frame carries (0x0800 IPv4, 0x86dd "
                 "IPv6...).")  # fmt: skip
VLAN_LEN = U16("vlan.len", "Length",
               explain="An 802.3 length: the bytes of LLC payload that follow the tag.")  # fmt: skip
VLAN_TRAILER = Bytes("vlan.trailer", "Trailer",
                     explain="Bytes after the tagged frame's payload that no protocol explains.")  # fmt: skip
IEEE8021AH_TRAILER = Bytes("ieee8021ah.trailer", "Trailer",
                           explain="Bytes after the tagged frame's payload that no protocol "
                           "explains.")  # fmt: skip


VLAN = Protocol(
    "vlan", "802.1Q Virtual LAN", osi=Osi.DATA_LINK, short="VLAN",
    header=(
        Bits("vlan.priority", "Priority", 2, mask=0xE000, names=PRIORITIES, explain="Priority code point (802.1p): the frame's class of service, 0 (best effort) "
             "to 7 (network control); switches may queue by it."),
        Flag("vlan.dei", "DEI", 0x1000, width=2, at=0, text=true_false("Eligible", "Ineligible"), explain="Drop eligible: a switch short of room may drop this frame first."),
        Bits("vlan.id", "ID", 2, mask=0x0FFF, at=0, explain=lambda v, _l: f"VLAN ID {v}: which virtual LAN the frame belongs to" + (" (0: priority tag only, no VLAN)." if v == 0 else ".")),
    ),
    padding="eth.padding",
    trailer=VLAN_TRAILER,
    colour="#d7875f",
    explain="An 802.1Q tag puts the frame on a virtual LAN (the VLAN ID) and gives it a "
    "priority, so one physical network can carry several separate ones.",
)  # fmt: skip

IEEE8021AD = Protocol(
    "ieee8021ad", "IEEE 802.1ad", osi=Osi.DATA_LINK, short="802.1ad",
    header=(
        Bits("ieee8021ad.priority", "Priority", 2, mask=0xE000, explain="Priority code point: the frame's class of service in the provider's "
             "network, 0 to 7."),
        Bits("ieee8021ad.dei", "DEI", 2, mask=0x1000, at=0, explain="Drop eligible: a switch short of room may drop this frame first."),
        Bits("ieee8021ad.id", "ID", 2, mask=0x0FFF, at=0, explain="Service VLAN ID: which customer's traffic this is in the provider's network."),
        U16("ieee8021ah.etype", "Type", base=HEX, names=_etype_name, explain="The EtherType of what the tagged frame carries (0x0800 IPv4, 0x86dd IPv6...)."),
    ),
    next_by=("ethertype", ("ieee8021ah.etype",)),
    padding="eth.padding",
    trailer=IEEE8021AH_TRAILER,
    colour="#d7875f",
    info=lambda layer: "" if layer.values is None else (
        f"PRI: {layer.value('ieee8021ad.priority')}  DROP: {layer.value('ieee8021ad.dei')} "
        f"ID: {layer.value('ieee8021ad.id')}"
    ),
    describe=lambda layer: (
        "IEEE 802.1ad" + ("" if layer.values is None else f", ID: {layer.value('ieee8021ad.id')}")
    ),
    explain="An 802.1ad service tag (S-tag) lets a provider carry a customer's VLAN-tagged "
    "frames inside its own VLAN (\"Q-in-Q\").",
)  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    if pos + 4 > end:
        layer.short(4, "802.1Q tag type/length field")
        layer.hdr_len = end - pos
        layer.payload_pos = end
        return
    layer.hdr_len = 4
    layer.payload_pos = pos + 4
    if sum(1 for lay in layer.packet.layers if lay.protocol is VLAN) > MAX_TAGS:
        layer.issue("warn", "protocol", "vlan.too_many_tags",
                    f"Too many nested VLAN tags (more than {MAX_TAGS}): rest shown as data", pos, 4)  # fmt: skip
        layer.next = DATA
        return
    value = int.from_bytes(data[pos + 2 : pos + 4], "big")
    if value <= IEEE_802_3_MAX_LEN:
        layer.add(VLAN_LEN, pos + 2, 2, value)
        _length_payload(data, layer, value)
    else:
        layer.add(VLAN_ETYPE, pos + 2, 2, value)
        layer.next = lookup("ethertype", value) or DATA


def _length_payload(data: Any, layer: Layer, length: int) -> None:
    """802.3 length after the tag: LLC (or raw IPX) bounded by it, passed on in
    ctx.bound_start/bound_end so the bytes past it stay this layer's padding and trailer."""
    pkt, start = layer.packet, layer.payload_pos
    bound = start + length
    if bound > pkt.wirelen:
        layer.issue("error", "malformed", "vlan.len.past_end",
                    f"Length field value {length} goes past the end of the payload",
                    layer.pos + 2, 2)  # fmt: skip
    elif bound < layer.payload_end:
        pkt.ctx.bound_start, pkt.ctx.bound_end = start, bound
    if data[start : start + 2] == b"\xff\xff":
        layer.next = lookup("ethertype", 0x8137) or DATA  # Novell raw 802.3: IPX, no LLC
    else:
        layer.next = lookup("eth.llc", 0) or DATA


def _info(layer: Layer) -> str:
    if layer.value("vlan.id") is None:
        return ""
    return (
        f"PRI: {layer.value('vlan.priority')}  DEI: {int(layer.value('vlan.dei') or 0)}  "
        f"ID: {layer.value('vlan.id')}"
    )


def _describe(layer: Layer) -> str:
    if layer.value("vlan.id") is None:
        return VLAN.title
    return (
        f"802.1Q Virtual LAN, PRI: {layer.value('vlan.priority')}, "
        f"DEI: {int(layer.value('vlan.dei') or 0)}, ID: {layer.value('vlan.id')}"
    )


VLAN.tail = _tail
VLAN.info = _info
VLAN.describe = _describe

bind("ethertype", 0x8100, VLAN)
bind("ethertype", 0x9100, VLAN)
bind("ethertype", 0x88A8, IEEE8021AD)
path_after(VLAN, ethertype_in_path("vlan.etype"))
path_after(IEEE8021AD, ethertype_in_path("ieee8021ah.etype"))
