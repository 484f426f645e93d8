"""Display filters: Wireshark's filter syntax over our field names, compiled once.

    tcp.port == 80 && !(ip.addr == 10.0.0.0/8)       http.request.uri contains "index"
    tcp.port in {80 443 8000-8080}                    dns.qry.name matches "(?i)example"

Grammar (Wireshark 4 semantics, `and` binds tighter than `or`, as tshark does)::

    expr    := and ( ("or" | "||") and )*
    and     := unary ( ("and" | "&&") unary )*
    unary   := ("not" | "!") unary | "(" expr ")" | test
    test    := operand [ relop operand | "in" "{" item* "}" | "contains" operand
                        | "matches" string ]
    relop   := == != === !== ~= < <= > >= eq ne lt le gt ge

A bare field or protocol name tests presence. A comparison is true when *any* occurrence of
the field matches (`ip.addr` is both addresses); `!=` means "present, and no occurrence
equals", `===` "present, and every occurrence equals", `!==`/`~=` "some occurrence differs"
(what tshark 4.0 does). Any comparison is false when the field is absent. Literals take the
type of the field:
integers (decimal, 0x hex, 0 octal, or a value name such as `ip.proto == "TCP"`), IPv4/IPv6
addresses with optional /prefix, MAC addresses (`:`, `-` or `.` separated), byte strings
(`47:45:54`), quoted strings (C escapes; `r"..."` raw) and booleans (1/0/true/false).
`matches` is a regular expression run in linear time (dissect/regex.py: RE2 syntax, much
as Wireshark's PCRE2 minus backreferences and lookaround; `(?i)` makes it case-insensitive).

Pseudo-fields beyond the decoded tree (names from Wireshark where it has them):
  frame.number, frame.len, frame.cap_len, frame.time_relative (seconds since the first
  packet), frame.time_epoch (seconds), frame.interface_id, frame.encap_type, frame.comment;
  frame.protocols ("eth:ethertype:ip:tcp:http", as Wireshark: the layer names with its
  "ethertype" dispatcher and TCP's "mptcp" options between them); frame.status ("ok", "truncated",
  "malformed": layerscope's own);
  _ws.malformed (present on a malformed packet), _ws.short (present on a truncated one),
  _ws.expert (present when the packet has any issue) with _ws.expert.message,
  _ws.expert.severity ("error", "warning", "note", "chat"), _ws.expert.group
  ("malformed", "truncated", "checksum", "protocol", "sequence") and _ws.expert.code (the
  issue's own filter-style code such as "udp.length.bad": layerscope's own).
Checksum status fields hold "good", "bad" or "unverified" (compared case-insensitively) and
also accept Wireshark's numbers 0 (bad), 1 (good) and 2 (unverified).

Every string compiles or is rejected with a FilterError: filters longer than MAX_LENGTH
characters, or nesting "(" and "!" more than MAX_DEPTH deep, are refused up front, so
neither parsing nor evaluating can run out of stack.

`compile_filter(text)` raises FilterError (message + column) or returns a Filter whose
`match(packet)` / `match_frame(...)` is the predicate. It decodes only up to the deepest
protocol the filter names (see `Filter.upto`); dissect/fastfilter.py evaluates what it can
of the same tree over a whole capture index at once.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import socket
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import protocols  # noqa: F401  (every protocol registers its fields first)
from .engine import (
    ALIASES,
    FIELDS,
    PROTOCOLS,
    FieldSpec,
    Packet,
    Protocol,
    decode,
    next_protocol,
    safe_text,
)
from .linktypes import is_record
from .protocol import protocol_path
from .regex import RegexError, compile_search

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "Filter", "FilterError", "compile_filter", "complete",
           "field_names"]  # fmt: skip

MAX_LENGTH = 65_536  # characters in a filter: compiling and testing one stay cheap
MAX_DEPTH = 64  # "(" and "!" inside one another: evaluation recurses once per level


class FilterError(ValueError):
    """An invalid filter: a one-line message and the 0-based column it points at. Parts
    of the filter quoted in the message come out inert (control characters escaped)."""

    def __init__(self, message: str, pos: int, length: int = 1) -> None:
        message = safe_text(message, 1000)
        super().__init__(message)
        self.message, self.pos, self.length = message, pos, max(1, length)

    @property
    def column(self) -> int:
        """1-based column, for messages."""
        return self.pos + 1

    def pointer(self, text: str, indent: str = "    ") -> str:
        """The filter echoed with a caret line under the offending part (tshark's way)."""
        return f"{indent}{text}\n{indent}{' ' * self.pos}^{'~' * (self.length - 1)}"


def _shown(text: str) -> str:
    """A piece of the filter quoted in a message: short, and inert on a terminal."""
    return safe_text(text, 40)


# -- lexer ------------------------------------------------------------------------------
@dataclass(slots=True)
class Token:
    kind: str  # word string op and or not ( ) { } , in contains matches end
    text: str
    pos: int
    value: str = ""  # a string literal's decoded text
    spots: list[int] | None = None  # where each character of value is in the filter


KEYWORDS = {"and": "and", "or": "or", "not": "not", "in": "in", "contains": "contains",
            "matches": "matches", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
            "ge": ">=", "any_eq": "==", "all_ne": "!=", "all_eq": "===", "any_ne": "!=="}  # fmt: skip
SYMBOLS = (("===", "op"), ("!==", "op"), ("==", "op"), ("!=", "op"), ("~=", "op"), ("<=", "op"),
           (">=", "op"), ("&&", "and"), ("||", "or"), ("<", "op"), (">", "op"), ("!", "not"),
           ("(", "("), (")", ")"), ("{", "{"), ("}", "}"), (",", ","))  # fmt: skip
WORD = re.compile(r"[A-Za-z0-9_.:/+\-]+")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
           "v": "\v", '"': '"', "\\": "\\", "'": "'"}  # fmt: skip


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"' or (c == "r" and text[i + 1 : i + 2] == '"'):
            tok = _string(text, i)
            out.append(tok)
            i += len(tok.text)
        elif (sym := _symbol(text, i)) is not None:
            out.append(Token(sym[1], sym[0], i))
            i += len(sym[0])
        elif m := WORD.match(text, i):
            word = m.group()
            kind = KEYWORDS.get(word.lower(), "word")
            out.append(_keyword(kind, word, i))
            i = m.end()
        else:
            _bad_char(text, i)
    out.append(Token("end", "", n))
    return out


def _keyword(kind: str, word: str, pos: int) -> Token:
    if kind in ("and", "or", "not", "in", "contains", "matches", "word"):
        return Token(kind, word, pos)
    return Token("op", kind, pos)  # eq, ne, ... become their symbols


def _symbol(text: str, i: int) -> tuple[str, str] | None:
    for sym, kind in SYMBOLS:
        if text.startswith(sym, i):
            return sym, kind
    return None


def _bad_char(text: str, i: int) -> None:
    c = text[i]
    if c == "[":
        raise FilterError("slices ([i:j]) are not supported", i)
    if c == "=":
        raise FilterError('"=" is not an operator (did you mean "=="?)', i)
    if c in "&|":
        raise FilterError(f'"{c}" is not an operator (did you mean "{c * 2}"?)', i)
    raise FilterError(f'unexpected character "{_shown(c)}"', i)


def _string(text: str, start: int) -> Token:
    """A double-quoted string with C escapes, or r"..." where backslashes stay."""
    raw = text[start] == "r"
    i = start + (2 if raw else 1)
    chars: list[str] = []
    spots: list[int] = []
    while i < len(text):
        c = text[i]
        if c == '"':
            return Token("string", text[start : i + 1], start, "".join(chars), spots)
        spots.append(i)
        if c == "\\" and i + 1 < len(text):
            if raw:
                chars.append(text[i : i + 2])
                spots.append(i + 1)
                i += 2
                continue
            i = _escape(text, i, chars)
            continue
        chars.append(c)
        i += 1
    raise FilterError("string is not terminated (missing closing quote)", start, len(text) - start)


def _escape(text: str, i: int, chars: list[str]) -> int:
    nxt = text[i + 1]
    if nxt in ESCAPES:
        chars.append(ESCAPES[nxt])
        return i + 2
    if nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[i + 2 : i + 4]):
        chars.append(chr(int(text[i + 2 : i + 4], 16)))
        return i + 4
    if re.fullmatch(r"[0-7]{3}", text[i + 1 : i + 4]):
        chars.append(chr(int(text[i + 1 : i + 4], 8)))
        return i + 4
    raise FilterError(f'unknown escape "\\{_shown(nxt)}" in string', i, 2)


# -- syntax tree ------------------------------------------------------------------------
@dataclass(slots=True)
class Operand:
    text: str
    pos: int
    quoted: bool = False
    value: str = ""  # decoded text (strings) or the word itself
    spots: list[int] | None = None  # a string's: where each character of value was written

    @property
    def length(self) -> int:
        return max(1, len(self.text))

    def spot(self, i: int) -> int:
        """The filter column (0-based) of character i of the value."""
        if self.spots:
            return self.spots[max(0, min(i, len(self.spots) - 1))]
        return self.pos + max(0, min(i, len(self.text) - 1))


@dataclass(slots=True)
class RawTest:
    """A test as parsed, before names and literals are resolved."""

    left: Operand
    op: str = ""  # "" = presence
    right: Operand | None = None
    items: list[Operand] = field(default_factory=list)  # `in` set
    op_pos: int = 0


@dataclass(slots=True)
class RawBool:
    op: str  # and | or | not
    items: list[Any]


class Parser:
    """Recursive descent over the tokens; every error carries the column of its token."""

    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise FilterError(f"the filter is longer than {MAX_LENGTH:,} characters", MAX_LENGTH)
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0  # "(" and "!" open around the current token

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Any:
        if self.tok.kind == "end":
            raise FilterError("empty filter", 0)
        tree = self.expr()
        if self.tok.kind != "end":
            self.unexpected(self.tok)
        return tree

    def unexpected(self, tok: Token) -> None:
        if tok.kind == "end":
            raise FilterError("unexpected end of filter", tok.pos)
        if tok.kind == ")":
            raise FilterError('")" without a matching "("', tok.pos)
        raise FilterError(f'"{_shown(tok.text)}" was unexpected here', tok.pos, len(tok.text))

    def expr(self) -> Any:
        items = [self.conj()]
        while self.tok.kind == "or":
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else RawBool("or", items)

    def conj(self) -> Any:
        items = [self.unary()]
        while self.tok.kind == "and":
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else RawBool("and", items)

    def unary(self) -> Any:
        tok = self.tok
        if tok.kind not in ("not", "("):
            return self.test()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(
                f'"(" and "!" nest more than {MAX_DEPTH} deep', tok.pos, len(tok.text)
            )
        self.take()
        if tok.kind == "not":
            inner = RawBool("not", [self.unary()])
        else:
            inner = self.expr()
            if self.tok.kind != ")":
                if self.tok.kind == "end":
                    raise FilterError('"(" is never closed', tok.pos)
                self.unexpected(self.tok)
            self.take()
        self.depth -= 1
        return inner

    def operand(self) -> Operand:
        tok = self.take()
        if tok.kind == "word":
            return Operand(tok.text, tok.pos, False, tok.text)
        if tok.kind == "string":
            return Operand(tok.text, tok.pos, True, tok.value, tok.spots)
        self.unexpected(tok)
        raise AssertionError  # unreachable: unexpected() raises

    def test(self) -> RawTest:
        left = self.operand()
        tok = self.tok
        if tok.kind == "op":
            self.take()
            return RawTest(left, tok.text, self.operand(), op_pos=tok.pos)
        if tok.kind in ("contains", "matches"):
            self.take()
            return RawTest(left, tok.kind, self.operand(), op_pos=tok.pos)
        if tok.kind == "in":
            self.take()
            return RawTest(left, "in", None, self.set_items(), op_pos=tok.pos)
        return RawTest(left)

    def set_items(self) -> list[Operand]:
        tok = self.take()
        if tok.kind != "{":
            raise FilterError('"in" needs a set in braces, e.g. {80 443 8000-8080}', tok.pos)
        items: list[Operand] = []
        while self.tok.kind != "}":
            if self.tok.kind == "end":
                raise FilterError('"{" is never closed', tok.pos)
            if self.tok.kind == ",":
                self.take()
                continue
            items.append(self.operand())
        self.take()
        if not items:
            raise FilterError("empty set", tok.pos)
        return items


# -- what a filter can name ------------------------------------------------------------
KIND_OF = {"uint": "int", "bits": "int", "int": "int", "flag": "bool", "bool": "bool"}
CHECKSUM_WORDS = {0: "bad", 1: "good", 2: "unverified"}  # Wireshark's numbers for them
SEVERITY_WORDS = {"warn": "warning"}  # Wireshark says "warning"
# Fields some other protocol's layer files too (Wireshark's hidden duplicates).
EXTRA_OWNERS = {"ip.version": ("ipv6",)}
# Protocols whose layers also hold another's fields: QUIC's CRYPTO frames carry TLS
# handshake messages, decoded by the TLS code into the QUIC layer (as Wireshark's tree).
CARRIERS = {"tls": ("quic",)}
_DEPTHS: dict[str, int] = {}


def rank(proto: Protocol) -> tuple[int, float]:
    """Where a protocol sits in a stack (lower = nearer the wire): its OSI layer, then how
    many layers at least come before it. `upto` is the filter's highest; protocols of equal
    rank have no order, so a filter naming two of them decodes the whole packet."""
    if not _DEPTHS:
        _DEPTHS.update(_depths())
    return int(proto.osi), _DEPTHS.get(proto.name, float("inf"))


def _depths() -> dict[str, int]:
    """The fewest layers before each protocol: breadth first from the link types through
    the dispatch tables the protocols declare (next_by), heuristics included. A protocol
    reached only through a table no declaration names (LLC, text in HTTP) comes last in
    its OSI layer."""
    from .engine import HEURISTICS, LINKTYPES, TABLES, lookup

    depth: dict[str, int] = {}
    level = [lookup(*first) if isinstance(first, tuple) else first for first in LINKTYPES.values()]
    for d in range(len(PROTOCOLS)):  # each round reaches at least one more protocol
        level = [p for p in level if p is not None and p.name not in depth]
        if not level:
            break
        depth.update((p.name, d) for p in level)
        tables = {p.next_by[0] for p in level if p.next_by is not None}
        level = [q for t in tables for q in TABLES.get(t, {}).values()]
        level += [q for t in tables for q, _ in HEURISTICS.get(t, ())]
    return depth


class Frame:
    """One packet as a filter sees it: the record's facts now, its decode only when asked."""

    __slots__ = ("data", "linktype", "number", "time_ns", "wirelen", "interface", "comment",
                 "t0_ns", "pkt", "flt")  # fmt: skip

    def __init__(self, flt: Filter, data: Any, linktype: int, number: int, time_ns: int,
                 wirelen: int | None, interface: int, comment: str | None, t0_ns: int,
                 pkt: Packet | None = None) -> None:  # fmt: skip
        self.flt, self.data, self.linktype, self.number = flt, data, linktype, number
        self.time_ns, self.interface, self.comment, self.t0_ns = time_ns, interface, comment, t0_ns
        self.wirelen = len(data) if wirelen is None else wirelen
        self.pkt = pkt

    def packet(self) -> Packet:
        if self.pkt is None:
            self.pkt = self.flt.decode(self)
        return self.pkt


class Ref(ABC):
    """Something a filter names: values(frame) lists every occurrence's raw value."""

    kind = "none"
    protocols: frozenset[str] | None = frozenset()  # needed decoded; None = the whole packet

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def values(self, fr: Frame) -> list[Any]:
        """Every occurrence's raw value in this frame (empty when absent)."""

    def present(self, fr: Frame) -> bool:
        return bool(self.values(fr))


class FrameRef(Ref):
    """A fact of the record itself (frame.number, frame.len...): no decode needed."""

    def __init__(self, name: str, kind: str, get: Callable[[Frame], list[Any]]) -> None:
        super().__init__(name)
        self.kind, self.get = kind, get

    def values(self, fr: Frame) -> list[Any]:
        return self.get(fr)


class PacketRef(FrameRef):
    """A fact of the whole decoded packet (status, expert info)."""

    protocols = None

    def values(self, fr: Frame) -> list[Any]:
        pkt = fr.packet()
        for layer in pkt.layers:
            layer.fields  # noqa: B018  (detail decoders add their issues when fields are built)
        return self.get(pkt)  # type: ignore[arg-type]


class ProtoRef(Ref):
    """A protocol name: present when a layer of it is; its value is the layer's bytes."""

    kind = "proto"

    def __init__(self, proto: Protocol) -> None:
        super().__init__(proto.name)
        self.protocols = None if proto.name == "data" else frozenset({proto.name})

    def values(self, fr: Frame) -> list[Any]:
        if self.name == "frame":
            return [bytes(fr.data)]
        pkt = fr.packet()
        return [pkt.data[x.pos : x.payload_end] for x in pkt.layers if x.protocol.name == self.name]

    def present(self, fr: Frame) -> bool:
        if self.name == "frame":
            return True
        return any(x.protocol.name == self.name for x in fr.packet().layers)


class ScapyRef(Ref):
    """A field only scapy decodes, `scapy.<layer>.<field>` (dissect/scapy_tail.py): known
    once scapy has decoded a packet, so any such name is accepted; the whole packet is
    decoded, then scapy's tail, and the values compare as text."""

    kind = "text"
    protocols = None

    def values(self, fr: Frame) -> list[Any]:
        from . import scapy_tail

        pkt = scapy_tail.extend(fr.packet())
        return [f.value for layer in pkt.layers if layer.protocol is scapy_tail.SCAPY
                for f in layer.walk() if f.spec.name == self.name]  # fmt: skip


class FieldRef(Ref):
    """A decoded field, looked up only in the layers that can hold it."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec.name)
        self.spec = spec
        self.kind = KIND_OF.get(spec.kind, spec.kind)
        owner = _owner(spec.name)
        if owner is None or owner.name == "data" or spec.name in FULL_DECODE:
            self.owners: frozenset[str] | None = None
        else:
            extra = EXTRA_OWNERS.get(spec.name, ()) + CARRIERS.get(owner.name, ())
            self.owners = _family(owner) | frozenset(extra)
        self.protocols = self.owners

    def values(self, fr: Frame) -> list[Any]:
        name, owners, out = self.name, self.owners, []
        for layer in fr.packet().layers:
            proto = layer.protocol
            if owners is not None and proto.name not in owners:
                continue
            spec = proto.by_name.get(name) if layer.values is not None else None
            if spec is not None:
                out.append(proto.fixed_value(layer, name))
            else:
                out.extend(f.value for f in layer.walk() if f.spec.name == name)
        return out


class AliasRef(Ref):
    """An either-way name (ip.addr = ip.src or ip.dst): every target's occurrences."""

    def __init__(self, name: str, targets: list[FieldRef]) -> None:
        super().__init__(name)
        self.targets = targets
        self.kind = targets[0].kind
        owners = [t.owners for t in targets]
        self.protocols = None if None in owners else frozenset().union(*owners)  # type: ignore[arg-type]

    def values(self, fr: Frame) -> list[Any]:
        out: list[Any] = []
        for t in self.targets:
            out.extend(t.values(fr))
        return out


def _owner(name: str) -> Protocol | None:
    """The protocol whose name is the longest dotted prefix of a field name."""
    parts = name.split(".")
    for n in range(len(parts) - 1, 0, -1):
        proto = PROTOCOLS.get(".".join(parts[:n]))
        if proto is not None:
            return proto
    return None


def _family(proto: Protocol) -> frozenset[str]:
    """Protocols decoded by the same code share field names (dns/mdns/llmnr, http/ssdp)."""
    if proto.tail is None:
        return frozenset({proto.name})
    return frozenset(
        p.name for p in PROTOCOLS.values() if (p.tail, p.detail) == (proto.tail, proto.detail)
    )


def _full_decode_names() -> frozenset[str]:
    """Fields the driver adds after the last layer (padding, trailers): need a full decode."""
    names = {"eth.fcs", "eth.fcs.status"}
    for proto in PROTOCOLS.values():
        names.add(proto.padding.name)
        if proto.trailer is not None:
            names.add(proto.trailer.name)
    return frozenset(names)


FULL_DECODE = _full_decode_names()


def _issues(pkt: Packet, attr: str) -> list[Any]:
    return [getattr(i, attr) for i in pkt.issues]


def _packet(f: Frame, value: Any) -> list[Any]:
    """A packet's time, interface or link type; a record that is not a packet (a pcapng
    Custom Block) has none."""
    return [] if is_record(f.linktype) else [value]


def _t(v: Any) -> list[Any]:
    return [True] if v else []


FRAME_FIELDS: dict[str, tuple[str, Callable[[Frame], list[Any]]]] = {
    "frame.number": ("int", lambda f: [f.number]),
    "frame.len": ("int", lambda f: [f.wirelen]),
    "frame.cap_len": ("int", lambda f: [len(f.data)]),
    "frame.time_relative": ("float", lambda f: _packet(f, (f.time_ns - f.t0_ns) / 1e9)),
    "frame.time_epoch": ("float", lambda f: _packet(f, f.time_ns / 1e9)),
    "frame.interface_id": ("int", lambda f: _packet(f, f.interface)),
    "frame.encap_type": ("int", lambda f: _packet(f, f.linktype)),
    "frame.comment": ("text", lambda f: [f.comment] if f.comment else []),
}
PACKET_FIELDS: dict[str, tuple[str, Callable[[Packet], list[Any]]]] = {
    "frame.status": ("str", lambda p: [p.status]),
    "frame.protocols": ("str", lambda p: [":".join(protocol_path(p))]),
    "_ws.malformed": ("none", lambda p: _t(any(x.status == "malformed" for x in p.layers))),
    "_ws.short": ("none", lambda p: _t(any(x.status == "truncated" for x in p.layers))),
    "_ws.expert": ("none", lambda p: _t(p.issues)),
    "_ws.expert.message": ("text", lambda p: _issues(p, "message")),
    "_ws.expert.severity": (
        "str",
        lambda p: [SEVERITY_WORDS.get(s, s) for s in _issues(p, "severity")],
    ),
    "_ws.expert.group": ("str", lambda p: _issues(p, "group")),
    "_ws.expert.code": ("str", lambda p: _issues(p, "code")),
}


def field_names() -> list[str]:
    """Every name a filter accepts: fields, either-way aliases, protocols, pseudo-fields."""
    names = set(FIELDS) | set(ALIASES) | set(PROTOCOLS) | set(FRAME_FIELDS) | set(PACKET_FIELDS)
    return sorted(names)


_NAMES: list[str] = []


def complete(text: str) -> str | None:
    """`text` with its last word completed to the first known name it starts (for the
    TUI's suggester); None when nothing longer fits."""
    m = re.search(r"[A-Za-z0-9_.\-]+$", text)
    if m is None or not any(c.isalpha() for c in m.group()):
        return None
    if not _NAMES:
        _NAMES.extend(field_names())
    word = m.group()
    for name in _NAMES:
        if name.startswith(word) and name != word:
            return text[: m.start()] + name
    return None


def resolve(name: str, pos: int) -> Ref:
    """The Ref a name stands for, or a FilterError with a suggestion."""
    if name in FRAME_FIELDS:
        kind, get = FRAME_FIELDS[name]
        return FrameRef(name, kind, get)
    if name in PACKET_FIELDS:
        pkind, pget = PACKET_FIELDS[name]
        return PacketRef(name, pkind, pget)  # type: ignore[arg-type]
    if name in ALIASES:
        return AliasRef(name, [FieldRef(FIELDS[t]) for t in ALIASES[name]])
    if _scapy_name(name):
        return ScapyRef(name)
    if name in FIELDS:
        return FieldRef(FIELDS[name])
    if name in PROTOCOLS:
        return ProtoRef(PROTOCOLS[name])
    if not _NAMES:
        _NAMES.extend(field_names())
    close = difflib.get_close_matches(name, _NAMES, n=1, cutoff=0.75)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    raise FilterError(
        f'"{_shown(name)}" is neither a field nor a protocol name{hint}', pos, len(name)
    )


def _scapy_name(word: str) -> bool:
    """scapy.<layer>.<field>, or a Wireshark name only scapy's tail declared (once it ran):
    names of fields scapy decodes (dissect/scapy_tail.py)."""
    if word.startswith("scapy.") and word.count(".") >= 2:
        return True
    tail = sys.modules.get("dissect.scapy_tail")
    return tail is not None and word in tail.MADE


def is_name(word: str) -> bool:
    return (
        word in FIELDS
        or word in ALIASES
        or word in PROTOCOLS
        or word in FRAME_FIELDS
        or word in PACKET_FIELDS
    )


# -- literals: a word or string read as the field's type ---------------------------------
def _bad(op: Operand, what: str) -> FilterError:
    return FilterError(f'"{_shown(op.value)}" is not a valid {what}', op.pos, op.length)


def int_literal(op: Operand, spec: FieldSpec | None) -> int:
    """Decimal, 0x hex, 0b binary, leading-0 octal (as Wireshark), or a value name."""
    text = op.value.strip()
    try:
        if re.fullmatch(r"-?0[0-7]+", text):
            value = int(text, 8)
        elif "_" in text:
            raise ValueError
        else:
            value = int(text, 0)
    except ValueError:
        value = _value_name(op, spec)
    limit = _int_max(spec)
    if limit is not None and not 0 <= value <= limit:
        what = "too big" if value > limit else "negative"
        raise FilterError(
            f'"{_shown(text)}" is {what} for this field (maximum {limit})', op.pos, op.length
        )
    return value


def _value_name(op: Operand, spec: FieldSpec | None) -> int:
    """`ip.proto == "TCP"`: a name from the field's value table stands for its number."""
    names = getattr(spec, "names", None)
    if isinstance(names, dict):
        want = op.value.strip().lower()
        for number, label in names.items():
            if isinstance(number, int) and str(label).lower() == want:
                return number
    raise _bad(op, "number" if not isinstance(names, dict) else "number or value name")


def _int_max(spec: FieldSpec | None) -> int | None:
    if spec is None or spec.kind not in ("uint", "bits") or not spec.width or spec.scale != 1:
        return None
    if spec.mask:
        return spec.mask >> ((spec.mask & -spec.mask).bit_length() - 1)
    return (1 << (8 * spec.width)) - 1


def bool_literal(op: Operand) -> bool:
    word = op.value.strip().lower()
    if word in ("1", "true"):
        return True
    if word in ("0", "false"):
        return False
    raise _bad(op, "boolean (1, 0, true or false)")


def net_literal(op: Operand, version: int) -> tuple[int, int]:
    """An address or network as (network, mask) integers."""
    cls = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    try:
        net = cls(op.value.strip(), strict=False)
    except ValueError:
        raise _bad(op, f"IPv{version} address or network") from None
    return int(net.network_address), int(net.netmask)


def mac_literal(op: Operand) -> int:
    text = op.value.strip().lower()
    digits = re.sub(r"[:\-.]", "", text)
    ok = re.fullmatch(r"[0-9a-f]{12}", digits) and re.fullmatch(
        r"([0-9a-f]{2}([:\-]|$)){6}|([0-9a-f]{4}(\.|$)){3}|[0-9a-f]{12}", text
    )
    if not ok:
        raise _bad(op, "Ethernet address")
    return int(digits, 16)


def bytes_literal(op: Operand) -> bytes:
    """A quoted string (its UTF-8 bytes) or hex bytes: 47:45:54, 47-45-54, 47.45, 474554."""
    if op.quoted:
        return op.value.encode("utf-8", "surrogateescape")
    text = op.value.strip()
    if re.fullmatch(r"[0-9A-Fa-f]{1,2}([:\-.][0-9A-Fa-f]{1,2})*", text):
        return bytes(int(b, 16) for b in re.split(r"[:\-.]", text))
    if re.fullmatch(r"([0-9A-Fa-f]{2})+", text):
        return bytes.fromhex(text)
    raise _bad(op, 'byte string (e.g. 47:45:54 or "GET")')


def float_literal(op: Operand) -> float:
    try:
        return float(op.value.strip())
    except ValueError:
        raise _bad(op, "number") from None


def str_literal(op: Operand, ref: Ref) -> str:
    """Status words also take Wireshark's numbers (tcp.checksum.status == 2)."""
    text = op.value
    if not op.quoted and ref.name.endswith("checksum.status") and re.fullmatch(r"[0-9]+", text):
        word = CHECKSUM_WORDS.get(int(text)) if len(text) < 4 else None
        if word is None:
            raise _bad(op, "checksum status (good, bad, unverified or 0-2)")
        return word
    return text.lower() if ref.kind == "str" else text


def literal(op: Operand, ref: Ref) -> Any:
    """The operand as a value of ref's type."""
    kind = ref.kind
    spec = getattr(ref, "spec", None) or getattr(getattr(ref, "targets", [None])[0], "spec", None)
    if kind == "int":
        return int_literal(op, spec)
    if kind == "bool":
        return bool_literal(op)
    if kind in ("ipv4", "ipv6"):
        return net_literal(op, 4 if kind == "ipv4" else 6)
    if kind == "mac":
        return mac_literal(op)
    if kind in ("bytes", "proto"):
        return bytes_literal(op)
    if kind == "float":
        return float_literal(op)
    if kind in ("text", "str"):
        return str_literal(op, ref)
    raise FilterError(f'"{ref.name}" has no value: test it alone, without a comparison', op.pos)


# -- values as compared: one normal form per kind -----------------------------------------
def _ip4(v: Any) -> int:
    return int.from_bytes(socket.inet_aton(v), "big") if isinstance(v, str) else int(v)


def _ip6(v: Any) -> int:
    return (
        int.from_bytes(socket.inet_pton(socket.AF_INET6, v), "big")
        if isinstance(v, str)
        else int(v)
    )


def _mac(v: Any) -> int:
    return int(v.replace(":", ""), 16) if isinstance(v, str) else int.from_bytes(v, "big")


def _bytes(v: Any) -> bytes:
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if isinstance(v, int):
        return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")
    return bytes(v)


def _text(v: Any) -> str:
    return v.decode("latin-1") if isinstance(v, bytes | bytearray | memoryview) else str(v)


NORMAL: dict[str, Callable[[Any], Any]] = {
    "int": int, "bool": bool, "ipv4": _ip4, "ipv6": _ip6, "mac": _mac, "bytes": _bytes,
    "proto": _bytes, "text": _text, "str": lambda v: _text(v).lower(), "float": float,
}  # fmt: skip
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a == b, "===": lambda a, b: a == b,
    "!==": lambda a, b: a != b, "~=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip
# How per-occurrence results combine: any, all, or none (`!=`: present, and no occurrence
# equals -- what tshark 4.0 does, so `ip.src != x` never matches ARP).
MODE = {"!=": "none", "===": "all"}
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
EQUALITY = ("==", "!=", "===", "!==", "~=")
ORDERED = ("int", "float", "ipv4", "ipv6", "mac", "bytes", "text", "str", "bool")


# -- the compiled tree -----------------------------------------------------------------------
class Node(ABC):
    __slots__ = ()

    @abstractmethod
    def eval(self, fr: Frame) -> bool:
        """Whether this node of the filter holds for the frame."""

    def refs(self) -> Iterable[Ref]:
        return ()


class BoolNode(Node):
    __slots__ = ("op", "items")

    def __init__(self, op: str, items: list[Node]) -> None:
        self.op, self.items = op, items

    def eval(self, fr: Frame) -> bool:
        if self.op == "not":
            return not self.items[0].eval(fr)
        if self.op == "and":
            return all(item.eval(fr) for item in self.items)
        return any(item.eval(fr) for item in self.items)

    def refs(self) -> Iterable[Ref]:
        for item in self.items:
            yield from item.refs()


class Exists(Node):
    __slots__ = ("ref",)

    def __init__(self, ref: Ref) -> None:
        self.ref = ref

    def eval(self, fr: Frame) -> bool:
        return self.ref.present(fr)

    def refs(self) -> Iterable[Ref]:
        return (self.ref,)


class Test(Node):
    """ref OP literal. `lit` keeps the converted literal for the vectorised path:
    a number, (network, mask), bytes/str, a list of set items, or a compiled regex."""

    __slots__ = ("ref", "op", "mode", "pred", "lit")

    def __init__(self, ref: Ref, op: str, pred: Callable[[Any], bool], lit: Any) -> None:
        self.ref, self.op, self.lit = ref, op, lit
        self.pred = _safe(pred)
        self.mode = MODE.get(op, "any")

    def eval(self, fr: Frame) -> bool:
        pred = self.pred
        values = self.ref.values(fr)
        if self.mode == "any":
            return any(pred(v) for v in values)
        if self.mode == "none":  # tshark: the field must be there, and no occurrence equal
            return bool(values) and not any(pred(v) for v in values)
        return bool(values) and all(pred(v) for v in values)

    def refs(self) -> Iterable[Ref]:
        return (self.ref,)


class FieldTest(Node):
    """field OP field: any pair of occurrences (mode as for literals)."""

    __slots__ = ("left", "right", "mode", "pred")

    def __init__(self, left: Ref, right: Ref, op: str, pred: Callable[[Any, Any], bool]) -> None:
        self.left, self.right = left, right
        self.pred = _safe(pred)
        self.mode = MODE.get(op, "any")

    def eval(self, fr: Frame) -> bool:
        a, b, pred = self.left.values(fr), self.right.values(fr), self.pred
        hits = [pred(x, y) for x in a for y in b]
        if self.mode == "any":
            return any(hits)
        if self.mode == "none":
            return bool(hits) and not any(hits)
        return bool(hits) and all(hits)

    def refs(self) -> Iterable[Ref]:
        return (self.left, self.right)


def _safe(pred: Callable[..., bool]) -> Callable[..., bool]:
    """An occurrence whose value cannot be read as the literal's type (a decoder's odd
    value) is simply not a match: the rest of the packet and of the filter still count."""

    def safe(*values: Any) -> bool:
        try:
            return pred(*values)
        except (ValueError, TypeError, OSError, AttributeError, OverflowError):
            return False

    return safe


# -- from parsed tests to nodes ----------------------------------------------------------------
def build(raw: Any) -> Node:
    if isinstance(raw, RawBool):
        return BoolNode(raw.op, [build(item) for item in raw.items])
    left, right, op = raw.left, raw.right, raw.op
    lref = _name_ref(left)
    rref = _name_ref(right) if right is not None and op in COMPARE else None
    if lref is None and rref is not None:  # `80 == tcp.port` reads as `tcp.port == 80`
        left, right, lref, rref, op = right, left, rref, None, FLIP.get(op, op)
    if lref is None:
        if left.quoted:
            raise FilterError(
                f"{_shown(left.text)} is a string, not a field", left.pos, left.length
            )
        resolve(left.value, left.pos)  # raises: an unknown name, with a suggestion
        raise AssertionError
    if not op:
        return Exists(lref)
    if rref is not None:
        return _field_test(lref, rref, op, right)
    if op == "in":
        return _in_test(lref, raw.items, raw.op_pos)
    if op in ("contains", "matches"):
        return _text_test(lref, op, right, raw.op_pos)
    return _compare(lref, op, right, raw.op_pos)


def _name_ref(op: Operand | None) -> Ref | None:
    if op is None or op.quoted or not (is_name(op.value) or _scapy_name(op.value)):
        return None
    return resolve(op.value, op.pos)


def _check_kind(ref: Ref, op: str, pos: int, allowed: Iterable[str], length: int = 2) -> None:
    if ref.kind == "none":
        raise FilterError(f'"{ref.name}" has no value: test it alone, without "{op}"', pos, length)
    if ref.kind not in allowed:
        what = "a protocol" if ref.kind == "proto" else f"a field of type {ref.kind}"
        raise FilterError(f'"{op}" does not apply to "{ref.name}" ({what})', pos, length)


def _compare(ref: Ref, op: str, right: Operand, op_pos: int) -> Node:
    allowed = ORDERED if op not in EQUALITY else (*ORDERED, "proto")
    _check_kind(ref, op, op_pos, allowed, len(op))
    lit = literal(right, ref)
    norm, cmp = NORMAL[ref.kind], COMPARE[op]
    if ref.kind in ("ipv4", "ipv6"):
        net, mask = lit
        if op in EQUALITY:
            same = op in ("==", "!=", "===")
            return Test(ref, op, lambda v: ((norm(v) & mask) == net) == same, lit)
        return Test(ref, op, lambda v: cmp(norm(v), net), lit)
    return Test(ref, op, lambda v: cmp(norm(v), lit), lit)


def _in_test(ref: Ref, items: list[Operand], op_pos: int) -> Node:
    _check_kind(ref, "in", op_pos, ORDERED)
    norm = NORMAL[ref.kind]
    parsed = [_set_item(ref, item) for item in items]

    def pred(v: Any) -> bool:
        x = norm(v)
        for tag, a, b in parsed:
            if (tag == "net" and x & b == a) or (tag == "range" and a <= x <= b):
                return True
        return False

    return Test(ref, "in", pred, parsed)


def _set_item(ref: Ref, item: Operand) -> tuple[str, Any, Any]:
    """One member of `in {...}`: a value, a range (a..b, or a-b for numbers) or a network."""
    text = item.value
    parts = text.split("..") if ".." in text and not item.quoted else None
    if parts is None and ref.kind == "int" and not item.quoted:
        m = re.fullmatch(r"(-?[^-]+)-(-?[^-]+)", text)
        parts = [m.group(1), m.group(2)] if m else None
    if parts is not None and len(parts) == 2 and ref.kind != "ipv6":
        lo = literal(Operand(parts[0], item.pos, False, parts[0]), ref)
        hi = literal(Operand(parts[1], item.pos, False, parts[1]), ref)
        if ref.kind == "ipv4":
            lo, hi = lo[0], hi[0]
        return ("range", lo, hi)
    value = literal(item, ref)
    if ref.kind in ("ipv4", "ipv6"):
        return ("net", value[0], value[1])
    return ("range", value, value)


def _text_test(ref: Ref, op: str, right: Operand, op_pos: int) -> Node:
    _check_kind(ref, op, op_pos, ("text", "str", "bytes", "proto"), len(op))
    if op == "matches":
        try:
            search = compile_search(right.value)
        except RegexError as exc:
            end = right.spot(exc.pos + exc.length - 1) + 1
            start = right.spot(exc.pos)
            raise FilterError(f"regular expression: {exc.message}", start, end - start) from None
        return Test(ref, op, lambda v: search(_text(v)), search)
    if ref.kind in ("bytes", "proto"):
        needle = bytes_literal(right)
        return Test(ref, op, lambda v: needle in _bytes(v), needle)
    text = right.value
    if ref.kind == "str":
        low = text.lower()
        return Test(ref, op, lambda v: low in _text(v).lower(), text)
    return Test(ref, op, lambda v: text in _text(v), text)


def _field_test(left: Ref, right: Ref, op: str, rop: Operand) -> Node:
    numeric = {"int", "bool", "float"}
    same = left.kind == right.kind or {left.kind, right.kind} <= numeric
    if not same and {left.kind, right.kind} <= {"text", "str"}:
        same = True
    if not same or left.kind in ("none", "proto"):
        raise FilterError(
            f'"{left.name}" and "{right.name}" are not of compatible types', rop.pos, rop.length
        )
    na = NORMAL["text" if left.kind == "str" else left.kind]
    nb = NORMAL["text" if right.kind == "str" else right.kind]
    cmp = COMPARE[op]
    return FieldTest(left, right, op, lambda a, b: cmp(na(a), nb(b)))


# -- the compiled filter ---------------------------------------------------------------------
class Filter:
    """A compiled display filter: `match(packet)` and `match_frame(bytes, ...)` predicates.

    `upto` is the deepest protocol the filter names: frames are decoded that far and no
    further (None with `needs_packet` = the whole packet; no decode at all when the filter
    names only frame facts such as frame.len).
    """

    def __init__(self, text: str, root: Node) -> None:
        self.text, self.root = text, root
        self.refs = list(root.refs())
        protos = [r.protocols for r in self.refs]
        self.needs_packet = any(p is None or p for p in protos)
        names: set[str] = set()
        for p in protos:
            names |= p or set()
        self.upto: str | None = None
        if names and None not in protos:
            top = max(rank(PROTOCOLS[n]) for n in names)
            deepest = [n for n in names if rank(PROTOCOLS[n]) == top]
            # Two at the same rank have no order (http, then data-text-lines): decode all;
            # one decoder's names (dns, mdns, llmnr) never follow each other.
            kinds = {(PROTOCOLS[n].tail, PROTOCOLS[n].detail) for n in deepest}
            self.upto = min(deepest) if len(deepest) == 1 or len(kinds) == 1 else None
        self._nest = self.upto is not None and not terminal(PROTOCOLS[self.upto])
        # Adds what one packet alone cannot tell (tcp.stream...: dissect/streams) to each
        # packet this filter decodes; set by whoever ran the stream pass.
        self.after_decode: Callable[[Packet], None] | None = None

    def __repr__(self) -> str:
        return f"Filter({self.text!r}, upto={self.upto!r})"

    def decode(self, fr: Frame) -> Packet:
        """Decode as deep as the filter needs; again in full when the stack goes on with a
        protocol that can hold ones already passed (an ICMP error quoting IP, IP in IP)."""
        args = dict(number=fr.number, time_ns=fr.time_ns, wirelen=fr.wirelen,
                    interface=fr.interface, comment=fr.comment)  # fmt: skip
        pkt = decode(fr.data, fr.linktype, upto=self.upto, **args)  # type: ignore[arg-type]
        if self.upto is not None:
            last = pkt.layers[-1]
            if last.protocol.name == self.upto and last.payload_pos < last.payload_end:
                # Another of the same follows (coalesced QUIC packets, HTTP/2 frames), or
                # one that can hold a protocol already passed: decode the whole packet.
                again = last.next is last.protocol
                if self._nest and not again:
                    nxt = next_protocol(pkt.data, last)
                    again = nxt is not None and not terminal(nxt)
                if again:
                    pkt = decode(fr.data, fr.linktype, **args)  # type: ignore[arg-type]
        if self.after_decode is not None:
            self.after_decode(pkt)
        return pkt

    def evaluate(self, fr: Frame) -> bool:
        try:
            return self.root.eval(fr)
        except (ValueError, TypeError, OSError, AttributeError):  # a value we cannot read
            return False  # is no match: filtering never stops on one odd packet

    def match(self, pkt: Packet, t0_ns: int = 0) -> bool:
        """Whether a decoded packet matches (frame.time_relative counts from t0_ns)."""
        fr = Frame(self, pkt.data, pkt.linktype, pkt.number, pkt.time_ns, pkt.wirelen,
                   pkt.interface, pkt.comment, t0_ns, pkt)  # fmt: skip
        return self.evaluate(fr)

    def match_frame(self, data: Any, linktype: int, number: int = 1, time_ns: int = 0,
                    wirelen: int | None = None, interface: int = 0, comment: str | None = None,
                    t0_ns: int = 0) -> bool:  # fmt: skip
        """Whether raw frame bytes match, decoding them only if and as far as needed."""
        fr = Frame(self, data, linktype, number, time_ns, wirelen, interface, comment, t0_ns)
        return self.evaluate(fr)


def terminal(proto: Protocol) -> bool:
    """Nothing after `proto` can be a link, network or transport layer again: it is an
    application protocol, or a transport whose payload goes only to application ones.
    (An ICMP error quotes IP; IP carries IP; so decoding past them may meet more.)"""
    from .engine import HEURISTICS, TABLES

    if proto.name == "data" or proto.osi >= 5:
        return True
    if proto.next_by is None:
        return False
    table = proto.next_by[0]
    following = list(TABLES.get(table, {}).values()) + [p for p, _ in HEURISTICS.get(table, ())]
    return all(p.osi >= 5 for p in following)


def compile_filter(text: str) -> Filter:
    """Parse and resolve a display filter; FilterError (message, column) when invalid."""
    return Filter(text, build(Parser(text).parse()))
