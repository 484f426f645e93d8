"""Save and export from the TUI: packets to pcap or pcapng (dissect/readers/writer.py),
the packet list as text, CSV or JSON. Runs on a worker thread; rows are source rows."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from dissect.readers.writer import PcapngWriter, PcapWriter

from .source import PacketSource

__all__ = ["FORMATS", "export_rows"]

FORMATS: tuple[tuple[str, str], ...] = (
    ("pcapng", "pcapng (packets)"), ("pcap", "pcap (packets; one link type)"),
    ("text", "Text (the packet list)"), ("csv", "CSV (the packet list)"),
    ("json", "JSON (the packet list)"),
)  # fmt: skip
LIST_FIELDS = ("number", "time", "source", "destination", "protocol", "length", "info")


def export_rows(source: PacketSource, rows: Sequence[int], path: str | Path, fmt: str) -> int:
    """Write the rows in the format; returns how many. OSError/ValueError say why not."""
    if fmt in ("pcap", "pcapng"):
        return _capture(source, rows, Path(path), fmt)
    return _list(source, rows, Path(path), fmt)


def _capture(source: PacketSource, rows: Sequence[int], path: Path, fmt: str) -> int:
    frames = (source.frame(row) for row in rows)
    if fmt == "pcap":
        linktypes = {source.frame(row)[1] for row in rows[:1]}
        lt = linktypes.pop() if linktypes else 1
        with PcapWriter(path, lt) as out:
            for n, (data, linktype, time_ns, wirelen) in enumerate(frames):
                if linktype != lt:
                    raise ValueError(f"packet {n + 1} has link type {linktype}, the first {lt}: "
                                     "pcap holds one link type, save as pcapng")  # fmt: skip
                out.write(data, max(0, time_ns), wirelen)
        return len(rows)
    with PcapngWriter(path) as png:
        interfaces: dict[int, int] = {}
        for data, linktype, time_ns, wirelen in frames:
            if linktype not in interfaces:
                interfaces[linktype] = png.add_interface(linktype)
            png.write(data, max(0, time_ns), wirelen, interfaces[linktype])
    return len(rows)


def _list(source: PacketSource, rows: Sequence[int], path: Path, fmt: str) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out) if fmt == "csv" else None
        if writer is not None:
            writer.writerow([name.capitalize() for name in LIST_FIELDS])
        items = []
        for start in range(0, len(rows), 1000):
            for s in source.summaries_of(rows[start : start + 1000]):
                cells = (s.number, f"{s.time:.6f}", s.source, s.destination, s.protocol,
                         s.length, s.info)  # fmt: skip
                if writer is not None:
                    writer.writerow(cells)
                elif fmt == "json":
                    items.append(dict(zip(LIST_FIELDS, cells, strict=True)))
                else:
                    out.write("{:>7} {:>12} {:<20} {:<20} {:<8} {:>6} {}\n".format(*cells))
        if fmt == "json":
            json.dump(items, out, indent=1)
            out.write("\n")
    return len(rows)
