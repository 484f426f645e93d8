"""Transport Layer Security record layer (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2; SSL 3.0 and
TLS 1.0/1.1 records share the layout) with handshake headers, ClientHello and ServerHello
in full (RFC 8446 section 4.1; SNI RFC 6066, ALPN RFC 7301, supported_versions, key_share,
supported_groups RFC 8422, signature_algorithms), ChangeCipherSpec, Alert, Application Data.

Decoded one TCP segment at a time, as Wireshark does with reassembly off: every record in
the segment, one "tls" layer for all of them. A record that runs past the segment keeps its
header fields and a note, as nothing of it can be read (Wireshark shows nothing for it and
does not call that malformed); bytes that do not start a record are "Continuation Data".
Whether a record is encrypted is judged from this segment alone (no session state): a
handshake of no known type, or one after a ChangeCipherSpec whose length does not fill its
record, is an encrypted message; so is an alert after a ChangeCipherSpec or not 2 bytes
long. Printable text is given back as not TLS, as Wireshark's dissector does, and the next
decoder is tried. GREASE values (RFC 8701) are named "Reserved (GREASE)" as Wireshark does.

The packet list needs only the Info and the issues, so tail() reads the records without
building fields and keeps them in layer.state; detail() builds the fields when the tree, a
filter or JSON asks, walking handshake bodies again with fields on and issues off.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U16,
    U24,
    U32,
    U64,
    Bytes,
    Field,
    FieldSpec,
    Int,
    Layer,
    Osi,
    Protocol,
    Settled,
    Str,
    Text,
    bind,
    bind_heuristic,
    settle,
)

# Wireshark's tcp.port bindings for TLS (https, ldaps, smtps, imaps, pop3s, DoT, sips, ...).
TLS_PORTS = (324, 443, 465, 636, 802, 853, 993, 995, 1300, 2221, 2443, 3249, 3250, 3251, 3252,
             3496, 5061, 5671, 5684, 5868, 8883, 11207, 19999, 27017)  # fmt: skip
RECORD_VERSIONS = frozenset((0x0300, 0x0301, 0x0302, 0x0303, 0x0101))  # SSL 3.0..TLS 1.2, GMTLS
PRINTABLE = frozenset(range(0x20, 0x7F))
MAX_RECORD = 16384 + 2048  # TLSCiphertext limit (RFC 5246 section 6.2.3)
MAX_RECORDS = 4096  # records decoded per segment; fields grow with bytes, this bounds the rest
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
# Extensions whose contents can raise an issue or feed the Info (SNI, TLS 1.3): tail() reads
# these, the others only have fields.
CHECKED_EXTENSIONS = frozenset((0, 10, 11, 13, 16, 43, 50, 51, 65281))

CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA, HEARTBEAT = 20, 21, 22, 23, 24
CONTENT_TYPES = {20: "Change Cipher Spec", 21: "Alert", 22: "Handshake",
                 23: "Application Data", 24: "Heartbeat"}  # fmt: skip
HANDSHAKE_TYPES = {
    0: "Hello Request", 1: "Client Hello", 2: "Server Hello", 3: "Hello Verify Request",
    4: "New Session Ticket", 5: "End of Early Data", 6: "Hello Retry Request",
    8: "Encrypted Extensions", 11: "Certificate", 12: "Server Key Exchange",
    13: "Certificate Request", 14: "Server Hello Done", 15: "Certificate Verify",
    16: "Client Key Exchange", 20: "Finished", 21: "Client Certificate URL",
    22: "Certificate Status", 23: "Supplemental Data", 24: "Key Update",
    25: "Compressed Certificate", 67: "Encrypted Extensions",
}  # fmt: skip
ALERT_LEVELS = {1: "Warning", 2: "Fatal"}
COMPRESSION = {0: "null", 1: "DEFLATE", 64: "LZS"}
EC_POINT_FORMATS = {
    0: "uncompressed",
    1: "ansiX962_compressed_prime",
    2: "ansiX962_compressed_char2",
}


def is_grease(value: int) -> bool:
    """RFC 8701 reserved values: 0x?A?A with both bytes equal."""
    return value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF


def _named(table: str) -> Any:
    """A names= callable over one of the tables at the end of this module: GREASE values
    get Wireshark's "Reserved (GREASE)", values not in the table "Unknown"."""

    def name(value: int) -> str:
        if is_grease(value):
            return "Reserved (GREASE)"
        return NAME_TABLES[table].get(value, "Unknown")

    return name


def version_name(value: int) -> str | None:
    if is_grease(value):
        return "Reserved (GREASE)"
    return VERSIONS.get(value)


# What tail() keeps of each record for detail(): (start, record length, whole record,
# opaque type, a ChangeCipherSpec came before it).
_Kept = tuple[int, int, bool, bool, bool]


@dataclass(slots=True)
class TlsState:
    """What tail() found in the segment, for detail() and the Info column."""

    records: list[_Kept]
    info: str  # the Info text: what each record is ("Client Hello, ...")
    # Handshake messages over several records (the stream layer knows them, pdus.py):
    # record start -> (bytes continuing an earlier record's message, its type name, whether
    # they end it); for a message put together, its fragments [(frame number, bytes)].
    marks: Any = None


TLS = Protocol(
    # OSI 6: TLS encrypts and encodes the application's data for the wire (presentation);
    # its handshake also sets up a session, the argument for 5.
    "tls", "Transport Layer Security", osi=Osi.PRESENTATION, short="TLS",
    state=TlsState, colour="#ffaf87",
    explain="TLS encrypts and authenticates the application's data: a handshake agrees on "
    "keys and proves the server's identity, then records carry the protected data.",
)  # fmt: skip

RECORD_LABELS = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2"}


def _plural(n: int, one: str) -> str:
    return f"{n} {one}{'' if n == 1 else 's'}"


def _handshake_name(raw: bytes | str) -> str:
    """A handshake message's type, or "Encrypted Handshake Message" when its bytes do not
    hold exactly one message of a known type (a fragment's value is its text)."""
    if isinstance(raw, str):
        return raw
    if len(raw) >= 4 and raw[0] in HANDSHAKE_TYPES and 4 + _u24(raw, 1) == len(raw):
        return HANDSHAKE_TYPES[raw[0]]
    return "Encrypted Handshake Message"


def _record_show(raw: bytes) -> str:
    """'TLSv1.2 Record Layer: Handshake Protocol: Server Hello': the record's version and
    what it carries, from its own bytes (a record after a ChangeCipherSpec is judged by
    its bytes alone here)."""
    if isinstance(raw, str):
        return raw  # a record with parts of a message over several records (_fragment_title)
    ctype, body = raw[0], raw[5:]
    if len(body) < _u16(raw, 3):  # a record the segment ends inside: its header alone here
        name = CONTENT_TYPES.get(ctype, "Unknown")
        return f"{RECORD_LABELS.get(_u16(raw, 1), 'TLS')} Record Layer: {name} (continues in the next segment)"
    if ctype == HANDSHAKE:
        n, pos = 0, 0
        while pos + 4 <= len(body) and body[pos] in HANDSHAKE_TYPES and n < 2:
            n, pos = n + 1, pos + 4 + _u24(body, pos + 1)
        what = (
            "Multiple Handshake Messages" if n > 1 and pos == len(body) else _handshake_name(body)
        )
        what = f"Handshake Protocol: {what}"
    elif ctype == CHANGE_CIPHER_SPEC:
        what = "Change Cipher Spec Protocol: Change Cipher Spec"
    elif ctype == ALERT:
        what = "Encrypted Alert" if len(body) != 2 else (
            f"Alert (Level: {ALERT_LEVELS.get(body[0], 'Unknown')}, "
            f"Description: {ALERT_DESCRIPTIONS.get(body[1], 'Unknown')})")  # fmt: skip
    elif ctype == APPLICATION_DATA:
        what = "Application Data Protocol: Application Data"
    else:
        what = CONTENT_TYPES.get(ctype, "Unknown")
    return f"{RECORD_LABELS.get(_u16(raw, 1), 'TLS')} Record Layer: {what}"


RECORD = Bytes(
    "tls.record",
    "",
    text=_record_show,
    explain="One TLS record: the unit TLS sends, a 5-byte header (content type, "
    "version, length) then its (possibly encrypted) contents.",
)  # the line says what the record is
CONTENT_TYPE = U8(
    "tls.record.content_type",
    "Content Type",
    names=CONTENT_TYPES,
    explain="What the record carries: a handshake message, an alert, a change of "
    "cipher spec, or application data.",
)
OPAQUE_TYPE = U8(
    "tls.record.opaque_type",
    "Opaque Type",
    names=CONTENT_TYPES,
    explain="TLS 1.3 hides the real content type inside the encryption: records say "
    "application data whatever they carry.",
)
RECORD_VERSION = U16(
    "tls.record.version",
    "Version",
    base=HEX,
    names=version_name,
    explain="The record layer's version: for compatibility TLS 1.3 still writes "
    "TLS 1.2 (0x0303) here; the real version is negotiated in the hello messages.",
)
RECORD_LENGTH = U16(
    "tls.record.length", "Length", explain="Length of the record's contents in bytes."
)
APP_DATA = Bytes(
    "tls.app_data",
    "Encrypted Application Data",
    explain="Encrypted application data: the protected bytes of the protocol inside "
    "TLS (HTTP for HTTPS). Without the keys they cannot be read.",
)
CCS = Bytes(
    "tls.change_cipher_spec",
    "Change Cipher Spec Message",
    text=lambda v: "",
    explain="Change cipher spec: from the next record on, the sender encrypts with the "
    "keys just agreed (kept in TLS 1.3 only for compatibility).",
)
ALERT_MESSAGE = Bytes("tls.alert_message", "Alert Message",
                      text=lambda v: "" if len(v) == 2 else "Encrypted Alert", explain="An alert: a warning, or a fatal error that ends the connection (or "
                      "an encrypted one).")  # fmt: skip
ALERT_LEVEL = U8(
    "tls.alert_message.level",
    "Level",
    names=ALERT_LEVELS,
    explain="Alert level: a warning, or fatal (the connection ends).",
)
ALERT_DESC = U8(
    "tls.alert_message.desc",
    "Description",
    names=lambda v: ALERT_DESCRIPTIONS.get(v),
    explain="What went wrong (or close_notify: an orderly close).",
)
HANDSHAKE_MSG = Bytes(
    "tls.handshake",
    "Handshake Protocol",
    text=_handshake_name,
    explain="A handshake message: the steps that agree on the version, cipher "
    "and keys and prove the server's identity.",
)
HS_TYPE = U8(
    "tls.handshake.type",
    "Handshake Type",
    names=HANDSHAKE_TYPES,
    explain="Which handshake message this is: ClientHello opens the handshake, "
    "ServerHello answers it, then certificates, key exchange and Finished.",
)
HS_LENGTH = U24(
    "tls.handshake.length", "Length", explain="Length of the handshake message in bytes."
)
HS_VERSION = U16(
    "tls.handshake.version",
    "Version",
    base=HEX,
    names=version_name,
    explain="The version the hello offers (client) or picks (server); TLS 1.3 writes "
    "1.2 here and says 1.3 in the supported_versions extension.",
)
RANDOM = Bytes(
    "tls.handshake.random",
    "Random",
    explain="32 random bytes each side contributes to the keys, so every session's keys differ.",
)
RANDOM_TIME = U32(
    "tls.handshake.random_time",
    "GMT Unix Time",
    text=lambda v: _gmt_text(v),
    explain="The first 4 random bytes read as a time, as older TLS sent the clock there.",
)
RANDOM_BYTES = Bytes(
    "tls.handshake.random_bytes", "Random Bytes", explain="The remaining 28 random bytes."
)
SESSION_ID_LEN = U8(
    "tls.handshake.session_id_length", "Session ID Length", explain="Length of the session ID."
)
SESSION_ID = Bytes(
    "tls.handshake.session_id",
    "Session ID",
    explain="Session ID: lets a client resume an earlier session without a full "
    "handshake (TLS 1.3 only echoes it, for compatibility).",
)
SUITES_LEN = U16(
    "tls.handshake.cipher_suites_length",
    "Cipher Suites Length",
    explain="Length of the cipher suite list in bytes.",
)
SUITES = Bytes("tls.handshake.ciphersuites", "",
               text=lambda v: f"Cipher Suites ({_plural(len(v) // 2, 'suite')})", explain="The cipher suites the client supports, most preferred first.")  # fmt: skip
SUITE = U16(
    "tls.handshake.ciphersuite",
    "Cipher Suite",
    base=HEX,
    names=_named("suites"),
    explain="A cipher suite: the encryption and hash (and before TLS 1.3, key exchange) "
    "algorithms used together; in a ServerHello, the one chosen.",
)
COMP_LEN = U8(
    "tls.handshake.comp_methods_length",
    "Compression Methods Length",
    explain="Length of the compression method list.",
)
COMP_METHODS = Bytes("tls.handshake.comp_methods", "",
                     text=lambda v: f"Compression Methods ({_plural(len(v), 'method')})", explain="The compression methods the client supports (only null today: "
                     "compression leaked secrets).")  # fmt: skip
COMP_METHOD = U8(
    "tls.handshake.comp_method",
    "Compression Method",
    names=COMPRESSION,
    explain="A compression method (null: none).",
)
EXTS_LEN = U16(
    "tls.handshake.extensions_length",
    "Extensions Length",
    explain="Length in bytes of all the extensions.",
)
EXTENSION = Bytes(
    "tls.handshake.extension",
    "Extension",  # one extension, its fields under it
    text=lambda v: f"{_named('extensions')(_u16(v, 0))} (len={_u16(v, 2)})",
    explain="One extension: an optional feature the sender asks for or agrees to.",
)
EXT_TYPE = U16(
    "tls.handshake.extension.type",
    "Type",
    names=_named("extensions"),
    explain="Which extension this is: extensions add features to the hello (server "
    "name, ALPN, supported versions, key shares...).",
)
EXT_LEN = U16("tls.handshake.extension.len", "Length", explain="Length of the extension's data.")
EXT_DATA = Bytes(
    "tls.handshake.extension.data",
    "Data",
    explain="The data of an extension this tool does not decode further.",
)
SNI_LIST_LEN = U16(
    "tls.handshake.extensions_server_name_list_len",
    "Server Name list length",
    explain="Length in bytes of the list that follows.",
)
SNI_TYPE = U8(
    "tls.handshake.extensions_server_name_type",
    "Server Name Type",
    names={0: "host_name"},
    explain="The kind of name (0: a host name).",
)
SNI_LEN = U16(
    "tls.handshake.extensions_server_name_len",
    "Server Name length",
    explain="Length of the server name.",
)
SNI = Text(
    "tls.handshake.extensions_server_name",
    "Server Name",
    explain="Server Name Indication: the site the client wants, so one server address can "
    "host many sites. Sent in the clear before TLS 1.3's encrypted ClientHello.",
)
# Wireshark's unnamed subtrees inside some extensions: the line is the value
SNI_NODE = Str(
    "tls.handshake.extensions_server_name_indication",
    "",
    explain="The server names the client wants to reach.",
)
RENEG_NODE = Str(
    "tls.handshake.extensions_reneg_info_node", "", explain="Secure renegotiation data (RFC 5746)."
)
KS_NODE = Str(
    "tls.handshake.extensions_key_share",
    "",
    explain="Key shares: (EC)DHE public keys for the groups offered.",
)
KS_ENTRY = Str(
    "tls.handshake.extensions_key_share_entry",
    "Key Share Entry",
    explain="One public key for one group.",
)
ALPN_LEN = U16(
    "tls.handshake.extensions_alpn_len",
    "ALPN Extension Length",
    explain="Length in bytes of the list that follows.",
)
ALPN_LIST = Bytes(
    "tls.handshake.extensions_alpn_list",
    "ALPN Protocol",
    text=lambda v: "",
    explain="The application protocols the client offers, or the one the server picks (ALPN).",
)
ALPN_STR_LEN = U8(
    "tls.handshake.extensions_alpn_str_len",
    "ALPN string length",
    explain="Length of the protocol name.",
)
ALPN_STR = Text(
    "tls.handshake.extensions_alpn_str",
    "ALPN Next Protocol",
    explain="An application protocol name: h2 (HTTP/2), http/1.1...",
)
VERSIONS_LEN = U8(
    "tls.handshake.extensions.supported_versions_len",
    "Supported Versions length",
    explain="Length in bytes of the list that follows.",
)
SUPPORTED_VERSION = U16("tls.handshake.extensions.supported_version", "Supported Version",
                        base=HEX, names=version_name, explain="A TLS version the client supports, or (in a ServerHello) the one "
                        "chosen; this is where TLS 1.3 is negotiated.")  # fmt: skip
GROUPS_LEN = U16(
    "tls.handshake.extensions_supported_groups_length",
    "Supported Groups List Length",
    explain="Length in bytes of the list that follows.",
)
GROUP_LIST = Bytes("tls.handshake.extensions_supported_groups", "",
                   text=lambda v: f"Supported Groups ({_plural(len(v) // 2, 'group')})", explain="The key-exchange groups (elliptic curves and others) the client "
                   "supports.")  # fmt: skip
GROUP = U16("tls.handshake.extensions_supported_group", "Supported Group", base=HEX,
            names=_named("groups"), explain="A key-exchange group: the curve or field the key exchange runs in (x25519, "
            "secp256r1...).")  # fmt: skip
EC_FORMATS_LEN = U8(
    "tls.handshake.extensions_ec_point_formats_length",
    "EC point formats Length",
    explain="Length of the point format list.",
)
EC_FORMATS = Bytes("tls.handshake.extensions_ec_point_formats", "",
                   text=lambda v: f"Elliptic curves point formats ({len(v)})", explain="The elliptic-curve point encodings the sender understands.")  # fmt: skip
EC_FORMAT = U8(
    "tls.handshake.extensions_ec_point_format",
    "EC point format",
    names=EC_POINT_FORMATS,
    explain="An elliptic-curve point encoding (uncompressed is the usual one).",
)
SIG_LEN = U16(
    "tls.handshake.sig_hash_alg_len",
    "Signature Hash Algorithms Length",
    explain="Length in bytes of the list that follows.",
)
SIG_LIST = Bytes(
    "tls.handshake.sig_hash_algs",
    "",
    text=lambda v: f"Signature Hash Algorithms ({_plural(len(v) // 2, 'algorithm')})",
    explain="The signature algorithms the client accepts in the server's certificate "
    "and handshake signature.",
)
SIG_HASHES = {0: "None", 1: "MD5", 2: "SHA1", 3: "SHA224", 4: "SHA256", 5: "SHA384", 6: "SHA512",
              7: "SM3"}  # fmt: skip
SIG_SIGNATURES = {0: "Anonymous", 1: "RSA", 2: "DSA", 3: "ECDSA", 4: "SM2"}


def _sig_name(value: int) -> str:
    """A signature scheme's name; else, as Wireshark, its hash and signature (TLS 1.2's
    pair, "SHA256 DSA"), or "Unknown"."""
    name = _named("sigs")(value)
    if name != "Unknown":
        return name
    h, sig = SIG_HASHES.get(value >> 8), SIG_SIGNATURES.get(value & 0xFF)
    return f"{h} {sig}" if h and sig else "Unknown"


SIG = U16(
    "tls.handshake.sig_hash_alg",
    "Signature Algorithm",
    base=HEX,
    names=_sig_name,
    explain="A signature algorithm (such as ecdsa_secp256r1_sha256 or rsa_pss_rsae_sha256).",
)
SIG_HASH = U8("tls.handshake.sig_hash_hash", "Signature Hash Algorithm Hash",
              names=lambda v: SIG_HASHES.get(v, "Unknown"),
              explain="The hash half of a TLS 1.2 signature algorithm.")  # fmt: skip
SIG_SIG = U8("tls.handshake.sig_hash_sig", "Signature Hash Algorithm Signature",
             names=lambda v: SIG_SIGNATURES.get(v, "Unknown"),
             explain="The signature half of a TLS 1.2 signature algorithm.")  # fmt: skip
PSK_MODES_LEN = U8(
    "tls.extension.psk_ke_modes_length",
    "PSK Key Exchange Modes Length",
    explain="Length in bytes of the list of modes.",
)
PSK_MODE = U8("tls.extension.psk_ke_mode", "PSK Key Exchange Mode",
              explain="How a resumed session may set up keys: the pre-shared key alone, or with "
              "a fresh (EC)DHE exchange.", names={
    0: "PSK-only key establishment (psk_ke)", 1: "PSK with (EC)DHE key establishment (psk_dhe_ke)",
})  # fmt: skip
KS_CLIENT_LEN = U16(
    "tls.handshake.extensions_key_share_client_length",
    "Client Key Share Length",
    explain="Length in bytes of the list that follows.",
)
KS_GROUP = U16(
    "tls.handshake.extensions_key_share_group",
    "Group",
    names=_named("groups"),
    explain="The group of this key share.",
)
KS_KEX_LEN = U16(
    "tls.handshake.extensions_key_share_key_exchange_length",
    "Key Exchange Length",
    explain="Length of the public key.",
)
KS_KEX = Bytes(
    "tls.handshake.extensions_key_share_key_exchange",
    "Key Exchange",
    explain="The sender's public key for the key exchange (TLS 1.3 sends it in the "
    "hello, saving a round trip).",
)
KS_SELECTED = U16("tls.handshake.extensions_key_share_selected_group", "Selected Group",
                  names=_named("groups"),
                  explain="The group the server wants the client to use: the client must send its "
                  "hello again with a key share for it.")  # fmt: skip
RENEG_LEN = U8("tls.handshake.extensions_reneg_info_len", "Renegotiation info extension length",
               explain="Length of the renegotiation data.")  # fmt: skip
RENEG = Bytes("tls.handshake.extensions_reneg_info", "Renegotiation info",
              explain="Secure renegotiation (RFC 5746): ties a renegotiation to the connection it "
              "happens on (empty in a first handshake).")  # fmt: skip
PADDING = Bytes("tls.handshake.extensions_padding_data", "Padding Data",
                explain="Padding that makes the ClientHello a size some broken middleboxes handle "
                "(RFC 7685).")  # fmt: skip
HEARTBEAT_MESSAGE = Bytes("tls.heartbeat_message", "Heartbeat Message",
                          explain="A heartbeat message: keeps the connection alive (the extension "
                          "of the Heartbleed bug).")  # fmt: skip
HEARTBEAT_TYPE = U8("tls.heartbeat_message.type", "Type", names={1: "Request", 2: "Response"},
                    explain="Heartbeat request, or the response echoing it.")  # fmt: skip
HEARTBEAT_LEN = U16("tls.heartbeat_message.payload_length", "Payload Length",
                    explain="Length of the payload the response must echo.")  # fmt: skip


class _Seg:
    """What the records of this segment have shown so far."""

    __slots__ = ("infos", "encrypted", "tls13", "hello", "last", "out", "crypto", "frag")

    def __init__(self) -> None:
        self.infos: list[str] = []
        self.encrypted = False  # a ChangeCipherSpec came before: later records are protected
        self.tls13 = False  # a ServerHello chose TLS 1.3
        self.hello = ""  # "client"/"server"/"hrr" while decoding a hello's extensions
        self.last = 0  # content type of the previous record
        self.out: _Out | None = None  # made when a record body needs walking
        self.crypto = False  # QUIC CRYPTO frames, which QUIC reassembles, not records
        self.frag: tuple[int, str, bool] | None = None  # this record's TlsState.marks entry


class _Out:
    """Where a walk over record bodies sends what it finds. The list only needs the Info
    text and the issues, so tail() walks with fields off; detail() walks the same bytes
    again with fields on and issues off (tail() raised them already, once)."""

    __slots__ = ("layer", "data", "fields")

    def __init__(self, layer: Layer, data: Any, fields: bool) -> None:
        self.layer, self.data, self.fields = layer, data, fields

    def add(
        self, spec: FieldSpec, pos: int, length: int, value: Any, parent: Field | None
    ) -> Field | None:
        """A field under parent (None: top level) with fields on; nothing with them off."""
        if self.fields:
            return self.layer.add(spec, pos, length, value, 0, parent)
        return None

    def span(self, spec: FieldSpec, pos: int, end: int, parent: Field | None) -> Field | None:
        """A field whose value is its own bytes (sliced only when fields are built)."""
        if self.fields:
            return self.layer.add(spec, pos, end - pos, self.data[pos:end], 0, parent)
        return None

    def issue(
        self, severity: str, group: str, code: str, message: str, pos: int, length: int
    ) -> None:
        """An issue with fields off (tail() raises each once); nothing with them on."""
        if not self.fields:
            self.layer.issue(severity, group, code, message, pos, length)


def _u16(data: bytes, pos: int) -> int:
    return (data[pos] << 8) | data[pos + 1]


def _u24(data: bytes, pos: int) -> int:
    return (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]


def _u32(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "big")


def _gmt_text(secs: int) -> str:
    """'Feb  8, 2049 03:52:07.000000000 UTC': seconds since 1970 as Wireshark writes a time."""
    t = datetime.datetime.fromtimestamp(secs, datetime.UTC)
    return f"{t:%b} {t.day:2d}, {t.year} {t:%H:%M:%S}.000000000 UTC"


def looks_like_record(data: bytes, pos: int) -> bool:
    """ssl_looks_like_sslv3: a known content type and an SSL 3.0..TLS 1.2 record version."""
    return data[pos] in CONTENT_TYPES and _u16(data, pos + 1) in RECORD_VERSIONS


def _tail(data: Any, layer: Layer) -> None:
    """Records, Info and issues; the fields wait for detail() (layer.state keeps the records)."""
    _walk(data, layer, None)


def _walk(data: Any, layer: Layer, marks: dict[int, tuple[int, str, bool]] | None) -> None:
    pos, end = layer.pos, layer.payload_end
    if end - pos > 4 and PRINTABLE.issuperset(data[pos : pos + 4]):
        _reject(data, layer)  # printable text is not TLS: Wireshark gives the segment back
        return
    seg = _Seg()
    kept: list[_Kept] = []
    pkt = layer.packet
    cut = pkt.wirelen - pkt.caplen if end >= pkt.caplen else 0  # bytes the snap length took
    for _i in range(MAX_RECORDS):  # every pass moves on by a whole record or ends the loop
        if pos >= end:
            break
        if end - pos < 5:
            _partial_header(layer, pos, end, cut)
            break
        if not looks_like_record(data, pos):
            seg.infos.append("Continuation Data")
            break
        length = _u16(data, pos + 3)
        if pos + 5 + length > end + cut:
            _continued(data, layer, pos, end, length, seg)
            kept.append((pos, length, False, False, False))
            break
        seg.frag = marks.get(pos) if marks else None
        kept.append(_record(data, layer, pos, length, seg))
        pos += 5 + length
    else:
        if pos < end:
            layer.issue("note", "protocol", "tls.too_many_records",
                        f"more than {MAX_RECORDS} records in one segment: the rest is not decoded",
                        pos, end - pos)  # fmt: skip
    layer.hdr_len = end - layer.pos
    layer.payload_pos = end
    # a message over several records is one "[Certificate Fragment]" until it completes
    infos = [t for k, t in enumerate(seg.infos)
             if not (k and t == seg.infos[k - 1] and t.endswith(" Fragment]"))]  # fmt: skip
    layer.state = TlsState(kept, ", ".join(infos), marks)


def refragment(layer: Layer, marks: dict[int, tuple[int, str, bool]]) -> None:
    """Walk the layer's records again knowing which handshake messages continue over
    records (the stream layer found them): a record's first `cont` bytes end or continue
    an earlier record's message, a message running past its record is a fragment of one
    put together later. Issues are raised anew."""
    layer.issues.clear()
    _walk(layer.packet.data, layer, marks)


def handshake_layer(layer: Layer, fragments: list[tuple[int, int]]) -> None:
    """Make a TLS layer decoded over a handshake message put together from several records
    show that message (no record header): its fragments, then the message."""
    data = layer.packet.data
    layer.issues.clear()
    _handshakes(data, _Out(layer, data, False), None, 0, len(data), len(data), _Seg())
    layer.hdr_len = layer.payload_end - layer.pos
    layer.state = TlsState([(0, -1, True, False, False)], "", fragments)


def _detail(data: Any, layer: Layer) -> None:
    """The fields of the records tail() found: headers from what it kept, bodies by walking
    them again with fields on."""
    out = None
    limit = layer.payload_end
    records = layer.state.records if layer.state is not None else ()
    for pos, length, whole, opaque, encrypted in records:
        if length < 0:  # a handshake message put together from records (handshake_layer)
            _reassembled_message(data, layer, pos, limit)
            continue
        end = min(pos + 5 + length, limit)
        ctype = data[pos]
        marks = layer.state.marks
        frag = marks.get(pos) if isinstance(marks, dict) else None
        rec = layer.add(RECORD, pos, end - pos,
                        data[pos:end] if frag is None else _fragment_title(data, pos, end, frag))  # fmt: skip
        layer.child(rec, OPAQUE_TYPE if opaque else CONTENT_TYPE, pos, 1, ctype)
        layer.child(rec, RECORD_VERSION, pos + 1, 2, _u16(data, pos + 1))
        layer.child(rec, RECORD_LENGTH, pos + 3, 2, length)
        if not whole:
            continue
        if ctype == APPLICATION_DATA or ctype == CHANGE_CIPHER_SPEC:  # nothing to walk
            spec = APP_DATA if ctype == APPLICATION_DATA else CCS
            layer.child(rec, spec, pos + 5, end - pos - 5, data[pos + 5 : end])
            continue
        seg = _Seg()
        seg.encrypted = encrypted
        seg.frag = frag
        if out is None:
            out = _Out(layer, data, True)
        _body(data, out, rec, ctype, pos + 5, end, pos + 5 + length, seg)


def _fragment_title(data: Any, pos: int, end: int, frag: tuple[int, str, bool]) -> str:
    """A record's line when it carries part of a message over several records: the
    message it ends ("Certificate") or begins ("Certificate (fragment)"), as tshark's."""
    cont, name, last = frag
    what = [name + ("" if last else " (fragment)")] if cont else []
    p = pos + 5 + cont
    while p + 4 <= end and len(what) < 2:  # each message moves on by at least 4 bytes
        what.append(HANDSHAKE_TYPES.get(data[p], "Unknown")
                    + (" (fragment)" if p + 4 + _u24(data, p + 1) > end else ""))  # fmt: skip
        p += 4 + _u24(data, p + 1)
    shown = "Multiple Handshake Messages" if len(what) > 1 else what[0] if what else name
    version = RECORD_LABELS.get(_u16(data, pos + 1), "TLS")
    return f"{version} Record Layer: Handshake Protocol: {shown}"


def _reassembled_message(data: Any, layer: Layer, pos: int, end: int) -> None:
    """The fragments a message was put together from (spans in its bytes), then it."""
    frags = layer.state.marks or []
    top = layer.add(HS_FRAGMENTS, pos, end - pos,
                    f"{len(frags)} Reassembled Handshake Fragments ({end - pos} bytes): "
                    + ", ".join(f"#{f}({n})" for f, n in frags))  # fmt: skip
    at = pos
    for frame, n in frags:
        layer.add(HS_FRAGMENT, at, n, frame, 0, top)
        at += n
    layer.add(HS_FRAGMENT_COUNT, pos, 0, len(frags), 0, top)
    _handshakes(data, _Out(layer, data, True), None, pos, end, end, _Seg())


def _partial_header(layer: Layer, pos: int, end: int, cut: int) -> None:
    if cut:
        layer.short(pos + 5 - layer.pos, "TLS record header")
        return
    layer.issue("note", "protocol", "tls.record.continued",
                f"{end - pos} bytes of a TLS record header continue in the next segment "
                "(not reassembled)", pos, end - pos)  # fmt: skip


def _continued(data: bytes, layer: Layer, pos: int, end: int, length: int, seg: _Seg) -> None:
    """A record longer than the rest of the segment: its header only (detail() adds it), and
    a note. Wireshark leaves Info empty when that is all there is; naming the record says more."""
    layer.issue("note", "protocol", "tls.record.continued",
                f"TLS record of {length} bytes continues in the next segment "
                f"({end - pos - 5} of them here; not reassembled)", pos, end - pos)  # fmt: skip
    if not seg.infos:
        what = CONTENT_TYPES[data[pos]]
        if data[pos] == HANDSHAKE and end > pos + 5:
            what = HANDSHAKE_TYPES.get(data[pos + 5], what)
        seg.infos.append(f"{what} (record continues in the next segment)")


def _record(data: bytes, layer: Layer, pos: int, length: int, seg: _Seg) -> _Kept:
    """One whole record (its end may still be cut by the snap length), read by tail()."""
    stop = pos + 5 + length
    limit = layer.payload_end
    end = min(stop, limit)
    ctype = data[pos]
    # TLS 1.2 follows a ChangeCipherSpec with an encrypted Finished (a handshake record);
    # application data right after it means TLS 1.3, whose outer type Wireshark calls opaque.
    opaque = ctype == APPLICATION_DATA and (seg.tls13 or seg.last == CHANGE_CIPHER_SPEC)
    seg.tls13 = seg.tls13 or opaque
    seg.last = ctype
    kept = (pos, length, True, opaque, seg.encrypted)
    if end < stop:
        layer.short(stop - layer.pos, "TLS record")
    if ctype == APPLICATION_DATA:
        seg.infos.append("Application Data")
    elif ctype == CHANGE_CIPHER_SPEC:
        seg.infos.append("Change Cipher Spec")
        seg.encrypted = True
    else:
        if seg.out is None:
            seg.out = _Out(layer, data, False)
        _body(data, seg.out, None, ctype, pos + 5, end, stop, seg)
    return kept


def _body(
    data: bytes, out: _Out, rec: Field | None, ctype: int, body: int, end: int, stop: int,
    seg: _Seg,
) -> None:  # fmt: skip
    """The body of a handshake, alert or heartbeat record, walked by tail() with fields off
    and by detail() with fields on; from body to end (captured) or stop (the record's end)."""
    if ctype == HANDSHAKE:
        _handshakes(data, out, rec, body, end, stop, seg)
    elif ctype == ALERT:
        _alert(data, out, rec, body, end, seg)
    else:
        _heartbeat(data, out, rec, body, end, seg)


def _heartbeat(data: bytes, out: _Out, rec: Field | None, body: int, end: int, seg: _Seg) -> None:
    """Heartbeat (RFC 6520): type and payload length when it reads as plaintext."""
    f = out.span(HEARTBEAT_MESSAGE, body, end, rec)
    if seg.encrypted or end - body < 3 or data[body] not in (1, 2):
        seg.infos.append("Encrypted Heartbeat")
        return
    out.add(HEARTBEAT_TYPE, body, 1, data[body], f)
    out.add(HEARTBEAT_LEN, body + 1, 2, _u16(data, body + 1), f)
    seg.infos.append("Heartbeat Request" if data[body] == 1 else "Heartbeat Response")


def _alert(data: bytes, out: _Out, rec: Field | None, body: int, end: int, seg: _Seg) -> None:
    f = out.span(ALERT_MESSAGE, body, end, rec)
    if end - body != 2 or seg.encrypted:
        seg.infos.append("Encrypted Alert")
        return
    level, desc = data[body], data[body + 1]
    out.add(ALERT_LEVEL, body, 1, level, f)
    out.add(ALERT_DESC, body + 1, 1, desc, f)
    text = ALERT_DESCRIPTIONS.get(desc, f"Unknown ({desc})")
    seg.infos.append(f"Alert (Level: {ALERT_LEVELS.get(level, 'Unknown')}, Description: {text})")


def _handshakes(
    data: bytes, out: _Out, rec: Field | None, pos: int, end: int, stop: int, seg: _Seg
) -> None:
    """The handshake messages of one record, from pos to end (captured) or stop (record end)."""
    frag = seg.frag
    if frag is not None and frag[0] > 0:  # the end or middle of an earlier record's message
        cont, name, last = frag
        out.add(HANDSHAKE_MSG, pos, min(cont, end - pos),
                f"{name} ({'last ' if last else ''}fragment)", rec)  # fmt: skip
        seg.infos.append(name if last else f"[{name} Fragment]")
        pos += cont
        if pos >= end:
            return
    if (
        end - pos < 4
        or data[pos] not in HANDSHAKE_TYPES
        or (
            # After a ChangeCipherSpec, handshakes are encrypted (a TLS 1.2 Finished) unless the
            # record holds exactly one plausible message (TLS 1.3 sends a ClientHello after
            # its compatibility CCS when the server asked to retry).
            seg.encrypted and 4 + _u24(data, pos + 1) != stop - pos
        )
    ):
        out.span(HANDSHAKE_MSG, pos, end, rec)
        seg.infos.append("Encrypted Handshake Message")
        return
    while stop - pos >= 4 and end - pos >= 4:  # each message moves on by at least 4 bytes
        htype, length = data[pos], _u24(data, pos + 1)
        if htype not in HANDSHAKE_TYPES:
            break  # only the first message of a record may be unknown (encrypted)
        if frag is not None and pos + 4 + length > stop:  # put together in a later record
            out.add(HANDSHAKE_MSG, pos, end - pos, f"{HANDSHAKE_TYPES[htype]} (fragment)", rec)
            seg.infos.append(f"[{HANDSHAKE_TYPES[htype]} Fragment]")
            break
        msg_end = min(pos + 4 + length, end)
        msg = out.span(HANDSHAKE_MSG, pos, msg_end, rec)
        out.add(HS_TYPE, pos, 1, htype, msg)
        out.add(HS_LENGTH, pos + 1, 3, length, msg)
        info = HANDSHAKE_TYPES[htype]
        if pos + 4 + length > stop:
            where = ("the next CRYPTO frame (decoded where it ends)" if seg.crypto
                     else "the next record (not reassembled)")  # fmt: skip
            out.issue("note", "protocol", "tls.handshake.fragment",
                      f"{info} of {length} bytes continues in {where}", pos, stop - pos)  # fmt: skip
        elif htype == 1 or htype == 2:
            info = _hello(data, out, msg, pos + 4, msg_end, htype, seg)
        elif seg.crypto and out.fields and htype in TLS13_BODIES:
            TLS13_BODIES[htype](data, out, msg, pos + 4, msg_end, seg)
        elif htype == 11 and out.fields and not seg.tls13:
            _certificates(data, out, msg, pos + 4, msg_end)
        elif htype == 12 and out.fields and not seg.tls13 and msg_end == pos + 4 + length:
            _server_key_exchange(data, out, msg, pos + 4, msg_end, seg)
        seg.infos.append(info)
        pos += 4 + length


# A handshake message split over QUIC CRYPTO frames: quic.py lists the pieces it came from.
HS_FRAGMENTS = Str("tls.handshake.fragments", "Reassembled Handshake Fragments",
                   explain="The pieces a handshake message split over several packets came from.")  # fmt: skip
HS_FRAGMENT = Int("tls.handshake.fragment", "Handshake Fragment",
                  explain="The frame one piece of the message came in.")  # fmt: skip
HS_FRAGMENT_COUNT = Int("tls.handshake.fragment.count", "Handshake Fragment count",
                        explain="How many pieces the message was reassembled from.")  # fmt: skip

# -- TLS 1.3 messages after the hellos, readable in QUIC's decrypted CRYPTO frames --------------
CERT_CONTEXT_LEN = U8("tls.handshake.certificate_request_context_length",
                      "Certificate Request Context Length",
                      explain="Length of the context a CertificateRequest set (0 for a server).")  # fmt: skip
CV_SIG_LEN = U16("tls.handshake.client_cert_vrfy.sig_len", "Signature length",
                 explain="Bytes of the signature.")  # fmt: skip
CV_SIG = Bytes("tls.handshake.client_cert_vrfy.sig", "Signature",
               explain="The signature over the handshake so far, made with the certificate's key.")  # fmt: skip
VERIFY_DATA = Bytes("tls.handshake.verify_data", "Verify Data",
                    explain="The MAC over the whole handshake: proves both sides saw the same one.")  # fmt: skip


def _encrypted_extensions(data: bytes, out: _Out, msg: Field | None, pos: int, end: int,
                          seg: _Seg) -> None:  # fmt: skip
    """EncryptedExtensions (RFC 8446 4.3.1): the server's extensions (ALPN, QUIC's
    transport parameters)."""
    seg.hello = "server"
    _extensions(data, out, msg, pos, end, seg)


def _certificate(data: bytes, out: _Out, msg: Field | None, pos: int, end: int,
                 seg: _Seg) -> None:  # fmt: skip
    """Certificate (RFC 8446 4.4.2): context, then each certificate with its extensions."""
    if pos + 4 > end:
        return
    n = data[pos]
    out.add(CERT_CONTEXT_LEN, pos, 1, n, msg)
    p = pos + 1 + n
    if p + 3 > end:
        return
    total = _u24(data, p)
    out.add(CERTS_LEN, p, 3, total, msg)
    p += 3
    stop = min(end, p + total)
    certs = out.span(CERTS, p, stop, msg)
    while p + 3 <= stop:  # each entry moves on by at least 5 bytes
        clen = _u24(data, p)
        out.add(CERT_LEN, p, 3, clen, certs)
        if p + 3 + clen > stop:
            return
        cert = out.span(CERT, p + 3, p + 3 + clen, certs)
        if cert is not None:
            _x509(data, out, cert, p + 3, p + 3 + clen)
        p += 3 + clen
        if p + 2 > stop:
            return
        elen = _u16(data, p)
        out.add(EXTS_LEN, p, 2, elen, certs)
        p += 2 + elen


def _certificate_verify(data: bytes, out: _Out, msg: Field | None, pos: int, end: int,
                        seg: _Seg) -> None:  # fmt: skip
    """CertificateVerify (RFC 8446 4.4.3): the signature scheme and the signature."""
    if pos + 4 > end:
        return
    f = out.add(SIG, pos, 2, _u16(data, pos), msg)
    out.add(SIG_HASH, pos, 1, data[pos], f)
    out.add(SIG_SIG, pos + 1, 1, data[pos + 1], f)
    n = _u16(data, pos + 2)
    out.add(CV_SIG_LEN, pos + 2, 2, n, msg)
    out.span(CV_SIG, pos + 4, min(end, pos + 4 + n), msg)


def _finished(data: bytes, out: _Out, msg: Field | None, pos: int, end: int, seg: _Seg) -> None:
    out.span(VERIFY_DATA, pos, end, msg)


TLS13_BODIES = {8: _encrypted_extensions, 11: _certificate, 15: _certificate_verify,
                20: _finished}  # fmt: skip


# -- ServerKeyExchange (RFC 8422 section 5.4, RFC 5246 section 7.4.3) ------------------------------
# Which key exchange the parameters are for is the cipher suite's, chosen in a ServerHello
# this message may not travel with (it can complete in another frame): the layout is
# recognised from the bytes instead, and only when every length adds up to the message's.
PARAMS_NODE = Str("tls.handshake.server_params", "",
                  explain="The server's temporary public key for the key exchange, signed "
                  "with its certificate's key.")  # fmt: skip
CURVE_TYPE = U8("tls.handshake.server_curve_type", "Curve Type", base=HEX,
                names={1: "explicit_prime", 2: "explicit_char2", 3: "named_curve"},
                explain="How the curve is given: 3 names a standard curve.")  # fmt: skip
NAMED_CURVE = U16("tls.handshake.server_named_curve", "Named Curve", base=HEX,
                  names=_named("groups"), explain="The elliptic curve of the key exchange.")  # fmt: skip
POINT_LEN = U8("tls.handshake.server_point_len", "Pubkey Length",
               explain="Bytes of the server's public key.")  # fmt: skip
POINT = Bytes("tls.handshake.server_point", "Pubkey",
              explain="The server's temporary public key (a point on the curve).")  # fmt: skip
P_LEN = U16("tls.handshake.p_len", "p Length", explain="Bytes of the prime p.")
P = Bytes("tls.handshake.p", "p", explain="The Diffie-Hellman prime modulus.")
G_LEN = U16("tls.handshake.g_len", "g Length", explain="Bytes of the generator g.")
G = Bytes("tls.handshake.g", "g", explain="The Diffie-Hellman generator.")
YS_LEN = U16("tls.handshake.ys_len", "Pubkey Length", explain="Bytes of the server's public key.")
YS = Bytes("tls.handshake.ys", "Pubkey", explain="The server's temporary public value g^x mod p.")
SKE_SIG_LEN = U16("tls.handshake.sig_len", "Signature Length", explain="Bytes of the signature.")
SKE_SIG = Bytes("tls.handshake.sig", "Signature",
                explain="The server's signature over both randoms and these parameters.")  # fmt: skip


def _server_key_exchange(data: bytes, out: _Out, msg: Field | None, pos: int, end: int,
                         seg: _Seg) -> None:  # fmt: skip
    """ECDHE parameters on a named curve, or DHE's p, g and Ys; then the signature."""
    if end - pos >= 4 and data[pos] == 3 and _signed_end(data, pos + 4 + data[pos + 3], end):
        node = out.add(PARAMS_NODE, pos, end - pos, "EC Diffie-Hellman Server Params", msg)
        out.add(CURVE_TYPE, pos, 1, 3, node)
        out.add(NAMED_CURVE, pos + 1, 2, _u16(data, pos + 1), node)
        out.add(POINT_LEN, pos + 3, 1, data[pos + 3], node)
        out.span(POINT, pos + 4, pos + 4 + data[pos + 3], node)
        _ske_signature(data, out, node, pos + 4 + data[pos + 3], end)
        return
    p = pos
    for _k in range(3):  # p, g, Ys: three vectors with a 2-byte length
        if p + 2 > end:
            return
        p += 2 + _u16(data, p)
    if not _signed_end(data, p, end):
        return
    node = out.add(PARAMS_NODE, pos, end - pos, "Diffie-Hellman Server Params", msg)
    p = pos
    for spec_len, spec in ((P_LEN, P), (G_LEN, G), (YS_LEN, YS)):
        n = _u16(data, p)
        out.add(spec_len, p, 2, n, node)
        out.span(spec, p + 2, p + 2 + n, node)
        p += 2 + n
    _ske_signature(data, out, node, p, end)


def _signed_end(data: bytes, at: int, end: int) -> bool:
    """The parameters end at `at` and a signature (TLS 1.2's with its algorithm, or an
    older one without) or nothing (anonymous) fills the rest exactly."""
    rest = end - at
    if rest == 0:
        return True
    if rest >= 4 and 4 + _u16(data, at + 2) == rest:
        return True
    return rest >= 2 and 2 + _u16(data, at) == rest


def _ske_signature(data: bytes, out: _Out, node: Field | None, p: int, end: int) -> None:
    if p == end:
        return
    if 4 + _u16(data, p + 2) == end - p:  # TLS 1.2: the algorithm comes first
        f = out.add(SIG, p, 2, _u16(data, p), node)
        out.add(SIG_HASH, p, 1, data[p], f)
        out.add(SIG_SIG, p + 1, 1, data[p + 1], f)
        p += 2
    out.add(SKE_SIG_LEN, p, 2, _u16(data, p), node)
    out.span(SKE_SIG, p + 2, end, node)


# -- certificates (RFC 5246 section 7.4.2; X.509, RFC 5280) ----------------------------------------
# A walk over the DER encoding (tag, length, content), bounded by the certificate's bytes,
# gives each field its span and its value: names as RFC 4514 text, times, and the
# extensions Wireshark decodes here (subjectAltName, the authority key's issuer name, the
# Certificate Transparency timestamps). No parser that could refuse a certificate: what
# the walk reads is shown, and a part whose lengths do not add up ends it.
CERTS_LEN = U24("tls.handshake.certificates_length", "Certificates Length",
                explain="Bytes of the certificate chain that follows.")  # fmt: skip
CERTS = Bytes("tls.handshake.certificates", "", text=lambda v: f"Certificates ({len(v)} bytes)",
              explain="The sender's certificate chain: its own certificate first, then "
              "the ones that signed it.")  # fmt: skip
CERT_LEN = U24("tls.handshake.certificate_length", "Certificate Length",
               explain="Bytes of the certificate that follows (DER).")  # fmt: skip
CERT = Bytes("tls.handshake.certificate", "Certificate", explain="One X.509 certificate in "
             "DER: who it names (subject), who signed it (issuer), when it is valid.")  # fmt: skip
X509_VERSION = Int("x509af.version", "version", names={0: "v1", 1: "v2", 2: "v3"},
                   explain="The certificate format version (2 means v3: it has extensions).")  # fmt: skip
X509_SERIAL = Bytes("x509af.serialNumber", "serialNumber",
                    explain="The number the issuer gave this certificate (unique per issuer).")  # fmt: skip
X509_ISSUER = Str("x509if.rdnSequence", "issuer", explain="Who signed the certificate.")
X509_SUBJECT = Str("x509af.rdnSequence", "subject", explain="Who the certificate names.")
X509_OID = Str("x509if.oid", "Object Id", explain="Which attribute of the name this is.")
X509_COUNTRY = Str("x509sat.CountryName", "CountryName", explain="A country code.")
X509_UTF8 = Str("x509sat.uTF8String", "uTF8String", explain="A name attribute's text.")
X509_PRINTABLE = Str("x509sat.printableString", "printableString",
                     explain="A name attribute's text.")  # fmt: skip
X509_NOT_BEFORE = Str("x509af.notBefore", "notBefore",
                      explain="The certificate is not valid before this time.")  # fmt: skip
X509_NOT_AFTER = Str("x509af.notAfter", "notAfter",
                     explain="The certificate is not valid after this time.")  # fmt: skip
X509_DNS = Str("x509ce.dNSName", "dNSName", explain="A host name the certificate is valid "
               "for (subjectAltName).")  # fmt: skip
X509_IP = Str("x509ce.IPAddress.ipv4", "iPAddress", explain="An IP address the certificate "
              "is valid for (subjectAltName).")  # fmt: skip
MAX_CERTS = 64  # certificates walked per message
# countryName and the EV certificates' jurisdictionCountryName: both a CountryName
COUNTRY_OIDS = frozenset(("2.5.4.6", "1.3.6.1.4.1.311.60.2.1.3"))


X509_DIRNAME = Int("x509ce.directoryName", "directoryName", names={0: "rdnSequence"},
                   explain="The name of the CA that issued the signing certificate "
                   "(authorityKeyIdentifier).")  # fmt: skip
SCT_LIST_LEN = U16("tls.sct.scts_length", "Serialized SCT List Length",
                   explain="Bytes of the Certificate Transparency timestamps that follow.")  # fmt: skip
SCT_NODE = Str("tls.sct.entry", "", explain="A public log's promise that it recorded this "
               "certificate (Certificate Transparency, RFC 6962).")  # fmt: skip
SCT_LEN = U16("tls.sct.sct_length", "Serialized SCT Length", explain="Bytes of this timestamp.")
SCT_VERSION = U8("tls.sct.sct_version", "SCT Version", explain="0 is RFC 6962's version 1.")
SCT_LOGID = Bytes("tls.sct.sct_logid", "Log ID", explain="SHA-256 of the log's public key.")
SCT_TIME = U64("tls.sct.sct_timestamp", "Timestamp", text=lambda v: _ms_text(v),
               explain="When the log saw the certificate.")  # fmt: skip
SCT_EXT_LEN = U16("tls.sct.sct_extensions_length", "Extensions length",
                  explain="Bytes of the timestamp's extensions (none defined yet).")  # fmt: skip
SCT_SIG_LEN = U16("tls.sct.sct_signature_length", "Signature Length",
                  explain="Bytes of the log's signature.")  # fmt: skip
SCT_SIG = Bytes("tls.sct.sct_signature", "Signature", explain="The log's signature over the "
                "timestamp and the certificate.")  # fmt: skip
SAN_OID, AKI_OID, SCT_OID = "2.5.29.17", "2.5.29.35", "1.3.6.1.4.1.11129.2.4.2"
# RFC 4514's short names (as the cryptography package writes them); others stay dotted
DN_NAMES = {"2.5.4.3": "CN", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
            "2.5.4.11": "OU", "2.5.4.6": "C", "2.5.4.9": "STREET",
            "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID"}  # fmt: skip
STRING_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1A: "ascii",
                 0x1E: "utf-16-be", 0x1C: "utf-32-be"}  # fmt: skip


def _certificates(data: bytes, out: _Out, msg: Field | None, pos: int, end: int) -> None:
    if end - pos < 3:
        return
    total = _u24(data, pos)
    out.add(CERTS_LEN, pos, 3, total, msg)
    pos += 3
    stop = min(pos + total, end)
    box = out.span(CERTS, pos, stop, msg)
    for _ in range(MAX_CERTS):
        if stop - pos < 3:
            break
        n = _u24(data, pos)
        out.add(CERT_LEN, pos, 3, n, box)
        cert_end = min(pos + 3 + n, stop)
        cert = out.span(CERT, pos + 3, cert_end, box)
        if cert is not None and cert_end - pos - 3 == n:
            _x509(data, out, cert, pos + 3, cert_end)
        pos = cert_end


def _der(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at pos; ValueError when its
    length runs past end."""
    if pos + 2 > end:
        raise ValueError("DER element header runs past its container")
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if not 0 < k <= 4:
            raise ValueError("DER length")
        n = int.from_bytes(data[pos : pos + k], "big")
        pos += k
    if pos + n > end:
        raise ValueError("DER element runs past its container")
    return tag, pos, pos + n


def _children(data: bytes, pos: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while pos < end and len(out) < 256:
        tag, start, stop = _der(data, pos, end)
        out.append((tag, start, stop))
        pos = stop
    return out


def _oid(raw: bytes) -> str:
    """An OBJECT IDENTIFIER's content as dotted text."""
    if not raw:
        return ""
    first = min(raw[0] // 40, 2)
    parts, v = [first, raw[0] - 40 * first], 0
    for b in raw[1:]:
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(v)
            v = 0
    return ".".join(str(x) for x in parts)


def _der_text(tag: int, raw: bytes) -> str:
    codec = STRING_CODECS.get(tag)
    return raw.decode(codec, "replace") if codec else raw.hex()


def _ms_text(ms: int) -> str:
    """Milliseconds since 1970 as Wireshark writes an absolute time."""
    secs, rest = divmod(ms, 1000)
    try:
        t = datetime.datetime.fromtimestamp(secs, datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return f"{ms} ms"
    return f"{t:%b} {t.day:2d}, {t.year} {t:%H:%M:%S}.{rest:03d}000000 UTC"


def _der_time(tag: int, raw: bytes) -> str:
    """UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime as '2026-12-07
    13:29:41 (UTC)'."""
    text = raw.decode("ascii", "replace")
    if tag == 0x17 and len(text) >= 12:
        text = ("19" if text[:2] >= "50" else "20") + text
    d = text[:14]
    if len(d) < 14 or not d.isdigit():
        return text
    return f"{d[:4]}-{d[4:6]}-{d[6:8]} {d[8:10]}:{d[10:12]}:{d[12:14]} (UTC)"


def _x509(data: bytes, out: _Out, cert: Field, pos: int, end: int) -> None:
    """The certificate's main parts under its field, as far as its DER reads."""
    try:
        _tag, start, stop = _der(data, pos, end)
        tbs = _children(data, *_der(data, start, stop)[1:])
        k = 1 if tbs and tbs[0][0] == 0xA0 else 0
        if k:
            out.add(X509_VERSION, tbs[0][2] - 1, 1, data[tbs[0][2] - 1], cert)
        if len(tbs) < k + 6:
            return
        serial = tbs[k]
        out.add(X509_SERIAL, serial[1], serial[2] - serial[1], data[serial[1] : serial[2]], cert)
        _name(data, out, cert, tbs[k + 2], X509_ISSUER)
        for spec, (ttag, a, b) in zip((X509_NOT_BEFORE, X509_NOT_AFTER),
                                      _children(data, tbs[k + 3][1], tbs[k + 3][2]), strict=False):  # fmt: skip
            head = 2 if b - a < 0x80 else 3  # the time's tag and length are part of its span
            out.add(spec, a - head, b - a + head, _der_time(ttag, data[a:b]), cert)
        _name(data, out, cert, tbs[k + 4], X509_SUBJECT)
        ext = next((e for e in tbs[k + 6 :] if e[0] == 0xA3), None)
        if ext is not None:
            _x509_extensions(data, out, cert, ext)
    except (ValueError, IndexError):
        return


def _name(data: bytes, out: _Out, parent: Field | None, el: tuple[int, int, int],
          spec: FieldSpec) -> None:  # fmt: skip
    """A Name: its text (RFC 4514: last RDN first), then each attribute's type and value
    in wire order."""
    rdns = []
    for _t, a, b in _children(data, el[1], el[2]):
        rdn = []
        for _t2, c, d in _children(data, a, b):
            (_, oa, ob), (vtag, va, vb) = _children(data, c, d)[:2]
            rdn.append((oa, ob, vtag, va, vb, _oid(data[oa:ob])))
        rdns.append(rdn)
    text = ",".join("+".join(f"{DN_NAMES.get(o, o)}={_dn_escape(_der_text(t, data[va:vb]))}"
                             for _oa, _ob, t, va, vb, o in rdn) for rdn in reversed(rdns))  # fmt: skip
    top = out.add(spec, el[1], el[2] - el[1], text, parent)
    for oa, ob, vtag, va, vb, oid in (atv for rdn in rdns for atv in rdn):
        out.add(X509_OID, oa, ob - oa, oid, top)
        kind = X509_COUNTRY if oid in COUNTRY_OIDS else (
            X509_PRINTABLE if vtag == 0x13 else X509_UTF8)  # fmt: skip
        out.add(kind, va, vb - va, _der_text(vtag, data[va:vb]), top)


def _dn_escape(value: str) -> str:
    """RFC 4514 section 2.4: the characters a DN string escapes."""
    out = "".join("\\" + c if c in ',+"\\<>;' else c for c in value)
    if out[:1] in ("#", " "):
        out = "\\" + out
    if out.endswith(" ") and len(out) > 1:
        out = out[:-1] + "\\ "
    return out


def _x509_extensions(data: bytes, out: _Out, cert: Field, el: tuple[int, int, int]) -> None:
    """The extensions Wireshark decodes that we show: subjectAltName's names, the
    authority key identifier's issuer name, Certificate Transparency timestamps."""
    for _t, a, b in _children(data, *_der(data, el[1], el[2])[1:]):
        parts = _children(data, a, b)
        if len(parts) < 2 or parts[0][0] != 0x06 or parts[-1][0] != 0x04:
            continue
        oid = _oid(data[parts[0][1] : parts[0][2]])
        va, vb = parts[-1][1], parts[-1][2]
        if oid == SAN_OID:
            _alt_names(data, out, cert, va, vb)
        elif oid == AKI_OID:
            _authority_issuer(data, out, cert, va, vb)
        elif oid == SCT_OID:
            _tag, sa, sb = _der(data, va, vb)  # the list is an OCTET STRING inside
            _scts(data, out, cert, sa, sb)


def _alt_names(data: bytes, out: _Out, cert: Field, pos: int, end: int) -> None:
    """subjectAltName's host names and IPv4 addresses."""
    for tag, a, b in _children(data, *_der(data, pos, end)[1:]):
        if tag == 0x82:
            out.add(X509_DNS, a, b - a, data[a:b].decode("ascii", "replace"), cert)
        elif tag == 0x87 and b - a == 4:
            out.add(X509_IP, a, 4, ".".join(str(x) for x in data[a:b]), cert)


def _authority_issuer(data: bytes, out: _Out, cert: Field, pos: int, end: int) -> None:
    """authorityKeyIdentifier's authorityCertIssuer [1]: its directoryName [4] entries."""
    for tag, a, b in _children(data, *_der(data, pos, end)[1:]):
        if tag != 0xA1:
            continue
        for gtag, c, d in _children(data, a, b):
            if gtag == 0xA4:
                node = out.add(X509_DIRNAME, c, d - c, 0, cert)
                _name(data, out, node, _der(data, c, d), X509_ISSUER)


def _scts(data: bytes, out: _Out, cert: Field, pos: int, end: int) -> None:
    """RFC 6962 section 3.3: a list of SignedCertificateTimestamps."""
    if end - pos < 2:
        return
    out.add(SCT_LIST_LEN, pos, 2, _u16(data, pos), cert)
    p, stop = pos + 2, min(end, pos + 2 + _u16(data, pos))
    while p + 2 <= stop:  # each moves on by at least 2 bytes
        n = _u16(data, p)
        q, sct_end = p + 2, p + 2 + n
        if sct_end > stop or n < 47:
            return
        node = out.add(SCT_NODE, p, n + 2, "Signed Certificate Timestamp", cert)
        out.add(SCT_LEN, p, 2, n, node)
        out.add(SCT_VERSION, q, 1, data[q], node)
        out.span(SCT_LOGID, q + 1, q + 33, node)
        out.add(SCT_TIME, q + 33, 8, int.from_bytes(data[q + 33 : q + 41], "big"), node)
        elen = _u16(data, q + 41)
        out.add(SCT_EXT_LEN, q + 41, 2, elen, node)
        q += 43 + elen
        if q + 6 <= sct_end:
            f = out.add(SIG, q, 2, _u16(data, q), node)
            out.add(SIG_HASH, q, 1, data[q], f)
            out.add(SIG_SIG, q + 1, 1, data[q + 1], f)
            out.add(SCT_SIG_LEN, q + 2, 2, _u16(data, q + 2), node)
            out.span(SCT_SIG, q + 4, min(sct_end, q + 4 + _u16(data, q + 2)), node)
        p = sct_end


def _short(out: _Out, need_end: int, what: str) -> None:
    """A hello needs bytes up to need_end that its message does not have. Past the captured
    end of a snap-length cut frame that is truncation; past the segment's end it is what
    Wireshark calls an unreassembled packet (not malformed); inside the segment the hello
    contradicts its own lengths: malformed."""
    if out.fields:
        return  # tail() said so already
    layer = out.layer
    pkt = layer.packet
    if need_end <= layer.payload_end:
        layer.issue("error", "malformed", "tls.malformed",
                    f"{what} needs {need_end - layer.pos} bytes of the TLS layer, its message ends first",
                    layer.pos, need_end - layer.pos)  # fmt: skip
    elif pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen:
        if layer.status != "truncated":  # a snap-length cut is reported once
            layer.short(need_end - layer.pos, what)
    else:
        layer.issue("note", "protocol", "tls.unreassembled",
                    f"{what} continues past the end of the segment (not reassembled)",
                    layer.pos, layer.payload_end - layer.pos)  # fmt: skip


def _hello(
    data: bytes, out: _Out, msg: Field | None, pos: int, end: int, htype: int, seg: _Seg
) -> str:
    """ClientHello / ServerHello body (RFC 8446 section 4.1.2, 4.1.3); returns the Info text."""
    client = htype == 1
    name = "Client Hello" if client else "Server Hello"
    start = pos
    if pos + 35 > end:
        _short(out, pos + 35, name)
        return name
    out.add(HS_VERSION, pos, 2, _u16(data, pos), msg)
    rnd = out.span(RANDOM, pos + 2, pos + 34, msg)
    if rnd is not None:  # its first four bytes read as a time (TLS 1.2's gmt_unix_time)
        out.add(RANDOM_TIME, pos + 2, 4, _u32(data, pos + 2), rnd)
        out.span(RANDOM_BYTES, pos + 6, pos + 34, rnd)
    if not client and data[pos + 2 : pos + 34] == HRR_RANDOM:
        name = "Hello Retry Request"
    sid_len = data[pos + 34]
    out.add(SESSION_ID_LEN, pos + 34, 1, sid_len, msg)
    pos += 35
    if pos + sid_len > end:
        _short(out, pos + sid_len, f"{name} session ID")
        return name
    if sid_len:
        out.span(SESSION_ID, pos, pos + sid_len, msg)
    pos += sid_len
    pos = (
        _client_suites(data, out, msg, pos, end)
        if client
        else _server_suite(data, out, msg, pos, end)
    )
    if pos < 0:
        return name
    seg.hello = "hrr" if name == "Hello Retry Request" else "client" if client else "server"
    sni = _extensions(data, out, msg, pos, end, seg)
    if out.fields:
        _ja3(data, out, msg, start, end, client)
    return f"{name} (SNI={sni})" if sni else name


JA3_FULL = Str(
    "tls.handshake.ja3_full",
    "JA3 Fullstring",
    generated=True,
    explain="The ClientHello's version, ciphers, extensions, groups and point formats as one string: a fingerprint of the client program.",
)
JA3 = Str(
    "tls.handshake.ja3",
    "JA3",
    generated=True,
    explain="MD5 of the JA3 string: a short fingerprint of the client program.",
)
JA3S_FULL = Str(
    "tls.handshake.ja3s_full",
    "JA3S Fullstring",
    generated=True,
    explain="The ServerHello's version, cipher and extensions as one string: a fingerprint of the server's answer.",
)
JA3S = Str(
    "tls.handshake.ja3s",
    "JA3S",
    generated=True,
    explain="MD5 of the JA3S string: a short fingerprint of the server's answer.",
)


def _ja3(data: bytes, out: _Out, msg: Field | None, pos: int, end: int, client: bool) -> None:
    """The hello's JA3 (client) or JA3S (server) fingerprint: version, cipher suites,
    extensions and, for a client, groups and point formats, GREASE values left out; then
    its MD5, as Wireshark shows them. Nothing for a hello its bytes do not hold whole."""
    parts = _ja3_parts(data, pos, end, client)
    if parts is None:
        return
    full = ",".join("-".join(str(v) for v in part if not is_grease(v)) for part in parts)
    digest = hashlib.md5(full.encode(), usedforsecurity=False).hexdigest()
    full_spec, spec = (JA3_FULL, JA3) if client else (JA3S_FULL, JA3S)
    out.add(full_spec, pos, 0, full, msg)
    out.add(spec, pos, 0, digest, msg)


def _ja3_parts(data: bytes, pos: int, end: int, client: bool) -> list[list[int]] | None:
    """(version, suites, extensions[, groups, point formats]) of a hello body, or None."""
    version = [_u16(data, pos)]
    p = pos + 35 + data[pos + 34]
    if client:
        if p + 2 > end:
            return None
        n = _u16(data, p)
        suites = [_u16(data, q) for q in range(p + 2, p + 2 + n - 1, 2)]
        p += 2 + n
        p += 1 + (data[p] if p < end else 0)
    else:
        suites, p = ([_u16(data, p)] if p + 2 <= end else []), p + 3
    exts: list[int] = []
    groups: list[int] = []
    formats: list[int] = []
    if p + 2 <= end:
        stop, p = min(end, p + 2 + _u16(data, p)), p + 2
        while p + 4 <= stop:
            etype, elen = _u16(data, p), _u16(data, p + 2)
            exts.append(etype)
            body = data[p + 4 : min(stop, p + 4 + elen)]
            if etype == 10 and len(body) >= 2:
                groups = [
                    _u16(body, q) for q in range(2, 2 + _u16(body, 0) - 1, 2) if q + 2 <= len(body)
                ]
            elif etype == 11 and body:
                formats = list(body[1 : 1 + body[0]])
            p += 4 + elen
    if p > end:
        return None
    return [version, suites, exts, groups, formats] if client else [version, suites, exts]


def _client_suites(data: bytes, out: _Out, msg: Field | None, pos: int, end: int) -> int:
    """Cipher suites and compression methods of a ClientHello; -1 when bytes run out."""
    if pos + 2 > end:
        _short(out, pos + 2, "Client Hello cipher suites")
        return -1
    n = _u16(data, pos)
    out.add(SUITES_LEN, pos, 2, n, msg)
    pos += 2
    if pos + n > end:
        _short(out, pos + n, "Client Hello cipher suites")
        return -1
    if out.fields:
        lst = out.span(SUITES, pos, pos + n, msg)
        p = pos
        while p + 2 <= pos + n:
            out.add(SUITE, p, 2, (data[p] << 8) | data[p + 1], lst)
            p += 2
    pos += n
    if pos + 1 > end:
        _short(out, pos + 1, "Client Hello compression methods")
        return -1
    n = data[pos]
    out.add(COMP_LEN, pos, 1, n, msg)
    pos += 1
    if pos + n > end:
        _short(out, pos + n, "Client Hello compression methods")
        return -1
    if out.fields:
        lst = out.span(COMP_METHODS, pos, pos + n, msg)
        for p in range(pos, pos + n):
            out.add(COMP_METHOD, p, 1, data[p], lst)
    return pos + n


def _server_suite(data: bytes, out: _Out, msg: Field | None, pos: int, end: int) -> int:
    if pos + 3 > end:
        _short(out, pos + 3, "Server Hello cipher suite")
        return -1
    out.add(SUITE, pos, 2, _u16(data, pos), msg)
    out.add(COMP_METHOD, pos + 2, 1, data[pos + 2], msg)
    return pos + 3


def _extensions(data: bytes, out: _Out, msg: Field | None, pos: int, end: int, seg: _Seg) -> str:
    """The extensions block of a hello; returns the SNI host name, if any."""
    if pos + 2 > end:
        return ""  # no extensions (allowed before TLS 1.3)
    total = _u16(data, pos)
    out.add(EXTS_LEN, pos, 2, total, msg)
    pos += 2
    stop = pos + total
    if stop > end:
        _short(out, stop, "hello extensions")
        stop = end
    sni = ""
    fields = out.fields
    while pos + 4 <= stop:  # every extension moves on by at least 4 bytes
        etype, elen = (data[pos] << 8) | data[pos + 1], (data[pos + 2] << 8) | data[pos + 3]
        ext = None
        if fields:
            ext = out.span(EXTENSION, pos, min(pos + 4 + elen, stop), msg)
            out.add(EXT_TYPE, pos, 2, etype, ext)
            out.add(EXT_LEN, pos + 2, 2, elen, ext)
        body = pos + 4
        if body + elen > stop:
            _short(out, body + elen, f"extension {EXTENSION_TYPES.get(etype, etype)}")
            break
        if fields or etype in CHECKED_EXTENSIONS:
            found = _extension(data, out, ext, etype, body, body + elen, seg)
            sni = sni or found
        pos = body + elen
    return sni


def _extension(
    data: bytes, out: _Out, ext: Field | None, etype: int, pos: int, end: int, seg: _Seg
) -> str:
    """One extension's contents under its type field; returns the SNI host name, if any."""
    if etype == 0 and end > pos:
        return _sni(data, out, ext, pos, end)
    if etype == 16 and end > pos:
        n = _vector_len(data, out, ext, pos, end, 2, ALPN_LEN)
        if n >= 0:
            lst = out.span(ALPN_LIST, pos + 2, pos + 2 + n, ext)
            _alpn_items(data, out, lst, pos + 2, pos + 2 + n)
    elif etype == 43 and seg.hello == "client":
        _list(data, out, ext, pos, end, 1, VERSIONS_LEN, None, SUPPORTED_VERSION, 2)
    elif etype == 43 and end - pos == 2:
        out.add(SUPPORTED_VERSION, pos, 2, _u16(data, pos), ext)
        seg.tls13 = seg.tls13 or _u16(data, pos) == 0x0304 or data[pos] == 0x7F
    elif etype == 10:
        _list(data, out, ext, pos, end, 2, GROUPS_LEN, GROUP_LIST, GROUP, 2)
    elif etype == 11:
        _list(data, out, ext, pos, end, 1, EC_FORMATS_LEN, EC_FORMATS, EC_FORMAT, 1)
    elif etype == 13 or etype == 50:
        _list(data, out, ext, pos, end, 2, SIG_LEN, SIG_LIST, SIG, 2)
    elif etype == 45:
        _list(data, out, ext, pos, end, 1, PSK_MODES_LEN, None, PSK_MODE, 1)
    elif etype == 51:
        _key_share(data, out, ext, pos, end, seg)
    elif etype == 65281 and end > pos:
        node = out.add(RENEG_NODE, pos, end - pos, "Renegotiation Info extension", ext)
        n = _vector_len(data, out, node, pos, end, 1, RENEG_LEN)
        if n > 0:
            out.span(RENEG, pos + 1, pos + 1 + n, node)
    elif etype == 21 and end > pos:
        out.span(PADDING, pos, end, ext)
    elif etype == 57 and end > pos:
        _quic_parameters(data, out, ext, pos, end)
    elif end > pos:
        out.span(EXT_DATA, pos, end, ext)
    return ""


def _vector_len(
    data: bytes, out: _Out, ext: Field | None, pos: int, end: int, width: int, spec: FieldSpec
) -> int:
    """The length field (`width` bytes, at pos) of a length-prefixed list (RFC 8446 section
    3.4): returns the list's length, or -1 when the field or the list does not fit."""
    if pos + width > end:
        _vector_error(out, pos, end, width)
        return -1
    n = data[pos] if width == 1 else _u16(data, pos)
    out.add(spec, pos, width, n, ext)
    pos += width
    if pos + n > end:
        _vector_error(out, pos, end, n)
        return -1
    return n


def _list(
    data: bytes, out: _Out, ext: Field | None, pos: int, end: int, width: int,
    len_spec: FieldSpec, list_spec: FieldSpec | None, item: FieldSpec, item_width: int,
) -> None:  # fmt: skip
    """A length-prefixed list of plain items: length field, container (none: the items go
    under the extension itself), items of item_width bytes."""
    n = _vector_len(data, out, ext, pos, end, width, len_spec)
    if n < 0:
        return
    pos += width
    parent = out.span(list_spec, pos, pos + n, ext) if list_spec is not None else ext
    if not out.fields:
        return  # plain items: nothing in them for the Info or an issue
    p = pos
    while p + item_width <= pos + n:
        value = data[p] if item_width == 1 else (data[p] << 8) | data[p + 1]
        f = out.add(item, p, item_width, value, parent)
        if item is SIG:  # a signature scheme's two bytes, as TLS 1.2's hash and signature
            out.add(SIG_HASH, p, 1, data[p], f)
            out.add(SIG_SIG, p + 1, 1, data[p + 1], f)
        p += item_width


def _vector_error(out: _Out, pos: int, end: int, n: int) -> None:
    out.issue("error", "malformed", "tls.malformed.vector_length",
              f"No more room for vector of length {n}", pos, max(0, end - pos))  # fmt: skip


def _alpn_items(data: bytes, out: _Out, parent: Field | None, pos: int, end: int) -> None:
    while pos < end:  # every protocol name moves on by at least one byte
        n = data[pos]
        if pos + 1 + n > end:
            _vector_error(out, pos + 1, end, n)
            return
        if out.fields:
            out.add(ALPN_STR_LEN, pos, 1, n, parent)
            text = data[pos + 1 : pos + 1 + n].decode("ascii", "replace")
            out.add(ALPN_STR, pos + 1, n, text, parent)
        pos += 1 + n


def _sni(data: bytes, out: _Out, ext: Field | None, pos: int, end: int) -> str:
    """server_name (RFC 6066 section 3): the first host_name is returned for the Info."""
    ext = out.add(SNI_NODE, pos, end - pos, "Server Name Indication extension", ext)
    if pos + 2 > end:
        _vector_error(out, pos, end, 2)
        return ""
    n = _u16(data, pos)
    out.add(SNI_LIST_LEN, pos, 2, n, ext)
    pos += 2
    stop = pos + n
    if stop > end:
        _vector_error(out, pos, end, n)
        return ""
    first = ""
    while pos + 3 <= stop:  # every entry moves on by at least 3 bytes
        ntype, nlen = data[pos], _u16(data, pos + 1)
        out.add(SNI_TYPE, pos, 1, ntype, ext)
        out.add(SNI_LEN, pos + 1, 2, nlen, ext)
        if pos + 3 + nlen > stop:
            _vector_error(out, pos + 3, stop, nlen)
            break
        name = data[pos + 3 : pos + 3 + nlen].decode("ascii", "replace")
        out.add(SNI, pos + 3, nlen, name, ext)
        first = first or (name if ntype == 0 else "")
        pos += 3 + nlen
    return first


def _key_share(data: bytes, out: _Out, ext: Field | None, pos: int, end: int, seg: _Seg) -> None:
    """key_share (RFC 8446 section 4.2.8): client list, server entry, or HRR group."""
    if seg.hello == "hrr":
        if end - pos >= 2:
            out.add(KS_SELECTED, pos, 2, _u16(data, pos), ext)
        return
    ext = out.add(KS_NODE, pos, end - pos, "Key Share extension", ext)
    if seg.hello == "client":
        if pos + 2 > end:
            _vector_error(out, pos, end, 2)
            return
        n = _u16(data, pos)
        out.add(KS_CLIENT_LEN, pos, 2, n, ext)
        pos += 2
        if pos + n > end:
            _vector_error(out, pos, end, n)
            return
        end = pos + n
    while pos + 4 <= end:  # every entry moves on by at least 4 bytes
        group, klen = _u16(data, pos), _u16(data, pos + 2)
        text = f"Group: {_named('groups')(group)}, Key Exchange length: {klen}"
        entry = out.add(KS_ENTRY, pos, min(4 + klen, end - pos), text, ext)
        out.add(KS_GROUP, pos, 2, group, entry)
        out.add(KS_KEX_LEN, pos + 2, 2, klen, entry)
        if pos + 4 + klen > end:
            _vector_error(out, pos + 4, end, klen)
            return
        out.span(KS_KEX, pos + 4, pos + 4 + klen, entry)
        pos += 4 + klen


# -- QUIC transport parameters (RFC 9000 section 18) ------------------------------------------
QUIC_PARAMETER_NAMES = {
    0x00: "original_destination_connection_id", 0x01: "max_idle_timeout",
    0x02: "stateless_reset_token", 0x03: "max_udp_payload_size", 0x04: "initial_max_data",
    0x05: "initial_max_stream_data_bidi_local", 0x06: "initial_max_stream_data_bidi_remote",
    0x07: "initial_max_stream_data_uni", 0x08: "initial_max_streams_bidi",
    0x09: "initial_max_streams_uni", 0x0A: "ack_delay_exponent", 0x0B: "max_ack_delay",
    0x0C: "disable_active_migration", 0x0D: "preferred_address",
    0x0E: "active_connection_id_limit", 0x0F: "initial_source_connection_id",
    0x10: "retry_source_connection_id", 0x11: "version_information",
    0x20: "max_datagram_frame_size", 0x2AB2: "grease_quic_bit",
}  # fmt: skip
QUIC_PARAMETER = Str("tls.quic.parameter", "Parameter",
                     explain="One QUIC transport parameter: a setting the endpoint announces "
                     "for the connection (RFC 9000 section 18).")  # fmt: skip
QUIC_PARAMETER_TYPE = Int("tls.quic.parameter.type", "Type", base=HEX,
                          names=lambda v: QUIC_PARAMETER_NAMES.get(v),
                          explain="Which transport parameter this is.")  # fmt: skip
QUIC_PARAMETER_LENGTH = Int("tls.quic.parameter.length", "Length",
                            explain="Length of the parameter's value in bytes.")  # fmt: skip
QUIC_PARAMETER_VALUE = Bytes("tls.quic.parameter.value", "Value",
                             explain="The parameter's value as it is on the wire.")  # fmt: skip
_QUIC_INTEGER_LABELS = {0x0E: "Active Connection ID Limit"}
# The parameters whose value is one variable-length integer, each under its own name.
QUIC_INTEGER_PARAMETERS = {
    t: Int(f"tls.quic.parameter.{QUIC_PARAMETER_NAMES[t]}",
           _QUIC_INTEGER_LABELS.get(t, QUIC_PARAMETER_NAMES[t]),
           explain=f"The value of {QUIC_PARAMETER_NAMES[t]} (RFC 9000 section 18.2).")
    for t in (0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0E, 0x20)
}  # fmt: skip
QUIC_CID_PARAMETERS = {
    t: Bytes(f"tls.quic.parameter.{QUIC_PARAMETER_NAMES[t]}", label,
             explain=f"The connection ID {QUIC_PARAMETER_NAMES[t]} names (RFC 9000 section 7.3).")
    for t, label in ((0x00, "original_destination_connection_id"),
                     (0x0F, "Initial Source Connection ID"),
                     (0x10, "Retry Source Connection ID"))
}  # fmt: skip
QUIC_CID_PARAMETERS[0x02] = Bytes("tls.quic.parameter.stateless_reset_token", "stateless_reset_token",
                                  explain="The token a server's stateless reset will carry "
                                  "(RFC 9000 section 10.3): only a server sends it.")  # fmt: skip
QUIC_CHOSEN_VERSION = U32("tls.quic.parameter.vi.chosen_version", "Chosen Version", base=HEX,
                          explain="The QUIC version the packet is in, repeated so the peer "
                          "can detect a downgrade (RFC 9368).")  # fmt: skip
QUIC_OTHER_VERSION = U32("tls.quic.parameter.vi.other_version", "Other Version", base=HEX,
                         explain="A QUIC version the endpoint also supports (RFC 9368).")  # fmt: skip
MAX_QUIC_PARAMETERS = 256  # parameters shown per extension


def quic_varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """A QUIC variable-length integer (RFC 9000 section 16) at pos: (value, width), or
    (-1, 0) when its bytes run past end."""
    if pos >= end:
        return -1, 0
    width = 1 << (data[pos] >> 6)
    if pos + width > end:
        return -1, 0
    return int.from_bytes(data[pos : pos + width], "big") & ((1 << (8 * width - 2)) - 1), width


def _quic_parameters(data: bytes, out: _Out, ext: Field | None, pos: int, end: int) -> None:
    """quic_transport_parameters (RFC 9001 section 8.2): id, length, value, all varints."""
    for _i in range(MAX_QUIC_PARAMETERS):  # each moves on by at least two bytes
        ptype, tw = quic_varint(data, pos, end)
        plen, lw = quic_varint(data, pos + tw, end) if tw else (-1, 0)
        body = pos + tw + lw
        if plen < 0 or body + plen > end:
            if pos < end:
                _vector_error(out, pos, end, max(plen, 0))
            return
        name = QUIC_PARAMETER_NAMES.get(ptype, f"Unknown 0x{ptype:02x}")
        node = out.add(QUIC_PARAMETER, pos, body + plen - pos, f"{name} (len={plen})", ext)
        out.add(QUIC_PARAMETER_TYPE, pos, tw, ptype, node)
        out.add(QUIC_PARAMETER_LENGTH, pos + tw, lw, plen, node)
        if plen:
            out.span(QUIC_PARAMETER_VALUE, body, body + plen, node)
        value, vw = quic_varint(data, body, body + plen)
        if ptype in QUIC_INTEGER_PARAMETERS and vw == plen:
            out.add(QUIC_INTEGER_PARAMETERS[ptype], body, vw, value, node)
        elif ptype in QUIC_CID_PARAMETERS:
            out.span(QUIC_CID_PARAMETERS[ptype], body, body + plen, node)
        elif ptype == 0x11:
            for p in range(body, body + plen - 3, 4):
                out.add(QUIC_CHOSEN_VERSION if p == body else QUIC_OTHER_VERSION, p, 4,
                        _u32(data, p), node)  # fmt: skip
        pos = body + plen


# -- TLS 1.3 handshake messages carried without records (QUIC CRYPTO frames) --------------------
def handshake_messages(
    data: bytes, layer: Layer, parent: Field | None, pos: int, end: int, fields: bool
) -> str:
    """Decode the handshake messages in data[pos:end] as TLS does inside a record (QUIC
    carries them in CRYPTO frames, RFC 9001 section 4): under `parent` with fields on, or
    only the issues with them off; returns the Info text ("Client Hello (SNI=...)")."""
    seg = _Seg()
    seg.tls13 = seg.crypto = True
    _handshakes(data, _Out(layer, data, fields), parent, pos, end, end, seg)
    return ", ".join(seg.infos)


def _reject(data: Any, layer: Layer) -> None:
    """Give the segment back, as Wireshark's TLS dissector does for printable text: the
    driver then tries the other port's decoder and the heuristics."""
    layer.decline()


def detect(data: Any, pos: int, end: int, layer: Layer) -> bool:
    """Wireshark's TLS heuristic (is_sslv3_or_tls): a Handshake or Application Data record
    header with an SSL 3.0..TLS 1.2 version and a plausible length."""
    if end - pos < 5:
        return False
    length = _u16(data, pos + 3)
    return (
        data[pos] in (HANDSHAKE, APPLICATION_DATA)
        and _u16(data, pos + 1) in RECORD_VERSIONS
        and 0 < length < MAX_RECORD
    )


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


TLS.tail = _tail
TLS.detail = _detail
TLS.info = _info

for _port in TLS_PORTS:
    bind("tcp.port", _port, TLS)
bind_heuristic("tcp.port", TLS, detect, first=(HANDSHAKE, APPLICATION_DATA), min_len=5)


def settled_records(data: Any, start: int, end: int) -> bool:
    """Whether the segment from start to end is whole records that tail() walks without a
    mark (Settled's walk): each a TLS record that ends inside the segment, the last at its
    end, whose hellos read whole (_hello's checks, in settled_hello). Then nothing is
    declined (a record's first byte is not printable) or handed on. The messages are
    walked as _handshakes() does, past an encrypted one too, so a hello the decoder calls
    encrypted (and never reads) may be refused here, never the reverse."""
    pos = start
    for _i in range(MAX_RECORDS):
        if end - pos < 5 or not looks_like_record(data, pos):
            return False
        stop = pos + 5 + _u16(data, pos + 3)
        if stop > end or data[pos] == HANDSHAKE and not _settled_messages(data, pos + 5, stop):
            return False
        if stop == end:
            return True
        pos = stop
    return False


def _settled_messages(data: Any, pos: int, stop: int) -> bool:
    """Whether every hello among a record's handshake messages reads whole; one running
    past the record is only noted, and so are those after it."""
    while stop - pos >= 4:  # each message moves on by at least 4 bytes
        htype = data[pos]
        if htype not in HANDSHAKE_TYPES:
            return True  # _handshakes stops here (only a first one is called encrypted)
        msg_end = pos + 4 + _u24(data, pos + 1)
        if (htype == 1 or htype == 2) and msg_end <= stop:
            if not settled_hello(data, pos + 4, msg_end, htype == 1):
                return False
        pos = msg_end
    return True


def settled_hello(data: Any, pos: int, end: int, client: bool) -> bool:
    """Whether _hello reads a ClientHello or ServerHello body from pos to end without a
    mark: the session ID, suites and compression methods fit, and so do the extensions
    block and each extension, and within each extension tail() looks into
    (CHECKED_EXTENSIONS) its vectors (settled_extension)."""
    if pos + 35 > end:
        return False
    pos += 35 + data[pos + 34]  # the session ID
    if client:
        if pos + 2 > end:
            return False
        pos += 2 + _u16(data, pos)  # cipher suites
        if pos + 1 > end:
            return False
        pos += 1 + data[pos]  # compression methods
    else:
        pos += 3  # the chosen suite and compression method
    if pos + 2 > end:
        return pos <= end  # no extensions (allowed before TLS 1.3)
    stop = pos + 2 + _u16(data, pos)
    if stop > end:
        return False
    pos += 2
    while pos + 4 <= stop:  # every extension moves on by at least 4 bytes
        etype, body = _u16(data, pos), pos + 4
        pos = body + _u16(data, pos + 2)
        if pos > stop:
            return False
        if etype in CHECKED_EXTENSIONS and not settled_extension(data, etype, body, pos, client):
            return False
    return True


def settled_extension(data: Any, etype: int, pos: int, end: int, client: bool) -> bool:
    """Whether _extension reads one extension of a hello (client, or a server's, whose
    hello retry request it reads as a server's or less) without a vector that does not
    fit."""
    if etype == 0 or etype == 16 or etype == 65281:
        if end == pos:
            return True  # an empty one is not looked into
        width = 1 if etype == 65281 else 2
        if not _vector_fits(data, pos, end, width):
            return False
        items = pos + width
        stop = items + (data[pos] if width == 1 else _u16(data, pos))
        if etype == 0:
            return _items_fit(data, items, stop, 3, 1)  # server names: type, 2-byte length
        return etype == 65281 or _items_fit(data, items, stop, 1, 0)  # ALPN: 1-byte lengths
    if etype == 43:
        return not client or _vector_fits(data, pos, end, 1)
    if etype == 10 or etype == 13 or etype == 50:
        return _vector_fits(data, pos, end, 2)
    if etype == 11:
        return _vector_fits(data, pos, end, 1)
    if etype == 51:  # key_share: a client's list, a server's entry
        if client:
            if not _vector_fits(data, pos, end, 2):
                return False
            pos, end = pos + 2, pos + 2 + _u16(data, pos)
        while pos + 4 <= end:  # every entry moves on by at least 4 bytes
            pos += 4 + _u16(data, pos + 2)
            if pos > end:
                return False
    return True


def _vector_fits(data: Any, pos: int, end: int, width: int) -> bool:
    """_vector_len's test: the length field and the vector it gives fit before end."""
    if pos + width > end:
        return False
    return pos + width + (data[pos] if width == 1 else _u16(data, pos)) <= end


def _items_fit(data: Any, pos: int, stop: int, head: int, at: int) -> bool:
    """Whether items of a `head`-byte header whose length is at `at` in it (one byte when
    at is 0, else two) each fit before stop, as _sni's and _alpn_items' walks test."""
    while pos + head <= stop if head > 1 else pos < stop:
        n = data[pos] if head == 1 else _u16(data, pos + at)
        pos += head + n
        if pos > stop:
            return False
    return True


# One whole record of a type whose body tail() never parses as plaintext structure (an
# alert is two bytes or called encrypted) filling the segment, read for many segments at
# once; any other run of whole records without a hello, by settled_records.
SETTLED_TYPES = (CHANGE_CIPHER_SPEC, ALERT, APPLICATION_DATA)
settle(TLS, Settled(((0, 1, "in", SETTLED_TYPES), (1, 2, "in", tuple(RECORD_VERSIONS))), (3, 2, 5),
                    walk=settled_records))  # fmt: skip


# -- names, as Wireshark 4.0 shows them (tshark -G values) ------------------------------
CIPHER_SUITES: dict[int, str] = {
    0x0000: "TLS_NULL_WITH_NULL_NULL", 0x0001: "TLS_RSA_WITH_NULL_MD5",
    0x0002: "TLS_RSA_WITH_NULL_SHA", 0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    0x0004: "TLS_RSA_WITH_RC4_128_MD5", 0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0x0006: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", 0x0007: "TLS_RSA_WITH_IDEA_CBC_SHA",
    0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", 0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
    0x000a: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000b: "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA",
    0x000c: "TLS_DH_DSS_WITH_DES_CBC_SHA", 0x000d: "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA",
    0x000e: "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", 0x000f: "TLS_DH_RSA_WITH_DES_CBC_SHA",
    0x0010: "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", 0x0011: "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
    0x0012: "TLS_DHE_DSS_WITH_DES_CBC_SHA", 0x0013: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
    0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", 0x0015: "TLS_DHE_RSA_WITH_DES_CBC_SHA",
    0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", 0x0017: "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5",
    0x0018: "TLS_DH_anon_WITH_RC4_128_MD5", 0x0019: "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA",
    0x001a: "TLS_DH_anon_WITH_DES_CBC_SHA", 0x001b: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
    0x001c: "SSL_FORTEZZA_KEA_WITH_NULL_SHA", 0x001d: "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA",
    0x001e: "TLS_KRB5_WITH_DES_CBC_SHA", 0x001f: "TLS_KRB5_WITH_3DES_EDE_CBC_SHA",
    0x0020: "TLS_KRB5_WITH_RC4_128_SHA", 0x0021: "TLS_KRB5_WITH_IDEA_CBC_SHA",
    0x0022: "TLS_KRB5_WITH_DES_CBC_MD5", 0x0023: "TLS_KRB5_WITH_3DES_EDE_CBC_MD5",
    0x0024: "TLS_KRB5_WITH_RC4_128_MD5", 0x0025: "TLS_KRB5_WITH_IDEA_CBC_MD5",
    0x0026: "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA", 0x0027: "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA",
    0x0028: "TLS_KRB5_EXPORT_WITH_RC4_40_SHA", 0x0029: "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5",
    0x002a: "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5", 0x002b: "TLS_KRB5_EXPORT_WITH_RC4_40_MD5",
    0x002c: "TLS_PSK_WITH_NULL_SHA", 0x002d: "TLS_DHE_PSK_WITH_NULL_SHA",
    0x002e: "TLS_RSA_PSK_WITH_NULL_SHA", 0x002f: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0030: "TLS_DH_DSS_WITH_AES_128_CBC_SHA", 0x0031: "TLS_DH_RSA_WITH_AES_128_CBC_SHA",
    0x0032: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", 0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x0036: "TLS_DH_DSS_WITH_AES_256_CBC_SHA", 0x0037: "TLS_DH_RSA_WITH_AES_256_CBC_SHA",
    0x0038: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", 0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x003a: "TLS_DH_anon_WITH_AES_256_CBC_SHA", 0x003b: "TLS_RSA_WITH_NULL_SHA256",
    0x003c: "TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003d: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x003e: "TLS_DH_DSS_WITH_AES_128_CBC_SHA256", 0x003f: "TLS_DH_RSA_WITH_AES_128_CBC_SHA256",
    0x0040: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", 0x0041: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
    0x0042: "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA", 0x0043: "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA",
    0x0044: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
    0x0045: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
    0x0046: "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", 0x0060: "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5",
    0x0061: "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5",
    0x0062: "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
    0x0063: "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA",
    0x0064: "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", 0x0065: "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA",
    0x0066: "TLS_DHE_DSS_WITH_RC4_128_SHA", 0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    0x0068: "TLS_DH_DSS_WITH_AES_256_CBC_SHA256", 0x0069: "TLS_DH_RSA_WITH_AES_256_CBC_SHA256",
    0x006a: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", 0x006b: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    0x006c: "TLS_DH_anon_WITH_AES_128_CBC_SHA256", 0x006d: "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
    0x0080: "TLS_GOSTR341094_WITH_28147_CNT_IMIT", 0x0081: "TLS_GOSTR341001_WITH_28147_CNT_IMIT",
    0x0082: "TLS_GOSTR341094_WITH_NULL_GOSTR3411", 0x0083: "TLS_GOSTR341001_WITH_NULL_GOSTR3411",
    0x0084: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", 0x0085: "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA",
    0x0086: "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA",
    0x0087: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
    0x0088: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
    0x0089: "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", 0x008a: "TLS_PSK_WITH_RC4_128_SHA",
    0x008b: "TLS_PSK_WITH_3DES_EDE_CBC_SHA", 0x008c: "TLS_PSK_WITH_AES_128_CBC_SHA",
    0x008d: "TLS_PSK_WITH_AES_256_CBC_SHA", 0x008e: "TLS_DHE_PSK_WITH_RC4_128_SHA",
    0x008f: "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA", 0x0090: "TLS_DHE_PSK_WITH_AES_128_CBC_SHA",
    0x0091: "TLS_DHE_PSK_WITH_AES_256_CBC_SHA", 0x0092: "TLS_RSA_PSK_WITH_RC4_128_SHA",
    0x0093: "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA", 0x0094: "TLS_RSA_PSK_WITH_AES_128_CBC_SHA",
    0x0095: "TLS_RSA_PSK_WITH_AES_256_CBC_SHA", 0x0096: "TLS_RSA_WITH_SEED_CBC_SHA",
    0x0097: "TLS_DH_DSS_WITH_SEED_CBC_SHA", 0x0098: "TLS_DH_RSA_WITH_SEED_CBC_SHA",
    0x0099: "TLS_DHE_DSS_WITH_SEED_CBC_SHA", 0x009a: "TLS_DHE_RSA_WITH_SEED_CBC_SHA",
    0x009b: "TLS_DH_anon_WITH_SEED_CBC_SHA", 0x009c: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009d: "TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009e: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    0x009f: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", 0x00a0: "TLS_DH_RSA_WITH_AES_128_GCM_SHA256",
    0x00a1: "TLS_DH_RSA_WITH_AES_256_GCM_SHA384", 0x00a2: "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    0x00a3: "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", 0x00a4: "TLS_DH_DSS_WITH_AES_128_GCM_SHA256",
    0x00a5: "TLS_DH_DSS_WITH_AES_256_GCM_SHA384", 0x00a6: "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
    0x00a7: "TLS_DH_anon_WITH_AES_256_GCM_SHA384", 0x00a8: "TLS_PSK_WITH_AES_128_GCM_SHA256",
    0x00a9: "TLS_PSK_WITH_AES_256_GCM_SHA384", 0x00aa: "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
    0x00ab: "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", 0x00ac: "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256",
    0x00ad: "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384", 0x00ae: "TLS_PSK_WITH_AES_128_CBC_SHA256",
    0x00af: "TLS_PSK_WITH_AES_256_CBC_SHA384", 0x00b0: "TLS_PSK_WITH_NULL_SHA256",
    0x00b1: "TLS_PSK_WITH_NULL_SHA384", 0x00b2: "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256",
    0x00b3: "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", 0x00b4: "TLS_DHE_PSK_WITH_NULL_SHA256",
    0x00b5: "TLS_DHE_PSK_WITH_NULL_SHA384", 0x00b6: "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256",
    0x00b7: "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384", 0x00b8: "TLS_RSA_PSK_WITH_NULL_SHA256",
    0x00b9: "TLS_RSA_PSK_WITH_NULL_SHA384", 0x00ba: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    0x00bb: "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256",
    0x00bc: "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    0x00bd: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
    0x00be: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    0x00bf: "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
    0x00c0: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    0x00c1: "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256",
    0x00c2: "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    0x00c3: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
    0x00c4: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    0x00c5: "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", 0x00c6: "TLS_SM4_GCM_SM3",
    0x00c7: "TLS_SM4_CCM_SM3", 0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
    0x01a6: "ssl_31_ciphersuite", 0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256", 0x1305: "TLS_AES_128_CCM_8_SHA256",
    0x5600: "TLS_FALLBACK_SCSV", 0xc001: "TLS_ECDH_ECDSA_WITH_NULL_SHA",
    0xc002: "TLS_ECDH_ECDSA_WITH_RC4_128_SHA", 0xc003: "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xc004: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", 0xc005: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
    0xc006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA", 0xc007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    0xc008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xc009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc00a: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xc00b: "TLS_ECDH_RSA_WITH_NULL_SHA", 0xc00c: "TLS_ECDH_RSA_WITH_RC4_128_SHA",
    0xc00d: "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", 0xc00e: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
    0xc00f: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA", 0xc010: "TLS_ECDHE_RSA_WITH_NULL_SHA",
    0xc011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xc012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xc013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xc015: "TLS_ECDH_anon_WITH_NULL_SHA", 0xc016: "TLS_ECDH_anon_WITH_RC4_128_SHA",
    0xc017: "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", 0xc018: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
    0xc019: "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", 0xc01a: "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA",
    0xc01b: "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA",
    0xc01c: "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA", 0xc01d: "TLS_SRP_SHA_WITH_AES_128_CBC_SHA",
    0xc01e: "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA", 0xc01f: "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA",
    0xc020: "TLS_SRP_SHA_WITH_AES_256_CBC_SHA", 0xc021: "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA",
    0xc022: "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA",
    0xc023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    0xc024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    0xc025: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256",
    0xc026: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384",
    0xc027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    0xc028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xc029: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", 0xc02a: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384",
    0xc02b: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xc02c: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xc02d: "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
    0xc02e: "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
    0xc02f: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xc030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xc031: "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", 0xc032: "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
    0xc033: "TLS_ECDHE_PSK_WITH_RC4_128_SHA", 0xc034: "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA",
    0xc035: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", 0xc036: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
    0xc037: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
    0xc038: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", 0xc039: "TLS_ECDHE_PSK_WITH_NULL_SHA",
    0xc03a: "TLS_ECDHE_PSK_WITH_NULL_SHA256", 0xc03b: "TLS_ECDHE_PSK_WITH_NULL_SHA384",
    0xc03c: "TLS_RSA_WITH_ARIA_128_CBC_SHA256", 0xc03d: "TLS_RSA_WITH_ARIA_256_CBC_SHA384",
    0xc03e: "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256", 0xc03f: "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384",
    0xc040: "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256", 0xc041: "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384",
    0xc042: "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256", 0xc043: "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384",
    0xc044: "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256", 0xc045: "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
    0xc046: "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256", 0xc047: "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384",
    0xc048: "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
    0xc049: "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
    0xc04a: "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256",
    0xc04b: "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384",
    0xc04c: "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
    0xc04d: "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
    0xc04e: "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256",
    0xc04f: "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384", 0xc050: "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
    0xc051: "TLS_RSA_WITH_ARIA_256_GCM_SHA384", 0xc052: "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
    0xc053: "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", 0xc054: "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256",
    0xc055: "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384", 0xc056: "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
    0xc057: "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384", 0xc058: "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256",
    0xc059: "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384", 0xc05a: "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256",
    0xc05b: "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384",
    0xc05c: "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
    0xc05d: "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
    0xc05e: "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256",
    0xc05f: "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384",
    0xc060: "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
    0xc061: "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
    0xc062: "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256",
    0xc063: "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384", 0xc064: "TLS_PSK_WITH_ARIA_128_CBC_SHA256",
    0xc065: "TLS_PSK_WITH_ARIA_256_CBC_SHA384", 0xc066: "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256",
    0xc067: "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384", 0xc068: "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256",
    0xc069: "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384", 0xc06a: "TLS_PSK_WITH_ARIA_128_GCM_SHA256",
    0xc06b: "TLS_PSK_WITH_ARIA_256_GCM_SHA384", 0xc06c: "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256",
    0xc06d: "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384", 0xc06e: "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256",
    0xc06f: "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384",
    0xc070: "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256",
    0xc071: "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384",
    0xc072: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    0xc073: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    0xc074: "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    0xc075: "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    0xc076: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    0xc077: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    0xc078: "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    0xc079: "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    0xc07a: "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256", 0xc07b: "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc07c: "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    0xc07d: "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc07e: "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    0xc07f: "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc080: "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256",
    0xc081: "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384",
    0xc082: "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256",
    0xc083: "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384",
    0xc084: "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256",
    0xc085: "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384",
    0xc086: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
    0xc087: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc088: "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
    0xc089: "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc08a: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    0xc08b: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc08c: "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    0xc08d: "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    0xc08e: "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256", 0xc08f: "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384",
    0xc090: "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256",
    0xc091: "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384",
    0xc092: "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256",
    0xc093: "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384",
    0xc094: "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256", 0xc095: "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    0xc096: "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    0xc097: "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    0xc098: "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    0xc099: "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    0xc09a: "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    0xc09b: "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", 0xc09c: "TLS_RSA_WITH_AES_128_CCM",
    0xc09d: "TLS_RSA_WITH_AES_256_CCM", 0xc09e: "TLS_DHE_RSA_WITH_AES_128_CCM",
    0xc09f: "TLS_DHE_RSA_WITH_AES_256_CCM", 0xc0a0: "TLS_RSA_WITH_AES_128_CCM_8",
    0xc0a1: "TLS_RSA_WITH_AES_256_CCM_8", 0xc0a2: "TLS_DHE_RSA_WITH_AES_128_CCM_8",
    0xc0a3: "TLS_DHE_RSA_WITH_AES_256_CCM_8", 0xc0a4: "TLS_PSK_WITH_AES_128_CCM",
    0xc0a5: "TLS_PSK_WITH_AES_256_CCM", 0xc0a6: "TLS_DHE_PSK_WITH_AES_128_CCM",
    0xc0a7: "TLS_DHE_PSK_WITH_AES_256_CCM", 0xc0a8: "TLS_PSK_WITH_AES_128_CCM_8",
    0xc0a9: "TLS_PSK_WITH_AES_256_CCM_8", 0xc0aa: "TLS_PSK_DHE_WITH_AES_128_CCM_8",
    0xc0ab: "TLS_PSK_DHE_WITH_AES_256_CCM_8", 0xc0ac: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    0xc0ad: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", 0xc0ae: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    0xc0af: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", 0xc0b0: "TLS_ECCPWD_WITH_AES_128_GCM_SHA256",
    0xc0b1: "TLS_ECCPWD_WITH_AES_256_GCM_SHA384", 0xc0b2: "TLS_ECCPWD_WITH_AES_128_CCM_SHA256",
    0xc0b3: "TLS_ECCPWD_WITH_AES_256_CCM_SHA384", 0xc0b4: "TLS_SHA256_SHA256",
    0xc0b5: "TLS_SHA384_SHA384", 0xc0ff: "TLS_ECJPAKE_WITH_AES_128_CCM_8",
    0xc100: "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC",
    0xc101: "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC",
    0xc102: "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT",
    0xc103: "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L",
    0xc104: "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L",
    0xc105: "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S",
    0xc106: "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S",
    0xcc13: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xcc14: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xcc15: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xcca8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xcca9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xccaa: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xccab: "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
    0xccac: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    0xccad: "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    0xccae: "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256",
    0xd001: "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
    0xd002: "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384",
    0xd003: "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256",
    0xd005: "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", 0xe001: "ECDHE_SM1_SM3",
    0xe003: "ECC_SM1_SM3", 0xe005: "IBSDH_SM1_SM3", 0xe007: "IBC_SM1_SM3", 0xe009: "RSA_SM1_SM3",
    0xe00a: "RSA_SM1_SHA1", 0xe011: "ECDHE_SM4_CBC_SM3", 0xe013: "ECC_SM4_CBC_SM3",
    0xe015: "IBSDH_SM4_CBC_SM3", 0xe017: "IBC_SM4_CBC_SM3", 0xe019: "RSA_SM4_CBC_SM3",
    0xe01a: "RSA_SM4_CBC_SHA1", 0xe01c: "RSA_SM4_CBC_SHA256", 0xe051: "ECDHE_SM4_GCM_SM3",
    0xe053: "ECC_SM4_GCM_SM3", 0xe055: "IBSDH_SM4_GCM_SM3", 0xe057: "IBC_SM4_GCM_SM3",
    0xe059: "RSA_SM4_GCM_SM3", 0xe05a: "RSA_SM4_GCM_SHA256",
    0xe410: "TLS_RSA_WITH_ESTREAM_SALSA20_SHA1", 0xe411: "TLS_RSA_WITH_SALSA20_SHA1",
    0xe412: "TLS_ECDHE_RSA_WITH_ESTREAM_SALSA20_SHA1", 0xe413: "TLS_ECDHE_RSA_WITH_SALSA20_SHA1",
    0xe414: "TLS_ECDHE_ECDSA_WITH_ESTREAM_SALSA20_SHA1",
    0xe415: "TLS_ECDHE_ECDSA_WITH_SALSA20_SHA1", 0xe416: "TLS_PSK_WITH_ESTREAM_SALSA20_SHA1",
    0xe417: "TLS_PSK_WITH_SALSA20_SHA1", 0xe418: "TLS_ECDHE_PSK_WITH_ESTREAM_SALSA20_SHA1",
    0xe419: "TLS_ECDHE_PSK_WITH_SALSA20_SHA1", 0xe41a: "TLS_RSA_PSK_WITH_ESTREAM_SALSA20_SHA1",
    0xe41b: "TLS_RSA_PSK_WITH_SALSA20_SHA1", 0xe41c: "TLS_DHE_PSK_WITH_ESTREAM_SALSA20_SHA1",
    0xe41d: "TLS_DHE_PSK_WITH_SALSA20_SHA1", 0xe41e: "TLS_DHE_RSA_WITH_ESTREAM_SALSA20_SHA1",
    0xe41f: "TLS_DHE_RSA_WITH_SALSA20_SHA1", 0xfefe: "SSL_RSA_FIPS_WITH_DES_CBC_SHA",
    0xfeff: "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA", 0xffe0: "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA",
    0xffe1: "SSL_RSA_FIPS_WITH_DES_CBC_SHA",
}  # fmt: skip

GROUPS: dict[int, str] = {
    0x0001: "sect163k1", 0x0002: "sect163r1", 0x0003: "sect163r2", 0x0004: "sect193r1",
    0x0005: "sect193r2", 0x0006: "sect233k1", 0x0007: "sect233r1", 0x0008: "sect239k1",
    0x0009: "sect283k1", 0x000a: "sect283r1", 0x000b: "sect409k1", 0x000c: "sect409r1",
    0x000d: "sect571k1", 0x000e: "sect571r1", 0x000f: "secp160k1", 0x0010: "secp160r1",
    0x0011: "secp160r2", 0x0012: "secp192k1", 0x0013: "secp192r1", 0x0014: "secp224k1",
    0x0015: "secp224r1", 0x0016: "secp256k1", 0x0017: "secp256r1", 0x0018: "secp384r1",
    0x0019: "secp521r1", 0x001a: "brainpoolP256r1", 0x001b: "brainpoolP384r1",
    0x001c: "brainpoolP512r1", 0x001d: "x25519", 0x001e: "x448", 0x0029: "curveSM2",
    0x0100: "ffdhe2048", 0x0101: "ffdhe3072", 0x0102: "ffdhe4096", 0x0103: "ffdhe6144",
    0x0104: "ffdhe8192",
}  # fmt: skip

SIG_ALGS: dict[int, str] = {
    0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0401: "rsa_pkcs1_sha256",
    0x0403: "ecdsa_secp256r1_sha256", 0x0501: "rsa_pkcs1_sha384", 0x0503: "ecdsa_secp384r1_sha384",
    0x0601: "rsa_pkcs1_sha512", 0x0603: "ecdsa_secp521r1_sha512", 0x0708: "sm2sig_sm3",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256", 0x080a: "rsa_pss_pss_sha384",
    0x080b: "rsa_pss_pss_sha512", 0xfe0b: "falcon512", 0xfe0c: "p256_falcon512",
    0xfe0d: "rsa3072_falcon512", 0xfe0e: "falcon1024", 0xfe0f: "p521_falcon1024",
    0xfe1b: "picnic3l1", 0xfe1c: "p256_picnic3l1", 0xfe1d: "rsa3072_picnic3l1",
    0xfe27: "rainbowIclassic", 0xfe28: "p256_rainbowIclassic", 0xfe29: "rsa3072_rainbowIclassic",
    0xfe3c: "rainbowVclassic", 0xfe3d: "p521_rainbowVclassic", 0xfe42: "sphincsharaka128frobust",
    0xfe43: "p256_sphincsharaka128frobust", 0xfe44: "rsa3072_sphincsharaka128frobust",
    0xfe5e: "sphincssha256128frobust", 0xfe5f: "p256_sphincssha256128frobust",
    0xfe60: "rsa3072_sphincssha256128frobust", 0xfe7a: "sphincsshake256128frobust",
    0xfe7b: "p256_sphincsshake256128frobust", 0xfe7c: "rsa3072_sphincsshake256128frobust",
    0xfe96: "picnicl1full", 0xfe97: "p256_picnicl1full", 0xfe98: "rsa3072_picnicl1full",
    0xfea0: "dilithium2", 0xfea1: "p256_dilithium2", 0xfea2: "rsa3072_dilithium2",
    0xfea3: "dilithium3", 0xfea4: "p384_dilithium3", 0xfea5: "dilithium5",
    0xfea6: "p521_dilithium5", 0xfea7: "dilithium2_aes", 0xfea8: "p256_dilithium2_aes",
    0xfea9: "rsa3072_dilithium2_aes", 0xfeaa: "dilithium3_aes", 0xfeab: "p384_dilithium3_aes",
    0xfeac: "dilithium5_aes", 0xfead: "p521_dilithium5_aes",
}  # fmt: skip

EXTENSION_TYPES: dict[int, str] = {
    0: "server_name", 1: "max_fragment_length", 2: "client_certificate_url", 3: "trusted_ca_keys",
    4: "truncated_hmac", 5: "status_request", 6: "user_mapping", 7: "client_authz",
    8: "server_authz", 9: "cert_type", 10: "supported_groups", 11: "ec_point_formats", 12: "srp",
    13: "signature_algorithms", 14: "use_srtp", 15: "heartbeat",
    16: "application_layer_protocol_negotiation", 17: "status_request_v2",
    18: "signed_certificate_timestamp", 19: "client_certificate_type",
    20: "server_certificate_type", 21: "padding", 22: "encrypt_then_mac",
    23: "extended_master_secret", 24: "token_binding", 25: "cached_info",
    27: "compress_certificate", 28: "record_size_limit", 34: "delegated_credentials",
    35: "session_ticket", 40: "Reserved (key_share)", 41: "pre_shared_key", 42: "early_data",
    43: "supported_versions", 44: "cookie", 45: "psk_key_exchange_modes",
    46: "Reserved (ticket_early_data_info)", 47: "certificate_authorities", 48: "oid_filters",
    49: "post_handshake_auth", 50: "signature_algorithms_cert", 51: "key_share",
    52: "transparency_info", 53: "connection_id (deprecated)", 54: "connection_id",
    55: "external_id_hash", 56: "external_session_id", 57: "quic_transport_parameters",
    58: "ticket_request", 59: "dnssec_chain", 13172: "next_protocol_negotiation",
    17513: "application_settings", 30031: "channel_id_old", 30032: "channel_id",
    65281: "renegotiation_info", 65445: "quic_transport_parameters (drafts version)",
    65486: "encrypted_server_name",
}  # fmt: skip

VERSIONS: dict[int, str] = {
    0x0002: "SSL 2.0", 0x0100: "DTLS 1.0 (OpenSSL pre 0.9.8f)", 0x0101: "GMTLS", 0x0300: "SSL 3.0",
    0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3",
    0x7f0e: "TLS 1.3 (draft 14)", 0x7f0f: "TLS 1.3 (draft 15)", 0x7f10: "TLS 1.3 (draft 16)",
    0x7f11: "TLS 1.3 (draft 17)", 0x7f12: "TLS 1.3 (draft 18)", 0x7f13: "TLS 1.3 (draft 19)",
    0x7f14: "TLS 1.3 (draft 20)", 0x7f15: "TLS 1.3 (draft 21)", 0x7f16: "TLS 1.3 (draft 22)",
    0x7f17: "TLS 1.3 (draft 23)", 0x7f18: "TLS 1.3 (draft 24)", 0x7f19: "TLS 1.3 (draft 25)",
    0x7f1a: "TLS 1.3 (draft 26)", 0x7f1b: "TLS 1.3 (draft 27)", 0x7f1c: "TLS 1.3 (draft 28)",
    0xfb17: "TLS 1.3 (Facebook draft 23)", 0xfb1a: "TLS 1.3 (Facebook draft 26)",
    0xfefd: "DTLS 1.2", 0xfeff: "DTLS 1.0",
}  # fmt: skip

ALERT_DESCRIPTIONS: dict[int, str] = {
    0: "Close Notify", 1: "End of Early Data", 10: "Unexpected Message", 20: "Bad Record MAC",
    21: "Decryption Failed", 22: "Record Overflow", 30: "Decompression Failure",
    40: "Handshake Failure", 41: "No Certificate", 42: "Bad Certificate",
    43: "Unsupported Certificate", 44: "Certificate Revoked", 45: "Certificate Expired",
    46: "Certificate Unknown", 47: "Illegal Parameter", 48: "Unknown CA", 49: "Access Denied",
    50: "Decode Error", 51: "Decrypt Error", 60: "Export Restriction", 70: "Protocol Version",
    71: "Insufficient Security", 80: "Internal Error", 86: "Inappropriate Fallback",
    90: "User Canceled", 100: "No Renegotiation", 109: "Missing Extension",
    110: "Unsupported Extension", 111: "Certificate Unobtainable", 112: "Unrecognized Name",
    113: "Bad Certificate Status Response", 114: "Bad Certificate Hash Value",
    115: "Unknown PSK Identity", 116: "Certificate Required", 120: "No application Protocol",
    121: "ECH Required",
}  # fmt: skip
NAME_TABLES = {
    "suites": CIPHER_SUITES,
    "groups": GROUPS,
    "sigs": SIG_ALGS,
    "extensions": EXTENSION_TYPES,
}
