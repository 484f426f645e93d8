"""Packet diff (tui/diff.py): two packets side by side, differing fields and bytes marked."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Input

from dissect.engine import Packet
from tests.test_annotate import demo_packet
from tests.test_tui import settle
from tui.app import LayerscopeApp
from tui.diff import DIFFERS, DiffScreen, diff_rows, differing_bytes, side
from tui.edit import edit_packet
from tui.source import PacketSource
from tui.teaching import AskScreen


def edited(name: str, text: str) -> tuple[Packet, Packet]:
    a = demo_packet()
    layer = next(la for la in a.layers if la.get(name) is not None)
    return a, edit_packet(a, layer, layer.get(name), text).packet


def test_fields_that_differ_are_paired_by_place_not_offset() -> None:
    a, b = edited("http.host", "Host: example.org")  # shorter: every later offset moves
    rows = {r.key[2]: r for r in diff_rows(a, b) if r.key[2]}
    assert rows["http.host"].differs
    assert (
        rows["ip.len"].left == "Total Length: 198" and rows["ip.len"].right == "Total Length: 190"
    )
    assert not rows["http.connection"].differs  # moved by 2 bytes, same line
    assert not rows["ip.ttl"].differs
    assert rows["tcp.checksum.calculated"].right is None  # good now: b has no such line


def test_bytes_that_differ() -> None:
    a, b = edited("ip.ttl", "1")
    assert differing_bytes(a.data, b.data) == {8, 10}
    assert differing_bytes(b"abc", b"abcde") == {3, 4}


def test_sides_mark_the_differing_lines_and_escape_packet_text() -> None:
    a, b = edited("ip.ttl", "1")
    rows = diff_rows(a, b)
    left = side(rows, True)
    marked = [left.plain[s.start : s.end] for s in left.spans if s.style == DIFFERS]
    assert "    Time to Live: 64" in marked and "    Header Checksum: 0x152e" in marked
    assert not any("Protocol" in m for m in marked)


def test_diff_key_asks_for_the_other_packet_and_shows_both() -> None:
    a, b = edited("ip.ttl", "1")
    source = PacketSource.from_frames([(a.data, 101), (b.data, 101)])

    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("X")
            assert isinstance(app.screen, AskScreen)
            assert app.screen.query_one(Input).value == "2"  # the next packet by default
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DiffScreen)
            head = str(screen.query_one("#diff-head").render())
            assert "2 field(s) and 2 byte(s) differ" in head
            await pilot.press("escape")
            assert not isinstance(app.screen, DiffScreen)

    asyncio.run(main())


class Host(App[None]):
    def on_mount(self) -> None:
        self.push_screen(DiffScreen(*edited("http.host", "Host: example.org")))


def test_diff_snapshot(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(Host(), terminal_size=(140, 44))
