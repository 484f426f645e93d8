"""Captures that are streams (issue 12, items 8, 9 and 15): a pipe, a FIFO, a device, gzip.

The CLI reads a stream forwards: packets print as they arrive, memory stays bounded, -c 1
returns after one packet, /dev/zero is one error line. gzip-compressed captures open as
tshark opens them (by magic), decompressed as a stream. The TUI spools a stream to a
temporary file and follows it like a live capture; its open dialog opens in a worker.
Every wait is bounded; memory is checked with generous bounds (the peak resident set, VmHWM), never time.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import resource
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from dissect import linktypes
from dissect.index import open_capture
from dissect.readers import stream
from dissect.readers.writer import PcapngWriter, PcapWriter
from tui.app import LayerscopeApp
from tui.browser import BrowserScreen
from tui.screens import HelpScreen
from tui.source import PacketSource
from tui.widgets.packet_list import PacketList

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "layerscope"
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
T0 = 1_700_000_000_000_000_000
FRAME = bytes.fromhex("ffffffffffff020000000001080045000014000100004011f9d97f0000017f000001")
WAIT = 30.0  # seconds any one step may take before the test fails


def pcap_bytes(frames: list[bytes], start: int = 0) -> bytes:
    """A pcap file of these frames (the header included)."""
    out = io.BytesIO()
    with PcapWriter(out, linktypes.ETHERNET) as w:
        for n, frame in enumerate(frames, start):
            w.write(frame, T0 + n * 1000)
    return out.getvalue()


def header_and_records(count: int, size: int = 60) -> tuple[bytes, bytes]:
    """(file header, `count` records of `size`-byte frames) of a pcap."""
    data = pcap_bytes([FRAME.ljust(size, b"\0")] * count)
    return data[:24], data[24:]


def read_line(fd: int, timeout: float = WAIT) -> bytes:
    """One line from a pipe, or b"" if none came in time."""
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return b""
        byte = os.read(fd, 1)
        if not byte:
            return line
        line += byte
    return line


def limited(gib: int = 2) -> Callable[[], None]:
    """A child whose address space is capped: a runaway read fails, not the machine."""
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))


# -- the CLI --------------------------------------------------------------------------------
def test_fifo_packets_print_as_they_arrive(tmp_path: Path) -> None:
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    header, records = header_and_records(3)
    one = len(records) // 3
    proc = subprocess.Popen([str(SCRIPT), "-r", str(fifo)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=limited())  # fmt: skip
    assert proc.stdout is not None
    try:
        with open(fifo, "wb", buffering=0) as writer:
            writer.write(header + records[:one])
            first = read_line(proc.stdout.fileno())  # the writer is still open
            assert first.split()[:1] == [b"1"], first
            writer.write(records[one : 2 * one])
            assert read_line(proc.stdout.fileno()).split()[:1] == [b"2"]
            writer.write(records[2 * one :])
        assert proc.stdout.read().split()[:1] == [b"3"]
        assert proc.wait(WAIT) == 0
    finally:
        proc.kill()
        proc.wait()


def test_count_one_returns_after_one_packet() -> None:
    header, records = header_and_records(2)
    proc = subprocess.Popen([str(SCRIPT), "-r", "-", "-c", "1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limited())  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(header + records)
        proc.stdin.flush()  # and the pipe stays open: more may come, -c 1 does not wait
        assert proc.wait(WAIT) == 0
        out = proc.stdout.read().decode().splitlines()
        assert len(out) == 1 and out[0].split()[0] == "1"
    finally:
        proc.kill()
        proc.wait()


# VmHWM, not getrusage's ru_maxrss: that one survives execve, so a child forked from a big
# pytest worker would report the worker's size.
RSS = """
import sys
from dissect.cli import main
rc = main(sys.argv[1:])
sys.stdout.flush()
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
sys.stderr.write(f"maxrss {hwm}\\n")
sys.exit(rc)
"""


def run_measured(
    args: list[str], feed: Iterator[bytes] | None = None
) -> tuple[int, str, list[str], int]:
    """The CLI in a child that reports its peak resident memory (KiB); `feed` is written to
    its stdin from a thread. Returns (exit status, stdout, other stderr lines, peak KiB)."""
    proc = subprocess.Popen([sys.executable, "-c", RSS, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limited())  # fmt: skip
    assert proc.stdin is not None

    def write() -> None:
        try:
            for chunk in feed or ():
                proc.stdin.write(chunk)  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    out = proc.stdout.read()  # type: ignore[union-attr]
    err = proc.stderr.read()  # type: ignore[union-attr]  (a line or two: no deadlock)
    proc.wait(WAIT)
    writer.join(WAIT)
    lines = err.decode().splitlines()
    peak = int(lines.pop().split()[1])
    return proc.returncode, out.decode(), lines, peak


def big_stream(count: int, size: int = 1500) -> Iterator[bytes]:
    """A pcap of `count` records of `size` bytes, in chunks of 1,000 records."""
    header, records = header_and_records(1000, size)
    yield header
    for _ in range(count // 1000):
        yield records


def test_stdin_stream_is_read_in_bounded_memory() -> None:
    # ~300 MB through the pipe; the reader holds a few MB of it at a time.
    rc, out, err, peak = run_measured(["-r", "-", "-q"], big_stream(200_000))
    assert (rc, out, err) == (0, "200000\n", [])
    assert peak < 150_000, f"peak RSS {peak} KiB for a 303 MB stream"


def test_dev_zero_is_one_error_line() -> None:
    for argv, stdin in (["-r", "/dev/zero"], None), (["-r", "-"], open("/dev/zero", "rb")):  # noqa: SIM115
        proc = subprocess.run([str(SCRIPT), *argv], stdin=stdin, capture_output=True,
                              timeout=WAIT, preexec_fn=limited())  # fmt: skip
        name = "<stdin>" if stdin else "/dev/zero"
        assert (proc.returncode, proc.stdout) == (2, b"")
        assert proc.stderr.decode().splitlines() == [
            f"layerscope: error: {name}: not a pcap or pcapng file (magic 0x00000000)"
        ]
        if stdin:
            stdin.close()


def test_display_filter_on_a_stream(tmp_path: Path) -> None:
    want = subprocess.run([str(SCRIPT), "-r", str(SAMPLE), "-Y", "dns"], capture_output=True,
                          timeout=WAIT)  # fmt: skip
    got = subprocess.run([str(SCRIPT), "-r", "-", "-Y", "dns"], input=SAMPLE.read_bytes(),
                         capture_output=True, timeout=WAIT)  # fmt: skip
    assert got.returncode == 0 and got.stderr == b""
    assert got.stdout == want.stdout and len(got.stdout.splitlines()) == 2
    count = subprocess.run([str(SCRIPT), "-r", "-", "-q", "-Y", "dns"],
                           input=SAMPLE.read_bytes(), capture_output=True, timeout=WAIT)  # fmt: skip
    assert count.stdout == b"2\n"


def test_a_stream_is_not_held_past_a_limit_for_one_record(monkeypatch: pytest.MonkeyPatch) -> None:
    # A record claiming 1 GB (a SnapLen that allows it): a stream read forwards would hold
    # all of it waiting for the end; past HOLD_LIMIT it stops, with a warning.
    import struct

    monkeypatch.setattr(stream, "HOLD_LIMIT", 100_000)
    header = struct.pack("<IHHIIII", 0xA1B2C3D4, 2, 4, 0, 0, 0xFFFFFFFF, 1)
    claim = struct.pack("<IIII", 1, 0, 1 << 30, 1 << 30)
    r, w = os.pipe()

    def writer() -> None:
        try:
            os.write(w, header + claim)
            for _ in range(40):  # 2.6 MB at most; the reader stops well before
                os.write(w, bytes(65536))
        except BrokenPipeError:
            pass
        finally:
            os.close(w)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    idx = open_capture(os.fdopen(r, "rb"), forward=True)
    assert idx.index_all().done and len(idx) == 0
    assert idx.warnings == [
        "the record at offset 24 runs past 100,000 bytes, more than a stream is held for: "
        "read stopped"
    ]
    idx.close()
    thread.join(WAIT)


# -- gzip -----------------------------------------------------------------------------------
def pcapng_with_comment() -> bytes:
    out = io.BytesIO()
    with PcapngWriter(out) as w:
        eth = w.add_interface(linktypes.ETHERNET, 65535, name="eth0")
        w.write(FRAME, T0, interface=eth, comment="first")
        w.write(FRAME, T0 + 1, interface=eth)
    return out.getvalue()


@pytest.mark.parametrize("name", ["sample.pcap.gz", "sample.pcapng.gz", "gzipped-no-suffix"])
def test_gzip_captures_open_in_the_cli(tmp_path: Path, name: str) -> None:
    plain = SAMPLE.read_bytes() if ".pcapng" not in name else pcapng_with_comment()
    (tmp_path / "plain").write_bytes(plain)
    path = tmp_path / name
    path.write_bytes(gzip.compress(plain))
    # a capture read forwards (gzip, a pipe) prints as the file does (PDUs put together)
    want = subprocess.run([str(SCRIPT), "-r", str(tmp_path / "plain"), "-V"],
                          capture_output=True, timeout=WAIT)  # fmt: skip
    for argv, stdin in ([str(path)], None), (["-"], path.read_bytes()):
        got = subprocess.run([str(SCRIPT), "-V", "-r", *argv], input=stdin, capture_output=True,
                             timeout=WAIT)  # fmt: skip
        assert got.returncode == 0 and got.stderr == want.stderr
        assert got.stdout == want.stdout and got.stdout.count(b"\n\n") >= 2


def test_gzip_cut_short_keeps_the_packets_before(tmp_path: Path) -> None:
    packed = gzip.compress(pcap_bytes([FRAME] * 2000))
    path = tmp_path / "cut.pcap.gz"
    path.write_bytes(packed[: len(packed) // 2])
    got = subprocess.run([str(SCRIPT), "-r", str(path)], capture_output=True, timeout=WAIT)
    lines = got.stdout.decode().splitlines()
    assert got.returncode == 0 and 0 < len(lines) < 2000
    assert [int(line.split()[0]) for line in lines] == list(range(1, len(lines) + 1))
    err = got.stderr.decode().splitlines()
    assert err[-1].startswith("layerscope: warning: gzip data cut short or corrupt")


def test_gzip_is_decompressed_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.pcap.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        for chunk in big_stream(200_000):  # 303 MB of capture, a few hundred KB packed
            out.write(chunk)
    rc, out, err, peak = run_measured(["-r", str(path), "-q"])
    assert (rc, out, err) == (0, "200000\n", [])
    assert peak < 150_000, f"peak RSS {peak} KiB for 303 MB of gzip data"


def test_gzip_opens_in_the_tui_source(tmp_path: Path) -> None:
    path = tmp_path / "sample.pcapng.gz"
    path.write_bytes(gzip.compress(pcapng_with_comment()))
    source = PacketSource.open(path)
    try:
        while not source.index_more():
            pass
        assert len(source) == 2 and source.packet(0).comment == "first"
        assert source.packet(1).data == FRAME
    finally:
        source.close()


# -- the spool: random access to a stream ----------------------------------------------------
def test_spooled_stream_gives_random_access() -> None:
    data = pcap_bytes([FRAME + bytes([n % 256]) for n in range(300)])
    idx = open_capture(io.BytesIO(data))  # a file object without a descriptor: a stream
    assert idx.streaming
    idx.index_all()
    assert len(idx) == 300 and idx.warnings == []
    assert [idx.record(i).data[-1] for i in (299, 0, 150)] == [43, 0, 150]  # 299 % 256
    idx.close()


def test_spool_stops_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "SPOOL_LIMIT", 5000)
    idx = open_capture(io.BytesIO(pcap_bytes([FRAME] * 300)))
    idx.index_all()
    assert 0 < len(idx) < 300
    assert idx.warnings[-1] == "stopped reading after 5,000 bytes (the spool limit for streams)"
    idx.close()


# -- the TUI ---------------------------------------------------------------------------------
async def until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Let the app run until predicate() holds (bounded: fails after timeout)."""
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached in time")


def test_tui_follows_a_pipe_like_a_live_capture() -> None:
    r, w = os.pipe()
    header, records = header_and_records(30)
    per = len(records) // 30
    os.write(w, header + records[: 10 * per])
    source = PacketSource.open(os.fdopen(r, "rb"))

    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=(120, 40)) as pilot:
            plist = app.screen.query_one(PacketList)
            await until(pilot, lambda: plist.count == 10)
            assert not source.done  # the pipe is still open: more may come
            os.write(w, records[10 * per :])
            await until(pilot, lambda: plist.count == 30)
            os.close(w)
            await until(pilot, lambda: source.done)
            assert source.packet(29).number == 30 and source.warnings == []

    asyncio.run(main())


def test_tui_open_dialog_waits_for_a_fifo_in_a_worker(tmp_path: Path) -> None:
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    go = threading.Event()

    def writer() -> None:
        for _ in range(int(WAIT / 0.01)):  # a writer that opens once the reader has
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                go.wait(0.01)
        else:
            return
        go.wait(WAIT)
        os.set_blocking(fd, True)
        os.write(fd, SAMPLE.read_bytes())
        os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()

    async def main() -> None:
        demo = PacketSource.demo()
        app = LayerscopeApp(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            screen.open_path(str(fifo))
            await pilot.pause(0.2)
            await pilot.press("question_mark")  # the UI answers while the open waits
            assert isinstance(app.screen, HelpScreen) and app.source is demo
            await pilot.press("escape")
            go.set()
            await until(pilot, lambda: app.source.name == "capture.fifo" and app.source.done)
            await until(pilot, lambda: screen.query_one(PacketList).count == 36)

    try:
        asyncio.run(main())
    finally:
        go.set()
        thread.join(WAIT)


def test_tui_open_dialog_refuses_dev_zero() -> None:
    async def main() -> None:
        demo = PacketSource.demo()
        app = LayerscopeApp(demo)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            screen.open_path("/dev/zero")
            message = "/dev/zero: not a pcap or pcapng file (magic 0x00000000)"
            await until(pilot, lambda: any(n.message == message for n in app._notifications))
            assert app.source is demo and app.is_running

    asyncio.run(main())


class PtyDrain(threading.Thread):
    """Reads a pseudo-terminal's output all the time, as a terminal does. A test that stops
    reading fills the pty's buffer (about two repaints): the app's output thread blocks,
    then its UI thread, and no key (not even `q`) is handled any more."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master, self.screen, self._lock = master, b"", threading.Lock()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the app closed the terminal
                return
            if not chunk:
                return
            with self._lock:
                self.screen += chunk

    def wait_for(self, text: bytes, timeout: float = WAIT) -> bool:
        for _ in range(int(timeout / 0.1)):
            with self._lock:
                if text in self.screen:
                    return True
            time.sleep(0.1)
        return False


def test_tui_on_a_terminal_follows_piped_stdin() -> None:
    # `tcpdump -w - | layerscope -r -` on a terminal: the TUI reads the capture from the
    # pipe as it comes and its keys from the terminal (/dev/tty), not from the pipe.
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    # Textual draws on stderr; a new session whose terminal, /dev/tty, is the pty
    proc = subprocess.Popen([str(SCRIPT), "-r", "-"], stdin=subprocess.PIPE, stdout=slave,
                            stderr=slave, env={**env, "TERM": "xterm-256color"},
                            start_new_session=True,
                            preexec_fn=lambda: fcntl.ioctl(1, termios.TIOCSCTTY, 0))  # fmt: skip
    os.close(slave)
    assert proc.stdin is not None
    drain = PtyDrain(master)
    drain.start()
    try:
        proc.stdin.write(SAMPLE.read_bytes())
        proc.stdin.flush()  # and the pipe stays open
        assert drain.wait_for(b"packets 36") and drain.wait_for(b"<stdin>")
        for _ in range(40):  # keys that repaint, one by one: more than the pty's buffer
            os.write(master, b"j")
            time.sleep(0.05)
        os.write(master, b"q")  # a key from the terminal quits, the pipe still open
        assert proc.wait(WAIT) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
        drain.join(WAIT)
        os.close(master)
