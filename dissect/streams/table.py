"""The stream pass: a second walk over a capture index, after the record index.

It keeps, per packet, the TCP and the UDP conversation (stream number << 1 | direction,
-1 for none) and a byte of facts, in arrays (9 bytes a packet), plus a small record per
conversation (its endpoints and base sequence numbers). From those, `annotate(pkt, table)`
adds to a decoded packet the fields Wireshark shows: tcp.stream, udp.stream and the
relative tcp.seq, tcp.ack and tcp.nxtseq (the raw ones stay tcp.seq_raw / tcp.ack_raw).

The pass runs only when something asks for stream fields (a filter naming them, -z follow,
the TUI's follow screen): the packet list and filters that name none never wait for it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from typing import Any

from ..engine import Packet, decode, spec_for
from .analysis import FLAGS, analyse
from .conversation import (
    ACK,
    FIN,
    SEQ_MOD,
    SYN,
    Segment,
    TcpStream,
    TcpTracker,
    UdpTracker,
    segment_of,
)

IN_ERROR = 0x01  # the packet's TCP header is one an ICMP error quotes: numbers stay raw

# Declared by tcp.py and udp.py (filter names exist before any stream pass ran).
STREAM, SEQ, NXTSEQ, ACK_REL = (spec_for(n) for n in ("tcp.stream", "tcp.seq", "tcp.nxtseq",
                                                      "tcp.ack"))  # fmt: skip
UDP_STREAM = spec_for("udp.stream")
ANALYSIS, ANALYSIS_FLAGS, DUPACK_NUM, ACK_RTT, BYTES_IN_FLIGHT, INITIAL_RTT = (
    spec_for(n) for n in ("tcp.analysis", "tcp.analysis.flags", "tcp.analysis.duplicate_ack_num",
                          "tcp.analysis.ack_rtt", "tcp.analysis.bytes_in_flight",
                          "tcp.analysis.initial_rtt"))  # fmt: skip
STREAM_FIELDS = frozenset(s.name for s in (STREAM, UDP_STREAM, SEQ, NXTSEQ, ACK_REL))


def names_stream_fields(names: Iterable[str]) -> bool:
    """Whether any of these filter names needs the stream pass."""
    return any(n in STREAM_FIELDS or n.startswith("tcp.analysis") for n in names)


class StreamTable:
    """Per-packet stream facts of one capture, filled in capture order by `add`."""

    def __init__(self) -> None:
        self.tcp = array("i")  # stream << 1 | direction, -1: no TCP
        self.udp = array("i")
        self.facts = array("B")
        self.analysis = array("H")  # TCP analysis flags (analysis.py)
        # Only for the packets that have them: (duplicate-ACK number, ACK RTT in ns or -1,
        # bytes in flight or -1)
        self.numbers: dict[int, tuple[int, int, int]] = {}
        self.tcp_tracker = TcpTracker()
        self.udp_tracker = UdpTracker()

    def __len__(self) -> int:
        return len(self.tcp)

    @property
    def tcp_streams(self) -> int:
        return len(self.tcp_tracker.streams)

    @property
    def udp_streams(self) -> int:
        return len(self.udp_tracker.firsts)

    def add(self, seg: Segment | None) -> None:
        """The next packet's transport facts (None: neither TCP nor UDP)."""
        i = len(self.tcp)
        t = u = -1
        facts = flags = 0
        if seg is not None and seg.kind == 6:
            st, d = self.tcp_tracker.see(seg, i)
            t = st.number << 1 | d
            facts = IN_ERROR if seg.in_error else 0
            if not seg.in_error:
                flags = self._analyse(st, d, seg, i)
        elif seg is not None:
            n, d = self.udp_tracker.see(seg)
            u = n << 1 | d
        self.tcp.append(t)
        self.udp.append(u)
        self.facts.append(facts)
        self.analysis.append(flags)

    def _analyse(self, st: TcpStream, d: int, seg: Segment, i: int) -> int:
        """Run the TCP analysis on the relative numbers; keep the flags and numbers."""
        _handshake(st, seg, i)
        seq = (seg.seq - (st.base(d, i) or 0)) % SEQ_MOD
        ack = (seg.ack - (st.base(1 - d, i) or 0)) % SEQ_MOD if seg.flags & ACK else 0
        fwd, rev = st.flows[d], st.flows[1 - d]
        r = analyse(fwd, rev, seq, ack, seg.flags, seg.seglen, seg.window, seg.time_ns,
                    st.first_rtt_ns, seg.wscale)  # fmt: skip
        if r.dupack_num or r.ack_rtt_ns >= 0 or r.bytes_in_flight >= 0:
            self.numbers[i] = (r.dupack_num, r.ack_rtt_ns, r.bytes_in_flight)
        return r.flags

    @classmethod
    def build(cls, index: Any, progress: Callable[[int], None] | None = None) -> StreamTable:
        """The stream pass over every record of an index (indexed in full first)."""
        index.index_all()
        table = cls()
        for i, row in enumerate(index.rows(0, len(index))):
            number, time_ns, _cap, wirelen, linktype, iface, data, _comment = row
            pkt = decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen,
                         interface=iface)  # fmt: skip
            table.add(segment_of(pkt))
            pkt.release()
            if progress is not None and i & 0xFFFF == 0:
                progress(i)
        return table

    def frames(self, kind: str, stream: int) -> list[int]:
        """0-based record numbers of one stream's packets, in capture order."""
        ids = self.tcp if kind == "tcp" else self.udp
        lo, hi = stream << 1, stream << 1 | 1
        return [i for i, v in enumerate(ids) if v == lo or v == hi]


def _handshake(st: TcpStream, seg: Segment, i: int) -> None:
    """The initial round trip: from the (latest) SYN to the first ACK without SYN that
    follows it, whichever side sends it (Wireshark's iRTT)."""
    if st.rtt_from >= 0:
        return
    if seg.flags & (SYN | ACK) == SYN:
        st.syn_ns = seg.time_ns
    elif seg.flags & (SYN | ACK) == ACK and st.syn_ns >= 0:
        st.first_rtt_ns, st.rtt_from = seg.time_ns - st.syn_ns, i


def annotate(pkt: Packet, table: StreamTable) -> None:
    """Add the stream fields to a decoded packet (its number locates it in the table)."""
    i = pkt.number - 1
    if not 0 <= i < len(table):
        return
    t, u = table.tcp[i], table.udp[i]
    if t >= 0:
        _annotate_tcp(pkt, table, i, t, table.facts[i])
    if u >= 0:
        layer = pkt.layer("udp")
        if layer is not None:
            layer.add(UDP_STREAM, layer.pos, 0, u >> 1)


def _annotate_tcp(pkt: Packet, table: StreamTable, i: int, t: int, facts: int) -> None:
    layer = pkt.layer("tcp")
    if layer is None:
        return
    st = table.tcp_tracker.streams[t >> 1]
    d = t & 1
    seg = segment_of(pkt)
    _place(layer, STREAM, layer.pos, 0, st.number, "tcp.dstport", 1)
    if seg is None:
        return
    if facts & IN_ERROR:
        _place(layer, SEQ, layer.pos + 4, 4, seg.seq, "tcp.seq_raw", 0)
        _place(layer, ACK_REL, layer.pos + 8, 4, seg.ack, "tcp.ack_raw", 0)
        return
    base, rbase = st.base(d, i) or 0, st.base(1 - d, i)
    seq = (seg.seq - base) % SEQ_MOD
    _place(layer, SEQ, layer.pos + 4, 4, seq, "tcp.seq_raw", 0)
    nxt = seg.seglen + (1 if seg.flags & (SYN | FIN) else 0)  # one, even with both set
    _place(layer, NXTSEQ, layer.pos, 0, (seq + nxt) % SEQ_MOD, "tcp.seq_raw", 1)
    # Without the ACK flag the number means nothing: Wireshark shows it as it is.
    ack = (seg.ack - (rbase or 0)) % SEQ_MOD if seg.flags & ACK else seg.ack
    _place(layer, ACK_REL, layer.pos + 8, 4, ack, "tcp.ack_raw", 0)
    _annotate_analysis(layer, table, st, i)


def _place(layer: Any, spec: Any, pos: int, length: int, value: Any, anchor: str,
           after: int) -> None:  # fmt: skip
    """Add a field where Wireshark's tree has it: just before (after=0) or after (1) the
    field named `anchor` (at the end when the header was cut before it)."""
    fields = layer.fields  # built now: the new field goes into its place in them
    f = layer.add(spec, pos, length, value)
    for k, other in enumerate(fields):
        if other.spec.name == anchor:
            fields.pop()
            fields.insert(k + after, f)
            return


def _annotate_analysis(layer: Any, table: StreamTable, st: TcpStream, i: int) -> None:
    """The SEQ/ACK analysis subtree and its expert issues (Wireshark's layout)."""
    flags = table.analysis[i]
    dupnum, rtt, in_flight = table.numbers.get(i, (0, -1, -1))
    # Wireshark shows the subtree, with the initial round trip, only for a packet the
    # analysis says something else about.
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
