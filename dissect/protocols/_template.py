"""<Protocol full name> (RFC NNNN).

Copy this file to dissect/protocols/<filter-name>.py, fill the header table from the RFC
with Wireshark's filter names and labels (`tshark -G fields | grep '^F.*\\t<name>\\.'`),
write `_tail` only if the header has a variable part, and bind it at the bottom.
Files starting with "_" are not loaded.
"""

from __future__ import annotations

from typing import Any

from ..protocol import HEX, U8, U16, Bytes, Layer, Osi, Protocol, bind

EXAMPLE = Protocol(
    "example", "Example Protocol", osi=Osi.APPLICATION, short="EXAMPLE",
    header=(                                   # offsets follow from order; `at=` pins one
        U8("example.version", "Version"),
        U8("example.type", "Type", names={1: "Request", 2: "Reply"}),
        U16("example.length", "Length"),
        U16("example.checksum", "Checksum", base=HEX),
    ),
    explain="One sentence for the OSI panel: what this protocol is for.",
)  # fmt: skip

VALUE = Bytes("example.value", "Value")


def _tail(data: Any, layer: Layer) -> None:
    """Variable part: add fields with layer.add(spec, offset, length, value[, parent=])."""
    pos, end = layer.pos, layer.payload_end
    length = layer.value("example.length")
    if pos + length > end:
        layer.short(length, "Example message")  # marks truncated or malformed, never raises
        length = end - pos
    if length > 6:
        layer.add(VALUE, pos + 6, length - 6, bytes(data[pos + 6 : pos + length]))
    layer.hdr_len = max(6, length)  # bytes this layer explains
    layer.payload_pos = pos + layer.hdr_len  # what follows (if anything) starts here


def _info(layer: Layer) -> str:
    return f"Example type {layer.value('example.type')}"


EXAMPLE.tail = _tail
EXAMPLE.info = _info

bind("udp.port", 65535, EXAMPLE)
