"""Application PDUs that span TCP segments, decoded on the frame where they complete.

As tshark with its default preferences: an HTTP/1.x message (headers and the body its
Content-Length or chunked coding delimits), a TLS record, a DNS message over TCP (its
two-byte length prefix) and an HTTP/2 frame that does not fit in one segment is put
together from the segments that carry it, in sequence order (reassembly.py: out-of-order
segments put back, retransmitted bytes once), and decoded on the frame that brings its last
byte. That frame shows "[N Reassembled TCP Segments (B bytes): #a(x), #b(y)...]" and the
PDU's layers, whose spans point into the reassembled bytes (a second data source, as
Wireshark's "Reassembled TCP (B bytes)" tab); the earlier frames get tcp.reassembled_in and
"[TCP segment of a reassembled PDU]". HTTP requests and responses are paired in order
(http.response_in, http.request_in, http.time).

`PduMap` finds the boundaries: `build()` once over a capture's TCP frames in order (tools,
tests), or `stream(n)` over one stream's frames only on first need (the CLI and the TUI show
frame N: only that conversation is read). What it keeps is sparse: per frame that is part
of a multi-segment PDU, the frame it completes in; per completing frame, the pieces (frame,
offset in its TCP payload, length). The bytes are read again from the capture when the
completing frame is shown (`annotate`), so nothing is decoded twice for the list.

Memory is bounded: the bytes of PDUs still open (their headers, a chunked body being walked)
are held up to `cap` per capture (DEFAULT_CAP); a PDU that grows past it, and the rest of
that direction, is "not reassembled: limit reached" (an expert note on its frames), and its
segments are decoded one by one as before.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..engine import PROTOCOLS, TABLES, Packet, decode, spec_for, uint_at
from ..protocols import http2
from ..protocols.tcp import TcpState
from ..protocols.tls import HANDSHAKE_TYPES, handshake_layer, refragment
from .conversation import bytes_of
from .objects import MAX_BODY, _dechunk, _decoded, _headers
from .reassembly import SEQ_MOD, Direction, seq_diff
from .table import NOT_OWN_TCP

SEGMENT_BATCH = 256  # frames whose bytes segments() reads at once
UNREAD = object()  # _frame's segment not read yet
STEP_FRAMES = 512  # frames framed between two calls of stream()'s `between` (~10 ms)
DEFAULT_CAP = 64 << 20  # bytes of open PDUs held at once per capture (configurable)
MAX_HEAD = 1 << 16  # an HTTP header block longer than this is not HTTP to us
BLANK_LINE = re.compile(rb"\n\r?\n")  # the end of a header block
MAX_HELD_RECORD = 16384 + 2048  # a cleartext TLS handshake record is held whole up to this
MAX_MESSAGE = 1 << 20  # a handshake message over several records longer than this: not joined
MAX_SIZE_LINE = 1024  # a chunk size line (extensions included) longer than this: not HTTP
REASSEMBLED = ("http", "tls", "dns", "http2")  # what is put together across segments
SEGMENT_NOTE = "[TCP segment of a reassembled PDU]"
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# "101 Switching Protocols" to cleartext HTTP/2 (RFC 7540 section 3.2)
H2 = PROTOCOLS["http2"]
H2C_UPGRADE = re.compile(rb"HTTP/1\.1 101 [^\n]*\n(?:[^\n]+\n)*?upgrade:[ \t]*h2c\s", re.I)
# a length function's answers: more bytes needed; not this protocol (the direction stops
# being framed); not a PDU's start (its bytes are passed over, the next segment is tried)
NEED, NOT, SKIP = -1, -2, -3
UNTIL_FIN = -4  # an HTTP response whose body is delimited by the connection's end

(SEGMENTS, SEGMENT, SEGMENT_COUNT, REASSEMBLED_LENGTH, REASSEMBLED_DATA, REASSEMBLED_IN,
 SEGMENT_DATA) = (spec_for(n) for n in (
    "tcp.segments", "tcp.segment", "tcp.segment.count", "tcp.reassembled.length",
    "tcp.reassembled.data", "tcp.reassembled_in", "tcp.segment_data"))  # fmt: skip
DNS_LENGTH, DNS_RESPONSE_TO, DNS_RESPONSE_IN, DNS_TIME = (
    spec_for(n) for n in ("dns.length", "dns.response_to", "dns.response_in", "dns.time"))  # fmt: skip
REQUEST_IN, RESPONSE_IN, HTTP_TIME = (
    spec_for(n) for n in ("http.request_in", "http.response_in", "http.time"))  # fmt: skip
PDU_FIELDS = frozenset(("tcp.segments", "tcp.segment", "tcp.segment.count",
                        "tcp.reassembled.length", "tcp.reassembled.data", "tcp.reassembled_in",
                        "tcp.segment_data", "http.request_in", "http.response_in",
                        "http.time"))  # fmt: skip


@dataclass(slots=True)
class Pdu:
    """One PDU put together from several frames."""

    proto: str
    pieces: list[tuple[int, int, int]]  # (frame index, offset in its TCP payload, length)

    @property
    def length(self) -> int:
        return sum(n for _i, _off, n in self.pieces)


@dataclass(slots=True)
class _Framer:
    """One direction's PDU boundaries, fed its bytes in sequence order."""

    proto: str
    pieces: list[tuple[int, int, int]] = field(default_factory=list)
    buf: bytearray = field(default_factory=bytearray)
    need: int = NEED  # the open PDU's length once known
    have: int = 0  # bytes of the open PDU so far
    resume: int = 0  # a chunked HTTP body: where the next chunk's size line is (0: not yet)
    last: int = 0  # TLS: the content type of the previous record
    asked: list = field(default_factory=list)  # HTTP: frames fed while the length was unknown
    no_body: bool = False  # HTTP: the oldest request waiting for this response is a HEAD
    # TLS before its ChangeCipherSpec: handshake records are held whole, to read the version
    # a ServerHello picks and where handshake messages continue over records
    plain: bool = True
    hs: bytearray = field(default_factory=bytearray)  # a message begun in an earlier record
    hs_parts: list = field(default_factory=list)  # its parts: (record key, TCP pieces, bytes)
    stopped: bool = False


@dataclass(slots=True)
class Segmented:
    """A TCP segment as the framer reads it."""

    seq: int
    flags: int
    payload_pos: int  # where the TCP payload starts in the frame
    payload: bytes
    seglen: int


class PduMap:
    """Where each multi-segment PDU of a capture starts, continues and completes."""

    def __init__(self, index: Any, table: Any, cap: int = DEFAULT_CAP) -> None:
        self.index, self.table, self.cap = index, table, cap
        self.ends: dict[int, list[Pdu]] = {}  # completing frame index -> its PDUs
        self.within: dict[int, int] = {}  # frame index -> the frame its PDU completes in
        self.shared: dict[int, int] = {}  # ... where it starts after whole PDUs in the frame
        self.limited: dict[int, int] = {}  # stream << 1 | direction -> first frame past the cap
        # HTTP: response -> (request, ns) and request -> (response, ns); DNS over TCP alike
        self.http: dict[int, tuple[int, int]] = {}
        self.dns: dict[int, tuple[int, int]] = {}  # (see _pair_dns)
        self.h2: set[int] = set()  # streams that began with HTTP/2's preface
        self.protos: dict[int, str] = {}  # stream -> the protocol put together on it
        # frames no application decoder reads, as in tshark: retransmissions (every byte
        # came before), a segment that cannot start a message (an HTTP keep-alive byte)
        self.bare: set[int] = set()
        self.tls13: dict[int, int] = {}  # TLS 1.3 streams -> the frame that showed it
        # TLS handshake messages over several records: per frame where a record of one
        # completes, {record key: TlsState.marks entry}; per frame where one completes,
        # [(key of the record it completes in, TCP pieces, fragments)]. A record's key is
        # its first byte's (frame index, offset in that frame's TCP payload).
        self.hs_marks: dict[int, dict[tuple[int, int], tuple[int, str, bool]]] = {}
        self.hs_ends: dict[int, list[tuple[tuple[int, int], list, list]]] = {}
        self.held = 0  # bytes of open PDUs held now
        # frame -> the Info tshark's application decoder leaves on a segment of a PDU it
        # asked more bytes for: an HTTP start line while the length is not known yet, ""
        # on the segment a TLS record or an HTTP/2 frame starts in (its TCP text is replaced)
        self.lead: dict[int, str] = {}
        self._done: set[int] = set()  # streams framed (all of them after build())
        # HTTP/2: each direction's HPACK dynamic table before each header block, fed every
        # frame in order as it is framed; header blocks decode with it from now on
        self.hpack = http2.Tables()
        http2.use(self.hpack)
        self._lock = threading.Lock()
        self._all = False

    # -- finding the boundaries ---------------------------------------------------------------
    def build(self) -> PduMap:
        """Every TCP stream, in one walk over the capture in order."""
        state: dict[int, Any] = {}
        ids, facts = self.table.ids, self.table.facts
        for i in range(len(ids)):
            v = ids[i]
            if v >= 0 and not facts[i] & NOT_OWN_TCP:
                self._frame(i, v, state)
        self._close(state)
        self._all = True
        return self

    def stream(self, n: int, between: Callable[[], object] | None = None) -> None:
        """One stream's PDUs, from its frames only (nothing when done already). The TUI
        asks from several threads: one frames the stream, the others wait for it; a stream
        framed before is answered without the lock (framing a long one takes seconds).
        `between` runs every STEP_FRAMES frames (the TUI's worker steps aside for keys)."""
        if self._all or n in self._done:  # added only once its framing is complete
            return
        with self._lock:
            if self._all or n in self._done:
                return
            state: dict[int, Any] = {}
            ids = self.table.ids
            frames = self.table.frames("tcp", n, everywhere=False)
            for k, (i, seg) in enumerate(segments(self.index, frames)):
                if between is not None and k % STEP_FRAMES == STEP_FRAMES - 1:
                    between()
                if state.get(n) is False:
                    break  # not a protocol put together: the rest is not read
                self._frame(i, ids[i], state, seg)
            self._close(state)
            self._done.add(n)

    def _close(self, state: dict[int, Any]) -> None:
        """The capture (or stream) ended: PDUs still open never complete."""
        for st in state.values():
            if st:
                for fr in st[1]:
                    self._abandon(fr)

    def _abandon(self, fr: _Framer) -> None:
        """An open PDU that never completes: its frames are still segments of it
        (tshark's "[TCP segment of a reassembled PDU]"), completed nowhere (-1)."""
        if fr.need != NEED or fr.buf:
            for j, o, n in fr.pieces:
                if n and j not in self.within:
                    self.within[j] = -1
                    if o:  # PDUs before it in that frame are decoded there
                        self.shared[j] = o
            self._leads(fr, -1)
        self._drop(fr)

    def _frame(self, i: int, v: int, state: dict[int, Any], seg: Any = UNREAD) -> None:
        """Feed frame i (stream << 1 | direction = v) to its direction's framer (`seg`: its
        segment when read already)."""
        st = state.get(v >> 1)
        if st is False or (st is not None and st[1][v & 1].stopped):
            return  # not a protocol put together, or this direction lost its place
        if seg is UNREAD:
            seg = read_segment(self.index, i)
        if seg is None:
            return
        if st is None:
            if not seg.seglen:
                return
            proto = _protocol(self.index, i, seg)
            if proto is None:
                state[v >> 1] = False
                return
            if proto == "http2":
                self.h2.add(v >> 1)
            self.protos[v >> 1] = proto
            st = state[v >> 1] = ([Direction(self.cap), Direction(self.cap)],
                                  [_Framer(proto), _Framer(proto)], [])  # fmt: skip
        dirs, framers, http_waiting = st
        if framers[v & 1].proto != self.protos[v >> 1]:  # upgraded to HTTP/2 (h2c)
            framers[v & 1].proto = self.protos[v >> 1]
        d = v & 1
        before = dirs[d].next_seq
        chunks = dirs[d].segment(i, seg.seq, seg.flags, seg.payload, seg.seglen)
        if (not chunks and seg.seglen and before is not None and not seg.flags & 0x002
                and seq_diff((seg.seq + seg.seglen) % SEQ_MOD, before) <= 0):  # fmt: skip
            self.bare.add(i)  # every byte came before: a retransmission
        if not chunks and dirs[d].waiting:
            chunks = self._past_gap(dirs[d], framers[d], seg)
        for c in chunks:
            self._feed(framers[d], v, c.frame, c.offset, c.data, http_waiting, d)
        fr = framers[d]
        if seg.flags & 1 and fr.need == UNTIL_FIN and not dirs[d].waiting:
            if fr.pieces[-1][0] != i:  # a FIN alone ends the body: tshark lists it, empty
                fr.pieces.append((i, len(seg.payload), 0))
            self._complete(fr, i, http_waiting, d)

    def _past_gap(self, direction: Direction, fr: _Framer, seg: Segmented) -> list:
        """A segment after a gap that starts where the open PDU (of known length) ends:
        that PDU never completes (a segment of it was not captured) and this one starts
        the next, as tshark goes on after a loss."""
        if fr.need < 0 or direction.next_seq is None:
            return []
        end = (direction.next_seq + fr.need - fr.have) % SEQ_MOD
        if seq_diff(seg.seq, end) < 0:
            return []
        for wseq, j, _data, n in direction.waiting:  # segments of the lost PDU after the gap
            if seq_diff((wseq + n) % SEQ_MOD, end) <= 0:
                self.within.setdefault(j, -1)
        self._abandon(fr)
        return direction.resync(end)

    def _feed(self, fr: _Framer, v: int, i: int, off: int, data: bytes,
              waiting: list, d: int) -> None:  # fmt: skip
        pos = 0
        while pos < len(data) and not fr.stopped:  # each step ends a PDU or the data
            if fr.need == UNTIL_FIN:  # counted, not held: read again when shown
                fr.pieces.append((i, off + pos, len(data) - pos))
                fr.have += len(data) - pos
                if fr.have > self.cap:
                    self._limit(fr, v, i)
                return
            take = len(data) - pos if fr.need < 0 else min(fr.need - fr.have, len(data) - pos)
            fr.pieces.append((i, off + pos, take))
            if fr.proto == "http" and fr.need < 0 and (not fr.asked or fr.asked[-1] != i):
                fr.asked.append(i)  # tshark's HTTP decoder reads this segment and asks for more
            if fr.need < 0:
                if self.held + take > self.cap:
                    self._limit(fr, v, i)
                    return
                fr.buf += data[pos : pos + take]
                self.held += take
                if fr.proto == "http":
                    fr.no_body = _answers_head(waiting, d)
                fr.need = LENGTHS[fr.proto](fr.buf, fr)
                if fr.need == SKIP:
                    if pos == 0 and len(fr.pieces) == 1:  # the whole segment
                        self.bare.add(i)
                    self._drop(fr)
                    return
                if fr.need == NOT:
                    self._drop(fr)
                    fr.stopped = True
                    return
                if fr.need > self.cap:  # it would be read whole when shown: too big
                    self._limit(fr, v, i)
                    return
                if fr.proto == "tls" and fr.need >= 0:
                    self._record_type(fr, v, i)
            pos += take
            fr.have += take
            if fr.need >= 0 and fr.have >= fr.need:
                excess = fr.have - fr.need
                j, o, n = fr.pieces[-1]
                fr.pieces[-1] = (j, o, n - excess)
                pos -= excess
                self._complete(fr, i, waiting, d)

    def _complete(self, fr: _Framer, i: int, waiting: list, d: int) -> None:
        pieces = [p for p in fr.pieces if p[2] or fr.need == UNTIL_FIN and p[0] == i]
        multi = len({j for j, _o, _n in pieces}) > 1
        if fr.proto == "tls" and fr.plain and fr.buf[:1] == b"\x16" and len(fr.buf) >= fr.need:
            self._handshake_record(fr, i, pieces)
        if fr.proto == "http2" and fr.buf[3:4] in (b"\x01", b"\x05", b"\x09"):
            whole = fr.buf if len(fr.buf) >= fr.need else self.read(Pdu("http2", pieces))
            self.hpack.feed(self.table.ids[i], i + 1, bytes(whole[: fr.need]))
        upgrade = fr.proto == "http" and H2C_UPGRADE.match(fr.buf) is not None
        if fr.proto == "http" and fr.buf:
            self._pair(bytes(fr.buf[:12]), i, waiting, d)
        elif fr.proto == "dns" and len(fr.buf) >= 5:
            self._pair_dns(fr.buf, i, multi, waiting)
        if multi:
            self._leads(fr, i)
            self.ends.setdefault(i, []).append(Pdu(fr.proto, pieces))
            for j, o, _n in pieces:
                if j != i:
                    self.within.setdefault(j, i)
                    if o:  # PDUs before it in that frame are decoded there
                        self.shared[j] = o
        self._drop(fr)
        if upgrade:  # HTTP/2 from the next byte on, both ways (the client's at its next segment)
            fr.proto = self.protos[self.table.ids[i] >> 1] = "http2"
            self.h2.add(self.table.ids[i] >> 1)

    def _record_type(self, fr: _Framer, v: int, i: int) -> None:
        """A ServerHello (or HelloRetryRequest) choosing TLS 1.3, or application data
        right after a ChangeCipherSpec (TLS 1.2 sends its encrypted Finished as a
        handshake record there): from frame i on, the stream's application data records
        are TLS 1.3's opaque ones, as tshark knows from the ServerHello."""
        t = fr.buf[0]
        if (fr.last == 20 and t == 23) or (t == 22 and fr.plain and _tls13_hello(fr.buf)):
            self.tls13.setdefault(v >> 1, i)
        if t == 20 or t == 23:
            self._forget(fr)
        fr.last = t

    def _handshake_record(self, fr: _Framer, i: int, pieces: list) -> None:
        """Follow the direction's handshake messages over this whole record (it completes
        in frame i): those that begin in an earlier record or end in a later one are put
        together (tshark's TLS handshake reassembly)."""
        body = bytes(fr.buf[5 : fr.need])
        key = pieces[0][:2]
        p = 0
        for _k in range(len(body) + 1):  # each step moves on by at least one byte
            if p >= len(body):
                return
            if not fr.hs and len(body) - p >= 4 and 4 + uint_at(body, p + 1, 3) <= len(body) - p:
                p += 4 + uint_at(body, p + 1, 3)  # a whole message inside the record
                continue
            begin = p
            if len(fr.hs) < 4:
                n = min(4 - len(fr.hs), len(body) - p)
                fr.hs += body[p : p + n]
                self.held += n
                p += n
            total = 4 + uint_at(fr.hs, 1, 3) if len(fr.hs) >= 4 else MAX_MESSAGE
            if total > MAX_MESSAGE or self.held + total > self.cap:
                self._forget(fr)  # past the bounds: later records are read alone
                return
            n = min(total - len(fr.hs), len(body) - p)
            fr.hs += body[p : p + n]
            self.held += n
            p += n
            fr.hs_parts.append((i, key, _slice(pieces, 5 + begin, p - begin), p - begin, begin))
            if len(fr.hs) == total:
                self._message(fr)

    def _message(self, fr: _Framer) -> None:
        """A handshake message is whole: when it took several records, remember where
        each record's part is and where the message completes."""
        parts = fr.hs_parts
        if len(parts) > 1:
            name = HANDSHAKE_TYPES.get(fr.hs[0], "Unknown")
            for k, (i, key, _tp, n, _begin) in enumerate(parts):
                marks = self.hs_marks.setdefault(i, {})
                cont = n if k else marks.get(key, (0, "", False))[0]  # k = 0: it ends the record
                marks[key] = (cont, name, k == len(parts) - 1)
            i, key = parts[-1][0], parts[-1][1]
            tcp = [piece for part in parts for piece in part[2]]
            frags = [(j + 1, n) for j, _key, _tp, n, _b in parts]
            self.hs_ends.setdefault(i, []).append((key, tcp, frags))
        self.held -= len(fr.hs)
        fr.hs, fr.hs_parts = bytearray(), []

    def _forget(self, fr: _Framer) -> None:
        """Handshake records are no longer followed in this direction (encrypted now)."""
        fr.plain = False
        self.held -= len(fr.hs)
        fr.hs, fr.hs_parts = bytearray(), []

    def _pair(self, head: bytes, i: int, waiting: list, d: int) -> None:
        """Requests wait in order; a response answers the oldest (HTTP/1.1 pipelining),
        an interim one (1xx) none."""
        if not head.startswith(b"HTTP/"):
            waiting.append((d, i, head.startswith(b"HEAD ")))
            del waiting[:-64]
            return
        if head[9:10] == b"1":
            return
        for k, (qd, q, _head) in enumerate(waiting):
            if qd != d:
                del waiting[k]
                ns = _time(self.index, i) - _time(self.index, q)
                self.http[i] = (q, ns)
                self.http.setdefault(q, (i, ns))
                return

    def _pair_dns(self, buf: bytearray, i: int, multi: bool, waiting: list) -> None:
        """A DNS answer and the first waiting query of its ID in the stream, linked here
        when either was put together from several segments (the stream pass links the
        others)."""
        ident, answer = uint_at(buf, 2, 2), bool(buf[4] & 0x80)
        if not answer:
            waiting.append((ident, i, multi))
            del waiting[:-64]
            return
        for k, (qid, q, qmulti) in enumerate(waiting):
            if qid == ident:
                del waiting[k]
                if multi or qmulti:
                    ns = _time(self.index, i) - _time(self.index, q)
                    self.dns[i] = (q, ns)
                    self.dns.setdefault(q, (i, ns))
                return

    def _leads(self, fr: _Framer, i: int) -> None:
        """The Info of the PDU's segments before frame i (see self.lead)."""
        if fr.proto == "http" and fr.buf:
            line = bytes(fr.buf[:256]).split(b"\n", 1)[0].rstrip(b"\r")
            start = line.decode("ascii", "replace")
            for j in fr.asked:
                if j != i:
                    self.lead[j] = start
        elif (fr.proto in ("tls", "http2") and fr.pieces and fr.pieces[0][1] == 0
              and fr.pieces[0][0] != i):  # fmt: skip
            self.lead[fr.pieces[0][0]] = ""  # nothing before the PDU in its first frame

    def _drop(self, fr: _Framer) -> None:
        self.held -= len(fr.buf)
        fr.pieces, fr.buf, fr.need, fr.have, fr.resume = [], bytearray(), NEED, 0, 0
        fr.asked = []

    def _limit(self, fr: _Framer, v: int, i: int) -> None:
        first = fr.pieces[0][0] if fr.pieces else i
        self.limited.setdefault(v, first)
        self._drop(fr)
        fr.stopped = True

    # -- showing them -------------------------------------------------------------------------
    def annotate(self, pkt: Packet, i: int, later: bool) -> None:
        """Frame i's part in the PDUs: the reassembled layers on the completing frame, the
        frame they complete in on the others."""
        tcp = pkt.layer("tcp")
        if tcp is None:
            return
        fresh = self._framed(i)
        pdus = self.ends.get(i)
        done_in = self.within.get(i)
        if i in self.bare:
            del pkt.layers[pkt.layers.index(tcp) + 1 :]
            return
        if pdus is None and done_in is None:
            self._http_links(pkt, i, later)
            self._limit_note(tcp, i)
            if self.h2:
                self._relabel(pkt, tcp, i, fresh)
            self._opaque(pkt, i)
            self._handshakes(pkt, i, {})
            return
        payload = tcp.pos + (bytes_of(pkt, tcp)[tcp.pos + 12] >> 4) * 4
        k = pkt.layers.index(tcp)
        del pkt.layers[k + 1 :]  # what the segment alone decoded to is not the PDU
        if pdus is None:
            self._continues(pkt, tcp, payload, i, done_in, later)
            self._handshakes(pkt, i, {})
            return
        keys = {}  # a reassembled packet -> its PDU's key (where its first byte came from)
        for pdu in pdus:
            keys[id(self._show(pkt, tcp, pdu))] = pdu.pieces[0][:2]
        _, off, n = pdus[-1].pieces[-1]
        # whole PDUs after the last one that completes here, up to one that starts here
        self._rest(pkt, payload + off + n, payload + self.shared.get(i, tcp.payload_end - payload),
                   pdus[-1].proto)  # fmt: skip
        self._handshakes(pkt, i, keys)
        _join_info(pkt.layers[k + 1 :])
        self._http_links(pkt, i, later)
        self._opaque(pkt, i)

    def _framed(self, i: int) -> bool:
        """Frame i's stream framed (now, on first need); whether that happened after the
        frame was decoded (its header blocks did not know the HPACK table yet)."""
        if self._all:
            return False
        v = self.table.ids[i]
        if v < 0:
            return False
        fresh = v >> 1 not in self._done
        self.stream(v >> 1)
        return fresh

    def _handshakes(self, pkt: Packet, i: int, keys: dict[int, tuple[int, int]]) -> None:
        """Frame i's TLS records that carry part of a handshake message over several
        records are labelled so; a message completing here is decoded from its
        fragments' bytes, a data source of its own ("Reassembled TLS Handshake")."""
        marks, ends = self.hs_marks.get(i), self.hs_ends.get(i)
        if not marks and not ends:
            return
        tcp = pkt.layer("tcp")
        payload = tcp.pos + (bytes_of(pkt, tcp)[tcp.pos + 12] >> 4) * 4
        for la in list(pkt.layers):
            if la.protocol.name != "tls" or la.state is None or la.state.marks is not None:
                continue
            src = la.packet if la.packet is not None else pkt
            at = {p: keys.get(id(src), (i, p - payload)) for p, *_rest in la.state.records}
            mine = {p: marks[key] for p, key in at.items() if marks and key in marks}
            if mine:
                refragment(la, mine)
            for key, pieces, frags in ends or ():
                if key in at.values():
                    self._message_layer(pkt, la, pieces, frags)

    def _message_layer(self, pkt: Packet, after: Any, pieces: list, frags: list) -> None:
        data = self.read(Pdu("tls", pieces))
        sub = decode(data, pkt.linktype, number=pkt.number, time_ns=pkt.time_ns,
                     start=(PROTOCOLS["tls"], 0))  # fmt: skip
        if len(sub.layers) < 2 or sub.layers[1].protocol.name != "tls":
            return
        sub.source = f"Reassembled TLS Handshake ({len(data)} bytes)"
        handshake_layer(sub.layers[1], frags)
        pkt.layers.insert(pkt.layers.index(after) + 1, sub.layers[1])

    def _opaque(self, pkt: Packet, i: int) -> None:
        """In a TLS 1.3 stream, application data records are opaque (their real type is
        inside the encryption): set on each TLS layer's kept records, which its fields
        are built from."""
        if not self.tls13:
            return
        first = self.tls13.get(self.table.ids[i] >> 1)
        if first is None or i < first:
            return
        for la in pkt.layers:
            if la.protocol.name != "tls" or la.state is None:
                continue
            data = (la.packet or pkt).data
            la.state.records = [(p, n, whole, opaque or data[p] == 23, enc)
                                for p, n, whole, opaque, enc in la.state.records]  # fmt: skip

    def _continues(self, pkt: Packet, tcp: Any, payload: int, i: int, done_in: Any,
                   later: bool) -> None:  # fmt: skip
        """A frame whose last PDU completes in a later frame: the whole PDUs before it (if
        any) decoded here, the rest shown as TCP segment data."""
        at = self.shared.get(i)
        proto = self.ends[done_in][0].proto if done_in in self.ends else self.protos.get(
            self.table.ids[i] >> 1)  # fmt: skip
        if at is not None and proto is not None:
            self._rest(pkt, payload, payload + at, proto)
        else:
            tcp.add(SEGMENT_DATA, payload, tcp.payload_end - payload,
                    bytes_of(pkt, tcp)[payload : tcp.payload_end])  # fmt: skip
            lead = self.lead.get(i)
            if lead is not None:
                tcp.state = TcpState(f"{lead} {SEGMENT_NOTE}".lstrip())
        if later and done_in >= 0:  # tshark's one pass has not seen the completing frame yet
            tcp.add(REASSEMBLED_IN, tcp.pos, 0, done_in + 1)

    def _rest(self, pkt: Packet, start: int, stop: int, proto: str) -> None:
        """Decode frame bytes start..stop (whole PDUs of the stream's protocol) in the frame."""
        if start >= stop:
            return
        sub = decode(bytes_of(pkt, pkt.layer("tcp"))[:stop], pkt.linktype, number=pkt.number, time_ns=pkt.time_ns,
                     start=(PROTOCOLS[proto], start))  # fmt: skip
        pkt.layers.extend(sub.layers[1:])

    def _relabel(self, pkt: Packet, tcp: Any, i: int, fresh: bool) -> None:
        """A segment of a conversation known to be HTTP/2 (it began with the preface) is
        HTTP/2, whatever its port says alone (8080 is HTTP's), as Wireshark's conversation
        dissector decides; decoded again when the stream was framed after it was decoded
        (its header blocks now know the HPACK table before them)."""
        k = pkt.layers.index(tcp)
        if self.table.ids[i] >> 1 not in self.h2 or k + 1 >= len(pkt.layers):
            return
        if pkt.layers[k + 1].protocol.name == "http2" and not fresh:
            return
        data = bytes_of(pkt, tcp)
        payload = tcp.pos + (data[tcp.pos + 12] >> 4) * 4
        sub = decode(data, pkt.linktype, number=pkt.number, time_ns=pkt.time_ns,
                     start=(PROTOCOLS["http2"], payload))  # fmt: skip
        del pkt.layers[k + 1 :]
        pkt.layers.extend(sub.layers[1:])

    def _show(self, pkt: Packet, tcp: Any, pdu: Pdu) -> Packet:
        """The segment list under TCP and the PDU's layers after it."""
        data = self.read(pdu)
        text = ", ".join(f"#{j + 1}({n})" for j, _o, n in pdu.pieces)
        top = tcp.add(SEGMENTS, tcp.pos, 0,
                      f"{len(pdu.pieces)} Reassembled TCP Segments ({len(data)} bytes): {text}")  # fmt: skip
        for j, _o, _n in pdu.pieces:
            tcp.child(top, SEGMENT, tcp.pos, 0, j + 1)
        tcp.child(top, SEGMENT_COUNT, tcp.pos, 0, len(pdu.pieces))
        tcp.child(top, REASSEMBLED_LENGTH, tcp.pos, 0, len(data))
        tcp.child(top, REASSEMBLED_DATA, tcp.pos, 0, data)
        # DNS reads its TCP length prefix only with TCP below it: the message after it
        at = 2 if pdu.proto == "dns" else 0
        sub = decode(data, pkt.linktype, number=pkt.number, time_ns=pkt.time_ns,
                     start=(PROTOCOLS[pdu.proto], at))  # fmt: skip
        sub.source = f"Reassembled TCP ({len(data)} bytes)"
        layers = sub.layers[1:]
        if pdu.proto == "http":
            layers = _entity_body(pkt, sub, layers)
        elif at and layers:
            fields = layers[0].fields  # built now: the length goes first, as on the wire
            fields.insert(0, layers[0].add(DNS_LENGTH, 0, 2, uint_at(data, 0, 2)))
            fields.pop()
        pkt.layers.extend(layers)
        return sub

    def read(self, pdu: Pdu) -> bytes:
        """The PDU's bytes, read again from its frames."""
        out = bytearray()
        for j, off, n in pdu.pieces:
            seg = read_segment(self.index, j)
            if seg is not None:
                out += seg.payload[off : off + n]
        return bytes(out)

    def sources(self, pkt: Packet) -> list[tuple[str, list[tuple[int, int, int]]]]:
        """The frame's reassembled data sources for a hex view: (name, (start, length,
        frame number) of each frame's part of the bytes), without reading them."""
        out = []
        for pdu in self.ends.get(pkt.number - 1, ()):
            spans, at = [], 0
            for j, _o, n in pdu.pieces:
                spans.append((at, n, j + 1))
                at += n
            out.append((f"Reassembled TCP ({at} bytes)", spans))
        return out

    def _http_links(self, pkt: Packet, i: int, later: bool) -> None:
        link = self.http.get(i)
        if link is None:
            if self.dns:
                self._dns_links(pkt, i, later)
            return
        layer = next((la for la in reversed(pkt.layers) if la.protocol.name == "http"), None)
        if layer is None:
            return
        other, ns = link
        if other < i:
            layer.add(HTTP_TIME, layer.pos, 0, ns / 1e9)
            layer.add(REQUEST_IN, layer.pos, 0, other + 1)
        elif later:
            layer.add(RESPONSE_IN, layer.pos, 0, other + 1)

    def _dns_links(self, pkt: Packet, i: int, later: bool) -> None:
        link = self.dns.get(i)
        layer = next((la for la in reversed(pkt.layers) if la.protocol.name == "dns"), None)
        if link is None or layer is None:
            return
        other, ns = link
        if other < i and layer.get("dns.response_to") is None:
            layer.add(DNS_RESPONSE_TO, layer.pos, 0, other + 1)
            layer.add(DNS_TIME, layer.pos, 0, ns / 1e9)
        elif other > i and later and layer.get("dns.response_in") is None:
            layer.add(DNS_RESPONSE_IN, layer.pos, 0, other + 1)

    def _limit_note(self, tcp: Any, i: int) -> None:
        if not self.limited:
            return
        v = self.table.ids[i]
        first = self.limited.get(v)
        if first is not None and i >= first:
            tcp.issue("note", "reassemble", "tcp.reassembly.limit",
                      f"not reassembled: limit reached (reassembly limit {self.cap} bytes)",
                      tcp.pos, 0)  # fmt: skip


def _join_info(layers: list[Any]) -> None:
    """TLS records from the reassembled bytes and from the rest of the frame make one Info
    ("Certificate, Server Key Exchange, Server Hello Done"), as in tshark."""
    tls = [la for la in layers if la.protocol.name == "tls" and la.state is not None]
    if len(tls) > 1:
        tls[-1].state.info = ", ".join(la.state.info for la in tls if la.state.info)


# -- reading segments -------------------------------------------------------------------------
def read_segment(index: Any, i: int) -> Segmented | None:
    """Frame i's TCP sequence number, flags and payload (None: no TCP header)."""
    rec = index.record(i)
    return segment_in(rec.data, rec.linktype, rec.number)


def segments(index: Any, frames: list[int]) -> Iterator[tuple[int, Segmented | None]]:
    """(frame, read_segment(index, frame)) for frames in capture order, their bytes read
    SEGMENT_BATCH frames at a time with their neighbours' (CaptureIndex.datas_at): a
    stream's framing read each record alone, a third of its time."""
    for lo in range(0, len(frames), SEGMENT_BATCH):
        batch = frames[lo : lo + SEGMENT_BATCH]
        for i, data in zip(batch, index.datas_at(batch), strict=True):
            yield i, segment_in(data, index.linktype(i), i + 1)


def segment_in(data: bytes, linktype: int, number: int) -> Segmented | None:
    """read_segment of a frame's bytes."""
    seg = _plain_segment(data) if linktype == 1 else None
    if seg is not None:
        return seg
    pkt = decode(data, linktype, number=number, upto="tcp")
    tcp = pkt.layer("tcp")
    if tcp is None or tcp.values is None or pkt.ctx.in_error:
        return None
    data = bytes_of(pkt, tcp)
    start = tcp.pos + (data[tcp.pos + 12] >> 4) * 4
    end = tcp.payload_end
    k = pkt.layers.index(tcp)
    ip = pkt.layers[k - 1] if k > 1 else None
    seglen = max(0, end - start)
    if ip is not None and ip.protocol.name == "ip":
        total = uint_at(data, ip.pos + 2, 2)
        if total:
            seglen = max(seglen, ip.pos + total - start)
    payload = data[start:end]
    pkt.release()
    return Segmented(uint_at(data, tcp.pos + 4, 4), uint_at(data, tcp.pos + 12, 2) & 0xFFF,
                     start, payload, seglen)  # fmt: skip


def _plain_segment(data: bytes) -> Segmented | None:
    """Ethernet II, IPv4 without fragments or IPv6 without extension headers, then TCP: read
    at fixed offsets (None: anything else, which the decoder reads)."""
    n = len(data)
    if n < 54:
        return None
    etype = uint_at(data, 12, 2)
    if etype == 0x0800 and data[14] >> 4 == 4 and data[23] == 6:
        ihl = (data[14] & 0x0F) * 4
        end = 14 + uint_at(data, 16, 2)
        if ihl < 20 or uint_at(data, 20, 2) & 0x3FFF or end < 14 + ihl + 20:
            return None  # a fragment, or lengths the decoder should judge
    elif etype == 0x86DD and data[20] == 6 and n >= 74:
        ihl, end = 40, 54 + uint_at(data, 18, 2)
    else:
        return None
    tcp = 14 + ihl
    if tcp + 20 > n:
        return None
    start = tcp + (data[tcp + 12] >> 4) * 4
    if start < tcp + 20 or start > min(end, n):
        return None
    return Segmented(uint_at(data, tcp + 4, 4), uint_at(data, tcp + 12, 2) & 0xFFF, start,
                     data[start : min(end, n)], end - start)  # fmt: skip


def _slice(pieces: list, start: int, n: int) -> list[tuple[int, int, int]]:
    """The TCP pieces (frame, offset, length) that hold bytes start..start+n of the bytes
    `pieces` hold."""
    out, at = [], 0
    for j, off, m in pieces:
        a, b = max(start, at), min(start + n, at + m)
        if a < b:
            out.append((j, off + a - at, b - a))
        at += m
    return out


def _time(index: Any, i: int) -> int:
    return index.record(i).time_ns or 0


def _protocol(index: Any, i: int, seg: Segmented) -> str | None:
    """What the stream carries, as the decoder dispatches its first data segment."""
    data = seg.payload
    if data.startswith(H2_PREFACE[: len(data)]) and len(data) >= 4:
        return "http2"
    if len(data) >= 9 and data[3] == 4 and not uint_at(data, 5, 4) and uint_at(data, 0, 3) % 6 == 0:
        return "http2"  # a server's first HTTP/2 frame, SETTINGS, before the client's preface
    rec = index.record(i)
    pkt = decode(rec.data, rec.linktype, number=rec.number)
    names = [la.protocol.name for la in pkt.layers]
    tcp = pkt.layer("tcp")
    ports = (tcp.value("tcp.srcport"), tcp.value("tcp.dstport")) if tcp is not None else ()
    pkt.release()
    if "tcp" not in names:
        return None
    above = names[names.index("tcp") + 1 :]
    if above[:1] == ["http"] and any(TABLES["tcp.port"].get(p) is H2 for p in ports):
        return "http2"  # Decode As: HTTP/2 from the first byte, an upgrade request too
    return above[0] if above and above[0] in REASSEMBLED else None


# -- PDU lengths: the whole length when known from the bytes so far ------------------------------
def _tls_length(buf: bytearray, fr: _Framer) -> int:
    if len(buf) < 5:
        return NEED if not buf or 20 <= buf[0] <= 24 else NOT
    if not (20 <= buf[0] <= 24 and buf[1] == 3):
        return NOT
    end = 5 + uint_at(buf, 3, 2)
    if fr.plain and buf[0] == 22 and len(buf) < end <= 5 + MAX_HELD_RECORD:
        return NEED  # held whole (PduMap._handshake_record)
    return end


def _tls13_hello(buf: bytearray) -> bool:
    """A ServerHello whose supported_versions extension picks TLS 1.3 (0x0304, or a
    draft 0x7fNN), read from the first bytes of its record."""
    if len(buf) < 5 + 4 + 38 or buf[5] != 2:
        return False
    p = 5 + 4 + 34
    p += 1 + buf[p] + 3  # session ID, cipher suite, compression method
    if p + 2 > len(buf):
        return False
    end = min(len(buf), p + 2 + uint_at(buf, p, 2))
    p += 2
    while p + 4 <= end:  # each extension moves on by at least 4 bytes
        etype, n = uint_at(buf, p, 2), uint_at(buf, p + 2, 2)
        if etype == 43 and n == 2 and p + 6 <= end:
            version = uint_at(buf, p + 4, 2)
            return version == 0x0304 or version >> 8 == 0x7F
        p += 4 + n
    return False


def _dns_length(buf: bytearray, _fr: _Framer) -> int:
    # held to the ID and flags (5 bytes), which pair answers with queries
    return NEED if len(buf) < 5 else 2 + uint_at(buf, 0, 2)


def _h2_length(buf: bytearray, _fr: _Framer) -> int:
    if buf.startswith(H2_PREFACE[: len(buf)]):
        return NEED if len(buf) < 4 else len(H2_PREFACE)
    return NEED if len(buf) < 9 else 9 + uint_at(buf, 0, 3)


def _http_length(buf: bytearray, fr: _Framer) -> int:
    """Headers, then the body Content-Length or the chunked coding delimits (RFC 9112
    section 6.3); a response without either runs until the server's FIN (UNTIL_FIN). A
    chunked body is walked on from where the last call stopped (linear in its size)."""
    if fr.resume:
        return _chunked_end(buf, fr)
    if not 0x41 <= buf[0] <= 0x5A:  # neither a method nor "HTTP/": a keep-alive byte, say
        return SKIP
    blank = BLANK_LINE.search(buf)  # lines may end in LF alone (RFC 9112 section 2.2)
    if blank is None:
        return NOT if len(buf) > MAX_HEAD else NEED
    lines = [line.rstrip(b"\r") for line in bytes(buf[: blank.start()]).split(b"\n")]
    start = lines[0]
    if not (start.startswith(b"HTTP/") or b" HTTP/" in start):
        return NOT
    headers = _headers(lines[1:])
    head = blank.end()
    response = start.startswith(b"HTTP/")
    if response and (fr.no_body or start[9:10] == b"1" or start[9:12] in (b"204", b"304")):
        return head  # no body, whatever the headers say (RFC 9110 section 6.4.1)
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        fr.resume = head
        return _chunked_end(buf, fr)
    length = headers.get(b"content-length")
    if length is not None and length.isdigit() and len(length) < 16:
        return head + int(length)
    if response and start[9:10]:
        return UNTIL_FIN  # a response's body without a length runs to the close (6.3 item 8)
    return head


def _answers_head(waiting: list, d: int) -> bool:
    """Whether the response direction d begins now answers a HEAD request: the oldest
    request of the other direction still waiting (HTTP/1.1 answers them in order)."""
    return next((head for qd, _q, head in waiting if qd != d), False)


def _chunked_end(buf: bytearray, fr: _Framer) -> int:
    """Where a chunked body ends (after the last chunk and its trailer), or NEED; the
    next size line's offset is kept in fr.resume."""
    pos = fr.resume
    while pos < len(buf):  # each step moves past one chunk, or returns
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return NOT if len(buf) - pos > MAX_SIZE_LINE else NEED
        try:
            size = int(bytes(buf[pos : min(eol, pos + MAX_SIZE_LINE)]).split(b";", 1)[0]
                       .strip() or b"x", 16)  # fmt: skip
        except ValueError:
            return NOT
        if size == 0:
            end = buf.find(b"\r\n\r\n", eol)
            return NEED if end < 0 else end + 4
        fr.resume = pos = eol + 2 + size + 2
    return NEED


LENGTHS = {"tls": _tls_length, "dns": _dns_length, "http2": _h2_length, "http": _http_length}


# -- HTTP entity bodies -----------------------------------------------------------------------
def _entity_body(pkt: Packet, sub: Packet, layers: list[Any]) -> list[Any]:
    """A chunked or content-coded body as Wireshark shows it: the de-chunked and the
    uncompressed bytes are data sources of their own, and the body layer decodes the
    uncompressed bytes."""
    http = next((la for la in layers if la.protocol.name == "http"), None)
    if http is None or http.state is None or not http.state.messages:
        return layers
    head = http.payload_pos
    data = sub.data
    text = data[:head].lower()
    chunked = b"transfer-encoding: chunked" in text
    coding = _coding(text)
    if not chunked and coding is None:
        return layers
    body = _dechunk(data, head)[0] if chunked else data[head:]
    if coding is not None:
        plain = _decoded(body, {b"content-encoding": coding})
        if plain is body:
            return layers
    else:
        plain = body
    proto = http.next if http.next is not None else PROTOCOLS["data"]
    out = layers[: layers.index(http) + 1]
    if not plain:
        return out
    inner = decode(plain[:MAX_BODY], pkt.linktype, number=pkt.number, time_ns=pkt.time_ns,
                   start=(proto, 0))  # fmt: skip
    name = "Uncompressed entity body" if coding is not None else "De-chunked entity body"
    inner.source = f"{name} ({len(plain)} bytes)"
    inner.ctx.media_type = sub.ctx.media_type
    body_layers = inner.layers[1:]
    inner.layers[1:1] = [http]  # the body layer's Info names the message it belongs to
    for f in http.fields:
        if f.spec.name == "http.file_data":
            f.value = plain  # as Wireshark shows it; the span stays on the bytes sent
    if coding is not None:
        http.add(spec_for("http.content_encoded_entity"), head, len(data) - head,
                 f"Content-encoded entity body ({coding.decode('ascii', 'replace')}): "
                 f"{len(body)} bytes -> {len(plain)} bytes")  # fmt: skip
    return out + body_layers


def _coding(head: bytes) -> bytes | None:
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-encoding:"):
            value = line.split(b":", 1)[1].strip()
            return value if value in (b"gzip", b"x-gzip", b"deflate") else None
    return None
