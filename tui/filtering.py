"""The display-filter bar and the filtering worker (`/` opens it, enter applies, esc cancels).

The bar checks the filter as you type: red (with the error and its column in the border)
while invalid, green when valid, and completes field names from the registry. Applying
starts a thread worker that scans the source in steps and posts the matching rows as it
finds them; a new filter cancels the running one, esc stops it where it is, and clearing
the filter switches the list back to every packet at once (nothing is rescanned).

BrowserScreen mixes in FilterActions; the list shows *display rows*, which `source_row`
maps to source rows through `self.view` (an array of the matching rows, or None).
"""

from __future__ import annotations

import bisect
import re
import time
from array import array
from time import monotonic
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.suggester import Suggester
from textual.validation import ValidationResult, Validator
from textual.widgets import Input
from textual.worker import get_current_worker

from dissect.engine import Field, Packet, safe_text
from dissect.filter import FilterError, compile_filter, complete

if TYPE_CHECKING:
    from dissect.filter import Filter

    from .source import PacketSource

__all__ = ["FilterActions", "FilterBar", "FilterProgress", "field_filter", "joined_filter"]

# Records per scan call, answered from fixed offsets in one vectorised step (~3 ms): a worker
# step runs to its end even when a key arrives meanwhile (the scanner yields smaller steps
# inside for records it decodes one by one).
SCAN_STEP = 1 << 14
PROGRESS_EVERY = 0.1  # seconds between progress messages: often enough to look alive, rarely enough to cost nothing
WAIT = 0.05  # seconds between looks at an index that is still growing


class FieldSuggester(Suggester):
    """Completes the last word of the filter to a field, alias or protocol name."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value)


class FilterValidator(Validator):
    """A filter is valid when it compiles; the failure says what and at which column."""

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            compile_filter(value)
        except FilterError as exc:
            return self.failure(f"column {exc.column}: {exc.message}")
        return self.success()


class FilterBar(Input):
    """The `/` bar. Posts Applied on enter and Cancelled on escape; up and down walk the
    filters applied before; leaving it without applying puts the applied filter back, so
    the bar never shows a filter other than the one in force."""

    DEFAULT_CSS = """
    FilterBar { display: none; height: 3; border: round $primary 40%; }
    FilterBar:focus { border: round $primary; }
    FilterBar.-shown { display: block; }
    FilterBar.-valid, FilterBar.-valid:focus { border: round $success; }
    FilterBar.-invalid, FilterBar.-invalid:focus { border: round $error; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Clear the filter (stop it while it runs)", show=False),
        Binding("up", "history(-1)", "Earlier filter", show=False),
        Binding("down", "history(1)", "Later filter", show=False),
    ]
    HISTORY = 100  # filters remembered

    class Applied(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="display filter, e.g. tcp.port == 80 && ip.addr == 10.0.0.0/8",
            suggester=FieldSuggester(),
            validators=[FilterValidator()],
            validate_on=["changed", "submitted"],
            valid_empty=True,
            id=id,
        )
        self.border_title = "Filter"
        self.history: list[str] = []
        self.applied = ""  # the filter in force (what the bar shows when not being edited)
        self._step = 0  # position in the history while walking it (0 = past the newest)

    def remember(self, text: str) -> None:
        """A filter was applied: it is in force and the newest in the history."""
        self.applied = text
        if text:
            if text in self.history:
                self.history.remove(text)
            self.history = [*self.history, text][-self.HISTORY :]
        self._step = 0

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        n = len(self.history)
        self._step = max(-n, min(0, self._step + step if self._step else (-1 if step < 0 else 0)))
        self.value = self.history[self._step] if self._step else ""
        self.cursor_position = len(self.value)

    def on_blur(self) -> None:
        if self.value.strip() != self.applied:
            self.value = self.applied

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        failures = result.failure_descriptions if result is not None else []
        # Text, not str: a str border title is parsed as markup, and the message quotes
        # the filter ("[/]" in it would raise, "[b]" would restyle it).
        self.border_subtitle = Text(safe_text(failures[0], 200)) if failures else ""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.app.bell()
            return
        self.post_message(self.Applied(self.value.strip()))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class FilterProgress(Message):
    """Matching rows found since the last message (never coalesced: each carries rows)."""

    def __init__(self, token: int, rows: list[int], scanned: int, done: bool) -> None:
        super().__init__()
        self.token, self.rows, self.scanned, self.done = token, rows, scanned, done


class FilterActions(Screen[None]):
    """BrowserScreen's filter keys, worker and display-row map (mixed in, with its bindings)."""

    BINDINGS = [
        Binding("slash", "filter", "Display filter", show=False),
        Binding("escape", "stop_filter", "Stop the filter, or clear it", show=False),
    ]

    view: array | None = None  # source rows on display; None = every packet
    view_token = 0  # bumps when the list is reset to another view (late rows are dropped)
    filter_text = ""
    filter_token = 0  # bumps with every apply/stop: late worker messages are dropped
    filtering = False
    filter_scanned = 0

    @property
    def source(self) -> PacketSource:
        return self.app.source  # type: ignore[attr-defined,no-any-return]

    # -- display rows <-> source rows ---------------------------------------------------------
    def displayed(self) -> int:
        return len(self.source) if self.view is None else len(self.view)

    def source_row(self, row: int) -> int:
        return row if self.view is None else self.view[row]

    def display_row(self, source_row: int) -> int | None:
        if self.view is None:
            return source_row if 0 <= source_row < len(self.source) else None
        i = bisect.bisect_left(self.view, source_row)
        return i if i < len(self.view) and self.view[i] == source_row else None

    def view_rows(self, start: int, stop: int) -> list[int]:
        if self.view is None:
            return list(range(start, min(stop, len(self.source))))
        return self.view[start:stop].tolist()

    def filter_status(self) -> str:
        """A few words for the status bar: progress, or where a stopped scan got to."""
        if not self.filter_text:
            return ""
        total = max(1, len(self.source))
        share = min(1.0, self.filter_scanned / total) * (
            1.0 if self.source.done else self.source.progress
        )
        if self.filtering:
            return f"filtering {share:.0%}…"
        if self.filter_scanned < len(self.source):
            return f"filter stopped at {share:.0%}"
        return "filtered"

    # -- keys and bar messages ----------------------------------------------------------------
    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.add_class("-shown")
        bar.focus()

    def action_stop_filter(self) -> None:
        if self.filtering:
            self.stop_filter()
        elif self.filter_text:
            self.clear_filter()

    def clear_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.value = ""
        bar.remove_class("-shown")
        self.apply_filter("")

    @on(FilterBar.Applied)
    def _filter_applied(self, message: FilterBar.Applied) -> None:
        self.apply_filter(message.text)
        self._focus_list()

    @on(FilterBar.Cancelled)
    def _filter_cancelled(self, message: FilterBar.Cancelled) -> None:
        if self.filtering:
            self.stop_filter()
            return
        self.clear_filter()
        self._focus_list()

    def _focus_list(self) -> None:
        from .widgets.packet_list import PacketList

        self.query_one(PacketList).focus()

    # -- applying, stopping, clearing ---------------------------------------------------------
    def apply_filter(self, text: str) -> None:
        """Start filtering (cancelling a running filter); an empty text clears at once."""
        keep = self._selected_source_row()
        bar = self.query_one(FilterBar)
        self.filter_token += 1
        self.workers.cancel_group(self, "filter")
        self.filtering, self.filter_scanned = False, 0
        if not text:
            self.filter_text, self.view = "", None
            bar.remember("")
            self._show_rows(keep)
            return
        try:
            flt = self.source.compile_filter(text)
        except FilterError as exc:
            self.notify(f"column {exc.column}: {exc.message}", severity="error", markup=False)
            return
        self.filter_text, self.view, self.filtering = text, array("I"), True
        bar.remember(text)
        bar.value = text
        bar.add_class("-shown")
        self._show_rows(None)
        self.run_filter(self.source, flt, self.filter_token)

    def stop_filter(self) -> None:
        """esc: stop the scan where it is; the matches found so far stay on the list."""
        self.filter_token += 1
        self.workers.cancel_group(self, "filter")
        self.filtering = False
        self.update_status()

    def reapply_filter(self) -> None:
        """A new or grown source (open, paste): run the active filter over it again."""
        if self.filter_text:
            self.apply_filter(self.filter_text)

    def _selected_source_row(self) -> int | None:
        from .widgets.packet_list import PacketList

        cursor = self.query_one(PacketList).cursor
        return self.source_row(cursor) if 0 <= cursor < self.displayed() else None

    def _show_rows(self, select: int | None) -> None:
        """Point the list at the current view; keep the selected packet when it is shown."""
        from .widgets.packet_list import PacketList

        self.view_token += 1
        plist = self.query_one(PacketList)
        plist.reset()
        plist.set_count(self.displayed())
        row = self.display_row(select) if select is not None else None
        if row is not None:
            plist.cursor = row
        elif not self.displayed():  # nothing listed (yet): no packet is selected either
            self.show_no_packet()
        self.update_status()

    def update_status(self) -> None:
        """Refresh the status bar: the screen this mixes into (BrowserScreen) overrides it."""

    def show_no_packet(self) -> None:
        """Empty the detail panes: the screen this mixes into (BrowserScreen) overrides it."""

    # -- the worker ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="filter")
    def run_filter(self, source: PacketSource, flt: Filter, token: int) -> None:
        """Scan everything indexed so far, then whatever the index adds, posting matches as
        they come (throttled); finishes when the source is complete."""
        worker = get_current_worker()
        courtesy = self.app.courtesy  # type: ignore[attr-defined]
        row, pending, last = 0, [], 0.0
        while not worker.is_cancelled:
            total = len(source)
            if row >= total:
                if source.done:
                    self.post_message(FilterProgress(token, pending, row, True))
                    return
                time.sleep(WAIT)
                continue
            for upto, hits in source.filter_rows(flt, row, min(total, row + SCAN_STEP)):
                pending.extend(hits)
                row = upto
                if worker.is_cancelled:
                    return
                courtesy.pause()
                if monotonic() - last >= PROGRESS_EVERY:
                    self.post_message(FilterProgress(token, pending, row, False))
                    pending, last = [], monotonic()

    def on_filter_progress(self, message: FilterProgress) -> None:
        if message.token != self.filter_token or self.view is None:
            return
        from .widgets.packet_list import PacketList

        self.view.extend(message.rows)
        self.filter_scanned = message.scanned
        if message.done:
            self.filtering = False
        self.query_one(PacketList).set_count(len(self.view))
        self.update_status()


# -- Apply / Prepare as filter --------------------------------------------------------------
# How a field's filter joins the one in the bar, as Wireshark's "Apply as Filter" submenu.
JOINS: tuple[tuple[str, str], ...] = (
    ("selected", "Selected"), ("not", "Not Selected"), ("and", "... and Selected"),
    ("or", "... or Selected"), ("and_not", "... and not Selected"),
    ("or_not", "... or not Selected"),
)  # fmt: skip


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_filter(pkt: Packet, f: Field) -> str:
    """`name == value` that matches this packet: the first spelling of the value the filter
    parser accepts and that matches (the shown text, the raw number, the bytes, a quoted
    string); the bare name (present) when none does."""
    name, value, show = f.name, f.value, f.show
    candidates: list[str] = []
    if show and re.fullmatch(r"[\w.:/-]+", show):
        candidates.append(show)
    if isinstance(value, bool):
        candidates.append(str(int(value)))
    elif isinstance(value, int):
        candidates.append(str(value))
    elif isinstance(value, bytes | bytearray) and value:
        candidates.append(":".join(f"{b:02x}" for b in value[:256]))
    if isinstance(value, str):
        candidates.append(_quoted(value))
    candidates.append(_quoted(show))
    for literal in candidates:
        text = f"{name} == {literal}"
        try:
            if compile_filter(text).match(pkt):
                return text
        except FilterError:
            continue
    return name


def joined_filter(current: str, expr: str, join: str) -> str:
    """The bar's filter combined with a field's, as Wireshark's submenu entries do."""
    current = current.strip()
    if join == "selected" or (not current and join in ("and", "or")):
        return expr
    if join == "not" or (not current and join in ("and_not", "or_not")):
        return f"!({expr})"
    op, neg = join.split("_")[0], join.endswith("_not")
    return f"({current}) {'&&' if op == 'and' else '||'} {'!' if neg else ''}({expr})"
