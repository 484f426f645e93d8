"""Linux "cooked" capture pseudo-headers: LINKTYPE_LINUX_SLL (113) and LINKTYPE_LINUX_SLL2 (276).

Written by libpcap when capturing on the "any" device or on links without a usable link
header (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html).
v1, 16 bytes: packet type, ARPHRD_ type, address length, 8 address bytes, protocol.
v2, 20 bytes: protocol, reserved, interface index, ARPHRD_ type, packet type, address
length, 8 address bytes. Wireshark names both layers "sll". The protocol is an EtherType
when above 1536, else a Linux ETH_P_ value (802.2 LLC, raw 802.3, Ethernet, ...); on GRE
tunnels (ARPHRD_IPGRE) it is a GRE protocol type.
"""

from __future__ import annotations

from typing import Any

from ..names import explain_mac
from ..protocol import (
    DATA,
    FIELDS,
    HEX,
    LINKTYPES,
    U16,
    U32,
    Bytes,
    IPv4,
    Layer,
    Mac,
    Osi,
    Protocol,
    bind_linktype,
    ethertype_in_path,
    lookup,
    path_after,
)

LINKTYPE_SLL2 = 276
ARPHRD_IPGRE, ARPHRD_NETLINK = 778, 824

PACKET_TYPES = {
    0: "Unicast to us", 1: "Broadcast", 2: "Multicast", 3: "Unicast to another host",
    4: "Sent by us",
}  # fmt: skip
HARDWARE_TYPES = {
    1: "Ethernet", 6: "IEEE 802", 24: "IEEE 1394.1995", 32: "InfiniBand", 512: "PPP",
    768: "IPIP tunnel", 769: "IP6IP6 tunnel", 772: "Loopback", 776: "sit0 device - IPv6-in-IPv4",
    778: "GRE over IP", 801: "IEEE 802.11", 803: "IEEE 802.11 + radiotap header",
    804: "IEEE 802.15.4", 823: "GRE over IPv6", 824: "Netlink", 65534: "zero header length",
    65535: "Void type, nothing is known",
}  # fmt: skip
LINUX_PROTOCOLS = {
    0x0001: "Raw 802.3", 0x0002: "AX.25", 0x0003: "Ethernet", 0x0004: "802.2 LLC",
    0x0007: "PPP (HDLC)", 0x000C: "CAN", 0x000D: "CAN FD", 0x000E: "CAN XL", 0x0010: "LocalTalk",
    0x0019: "ISI", 0x00F5: "ISI",
}  # fmt: skip


def _etype_name(value: Any) -> str | None:
    """EtherType names from eth.py's eth.type field, through the field registry."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


PKTTYPE = U16("sll.pkttype", "Packet type", names=PACKET_TYPES,
              explain="Which way the packet went, as Linux saw it: to us, broadcast, multicast, "
              "to another host, or sent by us.")  # fmt: skip
HATYPE = U16("sll.hatype", "Link-layer address type", names=HARDWARE_TYPES,
             explain="The interface's link type (ARPHRD_ number: Ethernet, loopback, a tunnel...).")  # fmt: skip
HALEN = U16("sll.halen", "Link-layer address length",
            explain="How many bytes of the link-layer address below are used.")  # fmt: skip
SRC_ETH = Mac("sll.src.eth", "Source", explain=explain_mac)
SRC_IPV4 = IPv4("sll.src.ipv4", "Source",
                explain="The sender's IPv4 address, which a tunnel interface uses as its "
                "link-layer address.")  # fmt: skip
SRC_OTHER = Bytes("sll.src.other", "Source",
                  explain="The sender's link-layer address, in a form this tool does not decode.")  # fmt: skip
UNUSED = Bytes("sll.unused", "Unused", explain="Unused bytes of the 8-byte address field.")
LTYPE = U16("sll.ltype", "Protocol", base=HEX, names=LINUX_PROTOCOLS,
            explain="A Linux protocol number for a frame with no EtherType (802.2 LLC, raw 802.3, "
            "CAN...).")  # fmt: skip
GRETYPE = U16("sll.gretype", "Protocol", base=HEX, names=_etype_name,
              explain="On a GRE tunnel: the GRE protocol type of what the packet carries.")  # fmt: skip
ETYPE = U16("sll.etype", "Protocol", base=HEX, names=_etype_name,
            explain="The EtherType of what the packet carries (0x0800 IPv4, 0x86dd IPv6...).")  # fmt: skip
IFINDEX = U32("sll.ifindex", "Interface index",
              explain="Which interface captured the packet (its Linux interface number).")  # fmt: skip
TRAILER = Bytes("sll.trailer", "Trailer",
                explain="Bytes after the packet's payload that no protocol explains.")  # fmt: skip


SLL = Protocol(
    "sll", "Linux cooked capture", osi=Osi.DATA_LINK, short="SLL",
    colour="#ffaf5f",
    padding="eth.padding",
    trailer=TRAILER,
    explain="A pseudo-header Linux writes instead of the real link header when capturing on "
    "several interfaces at once: it says which interface, which direction and what protocol.",
)  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    v2 = layer.packet.linktype == LINKTYPE_SLL2
    size = 20 if v2 else 16
    pos, end = layer.pos, layer.payload_end
    if pos + size > end:
        _partial(data, layer, v2)
        layer.short(size, f"Linux cooked capture v{2 if v2 else 1} header")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    layer.hdr_len = size
    layer.payload_pos = pos + size
    if v2:  # fields in wire order: v2 starts with the protocol
        _protocol(data, layer, pos, int.from_bytes(data[pos + 8 : pos + 10], "big"))
        layer.add(IFINDEX, pos + 4, 4, int.from_bytes(data[pos + 4 : pos + 8], "big"))
        _u(data, layer, HATYPE, pos + 8, 2)
        _u(data, layer, PKTTYPE, pos + 10, 1)
        _address(data, layer, pos + 12, _u(data, layer, HALEN, pos + 11, 1))
    else:
        _u(data, layer, PKTTYPE, pos, 2)
        hatype = _u(data, layer, HATYPE, pos + 2, 2)
        _address(data, layer, pos + 6, _u(data, layer, HALEN, pos + 4, 2))
        _protocol(data, layer, pos + 14, hatype)


def _partial(data: Any, layer: Layer, v2: bool) -> None:
    """A cut header: the fixed fields that fit, in the order Wireshark adds them."""
    pos, end = layer.pos, layer.payload_end
    fields = (
        ((ETYPE, 0, 2), (IFINDEX, 4, 4), (HATYPE, 8, 2), (PKTTYPE, 10, 1), (HALEN, 11, 1))
        if v2
        else ((PKTTYPE, 0, 2), (HATYPE, 2, 2), (HALEN, 4, 2))
    )
    for spec, off, n in fields:
        if pos + off + n <= end:
            _u(data, layer, spec, pos + off, n)


def _u(data: Any, layer: Layer, spec: Any, at: int, n: int) -> int:
    value = int.from_bytes(data[at : at + n], "big")
    layer.add(spec, at, n, value)
    return value


def _address(data: Any, layer: Layer, at: int, halen: int) -> None:
    """Eight address bytes: a MAC (6), an IPv4 address (4) or other bytes, then unused."""
    n = min(halen, 8)
    if n == 6:
        layer.add(SRC_ETH, at, 6, bytes(data[at : at + 6]).hex(":"))
    elif n == 4:
        layer.add(SRC_IPV4, at, 4, SRC_IPV4.from_bytes(bytes(data[at : at + 4])))
    elif n:
        layer.add(SRC_OTHER, at, n, bytes(data[at : at + n]))
    if n < 8:
        layer.add(UNUSED, at + n, 8 - n, bytes(data[at + n : at + 8]))


def _protocol(data: Any, layer: Layer, at: int, hatype: int) -> None:
    proto = int.from_bytes(data[at : at + 2], "big")
    if hatype == ARPHRD_NETLINK or proto <= 1536:  # "1536, that's how Linux does it"
        layer.add(LTYPE, at, 2, proto)
        layer.next = _linux_protocol(proto) if hatype != ARPHRD_NETLINK else DATA
    elif hatype == ARPHRD_IPGRE:
        layer.add(GRETYPE, at, 2, proto)  # GRE protocol types are EtherTypes
        layer.next = lookup("ethertype", proto) or DATA
    else:
        layer.add(ETYPE, at, 2, proto)
        layer.next = lookup("ethertype", proto) or DATA


def _linux_protocol(proto: int) -> Any:
    if proto == 0x0004:
        return lookup("eth.llc", 0) or DATA
    if proto == 0x0003:
        return LINKTYPES.get(1) or DATA  # a whole Ethernet frame: the Ethernet link decoder
    if proto == 0x0001:
        return lookup("ethertype", 0x8137) or DATA  # Novell raw 802.3 carries IPX
    return DATA


def _describe(layer: Layer) -> str:
    return f"Linux cooked capture v{2 if layer.packet.linktype == LINKTYPE_SLL2 else 1}"


def _info(layer: Layer) -> str:
    """The packet type, read from its bytes (list rows build no fields)."""
    v2 = layer.packet.linktype == LINKTYPE_SLL2
    at, n = (layer.pos + 10, 1) if v2 else (layer.pos, 2)
    if at + n > layer.pos + layer.hdr_len:
        return ""
    pkttype = int.from_bytes(layer.packet.data[at : at + n], "big")
    return PACKET_TYPES.get(pkttype, f"Unknown ({pkttype})")


SLL.tail = _tail
SLL.describe = _describe
SLL.info = _info

bind_linktype(113, SLL)
bind_linktype(LINKTYPE_SLL2, SLL)
path_after(SLL, ethertype_in_path("sll.etype"))
