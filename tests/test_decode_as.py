"""Decode As: `-d TABLE==VALUE,PROTO` as tshark, rules added and taken back, and the
heuristics that find TLS, QUIC and HTTP/2 on any port."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from dissect import decode_as
from dissect.cli import build_parser, finish_args, run_batch
from dissect.engine import PROTOCOLS, TABLES, decode
from dissect.filter import compile_filter
from dissect.index import open_capture
from tests.spans import names
from tests.test_app_tcp import tcp_frame

WEB = Path(__file__).parent / "data" / "web"
H2C = WEB / "h2c.pcap"


@pytest.fixture(autouse=True)
def no_rules_left() -> Iterator[None]:
    yield
    decode_as.clear()


def frames(path: Path) -> list[bytes]:
    idx = open_capture(str(path))
    try:
        return [bytes(r.data) for r in idx]
    finally:
        idx.close()


def test_parse_accepts_tsharks_forms() -> None:
    assert decode_as.parse("tcp.port==8888,http") == decode_as.Rule("tcp.port", 8888, 8888, "http")
    assert decode_as.parse(" udp.port == 0x1000 , dns ").first == 4096
    assert decode_as.parse("tcp.port==8000-8002,http").keys == range(8000, 8003)
    assert decode_as.parse("tcp.port==8000:3,http").keys == range(8000, 8003)
    assert str(decode_as.parse("tcp.port==8000:3,http")) == "tcp.port==8000-8002,http"


@pytest.mark.parametrize("text", ["tcp.port=8888,http", "tcp.port==8888", "nope.port==1,http",
                                  "tcp.port==1,nope", "tcp.port==9-3,http", "tcp.port==x,http",
                                  "tcp.port==1,frame", "media_type==1,http",
                                  "tcp.port==0-999999,http"])  # fmt: skip
def test_parse_refuses_with_a_reason(text: str) -> None:
    with pytest.raises(decode_as.DecodeAsError, match="Decode As"):
        decode_as.parse(text)


def test_a_rule_decodes_and_its_removal_restores() -> None:
    segment = frames(H2C)[5]  # HEADERS on port 8080, which HTTP holds
    assert names(decode(segment, 1))[-1] != "http2"
    before = TABLES["tcp.port"][8080]
    rule = decode_as.parse("tcp.port==8080,http2")
    decode_as.add(rule)
    assert names(decode(segment, 1))[-1] == "http2"
    decode_as.remove(rule)
    assert TABLES["tcp.port"][8080] is before
    assert names(decode(segment, 1))[-1] != "http2"


def test_removing_a_rule_on_an_unbound_key_unbinds_it() -> None:
    rule = decode_as.parse("udp.port==4789,dns")
    had = 4789 in TABLES["udp.port"]
    decode_as.add(rule)
    decode_as.remove(rule)
    assert (4789 in TABLES["udp.port"]) == had


def test_overlapping_rules_unwind_in_order() -> None:
    a, b = decode_as.parse("tcp.port==9000,http"), decode_as.parse("tcp.port==9000,tls")
    decode_as.add(a)
    decode_as.add(b)
    assert TABLES["tcp.port"][9000] is PROTOCOLS["tls"]
    decode_as.remove(b)
    assert TABLES["tcp.port"][9000] is PROTOCOLS["http"]
    decode_as.remove(a)
    assert 9000 not in TABLES["tcp.port"]


def test_cli_d_option_reaches_the_output_and_the_bulk_filter() -> None:
    out, err = io.StringIO(), io.StringIO()
    p = build_parser()
    args = finish_args(p, p.parse_args(["-r", str(H2C), "-d", "tcp.port==8080,http2",
                                         "-Y", "http2.type == 1"]))  # fmt: skip
    assert run_batch(args, out, err) == 0
    rows = out.getvalue().splitlines()
    # tshark -d tcp.port==8080,http2 -Y 'http2.type == 1' lists frames 6, 10, 14 and 16: on
    # the second connection the HTTP/1.1 upgrade request read as HTTP/2 frames never
    # completes, and the segments after it are parts of that PDU, not decoded alone
    assert [r.split()[0] for r in rows] == ["6", "10", "14", "16"], rows
    assert all("HEADERS[" in r for r in rows), rows


def test_cli_bad_rule_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    p = build_parser()
    with pytest.raises(SystemExit) as exc:
        finish_args(p, p.parse_args(["-r", str(H2C), "-d", "tcp.port==8080,nope"]))
    assert exc.value.code == 2
    assert "Decode As 'tcp.port==8080,nope': no protocol 'nope'" in capsys.readouterr().err


def test_filters_plan_again_after_a_rule() -> None:
    flt = compile_filter("dns")
    frame = bytes.fromhex("001122334455 66778899aabb 0800") + _udp_ipv4(7777, bytes(12))
    assert not flt.match_frame(frame, 1)
    decode_as.add(decode_as.parse("udp.port==7777,dns"))
    assert compile_filter("dns").match_frame(frame, 1)


def _udp_ipv4(port: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))  # fmt: skip
    return ip + udp


# -- heuristics --------------------------------------------------------------------------------
def test_tls_found_by_its_record_header_on_any_port() -> None:
    hello = bytes.fromhex("16030100050100000100")  # a handshake record
    assert names(decode(tcp_frame(hello, 4444, 4445), 1))[-1] == "tls"


def test_quic_found_by_its_header_form_on_any_udp_port() -> None:
    quic = frames(WEB / "aioquic_initial.pcap")[0]
    moved = quic[:34] + struct.pack("!HH", 5555, 5556) + quic[38:40] + b"\0\0" + quic[42:]
    assert "quic" in names(decode(moved, 1))


def test_http2_found_by_its_preface_where_http_is() -> None:
    """Wireshark's HTTP/2 heuristic is HTTP's: on HTTP's ports the preface is HTTP/2 (HTTP
    gives it back); elsewhere tshark 4.0 shows data, and so does this."""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")
    assert names(decode(tcp_frame(preface, 40000, 80), 1))[-2:] == ["http2", "http2"]
    assert names(decode(tcp_frame(preface, 40000, 8080), 1))[-2:] == ["http2", "http2"]
    assert "http2" not in names(decode(tcp_frame(preface, 4444, 4445), 1))


def test_http2_after_an_upgrade_in_the_same_segment() -> None:
    reply = (b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
             + bytes.fromhex("000000040000000000"))  # fmt: skip
    pkt = decode(tcp_frame(reply, 80, 40000), 1)
    assert names(pkt)[-2:] == ["http", "http2"]
    assert pkt.layers[-1].pos == 54 + len(reply) - 9


# -- the TUI dialog --------------------------------------------------------------------------------
def test_tui_decode_as_dialog_adds_lists_and_removes() -> None:
    import asyncio

    from textual.widgets import OptionList, Select

    from tui.app import LayerscopeApp
    from tui.decode_as import DecodeAsScreen
    from tui.source import PacketSource
    from tui.widgets.packet_list import PacketList

    async def settle(pilot) -> None:  # noqa: ANN001
        for _ in range(4):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    async def main() -> None:
        source = PacketSource.open(str(H2C))
        # Decode As alone: without the stream pass, which would make the whole conversation
        # HTTP/2 from its preface (as tshark does) whatever the rules say
        source.stream_table = lambda *_: None  # type: ignore[method-assign]
        app = LayerscopeApp(source)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.screen.query_one(PacketList).cursor = 5  # HEADERS[1]: GET / on port 8080
            await settle(pilot)
            assert "http2" not in names(app.screen.packet)
            await pilot.press("d")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, DecodeAsScreen)
            keys = [prefix for _shown, prefix in dialog.keys]
            assert "tcp.port==8080" in keys and "ethertype==2048" in keys
            dialog.query_one("#key", Select).value = "tcp.port==8080"
            dialog.query_one("#protocol", Select).value = "http2"
            await pilot.click("#add")
            await pilot.pause()
            assert [str(r) for r in decode_as.RULES] == ["tcp.port==8080,http2"]
            assert dialog.query_one("#rules", OptionList).option_count == 1
            await pilot.click("#close")
            await settle(pilot)
            app.screen.query_one(PacketList).cursor = 5
            await settle(pilot)
            assert "http2" in names(app.screen.packet)
            await pilot.press("d")
            await pilot.pause()
            app.screen.query_one("#rules", OptionList).highlighted = 0
            await pilot.click("#remove")
            await pilot.pause()
            assert decode_as.RULES == []
            await pilot.press("escape")
            await settle(pilot)
            app.screen.query_one(PacketList).cursor = 5
            await settle(pilot)
            assert "http2" not in names(app.screen.packet)

    asyncio.run(main())
