"""Snapshot tests (pytest-textual-snapshot): regenerate with `pytest --snapshot-update`
after a deliberate change, and look at the SVGs in tests/__snapshots__/ before committing."""

from __future__ import annotations

import struct

import pytest
from textual.pilot import Pilot

from dissect.engine import inet_checksum
from tui.app import LayerscopeApp
from tui.source import PacketSource
from tui.widgets.field_tree import FieldTree

SIZE = (120, 40)
ETH = bytes.fromhex("001cc02e6d29001b213a4f5c0800")


def ipv4(payload: bytes, proto: int, total: int | None = None) -> bytes:
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), 0x1234,
                                0x4000, 64, proto, 0, bytes([192, 168, 1, 5]),
                                bytes([93, 184, 216, 34])))  # fmt: skip
    hdr[10:12] = inet_checksum(bytes(hdr)).to_bytes(2, "big")
    return bytes(hdr) + payload


def tcp(payload: bytes, flags: int = 0x18) -> bytes:
    return struct.pack("!HHIIBBHHH", 51000, 80, 1000, 2000, 0x50, flags, 8192, 0, 0) + payload


async def settle(pilot: Pilot) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def select(name: str):  # noqa: ANN201
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        tree = pilot.app.screen.query_one(FieldTree)
        assert tree.packet is not None
        f = tree.packet.get(name)
        assert f is not None, name
        tree.select_field(f)
        await settle(pilot)

    return run_before


def test_demo_as_it_opens(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(LayerscopeApp(PacketSource.demo()), terminal_size=SIZE, run_before=settle)


def test_selected_bit_field(snap_compare) -> None:  # noqa: ANN001
    app = LayerscopeApp(PacketSource.demo())
    assert snap_compare(app, terminal_size=SIZE, run_before=select("ip.flags.df"))


def test_osi_panel(snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot: Pilot) -> None:
        await select("ip.flags.df")(pilot)
        await pilot.press("l")
        await settle(pilot)

    app = LayerscopeApp(PacketSource.demo())
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_malformed_packet(snap_compare) -> None:  # noqa: ANN001
    # IPv4 says 120 bytes but 52 are there, and the TCP header length field says 60 bytes.
    segment = bytearray(tcp(b"hello world!"))
    segment[12] = 0xF0
    frame = ETH + ipv4(bytes(segment), 6, total=120)
    source = PacketSource.from_frames([(frame, 1)], name="malformed")
    assert snap_compare(LayerscopeApp(source), terminal_size=SIZE, run_before=settle)


MARKUP = (
    b"GET /[bold]x[/b] HTTP/1.1\r\n"
    b"Host: [link=https://evil.example]click[/link]\r\n"
    b"User-Agent: [@click=app.quit]quit[/] \x1b[31mRED\x1b[0m \x1b]0;pwned\x07\x1b[2J\r\n"
    b"X-Rich: [red on white]loud[/red on white] :warning: \x9b31m\r\n\r\n"
)


def test_markup_and_escapes_render_inert(snap_compare) -> None:  # noqa: ANN001
    frame = ETH + ipv4(tcp(MARKUP), 6)
    source = PacketSource.from_frames([(frame, 1)], name="[bold]markup[/bold]\x1b[31m.pcap")

    async def run_before(pilot: Pilot) -> None:
        await select("http.user_agent")(pilot)
        assert pilot.app.is_running  # [@click=app.quit] did nothing

    assert snap_compare(LayerscopeApp(source), terminal_size=SIZE, run_before=run_before)


def coloured_list(theme: str):  # noqa: ANN201
    """Every colouring case on one screen: a TCP RST, a malformed row, a bad checksum, plain
    TCP, a marked row, and a selected field over its layer's tint."""

    async def run_before(pilot: Pilot) -> None:
        pilot.app.theme = theme
        await select("tcp.flags.reset")(pilot)
        plist = pilot.app.screen.query_one("#packets")
        plist.marks = {5}
        plist.restyle()
        await settle(pilot)

    return run_before


def _habit_source() -> PacketSource:
    from tests.test_tui_habits import frames

    rows = frames()
    return PacketSource.from_frames([rows[1], *rows[:1], *rows[2:]], name="colours")


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_coloured_list_in_a_dark_and_a_light_theme(snap_compare, theme: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent")  # the default rules, not the user's
    app = LayerscopeApp(_habit_source())
    assert snap_compare(app, terminal_size=SIZE, run_before=coloured_list(theme))
