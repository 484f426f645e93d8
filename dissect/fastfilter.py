"""Display filters over a whole capture index at once: numpy over the file's bytes.

A compiled Filter (dissect/filter.py) is a tree; here each node is evaluated for a chunk of
records as a pair of boolean arrays (known, value). A record is *known* where its answer
follows from fixed offsets alone:

- frame facts (frame.number, frame.len, frame.time_relative...) for every record;
- fixed-header fields of Ethernet II, ARP, IPv4, IPv6, TCP, UDP, ICMP and ICMPv6 for
  records whose stack is *plain*: Ethernet II (or raw IP) -> IPv4 without options or
  fragmentation / IPv6 without extension headers -> TCP, UDP, ICMP (not an error quoting
  a packet) or an IP protocol nothing decodes. For those the decoder provably builds the
  same layers at the same offsets, so `tcp.port == 80` is two 16-bit loads per record;
- `contains` (and `==` on raw-text fields) as a necessary condition: a record whose bytes
  do not hold the needle cannot match (bytes.find over the map, one jump per hit).

and/or/not combine three-valued (a known false side decides an `and`). Records left
unknown go through the ordinary predicate, which decodes only as deep as the filter needs.
tests/test_filter.py checks both paths agree on every corpus file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any

import numpy as np

from .engine import FIELDS, HEURISTICS, INT_KINDS, PROTOCOLS, TABLES, FieldSpec
from .filter import (
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

__all__ = ["CHUNK", "Scanner", "scan"]

log = logging.getLogger(__name__)

CHUNK = 1 << 18  # records per vectorised step: a few MB of temporaries, ~50 ms of work
SPAN_BYTES = 1 << 25  # the most of the file's bytes one step reads (bounds its memory)
FAST = ("eth", "arp", "ip", "ipv6", "tcp", "udp", "icmp", "icmpv6")
ICMP_ERRORS = (3, 4, 5, 11, 12)  # types that quote a packet (decoded as more layers)
ICMPV6_PLAIN = (128, 129, 133, 134, 135, 136)  # echo, router and neighbour discovery
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
# Application protocols (not `data`, which fills any gap): reached only through the port
# and media-type tables, so never without a transport payload (checked once, here).
APP = frozenset(p.name for p in PROTOCOLS.values() if p.osi >= 5 and p.name != "data")
APP_AFTER_TRANSPORT = all(
    table in ("tcp.port", "udp.port", "media_type")
    for table in set(TABLES) | set(HEURISTICS)
    if any(p.name in APP for p in TABLES.get(table, {}).values())
    or any(p.name in APP for p, _ in HEURISTICS.get(table, ()))
)


def _fixed_spec(name: str) -> tuple[str, FieldSpec] | None:
    """(protocol, spec) of a fixed-header field the vectorised path can read."""
    if name == "eth.type":
        return "eth", FIELDS["eth.type"]
    for proto in FAST:
        spec = PROTOCOLS[proto].by_name.get(name)
        if spec is None or name in EXTRA_OWNERS:  # ip.version is in IPv6 layers too
            continue
        if spec.kind in INT_KINDS or spec.kind in ("ipv4", "ipv6", "mac"):
            return proto, spec
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
        self._simple = np.zeros(self.n, bool)
        self._present: dict[str, np.ndarray] = {p: np.zeros(self.n, bool) for p in FAST}
        self._base: dict[str, np.ndarray] = {p: self.off for p in FAST}
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
        """Plain records whose TCP or UDP segment may carry payload: only those can hold an
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
        layout = self.index.time_layout
        if layout is None:
            return np.frombuffer(self.raw_times, dtype=np.int64)
        raw = np.frombuffer(self.raw_times, dtype=np.uint64)
        order, nano = layout
        low, high = raw & np.uint64(0xFFFFFFFF), raw >> np.uint64(32)
        sec, frac = (low, high) if order == "<" else (high, low)
        return (sec * np.uint64(1_000_000_000) + frac * np.uint64(1 if nano else 1000)).astype(
            np.int64
        )


def _words(buffer: Any) -> np.ndarray:
    """Every offset of the file seen as the start of a big-endian 64-bit word (a view)."""
    size = len(buffer)
    return np.ndarray((size - 7,), dtype=">u8", buffer=buffer, strides=(1,))


# -- which records are plain, and where their layers start -------------------------------
def _structure(c: Columns) -> None:
    off, cap, lt = c.off, c.cap, c.lt
    etype = c.at(off, 12, 2).astype(np.int64)
    eth = (lt == 1) & (cap >= 14) & ((etype == 0) | (etype >= 1536))
    c.present["eth"] = eth
    bound = np.array(sorted(k for k in TABLES.get("ethertype", {}) if isinstance(k, int)))
    unbound = ~np.isin(etype, bound) if not HEURISTICS.get("ethertype") else np.zeros(c.n, bool)
    c._simple |= eth & unbound  # an EtherType nothing decodes: the rest is data
    l3 = np.where(eth, off + 14, off)  # one base for ARP, IPv4 and IPv6: their words shared
    arp = eth & np.isin(etype, (0x0806, 0x8035)) & (cap >= 14 + 8)
    _mark(c, "arp", arp, l3)
    version = c.at(off, 0, 1).astype(np.int64) >> 4
    raw4 = np.isin(lt, (101, 228)) & (cap >= 1) & (version == 4)
    raw6 = np.isin(lt, (101, 229)) & (cap >= 1) & (version == 6)
    v4 = _ipv4(c, (eth & (etype == 0x0800)) | raw4, l3)
    v6 = _ipv6(c, (eth & (etype == 0x86DD)) | raw6, l3)
    l4 = l3 + np.where(v6[0], 40, 20)  # one base for TCP, UDP and ICMP
    for ok, proto, avail, six in (v4, v6):
        _transport(c, ok, proto, l4, avail, six)


def _mark(c: Columns, proto: str, mask: np.ndarray, base: np.ndarray) -> None:
    c.present[proto] |= mask
    c.base[proto] = base  # meaningful where present; shared by the protocols of one level
    c._simple |= mask


def _ipv4(c: Columns, cand: np.ndarray, l3: np.ndarray) -> tuple[Any, ...]:
    """Version 4, no options (source routes rename fields), total length sane, no fragment."""
    room = c.cap - (l3 - c.off)
    ok = cand & (room >= 20) & (c.at(l3, 0, 1) == 0x45)
    total = c.at(l3, 2, 2).astype(np.int64)
    ok &= (total >= 20) & ((c.at(l3, 6, 2) & np.uint64(0x3FFF)) == 0)
    c.present["ip"] |= ok
    c.base["ip"] = l3
    avail = np.minimum(total, room) - 20
    return ok, c.at(l3, 9, 1).astype(np.int64), avail, False


def _ipv6(c: Columns, cand: np.ndarray, l3: np.ndarray) -> tuple[Any, ...]:
    """Version 6 with a payload length (0 = jumbogram or offload) and no extension header."""
    room = c.cap - (l3 - c.off)
    ok = cand & (room >= 40) & ((c.at(l3, 0, 1) >> np.uint64(4)) == 6)
    plen = c.at(l3, 4, 2).astype(np.int64)
    ok &= plen > 0
    c.present["ipv6"] |= ok
    c.base["ipv6"] = l3
    avail = np.minimum(plen + 40, room) - 40
    return ok, c.at(l3, 6, 1).astype(np.int64), avail, True


def _transport(c: Columns, ok: np.ndarray, proto: np.ndarray, l4: np.ndarray,
               avail: np.ndarray, six: bool) -> None:  # fmt: skip
    itype = c.at(l4, 0, 1).astype(np.int64)
    if terminal(PROTOCOLS["tcp"]):
        tcp = ok & (proto == 6) & (avail >= 20)
        _mark(c, "tcp", tcp, l4)
        hdr = (c.at(l4, 12, 1) >> np.uint64(4)).astype(np.int64) * 4
        c._payload |= tcp & ((hdr < 20) | (avail > hdr))  # a bad header length: maybe
    if terminal(PROTOCOLS["udp"]):
        udp = ok & (proto == 17) & (avail >= 8)
        _mark(c, "udp", udp, l4)
        c._payload |= udp & (avail > 8)
    if six:
        plain = ok & (proto == 58) & (avail >= 4) & np.isin(itype, ICMPV6_PLAIN)
        _mark(c, "icmpv6", plain, l4)
    else:
        plain = ok & (proto == 1) & (avail >= 4) & ~np.isin(itype, ICMP_ERRORS)
        _mark(c, "icmp", plain, l4)
    bound = np.array(sorted(k for k in TABLES.get("ip.proto", {}) if isinstance(k, int)))
    c._simple |= ok & ~np.isin(proto, bound)  # a protocol nothing decodes: data follows


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


def _frame_values(c: Columns, name: str) -> np.ndarray | None:
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
        proto, spec = found
        rel = 12 if name == "eth.type" else spec.offset
        got = (c.present[proto], _load(c, spec, c.base[proto], rel))
    c._cache[name] = got
    return got


def _load(c: Columns, spec: FieldSpec, base: np.ndarray, rel: int) -> Any:
    """A field's value as the decoder computes it (FieldSpec.from_bytes), per record."""
    if spec.kind == "ipv6":
        return (c.at(base, rel, 8), c.at(base, rel + 8, 8))
    width = spec.width or 1
    value = c.at(base, rel, width)
    if spec.mask:
        shift = (spec.mask & -spec.mask).bit_length() - 1
        value = (value & np.uint64(spec.mask)) >> np.uint64(shift)
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
    plain record without TCP/UDP payload: ARP, ICMP echo, a bare ACK."""
    if not APP_AFTER_TRANSPORT or not _app_ref(ref):
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
        if ref.name in FAST:
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
    return ~hits, np.zeros(c.n, bool)


def _needle(node: Test) -> bytes | None:
    ref, lit = node.ref, node.lit
    if node.op == "matches" or node.mode != "any":
        return None
    if isinstance(ref, ProtoRef) and node.op == "contains":
        return lit or None
    if not isinstance(ref, FieldRef) or ref.spec.generated:
        return None
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
            elif count == SLOW_BATCH or monotonic() - began >= STEP_SECONDS:
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
