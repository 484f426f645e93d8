"""Protocol declarations, their compile step, dispatch tables and the decode driver.

A protocol is declared once (fixed header table + optional `tail` for variable parts);
`compile()` turns the table into one precompiled struct plus (index, mask, shift) per
field, so reading a header is one `unpack_from`. Protocols meet only through the
dispatch tables filled by `bind()` and `bind_heuristic()`.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from .fields import (
    FIELDS,
    GET_BITS,
    GET_CALL,
    GET_CONV,
    GET_FLAG,
    GET_ITEM,
    GET_SCALED,
    INT_KINDS,
    Bytes,
    FieldSpec,
    Int,
    Str,
    TimeNs,
    ipv4_str,
    shift_of,
)
from .linktypes import LINKTYPE_NAMES
from .model import _MISSING, Field, Layer, Osi, Packet, new_field, new_layer, new_packet
from .trailer import split_trailer

log = logging.getLogger(__name__)

Tail = Callable[[Any, Layer], None]
Detect = Callable[[Any, int, int, Layer], bool]

TABLES: dict[str, dict[Any, Protocol]] = {}
HEURISTICS: dict[str, list[tuple[Protocol, Detect]]] = {}
PROTOCOLS: dict[str, Protocol] = {}
LINKTYPES: dict[int, Protocol | tuple[str, Any]] = {}
SAFE_KINDS = frozenset({"ipv4", "ipv6", "mac"})  # fields whose display text is always inert
MAX_LAYERS = 128  # bounds work on nested tags / extension-header chains


class Protocol:
    """One protocol: its wire layout and how its part of a packet is decoded."""

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
        describe: Callable[[Layer], str] | None = None,
        addresses: tuple[str, str] | None = None,
        padding: str | None = None,
        trailer: FieldSpec | None = None,
        fcs: bool = False,
        byteorder: str = "!",
        explain: str = "",
    ) -> None:
        self.name, self.title, self.osi = name, title, osi
        self.short = short or name.upper()
        self.header = header
        self.tail = tail
        self.detail = detail  # fields only the tree needs (options, records): built lazily
        self.next_by = next_by
        self.info = info
        self.describe = describe
        self.addresses = addresses
        self.explain = explain
        self.byteorder = byteorder
        pad = padding or f"{name}.padding"
        self.padding = FIELDS.get(pad) or Bytes(pad, "Padding")
        self.trailer = trailer  # link layers: bytes past the payload split padding/trailer/FCS
        self.fcs = fcs
        if name in PROTOCOLS:
            raise ValueError(f"duplicate protocol {name!r}")
        PROTOCOLS[name] = self
        self._compile()
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

    # -- compile: the table becomes one struct ------------------------------------------
    def _compile(self) -> None:
        cursor, chunks = 0, []
        for spec in self.header:
            if spec.width is None and spec.kind in INT_KINDS:
                spec.width = 1
                for child in spec.children:
                    child.width = child.width or 1
            spec.offset = cursor if spec.at is None else spec.at
            width = spec.width or 0
            chunks.append((spec.offset, spec.offset + width, spec))
            cursor = max(cursor, spec.offset + width)
        self.size = cursor
        ranges = _merge(chunks)
        fmt, pos = [self.byteorder], 0
        for idx, (start, end, is_int) in enumerate(ranges):
            if start > pos:
                fmt.append(f"{start - pos}x")
            w = end - start
            fmt.append(
                {1: "B", 2: "H", 4: "I", 8: "Q"}[w] if is_int and w in (1, 2, 4, 8) else f"{w}s"
            )
            pos = end
            for s, _e, spec in chunks:
                if start <= s < end:
                    _place(spec, idx, start, end, is_int and w not in (1, 2, 4, 8))
        self.struct = struct.Struct("".join(fmt))
        self.unpack = self.struct.unpack_from  # bound once: no method lookup per packet
        self.by_name: dict[str, FieldSpec] = {}
        for spec in self.header:
            self.by_name[spec.name] = spec
            for child in spec.children:
                child.idx, child.frombytes = spec.idx, spec.frombytes
                right = spec.shift - shift_of(spec.mask) if spec.mask else spec.shift
                child.wmask = child.mask << right
                child.shift = shift_of(child.wmask)
                child.offset = spec.offset
                self.by_name[child.name] = child
                child.get, child.how = _getter(child), _how(child)
            spec.get, spec.how = _getter(spec), _how(spec)

    # -- reading ---------------------------------------------------------------------
    def specs(self, *names: str) -> tuple[FieldSpec, ...]:
        """The fixed-header specs of these names, for read_values (KeyError if one is not
        a fixed-header field)."""
        return tuple(self.by_name[n] for n in names)

    def picker(self, *names: str) -> Callable[[Layer], tuple]:
        """A reader of several fixed-header values at once, e.g. for an Info line:
        one call per packet instead of one lookup per name."""
        specs = self.specs(*names)
        idxs = tuple(s.idx for s in specs)
        plain = (
            itemgetter(*idxs)
            if all(s.get.__class__ is itemgetter for s in specs) and len(idxs) > 1
            else None
        )

        def pick(layer: Layer) -> tuple:
            vals = layer.values
            if vals is None:  # header fields were materialised (rare): read them
                return tuple(layer.value(n) for n in names)
            return plain(vals) if plain is not None else read_values(specs, vals)

        return pick

    def fixed_value(self, layer: Layer, name: str) -> Any:
        spec = self.by_name.get(name)
        if spec is None or layer.values is None:
            return _MISSING
        return spec.get(layer.values)  # type: ignore[misc]

    def build_fields(self, layer: Layer) -> list[Field]:
        vals = layer.values
        if vals is None:
            return []
        out, base = [], layer.pos
        for spec in self.header:
            pos = base + spec.offset
            f = new_field(spec, pos, spec.width or 0, _read(spec, vals), spec.mask)
            if spec.children:
                f.children = [
                    new_field(c, pos, c.width or 0, _read(c, vals), c.mask) for c in spec.children
                ]
            out.append(f)
        return out

    def raw_word(self, layer: Layer, spec: FieldSpec) -> int:
        """The whole bytes of a bit field as an int (for the bit-pattern line)."""
        data = layer.packet.data
        return int.from_bytes(
            data[layer.pos + spec.offset : layer.pos + spec.offset + (spec.width or 0)], "big"
        )

    def title_of(self, layer: Layer) -> str:
        if self.describe is not None:
            try:
                return self.describe(layer)
            except Exception:  # a title must never break a view
                log.debug("describe failed for %s", self.name, exc_info=True)
        return self.title

    # -- decoding --------------------------------------------------------------------
    def dissect(self, data: Any, layer: Layer) -> None:
        """Decode this protocol's part of a packet into `layer` (exceptions propagate)."""
        _run(self, data if type(data) is bytes else bytes(data), layer, True)

    def _partial(self, data: Any, layer: Layer, avail: int) -> None:
        """A short header: decode the fields that fit, mark the layer, stop."""
        for spec in self.header:
            w = spec.width or 0
            if spec.offset + w > avail:
                continue
            raw = bytes(data[layer.pos + spec.offset : layer.pos + spec.offset + w])
            f = layer.add(spec, layer.pos + spec.offset, w, spec.from_bytes(raw), spec.mask)
            for c in spec.children:
                layer.child(f, c, f.pos, w, c.from_bytes(raw), c.mask)
        layer.hdr_len = avail
        layer.payload_pos = layer.payload_end
        layer.short(self.size, f"{self.title} header")

    def __repr__(self) -> str:
        return f"Protocol({self.name})"


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
    spec.idx = idx
    spec.frombytes = frombytes
    right = (end - spec.offset - (spec.width or 0)) * 8  # bits right of this field's bytes
    if spec.kind in INT_KINDS and (spec.mask or right or end - start != spec.width):
        own = spec.mask or ((1 << ((spec.width or 0) * 8)) - 1)
        spec.wmask = own << right
        spec.shift = shift_of(spec.wmask)
    else:
        spec.wmask = spec.shift = 0


def _how(spec: FieldSpec) -> int:
    """How a compiled field's value comes out of the unpacked header tuple (FieldSpec.how):
    the one place that tells the kinds apart, for _getter and _read alike."""
    if spec.kind not in INT_KINDS:
        return GET_ITEM if spec.conv is None else GET_CONV
    if spec.frombytes:
        return GET_CALL
    if spec.kind == "flag":
        return GET_FLAG
    if spec.scale != 1:
        return GET_SCALED if spec.wmask else GET_CALL
    return GET_BITS if spec.wmask else GET_ITEM


def _getter(spec: FieldSpec) -> Callable[[tuple], Any]:
    """The value of a compiled field from the unpacked header tuple, specialised once so
    that reading it per packet is one call (plain fields: a C itemgetter)."""
    idx, wmask, shift, scale, conv = spec.idx, spec.wmask, spec.shift, spec.scale, spec.conv
    how = _how(spec)
    if how == GET_ITEM:
        return itemgetter(idx)
    if how == GET_BITS:
        return lambda vals: (vals[idx] & wmask) >> shift
    if how == GET_FLAG:
        return lambda vals: bool(vals[idx] & wmask) if wmask else bool(vals[idx])
    if how == GET_SCALED:
        return lambda vals: ((vals[idx] & wmask) >> shift) * scale
    if how == GET_CONV:
        return lambda vals: conv(vals[idx])  # type: ignore[misc]
    if spec.frombytes:
        return lambda vals: _value(spec, vals[idx])
    return lambda vals: vals[idx] * scale  # a scaled whole field


def _read(spec: FieldSpec, vals: tuple) -> Any:
    """spec.get(vals), with the common kinds read inline rather than through a call."""
    how = spec.how
    if how == GET_ITEM:
        return vals[spec.idx]
    if how == GET_BITS:
        return _bits(vals[spec.idx], spec.wmask, spec.shift)
    if how == GET_FLAG:
        return bool(vals[spec.idx] & spec.wmask) if spec.wmask else bool(vals[spec.idx])
    if how == GET_SCALED:
        return _bits(vals[spec.idx], spec.wmask, spec.shift) * spec.scale
    if how == GET_CONV:
        conv = spec.conv
        raw = vals[spec.idx]
        return ipv4_str(raw) if conv is ipv4_str else conv(raw)  # type: ignore[misc]
    return spec.get(vals)  # type: ignore[misc]


def _bits(word: int, wmask: int, shift: int) -> int:
    """(word & wmask) >> shift: compiled, in C (a bit field lies in a struct item of at
    most 64 bits: B, H, I or Q)."""
    return (word & wmask) >> shift


def read_values(specs: tuple[FieldSpec, ...], vals: tuple) -> tuple:
    """The values of these fixed-header specs (Protocol.specs) from a layer's unpacked
    header tuple (layer.values, when not None): one C call in the compiled core."""
    out = []
    for spec in specs:
        out.append(_read(spec, vals))
    return tuple(out)


def _value(spec: FieldSpec, raw: Any) -> Any:
    if spec.kind in INT_KINDS:
        v = int.from_bytes(raw, "big") if spec.frombytes else raw
        if spec.wmask:
            v = (v & spec.wmask) >> spec.shift
        if spec.kind == "flag":
            return bool(v)
        return v * spec.scale if spec.scale != 1 else v
    conv = spec.conv
    return conv(raw) if conv else raw


# -- dispatch tables ---------------------------------------------------------------
def table(name: str) -> dict[Any, Protocol]:
    """Dispatch table `name` itself (bind() fills this same dict later): for a decoder that
    looks a key up in it for every packet."""
    return TABLES.setdefault(name, {})


def bind(table: str, key: Any, proto: Protocol) -> None:
    """Register `proto` as what follows when `table`'s field has value `key`."""
    TABLES.setdefault(table, {})[key] = proto


def bind_heuristic(table: str, proto: Protocol, detect: Detect) -> None:
    """Register a content check tried when the table has no binding for the ports."""
    HEURISTICS.setdefault(table, []).append((proto, detect))


def bind_linktype(linktype: int, proto: Protocol | tuple[str, Any]) -> None:
    """A link type starts with `proto`, or with what a table binds: ("ethertype", 0x0800)
    is resolved at decode time, so module load order never matters."""
    LINKTYPES[linktype] = proto


def lookup(table: str, *keys: Any) -> Protocol | None:
    t = TABLES.get(table)
    if t:
        for k in keys:
            p = t.get(k)
            if p is not None:
                return p
    return None


def next_protocol(data: Any, layer: Layer, declined: tuple[Protocol, ...] = ()) -> Protocol | None:
    """What follows a layer: its own choice, then its table (lower key first), then
    heuristics; protocols that already declined these bytes are skipped."""
    nxt = layer.next
    if nxt is not None and nxt not in declined:
        return nxt
    own = layer.protocol
    nb = own.next_by
    if nb is None:
        return None
    table, names = nb
    t = TABLES.get(table)
    if t:
        specs = own.next_specs
        vals = layer.values
        keys: Any = (
            read_values(specs, vals)
            if specs is not None and vals is not None
            else tuple([layer.value(n) for n in names])
        )
        if len(keys) == 2 and keys[0] is not None and keys[1] is not None:
            if keys[1] < keys[0]:  # two ports: the lower first, as sorted() would give
                keys = (keys[1], keys[0])
        elif len(keys) > 1:
            keys = sorted([k for k in keys if k is not None])
        for k in keys:
            found = t.get(k)
            if found is not None and found not in declined:
                return found
    for proto, detect in HEURISTICS.get(table, ()):
        if proto not in declined and detect(data, layer.payload_pos, layer.payload_end, layer):
            return proto
    return None


# -- the frame pseudo-layer and the data layer ----------------------------------------
FRAME_NUMBER = Int("frame.number", "Frame Number", generated=True)
FRAME_TIME = TimeNs("frame.time_epoch", "Arrival Time", generated=True)
FRAME_LEN = Int("frame.len", "Frame Length", unit=" bytes", generated=True)
FRAME_CAPLEN = Int("frame.cap_len", "Capture Length", unit=" bytes", generated=True)
FRAME_LINKTYPE = Int("frame.encap_type", "Link Type", names=LINKTYPE_NAMES, generated=True)
FRAME_IFACE = Int("frame.interface_id", "Interface id", generated=True)
FRAME_COMMENT = Str("frame.comment", "Comment", generated=True)

FRAME = Protocol("frame", "Frame", osi=Osi.PHYSICAL, short="FRAME", explain=(
    "Facts about the capture itself: when the frame was seen, how long it was on the wire "
    "and how much of it was captured. Not a protocol header."))  # fmt: skip

DATA_DATA = Bytes("data.data", "Data")
DATA_LEN = Int("data.len", "Length", generated=True)


def _data_tail(data: Any, layer: Layer) -> None:
    n = layer.payload_end - layer.pos
    layer.add(DATA_DATA, layer.pos, n, bytes(data[layer.pos : layer.payload_end]))
    layer.add(DATA_LEN, layer.pos, 0, n)
    layer.hdr_len = n
    layer.payload_pos = layer.payload_end


DATA = Protocol(
    "data", "Data", osi=Osi.APPLICATION, tail=_data_tail,
    describe=lambda layer: f"Data ({layer.hdr_len} bytes)",
    explain="Bytes no decoder claimed: shown raw so nothing in the frame goes unaccounted for.",
)  # fmt: skip


def _frame_detail(data: Any, layer: Layer) -> None:
    pkt = layer.packet
    layer.add(FRAME_NUMBER, 0, 0, pkt.number)
    layer.add(FRAME_TIME, 0, 0, pkt.time_ns)
    layer.add(FRAME_LEN, 0, 0, pkt.wirelen)
    layer.add(FRAME_CAPLEN, 0, 0, pkt.caplen)
    layer.add(FRAME_LINKTYPE, 0, 0, pkt.linktype)
    layer.add(FRAME_IFACE, 0, 0, pkt.interface)
    if pkt.comment:
        layer.add(FRAME_COMMENT, 0, 0, pkt.comment)


FRAME.detail = _frame_detail


def _frame_layer(pkt: Packet) -> Layer:
    layer = new_layer(FRAME, pkt, 0, pkt.caplen)
    layer.payload_pos = 0
    if pkt.caplen < pkt.wirelen:
        layer.issue("warn", "truncated", "frame.snaplen_cut",
                    f"Packet size limited during capture: {pkt.caplen} of {pkt.wirelen} bytes captured",
                    0, 0)  # fmt: skip
        layer.status = "ok"  # the cut is reported on the layer whose bytes it cuts
    return layer


# -- the driver ------------------------------------------------------------------
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
    comment: str | None = None,
    upto: str | None = None,
    strict: bool = False,
) -> Packet:
    """Decode one frame. Pure: same bytes -> same Packet; never raises unless strict."""
    if not _loaded:
        _load()
    if type(data) is not bytes:
        data = bytes(data)
    pkt = new_packet(data, linktype, number, time_ns, wirelen, interface)
    pkt.comment = comment
    layers = pkt.layers
    layers.append(_frame_layer(pkt))
    first = LINKTYPES.get(linktype, DATA)
    proto = lookup(*first) or DATA if isinstance(first, tuple) else first
    pos, end = 0, len(data)
    declined: tuple[Protocol, ...] = ()
    while pos < end or (proto is not DATA and pos == end and len(layers) == 1):
        layer = new_layer(proto, pkt, pos, end)
        layers.append(layer)
        if not _run(proto, data, layer, strict):
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
            layer.issue(
                "warn",
                "malformed",
                "frame.too_many_layers",
                f"more than {MAX_LAYERS} layers: rest shown as data",
            )
            proto = DATA
        elif pos < end:  # nothing follows an empty payload: no table, no heuristics
            proto = next_protocol(data, layer) or DATA
        if pos >= end:
            break
    _cover_gaps(pkt)
    return pkt


def _run(proto: Protocol, data: bytes, layer: Layer, strict: bool) -> bool:
    """Run one protocol; an unexpected exception becomes an error issue (bytes kept).
    Protocol.dissect is inlined for the common case: this runs for every layer."""
    pos = layer.pos
    try:
        size = proto.size
        if layer.payload_end - pos >= size:
            if size:
                layer.values = proto.unpack(data, pos)
            layer.hdr_len = size
            layer.payload_pos = pos + size
            if proto.tail is not None:
                proto.tail(data, layer)
        else:
            proto._partial(data, layer, layer.payload_end - pos)
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


def _cover_gaps(pkt: Packet) -> None:
    """Bytes a layer held for its payload but no inner layer used become its padding;
    bytes past every layer become a data layer. The union of spans covers the frame."""
    layers = pkt.layers
    last = layers[-1]
    reach = last.pos + last.hdr_len if len(layers) > 1 else 0  # Layer.end, read as C fields
    for i in range(len(layers) - 2, 0, -1):
        outer = layers[i]
        if reach < outer.payload_end and reach >= outer.payload_pos:
            n = outer.payload_end - reach
            own = outer.protocol
            if own.trailer is not None:
                split_trailer(outer, reach, n)
            else:
                outer.add(own.padding, reach, n, pkt.data[reach : outer.payload_end])
            reach = outer.payload_end
        reach = max(reach, outer.pos + outer.hdr_len)
    if reach < pkt.caplen:
        layer = new_layer(DATA, pkt, reach, pkt.caplen)
        _data_tail(pkt.data, layer)
        layers.append(layer)
