"""The stream pass's fast path: transport facts read for a whole chunk of records at once.

dissect/fastfilter.py's Columns find, with numpy over the file's bytes, the records whose
stack is plain (every layer a plain one of a protocol with a Bulk declaration: Ethernet,
IPv4 without options or fragments, IPv6 without extension headers, TCP, UDP) and where each
layer starts. For those the decoder provably builds the layers at those offsets, so the
ports, sequence numbers, flags, window and lengths are read here from fixed offsets, and
only the other records (tunnels, fragments, ICMP errors, SYNs, whose options carry the
window scale) are decoded one by one. Both paths give the same `Segment`: addresses are the
decoder's texts (kept per address, so a conversation is one key whichever path saw it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..engine import decode, ipv4_str, ipv6_str
from ..fastfilter import CHUNK, SPAN_BYTES, Columns
from .conversation import SYN, Segment, segment_of

ADDRESS_CACHE = 1 << 16  # address texts kept (cleared when full)


def segments(index: Any, start: int, stop: int) -> Iterator[Segment | None]:
    """The transport facts of records start..stop-1, in order (None: neither TCP nor UDP)."""
    texts: dict[Any, str] = {}
    for a, b in index.spans(start, stop, SPAN_BYTES):
        for lo in range(a, b, CHUNK):
            yield from _chunk(index, lo, min(b, lo + CHUNK), texts)


def _chunk(index: Any, start: int, stop: int, texts: dict[Any, str]) -> Iterator[Segment | None]:
    c = Columns(index, start, stop, 0)
    if not c.n:
        return
    try:
        ok, neither, cols = _fast(c)
    finally:
        c.release()
    for k, plain in enumerate(ok):
        if not plain:
            yield None if neither[k] else _slow(index, start + k)
            continue
        kind, src, dst, sport, dport, seq, ack, flags, seglen, win, t, did, qr = (
            x[k] for x in cols
        )
        yield Segment(kind, _text(src, texts), _text(dst, texts), sport, dport, seq, ack,
                      flags, seglen, win, False, t, -1, did, qr)  # fmt: skip


def _slow(index: Any, i: int) -> Segment | None:
    rec = index.record(i)
    pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                 wirelen=rec.wirelen, interface=rec.interface)  # fmt: skip
    seg = segment_of(pkt)
    pkt.release()
    return seg


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


def _fast(c: Columns) -> tuple[list[bool], list[bool], list[list[Any]]]:
    """(plain TCP/UDP records, plain records of neither, the facts as lists) of a chunk."""
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
    tcp &= (flags & SYN) == 0  # a SYN's window scale option: read by the decoder
    ok = tcp | udp
    src4, dst4 = c.at(ip, 12, 4), c.at(ip, 16, 4)
    hdr = ((c.at(l4, 12, 1) >> np.uint64(4)) * np.uint64(4)).astype(np.int64)
    total = np.where(v4, c.at(ip, 2, 2), c.at(ip, 4, 2) + np.uint64(40)).astype(np.int64)
    end = np.where(total > 0, ip + total, c.off + c.cap)  # 0: a TSO or jumbo datagram
    seglen = np.maximum(end - l4 - hdr, 0)
    src: list[Any] = src4.tolist()
    dst: list[Any] = dst4.tolist()
    if v6.any():
        pairs = [c.at(ip, off, 8).tolist() for off in (8, 16, 24, 32)]
        for k in np.flatnonzero(v6 & ok).tolist():
            src[k] = (pairs[0][k], pairs[1][k])
            dst[k] = (pairs[2][k], pairs[3][k])
    dns_id, dns_qr = _dns(c, tcp, udp, l4, hdr, seglen)
    cols = [
        np.where(tcp, 6, 17).tolist(), src, dst,
        c.at(l4, 0, 2).tolist(), c.at(l4, 2, 2).tolist(),
        c.at(l4, 4, 4).tolist(), c.at(l4, 8, 4).tolist(), flags.tolist(),
        seglen.tolist(), c.at(l4, 14, 2).tolist(), c.times_ns().tolist(), dns_id, dns_qr,
    ]  # fmt: skip
    return ok.tolist(), neither.tolist(), cols


def _dns(c: Columns, tcp: np.ndarray, udp: np.ndarray, l4: np.ndarray, hdr: np.ndarray,
         seglen: np.ndarray) -> tuple[list[int], list[bool]]:  # fmt: skip
    """The ID and QR bit of a DNS or mDNS message on port 53 or 5353 (-1: none): over UDP
    the datagram's payload (the decoder reads it so: the ports are bound), over TCP a
    segment that holds exactly one message after its length prefix."""
    sport, dport = c.at(l4, 0, 2), c.at(l4, 2, 2)
    on53 = (sport == 53) | (dport == 53) | (sport == 5353) | (dport == 5353)
    ulen = c.at(l4, 4, 2).astype(np.int64)
    room = c.off + c.cap - l4  # captured bytes from the transport header on
    u = udp & on53 & (ulen >= 20) & (room >= 20)
    tbase = l4 + hdr
    t = tcp & on53 & (seglen >= 14) & (c.at(tbase, 0, 2).astype(np.int64) == seglen - 2)
    t &= c.off + c.cap - tbase >= 14
    ident = np.where(u, c.at(l4, 8, 2), np.where(t, c.at(tbase, 2, 2), 0)).astype(np.int64)
    flags = np.where(u, c.at(l4, 10, 1), np.where(t, c.at(tbase, 4, 1), 0)).astype(np.int64)
    return np.where(u | t, ident, -1).tolist(), ((flags & 0x80) != 0).tolist()
