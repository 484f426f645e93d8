"""tshark's scripting flags (README "tshark's flags"): -T fields -e/-E, -T csv, -G, -t,
-n, -O, -l, tcpdump's -A/-X, and one error line for an option that cannot apply.

Fixtures in tests/data/stats/ (README there): tshark 4.0.17 output on two arkime corpus
captures, made with `-n -o tcp.desegment_tcp_streams:FALSE`; tcpdump's -A/-X output.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from dissect.cli import build_parser, finish_args, run_batch

DATA = Path(__file__).parent / "data" / "stats"
HTTP = DATA / "http-simple-get.pcap"
DNS = DATA / "dns-mx.pcap"
HTTP_FIELDS = ("frame.number frame.time_epoch frame.time_relative frame.time_delta frame.len "
               "eth.src eth.type ip.src ip.dst ip.flags ip.flags.df ip.dsfield ip.ttl ip.proto "
               "ip.checksum tcp.srcport tcp.dstport tcp.flags tcp.flags.syn tcp.window_size_value "
               "tcp.options.mss_val http.request.method http.request.uri "
               "http.response.code").split()  # fmt: skip


def run(*argv: str) -> tuple[int, str, str]:
    p = build_parser()
    args = finish_args(p, p.parse_args(list(argv)))
    out, err = io.StringIO(), io.StringIO()
    rc = run_batch(args, out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def fields_args(*names: str) -> list[str]:
    return [a for n in names for a in ("-e", n)]


# -- -T fields ----------------------------------------------------------------------------------
def test_fields_equal_tshark() -> None:
    rc, out, err = run(  # the fixture's preference: each segment alone
        "-r", str(HTTP), "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields",
        "-E", "header=y", *fields_args(*HTTP_FIELDS),
    )  # fmt: skip
    assert (rc, err) == (0, "")
    assert out == (DATA / "http-simple-get.fields.txt").read_text()


def test_fields_options_equal_tshark() -> None:
    opts = ["-E", "header=y", "-E", "separator=,", "-E", "quote=d", "-E", "occurrence=a",
            "-E", "aggregator=;"]  # fmt: skip
    names = "frame.number ip.src udp.dstport dns.flags.response dns.qry.name dns.a dns.resp.ttl"
    rc, out, _ = run("-r", str(DNS), "-T", "fields", *opts, *fields_args(*names.split()))
    assert rc == 0 and out == (DATA / "dns-mx.fields-all.txt").read_text()
    opts = ["-E", "quote=s", "-E", "occurrence=l"]
    rc, out, _ = run("-r", str(DNS), "-T", "fields", *opts, *fields_args("dns.resp.ttl", "dns.a"))
    assert rc == 0 and out == (DATA / "dns-mx.fields-last.txt").read_text()


def test_fields_nth_occurrence_and_space_separator() -> None:
    rc, out, _ = run("-r", str(DNS), "-T", "fields", "-E", "occurrence=2", "-E", "separator=/s",
                     *fields_args("frame.number", "dns.resp.ttl"))  # fmt: skip
    assert rc == 0 and out == " \n 3600\n"  # the second occurrence of every field


def test_fields_packet_text_is_escaped(tmp_path: Path) -> None:
    from dissect.readers.writer import PcapWriter

    payload = b"GET /\x1b[31mred HTTP/1.1\r\nHost: a\r\n\r\n"
    ip = bytes.fromhex("4500") + (20 + 20 + len(payload)).to_bytes(2, "big")
    ip += bytes.fromhex("000040004006 0000 0a000001 0a000002")
    tcp = bytes.fromhex("c0000050 00000001 00000000 5018ffff 0000 0000")
    eth = bytes.fromhex("020000000002 020000000001 0800")
    path = tmp_path / "x.pcap"
    with PcapWriter(path, 1) as w:
        w.write(eth + ip + tcp + payload, 10**18)
    rc, out, _ = run("-r", str(path), "-T", "fields", "-e", "http.request.uri")
    assert rc == 0 and "\x1b" not in out and out.startswith("/\\x1b[31mred")


def test_unknown_field_is_one_error_line() -> None:
    rc, out, err = run("-r", str(HTTP), "-T", "fields", "-e", "ip.src", "-e", "tcp.nonexist")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "tcp.nonexist" in err and err.startswith("layerscope: error:")


def test_bad_field_option_is_one_error_line() -> None:
    rc, _, err = run("-r", str(HTTP), "-T", "fields", "-e", "ip.src", "-E", "quote=x")
    assert rc == 2 and "quote" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["-e", "ip.src"], "-T fields"),
        (["-T", "fields"], "-e FIELD"),
        (["-E", "header=y"], "-T fields"),
        (["-T", "json", "-A"], "-A"),
        (["-T", "fields", "-e", "ip.src", "-V"], "-V"),
        (["-T", "json", "-t", "ud"], "-t"),
        (["-w", "x.pcapng", "-V"], "-V"),
        (["-w", "x.pcapng", "-q"], "-q"),
        (["-F", "pcap"], "-w"),
        (["-T", "csv", "-z", "io,phs"], "-z"),
        (["-i", "lo", "-Y", "tcp", "-w", "x.pcap"], "-Y"),
        (["-i", "lo", "-z", "io,phs"], "-z"),
    ],
)
def test_option_that_cannot_apply_is_an_error(argv: list[str], says: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    p = build_parser()
    with pytest.raises(SystemExit) as exc:
        finish_args(p, p.parse_args(["-r", str(HTTP), *argv] if "-i" not in argv else argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("layerscope: error:") and says in last


# -- -T csv -------------------------------------------------------------------------------------
def test_csv_has_the_list_columns() -> None:
    rc, out, _ = run("-r", str(HTTP), "-T", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rc == 0 and rows[0] == ["No.", "Time", "Source", "Destination", "Protocol", "Length",
                                   "Info"]  # fmt: skip
    assert len(rows) == 17 and rows[1][:6] == ["1", "0.000000", "10.180.156.141",
                                                "10.180.156.249", "TCP", "78"]  # fmt: skip
    assert rows[4][6] == "GET / HTTP/1.1" and out.startswith('"No.","Time"')


# -- -G -------------------------------------------------------------------------------------------
def test_glossary_fields_lists_every_field() -> None:
    from dissect.engine import FIELDS

    rc, out, _ = run("-G", "fields")
    rows = [line.split("\t") for line in out.splitlines()]
    fields = {r[2]: r for r in rows if r[0] == "F"}
    assert rc == 0 and set(fields) == set(FIELDS)
    assert fields["ip.src"][1:5] == ["Source Address", "ip.src", "FT_IPv4", "ip"]
    assert fields["tcp.flags"][3] == "FT_UINT16" and fields["tcp.flags"][6] == "BASE_HEX"
    assert fields["ip.flags.df"][3] == "FT_BOOLEAN" and fields["ip.flags.df"][8] == "Network"
    protos = {r[2]: r for r in rows if r[0] == "P"}
    assert protos["tcp"][1] == "Transmission Control Protocol" and protos["tcp"][3] == "Transport"


def test_glossary_protocols() -> None:
    rc, out, _ = run("-G", "protocols")
    rows = {line.split("\t")[2]: line.split("\t") for line in out.splitlines()}
    assert rc == 0 and rows["ip"] == ["Internet Protocol Version 4", "IPv4", "ip", "Network"]


# -- -t -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["r", "u", "ud", "e", "d", "dd"])
def test_time_formats_equal_tshark(fmt: str) -> None:
    rc, out, _ = run("-r", str(HTTP), "-Y", "tcp.len > 0", "-t", fmt, "-T", "fields",
                     "-e", "frame.number", "-e", "_ws.col.Time")  # fmt: skip
    assert rc == 0 and out == (DATA / f"http-simple-get.time-{fmt}.txt").read_text()


def test_time_format_in_the_text_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        rc, out, _ = run("-r", str(HTTP), "-c", "2", "-t", "ad")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    rows = out.splitlines()
    assert rc == 0 and rows[1].split()[1:3] == ["2013-11-25", "14:55:58.382625"]
    assert "10.180.156.249 → 10.180.156.141" in rows[1]


# -- -n, -O, -l, -A, -X ------------------------------------------------------------------------------
def test_n_is_accepted_and_changes_nothing() -> None:
    assert run("-r", str(HTTP), "-n")[1] == run("-r", str(HTTP))[1]


def test_O_expands_only_the_named_protocols() -> None:
    rc, out, _ = run("-r", str(HTTP), "-c", "1", "-O", "tcp")
    rows = out.splitlines()
    assert rc == 0 and any("Source Port: 61450" in r for r in rows)
    assert any("Internet Protocol Version 4, Src: 10.180.156.141" in r for r in rows)
    assert not any("Time to Live" in r for r in rows)  # ip collapsed to its title
    assert not any("Destination:" in r and "00:13:72" in r for r in rows)


def test_l_flushes_after_each_packet() -> None:
    class Counting(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            Counting.flushes += 1

    p = build_parser()
    args = finish_args(p, p.parse_args(["-r", str(HTTP), "-l", "-Y", "tcp"]))
    out = Counting()
    assert run_batch(args, out=out, err=io.StringIO()) == 0
    assert Counting.flushes >= 16


def test_X_is_tcpdumps_hex_and_ascii() -> None:
    rc, out, _ = run("-r", str(HTTP), "-c", "4", "-X")
    ours = [line for line in out.splitlines() if line.startswith("\t")]
    assert rc == 0 and ours == (DATA / "http-simple-get.tcpdump-X.txt").read_text().splitlines()


def test_A_is_tcpdumps_ascii() -> None:
    rc, out, _ = run("-r", str(HTTP), "-c", "4", "-A")
    tcpdump = (DATA / "http-simple-get.tcpdump-A.txt").read_text()
    request = "GET / HTTP/1.1\nUser-Agent: curl/7.24.0 (x86_64-apple-darwin12.0)"
    assert rc == 0 and request in out and request in tcpdump
    assert "\r" not in out and "Host: xxxxxxxxxxxxx.xxx.com\nAccept: */*\n" in out


def test_fields_of_a_label_print_that_it_is_there() -> None:
    """A field that is only a label (tshark's FT_NONE, e.g. tcp.analysis.retransmission) prints
    "1" where present, as tshark does (it used to print an empty column), on the frames of
    tests/data/streams/arkime_wireshark-retrans.analysis.tsv (tshark's own output)."""
    capture = Path(__file__).parent / "data" / "streams" / "arkime_wireshark-retrans.pcap"
    want = [
        row.split("\t")[1] for row in capture.with_suffix(".analysis.tsv").read_text().splitlines()
    ]
    rc, out, _ = run("-n", "-r", str(capture), "-T", "fields", "-e", "tcp.analysis.retransmission")
    assert rc == 0 and "1" in want
    assert out.splitlines() == want
