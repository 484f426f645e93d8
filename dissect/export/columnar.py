"""`frames` rows of plain records read straight from the chunk's bytes, without decoding.

A record is exported here, as numpy columns, when the decoder provably gives its `frames`
row from the fixed headers alone:

- it is quiet (dissect/quiet.py): every layer's declared steps find nothing unusual, so no
  tail runs and no layer keeps a state;
- every declared checksum (Checksum, the Internet checksum) is good: no issue, no expert
  item, status ok;
- nothing follows the last layer (no payload, no data layer), the capture kept the whole
  frame and the record has no comment.

Its Info is then the last layer's info() on a layer holding just what the decoder would
have given it (the unpacked header, its header length and span), with no packet: an info()
that needs more (another layer, the packet's bytes) raises, and that record is decoded.
The addresses come from the engine's own reading of the address layer's header. Every
other record is decoded as before. tests/test_export_columnar.py checks that both give
the same rows on every capture of the test corpus.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from dissect import engine, quiet
from dissect.fastfilter import PLANS, Columns, _load

from .schema import frames_schema


def columnar_frames(c: Columns, file: str,
                    comments: set[int]) -> tuple[np.ndarray, pa.RecordBatch | None]:  # fmt: skip
    """(the chunk's records exported here, as positions in the chunk; their `frames` rows,
    without the stream numbers: streams.place puts them). `comments`: the record indices
    with a comment."""
    todo = c.simple & ~c.payload & (c.cap == c.wire)
    if comments:
        todo &= ~np.isin(np.arange(c.start, c.start + c.n), sorted(comments))
    stacks = quiet.stacks(c, todo)
    rows: list[tuple[Any, ...]] = []
    picked: list[np.ndarray] = []
    for names, at in stacks.items():
        got = _stack_rows(c, names, at)
        if got is not None:
            picked.append(got[0])
            rows.append(got[1])
    if not picked:
        return np.zeros(0, np.int64), None
    where = np.concatenate(picked)
    order = np.argsort(where, kind="stable")
    where = where[order]
    return where, _batch(c, file, where, rows, order)


def _stack_rows(c: Columns, names: tuple[str, ...], at: np.ndarray) -> tuple | None:
    """(positions, their row values) of the quiet records of one stack whose row the
    declarations decide (the module docstring); None when none is."""
    protos = [PLANS[n].proto for n in names]
    if any(p.checksum is not None and p.checksum.algorithm != "inet" for p in protos):
        return None
    ok, bases, ends, hdrs = quiet.declared_steps(c, names, at)
    ok &= ends[-1] == bases[-1] + hdrs[-1]  # nothing after the last header
    ok &= ends[0] == c.off[at] + c.cap[at]  # no bytes past the first layer: no data layer
    for k, p in enumerate(protos):
        if p.checksum is not None:
            ok &= _checksum_good(c, protos, k, bases, ends, hdrs)
    if not ok.any():
        return None
    at, bases, ends, hdrs = at[ok], bases[:, ok], ends[:, ok], hdrs[:, ok]
    return _texts(c, protos, at, bases, ends, hdrs)


def _range_sum(c: Columns, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The sum of the big-endian 16-bit words of each record's bytes lo..hi-1 (an odd last
    byte padded with a zero): congruent mod 0xFFFF to the engine's range_sum before its
    fold. Eight bytes a step, the bytes past hi masked off; each step over the records
    whose range goes that far only (longest first), so that a few long records among many
    short ones cost what their bytes do."""
    total = np.zeros(len(lo), np.uint64)
    size = hi - lo
    longest = int(size.max()) if len(lo) else 0
    order = np.argsort(-size, kind="stable")
    ascending = np.sort(size)
    lane = np.uint64(0xFFFF)
    for k in range(0, longest, 8):
        rows = order[: len(size) - int(np.searchsorted(ascending, k, side="right"))]
        shift = ((8 - np.minimum(size[rows] - k, 8)) * 8).astype(np.uint64)
        word = c._word(lo[rows] + k) >> shift << shift
        total[rows] += (word >> np.uint64(48)) + (word >> np.uint64(32) & lane) + (
            word >> np.uint64(16) & lane) + (word & lane)  # fmt: skip
    return total.astype(np.int64)


def _checksum_good(c: Columns, protos: list, k: int, bases: list, ends: np.ndarray,
                   hdrs: np.ndarray) -> np.ndarray:  # fmt: skip
    """Where layer k's declared checksum is good (the engine's _check_declared: over its
    header or its bytes, a length field's bytes, a pseudo-header from the layer below that
    declares one): the words' sum is 0 mod 0xFFFF. A zero a checksum over IPv4 may leave
    unset leaves it unverified, which is no issue either."""
    ck, start = protos[k].checksum, bases[k]
    end = start + hdrs[k] if ck.covers == "header" else ends[k]
    ok = np.ones(len(start), bool)
    if ck.length_spec is not None:
        length = _load(c, ck.length_spec, start, ck.length_spec.offset).astype(np.int64)
        ok &= (length >= ck.offset + 2) & (start + length <= end)
        end = np.where(ok, start + length, end)
    total = _range_sum(c, start, end)
    if ck.pseudo is not None:
        below = [j for j in range(k) if protos[j].ps_src is not None]
        if not below:
            return np.zeros(len(start), bool)
        j = below[-1]
        src, dst = protos[j].ps_src, protos[j].ps_dst
        total = total + _range_sum(c, bases[j] + src.offset, bases[j] + src.offset + src.width)
        total = total + _range_sum(c, bases[j] + dst.offset, bases[j] + dst.offset + dst.width)
        length = end - start
        total = total + ck.pseudo + (length & 0xFFFF) + (length >> 16)
        if ck.zero_unset_v4 and src.width == 4:
            unset = _load(c, protos[k].by_name[ck.field], start, ck.offset) == 0
            return ok & ((total % 0xFFFF == 0) | unset)
    return ok & (total % 0xFFFF == 0) & (total != 0)


def _texts(c: Columns, protos: list, at: np.ndarray, bases: list, ends: np.ndarray,
           hdrs: np.ndarray) -> tuple | None:  # fmt: skip
    """(positions, row values) of a stack's decided records: the list columns as
    engine.columns gives them (Protocol and Info from the last layer, the addresses from
    the last layer that has some, the ports from the first transport layer with ports)."""
    top = protos[-1]
    with_addresses = [k for k, p in enumerate(protos) if p.addresses is not None]
    if top.info is None or (with_addresses and protos[with_addresses[-1]].address_specs is None):
        return None
    keep = np.ones(len(at), bool)
    infos = _infos(c, top, bases[-1], ends[-1], hdrs[-1], keep)
    src = dst = [None] * len(at)
    if with_addresses:
        src, dst = _addresses(c, protos[with_addresses[-1]], bases[with_addresses[-1]], keep)
    ports = _ports(c, protos, bases)
    names = [p.name for p in protos]
    at = at[keep]
    pick = np.flatnonzero(keep).tolist()
    return at, (
        ":".join(names), [src[k] for k in pick], [dst[k] for k in pick],
        None if ports is None else ports[0][keep], None if ports is None else ports[1][keep],
        top.short, [infos[k] for k in pick],
    )  # fmt: skip


def _infos(c: Columns, proto: engine.Protocol, base: np.ndarray, end: np.ndarray,
           hdr: np.ndarray, keep: np.ndarray) -> list[str | None]:  # fmt: skip
    """Each record's Info: the protocol's info() on a layer holding what the decoder would
    have given it, with no packet. A record whose info() wants more (it raises), or gives
    none (a lower layer's would be shown), is left to the decoder (keep: False)."""
    out: list[str | None] = []
    unpack, info, buffer = proto.unpack, proto.info, c.buffer
    for k, (pos, stop, length) in enumerate(zip(base.tolist(), end.tolist(), hdr.tolist(),
                                                strict=True)):  # fmt: skip
        layer = engine.Layer(proto, None, pos, stop)
        layer.values = unpack(buffer, pos)
        layer.hdr_len, layer.payload_pos = length, pos + length
        try:
            text = info(layer)
        except Exception:  # noqa: BLE001 - it needs what only a decode has: decode it
            text = None
        if not text:
            keep[k] = False
        out.append(engine.safe_text(text, 300) if text else None)
    return out


def _addresses(c: Columns, proto: engine.Protocol, base: np.ndarray,
               keep: np.ndarray) -> tuple[list, list]:  # fmt: skip
    """Source and destination as the engine reads them from the layer's header (each
    distinct header read once); a record where either is missing is left to the decoder."""
    specs = proto.address_specs
    words = [c.at(base, s.offset + k, min(8, (s.width or 1) - k))
             for s in specs for k in range(0, s.width or 1, 8)]  # fmt: skip
    key = np.stack(words, axis=1) if words else np.zeros((len(base), 0), np.uint64)
    _distinct, first, back = np.unique(key, axis=0, return_index=True, return_inverse=True)
    got = [engine.read_values(specs, proto.unpack(c.buffer, int(base[i]))) for i in first]
    pairs = [got[i] for i in back.reshape(-1).tolist()]
    for k, (s, d) in enumerate(pairs):
        if s is None or d is None:
            keep[k] = False
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _ports(c: Columns, protos: list, bases: list) -> tuple[np.ndarray, np.ndarray] | None:
    """srcport and dstport of the first transport layer declaring both (rows._port_specs)."""
    from .rows import _port_specs

    for proto, base in zip(protos, bases, strict=True):
        specs = _port_specs(proto)
        if specs:
            return tuple(_load(c, s, base, s.offset).astype(np.int64) for s in specs)
    return None


def _batch(c: Columns, file: str, where: np.ndarray, rows: list[tuple],
           order: np.ndarray) -> pa.RecordBatch:  # fmt: skip
    """The decided records' `frames` rows (in record order: `order` sorts the stacks'
    rows, concatenated, into it)."""
    n = len(where)
    stack = np.repeat(np.arange(len(rows)), [len(r[1]) for r in rows])[order]

    def joined(k: int, per_row: bool) -> np.ndarray:
        """Column k of the stacks' rows, in record order (an object array)."""
        if not per_row:
            return np.array([r[k] for r in rows], dtype=object)[stack]
        values = np.empty(n, dtype=object)
        values[:] = [v for r in rows for v in r[k]]
        return values[order]

    def ports(k: int) -> pa.Array:
        parts = [r[k] if r[k] is not None else np.full(len(r[1]), -1) for r in rows]
        got = np.concatenate(parts)[order]
        return pa.array(got, pa.int64(), mask=got < 0)

    schema = frames_schema()
    columns = {
        "file": pa.array([file] * n, pa.string()),
        "number": pa.array(c.start + where + 1, pa.int64()),
        "time": pa.array(c.times_ns()[where], pa.int64()).cast(schema.field("time").type),
        "len": pa.array(c.wire[where]), "caplen": pa.array(c.cap[where]),
        "linktype": pa.array(c.lt[where]), "interface": pa.array(c.ifaces[where]),
        "protocols": pa.array(joined(0, False)), "src": pa.array(joined(1, True), pa.string()),
        "dst": pa.array(joined(2, True), pa.string()), "srcport": ports(3), "dstport": ports(4),
        "protocol": pa.array(joined(5, False)),
        "info": pa.array(joined(6, True)), "status": pa.array(["ok"] * n),
        "bad_checksum": pa.array(np.zeros(n, bool)),
    }  # fmt: skip
    arrays = [columns[f.name].cast(f.type) if f.name in columns else pa.nulls(n, f.type)
              for f in schema]  # fmt: skip
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
