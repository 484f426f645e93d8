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
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYN, ACK, FIN, RST = 0x002, 0x010, 0x001, 0x004
MOD = 1 << 32
HALF = 1 << 31
MAX_UNACKED = 1024  # segments remembered per direction for ack_rtt (oldest forgotten)

RETRANSMISSION = 0x0001
LOST_SEGMENT = 0x0002
ACK_LOST_SEGMENT = 0x0004
KEEP_ALIVE = 0x0008
DUPLICATE_ACK = 0x0010
ZERO_WINDOW = 0x0020
ZERO_WINDOW_PROBE = 0x0040
ZERO_WINDOW_PROBE_ACK = 0x0080
KEEP_ALIVE_ACK = 0x0100
OUT_OF_ORDER = 0x0200
FAST_RETRANSMISSION = 0x0400
WINDOW_UPDATE = 0x0800
WINDOW_FULL = 0x1000
SPURIOUS_RETRANSMISSION = 0x4000

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


def gt(a: int, b: int) -> bool:
    """a after b in sequence space."""
    return 0 < (a - b) % MOD < HALF


def lt(a: int, b: int) -> bool:
    return gt(b, a)


@dataclass(slots=True)
class Flow:
    """One direction's analysis state (relative sequence numbers; 0 = not seen yet)."""

    nextseq: int = 0  # one past the highest sequence number sent
    nextseq_ns: int = 0
    maxseqtobeacked: int = 0
    lastack: int = 0
    lastack_ns: int = 0
    window: int = -1  # the last window (scaled); -1 none yet
    scale: int = -2  # the SYN's window scale shift (-1: it had none; -2: no SYN seen)
    dupacks: int = 0
    flags: int = 0  # the last segment's analysis flags
    bif_valid: bool = True
    first: int = -1  # the first relative sequence number seen
    unacked: list[list[int]] = field(default_factory=list)  # [seq, nextseq, time_ns]


@dataclass(slots=True)
class Result:
    flags: int = 0
    dupack_num: int = 0
    ack_rtt_ns: int = -1
    bytes_in_flight: int = -1


def analyse(fwd: Flow, rev: Flow, seq: int, ack: int, flags: int, seglen: int, window: int,
            now: int, first_rtt_ns: int, wscale: int = -1) -> Result:  # fmt: skip
    """The analysis of one segment from `fwd` (relative seq/ack, raw window)."""
    r = Result()
    if flags & SYN:
        fwd.scale = wscale
    elif fwd.scale >= 0 and rev.scale >= 0:  # both SYNs offered it: windows are scaled
        window <<= fwd.scale
    _one_way(fwd, rev, seq, ack, flags, seglen, window, r)
    if not r.flags & DUPLICATE_ACK:
        fwd.dupacks = 0
    if rev.maxseqtobeacked and gt(ack, rev.maxseqtobeacked) and flags & ACK:
        r.flags |= ACK_LOST_SEGMENT
        rev.maxseqtobeacked = rev.nextseq
    if (seglen > 0 or flags & (SYN | FIN)) and fwd.nextseq and lt(seq, fwd.nextseq):
        if not r.flags & KEEP_ALIVE:
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
        in_flight = (top - (rev.lastack or fwd.first)) % MOD
        if r.flags & SPURIOUS_RETRANSMISSION:  # all acknowledged: tshark counts the segment
            in_flight = seglen
        if 0 < in_flight < 2_000_000_000:
            r.bytes_in_flight = in_flight
    fwd.flags = r.flags
    return r


def _one_way(fwd: Flow, rev: Flow, seq: int, ack: int, flags: int, seglen: int,
             window: int, r: Result) -> None:  # fmt: skip
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


def _retransmission(fwd: Flow, rev: Flow, seq: int, seglen: int, flags: int, now: int,
                    first_rtt_ns: int) -> int:  # fmt: skip
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


def _advance(fwd: Flow, seq: int, ack: int, flags: int, seglen: int, window: int, now: int,
             r: Result) -> None:  # fmt: skip
    nextseq = (seq + seglen + (1 if flags & (SYN | FIN) else 0)) % MOD
    probe = r.flags & ZERO_WINDOW_PROBE
    if seglen > 0 or flags & (SYN | FIN):  # a retransmission too: its ACK times it
        fwd.unacked.append([seq, nextseq, now])
        if len(fwd.unacked) > MAX_UNACKED:
            del fwd.unacked[0]
    if (not fwd.nextseq or gt(nextseq, fwd.nextseq)) and not probe:
        fwd.nextseq, fwd.nextseq_ns = nextseq, now
    if (not fwd.maxseqtobeacked or seq == fwd.maxseqtobeacked) and not probe:
        fwd.maxseqtobeacked = fwd.nextseq
    fwd.window = window
    if flags & ACK:
        fwd.lastack, fwd.lastack_ns = ack, now


def _acked(rev: Flow, ack: int, now: int) -> int:
    """Drop the other direction's segments this ACK covers; the round trip (ns) to the one
    it acknowledges exactly, or -1."""
    rtt = -1
    keep = []
    for seg in rev.unacked:
        if ack == seg[1]:
            if rtt < 0:  # the first copy sent: a retransmission's ACK times the original
                rtt = now - seg[2]
        elif gt(ack, seg[0]) and lt(ack, seg[1]):
            seg[0] = ack
            keep.append(seg)
        elif gt(seg[1], ack):
            keep.append(seg)
    rev.unacked = keep
    return rtt
