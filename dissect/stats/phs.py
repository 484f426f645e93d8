"""`-z io,phs`: protocol hierarchy -- frames and bytes per protocol path, as tshark's
tap-protohierstat (children in order of first appearance, bytes = whole frames)."""

from __future__ import annotations

from typing import Any

from ..engine import Packet
from . import Statistic, StatsUsageError, filter_of, matches

MAX_NODES = 10000  # a crafted capture cannot grow the tree without bound
MAX_DEPTH = 64


class Node:
    __slots__ = ("name", "frames", "bytes", "children")

    def __init__(self, name: str) -> None:
        self.name, self.frames, self.bytes = name, 0, 0
        self.children: dict[str, Node] = {}


class ProtocolHierarchy(Statistic):
    title = "Protocol Hierarchy Statistics"

    def __init__(self, flt_text: str = "") -> None:
        super().__init__()
        self.flt_text, self.flt = flt_text, filter_of(flt_text)
        self.root = Node("")
        self.nodes = 0

    def add(self, pkt: Packet) -> None:
        if not matches(self.flt, pkt, self.first_ns):
            return
        self.add_path(protocol_path(pkt), 1, pkt.wirelen)

    def add_path(self, path: list[str], frames: int, size: int) -> None:
        """Count frames (of `size` bytes in all) along one protocol path."""
        node = self.root
        for name in path:
            child = node.children.get(name)
            if child is None:
                if self.nodes >= MAX_NODES:
                    return
                child = node.children[name] = Node(name)
                self.nodes += 1
            child.frames += frames
            child.bytes += size
            node = child

    indexed = True  # counted from the index (from_index below), decoded on every core

    def count_index(self, index: Any, shown: Any, strict: bool) -> None:
        from_index(self, index, shown, strict)

    def text(self) -> str:
        lines = ["", "=" * 67, "Protocol Hierarchy Statistics", f"Filter: {self.flt_text}", ""]
        _draw(self.root, 0, lines)
        lines.append("=" * 67)
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {"statistic": "io,phs", "filter": self.flt_text, "protocols": _tree(self.root)}


def protocol_path(pkt: Packet) -> list[str]:
    """The protocol names of the packet's layers under `frame`, as Wireshark's tree has
    them at top level: a packet an ICMP error quotes is inside the ICMP item, not after."""
    layers = pkt.layers
    limit = pkt.ctx.column_layers or len(layers)
    return path_of([layer.protocol.name for layer in layers[1 : min(limit, MAX_DEPTH)]],
                   pkt.status)  # fmt: skip


def path_of(names: list[str], status: str) -> list[str]:
    """The hierarchy's path of a packet whose layers (under `frame`) are `names`."""
    names = [n for n in names if n not in INSIDE_PARENT]
    if len(names) > 1 and names[-1] == "data" and names[-2] in BODY_OWNERS:
        names.pop()  # the message's own bytes (an HTTP body part, an echo's data)
    if status != "ok":  # Wireshark's pseudo-protocols for a frame cut short or malformed
        names.append("_ws.short" if status == "truncated" else "_ws.malformed")
    return names


# Wireshark shows these inside the protocol before them, so they are not a level of the
# hierarchy: IPv6 extension headers sit in the IPv6 item, and the data that follows an
# HTTP continuation or an ICMP echo is part of that item.
INSIDE_PARENT = frozenset({"ipv6.hopopts", "ipv6.dstopts", "ipv6.routing", "ipv6.fraghdr"})
BODY_OWNERS = frozenset({"http", "ssdp", "icmp", "icmpv6"})


def _draw(node: Node, depth: int, lines: list[str]) -> None:
    for child in node.children.values():
        indent = "  " * min(depth, 16) + ("..." if depth > 16 else "")
        lines.append(f"{indent + child.name:<40} frames:{child.frames} bytes:{child.bytes}")
        _draw(child, depth + 1, lines)


def _tree(node: Node) -> list[dict[str, Any]]:
    return [{"protocol": c.name, "frames": c.frames, "bytes": c.bytes,
             "children": _tree(c)} for c in node.children.values()]  # fmt: skip


def parse(spec: str) -> ProtocolHierarchy:
    rest = spec[len("io,phs") :]
    if rest and not rest.startswith(","):
        raise StatsUsageError(f"-z {spec!r}: expected io,phs[,FILTER]")
    return ProtocolHierarchy(rest[1:])


# -- from the index: the same counts, the decoding spread over every core ------------------
Paths = dict[tuple[str, ...], list[int]]  # path -> [first record, frames, bytes]


def count_paths(index: Any, records: Any, strict: bool) -> Paths:
    """Each distinct protocol path of these records (sorted record numbers): where it
    first appears, its frames and bytes. The quiet records' paths are read from the bytes
    a chunk at a time (stats/stacks.py); the others are decoded one by one. Bounded by
    the distinct paths, not records."""
    import numpy as np

    from ..fastfilter import CHUNK, Columns
    from .stacks import quiet_paths

    paths: Paths = {}
    records = np.asarray(records, np.int64)
    k = 0
    while k < len(records):
        a = int(records[k])
        stop = int(np.searchsorted(records, a + CHUNK))
        c = Columns(index, a, min(len(index), a + CHUNK), 0)
        sel = np.zeros(c.n, bool)
        sel[records[k:stop] - a] = True
        decided, groups = quiet_paths(c, sel)
        for names, rows in groups:
            path = tuple(path_of(list(names), "ok"))
            _count(paths, path, a + int(rows[0]), len(rows), int(c.wire[rows].sum()))
        _decode_paths(paths, c, np.flatnonzero(sel & ~decided).tolist(), strict)
        c.release()
        k = stop
    return paths


def _count(paths: Paths, path: tuple[str, ...], first: int, frames: int, size: int) -> None:
    got = paths.get(path)
    if got is None:
        if len(paths) >= MAX_NODES:
            return
        got = paths[path] = [first, 0, 0]
    got[0] = min(got[0], first)
    got[1] += frames
    got[2] += size


def _decode_paths(paths: Paths, c: Any, rows: list[int], strict: bool) -> None:
    """Decode these rows of a chunk (its bytes are read already) and count their paths."""
    from ..engine import decode

    buffer, off, cap = c.buffer, c.off.tolist(), c.cap.tolist()
    wire, lt, iface = c.wire.tolist(), c.lt.tolist(), c.ifaces.tolist()
    for i in rows:
        data = buffer[off[i] : off[i] + cap[i]]
        pkt = decode(data, lt[i], number=c.start + i + 1, wirelen=wire[i], interface=iface[i],
                     strict=strict)  # fmt: skip
        _count(paths, tuple(protocol_path(pkt)), c.start + i, 1, wire[i])
        pkt.release()


def merge_paths(parts: list[Paths]) -> Paths:
    out: Paths = {}
    for part in parts:
        for path, (first, frames, size) in part.items():
            got = out.setdefault(path, [first, 0, 0])
            got[0] = min(got[0], first)
            got[1] += frames
            got[2] += size
    return out


def from_index(st: ProtocolHierarchy, index: Any, shown: Any, strict: bool) -> None:
    """Count the records `shown` (record numbers, None: all) into the hierarchy, decoded in
    forked workers a span each when there are many (dissect/parallel.py); the paths go into
    the tree in order of their first record, so it is the decoding pass's tree."""
    import pickle

    import numpy as np

    from .. import parallel

    n = len(index)
    rows = np.arange(n) if shown is None else np.asarray(shown, np.int64)
    if st.flt is not None:
        from .iostat import matching

        rows = np.intersect1d(rows, matching(st.flt, index))
    workers = parallel.worker_count()
    if workers < 2 or len(rows) < parallel.MIN_PACKETS:
        paths = count_paths(index, rows, strict)
    else:
        work = parallel.spans(0, len(rows), max(parallel.CHUNK, len(rows) // (8 * workers)))

        def render(span: tuple[int, int]) -> bytes:
            return pickle.dumps(count_paths(index, rows[span[0] : span[1]], strict))

        parts = parallel.ordered_map(render, work, workers)
        paths = merge_paths([pickle.loads(p) for p in parts])
    add_paths(st, paths, index, rows)


def add_paths(st: ProtocolHierarchy, paths: Paths, index: Any, rows: Any) -> None:
    """Add the paths counted over these records to the hierarchy, in order of their
    first record: the decoding pass's tree."""
    for path, (_first, frames, size) in sorted(paths.items(), key=lambda kv: kv[1][0]):
        st.add_path(list(path), frames, size)
    if len(rows):
        st.last_ns = index.time_ns(int(rows[-1]))
