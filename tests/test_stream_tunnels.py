"""Every TCP and UDP layer of a packet in a conversation of its own, as tshark numbers them:
a tunnel's outer UDP and the TCP or UDP inside it (Geneve, VXLAN, L2TP), and the header an
ICMP error quotes (tests/data/streams/*.layers.tsv, see the README there)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dissect import decode, open_capture
from dissect.cli import build_parser, run_batch
from dissect.streams import StreamTable, annotate
from dissect.streams.follow import follow

DATA = Path(__file__).parent / "data" / "streams"
CAPTURES = sorted(DATA.glob("*.layers.tsv"))
FIELDS = ("tcp.stream", "udp.stream", "tcp.seq", "tcp.ack", "tcp.nxtseq",
          "tcp.analysis.bytes_in_flight", "dns.response_to")  # fmt: skip


def capture_of(expected: Path) -> Path:
    return DATA / expected.name.replace(".layers.tsv", ".pcap")


@pytest.mark.parametrize("expected", CAPTURES, ids=lambda p: p.name.split(".")[0])
def test_every_transport_layer_has_its_stream_as_tshark(expected: Path) -> None:
    """-T fields with every occurrence: the outer UDP's udp.stream and the inner TCP's
    tcp.stream, relative numbers and bytes in flight (the inner TCP had none)."""
    argv = ["-n", "-r", str(capture_of(expected)), "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=,", "-e", "frame.number"]  # fmt: skip
    for name in FIELDS:
        argv += ["-e", name]
    out, err = io.StringIO(), io.StringIO()
    assert run_batch(build_parser().parse_args(argv), out, err) in (0, None), err.getvalue()
    assert out.getvalue().splitlines() == expected.read_text().splitlines()


def test_a_tunnel_packet_keeps_its_other_layers_aside() -> None:
    """The arrays hold one conversation a packet (the first TCP layer's, else the first
    UDP's); the outer ones of a tunnel's packets sit in a side table of those packets
    only, and the inner stream's frames are found through it."""
    idx = open_capture(DATA / "tcpdump_geneve.pcap")
    table = StreamTable.build(idx)
    rows = [line.split("\t") for line in (DATA / "tcpdump_geneve.layers.tsv").open()]
    both = {int(r[0]) - 1 for r in rows if r[1] and r[2]}  # tshark: TCP inside UDP
    assert set(table.others) == both and len(both) > 30
    assert all(len(rows) == 1 for rows in table.others.values())
    assert table.stream_of(2, "tcp") == 0 and table.stream_of(2, "udp") == 2
    assert table.frames("udp", 2) == [
        i for i in range(len(table)) if table.stream_of(i, "udp") == 2
    ]
    pkt = decode(idx.record(2).data, idx.record(2).linktype, number=3)
    annotate(pkt, table)
    assert pkt.layer("tcp").value("tcp.stream") == 0
    assert [la.value("udp.stream") for la in pkt.layers if la.protocol.name == "udp"] == [2]


def test_follow_of_the_tcp_inside_a_tunnel() -> None:
    idx = open_capture(DATA / "dpkt_nb6-http.pcap")
    followed = follow(idx, StreamTable.build(idx, analyse=False), "tcp", 2)
    assert str(followed.nodes[0][0]).startswith("2a00:5e80:")  # the inner IPv6 endpoints
    assert b"HTTP/1.1" in b"".join(c.data for c in followed.chunks)


def test_stream_check_skips_a_capture_tshark_cannot_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """tools/stream_check.py names a capture tshark refuses as skipped (it counted every
    packet of it as a difference)."""
    import importlib.util

    path = Path(__file__).parent.parent / "tools" / "stream_check.py"
    spec = importlib.util.spec_from_file_location("stream_check", path)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    refused = "tshark: The file contains record data that TShark doesn't support."

    def run_both(cmd: list[str], args: list[str]) -> tuple[str, str]:
        return ("", refused) if cmd == ["tshark"] else ("\t1\n", "")

    monkeypatch.setattr(tool, "run_both", run_both)
    totals = {"streams": [0, 0], "analysis": [0, 0], "follow": [0, 0], "skipped": 0}
    tool.check(DATA / "tunnels.pcap", totals, 100, 3)
    assert totals["skipped"] == 1 and totals["streams"] == [0, 0]
    assert "skipped, tshark cannot read it" in capsys.readouterr().out


def test_a_packet_decoded_without_its_inner_layers_keeps_the_primary_stream() -> None:
    """Decoded otherwise than in the pass (the inner layers not there), a tunnel's packet
    still gets the arrays' conversation: the outer UDP of a UDP-in-VXLAN packet."""
    idx = open_capture(DATA / "tunnels.pcap")
    table = StreamTable.build(idx)
    pkt = decode(idx.record(0).data, idx.record(0).linktype, number=1)
    del pkt.layers[[la.protocol.name for la in pkt.layers].index("vxlan") + 1 :]
    annotate(pkt, table)
    assert pkt.layer("udp").value("udp.stream") == 0
