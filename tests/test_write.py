"""`-r FILE [-Y FILTER] -w OUT` (README "Saving what you filtered") and `-Y` on a live capture.

Inputs are the reader fixtures of tests/data/readers/ (ATTRIBUTION.md there): gopacket's
test102.pcapng (three interfaces, comments), PcapPlusPlus's many_interfaces-1.pcapng
(interfaces of two link types), nanosecs_big_endian.pcap and the arkime capture of
tests/data/stats/. What was written is read back with our index and, when installed,
with tshark.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from dissect.cli import build_parser, finish_args, run_batch
from dissect.index import open_capture
from dissect.linktypes import custom_block
from tests.test_live import UDP_PORT, Cli, needs_root, netns, send  # noqa: F401  (fixture)

DATA = Path(__file__).parent / "data"
MULTI = DATA / "readers" / "gopacket" / "le" / "test102.pcapng"
THREE = DATA / "readers" / "gopacket" / "le" / "test101.pcapng"
TWO_LINKTYPES = DATA / "readers" / "many_interfaces-1.pcapng"
NANO = DATA / "readers" / "nanosecs_big_endian.pcap"
HTTP = DATA / "stats" / "http-simple-get.pcap"


def run(*argv: str) -> tuple[int, str, str]:
    p = build_parser()
    args = finish_args(p, p.parse_args(list(argv)))
    out, err = io.StringIO(), io.StringIO()
    return run_batch(args, out=out, err=err), out.getvalue(), err.getvalue()


def records(path: Path) -> list:
    with open_capture(str(path)) as idx:
        return list(idx)


def test_filtered_packets_written_as_pcap_keep_bytes_and_times(tmp_path: Path) -> None:
    out = tmp_path / "get.pcap"
    rc, printed, err = run("-r", str(HTTP), "-Y", "tcp.len > 0", "-w", str(out))
    assert (rc, printed, err) == (0, "", "")
    src = {r.number: r for r in records(HTTP)}
    got = records(out)
    shown = run("-r", str(HTTP), "-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.number")[1]
    kept = [src[int(n)] for n in shown.split()]
    assert len(got) == len(kept) == 5
    assert [(r.data, r.time_ns, r.wirelen) for r in got] == [
        (r.data, r.time_ns, r.wirelen) for r in kept
    ]
    assert out.read_bytes()[:4] == bytes.fromhex("d4c3b2a1")  # microsecond pcap, as the source


def test_pcapng_keeps_interfaces_and_comments(tmp_path: Path) -> None:
    out = tmp_path / "all.pcapng"
    rc, _, err = run("-r", str(MULTI), "-w", str(out))
    assert rc == 0, err
    # its custom blocks are written back, except the one that must not be copied
    src = [r for r in records(MULTI) if custom_block(r.linktype) in (None, (32473, True))]
    got = records(out)
    assert len(src) == 6 and custom_block(got[0].linktype) == (32473, True)
    assert [(r.data, r.time_ns, r.interface, r.comment, r.linktype) for r in got] == [
        (r.data, r.time_ns, r.interface, r.comment, r.linktype) for r in src
    ]
    with open_capture(str(MULTI)) as a, open_capture(str(out)) as b:
        a.index_all(), b.index_all()
        assert [(i.linktype, i.name, i.tsresol) for i in b.interfaces] == [
            (i.linktype, i.name, i.tsresol) for i in a.interfaces
        ]


def test_packet_comments_are_kept(tmp_path: Path) -> None:
    from dissect.readers.writer import PcapngWriter

    src = tmp_path / "commented.pcapng"
    frame = bytes.fromhex("ffffffffffff020000000001080045000014000100004011f9d97f0000017f000001")
    with PcapngWriter(src) as w:
        w.add_interface(1, name="eth0")
        w.write(frame, 10**18, comment="first")
        w.write(frame, 10**18 + 5, comment="second \u00e9")
    out = tmp_path / "out.pcapng"
    assert run("-r", str(src), "-Y", "frame.number == 2", "-w", str(out))[0] == 0
    assert [(r.comment, r.time_ns) for r in records(out)] == [("second \u00e9", 10**18 + 5)]


def test_nanosecond_times_are_kept_in_pcap(tmp_path: Path) -> None:
    out = tmp_path / "ns.pcap"
    assert run("-r", str(NANO), "-w", str(out))[0] == 0
    assert [r.time_ns for r in records(out)] == [r.time_ns for r in records(NANO)]
    assert any(r.time_ns % 1000 for r in records(out))


def test_count_bounds_what_is_written(tmp_path: Path) -> None:
    out = tmp_path / "three.pcapng"
    assert run("-r", str(HTTP), "-c", "3", "-w", str(out))[0] == 0
    assert [r.number for r in records(out)] == [1, 2, 3]


def test_format_from_F_over_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "x.pcap"
    assert run("-r", str(HTTP), "-F", "pcapng", "-w", str(out))[0] == 0
    assert out.read_bytes()[:4] == bytes.fromhex("0a0d0d0a")


def test_two_link_types_into_pcap_is_one_error_line(tmp_path: Path) -> None:
    out = tmp_path / "x.pcap"
    rc, _, err = run("-r", str(TWO_LINKTYPES), "-w", str(out))
    assert rc == 2 and err.count("\n") == 1 and "-F pcapng" in err
    assert run("-r", str(TWO_LINKTYPES), "-w", str(tmp_path / "x.pcapng"))[0] == 0


def test_writing_over_the_input_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "in.pcap"
    shutil.copy(HTTP, copy)
    rc, _, err = run("-r", str(copy), "-w", str(copy))
    assert rc == 2 and "being read" in err and copy.read_bytes() == HTTP.read_bytes()


def test_nothing_matching_still_writes_a_valid_file(tmp_path: Path) -> None:
    out = tmp_path / "none.pcapng"
    assert run("-r", str(HTTP), "-Y", "udp", "-w", str(out))[0] == 0
    assert records(out) == []


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_what_we_wrote(tmp_path: Path) -> None:
    out = tmp_path / "multi.pcapng"
    assert run("-r", str(THREE), "-Y", "frame.number > 1", "-w", str(out))[0] == 0
    res = subprocess.run(["tshark", "-r", str(out), "-T", "fields", "-e", "frame.interface_id",
                          "-e", "frame.comment"], capture_output=True, text=True, timeout=60)  # fmt: skip
    theirs = subprocess.run(["tshark", "-r", str(THREE), "-Y", "frame.number > 1", "-T", "fields",
                             "-e", "frame.interface_id", "-e", "frame.comment"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert res.returncode == 0 and res.stdout == theirs.stdout and "2\t" in res.stdout


# -- -Y on a live capture (root: its own namespace's loopback) ---------------------------------------
@needs_root
def test_display_filter_applies_to_a_live_capture(netns: str) -> None:  # noqa: F811
    cli = Cli(netns, "-i", "lo", "--print", "-Y", 'frame contains "layerscope 00000"', "udp")
    send(netns, "127.0.0.1", 30)
    stdout, err, status = cli.finish()
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert status == 0 and len(lines) == 10, stdout + err
    assert all("UDP" in line and f"→ {UDP_PORT}" in line for line in lines)
