"""Generic Routing Encapsulation (RFC 2784, key and sequence number RFC 2890; the
"enhanced" version 1 of PPTP, RFC 2637 4.1; the routing field of RFC 1701).

Four fixed bytes (flags and version, protocol type), then what the flags announce: a
checksum and offset (C or R set), a key (K), a sequence number (S), PPTP's acknowledgment
number (A, version 1), the source route entries (R). The protocol type is an EtherType;
0x6558 carries a whole Ethernet frame (Transparent Ethernet Bridging).
"""

from __future__ import annotations

from typing import Any

from ..names import EXPLAIN_RESERVED, true_false
from ..protocol import (
    DATA,
    HEX,
    PROTOCOLS,
    U8,
    U16,
    U32,
    Bits,
    Bytes,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    Str,
    bind,
    explain_checksum_status,
    lookup,
    uint_at,
    verify,
)

C_BIT, R_BIT, K_BIT, S_BIT, A_BIT = 0x8000, 0x4000, 0x2000, 0x1000, 0x0080
ETH_BRIDGE, PPP_TYPE, UBS_TYPE, A10_TYPE = 0x6558, 0x880B, 0x8881, 0x88D2
MAX_SRES = 64  # source route entries walked before the rest is left alone

# Wireshark's gre_typevals: the names GRE gives its protocol types (not eth.type's).
TYPE_NAMES = {
    0x0000: "Possible GRE keepalive packet", 0x880B: "PPP", 0x0800: "IP", 0x0806: "ARP",
    0x00FE: "OSI", 0x883E: "WCCP", 0x2000: "CDP (Cisco)", 0x2001: "NHRP", 0x88BE: "ERSPAN",
    0x22EB: "ERSPAN III", 0x6400: "MIKROTIK EoIP", 0x2111: "AIROHIVE AP AP", 0x8137: "IPX",
    0x6558: "Transparent Ethernet bridging", 0x6559: "Frame Relay", 0x86DD: "IPv6",
    0x8847: "MPLS label switched packet", 0x894F: "Network Service Header",
    0x8881: "CDMA2000 A10 Unstructured byte stream", 0x88D2: "CDMA2000 A10 3GPP2 Packet",
    0x8909: "CiscoMetaData", 0xB7EA: "Huawei GRE bonding",
    **{k: "ARUBA WLAN" for k in range(0x8200, 0x8380, 0x10)}, 0x9000: "ARUBA WLAN",
}  # fmt: skip
YES_NO = true_false("Yes", "No")


def _explain_flag(what: str) -> Any:
    return lambda v, _l: f"{what}: {'present' if v else 'absent'} in this header."


FLAGS = (
    Flag("gre.flags.checksum", "Checksum Bit", C_BIT, 2, text=YES_NO,
         explain=_explain_flag("A checksum (and offset) field")),
    Flag("gre.flags.routing", "Routing Bit", R_BIT, 2, text=YES_NO,
         explain=_explain_flag("Source routing entries (RFC 1701, deprecated)")),
    Flag("gre.flags.key", "Key Bit", K_BIT, 2, text=YES_NO,
         explain=_explain_flag("A key field, which tells tunnels or flows apart")),
    Flag("gre.flags.sequence_number", "Sequence Number Bit", S_BIT, 2, text=YES_NO,
         explain=_explain_flag("A sequence number field")),
    Flag("gre.flags.strict_source_route", "Strict Source Route Bit", 0x0800, 2, text=YES_NO,
         explain="Strict source routing (RFC 1701, deprecated): only the listed hops."),
    Bits("gre.flags.recursion_control", "Recursion control", 2, mask=0x0700,
         explain="How many more encapsulations are allowed (RFC 1701, deprecated)."),
)  # fmt: skip
RESERVED = Bits("gre.flags.reserved", "Flags (Reserved)", 2, mask=0x00F8, explain=EXPLAIN_RESERVED)
ACK_FLAG = Flag("gre.flags.ack", "Acknowledgment", A_BIT, 2, text=YES_NO,
                explain=_explain_flag("PPTP: an acknowledgment number"))  # fmt: skip
VERSION = Bits("gre.flags.version", "Version", 2, mask=0x0007,
               names={0: "GRE", 1: "Enhanced GRE"},
               explain=lambda v, _l: f"GRE version {v}: "
               + ("RFC 2784 GRE." if v == 0 else "PPTP's enhanced GRE." if v == 1 else "unknown."))  # fmt: skip

FLAGS_AND_VERSION = U16("gre.flags_and_version", "Flags and Version", base=HEX,
                        explain="Which optional fields follow, and the GRE version.")  # fmt: skip
PROTO = U16("gre.proto", "Protocol Type", base=HEX, names=TYPE_NAMES,
            explain="The EtherType of the encapsulated packet (0x0800 IPv4, 0x86dd IPv6, 0x6558 "
            "a whole Ethernet frame).")  # fmt: skip
CHECKSUM = U16("gre.checksum", "Checksum", base=HEX,
               explain="The Internet checksum over the GRE header and payload.")  # fmt: skip
CHECKSUM_STATUS = Str("gre.checksum.status", "Checksum Status", generated=True,
                      explain=explain_checksum_status)  # fmt: skip
CHECKSUM_CALC = Int("gre.checksum.calculated", "Calculated Checksum", base=HEX, generated=True,
                     explain="The checksum worked out over the captured bytes.")  # fmt: skip
OFFSET = U16("gre.offset", "Offset",
             explain="Where the active source route entry starts (with the routing bit).")  # fmt: skip
KEY = U32("gre.key", "Key", base=HEX,
          explain="A number the tunnel endpoints agree on, to tell flows or tunnels apart.")  # fmt: skip
PAYLOAD_LENGTH = U16("gre.key.payload_length", "Payload Length",
                     explain="PPTP: the bytes of PPP payload, headers excluded.")  # fmt: skip
CALL_ID = U16("gre.key.call_id", "Call ID",
              explain="PPTP: the peer's call ID, which session this packet belongs to.")  # fmt: skip
SEQUENCE = U32("gre.sequence_number", "Sequence Number",
               explain="Counts the packets of the tunnel, so the receiver can spot loss and order.")  # fmt: skip
ACK = U32("gre.ack_number", "Acknowledgment Number",
          explain="PPTP: the highest sequence number the sender has received.")  # fmt: skip
ROUTING = Bytes("gre.routing", "Routing", explain="A source route entry (RFC 1701).")
ROUTING_AF = U16("gre.routing.address_family", "Address Family",
                 explain="The kind of address in this source route entry.")  # fmt: skip
ROUTING_OFFSET = U8("gre.routing.sre_offset", "SRE Offset",
                    explain="Where in the entry the next hop's address is.")  # fmt: skip
ROUTING_LENGTH = U8("gre.routing.src_length", "SRE Length",
                    explain="Bytes of routing information in this entry (0 ends the list).")  # fmt: skip
ROUTING_INFO = Bytes("gre.routing.information", "Routing Information",
                     explain="The addresses of the source route.")  # fmt: skip


def _type_name(t: int, unknown: str) -> str:
    name = TYPE_NAMES.get(t)
    return name if name is not None else unknown % t


GRE = Protocol(
    "gre", "Generic Routing Encapsulation", osi=Osi.NETWORK, short="GRE",
    header=(FLAGS_AND_VERSION, PROTO),
    colour="#afaf87",
    explain="GRE wraps one network packet inside another (a tunnel): the outer IP header "
    "carries it between the tunnel's two ends, where it is unwrapped.",
)  # fmt: skip


def _info(layer: Layer) -> str:
    ptype = layer.value("gre.proto")
    return "" if ptype is None else "Encapsulated " + _type_name(ptype, "0x%04X (unknown)")


def _describe(layer: Layer) -> str:
    ptype = layer.value("gre.proto")
    if ptype is None:
        return GRE.title
    return f"Generic Routing Encapsulation ({_type_name(ptype, '0x%04X - unknown')})"


def _is_ppp(flags: int, ptype: int) -> bool:
    """Wireshark's test for PPTP's enhanced header (key split, acknowledgment number)."""
    return (ptype == PPP_TYPE and bool(flags & 0x0007)) or ptype in (UBS_TYPE, A10_TYPE)


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    flags, ptype = layer.value("gre.flags_and_version"), layer.value("gre.proto")
    ppp = _is_ppp(flags, ptype)
    _flag_fields(layer, flags, ppp)
    i = pos + 4
    wanted = (
        (flags & (C_BIT | R_BIT) and 4) + (flags & K_BIT and 4) + (flags & S_BIT and 4)
        + (ppp and flags & A_BIT and 4)
    )  # fmt: skip
    if i + wanted > end:
        layer.short(4 + wanted, "GRE optional fields")
        layer.hdr_len, layer.payload_pos = end - pos, end
        layer.stop()
        return
    if flags & (C_BIT | R_BIT):
        i = _checksum(data, layer, flags, i)
    if flags & K_BIT:
        if ppp and ptype != UBS_TYPE:
            layer.add(PAYLOAD_LENGTH, i, 2, uint_at(data, i, 2))
            layer.add(CALL_ID, i + 2, 2, uint_at(data, i + 2, 2))
        else:
            layer.add(KEY, i, 4, uint_at(data, i, 4))
        i += 4
    if flags & S_BIT:
        layer.add(SEQUENCE, i, 4, uint_at(data, i, 4))
        i += 4
    if ppp and flags & A_BIT:
        layer.add(ACK, i, 4, uint_at(data, i, 4))
        i += 4
    if flags & R_BIT:
        i = _routing(data, layer, i, end)
    layer.hdr_len = i - pos
    layer.payload_pos = i
    layer.next = _next(ptype)


def _flag_fields(layer: Layer, flags: int, ppp: bool) -> None:
    """The flag bits under the flags-and-version field, as Wireshark lays them out."""
    pos = layer.pos
    parent = layer.add(FLAGS_AND_VERSION, pos, 2, flags)
    for spec in FLAGS:
        value = bool(flags & spec.mask) if spec.kind == "flag" else (flags & spec.mask) >> 8
        layer.add(spec, pos, 2, value, mask=spec.mask, parent=parent)
    if ppp:
        layer.add(ACK_FLAG, pos, 2, bool(flags & A_BIT), mask=A_BIT, parent=parent)
        # Wireshark's reserved bits of the enhanced header keep the name, one bit fewer
        layer.add(RESERVED, pos, 2, (flags & 0x78) >> 3, mask=0x78, parent=parent)
    else:
        layer.add(RESERVED, pos, 2, (flags & 0xF8) >> 3, mask=0xF8, parent=parent)
    layer.add(VERSION, pos, 2, flags & 7, mask=7, parent=parent)
    layer.add(PROTO, pos + 2, 2, layer.value("gre.proto"))
    layer.values = None  # the fields are made: the header table's would repeat them


def _checksum(data: Any, layer: Layer, flags: int, i: int) -> int:
    """Checksum and offset; the checksum is verified (C set) unless the datagram is a
    fragment, quoted by an ICMP error or cut by the capture, as for every checksum."""
    layer.add(CHECKSUM, i, 2, uint_at(data, i, 2))
    pkt = layer.packet
    cut = pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen
    if flags & C_BIT and not (pkt.ctx.fragment or pkt.ctx.in_error or cut):
        verify(layer, data, layer.pos, layer.payload_end, i, CHECKSUM_STATUS, CHECKSUM_CALC,
               what="checksum")  # fmt: skip
    layer.add(OFFSET, i + 2, 2, uint_at(data, i + 2, 2))
    return i + 4


def _routing(data: Any, layer: Layer, i: int, end: int) -> int:
    """Source route entries up to the empty one that ends them."""
    for _ in range(MAX_SRES):
        if i + 4 > end:
            layer.short(i + 4 - layer.pos, "GRE source route entry")
            return end
        af, length = uint_at(data, i, 2), data[i + 3]
        entry = layer.add(ROUTING, i, min(4 + length, end - i), b"")
        layer.add(ROUTING_AF, i, 2, af, parent=entry)
        layer.add(ROUTING_OFFSET, i + 2, 1, data[i + 2], parent=entry)
        layer.add(ROUTING_LENGTH, i + 3, 1, length, parent=entry)
        if af == 0 and length == 0:
            return i + 4
        stop = min(i + 4 + length, end)
        layer.add(ROUTING_INFO, i + 4, stop - i - 4, bytes(data[i + 4 : stop]), parent=entry)
        i = stop
    return i


def _next(ptype: int) -> Any:
    """GRE's own table first (protocols that bind only under GRE), then the EtherTypes;
    0x6558 is a whole Ethernet frame."""
    if ptype == ETH_BRIDGE:
        return PROTOCOLS.get("eth") or DATA
    return lookup("gre.proto", ptype) or lookup("ethertype", ptype) or DATA


GRE.tail = _tail
GRE.info = _info
GRE.describe = _describe

bind("ip.proto", 47, GRE)
