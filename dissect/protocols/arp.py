"""Address Resolution Protocol (RFC 826), Reverse ARP (RFC 903), Inverse ARP (RFC 2390).

The fixed eight bytes give the hardware and protocol address types and sizes; four
addresses of those sizes follow (sender hardware, sender protocol, target hardware, target
protocol). Any sizes are accepted: Ethernet/IPv4 addresses get typed fields, others are
shown as bytes, as Wireshark's packet-arp.c does. The packet ends after the addresses;
what follows in the frame is the link layer's padding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import TRUE_FALSE
from ..protocol import (
    DATA,
    FIELDS,
    HEX,
    U8,
    U16,
    Bool,
    Bulk,
    Bytes,
    IPv4,
    Layer,
    Mac,
    Osi,
    Protocol,
    bind,
)

HARDWARE_TYPES = {
    0: "NET/ROM pseudo", 1: "Ethernet", 2: "Experimental Ethernet", 3: "AX.25", 4: "ProNET",
    5: "Chaos", 6: "IEEE 802", 7: "ARCNET", 8: "Hyperchannel", 9: "Lanstar",
    10: "Autonet Short Address", 11: "Localtalk", 12: "LocalNet", 13: "Ultra link", 14: "SMDS",
    15: "Frame Relay DLCI", 16: "ATM", 17: "HDLC", 18: "Fibre Channel", 19: "ATM (RFC 2225)",
    20: "Serial Line", 21: "ATM", 22: "MIL-STD-188-220", 23: "Metricom STRIP",
    24: "IEEE 1394.1995", 25: "MAPOS", 26: "Twinaxial", 27: "EUI-64", 28: "HIPARP",
    29: "IP and ARP over ISO 7816-3", 30: "ARPSec", 31: "IPsec tunnel", 32: "InfiniBand",
    33: "TIA-102 Project 25 CAI", 34: "Wiegand Interface",
    35: "Pure IP", 36: "Experimental 1", 37: "HFI", 256: "Experimental 2",
}  # fmt: skip

OPCODES = {
    0: "reserved", 1: "request", 2: "reply", 3: "reverse request", 4: "reverse reply",
    5: "drarp request", 6: "drarp reply", 7: "drarp error", 8: "inverse request",
    9: "inverse reply", 10: "arp nak", 11: "mars request", 12: "mars multi", 13: "mars mserv",
    14: "mars join", 15: "mars leave", 16: "mars nak", 17: "mars unserv", 18: "mars sjoin",
    19: "mars sleave", 20: "mars grouplist request", 21: "mars grouplist reply",
    22: "mars redirect map", 23: "mapos unarp", 24: "experimental 1", 25: "experimental 2",
    65535: "reserved",
}  # fmt: skip

MARS_INFO = {
    11: "MARS request", 12: "MARS MULTI request", 13: "MARS MSERV request",
    14: "MARS JOIN request", 15: "MARS LEAVE", 16: "MARS NAK", 17: "MARS UNSERV request",
    18: "MARS SJOIN request", 19: "MARS SLEAVE", 20: "MARS grouplist request",
    21: "MARS grouplist reply", 22: "MARS redirect map", 23: "MAPOS UNARP request",
}  # fmt: skip

REQUEST, REPLY, RREQUEST, RREPLY = 1, 2, 3, 4
DRARP_REQUEST, DRARP_REPLY, DRARP_ERROR, IREQUEST, IREPLY = 5, 6, 7, 8, 9
ETHER_HW = (1, 6)  # Ethernet and IEEE 802 hardware types carry 6-byte MAC addresses
IPV4_PROTO = (0x0800, 0xCC)  # EtherType IPv4, and AX.25's PID for IP
HEADER_LEN = 8
ZERO_MAC, ZERO_IPV4 = bytes(6), bytes(4)


def _etype_name(value: Any) -> str | None:
    """EtherType names from eth.py's eth.type field, through the field registry."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


@dataclass(slots=True)
class ArpState:
    """Kept by tail() when the four addresses are all there, for detail() to add them."""

    length: int  # the ARP packet's bytes: the fixed eight and the four addresses


# ARP maps network-layer addresses to link-layer ones; it is conventionally placed at
# layer 3 (sometimes called "2.5"), and the issue counts it with IP at the network layer.
ARP = Protocol(
    "arp", "Address Resolution Protocol", osi=Osi.NETWORK, short="ARP",
    header=(
        U16("arp.hw.type", "Hardware type", names=HARDWARE_TYPES,
            explain="The kind of link whose addresses are asked for (1: Ethernet)."),
        U16("arp.proto.type", "Protocol type", base=HEX, names=_etype_name,
            explain="The kind of network address being resolved (0x0800: IPv4)."),
        U8("arp.hw.size", "Hardware size",
           explain=lambda v, _l: f"Hardware addresses here are {v} bytes long (6 for a MAC address)."),
        U8("arp.proto.size", "Protocol size",
           explain=lambda v, _l: f"Protocol addresses here are {v} bytes long (4 for IPv4)."),
        U16("arp.opcode", "Opcode", names=OPCODES,
            explain="Opcode: whether this is a request (\"who has this address?\") or a reply (\"it "
            "is at this MAC\"), or the reverse-ARP variants."),
    ),
    state=ArpState, colour="#e6db74",
    # the addresses that follow move no fixed field; Ethernet/IPv4 sizes with the 20 bytes
    # of addresses there: the tail marks nothing, and the bytes after are padding
    bulk=Bulk(settled=(("arp.hw.size", "==", 6), ("arp.proto.size", "==", 4)),
              settled_size=HEADER_LEN + 2 * (6 + 4), settled_ends=True),
    explain="ARP finds the hardware (MAC) address that belongs to an IP address on the local "
    "network: a host broadcasts \"who has this IP?\" and the owner replies with its address.",
)  # fmt: skip

SRC_HW_MAC = Mac(
    "arp.src.hw_mac",
    "Sender MAC address",
    explain="The sender's MAC address: in a reply, the answer.",
)
SRC_HW = Bytes("arp.src.hw", "Sender hardware address", explain="The sender's hardware address.")
SRC_IPV4 = IPv4(
    "arp.src.proto_ipv4",
    "Sender IP address",
    explain="The sender's IP address (0.0.0.0 in a probe: the sender has no address yet).",
)
SRC_PROTO = Bytes(
    "arp.src.proto", "Sender protocol address", explain="The sender's protocol address."
)
DST_HW_MAC = Mac(
    "arp.dst.hw_mac",
    "Target MAC address",
    explain="The target's MAC address: unknown in a request, so usually all zeros.",
)
DST_HW = Bytes("arp.dst.hw", "Target hardware address", explain="The target's hardware address.")
DST_IPV4 = IPv4(
    "arp.dst.proto_ipv4",
    "Target IP address",
    explain="The target's IP address: in a request, the address whose MAC is wanted.",
)
DST_PROTO = Bytes(
    "arp.dst.proto", "Target protocol address", explain="The target's protocol address."
)
DRARP_STATUS = U8(
    "arp.dst.drarp_error_status",
    "DRARP error status",
    explain="Dynamic reverse ARP error status: why the request failed.",
)
IS_GRATUITOUS = Bool(
    "arp.isgratuitous",
    "Is gratuitous",
    generated=True,
    text=TRUE_FALSE,
    explain="Gratuitous ARP: the sender announces its own address (sender and "
    "target IP are the same), to update others' caches or detect a conflict.",
)
IS_PROBE = Bool(
    "arp.isprobe",
    "Is probe",
    generated=True,
    text=TRUE_FALSE,
    explain="ARP probe: the sender checks that an address is free before taking it (RFC 5227).",
)
IS_ANNOUNCEMENT = Bool(
    "arp.isannouncement",
    "Is announcement",
    generated=True,
    text=TRUE_FALSE,
    explain="ARP announcement: the sender has taken the address and tells the link (RFC 5227).",
)


# The whole fixed header in one call (hardware type, protocol type, sizes, opcode): the
# Info column runs for every row, and a value lookup per name costs more than the text.
_FIXED = ARP.reader("arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode")


def _spans(pos: int, hln: int, pln: int) -> tuple[int, int, int, int, int]:
    """Frame offsets of the four addresses, and the ARP packet's total length, from the
    layer's start and the two address sizes."""
    sha = pos + HEADER_LEN
    return sha, sha + hln, sha + hln + pln, sha + 2 * hln + pln, HEADER_LEN + 2 * hln + 2 * pln


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    _hrd, _pro, hln, pln, _op = _FIXED(layer)
    total = _spans(pos, hln, pln)[4]
    if pos + total > end:
        # Wireshark shows the fixed fields and no address when the addresses run past the end.
        layer.short(total, "ARP addresses")
        layer.hdr_len = end - pos
        layer.payload_pos = end
        layer.next = DATA
        return
    layer.hdr_len = total
    layer.payload_pos = layer.payload_end = pos + total
    layer.state = ArpState(total)  # the addresses are all there: detail() adds them


def _detail(data: Any, layer: Layer) -> None:
    """The addresses and the generated flags, built when someone reads the fields."""
    if layer.state is None:
        return
    hrd, pro, hln, pln, op = _FIXED(layer)
    sha, spa, tha, tpa, _total = _spans(layer.pos, hln, pln)
    ether, ipv4 = hrd in ETHER_HW and hln == 6, pro in IPV4_PROTO and pln == 4
    _flags(layer)
    if hln:
        _address(data, layer, SRC_HW_MAC if ether else SRC_HW, sha, hln)
    if pln:
        _address(data, layer, SRC_IPV4 if ipv4 else SRC_PROTO, spa, pln)
    if hln:
        _address(data, layer, DST_HW_MAC if ether else DST_HW, tha, hln)
    if pln and op == DRARP_ERROR:
        layer.add(DRARP_STATUS, tpa, 1, data[tpa])
    elif pln:
        _address(data, layer, DST_IPV4 if ipv4 else DST_PROTO, tpa, pln)


def _address(data: Any, layer: Layer, spec: Any, offset: int, length: int) -> None:
    raw = bytes(data[offset : offset + length])
    layer.add(spec, offset, length, spec.from_bytes(raw))


def _classify(layer: Layer) -> str:
    """ "gratuitous", "announcement" (RFC 5227, a gratuitous request to a zero target MAC),
    "probe" (RFC 5227, sender IP zero) or "", from the packet bytes (no fields built)."""
    _hrd, _pro, hln, pln, op = _FIXED(layer)
    _sha, spa, tha, tpa, total = _spans(layer.pos, hln, pln)
    if op not in (REQUEST, REPLY) or layer.hdr_len < total:
        return ""
    return _kind(layer.packet.data, op, pln, (spa, tha, tpa, layer.pos + total))


def _kind(data: bytes, op: int, pln: int, where: tuple[int, int, int, int]) -> str:
    """_classify() of a request or reply whose addresses are all there; where = (sender
    and target offsets as _spans() gives them, end of the packet). startswith() tests the
    bytes in place: all of them are there, so it equals comparing a slice."""
    spa, tha, tpa, end = where
    tha_zero = tha + 6 <= end and data.startswith(ZERO_MAC, tha)
    if data.startswith(data[spa : spa + pln], tpa):  # sender address == target address
        return "announcement" if op == REQUEST and tha_zero else "gratuitous"
    if op == REQUEST and tha_zero and spa + 4 <= end and data.startswith(ZERO_IPV4, spa):
        return "probe"
    return ""


def _flags(layer: Layer) -> None:
    kind = _classify(layer)
    if kind in ("gratuitous", "announcement"):
        layer.add(IS_GRATUITOUS, layer.pos, 0, True, generated=True)
    if kind == "probe":
        layer.add(IS_PROBE, layer.pos, 0, True, generated=True)
    if kind == "announcement":
        layer.add(IS_ANNOUNCEMENT, layer.pos, 0, True, generated=True)


def _hw_str(data: bytes, offset: int, hln: int, hrd: int) -> str:
    if not hln:
        return "<No address>"
    raw = data[offset : offset + hln]
    return raw.hex(":") if hrd in ETHER_HW and hln == 6 else _hex(raw)


def _proto_str(data: bytes, offset: int, pln: int, pro: int) -> str:
    if not pln:
        return "<No address>"
    if pro in IPV4_PROTO and pln == 4:  # read in place: cheaper than a join over a generator
        return f"{data[offset]}.{data[offset + 1]}.{data[offset + 2]}.{data[offset + 3]}"
    return _hex(data[offset : offset + pln])


def _hex(raw: bytes) -> str:
    """Wireshark's bytes_to_str: plain hex, cut after 36 bytes."""
    return raw[:36].hex() + ("…" if len(raw) > 36 else "")


def _info(layer: Layer) -> str:
    if layer.values is None:
        return ""  # a short header: no opcode (and no fields to look it up in)
    hrd, pro, hln, pln, op = _FIXED(layer)
    spans = _spans(layer.pos, hln, pln)
    sha, spa, _tha, tpa, total = spans
    if layer.hdr_len < total:
        return ""  # addresses missing: Wireshark leaves the Info column empty
    data = layer.packet.data
    where = (spa, spans[2], tpa, layer.pos + total)
    if op == REQUEST:
        kind, target = _kind(data, op, pln, where), _proto_str(data, tpa, pln, pro)
        if kind == "announcement":
            return f"ARP Announcement for {target}"
        if kind == "gratuitous":
            return f"Gratuitous ARP for {target} (Request)"
        if kind == "probe":
            return f"Who has {target}? (ARP Probe)"
        return f"Who has {target}? Tell {_proto_str(data, spa, pln, pro)}"
    if op == REPLY:
        sender = _proto_str(data, spa, pln, pro)
        if _kind(data, op, pln, where) == "gratuitous":
            return f"Gratuitous ARP for {sender} (Reply)"
        return f"{sender} is at {_hw_str(data, sha, hln, hrd)}"
    return _other_info(op, data, spans, (hrd, pro, hln, pln))


def _other_info(op: int, data: bytes, spans: tuple[int, ...], sizes: tuple[int, ...]) -> str:
    """Info of the rarer opcodes; sizes = (hardware type, protocol type, their sizes)."""
    hrd, pro, hln, pln = sizes
    sha, spa, tha, tpa, _total = spans
    if op in (RREQUEST, IREQUEST, DRARP_REQUEST):
        return f"Who is {_hw_str(data, tha, hln, hrd)}? Tell {_hw_str(data, sha, hln, hrd)}"
    if op in (RREPLY, DRARP_REPLY):
        return f"{_hw_str(data, tha, hln, hrd)} is at {_proto_str(data, tpa, pln, pro)}"
    if op == IREPLY:
        return f"{_hw_str(data, sha, hln, hrd)} is at {_proto_str(data, spa, pln, pro)}"
    if op in MARS_INFO:
        hw, proto = _hw_str(data, sha, hln, hrd), _proto_str(data, spa, pln, pro)
        return f"{MARS_INFO[op]} from {hw} at {proto}"
    if op == DRARP_ERROR:
        return "DRARP Error"
    if op == 10:
        return "ARP NAK"
    if op in (24, 25):
        return f"Experimental {op - 23} ( opcode {op} )"
    if op in (0, 65535):
        return f"Reserved opcode {op}"
    return f"Unknown ARP opcode 0x{op:04x}"


def _describe(layer: Layer) -> str:
    if layer.values is None:
        return ARP.title  # a short header: no opcode
    op = layer.value("arp.opcode")
    name = OPCODES.get(op)
    if name is None:
        return f"Address Resolution Protocol (opcode 0x{op:04x})"
    kind = _classify(layer)
    if kind == "announcement":
        name = "ARP Announcement"
    elif kind == "probe":
        name = "ARP Probe"
    elif kind == "gratuitous":
        name = f"{name}/gratuitous ARP"
    return f"Address Resolution Protocol ({name})"


ARP.tail = _tail
ARP.detail = _detail
ARP.info = _info
ARP.describe = _describe

bind("ethertype", 0x0806, ARP)
bind("ethertype", 0x8035, ARP)  # RARP uses the same packet format (RFC 903)
