"""IPv4 (RFC 791; options RFC 791, 1108 security, 1191 MTU, 1393 traceroute, 2113 router
alert, 4782 quick-start, FIPS 188 / draft CIPSO commercial security).

Fragments other than the first carry no transport header: their payload is data. A header
whose version nibble says 6 is handed to IPv6, as Wireshark does (raw-IP links and broken
encapsulations carry them). Inside an ICMP error quote (ctx.in_error) the quoted
header's total length normally exceeds the bytes quoted: that is not reported, and the
header checksum is left unverified.

Context left for the layers above: ctx.pseudo_src and ctx.pseudo_dst (4-byte addresses for
pseudo-header checksums), ctx.fragment for any fragment.
"""

from __future__ import annotations

from typing import Any

from ..names import (
    DSCP_NAMES,
    ECN_NAMES,
    EXPLAIN_RESERVED,
    ds_names,
    explain_dscp,
    explain_ecn,
    explain_ip_address,
    true_false,
)
from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bool,
    Bulk,
    Bytes,
    Checksum,
    Field,
    Flag,
    HeaderLength,
    Int,
    IPv4,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    Title,
    alias,
    bind,
    lookup,
    uint_at,
)

IP_PROTOCOLS = {
    0: "IPv6 Hop-by-Hop Option", 1: "ICMP", 2: "IGMP", 3: "GGP", 4: "IPIP", 5: "Stream",
    6: "TCP", 7: "CBT", 8: "EGP", 9: "IGRP", 10: "BBN RCC", 11: "Network Voice", 12: "PUP",
    13: "ARGUS", 14: "EMCON", 15: "XNET", 16: "CHAOS", 17: "UDP", 18: "Multiplex",
    19: "DCN Measurement", 20: "Host Monitoring", 21: "Packet radio", 22: "IDP", 27: "Reliable Data",
    28: "IRT", 29: "ISO TP4", 30: "Bulk Data", 33: "Datagram Congestion Control Protocol",
    35: "Inter-Domain Policy Routing Protocol", 36: "XTP", 37: "Datagram delivery", 39: "TP++",
    40: "IL", 41: "IPv6", 42: "Source demand routing", 43: "Routing Header for IPv6",
    44: "Fragment Header for IPv6", 45: "Inter-Domain Routing Protocol",
    46: "Reservation Protocol", 47: "Generic Routing Encapsulation", 48: "Dynamic source routing",
    50: "Encap Security Payload", 51: "Authentication Header", 55: "IP Mobility", 57: "SKIP",
    58: "ICMPv6", 59: "No Next Header for IPv6", 60: "Destination Options for IPv6",
    62: "Mobile IPv6 (old)", 80: "ISO Internet Protocol", 83: "VINES", 88: "EIGRP", 89: "OSPF IGP",
    92: "Multicast Transport", 94: "IP in IP", 97: "Ether in IP", 98: "ENCAP", 103: "PIM",
    108: "IPComp", 112: "VRRP", 113: "PGM", 115: "Layer 2 Tunneling", 118: "STP", 124: "ISIS over IP",
    132: "SCTP", 133: "Fibre Channel", 135: "Mobile IPv6", 136: "UDPLite", 137: "MPLS in IP",
    138: "MANET", 139: "HIP", 140: "Shim6 header", 141: "WESP", 142: "ROHC", 143: "Ethernet",
}  # fmt: skip

OPTION_NAMES = {
    0: "End of Options List (EOL)", 1: "No-Operation (NOP)", 7: "Record Route",
    11: "MTU Probe", 12: "MTU Reply", 25: "Quick-Start", 68: "Time Stamp", 82: "Traceroute",
    130: "Security", 131: "Loose Source Route", 133: "Extended Security",
    134: "Commercial Security", 136: "Stream ID", 137: "Strict Source Route",
    145: "Extended Internet Protocol", 148: "Router Alert", 149: "Selective Directed Broadcast",
}  # fmt: skip
OPTION_NUMBERS = {
    0: "End of Option List (EOL)", 1: "No-Operation (NOP)", 2: "Security", 3: "Loose source route",
    4: "Time stamp", 5: "Extended security", 6: "Commercial IP security option",
    7: "Record route", 8: "Stream identifier", 9: "Strict source route",
    10: "Experimental Measurement", 11: "MTU probe", 12: "MTU Reply",
    13: "Experimental Flow Control", 14: "Experimental Access Control", 15: "Ask Estrin",
    16: "IMI Traffic Descriptor", 17: "Extended Internet Protocol", 18: "Traceroute",
    19: "Address Extension", 20: "Router Alert", 21: "Selective Directed Broadcast",
    23: "Dynamic Packet State", 24: "Upstream Multicast Packet", 25: "Quick-Start",
    30: "RFC 3692-style experiment",
}  # fmt: skip
OPTION_CLASSES = {0: "Control", 1: "Reserved for future use", 2: "Debugging and measurement",
                  3: "Reserved for future use"}  # fmt: skip
TIMESTAMP_FLAGS = {0: "Time stamps only", 1: "Time stamp and address",
                   3: "Time stamps for prespecified addresses"}  # fmt: skip
CIPSO_TAGS = {0: "Padding", 1: "Restrictive Category Bitmap", 2: "Enumerated Categories",
              5: "Ranged Categories", 6: "Permissive Categories", 7: "Free Form"}  # fmt: skip


def _explain_version(value: int, layer: Layer) -> str:
    if value == 4:
        return "Version 4: an IPv4 header (the first 4 bits say which IP version follows)."
    return f"Version {value}: not 4, so these bytes are not really an IPv4 header."


def _explain_hdr_len(value: int, layer: Layer) -> str:
    words = value // 4
    if value == 20:
        return "IHL 5 → 20-byte header, no options (the field counts 32-bit words)."
    if value > 20:
        return f"IHL {words} → {value}-byte header: {value - 20} bytes of IP options follow the fixed part."
    return f"IHL {words} → {value} bytes: less than the 20-byte minimum, the header is malformed."


def _explain_total_length(value: int, layer: Layer) -> str:
    hdr = layer.hdr_len
    return f"Total length {value} bytes: the {hdr}-byte IP header plus {max(0, value - hdr)} bytes of payload."


def _explain_flags(value: int, layer: Layer) -> str:
    names = [name for bit, name in ((4, "reserved"), (2, "DF"), (1, "MF")) if value & bit]
    return f"Flags 0x{value:x}: {', '.join(names) or 'none'} set. They control fragmentation."


def _explain_df(value: bool, layer: Layer) -> str:
    if value:
        return (
            "DF set: routers must not fragment this packet; if it is too big for a link they "
            "drop it and report back (that is how Path MTU discovery works)."
        )
    return "DF not set: a router may split this packet into fragments if a link is too small."


def _explain_frag_offset(value: int, layer: Layer) -> str:
    if value == 0:
        return "Fragment offset 0: this packet is whole, or the first fragment."
    return f"Fragment offset {value} (×8 = byte {value * 8}): where this fragment's data goes in the original."


def _explain_ttl(value: int, layer: Layer) -> str:
    start = {
        64: " (Linux and macOS start at 64)",
        128: " (Windows starts at 128)",
        255: " (routers often start at 255)",
    }
    return f"TTL {value}: each router subtracts 1 and drops the packet at 0, so loops die out{start.get(value, '')}."


IP_VERSION = Bits("ip.version", "Version", mask=0xF0, explain=_explain_version)
FLAG_LABELS = ((0x4, "Reserved bit"), (0x2, "Don't fragment"), (0x1, "More fragments"))


def _flags_show(flags: int) -> str:
    """'0x2, Don't fragment': the value, then the label of each flag set."""
    return "".join([f"0x{flags:x}"] + [f", {label}" for bit, label in FLAG_LABELS if flags & bit])


IP_DST = IPv4("ip.dst", "Destination Address", explain=explain_ip_address)
IP = Protocol(
    "ip", "Internet Protocol Version 4", osi=Osi.NETWORK, short="IPv4",
    header=(
        IP_VERSION,
        Bits("ip.hdr_len", "Header Length", mask=0x0F, at=0, scale=4,
             text=lambda v: f"{v} bytes ({v // 4})", explain=_explain_hdr_len),
        U8("ip.dsfield", "Differentiated Services Field", base=HEX,
           text=lambda v: f"0x{v:02x} ({ds_names(v)})", children=(
            Bits("ip.dsfield.dscp", "Differentiated Services Codepoint", mask=0xFC,
                 names=lambda v: DSCP_NAMES.get(v, "Unknown"), explain=explain_dscp),
            Bits("ip.dsfield.ecn", "Explicit Congestion Notification", mask=0x03, names=ECN_NAMES, explain=explain_ecn),
        ), explain=lambda v, _l: f"DS field 0x{v:02x}: the packet's priority class (DSCP, 6 bits) and "
                  "congestion marks (ECN, 2 bits)."),
        U16("ip.len", "Total Length", explain=_explain_total_length),
        U16("ip.id", "Identification", base=HEX, text=lambda v: f"0x{v:04x} ({v})", explain=lambda v, _l: f"Identification 0x{v:04x}: the fragments of one packet share it, so "
            "the receiver can put them back together."),
        Bits("ip.flags", "Flags", mask=0xE0, base=HEX, text=_flags_show, children=(
            Flag("ip.flags.rb", "Reserved bit", 0x80, explain="The reserved bit: must be 0 (RFC 3514's \"evil bit\" is a joke)."),
            Flag("ip.flags.df", "Don't fragment", 0x40, explain=_explain_df),
            Flag("ip.flags.mf", "More fragments", 0x20, explain=lambda v, _l: "MF set: more fragments of this packet follow." if v else "MF not "
                  "set: this is the last fragment, or the packet is whole."),
        ), explain=_explain_flags),
        Bits("ip.frag_offset", "Fragment Offset", 2, mask=0x1FFF, at=6, explain=_explain_frag_offset),
        U8("ip.ttl", "Time to Live", explain=_explain_ttl),
        U8("ip.proto", "Protocol", names=IP_PROTOCOLS, explain="Which protocol the payload is: the number the receiving host uses to hand it "
           "on (1 ICMP, 6 TCP, 17 UDP)."),
        U16("ip.checksum", "Header Checksum", base=HEX, explain="The header checksum lets each router detect a corrupted IPv4 header (it "
            "covers the header only, not the data); routers recompute it after lowering the TTL."),
        IPv4("ip.src", "Source Address", explain=explain_ip_address),
        IP_DST,
    ),
    next_by=("ip.proto", ("ip.proto",)),
    addresses=("ip.src", "ip.dst"),
    guard=(("ip.version", "==", 4),),  # else _not_version_4
    header_length=HeaderLength("ip.hdr_len", minimum=20, bad="ip.bogus_header_length",
                               what="IPv4 header with options", rest_is_header=True),
    total_length=("ip.len", 0),
    pseudo_header=("ip.src", "ip.dst"),
    fragment=("ip.flags.mf", "ip.frag_offset"),
    tail_when=(("ip.hdr_len", ">", 20),),  # options: a source route changes the destination
    colour="#5fd7d7",
    checksum=Checksum("ip.checksum", covers="header", what="header checksum",
                      status_label="Header checksum status"),
    bulk=Bulk(),  # what a plain layer is follows from the declared steps above
    explain="IPv4 carries the packet from its source host to its destination host across "
    "networks; routers read this header to forward it.",
)  # fmt: skip

alias("ip.addr", "ip.src", "ip.dst")
alias("ip.host", "ip.src", "ip.dst")
# Defragmentation, done by the stream pass (dissect/streams/defrag.py): it needs the other
# fragments, so these fields are added to a packet after its decode.
FRAGMENTS = Str("ip.fragments", "", generated=True,
                explain="The fragments this datagram was cut into: joined here, on the last "
                "one, into the datagram the layers above read.")  # fmt: skip
FRAGMENT = Int("ip.fragment", "Frame", generated=True,
               explain=lambda v, _l: f"Frame {v} carried one fragment of this datagram.")  # fmt: skip
FRAGMENT_COUNT = Int("ip.fragment.count", "Fragment count", generated=True,
                     explain=lambda v, _l: f"The datagram came in {v} fragments.")  # fmt: skip
REASSEMBLED_LENGTH = Int("ip.reassembled.length", "Reassembled IPv4 length", generated=True,
                         explain=lambda v, _l: f"{v} bytes of payload once the fragments are joined.")  # fmt: skip
REASSEMBLED_IN = Int("ip.reassembled_in", "Reassembled IPv4 in frame", generated=True,
                     explain=lambda v, _l: f"This fragment's datagram is complete in frame {v}, "
                     "where it is read as a whole.")  # fmt: skip
FRAGMENT_OVERLAP = Bool("ip.fragment.overlap", "Fragment overlap", generated=True,
                        explain="This fragment covers bytes an earlier fragment already "
                        "carried (the first copy is the one read).")  # fmt: skip
FRAGMENT_CONFLICT = Bool("ip.fragment.overlap.conflict", "Conflicting data in fragment overlap",
                         generated=True, explain="Where this fragment overlaps an earlier "
                         "one its bytes differ: an attack (teardrop) or a broken sender.")  # fmt: skip

# -- options (RFC 791 3.1 and later registrations) ------------------------------------------
OPTIONS = Str("ip.options", "Options",
              explain="IP options: rarely used extras after the fixed 20-byte header (record "
              "route, timestamps, source routes, router alert).")  # fmt: skip
OPTION = Str("ip.opt", "IP Option",
             explain="An IP option of a type this tool has no name for.")  # an option Wireshark has no name for  # fmt: skip
# Wireshark files each known option under its own protocol name.
OPTION_SPECS = {
    kind: Str(f"ip.options.{name}", f"IP Option - {OPTION_NAMES[kind]}", explain=explain)
    for kind, name, explain in (
        (0, "eol", "End of options: the header's options stop here."),
        (1, "nop", "No-Operation: one byte of padding that aligns the next option."),
        (130, "security", "Security (RFC 1108): the classification of the data, for military networks."),
        (131, "route", "Loose source route: addresses the packet must pass through, in order, "
         "with any routers in between."),
        (133, "ext_security", "Extended security (RFC 1108): more security labels."),
        (134, "cipso", "Commercial security (CIPSO): a security label that labelled-networking "
         "systems check."),
        (7, "record_route", "Record route: each router on the path writes its address into "
         "the option."),
        (136, "sid", "Stream ID: an obsolete option from SATNET."),
        (137, "source_route", "Strict source route: the exact list of routers the packet must "
         "take, hop by hop."),
        (11, "mtu_probe", "MTU probe: asks for the smallest link size on the path (obsolete)."),
        (12, "mtu_reply", "MTU reply: answers an MTU probe (obsolete)."),
        (68, "timestamp", "Time stamp: routers on the path add the time (and maybe their address)."),
        (82, "traceroute", "Traceroute (RFC 1393): routers report back as the packet passes."),
        (148, "routeralert", "Router alert: routers should look at this packet closely."),
        (149, "sdb", "Selective directed broadcast: deliver to a list of networks."),
        (25, "qs", "Quick-Start (RFC 4782): asks the routers on the path to approve a high "
         "starting rate."),
    )
}  # fmt: skip
OPT_TYPE = U8(
    "ip.opt.type",
    "Type",
    explain=lambda v, _l: (
        f"Option type {v}: which IP option this is; its bits say whether it is copied "
        "into fragments, its class and its number."
    ),
)
OPT_COPY = Flag(
    "ip.opt.type.copy",
    "Copy on fragmentation",
    0x80,
    width=1,
    text=true_false("Yes", "No"),
    explain="Copy on fragmentation: whether a router splitting the packet repeats "
    "this option in every fragment.",
)
OPT_CLASS = Bits(
    "ip.opt.type.class",
    "Class",
    1,
    mask=0x60,
    names=OPTION_CLASSES,
    explain="The option class: control, or debugging and measurement.",
)
OPT_NUMBER = Bits(
    "ip.opt.type.number",
    "Number",
    1,
    mask=0x1F,
    names=OPTION_NUMBERS,
    explain="The option number within its class.",
)
OPT_LEN = U8(
    "ip.opt.len",
    "Length",
    explain=lambda v, _l: f"Option length: {v} bytes, counting the type and length bytes.",
)
OPT_PTR = U8(
    "ip.opt.ptr",
    "Pointer",
    explain="Pointer: the byte (counted from the option's start) where the next address "
    "or timestamp goes.",
)
OPT_VALUE = Bytes("ip.opt.value", "Value", explain="The option's data.")
OPT_PADDING = Bytes(
    "ip.opt.padding",
    "Padding",
    explain="Bytes after the end-of-options marker that fill the header to a multiple of 4 bytes.",
)
OPT_RA = U16(
    "ip.opt.ra",
    "Router Alert",
    names={0: "Router shall examine packet"},
    explain="Router alert: routers on the path should look at this packet closely (RSVP "
    "and IGMP use it).",
)
OPT_SID = U16(
    "ip.opt.sid", "Stream Identifier", explain="Stream identifier: an obsolete option from SATNET."
)
OPT_MTU = U16(
    "ip.opt.mtu",
    "MTU",
    explain="MTU probe or reply: the smallest link size seen on the path (obsolete, RFC 1063).",
)
OPT_TR_ID = U16(
    "ip.opt.id_number",
    "ID Number",
    explain="Traceroute option: an identifier chosen by the originator to match the replies.",
)
OPT_TR_OHC = U16(
    "ip.opt.ohc",
    "Outbound Hop Count",
    explain="Outbound hop count: how many routers the packet has passed on its way out.",
)
OPT_TR_RHC = U16(
    "ip.opt.rhc",
    "Return Hop Count",
    explain="Return hop count: how many routers the reply has passed on its way back.",
)
OPT_TR_ORIG = IPv4(
    "ip.opt.originator", "Originator IP Address", explain="The address that started the traceroute."
)
REC_RT = IPv4(
    "ip.rec_rt",
    "Recorded Route",
    explain="A router on the path wrote its address here (record route).",
)
EMPTY_RT = IPv4(
    "ip.empty_rt",
    "Empty Route",
    explain="An empty slot for a router on the path to fill in with its address.",
)
SRC_RT = IPv4(
    "ip.src_rt",
    "Source Route",
    explain="A source-route hop: an address the sender wants the packet to pass through.",
)
CUR_RT = IPv4(
    "ip.cur_rt",
    "Current Route",
    explain="The source-route hop the packet is heading to now (the pointer points at it).",
)
TS_OVERFLOW = Bits(
    "ip.opt.overflow",
    "Overflow",
    1,
    mask=0xF0,
    explain="How many routers could not add a timestamp because the option was full.",
)
TS_FLAG = Bits(
    "ip.opt.flag",
    "Flag",
    1,
    mask=0x0F,
    base=HEX,
    names=TIMESTAMP_FLAGS,
    explain="What the timestamp option records: timestamps only, or addresses with them.",
)
TS_STAMP = U32(
    "ip.opt.time_stamp",
    "Time stamp",
    explain="A timestamp a router added: milliseconds since midnight UTC.",
)
TS_ADDR = IPv4(
    "ip.opt.time_stamp_addr",
    "Address",
    explain="The address of the router that added the next timestamp.",
)
QS_FUNC = Bits(
    "ip.opt.qs_func",
    "Function",
    1,
    mask=0xF0,
    explain="Quick-Start function: a rate request or a report of the approved rate (RFC 4782).",
)
QS_RATE = Bits(
    "ip.opt.qs_rate",
    "Rate",
    1,
    mask=0x0F,
    explain="Quick-Start rate: the sending rate asked for, on a logarithmic scale.",
)
QS_TTL = U8(
    "ip.opt.qs_ttl",
    "QS TTL",
    explain="Quick-Start TTL: lets the sender check that every router on the path "
    "approved the rate.",
)
QS_NONCE = Bits(
    "ip.opt.qs_nonce",
    "QS Nonce",
    4,
    mask=0xFFFFFFFC,
    base=HEX,
    explain="Quick-Start nonce: a random number that protects the request against "
    "cheating receivers.",
)
QS_RESERVED = Bits(
    "ip.opt.qs_reserved", "Reserved", 4, mask=0x3, base=HEX, explain=EXPLAIN_RESERVED
)
SEC_CL = U8(
    "ip.opt.sec_cl",
    "Classification Level",
    base=HEX,
    explain="Security classification level of the data (RFC 1108 military security option).",
)
CIPSO_DOI = U32(
    "ip.cipso.doi",
    "DOI",
    explain="CIPSO domain of interpretation: which security policy the labels belong to.",
)
CIPSO_TAG = U8(
    "ip.cipso.tag_type",
    "Tag Type",
    names=CIPSO_TAGS,
    explain="CIPSO tag type: how the security categories are written.",
)
CIPSO_LEVEL = U8(
    "ip.cipso.sensitivity_level",
    "Sensitivity Level",
    explain="CIPSO sensitivity level: how secret the data is, in the domain's scale.",
)
CIPSO_CATEGORIES = Text(
    "ip.cipso.categories",
    "Categories",
    explain="CIPSO categories: the compartments the data belongs to.",
)
CIPSO_DATA = Bytes(
    "ip.cipso.tag_data", "Tag data", explain="CIPSO tag bytes this tool does not decode."
)

MAX_OPTIONS = 40  # at most 40 option bytes, each option at least one byte


def _tail(data: Any, layer: Layer) -> None:
    """What the declaration leaves: another version, the options, a total length out of the
    ordinary, a quoted header. The engine has set the header length (or stopped a bogus or
    cut header), bounded an ordinary payload, and told the layers above the addresses and
    whether this is a fragment."""
    pos, end = layer.pos, layer.payload_end
    version, hdr_len = data[pos] >> 4, (data[pos] & 0x0F) * 4
    if version != 4:
        _not_version_4(layer, version)
        return
    if layer.stopped:
        if hdr_len > 20 and pos + hdr_len > end:  # cut short: the options that fit
            _options(data, layer, pos + 20, end)
        return
    final = _options(data, layer, pos + 20, pos + hdr_len) if hdr_len > 20 else None
    _bound_total_length(layer, (data[pos + 2] << 8) | data[pos + 3])
    if layer.packet.ctx.in_error:
        _bound_quote(layer)
    if final is not None:
        _source_routed(layer)
        layer.packet.ctx.pseudo_dst = data[final : final + 4]  # RFC 1122 3.2.1.8


def _not_version_4(layer: Layer, version: int) -> None:
    """Version 6 goes to IPv6 (raw-IP links, broken tunnels); anything else is not an IP
    header at all: keep only the version nibble and show the rest as data."""
    layer.values = None
    layer.stopped = True  # no header checksum to check
    layer.extra.insert(0, Field(IP_VERSION, layer.pos, 1, version, 0xF0))
    if version == 6:
        layer.hdr_len = 0
        layer.payload_pos = layer.pos
        layer.next = lookup("ethertype", 0x86DD) or DATA
        return
    layer.issue("error", "malformed", "ip.bogus_ip_version",
                f"version {version} is not 4: not an IPv4 header", layer.pos, 1)  # fmt: skip
    layer.hdr_len = layer.payload_end - layer.pos  # the bytes stay with the bogus header
    layer.payload_pos = layer.payload_end


def _bound_total_length(layer: Layer, total: int) -> None:
    """Total length bounds the payload: below it is link padding. Above the bytes present
    it is fine when the capture was cut short (the frame layer says so) and a
    contradiction otherwise; a quoted header keeps its original length by design."""
    pos, end = layer.pos, layer.payload_end
    pkt = layer.packet
    if total == 0:
        _assume_tso(layer)
        return
    if total < layer.hdr_len:
        layer.issue("error", "malformed", "ip.bogus_ip_length",
                    f"total length {total} is less than the header length {layer.hdr_len}", pos + 2, 2)  # fmt: skip
        layer.hdr_len = end - pos  # as Wireshark: nothing after it is decoded
        layer.stop()
        return
    if pos + total <= end:
        layer.payload_end = pos + total
        return
    reported_end = end + (pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0)
    if pos + total > reported_end and not pkt.ctx.in_error:
        # Wireshark reports this as expert info (ip.bogus_ip_length), not a malformed packet.
        layer.issue("error", "protocol", "ip.len.bad",
                    f"total length {total} exceeds the {reported_end - pos} bytes on the wire: "
                    "payload ends at the last byte", pos + 2, 2)  # fmt: skip


def _materialize(layer: Layer) -> list[Field]:
    """Turn the unpacked fixed header into Field objects, so that one of them can be
    renamed or revalued for this packet (rare cases: the fast path stays the tuple)."""
    if layer.values is None:
        return [f for f in layer.extra if f.spec.name in IP.by_name]
    fields = IP.build_fields(layer)
    layer.values = None
    layer.extra[:0] = fields
    layer._fields = None
    return fields


def _source_routed(layer: Layer) -> None:
    """With a source route under way the header's destination is only the current hop
    (ip.cur_rt) and the route's last address is the destination (ip.dst), as Wireshark
    shows it."""
    for f in _materialize(layer):
        if f.spec is IP_DST:
            f.spec = CUR_RT


def _assume_tso(layer: Layer) -> None:
    """Total length 0: the capturing host left it for TCP segmentation offload to fill in.
    Like Wireshark, take the length from the frame and say so."""
    pkt = layer.packet
    end = layer.payload_end
    reported = end - layer.pos + (pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0)
    for f in _materialize(layer):
        if f.spec.name == "ip.len":
            f.value = reported
    layer.issue("chat", "protocol", "ip.len.tso",
                f"total length 0, presumably because of TCP segmentation offload: "
                f"{reported} bytes taken from the frame", layer.pos + 2, 2)  # fmt: skip


def _bound_quote(layer: Layer) -> None:
    """Inside an ICMP error the quote may be followed by extension objects: stop there."""
    quote_end = layer.packet.ctx.quote_end
    if quote_end >= 0 and layer.payload_pos <= quote_end < layer.payload_end:
        layer.payload_end = quote_end


def _cut_by_capture(data: Any, layer: Layer, i: int, end: int) -> bool:
    """The option at i runs into bytes the capture did not keep, inside the header's own
    length: the header was cut (layer.short said so), the option length is not bad."""
    declared_end = layer.pos + (data[layer.pos] & 0x0F) * 4
    if layer.status != "truncated" or end >= declared_end:
        return False
    return i + 1 >= end or (data[i + 1] >= 2 and i + data[i + 1] <= declared_end)


def _options(data: Any, layer: Layer, start: int, end: int) -> int | None:
    """Walk the options; returns the offset of a source route's final destination when
    the route is still under way (its pointer inside the option)."""
    opts = layer.add(OPTIONS, start, end - start, f"({end - start} bytes)")
    names: list[str] = []
    final = None
    i = start
    for _ in range(MAX_OPTIONS):
        if i >= end:
            break
        kind = data[i]
        if kind in (0, 1):
            o = layer.add(OPTION_SPECS[kind], i, 1, OPTION_NAMES[kind], parent=opts)
            _option_type(layer, o, i, kind)
            i += 1
            if kind == 0:
                if i < end:
                    layer.add(OPT_PADDING, i, end - i, bytes(data[i:end]), parent=opts)
                break
            continue
        name = OPTION_NAMES.get(kind, f"Unknown (0x{kind:02x})")
        names.append(name)
        if i + 1 >= end or data[i + 1] < 2 or i + data[i + 1] > end:
            o = layer.add(OPTION_SPECS.get(kind, OPTION), i, end - i, name, parent=opts)
            _option_type(layer, o, i, kind)
            if not _cut_by_capture(data, layer, i, end):
                layer.issue("error", "malformed", "ip.opt.len.invalid",
                            f"option {name} at offset {i} has a bad length", i, end - i)  # fmt: skip
            break
        n = data[i + 1]
        o = layer.add(OPTION_SPECS.get(kind, OPTION), i, n, f"{name} ({n} bytes)", parent=opts)
        _option_type(layer, o, i, kind)
        layer.add(OPT_LEN, i + 1, 1, n, parent=o)
        if kind in (131, 137) and final is None and _route_under_way(data, i, n):
            final = i + n - 4
        _option_value(data, layer, o, kind, i, n)
        i += n
    if names:
        opts.value = f"({end - start} bytes), {', '.join(names)}"
    return final


def _route_under_way(data: Any, i: int, n: int) -> bool:
    ptr = data[i + 2] if n >= 3 else 0
    return n >= 7 and ptr >= 4 and ptr % 4 == 0 and ptr <= n


def _option_type(layer: Layer, o: Field, i: int, kind: int) -> None:
    t = layer.add(OPT_TYPE, i, 1, kind, parent=o)
    layer.add(OPT_COPY, i, 1, bool(kind & 0x80), mask=0x80, parent=t)
    layer.add(OPT_CLASS, i, 1, (kind >> 5) & 3, mask=0x60, parent=t)
    layer.add(OPT_NUMBER, i, 1, kind & 0x1F, mask=0x1F, parent=t)


def _option_value(data: Any, layer: Layer, o: Field, kind: int, i: int, n: int) -> None:
    """Type-specific fields; anything not understood is shown as the raw value."""
    if kind in (7, 131, 137) and n >= 3:
        _route(data, layer, o, kind, i, n)
    elif kind == 68 and n >= 4:
        _timestamp(data, layer, o, i, n)
    elif kind == 134 and n >= 6:
        _cipso(data, layer, o, i, n)
    elif kind in (148, 136, 11, 12) and n == 4:
        spec = {148: OPT_RA, 136: OPT_SID, 11: OPT_MTU, 12: OPT_MTU}[kind]
        layer.add(spec, i + 2, 2, uint_at(data, i + 2, 2), parent=o)
    elif kind == 82 and n == 12:
        for spec, off in ((OPT_TR_ID, 2), (OPT_TR_OHC, 4), (OPT_TR_RHC, 6)):
            layer.add(spec, i + off, 2, uint_at(data, i + off, 2), parent=o)
        layer.add(OPT_TR_ORIG, i + 8, 4, _ipv4(data, i + 8), parent=o)
    elif kind == 25 and n == 8:
        _quick_start(data, layer, o, i)
    elif kind == 130 and n >= 3:
        layer.add(SEC_CL, i + 2, 1, data[i + 2], parent=o)
        if n > 3:
            layer.add(OPT_VALUE, i + 3, n - 3, bytes(data[i + 3 : i + n]), parent=o)
    elif n > 2:
        layer.add(OPT_VALUE, i + 2, n - 2, bytes(data[i + 2 : i + n]), parent=o)


def _ipv4(data: Any, off: int) -> str:
    return ".".join(str(b) for b in data[off : off + 4])


def _route(data: Any, layer: Layer, o: Field, kind: int, i: int, n: int) -> None:
    """Record route fills slots up to the pointer (1-based, counted from the type byte);
    source routes list the hops still to visit from the pointer on."""
    ptr = data[i + 2]
    layer.add(OPT_PTR, i + 2, 1, ptr, parent=o)
    under_way = kind != 7 and _route_under_way(data, i, n)
    for off in range(3, n - 3, 4):
        if off + 1 < ptr:
            spec = REC_RT  # slots already passed hold the recorded route
        elif kind == 7:
            spec = EMPTY_RT
        else:
            spec = IP_DST if under_way and off + 4 == n else SRC_RT
        layer.add(spec, i + off, 4, _ipv4(data, i + off), parent=o)


def _timestamp(data: Any, layer: Layer, o: Field, i: int, n: int) -> None:
    layer.add(OPT_PTR, i + 2, 1, data[i + 2], parent=o)
    layer.add(TS_OVERFLOW, i + 3, 1, data[i + 3] >> 4, mask=0xF0, parent=o)
    flag = data[i + 3] & 0x0F
    layer.add(TS_FLAG, i + 3, 1, flag, mask=0x0F, parent=o)
    step = 8 if flag in (1, 3) else 4
    for off in range(4, n - step + 1, step):
        if step == 8:
            layer.add(TS_ADDR, i + off, 4, _ipv4(data, i + off), parent=o)
            off += 4
        layer.add(TS_STAMP, i + off, 4, uint_at(data, i + off, 4), parent=o)


def _quick_start(data: Any, layer: Layer, o: Field, i: int) -> None:
    layer.add(QS_FUNC, i + 2, 1, data[i + 2] >> 4, mask=0xF0, parent=o)
    layer.add(QS_RATE, i + 2, 1, data[i + 2] & 0x0F, mask=0x0F, parent=o)
    layer.add(QS_TTL, i + 3, 1, data[i + 3], parent=o)
    word = uint_at(data, i + 4, 4)
    layer.add(QS_NONCE, i + 4, 4, word >> 2, mask=0xFFFFFFFC, parent=o)
    layer.add(QS_RESERVED, i + 4, 4, word & 3, mask=0x3, parent=o)


def _cipso(data: Any, layer: Layer, o: Field, i: int, n: int) -> None:
    """Commercial IP Security Option: a domain of interpretation then tags
    (type, length, alignment octet, sensitivity level, categories)."""
    layer.add(CIPSO_DOI, i + 2, 4, uint_at(data, i + 2, 4), parent=o)
    t, end = i + 6, i + n
    while t + 2 <= end:
        tag, tlen = data[t], data[t + 1]
        if tlen < 2 or t + tlen > end:
            layer.issue("error", "malformed", "ip.cipso.malformed",
                        f"CIPSO tag {tag} at offset {t} has a bad length", t, end - t)  # fmt: skip
            break
        layer.add(CIPSO_TAG, t, 1, tag, parent=o)
        if tag in (1, 2, 5, 6) and tlen >= 4:
            layer.add(CIPSO_LEVEL, t + 3, 1, data[t + 3], parent=o)
            if tlen > 4:
                text = _categories(data, tag, t + 4, t + tlen)
                layer.add(CIPSO_CATEGORIES, t + 4, tlen - 4, text, parent=o)
        elif tlen > 2:
            layer.add(CIPSO_DATA, t + 2, tlen - 2, bytes(data[t + 2 : t + tlen]), parent=o)
        t += tlen


def _categories(data: Any, tag: int, start: int, end: int) -> str:
    raw = bytes(data[start:end])
    if tag in (1, 6):  # bitmap: bit k set means category k
        return ",".join(str(k) for k in range(len(raw) * 8) if raw[k // 8] & (0x80 >> (k % 8)))
    values = [int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw) - 1, 2)]
    if tag == 5:  # ranges, high end first
        return ",".join(
            f"{values[k + 1] if k + 1 < len(values) else 0}-{values[k]}"
            for k in range(0, len(values), 2)
        )
    return ",".join(str(v) for v in values)


IP.tail = _tail


def _info(layer: Layer) -> str:
    off = layer.value("ip.frag_offset") or 0
    mf = layer.value("ip.flags.mf")
    if off or mf:
        proto = layer.value("ip.proto")
        return f"Fragmented IP protocol (proto={IP_PROTOCOLS.get(proto, 'Unknown')} {proto}, off={off * 8}, ID={layer.value('ip.id') or 0:04x})"
    return ""


def _describe_made_by_hand(layer: Layer) -> str:
    """The title of a header whose fields were made one by one: cut short, or source-routed
    (Wireshark adds the next hop)."""
    src, dst = layer.value("ip.src"), layer.value("ip.dst")
    if src is None or dst is None:
        return IP.title
    via = layer.get("ip.cur_rt")
    text = TITLE.fill((src, dst))
    return f"{text}, Via: {via.value}" if via is not None else text


TITLE = Title("Internet Protocol Version 4, Src: {ip.src}, Dst: {ip.dst}",
              otherwise=_describe_made_by_hand)  # fmt: skip

IP.info = _info
IP.describe = TITLE

bind("ethertype", 0x0800, IP)
bind("ip.proto", 4, IP)
