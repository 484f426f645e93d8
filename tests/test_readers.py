"""pcap and pcapng readers and writers on crafted files (draft-ietf-opsawg-pcap, -pcapng).

Files are built with our own writers or by hand with struct, read back through the
CaptureIndex, and checked field by field. Real captures are in tests/test_index.py.
"""

from __future__ import annotations

import io
import struct
import tracemalloc

import pytest

from dissect import linktypes
from dissect.index import CaptureError, CaptureIndex
from dissect.readers.pcap import MAX_CAPLEN
from dissect.readers.writer import PcapngWriter, PcapWriter

T0 = 1_700_000_000_123_456_789  # 2023-11-14T22:13:20.123456789Z
FRAMES = [bytes(range(60)), b"\xaa" * 98, b"\x01\x02\x03"]


def pcap_bytes(frames: list[bytes] = FRAMES, linktype: int = 1, **kwargs: bool | int) -> bytes:
    out = io.BytesIO()
    with PcapWriter(out, linktype, **kwargs) as w:  # type: ignore[arg-type]
        for n, frame in enumerate(frames):
            w.write(frame, T0 + n * 1_000_000_001)
    return out.getvalue()


def raw_pcap(
    records: list[tuple[int, int, bytes, int]], *, version: tuple[int, int] = (2, 4)
) -> bytes:
    """Little-endian microsecond pcap from (sec, usec, data, field4) records, fields as given."""
    out = struct.pack("<IHHIIII", 0xA1B2C3D4, *version, 0, 0, 65535, 1)
    for sec, usec, data, fourth in records:
        out += struct.pack("<IIII", sec, usec, len(data), fourth) + data
    return out


def index(data: bytes) -> CaptureIndex:
    return CaptureIndex(data, name="test").index_all()


# ---------------------------------------------------------------------------- pcap


@pytest.mark.parametrize("nanosecond", [True, False])
@pytest.mark.parametrize("big_endian", [False, True])
def test_pcap_magics_and_byte_orders(nanosecond: bool, big_endian: bool) -> None:
    data = pcap_bytes(nanosecond=nanosecond, big_endian=big_endian)
    magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
    assert data[:4] == struct.pack(">I" if big_endian else "<I", magic)
    idx = index(data)
    assert idx.format == "pcap" and idx.done and idx.warnings == []
    assert len(idx) == 3
    unit = 1 if nanosecond else 1000
    for n, frame in enumerate(FRAMES):
        rec = idx.record(n)
        expected = T0 + n * 1_000_000_001
        assert rec.time_ns == expected // unit * unit  # exact to the file's resolution
        assert (rec.number, rec.data, rec.caplen, rec.wirelen) == (
            n + 1,
            frame,
            len(frame),
            len(frame),
        )
        assert (rec.linktype, rec.interface, rec.comment) == (linktypes.ETHERNET, 0, None)
    assert idx.interfaces[0].tsresol == (10**9 if nanosecond else 10**6)


def test_pcap_snaplen_cut_keeps_wire_length() -> None:
    idx = index(pcap_bytes([b"x" * 100], snaplen=64))
    assert (idx.caplen(0), idx.wirelen(0), idx.interfaces[0].snaplen) == (64, 100, 64)


def test_pcap_time_fields_are_unsigned() -> None:
    idx = index(raw_pcap([(0xFFFFFFFF, 999_999, b"ab", 2)]))  # 2106-02-07
    assert idx.time_ns(0) == 0xFFFFFFFF * 10**9 + 999_999_000


def test_pcap_linktype_field_bits() -> None:
    head = bytearray(raw_pcap([(1, 0, b"abcd", 4)]))
    struct.pack_into("<I", head, 20, 0x1 << 28 | 0x04000000 | 1)  # FCS present, 1 word
    idx = index(bytes(head))
    assert (idx.linktype(0), idx.interfaces[0].fcslen) == (1, 2)
    struct.pack_into("<I", head, 20, 0x00010001)  # a reserved bit: libpcap refuses it
    with pytest.raises(CaptureError, match="reserved bits"):
        CaptureIndex(bytes(head))


@pytest.mark.parametrize("dlt", [12, 14])
def test_pcap_dlt_raw_aliases(dlt: int) -> None:
    assert index(pcap_bytes(linktype=dlt)).linktype(0) == linktypes.RAW


@pytest.mark.parametrize("major", [0, 1, 3, 0xFFFF])
def test_pcap_bad_major_version(major: int) -> None:
    with pytest.raises(CaptureError, match=f"unsupported pcap version {major}.4"):
        CaptureIndex(raw_pcap([], version=(major, 4)), name="x.pcap")


def test_pcap_old_versions_swap_lengths() -> None:
    # Before 2.3 the record header held len before caplen; 2.3 files have either order.
    old = struct.pack("<IHHIIII", 0xA1B2C3D4, 2, 2, 0, 0, 65535, 1)
    old += struct.pack("<IIII", 1, 0, 9, 3) + b"abc"  # len 9, caplen 3
    idx = index(old)
    assert (idx.caplen(0), idx.wirelen(0), idx.record(0).data) == (3, 9, b"abc")
    v23 = struct.pack("<IHHIIII", 0xA1B2C3D4, 2, 3, 0, 0, 65535, 1)
    v23 += struct.pack("<IIII", 1, 0, 3, 9) + b"abc" + struct.pack("<IIII", 1, 0, 9, 3) + b"abc"
    idx = index(v23)
    assert [(idx.caplen(i), idx.wirelen(i)) for i in range(2)] == [(3, 9), (3, 9)]


def test_pcap_modified_kuznetzov_format() -> None:
    body = b"\x11" * 20
    data = struct.pack("<IHHIIII", 0xA1B2CD34, 2, 4, 0, 0, 65535, 1)
    data += struct.pack("<IIIIIHBB", 5, 6, len(body), 40, 2, 0x0800, 0, 0) + body
    idx = index(data)
    assert (len(idx), idx.caplen(0), idx.wirelen(0)) == (1, 20, 40)
    assert idx.record(0).data == body and idx.time_ns(0) == 5_000_006_000


def test_pcap_caplen_huge_is_refused_without_allocation() -> None:
    data = pcap_bytes([b"ok"]) + struct.pack("<IIII", 1, 0, 0xFFFFFFFF, 0xFFFFFFFF) + b"zz"
    tracemalloc.start()
    idx = index(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(idx) == 1 and peak < 1 << 20
    assert idx.warnings == [
        f"record 2 at offset 42 claims caplen 4294967295 > {MAX_CAPLEN}: index stopped"
    ]


def test_pcap_caplen_up_to_a_big_snaplen_is_accepted() -> None:
    frame = b"j" * (MAX_CAPLEN + 10)
    idx = index(pcap_bytes([frame], snaplen=MAX_CAPLEN * 2))
    assert idx.warnings == [] and idx.caplen(0) == len(frame)


def test_pcap_truncated_record_at_every_length() -> None:
    data = pcap_bytes()
    last = len(data) - 16 - len(FRAMES[-1])
    for cut in range(last + 1, len(data)):
        idx = index(data[:cut])
        assert len(idx) == 2, cut
        assert len(idx.warnings) == 1 and idx.warnings[0].startswith("truncated"), cut
        assert f"offset {last}:" in idx.warnings[0]
    assert index(data[:last]).warnings == []


def test_pcap_truncated_file_header() -> None:
    with pytest.raises(CaptureError, match=r"x: truncated pcap file header \(10 of 24 bytes\)"):
        CaptureIndex(pcap_bytes()[:10], name="x")


# -------------------------------------------------------------------------- pcapng


def pcapng_file(big_endian: bool = False) -> tuple[io.BytesIO, PcapngWriter]:
    out = io.BytesIO()
    return out, PcapngWriter(out, big_endian=big_endian)


@pytest.mark.parametrize("big_endian", [False, True])
def test_pcapng_interfaces_linktypes_comments(big_endian: bool) -> None:
    out, w = pcapng_file(big_endian)
    eth = w.add_interface(linktypes.ETHERNET, 65535, name="eth0")
    raw = w.add_interface(linktypes.RAW, 0, name="tun0")
    w.write(FRAMES[0], T0, interface=eth, comment="first")
    w.write(FRAMES[1], T0 + 1, wirelen=1500, interface=raw)
    w.write(FRAMES[2], T0 + 2, interface=eth, comment="naïve ✓")
    idx = index(out.getvalue())
    assert idx.format == "pcapng" and idx.warnings == []
    got = [
        (r.number, r.interface, r.linktype, r.time_ns, r.wirelen, r.data, r.comment) for r in idx
    ]
    assert got == [
        (1, 0, 1, T0, 60, FRAMES[0], "first"),
        (2, 1, 101, T0 + 1, 1500, FRAMES[1], None),
        (3, 0, 1, T0 + 2, 3, FRAMES[2], "naïve ✓"),
    ]
    assert [(i.name, i.snaplen, i.tsresol) for i in idx.interfaces] == [
        ("eth0", 65535, 10**9),
        ("tun0", 0, 10**9),
    ]


@pytest.mark.parametrize(
    ("tsresol", "units"),
    [(6, 10**6), (9, 10**9), (3, 10**3), (0, 1), (12, 10**12), (0x80 | 20, 2**20), (0x80, 1)],
)
def test_pcapng_if_tsresol(tsresol: int, units: int) -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET, tsresol=tsresol)
    when = T0 if units <= 10**9 else T0 // 1000  # picoseconds since 1970 overflow 64 bits
    w.write(b"a", when)
    idx = index(out.getvalue())
    ticks = when * units // 10**9
    assert idx.interfaces[0].tsresol == units
    assert idx.time_ns(0) == ticks * 10**9 // units


def test_pcapng_if_tsoffset() -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET, tsoffset=1_000_000_000)
    w.add_interface(linktypes.ETHERNET, tsoffset=-5)
    w.write(b"a", T0, interface=0)
    w.write(b"b", T0, interface=1)
    idx = index(out.getvalue())
    assert [i.tsoffset for i in idx.interfaces] == [1_000_000_000, -5]
    assert [idx.time_ns(0), idx.time_ns(1)] == [T0, T0]
    # the stored tick count excludes the offset: ticks + offset = absolute time
    last_epb = out.getvalue()[-36:]
    hi, lo = struct.unpack_from("<II", last_epb, 12)
    assert ((hi << 32) | lo) == T0 + 5 * 10**9


def test_pcapng_sections_reset_interfaces_and_may_change_byte_order() -> None:
    out = io.BytesIO()
    first = PcapngWriter(out)
    first.add_interface(linktypes.ETHERNET, name="a")
    first.write(b"s0", T0)
    second = PcapngWriter(out, big_endian=True)  # a new SHB, other byte order
    second.add_interface(linktypes.NULL, name="b0")
    second.add_interface(linktypes.LINUX_SLL, name="b1")
    second.write(b"s1i1", T0 + 1, interface=1)
    second.write(b"s1i0", T0 + 2, interface=0)
    idx = index(out.getvalue())
    assert [(r.interface, r.linktype, r.data) for r in idx] == [
        (0, 1, b"s0"),
        (2, 113, b"s1i1"),
        (1, 0, b"s1i0"),
    ]
    assert [(i.section, i.local_id, i.name) for i in idx.interfaces] == [
        (0, 0, "a"),
        (1, 0, "b0"),
        (1, 1, "b1"),
    ]


def test_pcapng_simple_packet_block() -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET, 8)
    w.write_block(3, struct.pack("<I", 20) + b"0123456789abcdefghij")  # cut by snaplen 8
    w.write_block(3, struct.pack("<I", 5) + b"vwxyz" + b"\0" * 3)  # padding is not data
    w.write_block(3, struct.pack("<I", 100) + b"short")  # cut by the block
    idx = index(out.getvalue())
    got = [(r.caplen, r.wirelen, r.data, r.time_ns, r.interface) for r in idx]
    assert got == [
        (8, 20, b"01234567", 0, 0),
        (5, 5, b"vwxyz", 0, 0),
        (8, 100, b"short\0\0\0", 0, 0),
    ]


def test_pcapng_simple_packet_block_without_interface() -> None:
    out, w = pcapng_file()
    w.write_block(3, struct.pack("<I", 4) + b"abcd")
    idx = index(out.getvalue())
    assert len(idx) == 0 and "interface id 0 out of range" in idx.warnings[0]


def test_pcapng_obsolete_packet_block() -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET, tsresol=6)
    w.add_interface(linktypes.RAW, tsresol=6)
    ticks = 1_700_000_000_654_321
    body = struct.pack("<HHIIII", 1, 7, ticks >> 32, ticks & 0xFFFFFFFF, 3, 10) + b"pb!\0"
    comment = struct.pack("<HH", 1, 2) + b"hi\0\0" + struct.pack("<HH", 0, 0)
    w.write_block(2, body + comment)
    idx = index(out.getvalue())
    rec = idx.record(0)
    assert (rec.interface, rec.linktype, rec.data, rec.wirelen) == (1, 101, b"pb!", 10)
    assert (rec.time_ns, rec.comment) == (ticks * 1000, "hi")


def test_pcapng_other_blocks_are_skipped_custom_blocks_are_records() -> None:
    out, w = pcapng_file()
    w.write_block(0x00000BAD, struct.pack("<I", 32473) + b"custom")  # custom before any IDB
    w.add_interface(linktypes.ETHERNET)
    w.write_block(4, struct.pack("<HH", 1, 8) + bytes([10, 0, 0, 1]) + b"x.y\0" + b"\0" * 4)  # NRB
    w.write(b"one", T0)
    w.write_block(5, struct.pack("<III", 0, 0, 0))  # ISB
    w.write_block(0x0000000A, struct.pack("<II", 0x544C534B, 4) + b"keys")  # DSB
    w.write_block(0x40000BAD, struct.pack("<I", 1) + b"do not copy")
    w.write_block(0x12345678, b"unknown block type")
    w.write(b"two", T0 + 1)
    idx = index(out.getvalue())
    # Custom Blocks are frames, as in Wireshark; the others are skipped
    assert [r.data for r in idx] == [b"custom\0\0", b"one", b"do not copy\0", b"two"]
    assert idx.warnings == []
    assert [linktypes.custom_block(r.linktype) for r in idx] == [
        (32473, True), None, (1, False), None
    ]


def test_pcapng_comment_stops_at_nul() -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET, name="lo\0junk")
    w.write(b"x", T0, comment="Packet #1\0\x78\x4d\x39")
    idx = index(out.getvalue())
    assert (idx.record(0).comment, idx.interfaces[0].name) == ("Packet #1", "lo")


def two_packets_then(block: bytes, tail: bytes = b"") -> bytes:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET)
    w.write(b"first", T0)
    w.write(b"second", T0 + 1)
    return out.getvalue() + block + tail


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (struct.pack("<II", 6, 8) + b"\0" * 8, "bad block length 8 at offset"),
        (struct.pack("<II", 6, 34) + b"\0" * 28, "bad block length 34"),
        (struct.pack("<II", 6, 0) + b"\0" * 8, "bad block length 0"),
        (struct.pack("<III", 6, 16, 0) + struct.pack("<I", 20), "trailing length 20 != 16"),
        (struct.pack("<II", 6, 0xFFFFFFF0) + b"\0" * 40, "truncated last block at offset"),
        (struct.pack("<II", 6, 28) + b"\0" * 16 + struct.pack("<I", 28), "length 28 < 32"),
    ],
)
def test_pcapng_bad_block_length_keeps_earlier_packets(block: bytes, message: str) -> None:
    good = two_packets_then(b"")
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET)
    w.write(b"never indexed", T0)
    idx = index(two_packets_then(block, out.getvalue()))
    assert [r.data for r in idx] == [b"first", b"second"]
    assert len(idx.warnings) == 1 and message in idx.warnings[0]
    assert f"offset {len(good)}" in idx.warnings[0]


def test_pcapng_caplen_huge_or_past_block() -> None:
    epb = struct.pack("<IIIIIII", 6, 36, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF) + b"abcd"
    idx = index(two_packets_then(epb + struct.pack("<I", 36)))
    at = len(two_packets_then(b""))
    assert len(idx) == 2
    assert idx.warnings == [
        f"record 3 at offset {at} claims caplen 4294967295 > {MAX_CAPLEN}: index stopped"
    ]
    epb = struct.pack("<IIIIIII", 6, 36, 0, 0, 0, 100, 100) + b"abcd"
    idx = index(two_packets_then(epb + struct.pack("<I", 36)))
    assert len(idx) == 2 and "caplen 100 overruns block length 36" in idx.warnings[0]


def test_pcapng_interface_id_out_of_range_is_skipped() -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET)
    w.write(b"a", T0)
    at = len(out.getvalue())
    w.write_block(6, struct.pack("<IIIII", 7, 0, 0, 1, 1) + b"b")
    w.write(b"c", T0)
    idx = index(out.getvalue())
    assert [r.data for r in idx] == [b"a", b"c"]
    assert idx.warnings == [
        f"record at offset {at}: interface id 7 out of range (1 interfaces in section 0): skipped"
    ]


def test_pcapng_truncated_last_block_at_every_length() -> None:
    data = two_packets_then(b"")
    start = len(data) - 40  # the last EPB: 28 fixed + "second" padded to 8 + 4 trailer
    for cut in range(start + 1, len(data)):
        idx = index(data[:cut])
        assert [r.data for r in idx] == [b"first"], cut
        assert len(idx.warnings) == 1 and "truncated" in idx.warnings[0], cut


def test_pcapng_bad_first_section_header() -> None:
    good = two_packets_then(b"")
    bad_bom = good[:8] + b"\x01\x02\x03\x04" + good[12:]
    with pytest.raises(CaptureError, match="x: bad byte-order magic"):
        CaptureIndex(bad_bom, name="x")
    bad_version = good[:12] + struct.pack("<HH", 2, 0) + good[16:]
    with pytest.raises(CaptureError, match="unsupported pcapng version 2.0"):
        CaptureIndex(bad_version)
    with pytest.raises(CaptureError, match="truncated section header block"):
        CaptureIndex(good[:20])


def test_pcapng_bad_later_section_header_stops_with_warning() -> None:
    good = two_packets_then(b"")
    shb = good[:28]
    bad = shb[:12] + struct.pack("<HH", 2, 0) + shb[16:]
    idx = index(good + bad + good)
    assert len(idx) == 2
    assert idx.warnings == [
        f"section header block at offset {len(good)}: unsupported pcapng version 2.0: index stopped"
    ]


def test_pcapng_timestamp_beyond_2262_is_clamped() -> None:
    out, w = pcapng_file()
    w.add_interface(linktypes.ETHERNET, tsresol=6)
    w.write_block(6, struct.pack("<IIIII", 0, 0xFFFFFFFF, 0xFFFFFFFF, 1, 1) + b"z")
    w.write(b"ok", T0)
    idx = index(out.getvalue())
    assert idx.time_ns(0) == 2**63 - 1 and idx.time_ns(1) == T0 // 1000 * 1000
    assert len(idx.warnings) == 1 and "clamped" in idx.warnings[0]


def test_pcapng_idb_with_bad_options_still_defines_the_interface() -> None:
    out, w = pcapng_file()
    w.write_block(1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 2, 200) + b"eth0")
    w.write_block(6, struct.pack("<IIIII", 0, 0, 1, 1, 1) + b"x")
    idx = index(out.getvalue())
    assert len(idx) == 1 and idx.time_ns(0) == 1000
    assert "option 2" in idx.warnings[0] and "overruns block" in idx.warnings[0]


def test_writer_refuses_unknown_interface_and_out_of_range_times() -> None:
    out, w = pcapng_file()
    with pytest.raises(ValueError, match="interface 0 not added"):
        w.write(b"x", T0)
    p = PcapWriter(io.BytesIO(), linktypes.ETHERNET)
    with pytest.raises(ValueError, match="outside the pcap range"):
        p.write(b"x", -1)


def test_writer_to_path_and_context_manager(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "w.pcapng"  # type: ignore[operator]
    with PcapngWriter(path) as w:
        w.add_interface(linktypes.ETHERNET)
        w.write(b"abc", T0)
        w.flush()
    with CaptureIndex(path) as idx:
        assert [r.data for r in idx] == [b"abc"]


def test_linktype_names() -> None:
    assert linktypes.linktype_name(1) == "ETHERNET"
    assert linktypes.linktype_name(12) == "RAW"
    assert linktypes.linktype_name(276) == "LINUX_SLL2"
    assert linktypes.linktype_name(4242) == "LINKTYPE_4242"
    assert linktypes.LINKTYPE_NAMES[linktypes.IEEE802_11] == "IEEE802_11"
    assert (linktypes.NULL, linktypes.LOOP, linktypes.IPV4, linktypes.IPV6) == (0, 108, 228, 229)


# ---------------------------------------------------------------- issue 12: items 10, 11


def test_pcapng_comments_are_read_when_the_packet_is(tmp_path: pytest.TempPathFactory) -> None:
    # 300 packets with 60 KB comments: indexing keeps where each comment is, not its text
    # (it held every comment decoded: ~18 MB here, 516 MB for 16k packets in the issue).
    path = tmp_path / "comments.pcapng"  # type: ignore[operator]
    with PcapngWriter(path) as w:
        eth = w.add_interface(linktypes.ETHERNET)
        for n in range(300):
            w.write(FRAMES[0], T0 + n, interface=eth, comment=f"{n:05d}" + "c" * 60_000)
        w.write(FRAMES[1], T0 + 300, interface=eth)
    tracemalloc.start()
    idx = CaptureIndex(path).index_all()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(idx) == 301 and idx.warnings == []
    assert held < 1_000_000, f"{held} bytes held by the index of 300 commented packets"
    assert idx.record(123).comment == "00123" + "c" * 60_000
    assert [r.comment[:5] for r in idx.records(298, 301) if r.comment] == ["00298", "00299"]
    assert idx.record(300).comment is None
    idx.close()


def idbs(count: int, linktype: int = linktypes.ETHERNET) -> bytes:
    """`count` interface description blocks (little-endian, no options)."""
    block = struct.pack("<IIHHII", 1, 20, linktype, 0, 65535, 20)
    return block * count


def epb(interface: int, data: bytes, ticks: int = 0) -> bytes:
    body = struct.pack("<IIIII", interface, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data))
    body += data + bytes(-len(data) % 4)
    return struct.pack("<II", 6, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


SHB_LE = struct.pack("<IIIHHqI", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1, 28)


def test_pcapng_more_than_65535_interfaces_keep_going() -> None:
    # Two sections of 40,000 interfaces each: ids past 0xFFFF (the old cap, where the rest
    # of the file was dropped) widen the per-packet interface array.
    first = SHB_LE + idbs(40_000) + epb(3, b"a" * 14) + epb(39_999, b"b" * 14)
    second = SHB_LE + idbs(39_999) + idbs(1, linktypes.RAW) + epb(39_999, b"c" * 20)
    idx = index(first + second + epb(7, b"d" * 14))
    assert idx.warnings == [] and len(idx.interfaces) == 80_000
    got = [(r.interface, r.linktype, r.data[:1]) for r in idx]
    assert got == [
        (3, 1, b"a"),
        (39_999, 1, b"b"),
        (79_999, linktypes.RAW, b"c"),
        (40_007, 1, b"d"),
    ]
    assert idx.interface(2) == 79_999 and idx.interfaces[79_999].section == 1


def test_pcapng_interface_cap_says_what_was_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from dissect.readers import pcapng

    monkeypatch.setattr(pcapng, "MAX_INTERFACES", 3)
    head = SHB_LE + idbs(3) + epb(2, b"a" * 14)
    data = head + idbs(1) + epb(0, b"b" * 14)
    idx = index(data)
    offset = len(head)
    assert [r.data[:1] for r in idx] == [b"a"]
    assert idx.warnings == [
        f"more than 3 interfaces at offset {offset} (a cap on the memory they take): "
        f"index stopped, the last {len(data) - offset} bytes not read"
    ]
