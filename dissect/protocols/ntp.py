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
from typing import Any

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

    def __init__(self, name: str, label: str) -> None:
        super().__init__(name, label, "int", 8, unit=" ns")

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


F_LI = Bits("ntp.flags.li", "Leap Indicator", 1, mask=0xC0, names=LEAP)
F_VN = Bits("ntp.flags.vn", "Version number", 1, mask=0x38, names=VERSIONS)
F_MODE = Bits("ntp.flags.mode", "Mode", 1, mask=0x07, names=MODES)


def _flags_show(flags: int) -> str:
    """'0x23, Leap Indicator: no warning, Version number: NTP Version 4, Mode: client'."""
    parts = [f"0x{flags:02x}"]
    for f in (F_LI, F_VN, F_MODE):
        parts.append(f"{f.label}: {f.names.get((flags & f.mask) >> shift_of(f.mask), 'Unknown')}")
    return ", ".join(parts)


FLAGS = U8("ntp.flags", "Flags", base=HEX, text=_flags_show, children=(F_LI, F_VN, F_MODE))
STRATUM = U8("ntp.stratum", "Peer Clock Stratum", names=_stratum_name)
PPOLL = U8("ntp.ppoll", "Peer Polling Interval", text=_poll_text)
PRECISION = U8("ntp.precision", "Peer Clock Precision", text=_precision_name)
ROOT_DELAY = U32("ntp.rootdelay", "Root Delay", text=_short_time_name)
ROOT_DISP = U32("ntp.rootdispersion", "Root Dispersion", text=_short_time_name)
REFID = Bytes("ntp.refid", "Reference ID", 4, text=_refid_text)
TIMES = (
    NtpTime("ntp.reftime", "Reference Timestamp"),
    NtpTime("ntp.org", "Origin Timestamp"),
    NtpTime("ntp.rec", "Receive Timestamp"),
    NtpTime("ntp.xmt", "Transmit Timestamp"),
)
EXT = Bytes("ntp.ext", "Extension")
EXT_TYPE = U16("ntp.ext.type", "Field Type", base=HEX)
EXT_LEN = U16("ntp.ext.length", "Length")
EXT_VALUE = Bytes("ntp.ext.value", "Value")
KEYID = Bytes("ntp.keyid", "Key ID")
MAC = Bytes("ntp.mac", "Message Authentication Code")
PADDING = Bytes("ntp.padding", "Padding")

CTRL_FLAGS2 = U8("ntp.ctrl.flags2", "Flags 2", base=HEX, children=(
    Flag("ntp.ctrl.flags2.r", "Response bit", 0x80),
    Flag("ntp.ctrl.flags2.error", "Error bit", 0x40),
    Flag("ntp.ctrl.flags2.more", "More bit", 0x20),
    Bits("ntp.ctrl.flags2.opcode", "Opcode", mask=0x1F, names=CTRL_OPCODES),
))  # fmt: skip
CTRL_WORDS = (
    U16("ntp.ctrl.sequence", "Sequence"),
    U16("ntp.ctrl.status", "Status", base=HEX),
    U16("ntp.ctrl.associd", "AssociationID"),
    U16("ntp.ctrl.offset", "Offset"),
    U16("ntp.ctrl.count", "Count"),
)
CTRL_DATA = Bytes("ntp.ctrl.data", "Data")

PRIV_R = Flag("ntp.priv.flags.r", "Response bit", 0x80, 1)
PRIV_MORE = Flag("ntp.priv.flags.more", "More bit", 0x40, 1)
PRIV_AUTH_SEQ = U8("ntp.priv.auth_seq", "Auth, sequence", children=(
    Flag("ntp.priv.auth", "Auth bit", 0x80),
    Bits("ntp.priv.seq", "Sequence number", mask=0x7F),
))  # fmt: skip
PRIV_IMPL = U8("ntp.priv.impl", "Implementation", names=IMPLEMENTATIONS)
PRIV_REQCODE = U8("ntp.priv.reqcode", "Request code", names=REQUEST_CODES)
PRIV_ERR = Bits("ntp.priv.err", "Err", 1, mask=0xF0, base=HEX)
PRIV_NUMITEMS = Bits("ntp.priv.numitems", "Number of data items", 2, mask=0x0FFF)
PRIV_RESERVED = Bits("ntp.priv.reserved", "Reserved", 1, mask=0xF0, base=HEX)
PRIV_ITEMSIZE = Bits("ntp.priv.itemsize", "Size of data item", 2, mask=0x0FFF)
# Wireshark decodes mode 7 items per request code; here they stay one block of data.
PRIV_DATA = Bytes("ntp.priv.data", "Data")

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


def _tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end
    a = _Adder(data, layer)
    flags = data[layer.pos]
    mode = flags & 7
    # What the Info column and the title need, so they never walk the fields: the flags
    # byte, and a private request's code (which _private adds once 4 bytes are there).
    has_code = mode == 7 and layer.payload_end - layer.pos >= 4
    layer.state = (flags, data[layer.pos + 3] if has_code else None)
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
    if layer.state is None:
        return ""
    flags, code = layer.state
    text = f"{VERSIONS[(flags >> 3) & 7]}, {INFO_MODES[flags & 7]}"
    if flags & 7 == 7 and code is not None:  # Wireshark names the private request
        name = REQUEST_CODES.get(code, "Unknown")
        text += f", {'Response' if flags & 0x80 else 'Request'}, {name}"
    return text


def _describe(layer: Layer) -> str:
    if layer.state is None:
        return "Network Time Protocol"
    flags = layer.state[0]
    return f"Network Time Protocol ({VERSIONS[(flags >> 3) & 7]}, {INFO_MODES[flags & 7]})"


NTP = Protocol(
    "ntp", "Network Time Protocol", osi=Osi.APPLICATION, short="NTP", tail=_tail, info=_info,
    describe=_describe,
    explain="NTP keeps clocks in step: a client asks a server for the time and uses four "
    "timestamps to work out the offset and the network delay.",
)  # fmt: skip

bind("udp.port", 123, NTP)
bind("tcp.port", 123, NTP)
