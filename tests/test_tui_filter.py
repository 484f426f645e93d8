"""Pilot tests of the display-filter bar: red while invalid, green when valid, completion,
a filter that runs in a worker (cancelled with esc, cancelled by a newer filter, restarted),
and clearing that is instant. Assertions are on widget state, never on timing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerState

from dissect import regex
from dissect.filter import compile_filter
from dissect.index import open_capture
from dissect.readers.writer import PcapWriter
from tests.test_app_tcp import tcp_frame
from tui.app import LayerscopeApp
from tui.filtering import FilterBar
from tui.source import PacketSource
from tui.widgets.packet_list import PacketList
from tui.widgets.status_bar import StatusBar

SAMPLE = Path(__file__).resolve().parent.parent / "captures" / "sample-netns.pcap"
PACKETS = 36 * 1500  # sample-netns.pcap repeated: ARP, DNS, HTTP, TLS, ICMP
SIZE = (120, 40)
Body = Callable[[LayerscopeApp, Pilot], Awaitable[None]]


def big_capture(tmp_path: Path) -> Path:
    with open_capture(str(SAMPLE)) as src:
        frames = [r.data for r in src]
    path = tmp_path / "big.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(PACKETS):
            w.write(frames[i % len(frames)], 1_700_000_000_000_000_000 + i * 1000)
    return path


def run_app(source: PacketSource, body: Body) -> None:
    async def main() -> None:
        app = LayerscopeApp(source)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


async def settle(pilot: Pilot) -> None:
    """Let workers finish and their messages land (a cancelled one counts as finished)."""
    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))
    await pilot.pause()


def filter_workers(app: LayerscopeApp) -> list:
    return [w for w in app.workers if w.group == "filter"]


def matching_rows(path: Path, text: str) -> list[int]:
    flt = compile_filter(text)
    with open_capture(str(path)) as idx:
        return [i for i, r in enumerate(idx) if flt.match_frame(r.data, r.linktype, r.number)]


class Gate:
    """Holds a filter scan after its first step until released: a scan that is provably still
    running when the test acts on it."""

    def __init__(self, source: PacketSource) -> None:
        self.released = threading.Event()
        self.real = source.filter_rows
        source.filter_rows = self.filter_rows  # type: ignore[method-assign]

    def filter_rows(self, flt, start: int, stop: int) -> Iterator[tuple[int, list[int]]]:  # noqa: ANN001
        for n, step in enumerate(self.real(flt, start, stop)):
            if n == 1:
                self.released.wait(10)
            yield step


def test_bar_turns_red_then_green_and_completes_names(tmp_path: Path) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        bar = app.screen.query_one(FilterBar)
        assert not bar.display
        await pilot.press("slash")
        assert bar.display and bar.has_focus
        await type_text(pilot, "tcp.prt")
        assert bar.has_class("-invalid") and not bar.has_class("-valid")
        assert "column 1" in bar.border_subtitle and "tcp.port" in bar.border_subtitle
        await pilot.press("backspace", "backspace", "backspace")
        await type_text(pilot, "po")
        await pilot.pause()
        assert bar._suggestion == "tcp.port"  # completion from the field registry
        await pilot.press("right")  # accepts it
        await type_text(pilot, ' == 80 && dns.qry.name == "www')
        assert bar.has_class("-invalid") and "not terminated" in bar.border_subtitle
        await type_text(pilot, '"')
        assert bar.has_class("-valid") and not bar.has_class("-invalid")
        assert bar.value == 'tcp.port == 80 && dns.qry.name == "www"'
        assert bar.border_subtitle == ""

    run_app(PacketSource.open(SAMPLE), body)


def test_filter_runs_in_a_worker_and_is_cancelled_and_restarted(tmp_path: Path) -> None:
    path = big_capture(tmp_path)
    text = 'dns.qry.name matches "(?i)EXAMPLE"'  # not vectorised: every record is decoded
    want = matching_rows(path, text)
    source = PacketSource.open(path)
    gate = Gate(source)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen, plist = app.screen, app.screen.query_one(PacketList)
        assert plist.count == PACKETS
        await pilot.press("slash")
        await type_text(pilot, text)
        await pilot.press("enter")
        while not screen.view:  # the first matches arrive while the scan goes on
            await pilot.pause(0.01)
        assert screen.filtering and filter_workers(app)[0].state == WorkerState.RUNNING
        assert plist.count == len(screen.view) < len(want)
        assert "filtering" in str(screen.query_one(StatusBar).render())
        found = len(screen.view)
        await pilot.press("escape")  # the bar has focus: esc stops the running scan
        gate.released.set()
        await settle(pilot)
        assert not screen.filtering
        assert all(w.state == WorkerState.CANCELLED for w in filter_workers(app))
        assert len(screen.view) == found  # nothing arrives after the stop
        assert "filter stopped at" in str(screen.query_one(StatusBar).render())
        # Restart: enter again (the bar keeps the text) scans the whole file.
        gate.released.clear()
        source.filter_rows = gate.real  # type: ignore[method-assign]
        screen.query_one(FilterBar).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view.tolist() == want and plist.count == len(want)
        status = str(screen.query_one(StatusBar).render())
        assert f"displayed {len(want):,}/{PACKETS:,}" in status
        assert plist.summary(0) is not None and plist.summary(0).number == want[0] + 1
        assert screen.packet is not None and screen.packet.number == want[0] + 1

    run_app(source, body)


def test_new_filter_cancels_the_running_one_and_clearing_is_instant(tmp_path: Path) -> None:
    path = big_capture(tmp_path)
    source = PacketSource.open(path)
    gate = Gate(source)
    icmp = matching_rows(path, "icmp.type == 8")

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen, plist = app.screen, app.screen.query_one(PacketList)
        screen.apply_filter('http.request.uri matches "/"')
        while not screen.view:
            await pilot.pause(0.01)
        first = filter_workers(app)[0]
        source.filter_rows = gate.real  # type: ignore[method-assign]
        screen.apply_filter("icmp.type == 8")  # vectorised: answered from fixed offsets
        gate.released.set()
        await settle(pilot)
        assert first.state == WorkerState.CANCELLED
        assert screen.view.tolist() == icmp and plist.count == len(icmp)
        plist.cursor = 3
        await pilot.pause()
        chosen = screen.packet.number
        screen.apply_filter("")  # clearing: no worker, every packet back at once
        assert screen.view is None and plist.count == PACKETS
        assert not [w for w in filter_workers(app) if w.state == WorkerState.RUNNING]
        await pilot.pause()
        assert plist.cursor == chosen - 1  # the selected packet stays selected
        assert "filter" not in str(screen.query_one(StatusBar).render())

    run_app(source, body)


def test_goto_and_last_respect_the_filter() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen, plist = app.screen, app.screen.query_one(PacketList)
        screen.apply_filter("http")
        await settle(pilot)
        # as tshark: the response's first segment (frame 10) is part of the PDU shown on 12
        assert screen.view.tolist() == [7, 11]
        await pilot.press("G")
        await settle(pilot)
        assert screen.packet.number == 12 and plist.cursor == 1
        assert screen.display_row(11) == 1 and screen.display_row(9) is None

    run_app(PacketSource.open(SAMPLE), body)


# -- hostile filters: rejected in the bar, never the app's end ----------------------------------
HOSTILE = [
    ("(" * 400 + "tcp" + ")" * 400, "nest more than"),
    ("!" * 2000 + "tcp", "nest more than"),
    ('http.request.uri matches "a{4294967295}"', "above 1000"),
    ('http.request.uri matches "(a)\\\\1"', "backreference"),
    ('tcp.port == "[/]x[bold]y[/bold] \x1b]0;t\x07"', "not a valid number"),
]


def test_pasting_a_hostile_filter_shows_the_error_and_the_app_stays_up() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen, bar = app.screen, app.screen.query_one(FilterBar)
        await pilot.press("slash")
        for text, reason in HOSTILE:
            bar.value = ""
            app.post_message(events.Paste(text))  # as the terminal delivers a paste
            await pilot.pause()
            assert bar.has_class("-invalid"), text
            shown = bar._border_subtitle.plain  # as drawn: the message, not markup
            assert shown.startswith("column ") and reason in shown, shown
            assert "\x1b" not in shown
            await pilot.press("enter")  # refused: nothing is applied
            assert screen.filter_text == "" and not filter_workers(app)
        assert "[/]x[bold]y[/bold]" in bar._border_subtitle.plain
        assert app.is_running

    run_app(PacketSource.open(SAMPLE), body)


CATASTROPHIC = 'http.request.uri matches "(a+)+$"'  # 2**30 steps a URI for a backtracking engine


def catastrophic_capture(tmp_path: Path, count: int = 5000) -> Path:
    """HTTP requests whose URIs make `(a+)+$` backtrack (a's then "!") or match (a's)."""
    path = tmp_path / "uris.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(count):
            uri = b"/" + b"a" * 30 + (b"!" if i % 2 else b"")
            w.write(tcp_frame(b"GET " + uri + b" HTTP/1.1\r\nHost: x\r\n\r\n"), i * 1000)
    return path


@pytest.mark.timeout(240)  # with a backtracking engine the first step alone never ends
@pytest.mark.parametrize("engine", ["re2", "bounded"])
def test_a_catastrophic_regex_runs_and_esc_stops_it(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine == "re2" and regex.re2 is None:
        pytest.skip("google-re2 is not installed")
    monkeypatch.setattr(regex, "ENGINE", engine)
    source = PacketSource.open(catastrophic_capture(tmp_path))
    gate = Gate(source)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen, plist = app.screen, app.screen.query_one(PacketList)
        await pilot.press("slash")
        await type_text(pilot, CATASTROPHIC)
        await pilot.press("enter")
        while not screen.view:  # matches of the first step: the scan got through them
            await pilot.pause(0.01)
        assert screen.filtering and filter_workers(app)[0].state == WorkerState.RUNNING
        found = len(screen.view)
        assert all(r % 2 == 0 for r in screen.view)  # the a's alone; "a...a!" never
        await pilot.press("escape")  # the list has focus: esc stops the scan
        gate.released.set()
        await settle(pilot)
        assert not screen.filtering and len(screen.view) == found < 2500
        assert all(w.state == WorkerState.CANCELLED for w in filter_workers(app))
        await pilot.press("slash")  # responsive: the bar opens and checks what is typed
        await type_text(pilot, " &&")
        assert screen.query_one(FilterBar).has_class("-invalid")
        assert plist.count == found

    run_app(source, body)


def test_bar_keeps_its_round_border_when_focused() -> None:
    # Input's own focus style (a tall border) left a stub beside the bar's title
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        bar = app.screen.query_one(FilterBar)
        await pilot.press("slash")
        assert bar.has_focus
        for text in ("", "tcp.prt", "tcp.port"):  # plain, invalid, valid
            bar.value = text
            await pilot.pause()
            edges = (bar.styles.border_top, bar.styles.border_left, bar.styles.border_bottom)
            assert {kind for kind, _colour in edges} == {"round"}, text

    run_app(PacketSource.open(SAMPLE), body)
