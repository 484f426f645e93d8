"""The stream layer on the command line: `-z follow,...` and the stream fields in filters.

dissect/cli.py wires these in with a few lines: its `-z` is repeatable (the `follow,` ones
are handled here, other statistics elsewhere), `prepare` runs the stream
pass when the display filter names a stream field, and `follow_texts` gives each
followed stream's text, which the CLI prints after the packets with the other -z outputs
(`-q`: the streams alone), as tshark does.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..cli import UsageError
from ..engine import Packet
from .names import names_stream_fields

# The stream pass (table.py, conversation.py, follow.py) is imported where it runs: the
# packet list and a filter naming no stream field never load it.

Annotate = Callable[[Packet], None]


class FollowError(UsageError):
    """A -z follow argument that cannot be run: one line for the user."""


def follow_specs(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    """(tcp|udp, mode, stream) of every `-z follow,...`; FollowError when one is bad."""
    out = []
    for stat in getattr(args, "statistics", None) or ():
        if not stat.startswith("follow,"):
            continue
        from .follow import MODES

        parts = stat.split(",")
        if len(parts) != 4 or parts[1] not in ("tcp", "udp") or parts[2] not in MODES:
            raise FollowError(f"-z {stat}: expected follow,tcp|udp,ascii|hex|raw,N")
        if not parts[3].isdigit() or len(parts[3]) > 9:
            raise FollowError(f"-z {stat}: the stream must be a number (tcp.stream/udp.stream)")
        out.append((parts[1], parts[2], int(parts[3])))
    return out


def prepare(args: argparse.Namespace, flt: Any, idx: Any, wanted: bool = False) -> Annotate | None:
    """When the filter names a stream field, or the output shows every field (-V, -T
    json, jsonl, fields): the stream pass (a file: over its index, first; a stream read forwards:
    packet by packet as they come), and the function that adds the stream fields to a
    decoded packet (`wanted`: a report that reads them, -z expert). None when nothing
    needs them: the plain list never waits for it. What
    only later packets tell is left out (as tshark's one pass): a file and a stream read
    forwards print the same."""
    named = flt is not None and names_stream_fields(r.name for r in flt.refs)
    shown = args.verbose or args.format in ("json", "jsonl", "fields")  # every field, as tshark
    if idx is None or not (named or shown or wanted):
        return None  # pasted hex: single packets, no conversations
    from .table import StreamTable, annotate

    most = conversation_limit(args)
    table = StreamTable(True, most) if idx.streaming else StreamTable.build(idx, None, True, most)
    limit = getattr(args, "reassembly_limit", None)
    if idx.streaming:  # framed as the frames come: their bytes cannot be read again
        from .forward import ForwardPduMap

        table.pdus = ForwardPduMap(idx, table)
    if limit is not None and limit <= 0:
        table.pdus = None  # each segment decoded alone
    elif table.pdus is not None and limit is not None:
        # PDUs across segments are found a stream at a time, when a frame of it is first
        # shown (PduMap.stream): in each -V worker for the streams its packets belong to,
        # not over the whole capture in the parent before they fork
        table.pdus.cap = limit
    if idx.streaming:
        from .conversation import segments_of

        def online(pkt: Packet) -> None:
            if pkt.number == len(table) + 1:
                table.add(segments_of(pkt))
            annotate(pkt, table, later=False)

        hook = online
    else:

        def hook(pkt: Packet) -> None:
            annotate(pkt, table, later=False)

    if flt is not None:
        flt.after_decode = hook
    return hook


def export_spec(args: argparse.Namespace) -> str | None:
    """The DIR of `--export-objects http,DIR` (None: not asked); FollowError when bad."""
    spec = getattr(args, "export_objects", None)
    if spec is None:
        return None
    proto, _, directory = spec.partition(",")
    if proto != "http" or not directory:
        raise FollowError(f"--export-objects {spec}: expected http,DIR (only HTTP is exported)")
    return directory


def wants_streams_only(args: argparse.Namespace) -> bool:
    """-q with -z follow or --export-objects: print the streams (or export) alone."""
    return bool(getattr(args, "quiet", False) and (follow_specs(args) or export_spec(args)))


def follow_texts(args: argparse.Namespace, idx: Any, warn: list[str]) -> list[str]:
    """The text of each -z follow, in the order given ([] without one). A stream past the
    conversation limit gets tshark's text for a stream that does not exist, and a warning
    saying why."""
    specs = follow_specs(args)
    if not specs:
        return []
    _need_file(idx)
    from .follow import follow, render
    from .table import StreamTable

    most = conversation_limit(args)
    # the numbering is all follow needs
    table = StreamTable.build(idx, analyse=False, conversation_limit=most)
    counts = {"tcp": table.tcp_streams, "udp": table.udp_streams}
    for kind, _mode, stream in specs:
        if stream >= most and counts[kind] >= most:
            warn.append(f"{kind} stream {stream} was not tracked: the conversation limit "
                        f"({most:,}) was reached (--conversation-limit)")  # fmt: skip
    return [render(follow(idx, table, kind, stream), mode) for kind, mode, stream in specs]


def export_objects(args: argparse.Namespace, idx: Any) -> None:
    """--export-objects http,DIR, when asked."""
    directory = export_spec(args)
    if directory is None:
        return
    _need_file(idx)
    from .objects import export_http
    from .table import StreamTable

    most = conversation_limit(args)
    export_http(idx, StreamTable.build(idx, analyse=False, conversation_limit=most), directory)


def conversation_limit(args: argparse.Namespace) -> int:
    """--conversation-limit N: TCP and UDP conversations tracked each (default 1,048,576)."""
    from .conversation import DEFAULT_CONVERSATION_LIMIT

    most = getattr(args, "conversation_limit", None)
    return DEFAULT_CONVERSATION_LIMIT if most is None else most


def _need_file(idx: Any) -> None:
    if idx is None:
        raise FollowError("-z follow and --export-objects need a capture (not pasted hex)")
