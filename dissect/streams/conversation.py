"""TCP and UDP conversations numbered as Wireshark numbers them (tcp.stream, udp.stream).

A conversation is the pair of endpoints (address, port), either way round; its number is
the order of its first packet. TCP starts a new conversation on the same endpoints when a
SYN (or SYN-ACK) carries another initial sequence number than the one the conversation
began with (port reuse), as Wireshark's TCP dissector does. Each direction keeps the base
its relative sequence numbers count from: the SYN's sequence number, else the first
sequence number seen minus one (a capture that starts mid-stream shows Seq=1), or the
first acknowledgment of it from the other side minus one.

The trackers are fed one packet's facts at a time in capture order (`Segment`), so the
same code numbers a whole index (table.py) and packets as they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import protocols  # noqa: F401  (every protocol declared before reading its fields)
from ..engine import PROTOCOLS, Packet, uint_at
from .analysis import TcpStream, set_base
from .defrag import Datagram, Piece

SYN, ACK, FIN, RST = 0x002, 0x010, 0x001, 0x004
SEQ_MOD = 1 << 32
# Conversations tracked per kind (TCP, UDP) in one capture: each costs a few hundred bytes
# for the whole pass, so a capture of millions of distinct endpoints would grow without
# bound. Past the cap a new conversation is not tracked (no stream number, no analysis,
# marked); the ones already tracked keep their numbers, which stay Wireshark's since
# numbers are given in order of first appearance.
DEFAULT_CONVERSATION_LIMIT = 1 << 20


@dataclass(slots=True)
class Segment:
    """What the stream layer needs of one packet's transport header."""

    kind: int  # 6 TCP, 17 UDP
    src: Any
    dst: Any
    sport: int
    dport: int
    seq: int = 0
    ack: int = 0
    flags: int = 0
    seglen: int = 0
    window: int = 0
    in_error: bool = False  # the header an ICMP error quotes
    time_ns: int = 0
    wscale: int = -1  # a SYN's window scale option (-1: none)
    dns_id: int = -1  # the DNS message it carries whole: its ID (-1: none) ...
    dns_response: bool = False  # ... and whether it is an answer
    layer: int = -1  # its layer's index in the packet (-1: a reassembled datagram's)
    short: bool = False  # a TCP header longer than its datagram or shorter than 20 bytes:
    # tshark stops there (no analysis, nothing followed)


class TcpTracker:
    """Numbers TCP conversations; `see(seg)` -> (stream, direction); at most `limit`
    conversations (past it: None, not tracked)."""

    def __init__(self, limit: int = DEFAULT_CONVERSATION_LIMIT) -> None:
        self.limit = limit
        self.streams: list[TcpStream] = []
        self._by_key: dict[tuple, TcpStream] = {}

    def see(self, seg: Segment, i: int) -> tuple[TcpStream | None, int]:
        """Packet index i's conversation and direction (None: not tracked)."""
        a, b = (seg.src, seg.sport), (seg.dst, seg.dport)
        key = (a, b) if a <= b else (b, a)  # type: ignore[operator]
        st = self.find(key, a)
        if st is None:
            return None, 0
        d = st.direction(seg.src, seg.sport)
        if seg.in_error:
            return st, d
        if seg.flags & (SYN | ACK) == SYN and st.syn_seq(d) not in (None, seg.seq):
            st = self.new(key, a)  # the same ports again: a new connection
            if st is None:
                return None, 0
            d = 0
        set_base(st, d, seg.flags, seg.seq, seg.ack, i)
        return st, d

    def find(self, key: tuple, first: tuple[Any, int]) -> TcpStream | None:
        """The conversation of these endpoints (a new one sent first from `first`)."""
        st = self._by_key.get(key)
        return self.new(key, first) if st is None else st

    def new(self, key: tuple, first: tuple[Any, int]) -> TcpStream | None:
        """A new conversation on these endpoints; None past the limit (and the endpoints'
        older one is forgotten: its later packets belong to the untracked new one)."""
        if len(self.streams) >= self.limit:
            self._by_key.pop(key, None)
            return None
        st = TcpStream(len(self.streams), first)
        self.streams.append(st)
        self._by_key[key] = st
        return st


class UdpTracker:
    """Numbers UDP conversations; `see(seg)` -> (stream, direction); at most `limit`
    conversations (past it: stream -1, not tracked)."""

    def __init__(self, limit: int = DEFAULT_CONVERSATION_LIMIT) -> None:
        self.limit = limit
        self.firsts: list[tuple[Any, int]] = []
        self._by_key: dict[tuple, int] = {}

    def see(self, seg: Segment) -> tuple[int, int]:
        a, b = (seg.src, seg.sport), (seg.dst, seg.dport)
        return self.see_key((a, b) if a <= b else (b, a), a)  # type: ignore[operator]

    def see_key(self, key: tuple, a: tuple[Any, int]) -> tuple[int, int]:
        """The stream of these endpoints and the direction of a packet sent from `a`
        (-1, 0: not tracked)."""
        n = self._by_key.get(key)
        if n is None:
            if len(self.firsts) >= self.limit:
                return -1, 0
            n = self._by_key[key] = len(self.firsts)
            self.firsts.append(a)
        return n, 0 if a == self.firsts[n] else 1


_TCP = PROTOCOLS["tcp"]
# tcp.hdr_len is the data offset (a RST's diagnostic text, kept in the layer, counts as
# segment data, as in Wireshark: not layer.hdr_len)
_TCP_FIELDS = _TCP.reader("tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
                          "tcp.flags", "tcp.window_size_value", "tcp.hdr_len")  # fmt: skip
_UDP = PROTOCOLS["udp"]
_UDP_FIELDS = _UDP.reader("udp.srcport", "udp.dstport")
_ADDRESSES = {
    "ip": PROTOCOLS["ip"].reader("ip.src", "ip.dst"),
    "ipv6": PROTOCOLS["ipv6"].reader("ipv6.src", "ipv6.dst"),
}
_IP_LEN = PROTOCOLS["ip"].reader("ip.len")
_IPV6_PLEN = PROTOCOLS["ipv6"].reader("ipv6.plen")
_ERRORS = frozenset(("icmp", "icmpv6"))


def segment_of(pkt: Packet) -> Segment | Piece | None:
    """The transport facts of a decoded packet's first TCP or UDP layer (None: neither,
    or its header is cut before the ports), or the piece an IPv4 or IPv6 fragment carries."""
    found = segments_of(pkt)
    return found if isinstance(found, Piece) else (found[0] if found else None)


def segments_of(pkt: Packet) -> Piece | list[Segment]:
    """The transport facts of every TCP and UDP layer of a decoded packet, outermost first
    (a tunnel's outer UDP and the TCP inside it each belong to a conversation of their own,
    as in Wireshark), or the piece of the first IPv4 or IPv6 fragment met before any."""
    src = dst = None
    in_error = False
    ip_end = -1  # where the IP datagram ends by its length field (-1: not known)
    found: list[Segment] = []
    layers = pkt.layers
    for k, layer in enumerate(layers):
        name = layer.protocol.name
        reader = _ADDRESSES.get(name)
        if reader is not None and reader(layer)[0] is not None:  # a version 4 or 6 header
            src, dst = reader(layer)
            ip_end = _ip_end(layer)
            if ip_end < 0 and name == "ipv6" and not _jumbo(layers, k):
                src = None  # length 0, no Jumbo option: its transport is empty, as tshark's
            if name == "ip" and not in_error and not found:
                piece = _fragment(pkt, layer, src, dst)
                if piece is not None:
                    return piece  # the datagram is read when its last fragment comes
        elif name == "ipv6.fraghdr" and not in_error and not found and src is not None:
            piece = _fragment6(pkt, layer, src, dst, ip_end)
            if piece is not None:
                return piece
        elif name in _ERRORS and pkt.ctx.in_error:
            in_error = True
        elif name in ("tcp", "udp") and layer.values is not None and src is not None:
            seg = _transport(pkt, layer, src, dst, ip_end, in_error)
            seg.layer = k
            found.append(seg)
    return found


def innermost_endpoints(pkt: Packet, seg: Segment) -> tuple[tuple, tuple]:
    """The (address, port) of sender and receiver as the packet's innermost IP and transport
    headers after seg's layer give them (seg's own where none follows; an ICMP error's quote
    is not looked into): what tshark's UDP follow sees, its addresses being the last ones
    the packet set."""
    src, dst, sport, dport = seg.src, seg.dst, seg.sport, seg.dport
    for layer in pkt.layers[seg.layer + 1 :]:
        name = layer.protocol.name
        reader = _ADDRESSES.get(name)
        if name in _ERRORS:
            break
        if reader is not None and reader(layer)[0] is not None:
            src, dst = reader(layer)
        elif name == "tcp" or name == "udp":
            ports = (_TCP_FIELDS if name == "tcp" else _UDP_FIELDS)(layer)[:2]
            if ports[0] is not None:
                sport, dport = ports
    return (src, sport), (dst, dport)


def _jumbo(layers: list, k: int) -> bool:
    """Whether the IPv6 header at k is followed by a Hop-by-Hop header (whose Jumbo Payload
    option gives the length its own is 0 for; tshark reads BIG TCP's IPv6 without one as an
    empty payload)."""
    return k + 1 < len(layers) and layers[k + 1].protocol.name == "ipv6.hopopts"


def _transport(pkt: Packet, layer: Any, src: Any, dst: Any, ip_end: int,
               in_error: bool) -> Segment:  # fmt: skip
    """One TCP or UDP layer's facts (ip_end: its datagram's end by the IP length)."""
    if layer.protocol is _UDP:
        sport, dport = _UDP_FIELDS(layer)
        seg = Segment(17, src, dst, sport, dport, in_error=in_error, time_ns=pkt.time_ns)
    else:
        sport, dport, seq, ack, flags, win, offset = _TCP_FIELDS(layer)
        seglen = _seglen(layer, offset, ip_end)
        wscale = _window_scale(bytes_of(pkt, layer), layer) if flags & SYN else -1
        seg = Segment(6, src, dst, sport, dport, seq, ack, flags,
                      0 if in_error else max(0, seglen), win, in_error, pkt.time_ns, wscale)  # fmt: skip
        seg.short = (seglen < 0 or offset < 20) and not in_error
    _dns(pkt, seg, layer)
    return seg


def _seglen(layer: Any, offset: int, ip_end: int) -> int:
    """A TCP layer's segment length (negative: its header is longer than its datagram) by
    its datagram's end per the IP length (ip_end; -1: not known, the captured end), so a
    segment the capture cut short counts what was on the wire."""
    end = ip_end if ip_end > layer.pos else layer.payload_end
    return end - layer.pos - offset


def tcp_numbers(pkt: Packet, layer: Any) -> tuple[int, int, int, int] | None:
    """What annotate needs of a TCP layer the stream pass read as a segment: its raw
    sequence and acknowledgment numbers, flags and segment length, as segments_of gives
    them, from the header the decoder unpacked and its IP layer's length (None: its header
    was cut, it is no segment). Reads that one layer and the IP layer under it, not the
    packet again."""
    if layer.values is None:
        return None
    _sport, _dport, seq, ack, flags, _win, offset = _TCP_FIELDS(layer)
    layers = pkt.layers
    ip_end = -1
    for k in range(layers.index(layer) - 1, -1, -1):  # the last IP header before it
        below = layers[k]
        reader = _ADDRESSES.get(below.protocol.name)
        # an unpacked header has its addresses: they are read (as text) only when it is not
        if reader is not None and (below.values is not None or reader(below)[0] is not None):
            ip_end = _ip_end(below)
            break
    return seq, ack, flags, max(0, _seglen(layer, offset, ip_end))


_FRAG = PROTOCOLS["ip"].reader("ip.flags.mf", "ip.frag_offset", "ip.id", "ip.proto")


def _fragment(pkt: Packet, layer: Any, src: Any, dst: Any) -> Piece | None:
    more, offset, ident, proto = _FRAG(layer)
    if not more and not offset:
        return None
    if _ip_end(layer) > len(pkt.data):  # not all captured: read as it is, as Wireshark does
        return None
    data = pkt.data[layer.payload_pos : layer.payload_end]
    return Piece(src, dst, ident, proto, (offset or 0) * 8, bool(more), data, pkt.time_ns)


_FRAG6 = PROTOCOLS["ipv6.fraghdr"].reader("ipv6.fraghdr.more", "ipv6.fraghdr.offset",
                                          "ipv6.fraghdr.ident", "ipv6.fraghdr.nxt")  # fmt: skip


def _fragment6(pkt: Packet, layer: Any, src: Any, dst: Any, ip_end: int) -> Piece | None:
    """An IPv6 Fragment header's piece: the bytes after it to the datagram's end."""
    if layer.values is None:
        return None
    more, offset, ident, nxt = _FRAG6(layer)
    if (not more and not offset) or ip_end < 0 or ip_end > len(pkt.data):
        return None  # an atomic fragment (RFC 6946), or not all captured: read as it is
    data = pkt.data[layer.pos + 8 : ip_end]
    return Piece(src, dst, ident, nxt, (offset or 0) * 8, bool(more), data, pkt.time_ns, 6)


def segment_from(d: Datagram) -> Segment | None:
    """The transport facts of a reassembled datagram's TCP or UDP header."""
    data = d.payload
    if d.proto == 17 and len(data) >= 8:
        seg = Segment(17, d.src, d.dst, uint_at(data, 0, 2), uint_at(data, 2, 2),
                      time_ns=d.time_ns)  # fmt: skip
        if DNS_PORTS.intersection((seg.sport, seg.dport)) and len(data) >= 20:
            seg.dns_id, seg.dns_response = uint_at(data, 8, 2), bool(data[10] & 0x80)
        return seg
    if d.proto == 6 and len(data) >= 20:
        hdr = (data[12] >> 4) * 4
        seg = Segment(6, d.src, d.dst, uint_at(data, 0, 2), uint_at(data, 2, 2),
                      uint_at(data, 4, 4), uint_at(data, 8, 4), uint_at(data, 12, 2) & 0xFFF,
                      max(0, len(data) - hdr), uint_at(data, 14, 2), False, d.time_ns)  # fmt: skip
        seg.short = not 20 <= hdr <= len(data)
        return seg
    return None


_DNS = (PROTOCOLS["dns"], PROTOCOLS["mdns"])
DNS_PORTS = frozenset((53, 5353))  # DNS and mDNS (LLMNR has no request/response links)


def _dns(pkt: Packet, seg: Segment, transport: Any) -> None:
    """The DNS message decoded after this transport layer (not mDNS, LLMNR): its ID and
    direction."""
    if seg.in_error or not DNS_PORTS.intersection((seg.sport, seg.dport)):
        return
    for layer in pkt.layers[pkt.layers.index(transport) + 1 :]:
        if layer.protocol in _DNS:
            start, data = layer.pos, bytes_of(pkt, layer)
            if seg.kind == 6:  # over TCP: one whole message after its length prefix only
                if seg.seglen < 14 or uint_at(data, start, 2) != seg.seglen - 2:
                    return
                start += 2
            if start + 12 <= len(data):  # the header: ID, then QR in the flags
                seg.dns_id = uint_at(data, start, 2)
                seg.dns_response = bool(data[start + 2] & 0x80)
            return


def _ip_end(layer: Any) -> int:
    """The end of an IP datagram by its length field, even past the captured bytes (a
    segment the capture cut short still has its length on the wire); -1 when the field
    says nothing (0: a TSO or jumbo datagram)."""
    if layer.protocol.name == "ip":
        total = _IP_LEN(layer)[0]
        return layer.pos + total if total else -1
    plen = _IPV6_PLEN(layer)[0]
    return layer.pos + 40 + plen if plen else -1


def _window_scale(data: bytes, layer: Any) -> int:
    """The shift of a SYN's window scale option (RFC 7323 2.2; -1: none), capped at 14."""
    i, end = layer.pos + 20, min(layer.pos + (data[layer.pos + 12] >> 4) * 4, len(data))
    while i < end:  # each step advances at least one byte
        kind = data[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= end or data[i + 1] < 2:
            break
        if kind == 3 and data[i + 1] == 3 and i + 2 < end:
            return min(data[i + 2], 14)
        i += data[i + 1]
    return -1


def bytes_of(pkt: Packet, layer: Any) -> bytes:
    """The bytes a layer's spans count in: the frame's, or those it was decoded from
    (IPComp's inflated payload)."""
    return layer.packet.data if layer.packet is not None else pkt.data
