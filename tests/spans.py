"""Shared checks for decoder tests: spans stay inside the frame, views never raise."""

from __future__ import annotations

from typing import Any

from dissect.engine import Packet, decode


def capture_frames(path: Any) -> list[bytes]:
    """Every record's bytes of a capture file, in order."""
    from dissect.index import open_capture

    idx = open_capture(str(path))
    try:
        return [bytes(r.data) for r in idx]
    finally:
        idx.close()


def check_spans(pkt: Packet) -> None:
    for layer in pkt.layers[1:]:
        n = len((layer.packet or pkt).data)  # a layer's spans count in its own bytes
        assert 0 <= layer.pos <= layer.pos + layer.len <= n
        for f in layer.walk():
            assert 0 <= f.pos and f.pos + f.len <= n, (layer, f)
        layer.title  # noqa: B018  (titles and Info must not raise either)
        if layer.protocol.info is not None:
            layer.protocol.info(layer)


def check_every_truncation(frame: bytes, linktype: int) -> None:
    """Every prefix decodes strictly, both as a short frame and as a snaplen cut."""
    for n in range(len(frame) + 1):
        check_spans(decode(frame[:n], linktype, strict=True))
        check_spans(decode(frame[:n], linktype, wirelen=len(frame), strict=True))


def names(pkt: Packet) -> list[str]:
    """The layer stack below the frame pseudo-layer, as tshark's frame.protocols."""
    return [layer.name for layer in pkt.layers[1:]]


def values(pkt: Packet, name: str) -> list:
    return [f.value for f in pkt.find(name)]


def issue_codes(pkt: Packet) -> set[str]:
    return {i.code for i in pkt.issues}


def field_span(pkt: Packet, name: str, index: int = 0) -> tuple:
    """(value, pos, len, mask) of the index-th occurrence of a field."""
    f = list(pkt.find(name))[index]
    return (f.value, f.pos, f.len, f.mask)


def layer_info(pkt: Packet, layer: str) -> str:
    lay = pkt.layer(layer)
    return lay.protocol.info(lay)
