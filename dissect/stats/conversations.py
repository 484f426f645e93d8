"""`-z conv,TYPE` and `-z endpoints,TYPE` for eth, ip, ipv6, tcp and udp, as tshark's
tap-iousers and tap-endpoints lay them out.

A conversation is keyed by its two ends, addresses (and ports); side A is the source
of its first packet, so "->" counts A to B and "<-" B to A. TCP and UDP conversations are
tshark's: one per tcp.stream / udp.stream, numbered by the stream layer's trackers
(dissect/streams/conversation.py), so a port pair reused with a new SYN is a new one.
Memory grows with conversations, not packets; past MAX_ITEMS new ones are counted in
`dropped` and said in the report.
"""

from __future__ import annotations

from typing import Any

from ..engine import Packet
from ..streams.conversation import Segment, TcpTracker, UdpTracker
from . import Statistic, StatsUsageError, filter_of, matches

MAX_ITEMS = 1_000_000
TYPES = {"eth": "Ethernet", "ip": "IPv4", "ipv6": "IPv6", "tcp": "TCP", "udp": "UDP"}
ADDRESSES = {"eth": ("eth.src", "eth.dst"), "ip": ("ip.src", "ip.dst"),
             "ipv6": ("ipv6.src", "ipv6.dst")}  # fmt: skip
PORTS = {"tcp": ("tcp.srcport", "tcp.dstport"), "udp": ("udp.srcport", "udp.dstport")}


def ends(pkt: Packet, kind: str) -> list[tuple[str, str, int, int, int, int]]:
    """(source, destination, source port, destination port, TCP flags, TCP sequence
    number) of each layer of `kind` in the packet (ports, flags and sequence 0 where they
    do not apply); TCP and UDP take the addresses of the IP layer under them. A packet an
    ICMP error quotes is not a conversation's."""
    layers = pkt.layers
    limit = pkt.ctx.column_layers or len(layers)
    out = []
    addr: tuple[Any, Any] | None = None
    for layer in layers[1:limit]:
        name = layer.protocol.name
        if name in ("ip", "ipv6"):
            src, dst = ADDRESSES[name]
            addr = (layer.value(src), layer.value(dst))
        if name == kind and kind in ADDRESSES:
            src, dst = ADDRESSES[kind]
            s, d = layer.value(src), layer.value(dst)
            if s is not None and d is not None:
                out.append((str(s), str(d), 0, 0, 0, 0))
        elif name == kind and addr is not None and None not in addr:
            sp, dp = PORTS[kind]
            ps, pd = layer.value(sp), layer.value(dp)
            if ps is not None and pd is not None:
                flags, seq = (layer.value("tcp.flags") or 0, layer.value("tcp.seq_raw") or 0) \
                    if kind == "tcp" else (0, 0)  # fmt: skip
                out.append((str(addr[0]), str(addr[1]), ps, pd, flags, seq))
    return out


def _seconds(ns: int) -> float:
    """Seconds as tshark's nstime_to_sec computes them (whole seconds plus the fraction),
    so that the last printed digits agree."""
    sec, frac = divmod(ns, 1_000_000_000)
    return sec + frac / 1e9


def size_text(n: int) -> str:
    """tshark's format_size with SI prefixes and the unit "bytes"."""
    for div, prefix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n // div >= 10:
            return f"{n // div} {prefix}B"
    return f"{n} bytes"


class Conversation:
    __slots__ = ("a", "b", "pa", "pb", "ab_frames", "ab_bytes", "ba_frames", "ba_bytes",
                 "start_ns", "end_ns", "end_at", "stream", "first_at")  # fmt: skip

    def __init__(self, a: str, b: str, pa: int, pb: int, t: int, stream: int = -1,
                 first_at: int = 0) -> None:  # fmt: skip
        self.a, self.b, self.pa, self.pb = a, b, pa, pb
        self.ab_frames = self.ab_bytes = self.ba_frames = self.ba_bytes = 0
        self.start_ns = self.end_ns = t
        self.end_at = 0  # the number of the packet end_ns comes from (the last one)
        self.stream = stream  # tcp.stream / udp.stream (-1: eth, ip, ipv6)
        self.first_at = first_at  # the number of its first packet (0: not known)

    @property
    def frames(self) -> int:
        return self.ab_frames + self.ba_frames

    def as_dict(self, first_ns: int, ports: bool) -> dict[str, Any]:
        d: dict[str, Any] = {"address_a": self.a, "address_b": self.b}
        if ports:
            d.update(port_a=self.pa, port_b=self.pb, stream=self.stream)
        d.update(frames_a_to_b=self.ab_frames, bytes_a_to_b=self.ab_bytes,
                 frames_b_to_a=self.ba_frames, bytes_b_to_a=self.ba_bytes,
                 frames=self.frames, bytes=self.ab_bytes + self.ba_bytes,
                 relative_start=(self.start_ns - first_ns) / 1e9,
                 duration=(self.end_ns - self.start_ns) / 1e9)  # fmt: skip
        return d


class StreamNumbers:
    """tcp.stream / udp.stream of a conversation's packets: the stream layer's trackers,
    fed only the packets that can start a stream (a pair's first packet, a SYN, whose
    initial sequence number tells a reused port pair), so they cost nothing per packet."""

    def __init__(self, kind: str) -> None:
        self.tcp = kind == "tcp"
        self.tracker: Any = TcpTracker() if self.tcp else UdpTracker()

    def see(self, s: str, d: str, ps: int, pd: int, flags: int, seq: int) -> int:
        """The stream of a packet from (s, ps) to (d, pd)."""
        seg = Segment(6 if self.tcp else 17, s, d, ps, pd, seq=seq, flags=flags)
        if self.tcp:
            return self.tracker.see(seg, 0)[0].number
        return self.tracker.see(seg)[0]


class _Table(Statistic):
    def __init__(self, kind: str, flt_text: str) -> None:
        super().__init__()
        self.kind, self.type_name = kind, TYPES[kind]
        self.flt_text, self.flt = flt_text, filter_of(flt_text)
        self.ports = kind in PORTS
        self.items: dict[Any, Any] = {}
        self.dropped = 0

    def _header(self, what: str) -> list[str]:
        return ["=" * 80, f"{self.type_name} {what}", f"Filter:{self.flt_text or '<No Filter>'}"]

    def ranked(self) -> list[Any]:
        """By total frames, most first; equal ones in order of first appearance (as tshark)."""
        return sorted(self.items.values(), key=lambda c: -c.frames)


class Conversations(_Table):
    def __init__(self, kind: str, flt_text: str) -> None:
        super().__init__(kind, flt_text)
        self.streams = StreamNumbers(kind) if self.ports else None

    def add(self, pkt: Packet) -> None:
        if not matches(self.flt, pkt, self.first_ns):
            return
        t, size = pkt.time_ns, pkt.wirelen
        for s, d, ps, pd, flags, seq in ends(pkt, self.kind):
            conv = self.conversation(s, d, ps, pd, flags, seq, t, pkt.number)
            if conv is None:
                continue
            if pkt.number >= conv.end_at:
                conv.end_ns, conv.end_at = t, pkt.number
            if (s, ps) == (conv.a, conv.pa):
                conv.ab_frames += 1
                conv.ab_bytes += size
            else:
                conv.ba_frames += 1
                conv.ba_bytes += size

    def conversation(self, s: str, d: str, ps: int, pd: int, flags: int, seq: int, t: int,
                     number: int = 0) -> Conversation | None:  # fmt: skip
        """The conversation of a packet from (s, ps) to (d, pd), made at its first packet
        (None past MAX_ITEMS: counted as dropped)."""
        stream = -1
        key: Any
        if self.streams is not None:
            key = stream = self.streams.see(s, d, ps, pd, flags, seq)
        else:
            key = (s, ps, d, pd) if (s, ps) <= (d, pd) else (d, pd, s, ps)
        conv = self.items.get(key)
        if conv is None:
            if len(self.items) >= MAX_ITEMS:
                self.dropped += 1
                return None
            conv = self.items[key] = Conversation(s, d, ps, pd, t, stream, number)
        return conv

    vectorised = True  # counted from the index with numpy where records are plain

    def vector_groups(self, c: Any, got: Any, plain: Any) -> list[tuple[int, Any]]:
        from .vector import conversation_groups

        return conversation_groups(c, got, plain)

    def add_group(self, akind: str, skey: tuple, dkey: tuple, abf: int, abb: int, baf: int,
                  bab: int, start: int, end: int, end_at: int) -> None:  # fmt: skip
        """A conversation's packets of one chunk, counted together (stats/vector.py)."""
        from .vector import address_text

        s, ps = address_text(akind if akind != "port" else "port", skey)
        d, pd = address_text(akind if akind != "port" else "port", dkey)
        key = (s, ps, d, pd) if (s, ps) <= (d, pd) else (d, pd, s, ps)
        conv = self.items.get(key)
        if conv is None:
            if len(self.items) >= MAX_ITEMS:
                self.dropped += abf + baf
                return
            conv = self.items[key] = Conversation(s, d, ps, pd, start)
        if (s, ps) != (conv.a, conv.pa):
            abf, abb, baf, bab = baf, bab, abf, abb
        conv.ab_frames += abf
        conv.ab_bytes += abb
        conv.ba_frames += baf
        conv.ba_bytes += bab
        if end_at >= conv.end_at:
            conv.end_ns, conv.end_at = end, end_at

    def text(self) -> str:
        pad = " " * 12 if self.ports else ""
        lines = self._header("Conversations")
        lines.append(f"{pad}                                               |       <-      "
                     "| |       ->      | |     Total     |    Relative    |   Duration   |")  # fmt: skip
        lines.append(f"{pad}                                               | Frames  Bytes "
                     "| | Frames  Bytes | | Frames  Bytes |      Start     |              |")  # fmt: skip
        first = self.first_ns or 0
        for c in self.ranked():
            if self.ports:
                ends_text = f"{c.a + ':' + str(c.pa):<26} <-> {c.b + ':' + str(c.pb):<26}"
            else:
                ends_text = f"{c.a:<20} <-> {c.b:<20}"
            lines.append(
                f"{ends_text}  {c.ba_frames:6d} {size_text(c.ba_bytes):<9}"
                f"  {c.ab_frames:6d} {size_text(c.ab_bytes):<9}"
                f"  {c.frames:6d} {size_text(c.ab_bytes + c.ba_bytes):<9}  "
                f"{_seconds(c.start_ns - first):14.9f}   "
                f"{_seconds(c.end_ns - first) - _seconds(c.start_ns - first):12.4f}"
            )
        lines.append("=" * 80)
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        first = self.first_ns or 0
        return {"statistic": f"conv,{self.kind}", "filter": self.flt_text,
                "conversations": [c.as_dict(first, self.ports) for c in self.ranked()],
                "dropped": self.dropped}  # fmt: skip


class Endpoint:
    __slots__ = ("address", "port", "tx_frames", "tx_bytes", "rx_frames", "rx_bytes")

    def __init__(self, address: str, port: int) -> None:
        self.address, self.port = address, port
        self.tx_frames = self.tx_bytes = self.rx_frames = self.rx_bytes = 0

    @property
    def frames(self) -> int:
        return self.tx_frames + self.rx_frames


class Endpoints(_Table):
    def _get(self, address: str, port: int) -> Endpoint | None:
        ep = self.items.get((address, port))
        if ep is None:
            if len(self.items) >= MAX_ITEMS:
                self.dropped += 1
                return None
            ep = self.items[(address, port)] = Endpoint(address, port)
        return ep

    def add(self, pkt: Packet) -> None:
        if not matches(self.flt, pkt, self.first_ns):
            return
        size = pkt.wirelen
        for s, d, ps, pd, _flags, _seq in ends(pkt, self.kind):
            src, dst = self._get(s, ps), self._get(d, pd)
            if src is not None:
                src.tx_frames += 1
                src.tx_bytes += size
            if dst is not None:
                dst.rx_frames += 1
                dst.rx_bytes += size

    vectorised = True

    def vector_groups(self, c: Any, got: Any, plain: Any) -> list[tuple[int, Any]]:
        from .vector import endpoint_groups

        return endpoint_groups(c, got, plain)

    def add_group(self, akind: str, key: tuple, txf: int, txb: int, rxf: int, rxb: int) -> None:
        from .vector import address_text

        ep = self._get(*address_text(akind, key))
        if ep is not None:
            ep.tx_frames += txf
            ep.tx_bytes += txb
            ep.rx_frames += rxf
            ep.rx_bytes += rxb

    def text(self) -> str:
        lines = self._header("Endpoints")
        port = "|  Port  |" if self.ports else ""
        lines.append(f"                       {port}|  Packets  | |  Bytes  | | Tx Packets | "
                     "| Tx Bytes | | Rx Packets | | Rx Bytes |")  # fmt: skip
        for e in self.ranked():
            lead = (
                f"{e.address:<20}      {e.port:5d}     " if self.ports else f"{e.address:<20}      "
            )
            lines.append(
                f"{lead}{e.frames:6d}    {e.tx_bytes + e.rx_bytes:10d}    {e.tx_frames:7d}"
                f"      {e.tx_bytes:10d}     {e.rx_frames:7d}      {e.rx_bytes:10d}   "
            )
        lines.append("=" * 80)
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        rows = []
        for e in self.ranked():
            row: dict[str, Any] = {"address": e.address}
            if self.ports:
                row["port"] = e.port
            row.update(frames=e.frames, bytes=e.tx_bytes + e.rx_bytes, tx_frames=e.tx_frames,
                       tx_bytes=e.tx_bytes, rx_frames=e.rx_frames, rx_bytes=e.rx_bytes)  # fmt: skip
            rows.append(row)
        return {"statistic": f"endpoints,{self.kind}", "filter": self.flt_text,
                "endpoints": rows, "dropped": self.dropped}  # fmt: skip


def _split(spec: str, prefix: str) -> tuple[str, str]:
    kind, _, flt = spec[len(prefix) :].partition(",")
    if kind not in TYPES:
        raise StatsUsageError(f"-z {spec!r}: expected {prefix}TYPE[,FILTER] with TYPE one of "
                              f"{', '.join(TYPES)}")  # fmt: skip
    return kind, flt


def parse_conversations(spec: str) -> Conversations:
    return Conversations(*_split(spec, "conv,"))


def parse_endpoints(spec: str) -> Endpoints:
    return Endpoints(*_split(spec, "endpoints,"))
