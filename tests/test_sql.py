"""`layerscope sql "SELECT ..." OUTDIR`: DuckDB over an exported dataset, printed as a
table, CSV or JSON lines; packet text escaped; errors in one line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from dissect.readers.writer import PcapWriter

from .exportlib import json_packets, run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
JOIN = ("SELECT f.number, d.dns_qry_name[1] AS name FROM frames f JOIN dns d USING (file, number) "
        "ORDER BY f.number")  # fmt: skip


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("sql") / "out"
    code, _out, err = run(
        "export", str(SAMPLE), str(_hostile(outdir.parent)), "--parquet", str(outdir)
    )
    assert code == 0, err
    return outdir


def _hostile(folder: Path) -> Path:
    """An HTTP request whose URI holds an escape sequence and a newline."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    payload = b"GET /\x1b[31mred\x07\r\nX: y HTTP/1.1\r\nHost: a\r\n\r\n"
    frame = bytes(
        Ether()
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / TCP(sport=1234, dport=80, flags="PA")
        / payload
    )
    path = folder / "hostile.pcap"
    with PcapWriter(str(path), 1) as w:
        w.write(frame, 1_700_000_000_000_000_000)
    return path


def test_join_as_table(dataset: Path) -> None:
    code, out, err = run("sql", JOIN, str(dataset))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["number", "name"]
    dns = [
        p["number"]
        for p in json_packets(SAMPLE)
        if any(la["protocol"] == "dns" for la in p["layers"])
    ]
    assert [int(line.split()[0]) for line in lines[2:-1]] == dns
    assert all(line.split()[1] == "www.example.test" for line in lines[2:-1])
    assert lines[-1] == f"({len(dns)} rows)"


def test_csv_and_json(dataset: Path) -> None:
    query = "SELECT protocol, count(*) AS n FROM frames GROUP BY protocol ORDER BY protocol"
    code, out, _err = run("sql", query, str(dataset), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    code, out, _err = run("sql", query, str(dataset), "--format", "json")
    assert [json.loads(line) for line in out.splitlines()] == [
        {"protocol": r["protocol"], "n": int(r["n"])} for r in rows
    ]
    assert sum(int(r["n"]) for r in rows) == len(json_packets(SAMPLE)) + 1


def test_packet_text_is_escaped(dataset: Path) -> None:
    query = "SELECT info, http_request_uri FROM frames JOIN http USING (file, number) WHERE file LIKE '%hostile%'"
    for fmt in ("table", "csv", "json"):
        code, out, err = run("sql", query, str(dataset), "--format", fmt)
        assert code == 0, err
        assert "red" in out
        assert "\x1b" not in out and "\x07" not in out, fmt


def test_a_table_no_packet_filled_is_empty(dataset: Path) -> None:
    code, out, err = run(
        "sql",
        "SELECT count(*) AS n, max(ntp_stratum) AS s FROM ntp",
        str(dataset),
        "--format",
        "csv",
    )
    assert code == 0, err
    assert out.splitlines()[1] == "0,"


def test_errors_are_one_line(dataset: Path, tmp_path: Path) -> None:
    code, _out, err = run("sql", "SELEC nonsense", str(dataset))
    assert code == 2 and err.startswith("layerscope: error: sql: ") and err.count("\n") == 1
    code, _out, err = run("sql", "SELECT 1", str(tmp_path))
    assert code == 2 and "not a layerscope export" in err


def test_the_layerscope_command_runs_the_subcommands(
    dataset: Path, capsys: pytest.CaptureFixture
) -> None:
    from dissect import cli
    from tui import main

    for entry in (main.main, cli.main):
        assert (
            entry(
                ["sql", "SELECT count(*) AS packets FROM frames", str(dataset), "--format", "csv"]
            )
            == 0
        )
        assert capsys.readouterr().out.splitlines() == [
            "packets",
            str(len(json_packets(SAMPLE)) + 1),
        ]
    assert "layerscope export --help" in cli.build_parser().format_help()
