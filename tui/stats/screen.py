"""The Statistics screen (key S, or the palette): protocol hierarchy, conversations and
endpoints per layer, the I/O graph, expert information, HTTP requests and DNS queries.

All of it comes from one pass of dissect/stats/ over the displayed packets (the filtered
view, or every packet), in workers that post each statistic as it is counted (the parts
of a large capture counted in forked processes: tui/stats/counting.py) with progress;
closing the screen cancels them. Enter on a conversation or endpoint applies it as the
display filter; enter on an expert item or an I/O interval goes to its first packet.
"""

from __future__ import annotations

import copy
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

from .counting import decoding_parts, feed_row, index_parts
from .iograph import IoGraph

if TYPE_CHECKING:
    from tui.browser import BrowserScreen

PROGRESS_EVERY = 0.1  # seconds between progress messages
LIVE_EVERY = 1.0  # seconds between two looks for newly captured packets
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
    StatisticsScreen #stats-head { height: 1; width: 1fr; }
    StatisticsScreen ProgressBar { height: 1; }
    StatisticsScreen .-done ProgressBar { display: none; }
    StatisticsScreen DataTable, StatisticsScreen Tree { height: 1fr; }
    """

    class Progress(Message):
        """`done` of `total` counted by one part of the pass (see Ready)."""

        def __init__(self, part: str, done: int, total: int) -> None:
            super().__init__()
            self.part, self.done, self.total = part, done, total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StatisticsScreen.Progress) and message.part == self.part

    class Ready(Message):
        """Statistics counted (`results`: by name) by one part of the pass: "index" (the
        I/O graph, the tables and the hierarchy, from the index) or "decoding" (what
        needs each packet decoded; all of it without a complete index); `done` False
        while that part goes on."""

        def __init__(self, results: dict[str, Any], token: int, part: str,
                     done: bool = True) -> None:  # fmt: skip
            super().__init__()
            self.results, self.token, self.part, self.done = results, token, part, done

    class Decode(Message):
        """The tables are in: start the decoding process beside the hierarchy."""

        def __init__(self, rows: Any, names: list[str], token: int) -> None:
            super().__init__()
            self.rows, self.names, self.token = rows, names, token

    def __init__(self, browser: BrowserScreen) -> None:
        super().__init__()
        self.browser = browser
        self.lines: list[str] = [""]  # the I/O graph's filters ("" = every packet)
        self.token = 0
        self.results: dict[str, Any] = {}
        self.counting: dict[str, float] = {}  # part of the pass still running -> share done
        self.heading = ""
        self.sort_column: dict[str, int] = {}  # table -> the column it is sorted by
        self.pending: dict[str, Any] = {}  # table -> its statistic, until its tab is shown
        self.filling: dict[str, int] = {}  # table -> the latest fill's number (fill.py)
        self.nodes: dict[tuple, Any] = {}  # the trees' nodes by what they show (fill.py)
        self.stats_pass = Pass(())  # the statistics fed packet by packet
        self.fed = 0  # displayed rows they have seen (a live capture adds more)
        self.growing = False  # the source was still capturing when the pass began
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
        self.heading = f"Statistics of {len(rows):,} packets ({safe_text(what, 200)})"
        self.remove_class("-done")
        self.results = {}
        self.pending = {}
        if self.nodes:  # a new pass: the trees are filled again from nothing
            self.nodes = {}
            for tree in self.query(Tree):
                tree.clear()
        self.counting = {"index": 0.0, "decoding": 0.0}
        self._show_heading()
        self.growing = not self.browser.source.done
        self.compute(rows, list(self.lines), self.token)

    def _show_heading(self) -> None:
        """The heading, and which statistics are still being counted (their tables show
        what is counted so far)."""
        names = {"index": "hierarchy", "decoding": "expert, HTTP, DNS"}
        left = [f"{names[k]} {share:.0%}" for k, share in self.counting.items()]
        more = f"  counting: {', '.join(left)}" if left else ""
        # one line of the screen's width: no layout for a new share (it was most of the
        # interface's work while counting)
        self.query_one("#stats-head", Static).update(Text(self.heading + more), layout=False)

    @work(thread=True, exclusive=True, group="statistics")
    def compute(self, rows: Any, lines: list[str], token: int) -> None:
        """The I/O graph at once, then conversations and endpoints, from the index when
        the capture is read in full; the hierarchy and the statistics that need each
        packet decoded beside them, each screen drawn with what is counted so far."""
        worker = get_current_worker()
        source = self.browser.source
        stats = self._statistics(source, rows, lines)
        if self._from_index(source, rows, stats, worker, token):
            return
        self.stats_pass = Pass(stats.values())  # a live capture, pasted frames, none
        self.fed = len(rows)
        self._feed(rows, worker)
        if not worker.is_cancelled:
            self.post_message(self.Ready({}, token, "index"))
            self.post_message(self.Ready(stats, token, "decoding"))

    def _streams(self) -> Any:
        """The stream pass's fields (SEQ/ACK analysis, DNS pairs) for the expert and DNS;
        PDUs put together only when the statistics' switch asks (as the CLI's); waits
        for the browser's pass (small captures and live ones only)."""
        source = self.browser.source
        streams = source.stream_table() if source.complete_index() is not None else None
        return self._as_counted(streams)

    def _as_counted(self, streams: Any) -> Any:
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
                self.post_message(self.Progress("decoding", done, total))

    def on_statistics_screen_decode(self, message: Decode) -> None:
        if message.token == self.token:
            self.decode_forked(message.rows, message.names, message.token)

    @work(thread=True, group="statistics")
    def decode_forked(self, rows: Any, names: list[str], token: int) -> None:
        """A capture read in full and large: the decoding pass in one forked process
        (tui/stats/counting.py), its statistics drawn as they come back."""
        worker = get_current_worker()
        source = self.browser.source
        streams = self._as_counted(source.streams_if_ready())  # the process inherits it
        cancelled = lambda: worker.is_cancelled  # noqa: E731
        parts = decoding_parts(source, rows, self.stats_pass, streams, self.reassembly,
                               cancelled)  # fmt: skip
        for done, counted in parts:
            self.post_message(self.Progress("decoding", done, len(rows)))
            if counted is not None:
                final = done == len(rows)
                if final:
                    self.stats_pass = Pass(counted)
                self.post_message(self.Ready(dict(zip(names, counted, strict=True)), token,
                                             "decoding", final))  # fmt: skip

    def _from_index(self, source: Any, rows: Any, stats: dict[str, Any], worker: Any,
                    token: int) -> bool:  # fmt: skip
        """Count what the index answers: the I/O graph here (numpy over the index), the
        conversations, endpoints and the protocol hierarchy in forked processes, the
        statistics left (expert, HTTP, DNS) in another beside them (a small capture:
        here, after the others). False when the index cannot answer (a live capture,
        pasted frames): then every packet is decoded."""
        index = source.complete_index()
        if index is None or not len(rows) or max(rows) >= len(index):
            return False
        import numpy as np

        from dissect import parallel

        shown = np.arange(len(rows)) if rows == range(len(rows)) else np.asarray(rows, np.int64)
        first = index.time_ns(int(shown[0]))
        tables = [name for name in stats if name.startswith(("conv-", "endpoints-"))]
        counted = [*tables, "io"] if self.reassembly else [*tables, "io", "phs"]
        for name in counted:
            stats[name].first_ns = first
        stats["io"].from_index(index, shown)
        self.post_message(self.Ready({"io": stats["io"]}, token, "index", False))
        decoded = {k: st for k, st in stats.items() if k not in counted}
        self.stats_pass = Pass(decoded.values())
        self.fed = len(rows)
        forked = len(rows) >= parallel.MIN_PACKETS
        if forked:  # it decodes only some of the rows: the first may not be one
            self.stats_pass.set_first(first)
        # the decoding process starts once the tables are in: they come first
        decode = self.Decode(rows, list(decoded), token) if forked else None
        self._index_parts(index, shown, stats, tables, "phs" in counted, worker, token, decode)
        if worker.is_cancelled:
            return True
        self.post_message(self.Ready({}, token, "index"))
        if not forked:
            self._feed(rows, worker)
            if not worker.is_cancelled:
                self.post_message(self.Ready(decoded, token, "decoding"))
        return True

    def _index_parts(self, index: Any, shown: Any, stats: dict[str, Any], tables: list[str],
                     hierarchy: bool, worker: Any, token: int,
                     decode: Decode | None) -> None:  # fmt: skip
        """Post the index's statistics as they come; `decode` (starting the decoding
        process) right after the tables."""
        cancelled = lambda: worker.is_cancelled  # noqa: E731
        for name, got, share in index_parts(index, shown, [stats[n] for n in tables], hierarchy,
                                            cancelled):  # fmt: skip
            named = dict(zip(tables, got, strict=True)) if name == "tables" else {"phs": got}
            self.post_message(self.Ready(named, token, "index", False))
            if name == "tables" and decode is not None:
                self.post_message(decode)
            if name == "phs":
                self.post_message(self.Progress("index", round(share * len(shown)), len(shown)))

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
            self.post_message(self.Ready(dict(self.results), token, "decoding"))

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
        if message.part not in self.counting:
            return
        self.counting[message.part] = message.done / max(1, message.total)
        self._show_heading()
        if message.part == "decoding" or "decoding" not in self.counting:
            bar = self.query_one(ProgressBar)
            bar.update(total=max(1, message.total), progress=message.done)

    def on_statistics_screen_ready(self, message: Ready) -> None:
        if message.token != self.token:
            return
        self.results.update(message.results)
        if message.done:
            self.counting.pop(message.part, None)
            self._show_heading()
            if not self.counting:
                self.add_class("-done")
        from .fill import fill

        fill(self, message.results)

    # -- actions --------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.workers.cancel_group(self, "statistics")
        self.dismiss(None)

    def action_sort(self) -> None:
        """Sort the focused table by its next column (numbers: largest first)."""
        table = self.focused
        if not isinstance(table, DataTable) or not table.columns:
            return
        self.sort_table(table, (self.sort_column.get(str(table.id), -1) + 1) % len(table.columns))

    def sort_table(self, table: DataTable, n: int) -> None:
        """Sort by column n, and again once the rows still coming are in (fill.py)."""
        self.sort_column[str(table.id)] = n
        table.sort(list(table.columns)[n], key=_sort_key, reverse=True)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_table(event.data_table, event.column_index)

    @on(TabbedContent.TabActivated)
    def _tab(self, _event: TabbedContent.TabActivated) -> None:
        """A table's rows go in when its tab is shown (fill.py)."""
        from .fill import fill_shown

        self.call_after_refresh(fill_shown, self)

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
