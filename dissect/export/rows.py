"""Decoded packets as table rows: one `frames` row per packet, one row per layer in each
protocol table its fields belong to (dissect/export/schema.py), buffered column by column
and handed out as Arrow record batches of at most BATCH_ROWS rows, so memory stays bounded
whatever the size of the capture."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from dissect import engine

from .schema import FRAMES, Column, Table, frames_schema, namespace, tables

BATCH_ROWS = 16_384  # rows a table buffers before they become a record batch
SEVERITY_RANK = {s: i for i, s in enumerate(engine.SEVERITIES)}


class _Buffer:
    """One table's rows so far: each column keeps (row, value) pairs for the rows that
    have a value, so a row costs only the columns it fills."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.rows = 0
        self.cells: dict[str, list[tuple[int, Any]]] = {n: [] for n in schema.names}

    def batch(self) -> pa.RecordBatch:
        arrays = []
        for f in self.schema:
            dense: list[Any] = [None] * self.rows
            for row, value in self.cells[f.name]:
                dense[row] = value
            arrays.append(_array(dense, f))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def clear(self) -> None:
        self.rows = 0
        for cells in self.cells.values():
            cells.clear()


def _array(values: list[Any], f: pa.Field) -> pa.Array:
    """The column as Arrow; a value its declared type cannot hold (a decoder bug) becomes
    null rather than failing the export."""
    try:
        return pa.array(values, type=f.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
        return pa.array([_fits(v, f.type) for v in values], type=f.type)


def _fits(value: Any, kind: pa.DataType) -> Any:
    try:
        pa.array([value], type=kind)
        return value
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
        return None


class _Placement:
    """Where a field spec's values go: its table, column, and whether it is a scalar."""

    __slots__ = ("namespace", "column", "scalar")

    def __init__(self, ns: str, column: Column) -> None:
        self.namespace, self.column, self.scalar = ns, column.name, column.scalar


class RowBuilder:
    """Packets in, record batches out: `add(file, pkt)`, then `batches()` whenever it
    suits the caller and `batches(final=True)` at the end."""

    def __init__(self, namespaces: set[str], spans: bool = False) -> None:
        self.spans = spans
        self.tables: dict[str, Table] = {ns: t for ns, t in tables().items() if ns in namespaces}
        self.place: dict[engine.FieldSpec, _Placement] = {
            c.spec: _Placement(ns, c) for ns, t in self.tables.items() for c in t.columns
        }
        self.buffers: dict[str, _Buffer] = {FRAMES: _Buffer(frames_schema())}
        for ns, t in self.tables.items():
            self.buffers[ns] = _Buffer(t.arrow_schema(spans))
        self.own_ns = {p: namespace(p) for p in engine.PROTOCOLS}
        self.packets = 0

    def table_name(self, key: str) -> str:
        return FRAMES if key == FRAMES else self.tables[key].name

    def add(self, file: str, pkt: engine.Packet) -> None:
        self.packets += 1
        frame_row(self.buffers[FRAMES], file, pkt)
        for i, layer in enumerate(pkt.layers):
            if i:
                self._layer(file, pkt.number, i, layer)

    def _layer(self, file: str, number: int, i: int, layer: engine.Layer) -> None:
        """The layer's row in its own table and in every table whose fields it carries."""
        rows: dict[str, dict[str, list]] = {}
        own = self.own_ns.get(layer.protocol.name)
        if own in self.tables:
            rows[own] = {}
        for f in layer.walk():
            p = self.place.get(f.spec)
            if p is None:  # a namespace --protocols left out
                continue
            cols = rows.get(p.namespace)
            if cols is None:
                cols = rows[p.namespace] = {}
            cols.setdefault(p.column, []).append(f)
        for ns, cols in rows.items():
            self._row(self.buffers[ns], file, number, i, layer.protocol.name, cols)

    def _row(self, buf: _Buffer, file: str, number: int, i: int, proto: str, cols: dict) -> None:
        row, cells = buf.rows, buf.cells
        buf.rows += 1
        for name, value in (("file", file), ("number", number), ("layer", i), ("protocol", proto)):
            cells[name].append((row, value))
        more = []
        spans = self.spans
        for name, found in cols.items():
            if self.place[found[0].spec].scalar:
                f = found[0]
                more += found[1:]
                cells[name].append((row, f.value))
                if spans:
                    cells[name + "__pos"].append((row, f.pos))
                    cells[name + "__len"].append((row, f.len))
            else:
                cells[name].append((row, [f.value for f in found]))
                if spans:
                    cells[name + "__pos"].append((row, [f.pos for f in found]))
                    cells[name + "__len"].append((row, [f.len for f in found]))
        if more:
            cells["more_fields"].append((row, [_more(f) for f in more]))

    def buffers_full(self) -> bool:
        return any(buf.rows >= BATCH_ROWS for buf in self.buffers.values())

    def batches(self, final: bool = False) -> Iterator[tuple[str, pa.RecordBatch]]:
        """(table name, batch) for every table holding BATCH_ROWS rows (any rows: final)."""
        for key, buf in self.buffers.items():
            if buf.rows and (final or buf.rows >= BATCH_ROWS):
                batch = buf.batch()
                buf.clear()
                yield self.table_name(key), batch

    def schema(self, table_name: str) -> pa.Schema:
        for key, buf in self.buffers.items():
            if self.table_name(key) == table_name:
                return buf.schema
        raise KeyError(table_name)


def _more(f: engine.Field) -> dict[str, Any]:
    return {"name": f.spec.name, "value": json.dumps(engine.json_value(f.value)),
            "pos": f.pos, "len": f.len}  # fmt: skip


def frame_row(buf: _Buffer, file: str, pkt: engine.Packet) -> None:
    """The packet's `frames` row: -T json's top-level facts and the list columns."""
    src, dst, proto, info, status, bad = engine.columns(pkt)
    sport, dport = _ports(pkt)
    expert, worst = [], -1
    for layer in pkt.layers:
        for iss in layer.issues:
            worst = max(worst, SEVERITY_RANK.get(iss.severity, 0))
            expert.append({"layer": layer.protocol.name, "severity": iss.severity,
                           "group": iss.group, "code": iss.code, "message": iss.message})  # fmt: skip
    values = {
        "file": file, "number": pkt.number, "time": pkt.time_ns, "len": pkt.wirelen,
        "caplen": pkt.caplen, "linktype": pkt.linktype, "interface": pkt.interface,
        "comment": pkt.comment, "protocols": ":".join(la.protocol.name for la in pkt.layers[1:]),
        "src": src or None, "dst": dst or None, "srcport": sport, "dstport": dport,
        "protocol": proto, "info": info, "status": status, "bad_checksum": bad,
        "expert_severity": engine.SEVERITIES[worst] if worst >= 0 else None,
        "expert": expert or None,
    }  # fmt: skip
    row, cells = buf.rows, buf.cells
    buf.rows += 1
    for name, value in values.items():
        if value is not None:
            cells[name].append((row, value))


def _ports(pkt: engine.Packet) -> tuple[int | None, int | None]:
    """Source and destination port of the first transport layer that declares them
    (`<protocol>.srcport` / `.dstport` in its fixed header: TCP, UDP)."""
    limit = pkt.ctx.column_layers or len(pkt.layers)  # not an ICMP error's quoted packet
    for layer in pkt.layers[:limit]:
        proto = layer.protocol
        if proto.osi != engine.Osi.TRANSPORT:
            continue
        names = (proto.name + ".srcport", proto.name + ".dstport")
        if all(n in proto.by_name for n in names) and layer.values is not None:
            return layer.value(names[0]), layer.value(names[1])
    return None, None
