"""Capture-file writers: classic pcap and pcapng, hand-written with struct.

pcap: draft-ietf-opsawg-pcap (file header, then 16-byte record headers).
pcapng: draft-ietf-opsawg-pcapng (SHB, one IDB per interface, EPBs, Custom Blocks).
Each record goes out in one write() call, so a killed writer leaves at most the last
record torn -- which the index reports as a truncated last record and otherwise ignores.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

# The numbers the readers (pcap.py, pcapng.py) parse, restated here: this module imports
# nothing from layerscope, because the capture process runs it from its source text alone,
# with the standard library only (dissect/capture.py, helper_source).
MAGIC_USEC, MAGIC_NSEC = 0xA1B2C3D4, 0xA1B23C4D  # pcap: microsecond / nanosecond stamps
SHB, IDB, EPB = 0x0A0D0D0A, 1, 6  # pcapng block types
CB_COPY = 0x00000BAD  # a Custom Block that may be copied (0x40000BAD: must not be)
BYTE_ORDER_MAGIC = 0x1A2B3C4D
OPT_COMMENT, IF_NAME, IF_TSRESOL, IF_TSOFFSET = 1, 2, 9, 14  # pcapng option codes

NS = 1_000_000_000
DEFAULT_SNAPLEN = 262144


class _Output:
    """A file we opened (and close) or a caller's binary stream (flushed, left open)."""

    def __init__(self, path_or_file: str | os.PathLike[str] | BinaryIO) -> None:
        if isinstance(path_or_file, str | os.PathLike):
            self._file: BinaryIO = open(path_or_file, "wb")  # closed in close()
            self._owned = True
        else:
            self._file = path_or_file
            self._owned = False

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if self._owned:
            self._file.close()
        else:
            self._file.flush()


class PcapWriter:
    """Write a classic pcap file with one link type."""

    def __init__(
        self,
        path_or_file: str | os.PathLike[str] | BinaryIO,
        linktype: int,
        snaplen: int = DEFAULT_SNAPLEN,
        nanosecond: bool = True,
        *,
        big_endian: bool = False,
    ) -> None:
        order = ">" if big_endian else "<"
        self.snaplen = snaplen
        self.nanosecond = nanosecond
        self._record = struct.Struct(order + "IIII")
        self._out = _Output(path_or_file)
        magic = MAGIC_NSEC if nanosecond else MAGIC_USEC
        self._out.write(struct.pack(order + "IHHIIII", magic, 2, 4, 0, 0, snaplen, linktype))

    def write(self, data: bytes, time_ns: int, wirelen: int | None = None) -> None:
        """Append one record; data longer than snaplen is cut (wirelen keeps the length)."""
        if wirelen is None:
            wirelen = len(data)
        data = data[: self.snaplen]
        sec, frac = divmod(time_ns, NS)
        if not self.nanosecond:
            frac //= 1000
        if not 0 <= sec <= 0xFFFFFFFF:
            raise ValueError(f"timestamp {time_ns} ns outside the pcap range (1970-2106)")
        self._out.write(self._record.pack(sec, frac, len(data), wirelen) + bytes(data))

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PcapngWriter:
    """Write a pcapng file: one section, interfaces added on demand, EPB records."""

    def __init__(
        self,
        path_or_file: str | os.PathLike[str] | BinaryIO,
        *,
        big_endian: bool = False,
        comment: str | None = None,
    ) -> None:
        self._order = ">" if big_endian else "<"
        self._out = _Output(path_or_file)
        self._units: list[tuple[int, int, int]] = []  # per interface: (units/s, offset s, snaplen)
        self.new_section(comment)

    def new_section(self, comment: str | None = None) -> None:
        """Start a section (SHB version 1.0, unknown length); interface ids restart at 0."""
        body = struct.pack(self._order + "IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
        if comment is not None:
            body += self._options([(OPT_COMMENT, comment.encode())])
        self.write_block(SHB, body)
        self._units = []

    def add_interface(
        self,
        linktype: int,
        snaplen: int = DEFAULT_SNAPLEN,
        name: str | None = None,
        *,
        tsresol: int = 9,
        tsoffset: int = 0,
    ) -> int:
        """Write an IDB and return its interface id.

        tsresol is the raw if_tsresol byte (9 = nanoseconds; high bit set = power of 2);
        tsoffset (seconds) is written as if_tsoffset when non-zero.
        """
        options: list[tuple[int, bytes]] = []
        if name is not None:
            options.append((IF_NAME, name.encode()))
        options.append((IF_TSRESOL, bytes([tsresol])))
        if tsoffset:
            options.append((IF_TSOFFSET, struct.pack(self._order + "q", tsoffset)))
        body = struct.pack(self._order + "HHI", linktype, 0, snaplen) + self._options(options)
        self.write_block(IDB, body)
        units = 2 ** (tsresol & 0x7F) if tsresol & 0x80 else 10**tsresol
        self._units.append((units, tsoffset, snaplen))
        return len(self._units) - 1

    def write(
        self,
        data: bytes,
        time_ns: int,
        wirelen: int | None = None,
        interface: int = 0,
        comment: str | None = None,
    ) -> None:
        """Append one Enhanced Packet Block, cut to the interface's snaplen."""
        if not 0 <= interface < len(self._units):
            raise ValueError(f"interface {interface} not added (have {len(self._units)})")
        units, offset, snaplen = self._units[interface]
        if wirelen is None:
            wirelen = len(data)
        data = bytes(data[: snaplen or None])
        ticks = (time_ns - offset * NS) * units // NS
        if not 0 <= ticks < 2**64:
            raise ValueError(f"timestamp {time_ns} ns not representable on interface {interface}")
        head = struct.pack(
            self._order + "IIIII", interface, ticks >> 32, ticks & 0xFFFFFFFF, len(data), wirelen
        )
        body = head + data + _pad(len(data))
        if comment is not None:
            body += self._options([(OPT_COMMENT, comment.encode())])
        self.write_block(EPB, body)

    def write_custom(self, pen: int, data: bytes) -> None:
        """Append a Custom Block that may be copied (section 4.8): the Private Enterprise
        Number, then its custom data and options as read (already padded to 4 bytes)."""
        self.write_block(CB_COPY, struct.pack(self._order + "I", pen) + bytes(data))

    def write_block(self, block_type: int, body: bytes) -> None:
        """Write any block whole: type, total length, body padded to 4, total length."""
        body = body + _pad(len(body))
        length = len(body) + 12
        self._out.write(
            struct.pack(self._order + "II", block_type, length)
            + body
            + struct.pack(self._order + "I", length)
        )

    def _options(self, options: list[tuple[int, bytes]]) -> bytes:
        """An options list with its opt_endofopt (draft-ietf-opsawg-pcapng section 3.5)."""
        out = b"".join(
            struct.pack(self._order + "HH", code, len(value)) + value + _pad(len(value))
            for code, value in options
        )
        return out + struct.pack(self._order + "HH", 0, 0)

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> PcapngWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)
