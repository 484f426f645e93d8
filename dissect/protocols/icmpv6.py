"""Internet Control Message Protocol for IPv6 (RFC 4443; Neighbor Discovery RFC 4861 with
options: link-layer addresses, prefix information, redirected header, MTU; advertisement
interval and home agent information RFC 6275, route information RFC 4191, RDNSS and DNSSL
RFC 8106, nonce RFC 3971, PREF64 RFC 8781, captive portal RFC 8910; Multicast Listener
Discovery RFC 2710 and MLDv2 RFC 9777; Router Renumbering RFC 2894).

Error messages quote the offending packet; the quote is decoded by the ordinary IPv6
decoder ("ipv6:icmpv6:ipv6:udp"), with ctx.in_error set so the quoted layers do
not report lengths that point past the quote. The checksum covers the IPv6 pseudo-header
(RFC 8200 8.1) whose destination is the final one of a routing header (ctx.pseudo_dst).
"""

from __future__ import annotations

from typing import Any

from ..names import EXPLAIN_RESERVED, TRUE_FALSE
from ..protocol import (
    DATA,
    FIELDS,
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
    IPv6,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Text,
    alias,
    bind,
    lookup,
    shift_of,
    uint_at,
)

TYPE_NAMES = {
    1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded", 4: "Parameter Problem",
    100: "Private experimentation", 101: "Private experimentation",
    127: "Reserved for expansion of ICMPv6 error messages", 128: "Echo (ping) request",
    129: "Echo (ping) reply", 130: "Multicast Listener Query", 131: "Multicast Listener Report",
    132: "Multicast Listener Done", 133: "Router Solicitation", 134: "Router Advertisement",
    135: "Neighbor Solicitation", 136: "Neighbor Advertisement", 137: "Redirect",
    138: "Router Renumbering", 139: "Node Information Query", 140: "Node Information Reply",
    141: "Inverse Neighbor Discovery Solicitation", 142: "Inverse Neighbor Discovery Advertisement",
    143: "Multicast Listener Report Message v2", 144: "Home Agent Address Discovery Request",
    145: "Home Agent Address Discovery Reply", 146: "Mobile Prefix Solicitation",
    147: "Mobile Prefix Advertisement", 148: "Certification Path Solicitation",
    149: "Certification Path Advertisement", 150: "Experimental Mobility",
    151: "Multicast Router Advertisement", 152: "Multicast Router Solicitation",
    153: "Multicast Router Termination", 154: "FMIPv6", 155: "RPL Control", 156: "Locator Update",
    157: "Duplicate Address Request", 158: "Duplicate Address Confirmation",
    159: "MPL Control Message", 160: "Extended Echo request", 161: "Extended Echo reply",
    200: "Private experimentation", 201: "Private experimentation",
    255: "Reserved for expansion of ICMPv6 informational messages",
}  # fmt: skip
CODE_NAMES = {
    1: {0: "no route to destination", 1: "communication with destination administratively prohibited",
        2: "beyond scope of source address", 3: "address unreachable", 4: "port unreachable",
        5: "source address failed ingress/egress policy", 6: "reject route to destination",
        7: "Error in Source Routing Header", 8: "Headers too long"},
    3: {0: "hop limit exceeded in transit", 1: "fragment reassembly time exceeded"},
    4: {0: "erroneous header field encountered", 1: "unrecognized Next Header type encountered",
        2: "unrecognized IPv6 option encountered",
        3: "IPv6 First Fragment has incomplete IPv6 Header Chain"},
    138: {0: "Command", 1: "Result", 255: "Sequence number reset"},
}  # fmt: skip
OPTION_NAMES = {
    1: "Source link-layer address", 2: "Target link-layer address", 3: "Prefix information",
    4: "Redirected header", 5: "MTU", 6: "NBMA Shortcut Limit Option", 7: "Advertisement Interval",
    8: "Home Agent Information", 9: "Source Address List", 10: "Target Address List", 11: "CGA",
    12: "RSA Signature", 13: "Timestamp", 14: "Nonce", 15: "Trust Anchor", 16: "Certificate",
    17: "IP Address/Prefix Option", 18: "New Router Prefix Information", 19: "Link-layer Address",
    20: "Neighbor Advertisement Acknowledgment", 23: "MAP", 24: "Route Information",
    25: "Recursive DNS Server", 26: "RA Flags Extension", 27: "Handover Key Request",
    28: "Handover Key Reply", 29: "Handover Assist Information", 30: "Mobile Node Identifier Option",
    31: "DNS Search List Option", 32: "Proxy Signature (PS)", 33: "Address Registration Option",
    34: "6LoWPAN Context Option", 35: "Authoritative Border Router",
    36: "6LoWPAN Capability Indication Option", 37: "DHCP Captive-Portal", 38: "PREF64 Option",
    138: "CARD Request", 139: "CARD Reply", 253: "RFC3692-style Experiment 1",
    254: "RFC3692-style Experiment 2",
}  # fmt: skip
PREFERENCES = {0: "Medium", 1: "High", 2: "Reserved", 3: "Low"}
RECORD_TYPES = {1: "Include", 2: "Exclude", 3: "Changed to include", 4: "Changed to exclude",
                5: "Allow new sources", 6: "Block old sources"}  # fmt: skip
PLC_NAMES = {0: "96 bits prefix length", 1: "64 bits prefix length", 2: "56 bits prefix length",
             3: "48 bits prefix length", 4: "40 bits prefix length", 5: "32 bits prefix length"}  # fmt: skip
RR_OPCODES = {1: "Add", 2: "Change", 3: "Set Global"}
ERROR_TYPES = frozenset({1, 2, 3, 4})
MAX_ITEMS = 256  # bounds every walk over options, records and addresses

TYPE_TEXT = {
    1: "the quoted packet could not be delivered",
    2: "the quoted packet was bigger than the next link allows: the sender must send smaller ones",
    3: "the quoted packet's hop limit ran out on the way (traceroute relies on this)",
    4: "the quoted packet's header had a bad field",
    128: "a ping: the receiver should answer with an echo reply",
    129: "the answer to an echo request (ping): the target is reachable",
    130: "a router asks which multicast groups hosts on the link listen to",
    131: "a host says it listens to a multicast group",
    132: "a host says it stops listening to a multicast group",
    133: "a host asks the routers on the link to announce themselves",
    134: "a router announces itself, with the prefixes and settings hosts should use",
    135: "asks for a neighbour's link-layer address (IPv6's ARP), or checks an address is free",
    136: "answers a neighbor solicitation with the link-layer address",
    137: "a router tells the sender a better next hop for a destination",
    143: "a host reports the multicast groups (and sources) it listens to",
}  # fmt: skip


def _explain_type(value: int, layer: Layer) -> str:
    what = TYPE_TEXT.get(value, "one of the rarer ICMPv6 messages")
    kind = "an error" if value < 128 else "informational"
    return f"Type {value}, {TYPE_NAMES.get(value, 'unknown')} ({kind}): {what}."


def _explain_code(value: int, layer: Layer) -> str:
    codes = CODE_NAMES.get(layer.value("icmpv6.type"))
    if not codes:
        return f"Code {value}: this message type defines no codes (0)."
    return f"Code {value}: {codes.get(value, 'unknown')}, the detail of the message type."


ICMPV6 = Protocol(
    "icmpv6", "Internet Control Message Protocol v6", osi=Osi.NETWORK, short="ICMPv6",
    header=(
        U8("icmpv6.type", "Type", names=TYPE_NAMES, explain=_explain_type),
        U8("icmpv6.code", "Code", explain=_explain_code),
        U16("icmpv6.checksum", "Checksum", base=HEX,
            explain="The checksum covers the whole ICMPv6 message and a pseudo-header of the IPv6 "
            "addresses, so the receiver can detect corruption."),
    ),
    # over the IPv6 pseudo-header (its final destination: ctx.pseudo_dst) and the message
    checksum=Checksum("icmpv6.checksum", pseudo=58),
    colour="#f59bd4",
    bulk=Bulk(plain=(("icmpv6.type", "not in", ERROR_TYPES),)),  # an error quotes a packet
    explain="ICMPv6 carries IPv6's control messages: ping, error reports quoting the packet "
    "that caused them, and Neighbor Discovery (address resolution, router advertisements) "
    "and multicast listener reports.",
)  # fmt: skip

RESERVED = Bytes("icmpv6.reserved", "Reserved", explain=EXPLAIN_RESERVED)
UNKNOWN_DATA = Bytes(
    "icmpv6.unknown_data",
    "Unknown Data",
    explain="The data of a message type this tool does not decode.",
)
LENGTH = U8(
    "icmpv6.length",
    "Length of original datagram",
    explain="Length of the quoted original packet in 64-bit words (RFC 4884): extension "
    "objects follow it.",
)
MTU = U32(
    "icmpv6.mtu",
    "MTU",
    explain="The MTU of the link that refused the packet: the sender should send packets no "
    "bigger than this (Path MTU discovery; IPv6 routers never fragment).",
)
POINTER = U32(
    "icmpv6.pointer",
    "Pointer",
    explain="Pointer: the byte of the quoted packet where the problem is.",
)
ECHO_ID = U16(
    "icmpv6.echo.identifier",
    "Identifier",
    base=HEX,
    explain="Identifier: chosen by the sender so replies can be matched to the program "
    "that asked; the reply copies it.",
)
ECHO_SEQ = U16(
    "icmpv6.echo.sequence_number",
    "Sequence",
    explain="Sequence number: counts the requests, so each reply can be matched to its request.",
)
RA_HOP_LIMIT = U8(
    "icmpv6.nd.ra.cur_hop_limit",
    "Cur hop limit",
    explain="The hop limit hosts on this link should put in their packets (0: the "
    "router does not say).",
)


def _summary(word: int, bits: tuple, digits: int) -> str:
    """'0x20, Home Agent, Prf (Default Router Preference): Medium': the value, the label of
    each flag set and each named bit field's name, as Wireshark sums up a bit mask."""
    parts = [f"0x{word:0{digits}x}"]
    for spec, mask in bits:
        if spec.kind == "flag":
            if word & mask:
                parts.append(spec.label)
        elif isinstance(spec.names, dict):
            name = spec.names.get((word & mask) >> shift_of(mask), "Unknown")
            parts.append(f"{spec.label}: {name}")
    return ", ".join(parts)


RA_FLAG = U8(
    "icmpv6.nd.ra.flag",
    "Flags",
    base=HEX,
    text=lambda v: _summary(v, RA_FLAG_BITS, 2),
    explain="Router advertisement flags: how hosts should configure their addresses and "
    "other settings.",
)
RA_FLAG_BITS = (
    (Flag("icmpv6.nd.ra.flag.m", "Managed address configuration", 0x80, width=1,
          explain="Managed: hosts should get their addresses from DHCPv6."), 0x80),
    (Flag("icmpv6.nd.ra.flag.o", "Other configuration", 0x40, width=1,
          explain="Other configuration: hosts should get other settings (DNS servers...) from "
          "DHCPv6."), 0x40),
    (Flag("icmpv6.nd.ra.flag.h", "Home Agent", 0x20, width=1,
          explain="Home agent: the router is also a Mobile IPv6 home agent."), 0x20),
    (Bits("icmpv6.nd.ra.flag.prf", "Prf (Default Router Preference)", 1, mask=0x18,
          names=PREFERENCES,
          explain="Default router preference: which router hosts should prefer when several "
          "advertise."), 0x18),
    (Flag("icmpv6.nd.ra.flag.p", "Proxy", 0x04, width=1,
          explain="Proxy: the router proxies Neighbor Discovery (RFC 4389)."), 0x04),
    (Bits("icmpv6.nd.ra.flag.rsv", "Reserved", 1, mask=0x03, explain=EXPLAIN_RESERVED), 0x03),
)  # fmt: skip
RA_LIFETIME = U16("icmpv6.nd.ra.router_lifetime", "Router lifetime (s)",
                  explain=lambda v, _l: f"Router lifetime {v} s: how long hosts may use this router as their default" + (" (0: not a default router)." if v == 0 else "."))  # fmt: skip
RA_REACHABLE = U32("icmpv6.nd.ra.reachable_time", "Reachable time (ms)",
                   explain="How long, in ms, a neighbour counts as reachable after a confirmation "
                   "(0: the router does not say).")  # fmt: skip
RA_RETRANS = U32("icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)",
                 explain="How long, in ms, to wait between neighbour solicitations (0: the router "
                 "does not say).")  # fmt: skip
NS_TARGET = IPv6("icmpv6.nd.ns.target_address", "Target Address",
                 explain="The address whose link-layer address is asked for (or checked for "
                 "duplicates).")  # fmt: skip
NA_FLAG = U32("icmpv6.nd.na.flag", "Flags", base=HEX, explain="Neighbor advertisement flags.")
NA_FLAG_BITS = (
    (Flag("icmpv6.nd.na.flag.r", "Router", 0x80000000, width=4,
          explain="Router: the sender is a router."), 0x80000000),
    (Flag("icmpv6.nd.na.flag.s", "Solicited", 0x40000000, width=4,
          explain="Solicited: this answers a neighbor solicitation (it confirms reachability)."), 0x40000000),
    (Flag("icmpv6.nd.na.flag.o", "Override", 0x20000000, width=4,
          explain="Override: the receiver should replace the link-layer address it has cached."), 0x20000000),
    (Bits("icmpv6.nd.na.flag.rsv", "Reserved", 4, mask=0x1FFFFFFF, explain=EXPLAIN_RESERVED), 0x1FFFFFFF),
)  # fmt: skip
NA_TARGET = IPv6(
    "icmpv6.nd.na.target_address",
    "Target Address",
    explain="The address this advertisement is about.",
)
RD_TARGET = IPv6(
    "icmpv6.nd.rd.target_address",
    "Target Address",
    explain="The better next hop to use for the destination (or the destination "
    "itself, when it is on the link).",
)
RD_DESTINATION = IPv6(
    "icmpv6.rd.na.destination_address",
    "Destination Address",
    explain="The destination the redirect is about.",
)
MLD_DELAY = U16(
    "icmpv6.mld.maximum_response_delay",
    "Maximum Response Delay [ms]",
    explain="How long, in ms, listeners may wait before answering the query (a random "
    "delay spreads the answers).",
)
MLD_CODE = U16(
    "icmpv6.mld.maximum_response_code",
    "Maximum Response Code",
    explain="Encodes the longest delay, in ms, listeners may wait before answering (MLDv2).",
)
MLD_ADDRESS = IPv6(
    "icmpv6.mld.multicast_address",
    "Multicast Address",
    explain="The multicast group this message is about.",
)
MLD_FLAG = U8("icmpv6.mld.flag", "Flags", base=HEX, explain="MLDv2 query flags.")
MLD_FLAG_S = Flag(
    "icmpv6.mld.flag.s",
    "Suppress Router-Side Processing",
    0x08,
    width=1,
    text=TRUE_FALSE,
    explain="Suppress router-side processing: routers that hear this query do not "
    "update their timers.",
)
MLD_FLAG_QRV = Bits(
    "icmpv6.mld.flag.qrv",
    "QRV (Querier's Robustness Variable)",
    1,
    mask=0x07,
    explain="Querier's robustness variable: how many times messages are repeated "
    "to survive packet loss.",
)
MLD_FLAG_RSV = Bits("icmpv6.mld.flag.reserved", "Reserved", 1, mask=0xF0, explain=EXPLAIN_RESERVED)
MLD_QQI = U8(
    "icmpv6.mld.qqi",
    "QQIC (Querier's Query Interval Code)",
    explain="Querier's query interval code: how often the querier sends general queries.",
)
MLD_NB_SOURCES = U16(
    "icmpv6.mld.nb_sources",
    "Number of Sources",
    explain="How many source addresses follow: the sources the listener wants "
    "(or does not want) to hear from.",
)
MLD_SOURCE = IPv6(
    "icmpv6.mld.source_address",
    "Source Address",
    explain="A source address: the listener wants (or refuses) traffic to the group "
    "from this sender.",
)
MLDR_NB_RECORDS = U16(
    "icmpv6.mldr.nb_mcast_records",
    "Number of Multicast Address Records",
    explain="How many multicast address records this report holds.",
)
MAR = Str(
    "icmpv6.mldr.mar",
    "",
    text=lambda v: f"Multicast Address Record {v}",
    explain="One multicast address record: a group the host joins or leaves, and for which "
    "sources.",
)
MAR_TYPE = U8(
    "icmpv6.mldr.mar.record_type",
    "Record Type",
    names=RECORD_TYPES,
    explain="Record type: whether the host now includes or excludes the listed sources, "
    "or changed to that.",
)
MAR_AUX_LEN = U8(
    "icmpv6.mldr.mar.aux_data_len",
    "Aux Data Len",
    explain="Length of the auxiliary data, in 32-bit words (normally 0).",
)
MAR_NB_SOURCES = U16(
    "icmpv6.mldr.mar.nb_sources",
    "Number of Sources",
    explain="How many source addresses follow: the sources the listener wants "
    "(or does not want) to hear from.",
)
MAR_ADDRESS = IPv6(
    "icmpv6.mldr.mar.multicast_address",
    "Multicast Address",
    explain="The multicast group this message is about.",
)
MAR_SOURCE = IPv6(
    "icmpv6.mldr.mar.source_address",
    "Source Address",
    explain="A source address: the listener wants (or refuses) traffic to the group "
    "from this sender.",
)
MAR_AUX = Bytes(
    "icmpv6.mldr.mar.auxiliary_data",
    "Auxiliary Data",
    explain="Auxiliary data of the record (not defined by MLDv2).",
)
RR_SEQ = U32(
    "icmpv6.rr.sequence_number",
    "Sequence Number",
    explain="Sequence number of the router renumbering command: routers ignore old ones.",
)
RR_SEGMENT = U8(
    "icmpv6.rr.segment_number",
    "Segment Number",
    explain="Segment number: tells apart several commands with one sequence number.",
)
RR_FLAG = U8(
    "icmpv6.rr.flag",
    "Flags",
    base=HEX,
    text=lambda v: _summary(v, RR_FLAG_BITS, 2),
    explain="Router renumbering flags.",
)
RR_FLAG_BITS = tuple(
    (Flag(f"icmpv6.rr.flag.{n}", label, mask, width=1, explain=explain), mask)
    for n, label, mask, explain in (
        ("t", "Test Command", 0x80, "Test command: simulate the renumbering, change nothing."),
        ("r", "Result requested", 0x40, "Result requested: routers should report what they did."),
        ("a", "All Interfaces", 0x20, "All interfaces: apply to every interface, even ones "
         "administratively down."),
        ("s", "Site-specific", 0x10, "Site-specific: apply only to interfaces of one site."),
        ("p", "Processed previously", 0x08, "Processed previously: the router already ran "
         "this command; the result only repeats it."),
    )
) + ((Bits("icmpv6.rr.flag.rsv", "Reserved", 1, mask=0x07, explain=EXPLAIN_RESERVED), 0x07),)  # fmt: skip
RR_MAXDELAY = U16("icmpv6.rr.maxdelay", "Max Delay",
                  explain="The longest delay, in ms, before a router answers.")  # fmt: skip
RR_MP = Str("icmpv6.rr.pco.mp", "Match-Prefix Part",
            explain="Match-prefix part: which prefixes on the router the command applies to.")  # fmt: skip
RR_MP_OPCODE = U8("icmpv6.rr.pco.mp.opcode", "OpCode", names=RR_OPCODES,
                  explain="What to do with matching prefixes: add, change or set a global prefix.")  # fmt: skip
RR_MP_OPLEN = U8("icmpv6.rr.pco.mp.oplength", "OpLength",
                 explain="Length of this prefix control operation, in 8-byte units.")  # fmt: skip
RR_MP_ORDINAL = U8("icmpv6.rr.pco.mp.ordinal", "Ordinal", base=HEX,
                   explain="Ordinal: an order among the commands of one message.")  # fmt: skip
RR_MP_MATCHLEN = U8("icmpv6.rr.pco.mp.matchlen", "MatchLen",
                    explain="How many leading bits of the match prefix must match.")  # fmt: skip
RR_MP_MINLEN = U8("icmpv6.rr.pco.mp.minlen", "MinLen",
                  explain="The shortest prefix length that matches.")  # fmt: skip
RR_MP_MAXLEN = U8("icmpv6.rr.pco.mp.maxlen", "MaxLen",
                  explain="The longest prefix length that matches.")  # fmt: skip
RR_MP_PREFIX = IPv6("icmpv6.rr.pco.mp.matchprefix", "MatchPrefix",
                    explain="The prefix that existing prefixes are matched against.")  # fmt: skip
RR_UP = Str("icmpv6.rr.pco.up", "Use-Prefix Part",
            explain="Use-prefix part: the new prefix to put in place of a matched one.")  # fmt: skip
RR_UP_USELEN = U8("icmpv6.rr.pco.up.uselen", "UseLen",
                  explain="How many bits of the use prefix are used.")  # fmt: skip
RR_UP_KEEPLEN = U8("icmpv6.rr.pco.up.keeplen", "KeepLen",
                   explain="How many bits of the matched prefix are kept after the use prefix.")  # fmt: skip
RR_UP_FLAGMASK = U8("icmpv6.rr.pco.up.flagmask", "FlagMask", base=HEX,
                    explain="Which router advertisement flags the command sets.")  # fmt: skip
RR_UP_RAFLAGS = U8("icmpv6.rr.pco.up.raflags", "RAFlags", base=HEX,
                   explain="The values of those router advertisement flags.")  # fmt: skip
RR_UP_VALID = U32("icmpv6.rr.pco.up.validlifetime", "Valid Lifetime",
                  explain="Valid lifetime, in seconds: how long addresses made from this prefix "
                  "stay usable (0xffffffff: forever).")  # fmt: skip
RR_UP_PREFERRED = U32("icmpv6.rr.pco.up.preferredlifetime", "Preferred Lifetime",
                      explain="Preferred lifetime, in seconds: how long new connections may use "
                      "addresses from this prefix.")  # fmt: skip
RR_UP_FLAG = U32("icmpv6.rr.pco.up.flag", "Flags", base=HEX,
                 explain="Whether the lifetimes count down in real time.")  # fmt: skip
RR_UP_PREFIX = IPv6("icmpv6.rr.pco.up.useprefix", "UsePrefix", explain="The new prefix.")
RR_UP_MASK_BITS = (
    (Flag("icmpv6.rr.pco.up.flagmask.l", "On-link flag(L)", 0x80, width=1,
          explain="Whether the command sets the on-link flag."), 0x80),
    (Flag("icmpv6.rr.pco.up.flagmask.a", "Autonomous address-configuration flag(A)", 0x40,
          width=1,
          explain="Whether the command sets the autonomous address-configuration flag."), 0x40),
    (Bits("icmpv6.rr.pco.up.flagmask.reserved", "Reserved", 1, mask=0x3F, explain=EXPLAIN_RESERVED), 0x3F),
)  # fmt: skip
RR_UP_FLAG_BITS = (
    (Flag("icmpv6.rr.pco.up.flag.v", "Decrement valid lifetime", 0x80000000, width=4,
          explain="Decrement valid lifetime: the valid lifetime counts down in real time."), 0x80000000),
    (Flag("icmpv6.rr.pco.up.flag.p", "Decrement preferred lifetime", 0x40000000, width=4,
          explain="Decrement preferred lifetime: the preferred lifetime counts down in real time."),
     0x40000000),
    (Bits("icmpv6.rr.pco.up.flag.reserved", "Reserved", 4, mask=0x3FFFFFFF,
          explain=EXPLAIN_RESERVED), 0x3FFFFFFF),
)  # fmt: skip
RR_RM = Str("icmpv6.rr.rm", "Result Message",
            explain="Result message: what a router did with one prefix.")  # fmt: skip
RR_RM_FLAG = U16("icmpv6.rr.rm.flag", "Flags", base=HEX,
                 explain="Result flags: whether the match-prefix was out of bounds or forbidden.")  # fmt: skip
RR_RM_ORDINAL = U8("icmpv6.rr.rm.ordinal", "Ordinal",
                   explain="The ordinal of the command this result answers.")  # fmt: skip
RR_RM_MATCHEDLEN = U8("icmpv6.rr.rm.matchedlen", "MatchedLen",
                      explain="Length of the matched prefix.")  # fmt: skip
RR_RM_IFINDEX = U32("icmpv6.rr.rm.interfaceindex", "InterfaceIndex",
                    explain="Index of the interface the prefix was on.")  # fmt: skip
RR_RM_PREFIX = IPv6("icmpv6.rr.rm.matchedprefix", "MatchedPrefix",
                    explain="The prefix that matched.")  # fmt: skip

# -- Neighbor Discovery options -------------------------------------------------------------
OPT = Str(
    "icmpv6.opt",
    "",
    text=lambda v: f"ICMPv6 Option ({v})",
    explain="One Neighbor Discovery option: type, length and value.",
)  # its fields under it
OPT_TYPE = U8(
    "icmpv6.opt.type",
    "Type",
    names=OPTION_NAMES,
    explain="The option type: which Neighbor Discovery option this is.",
)
OPT_LENGTH = U8(
    "icmpv6.opt.length",
    "Length",
    text=lambda v: f"{v} ({v * 8} bytes)",
    explain=lambda v, _l: (
        f"Option length {v}: the option is {v * 8} bytes long (the field counts 8-byte units)."
    ),
)
OPT_RESERVED = Bytes(
    "icmpv6.opt.reserved", "Reserved", text=lambda v: "", explain=EXPLAIN_RESERVED
)  # a label alone
OPT_PADDING = Bytes(
    "icmpv6.opt.padding",
    "Padding",
    text=lambda v: "",
    explain="Zero bytes that fill the option to a multiple of 8 bytes.",
)
OPT_SRC_LLA = Mac(
    "icmpv6.opt.src_linkaddr",
    "Source Link-layer address",
    explain="The sender's link-layer (MAC) address, so the receiver can answer without asking.",
)
OPT_TGT_LLA = Mac(
    "icmpv6.opt.target_linkaddr",
    "Target Link-layer address",
    explain="The target's link-layer (MAC) address: the answer to a neighbor solicitation.",
)
OPT_PREFIX_LEN = U8(
    "icmpv6.opt.prefix.length",
    "Prefix Length",
    explain=lambda v, _l: (
        f"Prefix length {v}: the first {v} bits of the prefix are the network part."
    ),
)
OPT_PREFIX_FLAG = U8(
    "icmpv6.opt.prefix.flag",
    "Flag",
    base=HEX,
    text=lambda v: _summary(v, OPT_PREFIX_BITS, 2),
    explain="Prefix flags: how hosts may use the prefix.",
)
OPT_PREFIX_BITS = (
    (Flag("icmpv6.opt.prefix.flag.l", "On-link flag(L)", 0x80, width=1,
          explain="On-link: addresses with this prefix are on this link, reachable without a "
          "router."), 0x80),
    (Flag("icmpv6.opt.prefix.flag.a", "Autonomous address-configuration flag(A)", 0x40, width=1,
          explain="Autonomous: hosts may make their own addresses from this prefix (SLAAC)."), 0x40),
    (Flag("icmpv6.opt.prefix.flag.r", "Router address flag(R)", 0x20, width=1,
          explain="Router address: the prefix field holds the router's full address (Mobile IPv6)."), 0x20),
    (Bits("icmpv6.opt.prefix.flag.reserved", "Reserved", 1, mask=0x1F, explain=EXPLAIN_RESERVED), 0x1F),
)  # fmt: skip
OPT_VALID = U32(
    "icmpv6.opt.prefix.valid_lifetime",
    "Valid Lifetime",
    explain="Valid lifetime, in seconds: how long addresses made from this prefix "
    "stay usable (0xffffffff: forever).",
)
OPT_PREFERRED = U32(
    "icmpv6.opt.prefix.preferred_lifetime",
    "Preferred Lifetime",
    explain="Preferred lifetime, in seconds: how long new connections may use "
    "addresses from this prefix.",
)
OPT_PREFIX = IPv6("icmpv6.opt.prefix", "Prefix", explain="The advertised network prefix.")
OPT_REDIRECTED = Bytes(
    "icmpv6.opt.redirected_packet",
    "Redirected Packet",
    explain="The start of the packet that caused the redirect.",
)
OPT_MTU = U32(
    "icmpv6.opt.mtu", "MTU", explain="The link's MTU: hosts should send no bigger packets on it."
)
OPT_ADV_INTERVAL = U32(
    "icmpv6.opt.advertisement_interval",
    "Advertisement Interval",
    explain="How often, in ms, the router sends unsolicited advertisements (Mobile IPv6).",
)
OPT_HA_PREF = U16(
    "icmpv6.opt.home_agent_preference",
    "Home Agent Preference",
    explain="Home agent preference: mobile nodes prefer the home agent with the highest one.",
)
OPT_HA_LIFETIME = U16(
    "icmpv6.opt.home_agent_lifetime",
    "Home Agent Preference",
    explain="How long, in seconds, the router serves as a home agent.",
)  # sic
OPT_NONCE = Bytes(
    "icmpv6.opt.nonce",
    "Nonce",
    explain="A random nonce that ties a solicitation to its answer (duplicate "
    "address detection, RFC 3971).",
)
OPT_ROUTE_FLAG = U8(
    "icmpv6.opt.route_info.flag", "Flag", base=HEX, explain="Route information flags."
)
OPT_ROUTE_PREF = Bits("icmpv6.opt.route_info.flag.route_preference", "Route Preference", 1,
                      mask=0x18, names=PREFERENCES,
                      explain="Whether hosts should prefer this router for this route.")  # fmt: skip
OPT_ROUTE_RSV = Bits("icmpv6.opt.route_info.flag.reserved", "Reserved", 1, mask=0xE7,
                     explain=EXPLAIN_RESERVED)  # fmt: skip
OPT_ROUTE_LIFETIME = U32("icmpv6.opt.route_lifetime", "Route Lifetime",
                         explain="How long, in seconds, the route stays valid.")  # fmt: skip
OPT_RDNSS_LIFETIME = U32("icmpv6.opt.rdnss.lifetime", "Lifetime",
                         explain="How long, in seconds, hosts may use these DNS servers.")  # fmt: skip
OPT_RDNSS = IPv6("icmpv6.opt.rdnss", "Recursive DNS Servers",
                 explain="A DNS server hosts on this link may use (RFC 8106).")  # fmt: skip
OPT_DNSSL_LIFETIME = U32("icmpv6.opt.dnssl.lifetime", "Lifetime",
                         explain="How long, in seconds, hosts may use these search domains.")  # fmt: skip
OPT_DNSSL = Text("icmpv6.opt.dnssl", "Domain Names",
                 explain="DNS search domains: suffixes hosts try on short names.")  # fmt: skip
OPT_CAPTIVE = Text("icmpv6.opt.captive_portal", "Captive Portal",
                   explain="The captive portal's URI: the page a host must visit before the "
                   "network lets it out (RFC 8910).")  # fmt: skip
OPT_PREF64_LIFETIME = Bits("icmpv6.opt.pref64.scaled_lifetime", "Scaled Lifetime", 2, mask=0xFFF8,
                           explain="How long the NAT64 prefix stays valid, in units of 8 seconds.")  # fmt: skip
OPT_PREF64_PLC = Bits("icmpv6.opt.pref64.plc", "PLC (Prefix Length Code)", 2, mask=0x0007,
                      base=HEX, names=PLC_NAMES,
                      explain="Prefix length code: how long the NAT64 prefix is.")  # fmt: skip
OPT_PREF64_PREFIX = IPv6("icmpv6.opt.pref64.prefix", "Prefix",
                         explain="The NAT64 prefix: IPv4 addresses are written inside it to reach "
                         "IPv4 hosts from IPv6 (RFC 8781).")  # fmt: skip
alias("icmpv6.opt.linkaddr", "icmpv6.opt.src_linkaddr", "icmpv6.opt.target_linkaddr")


def _ipv6(raw: bytes) -> str:
    return FIELDS["ipv6.src"].conv(raw.ljust(16, b"\0")[:16])


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    itype = layer.value("icmpv6.type")
    layer.hdr_len = end - pos  # informational messages explain their whole body
    layer.payload_pos = end
    if itype in ERROR_TYPES:
        _error(data, layer, itype)
    elif itype in (128, 129):
        _echo(data, layer)
    elif itype in (130, 131, 132):
        _mld(data, layer, itype)
    elif itype == 143:
        _mld_report(data, layer)
    elif itype in (133, 134, 135, 136, 137):
        _neighbor_discovery(data, layer, itype)
    elif itype == 138:
        _router_renumbering(data, layer)
    elif end > pos + 4:
        layer.hdr_len = 4
        layer.payload_pos = pos + 4
        layer.next = DATA


def _need(layer: Layer, size: int, what: str) -> bool:
    """True when the message holds `size` bytes; otherwise marks it short."""
    if layer.pos + size <= layer.payload_end:
        return True
    layer.short(size, what)
    return False


def _error(data: Any, layer: Layer, itype: int) -> None:
    """RFC 4443 section 3: a 4-byte parameter, then as much of the invoking packet as fits."""
    pos, end = layer.pos, layer.payload_end
    if not _need(layer, 8, "ICMPv6 error message"):
        return
    if itype == 2:
        layer.add(MTU, pos + 4, 4, uint_at(data, pos + 4, 4))
    elif itype == 4:
        layer.add(POINTER, pos + 4, 4, uint_at(data, pos + 4, 4))
    elif data[pos + 4]:  # RFC 4884 length, in 64-bit words
        layer.add(LENGTH, pos + 4, 1, data[pos + 4])
        layer.add(RESERVED, pos + 5, 3, bytes(data[pos + 5 : pos + 8]))
    else:
        layer.add(RESERVED, pos + 4, 4, bytes(data[pos + 4 : pos + 8]))
    layer.hdr_len = 8
    layer.payload_pos = pos + 8
    pkt = layer.packet
    if pkt.ctx.in_error:
        layer.next = DATA  # an error quoting an error: its own quote stays data
        return
    pkt.ctx.in_error = True
    # Wireshark stops writing the summary columns inside the quote: the row stays ICMP's
    pkt.ctx.column_layers = len(pkt.layers)
    words = data[pos + 4] if itype in (1, 3) else 0
    pkt.ctx.quote_end = pos + 8 + words * 8 if words and pos + 8 + words * 8 < end else end
    layer.next = lookup("ethertype", 0x86DD) or DATA


def _echo(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    if not _need(layer, 8, "ICMPv6 echo message"):
        return
    layer.add(ECHO_ID, pos + 4, 2, uint_at(data, pos + 4, 2))
    layer.add(ECHO_SEQ, pos + 6, 2, uint_at(data, pos + 6, 2))
    layer.hdr_len = 8
    layer.payload_pos = pos + 8
    if end > pos + 8:
        layer.next = DATA


def _mld(data: Any, layer: Layer, itype: int) -> None:
    """MLDv1 (24 bytes) or, for a query of 28 bytes or more, an MLDv2 query."""
    pos, end = layer.pos, layer.payload_end
    if not _need(layer, 24, "Multicast Listener Discovery message"):
        return
    v2 = itype == 130 and end - pos >= 28
    layer.add(MLD_CODE if v2 else MLD_DELAY, pos + 4, 2, uint_at(data, pos + 4, 2))
    layer.add(RESERVED, pos + 6, 2, bytes(data[pos + 6 : pos + 8]))
    layer.add(MLD_ADDRESS, pos + 8, 16, _ipv6(bytes(data[pos + 8 : pos + 24])))
    if not v2:
        _leftover(data, layer, pos + 24)
        return
    flags = data[pos + 24]
    f = layer.add(MLD_FLAG, pos + 24, 1, flags)
    layer.add(MLD_FLAG_S, pos + 24, 1, bool(flags & 0x08), mask=0x08, parent=f)
    layer.add(MLD_FLAG_QRV, pos + 24, 1, flags & 0x07, mask=0x07, parent=f)
    layer.add(MLD_FLAG_RSV, pos + 24, 1, flags >> 4, mask=0xF0, parent=f)
    layer.add(MLD_QQI, pos + 25, 1, data[pos + 25])
    count = uint_at(data, pos + 26, 2)
    layer.add(MLD_NB_SOURCES, pos + 26, 2, count)
    i = _addresses(data, layer, pos + 28, end, count, MLD_SOURCE, None)
    _leftover(data, layer, i)


def _addresses(
    data: Any, layer: Layer, i: int, end: int, count: int, spec: Any, parent: Field | None
) -> int:
    for _ in range(min(count, MAX_ITEMS)):
        if i + 16 > end:
            layer.short(i + 16 - layer.pos, "address list")
            break
        layer.add(spec, i, 16, _ipv6(bytes(data[i : i + 16])), parent=parent)
        i += 16
    return i


def _leftover(data: Any, layer: Layer, i: int) -> None:
    if i < layer.payload_end:
        layer.add(UNKNOWN_DATA, i, layer.payload_end - i, bytes(data[i : layer.payload_end]))


def _mld_report(data: Any, layer: Layer) -> None:
    """MLDv2 report: multicast address records (type, aux length, sources, address)."""
    pos, end = layer.pos, layer.payload_end
    if not _need(layer, 8, "MLDv2 report"):
        return
    layer.add(RESERVED, pos + 4, 2, bytes(data[pos + 4 : pos + 6]))
    count = uint_at(data, pos + 6, 2)
    layer.add(MLDR_NB_RECORDS, pos + 6, 2, count)
    i = pos + 8
    for _ in range(min(count, MAX_ITEMS)):
        if i + 20 > end:
            layer.short(i + 20 - pos, "multicast address record")
            return
        rtype, aux, nsrc = data[i], data[i + 1], uint_at(data, i + 2, 2)
        size = 20 + 16 * nsrc + 4 * aux
        address = _ipv6(bytes(data[i + 4 : i + 20]))
        rec = layer.add(MAR, i, min(size, end - i), f"{RECORD_TYPES.get(rtype, rtype)}: {address}")
        layer.add(MAR_TYPE, i, 1, rtype, parent=rec)
        layer.add(MAR_AUX_LEN, i + 1, 1, aux, parent=rec)
        layer.add(MAR_NB_SOURCES, i + 2, 2, nsrc, parent=rec)
        layer.add(MAR_ADDRESS, i + 4, 16, address, parent=rec)
        j = _addresses(data, layer, i + 20, end, nsrc, MAR_SOURCE, rec)
        if aux and j + 4 * aux <= end:
            layer.add(MAR_AUX, j, 4 * aux, bytes(data[j : j + 4 * aux]), parent=rec)
        i += size
    _leftover(data, layer, min(i, end))


# Fixed part of each Neighbor Discovery message before its options (RFC 4861 section 4).
ND_FIXED = {133: 8, 134: 16, 135: 24, 136: 24, 137: 40}


def _neighbor_discovery(data: Any, layer: Layer, itype: int) -> None:
    pos = layer.pos
    if not _need(layer, ND_FIXED[itype], f"{TYPE_NAMES[itype]} message"):
        return
    if itype == 134:
        _router_advert(data, layer)
    elif itype == 136:
        flags = uint_at(data, pos + 4, 4)
        f = layer.add(NA_FLAG, pos + 4, 4, flags)
        _bits(layer, f, NA_FLAG_BITS, flags)
        layer.add(NA_TARGET, pos + 8, 16, _ipv6(bytes(data[pos + 8 : pos + 24])))
    else:
        layer.add(RESERVED, pos + 4, 4, bytes(data[pos + 4 : pos + 8]))
        if itype in (135, 137):
            spec = NS_TARGET if itype == 135 else RD_TARGET
            layer.add(spec, pos + 8, 16, _ipv6(bytes(data[pos + 8 : pos + 24])))
        if itype == 137:
            layer.add(RD_DESTINATION, pos + 24, 16, _ipv6(bytes(data[pos + 24 : pos + 40])))
    _options(data, layer, pos + ND_FIXED[itype], layer.payload_end)


def _router_advert(data: Any, layer: Layer) -> None:
    pos = layer.pos
    layer.add(RA_HOP_LIMIT, pos + 4, 1, data[pos + 4])
    flags = data[pos + 5]
    f = layer.add(RA_FLAG, pos + 5, 1, flags)
    _bits(layer, f, RA_FLAG_BITS, flags)
    layer.add(RA_LIFETIME, pos + 6, 2, uint_at(data, pos + 6, 2))
    layer.add(RA_REACHABLE, pos + 8, 4, uint_at(data, pos + 8, 4))
    layer.add(RA_RETRANS, pos + 12, 4, uint_at(data, pos + 12, 4))


def _options(data: Any, layer: Layer, i: int, end: int) -> None:
    """Type, length in units of 8 bytes (zero is invalid: RFC 4861 4.6), value."""
    for _ in range(MAX_ITEMS):
        if i + 2 > end:
            if i < end:
                layer.add(UNKNOWN_DATA, i, end - i, bytes(data[i:end]))
            return
        kind, units = data[i], data[i + 1]
        size = units * 8
        if size == 0 or i + size > end:
            o = layer.add(OPT, i, end - i, OPTION_NAMES.get(kind, f"Unknown ({kind})"))
            layer.add(OPT_TYPE, i, 1, kind, parent=o)
            layer.add(OPT_LENGTH, i + 1, 1, units, parent=o)
            layer.issue("error", "malformed", "icmpv6.invalid_option_length",
                        f"option {kind} at offset {i} has length {size} bytes, "
                        f"{end - i} remain", i + 1, 1)  # fmt: skip
            return
        o = layer.add(OPT, i, size, OPTION_NAMES.get(kind, f"Unknown ({kind})"))
        layer.add(OPT_TYPE, i, 1, kind, parent=o)
        layer.add(OPT_LENGTH, i + 1, 1, units, parent=o)
        summary = _option_value(data, layer, o, kind, i + 2, i + size)
        if summary:
            o.value = (
                f"{o.value} : {summary}" if kind in (1, 2, 3, 5, 7, 24) else f"{o.value} {summary}"
            )
        i += size


def _option_value(data: Any, layer: Layer, o: Field, kind: int, i: int, end: int) -> str:
    """Add the option's fields; returns the summary Wireshark appends to the option title."""
    raw = bytes(data[i:end])
    if kind in (1, 2):
        spec = OPT_SRC_LLA if kind == 1 else OPT_TGT_LLA
        lla = raw[:6] if len(raw) == 6 or (len(raw) == 14 and not any(raw[6:])) else raw
        value = lla.hex(":") if len(lla) == 6 else lla
        layer.add(spec, i, len(lla), value, parent=o)
        if len(lla) < len(raw):
            layer.add(OPT_PADDING, i + len(lla), len(raw) - len(lla), raw[len(lla) :], parent=o)
        return lla.hex(":")
    if kind == 3 and len(raw) == 30:
        return _prefix_info(data, layer, o, i)
    if kind == 5 and len(raw) == 6:
        layer.add(OPT_RESERVED, i, 2, raw[:2], parent=o)
        layer.add(OPT_MTU, i + 2, 4, uint_at(data, i + 2, 4), parent=o)
        return str(uint_at(data, i + 2, 4))
    if kind == 7 and len(raw) == 6:
        layer.add(OPT_RESERVED, i, 2, raw[:2], parent=o)
        layer.add(OPT_ADV_INTERVAL, i + 2, 4, uint_at(data, i + 2, 4), parent=o)
        return str(uint_at(data, i + 2, 4))
    if kind == 8 and len(raw) == 6:
        layer.add(OPT_RESERVED, i, 2, raw[:2], parent=o)
        layer.add(OPT_HA_PREF, i + 2, 2, uint_at(data, i + 2, 2), parent=o)
        layer.add(OPT_HA_LIFETIME, i + 4, 2, uint_at(data, i + 4, 2), parent=o)
        return ""
    return _option_value_more(data, layer, o, kind, i, end, raw)


def _option_value_more(
    data: Any, layer: Layer, o: Field, kind: int, i: int, end: int, raw: bytes
) -> str:
    if kind == 4 and len(raw) >= 6:
        layer.add(OPT_RESERVED, i, 6, raw[:6], parent=o)
        if len(raw) > 6:
            layer.add(OPT_REDIRECTED, i + 6, len(raw) - 6, raw[6:], parent=o)
        return ""
    if kind == 14:
        layer.add(OPT_NONCE, i, len(raw), raw, parent=o)
        return ""
    if kind == 24 and len(raw) >= 6:
        return _route_info(data, layer, o, i, end)
    if kind in (25, 31) and len(raw) >= 6:
        return _dns_option(data, layer, o, kind, i, end)
    if kind == 37:
        text = raw.rstrip(b"\0").decode("utf-8", "replace")
        layer.add(OPT_CAPTIVE, i, len(raw), text, parent=o)
        return ""
    if kind == 38 and len(raw) == 14:
        word = uint_at(data, i, 2)
        layer.add(OPT_PREF64_LIFETIME, i, 2, word >> 3, mask=0xFFF8, parent=o)
        layer.add(OPT_PREF64_PLC, i, 2, word & 7, mask=0x0007, parent=o)
        layer.add(OPT_PREF64_PREFIX, i + 2, 12, _ipv6(raw[2:]), parent=o)
        return ""
    if raw:
        layer.add(UNKNOWN_DATA, i, len(raw), raw, parent=o)
    return ""


def _prefix_info(data: Any, layer: Layer, o: Field, i: int) -> str:
    plen, flags = data[i], data[i + 1]
    layer.add(OPT_PREFIX_LEN, i, 1, plen, parent=o)
    f = layer.add(OPT_PREFIX_FLAG, i + 1, 1, flags, parent=o)
    _bits(layer, f, OPT_PREFIX_BITS, flags)
    layer.add(OPT_VALID, i + 2, 4, uint_at(data, i + 2, 4), parent=o)
    layer.add(OPT_PREFERRED, i + 6, 4, uint_at(data, i + 6, 4), parent=o)
    layer.add(OPT_RESERVED, i + 10, 4, bytes(data[i + 10 : i + 14]), parent=o)
    prefix = _ipv6(bytes(data[i + 14 : i + 30]))
    layer.add(OPT_PREFIX, i + 14, 16, prefix, parent=o)
    return f"{prefix}/{plen}"


def _route_info(data: Any, layer: Layer, o: Field, i: int, end: int) -> str:
    """RFC 4191 2.3: the prefix field holds only as many bytes as the option length allows."""
    plen, flags = data[i], data[i + 1]
    layer.add(OPT_PREFIX_LEN, i, 1, plen, parent=o)
    f = layer.add(OPT_ROUTE_FLAG, i + 1, 1, flags, parent=o)
    layer.add(OPT_ROUTE_PREF, i + 1, 1, (flags >> 3) & 3, mask=0x18, parent=f)
    layer.add(OPT_ROUTE_RSV, i + 1, 1, flags & 0xE7, mask=0xE7, parent=f)
    layer.add(OPT_ROUTE_LIFETIME, i + 2, 4, uint_at(data, i + 2, 4), parent=o)
    raw = bytes(data[i + 6 : min(end, i + 22)])
    prefix = _ipv6(raw)
    if raw:
        layer.add(OPT_PREFIX, i + 6, len(raw), prefix, parent=o)
    return f"{PREFERENCES[(flags >> 3) & 3]} {prefix}/{plen}"


def _dns_option(data: Any, layer: Layer, o: Field, kind: int, i: int, end: int) -> str:
    """RDNSS: IPv6 addresses; DNSSL: domain names as DNS labels, zero-padded (RFC 8106)."""
    layer.add(OPT_RESERVED, i, 2, bytes(data[i : i + 2]), parent=o)
    spec = OPT_RDNSS_LIFETIME if kind == 25 else OPT_DNSSL_LIFETIME
    layer.add(spec, i + 2, 4, uint_at(data, i + 2, 4), parent=o)
    if kind == 25:
        _addresses(data, layer, i + 6, end, (end - i - 6) // 16, OPT_RDNSS, o)
        return " ".join(str(f.value) for f in (o.children or []) if f.spec is OPT_RDNSS)
    names, j = [], i + 6
    for _ in range(MAX_ITEMS):
        if j >= end or data[j] == 0:
            break
        start, labels = j, []
        while j < end and data[j] and j + 1 + data[j] <= end:
            labels.append(bytes(data[j + 1 : j + 1 + data[j]]).decode("ascii", "replace"))
            j += 1 + data[j]
        j = min(end, j + 1)  # the root label
        name = ".".join(labels)
        names.append(name)
        layer.add(OPT_DNSSL, start, j - start, name, parent=o)
    if j < end:
        layer.add(OPT_PADDING, j, end - j, bytes(data[j:end]), parent=o)
    return " ".join(names)


def _router_renumbering(data: Any, layer: Layer) -> None:
    """RFC 2894: header, then prefix control operations (command) or result messages."""
    pos, end = layer.pos, layer.payload_end
    if not _need(layer, 16, "Router Renumbering message"):
        return
    layer.add(RR_SEQ, pos + 4, 4, uint_at(data, pos + 4, 4))
    layer.add(RR_SEGMENT, pos + 8, 1, data[pos + 8])
    flags = data[pos + 9]
    f = layer.add(RR_FLAG, pos + 9, 1, flags)
    _bits(layer, f, RR_FLAG_BITS, flags)
    layer.add(RR_MAXDELAY, pos + 10, 2, uint_at(data, pos + 10, 2))
    layer.add(RESERVED, pos + 12, 4, bytes(data[pos + 12 : pos + 16]))
    if layer.value("icmpv6.code") == 1:
        _rr_results(data, layer, pos + 16, end)
    else:
        _rr_operations(data, layer, pos + 16, end)


def _rr_operations(data: Any, layer: Layer, i: int, end: int) -> None:
    for _ in range(MAX_ITEMS):
        if i + 24 > end:
            break
        oplen = data[i + 1]
        prefix = _ipv6(bytes(data[i + 8 : i + 24]))
        op = RR_OPCODES.get(data[i], str(data[i]))
        mp = layer.add(RR_MP, i, 24, f"{op} {prefix}/{data[i + 3]} ({data[i + 4]}-{data[i + 5]})")
        for spec, off in ((RR_MP_OPCODE, 0), (RR_MP_OPLEN, 1), (RR_MP_ORDINAL, 2),
                          (RR_MP_MATCHLEN, 3), (RR_MP_MINLEN, 4), (RR_MP_MAXLEN, 5)):  # fmt: skip
            layer.add(spec, i + off, 1, data[i + off], parent=mp)
        layer.add(RESERVED, i + 6, 2, bytes(data[i + 6 : i + 8]), parent=mp)
        layer.add(RR_MP_PREFIX, i + 8, 16, prefix, parent=mp)
        stop = min(end, i + max(oplen, 3) * 8)
        j = i + 24
        while j + 32 <= stop:
            _rr_use_prefix(data, layer, j)
            j += 32
        i = max(stop, i + 24)


def _rr_use_prefix(data: Any, layer: Layer, j: int) -> None:
    prefix = _ipv6(bytes(data[j + 16 : j + 32]))
    up = layer.add(RR_UP, j, 32, f"{prefix}/{data[j]} (keep {data[j + 1]})")
    layer.add(RR_UP_USELEN, j, 1, data[j], parent=up)
    layer.add(RR_UP_KEEPLEN, j + 1, 1, data[j + 1], parent=up)
    for spec, off in ((RR_UP_FLAGMASK, 2), (RR_UP_RAFLAGS, 3)):  # both use the L/A bits
        f = layer.add(spec, j + off, 1, data[j + off], parent=up)
        _bits(layer, f, RR_UP_MASK_BITS, data[j + off])
    layer.add(RR_UP_VALID, j + 4, 4, uint_at(data, j + 4, 4), parent=up)
    layer.add(RR_UP_PREFERRED, j + 8, 4, uint_at(data, j + 8, 4), parent=up)
    f = layer.add(RR_UP_FLAG, j + 12, 4, uint_at(data, j + 12, 4), parent=up)
    _bits(layer, f, RR_UP_FLAG_BITS, f.value)
    layer.add(RR_UP_PREFIX, j + 16, 16, prefix, parent=up)


def _bits(layer: Layer, parent: Field, bits: tuple, word: int) -> None:
    """Flag and bit-field children of `parent`, from the word it holds."""
    for spec, mask in bits:
        value = bool(word & mask) if spec.kind == "flag" else (word & mask) >> shift_of(mask)
        layer.add(spec, parent.pos, parent.len, value, mask=mask, parent=parent)


def _rr_results(data: Any, layer: Layer, i: int, end: int) -> None:
    for _ in range(MAX_ITEMS):
        if i + 24 > end:
            break
        rm = layer.add(RR_RM, i, 24, "")
        layer.add(RR_RM_FLAG, i, 2, uint_at(data, i, 2), parent=rm)
        layer.add(RR_RM_ORDINAL, i + 2, 1, data[i + 2], parent=rm)
        layer.add(RR_RM_MATCHEDLEN, i + 3, 1, data[i + 3], parent=rm)
        layer.add(RR_RM_IFINDEX, i + 4, 4, uint_at(data, i + 4, 4), parent=rm)
        layer.add(RR_RM_PREFIX, i + 8, 16, _ipv6(bytes(data[i + 8 : i + 24])), parent=rm)
        i += 24


# -- Info column and title ------------------------------------------------------------------
def _info(layer: Layer) -> str:
    itype, code = layer.value("icmpv6.type"), layer.value("icmpv6.code")
    if code is None:
        return "ICMPv6"
    text = TYPE_NAMES.get(itype, f"Unknown ({itype})")
    code_text = CODE_NAMES.get(itype, {}).get(code)
    if code_text:
        text += f" ({code_text})"
    if itype in (128, 129) and layer.get("icmpv6.echo.identifier") is not None:
        text += f" id=0x{layer.value('icmpv6.echo.identifier'):04x}, seq={layer.value('icmpv6.echo.sequence_number')}"
        hlim = _hop_limit(layer)
        if hlim is not None:
            text += f", hop limit={hlim}"
    elif itype in (133, 134, 135, 136):
        text += _nd_info(layer, itype)
    return text


def _nd_info(layer: Layer, itype: int) -> str:
    text = ""
    if itype == 135 and layer.get("icmpv6.nd.ns.target_address") is not None:
        text += f" for {layer.value('icmpv6.nd.ns.target_address')}"
    if itype == 136 and layer.get("icmpv6.nd.na.target_address") is not None:
        text += f" {layer.value('icmpv6.nd.na.target_address')}"
        flags = layer.value("icmpv6.nd.na.flag") or 0
        names = [
            n
            for bit, n in ((0x80000000, "rtr"), (0x40000000, "sol"), (0x20000000, "ovr"))
            if flags & bit
        ]
        if names:
            text += f" ({', '.join(names)})"
        target = layer.get("icmpv6.opt.target_linkaddr")
        if target is not None:
            text += f" is at {target.value}"
    source = layer.get("icmpv6.opt.src_linkaddr")
    if source is not None and itype != 136:
        text += f" from {source.value}"
    return text


def _hop_limit(layer: Layer) -> int | None:
    """The hop limit of the IPv6 header carrying this message (past any extension headers)."""
    layers = layer.packet.layers
    if layer not in layers:
        return None
    for below in reversed(layers[: layers.index(layer)]):
        if below.name == "ipv6":
            return below.value("ipv6.hlim")
        if not below.name.startswith("ipv6."):
            return None
    return None


ICMPV6.tail = _tail
ICMPV6.info = _info

bind("ip.proto", 58, ICMPV6)
