"""Linux netfilter NFLOG (LINKTYPE_NFLOG, 239): what `iptables -j NFLOG` and `tcpdump -i
nflog:N` capture (tcpdump.org/linktypes/LINKTYPE_NFLOG.html).

A 4-byte header (address family, version, resource id, the id big-endian) and then TLVs
in the host's byte order (little-endian on the captures that exist, as Wireshark assumes):
length (header included) and type, the value padded to 4 bytes. The NFULA_PAYLOAD TLV is the
logged packet itself, decoded as IPv4 or IPv6 by the family; the TLVs before it belong to
this layer. Wireshark's names: nflog.tlv with nflog.tlv_length / nflog.tlv_type and the
value's own field (hook, interfaces, prefix, uid, gid, timestamp; else nflog.tlv_value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    U32,
    Bytes,
    Int,
    Layer,
    Osi,
    Protocol,
    Text,
    TimeNs,
    bind_linktype,
    lookup,
)

LINKTYPE_NFLOG = 239
NFULA_PAYLOAD = 9
MAX_TLVS = 256  # TLVs read per frame (each takes at least 4 bytes anyway)
FAMILIES = {2: "IPv4", 10: "IPv6"}
ETHERTYPES = {2: 0x0800, 10: 0x86DD}
TLV_TYPES = {1: "NFULA_PACKET_HDR", 2: "NFULA_MARK", 3: "NFULA_TIMESTAMP",
             4: "NFULA_IFINDEX_INDEV", 5: "NFULA_IFINDEX_OUTDEV", 6: "NFULA_IFINDEX_PHYSINDEV",
             7: "NFULA_IFINDEX_PHYSOUTDEV", 8: "NFULA_HWADDR", 9: "NFULA_PAYLOAD",
             10: "NFULA_PREFIX", 11: "NFULA_UID", 12: "NFULA_SEQ", 13: "NFULA_SEQ_GLOBAL",
             14: "NFULA_GID", 15: "NFULA_HWTYPE", 16: "NFULA_HWHEADER", 17: "NFULA_HWLEN",
             18: "NFULA_CT", 19: "NFULA_CT_INFO"}  # fmt: skip
HOOKS = {0: "Pre-routing", 1: "Local in", 2: "Forward", 3: "Local out", 4: "Post-routing"}


@dataclass(slots=True)
class NflogState:
    """The TLVs tail() found: (position, length, type) each, for detail()."""

    tlvs: list[tuple[int, int, int]]


NFLOG = Protocol(
    "nflog", "Linux Netfilter NFLOG", osi=Osi.DATA_LINK, short="NFLOG",
    header=(
        U8("nflog.family", "Family", names=FAMILIES,
           explain="The logged packet's address family: 2 IPv4, 10 IPv6."),
        U8("nflog.version", "Version", explain="The NFLOG format version: 0."),
        U16("nflog.res_id", "Resource id",
            explain="The nflog group the rule logged to (iptables --nflog-group)."),
    ),
    state=NflogState, colour="#afafd7",
    explain="NFLOG is how Linux's firewall hands logged packets to a capture: a small header "
    "and tagged values (hook, interfaces, prefix, user) around the packet itself.",
)  # fmt: skip

TLV = Bytes("nflog.tlv", "TLV", explain="One tagged value: its length, type and value.")
# Little-endian numbers: computed fields (Int), so no big-endian bit pattern is drawn for them.
TLV_LENGTH = Int("nflog.tlv_length", "Length",
                 explain="Bytes of the TLV, its 4-byte header included (host byte order).")  # fmt: skip
TLV_TYPE = Int("nflog.tlv_type", "Type", names=TLV_TYPES,
               explain="What the value is (NFULA_*); the top bit marks a nested attribute.")  # fmt: skip
PROTOCOL = U16("nflog.protocol", "HW protocol", base=HEX,
               explain="The EtherType of the logged packet's link layer (0: none).")  # fmt: skip
HOOK = U8("nflog.hook", "Netfilter hook", names=HOOKS,
          explain="Where in netfilter the packet was logged.")  # fmt: skip
IFINDEX = {t: U32(f"nflog.ifindex_{n}", f"IFINDEX_{n.upper()}",
                  explain=f"The index of the {what} interface.")
           for t, n, what in ((4, "indev", "input"), (5, "outdev", "output"),
                              (6, "physindev", "physical input"),
                              (7, "physoutdev", "physical output"))}  # fmt: skip
PREFIX = Text("nflog.prefix", "Prefix", explain="The rule's log prefix (--nflog-prefix).")
UID = Int("nflog.uid", "UID", explain="The user owning the socket that sent the packet.")
GID = Int("nflog.gid", "GID", explain="The group owning the socket that sent the packet.")
TIMESTAMP = TimeNs("nflog.timestamp", "Timestamp", explain="When the packet was logged.")
VALUE = Bytes("nflog.tlv_value", "Value", explain="The value, of a type not decoded here.")


def _u16le(data: Any, p: int) -> int:
    return data[p] | (data[p + 1] << 8)


def _tail(data: Any, layer: Layer) -> None:
    """The TLVs; the payload's value becomes the next layer (IPv4/IPv6 by the family)."""
    start, end = layer.pos + 4, layer.payload_end
    layer.hdr_len = end - layer.pos
    layer.payload_pos = end
    tlvs: list[tuple[int, int, int]] = []
    p = start
    for _i in range(MAX_TLVS):
        if p + 4 > end:
            break
        length, kind = _u16le(data, p), _u16le(data, p + 2) & 0x7FFF
        if length < 4 or p + length > end:
            layer.issue("error", "malformed", "nflog.tlv_length.bad",
                        f"TLV length {length} does not fit the {end - p} bytes left", p, end - p)  # fmt: skip
            break
        tlvs.append((p, length, kind))
        if kind == NFULA_PAYLOAD and layer.payload_pos == end:
            # The payload runs to the frame's end: what the packet does not use (the TLV's
            # padding, any TLV after it) is this layer's padding, as tshark keeps it here.
            layer.hdr_len, layer.payload_pos = p + 4 - layer.pos, p + 4
            etype = ETHERTYPES.get(data[layer.pos])
            layer.next = (lookup("ethertype", etype) if etype else None) or DATA
        p += (length + 3) & ~3
    layer.state = NflogState(tlvs)


def _detail(data: Any, layer: Layer) -> None:
    if layer.state is None:
        return
    for p, length, kind in layer.state.tlvs:
        node = layer.add(TLV, p, length, bytes(data[p : p + length]))
        layer.add(TLV_LENGTH, p, 2, length, 0, node)
        layer.add(TLV_TYPE, p + 2, 2, kind, 0, node)
        _value(data, layer, node, kind, p + 4, p + length)


def _value(data: Any, layer: Layer, node: Any, kind: int, v: int, e: int) -> None:
    """The value's own field, as Wireshark names it."""
    n = e - v
    if kind == 1 and n >= 3:
        layer.add(PROTOCOL, v, 2, int.from_bytes(data[v : v + 2], "big"), 0, node)
        layer.add(HOOK, v + 2, 1, data[v + 2], 0, node)
    elif kind in IFINDEX and n >= 4:
        layer.add(IFINDEX[kind], v, 4, int.from_bytes(data[v : v + 4], "big"), 0, node)
    elif kind == 10:
        text = bytes(data[v:e]).split(b"\0", 1)[0].decode("utf-8", "replace")
        layer.add(PREFIX, v, n, text, 0, node)
    elif kind in (11, 14) and n >= 4:
        value = int.from_bytes(data[v : v + 4], "big", signed=True)
        layer.add(UID if kind == 11 else GID, v, 4, value, 0, node)
    elif kind == 3 and n >= 16:
        secs, usecs = (
            int.from_bytes(data[v : v + 8], "big"),
            int.from_bytes(data[v + 8 : v + 16], "big"),
        )
        layer.add(TIMESTAMP, v, 16, secs * 1_000_000_000 + usecs * 1000, 0, node)
    elif kind != NFULA_PAYLOAD and n > 0:
        layer.add(VALUE, v, n, bytes(data[v:e]), 0, node)


NFLOG.tail = _tail
NFLOG.detail = _detail

bind_linktype(LINKTYPE_NFLOG, NFLOG)
