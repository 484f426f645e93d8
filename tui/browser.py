"""The main screen: packet list, tree/OSI tabs and hex pane, and the glue between them.

Widgets get packets as attributes and post messages; this screen answers them. Workers
(indexing, row decoding) run on threads and only post messages back here.
"""

from __future__ import annotations

import threading
from time import monotonic
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from dissect.engine import Field, Layer, Packet, safe_text
from dissect.streams.follow import Followed

from .clipboard import copy_text, copy_to_file
from .courtesy import settle
from .filtering import FilterActions, FilterBar
from .list_actions import ListActions
from .live import LiveActions
from .messages import IndexProgress, PacketAnnotated, RowsDecoded, StreamsReady
from .source import BLOCK, CaptureError, PacketSource, annotated_dump
from .teaching import TeachingActions
from .widgets.field_tree import FieldTree, TreeItem
from .widgets.hex_pane import HexPane, data_source, field_at
from .widgets.key_footer import KeyFooter
from .widgets.osi_panel import OsiPanel, explain_item
from .widgets.packet_list import PacketList
from .widgets.status_bar import Status, StatusBar

# The dialogs (.screens) and the follow screen are imported when first opened: nothing of
# them is on the first screen.
if TYPE_CHECKING:
    from .app import LayerscopeApp
    from .screens import PasteResult

OPEN_NOTE_AFTER = 0.5  # seconds an open may take before a note says what it waits for
# Records per index_more call: ~3 ms, so cancelling is prompt and a step that began just
# before a key holds the interpreter from it briefly (the next waits for the keys).
INDEX_CHUNK = 16384
FIRST_CHUNK = 4096  # indexed before the first screen; the rest once it is drawn
FIRST_SCREEN_WAIT = 0.5  # seconds the indexer waits for the first rows at most
EXPLAIN_LINES = 3  # the explanation's max-height in app.tcss
ROWS_PIECE = 100  # off-screen list rows decoded between two looks at the keys (~2 ms)
PROGRESS_EVERY = 0.1  # seconds between progress messages: often enough to look alive, rarely enough to cost nothing


def _pieces(start: int, stop: int) -> list[tuple[int, int]]:
    return [(a, min(stop, a + ROWS_PIECE)) for a in range(start, stop, ROWS_PIECE)]


def whole_bit_field(layer: Layer, f: Field) -> Field:
    """A click on a byte of flags picks the Flags field, not whichever flag came last.

    The flags of one word share its span, so Packet.field_at cannot tell them apart; the parent
    is the honest answer, and its bit line shows every flag.
    """
    if not f.mask or f.spec.parent is None:
        return f
    for cand in layer.walk():
        if cand.children and f in cand.children and (cand.pos, cand.len) == (f.pos, f.len):
            return cand
    return f


class BrowserScreen(FilterActions, LiveActions, ListActions, TeachingActions):
    """Three panes like Wireshark's, in a terminal (live-capture keys come from LiveActions,
    the display filter bar and its worker from FilterActions, marks, find, export and a
    field's actions from ListActions, teaching mode from TeachingActions)."""

    BINDINGS = [
        Binding("tab", "cycle(1)", "Next pane", show=False, priority=True),
        Binding("shift+tab", "cycle(-1)", "Previous pane", show=False, priority=True),
        Binding("backslash", "zoom", "Zoom pane"),
        Binding("vertical_line", "side", "Hex beside"),
        Binding("l", "osi", "OSI panel"),
        Binding("g", "first", "First packet", show=False),
        Binding("G", "last", "Last packet", show=False),
        Binding("ctrl+g", "goto", "Go to"),
        Binding("p", "paste", "Paste hex"),
        Binding("o", "open", "Open"),
        Binding("c", "copy", "Copy"),
        Binding("F", "follow", "Follow stream", show=False),
        Binding("plus", "resize(5)", "Grow list", show=False),
        Binding("minus", "resize(-5)", "Shrink list", show=False),
    ]

    # Textual repaints the whole screen when the focus moves (every pane and row rendered
    # again: most of a pane switch's time); the two widgets and the containers whose
    # :focus-within changed restyle and repaint themselves already.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0  # bumps when the source changes: late worker results are dropped
        self.first_rows = threading.Event()  # set once the first rows are on screen
        self.packet: Packet | None = None
        self.item: TreeItem | None = None
        self.list_height = 45  # percent of the screen
        self.opening = 0  # bumps with each open (and its answer): stale results are dropped
        self.failure_told: str | None = None
        self.explain_lines = -1  # lines the explanation under the tree takes

    @property
    def source(self) -> PacketSource:
        app: LayerscopeApp = self.app  # type: ignore[assignment]
        return app.source

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter")
        yield PacketList(id="packets")
        with Container(id="detail"):
            with TabbedContent(id="tabs", initial="tab-tree"):
                with TabPane("Layers", id="tab-tree"):
                    yield FieldTree(id="tree")
                    yield Static(id="explain")
                with TabPane("OSI", id="tab-osi"):
                    yield OsiPanel(id="osi")
            yield HexPane(id="hex")
        yield StatusBar(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        app: LayerscopeApp = self.app  # type: ignore[assignment]
        self.query_one(PacketList).rules = app.colouring.rules
        for problem in app.rule_problems:
            self.notify(problem, title="Colouring rules", severity="warning", markup=False)
        self.load_source()
        initial = getattr(self.app, "initial_filter", None)  # -Y on the command line
        if initial:
            from .app import visible_controls  # the bar draws its text as it is, like a paste

            initial = visible_controls(initial)
            bar = self.query_one(FilterBar)
            bar.value = initial
            bar.add_class("-shown")
            self.apply_filter(initial)

    # -- source and indexing ---------------------------------------------------------------
    def load_source(self) -> None:
        """(Re)start on the app's current source: empty views, then index in the background."""
        self.generation += 1
        self.query_one(PacketList).reset()
        self.query_one(PacketList).live = self.source.kind == "live"
        self.show_no_packet()
        self.update_status()
        self.query_one(PacketList).focus()
        self.first_rows = threading.Event()
        self.index_source(self.source, self.generation, self.first_rows)
        self.reapply_filter()  # the filter stays on for the new source, as in Wireshark

    def show_no_packet(self) -> None:
        """No packet selected (a new source, a filter that matches nothing): empty panes,
        not the last packet's."""
        self.packet = self.item = None
        self.query_one(HexPane).show_packet(None)
        tree = self.query_one(FieldTree)
        tree.clear()
        tree.packet = None
        self.show_explanation(Text(""))
        self.show_osi()

    @work(thread=True, exclusive=True, group="index")
    def index_source(
        self, source: PacketSource, generation: int, first_rows: threading.Event
    ) -> None:
        """Index a first screen's worth, let the first rows be decoded and drawn (one GIL:
        the walk would slow them down), then the rest at full speed."""
        worker = get_current_worker()
        chunk = FIRST_CHUNK
        last = 0.0
        courtesy = self.app.courtesy  # type: ignore[attr-defined]
        while not worker.is_cancelled:
            if chunk == INDEX_CHUNK:
                courtesy.pause()
            done = source.index_more(chunk)
            now = monotonic()
            if done or now - last >= PROGRESS_EVERY:
                last = now
                self.post_message(IndexProgress(generation, len(source), done, source.progress))
            if done:
                # the stream pass, in the background after the index: the packet shown next
                # gets its stream fields and PDUs put together across segments; it steps
                # aside for the keys between its chunks, as the index walk does
                if source.stream_table(courtesy.pause) is not None and not worker.is_cancelled:
                    self.post_message(StreamsReady(generation))
                return
            if chunk == FIRST_CHUNK:
                first_rows.wait(FIRST_SCREEN_WAIT)
                chunk = INDEX_CHUNK

    def on_streams_ready(self, message: StreamsReady) -> None:
        """Show the selected packet again, now with what the stream pass adds."""
        if message.generation != self.generation:
            return
        settle()  # its tables stay as long as the capture: out of the collector's walks
        if self.packet is None:
            return
        self.source.forget_decodes()
        row = self.query_one(PacketList).cursor
        if 0 <= row < self.displayed():
            self._packet_highlighted(PacketList.PacketHighlighted(row))

    def on_index_progress(self, message: IndexProgress) -> None:
        if message.generation != self.generation:
            return
        if self.view is None:  # a filtered list grows with the filter worker's matches
            self.query_one(PacketList).set_count(len(self.source))
        self.update_status()
        self.notice_failure()

    def _first_rows_drawn(self) -> None:
        self.first_rows.set()  # the indexer may go on
        settle()

    @on(PacketList.RowsWanted)
    def _rows_wanted(self, message: PacketList.RowsWanted) -> None:
        plist = self.query_one(PacketList)
        top = int(plist.scroll_y)
        for block in sorted(message.blocks):
            rows = self.view_rows(block * BLOCK, (block + 1) * BLOCK)
            lo = max(0, top - block * BLOCK)
            shown = (lo, max(lo, min(len(rows), top + plist.body_height - block * BLOCK)))
            self.decode_rows(self.source, self.generation, block, rows, self.view_token, shown)

    @work(thread=True, group="rows")
    def decode_rows(
        self,
        source: PacketSource,
        generation: int,
        block: int,
        rows: list[int],
        view: int,
        shown: tuple[int, int],
    ) -> None:
        """Rows on screen first (a first screen or `G` does not wait for 1,000 decodes),
        then the rest of the block, which steps aside for keys a little (the keys do not
        wait for those rows; a key held down scrolls into them, so not for long)."""
        lo, hi = shown
        out: list = [None] * len(rows)
        if hi - lo < len(rows):
            out[lo:hi] = source.summaries_of(rows[lo:hi])
            self.post_message(RowsDecoded(generation, block, list(out), view, partial=True))
            pause = self.app.courtesy.brief_pause  # type: ignore[attr-defined]
            # the rows below the screen first: where G lands, where a held key scrolls to
            for a, b in (*_pieces(hi, len(rows)), *_pieces(0, lo)):
                pause()
                out[a:b] = source.summaries_of(rows[a:b])
        else:
            out = source.summaries_of(rows)
        self.post_message(RowsDecoded(generation, block, out, view))

    def on_rows_decoded(self, message: RowsDecoded) -> None:
        if message.generation == self.generation and message.view == self.view_token:
            self.query_one(PacketList).set_rows(message.block, message.rows, message.partial)
            if not self.first_rows.is_set():
                self.call_after_refresh(self._first_rows_drawn)
            self.notice_failure()

    # -- selection: packet -> tree + hex; tree -> hex; hex -> tree ------------------------------
    @on(PacketList.PacketHighlighted)
    def _packet_highlighted(self, message: PacketList.PacketHighlighted) -> None:
        """Decode the packet under the cursor into the panes, unless the cursor has moved on
        already (keys held down): the message for where it is now follows this one."""
        if message.row >= self.displayed() or message.row != self.query_one(PacketList).cursor:
            return
        self.app.hold_collector()  # type: ignore[attr-defined]
        self.packet = pkt = self.source.packet_now(
            self.source_row(message.row),
            lambda row: self.post_message(PacketAnnotated(row)),
            self.app.courtesy.pause,  # type: ignore[attr-defined]
        )
        self.query_one(HexPane).show_packet(pkt, self.source.origins(pkt))
        tree = self.query_one(FieldTree)
        tree.show_packet(pkt)
        node = tree.cursor_node  # the field kept from the last packet: highlighted now, so
        if node is not None and node.data is not None:  # the key costs one paint, not two
            self.select_item(node.data)
        else:
            self.show_osi()
        self.update_status()
        self.flush_refreshes()
        self.call_after_refresh(self.app.courtesy.touched)  # type: ignore[attr-defined]

    def flush_refreshes(self) -> None:
        """Hand the panes' repaints to the screen now, in this message, not from each pane's
        own idle: the screen paints once all of them are in (one paint per key). Left to
        the panes, the screen often goes idle with only the list's repaint and paints it
        alone, and the rest waits for the next frame (up to 1/60 s later)."""
        for pane in (
            self.query_one(PacketList),
            self.query_one(FieldTree),
            self.query_one(HexPane),
            self.query_one("#explain"),
            self.query_one(StatusBar),
        ):
            for widget in (pane, pane._vertical_scrollbar):  # the list's moves as it scrolls
                if widget is not None:
                    widget._check_refresh()  # what the widget's idle does, done now

    def on_packet_annotated(self, message: PacketAnnotated) -> None:
        """The selected packet's stream fields are ready: show it again with them."""
        row = self.query_one(PacketList).cursor
        if 0 <= row < self.displayed() and self.source_row(row) == message.row:
            self._packet_highlighted(PacketList.PacketHighlighted(row))

    @on(FieldTree.FieldSelected)
    def _field_selected(self, message: FieldTree.FieldSelected) -> None:
        if message.item is not self.item:  # else already shown (see _packet_highlighted)
            self.select_item(message.item)

    def select_item(self, item: TreeItem) -> None:
        """A tree item is selected: its bytes in the hex pane, its explanation, the OSI panel."""
        self.item = item
        hexpane = self.query_one(HexPane)
        layer = item.layer
        span = (layer.pos, layer.pos + layer.len) if layer is not None and layer.len else None
        if layer is not None and self.packet is not None:
            shown = data_source(self.packet, layer)  # a reassembled layer: its own bytes
            if shown is not hexpane.packet:
                hexpane.show_source(shown)
        if item.field is not None:
            f = item.field
            caption = f"{f.label}: {f.show}"
            hexpane.set_highlight((f.pos, f.len, f.mask), span, caption)
            if f.len and not f.pos <= hexpane.cursor < f.pos + f.len:
                hexpane.move_cursor_to(f.pos)  # not when the hex cursor itself picked the field
        elif item.issue is not None:
            hexpane.set_highlight((item.issue.pos, item.issue.len, 0), span)
        else:
            hexpane.set_highlight(None, span)
        self.show_explanation(explain_item(item))
        self.show_osi()

    def show_explanation(self, text: Text) -> None:
        """The line under the tree; the layout is done again only when its height changes
        (a layout pass costs more than the rest of a key's work)."""
        box = self.query_one("#explain", Static)
        lines = min(EXPLAIN_LINES, len(text.wrap(self.app.console, max(1, box.content_size.width))))
        box.update(text, layout=lines != self.explain_lines)
        self.explain_lines = lines

    def show_osi(self) -> None:
        """The OSI panel follows the selection while its tab is shown (and catches up when
        the tab is chosen): updating it hidden would cost a layout pass at every key."""
        if self.query_one(TabbedContent).active == "tab-osi":
            self.query_one(OsiPanel).show(self.packet, self.item)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, _message: TabbedContent.TabActivated) -> None:
        self.show_osi()

    @on(HexPane.ByteClicked)
    def _byte_clicked(self, message: HexPane.ByteClicked) -> None:
        if self.packet is None:
            return
        shown = self.query_one(HexPane).packet
        hit = field_at(self.packet, shown if shown is not None else self.packet, message.offset)
        if hit is not None:
            self.query_one(FieldTree).select_field(whole_bit_field(*hit))

    def refresh_rows(self) -> None:
        """Decode the rows again (colouring rules or applied columns changed)."""
        cursor = self.query_one(PacketList).cursor
        self._show_rows(self.source_row(cursor) if 0 <= cursor < self.displayed() else None)

    def update_status(self) -> None:
        source, pkt = self.source, self.packet
        warnings = source.warnings
        self.query_one(StatusBar).show(Status(
            source=source.name, kind=source.kind, packets=len(source), displayed=self.displayed(),
            selected=pkt.number if pkt else None, nbytes=pkt.caplen if pkt else None,
            done=source.done, progress=source.progress,
            warning=source.failure or (warnings[-1] if warnings else ""),
            live=self.live_status(), filter=self.filter_status(), applied=self.filter_text,
            **self.list_status(),
        ))  # fmt: skip

    # -- layout actions --------------------------------------------------------------------
    def _panes(self) -> list[Widget]:
        tabs = self.query_one(TabbedContent)
        detail: Widget = (
            self.query_one(OsiPanel) if tabs.active == "tab-osi" else self.query_one(FieldTree)
        )
        return [self.query_one(PacketList), detail, self.query_one(HexPane)]

    def action_cycle(self, step: int) -> None:
        panes = self._panes()
        focused = self.focused
        current = next(
            (i for i, w in enumerate(panes) if focused is w or (focused in w.walk_children())), -1
        )
        target = panes[(current + step) % len(panes)]
        if self.maximized is not None:
            self.maximize(target, container=False)
        # The focus moves now, not from a callback (Widget.focus repaints the pane at once
        # and restyles it later: two paints), and both panes hand their repaints over.
        self.set_focus(target)
        for pane in panes:
            for widget in (pane, pane._vertical_scrollbar):  # its colours follow the focus
                if widget is not None:
                    widget._check_refresh()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused, container=False)

    def action_side(self) -> None:
        self.query_one("#detail").toggle_class("side")

    def action_osi(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-tree" if tabs.active == "tab-osi" else "tab-osi"
        self._panes()[1].focus()

    def action_resize(self, delta: int) -> None:
        self.list_height = max(10, min(80, self.list_height + delta))
        plist = self.query_one(PacketList)
        plist.styles.max_height = plist.styles.height = f"{self.list_height}%"

    def action_first(self) -> None:
        self.query_one(PacketList).cursor = 0

    def action_last(self) -> None:
        plist = self.query_one(PacketList)
        plist.cursor = plist.count - 1

    # -- dialogs -----------------------------------------------------------------------------
    def action_goto(self) -> None:
        def go(number: int | None) -> None:
            plist = self.query_one(PacketList)
            if number is None:
                return
            if not 1 <= number <= len(self.source):
                self.notify(
                    f"No packet {number}: there are {len(self.source):,}.", severity="warning"
                )
                return
            row = self.display_row(number - 1)
            if row is None:
                self.notify(f"Packet {number} is hidden by the display filter.", severity="warning")
                return
            plist.cursor = row
            plist.focus()

        from .screens import GotoScreen

        self.app.push_screen(GotoScreen(len(self.source)), go)

    # -- follow stream (tui/follow.py) ---------------------------------------------------------
    def action_follow(self) -> None:
        """Follow the selected packet's TCP or UDP stream; the stream pass and the stream's
        reassembly run in a worker."""
        row = self._selected_source_row()
        if row is None:
            self.notify("Select a TCP or UDP packet to follow its stream.", severity="warning")
            return
        self.notify("Following the stream…", timeout=2)
        self.follow_worker(self.source, row)

    @work(thread=True, exclusive=True, group="follow")
    def follow_worker(self, source: PacketSource, row: int) -> None:
        followed = source.follow(row)
        self.app.call_from_thread(self.show_follow, followed)

    def show_follow(self, followed: Followed | None) -> None:
        if followed is None:
            self.notify("This packet is neither TCP nor UDP of a capture file.", severity="warning")
            return
        previous = self.filter_text

        def closed(frame: int | None) -> None:
            if frame is not None:
                row = self.display_row(frame - 1)
                if row is not None:
                    self.query_one(PacketList).cursor = row
            self.apply_filter(previous)  # the list as it was (the selection kept)
            if not previous:
                self.query_one(FilterBar).remove_class("-shown")
            self.query_one(PacketList).focus()

        stream_filter = f"{followed.kind}.stream eq {followed.stream}"
        bar = self.query_one(FilterBar)
        bar.value = stream_filter
        bar.add_class("-shown")
        self.apply_filter(stream_filter)
        from .follow import FollowScreen

        self.app.push_screen(FollowScreen(followed), closed)

    def action_paste(self) -> None:
        from .screens import PasteHexScreen

        app: LayerscopeApp = self.app  # type: ignore[assignment]
        self.app.push_screen(PasteHexScreen(self.source.preview_hex, app.linktype), self.add_pasted)

    def add_pasted(self, result: PasteResult | None) -> None:
        """Pasted packets join the list; the first of them is selected."""
        if result is None:
            return
        rows = self.source.add_hex(result.preview, result.linktype)
        plist = self.query_one(PacketList)
        if self.view is not None:  # filtered: the pasted packets show if they match
            self.reapply_filter()
        else:
            plist.set_count(len(self.source))
        if rows and self.view is None:
            plist.cursor = rows.start
            plist.focus()
        self.notify(f"Added {len(rows)} packet(s) from the pasted dump.")
        self.update_status()

    def action_open(self) -> None:
        from .screens import OpenFileScreen

        self.ask_unsaved(
            "opening another capture",
            lambda: self.app.push_screen(OpenFileScreen(), self.open_path),
        )

    class Opened(Message):
        """The open worker's result: a source, or why there is none."""

        def __init__(self, token: int, source: PacketSource | None, error: str = "") -> None:
            super().__init__()
            self.token, self.source, self.error = token, source, error

    def open_path(self, path: str | None) -> None:
        """Open in a worker: a FIFO waits for a writer, a stream for its first bytes, and
        the UI goes on meanwhile (a note says so when it takes a while)."""
        if not path:
            return
        self.opening += 1
        token = self.opening

        def still_waiting() -> None:
            if self.opening == token:
                self.notify(f"Waiting for {safe_text(path, 200)} to send a capture…",
                            markup=False)  # fmt: skip

        self.set_timer(OPEN_NOTE_AFTER, still_waiting)
        self.open_worker(path, token)

    @work(thread=True, exclusive=True, group="open")
    def open_worker(self, path: str, token: int) -> None:
        try:
            self.post_message(self.Opened(token, PacketSource.open(path)))
        except CaptureError as exc:
            self.post_message(self.Opened(token, None, str(exc)))

    def on_browser_screen_opened(self, message: Opened) -> None:
        if message.token != self.opening:  # a later open replaced this one
            if message.source is not None:
                message.source.close()
            return
        self.opening += 1  # answered: no "waiting" note any more
        if message.source is None:
            # the message quotes the path, which may hold escape sequences
            self.notify(safe_text(message.error, 400), severity="error", title="Cannot open",
                        markup=False)  # fmt: skip
            return
        app: LayerscopeApp = self.app  # type: ignore[assignment]
        self.workers.cancel_group(self, "index")
        app.replace_source(message.source)
        self.load_source()

    def notice_failure(self) -> None:
        """Say once when the capture file shrank under us (the list keeps what was read)."""
        failure = self.source.failure
        if failure and failure != self.failure_told:
            self.failure_told = failure
            self.notify(safe_text(f"{self.source.name}: {failure}", 400), severity="error",
                        title="Capture file changed", markup=False)  # fmt: skip
            self.update_status()

    def action_copy(self) -> None:
        if self.packet is None:
            self.notify("No packet selected.", severity="warning")
            return
        from .screens import CopyScreen

        self.app.push_screen(CopyScreen(), self.copy)

    def copy(self, choice: str | None) -> None:
        pkt, item = self.packet, self.item
        if choice is None or pkt is None:
            return
        what_to_copy = choice.removeprefix("file:")
        if what_to_copy == "value":
            if item is not None and item.field is not None:
                text, what = item.field.show, item.field.name
            elif item is not None and item.layer is not None:
                text, what = item.layer.title, item.layer.protocol.name
            else:
                self.notify("Select a field in the tree first.", severity="warning")
                return
        elif what_to_copy == "hex":
            text, what = pkt.data.hex(), f"packet #{pkt.number} as hex"
        else:
            text, what = annotated_dump(pkt), f"annotated dump of packet #{pkt.number}"
        if choice.startswith("file:"):
            try:
                path = copy_to_file(text)
            except OSError as exc:
                self.notify(f"Cannot write the file: {exc}", severity="error", markup=False)
                return
            self.notify(f"Wrote {what} to {path}.", markup=False)
            return
        sure, how = copy_text(self.app, text)
        self.notify(f"{what} ({len(text)} characters): {how}.", markup=False,
                    severity="information" if sure else "warning")  # fmt: skip
