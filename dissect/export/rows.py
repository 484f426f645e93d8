"""Decoded packets as table rows: one `frames` row per packet, one row per layer in each
protocol table its fields belong to (dissect/export/schema.py), buffered column by column
and handed out as Arrow record batches of at most BATCH_ROWS rows, so memory stays bounded
whatever the size of the capture."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dissect import engine

from .schema import FRAMES, Column, Table, frames_schema, namespace, tables

BATCH_ROWS = 16_384  # rows a table buffers before they become a record batch
LAYER_KEYS = ("file", "number", "layer", "protocol")
FRAME_DENSE = tuple(frames_schema().names)  # a frames row is one tuple of every column
SEVERITY_RANK = {s: i for i, s in enumerate(engine.SEVERITIES)}


class _Cells:
    """One column's values so far, each with its row: values given one row at a time
    (`rows`, `values`), and runs of rows given together (`runs`: their rows, then one
    sequence per occurrence with a value per row: a scalar column's value, or a list
    column's first, second... value of each row), which become Arrow a run at a time (no
    Python list per row, no copying into the column)."""

    __slots__ = ("rows", "values", "runs")

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.values: list[Any] = []
        self.runs: list[tuple[Any, tuple, bool]] = []  # (rows, occurrences, list column?)

    def put(self, row: int, value: Any) -> None:
        self.rows.append(row)
        self.values.append(value)

    def array(self, n: int, kind: pa.DataType, known: dict[int, np.ndarray]) -> pa.Array:
        """The column of n rows as Arrow: each row's value in its place, the others null.
        `known`: row lists already made arrays, by id (columns of one layer share one)."""
        pieces = [_run_array(occurrences, kind, listed) for _r, occurrences, listed in self.runs]
        where = [rows for rows, _o, _l in self.runs]
        if self.rows:
            pieces.append(_array(self.values, kind))
            where.append(self.rows)
        if not pieces:
            return pa.nulls(n, kind)
        values = pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)
        rows = np.concatenate([_row_array(r, known) for r in where])
        if len(rows) == n and (rows == np.arange(n)).all():
            return values
        at = np.full(n, -1, dtype=np.int64)  # scattered: a row takes its value's place
        at[rows] = np.arange(len(rows))
        return values.take(pa.array(at, mask=at < 0))

    def clear(self) -> None:
        self.rows.clear()
        self.values.clear()
        self.runs.clear()


def _row_array(rows: Any, known: dict[int, np.ndarray]) -> np.ndarray:
    got = known.get(id(rows))
    if got is None:
        got = known[id(rows)] = np.asarray(rows, np.int64)
    return got


def _run_array(occurrences: tuple, kind: pa.DataType, listed: bool) -> pa.Array:
    """A run's values as Arrow: a scalar column's one sequence, or a list column's rows of
    len(occurrences) values each (the k-th sequence holding each row's k-th value)."""
    if not listed:
        return _array(occurrences[0], kind)  # (a header's values are Arrow already)
    parts = [_array(seq, kind.value_type) for seq in occurrences]
    m, n = len(parts), len(parts[0])
    flat = parts[0]
    if m > 1:  # row by row: row r's values are parts[0][r], parts[1][r], ...
        order = (np.arange(m) * n + np.arange(n)[:, None]).ravel()
        flat = pa.concat_arrays(parts).take(pa.array(order))
    offsets = pa.array(np.arange(0, n * m + 1, m, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat, type=kind)


class _Buffer:
    """One table's rows so far. The key columns (`dense`) get a value in every row; each
    other column keeps the rows it has a value in and those values (_Cells), so a row
    costs only the columns it fills."""

    def __init__(self, schema: pa.Schema, dense: tuple[str, ...]) -> None:
        self.schema = schema
        self.rows = 0
        self.dense_names = dense
        self.dense_type = pa.struct([schema.field(n) for n in dense])
        self.dense: list[tuple] = []  # a tuple of the dense columns' values per row
        self.cells: dict[str, _Cells] = {n: _Cells() for n in schema.names if n not in dense}

    def put(self, name: str, row: int, value: Any) -> None:
        self.cells[name].put(row, value)

    def batch(self) -> pa.RecordBatch:
        n = self.rows
        dense = self._dense_columns()
        known: dict[int, np.ndarray] = {}
        arrays = [dense[f.name] if f.name in dense else self.cells[f.name].array(n, f.type, known)
                  for f in self.schema]  # fmt: skip
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _dense_columns(self) -> dict[str, pa.Array]:
        """The dense columns as Arrow: the row tuples read by Arrow as one struct array
        (no Python transposing them), or column by column when a value does not fit."""
        try:
            rows = pa.array(self.dense, type=self.dense_type)
            return dict(zip(self.dense_names, rows.flatten(), strict=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
            columns = map(list, zip(*self.dense, strict=True))
            return {f.name: _array(values, f.type)
                    for f, values in zip(self.dense_type, columns, strict=True)}  # fmt: skip

    def clear(self) -> None:
        self.rows = 0
        self.dense.clear()
        for cells in self.cells.values():
            cells.clear()


def _array(values: Any, kind: pa.DataType) -> pa.Array:
    """The values as Arrow; a value the declared type cannot hold (a decoder bug) becomes
    null rather than failing the export."""
    if isinstance(values, pa.Array):
        return values
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
        return pa.array([_fits(v, kind) for v in values], type=kind)


def _fits(value: Any, kind: pa.DataType) -> Any:
    try:
        pa.array([value], type=kind)
        return value
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
        return None


class _Placement:
    """Where a field spec's values go: its table's buffer and its column's cells (and,
    with spans, its position and length columns' cells), and whether it is a scalar."""

    __slots__ = ("namespace", "scalar", "kind", "cells", "pos", "len")

    def __init__(self, ns: str, column: Column, buf: _Buffer, spans: bool) -> None:
        self.namespace, self.scalar, self.kind = ns, column.scalar, column.type
        self.cells = buf.cells[column.name]
        self.pos = buf.cells[column.name + "__pos"] if spans else None
        self.len = buf.cells[column.name + "__len"] if spans else None


class _Head:
    """A protocol's fixed header as columns. Its values come from the engine a layer at a
    time in one call (engine.read_values over the unpacked header tuple the decoder
    already holds: no Field is made for them) and become columns a batch at a time, so a
    header field costs no Python work per row. Which fields, and where they go, comes
    from the declaration (the `header=` table and its children, in tree order)."""

    __slots__ = ("specs", "places", "offsets", "widths", "namespaces", "taken", "rows",
                 "values", "poses", "kind")  # fmt: skip

    def __init__(self, proto: engine.Protocol, place: dict) -> None:
        every = [s for spec in proto.header for s in (spec, *spec.children)]
        placed = [s for s in every if s in place]
        self.specs = tuple(placed)
        self.places = [place[s] for s in placed]
        self.kind = pa.struct([pa.field(str(k), p.kind) for k, p in enumerate(self.places)])
        self.offsets = [s.offset for s in placed]
        self.widths = [s.width or 0 for s in placed]
        self.namespaces = list(dict.fromkeys(p.namespace for p in self.places))
        self.taken = frozenset(every)  # more occurrences of these go to more_fields
        self.rows: dict[str, list[int]] = {ns: [] for ns in self.namespaces}
        self.values: list[tuple] = []
        self.poses: list[int] = []

    def flush(self) -> None:
        """The buffered layers' values into their columns' cells, a run per column."""
        if not self.values:
            return
        columns = self._columns()
        poses = np.array(self.poses, np.int64) if self.places[0].pos is not None else None
        for k, p in enumerate(self.places):
            rows = self.rows[p.namespace]
            p.cells.runs.append((rows, (columns[k],), False))
            if poses is not None:
                p.pos.runs.append((rows, (poses + self.offsets[k],), False))
                p.len.runs.append((rows, (np.full(len(rows), self.widths[k]),), False))
        self.rows = {ns: [] for ns in self.namespaces}  # the runs keep the old lists
        self.values, self.poses = [], []

    def _columns(self) -> list:
        """The buffered values column by column: Arrow reads the tuples as one struct array
        (no Python transposing them), or transposed here when a value does not fit."""
        try:
            return pa.array(self.values, type=self.kind).flatten()
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
            return list(zip(*self.values, strict=True))


class _Shape:
    """Layers of one protocol whose other fields (tail, detail, generated) came in the same
    specs in the same order (a TCP header with the same options, a DNS message with as
    many answers): where each of those fields goes is worked out once for the shape; each
    layer then only keeps its values, and they become columns a batch at a time."""

    __slots__ = ("columns", "namespaces", "rows", "values", "poses", "lens")

    def __init__(self, columns: list[tuple[_Placement, tuple[int, ...]]]) -> None:
        self.columns = columns  # (where, the indices of its occurrences in the layer)
        self.namespaces = list(dict.fromkeys(p.namespace for p, _k in columns))
        self.rows: dict[str, list[int]] = {ns: [] for ns in self.namespaces}
        self.values: list[tuple] = []
        self.poses: list[tuple] = []
        self.lens: list[tuple] = []

    def flush(self) -> None:
        """The buffered layers' values into their columns' cells, a run per column."""
        if not self.values:
            return
        spans = self.poses and any(p.pos is not None for p, _k in self.columns)
        for cells, got in ((0, self.values), (1, self.poses), (2, self.lens)):
            if cells and not spans:
                break
            by_index = list(zip(*got, strict=True))
            for p, ks in self.columns:
                target = (p.cells, p.pos, p.len)[cells]
                occurrences = tuple([by_index[k] for k in ks])
                target.runs.append((self.rows[p.namespace], occurrences, not p.scalar))
        self.rows = {ns: [] for ns in self.namespaces}  # the runs keep the old lists
        self.values, self.poses, self.lens = [], [], []


SHAPES_MAX = 1 << 14  # shapes a builder keeps (beyond: placed one layer at a time)


def _rest(fields: list[engine.Field], taken: frozenset) -> list[engine.Field]:
    """Depth first, every field of a layer but its fixed header's (`taken`): what detail()
    hung under a header field (TCP's flags in letters) stays, after the declared children."""
    out: list[engine.Field] = []
    for f in fields:
        if f.spec not in taken:
            out += f.walk()
            continue
        kids = f.children
        if kids:
            declared = len(f.spec.children)
            for c in kids[:declared]:
                for g in c.children or ():
                    out += g.walk()
            for c in kids[declared:]:
                out += c.walk()
    return out


def _grouped(fields: list[engine.Field]) -> dict[engine.FieldSpec, list[engine.Field]]:
    """The fields by spec, each spec's in tree order."""
    groups: dict[engine.FieldSpec, list[engine.Field]] = {}
    for f in fields:
        found = groups.get(f.spec)
        if found is None:
            groups[f.spec] = [f]
        else:
            found.append(f)
    return groups


class RowBuilder:
    """Packets in, record batches out: `add(file, pkt)`, then `batches()` whenever it
    suits the caller and `batches(final=True)` at the end."""

    def __init__(self, namespaces: set[str], spans: bool = False) -> None:
        self.spans = spans
        self.tables: dict[str, Table] = {ns: t for ns, t in tables().items() if ns in namespaces}
        self.buffers: dict[str, _Buffer] = {FRAMES: _Buffer(frames_schema(), FRAME_DENSE)}
        for ns, t in self.tables.items():
            self.buffers[ns] = _Buffer(t.arrow_schema(spans), LAYER_KEYS)
        self.place: dict[engine.FieldSpec, _Placement] = {
            c.spec: _Placement(ns, c, self.buffers[ns], spans)
            for ns, t in self.tables.items()
            for c in t.columns
        }
        self.own_ns = {p: namespace(p) for p in engine.PROTOCOLS}
        self.shapes: dict[tuple, _Shape | None] = {}  # (protocol, specs, header?) -> shape
        self.heads: dict[str, _Head] = {}
        for name, proto in engine.PROTOCOLS.items():
            head = _Head(proto, self.place)
            if head.specs:
                self.heads[name] = head
        self.packets = 0
        self.decided: list[pa.RecordBatch] = []  # `frames` rows of columnar.columnar_frames
        self.file_order: dict[str, int] = {}  # the files in the order their rows came

    def add_frames(self, file: str, batch: pa.RecordBatch) -> None:
        """`frames` rows made without decoding (dissect/export/columnar.py), of `file`'s
        records after every packet added so far; rows of both kinds come out in order."""
        self.file_order.setdefault(file, len(self.file_order))
        self.decided.append(batch)
        self.packets += batch.num_rows

    def table_name(self, key: str) -> str:
        return FRAMES if key == FRAMES else self.tables[key].name

    def add(self, file: str, pkt: engine.Packet) -> None:
        """The packet's rows (its `frames` row without tcp_stream and udp_stream: the
        capture's stream pass gives them, dissect/export/streams.py `place`)."""
        self.packets += 1
        self.file_order.setdefault(file, len(self.file_order))
        frame_row(self.buffers[FRAMES], file, pkt)
        if self.tables:  # else `frames` alone: no field is built
            for i, layer in enumerate(pkt.layers):
                if i:
                    self._layer(file, pkt.number, i, layer)

    def _layer(self, file: str, number: int, i: int, layer: engine.Layer) -> None:
        """The layer's row in its own table and in every table whose fields it carries:
        the fixed header's values in bulk (_Head), the other fields grouped by spec (tree
        order kept within each), then placed."""
        proto = layer.protocol.name
        keys = (file, number, i, proto)
        rows: dict[str, int] = {}
        head = self.heads.get(proto)
        if head is not None and layer.values is not None:
            for ns in head.namespaces:
                row = rows[ns] = self._new_row(ns, keys)
                head.rows[ns].append(row)
            head.values.append(engine.read_values(head.specs, layer.values))
            head.poses.append(layer.pos)
            fields, taken = _rest(layer.fields, head.taken), head.taken
        else:
            fields, taken = layer.walk(), frozenset()
        own = self.own_ns.get(proto)
        if own in self.tables and own not in rows:
            rows[own] = self._new_row(own, keys)
        self._other_fields(proto, fields, rows, keys, taken)

    def _other_fields(self, proto: str, fields: list, rows: dict[str, int], keys: tuple,
                      taken: frozenset) -> None:  # fmt: skip
        """The fields besides the bulk header: by their shape, else one at a time."""
        specs = tuple([f.spec for f in fields])
        key = (proto, specs, bool(taken))  # a shape depends on what the header took
        shape = self.shapes.get(key, False)
        if shape is False:
            shape = self._shape(key, taken)
        if shape is None:  # a field no column holds once (more_fields): one at a time
            self._place(_grouped(fields), rows, keys, taken)
            return
        for ns in shape.namespaces:
            row = rows.get(ns)
            if row is None:
                row = rows[ns] = self._new_row(ns, keys)
            shape.rows[ns].append(row)
        shape.values.append(tuple([f.value for f in fields]))
        if self.spans:
            shape.poses.append(tuple([f.pos for f in fields]))
            shape.lens.append(tuple([f.len for f in fields]))

    def _shape(self, key: tuple, taken: frozenset) -> _Shape | None:
        """Where a layer with these fields puts each (None: some occurrence would go to
        more_fields, which a shape does not do)."""
        at: dict[engine.FieldSpec, list[int]] = {}
        for k, spec in enumerate(key[1]):
            at.setdefault(spec, []).append(k)
        columns = []
        for spec, ks in at.items():
            p = self.place.get(spec)
            if p is None:
                continue
            if spec in taken or (p.scalar and len(ks) > 1):
                columns = None
                break
            columns.append((p, tuple(ks)))
        shape = None if columns is None else _Shape(columns)
        if len(self.shapes) < SHAPES_MAX:
            self.shapes[key] = shape
        return shape

    def _place(self, groups: dict, rows: dict[str, int], keys: tuple, taken: frozenset) -> None:
        """Each spec's occurrences into its column (a scalar: the first; the others, and
        any of a header field already placed, into more_fields)."""
        place, more = self.place, []
        for spec, found in groups.items():
            p = place.get(spec)
            if p is None:  # a namespace --protocols left out
                continue
            row = rows.get(p.namespace)
            if row is None:
                row = rows[p.namespace] = self._new_row(p.namespace, keys)
            if spec in taken:
                more.append((p.namespace, row, found))
                continue
            if p.scalar:
                f = found[0]
                p.cells.put(row, f.value)
                if len(found) > 1:
                    more.append((p.namespace, row, found[1:]))
                if p.pos is not None:
                    p.pos.put(row, f.pos)
                    p.len.put(row, f.len)
            else:
                p.cells.put(row, [f.value for f in found])
                if p.pos is not None:
                    p.pos.put(row, [f.pos for f in found])
                    p.len.put(row, [f.len for f in found])
        for ns, row, extra in more:
            self.buffers[ns].put("more_fields", row, [_more(f) for f in extra])

    def _new_row(self, ns: str, keys: tuple) -> int:
        buf = self.buffers[ns]
        buf.dense.append(keys)  # LAYER_KEYS
        buf.rows += 1
        return buf.rows - 1

    def buffers_full(self) -> bool:
        decided = sum(b.num_rows for b in self.decided)
        return decided + self.buffers[FRAMES].rows >= BATCH_ROWS or any(
            buf.rows >= BATCH_ROWS for buf in self.buffers.values()
        )

    def batches(self, final: bool = False) -> Iterator[tuple[str, pa.RecordBatch]]:
        """(table name, batch) for every table holding BATCH_ROWS rows (any rows: final)."""
        for head in self.heads.values():
            head.flush()
        for shape in self.shapes.values():
            if shape is not None:
                shape.flush()
        for key, buf in self.buffers.items():
            if key == FRAMES and self.decided:
                yield from self._frames_batches(final)
            elif buf.rows and (final or buf.rows >= BATCH_ROWS):
                batch = buf.batch()
                buf.clear()
                yield self.table_name(key), batch

    def _frames_batches(self, final: bool) -> Iterator[tuple[str, pa.RecordBatch]]:
        """The decoded packets' `frames` rows and the decided ones together, in record order
        (file as they came, then frame number)."""
        buf = self.buffers[FRAMES]
        if not final and buf.rows + sum(b.num_rows for b in self.decided) < BATCH_ROWS:
            return
        parts = self.decided + ([buf.batch()] if buf.rows else [])
        buf.clear()
        self.decided = []
        table = pa.Table.from_batches(parts)
        numbers = table["number"].to_numpy()
        if len(self.file_order) == 1:
            order = np.argsort(numbers, kind="stable")
        else:  # each row's file by its place in file_order (Arrow's lookup: no str per row)
            known = pa.array(list(self.file_order), pa.string())
            files = pc.index_in(table["file"], value_set=known).to_numpy()
            order = np.lexsort((numbers, files))
        for batch in table.take(pa.array(order)).to_batches(max_chunksize=BATCH_ROWS * 2):
            yield FRAMES, batch

    def schema(self, table_name: str) -> pa.Schema:
        for key, buf in self.buffers.items():
            if self.table_name(key) == table_name:
                return buf.schema
        raise KeyError(table_name)


def _more(f: engine.Field) -> dict[str, Any]:
    return {"name": f.spec.name, "value": json.dumps(engine.json_value(f.value)),
            "pos": f.pos, "len": f.len}  # fmt: skip


def frame_row(buf: _Buffer, file: str, pkt: engine.Packet) -> None:
    """The packet's `frames` row: -T json's top-level facts and the list columns, one
    tuple in the order of frames_schema (every column is dense: None is a null; the
    stream numbers are placed later)."""
    src, dst, proto, info, status, bad = engine.columns(pkt)
    layers = pkt.layers
    key = tuple([layer.protocol for layer in layers])
    stack = _STACKS.get(key) or _stack(key)
    ports = None
    limit = pkt.ctx.column_layers or len(layers)
    for k, specs in stack.ports:
        if k < limit and layers[k].values is not None:
            ports = engine.read_values(specs, layers[k].values)
            break
    expert, worst = _expert(layers)
    time_ns, linktype, interface = engine.record_facts(pkt)  # a Custom Block: nulls
    buf.rows += 1
    buf.dense.append(
        (file, pkt.number, time_ns, pkt.wirelen, pkt.caplen, linktype, interface, pkt.comment, stack.names, src or None, dst or None,
         None if ports is None else ports[0], None if ports is None else ports[1], None, None,
         proto, info, status, bad, engine.SEVERITIES[worst] if expert else None,
         expert or None)
    )  # fmt: skip


class _Stack:
    """What a `frames` row takes from a packet's stack of protocols, worked out once per
    stack: the protocols column (`eth:ip:udp:dns`) and the layers that may give the ports
    (each transport layer declaring both, with its specs; the first of them below the
    packet's column limit with a header wins)."""

    __slots__ = ("names", "ports")

    def __init__(self, protos: tuple[engine.Protocol, ...]) -> None:
        self.names = ":".join([p.name for p in protos[1:]])
        self.ports = tuple((k, s) for k, p in enumerate(protos) if (s := _port_specs(p)))


STACKS_MAX = 1 << 12  # stacks remembered (beyond: worked out for each packet)
_STACKS: dict[tuple, _Stack] = {}


def _stack(protos: tuple[engine.Protocol, ...]) -> _Stack:
    stack = _Stack(protos)
    if len(_STACKS) < STACKS_MAX:
        _STACKS[protos] = stack
    return stack


def _expert(layers: list[engine.Layer]) -> tuple[list[dict], int]:
    """The layers' expert items and the rank of the worst one's severity (-1: none)."""
    expert, worst = [], -1
    for layer in layers:
        if layer.issues:
            name = layer.protocol.name
            for iss in layer.issues:
                worst = max(worst, SEVERITY_RANK.get(iss.severity, 0))
                expert.append({"layer": name, "severity": iss.severity, "group": iss.group,
                               "code": iss.code, "message": iss.message})  # fmt: skip
    return expert, worst


def _port_specs(proto: engine.Protocol) -> tuple | None:
    """A transport protocol's `<name>.srcport` / `.dstport` fixed-header specs (TCP, UDP);
    None for any other protocol."""
    names = (proto.name + ".srcport", proto.name + ".dstport")
    transport = proto.osi == engine.Osi.TRANSPORT
    ok = transport and all(n in proto.by_name for n in names)
    return proto.specs(*names) if ok else None
