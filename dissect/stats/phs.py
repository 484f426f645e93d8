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
        node, size = self.root, pkt.wirelen
        for name in protocol_path(pkt):
            child = node.children.get(name)
            if child is None:
                if self.nodes >= MAX_NODES:
                    return
                child = node.children[name] = Node(name)
                self.nodes += 1
            child.frames += 1
            child.bytes += size
            node = child

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
    names = [layer.protocol.name for layer in layers[1 : min(limit, MAX_DEPTH)]]
    names = [n for n in names if n not in INSIDE_PARENT]
    if len(names) > 1 and names[-1] == "data" and names[-2] in BODY_OWNERS:
        names.pop()  # the message's own bytes (an HTTP body part, an echo's data)
    status = pkt.status
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
