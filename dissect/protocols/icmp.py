"""Internet Control Message Protocol (RFC 792; router discovery RFC 1256, Mobile IP
advertisement extensions RFC 5944, multi-part extensions RFC 4884 with MPLS label stack
RFC 4950 and interface information RFC 5837, extended echo RFC 8335).

Error messages (destination unreachable, source quench, redirect, time exceeded,
parameter problem) quote the offending packet: its IP header and at least 8 bytes after it.
The quote is decoded by the ordinary IPv4 decoder and whatever follows it, as Wireshark
shows it ("ip:icmp:ip:udp"), with ctx.in_error set so that the quoted layers
know their length fields point past the quote on purpose (Wireshark's
pinfo->flags.in_error_pkt) and ctx.quote_end marking where the quote stops
when multi-part extensions follow it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..names import EXPLAIN_RESERVED, TRUE_FALSE, duration, true_false
from ..protocol import (
    DATA,
    DEC_HEX,
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bulk,
    Bytes,
    Checksum,
    Field,
    Flag,
    Float,
    Int,
    IPv4,
    IPv6,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    explain_checksum_status,
    lookup,
    uint_at,
    verify,
)

TYPE_NAMES = {
    0: "Echo (ping) reply", 1: "Reserved", 2: "Reserved", 3: "Destination unreachable",
    4: "Source quench (flow control)", 5: "Redirect", 6: "Alternate host address",
    8: "Echo (ping) request", 9: "Router advertisement", 10: "Router solicitation",
    11: "Time-to-live exceeded", 12: "Parameter problem", 13: "Timestamp request",
    14: "Timestamp reply", 15: "Information request", 16: "Information reply",
    17: "Address mask request", 18: "Address mask reply", 19: "Reserved (for security)",
    30: "Traceroute", 31: "Datagram Conversion Error", 32: "Mobile Host Redirect",
    33: "IPv6 Where-Are-You", 34: "IPv6 I-Am-Here", 35: "Mobile Registration Request",
    36: "Mobile Registration Reply", 37: "Domain Name Request", 38: "Domain Name Reply",
    39: "SKIP", 40: "Photuris", 41: "Experimental mobility protocols",
    42: "Extended Echo request", 43: "Extended Echo reply",
}  # fmt: skip
CODE_NAMES = {
    3: {
        0: "Network unreachable", 1: "Host unreachable", 2: "Protocol unreachable",
        3: "Port unreachable", 4: "Fragmentation needed", 5: "Source route failed",
        6: "Destination network unknown", 7: "Destination host unknown",
        8: "Source host isolated", 9: "Network administratively prohibited",
        10: "Host administratively prohibited", 11: "Network unreachable for TOS",
        12: "Host unreachable for TOS", 13: "Communication administratively filtered",
        14: "Host precedence violation", 15: "Precedence cutoff in effect",
    },
    5: {0: "Redirect for network", 1: "Redirect for host", 2: "Redirect for TOS and network",
        3: "Redirect for TOS and host"},
    6: {0: "Alternate address for host"},
    9: {0: "Normal router advertisement", 16: "Does not route common traffic"},
    11: {0: "Time to live exceeded in transit", 1: "Fragment reassembly time exceeded"},
    12: {0: "Pointer indicates the error", 1: "Required option missing", 2: "Bad length"},
    40: {0: "Bad SPI", 1: "Authentication Failed", 2: "Decompression Failed",
         3: "Decryption Failed", 4: "Need Authentication", 5: "Need Authorization"},
    42: {0: "No error"},
    43: {0: "No error", 1: "Malformed Query", 2: "No Such Interface", 3: "No Such Table Entry",
         4: "Multiple Interfaces Satisfy Query"},
}  # fmt: skip
ERROR_TYPES = frozenset({3, 4, 5, 11, 12})
ID_SEQ_TYPES = frozenset({0, 8, 13, 14, 15, 16, 17, 18})
MIP_NAMES = {0: "One byte padding extension", 16: "Mobility Agent Advertisement Extension",
             19: "Prefix Lengths Extension", 24: "Challenge Extension"}  # fmt: skip
EXT_CLASSES = {1: "MPLS Label Stack Class", 2: "Interface Information Object",
               3: "Interface Identification Object"}  # fmt: skip
INT_ROLES = {0: "IP interface upon which datagram arrived",
             1: "sub-IP component of an IP interface upon which datagram arrived",
             2: "IP interface through which datagram would be forwarded",
             3: "IP next-hop to which datagram would be forwarded"}  # fmt: skip
EXT_ECHO_STATES = {0: "Reserved", 1: "Incomplete", 2: "Reachable", 3: "Stale", 4: "Delay",
                   5: "Probe", 6: "Failed"}  # fmt: skip
MAX_ITEMS = 64  # bounds every walk over extensions, addresses and objects


@dataclass(slots=True)
class IcmpState:
    """A message with identifier and sequence number (echo, timestamp, information, address
    mask): what tail() read for the Info column, which must not build fields."""

    ident: int  # the identifier, big-endian
    seq: int  # the sequence number, big-endian
    seq_le: int  # the same two bytes little-endian (Wireshark shows both)


TYPE_TEXT = {
    0: "the answer to an echo request (ping): the target is reachable",
    3: "a router or the destination could not deliver the quoted packet",
    4: "an old request to slow down (deprecated)",
    5: "a router tells the sender to use a better router for this destination",
    8: "a ping: the receiver should answer with an echo reply",
    9: "a router announces itself to the hosts on the link",
    10: "a host asks the routers on the link to announce themselves",
    11: "the quoted packet's TTL ran out on the way (traceroute relies on this)",
    12: "the quoted packet's header had a bad field",
    13: "asks the receiver for its clock",
    14: "answers a timestamp request with the receiver's clock",
    17: "asks for the network's subnet mask (obsolete)",
    18: "answers an address mask request (obsolete)",
    42: "asks about an interface's state (PROBE, RFC 8335)",
    43: "answers an extended echo request with the interface's state",
}  # fmt: skip


def _explain_type(value: int, layer: Layer) -> str:
    what = TYPE_TEXT.get(value, "one of the rarer or obsolete ICMP messages")
    name = TYPE_NAMES.get(value, "unknown")
    return f"Type {value}, {name}: {what}."


def _explain_code(value: int, layer: Layer) -> str:
    codes = CODE_NAMES.get(layer.value("icmp.type"))
    if not codes:
        return f"Code {value}: this message type defines no codes (0)."
    return f"Code {value}: {codes.get(value, 'unknown')}, the detail of the message type."


UNKNOWN_TYPE = "Unknown ICMP (obsolete or malformed?)"


def _type_name(itype: int) -> str:
    return TYPE_NAMES.get(itype, UNKNOWN_TYPE)


ICMP = Protocol(
    "icmp", "Internet Control Message Protocol", osi=Osi.NETWORK, short="ICMP",
    header=(
        U8("icmp.type", "Type", text=lambda v: f"{v} ({_type_name(v)})", explain=_explain_type),
        U8("icmp.code", "Code", explain=_explain_code),
        U16("icmp.checksum", "Checksum", base=HEX, explain="The checksum covers the whole ICMP message, so the receiver can detect "
            "corruption."),
    ),
    checksum=Checksum("icmp.checksum"),  # over the whole message
    state=IcmpState, colour="#f59bd4",
    # an error quotes a packet; an echo's tail marks nothing once its 8 bytes are there,
    # and hands on its data
    bulk=Bulk(plain=(("icmp.type", "not in", ERROR_TYPES),),
              settled=(("icmp.type", "in", (0, 8)),), settled_size=8),
    explain="ICMP carries control messages for IP: echo request/reply (ping), and error "
    "reports such as 'destination unreachable' or 'time exceeded' that quote the packet "
    "which caused them.",
)  # fmt: skip

UNUSED = Bytes(
    "icmp.unused", "Unused", explain="Unused bytes of the message header: senders set them to zero."
)
RESERVED = Bytes("icmp.reserved", "Reserved", explain=EXPLAIN_RESERVED)
IDENT = U16(
    "icmp.ident",
    "Identifier (BE)",
    base=DEC_HEX,
    explain="Identifier: chosen by the sender (often its process ID) so replies can be "
    "matched to the program that asked; the reply copies it.",
)
IDENT_LE = U16(
    "icmp.ident_le",
    "Identifier (LE)",
    base=DEC_HEX,
    explain="The same identifier read little-endian, as some systems write it "
    "(Wireshark shows both).",
)
SEQ = U16(
    "icmp.seq",
    "Sequence Number (BE)",
    base=DEC_HEX,
    explain="Sequence number: counts the requests (ping's icmp_seq), so each reply can be "
    "matched to its request; the reply copies it.",
)
SEQ_LE = U16(
    "icmp.seq_le",
    "Sequence Number (LE)",
    base=DEC_HEX,
    explain="The same sequence number read little-endian, as Windows writes it "
    "(Wireshark shows both).",
)
MTU = U16(
    "icmp.mtu",
    "MTU of next hop",
    explain="MTU of the next hop: the biggest packet the link that refused this one can "
    "carry; the sender should send smaller packets (Path MTU discovery).",
)
POINTER = U32(
    "icmp.pointer",
    "Pointer",
    explain="Pointer: the byte of the quoted header where the problem is.",
)
LENGTH = U8(
    "icmp.length",
    "Length",
    explain="Length of the quoted original datagram, in 32-bit words (RFC 4884): "
    "extension objects follow it.",
)
LENGTH_ORIG = Int(
    "icmp.length.original_datagram",
    "Length of original datagram",
    generated=True,
    explain="Length of the quoted original datagram in bytes (worked out from the length field).",
)
REDIR_GW = IPv4(
    "icmp.redir_gw",
    "Gateway Address",
    explain="The router the host should use from now on for this destination.",
)
NUM_ADDRS = U8(
    "icmp.num_addrs",
    "Number of addresses",
    explain="How many router addresses this advertisement lists.",
)
ENTRY_SIZE = U8(
    "icmp.addr_entry_size",
    "Address entry size",
    explain="Words per address entry: 2 (an address and a preference level).",
)
LIFETIME = U16(
    "icmp.lifetime",
    "Lifetime",
    text=lambda v: f"{v} ({duration(v)})",
    explain="How long the advertised addresses stay valid, in seconds.",
)
ROUTER_ADDR = IPv4(
    "icmp.router_address", "Router address", explain="An address of the advertising router."
)
PREF_LEVEL = U32(
    "icmp.pref_level",
    "Preference level",
    signed=True,
    explain="Preference level: hosts pick the router with the highest one as their default.",
)
DAY_MS = 86_400_000


def _ms_after_midnight(v: int) -> str:
    """'16131171 (4 hours, 28 minutes, 51.171 seconds after midnight UTC)'. A value past a
    day is read little-endian when that fits a day (hosts that got the byte order wrong),
    as Wireshark does."""
    ms = v
    if ms >= DAY_MS:
        swapped = int.from_bytes(v.to_bytes(4, "big"), "little")
        ms = swapped if swapped < DAY_MS else ms
    return f"{v} ({duration(ms // 1000, ms % 1000)} after midnight UTC)"


ORIG_TS = U32(
    "icmp.originate_timestamp",
    "Originate Timestamp",
    text=_ms_after_midnight,
    explain="Originate timestamp: when the request was sent, in milliseconds since "
    "midnight UTC; the three timestamps let the sender estimate the clock difference "
    "and the round trip.",
)
RECV_TS = U32(
    "icmp.receive_timestamp",
    "Receive Timestamp",
    text=_ms_after_midnight,
    explain="Receive timestamp: when the replying host got the request, in milliseconds "
    "since midnight UTC; the three timestamps let the sender estimate the clock "
    "difference and the round trip.",
)
XMIT_TS = U32(
    "icmp.transmit_timestamp",
    "Transmit Timestamp",
    text=_ms_after_midnight,
    explain="Transmit timestamp: when the reply was sent, in milliseconds since "
    "midnight UTC; the three timestamps let the sender estimate the clock difference "
    "and the round trip.",
)
ADDR_MASK = IPv4(
    "icmp.address_mask", "Address Mask", explain="The subnet mask of the network the host is on."
)
DATA_TIME = Str(
    "icmp.data_time",
    "Timestamp from icmp data",
    explain="A timestamp the ping program put at the start of the data, to measure "
    "the round trip when the reply comes back.",
)
DATA_TIME_RELATIVE = Float(
    "icmp.data_time_relative",
    "Timestamp from icmp data (relative)",
    generated=True,
    text=lambda v: f"{v:.9f} seconds",
    explain="How long before this packet was captured the ping program stamped it: "
    "the time the request took to get here (or there and back, in a reply).",
)
MIP_EXT = Str(
    "icmp.mip.ext", "Ext", explain="One mobility extension of a router advertisement."
)  # one extension: its fields under it
MIP_TYPE = U8(
    "icmp.mip.type",
    "Extension Type",
    names=MIP_NAMES,
    explain="Mobility extension type: what this extension of the router advertisement says.",
)
MIP_LENGTH = U8("icmp.mip.length", "Length", explain="Length of the extension's data in bytes.")
MIP_PREFIX = U8(
    "icmp.mip.prefixlength",
    "Prefix Length",
    explain="Prefix length of one advertised router address: how much of it is the network part.",
)
MIP_SEQ = U16(
    "icmp.mip.seq",
    "Sequence Number",
    explain="Counts the agent's advertisements since it started, so mobile nodes notice a reboot.",
)
MIP_LIFE = U16(
    "icmp.mip.life",
    "Registration Lifetime",
    explain="The longest registration lifetime, in seconds, this agent accepts.",
)
MIP_FLAGS = U16(
    "icmp.mip.flags",
    "Flags",
    base=HEX,
    text=lambda v: _mip_flags_show(v),
    explain="What the mobility agent offers (home agent, foreign agent, encapsulations).",
)
MIP_FLAG_BITS = tuple(
    Flag(f"icmp.mip.{name}", label, mask, width=2, text=TRUE_FALSE,
         explain=f"Set when the mobility agent offers this: {label}.")
    for name, label, mask in (
        ("r", "Registration Required", 0x8000), ("b", "Busy", 0x4000), ("h", "Home Agent", 0x2000),
        ("f", "Foreign Agent", 0x1000), ("m", "Minimal Encapsulation", 0x0800), ("g", "GRE", 0x0400),
        ("v", "VJ Comp", 0x0200), ("rt", "Reverse tunneling", 0x0100),
        ("u", "UDP tunneling", 0x0080), ("x", "Revocation support", 0x0040),
    )
)  # fmt: skip
MIP_RESERVED = Bits(
    "icmp.mip.reserved", "Reserved", 2, mask=0x003F, base=HEX, explain=EXPLAIN_RESERVED
)


def _mip_flags_show(flags: int) -> str:
    """'0x3000, Home Agent, Foreign Agent': the value, then the label of each flag set."""
    return "".join([f"0x{flags:04x}"] + [f", {f.label}" for f in MIP_FLAG_BITS if flags & f.mask])


MIP_COA = IPv4(
    "icmp.mip.coa",
    "Care-Of-Address",
    explain="A care-of address: where a visiting mobile node can be reached through "
    "this foreign agent.",
)
MIP_CHALLENGE = Bytes(
    "icmp.mip.challenge",
    "Challenge",
    explain="A random challenge the mobile node must include in its registration.",
)
MIP_CONTENT = Bytes(
    "icmp.mip.content", "Content", explain="The data of an extension this tool does not decode."
)
EXT_ECHO_SEQ = U8(
    "icmp.ext.echo.seq",
    "Sequence Number",
    base=DEC_HEX,
    explain="Sequence number of the extended echo request, copied into the reply.",
)
EXT_ECHO_REQ_RES = Bits(
    "icmp.ext.echo.req.res", "Reserved", 1, mask=0xFE, base=HEX, explain=EXPLAIN_RESERVED
)
EXT_ECHO_LOCAL = Flag(
    "icmp.ext.echo.req.local",
    "Local bit",
    0x01,
    width=1,
    explain="Local bit: the probed interface is on the node that receives the request.",
)
EXT_ECHO_STATE = Bits(
    "icmp.ext.echo.rsp.state",
    "State",
    1,
    mask=0xE0,
    names=EXT_ECHO_STATES,
    explain="The probed interface's neighbor state (reachable, stale, "
    "failed...), as Neighbor Discovery keeps it.",
)
EXT_ECHO_RSP_RES = Bits(
    "icmp.ext.echo.rsp.res", "Reserved", 1, mask=0x18, base=HEX, explain=EXPLAIN_RESERVED
)
EXT_ECHO_ACTIVE = Flag(
    "icmp.ext.echo.rsp.active",
    "Active bit",
    0x04,
    width=1,
    explain="Active bit: the probed interface is up.",
)
EXT_ECHO_IPV4 = Flag(
    "icmp.ext.echo.rsp.ipv4",
    "IPv4 bit",
    0x02,
    width=1,
    explain="IPv4 bit: the probed interface runs IPv4.",
)
EXT_ECHO_IPV6 = Flag(
    "icmp.ext.echo.rsp.ipv6",
    "IPv6 bit",
    0x01,
    width=1,
    explain="IPv6 bit: the probed interface runs IPv6.",
)
EXT = Str(
    "icmp.ext",
    "",
    explain="Multi-part extensions (RFC 4884): extra objects after the quoted packet, such "
    "as MPLS labels or the interface the error came from.",
)  # the line is its value: "ICMP Multi-Part Extensions"
EXT_VERSION = Bits(
    "icmp.ext.version",
    "Version",
    1,
    mask=0xF0,
    bits=0,
    explain="Version of the extension structure (2).",
)
EXT_RES = Bits("icmp.ext.res", "Reserved", 2, mask=0x0FFF, base=HEX, explain=EXPLAIN_RESERVED)
EXT_CHECKSUM = U16(
    "icmp.ext.checksum",
    "Checksum",
    base=HEX,
    explain="The checksum of the extension structure, which covers it alone.",
)
EXT_CHECKSUM_STATUS = Str(
    "icmp.ext.checksum.status", "Checksum Status", generated=True, explain=explain_checksum_status
)
EXT_CHECKSUM_CALC = Int(
    "icmp.ext.checksum.calculated",
    "Calculated Checksum",
    base=HEX,
    generated=True,
    explain=lambda v, _l: f"The extension checksum worked out over the captured bytes: 0x{v:04x}.",
)
EXT_LENGTH = U16(
    "icmp.ext.length",
    "Length",
    explain="Length of this extension object in bytes, its 4-byte header included.",
)
EXT_CLASS = U8(
    "icmp.ext.class",
    "Class",
    names=EXT_CLASSES,
    explain="Class: what kind of object this is (MPLS label stack, interface information...).",
)
EXT_CTYPE = U8(
    "icmp.ext.ctype", "C-Type", explain="C-Type: the object's sub-type within its class."
)
EXT_OBJECT = Str(
    "icmp.ext.object", "", explain="One object of the ICMP extension structure (RFC 4884)."
)  # one object, its fields under it: "MPLS Stack Entry"
OBJECT_NAMES = {1: "MPLS Stack Entry", 2: "Interface Information Object",
                3: "Interface Identification Object"}  # fmt: skip
MPLS_ENTRY = Str(
    "icmp.mpls.entry", "", explain="One MPLS label the packet carried when it caused this error."
)  # "Label: 22, Exp: 0, S: 1, TTL: 1", its fields under it
EXT_DATA = Bytes(
    "icmp.ext.data", "Data", explain="The data of an extension object this tool does not decode."
)
MPLS_LABEL = Bits(
    "icmp.mpls.label",
    "Label",
    3,
    mask=0xFFFFF0,
    explain="An MPLS label the packet carried when the error happened: which "
    "label-switched path it was on.",
)
MPLS_EXP = Bits(
    "icmp.mpls.exp",
    "Experimental",
    3,
    mask=0x00000E,
    explain="The MPLS traffic-class bits of that label entry.",
)
MPLS_S = Flag(
    "icmp.mpls.s",
    "Stack bit",
    0x000001,
    width=3,
    explain="Bottom-of-stack bit: set on the last label of the stack.",
)
MPLS_TTL = U8("icmp.mpls.ttl", "Time to live", explain="The MPLS TTL of that label entry.")
INT_ROLE = Bits(
    "icmp.int_info.role",
    "Interface Role",
    1,
    mask=0xC0,
    names=INT_ROLES,
    explain="Which interface this object describes: the one the packet arrived on, or "
    "the one it would have left by.",
)
INT_RESERVED = Bits("icmp.int_info.reserved", "Reserved", 1, mask=0x30, explain=EXPLAIN_RESERVED)
PRESENT = true_false("Present", "Not Present")
INT_HAS_IFINDEX = Flag(
    "icmp.int_info.ifindex",
    "ifIndex",
    0x08,
    width=1,
    text=TRUE_FALSE,
    explain="Whether the object holds the interface's index.",
)
INT_HAS_IPADDR = Flag(
    "icmp.int_info.ipaddr",
    "IP Address",
    0x04,
    width=1,
    text=PRESENT,
    explain="Whether the object holds an IP address of the interface.",
)
INT_HAS_NAME = Flag(
    "icmp.int_info.name_present",
    "Interface Name",
    0x02,
    width=1,
    text=PRESENT,
    explain="Whether the object holds the interface's name.",
)
INT_HAS_MTU = Flag(
    "icmp.int_info.mtu_present",
    "MTU",
    0x01,
    width=1,
    text=PRESENT,
    explain="Whether the object holds the interface's MTU.",
)
INT_INDEX = U32(
    "icmp.int_info.index",
    "Interface Index",
    explain="The interface's index on the router (its ifIndex).",
)
INT_AFI = U16(
    "icmp.int_info.afi",
    "Address Family Identifier",
    explain="Address family of the address that follows (1 IPv4, 2 IPv6).",
)
INT_IPV4 = IPv4("icmp.int_info.ipv4", "Source", explain="An IPv4 address of the interface.")
INT_IPV6 = IPv6("icmp.int_info.ipv6", "Source", explain="An IPv6 address of the interface.")
INT_NAME_LEN = U8(
    "icmp.int_info.name_length", "Name Length", explain="Length of the name sub-object in bytes."
)
INT_NAME = Text(
    "icmp.int_info.name", "Name", explain="The interface's name on the router (such as eth0)."
)
INT_MTU = U32(
    "icmp.int_info.mtu",
    "Maximum Transmission Unit",
    explain="The interface's MTU: the biggest packet it can send.",
)
IDENT_NAME = Text("icmp.int_ident.name", "Name", explain="The probed interface, by name.")
IDENT_INDEX = U32(
    "icmp.int_ident.index", "Interface Index", explain="The probed interface, by index."
)
IDENT_AFI = U16(
    "icmp.int_ident.afi",
    "Address Family Identifier",
    explain="Address family of the probed interface's address (1 IPv4, 2 IPv6).",
)
IDENT_ADDR_LEN = U8(
    "icmp.int_ident.addr_length", "Address Length", explain="Length of the address in bytes."
)
IDENT_RESERVED = Bytes("icmp.int_ident.reserved", "Reserved", explain=EXPLAIN_RESERVED)
IDENT_IPV4 = IPv4(
    "icmp.int_ident.ipv4", "Address", explain="The probed interface, by its IPv4 address."
)
IDENT_IPV6 = IPv6(
    "icmp.int_ident.ipv6", "Address", explain="The probed interface, by its IPv6 address."
)
IDENT_ADDRESS = Bytes(
    "icmp.int_ident.address",
    "Address",
    explain="The probed interface, by an address of a family this tool does not decode.",
)


def _ipv4(data: Any, off: int) -> str:
    return ".".join(str(b) for b in data[off : off + 4])


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    itype = layer.value("icmp.type")
    layer.hdr_len = min(8, end - pos)
    layer.payload_pos = pos + layer.hdr_len
    if itype in ERROR_TYPES or itype in ID_SEQ_TYPES or itype in (9, 42, 43):
        if end - pos < 8:
            layer.short(8, "ICMP message")
            return
    if itype in ERROR_TYPES:
        _error(data, layer, itype)
    elif itype in ID_SEQ_TYPES:
        _id_seq(data, layer, itype)
    elif itype == 9:
        _router_advert(data, layer)
    elif itype in (42, 43):
        _ext_echo(data, layer, itype)
    elif itype == 10 and end - pos >= 8:
        layer.add(RESERVED, pos + 4, 4, bytes(data[pos + 4 : pos + 8]))
    if layer.next is None and not (itype in (0, 8) or (itype == 9 and data[pos + 5] != 2)):
        # Wireshark hands on only echo data (and odd router entries): other messages keep
        # their trailing bytes
        layer.hdr_len = end - pos
        layer.payload_pos = end


def _detail(data: Any, layer: Layer) -> None:
    """The identifier and sequence fields of the message tail() kept in layer.state."""
    if layer.state is not None:
        _id_seq_fields(data, layer, layer.value("icmp.type"))


def _error(data: Any, layer: Layer, itype: int) -> None:
    """The second word, then the quoted packet handed to IPv4, then any RFC 4884 extension."""
    pos, end = layer.pos, layer.payload_end
    orig_words = data[pos + 5] if itype in (3, 11, 12) else 0
    _error_word(data, layer, itype, orig_words)
    pkt = layer.packet
    quote = pos + 8
    if pkt.ctx.in_error or quote >= end:
        return  # an error quoting an error: its own quote stays data (as Wireshark)
    quote_end, ext = end, None
    quoted_len = uint_at(data, quote + 2, 2) if quote + 4 <= end else 0
    if itype == 5:  # redirects quote exactly the header and 8 bytes
        quote_end = min(end, quote + (data[quote] & 0x0F) * 4 + 8)
    elif orig_words and end > quote + orig_words * 4:
        quote_end = quote + orig_words * 4
    if end > quote + 128 and (quoted_len <= 128 or orig_words):
        ext = quote + max(orig_words * 4, 128)
        quote_end = min(quote_end, ext)
    pkt.ctx.in_error = True
    # Wireshark stops writing the summary columns inside the quote: the row stays ICMP's
    pkt.ctx.column_layers = len(pkt.layers)
    pkt.ctx.quote_end = quote_end
    layer.next = lookup("ethertype", 0x0800) or DATA
    if ext is not None:
        _extension(data, layer, ext, end)


def _error_word(data: Any, layer: Layer, itype: int, orig_words: int) -> None:
    pos, code = layer.pos, layer.value("icmp.code")
    if itype == 5:
        layer.add(REDIR_GW, pos + 4, 4, _ipv4(data, pos + 4))
        return
    if itype == 12:
        layer.add(POINTER, pos + 4, 1, data[pos + 4])
    if orig_words and itype in (3, 11, 12):
        if itype != 12:
            layer.add(UNUSED, pos + 4, 1, bytes(data[pos + 4 : pos + 5]))
        layer.add(LENGTH, pos + 5, 1, orig_words)
        layer.add(LENGTH_ORIG, pos + 5, 0, orig_words * 4, generated=True)
        if itype == 3 and code == 4:
            layer.add(MTU, pos + 6, 2, uint_at(data, pos + 6, 2))
        else:
            layer.add(UNUSED, pos + 6, 2, bytes(data[pos + 6 : pos + 8]))
    elif itype == 3 and code == 4:
        layer.add(UNUSED, pos + 4, 2, bytes(data[pos + 4 : pos + 6]))
        layer.add(MTU, pos + 6, 2, uint_at(data, pos + 6, 2))
    elif itype == 12:
        layer.add(UNUSED, pos + 5, 3, bytes(data[pos + 5 : pos + 8]))
    elif itype != 4:  # Wireshark shows no field for a source quench's unused word
        layer.add(UNUSED, pos + 4, 4, bytes(data[pos + 4 : pos + 8]))


def _id_seq(data: Any, layer: Layer, itype: int) -> None:
    """Header length of a message with identifier and sequence number, which layer.state
    keeps for the Info column; detail() adds the fields."""
    pos, end = layer.pos, layer.payload_end
    ident, seq = (data[pos + 4] << 8) | data[pos + 5], (data[pos + 6] << 8) | data[pos + 7]
    layer.state = IcmpState(ident, seq, (data[pos + 7] << 8) | data[pos + 6])
    if itype in (0, 8):
        layer.hdr_len = 8 + _data_time(data, layer.packet.time_ns, pos + 8, end)[0]
        layer.payload_pos = pos + layer.hdr_len


def _id_seq_fields(data: Any, layer: Layer, itype: int) -> None:
    """The fields of _id_seq's message, in wire order."""
    pos, end = layer.pos, layer.payload_end
    layer.add(IDENT, pos + 4, 2, uint_at(data, pos + 4, 2))
    layer.add(IDENT_LE, pos + 4, 2, int.from_bytes(data[pos + 4 : pos + 6], "little"))
    layer.add(SEQ, pos + 6, 2, uint_at(data, pos + 6, 2))
    layer.add(SEQ_LE, pos + 6, 2, int.from_bytes(data[pos + 6 : pos + 8], "little"))
    if itype in (13, 14) and pos + 20 <= end:
        for spec, off in ((ORIG_TS, 8), (RECV_TS, 12), (XMIT_TS, 16)):
            layer.add(spec, pos + off, 4, uint_at(data, pos + off, 4))
    elif itype in (17, 18) and pos + 12 <= end:
        layer.add(ADDR_MASK, pos + 8, 4, _ipv4(data, pos + 8))
    elif itype in (0, 8):
        size, stamp = _data_time(data, layer.packet.time_ns, pos + 8, end)
        if size:
            secs = int(stamp)
            usecs = round((stamp - secs) * 1e6)
            when = datetime.datetime.fromtimestamp(secs, datetime.UTC)
            # Wireshark's absolute time: day padded with a blank, nanoseconds
            text = f"{when:%b} {when.day:2d}, {when:%Y %H:%M:%S}.{usecs * 1000:09d} UTC"
            layer.add(DATA_TIME, pos + 8, size, text)
            delta = (layer.packet.time_ns - secs * 1_000_000_000 - usecs * 1000) / 1e9
            layer.add(DATA_TIME_RELATIVE, pos + 8, size, delta)


# A struct timeval's two halves: (bytes each, byte order), in the order Wireshark tries them.
TIMEVALS = ((8, "little"), (8, "big"), (4, "little"), (4, "big"))


def _data_time(data: Any, time_ns: int, start: int, end: int) -> tuple[int, float]:
    """Ping programs often put a struct timeval first in the echo data, in either byte order
    and with 32- or 64-bit seconds: take the reading closest to the capture time, if within a
    day (Wireshark's heuristic). Returns (bytes it takes: 0, 8 or 16, seconds it says)."""
    if time_ns <= 0:
        return 0, 0.0  # no capture time to compare with (pasted hex dumps)
    now = time_ns / 1e9
    best, size, stamp = 86400.0, 0, 0.0
    for width, order in TIMEVALS:
        if start + 2 * width > end:
            continue
        usecs = int.from_bytes(data[start + width : start + 2 * width], order)
        if usecs >= 1_000_000:
            continue  # not microseconds: the seconds need not be read
        when = int.from_bytes(data[start : start + width], order) + usecs / 1e6
        if abs(now - when) < best:
            best, size, stamp = abs(now - when), 2 * width, when
    return size, stamp


def _router_advert(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    count, size = data[pos + 4], data[pos + 5]
    layer.add(NUM_ADDRS, pos + 4, 1, count)
    layer.add(ENTRY_SIZE, pos + 5, 1, size)
    layer.add(LIFETIME, pos + 6, 2, uint_at(data, pos + 6, 2))
    if size != 2:
        return  # entries of another size: Wireshark leaves them as data
    i = pos + 8
    for _ in range(count):
        if i + 8 > end:
            layer.short(i + 8 - pos, "router advertisement entries")
            break
        layer.add(ROUTER_ADDR, i, 4, _ipv4(data, i))
        layer.add(PREF_LEVEL, i + 4, 4, int.from_bytes(data[i + 4 : i + 8], "big", signed=True))
        i += 8
    if layer.value("icmp.code") in (0, 16):
        i = _mip_extensions(data, layer, i, end)
    layer.hdr_len = i - pos


def _mip_extensions(data: Any, layer: Layer, i: int, end: int) -> int:
    """Mobility agent advertisement extensions after the router entries (RFC 5944 2.1)."""
    for _ in range(MAX_ITEMS):
        if i >= end:
            break
        kind = data[i]
        ext = layer.add(MIP_EXT, i, 1, MIP_NAMES.get(kind, f"Unknown ({kind})"))
        layer.add(MIP_TYPE, i, 1, kind, parent=ext)
        if kind == 0:
            i += 1
            continue
        if i + 2 > end:
            break
        n = data[i + 1]
        layer.add(MIP_LENGTH, i + 1, 1, n, parent=ext)
        body, stop = i + 2, min(end, i + 2 + n)
        ext.len = stop - i
        if kind == 16 and stop - body >= 6:
            _mip_agent(data, layer, ext, body, stop)
        elif kind == 19:
            for k in range(body, stop):
                layer.add(MIP_PREFIX, k, 1, data[k], parent=ext)
        elif stop > body:
            spec = MIP_CHALLENGE if kind == 24 else MIP_CONTENT
            layer.add(spec, body, stop - body, bytes(data[body:stop]), parent=ext)
        i = stop
    return i


def _mip_agent(data: Any, layer: Layer, ext: Field, i: int, stop: int) -> None:
    layer.add(MIP_SEQ, i, 2, uint_at(data, i, 2), parent=ext)
    layer.add(MIP_LIFE, i + 2, 2, uint_at(data, i + 2, 2), parent=ext)
    flags = uint_at(data, i + 4, 2)
    f = layer.add(MIP_FLAGS, i + 4, 2, flags, parent=ext)
    for spec in MIP_FLAG_BITS:
        layer.add(spec, i + 4, 2, bool(flags & spec.mask), mask=spec.mask, parent=f)
    layer.add(MIP_RESERVED, i + 4, 2, flags & 0x3F, mask=0x3F, parent=f)
    for a in range(i + 6, stop - 3, 4):
        layer.add(MIP_COA, a, 4, _ipv4(data, a), parent=ext)


def _ext_echo(data: Any, layer: Layer, itype: int) -> None:
    """RFC 8335: identifier, sequence number and flags; requests carry the probed interface
    in an extension structure."""
    pos, end = layer.pos, layer.payload_end
    layer.add(IDENT, pos + 4, 2, uint_at(data, pos + 4, 2))
    layer.add(IDENT_LE, pos + 4, 2, int.from_bytes(data[pos + 4 : pos + 6], "little"))
    layer.add(EXT_ECHO_SEQ, pos + 6, 1, data[pos + 6])
    flags = data[pos + 7]
    if itype == 42:
        bits = ((EXT_ECHO_REQ_RES, flags >> 1), (EXT_ECHO_LOCAL, bool(flags & 1)))
    else:
        bits = ((EXT_ECHO_STATE, flags >> 5), (EXT_ECHO_RSP_RES, (flags >> 3) & 3),
                (EXT_ECHO_ACTIVE, bool(flags & 4)), (EXT_ECHO_IPV4, bool(flags & 2)),
                (EXT_ECHO_IPV6, bool(flags & 1)))  # fmt: skip
    for spec, value in bits:
        layer.add(spec, pos + 7, 1, value, mask=spec.mask)
    if itype == 42 and end > pos + 8:
        _extension(data, layer, pos + 8, end)
        layer.hdr_len = end - pos


def _extension(data: Any, layer: Layer, start: int, end: int) -> None:
    """RFC 4884 extension structure: a 4-byte header then objects (length, class, c-type)."""
    ext = layer.add(EXT, start, end - start, "ICMP Multi-Part Extensions")
    if end - start < 4:
        return
    layer.add(EXT_VERSION, start, 1, data[start] >> 4, mask=0xF0, parent=ext)
    layer.add(EXT_RES, start, 2, uint_at(data, start, 2) & 0x0FFF, mask=0x0FFF, parent=ext)
    layer.add(EXT_CHECKSUM, start + 2, 2, uint_at(data, start + 2, 2), parent=ext)
    if uint_at(data, start + 2, 2):
        before = len(layer.extra)
        verify(layer, data, start, end, start + 2, EXT_CHECKSUM_STATUS, EXT_CHECKSUM_CALC,
               what="extension checksum")  # fmt: skip
        for f in layer.extra[before:]:  # the status (and calculated value) under the extension
            ext.children.append(f)
        del layer.extra[before:]
    if data[start] >> 4 not in (1, 2):
        return
    i = start + 4
    for _ in range(MAX_ITEMS):
        if i + 4 > end:
            break
        length, cls, ctype = uint_at(data, i, 2), data[i + 2], data[i + 3]
        obj = layer.add(EXT_OBJECT, i, max(4, min(length, end - i)),
                        OBJECT_NAMES.get(cls, "Unknown object"), parent=ext)  # fmt: skip
        layer.add(EXT_LENGTH, i, 2, length, parent=obj)
        layer.add(EXT_CLASS, i + 2, 1, cls, parent=obj)
        layer.add(EXT_CTYPE, i + 3, 1, ctype, parent=obj)
        if length < 4:
            layer.issue("warn", "malformed", "icmp.ext.length.bad",
                        f"extension object at offset {i} has length {length}", i, 2)  # fmt: skip
            break
        stop = min(end, i + length)
        _ext_object(data, layer, obj, cls, ctype, i + 4, stop)
        i = stop


def _ext_object(
    data: Any, layer: Layer, ext: Field, cls: int, ctype: int, i: int, stop: int
) -> None:
    if cls == 1 and ctype == 1:
        for e in range(i, stop - 3, 4):
            label, exp, s, ttl = (
                uint_at(data, e, 3) >> 4,
                (data[e + 2] >> 1) & 7,
                data[e + 2] & 1,
                data[e + 3],
            )
            entry = layer.add(MPLS_ENTRY, e, 4, f"Label: {label}, Exp: {exp}, S: {s}, TTL: {ttl}",
                              parent=ext)  # fmt: skip
            layer.add(MPLS_LABEL, e, 3, label, mask=0xFFFFF0, parent=entry)
            layer.add(MPLS_EXP, e, 3, exp, mask=0x00000E, parent=entry)
            layer.add(MPLS_S, e, 3, bool(s), mask=0x000001, parent=entry)
            layer.add(MPLS_TTL, e + 3, 1, ttl, parent=entry)
    elif cls == 2:
        _interface_info(data, layer, ext, ctype, i, stop)
    elif cls == 3 and ctype in (1, 2, 3) and stop > i:
        _interface_ident(data, layer, ext, ctype, i, stop)
    elif stop > i:
        layer.add(EXT_DATA, i, stop - i, bytes(data[i:stop]), parent=ext)


def _interface_info(data: Any, layer: Layer, ext: Field, ctype: int, i: int, stop: int) -> None:
    """RFC 5837: the c-type's low bits say which of ifIndex, address, name, MTU follow."""
    at = i - 1  # the c-type byte holds the role and presence bits
    for spec, value in ((INT_ROLE, ctype >> 6), (INT_RESERVED, (ctype >> 4) & 3),
                        (INT_HAS_IFINDEX, bool(ctype & 8)), (INT_HAS_IPADDR, bool(ctype & 4)),
                        (INT_HAS_NAME, bool(ctype & 2)), (INT_HAS_MTU, bool(ctype & 1))):  # fmt: skip
        layer.add(spec, at, 1, value, mask=spec.mask, parent=ext)
    if ctype & 8 and i + 4 <= stop:
        layer.add(INT_INDEX, i, 4, uint_at(data, i, 4), parent=ext)
        i += 4
    if ctype & 4 and i + 4 <= stop:
        afi = uint_at(data, i, 2)
        layer.add(INT_AFI, i, 2, afi, parent=ext)
        size = {1: 4, 2: 16}.get(afi, 0)
        if size and i + 4 + size <= stop:
            raw = bytes(data[i + 4 : i + 4 + size])
            spec = INT_IPV4 if size == 4 else INT_IPV6
            layer.add(
                spec, i + 4, size, INT_IPV6.conv(raw) if size == 16 else _ipv4(raw, 0), parent=ext
            )
        i += 4 + size
    if ctype & 2 and i < stop:
        n = data[i]
        layer.add(INT_NAME_LEN, i, 1, n, parent=ext)
        if n > 1:
            raw = bytes(data[i + 1 : min(stop, i + n)])
            layer.add(
                INT_NAME,
                i + 1,
                len(raw),
                raw.split(b"\0", 1)[0].decode("utf-8", "replace"),
                parent=ext,
            )
        i += max(n, 1)
    if ctype & 1 and i + 4 <= stop:
        layer.add(INT_MTU, i, 4, uint_at(data, i, 4), parent=ext)


def _interface_ident(data: Any, layer: Layer, ext: Field, ctype: int, i: int, stop: int) -> None:
    """RFC 8335 2.1: the probed interface by name (1), index (2) or address (3)."""
    if ctype == 1:
        raw = bytes(data[i:stop])
        layer.add(
            IDENT_NAME, i, stop - i, raw.split(b"\0", 1)[0].decode("utf-8", "replace"), parent=ext
        )
    elif ctype == 2 and i + 4 <= stop:
        layer.add(IDENT_INDEX, i, 4, uint_at(data, i, 4), parent=ext)
    elif ctype == 3 and i + 4 <= stop:
        afi, n = uint_at(data, i, 2), data[i + 2]
        layer.add(IDENT_AFI, i, 2, afi, parent=ext)
        layer.add(IDENT_ADDR_LEN, i + 2, 1, n, parent=ext)
        layer.add(IDENT_RESERVED, i + 3, 1, bytes(data[i + 3 : i + 4]), parent=ext)
        raw = bytes(data[i + 4 : min(stop, i + 4 + n)])
        if afi == 1 and len(raw) == 4:
            layer.add(IDENT_IPV4, i + 4, 4, _ipv4(raw, 0), parent=ext)
        elif afi == 2 and len(raw) == 16:
            layer.add(IDENT_IPV6, i + 4, 16, IDENT_IPV6.conv(raw), parent=ext)
        elif raw:
            layer.add(IDENT_ADDRESS, i + 4, len(raw), raw, parent=ext)


# Type and code in one call: the Info column runs for every row.
_TYPE_CODE = ICMP.reader("icmp.type", "icmp.code")


def _type_text(itype: int, code: int | None) -> tuple[str, str | None]:
    names, code_names = TYPE_NAMES, CODE_NAMES  # (typed locals: compiled, C dict lookups)
    name = names.get(itype, UNKNOWN_TYPE)
    if itype == 9 and code in (0, 16):
        name = "Mobile IP Advertisement"
    codes = code_names.get(itype)
    code_text = None if codes is None or code is None else codes.get(code, f"Unknown code: {code}")
    return name, code_text


def _type_code(layer: Layer) -> tuple[int | None, int | None]:
    """Type and code, None where a header cut short lacks them: read from the bytes then,
    as the partial header's fields hold them (reading those would run detail())."""
    if layer.values is not None:
        return _TYPE_CODE(layer)
    data, pos, end = layer.packet.data, layer.pos, layer.payload_end
    return data[pos] if pos < end else None, data[pos + 1] if pos + 1 < end else None


def _info(layer: Layer) -> str:
    """As Wireshark: the type padded to 20 columns, the code, then identifiers and TTL."""
    itype, code = _type_code(layer)
    if code is None:
        return "ICMP"
    name, code_text = _type_text(itype, code)
    text = name.ljust(20)  # f"{name:<20}", without parsing a format spec per row
    if code_text:
        text += f" ({code_text})"
    state = layer.state  # what tail() read: the fields may not exist
    if itype in ID_SEQ_TYPES and state is not None:
        text += f" id=0x{state.ident:04x}, seq={state.seq}/{state.seq_le}"
        ttl = _outer_ttl(layer)
        if ttl is not None:
            text += f", ttl={ttl}"
    return text


def _outer_ttl(layer: Layer) -> int | None:
    """The TTL of the IPv4 header carrying this message (the layer just below)."""
    layers = layer.packet.layers
    for k in range(len(layers) - 1, 0, -1):
        if layers[k] is layer:
            below = layers[k - 1]
            return below.value("ip.ttl") if below.protocol.name == "ip" else None
    return None


def _describe(layer: Layer) -> str:
    return "Internet Control Message Protocol"


ICMP.tail = _tail
ICMP.detail = _detail
ICMP.info = _info
ICMP.describe = _describe

bind("ip.proto", 1, ICMP)
