"""The Multipath TCP option (TCP option kind 30, RFC 8684; version 0: RFC 6824).

Not a layer of its own: TCP's option walk (tcp.py) hands each kind-30 option here. As in
Wireshark, the option's tree item is the protocol `mptcp`, its fields are
`tcp.options.mptcp.*`, and `mptcp` joins the frame's protocol path after `tcp`. Each
subtype's layout is a list of steps read in order; a step past the option's length is
where Wireshark's decoder throws: the option is malformed there, its fields end, and TCP
decodes nothing after it (its payload is not followed).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U16,
    U32,
    U64,
    Bits,
    Bytes,
    Field,
    Flag,
    Int,
    IPv4,
    IPv6,
    Layer,
    uint_at,
)

KIND = 30
SUBTYPES = {
    0: "Multipath Capable", 1: "Join Connection", 2: "Data Sequence Signal",
    3: "Add Address", 4: "Remove Address", 5: "Change Subflow Priority",
    6: "TCP Fallback", 7: "Fast Close", 8: "TCP Reset",
}  # fmt: skip
RESET_REASONS = {
    0: "Unspecified error", 1: "MPTCP-specific error", 2: "Lack of resources",
    3: "Administratively prohibited", 4: "Too much outstanding data",
    5: "Unacceptable performance", 6: "Middlebox interference",
}  # fmt: skip


def subtype_name(value: int) -> str:
    return SUBTYPES.get(value, f"Unknown ({value})")


def _option_text(raw: bytes) -> str:
    """What Wireshark appends to the option's item: its subtype ('' before there is one)."""
    return subtype_name(raw[2] >> 4) if len(raw) > 2 else ""


def _said(what: str) -> Any:
    return lambda v, _l: f"{what}: {v}."


OPTION = Bytes("mptcp", "Multipath Transmission Control Protocol", text=_option_text,
               explain="Multipath TCP: one connection carried over several TCP subflows "
               "(paths); this option tells which part of the connection the segment is.")  # fmt: skip
SUBTYPE = Bits("tcp.options.mptcp.subtype", "Multipath TCP subtype", mask=0xF0,
               names=subtype_name, explain=lambda v, _l: f"Subtype {v}: {subtype_name(v)}.")  # fmt: skip
VERSION = Bits("tcp.options.mptcp.version", "Multipath TCP version", mask=0x0F,
               explain=lambda v, _l: f"Multipath TCP version {v} (1: RFC 8684, 0: RFC 6824).")  # fmt: skip
RESERVED = Bits("tcp.options.mptcp.reserved", "Reserved", 2, mask=0x0FFF, base=HEX,
                explain="Reserved bits: zero.")  # fmt: skip
FLAGS = U8("tcp.options.mptcp.flags", "Multipath TCP flags", base=HEX,
           explain="The subtype's flag bits (listed under it).")  # fmt: skip
CHECKSUM_REQ = Bits("tcp.options.mptcp.checksumreq.flags", "Checksum required", mask=0x80,
                    explain="1: the sender wants a checksum on every data mapping.")  # fmt: skip
EXTENSIBILITY = Bits("tcp.options.mptcp.extensibility.flag", "Extensibility", mask=0x40,
                     explain="Reserved for extensions of the handshake.")  # fmt: skip
NO_MORE_SUBFLOWS = Bits(
    "tcp.options.mptcp.nomoresubflows.flag",
    "Do not attempt to establish new subflows to this address and port", mask=0x20,
    explain="1: do not open more subflows to the address and port this came from.")  # fmt: skip
SHA1 = Bits("tcp.options.mptcp.sha1.flag", "Use HMAC-SHA1", mask=0x01,
            explain="1: keys and HMACs use SHA-1 (version 0).")  # fmt: skip
SHA256 = Bits("tcp.options.mptcp.sha256.flag", "Use HMAC-SHA256", mask=0x01,
              explain="1: keys and HMACs use SHA-256 (version 1).")  # fmt: skip
RESERVED_FLAGS = Bits("tcp.options.mptcp.reserved.flag", "Reserved", mask=0x3E, base=HEX,
                      explain="Reserved flag bits: zero.")  # fmt: skip
BACKUP = Bits("tcp.options.mptcp.backup.flag", "Backup flag", mask=0x01,
              explain="1: use this subflow only when the others fail.")  # fmt: skip
DATA_FIN = Bits("tcp.options.mptcp.datafin.flag", "DATA_FIN", mask=0x10,
                explain="1: the mapping ends the connection's data (a FIN at the data level).")  # fmt: skip
DSN8 = Bits("tcp.options.mptcp.dseqn8.flag", "Data Sequence Number is 8 octets", mask=0x08,
            explain="1: the data sequence number is 64 bits, else 32.")  # fmt: skip
MAPPING = Bits("tcp.options.mptcp.dseqnpresent.flag",
               "Data Sequence Number, Subflow Sequence Number, Data-level Length, Checksum "
               "present", mask=0x04, explain="1: a data mapping follows the data ACK.")  # fmt: skip
ACK8 = Bits("tcp.options.mptcp.dataack8.flag", "Data ACK is 8 octets", mask=0x02,
            explain="1: the data ACK is 64 bits, else 32.")  # fmt: skip
ACK_PRESENT = Bits("tcp.options.mptcp.dataackpresent.flag", "Data ACK is present", mask=0x01,
                   explain="1: a data ACK follows the flags.")  # fmt: skip
FLAG_U, FLAG_V, FLAG_W, FLAG_T = (
    Flag(f"tcp.options.mptcp.flag_{c}.flag", label, mask, bits=4, explain=explain)
    for c, label, mask, explain in (
        ("U", "Flag U", 0x8, "Reserved for future use."),
        ("V", "Flag V", 0x4, "Reserved for future use."),
        ("W", "Flag W", 0x2, "Reserved for future use."),
        ("T", "Transient", 0x1, "Set: the reset is transient; the subflow may be tried again."),
    )
)  # fmt: skip
RST_REASON = U8("tcp.options.mptcp.rst_reason", "TCPRST Reason", base=HEX, names=RESET_REASONS,
                explain=_said("Why the subflow was reset"))  # fmt: skip
ADDR_ID = U8("tcp.options.mptcp.addrid", "Address ID",
             explain=_said("The number the sender gave this address"))  # fmt: skip
SEND_KEY = U64("tcp.options.mptcp.sendkey", "Sender's Key",
               explain=_said("The sender's 64-bit key, which tokens and HMACs derive from"))  # fmt: skip
RECV_KEY = U64("tcp.options.mptcp.recvkey", "Receiver's Key",
               explain=_said("The receiver's 64-bit key"))  # fmt: skip
RECV_TOKEN = U32("tcp.options.mptcp.recvtok", "Receiver's Token",
                 explain=_said("The token of the connection this subflow joins"))  # fmt: skip
SEND_RAND = U32("tcp.options.mptcp.sendrand", "Sender's Random Number",
                explain=_said("A nonce that the join's HMAC covers"))  # fmt: skip
SEND_TRUNC_HMAC = U64("tcp.options.mptcp.sendtrunchmac", "Sender's Truncated HMAC",
                      explain=_said("The leftmost 64 bits of the sender's HMAC"))  # fmt: skip
SEND_HMAC = Bytes("tcp.options.mptcp.sendhmac", "Sender's HMAC",
                  explain="The sender's HMAC (160 bits) that proves it knows the keys.")  # fmt: skip
ADDR_HMAC = U64("tcp.options.mptcp.addaddrtrunchmac", "Truncated HMAC",
                explain=_said("The leftmost 64 bits of the HMAC over the advertised address"))  # fmt: skip
RAW_ACK = U64("tcp.options.mptcp.rawdataack", "Original MPTCP Data ACK",
              explain=_said("The data-level acknowledgment as sent"))  # fmt: skip
RAW_DSN = U64("tcp.options.mptcp.rawdataseqno", "Data Sequence Number",
              explain=_said("Where the mapping starts in the connection's data, as sent"))  # fmt: skip
SUBFLOW_SEQ = U32("tcp.options.mptcp.subflowseqno", "Subflow Sequence Number",
                  explain=_said("Where the mapping starts in this subflow (relative to its "
                                "initial sequence number)"))  # fmt: skip
DATA_LEN = U16("tcp.options.mptcp.datalvllen", "Data-level Length",
               explain=lambda v, _l: f"The mapping covers {v} bytes"
               + (" (0: to the end: fallback to plain TCP)." if v == 0 else "."))  # fmt: skip
CHECKSUM = U16("tcp.options.mptcp.checksum", "Checksum", base=HEX,
               explain=_said("The mapping's checksum over its data"))  # fmt: skip
IP_VERSION = Bits("tcp.options.mptcp.ipver", "IP version", mask=0x0F,
                  explain=_said("The advertised address's IP version"))  # fmt: skip
ECHO = Bits("tcp.options.mptcp.echo", "Echo", mask=0x01,
            explain="1: this echoes an address the peer advertised.")  # fmt: skip
ADDR_V4 = IPv4("tcp.options.mptcp.ipv4", "Advertised IPv4 Address",
               explain=_said("An address the sender can also be reached at"))  # fmt: skip
ADDR_V6 = IPv6("tcp.options.mptcp.ipv6", "Advertised IPv6 Address",
               explain=_said("An address the sender can also be reached at"))  # fmt: skip
ADDR_PORT = U16("tcp.options.mptcp.port", "Advertised port",
                explain=_said("The port to use with the advertised address"))  # fmt: skip
EXPECTED_TOKEN = Int("mptcp.expected_token", "Subflow token generated from key", generated=True,
                     explain=_said("The connection's token: the first 32 bits of a hash of "
                                   "the key (later subflows name the connection by it)"))  # fmt: skip
EXPECTED_IDSN = Int("mptcp.expected_idsn", "Subflow expected IDSN", generated=True,
                    text=lambda v: f"{v} (64bits version)",
                    explain=_said("The initial data sequence number: the last 64 bits of a "
                                  "hash of the key"))  # fmt: skip
RM_COUNT = Int("mptcp.rm_addr.count", "Number of removed addresses", generated=True,
               explain=_said("How many address IDs the option withdraws"))  # fmt: skip

CAPABLE_V0 = ((CHECKSUM_REQ, 0x80), (EXTENSIBILITY, 0x40), (SHA1, 0x01), (RESERVED_FLAGS, 0x3E))
CAPABLE_V1 = ((CHECKSUM_REQ, 0x80), (EXTENSIBILITY, 0x40), (NO_MORE_SUBFLOWS, 0x20),
              (SHA256, 0x01), (RESERVED_FLAGS, 0x1E))  # fmt: skip
JOIN_FLAGS = ((BACKUP, 0x01),)
DSS_FLAGS = ((DATA_FIN, 0x10), (DSN8, 0x08), (MAPPING, 0x04), (ACK8, 0x02), (ACK_PRESENT, 0x01))
RESET_FLAGS = ((FLAG_U, 0x8), (FLAG_V, 0x4), (FLAG_W, 0x2), (FLAG_T, 0x1))

# A step: (spec, offset in the option, width, the flags under it, or the value of a field
# worked out rather than read). Wireshark reads them in this order.
Step = tuple[Any, int, int, Any]


def steps(raw: bytes) -> list[Step]:
    """The option's fields in Wireshark's order, by subtype; `raw` is the whole option.
    Steps may run past the option's end: that is where the option is malformed."""
    n = len(raw)
    out: list[Step] = [(SUBTYPE, 2, 1, None)]
    if n < 3:
        return out
    subtype = raw[2] >> 4
    make = _LAYOUTS.get(subtype)
    if make is not None:
        make(raw, n, out)
    return out


def _capable(raw: bytes, n: int, out: list[Step]) -> None:
    version = raw[2] & 0x0F
    out += [(VERSION, 2, 1, None), (FLAGS, 3, 1, CAPABLE_V1 if version else CAPABLE_V0)]
    if n in (12, 20, 22, 24):
        key = uint_at(raw, 4, 8)
        digest = (hashlib.sha256 if version else hashlib.sha1)(key.to_bytes(8, "big")).digest()
        out += [(SEND_KEY, 4, 8, None),
                (EXPECTED_TOKEN, 12, 0, int.from_bytes(digest[:4], "big")),
                (EXPECTED_IDSN, 12, 0, int.from_bytes(digest[-8:], "big"))]  # fmt: skip
    if n in (20, 22, 24):
        out.append((RECV_KEY, 12, 8, None))
    if n in (22, 24):
        out.append((DATA_LEN, 20, 2, None))
    if n == 24:
        out.append((CHECKSUM, 22, 2, None))


def _join(raw: bytes, n: int, out: list[Step]) -> None:
    if n == 12:
        out += [(FLAGS, 2, 1, JOIN_FLAGS), (ADDR_ID, 3, 1, None), (RECV_TOKEN, 4, 4, None),
                (SEND_RAND, 8, 4, None)]  # fmt: skip
    elif n == 16:
        out += [(FLAGS, 2, 1, JOIN_FLAGS), (ADDR_ID, 3, 1, None),
                (SEND_TRUNC_HMAC, 4, 8, None), (SEND_RAND, 12, 4, None)]  # fmt: skip
    elif n == 24:
        out += [(RESERVED, 2, 2, None), (SEND_HMAC, 4, 20, None)]


def _dss(raw: bytes, n: int, out: list[Step]) -> None:
    out.append((FLAGS, 3, 1, DSS_FLAGS))
    if n < 4:
        return
    flags, at = raw[3], 4
    if flags & 0x01:  # a data ACK
        width = 8 if flags & 0x02 else 4
        out.append((RAW_ACK, at, width, None))
        at += width
    if flags & 0x04:  # a mapping; its checksum only where 2 bytes more would still fit
        width = 8 if flags & 0x08 else 4
        out += [(RAW_DSN, at, width, None), (SUBFLOW_SEQ, at + width, 4, None),
                (DATA_LEN, at + width + 4, 2, None)]  # fmt: skip
        at += width + 6
        if n >= at + 4:
            out.append((CHECKSUM, at, 2, None))


def _add_addr(raw: bytes, n: int, out: list[Step]) -> None:
    # Version 0 writes the IP version in the low bits; version 1 an echo bit there.
    out += [(IP_VERSION if raw[2] & 0x0F in (4, 6) else ECHO, 2, 1, None), (ADDR_ID, 3, 1, None)]
    at = 4
    if n in (8, 10, 16, 18):
        out.append((ADDR_V4, at, 4, None))
        at += 4
    elif n in (20, 22, 28, 30):
        out.append((ADDR_V6, at, 16, None))
        at += 16
    if n in (10, 18, 22, 30):
        out.append((ADDR_PORT, at, 2, None))
        at += 2
    if n in (16, 18, 28, 30):
        out.append((ADDR_HMAC, at, 8, None))


def _remove_addr(raw: bytes, n: int, out: list[Step]) -> None:
    out.append((RM_COUNT, 2, 1, n - 3))
    out += [(ADDR_ID, at, 1, None) for at in range(3, n)]


def _prio(raw: bytes, n: int, out: list[Step]) -> None:
    out.append((FLAGS, 2, 1, JOIN_FLAGS))
    if n == 4:
        out.append((ADDR_ID, 3, 1, None))


def _fail(raw: bytes, n: int, out: list[Step]) -> None:
    out += [(RESERVED, 2, 2, None), (RAW_DSN, 4, 8, None)]


def _fastclose(raw: bytes, n: int, out: list[Step]) -> None:
    out += [(RESERVED, 2, 2, None), (RECV_KEY, 4, 8, None)]


def _reset(raw: bytes, n: int, out: list[Step]) -> None:
    out += [(FLAGS, 2, 1, RESET_FLAGS), (RST_REASON, 3, 1, None)]


_LAYOUTS = {0: _capable, 1: _join, 2: _dss, 3: _add_addr, 4: _remove_addr, 5: _prio,
            6: _fail, 7: _fastclose, 8: _reset}  # fmt: skip


def malformed_at(raw: bytes) -> int | None:
    """The offset in the option of the first field its length leaves no room for (where
    Wireshark's decoder throws), or None when the option holds every field."""
    n = len(raw)
    for _spec, off, width, _extra in steps(raw):
        if off + width > n:
            return off
    return None


def check(raw: bytes, layer: Layer, i: int) -> bool:
    """The issues of the option at i (from TCP's tail, so a row's status never changes
    when the tree is opened): malformed, or one Wireshark warns about. False: malformed,
    TCP decodes nothing after it."""
    at = malformed_at(raw)
    if at is not None:
        name = subtype_name(raw[2] >> 4) if len(raw) > 2 else "no subtype"
        layer.issue("error", "malformed", "mptcp.malformed",
                    f"Multipath TCP option ({name}) at offset {i}: its length {len(raw)} "
                    f"leaves no room for the field at byte {at}", i, len(raw))  # fmt: skip
        return False
    subtype = raw[2] >> 4
    if subtype == 0 and not raw[3] & 0x01:
        layer.issue("warn", "protocol", "mptcp.connection.missing_algorithm",
                    "No crypto algorithm specified", i + 3, 1)  # fmt: skip
    elif subtype == 2:
        for spec, off, _width, _extra in steps(raw):
            if spec is DATA_LEN and uint_at(raw, off, 2) == 0:
                layer.issue("warn", "protocol", "mptcp.dss.infinite_mapping",
                            "Fallback to infinite mapping", i, len(raw))  # fmt: skip
    return True


def build(raw: bytes, layer: Layer, o: Field, i: int) -> None:
    """The option's fields under its item `o` (at offset i of the frame), as far as its
    length holds them."""
    n = len(raw)
    for spec, off, width, extra in steps(raw):
        if off + width > n:
            break
        if spec.generated:
            layer.child(o, spec, i + off, width, extra)
            continue
        value = spec.from_bytes(raw[off : off + width])
        f = layer.child(o, spec, i + off, width, value, spec.mask)
        for flag, mask in extra or ():
            bits = (raw[off] & mask) >> (mask & -mask).bit_length() - 1
            layer.child(f, flag, i + off, 1, bool(bits) if flag.kind == "flag" else bits, mask)
