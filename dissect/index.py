"""Record index of a capture file: offsets, lengths and times in arrays.

Opening a file reads its header only; `index_more()` walks record headers in batches
(one worker thread may call it while others read `len()` and `record(i)`), appending to
compact arrays -- about 24 bytes per packet for pcap, 26 for pcapng. A record's bytes are
read from the file when asked for (with pread, never through a map: a file that shrinks
under us then costs a short read and one error line, not a SIGBUS; see
dissect/readers/stream.py, which also reads pipes, FIFOs and gzip data as streams). The
format-specific walks live in dissect/readers/ (pcap: draft-ietf-opsawg-pcap, pcapng:
draft-ietf-opsawg-pcapng); this module sniffs the magic number and delegates. Bad records
end the index with a warning line; a file that shrinks ends it with `failure` set; only
the constructor fails, with a one-line CaptureError.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any, BinaryIO

from dissect.readers import pcap, pcapng, stream
from dissect.readers.pcap import FormatError, Interface

__all__ = ["CaptureError", "CaptureIndex", "Interface", "Record", "open_capture"]

logger = logging.getLogger(__name__)

MAX_WARNINGS = 100  # a crafted file could otherwise add one warning per record
_DIGITS = re.compile(r"\d+")
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO


class CaptureError(Exception):
    """Fatal, one-line message suitable for the CLI, e.g. 'x.pcap: not a pcap or pcapng file'."""


@dataclass(slots=True)
class Record:
    """One indexed packet, its bytes copied out of the file."""

    number: int  # 1-based
    time_ns: int  # absolute epoch nanoseconds
    caplen: int
    wirelen: int  # original length
    linktype: int  # LINKTYPE_* number of this record's interface, or a record kind
    # (a pcapng Custom Block: dissect.linktypes.custom_block; no interface, no time)
    interface: int  # index into CaptureIndex.interfaces (pcapng: over all sections)
    data: bytes
    comment: str | None = None  # pcapng opt_comment if any


ROWS_BATCH = 1024  # rows() builds this many at a time
SPAN_BYTES = 1 << 20  # rows() reads neighbouring records' bytes in calls of about this size
FORGET_STEP = 4096  # forget() lets records go this many at a time at least
PULL_WAIT = 0.1  # seconds index_more waits for a spooled stream to grow


class CaptureIndex:
    """Index of a pcap or pcapng file (a path or binary file object: a regular file is read
    in place, anything else -- a pipe, FIFO, device, gzip data -- as a stream) or of
    capture bytes in memory. `forward=True` reads a stream forwards only, keeping just what
    is still to be read (`forget`); otherwise a stream is spooled for random access."""

    def __init__(self, source: Source, *, name: str | None = None, forward: bool = False) -> None:
        self.warnings: list[str] = []
        self._shapes: dict[str, tuple[int, str, int]] = {}  # see _coalesce
        self.interfaces: list[Interface] = []
        self.format = "pcap"
        self.done = False
        self.failure: str | None = None  # why reading ended early (the file shrank...)
        self._offsets, self._caplens = array("Q"), array("I")
        self._wirelens, self._ifaces = array("I"), array("H")
        self._times: array[int] = array("q")  # pcapng: ns; pcap: raw words (see _start)
        self._last = self._times  # appended last by the walk: its length is the count
        self._first = 0  # records let go by forget(): the arrays start at this one
        self._comments: dict[int, int] = {}  # record -> offset << 16 | length (pcapng)
        self._kinds: dict[int, int] = {}  # record -> kind, for the few that are not packets
        self._kind_keys: tuple[int, list[int]] = (0, [])  # see kinds()
        self._lock = threading.Lock()
        self._pcap: pcap.PcapHeader | None = None
        self._walker: pcapng.PcapngWalker | None = None
        self._pos = 0
        self._tail_mark: int | None = None  # warnings from here on are about a torn tail
        self.name = _label(source, name)
        self.forward = forward  # a stream is read forwards only (else spooled)
        self._src: stream.Source | None = None
        try:
            self._src = stream.open_source(source, forward=forward, check=_check_stream)
            self._win = stream.Window(self._src)
            self._end = self._src.size
            self._start()
        except (FormatError, ValueError, OSError, stream.Shrunk) as exc:
            self.close()
            raise CaptureError(f"{self.name}: {_reason(exc)}") from None
        except Exception as exc:  # a reader bug must still leave the CLI one line
            logger.exception("opening %s", self.name)
            self.close()
            raise CaptureError(f"{self.name}: cannot read ({exc!r})") from None

    @property
    def streaming(self) -> bool:
        """The bytes come from a stream (a pipe, FIFO, device or gzip data), not a file."""
        return self._src is not None and self._src.streaming

    def when_waiting(self, hook: Callable[[], None]) -> None:
        """Call hook (flush the output) before waiting for a stream read forwards."""
        if isinstance(self._src, stream.StreamBytes):
            self._src.before_blocking = hook

    def _fill(self, size: int) -> None:
        """Wait until a stream has brought `size` bytes (or has ended): its header."""
        assert self._src is not None
        while self._src.size < size and self._src.pull(self._src.size):
            pass
        self._end = self._src.size

    def _start(self) -> None:
        """Sniff the magic number and read the file header."""
        assert self._src is not None
        self._fill(4)
        if self._end == 0:
            self.done = self._src.ended
            self._tail_mark = len(self.warnings)  # a followed file may still get its header
            self.warnings.append("empty file (0 bytes)")
            return
        magic = self._src.read(0, min(self._end, 4))
        if pcapng.sniff(magic):
            self.format = "pcapng"
            self._fill(12)  # a stream: wait for the whole section header
            if self._end >= 12:
                blen = pcapng.shb_length(self._src.read(0, 12), 0)[1]
                self._fill(min(blen, pcapng.MAX_BLOCK_READ))
            self._walker = pcapng.PcapngWalker(
                self._win, self._end, self.interfaces, self._comments, self._warn, self._kinds
            )
            self._last = self._ifaces
        elif pcap.sniff(magic):
            self._fill(pcap.FILE_HEADER_LEN)
            self._pcap = pcap.parse_header(self._src.read(0, min(self._end, pcap.FILE_HEADER_LEN)))
            self.interfaces.append(self._pcap.interface)
            self._pos = pcap.FILE_HEADER_LEN
            self._times = self._last = array("Q")  # raw timestamp words, see pcap.walk
        else:
            _check_magic(magic)

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
        """Walk up to max_records more records; True when the index is complete.

        Caught up with a stream, it waits for more (StreamBytes: until some arrive; a
        spool: a moment) -- but not once this call has added records: they come first."""
        with self._lock:
            if self.done or self._src is None:
                self.done = True
                return True
            try:
                self._index(max_records)
            except stream.Shrunk as exc:
                self._shrank(exc)
            except Exception as exc:  # never raise into the UI: the index ends with `failure` set
                logger.exception("indexing %s at offset %d", self.name, self._pos)
                self._warn(f"internal error at offset {self._pos}: {exc!r}: index stopped")
                self.done = True
            return self.done

    def _index(self, max_records: int) -> None:
        src, count = self._src, len(self)
        assert src is not None
        while True:
            mark = len(self.warnings)
            finished, torn = self._walk(max_records)
            if not finished:
                self._tail_mark = None
                return
            self._tail_mark = mark if self._pos < self._end else None
            stopped = self._pos < self._end and not torn  # at a bad record: for good
            if torn and not src.ended:  # not the end yet: more bytes may complete that record
                self._withdraw_tail()
            if stopped or src.ended or len(self) > count:
                break  # stopped, at the end, or records to hand out first
            if src.held_past(self._pos) > stream.HOLD_LIMIT:  # a claimed length, most likely
                self._warn(f"the record at offset {self._pos} runs past {stream.HOLD_LIMIT:,}"
                           " bytes, more than a stream is held for: read stopped")  # fmt: skip
                stopped = True
                break
            if not src.pull(self._end, PULL_WAIT) and not src.ended:
                return
            self._grown(src.size)  # more bytes, or the last ones: walked as the file's end
        self.done = src.ended or stopped
        if self.done and src.streaming:
            self._stream_ended(src)

    def _stream_ended(self, src: stream.Source) -> None:
        """The last of a stream: say why it ended early, if it did; stop a spool that the
        index gave up on (garbage after good records) from filling the disk."""
        if src.error:
            self._warn(src.error)
        if isinstance(src, stream.Spool):
            src.stop()

    def _grown(self, size: int) -> None:
        """More bytes: withdraw the last walk's warnings about a torn tail (that record may
        be whole now; a tail still torn is reported again by the next walk)."""
        self._withdraw_tail()
        was_empty, self._end = self._end == 0, size
        if was_empty and self._pcap is None and self._walker is None:
            self._start_followed()

    def _withdraw_tail(self) -> None:
        mark = self._tail_mark
        if mark is not None:
            del self.warnings[mark:]
            self._shapes = {k: v for k, v in self._shapes.items() if v[0] < mark}
            self._tail_mark = None

    def _walk(self, max_records: int) -> tuple[bool, bool]:
        """(finished, torn) after walking on from self._pos (see pcap.walk)."""
        if self._walker is not None:
            arrays = (self._offsets, self._caplens, self._wirelens, self._times, self._ifaces)
            self._pos, finished = self._walker.walk(self._pos, self._end, arrays, max_records)
            if self._walker.widen:
                self._widen()
            return finished, self._walker.torn
        if self._pcap is None:  # an empty followed file, still without a header
            return True, True
        arrays4 = (self._offsets, self._caplens, self._wirelens, self._times)
        self._pos, warning, finished, torn = pcap.walk(
            self._win, self._pos, self._end, self._pcap, arrays4, max_records, self._first
        )
        if warning:
            self._warn(warning)
        return finished, torn

    def _widen(self) -> None:
        """Interface ids past 0xFFFF: the per-packet array becomes 32-bit (readers in other
        threads see the old one or the new one, both whole)."""
        assert self._walker is not None
        self._ifaces = self._last = array("I", self._ifaces)
        self._walker.widen = False

    def _shrank(self, exc: stream.Shrunk, number: int | None = None) -> None:
        """Bytes already seen are gone: end the index with one clear line, which says at
        which packet reading stopped (the walk's next one, or the one being read)."""
        if self.failure is None:
            try:
                size = self._src.grow() if self._src is not None else exc.size
            except OSError:
                size = exc.size
            self.failure = (
                f"the file shrank to {size:,} bytes while being read (it had {self._end:,}):"
                f" read stopped at packet {number or len(self) + 1:,}"
            )
            self._warn(self.failure)
        self.done = True

    def refresh(self) -> bool:
        """Follow a growing file (a live capture): look again at its size; True when it grew.

        Every index array is kept and the walk goes on from the end of the last whole
        record (see _grown). A file that shrank ends the index (see _shrank).
        """
        src = self._src
        if src is None:
            return False
        try:
            size = src.grow()
        except OSError:
            return False
        if size == self._end:
            return False
        with self._lock:
            if self._src is None:
                return False
            if size < self._end:
                self._shrank(stream.Shrunk(size))
                return False
            self._grown(size)
            self.done = False
        return True

    def _start_followed(self) -> None:
        """The header of a file that was empty when opened has arrived."""
        try:
            self._start()
        except (FormatError, ValueError, OSError, stream.Shrunk) as exc:
            self._warn(f"{_reason(exc)}: index stopped")
            self.done = True

    def forget(self, upto: int) -> None:
        """Let records before `upto` go, with their bytes: a stream read forwards (the CLI)
        then holds only what is still to be read. Done in steps of FORGET_STEP records."""
        with self._lock:
            drop = min(upto, len(self)) - self._first
            if drop < FORGET_STEP or self._src is None:
                return
            last = drop - 1
            self._src.release(self._offsets[last] + self._caplens[last])
            for arr in (self._offsets, self._caplens, self._wirelens, self._ifaces, self._times):
                del arr[:drop]
            self._first += drop
            if self._walker is not None:
                self._walker.first = self._first
            for notes in (self._comments, self._kinds):
                for key in [k for k in notes if k < self._first]:
                    del notes[key]

    def bookmark(self, i: int) -> int | None:
        """Where a later index of this file may start its walk to begin at record i
        (resume()): the file offset of its record header. None where the walk cannot
        start there: pcapng (a record needs the interface blocks before it), a stream."""
        if self._pcap is None or self.streaming:
            return None
        return self._offsets[self._check(i)] - self._pcap.record_header_len

    def resume(self, i: int, mark: int) -> None:
        """Walk on from record i at `mark` (bookmark(i) of an earlier index of this very
        file), with nothing before it indexed: a worker given a chunk in the middle of a
        big capture starts there instead of walking every record header before it. Only
        forwards (i past what is indexed), on a pcap file, never on a stream; else
        nothing changes and the walk goes on from where it is. A pcap walk ends at the
        first bad record, so no warning is lost by starting past the records before."""
        with self._lock:
            if self._pcap is None or self.streaming or self.done or i <= len(self):
                return
            for arr in (self._offsets, self._caplens, self._wirelens, self._ifaces, self._times):
                del arr[:]
            self._first, self._pos = i, mark

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
        return self._first + len(self._last)

    def _check(self, i: int) -> int:
        """Position in the arrays of record i (negative counts from the end)."""
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"record index {i} out of range ({n} indexed)")
        if i < self._first:
            raise IndexError(f"record {i + 1} was let go (a stream is read once)")
        if self._src is None:
            raise ValueError("capture index is closed")
        return i - self._first

    def _read(self, offset: int, n: int, number: int) -> bytes:
        """The file's n bytes at offset, for packet `number`; CaptureError (one line) when
        they are gone."""
        src = self._src
        if src is None:
            raise ValueError("capture index is closed")
        try:
            return src.read(offset, n)
        except stream.Shrunk as exc:
            with self._lock:
                self._shrank(exc, number)
            raise CaptureError(f"{self.name}: {self.failure}") from None
        except OSError as exc:
            raise CaptureError(f"{self.name}: {_reason(exc)}") from None

    def record(self, i: int) -> Record:
        """Record i (0-based, negative counts from the end) with its bytes copied."""
        j = self._check(i)
        off, caplen = self._offsets[j], self._caplens[j]
        iface = self._ifaces[j] if self._walker is not None else 0
        return Record(
            number=self._first + j + 1,
            time_ns=self._time_at(j),
            caplen=caplen,
            wirelen=self._wirelens[j],
            linktype=self._kinds.get(self._first + j) or self.interfaces[iface].linktype,
            interface=iface,
            data=self._read(off, caplen, self._first + j + 1),
            comment=self._comment(self._first + j),
        )

    def _comment(self, i: int) -> str | None:
        """Record i's pcapng comment, read from the file now (only its place is indexed)."""
        where = self._comments.get(i)
        if where is None:
            return None
        return pcapng.comment_text(self._read(where >> 16, where & 0xFFFF, i + 1))

    def records(self, start: int, stop: int) -> Iterator[Record]:
        """Records start..stop-1 (clipped to what is indexed) as record() gives them, for
        loops over many: the checks and lookups record() makes each time are made once."""
        for row in self.rows(start, stop):
            yield Record(*row)

    def rows(self, start: int, stop: int) -> Iterator[tuple]:
        """records(start, stop) as plain tuples in Record's field order (number, time_ns,
        caplen, wirelen, linktype, interface, data, comment): for the hottest loops."""
        if self._src is None:
            raise ValueError("capture index is closed")
        start, stop = max(self._first, start), min(stop, len(self))
        for lo in range(start, stop, ROWS_BATCH):
            yield from self._rows(lo, min(lo + ROWS_BATCH, stop))

    def _rows(self, start: int, stop: int) -> Iterator[tuple]:
        """One batch of rows(), built column by column (comprehensions and zip, not a
        Python-level step per field)."""
        a, b = start - self._first, stop - self._first
        caps = self._caplens[a:b]
        datas = self._datas(self._offsets[a:b], caps, start + 1)
        raw = self._times[a:b]
        times = raw if self._pcap is None else self._pcap.times_ns(raw)
        n = stop - start
        if self._walker is not None:
            ifaces = self._ifaces[a:b]
            linktypes: Any = self.linktypes(start, stop, ifaces)
        else:
            ifaces = repeat(0, n)  # type: ignore[assignment]
            linktypes = repeat(self.interfaces[0].linktype if self.interfaces else 0, n)
        notes: Any = repeat(None, n)
        if self._comments:
            notes = [self._comment(i) for i in range(start, stop)]
        return zip(
            range(start + 1, stop + 1), times, caps, self._wirelens[a:b], linktypes,
            ifaces, datas, notes, strict=True,
        )  # fmt: skip

    def datas_at(self, indices: list[int]) -> list[bytes]:
        """The bytes of records at these 0-based indices (ascending), read as rows() reads
        them: with their neighbours' in calls of about SPAN_BYTES."""
        if not indices:
            return []
        at = [self._check(i) for i in indices]
        offsets, caplens = self._offsets, self._caplens
        return self._datas([offsets[j] for j in at], [caplens[j] for j in at],  # type: ignore[arg-type]
                           self._first + at[0] + 1)  # fmt: skip

    def _datas(self, offsets: array, caplens: array, number: int) -> list[bytes]:
        """Each record's bytes (the first is packet `number`, which a failure names: none
        of these is handed out then), read with neighbouring records' in one call (records
        lie in file order): spans of about SPAN_BYTES."""
        out: list[bytes] = []
        i, n = 0, len(offsets)
        while i < n:
            lo = offsets[i]
            j = max(i + 1, bisect_right(offsets, lo + SPAN_BYTES, i, n))
            blob = self._read(lo, offsets[j - 1] + caplens[j - 1] - lo, number)
            pairs = zip(offsets[i:j], caplens[i:j], strict=True)
            out += [blob[o - lo : o - lo + c] for o, c in pairs]
            i = j
        return out

    def time_ns(self, i: int) -> int:
        """Absolute epoch nanoseconds of record i."""
        return self._time_at(self._check(i))

    def _time_at(self, j: int) -> int:
        if self._pcap is not None:
            return self._pcap.time_ns(self._times[j])
        return self._times[j]

    def caplen(self, i: int) -> int:
        return self._caplens[self._check(i)]

    def wirelen(self, i: int) -> int:
        return self._wirelens[self._check(i)]

    def interface(self, i: int) -> int:
        return self._ifaces[self._check(i)] if self._walker is not None else 0

    def linktype(self, i: int) -> int:
        """Record i's link type, or its record kind (see Record.linktype)."""
        kind = self._kinds.get(self._check(i) + self._first)
        return kind if kind is not None else self.interfaces[self.interface(i)].linktype

    def linktypes(self, start: int, stop: int, ifaces: Any = None) -> list[int]:
        """Link types (or record kinds) of records start..stop-1 of a pcapng file, from
        their interface numbers (`ifaces`: those records' slice of the array, if at hand)."""
        if ifaces is None:
            ifaces = self._ifaces[start - self._first : stop - self._first]
        types = [i.linktype for i in self.interfaces]
        if not self._kinds:
            return [types[i] for i in ifaces]
        kinds = self._kinds
        return [kinds.get(n) or types[i] for n, i in enumerate(ifaces, start)]

    def kinds(self, start: int, stop: int) -> dict[int, int]:
        """{record index: kind} of the records start..stop-1 that are not packets. Found by
        bisecting their sorted indices (kept until more are indexed or let go), so a pass
        over a capture of many blocks a chunk at a time does not scan them all each time."""
        kinds = self._kinds
        if not kinds:
            return {}
        size, keys = self._kind_keys
        if size != len(kinds) or keys[0] not in kinds:
            keys = sorted(kinds)
            self._kind_keys = (len(kinds), keys)
        lo, hi = bisect_left(keys, start), bisect_left(keys, stop)
        return {i: kinds[i] for i in keys[lo:hi] if i in kinds}

    # -- bulk access for vectorised filters (dissect/fastfilter.py) ----------------------
    def span(self, start: int, stop: int) -> tuple[bytes, int]:
        """The file's bytes from record start's data to record stop-1's end, and the file
        offset they begin at (CaptureError when they are gone). See spans() for a size."""
        a, b = self._check(start), self._check(stop - 1) + 1
        lo = self._offsets[a]
        return self._read(lo, self._offsets[b - 1] + self._caplens[b - 1] - lo, start + 1), lo

    def spans(self, start: int, stop: int, size: int) -> list[tuple[int, int]]:
        """Records start..stop-1 cut into runs whose bytes are about `size` at most (a run
        holds at least one record): reading a run with span() bounds the memory it takes."""
        offsets = self._offsets
        start, stop = max(start, self._first), min(stop, len(self))
        out, a, b = [], start - self._first, stop - self._first
        while a < b:
            end = max(a + 1, bisect_right(offsets, offsets[a] + size, a, b))
            out.append((a + self._first, end + self._first))
            a = end
        return out

    def arrays(self, start: int, stop: int) -> tuple[array, array, array, array, array | None]:
        """Copies of records start..stop-1's offsets, caplens, wirelens, raw timestamps and
        interface numbers (None for pcap). Slicing copies under the GIL, so the indexing
        thread may keep appending; pcap times are raw words (see `time_layout`)."""
        a, b = max(start, self._first) - self._first, min(stop, len(self)) - self._first
        ifaces = self._ifaces[a:b] if self._walker is not None else None
        return (self._offsets[a:b], self._caplens[a:b],
                self._wirelens[a:b], self._times[a:b], ifaces)  # fmt: skip

    @property
    def time_layout(self) -> tuple[str, bool] | None:
        """(byte order, nanosecond resolution) of pcap's raw time words; None = nanoseconds."""
        return None if self._pcap is None else (pcap.NATIVE, self._pcap.nanosecond)

    def __iter__(self) -> Iterator[Record]:
        """Every record in order, indexing further as needed."""
        i = self._first
        while True:
            n = len(self)
            if i < n:
                yield from self.records(i, n)
                i = n
            elif self.index_more():
                if i >= len(self):
                    return

    def close(self) -> None:
        """Close the file (or stop the stream). Records already read stay valid."""
        with self._lock:
            src, self._src = self._src, None
            self.done = True
            if src is not None:
                src.close()

    def __enter__(self) -> CaptureIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "done" if self.done else "indexing"
        return f"<CaptureIndex {self.name!r} {self.format} {len(self)} records {state}>"


def _check_magic(head: bytes, whole: bool = True) -> None:
    """FormatError unless the bytes start like a pcap or pcapng file. Not `whole` (a
    stream's first read), fewer than four bytes may still become one."""
    magic = head[:4]
    if len(magic) == 4 and (pcapng.sniff(magic) or pcap.sniff(magic)):
        return
    if len(magic) < 4:
        if not whole:
            return
        raise FormatError(f"not a pcap or pcapng file (only {len(magic)} bytes)")
    raise FormatError(f"not a pcap or pcapng file (magic 0x{magic.hex()})")


def _check_stream(head: bytes) -> None:
    _check_magic(head, whole=False)


def _label(source: Source, name: str | None) -> str:
    """The name messages give a source: `name`, else its path, else <stdin>."""
    if name:
        return name
    if isinstance(source, bytes | bytearray | memoryview) or hasattr(source, "read"):
        return "<stdin>"
    try:
        return os.fsdecode(os.fspath(source))
    except TypeError:
        return repr(source)


def _reason(exc: BaseException) -> str:
    """The one-line reason of an error (an OSError's strerror, not its [Errno] form)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def open_capture(source: Source, *, name: str | None = None, forward: bool = False) -> CaptureIndex:
    """Open a capture (path, binary file object or bytes); CaptureError if unreadable."""
    return CaptureIndex(source, name=name, forward=forward)
