"""IEEE 802.11 wireless LAN frames (LINKTYPE_IEEE802_11, 105, and after a PPI header): the
MAC header as Wireshark shows it.

Frame control (version, type, subtype, the flags byte), duration, the addresses named by
their role (receiver, transmitter, destination, source, BSS Id, station: which address slot
holds which depends on the type and the To DS / From DS bits, IEEE 802.11-2020 9.3), the
sequence control, a QoS data frame's QoS control, and the frame check sequence when the
layer below says the frame ends with one (ctx.fcs_len; it is shown unverified, as
Wireshark's default). A data frame's body, unless protected, is an LLC header (the llc
decoder, then SNAP to IP); management frame bodies and protected data stay data.
Multi-byte numbers are little-endian (duration, sequence control, QoS control, FCS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    Field,
    Flag,
    Int,
    Layer,
    Mac,
    Osi,
    Protocol,
    alias,
    bind_linktype,
    lookup,
    mac_str,
)

LINKTYPE_IEEE802_11 = 105
MGMT, CONTROL, DATA_FRAME = 0, 1, 2
TYPES = {
    MGMT: "Management frame",
    CONTROL: "Control frame",
    DATA_FRAME: "Data frame",
    3: "Extension",
}
SUBTYPES = {  # (type << 4 | subtype) -> Wireshark's name
    0x00: "Association Request", 0x01: "Association Response", 0x02: "Reassociation Request",
    0x03: "Reassociation Response", 0x04: "Probe Request", 0x05: "Probe Response",
    0x08: "Beacon frame", 0x09: "ATIM", 0x0A: "Disassociate", 0x0B: "Authentication",
    0x0C: "Deauthentication", 0x0D: "Action", 0x0E: "Action No Ack",
    0x18: "802.11 Block Ack Req", 0x19: "802.11 Block Ack", 0x1A: "Power-Save poll",
    0x1B: "Request-to-send", 0x1C: "Clear-to-send", 0x1D: "Acknowledgement",
    0x1E: "CF-End (Control-frame)", 0x1F: "CF-End + CF-Ack (Control-frame)",
    0x20: "Data", 0x21: "Data + CF-Ack", 0x22: "Data + CF-Poll", 0x23: "Data + CF-Ack + CF-Poll",
    0x24: "Null function (No data)", 0x25: "Acknowledgement (No data)",
    0x26: "CF-Poll (No data)", 0x27: "CF-Ack/Poll (No data)", 0x28: "QoS Data",
    0x29: "QoS Data + CF-Acknowledgment", 0x2A: "QoS Data + CF-Poll",
    0x2B: "QoS Data + CF-Ack + CF-Poll", 0x2C: "QoS Null function (No data)",
    0x2E: "QoS CF-Poll (No data)", 0x2F: "QoS CF-Ack + CF-Poll (No data)",
}  # fmt: skip
DS_STATUS = {0: "Not leaving DS or network is operating in AD-HOC mode (To DS: 0 From DS: 0)",
             1: "Frame from STA to DS via an AP (To DS: 1 From DS: 0)",
             2: "Frame from DS to a STA via AP(To DS: 0 From DS: 1)",
             3: "WDS (AP to AP) or Mesh (MP to MP) Frame (To DS: 1 From DS: 1)"}  # fmt: skip
FLAG_CHARS = "opmPRMFTC"  # the Info's flag string, order flag first, FCS last
# Control frames with a transmitter address after the receiver's (RTS, PS-Poll, CF-End,
# Block Ack and its request); ACK and CTS carry the receiver's only.
WITH_TA = frozenset((0x18, 0x19, 0x1A, 0x1B, 0x1E, 0x1F))
PRIORITIES = {0: "Best Effort", 1: "Background", 2: "Background", 3: "Best Effort",
              4: "Video", 5: "Video", 6: "Voice", 7: "Voice"}  # fmt: skip


@dataclass(slots=True)
class WlanState:
    """What tail() read, for detail() and the Info column."""

    kind: int  # type << 4 | subtype
    flags: int
    hdr_end: int  # where the MAC header ends
    fcs: int  # where the FCS starts (-1: none)


def _flag_text(flags: int, fcs: bool) -> str:
    """Wireshark's flag string: one letter per set flag, order flag first, C for an FCS."""
    shown = "".join(c if flags & (0x80 >> i) else "." for i, c in enumerate(FLAG_CHARS[:8]))
    return shown + ("C" if fcs else ".")


def _name(kind: int) -> str:
    return SUBTYPES.get(kind, "Unrecognized (Reserved frame)")


def _describe(layer: Layer) -> str:
    s = layer.state
    if s is None:
        return "IEEE 802.11"
    return f"IEEE 802.11 {_name(s.kind)}, Flags: {_flag_text(s.flags, s.fcs >= 0)}"


def _info(layer: Layer) -> str:
    s = layer.state
    return "" if s is None else f"{_name(s.kind)}, Flags={_flag_text(s.flags, s.fcs >= 0)}"


WLAN = Protocol(
    "wlan", "IEEE 802.11 wireless LAN", osi=Osi.DATA_LINK, short="802.11",
    describe=_describe, info=_info, state=WlanState, colour="#afd7ff",
    explain="802.11 is Wi-Fi's link layer: who sends and who receives on the radio, through "
    "which access point, and in what order (sequence numbers); data frames carry LLC and IP.",
)  # fmt: skip

TYPE_SUBTYPE = Int("wlan.fc.type_subtype", "Type/Subtype", base=HEX, names=SUBTYPES,
                   explain="The frame's type and subtype together (type << 4 | subtype).")  # fmt: skip
FC = U16("wlan.fc", "Frame Control Field", base=HEX,
         explain="What kind of frame this is and how it travels (the flags byte).")  # fmt: skip
VERSION = U8("wlan.fc.version", "Version", mask=0x03, explain="The protocol version: 0.")
TYPE = U8("wlan.fc.type", "Type", mask=0x0C, names=TYPES,
          explain="Management (joining a network), control (medium access) or data.")  # fmt: skip
SUBTYPE = U8("wlan.fc.subtype", "Subtype", mask=0xF0, explain="Which frame of its type.")
FLAGS = U8("wlan.flags", "Flags", base=HEX, explain="Direction, retry, power and protection.")
FLAG_SPECS = (
    U8("wlan.fc.ds", "DS status", mask=0x03, base=HEX, names=DS_STATUS,
       explain="The direction: to or from the distribution system (the wired side)."),
    Flag("wlan.fc.tods", "To DS", 0x01, 1, explain="Set: the frame goes to the distribution system."),
    Flag("wlan.fc.fromds", "From DS", 0x02, 1, explain="Set: the frame comes from the distribution system."),
    Flag("wlan.fc.frag", "More Fragments", 0x04, 1, explain="Set: more fragments of the frame follow."),
    Flag("wlan.fc.retry", "Retry", 0x08, 1, explain="Set: the frame is sent again."),
    Flag("wlan.fc.pwrmgt", "PWR MGT", 0x10, 1, explain="Set: the station goes to power-save mode."),
    Flag("wlan.fc.moredata", "More Data", 0x20, 1, explain="Set: more frames are buffered for the station."),
    Flag("wlan.fc.protected", "Protected flag", 0x40, 1, explain="Set: the body is encrypted."),
    Flag("wlan.fc.order", "+HTC/Order flag", 0x80, 1, explain="Set: an HT control field follows."),
)  # fmt: skip
DURATION = Int("wlan.duration", "Duration", unit=" microseconds",
               explain="How long the medium stays reserved for this exchange (the NAV).")  # fmt: skip
ROLES = {name: Mac(f"wlan.{name}", label, explain=why) for name, label, why in (
    ("ra", "Receiver address", "The station that receives the frame on the air."),
    ("ta", "Transmitter address", "The station that sends the frame on the air."),
    ("da", "Destination address", "The frame's final destination."),
    ("sa", "Source address", "The frame's original sender."),
    ("bssid", "BSS Id", "The access point's address: which network (BSS) this is."),
    ("staa", "STA address", "The (non-AP) station's address."),
)}  # fmt: skip
FRAG = Int("wlan.frag", "Fragment number", explain="Which fragment of the frame (0: first).")
SEQ = Int("wlan.seq", "Sequence number", explain="The frame's number from its sender (0-4095).")
QOS = Int("wlan.qos", "Qos Control", base=HEX, explain="The traffic class and ack policy.")
QOS_TID = Int("wlan.qos.tid", "TID", explain="The traffic identifier: the frame's priority class.")
QOS_PRIORITY = Int("wlan.qos.priority", "Priority", names=PRIORITIES,
                   explain="The user priority (0-7) and its access category.")  # fmt: skip
QOS_BIT4 = Flag("wlan.qos.bit4", "QoS bit 4", 0x10, 2, explain="What bits 8-15 mean.")
QOS_ACK = Int("wlan.qos.ack", "Ack Policy", base=HEX, explain="Whether the receiver acknowledges.")
QOS_AMSDU = Flag("wlan.qos.amsdupresent", "Payload Type", 0x80, 2,
                 explain="Set: the body is an A-MSDU (several MSDUs).")  # fmt: skip
QOS_TXOP = Int("wlan.qos.txop_dur_req", "TXOP Duration Requested",
               explain="Transmit opportunity the station asks for (32 µs units).")  # fmt: skip
QOS_EOSP = Flag("wlan.qos.eosp", "EOSP", 0x10, 2, explain="Set: the AP ends the service period.")
QOS_PS_BUF = Int("wlan.qos.ps_buf_state", "QAP PS Buffer State", base=HEX,
                 explain="What the AP holds buffered for stations in power-save mode.")  # fmt: skip
QOS_BUF_SHOWN = Flag("wlan.qos.buf_state_indicated", "Buffer State Indicated", 0x200, 2,
                     explain="Set: the buffer state fields are valid.")  # fmt: skip
QOS_QUEUE = Int("wlan.qos.queue_size", "Queue Size", explain="Bytes the station has queued "
                "for this traffic class (256-byte units).")  # fmt: skip
FCS = Int("wlan.fcs", "Frame check sequence", base=HEX,
          explain="A CRC-32 over the frame, to detect corruption on the air.")  # fmt: skip
FCS_STATUS = Int("wlan.fcs.status", "FCS Status", generated=True,
                 names={0: "Bad", 1: "Good", 2: "Unverified"},
                 explain="Not checked, as Wireshark's default (wlan.check_fcs off).")  # fmt: skip
alias("wlan.addr", "wlan.ra", "wlan.ta", "wlan.da", "wlan.sa", "wlan.bssid")


def _le(data: Any, p: int, n: int) -> int:
    return int.from_bytes(bytes(data[p : p + n]), "little")


def _header_len(kind: int, flags: int) -> int:
    """The MAC header's length by type, subtype and flags (no HT control, no mesh)."""
    if kind >> 4 == CONTROL:
        return 16 if kind in WITH_TA else 10
    if kind >> 4 != DATA_FRAME:
        return 24
    n = 30 if flags & 0x03 == 0x03 else 24
    if kind & 0x08:  # QoS
        n += 2 + (4 if flags & 0x80 else 0)
    return n


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    # The frame's FCS, past the layer's bytes (the layer below said so, and ended there)
    fcs = end if layer.packet.ctx.fcs_len == 4 and end + 4 <= len(data) else -1
    if end - pos < 2:
        layer.short(2, "802.11 frame control")
        return
    b0, flags = data[pos], data[pos + 1]
    kind = ((b0 & 0x0C) << 2) | (b0 >> 4)
    n = _header_len(kind, flags)
    if pos + n > end:
        layer.short(n, f"802.11 {SUBTYPES.get(kind, 'frame')} header")
        n = end - pos
    layer.state = WlanState(kind, flags, pos + n, fcs)
    layer.hdr_len = n
    layer.payload_pos = pos + n
    plain_data = kind >> 4 == DATA_FRAME and not kind & 0x04 and not flags & 0x40
    llc = lookup("eth.llc", 0) if plain_data else None
    layer.next = llc if llc is not None else DATA


def _detail(data: Any, layer: Layer) -> None:
    s = layer.state
    if s is None:
        return
    pos = layer.pos
    b0, flags = data[pos], data[pos + 1]
    layer.add(TYPE_SUBTYPE, pos, 1, s.kind)
    fc = layer.add(FC, pos, 2, (b0 << 8) | flags)
    for spec, value in ((VERSION, b0 & 0x03), (TYPE, (b0 & 0x0C) >> 2), (SUBTYPE, b0 >> 4)):
        layer.add(spec, pos, 1, value, spec.mask, fc)
    node = layer.add(FLAGS, pos + 1, 1, flags, 0, fc)
    for spec in FLAG_SPECS:
        value = bool(flags & spec.mask) if spec.kind == "flag" else flags & spec.mask
        layer.add(spec, pos + 1, 1, value, spec.mask, node)
    if s.hdr_end - pos >= 4:
        layer.add(DURATION, pos + 2, 2, _le(data, pos + 2, 2) & 0x7FFF, 0x7FFF)
    _addresses(data, layer, s)
    if s.fcs >= 0:
        layer.add(FCS, s.fcs, 4, _le(data, s.fcs, 4))
        layer.add(FCS_STATUS, s.fcs, 0, 2)
    _qos(data, layer, s)


def _roles(kind: int, flags: int) -> list[tuple[int, tuple[str, ...]]]:
    """(address slot, the roles it holds) in Wireshark's order of the tree."""
    if kind >> 4 == CONTROL:
        return [(0, ("ra",))] + ([(1, ("ta",))] if kind in WITH_TA else [])
    if kind >> 4 == MGMT:
        return [(0, ("ra", "da")), (1, ("ta", "sa")), (2, ("bssid",))]
    return {  # data frames, by To DS / From DS
        0: [(0, ("ra", "da")), (1, ("ta", "sa")), (2, ("bssid",))],
        1: [(0, ("ra", "bssid")), (1, ("ta", "sa", "staa")), (2, ("da",))],
        2: [(0, ("ra", "da", "staa")), (1, ("ta", "bssid")), (2, ("sa",))],
        3: [(0, ("ra",)), (1, ("ta",)), (2, ("da",)), (3, ("sa",))],
    }[flags & 0x03]


def _addresses(data: Any, layer: Layer, s: WlanState) -> None:
    pos = layer.pos
    for slot, roles in _roles(s.kind, s.flags):
        at = pos + 4 + 6 * slot + (2 if slot == 3 else 0)  # the 4th comes after sequence control
        if at + 6 > s.hdr_end:
            return
        for role in roles:
            layer.add(ROLES[role], at, 6, mac_str(bytes(data[at : at + 6])))
        if slot == 2 and at + 8 <= s.hdr_end:
            seq = _le(data, at + 6, 2)
            layer.add(FRAG, at + 6, 2, seq & 0x000F, 0x000F)
            layer.add(SEQ, at + 6, 2, seq >> 4, 0xFFF0)


def _qos(data: Any, layer: Layer, s: WlanState) -> None:
    if s.kind >> 4 != DATA_FRAME or not s.kind & 0x08:
        return
    at = layer.pos + (30 if s.flags & 0x03 == 0x03 else 24)
    if at + 2 > s.hdr_end:
        return
    v = _le(data, at, 2)
    node: Field = layer.add(QOS, at, 2, v)
    from_ap = s.flags & 0x03 == 0x02  # From DS alone: an AP's frame, whose bits mean other things
    if from_ap:
        bit4, high = (QOS_EOSP, bool(v & 0x10)), QOS_PS_BUF
    else:
        bit4, high = (QOS_BIT4, bool(v & 0x10)), QOS_QUEUE if v & 0x10 else QOS_TXOP
    for spec, value, mask in ((QOS_TID, v & 0x0F, 0x000F), (QOS_PRIORITY, v & 0x07, 0x0007),
                              (bit4[0], bit4[1], 0x0010), (QOS_ACK, (v >> 5) & 3, 0x0060),
                              (QOS_AMSDU, bool(v & 0x80), 0x0080)):  # fmt: skip
        layer.add(spec, at, 2, value, mask, node)
    top = layer.add(high, at, 2, v & 0xFF00 if from_ap else v >> 8, 0xFF00, node)
    if from_ap:
        layer.add(QOS_BUF_SHOWN, at, 2, bool(v & 0x200), 0x200, top)


WLAN.tail = _tail
WLAN.detail = _detail

bind_linktype(LINKTYPE_IEEE802_11, WLAN)
