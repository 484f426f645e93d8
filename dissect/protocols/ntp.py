"""Network Time Protocol (RFC 5905, NTPv4; earlier versions RFC 1305, RFC 1119) on UDP
port 123.

Modes 1-5 carry the 48-byte time header, then optional NTPv4 extension fields
(RFC 7822) and a key identifier with message digest. Control messages (mode 6,
RFC 9327) and ntpd's private messages (mode 7) are decoded down to their header; the
rest is shown as data. Timestamps are 64-bit NTP times (seconds since 1900 plus a binary
fraction); their value here is nanoseconds since the Unix epoch, shown as a UTC date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..names import EXPLAIN_RESERVED
from ..protocol import (
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    Layer,
    Osi,
    Protocol,
    bind,
    shift_of,
)

NTP_TO_UNIX = 2208988800  # seconds from 1900-01-01 to 1970-01-01
ERA1_TO_UNIX = 2085978496  # seconds from 1970 to 2036-02-07, where NTP era 1 starts
MAX_MAC_LEN = 24  # key id + longest digest (SHA-1); more bytes than this are extensions

LEAP = {0: "no warning", 1: "last minute of the day has 61 seconds",
        2: "last minute of the day has 59 seconds", 3: "unknown (clock unsynchronized)"}  # fmt: skip
VERSIONS = {0: "reserved", 1: "NTP Version 1", 2: "NTP Version 2", 3: "NTP Version 3",
            4: "NTP Version 4", 5: "reserved", 6: "reserved", 7: "reserved"}  # fmt: skip
MODES = {0: "reserved", 1: "symmetric active", 2: "symmetric passive", 3: "client", 4: "server",
         5: "broadcast", 6: "reserved for NTP control message", 7: "reserved for private use"}  # fmt: skip
INFO_MODES = {**MODES, 6: "control", 7: "private"}
CTRL_OPCODES = {
    0: "reserved", 1: "read status", 2: "read variables", 3: "write variables",
    4: "read clock variables", 5: "write clock variables", 6: "set trap address/port",
    7: "asynchronous message", 8: "runtime configuration", 9: "save config to file",
    10: "retrieve MRU (mrulist)", 11: "retrieve ordered list", 12: "request a client nonce",
    31: "unset trap address/port",
}  # fmt: skip
IMPLEMENTATIONS = {0: "UNIV", 2: "XNTPD_OLD (pre-IPv6)", 3: "XNTPD"}
REQUEST_CODES = {
    0: "PEER_LIST", 1: "PEER_LIST_SUM", 2: "PEER_INFO", 3: "PEER_STATS", 4: "SYS_INFO",
    5: "SYS_STATS", 6: "IO_STATS", 7: "MEM_STATS", 8: "LOOP_INFO", 9: "TIMER_STATS", 10: "CONFIG",
    11: "UNCONFIG", 12: "SET_SYS_FLAG", 13: "CLR_SYS_FLAG", 14: "MONITOR", 15: "NOMONITOR",
    16: "GET_RESTRICT", 17: "RESADDFLAGS", 18: "RESSUBFLAGS", 19: "UNRESTRICT", 20: "MON_GETLIST",
    21: "RESET_STATS", 22: "RESET_PEER", 23: "REREAD_KEYS", 24: "DO_DIRTY_HACK",
    25: "DONT_DIRTY_HACK", 26: "TRUSTKEY", 27: "UNTRUSTKEY", 28: "AUTHINFO", 29: "TRAPS",
    30: "ADD_TRAP", 31: "CLR_TRAP", 32: "REQUEST_KEY", 33: "CONTROL_KEY", 34: "GET_CTLSTATS",
    35: "GET_LEAPINFO", 36: "GET_CLOCKINFO", 37: "SET_CLKFUDGE", 38: "GET_KERNEL",
    39: "GET_CLKBUGINFO", 41: "SET_PRECISION", 42: "MON_GETLIST_1", 43: "HOSTNAME_ASSOCID",
    44: "IF_STATS", 45: "IF_RELOAD",
}  # fmt: skip


def _stratum_name(v: int) -> str:
    if v == 0:
        return "unspecified or invalid"
    if v == 1:
        return "primary reference"
    if v <= 15:
        return "secondary reference"
    return "unsynchronized" if v == 16 else "reserved"


def _poll_text(v: int) -> str:
    return f"{v} ({1 << v} seconds)" if 4 <= v <= 17 else f"invalid ({v})"


def _precision_name(v: int) -> str:
    exp = v - 256 if v > 127 else v
    return f"{2.0**exp:.6f} seconds"


def _short_time_name(v: int) -> str:
    """NTP short format (16.16 fixed point seconds): root delay and dispersion."""
    return f"{v / 65536:.6f} seconds"


# Reference identifiers of primary (stratum 1) sources: the IANA registry (RFC 5905) and
# common unofficial ones, in Wireshark's words
REFID_NAMES = {
    b"GOES": "Geostationary Orbit Environment Satellite", b"GPS\0": "Global Position System",
    b"GAL\0": "Galileo Positioning System", b"PPS\0": "Generic pulse-per-second",
    b"IRIG": "Inter-Range Instrumentation Group", b"WWVB": "LF Radio WWVB Ft. Collins, CO 60 kHz",
    b"DCF\0": "LF Radio DCF77 Mainflingen, DE 77.5 kHz", b"HBG\0": "LF Radio HBG Prangins, HB 75 kHz",
    b"MSF\0": "LF Radio MSF Anthorn, UK 60 kHz",
    b"JJY\0": "LF Radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz",
    b"LORC": "MF Radio LORAN C station, 100 kHz", b"TDF\0": "MF Radio Allouis, FR 162 kHz",
    b"CHU\0": "HF Radio CHU Ottawa, Ontario", b"WWV\0": "HF Radio WWV Ft. Collins, CO",
    b"WWVH": "HF Radio WWVH Kauai, HI", b"NIST": "NIST telephone modem",
    b"ACTS": "NIST telephone modem", b"USNO": "USNO telephone modem",
    b"PTB\0": "European telephone modem", b"LOCL": "uncalibrated local clock",
    b"CESM": "calibrated Cesium clock", b"RBDM": "calibrated Rubidium clock",
    b"OMEG": "OMEGA radionavigation system", b"DCN\0": "DCN routing protocol",
    b"TSP\0": "TSP time protocol", b"DTS\0": "Digital Time Service",
    b"ATOM": "Atomic clock (calibrated)", b"VLF\0": "VLF radio (OMEGA,, etc.)",
    b"1PPS": "External 1 PPS input", b"FREE": "(Internal clock)", b"INIT": "(Initialization)",
    b"\0\0\0\0": "NULL",
}  # fmt: skip


def _refid_text(v: Any) -> str:
    """A primary source's name (four ASCII characters), else the upstream server's IPv4
    address (stratum 2 and above), as Wireshark words them."""
    raw = bytes(v)
    name = REFID_NAMES.get(raw)
    if name is not None:
        return name
    text = raw.rstrip(b"\0")
    if text and all(0x20 < c < 0x7F for c in text):
        return f"Unidentified reference source '{text.decode('ascii')}'"
    return ".".join(str(c) for c in raw)


class NtpTime(FieldSpec):
    """A 64-bit NTP timestamp: value in Unix nanoseconds, shown as Wireshark shows it."""

    __slots__ = ()

    def __init__(self, name: str, label: str, explain: str = "") -> None:
        super().__init__(name, label, "int", 8, unit=" ns", explain=explain)

    def show(self, value: Any) -> str:
        if value is None:
            return "NULL"
        secs, ns = divmod(value, 1_000_000_000)
        try:
            t = datetime.datetime.fromtimestamp(secs, datetime.UTC)
        except (OverflowError, OSError, ValueError):
            return f"{value} ns"
        return f"{t:%b} {t.day:2d}, {t.year} {t:%H:%M:%S}.{ns:09d} UTC"


def ntp_time_ns(raw: bytes) -> int | None:
    """Unix nanoseconds of an NTP timestamp (None for the all-zero "NULL" time). A clear top
    bit means era 1 (after 2036-02-07), as RFC 4330 section 3 suggests and Wireshark does."""
    secs, frac = int.from_bytes(raw[:4], "big"), int.from_bytes(raw[4:8], "big")
    if secs == 0 and frac == 0:
        return None
    unix = secs - NTP_TO_UNIX if secs & 0x80000000 else secs + ERA1_TO_UNIX
    return unix * 1_000_000_000 + ((frac * 1_000_000_000) >> 32)


F_LI = Bits(
    "ntp.flags.li",
    "Leap Indicator",
    1,
    mask=0xC0,
    names=LEAP,
    explain="Leap indicator: warns of a leap second at the end of the day; 3 means the "
    "server's clock is not synchronised.",
)
F_VN = Bits(
    "ntp.flags.vn",
    "Version number",
    1,
    mask=0x38,
    names=VERSIONS,
    explain="The NTP version the sender speaks (4 today).",
)
F_MODE = Bits(
    "ntp.flags.mode",
    "Mode",
    1,
    mask=0x07,
    names=MODES,
    explain="Mode: the sender's role (3 a client asking, 4 a server answering, 5 "
    "broadcast, 6 control, 7 private).",
)


def _flags_show(flags: int) -> str:
    """'0x23, Leap Indicator: no warning, Version number: NTP Version 4, Mode: client'."""
    parts = [f"0x{flags:02x}"]
    for f in (F_LI, F_VN, F_MODE):
        parts.append(f"{f.label}: {f.names.get((flags & f.mask) >> shift_of(f.mask), 'Unknown')}")
    return ", ".join(parts)


FLAGS = U8(
    "ntp.flags",
    "Flags",
    base=HEX,
    text=_flags_show,
    children=(F_LI, F_VN, F_MODE),
    explain="The first byte: leap indicator, version and mode.",
)
STRATUM = U8(
    "ntp.stratum",
    "Peer Clock Stratum",
    names=_stratum_name,
    explain="Stratum: how far the server is from a reference clock (1: it has one, such "
    "as GPS; 2: it syncs from a stratum 1 server; 16: not synchronised).",
)
PPOLL = U8(
    "ntp.ppoll",
    "Peer Polling Interval",
    text=_poll_text,
    explain="Poll interval: how often the sender wants to exchange messages, as a power of "
    "two seconds.",
)
PRECISION = U8(
    "ntp.precision",
    "Peer Clock Precision",
    text=_precision_name,
    explain="Precision of the sender's clock, as a power of two seconds.",
)
ROOT_DELAY = U32(
    "ntp.rootdelay",
    "Root Delay",
    text=_short_time_name,
    explain="Root delay: the round-trip time from the server to its reference clock.",
)
ROOT_DISP = U32(
    "ntp.rootdispersion",
    "Root Dispersion",
    text=_short_time_name,
    explain="Root dispersion: how much the server's time may be off from its reference clock.",
)
REFID = Bytes(
    "ntp.refid",
    "Reference ID",
    4,
    text=_refid_text,
    explain="Reference ID: the server's time source (a code such as 'GPS' at stratum 1, "
    "the upstream server's address above that; a kiss code such as 'RATE' at stratum 0).",
)
TIMES = (
    NtpTime("ntp.reftime", "Reference Timestamp",
            explain="Reference timestamp: when the server's clock was last set or corrected."),
    NtpTime("ntp.org", "Origin Timestamp",
            explain="Origin timestamp: the client's transmit time, copied back by the server, so "
            "the client can match the answer and measure the round trip."),
    NtpTime("ntp.rec", "Receive Timestamp",
            explain="Receive timestamp: when the request reached the server."),
    NtpTime("ntp.xmt", "Transmit Timestamp",
            explain="Transmit timestamp: when this message left the sender."),
)  # fmt: skip
EXT = Bytes("ntp.ext", "Extension",
            explain="An NTPv4 extension field (RFC 7822): extra data such as Network Time "
            "Security's.")  # fmt: skip
EXT_TYPE = U16("ntp.ext.type", "Field Type", base=HEX, explain="What the extension field holds.")
EXT_LEN = U16("ntp.ext.length", "Length",
              explain="Length of the extension field in bytes, its header included.")  # fmt: skip
EXT_VALUE = Bytes("ntp.ext.value", "Value", explain="The extension field's data.")
KEYID = Bytes("ntp.keyid", "Key ID",
              explain="Key ID: which shared key the message authentication code uses.")  # fmt: skip
MAC = Bytes("ntp.mac", "Message Authentication Code",
            explain="Message authentication code: a digest with a shared key that proves the "
            "message is genuine.")  # fmt: skip
PADDING = Bytes("ntp.padding", "Padding",
                explain="Bytes after the control message's data: padding to a 4-byte boundary, or "
                "an authenticator.")  # fmt: skip

CTRL_FLAGS2 = U8("ntp.ctrl.flags2", "Flags 2", base=HEX, explain="The control message's second "
                 "byte: response, error and more bits, and the opcode.", children=(
    Flag("ntp.ctrl.flags2.r", "Response bit", 0x80,
         explain="Response bit: set in a response, clear in a request."),
    Flag("ntp.ctrl.flags2.error", "Error bit", 0x40, explain="Error bit: the request failed."),
    Flag("ntp.ctrl.flags2.more", "More bit", 0x20,
         explain="More bit: more fragments of this response follow."),
    Bits("ntp.ctrl.flags2.opcode", "Opcode", mask=0x1F, names=CTRL_OPCODES,
         explain="Opcode: what the control message asks for (read status, read variables...)."),
))  # fmt: skip
CTRL_WORDS = (
    U16("ntp.ctrl.sequence", "Sequence",
        explain="Sequence number: matches a response to its request."),
    U16("ntp.ctrl.status", "Status", base=HEX,
        explain="Status word of the system or association the message is about."),
    U16("ntp.ctrl.associd", "AssociationID",
        explain="Association ID: which peer association the message is about (0: the whole "
        "system)."),
    U16("ntp.ctrl.offset", "Offset",
        explain="Offset of this fragment's data in the whole response."),
    U16("ntp.ctrl.count", "Count", explain="Count: how many bytes of data follow."),
)  # fmt: skip
CTRL_DATA = Bytes("ntp.ctrl.data", "Data",
                  explain="The control message's data, usually text such as variable=value pairs.")  # fmt: skip

PRIV_R = Flag("ntp.priv.flags.r", "Response bit", 0x80, 1,
              explain="Response bit: set in a response, clear in a request.")  # fmt: skip
PRIV_MORE = Flag("ntp.priv.flags.more", "More bit", 0x40, 1,
                 explain="More bit: more packets of this response follow.")  # fmt: skip
PRIV_AUTH_SEQ = U8("ntp.priv.auth_seq", "Auth, sequence", explain="The private message's "
                   "second byte: the auth bit and the sequence number.", children=(
    Flag("ntp.priv.auth", "Auth bit", 0x80, explain="Auth bit: the request is authenticated."),
    Bits("ntp.priv.seq", "Sequence number", mask=0x7F,
         explain="Sequence number of a packet within a multi-packet response."),
))  # fmt: skip
PRIV_IMPL = U8("ntp.priv.impl", "Implementation", names=IMPLEMENTATIONS,
               explain="Which NTP implementation the request is for.")  # fmt: skip
PRIV_REQCODE = U8("ntp.priv.reqcode", "Request code", names=REQUEST_CODES,
                  explain="Request code: what the private (ntpdc) request asks for.")  # fmt: skip
PRIV_ERR = Bits("ntp.priv.err", "Err", 1, mask=0xF0, base=HEX,
                explain="Error code: why the request failed (0: no error).")  # fmt: skip
PRIV_NUMITEMS = Bits("ntp.priv.numitems", "Number of data items", 2, mask=0x0FFF,
                     explain="How many data items follow.")  # fmt: skip
PRIV_RESERVED = Bits(
    "ntp.priv.reserved", "Reserved", 1, mask=0xF0, base=HEX, explain=EXPLAIN_RESERVED
)
PRIV_ITEMSIZE = Bits("ntp.priv.itemsize", "Size of data item", 2, mask=0x0FFF,
                     explain="Size of each data item in bytes.")  # fmt: skip
# Wireshark decodes mode 7 items per request code; here they stay one block of data.
PRIV_DATA = Bytes("ntp.priv.data", "Data",
                  explain="The data items, which this tool does not decode.")  # fmt: skip

# The fixed part of modes 0-5, in wire order: (spec, offset, size).
TIME_HEADER = (
    (STRATUM, 1, 1), (PPOLL, 2, 1), (PRECISION, 3, 1), (ROOT_DELAY, 4, 4), (ROOT_DISP, 8, 4),
    (REFID, 12, 4), (TIMES[0], 16, 8), (TIMES[1], 24, 8), (TIMES[2], 32, 8), (TIMES[3], 40, 8),
)  # fmt: skip


class _Adder:
    """Adds fields in wire order while the bytes last; the first that does not fit marks
    the layer (truncated or malformed) and stops the rest, as Wireshark's exception does."""

    def __init__(self, data: Any, layer: Layer) -> None:
        self.data, self.layer, self.ok = data, layer, True

    def add(
        self, spec: FieldSpec, off: int, size: int, parent: Field | None = None
    ) -> Field | None:
        layer = self.layer
        pos = layer.pos + off
        if not self.ok or pos + size > layer.payload_end:
            pkt = layer.packet
            cut = pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen
            elsewhere = pkt.ctx.fragment or pkt.ctx.in_error
            if self.ok and (cut or not elsewhere):  # a fragment or ICMP quote ends early
                layer.short(off + size, f"NTP {spec.label}")
            self.ok = False
            return None
        raw = bytes(self.data[pos : pos + size])
        if isinstance(spec, NtpTime):
            value: Any = ntp_time_ns(raw)
        elif spec.kind == "bytes":
            value = raw
        else:
            value = spec.from_bytes(raw)
        return layer.add(spec, pos, size, value, spec.mask, parent=parent)


@dataclass(slots=True)
class NtpState:
    """What tail() keeps for the Info column and the title, so they never walk the fields."""

    flags: int  # the first byte: leap indicator, version, mode
    request_code: int | None  # a private (mode 7) message's request code, once 4 bytes are there


def _tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end
    a = _Adder(data, layer)
    flags = data[layer.pos]
    mode = flags & 7
    has_code = mode == 7 and layer.payload_end - layer.pos >= 4
    layer.state = NtpState(flags, data[layer.pos + 3] if has_code else None)
    f = a.add(FLAGS, 0, 1)
    kids = (PRIV_R, PRIV_MORE, F_VN, F_MODE) if mode == 7 else (F_LI, F_VN, F_MODE)
    for spec in kids:
        a.add(spec, 0, 1, parent=f)
    if mode == 6:
        _control(a)
    elif mode == 7:
        _private(a)
    else:
        for spec, off, size in TIME_HEADER:
            a.add(spec, off, size)
        if a.ok:
            _trailer(a, 48)


def _trailer(a: _Adder, off: int) -> None:
    """NTPv4 extension fields while more than a MAC's worth remains, then key id and MAC."""
    layer, data = a.layer, a.data
    end = layer.payload_end - layer.pos
    while end - off > MAX_MAC_LEN:
        length = int.from_bytes(data[layer.pos + off + 2 : layer.pos + off + 4], "big")
        if length < 4 or off + length > end:
            layer.issue("error", "malformed", "ntp.ext.length.bad",
                        f"extension field length {length} does not fit the {end - off} bytes left",
                        layer.pos + off + 2, 2)  # fmt: skip
            return
        ext = layer.add(
            EXT, layer.pos + off, length, bytes(data[layer.pos + off : layer.pos + off + length])
        )
        a.add(EXT_TYPE, off, 2, parent=ext)
        a.add(EXT_LEN, off + 2, 2, parent=ext)
        if length > 4:
            a.add(EXT_VALUE, off + 4, length - 4, parent=ext)
        off += length
    if end - off >= 4:
        a.add(KEYID, off, 4)
        if end - off > 4:
            a.add(MAC, off + 4, end - off - 4)


def _control(a: _Adder) -> None:
    """Mode 6 header (RFC 9327 section 2); the data it counts, then padding/authenticator."""
    f = a.add(CTRL_FLAGS2, 1, 1)
    for child in CTRL_FLAGS2.children:
        a.add(child, 1, 1, parent=f)
    for i, spec in enumerate(CTRL_WORDS):
        a.add(spec, 2 + 2 * i, 2)
    if not a.ok:
        return
    layer = a.layer
    avail = layer.payload_end - layer.pos - 12
    count = layer.value("ntp.ctrl.count") or 0
    if count > avail:
        layer.short(12 + count, "NTP control message data")
    n = min(count, avail)
    if n:
        a.add(CTRL_DATA, 12, n)
    if avail > n:
        a.add(PADDING, 12 + n, avail - n)


def _private(a: _Adder) -> None:
    """Mode 7 (ntpd's private requests): header only, the items stay data."""
    f = a.add(PRIV_AUTH_SEQ, 1, 1)
    for child in PRIV_AUTH_SEQ.children:
        a.add(child, 1, 1, parent=f)
    for spec, off, size in ((PRIV_IMPL, 2, 1), (PRIV_REQCODE, 3, 1), (PRIV_ERR, 4, 1),
                            (PRIV_NUMITEMS, 4, 2), (PRIV_RESERVED, 6, 1), (PRIV_ITEMSIZE, 6, 2)):  # fmt: skip
        a.add(spec, off, size)
    rest = a.layer.payload_end - a.layer.pos - 8
    if a.ok and rest > 0:
        a.add(PRIV_DATA, 8, rest)


def _info(layer: Layer) -> str:
    state = layer.state
    if state is None:
        return ""
    flags, code = state.flags, state.request_code
    text = f"{VERSIONS[(flags >> 3) & 7]}, {INFO_MODES[flags & 7]}"
    if flags & 7 == 7 and code is not None:  # Wireshark names the private request
        name = REQUEST_CODES.get(code, "Unknown")
        text += f", {'Response' if flags & 0x80 else 'Request'}, {name}"
    return text


def _describe(layer: Layer) -> str:
    if layer.state is None:
        return "Network Time Protocol"
    flags = layer.state.flags
    return f"Network Time Protocol ({VERSIONS[(flags >> 3) & 7]}, {INFO_MODES[flags & 7]})"


NTP = Protocol(
    "ntp", "Network Time Protocol", osi=Osi.APPLICATION, short="NTP", tail=_tail, info=_info,
    describe=_describe, state=NtpState, colour="#d7d75f",
    explain="NTP keeps clocks in step: a client asks a server for the time and uses four "
    "timestamps to work out the offset and the network delay.",
)  # fmt: skip

bind("udp.port", 123, NTP)
bind("tcp.port", 123, NTP)
