"""The TUI's follow-stream screen (tui/follow.py), with Pilot: F opens it on the selected
packet's stream, the list is filtered to the stream meanwhile, the views and directions
switch, enter goes to the packet a line came from, and closing restores the list."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from dissect.streams.follow import FollowChunk, Followed
from tui.app import LayerscopeApp
from tui.filtering import FilterBar
from tui.follow import FollowScreen, FollowView, make_lines
from tui.source import PacketSource
from tui.widgets.packet_list import PacketList

DATA = Path(__file__).parent / "data" / "streams"
SIZE = (120, 40)


async def settle(pilot: Pilot) -> None:
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def run(capture: Path, body) -> None:  # noqa: ANN001
    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(capture))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


def test_follow_key_filters_the_list_and_closing_restores_it() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        total = plist.count
        plist.cursor = 3  # frame 4: the DNS query over TCP
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FollowScreen)
        view = app.screen.query_one(FollowView)
        sides = {line.side for line in view.lines}
        assert sides == {0, 1}  # query and answer, in two colours
        assert view.lines[0].frame == 4
        browser = app.screen_stack[-2]
        assert browser.filter_text == "tcp.stream eq 0"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, FollowScreen)
        assert app.screen.filter_text == "" and plist.count == total
        assert not app.screen.query_one(FilterBar).has_class("-shown")

    run(DATA / "tcpdump_dns_tcp.pcap", body)


def test_enter_goes_to_the_packet_of_the_line() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        plist.cursor = 0
        await pilot.press("F")
        await settle(pilot)
        view = app.screen.query_one(FollowView)
        last = len(view.lines) - 1
        view.cursor = last
        frame = view.lines[last].frame
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, FollowScreen)
        assert plist.cursor == frame - 1

    run(DATA / "tcpdump_dns_tcp.pcap", body)


def test_views_and_directions_switch() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        app.screen.query_one(PacketList).cursor = 3
        await pilot.press("F")
        await settle(pilot)
        view = app.screen.query_one(FollowView)
        assert view.lines[0].text.startswith(".8C..")  # ASCII
        await pilot.press("v")
        assert view.lines[0].text.startswith("00000000  00 38 43 19")  # hex dump
        await pilot.press("v")
        assert view.lines[0].text.startswith("0038431901200001")  # raw
        await pilot.press("d")  # the client alone
        assert {line.side for line in view.lines} == {0}
        await pilot.press("d")  # the server alone
        assert {line.side for line in view.lines} == {1}

    run(DATA / "tcpdump_dns_tcp.pcap", body)


def test_gap_marker_and_inert_bytes() -> None:
    """A gap never filled is marked; escape sequences in the bytes are never drawn raw."""
    f = Followed("tcp", 0, [("10.0.0.1", 1), ("10.0.0.2", 2)],
                 [FollowChunk(0, 1, b"\x1b[31mred\x1b]0;x\x07\r\nok\n"), FollowChunk(1, 2, b"\xe2\x80\xae!")],
                 missing=[1400, 0])  # fmt: skip
    for view in ("ascii", "utf-8"):
        lines = make_lines(f, view, "both")
        assert all("\x1b" not in x.text and "\u202e" not in x.text for x in lines)
        assert lines[-1].text == "[1,400 bytes missing in capture]" and lines[-1].side == 2
