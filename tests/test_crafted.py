"""Crafted capture files (issue 6, part 2): each opens with no traceback and one clear
message, every valid packet before the damage is still shown, and a file claiming a
4 GiB packet does not make us allocate it.

The files come from tests/make_crafted.py (also a script: `tests/make_crafted.py DIR`).
The CLI runs in a subprocess (`--strict`, so a decoder bug would be a traceback), with
`-T jsonl -x` so every printed packet can be compared byte for byte with what was written.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from textual.widgets import Static

from dissect.index import CaptureError, open_capture
from tests.make_crafted import Crafted, all_cases, write_all
from tui.app import LayerscopeApp
from tui.source import PacketSource

SCRIPT = Path(sys.executable).parent / "layerscope"
CASES = all_cases()
BY_NAME = {c.name: c for c in CASES}
GIB = 1 << 30
HUGE = [  # every case whose headers claim a packet of (about) 4 GiB
    "pcap-caplen-ffffffff.pcap",
    "pcap-caplen-ffffffff-first.pcap",
    "pcap-snaplen-4gib-caplen-4gib.pcap",
    "ng-block-length-4gib.pcapng",
    "ng-epb-caplen-4gib.pcapng",
    "ng-snaplen-4gib-caplen-4gib.pcapng",
]


@pytest.fixture(scope="module")
def crafted_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crafted")
    write_all(out)
    return out


def run_cli(path: Path, *extra: str, limit: int | None = None) -> subprocess.CompletedProcess:
    """The console script on one file; `limit` caps its address space (RLIMIT_AS)."""

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    argv = [str(SCRIPT), "-r", str(path), "--strict", "-T", "jsonl", "-x", *extra]
    return subprocess.run(argv, capture_output=True, timeout=120, preexec_fn=cap)


def check_outcome(case: Crafted, proc: subprocess.CompletedProcess) -> None:
    """Exit 0 with the expected packets and at most one warning, or exit 2 with one error."""
    err = proc.stderr.decode()
    assert "Traceback" not in err, err
    rows = err.splitlines()
    assert proc.returncode == case.exit, (proc.returncode, err)
    if case.exit == 2:
        assert proc.stdout == b""
        assert len(rows) == 1 and rows[0].startswith("layerscope: error: "), rows
        assert case.name in rows[0] and case.message in rows[0], rows
        return
    packets = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [bytes.fromhex(p["bytes"]) for p in packets] == list(case.frames)
    assert [p["number"] for p in packets] == list(range(1, case.packets + 1))
    if case.message:
        assert len(rows) == 1 and rows[0].startswith("layerscope: warning: "), rows
        assert case.message in rows[0], rows
    else:
        assert rows == []


def test_there_are_at_least_30_crafted_files(crafted_dir: Path) -> None:
    written = sorted(p.name for p in crafted_dir.iterdir() if p.name != "MANIFEST.tsv")
    assert len(written) >= 30 and written == sorted(BY_NAME)
    manifest = (crafted_dir / "MANIFEST.tsv").read_text().splitlines()
    assert len(manifest) == len(CASES) + 1
    kinds = " ".join(BY_NAME)
    for topic in ("wrong-magic", "-be.", "nsec", "caplen-gt-snaplen", "caplen-ffffffff",
                  "truncated-file-header", "truncated-last-record", "bad-block-length",
                  "zero-block-length", "unknown-blocks", "iface-out-of-range", "spb",
                  "several-sections", "mixed-linktypes"):  # fmt: skip
        assert topic in kinds, topic


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_cli_gives_one_clear_message_and_keeps_good_packets(crafted_dir: Path, name: str) -> None:
    case = BY_NAME[name]
    check_outcome(case, run_cli(crafted_dir / name))


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_tui_source_shows_the_same_packets(crafted_dir: Path, name: str) -> None:
    """What the TUI's PacketSource makes of the file: same packets, same one message."""
    case = BY_NAME[name]
    try:
        source = PacketSource.open(crafted_dir / name)
    except CaptureError as exc:
        assert case.exit == 2 and "\n" not in str(exc) and case.message in str(exc)
        return
    assert case.exit == 0
    while not source.index_more():
        pass
    assert len(source) == case.packets
    assert [source.packet(i).data for i in range(len(source))] == list(case.frames)
    assert [s.number for s in source.summaries(0, len(source))] == list(range(1, case.packets + 1))
    assert len(source.warnings) == (1 if case.message else 0)
    source.close()


def test_limit_is_real() -> None:
    """The address-space cap used below does stop a 4 GiB allocation (a positive control)."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))

    probe = "try:\n    bytearray(1 << 32)\nexcept MemoryError:\n    raise SystemExit(3)\n"
    proc = subprocess.run([sys.executable, "-c", probe], preexec_fn=cap, timeout=60)
    assert proc.returncode == 3


@pytest.mark.parametrize("name", HUGE)
def test_4gib_claim_runs_under_a_1gib_address_space(crafted_dir: Path, name: str) -> None:
    case = BY_NAME[name]
    proc = run_cli(crafted_dir / name, limit=GIB)
    check_outcome(case, proc)
    assert "MemoryError" not in proc.stderr.decode()


@pytest.mark.parametrize("name", HUGE)
def test_4gib_claim_is_never_allocated(crafted_dir: Path, name: str) -> None:
    """Indexing and reading every record of the file stays within a few hundred KiB."""
    tracemalloc.start()
    try:
        with open_capture(crafted_dir / name) as idx:
            idx.index_all()
            frames = [rec.data for rec in idx]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert frames == list(BY_NAME[name].frames)
    assert peak < 512 * 1024, peak


def test_tui_shows_the_packets_and_the_warning(crafted_dir: Path) -> None:
    case = BY_NAME["ng-iface-out-of-range-twice.pcapng"]

    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(crafted_dir / case.name))
        async with app.run_test(size=(140, 40)) as pilot:
            for _ in range(4):
                await app.workers.wait_for_complete()
                await pilot.pause()
            status = str(app.screen.query_one("#status", Static).render())
            assert f"packets {case.packets}" in status
            assert "out of range" in status and app.is_running

    asyncio.run(main())
