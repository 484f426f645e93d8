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
import sys
from array import array
from collections.abc import Iterable
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

    def times_ns(self, raws: Iterable[int]) -> list[int]:
        """time_ns of many records at once (the same formula in one comprehension)."""
        mult = 1 if self.nanosecond else 1000
        if self.byteorder == "<":
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


# The walk has two implementations that index the same records and give the same
# warnings: walk_records(), one record at a time (the reference: plain, obviously
# correct), and walk_fast() for the usual file, in this machine's byte order with
# lengths in the 2.4 order, which takes about 30% less time per record. (numpy would
# gather the columns faster still, but its import costs as much as walking ~0.5M
# records; madvise() advice measured no gain on a page-cached file.)
NATIVE = "<" if sys.byteorder == "little" else ">"
FAST_WINDOW = 1 << 18  # bytes of file per walk_fast() step; <= MAX_CAPLEN (see _chain)
PREFETCH_STRIDE = 64  # a cache line: touching one byte of each brings the whole window in


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
    readers in other threads.
    """
    if header.lengths_swapped == "no" and header.byteorder == NATIVE:
        return walk_fast(buf, pos, end, header, arrays, max_records)
    return walk_records(buf, pos, end, header, arrays, max_records)


def walk_records(
    buf: bytes | memoryview,
    pos: int,
    end: int,
    header: PcapHeader,
    arrays: tuple[array, array, array, array],
    max_records: int,
) -> tuple[int, str | None, bool]:
    """walk(), one record at a time. The hot path: locals only, one unpack, four appends."""
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


def walk_fast(
    buf: bytes | memoryview,
    pos: int,
    end: int,
    header: PcapHeader,
    arrays: tuple[array, array, array, array],
    max_records: int,
) -> tuple[int, str | None, bool]:
    """walk() for files in native byte order with lengths in the 2.4 order (asserted).

    A window of FAST_WINDOW bytes at a time: touch it first (the chain's loads, each
    waiting for the one before, then hit the cache instead of memory), follow the chain
    of record headers through it copying them into one array (_chain), check the last
    record (only it can be bad, see _chain), and append the window's records to the
    index arrays, column by column, with array slices. Same records, warnings and
    append order (timestamps last) as walk_records().
    """
    assert header.lengths_swapped == "no" and header.byteorder == NATIVE
    assert FAST_WINDOW <= MAX_CAPLEN, "_chain() relies on it"
    hlen = header.record_header_len
    limit = max(header.interface.snaplen, MAX_CAPLEN)
    left = max_records
    with memoryview(buf) as view:
        while left > 0:
            stop = min(pos + FAST_WINDOW, end - hlen)  # the window's last header start
            view[pos : stop + hlen : PREFETCH_STRIDE].tobytes()
            offsets, heads = array("Q"), array("I")
            after = _chain(buf, pos, stop, hlen, offsets, heads)
            if not offsets:  # not one whole header left in the file
                return pos, _tail_warning(pos, end, hlen), True
            if len(offsets) > left:  # more than wanted: the rest is walked again next time
                after = offsets[left] - hlen
                del offsets[left:]
                del heads[left * hlen // 4 :]
            columns = (offsets, *_split(heads, hlen))
            caplen = columns[1][-1]
            if caplen > limit or offsets[-1] + caplen > end:
                _append(arrays, columns, len(offsets) - 1)
                bad, number = offsets[-1] - hlen, len(arrays[3]) + 1
                return bad, _bad_record(bad, end, hlen, caplen, limit, number), True
            _append(arrays, columns, len(offsets))
            pos, left = after, left - len(offsets)
    return pos, None, pos >= end


def _chain(
    buf: bytes | memoryview, pos: int, stop: int, hlen: int, offsets: array, heads: array
) -> int:
    """Follow the records from pos while their header starts by `stop`: append each one's
    data offset to `offsets` and its header to `heads` (the 32-bit words: seconds,
    fraction, caplen, wirelen, and two more in the modified format); return the offset
    after the last. The hot loop of walk_fast(): reading the caplen back from `heads`
    costs less than a struct unpack, and nothing is checked. A bad record can only be the
    last: a caplen over the limit (>= MAX_CAPLEN >= FAST_WINDOW) or data past the end of
    the file puts the next header past `stop`."""
    keep, add = heads.frombytes, offsets.append
    back = 2 - hlen // 4  # caplen's index counted from the end of the header kept
    while pos <= stop:
        data = pos + hlen
        keep(buf[pos:data])
        add(data)
        pos = data + heads[back]
    return pos


def _split(heads: array, hlen: int) -> tuple[array, array, array]:
    """(caplens, wirelens, raw timestamps) of the headers _chain() kept: strided slices."""
    stamps = array("Q")
    stamps.frombytes(memoryview(heads).cast("B"))  # the first 8 bytes of each header
    words = hlen // 4
    return heads[2::words], heads[3::words], stamps[:: words // 2]


def _append(
    arrays: tuple[array, array, array, array], columns: tuple[array, ...], count: int
) -> None:
    """Extend the index arrays by the first `count` entries of `columns`, in their order:
    the timestamps, whose length other threads take as the count, grow last (and each
    extend is one step under the GIL, as an append is)."""
    for arr, column in zip(arrays, columns, strict=True):
        arr.extend(column if count == len(column) else column[:count])


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
