"""Pilot tests of the TUI: selection linked both ways down to the bit, paste dialog, big files.

Assertions are on widget state and posted messages, never on timing: timings belong in bench/.
"""

from __future__ import annotations

import asyncio
import io
import struct
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.events import Paste
from textual.pilot import Pilot
from textual.widgets import Select, Static, TabbedContent

from dissect.engine import PROTOCOLS, Packet
from tui.app import LayerscopeApp, source_from_args
from tui.browser import BrowserScreen
from tui.explain import explain_field
from tui.screens import CopyScreen, HelpScreen, PasteHexScreen
from tui.source import DEMO_PATH, PacketSource
from tui.widgets.field_tree import FieldTree
from tui.widgets.hex_pane import HexPane, byte_col
from tui.widgets.osi_panel import OsiPanel
from tui.widgets.packet_list import PacketList

HEXDUMPS = Path(__file__).parent / "data" / "hexdumps"
SIZE = (120, 40)
Body = Callable[[LayerscopeApp, Pilot], Awaitable[None]]


async def settle(pilot: Pilot) -> None:
    """Let workers finish and their messages land (a few rounds: rows follow the index)."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def run_app(source: PacketSource, body: Body, message_hook=None) -> None:  # noqa: ANN001
    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=SIZE, message_hook=message_hook) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


def parts(app: LayerscopeApp) -> tuple[PacketList, FieldTree, HexPane]:
    screen = app.screen
    return screen.query_one(PacketList), screen.query_one(FieldTree), screen.query_one(HexPane)


def demo_packet() -> Packet:
    source = PacketSource.demo()
    source.index_more()
    return source.packet(0)


async def click_byte(
    pilot: Pilot, hexpane: HexPane, offset: int, ascii_column: bool = False
) -> None:
    """Click a byte in the hex (or ASCII) column; +1 for the pane's border."""
    hexpane.scroll_to(y=0, animate=False)
    await pilot.pause()
    x = byte_col(offset % 16, hexpane._left)
    if ascii_column:
        x = byte_col(16, hexpane._left) + 1 + offset % 16
    await pilot.click(HexPane, offset=(1 + x, 1 + hexpane._line_of(offset)))
    await pilot.pause()


# -- the demo ------------------------------------------------------------------------------
def test_demo_opens_with_http_and_the_checksum_issue() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, hexpane = parts(app)
        assert plist.count == 1 and plist.cursor == 0
        assert tree.packet is not None and hexpane.packet is tree.packet
        labels = {node.data.key: node for node in _nodes(tree)}
        http = labels["layer:http"]
        assert http.parent is not None and http.parent.is_expanded
        assert (
            0 <= http.line - tree.scroll_offset.y < tree.scrollable_content_region.height
        )  # on screen
        issue = labels["issue:tcp.checksum.bad"]
        assert "likely cause" in str(issue.label)
        assert "[bad checksum]" in str(labels["layer:tcp"].label)
        missing = str(labels["osi:2"].label)
        assert "L2 Data link — not in this capture: the dump starts at the IPv4 header" in missing
        status = app.screen.query_one("#status", Static)
        assert "packets 1" in str(status.render())

    run_app(PacketSource.demo(), body)


def _nodes(tree: FieldTree) -> list:
    out, stack = [], list(tree.root.children)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


def test_run_args_choose_the_source(tmp_path: Path) -> None:
    import argparse

    args = argparse.Namespace(read=None, hex=None, linktype=None, stdin_stream=None)
    assert source_from_args(args).kind == "demo"
    args.read, args.stdin_stream = "-", io.BytesIO(DEMO_PATH.read_bytes())
    src = source_from_args(args)
    while not src.index_more():
        pass
    assert len(src) == 1 and src.name == "<stdin>"
    src.close()
    args.read, args.hex = None, (HEXDUMPS / "xxd_p_http.txt").read_text()
    assert len(source_from_args(args)) == 1


# -- tree -> hex ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["ip.flags.df", "ip.version", "ip.hdr_len", "tcp.flags", "tcp.flags.syn",
             "ip.src", "tcp.options.timestamp.tsval", "http.host"],
)  # fmt: skip
def test_selecting_a_field_highlights_its_span_and_bits(name: str) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, hexpane = parts(app)
        assert tree.packet is not None
        f = tree.packet.get(name)
        assert f is not None
        assert tree.select_field(f)
        await pilot.pause()
        assert tree.cursor_node is not None and tree.cursor_node.data.field is f
        assert hexpane.highlight == (f.pos, f.len, f.mask)
        if f.mask:  # the bit line sits under the field's row
            assert ("bits", f.pos // 16) in hexpane._lines

    run_app(PacketSource.demo(), body)


def test_bit_line_shows_exactly_the_fields_bits() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, hexpane = parts(app)
        assert tree.packet is not None
        tree.select_field(tree.packet.get("ip.version"))
        await pilot.pause()
        line = hexpane._bits_text(0)
        lit = "".join(line.plain[s.start : s.end] for s in line.spans
                      if s.style == hexpane.get_component_rich_style("hex-pane--bits", partial=True))  # fmt: skip
        assert lit == "0100"  # the 4 version bits, lit; the other 4 shown as dots
        assert "0100 ...." in line.plain and "Version: 4" in line.plain

    run_app(PacketSource.demo(), body)


# -- hex -> tree ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("offset", "name", "ascii_column"),
    [(12, "ip.src", False), (6, "ip.flags", False), (33, "tcp.flags", False),
     (36, "tcp.checksum", False), (45, "tcp.options.timestamp.tsval", False),
     (53, "http.request.method", True), (9, "ip.proto", True)],
)  # fmt: skip
def test_clicking_a_byte_selects_the_innermost_field(
    offset: int, name: str, ascii_column: bool
) -> None:
    messages: list = []

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, hexpane = parts(app)
        await click_byte(pilot, hexpane, offset, ascii_column)
        clicks = [m for m in messages if isinstance(m, HexPane.ByteClicked) and m.by_mouse]
        assert clicks and clicks[-1].offset == offset
        node = tree.cursor_node
        assert node is not None and node.data.field is not None
        assert node.data.field.name == name
        f = node.data.field
        assert hexpane.highlight == (f.pos, f.len, f.mask)

    run_app(PacketSource.demo(), body, message_hook=messages.append)


def test_hex_cursor_keys_select_fields() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, hexpane = parts(app)
        hexpane.focus()
        await pilot.press("home")
        for _ in range(12):
            await pilot.press("right")
        await pilot.pause()
        assert hexpane.cursor == 12
        assert tree.cursor_node is not None and tree.cursor_node.data.field.name == "ip.src"
        await pilot.press("down")  # 28: the acknowledgment number
        await pilot.pause()
        assert tree.cursor_node.data.field.name == "tcp.ack_raw"

    run_app(PacketSource.demo(), body)


# -- panels, keys and dialogs -------------------------------------------------------------------
def test_osi_panel_explains_the_selected_field() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, _hexpane = parts(app)
        assert tree.packet is not None
        tree.select_field(tree.packet.get("ip.flags.df"))
        await pilot.press("l")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "tab-osi"
        text = str(app.screen.query_one(OsiPanel).query_one("#osi-body", Static).render())
        assert "DF set: routers must not fragment this packet" in text
        assert "L4 Transport" in text and "TCP" in text and "header 32 B, payload 146 B" in text
        explain = str(app.screen.query_one("#explain", Static).render())
        assert "DF set" in explain

    run_app(PacketSource.demo(), body)


def test_every_demo_field_and_layer_has_an_explanation() -> None:
    pkt = demo_packet()
    missing = [f.name for layer in pkt.layers for f in layer.walk() if not f.spec.explain]
    assert missing == []
    for layer in pkt.layers:
        for f in layer.walk():
            assert explain_field(layer, f)
    assert [p for p in PROTOCOLS.values() if not p.explain] == []
    ihl = pkt.get("ip.hdr_len")
    assert explain_field(pkt.layer("ip"), ihl).startswith("IHL 5 → 20-byte header, no options")
    bad = pkt.get("tcp.checksum")
    assert "Checksum wrong, likely NIC offload on the sender" in explain_field(
        pkt.layer("tcp"), bad
    )


def test_expansion_is_kept_by_field_name_across_packets() -> None:
    source = PacketSource.demo()
    source.add_hex(source.preview_hex((HEXDUMPS / "xxd_p_http.txt").read_text()), 1)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hexpane = parts(app)
        flags = tree.find_node(lambda it: it.key == "field:ip.flags")
        assert flags is not None and not flags.is_expanded
        tree.select_field(tree.packet.get("ip.flags.df"))
        await pilot.pause()
        assert tree.expanded.get("field:ip.flags") is True
        plist.cursor = 1
        await settle(pilot)
        assert tree.packet is not None and tree.packet.number == 2
        flags = tree.find_node(lambda it: it.key == "field:ip.flags")
        assert flags is not None and flags.is_expanded
        assert tree.cursor_node.data.key == "field:ip.flags.df"  # the selection follows by name

    run_app(source, body)


def test_keys_goto_zoom_layout_help_and_copy() -> None:
    source = PacketSource.demo()
    source.add_hex(source.preview_hex((HEXDUMPS / "tcpdump_x.txt").read_text()), 228)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, hexpane = parts(app)
        await pilot.press("G")
        assert plist.cursor == 8
        await pilot.press("g")
        assert plist.cursor == 0
        await pilot.press("ctrl+g", "5", "enter")
        await pilot.pause()
        assert plist.cursor == 4 and tree.packet.number == 5
        await pilot.press("tab")
        assert app.screen.focused is tree
        await pilot.press("tab")
        assert app.screen.focused is hexpane
        await pilot.press("backslash")
        assert app.screen.maximized is hexpane
        await pilot.press("backslash")
        assert app.screen.maximized is None
        await pilot.press("vertical_line")
        assert app.screen.query_one("#detail").has_class("side")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one(Static).render())
        for key in ("ctrl+g", "Paste hex", "Zoom pane", "Hex beside", "OSI panel", "Copy", "Quit"):
            assert key in help_text
        await pilot.press("escape")
        await pilot.press("c")
        assert isinstance(app.screen, CopyScreen)
        await pilot.press("down", "enter")  # the packet as hex
        await pilot.pause()
        assert app.clipboard == tree.packet.data.hex()

    run_app(source, body)


def test_copy_annotated_dump_lists_field_spans() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        screen.copy("annotated")
        assert "0000  45 00 00 c6" in app.clipboard
        assert "ip.flags.df mask 0x40: .1.. .... = Don't fragment: Set" in app.clipboard
        _plist, tree, _hexpane = parts(app)
        tree.select_field(tree.packet.get("ip.ttl"))
        await pilot.pause()
        screen.copy("value")
        assert app.clipboard == "64"

    run_app(PacketSource.demo(), body)


def test_command_palette_lists_every_action() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in (
            "Paste hex dump",
            "Open capture file",
            "Go to packet",
            "Copy",
            "Theme",
            "Toggle OSI panel",
            "Hex pane beside the tree",
            "Zoom pane",
            "Help",
            "Quit",
        ):
            assert title in titles  # fmt: skip

    run_app(PacketSource.demo(), body)


def test_open_file_replaces_the_source(tmp_path: Path) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sample = Path(DEMO_PATH).parent / "sample-netns.pcap"
        screen.open_path(str(sample))
        await settle(pilot)
        plist, tree, _hexpane = parts(app)
        assert app.source.name == "sample-netns.pcap" and plist.count == 36
        assert tree.packet is not None and tree.packet.number == 1
        screen.open_path(str(tmp_path / "missing.pcap"))  # an error is a notification, not a crash
        await pilot.pause()
        assert app.source.name == "sample-netns.pcap"

    run_app(PacketSource.demo(), body)


# -- the paste dialog: every dump format ----------------------------------------------------------
FORMATS = [
    ("tcpdump_x", "tcpdump -x"),
    ("tcpdump_X", "tcpdump -X"),
    ("xxd_http", "xxd"),
    ("hexdump_C_http", "hexdump -C"),
    ("tshark_x", "tshark -x"),
    ("xxd_p_http", "xxd -p"),
    ("seed_offset_words", "offset+words"),
]


@pytest.mark.parametrize(("name", "fmt"), FORMATS)
def test_pasted_dump_yields_the_expected_packets(name: str, fmt: str) -> None:
    text = (HEXDUMPS / f"{name}.txt").read_text()
    expected_file = HEXDUMPS / f"{name}.hex"
    expected = ([bytes.fromhex(line) for line in expected_file.read_text().split()]
                if expected_file.exists() else [demo_packet().data])  # fmt: skip

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hexpane = parts(app)
        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, PasteHexScreen)
        app.post_message(Paste(text))  # as the terminal delivers a paste
        await pilot.pause()
        shown = str(dialog.query_one("#recognised", Static).render())
        assert f"{len(expected)} packet" in shown and f"format {fmt}" in shown
        assert f"{sum(map(len, expected))} bytes" in shown and "Ignored lines" in shown
        guess = dialog.preview.guess
        assert dialog.query_one("#linktype", Select).value == guess
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, PasteHexScreen)
        assert plist.count == 1 + len(expected) and plist.cursor == 1
        assert tree.packet is not None and tree.packet.data == expected[0]
        assert [app.source.packet(1 + i).data for i in range(len(expected))] == expected
        assert tree.packet.linktype == guess
        assert plist.summary(1) is not None  # the new rows were decoded for the list

    run_app(PacketSource.demo(), body)


def test_paste_dialog_link_type_can_be_changed() -> None:
    text = (HEXDUMPS / "xxd_p_http.txt").read_text()

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hexpane = parts(app)
        await pilot.press("p")
        dialog = app.screen
        app.post_message(Paste(text))  # as the terminal delivers a paste
        await pilot.pause()
        dialog.query_one("#linktype", Select).value = 101  # the dump is Ethernet: force raw IP
        await pilot.pause()
        assert "decoding as: Raw IP (101)" in str(dialog.query_one("#recognised", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert tree.packet is not None and tree.packet.linktype == 101

    run_app(PacketSource.demo(), body)


# -- a million packets ----------------------------------------------------------------------------
def _udp_frame() -> bytes:
    """Ethernet / IPv4 / UDP 7 -> 7 with 10 bytes of payload, checksums right."""
    from dissect.engine import inet_checksum

    payload = b"x" * 10
    udp = struct.pack("!HHHH", 7, 7, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                               bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))  # fmt: skip
    ip[10:12] = inet_checksum(bytes(ip)).to_bytes(2, "big")
    return bytes.fromhex("001cc02e6d29001b213a4f5c0800") + bytes(ip) + udp


FRAME = _udp_frame()


def write_big_pcap(path: Path, count: int) -> None:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    record = struct.pack("<IIII", 1_700_000_000, 0, len(FRAME), len(FRAME)) + FRAME
    with open(path, "wb") as fh:
        fh.write(header)
        fh.write(record * count)


class GatedSource(PacketSource):
    """Indexes one chunk, then waits for the test: the index is provably incomplete meanwhile."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.calls = 0

    def index_more(self, count: int = 65536) -> bool:
        self.calls += 1
        if self.calls > 1:
            self.gate.wait(timeout=60)
        return super().index_more(count)


def test_million_packets_show_rows_before_the_index_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "million.pcap"
    write_big_pcap(path, 1_000_000)
    from dissect.index import open_capture

    source = GatedSource("million.pcap", open_capture(path))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hexpane = parts(app)
        for _ in range(200):  # rows come from the first chunk and a row worker
            if plist.summary(0) is not None and tree.packet is not None:
                break
            await pilot.pause()
        assert not source.done and 0 < plist.count < 1_000_000
        assert plist.summary(0) is not None and tree.packet is not None
        assert "UDP" in plist.render_line(1).text  # a real row is on screen
        assert "indexing" in str(app.screen.query_one("#status", Static).render())
        source.gate.set()
        for _ in range(400):
            if source.done and plist.count == 1_000_000:
                break
            await pilot.pause(0.01)
        assert plist.count == 1_000_000
        await pilot.press("G")
        await settle(pilot)
        assert tree.packet is not None and tree.packet.number == 1_000_000
        assert plist.render_line(plist.body_height).text.strip().startswith("1000000")

    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=SIZE) as pilot:
            await body(app, pilot)
            source.gate.set()

    asyncio.run(main())


@pytest.mark.parametrize("width", [60, 80, 100])
def test_footer_keeps_quit_and_help_in_sight(width: int) -> None:
    """The footer cuts what does not fit on the right; the app's keys come last in the
    bindings, so they go first."""
    from textual.widgets._footer import FooterKey

    from tui.widgets.key_footer import KeyFooter

    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        async with app.run_test(size=(width, 30)) as pilot:
            await settle(pilot)
            keys = list(app.screen.query_one(KeyFooter).query(FooterKey))
            assert [k.action for k in keys[:2]] == ["quit", "help"]
            assert all(k.region.right <= width and k.region.width > 0 for k in keys[:2])

    asyncio.run(main())
