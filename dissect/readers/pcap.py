"""Classic pcap files: file header parsing and the record-header walk.

Format: draft-ietf-opsawg-pcap ("PCAP Capture File Format"). A 24-byte file header
(magic, version 2.4, reserved, SnapLen, LinkType + FCS bits) is followed by records of a
16-byte header (seconds, micro- or nanoseconds, captured length, original length) and the
captured bytes. The magic number gives both the byte order and the timestamp unit.
Also read: Alexey Kuznetzov's "modified" pcap (magic 0xA1B2CD34), whose record header has
8 more bytes (ifindex, protocol, packet type, pad) -- as libpcap's sf-pcap.c does.

The walk only appends to arrays; the CaptureIndex (dissect/index.py) owns them.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass

from dissect import linktypes

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
MAGIC_MODIFIED = 0xA1B2CD34
FILE_HEADER_LEN = 24
# Link-type field (draft-ietf-opsawg-pcap section 4): low 16 bits link type, bits 16-25
# reserved and zero, bit 26 the "FCS length present" flag, bits 28-31 the FCS length in
# 16-bit words. libpcap refuses a file whose reserved bits are set; so do we.
LINKTYPE_MASK = 0x0000FFFF
RESERVED_MASK = 0x03FF0000
FCS_PRESENT = 0x04000000
# Records longer than this are refused unless the header's SnapLen is larger: the largest
# snapshot length libpcap and Wireshark use (MAXIMUM_SNAPLEN).
MAX_CAPLEN = 262144

_MAGICS: dict[int, tuple[bool, bool]] = {  # magic -> (nanosecond, modified)
    MAGIC_USEC: (False, False),
    MAGIC_NSEC: (True, False),
    MAGIC_MODIFIED: (False, True),
}


class FormatError(Exception):
    """The file header is unusable; the index turns this into a CaptureError."""


@dataclass(slots=True)
class Interface:
    """One capture interface: the pcap file header, or one pcapng Interface Description Block."""

    linktype: int
    snaplen: int
    name: str | None = None
    tsresol: int = 1_000_000  # timestamp units per second
    tsoffset: int = 0  # seconds added to every timestamp (pcapng if_tsoffset)
    fcslen: int | None = None  # bytes of FCS at the end of each frame, when the file says
    section: int = 0  # pcapng section number (0-based)
    local_id: int = 0  # interface id inside its section


@dataclass(slots=True)
class PcapHeader:
    """What the walk needs from a pcap file header."""

    byteorder: str  # struct prefix, "<" or ">"
    nanosecond: bool
    modified: bool
    version: tuple[int, int]
    interface: Interface
    lengths_swapped: str = "no"  # "no", "yes" or "maybe": see _swapped_lengths

    @property
    def record_header_len(self) -> int:
        return 24 if self.modified else 16

    def time_ns(self, raw: int) -> int:
        """Nanoseconds from a record's first 8 bytes read as one integer in file byte order."""
        if self.byteorder == "<":
            sec, frac = raw & 0xFFFFFFFF, raw >> 32
        else:
            sec, frac = raw >> 32, raw & 0xFFFFFFFF
        return sec * 1_000_000_000 + (frac if self.nanosecond else frac * 1000)


def sniff(magic: bytes) -> bool:
    """True when the first four bytes are a pcap magic number in either byte order."""
    return len(magic) >= 4 and (
        struct.unpack("<I", magic[:4])[0] in _MAGICS or struct.unpack(">I", magic[:4])[0] in _MAGICS
    )


def parse_header(buf: bytes | memoryview) -> PcapHeader:
    """Parse the 24-byte file header (draft-ietf-opsawg-pcap section 4); FormatError if bad."""
    if len(buf) < FILE_HEADER_LEN:
        raise FormatError(f"truncated pcap file header ({len(buf)} of {FILE_HEADER_LEN} bytes)")
    for order in "<>":
        (magic,) = struct.unpack_from(order + "I", buf, 0)
        if magic in _MAGICS:
            break
    else:
        raise FormatError("not a pcap file")
    nanosecond, modified = _MAGICS[magic]
    major, minor, _res1, _res2, snaplen, network = struct.unpack_from(order + "HHIIII", buf, 4)
    if major not in (2, 543):
        raise FormatError(f"unsupported pcap version {major}.{minor}")
    if network & RESERVED_MASK:
        raise FormatError(f"pcap link-type field 0x{network:08x} has reserved bits set")
    fcslen = ((network >> 28) & 0xF) * 2 if network & FCS_PRESENT else None
    iface = Interface(
        linktype=linktypes.canonical(network & LINKTYPE_MASK),
        snaplen=snaplen,
        tsresol=1_000_000_000 if nanosecond else 1_000_000,
        fcslen=fcslen,
    )
    swapped = _swapped_lengths(major, minor)
    return PcapHeader(order, nanosecond, modified, (major, minor), iface, swapped)


def _swapped_lengths(major: int, minor: int) -> str:
    """Whether records store original length before captured length, as libpcap decides.

    The two fields were interchanged at version 2.3; some 2.3 files have either order
    (swap only when caplen > len) and DG/UX tcpdump writes version 543.0 in the old order.
    """
    if major == 543 or minor < 3:
        return "yes"
    return "maybe" if minor == 3 else "no"


def walk(
    buf: bytes | memoryview,
    pos: int,
    end: int,
    header: PcapHeader,
    arrays: tuple[array, array, array, array],
    max_records: int,
) -> tuple[int, str | None, bool]:
    """Index up to max_records records from pos; return (next pos, warning, finished).

    arrays = (data offsets 'Q', caplens 'I', wirelens 'I', raw timestamps 'Q'); the raw
    timestamp is the record's first 8 bytes read as one integer, turned into nanoseconds
    by `header.time_ns()` when asked for (saves two big-int operations per record here).
    Timestamps are appended last, so their count is the count of complete entries for
    readers in other threads. The hot path: locals only, one unpack, four appends.
    """
    if header.lengths_swapped != "no":
        return _walk_swapped(buf, pos, end, header, arrays, max_records)
    offsets, caplens, wirelens, times = arrays
    unpack = struct.Struct(header.byteorder + "QII").unpack_from
    add_offset, add_caplen = offsets.append, caplens.append
    add_wirelen, add_time = wirelens.append, times.append
    hlen = header.record_header_len
    limit = max(header.interface.snaplen, MAX_CAPLEN)
    last = end - hlen  # a record header starting after this is cut short
    for _ in range(max_records):
        if pos > last:
            return pos, _tail_warning(pos, end, hlen), True
        ts, caplen, wirelen = unpack(buf, pos)
        data = pos + hlen
        if caplen > limit or data + caplen > end:
            return pos, _bad_record(pos, end, hlen, caplen, limit, len(times) + 1), True
        add_offset(data)
        add_caplen(caplen)
        add_wirelen(wirelen)
        add_time(ts)
        pos = data + caplen
    return pos, None, pos >= end


def _walk_swapped(
    buf: bytes | memoryview,
    pos: int,
    end: int,
    header: PcapHeader,
    arrays: tuple[array, array, array, array],
    max_records: int,
) -> tuple[int, str | None, bool]:
    """walk() for files older than version 2.4 whose length fields may be interchanged."""
    offsets, caplens, wirelens, times = arrays
    unpack = struct.Struct(header.byteorder + "QII").unpack_from
    always = header.lengths_swapped == "yes"
    hlen = header.record_header_len
    limit = max(header.interface.snaplen, MAX_CAPLEN)
    for _ in range(max_records):
        if pos > end - hlen:
            return pos, _tail_warning(pos, end, hlen), True
        ts, caplen, wirelen = unpack(buf, pos)
        if always or caplen > wirelen:
            caplen, wirelen = wirelen, caplen
        data = pos + hlen
        if caplen > limit or data + caplen > end:
            return pos, _bad_record(pos, end, hlen, caplen, limit, len(times) + 1), True
        offsets.append(data)
        caplens.append(caplen)
        wirelens.append(wirelen)
        times.append(ts)
        pos = data + caplen
    return pos, None, pos >= end


def _tail_warning(pos: int, end: int, hlen: int) -> str | None:
    """Warning for the bytes left after the last complete record, if any."""
    if pos >= end:
        return None
    return f"truncated record header at offset {pos}: {end - pos} of {hlen} bytes present"


def _bad_record(pos: int, end: int, hlen: int, caplen: int, limit: int, number: int) -> str:
    """Warning for a record that ends the index: too long a caplen, or cut short by EOF."""
    if caplen > limit:
        return f"record {number} at offset {pos} claims caplen {caplen} > {limit}: index stopped"
    return f"truncated last record at offset {pos}: {end - pos} of {hlen + caplen} bytes present"
