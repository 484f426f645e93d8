"""The TUI's widgets. Each gets data as attributes and posts messages; the screen coordinates."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget

from dissect.engine import Layer


def is_hollow(layer: Layer) -> bool:
    """A layer that owns no bytes and no fields (e.g. 'raw': the link type says no header)."""
    return layer.protocol.name != "frame" and layer.hdr_len == 0 and not layer.fields


def layer_colour(layer: Layer) -> str:
    """The colour of a layer's swatch, hex tint and legend entry: its protocol's declared
    colour ("#rrggbb"), so one colour means one protocol everywhere on screen; "" for the
    frame pseudo-layer and hollow layers, which own no bytes."""
    if layer.protocol.name == "frame" or is_hollow(layer):
        return ""
    return layer.protocol.colour


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """A scrolling pane's virtual size. Textual lays out the whole screen at each new
    virtual size (most of a key's time), in case the pane's size follows its content; a
    pane that already overflows its height, and still does at the same width, keeps its
    size and its scrollbar: only the scrollbar is told the new height."""
    room = view.container_size.height
    old = view.virtual_size
    if (view.show_vertical_scrollbar and size.width == old.width
            and old.height > room and size.height > room):  # fmt: skip
        view.set_reactive(Widget.virtual_size, size)
        view._scroll_update(size)
    else:
        view.virtual_size = size
