"""The decoded packet model: Packet, Layer, Field, Issue, Osi.

Small slotted classes with no behaviour beyond queries. Fields of a protocol's fixed
header are materialised lazily from the header tuple the driver unpacked, so list rows
and filters never pay for Field objects they do not show.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from .fields import FieldSpec, spec_for

try:
    import cython  # compiled (setup.py): Cython reads the class decorators below
except ModuleNotFoundError:  # pure Python without Cython installed: they do nothing
    from ._compiled import cython

if TYPE_CHECKING:
    from .protocol import Protocol


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


@dataclass(slots=True)
class Issue:
    """Expert info: what is wrong, where, and (in the message) the likely cause."""

    severity: str  # chat | note | warn | error
    group: str  # malformed | truncated | checksum | protocol | sequence
    code: str  # filter-style name, e.g. "udp.length.bad"
    message: str
    pos: int
    len: int


@cython.no_gc  # compiled: not tracked by the cycle collector (a Field is never in a cycle)
@cython.cclass
class Field:
    """One decoded field: its declaration, byte span (frame-relative) and raw value."""

    __slots__ = ("spec", "pos", "len", "value", "mask", "children", "generated")

    def __init__(
        self,
        spec: FieldSpec,
        pos: int,
        length: int,
        value: Any,
        mask: int = 0,
        generated: bool = False,
    ) -> None:
        self.spec = spec
        self.pos = pos
        self.len = length
        self.value = value
        self.mask = mask
        self.children: list[Field] | None = None
        self.generated = generated

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
        """This field and every descendant, depth first (a list: cheaper than generators)."""
        out = [self]
        if self.children:
            _descend(self.children, out)
        return out

    def __repr__(self) -> str:
        return f"Field({self.name}={self.value!r} @{self.pos}:{self.len} mask={self.mask:#x})"


def new_field(
    spec: FieldSpec, pos: int, length: int, value: Any, mask: int = 0, generated: bool = False
) -> Field:
    """Field(...) without the argument parsing of a call to __init__ (compiled core: a
    packet's tree makes some 70 of these)."""
    if not cython.compiled:
        return Field(spec, pos, length, value, mask, generated)
    f = Field.__new__(Field)
    f.spec, f.pos, f.len, f.value = spec, pos, length, value
    f.mask, f.generated = mask, generated
    return f


def _descend(fields: list[Field], out: list[Field]) -> None:
    for f in fields:
        out.append(f)
        if f.children:
            _descend(f.children, out)


class Layer:
    """One protocol's part of a packet: header span, payload span, fields, issues."""

    __slots__ = (
        "protocol",
        "packet",
        "pos",
        "hdr_len",
        "payload_pos",
        "payload_end",
        "status",
        "issues",
        "values",
        "extra",
        "next",
        "_fields",
        "info_cache",
        "declined",
        "state",
    )

    def __init__(self, protocol: Protocol, packet: Packet, pos: int, end: int) -> None:
        self.protocol = protocol
        self.packet = packet
        self.pos = pos
        self.hdr_len = 0
        self.payload_pos = pos
        self.payload_end = end
        self.status = "ok"
        self.issues: list[Issue] = []
        self.values: tuple | None = None  # the fixed header as unpacked
        self.extra: list[Field] = []  # fields added by tail() and the driver
        self.next: Protocol | None = None
        self._fields: list[Field] | None = None
        self.info_cache: str | None = None
        self.declined = False  # set by decline(): the driver tries the next candidate
        self.state: Any = None  # what tail() found (record offsets...) for detail() to reuse

    # -- queries -------------------------------------------------------------
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
            fixed = self.protocol.build_fields(self)
            detail = self.protocol.detail
            if detail is not None:
                tail_fields, self.extra = self.extra, []
                try:
                    detail(self.packet.data, self)
                except Exception as exc:  # same contract as the driver: mark, never raise
                    self.issue(
                        "error",
                        "malformed",
                        f"{self.name}.exception",
                        f"{self.protocol.title} detail stopped: {type(exc).__name__}: {exc}",
                    )
                self.extra = self.extra + tail_fields
            self._fields = fixed + self.extra
        return self._fields

    def walk(self) -> list[Field]:
        """Every field of the layer, depth first."""
        out: list[Field] = []
        _descend(self.fields, out)
        return out

    def get(self, name: str) -> Field | None:
        for f in self.walk():
            if f.spec.name == name:
                return f
        return None

    def all(self, name: str) -> list[Field]:
        return [f for f in self.walk() if f.spec.name == name]

    def value(self, name: str, default: Any = None) -> Any:
        """Fast value lookup: fixed-header fields straight from the unpacked tuple."""
        spec = self.protocol.by_name.get(name)
        if spec is not None and self.values is not None:
            return spec.get(self.values)  # compiled per field: this is the hottest call
        f = self.get(name)
        return default if f is None else f.value

    # -- building (used by tail functions and the driver) ---------------------
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
            if parent.children is None:
                parent.children = []
            parent.children.append(f)
        return f

    def child(
        self,
        parent: Field,
        spec: FieldSpec | str,
        offset: int,
        length: int,
        value: Any,
        mask: int = 0,
    ) -> Field:
        """add(..., parent=parent), with no keyword: a C call from the compiled protocols."""
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

    def short(self, needed: int, what: str) -> None:
        """Mark that `needed` bytes were wanted but the captured bytes ended first.

        Past the captured length of a snaplen-cut frame that is truncation; where the
        bytes exist but a header or length field asks for more, the packet is malformed.
        """
        pkt = self.packet
        have = self.payload_end - self.pos
        if pkt.ctx.get("in_error_pkt") and self.protocol.osi == Osi.TRANSPORT:
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
        self.issue(
            "error" if group == "malformed" else "warn",
            group,
            f"{self.name}.{group}",
            msg,
            self.pos,
            max(0, have),
        )

    def __repr__(self) -> str:
        return f"Layer({self.name} @{self.pos}+{self.hdr_len} payload {self.payload_pos}..{self.payload_end} {self.status})"


def new_layer(protocol: Protocol, packet: Packet, pos: int, end: int) -> Layer:
    """Layer(...) without the argument parsing of a call to __init__ (compiled core)."""
    if not cython.compiled:
        return Layer(protocol, packet, pos, end)
    layer = Layer.__new__(Layer)
    layer.protocol, layer.packet, layer.pos, layer.hdr_len = protocol, packet, pos, 0
    layer.payload_pos, layer.payload_end, layer.status = pos, end, "ok"
    layer.issues, layer.extra, layer.declined = [], [], False
    return layer  # values, next, _fields, info_cache, state: None, as __new__ leaves them


def new_packet(
    data: bytes, linktype: int, number: int, time_ns: int, wirelen: int | None, interface: int
) -> Packet:
    """Packet(...) without the argument parsing of a call to __init__ (compiled core)."""
    if not cython.compiled:
        return Packet(data, linktype, number, time_ns, wirelen, interface)
    pkt = Packet.__new__(Packet)
    pkt.data, pkt.linktype, pkt.number, pkt.time_ns = data, linktype, number, time_ns
    pkt.caplen = len(data)
    pkt.wirelen = pkt.caplen if wirelen is None else max(wirelen, pkt.caplen)
    pkt.interface, pkt.layers, pkt.ctx = interface, [], {}
    return pkt  # comment: None, as __new__ leaves it


_MISSING = object()


class Packet:
    """A decoded frame: its bytes, frame facts and the stack of layers."""

    __slots__ = (
        "number",
        "time_ns",
        "caplen",
        "wirelen",
        "linktype",
        "interface",
        "data",
        "layers",
        "ctx",
        "comment",
    )

    def __init__(
        self,
        data: bytes,
        linktype: int,
        number: int = 1,
        time_ns: int = 0,
        wirelen: int | None = None,
        interface: int = 0,
    ) -> None:
        self.data = data
        self.linktype = linktype
        self.number = number
        self.time_ns = time_ns
        self.caplen = len(data)
        self.wirelen = self.caplen if wirelen is None else max(wirelen, self.caplen)
        self.interface = interface
        self.layers: list[Layer] = []
        self.ctx: dict[str, Any] = {}  # context passed up the stack (e.g. IP pseudo-header)
        self.comment: str | None = None

    @property
    def len(self) -> int:
        return self.wirelen

    @property
    def status(self) -> str:
        worst = "ok"
        for layer in self.layers:
            if STATUS_RANK[layer.status] > STATUS_RANK[worst]:
                worst = layer.status
        return worst

    @property
    def issues(self) -> list[Issue]:
        return [i for layer in self.layers for i in layer.issues]

    def layer(self, name: str) -> Layer | None:
        for layer in self.layers:
            if layer.protocol.name == name:
                return layer
        return None

    def has(self, name: str) -> bool:
        return any(layer.protocol.name == name for layer in self.layers)

    def get(self, name: str) -> Field | None:
        for layer in self.layers:
            f = layer.get(name)
            if f is not None:
                return f
        return None

    def find(self, name: str) -> Iterator[Field]:
        for layer in self.layers:
            for f in layer.walk():
                if f.spec.name == name:
                    yield f

    def value(self, name: str, default: Any = None) -> Any:
        proto = name.split(".", 1)[0]
        for layer in self.layers:
            if layer.protocol.name == proto or name.startswith(layer.protocol.name + "."):
                v = layer.value(name, _MISSING)
                if v is not _MISSING:
                    return v
        f = self.get(name)
        return default if f is None else f.value

    def release(self) -> None:
        """Unlink the layers from this packet. A layer points back at its packet, so a
        dropped packet otherwise waits for the cycle collector; released, it is freed at
        once and its memory reused warm. For loops done with each packet (CLI, workers,
        list rows): the packet has no layers afterwards."""
        for layer in self.layers:
            layer.packet = None
        self.layers = []

    def field_at(self, offset: int) -> tuple[Layer, Field] | None:
        """The innermost field whose span holds byte `offset` (frame skipped)."""
        best: tuple[Layer, Field] | None = None
        for layer in self.layers:
            if layer.protocol.name == "frame":
                continue
            for f in layer.walk():
                if f.len > 0 and f.pos <= offset < f.pos + f.len:
                    if best is None or f.len <= best[1].len:
                        best = (layer, f)
        return best

    def __repr__(self) -> str:
        names = ":".join(layer.name for layer in self.layers)
        return f"Packet(#{self.number} {self.caplen}B {names} {self.status})"
