"""The TUI's widgets. Each gets data as attributes and posts messages; the screen coordinates."""

from __future__ import annotations

from dissect.engine import Layer, Packet

LAYER_SLOTS = 6  # distinct layer tints; a deeper stack reuses them in order


def is_hollow(layer: Layer) -> bool:
    """A layer that owns no bytes and no fields (e.g. 'raw': the link type says no header)."""
    return layer.protocol.name != "frame" and layer.hdr_len == 0 and not layer.fields


def layer_slot(pkt: Packet, layer: Layer) -> int:
    """Colour slot 1..LAYER_SLOTS of a layer (0 for the frame pseudo-layer).

    The tree's swatches, the hex tints and the hex legend all use it, so one colour means one
    layer everywhere on screen.
    """
    if layer.protocol.name == "frame" or is_hollow(layer):
        return 0
    n = 0
    for other in pkt.layers:
        if other.protocol.name == "frame" or is_hollow(other):
            continue
        n += 1
        if other is layer:
            break
    return (n - 1) % LAYER_SLOTS + 1
