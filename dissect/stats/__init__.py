"""Statistics over decoded packets: tshark's `-z` reports, one pass for all of them.

Each family has its module (phs.py: protocol hierarchy; conversations.py: conversations
and endpoints; iostat.py: I/O per interval; expert.py: expert information; trees.py:
tshark's stats trees for HTTP, DNS and IP protocol types). A statistic is an object with
`add(pkt)` (one displayed packet), `text()` (tshark's layout) and `as_dict()` (the same
numbers for -T json and the TUI). `parse(spec)` turns a `-z` argument into one, through
the table of prefixes `STATISTICS`; a new report adds one row there.

Memory is bounded by what is counted (conversations, intervals, tree items), never by
the number of packets.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from ..engine import Packet


class StatsUsageError(ValueError):
    """A -z argument that names no report or is malformed: one line for the CLI."""


class Statistic(ABC):
    """One report. `first_ns`/`last_ns` are the capture's first and last packet times
    (set by `Pass`): tshark's relative times and rates count from the first packet."""

    title = ""

    def __init__(self) -> None:
        self.first_ns: int | None = None
        self.last_ns: int | None = None

    @abstractmethod
    def add(self, pkt: Packet) -> None: ...

    @abstractmethod
    def text(self) -> str: ...

    @abstractmethod
    def as_dict(self) -> dict[str, Any]: ...


def _table() -> list[tuple[str, Callable[[str], Statistic]]]:
    from . import conversations, expert, iostat, phs, trees

    return [
        ("io,phs", phs.parse),
        ("conv,", conversations.parse_conversations),
        ("endpoints,", conversations.parse_endpoints),
        ("io,stat,", iostat.parse),
        ("expert", expert.parse),
        ("http,tree", trees.parse_http),
        ("http_req,tree", trees.parse_http_requests),
        ("dns,tree", trees.parse_dns),
        ("ptype,tree", trees.parse_ptype),
    ]


STATISTICS: list[tuple[str, Callable[[str], Statistic]]] = []  # filled on first use


def parse(spec: str) -> Statistic:
    """The statistic a -z argument names (longest matching prefix)."""
    if not STATISTICS:
        STATISTICS.extend(_table())
    for prefix, make in sorted(STATISTICS, key=lambda row: -len(row[0])):
        if spec == prefix.rstrip(",") or spec.startswith(prefix.rstrip(",") + ","):
            return make(spec)
    names = ", ".join(p.rstrip(",") for p, _ in STATISTICS)
    raise StatsUsageError(f"-z {spec!r}: unknown statistic (one of {names})")


class Pass:
    """Several statistics fed in one pass over the displayed packets."""

    def __init__(self, stats: Iterable[Statistic]) -> None:
        self.stats = list(stats)
        self.first_ns: int | None = None

    def add(self, pkt: Packet) -> None:
        for st in self.stats:
            if st.first_ns is None:
                st.first_ns = pkt.time_ns if self.first_ns is None else self.first_ns
            st.last_ns = pkt.time_ns
            st.add(pkt)

    def set_first(self, first_ns: int | None) -> None:
        """The capture's first packet time, when the display filter hid that packet."""
        self.first_ns = first_ns
        for st in self.stats:
            st.first_ns = first_ns

    def text(self) -> str:
        return "".join(st.text() for st in self.stats)

    def as_dict(self) -> list[dict[str, Any]]:
        return [st.as_dict() for st in self.stats]


def reassembly_limit(asked: int | None) -> int:
    """The reassembly the statistics count with, CLI and TUI alike: by default none (0),
    each TCP segment counted as it is -- tshark with -o tcp.desegment_tcp_streams:FALSE,
    the reference of the fixtures -- so that a report's numbers are per captured frame,
    never depend on which other report runs the stream pass, and come from the index's
    fast paths; `--reassembly-limit BYTES` (> 0) asks for PDUs put together, as
    tshark's and Wireshark's defaults, which every report then decodes to count."""
    return 0 if asked is None or asked < 0 else asked


def filter_of(text: str) -> Any:
    """A compiled display filter for a -z argument's filter part (None when empty)."""
    from ..filter import FilterError, compile_filter

    if not text.strip():
        return None
    try:
        return compile_filter(text)
    except FilterError as exc:
        raise StatsUsageError(f"filter {text!r}: {exc.message}") from None


def matches(flt: Any, pkt: Packet, first_ns: int | None) -> bool:
    return flt is None or flt.match(pkt, first_ns or 0)
