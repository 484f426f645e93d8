"""IPv4 and IPv6 defragmentation for the stream pass (RFC 791 3.2, RFC 8200 4.5; RFC 815's
hole bookkeeping in its simplest form: the pieces sorted by offset).

Fragments of one datagram share (version, source, destination, identification, protocol;
for IPv6 the Fragment header's next header). They are
held until the last one (MF clear) has come and the pieces cover the datagram from 0 to its
end; the datagram is then read on that frame, as Wireshark does. Where pieces overlap the
first copy wins; other bytes under an overlap are a conflict (teardrop and friends).

Bounded: a datagram past 65,535 bytes is refused ("too long"), at most MAX_GROUPS
datagrams and MAX_HELD bytes wait at once (the oldest go first: a million fragments that
never complete keep only the newest), and each waiting datagram at most MAX_PIECES pieces
(tiny-fragment floods).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

MAX_DATAGRAM = 65535
MAX_GROUPS = 4096
MAX_HELD = 16 << 20
MAX_PIECES = 1024
OVERLAP, CONFLICT = 1, 2  # a piece's marks


@dataclass(slots=True)
class Piece:
    """One IPv4 or IPv6 fragment's facts (what segment_of gives for a fragment)."""

    src: Any
    dst: Any
    ident: int
    proto: int
    offset: int  # bytes
    more: bool
    data: bytes  # the captured payload
    time_ns: int = 0
    version: int = 4


@dataclass(slots=True)
class Datagram:
    """A complete datagram: its payload and (index, offset, length, marks) of each
    fragment (marks: OVERLAP, CONFLICT)."""

    payload: bytes
    pieces: list[tuple[int, int, int, int]]
    conflict: bool = False
    proto: int = 0
    src: Any = None
    dst: Any = None
    time_ns: int = 0
    version: int = 4


@dataclass(slots=True)
class _Group:
    pieces: list[tuple[int, int, bytes]] = field(default_factory=list)  # (offset, index, data)
    end: int = -1  # the datagram's length, once the last fragment came
    held: int = 0


class Defragmenter:
    """Feed fragments in capture order; `add` returns the datagram a fragment completes."""

    def __init__(self) -> None:
        self._groups: OrderedDict[tuple, _Group] = OrderedDict()
        self.held = 0
        self.refused = 0  # fragments dropped: too long, too many pieces, or evicted

    def add(self, i: int, p: Piece) -> Datagram | None:
        key = (p.version, p.src, p.dst, p.ident, p.proto)
        g = self._groups.get(key)
        if g is None:
            g = self._groups[key] = _Group()
        if p.offset + len(p.data) > MAX_DATAGRAM or len(g.pieces) >= MAX_PIECES:
            self.refused += 1
            return None
        g.pieces.append((p.offset, i, p.data))
        g.held += len(p.data)
        self.held += len(p.data)
        if not p.more:
            g.end = p.offset + len(p.data)
        self._bound()
        if g.end < 0 or not _covered(g):
            return None
        del self._groups[key]
        self.held -= g.held
        payload, marks = _join(g)
        pieces = [(idx, off, len(d), marks.get(idx, 0))  # in datagram order, as Wireshark
                  for off, idx, d in sorted(g.pieces, key=lambda x: (x[0], x[1]))]  # fmt: skip
        conflict = any(m & CONFLICT for m in marks.values())
        return Datagram(payload, pieces, conflict, p.proto, p.src, p.dst, p.time_ns, p.version)

    def _bound(self) -> None:
        while self._groups and (len(self._groups) > MAX_GROUPS or self.held > MAX_HELD):
            _key, old = self._groups.popitem(last=False)
            self.held -= old.held
            self.refused += len(old.pieces)


def _covered(g: _Group) -> bool:
    reach = 0
    for off, _i, data in sorted(g.pieces, key=lambda x: x[0]):
        if off > reach:
            return False
        reach = max(reach, off + len(data))
    return reach >= g.end


def _join(g: _Group) -> tuple[bytes, dict[int, int]]:
    """The payload, first copy winning where pieces overlap; each overlapping piece's marks
    (by frame index)."""
    out = bytearray(g.end)
    have = bytearray(g.end)  # 1 where a byte is set
    marks: dict[int, int] = {}
    for off, i, data in sorted(g.pieces, key=lambda x: x[1]):  # capture order: first wins
        stop = min(off + len(data), g.end)
        if not any(have[off:stop]):  # the usual case: no overlap, one slice copy
            out[off:stop] = data[: stop - off]
            have[off:stop] = b"\x01" * (stop - off)
            continue
        mark = OVERLAP
        for k in range(off, stop):  # bounded: at most 65,535 bytes a piece
            b = data[k - off]
            if have[k]:
                mark |= CONFLICT if out[k] != b else 0
            else:
                out[k], have[k] = b, 1
        marks[i] = marks.get(i, 0) | mark
    return bytes(out), marks


def rebuild(index: Any, pieces: list[tuple[int, int, int, int]]) -> Datagram | None:
    """A datagram again, from its fragments' records (for follow and the tree): only
    those frames are read."""
    from ..engine import decode
    from .conversation import segment_of

    again = Defragmenter()
    done = None
    for j in sorted(p[0] for p in pieces):  # capture order: the first copy wins again
        rec = index.record(j)
        piece = segment_of(decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns))
        if isinstance(piece, Piece):
            done = again.add(j, piece) or done
    return done
