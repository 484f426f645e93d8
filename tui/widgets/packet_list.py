"""The packet list: a Line-API virtual list (ScrollView + render_line), never DataTable.

Rows arrive in blocks of decoded summaries from the screen (which asks the PacketSource on
a worker thread); `render_line` only draws from the Strip LRU or the block cache and, for a
row not decoded yet, draws a placeholder and posts `RowsWanted`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dissect.output import Summary

from ..colouring import ColourRule
from . import set_virtual_size

BLOCK = 1000

# (title, width at least, right-aligned); applied columns go before Info, which takes the rest.
COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("No.", 7, True), ("Time", 9, True), ("Source", 8, False), ("Destination", 11, False),
    ("Protocol", 8, False), ("Length", 6, True),
)  # fmt: skip
MAX_AUTO = 40  # an address column sized to its content grows up to this many cells
INFO_MIN = 24  # content-sized columns shrink (down to their minimum) to leave Info this much
TIME_FORMATS: tuple[tuple[str, str], ...] = (
    ("relative", "Seconds since the beginning of the capture (or the time reference)"),
    ("absolute", "Time of day"),
    ("date", "Date and time of day"),
    ("utc", "UTC date and time of day"),
    ("epoch", "Seconds since 1970-01-01"),
    ("delta", "Seconds since the previous captured packet"),
    ("delta_displayed", "Seconds since the previous displayed packet"),
)  # fmt: skip
TINT = 0.22  # how much of a protocol's colour a row's background takes
RULE_TINT = 0.9  # a colouring rule's colours stand out: nearly as given

MALFORMED = "#a40000"  # bad rows are red even when no rule says so (the user's file may not)


def row_colours(s: Summary, rules: Sequence[ColourRule] = ()) -> tuple[str, str, bool, float]:
    """(background, foreground, bold, strength) of a row: the colouring rule it matched,
    else its protocol's declared colour as a light tint with the theme's text."""
    rule = getattr(s, "rule", -1)
    if 0 <= rule < len(rules):
        r = rules[rule]
        return r.background, r.foreground, r.bold, RULE_TINT
    if s.status == "malformed":
        return MALFORMED, "#ffffff", True, RULE_TINT
    return s.colour, "", False, TINT


def _cell(text: str, width: int, right: bool = False) -> str:
    if len(text) > width - 1:
        text = text[: max(0, width - 2)] + "…"
    return text.rjust(width - 1) + " " if right else text.ljust(width)


def time_cell(s: Summary, fmt: str, ref_ns: int | None, prev_shown: Summary | None) -> str:
    """The Time column in one of Wireshark's View > Time Display Formats."""
    if not getattr(s, "timed", True):  # a record without a time (a pcapng Custom Block)
        return ""
    own = getattr(s, "time_ns", s.delta_ns)
    if fmt == "relative":
        return f"{(own - ref_ns) / 1e9:.6f}" if ref_ns is not None else f"{s.time:.6f}"
    if fmt == "delta":
        return f"{(own - getattr(s, 'prev_ns', own)) / 1e9:.6f}"
    if fmt == "delta_displayed":
        before = getattr(prev_shown, "time_ns", own) if prev_shown is not None else own
        return f"{(own - before) / 1e9:.6f}"
    if fmt == "epoch":
        return f"{own // 1_000_000_000}.{own % 1_000_000_000:09d}"
    secs, frac = divmod(own, 1_000_000_000)
    try:
        when = (datetime.fromtimestamp(secs, UTC) if fmt == "utc"
                else datetime.fromtimestamp(secs))  # fmt: skip
    except (OverflowError, OSError, ValueError):
        return f"{own / 1e9:.6f}"
    day = f"{when:%Y-%m-%d} " if fmt in ("date", "utc") else ""
    return f"{day}{when:%H:%M:%S}.{frac // 1000:06d}"


class PacketList(ScrollView, can_focus=True):
    """One row per packet; the first line is a fixed header."""

    COMPONENT_CLASSES = {"packet-list--header", "packet-list--cursor", "packet-list--pending",
                         "packet-list--marked", "packet-list--column"}  # fmt: skip
    DEFAULT_CSS = """
    PacketList { overflow-x: hidden; }
    PacketList > .packet-list--header { text-style: bold; background: $panel; }
    PacketList > .packet-list--column { text-style: bold reverse; }
    PacketList > .packet-list--cursor { background: $primary; color: $text; }
    PacketList:blur > .packet-list--cursor { background: $primary 50%; color: $text; }
    PacketList > .packet-list--pending { color: $foreground-muted; }
    PacketList > .packet-list--marked { background: $foreground; color: $background; }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("ctrl+left", "column(-1)", "Previous column (to resize)", show=False),
        Binding("ctrl+right", "column(1)", "Next column (to resize)", show=False),
        Binding("less_than_sign", "widen(-2)", "Narrow the column", show=False),
        Binding("greater_than_sign", "widen(2)", "Widen the column", show=False),
    ]

    cursor: reactive[int] = reactive(-1, repaint=False)

    class PacketHighlighted(Message):
        """The cursor moved onto a packet (row index, 0-based)."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class RowsWanted(Message):
        """Rows of these blocks are on screen but not decoded yet."""

        def __init__(self, blocks: frozenset[int]) -> None:
            super().__init__()
            self.blocks = blocks

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.count = 0
        self._blocks: LRUCache[int, list[Summary]] = LRUCache(64)
        self._strips: LRUCache[tuple[int, bool, int], Strip] = LRUCache(1024)
        self._wanted: set[int] = set()
        self.rules: Sequence[ColourRule] = ()
        self.time_format = "relative"
        self.ref: tuple[int, int] | None = None  # time reference: (packet number, time ns)
        self.marks: set[int] = set()  # packet numbers
        self.live = False  # a live capture: an empty list follows its first packets
        self.applied: tuple[str, ...] = ()  # fields applied as columns
        self.column = -1  # the column < and > resize (-1: none chosen)
        self._content: dict[str, int] = {}  # widest text seen per column title
        self._user: dict[str, int] = {}  # widths the user set, by column title
        self._layout: tuple[int, ...] | None = None
        self._tints: dict[tuple[str, float], Color] = {}
        self._drag: tuple[int, int] | None = None  # (column, x where the drag started)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())

    # -- data in -----------------------------------------------------------------------
    def set_count(self, count: int) -> None:
        """More packets were indexed (or pasted): grow the virtual height. A cursor on the
        last row follows new rows (a live capture); anywhere else it stays put."""
        if count == self.count:
            return
        at_end = self.cursor == self.count - 1 if self.count else self.live
        follow = at_end and count > self.count
        before, self.count = self.count, count
        self._measure("No.", len(str(count)))
        set_virtual_size(self, Size(self.size.width, count + 1))  # rows below a full list
        if follow:
            self.cursor = count - 1
        elif self.cursor < 0 and count:
            self.cursor = 0
        if self._layout is None or before < int(self.scroll_y) + self.body_height:
            self.refresh()  # wider numbers, or new rows on screen: else only the scrollbar

    def set_rows(self, block: int, rows: list[Summary | None], partial: bool = False) -> None:
        """A decoded block; `partial` = only the rows on screen so far (None elsewhere): the
        block stays wanted, so the rest is not asked for twice."""
        self._blocks.discard(block)  # LRUCache.set keeps an entry: a grown block replaces it
        self._blocks[block] = rows  # type: ignore[assignment]
        if not partial:
            self._wanted.discard(block)
        for s in rows:
            if s is not None:
                self._measure_row(s)
        self._strips.clear()
        self.refresh()

    def reset(self) -> None:
        """A new source or view: forget every row."""
        self._blocks.clear()
        self._strips.clear()
        self._wanted.clear()
        self.count = 0
        self.virtual_size = Size(self.size.width, 1)
        self.set_reactive(PacketList.cursor, -1)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def restyle(self) -> None:
        """Time format, marks, rules or theme changed: draw every row again."""
        self._tints.clear()
        self._layout = None
        self._strips.clear()
        self._content.pop("Time", None)  # the format may be wider or narrower now
        for block in list(self._blocks.keys()):
            for s in self._blocks.get(block) or ():
                if s is not None:
                    self._measure("Time", len(self._time_text(s, None)))
        self.refresh()

    def summary(self, row: int) -> Summary | None:
        rows = self._blocks.get(row // BLOCK)
        i = row % BLOCK
        return rows[i] if rows is not None and i < len(rows) else None

    # -- columns -------------------------------------------------------------------------
    def columns(self) -> list[tuple[str, int, bool]]:
        return [*COLUMNS, *((name, 6, False) for name in self.applied)]

    def _measure(self, title: str, width: int) -> None:
        if width > self._content.get(title, 0):
            self._content[title] = width
            self._layout = None
            self._strips.clear()

    def _measure_row(self, s: Summary) -> None:
        cells = (s.source, s.destination, s.protocol, str(s.length), *getattr(s, "custom", ()))
        titles = ("Source", "Destination", "Protocol", "Length", *self.applied)
        for title, text in zip(titles, cells, strict=False):
            self._measure(title, len(text))
        self._measure("Time", len(self._time_text(s, None)))

    def widths(self) -> tuple[int, ...]:
        """Each column's width: what the user set, else its widest content (capped); the
        content-sized ones give way so Info keeps INFO_MIN cells."""
        if self._layout is not None:
            return self._layout
        cols = self.columns()
        widths = [self._user.get(t) or max(least, len(t) + 1, min(MAX_AUTO, self._content.get(t, 0) + 1))
                  for t, least, _r in cols]  # fmt: skip
        over = sum(widths) + INFO_MIN - self.size.width
        for i in (3, 2, *range(len(cols) - 1, 5, -1)):  # addresses, then applied columns
            if over <= 0:
                break
            title, least, _r = cols[i]
            if title in self._user:
                continue
            give = min(over, widths[i] - max(least, len(title) + 1))
            widths[i] -= give
            over -= give
        self._layout = tuple(widths)
        return self._layout

    def apply_column(self, name: str) -> None:
        if name not in self.applied:
            self.applied = (*self.applied, name)
            self.restyle()

    def remove_column(self, name: str) -> None:
        self.applied = tuple(n for n in self.applied if n != name)
        self.restyle()

    def action_column(self, step: int) -> None:
        n = len(self.columns())
        self.column = (self.column + step) % n if self.column >= 0 else (0 if step > 0 else n - 1)
        self._strips.clear()
        self.refresh()

    def action_widen(self, delta: int) -> None:
        if self.column < 0:
            self.column = 2  # Source: the one most often too narrow
        self.set_width(self.column, self.widths()[self.column] + delta)

    def set_width(self, column: int, width: int) -> None:
        title = self.columns()[column][0]
        self._user[title] = max(2, min(200, width))
        self.restyle()

    # -- drawing ---------------------------------------------------------------------------
    @property
    def body_height(self) -> int:
        return max(1, self.size.height - 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header(width)
        row = int(self.scroll_y) + y - 1
        if row >= self.count:
            return Strip.blank(width, self.rich_style)
        selected = row == self.cursor
        key = (row, selected, width)
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        summary = self.summary(row)
        if summary is None:
            self._want(row // BLOCK)
            text = Text(_cell(str(row + 1), self.widths()[0], right=True) + "…",
                        style=self.get_component_rich_style("packet-list--pending", partial=True))  # fmt: skip
            return self._strip(text, width, selected)
        strip = self._strip(self._row_text(summary, self.summary(row - 1) if row else None),
                            width, selected, self._row_style(summary))  # fmt: skip
        self._strips[key] = strip
        return strip

    def _time_text(self, s: Summary, before: Summary | None) -> str:
        if self.ref is not None and s.number == self.ref[0]:
            return "*REF*"
        return time_cell(s, self.time_format, self.ref[1] if self.ref else None, before)

    def _row_text(self, s: Summary, before: Summary | None = None) -> Text:
        cells = (str(s.number), self._time_text(s, before), s.source, s.destination,
                 s.protocol, str(s.length), *getattr(s, "custom", ()))  # fmt: skip
        cols = self.columns()
        line = "".join(_cell(c, w, right=col[2])
                       for c, w, col in zip(cells, self.widths(), cols, strict=False))  # fmt: skip
        # Packet-derived strings go in as plain Text (never markup); summarize() escaped them.
        return Text(line + s.info, no_wrap=True, end="")

    def _row_style(self, s: Summary) -> Style:
        if s.number in self.marks:
            return self.get_component_rich_style("packet-list--marked", partial=True)
        bg, fg, bold, strength = row_colours(s, self.rules)
        style = Style(bold=bold or None)
        if bg:
            style += Style(bgcolor=self._tint(bg, strength).rich_color)
        if fg:
            style += Style(color=fg)
        elif bg and strength == RULE_TINT:  # a rule without a text colour: black or white
            style += Style(color=self._tint(bg, strength).get_contrast_text(1.0).rich_color)
        return style

    def _tint(self, colour: str, strength: float) -> Color:
        """A colour blended over the list's background: readable on dark and light themes."""
        tint = self._tints.get((colour, strength))
        if tint is None:
            tint = self.background_colors[1].blend(Color.parse(colour), strength)
            self._tints[(colour, strength)] = tint
        return tint

    def _header(self, width: int) -> Strip:
        text = Text(no_wrap=True, end="")
        chosen = self.get_component_rich_style("packet-list--column", partial=True)
        for i, ((title, _least, right), w) in enumerate(
            zip(self.columns(), self.widths(), strict=True)
        ):
            text.append(_cell(title, w, right), chosen if i == self.column else None)
        text.append("Info")
        return self._strip(
            text, width, False, self.get_component_rich_style("packet-list--header", partial=True)
        )

    def _strip(self, text: Text, width: int, selected: bool, base: Style | None = None) -> Strip:
        style = self.rich_style + (base or Style())
        if selected:
            style += self.get_component_rich_style("packet-list--cursor", partial=True)
        segments = [Segment(seg.text, style + seg.style if seg.style else style)
                    for seg in text.render(self.app.console)]  # fmt: skip
        return Strip(segments).crop_extend(0, width, style)

    def _want(self, block: int) -> None:
        if block in self._wanted:
            return
        self._wanted.add(block)
        self.post_message(self.RowsWanted(frozenset({block})))

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.count + 1)
        self._layout = None
        self._strips.clear()

    # -- cursor --------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.count - 1)) if self.count else -1

    def watch_cursor(self, old: int, new: int) -> None:
        # Only the two rows that change are repainted (a scroll repaints every row); their
        # strips are cached per (row, selected), so the others come from the cache anyway,
        # but each line repainted still goes through Textual's styling of the widget.
        top = int(self.scroll_y)
        if new < 0:
            self.refresh()
            return
        if top <= new < top + self.body_height:
            for row in (old, new):
                if top <= row < top + self.body_height:
                    self.refresh(Region(0, row - top + 1, self.size.width, 1))
        else:
            self.scroll_to(y=new if new < top else new - self.body_height + 1, animate=False)
            if int(self.scroll_y) == top:  # could not scroll (yet): draw it all anyway
                self.refresh()
        self.post_message(self.PacketHighlighted(new))

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.cursor = max(0, self.cursor + direction * self.body_height)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.count - 1

    # -- mouse: click a row; drag a column's right edge in the header to resize it ---------
    def _edge_at(self, x: int) -> int:
        """The column whose right edge is at x (within a cell), -1 for none."""
        edge = 0
        for i, w in enumerate(self.widths()):
            edge += w
            if abs(x - (edge - 1)) <= 1:
                return i
        return -1

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y != 0:
            return
        column = self._edge_at(offset.x)
        if column >= 0:
            self._drag = (column, offset.x)
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag is None:
            return
        column, x0 = self._drag
        offset = event.get_content_offset_capture(self)
        if offset.x != x0:
            self.set_width(column, self.widths()[column] + offset.x - x0)
            self._drag = (column, offset.x)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag is not None:
            self._drag = None
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = int(self.scroll_y) + offset.y - 1
        if row < self.count:
            self.cursor = row
