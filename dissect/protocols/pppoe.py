"""PPP over Ethernet (RFC 2516): discovery (EtherType 0x8863) and session (0x8864).

Both start with six bytes: version and type (1 and 1), a code, the session ID and the
length of what follows. Discovery packets (PADI, PADO, PADR, PADS, PADT) carry tags; a
session packet carries one PPP frame, which ppp.py decodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bytes,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    lookup,
    uint_at,
)

CODES = {
    0x00: "Session Data", 0x07: "Active Discovery Offer (PADO)",
    0x09: "Active Discovery Initiation (PADI)", 0x19: "Active Discovery Request (PADR)",
    0x65: "Active Discovery Session-confirmation (PADS)", 0xA7: "Active Discovery Terminate (PADT)",
}  # fmt: skip
MAX_TAGS = 256


@dataclass(slots=True)
class PppoedState:
    """The Info column, made once by the discovery tail (it names the AC when there is one)."""

    info: str


def _header(kind: str) -> tuple[Any, ...]:
    """The six header bytes; discovery and session share the field names (Wireshark's)."""
    if kind == "d":
        return (
            Bits("pppoe.version", "Version", mask=0xF0, explain="PPPoE version: 1."),
            Bits("pppoe.type", "Type", mask=0x0F, at=0, explain="PPPoE type: 1."),
            U8("pppoe.code", "Code", base=HEX, names=CODES,
               explain="Which discovery step this is: the client's PADI and PADR, the access "
               "concentrator's PADO and PADS, PADT to end the session; 0 in session data."),
            U16("pppoe.session_id", "Session ID", base=HEX,
                explain="The session this packet belongs to (0 before one is set up)."),
            U16("pppoe.payload_length", "Payload Length",
                explain="Bytes after this header: tags, or the PPP frame."),
        )  # fmt: skip
    return tuple(PPPOED.header)


PPPOED = Protocol(
    "pppoed", "PPP-over-Ethernet Discovery", osi=Osi.DATA_LINK, short="PPPoED",
    header=_header("d"),
    state=PppoedState,
    colour="#afafd7",
    explain="PPPoE discovery: a client finds an access concentrator (the provider's end) and "
    "gets a session ID for the PPP link that then runs over Ethernet.",
)  # fmt: skip
PPPOES = Protocol(
    "pppoes", "PPP-over-Ethernet Session", osi=Osi.DATA_LINK, short="PPPoES",
    header=_header("s"),
    colour="#afafd7",
    explain="A PPPoE session packet: one PPP frame of an established session, carried in "
    "Ethernet (DSL and fibre access links).",
)  # fmt: skip

TAGS = Str("pppoed.tags", "PPPoE Tags", explain="The discovery packet's tags.")
TAG_SPECS = {
    0x0101: Text("pppoed.tags.service_name", "Service-Name",
                 explain="The service asked for or offered (empty: any)."),
    0x0102: Text("pppoed.tags.ac_name", "AC-Name", explain="The access concentrator's name."),
    0x0103: Bytes("pppoed.tags.host_uniq", "Host-Uniq",
                  explain="A value the client chooses to match replies to its requests."),
    0x0104: Bytes("pppoed.tags.ac_cookie", "AC-Cookie",
                  explain="A value the concentrator uses against denial of service."),
    0x0105: U32("pppoed.tags.vendor_id", "Vendor id", explain="The vendor of a vendor tag."),
    0x0110: Bytes("pppoed.tags.relay_session_id", "Relay-Session-Id",
                  explain="Added by a relay to find the session's way back."),
    0x0120: Bytes("pppoed.tags.max_payload", "PPP-Max-Payload",
                  explain="The largest PPP payload the client can take (RFC 4638)."),
    0x0201: Text("pppoed.tags.service_name_error", "Service-Name-Error",
                 explain="The service asked for cannot be given."),
    0x0202: Text("pppoed.tags.ac_system_error", "AC-System-Error",
                 explain="The concentrator had an error."),
    0x0203: Text("pppoed.tags.generic_error", "Generic-Error", explain="An error, in words."),
}  # fmt: skip
UNKNOWN_TAG = Bytes("pppoed.tag.unknown_data", "Unknown Data", explain="A tag not decoded here.")


def _bounded(data: Any, layer: Layer) -> int:
    """Where the payload ends: the length field, or the bytes there if fewer (marked);
    Ethernet padding after it stays the link layer's."""
    pos, end = layer.pos, layer.payload_end
    length = uint_at(data, pos + 4, 2)
    if pos + 6 + length > end:
        layer.short(6 + length, f"{layer.protocol.title} payload")
        return end
    layer.payload_end = pos + 6 + length
    return pos + 6 + length


def _discovery_tail(data: Any, layer: Layer) -> None:
    pos = layer.pos
    stop = _bounded(data, layer)
    info = CODES.get(data[pos + 1], f"Unknown (0x{data[pos + 1]:02x})")
    i = pos + 6
    if stop > i:
        tags = layer.add(TAGS, i, stop - i, "")
        for _ in range(MAX_TAGS):
            if i + 4 > stop:
                break
            tag, length = uint_at(data, i, 2), uint_at(data, i + 2, 2)
            if tag == 0:  # End-Of-List
                break
            if i + 4 + length > stop:
                layer.issue("error", "malformed", "pppoed.tag_length.invalid",
                            f"Tag 0x{tag:04x} of {length} bytes runs past the payload", i + 2, 2)  # fmt: skip
                break
            value = bytes(data[i + 4 : i + 4 + length])
            if not length:  # Wireshark shows no empty tag (an empty Service-Name: any)
                i += 4
                continue
            spec = TAG_SPECS.get(tag, UNKNOWN_TAG)
            if spec.kind == "text":
                text = value.decode("utf-8", "replace")
                layer.add(spec, i + 4, length, text, parent=tags)
                if tag == 0x0102:
                    info += f" AC-Name='{text}'"
            elif spec.kind == "uint" and length >= 4:
                layer.add(spec, i + 4, 4, uint_at(data, i + 4, 4), parent=tags)
            elif length or spec.kind == "bytes":
                layer.add(spec if spec.kind == "bytes" else UNKNOWN_TAG, i + 4, length, value,
                          parent=tags)  # fmt: skip
            i += 4 + length
    layer.state = PppoedState(info)
    layer.hdr_len, layer.payload_pos, layer.next = stop - pos, stop, DATA


def _session_tail(data: Any, layer: Layer) -> None:
    stop = _bounded(data, layer)
    layer.payload_end = stop
    layer.next = lookup("ppp.hdlc", 0) or DATA


def _discovery_info(layer: Layer) -> str:
    state = layer.state
    return state.info if state is not None else ""


PPPOED.tail = _discovery_tail
PPPOED.info = _discovery_info
PPPOES.tail = _session_tail

bind("ethertype", 0x8863, PPPOED)
bind("ethertype", 0x8864, PPPOES)
