"""Packet diagram: one layer drawn as an RFC-style bit diagram (RFC 791 figure 4, RFC 9293
section 3.1): 32-bit rows, every field boxed, bit-exact.

Derived from the decoded fields alone: a field's box starts at its byte offset in the layer
plus the leading zero bits of its mask and is as wide as its mask (or its bytes). Fields
whose children cover them (flags, DSCP/ECN, HTTP's request line) are drawn as their
children. Rows that lie wholly inside one long field (options, an HTTP header) are folded
into a "⋮" row, so a large message stays a few lines while the rows keep their alignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from dissect.engine import Field, Layer, safe_text

ROW_BITS = 32
RULER = (
    " 0                   1                   2                   3\n"
    " 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1"
)
BORDER = "+" + "-+" * ROW_BITS
MAX_SEGMENTS = 4096  # boxes drawn at most (a layer of many tiny fields)


@dataclass(frozen=True, slots=True)
class Box:
    """A run of bits in the layer: [start, start + bits), drawn as one box."""

    start: int
    bits: int
    field: Field | None  # None: bytes no field of the layer names (gaps, separators)

    @property
    def end(self) -> int:
        return self.start + self.bits


def bit_range(layer: Layer, f: Field) -> tuple[int, int]:
    """(first bit, number of bits) of a field, counted from the layer's first bit."""
    width = f.len * 8
    start = (f.pos - layer.pos) * 8
    mask = f.mask or 0
    if mask and mask.bit_length() <= width:
        low = (mask & -mask).bit_length() - 1
        run = mask.bit_length() - low
        if mask >> low == (1 << run) - 1:  # contiguous: a box can show it exactly
            return start + width - mask.bit_length(), run
    return start, width


def _inside(layer: Layer, outer: Field, inner: Field) -> bool:
    s, n = bit_range(layer, outer)
    cs, cn = bit_range(layer, inner)
    return s <= cs and cs + cn <= s + n


def leaf_fields(layer: Layer) -> list[Field]:
    """The fields drawn as boxes: a field whose children lie inside it is drawn as them."""
    out: list[Field] = []

    def visit(f: Field) -> None:
        if f.len <= 0 or f.pos < layer.pos or len(out) >= MAX_SEGMENTS:
            return
        kids = [c for c in f.children or () if c.len > 0]
        if kids and all(_inside(layer, f, c) for c in kids):
            for c in kids:
                visit(c)
        else:
            out.append(f)

    for f in layer.fields:
        visit(f)
    return out


def boxes(layer: Layer) -> list[Box]:
    """Non-overlapping boxes covering the layer's header bits, gaps as unnamed boxes."""
    total = layer.hdr_len * 8
    spans = sorted(
        (Box(*bit_range(layer, f), f) for f in leaf_fields(layer)), key=lambda b: b.start
    )
    out: list[Box] = []
    at = 0
    for b in spans:
        if b.start < at or b.bits <= 0 or b.start >= total:
            continue  # overlaps one drawn already (alternative views of the same bytes)
        if b.start > at:
            out.append(Box(at, b.start - at, None))
        out.append(Box(b.start, min(b.bits, total - b.start), b.field))
        at = out[-1].end
    if at < total:
        out.append(Box(at, total - at, None))
    return out


def _cell(text: str, width: int) -> str:
    return text[:width].center(width)


def _label(f: Field | None) -> str:
    return "" if f is None else safe_text(f.spec.label or f.show, 80)


Hit = tuple[int, int, int, Field]  # (line, first column, end column, field) of a drawn box


class Canvas(Text):
    """Text that knows the line and column it has reached (where a click lands)."""

    def __init__(self) -> None:
        super().__init__(no_wrap=True, overflow="crop")
        self.line = self.col = 0

    def add(self, text: str, style: Style | str = "") -> None:
        self.append(text, style)
        lines = text.count("\n")
        if lines:
            self.line += lines
            self.col = len(text) - text.rfind("\n") - 1
        else:
            self.col += len(text)


def diagram(layer: Layer, selected: Field | None = None, colour: str = "",
            hits: list[Hit] | None = None) -> Text:  # fmt: skip
    """The layer's header as a bit diagram; the boxes of `selected` are highlighted. Where
    each named box was drawn is appended to `hits` (for clicks)."""
    if layer.hdr_len <= 0:
        return Text(f"{safe_text(layer.title, 200)}: no header bytes of its own to draw.")
    sel = bit_range(layer, selected) if selected is not None and selected.len > 0 else None
    hot = Style(reverse=True, bold=True, color=colour or None)
    out = Canvas()
    head = f"{layer.protocol.short}, {layer.hdr_len} bytes — {safe_text(layer.title, 200)}\n"
    out.add(head, "bold")  # the size first: a narrow pane crops the title's end
    out.add(RULER + "\n" + BORDER + "\n")
    rows = (layer.hdr_len * 8 + ROW_BITS - 1) // ROW_BITS
    all_boxes = boxes(layer)
    folded: list[Box] = []  # consecutive rows wholly inside one box
    first = 0  # the boxes tile the header in order: each row takes the next few
    for r in range(rows):
        lo, hi = r * ROW_BITS, min((r + 1) * ROW_BITS, layer.hdr_len * 8)
        while first < len(all_boxes) and all_boxes[first].end <= lo:
            first += 1
        parts = []
        for b in all_boxes[first : first + ROW_BITS + 1]:  # at most one box a bit
            if b.start >= hi:
                break
            parts.append(b)
        if len(parts) == 1 and parts[0].start < lo and parts[0].end >= hi:
            folded.append(parts[0])
            continue
        _fold(out, folded, sel, hot, hits)
        folded = []
        _draw_row(out, parts, lo, hi, sel, hot, hits)
    _fold(out, folded, sel, hot, hits)
    return out


def _box(out: Canvas, text: str, style: Style | str, field: Field | None, hits) -> None:
    if hits is not None and field is not None:
        hits.append((out.line, out.col, out.col + len(text), field))
    out.add(text, style)


def _chosen(b: Box, sel: tuple[int, int] | None) -> bool:
    return sel is not None and b.field is not None and sel[0] <= b.start < sel[0] + sel[1]


def _fold(out: Canvas, folded: list[Box], sel, hot: Style, hits) -> None:
    """Rows inside one box: one row that says how many, with the box's name."""
    if not folded:
        return
    b = folded[0]
    text = f"⋮ {_label(b.field)} ({len(folded)} row{'s' if len(folded) > 1 else ''})"
    out.add("|")
    _box(out, _cell(text, 2 * ROW_BITS - 1), hot if _chosen(b, sel) else "", b.field, hits)
    out.add("|\n" + BORDER + "\n")


def _draw_row(out: Canvas, parts: list[Box], lo: int, hi: int, sel, hot: Style, hits) -> None:
    out.add("|")
    for b in parts:
        s, e = max(b.start, lo), min(b.end, hi)
        name = _label(b.field) if b.start >= lo else ""
        _box(out, _cell(name, 2 * (e - s) - 1), hot if _chosen(b, sel) else "", b.field, hits)
        out.add("|")
    out.add("\n+" + "-+" * (hi - lo) + "\n")


class DiagramPane(Static):
    """The selected layer's bit diagram, following the tree's selection; a click on a box
    posts FieldClicked, and the screen selects that field in the tree."""

    DEFAULT_CSS = """
    DiagramPane { height: auto; max-height: 60%; overflow-y: auto; padding: 0 1;
                  border-top: solid $primary; text-wrap: nowrap; text-overflow: clip; }
    """

    class FieldClicked(Message):
        def __init__(self, field: Field) -> None:
            super().__init__()
            self.field = field

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hits: list[Hit] = []
        self.shown_layer: Layer | None = None
        self.selected: Field | None = None

    def show(self, layer: Layer | None, f: Field | None, colour: str = "") -> None:
        self.hits, self.shown_layer, self.selected = [], layer, f
        if layer is None or layer.protocol.name == "frame":
            self.update(Text("Select a layer or a field to see its bit diagram."))
        else:
            self.update(diagram(layer, f, colour, self.hits))

    def field_at(self, line: int, column: int) -> Field | None:
        return next((f for ln, a, b, f in self.hits if ln == line and a <= column < b), None)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        f = self.field_at(offset.y + int(self.scroll_y), offset.x)
        if f is not None:
            self.post_message(self.FieldClicked(f))
