"""CaptureIndex on real captures (tests/data/readers, see ATTRIBUTION.md) and its behaviour:
random access, incremental indexing, sources, errors. Expected packet counts are the
corpus INDEX.tsv's (what tshark 4.0.17 read)."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import threading
from array import array
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect import linktypes
from dissect.index import CaptureError, CaptureIndex, Record, open_capture
from dissect.readers import pcap, stream
from dissect.readers.writer import PcapWriter

DATA = Path(__file__).parent / "data" / "readers"
T0 = 1_700_000_000_000_000_000

# gopacket's pcapgo conformance set: (file, frames per tshark, custom blocks in the file).
# tshark 4.0 lists each pcapng Custom Block (0xBAD / 0x40000BAD) as a frame of its own, and
# so do we (tests/test_custom_blocks.py): the counts are tshark's.
GOPACKET = [
    ("be/test001.pcapng", 4, 0),
    ("be/test201.pcapng", 4, 0),
    ("le/test001.pcapng", 4, 0),
    ("le/test004.pcapng", 4, 0),
    ("le/test006.pcapng", 5, 0),
    ("le/test007.pcapng", 1, 0),
    ("le/test008.pcapng", 4, 0),
    ("le/test010.pcapng", 4, 0),
    ("le/test016.pcapng", 4, 0),
    ("le/test017.pcapng", 4, 4),
    ("le/test018.pcapng", 8, 4),
    ("le/test100.pcapng", 5, 0),
    ("le/test101.pcapng", 4, 0),
    ("le/test102.pcapng", 8, 3),
    ("le/test200.pcapng", 0, 0),
    ("le/test201.pcapng", 4, 0),
    ("le/test202.pcapng", 11, 3),
    ("le/test901.pcapng", 1, 0),  # tshark: 1 packet, then "unknown SHB version 2.0"
    ("le/test902.pcapng", 1, 0),
]


def make_pcap(path: Path | io.BytesIO, count: int = 10) -> bytes:
    frames = [bytes([n % 256]) * (14 + n % 256) for n in range(count)]
    with PcapWriter(path, linktypes.ETHERNET) as w:
        for n, frame in enumerate(frames):
            w.write(frame, T0 + n * 1_000)
    return b"".join(frames)


def test_gopacket_set_is_complete() -> None:
    on_disk = sorted(str(p.relative_to(DATA / "gopacket")) for p in DATA.glob("gopacket/*/*"))
    assert on_disk == sorted(name for name, _, _ in GOPACKET)


@pytest.mark.parametrize(("name", "tshark", "custom"), GOPACKET)
def test_gopacket_pcapng_conformance(name: str, tshark: int, custom: int) -> None:
    idx = CaptureIndex(DATA / "gopacket" / name).index_all()
    assert idx.format == "pcapng"
    assert len(idx) == tshark
    assert len(idx.kinds(0, len(idx))) == custom
    if name == "le/test901.pcapng":
        assert idx.warnings == [
            "section header block at offset 480: unsupported pcapng version 2.0: index stopped"
        ]
    else:
        assert idx.warnings == []
    for rec in idx:  # every record's bytes lie inside the file and match its caplen
        assert len(rec.data) == rec.caplen <= max(rec.wirelen, rec.caplen)


@pytest.mark.parametrize("order", ["le", "be"])
def test_gopacket_multi_section_link_types_match_tshark(order: str) -> None:
    # frame.len / frame.cap_len and first layer from tshark for test201 (3 sections, 5 IDBs)
    idx = CaptureIndex(DATA / "gopacket" / order / "test201.pcapng").index_all()
    got = [(r.linktype, r.interface, r.wirelen, r.caplen) for r in idx]
    assert got == [(1, 0, 314, 96), (1, 2, 342, 128), (1, 2, 314, 128), (0, 4, 168, 168)]
    assert [(i.section, i.local_id) for i in idx.interfaces] == [
        (0, 0),
        (0, 1),
        (1, 0),
        (2, 0),
        (2, 1),
    ]
    assert idx.interfaces[2].name == "silly ethernet interface 2"


def test_gopacket_tsresol_files() -> None:
    idx = CaptureIndex(DATA / "gopacket/le/test008.pcapng").index_all()
    assert [i.tsresol for i in idx.interfaces] == [10**9, 10**9]
    idx = CaptureIndex(DATA / "gopacket/le/test902.pcapng").index_all()
    assert idx.interfaces[0].tsresol == 256  # if_tsresol 0x88: 2^-8 s


def test_many_interfaces() -> None:
    idx = CaptureIndex(DATA / "many_interfaces-1.pcapng").index_all()
    assert len(idx) == 64 and idx.warnings == []
    # tshark: frames 3 and 4 are BSD loopback ("null"), the rest Ethernet
    assert [n for n in range(64) if idx.linktype(n) == linktypes.NULL] == [2, 3]
    assert {idx.interfaces[idx.interface(n)].name for n in (2, 3)} == {"lo0"}
    assert len(idx.interfaces) == 11


@pytest.mark.parametrize(
    ("name", "count", "linktype", "tsresol"),
    [
        ("test_ethernet.pcap", 10, 1, 10**6),  # little-endian microseconds
        ("bigendian.pcap", 2, 1, 10**6),  # big-endian microseconds
        ("tcp-handshake-nano.pcap", 3, 113, 10**9),  # little-endian nanoseconds
        ("nanosecs_big_endian.pcap", 10, 1, 10**9),  # big-endian nanoseconds
        ("modified-format.pcap", 1, 1, 10**6),  # Kuznetzov 0xA1B2CD34
        ("pcap-invalid-version-2.pcap", 1, 1, 10**6),  # version 2.5: readers accept it
        ("time_2038.pcap", 1, 1, 10**6),
        ("empty.pcap", 0, 1, 10**6),
    ],
)
def test_real_pcap_files(name: str, count: int, linktype: int, tsresol: int) -> None:
    idx = CaptureIndex(DATA / name).index_all()
    assert (idx.format, len(idx), idx.warnings) == ("pcap", count, [])
    assert idx.interfaces[0].linktype == linktype and idx.interfaces[0].tsresol == tsresol
    times = [idx.time_ns(i) for i in range(count)]
    assert times == sorted(times)


def test_nanosecond_times_match_tcpdump() -> None:
    # tcpdump's tests/tcp-handshake-nano-tt.out (tcpdump -tt --nano)
    idx = CaptureIndex(DATA / "tcp-handshake-nano.pcap").index_all()
    assert [r.time_ns for r in idx] == [
        1418145369_924505488,
        1418145370_052027262,
        1418145370_052115157,
    ]
    assert CaptureIndex(DATA / "time_2038.pcap").index_all().time_ns(0) == 2145916800 * 10**9


def test_big_endian_times() -> None:
    idx = CaptureIndex(DATA / "nanosecs_big_endian.pcap").index_all()
    assert all(1_000_000_000 * 10**9 < idx.time_ns(i) < 2_000_000_000 * 10**9 for i in range(10))
    assert any(idx.time_ns(i) % 1000 for i in range(10))  # real nanoseconds, not scaled µs


def test_pcapng_named_pcap_is_sniffed() -> None:
    idx = CaptureIndex(DATA / "IPv4-NoOptions.pcap").index_all()
    assert (idx.format, len(idx)) == ("pcapng", 7)


def test_empty_pcapng_header_only() -> None:
    idx = CaptureIndex(DATA / "empty.pcapng").index_all()
    assert (idx.format, len(idx), idx.warnings, idx.done) == ("pcapng", 0, [], True)


def test_truncated_real_file() -> None:
    idx = CaptureIndex(DATA / "truncated_dns_2.pcap").index_all()
    assert len(idx) == 1
    assert idx.warnings == ["truncated record header at offset 240: 7 of 16 bytes present"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pcap-invalid-version-1.pcap", "unsupported pcap version 1.4"),
        ("linktype-reserved-field-not-zero.pcap", "reserved bits set"),
        ("pcapng-invalid-vers-1.pcapng", "unsupported pcapng version 0.1"),
        ("shb-option-too-long.pcapng", "section header block"),
    ],
)
def test_files_tshark_refuses(name: str, message: str) -> None:
    with pytest.raises(CaptureError) as err:
        CaptureIndex(DATA / name)
    assert str(err.value).startswith(f"{DATA / name}: ") and message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", ["gopacket/le/test202.pcapng", "test_ethernet.pcap"])
def test_every_prefix_of_a_file_opens_or_fails_cleanly(name: str) -> None:
    data = (DATA / name).read_bytes()
    full = len(CaptureIndex(data).index_all())
    header = 24 if name.endswith(".pcap") else int.from_bytes(data[4:8], "little")  # SHB
    for cut in range(len(data)):
        try:
            idx = CaptureIndex(data[:cut])
        except CaptureError:
            assert cut < header
            continue
        idx.index_all()
        assert len(idx) <= full and len(idx.warnings) <= 1
        assert all(len(r.data) == r.caplen for r in idx)


def test_wrong_magic() -> None:
    with pytest.raises(
        CaptureError, match=r"^x.pcap: not a pcap or pcapng file \(magic 0x12345678\)$"
    ):
        CaptureIndex(bytes.fromhex("12345678") + bytes(40), name="x.pcap")
    with pytest.raises(CaptureError, match=r"only 3 bytes"):
        CaptureIndex(b"\xd4\xc3\xb2")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="No such file or directory"):
        CaptureIndex(tmp_path / "missing.pcap")
    with pytest.raises(CaptureError, match="Is a directory"):
        CaptureIndex(tmp_path)


@pytest.mark.parametrize("source", ["path", "bytes"])
def test_empty_file(tmp_path: Path, source: str) -> None:
    path = tmp_path / "empty.pcap"
    path.write_bytes(b"")
    idx = CaptureIndex(path if source == "path" else b"")
    assert (len(idx), idx.done, idx.index_more(), list(idx)) == (0, True, True, [])


def test_bytes_source_equals_path_source(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    make_pcap(path)
    from_path = list(CaptureIndex(path))
    from_stdin = list(CaptureIndex(path.read_bytes()))
    assert from_path == from_stdin and len(from_path) == 10
    assert CaptureIndex(path.read_bytes()).name == "<stdin>"
    with pytest.raises(CaptureError, match="^<stdin>: not a pcap"):
        CaptureIndex(b"\0" * 30)


def test_random_access_equals_sequential(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    frames = make_pcap(path, 50)
    idx = open_capture(path).index_all()
    seq = list(idx)
    assert b"".join(r.data for r in seq) == frames
    for i in (49, 0, 17, 33, 1, 48):
        rec = idx.record(i)
        assert rec == seq[i] and rec.number == i + 1
        assert (idx.time_ns(i), idx.linktype(i)) == (T0 + i * 1000, 1)
    assert idx.record(-1) == seq[-1]
    with pytest.raises(IndexError):
        idx.record(50)


def _openable(paths: list[Path]) -> list[Path]:
    """The captures the index opens (the bad-input ones are tested elsewhere)."""
    good = []
    for path in paths:
        try:
            open_capture(path).close()
        except CaptureError:
            continue
        good.append(path)
    return good


@pytest.mark.parametrize(
    "path",
    _openable(sorted(DATA.glob("*.pcap*")) + sorted((DATA / "gopacket").glob("*/*.pcapng"))),
    ids=lambda p: p.name,
)
def test_records_equal_record_one_by_one(path: Path) -> None:
    """The bulk reader gives each record exactly as record(i) does: pcap and pcapng, several
    interfaces and link types, comments, and ranges clipped to what is indexed."""
    idx = open_capture(path).index_all()
    with idx:
        n = len(idx)
        assert list(idx.records(0, n)) == [idx.record(i) for i in range(n)]
        assert list(idx.records(n // 3, n + 5)) == [idx.record(i) for i in range(n // 3, n)]
        assert list(idx.records(-4, 2)) == [idx.record(i) for i in range(min(2, n))]
        assert [Record(*row) for row in idx.rows(0, n)] == [idx.record(i) for i in range(n)]


@settings(max_examples=200)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=20), st.sampled_from("<>"), st.booleans())
def test_bulk_times_equal_one_by_one(raws: list[int], order: str, nano: bool) -> None:
    raw_header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    header = replace(pcap.parse_header(raw_header), byteorder=order, nanosecond=nano)
    assert header.times_ns(raws) == [header.time_ns(r) for r in raws]


def test_index_more_is_incremental(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    make_pcap(path, 10)
    idx = CaptureIndex(path)
    assert (len(idx), idx.done, idx.progress) == (0, False, 24 / path.stat().st_size)
    sizes = []
    while not idx.index_more(3):
        sizes.append(len(idx))
    assert sizes == [3, 6, 9] and len(idx) == 10 and idx.done and idx.progress == 1.0
    assert idx.index_more() is True and len(idx) == 10


def test_iter_indexes_as_it_goes(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    make_pcap(path, 5)
    idx = CaptureIndex(path)
    it = iter(idx)
    first = next(it)
    assert isinstance(first, Record) and first.number == 1
    assert [r.number for r in it] == [2, 3, 4, 5]


def test_reading_while_another_thread_indexes(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    make_pcap(path, 2000)
    idx = CaptureIndex(path)

    def worker() -> None:
        while not idx.index_more(7):
            pass

    thread = threading.Thread(target=worker)
    thread.start()
    seen = 0
    while not idx.done or seen < len(idx):
        count = len(idx)
        for i in range(seen, count):
            assert idx.record(i).number == i + 1 and idx.caplen(i) == 14 + (i % 256)
        seen = count
    thread.join()
    assert seen == 2000


def test_close_keeps_records_already_read(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    make_pcap(path, 3)
    idx = CaptureIndex(path).index_all()
    rec = idx.record(1)
    idx.close()
    assert rec.data == b"\x01" * 15
    with pytest.raises(ValueError, match="closed"):
        idx.record(0)
    assert idx.index_more() is True


def test_live_writer_killed_mid_record(tmp_path: Path) -> None:
    path = tmp_path / "live.pcap"
    with PcapWriter(path, linktypes.ETHERNET) as w:
        for n in range(4):
            w.write(b"p" * 100, T0 + n)
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) - 30)
    idx = CaptureIndex(path).index_all()
    assert len(idx) == 3
    assert idx.warnings == [
        f"truncated last record at offset {24 + 3 * 116}: 86 of 116 bytes present"
    ]


def test_dissect_does_not_import_rich_or_textual() -> None:
    code = (
        "import sys, dissect.index, dissect.readers.writer, dissect.linktypes;"
        "assert not {'rich', 'textual'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(
        ["gopacket/le/test202.pcapng", "gopacket/be/test201.pcapng", "test_ethernet.pcap"]
    ),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_corrupted_files_never_raise_from_the_index(
    name: str, flips: list[tuple[int, int]]
) -> None:
    data = bytearray((DATA / name).read_bytes())
    for where, value in flips:
        data[where % len(data)] = value
    try:
        idx = CaptureIndex(bytes(data))
    except CaptureError as exc:
        assert "\n" not in str(exc)
        return
    idx.index_all()
    assert not any(w.startswith("internal error") for w in idx.warnings)
    for rec in idx:
        assert len(rec.data) == rec.caplen


# -- pcap: the walk against a reference walk ----------------------------------------------
# pcap.walk() follows record headers through a window of the file at a time, with a tight
# loop for files in this machine's byte order (_chain) and another for the rest (_chain_any).
# It is checked here against reference_walk(), written from the format description alone,
# on crafted files: both byte orders, µs and ns magic, the modified (Kuznetzov) 24-byte
# record header, swapped lengths, bad records, cut files, and small batches and windows
# that end mid-file.

OTHER = ">" if pcap.NATIVE == "<" else "<"
LIMIT = pcap.MAX_CAPLEN  # the caplen limit of a file whose SnapLen is below it
Rec = tuple[int, int, int, int, bytes]  # seconds, fraction, third field, fourth field, data


def craft(
    records: list[Rec],
    *,
    order: str = pcap.NATIVE,
    nanosecond: bool = False,
    modified: bool = False,
    version: tuple[int, int] = (2, 4),
    snaplen: int = 65535,
) -> bytes:
    """A pcap file with the record header fields written exactly as given."""
    magic = pcap.MAGIC_MODIFIED if modified else pcap.MAGIC_NSEC if nanosecond else pcap.MAGIC_USEC
    out = [struct.pack(order + "IHHIIII", magic, *version, 0, 0, snaplen, 1)]
    for sec, frac, third, fourth, data in records:
        out.append(struct.pack(order + "IIII", sec, frac, third, fourth))
        if modified:  # ifindex, protocol, packet type, pad
            out.append(struct.pack(order + "IHBB", 3, 0x0800, 0, 0))
        out.append(data)
    return b"".join(out)


def frames(sizes: list[int]) -> list[Rec]:
    """Well-formed records of these sizes, times varied in both words."""
    return [
        (
            1_700_000_000 + n * 7919,
            (n * 104_729) % 1_000_000,
            size,
            size + n % 3,
            bytes([n % 251]) * size,
        )
        for n, size in enumerate(sizes)
    ]


Walked = tuple[list[tuple[int, int, int, int]], list[str], int]  # see reference_walk


def reference_walk(data: bytes) -> Walked:
    """([(data offset, caplen, wirelen, time_ns)], warnings, indexed bytes) of a whole pcap
    file, one record at a time as draft-ietf-opsawg-pcap and libpcap's sf-pcap.c read it."""
    magics = (pcap.MAGIC_USEC, pcap.MAGIC_NSEC, pcap.MAGIC_MODIFIED)
    order = "<" if struct.unpack("<I", data[:4])[0] in magics else ">"
    magic, major, minor, _, _, snaplen, _ = struct.unpack(order + "IHHIIII", data[:24])
    hlen = 24 if magic == pcap.MAGIC_MODIFIED else 16
    scale = 1 if magic == pcap.MAGIC_NSEC else 1000
    limit = max(snaplen, LIMIT)
    records: list[tuple[int, int, int, int]] = []
    pos, size, warning = 24, len(data), None
    while pos < size and warning is None:
        if size - pos < hlen:
            warning = (
                f"truncated record header at offset {pos}: {size - pos} of {hlen} bytes present"
            )
            break
        sec, frac, caplen, wirelen = struct.unpack_from(order + "IIII", data, pos)
        if major == 543 or minor < 3 or (minor == 3 and caplen > wirelen):
            caplen, wirelen = wirelen, caplen
        number = len(records) + 1
        if caplen > limit:
            warning = (
                f"record {number} at offset {pos} claims caplen {caplen} > {limit}: index stopped"
            )
        elif pos + hlen + caplen > size:
            warning = f"truncated last record at offset {pos}: {size - pos} of {hlen + caplen} bytes present"
        else:
            records.append((pos + hlen, caplen, wirelen, sec * 10**9 + frac * scale))
            pos += hlen + caplen
    return records, [warning] if warning else [], pos


def indexed(data: bytes, batch: int = 65536) -> Walked:
    """What a CaptureIndex makes of `data`, indexed `batch` records at a time, in the shape
    reference_walk() gives (each record's bytes checked against its offset on the way)."""
    idx = CaptureIndex(data)
    while not idx.index_more(batch):
        pass
    offsets = idx.arrays(0, len(idx))[0]
    got = []
    for offset, rec in zip(offsets, idx, strict=True):
        assert rec.data == data[offset : offset + rec.caplen]
        got.append((offset, rec.caplen, rec.wirelen, rec.time_ns))
    return got, idx.warnings, idx.indexed_bytes


def offsets_and_lengths(walked: Walked) -> list[tuple[int, int, int]]:
    return [(offset, caplen, wirelen) for offset, caplen, wirelen, _ in walked[0]]


# Record lists that exercise the walk's every way out; 'cut' trims the file's last bytes.
CASES: dict[str, tuple[list[Rec], int]] = {
    "sizes": (frames([60, 0, 1, 1514, 3, 64, 65535, 17, 2, 4, 1000]), 0),
    "empty body": ([], 0),
    "caplen over the limit mid-file": (
        frames([60, 98])[:2] + [(5, 6, LIMIT + 1, 9, b"")] + frames([70]),
        0,
    ),
    "caplen over the limit, its bytes there": (
        frames([60]) + [(5, 6, LIMIT + 1, LIMIT + 1, b"x" * (LIMIT + 1))] + frames([70]),
        0,
    ),
    "caplen 2^32-1": (frames([10, 20]) + [(5, 6, 0xFFFFFFFF, 0xFFFFFFFF, b"zz")], 0),
    "caplen at the limit": (frames([8]) + [(7, 8, LIMIT, LIMIT, b"L" * LIMIT)] + frames([9]), 0),
    "truncated last record": (frames([60, 98, 590]), 100),
    "truncated last record header": (frames([60, 98]) + [(1, 2, 3, 4, b"abc")], 3 + 9),
    "one byte short": (frames([60, 98, 590]), 1),
    "only part of the first header": (frames([40]), 40 + 5),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("order", [pcap.NATIVE, OTHER])
@pytest.mark.parametrize(("nanosecond", "modified"), [(False, False), (True, False), (False, True)])
def test_walk_matches_reference(case: str, order: str, nanosecond: bool, modified: bool) -> None:
    records, cut = CASES[case]
    data = craft(records, order=order, nanosecond=nanosecond, modified=modified)
    data = data[: len(data) - cut]
    want = reference_walk(data)
    assert indexed(data) == want
    for batch in (1, 2, 3, 7):  # batches that end mid-file, mid-window
        assert indexed(data, batch) == want


@pytest.mark.parametrize("window", [0, 1, 16, 40, 100, 4096])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    ("order", "modified"), [(pcap.NATIVE, False), (pcap.NATIVE, True), (OTHER, False)]
)
def test_walk_windows_and_batches(
    monkeypatch: pytest.MonkeyPatch, window: int, case: str, order: str, modified: bool
) -> None:
    # Small windows put records (data and headers) across window edges, and batches end
    # inside windows: the index must still be the reference's.
    monkeypatch.setattr(stream, "WINDOW", window)
    records, cut = CASES[case]
    data = craft(records, order=order, modified=modified)
    data = data[: len(data) - cut]
    want = reference_walk(data)
    for batch in (1, 2, 5, 1000):
        assert indexed(data, batch) == want


def test_walk_big_snaplen_records_longer_than_a_window() -> None:
    # A SnapLen above MAX_CAPLEN raises the caplen limit: records longer than a window are
    # fine, one over the SnapLen is not.
    snaplen, big = 3 * stream.WINDOW, 2 * stream.WINDOW + 5
    records = frames([10]) + [(1, 2, big, big, b"B" * big)] + frames([20])
    records.append((3, 4, snaplen + 1, 0, b""))
    data = craft(records, snaplen=snaplen)
    want = reference_walk(data)
    assert [caplen for _, caplen, _ in offsets_and_lengths(want)] == [10, big, 20]
    offset = len(data) - 16
    assert want[1] == [
        f"record 4 at offset {offset} claims caplen {snaplen + 1} > {snaplen}: index stopped"
    ]
    assert indexed(data) == want and indexed(data, 1) == want and indexed(data, 2) == want


@pytest.mark.parametrize("version", [(2, 2), (543, 0), (2, 3)])
def test_walk_swapped_lengths_match_reference(version: tuple[int, int]) -> None:
    # Before 2.3 records held len before caplen; 2.3 files have either order (swapped when
    # caplen > len). Such files take _chain_any().
    records = [(1, 0, 9, 3, b"abc"), (2, 0, 4, 4, b"dddd"), (3, 0, 60, 5, b"e" * 5)]
    records.append((4, 0, 2, 7, b"ff"))  # caplen <= len: 2.3 keeps the order, others swap
    data = craft(records, version=version)
    got, warnings, _ = want = reference_walk(data)
    lengths = [(caplen, wirelen) for _, caplen, wirelen, _ in got]
    if version == (2, 3):
        assert (lengths, warnings) == ([(3, 9), (4, 4), (5, 60), (2, 7)], [])
    else:  # the last record claims 7 bytes and has 2
        assert lengths == [(3, 9), (4, 4), (5, 60)]
        assert warnings == [
            f"truncated last record at offset {len(data) - 18}: 18 of 23 bytes present"
        ]
    assert indexed(data) == want and indexed(data, 1) == want


class Column(array):  # type: ignore[type-arg]
    """An index array that checks, as the timestamps grow, that the other columns already
    hold those records: readers in other threads take the timestamps' length as the count."""

    others: tuple[array, ...] = ()

    def _check(self, added: int) -> None:
        assert all(len(other) >= len(self) + added for other in self.others)

    def append(self, value: int) -> None:
        self._check(1)
        super().append(value)

    def extend(self, values: array) -> None:  # type: ignore[override]
        self._check(len(values))
        super().extend(values)


@pytest.mark.parametrize("order", [pcap.NATIVE, OTHER])
def test_timestamps_grow_last(order: str) -> None:
    data = craft(frames([60, 98, 590, 0, 7] * 5), order=order)
    header = pcap.parse_header(data)
    offsets, caplens, wirelens = array("Q"), array("I"), array("I")
    times = Column("Q")
    times.others = (offsets, caplens, wirelens)
    win = stream.Window(stream.MemoryBytes(data))
    pos, done = pcap.FILE_HEADER_LEN, False
    while not done:
        arrays = (offsets, caplens, wirelens, times)
        pos, _, done, _ = pcap.walk(win, pos, len(data), header, arrays, 4)
    assert len(times) == len(offsets) == 25


def test_walk_picks_the_native_chain_for_native_2_4_files(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("_chain", "_chain_any"):
        real = getattr(pcap, name)
        monkeypatch.setattr(pcap, name, lambda *a, _n=name, _f=real: calls.append(_n) or _f(*a))
    records = frames([5, 6])
    for kwargs in ({}, {"modified": True}, {"nanosecond": True}):
        CaptureIndex(craft(records, **kwargs)).index_all()  # type: ignore[arg-type]
    assert calls == ["_chain"] * 3
    calls.clear()
    CaptureIndex(craft(records, order=OTHER)).index_all()
    CaptureIndex(craft(records, version=(2, 3))).index_all()
    assert calls == ["_chain_any"] * 2


@settings(max_examples=250, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 700), max_size=30),
    damage=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3),
    cut=st.integers(0, 800),
    batch=st.integers(1, 12),
    window=st.sampled_from([0, 24, 333, 1 << 18]),
    modified=st.booleans(),
    nanosecond=st.booleans(),
    order=st.sampled_from([pcap.NATIVE, OTHER]),
)
def test_walk_matches_reference_on_random_files(
    sizes: list[int],
    damage: list[tuple[int, int]],
    cut: int,
    batch: int,
    window: int,
    modified: bool,
    nanosecond: bool,
    order: str,
) -> None:
    nanosecond = nanosecond and not modified
    data = bytearray(craft(frames(sizes), nanosecond=nanosecond, modified=modified, order=order))
    for where, value in damage:  # bytes of record headers or data, never the file header
        if len(data) > 24:
            data[24 + where % (len(data) - 24)] = value
    data = bytes(data[: max(24, len(data) - cut)])
    old_window = stream.WINDOW
    stream.WINDOW = window  # (hypothesis runs the body many times: no monkeypatch fixture)
    try:
        assert indexed(data, batch) == reference_walk(data)
    finally:
        stream.WINDOW = old_window


def test_resume_at_a_bookmark_walks_on_from_there(tmp_path: Path) -> None:
    """A second index of the file resumed at record i's bookmark gives records i... exactly
    as a whole walk does, and never reads a header before it; a truncated tail is still
    reported, with its record number counted from the start."""
    path = tmp_path / "a.pcap"
    make_pcap(path, 300)
    with open(path, "ab") as f:
        f.write(b"\x00" * 7)  # a torn record header at the end
    whole = open_capture(path).index_all()
    mark = whole.bookmark(123)
    assert mark is not None
    resumed = open_capture(path)
    resumed.resume(123, mark)
    resumed.index_all()
    assert len(resumed) == len(whole) == 300
    assert list(resumed.rows(0, 300)) == list(whole.rows(123, 300))
    assert resumed.arrays(0, 123)[0] == array("Q")  # nothing before record 123 was walked
    assert resumed.warnings == whole.warnings and resumed.warnings
    resumed.resume(200, whole.bookmark(200))  # backwards of what is indexed: no change
    assert list(resumed.rows(0, 300)) == list(whole.rows(123, 300))
    for idx in (whole, resumed):
        idx.close()


def test_no_bookmark_in_pcapng() -> None:
    with open_capture(DATA / "gopacket" / "le" / "test001.pcapng") as idx:
        idx.index_all()
        assert idx.bookmark(1) is None
