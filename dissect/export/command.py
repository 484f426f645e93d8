"""`layerscope export FILE... --parquet OUTDIR` and `layerscope sql "SELECT ..." OUTDIR`.

Only the standard library is imported here: pyarrow, DuckDB and Dask (the `tables` extra)
load when a subcommand runs, and their absence is one error line.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from typing import IO, Any

SUBCOMMANDS = ("export", "sql")
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")
EXTRA = "layerscope export and sql need the `tables` extra: pip install 'layerscope[tables]'"


class ExportError(Exception):
    """A problem with what the user asked for: one line, exit status 2."""


def run_subcommand(argv: list[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Dispatch `export` / `sql` (argv[0]); the exit status."""
    from dissect.cli import error_line, guarded

    out, err = out or sys.stdout, err or sys.stderr
    run = export_main if argv[0] == "export" else sql_main

    def go() -> int:
        try:
            return run(argv[1:], out, err)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] in (
                "pyarrow",
                "duckdb",
                "distributed",
                "fsspec",
            ):
                err.write(error_line(f"{EXTRA} ({exc.name} is missing)") + "\n")
                return 2
            raise
        except ExportError as exc:
            err.write(error_line(str(exc)) + "\n")
            return 2

    return guarded(go)


# -- export ------------------------------------------------------------------------------------
def export_parser() -> argparse.ArgumentParser:
    from dissect.cli import ArgumentParser

    p = ArgumentParser(
        prog="layerscope export",
        description="Export captures as a Parquet dataset: OUTDIR/frames/ (one row per packet) "
        "and one folder per protocol (OUTDIR/dns/, ...; one row per layer), keyed by "
        "(file, number). See docs/SCHEMA.md.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE",
                   help="capture files, folders (searched for captures) or globs; fsspec URLs too")  # fmt: skip
    p.add_argument("--parquet", required=True, metavar="OUTDIR",
                   help="the dataset's folder (a local path or an fsspec URL); an interrupted "
                   "export into it resumes")  # fmt: skip
    p.add_argument("-Y", "--filter", dest="display_filter", metavar="FILTER",
                   help="export only the packets this display filter selects")  # fmt: skip
    p.add_argument("--protocols", metavar="LIST",
                   help="comma-separated protocol tables to write besides frames (e.g. dns,http; "
                   "frames alone: no protocol table)")  # fmt: skip
    p.add_argument("--spans", action="store_true",
                   help="add each field's position and length columns (<column>__pos, __len)")  # fmt: skip
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: every core)")  # fmt: skip
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on Dask distributed: a scheduler (tcp://host:8786) or 'local'")  # fmt: skip
    p.add_argument("--chunk-records", type=int, metavar="N",
                   help="records per chunk of a big capture (default 50,000)")  # fmt: skip
    return p


def export_main(argv: list[str], out: IO[str], err: IO[str]) -> int:
    from dissect.cli import compile_display_filter

    args = export_parser().parse_args(argv)
    _flt, ok = compile_display_filter(args.display_filter, err)
    if not ok:
        return 2
    from . import job, schema

    protocols = [p.strip() for p in (args.protocols or "").split(",") if p.strip()]
    try:
        namespaces = tuple(sorted(schema.select(protocols)))
    except ValueError as exc:
        raise ExportError(f"--protocols: {exc}") from None
    files = expand_inputs(args.inputs)
    outdir = args.parquet if job.is_url(args.parquet) else os.path.abspath(args.parquet)
    options = job.Options(outdir, namespaces, args.spans, args.display_filter or None,
                          protocols=tuple(sorted(set(protocols))))  # fmt: skip
    chunks, problems = job.plan(files, args.chunk_records or job.CHUNK_RECORDS)
    return export_run(args, options, files, chunks, problems, err)


def expand_inputs(inputs: list[str]) -> list[str]:
    """Files, folders (their captures, recursively) and globs, as absolute paths or URLs
    (workers elsewhere open them by these names), each once, in order."""
    files: list[str] = []
    for item in inputs:
        if "://" in item:
            files += _url_inputs(item)
        elif os.path.isdir(item):
            found = glob.glob(os.path.join(glob.escape(item), "**", "*"), recursive=True)
            files += sorted(f for f in found if f.lower().endswith(CAPTURE_SUFFIXES))
        elif not os.path.exists(item) and glob.has_magic(item):
            files += sorted(f for f in glob.glob(item, recursive=True) if os.path.isfile(f))
        else:
            files.append(item)  # a missing file is reported with the unreadable ones
    seen: dict[str, None] = {}
    for f in files:
        seen.setdefault(f if "://" in f else os.path.abspath(f), None)
    if not seen:
        raise ExportError("no capture files found in " + ", ".join(inputs))
    return list(seen)


def _url_inputs(url: str) -> list[str]:
    from .job import filesystem

    fs, path = filesystem(url)
    protocol = url.split("://", 1)[0]
    paths = fs.glob(path) if glob.has_magic(path) else [path]
    return [p if "://" in p else f"{protocol}://{p}" for p in paths]


def export_run(args: argparse.Namespace, options: Any, files: list[str], chunks: list, problems: list[str], err: IO[str]) -> int:  # fmt: skip
    """Resume or start the job in OUTDIR, run the chunks still to do, report."""
    done = resume_state(options, chunks)
    started = time.monotonic()
    results = [*done.values(), *_run(args, options, [c for c in chunks if c.id not in done], err)]
    _finish_manifest(options, chunks)
    return report(options, files, chunks, done, results, problems, time.monotonic() - started, err)


def _run(args: argparse.Namespace, options: Any, todo: list, err: IO[str]) -> list:
    """The chunks' results, locally or on Dask, with the progress bar."""
    from . import run

    progress = run.Progress(sum(c.size for c in todo), err)
    results = []
    try:
        if args.dask:
            runner = run.run_dask(options, todo, args.dask)
        else:
            from dissect import parallel

            runner = run.run_local(options, todo, args.workers or parallel.worker_count())
        for result in runner:
            progress.advance(result)
            results.append(result)
    except run.RunnerError as exc:
        raise ExportError(str(exc)) from None
    finally:
        progress.close()
    return results


def report(options: Any, files: list[str], chunks: list, done: dict, results: list, problems: list[str], seconds: float, err: IO[str]) -> int:  # fmt: skip
    """Errors, warnings and the totals on stderr; the exit status (1: some capture had a
    problem)."""
    from dissect.cli import error_line

    problems = problems + [line for r in results for line in r.errors]
    warnings = [line for r in results for line in r.warnings]
    for line in problems:
        err.write(error_line(line) + "\n")
    for line in warnings:
        err.write(error_line(line, "warning") + "\n")
    packets = sum(r.packets for r in results)
    fresh = sum(r.packets for r in results if r.chunk not in done)
    err.write(
        f"layerscope: exported {packets:,} packets from {len(files):,} file(s) in "
        f"{len(chunks):,} chunk(s) ({len(done):,} done before) in {seconds:.1f} s "
        f"({fresh / max(seconds, 1e-9):,.0f} packets/s) into {options.outdir}\n"
    )
    return 1 if problems or warnings else 0


def resume_state(options: Any, chunks: list) -> dict[str, Any]:
    """The chunks an earlier run of the same job finished (their results), after checking
    that OUTDIR holds this job or nothing; ExportError otherwise."""
    from . import job

    fs, root = job.filesystem(options.outdir)
    manifest = {**options.manifest(), "chunks": [c.id for c in chunks]}
    path = f"{root}/{job.MANIFEST}"
    if fs.exists(path):
        with fs.open(path, "rb") as f:
            old = json.loads(f.read())
        old.pop("complete", None)
        if old != manifest:
            raise ExportError(f"{options.outdir} holds another export (other inputs or "
                              "options): remove it or choose another folder")  # fmt: skip
    elif fs.exists(root) and fs.ls(root):
        raise ExportError(f"{options.outdir} is not empty and holds no layerscope export")
    else:
        job._put(fs, path, json.dumps(manifest, indent=1).encode())
    done = {}
    ids = {c.id for c in chunks}
    for marker in fs.glob(f"{root}/{job.MARKERS}/*.json"):
        with fs.open(marker, "rb") as f:
            result = job.Result.from_json(f.read())
        if result.chunk in ids:
            done[result.chunk] = result
    return done


def _finish_manifest(options: Any, chunks: list) -> None:
    """Mark the dataset complete when every chunk has its marker."""
    from . import job

    fs, root = job.filesystem(options.outdir)
    markers = {
        p.rsplit("/", 1)[1][: -len(".json")] for p in fs.glob(f"{root}/{job.MARKERS}/*.json")
    }
    if all(c.id in markers for c in chunks):
        path = f"{root}/{job.MANIFEST}"
        with fs.open(path, "rb") as f:
            manifest = json.loads(f.read())
        manifest["complete"] = True
        job._put(fs, path, json.dumps(manifest, indent=1).encode())


# -- sql ---------------------------------------------------------------------------------------
def sql_parser() -> argparse.ArgumentParser:
    from dissect.cli import ArgumentParser

    p = ArgumentParser(
        prog="layerscope sql",
        description="Run SQL (DuckDB) over an exported dataset: each table is a view named "
        "as its folder (frames, dns, tcp, ...).",
    )
    p.add_argument("query", help='e.g. "SELECT count(*) FROM frames JOIN dns USING (file, number)"')
    p.add_argument("outdir", metavar="OUTDIR", help="the dataset written by layerscope export")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="output: an aligned table (default), CSV or JSON lines")  # fmt: skip
    return p


def sql_main(argv: list[str], out: IO[str], err: IO[str]) -> int:
    from . import sql

    args = sql_parser().parse_args(argv)
    try:
        names, rows, note = sql.query(args.outdir, args.query)
    except sql.QueryError as exc:
        raise ExportError(str(exc)) from None
    from dissect.cli import writing_output

    with writing_output():
        sql.write(out, args.format, names, rows)
        out.flush()
    if note:
        err.write(f"layerscope: warning: {note}\n")
    return 0
