"""Syslog (RFC 3164 BSD syslog, RFC 5424) on UDP port 514.

One message per datagram: an optional priority "<PRI>" (facility * 8 + severity), then
the text. The text is split as Wireshark splits it: an RFC 5424 message ("1 " then
timestamp, hostname, app name, process id, and the rest), or an RFC 3164 one (a
"Mmm dd hh:mm:ss" timestamp, the hostname, the tag, and the rest).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..protocol import U24, Bits, FieldSpec, Layer, Osi, Protocol, Text, bind

MAX_PRI_DIGITS = 3  # "<191>" at most; Wireshark reads up to 4 digits and so do we
FACILITIES = {
    0: "KERN - kernel messages", 1: "USER - random user-level messages", 2: "MAIL - mail system",
    3: "DAEMON - system daemons", 4: "AUTH - security/authorization messages",
    5: "SYSLOG - messages generated internally by syslogd", 6: "LPR - line printer subsystem",
    7: "NEWS - network news subsystem", 8: "UUCP - UUCP subsystem",
    9: "CRON - clock daemon (BSD, Linux)",
    10: "AUTHPRIV - security/authorization messages (private)", 11: "FTP - ftp daemon",
    12: "NTP - ntp subsystem", 13: "LOGAUDIT - log audit", 14: "LOGALERT - log alert",
    15: "CRON - clock daemon (Solaris)", **{16 + i: f"LOCAL{i} - reserved for local use"
                                           for i in range(8)},
}  # fmt: skip
LEVELS = {0: "EMERG - system is unusable", 1: "ALERT - action must be taken immediately",
          2: "CRIT - critical conditions", 3: "ERR - error conditions",
          4: "WARNING - warning conditions", 5: "NOTICE - normal but significant condition",
          6: "INFO - informational", 7: "DEBUG - debug-level messages"}  # fmt: skip
SHORT_FACILITIES = {k: v.split(" ", 1)[0] for k, v in FACILITIES.items()}
SHORT_LEVELS = {k: v.split(" ", 1)[0] for k, v in LEVELS.items()}
ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 92: "\\\\"}


def format_text(raw: bytes) -> str:
    """Packet text as Wireshark's format_text shows it: control bytes escaped (\\n, \\000)."""
    text = raw.decode("utf-8", "replace")
    out = []
    for ch in text:
        c = ord(ch)
        if c in ESCAPES:
            out.append(ESCAPES[c])
        elif c < 0x20 or c == 0x7F:
            out.append(f"\\{c:03o}")
        elif not ch.isprintable():
            out.append(f"\\u{c:04X}")
        else:
            out.append(ch)
    return "".join(out)


def _until_nul(raw: bytes, utf8: bool = False) -> str:
    """A string field's value: its text up to a NUL, as Wireshark's FT_STRING shows it
    (ASCII fields show each byte past 0x7F as a replacement character)."""
    raw = raw.split(b"\0", 1)[0]
    if utf8:
        return raw.decode("utf-8", "replace")
    return "".join(chr(c) if c < 0x80 else "\ufffd" for c in raw)


def _iso_time_ns(text: str) -> int | None:
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.UTC)
    delta = t - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _time_text(v: int) -> str:
    if v == 0:  # not a date Wireshark could read: it shows the epoch, without a fraction
        return "Jan  1, 1970 00:00:00 UTC"
    secs, ns = divmod(v, 1_000_000_000)
    t = datetime.datetime.fromtimestamp(secs, datetime.UTC)
    return f"{t:%b} {t.day:2d}, {t.year} {t:%H:%M:%S}.{ns:09d} UTC"


# The priority is decimal text ("<34>"): the masks apply to its value, not to the bytes, so
# no bit-pattern line is drawn (bits=0).
FACILITY = Bits("syslog.facility", "Facility", 2, mask=0x03F8, names=FACILITIES, bits=0,
                explain="Facility: which part of the system sent the message (kernel, mail, "
                "a daemon, LOCAL0-7 for site use...).")  # fmt: skip
LEVEL = Bits("syslog.level", "Level", 2, mask=0x0007, names=LEVELS, bits=0,
             explain="Severity: 0 the system is unusable ... 3 an error, 4 a warning, 6 "
             "information, 7 debugging.")  # fmt: skip
MSG = Text("syslog.msg", "Message", explain="The log message's text.")
VERSION = Text("syslog.version", "Syslog version",
               explain="The RFC 5424 format's version (1).")  # fmt: skip
TIMESTAMP = FieldSpec("syslog.timestamp", "Syslog timestamp", "int", text=_time_text,
                      explain="When the event happened (RFC 5424: a full date with its time "
                      "zone), in nanoseconds since 1970 (0: not a date, such as '-').")  # fmt: skip
TIMESTAMP_RFC3164 = Text("syslog.timestamp_rfc3164", "Syslog timestamp (RFC3164)",
                         explain="When the event happened, as the BSD format writes it: month, "
                         "day and time, no year nor time zone.")  # fmt: skip
HOSTNAME = Text("syslog.hostname", "Syslog hostname",
                explain="The host that sent the message.")  # fmt: skip
APPNAME = Text("syslog.appname", "Syslog app name",
               explain="The application that logged the message.")  # fmt: skip
PROCID = Text("syslog.procid", "Syslog process id",
              explain="The process id, or in a BSD message the tag (the program's name).")  # fmt: skip
MSGID = Text("syslog.msgid", "Syslog message id",
             explain="The rest of the message after the header parts (RFC 5424: message id, "
             "structured data and the free text).")  # fmt: skip
BOM = U24("syslog.msgid.bom", "Syslog BOM",
          explain="A UTF-8 byte order mark: the text after it is UTF-8.")  # fmt: skip


@dataclass(slots=True)
class SyslogState:
    """The priority (-1: none) and where the text starts, for the Info column."""

    pri: int
    msg: int


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    layer.hdr_len = end - start
    layer.payload_pos = end
    pri, p = -1, start
    if p < end and data[p] == 0x3C:  # "<"
        p, pri = p + 1, 0
        while p < end and 0x30 <= data[p] <= 0x39 and p - start <= MAX_PRI_DIGITS + 1:
            pri = pri * 10 + data[p] - 0x30
            p += 1
        if p < end and data[p] == 0x3E:  # ">"
            p += 1
        elif p >= end:
            layer.issue("error", "malformed", "syslog.malformed",
                        "the datagram ends inside the priority (no closing '>')", start, end - start)  # fmt: skip
    layer.state = SyslogState(pri, p)


def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    start, end, p = layer.pos, layer.payload_end, state.msg
    if state.pri >= 0:
        layer.add(FACILITY, start, p - start, (state.pri & 0x3F8) >> 3, 0x3F8)
        layer.add(LEVEL, start, p - start, state.pri & 7, 0x7)
    msg = layer.add(MSG, p, end - p, _until_nul(bytes(data[p:end]), utf8=True))
    if end - p > 2 and bytes(data[p : p + 2]) == b"1 ":
        _rfc5424(data, layer, p, end, msg)
    elif end - p > 15:
        _rfc3164(data, layer, p, end, msg)


def _word(data: Any, layer: Layer, spec: FieldSpec, p: int, end: int, msg: Any) -> int:
    """A space-ended word; returns where the next starts (-1: no space, nothing added)."""
    space = bytes(data[p:end]).find(b" ")
    if space < 0:
        return -1
    layer.add(spec, p, space, _until_nul(bytes(data[p : p + space])), 0, msg)
    return p + space + 1


def _rfc5424(data: Any, layer: Layer, p: int, end: int, msg: Any) -> None:
    p = _word(data, layer, VERSION, p, end, msg)
    space = bytes(data[p:end]).find(b" ") if p >= 0 else -1
    if space < 0:
        return
    if space:
        ns = _iso_time_ns(bytes(data[p : p + space]).decode("ascii", "replace"))
        layer.add(TIMESTAMP, p, space, ns or 0, 0, msg)
    p += space + 1
    for spec in (HOSTNAME, APPNAME, PROCID):
        p = _word(data, layer, spec, p, end, msg)
        if p < 0:
            return
    if bytes(data[p : p + 3]) == b"\xef\xbb\xbf":
        layer.add(BOM, p, 3, 0xEFBBBF, 0, msg)
        p += 3
        layer.add(MSGID, p, end - p, _until_nul(bytes(data[p:end]), utf8=True), 0, msg)
        return
    layer.add(MSGID, p, end - p, _until_nul(bytes(data[p:end])), 0, msg)


def _rfc3164(data: Any, layer: Layer, p: int, end: int, msg: Any) -> None:
    """'Mmm dd hh:mm:ss host tag: text' (RFC 3164 section 4.1.2), as Wireshark splits it:
    the tag is the letters and digits before the first other character."""
    head = bytes(data[p : p + 16])
    if not (head[3] == head[6] == head[15] == 0x20 and head[9] == head[12] == 0x3A):
        return
    layer.add(TIMESTAMP_RFC3164, p, 15, _until_nul(head[:15]), 0, msg)
    p = _word(data, layer, HOSTNAME, p + 16, end, msg)
    if p < 0:
        return
    for q in range(p, min(p + 32, end)):
        if not chr(data[q]).isalnum() or data[q] > 0x7F:
            layer.add(PROCID, p, q - p, _until_nul(bytes(data[p:q])), 0, msg)
            p = q
            break
    else:
        if p + 32 > end:
            return  # all letters to the end: Wireshark reads on past the text and stops
    layer.add(MSGID, p, end - p, _until_nul(bytes(data[p:end])), 0, msg)


def _prefix(state: SyslogState) -> str:
    if state.pri < 0:
        return ""
    fac, lev = (state.pri & 0x3F8) >> 3, state.pri & 7
    return f"{SHORT_FACILITIES.get(fac, 'UNKNOWN')}.{SHORT_LEVELS[lev]}: "


def _info(layer: Layer) -> str:
    state = layer.state
    if state is None:
        return ""
    return _prefix(state) + format_text(bytes(layer.packet.data[state.msg : layer.payload_end]))


def _describe(layer: Layer) -> str:
    state = layer.state
    if state is None or state.pri < 0:
        return f"Syslog message: (unknown): {_info(layer)}"
    return f"Syslog message: {_info(layer)}"


SYSLOG = Protocol(
    "syslog", "Syslog message", osi=Osi.APPLICATION, short="Syslog", tail=_tail,
    detail=_detail, info=_info, describe=_describe, state=SyslogState, colour="#afaf87",
    explain="Syslog carries log messages from devices and programs to a log server: a "
    "facility and severity, then the text.",
)  # fmt: skip

bind("udp.port", 514, SYSLOG)
