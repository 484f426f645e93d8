"""Shared checks for decoder tests: spans stay inside the frame, views never raise."""

from __future__ import annotations

from dissect.model import Packet
from dissect.protocol import decode


def check_spans(pkt: Packet) -> None:
    n = len(pkt.data)
    for layer in pkt.layers[1:]:
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
