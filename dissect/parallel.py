"""Batch output on every core: an indexed capture is cut into chunks of records that forked
workers decode and render to text; the parent writes the chunks back in file order.

Decoding is pure and per packet, so chunks are independent. Workers are forked after the
index is built, so they share its arrays and the open capture file (read with pread)
and only the rendered text crosses back. Below a few thousand packets, or with one core,
forking costs more than it saves and the caller stays sequential.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import selectors
import signal
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Span = tuple[int, int]

MIN_PACKETS = 20_000  # under this a single process finishes before workers would pay off
CHUNK = 4096  # records per task at most: enough to amortise the hand-off, small for ordering
# Output bytes per task aimed at. A chunk's text is built, encoded and piped as a few
# buffers of this size: kept well under glibc's mmap threshold region they are reused from
# the heap, where multi-megabyte buffers were mapped and unmapped each time (on -T json a
# page fault for every 4 KiB written, more system time than the decoding took). Not 128
# KiB: that is the threshold itself, and buffers a little over it were mapped each time
# (the 1M-packet summary list: 134k page faults and 0.5 s of system time, 51k and 0.3 s
# at 96 KiB).
CHUNK_BYTES = 96 << 10


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


def chunk_for(bytes_per_record: float) -> int:
    """Records per task for an output of this many bytes a record (CHUNK_BYTES a task)."""
    return max(16, min(CHUNK, int(CHUNK_BYTES / max(bytes_per_record, 1.0))))


def ordered_map(
    render: Callable[[Span], str | bytes], work: list[Span], workers: int
) -> Iterator[str | bytes]:
    """render(span) for every span, computed in `workers` forked processes, yielded in
    order. Worker k renders spans k, k + workers, ... and writes each result to its own
    pipe, so the parent reads the pipes in turn and only copies bytes: no task queue,
    no pickling, no helper threads. Closing the generator early (a closed pipe) stops
    the workers; a worker's exception is raised here."""
    if not work:
        return
    workers = max(1, min(workers, len(work)))
    # Objects made before the fork move to a generation the collector never scans, so
    # workers do not write to (and copy) every page of the parent's heap when it runs.
    gc.freeze()
    pids: list[int] = []
    fds: list[int] = []
    try:
        _fork_workers(workers, pids, fds, lambda k, w: _work(render, work[k::workers], w))
        for i in range(len(work)):
            yield _receive(fds[i % workers])
    finally:
        _stop(pids, fds)
        gc.unfreeze()


def unordered_map(
    render: Callable[[Any], str | bytes], work: list[Any], workers: int
) -> Iterator[tuple[int, str | bytes]]:
    """(i, render(work[i])) for every task, computed in `workers` forked processes, yielded
    as they finish. A worker takes the next task whenever it is free (the task numbers wait
    in a pipe all workers read), so a task that takes longer than the others (an export's
    stream pass) or a worker the machine gives less CPU does not leave the other idle at
    the end, as a fixed share of the tasks would. For work whose order does not matter
    (the export's chunks). A worker's exception is raised here; closing early stops them."""
    if not work:
        return
    workers = max(1, min(workers, len(work)))
    gc.freeze()  # as in ordered_map: workers do not copy the parent's heap
    tasks, feed = os.pipe()
    pids: list[int] = []
    fds: list[int] = []
    try:
        _fork_workers(workers, pids, fds, lambda _k, w: _work_any(render, work, tasks, w),
                      lambda _k: (feed,))  # fmt: skip
        os.close(tasks)
        tasks = -1
        _feed(feed, len(work))  # (after the forks: a thread must not be running at a fork)
        feed = -1
        left = set(fds)
        done = 0
        with selectors.DefaultSelector() as sel:
            for fd in fds:
                sel.register(fd, selectors.EVENT_READ)
            while left:
                for key, _mask in sel.select():
                    fd = key.fd
                    got = _indexed(fd)
                    if got is None:  # the worker has taken its last task and ended
                        sel.unregister(fd)
                        left.discard(fd)
                        continue
                    done += 1
                    yield got
        if done < len(work):
            raise ChildProcessError("a worker process died before finishing its tasks")
    finally:
        for fd in (tasks, feed):
            if fd >= 0:
                os.close(fd)
        _stop(pids, fds)
        gc.unfreeze()


def _fork_workers(workers: int, pids: list[int], fds: list[int], child: Callable[[int, int], None],
                  also_close: Callable[[int], Iterable[int]] = lambda _k: ()) -> None:  # fmt: skip
    """Fork `workers` processes, each with a pipe back to the parent: worker k closes what
    is not its own (the read ends, its siblings' pipes, also_close(k)) and runs child(k,
    its pipe's write end), which never returns (os._exit). Their pids and read ends go into
    `pids` and `fds` as they are made, so the caller's finally (_stop) reaps every worker
    forked before a failure."""
    for k in range(workers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            for fd in (r, *fds, *also_close(k)):
                os.close(fd)
            child(k, w)
        os.close(w)
        pids.append(pid)
        fds.append(r)
        _widen(r)


TASK = struct.Struct("<I")  # a task number in the task pipe (a write of whole numbers is atomic)


def _feed(fd: int, n: int) -> None:
    """Write the task numbers 0..n-1 into the workers' task pipe, from a thread (more than
    a pipe holds would block here while the workers wait for us to read their results),
    then close it: a worker that reads nothing more has no task left."""

    def write() -> None:
        try:
            step = select.PIPE_BUF // TASK.size  # each write atomic: never half a number
            for lo in range(0, n, step):
                _write_all(fd, b"".join(TASK.pack(i) for i in range(lo, min(lo + step, n))))
        except OSError:
            pass  # every worker has gone (the run was stopped)
        finally:
            os.close(fd)

    threading.Thread(target=write, daemon=True).start()


def _work_any(render: Callable[[Any], str | bytes], work: list[Any], tasks: int,
              fd: int) -> None:  # fmt: skip
    """A worker's life in unordered_map: take a task, send its number and output, again
    until the task pipe is empty and closed (_live: a failure ends it)."""

    def tasks_taken() -> None:
        while len(got := os.read(tasks, TASK.size)) == TASK.size:
            i = TASK.unpack(got)[0]
            out = render(work[i])
            _send(fd, b"i", TASK.pack(i))
            _send_output(fd, out)

    _live(fd, tasks_taken)


def _indexed(fd: int) -> tuple[int, str | bytes] | None:
    """A worker's next (task number, output); None at its end. Its error is raised."""
    try:
        kind, payload = _message(fd)
    except ChildProcessError:  # EOF before a header: the worker ended
        return None
    if kind == b"p":  # a part's output is of no use out of order: its error is raised
        _message(fd)
        kind, payload = _message(fd)
    if kind != b"i":
        raise pickle.loads(payload)
    return TASK.unpack(payload)[0], _receive(fd)


# kind (b"b" bytes, b"s" text, b"e" a pickled error, b"p" a part: output, then error,
# b"i" the task number of what follows (unordered_map)), length
HEADER = struct.Struct("<cQ")


def ordered_write(render: Callable[[Span], str | bytes], work: list[Span], workers: int,
                  fd: int) -> None:  # fmt: skip
    """render(span) for every span, computed in `workers` forked processes that write it to
    `fd` themselves, in order: the parent copies no byte. Worker k renders spans k, k +
    workers, ... and writes each when it holds the turn, a token passed round a ring of
    pipes (k to k + 1), so span i's output follows span i - 1's. Text is written as UTF-8
    (lone surrogates kept). A failure (a PartialOutput: its output first) waits for its
    turn and keeps the token: every span before it is written, none after, and its error is
    raised here; a worker killed midway is a ChildProcessError."""
    if not work:
        return
    workers = max(1, min(workers, len(work)))
    gc.freeze()  # as in ordered_map: workers do not copy the parent's heap
    turns = [os.pipe() for _ in range(workers)]
    open_fds = [fd_ for pair in turns for fd_ in pair]
    pids: list[int] = []
    reports: list[int] = []

    def mine(k: int) -> tuple[int, int]:  # worker k's ends of the ring: its turn, the next's
        return turns[k][0], turns[(k + 1) % workers][1]

    try:
        _fork_workers(
            workers, pids, reports,
            lambda k, w: _work_in_turn(render, list(enumerate(work))[k::workers], fd, *mine(k), w),
            lambda k: [f for f in open_fds if f not in mine(k)],
        )  # fmt: skip
        os.write(turns[0][1], b"t")  # the first span's worker may write
        while open_fds:  # the ring is the workers' own: EOF tells one its predecessor ended
            os.close(open_fds.pop())
        _raise_first_failure([_outcome(r) for r in reports])
    finally:
        for fd_ in open_fds:
            os.close(fd_)
        _stop(pids, reports)
        gc.unfreeze()


def _work_in_turn(render: Callable[[Span], str | bytes], mine: list[tuple[int, Span]],
                  fd: int, turn: int, following: int, report: int) -> None:  # fmt: skip
    """A worker's life in ordered_write: render a span, wait for the turn, write, pass the
    turn on; report b"d" (all written), b"w" (a worker before stopped: so do we) or b"e"
    (the span that failed and its error); then exit at once."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
        for i, span in mine:
            out, error = _rendered(render, span)
            if not os.read(turn, 1):
                _send(report, b"w", b"")
                break
            try:
                _write_all(fd, out)
            except OSError as exc:  # EPIPE, ENOSPC: the output's failure comes first
                error = exc
            if error is not None:
                _send(report, b"e", _pickled((i, error)))
                code = 1
                break
            try:
                os.write(following, b"t")
            except BrokenPipeError:
                pass  # the next worker had no span left: this was the last one
        else:
            _send(report, b"d", b"")
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        try:
            _send(report, b"e", _pickled((len(mine) and mine[0][0], exc)))
        except OSError:
            pass
        code = 1
    finally:
        os._exit(code)


def _rendered(
    render: Callable[[Span], str | bytes], span: Span
) -> tuple[bytes, BaseException | None]:
    """A span's output as bytes, and the error that cut it short (None: whole)."""
    try:
        out, error = render(span), None
    except PartialOutput as part:
        out, error = part.output, part.error
    except Exception as exc:  # noqa: BLE001 - reported when this span's turn comes
        out, error = b"", exc
    return (out if isinstance(out, bytes) else out.encode("utf-8", "surrogatepass")), error


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pickled(value: object) -> bytes:
    try:
        return pickle.dumps(value)
    except Exception:
        i, exc = value  # type: ignore[misc]
        return pickle.dumps((i, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _outcome(fd: int) -> tuple[bytes, bytes]:
    """A worker's report, read to its end: (kind, payload); (b"", b"") when it died first."""
    data = bytearray()
    while chunk := os.read(fd, 1 << 16):
        data += chunk
    if len(data) < HEADER.size:
        return b"", b""
    kind, size = HEADER.unpack_from(data)
    return kind, bytes(data[HEADER.size : HEADER.size + size])


def _raise_first_failure(outcomes: list[tuple[bytes, bytes]]) -> None:
    failures = [pickle.loads(payload) for kind, payload in outcomes if kind == b"e"]
    if failures:
        raise min(failures, key=lambda f: f[0])[1]
    if any(kind == b"" for kind, _payload in outcomes):
        raise ChildProcessError("a worker process died before finishing its output")


class PartialOutput(Exception):
    """A render that failed part way (the capture shrank under it): the output it had made,
    to be written before the error is reported."""

    def __init__(self, output: str | bytes, error: BaseException) -> None:
        super().__init__(str(error))
        self.output, self.error = output, error


def _work(render: Callable[[Span], str | bytes], mine: list[Span], fd: int) -> None:
    """A worker's life in ordered_map: render its spans into the pipe (_live)."""

    def spans_rendered() -> None:
        for span in mine:
            _send_output(fd, render(span))

    _live(fd, spans_rendered)


def _live(fd: int, body: Callable[[], None]) -> None:
    """A worker's whole life: body(), its failure sent back as b"e" on `fd`, then exit at
    once (no interpreter teardown: the parent's objects are not ours to free)."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
        body()
    except BrokenPipeError:
        code = 1  # the parent stopped reading
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        _send_error(fd, exc)
        code = 1
    finally:
        os._exit(code)


def _send_output(fd: int, out: str | bytes) -> None:
    if isinstance(out, bytes):
        _send(fd, b"b", out)
    else:
        _send(fd, b"s", out.encode("utf-8", "surrogatepass"))


def _send_error(fd: int, exc: BaseException) -> None:
    """The error, pickled; a PartialOutput goes as a mark, its output, then its error."""
    try:
        if isinstance(exc, PartialOutput):
            _send(fd, b"p", b"")
            _send_output(fd, exc.output)
            exc = exc.error
        try:
            payload = pickle.dumps(exc)
        except Exception:
            payload = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        _send(fd, b"e", payload)
    except OSError:
        pass


def _send(fd: int, kind: bytes, payload: bytes) -> None:
    for part in (HEADER.pack(kind, len(payload)), payload):  # no joined copy of the payload
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view) :]


def _receive(fd: int) -> str | bytes:
    kind, payload = _message(fd)
    if kind in (b"b", b"s"):
        return _output(kind, payload)
    if kind == b"p":  # a part: its output, then its error
        part = _output(*_message(fd))
        raise PartialOutput(part, pickle.loads(_message(fd)[1]))
    raise pickle.loads(payload)


def _message(fd: int) -> tuple[bytes, bytes]:
    kind, size = HEADER.unpack(_read_exact(fd, HEADER.size))
    return kind, _read_exact(fd, size)


def _output(kind: bytes, payload: bytes | bytearray) -> str | bytes:
    return payload if kind == b"b" else payload.decode("utf-8", "surrogatepass")


def _read_exact(fd: int, size: int) -> bytearray:
    """size bytes from the pipe, in the buffer they were read into (writable streams take a
    bytearray as they take bytes: no copy)."""
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = os.readv(fd, [view[got:]])
        if n == 0:  # killed, most likely (an OSError: the CLI reports it in one line)
            raise ChildProcessError("a worker process died before finishing its output")
        got += n
    return buf


def _widen(fd: int) -> None:
    """A 1 MiB pipe (Linux): a chunk's text crosses in a few reads, not dozens."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except OSError:
        pass  # the default size works, only with more reads


def _stop(pids: list[int], fds: list[int]) -> None:
    """Close the pipes, end workers still running (the output was abandoned) and reap
    every worker by its PID."""
    for fd in fds:
        os.close(fd)
    for pid in pids:
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
