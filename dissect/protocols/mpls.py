"""MultiProtocol Label Switching (RFC 3032 label stack; the payload guessed as Wireshark
does, after RFC 4385 and RFC 4928; Ethernet pseudowires RFC 4448).

A stack of 4-byte entries (label, traffic class, bottom-of-stack bit, TTL) up to the one
with the bottom bit set. Nothing says what follows, so the first nibble decides: 4 is
IPv4, 6 is IPv6, 1 a pseudowire associated channel; anything else is taken for an
Ethernet pseudowire, with a control word unless the first bytes look like a plain
Ethernet header.
"""

from __future__ import annotations

from typing import Any

from ..protocol import (
    DATA,
    FIELDS,
    PROTOCOLS,
    U16,
    Bits,
    Layer,
    Osi,
    Protocol,
    bind,
    lookup,
    uint_at,
)

MAX_ENTRIES = 64  # labels walked before the rest is shown as data
SPECIAL_LABELS = {
    0: "IPv4 Explicit-Null", 1: "Router Alert", 2: "IPv6 Explicit-Null", 3: "Implicit-Null",
    7: "Entropy Label Indicator", 13: "Generic Associated Channel Label (GAL)",
    14: "OAM Alert", 15: "Extension",
}  # fmt: skip
VLAN_TYPES = (0x8100, 0x88A8, 0x9100)


def _label_name(value: int) -> str | None:
    if value <= 15:
        return SPECIAL_LABELS.get(value, "Reserved - Unknown")
    return None


def _explain_label(value: int, layer: Layer) -> str:
    special = _label_name(value)
    if special is not None:
        return f"Label {value}: a reserved label ({special})."
    return (
        f"Label {value}: the router that receives the packet looks it up to decide where to "
        "forward it and which label to put on instead."
    )


LABEL = Bits("mpls.label", "MPLS Label", 4, mask=0xFFFFF000, names=_label_name,
             explain=_explain_label)  # fmt: skip
EXP = Bits("mpls.exp", "MPLS Experimental Bits", 4, mask=0x00000E00,
           explain="Traffic class (once \"experimental\"): the packet's priority in the MPLS "
           "network.")  # fmt: skip
BOTTOM = Bits("mpls.bottom", "MPLS Bottom Of Label Stack", 4, mask=0x00000100,
              explain=lambda v, _l: "Bottom of the stack: " + (
                  "the last label; the packet follows." if v else "another label follows."))  # fmt: skip
TTL = Bits("mpls.ttl", "MPLS TTL", 4, mask=0x000000FF,
           explain="Time to live: each router lowers it by one and drops the packet at zero.")  # fmt: skip


def _describe(layer: Layer) -> str:
    entries = [f for f in layer.extra if f.spec is LABEL]
    if not entries:
        return MPLS.title
    raw = uint_at(layer.packet.data, entries[0].pos, 4)
    label = raw >> 12
    special = _label_name(label)
    text = (
        f"MultiProtocol Label Switching Header, Label: {label}"
        + (f" ({special})" if special is not None else "")
        + f", Exp: {(raw >> 9) & 7}, S: {(raw >> 8) & 1}, TTL: {raw & 0xFF}"
    )
    return text + (f" (and {len(entries) - 1} more labels)" if len(entries) > 1 else "")


MPLS = Protocol(
    "mpls", "MultiProtocol Label Switching Header", osi=Osi.NETWORK, short="MPLS",
    info=lambda layer: "MPLS Label Switched Packet",
    describe=_describe,
    colour="#d7af87",
    explain="MPLS forwards packets along paths set up in advance: each router reads the "
    "top label, swaps it and forwards, without looking at the packet's own addresses.",
)  # fmt: skip

PW_ETH_HEURISTIC = Protocol(
    "pwethheuristic", "Ethernet PW (CW heuristic)", osi=Osi.DATA_LINK, short="PWETH",
    colour="#d7af87",
    explain="No bytes of its own: the decision whether an Ethernet pseudowire's frame starts "
    "with a control word (Wireshark's heuristic, by the look of the first bytes).",
)  # fmt: skip
PW_ETH_NOCW = Protocol(
    "pwethnocw", "Ethernet PW (no CW)", osi=Osi.DATA_LINK, short="PWETH",
    colour="#d7af87",
    explain="An Ethernet frame carried over MPLS as it is, without a control word.",
)  # fmt: skip
PW_ETH_CW = Protocol(
    "pwethcw", "PW Ethernet Control Word", osi=Osi.DATA_LINK, short="PWETH",
    header=(
        U16("pweth.cw.sequence_number", "Sequence Number", at=2,
            explain="The pseudowire's packet counter (0: sequencing not used)."),
    ),
    colour="#d7af87",
    explain="Four bytes before an Ethernet frame carried over MPLS; they keep routers from "
    "mistaking the frame for an IP packet and may number the frames.",
)  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    i, label = pos, -1
    for _ in range(MAX_ENTRIES):
        if i + 4 > end:
            layer.short(i + 4 - pos, "MPLS label stack entry")
            layer.hdr_len, layer.payload_pos = end - pos, end
            layer.stop()
            return
        raw = uint_at(data, i, 4)
        label = raw >> 12
        for spec in (LABEL, EXP, BOTTOM, TTL):
            layer.add(spec, i, 4, (raw & spec.mask) >> _SHIFT[spec.name], mask=spec.mask)
        i += 4
        if raw & 0x100:
            break
    else:
        layer.issue("warn", "malformed", "mpls.too_many_labels",
                    f"More than {MAX_ENTRIES} labels: the rest is shown as data", i, 0)  # fmt: skip
        layer.next = DATA
    layer.hdr_len = i - pos
    layer.payload_pos = i
    if layer.next is None and i < end:
        layer.next = _guess(data, i, label)


_SHIFT = {"mpls.label": 12, "mpls.exp": 9, "mpls.bottom": 8, "mpls.ttl": 0}


def _guess(data: Any, i: int, label: int) -> Any:
    """What the bottom label carries: a protocol bound to the label (Decode As), else the
    first nibble, as Wireshark guesses."""
    bound = lookup("mpls.label", label)
    if bound is not None:
        return bound
    nibble = data[i] >> 4
    if nibble == 4:
        return lookup("ethertype", 0x0800) or DATA
    if nibble == 6:
        return lookup("ethertype", 0x86DD) or DATA
    if nibble == 1:
        return DATA  # a pseudowire associated channel: not decoded here
    return PW_ETH_HEURISTIC


def _etype_known(value: int) -> bool:
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return isinstance(names, dict) and value in names


def _looks_like_plain_eth(data: Any, i: int, end: int) -> bool:
    """Wireshark asks whether both MAC addresses have a known manufacturer (its OUI
    database). Without that database: both globally administered, the source no group
    address, and a known EtherType (past any VLAN tags) where Ethernet puts its type."""
    if i + 14 > end or data[i] & 0x02 or data[i + 6] & 0x03:
        return False
    at = i + 12
    etype = uint_at(data, at, 2)
    while etype in VLAN_TYPES and at + 6 <= end:
        at += 4
        etype = uint_at(data, at, 2)
    return _etype_known(etype)


def _heuristic_tail(data: Any, layer: Layer) -> None:
    plain = _looks_like_plain_eth(data, layer.pos, layer.payload_end)
    layer.next = PW_ETH_NOCW if plain else PW_ETH_CW


def _to_ethernet(data: Any, layer: Layer) -> None:
    layer.next = PROTOCOLS.get("eth") or DATA


MPLS.tail = _tail
PW_ETH_HEURISTIC.tail = _heuristic_tail
PW_ETH_NOCW.tail = _to_ethernet
PW_ETH_CW.tail = _to_ethernet

bind("ethertype", 0x8847, MPLS)
bind("ethertype", 0x8848, MPLS)
bind("ip.proto", 137, MPLS)
