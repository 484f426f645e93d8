"""Pilot tests of the TUI's live mode: picker, following, pause with "N new packets",
status counters, stop (ctrl+e / ctrl+c), save (w), asking before unsaved packets go. The capture process runs in a fresh
network namespace (`ip netns exec`) and captures its loopback; every wait is bounded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from dissect.capture import LiveOptions
from dissect.index import open_capture
from tests.test_live import PY, UDP_PORT, _why_not, netns, nsexec  # noqa: F401  (fixture)
from tui.app import LayerscopeApp
from tui.hangup import save_unsaved
from tui.live import InterfaceScreen, LivePacketSource
from tui.screens import AskSaveScreen, ExportScreen
from tui.widgets.packet_list import PacketList
from tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))
SIZE = (120, 40)
FILTER = f"udp port {UDP_PORT}"


def send(ns: str, n: int, first: int = 0) -> None:
    code = ("import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for i in range(int(sys.argv[1]), int(sys.argv[2])):\n"
            f"    s.sendto(b'layerscope %06d' % i, ('127.0.0.1', {UDP_PORT}))")  # fmt: skip
    subprocess.run(nsexec(ns, PY, "-c", code, str(first), str(first + n)), check=True, timeout=30)


async def until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until predicate() holds (bounded: fails after timeout)."""
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached in time")


def status_text(app: LayerscopeApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


def run(source: LivePacketSource, ns: str, body: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        app = LayerscopeApp(source)
        app.capture_filter, app.capture_prefix = FILTER, nsexec(ns)
        async with app.run_test(size=SIZE) as pilot:
            await body(app, pilot)

    try:
        asyncio.run(main())
    finally:
        source.close()


def test_live_view_follows_pauses_stops_and_saves(netns: str, tmp_path: Path) -> None:  # noqa: F811
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))
    saved = tmp_path / "saved.pcapng"

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        send(netns, 5)
        await until(pilot, lambda: plist.count == 5)
        assert plist.cursor == 4  # the cursor stayed on the last row: the list follows
        await pilot.press("space")  # pause the view; the capture goes on
        send(netns, 7, first=5)
        await until(pilot, lambda: source.new_packets == 7)
        await until(pilot, lambda: "7 new packets" in status_text(app))
        await until(pilot, lambda: "captured 12" in status_text(app))  # the counters go on
        assert plist.count == 5
        await pilot.press("space")  # resume: the list catches up
        await until(pilot, lambda: plist.count == 12)
        await pilot.press("ctrl+e")  # stop
        await until(pilot, lambda: not source.running and "stopped" in status_text(app))
        assert "dropped 0" in status_text(app)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.press(*str(saved), "enter")
        await until(pilot, lambda: source.unsaved == 0 and not isinstance(app.screen, ExportScreen))
        await pilot.press("ctrl+c")  # no capture running, nothing unsaved: quits

    run(source, netns, body)
    idx = open_capture(str(saved)).index_all()
    assert len(idx) == 12 and idx.warnings == []
    assert [idx.record(i).data[-6:] for i in (0, 11)] == [b"000000", b"000011"]


def test_ctrl_c_stops_the_capture_then_quits(netns: str) -> None:  # noqa: F811
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        send(netns, 3)
        await until(pilot, lambda: app.screen.query_one(PacketList).count == 3)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: not source.running)
        assert app.is_running and "captured 3" in status_text(app)
        await pilot.press("ctrl+c")  # 3 packets not saved: asks first
        await until(pilot, lambda: isinstance(app.screen, AskSaveScreen))
        await pilot.pause()
        await pilot.click("#discard")
        await until(pilot, lambda: not app.is_running)

    run(source, netns, body)
    assert not os.path.exists(source.capture.path)  # the temporary file went with the app


def test_interface_picker_starts_a_capture(netns: str) -> None:  # noqa: F811
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))
    started: list[LivePacketSource] = []

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        source.stop()
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, InterfaceScreen))
        options = app.screen.query_one(OptionList)
        lo = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "lo"
        )
        options.highlighted = lo
        await pilot.press("enter")
        await until(pilot, lambda: app.source is not source)
        assert isinstance(app.source, LivePacketSource) and app.source.running
        started.append(app.source)
        send(netns, 4)
        await until(pilot, lambda: app.screen.query_one(PacketList).count == 4)
        assert "live: lo" in status_text(app)

    run(source, netns, body)
    assert started and not started[0].running  # closing the app stopped it


def test_changing_interface_asks_before_dropping_the_packets(netns: str) -> None:  # noqa: F811
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        send(netns, 2)
        await until(pilot, lambda: app.screen.query_one(PacketList).count == 2)
        app.screen.start_capture("lo")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, AskSaveScreen))
        await pilot.pause()
        await pilot.click("#cancel")
        await pilot.pause()
        assert app.source is source and source.running
        await pilot.press("ctrl+e")  # stop
        await until(pilot, lambda: not source.running)
        await pilot.press("ctrl+e")  # restart: asks too
        await until(pilot, lambda: isinstance(app.screen, AskSaveScreen))
        await pilot.pause()
        await pilot.click("#cancel")
        assert app.source is source

    run(source, netns, body)


@pytest.mark.skipif(sys.platform != "linux", reason="Linux only")
def test_unknown_interface_notifies_instead_of_crashing(netns: str) -> None:  # noqa: F811
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        app.screen.start_capture("nosuchdev0")  # type: ignore[attr-defined]
        await until(pilot, lambda: any("no such device" in n.message for n in app._notifications))
        assert app.source is source

    run(source, netns, body)


def test_killed_capture_process_is_shown_as_a_failure(netns: str) -> None:  # noqa: F811
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        send(netns, 3)
        await until(pilot, lambda: app.screen.query_one(PacketList).count == 3)
        os.kill(source.capture.pid, signal.SIGKILL)  # by PID: the process this test started
        await until(pilot, lambda: "failed" in status_text(app))
        details = str(source.status_text())
        assert "killed by SIGKILL" in details and "captured 3" in details
        assert app.is_running

    run(source, netns, body)


def test_hang_up_keeps_the_unsaved_capture(netns: str, tmp_path: Path) -> None:  # noqa: F811
    # what tui/hangup.py does when the terminal goes away during a capture
    source = LivePacketSource.start(LiveOptions("lo", FILTER, prefix=nsexec(netns)))
    try:
        send(netns, 3)
        for _ in range(300):  # bounded: 30 s of FOLLOW_WAIT
            if len(source) == 3:
                break
            source.index_more()
        assert source.unsaved == 3
        lines = save_unsaved(source, tmp_path)
        [kept] = sorted(tmp_path.glob("capture-*.pcapng"))
        assert lines == [f"the unsaved live capture was moved to {kept}"]
        assert not source.running
        idx = open_capture(str(kept)).index_all()
        assert [idx.record(i).data[-6:] for i in range(len(idx))] == [
            b"000000",
            b"000001",
            b"000002",
        ]
    finally:
        source.close()
