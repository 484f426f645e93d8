"""Record index of a capture file over an mmap: offsets, lengths and times in arrays.

Opening a file reads its header only; `index_more()` walks record headers in batches
(one worker thread may call it while others read `len()` and `record(i)`), appending to
compact arrays -- about 24 bytes per packet for pcap, 26 for pcapng. Frames are sliced
out of the mmap when asked for. The format-specific walks live in dissect/readers/
(pcap: draft-ietf-opsawg-pcap, pcapng: draft-ietf-opsawg-pcapng); this module sniffs
the magic number and delegates. Bad records end the index with a warning line; only the
constructor fails, with a one-line CaptureError.
"""

from __future__ import annotations

import logging
import mmap
import os
import re
import stat
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from dissect.readers import pcap, pcapng
from dissect.readers.pcap import FormatError, Interface

__all__ = ["CaptureError", "CaptureIndex", "Interface", "Record", "open_capture"]

logger = logging.getLogger(__name__)

MAX_WARNINGS = 100  # a crafted file could otherwise add one warning per record
_DIGITS = re.compile(r"\d+")
Source = str | os.PathLike[str] | bytes | bytearray | memoryview


class CaptureError(Exception):
    """Fatal, one-line message suitable for the CLI, e.g. 'x.pcap: not a pcap or pcapng file'."""


@dataclass(slots=True)
class Record:
    """One indexed packet, its bytes copied out of the file."""

    number: int  # 1-based
    time_ns: int  # absolute epoch nanoseconds
    caplen: int
    wirelen: int  # original length
    linktype: int  # LINKTYPE_* number of this record's interface
    interface: int  # index into CaptureIndex.interfaces (pcapng: over all sections)
    data: bytes
    comment: str | None = None  # pcapng opt_comment if any


ROWS_BATCH = 1024  # rows() builds this many at a time


class CaptureIndex:
    """Index of a pcap or pcapng file (a path, mmapped read-only) or of in-memory bytes."""

    def __init__(self, source: Source, *, name: str | None = None) -> None:
        self.warnings: list[str] = []
        self._shapes: dict[str, tuple[int, str, int]] = {}  # see _coalesce
        self.interfaces: list[Interface] = []
        self.format = "pcap"
        self.done = False
        self._offsets, self._caplens = array("Q"), array("I")
        self._wirelens, self._ifaces = array("I"), array("H")
        self._times: array[int] = array("q")  # pcapng: ns; pcap: raw words (see _start)
        self._last = self._times  # appended last by the walk: its length is the count
        self._comments: dict[int, str] = {}
        self._lock = threading.Lock()
        self._pcap: pcap.PcapHeader | None = None
        self._walker: pcapng.PcapngWalker | None = None
        self._pos = 0
        self._tail_mark: int | None = None  # warnings from here on are about a torn tail
        self._path = None if isinstance(source, bytes | bytearray | memoryview) else source
        self.name, self._buf = _open_source(source, name)
        self._end = len(self._buf)
        try:
            self._start()
        except (FormatError, ValueError, OSError) as exc:
            self.close()
            raise CaptureError(f"{self.name}: {exc}") from None
        except Exception as exc:  # a reader bug must still leave the CLI one line
            logger.exception("opening %s", self.name)
            self.close()
            raise CaptureError(f"{self.name}: cannot read ({exc!r})") from None
        self._view = memoryview(self._buf)

    def _start(self) -> None:
        """Sniff the magic number and read the file header."""
        buf = self._buf
        if self._end == 0:
            self.done = True
            self._tail_mark = len(self.warnings)  # a followed file may still get its header
            self.warnings.append("empty file (0 bytes)")
            return
        magic = bytes(buf[:4])
        if pcapng.sniff(magic):
            self.format = "pcapng"
            self._walker = pcapng.PcapngWalker(
                buf, self._end, self.interfaces, self._comments, self._warn
            )
            self._last = self._ifaces
        elif pcap.sniff(magic):
            self._pcap = pcap.parse_header(buf)
            self.interfaces.append(self._pcap.interface)
            self._pos = pcap.FILE_HEADER_LEN
            self._times = self._last = array("Q")  # raw timestamp words, see pcap.walk
        elif len(magic) < 4:
            raise FormatError(f"not a pcap or pcapng file (only {len(magic)} bytes)")
        else:
            raise FormatError(f"not a pcap or pcapng file (magic 0x{magic.hex()})")

    def _warn(self, message: str) -> None:
        logger.debug("%s: %s", self.name, message)
        if self._coalesce(message):
            return
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("further warnings suppressed")

    def _coalesce(self, message: str) -> bool:
        """The same problem again (only numbers differ, e.g. records on an undefined
        interface): count it on the first warning's line, so a file gives one message."""
        shape = _DIGITS.sub("#", message)
        seen = self._shapes.get(shape)
        if seen is not None and seen[0] < len(self.warnings):
            at, first, more = seen
            if self.warnings[at].startswith(first):
                self._shapes[shape] = (at, first, more + 1)
                self.warnings[at] = f"{first} (and {more + 1} more like it)"
                return True
        self._shapes[shape] = (len(self.warnings), message, 0)
        return False

    def index_more(self, max_records: int = 65536) -> bool:
        """Walk up to max_records more records; True when the index is complete."""
        with self._lock:
            if self.done or self._buf is None:
                self.done = True
                return True
            mark, start = len(self.warnings), self._pos
            try:
                self._pos, self.done = self._walk(max_records)
                self._tail_mark = mark if self.done and self._pos < self._end else None
                self.release_pages(start, self._pos)
            except Exception as exc:  # never raise into the UI (STYLE.md section 4)
                logger.exception("indexing %s at offset %d", self.name, self._pos)
                self._warn(f"internal error at offset {self._pos}: {exc!r}: index stopped")
                self.done = True
            return self.done

    def _walk(self, max_records: int) -> tuple[int, bool]:
        if self._walker is not None:
            arrays = (self._offsets, self._caplens, self._wirelens, self._times, self._ifaces)
            return self._walker.walk(self._pos, arrays, max_records)
        assert self._pcap is not None
        arrays4 = (self._offsets, self._caplens, self._wirelens, self._times)
        pos, warning, done = pcap.walk(
            self._buf, self._pos, self._end, self._pcap, arrays4, max_records
        )
        if warning:
            self._warn(warning)
        return pos, done

    def refresh(self) -> bool:
        """Follow a growing file (a live capture): re-map it if it grew; True when it did.

        Every index array is kept and the walk goes on from the end of the last whole
        record. Warnings the last walk gave about the torn tail are withdrawn: that record
        may be complete now (a tail still torn is reported again by the next walk).
        """
        if self._path is None or self._buf is None:
            return False
        try:
            grew = os.stat(self._path).st_size > self._end
            _, buf = _open_source(self._path, self.name) if grew else (None, None)
        except (OSError, CaptureError):
            return False
        if buf is None or len(buf) <= self._end:
            return False
        with self._lock:
            if self._buf is None:
                return False
            if self._tail_mark is not None:
                del self.warnings[self._tail_mark :]
                self._tail_mark = None
            was_empty = self._end == 0
            # The old map is not closed: frames handed out may still view it; it goes with them.
            self._buf, self._end, self._view = buf, len(buf), memoryview(buf)
            if self._walker is not None:
                self._walker._buf, self._walker._end = buf, self._end
            self.done = False
            if was_empty:
                self._start_followed()
        return True

    def _start_followed(self) -> None:
        """The header of a file that was empty when opened has arrived."""
        try:
            self._start()
        except (FormatError, ValueError, OSError) as exc:
            self._warn(f"{exc}: index stopped")
            self.done = True

    @property
    def indexed_bytes(self) -> int:
        """Length of the file prefix made of whole, indexed records (a valid capture)."""
        return self._pos

    def index_all(self) -> CaptureIndex:
        """Index the whole file; returns self."""
        while not self.index_more():
            pass
        return self

    @property
    def progress(self) -> float:
        """Fraction of the file walked so far, 0.0 to 1.0."""
        return 1.0 if self.done or not self._end else self._pos / self._end

    def __len__(self) -> int:
        return len(self._last)

    def _check(self, i: int) -> int:
        n = len(self._last)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"record index {i} out of range ({n} indexed)")
        if self._buf is None:
            raise ValueError("capture index is closed")
        return i

    def record(self, i: int) -> Record:
        """Record i (0-based, negative counts from the end) with its bytes copied."""
        i = self._check(i)
        off, caplen = self._offsets[i], self._caplens[i]
        iface = self._ifaces[i] if self._walker is not None else 0
        return Record(
            number=i + 1,
            time_ns=self._time_at(i),
            caplen=caplen,
            wirelen=self._wirelens[i],
            linktype=self.interfaces[iface].linktype,
            interface=iface,
            data=bytes(self._view[off : off + caplen]),
            comment=self._comments.get(i),
        )

    def records(self, start: int, stop: int) -> Iterator[Record]:
        """Records start..stop-1 (clipped to what is indexed) as record() gives them, for
        loops over many: the checks and lookups record() makes each time are made once."""
        for row in self.rows(start, stop):
            yield Record(*row)

    def rows(self, start: int, stop: int) -> Iterator[tuple]:
        """records(start, stop) as plain tuples in Record's field order (number, time_ns,
        caplen, wirelen, linktype, interface, data, comment): for the hottest loops."""
        if self._buf is None:
            raise ValueError("capture index is closed")
        start, stop = max(0, start), min(stop, len(self._last))
        for lo in range(start, stop, ROWS_BATCH):
            yield from self._rows(lo, min(lo + ROWS_BATCH, stop))

    def _rows(self, start: int, stop: int) -> Iterator[tuple]:
        """One batch of rows(), built column by column (comprehensions and zip, not a
        Python-level step per field)."""
        view, caps = self._view, self._caplens[start:stop]
        datas = [
            bytes(view[o : o + c]) for o, c in zip(self._offsets[start:stop], caps, strict=True)
        ]
        raw = self._times[start:stop]
        times = raw if self._pcap is None else self._pcap.times_ns(raw)
        n = stop - start
        if self._walker is not None:
            ifaces = self._ifaces[start:stop]
            kinds = [i.linktype for i in self.interfaces]
            linktypes: Any = [kinds[i] for i in ifaces]
        else:
            ifaces = repeat(0, n)  # type: ignore[assignment]
            linktypes = repeat(self.interfaces[0].linktype if self.interfaces else 0, n)
        comments = self._comments
        notes = [comments.get(i) for i in range(start, stop)] if comments else repeat(None, n)
        return zip(
            range(start + 1, stop + 1), times, caps, self._wirelens[start:stop], linktypes,
            ifaces, datas, notes, strict=True,
        )  # fmt: skip

    def frame(self, i: int) -> memoryview:
        """Zero-copy view of record i's captured bytes (keep it short-lived: it pins the mmap)."""
        i = self._check(i)
        off = self._offsets[i]
        return self._view[off : off + self._caplens[i]]

    def time_ns(self, i: int) -> int:
        """Absolute epoch nanoseconds of record i."""
        return self._time_at(self._check(i))

    def _time_at(self, i: int) -> int:
        if self._pcap is not None:
            return self._pcap.time_ns(self._times[i])
        return self._times[i]

    def caplen(self, i: int) -> int:
        return self._caplens[self._check(i)]

    def wirelen(self, i: int) -> int:
        return self._wirelens[self._check(i)]

    def interface(self, i: int) -> int:
        return self._ifaces[self._check(i)] if self._walker is not None else 0

    def linktype(self, i: int) -> int:
        return self.interfaces[self.interface(i)].linktype

    # -- bulk access for vectorised filters (dissect/fastfilter.py) ----------------------
    @property
    def buffer(self) -> Any:
        """The file's bytes (an mmap or bytes). Read it for one scan, never keep it: a
        followed file swaps in a larger map."""
        return self._buf

    def arrays(self, start: int, stop: int) -> tuple[array, array, array, array, array | None]:
        """Copies of records start..stop-1's offsets, caplens, wirelens, raw timestamps and
        interface numbers (None for pcap). Slicing copies under the GIL, so the indexing
        thread may keep appending; pcap times are raw words (see `time_layout`)."""
        stop = min(stop, len(self._last))
        ifaces = self._ifaces[start:stop] if self._walker is not None else None
        return (self._offsets[start:stop], self._caplens[start:stop],
                self._wirelens[start:stop], self._times[start:stop], ifaces)  # fmt: skip

    def release_pages(self, start: int, end: int) -> None:
        """Unmap the file's bytes start..end from this process once walked or scanned: they
        stay in the page cache and map back on the next read, so resident memory stays the
        index's own arrays even on a file of gigabytes (the walk touches every page)."""
        buf = self._buf
        if not isinstance(buf, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED") or end <= start:
            return
        lo = start - start % mmap.PAGESIZE
        try:
            buf.madvise(mmap.MADV_DONTNEED, lo, min(end, len(buf)) - lo)
        except (OSError, ValueError):  # an advice, never a failure
            logger.debug("madvise failed", exc_info=True)

    @property
    def time_layout(self) -> tuple[str, bool] | None:
        """(byte order, nanosecond resolution) of pcap's raw time words; None = nanoseconds."""
        return None if self._pcap is None else (self._pcap.byteorder, self._pcap.nanosecond)

    def __iter__(self) -> Iterator[Record]:
        """Every record in order, indexing further as needed."""
        i = 0
        while True:
            n = len(self._last)
            if i < n:
                yield from self.records(i, n)
                i = n
            elif self.index_more():
                if i >= len(self._last):
                    return

    def close(self) -> None:
        """Unmap the file. Frames still referenced keep the mapping until they are freed."""
        with self._lock:
            buf, self._buf = self._buf, None
            self.done = True
            view = getattr(self, "_view", None)
            if view is not None:
                view.release()
            if isinstance(buf, mmap.mmap):
                try:
                    buf.close()
                except BufferError:
                    logger.debug("%s: frames still in use; unmapped when released", self.name)

    def __enter__(self) -> CaptureIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "done" if self.done else "indexing"
        return f"<CaptureIndex {self.name!r} {self.format} {len(self)} records {state}>"


def _open_source(source: Source, name: str | None) -> tuple[str, Any]:
    """(display name, buffer): an mmap for a regular file, bytes otherwise."""
    if isinstance(source, bytes | bytearray | memoryview):
        return name or "<stdin>", bytes(source)
    label = name or os.fsdecode(os.fspath(source))
    try:
        with open(source, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):  # a pipe or device cannot be mapped
                return label, fh.read()
            if info.st_size == 0:
                return label, b""
            return label, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise CaptureError(f"{label}: {exc.strerror or exc}") from None
    except (ValueError, TypeError) as exc:
        raise CaptureError(f"{label}: cannot open ({exc})") from None


def open_capture(source: Source, *, name: str | None = None) -> CaptureIndex:
    """Open a capture file (path) or in-memory capture bytes; CaptureError if unreadable."""
    return CaptureIndex(source, name=name)
