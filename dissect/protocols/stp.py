"""Spanning Tree Protocol (IEEE 802.1D), Rapid STP (802.1w) and Multiple STP (802.1Q
clause 14), with Cisco's per-VLAN (PVST+) originating-VLAN TLV.

Bridges exchange BPDUs over LLC SAP 0x42 (PVST+ over SNAP with Cisco's PID 0x010b): which
bridge is the root of the tree, at what cost, through which port, and the timers. A
topology change notification is the four fixed bytes alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import true_false
from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bytes,
    Flag,
    Float,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    mac_str,
    uint_at,
)

CONF, TCN, RST = 0x00, 0x80, 0x02
YES_NO = true_false("Yes", "No")
PORT_ROLES = {0: "Unknown", 1: "Alternate or Backup", 2: "Root", 3: "Designated"}
VERSIONS = {0: "Spanning Tree", 2: "Rapid Spanning Tree", 3: "Multiple Spanning Tree",
            4: "Shortest Path Tree"}  # fmt: skip
TYPES = {CONF: "Configuration", TCN: "Topology Change Notification",
         RST: "Rapid/Multiple Spanning Tree"}  # fmt: skip
CONF_LEN, RST_LEN, MST_FIXED = 35, 36, 102  # bytes of each BPDU kind's fixed part
MAX_MSTIS = 64  # MSTI records walked (802.1Q allows 64)


@dataclass(slots=True)
class StpState:
    """The Info column, made once by tail()."""

    info: str


def _flags_text(value: int) -> str:
    """'0x7c, Agreement, Forwarding, Learning, Port Role: Designated'. The text has only the
    value to go by: the RSTP bits set make it RSTP's form (an RSTP BPDU with none of them
    set lacks the "Port Role: Unknown" Wireshark shows)."""
    names = []
    bits = FLAG_BITS if value & 0x7E else (FLAG_BITS[0], FLAG_BITS[-1])
    for spec in bits:
        if spec.name == "stp.flags.port_role":
            names.append(f"Port Role: {PORT_ROLES[(value >> 2) & 3]}")
        elif value & spec.mask:
            names.append(spec.label)
    return ", ".join([f"0x{value:02x}", *names])


FLAG_BITS = (
    Flag("stp.flags.tcack", "Topology Change Acknowledgment", 0x80, text=YES_NO,
         explain="The bridge acknowledges a topology change notification."),
    Flag("stp.flags.agreement", "Agreement", 0x40, text=YES_NO,
         explain="RSTP: the bridge agrees to a neighbour's proposal."),
    Flag("stp.flags.forwarding", "Forwarding", 0x20, text=YES_NO,
         explain="RSTP: the port forwards frames."),
    Flag("stp.flags.learning", "Learning", 0x10, text=YES_NO,
         explain="RSTP: the port learns addresses."),
    Bits("stp.flags.port_role", "Port Role", mask=0x0C, names=PORT_ROLES,
         explain="RSTP: the sending port's role in the tree."),
    Flag("stp.flags.proposal", "Proposal", 0x02, text=YES_NO,
         explain="RSTP: the bridge proposes its port to become designated at once."),
    Flag("stp.flags.tc", "Topology Change", 0x01, text=YES_NO,
         explain="The tree is changing: bridges age out learned addresses quickly."),
)  # fmt: skip
FLAGS = U8("stp.flags", "BPDU flags", base=HEX, text=_flags_text,
           explain="Topology change bits and, in RSTP, the port's role and state.")  # fmt: skip


def _bridge_fields(prefix: str, what: str) -> tuple[Any, ...]:
    return (
        Str(f"stp.{prefix}_identifier", f"{what} Identifier",
            explain=f"The {what.lower()} bridge: priority / system ID extension / MAC address; "
            "the lowest identifier wins."),
        U16(f"stp.{prefix}.prio", f"{what} Bridge Priority",
            explain="The configurable part of the bridge identifier (multiples of 4096)."),
        U16(f"stp.{prefix}.ext", f"{what} Bridge System ID Extension",
            explain="The VLAN or instance the identifier is for."),
        Mac(f"stp.{prefix}.hw", f"{what} Bridge System ID",
            explain="The bridge's MAC address, which makes its identifier unique."),
    )  # fmt: skip


ROOT_FIELDS = _bridge_fields("root", "Root")
BRIDGE_FIELDS = _bridge_fields("bridge", "Bridge")
ROOT_COST = U32("stp.root.cost", "Root Path Cost",
                explain="The sender's cost to reach the root bridge.")  # fmt: skip
PORT = U16("stp.port", "Port identifier", base=HEX,
           explain="The sending port: priority and port number.")  # fmt: skip


def _timer(name: str, label: str, what: str) -> Any:
    return Float(name, label, text=lambda v: f"{v:g}", explain=what)


TIMERS = (
    _timer("stp.msg_age", "Message Age", "Seconds since the root sent the information."),
    _timer("stp.max_age", "Max Age", "Seconds after which the information is discarded."),
    _timer("stp.hello", "Hello Time", "Seconds between the root's BPDUs."),
    _timer("stp.forward", "Forward Delay", "Seconds a port spends listening and learning."),
)
V1_LENGTH = U8("stp.version_1_length", "Version 1 Length",
               explain="Always 0: no version 1 information follows.")  # fmt: skip
PVST_TLV = Str("stp.pvst.origvlan_tlv", "",
               explain="PVST+: the VLAN the BPDU was sent on.")  # fmt: skip
PVST_TYPE = U16("stp.pvst.tlvtype", "Type", base=HEX, names={0: "Originating VLAN"},
                explain="PVST+ TLV type.")  # fmt: skip
PVST_LEN = U16("stp.pvst.tlvlen", "Length", explain="PVST+ TLV length.")
PVST_VLAN = U16("stp.pvst.origvlan", "Originating VLAN",
                explain="The VLAN whose spanning tree this BPDU is for.")  # fmt: skip
MST_FIELDS = (
    U16("mstp.version_3_length", "Version 3 Length",
        explain="Bytes of MST information that follow."),
    U8("mstp.config_format_selector", "MST Config ID format selector",
       explain="Format of the MST configuration identifier (0)."),
    Text("mstp.config_name", "MST Config name",
         explain="The MST region's name: bridges of one region share it."),
    U16("mstp.config_revision_level", "MST Config revision",
        explain="The region's configuration revision."),
    Bytes("mstp.config_digest", "MST Config digest",
          explain="A digest of the VLAN-to-instance table: equal within a region."),
    U32("mstp.cist_internal_root_path_cost", "CIST Internal Root Path Cost",
        explain="The cost to the region's root within the region."),
)  # fmt: skip
MST_BRIDGE = (
    U16("mstp.cist_bridge.prio", "CIST Bridge Priority",
        explain="The sending bridge's priority in the common and internal spanning tree."),
    U16("mstp.cist_bridge.ext", "CIST Bridge Identifier System ID Extension",
        explain="The instance the identifier is for."),
    Mac("mstp.cist_bridge.hw", "CIST Bridge Identifier System ID",
        explain="The sending bridge's MAC address."),
    U8("mstp.cist_remaining_hops", "CIST Remaining hops",
       explain="How many more bridges of the region the BPDU may cross."),
)  # fmt: skip

STP = Protocol(
    "stp", "Spanning Tree Protocol", osi=Osi.DATA_LINK, short="STP",
    header=(
        U16("stp.protocol", "Protocol Identifier", base=HEX,
            names={0: "Spanning Tree Protocol"}, explain="Always 0: the spanning tree protocol."),
        U8("stp.version", "Protocol Version Identifier", names=VERSIONS,
           explain="0 STP, 2 RSTP, 3 MSTP: which variant the sender speaks."),
        U8("stp.type", "BPDU Type", base=HEX, names=TYPES,
           explain="A configuration BPDU, a topology change notification, or an RSTP/MSTP BPDU."),
    ),
    state=StpState,
    colour="#afd7ff",
    explain="Bridges and switches run the spanning tree protocol to agree on a loop-free "
    "tree of links: some ports are blocked so frames cannot circle forever.",
)  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    version, btype = data[pos + 2], data[pos + 3]
    layer.hdr_len, layer.payload_pos, layer.next = end - pos, end, DATA
    if btype == TCN:
        layer.state = StpState("Topology Change Notification")
        layer.hdr_len, layer.payload_pos = 4, pos + 4
        return
    need = RST_LEN if btype == RST else CONF_LEN
    if btype not in (CONF, RST):
        layer.state = StpState(f"Unknown BPDU type (0x{btype:02x})")
        return
    if pos + need > end:
        layer.short(need, "Spanning tree BPDU")
        layer.state = StpState("")
        layer.stop()
        return
    layer.state = StpState(_summary(data, pos, btype, version))
    _conf_fields(data, layer, pos, rapid=btype == RST)
    i = pos + CONF_LEN
    if btype == RST:
        layer.add(V1_LENGTH, i, 1, data[i])
        i += 1
        if version >= 3:
            i = _mst(data, layer, i, end)
    if i + 4 <= end and uint_at(data, i, 2) == 0 and uint_at(data, i + 2, 2) == 2:
        _pvst(data, layer, i, end)
    # bytes the LLC length gives past the BPDU are the BPDU's, as Wireshark leaves them
    layer.hdr_len, layer.payload_pos = end - pos, end


def _summary(data: Any, pos: int, btype: int, version: int) -> str:
    """Wireshark's Info: kind, topology change, root, cost and port."""
    flags = data[pos + 4]
    root = uint_at(data, pos + 5, 2)
    kind = "Conf." if btype == CONF else ("MST." if version >= 3 else "RST.")
    return (
        f"{kind} {'TC + ' if flags & 1 else ''}Root = {root & 0xF000}/{root & 0x0FFF}/"
        f"{mac_str(bytes(data[pos + 7 : pos + 13]))}  Cost = {uint_at(data, pos + 13, 4)}  "
        f"Port = 0x{uint_at(data, pos + 25, 2):04x}"
    )


def _conf_fields(data: Any, layer: Layer, pos: int, rapid: bool) -> None:
    flags = data[pos + 4]
    f = layer.add(FLAGS, pos + 4, 1, flags)
    for spec in FLAG_BITS if rapid else (FLAG_BITS[0], FLAG_BITS[-1]):
        value = (flags & spec.mask) >> 2 if spec.kind == "bits" else bool(flags & spec.mask)
        layer.add(spec, pos + 4, 1, value, mask=spec.mask, parent=f)
    f.value = flags
    _bridge(data, layer, pos + 5, ROOT_FIELDS)
    layer.add(ROOT_COST, pos + 13, 4, uint_at(data, pos + 13, 4))
    _bridge(data, layer, pos + 17, BRIDGE_FIELDS)
    layer.add(PORT, pos + 25, 2, uint_at(data, pos + 25, 2))
    for k, spec in enumerate(TIMERS):
        at = pos + 27 + 2 * k
        layer.add(spec, at, 2, uint_at(data, at, 2) / 256)


def _bridge(data: Any, layer: Layer, i: int, specs: tuple[Any, ...]) -> None:
    """A bridge identifier: a text item over priority, extension and address, as Wireshark
    shows it (the priority's span is its first byte)."""
    word, mac = uint_at(data, i, 2), mac_str(bytes(data[i + 2 : i + 8]))
    ident = layer.add(specs[0], i, 8, f"{word & 0xF000} / {word & 0x0FFF} / {mac}")
    layer.add(specs[1], i, 1, word & 0xF000, parent=ident)
    layer.add(specs[2], i, 2, word & 0x0FFF, parent=ident)
    layer.add(specs[3], i + 2, 6, mac, parent=ident)


def _mst(data: Any, layer: Layer, i: int, end: int) -> int:
    """MSTP: the region's configuration identifier and the CIST part (MSTI records follow,
    shown as one span)."""
    if i + MST_FIXED - RST_LEN > end:
        return end  # too short for the MST part: Wireshark shows none of it
    length = uint_at(data, i, 2)
    vals = (length, data[i + 2], bytes(data[i + 3 : i + 35]).split(b"\0", 1)[0].decode(
        "latin-1"), uint_at(data, i + 35, 2), bytes(data[i + 37 : i + 53]),
        uint_at(data, i + 53, 4))  # fmt: skip
    for spec, off, size, value in zip(MST_FIELDS, (0, 2, 3, 35, 37, 53), (2, 1, 32, 2, 16, 4),
                                      vals, strict=True):  # fmt: skip
        layer.add(spec, i + off, size, value)
    word = uint_at(data, i + 57, 2)
    layer.add(MST_BRIDGE[0], i + 57, 1, word & 0xF000)
    layer.add(MST_BRIDGE[1], i + 57, 2, word & 0x0FFF)
    layer.add(MST_BRIDGE[2], i + 59, 6, mac_str(bytes(data[i + 59 : i + 65])))
    layer.add(MST_BRIDGE[3], i + 65, 1, data[i + 65])
    return min(end, i + 2 + length) if length >= 64 else i + 66


def _pvst(data: Any, layer: Layer, i: int, end: int) -> int:
    """PVST+: the originating VLAN TLV (type 0, length 2)."""
    if i + 6 > end:
        return i
    vlan = uint_at(data, i + 4, 2)
    tlv = layer.add(PVST_TLV, i, 6, f"Originating VLAN (PVID): {vlan}")
    layer.add(PVST_TYPE, i, 2, 0, parent=tlv)
    layer.add(PVST_LEN, i + 2, 2, 2, parent=tlv)
    layer.add(PVST_VLAN, i + 4, 2, vlan, parent=tlv)
    return i + 6


def _info(layer: Layer) -> str:
    state = layer.state
    return state.info if state is not None else ""


STP.tail = _tail
STP.info = _info

bind("llc.dsap", 0x42, STP)
bind("llc.cisco_pid", 0x010B, STP)
