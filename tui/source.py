"""PacketSource: the only code in the TUI that calls `dissect`.

It owns one capture index (a file, stdin bytes, or nothing) plus packets pasted as hex,
and answers the views with summaries (list rows, decoded in blocks on a worker thread)
and full decodes (the selected packet). Widgets never see a CaptureIndex.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from dissect.engine import Packet, decode, safe_text
from dissect.filter import Filter, compile_filter
from dissect.index import CaptureError, CaptureIndex, open_capture
from dissect.linktypes import linktype_name
from dissect.output import Summary, summarize

__all__ = [
    "BLOCK",
    "DEMO_PATH",
    "CaptureError",
    "HexPreview",
    "PacketSource",
    "linktype_label",
]

log = logging.getLogger(__name__)

DEMO_PATH = Path(__file__).resolve().parent.parent / "captures" / "http-get.pcap"
BLOCK = 1000  # list rows decoded together: one worker hand-off per screenful and more
FULL_CACHE = 64  # full decodes kept: moving back and forth between packets is free

# Link types offered in the paste dialog's selector, most likely first.
LINKTYPE_CHOICES: tuple[int, ...] = (1, 101, 228, 229, 113, 276, 0, 108, 9, 105, 127)


def linktype_label(linktype: int) -> str:
    names = {1: "Ethernet", 101: "Raw IP", 228: "Raw IPv4", 229: "Raw IPv6", 0: "BSD loopback",
             108: "OpenBSD loopback", 113: "Linux cooked (SLL)", 276: "Linux cooked v2 (SLL2)",
             9: "PPP", 105: "802.11", 127: "802.11 radiotap"}  # fmt: skip
    return f"{names.get(linktype, linktype_name(linktype))} ({linktype})"


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
        if self._index is not None:
            self._index.close()

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
            return decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns,
                          wirelen=r.wirelen, interface=r.interface, comment=r.comment)  # fmt: skip
        f = self._frames[i]
        return decode(f.data, f.linktype, number=row + 1, time_ns=f.time_ns)

    def _gone(self, i: int) -> Packet:
        """Record i without its bytes, which the file no longer holds (see `failure`)."""
        assert self._index is not None
        idx = self._index
        return decode(b"", idx.linktype(i), number=i + 1, time_ns=idx.time_ns(i),
                      wirelen=idx.wirelen(i), interface=idx.interface(i),
                      comment=f"bytes unavailable: {idx.failure}")  # fmt: skip

    def t0_ns(self, row: int) -> int:
        """The Time column counts from the first packet of the row's own origin: a pasted
        dump's clock (often time of day) has nothing to do with the file's."""
        if row < self.indexed:
            assert self._index is not None
            return self._index.time_ns(0)
        return self._frames[0].time_ns if self._frames else 0

    def summaries(self, start: int, stop: int) -> list[Summary]:
        """List rows start..stop-1 (a block); safe to call from a worker thread."""
        stop = min(stop, len(self))
        return [self._row(row) for row in range(start, stop)]

    def summaries_of(self, rows: Iterable[int]) -> list[Summary]:
        """List rows of a filtered view (any rows, in the order given); worker-thread safe."""
        return [self._row(row) for row in rows]

    def _row(self, row: int) -> Summary:
        pkt = self._decode(row)
        s = summarize(pkt, self.t0_ns(row))
        pkt.release()  # a row keeps only its text: the packet is freed now
        return s

    # -- display filters (the filter worker calls these) ---------------------------------
    @staticmethod
    def compile_filter(text: str) -> Filter:
        """A compiled display filter; FilterError (message, column) when invalid."""
        return compile_filter(text)

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
        with self._lock:
            self._full[key] = pkt
            while len(self._full) > FULL_CACHE:
                self._full.popitem(last=False)
        return pkt

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
            preview.guess = _guess(hextext, preview.packets[0].data)
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
                lt = _guess(hextext, p.data) if hextext is not None else None
            lt = lt if lt is not None else (preview.guess if preview.guess is not None else 1)
            self._frames.append(_Frame(bytes(p.data), lt, getattr(p, "time_ns", None) or 0))
        return range(first, len(self))


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


def _guess(hextext: Any, data: bytes) -> int | None:
    try:
        guess = hextext.guess_linktype(data)
    except Exception:  # a guess is a convenience; the selector still works without one
        log.debug("guess_linktype failed", exc_info=True)
        return None
    return int(guess) if guess is not None else None


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
