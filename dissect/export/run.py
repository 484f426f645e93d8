"""Running an export's chunks: on this machine's cores (forked worker processes, as
dissect/parallel.py runs batch output) or on Dask distributed (an existing cluster, or a
local one). Either way each chunk is dissect/export/job.py's export_chunk, so both write
the same files; the parent only counts what the chunks report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any

from dissect import engine, parallel

from .job import Chunk, Options, Result, export_chunk
from .streams import clear_none, safe_pass

CONNECT_TIMEOUT = "10s"  # to reach a Dask scheduler


class RunnerError(Exception):
    """The runner cannot start (no Dask scheduler at that address): one line."""


def safe_export(options: Options, chunk: Chunk, _after: object = None,
                pass_running: bool = False) -> Result:  # fmt: skip
    """export_chunk, with an unexpected failure (a bug, a full disk) reported as the chunk's
    error instead of ending every other chunk's work. `_after`: what must be done first
    (on Dask, its captures' stream passes); `pass_running`: see export_chunk."""
    try:
        return export_chunk(options, chunk, pass_running)
    except Exception as exc:  # noqa: BLE001 - one chunk's failure is reported, not raised
        return Result(chunk.id, chunk.files, bytes=chunk.size,
                      errors=[f"{', '.join(chunk.files)}: export failed: {exc!r}"])  # fmt: skip


def captures(chunks: list[Chunk]) -> list[str]:
    """The captures the chunks read, each once, in order: each gets one stream pass."""
    return list(dict.fromkeys(f for c in chunks for f in c.files))


def run_local(options: Options, chunks: list[Chunk], workers: int) -> Iterator[Result]:
    """Every chunk's result, in the chunks' order, exported by `workers` forked processes
    (this one when 1). Each capture's stream pass is a task before the chunks' (so with
    several workers, chunks are exported while a capture is being numbered: a chunk waits
    for its capture's numbers only to place them in its `frames` rows, at its end). A
    worker takes the next task when it is free (parallel.unordered_map): the one that
    numbered a capture exports fewer chunks, and the workers end together."""
    engine._load()  # every protocol imported once, before the workers fork
    files = captures(chunks)
    clear_none(options.outdir, files)
    if workers <= 1 or len(chunks) <= 1:
        failed = [safe_pass(options.outdir, name) for name in files]
        yield from _pass_errors(files, failed)
        for chunk in chunks:
            yield safe_export(options, chunk)
        return

    def render(task: str | Chunk) -> bytes:
        if isinstance(task, str):  # a capture: its stream pass, then its error line or ''
            return safe_pass(options.outdir, task).encode("utf-8", "surrogateescape")
        return safe_export(options, task, pass_running=True).to_json().encode()

    work: list[str | Chunk] = [*files, *chunks]
    finished: dict[int, bytes] = {}  # results that came before an earlier task's
    failed: list[str] = []  # the passes' error lines, reported before the chunks' results
    following = 0  # the next task whose result is handed on (results go in task order)
    for i, out in parallel.unordered_map(render, work, workers):
        finished[i] = out  # type: ignore[assignment]
        while following in finished:
            got = finished.pop(following)
            following += 1
            if following > len(files):
                yield Result.from_json(got)
                continue
            failed.append(got.decode("utf-8", "surrogateescape"))
            if following == len(files):
                yield from _pass_errors(files, failed)


def _pass_errors(files: list[str], failed: list[str]) -> Iterator[Result]:
    """A stream pass that failed, as a result of its own (reported with the chunks')."""
    for name, error in zip(files, failed, strict=True):
        if error:
            yield Result(f"streams:{name}", [name], errors=[error])


def run_dask(options: Options, chunks: list[Chunk], address: str) -> Iterator[Result]:
    """Every chunk's result, each exported as one Dask task, as they finish. `address`:
    a scheduler (tcp://host:8786) or `local` (a cluster of this machine's cores). A task
    whose worker dies is run again by the scheduler; export_chunk first removes what the
    lost attempt wrote, so no row is lost or doubled. Each capture's stream pass is a task
    too; the tasks of its chunks wait for it."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=parallel.worker_count(), threads_per_worker=1,
                                   processes=True, dashboard_address=None)  # fmt: skip
            client = Client(cluster)
        else:
            client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as exc:  # refused, timed out, a bad address
        raise RunnerError(f"--dask {address}: cannot start: {exc}") from None
    try:
        files = captures(chunks)
        clear_none(options.outdir, files)
        passes = {name: client.submit(safe_pass, options.outdir, name, pure=False)
                  for name in files}  # fmt: skip
        after = [[passes[name] for name in c.files] for c in chunks]
        keys = [f"layerscope-export-{c.id}" for c in chunks]
        futures = client.map(partial(safe_export, options), chunks, after, key=keys, pure=False)
        by_key = dict(zip(keys, chunks, strict=True))
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - the task failed on every try
                chunk = by_key[fut.key]
                yield Result(chunk.id, chunk.files, bytes=chunk.size,
                             errors=[f"{', '.join(chunk.files)}: dask task failed: {exc!r}"])  # fmt: skip
        yield from _pass_errors(files, [_pass_result(passes[name], name) for name in files])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _pass_result(future: Any, name: str) -> str:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the task failed on every try
        return f"{name}: stream pass failed, tcp_stream/udp_stream left empty: {exc!r}"


class Progress:
    """Packets, bytes, rate and ETA on stderr while chunks finish: a bar on a terminal,
    nothing otherwise (the command prints its totals at the end)."""

    def __init__(self, total_bytes: int, err: IO[str], clock: Callable[[], float] = time.monotonic):
        self.total, self.clock, self.t0 = total_bytes, clock, clock()
        self.packets = self.bytes = 0
        self.bar: Any = None
        if err.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                BarColumn(), DownloadColumn(),
                TextColumn("{task.fields[packets]:,} packets  {task.fields[rate]:,.0f}/s  ETA"),
                TimeRemainingColumn(), console=Console(file=err), transient=True,
            )  # fmt: skip
            self.task = self.bar.add_task("export", total=total_bytes, packets=0, rate=0.0)
            self.bar.start()

    def advance(self, result: Result) -> None:
        self.packets += result.packets
        self.bytes += result.bytes
        if self.bar is not None:
            self.bar.update(self.task, completed=self.bytes, packets=self.packets,
                            rate=self.rate)  # fmt: skip

    @property
    def rate(self) -> float:
        return self.packets / max(self.clock() - self.t0, 1e-9)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
