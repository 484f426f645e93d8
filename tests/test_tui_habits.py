"""Pilot tests of a Wireshark user's habits: colouring rules, columns, time formats, tree keys,
apply/prepare as filter, find, marks, save/export, asking before packets are lost, the
filter bar, honest copy, and the pasted-IPv4 guess. Widget state only, no timing."""

from __future__ import annotations

import asyncio
import csv
import json
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from dissect.engine import decode, inet_checksum
from dissect.index import open_capture
from tests.test_tui_snapshots import ETH, ipv4, tcp
from tui import clipboard
from tui.app import LayerscopeApp
from tui.browser import BrowserScreen
from tui.colouring import DEFAULT_RULES, load_rules, parse_rules
from tui.filtering import FilterBar, field_filter, joined_filter
from tui.screens import AskSaveScreen, ChoiceScreen, ExportScreen, FindScreen, describe_preview
from tui.source import PacketSource
from tui.widgets.field_tree import FieldTree
from tui.widgets.packet_list import PacketList
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)
Body = Callable[[LayerscopeApp, Pilot], Awaitable[None]]

V6 = bytes.fromhex("fe80000000000000505400fffe123456")
V6_DST = bytes.fromhex("fe80000000000000505400fffe654321")


def ipv6_udp() -> bytes:
    udp = struct.pack("!HHHH", 40000, 9, 12, 0) + b"abcd"
    hdr = struct.pack("!IHBB16s16s", 0x60000000, len(udp), 17, 255, V6, V6_DST)
    return bytes.fromhex("333300000001525400123456" + "86dd") + hdr + udp


def tcp_ok(payload: bytes, flags: int) -> bytes:
    """Ethernet / IPv4 / TCP with every checksum right."""
    segment = bytearray(tcp(payload, flags))
    pseudo = bytes([192, 168, 1, 5, 93, 184, 216, 34, 0, 6]) + len(segment).to_bytes(2, "big")
    segment[16:18] = inet_checksum(pseudo + bytes(segment)).to_bytes(2, "big")
    return ETH + ipv4(bytes(segment), 6)


def frames() -> list[tuple[bytes, int]]:
    rst = tcp_ok(b"", 0x04)  # TCP RST
    ok = tcp_ok(b"hello", 0x18)
    segment = bytearray(tcp(b"hello world!"))
    segment[12] = 0xF0  # a TCP header length of 60 bytes in a 32-byte segment
    malformed = ETH + ipv4(bytes(segment), 6, total=120)
    return [(ok, 1), (rst, 1), (malformed, 1), (ipv6_udp(), 1), (ok, 1)]


async def settle(pilot: Pilot) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def run_app(source: PacketSource, body: Body, size: tuple[int, int] = SIZE) -> None:
    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


def status(app: LayerscopeApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test reads (and writes) its own config directory, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TMUX", raising=False)
    return tmp_path / "config"


# -- colouring ------------------------------------------------------------------------------
def test_rows_are_coloured_by_rule_and_protocol() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        names = [r.name for r in plist.rules]
        rules = [plist.summary(i).rule for i in range(5)]  # type: ignore[union-attr]
        assert [names[r] if r >= 0 else None for r in rules] == [
            None,
            "TCP RST",
            "Malformed",
            "Checksum errors",
            None,
        ]  # fmt: skip (UDP over IPv6 must carry a checksum: zero is an error)
        # The style reaches the screen (it used to be dropped when the line was drawn).
        rst_bg = plist._row_style(plist.summary(1)).bgcolor  # type: ignore[arg-type]
        plist.cursor = 0
        await pilot.pause()
        line = plist.render_line(2)  # header, row 0 (cursor), row 1 (the RST)
        assert any(seg.style and seg.style.bgcolor == rst_bg for seg in line)
        tcp_tint = plist._row_style(plist.summary(4)).bgcolor  # type: ignore[arg-type]
        assert tcp_tint is not None and tcp_tint != rst_bg

    run_app(PacketSource.from_frames(frames()), body)


def test_user_rules_file_is_read_and_bad_rules_are_told(no_user_config: Path) -> None:
    path = no_user_config / "layerscope" / "colouring.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[[rule]]\nname = "Mine"\nfilter = "tcp.len > 0"\nbackground = "#00ff00"\n'
                    '[[rule]]\nname = "Broken"\nfilter = "tcp.len >"\nbackground = "#00ff00"\n')  # fmt: skip
    rules, problems = load_rules()
    assert [r.name for r in rules] == ["Mine"] and "rule 2" in problems[0]
    assert len(parse_rules(DEFAULT_RULES)[0]) == 6 and parse_rules(DEFAULT_RULES)[1] == []

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        assert plist.summary(0).rule == 0 and plist.summary(1).rule == -1  # type: ignore[union-attr]

    run_app(PacketSource.from_frames(frames()), body)


def test_theme_change_retints_rows() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        dark = plist._row_style(plist.summary(4)).bgcolor  # type: ignore[arg-type]
        app.theme = "textual-light"
        await settle(pilot)
        light = plist._row_style(plist.summary(4)).bgcolor  # type: ignore[arg-type]
        assert dark != light

    run_app(PacketSource.from_frames(frames()), body)


# -- columns and time -------------------------------------------------------------------------
def test_columns_fit_their_content_and_resize() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        plist.cursor = 3
        await pilot.pause()
        text = plist._row_text(plist.summary(3)).plain  # type: ignore[arg-type]
        assert "fe80::5054:ff:fe12:3456" in text and "fe80::5054:ff:fe65:4321" in text
        before = plist.widths()[2]
        plist.focus()
        await pilot.press("greater_than_sign")  # widens the chosen column (Source first)
        assert plist.widths()[2] == before + 2

    run_app(PacketSource.from_frames(frames()), body, size=(160, 40))


def test_info_keeps_room_at_80_columns() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        assert 80 - sum(plist.widths()) >= 20

    run_app(PacketSource.from_frames(frames()), body, size=(80, 24))


def test_time_formats_and_reference() -> None:
    source = PacketSource.from_frames(frames())
    for n, f in enumerate(source._frames):
        f.time_ns = 1_700_000_000_000_000_000 + n * 250_000_000

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        row = lambda i: plist._row_text(plist.summary(i), plist.summary(i - 1)).plain  # noqa: E731
        assert "0.500000" in row(2)
        await pilot.press("v")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "down", "down", "enter")  # utc
        assert plist.time_format == "utc" and "2023-11-14 22:13:20.500000" in row(2)
        plist.time_format = "delta"
        assert "0.250000" in row(2)
        plist.time_format = "relative"
        plist.cursor = 1
        await pilot.pause()
        await pilot.press("ctrl+t")
        plist.restyle()
        assert "*REF*" in row(1) and "0.250000" in row(2)
        assert "time ref #2" in status(app)

    run_app(source, body)


def test_apply_as_column_shows_the_field() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        tree = app.screen.query_one(FieldTree)
        tree.select_field(tree.packet.get("ip.ttl"))  # type: ignore[union-attr, arg-type]
        tree.focus()
        await pilot.press("C")
        await settle(pilot)
        plist = app.screen.query_one(PacketList)
        assert plist.applied == ("ip.ttl",) and plist.summary(0).custom == ("64",)  # type: ignore[union-attr]
        assert "ip.ttl" in plist._header(120).text

    run_app(PacketSource.from_frames(frames()), body)


# -- tree keys ------------------------------------------------------------------------------
def test_tree_left_right_j_k_and_click() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        tree = app.screen.query_one(FieldTree)
        node = tree.find_node(lambda it: it.key == "layer:ip")
        assert node is not None
        tree.reveal(node)
        tree.focus()
        await pilot.pause()
        assert not node.is_expanded
        await pilot.press("right")
        assert node.is_expanded
        await pilot.press("right")  # expanded: onto its first child
        assert tree.cursor_node is node.children[0]
        await pilot.press("left")  # a leaf: to the parent
        assert tree.cursor_node is node
        await pilot.press("left")
        assert not node.is_expanded
        await pilot.press("j")
        assert tree.cursor_line == node.line + 1
        await pilot.press("k")
        assert tree.cursor_node is node
        y = node.line - int(tree.scroll_y) + 1  # + the border
        assert await pilot.click(FieldTree, offset=(14, y))
        assert node.is_expanded  # a click on the label toggles it
        assert await pilot.click(FieldTree, offset=(14, y), button=3)
        assert isinstance(app.screen, ChoiceScreen) and node.is_expanded  # a menu, no toggle

    run_app(PacketSource.from_frames(frames()), body)


# -- apply / prepare as filter ------------------------------------------------------------------
def test_every_field_of_the_demo_gives_a_matching_filter() -> None:
    source = PacketSource.demo()
    source.index_more()
    pkt = source.packet(0)
    from dissect.filter import compile_filter

    for layer in pkt.layers:
        for f in layer.walk():
            expr = field_filter(pkt, f)
            assert compile_filter(expr).match(pkt), expr
    assert field_filter(pkt, pkt.get("ip.src")) == "ip.src == 172.22.178.76"  # type: ignore[arg-type]
    assert joined_filter("tcp", "udp", "and_not") == "(tcp) && !(udp)"
    assert joined_filter("", "udp", "or") == "udp"


def test_apply_and_prepare_as_filter_by_key_and_menu() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        tree, bar = screen.query_one(FieldTree), screen.query_one(FilterBar)
        plist = screen.query_one(PacketList)
        plist.cursor = 1  # the RST
        await settle(pilot)
        tree.select_field(tree.packet.get("tcp.flags.reset"))  # type: ignore[union-attr, arg-type]
        tree.focus()
        await pilot.press("f")
        await settle(pilot)
        assert screen.filter_text == "tcp.flags.reset == 1" and screen.displayed() == 1
        assert "tcp.flags.reset == 1" in status(app)
        tree.focus()
        await pilot.press("a")  # the context menu
        assert isinstance(app.screen, ChoiceScreen)
        ids = [app.screen.query_one("OptionList").get_option_at_index(i).id for i in range(13)]
        await pilot.press(*["down"] * ids.index("prepare:or_not"), "enter")
        assert bar.has_focus and bar.value == "(tcp.flags.reset == 1) || !(tcp.flags.reset == 1)"
        assert screen.filter_text == "tcp.flags.reset == 1"  # prepared, not applied
        await pilot.press("enter")
        await settle(pilot)
        assert screen.displayed() == 5

    run_app(PacketSource.from_frames(frames()), body)


# -- find, marks ------------------------------------------------------------------------------
@pytest.mark.parametrize(("by", "where", "text", "row"), [
    ("filter", "list", "ipv6", 3), ("string", "details", "Reset: Set", 1),
    ("hex", "bytes", "68 65 6c 6c 6f", 4), ("string", "list", "RST", 1),
])  # fmt: skip
def test_find(by: str, where: str, text: str, row: int) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        plist = screen.query_one(PacketList)
        plist.cursor = 0 if row != 4 else 2
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, FindScreen)
        app.screen.dismiss(None)
        await pilot.pause()
        screen.find(__import__("tui.screens").screens.FindRequest(text, by, where))  # type: ignore[attr-defined]
        await settle(pilot)
        assert plist.cursor == row
        if where == "details":
            assert screen.query_one(FieldTree).selected_key == "field:tcp.flags.reset"

    run_app(PacketSource.from_frames(frames()), body)


def test_marks_and_jumping() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        plist.focus()
        plist.cursor = 1
        await pilot.press("m")
        plist.cursor = 3
        await pilot.pause()
        await pilot.press("m")
        assert plist.marks == {2, 4} and "marked 2" in status(app)
        plist.cursor = 0
        await pilot.press("right_square_bracket")
        assert plist.cursor == 1
        await pilot.press("right_square_bracket")
        assert plist.cursor == 3
        await pilot.press("left_square_bracket")
        assert plist.cursor == 1

    run_app(PacketSource.from_frames(frames()), body)


# -- save and export --------------------------------------------------------------------------
def test_export_displayed_marked_and_the_list(tmp_path: Path) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        screen.apply_filter("tcp")
        await settle(pilot)
        await pilot.press("w")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#what").value = "displayed"
        app.screen.query_one("#format").value = "pcap"
        await pilot.press(*str(tmp_path / "shown.pcap"), "enter")
        await settle(pilot)
        screen.query_one(PacketList).marks = {4}
        for what, fmt, name in (("marked", "pcapng", "m.pcapng"), ("all", "csv", "l.csv"),
                                ("displayed", "json", "l.json"), ("all", "text", "l.txt")):  # fmt: skip
            from tui.screens import ExportRequest

            screen.export_now(ExportRequest(what, fmt, str(tmp_path / name)))
            await settle(pilot)

    run_app(PacketSource.from_frames(frames()), body)
    shown = open_capture(str(tmp_path / "shown.pcap")).index_all()
    assert len(shown) == 4  # the IPv6/UDP one is not displayed
    marked = open_capture(str(tmp_path / "m.pcapng")).index_all()
    assert len(marked) == 1 and marked.record(0).data == frames()[3][0]
    rows = list(csv.reader((tmp_path / "l.csv").open()))
    assert rows[0][0] == "Number" and len(rows) == 6 and rows[2][4] == "TCP"
    assert [r["number"] for r in json.loads((tmp_path / "l.json").read_text())] == [1, 2, 3, 5]
    assert len((tmp_path / "l.txt").read_text().splitlines()) == 5


def test_pasted_packets_ask_before_quitting_and_can_be_saved(tmp_path: Path) -> None:
    source = PacketSource.demo()
    source.add_hex(source.preview_hex(frames()[3][0].hex()), 1)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        assert app.source.unsaved == 1
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, AskSaveScreen) and app.is_running
        await pilot.click("#cancel")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen) and app.is_running
        await pilot.press("q")
        await pilot.pause()
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#what").value == "all"
        app.screen.query_one("#what").value = "pasted"
        await pilot.press(*str(tmp_path / "pasted.pcapng"), "enter")
        await pilot.pause()
        assert not app.is_running  # saved, then quit

    run_app(source, body)
    idx = open_capture(str(tmp_path / "pasted.pcapng")).index_all()
    assert len(idx) == 1 and idx.record(0).data == frames()[3][0]


def test_discard_quits_without_saving() -> None:
    source = PacketSource.from_frames([])
    source.add_hex(source.preview_hex(frames()[0][0].hex()), 1)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.press("q")
        await pilot.pause()
        await pilot.click("#discard")
        await pilot.pause()
        assert not app.is_running

    run_app(source, body)


# -- live: the list follows the last row ------------------------------------------------------
def test_list_follows_new_rows_only_from_the_last_row() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        plist.set_count(5)
        plist.cursor = 4
        plist.set_count(8)
        assert plist.cursor == 7  # on the last row: follows
        plist.cursor = 2
        plist.set_count(12)
        assert plist.cursor == 2  # elsewhere: stays put

    run_app(PacketSource.from_frames(frames()), body)


# -- filter bar -----------------------------------------------------------------------------
def test_filter_bar_escape_clears_and_history() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        bar = screen.query_one(FilterBar)
        for text in ("tcp", "ipv6"):
            await pilot.press("slash", *text, "enter")
            await settle(pilot)
        assert screen.filter_text == "ipv6" and "ipv6" in status(app)
        await pilot.press("slash")
        bar.value = "udp && something unfinished"
        await pilot.press("up")
        assert bar.value == "ipv6"
        await pilot.press("up")
        assert bar.value == "tcp"
        await pilot.press("down", "down")
        assert bar.value == ""
        bar.value = "udp"
        screen.query_one(PacketList).focus()  # left without applying: shows the applied one
        await pilot.pause()
        assert bar.value == "ipv6"
        await pilot.press("escape")  # on the list: clears the applied filter
        await settle(pilot)
        assert screen.filter_text == "" and screen.displayed() == 5 and bar.value == ""
        await pilot.press("slash", *"tcp", "enter")
        await settle(pilot)
        await pilot.press("slash", "escape")  # in the bar too
        await settle(pilot)
        assert screen.filter_text == "" and screen.displayed() == 5

    run_app(PacketSource.from_frames(frames()), body)


# -- copy -------------------------------------------------------------------------------------
def test_copy_is_honest_about_tmux(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(clipboard, "system_tool", lambda env=None: None)
    monkeypatch.setattr(clipboard, "tmux_drops_osc52", lambda: True)
    monkeypatch.chdir(tmp_path)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        screen.copy("hex")
        await pilot.pause()
        note = [n.message for n in app._notifications][-1]
        assert "not copied" in note and "Copied" not in note and app.clipboard == ""
        screen.copy("file:hex")
        await pilot.pause()
        assert (tmp_path / "layerscope-copy-1.txt").read_text() == screen.packet.data.hex()  # type: ignore[union-attr]

    run_app(PacketSource.demo(), body)


def test_system_tool_follows_the_session() -> None:
    assert clipboard.system_tool({"PATH": ""}) is None
    assert clipboard.system_tool({"PATH": "/usr/bin:/bin", "DISPLAY": ":0"}) in (
        None, ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]
    )  # fmt: skip


# -- paste guess -----------------------------------------------------------------------------
def test_a_cut_ipv4_header_is_raw_ipv4_and_the_dialog_says_why() -> None:
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 60, 1, 0x4000, 64, 6, 0,
                                bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))  # fmt: skip
    hdr[10:12] = inet_checksum(bytes(hdr)).to_bytes(2, "big")
    data = bytes(hdr) + bytes.fromhex("c0010050000003e8000007d0")  # 32 bytes, total says 60
    source = PacketSource.from_frames([])
    preview = source.preview_hex(data.hex(" "))
    assert (
        preview.guess == 228
        and "IP version 4" in preview.reason
        and "32 of its 60" in preview.reason
    )
    assert "IP version 4" in describe_preview(preview, 228).plain
    source.add_hex(preview)
    assert [la.protocol.name for la in source.packet(0).layers][:3] == ["frame", "ip", "tcp"]
    ether = bytes(decode(ETH + ipv4(b"", 17), 1).data)  # an Ethernet frame stays Ethernet
    assert source.preview_hex(ether.hex()).guess == 1
