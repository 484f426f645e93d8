"""A capture that shrinks while it is read (issue 12, item 5). Reading a mapped file whose
pages are gone killed the process with SIGBUS; now the read ends with one clear line,
every packet read before it kept, in each mode (-r, parallel -r, -Y, -q), in the index and
in the TUI, which says so and stays up.

The CLI tests make the shrink happen mid-read without timing: the child prints into a pipe
the test does not read, so it waits there, well before the end of the capture, while the
file is cut."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot

from dissect import linktypes
from dissect.index import CaptureError, open_capture
from dissect.readers.writer import PcapWriter
from tui.app import LayerscopeApp
from tui.browser import BrowserScreen
from tui.source import PacketSource
from tui.widgets.packet_list import PacketList
from tui.widgets.status_bar import StatusBar

SCRIPT = Path(sys.executable).parent / "layerscope"
T0 = 1_700_000_000_000_000_000
FRAME = bytes.fromhex("ffffffffffff020000000001080045000014000100004011f9d97f0000017f000001")


def capture(path: Path, count: int) -> int:
    """`count` small Ethernet/IPv4 packets; returns the file's size."""
    with PcapWriter(path, linktypes.ETHERNET) as w:
        for n in range(count):
            w.write(FRAME + n.to_bytes(4, "big"), T0 + n * 1000)
    return path.stat().st_size


def cut_while_printing(
    path: Path, *args: str, workers: int = 1
) -> tuple[int, list[str], list[str]]:
    """Run the CLI on `path`; once it has printed its first line (and the pipe holds it
    back), cut the file to a tenth; return (exit status, stdout lines, stderr lines)."""
    env = {**os.environ, "LAYERSCOPE_WORKERS": str(workers)}
    proc = subprocess.Popen([str(SCRIPT), "-r", str(path), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    os.truncate(path, path.stat().st_size // 10)
    out = first + proc.stdout.read()  # (stderr is a line or two: no deadlock)
    err = proc.stderr.read()
    return proc.wait(timeout=120), out.decode().splitlines(), err.decode().splitlines()


def numbers(lines: list[str]) -> list[int]:
    return [int(line.split()[0]) for line in lines]


@pytest.mark.parametrize("workers", [1, 2])  # 2: forked workers (dissect/parallel.py)
def test_cli_read_of_a_shrinking_file_ends_with_one_line(tmp_path: Path, workers: int) -> None:
    path, count = tmp_path / "big.pcap", 60_000
    capture(path, count)
    rc, out, err = cut_while_printing(path, workers=workers)
    printed = numbers(out)
    assert 0 < len(printed) < count and printed == list(range(1, len(printed) + 1))
    assert rc == 2 and len(err) == 1, err  # not a SIGBUS (rc -7), not a traceback
    assert err[0].startswith(f"layerscope: error: {path}: the file shrank to ")
    assert err[0].endswith(f"read stopped at packet {len(printed) + 1:,}")


def test_cli_display_filter_on_a_shrinking_file(tmp_path: Path) -> None:
    path, count = tmp_path / "big.pcap", 60_000
    capture(path, count)
    rc, out, err = cut_while_printing(path, "-Y", "frame.len > 10")
    printed = numbers(out)
    assert 0 < len(printed) < count and printed == list(range(1, len(printed) + 1))
    assert rc == 2 and len(err) == 1 and "the file shrank to" in err[0], err


CUT_AFTER_OPENING = """
import os, sys
import dissect.index as index
path, args = sys.argv[1], sys.argv[2:]
opened = index.CaptureIndex._start
def start(self):  # the header is read: now the file loses its records
    opened(self)
    os.truncate(path, 1000)
index.CaptureIndex._start = start
from dissect.cli import main
sys.exit(main(["-r", path, *args]))
"""


@pytest.mark.parametrize("args", [["-q"], ["-q", "-Y", "udp"], []])
def test_cli_file_cut_between_header_and_records(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "big.pcap"
    size = capture(path, 20_000)
    proc = subprocess.run([sys.executable, "-c", CUT_AFTER_OPENING, str(path), *args],
                          capture_output=True, timeout=120)  # fmt: skip
    err = proc.stderr.decode().splitlines()
    assert proc.returncode == 2 and proc.stdout == b"", (proc.returncode, err)
    assert err == [
        f"layerscope: error: {path}: the file shrank to 1,000 bytes while being read "
        f"(it had {size:,}): read stopped at packet 1"
    ]


def test_index_of_a_file_that_shrinks(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    size = capture(path, 5000)
    idx = open_capture(path)
    assert idx.index_more(1000) is False
    first = idx.record(0)
    keep = 24 + 300 * (16 + len(FRAME) + 4)  # the first 300 records stay whole
    os.truncate(path, keep)
    assert idx.index_all().done and len(idx) >= 1000  # stopped, without raising
    assert idx.failure == (
        f"the file shrank to {keep:,} bytes while being read (it had {size:,}): "
        f"read stopped at packet {len(idx) + 1:,}"
    )
    assert idx.warnings[-1] == idx.failure
    assert idx.record(0) == first and idx.record(299).number == 300
    with pytest.raises(CaptureError, match="shrank"):
        idx.record(700)
    with pytest.raises(CaptureError, match="shrank"):
        list(idx.rows(0, 1000))
    assert idx.refresh() is False  # a followed file that shrank stays ended


def test_tui_says_so_and_stays_up(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    capture(path, 5000)

    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(path))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            plist = app.screen.query_one(PacketList)
            assert plist.count == 5000 and app.source.packet(0).caplen == len(FRAME) + 4
            os.truncate(path, 24 + 100 * (16 + len(FRAME) + 4))
            await pilot.press("G")  # the last rows: their bytes are gone
            await settle(pilot)
            assert isinstance(app.screen, BrowserScreen) and app.is_running
            last = app.source.packet(4999)
            assert (last.number, last.caplen, last.wirelen) == (5000, 0, len(FRAME) + 4)
            assert "shrank" in (last.comment or "")
            assert any("shrank" in n.message for n in app._notifications)
            assert "shrank" in str(app.screen.query_one(StatusBar).render())
            assert app.source.packet(0).caplen == len(FRAME) + 4  # read before: still there

    asyncio.run(main())


async def settle(pilot: Pilot) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_fuzzer_feeds_files_that_change_while_they_are_read() -> None:
    # bench/fuzz.py --files: trials of captures truncated, rewritten, appended to, refilled
    # or replaced while they are read, each in a child (a SIGBUS would show as a death).
    fuzz = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"
    got = subprocess.run([sys.executable, str(fuzz), "--files", "20", "--seed", "3"],
                         capture_output=True, timeout=600)  # fmt: skip
    assert got.returncode == 0, got.stdout.decode() + got.stderr.decode()
    assert json.loads(got.stdout) == {"trials": 20, "signal_deaths": 0, "failures": {}}
