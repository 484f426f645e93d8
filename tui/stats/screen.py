"""The Statistics screen (key S, or the palette): protocol hierarchy, conversations and
endpoints per layer, the I/O graph, expert information, HTTP requests and DNS queries.

All of it comes from one pass of dissect/stats/ over the displayed packets (the filtered
view, or every packet), in a thread worker that posts throttled progress; closing the
screen cancels it. Enter on a conversation or endpoint applies it as the display filter;
enter on an expert item or an I/O interval goes to its first packet.
"""

from __future__ import annotations

import copy
import threading
from time import monotonic
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static, TabbedContent, TabPane, Tree
from textual.worker import get_current_worker

from dissect.engine import safe_text
from dissect.stats import Pass, reassembly_limit
from dissect.stats.conversations import TYPES, Conversations, Endpoints
from dissect.stats.expert import LABELS, LEVELS, Expert
from dissect.stats.iostat import Timeline
from dissect.stats.phs import ProtocolHierarchy
from dissect.stats.trees import dns_queries, parse_http_requests
from dissect.streams import annotate

from .iograph import IoGraph

if TYPE_CHECKING:
    from tui.browser import BrowserScreen

PROGRESS_EVERY = 0.1  # seconds between progress messages
LIVE_EVERY = 1.0  # seconds between two looks for newly captured packets
SHOW_WAIT = 2.0  # the most the decoding waits for the first tables to be drawn
FORKED_SPAN = 16384  # rows the forked decoding pass reports back after (progress, cancel)
TIMELINE_BUCKETS = 2000  # fine intervals the I/O graph regroups when it zooms
CONV_COLUMNS = ("Address A", "Port A", "Address B", "Port B", "Packets", "Bytes",
                "Packets A→B", "Bytes A→B", "Packets B→A", "Bytes B→A", "Rel start", "Duration")  # fmt: skip
ENDPOINT_COLUMNS = ("Address", "Port", "Packets", "Bytes", "Tx packets", "Tx bytes",
                    "Rx packets", "Rx bytes")  # fmt: skip


class StatisticsScreen(Screen[None]):
    """Statistics of the packets the browser displays."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("s", "sort", "Sort by column"),
        Binding("r", "recompute", "Recompute"),
        Binding("f", "follow", "Follow stream"),
    ]
    DEFAULT_CSS = """
    StatisticsScreen #stats-head { height: 1; }
    StatisticsScreen ProgressBar { height: 1; }
    StatisticsScreen .-done ProgressBar { display: none; }
    StatisticsScreen DataTable, StatisticsScreen Tree { height: 1fr; }
    """

    class Progress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StatisticsScreen.Progress)

    class Ready(Message):
        def __init__(self, results: dict[str, Any], token: int, partial: bool = False) -> None:
            super().__init__()
            self.results, self.token, self.partial = results, token, partial

    def __init__(self, browser: BrowserScreen) -> None:
        super().__init__()
        self.browser = browser
        self.lines: list[str] = [""]  # the I/O graph's filters ("" = every packet)
        self.token = 0
        self.results: dict[str, Any] = {}
        self.sort_column: dict[str, int] = {}
        self.stats_pass = Pass(())  # the statistics fed packet by packet
        self.fed = 0  # displayed rows they have seen (a live capture adds more)
        self.growing = False  # the source was still capturing when the pass began
        self.shown = threading.Event()  # the index's tables are on screen
        # the statistics' reassembly, the CLI's switch (--reassembly-limit; default none)
        self.reassembly = reassembly_limit(getattr(browser.app, "reassembly_limit", None))

    def compose(self) -> ComposeResult:
        yield Static(id="stats-head")
        yield ProgressBar(id="stats-progress", total=1, show_eta=False)
        with TabbedContent(id="stats-tabs"):
            with TabPane("Protocol hierarchy", id="tab-phs"):
                yield Tree("Protocols", id="phs")
            for what, columns in (("conv", CONV_COLUMNS), ("endpoints", ENDPOINT_COLUMNS)):
                title = "Conversations" if what == "conv" else "Endpoints"
                with TabPane(title, id=f"tab-{what}"), TabbedContent(id=f"{what}-tabs"):
                    for kind, name in TYPES.items():
                        with TabPane(name, id=f"tab-{what}-{kind}"):
                            table: DataTable = DataTable(id=f"{what}-{kind}", cursor_type="row")
                            table.add_columns(*columns)
                            yield table
            with TabPane("I/O graph", id="tab-io"):
                yield IoGraph(id="io")
            with TabPane("Expert", id="tab-expert"):
                yield Tree("Expert information", id="expert")
            with TabPane("HTTP requests", id="tab-http"):
                table = DataTable(id="http", cursor_type="row")
                table.add_columns("Host", "URI", "Requests")
                yield table
            with TabPane("DNS queries", id="tab-dns"):
                table = DataTable(id="dns", cursor_type="row")
                table.add_columns("Name", "Type", "Queries")
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_recompute()
        self.set_interval(LIVE_EVERY, self._live)

    @property
    def workers_busy(self) -> bool:
        return any(w.group == "statistics" and w.is_running for w in self.workers)

    # -- computing ------------------------------------------------------------------------------
    def displayed_rows(self) -> Any:
        """The source rows the browser shows: its filtered view (copied), or every row."""
        view = self.browser.view
        return list(view) if view is not None else range(len(self.browser.source))

    def action_recompute(self) -> None:
        self.token += 1
        rows = self.displayed_rows()
        what = f"filter {self.browser.filter_text!r}" if self.browser.filter_text else "all"
        self.query_one("#stats-head", Static).update(
            Text(f"Statistics of {len(rows):,} packets ({safe_text(what, 200)})")
        )
        self.remove_class("-done")
        self.results = {}
        self.growing = not self.browser.source.done
        self.compute(rows, list(self.lines), self.token)

    @work(thread=True, exclusive=True, group="statistics")
    def compute(self, rows: Any, lines: list[str], token: int) -> None:
        """Conversations, endpoints and the I/O graph first, from the index when the
        capture is read in full (a million packets in a second or two); then the
        statistics that need each packet decoded, with progress."""
        worker = get_current_worker()
        source = self.browser.source
        stats = self._statistics(source, rows, lines)
        decoded = self._from_index(source, rows, stats, worker, token)
        if worker.is_cancelled:
            return
        if len(decoded) < len(stats):
            self.shown.clear()
            self.post_message(self.Ready(stats, token, partial=True))
            self.shown.wait(SHOW_WAIT)  # drawn before the decoding takes the interpreter
        self.stats_pass = Pass(decoded.values())
        self.fed = len(rows)
        if not self._feed_forked(rows, decoded, stats, worker):
            self._feed(rows, worker)
        if not worker.is_cancelled:
            self.post_message(self.Ready(stats, token))

    def _streams(self) -> Any:
        """The stream pass's fields (SEQ/ACK analysis, DNS pairs) for the expert and DNS;
        PDUs put together only when the statistics' switch asks (as the CLI's)."""
        source = self.browser.source
        streams = source.stream_table() if source.complete_index() is not None else None
        if streams is not None and streams.pdus is not None and not self.reassembly:
            streams = copy.copy(streams)
            streams.pdus = None  # each segment counted as it is
        return streams

    def _feed(self, rows: Any, worker: Any) -> None:
        """Decode rows into the statistics that need packets, posting progress."""
        total, last = len(rows), 0.0
        streams = self._streams()
        for done, row in enumerate(rows, 1):
            if worker.is_cancelled:
                return
            feed_row(self.browser.source, streams, row, self.stats_pass)
            if monotonic() - last >= PROGRESS_EVERY:
                last = monotonic()
                self.post_message(self.Progress(done, total))

    def _feed_forked(self, rows: Any, decoded: dict[str, Any], stats: dict[str, Any],
                     worker: Any) -> bool:  # fmt: skip
        """A capture read in full and large: the decoding pass in one forked process
        (dissect/parallel.py), a span of rows at a time so that progress shows and a
        cancel stops it between spans; the interpreter stays free for the keys. False
        when it is not for this one (then `_feed` runs here)."""
        import pickle

        from dissect import parallel

        source = self.browser.source
        if source.complete_index() is None or len(rows) < parallel.MIN_PACKETS or not decoded:
            return False
        streams = self._streams()  # made here: the process inherits it
        spans = parallel.spans(0, len(rows), FORKED_SPAN)

        def part(span: tuple[int, int]) -> bytes:  # in the process, which keeps its pass
            for row in rows[span[0] : span[1]]:
                feed_row(source, streams, row, self.stats_pass)
            return pickle.dumps(self.stats_pass.stats) if span == spans[-1] else b""

        results = parallel.ordered_map(part, spans, 1)
        got: list[bytes] = []
        try:
            for span, out in zip(spans, results, strict=False):
                if worker.is_cancelled:
                    return True
                got[:] = [out]  # the last span's holds the statistics
                self.post_message(self.Progress(span[1], len(rows)))
        finally:
            results.close()
        counted = pickle.loads(got[0])
        stats.update(zip(decoded, counted, strict=True))
        self.stats_pass = Pass(counted)
        return True

    def _from_index(self, source: Any, rows: Any, stats: dict[str, Any], worker: Any,
                    token: int) -> dict[str, Any]:  # fmt: skip
        """Count what the index answers: the I/O graph here (numpy over the index), the
        conversations, endpoints and the protocol hierarchy in forked processes
        (dissect/parallel.py: the interpreter stays free for the keys), drawn as they
        come; the statistics left for the decoding pass."""
        index = source.complete_index()
        if index is None or not len(rows) or max(rows) >= len(index):
            return dict(stats)  # a live capture, pasted frames: every packet decoded
        import numpy as np

        shown = np.asarray(rows, np.int64)
        first = index.time_ns(int(shown[0]))
        tables = [name for name in stats if name.startswith(("conv-", "endpoints-"))]
        counted = [*tables, "io"] if self.reassembly else [*tables, "io", "phs"]
        for name in counted:
            stats[name].first_ns = first
        stats["io"].from_index(index, shown)

        def progress(done: int, total: int) -> None:
            self.post_message(self.Progress(done, total))

        cancelled = lambda: worker.is_cancelled  # noqa: E731
        hierarchy = "phs" in counted
        for name, got in index_parts(index, shown, [stats[n] for n in tables], hierarchy,
                                     cancelled, progress):  # fmt: skip
            if name == "tables":
                stats.update(zip(tables, got, strict=True))
                self.post_message(self.Ready(dict(stats), token, partial=True))
            else:
                stats["phs"] = got
        if worker.is_cancelled:
            return {}
        return {k: st for k, st in stats.items() if k not in counted}

    def _live(self) -> None:
        """A live capture: the packets displayed since the last pass join the statistics."""
        if self.workers_busy or self.browser.source.done and not self.growing:
            return
        rows = self.displayed_rows()
        if len(rows) > self.fed:
            self.more(list(rows)[self.fed :], self.token)

    @work(thread=True, exclusive=True, group="statistics")
    def more(self, rows: list[int], token: int) -> None:
        worker = get_current_worker()
        self.fed += len(rows)
        self._feed(rows, worker)
        if not worker.is_cancelled:
            self.post_message(self.Ready(self.results, token))

    @staticmethod
    def _statistics(source: Any, rows: Any, lines: list[str]) -> dict[str, Any]:
        first, last = _time_span(source, rows)
        bucket = max(1, -(-(last - first + 1) // TIMELINE_BUCKETS))
        stats: dict[str, Any] = {"phs": ProtocolHierarchy(), "expert": Expert(checksums=True),
                                 "http": parse_http_requests("http_req,tree"),
                                 "dns": dns_queries(),
                                 "io": Timeline(first, bucket, TIMELINE_BUCKETS, lines)}  # fmt: skip
        for kind in TYPES:
            stats[f"conv-{kind}"] = Conversations(kind, "")
            stats[f"endpoints-{kind}"] = Endpoints(kind, "")
        return stats

    def on_statistics_screen_progress(self, message: Progress) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, message.total), progress=message.done)

    def on_statistics_screen_ready(self, message: Ready) -> None:
        if message.token != self.token:
            return
        self.results = message.results
        if not message.partial:
            self.add_class("-done")
        from .fill import fill_all

        fill_all(self, message.results)
        self.shown.set()

    # -- actions --------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.workers.cancel_group(self, "statistics")
        self.dismiss(None)

    def action_sort(self) -> None:
        """Sort the focused table by its next column (numbers: largest first)."""
        table = self.focused
        if not isinstance(table, DataTable) or not table.columns:
            return
        n = (self.sort_column.get(str(table.id), -1) + 1) % len(table.columns)
        self.sort_column[str(table.id)] = n
        key = list(table.columns)[n]
        table.sort(key, key=_sort_key, reverse=True)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.data_table.sort(event.column_key, key=_sort_key, reverse=True)

    @on(DataTable.RowSelected)
    def _row(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if isinstance(key, str) and key.startswith("filter:"):
            self.apply_filter(key[len("filter:") :].split("\0")[0])  # \0: a row's own number

    def action_follow(self) -> None:
        """Follow the TCP or UDP stream of the conversation under the cursor (the
        browser's follow screen, from the conversation's first packet)."""
        table = self.focused
        first = 0
        if isinstance(table, DataTable) and str(table.id) in ("conv-tcp", "conv-udp"):
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                first = int(str(key).rpartition("\0")[2] or 0)
        if first <= 0:
            self.notify("Select a TCP or UDP conversation to follow its stream.",
                        severity="warning")  # fmt: skip
            return
        browser = self.browser
        self.action_close()
        browser.notify("Following the stream…", timeout=2)
        browser.follow_worker(browser.source, first - 1)

    @on(Tree.NodeSelected, "#expert")
    def _expert(self, event: Tree.NodeSelected) -> None:
        number = event.node.data
        if isinstance(number, int):
            self.go_to_packet(number)

    def add_line(self, flt: str) -> None:
        """The I/O graph's new line: computed with the others in a new pass."""
        if flt not in self.lines:
            self.lines.append(flt)
            self.action_recompute()

    # -- back to the packets ------------------------------------------------------------------
    def apply_filter(self, text: str) -> None:
        from tui.filtering import FilterBar

        browser = self.browser
        self.action_close()
        bar = browser.query_one(FilterBar)
        bar.value = text
        bar.add_class("-shown")
        browser.apply_filter(text)

    def go_to_packet(self, number: int) -> None:
        from tui.widgets.packet_list import PacketList

        browser = self.browser
        row = browser.display_row(number - 1)
        if row is None:
            self.notify(f"Packet {number} is not displayed.", severity="warning")
            return
        self.action_close()
        plist = browser.query_one(PacketList)
        plist.cursor = row
        plist.focus()


def _time_span(source: Any, rows: Any) -> tuple[int, int]:
    """(earliest, latest) time of the rows: from the index's arrays at once when it holds
    them all, else row by row."""
    index = source.complete_index()
    if index is None or not len(rows) or max(rows) >= len(index):
        return source.time_span(rows)
    import numpy as np

    from dissect.fastfilter import times_ns

    times = times_ns(index, index.arrays(0, len(index))[3])[np.asarray(rows, np.int64)]
    return int(times.min()), int(times.max())


def _sort_key(value: Any) -> Any:
    """Numbers by value before text; a cell is a number or its text."""
    if isinstance(value, int | float):
        return (1, value, "")
    text = value.plain if isinstance(value, Text) else str(value)
    return (0, 0, text)


def severity_order() -> list[tuple[str, str]]:
    return [(sev, LABELS[sev]) for sev in reversed(LEVELS)]


def index_parts(index: Any, shown: Any, tables: list[Any], hierarchy: bool, cancelled: Any,
                progress: Any) -> Any:  # fmt: skip
    """("tables", the tables counted) then ("phs", the hierarchy) of the shown records:
    the tables in two forked processes (half each), then the hierarchy's records a
    span each (dissect/stats/phs.py), unless the capture is small (counted
    here). `cancelled()` true stops the processes between parts; `progress(done, total)`
    follows the hierarchy's spans."""
    import pickle

    from dissect import parallel
    from dissect.stats import phs
    from dissect.stats.vector import count_tables

    size = max(parallel.CHUNK, len(shown) // (8 * max(1, parallel.worker_count())))
    halves = [tables[: len(tables) // 2], tables[len(tables) // 2 :]]  # one per process
    work = [(-1, 0), (-1, 1), *(parallel.spans(0, len(shown), size) if hierarchy else [])]

    def part(span: tuple[int, int]) -> bytes:
        if span[0] < 0:
            count_tables(halves[span[1]], index, shown, False)
            return pickle.dumps(halves[span[1]])
        return pickle.dumps(phs.count_paths(index, shown[span[0] : span[1]], False))

    if len(shown) < parallel.MIN_PACKETS:
        results: Any = (part(span) for span in work)
    else:
        results = parallel.ordered_map(part, work, max(2, parallel.worker_count()))
    paths: list[Any] = []
    try:
        for k, got in enumerate(results):
            if cancelled():
                return
            if k == 0:
                counted = pickle.loads(got)
            elif k == 1:
                yield "tables", counted + pickle.loads(got)
            else:
                paths.append(pickle.loads(got))
                progress(k - 1, len(work) - 2)
    finally:
        results.close()
    if hierarchy:
        tree = ProtocolHierarchy()
        tree.first_ns = tables[0].first_ns if tables else None
        phs.add_paths(tree, phs.merge_paths(paths), index, shown)
        yield "phs", tree


def feed_row(source: Any, streams: Any, row: int, stats_pass: Pass) -> None:
    """Decode one displayed row (with its stream fields) into the statistics."""
    pkt = source.fresh_packet(row)
    if streams is not None and row < source.indexed:
        annotate(pkt, streams)
    stats_pass.add(pkt)
    pkt.release()
