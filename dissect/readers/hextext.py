"""Pasted hex dumps -> exact packet bytes.

Reads what people paste: tcpdump -x/-xx/-X/-XX with their summary lines, tshark -x and Wireshark's
"Copy as Hex Dump", xxd (also -g1 and -p), hexdump -C, od -tx1 (hex, octal or decimal offsets, `*`
repeats), an offset column followed by 2-byte words, bare hex, C arrays and `\\x` escaped strings.

Each line is first classified on its own by shape. Lines with an offset column are then judged as a
run: the offsets must make sense together (continuity, a restart at zero, bytes per line), which is
what tells a hex-looking ASCII column ("cafe") from data and a stray "10" in prose from a packet. A
line that is not data is counted and never turned into bytes.

`parse_hex_dump` never raises on any ``str``. The work is linear in the text: every line is looked at
a bounded number of times, with patterns that cannot backtrack catastrophically.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["HexPacket", "HexParseResult", "decode_dump", "guess_linktype", "parse_hex_dump"]


@dataclass(slots=True)
class HexPacket:
    """One packet's bytes, with the summary line that introduced it when there was one."""

    data: bytes
    time_ns: int | None = None  # HH:MM:SS.ffffff -> since midnight; with a date -> Unix epoch (UTC)
    header: str | None = None  # the tcpdump/tshark summary line, stripped


@dataclass(slots=True)
class HexParseResult:
    """What a paste held: its packets, how it was read, and what was left out."""

    packets: list[HexPacket]
    format: str  # the first packet's format ("tcpdump -X", "xxd", ...); "none" without packets
    ignored_lines: int  # non-empty lines that were not data (nor a header that introduced data)
    first_ignored: str | None  # the first such line, stripped, at most 120 characters
    warnings: list[str]


# Line kinds.
_BLANK, _HEADER, _SECTION, _STAR, _HEXISH = "blank", "header", "section", "star", "hexish"
_CARRAY, _ESCAPED, _QUOTED, _OTHER = "carray", "escaped", "quoted", "other"

# How sure a line's first column is an offset: 3 marked with a colon ("0x0010:", "00000010:"),
# 2 set apart (two spaces, a tab, or a width unlike the data groups), 1 just a first hex group.
_FAINT, _WEAK, _STRONG = 1, 2, 3

_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_SNIFF = 4096  # characters (or bytes) looked at to tell UTF-16 from 8-bit text
_NO_NULS = {0: None, 0x2400: None}
_MIN_BARE_BYTES = 4  # unmarked hex shorter than this is a number in prose, not a packet
_MAX_FILL = 1 << 20  # a `*` repeat never expands to more than this (a hostile offset is not memory)
_MAX_WARNINGS = 50
_MAX_OFFSET_DIGITS = 10
_MAX_DUMP_LINE = 4096  # xxd -c 256 -g1 lines are ~1,050 characters; longer ones carry no offset
_RUN_CHUNK = 2048  # hex lines judged together at most: bounds memory on huge pastes

_HEX_RUN = re.compile(r"[0-9a-fA-F]+")  # one class, no groups: no backtracking state on 10 MB
_DIGIT = re.compile(r"[0-9]")
_HEX_START = tuple("0123456789abcdefABCDEF")
_HEX_OR_STAR = frozenset("0123456789abcdefABCDEF*")
_TOKEN = re.compile(r"\S+")
_GROUP = r"(?:[0-9a-fA-F]{2})+(?=\s|$)"
_AREA = re.compile(rf"\s*({_GROUP}(?:[ \t]{_GROUP})*)")  # hex groups one blank apart
_RADIX_DIGITS = {8: re.compile(r"[0-7]*"), 10: re.compile(r"[0-9]*")}
_OFFSET = re.compile(rf"(0[xX])?([0-9a-fA-F]{{1,{_MAX_OFFSET_DIGITS}}})(:?)(?=\s|$)")
_CELL = re.compile(r"(\s*)(\S+)")
_TIME = r"(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?"
_TCPDUMP_HEAD = re.compile(rf"(?P<time>{_TIME}|\d{{9,11}}\.\d{{1,9}})\s+\S")
_TSHARK_HEAD = re.compile(rf"\d+\s+(?P<time>{_TIME}|-?\d{{1,11}}\.\d{{1,9}})\s+\S")
_TSHARK_FRAME = re.compile(r"Frame \d+: \d+ bytes on wire")
_MAC_HEAD = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5} > ")
_PROTO_HEAD = ("IP ", "IP6 ", "ARP, ", "RARP, ", "LLDP, ", "STP ", "IPX ", "MPLS ", "PPPoE ")
_SECTION_RE = re.compile(
    r"(?:/\*|//)?\s*(?P<name>[A-Za-z][\w .,/-]{0,80}?)\s*\(\d{1,10} bytes\)\s*:?\s*(?:\*/)?"
)
_CLOCK = re.compile(
    r"(?:(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[ T])?"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?"
)
_SECONDS = re.compile(r"(?P<neg>-?)(?P<s>\d{1,11})\.(?P<f>\d{1,9})")
_DECL = re.compile(r"(?:[A-Za-z_][\w\s\[\]*]*=)?")
_ASSIGN = re.compile(r"[A-Za-z_][\w\[\]* ]*=\s*")
_CBYTE = re.compile(r"0[xX][0-9a-fA-F]{1,2}")
_C_ITEM = re.compile(r"\s*0[xX]([0-9a-fA-F]{1,2})\s*(?:,|$)")
_SIMPLE_ESCAPES = {
    "n": 10, "r": 13, "t": 9, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, "'": 39, '"': 34,
}  # fmt: skip


@dataclass(slots=True)
class _Line:
    """One input line, classified by shape alone."""

    kind: str
    text: str
    offset: str | None = None  # offset column digits, when the line reads as offset + hex
    strength: int = 0  # _FAINT/_WEAK/_STRONG for the offset reading
    rest_at: int = 0  # where the text after the offset column starts
    has_data: bool = False  # something follows the offset
    bare: bytes | None = None  # the whole line read as bare hex, when it can be
    data: bytes = b""  # C array or escaped-string bytes
    opens: bool = False  # C array declaration or an assignment: a new packet starts
    closes: bool = False  # C array's closing brace
    frame: bool = False  # a section header that names the frame itself
    time_ns: int | None = None

    def cells(self) -> Iterator[tuple[int, str]]:
        """(gap before, token) after the offset; recomputed on demand so long runs stay small."""
        for m in _CELL.finditer(self.text, self.rest_at):
            yield len(m.group(1)), m.group(2)


@dataclass(slots=True)
class _Open:
    """The packet being filled."""

    family: str  # "offset", "bare", "carray", "escaped"
    format: str
    header: tuple[int, _Line] | None
    data: bytearray = field(default_factory=bytearray)
    structural: list[tuple[int, str]] = field(default_factory=list)  # lines that need data to count
    expected: int = 0  # the next offset (offset family)


# --------------------------------------------------------------------------------------------
# Public API


def parse_hex_dump(text: str, *, strict: bool = False) -> HexParseResult:
    """Parse a pasted hex dump; never raises unless ``strict`` (tests: bugs must surface)."""
    try:
        assembler = _Assembler()
        for index, raw in enumerate(io.StringIO(_narrow(text), newline=None)):
            assembler.feed(index, _classify(raw))
        return assembler.finish()
    except Exception:  # a reader never raises into the UI: a bad paste is a message
        if strict:
            raise
        return HexParseResult([], "none", 0, None, ["internal error while parsing the hex dump"])


def decode_dump(data: bytes) -> str:
    """The text of a dump's bytes: UTF-8 (a BOM or not), or UTF-16 as Windows tools save it
    -- with a BOM, or little- or big-endian without one. A dump is mostly ASCII, so UTF-16
    shows as NUL high bytes: "\\xff\\xfe" before 8-bit text is Latin-1 junk, not a BOM.
    Bytes that are neither become U+FFFD, never an error."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    sample = data[:_SNIFF]
    for bom, codec in _UTF16_BOMS:
        if sample.startswith(bom) and _wide(sample[2:], 0.5) == codec:
            return data[2:].decode(codec, "replace")
    return data.decode(_wide(sample, 0.9) or "utf-8", "replace")


def _wide(sample: bytes, share: float) -> str | None:
    """The UTF-16 byte order whose high bytes (at least `share` of them) are NUL while the
    low ones are not, if any."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if even.count(0) * 10 < len(even) and odd.count(0) >= share * len(odd):
        return "utf-16-le"
    if odd.count(0) * 10 < len(odd) and even.count(0) >= share * len(even):
        return "utf-16-be"
    return None


def _narrow(text: str) -> str:
    """A UTF-16 dump that reached us one byte per character (a terminal paste of the file's
    bytes): the NUL half of each character goes (the TUI shows a NUL as U+2400), and so
    does its BOM as it was read. A leading U+FEFF (a decoded BOM) always goes."""
    head = text[:_SNIFF]
    if (head.count("\0") + head.count("\u2400")) * 3 < len(head):
        return text[1:] if text.startswith("\ufeff") else text
    text = text.translate(_NO_NULS)
    for bom in ("\ufeff", "\ufffd\ufffd", "\xff\xfe", "\xfe\xff"):
        if text.startswith(bom):
            return text[len(bom) :]
    return text


def guess_linktype(data: bytes) -> int:
    """Best linktype for bare bytes: 228 raw IPv4, 229 raw IPv6, 1 Ethernet, 113 Linux SLL, 101 raw.

    A checksum-valid IPv4 header wins over everything (an Ethernet frame whose first 20 bytes also
    checksum is a 1 in 65536 accident on top of a 0x4N first byte); then an IPv6 header whose
    payload length matches exactly; then a known EtherType at offset 12; then Linux SLL; then
    weaker IPv4/IPv6 shapes (checksum offloaded to zero, snaplen-truncated).
    """
    if _ipv4_header(data, need_checksum=True):
        return 228
    if _ipv6_header(data, exact=True):
        return 229
    if _ethernet_header(data):
        return 1
    if _sll_header(data):
        return 113
    if _ipv4_header(data, need_checksum=False):
        return 228
    if _ipv6_header(data, exact=False):
        return 229
    return 1 if len(data) >= 14 else 101


# --------------------------------------------------------------------------------------------
# Link type guessing

_ETHERTYPES = frozenset({
    0x0800, 0x0806, 0x0842, 0x22F0, 0x22F3, 0x6003, 0x8035, 0x809B, 0x80F3, 0x8100, 0x8137,
    0x8204, 0x86DD, 0x8808, 0x8809, 0x8819, 0x8847, 0x8848, 0x8863, 0x8864, 0x887B, 0x888E,
    0x8892, 0x889A, 0x88A2, 0x88A4, 0x88A8, 0x88AB, 0x88B8, 0x88B9, 0x88BA, 0x88CC, 0x88CD,
    0x88E1, 0x88E3, 0x88E5, 0x88E7, 0x88F7, 0x88F8, 0x88FB, 0x8902, 0x8906, 0x8914, 0x8915,
    0x891D, 0x892F, 0x893A, 0x894F, 0x9000, 0x9100, 0x9200,
})  # fmt: skip
_LLC_SAPS = frozenset({0x00, 0x04, 0x06, 0x42, 0x98, 0xAA, 0xE0, 0xF0, 0xFE, 0xFF})
_IPV6_NEXT = frozenset({0, 4, 6, 17, 41, 43, 44, 47, 50, 51, 58, 59, 60, 103, 112, 132, 135, 139})
_SNAPLEN_PREFIX = 68  # tcpdump's old default snaplen: a capture this long may hold a packet's head


def _ipv4_header(data: bytes, *, need_checksum: bool) -> bool:
    if len(data) < 20 or data[0] >> 4 != 4:
        return False
    hdr_len = (data[0] & 0x0F) * 4
    total = int.from_bytes(data[2:4], "big")
    if hdr_len < 20 or hdr_len > len(data) or total < hdr_len:
        return False
    if total > len(data) and len(data) < _SNAPLEN_PREFIX:
        return False
    return _checksum_ok(data[:hdr_len]) if need_checksum else True


def _checksum_ok(header: bytes) -> bool:
    total = sum(int.from_bytes(header[i : i + 2], "big") for i in range(0, len(header), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def _ipv6_header(data: bytes, *, exact: bool) -> bool:
    if len(data) < 40 or data[0] >> 4 != 6:
        return False
    if not exact:
        return True
    payload = int.from_bytes(data[4:6], "big")
    return payload + 40 == len(data) and data[6] in _IPV6_NEXT


def _ethernet_header(data: bytes) -> bool:
    if len(data) < 14:
        return False
    kind = int.from_bytes(data[12:14], "big")
    if kind in _ETHERTYPES:
        return True
    # An 802.3 length (<= 1500) followed by an 802.2 LLC header (STP, SNAP, IPX, NetBIOS...);
    # the +4 allows a kept FCS, and padding makes frames longer than the length says.
    fits = 0 < kind <= 0x05DC and kind + 14 <= len(data) + 4
    return fits and len(data) >= 17 and data[14] in _LLC_SAPS


def _sll_header(data: bytes) -> bool:
    if len(data) < 16:
        return False
    packet_type = int.from_bytes(data[0:2], "big")
    arphrd = int.from_bytes(data[2:4], "big")
    addr_len = int.from_bytes(data[4:6], "big")
    proto = int.from_bytes(data[14:16], "big")
    return packet_type <= 4 and arphrd in (1, 772) and addr_len <= 8 and proto in _ETHERTYPES


# --------------------------------------------------------------------------------------------
# Classifying one line


def _is_hex(token: str) -> bool:
    """An even, non-zero number of hex digits."""
    return len(token) % 2 == 0 and _HEX_RUN.fullmatch(token) is not None


def _classify(raw: str) -> _Line:
    text = raw.strip()
    if text[:1] == "\ufeff" or "\xa0" in text:  # a BOM, or no-break spaces from a web page
        text = text.replace("\ufeff", "").replace("\xa0", " ").strip()
    if not text:
        return _Line(_BLANK, text)
    if text[0] in _HEX_OR_STAR:  # most lines of a paste: data shapes first
        c_item = text[:2] in ("0x", "0X") and ("," in text or _CBYTE.fullmatch(text))
        line = (c_item and _probe_carray(text)) or _probe_hexish(text)
        if line is not None:
            return line
    for probe in (_probe_section, _probe_header, _probe_escaped, _probe_carray):
        line = probe(text)
        if line is not None:
            return line
    return _Line(_OTHER, text)


def _probe_section(text: str) -> _Line | None:
    """tshark -x names each data source when a frame has several: "Reassembled TCP (96 bytes):"."""
    if not text.endswith((":", "*/", ")")) or "bytes)" not in text:
        return None
    m = _SECTION_RE.fullmatch(text)
    if m is None:
        return None
    return _Line(_SECTION, text, frame=m.group("name").strip().lower() == "frame")


def _probe_header(text: str) -> _Line | None:
    """A tcpdump or tshark summary line: it starts a packet and may carry its time."""
    if ":" not in text and "." not in text:
        return None
    m = _TCPDUMP_HEAD.match(text)
    if m is None and ("→" in text or "->" in text):
        m = _TSHARK_HEAD.match(text)
    if m is not None:
        return _Line(_HEADER, text, time_ns=_parse_time(m.group("time")))
    if text.startswith(_PROTO_HEAD) or _MAC_HEAD.match(text) or _TSHARK_FRAME.match(text):
        return _Line(_HEADER, text)  # tcpdump -t (no time) and -e, tshark -V's frame line
    return None


def _parse_time(token: str) -> int | None:
    m = _CLOCK.fullmatch(token)
    if m is not None:
        frac = int((m.group("f") or "").ljust(9, "0"))
        secs = int(m.group("h")) * 3600 + int(m.group("mi")) * 60 + int(m.group("s"))
        if m.group("y") is None:
            return secs * 1_000_000_000 + frac
        try:
            day = datetime(int(m.group("y")), int(m.group("mo")), int(m.group("d")), tzinfo=UTC)
        except ValueError:  # month 13 and the like: keep the packet, drop the time
            return None
        return (int(day.timestamp()) + secs) * 1_000_000_000 + frac
    m = _SECONDS.fullmatch(token)
    if m is None:
        return None
    value = int(m.group("s")) * 1_000_000_000 + int(m.group("f").ljust(9, "0"))
    return -value if m.group("neg") else value


def _probe_hexish(text: str) -> _Line | None:
    """Offset + hex groups (+ ASCII column), bare hex, or a lone `*` repeat mark."""
    if text == "*":
        return _Line(_STAR, text)
    m = _OFFSET.match(text)
    marked = m is not None and bool(m.group(3))  # "0x0010:" / "00000010:" is never bare hex
    line = _Line(_HEXISH, text, bare=None if marked else _bare_hex(text))
    if m is not None and len(text) <= _MAX_DUMP_LINE and (m.group(3) or _DIGIT.search(m.group(2))):
        first = _CELL.match(text, m.end())
        if first is None or _is_hex(first.group(2)):
            line.offset, line.rest_at, line.has_data = m.group(2), m.end(), first is not None
            line.strength = _offset_strength(m, first)
    if line.offset is None and line.bare is None:
        return None
    return line


def _offset_strength(m: re.Match[str], first: re.Match[str] | None) -> int:
    if m.group(3):
        return _STRONG
    if first is None:
        return _WEAK  # an offset alone ends hexdump -C and od dumps
    gap = first.group(1)
    if len(gap) >= 2 or "\t" in gap or len(first.group(2)) != len(m.group(2)):
        return _WEAK
    return _FAINT


def _bare_hex(text: str) -> bytes | None:
    """Hex groups of even length separated by blanks (optionally 0x-prefixed), or aa:bb:... runs."""
    if not text.startswith(_HEX_START):
        return None
    try:  # fromhex takes exactly "pairs of digits, blanks between pairs"
        return bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)
    except ValueError:
        if not any(mark in text for mark in ("0x", "0X", ":", "-")):
            return None
    out = bytearray()
    separated = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[:2] in ("0x", "0X"):
            token = token[2:]
        for sep in ":-":
            if sep in token:  # "aa:bb:cc": a separator after every byte but the last
                if len(token) % 3 != 2 or token[2::3].strip(sep):
                    return None
                token = token.replace(sep, "")
                separated += len(token) // 2
                break
        if not _is_hex(token):
            return None
        out += bytes.fromhex(token)
    # A time (18:20:08), a date or a MAC address is not a packet: colon runs need 12+ bytes.
    if separated and separated < 12:
        return None
    return bytes(out)


def _probe_carray(text: str) -> _Line | None:
    """`0x45, 0x00,` items, optionally with `unsigned char pkt[] = {` and `};` on the same line."""
    if "0x" not in text and "0X" not in text and "{" not in text and "}" not in text:
        return None
    body = _strip_comments(text)
    opens = closes = False
    if "{" in body:
        head, _, body = body.partition("{")
        if not _DECL.fullmatch(head.strip()):
            return None
        opens = True
    if "}" in body:
        body, _, tail = body.partition("}")
        if tail.strip() not in ("", ";", ","):
            return None
        closes = True
    body = body.strip()
    if not (opens or closes) and "," not in body and not _CBYTE.fullmatch(body):
        return None
    data = _c_items(body)
    if data is None or not (opens or closes or data):
        return None
    return _Line(_CARRAY, text, data=data, opens=opens, closes=closes)


def _c_items(body: str) -> bytes | None:
    """`0x45, 0x0, 0xff,` (a trailing comma allowed) -> bytes; None if anything else is there."""
    out = bytearray()
    pos = 0
    while pos < len(body):
        m = _C_ITEM.match(body, pos)
        if m is None:
            return None
        out.append(int(m.group(1), 16))
        pos = m.end()
    return bytes(out)


def _strip_comments(text: str) -> str:
    """Code before the first comment, plus what follows the last `*/` (a closing `};`).

    Wireshark's trailing comments hold the bytes as ASCII, which may itself contain `*/` or `//`.
    """
    cuts = [i for i in (text.find("/*"), text.find("//")) if i >= 0]
    if not cuts:
        return text
    start = min(cuts)
    end = text.rfind("*/")
    tail = text[end + 2 :] if text.startswith("/*", start) and end > start else ""
    return text[:start] + tail


def _probe_escaped(text: str) -> _Line | None:
    r"""`\x45\x00` escapes, bare or in (b"...", '...') literals joined by +, commas or parentheses."""
    if "\\x" not in text and not text.startswith(('"', "'", 'b"', "b'")):
        return None
    m = _ASSIGN.match(text)
    scanned = _scan_literals(text, m.end() if m else 0)
    if scanned is None:
        return None
    data, evidence, literals = scanned
    if evidence:
        return _Line(_ESCAPED, text, data=data, opens=m is not None)
    if literals:
        return _Line(_QUOTED, text, data=data, opens=m is not None)
    return None


def _scan_literals(text: str, pos: int) -> tuple[bytes, int, int] | None:
    """Bytes of the literals and unquoted escapes from ``pos``, how many `\\x` escapes or `b"`
    prefixes say "bytes", how many literals; None when anything else is on the line."""
    out = bytearray()
    escapes = literals = 0
    end = len(text)
    while pos < end:
        char = text[pos]
        if char in " \t()+,;" or (char == "\\" and pos == end - 1):
            pos += 1  # punctuation between literals; a trailing backslash continues the line
        elif text.startswith("\\x", pos) and _is_hex(text[pos + 2 : pos + 4]):
            out.append(int(text[pos + 2 : pos + 4], 16))
            escapes += 1
            pos += 4
        elif char in "bBrR" and pos + 1 < end and text[pos + 1] in "'\"":
            escapes += char in "bB"
            pos += 1
        elif char in "'\"":
            pos, found = _read_literal(text, pos, out)
            escapes += found
            literals += 1
        else:
            return None
    return bytes(out), escapes, literals


def _read_literal(text: str, pos: int, out: bytearray) -> tuple[int, int]:
    """Decode one quoted literal into ``out``; returns the position after it and its \\x count."""
    quote, end, escapes = text[pos], len(text), 0
    pos += 1
    while pos < end and text[pos] != quote:
        char = text[pos]
        if char != "\\" or pos + 1 >= end:
            out += char.encode("utf-8", "surrogatepass")
            pos += 1
            continue
        nxt = text[pos + 1]
        if nxt == "x":
            digits = _hex_run(text, pos + 2, 2)
            out.append(int(digits, 16) if digits else ord("x"))
            escapes += bool(digits)
            pos += 2 + len(digits)
        elif nxt in "01234567":
            digits = _octal_run(text, pos + 1)
            out.append(int(digits, 8) & 0xFF)
            pos += 1 + len(digits)
        else:
            out += bytes([_SIMPLE_ESCAPES[nxt]]) if nxt in _SIMPLE_ESCAPES else b"\\"
            pos += 2 if nxt in _SIMPLE_ESCAPES else 1
    return pos + 1, escapes


def _hex_run(text: str, pos: int, limit: int) -> str:
    end = pos
    while end < len(text) and end - pos < limit and text[end] in "0123456789abcdefABCDEF":
        end += 1
    return text[pos:end]


def _octal_run(text: str, pos: int) -> str:
    end = pos
    while end < len(text) and end - pos < 3 and text[end] in "01234567":
        end += 1
    return text[pos:end]


# --------------------------------------------------------------------------------------------
# Reading one offset line's hex area


def _hex_area(line: _Line, width: int | None, limit: int | None) -> bytes:
    """The data groups after an offset, stopping where the ASCII column begins.

    Groups are one blank apart. The only wider gap allowed is the middle one of hexdump -C and old
    tshark (two spaces after half a line of single bytes); any other gap of two or more starts the
    ASCII column, however hex it looks ("cafe", "dead beef").
    """
    text = line.text
    m = _AREA.match(text, line.rest_at)
    if m is None:
        return b""
    area = m.group(1)
    data = bytes.fromhex(area)
    middle = width // 2 if width else 8
    singles = len(area) == 3 * len(data) - 1  # one-byte groups only
    if len(data) == middle and singles and text.startswith("  ", m.end()):
        second = _AREA.match(text, m.end() + 2)
        if second is not None and second.start(1) == m.end() + 2:
            data += bytes.fromhex(second.group(1))
    return data if limit is None else data[:limit]


def _choose_radix(lines: list[_Line], counts: list[int]) -> int:
    """Hex offsets unless octal (od's default) or decimal fit the bytes per line strictly better."""
    if len(lines) < 2:
        return 16
    best, best_score = 16, -1
    for radix in (16, 8, 10):
        values = _values(lines, radix)
        if values is None:
            continue
        score = sum(1 for delta, count in _pairs(values, counts) if delta == count)
        if score > best_score:
            best, best_score = radix, score
    return best


def _values(lines: list[_Line], radix: int) -> list[int | None] | None:
    """Each line's offset in ``radix`` (None for `*`), or None if some offset is not in it."""
    offsets = [line.offset or "" for line in lines if line.kind != _STAR]
    if radix != 16 and not _RADIX_DIGITS[radix].fullmatch("".join(offsets)):
        return None
    return [None if line.kind == _STAR else int(line.offset or "0", radix) for line in lines]


def _pairs(
    values: list[int | None], counts: list[int], *, both: bool = False
) -> list[tuple[int, int]]:
    """(offset delta, bytes on the line) for each data line directly followed by an offset line
    (``both``: by another data line)."""
    out = []
    for i in range(len(values) - 1):
        here, after = values[i], values[i + 1]
        if here is not None and after is not None and counts[i] > 0:
            if both and not counts[i + 1]:
                continue
            out.append((after - here, counts[i]))
    return out


# --------------------------------------------------------------------------------------------
# Assembling packets from classified lines


@dataclass(slots=True)
class _BareGroup:
    """Consecutive bare-hex lines, kept as bytes and counts so a long paste stays small."""

    data: bytearray = field(default_factory=bytearray)
    lines: int = 0
    first: tuple[int, str] = (0, "")
    digit: bool = False  # a decimal digit somewhere: "dead beef cafe" alone is a sentence
    plain60: bool = True  # every line so far but the last is 60 hex digits, as xxd -p writes
    last_len: int = 0

    def add(self, index: int, text: str, data: bytes) -> None:
        if not self.lines:
            self.first = (index, text)
        elif self.last_len != 60:
            self.plain60 = False
        if " " in text or "\t" in text:
            self.plain60 = False
        self.lines += 1
        self.last_len = len(text)
        self.digit = self.digit or bool(_DIGIT.search(data.hex()))
        self.data += data

    def format(self) -> str:
        return "xxd -p" if self.lines > 1 and self.plain60 and self.last_len <= 60 else "bare hex"


@dataclass(slots=True)
class _Segment:
    """An offset run judged as a whole: each entry is (offset, bytes) or None for a `*` line."""

    entries: list[tuple[int, bytes] | None]
    format: str
    radix: int


class _Assembler:
    """Feeds classified lines through; hex lines wait in a run until the run can be judged."""

    def __init__(self) -> None:
        self.packets: list[HexPacket] = []
        self.formats: list[str] = []
        self.warnings: list[str] = []
        self.ignored = 0
        self.first_ignored: tuple[int, str] | None = None
        self.run: list[tuple[int, _Line]] = []
        self.bare = _BareGroup()
        self.cur: _Open | None = None
        self.header: tuple[int, _Line] | None = None
        self.skip = False  # inside a tshark data source other than the frame
        self.in_brace = False

    def feed(self, index: int, line: _Line) -> None:
        if line.kind in (_HEXISH, _STAR):
            if not self.skip:
                self.run.append((index, line))
                self._maybe_flush_chunk()
            return
        self._flush_run()
        if line.kind == _BLANK:
            self._on_blank()
        elif line.kind == _HEADER:
            self._on_header(index, line)
        elif line.kind == _SECTION:
            self._close()
            self.skip = not line.frame
        elif line.kind == _CARRAY:
            self._on_carray(index, line)
        elif line.kind in (_ESCAPED, _QUOTED):
            self._on_escaped(index, line)
        else:
            self._ignore(index, line.text)
            if not self.in_brace and self.cur is not None and self.cur.family != "offset":
                self._close()

    def _maybe_flush_chunk(self) -> None:
        """Judge a long run in pieces, never splitting a `*` from the lines around it."""
        run = self.run
        if len(run) < _RUN_CHUNK:
            return
        if (run[-1][1].kind == _STAR or run[-2][1].kind == _STAR) and len(run) < 4 * _RUN_CHUNK:
            return
        self.run = run[:-1]
        self._flush_run(final=False)
        self.run = run[-1:]

    def finish(self) -> HexParseResult:
        self._flush_run()
        self._close()
        if self.header is not None:
            self._ignore(*_line_text(self.header))
        first = self.first_ignored[1][:120] if self.first_ignored else None
        fmt = self.formats[0] if self.formats else "none"
        return HexParseResult(self.packets, fmt, self.ignored, first, self.warnings)

    # -- events --------------------------------------------------------------------------------

    def _on_blank(self) -> None:
        if self.in_brace:
            return
        self.skip = False
        if self.cur is not None and self.cur.family in ("escaped", "carray"):
            self._close()

    def _on_header(self, index: int, line: _Line) -> None:
        self._close()
        if self.header is not None:
            self._ignore(*_line_text(self.header))  # a summary line with no dump under it
        self.header = (index, line)
        self.skip = self.in_brace = False

    def _on_carray(self, index: int, line: _Line) -> None:
        lone = not (line.opens or line.closes or "," in line.text)  # "0x65": the last item?
        if lone and (self.cur is None or self.cur.family != "carray"):
            self._ignore(index, line.text)
            return
        if self.skip:  # a named data source exported as its own array: skip to its brace
            self.in_brace = (self.in_brace or line.opens) and not line.closes
            self.skip = not line.closes
            return
        if line.opens or self.cur is None or self.cur.family != "carray":
            self._start("carray", "c array")
        assert self.cur is not None
        if line.opens:
            self.in_brace = True
        if line.data:
            self.cur.data += line.data
        else:
            self.cur.structural.append((index, line.text))
        if line.closes:
            self._close()
            self.in_brace = False

    def _on_escaped(self, index: int, line: _Line) -> None:
        if self.skip:
            return
        joins = self.cur is not None and self.cur.family == "escaped" and not line.opens
        if line.kind == _QUOTED and not joins:
            self._ignore(index, line.text)  # a quoted sentence, not a byte string
            return
        if not joins:
            self._start("escaped", "escaped")
        assert self.cur is not None
        self.cur.data += line.data
        if not line.data:
            self.cur.structural.append((index, line.text))

    # -- packets -------------------------------------------------------------------------------

    def _start(self, family: str, fmt: str, expected: int = 0) -> None:
        self._close()
        self.cur = _Open(family, fmt, self.header, expected=expected)
        self.header = None

    def _close(self) -> None:
        cur, self.cur = self.cur, None
        if cur is None:
            return
        if not cur.data:
            for index, text in cur.structural:
                self._ignore(index, text)
            if cur.header is not None:
                self._ignore(*_line_text(cur.header))
            return
        header = cur.header[1] if cur.header else None
        time_ns = header.time_ns if header else None
        self.packets.append(HexPacket(bytes(cur.data), time_ns, header.text if header else None))
        self.formats.append(cur.format)

    def _ignore(self, index: int, text: str) -> None:
        self.ignored += 1
        if self.first_ignored is None or index < self.first_ignored[0]:
            self.first_ignored = (index, text)

    def _warn(self, message: str) -> None:
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == _MAX_WARNINGS:
            self.warnings.append("further warnings suppressed")

    # -- runs of hex lines ---------------------------------------------------------------------

    def _flush_run(self, *, final: bool = True) -> None:
        """Judge the pending hex lines; bare ones gather until a non-hex line (or the end)."""
        run, self.run = self.run, []
        for is_offset, lines in _partition(run):
            segment = self._judge(lines) if is_offset else None
            if segment is not None:
                self._emit_bare()
                self._emit_offset(segment)
                continue
            for index, line in lines:
                if line.bare is not None:
                    self.bare.add(index, line.text, line.bare)
                else:
                    self._emit_bare()
                    self._ignore(index, line.text)
        if final:
            self._emit_bare()

    def _emit_bare(self) -> None:
        group, self.bare = self.bare, _BareGroup()
        if not group.lines:
            return
        if len(group.data) < _MIN_BARE_BYTES or not group.digit:
            self.ignored += group.lines - 1  # "10", "beef", "dead cafe" on a line of prose
            self._ignore(*group.first)
            return
        self._start("bare", group.format())
        assert self.cur is not None
        self.cur.data += group.data
        self._close()

    def _judge(self, lines: list[tuple[int, _Line]]) -> _Segment | None:
        """The segment's offsets and bytes, or None when its first column is not an offset."""
        plain = [line for _, line in lines]
        if not any(line.has_data for line in plain):
            return None
        raw = [_hex_area(line, None, None) if line.has_data else b"" for line in plain]
        counts = [len(data) for data in raw]
        radix = _choose_radix(plain, counts)
        values = _values(plain, radix)
        if values is None:
            return None
        pairs = _pairs(values, counts)
        # Line width from full lines only: the delta to an end offset measures the last, short line.
        deltas = Counter(d for d, _ in _pairs(values, counts, both=True) if d > 0)
        width = deltas.most_common(1)[0][0] if deltas else None
        entries: list[tuple[int, bytes] | None] = []
        for i, (line, value) in enumerate(zip(plain, values, strict=True)):
            if value is None:
                entries.append(None)
                continue
            after = values[i + 1] if i + 1 < len(values) else None
            limit = after - value if after is not None and after > value else width
            data = raw[i] if width in (None, 16) else _hex_area(line, width, None)
            entries.append((value, data if limit is None else data[:limit]))
        if not self._plausible(plain, values, entries, pairs):
            return None
        return _Segment(entries, _offset_format(plain, entries), radix)

    def _plausible(
        self,
        lines: list[_Line],
        values: list[int | None],
        entries: list[tuple[int, bytes] | None],
        pairs: list[tuple[int, int]],
    ) -> bool:
        """A marked offset column is believed; an unmarked one must start at 0 or line up."""
        strength = min(line.strength for line in lines if line.has_data)
        if strength == _STRONG:
            return True
        data = b"".join(entry[1] for entry in entries if entry)
        short = len(lines[0].offset or "") < 4  # "00  dead beef tonight" is prose
        if short and (len(data) < _MIN_BARE_BYTES or not _DIGIT.search(data.hex())):
            return False
        first = values[0]
        matching = sum(1 for delta, count in pairs if delta == count)
        if strength == _WEAK:
            cur = self.cur
            continues = cur is not None and cur.family == "offset" and first == cur.expected
            return first == 0 or continues or matching >= 1
        return first == 0 and bool(pairs) and matching == len(pairs)

    def _emit_offset(self, segment: _Segment) -> None:
        previous = b""
        starred = False
        for entry in segment.entries:
            if entry is None:
                starred = True
                continue
            value, data = entry
            self._place(value, data, previous if starred else b"", segment)
            if data:
                previous = data
            starred = False
        if starred:
            self._warn("'*' repeat at the end of a dump: the repeated length is unknown")

    def _place(self, value: int, data: bytes, repeat: bytes, segment: _Segment) -> None:
        """Put one offset line's bytes into the current packet, or start a new one."""
        cur = self.cur
        if cur is None or cur.family != "offset" or (value == 0 and cur.data):
            self._start("offset", segment.format, expected=value)
            cur = self.cur
            assert cur is not None
            if value:
                self._warn(f"dump starts at offset {_fmt(value, segment)}: {value} bytes missing")
        gap = value - cur.expected
        if gap > 0 and repeat and gap <= _MAX_FILL:
            cur.data += (repeat * (gap // len(repeat) + 1))[:gap]
        elif gap > 0:
            expected = _fmt(cur.expected, segment)
            self._warn(
                f"offset {expected} expected, got {_fmt(value, segment)}: {gap} bytes missing"
            )
        elif gap < 0:
            expected = _fmt(cur.expected, segment)
            self._warn(
                f"offset {expected} expected, got {_fmt(value, segment)}: {-gap} bytes repeated"
            )
            data = data[-gap:]
        cur.data += data
        cur.expected = max(cur.expected, value + len(data) + max(0, -gap))


def _fmt(value: int, segment: _Segment) -> str:
    if segment.radix == 8:
        return f"0o{value:o}"
    if segment.radix == 10:
        return str(value)
    return f"0x{value:04x}"


def _line_text(item: tuple[int, _Line]) -> tuple[int, str]:
    return item[0], item[1].text


def _partition(run: list[tuple[int, _Line]]) -> list[tuple[bool, list[tuple[int, _Line]]]]:
    """Split a run into offset segments (restarting at offset 0) and bare stretches, in order."""
    pieces: list[tuple[bool, list[tuple[int, _Line]]]] = []
    piece_has_data = False  # the last offset piece holds a line with bytes (a 0 then restarts)
    for index, line in run:
        in_offsets = bool(pieces) and pieces[-1][0]
        capable = in_offsets if line.kind == _STAR else line.offset is not None
        if not capable:
            if pieces and not pieces[-1][0]:
                pieces[-1][1].append((index, line))
            else:
                pieces.append((False, [(index, line)]))
            continue
        restart = line.has_data and int(line.offset or "0", 16) == 0 and piece_has_data
        if in_offsets and not restart:
            pieces[-1][1].append((index, line))
            piece_has_data = piece_has_data or line.has_data
        else:
            pieces.append((True, [(index, line)]))
            piece_has_data = line.has_data
    return pieces


def _offset_format(lines: list[_Line], entries: list[tuple[int, bytes] | None]) -> str:
    first = next(line for line in lines if line.has_data)
    has_ascii = any(
        len(line.text) - line.rest_at > 3 * len(entry[1]) + 1
        for line, entry in zip(lines, entries, strict=True)
        if entry
    )
    if first.strength == _STRONG:
        if first.text.lower().startswith("0x"):
            return "tcpdump -X" if has_ascii else "tcpdump -x"
        return "xxd"
    if any(line.text.endswith("|") for line in lines):
        return "hexdump -C"
    if all(len(tok) == 2 for _, tok in first.cells() if _is_hex(tok)):
        return "od" if len(first.offset or "") >= 6 else "tshark -x"
    return "offset+words"
