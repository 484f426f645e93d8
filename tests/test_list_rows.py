"""The summary list's rows (engine.summary_text, the batch CLI's loop on every core) decode
only what a row shows: no declared checksum is verified, as tshark's list verifies none.
The rows stay those of a full decode, bad checksums included."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dissect import _compiled, engine
from dissect.cli import build_parser, run_batch
from dissect.engine import decode, row_line, summary_text
from dissect.index import open_capture
from dissect.readers.writer import PcapWriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
T0 = 1_700_000_000_000_000_000


def bad_checksums(data: bytes) -> bytes:
    """The frame with its IPv4 header checksum and its transport checksum both wrong
    (Ethernet, a 20-byte IPv4 header, then TCP or UDP)."""
    b = bytearray(data)
    b[24] ^= 0xFF  # IPv4 header checksum
    b[50 if b[23] == 6 else 40] ^= 0xFF  # TCP's at 16 into its header, UDP's at 6
    return bytes(b)


@pytest.fixture(scope="module")
def frames() -> list[bytes]:
    """The sample's frames, each IPv4 one with bad checksums."""
    with open_capture(SAMPLE) as idx:
        return [bad_checksums(r.data) if r.data[12:14] == b"\x08\x00" else r.data for r in idx]


def checksum_states(pkt: engine.Packet) -> list[tuple[str, object, int]]:
    return [
        (layer.protocol.name, layer.checksum_status,
         sum(i.group == "checksum" for i in layer.issues))
        for layer in pkt.layers if layer.protocol.checksum is not None
    ]  # fmt: skip


def test_decode_without_checksums_verifies_none(frames: list[bytes]) -> None:
    tcp = frames[4]  # the first SYN
    assert checksum_states(decode(tcp, 1)) == [("ip", "bad", 1), ("tcp", "bad", 1)]
    assert checksum_states(decode(tcp, 1, checksums=False)) == [("ip", None, 0), ("tcp", None, 0)]


def test_rows_without_checksums_are_the_full_decodes_rows(frames: list[bytes]) -> None:
    rows = [(n, T0 + n, len(d), len(d), 1, 0, d, None) for n, d in enumerate(frames, 1)]
    full = [row_line(decode(d, 1, number=n, time_ns=T0 + n), T0) for n, d in enumerate(frames, 1)]
    assert summary_text(rows, T0) == "\n".join(full) + "\n"


@pytest.mark.skipif(_compiled.MODE == "compiled", reason="a C function cannot be replaced")
def test_summary_rows_run_no_checksum(frames: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = engine._check_declared

    def counted(ck: object, data: bytes, layer: engine.Layer, quoted: bool) -> None:
        checked.append(layer.protocol.name)
        real(ck, data, layer, quoted)

    monkeypatch.setattr(engine, "_check_declared", counted)
    rows = [(n, T0 + n, len(d), len(d), 1, 0, d, None) for n, d in enumerate(frames, 1)]
    summary_text(rows, T0)
    assert checked == []
    decode(frames[4], 1)  # a full decode still checks them
    assert checked == ["ip", "tcp"]


def _listed(frames: list[bytes], path: Path) -> Path:
    """A capture of the frames over and over, a millisecond apart (324 packets)."""
    with PcapWriter(path, 1) as w:
        for n in range(36 * 9):
            w.write(frames[n % len(frames)], T0 + n * 1_000_000)
    return path


def test_the_parallel_list_of_bad_checksums_equals_one_process(
    frames: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dissect import parallel

    path = _listed(frames, tmp_path / "bad.pcap")

    def listing(workers: str) -> str:
        monkeypatch.setenv("LAYERSCOPE_WORKERS", workers)
        out = io.StringIO()
        assert run_batch(build_parser().parse_args(["-r", str(path)]), out) == 0
        return out.getvalue()

    one = listing("1")  # the Printer's rows, of fully decoded packets
    monkeypatch.setattr(parallel, "MIN_PACKETS", 50)
    monkeypatch.setattr(parallel, "CHUNK", 64)
    assert listing("2") == one and one.count("\n") == 36 * 9


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_list_chunks_encoded_in_pieces_are_the_bytes_of_one_process(
    frames: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    """Workers encode a chunk's lines a few at a time (cli.ENCODED_ROWS): the bytes are
    those one process writes through the text layer, in ASCII too ('?' for each '→')."""
    from dissect import cli, parallel

    path = _listed(frames, tmp_path / "list.pcap")

    def listing(workers: str) -> bytes:
        monkeypatch.setenv("LAYERSCOPE_WORKERS", workers)
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding=encoding, errors="replace")
        assert run_batch(build_parser().parse_args(["-r", str(path)]), out, io.StringIO()) == 0
        out.flush()
        return raw.getvalue()

    one = listing("1")
    monkeypatch.setattr(parallel, "MIN_PACKETS", 50)
    monkeypatch.setattr(cli, "ENCODED_ROWS", 7)  # several pieces in every chunk
    assert listing("2") == one and one.count(b"\n") == 36 * 9
