"""PacketSource: the only code in the TUI that calls `dissect`.

It owns one capture index (a file, stdin bytes, or nothing) plus packets pasted as hex,
and answers the views with summaries (list rows, decoded in blocks on a worker thread)
and full decodes (the selected packet). Widgets never see a CaptureIndex.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from dissect import scapy_tail
from dissect.engine import Packet, decode, inet_checksum, safe_text
from dissect.filter import Filter, compile_filter
from dissect.index import CaptureError, CaptureIndex, Record, open_capture
from dissect.linktypes import linktype_name
from dissect.output import Summary, summarize
from dissect.streams import StreamTable, annotate, names_stream_fields
from dissect.streams.conversation import DEFAULT_CONVERSATION_LIMIT
from dissect.streams.follow import Followed, follow

from .colouring import Colouring

__all__ = [
    "BLOCK",
    "DEMO_PATH",
    "CaptureError",
    "HexPreview",
    "ListRow",
    "PacketSource",
    "linktype_label",
]

log = logging.getLogger(__name__)

DEMO_PATH = Path(__file__).resolve().parent.parent / "captures" / "http-get.pcap"
BLOCK = 1000  # list rows decoded together: one worker hand-off per screenful and more
FULL_CACHE = 64  # full decodes kept: moving back and forth between packets is free
ANNOTATE_WAIT = 0.01  # seconds the panes wait for a new stream's fields (see packet_now)
# Seconds of one-by-one decoding between two of the filter's steps (the worker steps aside
# for keys between steps; the CLI's scan takes longer ones).
FILTER_STEP_SECONDS = 0.004
# Records per step of the stream pass in the background (~3 ms: its steps hold the
# interpreter throughout, compiled; the CLI's are 8 times longer).
STREAM_CHUNK = 4096

# Link types offered in the paste dialog's selector, most likely first.
LINKTYPE_CHOICES: tuple[int, ...] = (1, 101, 228, 229, 113, 276, 0, 108, 9, 105, 127)


def linktype_label(linktype: int) -> str:
    names = {1: "Ethernet", 101: "Raw IP", 228: "Raw IPv4", 229: "Raw IPv6", 0: "BSD loopback",
             108: "OpenBSD loopback", 113: "Linux cooked (SLL)", 276: "Linux cooked v2 (SLL2)",
             9: "PPP", 105: "802.11", 127: "802.11 radiotap"}  # fmt: skip
    return f"{names.get(linktype, linktype_name(linktype))} ({linktype})"


@dataclass(slots=True)
class ListRow(Summary):
    """A packet-list row: the summary plus what the list draws beyond it."""

    time_ns: int = 0  # the packet's own time (the time formats start from it)
    prev_ns: int = 0  # the previous captured packet's time (delta); its own for the first
    rule: int = -1  # the colouring rule that matched, -1 none
    custom: tuple[str, ...] = ()  # the values of the fields applied as columns


@dataclass(slots=True)
class _Frame:
    """A packet that came from pasted hex (no file behind it)."""

    data: bytes
    linktype: int
    time_ns: int


@dataclass(slots=True)
class HexPreview:
    """What the paste dialog shows before anything is decoded."""

    packets: list[Any] = field(default_factory=list)  # hextext.HexPacket
    format: str = ""
    byte_count: int = 0
    guess: int | None = None  # link type guessed from the first packet's bytes
    reason: str = ""  # why that guess, in words (the paste dialog shows it)
    ignored_lines: int = 0
    first_ignored: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.packets)


class PacketSource:
    """Packets of one capture (indexed lazily) followed by any pasted ones."""

    def __init__(self, name: str, index: CaptureIndex | None = None, kind: str = "") -> None:
        self.name = name
        self.kind = kind or (index.format if index is not None else "hex")
        self._index = index
        self._frames: list[_Frame] = []
        self._full: OrderedDict[tuple[str, int], Packet] = OrderedDict()
        self._lock = threading.Lock()  # the full-decode cache is shared with row workers
        self._streams: StreamTable | None = None  # the stream pass, once something asked
        self.conversation_limit = DEFAULT_CONVERSATION_LIMIT  # its --conversation-limit
        self._learned = False  # QUIC's connections were learned from this capture
        self._stream_lock = threading.Lock()
        self._annotator: ThreadPoolExecutor | None = None  # see packet_now
        self._pending: Future[Packet] | None = None
        self._pending_stream = -1  # the TCP stream self._pending puts together
        self._framed: set[int] = set()  # TCP streams whose PDUs were put together
        self.colouring: Colouring | None = None  # rules for list rows (the app sets them)
        self.columns: tuple[str, ...] = ()  # fields applied as columns, by filter name
        self.saved_upto = 0  # rows 0..saved_upto-1 were saved whole (nothing to lose there)

    # -- constructors ------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | BinaryIO, name: str | None = None) -> PacketSource:
        """A capture file, or a stream (a binary file object, a FIFO, a device, gzip data:
        spooled to a temporary file, followed as it grows like a live capture); CaptureError
        (one line) when it cannot be read. A FIFO's open waits for a writer and a stream's
        for its first bytes: callers on the UI thread open in a worker."""
        if hasattr(path, "read"):
            return cls(name or "<stdin>", open_capture(path, name=name or "<stdin>"))
        index = open_capture(path)
        return cls(name or Path(path).name, index)  # type: ignore[arg-type]

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<stdin>") -> PacketSource:
        return cls(name, open_capture(data, name=name))

    @classmethod
    def demo(cls) -> PacketSource:
        source = cls.open(DEMO_PATH, name=f"demo: {DEMO_PATH.name}")
        source.kind = "demo"
        return source

    @classmethod
    def from_frames(
        cls, frames: Iterable[tuple[bytes, int]], name: str = "<frames>"
    ) -> PacketSource:
        """Raw frames with their link types (tests, and anything already in memory)."""
        source = cls(name, None, kind="frames")
        source._frames = [_Frame(bytes(d), lt, 0) for d, lt in frames]
        return source

    @classmethod
    def from_hex(cls, text: str, linktype: int | None = None, name: str = "<hex>") -> PacketSource:
        """A pasted dump given on the command line; CaptureError if nothing was recognised."""
        source = cls(name, None, kind="hex")
        preview = source.preview_hex(text)
        if not preview.ok:
            raise CaptureError(f"{name}: {preview.error or 'no packet bytes recognised'}")
        source.add_hex(preview, linktype)
        return source

    # -- size and indexing (index_more runs on the worker thread) -------------------------
    def __len__(self) -> int:
        return self.indexed + len(self._frames)

    @property
    def indexed(self) -> int:
        return len(self._index) if self._index is not None else 0

    @property
    def done(self) -> bool:
        return self._index is None or self._index.done

    def complete_index(self) -> CaptureIndex | None:
        """The capture's index once it is read in full (statistics count from it without
        decoding), else None (no capture file, or a live capture still growing)."""
        return self._index if self._index is not None and self.done else None

    @property
    def progress(self) -> float:
        return 1.0 if self._index is None else self._index.progress

    @property
    def warnings(self) -> list[str]:
        return list(self._index.warnings) if self._index is not None else []

    @property
    def failure(self) -> str | None:
        """Why reading the capture ended early (the file shrank under us), if it did."""
        return self._index.failure if self._index is not None else None

    def index_more(self, count: int = 65536) -> bool:
        """Index up to `count` more records; True once the whole file is indexed."""
        return True if self._index is None else self._index.index_more(count)

    def close(self) -> None:
        if self._annotator is not None:
            self._annotator.shutdown(wait=False, cancel_futures=True)
        if self._index is not None:
            self._index.close()
        if self._learned:  # the next capture starts from no connection
            from dissect.protocols import quic

            quic.forget()

    # -- decoding ---------------------------------------------------------------------
    def _locate(self, row: int) -> tuple[str, int]:
        """Cache key of a row: records keep theirs as pasted frames shift behind a growing index."""
        n = self.indexed
        return ("r", row) if row < n else ("x", row - n)

    def _decode(self, row: int) -> Packet:
        kind, i = self._locate(row)
        if kind == "r":
            assert self._index is not None
            try:
                r = self._index.record(i)
            except CaptureError:  # the file shrank: the packet stays listed, its bytes gone
                return self._gone(i)
            return _decode_record(r)
        f = self._frames[i]
        return decode(f.data, f.linktype, number=row + 1, time_ns=f.time_ns)

    def _gone(self, i: int) -> Packet:
        """Record i without its bytes, which the file no longer holds (see `failure`)."""
        assert self._index is not None
        idx = self._index
        return decode(b"", idx.linktype(i), number=i + 1, time_ns=idx.time_ns(i),
                      wirelen=idx.wirelen(i), interface=idx.interface(i),
                      comment=f"bytes unavailable: {idx.failure}")  # fmt: skip

    def fresh_packet(self, row: int) -> Packet:
        """A decode of one row outside the cache: for workers that walk many rows once
        (statistics); the caller releases it."""
        return self._decode(row)

    def time_span(self, rows: Iterable[int]) -> tuple[int, int]:
        """(earliest, latest) capture time of these rows (0, 0 for none)."""
        n, idx = self.indexed, self._index
        times = [idx.time_ns(r) if r < n and idx is not None else self._frames[r - n].time_ns
                 for r in rows]  # fmt: skip
        return (min(times), max(times)) if times else (0, 0)

    def t0_ns(self, row: int) -> int:
        """The Time column counts from the first packet of the row's own origin: a pasted
        dump's clock (often time of day) has nothing to do with the file's."""
        if row < self.indexed:
            assert self._index is not None
            return self._index.time_ns(0)
        return self._frames[0].time_ns if self._frames else 0

    def summaries(self, start: int, stop: int) -> list[Summary]:
        """List rows start..stop-1 (a block); safe to call from a worker thread."""
        return self.summaries_of(range(start, min(stop, len(self))))

    def summaries_of(self, rows: Iterable[int]) -> list[Summary]:
        """List rows of a filtered view (any rows, in the order given); worker-thread safe.
        Consecutive records are read together (one read for a block's bytes, not one each)."""
        rows = list(rows)
        out: list[Summary] = []
        i, n = 0, self.indexed
        while i < len(rows):
            j = i + 1
            if rows[i] < n:
                while j < len(rows) and rows[j] == rows[j - 1] + 1 and rows[j] < n:
                    j += 1
            out += self._run(rows[i], rows[j - 1] + 1) if j - i > 1 else [self._row(rows[i])]
            i = j
        return out

    def _run(self, start: int, stop: int) -> list[ListRow]:
        """List rows of records start..stop-1, their bytes read in one go."""
        assert self._index is not None
        try:
            records = list(self._index.records(start, stop))
        except CaptureError:  # the file shrank: row by row, what is gone shows as gone
            return [self._row(row) for row in range(start, stop)]
        return [
            self._row(row, _decode_record(r))
            for row, r in zip(range(start, stop), records, strict=True)
        ]

    def _row(self, row: int, pkt: Packet | None = None) -> ListRow:
        pkt = self._decode(row) if pkt is None else pkt
        t0 = self.t0_ns(row)
        s = summarize(pkt, t0)
        colouring, columns = self.colouring, self.columns
        out = ListRow(
            s.number, s.delta_ns, s.source, s.destination, s.protocol, s.length, s.info,
            s.status, s.bad_checksum, s.colour, timed=s.timed, time_ns=pkt.time_ns,
            prev_ns=self._prev_time(row, pkt.time_ns),
            rule=colouring.match(pkt, t0) if colouring is not None else -1,
            custom=tuple(column_text(pkt, name) for name in columns),
        )  # fmt: skip
        pkt.release()  # a row keeps only its text: the packet is freed now
        return out

    def _prev_time(self, row: int, own: int) -> int:
        n = self.indexed
        if row == 0 or row == n:  # the first record, or the first pasted frame
            return own
        if row < n:
            assert self._index is not None
            return self._index.time_ns(row - 1)
        return self._frames[row - n - 1].time_ns

    def frame(self, row: int) -> tuple[bytes, int, int, int]:
        """Row's bytes, link type, time in ns and length on the wire (what the writers
        need); worker-thread safe."""
        kind, i = self._locate(row)
        if kind == "r":
            assert self._index is not None
            r = self._index.record(i)
            return bytes(r.data), r.linktype, r.time_ns, r.wirelen
        f = self._frames[i]
        return f.data, f.linktype, f.time_ns, len(f.data)

    @property
    def unsaved(self) -> int:
        """Packets that exist nowhere but here: pasted ones (and, live, every captured one)
        not saved yet. Closing the source loses them, so the UI asks first."""
        kept = self.saved_upto if self.kind == "live" else max(self.saved_upto, self.indexed)
        return max(0, len(self) - kept)

    @property
    def pasted(self) -> range:
        """Rows of the packets pasted as hex (after the capture's own)."""
        return range(self.indexed, len(self))

    # -- display filters (the filter worker calls these) ---------------------------------
    def compile_filter(self, text: str) -> Filter:
        """A compiled display filter; FilterError (message, column) when invalid. One that
        names a stream field (tcp.stream...) runs the stream pass first, in the worker."""
        flt = compile_filter(text)
        if names_stream_fields(r.name for r in flt.refs):
            flt.after_decode = self._annotate
        return flt

    # -- streams (dissect/streams) -------------------------------------------------------
    def stream_table(self, between: Callable[[], object] | None = None) -> StreamTable | None:
        """The stream pass over the capture, run once when first asked (from a worker: it
        reads the whole index; `between` runs between its chunks); None without a capture
        file, or while it is still being read (a live capture)."""
        with self._stream_lock:
            if self._streams is None and self._index is not None and self._index.done:
                progress = None if between is None else lambda _count: between()
                self._streams = StreamTable.build(
                    self._index,
                    progress,
                    conversation_limit=self.conversation_limit,
                    chunk=STREAM_CHUNK if between is not None else 0,
                )
                # QUIC's connections as well: a jump to any packet decrypts it alike (this
                # capture's: close() forgets them)
                from dissect import connections  # (numpy: imported when first needed)

                connections.learn(self._index, between)
                self._learned = True
            return self._streams

    def streams_if_ready(self) -> StreamTable | None:
        """The stream pass's table if it has run, else None (never waits for it)."""
        return self._streams

    def origins(self, pkt: Packet) -> dict[str, list[tuple[int, int, int]]]:
        """Per reassembled data source of a decoded packet: (start, length, frame) of each
        frame's part of its bytes (empty before the stream pass ran)."""
        table = self._streams
        if table is None or table.pdus is None or pkt.number - 1 >= len(table):
            return {}
        return dict(table.pdus.sources(pkt))

    def _annotate(self, pkt: Packet) -> None:
        table = self.stream_table()
        if table is not None:
            annotate(pkt, table)

    def follow(self, row: int) -> Followed | None:
        """The TCP or UDP stream of a row's packet (None: neither, or a pasted frame)."""
        kind, i = self._locate(row)
        table = self.stream_table() if kind == "r" else None
        if table is None or i >= len(table):
            return None
        for kind in ("tcp", "udp"):
            stream = table.stream_of(i, kind)
            if stream >= 0:
                assert self._index is not None
                return follow(self._index, table, kind, stream)
        return None

    def filter_rows(self, flt: Filter, start: int, stop: int) -> Iterator[tuple[int, list[int]]]:
        """Rows start..stop-1 that match, in small steps: (rows done up to, matching rows).

        Indexed records go through the vectorised scanner (fixed-offset fields answered
        over the file's bytes, the rest decoded only as deep as the filter needs); pasted frames
        are matched one by one."""
        n = self.indexed
        if self._index is not None and start < n:
            from dissect.fastfilter import Scanner

            try:
                scanner = Scanner(flt, self._index)
                scanner.step_seconds = FILTER_STEP_SECONDS
                for upto, hits in scanner.chunk(start, min(stop, n)):
                    yield upto, hits.tolist()
                    start = upto
            except CaptureError:  # the file shrank: what is gone matches nothing
                yield min(stop, n), []
            start = min(stop, n)
        t0 = self._frames[0].time_ns if self._frames else 0
        for row in range(max(start, n), min(stop, len(self))):
            f = self._frames[row - n]
            hit = flt.match_frame(f.data, f.linktype, number=row + 1, time_ns=f.time_ns, t0_ns=t0)
            yield row + 1, [row] if hit else []

    def packet(self, row: int) -> Packet:
        """Full decode of one row, from a small LRU."""
        key = self._locate(row)
        with self._lock:
            pkt = self._full.get(key)
            if pkt is not None:
                self._full.move_to_end(key)
                return pkt
        pkt = self._decode(row)
        if self._streams is not None and key[0] == "r":  # the pass ran: its fields too
            annotate(pkt, self._streams)

        if scapy_tail.wanted(pkt) and _scapy_ready():  # data we could not dispatch
            scapy_tail.extend(pkt)
        with self._lock:
            self._full[key] = pkt
            while len(self._full) > FULL_CACHE:
                self._full.popitem(last=False)
        return pkt

    def packet_now(
        self, row: int, ready: Callable[[int], None], between: Callable[[], object] | None = None
    ) -> Packet:
        """The packet for the panes, now. After the stream pass its stream fields need its
        TCP stream's PDUs put together, once per stream: seconds for a stream of half a
        million segments (`G` on a big capture). For a stream not put together yet that
        runs on a thread of its own, calling `between` as it goes (to step aside for keys);
        past ANNOTATE_WAIT the panes get a plain decode (no stream fields) and ready(row)
        is called, from that thread, once packet(row) has them. While a stream is being put
        together the panes do not wait at all: a key there must not wait for it."""
        key = self._locate(row)
        table = self._streams
        with self._lock:
            cached = key in self._full
        if cached or table is None or key[0] != "r" or key[1] >= len(table):
            return self.packet(row)
        stream = table.stream_of(key[1], "tcp")
        if stream < 0 or stream in self._framed:
            return self.packet(row)
        future = self._pending
        busy = future is not None and future.running()
        if not busy or self._pending_stream != stream:
            if future is not None:
                future.cancel()  # not started yet: the cursor has left that row
            future = self._pending = self._annotator_pool().submit(
                self._frame_stream, row, stream, between
            )
            self._pending_stream = stream
            if not busy:  # a stream of a few segments is ready at once: one paint
                try:
                    return future.result(ANNOTATE_WAIT)
                except TimeoutError:
                    pass
        future.add_done_callback(lambda f: f.cancelled() or f.exception() is not None or ready(row))
        return self._decode(row)

    def _annotator_pool(self) -> ThreadPoolExecutor:
        if self._annotator is None:
            self._annotator = ThreadPoolExecutor(1, thread_name_prefix="layerscope-annotate")
        return self._annotator

    def _frame_stream(self, row: int, stream: int, between: Callable[[], object] | None) -> Packet:
        table = self._streams
        if table is not None and table.pdus is not None:
            table.pdus.stream(stream, between)
        pkt = self.packet(row)
        self._framed.add(stream)
        return pkt

    def forget_decodes(self) -> None:
        """Drop the decoded packets kept: Decode As changed what the bytes decode to."""
        with self._lock:
            self._full.clear()
            self._framed.clear()

    # -- pasted hex ---------------------------------------------------------------------
    def preview_hex(self, text: str) -> HexPreview:
        """Parse a dump without decoding it: what the paste dialog shows."""
        hextext = _hextext()
        if hextext is None:
            return HexPreview(error="the hex-dump reader is not available in this build")
        try:
            res = hextext.parse_hex_dump(text)
        except Exception as exc:  # a reader bug must not close the dialog
            log.exception("parse_hex_dump failed")
            return HexPreview(error=f"could not parse: {exc}")
        preview = HexPreview(
            packets=list(res.packets), format=str(res.format or "unknown"),
            byte_count=sum(len(p.data) for p in res.packets),
            ignored_lines=_count(res.ignored_lines), first_ignored=res.first_ignored,
            warnings=[str(w) for w in (res.warnings or [])],
        )  # fmt: skip
        if preview.packets:
            preview.guess, preview.reason = guess_linktype(hextext, preview.packets[0].data)
        else:
            preview.error = "no packet bytes recognised"
        return preview

    def add_hex(self, preview: HexPreview, linktype: int | None = None) -> range:
        """Append the previewed packets; returns their rows.

        Without a link type each packet gets its own guess: one dump can mix IPv4 and IPv6.
        """
        first = len(self)
        hextext = _hextext()
        for p in preview.packets:
            lt = linktype
            if lt is None:
                lt = guess_linktype(hextext, p.data)[0] if hextext is not None else None
            lt = lt if lt is not None else (preview.guess if preview.guess is not None else 1)
            self._frames.append(_Frame(bytes(p.data), lt, getattr(p, "time_ns", None) or 0))
        return range(first, len(self))


def _decode_record(r: Record) -> Packet:
    return decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns, wirelen=r.wirelen,
                  interface=r.interface, comment=r.comment)  # fmt: skip


def _hextext() -> Any:
    try:
        from dissect.readers import hextext
    except ImportError:
        return None
    return hextext


def _count(ignored: Any) -> int:
    if isinstance(ignored, int):
        return ignored
    try:
        return len(ignored)
    except TypeError:
        return 0


def plausible_ipv4(data: bytes) -> bool:
    """Version 4 and a header length of 5 words or more that the bytes hold."""
    return len(data) >= 20 and data[0] >> 4 == 4 and 20 <= (data[0] & 0x0F) * 4 <= len(data)


def guess_linktype(hextext: Any, data: bytes) -> tuple[int | None, str]:
    """The link type of pasted bytes and why. Bytes that start with a plausible IPv4
    header are raw IPv4 even when fewer than its total length (a header copied from course
    notes) -- unless they also read as an Ethernet header and the IPv4 checksum is wrong."""
    try:
        guess = hextext.guess_linktype(data)
    except Exception:  # a guess is a convenience; the selector still works without one
        log.debug("guess_linktype failed", exc_info=True)
        guess = None
    if plausible_ipv4(data):
        hdr = (data[0] & 0x0F) * 4
        good = inet_checksum(data[:hdr]) == 0
        if guess in (228, 101) or good or guess not in (1, 113):
            total = int.from_bytes(data[2:4], "big")
            cut = f", {len(data)} of its {total} bytes pasted" if total > len(data) else ""
            sums = "checksum right" if good else "checksum wrong"
            return 228, (f"starts with 0x{data[0]:02x}: IP version 4, header {hdr} bytes, "
                         f"{sums}{cut}")  # fmt: skip
    if guess is None:
        return None, ""
    reasons = {229: "starts with 0x6_: an IPv6 header whose lengths fit",
               113: "a Linux cooked (SLL) header",
               1: f"bytes 12-13 are EtherType 0x{int.from_bytes(data[12:14], 'big'):04x}"
               if len(data) >= 14 else "Ethernet"}  # fmt: skip
    return int(guess), reasons.get(int(guess), "no header shape recognised: the default")


def column_text(pkt: Packet, name: str) -> str:
    """A field's value as an applied column shows it (every occurrence, comma-separated)."""
    try:
        shown = [safe_text(f.show, 60) for f in pkt.find(name)]
    except Exception:  # a column must never stop the list
        log.debug("column %s failed", name, exc_info=True)
        return "?"
    return ",".join(shown)


def annotated_dump(pkt: Packet) -> str:
    """Hex dump followed by every field's span: what `c` copies as 'annotated'."""
    from dissect.output import field_text, hex_text

    lines = [hex_text(pkt.data), "", "offset  len  field"]
    for layer in pkt.layers:
        if layer.protocol.name == "frame":
            continue
        lines.append(f"{layer.pos:04x}   {layer.hdr_len:4d}  {layer.protocol.short}: "
                     f"{safe_text(layer.title, 200)}")  # fmt: skip
        for f in layer.walk():
            if f.len:
                mask = f" mask 0x{f.mask:x}" if f.mask else ""
                lines.append(
                    f"{f.pos:04x}   {f.len:4d}    {f.name}{mask}: {field_text(pkt.data, f)}"
                )
    return "\n".join(lines) + "\n"


_SCAPY: dict[str, bool] = {}  # "started", then "ready": scapy's layers load once, aside


def _scapy_ready() -> bool:
    """Whether scapy's layers are loaded; the first call (for the first packet that needs
    them, never at start) starts loading them in a thread (seconds), so the interface never
    waits for it."""
    if not _SCAPY:
        _SCAPY["started"] = True

        def load() -> None:
            _SCAPY["ready"] = scapy_tail.available()

        threading.Thread(target=load, name="scapy-load", daemon=True).start()
    return _SCAPY.get("ready", False)
