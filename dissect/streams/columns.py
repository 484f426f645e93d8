"""The stream pass's fast path: transport facts read for a whole chunk of records at once.

dissect/fastfilter.py's Columns find, with numpy over the file's bytes, the records whose
stack is plain (every layer a plain one of a protocol with a Bulk declaration: Ethernet,
IPv4 without options or fragments, IPv6 without extension headers, TCP, UDP) and where each
layer starts. For those the decoder provably builds the layers at those offsets, so the
ports, sequence numbers, flags, window, a SYN's window scale option and the lengths are
read here from fixed offsets, and only the other records (tunnels, fragments, ICMP errors)
are decoded one by one (`slow`).

Conversations are found per chunk too: each record's endpoint pair, as two integers, is
made unique with numpy, and only each distinct pair gets the decoder's address texts and
its tracker key (conversation.py keys conversations by those texts, so a conversation is
one key whichever path saw it). analysis.run then walks the chunk once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import decode, ipv4_str, ipv6_str
from ..fastfilter import CHUNK, SPAN_BYTES, Columns
from .conversation import SYN, Segment, segments_of
from .defrag import Piece

ADDRESS_CACHE = 1 << 16  # address texts kept (cleared when full)
V6 = 1 << 33  # an IPv6 address's number in an endpoint: V6 + its index in the chunk
MAX_OPTION_STEPS = 40  # a TCP header holds at most 40 bytes of options


# The rows of Chunk.cols, record k in column k (all int64: one typed view in analysis.run)
COLUMNS = ("plain", "neither", "kind", "pair", "src_low", "seq", "ack", "flags", "seglen",
           "window", "time_ns", "wscale", "dns_id", "dns_qr")  # fmt: skip
(PLAIN, NEITHER, KIND, PAIR, SRC_LOW, SEQ, ACK, FLAGS, SEGLEN, WINDOW, TIME_NS, WSCALE, DNS_ID,
 DNS_QR) = range(len(COLUMNS))  # fmt: skip


@dataclass(slots=True)
class Chunk:
    """One chunk's facts. cols[PLAIN]: read here (else decoded by `slow`, unless
    cols[NEITHER]: a plain record that is neither TCP nor UDP); cols[PAIR]: the index of
    the record's endpoint pair in `keys`; cols[SRC_LOW]: its source is the pair's first
    endpoint; cols[DNS_ID]: the DNS message's ID (-1: none), cols[DNS_QR] its QR bit."""

    start: int
    cols: np.ndarray  # int64, len(COLUMNS) x records
    keys: list[tuple]  # per pair: the tracker's key (both endpoints, ordered)
    ends: list[tuple]  # per pair: (first endpoint, second endpoint) as (address, port)


def chunks(index: Any, start: int, stop: int, size: int = CHUNK) -> Iterator[Chunk]:
    """The facts of records start..stop-1, `size` records at a time."""
    texts: dict[Any, str] = {}
    for a, b in index.spans(start, stop, SPAN_BYTES):
        for lo in range(a, b, size):
            c = Columns(index, lo, min(b, lo + size), 0)
            if not c.n:
                continue
            try:
                yield _facts(c, texts)
            finally:
                c.release()


def slow(index: Any, i: int) -> Piece | list[Segment]:
    """Record i's facts by decoding it (what is not plain): each transport layer's."""
    rec = index.record(i)
    pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                 wirelen=rec.wirelen, interface=rec.interface)  # fmt: skip
    segs = segments_of(pkt)
    pkt.release()
    return segs


def _text(address: Any, texts: dict[Any, str]) -> str:
    """The decoder's text of an address read as an int (IPv4) or a pair of ints (IPv6)."""
    text = texts.get(address)
    if text is None:
        if len(texts) >= ADDRESS_CACHE:
            texts.clear()
        if isinstance(address, tuple):
            raw = address[0].to_bytes(8, "big") + address[1].to_bytes(8, "big")
            text = ipv6_str(raw)
        else:
            text = ipv4_str(address.to_bytes(4, "big"))
        texts[address] = text
    return text


def _facts(c: Columns, texts: dict[Any, str]) -> Chunk:
    simple = c.simple
    v4, v6 = c.present["ip"], c.present["ipv6"]
    tcp, udp = c.present["tcp"] & simple, c.present["udp"] & simple
    one_ip = v4 ^ v6
    tcp &= one_ip
    udp &= one_ip
    # plain records without TCP or UDP (ARP, ICMP that quotes nothing): nothing to decode
    neither = simple & ~c.present["tcp"] & ~c.present["udp"]
    ip = np.where(v4, c.base.get("ip", c.off), c.base.get("ipv6", c.off))
    l4 = np.where(tcp, c.base.get("tcp", c.off), c.base.get("udp", c.off))
    flags = np.where(tcp, c.at(l4, 12, 2) & np.uint64(0x0FFF), 0).astype(np.int64)
    hdr = ((c.at(l4, 12, 1) >> np.uint64(4)) * np.uint64(4)).astype(np.int64)
    total = np.where(v4, c.at(ip, 2, 2), c.at(ip, 4, 2) + np.uint64(40)).astype(np.int64)
    end = np.where(total > 0, ip + total, c.off + c.cap)  # 0: a TSO or jumbo datagram
    ok = (tcp & (end - l4 >= hdr) & (hdr >= 20)) | udp  # else a bogus header: decoded
    seglen = np.maximum(end - l4 - hdr, 0)
    sport, dport = c.at(l4, 0, 2).astype(np.int64), c.at(l4, 2, 2).astype(np.int64)
    pair, src_low, keys, ends = _pairs(c, ok, tcp, v6, ip, sport, dport, texts)
    dns_id, dns_qr = _dns(c, tcp, udp, l4, hdr, seglen)
    syn = tcp & ((flags & SYN) != 0)
    rows = (ok, neither, np.where(tcp, 6, 17), pair, src_low, c.at(l4, 4, 4), c.at(l4, 8, 4),
            flags, seglen, c.at(l4, 14, 2), c.times_ns(), _window_scale(c, syn, l4, hdr),
            dns_id, dns_qr)  # fmt: skip
    cols = np.empty((len(COLUMNS), c.n), np.int64)
    for k, row in enumerate(rows):
        cols[k] = row  # each converted on its own (stacking uint64 with int64 gives floats)
    return Chunk(c.start, cols, keys, ends)


def _pairs(c: Columns, ok: np.ndarray, tcp: np.ndarray, v6: np.ndarray, ip: np.ndarray,
           sport: np.ndarray, dport: np.ndarray,
           texts: dict[Any, str]) -> tuple[np.ndarray, np.ndarray, list, list]:  # fmt: skip
    """Each record's endpoint pair (an index into the chunk's distinct pairs), whether its
    source is the pair's first endpoint, and per pair the tracker key and endpoints."""
    src, dst = c.at(ip, 12, 4).astype(np.int64), c.at(ip, 16, 4).astype(np.int64)
    six: list[tuple[int, int]] = []
    if (v6 & ok).any():  # IPv6 addresses numbered per chunk: V6 + index in `six`
        halves = np.stack([c.at(ip, off, 8) for off in (8, 16, 24, 32)], 1)[v6 & ok]
        both = np.concatenate([halves[:, :2], halves[:, 2:]])
        uniq, inverse = np.unique(both, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        six = [tuple(x) for x in uniq.tolist()]
        m = len(halves)
        src[v6 & ok], dst[v6 & ok] = V6 + inverse[:m], V6 + inverse[m:]
    a = np.where(ok, (src << 16) | sport, -1)  # an endpoint as one integer
    b = np.where(ok, (dst << 16) | dport, -1)
    # Endpoints numbered in order (one sort of both columns), then each pair of numbers and
    # the transport as one integer (a second sort): two 1-D sorts of plain integers.
    points, numbers = _unique(np.concatenate([a, b]))
    na, nb = numbers[: len(a)], numbers[len(a) :]
    code = (np.minimum(na, nb) * len(points) + np.maximum(na, nb)) * 2 + tcp
    pairs, inverse = _unique(code)
    keys, ends = [], []
    first, second = (pairs >> 1) // len(points), (pairs >> 1) % len(points)
    for lo, hi in zip(points[first].tolist(), points[second].tolist(), strict=True):
        ea, eb = _endpoint(lo, six, texts), _endpoint(hi, six, texts)
        ends.append((ea, eb))
        keys.append((ea, eb) if ea <= eb else (eb, ea))
    return inverse, na <= nb, keys, ends


def _unique(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(x, return_inverse=True) with a stable sort (numpy's radix/timsort: about
    twice as fast as its default on these integers, which repeat in runs)."""
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    new = np.empty(len(x), bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(x), np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _endpoint(value: int, six: list[tuple[int, int]], texts: dict[Any, str]) -> tuple:
    if value < 0:
        return ("", -1)  # the pair of records neither TCP nor UDP: never used
    address, port = value >> 16, value & 0xFFFF
    if address >= V6:
        return (_text(six[address - V6], texts), port)
    return (_text(address, texts), port)


def _window_scale(c: Columns, syn: np.ndarray, l4: np.ndarray, hdr: np.ndarray) -> np.ndarray:
    """A SYN's window scale shift (RFC 7323 2.2; -1: none), capped at 14: the options
    walked for every SYN at once, as conversation.py's _window_scale walks one."""
    out = np.full(len(syn), -1, np.int64)
    rows = np.flatnonzero(syn & (hdr > 20))
    if not len(rows):
        return out
    pos = l4[rows] + 20
    stop = np.minimum(l4[rows] + hdr[rows], c.off[rows] + c.cap[rows])
    live = pos < stop
    for _step in range(MAX_OPTION_STEPS):  # each step advances at least one byte
        if not live.any():
            break
        kind = c.at(pos, 0, 1).astype(np.int64)
        size = c.at(pos, 1, 1).astype(np.int64)
        shift = c.at(pos, 2, 1).astype(np.int64)
        live &= kind != 0
        nop = live & (kind == 1)
        bad = live & ~nop & ((pos + 1 >= stop) | (size < 2))
        live &= ~bad
        found = live & ~nop & (kind == 3) & (size == 3) & (pos + 2 < stop)
        out[rows[found]] = np.minimum(shift[found], 14)
        live &= ~found
        c._words.pop(id(pos), None)  # the loads cached for this step's positions
        pos = np.where(nop, pos + 1, pos + np.where(live, size, 0))
        live &= pos < stop
    return out


def _dns(c: Columns, tcp: np.ndarray, udp: np.ndarray, l4: np.ndarray, hdr: np.ndarray,
         seglen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The ID and QR bit of a DNS or mDNS message on port 53 or 5353 (-1: none): over UDP
    the datagram's payload (the decoder reads it so: the ports are bound), over TCP a
    segment that holds exactly one message after its length prefix."""
    sport, dport = c.at(l4, 0, 2), c.at(l4, 2, 2)
    on53 = (sport == 53) | (dport == 53) | (sport == 5353) | (dport == 5353)
    ident, answer = np.full(len(l4), -1, np.int64), np.zeros(len(l4), bool)
    rows = np.flatnonzero(on53 & (tcp | udp))  # read only there: most records are not DNS
    if not len(rows):
        return ident, answer
    l4, hdr, seglen, tcp, udp = l4[rows], hdr[rows], seglen[rows], tcp[rows], udp[rows]
    room = c.off[rows] + c.cap[rows] - l4  # captured bytes from the transport header on
    u = udp & (c.at(l4, 4, 2).astype(np.int64) >= 20) & (room >= 20)
    tbase = l4 + hdr
    t = tcp & (seglen >= 14) & (c.at(tbase, 0, 2).astype(np.int64) == seglen - 2)
    t &= c.off[rows] + c.cap[rows] - tbase >= 14
    got = np.where(u, c.at(l4, 8, 2), np.where(t, c.at(tbase, 2, 2), 0)).astype(np.int64)
    flags = np.where(u, c.at(l4, 10, 1), np.where(t, c.at(tbase, 4, 1), 0)).astype(np.int64)
    ident[rows] = np.where(u | t, got, -1)
    answer[rows] = (flags & 0x80) != 0
    for base in (l4, tbase):  # loads of these rows only: not kept with the chunk's
        c._words.pop(id(base), None)
    return ident, answer
