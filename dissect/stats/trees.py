"""tshark's stats trees: `-z http,tree`, `-z http_req,tree`, `-z dns,tree`,
`-z ptype,tree`. A tree item counts packets (and, for some, values: average, min, max);
rate is per millisecond of the capture, percent of the parent item, burst the most
items in any 100 ms (tshark's default burst window), laid out as tshark's text."""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable
from typing import Any

from ..engine import FIELDS, Packet
from . import Statistic, StatsUsageError, filter_of, matches
from .expert import DNS_RESENT, SPURIOUS, UNDISSECTED, DnsTransactions

NS = 1_000_000_000
BURST_NS = 100_000_000
BURST_GRID_NS = 5_000_000
MAX_CHILDREN = 10_000  # per item: a crafted capture cannot grow a tree without bound


class Item:
    __slots__ = ("name", "count", "total", "low", "high", "n", "children", "window",
                 "in_window", "burst", "burst_start", "has_values")  # fmt: skip

    def __init__(self, name: str, has_values: bool = False) -> None:
        self.name, self.count, self.has_values = name, 0, has_values
        self.total, self.n = 0, 0
        self.low: Any = None
        self.high: Any = None
        self.children: dict[str, Item] = {}
        # [bucket, items, first item's time], from tshark's empty bucket at time 0
        self.window: deque[list[int]] = deque([[0, 0, 0]])
        self.in_window, self.burst, self.burst_start = 0, 0, 0

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
        # tshark's burst: items per 5 ms bucket, summed over the last 20 buckets (100 ms);
        # its start is the time of the first item of the oldest bucket in the window
        bucket, w = t_rel // BURST_GRID_NS, self.window
        if w and bucket <= w[-1][0]:
            w[-1][1] += 1
        else:
            w.append([bucket, 1, t_rel])
        self.in_window += 1
        while w[0][0] <= bucket - BURST_NS // BURST_GRID_NS:
            self.in_window -= w.popleft()[1]
        if self.in_window > self.burst:
            self.burst, self.burst_start = self.in_window, w[0][2]


class StatsTree(Statistic):
    """A tree of items fed by `feed(tree, pkt, t_rel)`."""

    # the tap's protocols ride on TCP: the stream pass says which segments are sent again,
    # whose layers above TCP tshark does not dissect (_dissected)
    needs_streams = False

    def __init__(self, name: str, title: str, roots: list[list[str]], feed: Callable[..., None],
                 flt_text: str = "", tap: frozenset[str] = frozenset()) -> None:  # fmt: skip
        super().__init__()
        self.name, self.title, self.feed = name, title, feed
        self.flt_text, self.flt = flt_text, filter_of(flt_text)
        self.root = Item("")
        # tshark's rates count from the first to the last packet its tap saw: those with a
        # layer of one of these protocols
        self.tap = tap
        self.first_tap: int | None = None
        self.last_tap = 0
        for path in roots:  # items tshark shows even when nothing counted them
            item: Item | None = self.root
            for name in path:
                item = item.child(name) if item is not None else None
        # Logging instead of counting (`record`): the ticks of the packets added, for a
        # tree fed in several processes a conversation each and replayed in packet order
        # (tui/stats/counting.py): a burst and the order items are made need that order.
        self.log: list[tuple[int, list[str], int, Any, int]] | None = None
        self.taps: list[tuple[int, int]] = []  # logging: (number, time) of first, last tap
        self._number = 0

    def add(self, pkt: Packet) -> None:
        if matches(self.flt, pkt, self.first_ns):
            pkt = _dissected(pkt)
            if any(layer.protocol.name in self.tap for layer in pkt.layers):
                if self.log is not None:
                    seen = (pkt.number, pkt.time_ns)
                    self.taps[min(1, len(self.taps)) :] = [seen]  # [first, latest]
                elif self.first_tap is None:
                    self.first_tap = pkt.time_ns
                self.last_tap = pkt.time_ns
            first = (
                pkt.time_ns if self.first_ns is None else self.first_ns
            )  # a capture may start at 0
            self._number = pkt.number
            self.feed(self, pkt, pkt.time_ns - first)

    def record(self) -> None:
        """Log the ticks of the packets added from now on, counting none (`logged`)."""
        self.log = []

    def logged(self) -> tuple[list[tuple[int, list[str], int, Any, int]], list[tuple[int, int]]]:
        """The ticks logged since the last call, in the order of the packets added, and
        the (number, time) of the first and the last packet the tap saw so far."""
        log, self.log = self.log or [], []
        return log, list(self.taps)

    def replay(self, ticks: Any, taps: list[tuple[int, int]]) -> None:
        """Count logged ticks (in packet order) as add() would have; `taps`: (number,
        time) of packets the tap saw, those of the first and last in packet order used."""
        for _number, path, t_rel, value, skip in ticks:
            self.tick(path, t_rel, value, skip)
        if taps:
            first, last = min(taps), max(taps)
            if self.first_tap is None:
                self.first_tap = first[1]
            self.last_tap = last[1]

    def tick(self, path: list[str], t_rel: int, value: Any = None, skip: int = 0) -> None:
        """Count one at every item along the path (creating it) but the first `skip`
        (headings that count nothing themselves), the value at the last."""
        if self.log is not None:
            self.log.append((self._number, path, t_rel, value, skip))
            return
        item: Item | None = self.root
        last = len(path) - 1
        for k, name in enumerate(path):
            assert item is not None
            item = item.child(name, value is not None and k == last)
            if item is None:
                return
            if k >= skip:
                item.tick(t_rel, value if k == last else None)

    def text(self) -> str:
        rows: list[tuple[str, Item, Item | None]] = []
        for item in _ordered(self.root):
            _flatten(item, 0, None, rows)
        width = max([len(r[0]) for r in rows] + [len("Topic / Item")]) + 2
        dur_ms = (self.last_tap - (self.first_tap or self.last_tap)) / 1e6
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


class _Cut:
    """A packet as tshark's taps see it when a TCP layer in it is retransmitted: tshark
    hands such a segment to no dissector above TCP (expert.py's UNDISSECTED), so the
    layers above it are not there."""

    def __init__(self, pkt: Packet, layers: list[Any]) -> None:
        self.pkt, self.layers = pkt, layers

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pkt, name)


def _dissected(pkt: Packet) -> Any:
    """The packet, or its layers up to a retransmitted TCP one (_Cut)."""
    for k, layer in enumerate(pkt.layers):
        if layer.issues and layer.protocol.name == "tcp":  # (most layers have none)
            codes = {i.code for i in layer.issues}
            if codes & UNDISSECTED and SPURIOUS not in codes:
                return _Cut(pkt, pkt.layers[: k + 1])
    return pkt


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
    """tshark's DNS stats tree: every DNS message (not mDNS, LLMNR) ticks the five
    pivots; a query its name's length and label count; a response its record counts
    (twice: tshark 4.0 adds them twice) and, by its transaction (the expert's, as
    tshark's dissector keeps them), the time since the request, a retransmission, or
    no request seen (unsolicited)."""
    for layer in pkt.layers:
        if layer.protocol.name != "dns":
            continue
        answer = tree.dns.track(pkt, layer)[1]
        if layer.status == "malformed":  # tshark's tap never sees a message it gave up on
            return
        v = layer.value
        total = "Total Packets"
        tree.tick([total], t)
        flags = v("dns.flags") or 0
        pivots = (("rcode", _name("dns.flags.rcode", flags & 0xF)),
                  ("opcodes", _name("dns.flags.opcode", flags >> 11 & 0xF)),
                  ("Query/Response", "Response" if flags & 0x8000 else "Query"))  # fmt: skip
        for item, name in pivots:
            tree.tick([total, item, name], t, skip=1)
        for item, field in (("Query Type", "dns.qry.type"), ("Class", "dns.qry.class")):
            value = v(field)
            if value is not None:
                value = value & 0x7FFF if field == "dns.qry.class" else value
                tree.tick([total, item, _name(field, value)], t, skip=1)
        tree.tick(["Payload size"], t, layer.payload_end - layer.pos)
        if not v("dns.flags.response"):
            _dns_query(tree, layer, t)
        else:
            _dns_response(tree, layer, t, answer)
        return


DNS_PIVOTS = ("rcode", "opcodes", "Query/Response", "Query Type", "Class")  # tshark's order
LEVELS = {1: "1st Level", 2: "2nd Level", 3: "3rd Level"}


def _dns_query(tree: StatsTree, layer: Any, t: int) -> None:
    length, labels = layer.value("dns.qry.name.len"), layer.value("dns.count.labels")
    if length is not None:
        tree.tick(["Query Stats", "Qname Len"], t, length, skip=1)
    if labels is not None:
        level = LEVELS.get(labels, "4th Level or more")
        tree.tick(["Query Stats", "Label Stats", level], t, skip=2)


def _dns_response(tree: StatsTree, layer: Any, t: int, answer: Any) -> None:
    v = layer.value
    for item, field in (("no. of questions", "dns.count.queries"),
                        ("no. of authorities", "dns.count.auth_rr"),
                        ("no. of answers", "dns.count.answers"),
                        ("no. of additionals", "dns.count.add_rr")):  # fmt: skip
        n = v(field)
        if n is not None:
            for _twice in range(2):
                tree.tick(["Response Stats", item], t, n, skip=1)
    if answer is None:
        tree.tick(["Service Stats", "no. of unsolicited responses"], t, skip=1)
    elif answer == DNS_RESENT:
        tree.tick(["Service Stats", "no. of retransmissions"], t, skip=1)
    else:  # milliseconds as tshark keeps them: a single-precision float
        ms = struct.unpack("f", struct.pack("f", answer / 1e6))[0]
        tree.tick(["Service Stats", "request-response time (msec)"], t, ms, skip=1)


def _parse(spec: str, name: str, title: str, roots: list[list[str]], feed: Callable,
           tap: str) -> StatsTree:  # fmt: skip
    rest = spec[len(name) :]
    if rest and not rest.startswith(","):
        raise StatsUsageError(f"-z {spec!r}: expected {name}[,FILTER]")
    tree = StatsTree(name, title, roots, feed, rest[1:], frozenset((tap,)))
    tree.needs_streams = tap in ("http", "dns")
    return tree


def parse_ptype(spec: str) -> StatsTree:
    return _parse(spec, "ptype,tree", "IPv4 Statistics/IP Protocol Types",
                  [["IP Protocol Types"]], _ptype, "ip")  # fmt: skip


def parse_http(spec: str) -> StatsTree:
    total = "Total HTTP Packets"
    roots = [[total, "HTTP Request Packets"], [total, "HTTP Response Packets"]]
    roots += [[total, "HTTP Response Packets", group] for group in STATUS_GROUPS]
    return _parse(spec, "http,tree", "HTTP/Packet Counter",
                  roots + [[total, "Other HTTP Packets"]], _http, "http")  # fmt: skip


def parse_http_requests(spec: str) -> StatsTree:
    return _parse(spec, "http_req,tree", "HTTP/Requests", [["HTTP Requests by HTTP Host"]],
                  _http_requests, "http")  # fmt: skip


def parse_dns(spec: str) -> StatsTree:
    # made in the reverse of tshark's order: items of equal counts show latest-made first
    service = [["Service Stats", x] for x in ("no. of retransmissions",
               "no. of unsolicited responses", "request-response time (msec)")]  # fmt: skip
    response = [["Response Stats", f"no. of {x}"] for x in ("additionals", "answers",
                "authorities", "questions")]  # fmt: skip
    query = [["Query Stats", "Label Stats", x] for x in ("1st Level", "2nd Level",
             "3rd Level", "4th Level or more")] + [["Query Stats", "Qname Len"]]  # fmt: skip
    pivots = [["Total Packets", item] for item in reversed(DNS_PIVOTS)]
    roots = service + response + query + [["Payload size"]] + pivots
    tree = _parse(spec, "dns,tree", "DNS", roots, _dns, "dns")
    tree.dns = DnsTransactions()  # pairs answers with queries, in the order of the pass
    return tree


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
    return StatsTree(
        "dns_qry,tree", "DNS/Queries", [], _dns_queries, tap=frozenset(("dns", "mdns", "llmnr"))
    )
