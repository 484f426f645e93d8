"""Batch output on every core: an indexed capture is cut into chunks of records that forked
workers decode and render to text; the parent writes the chunks back in file order.

Decoding is pure and per packet, so chunks are independent. Workers are forked after the
index is built, so they share its arrays and the capture's mmap (page cache, no copies)
and only the rendered text crosses back. Below a few thousand packets, or with one core,
forking costs more than it saves and the caller stays sequential.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator

Span = tuple[int, int]

MIN_PACKETS = 20_000  # under this a single process finishes before workers would pay off
CHUNK = 4096  # records per task: large enough to amortise the hand-off, small for ordering

_render: Callable[[Span], str] | None = None  # set before forking, inherited by workers


def worker_count() -> int:
    """Cores this process may run on (its CPU affinity), or 1 where fork is unavailable.
    LAYERSCOPE_WORKERS=N overrides (1 turns parallel output off)."""
    env = os.environ.get("LAYERSCOPE_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    if not hasattr(os, "fork"):
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def spans(start: int, stop: int, size: int | None = None) -> list[Span]:
    step = size or CHUNK
    return [(i, min(i + step, stop)) for i in range(start, stop, step)]


def ordered_map(render: Callable[[Span], str], work: list[Span], workers: int) -> Iterator[str]:
    """render(span) for every span, computed in `workers` forked processes, yielded in
    order. Closing the generator early (a closed pipe) terminates the workers."""
    global _render
    _render = render
    ctx = multiprocessing.get_context("fork")
    # Objects made before the fork move to a generation the collector never scans, so
    # workers do not write to (and copy) every page of the parent's heap when it runs.
    gc.freeze()
    try:
        with ctx.Pool(workers, initializer=_quiet_worker) as pool:
            yield from pool.imap(_run, work)
    finally:
        _render = None
        gc.unfreeze()


def _quiet_worker() -> None:
    """Ctrl+C is the parent's to handle (it terminates the pool): no traceback per worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(span: Span) -> str:
    assert _render is not None, "ordered_map sets the renderer before forking"
    return _render(span)
