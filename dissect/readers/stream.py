"""Where a capture's bytes come from: read into buffers, never mapped.

A mapped file that shrinks while it is read kills the process with SIGBUS when a page past
its new end is touched, and no Python code can catch that; so files are read with pread,
and a read that comes up short means the file shrank under us (`Shrunk`).

- `FileBytes`: a regular file (random access; a followed file grows with `grow()`).
- `MemoryBytes`: capture bytes already in memory.
- `StreamBytes`: a stream read forwards -- a pipe, FIFO, device or gzip-compressed data --
  holding only the bytes not yet released: the CLI prints a stream as it arrives, in
  bounded memory.
- `Spool`: a stream copied by a thread to an unlinked temporary file, for random access in
  bounded memory (the TUI); it keeps at most SPOOL_LIMIT bytes on disk.

gzip is recognised by its magic number, as tshark does, and decompressed as a stream (the
stdlib's gzip module, in bounded steps). `Window` caches a block of a source so that the
record walks (pcap.py, pcapng.py) read headers from memory, not one system call each.
"""

from __future__ import annotations

import gzip
import io
import os
import select
import stat
import tempfile
import threading
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 16  # bytes read from a stream at a time (a pipe's usual capacity)
WINDOW = 1 << 18  # bytes of file a walk reads at a time (pcap.py relies on <= MAX_CAPLEN)
MIN_READ = 4096  # a walk asks for this much: a window still holding it is not read again
RELEASE_STEP = 1 << 20  # released stream bytes are dropped from memory this many at a time
SPOOL_LIMIT = 4 << 30  # a spooled stream stops being read past this many bytes (disk space)
HOLD_LIMIT = 1 << 26  # bytes a stream read forwards holds for one record at most (memory)


class Shrunk(Exception):
    """Bytes the index had seen are gone: the file was truncated (or rewritten) under us."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the file shrank to {size} bytes while being read")
        self.size = size


class MemoryBytes:
    """Capture bytes in memory."""

    streaming = False

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size = len(data)
        self.ended = True
        self.error: str | None = None

    def read(self, offset: int, n: int) -> bytes:
        return self._data[offset : offset + n]

    def grow(self) -> int:
        return self.size

    def pull(self, seen: int, timeout: float | None = None) -> bool:
        return self.size > seen

    def release(self, upto: int) -> None:
        pass

    def held_past(self, pos: int) -> int:
        return 0

    def close(self) -> None:
        pass


class FileBytes:
    """A regular file read with pread: random access, safe if the file shrinks."""

    streaming = False

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._fd = fh.fileno()
        self.size = os.fstat(self._fd).st_size
        self.ended = True  # a followed file grows by grow() (dissect/capture.py, tui/live.py)
        self.error: str | None = None

    @property
    def fd(self) -> int:
        return self._fd

    def read(self, offset: int, n: int) -> bytes:
        """The n bytes at offset; Shrunk when the file no longer holds them."""
        data = os.pread(self._fd, n, offset)
        if len(data) == n:
            return data
        parts, got = [data], len(data)  # a regular file reads short only at its end...
        while data and got < n:  # ...or past 2 GiB in one call (Linux)
            data = os.pread(self._fd, n - got, offset + got)
            parts.append(data)
            got += len(data)
        if got < n:
            raise Shrunk(offset + got)
        return b"".join(parts)

    def grow(self) -> int:
        """The file's size now (it may have grown, or shrunk)."""
        self.size = os.fstat(self._fd).st_size
        return self.size

    def pull(self, seen: int, timeout: float | None = None) -> bool:
        return self.size > seen

    def release(self, upto: int) -> None:
        pass

    def held_past(self, pos: int) -> int:
        return 0

    def close(self) -> None:
        self._fh.close()


class Stream:
    """The chunks of a stream, decompressed when it starts with the gzip magic number.

    `read_chunk()` returns what one read gives (a pipe's bytes as they arrive), b"" at the
    end; a corrupt or cut gzip stream ends it with `error` set."""

    def __init__(self, fh: BinaryIO) -> None:
        self._raw = fh
        self._read1: Callable[[int], bytes] = getattr(fh, "read1", None) or fh.read
        self.error: str | None = None
        self.compressed = False
        try:
            self._fd: int | None = fh.fileno()
        except (OSError, ValueError, AttributeError):
            self._fd = None
        first = self._read1(CHUNK)
        while first == GZIP_MAGIC[:1]:  # one byte so far: is it gzip?
            more = self._read1(CHUNK)
            if not more:
                break
            first += more
        self._gz: gzip.GzipFile | None = None
        self._pending = b""
        if first[:2] == GZIP_MAGIC:
            self.compressed = True
            self._gz = gzip.GzipFile(fileobj=_Replay(first, self._read1))
            first = self.read_chunk()  # the first bytes of the capture inside
        self._pending = first

    @property
    def head(self) -> bytes:
        """The stream's first bytes (decompressed), before read_chunk() hands them out."""
        return self._pending

    def read_chunk(self, before_blocking: Callable[[], None] | None = None) -> bytes:
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        if before_blocking is not None and not self._ready():
            before_blocking()
        try:
            if self._gz is not None:
                return self._gz.read1(CHUNK)
            return self._read1(CHUNK)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self.error = f"gzip data cut short or corrupt ({exc}): read stopped"
        except OSError as exc:
            self.error = f"read error ({exc.strerror or exc}): read stopped"
        return b""

    def _ready(self) -> bool:
        """Whether a read would return at once (unknown: say yes)."""
        if self._fd is None:
            return True
        try:
            return bool(select.select([self._fd], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        try:
            self._raw.close()
        except OSError:
            pass


class _Replay:
    """A file object for GzipFile: the bytes already read first, then whatever each read of
    the stream gives (short reads keep a pipe's packets flowing)."""

    def __init__(self, first: bytes, read1: Callable[[int], bytes]) -> None:
        self._first, self._read1 = first, read1

    def read(self, n: int = -1) -> bytes:
        n = CHUNK if n < 0 else max(1, min(n, CHUNK))
        if self._first:
            data, self._first = self._first[:n], self._first[n:]
            return data
        return self._read1(n)


class StreamBytes:
    """A stream read forwards: `pull()` reads a chunk (blocking), `release(upto)` lets the
    bytes before `upto` go. Memory holds the unreleased bytes only."""

    streaming = True

    def __init__(self, stream: Stream) -> None:
        self._stream = stream
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self.size = 0
        self.ended = False
        self.before_blocking: Callable[[], None] | None = None  # e.g. flush the output

    @property
    def error(self) -> str | None:
        return self._stream.error

    def read(self, offset: int, n: int) -> bytes:
        rel = offset - self._base
        if rel < 0:
            raise ValueError(f"stream offset {offset} was released (a stream is read once)")
        return bytes(self._buf[rel : rel + n])

    def grow(self) -> int:
        return self.size

    def pull(self, seen: int, timeout: float | None = None) -> bool:
        """Bytes past `seen`: read the next chunk (waiting for it) if there are none yet;
        False at the end of the stream."""
        if self.size > seen or self.ended:
            return self.size > seen
        chunk = self._stream.read_chunk(self.before_blocking)
        if not chunk:
            self.ended = True
            return False
        self._buf += chunk
        self.size += len(chunk)
        return True

    def held_past(self, pos: int) -> int:
        """Bytes held in memory from stream offset pos on (a record still incomplete)."""
        return self.size - pos

    def release(self, upto: int) -> None:
        drop = min(upto, self.size) - self._base
        if drop >= RELEASE_STEP or (drop > 0 and drop == len(self._buf)):
            del self._buf[:drop]  # from the front of a bytearray: no copy of the rest
            self._base += drop

    def close(self) -> None:
        self._stream.close()


class Spool:
    """A stream copied by a thread to an unlinked temporary file: random access to all of
    it, in bounded memory, at the cost of disk space (at most `limit` bytes)."""

    streaming = True

    def __init__(self, stream: Stream, limit: int | None = None) -> None:
        self._stream = stream
        self._limit = SPOOL_LIMIT if limit is None else limit
        self._file = tempfile.TemporaryFile(prefix="layerscope-spool-")
        self._fd = self._file.fileno()
        self.size = 0
        self.ended = False
        self._error: str | None = None
        self._stopped = False
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._copy, name="layerscope-spool", daemon=True)
        self._thread.start()

    @property
    def error(self) -> str | None:
        return self._error or self._stream.error

    def _copy(self) -> None:
        try:
            while not self._stopped:
                chunk = self._stream.read_chunk()
                if not chunk:
                    break
                if not self._append(chunk):
                    break
        except OSError as exc:  # ENOSPC: the disk is full
            self._error = f"spooling to {tempfile.gettempdir()}: {exc.strerror or exc}"
        finally:
            with self._lock:
                self.ended = True
                self._lock.notify_all()
            self._stream.close()

    def _append(self, chunk: bytes) -> bool:
        """Write a chunk to the spool; False once the spool is full or closed."""
        room = self._limit - self.size
        if len(chunk) > room:
            chunk = chunk[:room]
            self._error = (
                f"stopped reading after {self._limit:,} bytes (the spool limit for streams)"
            )
        with self._lock:
            if self._stopped:
                return False
            view = memoryview(chunk)
            while view:
                view = view[os.write(self._fd, view) :]
            self.size += len(chunk)
            self._lock.notify_all()
        return self._error is None

    def read(self, offset: int, n: int) -> bytes:
        data = os.pread(self._fd, n, offset)
        if len(data) < n:
            raise Shrunk(offset + len(data))
        return data

    def grow(self) -> int:
        return self.size

    def pull(self, seen: int, timeout: float | None = None) -> bool:
        """Wait (up to timeout) for the spool to hold bytes past `seen`; True if it does."""
        with self._lock:
            self._lock.wait_for(lambda: self.size > seen or self.ended, timeout)
            return self.size > seen

    def release(self, upto: int) -> None:
        pass

    def held_past(self, pos: int) -> int:
        return 0  # on disk, bounded by the spool limit

    def stop(self) -> None:
        """Read no more of the stream (what is spooled stays readable)."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
            self._file.close()


Source = MemoryBytes | FileBytes | StreamBytes | Spool


def open_source(
    source: Any, *, forward: bool = False, check: Callable[[bytes], None] | None = None
) -> Source:
    """The byte source for a path, a binary file object or bytes. A regular file is read in
    place; anything else (or gzip data) is a stream: read forwards (`forward`, the CLI) or
    spooled for random access. `check(first bytes)` may refuse a stream before anything is
    spooled (/dev/zero is not a capture). OSError when it cannot be opened."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if data[:2] == GZIP_MAGIC:
            return _stream(io.BytesIO(data), forward, check)
        return MemoryBytes(data)
    given = hasattr(source, "read")
    fh: BinaryIO = source if given else open(source, "rb")  # noqa: SIM115
    try:
        fd = _fileno(fh)
        if fd is not None and stat.S_ISREG(os.fstat(fd).st_mode):
            if os.pread(fd, 2, 0) != GZIP_MAGIC:
                return FileBytes(os.fdopen(os.dup(fd), "rb") if given else fh)
        return _stream(fh, forward, check)
    except BaseException:
        if not given:
            fh.close()
        raise


def _fileno(fh: BinaryIO) -> int | None:
    try:
        return fh.fileno()
    except (OSError, ValueError, AttributeError):  # io.BytesIO, a test's stdin
        return None


def _stream(
    fh: BinaryIO, forward: bool, check: Callable[[bytes], None] | None
) -> StreamBytes | Spool:
    stream = Stream(fh)
    if check is not None:
        check(stream.head)
    return StreamBytes(stream) if forward else Spool(stream)


def least(left: int, need: int) -> int:
    """Bytes a walk asks a Window for: `need`, or MIN_READ so that a block still holding
    that much is used again, never more than the `left` the file holds."""
    return min(left, max(need, min(MIN_READ, WINDOW)))


class Window:
    """One block of a source kept in memory: `at(pos, n, end)` gives a buffer and the index
    in it of the n bytes at file offset pos (reading a new block of WINDOW bytes, or n if
    more, when they are not held). Callers keep pos + n <= end, the bytes known to exist."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.base = 0
        self.buf = b""

    def at(self, pos: int, n: int, end: int) -> tuple[bytes, int]:
        rel = pos - self.base
        if rel >= 0 and rel + n <= len(self.buf):
            return self.buf, rel
        self.base, self.buf = pos, b""  # no stale block if the read fails
        self.buf = self.source.read(pos, max(n, min(WINDOW, end - pos)))
        return self.buf, 0
