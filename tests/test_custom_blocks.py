"""pcapng Custom Blocks (0x00000BAD, 0x40000BAD) as frames, compared with tshark 4.0.17.

The captures are gopacket's pcapng conformance files in tests/data/readers/gopacket (see
its ATTRIBUTION.md); tshark's outputs for them are in tests/data/readers/custom_blocks
(README.md there gives the commands)."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest

from dissect.engine import decode, tree_text
from dissect.index import CaptureIndex
from dissect.linktypes import custom_block, custom_block_kind
from dissect.readers.pcap import MAX_CAPLEN
from dissect.readers.pcapng import CB_COPY, CB_NO_COPY

from .exportlib import read_tables
from .exportlib import run as run_export
from .test_cli import run

DATA = Path(__file__).parent / "data" / "readers"
GOPACKET = DATA / "gopacket" / "le"
TSHARK = DATA / "custom_blocks"
CAPTURES = ["test017", "test018", "test102", "test202"]
FIELDS = ["frame.number", "frame.len", "frame.cap_len", "frame.protocols", "frame.cb_pen",
          "frame.cb_copy", "frame.time_delta", "frame.time_relative", "udp.stream",
          "_ws.col.Protocol", "_ws.col.Info"]  # fmt: skip
PROTOCOL, INFO = FIELDS.index("_ws.col.Protocol"), FIELDS.index("_ws.col.Info")


def fields(name: str) -> list[list[str]]:
    args = ["-n", "-r", str(GOPACKET / f"{name}.pcapng"), "-T", "fields",
            "-E", "occurrence=a", "-E", "aggregator=,"]  # fmt: skip
    for f in FIELDS:
        args += ["-e", f]
    code, out, err = run(*args)
    assert code == 0, err
    return [line.split("\t") for line in out.splitlines()]


def tshark_fields(name: str) -> list[list[str]]:
    return [line.split("\t") for line in (TSHARK / f"{name}.fields.tsv").read_text().splitlines()]


@pytest.mark.parametrize("name", CAPTURES)
def test_blocks_are_frames_numbered_among_the_packets_as_tsharks(name: str) -> None:
    ours, theirs = fields(name), tshark_fields(name)
    assert len(ours) == len(theirs)
    blocks = 0
    for mine, tshark in zip(ours, theirs, strict=True):
        # every frame: number, lengths, the block's fields, the UDP stream numbering (which
        # counted wrong while the blocks were left out) and the times a block passes on
        assert mine[:3] + mine[4:6] + mine[8:9] == tshark[:3] + tshark[4:6] + tshark[8:9]
        if tshark[PROTOCOL] == "PCAPNG":  # a block: every column as tshark's
            blocks += 1
            assert mine == tshark
    assert blocks == {"test017": 4, "test018": 4, "test102": 3, "test202": 3}[name]


@pytest.mark.parametrize("name", CAPTURES)
def test_tree_of_a_block_says_what_tsharks_does(name: str) -> None:
    idx = CaptureIndex(GOPACKET / f"{name}.pcapng").index_all()
    theirs = (TSHARK / f"{name}.V.txt").read_text().split("\n\n")
    titles = [t.splitlines()[0] for t in theirs if t.startswith("PCAPNG Custom Block")]
    shown = []
    for rec in idx:
        if custom_block(rec.linktype) is None:
            continue
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen, interface=rec.interface)  # fmt: skip
        lines = tree_text(pkt, False).splitlines()
        shown.append(lines[0].split(" — ", 1)[1])
        block = next(t for t in theirs if t.startswith(f"PCAPNG Custom Block {rec.number}:"))
        for label in ("Private Enterprise Number", "Copying"):
            want = next(x.strip() for x in block.splitlines() if x.strip().startswith(label))
            assert f"    [{want}]" in lines  # a frame fact: bracketed, as our frame's are
        assert f"[Frame Length: {rec.wirelen} bytes]" in tree_text(pkt, False)
        assert "Arrival Time" not in tree_text(pkt, False)  # a block has no time
    assert shown == titles


@pytest.mark.parametrize("name", CAPTURES)
def test_protocol_hierarchy_counts_the_blocks_as_data(name: str) -> None:
    code, out, err = run("-n", "-r", str(GOPACKET / f"{name}.pcapng"), "-q", "-z", "io,phs")
    assert code == 0, err
    theirs = (TSHARK / f"{name}.phs.txt").read_text()
    assert "data                                     frames:" in out
    data = [x for x in theirs.splitlines() if x.startswith("data ")]
    assert [x for x in out.splitlines() if x.startswith("data ")] == data
    if name in ("test017", "test018"):  # the others differ in DB-LSP-DISC, not in blocks
        assert out == theirs


def test_filters_on_the_block_fields_select_tsharks_frames() -> None:
    path = str(GOPACKET / "test018.pcapng")
    for line in (TSHARK / "test018.filters.tsv").read_text().splitlines():
        flt, numbers = line.split("\t")
        code, out, err = run("-n", "-r", path, "-Y", flt, "-T", "fields", "-e", "frame.number")
        assert code == 0, err
        assert out.split() == numbers.split(), flt
    # a block has no time, interface or link type: tests on them never select it
    for flt in ("frame.time_epoch >= 0", "frame.interface_id >= 0", "frame.encap_type >= 0"):
        code, out, _err = run("-n", "-r", path, "-Y", flt, "-T", "fields", "-e", "frame.number")
        assert code == 0 and not {"1", "4", "6", "8"} & set(out.split()), flt


def test_list_rows_have_an_empty_time_and_json_nulls() -> None:
    path = str(GOPACKET / "test017.pcapng")
    code, out, err = run("-n", "-r", path)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("     1" + " " * 13 + " ") and "PCAPNG" in first
    assert first.endswith("Custom Block: PEN = Example Enterprise Number for Documentation Use "
                          "(32473), will be copied")  # fmt: skip
    code, out, err = run("-n", "-r", path, "-T", "jsonl", "-c", "1")
    assert code == 0, err
    assert '"time_ns": null' in out and '"linktype": null' in out and '"interface": null' in out
    assert '"name": "frame.cb_pen", "label": "Private Enterprise Number", "value": 32473' in out


def test_written_pcapng_keeps_the_blocks_tshark_keeps(tmp_path: Path) -> None:
    out = tmp_path / "out.pcapng"
    code, _out, err = run("-n", "-r", str(GOPACKET / "test018.pcapng"), "-w", str(out))
    assert code == 0, err
    got = []
    for rec in CaptureIndex(out).index_all():
        block = custom_block(rec.linktype)
        pen, copy = ("", "") if block is None else (str(block[0]), str(int(block[1])))
        got.append([str(rec.number), str(rec.wirelen), pen, copy, rec.data.hex() if pen else ""])
    theirs = (TSHARK / "test018.written.tsv").read_text().splitlines()
    assert got == [line.split("\t") for line in theirs]


def test_pcap_cannot_hold_a_block(tmp_path: Path) -> None:
    code, _out, err = run("-n", "-r", str(GOPACKET / "test017.pcapng"), "-w",
                          str(tmp_path / "out.pcap"))  # fmt: skip
    assert code != 0 and "custom block, which a pcap file cannot hold" in err


def test_exported_frames_row_of_a_block_has_no_time(tmp_path: Path) -> None:
    code, _out, err = run_export("export", str(GOPACKET / "test018.pcapng"), "--parquet",
                                 str(tmp_path / "o"))  # fmt: skip
    assert code == 0, err
    rows = {r["number"]: r for r in read_tables(tmp_path / "o")["frames"]}
    assert len(rows) == 8
    block = rows[4]
    assert block["time"] is None and block["linktype"] is None and block["interface"] is None
    assert (block["protocol"], block["protocols"], block["len"]) == ("PCAPNG", "data", 60)
    assert block["info"].endswith("(32473), will not be copied")
    assert rows[3]["time"] is not None and rows[3]["udp_stream"] == 1


# -- bad blocks: marked, bounded, never raised -------------------------------------------------
def _shb() -> bytes:
    body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
    return struct.pack("<II", 0x0A0D0D0A, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def _block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def test_block_too_short_for_its_pen_stops_the_index_as_tshark() -> None:
    good = _block(CB_COPY, struct.pack("<I", 32473) + b"hello")
    short = struct.pack("<III", CB_COPY, 12, 12)  # tshark: "total block length 12 ... < 16"
    idx = CaptureIndex(_shb() + good + short + good).index_all()
    assert len(idx) == 1 and idx.record(0).data == b"hello\0\0\0"
    assert idx.warnings == ["custom block at offset 52: length 12 < 16: index stopped"]


def test_empty_and_unknown_blocks() -> None:
    raw = (_shb() + _block(CB_COPY, struct.pack("<I", 9))
           + _block(CB_NO_COPY, struct.pack("<I", 0xFFFFFFFF) + b"x"))  # fmt: skip
    idx = CaptureIndex(raw).index_all()
    assert idx.warnings == [] and [idx.linktype(i) for i in range(2)] == [
        custom_block_kind(9, True),
        custom_block_kind(0xFFFFFFFF, False),
    ]
    empty = decode(b"", idx.linktype(0), number=1)
    assert [la.protocol.name for la in empty.layers] == ["frame"]  # tshark: protocols ""
    unknown = decode(idx.record(1).data, idx.linktype(1), number=2)
    assert "PEN Unknown (4294967295), copying not allowed" in unknown.layers[0].protocol.title_of(
        unknown.layers[0]
    )


def test_block_past_the_capture_limit_is_cut_and_marked() -> None:
    big = MAX_CAPLEN + 4000
    idx = CaptureIndex(_shb() + _block(CB_COPY, struct.pack("<I", 1) + bytes(big))).index_all()
    rec = idx.record(0)
    assert (rec.caplen, rec.wirelen) == (MAX_CAPLEN, big)
    pkt = decode(rec.data, rec.linktype, number=1, wirelen=rec.wirelen)
    assert any("Packet size limited" in i.message for i in pkt.layers[0].issues)


def test_torn_block_at_the_end_is_a_warning() -> None:
    raw = _shb() + _block(CB_COPY, struct.pack("<I", 1) + b"abcdefgh")
    idx = CaptureIndex(raw[:-6]).index_all()
    assert len(idx) == 0 and idx.warnings and "truncated last block" in idx.warnings[0]


def test_bulk_filter_and_stream_pass_do_not_read_a_block_as_ethernet(tmp_path: Path) -> None:
    # a block whose bytes look like an Ethernet/IPv4/UDP frame, in a file whose interface 0 is
    # Ethernet: the bulk filter and the stream pass must not take it for a packet
    frame = bytes.fromhex("ffffffffffff000b8201fc420800450000240001000040110000"
                          "0a0000010a000002003500350010000000000000")  # fmt: skip
    idb = _block(1, struct.pack("<HHI", 1, 0, 0))
    path = tmp_path / "lookalike.pcapng"
    path.write_bytes(_shb() + idb + _block(CB_COPY, struct.pack("<I", 32473) + frame))
    for flt in ("udp", "eth.type == 0x0800", "ip.src == 10.0.0.1", "udp.stream == 0"):
        code, out, err = run("-n", "-r", str(path), "-Y", flt)
        assert code == 0 and out == "", (flt, out, err)
    code, out, _err = run("-n", "-r", str(path), "-Y", "data")
    assert code == 0 and len(out.splitlines()) == 1


def test_tui_lists_and_shows_a_block() -> None:
    from tui.app import LayerscopeApp
    from tui.source import PacketSource
    from tui.widgets.field_tree import FieldTree
    from tui.widgets.packet_list import PacketList, time_cell

    source = PacketSource.open(GOPACKET / "test018.pcapng")

    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=(160, 50)) as pilot:
            for _ in range(4):
                await app.workers.wait_for_complete()
                await pilot.pause()
            plist = app.screen.query_one(PacketList)
            tree = app.screen.query_one(FieldTree)
            assert plist.count == 8
            row = source.summaries_of([0])[0]
            assert time_cell(row, "relative", 0, None) == "" and row.protocol == "PCAPNG"
            for fmt in ("delta", "epoch", "utc"):
                assert time_cell(row, fmt, 0, None) == ""
            await pilot.press("home")
            await pilot.pause()
            assert tree.packet is not None and tree.packet.number == 1
            title = tree.packet.layers[0].protocol.title_of(tree.packet.layers[0])
            assert title.startswith("PCAPNG Custom Block 1: 24 bytes")

    asyncio.run(main())
