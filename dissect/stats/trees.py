"""tshark's stats trees: `-z http,tree`, `-z http_req,tree`, `-z dns,tree`,
`-z ptype,tree`. A tree item counts packets (and, for some, values: average, min, max);
rate is per millisecond of the capture, percent of the parent item, burst the most
items in any 100 ms (tshark's default burst window), laid out as tshark's text."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ..engine import FIELDS, Packet
from . import Statistic, StatsUsageError, filter_of, matches

NS = 1_000_000_000
BURST_NS = 100_000_000
BURST_GRID_NS = 5_000_000
MAX_CHILDREN = 10_000  # per item: a crafted capture cannot grow a tree without bound


class Item:
    __slots__ = ("name", "count", "total", "low", "high", "n", "children", "window",
                 "burst", "burst_start", "has_values")  # fmt: skip

    def __init__(self, name: str, has_values: bool = False) -> None:
        self.name, self.count, self.has_values = name, 0, has_values
        self.total, self.n = 0, 0
        self.low: Any = None
        self.high: Any = None
        self.children: dict[str, Item] = {}
        self.window: deque[int] = deque()
        self.burst, self.burst_start = 0, 0

    def child(self, name: str, has_values: bool = False) -> Item | None:
        item = self.children.get(name)
        if item is None:
            if len(self.children) >= MAX_CHILDREN:
                return None
            item = self.children[name] = Item(name, has_values)
        return item

    def tick(self, t_rel: int, value: Any = None) -> None:
        self.count += 1
        if value is not None:
            self.total += value
            self.n += 1
            self.low = value if self.low is None else min(self.low, value)
            self.high = value if self.high is None else max(self.high, value)
        w = self.window
        w.append(t_rel)
        while w and w[0] <= t_rel - BURST_NS:
            w.popleft()
        if len(w) > self.burst:  # the start as tshark shows it: on its 5 ms grid
            self.burst, self.burst_start = len(w), w[0] - w[0] % BURST_GRID_NS


class StatsTree(Statistic):
    """A tree of items fed by `feed(tree, pkt, t_rel)`."""

    def __init__(self, name: str, title: str, roots: list[list[str]], feed: Callable[..., None],
                 flt_text: str = "") -> None:  # fmt: skip
        super().__init__()
        self.name, self.title, self.feed = name, title, feed
        self.flt_text, self.flt = flt_text, filter_of(flt_text)
        self.root = Item("")
        self.last_tick = 0
        for path in roots:  # items tshark shows even when nothing counted them
            item: Item | None = self.root
            for name in path:
                item = item.child(name) if item is not None else None

    def add(self, pkt: Packet) -> None:
        if matches(self.flt, pkt, self.first_ns):
            self.last_tick = pkt.time_ns
            self.feed(self, pkt, pkt.time_ns - (self.first_ns or pkt.time_ns))

    def tick(self, path: list[str], t_rel: int, value: Any = None) -> None:
        """Count one at every item along the path (creating it), the value at the last."""
        item: Item | None = self.root
        for k, name in enumerate(path):
            assert item is not None
            item = item.child(name, value is not None and k == len(path) - 1)
            if item is None:
                return
            item.tick(t_rel, value if k == len(path) - 1 else None)

    def text(self) -> str:
        rows: list[tuple[str, Item, Item | None]] = []
        for item in _ordered(self.root):
            _flatten(item, 0, None, rows)
        width = max([len(r[0]) for r in rows] + [len("Topic / Item")]) + 2
        dur_ms = (self.last_tick - (self.first_ns or 0)) / 1e6  # to the last packet counted
        heads = ("Count", "Average", "Min Val", "Max Val", "Rate (ms)", "Percent",
                 "Burst Rate", "Burst Start")  # fmt: skip
        head = f"{'Topic / Item':<{width}}" + "".join(f"{h:<14}" for h in heads[:-1])
        lines = ["", "=" * (width + 111), f"{self.title}:", head + f"{heads[-1]:<13}"]
        lines.append("-" * (width + 111))
        for label, item, parent in rows:
            lines.append(_row(label, item, parent, width, dur_ms))
        lines += ["", "-" * (width + 111)]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {"statistic": self.name, "title": self.title, "filter": self.flt_text,
                "items": [_item_dict(i) for i in _ordered(self.root)]}  # fmt: skip


def _ordered(item: Item) -> list[Item]:
    """Children by count, most first; equal counts latest-made first (as tshark sorts)."""
    kids = list(item.children.values())[::-1]
    return sorted(kids, key=lambda c: -c.count)


def _flatten(item: Item, depth: int, parent: Item | None, rows: list) -> None:
    rows.append((" " * depth + item.name, item, parent))
    for c in _ordered(item):
        _flatten(c, depth + 1, item, rows)


def _row(label: str, item: Item, parent: Item | None, width: int, dur_ms: float) -> str:
    if item.n:
        avg = f"{item.total / item.n:.2f}"
        low, high = _num(item.low), _num(item.high)
    else:
        avg = low = high = ""
    rate = f"{item.count / dur_ms:.4f}" if dur_ms > 0 else ""
    if parent is None:
        pct = "100%"
    elif parent.count:
        pct = f"{100 * item.count / parent.count:.2f}%"
    else:
        pct = ""
    burst = f"{item.burst / (BURST_NS / 1e6):.4f}" if item.count else "-"
    start = f"{item.burst_start / NS:.3f}" if item.count else "-"
    cells = (str(item.count), avg, low, high, rate, pct, burst)
    return f"{label:<{width}}" + "".join(f"{c:<14}" for c in cells) + f"{start:<13}"


def _num(v: Any) -> str:
    return f"{v:.6f}" if isinstance(v, float) else str(v)


def _item_dict(item: Item) -> dict[str, Any]:
    d: dict[str, Any] = {"item": item.name, "count": item.count}
    if item.n:
        d.update(average=item.total / item.n, min=item.low, max=item.high)
    d["children"] = [_item_dict(c) for c in _ordered(item)]
    return d


# -- the trees ----------------------------------------------------------------------------------
def _name(field: str, value: Any) -> str:
    names = FIELDS[field].names
    got = names.get(value) if isinstance(names, dict) else names(value) if names else None
    return got or str(value)


def _ptype(tree: StatsTree, pkt: Packet, t: int) -> None:
    """tshark counts each IPv4 header by the packet's *port* type: the transport (TCP,
    UDP) decoded in it, NONE for anything else (ICMP, fragments past the first...)."""
    ptype = "NONE"
    for layer in pkt.layers:
        if layer.protocol.name in PORT_TYPES:
            ptype = PORT_TYPES[layer.protocol.name]
    for layer in pkt.layers[1 : pkt.ctx.column_layers or None]:
        if layer.protocol.name == "ip":
            tree.tick(["IP Protocol Types", ptype], t)


PORT_TYPES = {"tcp": "TCP", "udp": "UDP"}


STATUS_GROUPS = ("1xx: Informational", "2xx: Success", "3xx: Redirection", "4xx: Client Error",
                 "5xx: Server Error", "???: broken")  # fmt: skip


def _http(tree: StatsTree, pkt: Packet, t: int) -> None:
    for layer in pkt.layers:
        if layer.protocol.name != "http":
            continue
        total = "Total HTTP Packets"
        method, code = layer.value("http.request.method"), layer.value("http.response.code")
        if method is not None:
            tree.tick([total, "HTTP Request Packets", str(method)], t)
        elif code is not None:
            group = STATUS_GROUPS[code // 100 - 1] if 100 <= code < 600 else STATUS_GROUPS[5]
            phrase = layer.value("http.response.phrase") or ""
            tree.tick([total, "HTTP Response Packets", group, f"{code} {phrase}".strip()], t)
        else:
            tree.tick([total, "Other HTTP Packets"], t)
        return


def _http_requests(tree: StatsTree, pkt: Packet, t: int) -> None:
    for layer in pkt.layers:
        if layer.protocol.name == "http":
            uri, host = layer.value("http.request.uri"), layer.value("http.host")
            if uri is not None and host is not None:
                tree.tick(["HTTP Requests by HTTP Host", str(host), str(uri)], t)
            return


def _dns(tree: StatsTree, pkt: Packet, t: int) -> None:
    for layer in pkt.layers:
        if layer.protocol.name not in ("dns", "mdns", "llmnr"):
            continue
        total = "Total Packets"
        tree.tick([total], t)
        rcode, opcode = layer.value("dns.flags.rcode"), layer.value("dns.flags.opcode")
        if rcode is not None:
            tree.tick([total, "rcode", _name("dns.flags.rcode", rcode)], t)
        if opcode is not None:
            tree.tick([total, "opcodes", _name("dns.flags.opcode", opcode)], t)
        response = layer.value("dns.flags.response")
        tree.tick([total, "Query/Response", "Response" if response else "Query"], t)
        qtype, qclass = layer.value("dns.qry.type"), layer.value("dns.qry.class")
        if qtype is not None:
            tree.tick([total, "Query Type", _name("dns.qry.type", qtype)], t)
        if qclass is not None:
            tree.tick([total, "Class", _name("dns.qry.class", qclass & 0x7FFF)], t)
        tree.tick(["Payload size"], t, layer.payload_end - layer.pos)
        return


def _parse(spec: str, name: str, title: str, roots: list[list[str]], feed: Callable) -> StatsTree:
    rest = spec[len(name) :]
    if rest and not rest.startswith(","):
        raise StatsUsageError(f"-z {spec!r}: expected {name}[,FILTER]")
    return StatsTree(name, title, roots, feed, rest[1:])


def parse_ptype(spec: str) -> StatsTree:
    return _parse(spec, "ptype,tree", "IPv4 Statistics/IP Protocol Types",
                  [["IP Protocol Types"]], _ptype)  # fmt: skip


def parse_http(spec: str) -> StatsTree:
    total = "Total HTTP Packets"
    roots = [[total, "HTTP Request Packets"], [total, "HTTP Response Packets"]]
    roots += [[total, "HTTP Response Packets", group] for group in STATUS_GROUPS]
    return _parse(spec, "http,tree", "HTTP/Packet Counter",
                  roots + [[total, "Other HTTP Packets"]], _http)  # fmt: skip


def parse_http_requests(spec: str) -> StatsTree:
    return _parse(spec, "http_req,tree", "HTTP/Requests", [["HTTP Requests by HTTP Host"]],
                  _http_requests)  # fmt: skip


def parse_dns(spec: str) -> StatsTree:
    return _parse(spec, "dns,tree", "DNS", [], _dns)


def _dns_queries(tree: StatsTree, pkt: Packet, t: int) -> None:
    for layer in pkt.layers:
        if layer.protocol.name in ("dns", "mdns", "llmnr"):
            if not layer.value("dns.flags.response"):
                name, qtype = layer.value("dns.qry.name"), layer.value("dns.qry.type")
                if name is not None:
                    kind = _name("dns.qry.type", qtype) if qtype is not None else "?"
                    tree.tick(["DNS queries by name", str(name), kind], t)
            return


def dns_queries() -> StatsTree:
    """Queries by name and type (the TUI's DNS table; tshark has no such -z report)."""
    return StatsTree("dns_qry,tree", "DNS/Queries", [], _dns_queries)
