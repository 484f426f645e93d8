"""One direction of a TCP connection put back in order: the byte stream the application read.

Segments arrive in capture order. A segment at the next expected sequence number is
delivered; one before it (a retransmission, or an overlap) delivers only its bytes past
what was delivered -- the first copy wins; one after it (a gap: a segment lost or still to
come) waits until the gap closes. Sequence numbers compare modulo 2^32 (RFC 9293 3.4,
serial arithmetic), so a connection that wraps past 2^32 goes on. A SYN sets the start
(its number + 1); without one the first segment seen does.

Memory is bounded: out-of-order segments are held up to `cap` bytes per direction
(DEFAULT_CAP); what arrives past it is counted in `dropped` and never delivered ("not
reassembled: limit reached"), never silently lost from the count. A gap that never closes
leaves its waiting segments undelivered, as tshark's follow leaves them; `missing` says
how many bytes the gap held when known (the first waiting segment's distance).

gopacket's `reassembly` package and Wireshark's follow code were the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEQ_MOD = 1 << 32
HALF = 1 << 31
DEFAULT_CAP = 4 << 20  # out-of-order bytes held per direction


def seq_diff(a: int, b: int) -> int:
    """a - b in sequence space: negative when a is before b (modulo 2^32)."""
    return (a - b + HALF) % SEQ_MOD - HALF


@dataclass(slots=True)
class Chunk:
    """Bytes delivered in order, and the frame (1-based number) that brought them."""

    frame: int
    data: bytes
    offset: int = 0  # where data starts in that frame's captured segment bytes


@dataclass(slots=True)
class Direction:
    """The reassembly state of one direction."""

    cap: int = DEFAULT_CAP
    next_seq: int | None = None  # the sequence number of the next byte to deliver
    # (seq, frame, captured bytes, length on the wire) of segments past a gap
    waiting: list[tuple[int, int, bytes, int]] = field(default_factory=list)
    held: int = 0  # bytes in `waiting`
    dropped: int = 0  # out-of-order bytes past the cap, never delivered
    conflicts: list[int] = field(default_factory=list)  # frames overlapping with other bytes
    _last: bytes = b""  # the most recent delivered bytes, to check overlaps against
    _last_end: int = 0

    def segment(self, frame: int, seq: int, flags: int, data: bytes,
                seglen: int | None = None) -> list[Chunk]:  # fmt: skip
        """Feed one segment: its captured bytes and its length on the wire (more when the
        capture cut it: sequence numbers still advance past the bytes not captured). The
        chunks it delivers in order (possibly none)."""
        seglen = len(data) if seglen is None else max(seglen, len(data))
        if flags & 0x002:  # SYN: the data starts one past its number
            if self.next_seq is None:
                self.next_seq = (seq + 1) % SEQ_MOD
            seq = (seq + 1) % SEQ_MOD
        if not seglen:
            return []
        if self.next_seq is None:
            self.next_seq = seq
        ahead = seq_diff(seq, self.next_seq)
        if ahead > 0:
            self._wait(seq, frame, data, seglen)
            return []
        out = self._deliver(frame, seq, data, seglen)
        if out:
            self._deliver_waiting(out)
        return out

    def resync(self, seq: int) -> list[Chunk]:
        """Give up the bytes before `seq` that never came (a gap the reader no longer
        waits for: the PDU it fell in is lost) and deliver what waits from `seq` on."""
        if self.next_seq is None or seq_diff(seq, self.next_seq) <= 0:
            return []
        self.next_seq = seq
        out: list[Chunk] = []
        keep = []
        for wseq, wframe, wdata, wlen in self.waiting:  # those wholly before seq go
            if seq_diff((wseq + wlen) % SEQ_MOD, seq) > 0:
                keep.append((wseq, wframe, wdata, wlen))
            else:
                self.held -= len(wdata)
        self.waiting = keep
        self._deliver_waiting(out)
        return out

    def _deliver_waiting(self, out: list[Chunk]) -> None:
        """Deliver the waiting segments that now continue the stream, onto `out`."""
        for _k in range(len(self.waiting)):  # each step takes one waiting segment or stops
            k = self._ready()
            if k is None:
                break
            wseq, wframe, wdata, wlen = self.waiting.pop(k)
            self.held -= len(wdata)
            out.extend(self._deliver(wframe, wseq, wdata, wlen))

    def _deliver(self, frame: int, seq: int, data: bytes, seglen: int) -> list[Chunk]:
        """Bytes from `seq` on, of which those before next_seq were delivered already."""
        assert self.next_seq is not None
        skip = max(0, -seq_diff(seq, self.next_seq))
        if skip:
            self._check_overlap(frame, data[:skip], skip)
        if skip >= seglen:
            return []
        new = data[skip:] if skip else data
        self.next_seq = (self.next_seq + seglen - skip) % SEQ_MOD
        self._last = (self._last + new)[-65536:]
        return [Chunk(frame, new, skip)]

    def _check_overlap(self, frame: int, old: bytes, skip: int) -> None:
        """A retransmission carrying other bytes than the first copy: a conflict."""
        kept = self._last[-skip:] if skip <= len(self._last) else b""
        if kept and old[: len(kept)] != kept[: len(old)]:
            self.conflicts.append(frame)

    def _wait(self, seq: int, frame: int, data: bytes, seglen: int) -> None:
        if self.held + len(data) > self.cap:
            self.dropped += seglen
            return
        self.waiting.append((seq, frame, data, seglen))
        self.held += len(data)

    def _ready(self) -> int | None:
        """The waiting segment that now starts at or before next_seq, earliest in
        sequence first; None while the gap is open."""
        assert self.next_seq is not None
        best = None
        for k, (seq, _frame, _data, _len) in enumerate(self.waiting):
            if seq_diff(seq, self.next_seq) <= 0 and (
                best is None or seq_diff(seq, self.waiting[best][0]) < 0
            ):
                best = k
        return best

    @property
    def missing(self) -> int:
        """Bytes between what was delivered and the first segment waiting (0: no gap)."""
        if not self.waiting or self.next_seq is None:
            return 0
        return min(seq_diff(s, self.next_seq) for s, _f, _d, _n in self.waiting)
