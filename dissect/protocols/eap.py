"""Extensible Authentication Protocol (RFC 3748; MD5-Challenge 4, Nak 3, Identity 1).

Four bytes (code, identifier, length), then for requests and responses a method type and
its data. EAP rides in 802.1X (eapol.py), PPP and RADIUS; the methods themselves (TLS,
PEAP...) are shown as data here.
"""

from __future__ import annotations

from typing import Any

from ..protocol import DATA, U8, U16, Bytes, Layer, Osi, Protocol, Text, uint_at

CODES = {1: "Request", 2: "Response", 3: "Success", 4: "Failure", 5: "Initiate", 6: "Finish"}
METHODS = {
    1: "Identity", 2: "Notification", 3: "Legacy Nak (Response Only)",
    4: "MD5-Challenge EAP (EAP-MD5-CHALLENGE)", 5: "One-Time Password EAP (EAP-OTP)",
    6: "Generic Token Card EAP (EAP-GTC)", 13: "TLS EAP (EAP-TLS)",
    17: "Cisco Wireless EAP / Lightweight EAP (EAP-LEAP)", 18: "EAP for GSM Subscriber Identity Modules (EAP-SIM)",
    21: "Tunneled TLS EAP (EAP-TTLS)", 23: "EAP for UMTS Authentication and Key Agreement (EAP-AKA)",
    25: "Protected EAP (EAP-PEAP)", 26: "MS-EAP-Authentication (EAP-MS-AUTH)",
    43: "Flexible Authentication via Secure Tunneling EAP (EAP-FAST)",
    50: "EAP-AKA Prime (EAP-AKA')", 52: "EAP Password (EAP-PWD)", 254: "Expanded Type",
    255: "Experimental type",
}  # fmt: skip

EAP = Protocol(
    "eap", "Extensible Authentication Protocol", osi=Osi.DATA_LINK, short="EAP",
    header=(
        U8("eap.code", "Code", names=CODES,
           explain="Request (from the authenticator), Response (from the peer), or the "
           "outcome: Success or Failure."),
        U8("eap.id", "Id", explain="Matches a response to its request."),
        U16("eap.len", "Length", explain="Bytes of the EAP packet, this header included."),
    ),
    colour="#d7afd7",
    explain="EAP is a framework for authentication methods (passwords, certificates, SIM "
    "cards): the authenticator asks, the peer answers, until the server says success or "
    "failure.",
)  # fmt: skip

TYPE = U8("eap.type", "Type", names=METHODS, explain="The authentication method of this step.")
IDENTITY = Text("eap.identity", "Identity", explain="The name the peer gives (a user or realm).")
NOTIFICATION = Text("eap.notification", "Notification", explain="A message to show the user.")
DESIRED = U8("eap.desired_type", "Desired Auth Type", names=METHODS,
             explain="The method the peer would rather use.")  # fmt: skip
MD5_SIZE = U8("eap.md5.value_size", "EAP-MD5 Value-Size", explain="Bytes of the MD5 value.")
MD5_VALUE = Bytes("eap.md5.value", "EAP-MD5 Value",
                  explain="The challenge, or the response's MD5 hash of it and the password.")  # fmt: skip
MD5_EXTRA = Bytes("eap.md5.extra_data", "EAP-MD5 Extra Data", explain="The name after the value.")
METHOD_DATA = Bytes("eap.data", "EAP Data", explain="The method's data, not decoded here.")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    code, length = data[pos], uint_at(data, pos + 2, 2)
    stop = pos + length
    if length < 4 or stop > end:
        layer.issue("warn" if length >= 4 else "error", "malformed", "eap.len.bad",
                    f"Bad length {length} (too small or too large)", pos + 2, 2)  # fmt: skip
        stop = max(pos + 4, min(stop, end))
        if pos + length > end and length >= 4:
            layer.short(length, "EAP packet")
    if code in (1, 2) and stop > pos + 4:
        if pos + length > end:  # as Wireshark: the method type, then the packet stops
            layer.add(TYPE, pos + 4, 1, data[pos + 4])
        else:
            _method(data, layer, data[pos + 4], pos + 5, stop)
    layer.hdr_len, layer.payload_pos, layer.next = stop - pos, stop, DATA


def _method(data: Any, layer: Layer, kind: int, i: int, stop: int) -> None:
    layer.add(TYPE, i - 1, 1, kind)
    if kind in (1, 2) and stop > i:
        text = bytes(data[i:stop]).decode("utf-8", "replace")
        layer.add(IDENTITY if kind == 1 else NOTIFICATION, i, stop - i, text)
    elif kind == 3:
        for k in range(i, stop):
            layer.add(DESIRED, k, 1, data[k])
    elif kind == 4 and stop > i:
        size = data[i]
        layer.add(MD5_SIZE, i, 1, size)
        v = min(i + 1 + size, stop)
        layer.add(MD5_VALUE, i + 1, v - i - 1, bytes(data[i + 1 : v]))
        if stop > v:
            layer.add(MD5_EXTRA, v, stop - v, bytes(data[v:stop]))
    elif stop > i:
        layer.add(METHOD_DATA, i, stop - i, bytes(data[i:stop]))


def _info(layer: Layer) -> str:
    data, pos, end = layer.packet.data, layer.pos, layer.payload_end
    code = data[pos]
    text = CODES.get(code, f"Unknown code ({code})")
    if code in (1, 2) and pos + 4 < end and pos + 4 < pos + uint_at(data, pos + 2, 2):
        text += f", {METHODS.get(data[pos + 4], f'Unknown type ({data[pos + 4]})')}"
    return text


EAP.tail = _tail
EAP.info = _info
