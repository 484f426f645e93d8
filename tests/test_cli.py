"""Batch mode (README "Command line", issue 2 "Output"): what a user sees on stdout/stderr.

Most tests run the CLI in-process through `run_batch`; a few run the real console script
(or `python -m tui.main`) in a subprocess, where pipes, stdin, a closed pipe, a terminal
and the import cost of `--version` are what is being tested.

Fixtures in tests/data/cli/: seed-words.txt is the offset + tab + 2-byte-word dump of the
198-byte HTTP GET packet exactly as the seed note has it (trailing tabs included);
seed-tcpdump-x.txt is the same packet as `tcpdump -x` prints it, header line included.
"""

from __future__ import annotations

import errno
import io
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from dissect import __version__
from dissect._compiled import describe as engine_description
from dissect.cli import OutputError, build_parser, run_batch
from dissect.index import open_capture
from dissect.readers.writer import PcapWriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
CLI_DATA = Path(__file__).parent / "data" / "cli"
SCRIPT = Path(sys.executable).parent / "layerscope"
T0 = 1_700_000_000_000_000_000
SEED = bytes.fromhex(  # the 198-byte HTTP GET of the seed note (tests/test_core.py SEED)
    "450000c61e1f40004006152eac16b24c12dc95a6bafa00500f60c9b4356a523f"
    "801801f6079e00000101080a814630a031d4daac474554202f20485454502f31"
    "2e310d0a557365722d4167656e743a20576765742f312e32302e3320286c696e"
    "75782d676e75290d0a4163636570743a202a2f2a0d0a4163636570742d456e63"
    "6f64696e673a206964656e746974790d0a486f73743a207761662e63732e696c"
    "6c696e6f69732e6564750d0a436f6e6e656374696f6e3a204b6565702d416c69"
    "76650d0a0d0a"
)

PACKET_KEYS = {"number", "time_ns", "len", "caplen", "linktype", "interface", "status", "layers"}
LAYER_KEYS = {"protocol", "title", "osi", "pos", "len", "status", "issues", "fields"}
ISSUE_KEYS = {"severity", "code", "message", "pos", "len"}
FIELD_KEYS = {"name", "label", "value", "show", "pos", "len", "mask", "fields"}
STATUSES = {"ok", "truncated", "malformed"}
HEX_ROW = re.compile(r"([0-9a-f]{4})  ([0-9a-f ]{49}) (.{1,16})")  # offset, hex (padded), ASCII
MARKUP = ("[bold]", "[/b]", "[link=x]", "[@click=app.quit]")
HOSTILE = (
    b"\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 \x9b31m [bold]B[/b] [link=x]L[/link] [@click=app.quit]Q"
)


def run(*argv: str, stdin: bytes | str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    if stdin is not None:
        assert monkeypatch is not None
        raw = stdin.encode() if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out, err = io.StringIO(), io.StringIO()
    rc = run_batch(build_parser().parse_args(list(argv)), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def cli(*argv: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    """The installed console script in a subprocess (stdout and stderr are pipes)."""
    kwargs.setdefault("timeout", 120)
    if "stdout" not in kwargs and "stderr" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run([str(SCRIPT), *argv], cwd=ROOT, **kwargs)


def lines(text: str) -> list[str]:
    return text.splitlines()


def write_pcap(path: Path, frames: list[bytes], linktype: int = 1) -> Path:
    with PcapWriter(path, linktype) as w:
        for n, frame in enumerate(frames):
            w.write(frame, T0 + n * 1000)
    return path


def sample_frames() -> list[bytes]:
    with open_capture(SAMPLE) as idx:
        return [rec.data for rec in idx]


# -- summary lines -----------------------------------------------------------------------
def test_summary_one_line_per_packet() -> None:
    rc, out, err = run("-r", str(SAMPLE))
    assert (rc, err) == (0, "")
    rows = lines(out)
    assert len(rows) == 36
    assert [int(r.split()[0]) for r in rows] == list(range(1, 37))
    assert "ARP" in rows[0] and "Who has 10.200.0.2? Tell 10.200.0.1" in rows[0]
    assert "10.200.0.1 → 10.200.0.2" in rows[7] and "GET / HTTP/1.1" in rows[7]
    assert float(rows[0].split()[1]) == 0.0  # times are relative to the first packet


def test_count_and_positional_file() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-c", "10")
    assert rc == 0 and len(lines(out)) == 10
    rc, out2, _ = run(str(SAMPLE), "-c", "10")
    assert rc == 0 and out2 == out


# -- -V tree -------------------------------------------------------------------------------
def test_verbose_tree_grouped_by_osi() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-c", "8", "-V")
    assert rc == 0
    rows = lines(out)
    start = next(i for i, r in enumerate(rows) if r.startswith("     8 "))
    pkt8 = rows[start:]
    # The OSI heading opens the layer: "Layer 3 · Network — <title>" (or on the line above).
    headings = [r.split(" — ")[0] for r in pkt8 if r.startswith("Layer ")]
    assert list(dict.fromkeys(headings)) == [
        "Layer 1 · Physical",
        "Layer 2 · Data link",
        "Layer 3 · Network",
        "Layer 4 · Transport",
        "Layer 7 · Application",
    ]
    ip_title = next(i for i, r in enumerate(pkt8) if "Internet Protocol Version 4" in r)
    title = "Internet Protocol Version 4, Src: 10.200.0.1, Dst: 10.200.0.2"
    assert pkt8[ip_title] == f"Layer 3 · Network — {title}" or (
        pkt8[ip_title - 1] == "Layer 3 · Network" and pkt8[ip_title].strip() == title
    )
    stripped = [r.strip() for r in pkt8]
    assert ".1.. .... = Don't fragment: Set" in stripped
    assert "0100 .... = Version: 4" in stripped
    assert ".... ...1 .... = Acknowledgment: Set" in stripped
    assert "Request Method: GET" in stripped
    assert not any(re.search(r"\[\d+:\d+", r) for r in pkt8)  # spans only with --spans


def test_spans_show_pos_len_and_mask() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-c", "8", "-V", "--spans")
    assert rc == 0
    stripped = [r.strip() for r in lines(out)]
    assert "Source Address: 10.200.0.1 [26:4]" in stripped
    assert ".1.. .... = Don't fragment: Set [20:1 mask 0x40]" in stripped
    assert "Destination Port: 80 [36:2]" in stripped
    assert any("Internet Protocol Version 4" in r and r.endswith("[14:20]") for r in stripped)


# -- -x hex --------------------------------------------------------------------------------
def parse_hex_rows(rows: list[str]) -> bytes:
    data, expected_off = bytearray(), 0
    for r in rows:
        m = HEX_ROW.fullmatch(r)
        assert m, r
        off, hx, asc = int(m.group(1), 16), m.group(2).split(), m.group(3)
        assert off == expected_off and 1 <= len(hx) <= 16
        assert m.group(2)[23:25] == "  " or len(hx) <= 8  # two spaces after the 8th byte
        chunk = bytes.fromhex("".join(hx))
        assert len(asc) == len(chunk), r
        assert all(0x20 <= ord(c) <= 0x7E for c in asc), r
        assert asc == "".join(chr(b) if 0x20 <= b <= 0x7E else "." for b in chunk)
        data += chunk
        expected_off += 16
    return bytes(data)


def test_hex_rows_of_16_bytes_printable_ascii_only() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-x")
    assert rc == 0
    frames = sample_frames()
    blocks = [b for b in out.split("\n\n") if b.strip()]
    assert len(blocks) == 36
    for block, frame in zip(blocks, frames, strict=True):
        rows = lines(block)
        assert re.match(r"^\s+\d+ ", rows[0])  # the summary line, then the rows
        assert parse_hex_rows(rows[1:]) == frame
        assert all(len(r) == len(rows[1]) for r in rows[1:-1])  # full rows line up


# -- JSON ---------------------------------------------------------------------------------
def check_fields(fields: list[dict]) -> None:
    for f in fields:
        assert set(f) == FIELD_KEYS, f
        assert (
            isinstance(f["pos"], int) and isinstance(f["len"], int) and isinstance(f["mask"], int)
        )
        assert isinstance(f["name"], str) and isinstance(f["show"], str)
        check_fields(f["fields"])


def check_packet_shape(p: dict, with_bytes: bool = False) -> None:
    assert set(p) == PACKET_KEYS | ({"bytes"} if with_bytes else set()), set(p)
    assert p["status"] in STATUSES and p["len"] >= p["caplen"]
    assert p["layers"][0]["protocol"] == "frame" and p["layers"][0]["osi"] == 1
    for layer in p["layers"]:
        # "source": a layer decoded from bytes reassembled from several frames
        assert set(layer) - {"source"} == LAYER_KEYS, set(layer)
        assert layer["status"] in STATUSES and 1 <= layer["osi"] <= 7
        for issue in layer["issues"]:
            assert set(issue) == ISSUE_KEYS
        check_fields(layer["fields"])


def test_json_array_shape() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-T", "json")
    assert rc == 0
    packets = json.loads(out)
    assert isinstance(packets, list) and len(packets) == 36
    assert [p["number"] for p in packets] == list(range(1, 37))
    for p in packets:
        check_packet_shape(p)
        assert p["linktype"] == 1 and p["interface"] == 0 and isinstance(p["time_ns"], int)
    http = packets[7]
    assert [x["protocol"] for x in http["layers"]] == ["frame", "eth", "ip", "tcp", "http"]
    ip = http["layers"][2]
    flags = next(f for f in ip["fields"] if f["name"] == "ip.flags")
    df = next(f for f in flags["fields"] if f["name"] == "ip.flags.df")
    assert (flags["pos"], flags["len"], flags["mask"], flags["value"]) == (20, 1, 0xE0, 2)
    assert (df["value"], df["show"], df["mask"]) == (True, "Set", 0x40)
    src = next(f for f in ip["fields"] if f["name"] == "ip.src")
    assert (src["value"], src["pos"], src["len"], src["mask"]) == ("10.200.0.1", 26, 4, 0)


def test_json_with_x_carries_bytes() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-T", "json", "-x", "-c", "5")
    assert rc == 0
    packets = json.loads(out)
    assert len(packets) == 5
    for p, frame in zip(packets, sample_frames(), strict=False):
        check_packet_shape(p, with_bytes=True)
        assert p["bytes"] == frame.hex()


def test_jsonl_one_object_per_line() -> None:
    rc, out, _ = run("-r", str(SAMPLE), "-T", "jsonl")
    assert rc == 0
    rows = lines(out)
    assert len(rows) == 36
    objs = [json.loads(r) for r in rows]
    for o in objs:
        check_packet_shape(o)
    _, array, _ = run("-r", str(SAMPLE), "-T", "json")
    assert objs == json.loads(array)


def test_json_on_error_is_still_valid_json(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not a capture\n")
    rc, out, err = run("-r", str(bad), "-T", "json")
    assert rc == 2 and json.loads(out) == []
    assert lines(err) == [
        f"layerscope: error: {bad}: not a pcap or pcapng file (magic 0x{b'not '.hex()})"
    ]


# -- stdin --------------------------------------------------------------------------------
def test_read_capture_from_stdin_subprocess() -> None:
    piped = cli("-r", "-", input=SAMPLE.read_bytes())
    direct = cli("-r", str(SAMPLE))
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == direct.stdout and len(piped.stdout.splitlines()) == 36


def test_read_capture_from_stdin_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    rc, out, err = run("-r", "-", "-c", "3", stdin=SAMPLE.read_bytes(), monkeypatch=monkeypatch)
    assert (rc, err) == (0, "") and len(lines(out)) == 3


# -- pasted hex ---------------------------------------------------------------------------
def hex_json(*argv: str, monkeypatch=None, stdin: str | None = None) -> tuple[list[dict], str]:
    rc, out, err = run(*argv, "-T", "json", "-x", stdin=stdin, monkeypatch=monkeypatch)
    assert rc == 0, err
    return json.loads(out), err


@pytest.mark.parametrize("fixture", ["seed-words.txt", "seed-tcpdump-x.txt"])
def test_hex_seed_dump_decodes_to_ip_tcp(fixture: str) -> None:
    text = (CLI_DATA / fixture).read_text()
    (pkt,), err = hex_json("--hex", text)
    assert err == ""  # the tcpdump header line introduces the packet: not "ignored"
    assert pkt["bytes"] == SEED.hex() and pkt["caplen"] == 198
    assert pkt["linktype"] in (101, 228)
    protos = [x["protocol"] for x in pkt["layers"]]
    assert protos[:4] == ["frame", "ip", "tcp", "http"], protos


def test_hex_seed_summary_line() -> None:
    rc, out, _ = run("--hex", (CLI_DATA / "seed-words.txt").read_text())
    assert rc == 0
    assert "172.22.178.76 → 18.220.149.166" in out and "GET / HTTP/1.1" in out


def test_hex_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (CLI_DATA / "seed-tcpdump-x.txt").read_text()
    (pkt,), _ = hex_json("--hex", "-", stdin=text, monkeypatch=monkeypatch)
    assert pkt["bytes"] == SEED.hex()
    proc = cli("--hex", "-", "-T", "jsonl", "-x", input=text.encode())
    assert proc.returncode == 0 and proc.stderr == b""
    assert json.loads(proc.stdout)["bytes"] == SEED.hex()


ETH_FRAME = bytes.fromhex("02000a c80002 02000a c80001 0800".replace(" ", "")) + SEED


def test_linktype_guess_and_override() -> None:
    (pkt,), _ = hex_json("--hex", ETH_FRAME.hex(" "))
    assert pkt["linktype"] == 1
    assert [x["protocol"] for x in pkt["layers"]][:3] == ["frame", "eth", "ip"]
    (pkt,), _ = hex_json("--hex", ETH_FRAME.hex(" "), "--linktype", "147")
    assert pkt["linktype"] == 147 and [x["protocol"] for x in pkt["layers"]] == ["frame", "data"]
    (pkt,), _ = hex_json("--hex", SEED.hex(), "--linktype", "ether")
    assert pkt["linktype"] == 1 and pkt["layers"][1]["protocol"] == "eth"
    (pkt,), _ = hex_json("--hex", SEED.hex(), "--linktype", "0xe4")
    assert pkt["linktype"] == 228


def test_unknown_linktype_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--hex", "00", "--linktype", "bogus"])
    assert exc.value.code == 2
    assert "unknown link type 'bogus'" in capsys.readouterr().err


def test_ignored_lines_reported_once_on_stderr() -> None:
    text = "here is the packet:\n" + ETH_FRAME[:60].hex(" ") + "\nthanks!\n"
    rc, out, err = run("--hex", text)
    assert rc == 0 and len(lines(out)) == 1
    assert lines(err) == [
        "layerscope: warning: ignored 2 line(s) that are not hex data (first: 'here is the packet:')"
    ]


def test_hex_without_bytes_is_an_error() -> None:
    rc, out, err = run("--hex", "no hex here, sorry")
    assert rc == 2 and out == ""
    assert lines(err)[-1] == "layerscope: error: no hex bytes found in the pasted text"
    assert len([r for r in lines(err) if r.startswith("layerscope: error:")]) == 1


# -- errors and warnings ------------------------------------------------------------------
def one_error_line(stderr: bytes | str) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text
    (line,) = lines(text)
    assert line.startswith("layerscope: error: ")
    return line


def test_non_capture_file_exit_2_one_line(tmp_path: Path) -> None:
    rc, out, err = run("-r", str(ROOT / "README.md"))
    assert rc == 2 and out == ""
    assert "README.md: not a pcap or pcapng file" in one_error_line(err)
    proc = cli("-r", "README.md")
    assert proc.returncode == 2 and proc.stdout == b""
    assert (
        one_error_line(proc.stderr)
        == "layerscope: error: README.md: not a pcap or pcapng file (magic 0x23206c61)"
    )
    for path in (tmp_path / "missing.pcap", tmp_path):
        proc = cli("-r", str(path))
        assert proc.returncode == 2 and proc.stdout == b""
        assert str(path) in one_error_line(proc.stderr)


def test_truncated_last_record_packets_then_one_warning(tmp_path: Path) -> None:
    frames = sample_frames()[:10]
    whole = write_pcap(tmp_path / "whole.pcap", frames).read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole[:-20])  # the last record loses 20 bytes
    rc, out, err = run("-r", str(cut))
    assert rc == 0 and len(lines(out)) == 9
    (warning,) = lines(err)
    assert warning.startswith("layerscope: warning: truncated last record")
    merged = cli("-r", str(cut), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rows = lines(merged.stdout.decode())
    assert merged.returncode == 0 and len(rows) == 10
    assert rows[-1] == warning  # after every packet


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    frames = sample_frames()
    big = write_pcap(tmp_path / "big.pcap", [frames[i % len(frames)] for i in range(20000)])
    for extra in ([], ["-V", "-x"], ["-T", "json"]):
        producer = subprocess.Popen(
            [str(SCRIPT), "-r", str(big), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        head = subprocess.Popen(["head", "-1"], stdin=producer.stdout, stdout=subprocess.PIPE)
        assert producer.stdout is not None and producer.stderr is not None
        producer.stdout.close()  # head owns the read end now
        first, _ = head.communicate(timeout=120)
        err = producer.stderr.read()
        producer.stderr.close()
        assert producer.wait(timeout=120) == 0, (extra, err)
        assert err == b"", (extra, err)
        assert len(first.splitlines()) == 1


FULL = Path("/dev/full")  # every write fails with ENOSPC
NO_SPACE = "layerscope: error: writing output: No space left on device"


@pytest.fixture(scope="module")
def big_capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough packets for the forked workers (dissect/parallel.py MIN_PACKETS)."""
    frames = sample_frames()
    path = tmp_path_factory.mktemp("full") / "big.pcap"
    return write_pcap(path, [frames[i % len(frames)] for i in range(20000)])


def to_full(*argv: str, workers: int = 1) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LAYERSCOPE_WORKERS": str(workers)}
    with FULL.open("wb") as full:
        return cli(*argv, stdout=full, stderr=subprocess.PIPE, env=env)


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")
@pytest.mark.parametrize(
    "argv",
    [["-T", "json"], ["-T", "jsonl"], ["-V"], [], ["-x"], ["-q"], ["-c", "1"],
     ["-Y", "tcp", "-T", "json"], ["--hex", SEED.hex()], ["-D"]],
)  # fmt: skip
def test_full_disk_is_one_error_line(argv: list[str]) -> None:
    proc = to_full(*(argv if argv[:1] in (["--hex"], ["-D"]) else ["-r", str(SAMPLE), *argv]))
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == NO_SPACE


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")
@pytest.mark.parametrize("flags", [[], ["-V"], ["-x"], ["-T", "json"], ["-T", "jsonl"]])
def test_full_disk_in_parallel_mode(big_capture: Path, flags: list[str]) -> None:
    proc = to_full("-r", str(big_capture), *flags, workers=2)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == NO_SPACE


def test_output_error_keeps_an_input_error_line(tmp_path: Path) -> None:
    """A read error, then the JSON array cannot be closed: both are said, one line each."""

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    err = io.StringIO()
    args = build_parser().parse_args(["-r", str(tmp_path / "missing.pcap"), "-T", "json"])
    with pytest.raises(OutputError) as exc:
        run_batch(args, out=Full(), err=err)
    assert "missing.pcap" in one_error_line(err.getvalue())
    assert exc.value.cause.errno == errno.ENOSPC


# -- --version and the demo ---------------------------------------------------------------
def test_version_prints_and_imports_neither_textual_nor_scapy() -> None:
    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode() == f"layerscope {__version__} (engine: {engine_description()})\n"
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['layerscope', '--version']\n"
        "try:\n"
        "    runpy.run_module('tui.main', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "print('loaded:', sorted(m for m in ('textual', 'scapy') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    version = f"layerscope {__version__} (engine: {engine_description()})"
    assert proc.stdout.decode().splitlines() == [version, "loaded: []"]


def test_module_entry_point_runs_batch_mode() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tui.main", "-r", str(SAMPLE), "-c", "2"],
        capture_output=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == b""
    assert len(proc.stdout.splitlines()) == 2


def test_the_command_exits_without_teardown_yet_loses_nothing(tmp_path: Path) -> None:
    """tui.main.run() ends with os._exit (exit_now): the atexit functions still run and
    everything written reaches the pipe, the exit status is main()'s; with another thread
    running it exits as usual."""
    mark = tmp_path / "atexit"
    probe = (
        "import atexit, sys, threading, time\n"
        f"atexit.register(lambda: open({str(mark)!r}, 'w').write('ran'))\n"
        "sys.argv = ['layerscope', '-r', sys.argv[1]] + sys.argv[2:]\n"
        "if '--thread' in sys.argv:\n"
        "    sys.argv.remove('--thread')\n"
        "    threading.Thread(target=time.sleep, args=(0.2,)).start()\n"
        "import tui.main\n"
        "tui.main.run()\n"
    )
    whole = subprocess.run([sys.executable, "-m", "tui.main", "-r", str(SAMPLE), "-V"],
                           capture_output=True, cwd=ROOT, timeout=60).stdout  # fmt: skip
    for extra in ([], ["--thread"]):
        mark.unlink(missing_ok=True)
        proc = subprocess.run([sys.executable, "-c", probe, str(SAMPLE), "-V", *extra],
                              capture_output=True, cwd=ROOT, timeout=60)  # fmt: skip
        assert (proc.returncode, proc.stderr, proc.stdout) == (0, b"", whole)
        assert mark.read_text() == "ran"
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "none.pcap")],
                          capture_output=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.returncode == 2 and b"No such file" in proc.stderr


def test_demo_prints_the_http_get_packet() -> None:
    rc, out, err = run()
    assert (rc, err) == (0, "")
    (row,) = lines(out)
    assert "172.22.178.76 → 18.220.149.166" in row and "HTTP" in row and "GET / HTTP/1.1" in row
    rc, out, _ = run("-V")
    assert "Host: waf.cs.illinois.edu" in out and "Wget/1.20.3 (linux-gnu)" in out


def test_piped_text_has_no_escape_bytes() -> None:
    proc = cli("-r", str(SAMPLE), "-V", "-x", env={**os.environ, "TERM": "xterm-256color"})
    assert proc.returncode == 0 and len(proc.stdout) > 10000
    assert b"\x1b" not in proc.stdout and b"\x1b" not in proc.stderr


# -- hostile payloads: escape sequences and Rich markup stay inert ------------------------
def hostile_frames() -> list[bytes]:
    """Ethernet/IPv4 frames whose text fields and payload carry ESC, OSC, 8-bit CSI, markup."""

    def frame(proto: int, l4: bytes, payload: bytes) -> bytes:
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4) + len(payload), 1, 0x4000, 64, proto, 0,
            bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]),
        )  # fmt: skip
        return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + l4 + payload

    http = (b"GET /" + HOSTILE.replace(b" ", b"_") + b" HTTP/1.1\r\nHost: " + HOSTILE
            + b"\r\nUser-Agent: " + HOSTILE + b"\r\n\r\n")  # fmt: skip
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x18, 512, 0, 0)
    label = b"a\x1b[31m[bold]\x9b"
    dns = struct.pack("!HHHHHH", 0x1A2B, 0x0100, 1, 0, 0, 0) + bytes([len(label)]) + label
    dns += b"\x05[/b]\x00\x00\x01\x00\x01"
    data = HOSTILE + b" " + HOSTILE

    def udp(port: int, body: bytes) -> bytes:
        return struct.pack("!HHHH", 40000, port, 8 + len(body), 0)

    return [
        frame(6, tcp, http),
        frame(17, udp(53, dns), dns),
        frame(17, udp(9, data), data),
    ]


@pytest.fixture
def hostile_pcap(tmp_path: Path) -> Path:
    return write_pcap(tmp_path / "hostile.pcap", hostile_frames())


def assert_inert(out: bytes, *, markup: bool = True) -> None:
    assert b"\x1b" not in out and b"\x07" not in out and b"\x9b" not in out
    text = out.decode("utf-8")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)  # no C0 but \n, no DEL, no C1
    if markup:
        for m in MARKUP:
            assert m in text, m  # printed literally, not interpreted


@pytest.mark.parametrize("flags", [[], ["-V"], ["-x"], ["-V", "-x", "--spans"]])
def test_hostile_payload_inert_when_piped(hostile_pcap: Path, flags: list[str]) -> None:
    rc, out, err = run("-r", str(hostile_pcap), *flags)
    assert (rc, err) == (0, "")
    assert_inert(out.encode())
    rows = lines(out)
    assert "[@click=app.quit]" in rows[0]  # the HTTP request line in the Info column
    if flags == ["-x"]:  # the hex column keeps the bytes; ESC and 0x9b are dots beside it
        blocks = [b for b in out.split("\n\n") if b.strip()]
        for block, frame in zip(blocks, hostile_frames(), strict=True):
            assert parse_hex_rows(lines(block)[1:]) == frame


def read_pty(argv: list[str], columns: int = 400) -> tuple[int, bytes, bytes]:
    """Run argv with stdout on a pseudo-terminal; (exit code, terminal bytes, stderr)."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", COLUMNS=str(columns))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
                            cwd=ROOT, env=env)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("no output from the terminal for 60 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    return proc.wait(timeout=60), b"".join(chunks), err


SGR = re.compile(rb"\x1b\[[0-9;]*m")  # the colours Rich itself writes


@pytest.mark.parametrize("flags", [["--print"], ["-V"], ["-x"]])
def test_hostile_payload_inert_on_a_terminal(hostile_pcap: Path, flags: list[str]) -> None:
    rc, out, err = read_pty([str(SCRIPT), "-r", str(hostile_pcap), *flags])
    assert rc == 0 and b"Traceback" not in err, err
    assert SGR.search(out), "expected Rich colours on a terminal"
    plain = SGR.sub(b"", out).replace(b"\r\n", b"\n")  # the tty turns \n into \r\n
    assert_inert(plain)
    assert b"\x1b]" not in out and b"\x07" not in out


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux script(1) not installed")
def test_hostile_payload_inert_under_script(hostile_pcap: Path) -> None:
    cmd = f"{SCRIPT} -r {hostile_pcap} -V -x"
    proc = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "400"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    plain = SGR.sub(b"", proc.stdout).replace(b"\r\n", b"\n")
    assert_inert(plain)


def test_pcapng_comment_and_interface_text_inert(tmp_path: Path) -> None:
    """A pcapng comment is file text shown as a Str field: escaped in -V like packet text."""
    from dissect.readers.writer import PcapngWriter

    evil = HOSTILE.decode("latin-1")
    path = tmp_path / "comment.pcapng"
    with PcapngWriter(path, comment=evil) as w:
        w.add_interface(1, name=evil)
        w.write(hostile_frames()[2], T0, comment=evil)
    rc, out, err = run("-r", str(path), "-V", "-x")
    assert (rc, err) == (0, "")
    assert_inert(out.encode())
    assert "Comment: \\x1b[31mRED" in out
    rc, out, _ = run("-r", str(path), "-T", "json")
    assert json.loads(out)[0]["layers"][0]["fields"][-1]["value"] == evil  # JSON keeps the text


def test_error_line_quotes_file_name_inert(tmp_path: Path) -> None:
    path = tmp_path / "\x1b]0;pwned\x07.pcap"
    path.write_bytes(b"not a capture at all")
    proc = cli("-r", str(path))
    assert proc.returncode == 2 and b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr
    assert "\\x1b]0;pwned\\x07.pcap: not a pcap or pcapng file" in one_error_line(proc.stderr)


def test_hex_stdin_with_invalid_utf8_under_strict_locale() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    text = b"\xff\xfe pasted from a Latin-1 terminal\n" + SEED.hex(" ").encode() + b"\n"
    proc = cli("--hex", "-", "-T", "jsonl", "-x", input=text, env=env)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["bytes"] == SEED.hex()
    assert len(proc.stderr.splitlines()) == 1  # the ignored first line, reported once


def test_ascii_only_stdout_does_not_crash() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = cli("-r", str(SAMPLE), "-V", "-c", "3", env=env)
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    assert b"Who has 10.200.0.2? Tell 10.200.0.1" in proc.stdout


@pytest.mark.parametrize("count", ["-1", "ten"])
def test_bad_count_is_a_usage_error(count: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["-c", count])
    assert exc.value.code == 2
    assert "invalid packet count" in capsys.readouterr().err
