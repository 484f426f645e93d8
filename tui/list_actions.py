"""Wireshark habits on the main screen: marks, time reference and formats, find, save and
export, and a field's actions (apply / prepare as filter, apply as column). BrowserScreen
mixes ListActions in, with its bindings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from dissect.engine import safe_text
from dissect.filter import FilterError

from .colouring import Colouring, load_rules, write_default_rules
from .export import FORMATS, export_rows
from .filtering import JOINS, FilterBar, field_filter, joined_filter
from .find import Finder
from .widgets.field_tree import FieldTree, TreeItem
from .widgets.packet_list import TIME_FORMATS, PacketList

# The dialogs (.screens, with the Textual widgets they use) are imported when first opened:
# nothing of them is on the first screen.
if TYPE_CHECKING:
    from .browser import BrowserScreen
    from .screens import ExportRequest, FindRequest

__all__ = ["LIST_COMMANDS", "ListActions"]

FIND_LIMIT = 2_000_000  # packets one search looks at, at most

# (title, help, action) for the command palette (tui/app.py lists them).
LIST_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Save / export", "Save all, displayed, marked or pasted packets (pcap, pcapng) or the list (text, CSV, JSON)", "export"),
    ("Find packet", "Find by display filter, string or hex in the list, details or bytes (ctrl+f)", "find"),
    ("Mark / unmark packet", "Mark the selected packet (m); ] and [ jump between marks", "mark"),
    ("Set / unset time reference", "Times count from the selected packet (ctrl+t)", "time_reference"),
    ("Time display format", "Relative, absolute, date, UTC, epoch, delta, delta displayed (v)", "time_format"),
    ("Colouring rules: edit", "Write the rules file (if absent) and show where it is", "edit_colouring"),
    ("Colouring rules: reload", "Read the rules file again", "reload_colouring"),
    ("Remove applied columns", "Drop every column added with Apply as Column", "remove_columns"),
)  # fmt: skip

FIELD_ACTIONS = (
    *((f"apply:{k}", f"Apply as Filter: {label}") for k, label in JOINS),
    *((f"prepare:{k}", f"Prepare as Filter: {label}") for k, label in JOINS),
    ("column", "Apply as Column"),
)


class ListActions(Screen[None]):
    """Marks, time reference, time format, find, export, field actions."""

    BINDINGS = [
        Binding("m", "mark", "Mark / unmark the packet", show=False),
        Binding("right_square_bracket", "next_mark(1)", "Next marked packet", show=False),
        Binding("left_square_bracket", "next_mark(-1)", "Previous marked packet", show=False),
        Binding("ctrl+t", "time_reference", "Set / unset time reference", show=False),
        Binding("v", "time_format", "Time display format", show=False),
        Binding("ctrl+f", "find", "Find packet", show=False),
        Binding("f3", "find_next", "Find next", show=False),
        Binding("w", "export", "Save / export"),
    ]

    last_find: FindRequest | None = None

    class Exported(Message):
        def __init__(self, text: str, error: bool, saved_upto: int | None) -> None:
            super().__init__()
            self.text, self.error, self.saved_upto = text, error, saved_upto

    class Found(Message):
        def __init__(self, source_row: int | None, hit: object, text: str) -> None:
            super().__init__()
            self.source_row, self.hit, self.text = source_row, hit, text

    def _me(self) -> BrowserScreen:
        return self  # type: ignore[return-value]

    def _plist(self) -> PacketList:
        return self.query_one(PacketList)

    def list_status(self) -> dict[str, object]:
        plist = self._plist()
        notes = [] if plist.time_format == "relative" else [f"time: {plist.time_format}"]
        if plist.ref is not None:
            notes.append(f"time ref #{plist.ref[0]}")
        return {"marked": len(plist.marks), "note": ", ".join(notes)}

    # -- marks and time ------------------------------------------------------------------
    def action_mark(self) -> None:
        pkt = self._me().packet
        if pkt is None:
            return
        self._plist().marks ^= {pkt.number}
        self._plist().restyle()
        self._me().update_status()

    def action_next_mark(self, step: int) -> None:
        me, plist = self._me(), self._plist()
        rows = sorted(r for n in plist.marks if (r := me.display_row(n - 1)) is not None)
        if not rows:
            self.notify("No marked packet is displayed: m marks the selected one.")
            return
        after = [r for r in rows if (r - plist.cursor) * step > 0]
        plist.cursor = (
            (after[0] if step > 0 else after[-1]) if after else rows[0 if step > 0 else -1]
        )

    def action_time_reference(self) -> None:
        pkt, plist = self._me().packet, self._plist()
        if pkt is None:
            return
        plist.ref = None if plist.ref and plist.ref[0] == pkt.number else (pkt.number, pkt.time_ns)
        plist.restyle()
        self._me().update_status()

    def action_time_format(self) -> None:
        def chosen(fmt: str | None) -> None:
            if fmt:
                self._plist().time_format = fmt
                self._plist().restyle()
                self._me().update_status()

        from .screens import ChoiceScreen

        self.app.push_screen(ChoiceScreen("Time display format", TIME_FORMATS), chosen)

    # -- find ------------------------------------------------------------------------------
    def action_find(self) -> None:
        from .screens import FindScreen

        self.app.push_screen(FindScreen(self.last_find), self.find)

    def action_find_next(self) -> None:
        if self.last_find is None:
            self.action_find()
        else:
            self.find(self.last_find)

    def find(self, req: FindRequest | None) -> None:
        if req is None:
            return
        try:
            finder = Finder(req)
        except (ValueError, FilterError) as exc:
            self.notify(
                safe_text(str(exc), 200), title="Cannot find", severity="error", markup=False
            )
            return
        self.last_find = req
        me = self._me()
        rows = [me.source_row(r) for r in range(me.displayed())]
        self.find_worker(finder, rows, max(0, self._plist().cursor + 1))

    @work(thread=True, exclusive=True, group="find")
    def find_worker(self, finder: Finder, rows: list[int], start: int) -> None:
        """From the row after the cursor to the end, then from the top (as Wireshark wraps)."""
        worker = get_current_worker()
        source = self._me().source
        n = len(rows)
        for k in range(min(n, FIND_LIMIT)):
            if worker.is_cancelled:
                return
            row = rows[(start + k) % n]
            try:
                hit = finder.search(source.packet(row))
            except Exception:  # one odd packet never stops a search
                hit = None
            if hit is not None:
                self.post_message(self.Found(row, hit, finder.req.text))
                return
        self.post_message(self.Found(None, None, finder.req.text))

    def on_list_actions_found(self, message: Found) -> None:
        me = self._me()
        row = me.display_row(message.source_row) if message.source_row is not None else None
        if row is None:
            self.notify(
                f"Not found: {safe_text(message.text, 80)}", severity="warning", markup=False
            )
            return
        field = getattr(message.hit, "field", None)
        tree = self.query_one(FieldTree)
        if field is not None:  # the tree opens the packet on this field (kept by name)
            tree.selected_key = f"field:{field.name}"
        if self._plist().cursor == row:
            self.call_after_refresh(lambda: tree.select_field(field) if field else None)
        self._plist().cursor = row

    # -- save and export -----------------------------------------------------------------
    def export_counts(self) -> dict[str, int]:
        me = self._me()
        return {"all": len(me.source), "displayed": me.displayed(),
                "marked": len(self._plist().marks), "pasted": len(me.source.pasted),
                "selected": int(me.packet is not None)}  # fmt: skip

    def export_rows_for(self, what: str) -> list[int]:
        me = self._me()
        if what == "displayed":
            return [me.source_row(r) for r in range(me.displayed())]
        if what == "marked":
            return sorted(n - 1 for n in self._plist().marks if n - 1 < len(me.source))
        if what == "pasted":
            return list(me.source.pasted)
        if what == "selected":
            cursor = self._plist().cursor
            return [me.source_row(cursor)] if 0 <= cursor < me.displayed() else []
        return list(range(len(me.source)))

    def action_export(self, then: Callable[[], None] | None = None) -> None:
        what = "pasted" if self._me().source.unsaved and not self._me().source.indexed else "all"

        def chosen(req: ExportRequest | None) -> None:
            if req is not None:
                self.export_now(req, then)

        from .screens import ExportScreen

        self.app.push_screen(ExportScreen(FORMATS, self.export_counts(), what), chosen)

    def export_now(self, req: ExportRequest, then: Callable[[], None] | None = None) -> None:
        """Write (on this thread when something waits for it: a quit, a restart)."""
        rows = self.export_rows_for(req.what)
        if not rows:
            self.notify(f"Nothing to save: no {req.what} packets.", severity="warning")
            return
        if then is None:
            self.export_worker(req, rows)
            return
        message = self._export(req, rows)
        self.on_list_actions_exported(message)
        if not message.error:
            then()

    @work(thread=True, group="export")
    def export_worker(self, req: ExportRequest, rows: list[int]) -> None:
        self.post_message(self._export(req, rows))

    def _export(self, req: ExportRequest, rows: list[int]) -> Exported:
        source = self._me().source
        try:
            count = export_rows(source, rows, req.path, req.fmt)
        except (OSError, ValueError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            return self.Exported(f"{req.path}: {why}", True, None)
        whole = req.fmt in ("pcap", "pcapng") and rows == list(range(len(rows)))
        noun = "packets" if req.fmt in ("pcap", "pcapng") else "list rows"
        return self.Exported(f"Saved {count:,} {noun} to {req.path} ({req.fmt}).", False,
                             len(rows) if whole else None)  # fmt: skip

    def on_list_actions_exported(self, message: Exported) -> None:
        if message.saved_upto is not None:
            source = self._me().source
            source.saved_upto = max(source.saved_upto, message.saved_upto)
        self.notify(safe_text(message.text, 300), severity="error" if message.error else "information",
                    title="Cannot save" if message.error else "", markup=False)  # fmt: skip

    def ask_unsaved(self, doing: str, then: Callable[[], None]) -> None:
        """Run `then`, after asking save / discard / cancel when packets would be lost."""
        count = self._me().source.unsaved
        if not count:
            then()
            return

        def answered(choice: str | None) -> None:
            if choice == "discard":
                then()
            elif choice == "save":
                self.action_export(then)

        from .screens import AskSaveScreen

        self.app.push_screen(AskSaveScreen(count, doing), answered)

    # -- a field's actions (tree keys and its context menu) --------------------------------
    def on_field_tree_field_action(self, message: FieldTree.FieldAction) -> None:
        if message.action == "menu":
            from .screens import ChoiceScreen

            self.app.push_screen(
                ChoiceScreen(f"{message.item.key.split(':', 1)[-1]}", FIELD_ACTIONS),
                lambda choice: self.field_action(message.item, choice),
            )
        else:
            self.field_action(message.item, message.action)

    def field_action(self, item: TreeItem, action: str | None) -> None:
        me = self._me()
        if action is None or me.packet is None:
            return
        if item.field is not None:
            expr, name = field_filter(me.packet, item.field), item.field.name
        elif item.layer is not None:
            expr = name = item.layer.protocol.name
        else:
            self.notify("Select a field or a layer first.", severity="warning")
            return
        if action == "column":
            self.apply_column(name)
            return
        kind, _, join = action.partition(":")
        bar = self.query_one(FilterBar)
        text = joined_filter(bar.applied, expr, join or "selected")
        if kind == "apply":
            me.apply_filter(text)
            return
        bar.value = text  # prepare: in the bar, not applied; enter applies
        bar.add_class("-shown")
        bar.focus()
        bar.cursor_position = len(text)

    def apply_column(self, name: str) -> None:
        me, plist = self._me(), self._plist()
        if name in me.source.columns:
            self.notify(f"{name} is a column already.")
            return
        me.source.columns = (*me.source.columns, name)
        plist.apply_column(name)
        me.refresh_rows()
        self.notify(f"Added the column {name}.", markup=False)

    def action_remove_columns(self) -> None:
        me, plist = self._me(), self._plist()
        for name in me.source.columns:
            plist.remove_column(name)
        me.source.columns = ()
        me.refresh_rows()

    # -- colouring rules -----------------------------------------------------------------
    def action_edit_colouring(self) -> None:
        try:
            path = write_default_rules()
        except OSError as exc:
            self.notify(f"Cannot write the rules: {exc}", severity="error", markup=False)
            return
        self.notify(f"Colouring rules: {path} — edit it, then run 'Colouring rules: reload'.",
                    timeout=10, markup=False)  # fmt: skip

    def action_reload_colouring(self) -> None:
        rules, problems = load_rules()
        app = self.app
        app.colouring = Colouring(rules)  # type: ignore[attr-defined]
        self._me().source.colouring = app.colouring  # type: ignore[attr-defined]
        self._plist().rules = rules
        for problem in problems:
            self.notify(problem, title="Colouring rules", severity="warning", markup=False)
        self._me().refresh_rows()
        self.notify(f"{len(rules)} colouring rules in force.")
