"""The packet list: a Line-API virtual list (ScrollView + render_line), never DataTable.

Rows arrive in blocks of decoded summaries from the screen (which asks the PacketSource on
a worker thread); `render_line` only draws from the Strip LRU or the block cache and, for a
row not decoded yet, draws a placeholder and posts `RowsWanted`.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dissect.output import Summary

BLOCK = 1000

# (title, width) -- Info takes what is left.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("No.", 7), ("Time", 11), ("Source", 18), ("Destination", 18), ("Protocol", 10), ("Length", 7),
)  # fmt: skip

BAD_CHECKSUM = Style(color="#ff5f5f", bold=True)
MALFORMED = Style(color="#ffffff", bgcolor="#8b1a1a", bold=True)
TRUNCATED = Style(color="#ffd75f", bold=True)


def row_style(s: Summary) -> Style:
    if s.status == "malformed":
        return MALFORMED
    if s.status == "truncated":
        return TRUNCATED
    if s.bad_checksum:
        return BAD_CHECKSUM
    # The protocol's declared colour, as a foreground tint that reads on dark and light themes.
    return Style(color=s.colour) if s.colour else Style()


def _cell(text: str, width: int, right: bool = False) -> str:
    if len(text) > width - 1:
        text = text[: width - 2] + "…"
    return text.rjust(width - 1) + " " if right else text.ljust(width)


class PacketList(ScrollView, can_focus=True):
    """One row per packet; the first line is a fixed header."""

    COMPONENT_CLASSES = {"packet-list--header", "packet-list--cursor", "packet-list--pending"}
    DEFAULT_CSS = """
    PacketList { overflow-x: hidden; }
    PacketList > .packet-list--header { text-style: bold; background: $panel; }
    PacketList > .packet-list--cursor { background: $primary 60%; }
    PacketList:blur > .packet-list--cursor { background: $primary 30%; }
    PacketList > .packet-list--pending { color: $text-muted; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
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
        self._widths: tuple[int, ...] = tuple(w for _t, w in COLUMNS)

    # -- data in -----------------------------------------------------------------------
    def set_count(self, count: int) -> None:
        """More packets were indexed (or pasted): grow the virtual height."""
        if count == self.count:
            return
        self.count = count
        widths = self._widths
        self._widths = (max(7, len(str(count)) + 2),) + widths[1:]
        if self._widths != widths:  # a new digit in the No. column
            self._strips.clear()
        self.virtual_size = Size(self.size.width, count + 1)
        if self.cursor < 0 and count:
            self.cursor = 0
        self.refresh()

    def set_rows(self, block: int, rows: list[Summary | None], partial: bool = False) -> None:
        """A decoded block; `partial` = only the rows on screen so far (None elsewhere): the
        block stays wanted, so the rest is not asked for twice."""
        self._blocks.discard(
            block
        )  # LRUCache.set keeps an existing entry: a grown block must replace it
        self._blocks[block] = rows  # type: ignore[assignment]
        if not partial:
            self._wanted.discard(block)
        self._strips.clear()
        self.refresh()

    def reset(self) -> None:
        """A new source: forget every row."""
        self._blocks.clear()
        self._strips.clear()
        self._wanted.clear()
        self.count = 0
        self.virtual_size = Size(self.size.width, 1)
        self.set_reactive(PacketList.cursor, -1)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def summary(self, row: int) -> Summary | None:
        rows = self._blocks.get(row // BLOCK)
        i = row % BLOCK
        return rows[i] if rows is not None and i < len(rows) else None

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
            text = Text(_cell(str(row + 1), self._widths[0], right=True) + "…",
                        style=self.get_component_rich_style("packet-list--pending", partial=True))  # fmt: skip
            return self._strip(text, width, selected)
        strip = self._strip(self._row_text(summary), width, selected)
        self._strips[key] = strip
        return strip

    def _row_text(self, s: Summary) -> Text:
        cells = (str(s.number), f"{s.time:.6f}", s.source, s.destination, s.protocol, str(s.length))
        line = "".join(
            _cell(c, w, right=i in (0, 1, 5))
            for i, (c, w) in enumerate(zip(cells, self._widths, strict=True))
        )
        # Packet-derived strings go in as plain Text (never markup); summarize() escaped them.
        return Text(line + s.info, style=row_style(s), no_wrap=True, end="")

    def _header(self, width: int) -> Strip:
        titles = (t for t, _w in COLUMNS)
        line = "".join(
            _cell(t, w, right=i in (0, 1, 5))
            for i, (t, w) in enumerate(zip(titles, self._widths, strict=True))
        )
        line += "Info"
        text = Text(line, no_wrap=True, end="")
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
        self._strips.clear()

    # -- cursor --------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.count - 1)) if self.count else -1

    def watch_cursor(self, old: int, new: int) -> None:
        self._strips.clear()
        self.refresh()
        if new < 0:
            return
        top = int(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self.body_height:
            self.scroll_to(y=new - self.body_height + 1, animate=False)
        self.post_message(self.PacketHighlighted(new))

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.cursor = max(0, self.cursor + direction * self.body_height)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.count - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = int(self.scroll_y) + offset.y - 1
        if row < self.count:
            self.cursor = row
