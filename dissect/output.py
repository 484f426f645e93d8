"""Views of decoded packets as text and JSON: summary line, -V tree, -x hex, -T json.

The per-packet renderers (the list row, the tree's lines, JSON) are the engine's
(dissect/engine.py); here are the shapes the TUI and the Rich output use around them.
Everything is plain strings; the CLI decides whether to colour them with Rich. Packet text is
untrusted, so every value shown goes through the field kind's formatter, which escapes
control characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .engine import (
    PROTOCOLS,
    TREE_FIELD,
    TREE_ISSUE,
    TREE_LAYER,
    Layer,
    Osi,
    Packet,
    columns,
    field_dict,
    field_text,
    has_time,
    json_value,
    layer_dict,
    packet_dict,
    packet_json,
    row_line,
    row_text,
    tree_rows,
    tree_text,
    untimed_row_text,
)

__all__ = [
    "TREE_FIELD", "TREE_ISSUE", "TREE_LAYER", "Summary", "field_dict", "field_text",
    "hex_rows", "hex_text", "json_value", "layer_dict", "osi_groups", "packet_dict",
    "packet_json", "protocol_colour", "row_line", "summarize", "summary_line", "time_text",
    "tree_lines", "tree_text",
]  # fmt: skip


@dataclass(slots=True)
class Summary:
    """One packet-list row."""

    number: int
    delta_ns: int  # time relative to the first packet (or absolute, caller's choice), in ns
    source: str
    destination: str
    protocol: str
    length: int
    info: str
    status: str
    bad_checksum: bool
    colour: str = ""  # the declared colour of the protocol in the Protocol column, "#rrggbb"
    timed: bool = True  # False: a record without a time (a pcapng Custom Block), delta_ns 0

    @property
    def time(self) -> float:
        """The time in seconds."""
        return self.delta_ns / 1e9


def summarize(pkt: Packet, t0_ns: int = 0) -> Summary:
    """List-row columns, as Wireshark fills them (engine.columns)."""
    src, dst, proto, info, status, bad = columns(pkt)
    if not has_time(pkt):
        return Summary(pkt.number, 0, src, dst, proto, pkt.wirelen, info, status, bad,
                       protocol_colour(proto), timed=False)  # fmt: skip
    return Summary(pkt.number, pkt.time_ns - t0_ns, src, dst, proto, pkt.wirelen, info, status,
                   bad, protocol_colour(proto))  # fmt: skip


_COLOURS: dict[str, str] = {}  # short name -> colour, derived from the declarations
_colours_from = 0  # how many protocols _COLOURS was made from


def protocol_colour(short: str) -> str:
    """The colour declared by the protocol whose short name the Protocol column shows ("" if
    none). Protocols that share a short name (IPv6 and its extension headers, HTTP and its
    body layers) declare one colour. Remade when a protocol was registered since."""
    global _colours_from
    if _colours_from != len(PROTOCOLS):
        _COLOURS.clear()
        for proto in PROTOCOLS.values():
            if proto.colour:
                _COLOURS.setdefault(proto.short, proto.colour)
        _colours_from = len(PROTOCOLS)
    # a joined column ("SIP/SDP") takes the colour of its topmost protocol, the last name
    return _COLOURS.get(short) or _COLOURS.get(short.rpartition("/")[2], "")


def summary_line(s: Summary) -> str:
    """The row as text: what row_line prints for the same packet."""
    if not s.timed:
        return untimed_row_text(s.number, s.source, s.destination, s.protocol, s.length, s.info)
    return row_text(s.number, s.delta_ns, s.source, s.destination, s.protocol, s.length, s.info)


# -- the tree ------------------------------------------------------------------------------------
def osi_groups(pkt: Packet) -> list[tuple[Osi, list[Layer]]]:
    """Layers grouped by OSI layer, in stack order (a tunnel repeats a group)."""
    groups: list[tuple[Osi, list[Layer]]] = []
    for layer in pkt.layers:
        if groups and groups[-1][0] == layer.osi:
            groups[-1][1].append(layer)
        else:
            groups.append((layer.osi, [layer]))
    return groups


def tree_lines(pkt: Packet, spans: bool = False) -> list[tuple[str, str]]:
    """(kind, indented text) rows of the -V tree; kind is 'layer', 'field' or 'issue'."""
    kinds: list[str] = []
    rows = tree_rows(pkt, spans, kinds)
    return list(zip(kinds, rows, strict=True))


# -- hex ------------------------------------------------------------------------------------------
def hex_rows(data: bytes) -> Iterator[tuple[int, str, str]]:
    """(offset, hex, ascii) rows, 16 bytes each; only 0x20-0x7e printed as text."""
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        hx = " ".join(f"{b:02x}" for b in chunk[:8])
        if len(chunk) > 8:
            hx += "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        asc = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        yield off, hx, asc


def hex_text(data: bytes) -> str:
    return "\n".join(f"{off:04x}  {hx:<49} {asc}" for off, hx, asc in hex_rows(data))


def time_text(time_ns: int) -> str:
    dt = datetime.fromtimestamp(time_ns // 1_000_000_000, UTC)
    return f"{dt:%Y-%m-%d %H:%M:%S}.{time_ns % 1_000_000_000:09d} UTC"
