"""802.1X EAP over LAN (IEEE 802.1X-2020 clause 11; the RSN key descriptor of IEEE 802.11).

Four bytes: version, packet type and body length. The body is an EAP packet (eap.py), a
key descriptor (the WPA/WPA2 four-way handshake), or nothing (Start, Logoff).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import true_false
from ..protocol import (
    DATA,
    HEX,
    PROTOCOLS,
    U8,
    U16,
    U64,
    Bits,
    Bytes,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    bind,
    uint_at,
)

VERSIONS = {1: "802.1X-2001", 2: "802.1X-2004", 3: "802.1X-2010"}
TYPES = {0: "EAP Packet", 1: "Start", 2: "Logoff", 3: "Key", 4: "Encapsulated ASF Alert",
         5: "MKA", 6: "Announcement (Generic)", 7: "Announcement (Specific)",
         8: "Announcement Request"}  # fmt: skip
KEY_DESCRIPTORS = {1: "RC4 Descriptor", 2: "EAPOL RSN Key", 254: "EAPOL WPA Key"}
SET = true_false("Set", "Not set")
KEY_LEN = 95  # an RSN/WPA key descriptor up to its key data length


@dataclass(slots=True)
class EapolState:
    """The Info column, made once by the tail (the handshake message number for keys)."""

    info: str


EAPOL = Protocol(
    "eapol", "802.1X Authentication", osi=Osi.DATA_LINK, short="EAPOL",
    header=(
        U8("eapol.version", "Version", names=VERSIONS, explain="The 802.1X version of the sender."),
        U8("eapol.type", "Type", names=TYPES,
           explain="What the body is: an EAP packet, Start or Logoff (no body), or a key."),
        U16("eapol.len", "Length", explain="Bytes of the body after this header."),
    ),
    state=EapolState,
    colour="#d7afd7",
    explain="802.1X keeps a network port closed until the device on it authenticates (EAP "
    "to an authentication server); on Wi-Fi it also carries the keys' four-way handshake.",
)  # fmt: skip

KEYDES_TYPE = U8("eapol.keydes.type", "Key Descriptor Type", names=KEY_DESCRIPTORS,
                 explain="The format of the key message (RSN: WPA2/WPA3).")  # fmt: skip
MSGNR = Int("wlan_rsna_eapol.keydes.msgnr", "Message number", generated=True,
            explain="Which message of the four-way handshake this is (worked out from the "
            "key information bits).")  # fmt: skip
KEY_INFO_BITS = (
    Bits("wlan_rsna_eapol.keydes.key_info.keydes_version", "Key Descriptor Version", 2,
         mask=0x0007, names={1: "RC4 Cipher, HMAC-MD5 MIC", 2: "AES Cipher, HMAC-SHA1 MIC",
                             3: "AES Cipher, AES-128-CMAC MIC", 0: "AKM Defined"},
         explain="Which cipher and integrity check protect the key."),
    Flag("wlan_rsna_eapol.keydes.key_info.key_type", "Key Type", 0x0008, 2,
         text=true_false("Pairwise Key", "Group Key"),
         explain="A key for this station alone, or for the group."),
    Bits("wlan_rsna_eapol.keydes.key_info.key_index", "Key Index", 2, mask=0x0030,
         explain="The group key's index (0 for pairwise keys)."),
    Flag("wlan_rsna_eapol.keydes.key_info.install", "Install", 0x0040, 2, text=SET,
         explain="The station should install the key."),
    Flag("wlan_rsna_eapol.keydes.key_info.key_ack", "Key ACK", 0x0080, 2, text=SET,
         explain="The sender expects an answer."),
    Flag("wlan_rsna_eapol.keydes.key_info.key_mic", "Key MIC", 0x0100, 2, text=SET,
         explain="The message carries an integrity code."),
    Flag("wlan_rsna_eapol.keydes.key_info.secure", "Secure", 0x0200, 2, text=SET,
         explain="The keys are installed."),
    Flag("wlan_rsna_eapol.keydes.key_info.error", "Error", 0x0400, 2, text=SET,
         explain="A integrity failure was seen."),
    Flag("wlan_rsna_eapol.keydes.key_info.request", "Request", 0x0800, 2, text=SET,
         explain="The station asks for a handshake."),
    Flag("wlan_rsna_eapol.keydes.key_info.encrypted_key_data", "Encrypted Key Data", 0x1000, 2,
         text=SET, explain="The key data is encrypted."),
    Flag("wlan_rsna_eapol.keydes.key_info.smk_message", "SMK Message", 0x2000, 2, text=SET,
         explain="A station-to-station key message."),
)  # fmt: skip
KEY_INFO = U16("wlan_rsna_eapol.keydes.key_info", "Key Information", base=HEX,
               explain="The key message's flags: which of the four-way handshake it is.")  # fmt: skip
KEY_FIELDS = (  # (spec, offset in the descriptor, size, as an integer?)
    (U16("eapol.keydes.key_len", "Key Length", explain="Bytes of the pairwise key's cipher key."), 3, 2, True),
    (U64("eapol.keydes.replay_counter", "Replay Counter",
         explain="Grows with every message, so old ones cannot be replayed."), 5, 8, True),
    (Bytes("wlan_rsna_eapol.keydes.nonce", "WPA Key Nonce",
           explain="The sender's random nonce; both nonces go into the session key."), 13, 32, False),
    (Bytes("eapol.keydes.key_iv", "Key IV", explain="Initialisation vector for the key data."), 45, 16, False),
    (Bytes("wlan_rsna_eapol.keydes.rsc", "WPA Key RSC",
           explain="The group key's receive sequence counter."), 61, 8, False),
    (Bytes("wlan_rsna_eapol.keydes.id", "WPA Key ID", explain="Reserved."), 69, 8, False),
    (Bytes("wlan_rsna_eapol.keydes.mic", "WPA Key MIC",
           explain="The message integrity code over the message."), 77, 16, False),
    (U16("wlan_rsna_eapol.keydes.data_len", "WPA Key Data Length",
         explain="Bytes of key data that follow."), 93, 2, True),
)  # fmt: skip
KEY_DATA = Bytes("wlan_rsna_eapol.keydes.data", "WPA Key Data",
                 explain="The key data: information elements, the encrypted group key.")  # fmt: skip
KEYDES_BODY = Bytes("eapol.keydes.body", "Key Descriptor Body",
                    explain="The body of a key descriptor not decoded here.")  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    etype, length = data[pos + 1], uint_at(data, pos + 2, 2)
    stop = pos + 4 + length
    if stop > end:
        layer.short(4 + length, "802.1X body")
        stop = end
    layer.payload_end = max(stop, pos + 4)  # Ethernet padding after the body stays Ethernet's
    info = TYPES.get(etype, f"Unknown Type (0x{etype:02X})")
    if etype == 0 and stop > pos + 4:
        layer.next = PROTOCOLS.get("eap") or DATA
        layer.hdr_len, layer.payload_pos = 4, pos + 4
    else:
        if etype == 3 and stop > pos + 4:
            info = _key(data, layer, pos + 4, stop)
        layer.hdr_len, layer.payload_pos, layer.next = stop - pos, stop, DATA
    layer.state = EapolState(info)


def _message_number(info: int) -> int:
    """The four-way handshake message, from the key information bits (as Wireshark)."""
    if info & 0x0008 == 0:
        return 1 if info & 0x0080 else 2  # group key handshake
    if info & 0x0080:
        return 3 if info & 0x0040 else 1
    return 4 if info & 0x0200 else 2


def _key(data: Any, layer: Layer, i: int, stop: int) -> str:
    kind = data[i]
    layer.add(KEYDES_TYPE, i, 1, kind)
    if kind not in (2, 254) or i + KEY_LEN > stop:
        if stop > i + 1:
            layer.add(KEYDES_BODY, i + 1, stop - i - 1, bytes(data[i + 1 : stop]))
        return "Key"
    info = uint_at(data, i + 1, 2)
    number = _message_number(info)
    layer.add(MSGNR, i, 0, number)
    f = layer.add(KEY_INFO, i + 1, 2, info)
    for spec in KEY_INFO_BITS:
        value = bool(info & spec.mask) if spec.kind == "flag" else (info & spec.mask) >> (
            4 if spec.mask == 0x30 else 0)  # fmt: skip
        layer.add(spec, i + 1, 2, value, mask=spec.mask, parent=f)
    for spec, off, size, number_like in KEY_FIELDS:
        raw = bytes(data[i + off : i + off + size])
        layer.add(spec, i + off, size, int.from_bytes(raw, "big") if number_like else raw)
    n = uint_at(data, i + 93, 2)
    if n and i + KEY_LEN < stop:
        k = min(i + KEY_LEN + n, stop)
        layer.add(KEY_DATA, i + KEY_LEN, k - i - KEY_LEN, bytes(data[i + KEY_LEN : k]))
    return f"Key (Message {number} of 4)"


def _info(layer: Layer) -> str:
    state = layer.state
    return state.info if state is not None else ""


EAPOL.tail = _tail
EAPOL.info = _info

bind("ethertype", 0x888E, EAPOL)
