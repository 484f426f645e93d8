"""Field kinds and their formatters, and the global registry of filter names.

A FieldSpec is one line of a protocol's wire-layout table. Its kind says how raw bytes
become a value and how a value is shown; names are Wireshark display-filter names and a
duplicate name declared by a different spec fails at import.
"""

from __future__ import annotations

import socket
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

try:
    import cython  # compiled (setup.py): the character loop in _plain becomes C
except ModuleNotFoundError:  # pure Python without Cython installed
    from ._compiled import cython

DEC, HEX, DEC_HEX = "dec", "hex", "dec_hex"

# Kinds whose raw value is an integer read from the header (and may carry a mask).
INT_KINDS = frozenset({"uint", "bits", "flag", "int"})
# FieldSpec.how: the value is vals[idx], (vals[idx] & wmask) >> shift, a flag bit, get(vals),
# ((vals[idx] & wmask) >> shift) * scale, or conv(vals[idx]) (addresses)
GET_ITEM, GET_BITS, GET_FLAG, GET_CALL, GET_SCALED, GET_CONV = 0, 1, 2, 3, 4, 5

FIELDS: dict[str, FieldSpec] = {}
ALIASES: dict[str, tuple[str, ...]] = {}


class FieldSpec:
    """Declaration of one field: name, label, kind, width and display rules."""

    __slots__ = (
        "name", "label", "kind", "width", "mask", "at", "base", "names", "children",
        "scale", "unit", "generated", "signed", "conv",
        # compiled by Protocol.compile(): position inside the unpacked header tuple
        "offset", "idx", "wmask", "shift", "frombytes", "parent", "get", "how", "fmt",
    )  # fmt: skip

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
        names: Mapping[int, str] | Callable[[Any], str | None] | None = None,
        children: tuple[FieldSpec, ...] = (),
        scale: int = 1,
        unit: str = "",
        generated: bool = False,
        signed: bool = False,
    ) -> None:
        self.name, self.label, self.kind, self.width = name, label, kind, width
        self.mask, self.at, self.base, self.names = mask, at, base, names
        self.children, self.scale, self.unit = children, scale, unit
        self.generated, self.signed = generated, signed
        self.conv = CONVERTERS.get(kind)
        self.offset = self.idx = self.wmask = self.shift = 0
        self.frombytes = False
        self.parent: FieldSpec | None = None
        # compiled by Protocol.compile(): value of this field from the unpacked header tuple
        self.get: Callable[[tuple], Any] | None = None
        self.how = GET_CALL  # how build_fields reads the value (see protocol._how)
        self.fmt: Callable[[Any], str] | None = None  # show(), specialised on first use
        register(self)
        for child in children:
            child.parent = self
            if child.width is None:
                child.width = width

    # -- values ----------------------------------------------------------------
    def from_bytes(self, raw: bytes) -> Any:
        """Value of this field from exactly its own bytes (slow path, for partial headers)."""
        if self.kind in INT_KINDS:
            v = int.from_bytes(raw, "big", signed=self.signed)
            if self.mask:
                v = (v & self.mask) >> shift_of(self.mask)
            if self.kind == "flag":
                return bool(v)
            return v * self.scale
        return self.conv(bytes(raw)) if self.conv else bytes(raw)

    # -- display -----------------------------------------------------------------
    def show(self, value: Any) -> str:
        fmt = self.fmt
        if fmt is None:
            fmt = self.fmt = _formatter(self)
        return fmt(value)

    def bit_pattern(self, raw_word: int) -> str:
        """Wireshark-style bit line, e.g. '.1.. ....' for mask 0x40 in one byte."""
        bits = (self.width or 1) * 8
        out = []
        for i in range(bits - 1, -1, -1):
            out.append(str((raw_word >> i) & 1) if (self.mask >> i) & 1 else ".")
            if i and i % 4 == 0:
                out.append(" ")
        return "".join(out)

    def __repr__(self) -> str:
        return f"FieldSpec({self.name})"


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
        elif spec.base == DEC_HEX:
            plain = lambda v: f"{v} (0x{v:x})"  # noqa: E731
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
    lookup = names if callable(names) else names.get

    def named(v: Any) -> str:
        t, name = text(v), lookup(v)
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
            return f"{value} (0x{value:x})"
        return f"{value}{spec.unit}"
    if isinstance(value, bytes | bytearray | memoryview):
        return hex_bytes(bytes(value))
    if isinstance(value, str):
        return safe_text(value) if kind == "text" else value
    if kind == "time_ns" and isinstance(value, int):
        secs, ns = divmod(value, 1_000_000_000)
        try:
            stamp = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%d %H:%M:%S")
        except (OverflowError, OSError, ValueError):
            return f"{value} ns since the epoch"
        return f"{stamp}.{ns:09d} UTC"
    if isinstance(value, float):
        return f"{value:.9f}".rstrip("0").rstrip(".") + spec.unit
    return f"{value}{spec.unit}"


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


def _plain(s):  # typed in fields.pxd
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


IPV4_TEXT_MAX = 4096
_IPV4_TEXT: dict[bytes, str] = {}


def ipv6_str(b: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, b)


CONVERTERS: dict[str, Callable[[bytes], Any]] = {
    "mac": mac_str,
    "ipv4": ipv4_str,
    "ipv6": ipv6_str,
}


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


# -- constructors: one line of a wire-layout table -----------------------------------
def U8(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 1, **kw)


def U16(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 2, **kw)


def U24(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 3, **kw)


def U32(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 4, **kw)


def U64(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 8, **kw)


def Bits(name: str, label: str, width: int | None = None, *, mask: int, **kw: Any) -> FieldSpec:
    """Bits of `width` bytes selected by `mask`; width None = the parent's (or 1 at top level)."""
    return FieldSpec(name, label, "bits", width, mask=mask, **kw)


def Flag(name: str, label: str, mask: int, width: int | None = None, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "flag", width, mask=mask, **kw)


def Mac(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "mac", 6, **kw)


def IPv4(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "ipv4", 4, **kw)


def IPv6(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "ipv6", 16, **kw)


def Bytes(name: str, label: str, width: int | None = None, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "bytes", width, **kw)


def Text(name: str, label: str, **kw: Any) -> FieldSpec:
    """Text from the packet: untrusted, shown with control characters escaped."""
    return FieldSpec(name, label, "text", None, **kw)


def Str(name: str, label: str, **kw: Any) -> FieldSpec:
    """A string we compute (status words, names), not packet text."""
    return FieldSpec(name, label, "str", None, **kw)


def Bool(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "bool", None, **kw)


def Int(name: str, label: str, **kw: Any) -> FieldSpec:
    """A computed integer (generated fields such as tcp.len)."""
    return FieldSpec(name, label, "int", None, **kw)


def TimeNs(name: str, label: str, **kw: Any) -> FieldSpec:
    """Absolute time as integer nanoseconds since the epoch, shown as a UTC date."""
    return FieldSpec(name, label, "time_ns", None, **kw)


def Float(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "float", None, **kw)
