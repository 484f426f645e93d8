"""<Protocol full name> (RFC NNNN).

Copy this file to dissect/protocols/<filter-name>.py, fill the header table from the RFC
with Wireshark's filter names and labels (`tshark -G fields | grep '^F.*\\t<name>\\.'`),
write `_tail` only if the header has a variable part, and bind it at the bottom. Nothing
else changes: the tree, the hex pane, the explanations, `-Y`, `-V` and `-T json` read this
declaration (docs/ARCHITECTURE.md, "Adding a protocol").
Files starting with "_" are not loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import HEX, U8, U16, Bytes, Checksum, Layer, Osi, Protocol, Title, bind

TYPE_NAMES = {1: "Request", 2: "Reply"}


@dataclass(slots=True)
class ExampleState:
    """What tail() keeps for info() and detail(), so the list's Info column builds no field.
    Declared on the Protocol (state=); layer.state is an instance of it, or None."""

    length: int  # the message length the header declares


def _explain_type(value: int, layer: Layer) -> str:
    """A value-aware explanation: what *this* value means (a plain string says what the
    field is for; the TUI then adds the value's name for fields with `names`)."""
    meaning = {1: "the receiver should answer it", 2: "the answer to a request"}
    return f"Type {value}: {meaning.get(value, 'not a type this protocol defines')}."


EXAMPLE = Protocol(
    "example", "Example Protocol", osi=Osi.APPLICATION, short="EXAMPLE",
    header=(                                   # offsets follow from order; `at=` pins one
        U8("example.version", "Version", explain="Which version of the protocol the sender speaks."),
        U8("example.type", "Type", names=TYPE_NAMES, explain=_explain_type),
        U16("example.length", "Length", explain="Length of the message in bytes, this header "
            "included."),
        U16("example.checksum", "Checksum", base=HEX, explain="The checksum over the message, "
            "so the receiver can detect corruption."),
    ),
    # The engine checks it with the shared policy (not for a fragment, a packet quoted in an
    # ICMP error or a capture cut short) and adds example.checksum.status after the tail.
    checksum=Checksum("example.checksum", length="example.length"),
    state=ExampleState,
    # The tree's title: a template over header fields, filled (and kept) by the engine.
    describe=Title("Example Protocol, Version: {example.version}"),
    colour="#d7afff",                          # list row, tree swatch, hex tint
    explain="One sentence for the OSI panel: what this protocol is for.",
)  # fmt: skip

VALUE = Bytes("example.value", "Value", explain="The message's data.")


def _tail(data: Any, layer: Layer) -> None:
    """Variable part: add fields with layer.add(spec, offset, length, value[, parent=])."""
    pos, end = layer.pos, layer.payload_end
    length = layer.value("example.length")
    layer.state = ExampleState(length)
    if pos + length > end:
        layer.short(length, "Example message")  # marks truncated or malformed, never raises
        length = end - pos
    if length > 6:
        layer.add(VALUE, pos + 6, length - 6, bytes(data[pos + 6 : pos + length]))
    layer.hdr_len = max(6, length)  # bytes this layer explains
    layer.payload_pos = pos + layer.hdr_len  # what follows (if anything) starts here


def _info(layer: Layer) -> str:
    state = layer.state
    kind = TYPE_NAMES.get(layer.value("example.type"), "Unknown")
    return f"Example {kind}" + (f", {state.length} bytes" if state is not None else "")


EXAMPLE.tail = _tail
EXAMPLE.info = _info

bind("udp.port", 65535, EXAMPLE)
