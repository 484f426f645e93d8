"""Write tests/data/web/quic_crafted.pcap: QUIC packets of every kind (crafted).

    python tests/data/web/make_quic_packets.py tests/data/web/quic_crafted.pcap

Client Initials (QUIC v1 and v2) protected with the keys of their Destination Connection ID
(RFC 9001 section 5, with `cryptography`), holding every RFC 9000 frame type and a
ClientHello whose QUIC transport parameters cover every integer and connection ID
parameter; an Initial with a token; a Version Negotiation; a Retry. UDP port 443; tshark
decrypts the Initials as layerscope does.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import IP, UDP, Ether, Raw, wrpcap

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from dissect.protocols.quic import VERSION_1, VERSION_2, initial_keys  # noqa: E402


def varint(v: int) -> bytes:
    for width, tag in ((1, 0), (2, 0x40), (4, 0x80), (8, 0xC0)):
        if v < 1 << (8 * width - 2):
            return (v | tag << (8 * width - 8)).to_bytes(width, "big")
    raise ValueError(v)


def client_hello() -> bytes:
    params = b""
    for pid, value in ((0x01, 30000), (0x03, 1472), (0x04, 1 << 20), (0x05, 1 << 18),
                       (0x06, 1 << 18), (0x07, 1 << 18), (0x08, 100), (0x09, 3), (0x0A, 3),
                       (0x0B, 25), (0x0E, 4), (0x20, 65535)):
        body = varint(value)
        params += varint(pid) + varint(len(body)) + body
    for pid, cid in ((0x00, b"\x11" * 8), (0x0F, b"\x22" * 8), (0x10, b"\x33" * 8)):
        params += varint(pid) + varint(len(cid)) + cid
    sni = b"crafted.layerscope.test"
    ext_sni = struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    ext_tp = struct.pack("!HH", 57, len(params)) + params
    exts = ext_sni + ext_tp
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
            + struct.pack("!H", len(exts)) + exts)
    return b"\x01" + len(body).to_bytes(3, "big") + body


def all_frames() -> bytes:
    f = b"\x01"  # PING
    f += b"\x02" + varint(10) + varint(5) + varint(1) + varint(2) + varint(1) + varint(3)
    f += b"\x03" + varint(4) + varint(0) + varint(0) + varint(1) + varint(7) + varint(8) + varint(9)
    f += b"\x04" + varint(4) + varint(1) + varint(100)
    f += b"\x05" + varint(8) + varint(2)
    f += b"\x06" + varint(0) + varint(len(client_hello())) + client_hello()
    f += b"\x07" + varint(6) + b"tokenX"
    f += b"\x0a" + varint(4) + varint(2) + b"xy"  # STREAM: LEN
    f += b"\x0b" + varint(8) + varint(1) + b"z"  # LEN, FIN
    f += b"\x0e" + varint(12) + varint(100) + varint(2) + b"uv"  # OFF, LEN
    f += b"\x0f" + varint(16) + varint(7) + varint(0)  # OFF, LEN, FIN, empty
    f += b"\x10" + varint(1 << 20)
    f += b"\x11" + varint(4) + varint(1 << 16)
    f += b"\x12" + varint(10) + b"\x13" + varint(11)
    f += b"\x14" + varint(1000) + b"\x15" + varint(4) + varint(2000)
    f += b"\x16" + varint(12) + b"\x17" + varint(13)
    f += b"\x18" + varint(2) + varint(1) + b"\x08" + b"\x44" * 8 + b"\x55" * 16
    f += b"\x19" + varint(1)
    f += b"\x1a" + b"chalenge" + b"\x1b" + b"response"
    f += b"\x1c" + varint(0x0A) + varint(0x06) + varint(5) + b"oops!"
    f += b"\x1d" + varint(0x101) + varint(3) + b"bye"
    f += b"\x1e"
    f += b"\x31" + varint(4) + b"dgrm"
    f += b"\x00" * 20  # PADDING
    f += b"\x0d" + varint(20) + varint(5) + b"rest of the packet"  # OFF, FIN: to the end
    return f


def protect(version: int, ptype: int, dcid: bytes, scid: bytes, token: bytes, pn: int,
            plain: bytes) -> bytes:
    key, iv, hp = initial_keys(version, dcid)
    pn_bytes = pn.to_bytes(2, "big")
    length = len(pn_bytes) + len(plain) + 16
    first = 0xC0 | ptype << 4 | (len(pn_bytes) - 1)
    header = (bytes((first,)) + version.to_bytes(4, "big") + bytes((len(dcid),)) + dcid
              + bytes((len(scid),)) + scid + varint(len(token)) + token + varint(length))
    pn_pos = len(header)
    header += pn_bytes
    nonce = (int.from_bytes(iv, "big") ^ pn).to_bytes(12, "big")
    sealed = AESGCM(key).encrypt(nonce, plain, header)
    sample = sealed[4 - len(pn_bytes) : 4 - len(pn_bytes) + 16]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    out = bytearray(header + sealed)
    out[0] ^= mask[0] & 0x0F
    for i in range(len(pn_bytes)):
        out[pn_pos + i] ^= mask[1 + i]
    return bytes(out)


def packets() -> list[bytes]:
    dcid, scid = bytes.fromhex("0102030405060708"), bytes.fromhex("a1a2a3a4")
    hello = client_hello()
    crypto = b"\x06" + varint(0) + varint(len(hello)) + hello + b"\x00" * 40
    out = [
        protect(VERSION_1, 0, dcid, scid, b"", 0, all_frames()),
        protect(VERSION_2, 1, dcid, scid, b"", 1, crypto),  # v2: Initial is type 1
        protect(VERSION_1, 0, dcid, scid, b"retry-token-bytes", 2, crypto),
        bytes((0x80 | 0x2A,)) + b"\x00\x00\x00\x00" + b"\x04" + scid + b"\x08" + dcid
        + VERSION_1.to_bytes(4, "big") + VERSION_2.to_bytes(4, "big") + bytes.fromhex("1a2a3a4a"),
        bytes((0xF0,)) + VERSION_1.to_bytes(4, "big") + b"\x04" + scid + b"\x08" + dcid
        + b"the-retry-token" + bytes(range(16)),
    ]
    return out


def main(path: str) -> None:
    frames = [Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
              / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=50000, dport=443) / Raw(p)
              for p in packets()]
    wrpcap(path, frames)


if __name__ == "__main__":
    main(sys.argv[1])
