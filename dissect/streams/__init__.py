"""Conversations and streams: one layer for the CLI, the TUI, statistics and exports.

- conversation.py  the online state machines that number TCP and UDP conversations in
                   Wireshark's order of first appearance and keep each direction's base
                   sequence number (fed one packet's facts at a time);
- table.py         the second pass over a capture index: a few bytes per packet (stream,
                   direction, flags) kept in arrays, and the fields it adds to a decoded
                   packet (tcp.stream, udp.stream, relative tcp.seq/ack/nxtseq);
- reassembly.py    a TCP direction's bytes put back in order (bounded, gaps marked);
- follow.py        `-z follow,tcp|udp,ascii|hex|raw,N` as tshark prints it.

docs/ARCHITECTURE.md, section "Streams", gives the data flow and the decisions.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STREAM_FIELDS", "StreamTable", "annotate", "names_stream_fields"]


def __getattr__(name: str) -> Any:
    """The stream pass (table.py) is imported on first use: `dissect.streams.cli` is
    imported for every batch run, which mostly needs no stream."""
    if name in __all__:
        from . import table

        return getattr(table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
