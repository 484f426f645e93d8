"""The packet diagram (tui/diagram.py): RFC-style 32-bit rows, bit-exact from the fields'
spans and masks, in step with the tree."""

from __future__ import annotations

import asyncio

from rich.style import Style
from textual.app import App, ComposeResult

from tests.test_annotate import demo_packet
from tests.test_tui import settle
from tui.app import LayerscopeApp
from tui.diagram import RULER, DiagramPane, bit_range, boxes, diagram
from tui.source import PacketSource
from tui.widgets.field_tree import FieldTree

SIZE = (120, 50)


def test_ipv4_is_drawn_as_rfc_791_draws_it() -> None:
    ip = demo_packet().layer("ip")
    lines = diagram(ip).plain.splitlines()
    assert lines[1:3] == RULER.splitlines()
    border = "+" + "-+" * 32
    assert lines[3] == lines[5] == lines[13] == border
    # RFC 791 figure 4: version 4 bits, IHL 4, DS 6 + ECN 2, total length 16 ...
    assert lines[4] == "|Version|Header |Differentia|Exp|          Total Length         |"
    assert lines[6] == "|         Identification        |R|D|M|     Fragment Offset     |"
    assert lines[8] == "|  Time to Live |    Protocol   |        Header Checksum        |"
    assert lines[10].strip("|").strip() == "Source Address"
    assert len(lines) == 14


def test_bit_ranges_follow_the_masks() -> None:
    ip = demo_packet().layer("ip")
    assert bit_range(ip, ip.get("ip.version")) == (0, 4)
    assert bit_range(ip, ip.get("ip.hdr_len")) == (4, 4)
    assert bit_range(ip, ip.get("ip.dsfield.ecn")) == (14, 2)
    assert bit_range(ip, ip.get("ip.flags.df")) == (49, 1)
    assert bit_range(ip, ip.get("ip.frag_offset")) == (51, 13)
    assert bit_range(ip, ip.get("ip.src")) == (96, 32)
    covered = [(b.start, b.end) for b in boxes(ip)]
    assert covered[0][0] == 0 and covered[-1][1] == 160
    assert all(
        a[1] == b[0] for a, b in zip(covered, covered[1:], strict=False)
    )  # no gap, no overlap


def test_tcp_flags_are_one_bit_boxes() -> None:
    tcp = demo_packet().layer("tcp")
    lines = diagram(tcp).plain.splitlines()
    assert "|Header |Reser|A|C|E|U|A|P|R|S|F|             Window            |" in lines


def test_the_selected_field_is_highlighted() -> None:
    ip = demo_packet().layer("ip")
    text = diagram(ip, ip.get("ip.flags.df"), "#5fd7d7")
    hot = [text.plain[s.start : s.end] for s in text.spans
           if isinstance(s.style, Style) and s.style.reverse]  # fmt: skip
    assert hot == ["D"]
    text = diagram(ip, ip.get("ip.flags"))  # a parent: all its bits
    hot = [text.plain[s.start : s.end] for s in text.spans
           if isinstance(s.style, Style) and s.style.reverse]  # fmt: skip
    assert hot == ["R", "D", "M"]


def test_long_fields_fold_into_one_row_and_keep_the_alignment() -> None:
    http = demo_packet().layer("http")
    lines = diagram(http, http.get("http.host")).plain.splitlines()
    assert any("⋮ User-Agent (8 rows)" in line for line in lines)
    assert lines[-2] == "|         End of headers        |"  # 146 bytes: the last row is half
    assert lines[-1] == "+" + "-+" * 16
    assert len(lines) < 146 * 8 // 32


def test_a_layer_without_header_bytes_says_so() -> None:
    raw = demo_packet().layer("raw")
    assert "no header bytes" in diagram(raw).plain


def test_diagram_key_follows_the_tree() -> None:
    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("D")
            pane = app.screen.query_one(DiagramPane)
            tree = app.screen.query_one(FieldTree)
            tree.select_field(tree.packet.get("tcp.flags.syn"))
            await settle(pilot)
            shown = str(pane.render())
            assert "Transmission Control Protocol" in shown and "|S|" in shown
            assert pane.selected is tree.packet.get("tcp.flags.syn")
            tree.select_field(tree.packet.get("ip.ttl"))
            await settle(pilot)
            assert "Internet Protocol Version 4" in str(pane.render())
            assert pane.shown_layer is tree.packet.layer("ip")
            await pilot.press("D")
            assert not app.screen.query(DiagramPane)

    asyncio.run(main())


def test_clicking_a_box_selects_its_field_in_the_tree() -> None:
    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tree = app.screen.query_one(FieldTree)
            tree.select_field(tree.packet.get("ip.ttl"))
            await settle(pilot)
            await pilot.press("D")
            await settle(pilot)
            pane = app.screen.query_one(DiagramPane)
            line, col, _end, f = next(h for h in pane.hits if h[3].name == "ip.flags.df")
            assert pane.field_at(line, col) is f
            await pilot.click(DiagramPane, offset=(1 + col, 1 + line))  # padding, border
            await settle(pilot)
            assert app.screen.item is not None and app.screen.item.field is f
            assert pane.selected is f  # the diagram follows the tree: D is highlighted

    asyncio.run(main())


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield DiagramPane()

    def on_mount(self) -> None:
        tcp = demo_packet().layer("tcp")
        self.query_one(DiagramPane).show(tcp, tcp.get("tcp.flags.ack"), "#a9a1ff")


def test_diagram_snapshot(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(Host(), terminal_size=(80, 44))
