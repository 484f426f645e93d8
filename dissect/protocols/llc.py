"""IEEE 802.2 Logical Link Control (ISO/IEC 8802-2) and the SNAP extension (IEEE Std 802).

DSAP and SSAP name the service access points; the control field is one byte for
unnumbered (U) frames and two bytes, least significant first, for information (I) and
supervisory (S) frames. With DSAP = SSAP = 0xAA a SNAP header follows: a 3-byte OUI and a
2-byte protocol ID, which for OUI 00-00-00 (and the two legacy OUIs Wireshark treats alike)
is an EtherType looked up in the "ethertype" table. Other payloads are looked up by DSAP
in "llc.dsap" or by PID in "llc.<oui>_pid" tables; nothing binds STP, CDP and the like yet,
so they are shown as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import true_false
from ..protocol import (
    DATA,
    FIELDS,
    HEX,
    LINKTYPES,
    U8,
    U16,
    U24,
    Bits,
    Flag,
    Layer,
    Osi,
    Protocol,
    bind,
    lookup,
)

SAP_NAMES = {
    0x00: "NULL LSAP", 0x02: "LLC Sub-Layer Management", 0x04: "SNA Path Control",
    0x06: "TCP/IP", 0x08: "SNA", 0x0C: "SNA", 0x0E: "PROWAY (IEC955) Network Management and Initialization",
    0x18: "Texas Instruments", 0x42: "Spanning Tree BPDU",
    0x4E: "EIA RS-511 Manufacturing Message Service", 0x5E: "ISI IP", 0x7E: "ISO 8208 (X.25 over 802.2)",
    0x80: "XNS", 0x82: "BACnet", 0x86: "Nestar",
    0x8E: "PROWAY (IEC955) Active Station List Maintenance", 0x98: "ARP",
    0xAA: "SNAP", 0xBA: "Banyan Vines", 0xBC: "Banyan Vines", 0xE0: "NetWare", 0xF0: "NetBIOS",
    0xF4: "IBM Net Management", 0xF8: "HP Extended LLC", 0xFA: "UB", 0xFC: "Remote Program Load",
    0xFE: "ISO Network Layer", 0xFF: "Global LSAP",
}  # fmt: skip
# The tree names the whole DSAP or SSAP byte, the I/G or C/R bit included, with Wireshark's
# table (the Info column names the SAP bits alone, with SAP_NAMES)
SAP_BYTE_NAMES = {
    0x00: "NULL LSAP", 0x01: "NULL LSAP", 0x02: "LLC Sub-Layer Management", 0x04: "SNA Path Control",
    0x06: "TCP/IP", 0x08: "SNA", 0x0C: "SNA",
    0x0E: "PROWAY (IEC955) Network Management and Initialization", 0x10: "NetWare (unofficial?)",
    0x14: "ISO Network Layer (OSLAN 1)", 0x18: "Texas Instruments",
    0x20: "ISO Network Layer (unofficial?)", 0x34: "ISO Network Layer (unofficial?)",
    0x42: "Spanning Tree BPDU", 0x4E: "EIA RS-511 Manufacturing Message Service",
    0x54: "ISO Network Layer (OSLAN 2)", 0x7E: "ISO 8208 (X.25 over 802.2)", 0x7F: "ISO 802.2",
    0x80: "XNS", 0x82: "BACnet", 0x86: "Nestar",
    0x8E: "PROWAY (IEC955) Active Station List Maintenance", 0x98: "ARP",
    0xB4: "HP JetDirect Printer", 0xAA: "SNAP", 0xBA: "Banyan Vines", 0xBC: "Banyan Vines",
    0xE0: "NetWare", 0xF0: "NetBIOS", 0xF4: "IBM Net Management", 0xF8: "HP Extended LLC",
    0xFA: "Ungermann-Bass", 0xFC: "Remote Program Load", 0xFE: "ISO Network Layer",
    0xFF: "Global LSAP",
}  # fmt: skip
OUI_NAMES = {
    0x000000: "Encapsulated Ethernet", 0x00000C: "Cisco Systems, Inc", 0x0000F8: "Cisco 90-Compatible",
    0x0080C2: "IEEE 802.1 Bridged", 0x080007: "Apple Computer", 0x00E02B: "Extreme Networks",
    0x00A0C8: "Cisco Wireless (Aironet) L2", 0x0019E3: "Apple Computer 2",
}  # fmt: skip
U_COMMANDS = {
    0x00: "UI", 0x20: "UP", 0x40: "DISC", 0x80: "SNRM", 0xE0: "TEST", 0xAC: "XID", 0x2C: "SABM",
    0x6C: "SABME", 0x04: "SIM", 0x0C: "SARM", 0xCC: "SNRME", 0x8C: "RSET", 0xC4: "CFGR",
}  # fmt: skip
U_RESPONSES = {
    0x00: "UI", 0x40: "RD", 0x60: "UA", 0x84: "FRMR", 0xE0: "TEST", 0xAC: "XID", 0x0C: "DM",
    0x04: "RIM", 0xC4: "CFGR", 0xEC: "BCN",
}  # fmt: skip
S_TYPES = {0: "RR", 1: "RNR", 2: "REJ", 3: "SREJ"}  # in the Info column
S_TYPE_NAMES = {0: "Receiver ready", 1: "Receiver not ready", 2: "Reject", 3: "Selective reject"}
FRAME_TYPES = {0: "Information frame", 1: "Supervisory frame", 3: "Unnumbered frame"}
# OUIs whose PID is an EtherType (Wireshark: OUI_ENCAP_ETHER, OUI_CISCO_90, OUI_APPLE_ATALK)
ETHERTYPE_OUIS = (0x000000, 0x0000F8, 0x080007)
OUI_BRIDGED = 0x0080C2
# Non-SNAP SAPs whose payload is a protocol known by EtherType
SAP_ETHERTYPES = {0x06: 0x0800, 0x98: 0x0806, 0xE0: 0x8137}
XID, UI = 0xAC, 0x00


def _sap_text(sap: int) -> str:
    """A SAP's name alone, as Wireshark shows the SAP bits (their number when unnamed)."""
    return SAP_BYTE_NAMES.get(sap << 1) or str(sap)


def _etype_name(value: Any) -> str | None:
    """EtherType names from eth.py's eth.type field, through the field registry."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


@dataclass(slots=True)
class LlcState:
    """The Info text tail() works out from the control field, SAPs and SNAP header."""

    info: str


LLC = Protocol(
    "llc", "Logical-Link Control", osi=Osi.DATA_LINK, short="LLC",
    header=(
        U8("llc.dsap", "DSAP", base=HEX, names=lambda v: SAP_BYTE_NAMES.get(v, "Unknown"), children=(
            Bits("llc.dsap.sap", "SAP", mask=0xFE, text=lambda v: _sap_text(v), explain="The destination SAP number, the IG bit left out."),
            Flag("llc.dsap.ig", "IG Bit", 0x01, text=true_false("Group", "Individual"), explain="IG bit: set when the destination SAP is a group address."),
        ), explain="Destination service access "
           "point: which protocol on the receiving side gets the payload (0xAA: a SNAP header "
           "follows)."),
        U8("llc.ssap", "SSAP", base=HEX, names=lambda v: SAP_BYTE_NAMES.get(v, "Unknown"), children=(
            Bits("llc.ssap.sap", "SAP", mask=0xFE, text=lambda v: _sap_text(v), explain="The source SAP number, the CR bit left out."),
            Flag("llc.ssap.cr", "CR Bit", 0x01, text=true_false("Response", "Command"), explain="CR bit: set in a response, clear in a command."),
        ), explain="Source service access point: "
           "which protocol on the sending side sent it."),
    ),
    state=LlcState, colour="#d7af87",
    explain="LLC (IEEE 802.2) names the protocol carried in an 802.3 length-field frame by "
    "its service access point, or, with a SNAP header, by an organisation code and type.",
)  # fmt: skip

CONTROL = U16(
    "llc.control",
    "Control",
    base=HEX,
    explain="The control field: the frame's kind (information, supervisory or "
    "unnumbered) and its sequence numbers or command.",
)
N_R = Bits(
    "llc.control.n_r",
    "N(R)",
    2,
    mask=0xFE00,
    explain="N(R): the sequence number of the next information frame the sender expects to "
    "receive.",
)
N_S = Bits(
    "llc.control.n_s",
    "N(S)",
    2,
    mask=0x00FE,
    explain="N(S): this information frame's sequence number.",
)
POLL = Flag(
    "llc.control.p",
    "Poll",
    0x10,
    width=1,
    explain="Poll bit: the sender asks the other side to answer at once.",
)
FINAL = Flag(
    "llc.control.f", "Final", 0x10, width=1, explain="Final bit: this response answers a poll."
)
S_FTYPE = Bits(
    "llc.control.s_ftype",
    "Supervisory frame type",
    2,
    mask=0x000C,
    base=HEX,
    names=S_TYPE_NAMES,
    explain="Supervisory frame type: receive ready, receive not ready, or a request to "
    "send frames again.",
)
# The tree names the unnumbered modifiers in words (the Info column by their mnemonics)
U_CMD_NAMES = {
    0x00: "Unnumbered Information", 0x08: "Unnumbered Poll", 0x10: "Disconnect",
    0x18: "Unnumbered Acknowledge", 0x20: "Set Normal Response Mode", 0x38: "Test",
    0x01: "Set Initialization Mode", 0x21: "Frame reject", 0x31: "Configure",
    0x03: "Set Asynchronous Response Mode", 0x0B: "Set Asynchronous Balanced Mode",
    0x13: "Set Asynchronous Response Mode Extended", 0x1B: "Set Asynchronous Balanced Mode Extended",
    0x23: "Reset", 0x2B: "Exchange identification", 0x33: "Set Normal Response Mode Extended",
    0x3B: "Beacon",
}  # fmt: skip
U_RESP_NAMES = {**U_CMD_NAMES, 0x10: "Request Disconnect", 0x01: "Request Initialization Mode",
                0x03: "Disconnected mode"}  # fmt: skip
U_CMD = Bits(
    "llc.control.u_modifier_cmd",
    "Command",
    1,
    mask=0xEC,
    base=HEX,
    names=U_CMD_NAMES,
    explain="The unnumbered frame's command (UI: connectionless data, XID, TEST, SABME...).",
)
U_RESP = Bits(
    "llc.control.u_modifier_resp",
    "Response",
    1,
    mask=0xEC,
    base=HEX,
    names=U_RESP_NAMES,
    explain="The unnumbered frame's response (UI, XID, TEST, UA...).",
)
FTYPE = Bits(
    "llc.control.ftype",
    "Frame type",
    1,
    mask=0x03,
    base=HEX,
    names=FRAME_TYPES,
    explain="Frame type: information (numbered data), supervisory (flow control) or "
    "unnumbered (connectionless data and link control).",
)
OUI = U24(
    "llc.oui",
    "Organization Code",
    base=HEX,
    names=OUI_NAMES,
    explain="SNAP organisation code: whose protocol numbers the protocol ID uses (00-00-00: "
    "EtherTypes).",
)
TYPE = U16(
    "llc.type",
    "Type",
    base=HEX,
    names=_etype_name,
    explain="The EtherType of what the SNAP frame carries (0x0800 IPv4...).",
)
PID = U16(
    "llc.pid",
    "Protocol ID",
    base=HEX,
    explain="SNAP protocol ID, as the organisation named by the OUI numbers its protocols.",
)
CISCO_PID = U16(
    "llc.cisco_pid",
    "PID",
    base=HEX,
    explain="SNAP protocol ID of a Cisco protocol (CDP, VTP, STP for VLANs...).",
)


def _tail(data: Any, layer: Layer) -> None:
    pos = layer.pos
    ctx = layer.packet.ctx
    if ctx.bound_start == pos:  # an 802.3 length below bounds this LLC payload
        layer.payload_end = max(pos + 2, min(layer.payload_end, ctx.bound_end))
    end = layer.payload_end
    if pos + 3 > end:
        layer.short(3, "LLC control field")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    control, info = _control(data, layer)
    if control is None:
        return
    state = layer.state = LlcState(info)
    dsap, ssap = data[pos], data[pos + 1]
    information = (control & 0x01) == 0 or (control & 0xEF) == 0x03  # I frame or UI
    if dsap == ssap == 0xAA:
        _snap(data, layer, information)
        return
    state.info = info + _sap_info(dsap, ssap)
    if information:
        layer.next = lookup("llc.dsap", dsap) or _by_ethertype(SAP_ETHERTYPES.get(dsap & 0xFE))
    elif (control & 0xEF) == (XID | 0x03):
        layer.next = lookup("llc.xid_dsap", dsap) or DATA
    else:
        layer.next = DATA


def _by_ethertype(etype: int | None) -> Any:
    return (lookup("ethertype", etype) if etype is not None else None) or DATA


def _control(data: Any, layer: Layer) -> tuple[int | None, str]:
    """Decode the control field (1 or 2 bytes); returns it and the Info text."""
    pos, end = layer.pos, layer.payload_end
    c = data[pos + 2]
    response = bool(data[pos + 1] & 0x01)
    if c & 0x03 == 0x03:  # unnumbered: one byte
        f = layer.add(CONTROL, pos + 2, 1, c)
        if c & 0x10:
            layer.add(FINAL if response else POLL, pos + 2, 1, True, 0x10, parent=f)
        mod = (c & 0xEC) >> 2
        layer.add(U_RESP if response else U_CMD, pos + 2, 1, mod, 0xEC, parent=f)
        layer.add(FTYPE, pos + 2, 1, 3, 0x03, parent=f)
        layer.hdr_len = 3
        layer.payload_pos = pos + 3
        names = U_RESPONSES if response else U_COMMANDS
        pf = (" F" if response else " P") if c & 0x10 else ""
        return c, f"U{pf}, func={names.get(c & 0xEC, 'Unknown')}"
    if pos + 4 > end:
        layer.short(4, "LLC extended control field")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return None, ""
    c = int.from_bytes(data[pos + 2 : pos + 4], "little")
    f = layer.add(CONTROL, pos + 2, 2, c)
    layer.add(N_R, pos + 2, 2, c >> 9, 0xFE00, parent=f)
    pf = (" F" if response else " P") if c & 0x0100 else ""
    if c & 0x01 == 0:  # information frame
        layer.add(N_S, pos + 2, 2, (c >> 1) & 0x7F, 0x00FE, parent=f)
        info = f"I{pf}, N(R)={c >> 9}, N(S)={(c >> 1) & 0x7F}"
    else:  # supervisory frame
        info = f"S{pf}, func={S_TYPES[(c >> 2) & 3]}, N(R)={c >> 9}"
    if c & 0x0100:
        layer.add(FINAL if response else POLL, pos + 2, 2, True, 0x0100, parent=f)
    if c & 0x01:
        layer.add(S_FTYPE, pos + 2, 2, (c >> 2) & 3, 0x000C, parent=f)
        layer.add(FTYPE, pos + 2, 2, c & 0x03, 0x0003, parent=f)
    else:
        layer.add(FTYPE, pos + 2, 2, 0, 0x0001, parent=f)
    layer.hdr_len = 4
    layer.payload_pos = pos + 4
    return c, info


def _snap(data: Any, layer: Layer, information: bool) -> None:
    """SNAP: OUI and protocol ID after the control field."""
    start, end = layer.pos + layer.hdr_len, layer.payload_end
    if start + 5 > end:
        layer.short(layer.hdr_len + 5, "SNAP header")
        layer.hdr_len, layer.payload_pos = end - layer.pos, end
        return
    oui = int.from_bytes(data[start : start + 3], "big")
    pid = int.from_bytes(data[start + 3 : start + 5], "big")
    layer.add(OUI, start, 3, oui)
    layer.hdr_len += 5
    layer.payload_pos = start + 5
    layer.state.info += (
        f"; SNAP, OUI 0x{oui:06X} ({OUI_NAMES.get(oui, 'Unknown')}), PID 0x{pid:04X}"
    )
    if oui in ETHERTYPE_OUIS:
        layer.add(TYPE, start + 3, 2, pid)
        layer.next = _by_ethertype(pid) if information else DATA
    elif oui == 0x00000C:
        layer.add(CISCO_PID, start + 3, 2, pid)
        layer.next = (lookup("llc.cisco_pid", pid) if information else None) or DATA
    else:
        layer.add(PID, start + 3, 2, pid)
        layer.next = _bridged(pid) if oui == OUI_BRIDGED else DATA


def _bridged(pid: int) -> Any:
    """RFC 2684/2427 bridged MAC frames: 0x0001/0x0007 carry an Ethernet frame."""
    if pid in (0x0001, 0x0007):
        return LINKTYPES.get(1) or DATA  # the Ethernet decoder, from the link-type registry
    return DATA


def _sap_info(dsap: int, ssap: int) -> str:
    """Info text naming the SAPs of a non-SNAP frame, as Wireshark appends it."""
    return (
        f"; DSAP {_sap_label(dsap)} {'Group' if dsap & 1 else 'Individual'}, "
        f"SSAP {_sap_label(ssap)} {'Response' if ssap & 1 else 'Command'}"
    )


def _sap_label(value: int) -> str:
    return SAP_NAMES.get(value & 0xFE, f"0x{value & 0xFE:02x}")


LLC.tail = _tail
LLC.info = lambda layer: layer.state.info if layer.state is not None else ""

bind("eth.llc", 0, LLC)
