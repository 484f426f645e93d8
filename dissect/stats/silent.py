"""Records the statistics that decode every packet (expert information, the HTTP and DNS
trees) need not decode, found in numpy a chunk at a time: *silent* ones, of which they
provably count nothing, and quiet TCP *segments* whose expert entries their stream pass
row alone gives (a reset, the SEQ/ACK analysis issues).

A record is silent when all of these hold (each is what a decoded packet would need to
give one of those statistics something):

- its path is read from the bytes (stats/stacks.py `quiet_paths`: quiet layers, maybe a
  settled ARP or ICMP echo on top, maybe a settled application such as a TLS record of
  application data): no tail marks anything, so no decoder raises an issue (and detail()
  raises none, ever: tail() raised each one, as tests/test_lazy_fields.py checks);
- no layer a tree counts (HTTP, DNS and its relatives) is in it, unless right above a TCP
  segment the stream pass calls sent again: tshark dissects nothing above such a one;
- the whole frame was captured, and every declared checksum is good (the TUI's expert
  shows checksum issues);
- its TCP header has no SYN, FIN or RST (the connection chats and notes), its IPv4
  header no TTL that makes tshark's note (below 5, or toward 224.0.0.0/24);
- the stream pass found nothing about it: no TCP analysis flag (the SEQ/ACK issues), no
  fragment, no DNS link, no second transport layer.

A quiet TCP record for which only the flags (SYN and FIN over IPv4 only: the expert
compares the addresses to tell which end closes) or the analysis fail is a segment:
`Expert.add_segment` counts what `Expert.add` would from the values read here and its
tcp.stream.

What is left out is what the expert reads besides issues (expert.py `Expert.add`):
connection events from the flags, the TTL notes, the HTTP lines and the DNS
transactions; a new source of entries there needs a condition here.
tests/test_stats_tui.py checks on every capture of tests/data that the statistics fed
only the other records are those fed every record.
"""

from __future__ import annotations

from socket import inet_ntoa
from typing import Any

import numpy as np

from .. import quiet
from ..fastfilter import PLANS, Columns, _load
from ..streams.analysis import BITS
from .expert import DNS_LIKE, FIN, LNCB, LOW_TTL, RST, SPURIOUS, SYN, UNDISSECTED
from .stacks import quiet_paths

COUNTED = DNS_LIKE | {"http"}  # the layers the trees count (trees.py)
# analysis flags of a segment sent again whose payload no tap sees (nor the expert: RESENT)
RESENT_BITS = sum(BITS[name] for name in UNDISSECTED)
SPURIOUS_BIT = BITS[SPURIOUS]
TCP_VALUES = ("tcp.flags", "tcp.srcport", "tcp.dstport", "tcp.seq_raw")
EVENTS = SYN | FIN | RST  # flags the expert has a chat, note or warning for
Segment = tuple[int, int, int, int, int, int, tuple[str, str] | None, int | None]


class Spared:
    """Of a chunk's selected rows, those not to decode: `silent`, and `segments`: the
    quiet TCP segments (positions in the chunk), with what `Expert.add_segment` reads in
    `values`, one array each (silent.Segment's order but the addresses: analysis flags,
    number, flags, ports, raw sequence number, source and destination IPv4 address as
    integers, stream << 1 | direction or -1)."""

    def __init__(self, n: int) -> None:
        self.silent = np.zeros(n, bool)
        self.segments = np.zeros(0, np.int64)
        self.values = list(np.zeros((len(TCP_VALUES) + 5, 0), np.int64))

    def segments_at(self, chosen: np.ndarray) -> dict[int, Segment]:
        """The chosen segments' values as Expert.add_segment takes them, by position."""
        out: dict[int, Segment] = {}
        columns = [a[chosen].tolist() for a in self.values]
        for i, flow, dup, flags, sport, dport, seq, src, dst, v in zip(
            self.segments[chosen].tolist(), *columns, strict=True
        ):
            addr = None
            if flags & (SYN | FIN):  # which end closes: the expert compares the addresses
                addr = (inet_ntoa(src.to_bytes(4, "big")), inet_ntoa(dst.to_bytes(4, "big")))
            out[i] = (flow, dup, flags, sport, dport, seq, addr, v >> 1 if v >= 0 else None)
        return out


def spared(c: Columns, sel: np.ndarray, table: Any) -> Spared:
    """The selected rows of a chunk that need no decoding (the module docstring); `table`
    is the stream pass (a StreamTable holding at least the chunk's records)."""
    out = Spared(c.n)
    if len(table) < c.start + c.n:
        return out
    quiet_rows = np.zeros(c.n, bool)
    tcp = np.zeros((len(TCP_VALUES) + 2, c.n), np.int64)  # TCP_VALUES, source, destination
    counted = np.zeros(c.n, bool)  # ... but for an application a statistic counts
    _decided, groups = quiet_paths(c, sel & (c.cap == c.wire))
    for path, rows in groups:
        names = tuple(n for n in path if n in PLANS)  # less the application or `data`
        if names and (names[-1] == "tcp" or not COUNTED.intersection(path)):
            quiet_rows[rows[_quiet(c, names, rows, tcp)]] = True
            counted[rows] = bool(COUNTED.intersection(path))
    if not quiet_rows.any():
        return out
    analysis, number, ids = _streamed(table, c.start, c.n, quiet_rows)
    # a retransmitted segment's application is dissected by nobody (expert.py's UNDISSECTED)
    quiet_rows &= ~counted | (analysis & RESENT_BITS != 0) & (analysis & SPURIOUS_BIT == 0)
    out.silent = quiet_rows & (analysis == 0) & (tcp[0] & EVENTS == 0)
    at = out.segments = np.flatnonzero(quiet_rows & ~out.silent)
    out.values = [analysis[at].astype(np.int64), number[at].astype(np.int64), *tcp[:, at],
                  ids[at].astype(np.int64)]  # fmt: skip
    return out


def _quiet(c: Columns, names: tuple[str, ...], rows: np.ndarray, tcp: np.ndarray) -> np.ndarray:
    """Which records of one stack raise no issue: whole, declared checksums good, no TTL
    note, no SYN or FIN but over IPv4 (the expert's connection events need its
    addresses); `tcp` gets their TCP values and IPv4 addresses."""
    from ..export.columnar import _checksum_good

    protos = [PLANS[n].proto for n in names]
    if any(p.checksum is not None and p.checksum.algorithm != "inet" for p in protos):
        return np.zeros(len(rows), bool)
    ok, bases, ends, hdrs = quiet.declared_steps(c, names, rows)
    for k, (name, proto) in enumerate(zip(names, protos, strict=True)):
        if proto.checksum is not None:
            ok &= _checksum_good(c, protos, k, bases, ends, hdrs)
        fields = PLANS[name].fields
        if name == "ip":
            (ttl, at), (dst, dst_at) = fields["ip.ttl"], fields["ip.dst"]
            local = _load(c, dst, bases[k], dst_at) >> np.uint64(8) == np.uint64(LNCB)
            ok &= (_load(c, ttl, bases[k], at) >= LOW_TTL) & ~local  # expert.py `_ttl_note`
        elif name == "tcp":
            below = k and names[k - 1] == "ip"
            values = [(name, field, k) for field in TCP_VALUES]
            values += [("ip", field, k - 1) for field in ("ip.src", "ip.dst") if below]
            for j, (of, field, layer) in enumerate(values):
                spec, at = PLANS[of].fields[field]
                tcp[j, rows] = _load(c, spec, bases[layer], at).astype(np.int64)
            if not below:
                ok &= tcp[0, rows] & (SYN | FIN) == 0
    return ok


def _streamed(table: Any, start: int, n: int, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """(analysis flags, number, stream << 1 | direction or -1) of records start..start+n-1
    from the stream pass, `rows`
    cleared where it found more than their conversation and its analysis (a fragment, a
    DNS link, an ICMP error's quote, no stream, a second transport layer)."""
    from ..streams.table import UDP

    # copies (array slices): a view would stop the pass from growing its arrays
    facts = np.frombuffer(table.facts[start : start + n], np.uint8)
    rows &= facts & ~np.uint8(UDP) == 0
    if table.others:  # a lookup per record left (a tunnel-heavy capture has many others)
        for i in np.flatnonzero(rows).tolist():
            if start + i in table.others:
                rows[i] = False
    flags = np.frombuffer(table.analysis[start : start + n], np.uint16)
    ids = np.frombuffer(table.ids[start : start + n], np.int32)
    return flags, np.frombuffer(table.number[start : start + n], np.uint32), ids
