"""`--export-objects http,DIR` writes what tshark writes, with safe names only."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
from pathlib import Path

import pytest

from dissect.cli import build_parser, run_batch
from dissect.readers.writer import PcapWriter

DATA = Path(__file__).parent / "data" / "streams"
EXPECTED = json.loads((DATA / "export-objects.json").read_text())


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run_batch(build_parser().parse_args(list(argv)), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


@pytest.mark.parametrize("capture", sorted(EXPECTED))
def test_export_equals_tshark(capture: str, tmp_path: Path) -> None:
    rc, out, err = run("-r", str(DATA / capture), "-q", "--export-objects", f"http,{tmp_path}")
    assert rc == 0 and out == "", err
    assert digests(tmp_path) == EXPECTED[capture]


def frame(client: bool, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    sport, dport = (40000, 80) if client else (80, 40000)
    src, dst = (b"\x0a\0\0\x01", b"\x0a\0\0\x02") if client else (b"\x0a\0\0\x02", b"\x0a\0\0\x01")
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0, src, dst)
    return bytes(12) + b"\x08\x00" + ip + tcp + payload


def conversation(path: Path, uri: bytes, response: bytes) -> None:
    request = b"GET " + uri + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    with PcapWriter(str(path), 1) as w:
        steps = [(True, 100, 0, 0x02, b""), (False, 500, 101, 0x12, b""),
                 (True, 101, 501, 0x18, request)]  # fmt: skip
        seq = 501
        for k in range(0, len(response), 7):  # small segments: the body spans several
            steps.append((False, seq, 101 + len(request), 0x18, response[k : k + 7]))
            seq += len(response[k : k + 7])
        for n, (client, s, a, fl, p) in enumerate(steps):
            w.write(frame(client, s, a, fl, p), 1_700_000_000_000_000_000 + n * 1000)


def test_chunked_gzip_body_comes_out_plain(tmp_path: Path) -> None:
    body = b"hello, world\n" * 50
    packed = gzip.compress(body)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(packed[k : k + 100]), packed[k : k + 100])
                       for k in range(0, len(packed), 100)) + b"0\r\n\r\n"  # fmt: skip
    response = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
                b"\r\n" + chunked)  # fmt: skip
    cap = tmp_path / "c.pcap"
    conversation(cap, b"/files/report.txt?x=1", response)
    out = tmp_path / "out"
    assert run("-r", str(cap), "-q", "--export-objects", f"http,{out}")[0] == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {"report.txt%3fx=1": body}


@pytest.mark.parametrize("uri", [b"/../../etc/passwd", b"/a/..", b"/..", b"/x/%2e%2e%2fy",
                                 b"/\x1b[31mred", b"/dir/", b"/" + b"A" * 400,
                                 b"/\xff\xfe/../..\\..\\w"])  # fmt: skip
def test_no_name_leaves_the_directory(tmp_path: Path, uri: bytes) -> None:
    cap = tmp_path / "c.pcap"
    conversation(cap, uri, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "link").symlink_to(tmp_path / "elsewhere")
    assert run("-r", str(cap), "-q", "--export-objects", f"http,{out}")[0] == 0
    names = sorted(p.name for p in out.iterdir())
    new = [n for n in names if n not in ("sub", "link")]
    assert len(new) == 1 and len(new[0]) <= 255
    assert "/" not in new[0] and "\\" not in new[0] and new[0] not in (".", "..")
    assert new[0].isprintable() and (out / new[0]).read_bytes() == b"abc"
    assert not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pcap", "out"]


def test_bad_export_argument_is_one_error_line(tmp_path: Path) -> None:
    rc, out, err = run("-r", str(DATA / "dpkt_http.pcap"), "-q", "--export-objects", "smb,x")
    assert rc == 2 and out == "" and len(err.splitlines()) == 1 and "export-objects" in err
