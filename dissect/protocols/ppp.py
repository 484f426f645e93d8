"""Point-to-Point Protocol (RFC 1661) and its control protocols: LCP (RFC 1661), IPCP
(RFC 1332, DNS options RFC 1877) and IPv6CP (RFC 5072).

A PPP frame names its payload with a protocol number (after an HDLC address and control
byte on serial and PPTP links; alone over PPPoE). LCP sets up the link, IPCP and IPv6CP
the network layers; the three share one packet format (code, identifier, length, then
options or data) and Wireshark's ppp.code / ppp.identifier / ppp.length names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    DEC_HEX,
    HEX,
    U8,
    U16,
    U32,
    Bytes,
    Field,
    FieldSpec,
    IPv4,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    bind_linktype,
    ipv4_str,
    lookup,
    uint_at,
)

PROTOCOL_NAMES = {
    0x0021: "Internet Protocol version 4", 0x0057: "Internet Protocol version 6",
    0x0281: "MPLS Unicast", 0xC021: "Link Control Protocol",
    0x8021: "Internet Protocol Control Protocol", 0x8057: "IPv6 Control Protocol",
    0xC023: "Password Authentication Protocol", 0xC223: "Challenge Handshake Authentication Protocol",
    0xC227: "PPP Extensible Authentication Protocol", 0x80FD: "Compression Control Protocol",
    0x00FD: "Compressed datagram", 0x8281: "MPLS Control Protocol",
}  # fmt: skip
ETHERTYPE_OF = {0x0021: 0x0800, 0x0057: 0x86DD, 0x0281: 0x8847}
CODES = {
    1: "Configuration Request", 2: "Configuration Ack", 3: "Configuration Nak",
    4: "Configuration Reject", 5: "Termination Request", 6: "Termination Ack",
    7: "Code Reject", 8: "Protocol Reject", 9: "Echo Request", 10: "Echo Reply",
    11: "Discard Request", 12: "Identification", 13: "Time Remaining",
}  # fmt: skip
MAX_OPTIONS = 64


@dataclass(slots=True)
class PppState:
    """Whether the frame starts with the HDLC address and control bytes (0xff 0x03) and
    how long its protocol field is (1 when compressed)."""

    hdlc: bool
    proto_len: int


ADDRESS = U8("ppp.address", "Address", base=HEX, explain="HDLC address: 0xff, all stations.")
CONTROL = U8(
    "ppp.control", "Control", base=HEX, explain="HDLC control: 0x03, unnumbered information."
)
PROTOCOL = U16("ppp.protocol", "Protocol", base=HEX, names=PROTOCOL_NAMES,
               explain="What the frame carries: a network protocol (0x0021 IPv4, 0x0057 IPv6) "
               "or a control protocol (0xc021 LCP, 0x8021 IPCP, 0x8057 IPv6CP).")  # fmt: skip

PPP = Protocol(
    "ppp", "Point-to-Point Protocol", osi=Osi.DATA_LINK, short="PPP",
    state=PppState,
    colour="#afafd7",
    explain="PPP carries network packets over a point-to-point link (DSL, dial-up, VPN "
    "tunnels) and negotiates the link and addresses with its control protocols.",
)  # fmt: skip


def _ppp_tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    i = pos
    hdlc = end - pos >= 2 and data[pos] == 0xFF and data[pos + 1] == 0x03
    if hdlc:
        layer.add(ADDRESS, pos, 1, 0xFF)
        layer.add(CONTROL, pos + 1, 1, 0x03)
        i += 2
    if i >= end:
        layer.short(i + 2 - pos, "PPP protocol field")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    size = 1 if data[i] & 1 else 2  # an odd first byte is a compressed (one-byte) protocol
    if i + size > end:
        layer.short(i + size - pos, "PPP protocol field")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    proto = uint_at(data, i, size)
    layer.add(PROTOCOL, i, size, proto)
    layer.state = PppState(hdlc, size)
    layer.hdr_len, layer.payload_pos = i + size - pos, i + size
    etype = ETHERTYPE_OF.get(proto)
    found = lookup("ppp.protocol", proto) or (lookup("ethertype", etype) if etype else None)
    layer.next = found or DATA


PPP.tail = _ppp_tail

# -- the control protocols -----------------------------------------------------------------------
CODE = U8("ppp.code", "Code", names=CODES,
          explain="What the message does: configure (request, ack, nak, reject), terminate, "
          "or, for LCP, echo and the other link checks.")  # fmt: skip
IDENTIFIER = U8("ppp.identifier", "Identifier", base=DEC_HEX,
                explain="Matches a reply to its request.")  # fmt: skip
LENGTH = U16("ppp.length", "Length", explain="Bytes of the message, this header included.")
CP_HEADER = (CODE, IDENTIFIER, LENGTH)


@dataclass(slots=True)
class CpState:
    """The message length the header declares, bounded by the bytes there."""

    end: int


def _cp(name: str, title: str, short: str, explain: str) -> Protocol:
    return Protocol(
        name, title, osi=Osi.DATA_LINK, short=short, header=CP_HEADER, state=CpState,
        colour="#afafd7", explain=explain,
        info=lambda layer: "" if layer.values is None else CODES.get(
            layer.value("ppp.code"), f"Unknown ({layer.value('ppp.code')})"),
    )  # fmt: skip


LCP = _cp("lcp", "PPP Link Control Protocol", "PPP LCP",
          "LCP sets up, tests and closes a PPP link: both ends agree on options such as the "
          "largest frame, authentication and a magic number that detects looped links.")  # fmt: skip
IPCP = _cp("ipcp", "PPP IP Control Protocol", "PPP IPCP",
           "IPCP configures IPv4 over a PPP link: the address each end uses and, commonly, the "
           "DNS servers.")  # fmt: skip
IPV6CP = _cp("ipv6cp", "PPP IPv6 Control Protocol", "PPP IPV6CP",
             "IPv6CP configures IPv6 over a PPP link: the interface identifiers that make up "
             "each end's link-local address.")  # fmt: skip

MAGIC = U32("lcp.magic_number", "Magic Number", base=HEX,
            explain="The sender's magic number: seeing one's own back means the link loops.")  # fmt: skip
LCP_DATA = Bytes("lcp.data", "Data", explain="The message's data.")
LCP_MESSAGE = Text("lcp.message", "Message", explain="A message in words.")
SECS_REMAINING = U32("lcp.secs_remaining", "Seconds Remaining",
                     explain="How long the link may stay up.")  # fmt: skip
REJ_PROTO = U16("lcp.rej_proto", "Rejected Protocol", base=HEX, names=PROTOCOL_NAMES,
                explain="The protocol the peer does not support.")  # fmt: skip
PPP_DATA = Bytes("ppp.data", "Data", explain="The message's data (a reason, a rejected packet).")


def _opt_specs(proto: str) -> tuple[FieldSpec, FieldSpec, FieldSpec]:
    return (
        Str(f"{proto}.options", "", explain="The options the sender configures."),
        U8(f"{proto}.opt.type", "Type", explain="Which option this is."),
        U8(f"{proto}.opt.length", "Length", explain="Bytes of the option, type and length included."),
    )  # fmt: skip


OPT_COMMON = {p: _opt_specs(p) for p in ("lcp", "ipcp", "ipv6cp")}
LCP_OPT_DATA = Bytes("lcp.opt.data", "Data", explain="The option's value, not decoded here.")


def _option(name: str, label: str, value: FieldSpec | None, shown: Any, explain: str) -> tuple:
    """An option: its item (whose line says the option and its value), and its value field."""
    item = Bytes(name, "", text=shown, explain=explain)
    return item, value


def _u(raw: bytes, a: int, b: int) -> int:
    return int.from_bytes(raw[a:b], "big")


AUTH_NAMES = {0xC023: "Password Authentication Protocol",
              0xC223: "Challenge Handshake Authentication Protocol",
              0xC227: "PPP Extensible Authentication Protocol"}  # fmt: skip
LCP_OPTIONS = {
    1: ("Maximum Receive Unit", *_option(
        "lcp.opt.mtu_bytes", "Maximum Receive Unit",
        U16("lcp.opt.mru", "Maximum Receive Unit", explain="The largest frame the sender takes."),
        lambda v: f"Maximum Receive Unit: {_u(v, 2, 4)}",
        "Maximum Receive Unit: the largest frame the sender can take.")),
    2: ("Async Control Character Map", *_option(
        "lcp.opt.asyncmap_bytes", "Async Control Character Map",
        U32("lcp.opt.asyncmap", "Async Control Character Map", base=HEX,
            explain="Which control characters must be escaped on an asynchronous line."),
        lambda v: f"Async Control Character Map: 0x{_u(v, 2, 6):08x}",
        "Which control characters must be escaped on an asynchronous line.")),
    3: ("Authentication Protocol", *_option(
        "lcp.opt.auth_protocol_bytes", "Authentication Protocol",
        U16("lcp.opt.auth_protocol", "Authentication Protocol", base=HEX, names=AUTH_NAMES,
            explain="How the sender wants the peer to authenticate (PAP, CHAP, EAP)."),
        lambda v: "Authentication Protocol: "
        f"{AUTH_NAMES.get(_u(v, 2, 4), 'Unknown')} (0x{_u(v, 2, 4):04x})",
        "The authentication protocol the sender wants the peer to use.")),
    4: ("Quality Protocol", *_option(
        "lcp.opt.quality_protocol_bytes", "Quality Protocol",
        U16("lcp.opt.quality_protocol", "Quality Protocol", base=HEX,
            explain="The link quality monitoring protocol."),
        lambda v: f"Quality Protocol: 0x{_u(v, 2, 4):04x}", "Link quality monitoring.")),
    5: ("Magic Number", *_option(
        "lcp.opt.magic_number_bytes", "Magic Number",
        U32("lcp.opt.magic_number", "Magic Number", base=HEX,
            explain="A random number: seeing one's own back means the link loops."),
        lambda v: f"Magic Number: 0x{_u(v, 2, 6):08x}",
        "A random number that detects a looped-back link.")),
    7: ("Protocol Field Compression", *_option(
        "lcp.opt.field_compress", "", None, lambda v: "Protocol Field Compression",
        "The protocol field may be one byte when it fits.")),
    8: ("Address and Control Field Compression", *_option(
        "lcp.opt.addr_field_compress", "", None,
        lambda v: "Address and Control Field Compression",
        "The HDLC address and control bytes may be left out.")),
}  # fmt: skip
IPCP_OPTIONS = {
    3: ("IP Address", *_option(
        "ipcp.opt.addr", "", IPv4("ipcp.opt.ip_address", "IP Address",
                                   explain="The address the sender wants (0.0.0.0: assign one)."),
        lambda v: "IP Address", "The sender's IPv4 address.")),
    129: ("Primary DNS Server IP Address", *_option(
        "ipcp.opt.pri_dns", "", IPv4("ipcp.opt.pri_dns_address", "Primary DNS Address",
                                      explain="The primary DNS server."),
        lambda v: "Primary DNS Server IP Address", "The primary DNS server's address.")),
    130: ("Primary NBNS Server IP Address", *_option(
        "ipcp.opt.pri_nbns", "", IPv4("ipcp.opt.pri_nbns_address", "Primary NBNS Address",
                                       explain="The primary NetBIOS name server."),
        lambda v: "Primary NBNS Server IP Address", "The primary NetBIOS name server.")),
    131: ("Secondary DNS Server IP Address", *_option(
        "ipcp.opt.sec_dns", "", IPv4("ipcp.opt.sec_dns_address", "Secondary DNS Address",
                                      explain="The secondary DNS server."),
        lambda v: "Secondary DNS Server IP Address", "The secondary DNS server's address.")),
    132: ("Secondary NBNS Server IP Address", *_option(
        "ipcp.opt.sec_nbns", "", IPv4("ipcp.opt.sec_nbns_address", "Secondary NBNS Address",
                                       explain="The secondary NetBIOS name server."),
        lambda v: "Secondary NBNS Server IP Address", "The secondary NetBIOS name server.")),
}  # fmt: skip
IPV6CP_OPTIONS = {
    1: ("Interface Identifier", *_option(
        "ipv6cp.opt.interface_identifier", "",
        Bytes("ipv6cp.interface_identifier", "Interface Identifier",
              explain="The low 64 bits of the sender's link-local IPv6 address."),
        lambda v: "Interface Identifier: " + ":".join(
            f"{_u(v, k, k + 2):x}" for k in range(2, min(len(v), 10), 2)),
        "The sender's interface identifier.")),
}  # fmt: skip
OPTIONS = {"lcp": LCP_OPTIONS, "ipcp": IPCP_OPTIONS, "ipv6cp": IPV6CP_OPTIONS}


def _cp_tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    length = layer.value("ppp.length")
    stop = pos + length
    if length < 4:
        layer.issue("error", "malformed", f"{layer.name}.length.bad",
                    f"Length {length} is less than the 4-byte header", pos + 2, 2)  # fmt: skip
        stop = pos + 4
    elif stop > end:
        layer.short(length, f"{layer.protocol.title} message")
        layer.state = CpState(end)  # as Wireshark: nothing of a message cut short
        layer.hdr_len, layer.payload_pos, layer.next = end - pos, end, DATA
        return
    layer.state = CpState(stop)
    code = layer.value("ppp.code")
    if code in (1, 2, 3, 4):
        _options(data, layer, pos + 4, stop)
    elif stop > pos + 4:
        _body(data, layer, code, pos + 4, stop)
    layer.hdr_len, layer.payload_pos, layer.next = stop - pos, stop, DATA


def _body(data: Any, layer: Layer, code: int, i: int, stop: int) -> None:
    """The data of the codes other than configuration (LCP's echo, reject, time remaining)."""
    lcp = layer.protocol is LCP
    if lcp and code in (9, 10, 11, 12, 13) and i + 4 <= stop:
        layer.add(MAGIC, i, 4, uint_at(data, i, 4))
        i += 4
        if code == 13 and i + 4 <= stop:
            layer.add(SECS_REMAINING, i, 4, uint_at(data, i, 4))
            i += 4
        if code in (12, 13) and stop > i:
            layer.add(LCP_MESSAGE, i, stop - i, bytes(data[i:stop]).decode("utf-8", "replace"))
            return
    elif lcp and code == 8 and i + 2 <= stop:
        layer.add(REJ_PROTO, i, 2, uint_at(data, i, 2))
        i += 2
    if stop > i:
        spec = LCP_DATA if lcp and code in (9, 10, 11) else PPP_DATA
        layer.add(spec, i, stop - i, bytes(data[i:stop]))


def _options(data: Any, layer: Layer, i: int, stop: int) -> None:
    if stop <= i:
        return
    name = layer.name
    head, opt_type, opt_len = OPT_COMMON[name]
    table = OPTIONS[name]
    parent = layer.add(head, i, stop - i, "")
    names = []
    for _ in range(MAX_OPTIONS):
        if i + 2 > stop:
            break
        kind, length = data[i], data[i + 1]
        if length < 2 or i + length > stop:
            layer.issue("error", "malformed", f"{name}.opt.length.bad",
                        f"Option {kind} of length {length} does not fit", i + 1, 1)  # fmt: skip
            break
        known = table.get(kind)
        names.append(known[0] if known else f"Unknown ({kind})")
        _one_option(data, layer, parent, known, (opt_type, opt_len), i, length)
        i += length
    parent.value = f"Options: ({parent.len} bytes)" + "".join(f", {n}" for n in names)


def _one_option(
    data: Any, layer: Layer, parent: Field, known: tuple | None, common: tuple, i: int, n: int
) -> None:
    raw = bytes(data[i : i + n])
    item_spec = known[1] if known else LCP_OPT_DATA
    if known is None:
        item = layer.add(UNKNOWN_OPTION, i, n, f"Unknown option {data[i]}", parent=parent)
    else:
        item = layer.add(item_spec, i, n, raw, parent=parent)
    layer.add(common[0], i, 1, data[i], parent=item)
    layer.add(common[1], i + 1, 1, n, parent=item)
    value = known[2] if known else None
    if value is None:
        if known is None and n > 2 and layer.protocol is LCP:
            layer.add(LCP_OPT_DATA, i + 2, n - 2, raw[2:], parent=item)
        return
    width = value.width or n - 2
    if n - 2 < width:
        return
    if value.kind == "ipv4":
        layer.add(value, i + 2, 4, ipv4_str(raw[2:6]), parent=item)
    elif value.kind == "bytes":
        layer.add(value, i + 2, n - 2, raw[2:], parent=item)
    else:
        layer.add(value, i + 2, width, int.from_bytes(raw[2 : 2 + width], "big"), parent=item)


UNKNOWN_OPTION = Str("ppp.option", "", explain="An option this tool does not decode.")

for _proto in (LCP, IPCP, IPV6CP):
    _proto.tail = _cp_tail

bind("ppp.protocol", 0xC021, LCP)
bind("ppp.protocol", 0x8021, IPCP)
bind("ppp.protocol", 0x8057, IPV6CP)
bind("gre.proto", 0x880B, PPP)
bind("ppp.hdlc", 0, PPP)  # what PPPoE session data carries
bind_linktype(9, PPP)  # LINKTYPE_PPP: PPP in HDLC-like framing
