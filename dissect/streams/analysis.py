"""TCP analysis: what each segment says about the connection, as Wireshark's SEQ/ACK analysis.

Run in capture order by the stream pass, on relative sequence numbers, one `Flow` per
direction. The checks and their order follow Wireshark's tcp_analyze_sequence_number()
(epan/dissectors/packet-tcp.c, its documented behaviour): zero-window probe, zero window,
previous segment not captured, keep-alive, window update, window full, keep-alive ACK,
duplicate ACK; then ACKed unseen segment; then for a segment that does not advance the
sequence space, fast retransmission, out-of-order, spurious retransmission or
retransmission. It also gives the round trip of an ACK (`ack_rtt`: the time since the
segment it acknowledges exactly), the bytes in flight after a data segment and the
connection's initial round trip (SYN to the ACK of the SYN-ACK).

Each packet's flags are one 16-bit word (`FLAGS` below); the few numbers a packet has
(duplicate-ACK count, ACK RTT, bytes in flight) are kept only for the packets that have them.

Below the analysis, the rest of the stream pass's per-packet work (conversation state, base
sequence numbers, the loop over a chunk of plain records). Compiled by Cython like the
engine (setup.py; dissect/_compiled.py lists it), with its C types declared here: this is
the part of the pass that runs once per packet. The source runs as it is where nothing is
compiled.
"""

from __future__ import annotations

from typing import Any

try:
    import cython
except ModuleNotFoundError:  # pure Python without Cython installed
    from .._compiled import cython

# C constants where compiled (not importable from Python then: FLAGS and BITS below are)
SYN = cython.declare(cython.longlong, 0x002)
ACK = cython.declare(cython.longlong, 0x010)
FIN = cython.declare(cython.longlong, 0x001)
RST = cython.declare(cython.longlong, 0x004)
MOD = cython.declare(cython.longlong, 1 << 32)
HALF = cython.declare(cython.longlong, 1 << 31)
MAX_UNACKED = cython.declare(cython.longlong, 1024)  # segments kept per direction for ack_rtt
SEQ_MOD = cython.declare(cython.longlong, 1 << 32)
NO_RTT = cython.declare(cython.longlong, 0xFFFFFFFF)  # table.py's NONE
UDP_FACT = cython.declare(cython.longlong, 0x02)  # table.py's UDP
UNTRACKED_FACT = cython.declare(cython.longlong, 0x80)  # table.py's UNTRACKED

RETRANSMISSION = cython.declare(cython.longlong, 0x0001)
LOST_SEGMENT = cython.declare(cython.longlong, 0x0002)
ACK_LOST_SEGMENT = cython.declare(cython.longlong, 0x0004)
KEEP_ALIVE = cython.declare(cython.longlong, 0x0008)
DUPLICATE_ACK = cython.declare(cython.longlong, 0x0010)
ZERO_WINDOW = cython.declare(cython.longlong, 0x0020)
ZERO_WINDOW_PROBE = cython.declare(cython.longlong, 0x0040)
ZERO_WINDOW_PROBE_ACK = cython.declare(cython.longlong, 0x0080)
KEEP_ALIVE_ACK = cython.declare(cython.longlong, 0x0100)
OUT_OF_ORDER = cython.declare(cython.longlong, 0x0200)
FAST_RETRANSMISSION = cython.declare(cython.longlong, 0x0400)
WINDOW_UPDATE = cython.declare(cython.longlong, 0x0800)
WINDOW_FULL = cython.declare(cython.longlong, 0x1000)
SPURIOUS_RETRANSMISSION = cython.declare(cython.longlong, 0x4000)

# flag -> (filter name, expert severity); the expert message is the field's label (tcp.py)
FLAGS = {
    RETRANSMISSION: ("tcp.analysis.retransmission", "note"),
    FAST_RETRANSMISSION: ("tcp.analysis.fast_retransmission", "note"),
    SPURIOUS_RETRANSMISSION: ("tcp.analysis.spurious_retransmission", "note"),
    OUT_OF_ORDER: ("tcp.analysis.out_of_order", "warn"),
    LOST_SEGMENT: ("tcp.analysis.lost_segment", "warn"),
    ACK_LOST_SEGMENT: ("tcp.analysis.ack_lost_segment", "warn"),
    DUPLICATE_ACK: ("tcp.analysis.duplicate_ack", "note"),
    ZERO_WINDOW: ("tcp.analysis.zero_window", "warn"),
    ZERO_WINDOW_PROBE: ("tcp.analysis.zero_window_probe", "note"),
    ZERO_WINDOW_PROBE_ACK: ("tcp.analysis.zero_window_probe_ack", "note"),
    WINDOW_FULL: ("tcp.analysis.window_full", "warn"),
    KEEP_ALIVE: ("tcp.analysis.keep_alive", "note"),
    KEEP_ALIVE_ACK: ("tcp.analysis.keep_alive_ack", "note"),
    WINDOW_UPDATE: ("tcp.analysis.window_update", "chat"),
}
BITS = {name: bit for bit, (name, _severity) in FLAGS.items()}  # filter name -> flag


@cython.cfunc
@cython.inline
@cython.locals(a=cython.longlong, b=cython.longlong, d=cython.longlong)
def gt(a, b) -> cython.bint:
    """a after b in sequence space."""
    d = (a - b) % MOD
    return 0 < d < HALF


@cython.cfunc
@cython.inline
@cython.locals(a=cython.longlong, b=cython.longlong)
def lt(a, b) -> cython.bint:
    return gt(b, a)


@cython.final
@cython.cclass
class _Sent:
    """A segment sent and not yet acknowledged (for ack_rtt): its sequence span and time."""

    seq = cython.declare(cython.longlong, visibility="public")
    nextseq = cython.declare(cython.longlong, visibility="public")
    time_ns = cython.declare(cython.longlong, visibility="public")

    def __init__(self, seq: int, nextseq: int, time_ns: int) -> None:
        self.seq, self.nextseq, self.time_ns = seq, nextseq, time_ns


@cython.final
@cython.cclass
class Flow:
    """One direction's analysis state (relative sequence numbers; 0 = not seen yet)."""

    nextseq = cython.declare(cython.longlong, visibility="public")  # one past the highest sent
    nextseq_ns = cython.declare(cython.longlong, visibility="public")
    maxseqtobeacked = cython.declare(cython.longlong, visibility="public")
    lastack = cython.declare(cython.longlong, visibility="public")
    lastack_ns = cython.declare(cython.longlong, visibility="public")
    window = cython.declare(cython.longlong, visibility="public")  # last (scaled); -1 none yet
    scale = cython.declare(cython.longlong, visibility="public")  # SYN's shift; -1 none, -2 no SYN
    dupacks = cython.declare(cython.longlong, visibility="public")
    flags = cython.declare(cython.longlong, visibility="public")  # the last segment's flags
    bif_valid = cython.declare(cython.bint, visibility="public")
    first = cython.declare(cython.longlong, visibility="public")  # first relative seq (-1: none)
    unacked = cython.declare(list, visibility="public")  # _Sent, oldest first (None: none)

    def __init__(self) -> None:
        self.nextseq = self.nextseq_ns = self.maxseqtobeacked = 0
        self.lastack = self.lastack_ns = self.dupacks = self.flags = 0
        self.window, self.scale, self.first = -1, -2, -1
        self.bif_valid = True
        self.unacked = None  # made on the first segment sent (a SYN-only flow: one)


@cython.final
@cython.cclass
class Result:
    flags = cython.declare(cython.longlong, visibility="public")
    dupack_num = cython.declare(cython.longlong, visibility="public")
    ack_rtt_ns = cython.declare(cython.longlong, visibility="public")
    bytes_in_flight = cython.declare(cython.longlong, visibility="public")

    def __init__(self) -> None:
        self.flags = self.dupack_num = 0
        self.ack_rtt_ns = self.bytes_in_flight = -1


@cython.ccall
@cython.locals(fwd=Flow, rev=Flow, seq=cython.longlong, ack=cython.longlong,
               flags=cython.longlong, seglen=cython.longlong, window=cython.longlong,
               now=cython.longlong, first_rtt_ns=cython.longlong, wscale=cython.longlong,
               r=Result, end=cython.longlong, top=cython.longlong, in_flight=cython.longlong)  # fmt: skip
def analyse(fwd, rev, seq, ack, flags, seglen, window, now, first_rtt_ns,
            wscale=-1) -> Result:  # fmt: skip
    """The analysis of one segment from `fwd` (relative seq/ack, raw window)."""
    r = Result()
    if flags & SYN:
        fwd.scale = wscale
    elif fwd.scale >= 0 and rev.scale >= 0:  # both SYNs offered it: windows are scaled
        window <<= fwd.scale
    _one_way(fwd, rev, seq, ack, flags, seglen, window, r)
    if ack != fwd.lastack:  # a segment with data but the same ACK keeps the count (tshark)
        fwd.dupacks = 0
    if rev.maxseqtobeacked and gt(ack, rev.maxseqtobeacked) and flags & ACK:
        r.flags |= ACK_LOST_SEGMENT
        rev.maxseqtobeacked = rev.nextseq
    if (seglen > 0 or flags & (SYN | FIN)) and fwd.nextseq and lt(seq, fwd.nextseq):
        # one byte back with more than one byte of data (after a zero-window probe, say)
        # adds data: tshark calls it none of these
        if not r.flags & KEEP_ALIVE and not (seglen > 1 and seq == (fwd.nextseq - 1) % MOD):
            r.flags |= _retransmission(fwd, rev, seq, seglen, flags, now, first_rtt_ns)
    _advance(fwd, seq, ack, flags, seglen, window, now, r)
    if flags & ACK:
        r.ack_rtt_ns = _acked(rev, ack, now)
        rev.bif_valid = True
    if fwd.first < 0:
        fwd.first = seq
    if seglen > 0 and fwd.bif_valid:
        # nothing acknowledged yet: counted from the first sequence number seen
        end = (seq + seglen) % MOD
        top = end if gt(end, fwd.nextseq) else fwd.nextseq  # a zero-window probe's byte too
        in_flight = (top - (rev.lastack if rev.lastack else fwd.first)) % MOD
        if r.flags & SPURIOUS_RETRANSMISSION:  # all acknowledged: tshark counts the segment
            in_flight = seglen
        if 0 < in_flight < 2_000_000_000:
            r.bytes_in_flight = in_flight
    fwd.flags = r.flags
    return r


@cython.cfunc
@cython.locals(fwd=Flow, rev=Flow, seq=cython.longlong, ack=cython.longlong,
               flags=cython.longlong, seglen=cython.longlong, window=cython.longlong,
               r=Result, plain=cython.bint, same=cython.bint)  # fmt: skip
def _one_way(fwd, rev, seq, ack, flags, seglen, window, r) -> cython.void:
    """The checks on this direction alone, in Wireshark's order; some end the chain."""
    plain = not flags & (SYN | FIN | RST)
    if seglen == 1 and seq == fwd.nextseq and rev.window == 0:
        r.flags |= ZERO_WINDOW_PROBE
        return
    if window == 0 and plain:
        r.flags |= ZERO_WINDOW
    if fwd.nextseq and gt(seq, fwd.nextseq) and not flags & RST:
        r.flags |= LOST_SEGMENT
        fwd.bif_valid = False
    if seglen <= 1 and seq == (fwd.nextseq - 1) % MOD and plain and fwd.nextseq:
        r.flags |= KEEP_ALIVE
    same = seq == fwd.nextseq and ack == fwd.lastack and plain and seglen == 0
    if same and window and window != fwd.window and fwd.window >= 0:
        r.flags |= WINDOW_UPDATE
    if seglen > 0 and plain and rev.window > 0 and rev.lastack:
        if (seq + seglen) % MOD == (rev.lastack + rev.window) % MOD:
            r.flags |= WINDOW_FULL
    if same and window == fwd.window and rev.flags & KEEP_ALIVE:
        r.flags |= KEEP_ALIVE_ACK
        return
    if same and window == fwd.window and rev.flags & ZERO_WINDOW_PROBE:
        r.flags |= ZERO_WINDOW_PROBE_ACK
        return
    if same and window and window == fwd.window:
        fwd.dupacks += 1
        r.flags |= DUPLICATE_ACK
        r.dupack_num = fwd.dupacks


@cython.cfunc
@cython.locals(fwd=Flow, rev=Flow, seq=cython.longlong, seglen=cython.longlong,
               flags=cython.longlong, now=cython.longlong, first_rtt_ns=cython.longlong,
               threshold=cython.longlong, end=cython.longlong)  # fmt: skip
def _retransmission(fwd, rev, seq, seglen, flags, now, first_rtt_ns) -> cython.longlong:
    """Which kind of segment this is that does not advance the sequence space."""
    if rev.dupacks >= 2 and rev.lastack == seq and now - rev.lastack_ns < 20_000_000:
        return FAST_RETRANSMISSION | RETRANSMISSION
    threshold = first_rtt_ns if first_rtt_ns > 0 else 3_000_000
    end = (seq + seglen + (1 if flags & (SYN | FIN) else 0)) % MOD
    if now - fwd.nextseq_ns < threshold and fwd.nextseq != end:
        return OUT_OF_ORDER
    if seglen > 0 and rev.lastack and not gt((seq + seglen) % MOD, rev.lastack):
        return SPURIOUS_RETRANSMISSION | RETRANSMISSION
    return RETRANSMISSION


@cython.cfunc
@cython.locals(fwd=Flow, seq=cython.longlong, ack=cython.longlong, flags=cython.longlong,
               seglen=cython.longlong, window=cython.longlong, now=cython.longlong, r=Result,
               nextseq=cython.longlong, probe=cython.bint)  # fmt: skip
def _advance(fwd, seq, ack, flags, seglen, window, now, r) -> cython.void:
    nextseq = (seq + seglen + (1 if flags & (SYN | FIN) else 0)) % MOD
    probe = r.flags & ZERO_WINDOW_PROBE
    if seglen > 0 or flags & (SYN | FIN):  # a retransmission too: its ACK times it
        if fwd.unacked is None:
            fwd.unacked = []
        fwd.unacked.append(_Sent(seq, nextseq, now))
        if len(fwd.unacked) > MAX_UNACKED:
            del fwd.unacked[0]
    if (not fwd.nextseq or gt(nextseq, fwd.nextseq)) and not probe:
        fwd.nextseq, fwd.nextseq_ns = nextseq, now
    if (not fwd.maxseqtobeacked or seq == fwd.maxseqtobeacked) and not probe:
        fwd.maxseqtobeacked = fwd.nextseq
    fwd.window = window
    if flags & ACK:
        fwd.lastack, fwd.lastack_ns = ack, now


@cython.cfunc
@cython.locals(rev=Flow, ack=cython.longlong, now=cython.longlong, rtt=cython.longlong,
               keep=list, sent=_Sent)  # fmt: skip
def _acked(rev, ack, now) -> cython.longlong:
    """Drop the other direction's segments this ACK covers; the round trip (ns) to the one
    it acknowledges exactly, or -1."""
    rtt = -1
    if not rev.unacked:
        return rtt
    keep = []
    for sent in rev.unacked:
        if ack == sent.nextseq:
            if rtt < 0:  # the first copy sent: a retransmission's ACK times the original
                rtt = now - sent.time_ns
        elif gt(ack, sent.seq) and lt(ack, sent.nextseq):
            sent.seq = ack
            keep.append(sent)
        elif gt(sent.nextseq, ack):
            keep.append(sent)
    rev.unacked = keep or None
    return rtt


# =============================================================================================
# The pass's per-packet work: one TCP conversation's state, its base sequence numbers, the
# initial round trip, the analysis of one segment on relative numbers, and the loop over a
# chunk of plain records (columns.py) that does all of it without building a Segment per
# packet. Records that are not plain go through StreamTable.add, which calls the same
# functions: one implementation, two feeds.
# =============================================================================================
@cython.final
@cython.cclass
class TcpStream:
    """One TCP conversation: its endpoints (direction 0 sends the first packet seen) and
    each direction's base sequence numbers, as steps (from packet index, base) in the order
    they were set: a SYN sets the base again. Nearly always one step a direction, kept in C
    fields (a half-open connection costs a few hundred bytes); a second SYN with another
    number in the same conversation is rare and goes in `later`."""

    number = cython.declare(cython.longlong, visibility="public")
    first = cython.declare(tuple, visibility="public")  # (address, port) of direction 0
    syn0 = cython.declare(cython.longlong, visibility="public")  # first SYN's seq (-1: none)
    syn1 = cython.declare(cython.longlong, visibility="public")
    from0 = cython.declare(cython.longlong, visibility="public")  # first step (-1: none)
    base0 = cython.declare(cython.longlong, visibility="public")
    from1 = cython.declare(cython.longlong, visibility="public")
    base1 = cython.declare(cython.longlong, visibility="public")
    later = cython.declare(object, visibility="public")  # None, or [(d, from, base), ...]
    flows = cython.declare(tuple, visibility="public")  # two Flow (None: not analysed)
    syn_ns = cython.declare(cython.longlong, visibility="public")  # latest SYN (-1: none)
    first_rtt_ns = cython.declare(cython.longlong, visibility="public")  # iRTT (0: unknown)
    rtt_from = cython.declare(cython.longlong, visibility="public")  # index it shows from

    def __init__(self, number: int, first: tuple) -> None:
        self.number, self.first, self.later = number, first, None
        self.syn0 = self.syn1 = self.from0 = self.base0 = self.from1 = self.base1 = -1
        self.flows = None  # made by the first analysis; dropped after a whole pass
        self.syn_ns, self.first_rtt_ns, self.rtt_from = -1, 0, -1

    def direction(self, src: Any, sport: int) -> int:
        return 0 if (src, sport) == self.first else 1

    def syn_seq(self, d: int) -> int | None:
        """Direction d's first SYN's sequence number (None: no SYN seen)."""
        seq = self.syn0 if d == 0 else self.syn1
        return None if seq < 0 else seq

    def base(self, d: int, i: int) -> int | None:
        """Direction d's base at packet index i (None: not known then)."""
        base = base_at(self, d, i)
        # int(): the pure pass keeps numpy integers read from a chunk, which JSON would
        # write as strings; the compiled pass's are C integers already.
        return None if base < 0 else int(base)


@cython.ccall
@cython.locals(st=TcpStream, d=cython.int, i=cython.longlong, k=cython.Py_ssize_t,
               step=tuple, later=list, start=cython.longlong)  # fmt: skip
def base_at(st, d, i) -> cython.longlong:
    """Direction d's base in force at packet index i (-1: none yet)."""
    if st.later is not None:
        later = st.later
        for k in range(len(later) - 1, -1, -1):
            step = later[k]
            if step[0] == d and step[1] <= i:
                return step[2]
    start = st.from0 if d == 0 else st.from1
    if 0 <= start <= i:
        return st.base0 if d == 0 else st.base1
    return -1


@cython.cfunc
@cython.locals(st=TcpStream, d=cython.int, k=cython.Py_ssize_t, step=tuple, later=list)
def _last_base(st, d) -> cython.longlong:
    """Direction d's latest base (-1: none)."""
    if st.later is not None:
        later = st.later
        for k in range(len(later) - 1, -1, -1):
            step = later[k]
            if step[0] == d:
                return step[2]
    return st.base0 if d == 0 else st.base1


@cython.cfunc
@cython.locals(st=TcpStream, d=cython.int, i=cython.longlong, base=cython.longlong)
def _add_base(st, d, i, base) -> cython.void:
    if (st.from0 if d == 0 else st.from1) < 0:
        if d == 0:
            st.from0, st.base0 = i, base
        else:
            st.from1, st.base1 = i, base
        return
    if st.later is None:
        st.later = []
    st.later.append((d, i, base))


@cython.ccall
@cython.locals(st=TcpStream, d=cython.int, flags=cython.longlong, seq=cython.longlong,
               ack=cython.longlong, i=cython.longlong, last=cython.longlong)  # fmt: skip
def set_base(st, d, flags, seq, ack, i) -> cython.void:
    """A SYN's sequence number is the base (set again by a SYN with another number);
    otherwise one before the first sequence number seen, or before the first
    acknowledgment of the other direction."""
    last = _last_base(st, d)
    if flags & SYN:
        if d == 0 and st.syn0 < 0:
            st.syn0 = seq
        elif d == 1 and st.syn1 < 0:
            st.syn1 = seq
        if last != seq:
            _add_base(st, d, i, seq)
    elif last < 0:
        _add_base(st, d, i, (seq - 1) % SEQ_MOD)
    if flags & ACK and (st.from1 if d == 0 else st.from0) < 0:
        _add_base(st, 1 - d, i, (ack - 1) % SEQ_MOD)


@cython.ccall
@cython.locals(st=TcpStream, flags=cython.longlong, now=cython.longlong, i=cython.longlong)
def handshake(st, flags, now, i) -> cython.void:
    """The initial round trip: from the (latest) SYN to the first ACK without SYN that
    follows it, whichever side sends it (Wireshark's iRTT)."""
    if st.rtt_from >= 0:
        return
    if flags & (SYN | ACK) == SYN:
        st.syn_ns = now
    elif flags & (SYN | ACK) == ACK and st.syn_ns >= 0:
        st.first_rtt_ns, st.rtt_from = now - st.syn_ns, i


@cython.ccall
@cython.locals(st=TcpStream, d=cython.int, seq=cython.longlong, ack=cython.longlong,
               flags=cython.longlong, seglen=cython.longlong, window=cython.longlong,
               now=cython.longlong, wscale=cython.longlong, i=cython.longlong,
               base=cython.longlong, rel=cython.longlong, rack=cython.longlong)  # fmt: skip
def analyse_segment(st, d, seq, ack, flags, seglen, window, now, wscale, i) -> Result:
    """Run the TCP analysis of packet i on its raw numbers, as tshark does (a SYN-ACK with
    another initial number moves the base, not the analysis' state: what follows it is
    "previous segment not captured", not a retransmission)."""
    if st.flows is None:
        st.flows = (Flow(), Flow())
    return analyse(st.flows[d], st.flows[1 - d], seq, ack if flags & ACK else 0, flags, seglen,
                   window, now, st.first_rtt_ns, wscale)  # fmt: skip


@cython.ccall
@cython.locals(r=Result, rtt=cython.longlong, ns=cython.longlong)
def packed(r) -> tuple:
    """(flags, number, rtt_us) as the table keeps them: number is the duplicate-ACK count,
    else bytes in flight + 1 (0: none); rtt_us NO_RTT when there is none."""
    rtt, ns = NO_RTT, r.ack_rtt_ns
    if ns >= 0:
        rtt = min((ns + 500) // 1000, NO_RTT - 1)
    if r.dupack_num:
        return r.flags, r.dupack_num, rtt
    return r.flags, (r.bytes_in_flight + 1 if r.bytes_in_flight >= 0 else 0), rtt


# Chunk.cols rows (columns.py COLUMNS) and the rows run() writes (table.py's five arrays)
(PLAIN, NEITHER, KIND, PAIR, SRC_LOW, SEQ, ACK_NO, FLAGS_ROW, SEGLEN, WINDOW, TIME_NS, WSCALE,
 DNS_ID, DNS_QR) = range(14)  # fmt: skip
OUT_ROWS = 5  # ids, facts, analysis flags, number, rtt_us


@cython.locals(n=cython.Py_ssize_t, k=cython.Py_ssize_t, u=cython.Py_ssize_t,
               done=cython.Py_ssize_t, i=cython.longlong, d=cython.int, low=cython.bint,
               fl=cython.longlong, seq=cython.longlong, now=cython.longlong, st=TcpStream,
               v=cython.longlong, start=cython.longlong, analysing=cython.bint,
               c=cython.longlong[:, :], o=cython.longlong[:, :], r=Result, keys=list,
               ends=list, cur=list, first_low=list, udp_cur=list, dns=list, end=tuple,
               syn=cython.longlong)  # fmt: skip
def run(table: Any, ch: Any, slow: Any) -> None:
    """Add a chunk's records to the table in order: plain ones here, the others through
    table.add(slow(i)). Rows are written to a chunk-sized array and appended to the
    table's arrays before the slow path adds one and at the end; DNS links wait until
    then too (a link reads and marks rows already in the table)."""
    import numpy as np  # only the pass needs it

    c, keys, ends, start = ch.cols, ch.keys, ch.ends, ch.start
    n = c.shape[1]
    out = np.zeros((OUT_ROWS, n), np.int64)
    o = out
    cur = [None] * len(keys)  # the TcpStream each pair is in now (None: look it up)
    first_low = [False] * len(keys)  # ... and whether its direction 0 is `ends[u][0]`
    udp_cur = [-1] * len(keys)  # the UDP stream number of each pair (-1: look it up)
    dns = []  # DNS messages waiting to be linked: (index, kind, stream, id, answer, time)
    tracker, analysing, where, done = table.tcp_tracker, table.analyse, None, 0
    for k in range(n):
        i = start + k
        o[4, k] = NO_RTT
        if not c[PLAIN, k]:
            if c[NEITHER, k]:
                o[0, k] = -1
                continue
            _flush(table, out, done, k, dns)
            done = k + 1
            for seg in table.add(slow(i)):  # a new conversation, maybe: looked up again
                where = where or {key: x for x, key in enumerate(keys)}
                _forget(where, seg, cur, udp_cur)
            continue
        u, low = c[PAIR, k], c[SRC_LOW, k]
        end = ends[u]
        if c[KIND, k] == 17:
            if udp_cur[u] < 0:
                udp_cur[u], d = table.udp_tracker.see_key(keys[u], end[0] if low else end[1])
                first_low[u] = low == (d == 0)
            v = udp_cur[u]
            if v < 0:  # past the conversation limit
                o[0, k], o[1, k] = -1, UDP_FACT | UNTRACKED_FACT
                continue
            v = v << 1 | (0 if low == first_low[u] else 1)
            o[0, k], o[1, k] = v, UDP_FACT
        else:
            fl, seq, now = c[FLAGS_ROW, k], c[SEQ, k], c[TIME_NS, k]
            st = cur[u]
            if st is None:
                st = tracker.find(keys[u], end[0] if low else end[1])
                if st is None:  # past the conversation limit
                    o[0, k], o[1, k] = -1, UNTRACKED_FACT
                    continue
                cur[u], first_low[u] = st, st.first == end[0]
            d = 0 if low == first_low[u] else 1
            syn = st.syn0 if d == 0 else st.syn1
            if fl & (SYN | ACK) == SYN and syn >= 0 and syn != seq:
                st = tracker.new(keys[u], end[0] if low else end[1])  # port reuse
                cur[u], first_low[u], d = st, low, 0
                if st is None:
                    o[0, k], o[1, k] = -1, UNTRACKED_FACT
                    continue
            set_base(st, d, fl, seq, c[ACK_NO, k], i)
            v = st.number << 1 | d
            o[0, k] = v
            if analysing:
                handshake(st, fl, now, i)
                r = analyse_segment(st, d, seq, c[ACK_NO, k], fl, c[SEGLEN, k], c[WINDOW, k],
                                    now, c[WSCALE, k], i)  # fmt: skip
                o[2, k], o[3, k], o[4, k] = packed(r)
        if c[DNS_ID, k] >= 0:
            dns.append((i, c[KIND, k], v >> 1, c[DNS_ID, k], c[DNS_QR, k] != 0, c[TIME_NS, k]))
    _flush(table, out, done, n, dns)


_TYPES = ("i", "B", "H", "I", "I")  # the table's arrays' item types, in OUT_ROWS order


def _flush(table: Any, out: Any, lo: int, hi: int, dns: list) -> None:
    """Append rows lo..hi-1 to the table's arrays, then link the DNS messages among them."""
    if hi > lo:
        arrays = (table.ids, table.facts, table.analysis, table.number, table.rtt_us)
        for target, row, code in zip(arrays, out, _TYPES, strict=True):
            target.frombytes(row[lo:hi].astype(_NUMPY[code]).tobytes())
    for message in dns:
        table.dns_link(*message)
    del dns[:]


_NUMPY = {"i": "=i4", "B": "=u1", "H": "=u2", "I": "=u4"}  # the same, native order


def _forget(where: dict, seg: Any, cur: list, udp_cur: list) -> None:
    """After a record went through StreamTable.add: its pair's conversation is looked up
    again (it may have started a new one)."""
    a, b = (seg.src, seg.sport), (seg.dst, seg.dport)
    u = where.get((a, b) if a <= b else (b, a))
    if u is not None:
        cur[u], udp_cur[u] = None, -1
