"""Generic Network Virtualization Encapsulation (RFC 8926).

Eight bytes over UDP port 6081: version and options length, the OAM and critical flags,
the protocol type (an EtherType: 0x6558 for an Ethernet frame), the 24-bit Virtual
Network Identifier; then options of class, type and length, and the packet.
"""

from __future__ import annotations

from typing import Any

from ..names import EXPLAIN_RESERVED, true_false
from ..protocol import (
    DATA,
    DEC_HEX,
    FIELDS,
    HEX,
    PROTOCOLS,
    U8,
    U16,
    U24,
    Bits,
    Bytes,
    Field,
    Flag,
    Layer,
    Osi,
    Protocol,
    bind,
    lookup,
    uint_at,
)

ETH_BRIDGE = 0x6558
CLASS_RANGES = (  # IANA's Geneve option classes as Wireshark 4.0 names them
    (0x0000, 0x00FF, "Standard"), (0x0100, 0x0100, "Linux"),
    (0x0101, 0x0101, "Open vSwitch (OVS)"), (0x0102, 0x0102, "Open Virtual Networking (OVN)"),
    (0x0103, 0x0103, "In-band Network Telemetry (INT)"), (0x0104, 0x0104, "VMware"),
    (0x0105, 0x0105, "Amazon.com, Inc."), (0x0106, 0x0106, "Cisco Systems, Inc."),
    (0x0107, 0x0107, "Oracle Corporation"), (0x0108, 0x0110, "Amazon.com, Inc."),
    (0x0111, 0x0118, "IBM"), (0x0119, 0x0128, "Ericsson"), (0x0129, 0xFEFF, "Unassigned"),
    (0xFFF0, 0xFFFF, "Experimental"),
)  # fmt: skip
TRUE_FALSE = true_false("True", "False")


def _class_name(value: int) -> str | None:
    for lo, hi, name in CLASS_RANGES:
        if lo <= value <= hi:
            return name
    return None


def _etype_name(value: Any) -> str | None:
    """EtherType names from eth.py's eth.type field, through the field registry."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


GENEVE = Protocol(
    "geneve", "Generic Network Virtualization Encapsulation", osi=Osi.DATA_LINK, short="Geneve",
    header=(
        Bits("geneve.version", "Version", mask=0xC0, bits=0,
             explain="The Geneve version (0): a receiver drops versions it does not know."),
        Bits("geneve.option.length", "Length", mask=0x3F, at=0, bits=0, scale=4, unit=" bytes",
             explain="A length in bytes: in the fixed header, of all the options; in an "
             "option, of that option, its own header included."),
        U8("geneve.flags", "Flags", base=HEX,
           text=lambda v: ", ".join([f"0x{v:02x}"] + (
               ["Operations, Administration and Management Frame"] if v & 0x80 else [])
               + (["Critical Options Present"] if v & 0x40 else [])),
           explain="The OAM and critical-options flags.",
           children=(
               Flag("geneve.flags.oam", "Operations, Administration and Management Frame",
                    0x80, text=TRUE_FALSE,
                    explain="Set on control messages for the tunnel endpoints, not user data."),
               Flag("geneve.flags.critical", "Critical Options Present", 0x40, text=TRUE_FALSE,
                    explain="Set when an option the receiver must understand is present."),
               Flag("geneve.flags.reserved", "Reserved", 0x3F, text=TRUE_FALSE,
                    explain=EXPLAIN_RESERVED),
           )),
        U16("geneve.proto_type", "Protocol Type", base=HEX, names=_etype_name,
            explain="The EtherType of the packet carried (0x6558: an Ethernet frame)."),
        U24("geneve.vni", "Virtual Network Identifier (VNI)", base=DEC_HEX,
            explain=lambda v, _l: f"VNI {v}: which virtual network the packet belongs to."),
        U8("geneve.reserved", "Reserved", base=HEX, explain=EXPLAIN_RESERVED),
    ),
    colour="#87af87",
    explain="Geneve carries packets of a virtual network over UDP, with extensible options "
    "that tell the tunnel endpoints more about each packet (cloud and data-centre overlays).",
)  # fmt: skip

OPTIONS = Bytes("geneve.options", "Geneve Options", explain="The options after the fixed header.")
OPTION = Bytes("geneve.option", "Option",
               explain="One option: class, type, length and data.")  # fmt: skip
OPT_CLASS = U16("geneve.option.class", "Class", base=HEX, names=_class_name,
                explain="Who defined the option (an IANA-assigned class).")  # fmt: skip
OPT_TYPE = U8("geneve.option.type", "Type", base=HEX,
              text=lambda v: f"0x{v:02x} ({'Critical' if v & 0x80 else 'Non-critical'})",
              explain="The option's type within its class; the top bit marks it critical.")  # fmt: skip
OPT_CRITICAL = Flag("geneve.option.type.critical", "Critical Option", 0x80, 1,
                    explain="A receiver that does not understand a critical option drops the "
                    "packet.")  # fmt: skip
OPT_FLAGS = U8("geneve.option.flags", "Flags", base=HEX, explain="The option's reserved bits.")
OPT_FLAGS_RESERVED = Flag("geneve.option.flags.reserved", "Reserved", 0xE0, 1,
                          explain=EXPLAIN_RESERVED)  # fmt: skip
# Wireshark names the options' total length and each option's length alike
OPT_LENGTH = GENEVE.by_name["geneve.option.length"]
OPT_DATA = Bytes("geneve.option.unknown.data", "Unknown Option Data",
                 explain="The option's data, which this tool does not decode.")  # fmt: skip
MAX_OPTIONS = 64  # 252 bytes of options hold at most 63


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    if data[pos] >> 6 != 0:
        layer.issue("warn", "protocol", "geneve.version.unknown",
                    f"Unknown version {data[pos] >> 6}", pos, 1)  # fmt: skip
        layer.next = DATA
        return
    length = (data[pos] & 0x3F) * 4
    if pos + 8 + length > end:
        layer.short(8 + length, "Geneve options")
        layer.hdr_len, layer.payload_pos = end - pos, end
        layer.stop()
        return
    layer.hdr_len = 8 + length
    layer.payload_pos = pos + 8 + length
    ptype = layer.value("geneve.proto_type")
    if ptype == ETH_BRIDGE:
        layer.next = PROTOCOLS.get("eth") or DATA
    else:
        layer.next = lookup("ethertype", ptype) or DATA


def _detail(data: Any, layer: Layer) -> None:
    """The options, one subtree each; one whose length overruns the rest is malformed."""
    pos, end = layer.pos, layer.payload_end
    length = (data[pos] & 0x3F) * 4
    if not length or data[pos] >> 6 or pos + 8 + length > end:
        return  # no options, or cut short (the tail said so)
    stop = min(pos + 8 + length, end)
    opts = layer.add(OPTIONS, pos + 8, stop - pos - 8, bytes(data[pos + 8 : stop]))
    i = pos + 8
    for _ in range(MAX_OPTIONS):
        if i + 4 > stop:
            break
        size = 4 + (data[i + 3] & 0x1F) * 4
        if i + size > stop:
            layer.issue("error", "malformed", "geneve.option.length.invalid",
                        f"Invalid length for option: {size} bytes, {stop - i} left", i + 3, 1)  # fmt: skip
            break
        _option(data, layer, opts, i, size)
        i += size


def _option(data: Any, layer: Layer, opts: Field, i: int, size: int) -> None:
    opt = layer.add(OPTION, i, size, bytes(data[i : i + size]), parent=opts)
    kind, flags = data[i + 2], data[i + 3]
    layer.add(OPT_CLASS, i, 2, uint_at(data, i, 2), parent=opt)
    t = layer.add(OPT_TYPE, i + 2, 1, kind, parent=opt)
    layer.add(OPT_CRITICAL, i + 2, 1, bool(kind & 0x80), mask=0x80, parent=t)
    f = layer.add(OPT_FLAGS, i + 3, 1, flags & 0xE0, parent=opt)
    layer.add(OPT_FLAGS_RESERVED, i + 3, 1, bool(flags & 0xE0), mask=0xE0, parent=f)
    layer.add(OPT_LENGTH, i + 3, 1, size, parent=opt)
    layer.add(OPT_DATA, i + 4, size - 4, bytes(data[i + 4 : i + size]), parent=opt)


def _info(layer: Layer) -> str:
    ptype = layer.value("geneve.proto_type")
    if ptype is None:
        return ""
    name = _etype_name(ptype)
    return f"Encapsulated {name if name is not None else f'0x{ptype:04x} (unknown)'}"


def _describe(layer: Layer) -> str:
    vni = layer.value("geneve.vni")
    if vni is None:
        return GENEVE.title
    oam = ", OAM" if layer.value("geneve.flags.oam") else ""
    return f"{GENEVE.title}, VNI: 0x{vni:06x}{oam}"


GENEVE.tail = _tail
GENEVE.detail = _detail
GENEVE.info = _info
GENEVE.describe = _describe

bind("udp.port", 6081, GENEVE)
