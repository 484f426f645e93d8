"""Hex + ASCII pane: 16 bytes a row, every layer's bytes tinted in its colour.

A Line-API widget. The selected field's bytes are highlighted; for a bit field a bit line
under the row shows exactly which bits it is. Clicking a byte, or moving the hex cursor
onto one, posts `ByteClicked`; the screen selects the innermost field covering it.

A packet can have more data sources than its frame, as in Wireshark's tabs under the bytes:
a PDU put together from several TCP segments ("Reassembled TCP (B bytes)"), a de-chunked or
uncompressed HTTP body. Layers decoded from such bytes keep the packet holding them as
their `.packet`; the pane shows one source at a time (`s` cycles, selecting a field goes
to its source), and in a reassembled one says which frame the cursor's byte came from.
"""

from __future__ import annotations

from typing import Any

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

from dissect.engine import Layer, Packet, safe_text

from . import layer_colour, set_virtual_size

ROW = 16
TINT = 0.35  # how much of a protocol's colour a byte's background takes
Highlight = tuple[int, int, int]  # (offset, length, mask) of the selected field


def byte_col(j: int, left: int) -> int:
    """Screen column of byte j (0..15) of a row: 'xx ' each, one extra space after 8."""
    return left + 3 * j + (1 if j >= 8 else 0)


def data_source(frame: Packet, layer: Layer) -> Packet:
    """The packet whose bytes a layer's spans point into: the frame's, or a reassembled
    source's (a layer decoded from bytes put together from several frames)."""
    owner = layer.packet
    return owner if owner is not None and owner.source is not None else frame


def field_at(frame: Packet, source: Packet, offset: int) -> tuple[Layer, Any] | None:
    """The innermost field of the shown data source whose span holds byte `offset`."""
    best, best_len = None, -1
    for layer in frame.layers:
        if layer.protocol.name == "frame" or data_source(frame, layer) is not source:
            continue
        for f in layer.walk():
            if (
                f.len > 0
                and f.pos <= offset < f.pos + f.len
                and (best is None or f.len <= best_len)
            ):
                best, best_len = (layer, f), f.len
    return best


NO_STYLE = Style()


def _segments(pieces: list[tuple[str, Style]], base: Style) -> list[Segment]:
    """The segments Text would render for these pieces over `base`: each styled piece
    its own, unstyled neighbours joined."""
    out: list[Segment] = []
    plain = ""
    for text, style in pieces:
        if not style:
            plain += text
            continue
        if plain:
            out.append(Segment(plain, base))
            plain = ""
        out.append(Segment(text, base + style))
    if plain:
        out.append(Segment(plain, base))
    return out


def mask_bytes(length: int, mask: int) -> list[int]:
    """The mask split into the field's bytes, first byte first."""
    return [(mask >> (8 * (length - 1 - k))) & 0xFF for k in range(length)]


class HexPane(ScrollView, can_focus=True):
    """The selected packet's bytes."""

    COMPONENT_CLASSES = {
        "hex-pane--offset", "hex-pane--field", "hex-pane--bits", "hex-pane--bits-off",
        "hex-pane--cursor", "hex-pane--layer-selected",
    }  # fmt: skip
    BINDINGS = [
        Binding("left", "move(-1)", "Byte left", show=False),
        Binding("right", "move(1)", "Byte right", show=False),
        Binding("up", "move(-16)", "Row up", show=False),
        Binding("down", "move(16)", "Row down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First byte", show=False),
        Binding("end", "edge(1)", "Last byte", show=False),
        Binding("s", "source", "Next data source (reassembled bytes)", show=False),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)

    class ByteClicked(Message):
        """A byte was picked, by mouse click or by moving the hex cursor onto it."""

        def __init__(self, offset: int, by_mouse: bool) -> None:
            super().__init__()
            self.offset = offset
            self.by_mouse = by_mouse

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.packet: Packet | None = None  # the data source shown (the frame's packet, or one
        self.frame: Packet | None = None  # ... holding bytes reassembled for it) and the frame
        self.sources: list[Packet] = []  # the frame first, then each other source
        self.origins: list[tuple[int, int, int]] = []  # (start, length, frame) of the shown bytes
        self.highlight: Highlight | None = None
        self.layer_span: tuple[int, int] | None = None
        self.caption = ""
        # Each byte's index into _colours (0: no layer tint), and the tints made so far.
        self._slots: bytearray = bytearray()
        self._colours: list[str] = [""]
        self._tints: dict[str, Style] = {}
        self._lines: list[tuple[str, int]] = []
        self._left = 6  # offset column width
        self._tallest = 0  # lines of the tallest packet shown since the last empty one
        self._strips: LRUCache[tuple[int, int, bool], Strip] = LRUCache(256)
        self._origins: dict[str, list[tuple[int, int, int]]] = {}

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.retint())

    def retint(self) -> None:
        """The theme changed: blend the layer tints over the new background."""
        self._tints.clear()
        self._strips.clear()
        self.border_title = self._legend()
        self.refresh()

    # -- data in -------------------------------------------------------------------------
    def show_packet(self, pkt: Packet | None,
                    origins: dict[str, list[tuple[int, int, int]]] | None = None) -> None:  # fmt: skip
        """A packet's frame bytes; `origins` gives, per reassembled source's name, which
        frame each part of its bytes came from."""
        self.frame = pkt
        self.sources = [pkt] if pkt is not None else []
        for layer in pkt.layers if pkt is not None else ():
            owner = data_source(pkt, layer)
            if owner not in self.sources:
                self.sources.append(owner)
        self._origins = origins or {}
        self.show_source(pkt)

    def show_source(self, pkt: Packet | None) -> None:
        """Show one of the frame's data sources (its layers tinted, the others not)."""
        self.packet = pkt
        self.origins = self._origins.get(pkt.source, []) if pkt is not None and pkt.source else []
        self.highlight = self.layer_span = None
        self.caption = ""
        self._slots = bytearray(len(pkt.data)) if pkt else bytearray()
        self._colours = [""]
        self._tints.clear()  # the pane's background may have changed (theme)
        if pkt is not None:
            self._left = max(4, len(f"{max(0, len(pkt.data) - 1):x}")) + 2
            for layer in self.frame.layers if self.frame is not None else ():
                if data_source(self.frame, layer) is pkt:
                    self._paint_layer(pkt, layer)
        self.set_reactive(HexPane.cursor, 0)
        self._relayout()
        self.border_title = self._legend()

    def _paint_layer(self, pkt: Packet, layer: Layer) -> None:
        colour = layer_colour(layer)
        if not colour:
            return
        if colour not in self._colours:
            if len(self._colours) > 255:
                return  # a byte holds the index: past 255 distinct colours, no tint
            self._colours.append(colour)
        slot = self._colours.index(colour)
        end = min(layer.end, len(self._slots))
        self._slots[layer.pos : end] = bytes([slot]) * max(0, end - layer.pos)
        for f in layer.fields:  # padding and trailers sit past the header span
            if f.len and f.pos >= end:
                stop = min(f.pos + f.len, len(self._slots))
                self._slots[f.pos : stop] = bytes([slot]) * max(0, stop - f.pos)

    def set_highlight(
        self, highlight: Highlight | None, layer_span: tuple[int, int] | None, caption: str = ""
    ) -> None:
        """Paint the selected field (and its layer); scroll it into view."""
        self.highlight = highlight if highlight and highlight[1] > 0 else None
        self.layer_span = layer_span
        self.caption = caption
        self._relayout()
        if self.highlight is not None:
            line = self._line_of(self.highlight[0])
            self.scroll_to_region(Region(0, line, 1, 2), animate=False, immediate=True)

    def move_cursor_to(self, offset: int) -> None:
        """Put the hex cursor on a byte without announcing it (the selection came from elsewhere)."""
        if self.packet is not None and 0 <= offset < len(self.packet.data):
            self.set_reactive(HexPane.cursor, offset)
            self._strips.clear()
            self.refresh()

    def _relayout(self) -> None:
        rows = (len(self.packet.data) + ROW - 1) // ROW if self.packet else 0
        lines = [("row", r) for r in range(rows)]
        hl = self.highlight
        if hl is not None and hl[2]:
            at = hl[0] // ROW + 1
            lines.insert(at, ("bits", hl[0] // ROW))
        self._lines = lines
        self._strips.clear()
        # The pane keeps the height of the tallest packet shown (up to its max-height): a
        # height that followed each packet would resize the tree above at most keys, and
        # a resize is a layout pass and a second paint.
        self._tallest = len(lines) if self.packet is None else max(self._tallest, len(lines))
        set_virtual_size(self, Size(byte_col(ROW, self._left) + 2 + ROW, self._tallest))
        self.refresh()

    def _line_of(self, offset: int) -> int:
        return next(
            (i for i, (k, r) in enumerate(self._lines) if k == "row" and r == offset // ROW), 0
        )

    def action_source(self) -> None:
        """The next data source of the packet (the frame after the last)."""
        if len(self.sources) > 1 and self.packet in self.sources:
            k = self.sources.index(self.packet)
            self.show_source(self.sources[(k + 1) % len(self.sources)])

    def origin_of(self, offset: int) -> int | None:
        """The frame a byte of the shown reassembled source came from (None: the frame's own)."""
        for start, length, frame in self.origins:
            if start <= offset < start + length:
                return frame
        return None

    def _legend(self) -> Text:
        """The border title: the data source shown (when there are several), then each of
        its layers' names in its colour."""
        text = Text("Bytes ", end="")
        if self.packet is None:
            return text
        if len(self.sources) > 1:
            for k, src in enumerate(self.sources):
                name = safe_text(src.source or f"Frame ({len(src.data)} bytes)", 60)
                style = Style(reverse=True) if src is self.packet else Style(dim=True)
                text.append(f"[{k + 1}] {name}", style)
                text.append(" ")
            origin = self.origin_of(self.cursor)
            if origin is not None:
                text.append(f"byte {self.cursor} from frame #{origin} ", Style(italic=True))
        for layer in self.frame.layers if self.frame is not None else ():
            if data_source(self.frame, layer) is not self.packet:
                continue
            colour = layer_colour(layer)
            if colour:
                text.append(f" {layer.protocol.short} ", self._tint(colour) + Style(bold=True))
                text.append(" ")
        return text

    # -- drawing ---------------------------------------------------------------------------
    def _tint(self, colour: str) -> Style:
        """A layer's background: its protocol's colour blended over the pane's, so the
        bytes stay readable on dark and light themes."""
        tint = self._tints.get(colour)
        if tint is None:
            base = self.background_colors[1]
            tint = Style(bgcolor=base.blend(Color.parse(colour), TINT).rich_color)
            self._tints[colour] = tint
        return tint

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        if index >= len(self._lines) or self.packet is None:
            return Strip.blank(width, self.rich_style)
        key = (index, width, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            kind, row = self._lines[index]
            base = self.rich_style  # computed from the CSS at each access: once a line
            if kind == "row":  # most lines: straight to segments, no Text to lay out
                segments = _segments(self._row_pieces(row), base)
            else:
                segments = [Segment(s.text, base + s.style if s.style else base)
                            for s in self._bits_text(row).render(self.app.console)]  # fmt: skip
            strip = Strip(segments)
            self._strips[key] = strip
        return strip.crop_extend(int(self.scroll_x), int(self.scroll_x) + width, self.rich_style)

    def _looks(self) -> tuple[Style, Style, Style]:
        """The component styles a byte can take: selected layer, selected field, cursor."""
        return (
            self.get_component_rich_style("hex-pane--layer-selected", partial=True),
            self.get_component_rich_style("hex-pane--field", partial=True),
            self.get_component_rich_style("hex-pane--cursor", partial=True),
        )

    def _byte_style(self, off: int, looks: tuple[Style, Style, Style]) -> Style:
        layer_selected, field, cursor = looks
        style = Style()
        slot = self._slots[off]
        if slot:
            style += self._tint(self._colours[slot])
        span = self.layer_span
        if span is not None and span[0] <= off < span[1]:
            style += layer_selected
        hl = self.highlight
        if hl is not None and hl[0] <= off < hl[0] + hl[1]:
            if not hl[2] or mask_bytes(hl[1], hl[2])[off - hl[0]]:
                style += field
        if off == self.cursor and self.has_focus:
            style += cursor
        return style

    def _row_pieces(self, row: int) -> list[tuple[str, Style]]:
        """A row as (text, style) pieces: offset, each byte in hex, then as ASCII. Each
        byte's style is worked out once (a key draws every row of a new packet)."""
        assert self.packet is not None
        data = self.packet.data
        start, stop = row * ROW, min(len(data), row * ROW + ROW)
        looks = self._looks()
        styles = [self._byte_style(off, looks) for off in range(start, stop)]
        offset = f"{start:0{self._left - 2}x}  "
        pieces = [(offset, self.get_component_rich_style("hex-pane--offset", partial=True))]
        cells = len(offset)
        for j, style in enumerate(styles):
            joined = j + 1 < len(styles) and styles[j + 1] == style and j != 7
            gap = "  " if j == 7 else " "
            pieces += ((f"{data[start + j]:02x}", style), (gap, style if joined else NO_STYLE))
            cells += 2 + len(gap)
        pieces.append((" " * max(0, byte_col(ROW, self._left) + 1 - cells), NO_STYLE))
        # Only 0x20-0x7e are printed: packet bytes could be escape sequences.
        pieces += ((chr(b) if 0x20 <= b < 0x7F else ".", style)
                   for b, style in zip(data[start:stop], styles, strict=True))  # fmt: skip
        return pieces

    def _row_text(self, row: int) -> Text:
        text = Text(no_wrap=True, end="")
        for piece, style in self._row_pieces(row):
            text.append(piece, style)
        return text

    def _bits_text(self, row: int) -> Text:
        """The bit line: the field's bits under its bytes, the selected ones lit."""
        assert self.packet is not None and self.highlight is not None
        pos, length, mask = self.highlight
        word = int.from_bytes(self.packet.data[pos : pos + length], "big")
        bits = Text(no_wrap=True, end="")
        on = self.get_component_rich_style("hex-pane--bits", partial=True)
        off = self.get_component_rich_style("hex-pane--bits-off", partial=True)
        total = length * 8
        for i in range(total - 1, -1, -1):
            lit = (mask >> i) & 1
            bits.append(str((word >> i) & 1) if lit else ".", on if lit else off)
            if i and i % 8 == 0:
                bits.append("  ")
            elif i and i % 4 == 0:
                bits.append(" ")
        bits.append(f" = {safe_text(self.caption, 80)}  (mask 0x{mask:0{length * 2}x})", off)
        line_width = byte_col(ROW, self._left) + 1 + ROW
        start = min(byte_col(pos % ROW, self._left), max(0, line_width - bits.cell_len - 2))
        text = Text(no_wrap=True, end="")
        text.append(" " * start + "└ ", off)
        text.append_text(bits)
        return text

    # -- input -----------------------------------------------------------------------------
    def offset_at(self, x: int, y: int) -> int | None:
        """The byte under a point of the content area (None: no byte there)."""
        index = int(self.scroll_y) + y
        if self.packet is None or not 0 <= index < len(self._lines):
            return None
        kind, row = self._lines[index]
        if kind != "row":
            return None
        x += int(self.scroll_x)
        ascii_col = byte_col(ROW, self._left) + 1
        if ascii_col <= x < ascii_col + ROW:
            j = x - ascii_col
        else:
            j = next(
                (
                    j
                    for j in range(ROW)
                    if byte_col(j, self._left) <= x < byte_col(j, self._left) + 3
                ),
                -1,
            )
        off = row * ROW + j
        return off if j >= 0 and off < len(self.packet.data) else None

    def on_click(self, event: events.Click) -> None:
        point = event.get_content_offset(self)
        if point is None:
            return
        off = self.offset_at(point.x, point.y)
        if off is not None:
            self.set_reactive(HexPane.cursor, off)
            self._strips.clear()
            self.refresh()
            self.post_message(self.ByteClicked(off, by_mouse=True))

    def _go(self, offset: int) -> None:
        if self.packet is None or not self.packet.data:
            return
        self.cursor = max(0, min(offset, len(self.packet.data) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        if self.origins:
            self.border_title = self._legend()
        self._strips.clear()
        self.refresh()
        line = self._line_of(new)
        self.scroll_to_region(Region(0, line, 1, 1), animate=False, immediate=True)
        self.post_message(self.ByteClicked(new, by_mouse=False))

    def action_move(self, delta: int) -> None:
        self._go(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._go(self.cursor + direction * ROW * max(1, self.size.height - 1))

    def action_edge(self, end: int) -> None:
        self._go(len(self.packet.data) - 1 if end and self.packet else 0)

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()
