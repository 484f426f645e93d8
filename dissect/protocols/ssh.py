"""Secure Shell (RFC 4253 transport, RFC 4250 numbers, RFC 5656 ECDH, RFC 8731 curve25519)
on TCP port 22, and on any port where a segment starts with the "SSH-" banner.

Decoded one TCP segment at a time, as Wireshark does with reassembly off, and with no
session state: a segment that starts "SSH-" is the version exchange; otherwise its binary
packets (RFC 4253 section 6) are read in turn while each looks like a cleartext one
(packet length and padding in range, the whole a multiple of 8 bytes, a known message
code); the first that does not is the start of encrypted data, which runs to the segment's
end. What a cleartext packet carries is decoded for the key exchange: KEXINIT's cookie
and name lists (with the HASSH fingerprint), the ECDH and Diffie-Hellman init and reply
(host key, ephemeral keys, signature), NEWKEYS. A packet that runs past the segment is
decoded as far as it goes and noted (the rest is in the next segment).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..protocol import (
    U8,
    U32,
    Bool,
    Bytes,
    Field,
    FieldSpec,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    bind_heuristic,
)

SSH_PORT = 22
MAX_PACKETS = 64  # cleartext packets read per segment; more is no real traffic
MAX_PACKET_LEN = 35000  # RFC 4253 section 6.1: what every implementation must accept
MAX_BANNER = 255  # RFC 4253 section 4.2: the version line's length, CR LF included

MESSAGES = {
    1: "Disconnect", 2: "Ignore", 3: "Unimplemented", 4: "Debug", 5: "Service Request",
    6: "Service Accept", 7: "Extension Info", 20: "Key Exchange Init", 21: "New Keys",
    50: "User Authentication Request", 51: "User Authentication Failure",
    52: "User Authentication Success", 53: "User Authentication Banner", 80: "Global Request",
    81: "Request Success", 82: "Request Failure", 90: "Channel Open",
    91: "Channel Open Confirmation", 92: "Channel Open Failure", 93: "Window Adjust",
    94: "Channel Data", 95: "Channel Extended Data", 96: "Channel EOF", 97: "Channel Close",
    98: "Channel Request", 99: "Channel Success", 100: "Channel Failure",
}  # fmt: skip
# Codes 30-49 belong to the key exchange method KEXINIT chose: without session state the
# method is judged from the message itself (an ECDH key is a string of a curve point's
# size; a Diffie-Hellman e or f is a big multi-precision integer).
ECDH_MESSAGES = {30: "Elliptic Curve Diffie-Hellman Key Exchange Init",
                 31: "Elliptic Curve Diffie-Hellman Key Exchange Reply"}  # fmt: skip
DH_MESSAGES = {30: "Diffie-Hellman Key Exchange Init", 31: "Diffie-Hellman Key Exchange Reply"}
ECDH_KEY_SIZES = (32, 56, 65, 97, 133)  # curve25519, curve448, P-256, P-384, P-521 points
KEX_CODES = frozenset((20, 21, 30, 31, 32, 33, 34))


def _message_name(code: int) -> str:
    name = MESSAGES.get(code) or ECDH_MESSAGES.get(code)
    return name if name is not None else f"Unknown ({code})"


# -- fields (Wireshark's ssh.* names) -----------------------------------------------------------
PROTOCOL = Text("ssh.protocol", "Protocol",
                explain="The version line each side sends first: the SSH protocol version "
                "(2.0) and the software, such as OpenSSH_9.6.")  # fmt: skip
DIRECTION = Bool("ssh.direction", "Direction", generated=True,
                 text=lambda v: "server-to-client" if v else "client-to-server",
                 explain="Which way this segment goes: from the client to the server or back "
                 "(worked out from the ports: the server listens on 22, or on the lower "
                 "port).")  # fmt: skip
PACKET = Str("ssh.packet", "",
             explain="One SSH binary packet: its length, the padding length, the message and "
             "the random padding.")  # fmt: skip
ENCRYPTED_NODE = Str("ssh.encrypted", "",
                     explain="Bytes sent after the keys were changed: encrypted, so their "
                     "packet boundaries and contents cannot be read.")  # fmt: skip
PACKET_LENGTH = U32("ssh.packet_length", "Packet Length",
                    explain="Length of the packet in bytes after this field: padding length, "
                    "message and padding.")  # fmt: skip
PADDING_LENGTH = U8("ssh.padding_length", "Padding Length",
                    explain="How many random padding bytes end the packet (at least 4), so "
                    "that its length is a multiple of the cipher's block size.")  # fmt: skip
KEX_NODE = Str("ssh.key_exchange", "",
               explain="A key exchange message: how the two sides agree on the session keys.")  # fmt: skip
MESSAGE = Str("ssh.message", "",
              explain="A message of the SSH transport, authentication or connection protocol.")  # fmt: skip
MESSAGE_CODE = U8("ssh.message_code", "Message Code", names=_message_name,
                  explain="What the message is: 20 starts the key exchange, 21 switches to the "
                  "new keys, 30-49 belong to the key exchange method, 50 and up are "
                  "authentication and channels.")  # fmt: skip
PAYLOAD = Bytes("ssh.payload", "Payload",
                explain="The message's data, which this tool does not decode further.")  # fmt: skip
PADDING_STRING = Bytes("ssh.padding_string", "Padding String",
                       explain="Random bytes that pad the packet to a whole number of blocks.")  # fmt: skip
ENCRYPTED = Bytes("ssh.encrypted_packet", "Encrypted Packet",
                  explain="Encrypted packets: the keys are secret, so nothing in them can be "
                  "read here.")  # fmt: skip
ALGORITHMS = Str("ssh.algorithms", "Algorithms",
                 explain="The algorithms this side supports, each list in order of preference.")  # fmt: skip
COOKIE = Bytes("ssh.cookie", "Cookie",
               explain="16 random bytes, so that each key exchange is unique.")  # fmt: skip
# (name, label stem, explanation) of KEXINIT's ten name lists, in wire order (RFC 4253 7.1)
NAME_LISTS = (
    ("kex_algorithms", "the key exchange methods"),
    ("server_host_key_algorithms", "the host key types"),
    ("encryption_algorithms_client_to_server", "the ciphers for client-to-server data"),
    ("encryption_algorithms_server_to_client", "the ciphers for server-to-client data"),
    ("mac_algorithms_client_to_server", "the message authentication codes client to server"),
    ("mac_algorithms_server_to_client", "the message authentication codes server to client"),
    ("compression_algorithms_client_to_server", "the compression methods client to server"),
    ("compression_algorithms_server_to_client", "the compression methods server to client"),
    ("languages_client_to_server", "the languages client to server (usually none)"),
    ("languages_server_to_client", "the languages server to client (usually none)"),
)
NAME_LIST_SPECS = tuple(
    (
        U32(f"ssh.{n}_length", f"{n} length", explain=f"Length of the list of {what}."),
        Text(f"ssh.{n}", f"{n} string",
             explain=f"Comma-separated list of {what}, most preferred first; the first of the "
             "client's that the server also has is used."),
    )
    for n, what in NAME_LISTS
)  # fmt: skip
FIRST_KEX_FOLLOWS = U8("ssh.first_kex_packet_follows", "First KEX Packet Follows",
                       explain="Whether the sender guessed the method and sent its first key "
                       "exchange packet already (1) or not (0).")  # fmt: skip
KEX_RESERVED = Bytes("ssh.kex.reserved", "Reserved",
                     explain="Four bytes reserved for future use (zero).")  # fmt: skip
HASSH_ALGORITHMS = Text("ssh.kex.hassh_algorithms", "hasshAlgorithms", generated=True,
                        explain="The client's key exchange, cipher, MAC and compression lists "
                        "joined by ';': what the HASSH fingerprint hashes.")  # fmt: skip
HASSH = Str("ssh.kex.hassh", "hassh", generated=True,
            explain="HASSH: the MD5 of hasshAlgorithms, a fingerprint of the client's SSH "
            "software.")  # fmt: skip
HASSH_SERVER_ALGORITHMS = Text("ssh.kex.hasshserver_algorithms", "hasshServerAlgorithms",
                               generated=True,
                               explain="The server's key exchange, cipher, MAC and compression "
                               "lists joined by ';': what HASSHServer hashes.")  # fmt: skip
HASSH_SERVER = Str("ssh.kex.hasshserver", "hasshServer", generated=True,
                   explain="HASSHServer: the MD5 of hasshServerAlgorithms, a fingerprint of "
                   "the server's SSH software.")  # fmt: skip
Q_C_LENGTH = U32("ssh.ecdh.q_c_length", "ECDH client's ephemeral public key length",
                 explain="Length of the client's ephemeral public key.")  # fmt: skip
Q_C = Bytes("ssh.ecdh.q_c", "ECDH client's ephemeral public key (Q_C)",
            explain="The client's one-time public key for this key exchange.")  # fmt: skip
Q_S_LENGTH = U32("ssh.ecdh.q_s_length", "ECDH server's ephemeral public key length",
                 explain="Length of the server's ephemeral public key.")  # fmt: skip
Q_S = Bytes("ssh.ecdh.q_s", "ECDH server's ephemeral public key (Q_S)",
            explain="The server's one-time public key for this key exchange.")  # fmt: skip
MPINT_LENGTH = U32("ssh.mpint_length", "Multi Precision Integer Length",
                   explain="Length of the big number that follows.")  # fmt: skip
DH_E = Bytes("ssh.dh.e", "DH client e",
             explain="The client's Diffie-Hellman public value.")  # fmt: skip
DH_F = Bytes("ssh.dh.f", "DH server f",
             explain="The server's Diffie-Hellman public value.")  # fmt: skip
HOST_KEY = Str("ssh.host_key", "",
               explain="The server's host key: proves the server is the one the client knows.")  # fmt: skip
HOST_KEY_LENGTH = U32("ssh.host_key.length", "Host key length",
                      explain="Length of the host key blob.")  # fmt: skip
HOST_KEY_TYPE_LENGTH = U32("ssh.host_key.type_length", "Host key type length",
                           explain="Length of the host key type name.")  # fmt: skip
HOST_KEY_TYPE = Text("ssh.host_key.type", "Host key type",
                     explain="The host key's algorithm (ssh-ed25519, ssh-rsa, ecdsa-sha2-...).")  # fmt: skip
HOST_KEY_DATA = Bytes("ssh.host_key.data", "Host key data",
                      explain="The host key itself, for a type this tool does not split up.")  # fmt: skip
RSA_E = Bytes("ssh.host_key.rsa.e", "RSA public exponent (e)",
              explain="The RSA host key's public exponent.")  # fmt: skip
RSA_N = Bytes("ssh.host_key.rsa.n", "RSA modulus (N)",
              explain="The RSA host key's modulus.")  # fmt: skip
EDDSA_KEY_LENGTH = U32("ssh.host_key.eddsa.key_length", "EdDSA public key length",
                       explain="Length of the Ed25519 or Ed448 public key.")  # fmt: skip
EDDSA_KEY = Bytes("ssh.host_key.eddsa.key", "EdDSA public key",
                  explain="The Ed25519 or Ed448 host public key.")  # fmt: skip
ECDSA_ID_LENGTH = U32("ssh.host_key.ecdsa.id_length", "ECDSA elliptic curve identifier length",
                      explain="Length of the curve's name.")  # fmt: skip
ECDSA_ID = Text("ssh.host_key.ecdsa.id", "ECDSA elliptic curve identifier",
                explain="The curve of the ECDSA host key (nistp256, nistp384, nistp521).")  # fmt: skip
ECDSA_Q_LENGTH = U32("ssh.host_key.ecdsa.q_length", "ECDSA public key length",
                     explain="Length of the ECDSA public key.")  # fmt: skip
ECDSA_Q = Bytes("ssh.host_key.ecdsa.q", "ECDSA public key (Q)",
                explain="The ECDSA host public key, a point on the curve.")  # fmt: skip
HOST_SIG = Str("ssh.host_sig", "",
               explain="The server's signature over the exchange hash: proves it holds the "
               "host key's private half.")  # fmt: skip
HOST_SIG_LENGTH = U32("ssh.host_sig.length", "Host signature length",
                      explain="Length of the signature blob.")  # fmt: skip
HOST_SIG_TYPE_LENGTH = U32("ssh.host_sig.type_length", "Host signature type length",
                           explain="Length of the signature type name.")  # fmt: skip
HOST_SIG_TYPE = Text("ssh.host_sig.type", "Host signature type",
                     explain="The signature algorithm (ssh-ed25519, rsa-sha2-512, ...).")  # fmt: skip
HOST_SIG_DATA = Bytes("ssh.host_sig.data", "Host signature data",
                      explain="The signature itself.")  # fmt: skip


@dataclass(slots=True)
class SshState:
    """What tail() found, for detail() and the Info column."""

    to_server: bool  # the segment goes from the client to the server
    banner: int  # length of the version line without its line end; -1: not a banner
    # cleartext packets: (position, packet length, padding length, message code or -1)
    packets: list[tuple[int, int, int, int]] = field(default_factory=list)
    encrypted: int = -1  # where encrypted data starts (to the segment's end); -1: none


def _to_server(layer: Layer) -> bool:
    layers = layer.packet.layers
    i = layers.index(layer)
    below = layers[i - 1] if i > 0 else None
    if below is None or below.protocol.name != "tcp":
        return True
    src, dst = below.value("tcp.srcport"), below.value("tcp.dstport")
    if SSH_PORT in (src, dst):
        return dst == SSH_PORT
    return dst < src


def _plausible(data: Any, p: int, end: int) -> bool:
    """A cleartext binary packet starts at p: lengths in range, the whole a multiple of 8
    (RFC 4253 section 6), a message code this tool knows."""
    if end - p < 6:
        return False
    plen = int.from_bytes(data[p : p + 4], "big")
    pad = data[p + 4]
    code = data[p + 5]
    return (
        4 <= pad < plen <= MAX_PACKET_LEN
        and (plen + 4) % 8 == 0
        and (code in MESSAGES or code in KEX_CODES)
    )


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    layer.hdr_len = end - start
    layer.payload_pos = end
    state = SshState(_to_server(layer), -1)
    layer.state = state
    if bytes(data[start : start + 4]) == b"SSH-":
        line = bytes(data[start : min(end, start + MAX_BANNER)])
        nl = line.find(b"\n")
        text_end = len(line) if nl < 0 else nl
        state.banner = text_end - 1 if text_end and line[text_end - 1] == 13 else text_end
        return
    p = start
    while p < end and len(state.packets) < MAX_PACKETS:
        if not _plausible(data, p, end):
            state.encrypted = p
            return
        plen = int.from_bytes(data[p : p + 4], "big")
        state.packets.append((p, plen, data[p + 4], data[p + 5]))
        if p + 4 + plen > end:
            layer.issue("note", "sequence", "ssh.continues",
                        f"SSH packet of {plen + 4} bytes continues past this segment "
                        f"({end - p} here); layerscope does not reassemble TCP", p, 4)  # fmt: skip
            return
        p += 4 + plen
    if p < end:
        state.encrypted = p


# -- detail: the fields ----------------------------------------------------------------------
class _Reader:
    """Adds fields while the bytes last: the first that does not fit stops the rest (the
    segment ended inside the packet; tail() noted it)."""

    def __init__(self, data: Any, layer: Layer, end: int) -> None:
        self.data, self.layer, self.end, self.ok = data, layer, end, True

    def u32(self, spec: FieldSpec, p: int, parent: Field) -> int | None:
        if not self.ok or p + 4 > self.end:
            self.ok = False
            return None
        v = int.from_bytes(self.data[p : p + 4], "big")
        self.layer.add(spec, p, 4, v, 0, parent)
        return v

    def raw(self, spec: FieldSpec, p: int, n: int, parent: Field, text: bool = False) -> bool:
        if not self.ok or n < 0 or p + n > self.end:
            self.ok = False
            return False
        raw = bytes(self.data[p : p + n])
        self.layer.add(spec, p, n, raw.decode("utf-8", "replace") if text else raw, 0, parent)
        return True

    def string(self, length_spec: FieldSpec, spec: FieldSpec, p: int, parent: Field,
               text: bool = False) -> int:  # fmt: skip
        """A uint32 length then that many bytes; returns where the next item starts."""
        n = self.u32(length_spec, p, parent)
        if n is None:
            return self.end
        self.raw(spec, p + 4, n, parent, text)
        return p + 4 + n


def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    start, end = layer.pos, layer.payload_end
    if state.banner >= 0:
        layer.add(PROTOCOL, start, state.banner, bytes(data[start : start + state.banner])
                  .decode("utf-8", "replace"))  # fmt: skip
    for p, plen, pad, code in state.packets:
        _packet_fields(data, layer, p, plen, pad, code, state.to_server)
    if state.encrypted >= 0:
        node = layer.add(ENCRYPTED_NODE, state.encrypted, end - state.encrypted,
                         "SSH Version 2 (encrypted)")  # fmt: skip
        layer.add(ENCRYPTED, state.encrypted, end - state.encrypted,
                  bytes(data[state.encrypted : end]), 0, node)  # fmt: skip
    layer.add(DIRECTION, end, 0, not state.to_server)


def _packet_fields(data: Any, layer: Layer, p: int, plen: int, pad: int, code: int,
                   to_server: bool) -> None:  # fmt: skip
    end = min(layer.payload_end, p + 4 + plen)
    node = layer.add(PACKET, p, end - p, "SSH Version 2")
    layer.add(PACKET_LENGTH, p, 4, plen, 0, node)
    layer.add(PADDING_LENGTH, p + 4, 1, pad, 0, node)
    body, body_end = p + 5, p + 4 + plen - pad  # the message: code and data
    r = _Reader(data, layer, min(end, body_end))
    kex = code in KEX_CODES
    msg = layer.add(KEX_NODE if kex else MESSAGE, body, min(end, body_end) - body,
                    "Key Exchange" if kex else _message_name(code), 0, node)  # fmt: skip
    layer.add(MESSAGE_CODE, body, 1, code, 0, msg)
    if code == 20:
        _kexinit(r, body + 1, msg, to_server)
    elif code in (30, 31):
        _ecdh_or_dh(r, body + 1, code, msg)
    elif code != 21 and body + 1 < r.end:
        r.raw(PAYLOAD, body + 1, r.end - body - 1, msg)
    if body_end < end:
        layer.add(PADDING_STRING, body_end, end - body_end, bytes(data[body_end:end]), 0, node)


def _kexinit(r: _Reader, p: int, msg: Field, to_server: bool) -> None:
    """Cookie, the ten name lists, first_kex_packet_follows, reserved (RFC 4253 7.1)."""
    algs = r.layer.add(ALGORITHMS, p, r.end - p, "", 0, msg)
    if not r.raw(COOKIE, p, 16, algs):
        return
    p += 16
    lists = []
    for length_spec, spec in NAME_LIST_SPECS:
        nxt = r.string(length_spec, spec, p, algs, text=True)
        lists.append(bytes(r.data[p + 4 : nxt]).decode("utf-8", "replace") if r.ok else "")
        p = nxt
    if r.ok and p + 5 <= r.end:
        r.layer.add(FIRST_KEX_FOLLOWS, p, 1, r.data[p], 0, algs)
        r.raw(KEX_RESERVED, p + 1, 4, algs)
    if r.ok:
        # HASSH: kex;encryption;mac;compression in the sender's own direction
        picks = (0, 2, 4, 6) if to_server else (0, 3, 5, 7)
        joined = ";".join(lists[i] for i in picks)
        digest = hashlib.md5(joined.encode(), usedforsecurity=False).hexdigest()
        algo_spec, hash_spec = (
            (HASSH_ALGORITHMS, HASSH) if to_server else (HASSH_SERVER_ALGORITHMS, HASSH_SERVER)
        )
        r.layer.add(algo_spec, p, 0, joined, 0, algs)
        r.layer.add(hash_spec, p, 0, digest, 0, algs)


def _ecdh_or_dh(r: _Reader, p: int, code: int, msg: Field) -> None:
    """30: the client's ephemeral key (ECDH Q_C or DH e); 31: the server's host key, its
    ephemeral key (Q_S or f) and signature (RFC 5656 section 4, RFC 4253 section 8)."""
    if code == 31:
        p = _blob(r, p, msg, "host key")
    if not r.ok or p + 4 > r.end:
        return
    n = int.from_bytes(r.data[p : p + 4], "big")
    ecdh = n in ECDH_KEY_SIZES
    if ecdh:
        p = r.string(Q_C_LENGTH if code == 30 else Q_S_LENGTH, Q_C if code == 30 else Q_S, p, msg)
    else:
        p = r.string(MPINT_LENGTH, DH_E if code == 30 else DH_F, p, msg)
    if code == 31:
        _blob(r, p, msg, "host signature")


def _blob(r: _Reader, p: int, msg: Field, what: str) -> int:
    """A host key or signature: length, then a type string and the type's data."""
    key = what == "host key"
    if not r.ok or p + 4 > r.end:
        r.ok = False
        return r.end
    node = r.layer.add(HOST_KEY if key else HOST_SIG, p, 0, f"KEX {what}", 0, msg)
    n = r.u32(HOST_KEY_LENGTH if key else HOST_SIG_LENGTH, p, node)
    if n is None:
        return r.end
    blob_end = min(r.end, p + 4 + n)
    node.len = blob_end - p
    inner = _Reader(r.data, r.layer, blob_end)
    type_spec = HOST_KEY_TYPE if key else HOST_SIG_TYPE
    q = inner.string(HOST_KEY_TYPE_LENGTH if key else HOST_SIG_TYPE_LENGTH, type_spec, p + 4,
                     node, text=True)  # fmt: skip
    if not inner.ok:
        r.ok = p + 4 + n <= r.end
        return p + 4 + n
    kind = bytes(r.data[p + 8 : q]).decode("utf-8", "replace")
    node.value = f"KEX {what} (type: {kind})"
    if key:
        _key_data(inner, q, blob_end, kind, node)
    elif q < blob_end:
        inner.raw(HOST_SIG_DATA, q, blob_end - q, node)
    r.ok = p + 4 + n <= r.end
    return p + 4 + n


def _key_data(r: _Reader, q: int, end: int, kind: str, node: Field) -> None:
    if kind == "ssh-rsa":
        q = r.string(MPINT_LENGTH, RSA_E, q, node)
        r.string(MPINT_LENGTH, RSA_N, q, node)
    elif kind in ("ssh-ed25519", "ssh-ed448"):
        r.string(EDDSA_KEY_LENGTH, EDDSA_KEY, q, node)
    elif kind.startswith("ecdsa-sha2-"):
        q = r.string(ECDSA_ID_LENGTH, ECDSA_ID, q, node, text=True)
        r.string(ECDSA_Q_LENGTH, ECDSA_Q, q, node)
    elif q < end:
        r.raw(HOST_KEY_DATA, q, end - q, node)


# -- Info, title, declaration --------------------------------------------------------------------
def _info(layer: Layer) -> str:
    state = layer.state
    if state is None:
        return ""
    side = "Client: " if state.to_server else "Server: "
    data = layer.packet.data
    if state.banner >= 0:
        line = bytes(data[layer.pos : layer.pos + state.banner]).decode("utf-8", "replace")
        return f"{side}Protocol ({line})"
    parts = [_info_name(data, p, code) for p, _plen, _pad, code in state.packets]
    if state.encrypted >= 0:
        parts.append(f"Encrypted packet (len={layer.payload_end - state.encrypted})")
    return side + ", ".join(parts)


def _info_name(data: Any, p: int, code: int) -> str:
    if code in (30, 31) and p + 10 <= len(data):
        return _message_name(code) if _looks_ecdh(data, p, code) else DH_MESSAGES[code]
    return _message_name(code)


def _looks_ecdh(data: Any, p: int, code: int) -> bool:
    """The 30/31 message's first key is a curve point (ECDH) or a big integer (DH)."""
    q = p + 6
    if code == 31 and q + 4 <= len(data):
        q += 4 + int.from_bytes(data[q : q + 4], "big")  # past the host key
    return q + 4 <= len(data) and int.from_bytes(data[q : q + 4], "big") in ECDH_KEY_SIZES


def detect(data: Any, pos: int, end: int, layer: Layer) -> bool:
    """Wireshark's heuristic: a segment that starts with the version banner."""
    return end - pos >= 4 and data[pos] == 0x53 and bytes(data[pos : pos + 4]) == b"SSH-"


SSH = Protocol(
    "ssh", "SSH Protocol", osi=Osi.APPLICATION, short="SSH", tail=_tail, detail=_detail,
    info=_info, state=SshState, colour="#5fafaf",
    explain="SSH gives a secure remote shell and file transfer: after the version lines and a "
    "key exchange in the clear, everything is encrypted.",
)  # fmt: skip

bind("tcp.port", SSH_PORT, SSH)
bind_heuristic("tcp.port", SSH, detect, first=b"S", min_len=4)
