"""BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108).

A 4-byte header holds the packet's address family (tcpdump.org/linktypes/LINKTYPE_NULL.html):
for NULL in the byte order of the host that wrote the capture, so both orders are met
and told apart as Wireshark's packet-null.c does (a small value sits in one end or the
other; IRIX/UNICOS put a 16-bit family in the first two bytes); for LOOP (OpenBSD) in
network byte order. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28
(FreeBSD) or 30 (Darwin). A value above 1500 is taken as an EtherType (null.type), and
a header starting 0xFF03 is PPP in HDLC framing, not a loopback header.
"""

from __future__ import annotations

from typing import Any

from ..protocol import DATA, FIELDS, HEX, U16, U32, Layer, Osi, Protocol, bind_linktype, lookup

LINKTYPE_LOOP = 108
IEEE_802_3_MAX_LEN = 1500
FAMILIES = {
    2: "IP", 7: "OSI", 16: "Appletalk", 23: "Netware IPX/SPX", 24: "IPv6", 28: "IPv6", 30: "IPv6",
}  # fmt: skip
FAMILY_ETHERTYPES = {2: 0x0800, 24: 0x86DD, 28: 0x86DD, 30: 0x86DD}


def _etype_name(value: Any) -> str | None:
    """EtherType names from eth.py's eth.type field, through the field registry."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


FAMILY = U32("null.family", "Family", names=FAMILIES,
             explain="The address family of the packet on a BSD loopback interface: which "
             "protocol follows (2 IPv4; 24, 28 or 30 IPv6 depending on the OS).")  # fmt: skip
TYPE = U16("null.type", "Type", base=HEX, names=_etype_name,
           explain="An EtherType some systems write here instead of an address family.")  # fmt: skip

NULL = Protocol(
    "null", "Null/Loopback", osi=Osi.DATA_LINK, short="NULL",
    colour="#ffaf5f",
    explain="The loopback pseudo-header BSD systems and macOS write for packets on the "
    "loopback interface: it only says which network protocol (IPv4 or IPv6) follows.",
)  # fmt: skip


def host_order_family(raw: bytes) -> int:
    """The AF_ value of a NULL header written in either byte order (packet-null.c logic,
    reading the four bytes little-endian as tshark does on the usual hosts)."""
    value = int.from_bytes(raw, "little")
    if value & 0xFFFF0000:
        if value & 0xFF000000 == 0 and value & 0x00FF0000 < 0x00060000:
            return value >> 16  # IRIX/UNICOS 16-bit family, written little-endian
        return int.from_bytes(raw, "big")  # written by a big-endian host
    if value & 0x000000FF == 0 and value & 0x0000FF00 < 0x00000600:
        return ((value & 0xFF) << 8) | ((value >> 8) & 0xFF)  # IRIX/UNICOS, big-endian
    return value


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    loop = layer.packet.linktype == LINKTYPE_LOOP
    if not loop and data[pos : pos + 2] == b"\xff\x03":
        layer.next = DATA  # PPP in HDLC-like framing; no PPP decoder yet
        return
    if pos + 4 > end:
        layer.short(4, "Null/Loopback header")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    raw = bytes(data[pos : pos + 4])
    layer.hdr_len = 4
    layer.payload_pos = pos + 4
    value = int.from_bytes(raw, "big") if loop else host_order_family(raw)
    if not loop and value > IEEE_802_3_MAX_LEN:
        layer.add(TYPE, pos, 4, value & 0xFFFF)
        layer.next = lookup("ethertype", value & 0xFFFF) or DATA
        return
    layer.add(FAMILY, pos, 4, value)
    etype = FAMILY_ETHERTYPES.get(value)
    layer.next = (lookup("ethertype", etype) if etype else None) or DATA


NULL.tail = _tail
NULL.info = lambda layer: "Null/Loopback"

bind_linktype(0, NULL)
bind_linktype(LINKTYPE_LOOP, NULL)
