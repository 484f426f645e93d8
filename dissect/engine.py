"""The decoding engine: the model, the driver, field building, checksums and the renderers.

This is the one compiled module of layerscope (docs/ARCHITECTURE.md, "The engine"). It is
ordinary Python that Cython compiles when a C compiler is there (setup.py); otherwise it runs
as it is. The few C types it declares are in this file (`cython.declare`, `cython.locals`),
nowhere else, so a class attribute or a function signature is written once.

Everything a protocol file uses comes from dissect/protocol.py, which re-exports what it needs
from here: protocol files stay plain Python and call the engine's narrow API
(`Protocol(...)` declarations, `layer.add`, `layer.issue`, `layer.short`, dispatch tables).

Sections: field kinds and text -- model (Field, Issue, Context, Layer, Packet) -- protocol
declarations and their compile step -- dispatch tables -- checksums -- the driver -- the
renderers (list row, -V tree, JSON).
"""

from __future__ import annotations

import json
import logging
import socket
import string
import struct
import sys
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from .linktypes import LINKTYPE_NAMES, PCAPNG_CUSTOM_BLOCK, custom_block, is_record
from .names import enterprise_name, true_false

try:
    import cython
except ModuleNotFoundError:  # pure Python without Cython installed: the annotations do nothing
    from ._compiled import cython

log = logging.getLogger(__name__)
_json_str = json.encoder.encode_basestring_ascii  # JSON text of a str (C, ensure_ascii)

# =============================================================================================
# Field kinds and their text
# =============================================================================================
DEC, HEX, DEC_HEX = "dec", "hex", "dec_hex"

# Kinds whose raw value is an integer read from the header (and may carry a mask).
INT_KINDS = frozenset({"uint", "bits", "flag", "int"})
# FieldSpec.how: the value is vals[idx], (vals[idx] & wmask) >> shift, a flag bit, read from
# the item's bytes, ((vals[idx] & wmask) >> shift) * scale, or conv(vals[idx]) (addresses).
GET_ITEM, GET_BITS, GET_FLAG, GET_CALL, GET_SCALED, GET_CONV = 0, 1, 2, 3, 4, 5

FIELDS: dict[str, FieldSpec] = {}  # every filter name declared, by name
ALIASES: dict[str, tuple[str, ...]] = {}  # either-way names: ip.addr -> (ip.src, ip.dst)
TEXT_CACHE_MAX = 512  # rendered texts kept per field spec (cleared when full)
TEXT_CACHE_VALUE_MAX = 64  # longer str/bytes values are not kept


@cython.cclass
class FieldSpec:
    """Declaration of one field: name, label, kind, width and display rules.

    `explain` is the plain-language explanation the TUI shows: a sentence, or a function
    (value, layer) -> sentence that says what this value means.

    Display rules for Wireshark's own formats: `text` is fn(value) -> the value's text,
    replacing kind, base, unit and names ("0x018 (PSH, ACK)"); an empty `label` makes the
    tree line the value's text alone (Wireshark's text items, "GET / HTTP/1.1\\r\\n");
    an empty value text leaves the label alone ("TCP Option - No-Operation (NOP)"); `bits`
    is how many low bits of the field's bytes its bit-pattern line shows (0: no pattern
    line); `hidden` keeps the field out of the tree, not out of filters or JSON; `raw`
    makes the tree line the field's own bytes as ASCII text, escaped (Wireshark's HTTP
    header lines, "Content-type: text/html\\r\\n", whatever the header name's case).
    """

    name = cython.declare(object, visibility="public")
    label = cython.declare(object, visibility="public")
    kind = cython.declare(object, visibility="public")
    width = cython.declare(object, visibility="public")  # bytes, None when variable
    mask = cython.declare(object, visibility="public")
    at = cython.declare(object, visibility="public")  # offset pinned by the declaration
    base = cython.declare(object, visibility="public")
    names = cython.declare(object, visibility="public")  # value names: a mapping or a function
    children = cython.declare(tuple, visibility="public")
    scale = cython.declare(object, visibility="public")
    unit = cython.declare(object, visibility="public")
    generated = cython.declare(cython.bint, visibility="public")
    signed = cython.declare(cython.bint, visibility="public")
    explain = cython.declare(object, visibility="public")
    conv = cython.declare(object, visibility="public")  # bytes -> value (addresses)
    # Display only (Wireshark's custom formats): bits the bit-pattern line shows (-1: the
    # field's bytes, 0: none); hidden = in filters and JSON, not a line of the tree; raw =
    # the tree line is the field's own bytes as text.
    bits = cython.declare(cython.int, visibility="public")
    hidden = cython.declare(cython.bint, visibility="public")
    raw = cython.declare(cython.bint, visibility="public")
    parent = cython.declare(object, visibility="public")
    # Set by Protocol's compile step for fixed-header fields: where the value lies in the
    # unpacked header tuple and how it comes out of it.
    offset = cython.declare(cython.Py_ssize_t, visibility="public")
    idx = cython.declare(cython.Py_ssize_t, visibility="public")
    how = cython.declare(cython.int, visibility="public")
    shift = cython.declare(cython.int, visibility="public")
    wmask = cython.declare(object, visibility="public")
    cmask = cython.declare(cython.ulonglong, visibility="public")  # wmask in C (items <= 64 bits)
    frombytes = cython.declare(cython.bint, visibility="public")
    item_off = cython.declare(cython.Py_ssize_t, visibility="public")  # bytes before it in its item
    # Text made once per spec: show() specialised, and what the renderers reuse per value.
    fmt = cython.declare(object, visibility="public")
    texts = cython.declare(dict, visibility="public")  # value -> "Label: shown" (escaped)
    # value -> '{"name": "…", "label": "…", "value": <value>, "show": "<shown>"'
    json_texts = cython.declare(dict, visibility="public")
    # A whole -V line per depth (1 to KEPT_DEPTH): value, or a bit field's raw word ->
    # (value, line); the indent and bit pattern included, so a line is one lookup.
    tree_lines = cython.declare(list, visibility="public")
    inert = cython.declare(cython.bint, visibility="public")  # its lines need no escaping
    prefix = cython.declare(str, visibility="public")  # "Label: "
    patterns = cython.declare(dict, visibility="public")  # raw word -> bit pattern
    json_head = cython.declare(str, visibility="public")  # '{"name": "…", "label": "…", "value": '
    # The last '"pos": …, "len": …, "mask": …, "fields": [' JSON text made and what it was
    # made for (a header field lies at the same place in most packets); json_leaf is the same
    # text closed for a field without children and followed by the separator: "]}, ".
    json_at = cython.declare(str, visibility="public")
    json_leaf = cython.declare(str, visibility="public")
    json_pos = cython.declare(cython.Py_ssize_t, visibility="public")
    json_len = cython.declare(cython.Py_ssize_t, visibility="public")
    json_mask = cython.declare(object, visibility="public")
    # Values that do not repeat (checksums, sequence numbers, timestamps) are not worth
    # keeping: `looks` counts the lookups since the texts were last cleared, and when most
    # of them missed the field is `varied` and its texts are made each time, unkept.
    looks = cython.declare(cython.Py_ssize_t, visibility="public")
    varied = cython.declare(cython.bint, visibility="public")

    def __init__(
        self,
        name: str,
        label: str,
        kind: str,
        width: int | None = None,
        *,
        mask: int = 0,
        at: int | None = None,
        base: str = DEC,
        names: Mapping[Any, str] | Callable[[Any], str | None] | None = None,
        children: tuple[FieldSpec, ...] = (),
        scale: int = 1,
        unit: str = "",
        generated: bool = False,
        signed: bool = False,
        explain: str | Callable[[Any, Layer], str] = "",
        text: Callable[[Any], str] | None = None,
        bits: int = -1,
        hidden: bool = False,
        raw: bool = False,
    ) -> None:
        self.name, self.label, self.kind, self.width = name, label, kind, width
        self.mask, self.at, self.base, self.names = mask, at, base, names
        self.children, self.scale, self.unit = tuple(children), scale, unit
        self.generated, self.signed, self.explain = generated, signed, explain
        self.conv = CONVERTERS.get(kind)
        self.parent = None
        self.offset = self.idx = self.shift = self.item_off = self.cmask = 0
        self.how = GET_CALL
        self.wmask = 0
        self.frombytes = False
        self.fmt = text  # None: made from kind, base, unit and names on first use
        self.bits, self.hidden, self.raw = bits, hidden, raw
        self.texts, self.patterns, self.json_texts = {}, {}, {}
        self.tree_lines = [{}, {}]  # more depths added as lines that deep are kept
        self.inert = text is None and kind in INERT_KINDS and _plain_label(label)
        self.prefix = f"{label}: " if label else ""
        self.json_head = (
            '{"name": ' + _json_str(name) + ', "label": ' + _json_str(label) + ', "value": '
        )
        self.json_at, self.json_leaf = "", ""
        self.json_pos, self.json_len, self.json_mask = -1, -1, None
        self.looks, self.varied = 0, False
        register(self)
        for child in self.children:
            child.parent = self
            if child.width is None:
                child.width = width

    # -- values ------------------------------------------------------------------------------
    def from_bytes(self, raw: bytes) -> Any:
        """Value of this field from exactly its own bytes (slow path, for partial headers)."""
        if self.kind in INT_KINDS:
            v = int.from_bytes(raw, "big", signed=self.signed)
            if self.mask:
                v = (v & self.mask) >> shift_of(self.mask)
            if self.kind == "flag":
                return bool(v)
            return v * self.scale
        return self.conv(bytes(raw)) if self.conv is not None else bytes(raw)

    # -- text --------------------------------------------------------------------------------
    @cython.ccall
    def show(self, value: Any) -> str:
        """The value as Wireshark shows it ("IPv4 (0x0800)", "0x02 (SYN)", "Set")."""
        fmt = self.fmt
        if fmt is None:
            fmt = self.fmt = _formatter(self)
        return fmt(value)

    @cython.ccall
    def line(self, value: Any) -> str:
        """'Label: shown', escaped: a tree line's text. Kept per value for integers and short
        strings and bytes (a capture repeats few values of a field many times): the text
        depends on the spec and the value only, and these types never compare equal to
        one another (True == 1 does: a bool is not kept)."""
        if _cacheable(value) and not self.varied:
            self.looks += 1
            texts = self.texts
            text = texts.get(value)
            if text is None:
                text = self._line(value)
                _keep(self, texts, value, text)
            return text
        return self._line(value)

    @cython.ccall
    def json_open(self, value: Any) -> str:
        """'{"name": "…", "label": "…", "value": <value as JSON>, "show": "<shown>"': a JSON
        field up to its position, kept per value as line() keeps the tree text (most of -T
        json's work is these texts)."""
        if _cacheable(value) and not self.varied:
            self.looks += 1
            texts = self.json_texts
            text = texts.get(value)
            if text is None:
                text = (
                    self.json_head
                    + _json_scalar(value)
                    + ', "show": '
                    + _json_str(self.show(value))
                )
                _keep(self, texts, value, text)
            return text
        return self.json_head + _json_scalar(value) + ', "show": ' + _json_str(self.show(value))

    @cython.ccall
    def _line(self, value: Any) -> str:
        shown = self.show(value)
        text = self.prefix + shown if shown else self.label  # no value text: the label alone
        t = type(value)
        if self.inert and (t is int or t is bool or t is bytes) and len(text) <= 4096:
            return text
        return safe_text(text, 4096)

    @cython.ccall
    def bit_pattern(self, raw_word: int) -> str:
        """Wireshark-style bit line, e.g. '.1.. ....' for mask 0x40 in one byte."""
        patterns = self.patterns
        text = patterns.get(raw_word)
        if text is None:
            text = self.pattern_of(raw_word, self.mask)
            if len(patterns) >= TEXT_CACHE_MAX:
                patterns.clear()
            patterns[raw_word] = text
        return text

    def pattern_of(self, raw_word: int, mask: int, bits: int = -1) -> str:
        """The bit line for a mask over `bits` bits (-1: this spec's), for a field that
        carries its own mask."""
        if bits < 0:
            bits = self.bits if self.bits >= 0 else (self.width or 1) * 8
        out = []
        for i in range(bits - 1, -1, -1):
            out.append(str((raw_word >> i) & 1) if (mask >> i) & 1 else ".")
            if i and i % 4 == 0:
                out.append(" ")
        return "".join(out)

    def __repr__(self) -> str:
        return f"FieldSpec({self.name})"


@cython.cfunc
@cython.locals(spec=FieldSpec, cache=dict)
def _keep(spec, cache, key, text) -> cython.void:
    """Keep a text made after a lookup missed. A full cache is cleared; when fewer than
    half of the lookups since it was last cleared found their text, the field is varied."""
    if len(cache) >= TEXT_CACHE_MAX:
        spec.varied = spec.looks < 2 * TEXT_CACHE_MAX
        spec.looks = 0
        cache.clear()
        if spec.varied:
            return
    cache[key] = text


@cython.cfunc
@cython.inline
def _cacheable(value: object) -> cython.bint:
    t = type(value)
    if t is int:
        return True
    if t is str or t is bytes:
        return len(value) <= TEXT_CACHE_VALUE_MAX
    return False


def _plain_label(label: str) -> bool:
    return label.isascii() and label.isprintable()


def shift_of(mask: int) -> int:
    return (mask & -mask).bit_length() - 1 if mask else 0


def _set_text(value: Any) -> str:
    return "Set" if value else "Not set"


def _formatter(spec: FieldSpec) -> Callable[[Any], str]:
    """show() for one spec, decided once: the kind, base, unit and names are fixed, so a
    JSON export of millions of fields does not re-test them per value. Integers take the
    specialised path; anything unexpected falls back to the general _format."""
    kind, names = spec.kind, spec.names
    if kind == "flag" or kind == "bool":
        return _set_text
    if kind in INT_KINDS:
        if spec.base == HEX:
            digits = _hex_digits(spec)
            plain: Callable[[int], str] = lambda v: f"0x{v:0{digits}x}"  # noqa: E731
        elif spec.base == DEC_HEX:  # the hex digits of the field's width, as Wireshark's
            digits = _hex_digits(spec)
            plain = lambda v: f"{v} (0x{v:0{digits}x})"  # noqa: E731
        elif spec.unit:
            unit = spec.unit
            plain = lambda v: f"{v}{unit}"  # noqa: E731
        else:
            plain = str

        def text(v: Any) -> str:
            return plain(v) if type(v) is int else _format(spec, v)

    else:

        def text(v: Any) -> str:
            return _format(spec, v)

    if names is None:
        return text
    lookup_name = names if callable(names) else names.get

    def named(v: Any) -> str:
        t, name = text(v), lookup_name(v)
        return f"{name} ({t})" if name else t

    return named


def _hex_digits(spec: FieldSpec) -> int:
    if not spec.mask:
        return max(1, ((spec.width or 1) * 8 - shift_of(spec.mask)) // 4)
    return max(1, (spec.mask.bit_length() - shift_of(spec.mask) + 3) // 4)


def _format(spec: FieldSpec, value: Any) -> str:
    kind = spec.kind
    if kind == "flag" or kind == "bool":
        return "Set" if value else "Not set"
    if kind in INT_KINDS and isinstance(value, int):
        if spec.base == HEX:
            return f"0x{value:0{_hex_digits(spec)}x}"
        if spec.base == DEC_HEX:
            return f"{value} (0x{value:0{_hex_digits(spec)}x})"
        return f"{value}{spec.unit}"
    if isinstance(value, bytes | bytearray | memoryview):
        return hex_bytes(bytes(value))
    if isinstance(value, str):
        return safe_text(value) if kind == "text" else value
    if kind == "time_ns" and isinstance(value, int):
        secs, ns = divmod(value, 1_000_000_000)
        stamp = _second_stamp(secs)
        if stamp is None:
            return f"{value} ns since the epoch"
        return f"{stamp}.{ns:09d} UTC"
    if isinstance(value, float):
        return f"{value:.9f}".rstrip("0").rstrip(".") + spec.unit
    return f"{value}{spec.unit}"


_last_second: list = [(None, None)]  # [(seconds, their date and time)]: packets come in order


def _second_stamp(secs: int) -> str | None:
    """'YYYY-mm-dd HH:MM:SS' (UTC) of a second since the epoch, None when out of range. The
    last one is kept (one tuple: a thread never sees half of it): consecutive packets mostly
    fall in the same second, and strftime is most of a timestamp's text."""
    last = _last_second[0]
    if last[0] == secs:
        return last[1]
    try:
        stamp = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        stamp = None
    _last_second[0] = (secs, stamp)
    return stamp


def hex_bytes(b: bytes, limit: int = 32) -> str:
    s = b[:limit].hex(":")
    return s + "…" if len(b) > limit else s


# What a terminal may act on instead of drawing: controls (C0, DEL, C1), format characters
# (bidi controls such as U+061C, U+200E, U+202E, U+2066; zero-width ones; tags), surrogates
# (an undecodable byte of a file name under surrogateescape, which no UTF-8 stream can even
# write), line and paragraph separators and unassigned code points. str.isprintable() is
# False for each of these and also for spaces other than ' ' and private-use characters
# (icon fonts), which are drawn as they are.
_DRAWN_CATEGORIES = frozenset(("Zs", "Co"))
_ESCAPES = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def unsafe_char(ch: str) -> bool:
    """Whether the character must not reach a terminal as it is (see _DRAWN_CATEGORIES)."""
    return not ch.isprintable() and unicodedata.category(ch) not in _DRAWN_CATEGORIES


def escaped_char(ch: str) -> str:
    """The character as Python writes it in a string literal: \\x1b, \\u202e, \\udc9b."""
    o = ord(ch)
    if o < 0x100:
        return _ESCAPES.get(o) or f"\\x{o:02x}"
    return f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


@cython.ccall
def safe_text(s: str, limit: int = 512) -> str:
    """Make untrusted text inert and readable: every character unsafe_char() names becomes
    its escape (ESC -> \\x1b, U+202E -> \\u202e); at most `limit` characters are kept.
    Everything external that is printed or shown goes through here."""
    if len(s) <= limit and (_plain(s) or s.isprintable()):
        return s  # printable: nothing unsafe
    out = s[:limit].translate(_SHOWN)
    return out + "…" if len(s) > limit else out


class _Shown(dict):
    """Code point -> what safe_text shows for it (the escape, or the code point itself),
    decided on first sight: str.translate then looks each character up in C."""

    def __missing__(self, cp: int) -> int | str:
        ch = chr(cp)
        shown = escaped_char(ch) if unsafe_char(ch) else cp
        if len(self) >= SHOWN_MAX:  # bounded: a text of many scripts cannot grow it forever
            self.clear()
        self[cp] = shown
        return shown


SHOWN_MAX = 4096
_SHOWN = _Shown()


@cython.ccall
@cython.locals(s=str, ch=cython.Py_UCS4)
def _plain(s: str) -> bool:
    """Every character printable ASCII, or the arrow and ellipsis the Info texts use (most
    list-row text): compiled, a C loop over the characters, several times faster than
    str.isprintable's Unicode table lookups. Pure Python leaves the answer to isprintable."""
    if not cython.compiled:
        return False
    for ch in s:
        if (ch < 0x20 or ch > 0x7E) and ch != 0x2192 and ch != 0x2026:  # → and …
            return False
    return True


def uint_at(data: bytes | memoryview, off: int, width: int) -> int:
    """The big-endian unsigned integer in data[off:off + width] (network byte order)."""
    return int.from_bytes(data[off : off + width], "big")


def mac_str(b: bytes) -> str:
    return b.hex(":")


IPV4_TEXT_MAX = 4096
_IPV4_TEXT: dict[bytes, str] = {}


@cython.ccall
def ipv4_str(b: bytes) -> str:
    """Dotted text of an IPv4 address. A capture repeats few addresses many times, so the
    texts are kept (bounded: cleared when full); a hit skips inet_ntoa's argument parsing
    and printf."""
    if type(b) is not bytes:  # only bytes are hashable keys
        return socket.inet_ntoa(b)
    cache = _IPV4_TEXT
    text = cache.get(b)
    if text is None:
        text = socket.inet_ntoa(b)
        if len(cache) >= IPV4_TEXT_MAX:
            cache.clear()
        cache[b] = text
    return text


def ipv6_str(b: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, b)


CONVERTERS: dict[str, Callable[[bytes], Any]] = {"mac": mac_str, "ipv4": ipv4_str, "ipv6": ipv6_str}
_IPV4_CONV = CONVERTERS["ipv4"]
SAFE_KINDS = frozenset({"ipv4", "ipv6", "mac"})  # address kinds: their text is always inert
# Kinds whose text for an int, bool or bytes value is digits, hex, "Set" and our own value
# names: such a tree line needs no escaping. A str value (a pcapng comment, packet text) does.
INERT_KINDS = frozenset({"uint", "bits", "flag", "int", "bool", "bytes", "time_ns"})


def register(spec: FieldSpec) -> None:
    old = FIELDS.get(spec.name)
    if old is not None and old is not spec:
        raise ValueError(f"duplicate field name {spec.name!r}")
    FIELDS[spec.name] = spec


def alias(name: str, *targets: str) -> None:
    """Either-way filter names (ip.addr = ip.src or ip.dst); not tree items."""
    ALIASES[name] = targets


def spec_for(spec: FieldSpec | str) -> FieldSpec:
    if isinstance(spec, FieldSpec):
        return spec
    try:
        return FIELDS[spec]
    except KeyError:
        raise KeyError(f"unknown field {spec!r}: declare it first") from None


# =============================================================================================
# The model: a decoded packet is a Packet of Layers of Fields, with Issues
# =============================================================================================
class Osi(IntEnum):
    PHYSICAL = 1
    DATA_LINK = 2
    NETWORK = 3
    TRANSPORT = 4
    SESSION = 5
    PRESENTATION = 6
    APPLICATION = 7

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


SEVERITIES = ("chat", "note", "warn", "error")
STATUS_RANK = {"ok": 0, "truncated": 1, "malformed": 2}
_STATUSES = ("ok", "truncated", "malformed")  # by rank


@cython.final
@cython.cclass
class Issue:
    """Expert info: what is wrong, where, and (in the message) the likely cause."""

    severity = cython.declare(object, visibility="public")  # chat | note | warn | error
    group = cython.declare(
        object, visibility="public"
    )  # malformed | truncated | checksum | protocol | sequence
    code = cython.declare(object, visibility="public")  # filter-style name, e.g. "udp.length.bad"
    message = cython.declare(object, visibility="public")
    pos = cython.declare(cython.Py_ssize_t, visibility="public")
    len = cython.declare(cython.Py_ssize_t, visibility="public")

    def __init__(
        self, severity: str, group: str, code: str, message: str, pos: int, len: int
    ) -> None:
        self.severity, self.group, self.code, self.message = severity, group, code, message
        self.pos, self.len = pos, len

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Issue):
            return NotImplemented
        return self._key() == other._key()

    def _key(self) -> tuple:
        return (self.severity, self.group, self.code, self.message, self.pos, self.len)

    def __repr__(self) -> str:
        return (
            f"Issue({self.severity!r}, {self.group!r}, {self.code!r}, {self.message!r}, "
            f"{self.pos}, {self.len})"
        )


@cython.no_gc  # compiled: not tracked by the cycle collector (a Field is never in a cycle)
@cython.freelist(1024)  # a tree makes and drops ~70 a packet: reused, not allocated each time
@cython.final
@cython.cclass
class Field:
    """One decoded field: its declaration, byte span (frame-relative) and raw value."""

    spec = cython.declare(FieldSpec, visibility="public")
    pos = cython.declare(cython.Py_ssize_t, visibility="public")
    len = cython.declare(cython.Py_ssize_t, visibility="public")
    value = cython.declare(object, visibility="public")
    mask = cython.declare(object, visibility="public")
    children = cython.declare(list, visibility="public")  # None when it has none
    generated = cython.declare(cython.bint, visibility="public")

    def __init__(
        self,
        spec: FieldSpec,
        pos: int,
        length: int,
        value: Any,
        mask: int = 0,
        generated: bool = False,
    ) -> None:
        self.spec, self.pos, self.len, self.value = spec, pos, length, value
        self.mask, self.generated = mask, generated
        self.children = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def show(self) -> str:
        """Display string, formatted on demand (never stored per packet)."""
        return self.spec.show(self.value)

    def walk(self) -> list[Field]:
        """This field and every descendant, depth first."""
        out = [self]
        if self.children:
            _descend(self.children, out)
        return out

    def __repr__(self) -> str:
        return f"Field({self.name}={self.value!r} @{self.pos}:{self.len} mask={self.mask:#x})"


@cython.cfunc
@cython.locals(spec=FieldSpec, pos=cython.Py_ssize_t, length=cython.Py_ssize_t,
               generated=cython.bint, f=Field)  # fmt: skip
def new_field(spec, pos, length, value, mask, generated) -> Field:
    """Field(...) without the argument parsing of a call to __init__."""
    if not cython.compiled:
        return Field(spec, pos, length, value, mask, generated)
    f = Field.__new__(Field)
    f.spec, f.pos, f.len, f.value = spec, pos, length, value
    f.mask, f.generated = mask, generated
    return f


@cython.cfunc
@cython.locals(fields=list, f=Field)
def _find(fields, name: str) -> object:
    """walk()'s first field named `name`, without making walk()'s list."""
    for f in fields:
        if f.spec.name == name:
            return f
        if f.children:
            found = _find(f.children, name)
            if found is not None:
                return found
    return None


@cython.locals(f=Field)
def _descend(fields: list, out: list) -> None:
    for f in fields:
        out.append(f)
        if f.children:
            _descend(f.children, out)


@cython.final
@cython.cclass
class Context:
    """What a layer tells the layers above it in the same packet. Each attribute names who
    sets it; the layers above only read it. A new message between layers gets an attribute
    here, documented, never a string key."""

    # IP (ip, ipv6): the source and destination address bytes a transport checksum's
    # pseudo-header uses (the final destination when a source route or routing header says so)
    pseudo_src = cython.declare(object, visibility="public")
    pseudo_dst = cython.declare(object, visibility="public")
    # IP (ip, ipv6): this datagram is a fragment, so the lengths and checksums of the layers
    # above cannot be checked against the bytes here
    fragment = cython.declare(cython.bint, visibility="public")
    # ICMP errors (icmp, icmpv6): the layers above are the packet the error quotes; the quote
    # ends at quote_end (-1: the frame's end), before any extension objects
    in_error = cython.declare(cython.bint, visibility="public")
    quote_end = cython.declare(cython.Py_ssize_t, visibility="public")
    # ICMP errors: only the first column_layers layers fill the list columns (0: every layer),
    # so a quoted packet's addresses and Info do not replace the error's own
    column_layers = cython.declare(cython.Py_ssize_t, visibility="public")
    # 802.3 length (eth, vlan): the layer starting at bound_start ends at bound_end at most;
    # the bytes past it stay the lower layer's padding and trailer (llc reads it)
    bound_start = cython.declare(cython.Py_ssize_t, visibility="public")
    bound_end = cython.declare(cython.Py_ssize_t, visibility="public")
    # IPv6 (ipv6): where the IPv6 header is and its payload length, for the hop-by-hop
    # options' jumbo payload check
    ipv6_pos = cython.declare(cython.Py_ssize_t, visibility="public")
    ipv6_plen = cython.declare(cython.Py_ssize_t, visibility="public")
    # HTTP (http): the Content-Type of the body handed to the media table
    media_type = cython.declare(object, visibility="public")
    # Capture pseudo-headers (ppi): the frame ends with a frame check sequence of this many
    # bytes, past the payload it hands on, which the link layer above (wlan) shows; 0: none
    fcs_len = cython.declare(cython.Py_ssize_t, visibility="public")

    def __init__(self) -> None:
        self.pseudo_src = self.pseudo_dst = None
        self.fragment = self.in_error = False
        self.quote_end = -1
        self.column_layers = 0
        self.bound_start = self.bound_end = -1
        self.ipv6_pos = self.ipv6_plen = -1
        self.media_type = ""
        self.fcs_len = 0


_MISSING = object()


@cython.freelist(64)  # a few a packet, made and dropped: reused, not allocated each time
@cython.final
@cython.cclass
class Layer:
    """One protocol's part of a packet: header span, payload span, fields, issues."""

    protocol = cython.declare(object, visibility="public")  # a Protocol
    packet = cython.declare(object, visibility="public")  # a Packet; None once released
    pos = cython.declare(cython.Py_ssize_t, visibility="public")
    hdr_len = cython.declare(cython.Py_ssize_t, visibility="public")
    payload_pos = cython.declare(cython.Py_ssize_t, visibility="public")
    payload_end = cython.declare(cython.Py_ssize_t, visibility="public")
    status = cython.declare(object, visibility="public")  # "ok", "truncated" or "malformed"
    issues = cython.declare(list, visibility="public")
    values = cython.declare(tuple, visibility="public")  # the fixed header as unpacked, or None
    extra = cython.declare(list, visibility="public")  # fields added by tail() and the driver
    next = cython.declare(object, visibility="public")  # the protocol that follows, if chosen
    _fields = cython.declare(list, visibility="public")
    declined = cython.declare(cython.bint, visibility="public")  # see decline()
    stopped = cython.declare(cython.bint, visibility="public")  # see stop()
    # The declared checksum's result ("good", "bad", "unverified"; None: not checked) and, when
    # bad, the right value: its fields are made when the tree is built (_checksum_fields).
    checksum_status = cython.declare(object, visibility="public")
    checksum_calc = cython.declare(object, visibility="public")
    # What tail() found (record offsets...) for detail() and Info to reuse: an instance of the
    # class the protocol declares as its `state` (documented in its file), or None.
    state = cython.declare(object, visibility="public")
    # Fields added with place() before the fields were built: (field, anchor, after), moved
    # to their anchors when they are (None: none waiting).
    placed = cython.declare(list, visibility="public")
    # The top-level fields in tree order with the fixed header's still as their FieldSpecs
    # (_layer_items): the -V tree renders those straight from `values`, and `fields` builds
    # them when something needs Field objects. None: not made (or the fields are built).
    items = cython.declare(list, visibility="public")
    # While detail() runs for _layer_items: the tail's fields, held apart as the driver
    # does (None otherwise); a field detail() looks up is built then (_held_get).
    held = cython.declare(list, visibility="public")

    def __init__(self, protocol: Protocol, packet: Packet, pos: int, end: int) -> None:
        self.protocol, self.packet, self.pos, self.hdr_len = protocol, packet, pos, 0
        self.payload_pos, self.payload_end, self.status = pos, end, "ok"
        self.issues, self.extra = [], []
        self.values = self._fields = self.placed = self.items = self.held = None
        self.next = self.state = None
        self.checksum_status = self.checksum_calc = None
        self.declined = self.stopped = False

    # -- queries -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.protocol.name

    @property
    def osi(self) -> Osi:
        return self.protocol.osi

    @property
    def len(self) -> int:
        """Bytes this layer itself explains (its header, options, padding)."""
        return self.hdr_len

    @property
    def end(self) -> int:
        return self.pos + self.hdr_len

    @property
    def payload_len(self) -> int:
        return max(0, self.payload_end - self.payload_pos)

    @property
    def title(self) -> str:
        return self.protocol.title_of(self)

    @property
    def fields(self) -> list[Field]:
        """Top-level fields in wire order: fixed header (built now), the protocol's detail
        fields (options, records: built only when someone looks), then tail fields."""
        if self._fields is None:
            if self.held is not None:  # detail(), run for the items, asks for every field
                _build_items(self, self.items)
                self._fields = self.items + self.held + self.extra
            else:
                items = self.items if self.items is not None else _layer_items(self)
                self.items = None
                _build_items(self, items)
                self._fields = items
        return self._fields

    def walk(self) -> list[Field]:
        """Every field of the layer, depth first."""
        out: list[Field] = []
        _descend(self.fields, out)
        return out

    def get(self, name: str) -> Field | None:
        """The first field of that name, depth first (as walk() lists them)."""
        if self._fields is None and self.held is not None:
            return _held_get(self, name)
        return _find(self.fields, name)

    @cython.locals(f=Field)
    def all(self, name: str) -> list[Field]:
        return [f for f in self.walk() if f.spec.name == name]

    @cython.locals(spec=FieldSpec)
    def value(self, name: str, default: Any = None) -> Any:
        """A field's value: fixed-header fields straight from the unpacked tuple."""
        spec = self.protocol.by_name.get(name)
        if spec is not None and self.values is not None:
            return _read(spec, self.values)
        f = self.get(name)
        return default if f is None else f.value

    # -- building (tail and detail functions, the driver) -------------------------------------
    @cython.ccall  # a C call from child(), place() and the engine's own builders
    @cython.locals(s=FieldSpec, f=Field, parent_f=Field)
    def add(
        self,
        spec: FieldSpec | str,
        offset: int,
        length: int,
        value: Any,
        mask: int = 0,
        parent: Field | None = None,
        generated: bool = False,
    ) -> Field:
        """Create a field with its span; the only way a Field comes to exist."""
        s = spec if type(spec) is FieldSpec else spec_for(spec)
        f = new_field(s, offset, length, value, mask, generated or s.generated)
        if parent is None:
            self.extra.append(f)
            if self._fields is not None:
                self._fields.append(f)
        else:
            parent_f = parent
            if parent_f.children is None:
                parent_f.children = [f]
            else:
                parent_f.children.append(f)
        return f

    @cython.locals(f=Field)
    def place(
        self, spec: FieldSpec | str, offset: int, length: int, value: Any, anchor: str,
        after: int = 1,
    ) -> Field:  # fmt: skip
        """add(), where Wireshark's tree has the field: just before (after=0) or after (1)
        the top-level field named `anchor` (at the end when there is none, e.g. a header cut
        before it). Does not build the fields: the move waits until they are built (the
        stream fields are placed on every packet, the tree is not always made); until
        then it is one of the tail's fields, which detail() may see."""
        f = self.add(spec, offset, length, value)
        if self._fields is not None:
            _move_to_anchor(self._fields, f, anchor, after)
            return f
        if self.placed is None:
            self.placed = []
        self.placed.append((f, anchor, after))
        return f

    @cython.ccall
    def child(
        self, parent: Field, spec: FieldSpec | str, offset: int, length: int, value: Any,
        mask: int = 0,
    ) -> Field:  # fmt: skip
        """add(..., parent=parent)."""
        return self.add(spec, offset, length, value, mask, parent)

    def issue(
        self,
        severity: str,
        group: str,
        code: str,
        message: str,
        pos: int | None = None,
        length: int = 0,
    ) -> Issue:
        iss = Issue(severity, group, code, message, self.pos if pos is None else pos, length)
        self.issues.append(iss)
        if group in ("malformed", "truncated") and STATUS_RANK[group] > STATUS_RANK[self.status]:
            self.status = group
        return iss

    def decline(self) -> None:
        """These bytes are not this protocol (a port-bound decoder seeing something else):
        the driver drops this layer and tries the next candidate for them."""
        self.declined = True

    def stop(self) -> None:
        """The header is bogus or cut short: nothing after it is decoded. The bytes past the
        header are not handed on, and the engine checks no declared checksum (as Wireshark's
        dissectors return early)."""
        self.stopped = True
        self.payload_pos = self.payload_end

    @cython.locals(have=cython.Py_ssize_t, cut=cython.bint)
    def short(self, needed: int, what: str) -> None:
        """Mark that `needed` bytes were wanted but the captured bytes ended first.

        Past the captured length of a snaplen-cut frame that is truncation; where the
        bytes exist but a header or length field asks for more, the packet is malformed.
        """
        pkt = self.packet
        have = self.payload_end - self.pos
        if pkt.ctx.in_error and self.protocol.osi == Osi.TRANSPORT:
            # An ICMP error quotes only 8 bytes past the IP header: a short TCP header is expected.
            msg = f"{what}: quoted packet ends after {have} of {needed} bytes"
            self.issues.append(
                Issue("chat", "protocol", f"{self.name}.quoted", msg, self.pos, max(0, have))
            )
            return
        cut = pkt.caplen < pkt.wirelen and self.payload_end >= pkt.caplen
        group = "truncated" if cut else "malformed"
        msg = (
            f"{what}: needs {needed} bytes at offset {self.pos}, only {have} "
            f"{'captured' if cut else 'present'}"
        )
        self.issue("error" if group == "malformed" else "warn", group, f"{self.name}.{group}",
                   msg, self.pos, max(0, have))  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"Layer({self.name} @{self.pos}+{self.hdr_len} payload "
            f"{self.payload_pos}..{self.payload_end} {self.status})"
        )


@cython.cfunc
@cython.locals(layer=Layer, pos=cython.Py_ssize_t, end=cython.Py_ssize_t)
def new_layer(protocol, packet, pos, end) -> Layer:
    """Layer(...) without the argument parsing of a call to __init__."""
    if not cython.compiled:
        return Layer(protocol, packet, pos, end)
    layer = Layer.__new__(Layer)
    layer.protocol, layer.packet, layer.pos, layer.hdr_len = protocol, packet, pos, 0
    layer.payload_pos, layer.payload_end, layer.status = pos, end, "ok"
    layer.issues, layer.extra, layer.declined, layer.stopped = [], [], False, False
    return layer  # values, next, _fields, items, held, state: None, as __new__ leaves them


@cython.final
@cython.cclass
class Packet:
    """A decoded frame: its bytes, frame facts and the stack of layers."""

    number = cython.declare(object, visibility="public")
    time_ns = cython.declare(object, visibility="public")
    caplen = cython.declare(cython.Py_ssize_t, visibility="public")
    wirelen = cython.declare(object, visibility="public")  # any size a file may claim
    linktype = cython.declare(object, visibility="public")
    interface = cython.declare(object, visibility="public")
    data = cython.declare(bytes, visibility="public")
    layers = cython.declare(list, visibility="public")
    ctx = cython.declare(Context, visibility="public")  # what layers tell the layers above
    comment = cython.declare(object, visibility="public")
    # None for a captured frame; for bytes put together from several frames (a reassembled
    # TCP PDU, a de-chunked body), their name as Wireshark names the data source. Layers
    # decoded from such bytes are added to the frame's packet but keep this one as .packet.
    source = cython.declare(object, visibility="public")

    def __init__(
        self,
        data: bytes,
        linktype: int,
        number: int = 1,
        time_ns: int = 0,
        wirelen: int | None = None,
        interface: int = 0,
    ) -> None:
        self.data = bytes(data)
        self.linktype, self.number, self.time_ns = linktype, number, time_ns
        self.caplen = len(data)
        self.wirelen = self.caplen if wirelen is None else max(wirelen, self.caplen)
        self.interface = interface
        self.layers = []
        self.ctx = Context()
        self.comment = self.source = None

    @property
    def len(self) -> int:
        return self.wirelen

    @property
    @cython.locals(layer=Layer, worst=cython.int, rank=cython.int)
    def status(self) -> str:
        worst = 0
        for layer in self.layers:
            rank = STATUS_RANK[layer.status]
            if rank > worst:
                worst = rank
        return _STATUSES[worst]

    @property
    @cython.locals(layer=Layer)
    def issues(self) -> list[Issue]:
        return [i for layer in self.layers for i in layer.issues]

    @cython.locals(layer=Layer)
    def layer(self, name: str) -> Layer | None:
        for layer in self.layers:
            if layer.protocol.name == name:
                return layer
        return None

    @cython.locals(layer=Layer)
    def has(self, name: str) -> bool:
        for layer in self.layers:
            if layer.protocol.name == name:
                return True
        return False

    @cython.locals(layer=Layer)
    def get(self, name: str) -> Field | None:
        for layer in self.layers:
            f = layer.get(name)
            if f is not None:
                return f
        return None

    @cython.locals(layer=Layer, f=Field)
    def find(self, name: str) -> Iterator[Field]:
        """Every field of this name, in stack order."""
        out = []
        for layer in self.layers:
            for f in layer.walk():
                if f.spec.name == name:
                    out.append(f)
        return iter(out)

    @cython.locals(layer=Layer)
    def value(self, name: str, default: Any = None) -> Any:
        proto = name.split(".", 1)[0]
        for layer in self.layers:
            pname = layer.protocol.name
            if pname == proto or name.startswith(pname + "."):
                v = layer.value(name, _MISSING)
                if v is not _MISSING:
                    return v
        f = self.get(name)
        return default if f is None else f.value

    @cython.ccall  # a C call from the list's loop (summary_text)
    @cython.locals(layer=Layer)
    def release(self) -> None:
        """Unlink the layers from this packet. A layer points back at its packet, so a
        dropped packet otherwise waits for the cycle collector; released, it is freed at
        once and its memory reused warm. For loops done with each packet (CLI, workers,
        list rows): the packet has no layers afterwards."""
        for layer in self.layers:
            layer.packet = None
        self.layers = []

    @cython.locals(layer=Layer, f=Field, best_f=Field)
    def field_at(self, offset: int) -> tuple[Layer, Field] | None:
        """The innermost field whose span holds byte `offset` (frame skipped)."""
        best: tuple[Layer, Field] | None = None
        best_len = -1
        for layer in self.layers:
            if layer.protocol.name == "frame" or layer.packet is not self:
                continue  # (a layer of reassembled bytes: its offsets are into those)
            for f in layer.walk():
                if f.len > 0 and f.pos <= offset < f.pos + f.len:
                    if best is None or f.len <= best_len:
                        best, best_len = (layer, f), f.len
        return best

    def __repr__(self) -> str:
        names = ":".join(layer.name for layer in self.layers)
        return f"Packet(#{self.number} {self.caplen}B {names} {self.status})"


@cython.cfunc
@cython.locals(pkt=Packet)
def new_packet(data, linktype, number, time_ns, wirelen, interface) -> Packet:
    """Packet(...) without the argument parsing of a call to __init__."""
    if not cython.compiled:
        return Packet(data, linktype, number, time_ns, wirelen, interface)
    pkt = Packet.__new__(Packet)
    pkt.data, pkt.linktype, pkt.number, pkt.time_ns = data, linktype, number, time_ns
    pkt.caplen = len(data)
    pkt.wirelen = pkt.caplen if wirelen is None else max(wirelen, pkt.caplen)
    pkt.interface, pkt.layers, pkt.ctx = interface, [], Context()
    return pkt  # comment: None, as __new__ leaves it


# =============================================================================================
# Protocol declarations and their compile step
# =============================================================================================
Tail = Callable[[bytes, Layer], None]
Detect = Callable[[bytes, int, int, Layer], bool]

PROTOCOLS: dict[str, Protocol] = {}
MAX_LAYERS = 128  # bounds work on nested tags / extension-header chains


class Checksum:
    """A protocol's 16-bit Internet checksum (RFC 1071), checked by the engine after the
    protocol's tail: one policy for every protocol that has one.

    field     the checksum field (a fixed-header field)
    covers    "header" (the header the layer explains) or "layer" (header and payload)
    length    a field whose value is the covered length, when not the layer's bytes (UDP)
    pseudo    the IP protocol number when an IPv4/IPv6 pseudo-header is summed first
    zero_unset_v4  zero means "not computed" over IPv4 (UDP)
    what      how the warning names it ("checksum", "header checksum")
    algorithm "inet" (the 16-bit Internet checksum) or "crc32c" (SCTP's 32-bit CRC, RFC 9260
              appendix A, stored least significant byte first)

    Left "unverified" where the bytes cannot tell: a fragment, a packet an ICMP error quotes,
    a layer the capture cut short, a covered range the bytes do not hold, or a pseudo-header
    with no IP layer below. Adds <field>.status and, when bad, <field>.calculated and a
    warning naming the likely cause (checksum offload).
    """

    def __init__(
        self,
        field: str,
        *,
        covers: str = "layer",
        length: str | None = None,
        pseudo: int | None = None,
        zero_unset_v4: bool = False,
        what: str = "checksum",
        status_label: str = "Checksum Status",
        calculated_label: str = "Calculated Checksum",
        algorithm: str = "inet",
    ) -> None:
        if covers not in ("header", "layer"):
            raise ValueError(f"checksum covers 'header' or 'layer', not {covers!r}")
        if algorithm not in ("inet", "crc32c"):
            raise ValueError(f"checksum algorithm 'inet' or 'crc32c', not {algorithm!r}")
        self.algorithm = algorithm
        self.field, self.covers, self.length, self.pseudo = field, covers, length, pseudo
        self.zero_unset_v4, self.what = zero_unset_v4, what
        self.status = FieldSpec(f"{field}.status", status_label, "str", generated=True,
                                explain=explain_checksum_status)  # fmt: skip
        self.calculated = FieldSpec(f"{field}.calculated", calculated_label, "int", base=HEX,
                                    generated=True, explain=explain_checksum_calculated)  # fmt: skip
        self.offset = -1  # the field's offset in the header: set when the protocol compiles
        self.length_spec: FieldSpec | None = None


class HeaderLength:
    """The fixed-header field that says where the header ends, in bytes once its declared
    scale is applied (TCP's data offset, IPv4's IHL). The engine sets the layer's header
    length from it. Below `minimum` the header is bogus: an error issue `bad` ("header length
    N bytes is less than the minimum M") on the field's byte, and the layer stops (with
    rest_is_header, every byte left is the bogus header's, as Wireshark shows IPv4). Past the
    bytes there it was cut short: `what` names it in the truncated/malformed issue, and the
    layer stops. The protocol's tail still runs after either, to add what it can."""

    def __init__(self, field: str, *, minimum: int, bad: str, what: str,
                 rest_is_header: bool = False) -> None:  # fmt: skip
        self.field, self.minimum, self.bad, self.what = field, minimum, bad, what
        self.rest_is_header = rest_is_header


class Options:
    """Type-length-value options between the fixed header and the header length (TCP's,
    IPv4's): one byte of kind, one of length counting both. `eol` ends the list (the rest is
    padding), `nop` is a single byte. The engine walks them for every packet; one that does
    not fit makes the layer unusual, so its tail runs to say so (and detail() builds them).
    `checked`: a kind whose contents the tail checks (TCP's MPTCP option can be malformed
    inside a good length): one in the list makes the layer unusual too."""

    def __init__(self, *, eol: int, nop: int, checked: int = -1) -> None:
        self.eol, self.nop, self.checked = eol, nop, checked


# Conditions on fixed-header values (Protocol guard, tail_when, a Title's when):
# (field, operator, value).
_OPERATORS = {"==": 0, "!=": 1, "<": 2, ">": 3, "&": 4}


@cython.final
@cython.cclass
class Title:
    """A layer's tree title declared as data (Protocol's `describe`): a template over
    fixed-header fields, "User Datagram Protocol, Src Port: {udp.srcport}, Dst Port:
    {udp.dstport}", each shown as an f-string shows its value. The engine makes it from the
    unpacked header, keeping the text per set of the header items the fields lie in (a
    capture repeats few address pairs; a value is read from its item alone, so equal items
    give equal values, and no address is made into text again to look its title up), when
    the header was unpacked and every `when` condition holds; otherwise
    `otherwise(layer)` makes the title, or, without one, the template is filled from
    layer.value() of each name."""

    template = cython.declare(str, visibility="public")
    literals = cython.declare(tuple, visibility="public")  # the text around the fields
    names = cython.declare(tuple, visibility="public")
    when_given = cython.declare(tuple, visibility="public")
    otherwise = cython.declare(object, visibility="public")
    # compiled with the protocol: the fields' specs and the conditions, as guard's
    specs = cython.declare(tuple, visibility="public")
    when = cython.declare(tuple, visibility="public")
    texts = cython.declare(dict, visibility="public")  # the fields' header items -> title

    def __init__(
        self, template: str, *, when: tuple = (), otherwise: Callable[[Layer], str] | None = None
    ) -> None:
        literals, names = [], []
        for text, name, spec, conversion in string.Formatter().parse(template):
            if spec or conversion or (name is not None and not name):
                raise ValueError(f"title {template!r}: only {{field.name}} may be filled in")
            literals.append(text)
            if name is not None:
                names.append(name)
        if len(literals) == len(names):
            literals.append("")
        self.template, self.literals, self.names = template, tuple(literals), tuple(names)
        self.when_given, self.otherwise = tuple(when), otherwise
        self.specs = self.when = None
        self.texts = {}

    def compile(self, proto: Any) -> None:
        """The names and conditions as the protocol's fixed-header specs (a KeyError names a
        field the header does not have)."""
        field = proto.by_name.__getitem__
        self.specs = tuple([field(n) for n in self.names])
        self.when = tuple([(field(f), _OPERATORS[op], v) for f, op, v in self.when_given])

    @cython.ccall
    @cython.locals(i=cython.Py_ssize_t, parts=list)
    def fill(self, values: tuple) -> str:
        """The template with these values, one per name."""
        parts = [self.literals[0]]
        for i in range(len(self.names)):
            parts.append(format(values[i], ""))
            parts.append(self.literals[i + 1])
        return "".join(parts)

    def __call__(self, layer: Layer) -> str:
        """The title, as a describe function gives it (exceptions propagate)."""
        return self.of(layer)

    @cython.ccall
    @cython.locals(layer_=Layer, cond=tuple, vals=tuple, spec=FieldSpec, items=list)
    def of(self, layer: Layer) -> str:
        layer_ = layer
        if self.specs is None:  # assigned to the protocol after its declaration
            self.compile(layer_.protocol)
        vals = layer_.values
        if vals is not None:
            for cond in self.when:
                if not _holds(cond, vals):
                    break
            else:
                items = []
                for spec in self.specs:
                    items.append(vals[spec.idx])
                key = tuple(items)
                text = self.texts.get(key)
                if text is None:
                    text = self.fill(read_values(self.specs, vals))
                    if len(self.texts) >= TEXT_CACHE_MAX:
                        self.texts.clear()
                    self.texts[key] = text
                return text
        if self.otherwise is not None:
            return self.otherwise(layer_)
        return self.fill(tuple([layer_.value(n) for n in self.names]))


PADDING = (
    "Bytes the layer below carried past the end of this protocol's message: padding or "
    "leftovers, not part of the message."
)


def explain_checksum_status(value: Any, layer: Layer) -> str:
    """What a checksum status says (the explanation of every <checksum>.status field)."""
    if value == "good":
        return "Checksum verified: it matches the bytes, so they arrived as they were sent."
    if value == "bad":
        return (
            "Checksum wrong, likely NIC offload on the sender: the capturing host leaves the "
            "checksum to its network card, so outgoing packets are captured before the card "
            "fills it in. Rarely, the bytes really were corrupted on the way."
        )
    return (
        "Checksum not verified: the bytes it covers are not all here (a fragment, a packet "
        "quoted inside an ICMP error, a capture cut short) or the sender computed none."
    )


def explain_checksum_calculated(value: Any, layer: Layer) -> str:
    return (
        f"The checksum worked out over the captured bytes: 0x{value:04x}. It differs from the "
        "one in the packet."
    )


@cython.cclass
class Protocol:
    """One protocol: its wire layout and how its part of a packet is decoded.

    The declaration (docs/ARCHITECTURE.md, "Adding a protocol"): Wireshark's filter name and
    title, the OSI layer, the fixed header as a table of fields, and what the engine derives
    the rest from. Optional parts:

    tail       fn(data, layer): the variable part (options, records), run for every packet;
               it sets hdr_len / payload_pos / payload_end when they differ from the table's
    detail     fn(data, layer): fields only the tree and filters need, built when asked
    next_by    (table, field names): the dispatch table the next protocol is looked up in
    info       fn(layer) -> the Info column
    describe   fn(layer) -> the tree's layer title, or a Title: a template over fixed-header
               fields that the engine fills (and keeps) itself
    addresses  (source, destination) field names for the list's address columns
    checksum   a Checksum: verified by the engine with the shared policy
    joins_column  the Protocol column joins this protocol's short name to the carrier's
               below it, as Wireshark's does for a message body ("SIP/SDP")

    What the engine does for every packet from the declaration alone (docs/ARCHITECTURE.md,
    "Declared steps"), so a common packet runs no Python of the protocol's:
    header_length  a HeaderLength: where the header ends
    options        an Options: the TLV options up to there, checked
    total_length   (field, extra): the layer, header and payload, is that field's value plus
                   `extra` bytes long: the payload ends there (the bytes after are the layer
                   below's padding); a value out of range makes the layer unusual
    pseudo_header  (source, destination): their bytes go to ctx.pseudo_src / pseudo_dst
    fragment       (more-fragments flag, offset): either set -> ctx.fragment; an offset -> the
                   payload is data (no header of the next protocol in it)
    payload_length (spec, field): a generated field, built with the tree, at that field's
                   position, valued the bytes after the header
    guard          conditions the declared steps need (IPv4's version is 4): when one fails
                   the tail gets the whole layer
    tail_when      with the declared steps, the tail runs only when one of these conditions
                   holds, a step found something unusual, or inside an ICMP error's quote
                   (None: the tail runs for every packet)
    colour     the protocol's colour in the packet list, tree and hex pane ("#rrggbb")
    state      the class of layer.state, when tail keeps something for detail or info
    explain    one or two sentences for the OSI panel: what the protocol is for
    padding / trailer / fcs   link layers: how bytes past the payload are split
    bulk       a Bulk (dissect/protocol.py): when the bulk filter may read the layer's fixed
               header straight from the bytes, for a whole capture at once
    """

    name = cython.declare(object, visibility="public")
    title = cython.declare(object, visibility="public")
    osi = cython.declare(object, visibility="public")
    short = cython.declare(object, visibility="public")
    joins_column = cython.declare(cython.bint, visibility="public")
    header = cython.declare(tuple, visibility="public")
    tail = cython.declare(object, visibility="public")
    detail = cython.declare(object, visibility="public")
    next_by = cython.declare(object, visibility="public")
    info = cython.declare(object, visibility="public")
    describe = cython.declare(object, visibility="public")
    addresses = cython.declare(object, visibility="public")
    explain = cython.declare(object, visibility="public")
    colour = cython.declare(object, visibility="public")
    state = cython.declare(object, visibility="public")
    checksum = cython.declare(object, visibility="public")
    byteorder = cython.declare(object, visibility="public")
    padding = cython.declare(object, visibility="public")
    trailer = cython.declare(object, visibility="public")
    fcs = cython.declare(cython.bint, visibility="public")
    bulk = cython.declare(object, visibility="public")
    # compiled from the table
    size = cython.declare(cython.Py_ssize_t, visibility="public")
    struct = cython.declare(object, visibility="public")
    unpack = cython.declare(object, visibility="public")
    by_name = cython.declare(dict, visibility="public")
    next_specs = cython.declare(tuple, visibility="public")
    address_specs = cython.declare(tuple, visibility="public")
    tree_prefix = cython.declare(str, visibility="public")  # "Layer 3 · Network — "
    # declared steps, compiled (see the docstring)
    declares = cython.declare(cython.bint, visibility="public")
    hl_spec = cython.declare(object, visibility="public")
    hl = cython.declare(object, visibility="public")
    tl_spec = cython.declare(object, visibility="public")
    tl_extra = cython.declare(cython.Py_ssize_t, visibility="public")
    opt_eol = cython.declare(cython.int, visibility="public")
    opt_nop = cython.declare(cython.int, visibility="public")
    opt_checked = cython.declare(cython.int, visibility="public")
    ps_src = cython.declare(object, visibility="public")
    ps_dst = cython.declare(object, visibility="public")
    fr_more = cython.declare(object, visibility="public")
    fr_offset = cython.declare(object, visibility="public")
    pl_spec = cython.declare(object, visibility="public")
    pl_at = cython.declare(cython.Py_ssize_t, visibility="public")
    guard = cython.declare(tuple, visibility="public")
    tail_when = cython.declare(tuple, visibility="public")

    def __init__(
        self,
        name: str,
        title: str,
        *,
        osi: Osi,
        header: tuple[FieldSpec, ...] = (),
        short: str | None = None,
        tail: Tail | None = None,
        detail: Tail | None = None,
        next_by: tuple[str, tuple[str, ...]] | None = None,
        info: Callable[[Layer], str] | None = None,
        describe: Callable[[Layer], str] | Title | None = None,
        addresses: tuple[str, str] | None = None,
        checksum: Checksum | None = None,
        header_length: HeaderLength | None = None,
        options: Options | None = None,
        total_length: tuple[str, int] | None = None,
        pseudo_header: tuple[str, str] | None = None,
        fragment: tuple[str, str] | None = None,
        payload_length: tuple[FieldSpec, str] | None = None,
        guard: tuple[tuple[str, str, Any], ...] = (),
        tail_when: tuple[tuple[str, str, Any], ...] | None = None,
        colour: str = "",
        state: type | None = None,
        padding: str | None = None,
        trailer: FieldSpec | None = None,
        fcs: bool = False,
        byteorder: str = "!",
        explain: str = "",
        bulk: Any = None,
        joins_column: bool = False,
    ) -> None:
        self.name, self.title, self.osi = name, title, osi
        self.bulk = bulk
        self.short = short or name.upper()
        self.joins_column = joins_column
        self.header = tuple(header)
        self.tail, self.detail, self.next_by = tail, detail, next_by
        self.info, self.describe, self.addresses = info, describe, addresses
        self.checksum, self.colour, self.state = checksum, colour, state
        self.explain, self.byteorder = explain, byteorder
        self.tree_prefix = f"Layer {int(osi)} · {Osi(osi).label} — "
        pad = padding or f"{name}.padding"
        self.padding = FIELDS.get(pad) or FieldSpec(pad, "Padding", "bytes", explain=PADDING)
        self.trailer = trailer  # link layers: bytes past the payload split padding/trailer/FCS
        self.fcs = fcs
        if name in PROTOCOLS:
            raise ValueError(f"duplicate protocol {name!r}")
        PROTOCOLS[name] = self
        _compile(self)
        names = next_by[1] if next_by else ()
        # The dispatch keys, read with read_values when they are all fixed-header fields.
        self.next_specs = (
            self.specs(*names) if names and all(n in self.by_name for n in names) else None
        )
        # Source and destination, read the same way when both are fixed-header addresses,
        # whose text (dotted, hex and colons) never needs escaping for a list row.
        specs = [self.by_name.get(n) for n in addresses or ()]
        self.address_specs = (
            self.specs(*addresses)
            if addresses and all(s is not None and s.kind in SAFE_KINDS for s in specs)
            else None
        )
        if checksum is not None:
            spec = self.by_name.get(checksum.field)
            if spec is None:
                raise ValueError(f"{name}: checksum field {checksum.field} is not in the header")
            checksum.offset = spec.offset
            if checksum.length is not None:
                checksum.length_spec = self.by_name[checksum.length]
        _compile_steps(self, header_length, options, total_length, pseudo_header, fragment,
                       payload_length, guard, tail_when)  # fmt: skip
        if isinstance(describe, Title):
            describe.compile(self)

    # -- reading -----------------------------------------------------------------------------
    def specs(self, *names: str) -> tuple[FieldSpec, ...]:
        """The fixed-header specs of these names, for read_values (KeyError if one is not
        a fixed-header field)."""
        return tuple([self.by_name[n] for n in names])

    def reader(self, *names: str) -> Callable[[Layer], tuple]:
        """A reader of several fixed-header values at once, e.g. for an Info line: one call
        per packet; a value the bytes do not hold is None."""
        specs = self.specs(*names)

        def read(layer: Layer) -> tuple:
            return read_layer_values(layer, specs)

        return read

    def fixed_value(self, layer: Layer, name: str) -> Any:
        spec = self.by_name.get(name)
        if spec is None or layer.values is None:
            return _MISSING
        return _read(spec, layer.values)

    @cython.locals(layer_=Layer, spec=FieldSpec, vals=tuple)
    @cython.ccall
    def build_fields(self, layer: Layer) -> list:
        """The fixed header's fields (with their children), from the unpacked tuple."""
        layer_ = layer
        vals = layer_.values
        if vals is None:
            return []
        return [_fixed_field(spec, vals, layer_.pos) for spec in self.header]

    @cython.ccall  # a C call from the tree and JSON renderers, once a layer
    @cython.locals(t=Title)
    def title_of(self, layer: Layer) -> str:
        describe = self.describe
        if describe is not None:
            try:
                if type(describe) is Title:
                    t = describe
                    return t.of(layer)
                return describe(layer)
            except Exception:  # a title must never break a view
                log.debug("describe failed for %s", self.name, exc_info=True)
        return self.title

    # -- decoding ----------------------------------------------------------------------------
    def dissect(self, data: Any, layer: Layer) -> None:
        """Decode this protocol's part of a packet into `layer` (exceptions propagate)."""
        _run(self, data if type(data) is bytes else bytes(data), layer, True, True)

    @cython.locals(layer_=Layer, spec=FieldSpec, c=FieldSpec, f=Field, avail_=cython.Py_ssize_t)
    def partial(self, data: bytes, layer: Layer, avail: int) -> None:
        """A short header: decode the fields that fit, mark the layer, stop. The header is
        read as the whole one is, from the bytes there padded with zeros."""
        layer_, avail_ = layer, avail
        raw = data[layer_.pos : layer_.pos + avail_]
        vals = self.unpack(raw + bytes(self.size - len(raw)), 0) if self.size else ()
        for spec in self.header:
            w = spec.width or 0
            if spec.offset + w > avail_:
                continue
            f = layer_.add(spec, layer_.pos + spec.offset, w, _read(spec, vals), spec.mask)
            for c in spec.children:
                layer_.child(f, c, layer_.pos + c.offset, c.width or 0, _read(c, vals), c.mask)
        layer_.hdr_len = avail_
        layer_.payload_pos = layer_.payload_end
        layer_.short(self.size, f"{self.title} header")

    def __repr__(self) -> str:
        return f"Protocol({self.name})"


def _compile(proto: Protocol) -> None:
    """The table becomes one precompiled struct: overlapping fields (bit fields sharing bytes)
    share one struct item, and each field records (item index, mask, shift) in it."""
    cursor, chunks = 0, []
    for spec in proto.header:
        if spec.width is None and spec.kind in INT_KINDS:
            spec.width = 1
            for child in spec.children:
                child.width = child.width or 1
        spec.offset = cursor if spec.at is None else spec.at
        width = spec.width or 0
        chunks.append((spec.offset, spec.offset + width, spec))
        cursor = max(cursor, spec.offset + width)
        for child in spec.children:  # within the parent's bytes, from its start unless pinned
            child.offset = spec.offset + (child.at or 0)
    proto.size = cursor
    fmt, pos = [proto.byteorder], 0
    proto.by_name = {}
    for idx, (start, end, is_int) in enumerate(_merge(chunks)):
        if start > pos:
            fmt.append(f"{start - pos}x")
        w = end - start
        fmt.append({1: "B", 2: "H", 4: "I", 8: "Q"}[w] if is_int and w in (1, 2, 4, 8) else f"{w}s")
        pos = end
        for s, _e, spec in chunks:
            if start <= s < end:
                for one in (spec, *spec.children):
                    _place(one, idx, start, end, not (is_int and w in (1, 2, 4, 8)))
                    proto.by_name[one.name] = one
    proto.struct = struct.Struct("".join(fmt))
    proto.unpack = proto.struct.unpack_from  # bound once: no method lookup per packet


def _compile_steps(
    proto: Protocol, header_length: Any, options: Any, total_length: Any, pseudo_header: Any,
    fragment: Any, payload_length: Any, guard: Any, tail_when: Any,
) -> None:  # fmt: skip
    """The declared steps as the driver reads them (Protocol's docstring)."""
    field = proto.by_name.__getitem__  # a KeyError names a field the header does not have
    proto.hl = header_length
    proto.hl_spec = field(header_length.field) if header_length is not None else None
    proto.opt_eol = options.eol if options is not None else -1
    proto.opt_nop = options.nop if options is not None else -1
    proto.opt_checked = options.checked if options is not None else -1
    proto.tl_spec = field(total_length[0]) if total_length is not None else None
    proto.tl_extra = total_length[1] if total_length is not None else 0
    proto.ps_src = field(pseudo_header[0]) if pseudo_header is not None else None
    proto.ps_dst = field(pseudo_header[1]) if pseudo_header is not None else None
    proto.fr_more = field(fragment[0]) if fragment is not None else None
    proto.fr_offset = field(fragment[1]) if fragment is not None else None
    proto.pl_spec = payload_length[0] if payload_length is not None else None
    proto.pl_at = field(payload_length[1]).offset if payload_length is not None else 0

    def conditions(given: Any) -> tuple:
        return tuple([(field(f), _OPERATORS[op], value) for f, op, value in given])

    proto.guard = conditions(guard)
    proto.tail_when = conditions(tail_when) if tail_when is not None else None
    proto.declares = any(x is not None for x in (
        header_length, options, total_length, pseudo_header, fragment, tail_when))  # fmt: skip


@cython.cfunc
@cython.locals(cond=tuple, spec=FieldSpec, op=cython.int)
def _holds(cond, vals: tuple) -> cython.bint:
    """One (spec, operator, value) condition on a layer's header values."""
    spec, op, value = cond[0], cond[1], cond[2]
    v = _read(spec, vals)
    if op == 0:
        return v == value
    if op == 1:
        return v != value
    if op == 2:
        return v < value
    if op == 3:
        return v > value
    return (v & value) != 0


@cython.cfunc
@cython.locals(proto=Protocol, layer=Layer, vals=tuple, pos=cython.Py_ssize_t,
               end=cython.Py_ssize_t, v=cython.Py_ssize_t, i=cython.Py_ssize_t,
               stop=cython.Py_ssize_t, kind=cython.int, n=cython.int, unusual=cython.bint,
               spec=FieldSpec, ctx=Context)  # fmt: skip
def _declared_steps(proto, data: bytes, layer) -> cython.bint:
    """Apply the protocol's declared steps to a layer whose fixed header is there; True when
    something is out of the ordinary and the tail should look."""
    vals = layer.values
    pos, end = layer.pos, layer.payload_end
    unusual = False
    if proto.hl_spec is not None:
        v = _read(proto.hl_spec, vals)
        hl = proto.hl
        if v < hl.minimum:
            spec = proto.hl_spec
            layer.issue("error", "malformed", hl.bad,
                        f"header length {v} bytes is less than the minimum {hl.minimum}",
                        pos + spec.offset, 1)  # fmt: skip
            if hl.rest_is_header:
                layer.hdr_len = end - pos
            layer.stop()
            return True
        if pos + v > end:
            layer.short(v, hl.what)
            layer.hdr_len = end - pos
            layer.stop()
            return True
        layer.hdr_len = v
        layer.payload_pos = pos + v
    if proto.opt_eol >= 0 and layer.hdr_len > proto.size:
        i, stop = pos + proto.size, pos + layer.hdr_len
        while i < stop:  # each step moves on by at least one byte
            kind = data[i]
            if kind == proto.opt_eol:
                break
            if kind == proto.opt_nop:
                i += 1
                continue
            if i + 1 >= stop:
                unusual = True
                break
            n = data[i + 1]
            if n < 2 or i + n > stop or kind == proto.opt_checked:
                unusual = True
                break
            i += n
    if proto.tl_spec is not None:
        v = _read(proto.tl_spec, vals) + proto.tl_extra
        if layer.hdr_len <= v and pos + v <= end:
            layer.payload_end = pos + v
        else:
            unusual = True
    ctx = layer.packet.ctx
    if proto.ps_src is not None:
        spec = proto.ps_src
        ctx.pseudo_src = data[pos + spec.offset : pos + spec.offset + spec.width]
        spec = proto.ps_dst
        ctx.pseudo_dst = data[pos + spec.offset : pos + spec.offset + spec.width]
    if proto.fr_more is not None:
        more, offset = _read(proto.fr_more, vals), _read(proto.fr_offset, vals)
        if more or offset:
            ctx.fragment = True
            if offset:
                layer.next = DATA  # later fragments: no header of the next protocol in them
    return unusual


def _merge(chunks: list[tuple[int, int, FieldSpec]]) -> list[tuple[int, int, bool]]:
    """Overlapping chunks (bit fields sharing bytes) merge into one struct item."""
    ranges: list[list[Any]] = []
    for s, e, spec in sorted(chunks, key=lambda c: (c[0], -c[1])):
        is_int = spec.kind in INT_KINDS
        if ranges and s < ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], e)
            ranges[-1][2] = ranges[-1][2] and is_int
        else:
            ranges.append([s, e, is_int])
    return [(s, e, i) for s, e, i in ranges]


def _place(spec: FieldSpec, idx: int, start: int, end: int, frombytes: bool) -> None:
    """Where a field lies in struct item `idx` (bytes start..end) and how its value comes out:
    the one place that tells the kinds apart (FieldSpec.how, read by _read)."""
    spec.idx, spec.item_off = idx, spec.offset - start
    spec.frombytes = frombytes
    width = spec.width or 0
    right = (end - spec.offset - width) * 8  # bits right of this field's bytes in the item
    is_int = spec.kind in INT_KINDS
    if is_int and (spec.mask or right or end - start != width or frombytes):
        own = spec.mask or ((1 << (width * 8)) - 1)
        spec.wmask = own << right
        spec.shift = shift_of(spec.wmask)
        if end - start <= 8:  # the item is at most 64 bits: so is the mask
            spec.cmask = spec.wmask
    else:
        spec.wmask, spec.shift = 0, 0
    if not is_int:
        spec.how = GET_ITEM if spec.conv is None else GET_CONV
        if start != spec.offset or end != spec.offset + width:  # bytes inside a wider item
            spec.how = GET_CALL
    elif frombytes:
        spec.how = GET_CALL
    elif spec.kind == "flag":
        spec.how = GET_FLAG
    elif spec.scale != 1:
        spec.how = GET_SCALED
    else:
        spec.how = GET_BITS if spec.wmask else GET_ITEM


@cython.cfunc
@cython.inline
@cython.locals(p=cython.p_uchar, start=cython.Py_ssize_t, end=cython.Py_ssize_t,
               i=cython.Py_ssize_t, word=cython.ulonglong)  # fmt: skip
def _be_word(p, start, end) -> cython.ulonglong:
    """The big-endian number in bytes start..end-1 of p (compiled only; at most 8 bytes and
    inside p: the callers check)."""
    word = 0
    for i in range(start, end):
        word = (word << 8) | p[i]
    return word


@cython.cfunc
@cython.locals(spec=FieldSpec, how=cython.int, raw=object, v=object, word=cython.ulonglong,
               item=bytes)  # fmt: skip
def _read(spec, vals: tuple) -> object:
    """The value of a fixed-header field from its layer's unpacked header tuple: the one way a
    header value is read."""
    how = spec.how
    raw = vals[spec.idx]
    if how == GET_ITEM:
        return raw
    if how == GET_BITS:
        word = raw
        return (word & spec.cmask) >> spec.shift
    if how == GET_FLAG:
        word = raw
        return (word & spec.cmask) != 0 if spec.cmask else word != 0
    if how == GET_SCALED:
        word = raw
        return ((word & spec.cmask) >> spec.shift) * spec.scale
    if how == GET_CONV:
        return ipv4_str(raw) if spec.conv is _IPV4_CONV else spec.conv(raw)
    # GET_CALL: a field inside a wider bytes item (eth.dst's OUI, a 24-bit number)
    if cython.compiled and spec.cmask and not spec.signed:  # an item of at most 8 bytes
        item = raw
        word = (_be_word(item, 0, len(item)) & spec.cmask) >> spec.shift
        if spec.kind == "flag":
            return word != 0
        return word * spec.scale if spec.scale != 1 else word
    if spec.kind in INT_KINDS:
        v = int.from_bytes(raw, "big", signed=spec.signed and not spec.wmask)
        if spec.wmask:
            v = (v & spec.wmask) >> spec.shift
        if spec.kind == "flag":
            return bool(v)
        return v * spec.scale if spec.scale != 1 else v
    raw = raw[spec.item_off : spec.item_off + (spec.width or 0)]
    return spec.conv(raw) if spec.conv is not None else raw


@cython.ccall
@cython.locals(spec=FieldSpec)
def read_values(specs: tuple, vals: tuple) -> tuple:
    """The values of these fixed-header specs (Protocol.specs) from a layer's unpacked header
    tuple (layer.values, when not None)."""
    out = []
    for spec in specs:
        out.append(_read(spec, vals))
    return tuple(out)


@cython.locals(layer_=Layer, spec=FieldSpec)
def read_layer_values(layer: Layer, specs: tuple) -> tuple:
    """read_values on a layer; where the header was cut or its fields made by hand, each
    value is looked up (None when absent)."""
    layer_ = layer
    if layer_.values is not None:
        return read_values(specs, layer_.values)
    return tuple([layer_.value(spec.name) for spec in specs])


@cython.cfunc
@cython.locals(spec=FieldSpec, c=FieldSpec, f=Field, base=cython.Py_ssize_t, kids=list)
def _fixed_field(spec, vals: tuple, base) -> Field:
    """A fixed-header field (with its children) from its layer's unpacked header tuple."""
    f = new_field(spec, base + spec.offset, spec.width or 0, _read(spec, vals), spec.mask, False)
    if spec.children:
        kids = []
        for c in spec.children:
            kids.append(new_field(c, base + c.offset, c.width or 0, _read(c, vals), c.mask, False))
        f.children = kids
    return f


@cython.locals(layer_=Layer, proto=Protocol, detail=object, items=list, n=cython.Py_ssize_t)
def _layer_items(layer: Layer) -> list:
    """The layer's top-level fields in tree order, the fixed header's as their FieldSpecs
    (not built: the -V tree renders them from the unpacked tuple, _spec_rows), then the
    detail fields, then the tail's; the fields the declaration generates (the checksum's
    status right after its field, as Wireshark shows it, and the payload length) are made
    here. Layer.fields builds the specs into Fields (_build_items) when something asks."""
    layer_ = layer
    proto = layer_.protocol
    items = list(proto.header) if layer_.values is not None else []
    n = len(items)
    detail = proto.detail
    if detail is not None:
        # The tail's fields are held apart while detail runs, as the driver adds them: detail
        # may look up a header field (_held_get builds it then) to hang generated fields under
        # it; what it adds at the top level goes to extra, before the tail's.
        tail_fields, layer_.extra = layer_.extra, []
        layer_.items, layer_.held = items, tail_fields
        try:
            detail(layer_.packet.data, layer_)
        except Exception as exc:  # same contract as the driver: mark, never raise
            layer_.issue("error", "malformed", f"{proto.name}.exception",
                         f"{proto.title} detail stopped: {type(exc).__name__}: {exc}")  # fmt: skip
        layer_.items = layer_.held = layer_._fields = None  # a list detail asked for is dropped
        layer_.extra = layer_.extra + tail_fields
    items = items + layer_.extra
    if proto.pl_spec is not None and not layer_.stopped and layer_.values is not None:
        header = _read(proto.hl_spec, layer_.values) if proto.hl_spec is not None else proto.size
        value = max(0, layer_.payload_end - layer_.pos - header)
        items.insert(n, new_field(proto.pl_spec, layer_.pos + proto.pl_at, 0, value, 0, True))
    if layer_.checksum_status is not None:
        _insert_checksum_fields(layer_, proto.checksum, items)
    if layer_.placed is not None:
        for f, anchor, after in layer_.placed:
            _move_to_anchor(items, f, anchor, after)
        layer_.placed = None
    return items


@cython.cfunc
@cython.locals(layer=Layer, items=list, i=cython.Py_ssize_t)
def _build_items(layer, items) -> cython.void:
    """The fixed header's FieldSpecs among a layer's items built into Fields, in place."""
    for i in range(len(items)):
        if type(items[i]) is not Field:
            items[i] = _fixed_field(items[i], layer.values, layer.pos)


@cython.cfunc
@cython.locals(layer=Layer, items=list, spec=FieldSpec, c=FieldSpec, i=cython.Py_ssize_t,
               f=Field)  # fmt: skip
def _held_get(layer, name: str) -> object:
    """Layer.get while detail runs for the items: what _find would find in the header's
    fields, then the tail's, then detail's own; of the header, only the field looked up
    (with its children) is built, in its place among the items."""
    items = layer.items
    for i in range(len(items)):
        if type(items[i]) is Field:
            found = _find([items[i]], name)
            if found is not None:
                return found
            continue
        spec = items[i]
        if spec.name != name and not any([c.name == name for c in spec.children]):
            continue
        f = _fixed_field(spec, layer.values, layer.pos)
        items[i] = f
        return _find([f], name)
    found = _find(layer.held, name)
    return found if found is not None else _find(layer.extra, name)


@cython.cfunc
@cython.inline
@cython.locals(f=Field, spec=FieldSpec)
def _item_name(item) -> str:
    """The name of a layer item: a Field's, or a fixed-header FieldSpec's."""
    if type(item) is Field:
        f = item
        return f.spec.name
    spec = item
    return spec.name


@cython.cfunc
@cython.locals(fields=list, f=Field, i=cython.Py_ssize_t, k=cython.Py_ssize_t,
               after=cython.Py_ssize_t)  # fmt: skip
def _move_to_anchor(fields, f, anchor: str, after) -> cython.void:
    """Move f (in fields, or a layer's items) just before (after=0) or after (1) the first
    field named anchor that comes before it; where there is none, f stays."""
    i = len(fields) - 1
    while i >= 0 and fields[i] is not f:
        i -= 1
    for k in range(i):
        if _item_name(fields[k]) == anchor:
            del fields[i]
            fields.insert(k + after, f)
            return


@cython.cfunc
@cython.locals(layer=Layer, fields=list, i=cython.Py_ssize_t, at=cython.Py_ssize_t)
def _insert_checksum_fields(layer, ck, fields) -> cython.void:
    """The checksum's generated fields right after its field (in fields or the items)."""
    at = layer.pos + ck.offset
    made = [new_field(ck.status, at, 0, layer.checksum_status, 0, True)]
    if layer.checksum_calc is not None:
        made.append(new_field(ck.calculated, at, 0, layer.checksum_calc, 0, True))
    for i in range(len(fields)):
        if _item_name(fields[i]) == ck.field:
            fields[i + 1 : i + 1] = made
            return
    fields.extend(made)


# =============================================================================================
# Dispatch tables: protocols meet only through these, filled by bind() at import
# =============================================================================================
@cython.cclass
class Heuristic:
    """A content check with the cheap test the driver makes before calling it: the
    payload's first byte is one a message of the protocol can start with, and the payload is
    at least min_len bytes. Most payloads fail that test in C, so a table with several
    heuristics costs an unclaimed payload a few comparisons, not a Python call each.
    Callable like the check itself (it applies the test first)."""

    fn = cython.declare(object, visibility="public")  # fn(data, pos, end, layer) -> bool
    first = cython.declare(bytes, visibility="public")  # 256 flags by first byte; b"": any
    min_len = cython.declare(cython.Py_ssize_t, visibility="public")

    def __init__(self, fn: Detect, first: Any = None, min_len: int = 1) -> None:
        self.fn, self.min_len = fn, max(1, min_len)
        starts = set(first) if first is not None else None
        self.first = b"" if starts is None else bytes(int(b in starts) for b in range(256))

    @cython.ccall
    @cython.locals(data=bytes, pos=cython.Py_ssize_t, end=cython.Py_ssize_t)
    def admits(self, data, pos, end) -> cython.bint:
        """The cheap test: enough bytes, and a first byte the protocol can start with."""
        if end - pos < self.min_len or pos < 0 or end > len(data):
            return False
        return not self.first or self.first[data[pos]] != 0

    def __call__(self, data: bytes, pos: int, end: int, layer: Layer) -> bool:
        return self.admits(bytes(data), pos, end) and bool(self.fn(data, pos, end, layer))


TABLES: dict[str, dict[Any, Protocol]] = {}
HEURISTICS: dict[str, list[tuple[Protocol, Heuristic]]] = {}
LINKTYPES: dict[int, Protocol | tuple[str, Any]] = {}


def table(name: str) -> dict[Any, Protocol]:
    """Dispatch table `name` itself (bind() fills this same dict later): for a decoder that
    looks a key up in it for every packet."""
    return TABLES.setdefault(name, {})


def bind(table_name: str, key: Any, proto: Protocol) -> None:
    """Register `proto` as what follows when `table_name`'s field has value `key`."""
    TABLES.setdefault(table_name, {})[key] = proto


def bind_heuristic(table_name: str, proto: Protocol, detect: Detect, *, first: Any = None,
                   min_len: int = 1) -> None:  # fmt: skip
    """Register a content check tried when the table has no binding for the ports. `first`:
    the byte values the protocol's payload can start with (None: any), `min_len`: the fewest
    bytes detect() can accept; the driver tests both before calling it."""
    HEURISTICS.setdefault(table_name, []).append((proto, Heuristic(detect, first, min_len)))


def bind_linktype(linktype: int, proto: Protocol | tuple[str, Any]) -> None:
    """A link type starts with `proto`, or with what a table binds: ("ethertype", 0x0800)
    is resolved at decode time, so module load order never matters."""
    LINKTYPES[linktype] = proto


def lookup(table_name: str, *keys: Any) -> Protocol | None:
    t = TABLES.get(table_name)
    if t:
        for k in keys:
            p = t.get(k)
            if p is not None:
                return p
    return None


@cython.ccall  # a C call from decode's loop
@cython.locals(layer_=Layer, own=Protocol, t=dict, nb=tuple, specs=tuple, keys=object,
               h=Heuristic)  # fmt: skip
def next_protocol(data: bytes, layer: Layer, declined: tuple = ()) -> Protocol | None:
    """What follows a layer: its own choice, then its table (lower key first), then
    heuristics; protocols that already declined these bytes are skipped."""
    layer_ = layer
    nxt = layer_.next
    if nxt is not None and nxt not in declined:
        return nxt
    own = layer_.protocol
    nb = own.next_by
    if nb is None:
        return None
    table_name, names = nb
    t = TABLES.get(table_name)
    if t:
        specs = own.next_specs
        if specs is not None and layer_.values is not None:
            keys = read_values(specs, layer_.values)
        else:
            keys = tuple([layer_.value(n) for n in names])
        if len(keys) == 2 and keys[0] is not None and keys[1] is not None:
            if keys[1] < keys[0]:  # two ports: the lower first, as sorted() would give
                keys = (keys[1], keys[0])
        elif len(keys) > 1:
            keys = sorted([k for k in keys if k is not None])
        for k in keys:
            found = t.get(k)
            if found is not None and found not in declined:
                return found
    for proto, h in HEURISTICS.get(table_name, ()):
        if (
            proto not in declined
            and h.admits(data, layer_.payload_pos, layer_.payload_end)
            and h.fn(data, layer_.payload_pos, layer_.payload_end, layer_)
        ):
            return proto
    return None


# =============================================================================================
# Record walks: the index's hot loop (dissect/readers/pcap.py)
# =============================================================================================
_LITTLE = sys.byteorder == "little"


@cython.ccall
@cython.locals(p=cython.Py_ssize_t, stop=cython.Py_ssize_t, hlen=cython.Py_ssize_t,
               base=cython.Py_ssize_t, n=cython.Py_ssize_t, k=cython.Py_ssize_t,
               most=cython.Py_ssize_t, src=cython.p_uchar, dst=cython.p_uchar,
               at=cython.p_ulonglong, raw=cython.p_uchar, caplen=cython.ulonglong,
               b0=cython.ulonglong, b1=cython.ulonglong, b2=cython.ulonglong,
               b3=cython.ulonglong, little=cython.bint, kept=bytearray,
               offs=bytearray)  # fmt: skip
def chain_records(buf: bytes, p, stop, hlen, base, offsets: object, heads: object) -> object:
    """Follow pcap records from buf[p] while their header starts by buf[stop] (a file in
    this machine's byte order, caplen the header's third 32-bit word): append each one's
    data offset in the file (base + its index in buf) to `offsets` (array 'Q') and its
    header to `heads` (array 'I'); return the file offset after the last. Nothing is
    checked (the caller does, on what comes back). Compiled, the loop reads the bytes in
    place and copies headers and offsets into two buffers added to the arrays at once
    (~10 ns a record against ~250 ns)."""
    if not cython.compiled:
        keep, add = heads.frombytes, offsets.append
        back = 2 - hlen // 4  # caplen's index counted from the end of the header kept
        while p <= stop:
            data = p + hlen
            keep(buf[p:data])
            add(base + data)
            p = data + heads[back]
        return base + p
    if p > stop:
        return base + p
    if type(buf) is not bytes:  # (a bytearray slice from a source held in memory)
        buf = bytes(buf)
    most = (stop - p) // hlen + 1
    kept, offs = bytearray(most * hlen), bytearray(most * 8)
    src, dst, raw = buf, kept, offs
    at = cython.cast(cython.p_ulonglong, raw)
    little = _LITTLE  # a C flag in the loop, not a module lookup a record
    n = 0
    while p <= stop:
        for k in range(hlen):
            dst[n * hlen + k] = src[p + k]
        b0, b1, b2, b3 = src[p + 8], src[p + 9], src[p + 10], src[p + 11]
        caplen = (
            b0 | b1 << 8 | b2 << 16 | b3 << 24 if little else b0 << 24 | b1 << 16 | b2 << 8 | b3
        )
        at[n] = base + p + hlen
        n += 1
        p = p + hlen + cython.cast(cython.Py_ssize_t, caplen)
    heads.frombytes(memoryview(kept)[: n * hlen])
    offsets.frombytes(memoryview(offs)[: n * 8])
    return base + p


# =============================================================================================
# Checksums (RFC 1071)
# =============================================================================================
def ones_sum(data: bytes | memoryview, start: int = 0) -> int:
    """16-bit one's-complement sum of big-endian words (folded), plus `start`.

    Read as one big integer, the bytes are a number in base 2**16 whose digits are the
    words; since 2**16 = 1 (mod 0xFFFF), that number is congruent to the words' sum, and the
    end-around-carry fold of a non-zero sum is its residue mod 0xFFFF with 0 read as 0xFFFF.
    In pure Python two C-speed big-int operations beat a loop over the words; compiled, the
    loop is C and some ten times faster again on a full-size frame."""
    if cython.compiled:
        b = data if type(data) is bytes else bytes(data)
        return _fold(_word_sum(b, 0, len(b)) + start)
    n = int.from_bytes(data, "big")
    if len(data) & 1:
        n <<= 8  # an odd byte is padded with a zero on the right
    return _fold(n + start)


@cython.ccall
@cython.locals(data=bytes, lo=cython.Py_ssize_t, hi=cython.Py_ssize_t, start=cython.ulonglong)
def range_sum(data, lo, hi, start=0) -> object:
    """ones_sum(data[lo:hi], start), without copying the bytes out in the compiled engine."""
    if cython.compiled and lo >= 0 and hi >= 0:
        return _fold(_word_sum(data, lo, hi) + start)
    return ones_sum(data[lo:hi], start)


@cython.ccall
@cython.locals(n=cython.ulonglong, r=cython.ulonglong)
def _fold(n) -> object:
    """End-around-carry fold of a sum congruent to the words' sum: its residue mod 0xFFFF,
    a non-zero sum never folding to 0. (Compiled, the sums are 64-bit; pure Python folds the
    big integer of ones_sum.)"""
    r = n % 0xFFFF
    return 0xFFFF if r == 0 and n else r


@cython.ccall
@cython.locals(data=bytes, lo=cython.Py_ssize_t, hi=cython.Py_ssize_t, i=cython.Py_ssize_t,
               s=cython.ulonglong, w=cython.ulonglong, p=cython.p_uchar)  # fmt: skip
def _word_sum(data, lo, hi) -> object:
    """A sum congruent (mod 0xFFFF) to that of the big-endian 16-bit words of data[lo:hi],
    an odd last byte padded with a zero; zero only when every byte is, as the big integer
    above. Compiled, a C loop that adds four bytes at a time as one 32-bit word (a*2**16 + b
    is a + b mod 0xFFFF) into a 64-bit sum, which 2**34 bytes would be needed to overflow."""
    p = data
    hi = min(hi, len(data))  # the loop reads through a pointer: stay inside
    i = max(lo, 0)
    s = 0
    while i + 3 < hi:
        w = p[i]  # a 64-bit unsigned, so the shift by 24 cannot overflow
        s += (w << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3]
        i += 4
    while i + 1 < hi:
        s += (p[i] << 8) | p[i + 1]
        i += 2
    if i < hi:
        s += p[i] << 8
    return s


def inet_checksum(data: bytes | memoryview, start: int = 0) -> int:
    """The value a sender puts in the checksum field (with that field zeroed)."""
    return ~ones_sum(data, start) & 0xFFFF


@cython.ccall
def pseudo_sum(src: bytes, dst: bytes, proto: int, length: int) -> int:
    """Sum of the IPv4/IPv6 pseudo-header (RFC 793 / RFC 8200 section 8.1)."""
    start = proto + (length & 0xFFFF) + (length >> 16)
    if cython.compiled and type(src) is bytes and type(dst) is bytes and not len(src) & 1:
        # the addresses summed where they lie: no joined copy (even length: same words)
        return _fold(_word_sum(src, 0, len(src)) + _word_sum(dst, 0, len(dst)) + start)
    return ones_sum(src + dst, start)


def verify(
    layer: Layer,
    data: bytes,
    start: int,
    end: int,
    field_pos: int,
    status_spec: FieldSpec,
    calc_spec: FieldSpec,
    initial: int = 0,
    what: str = "checksum",
) -> str:
    """Check the 16-bit Internet checksum over data[start:end] whose field sits at field_pos,
    and add the generated status ("good"/"bad"/"unverified") and, when bad, the calculated
    value and a warning naming the likely cause. For checksums the header table does not
    hold (an ICMP extension's); a protocol's own is declared as a Checksum and checked by
    the engine."""
    status, right = _checked(layer, data, start, end, field_pos, initial, status_spec.name, what)
    layer.add(status_spec, field_pos, 0, status)  # status specs are declared generated
    if right is not None:
        layer.add(calc_spec, field_pos, 0, right)
    return status


@cython.cfunc
@cython.locals(layer=Layer, stored=cython.int, start=cython.Py_ssize_t, end=cython.Py_ssize_t,
               field_pos=cython.Py_ssize_t)  # fmt: skip
def _checked(layer, data: bytes, start, end, field_pos, initial, status_name: str,
             what: str) -> tuple:  # fmt: skip
    """(status, the right value when bad) of the checksum at field_pos over data[start:end];
    a bad one adds its warning to the layer."""
    if end > len(data) or field_pos + 2 > end:
        return "unverified", None
    if range_sum(data, start, end, initial) == 0xFFFF:
        return "good", None
    stored = (data[field_pos] << 8) | data[field_pos + 1]
    zeroed = ones_sum(data[start:field_pos] + b"\0\0" + data[field_pos + 2 : end], initial)
    right = ~zeroed & 0xFFFF
    layer.issue(
        "warn", "checksum", f"{status_name.rsplit('.', 1)[0]}.bad",
        f"{layer.protocol.short} {what} 0x{stored:04x} is wrong (should be 0x{right:04x}); "
        "likely cause: the capturing host offloads checksums to its NIC, so the packet was "
        "captured before the checksum was filled in",
        field_pos, 2,
    )  # fmt: skip
    return "bad", right


def _crc32c_table() -> list:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()  # reflected Castagnoli polynomial, one entry per byte value


@cython.locals(data=bytes, i=cython.Py_ssize_t, n=cython.Py_ssize_t, crc=cython.ulonglong)
def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of the bytes, as SCTP computes it (RFC 9260 appendix A)."""
    table = CRC32C_TABLE
    crc = 0xFFFFFFFF
    n = len(data)
    for i in range(n):
        crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@cython.cfunc
@cython.locals(layer=Layer, start=cython.Py_ssize_t, end=cython.Py_ssize_t,
               field_pos=cython.Py_ssize_t)  # fmt: skip
def _checked_crc32c(layer, data: bytes, start, end, field_pos, status_name: str,
                    what: str) -> tuple:  # fmt: skip
    """(status, the right value when bad) of a CRC-32C stored at field_pos, covering
    data[start:end] with the field itself read as zeros. The value is compared as the field
    shows it: the CRC's bytes least significant first, read as a big-endian number."""
    if end > len(data) or field_pos + 4 > end:
        return "unverified", None
    stored = int.from_bytes(data[field_pos : field_pos + 4], "big")
    crc = crc32c(data[start:field_pos] + b"\0\0\0\0" + data[field_pos + 4 : end])
    right = int.from_bytes(crc.to_bytes(4, "little"), "big")
    if right == stored:
        return "good", None
    layer.issue(
        "warn", "checksum", f"{status_name.rsplit('.', 1)[0]}.bad",
        f"{layer.protocol.short} {what} 0x{stored:08x} is wrong (should be 0x{right:08x}); "
        "likely cause: the capturing host offloads checksums to its NIC, so the packet was "
        "captured before the checksum was filled in",
        field_pos, 4,
    )  # fmt: skip
    return "bad", right


@cython.cfunc
@cython.locals(layer=Layer, pkt=Packet, ctx=Context, start=cython.Py_ssize_t,
               end=cython.Py_ssize_t, field_pos=cython.Py_ssize_t, length=cython.Py_ssize_t)  # fmt: skip
def _check_declared(ck, data: bytes, layer, quoted: cython.bint) -> cython.void:
    """The shared checksum policy (Checksum): verifiable unless fragmented, quoted by an ICMP
    error (`quoted`: in_error as the layers below left it), cut by the capture, or the
    covered bytes are not all there."""
    pkt = layer.packet
    ctx = pkt.ctx
    start = layer.pos
    field_pos = start + ck.offset
    if ck.covers == "header":
        end = start + layer.hdr_len
        unverifiable = quoted
    else:
        end = layer.payload_end
        cut = pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen
        unverifiable = ctx.fragment or quoted or cut
        if ck.length_spec is not None and layer.values is not None:
            length = _read(ck.length_spec, layer.values)
            if length < field_pos + 2 - start or start + length > end:
                unverifiable = True
            end = start + length
    initial = 0
    if ck.pseudo is not None and not unverifiable:
        src = ctx.pseudo_src
        if src is None:
            unverifiable = True
        else:
            if ck.zero_unset_v4 and len(src) == 4 and data[field_pos] == 0 == data[field_pos + 1]:
                unverifiable = True  # over IPv4, zero means the sender computed none
            initial = pseudo_sum(src, ctx.pseudo_dst, ck.pseudo, end - start)
    if unverifiable:
        layer.checksum_status = "unverified"
    elif ck.algorithm == "crc32c":
        layer.checksum_status, layer.checksum_calc = _checked_crc32c(
            layer, data, start, end, field_pos, ck.status.name, ck.what
        )
    else:
        layer.checksum_status, layer.checksum_calc = _checked(
            layer, data, start, end, field_pos, initial, ck.status.name, ck.what
        )


# =============================================================================================
# The driver
# =============================================================================================
@cython.locals(layer=Layer)
def _frame_detail(data: bytes, layer: Layer) -> None:
    pkt = layer.packet
    layer.add(FRAME_NUMBER, 0, 0, pkt.number)
    block = custom_block(pkt.linktype)
    if block is not None:  # a pcapng Custom Block: no time, link type or interface
        layer.add(FRAME_LEN, 0, 0, pkt.wirelen)
        layer.add(FRAME_CAPLEN, 0, 0, pkt.caplen)
        layer.add(FRAME_CB_PEN, 0, 0, block[0])
        layer.add(FRAME_CB_COPY, 0, 0, block[1])
        return
    layer.add(FRAME_TIME, 0, 0, pkt.time_ns)
    layer.add(FRAME_LEN, 0, 0, pkt.wirelen)
    layer.add(FRAME_CAPLEN, 0, 0, pkt.caplen)
    layer.add(FRAME_LINKTYPE, 0, 0, pkt.linktype)
    layer.add(FRAME_IFACE, 0, 0, pkt.interface)
    if pkt.comment:
        layer.add(FRAME_COMMENT, 0, 0, pkt.comment)


@cython.locals(layer=Layer)
def _data_tail(data: bytes, layer: Layer) -> None:
    n = layer.payload_end - layer.pos
    layer.add(DATA_DATA, layer.pos, n, data[layer.pos : layer.payload_end])
    layer.add(DATA_LEN, layer.pos, 0, n)
    layer.hdr_len = n
    layer.payload_pos = layer.payload_end


FRAME_NUMBER = FieldSpec("frame.number", "Frame Number", "int", generated=True,
                         explain="The packet's position in the capture, counted from 1.")  # fmt: skip
FRAME_TIME = FieldSpec("frame.time_epoch", "Arrival Time", "time_ns", generated=True,
                       explain="When the capturing host saw the packet (its clock, in UTC).")  # fmt: skip
FRAME_LEN = FieldSpec("frame.len", "Frame Length", "int", unit=" bytes", generated=True,
                      explain="How many bytes the packet had on the wire.")  # fmt: skip
FRAME_CAPLEN = FieldSpec("frame.cap_len", "Capture Length", "int", unit=" bytes",
                         generated=True, explain="How many of those bytes were saved; fewer than "
                         "the frame length means the capture cut the packet short (snaplen).")  # fmt: skip
FRAME_LINKTYPE = FieldSpec(
    "frame.encap_type", "Link Type", "int", names=LINKTYPE_NAMES, generated=True,
    explain="The link type: what the capture's first bytes are (Ethernet, raw IP, Linux "
    "cooked...). It decides which protocol decodes first.",
)  # fmt: skip
FRAME_IFACE = FieldSpec("frame.interface_id", "Interface id", "int", generated=True,
                        explain="Which capture interface saw the packet (a pcapng file can "
                        "hold several).")  # fmt: skip
FRAME_COMMENT = FieldSpec("frame.comment", "Comment", "str", generated=True,
                          explain="A comment stored with the packet in the capture file.")  # fmt: skip

FRAME_CB_PEN = FieldSpec("frame.cb_pen", "Private Enterprise Number", "uint", 4,
                         names=enterprise_name, generated=True, explain="Whose block this is: "
                         "the IANA Private Enterprise Number of the organisation that defined "
                         "the custom block's contents.")  # fmt: skip
FRAME_CB_COPY = FieldSpec("frame.cb_copy", "Copying", "bool", generated=True,
                          text=true_false("Allowed", "Not Allowed"), explain="Whether a tool "
                          "that writes the capture again may copy the block (block type "
                          "0x00000BAD) or must leave it out (0x40000BAD): its contents may "
                          "depend on other blocks a rewrite changes.")  # fmt: skip
RECORD_COLUMN = "PCAPNG"  # the Protocol column of a record that is not a packet


def record_info(pkt: Packet) -> str | None:
    """The Info column of a record that is not a packet (a pcapng Custom Block), as
    Wireshark's; None for a packet."""
    block = custom_block(pkt.linktype)
    if block is None:
        return None
    pen, copy = block
    return (f"Custom Block: PEN = {enterprise_name(pen)} ({pen}), "
            f"will {'' if copy else 'not '}be copied")  # fmt: skip


def has_time(pkt: Packet) -> bool:
    """Whether the record has a time: a pcapng Custom Block has none (its time columns and
    frame.time_* are empty, as in Wireshark)."""
    return not is_record(pkt.linktype)


def record_facts(pkt: Packet) -> tuple[int | None, int | None, int | None]:
    """(time, link type, interface) as outputs show them: None for a record that has none
    (a pcapng Custom Block: its kind is not a link type, and it has no time or interface)."""
    if is_record(pkt.linktype):
        return None, None, None
    return pkt.time_ns, pkt.linktype, pkt.interface


def _frame_title(layer: Layer) -> str:
    pkt = layer.packet
    block = custom_block(pkt.linktype)
    if block is None:
        return "Frame"
    pen, copy = block
    return (f"PCAPNG Custom Block {pkt.number}: {pkt.wirelen} bytes ({pkt.wirelen * 8} bits) "
            f"of custom data and options, PEN {enterprise_name(pen)} ({pen}), "
            f"copying {'allowed' if copy else 'not allowed'}")  # fmt: skip


FRAME = Protocol("frame", "Frame", osi=Osi.PHYSICAL, short="FRAME", detail=_frame_detail,
                 colour="#bcbcbc", describe=_frame_title,
                 explain="Facts about the capture itself: when the frame was seen, how long it "
                 "was on the wire and how much of it was captured. Not a protocol header.")  # fmt: skip

DATA_DATA = FieldSpec("data.data", "Data", "bytes", explain="Bytes no decoder claimed, shown "
                      "raw so nothing in the packet is hidden.")  # fmt: skip
DATA_LEN = FieldSpec("data.len", "Length", "int", generated=True,
                     explain="How many bytes no decoder claimed.")  # fmt: skip
DATA = Protocol(
    "data", "Data", osi=Osi.APPLICATION, tail=_data_tail, colour="#9e9e9e",
    describe=lambda layer: f"Data ({layer.hdr_len} bytes)",
    explain="Bytes no decoder claimed: shown raw so nothing in the frame goes unaccounted for.",
)  # fmt: skip


@cython.cfunc
@cython.locals(pkt=Packet, layer=Layer)
def _frame_layer(pkt) -> Layer:
    layer = new_layer(FRAME, pkt, 0, pkt.caplen)
    layer.payload_pos = 0
    if pkt.caplen < pkt.wirelen:
        layer.issue("warn", "truncated", "frame.snaplen_cut",
                    f"Packet size limited during capture: {pkt.caplen} of {pkt.wirelen} bytes "
                    "captured", 0, 0)  # fmt: skip
        layer.status = "ok"  # the cut is reported on the layer whose bytes it cuts
    return layer


_loaded = False


def _load() -> None:
    global _loaded
    from . import protocols  # noqa: F401  (registers every protocol once)

    _loaded = True


def decode(
    data: bytes,
    linktype: int,
    *,
    number: int = 1,
    time_ns: int = 0,
    wirelen: int | None = None,
    interface: int = 0,
    ctx: Context | None = None,  # what the layers below told (a datagram joined from fragments)
    comment: str | None = None,
    upto: str | None = None,
    strict: bool = False,
    start: tuple[Protocol, int] | None = None,
    checksums: bool = True,
) -> Packet:
    """Decode one frame. Pure: same bytes -> same Packet; never raises unless strict.
    start=(protocol, offset): begin there instead of at the link type (a PDU put together
    from several TCP segments, or the rest of a segment after one: dissect/streams/pdus.py).
    checksums=False: the declared checksums are not verified (no status, no issue), for a
    list row, which shows neither, as tshark's list does not."""
    return _decode(data, linktype, number, time_ns, wirelen, interface, ctx, comment, upto,
                   strict, start, checksums)  # fmt: skip


@cython.cfunc
@cython.locals(pkt=Packet, layer=Layer, proto=Protocol, pos=cython.Py_ssize_t,
               end=cython.Py_ssize_t, layers=list, declined=tuple, checksums=cython.bint)  # fmt: skip
def _decode(data, linktype, number, time_ns, wirelen, interface, ctx, comment, upto, strict,
            start, checksums) -> Packet:  # fmt: skip
    """decode(), called from C without parsing its keywords (a list row's loop)."""
    if not _loaded:
        _load()
    if type(data) is not bytes:
        data = bytes(data)
    pkt = new_packet(data, linktype, number, time_ns, wirelen, interface)
    pkt.comment = comment
    if ctx is not None:
        pkt.ctx = ctx
    layers = pkt.layers
    layers.append(_frame_layer(pkt))
    first = LINKTYPES.get(linktype, DATA)
    proto = (lookup(*first) or DATA) if isinstance(first, tuple) else first
    pos, end = 0, len(data)
    if start is not None:
        proto, pos = start
    declined = ()
    while pos < end or (proto is not DATA and pos == end and len(layers) == 1):
        layer = new_layer(proto, pkt, pos, end)
        layers.append(layer)
        if not _run(proto, data, layer, strict, checksums):
            break
        if layer.declined and len(layers) > 2:
            # The bytes are not this protocol after all: ask the layer below again.
            layers.pop()
            declined += (proto,)
            proto = next_protocol(data, layers[-1], declined) or DATA
            continue
        declined = ()
        if upto is not None and proto.name == upto:
            return pkt
        pos, end = layer.payload_pos, layer.payload_end
        if len(layers) > MAX_LAYERS:
            layer.issue("warn", "malformed", "frame.too_many_layers",
                        f"more than {MAX_LAYERS} layers: rest shown as data")  # fmt: skip
            proto = DATA
        elif pos < end:  # nothing follows an empty payload: no table, no heuristics
            proto = next_protocol(data, layer) or DATA
        if pos >= end:
            break
    _cover_gaps(pkt)
    return pkt


@cython.cfunc
@cython.locals(proto=Protocol, data=bytes, layer=Layer, pos=cython.Py_ssize_t,
               size=cython.Py_ssize_t, end=cython.Py_ssize_t, hdr_end=cython.Py_ssize_t,
               pp=cython.Py_ssize_t, check=cython.bint)  # fmt: skip
def _run(proto, data, layer, strict, checksums: cython.bint) -> cython.bint:
    """Run one protocol: unpack the header, run its tail, check its declared checksum (when
    `checksums`). An unexpected exception becomes an error issue (bytes kept)."""
    pos = layer.pos
    try:
        size = proto.size
        if layer.payload_end - pos >= size:
            if size:
                layer.values = proto.unpack(data, pos)
            layer.hdr_len = size
            layer.payload_pos = pos + size
            # Read before the tail: an ICMP error's own tail sets in_error for its quote.
            check = checksums and proto.checksum is not None
            quoted = check and layer.packet.ctx.in_error
            if proto.declares:
                _run_declared(proto, data, layer)
            elif proto.tail is not None:
                proto.tail(data, layer)
            if check and not (layer.stopped or layer.declined):
                _check_declared(proto.checksum, data, layer, quoted)
                if layer._fields is not None:  # the tail looked at the fields already
                    _insert_checksum_fields(layer, proto.checksum, layer._fields)
        else:
            proto.partial(data, layer, layer.payload_end - pos)
    except Exception as exc:
        if strict:
            raise
        log.debug("decoder %s failed", proto.name, exc_info=True)
        layer.issue("error", "malformed", f"{proto.name}.exception",
                    f"{proto.title} decoder stopped: {type(exc).__name__}: {exc}")  # fmt: skip
        layer.status = "malformed"
        layer.payload_end = max(layer.payload_end, pos)
        layer.hdr_len = min(max(layer.hdr_len, 0), layer.payload_end - pos)
        layer.payload_pos = pos + layer.hdr_len
        layer.next = DATA
        return layer.payload_pos < layer.payload_end
    end = layer.payload_end
    hdr_end = pos + layer.hdr_len
    if hdr_end > end:
        layer.hdr_len = end - pos
        hdr_end = end
    pp = layer.payload_pos
    if pp < hdr_end or pp > end:
        layer.payload_pos = pp = min(max(pp, hdr_end), end)
    return layer.status == "ok" or pp < end


@cython.cfunc
@cython.locals(proto=Protocol, layer=Layer, run=cython.bint, cond=tuple)
def _run_declared(proto, data: bytes, layer) -> cython.void:
    """The declared steps, then the tail when the declaration says it is needed."""
    run = True
    for cond in proto.guard:
        if not _holds(cond, layer.values):
            break  # not the header the steps describe: the tail takes the whole layer
    else:
        run = _declared_steps(proto, data, layer) or layer.packet.ctx.in_error
        if not run:
            if proto.tail_when is None:
                run = True
            else:
                for cond in proto.tail_when:
                    if _holds(cond, layer.values):
                        run = True
                        break
    if run and proto.tail is not None:
        proto.tail(data, layer)


@cython.cfunc
@cython.locals(pkt=Packet, layers=list, outer=Layer, layer=Layer, last=Layer, own=Protocol,
               reach=cython.Py_ssize_t, n=cython.Py_ssize_t, i=cython.Py_ssize_t)  # fmt: skip
def _cover_gaps(pkt) -> cython.void:
    """Bytes a layer held for its payload but no inner layer used become its padding;
    bytes past every layer become a data layer. The union of spans covers the frame.
    Layers decoded from other bytes (IPComp's inflated payload) come last and are passed
    over: their spans count in those bytes."""
    layers = pkt.layers
    n = len(layers)
    while n > 1 and layers[n - 1].packet is not pkt:
        n -= 1
    last = layers[n - 1]
    reach = last.pos + last.hdr_len if n > 1 else 0
    for i in range(n - 2, 0, -1):
        outer = layers[i]
        if reach < outer.payload_end and reach >= outer.payload_pos:
            n = outer.payload_end - reach
            own = outer.protocol
            if own.trailer is not None:
                _split_trailer(outer, reach, n)
            else:
                outer.add(own.padding, reach, n, pkt.data[reach : outer.payload_end])
            reach = outer.payload_end
        reach = max(reach, outer.pos + outer.hdr_len)
    if reach < pkt.caplen - pkt.ctx.fcs_len:  # (a frame check sequence a layer holds)
        layer = new_layer(DATA, pkt, reach, pkt.caplen)
        _data_tail(pkt.data, layer)
        layers.append(layer)


# Bytes after a link layer's payload, split as Wireshark does (packet-eth.c
# add_ethernet_trailer): zero padding up to the 60-byte minimum frame, then an undecoded
# trailer, and on a frame's own Ethernet header of 64 bytes or more a final 4-byte FCS.
MIN_FRAME = 60  # shortest Ethernet frame without its FCS
MIN_FRAME_WITH_FCS = 64
ETH_FCS = FieldSpec("eth.fcs", "Frame check sequence", "uint", 4, base=HEX,
                   explain="The frame check sequence: a CRC-32 of the frame that lets the "
                   "receiving card drop frames corrupted on the wire.")  # fmt: skip
ETH_FCS_STATUS = FieldSpec("eth.fcs.status", "FCS Status", "str", generated=True,
                           explain=lambda v, _layer: "FCS verified: the CRC matches the frame."
                           if v == "good" else "FCS not verified: these last 4 bytes may be "
                           "the frame check sequence or just trailing bytes.")  # fmt: skip


@cython.locals(pkt=Packet, layer_=Layer, proto=Protocol, start_=cython.Py_ssize_t,
               padding=cython.Py_ssize_t, captured_=cython.Py_ssize_t)  # fmt: skip
def _split_trailer(layer: Layer, start: int, captured: int) -> None:
    """Add padding / trailer / FCS fields for data[start:start+captured] to `layer`."""
    layer_, start_, captured_ = layer, start, captured
    pkt = layer_.packet
    data = pkt.data
    proto = layer_.protocol
    padding = 0
    if pkt.wirelen >= MIN_FRAME and start_ < MIN_FRAME:
        padding = min(MIN_FRAME - start_, captured_)
        if any(data[start_ : start_ + padding]):
            padding = 0  # only zero bytes count as padding
        elif padding:
            layer_.add(proto.padding, start_, padding, data[start_ : start_ + padding])
    reported = max(captured_, pkt.wirelen - start_) - padding  # the trailer on the wire
    trail_cap = captured_ - padding
    has_fcs = (
        proto.fcs
        and layer_ is pkt.layers[1]
        and pkt.wirelen - layer_.pos >= MIN_FRAME_WITH_FCS
        and reported >= 4
    )
    if has_fcs:
        trail_cap = min(trail_cap, reported - 4)
    pos = start_ + padding
    if trail_cap > 0:
        layer_.add(proto.trailer, pos, trail_cap, data[pos : pos + trail_cap])
    pos += trail_cap
    if has_fcs and pos + 4 <= len(data):
        fcs = int.from_bytes(data[pos : pos + 4], "big")
        layer_.add(ETH_FCS, pos, 4, fcs)
        # Wireshark leaves a guessed FCS unverified; a CRC that matches proves it is one.
        good = zlib.crc32(data[layer_.pos : pos]) == int.from_bytes(data[pos : pos + 4], "little")
        layer_.add(ETH_FCS_STATUS, pos, 0, "good" if good else "unverified", 0, None, True)


# =============================================================================================
# Renderers: the list row, the -V tree, JSON
# =============================================================================================
# -- the list row ------------------------------------------------------------------------------
@cython.ccall  # a C call from the list's loop (summary_text)
@cython.locals(pkt_=Packet, every=list, layer=Layer, p=Protocol, k=cython.Py_ssize_t,
               limit=cython.Py_ssize_t, rank=cython.int, bad=cython.bint)  # fmt: skip
def columns(pkt: Packet) -> tuple[str, str, str, str, str, bool]:
    """Source, destination, protocol, info (escaped), status and bad-checksum flag, as
    Wireshark fills them: the topmost layer with addresses gives Source/Destination, the
    topmost non-data layer the Protocol, the topmost Info wins. One pass down the stack."""
    pkt_ = pkt
    every = pkt_.layers
    limit = len(every)
    if pkt_.ctx.column_layers:  # ICMP errors: the quoted packet fills no column
        limit = min(pkt_.ctx.column_layers, limit)
    src = dst = info = proto = None
    joining = False  # the Protocol column so far joins the carrier's name below ("SIP/SDP")
    for k in range(limit - 1, 0, -1):
        layer = every[k]
        p = layer.protocol
        if p is not DATA and (proto is None or joining):
            proto = p.short if proto is None else p.short + "/" + proto
            joining = p.joins_column
        if info is None and p.info is not None:
            info = _layer_info(layer) or None
        if src is None and p.addresses is not None:
            src, dst = _layer_addresses(layer, p)
        if src is not None and info is not None and proto is not None and not joining:
            break
    # The worst status of any layer, and whether a checksum is bad: one loop.
    bad = False
    rank = 0
    for k in range(len(every)):
        layer = every[k]
        if layer.status != "ok":
            rank = max(rank, STATUS_RANK[layer.status])
        if layer.issues and not bad and 0 < k < limit:
            for i in layer.issues:
                if i.group == "checksum":
                    bad = True
                    break
    if pkt_.linktype >= PCAPNG_CUSTOM_BLOCK:  # not a packet (is_record, inlined for the list)
        proto, info = RECORD_COLUMN, record_info(pkt_)
    info = info or f"{pkt_.caplen} bytes"
    status = _STATUSES[rank]
    if rank:
        why = _first_message(pkt_, status)
        info = f"{info} [{'Malformed' if status == 'malformed' else 'Truncated'}{why}]"
    return src or "", dst or "", proto or "DATA", safe_text(info, 300), status, bad


@cython.locals(layer=Layer)
def _first_message(pkt: Packet, group: str) -> str:
    for layer in pkt.layers:
        for i in layer.issues:
            if i.group == group:
                return f": {i.message}"
    return ""


@cython.cfunc
@cython.locals(layer=Layer, p=Protocol)
def _layer_addresses(layer, p) -> tuple:
    if layer.values is None and not layer.extra:
        return None, None
    if p.address_specs is not None and layer.values is not None:
        # fixed-header addresses, whose text is always safe
        s = _read(p.address_specs[0], layer.values)
        d = _read(p.address_specs[1], layer.values)
        return (s, d) if s is not None and d is not None else (None, None)
    names = p.addresses
    s, d = layer.value(names[0]), layer.value(names[1])
    if s is None or d is None:
        return None, None
    return safe_text(str(s), 64), safe_text(str(d), 64)


@cython.cfunc
@cython.locals(layer=Layer)
def _layer_info(layer) -> object:
    try:
        return layer.protocol.info(layer)
    except Exception:  # a row must never fail to draw
        return ""


ROW_INT_MAX = 1 << 62  # numbers below this are C integers in the compiled row
EXACT_NS = 9_000_000_000_000_000  # below this, d / 1e9 is within 1 ns of exact (see _seconds)
_SPACES = tuple(" " * n for n in range(18))
_LINE = "%6d %12.6f %17s → %-17s %-6s %5d %s"
_UNTIMED_LINE = "%6d %12s %17s → %-17s %-6s %5d %s"  # a record without a time


@cython.ccall  # a C call from the list's loop (summary_text)
@cython.locals(pkt_=Packet)
def row_line(pkt: Packet, t0_ns: int = 0) -> str:
    """The packet's list row as the batch CLI prints it (time relative to t0_ns)."""
    pkt_ = pkt
    src, dst, proto, info, _status, _bad = columns(pkt_)
    if pkt_.linktype >= PCAPNG_CUSTOM_BLOCK:  # a record without a time (is_record, inlined)
        return untimed_row_text(pkt_.number, src, dst, proto, pkt_.wirelen, info)
    return row_text(pkt_.number, pkt_.time_ns - t0_ns, src, dst, proto, pkt_.wirelen, info)


def untimed_row_text(number: int, src: str, dst: str, proto: str, length: int, info: str) -> str:
    """row_text's line with an empty Time column: a record without a time."""
    return _UNTIMED_LINE % (number, "", src, dst, proto, length, info)


@cython.ccall  # a C call from the list's loop (summary_text)
@cython.locals(number_=cython.longlong, length_=cython.longlong, d=cython.longlong, secs=str,
               src_=str, dst_=str, proto_=str, info_=str)  # fmt: skip
def row_text(
    number: int, delta_ns: int, src: str, dst: str, proto: str, length: int, info: str
) -> str:
    """'%6d %12.6f %17s → %-17s %-6s %5d %s' of the columns, the time given in ns. The
    columns are padded with ready-made runs of spaces, and numbers are written from C
    integers: several times faster than %-formatting, with the same text."""
    if not (
        0 <= number < ROW_INT_MAX and 0 <= length < ROW_INT_MAX and -EXACT_NS < delta_ns < EXACT_NS
    ):
        return _LINE % (number, delta_ns / 1e9, src, dst, proto, length, info)
    number_, length_, d = number, length, delta_ns
    src_, dst_, proto_, info_ = src, dst, proto, info
    secs = _seconds(d)
    return (
        f"{number_:6d} {_pad(12 - len(secs))}{secs} {_pad(17 - len(src_))}{src_} → "
        f"{dst_}{_pad(17 - len(dst_))} {proto_}{_pad(6 - len(proto_))} {length_:5d} {info_}"
    )


@cython.cfunc
@cython.locals(n=cython.Py_ssize_t)
def _pad(n) -> str:
    return _SPACES[n] if n > 0 else ""


@cython.ccall
@cython.locals(d=cython.longlong, neg=cython.bint, n=cython.longlong, us=cython.longlong,
               r=cython.longlong, sec=cython.longlong, frac=cython.longlong)  # fmt: skip
def _seconds(d) -> str:
    """What "%.6f" % (d / 1e9) prints, for |d| < EXACT_NS, from integers. There the float
    d / 1e9 is within 1 ns of exact (half an ulp is under 1e-9 s), and an exact value at a
    whole number of ns is at least 1 ns from a rounding tie unless it is one: integer
    rounding then gives the float's digits. A tie (d % 1000 == 500) is left to the float."""
    neg = d < 0
    n = -d if neg else d
    us, r = n // 1000, n % 1000
    if r == 500:
        return "%.6f" % (d / 1e9)
    if r > 500:
        us += 1
    sec, frac = us // 1_000_000, us % 1_000_000
    return f"-{sec}.{frac:06d}" if neg else f"{sec}.{frac:06d}"


@cython.locals(out=list, pkt=Packet)
def summary_text(rows: Iterable[tuple], t0_ns: int, strict: bool = False) -> str:
    """Each row's summary line (rows of CaptureIndex.rows()), each ending in a newline: the
    batch CLI's loop over a chunk of a capture. A row shows no checksum, so none is
    verified (about a tenth of decoding a TCP/IP packet)."""
    out = []
    for number, time_ns, _cap, wirelen, linktype, iface, data, comment in rows:
        pkt = _decode(data, linktype, number, time_ns, wirelen, iface, None, comment, None,
                      strict, None, False)  # fmt: skip
        out.append(row_line(pkt, t0_ns))
        pkt.release()
    out.append("")
    return "\n".join(out)


# -- the -V tree ----------------------------------------------------------------------------------
_INDENT = tuple("    " * n for n in range(64))
KEPT_DEPTH = 5  # -V lines kept whole per spec and value down to this depth (TCP options: 3)
TREE_LAYER, TREE_FIELD, TREE_ISSUE = "layer", "field", "issue"


@cython.locals(pkt_=Packet, layer=Layer, f=Field, iss=Issue, p=Protocol, item=object)
def tree_rows(pkt: Packet, spans: bool, kinds: list | None = None) -> list[str]:
    """The -V tree's lines, indented; when `kinds` is a list, each line's kind ("layer",
    "field", "issue") is appended to it. Each layer opens with its OSI layer:
    "Layer 3 · Network — Internet Protocol Version 4, …". A layer whose fields are not
    built yet is rendered from its items: the fixed header's lines come straight from the
    unpacked header tuple, no Field made for them (docs/ARCHITECTURE.md, "The engine")."""
    pkt_ = pkt
    out: list[str] = []
    for layer in pkt_.layers:
        # a layer decoded from reassembled bytes belongs to the packet holding those bytes
        data = pkt_.data if layer.packet is None else layer.packet.data
        p = layer.protocol
        title = p.tree_prefix + safe_text(p.title_of(layer), 400)
        if layer.status != "ok":
            title += f" [{layer.status}]"
        if spans and layer.protocol is not FRAME:
            title += f" [{layer.pos}:{layer.hdr_len}]"
        out.append(title)
        if kinds is not None:
            kinds.append(TREE_LAYER)
        if layer._fields is None:
            if layer.items is None:
                layer.items = _layer_items(layer)
            for item in layer.items:
                if type(item) is Field:
                    _field_rows(out, kinds, data, item, 1, spans)
                else:
                    _spec_rows(out, kinds, data, item, layer.values, layer.pos, 1, spans)
        else:
            for f in layer._fields:
                _field_rows(out, kinds, data, f, 1, spans)
        for iss in layer.issues:
            out.append(f"    [Expert Info ({iss.severity}/{iss.group}): "
                       f"{safe_text(iss.message, 400)}]")  # fmt: skip
            if kinds is not None:
                kinds.append(TREE_ISSUE)
    return out


@cython.cfunc
@cython.locals(out=list, f=Field, c=Field, depth=cython.Py_ssize_t, spans=cython.bint)
def _field_rows(out, kinds, data: bytes, f, depth, spans) -> cython.void:
    if f.spec.hidden:
        return
    _row(out, kinds, data, f.spec, f.pos, f.len, f.value, f.mask, f.generated, depth, spans)
    if f.children:
        for c in f.children:
            _field_rows(out, kinds, data, c, depth + 1, spans)


@cython.cfunc
@cython.locals(out=list, spec=FieldSpec, c=FieldSpec, base=cython.Py_ssize_t,
               depth=cython.Py_ssize_t, spans=cython.bint)  # fmt: skip
def _spec_rows(out, kinds, data: bytes, spec, vals: tuple, base, depth, spans) -> cython.void:
    """_field_rows of a fixed-header field not built: its place, value and mask from the
    declaration and the layer's unpacked header tuple, as _fixed_field would give them."""
    if spec.hidden:
        return
    _row(out, kinds, data, spec, base + spec.offset, spec.width or 0, _read(spec, vals),
         spec.mask, False, depth, spans)  # fmt: skip
    for c in spec.children:
        _spec_rows(out, kinds, data, c, vals, base, depth + 1, spans)


@cython.cfunc
@cython.locals(out=list, spec=FieldSpec, pos=cython.Py_ssize_t, length=cython.Py_ssize_t,
               generated=cython.bint, depth=cython.Py_ssize_t, spans=cython.bint)  # fmt: skip
def _row(out, kinds, data: bytes, spec, pos, length, value, mask, generated, depth,
         spans) -> cython.void:  # fmt: skip
    """One field's -V line: kept whole (_kept_line) or made (_line_text), indented."""
    text = None if spans or depth > KEPT_DEPTH else _kept_line(data, spec, pos, length, value,
                                                               mask, generated, depth)  # fmt: skip
    if text is None:
        text = _INDENT[min(depth, 63)] + _line_text(data, spec, pos, length, value, mask,
                                                    generated, spans)  # fmt: skip
    out.append(text)
    if kinds is not None:
        kinds.append(TREE_FIELD)


@cython.cfunc
@cython.locals(spec=FieldSpec, pos=cython.Py_ssize_t, length=cython.Py_ssize_t,
               generated=cython.bint, cache=dict, end=cython.Py_ssize_t,
               word=cython.ulonglong, depth=cython.Py_ssize_t)  # fmt: skip
def _kept_line(data: bytes, spec, pos, length, v, mask, generated, depth):
    """A field's -V line at depth 1 to KEPT_DEPTH from its spec's tree_lines (made and
    kept on first use), or None where _line_text must make it: raw text, a field with its
    own mask or width, a value that is not kept (_cacheable), a varied field's, a field
    generated where its spec is not (the kept lines of a generated spec are bracketed)."""
    if spec.raw or spec.varied or generated != spec.generated:
        return None
    spec.looks += 1
    while len(spec.tree_lines) < depth:
        spec.tree_lines.append({})
    cache = spec.tree_lines[depth - 1]
    if not (mask and length and spec.bits):
        if not _cacheable(v):
            return None
        entry = cache.get(v)
        if entry is None:
            entry = (v, _INDENT[depth] + _generated_mark(spec, spec.line(v)))
            _keep(spec, cache, v, entry)
        return entry[1]
    end = pos + length
    if not (cython.compiled and mask == spec.mask and length == (spec.width or 1)
            and length <= 8 and 0 <= pos and end <= len(data)):  # fmt: skip
        return None
    word = _be_word(data, pos, end)
    entry = cache.get(word)
    # the value is the word's bits, but a decoder may add another: the kept line is
    # used only for the value it was made for (bool and int kept apart)
    if entry is None or entry[0] != v or type(entry[0]) is not type(v):
        text = spec.bit_pattern(word) + " = " + spec.line(v)
        entry = (v, _INDENT[depth] + _generated_mark(spec, text))
        _keep(spec, cache, word, entry)
    return entry[1]


@cython.cfunc
@cython.locals(spec=FieldSpec)
def _generated_mark(spec, text: str) -> str:
    """A generated field's line is bracketed, as _line_text makes it."""
    return "[" + text + "]" if spec.generated else text


@cython.cfunc
@cython.locals(spec=FieldSpec, length=cython.Py_ssize_t)
def _pattern(spec, mask, length, word) -> str:
    """The field's bit line: the spec's (kept per word), or the field's own mask's over
    the field's own bytes."""
    if mask == spec.mask and length == (spec.width or 1):
        return spec.bit_pattern(word)
    return spec.pattern_of(word, mask, spec.bits if spec.bits >= 0 else length * 8)


@cython.ccall
@cython.locals(f_=Field)
def field_text(data: bytes, f: Field, spans: bool = False) -> str:
    """'Label: value' as Wireshark shows it, escaped; bit fields get their bit pattern,
    generated fields brackets, and with spans the field's [pos:len] and mask."""
    f_ = f
    return _line_text(data, f_.spec, f_.pos, f_.len, f_.value, f_.mask, f_.generated, spans)


@cython.cfunc
@cython.locals(spec=FieldSpec, pos=cython.Py_ssize_t, length=cython.Py_ssize_t,
               generated=cython.bint, spans=cython.bint, text=str, end=cython.Py_ssize_t)  # fmt: skip
def _line_text(data: bytes, spec, pos, length, value, mask, generated, spans) -> str:
    """field_text of a field given by its parts: a Field's, or a fixed-header field's that
    was not built (_spec_rows)."""
    if spec.raw:
        raw = data[pos : pos + length]
        text = safe_text(raw.decode("ascii", "replace"), 4096)
    else:
        text = spec.line(value)
    if mask and length and spec.bits:
        end = pos + length
        if cython.compiled and length <= 8 and 0 <= pos and end <= len(data):
            text = _pattern(spec, mask, length, _be_word(data, pos, end)) + " = " + text
        else:
            text = _pattern(spec, mask, length, int.from_bytes(data[pos:end], "big")) + " = " + text
    if generated:
        text = "[" + text + "]"
    if spans:
        text += f" [{pos}:{length}" + (f" mask 0x{mask:x}]" if mask else "]")
    return text


def tree_text(pkt: Packet, spans: bool = False) -> str:
    """The -V tree of one packet."""
    return "\n".join(tree_rows(pkt, spans))


# -- JSON -----------------------------------------------------------------------------------------
# The -T json shape (README): a packet is {"number", "time_ns", "len", "caplen", "linktype",
# "interface", "status", "layers": [...]} (+ "bytes" with -x); a layer {"protocol", "title",
# "osi", "pos", "len", "status", "issues", "fields"}; a field {"name", "label", "value",
# "show", "pos", "len", "mask", "fields"}. Written straight to text with the separators
# json.dumps uses by default; each spec's '{"name": …, "label": …, "value": ' is made once.
def json_value(v: Any) -> Any:
    """A field value as JSON holds it: bytes as hex, addresses and the like as text."""
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v).hex()
    return str(v)


_INF = float("inf")


@cython.cfunc
def _json_scalar(v) -> str:
    t = type(v)
    if t is int:
        return str(v)
    if t is str:
        return _json_str(v)
    if t is bool:
        return "true" if v else "false"
    if v is None:
        return "null"
    if t is bytes:
        return '"' + v.hex() + '"'
    if t is float:  # json.dumps' text of a float, without its encoder (times, RTTs)
        if v != v:
            return "NaN"
        if v == _INF or v == -_INF:
            return "Infinity" if v > 0 else "-Infinity"
        return float.__repr__(v)
    return json.dumps(json_value(v))


@cython.locals(pkt_=Packet, layer=Layer, f=Field, iss=Issue, parts=list)
def packet_json(pkt: Packet, with_bytes: bool = False) -> str:
    """One packet as JSON text (json.dumps of packet_dict, written directly)."""
    pkt_ = pkt
    time_ns, linktype, interface = record_facts(pkt_)
    parts = [
        '{"number": ', _json_scalar(pkt_.number), ', "time_ns": ', _json_scalar(time_ns),
        ', "len": ', str(pkt_.wirelen), ', "caplen": ', str(pkt_.caplen),
        ', "linktype": ', _json_scalar(linktype), ', "interface": ',
        _json_scalar(interface), ', "status": ', _json_str(pkt_.status), ', "layers": [',
    ]  # fmt: skip
    first = True
    for layer in pkt_.layers:
        if not first:
            parts.append(", ")
        first = False
        _layer_json(parts, layer)
    parts.append("]")
    if with_bytes:
        parts.append(', "bytes": "' + pkt_.data.hex() + '"')
    parts.append("}")
    return "".join(parts)


@cython.cfunc
@cython.locals(parts=list, layer=Layer, f=Field, iss=Issue, first=cython.bint)
def _layer_json(parts, layer) -> cython.void:
    proto = layer.protocol
    parts += [
        '{"protocol": ', _json_str(proto.name), ', "title": ', _json_str(layer.title),
        ', "osi": ', str(int(proto.osi)), ', "pos": ', str(layer.pos), ', "len": ',
        str(layer.hdr_len), ', "status": ', _json_str(layer.status), ', "issues": [',
    ]  # fmt: skip
    if layer.packet is not None and layer.packet.source is not None:  # pos, len: into it
        parts[-1] = ', "source": ' + _json_str(layer.packet.source) + ', "issues": ['
    first = True
    for iss in layer.issues:
        if not first:
            parts.append(", ")
        first = False
        parts += ['{"severity": ', _json_str(iss.severity), ', "code": ', _json_str(iss.code),
                  ', "message": ', _json_str(iss.message), ', "pos": ', str(iss.pos),
                  ', "len": ', str(iss.len), "}"]  # fmt: skip
    parts.append('], "fields": [')
    _fields_json(parts, layer.fields)
    parts.append("]}")


@cython.cfunc
@cython.locals(parts=list, fields=list, f=Field, spec=FieldSpec, at=str)
def _fields_json(parts, fields) -> cython.void:
    """The fields as JSON objects, each followed by ", " but the last: a field without
    children is two kept texts (json_open, json_leaf)."""
    if not fields:
        return
    for f in fields:
        spec = f.spec
        mask = f.mask
        parts.append(spec.json_open(f.value))
        if type(mask) is not int:
            at = f', "pos": {f.pos}, "len": {f.len}, "mask": {mask}, "fields": ['
            if not f.children:
                parts.append(at + "]}, ")
                continue
        elif f.pos == spec.json_pos and f.len == spec.json_len and mask == spec.json_mask:
            if not f.children:  # (json_mask is an int: only ints are kept)
                parts.append(spec.json_leaf)
                continue
            at = spec.json_at
        else:
            at = f', "pos": {f.pos}, "len": {f.len}, "mask": {mask}, "fields": ['
            spec.json_at, spec.json_leaf = at, at + "]}, "
            spec.json_pos, spec.json_len, spec.json_mask = f.pos, f.len, mask
            if not f.children:
                parts.append(spec.json_leaf)
                continue
        parts.append(at)
        _fields_json(parts, f.children)
        parts.append("]}, ")
    parts[-1] = parts[-1][:-2]  # no separator after the last field


def field_dict(f: Field) -> dict[str, Any]:
    """A field as a dict of the JSON shape (for Python callers; -T json writes text)."""
    spec, v, kids = f.spec, f.value, f.children
    return {
        "name": spec.name, "label": spec.label, "value": json_value(v), "show": spec.show(v),
        "pos": f.pos, "len": f.len, "mask": f.mask,
        "fields": [field_dict(c) for c in kids] if kids else [],
    }  # fmt: skip


def layer_dict(layer: Layer) -> dict[str, Any]:
    return {
        "protocol": layer.protocol.name, "title": layer.title, "osi": int(layer.osi),
        "pos": layer.pos, "len": layer.len, "status": layer.status,
        **({"source": layer.packet.source} if layer.packet is not None
           and layer.packet.source is not None else {}),
        "issues": [{"severity": i.severity, "code": i.code, "message": i.message,
                    "pos": i.pos, "len": i.len} for i in layer.issues],
        "fields": [field_dict(f) for f in layer.fields],
    }  # fmt: skip


def packet_dict(pkt: Packet, with_bytes: bool = False) -> dict[str, Any]:
    """The packet as the dicts and lists -T json writes (json.loads of packet_json)."""
    time_ns, linktype, interface = record_facts(pkt)
    d: dict[str, Any] = {
        "number": pkt.number, "time_ns": time_ns, "len": pkt.wirelen, "caplen": pkt.caplen,
        "linktype": linktype, "interface": interface, "status": pkt.status,
        "layers": [layer_dict(layer) for layer in pkt.layers],
    }  # fmt: skip
    if with_bytes:
        d["bytes"] = pkt.data.hex()
    return d
