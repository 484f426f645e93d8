"""Conversations and endpoints of plain records counted with numpy, chunk by chunk.

dissect/fastfilter.py knows, for every record whose stack is plain (Ethernet, IPv4 without
options or fragments, IPv6 without extension headers, TCP, UDP: each once, what the Bulk
declarations allow), where each fixed-header field lies; the decoder provably builds the
same layers there. So their addresses and ports are a few loads per chunk, grouped with
np.unique. Records that are not plain are decoded and added one by one, in file order with
the groups, so conversations appear in the order of their first packet as in the decoding
pass (tests/test_stats_tshark.py checks both give the same tables).
"""

from __future__ import annotations

import ipaddress
from typing import Any

import numpy as np

from ..engine import Packet, decode

ADDRESS_FIELDS = {"eth": ("eth.src", "eth.dst"), "ip": ("ip.src", "ip.dst"),
                  "ipv6": ("ipv6.src", "ipv6.dst")}  # fmt: skip


def _address_columns(c: Any, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(present, source columns, destination columns) as uint64 matrices (one column for
    MAC and IPv4, two for IPv6)."""
    from ..fastfilter import _field_values

    got_s, got_d = (_field_values(c, n) for n in ADDRESS_FIELDS[kind])
    if got_s is None or got_d is None:
        return None
    (present, s), (_, d) = got_s, got_d
    cols = (lambda v: np.stack(v, axis=1)) if kind == "ipv6" else (lambda v: v[:, None])
    return present, cols(s), cols(d)


def record_ends(c: Any, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, Any] | None:
    """(present mask, source key matrix, destination key matrix, address kind, records to
    decode instead: IPv4 in IPv6 or back, where the inner IP counts): an end's key
    is its address columns then its port (0 for eth/ip/ipv6); for TCP and UDP over IPv4
    the IPv4 address, over IPv6 the IPv6 one (an IPv4 record's second column is zero)."""
    from ..fastfilter import _field_values

    if kind in ADDRESS_FIELDS:
        got = _address_columns(c, kind)
        if got is None:
            return None
        present, s, d = got
        zero = np.zeros((c.n, 1), np.uint64)
        return present, np.hstack([s, zero]), np.hstack([d, zero]), kind, np.zeros(c.n, bool)
    ports = [_field_values(c, f"{kind}.{w}port") for w in ("src", "dst")]
    v4, v6 = _address_columns(c, "ip"), _address_columns(c, "ipv6")
    if None in ports or v4 is None or v6 is None:
        return None
    (present, sp), (_, dp) = ports  # type: ignore[misc]
    zero = np.zeros((c.n, 1), np.uint64)
    s = np.where(v6[0][:, None], v6[1], np.hstack([v4[1], zero]))
    d = np.where(v6[0][:, None], v6[2], np.hstack([v4[2], zero]))
    family = np.where(v6[0], 6, 4).astype(np.uint64)[:, None]
    s, d = np.hstack([family, s]), np.hstack([family, d])
    tunnelled = present & v4[0] & v6[0]
    return present, np.hstack([s, sp[:, None]]), np.hstack([d, dp[:, None]]), "port", tunnelled


def address_text(kind: str, key: tuple[int, ...]) -> tuple[str, int]:
    """(address text, port) of one end's key, as the decoder's values print."""
    if kind == "eth":
        return ":".join(f"{b:02x}" for b in int(key[0]).to_bytes(6, "big")), 0
    if kind == "ip":
        return str(ipaddress.IPv4Address(int(key[0]))), 0
    if kind == "ipv6":
        return str(ipaddress.IPv6Address((int(key[0]) << 64) | int(key[1]))), 0
    family, hi, lo, port = (int(x) for x in key)
    addr = ipaddress.IPv6Address((hi << 64) | lo) if family == 6 else ipaddress.IPv4Address(hi)
    return str(addr), port


def count_from_index(table: Any, index: Any, shown: np.ndarray | None, strict: bool) -> None:
    """Feed a Conversations or Endpoints table every shown record of the index."""
    count_tables([table], index, shown, strict)


def count_tables(tables: list[Any], index: Any, shown: np.ndarray | None, strict: bool,
                 cancelled: Any = None) -> None:  # fmt: skip
    """Feed several Conversations and Endpoints tables every shown record of the index in
    one walk: each chunk's columns are read once for all of them. `cancelled()` true
    stops between chunks."""
    from ..fastfilter import CHUNK, Columns

    if not tables:
        return
    n = len(index)
    wanted = np.zeros(n, bool)
    wanted[shown if shown is not None else slice(None)] = True
    own = [_own_filter(t, index, wanted) for t in tables]
    first = tables[0].first_ns or 0
    for a in range(0, n, CHUNK):
        if cancelled is not None and cancelled():
            return
        c = Columns(index, a, min(n, a + CHUNK), first)
        for table, chosen in zip(tables, own, strict=True):
            _count_chunk(table, c, index, a, chosen[a : a + c.n], strict)
        c.release()


def _own_filter(table: Any, index: Any, wanted: np.ndarray) -> np.ndarray:
    """The records a table counts: those shown that its own filter (conv,tcp,FILTER) takes."""
    if table.flt is None:
        return wanted
    from .iostat import matching

    own = np.zeros(len(wanted), bool)
    own[matching(table.flt, index)] = True
    return wanted & own


def _count_chunk(table: Any, c: Any, index: Any, a: int, sel: np.ndarray, strict: bool) -> None:
    got = record_ends(c, table.kind)
    plain = c.simple & sel if got is None else c.simple & sel & ~got[4]
    if got is None:
        plain = np.zeros(c.n, bool)
    slow = np.flatnonzero(sel & ~plain)

    def decode_at(i: int) -> None:
        rec = index.record(a + i)
        pkt: Packet = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                             wirelen=rec.wirelen, interface=rec.interface, comment=rec.comment,
                             strict=strict)  # fmt: skip
        table.add(pkt)
        pkt.release()

    if getattr(table, "streams", None) is not None and got is not None:
        stream_chunk(table, c, got, plain, slow, decode_at)
    else:
        events: list[tuple[int, Any]] = [(2 * int(i), None) for i in slow]
        if plain.any():
            events += table.vector_groups(c, got, plain)
        events.sort(key=lambda e: e[0])
        for i, group in events:
            if group is None:
                decode_at(i // 2)
            else:
                table.add_group(*group)
    _last(table, index, a, sel)


def _last(table: Any, index: Any, a: int, sel: np.ndarray) -> None:
    last = np.flatnonzero(sel)
    if len(last):
        table.last_ns = index.time_ns(a + int(last[-1]))


MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd constant: multiplying by it mixes the bits


def unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct row, each row's group), groups in the order
    np.unique(keys, axis=0) gives them. Rows are hashed to one 64-bit word and those are
    grouped (a sort of plain integers, several times faster than sorting rows); should two
    distinct rows share a hash, the rows themselves are grouped instead."""
    h = np.zeros(len(keys), np.uint64)
    with np.errstate(over="ignore"):
        for k in range(keys.shape[1]):
            h = (h ^ keys[:, k].astype(np.uint64)) * MIX
            h ^= h >> np.uint64(29)
    _u, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.array_equal(keys, keys[first][inverse]):  # a collision: exact grouping
        _u, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    return first, inverse


def _less(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise x < y, the first column most significant."""
    less = np.zeros(len(x), bool)
    for k in range(x.shape[1] - 1, -1, -1):
        less = (x[:, k] < y[:, k]) | ((x[:, k] == y[:, k]) & less)
    return less


def conversation_groups(c: Any, got: Any, plain: np.ndarray) -> list[tuple[int, Any]]:
    """(2 * first row, group) per conversation among the plain rows of a chunk; a group is
    (key kind, A's key, B's key, frames and bytes A->B and B->A, first and last time)."""
    present, s_all, d_all, akind, _tunnelled = got
    rows = np.flatnonzero(plain & present)
    if not len(rows):
        return []
    s, d = s_all[rows], d_all[rows]
    swap = _less(d, s)[:, None]
    keys = np.hstack([np.where(swap, d, s), np.where(swap, s, d)])
    first, inverse = unique_rows(keys)
    g = len(first)
    ab = np.all(s == s[first][inverse], axis=1)
    wire = c.wire[rows].astype(np.float64)
    last = np.zeros(g, np.int64)
    np.maximum.at(last, inverse, np.arange(len(rows)))
    sums = [np.bincount(inverse, weights=w, minlength=g).astype(np.int64).tolist()
            for w in (ab.astype(np.float64), wire * ab, (~ab).astype(np.float64), wire * ~ab)]  # fmt: skip

    def time_ns(row: int) -> int:  # the index's time (clamped as the decoding pass sees it)
        return c.index.time_ns(c.start + int(row))

    out = []
    for k in range(g):
        f = first[k]
        group = (akind, tuple(s[f].tolist()), tuple(d[f].tolist()), sums[0][k], sums[1][k],
                 sums[2][k], sums[3][k], time_ns(rows[f]), time_ns(rows[last[k]]),
                 c.start + int(rows[last[k]]) + 1)  # fmt: skip
        out.append((2 * int(rows[f]), group))
    return out


def endpoint_groups(c: Any, got: Any, plain: np.ndarray) -> list[tuple[int, Any]]:
    """(2 * row + side, group) per end among the plain rows of a chunk; a group is (key
    kind, key, tx frames, tx bytes, rx frames, rx bytes)."""
    present, s_all, d_all, akind, _tunnelled = got
    rows = np.flatnonzero(plain & present)
    if not len(rows):
        return []
    ends = np.vstack([s_all[rows], d_all[rows]])
    pos = np.concatenate([2 * rows, 2 * rows + 1])
    tx = np.concatenate([np.ones(len(rows)), np.zeros(len(rows))])
    wire = np.concatenate([c.wire[rows], c.wire[rows]]).astype(np.float64)
    order = np.argsort(pos, kind="stable")
    ends, pos, tx, wire = ends[order], pos[order], tx[order], wire[order]
    first, inverse = unique_rows(ends)
    g = len(first)
    sums = [np.bincount(inverse, weights=w, minlength=g).astype(np.int64).tolist()
            for w in (tx, wire * tx, 1 - tx, wire * (1 - tx))]  # fmt: skip
    return [(int(pos[f]), (akind, tuple(ends[f].tolist()), sums[0][k], sums[1][k], sums[2][k],
                           sums[3][k])) for k, f in enumerate(first)]  # fmt: skip


# -- TCP and UDP conversations: one per tcp.stream / udp.stream --------------------------
SYN, ACK = 0x002, 0x010
TEXT_CACHE = 1 << 16  # address texts kept per table (cleared when full)


def stream_chunk(table: Any, c: Any, got: Any, plain: np.ndarray, slow: np.ndarray,
                 decode_at: Any) -> None:  # fmt: skip
    """Count one chunk into a TCP or UDP Conversations table. Only the packets that can
    start a stream (a pair's first in the chunk; a SYN unlike the last one its side sent)
    and the records that are not plain (decoded: `decode_at(i)`) go one by one through the
    table's stream numbering, in file order; every other plain packet takes the stream of
    the last of those on its pair, and is counted with numpy."""
    present, s_all, d_all, akind, _tunnelled = got
    rows = np.flatnonzero(plain & present)
    if not len(rows):
        for i in slow.tolist():
            decode_at(i)
        return
    s, d = s_all[rows], d_all[rows]
    swap = _less(d, s)
    pair = np.hstack([np.where(swap[:, None], d, s), np.where(swap[:, None], s, d)])
    first, kid = unique_rows(pair)
    flags, seq = _tcp_words(c, rows, table.streams.tcp)
    event = _starts(kid, swap, flags, seq)
    event[first] = True
    ev = np.flatnonzero(event)
    ev_stream, ev_first_lo = _see_events(table, c, rows[ev], s[ev], d[ev], swap[ev],
                                         flags[ev], seq[ev], slow, akind, decode_at)  # fmt: skip
    # every plain row: the last event of its pair at or before it
    span = len(rows) + 1
    ev_key = kid[ev] * span + ev  # increasing within a pair
    order = np.argsort(ev_key, kind="stable")
    at = np.searchsorted(ev_key[order], kid * span + np.arange(len(rows)), side="right") - 1
    e = order[at]
    stream, first_lo = ev_stream[e], ev_first_lo[e]
    counted = stream >= 0
    table.dropped += int((~counted & ~event).sum())
    _add_stream_groups(
        table, c, rows[counted], stream[counted], ~swap[counted] == first_lo[counted]
    )


def _tcp_words(c: Any, rows: np.ndarray, tcp: bool) -> tuple[np.ndarray, np.ndarray]:
    """(flags, raw sequence number) of the rows' TCP headers (zeros for UDP)."""
    from ..fastfilter import _field_values

    if not tcp:
        zero = np.zeros(len(rows), np.int64)
        return zero, zero
    flags = _field_values(c, "tcp.flags")[1][rows].astype(np.int64)  # type: ignore[index]
    return flags, _field_values(c, "tcp.seq_raw")[1][rows].astype(np.int64)  # type: ignore[index]


def _starts(kid: np.ndarray, swap: np.ndarray, flags: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The SYNs that may start a stream or set its initial sequence number. A SYN the same
    side of the pair sent already (same flags, same number) leaves the numbering as it was
    unless a stream began between the two; only a SYN without ACK unlike the last one its
    side sent can begin one (the earliest that did would otherwise repeat a SYN whose
    number its side already has, with no stream begun since). So a SYN is an event unless
    it repeats the last one of its side with no such SYN of the pair between."""
    syn = np.flatnonzero(flags & SYN)
    event = np.zeros(len(kid), bool)
    if not len(syn):
        return event
    order = syn[np.lexsort((syn, swap[syn], kid[syn]))]  # by pair, side, position
    same_side = (kid[order][1:] == kid[order][:-1]) & (swap[order][1:] == swap[order][:-1])
    same = same_side & (flags[order][1:] & (SYN | ACK) == flags[order][:-1] & (SYN | ACK))
    same &= seq[order][1:] == seq[order][:-1]
    repeat = np.r_[False, same]  # per row of `order`: repeats its side's last SYN
    new = np.zeros(len(kid), np.int64)  # SYNs without ACK that may begin a stream
    new[order] = ((flags[order] & (SYN | ACK)) == SYN) & ~repeat
    by_pair = np.lexsort((np.arange(len(kid)), kid))  # rows by pair, then position
    cum = np.cumsum(new[by_pair]) - new[by_pair]
    starts = np.r_[0, np.flatnonzero(np.diff(kid[by_pair])) + 1]
    cum -= np.repeat(cum[starts], np.diff(np.r_[starts, len(kid)]))
    before = np.empty(len(kid), np.int64)  # such SYNs of the pair before each row
    before[by_pair] = cum
    quiet = before[order][1:] - before[order][:-1] - new[order][:-1] == 0
    event[order[0]] = True
    event[order[1:]] = ~(same & quiet)
    return event


def _see_events(table: Any, c: Any, pos: np.ndarray, s: np.ndarray, d: np.ndarray,
                swap: np.ndarray, flags: np.ndarray, seq: np.ndarray, slow: np.ndarray,
                akind: str, decode_at: Any) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Run the events and the decoded records through the table in file order: (stream
    of each event, -1 when dropped; whether its stream's side A is the pair's lower end)."""
    texts: dict[tuple, tuple[str, int]] = table.__dict__.setdefault("_texts", {})
    if len(texts) >= TEXT_CACHE:
        texts.clear()
    ev_stream = np.full(len(pos), -1, np.int64)
    ev_first_lo = np.zeros(len(pos), bool)
    todo = sorted([(int(p), k) for k, p in enumerate(pos.tolist())] + [(int(i), -1) for i in slow])
    sl, dl = s.tolist(), d.tolist()
    times = c.times_ns()
    for p, k in todo:
        if k < 0:
            decode_at(p)
            continue
        sk, dk = tuple(sl[k]), tuple(dl[k])
        src = texts.get(sk) or texts.setdefault(sk, address_text(akind, sk))
        dst = texts.get(dk) or texts.setdefault(dk, address_text(akind, dk))
        t = int(times[p])
        conv = table.conversation(src[0], dst[0], src[1], dst[1], int(flags[k]), int(seq[k]), t,
                                  c.start + p + 1)  # fmt: skip
        if conv is not None:
            ev_stream[k] = conv.stream
            from_src = (src[0], src[1]) == (conv.a, conv.pa)
            ev_first_lo[k] = (not swap[k]) if from_src else bool(swap[k])
    return ev_stream, ev_first_lo


def _add_stream_groups(table: Any, c: Any, rows: np.ndarray, stream: np.ndarray,
                       ab: np.ndarray) -> None:  # fmt: skip
    """Add the counted rows to their conversations, a stream at a time."""
    if not len(rows):
        return
    ids, inverse = np.unique(stream, return_inverse=True)
    inverse = inverse.reshape(-1)
    g = len(ids)
    wire = c.wire[rows].astype(np.float64)
    last = np.zeros(g, np.int64)
    np.maximum.at(last, inverse, np.arange(len(rows)))
    sums = [np.bincount(inverse, weights=w, minlength=g).astype(np.int64).tolist()
            for w in (ab.astype(np.float64), wire * ab, (~ab).astype(np.float64), wire * ~ab)]  # fmt: skip
    for k, n in enumerate(ids.tolist()):
        conv = table.items[n]
        conv.ab_frames += sums[0][k]
        conv.ab_bytes += sums[1][k]
        conv.ba_frames += sums[2][k]
        conv.ba_bytes += sums[3][k]
        end_at = c.start + int(rows[last[k]]) + 1
        if end_at >= conv.end_at:
            conv.end_ns, conv.end_at = c.index.time_ns(end_at - 1), end_at
