"""Classic pcap files: file header parsing and the record-header walk.

Format: draft-ietf-opsawg-pcap ("PCAP Capture File Format"). A 24-byte file header
(magic, version 2.4, reserved, SnapLen, LinkType + FCS bits) is followed by records of a
16-byte header (seconds, micro- or nanoseconds, captured length, original length) and the
captured bytes. The magic number gives both the byte order and the timestamp unit.
Also read: Alexey Kuznetzov's "modified" pcap (magic 0xA1B2CD34), whose record header has
8 more bytes (ifindex, protocol, packet type, pad) -- as libpcap's sf-pcap.c does.

The walk reads the file a window at a time and only appends to arrays; the CaptureIndex
(dissect/index.py) owns them.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from dissect import linktypes
from dissect.engine import chain_records
from dissect.readers import stream
from dissect.readers.stream import Window

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
        """Nanoseconds from a record's first 8 bytes read as one integer in this machine's
        byte order (the walk puts both 32-bit words in it)."""
        if NATIVE == "<":
            sec, frac = raw & 0xFFFFFFFF, raw >> 32
        else:
            sec, frac = raw >> 32, raw & 0xFFFFFFFF
        return sec * 1_000_000_000 + (frac if self.nanosecond else frac * 1000)

    def times_ns(self, raws: Iterable[int]) -> list[int]:
        """time_ns of many records at once (the same formula in one comprehension)."""
        mult = 1 if self.nanosecond else 1000
        if NATIVE == "<":
            return [(r & 0xFFFFFFFF) * 1_000_000_000 + (r >> 32) * mult for r in raws]
        return [(r >> 32) * 1_000_000_000 + (r & 0xFFFFFFFF) * mult for r in raws]


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


# One walk, a window of the file at a time (stream.Window: the file is read, never
# mapped). In each window a tight loop follows the chain of record headers, copying them
# into one array (_chain, or _chain_any for files in the other byte order or with length
# fields that may be interchanged); the window's records then go into the index arrays
# column by column, with array slices. (numpy would gather the columns faster still, but
# its import costs as much as walking ~0.5M records.)
NATIVE = "<" if sys.byteorder == "little" else ">"


def walk(
    win: Window,
    pos: int,
    end: int,
    header: PcapHeader,
    arrays: tuple[array, array, array, array],
    max_records: int,
    first: int = 0,
) -> tuple[int, str | None, bool, bool]:
    """Index up to max_records records from pos; return (next pos, warning, finished,
    torn): finished at the end of the bytes or at a bad record, torn when the last record
    runs past `end`, the size of the file as known now (more bytes may complete it).
    `first` counts the records the index has let go (record numbers in warnings).

    arrays = (data offsets 'Q', caplens 'I', wirelens 'I', raw timestamps 'Q'); the raw
    timestamp is the record's first 8 bytes read as one integer in this machine's byte
    order, turned into nanoseconds by `header.time_ns()` when asked for (saves two big-int
    operations per record here). Timestamps are appended last, so their count is the count of complete entries for
    readers in other threads. A bad record can only be the last of a window: a caplen over
    the limit (>= MAX_CAPLEN >= the span walked) or data past the end of the file puts the
    next header past the window.
    """
    hlen = header.record_header_len
    limit = max(header.interface.snaplen, MAX_CAPLEN)
    native = header.byteorder == NATIVE and header.lengths_swapped == "no"
    left = max_records
    while left > 0:
        if end - pos < hlen:  # not one whole header left in the file
            return pos, _tail_warning(pos, end, hlen), True, pos < end
        buf, rel = win.at(pos, stream.least(end - pos, hlen), end)
        span = min(len(buf) - rel, MAX_CAPLEN, end - pos)  # file bytes held from pos
        offsets, heads = array("Q"), array("I")
        stop, base = rel + span - hlen, pos - rel  # the window's last header start
        if native:
            after = _chain(buf, rel, stop, hlen, base, offsets, heads)
        else:
            after = _chain_any(buf, rel, stop, header, base, offsets, heads)
        if len(offsets) > left:  # more than wanted: the rest is walked again next time
            after = offsets[left] - hlen
            del offsets[left:]
            del heads[left * hlen // 4 :]
        columns = _columns(heads, header)
        caplen = columns[0][-1]
        if caplen > limit or offsets[-1] + caplen > end:
            _append(arrays, (offsets, *columns), len(offsets) - 1)
            bad, number = offsets[-1] - hlen, first + len(arrays[3]) + 1
            warning = _bad_record(bad, end, hlen, caplen, limit, number)
            return bad, warning, True, caplen <= limit
        _append(arrays, (offsets, *columns), len(offsets))
        pos, left = after, left - len(offsets)
    return pos, None, pos >= end, False


def _chain(
    buf: bytes, p: int, stop: int, hlen: int, base: int, offsets: array, heads: array
) -> int:
    """Follow the records from buf[p] while their header starts by buf[stop]: append each
    one's data offset in the file (base + its index in buf) to `offsets` and its header to
    `heads` (the 32-bit words: seconds, fraction, caplen, wirelen, and two more in the
    modified format); return the file offset after the last. The hot loop of walk(), for
    files in this machine's byte order: the compiled engine's (engine.chain_records)."""
    return chain_records(buf, p, stop, hlen, base, offsets, heads)


def _chain_any(
    buf: bytes, p: int, stop: int, header: PcapHeader, base: int, offsets: array, heads: array
) -> int:
    """_chain() for any file: lengths unpacked in the file's byte order, and taken in the
    order the file's version stores them (see _swapped_lengths)."""
    keep, add = heads.frombytes, offsets.append
    hlen, swapped = header.record_header_len, header.lengths_swapped
    unpack = struct.Struct(header.byteorder + "II").unpack_from
    while p <= stop:
        data = p + hlen
        keep(buf[p:data])
        add(base + data)
        caplen, wirelen = unpack(buf, p + 8)
        if swapped == "yes" or (swapped == "maybe" and caplen > wirelen):
            caplen = wirelen
        p = data + caplen
    return base + p


def _columns(heads: array, header: PcapHeader) -> tuple[array, array, array]:
    """(caplens, wirelens, raw timestamps) of the headers a chain kept, in this machine's
    byte order and with the lengths in the 2.4 order: strided slices."""
    if header.byteorder != NATIVE:
        heads.byteswap()
    stamps = array("Q")
    stamps.frombytes(memoryview(heads).cast("B"))  # the first 8 bytes of each header
    words = header.record_header_len // 4
    caplens, wirelens = heads[2::words], heads[3::words]
    if header.lengths_swapped == "yes":
        caplens, wirelens = wirelens, caplens
    elif header.lengths_swapped == "maybe":
        for k, (cap, wire) in enumerate(zip(caplens, wirelens, strict=True)):
            if cap > wire:
                caplens[k], wirelens[k] = wire, cap
    return caplens, wirelens, stamps[:: words // 2]


def _append(
    arrays: tuple[array, array, array, array], columns: tuple[array, ...], count: int
) -> None:
    """Extend the index arrays by the first `count` entries of `columns`, in their order:
    the timestamps, whose length other threads take as the count, grow last (and each
    extend is one step under the GIL, as an append is)."""
    for arr, column in zip(arrays, columns, strict=True):
        arr.extend(column if count == len(column) else column[:count])


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
