"""The packet tables' schema, derived from the protocol declarations (engine.FIELDS and
engine.PROTOCOLS), never kept by hand: a protocol's new field is a new column by itself.

Tables (docs/SCHEMA.md):
- `frames`: one row per packet, the packet-level facts -T json gives at its top level and
  the list columns (addresses, protocol, Info, status, expert information).
- one table per field namespace: a field belongs to the longest protocol filter name its
  name starts with (`ipv6.routing.segleft` -> `ipv6.routing`, `dns.qry.name` -> `dns`), or
  to its first word (`ieee8021ah.etype`). A layer gives one row to the table of its own
  protocol, and one to each other namespace whose fields it carries (an mDNS layer files its
  fields under dns.*, as Wireshark does: it is a row of `dns` with protocol = 'mdns').

Columns: the field's name with dots and hyphens as underscores (`dns_qry_name`). A field of
a protocol's fixed header occurs once per layer: a scalar column. Any other field may occur
any number of times: a list column. An occurrence no typed column holds (a fixed-header
field repeated inside an option) goes to `more_fields`, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pyarrow as pa

from dissect import engine

SCHEMA_VERSION = 3  # bumped when a column changes meaning or type (docs/SCHEMA.md)
FRAMES = "frames"
KEY = ("file", "number")  # every table is keyed by these; protocol tables add `layer`
# frame: its facts are `frames`; scapy: the long tail runs only for a packet being looked at
# (dissect/scapy_tail.py), never for tables, and registers its names as it meets them
SKIPPED_NAMESPACES = frozenset({"frame", "scapy"})
# What the stream pass adds to a decoded packet (tcp.stream, relative seq, analysis): not
# in the protocol tables; the stream numbers are `frames` columns (STREAM_COLUMNS below)
from dissect.streams.table import STREAM_FIELDS  # noqa: E402

UTC_NS = pa.timestamp("ns", tz="UTC")

# tcp.stream / udp.stream: the stream layer's conversation numbers (order of first
# appearance in the capture), from one stream pass per capture (dissect/export/streams.py)
STREAM_COLUMNS: tuple[pa.Field, ...] = (
    pa.field("tcp_stream", pa.int64()),
    pa.field("udp_stream", pa.int64()),
)

EXPERT = pa.struct(
    [("layer", pa.string()), ("severity", pa.string()), ("group", pa.string()),
     ("code", pa.string()), ("message", pa.string())]
)  # fmt: skip
MORE = pa.struct(
    [("name", pa.string()), ("value", pa.string()), ("pos", pa.int64()), ("len", pa.int64())]
)


def kind_type(spec: engine.FieldSpec) -> pa.DataType:
    """The Arrow type of a field's values, from its declared kind."""
    kind = spec.kind
    if kind in ("flag", "bool"):
        return pa.bool_()
    if kind in ("uint", "bits"):
        return pa.uint64() if (spec.width or 0) >= 8 and not spec.signed else pa.int64()
    if kind == "int":
        return pa.int64()
    if kind == "float":
        return pa.float64()
    if kind == "bytes":
        return pa.binary()
    if kind == "time_ns":
        return UTC_NS
    return pa.string()  # text, str, and addresses (mac, ipv4, ipv6), whose values are text


def sql_name(name: str) -> str:
    """A filter name as a column or table name: dots and hyphens become underscores."""
    return name.replace(".", "_").replace("-", "_")


def namespace(field_name: str) -> str:
    """The protocol filter name a field belongs to (see the module docstring)."""
    best = ""
    for proto in engine.PROTOCOLS:
        if (field_name == proto or field_name.startswith(proto + ".")) and len(proto) > len(best):
            best = proto
    return best or field_name.split(".", 1)[0]


@dataclass(slots=True)
class Column:
    """One field's column in its namespace's table."""

    spec: engine.FieldSpec
    name: str
    scalar: bool  # a fixed-header field: one value per layer
    type: pa.DataType


@dataclass(slots=True)
class Table:
    name: str  # the SQL/folder name (`ipv6_routing`)
    namespace: str  # the filter name (`ipv6.routing`)
    columns: list[Column] = field(default_factory=list)

    def arrow_schema(self, spans: bool) -> pa.Schema:
        fields = [
            pa.field("file", pa.string(), nullable=False),
            pa.field("number", pa.int64(), nullable=False),
            pa.field("layer", pa.int32(), nullable=False),
            pa.field("protocol", pa.string(), nullable=False),
        ]
        for c in self.columns:
            fields.append(pa.field(c.name, c.type if c.scalar else pa.list_(c.type)))
            if spans:
                kind = pa.int64() if c.scalar else pa.list_(pa.int64())
                fields += [pa.field(c.name + "__pos", kind), pa.field(c.name + "__len", kind)]
        fields.append(pa.field("more_fields", pa.list_(MORE)))
        return pa.schema(fields, metadata=_metadata(self.namespace))


def _metadata(namespace: str) -> dict[bytes, bytes]:
    return {b"layerscope.schema_version": str(SCHEMA_VERSION).encode(),
            b"layerscope.namespace": namespace.encode()}  # fmt: skip


def frames_schema() -> pa.Schema:
    """The packet-level table: -T json's top-level keys, then the packet-list columns."""
    fields = [
        pa.field("file", pa.string(), nullable=False),
        pa.field("number", pa.int64(), nullable=False),
        pa.field("time", UTC_NS),
        pa.field("len", pa.int64(), nullable=False),
        pa.field("caplen", pa.int64(), nullable=False),
        pa.field("linktype", pa.int64()),
        pa.field("interface", pa.int64()),
        pa.field("comment", pa.string()),
        pa.field("protocols", pa.string(), nullable=False),
        pa.field("src", pa.string()),
        pa.field("dst", pa.string()),
        pa.field("srcport", pa.int64()),
        pa.field("dstport", pa.int64()),
        *STREAM_COLUMNS,
        pa.field("protocol", pa.string(), nullable=False),
        pa.field("info", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("bad_checksum", pa.bool_(), nullable=False),
        pa.field("expert_severity", pa.string()),
        pa.field("expert", pa.list_(EXPERT)),
    ]
    return pa.schema(fields, metadata=_metadata(FRAMES))


@cache
def header_specs() -> frozenset[engine.FieldSpec]:
    """Every fixed-header field and its children: one occurrence per layer."""
    out = set()
    for proto in engine.PROTOCOLS.values():
        for spec in proto.header:
            out.add(spec)
            out.update(spec.children)
    return frozenset(out)


@cache
def tables() -> dict[str, Table]:
    """Every protocol table by namespace, columns in declaration order. Names that would
    collide once dots become underscores fail here, at once, not in a written file."""
    engine._load()
    fixed = header_specs()
    out: dict[str, Table] = {}
    for proto in engine.PROTOCOLS:
        ns = namespace(proto)
        if ns not in SKIPPED_NAMESPACES:
            out.setdefault(ns, Table(sql_name(ns), ns))
    for name, spec in engine.FIELDS.items():
        ns = namespace(name)
        if ns in SKIPPED_NAMESPACES or name in STREAM_FIELDS:
            continue
        table = out.setdefault(ns, Table(sql_name(ns), ns))
        table.columns.append(Column(spec, sql_name(name), spec in fixed, kind_type(spec)))
    _check_names(out)
    return out


def _check_names(out: dict[str, Table]) -> None:
    seen_tables: dict[str, str] = {FRAMES: FRAMES}
    for ns, table in out.items():
        if seen_tables.setdefault(table.name, ns) != ns:
            raise ValueError(f"tables {ns!r} and {seen_tables[table.name]!r} share a name")
        names = {"file", "number", "layer", "protocol", "more_fields"}
        for c in table.columns:
            derived = {c.name, c.name + "__pos", c.name + "__len"}
            if names & derived:
                raise ValueError(f"column {c.name!r} of {table.name} collides with another")
            names |= derived


def table_names() -> list[str]:
    """`frames` and every protocol table's name."""
    return [FRAMES, *sorted(t.name for t in tables().values())]


def select(protocols: list[str] | None) -> set[str]:
    """The namespaces --protocols asks for (filter or table names; `frames` alone: none,
    frames is always written); ValueError names an unknown one."""
    all_tables = tables()
    if not protocols:
        return set(all_tables)
    by_name = {t.name: ns for ns, t in all_tables.items()} | {ns: ns for ns in all_tables}
    unknown = [p for p in protocols if p not in by_name and p != FRAMES]
    if unknown:
        raise ValueError(f"unknown protocol table(s): {', '.join(unknown)}")
    return {by_name[p] for p in protocols if p != FRAMES}
