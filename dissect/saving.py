"""`-r FILE [-Y FILTER] -w OUT [-F pcap|pcapng]`: the displayed packets written to a capture
file with the writers of dissect/readers/writer.py (the capture process's own).

pcapng keeps each source interface (link type, snaplen, name, timestamp resolution and
offset), packet comments and nanosecond times; pcap holds one link type, so a capture
with several is one error line asking for pcapng. A pcapng Custom Block is written back as
one when it may be copied and left out when it must not be (draft-ietf-opsawg-pcapng
section 4.8: a writer that changes a file drops those), as tshark -w does; pcap cannot hold
one, which is an error line, as tshark's. The format comes from -F, else from
the suffix (.pcap, .cap, .dmp: pcap; anything else: pcapng), as the live -w chooses.
"""

from __future__ import annotations

import math
import os
from typing import Any, BinaryIO

from .engine import Packet
from .linktypes import custom_block
from .readers.writer import DEFAULT_SNAPLEN, PcapngWriter, PcapWriter

PCAP_SUFFIXES = (".pcap", ".cap", ".dmp")


class SaveError(Exception):
    """The packets cannot be written as asked: one line for the CLI."""


def format_for(path: str, given: str | None) -> str:
    if given:
        return given
    return "pcap" if path.lower().endswith(PCAP_SUFFIXES) else "pcapng"


def _tsresol(units_per_second: int) -> int:
    """pcapng's if_tsresol byte for a resolution (a power of 10, else of 2)."""
    exp10 = round(math.log10(units_per_second)) if units_per_second > 0 else 6
    if 10**exp10 == units_per_second:
        return exp10
    return 0x80 | max(0, units_per_second.bit_length() - 1)


class CaptureWriter:
    """Writes decoded packets (or index records: anything with data, time_ns, wirelen,
    linktype, interface and comment) to a pcap or pcapng file."""

    def __init__(self, out: str | BinaryIO, fmt: str, interfaces: list[Any] | None) -> None:
        # The index's own list: it grows as the index reads further interface blocks.
        self.fmt, self.source = fmt, interfaces if interfaces is not None else []
        self.ids: dict[int, int] = {}  # source interface (or link type) -> written id
        self.count = 0
        self._pcap: PcapWriter | None = None
        self._out = out
        self._ng: PcapngWriter | None = None
        self._pcap_linktype: int | None = None
        if fmt == "pcapng":
            self._ng = PcapngWriter(out)

    def write(self, pkt: Packet | Any) -> None:
        block = custom_block(pkt.linktype)
        if block is not None:
            self._custom(pkt, *block)
            return
        if self._ng is not None:
            self._ng.write(pkt.data, pkt.time_ns, pkt.wirelen, self._interface(pkt), pkt.comment)
        else:
            self._pcap_write(pkt)
        self.count += 1

    def _custom(self, pkt: Any, pen: int, copy: bool) -> None:
        if self._ng is None:
            raise SaveError(f"packet {pkt.number} is a pcapng custom block, which a pcap file "
                            "cannot hold: write pcapng (-F pcapng)")  # fmt: skip
        if copy:
            self._ng.write_custom(pen, pkt.data)
            self.count += 1

    def _interface(self, pkt: Any) -> int:
        """The written interface id: the source's interfaces are written in their order up to
        this packet's, so ids stay the same; packets with none (pasted hex) get one per
        link type."""
        assert self._ng is not None
        if pkt.interface >= len(self.source):
            key = -1 - pkt.linktype
            if key not in self.ids:
                self.ids[key] = self._ng.add_interface(pkt.linktype)
            return self.ids[key]
        while pkt.interface not in self.ids:
            src = self.source[len(self.ids)]
            self.ids[len(self.ids)] = self._ng.add_interface(
                src.linktype, src.snaplen or DEFAULT_SNAPLEN, src.name,
                tsresol=_tsresol(src.tsresol), tsoffset=src.tsoffset)  # fmt: skip
        return self.ids[pkt.interface]

    def _pcap_write(self, pkt: Any) -> None:
        if self._pcap is None:
            snaplen = max((i.snaplen for i in self.source), default=0) or DEFAULT_SNAPLEN
            self._pcap = PcapWriter(self._out, pkt.linktype, snaplen, self._nanosecond())
            self._pcap_linktype = pkt.linktype
        elif pkt.linktype != self._pcap_linktype:
            raise SaveError(f"packet {pkt.number} has link type {pkt.linktype}, the ones "
                              f"before {self._pcap_linktype}: a pcap file holds one link "
                              "type; write pcapng (-F pcapng)")  # fmt: skip
        self._pcap.write(pkt.data, pkt.time_ns, pkt.wirelen)

    def _nanosecond(self) -> bool:
        return any(getattr(i, "tsresol", 0) > 1_000_000 for i in self.source)

    def close(self) -> None:
        if self._pcap is None and self._ng is None:  # no packet: still a valid empty file
            first = self.source[0].linktype if self.source else 1
            self._pcap = PcapWriter(self._out, first, DEFAULT_SNAPLEN, self._nanosecond())
        for w in (self._pcap, self._ng):
            if w is not None:
                w.close()


def open_writer(
    path: str, fmt: str | None, interfaces: list[Any] | None, stdout: Any
) -> CaptureWriter:
    """The writer for -w PATH ('-': the binary stdout, refused when it is a terminal)."""
    kind = format_for(path, fmt)
    if path == "-":
        buf = getattr(stdout, "buffer", None)
        if buf is None or stdout.isatty():
            raise SaveError("-w - writes a binary capture to stdout, which is a terminal: "
                              "redirect it")  # fmt: skip
        return CaptureWriter(buf, kind, interfaces)
    if os.path.isdir(path):
        raise SaveError(f"-w {path}: is a directory")
    return CaptureWriter(path, kind, interfaces)
