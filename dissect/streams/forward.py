"""PDUs across TCP segments of a capture read forwards: a pipe, stdin, gzip data.

Such a capture cannot be read again, so the frames are framed as they come (`PduMap`'s
framers, fed each TCP frame in capture order before it is shown), and the records of the
PDUs still open are held here until those PDUs complete: the completing frame then reads
its pieces from them as a file's would from the file. What is shown is what tshark's one
pass shows (`tshark -r -`): the reassembled layers on the completing frame, "[TCP segment
of a reassembled PDU]" on the others; what only a later frame tells (where a PDU
completes, http.response_in) is left out, as it is for a file on the command line.

Memory: the records held are those the open PDUs, the out-of-order segments waiting and
the unanswered HTTP/DNS requests (their times) still need; past the capture's cap
(`--reassembly-limit`) the direction that brought the frame stops being framed ("not
reassembled: limit reached"). What the map learns about a frame is dropped once the frame
is shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..engine import Packet
from .pdus import DEFAULT_CAP, NEED, PduMap

MIN_COLLECT = 1 << 20  # bytes of records held before the first sweep
MAX_H2_PORTS = 1 << 16  # HTTP/2 connections' port pairs the plain list of a stream follows


class HeldFrames:
    """The index as a ForwardPduMap reads it: records it holds, else the reader's own
    (the frame being shown is still there)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.records: dict[int, Any] = {}  # frame index -> Record
        self.bytes = 0  # of the records' data

    def record(self, i: int) -> Any:
        rec = self.records.get(i)
        return rec if rec is not None else self.index.record(i)

    def hold(self, i: int) -> None:
        if i not in self.records:
            rec = self.records[i] = self.index.record(i)
            self.bytes += len(rec.data)

    def keep_not(self, i: int) -> None:
        rec = self.records.pop(i, None)
        if rec is not None:
            self.bytes -= len(rec.data)

    def keep(self, data: set[int], times: set[int]) -> None:
        """Let every record go but these (`times`: only the time is still needed)."""
        for i in list(self.records):
            if i in data:
                continue
            rec = self.records.pop(i)
            self.bytes -= len(rec.data)
            if i in times:
                self.records[i] = replace(rec, data=b"")


class ForwardPduMap(PduMap):
    """A PduMap fed one frame at a time, as a capture read forwards brings them."""

    def __init__(self, index: Any, table: Any, cap: int = DEFAULT_CAP) -> None:
        self.held_frames = HeldFrames(index)
        super().__init__(self.held_frames, table, cap)
        self._state: dict[int, Any] = {}  # stream -> its framers (as PduMap._frame keeps)
        self._last = -1  # the last frame fed
        self._sweep_at = MIN_COLLECT

    def annotate(self, pkt: Packet, i: int, later: bool) -> None:
        super().annotate(pkt, i, later)
        self._shown()

    def feed(self, i: int) -> None:
        """Frame i without annotating it (the plain list: HTTP/2's HPACK tables only); what
        was learnt for the frames before it goes now (they are shown)."""
        self._shown()
        self._framed(i)

    def _shown(self) -> None:
        # what the frames up to i needed is shown: only the framers' state goes on
        for seen in (self.ends, self.within, self.shared, self.lead, self.http, self.dns,
                     self.hs_marks, self.hs_ends, self.bare, self.hpack.before):  # fmt: skip
            seen.clear()
        self.hpack.entries = 0

    def _framed(self, i: int) -> bool:
        """Feed frame i (once, in capture order); a frame of an HTTP/2 stream is decoded
        again (its header blocks are known to the HPACK tables only now)."""
        v = self.table.ids[i]
        if v < 0 or i <= self._last:
            return False
        self._last = i
        self.held_frames.hold(i)
        self._frame(i, v, self._state)
        if not self._state.get(v >> 1):  # not a protocol put together: nothing to hold
            self.held_frames.keep_not(i)
        self._bound(i)
        self._open(i, v)
        return v >> 1 in self.h2

    def _open(self, i: int, v: int) -> None:
        """Frame i carries part of a PDU still open: a segment of it, as tshark shows it
        before the PDU completes (or never does); PDUs before it in the frame (one that
        completes here too) are decoded up to where it starts."""
        st = self._state.get(v >> 1)
        if not st or i in self.within:
            return
        fr = st[1][v & 1]
        if fr.need == NEED and not fr.buf:
            return
        first = next((o for j, o, n in fr.pieces if j == i and n), None)
        if first is None:
            if not any(j == i for _s, j, _d, _n in st[0][v & 1].waiting):
                return
            first = 0  # past a gap inside the open PDU: still one of its segments
        self.within[i] = -1
        if first:  # PDUs before it in the frame are decoded there
            self.shared[i] = first
        self._leads(fr, -1)

    def _bound(self, i: int) -> None:
        """Hold only the records still needed; past the cap, the direction whose open PDU
        holds the most stops being framed (its frames: "not reassembled: limit reached")."""
        frames = self.held_frames
        if frames.bytes < self._sweep_at and frames.bytes <= self.cap:
            return
        self._sweep()
        for _k in range(len(self._state)):  # each step limits one direction, or stops
            if frames.bytes <= self.cap:
                break
            v, fr = self._largest()
            if fr is None:
                break
            self._limit(fr, v, i)
            self._sweep()
        self._sweep_at = max(MIN_COLLECT, 2 * frames.bytes)

    def _largest(self) -> tuple[int, Any]:
        """(stream << 1 | direction, framer) of the open PDU whose records hold most."""
        records, best, found = self.held_frames.records, 0, (-1, None)
        for n, st in self._state.items():
            for d, fr in enumerate(st[1] if st else ()):
                size = sum(len(records[j].data) for j in {j for j, _o, _n in fr.pieces}
                           if j in records)  # fmt: skip
                if size > best:
                    best, found = size, (n << 1 | d, fr)
        return found

    def _sweep(self) -> None:
        data: set[int] = set()
        times: set[int] = set()
        for st in self._state.values():
            if not st:
                continue
            dirs, framers, waiting = st
            for fr in framers:
                data.update(j for j, _o, _n in fr.pieces)
                for part in fr.hs_parts:
                    data.update(j for j, _o, _n in part[2])
            for d in dirs:
                data.update(j for _s, j, _d, _n in d.waiting)
            times.update(entry[1] for entry in waiting)  # HTTP (d, i), DNS (id, i, multi)
        self.held_frames.keep(data, times)


class Http2Framer:
    """The plain list of a capture read forwards, from its first HTTP/2 packet on
    (connections.framed_forwards): a ForwardPduMap over a StreamTable holding rows for
    the frames of HTTP/2 connections (known by their port pairs) and empty ones for the
    others, one a frame from the first. feed() says whether to decode a packet again."""

    def __init__(self, index: Any, cap: int | None, number: int) -> None:
        from .table import StreamTable

        self.table = StreamTable(analyse=False)
        for _k in range(number - 1):  # the frames before: in no conversation
            self.table.add(None)
        # its HPACK tables are decoding's from now on
        self.pdus = ForwardPduMap(index, self.table, DEFAULT_CAP if cap is None else cap)
        self.table.pdus = self.pdus
        self.ports: set[tuple[int, int]] = set()

    def feed(self, pkt: Packet, h2: bool) -> bool:
        from .conversation import segments_of

        table = self.table
        if pkt.number != len(table) + 1:  # not the next frame (cannot be: a guard)
            return False
        tcp = pkt.layer("tcp")
        ports = _port_pair(tcp) if tcp is not None else None
        if h2 and ports is not None and len(self.ports) < MAX_H2_PORTS:
            self.ports.add(ports)
        if ports not in self.ports:
            table.add(None)  # a row in no conversation: nothing to frame
            return False
        table.add(segments_of(pkt))
        self.pdus.feed(pkt.number - 1)
        return h2


def _port_pair(tcp: Any) -> tuple[int, int] | None:
    a, b = tcp.value("tcp.srcport"), tcp.value("tcp.dstport")
    if a is None or b is None:
        return None
    return (a, b) if a <= b else (b, a)
