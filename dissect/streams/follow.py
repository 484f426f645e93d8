"""Follow a TCP or UDP stream: its application bytes in order, chunk by chunk.

`follow(index, table, kind, stream)` reads only that stream's frames (the stream pass
says which) and gives a `Followed`: the two endpoints and the chunks in capture order,
each with its direction and the frame that brought it. TCP chunks come from the
reassembler (reassembly.py): retransmitted bytes are not repeated, out-of-order segments
are put back, and a gap that never closes ends that direction's bytes, as in tshark.

`render(followed, mode)` prints it as `tshark -q -z follow,tcp|udp,ascii|hex|raw,N` does,
byte for byte (tshark 4.0's ui/cli/tap-follow.c output).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ..engine import decode, uint_at
from .conversation import Segment, bytes_of, innermost_endpoints, segment_from, segments_of
from .defrag import rebuild
from .reassembly import DEFAULT_CAP, Direction
from .table import StreamTable

SEPARATOR = "=" * 67 + "\n"
MODES = ("ascii", "hex", "raw")


@dataclass(slots=True)
class FollowChunk:
    direction: int  # 0: from node 0 (who sent the stream's first packet)
    frame: int  # 1-based frame number
    data: bytes


@dataclass(slots=True)
class Followed:
    kind: str  # "tcp" or "udp"
    stream: int
    nodes: list[tuple[Any, int]] = field(default_factory=list)  # (address, port) of 0 and 1
    chunks: list[FollowChunk] = field(default_factory=list)
    missing: list[int] = field(default_factory=lambda: [0, 0])  # bytes of an open gap
    dropped: list[int] = field(default_factory=lambda: [0, 0])  # past the buffer cap
    conflicts: list[int] = field(default_factory=list)  # frames whose overlap differed


def follow(index: Any, table: StreamTable, kind: str, stream: int,
           cap: int = DEFAULT_CAP) -> Followed:  # fmt: skip
    """The stream's chunks, from its frames only."""
    out = Followed(kind, stream)
    dirs = (Direction(cap), Direction(cap))
    for i in table.frames(kind, stream):
        rec = index.record(i)
        datagrams: list[bytes] = []  # every UDP payload of a UDP-in-UDP packet
        if i in table.fragments:  # the last fragment: the datagram they make
            seg, payload = _reassembled(index, table.fragments[i], kind)
        else:
            pkt = decode(rec.data, rec.linktype, number=rec.number)
            seg = _layer_of(pkt, table, i, kind, stream)
            if seg is None or (kind == "tcp" and pkt.layers[seg.layer].status == "malformed"):
                continue  # tshark's TCP stops at a header cut short: it follows nothing
            payload = _payload(pkt, pkt.layers[seg.layer], kind)
            if kind == "udp" and table.others.get(i):  # UDP in UDP: tshark takes them all
                datagrams = _udp_payloads(pkt)
        if seg is None or seg.in_error or seg.short:
            continue
        ends = ((seg.src, seg.sport), (seg.dst, seg.dport))
        if kind == "udp" and seg.layer >= 0:  # a tunnel's UDP: tshark names the inner ends
            ends = innermost_endpoints(pkt, seg)
        if not out.nodes and (payload or any(datagrams) or kind == "tcp"):  # UDP: first data
            out.nodes = list(ends)
        d = 0 if out.nodes and ends[0] == out.nodes[0] else 1
        if kind == "udp":
            for data in datagrams or [payload]:
                if data:
                    out.chunks.append(FollowChunk(d, rec.number, data))
            continue
        for c in dirs[d].segment(rec.number, seg.seq, seg.flags, payload, seg.seglen):
            out.chunks.append(FollowChunk(d, c.frame, c.data))
    out.missing = [d.missing for d in dirs]
    out.dropped = [d.dropped for d in dirs]
    out.conflicts = sorted(dirs[0].conflicts + dirs[1].conflicts)
    return out


def _udp_payloads(pkt: Any) -> list[bytes]:
    """Each UDP layer's payload, outermost first (not an ICMP error's quote)."""
    segs = segments_of(pkt)
    if not isinstance(segs, list):
        return []
    return [
        _payload(pkt, pkt.layers[s.layer], "udp") for s in segs if s.kind == 17 and not s.in_error
    ]


def _layer_of(pkt: Any, table: StreamTable, i: int, kind: str, stream: int) -> Segment | None:
    """The packet's transport layer in that stream (a tunnel's packet has several)."""
    segs = segments_of(pkt)
    if not isinstance(segs, list) or not segs:
        return None
    rows = table.rows(i)
    if len(rows) != len(segs):  # one row: the packet's only layer of that kind
        return next((s for s in segs if s.kind == (17 if kind == "udp" else 6)), None)
    for seg, (_k, v, *_rest) in zip(segs, rows, strict=True):
        if v >= 0 and v >> 1 == stream and seg.kind == (17 if kind == "udp" else 6):
            return seg
    return None


def _reassembled(index: Any, pieces: list[tuple[int, int, int, int]],
                 kind: str) -> tuple[Segment | None, bytes]:  # fmt: skip
    """A reassembled datagram's transport facts and payload."""
    d = rebuild(index, pieces)
    seg = segment_from(d) if d is not None else None
    if seg is None or d is None:
        return None, b""
    data = d.payload
    if kind == "udp":
        return seg, data[8 : max(8, uint_at(data, 4, 2))]
    return seg, data[(data[12] >> 4) * 4 :]


def _payload(pkt: Any, layer: Any, kind: str) -> bytes:
    """The transport payload's captured bytes (TCP: from the data offset, so a RST's
    diagnostic text, which TCP keeps in its layer, counts as tshark counts it)."""
    data = bytes_of(pkt, layer)  # the frame's, or IPComp's inflated payload
    if kind == "tcp":
        start = layer.pos + (data[layer.pos + 12] >> 4) * 4
        return data[start : layer.payload_end]
    return data[layer.payload_pos : layer.payload_end]


def node_text(address: Any, port: int) -> str:
    """An endpoint as tshark writes it: a.b.c.d:port, [v6]:port."""
    text = str(address)
    try:
        if ipaddress.ip_address(text).version == 6:
            text = f"[{text}]"
    except ValueError:
        pass
    return f"{text}:{port}"


def render(f: Followed, mode: str) -> str:
    """tshark's text for the followed stream in mode ascii, hex or raw."""
    nodes = f.nodes or [("", 0), ("", 0)]
    lines = ["\n", SEPARATOR, f"Follow: {f.kind},{mode}\n",
             f"Filter: {f.kind}.stream eq {f.stream}\n",
             f"Node 0: {node_text(*nodes[0]) if f.nodes else ':0'}\n",
             f"Node 1: {node_text(*nodes[1]) if f.nodes else ':0'}\n"]  # fmt: skip
    offsets = [0, 0]
    for c in f.chunks:
        tab = "\t" if c.direction else ""
        if mode == "ascii":
            lines.append(f"{tab}{len(c.data)}\n{_ascii(c.data)}\n")
        elif mode == "raw":
            lines.append(f"{tab}{c.data.hex()}\n")
        else:
            lines.append(_hex(c.data, offsets[c.direction], tab))
            offsets[c.direction] += len(c.data)
    lines.append(SEPARATOR)
    return "".join(lines)


_ASCII = bytes(b if 0x20 <= b < 0x7F or b in (0x0A, 0x0D) else 0x2E for b in range(256))


def _ascii(data: bytes) -> str:
    """Printable ASCII, CR and LF as they are, every other byte '.' (tshark's ascii)."""
    return data.translate(_ASCII).decode("ascii")


def _hex(data: bytes, offset: int, prefix: str) -> str:
    return "".join(f"{prefix}{line}\n" for line in hex_lines(data, offset))


def hex_lines(data: bytes, offset: int) -> list[str]:
    """16 bytes a line: offset, hex in two groups of 8, the bytes as ASCII in two groups."""
    out = []
    for i in range(0, len(data), 16):
        row = data[i : i + 16]
        hexes = " ".join(f"{b:02x}" for b in row[:8])
        if len(row) > 8:
            hexes += "  " + " ".join(f"{b:02x}" for b in row[8:])
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        if len(row) >= 8:
            text = text[:8] + " " + text[8:]
        if text.endswith(" "):  # tshark drops one trailing space (its group gap, or data)
            text = text[:-1]
        out.append(f"{offset + i:08X}  {hexes:<48}  {text}")
    return out
