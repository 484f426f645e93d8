"""`frames` rows made without decoding (dissect/export/columnar.py): the same rows, in the
same order, as decoding every packet gives, and only for the records the declarations
decide (anything unusual is decoded)."""

from __future__ import annotations

import struct
from pathlib import Path
from unittest import mock

import pytest

from dissect import engine
from dissect.export import columnar, job, streams
from dissect.readers.writer import PcapWriter

from .exportlib import expected_frames, golden_captures, json_packets, read_tables, run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
ETHERNET, RAW_IPV4 = 1, 228


def frames(path: Path, outdir: Path, *, columnar_rows: bool) -> tuple[list[dict], set[int]]:
    """The `frames` rows of one capture exported whole (with or without rows made without
    decoding), and the records whose rows were made without decoding."""
    made: set[int] = set()
    real = columnar.columnar_frames

    def counted(c, *args):  # noqa: ANN001, ANN202 - a spy on the real function
        where, batch = real(c, *args)
        made.update((where + c.start).tolist())
        return where, batch

    options = job.Options(str(outdir), namespaces=())
    streams.stream_pass(str(outdir), str(path))  # tcp_stream / udp_stream compared too
    with mock.patch.object(job, "_columnar", lambda _o: columnar_rows), \
            mock.patch.object(columnar, "columnar_frames", counted):  # fmt: skip
        job.export_chunk(options, job.Chunk((job.Part(str(path), 0, None, 0),)))
    return read_tables(outdir).get("frames", []), made


def test_rows_made_without_decoding_equal_decoded_ones(tmp_path: Path) -> None:
    captures = [SAMPLE, *golden_captures()]
    made_any = numbered = 0
    for k, path in enumerate(captures):
        decoded, none = frames(path, tmp_path / f"d{k}", columnar_rows=False)
        both, made = frames(path, tmp_path / f"c{k}", columnar_rows=True)
        assert not none
        assert both == decoded, path  # every column, every row, in record order
        made_any += len(made)
        numbered += sum(r["tcp_stream"] is not None for r in both if r["number"] - 1 in made)
    _rows, made = frames(SAMPLE, tmp_path / "sample", columnar_rows=True)
    assert len(made) >= 15  # the sample's TCP segments without payload
    assert made_any > 50  # the sample's and the golden captures' together
    assert numbered > 50  # their stream numbers placed as the decoded rows' are


def test_frames_alone_equal_json(tmp_path: Path) -> None:
    """`--protocols frames` (where rows are made without decoding) against -T json."""
    files = golden_captures()
    outdir = tmp_path / "out"
    run("export", *map(str, files), "--parquet", str(outdir), "--protocols", "frames",
        "--workers", "2", "--chunk-records", "7")  # fmt: skip
    got = {(r["file"], r["number"]): r for r in read_tables(outdir)["frames"]}
    want = {}
    for path in files:
        try:
            packets = json_packets(path)
        except ValueError:  # the CLI could not read it: no rows expected either
            continue
        want.update({(str(path), n): r for n, r in expected_frames(str(path), packets).items()})
    assert set(got) == set(want)
    for key, row in want.items():
        have = got[key]
        expert = [{k: v for k, v in e.items() if k != "group"} for e in have["expert"] or []]
        assert {**{k: have[k] for k in row if k != "expert"}, "expert": expert or None} == row


# -- what is decoded instead: each case differs from a plain segment in one way -----------
def _sum(data: bytes) -> int:
    return engine.ones_sum(data)


def segment(*, options: bytes = b"\x01\x01\x08\x0a" + bytes(8), flags: int = 0x10,
            tcp_sum: int | None = None, ip_sum: int | None = None, extra: bytes = b"",
            ip_len_extra: int = 0) -> bytes:  # fmt: skip
    """An IPv4 TCP segment without payload, checksums right unless given."""
    src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    hdr = 20 + len(options)
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 2, (hdr // 4) << 4, flags, 501, 0, 0)
    tcp += options
    if tcp_sum is None:
        tcp_sum = ~engine.ones_sum(tcp, engine.pseudo_sum(src, dst, 6, len(tcp))) & 0xFFFF
    tcp = tcp[:16] + struct.pack("!H", tcp_sum) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + ip_len_extra, 1, 0, 64, 6, 0,
                     src, dst)  # fmt: skip
    if ip_sum is None:
        ip_sum = ~_sum(ip) & 0xFFFF
    return ip[:10] + struct.pack("!H", ip_sum) + ip[12:] + tcp + extra


ETH = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
GROUP_SOURCE = bytes.fromhex("020000000002030000000001") + b"\x08\x00"
TOO_LONG = b"\x01\x01\x08\x0b" + bytes(8)  # a timestamps option one byte too long
CASES = {  # name: (link type, bytes, wire length or None, made without decoding)
    "plain": (ETHERNET, ETH + segment(), None, True),
    "plain, raw IPv4": (RAW_IPV4, segment(), None, True),
    "no options": (ETHERNET, ETH + segment(options=b""), None, True),
    "Ethernet padding": (ETHERNET, ETH + segment(options=b"") + bytes(6), None, True),
    "bad TCP checksum": (ETHERNET, ETH + segment(tcp_sum=0x1234), None, False),
    "bad IP checksum": (ETHERNET, ETH + segment(ip_sum=0x1234), None, False),
    "option too long": (ETHERNET, ETH + segment(options=TOO_LONG), None, False),
    "option length 1": (ETHERNET, ETH + segment(options=b"\x02\x01\x00\x00"), None, False),
    "RST": (ETHERNET, ETH + segment(flags=0x14), None, False),
    "cut by the capture": (ETHERNET, ETH + segment(), 200, False),
    "bytes after the datagram, raw IPv4": (RAW_IPV4, segment(extra=b"\x00\x01"), None, False),
    "total length past the bytes": (ETHERNET, ETH + segment(ip_len_extra=4), None, False),
    "group source address": (ETHERNET, GROUP_SOURCE + segment(), None, False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_only_what_the_declarations_decide(tmp_path: Path, name: str) -> None:
    linktype, data, wirelen, decided = CASES[name]
    path = tmp_path / "one.pcap"
    with PcapWriter(str(path), linktype) as w:
        w.write(data, 1_700_000_000_000_000_000, wirelen)
    decoded, _none = frames(path, tmp_path / "d", columnar_rows=False)
    both, made = frames(path, tmp_path / "c", columnar_rows=True)
    assert both == decoded
    assert made == ({0} if decided else set())
    if decided:
        assert both[0]["status"] == "ok" and both[0]["expert"] is None


def test_rows_stay_in_record_order_across_batches(tmp_path: Path) -> None:
    """Batches of 8 rows and runs of 16 records: decided and decoded rows interleave in many
    row groups, in record order."""
    import pyarrow.parquet as pq

    from dissect.export import rows

    with mock.patch.object(rows, "BATCH_ROWS", 8), mock.patch.object(job, "COLUMNAR_RUN", 16):
        decoded, _none = frames(SAMPLE, tmp_path / "d", columnar_rows=False)
        both, made = frames(SAMPLE, tmp_path / "c", columnar_rows=True)
    assert made and both == decoded
    assert [r["number"] for r in both] == list(range(1, 37))
    (part,) = (tmp_path / "c" / "frames").glob("*.parquet")
    assert pq.ParquetFile(part).num_row_groups > 2


def test_a_commented_record_is_decoded(tmp_path: Path) -> None:
    """pcapng, two interfaces: the plain segments are made without decoding on either, the
    one with a comment (the `comment` column) is decoded."""
    from dissect.readers.writer import PcapngWriter

    path = tmp_path / "two.pcapng"
    with PcapngWriter(str(path)) as w:
        w.add_interface(ETHERNET)
        w.add_interface(RAW_IPV4)
        w.write(ETH + segment(), 1_700_000_000_000_000_000)
        w.write(segment(), 1_700_000_000_000_001_000, interface=1)
        w.write(ETH + segment(), 1_700_000_000_000_002_000, comment="look here")
    decoded, _none = frames(path, tmp_path / "d", columnar_rows=False)
    both, made = frames(path, tmp_path / "c", columnar_rows=True)
    assert both == decoded
    assert made == {0, 1}
    assert [r["comment"] for r in both] == [None, None, "look here"]
    assert [r["linktype"] for r in both] == [ETHERNET, RAW_IPV4, ETHERNET]
