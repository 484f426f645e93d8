"""QUIC (RFC 9000 packets and frames, RFC 9001 Initial protection, RFC 8999 invariants,
RFC 9369 QUIC version 2).

One "quic" layer per QUIC packet: a datagram holding several (coalesced, RFC 9000 section
12.2) gets one layer each, as Wireshark shows one "QUIC IETF" tree each; bytes after the
last long-header packet that are no packet are "coalesced padding data".

Initial packets are protected with keys anyone can derive from the client's first
Destination Connection ID (RFC 9001 section 5.2): a client's first Initial is decrypted with
its own DCID (HKDF, AES-ECB header protection, AES-128-GCM, with the `cryptography`
package), its header protection removed and its packet number decoded, so the CRYPTO frames
show the ClientHello through the TLS decoder's own handshake code. What needs other packets
comes from a bounded memory of the connections seen (Connection, Connections): the server's
Initials (keyed by the client's first DCID, in another packet), a short header's connection
ID (its length is the connection's), a handshake message split over CRYPTO frames (decoded
where its last piece arrives), and, with an SSLKEYLOGFILE (load_keylog, tshark's
tls.keylog_file), the Handshake and 1-RTT packets (AES-GCM or ChaCha20-Poly1305).

The memory is a capture's: learn() fills it in one pass over the capture's QUIC datagrams
before anything else decodes them (dissect/connections.py runs it where the stream pass
runs), and from then on decoding only reads it, so a packet decodes the same wherever
decoding starts (a -V worker's chunk, a TUI jump). Without that pass (pasted frames, a
capture read as a stream) the memory fills in decode order, and a packet decoded before its
connection's first Initial stays protected payload.

Decrypted bytes are not in the frame: a field from them spans the ciphertext bytes they were
decrypted from (AEAD keeps positions: plaintext byte i is ciphertext byte i), so the hex
pane shows where in the packet each came from; the value is the decrypted one.
"""

from __future__ import annotations

import functools
import threading
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U32,
    Bits,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    bind_heuristic,
    decode,
)
from .tls import (  # QUIC carries TLS 1.3 handshake messages
    HS_FRAGMENT,
    HS_FRAGMENT_COUNT,
    HS_FRAGMENTS,
    handshake_messages,
    quic_varint,
)

_CRYPTO: list[Any] = []  # the cryptography names once asked for (None: not installed)


def _primitives() -> Any:
    """The `cryptography` package's primitives, imported on the first packet to decrypt
    rather than with the decoders (it costs every command ~20 ms to import). None without it:
    Initial packets then stay protected payload."""
    if not _CRYPTO:
        try:
            from cryptography.exceptions import InvalidTag
            from cryptography.hazmat.primitives import hashes, hmac
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
            from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
        except ModuleNotFoundError:  # pragma: no cover
            _CRYPTO.append(None)
        else:
            _CRYPTO.append(SimpleNamespace(
                InvalidTag=InvalidTag, hashes=hashes, hmac=hmac, Cipher=Cipher,
                algorithms=algorithms, modes=modes, AESGCM=AESGCM,
                ChaCha20Poly1305=ChaCha20Poly1305, HKDFExpand=HKDFExpand))  # fmt: skip
    return _CRYPTO[0]


VERSION_1, VERSION_2 = 0x00000001, 0x6B3343CF
# Initial salts (RFC 9001 section 5.2, RFC 9369 section 3.3.1, draft-ietf-quic-tls-29) and
# the HKDF label prefix of each version's packet protection keys.
INITIAL_SALTS = {
    VERSION_1: (bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), b"quic "),
    VERSION_2: (bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), b"quicv2 "),
    0xFF00001D: (bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"), b"quic "),
}
# Long packet types by the two type bits: version 1 (and drafts), and version 2's shuffle.
LONG_TYPES = {0: "Initial", 1: "0-RTT", 2: "Handshake", 3: "Retry"}
LONG_TYPES_V2 = {1: "Initial", 2: "0-RTT", 3: "Handshake", 0: "Retry"}
TAG_LEN = 16
SAMPLE_LEN = 16
MAX_PACKETS = 64  # QUIC layers per datagram (each at least 7 bytes long)
MAX_FRAMES = 4096  # frames decoded per packet; each takes at least one byte

FRAME_NAMES = {
    0x00: "PADDING", 0x01: "PING", 0x02: "ACK", 0x03: "ACK", 0x04: "RESET_STREAM",
    0x05: "STOP_SENDING", 0x06: "CRYPTO", 0x07: "NEW_TOKEN", 0x10: "MAX_DATA",
    0x11: "MAX_STREAM_DATA", 0x12: "MAX_STREAMS", 0x13: "MAX_STREAMS", 0x14: "DATA_BLOCKED",
    0x15: "STREAM_DATA_BLOCKED", 0x16: "STREAMS_BLOCKED", 0x17: "STREAMS_BLOCKED",
    0x18: "NEW_CONNECTION_ID", 0x19: "RETIRE_CONNECTION_ID", 0x1A: "PATH_CHALLENGE",
    0x1B: "PATH_RESPONSE", 0x1C: "CONNECTION_CLOSE", 0x1D: "CONNECTION_CLOSE",
    0x1E: "HANDSHAKE_DONE", 0x30: "DATAGRAM", 0x31: "DATAGRAM",
    **{t: "STREAM" for t in range(0x08, 0x10)},
}  # fmt: skip


def _version_name(value: int) -> str | None:
    if value == 0:
        return "Negotiation"
    if value == VERSION_2:
        return "2"
    if value >> 8 == 0xFF0000:
        return f"draft-{value & 0xFF}"
    if value & 0x0F0F0F0F == 0x0A0A0A0A:
        return "Forcing Version Negotiation"
    return str(value) if value < 0x100 else None


@dataclass(slots=True)
class Connection:
    """What the packets of one connection tell the decoding of its later packets: the
    client's first Destination Connection ID (both sides' Initial keys come from it), the
    ClientHello's random (it finds the connection's secrets in a key log), the cipher suite
    the ServerHello chose, each sender's largest packet number per packet number space, and
    the handshake bytes seen so far (a message split over CRYPTO frames is decoded where it
    ends). Bounded: MAX_CRYPTO bytes per sender and space, MAX_CIDS connection IDs."""

    version: int
    odcid: bytes
    client_random: bytes = b""
    suite: int = 0
    largest: dict[tuple[bool, str], int] = field(default_factory=dict)
    # (sender, space) -> offset -> (the CRYPTO data at that offset, the frame it came in)
    crypto: dict[tuple[bool, str], dict[int, tuple[bytes, int]]] = field(default_factory=dict)
    kept: int = 0  # handshake bytes held in crypto
    # (sender, space) -> (frame numbers, the largest packet number up to that frame): where
    # the largest grew, in frame order, so a learned capture's packet number is expanded
    # against the largest sent before its own frame, as a reading in order would
    marks: dict[tuple[bool, str], tuple[list[int], list[int]]] = field(default_factory=dict)


@dataclass(slots=True)
class QuicPacket:
    """What tail() read of one QUIC packet, for detail() and the Info column."""

    start: int  # where the packet starts
    long: bool
    kind: str  # "Initial", "Handshake", ..., "Version Negotiation", "Short", "Padding"
    version: int
    dcid: bytes
    scid: bytes
    pn_pos: int  # where the packet number is (-1: not reached)
    end: int  # where the packet ends
    first: int  # the first byte with header protection removed (-1: still protected)
    pn_len: int
    pn: int
    clear: bytes | None  # the frame bytes, header and frames decrypted; None when protected
    infos: list[str]  # frame names for the Info column, in order, padding left out
    first_in_datagram: bool
    conn: Connection | None = None  # the connection the packet was found to belong to
    from_server: bool = False  # who sent it (known once conn is)
    frame: int = 0  # the frame's number: where it is in the capture's order


QUIC = Protocol(
    # OSI 5: QUIC does a transport's work (streams, loss recovery) but on top of UDP, the
    # transport here; it opens, multiplexes and closes connections (the session layer's job)
    # and only application data follows it (which the filters' planning relies on).
    "quic", "QUIC IETF", osi=Osi.SESSION, short="QUIC", state=QuicPacket, colour="#87d7af",
    explain="QUIC carries web traffic (HTTP/3) over UDP: encrypted streams with their own "
    "connection IDs, loss recovery and a TLS 1.3 handshake inside.",
)  # fmt: skip

PACKET_LENGTH = Int("quic.packet_length", "Packet Length", generated=True,
                    explain="How many bytes of the datagram this QUIC packet takes (worked out).")  # fmt: skip
HEADER_FORM = Bits("quic.header_form", "Header Form", 1, mask=0x80, names={1: "Long Header", 0: "Short Header"},
                  explain="Long headers set up a connection (they carry the version and both "
                  "connection IDs); short headers carry the data after that.")  # fmt: skip
FIXED_BIT = Flag("quic.fixed_bit", "Fixed Bit", 0x40, 1,
                 explain="Always 1 in QUIC version 1 and 2 packets (RFC 9000 section 17.2); "
                 "a 0 here is no QUIC packet.")  # fmt: skip
LONG_TYPE = Bits("quic.long.packet_type", "Packet Type", 1, mask=0x30, names=LONG_TYPES,
                explain="Which long-header packet this is: Initial, 0-RTT, Handshake or Retry "
                "(QUIC version 2 numbers them differently).")  # fmt: skip
LONG_TYPE_V2 = Bits("quic.long.packet_type_v2", "Packet Type", 1, mask=0x30, names=LONG_TYPES_V2,
                    explain="Which long-header packet this is, as QUIC version 2 numbers them.")  # fmt: skip
# The protected bits show their unprotected value, without the frame's (protected) bit line.
RESERVED = Bits("quic.long.reserved", "Reserved", 1, mask=0x0C, bits=0,
               explain="Two bits that must be 0, protected by header protection.")  # fmt: skip
PN_LENGTH = Bits("quic.packet_number_length", "Packet Number Length", 1, mask=0x03, bits=0,
                names={0: "1 bytes", 1: "2 bytes", 2: "3 bytes", 3: "4 bytes"},
                explain="How many bytes the packet number takes, minus one (protected).")  # fmt: skip
VERSION = U32("quic.version", "Version", base=HEX, names=_version_name,
              explain="The QUIC version the packet is in: 1 (RFC 9000), 2 (RFC 9369), a draft, "
              "or 0 for a version negotiation.")  # fmt: skip
DCIL = U8("quic.dcil", "Destination Connection ID Length",
           explain="Length of the destination connection ID in bytes.")  # fmt: skip
DCID = Bytes("quic.dcid", "Destination Connection ID",
             explain="The connection ID the receiver chose: it routes the packet to its "
             "connection whatever the addresses. An Initial's keys are derived from it.")  # fmt: skip
SCIL = U8("quic.scil", "Source Connection ID Length",
           explain="Length of the source connection ID in bytes.")  # fmt: skip
SCID = Bytes("quic.scid", "Source Connection ID",
             explain="The connection ID the sender chose, for packets sent back to it.")  # fmt: skip
TOKEN_LENGTH = Int("quic.token_length", "Token Length",
                   explain="Length of the address validation token (0: none).")  # fmt: skip
TOKEN = Bytes("quic.token", "Token",
              explain="A token from an earlier Retry or NEW_TOKEN, proving the client's address.")  # fmt: skip
LENGTH = Int("quic.length", "Length",
             explain="Bytes of the packet after this field: packet number and payload.")  # fmt: skip
PACKET_NUMBER = Int("quic.packet_number", "Packet Number",
                    explain="The packet's number, read after removing header protection.")  # fmt: skip
PAYLOAD = Bytes("quic.payload", "Payload",
                explain="The encrypted payload with its 16-byte authentication tag.")  # fmt: skip
REMAINING = Bytes("quic.remaining_payload", "Remaining Payload",
                  explain="The rest of the packet, encrypted: a short header's connection ID "
                  "length is known only to the connection.")  # fmt: skip
SHORT = Str("quic.short", "QUIC Short Header",
            explain="A short header: the packets after the handshake.")  # fmt: skip
SHORT_RESERVED = Bits("quic.short.reserved", "Reserved", 1, mask=0x18, bits=0,
                     explain="Two bits that must be 0, protected by header protection.")  # fmt: skip
KEY_PHASE = Flag("quic.key_phase", "Key Phase Bit", 0x04, 1, bits=0,
                 explain="Which generation of 1-RTT keys protects the packet: it flips at each "
                 "key update (protected by header protection).")  # fmt: skip
PROTECTED_PAYLOAD = Bytes("quic.protected_payload", "Protected Payload",
                          explain="The 1-RTT payload as sent, encrypted, with its 16-byte tag.")  # fmt: skip
SPIN_BIT = Flag("quic.spin_bit", "Spin Bit", 0x20, 1,
                explain="Flips once per round trip, so an observer can measure latency.")  # fmt: skip
SUPPORTED_VERSION = U32("quic.supported_version", "Supported Version", base=HEX,
                        names=_version_name,
                        explain="A version the server supports (version negotiation).")  # fmt: skip
VN_UNUSED = Bits("quic.vn.unused", "Unused", 1, mask=0x7F, base=HEX,
                explain="Bits a version negotiation packet leaves random.")  # fmt: skip
RETRY_TOKEN = Bytes("quic.retry_token", "Retry Token",
                    explain="The token the client must send back in its next Initial.")  # fmt: skip
RETRY_TAG = Bytes("quic.retry_integrity_tag", "Retry Integrity Tag",
                  explain="Authenticates the Retry (RFC 9001 section 5.8).")  # fmt: skip
PADDING_DATA = Bytes("quic.coalesced_padding_data", "Coalesced Padding Data",
                     explain="Bytes after the last QUIC packet in the datagram: padding that "
                     "brings a client's first datagram to 1200 bytes.")  # fmt: skip

FRAME = Str("quic.frame", "Frame", explain="One frame of the decrypted payload.")
FRAME_TYPE = Int("quic.frame_type", "Frame Type", base=HEX, names=FRAME_NAMES,
                 explain="What the frame is (RFC 9000 section 19).")  # fmt: skip
PADDING_LENGTH = Int("quic.padding_length", "Padding Length",
                     explain="How many PADDING frames (zero bytes) follow in a row.")  # fmt: skip
CRYPTO_DATA = Bytes("quic.crypto.crypto_data", "Crypto Data",
                    explain="TLS handshake bytes; at offset 0 of an Initial, the ClientHello.")  # fmt: skip
STREAM_DATA = Bytes("quic.stream_data", "Stream Data", explain="Application data of the stream.")
TOKEN_DATA = Bytes("quic.nt.token", "Token", explain="A token for a future connection.")
CONNECTION_ID = Bytes("quic.nci.connection_id", "Connection ID",
                      explain="A new connection ID the peer may use.")  # fmt: skip
RESET_TOKEN = Bytes("quic.nci.stateless_reset_token", "Stateless Reset Token",
                    explain="Lets the peer recognise a stateless reset for this ID.")  # fmt: skip
REASON = Text("quic.cc.reason_phrase", "Reason phrase",
              explain="Why the connection was closed, in words.")  # fmt: skip
DATAGRAM = Bytes("quic.dg", "Datagram", explain="An unreliable datagram's data (RFC 9221).")
PATH_DATA = {0x1A: Bytes("quic.path_challenge.data", "Data",
                         explain="8 bytes the peer must echo in a PATH_RESPONSE."),
             0x1B: Bytes("quic.path_response.data", "Data",
                         explain="The 8 bytes of the PATH_CHALLENGE answered.")}  # fmt: skip


def _v(name: str, label: str, why: str) -> FieldSpec:
    return Int(name, label, explain=why)


# Each frame type's fields after the type, in order: a varint spec, ("u8", spec), or a
# marker for a variable part (its bytes follow the length read just before it).
ACK_FIELDS = (
    _v("quic.ack.largest_acknowledged", "Largest Acknowledged", "The highest packet number acknowledged."),
    _v("quic.ack.ack_delay", "ACK Delay", "How long the receiver held the acknowledgment (scaled)."),
    _v("quic.ack.ack_range_count", "ACK Range Count", "How many more ranges follow the first."),
    _v("quic.ack.first_ack_range", "First ACK Range", "Packets acknowledged below the largest."),
)  # fmt: skip
ACK_GAP = _v("quic.ack.gap", "Gap", "Unacknowledged packets before the next range.")
ACK_RANGE = _v("quic.ack.ack_range", "ACK Range", "Packets acknowledged in this range.")
ACK_ECN = (
    _v("quic.ack.ect0_count", "ECT(0) Count", "Packets received marked ECT(0)."),
    _v("quic.ack.ect1_count", "ECT(1) Count", "Packets received marked ECT(1)."),
    _v("quic.ack.ecn_ce_count", "ECN-CE Count", "Packets received marked congestion experienced."),
)  # fmt: skip
CRYPTO_OFFSET = _v("quic.crypto.offset", "Offset", "Where in the handshake stream the data goes.")
CRYPTO_LENGTH = _v("quic.crypto.length", "Length", "Bytes of handshake data in the frame.")
STREAM_ID = _v("quic.stream.stream_id", "Stream ID", "Which stream the data belongs to.")
STREAM_OFFSET = _v("quic.stream.offset", "Offset", "Where in the stream the data goes.")
STREAM_LENGTH = _v("quic.stream.length", "Length", "Bytes of stream data in the frame.")
NT_LENGTH = _v("quic.nt.length", "(Token) Length", "Length of the token.")
CC_ERROR = _v("quic.cc.error_code", "Error code", "Why the connection closes (transport error).")
CC_APP_ERROR = _v("quic.cc.error_code.app", "Application Error code", "The application's reason.")
CC_FRAME_TYPE = _v("quic.cc.frame_type", "Frame Type", "The frame type that caused the error.")
CC_REASON_LEN = _v("quic.cc.reason_phrase.length", "Reason phrase Length", "Length of the reason.")
NCI_LEN = U8("quic.nci.connection_id.length", "Connection ID Length",
              explain="Length of the new connection ID.")  # fmt: skip
DG_LENGTH = _v("quic.dg.length", "Datagram Length", "Length of the datagram's data.")
SIMPLE_FRAMES: dict[int, tuple[FieldSpec, ...]] = {
    0x04: (_v("quic.rsts.stream_id", "Stream ID", "The stream being reset."),
           _v("quic.rsts.application_error_code", "Application Error code", "Why it is reset."),
           _v("quic.rsts.final_size", "Final Size", "The stream's final size in bytes.")),
    0x05: (_v("quic.ss.stream_id", "Stream ID", "The stream the peer should stop sending on."),
           _v("quic.ss.application_error_code", "Application Error code", "Why.")),
    0x10: (_v("quic.md.maximum_data", "Maximum Data", "Bytes the connection may carry."),),
    0x11: (_v("quic.msd.stream_id", "Stream ID", "The stream whose limit rises."),
           _v("quic.msd.maximum_stream_data", "Maximum Stream Data", "Bytes the stream may carry.")),
    0x14: (_v("quic.sb.stream_data_limit", "Stream Data Limit", "The limit the sender hit."),),
    0x15: (_v("quic.sdb.stream_id", "Stream ID", "The stream that is blocked."),),
    0x19: (_v("quic.rci.sequence", "Sequence", "The connection ID retired."),),
}  # fmt: skip
SIMPLE_FRAMES[0x15] += SIMPLE_FRAMES[0x14]
MAX_STREAMS = _v("quic.ms.max_streams", "Max Streams", "Streams the peer may open.")
STREAM_LIMIT = _v("quic.sib.stream_limit", "Stream Limit", "The stream limit the sender hit.")
NCI_SEQUENCE = _v("quic.nci.sequence", "Sequence", "The new connection ID's sequence number.")
NCI_RETIRE = _v("quic.nci.retire_prior_to", "Retire Prior To", "IDs below this are retired.")
for _t in (0x12, 0x13):
    SIMPLE_FRAMES[_t] = (MAX_STREAMS,)
for _t in (0x16, 0x17):
    SIMPLE_FRAMES[_t] = (STREAM_LIMIT,)


# -- keys (RFC 9001 section 5) -------------------------------------------------------------------
def _expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    """HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes((len(full),)) + full + b"\x00"
    c = _primitives()
    return c.HKDFExpand(c.hashes.SHA256(), length, info).derive(secret)


@functools.lru_cache(maxsize=256)  # a connection's Initials share one DCID
def initial_keys(version: int, dcid: bytes, client: bool = True) -> tuple[bytes, bytes, bytes]:
    """(key, iv, header protection key) of the Initial packets one side sends."""
    salt, prefix = INITIAL_SALTS[version]
    c = _primitives()
    h = c.hmac.HMAC(salt, c.hashes.SHA256())
    h.update(dcid)
    initial = h.finalize()
    secret = _expand_label(initial, b"client in" if client else b"server in", 32)
    return (_expand_label(secret, prefix + b"key", 16), _expand_label(secret, prefix + b"iv", 12),
            _expand_label(secret, prefix + b"hp", 16))  # fmt: skip


# Cipher suites QUIC uses (RFC 9001 section 5.3): (hash, key length, AEAD, header protection).
AES_128_GCM, AES_256_GCM, CHACHA20 = 0x1301, 0x1302, 0x1303
SUITES = {AES_128_GCM: (32, 16), AES_256_GCM: (48, 32), CHACHA20: (32, 32)}  # hash, key bytes


def _expand(secret: bytes, label: bytes, length: int, suite: int) -> bytes:
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes((len(full),)) + full + b"\x00"
    c = _primitives()
    algorithm = c.hashes.SHA384() if suite == AES_256_GCM else c.hashes.SHA256()
    return c.HKDFExpand(algorithm, length, info).derive(secret)


@functools.lru_cache(maxsize=256)  # a connection's packets share a few secrets
def traffic_keys(suite: int, secret: bytes, prefix: bytes = b"quic ") -> tuple[bytes, bytes, bytes]:
    """(key, iv, header protection key) of a TLS traffic secret (RFC 9001 section 5.1)."""
    n = SUITES[suite][1]
    return (_expand(secret, prefix + b"key", n, suite), _expand(secret, prefix + b"iv", 12, suite),
            _expand(secret, prefix + b"hp", n, suite))  # fmt: skip


def _mask(suite: int, hp: bytes, sample: bytes) -> bytes:
    """The header protection mask (RFC 9001 section 5.4.3, 5.4.4)."""
    c = _primitives()
    if suite == CHACHA20:
        enc = c.Cipher(c.algorithms.ChaCha20(hp, sample), None).encryptor()
        return enc.update(bytes(5))
    enc = c.Cipher(c.algorithms.AES(hp), c.modes.ECB()).encryptor()
    return enc.update(sample) + enc.finalize()


def _full_pn(largest: int, truncated: int, pn_len: int) -> int:
    """The packet number from its truncated form and the largest one seen (RFC 9000 A.3)."""
    expected, win = largest + 1, 1 << (8 * pn_len)
    candidate = (expected & ~(win - 1)) | truncated
    if candidate <= expected - win // 2 and candidate < (1 << 62) - win:
        return candidate + win
    if candidate > expected + win // 2 and candidate >= win:
        return candidate - win
    return candidate


def _unprotect(data: bytes, pkt: QuicPacket, suite: int, keys: tuple[bytes, bytes, bytes],
               largest: int = -1) -> bool:  # fmt: skip
    """Remove header protection and decrypt (RFC 9001 sections 5.3, 5.4): sets first,
    pn_len, pn and clear when the tag checks; False when it does not (other keys, damage)."""
    c = _primitives()
    if c is None or pkt.pn_pos + 4 + SAMPLE_LEN > pkt.end:
        return False
    key, iv, hp = keys
    mask = _mask(suite, hp, data[pkt.pn_pos + 4 : pkt.pn_pos + 4 + SAMPLE_LEN])
    first = data[pkt.start] ^ (mask[0] & (0x0F if pkt.long else 0x1F))
    pn_len = (first & 0x03) + 1
    pn_end = pkt.pn_pos + pn_len
    if pn_end + TAG_LEN > pkt.end:
        return False
    pn_bytes = bytes(b ^ m for b, m in zip(data[pkt.pn_pos : pn_end], mask[1:], strict=False))
    header = bytes((first,)) + data[pkt.start + 1 : pkt.pn_pos] + pn_bytes
    pn = _full_pn(largest, int.from_bytes(pn_bytes, "big"), pn_len)
    nonce = (int.from_bytes(iv, "big") ^ pn).to_bytes(12, "big")
    aead = c.ChaCha20Poly1305(key) if suite == CHACHA20 else c.AESGCM(key)
    try:
        clear = aead.decrypt(nonce, data[pn_end : pkt.end], header)
    except c.InvalidTag:
        return False
    pkt.first, pkt.pn_len, pkt.pn, pkt.clear = first, pn_len, pn, clear
    return True


# -- connections: the memory that later packets are decoded with ------------------------------
MAX_CIDS = 4096  # connection IDs remembered (the oldest forgotten first)
MAX_CRYPTO = 1 << 16  # handshake bytes kept per connection
MAX_PIECES = 64  # CRYPTO frames kept per sender and space
MAX_MARKS = 1 << 16  # packet number marks per sender and space (then every other one kept)


@dataclass(slots=True)
class Connections:
    """One capture's QUIC connections: connection ID -> (connection, whether the server
    chose that ID), and the ID lengths short headers may use. `learned`: filled by learn()
    from the whole capture, so decoding only reads it."""

    cids: dict[bytes, tuple[Connection, bool]] = field(default_factory=dict)
    lengths: dict[int, None] = field(default_factory=dict)
    learned: bool = False


MEMORY = Connections()  # what decoding reads: the capture's (use()) or one filled in order
_LEARNING = threading.local()  # .memory: the Connections learn() fills in this thread
# A function that learns the whole capture's connections (and use()s them), called once
# when a QUIC packet is first decoded: the parallel plain list, whose chunks start
# anywhere, learns them only if the capture has QUIC (dissect/connections.py)
LEARN_FIRST: list[Any] = [None]


def _memory() -> Connections:
    return getattr(_LEARNING, "memory", None) or MEMORY


# SSLKEYLOGFILE secrets: client random -> label -> secret (RFC 9001 labels, as tshark's).
KEYLOG: dict[bytes, dict[str, bytes]] = {}
MAX_KEYLOG_BYTES = 16 << 20


def forget() -> None:
    """Forget every connection (a new capture; tests start from nothing)."""
    use(Connections())


def use(memory: Connections) -> None:
    """Decode with this capture's connections from now on (learn()'s result)."""
    global MEMORY
    MEMORY = memory


def learn(records: Iterable[tuple[int, Any, int]]) -> Connections:
    """The capture's connections, learned from its QUIC datagrams in file order: records
    are (frame number, frame bytes, link type), every datagram that may hold QUIC (more do
    no harm). Decoding with the result (use()) reads it only."""
    memory = Connections()
    _LEARNING.memory = memory
    try:
        for number, data, linktype in records:
            decode(data, linktype, number=number)
    finally:
        _LEARNING.memory = None
    memory.learned = True
    return memory


def _remember(cid: bytes, conn: Connection, server: bool) -> None:
    cids = _memory().cids
    if not cid or cid in cids:
        return
    while len(cids) >= MAX_CIDS:
        del cids[next(iter(cids))]
    cids[cid] = (conn, server)
    _memory().lengths[len(cid)] = None


def load_keylog(path: str) -> int:
    """Read an SSLKEYLOGFILE (NSS key log format: `LABEL <client random> <secret>` lines);
    returns how many secrets it held. Raises OSError or ValueError with the reason."""
    with open(path, "rb") as fh:
        text = fh.read(MAX_KEYLOG_BYTES + 1)
    if len(text) > MAX_KEYLOG_BYTES:
        raise ValueError(f"{path}: key log larger than {MAX_KEYLOG_BYTES >> 20} MiB")
    count = 0
    for line in text.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) != 3 or line.startswith("#"):
            continue
        try:
            random, secret = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            continue
        KEYLOG.setdefault(random, {})[parts[0]] = secret
        count += 1
    return count


SECRET_LABELS = {  # (packet kind, sent by the server) -> key log label
    ("Handshake", False): "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    ("Handshake", True): "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    ("Short", False): "CLIENT_TRAFFIC_SECRET_0",
    ("Short", True): "SERVER_TRAFFIC_SECRET_0",
    ("0-RTT", False): "CLIENT_EARLY_TRAFFIC_SECRET",
}


def _space(kind: str) -> str:
    return "Initial" if kind == "Initial" else "Handshake" if kind == "Handshake" else "1-RTT"


def _decrypt(data: bytes, pkt: QuicPacket) -> None:
    """Decrypt a packet with what its connection allows: Initial keys from the client's
    first DCID, Handshake and 1-RTT keys from a key log's secrets."""
    if pkt.version not in INITIAL_SALTS and pkt.long or _primitives() is None:
        return
    memory = _memory()
    if LEARN_FIRST[0] is not None and not memory.learned and memory is MEMORY:
        learn_capture, LEARN_FIRST[0] = LEARN_FIRST[0], None
        learn_capture()
        memory = _memory()
    found = memory.cids.get(pkt.dcid)
    same = found is not None and (not pkt.long or found[0].version == pkt.version)
    if same and _decrypt_known(data, pkt, *found):
        return
    keys = initial_keys(pkt.version, pkt.dcid) if pkt.kind == "Initial" else None
    if keys is not None and _unprotect(data, pkt, AES_128_GCM, keys):
        conn = Connection(pkt.version, pkt.dcid)  # a client's first Initial: its own DCID
        if not memory.learned:
            for cid, server in ((pkt.dcid, True), (pkt.scid, False)):
                memory.cids.pop(cid, None)  # an ID used again: the new connection's now
                _remember(cid, conn, server)
        pkt.conn = conn


def _decrypt_known(data: bytes, pkt: QuicPacket, conn: Connection, to_server: bool) -> bool:
    pkt.conn, pkt.from_server = conn, not to_server
    space = _space(pkt.kind)
    learned = _memory().learned
    frame = pkt.frame
    if learned:
        largest = _largest_before(conn, (pkt.from_server, space), frame)
    else:
        largest = conn.largest.get((pkt.from_server, space), -1)
    if pkt.kind == "Initial":
        suite, keys = AES_128_GCM, initial_keys(conn.version, conn.odcid, not pkt.from_server)
    else:
        secret = KEYLOG.get(conn.client_random, {}).get(
            SECRET_LABELS.get((pkt.kind, pkt.from_server), "")
        )
        if secret is None or conn.suite not in SUITES:
            return False
        suite, keys = conn.suite, _phase_keys(conn, secret, pkt, data)
    if not _unprotect(data, pkt, suite, keys, largest):
        return False
    if not learned:
        if pkt.pn > largest:
            conn.largest[(pkt.from_server, space)] = pkt.pn
            _mark(conn, (pkt.from_server, space), frame, pkt.pn)
        if pkt.long:
            _remember(pkt.scid, conn, pkt.from_server)
    return True


def _mark(conn: Connection, key: tuple[bool, str], frame: int, largest: int) -> None:
    """Note that from frame on the sender's largest packet number is `largest`."""
    frames, values = conn.marks.setdefault(key, ([], []))
    if frames and frames[-1] >= frame:  # a coalesced packet of the same frame, or re-decoded
        if frames[-1] == frame:
            values[-1] = max(values[-1], largest)
        return
    if len(frames) >= MAX_MARKS:  # bounded: keep every other mark (the largest grows anyway)
        del frames[::2], values[::2]
    frames.append(frame)
    values.append(largest)


def _largest_before(conn: Connection, key: tuple[bool, str], frame: int) -> int:
    """The sender's largest packet number in frames before `frame` (-1: none)."""
    frames, values = conn.marks.get(key, ((), ()))
    i = bisect_left(frames, frame)
    return values[i - 1] if i else -1


def _phase_keys(conn: Connection, secret: bytes, pkt: QuicPacket, data: bytes) -> tuple:
    """Keys of a packet's secret; a 1-RTT packet whose key phase bit reads 1 after header
    protection uses the first updated secret (RFC 9001 section 6: "quic ku")."""
    prefix = b"quicv2 " if conn.version == VERSION_2 else b"quic "
    keys = traffic_keys(conn.suite, secret, prefix)
    if pkt.long or pkt.pn_pos + 4 + SAMPLE_LEN > pkt.end:
        return keys
    first = data[pkt.start] ^ (
        _mask(conn.suite, keys[2], data[pkt.pn_pos + 4 : pkt.pn_pos + 20])[0] & 0x1F
    )
    if first & 0x04 == 0:
        return keys
    updated = _expand(secret, prefix + b"ku", SUITES[conn.suite][0], conn.suite)
    return traffic_keys(conn.suite, updated, prefix)[:2] + keys[2:]  # hp never changes


# -- walking a packet: tail() with fields off, detail() with them on -----------------------------
class _Emit:
    """Where a walk sends what it finds: fields (detail) or nothing (tail)."""

    __slots__ = ("layer", "fields", "pkt")

    def __init__(self, layer: Layer, fields: bool) -> None:
        self.layer, self.fields = layer, fields
        self.pkt: QuicPacket | None = None  # the packet whose frames are walked

    def add(self, spec: FieldSpec, pos: int, length: int, value: Any,
            parent: Field | None = None, mask: int = 0) -> Field | None:  # fmt: skip
        if self.fields:
            return self.layer.add(spec, pos, length, value, mask, parent)
        return None

    def span(self, spec: FieldSpec, data: bytes, pos: int, end: int,
             parent: Field | None = None) -> Field | None:  # fmt: skip
        if self.fields:
            return self.layer.add(spec, pos, end - pos, bytes(data[pos:end]), 0, parent)
        return None

    def issue(self, severity: str, group: str, code: str, message: str, pos: int, n: int) -> None:
        if not self.fields:
            self.layer.issue(severity, group, code, message, pos, n)


def _varint(e: _Emit, data: bytes, spec: FieldSpec, pos: int, end: int,
            parent: Field | None = None) -> tuple[int, int]:  # fmt: skip
    """A varint field at pos: (value, next position), or (-1, -1) with an issue when cut."""
    value, width = quic_varint(data, pos, end)
    if width == 0:
        e.issue("error", "malformed", "quic.malformed",
                f"{spec.label} runs past the end of the packet", pos, max(0, end - pos))  # fmt: skip
        return -1, -1
    e.add(spec, pos, width, value, parent)
    return value, pos + width


def _long_header(data: bytes, e: _Emit, pkt: QuicPacket, end: int) -> int:
    """Version, connection IDs and what the type adds; returns where the packet number
    starts (the packet's end for the types without one), or -1 when the bytes run out."""
    pos = pkt.start
    e.add(VERSION, pos + 1, 4, pkt.version)
    p = pos + 5
    for len_spec, id_spec in ((DCIL, DCID), (SCIL, SCID)):
        n = data[p] if p < end else 0
        if p + 1 + n > end:
            e.issue("error", "malformed", "quic.malformed",
                    f"{id_spec.label} runs past the end of the packet", p, max(0, end - p))  # fmt: skip
            return -1
        e.add(len_spec, p, 1, n)
        if n:
            e.span(id_spec, data, p + 1, p + 1 + n)
        p += 1 + n
    if pkt.version == 0:
        pkt.end = end
        while p + 4 <= end:  # each version moves on by 4 bytes
            e.add(SUPPORTED_VERSION, p, 4, int.from_bytes(data[p : p + 4], "big"))
            p += 4
        return end
    if pkt.kind == "Retry":
        pkt.end = end
        tag = max(p, end - TAG_LEN)
        e.span(RETRY_TOKEN, data, p, tag)
        e.span(RETRY_TAG, data, tag, end)
        return end
    if pkt.kind == "Initial":
        n, p = _varint(e, data, TOKEN_LENGTH, p, end)
        if p < 0 or p + n > end:
            return -1
        if n:
            e.span(TOKEN, data, p, p + n)
        p += n
    length, p = _varint(e, data, LENGTH, p, end)
    if p < 0:
        return -1
    pkt.end = min(p + length, end)
    if p + length > end:
        e.issue("error", "malformed", "quic.length.bad",
                f"Length {length} runs past the {end - p} bytes of the datagram", p, end - p)  # fmt: skip
    return p


def _read_packet(data: bytes, layer: Layer, pos: int, end: int, first: bool) -> QuicPacket:
    """The header of the packet at pos (no fields): its kind, IDs and extent."""
    b0 = data[pos]
    long = bool(b0 & 0x80)
    pkt = QuicPacket(pos, long, "Short", 0, b"", b"", -1, end, -1, 0, 0, None, [], first)
    pkt.frame = layer.packet.number if layer.packet is not None else 0
    if not long:
        return pkt
    if end - pos < 7:
        layer.short(7, "QUIC long header")
        pkt.kind = "Truncated"
        return pkt
    pkt.version = int.from_bytes(data[pos + 1 : pos + 5], "big")
    types = LONG_TYPES_V2 if pkt.version == VERSION_2 else LONG_TYPES
    pkt.kind = "Version Negotiation" if pkt.version == 0 else types[(b0 & 0x30) >> 4]
    dcil = data[pos + 5]
    if pos + 6 + dcil < end:
        pkt.dcid = bytes(data[pos + 6 : pos + 6 + dcil])
        scil = data[pos + 6 + dcil]
        pkt.scid = bytes(data[pos + 7 + dcil : min(end, pos + 7 + dcil + scil)])
    pkt.pn_pos = _long_header(data, _Emit(layer, False), pkt, end)
    if pkt.pn_pos < 0:
        pkt.end = end
    return pkt


def _frames(data: bytes, e: _Emit, pkt: QuicPacket, pos: int, end: int) -> None:
    """The frames of a decrypted payload (RFC 9000 section 19); their names go to pkt.infos
    (tail) or their fields under the packet (detail)."""
    e.pkt = pkt
    for _i in range(MAX_FRAMES):  # each frame moves on by at least its type byte
        if pos >= end:
            return
        ftype, width = quic_varint(data, pos, end)
        name = FRAME_NAMES.get(ftype)
        if name is None:
            e.issue("warn", "protocol", "quic.ft.unknown", f"Unknown frame type 0x{ftype:x}",
                    pos, end - pos)  # fmt: skip
            e.span(REMAINING, data, pos, end)
            return
        node = e.add(FRAME, pos, 0, name)
        e.add(FRAME_TYPE, pos, width, ftype, node)
        stop = _frame_body(data, e, node, ftype, pos + width, end)
        if node is not None:
            node.len = (end if stop < 0 else stop) - pos
        if not e.fields:
            pkt.infos.append(_frame_info(data, ftype, pos + width, end))
        if stop < 0:
            return
        pos = stop


# The Info column's name of each frame type, as Wireshark's; "(id)" adds the stream ID.
FRAME_INFO = {
    0x02: "ACK", 0x03: "ACK_ECN", 0x04: "RS(id)", 0x05: "SS(id)", 0x07: "NT", 0x10: "MD",
    0x11: "MSD(id)", 0x12: "MS", 0x13: "MS", 0x14: "DB", 0x15: "SDB(id)", 0x16: "SB",
    0x17: "SB", 0x18: "NCI", 0x19: "RC", 0x1A: "PC", 0x1B: "PR", 0x1C: "CC", 0x1D: "CC",
    0x1E: "DONE", 0x30: "DG", 0x31: "DG", **{t: "STREAM(id)" for t in range(0x08, 0x10)},
}  # fmt: skip


def _frame_info(data: bytes, ftype: int, p: int, end: int) -> str:
    text = FRAME_INFO.get(ftype) or FRAME_NAMES[ftype]
    if text.endswith("(id)"):
        stream, _w = quic_varint(data, p, end)
        text = text[:-3] + f"{stream})"
    return text


def _frame_body(data: bytes, e: _Emit, node: Field | None, ftype: int, p: int, end: int) -> int:
    """A frame's fields after its type; returns where the next frame starts (-1: cut)."""
    if ftype == 0x00:  # a run of PADDING frames counts as one, as Wireshark shows it
        stop = p
        while stop < end and data[stop] == 0:
            stop += 1
        e.add(PADDING_LENGTH, p - 1, stop - p + 1, stop - p + 1, node)
        return stop
    if ftype == 0x02 or ftype == 0x03:
        return _ack(data, e, node, ftype, p, end)
    if ftype in SIMPLE_FRAMES:
        for spec in SIMPLE_FRAMES[ftype]:
            _, p = _varint(e, data, spec, p, end, node)
            if p < 0:
                return -1
        return p
    if ftype == 0x06:
        return _crypto(data, e, node, p, end)
    if 0x08 <= ftype <= 0x0F:
        return _stream(data, e, node, ftype, p, end)
    if ftype in (0x07, 0x30, 0x31):  # a length (DATAGRAM 0x30 has none) and bytes
        if ftype == 0x30:
            n = end - p
        else:
            n, p = _varint(e, data, NT_LENGTH if ftype == 0x07 else DG_LENGTH, p, end, node)
        return _bytes(data, e, node, TOKEN_DATA if ftype == 0x07 else DATAGRAM, p, n, end)
    if ftype == 0x18:
        return _new_connection_id(data, e, node, p, end)
    if ftype in PATH_DATA:
        return _bytes(data, e, node, PATH_DATA[ftype], p, 8, end)
    if ftype in (0x1C, 0x1D):
        return _close(data, e, node, ftype, p, end)
    return p  # PING, HANDSHAKE_DONE: nothing after the type


def _bytes(data: bytes, e: _Emit, node: Field | None, spec: FieldSpec, p: int, n: int,
           end: int) -> int:  # fmt: skip
    if p < 0 or p + n > end:
        e.issue("error", "malformed", "quic.malformed",
                f"{spec.label} of {n} bytes runs past the end of the packet", max(p, 0), 0)  # fmt: skip
        return -1
    e.span(spec, data, p, p + n, node)
    return p + n


def _ack(data: bytes, e: _Emit, node: Field | None, ftype: int, p: int, end: int) -> int:
    count = 0
    for spec in ACK_FIELDS:
        value, p = _varint(e, data, spec, p, end, node)
        if p < 0:
            return -1
        count = value if spec is ACK_FIELDS[2] else count
    for _i in range(min(count, end - p)):  # each range takes at least two bytes
        for spec in (ACK_GAP, ACK_RANGE):
            _, p = _varint(e, data, spec, p, end, node)
            if p < 0:
                return -1
    if ftype == 0x03:
        for spec in ACK_ECN:
            _, p = _varint(e, data, spec, p, end, node)
            if p < 0:
                return -1
    return p


def _crypto(data: bytes, e: _Emit, node: Field | None, p: int, end: int) -> int:
    """CRYPTO: offset, length, data. The TLS decoder reads the handshake messages in it; a
    message begun in an earlier CRYPTO frame is decoded from the connection's handshake
    bytes where its last piece arrives (as Wireshark's "Reassembled Handshake Fragments")."""
    offset, p = _varint(e, data, CRYPTO_OFFSET, p, end, node)
    n, p = _varint(e, data, CRYPTO_LENGTH, p, end, node) if p >= 0 else (-1, -1)
    stop = _bytes(data, e, node, CRYPTO_DATA, p, n, end)
    if stop < 0 or not n:
        return stop
    pkt = e.pkt
    conn = pkt.conn if pkt is not None else None
    key = (pkt.from_server, _space(pkt.kind)) if pkt is not None else (False, "")
    if conn is not None and not e.fields and not _memory().learned:
        _keep(conn, key, offset, bytes(data[p:stop]), e.layer.packet.number)
        if offset == 0:
            _hello_facts(conn, data, p, stop)
    if offset == 0:
        handshake_messages(data, e.layer, node, p, stop, e.fields)
    elif conn is not None:
        _continued(data, e, node, conn.crypto.get(key) or {}, offset, p, stop)
    return stop


def _keep(conn: Connection, key: tuple[bool, str], offset: int, piece: bytes, frame: int) -> None:
    pieces = conn.crypto.setdefault(key, {})
    if offset in pieces or len(pieces) >= MAX_PIECES or conn.kept + len(piece) > MAX_CRYPTO:
        return
    pieces[offset] = (piece, frame)
    conn.kept += len(piece)


def _hello_facts(conn: Connection, data: bytes, p: int, stop: int) -> None:
    """What decrypting the rest needs: the ClientHello's random (it names the connection's
    secrets in a key log) and the cipher suite the ServerHello chose."""
    if stop - p >= 38 and data[p] == 1:
        conn.client_random = bytes(data[p + 6 : p + 38])
    elif stop - p >= 41 and data[p] == 2:
        at = p + 39 + data[p + 38]  # after the legacy session ID
        if at + 2 <= stop:
            conn.suite = int.from_bytes(data[at : at + 2], "big")


def _prefix(pieces: dict[int, tuple[bytes, int]], upto: int) -> bytes | None:
    """The handshake bytes from 0 to upto out of the pieces kept, or None for a gap."""
    out = bytearray()
    for _i in range(MAX_PIECES):  # each step takes one piece
        if len(out) >= upto:
            return bytes(out[:upto])
        at = len(out)
        kept = pieces.get(at)
        piece = kept[0] if kept else next(
            (b[at - o :] for o, (b, _f) in pieces.items() if o < at < o + len(b)), None
        )  # fmt: skip
        if not piece:
            return None
        out += piece
    return None


def _continued(data: bytes, e: _Emit, node: Field | None,
               pieces: dict[int, tuple[bytes, int]], offset: int, p: int, stop: int) -> None:  # fmt: skip
    """The messages of a CRYPTO frame at offset > 0: the one begun earlier (decoded from the
    reassembled bytes), then those starting in this frame."""
    before = _prefix(pieces, offset)
    if before is None:
        return  # an earlier piece was not seen: the data stays bytes
    stream = before + bytes(data[p:stop])
    at = 0
    for _i in range(MAX_FRAMES):  # each message moves on by at least 4 bytes
        if at + 4 > len(stream):
            return
        msg_end = at + 4 + int.from_bytes(stream[at + 1 : at + 4], "big")
        if msg_end > offset:
            break
        at = msg_end
    if at >= offset:  # a message starts in this frame: the frame's bytes as they are
        handshake_messages(data, e.layer, node, p + at - offset, stop, e.fields)
        return
    if msg_end > len(stream):
        return  # still not whole: a later frame completes it
    _reassembled(stream, e, node, at, msg_end, p, p - offset)
    if e.fields:
        _fragments(e, node, pieces, msg_end, p)
    if msg_end < len(stream):
        handshake_messages(data, e.layer, node, p + msg_end - offset, stop, e.fields)


def _fragments(e: _Emit, node: Field | None, pieces: dict[int, tuple[bytes, int]],
               msg_end: int, piece: int) -> None:  # fmt: skip
    """Wireshark's list of the pieces a reassembled message came from: the frame of each
    (zero long here, where this frame's piece starts: their bytes are in other frames)."""
    used = sorted((o, f) for o, (_b, f) in pieces.items() if o < msg_end)
    text = f"{len(used)} Reassembled Handshake Fragments ({msg_end} bytes)"
    frags = e.layer.add(HS_FRAGMENTS, piece, 0, text, 0, node)
    for _o, frame in used:
        e.layer.add(HS_FRAGMENT, piece, 0, frame, 0, frags)
    e.layer.add(HS_FRAGMENT_COUNT, piece, 0, len(used), 0, frags)


def _reassembled(stream: bytes, e: _Emit, node: Field | None, at: int, msg_end: int,
                 piece: int, shift: int) -> None:  # fmt: skip
    """Decode one message from the reassembled handshake bytes (stream offset + shift is
    its frame position); its fields are moved to the frame: a field in this frame's piece
    (from frame position `piece` on) spans its bytes there, one from an earlier packet has
    no bytes here and is placed, zero long, where the piece starts."""
    if not e.fields or node is None:
        return
    first = len(node.children or ())
    handshake_messages(stream, e.layer, node, at, msg_end, True)
    for top in (node.children or [])[first:]:
        for f in top.walk():
            lo, hi = max(f.pos + shift, piece), max(f.pos + f.len + shift, piece)
            f.pos, f.len = lo, hi - lo


def _stream(data: bytes, e: _Emit, node: Field | None, ftype: int, p: int, end: int) -> int:
    for spec, bit in ((STREAM_FIN, 0x01), (STREAM_LEN, 0x02), (STREAM_OFF, 0x04)):
        e.add(spec, p - 1, 1, bool(ftype & bit), node, bit)
    start = p
    stream, p = _varint(e, data, STREAM_ID, p, end, node)
    if p >= 0:  # the ID's two low bits: who opened the stream, and which way it goes
        e.add(STREAM_INITIATOR, start, p - start, stream & 1, node)
        e.add(STREAM_DIRECTION, start, p - start, (stream & 2) >> 1, node)
    if p >= 0 and ftype & 0x04:
        _, p = _varint(e, data, STREAM_OFFSET, p, end, node)
    n = end - p
    if p >= 0 and ftype & 0x02:
        n, p = _varint(e, data, STREAM_LENGTH, p, end, node)
    return _bytes(data, e, node, STREAM_DATA, p, n, end)


def _new_connection_id(data: bytes, e: _Emit, node: Field | None, p: int, end: int) -> int:
    for spec in (NCI_SEQUENCE, NCI_RETIRE):
        _, p = _varint(e, data, spec, p, end, node)
        if p < 0:
            return -1
    if p >= end:
        return _bytes(data, e, node, CONNECTION_ID, p, 1, end)
    n = data[p]
    e.add(NCI_LEN, p, 1, n, node)
    p = _bytes(data, e, node, CONNECTION_ID, p + 1, n, end)
    return _bytes(data, e, node, RESET_TOKEN, p, 16, end) if p >= 0 else -1


def _close(data: bytes, e: _Emit, node: Field | None, ftype: int, p: int, end: int) -> int:
    _, p = _varint(e, data, CC_ERROR if ftype == 0x1C else CC_APP_ERROR, p, end, node)
    if p >= 0 and ftype == 0x1C:
        _, p = _varint(e, data, CC_FRAME_TYPE, p, end, node)
    n, p = _varint(e, data, CC_REASON_LEN, p, end, node) if p >= 0 else (-1, -1)
    if p < 0 or p + n > end:
        return _bytes(data, e, node, REASON, p, max(n, 0), end)
    e.add(REASON, p, n, data[p : p + n].decode("utf-8", "replace"), node)
    return p + n


STREAM_INITIATOR = Int("quic.stream.initiator", "Stream initiator",
                       names={0: "Client-initiated", 1: "Server-initiated"},
                       explain="Who opened the stream: the ID's lowest bit.")  # fmt: skip
STREAM_DIRECTION = Int("quic.stream.direction", "Stream direction",
                       names={0: "Bidirectional", 1: "Unidirectional"},
                       explain="Whether both sides send on the stream: the ID's second bit.")  # fmt: skip
STREAM_FIN = Flag("quic.stream.fin", "Fin", 0x01, 1, explain="The last data of the stream.")
STREAM_LEN = Flag("quic.stream.len", "Len(gth)", 0x02, 1,
                  explain="A length field follows; else the data runs to the packet's end.")  # fmt: skip
STREAM_OFF = Flag("quic.stream.off", "Off(set)", 0x04, 1,
                  explain="An offset field follows; else the data starts the stream.")  # fmt: skip


# -- the layer ---------------------------------------------------------------------------------
def _below(layer: Layer) -> Layer | None:
    layers = layer.packet.layers
    for i in range(len(layers) - 1, 0, -1):
        if layers[i] is layer:
            return layers[i - 1]
    return None


def _continues(data: bytes, pos: int, end: int, prev: QuicPacket) -> bool:
    """Whether the bytes after a packet start another packet of the same connection
    (RFC 9000 section 12.2: coalesced packets share the Destination Connection ID)."""
    b0, n = data[pos], len(prev.dcid)
    if b0 & 0x40 == 0:
        return False
    if b0 & 0x80:
        return end - pos >= 7 and data[pos + 5] == n and data[pos + 6 : pos + 6 + n] == prev.dcid
    return end - pos > n and data[pos + 1 : pos + 1 + n] == prev.dcid


def _negotiation(data: bytes, pos: int, end: int) -> bool:
    """A Version Negotiation packet: long header, version 0; its other bits are random."""
    return data[pos] & 0x80 != 0 and end - pos >= 7 and data[pos + 1 : pos + 5] == bytes(4)


def _view(data: bytes, pkt: QuicPacket) -> bytes:
    """The frame's bytes with the packet's ciphertext replaced by its plaintext: positions
    stay the frame's, so the TLS decoder and the fields read it like the packet itself."""
    start = pkt.pn_pos + pkt.pn_len
    return data[:start] + pkt.clear + data[start + len(pkt.clear) :]


def _tail(data: Any, layer: Layer) -> None:
    """One QUIC packet: header, Initial decryption, frame names for the Info; the layer
    ends with the packet and a coalesced one after it is another QUIC layer."""
    pos, end = layer.pos, layer.payload_end
    below = _below(layer)
    prev = below.state if below is not None and below.protocol is QUIC else None
    if prev is None and data[pos] & 0x40 == 0 and not _negotiation(data, pos, end):
        layer.decline()  # no QUIC v1/v2 packet (fixed bit clear): let the port's others try
        return
    if prev is not None and (not prev.long or not _continues(data, pos, end, prev)):
        pkt = QuicPacket(pos, False, "Padding", 0, b"", b"", -1, end, -1, 0, 0, None, [], False)
        layer.issue("note", "protocol", "quic.coalesced_padding_data",
                    "(Random) padding data appended to the datagram", pos, end - pos)  # fmt: skip
    else:
        pkt = _read_packet(data, layer, pos, end, prev is None)
        if not pkt.long:
            _short_dcid(data, pkt, prev)
        if pkt.kind in ("Initial", "Handshake", "0-RTT", "Short") and pkt.pn_pos > 0:
            _decrypt(data, pkt)
            _not_decrypted(layer, pkt)
        if pkt.clear is not None:
            start = pkt.pn_pos + pkt.pn_len
            _frames(_view(data, pkt), _Emit(layer, False), pkt, start, start + len(pkt.clear))
    layer.state = pkt
    layer.hdr_len = pkt.end - pos
    layer.payload_pos = pkt.end
    if pkt.end < end:
        layer.next = QUIC


def _short_dcid(data: bytes, pkt: QuicPacket, prev: QuicPacket | None) -> None:
    """A short header's DCID: the coalesced long header's, or a connection ID a long header
    of the connection announced (its length is the connection's, not in the packet)."""
    if prev is not None:
        pkt.dcid = prev.dcid
    else:
        memory = _memory()
        for n in memory.lengths:
            cid = bytes(data[pkt.start + 1 : pkt.start + 1 + n])
            if len(cid) == n and cid in memory.cids:
                pkt.dcid = cid
                break
    if pkt.dcid and pkt.start + 1 + len(pkt.dcid) < pkt.end:
        pkt.pn_pos = pkt.start + 1 + len(pkt.dcid)


def _not_decrypted(layer: Layer, pkt: QuicPacket) -> None:
    if pkt.clear is not None or pkt.kind != "Initial":
        return  # Handshake and 1-RTT packets need a key log: without one they are as tshark's
    layer.issue("note", "protocol", "quic.decryption_failed",
                "Initial not decrypted: a server's Initial is keyed by the client's first "
                "Destination Connection ID, in a packet not decoded before this one",
                pkt.pn_pos, pkt.end - pkt.pn_pos)  # fmt: skip


def _detail(data: Any, layer: Layer) -> None:
    pkt = layer.state
    if pkt is None:
        return
    e = _Emit(layer, True)
    pos = pkt.start
    if pkt.kind == "Padding":
        e.span(PADDING_DATA, data, pos, pkt.end)
        return
    layer.add(PACKET_LENGTH, pos, 0, pkt.end - pos)
    if not pkt.long:
        _short_header(data, e, pkt)
        return
    b0 = data[pos]
    e.add(HEADER_FORM, pos, 1, 1, None, 0x80)
    if pkt.kind == "Version Negotiation":
        e.add(VN_UNUSED, pos, 1, b0 & 0x7F, None, 0x7F)
        _long_header(data, e, pkt, layer.payload_end)
        return
    e.add(FIXED_BIT, pos, 1, bool(b0 & 0x40), None, 0x40)
    type_spec = LONG_TYPE_V2 if pkt.version == VERSION_2 else LONG_TYPE
    e.add(type_spec, pos, 1, (b0 & 0x30) >> 4, None, 0x30)
    if pkt.first >= 0:
        e.add(RESERVED, pos, 1, (pkt.first & 0x0C) >> 2, None, 0x0C)
        e.add(PN_LENGTH, pos, 1, pkt.first & 0x03, None, 0x03)
    if pkt.kind == "Truncated" or _long_header(data, e, pkt, layer.payload_end) < 0:
        return
    if pkt.kind in ("Version Negotiation", "Retry"):
        return
    if pkt.clear is None:
        e.span(REMAINING, data, pkt.pn_pos, pkt.end)
        return
    start = pkt.pn_pos + pkt.pn_len
    e.add(PACKET_NUMBER, pkt.pn_pos, pkt.pn_len, pkt.pn)
    e.span(PAYLOAD, data, start, pkt.end)
    _frames(_view(data, pkt), e, pkt, start, start + len(pkt.clear))


def _short_header(data: bytes, e: _Emit, pkt: QuicPacket) -> None:
    """Form, fixed and spin bits; the rest is protected (the key phase bit too) unless a key
    log gave the connection's 1-RTT secrets. The header's tree spans the packet, as tshark's."""
    pos, n = pkt.start, len(pkt.dcid)
    text = f"QUIC Short Header DCID={pkt.dcid.hex()}" if n else "QUIC Short Header"
    node = e.add(SHORT, pos, pkt.end - pos, text)
    b0 = data[pos]
    e.add(HEADER_FORM, pos, 1, 0, node, 0x80)
    e.add(FIXED_BIT, pos, 1, bool(b0 & 0x40), node, 0x40)
    e.add(SPIN_BIT, pos, 1, bool(b0 & 0x20), node, 0x20)
    if pkt.first >= 0:
        e.add(SHORT_RESERVED, pos, 1, (pkt.first & 0x18) >> 3, node, 0x18)
        e.add(KEY_PHASE, pos, 1, bool(pkt.first & 0x04), node, 0x04)
        e.add(PN_LENGTH, pos, 1, pkt.first & 0x03, node, 0x03)
    if n:
        e.span(DCID, data, pos + 1, pos + 1 + n, node)
    if pkt.clear is not None:
        start = pkt.pn_pos + pkt.pn_len
        e.add(PACKET_NUMBER, pkt.pn_pos, pkt.pn_len, pkt.pn, node)
        e.span(PROTECTED_PAYLOAD, data, start, pkt.end, node)
        _frames(_view(data, pkt), e, pkt, start, start + len(pkt.clear))
    elif pos + 1 + n < pkt.end:
        e.span(REMAINING, data, pos + 1 + n, pkt.end, node)


def _one_info(pkt: QuicPacket) -> str:
    if pkt.kind == "Padding":
        return ""
    if not pkt.long:  # the key phase bit is protected: tshark shows 0 until it is removed
        phase = (pkt.first & 0x04) >> 2 if pkt.first >= 0 else 0
        text = f"Protected Payload (KP{phase})" + (f", DCID={pkt.dcid.hex()}" if pkt.dcid else "")
    else:
        text = f"{pkt.kind}, DCID={pkt.dcid.hex()}, SCID={pkt.scid.hex()}"
    if pkt.clear is not None:
        text += f", PKN: {pkt.pn}"
    return ", ".join([text, *pkt.infos])


def _info(layer: Layer) -> str:
    """Every packet of the datagram on the first one's row (the list shows the topmost
    Info: the later QUIC layers give none)."""
    pkt = layer.state
    if pkt is None or not pkt.first_in_datagram:
        return ""
    layers = layer.packet.layers if layer.packet is not None else [layer]
    texts = [_one_info(x.state) for x in layers if x.protocol is QUIC and x.state is not None]
    return ", ".join(t for t in texts if t)


def _describe(layer: Layer) -> str:
    return "QUIC IETF"


def detect(data: Any, pos: int, end: int, layer: Layer) -> bool:
    """Wireshark's heuristic: a long header with the fixed bit, a known version and
    connection IDs of at most 20 bytes (short headers need the connection: not here)."""
    if end - pos < 7 or data[pos] & 0xC0 != 0xC0:
        return False
    version = int.from_bytes(data[pos + 1 : pos + 5], "big")
    if version not in INITIAL_SALTS and version >> 8 != 0xFF0000:
        return False
    dcil = data[pos + 5]
    return dcil <= 20 and pos + 6 + dcil < end and data[pos + 6 + dcil] <= 20


QUIC.tail = _tail
QUIC.detail = _detail
QUIC.info = _info

bind("udp.port", 443, QUIC)
bind_heuristic("udp.port", QUIC, detect, first=range(0xC0, 0x100), min_len=7)  # long header
