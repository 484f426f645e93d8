"""The TUI's widgets. Each gets data as attributes and posts messages; the screen coordinates."""

from __future__ import annotations

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
