"""SQL over an exported dataset with DuckDB, embedded: every table folder becomes a view of
its Parquet files; a table no packet filled is an empty view of its declared schema, so a
query naming it still runs. Output: an aligned table, CSV or JSON lines. Cell text comes
from packets: it is escaped (control characters as \\x.., see engine.safe_text) before it
is printed, in every format."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from dissect.engine import safe_text

from . import job, schema

CELL_MAX = 200  # characters of one cell in the aligned table
TEXT_MAX = 1 << 20  # characters of one cell in CSV and JSON


class QueryError(Exception):
    """The dataset cannot be opened or the query failed: one line."""


def connect(outdir: str) -> tuple[Any, str | None]:
    """A DuckDB connection with a view per table, and a note when the export into outdir
    did not finish."""
    import duckdb

    fs, root = job.filesystem(outdir)
    manifest_path = f"{root}/{job.MANIFEST}"
    if not fs.exists(manifest_path):
        raise QueryError(f"{outdir}: not a layerscope export (no {job.MANIFEST})")
    with fs.open(manifest_path, "rb") as f:
        manifest = json.loads(f.read())
    con = duckdb.connect()
    if job.is_url(outdir):
        con.register_filesystem(fs)
    spans = bool(manifest.get("spans"))
    for name, arrow_schema in _schemas(spans).items():
        parts = fs.glob(f"{root}/{name}/part-*.parquet")
        if parts:
            where = outdir.rstrip("/") + f"/{name}/part-*.parquet"
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{_quote(where)}', "
                        "union_by_name = true)")  # fmt: skip
        else:
            con.register(name, arrow_schema.empty_table())
    note = None if manifest.get("complete") else f"{outdir}: the export did not finish"
    return con, note


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _schemas(spans: bool) -> dict[str, Any]:
    out = {schema.FRAMES: schema.frames_schema()}
    for table in schema.tables().values():
        out[table.name] = table.arrow_schema(spans)
    return out


def query(outdir: str, sql: str) -> tuple[list[str], list[tuple], str | None]:
    """(column names, rows, note) of the query over the dataset."""
    import duckdb

    con, note = connect(outdir)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description or []]
        return names, cur.fetchall(), note
    except duckdb.Error as exc:
        raise QueryError(f"sql: {exc}") from None
    finally:
        con.close()


def cell(value: Any, limit: int) -> str:
    """A value as text: bytes as hex, lists and structs as JSON, text escaped."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, list | dict | tuple):
        return safe_text(json.dumps(value, default=_plain), limit)
    return safe_text(str(value), limit)


def _plain(value: Any) -> Any:
    return bytes(value).hex() if isinstance(value, bytes | bytearray) else str(value)


def write(out: IO[str], fmt: str, names: list[str], rows: list[tuple]) -> None:
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(dict(zip(names, row, strict=True)), default=_plain) + "\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow([safe_text(n, TEXT_MAX) for n in names])
        w.writerows([cell(v, TEXT_MAX) for v in row] for row in rows)
    else:
        _table(out, names, rows)


def _table(out: IO[str], names: list[str], rows: list[tuple]) -> None:
    head = [safe_text(n, CELL_MAX) for n in names]
    body = [[cell(v, CELL_MAX) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(head)]
    out.write("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in body:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(body)} row{'s' if len(body) != 1 else ''})\n")
