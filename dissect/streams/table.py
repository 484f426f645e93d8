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
from .conversation import ACK, FIN, SEQ_MOD, SYN, Segment, TcpTracker, UdpTracker, segment_of

IN_ERROR = 0x01  # the packet's TCP header is one an ICMP error quotes: numbers stay raw

# Declared by tcp.py and udp.py (filter names exist before any stream pass ran).
STREAM, SEQ, NXTSEQ, ACK_REL = (spec_for(n) for n in ("tcp.stream", "tcp.seq", "tcp.nxtseq",
                                                      "tcp.ack"))  # fmt: skip
UDP_STREAM = spec_for("udp.stream")
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
        facts = 0
        if seg is not None and seg.kind == 6:
            st, d = self.tcp_tracker.see(seg, i)
            t = st.number << 1 | d
            facts = IN_ERROR if seg.in_error else 0
        elif seg is not None:
            n, d = self.udp_tracker.see(seg)
            u = n << 1 | d
        self.tcp.append(t)
        self.udp.append(u)
        self.facts.append(facts)

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
    layer.add(STREAM, layer.pos, 0, st.number)
    if seg is None:
        return
    if facts & IN_ERROR:
        layer.add(SEQ, layer.pos + 4, 4, seg.seq)
        layer.add(ACK_REL, layer.pos + 8, 4, seg.ack)
        return
    base, rbase = st.base(d, i) or 0, st.base(1 - d, i)
    seq = (seg.seq - base) % SEQ_MOD
    layer.add(SEQ, layer.pos + 4, 4, seq)
    nxt = seg.seglen + (1 if seg.flags & (SYN | FIN) else 0)  # one, even with both set
    layer.add(NXTSEQ, layer.pos, 0, (seq + nxt) % SEQ_MOD)
    # Without the ACK flag the number means nothing: Wireshark shows it as it is.
    ack = (seg.ack - (rbase or 0)) % SEQ_MOD if seg.flags & ACK else seg.ack
    layer.add(ACK_REL, layer.pos + 8, 4, ack)
