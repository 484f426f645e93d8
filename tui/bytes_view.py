"""A small hex + ASCII rendering for the teaching screens (tour, edit, diff).

Unlike the main hex pane (a scrolling Line-API widget for any packet), these screens show
one packet's bytes whole, with some bytes marked: the tour's current field, the bytes an
edit changed, the bytes two packets differ in. The ASCII column prints 0x20-0x7E only, so
packet bytes never reach the terminal raw; the result is a Text, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from rich.text import Text

from dissect.engine import Layer, Packet

ROW = 16


def tint(colour: str) -> Style:
    """A layer's bytes: its protocol colour as the text colour."""
    return Style(color=colour) if colour else Style()


def layer_styles(pkt: Packet) -> dict[int, Style]:
    """Each byte in the colour of the innermost layer whose header holds it."""
    out: dict[int, Style] = {}
    for layer in pkt.layers:
        if layer.protocol.name == "frame" or not layer.protocol.colour:
            continue
        style = tint(layer.protocol.colour)
        for i in range(max(0, layer.pos), min(pkt.caplen, layer.pos + layer.hdr_len)):
            out[i] = style
    return out


def hex_view(data: bytes, base: dict[int, Style], marked: Iterable[int], mark: Style,
             limit: int = 4096, text: bool = True) -> Text:  # fmt: skip
    """Rows of 16 bytes: offset, hex and (with `text`) ASCII; `marked` bytes drawn with
    `mark` over `base`."""
    hot = set(marked)
    out = Text(no_wrap=True)
    shown = data[:limit]
    for off in range(0, len(shown), ROW):
        out.append(f"{off:04x}  ", "dim")
        chunk = shown[off : off + ROW]
        for k, b in enumerate(chunk):
            i = off + k
            style = base.get(i, Style()) + (mark if i in hot else Style())
            out.append(f"{b:02x}", style)
            out.append("  " if k == 7 else " ")
        out.append("   " * (ROW - len(chunk)) + (" " if len(chunk) <= 7 else "") + " ")
        for k, b in enumerate(chunk if text else b""):
            i = off + k
            style = base.get(i, Style()) + (mark if i in hot else Style())
            out.append(chr(b) if 0x20 <= b < 0x7F else ".", style)
        out.append("\n")
    if len(data) > limit:
        out.append(f"… {len(data) - limit} more bytes\n", "dim")
    return out


def span_bytes(pos: int, length: int) -> range:
    """The bytes a field covers (a bit field: the bytes its mask lies in)."""
    return range(max(0, pos), max(0, pos + length))


def header_bytes(layer: Layer) -> range:
    return range(max(0, layer.pos), max(0, layer.pos + layer.hdr_len))
