"""Helpers for the export tests: run the subcommands, read a dataset back, and the rows
`layerscope -T json` says every table should hold (the reference the dataset must equal)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dissect.cli import build_parser, run_batch
from dissect.export import schema
from dissect.export.command import run_subcommand

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"


def golden_captures() -> list[Path]:
    """Every golden capture that opens (tests/data/golden/bad holds unreadable ones too)."""
    return sorted(p for p in GOLDEN.rglob("*") if p.suffix in (".pcap", ".pcapng"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_subcommand(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def read_tables(outdir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table folder's rows (timestamps as integer nanoseconds)."""
    out = {}
    for folder in sorted(p for p in outdir.iterdir() if p.is_dir() and p.name[0] not in "._"):
        table = pq.read_table(folder)
        cols = {}
        for name in table.column_names:
            col = table[name]
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.int64())
            cols[name] = col.to_pylist()
        out[folder.name] = [
            dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)
        ]
    return out


def json_packets(path: Path, *extra: str, stream_pass: bool = False) -> list[dict[str, Any]]:
    """-T json of the native decoders alone: the scapy tail (one packet looked at) is not in
    the tables, nor are the stream pass's fields other than the stream numbers (those are
    `frames` columns: stream_pass=True gives them, see json_streams)."""
    from contextlib import ExitStack
    from unittest import mock

    from dissect import scapy_tail

    args = build_parser().parse_args(["-T", "json", "-r", str(path), *extra])
    out, err = io.StringIO(), io.StringIO()
    from dissect.streams import cli as streams

    with ExitStack() as patches:
        patches.enter_context(mock.patch.object(scapy_tail, "available", lambda: False))
        if not stream_pass:
            patches.enter_context(mock.patch.object(streams, "prepare", lambda *_a: None))
        run_batch(args, out, err)
    return json.loads(out.getvalue())


def json_streams(path: Path) -> dict[int, dict[str, int | None]]:
    """frame number -> the tcp_stream / udp_stream columns -T json implies (the first
    tcp.stream / udp.stream field of the packet, with the stream pass)."""
    out = {}
    for pkt in json_packets(path, stream_pass=True):
        found: dict[str, int | None] = {"tcp_stream": None, "udp_stream": None}
        for layer in pkt["layers"]:
            for f in _walk(layer["fields"]):
                column = f["name"].replace(".", "_")
                if column in found and found[column] is None:
                    found[column] = f["value"]
        out[pkt["number"]] = found
    return out


def _walk(fields: list[dict]) -> list[dict]:
    out = []
    for f in fields:
        out.append(f)
        out += _walk(f["fields"])
    return out


def _value(v: Any, kind: pa.DataType) -> Any:
    """A JSON value as the dataset holds it: bytes from hex."""
    if v is not None and pa.types.is_binary(kind):
        return bytes.fromhex(v)
    return v


def expected_rows(file: str, packets: list[dict], spans: bool) -> dict[tuple, dict]:
    """(table, number, layer) -> the protocol-table row -T json implies."""
    tables = schema.tables()
    columns = {c.spec.name: (ns, c) for ns, t in tables.items() for c in t.columns}
    rows: dict[tuple, dict] = {}
    for pkt in packets:
        for i, layer in enumerate(pkt["layers"][1:], 1):
            own = schema.namespace(layer["protocol"])
            found: dict[str, dict[str, list]] = {own: {}} if own in tables else {}
            for f in _walk(layer["fields"]):
                if (schema.namespace(f["name"]) in schema.SKIPPED_NAMESPACES
                        or f["name"] in schema.STREAM_FIELDS):  # fmt: skip
                    continue  # the scapy tail, the stream pass: not in the tables
                ns, col = columns[f["name"]]
                found.setdefault(ns, {}).setdefault(col.name, []).append(f)
            for ns, cols in found.items():
                rows[(tables[ns].name, pkt["number"], i)] = _row(
                    tables[ns], file, pkt["number"], i, layer["protocol"], cols, spans
                )
    return rows


def _row(table: Any, file: str, number: int, i: int, proto: str, cols: dict, spans: bool) -> dict:
    row: dict[str, Any] = {"file": file, "number": number, "layer": i, "protocol": proto}
    more: list[dict] = []
    for c in table.columns:
        found = cols.get(c.name)
        names = [c.name] + ([c.name + "__pos", c.name + "__len"] if spans else [])
        if not found:
            row.update(dict.fromkeys(names))
        elif c.scalar:
            more += found[1:]
            f = found[0]
            row.update(zip(names, [_value(f["value"], c.type), f["pos"], f["len"]], strict=False))
        else:
            vals = [[_value(f["value"], c.type) for f in found], [f["pos"] for f in found],
                    [f["len"] for f in found]]  # fmt: skip
            row.update(zip(names, vals, strict=False))
    row["more_fields"] = [
        {"name": f["name"], "value": json.dumps(f["value"]), "pos": f["pos"], "len": f["len"]}
        for f in more
    ] or None
    return row


def expected_frames(file: str, packets: list[dict], streams: dict | None = None) -> dict[int, dict]:
    """The frames columns -T json gives (the packet's top level, its stack, its issues;
    with `streams` from json_streams, the stream numbers)."""
    out = {}
    for pkt in packets:
        issues = [
            {"layer": la["protocol"], "severity": i["severity"], "code": i["code"],
             "message": i["message"]}
            for la in pkt["layers"] for i in la["issues"]
        ]  # fmt: skip
        out[pkt["number"]] = {
            "file": file, "number": pkt["number"], "time": pkt["time_ns"], "len": pkt["len"],
            "caplen": pkt["caplen"], "linktype": pkt["linktype"],
            "interface": pkt["interface"], "status": pkt["status"],
            "protocols": ":".join(la["protocol"] for la in pkt["layers"][1:]),
            "expert": issues or None,
        }  # fmt: skip
        if streams is not None:
            out[pkt["number"]].update(streams[pkt["number"]])
    return out
