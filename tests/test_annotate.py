"""Annotated export (dissect/annotate.py): Markdown, HTML and SVG of one packet with layer
colours and field spans, from the CLI (`--annotate N --format ...`); untrusted bytes inert."""

from __future__ import annotations

import asyncio
import html.parser
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from dissect.annotate import annotate, byte_owners, spanned_fields
from dissect.engine import PROTOCOLS, Packet, decode, inet_checksum
from dissect.index import open_capture
from tests.test_tui import settle
from tui.app import LayerscopeApp
from tui.main import main
from tui.source import PacketSource
from tui.teaching import AskScreen

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "captures" / "http-get.pcap"
SVG = "{http://www.w3.org/2000/svg}"


def demo_packet() -> Packet:
    idx = open_capture(str(DEMO))
    try:
        rec = next(iter(idx))
        return decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
    finally:
        idx.close()


def hostile_packet() -> Packet:
    """HTTP whose header values carry markup, a script tag and terminal escapes."""
    body = (b"GET /<script>alert(1)</script> HTTP/1.1\r\nHost: [red]x[/red]\x1b[31m&amp;"
            b"\"'<b>\r\nX-A: `|*_\r\n\r\n")  # fmt: skip
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 1, 0x50, 0x18, 8192, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(body), 1, 0x4000, 64, 6, 0,
                     bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))  # fmt: skip
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    return decode(ip + tcp + body, 228, strict=True)


def test_every_byte_is_owned_by_the_innermost_layer_that_holds_it() -> None:
    pkt = demo_packet()
    names = [pkt.layers[i].protocol.name for i in byte_owners(pkt)]
    assert names[:20] == ["ip"] * 20 and names[20:52] == ["tcp"] * 32
    assert set(names[52:]) == {"http"} and len(names) == pkt.caplen == 198
    ttl = next(f for f in spanned_fields(pkt) if f.name == "ip.ttl")
    assert (ttl.pos, ttl.length, ttl.text) == (8, 1, "Time to Live: 64")
    flags = next(f for f in spanned_fields(pkt) if f.name == "ip.flags.df")
    assert (flags.pos, flags.length, flags.mask, flags.depth) == (6, 1, 0x40, 1)


def test_markdown_lists_layers_bytes_and_field_spans() -> None:
    text = annotate(demo_packet(), "md")
    assert text.startswith("# Packet 1: 198 bytes, RAW:IPv4:TCP:HTTP\n")
    assert f"`{PROTOCOLS['tcp'].colour}`" in text
    assert "0030  31 d4 da ac 47 45 54 20  2f 20 48 54 54 50 2f 31  1...GET / HTTP/1" in text
    assert "      tc tc tc tc ht ht ht ht  ht ht ht ht ht ht ht ht" in text
    assert "| 8 | 1 |  | IPv4 | ip.ttl | Time to Live: 64 |" in text
    assert "| 6 | 1 | 0x40 | IPv4 | &nbsp;&nbsp;ip.flags.df |" in text


def test_markdown_cells_are_inert() -> None:
    text = annotate(hostile_packet(), "md")
    assert "<script>" not in text and "\x1b" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "\\`\\|\\*\\_" in text


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.spans: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "span":
            self.spans.append((a.get("class") or "", a.get("title") or ""))


def test_html_tints_each_byte_and_names_its_field() -> None:
    pkt = demo_packet()
    doc = annotate(pkt, "html")
    parser = Tags()
    parser.feed(doc)
    assert len(parser.spans) == 198
    tcp = pkt.layers.index(pkt.layer("tcp"))
    assert parser.spans[20] == (f"b l{tcp}", "tcp.srcport: Source Port: 47866")
    assert f".l{tcp}{{background:{PROTOCOLS['tcp'].colour}55}}" in doc
    assert "<td>ip.ttl</td><td>Time to Live: 64</td>" in doc


def test_html_escapes_everything_from_the_packet() -> None:
    parser = Tags()
    doc = annotate(hostile_packet(), "html")
    parser.feed(doc)
    assert "script" not in parser.tags and "b" not in parser.tags
    assert "\x1b" not in doc and "[red]x[/red]" in doc  # no Rich markup is interpreted either
    assert set(parser.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2",
                                "ul", "li", "pre", "span", "table", "tr", "th", "td"}  # fmt: skip


def test_svg_is_well_formed_with_one_cell_per_byte_in_its_layers_colour() -> None:
    pkt = demo_packet()
    root = ET.fromstring(annotate(pkt, "svg"))
    cells = [g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g")]
    assert len(cells) == 198
    assert cells[0].get("fill") == PROTOCOLS["ip"].colour
    assert cells[20].get("fill") == PROTOCOLS["tcp"].colour
    assert cells[60].get("fill") == PROTOCOLS["http"].colour
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "[8:1] ip.ttl: Time to Live: 64" in texts


def test_svg_escapes_everything_from_the_packet() -> None:
    doc = annotate(hostile_packet(), "svg")
    root = ET.fromstring(doc)  # well-formed: no control character, no stray tag
    assert {el.tag for el in root.iter()} == {f"{SVG}{t}" for t in ("svg", "rect", "text", "g",
                                                                   "title")}  # fmt: skip
    assert "\x1b" not in doc and "<script" not in doc


@pytest.mark.parametrize("fmt", ["md", "html", "svg"])
def test_cli_annotate_prints_the_document(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--annotate", "1", "--format", fmt, str(DEMO)]) == 0
    assert capsys.readouterr().out == annotate(demo_packet(), fmt)


def test_cli_annotate_past_the_last_packet_is_one_error_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--annotate", "5", str(DEMO)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the input has 1 packet(s)" in err


def test_export_key_writes_the_selected_packet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    shown = []

    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown.append(app.screen.packet)  # with the stream pass's fields by now
            await pilot.press("A")
            ask = app.screen
            assert isinstance(ask, AskScreen)
            assert ask.query_one(Input).value == "packet-1.html"
            ask.query_one(Select).value = "svg"  # the selector swaps the extension
            await pilot.pause()
            assert ask.query_one(Input).value == "packet-1.svg"
            await pilot.press("enter")
            await pilot.pause()

    asyncio.run(main())
    assert (tmp_path / "packet-1.svg").read_text() == annotate(shown[0], "svg")
    assert shown[0].number == demo_packet().number
