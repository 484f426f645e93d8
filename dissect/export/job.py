"""An export job: the captures cut into chunks of records, and one chunk exported.

A chunk is a slice of one big capture, cut at record boundaries by its index, or several
small captures whole. Exporting it writes one Parquet file per table,
`OUTDIR/<table>/part-<chunk id>.parquet`, then a marker `OUTDIR/_chunks/<chunk id>.json`
holding its counts and warnings. Each file is written under a hidden temporary name and
renamed into place; a chunk run again (a resumed export, a Dask worker that died) first
removes whatever an earlier attempt left, so its rows are never written twice. Chunks are
independent: any process that can read the capture and write OUTDIR (a local path or an
fsspec URL) may run any of them, in any order.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from dissect import engine
from dissect.index import ROWS_BATCH, CaptureError, CaptureIndex, open_capture

from . import schema, streams
from .rows import RowBuilder

CHUNK_RECORDS = 50_000  # records per chunk of a big file: a few seconds of one worker
MARKERS = "_chunks"
MANIFEST = "_layerscope_export.json"
GROUP_BYTES_PER_RECORD = 64  # small captures go together up to `records` * this many bytes
GC_YOUNG = 50_000  # allocations between young-generation collections while exporting
OPEN_MAX = 4  # captures a worker keeps open (the next chunk of a file continues its index)
COLUMNAR_RUN = 8192  # records looked at together for rows made without decoding


@dataclass(frozen=True, slots=True)
class Options:
    """What to write; everything a worker needs besides the chunk (picklable)."""

    outdir: str
    namespaces: tuple[str, ...]
    spans: bool = False
    display_filter: str | None = None
    strict: bool = False
    protocols: tuple[str, ...] = ()  # what --protocols asked for (empty: every table)

    def manifest(self) -> dict[str, Any]:
        """What makes a job the same job: the request, not the tables it resolved to (a
        process with more protocols registered still resumes it)."""
        return {"schema_version": schema.SCHEMA_VERSION, "protocols": list(self.protocols),
                "spans": self.spans, "filter": self.display_filter}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Part:
    """Records of one capture."""

    file: str  # a local path or an fsspec URL, as workers will open it
    start: int  # first record, 0-based
    stop: int | None  # None: to the end of the file
    size: int  # bytes of the capture it covers, about (for progress)
    mark: int | None = None  # where a walk may start to begin at `start` (index.bookmark)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A slice of one big capture, or several small captures whole: about the same work."""

    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def files(self) -> list[str]:
        return [p.file for p in self.parts]

    @property
    def id(self) -> str:
        what = "\n".join(f"{p.file}\0{p.start}" for p in self.parts)
        return hashlib.sha1(what.encode("utf-8", "surrogateescape")).hexdigest()[:24]


@dataclass(slots=True)
class Result:
    """What exporting a chunk did (the marker's content); each warning and error line
    starts with the capture's name."""

    chunk: str
    files: list[str]
    packets: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a capture could not be read (from a point)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Result:
        return cls(**json.loads(text))


# -- the file system ---------------------------------------------------------------------------
def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec file system, path in it) of a local path or URL."""
    from fsspec.core import url_to_fs

    return url_to_fs(url)


def is_url(name: str) -> bool:
    return "://" in name


def open_source(name: str) -> CaptureIndex:
    """A capture by local path (read in place) or fsspec URL (read as a stream, spooled)."""
    if not is_url(name):
        return open_capture(name)
    fs, path = filesystem(name)
    try:
        handle = fs.open(path, "rb")
    except OSError as exc:
        raise CaptureError(f"{name}: {exc.strerror or exc}") from None
    return open_capture(handle, name=name)


# -- planning ----------------------------------------------------------------------------------
def plan(files: list[str], records: int = CHUNK_RECORDS) -> tuple[list[Chunk], list[str]]:
    """The chunks of every capture, and one line per capture that cannot be opened. A file
    too small to hold `records` records is not read; a bigger one is indexed (record
    headers only, let go as they are counted) and cut every `records` records. Captures
    of one part go together into chunks of about GROUP_BYTES_PER_RECORD * records bytes:
    each table's Parquet file costs about the same whatever its rows."""
    chunks: list[Chunk] = []
    errors: list[str] = []
    group: list[Part] = []
    for name in files:
        try:
            parts = _file_parts(name, records)
        except CaptureError as exc:
            errors.append(str(exc))
            continue
        if len(parts) > 1 or parts[0].size >= records * GROUP_BYTES_PER_RECORD:
            chunks += [Chunk((p,)) for p in parts]
            continue
        group += parts
        if sum(p.size for p in group) >= records * GROUP_BYTES_PER_RECORD:
            chunks.append(Chunk(tuple(group)))
            group = []
    if group:
        chunks.append(Chunk(tuple(group)))
    return chunks, errors


def _file_parts(name: str, records: int) -> list[Part]:
    size = _size(name)
    if size <= records * 16:  # 16: a pcap record header alone: fewer records than `records`
        return [Part(name, 0, None, size)]
    marks: dict[int, int | None] = {}  # each part's start: where its worker's walk begins
    with open_source(name) as idx:
        while True:
            seen = len(idx)
            finished = idx.index_more()
            for a in range(-(-seen // records) * records, len(idx), records):
                marks[a] = idx.bookmark(a)
            if finished:
                break
            idx.forget(len(idx))
        n = len(idx)
    if not n:
        return [Part(name, 0, None, size)]
    starts = list(range(0, n, records))
    return [Part(name, a, None if a == starts[-1] else a + records,
                 size * min(records, n - a) // n, marks.get(a) if a else None)
            for a in starts]  # fmt: skip


def _size(name: str) -> int:
    try:
        if not is_url(name):
            return os.path.getsize(name)
        fs, path = filesystem(name)
        return int(fs.size(path) or 0)
    except OSError as exc:
        raise CaptureError(f"{name}: {exc.strerror or exc}") from None


# -- running a chunk ---------------------------------------------------------------------------
class _Held(threading.local):
    """A thread's open captures (a Dask worker may run several tasks at once)."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[CaptureIndex, Any, str | None]] = {}


_HELD = _Held()


def export_chunk(options: Options, chunk: Chunk, pass_running: bool = False) -> Result:
    """Export one chunk (see the module docstring); never raises for a bad capture: the
    Result says what went wrong, with the packets read before it exported.
    `pass_running`: its captures' stream passes may still be running in another process
    (wait for their end to place the numbers); else a capture with no finished pass has
    its rows without numbers."""
    with _fewer_collections():
        return _export(options, chunk, pass_running)


def _export(options: Options, chunk: Chunk, pass_running: bool) -> Result:
    fs, root = filesystem(options.outdir)
    clear_chunk(fs, root, chunk.id)
    result = Result(chunk.id, chunk.files, bytes=chunk.size)
    writers: dict[str, Any] = {}
    try:
        builder = RowBuilder(set(options.namespaces), options.spans)
        numbers = _Numbers(options.outdir, chunk, pass_running)

        def write(final: bool = False) -> None:  # a table's batch is ready: written now
            for table, batch in builder.batches(final):
                for placed in numbers.place(batch) if table == schema.FRAMES else (batch,):
                    _write(fs, root, chunk.id, writers, builder, table, placed, result)

        def full() -> None:
            if builder.buffers_full():
                write()

        for part in chunk.parts:
            decided = _Decided(builder, part, full) if _columnar(options) else None
            for k, pkt in enumerate(_packets(options, part, result, decided), 1):
                builder.add(part.file, pkt)
                pkt.release()
                if k % 1024 == 0 and decided is None:  # (else between runs: rows in order)
                    full()
        result.packets = builder.packets
        write(final=True)
        for batch in numbers.held_placed():
            _write(fs, root, chunk.id, writers, builder, schema.FRAMES, batch, result)
        _close(fs, writers)
    except BaseException:
        _abandon(fs, writers)
        raise
    _publish(fs, writers)
    _put(fs, f"{root}/{MARKERS}/{chunk.id}.json", result.to_json().encode())
    return result


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector less often while a chunk is exported: its rows are
    millions of small acyclic objects (values, tuples, lists) whose allocation would
    otherwise set off a collection every 700, each scanning the young objects again."""
    before = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Numbers:
    """The chunk's captures' stream numbers, placed in its `frames` rows as they are
    written. When a capture's pass has not ended yet (another worker runs it), the rows
    are held (a chunk's at most) and placed at the chunk's end, once it has."""

    def __init__(self, outdir: str, chunk: Chunk, pass_running: bool) -> None:
        self.outdir, self.parts = outdir, chunk.parts
        self.held: list[pa.RecordBatch] = []
        self.numbers = None
        if not pass_running or all(streams.finished(outdir, p.file) for p in self.parts):
            self.numbers = self._read(streams.read_slice)

    def _read(self, how: Callable) -> dict[str, tuple[int, np.ndarray | None]]:
        return {p.file: (p.start, how(self.outdir, p.file, p.start, p.stop)) for p in self.parts}

    def place(self, batch: pa.RecordBatch) -> list[pa.RecordBatch]:
        """The batch with its numbers placed, or nothing yet (held)."""
        if self.numbers is None:
            self.held.append(batch)
            return []
        return [streams.place(batch, self.numbers)]

    def held_placed(self) -> list[pa.RecordBatch]:
        """The held batches, placed once every capture's pass has ended."""
        if not self.held:
            return []
        self.numbers = self._read(streams.wait_slice)
        held, self.held = self.held, []
        return [streams.place(b, self.numbers) for b in held]


def _columnar(options: Options) -> bool:
    """Whether plain records may skip decoding: when `frames` is the only table (the
    protocol tables need every field) and no display filter picks the packets."""
    return not options.namespaces and not options.display_filter


class _Decided:
    """A part's records whose `frames` rows columnar.columnar_frames gives without decoding:
    each run of records is looked at once, its decided rows go to the builder, and the
    records left are decoded."""

    def __init__(self, builder: RowBuilder, part: Part, full: Callable[[], None]) -> None:
        self.builder, self.part = builder, part
        self.full = full  # writes the tables whose batch is ready

    def run(self, idx: CaptureIndex, lo: int, hi: int) -> set[int]:
        """The records of lo..hi-1 (indices) whose rows were made here."""
        from dissect.fastfilter import SPAN_BYTES, Columns

        from .columnar import columnar_frames

        self.full()  # every record before lo has its row: a batch written now stays in order
        done: set[int] = set()
        comments = {i for i in idx._comments if lo <= i < hi}
        for a, b in idx.spans(lo, hi, SPAN_BYTES):
            c = Columns(idx, a, b, 0)
            try:
                where, batch = columnar_frames(c, self.part.file, comments)
            finally:
                c.release()
            if batch is not None:
                self.builder.add_frames(self.part.file, batch)
                done.update((where + a).tolist())
        return done


def _packets(options: Options, part: Part, result: Result,
             decided: _Decided | None = None) -> Iterator[engine.Packet]:  # fmt: skip
    """The part's packets, decoded (those the display filter selects; not those whose rows
    `decided` made). A capture that cannot be read, or stops being readable, ends them and
    is noted in the result."""
    try:
        idx, scanner = _opened(options, part)
        stop = _reach(idx, part)
        if scanner is None:
            for lo in range(part.start, stop, COLUMNAR_RUN):
                hi = min(lo + COLUMNAR_RUN, stop)
                skip = decided.run(idx, lo, hi) if decided is not None else ()
                for row in idx.rows(lo, hi):
                    if row[0] - 1 not in skip:
                        yield _decode(row, options.strict)
                _forget_before(idx, lo)
        else:
            for lo in range(part.start, stop, ROWS_BATCH):
                for _upto, hits in scanner.chunk(lo, min(lo + ROWS_BATCH, stop)):
                    for i in hits.tolist():
                        yield _decode(next(idx.rows(i, i + 1)), options.strict)
                _forget_before(idx, lo)
        if part.stop is None:  # the part that reaches the end reports the file's problems
            result.warnings += [f"{part.file}: {w}" for w in idx.warnings]
            if idx.failure:
                result.errors.append(f"{part.file}: {idx.failure}")
    except CaptureError as exc:  # its text starts with the capture's name
        result.errors.append(str(exc))
        _drop(part.file)


def _decode(row: tuple, strict: bool) -> engine.Packet:
    number, time_ns, _cap, wirelen, linktype, iface, data, comment = row
    return engine.decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen,
                         interface=iface, comment=comment, strict=strict)  # fmt: skip


def _opened(options: Options, part: Part) -> tuple[CaptureIndex, Any]:
    """This process's open index of the capture, when it has not let go of the part's
    first record yet; else the capture opened again. With a filter, its scanner (made
    while the first record is still there: frame.time_relative counts from it)."""
    held = _HELD.open.get(part.file)
    if held is not None and (_held_from(held[0]) > part.start or held[2] != options.display_filter):
        _drop(part.file)
        held = None
    if held is None:
        idx = open_source(part.file)
        scanner = None
        if options.display_filter:
            from dissect.fastfilter import Scanner
            from dissect.filter import compile_filter

            idx.index_more(1)
            scanner = Scanner(compile_filter(options.display_filter), idx)
        while len(_HELD.open) >= OPEN_MAX:
            _drop(next(iter(_HELD.open)))
        held = _HELD.open[part.file] = (idx, scanner, options.display_filter)
    if part.mark is not None and held[1] is None:  # (a filter's scanner counts from record 0)
        held[0].resume(part.start, part.mark)
    return held[0], held[1]


def _held_from(idx: CaptureIndex) -> int:
    """The first record the index still holds (forget() let the earlier ones go)."""
    return idx._first


def _drop(name: str) -> None:
    held = _HELD.open.pop(name, None)
    if held is not None:
        held[0].close()


def _reach(idx: CaptureIndex, part: Part) -> int:
    """Index up to the part's end (letting earlier records go); the record it stops at."""
    while (part.stop is None or len(idx) < part.stop) and not idx.index_more():
        _forget_before(idx, part.start)
    return len(idx) if part.stop is None else min(part.stop, len(idx))


def _forget_before(idx: CaptureIndex, start: int) -> None:
    if not idx.streaming:  # a stream is spooled: it may be read again from the start
        idx.forget(start)


# -- writing -----------------------------------------------------------------------------------
def part_name(table: str, chunk_id: str) -> str:
    return f"{table}/part-{chunk_id}.parquet"


def clear_chunk(fs: Any, root: str, chunk_id: str) -> None:
    """Remove what an earlier attempt at the chunk wrote: its marker first (the chunk is
    then not done), its part files, and its temporary files."""
    marker = f"{root}/{MARKERS}/{chunk_id}.json"
    if fs.exists(marker):
        fs.rm(marker)
    for pattern in (f"{root}/*/part-{chunk_id}.parquet", f"{root}/*/.part-{chunk_id}.*"):
        for path in fs.glob(pattern):
            fs.rm(path)


def _write(fs: Any, root: str, chunk_id: str, writers: dict, builder: RowBuilder, table: str,
           batch: pa.RecordBatch, result: Result) -> None:  # fmt: skip
    """A batch appended to its table's file (opened on the first)."""
    import pyarrow.parquet as pq

    w = writers.get(table)
    if w is None:
        tmp = f"{root}/{table}/.part-{chunk_id}.{os.getpid()}.tmp"
        fs.makedirs(f"{root}/{table}", exist_ok=True)
        handle = fs.open(tmp, "wb")
        pw = pq.ParquetWriter(handle, builder.schema(table), compression="zstd")
        w = writers[table] = [pw, handle, tmp, f"{root}/{part_name(table, chunk_id)}"]
    w[0].write_batch(batch)
    result.rows[table] = result.rows.get(table, 0) + batch.num_rows


def _close(fs: Any, writers: dict) -> None:
    for pw, handle, _tmp, _final in writers.values():
        pw.close()
        handle.close()


def _abandon(fs: Any, writers: dict) -> None:
    """An attempt that failed part way: its temporary files go (best effort)."""
    for _pw, handle, tmp, _final in writers.values():
        try:
            handle.close()
            fs.rm(tmp)
        except OSError:
            pass


def _publish(fs: Any, writers: dict) -> None:
    for _pw, _handle, tmp, final in writers.values():
        fs.mv(tmp, final)


def _put(fs: Any, path: str, data: bytes) -> None:
    """A small file written whole under a temporary name, then renamed into place."""
    parent = path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    tmp = f"{parent}/.{path.rsplit('/', 1)[1]}.{os.getpid()}.tmp"
    with fs.open(tmp, "wb") as f:
        f.write(data)
    fs.mv(tmp, path)
