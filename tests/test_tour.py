"""The guided tour (tui/tour.py): steps derived from the decoded packet and the declarations,
bottom layer up, with the bytes of each step and how the next layer was chosen."""

from __future__ import annotations

import asyncio
import struct

from rich.style import Style
from textual.app import App
from textual.pilot import Pilot

from dissect.engine import decode, inet_checksum
from tests.test_annotate import demo_packet, hostile_packet
from tests.test_tui import settle
from tui.app import LayerscopeApp
from tui.browser import BrowserScreen
from tui.source import PacketSource
from tui.tour import TourScreen, encapsulation, tour_steps

SIZE = (120, 40)


def dns_over_ethernet() -> bytes:
    """Ethernet, IPv4, UDP to port 53, a DNS query for example.com."""
    dns = (
        struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
        + b"\x07example\x03com\x00\x00\x01\x00\x01"
    )
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(dns), 0) + dns
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                               bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2))))  # fmt: skip
    ip[10:12] = inet_checksum(bytes(ip)).to_bytes(2, "big")
    return bytes.fromhex("001122334455 66778899aabb 0800") + bytes(ip) + udp


def test_the_demo_tour_goes_bottom_up_and_says_how_each_layer_was_chosen() -> None:
    pkt = demo_packet()
    steps = tour_steps(pkt)
    names = [pkt.layers[s.layer].protocol.name for s in steps if s.kind == "layer"]
    assert names == ["raw", "ip", "tcp", "http"]
    hops = [s for s in steps if s.kind == "next"]
    assert [h.title for h in hops] == [
        "RAW → IPv4: how the next layer is chosen",
        "IPv4 → TCP: how the next layer is chosen",
        "TCP → HTTP: how the next layer is chosen",
    ]
    assert "Version: 4" in hops[0].text and "ethertype 0x0800" in hops[0].text
    assert list(hops[0].marked) == [0]  # the version nibble's byte
    assert hops[1].text.startswith("Protocol is TCP (6): in the ip.proto table")
    assert list(hops[1].marked) == [9]
    assert hops[2].text.startswith("Destination Port is 80: in the tcp.port table")
    assert "starts with the bytes 'GET '" in hops[2].text
    assert list(hops[2].marked) == [22, 23, 52, 53, 54, 55]  # the port and 'GET '


def test_field_steps_highlight_the_fields_bytes_and_explain_them() -> None:
    pkt = demo_packet()
    by_title = {s.title: s for s in tour_steps(pkt) if s.kind == "field"}
    ttl = by_title["Time to Live: 64"]
    assert list(ttl.marked) == [8] and ttl.text.startswith("TTL 64:")
    assert list(by_title["Destination Address: 18.220.149.166"].marked) == [16, 17, 18, 19]
    assert "GET / HTTP/1.1\\r\\n" in by_title  # the tree's own line, escaped
    assert all(not s.text.startswith("(No explanation") for s in tour_steps(pkt))


def test_the_tour_is_derived_not_written_for_the_demo() -> None:
    pkt = decode(dns_over_ethernet(), 1, strict=True)
    hops = [s.text for s in tour_steps(pkt) if s.kind == "next"]
    assert hops[0].startswith("Type is IPv4 (0x0800): in the ethertype table")
    assert hops[1].startswith("Protocol is UDP (17): in the ip.proto table")
    assert hops[2].startswith("Destination Port is 53: in the udp.port table")


def test_encapsulation_nests_each_header_around_the_message() -> None:
    pkt = demo_packet()
    lines = encapsulation(pkt, 3).plain.splitlines()
    assert lines[0].startswith("┌─ RAW: no header of its own")
    assert lines[1].startswith("│ ┌─ IPv4 header: 20 B")
    assert lines[2].startswith("│ │ ┌─ TCP header: 32 B")
    assert lines[3].startswith("│ │ │ ┌─ HTTP: 146 B, the message")
    assert lines[4].startswith("│ │ │ │  GET / HTTP/1.1") and lines[4].endswith("│ │ │ │")
    assert len({len(line) for line in lines}) == 1  # every box closes in its column
    text = encapsulation(pkt, 3)
    bold = [text.plain[s.start : s.end] for s in text.spans
            if isinstance(s.style, Style) and s.style.bold]  # fmt: skip
    assert bold and all("TCP" in b or set(b) <= set("│ └─┘") for b in bold)


def test_a_deep_tunnel_widens_the_picture_and_keeps_every_box_closed() -> None:
    inner = b"hello"
    for _ in range(20):  # IPv4 in IPv4, twenty deep
        hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner), 1, 0, 64, 4, 0,
                                    bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2))))  # fmt: skip
        hdr[10:12] = inet_checksum(bytes(hdr)).to_bytes(2, "big")
        inner = bytes(hdr) + inner
    pkt = decode(inner, 228, strict=True)
    assert len(tour_steps(pkt)) > 20 * 10
    lines = encapsulation(pkt, 5).plain.splitlines()
    assert len({len(line) for line in lines}) == 1 and len(lines) == 2 * 21 + 1


def test_packet_text_in_the_tour_is_escaped() -> None:
    pkt = hostile_packet()
    steps = tour_steps(pkt)
    shown = encapsulation(pkt, 0).plain + "".join(s.title + s.text for s in steps)
    assert "\x1b" not in shown and "\\x1b" in shown


def test_tour_flag_opens_the_tour_and_keys_step_through_it() -> None:
    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        app.start_tour = True
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, TourScreen) and screen.index == 0
            await pilot.press("right", "right", "space")
            assert screen.index == 3 and screen.step.title == "0100 .... = Version: 4"
            await pilot.press("left")
            assert screen.step.kind == "layer" and "Internet Protocol" in screen.step.title
            await pilot.press("escape")
            assert isinstance(app.screen, BrowserScreen)
            await pilot.press("T")  # the key: a tour of the selected packet
            assert isinstance(app.screen, TourScreen)

    asyncio.run(main())


def test_a_step_scrolls_its_bytes_into_view_on_a_small_terminal() -> None:
    async def main() -> None:
        app = Host()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, TourScreen)
            last = len(screen.steps) - 1  # the end of the headers, at byte 196
            screen.action_jump(last)
            await pilot.pause()
            hexes = screen.query_one("#tour-bytes")
            assert hexes.max_scroll_y > 0  # it does not all fit: it must scroll
            assert hexes.scroll_y == min(196 // 16 - 2, hexes.max_scroll_y)

    asyncio.run(main())


class Host(App[None]):
    """Only the tour, so the snapshot shows nothing another screen decides."""

    def on_mount(self) -> None:
        self.push_screen(TourScreen(demo_packet()))


def test_tour_snapshot_at_the_tcp_to_http_step(snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, TourScreen)
        screen.action_jump(next(i for i, s in enumerate(screen.steps) if "→ HTTP" in s.title))
        await pilot.pause()

    assert snap_compare(Host(), terminal_size=SIZE, run_before=run_before)
