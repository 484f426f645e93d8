"""pcapng files: section/interface state and the block walk.

Format: draft-ietf-opsawg-pcapng ("PCAP Next Generation (pcapng) Capture File Format").
Every block is type (4), total length (4), body, total length again; lengths are
multiples of 4 and at least 12. A Section Header Block (SHB, 0x0A0D0D0A) starts each
section, fixes its byte order with the byte-order magic 0x1A2B3C4D and resets the
interface list. Interface Description Blocks (IDB, 1) define link type, snap length and
timestamp unit (if_tsresol, option 9) and offset (if_tsoffset, option 14). Packets come
in Enhanced Packet Blocks (EPB, 6), Simple Packet Blocks (SPB, 3: interface 0, no time)
and the obsolete Packet Block (PB, 2). Custom Blocks (CB, 0x00000BAD "may be copied",
0x40000BAD "must not be copied", section 4.8) are records too, as Wireshark lists them:
no interface, no time (see _custom), their bytes the block's custom data and options after the Private
Enterprise Number, their record kind (linktypes.custom_block_kind: PEN and copy flag) in
`kinds`. Every other block (NRB, ISB, DSB, unknown) is skipped by its length, as section 3
of the draft requires of readers.

The walk reads the file a window at a time (stream.Window), appends to the CaptureIndex
arrays and never raises: problems become warnings. Packet comments are not decoded while
indexing: the walk notes where each one is, and the index reads it when the packet is.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Iterator
from typing import Any

from dissect.linktypes import custom_block_kind
from dissect.readers import stream
from dissect.readers.pcap import MAX_CAPLEN, FormatError, Interface
from dissect.readers.stream import Window

SHB = 0x0A0D0D0A
IDB = 1
PB = 2
SPB = 3
EPB = 6
CB_COPY, CB_NO_COPY = 0x00000BAD, 0x40000BAD
CB_MIN = 16  # type, length, PEN, trailing length
BYTE_ORDER_MAGIC = 0x1A2B3C4D
OPT_ENDOFOPT = 0
OPT_COMMENT = 1
IF_NAME = 2
IF_TSRESOL = 9
IF_FCSLEN = 13
IF_TSOFFSET = 14
# Versions readers accept (libpcap sf-pcapng.c: 1.0, and 1.2 written by some old tools).
VERSIONS = ((1, 0), (1, 2))
# Interfaces over all sections: ids fit an array('H') up to 0xFFFF, then the index widens
# it; the cap bounds the memory a file of nothing but interface blocks can claim (~100 MB).
NARROW_INTERFACES = 0x10000
MAX_INTERFACES = 1 << 20
MAX_BLOCK_READ = 1 << 24  # the most of one block read at once: SHB/IDB, or EPB options
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
NS = 1_000_000_000

Arrays = tuple[array, array, array, array, array]  # offsets, caplens, wirelens, times, ifaces


def sniff(magic: bytes) -> bool:
    """True when the first four bytes are the SHB block type."""
    return magic[:4] == b"\x0a\x0d\x0d\x0a"


def shb_length(buf: Any, pos: int) -> tuple[str, int]:
    """(byte order, block length) from the first 12 bytes of an SHB; FormatError when its
    byte-order magic is bad."""
    for order in "<>":
        if struct.unpack_from(order + "I", buf, pos + 8)[0] == BYTE_ORDER_MAGIC:
            return order, struct.unpack_from(order + "I", buf, pos + 4)[0]
    raise FormatError("bad byte-order magic in section header block")


def parse_shb(buf: Any, pos: int, end: int, base: int = 0) -> tuple[str, int]:
    """Check the SHB at buf[pos] (draft section 4.1; buf[0] is at file offset `base`);
    return (byte order, block length).

    FormatError when the byte-order magic, length, version or options are bad.
    """
    if end - pos < 28:
        raise FormatError(f"truncated section header block ({end - pos} of 28 bytes)")
    order, blen = shb_length(buf, pos)
    major, minor = struct.unpack_from(order + "HH", buf, pos + 12)
    if blen < 28 or blen % 4 or blen > end - pos:
        raise FormatError(f"bad section header block length {blen}")
    if struct.unpack_from(order + "I", buf, pos + blen - 4)[0] != blen:
        raise FormatError("section header block trailing length does not match")
    if (major, minor) not in VERSIONS:
        raise FormatError(f"unsupported pcapng version {major}.{minor}")
    for _ in iter_options(buf, pos + 24, pos + blen - 4, order, base):
        pass
    return order, blen


def iter_options(
    buf: Any, start: int, stop: int, order: str, base: int = 0
) -> Iterator[tuple[int, int, int]]:
    """Yield (code, value offset, value length) of the options in buf[start:stop].

    Options are code (2), length (2), value padded to 4 bytes (draft section 3.5); the
    list ends at opt_endofopt or at the end of the block. FormatError on an overrun (its
    message gives the file offset: buf[0] is at `base`).
    """
    unpack = struct.Struct(order + "HH").unpack_from
    while stop - start >= 4:
        code, length = unpack(buf, start)
        if code == OPT_ENDOFOPT:
            return
        value = start + 4
        if value + length > stop:
            raise FormatError(
                f"option {code} at offset {base + start}: length {length} overruns block"
            )
        yield code, value, length
        start = value + ((length + 3) & ~3)


def read_interface(
    buf: Any, pos: int, blen: int, order: str, base: int = 0
) -> tuple[Interface, str | None]:
    """Interface from the IDB at buf[pos] (draft section 4.2; buf[0] is at file offset
    `base`) and a warning for bad options."""
    linktype, _reserved, snaplen = struct.unpack_from(order + "HHI", buf, pos + 8)
    iface = Interface(linktype=linktype, snaplen=snaplen)
    try:
        for code, off, length in iter_options(buf, pos + 16, pos + blen - 4, order, base):
            if code == IF_NAME:
                iface.name = _text(buf, off, length)
            elif code == IF_TSRESOL and length >= 1:
                exp = buf[off]  # high bit set: negative power of 2, else of 10
                iface.tsresol = 2 ** (exp & 0x7F) if exp & 0x80 else 10**exp
            elif code == IF_TSOFFSET and length >= 8:
                iface.tsoffset = struct.unpack_from(order + "q", buf, off)[0]
            elif code == IF_FCSLEN and length >= 1:
                iface.fcslen = buf[off]
    except FormatError as exc:
        where = base + pos
        return iface, f"interface description block at offset {where}: {exc}; rest ignored"
    return iface, None


def find_comment(buf: Any, start: int, stop: int, order: str) -> tuple[int, int] | None:
    """(offset, length) of the first opt_comment's value in an options list, or None (bad
    options are ignored)."""
    try:
        for code, off, length in iter_options(buf, start, stop, order):
            if code == OPT_COMMENT:
                return off, length
    except FormatError:
        pass
    return None


def comment_text(value: bytes) -> str:
    """An opt_comment's text (see _text)."""
    return _text(value, 0, len(value))


def _text(buf: Any, off: int, length: int) -> str:
    """A UTF-8 option value; stops at a NUL as Wireshark does (some writers pad with junk)."""
    return bytes(buf[off : off + length]).decode("utf-8", "replace").split("\0", 1)[0]


class PcapngWalker:
    """Walks the blocks of one pcapng file, keeping the current section's state.

    `interfaces` accumulates every IDB of every section (the global interface number is
    the list index, as Wireshark's frame.interface_id); `_local` maps the current
    section's interface ids to (global id, ns multiplier, divisor, ns offset, caplen limit).
    `comments` maps a record's index to where its comment is: offset << 16 | length;
    `kinds` maps the index of a record that is not a packet (a Custom Block) to its kind.
    `widen` is set when an interface id no longer fits the index's array('H'): the walk
    then returns, and goes on once the index has widened it.
    """

    def __init__(
        self,
        win: Window,
        end: int,
        interfaces: list[Interface],
        comments: dict[int, int],
        warn: Callable[[str], None],
        kinds: dict[int, int] | None = None,
    ) -> None:
        self._win, self._end = win, end
        self.interfaces, self.comments, self._warn = interfaces, comments, warn
        self.kinds: dict[int, int] = {} if kinds is None else kinds
        self.first = 0  # records the index has let go (a stream read forwards)
        self.widen = self.torn = False
        self._section = -1
        self._clamped = False
        self._local: list[tuple[int, int, int, int, int]] = []
        self._set_order(self._section_header(0)[0])

    def _set_order(self, order: str) -> None:
        self._order = order
        self._head = struct.Struct(order + "II").unpack_from
        self._epb = struct.Struct(order + "IIIII").unpack_from
        self._pb = struct.Struct(order + "HHIIII").unpack_from
        self._u32 = struct.Struct(order + "I").unpack_from

    def _at(self, pos: int, n: int) -> tuple[bytes, int]:
        return self._win.at(pos, n, self._end)

    def _section_header(self, pos: int) -> tuple[str, int]:
        """parse_shb() on the SHB at pos, read whole (FormatError when it is bad)."""
        remaining = self._end - pos
        if remaining < 28:
            self.torn = True
            raise FormatError(f"truncated section header block ({remaining} of 28 bytes)")
        buf, at = self._at(pos, 12)
        blen = shb_length(buf, at)[1]
        self.torn = remaining < blen <= MAX_BLOCK_READ and blen % 4 == 0
        if 28 <= blen <= min(remaining, MAX_BLOCK_READ) and blen % 4 == 0:
            buf, at = self._at(pos, blen)
            return parse_shb(buf, at, at + blen, pos - at)
        raise FormatError(f"bad section header block length {blen}")

    def walk(self, pos: int, end: int, arrays: Arrays, max_records: int) -> tuple[int, bool]:
        """Index up to max_records packets from pos, `end` being the file's size as known
        now; return (next block offset, finished). `torn` tells a walk that finished on a
        block running past `end` (more bytes may complete it) from one that met a bad one."""
        self._end, self.torn = end, False
        added = 0
        while added < max_records:
            pos, fast = self._fast_epbs(pos, arrays, max_records - added)
            added += fast
            if pos >= end:
                return pos, True
            if added >= max_records:
                break
            blen, btype = self._block(pos)
            if blen < 0:
                return pos, True
            if btype == EPB or btype == PB:
                result = self._packet(pos, blen, btype, arrays)
            elif btype == SPB:
                result = self._simple(pos, blen, arrays)
            elif btype == IDB:
                result = self._interface(pos, blen)
            elif btype == SHB:
                result = self._new_section()
            elif btype == CB_COPY or btype == CB_NO_COPY:
                result = self._custom(pos, blen, btype, arrays)
            else:
                result = 0
            if result < 0:
                return pos, True
            added += result
            pos += blen
            if self.widen:
                break
        return pos, pos >= end

    def _fast_epbs(self, pos: int, arrays: Arrays, budget: int) -> tuple[int, int]:
        """Index a run of well-formed EPBs held whole in the window quickly; return (pos,
        count) at the first block that is anything else, is odd in any way or runs past the
        window, for the careful path to handle."""
        if self._end - pos < 32:
            return pos, 0
        buf, p = self._at(pos, stream.least(self._end - pos, 32))
        base, local = pos - p, self._local
        stop = min(len(buf), self._end - base)
        head, epb, u32 = self._head, self._epb, self._u32
        offsets, caplens, wirelens, times, ifaces = arrays
        count = 0
        while count < budget and stop - p >= 32:
            btype, blen = head(buf, p)
            if btype != EPB or blen < 32 or blen & 3 or blen > stop - p:
                break
            iface, hi, lo, caplen, wirelen = epb(buf, p + 8)
            if iface >= len(local) or u32(buf, p + blen - 4)[0] != blen:
                break
            gid, mul, div, offset_ns, limit = local[iface]
            padded = (caplen + 3) & ~3
            time_ns = ((hi << 32) | lo) * mul // div + offset_ns
            if caplen > limit or padded + 32 > blen or not INT64_MIN <= time_ns <= INT64_MAX:
                break
            if padded + 32 < blen:  # options: only where a comment is is kept
                found = find_comment(buf, p + 28 + padded, p + blen - 4, self._order)
                if found is not None:
                    self.comments[self.first + len(ifaces)] = (base + found[0]) << 16 | found[1]
            offsets.append(base + p + 28)
            caplens.append(caplen)
            wirelens.append(wirelen)
            times.append(time_ns)
            ifaces.append(gid)  # last: its length is the count other threads see
            p += blen
            count += 1
        return base + p, count

    def _block(self, pos: int) -> tuple[int, int]:
        """(length, type) of the block at pos after the generic checks; length -1 = stop."""
        remaining = self._end - pos
        if remaining < 12:
            self.torn = True
            self._warn(f"truncated block header at offset {pos}: {remaining} of 12 bytes present")
            return -1, 0
        buf, at = self._at(pos, 12)
        btype = self._u32(buf, at)[0]
        if btype == SHB:  # the new section's byte order decides how to read its length
            try:
                order, blen = self._section_header(pos)
            except FormatError as exc:
                self._warn(f"section header block at offset {pos}: {exc}: index stopped")
                return -1, 0
            self._set_order(order)
            return blen, btype
        blen = self._head(buf, at)[1]
        if blen < 12 or blen % 4:
            self._warn(f"bad block length {blen} at offset {pos} (type 0x{btype:x}): index stopped")
            return -1, 0
        if blen > remaining:
            self.torn = True
            self._warn(f"truncated last block at offset {pos}: {remaining} of {blen} bytes present")
            return -1, 0
        buf, at = self._at(pos + blen - 4, 4)
        trailer = self._u32(buf, at)[0]
        if trailer != blen:
            self._warn(f"block at offset {pos}: trailing length {trailer} != {blen}: index stopped")
            return -1, 0
        return blen, btype

    def _new_section(self) -> int:
        """Start a section: interface ids restart from 0 (draft section 4.1)."""
        self._section += 1
        self._local = []
        return 0

    def _interface(self, pos: int, blen: int) -> int:
        """Add the IDB at pos to the current section; -1 when the block is unusable."""
        if blen < 20:
            self._warn(f"interface description block at offset {pos}: length {blen} < 20")
            return -1
        if len(self.interfaces) >= MAX_INTERFACES:
            self._warn(
                f"more than {MAX_INTERFACES:,} interfaces at offset {pos} (a cap on the memory "
                f"they take): index stopped, the last {self._end - pos:,} bytes not read"
            )
            return -1
        buf, at = self._at(pos, min(blen, MAX_BLOCK_READ))
        iface, warning = read_interface(buf, at, min(blen, MAX_BLOCK_READ), self._order, pos - at)
        if warning:
            self._warn(warning)
        iface.section, iface.local_id = self._section, len(self._local)
        gid = len(self.interfaces)
        self.interfaces.append(iface)
        tsres = iface.tsresol
        mul, div = (NS // tsres, 1) if NS % tsres == 0 else (NS, tsres)
        limit = max(iface.snaplen, MAX_CAPLEN)
        self._local.append((gid, mul, div, iface.tsoffset * NS, limit))
        self.widen = gid == NARROW_INTERFACES
        return 0

    def _packet(self, pos: int, blen: int, btype: int, arrays: Arrays) -> int:
        """EPB (draft section 4.3) or obsolete PB (appendix A): 28-byte fixed part."""
        if blen < 32:
            self._warn(f"packet block at offset {pos}: length {blen} < 32: index stopped")
            return -1
        buf, at = self._at(pos, 28)
        if btype == EPB:
            iface, hi, lo, caplen, wirelen = self._epb(buf, at + 8)
        else:
            iface, _drops, hi, lo, caplen, wirelen = self._pb(buf, at + 8)
        entry = self._accept(pos, blen, 28, iface, caplen, self.first + len(arrays[4]) + 1)
        if isinstance(entry, int):
            return entry
        gid, mul, div, offset_ns, _limit = entry
        opts, stop = pos + 28 + ((caplen + 3) & ~3), pos + blen - 4
        comment = None
        if opts < stop:
            buf, at = self._at(opts, min(stop - opts, MAX_BLOCK_READ))
            found = find_comment(buf, at, at + min(stop - opts, MAX_BLOCK_READ), self._order)
            comment = None if found is None else (opts - at + found[0]) << 16 | found[1]
        time_ns = ((hi << 32) | lo) * mul // div + offset_ns
        self._append(arrays, pos + 28, caplen, wirelen, time_ns, gid, comment)
        return 1

    def _simple(self, pos: int, blen: int, arrays: Arrays) -> int:
        """SPB (draft section 4.4): interface 0, caplen = min(original, block, snaplen)."""
        if blen < 16:
            self._warn(f"simple packet block at offset {pos}: length {blen} < 16: index stopped")
            return -1
        buf, at = self._at(pos, 12)
        wirelen = self._u32(buf, at + 8)[0]
        caplen = min(wirelen, blen - 16)
        if self._local:
            snaplen = self.interfaces[self._local[0][0]].snaplen
            caplen = min(caplen, snaplen) if snaplen else caplen
        entry = self._accept(pos, blen, 12, 0, caplen, self.first + len(arrays[4]) + 1)
        if isinstance(entry, int):
            return entry
        self._append(arrays, pos + 12, caplen, wirelen, 0, entry[0], None)  # SPBs have no time
        return 1

    def _custom(self, pos: int, blen: int, btype: int, arrays: Arrays) -> int:
        """A Custom Block (draft section 4.8) as a record: its bytes follow the PEN; no
        interface (0 in the array, the kind says there is none) and no time: the array
        holds the record before's (0 for the first), which is what Wireshark counts the
        next packet's delta from (it leaves the previous record's time in place). A block
        longer than MAX_CAPLEN is kept as a cut record (caplen < its length), so reading
        it stays bounded and the frame says it was cut."""
        if blen < CB_MIN:  # as Wireshark: "total block length 12 of a CB is too small"
            self._warn(f"custom block at offset {pos}: length {blen} < {CB_MIN}: index stopped")
            return -1
        buf, at = self._at(pos + 8, 4)
        pen = self._u32(buf, at)[0]
        self.kinds[self.first + len(arrays[4])] = custom_block_kind(pen, btype == CB_COPY)
        size = blen - CB_MIN
        times = arrays[3]
        before = times[-1] if len(times) else 0
        self._append(arrays, pos + 12, min(size, MAX_CAPLEN), size, before, 0, None)
        return 1

    def _accept(
        self, pos: int, blen: int, hlen: int, iface: int, caplen: int, number: int
    ) -> tuple[int, int, int, int, int] | int:
        """The section entry of a packet's interface, or 0 (skip it) / -1 (stop) after a warning."""
        if iface >= len(self._local):
            have = len(self._local)
            self._warn(
                f"record at offset {pos}: interface id {iface} out of range "
                f"({have} interfaces in section {self._section}): skipped"
            )
            return 0
        entry = self._local[iface]
        limit = entry[4]
        if caplen > limit:
            self._warn(
                f"record {number} at offset {pos} claims caplen {caplen} > {limit}: index stopped"
            )
            return -1
        if hlen + caplen + 4 > blen:
            self._warn(
                f"record {number} at offset {pos}: caplen {caplen} overruns block length {blen}: "
                "index stopped"
            )
            return -1
        return entry

    def _append(
        self,
        arrays: Arrays,
        offset: int,
        caplen: int,
        wirelen: int,
        time_ns: int,
        gid: int,
        comment: int | None,
    ) -> None:
        """Append one packet; the interface id goes last, its array's length is the count."""
        offsets, caplens, wirelens, times, ifaces = arrays
        if not INT64_MIN <= time_ns <= INT64_MAX:
            time_ns = self._clamp(self.first + len(ifaces) + 1, time_ns)
        if comment is not None:
            self.comments[self.first + len(ifaces)] = comment
        offsets.append(offset)
        caplens.append(caplen)
        wirelens.append(wirelen)
        times.append(time_ns)
        ifaces.append(gid)

    def _clamp(self, number: int, time_ns: int) -> int:
        """Timestamps beyond year 2262 do not fit the int64 array: clamp, warn once."""
        if not self._clamped:
            self._clamped = True
            self._warn(f"record {number}: timestamp out of range, clamped (further ones too)")
        return max(INT64_MIN, min(INT64_MAX, time_ns))
