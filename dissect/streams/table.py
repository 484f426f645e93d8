"""The stream pass: a second walk over a capture index, after the record index.

It keeps 15 bytes per packet in arrays: the conversation (stream number << 1 | direction,
-1 for none; a fact bit says TCP or UDP), the TCP analysis flags, one number (bytes in
flight after a data segment, or a duplicate ACK's count) and the ACK round trip in
microseconds; plus a small record per conversation (its endpoints and base sequence
numbers). From those, `annotate(pkt, table)` adds to a decoded packet the fields
Wireshark shows: tcp.stream, udp.stream, the relative tcp.seq, tcp.ack and tcp.nxtseq (the
raw ones stay tcp.seq_raw / tcp.ack_raw) and tcp.analysis.*.

The pass runs only when something asks for stream fields (a filter naming them, -V or
JSON output, -z follow, the TUI's follow screen): the packet list and filters that name
none never wait for it.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..engine import Packet, spec_for
from .analysis import BITS, FLAGS, analyse_segment, handshake, packed, run
from .conversation import (
    ACK,
    DEFAULT_CONVERSATION_LIMIT,
    FIN,
    SEQ_MOD,
    SYN,
    Segment,
    TcpStream,
    TcpTracker,
    UdpTracker,
    segment_from,
    segments_of,
    tcp_numbers,
)
from .datagrams import annotate_fragment
from .defrag import Datagram, Defragmenter, Piece, rebuild
from .names import PDU_PROTOCOLS, STREAM_FIELDS, names_stream_fields  # noqa: F401 (kept here too)

IN_ERROR = 0x01  # the packet's TCP header is one an ICMP error quotes: numbers stay raw
UDP = 0x02  # the packet's conversation is UDP (else TCP)
FRAGMENT = 0x04  # an IP fragment: `number` is the frame its datagram is complete in
REASSEMBLED = 0x08  # the last fragment: its datagram is read here (`fragments` has them)
CONFLICT = 0x10  # ... and two of its fragments overlap with other bytes
DNS_ANSWERED = 0x20  # a DNS query whose answer came: `dns` has the link
DNS_ANSWER = 0x40  # a DNS answer to an earlier query: `dns` has the link
UNTRACKED = 0x80  # TCP or UDP past the conversation limit: no stream, no analysis
# Not the packet's own TCP conversation (UDP, or the segment an ICMP error quotes): its
# frames are not where that stream's PDUs come from
NOT_OWN_TCP = IN_ERROR | UDP
MAX_DNS_WAITING = 1 << 16  # queries waiting for their answer (the oldest are forgotten)
NONE = 0xFFFFFFFF  # no ACK round trip
DUPLICATE_ACK = BITS["tcp.analysis.duplicate_ack"]
MAX_JOINED = 8 << 20  # bytes of joined datagrams kept for annotate (then read again)

# Declared by tcp.py and udp.py (filter names exist before any stream pass ran).
STREAM, SEQ, NXTSEQ, ACK_REL = (spec_for(n) for n in ("tcp.stream", "tcp.seq", "tcp.nxtseq",
                                                      "tcp.ack"))  # fmt: skip
UDP_STREAM = spec_for("udp.stream")
DNS_RESPONSE_IN, DNS_RESPONSE_TO, DNS_TIME = (
    spec_for(n) for n in ("dns.response_in", "dns.response_to", "dns.time"))  # fmt: skip
ANALYSIS, ANALYSIS_FLAGS, DUPACK_NUM, ACK_RTT, BYTES_IN_FLIGHT, INITIAL_RTT = (
    spec_for(n) for n in ("tcp.analysis", "tcp.analysis.flags", "tcp.analysis.duplicate_ack_num",
                          "tcp.analysis.ack_rtt", "tcp.analysis.bytes_in_flight",
                          "tcp.analysis.initial_rtt"))  # fmt: skip


class StreamTable:
    """Per-packet stream facts of one capture, filled in capture order by `add`."""

    def __init__(self, analyse: bool = True,
                 conversation_limit: int = DEFAULT_CONVERSATION_LIMIT) -> None:  # fmt: skip
        self.analyse = analyse  # False: numbering only (follow needs no analysis)
        self.ids = array("i")  # stream << 1 | direction, -1: neither TCP nor UDP
        self.facts = array("B")  # UDP, IN_ERROR
        self.analysis = array("H")  # TCP analysis flags (analysis.py)
        self.number = array("I")  # bytes in flight + 1, or a duplicate ACK's count; 0: none
        self.rtt_us = array("I")  # ACK round trip in microseconds; NONE: none
        self.tcp_tracker = TcpTracker(conversation_limit)  # each kind: at most the limit
        self.udp_tracker = UdpTracker(conversation_limit)
        self.defrag = Defragmenter()
        self._last_conflict = False
        # last fragment's index -> (index, offset, length, marks) of each fragment (a dict:
        # rare); the latest joined payloads (bounded), else read again from `index`
        self.fragments: dict[int, list[tuple[int, int, int, int]]] = {}
        self._joined: OrderedDict[int, bytes] = OrderedDict()
        self._joined_bytes = 0
        self.index: Any = None  # the capture the pass ran over (build), None: fed by hand
        # DNS links: query index -> answer index; answer index -> (query index, ns)
        self.dns_answer: dict[int, int] = {}
        self.dns_query: dict[int, tuple[int, int]] = {}
        self._dns_waiting: dict[tuple, tuple[int, int]] = {}
        self.pdus: Any = None  # a pdus.PduMap when PDUs across segments are put together
        # packet index -> the rows of its other transport layers (a tunnel's, as tshark
        # numbers each layer), (occurrence, *row): only packets that have several
        self.others: dict[int, list[tuple[int, int, int, int, int, int]]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    BYTES_PER_PACKET = 15  # the five arrays' item sizes

    def stream_of(self, i: int, kind: str) -> int:
        """Packet i's stream number of that kind (its first such layer's), -1 when it has
        none."""
        udp = kind == "udp"
        for _k, v, facts, *_rest in self.rows(i):
            if v >= 0 and udp == bool(facts & UDP):
                return v >> 1
        return -1

    @property
    def tcp_streams(self) -> int:
        return len(self.tcp_tracker.streams)

    @property
    def udp_streams(self) -> int:
        return len(self.udp_tracker.firsts)

    def add(self, seg: Segment | Piece | list[Segment] | None) -> list[Segment]:
        """The next packet's transport facts: its TCP and UDP layers' (segments_of), one
        layer's, or a fragment's; returns the segments read (a fragment's: its datagram's,
        once complete). The primary one (the first TCP, else the first UDP) fills the
        arrays; the others of a packet that has several go to `others`."""
        i = len(self.ids)
        facts = 0
        if isinstance(seg, Piece):
            seg, facts = self._fragment(i, seg), FRAGMENT
        segs = seg if isinstance(seg, list) else [] if seg is None else [seg]
        main = _primary(segs)
        rows = [self._conversation(s, i, facts if k == main else 0) for k, s in enumerate(segs)]
        v, facts, flags, number, rtt = rows[main] if rows else (-1, facts, 0, 0, NONE)
        if len(rows) > 1:
            self.others[i] = [(k, *row) for k, row in enumerate(rows) if k != main]
        if i in self.fragments:
            facts |= REASSEMBLED | (CONFLICT if self._last_conflict else 0)
        self.ids.append(v)
        self.facts.append(facts)
        self.analysis.append(flags)
        self.number.append(min(number, NONE))
        self.rtt_us.append(rtt)
        for s, row in zip(segs, rows, strict=True):
            if s.dns_id >= 0 and row[0] >= 0:
                self.dns_link(i, s.kind, row[0] >> 1, s.dns_id, s.dns_response, s.time_ns)
        return segs

    def _conversation(self, seg: Segment, i: int, facts: int) -> tuple[int, int, int, int, int]:
        """One transport layer's row: (stream << 1 | direction or -1, facts, analysis
        flags, number, rtt_us), its conversation tracked and analysed."""
        flags, number, rtt = 0, 0, NONE
        if seg.kind != 6:
            n, d = self.udp_tracker.see(seg)
            return (n << 1 | d, facts | UDP, 0, 0, NONE) if n >= 0 else (
                -1, facts | UDP | UNTRACKED, 0, 0, NONE)  # fmt: skip
        st, d = self.tcp_tracker.see(seg, i)
        if st is None:
            return -1, facts | UNTRACKED, 0, 0, NONE
        if seg.in_error:
            facts |= IN_ERROR
        elif self.analyse and not seg.short:
            handshake(st, seg.flags, seg.time_ns, i)
            r = analyse_segment(st, d, seg.seq, seg.ack, seg.flags, seg.seglen, seg.window,
                                seg.time_ns, seg.wscale, i)  # fmt: skip
            flags, number, rtt = packed(r)
        return st.number << 1 | d, facts, flags, number, rtt

    def primary(self, i: int) -> tuple[int, int, int, int, int, int]:
        """Packet i's row in the arrays, as `rows` gives it (occurrence -1)."""
        return (-1, self.ids[i], self.facts[i], self.analysis[i], self.number[i],
                self.rtt_us[i])  # fmt: skip

    def rows(self, i: int) -> list[tuple[int, int, int, int, int, int]]:
        """Packet i's conversations, one per transport layer in the packet's order:
        (occurrence, stream << 1 | direction or -1, facts, flags, number, rtt_us); the
        primary one's occurrence is -1 (the layer whose index segments_of does not give,
        e.g. a joined datagram's)."""
        primary = self.primary(i)
        others = self.others.get(i)
        if not others:
            return [primary]
        taken = {k for k, *_ in others}
        main = next(k for k in range(len(others) + 1) if k not in taken)
        return sorted(others + [(main, *primary[1:])])

    def dns_link(self, i: int, kind: int, stream: int, dns_id: int, response: bool,
                 time_ns: int) -> None:  # fmt: skip
        """Pair DNS answer i with the query of the same ID in the same conversation (the
        first one still unanswered: a repeated query waits behind it), as Wireshark does."""
        key = (kind, stream, dns_id)
        if not response:
            if len(self._dns_waiting) >= MAX_DNS_WAITING:
                self._dns_waiting.pop(next(iter(self._dns_waiting)))
            self._dns_waiting.setdefault(key, (i, time_ns))  # a repeat waits behind it
            return
        query = self._dns_waiting.pop(key, None)
        if query is None:
            return
        q, t = query
        self.dns_answer[q] = i
        self.facts[q] |= DNS_ANSWERED
        self.facts[i] |= DNS_ANSWER
        self.dns_query[i] = (q, time_ns - t)

    def _fragment(self, i: int, piece: Piece) -> Segment | None:
        """Hold a fragment; on the one that completes its datagram, that datagram's
        transport facts (and the other fragments learn where they were reassembled)."""
        d = self.defrag.add(i, piece)
        if d is None:
            return None
        self.fragments[i] = d.pieces
        for j, *_rest in d.pieces:
            if j != i and j < len(self.number):
                self.number[j] = i + 1
        self._last_conflict = d.conflict
        self._joined[i] = d.payload
        self._joined_bytes += len(d.payload)
        while self._joined_bytes > MAX_JOINED:
            self._joined_bytes -= len(self._joined.popitem(last=False)[1])
        return segment_from(d)

    def joined(self, i: int) -> bytes | None:
        """The payload of the datagram completed by packet i (None: not known)."""
        payload = self._joined.get(i)
        if payload is None and self.index is not None and i in self.fragments:
            d = rebuild(self.index, self.fragments[i])
            payload = d.payload if d is not None else None
        return payload

    @classmethod
    def build(cls, index: Any, progress: Callable[[int], None] | None = None,
              analyse: bool = True, conversation_limit: int = DEFAULT_CONVERSATION_LIMIT,
              chunk: int = 0) -> StreamTable:  # fmt: skip
        """The stream pass over every record of an index (indexed in full first): plain
        records read from fixed offsets a chunk at a time (columns.py) and walked by
        analysis.run, the rest decoded and added one by one.
        analyse=False numbers the conversations only. `chunk`: records per chunk, when
        `progress` must come more often than columns.CHUNK allows (the TUI's worker steps
        aside for keys between chunks)."""
        from .pdus import PduMap

        for table in cls.grown(index, analyse, conversation_limit, chunk):
            if progress is not None and len(table):
                progress(len(table))
        for st in table.tcp_tracker.streams:  # the analysis state: no packet follows
            st.flows = None
        table.pdus = PduMap(index, table)  # filled a stream at a time, as frames are shown
        return table

    @classmethod
    def grown(cls, index: Any, analyse: bool = True,
              conversation_limit: int = DEFAULT_CONVERSATION_LIMIT,
              chunk: int = 0) -> Iterator[StreamTable]:  # fmt: skip
        """The stream pass a chunk at a time: the one table, empty, then after each chunk.
        What annotate(pkt, table, later=False) adds to a record already in it is what the
        whole pass gives (it comes from that record and those before, as a capture read
        forwards), so a reader can annotate those while the rest is still to be read."""
        from .columns import CHUNK, chunks, slow

        index.index_all()
        table = cls(analyse, conversation_limit)
        table.index = index
        yield table
        for ch in chunks(index, 0, len(index), chunk or CHUNK):
            run(table, ch, lambda i: slow(index, i))
            yield table

    def frames(self, kind: str, stream: int, everywhere: bool = True) -> list[int]:
        """0-based record numbers of one stream's packets, in capture order. everywhere=False:
        only where it is the packet's own conversation (the arrays' one, not a tunnel's other
        transport layer) and no ICMP error quotes it -- the frames its PDUs come from.
        numpy over copies of the arrays (they may grow meanwhile) takes ~3 ms a million
        records; a walk in Python took ~250 ms (the TUI frames a stream while its user moves
        on)."""
        udp = UDP if kind == "udp" else 0
        ids = np.array(self.ids, dtype=np.int64)
        facts = np.array(self.facts, dtype=np.uint8)
        mask = NOT_OWN_TCP if not everywhere else UDP
        found = np.flatnonzero((ids >> 1 == stream) & (facts & mask == udp)).tolist()
        if not everywhere or not self.others:
            return found
        lo, hi = stream << 1, stream << 1 | 1
        inner = [i for i, rows in list(self.others.items())
                 if any((v == lo or v == hi) and f & UDP == udp for _k, v, f, *_r in rows)]  # fmt: skip
        return sorted(set(found + inner)) if inner else found


def _primary(segs: list[Segment]) -> int:
    """Which of a packet's transport layers fills the table's arrays: the first TCP (the one
    PDUs are put together on), else the first."""
    return next((k for k, s in enumerate(segs) if s.kind == 6), 0)


def annotate(pkt: Packet, table: StreamTable, later: bool = True) -> None:
    """Add the stream fields to a decoded packet (its number locates it in the table).
    later=False leaves out what only later packets tell (dns.response_in,
    ip.reassembled_in): the CLI prints as tshark's one pass does, the same whether the
    capture is a file or a stream read forwards."""
    i = pkt.number - 1
    if not 0 <= i < len(table):
        return
    v, facts = table.ids[i], table.facts[i]
    if not later:
        facts &= ~DNS_ANSWERED
    if facts & FRAGMENT:
        annotate_fragment(pkt, table, i, bool(facts & REASSEMBLED), later)
    if facts & (DNS_ANSWERED | DNS_ANSWER):
        _annotate_dns(pkt, table, i, facts)
    rows = table.rows(i)
    if len(rows) > 1:
        _annotate_layers(pkt, table, i, rows)
    else:
        _annotate_primary(pkt, table, i, rows[0])
    if v >= 0 and not facts & (UDP | IN_ERROR) and table.pdus is not None:
        table.pdus.annotate(pkt, i, later)


def _annotate_primary(pkt: Packet, table: StreamTable, i: int, row: tuple) -> None:
    """A packet with one transport layer (or a joined datagram's): its first of that kind."""
    _k, v, facts, *_rest = row
    layer = pkt.layer("udp" if facts & UDP else "tcp")
    if layer is None:
        return
    if facts & UNTRACKED:
        _untracked_note(layer, table, facts)
    numbers = None
    if v < 0 or facts & UDP:
        pass
    elif facts & FRAGMENT:  # the last fragment: the TCP header is the joined datagram's
        payload = table.joined(i)
        seg = None if payload is None else segment_from(Datagram(payload, [], proto=6))
        numbers = None if seg is None else (seg.seq, seg.ack, seg.flags, seg.seglen)
    else:  # the header the decoder unpacked, not the packet read again
        numbers = tcp_numbers(pkt, layer)
    _annotate_layer(layer, table, i, numbers, row)


def _annotate_layers(pkt: Packet, table: StreamTable, i: int, rows: list[tuple]) -> None:
    """A packet with several transport layers (a tunnel's): each layer its own fields."""
    segs = segments_of(pkt)
    if not isinstance(segs, list) or len(segs) != len(rows):  # decoded otherwise than in
        _annotate_primary(pkt, table, i, table.primary(i))  # the pass: the arrays' row only
        return
    for seg, row in zip(segs, rows, strict=True):
        layer = pkt.layers[seg.layer]
        if row[2] & UNTRACKED:
            _untracked_note(layer, table, row[2])
        _annotate_layer(layer, table, i, (seg.seq, seg.ack, seg.flags, seg.seglen), row)


def _annotate_layer(layer: Any, table: StreamTable, i: int,
                    numbers: tuple[int, int, int, int] | None, row: tuple) -> None:  # fmt: skip
    """One transport layer's stream fields from its row of the table (none untracked);
    numbers: a TCP layer's (_annotate_tcp)."""
    _k, v, facts, *_rest = row
    if v < 0:
        return
    if facts & UDP:
        _place(layer, UDP_STREAM, layer.pos, 0, v >> 1, "udp.checksum.status", 1)
    else:
        _annotate_tcp(layer, table, i, numbers, row)


def _untracked_note(layer: Any, table: StreamTable, facts: int) -> None:
    """A packet of a conversation past the limit: each of them says so (an expert note),
    as segments past the reassembly limit do."""
    kind = "udp" if facts & UDP else "tcp"
    limit = (table.udp_tracker if kind == "udp" else table.tcp_tracker).limit
    layer.issue("note", "sequence", f"{kind}.conversation.limit",
                f"not tracked: conversation limit reached ({limit:,} {kind.upper()} "
                "conversations)", layer.pos, 0)  # fmt: skip


def _annotate_dns(pkt: Packet, table: StreamTable, i: int, facts: int) -> None:
    layer = pkt.layer("dns") or pkt.layer("mdns")
    if layer is None:
        return
    if facts & DNS_ANSWERED:
        layer.add(DNS_RESPONSE_IN, layer.pos, 0, table.dns_answer[i] + 1)
    if facts & DNS_ANSWER:
        q, ns = table.dns_query[i]
        layer.add(DNS_RESPONSE_TO, layer.pos, 0, q + 1)
        layer.add(DNS_TIME, layer.pos, 0, ns / 1e9)


def _annotate_tcp(layer: Any, table: StreamTable, i: int,
                  numbers: tuple[int, int, int, int] | None, row: tuple) -> None:  # fmt: skip
    """A TCP layer's stream, relative numbers and analysis (row: StreamTable.rows';
    numbers: its raw seq, raw ack, flags and segment length, None: not known)."""
    _k, t, facts, flags, number, rtt_us = row
    st = table.tcp_tracker.streams[t >> 1]
    d = t & 1
    _place(layer, STREAM, layer.pos, 0, st.number, "tcp.dstport", 1)
    if numbers is None:
        return
    raw_seq, raw_ack, tcp_flags, seglen = numbers
    if facts & IN_ERROR:
        _place(layer, SEQ, layer.pos + 4, 4, raw_seq, "tcp.seq_raw", 0)
        _place(layer, ACK_REL, layer.pos + 8, 4, raw_ack, "tcp.ack_raw", 0)
        return
    base, rbase = st.base(d, i) or 0, st.base(1 - d, i)
    seq = (raw_seq - base) % SEQ_MOD
    _place(layer, SEQ, layer.pos + 4, 4, seq, "tcp.seq_raw", 0)
    nxt = seglen + (1 if tcp_flags & (SYN | FIN) else 0)  # one, even with both set
    _place(layer, NXTSEQ, layer.pos, 0, (seq + nxt) % SEQ_MOD, "tcp.seq_raw", 1)
    # Without the ACK flag the number means nothing: Wireshark shows it as it is.
    ack = (raw_ack - (rbase or 0)) % SEQ_MOD if tcp_flags & ACK else raw_ack
    _place(layer, ACK_REL, layer.pos + 8, 4, ack, "tcp.ack_raw", 0)
    _annotate_analysis(layer, st, i, flags, number, rtt_us)


def _place(layer: Any, spec: Any, pos: int, length: int, value: Any, anchor: str,
           after: int) -> None:  # fmt: skip
    """Add a field where Wireshark's tree has it: just before (after=0) or after (1) the
    field named `anchor` (at the end when the header was cut before it). Layer.place moves
    it there when the fields are built, so a packet nobody shows builds none."""
    layer.place(spec, pos, length, value, anchor, after)


def _annotate_analysis(layer: Any, st: TcpStream, i: int, flags: int, number: int,
                       rtt_us: int) -> None:  # fmt: skip
    """The SEQ/ACK analysis subtree and its expert issues (Wireshark's layout)."""
    dupnum = number if flags & DUPLICATE_ACK else 0
    in_flight = number - 1 if number and not dupnum else -1
    rtt = -1 if rtt_us == NONE else rtt_us * 1000
    if not (flags or rtt >= 0 or in_flight >= 0):
        return
    irtt = 0 <= st.rtt_from <= i
    top = layer.add(ANALYSIS, layer.pos, 0, "")
    if irtt:
        layer.child(top, INITIAL_RTT, layer.pos, 0, st.first_rtt_ns / 1e9)
    if rtt >= 0:
        layer.child(top, ACK_RTT, layer.pos, 0, rtt / 1e9)
    if in_flight >= 0:
        layer.child(top, BYTES_IN_FLIGHT, layer.pos, 0, in_flight)
    if flags:
        box = layer.child(top, ANALYSIS_FLAGS, layer.pos, 0, "")
        for bit, (name, severity) in FLAGS.items():
            if flags & bit:
                spec = spec_for(name)
                layer.child(box, spec, layer.pos, 0, "")
                layer.issue(severity, "sequence", name, spec.label, layer.pos, 0)
        if dupnum:
            layer.child(top, DUPACK_NUM, layer.pos, 0, dupnum)
