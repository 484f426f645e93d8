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
    from ..fastfilter import CHUNK, Columns

    n = len(index)
    wanted = np.zeros(n, bool)
    wanted[shown if shown is not None else slice(None)] = True
    if table.flt is not None:  # the report's own filter (conv,tcp,FILTER)
        from .iostat import matching

        own = np.zeros(n, bool)
        own[matching(table.flt, index)] = True
        wanted &= own
    first = table.first_ns or 0
    for a in range(0, n, CHUNK):
        c = Columns(index, a, min(n, a + CHUNK), first)
        sel = wanted[a : a + c.n]
        got = record_ends(c, table.kind)
        plain = c.simple & sel if got is None else c.simple & sel & ~got[4]
        if got is None:
            plain = np.zeros(c.n, bool)
        slow = np.flatnonzero(sel & ~plain)
        events: list[tuple[int, Any]] = [(2 * int(i), None) for i in slow]
        if plain.any():
            events += table.vector_groups(c, got, plain)
        events.sort(key=lambda e: e[0])
        for i, group in events:
            if group is None:
                rec = index.record(a + i // 2)
                pkt: Packet = decode(rec.data, rec.linktype, number=rec.number,
                                     time_ns=rec.time_ns, wirelen=rec.wirelen,
                                     interface=rec.interface, comment=rec.comment,
                                     strict=strict)  # fmt: skip
                table.add(pkt)
                pkt.release()
            else:
                table.add_group(*group)
        c.release()
        last = np.flatnonzero(sel)
        if len(last):
            table.last_ns = index.time_ns(a + int(last[-1]))


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
    _u, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
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
    _u, first, inverse = np.unique(ends, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    g = len(first)
    sums = [np.bincount(inverse, weights=w, minlength=g).astype(np.int64).tolist()
            for w in (tx, wire * tx, 1 - tx, wire * (1 - tx))]  # fmt: skip
    return [(int(pos[f]), (akind, tuple(ends[f].tolist()), sums[0][k], sums[1][k], sums[2][k],
                           sums[3][k])) for k, f in enumerate(first)]  # fmt: skip
