"""Layer Two Tunneling Protocol version 2 (RFC 2661) on UDP port 1701.

A 2-byte flags-and-version word says which optional fields follow: length (L), Ns and Nr
(S), an offset size and its padding (O); tunnel and session IDs always. A data message
(type bit clear) carries a PPP frame, decoded by ppp.py (its HDLC address and control bytes
are optional there); a control message carries AVPs: each a flags-and-length word, a
vendor ID, a type and a value. The first AVP (type 0) names the message (Hello, SCCRQ...);
the other AVPs' values are not split. A control message without AVPs is a ZLB
acknowledgement. L2TPv3 (version 3) is not decoded: the port's other decoders, or data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import DATA, HEX, PROTOCOLS, U16, Bytes, Flag, Int, Layer, Osi, Protocol, Str, bind

L2TP_PORT = 1701
MAX_AVPS = 256  # AVPs read per message (each takes at least 6 bytes anyway)
MESSAGE_TYPES = {0: "Illegal", 1: "Start_Control_Request", 2: "Start_Control_Reply", 3: "Start_Control_Connected", 4: "Stop_Control_Notification", 5: "Reserved", 6: "Hello", 7: "Outgoing_Call_Request", 8: "Outgoing_Call_Reply", 9: "Outgoing_Call_Connected", 10: "Incoming_Call_Request", 11: "Incoming_Call_Reply", 12: "Incoming_Call_Connected", 13: "Reserved", 14: "Call_Disconnect_Notification", 15: "WAN_Error_Notify", 16: "Set_Link_Info", 17: "Modem_Status", 18: "Service_Relay_Request_Msg", 19: "Service_Relay_Reply_Message", 20: "Explicit_Acknowledgement"}  # fmt: skip
# The Info column's short names, as Wireshark's.
SHORT_TYPES = ("Illegal", "SCCRQ", "SCCRP", "SCCCN", "StopCCN", "Reserved", "Hello", "OCRQ", "OCRP",
               "OCCN", "ICRQ", "ICRP", "ICCN", "Reserved", "CDN", "WEN", "SLI", "MDMST", "SRRQ",
               "SRRP", "ACK")  # fmt: skip


@dataclass(slots=True)
class L2tpState:
    """What tail() read: the message kind, IDs and where its parts are, for Info/detail."""

    control: bool
    tunnel: int
    session: int
    avps: int  # where the AVPs start (-1: a data message)
    message: int  # the first AVP's message type (-1: none, a ZLB)


FLAG_BITS = (
    Int("l2tp.type", "Type", names={0: "Data Message", 1: "Control Message"},
        explain="1: a control message (AVPs), 0: a data message (a PPP frame)."),
    Flag("l2tp.length_bit", "Length Bit", 0x4000, 2, explain="A length field follows."),
    Flag("l2tp.seq_bit", "Sequence Bit", 0x0800, 2, explain="Ns and Nr fields follow."),
    Flag("l2tp.offset_bit", "Offset bit", 0x0200, 2,
         explain="An offset size field follows (and padding of that size)."),
    Flag("l2tp.priority", "Priority", 0x0100, 2,
         explain="This data message should go before others (e.g. keepalives)."),
    Int("l2tp.version", "Version", explain="The L2TP version: 2 (RFC 2661)."),
)  # fmt: skip
MASKS = (0x8000, 0x4000, 0x0800, 0x0200, 0x0100, 0x000F)
FLAGS = U16(
    "l2tp.flags", "Flags", base=HEX, explain="Which optional fields follow, and the version."
)
LENGTH = U16("l2tp.length", "Length", explain="Bytes of the message, this header included.")
TUNNEL = U16("l2tp.tunnel", "Tunnel ID", explain="The tunnel, as the receiver numbered it.")
SESSION = U16(
    "l2tp.session", "Session ID", explain="The session (call) in the tunnel; 0: the tunnel itself."
)
NS = U16("l2tp.Ns", "Ns", explain="This message's sequence number.")
NR = U16("l2tp.Nr", "Nr", explain="The next sequence number the sender expects.")
OFFSET = U16("l2tp.offset", "Offset", explain="Bytes of padding before the payload starts.")
PADDING = Bytes("l2tp.offset_padding", "Offset Padding", explain="Padding before the payload.")
ZLB = Str("l2tp.zero_length_body_message", "Zero Length Body message",
          explain="A control message without AVPs: it only acknowledges what was received.")  # fmt: skip
AVP = Str("l2tp.avp", "", explain="One attribute-value pair of the control message.")
AVP_BITS = (
    Flag("l2tp.avp.mandatory", "Mandatory", 0x8000, 2,
         explain="The receiver must understand this AVP or end the session."),
    Flag("l2tp.avp.hidden", "Hidden", 0x4000, 2, explain="The value is encrypted (hidden)."),
    Int("l2tp.avp.length", "Length", explain="Bytes of the AVP, its 6-byte header included."),
)  # fmt: skip
VENDOR = U16("l2tp.avp.vendor_id", "Vendor ID", names={0: "Reserved"},
             explain="0: an IETF AVP; else the vendor's IANA enterprise number.")  # fmt: skip
AVP_TYPE = U16("l2tp.avp.type", "AVP Type", names={0: "Control Message"},
               explain="Which attribute this is (0: the message type).")  # fmt: skip
MESSAGE_TYPE = U16("l2tp.avp.message_type", "Message Type", names=MESSAGE_TYPES,
                   explain="What the control message is: Hello, SCCRQ (start a tunnel), ICRQ "
                   "(an incoming call), CDN (a call ends)...")  # fmt: skip


def _u16(data: Any, p: int) -> int:
    return (data[p] << 8) | data[p + 1]


def _header_end(data: Any, pos: int, flags: int) -> int:
    """Where the header ends (before any offset padding)."""
    return pos + 6 + (2 if flags & 0x4000 else 0) + (4 if flags & 0x0800 else 0) + (
        2 if flags & 0x0200 else 0)  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    flags = _u16(data, pos) if end - pos >= 2 else 0
    if end - pos < 2 or flags & 0x000F != 2:
        layer.decline()  # L2TPv3 or not L2TP: the port's others, or data
        return
    hdr = _header_end(data, pos, flags)
    if hdr > end:
        layer.short(hdr - pos, "L2TP header")
        layer.hdr_len, layer.payload_pos = end - pos, end
        return
    at = pos + 2 + (2 if flags & 0x4000 else 0)
    tunnel, session = _u16(data, at), _u16(data, at + 2)
    control = bool(flags & 0x8000)
    start = hdr + (_u16(data, hdr - 2) if flags & 0x0200 else 0)
    stop = min(end, pos + _u16(data, pos + 2)) if flags & 0x4000 else end
    start = min(start, stop)
    message = (
        _u16(data, start + 6)
        if control and stop - start >= 8 and _u16(data, start + 4) == 0
        else -1
    )
    layer.state = L2tpState(control, tunnel, session, start if control else -1, message)
    if control:
        layer.hdr_len, layer.payload_pos = stop - pos, stop
        return
    layer.hdr_len, layer.payload_pos = start - pos, start
    layer.next = PROTOCOLS.get("ppp") or DATA


def _detail(data: Any, layer: Layer) -> None:
    pos, st = layer.pos, layer.state
    if st is None:
        return
    flags = _u16(data, pos)
    node = layer.add(FLAGS, pos, 2, flags)
    for spec, mask in zip(FLAG_BITS, MASKS, strict=True):
        value = (flags & mask) >> ((mask & -mask).bit_length() - 1)
        layer.add(spec, pos, 2, bool(value) if spec.kind == "flag" else value, mask, node)
    p = pos + 2
    for spec, bit in ((LENGTH, 0x4000), (TUNNEL, 0), (SESSION, 0), (NS, 0x0800), (NR, 0x0800),
                      (OFFSET, 0x0200)):  # fmt: skip
        if not bit or flags & bit:
            layer.add(spec, p, 2, _u16(data, p))
            p += 2
    start = st.avps if st.control else layer.payload_pos
    if start > p:
        layer.add(PADDING, p, start - p, bytes(data[p:start]))
    if st.control and st.avps >= layer.payload_pos:
        layer.add(ZLB, st.avps, 0, "")  # no AVPs: an acknowledgement only
    elif st.control:
        _avps(data, layer, st.avps, layer.payload_pos)


def _avps(data: Any, layer: Layer, p: int, end: int) -> None:
    for _i in range(MAX_AVPS):
        if p + 6 > end:
            return
        word = _u16(data, p)
        length = word & 0x03FF
        if length < 6 or p + length > end:
            return
        node = layer.add(AVP, p, length, "Control Message AVP" if _u16(data, p + 4) == 0 else "AVP")
        for spec, mask in zip(AVP_BITS, (0x8000, 0x4000, 0x03FF), strict=True):
            value = word & mask
            layer.add(spec, p, 2, bool(value) if spec.kind == "flag" else value, mask, node)
        layer.add(VENDOR, p + 2, 2, _u16(data, p + 2), 0, node)
        kind = _u16(data, p + 4)
        layer.add(AVP_TYPE, p + 4, 2, kind, 0, node)
        if kind == 0 and length >= 8 and _u16(data, p + 2) == 0:
            layer.add(MESSAGE_TYPE, p + 6, 2, _u16(data, p + 6), 0, node)
        p += length


def _info(layer: Layer) -> str:
    st = layer.state
    if st is None:
        return ""
    ids = f"(tunnel id={st.tunnel}, session id={st.session})"
    if not st.control:
        return f"Data Message {ids}"
    name = SHORT_TYPES[st.message] if 0 <= st.message < len(SHORT_TYPES) else "ZLB     "
    if st.message >= len(SHORT_TYPES):
        name = "Unknown"
    return f"Control Message - {name} {ids}"


# OSI 2, as VXLAN: it carries link-layer frames (PPP), so the filters' planning must not
# take it for an application after UDP.
L2TP = Protocol(
    "l2tp", "Layer 2 Tunneling Protocol", osi=Osi.DATA_LINK, short="L2TP", tail=_tail,
    detail=_detail, info=_info, state=L2tpState, colour="#afaf87",
    explain="L2TP tunnels PPP sessions over UDP: an ISP's access network carries each "
    "subscriber's PPP link to the provider's server this way.",
)  # fmt: skip

bind("udp.port", L2TP_PORT, L2TP)
