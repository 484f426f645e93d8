"""Display filters over a whole capture index at once: numpy over the file's bytes.

A compiled Filter (dissect/filter.py) is a tree; here each node is evaluated for a chunk of
records as a pair of boolean arrays (known, value). A record is *known* where its answer
follows from fixed offsets alone:

- frame facts (frame.number, frame.len, frame.time_relative...) for every record;
- fixed-header fields of the protocols that declare a Bulk (dissect/protocol.py: Ethernet
  II, ARP, IPv4, IPv6, TCP, UDP, ICMP, ICMPv6) for records whose stack is *plain*: from the
  link type down the dispatch tables, every layer is a plain layer of such a protocol
  (IPv4 without options or fragmentation, IPv6 without extension headers, ICMP that is not
  an error quoting a packet: what each Bulk declares), each protocol once, ending in one
  whose only followers are application protocols, in one with no dispatch table, or in a
  key nothing decodes. For those the decoder provably builds the same layers at the same
  offsets, so `tcp.port == 80` is two 16-bit loads per record. Every offset, mask, key and
  bound comes from the header tables, the Bulk declarations and the dispatch tables;
- `contains` (and `==` on raw-text fields) as a necessary condition: a record whose bytes
  do not hold the needle cannot match (bytes.find over the map, one jump per hit).

and/or/not combine three-valued (a known false side decides an `and`). Records left
unknown go through the ordinary predicate, which decodes only as deep as the filter needs.
tests/test_filter.py checks both paths agree on every corpus file.

Memory stays bounded whatever the capture's size: a step reads at most SPAN_BYTES of the
file and works on at most CHUNK records (a few MB of arrays in all); only the index of the
capture grows with it.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from time import monotonic
from typing import Any

import numpy as np

from .engine import (
    _OPERATORS,
    HEURISTICS,
    INT_KINDS,
    LINKTYPES,
    PROTOCOLS,
    TABLES,
    FieldSpec,
    Protocol,
    lookup,
    shift_of,
)
from .filter import (
    CARRIERS,
    EXTRA_OWNERS,
    AliasRef,
    BoolNode,
    Exists,
    FieldRef,
    Filter,
    FrameRef,
    Node,
    ProtoRef,
    Ref,
    Test,
    terminal,
)
from .index import CaptureIndex
from .linktypes import PCAPNG_CUSTOM_BLOCK
from .protocol import OWN_BYTES

__all__ = ["CHUNK", "PLANS", "Scanner", "scan"]

log = logging.getLogger(__name__)

CHUNK = 1 << 15  # records per vectorised step: ~40 arrays of this many words, a few MB
SPAN_BYTES = 1 << 22  # the most of the file's bytes one step reads (bounds its memory)
# Text fields whose value is exactly their bytes decoded (checked over the corpus by
# tests/test_filter.py): `contains` on them can skip records without the needle.
RAW_TEXT = frozenset({
    "http.request.method", "http.request.uri", "http.request.uri.path",
    "http.request.uri.query", "http.request.version", "http.response.version",
    "http.response.phrase", "http.host", "http.user_agent", "http.referer", "http.server",
    "http.content_type", "http.location", "http.cookie", "http.set_cookie",
    "tls.handshake.extensions_server_name", "dhcp.option.hostname",
})  # fmt: skip
Vec = tuple[np.ndarray, np.ndarray]  # (known, value) per record
# Application protocols (not `data`, which fills any gap). On a plain record they can only
# follow a layer whose dispatch table holds nothing else, and only on a payload.
APP = frozenset(p.name for p in PROTOCOLS.values() if p.osi >= 5 and p.name != "data")
Located = tuple[FieldSpec, int]  # a field and its offset in its layer


# -- the protocols read from the bytes: their Bulk declarations, compiled once --------------
@dataclass(frozen=True)
class Plan:
    """How plain layers of one protocol are read: its Bulk declaration, compiled."""

    proto: Protocol
    size: int  # the fixed header's
    fields: dict[str, Located]  # every fixed field, by name
    plain: tuple[tuple[FieldSpec, int, str, Any], ...]
    hdr_len: Located | None
    length: Located | None
    length_from: int  # where `length` counts from: 0, or the fixed header's end
    key: Located | None  # the dispatch key, when the table may hold more than applications
    table: tuple[tuple[int, str], ...]  # (key, protocol name) of that table
    decodes_unbound: bool  # heuristics may claim a key the table does not bind
    apps: bool  # only application protocols follow, on a payload
    # A layer dispatching on several keys (UDP's two ports) whose table also binds a
    # protocol below the application layer (a tunnel: VXLAN, Geneve): those keys, and the
    # key fields to test; a record with one of them is decoded, not read in bulk.
    blocked: tuple[int, ...] = ()
    blocked_by: tuple[Located, ...] = ()


def _plan(proto: Protocol) -> Plan:
    bulk = proto.bulk
    fields: dict[str, Located] = {n: (s, s.offset) for n, s in proto.by_name.items()}
    size = proto.size

    def located(name: str) -> Located:
        if name not in fields or fields[name][0].kind not in INT_KINDS:
            raise ValueError(f"{proto.name}: its Bulk names {name!r}, not a fixed integer")
        return fields[name]

    table_name, keys = proto.next_by or ("", ())
    ends = proto.next_by is None or terminal(proto)
    blocked: tuple[int, ...] = ()
    if not ends and len(keys) != 1:
        bound = TABLES.get(table_name, {})
        blocked = tuple(k for k, p in bound.items() if isinstance(k, int) and p.osi < 5)
        if len(blocked) != sum(1 for p in bound.values() if p.osi < 5):
            raise ValueError(f"{proto.name}: a Bulk protocol dispatches on one key")
        ends = True  # in bulk only when no key is a blocked one (checked per record)
    plain, hdr_len, total = _declared(proto)
    length = bulk.length or total or bulk.payload_length
    hdr_len = bulk.hdr_len or hdr_len
    return Plan(
        proto, size, fields,
        tuple((*located(name), op, value) for name, op, value in (*plain, *bulk.plain)),
        located(hdr_len) if hdr_len else None,
        located(length) if length else None,
        proto.size if bulk.payload_length else 0,
        None if ends else located(keys[0]),
        tuple((k, p.name) for k, p in TABLES.get(table_name, {}).items() if isinstance(k, int)),
        bool(HEURISTICS.get(table_name)),
        proto.next_by is not None and ends,
        blocked,
        tuple(located(k) for k in keys) if blocked else (),
    )  # fmt: skip


# A tail_when condition, negated: a plain layer is one whose tail the engine would not run.
NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">": "<=", "&": "&==0"}
OPERATOR_NAMES = {code: name for name, code in _OPERATORS.items()}


def _declared(proto: Protocol) -> tuple[list[tuple[str, str, Any]], str | None, str | None]:
    """What the engine's declared steps already say of an ordinary layer (Protocol's
    docstring): its guard holds, no tail_when condition does, it is not a fragment, its
    header length is at least the minimum; the header length and total length fields.
    (conditions, header-length field, total-length field)"""
    plain = [(spec.name, OPERATOR_NAMES[op], value) for spec, op, value in proto.guard]
    plain += [(spec.name, NEGATED[OPERATOR_NAMES[op]], value)
              for spec, op, value in proto.tail_when or ()]  # fmt: skip
    if proto.fr_more is not None:
        plain += [(proto.fr_more.name, "==", 0), (proto.fr_offset.name, "==", 0)]
    hdr_len = None
    if proto.hl is not None:
        hdr_len = proto.hl_spec.name
        plain.append((hdr_len, ">=", proto.hl.minimum))
    total = proto.tl_spec.name if proto.tl_spec is not None and proto.tl_extra == 0 else None
    return plain, hdr_len, total


PLANS: dict[str, Plan] = {p.name: _plan(p) for p in PROTOCOLS.values() if p.bulk is not None}


def _roots() -> dict[str, list[int]]:
    """The link types whose frames start with a protocol of PLANS."""
    out: dict[str, list[int]] = {}
    for linktype, first in LINKTYPES.items():
        proto = lookup(*first) if isinstance(first, tuple) else first
        if proto is not None and proto.name in PLANS:
            out.setdefault(proto.name, []).append(linktype)
    return out


ROOTS = _roots()


def refresh() -> None:
    """Plan again after a dispatch table changed at run time (dissect/decode_as.py). A
    protocol whose table now leads to more than applications on two keys gets no plan: its
    layers are decoded, which is always right."""
    PLANS.clear()
    for proto in PROTOCOLS.values():
        if proto.bulk is not None:
            try:
                PLANS[proto.name] = _plan(proto)
            except ValueError:
                continue
    ROOTS.clear()
    ROOTS.update(_roots())


def _fixed_spec(name: str) -> tuple[str, Located] | None:
    """(protocol, located spec) of a fixed field the vectorised path can read."""
    if name in EXTRA_OWNERS:  # ip.version is in IPv6 layers too
        return None
    for proto, plan in PLANS.items():
        found = plan.fields.get(name)
        if found is None:
            continue
        spec = found[0]
        if (spec.kind in INT_KINDS or spec.kind in ("ipv4", "ipv6", "mac")) and not spec.signed:
            return proto, found
        return None
    return None


class Columns:
    """One chunk of the index as numpy arrays plus where each plain layer starts.

    The chunk's bytes are read from the file in one call (CaptureIndex.span); offsets count
    from their start. Header bytes are read as big-endian 64-bit words (one gather brings
    eight bytes, and the records' scattered headers make every gather a pass over memory):
    reads at the same base array within one word share it."""

    def __init__(self, index: CaptureIndex, start: int, stop: int, t0_ns: int) -> None:
        offs, caps, wires, times, ifaces = index.arrays(start, stop)
        self.index, self.start, self.t0_ns = index, start, t0_ns
        self.n = len(offs)
        self.buffer, base = index.span(start, start + self.n) if self.n else (b"", 0)
        if len(self.buffer) < 8:  # a word needs 8 bytes: zeros after, as after the last
            self.buffer += bytes(8 - len(self.buffer))
        self.size = len(self.buffer)
        self.words = _words(self.buffer)
        self.off = np.frombuffer(offs, dtype=np.uint64).astype(np.int64) - base
        self.cap = np.frombuffer(caps, dtype=np.uint32).astype(np.int64)
        self.wire = np.frombuffer(wires, dtype=np.uint32).astype(np.int64)
        self.raw_times = times
        self.ifaces = np.zeros(self.n, np.int64) if ifaces is None else np.array(ifaces, np.int64)
        lts = np.array([i.linktype for i in index.interfaces] or [0], dtype=np.int64)
        self.lt = lts[np.minimum(self.ifaces, len(lts) - 1)]
        for i, kind in index.kinds(start, start + self.n).items():
            self.lt[i - start] = kind  # not a packet (a pcapng Custom Block): decoded
        self._simple = np.zeros(self.n, bool)
        self._present: dict[str, np.ndarray] = {p: np.zeros(self.n, bool) for p in PLANS}
        self._base: dict[str, np.ndarray] = {}
        self._cache: dict[str, Any] = {}
        self._words: dict[int, tuple[np.ndarray, list[tuple[int, np.ndarray]]]] = {}
        self._payload = np.zeros(self.n, bool)
        self._layered = False

    # The stack structure is worked out on first use: frame facts and `contains` need none.
    def _layers(self) -> None:
        if not self._layered:
            self._layered = True
            if self.n:
                _structure(self)

    @property
    def simple(self) -> np.ndarray:
        """Records whose stack is plain (see the module docstring)."""
        self._layers()
        return self._simple

    @property
    def present(self) -> dict[str, np.ndarray]:
        self._layers()
        return self._present

    @property
    def base(self) -> dict[str, np.ndarray]:
        self._layers()
        return self._base

    @property
    def payload(self) -> np.ndarray:
        """Plain records whose last layer may carry payload: only those can hold an
        application layer."""
        self._layers()
        return self._payload

    def release(self) -> None:
        """Drop the chunk's bytes and the views of them."""
        self.words, self.buffer = None, b""
        self._cache.clear()
        self._words.clear()

    # -- loads: big-endian integers at base + rel (clamped: callers mask short records)
    def at(self, base: np.ndarray, rel: int, width: int) -> np.ndarray:
        """The `width`-byte big-endian value at base + rel, per record (uint64)."""
        words = self._words.setdefault(id(base), (base, []))[1]
        hit = next((w for w in words if w[0] <= rel and rel + width <= w[0] + 8), None)
        if hit is None:
            hit = (rel, self._word(base + rel))
            words.append(hit)
        start, word = hit
        value = word >> np.uint64(8 * (start + 8 - rel - width))
        return value & np.uint64((1 << (8 * width)) - 1) if width < 8 else value

    def _word(self, pos: np.ndarray) -> np.ndarray:
        last = self.size - 8
        word = self.words[np.minimum(pos, last)].astype(np.uint64)
        over = pos > last  # the file's last bytes: shift them up, zeros after
        if over.any():
            word[over] <<= (8 * np.minimum(pos[over] - last, 8)).astype(np.uint64)
        return word

    def times_ns(self) -> np.ndarray:
        return times_ns(self.index, self.raw_times)


def times_ns(index: CaptureIndex, raw_times: Any) -> np.ndarray:
    """Epoch nanoseconds of index.arrays()'s raw times (pcap keeps its two time words)."""
    layout = index.time_layout
    if layout is None:
        return np.frombuffer(raw_times, dtype=np.int64)
    raw = np.frombuffer(raw_times, dtype=np.uint64)
    order, nano = layout
    low, high = raw & np.uint64(0xFFFFFFFF), raw >> np.uint64(32)
    sec, frac = (low, high) if order == "<" else (high, low)
    return (sec * np.uint64(1_000_000_000) + frac * np.uint64(1 if nano else 1000)).astype(np.int64)


def _words(buffer: Any) -> np.ndarray:
    """Every offset of the file seen as the start of a big-endian 64-bit word (a view)."""
    size = len(buffer)
    return np.ndarray((size - 7,), dtype=">u8", buffer=buffer, strides=(1,))


# -- which records are plain, and where their layers start -------------------------------
Level = tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]  # candidates, base, room


def _structure(c: Columns) -> None:
    """From the link type down the dispatch tables, one layer a step: every record's
    candidates at one depth share one base array (so their loads share words)."""
    level: Level = ({p: np.isin(c.lt, lts) for p, lts in ROOTS.items()}, c.off, c.cap)
    for _ in range(len(PLANS)):  # each protocol once per record: no deeper than this
        if not level[0]:
            break
        level = _level(c, *level)


def _level(c: Columns, cands: dict[str, np.ndarray], base: np.ndarray,
           room: np.ndarray) -> Level:  # fmt: skip
    """Mark the plain layers among the candidates (at `base`, with `room` bytes below them)
    and find the next depth's candidates."""
    nxt: dict[str, np.ndarray] = {}
    next_base, next_room = base, room
    for name, cand in cands.items():
        plan = PLANS[name]
        cand = cand & ~c._present[name]  # a second layer of it (IP in IP) is decoded
        if not cand.any():
            continue
        ok, hdr, end = _plain(c, plan, cand, base, room)
        _mark(c, name, ok, base)
        if plan.key is None:  # nothing, or only applications on a payload, follows
            for spec, rel in plan.blocked_by:  # a tunnel's port: decoded instead
                ok = ok & ~np.isin(_load(c, spec, base, rel), plan.blocked)
            c._simple |= ok
            if plan.apps:
                c._payload |= ok & (end > hdr)
            continue
        key = _load(c, plan.key[0], base, plan.key[1])
        for k, child in plan.table:
            hit = ok & (key == k) if child in PLANS else None
            if hit is not None and hit.any():
                nxt[child] = nxt[child] | hit if child in nxt else hit
        if not plan.decodes_unbound:  # a key nothing binds: data follows
            c._simple |= ok & ~np.isin(key, [k for k, _ in plan.table])
        next_base = np.where(ok, base + hdr, next_base)
        next_room = np.where(ok, end - hdr, next_room)
    return nxt, next_base, next_room


def _plain(c: Columns, plan: Plan, cand: np.ndarray, base: np.ndarray,
           room: np.ndarray) -> tuple[np.ndarray, Any, Any]:  # fmt: skip
    """(plain, header length, layer's end) of a protocol's candidate layers: its header in
    the bytes, its Bulk's conditions true, its own lengths consistent."""
    ok = cand & (room >= plan.size)
    for spec, rel, op, value in plan.plain:
        ok &= _holds(_load(c, spec, base, rel), op, value)
    hdr: Any = plan.size
    end: Any = room
    if plan.hdr_len is not None:
        hdr = _load(c, plan.hdr_len[0], base, plan.hdr_len[1]).astype(np.int64)
        ok &= hdr >= plan.size
    if plan.length is not None:
        length = _load(c, plan.length[0], base, plan.length[1]).astype(np.int64)
        length += plan.length_from
        ok &= length >= hdr  # shorter than its own header: malformed, decoded
        end = np.minimum(length, room)
    ok &= hdr <= end  # the whole header is there
    return ok, hdr, end


BULK_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "&==0": lambda v, mask: (v & mask) == 0,
}  # fmt: skip


def _holds(values: np.ndarray, op: str, value: Any) -> np.ndarray:
    """One condition of a Bulk over every record's value."""
    if op not in ("in", "not in"):
        return BULK_OPS[op](values, value)
    if isinstance(value, range) and value.step == 1:
        hit = (values >= value.start) & (values < value.stop)
    else:
        hit = np.isin(values, sorted(value))
    return ~hit if op == "not in" else hit


def _mark(c: Columns, proto: str, mask: np.ndarray, base: np.ndarray) -> None:
    """The protocol's plain layers at this depth start at `base` (one array per depth, kept
    as it is unless the protocol also sits at another depth in other records)."""
    old = c._base.get(proto)
    if old is None or not c._present[proto].any():
        c._base[proto] = base
    elif old is not base and mask.any():
        c._base[proto] = np.where(mask, base, old)
    c._present[proto] |= mask


# -- values: (present, value) per occurrence -------------------------------------------------
Occurrences = list[tuple[np.ndarray, Any]]


def occurrences(c: Columns, ref: Ref) -> tuple[np.ndarray, Occurrences] | None:
    """(known mask, occurrences) of a ref, or None when only a decode can tell."""
    if isinstance(ref, FrameRef) and type(ref) is FrameRef:
        values = _frame_values(c, ref.name)
        return None if values is None else (np.ones(c.n, bool), [(np.ones(c.n, bool), values)])
    targets = ref.targets if isinstance(ref, AliasRef) else [ref]
    occ: Occurrences = []
    for t in targets:
        if not isinstance(t, FieldRef):
            return None
        got = _field_values(c, t.name)
        if got is None:
            return None
        occ.append(got)
    return c.simple, occ


# Frame facts a record that is not a packet (a pcapng Custom Block) does not have.
RECORD_LESS = frozenset({"frame.interface_id", "frame.encap_type", "frame.time_relative",
                         "frame.time_epoch"})  # fmt: skip


def _frame_values(c: Columns, name: str) -> np.ndarray | None:
    if name in RECORD_LESS and (c.lt >= PCAPNG_CUSTOM_BLOCK).any():
        return None  # a record that is not a packet has none: decided record by record
    if name == "frame.number":
        return np.arange(c.start + 1, c.start + c.n + 1, dtype=np.int64)
    if name == "frame.len":
        return c.wire
    if name == "frame.cap_len":
        return c.cap
    if name == "frame.interface_id":
        return c.ifaces
    if name == "frame.encap_type":
        return c.lt
    if name == "frame.time_relative":
        return (c.times_ns() - c.t0_ns) / 1e9
    if name == "frame.time_epoch":
        return c.times_ns() / 1e9
    return None


def _field_values(c: Columns, name: str) -> tuple[np.ndarray, Any] | None:
    if name in c._cache:
        return c._cache[name]
    found = _fixed_spec(name)
    got = None
    if found is not None:
        proto, (spec, rel) = found
        got = (c.present[proto], _load(c, spec, c.base.get(proto, c.off), rel))
    c._cache[name] = got
    return got


def _load(c: Columns, spec: FieldSpec, base: np.ndarray, rel: int) -> Any:
    """A field's value as the decoder computes it (FieldSpec.from_bytes), per record."""
    if spec.kind == "ipv6":
        return (c.at(base, rel, 8), c.at(base, rel + 8, 8))
    width = spec.width or 1
    value = c.at(base, rel, width)
    if spec.mask:  # the declared mask is within the field's own bytes
        value = (value & np.uint64(spec.mask)) >> np.uint64(shift_of(spec.mask))
    if spec.kind == "flag":
        return value != 0
    return value * np.uint64(spec.scale) if spec.scale != 1 else value


# -- nodes: (known, value) -----------------------------------------------------------------
NP_CMP: dict[str, Callable[[Any, Any], np.ndarray]] = {
    "==": np.equal, "!=": np.equal, "===": np.equal, "!==": np.not_equal, "~=": np.not_equal,
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
}  # fmt: skip


def vectorise(c: Columns, node: Node) -> Vec | None:
    """The node over every record of the chunk; None where nothing is known."""
    if isinstance(node, BoolNode):
        return _bool(c, node)
    if isinstance(node, Exists):
        return _absent_app(c, node.ref, _exists(c, node.ref))
    if isinstance(node, Test):
        textual = node.ref.kind in ("text", "str", "bytes", "proto")
        if node.op in ("contains", "==", "matches") and textual:
            return _absent_app(c, node.ref, _needle_test(c, node))
        return _absent_app(c, node.ref, _test(c, node))
    return None  # field-to-field tests go record by record


def _absent_app(c: Columns, ref: Ref, got: Vec | None) -> Vec | None:
    """An application protocol's field or name is absent (so every test on it false) on a
    plain record without payload after its last layer: ARP, ICMP echo, a bare ACK."""
    if not _app_ref(ref):
        return got
    absent = c.simple & ~c.payload
    if got is None:
        return absent, np.zeros(c.n, bool)
    return got[0] | absent, got[1] & ~absent


def _app_ref(ref: Ref) -> bool:
    refs = ref.targets if isinstance(ref, AliasRef) else [ref]
    for r in refs:
        names = r.owners if isinstance(r, FieldRef) else r.protocols
        if not names or not all(n in APP for n in names):
            return False
    return True


def _bool(c: Columns, node: BoolNode) -> Vec | None:
    parts = [vectorise(c, item) for item in node.items]
    if all(p is None for p in parts):
        return None
    none = np.zeros(c.n, bool)
    ks = [none if p is None else p[0] for p in parts]
    vs = [none if p is None else p[1] for p in parts]
    if node.op == "not":
        return ks[0], ks[0] & ~vs[0]
    all_known = np.logical_and.reduce(ks)
    if node.op == "and":
        decided = np.logical_or.reduce([k & ~v for k, v in zip(ks, vs, strict=True)])
        return all_known | decided, all_known & np.logical_and.reduce(vs)
    decided = np.logical_or.reduce([k & v for k, v in zip(ks, vs, strict=True)])
    return all_known | decided, decided


def _exists(c: Columns, ref: Ref) -> Vec | None:
    ones = np.ones(c.n, bool)
    if isinstance(ref, ProtoRef):
        if ref.name == "frame":
            return ones, ones
        if ref.name in PLANS:
            return c.simple, c.simple & c.present[ref.name]
        return None
    got = occurrences(c, ref)
    if got is None:
        return None
    known, occ = got
    return known, known & np.logical_or.reduce([pres for pres, _ in occ])


def _test(c: Columns, node: Test) -> Vec | None:
    got = occurrences(c, node.ref)
    if got is None:
        return None
    known, occ = got
    hits = []
    for pres, values in occ:
        hit = _predicate(node.ref.kind, node.op, node.lit, values)
        if hit is None:
            return None
        hits.append(pres & hit)
    present = np.logical_or.reduce([pres for pres, _ in occ])
    if node.mode == "any":
        value = np.logical_or.reduce(hits)
    elif node.mode == "none":
        value = present & ~np.logical_or.reduce(hits)
    else:
        value = present & np.logical_and.reduce(
            [~pres | hit for (pres, _), hit in zip(occ, hits, strict=True)]
        )
    return known, known & value


def _predicate(kind: str, op: str, lit: Any, values: Any) -> np.ndarray | None:
    if op == "in":
        return _in_set(kind, lit, values)
    if kind in ("ipv4", "ipv6"):
        net, mask = lit
        if op not in NP_CMP or (kind == "ipv6" and op not in ("==", "!=", "===", "!==", "~=")):
            return None
        if op in ("<", "<=", ">", ">="):
            return NP_CMP[op](values, net)
        same = _in_net(kind, values, net, mask)
        return same if op in ("==", "!=", "===") else ~same
    if kind not in ("int", "bool", "float", "mac") or op not in NP_CMP:
        return None
    return NP_CMP[op](values, int(lit) if kind == "bool" else lit)


def _in_net(kind: str, values: Any, net: int, mask: int) -> np.ndarray:
    if kind == "ipv4":
        return (values & np.uint64(mask)) == np.uint64(net)
    hi, lo = values
    m_hi, m_lo = np.uint64(mask >> 64), np.uint64(mask & (2**64 - 1))
    return ((hi & m_hi) == np.uint64(net >> 64)) & ((lo & m_lo) == np.uint64(net & (2**64 - 1)))


def _in_set(kind: str, items: list[tuple[str, Any, Any]], values: Any) -> np.ndarray | None:
    if kind not in ("int", "bool", "float", "mac", "ipv4", "ipv6"):
        return None
    out = None
    for tag, a, b in items:
        if tag == "net":
            hit = _in_net(kind, values, a, b)
        elif kind == "ipv6":
            return None
        else:
            hit = (values >= a) & (values <= b)
        out = hit if out is None else out | hit
    return out


def _needle_test(c: Columns, node: Test) -> Vec | None:
    """A record whose bytes lack the needle cannot contain it in a raw field or layer."""
    needle = _needle(node)
    if needle is None:
        return None
    hits = _containing(c, needle)
    if isinstance(node.ref, ProtoRef) and node.ref.name == "frame" and node.op == "contains":
        return np.ones(c.n, bool), hits
    return ~(hits | _own_bytes(c)), np.zeros(c.n, bool)


def _own_bytes(c: Columns) -> np.ndarray:
    """Records whose IP payload is a protocol that decodes what follows it from bytes it
    makes (protocol.OWN_BYTES: IPComp inflates): their fields need not be in the frame."""
    out = np.zeros(c.n, bool)
    numbers = [k for k, p in TABLES["ip.proto"].items() if p.name in OWN_BYTES]
    for name, field in (("ip", "ip.proto"), ("ipv6", "ipv6.nxt")):
        base = c.base.get(name)
        if numbers and base is not None:
            spec, rel = PLANS[name].fields[field]
            at = c.present[name]
            out[at] |= np.isin(_load(c, spec, base[at], rel), numbers)
    return out


def _needle(node: Test) -> bytes | None:
    ref, lit = node.ref, node.lit
    if node.op == "matches" or node.mode != "any":
        return None
    if isinstance(ref, ProtoRef) and node.op == "contains":
        return lit or None
    if not isinstance(ref, FieldRef) or ref.spec.generated:
        return None
    if ref.owners and any(ref.owners.intersection(c) for c in CARRIERS.values()):
        return None  # a carrier may hold the value decrypted (QUIC's ClientHello): not raw
    if ref.kind == "bytes":
        return lit or None
    if ref.kind == "text" and ref.name in RAW_TEXT and isinstance(lit, str) and lit.isascii():
        return lit.encode("ascii") or None
    return None


def _containing(c: Columns, needle: bytes) -> np.ndarray:
    """Which records of the chunk hold `needle` in their captured bytes."""
    out = np.zeros(c.n, bool)
    if not c.n:
        return out
    buf, off, size = c.buffer, c.off, len(needle)
    end_all = int(off[-1] + c.cap[-1])
    pos = buf.find(needle, int(off[0]), end_all)
    while pos >= 0:
        k = int(np.searchsorted(off, pos, side="right")) - 1
        end = int(off[k] + c.cap[k])
        if pos + size <= end:
            out[k] = True
            pos = buf.find(needle, end, end_all)  # one hit per record is enough
        else:
            pos = buf.find(needle, pos + 1, end_all)
    return out


# -- scanning ----------------------------------------------------------------------------
SLOW_BATCH = 2048  # records decoded between progress reports (and cancel checks) ...
STEP_SECONDS = 0.05  # ... or fewer, when they take longer than this: esc stops at once


class Scanner:
    """Runs one compiled filter over an index, chunk by chunk, in record order."""

    step_seconds = STEP_SECONDS  # the TUI's worker takes shorter steps (keys come between)

    def __init__(self, flt: Filter, index: CaptureIndex) -> None:
        self.flt, self.index = flt, index
        self.t0_ns = index.time_ns(0) if len(index) else 0
        self.vectorised = 0  # records answered from fixed offsets
        self.decoded = 0  # records that needed the predicate (and maybe a decode)

    def known(self, start: int, stop: int) -> Vec:
        """(known, value) of records start..stop-1, their bytes read SPAN_BYTES at a time."""
        parts = [self._known(a, b) for a, b in self.index.spans(start, stop, SPAN_BYTES)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return np.zeros(0, bool), np.zeros(0, bool)
        return np.concatenate([k for k, _ in parts]), np.concatenate([v for _, v in parts])

    def _known(self, start: int, stop: int) -> Vec:
        c = Columns(self.index, start, stop, self.t0_ns)
        try:
            got = vectorise(c, self.flt.root) if c.n else None
        finally:
            c.release()
        if got is None:
            zeros = np.zeros(c.n, bool)
            return zeros, zeros
        return got

    def chunk(self, start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
        """(records done up to, matching record indices) in order, in small steps."""
        known, value = self.known(start, stop)
        fast = np.flatnonzero(known & value) + start
        todo = np.flatnonzero(~known) + start
        self.vectorised += int(known.sum())
        self.decoded += len(todo)
        done = 0
        for upto, slow in self._slow_steps(todo.tolist(), stop):
            k = int(np.searchsorted(fast, upto))
            yield upto, np.union1d(fast[done:k], np.array(slow, np.int64))
            done = k
        if done < len(fast) or not len(todo):
            yield stop, fast[done:]

    def _slow_steps(self, todo: list[int], stop: int) -> Iterator[tuple[int, list[int]]]:
        """The records only the predicate can answer, in steps of SLOW_BATCH records or
        STEP_SECONDS of work, whichever comes first: (records done up to, matches)."""
        hits: list[int] = []
        count, began = 0, monotonic()
        for n, i in enumerate(todo):
            if self.slow(i):
                hits.append(i)
            count += 1
            if n == len(todo) - 1:
                yield stop, hits
            elif count == SLOW_BATCH or monotonic() - began >= self.step_seconds:
                yield i + 1, hits
                hits, count, began = [], 0, monotonic()

    def slow(self, i: int) -> bool:
        rec = self.index.record(i)
        return self.flt.match_frame(rec.data, rec.linktype, rec.number, rec.time_ns,
                                    rec.wirelen, rec.interface, rec.comment, self.t0_ns)  # fmt: skip


def scan(flt: Filter, index: CaptureIndex, start: int = 0, stop: int | None = None,
         chunk: int = CHUNK) -> Iterator[tuple[int, np.ndarray]]:  # fmt: skip
    """Matching record indices over records start..stop-1 (default: all indexed so far)."""
    scanner = Scanner(flt, index)
    stop = len(index) if stop is None else min(stop, len(index))
    for a in range(start, stop, chunk):
        yield from scanner.chunk(a, min(stop, a + chunk))
