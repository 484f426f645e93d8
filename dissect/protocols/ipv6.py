"""Internet Protocol Version 6 (RFC 8200) and its extension headers.

Hop-by-Hop and Destination Options (RFC 8200 sections 4.3 and 4.6; Router Alert RFC 2711,
Jumbo Payload RFC 2675, Tunnel Encapsulation Limit RFC 2473, Home Address RFC 6275, RPL
RFC 6553), Routing (section 4.4; type 0 RFC 2460 deprecated by RFC 5095, type 2 RFC 6275,
type 3 RPL RFC 6554, type 4 Segment Routing RFC 8754) and Fragment (section 4.5).

Each extension header is its own protocol, as Wireshark lists them in frame.protocols
("ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts"), and binds itself into the
"ip.proto" table next to the upper layers, so the chain is walked by the decode driver (which
bounds it by its layer limit). Fragments other than the first carry no upper-layer header.

Context left for the layers above (pkt.ctx, dissect/engine.py Context):
  pseudo_src, pseudo_dst  16-byte addresses for pseudo-header checksums; a routing header
                  with segments left replaces the destination by the final one (RFC 8200 8.1)
  ipv6_pos, ipv6_plen  header offset and payload length of the innermost IPv6 header (Jumbo)
  fragment        once a fragment header says the datagram is fragmented (as Wireshark's
                  pinfo->fragmented: upper layers see only part of it)
Read from below: in_error (ICMP/ICMPv6 errors): inside a quoted packet, lengths that run past
the quote are expected and are not reported.
"""

from __future__ import annotations

from typing import Any

from ..names import (
    DSCP_NAMES,
    ECN_NAMES,
    EXPLAIN_RESERVED,
    TRUE_FALSE,
    ds_names,
    explain_dscp,
    explain_ecn,
    explain_ip_address,
    true_false,
)
from ..protocol import (
    DATA,
    FIELDS,
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bool,
    Bulk,
    Bytes,
    Field,
    Flag,
    Int,
    IPv6,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Title,
    alias,
    bind,
    hex_bytes,
    shift_of,
)

MAX_OPTIONS = 256  # each option is at least one byte; bounds the TLV walk on top of that


def _proto_name(value: Any) -> str | None:
    """Next-header names come from ip.py's "ip.proto" table, looked up through the field
    registry at display time (protocol files do not import each other)."""
    spec = FIELDS.get("ip.proto")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


OPTION_NAMES = {
    0: "Pad1", 1: "PadN", 4: "Tunnel Encapsulation Limit", 5: "Router Alert", 7: "CALIPSO",
    8: "SMF_DPD", 15: "Performance and Diagnostic Metrics", 30: "Experimental (0x1E)",
    38: "Quick-Start", 48: "Path MTU Option", 49: "IOAM Option", 62: "Experimental (0x3E)",
    65: "Tunnel Payload Forwarding (TPF) Information", 94: "Experimental (0x5E)",
    99: "RPL Option", 109: "MPL Option", 126: "Experimental (0x7E)",
    138: "Endpoint Identification", 139: "ILNP Nonce", 140: "Line-Identification Option",
    158: "Experimental (0x9E)", 190: "Experimental (0xBE)", 194: "Jumbo Payload",
    201: "Home Address", 222: "Experimental (0xDE)", 238: "IP_DFF", 254: "Experimental (0xFE)",
}  # fmt: skip
ACTION_NAMES = {
    0: "Skip and continue", 1: "Discard", 2: "Discard and send ICMP Parameter Problem",
    3: "Discard and send ICMP if not multicast",
}  # fmt: skip
ROUTER_ALERT_NAMES = {0: "MLD", 1: "RSVP", 2: "Active Network"}
ROUTING_NAMES = {
    0: "Source Route", 1: "Nimrod", 2: "Type 2 Routing", 3: "RPL Source Route",
    4: "Segment Routing", 5: "Compact Routing Header 16", 6: "Compact Routing Header 32",
    253: "Experiment 1", 254: "Experiment 2",
}  # fmt: skip


class _IPv6Protocol(Protocol):
    """IPv6 also files its version nibble under ip.version (as Wireshark), even when the
    header is cut short and the tail never runs."""

    def partial(self, data: Any, layer: Layer, avail: int) -> None:
        super().partial(data, layer, avail)
        if avail >= 1:
            version = data[layer.pos] >> 4
            layer.extra.insert(1, Field(FIELDS[IP_VERSION], layer.pos, 1, version, 0xF0))


# -- the fixed header (40 bytes) -----------------------------------------------------------
NEXT_HEADER = (
    "Which header comes next: another extension header or the upper-layer protocol (6 TCP, "
    "17 UDP, 58 ICMPv6), numbered as IPv4's protocol field."
)
EXT_LENGTH = "The header's length in 8-byte units, not counting the first 8 bytes."


def _explain_length(value: int, layer: Layer) -> str:
    return f"The header is {value} bytes long (worked out from the length field)."


COLOUR = "#5fd7af"  # IPv6 and its extension headers (one Protocol column: "IPv6")
IPV6 = _IPv6Protocol(
    "ipv6", "Internet Protocol Version 6", osi=Osi.NETWORK, short="IPv6",
    header=(
        Bits("ipv6.version", "Version", mask=0xF0, explain=lambda v, _l: "Version 6: an IPv6 header." if v == 6 else f"Version {v}: not 6, so "
                 "these bytes are not really an IPv6 header."),
        Bits("ipv6.tclass", "Traffic Class", 4, mask=0x0FF00000, at=0, base=HEX,
             text=lambda v: f"0x{v:02x} ({ds_names(v)})", children=(
            Bits("ipv6.tclass.dscp", "Differentiated Services Codepoint", mask=0x0FC00000,
                 names=lambda v: DSCP_NAMES.get(v, "Unknown"), explain=explain_dscp),
            Bits("ipv6.tclass.ecn", "Explicit Congestion Notification", mask=0x00300000,
                 names=ECN_NAMES,
                 explain=explain_ecn),
        ),
             explain="Traffic class: the packet's priority class (DSCP) and congestion marks "
             "(ECN), as IPv4's DS field."),
        Bits("ipv6.flow", "Flow Label", 3, mask=0x0FFFFF, at=1, base=HEX,
             explain=lambda v, _l: f"Flow label 0x{v:05x}: " + ("lets routers keep the packets of one flow on "
                 "one path." if v else "0, no flow label set.")),
        U16("ipv6.plen", "Payload Length",
            explain=lambda v, _l: f"Payload length {v}: the bytes after this 40-byte header, extension "
            "headers included."),
        U8("ipv6.nxt", "Next Header", names=_proto_name, explain=NEXT_HEADER),
        U8("ipv6.hlim", "Hop Limit",
           explain=lambda v, _l: f"Hop limit {v}: each router subtracts 1 and drops the packet at 0, as "
           "IPv4's TTL."),
        IPv6("ipv6.src", "Source Address", explain=explain_ip_address),
        IPv6("ipv6.dst", "Destination Address", explain=explain_ip_address),
    ),
    next_by=("ip.proto", ("ipv6.nxt",)),
    addresses=("ipv6.src", "ipv6.dst"),
    colour=COLOUR,
    bulk=Bulk(plain=(("ipv6.version", "==", 6), ("ipv6.plen", "!=", 0)),
              payload_length="ipv6.plen"),
    explain="IPv6 carries the packet from its source host to its destination host across "
    "networks, with 128-bit addresses; optional extension headers follow this fixed header.",
)  # fmt: skip

IPV6_VERSION = FIELDS["ipv6.version"]
IP_VERSION = "ip.version"  # declared by ip.py: looked up by name when used
alias("ipv6.addr", "ipv6.src", "ipv6.dst")
alias("ipv6.host", "ipv6.src", "ipv6.dst")


def _ipv6_tail(data: Any, layer: Layer) -> None:
    pos = layer.pos
    version = data[pos] >> 4  # from the bytes: this runs for every IPv6 packet
    # Wireshark also files the version nibble under the shared name ip.version.
    layer.add(IP_VERSION, pos, 1, version, mask=0xF0)
    if version != 6:
        _bogus_version(layer, version)
        return
    plen = (data[pos + 4] << 8) | data[pos + 5]
    _bound_payload(layer, plen, data[pos + 6])
    pkt = layer.packet
    quote_end = pkt.ctx.quote_end
    if pkt.ctx.in_error and quote_end >= 0 and pos + 40 <= quote_end < layer.payload_end:
        layer.payload_end = quote_end  # extension objects follow the quoted packet
    pkt.ctx.pseudo_src, pkt.ctx.pseudo_dst = data[pos + 8 : pos + 24], data[pos + 24 : pos + 40]
    pkt.ctx.ipv6_pos, pkt.ctx.ipv6_plen = pos, plen


def _bogus_version(layer: Layer, version: int) -> None:
    """Not an IPv6 header: keep only the version nibble (as Wireshark) and hand the rest on
    as data, so the bytes stay in view without fields that would mean nothing."""
    layer.values = None
    layer.extra.insert(0, Field(IPV6_VERSION, layer.pos, 1, version, 0xF0))
    layer.issue("error", "malformed", "ipv6.bogus_ipv6_version",
                f"version {version} is not 6: not an IPv6 header", layer.pos, 1)  # fmt: skip
    layer.hdr_len = 0
    layer.payload_pos = layer.pos
    layer.next = DATA


def _bound_payload(layer: Layer, plen: int, nxt: int) -> None:
    """The payload length bounds the payload: below it is link padding, above it the capture
    was cut or the length lies. Zero means a Jumbo Payload option (RFC 2675) follows in the
    Hop-by-Hop header, or a segmentation-offload capture: then the frame bounds it."""
    pos, end = layer.pos, layer.payload_end
    start = layer.pos + 40
    pkt = layer.packet
    if plen == 0:
        if nxt != 0:
            layer.issue("chat", "protocol", "ipv6.plen_zero",
                        "payload length is 0 (probably TCP segmentation offload): the payload "
                        "is taken to run to the end of the captured bytes", pos + 4, 2)  # fmt: skip
        return
    if start + plen <= end:
        layer.payload_end = start + plen
        return
    reported_end = end + (pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0)
    if pkt.ctx.in_error or start + plen <= reported_end:
        return  # a quoted packet, or a capture cut short (the frame layer says so)
    layer.issue("warn", "protocol", "ipv6.plen_exceeds_framing",
                f"payload length {plen} exceeds the {reported_end - start} bytes on the wire: "
                "payload ends at the last byte", pos + 4, 2)  # fmt: skip


SRC_SLAAC_MAC = Mac(
    "ipv6.src_slaac_mac",
    "Source SLAAC MAC",
    generated=True,
    explain="The MAC address the source address was made from (SLAAC EUI-64).",
)
DST_SLAAC_MAC = Mac(
    "ipv6.dst_slaac_mac",
    "Destination SLAAC MAC",
    generated=True,
    explain="The MAC address the destination address was made from (SLAAC EUI-64).",
)


def _ipv6_detail(data: Any, layer: Layer) -> None:
    """The MAC address an address was made from (an EUI-64 interface identifier with FF:FE
    in its middle, RFC 4291 appendix A), as Wireshark shows it."""
    if layer.values is None:
        return
    for spec, at in ((SRC_SLAAC_MAC, layer.pos + 8), (DST_SLAAC_MAC, layer.pos + 24)):
        iid = data[at + 8 : at + 16]
        if len(iid) == 8 and iid[3] == 0xFF and iid[4] == 0xFE:
            mac = bytes((iid[0] ^ 0x02, iid[1], iid[2], iid[5], iid[6], iid[7]))
            layer.add(spec, at + 8, 0, mac.hex(":"))


IPV6.tail = _ipv6_tail
IPV6.detail = _ipv6_detail
# a header cut short has no addresses to show
IPV6.describe = Title("Internet Protocol Version 6, Src: {ipv6.src}, Dst: {ipv6.dst}",
                      otherwise=lambda layer: IPV6.title)  # fmt: skip


# -- extension headers: shared pieces -------------------------------------------------------
def _ext_header(name: str, title: str, explain: str, header: tuple) -> Protocol:
    return Protocol(
        name, title, osi=Osi.NETWORK, short="IPv6", colour=COLOUR,
        header=header, next_by=("ip.proto", (f"{name}.nxt",)), explain=explain,
    )  # fmt: skip


def _ext_bounds(data: Any, layer: Layer, what: str) -> int:
    """Length in 8-octet units not counting the first 8 (RFC 8200 4.3): returns where the
    header ends within the bytes present, and marks a header the bytes do not hold."""
    name, pos, end = layer.name, layer.pos, layer.payload_end
    total = (data[pos + 1] + 1) * 8
    layer.add(f"{name}.len_oct", pos + 1, 0, total, generated=True)
    if pos + total > end:
        layer.short(total, what)
        layer.hdr_len = end - pos
        layer.payload_pos = end
        return end
    layer.hdr_len = total
    layer.payload_pos = pos + total
    return pos + total


# -- Hop-by-Hop and Destination Options (RFC 8200 4.3, 4.6) ----------------------------------
OPT = Str(
    "ipv6.opt", "", explain="One option of this extension header: type, length and value."
)  # the line is the option's name, its fields under it
OPT_TYPE = U8(
    "ipv6.opt.type",
    "Type",
    base=HEX,
    names=OPTION_NAMES,
    explain="The option type: which option this is.",
)
OPT_ACTION = Bits(
    "ipv6.opt.type.action",
    "Action",
    1,
    mask=0xC0,
    names=ACTION_NAMES,
    explain="What a node that does not know the option must do: skip it, drop the "
    "packet, or drop it and report back.",
)
OPT_CHANGE = Flag(
    "ipv6.opt.type.change",
    "May Change",
    0x20,
    width=1,
    text=true_false("Yes", "No"),
    explain="Whether the option's data may change on the way (it is then left out "
    "of authentication).",
)
OPT_REST = Bits(
    "ipv6.opt.type.rest",
    "Low-Order Bits",
    1,
    mask=0x1F,
    base=HEX,
    explain="The rest of the option type's bits.",
)
OPT_LEN = U8(
    "ipv6.opt.length",
    "Length",
    explain=lambda v, _l: f"Option length: {v} bytes of data after the type and length bytes.",
)
OPT_PAD1 = Bytes(
    "ipv6.opt.pad1", "Pad1", 1, explain="Pad1: one byte of padding that aligns the next option."
)
OPT_PADN = Bytes(
    "ipv6.opt.padn",
    "PadN",
    text=lambda v: hex_bytes(v) if v else "<none>",
    explain="PadN: several bytes of padding that align the next option or the header's end.",
)
OPT_TEL = U8(
    "ipv6.opt.tel",
    "Tunnel Encapsulation Limit",
    explain="Tunnel encapsulation limit: how many more times the packet may be put "
    "inside another tunnel.",
)
OPT_RA = U16(
    "ipv6.opt.router_alert",
    "Router Alert",
    names=ROUTER_ALERT_NAMES,
    explain="Router alert: routers on the path should look at this packet closely (MLD, RSVP).",
)
OPT_JUMBO = U32(
    "ipv6.opt.jumbo",
    "Payload Length",
    explain="Jumbo payload length: the real payload length of a packet bigger than 65,535 bytes.",
)
OPT_HOME = IPv6(
    "ipv6.opt.mipv6.home_address",
    "MIPv6 Home Address",
    explain="Mobile IPv6 home address: the mobile node's permanent address while it is away.",
)
OPT_NONCE = Bytes(
    "ipv6.opt.ilnp_nonce",
    "ILNP Nonce",
    explain="ILNP nonce: a random value that proves the packets come from one session.",
)
OPT_RPL_FLAG = U8(
    "ipv6.opt.rpl.flag",
    "Flag",
    base=HEX,
    explain="RPL option flags (routing in low-power networks, RFC 6553).",
)
OPT_RPL_O = Flag(
    "ipv6.opt.rpl.flag.o",
    "Down",
    0x80,
    width=1,
    text=TRUE_FALSE,
    explain="Down: the packet travels down the routing tree, away from its root.",
)
OPT_RPL_R = Flag(
    "ipv6.opt.rpl.flag.r",
    "Rank Error",
    0x40,
    width=1,
    text=TRUE_FALSE,
    explain="Rank error: a loop in the routing tree was detected.",
)
OPT_RPL_F = Flag(
    "ipv6.opt.rpl.flag.f",
    "Forwarding Error",
    0x20,
    width=1,
    text=TRUE_FALSE,
    explain="Forwarding error: a node could not forward the packet to its destination.",
)
OPT_RPL_RSV = Bits(
    "ipv6.opt.rpl.flag.rsv", "Reserved", 1, mask=0x1F, base=HEX, explain=EXPLAIN_RESERVED
)
OPT_RPL_INSTANCE = U8(
    "ipv6.opt.rpl.instance_id",
    "RPLInstanceID",
    explain="RPL instance: which routing tree the packet follows.",
)
OPT_RPL_RANK = U16(
    "ipv6.opt.rpl.sender_rank",
    "Sender Rank",
    explain="Sender rank: the sending node's distance from the routing tree's root.",
)
OPT_EXPERIMENTAL = Bytes(
    "ipv6.opt.experimental", "Experimental Option", explain="An experimental option's data."
)
OPT_UNKNOWN = Bytes(
    "ipv6.opt.unknown",
    "Unknown Option Payload",
    explain="The data of an option this tool does not decode.",
)

# Options whose value has one fixed size: (spec, size).
FIXED_OPTIONS = {4: (OPT_TEL, 1), 5: (OPT_RA, 2), 194: (OPT_JUMBO, 4), 201: (OPT_HOME, 16)}

HOPOPTS = _ext_header(
    "ipv6.hopopts", "IPv6 Hop-by-Hop Option",
    "Options every router on the path must examine (Router Alert, Jumbo Payload, padding).",
    (U8("ipv6.hopopts.nxt", "Next Header", names=_proto_name, explain=NEXT_HEADER),
     U8("ipv6.hopopts.len", "Length", explain=EXT_LENGTH)),
)  # fmt: skip
DSTOPTS = _ext_header(
    "ipv6.dstopts", "Destination Options for IPv6",
    "Options only the destination (or the next listed hop of a routing header) examines.",
    (U8("ipv6.dstopts.nxt", "Next Header", names=_proto_name, explain=NEXT_HEADER),
     U8("ipv6.dstopts.len", "Length", explain=EXT_LENGTH)),
)  # fmt: skip
Int("ipv6.hopopts.len_oct", "Length", unit=" bytes", generated=True, explain=_explain_length)
Int("ipv6.dstopts.len_oct", "Length", unit=" bytes", generated=True, explain=_explain_length)


def _options_tail(data: Any, layer: Layer) -> None:
    end = _ext_bounds(data, layer, f"{layer.protocol.title} header")
    jumbo = _options(data, layer, layer.pos + 2, end)
    if layer.protocol is HOPOPTS:
        _check_hop_by_hop(layer, jumbo)


def _options(data: Any, layer: Layer, start: int, end: int) -> int | None:
    """Walk the option TLVs; returns the Jumbo Payload length if one was present."""
    i, jumbo = start, None
    for _ in range(MAX_OPTIONS):
        if i >= end:
            break
        kind = data[i]
        if kind == 0:
            o = layer.add(OPT, i, 1, "Pad1")
            layer.add(OPT_TYPE, i, 1, 0, parent=o)
            layer.add(OPT_PAD1, i, 1, bytes(data[i : i + 1]), parent=o)
            i += 1
            continue
        if i + 2 > end or i + 2 + data[i + 1] > end:
            layer.issue("error", "malformed", "ipv6.opt.invalid_len",
                        f"option {kind} at offset {i} runs past the end of its header",
                        i, end - i)  # fmt: skip
            layer.add(OPT_UNKNOWN, i, end - i, bytes(data[i:end]))
            break
        n = data[i + 1]
        name = OPTION_NAMES.get(kind, f"Unknown IPv6 Option ({kind})")
        o = layer.add(OPT, i, 2 + n, name)
        _option_type(layer, o, i, kind)
        layer.add(OPT_LEN, i + 1, 1, n, parent=o)
        value = _option_value(data, layer, o, kind, i + 2, n)
        if kind == 194 and value is not None:
            jumbo = value
        i += 2 + n
    return jumbo


def _option_type(layer: Layer, o: Field, i: int, kind: int) -> None:
    t = layer.add(OPT_TYPE, i, 1, kind, parent=o)
    layer.add(OPT_ACTION, i, 1, kind >> 6, mask=0xC0, parent=t)
    layer.add(OPT_CHANGE, i, 1, bool(kind & 0x20), mask=0x20, parent=t)
    layer.add(OPT_REST, i, 1, kind & 0x1F, mask=0x1F, parent=t)


def _option_value(data: Any, layer: Layer, o: Field, kind: int, i: int, n: int) -> Any:
    """Add the option's value fields; returns the decoded value of a fixed-size option."""
    raw = bytes(data[i : i + n])
    fixed = FIXED_OPTIONS.get(kind)
    if fixed is not None and n == fixed[1]:
        value = _ipv6_str(raw) if kind == 201 else int.from_bytes(raw, "big")
        layer.add(fixed[0], i, n, value, parent=o)
        return value
    if kind == 1:
        layer.add(OPT_PADN, i, n, raw, parent=o)
    elif kind == 139:
        layer.add(OPT_NONCE, i, n, raw, parent=o)
    elif kind == 99 and n >= 4:
        _rpl_option(data, layer, o, i)
    elif kind & 0x1F == 0x1E:
        layer.add(OPT_EXPERIMENTAL, i, n, raw, parent=o)
    else:
        if fixed is not None:
            layer.issue("error", "malformed", "ipv6.opt.invalid_len",
                        f"{OPTION_NAMES[kind]} option needs {fixed[1]} bytes of value, has {n}",
                        i - 1, 1)  # fmt: skip
        layer.add(OPT_UNKNOWN, i, n, raw, parent=o)
    return None


def _rpl_option(data: Any, layer: Layer, o: Field, i: int) -> None:
    flags = data[i]
    f = layer.add(OPT_RPL_FLAG, i, 1, flags, parent=o)
    for spec, mask in ((OPT_RPL_O, 0x80), (OPT_RPL_R, 0x40), (OPT_RPL_F, 0x20)):
        layer.add(spec, i, 1, bool(flags & mask), mask=mask, parent=f)
    layer.add(OPT_RPL_RSV, i, 1, flags & 0x1F, mask=0x1F, parent=f)
    layer.add(OPT_RPL_INSTANCE, i + 1, 1, data[i + 1], parent=o)
    layer.add(OPT_RPL_RANK, i + 2, 2, int.from_bytes(data[i + 2 : i + 4], "big"), parent=o)


def _check_hop_by_hop(layer: Layer, jumbo: int | None) -> None:
    """RFC 8200 4.3: first after the IPv6 header. RFC 2675: a zero payload length needs a
    Jumbo Payload option, which then bounds the payload; a non-zero one forbids it."""
    pkt = layer.packet
    before = pkt.layers[-2] if len(pkt.layers) > 1 and pkt.layers[-1] is layer else None
    if before is not None and before.protocol is not IPV6:
        layer.issue("warn", "protocol", "ipv6.hopopts.not_first",
                    "a Hop-by-Hop Options header must come right after the IPv6 header",
                    layer.pos, 1)  # fmt: skip
    ip_pos, plen = pkt.ctx.ipv6_pos, pkt.ctx.ipv6_plen
    if ip_pos < 0:
        return
    if plen == 0 and jumbo is None:
        layer.issue("error", "malformed", "ipv6.opt.jumbo.missing",
                    "payload length is 0 and the Hop-by-Hop header has no Jumbo Payload option",
                    layer.pos, layer.hdr_len)  # fmt: skip
        layer.next = DATA  # no length to trust for what follows
    elif plen and jumbo is not None:
        layer.issue("warn", "protocol", "ipv6.opt.jumbo.prohibited",
                    "a Jumbo Payload option must not appear when the payload length is not 0",
                    layer.pos, layer.hdr_len)  # fmt: skip
    elif plen == 0 and jumbo is not None:
        _bound_jumbo(layer, ip_pos + 40 + jumbo, jumbo)


def _bound_jumbo(layer: Layer, jumbo_end: int, jumbo: int) -> None:
    if jumbo < 65536:
        layer.issue("warn", "protocol", "ipv6.opt.jumbo.truncated",
                    f"Jumbo Payload length {jumbo} is below 65536", layer.pos, layer.hdr_len)  # fmt: skip
    if jumbo_end < layer.payload_end:
        layer.payload_end = max(jumbo_end, layer.payload_pos)
        return
    pkt = layer.packet
    end = layer.payload_end
    reported_end = end + (pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0)
    if jumbo_end > reported_end and not pkt.ctx.in_error:
        layer.issue("warn", "protocol", "ipv6.plen_exceeds_framing",
                    f"Jumbo Payload length {jumbo} exceeds the bytes on the wire",
                    layer.pos, layer.hdr_len)  # fmt: skip


def _ipv6_str(raw: bytes) -> str:
    return FIELDS["ipv6.src"].conv(raw) if len(raw) == 16 else raw.hex()


HOPOPTS.tail = _options_tail
DSTOPTS.tail = _options_tail

# -- Routing header (RFC 8200 4.4) ------------------------------------------------------------
ROUTING = _ext_header(
    "ipv6.routing", "Routing Header for IPv6",
    "Lists intermediate nodes the packet must visit on its way to the final destination.",
    (
        U8("ipv6.routing.nxt", "Next Header", names=_proto_name, explain=NEXT_HEADER),
        U8("ipv6.routing.len", "Length", explain=EXT_LENGTH),
        U8("ipv6.routing.type", "Type", names=ROUTING_NAMES,
           explain="The routing header's type: how the list of addresses is written (source "
           "route, Mobile IPv6, RPL, segment routing)."),
        U8("ipv6.routing.segleft", "Segments Left",
           explain=lambda v, _l: f"Segments left {v}: how many listed nodes the packet still has to "
                    "visit."),
    ),
)  # fmt: skip
Int("ipv6.routing.len_oct", "Length", unit=" bytes", generated=True, explain=_explain_length)
RT_UNKNOWN = Bytes("ipv6.routing.unknown_data", "Type-Specific Data",
                   explain="The data of a routing header type this tool does not decode.")  # fmt: skip
RT_SRC_RESERVED = Bytes("ipv6.routing.src.reserved", "Reserved", 4, explain=EXPLAIN_RESERVED)
RT_SRC_ADDR = IPv6("ipv6.routing.src.addr", "Address",
                   explain="One address the packet must visit, in order (type 0 source route, "
                   "deprecated).")  # fmt: skip
RT_MIP_RESERVED = Bytes("ipv6.routing.mipv6.reserved", "Reserved", 4, explain=EXPLAIN_RESERVED)
RT_MIP_HOME = IPv6("ipv6.routing.mipv6.home_address", "Home Address",
                   explain="Mobile IPv6 home address: where the packet is really for, after the "
                   "care-of address.")  # fmt: skip
RT_RPL_CMPRI = Bits(
    "ipv6.routing.rpl.cmprI", "Compressed Internal Octets (CmprI)", 4, mask=0xF0000000,
                    explain="How many leading bytes the inner addresses share with the "
                    "destination and leave out.")  # fmt: skip
RT_RPL_CMPRE = Bits("ipv6.routing.rpl.cmprE", "Compressed Final Octets (CmprE)", 4, mask=0x0F000000,
                    explain="How many leading bytes the last address shares with the destination "
                    "and leaves out.")  # fmt: skip
RT_RPL_PAD = Bits("ipv6.routing.rpl.pad", "Padding Bytes", 4, mask=0x00F00000,
                  explain="How many padding bytes end the header.")  # fmt: skip
RT_RPL_RESERVED = Bits("ipv6.routing.rpl.reserved", "Reserved", 4, mask=0x000FFFFF,
                       explain=EXPLAIN_RESERVED)  # fmt: skip
RT_RPL_ADDR = Bytes("ipv6.routing.rpl.address", "Address",
                    explain="One hop of the RPL source route, with its shared leading bytes left "
                    "out.")  # fmt: skip
RT_SRH_LAST = U8("ipv6.routing.srh.last_entry", "Last Entry",
                 explain="Index of the last entry in the segment list (the first segment to "
                 "visit).")  # fmt: skip
RT_SRH_FLAGS = U8("ipv6.routing.srh.flags", "Flags", base=HEX,
                  explain="Segment routing header flags.")  # fmt: skip
RT_SRH_TAG = Bytes("ipv6.routing.srh.tag", "Tag", 2,
                   explain="Tag: marks packets of one class or group (segment routing).")  # fmt: skip
RT_SRH_ADDR = IPv6("ipv6.routing.srh.addr", "Address",
                   explain="One segment of the path: a node (or a function on it) the packet must "
                   "visit; the list runs in reverse.")  # fmt: skip


def _routing_tail(data: Any, layer: Layer) -> None:
    end = _ext_bounds(data, layer, "Routing header")
    pos, rtype = layer.pos, layer.value("ipv6.routing.type")
    final: str | None = None
    if rtype == 0:
        layer.issue("note", "protocol", "ipv6.routing.deprecated",
                    "routing header type 0 is deprecated (RFC 5095)", pos + 2, 1)  # fmt: skip
        final = _addresses(data, layer, pos + 4, end, RT_SRC_RESERVED, RT_SRC_ADDR)
    elif rtype == 2:
        final = _addresses(data, layer, pos + 4, end, RT_MIP_RESERVED, RT_MIP_HOME)
    elif rtype == 3 and pos + 8 <= end:
        _rpl_route(data, layer, pos + 4, end)
    elif rtype == 4 and pos + 8 <= end:
        final = _srh(data, layer, pos + 4, end)
    elif pos + 4 < end:
        layer.add(RT_UNKNOWN, pos + 4, end - pos - 4, bytes(data[pos + 4 : end]))
    pseudo_set = layer.packet.ctx.pseudo_src is not None
    if final is not None and layer.value("ipv6.routing.segleft") and pseudo_set:
        # RFC 8200 8.1: upper-layer checksums use the final destination
        layer.packet.ctx.pseudo_dst = final


def _addresses(data: Any, layer: Layer, i: int, end: int, reserved: Any, addr: Any) -> bytes | None:
    """4 reserved bytes then 16-byte addresses; returns the last one (the final hop)."""
    if i + 4 > end:
        return None
    layer.add(reserved, i, 4, bytes(data[i : i + 4]))
    last = None
    for a in range(i + 4, end - 15, 16):
        last = bytes(data[a : a + 16])
        layer.add(addr, a, 16, _ipv6_str(last))
    return last


def _rpl_route(data: Any, layer: Layer, i: int, end: int) -> None:
    """RFC 6554: addresses with their first CmprI (last: CmprE) octets elided."""
    word = int.from_bytes(data[i : i + 4], "big")
    for spec in (RT_RPL_CMPRI, RT_RPL_CMPRE, RT_RPL_PAD, RT_RPL_RESERVED):
        layer.add(spec, i, 4, (word & spec.mask) >> shift_of(spec.mask), mask=spec.mask)
    cmpr_i, cmpr_e, pad = word >> 28, (word >> 24) & 0xF, (word >> 20) & 0xF
    stop = end - pad
    a, size = i + 4, 16 - cmpr_i
    while a < stop:
        if a + size >= stop:
            size = min(16 - cmpr_e, stop - a)  # the final address has its own compression
        layer.add(RT_RPL_ADDR, a, size, bytes(data[a : a + size]))
        a += size


def _srh(data: Any, layer: Layer, i: int, end: int) -> bytes | None:
    """RFC 8754: segment list in reverse order, so entry 0 is the final destination."""
    last_entry = data[i]
    layer.add(RT_SRH_LAST, i, 1, last_entry)
    layer.add(RT_SRH_FLAGS, i + 1, 1, data[i + 1])
    layer.add(RT_SRH_TAG, i + 2, 2, bytes(data[i + 2 : i + 4]))
    first = None
    a = i + 4
    for _ in range(last_entry + 1):
        if a + 16 > end:
            break
        seg = bytes(data[a : a + 16])
        first = seg if first is None else first
        layer.add(RT_SRH_ADDR, a, 16, _ipv6_str(seg))
        a += 16
    if a < end:
        layer.add(RT_UNKNOWN, a, end - a, bytes(data[a:end]))  # TLVs (RFC 8754 2.1)
    return first


def _routing_describe(layer: Layer) -> str:
    name = ROUTING_NAMES.get(layer.value("ipv6.routing.type"))
    return f"Routing Header for IPv6 ({name})" if name else "Routing Header for IPv6"


ROUTING.tail = _routing_tail
ROUTING.describe = _routing_describe

# -- Fragment header (RFC 8200 4.5) ----------------------------------------------------------
FRAGHDR = _ext_header(
    "ipv6.fraghdr", "Fragment Header for IPv6",
    "Marks one piece of a datagram the source split to fit the path MTU; the destination "
    "puts the pieces with the same identification back together.",
    (
        U8("ipv6.fraghdr.nxt", "Next header", names=_proto_name, explain=NEXT_HEADER),
        U8("ipv6.fraghdr.reserved_octet", "Reserved octet", base=HEX, explain=EXPLAIN_RESERVED),
        Bits("ipv6.fraghdr.offset", "Offset", 2, mask=0xFFF8, text=lambda v: f"{v} ({v * 8} bytes)", explain=lambda v, _l: f"Fragment offset {v} (×8 = byte {v * 8}): where this piece's data goes "
                 "in the original datagram."),
        Bits("ipv6.fraghdr.reserved_bits", "Reserved bits", 2, mask=0x0006, at=2, explain=EXPLAIN_RESERVED),
        Flag("ipv6.fraghdr.more", "More Fragments", 0x0001, width=2, at=2,
             text=true_false("Yes", "No"), explain="More fragments: whether more pieces of this datagram follow."),
        U32("ipv6.fraghdr.ident", "Identification", base=HEX, explain="Identification: the pieces of one datagram share it, so the destination can "
            "put them back together."),
    ),
)  # fmt: skip


def _fraghdr_tail(data: Any, layer: Layer) -> None:
    offset, more = layer.value("ipv6.fraghdr.offset"), layer.value("ipv6.fraghdr.more")
    if offset or more:
        layer.packet.ctx.fragment = True
    if offset:
        layer.next = DATA  # only the first fragment starts with the upper-layer header


def _fraghdr_info(layer: Layer) -> str:
    v = layer.value
    return (
        f"IPv6 fragment (off={(v('ipv6.fraghdr.offset') or 0) * 8} "
        f"more={'y' if v('ipv6.fraghdr.more') else 'n'} "
        f"ident=0x{v('ipv6.fraghdr.ident') or 0:08x} nxt={v('ipv6.fraghdr.nxt')})"
    )


FRAGHDR.tail = _fraghdr_tail
FRAGHDR.info = _fraghdr_info

# Defragmentation, done by the stream pass (dissect/streams/defrag.py): it needs the other
# fragments, so these fields are added to a packet after its decode (Wireshark's names).
FRAGMENTS = Str("ipv6.fragments", "", generated=True,
                explain="The fragments this datagram was cut into: joined here, on the last "
                "one, into the datagram the layers above read.")  # fmt: skip
FRAGMENT = Int("ipv6.fragment", "Frame", generated=True,
               explain=lambda v, _l: f"Frame {v} carried one fragment of this datagram.")  # fmt: skip
FRAGMENT_OVERLAP = Bool("ipv6.fragment.overlap", "Fragment overlap", generated=True,
                        explain="This fragment covers bytes an earlier fragment already "
                        "carried (RFC 5722 forbids it; the first copy is the one read).")  # fmt: skip
FRAGMENT_CONFLICT = Bool("ipv6.fragment.overlap.conflict",
                         "Conflicting data in fragment overlap", generated=True,
                         explain="Where this fragment overlaps an earlier one its bytes "
                         "differ: an attack or a broken sender.")  # fmt: skip
FRAGMENT_COUNT = Int("ipv6.fragment.count", "Fragment count", generated=True,
                     explain=lambda v, _l: f"The datagram came in {v} fragments.")  # fmt: skip
REASSEMBLED_LENGTH = Int("ipv6.reassembled.length", "Reassembled IPv6 length", generated=True,
                         explain=lambda v, _l: f"{v} bytes of payload once the fragments are "
                         "joined.")  # fmt: skip
REASSEMBLED_IN = Int("ipv6.reassembled.in", "Reassembled IPv6 in frame", generated=True,
                     explain=lambda v, _l: f"This fragment's datagram is complete in frame {v}, "
                     "where it is read as a whole.")  # fmt: skip

bind("ethertype", 0x86DD, IPV6)
bind("ip.proto", 41, IPV6)
bind("ip.proto", 0, HOPOPTS)
bind("ip.proto", 43, ROUTING)
bind("ip.proto", 44, FRAGHDR)
bind("ip.proto", 60, DSTOPTS)
