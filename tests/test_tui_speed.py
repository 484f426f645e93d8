"""Pilot tests of what keeps the TUI responsive on big captures: work that is not done.

Each test asserts that something is skipped or deferred (a library not loaded, a widget not
rebuilt, a worker that waits for the keys); the time it saves is measured in
bench/bench_big.py, never here.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer

import tui.source as source_module
from tests.test_app_udp import udp_frame
from tests.test_streams import SAMPLE
from tests.test_tui import parts, run_app
from tui.app import LayerscopeApp
from tui.source import DEMO_PATH, PacketSource
from tui.widgets.key_footer import KeyFooter


def test_scapy_loads_only_for_a_packet_that_needs_it(monkeypatch) -> None:  # noqa: ANN001
    """The demo's packets are all ours to decode: selecting each leaves scapy unloaded
    (seconds of imports that would compete with the first rows); a UDP payload on a port we
    do not know is what starts it."""
    monkeypatch.setattr(source_module, "_SCAPY", {})
    monkeypatch.setattr(source_module.scapy_tail, "available", lambda: False)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, _tree, _hex = parts(app)
        for _ in range(plist.count):
            await pilot.press("down")
        await pilot.pause()
        assert app.screen.packet is not None and app.screen.packet.number == plist.count
        assert source_module._SCAPY == {}
        app.source.add_hex(app.source.preview_hex(udp_frame(b"\x02\x02\x00\x00", 520, 520).hex()))
        plist.set_count(len(app.source))
        await pilot.press("G")
        await pilot.pause()
        assert source_module._SCAPY.get("started")

    run_app(PacketSource.demo(), body)


FIRST_TCP = 5  # the first TCP packet of SAMPLE


class Shown(Widget, can_focus=True):
    BINDINGS = [Binding("x", "bell", "Ring")]


class Hidden(Widget, can_focus=True):
    BINDINGS = [Binding("y", "bell", "Ring", show=False)]


class TwoPanes(App[None]):
    def compose(self) -> ComposeResult:
        yield Hidden(id="a")
        yield Hidden(id="b")
        yield Shown(id="c")
        yield KeyFooter()


def run_panes(body: Callable[[TwoPanes, Pilot], Awaitable[None]]) -> None:
    async def main() -> None:
        app = TwoPanes()
        async with app.run_test(size=(80, 10)) as pilot:
            await pilot.pause()
            await body(app, pilot)

    asyncio.run(main())


def keys(app: App) -> list[Widget]:
    return list(app.query_one(Footer).query("FooterKey"))


def test_footer_is_not_rebuilt_when_its_keys_stay_the_same() -> None:
    async def body(app: TwoPanes, pilot: Pilot) -> None:
        app.query_one("#a").focus()
        await pilot.pause()
        before = keys(app)
        app.query_one("#b").focus()  # same keys shown: the footer's widgets stay
        await pilot.pause()
        assert keys(app) == before
        app.query_one("#c").focus()  # its own shown binding: the footer is rebuilt
        await pilot.pause()
        after = keys(app)
        assert after != before and any("Ring" in str(k.render()) for k in after)

    run_panes(body)


def test_footer_keys_get_their_styles_once(monkeypatch) -> None:  # noqa: ANN001
    """Textual's footer keys are born compact and told otherwise once mounted: two style
    passes for each key at every footer build. They are built with the footer's look (the
    command palette's key stays compact, as Textual's footer leaves it)."""
    from textual.widgets._footer import FooterKey

    restyled: list[object] = []
    original = App.update_styles

    def update_styles(self: App, node, animate: bool = True) -> None:  # noqa: ANN001
        restyled.append(node)
        original(self, node, animate)

    monkeypatch.setattr(App, "update_styles", update_styles)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.pause()
        keys = list(app.screen.query_one(KeyFooter).query(FooterKey))
        assert keys and [k.has_class("-compact") for k in keys] == [
            k.has_class("-command-palette") for k in keys
        ]  # as Textual's footer draws them
        assert not [n for n in restyled if isinstance(n, FooterKey)]

    run_app(five_frames(), body)


def test_a_pane_switch_repaints_only_what_it_changes(monkeypatch) -> None:  # noqa: ANN001
    """Textual repaints the whole screen when the focus moves (every pane rendered again);
    the panes that gain and lose the focus restyle and repaint themselves."""
    from textual._compositor import Compositor

    full: list[int] = []
    original = Compositor.render_full_update

    def render_full_update(self: Compositor, simplify: bool = False):  # noqa: ANN202
        full.append(1)
        return original(self, simplify)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hex = parts(app)
        await pilot.pause()
        monkeypatch.setattr(Compositor, "render_full_update", render_full_update)
        await pilot.press("tab")
        await pilot.pause()
        assert app.screen.focused is tree
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.screen.focused is plist and full == []

    run_app(five_frames(), body)


def test_main_screen_pane_switch_keeps_the_footer() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        before = keys(app)
        assert before
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
        assert keys(app) == before

    run_app(PacketSource.demo(), body)


def test_keys_held_down_decode_only_where_the_cursor_stops(monkeypatch) -> None:  # noqa: ANN001
    """Three moves before the screen answers the first: one packet is decoded for the
    panes (the last), not three."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hex = parts(app)
        asked: list[int] = []
        full = app.source.packet
        monkeypatch.setattr(app.source, "packet", lambda row: asked.append(row) or full(row))
        plist.cursor = 1
        plist.cursor = 2
        plist.cursor = 3
        await pilot.pause()
        assert asked == [3]
        assert app.screen.packet is not None and app.screen.packet.number == 4
        assert tree.packet is app.screen.packet

    frames = [(udp_frame(bytes([n]) * 8, 40000 + n, 53), 1) for n in range(5)]
    run_app(PacketSource.from_frames(frames), body)


def test_workers_pause_while_keys_come_in(monkeypatch) -> None:  # noqa: ANN001
    """A key marks the input as recent: a worker's pause() sleeps then, and not otherwise."""
    from tui import courtesy

    slept: list[float] = []
    clock = [100.0]
    monkeypatch.setattr(courtesy, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(courtesy.time, "sleep", sleep)
    gate = courtesy.Courtesy()
    assert gate.pause() == 0 and not slept
    gate.touched()
    assert gate.busy
    assert gate.pause() == pytest.approx(courtesy.HOLD)
    assert not gate.busy
    gate.touched()
    clock[0] += courtesy.HOLD  # the key was a while ago
    slept.clear()
    assert gate.pause() == 0 and not slept


def test_a_key_press_tells_the_workers() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        app.courtesy._until = 0.0
        assert not app.courtesy.busy
        await pilot.press("down")
        assert app.courtesy._until > 0.0

    run_app(PacketSource.demo(), body)


def five_frames() -> PacketSource:
    return PacketSource.from_frames(
        [(udp_frame(bytes([n]) * 8, 40000 + n, 53), 1) for n in range(5)]
    )


def test_status_and_explanation_ask_for_no_layout_pass(monkeypatch) -> None:  # noqa: ANN001
    """A key redraws the status bar and the line under the tree in place: their size does
    not change, and a layout pass of the screen costs more than the key's own work."""
    from textual.widgets import Static

    from tui.widgets.status_bar import StatusBar

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        laid_out: list[str] = []
        original = Static.update

        def update(self: Static, content="", *, layout: bool = True) -> None:  # noqa: ANN001
            if layout and (isinstance(self, StatusBar) or self.id == "explain"):
                laid_out.append(self.id or "")
            original(self, content, layout=layout)

        monkeypatch.setattr(Static, "update", update)
        for _ in range(3):
            await pilot.press("down")
            await pilot.pause()
        assert app.screen.packet is not None and app.screen.packet.number == 4
        assert laid_out == []

    run_app(five_frames(), body)


def test_osi_panel_catches_up_when_its_tab_is_shown() -> None:
    from textual.widgets import Static

    from tui.widgets.osi_panel import OsiPanel

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        for _ in range(2):
            await pilot.press("down")
        await pilot.press("l")
        await pilot.pause()
        text = str(app.screen.query_one(OsiPanel).query_one("#osi-body", Static).render())
        assert "OSI stack of packet #3" in text

    run_app(five_frames(), body)


def test_list_rows_of_a_block_are_read_together(monkeypatch) -> None:  # noqa: ANN001
    """A block of consecutive records is read in one go (records()), not record by record;
    any mix of rows (a filtered view, pasted frames after the file's) gives the same rows as
    decoding each alone."""
    source = PacketSource.open(DEMO_PATH.with_name("sample-netns.pcap"))
    source.index_more()
    n = len(source)
    assert n >= 4
    source.add_hex(source.preview_hex(udp_frame(b"abcd", 1234, 53).hex()))
    one_by_one = [source._row(r) for r in range(len(source))]
    mixed = [0, 1, 2, n - 1, n, 1, 3]  # runs, a pasted frame, a step back
    assert source.summaries_of(mixed) == [one_by_one[r] for r in mixed]

    def single(i: int) -> None:
        raise AssertionError(f"record({i}) read alone")

    monkeypatch.setattr(source._index, "record", single)
    assert source.summaries(0, len(source)) == one_by_one


def test_cursor_move_redraws_only_the_two_rows_it_changes(monkeypatch) -> None:  # noqa: ANN001
    from tui.widgets.packet_list import PacketList as List

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        drawn: list[int] = []
        original = List._row_text

        def row_text(self: List, s, before=None):  # noqa: ANN001, ANN202
            drawn.append(s.number)
            return original(self, s, before)

        monkeypatch.setattr(List, "_row_text", row_text)
        await pilot.press("down")
        await pilot.pause()
        assert sorted(set(drawn)) == [1, 2]

    run_app(five_frames(), body)


def test_hex_pane_keeps_its_height_for_a_shorter_packet() -> None:
    """From a long packet to a short one the panes keep their sizes: no layout pass and no
    second paint for the key."""
    frames = [(udp_frame(b"x" * 200, 40000, 53), 1), (udp_frame(b"y", 40001, 53), 1)]

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, hexpane = parts(app)
        tall, tree_size = hexpane.size.height, tree.size
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.packet is not None and app.screen.packet.number == 2
        assert hexpane.size.height == tall and tree.size == tree_size
        assert hexpane.offset_at(10, tall - 1) is None  # the lines below the packet are blank

    run_app(PacketSource.from_frames(frames), body)


def test_a_filter_that_matches_nothing_leaves_no_packet_selected() -> None:
    """The list is empty: the panes and the status bar show no packet (not the last one)."""
    from textual.widgets import Static

    from tui.widgets.status_bar import StatusBar

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, hexpane = parts(app)
        await pilot.press("G")
        await pilot.pause()
        assert app.screen.packet is not None
        app.screen.apply_filter("tcp")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.displayed() == 0
        assert app.screen.packet is None and tree.packet is None and hexpane.packet is None
        assert not tree.root.children
        assert str(app.screen.query_one("#explain", Static).render()) == ""
        assert app.screen.query_one(StatusBar).status.selected is None

    run_app(five_frames(), body)


def test_a_slow_stream_pass_does_not_hold_the_selection(monkeypatch) -> None:  # noqa: ANN001
    """Putting a long TCP stream's PDUs together (seconds, `G` on a million packets) runs
    beside the UI: the packet is shown at once without its stream fields, then with them."""
    release = threading.Event()
    real = source_module.annotate

    def slow(pkt, table, later=True) -> None:  # noqa: ANN001
        release.wait(10)
        real(pkt, table, later)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, tree, _hex = parts(app)
        first = plist.cursor = FIRST_TCP - 1
        for _ in range(200):  # bounded: the stream pass runs after the index
            if app.screen.packet is not None and app.screen.packet.get("tcp.stream") is not None:
                break
            await pilot.pause(0.05)
        assert app.screen.packet.get("tcp.stream") is not None
        monkeypatch.setattr(source_module, "annotate", slow)
        app.source.forget_decodes()
        await pilot.press("down")
        shown = app.screen.packet
        assert shown.number == FIRST_TCP + 1 and shown.get("tcp.stream") is None  # at once
        assert tree.packet is shown and not release.is_set()
        release.set()
        for _ in range(200):
            if app.screen.packet is not shown:
                break
            await pilot.pause(0.05)
        again = app.screen.packet
        assert (
            again.number == FIRST_TCP + 1
            and again.get("tcp.stream") is not None
            and tree.packet is again
        )
        assert plist.cursor == first + 1

    run_app(PacketSource.open(SAMPLE), body)


def test_tree_asks_for_no_layout_pass_per_packet_or_focus(monkeypatch) -> None:  # noqa: ANN001
    """Tree asks for a layout pass at every node it adds and at every focus change (a pass
    re-renders every pane); the field tree's size is the screen's, so it only repaints,
    and lays out when its lines stop fitting the pane (the scrollbar comes)."""
    from textual.widget import Widget

    from tui.widgets.field_tree import FieldTree

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        _plist, tree, _hex = parts(app)
        laid_out: list[int] = []
        original = Widget.refresh

        def refresh(self: Widget, *regions, repaint=True, layout=False, recompose=False):  # noqa: ANN001, ANN202
            if layout and isinstance(self, FieldTree):
                laid_out.append(1)
            return original(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

        monkeypatch.setattr(Widget, "refresh", refresh)
        for _ in range(3):
            await pilot.press("down")
            await pilot.pause()
        await pilot.press("tab", "shift+tab")
        await pilot.pause()
        assert app.screen.packet is not None and app.screen.packet.number == 4
        assert tree.packet is app.screen.packet and laid_out == []
        assert tree.max_scroll_y == 0
        tree.focus()
        await pilot.press("e")  # every line open: more than the pane holds
        await pilot.pause()
        assert laid_out and tree.max_scroll_y > 0  # it scrolls

    run_app(five_frames(), body)


def test_the_tui_starts_without_the_capture_modules() -> None:
    """dissect.capture (subprocess, the privilege helper) loads with the first capture,
    not with every start: imports are most of the CPU to the first screen."""
    import subprocess
    import sys

    code = (
        "import sys, tui.app; print(sorted(m for m in sys.modules if m.startswith('dissect.capt')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_the_tui_starts_without_its_dialogs_and_teaching_screens() -> None:
    """The dialogs (with the Textual widgets they use), the follow screen and the teaching
    screens load when first opened: none is on the first screen, and imports are most of
    its CPU."""
    import subprocess
    import sys

    deferred = ("tui.screens", "tui.follow", "tui.tour", "tui.edit", "tui.diff",
                "tui.decode_as", "dissect.annotate", "textual.widgets._text_area")  # fmt: skip
    code = f"import sys, tui.app; print([m for m in {deferred!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_the_stream_pass_steps_aside_for_keys(monkeypatch) -> None:  # noqa: ANN001
    """The stream pass (after the index, on its worker) pauses between its chunks while keys
    come in, as the index walk does."""
    real = source_module.StreamTable.build
    seen: list[object] = []

    def build(index, progress=None, **options):  # noqa: ANN001, ANN003, ANN202
        seen.append(progress)
        return real(index, progress, **options)

    monkeypatch.setattr(source_module.StreamTable, "build", build)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        paused: list[int] = []
        monkeypatch.setattr(app.courtesy, "pause", lambda: paused.append(1) or 0.0)
        await app.workers.wait_for_complete()
        seen.clear()
        app.replace_source(PacketSource.open(SAMPLE))  # a new source: a new stream pass
        app.screen.load_source()
        for _ in range(200):  # bounded
            if seen:
                break
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        assert seen and callable(seen[-1]) and paused

    run_app(PacketSource.open(SAMPLE), body)


def test_keys_in_a_stream_being_put_together_do_not_wait_for_it(monkeypatch) -> None:  # noqa: ANN001
    """While a long TCP stream's PDUs are put together beside the UI (seconds on a big
    capture), a key to another packet of that stream shows it at once: no second job for
    the same stream, no wait for the first; the job steps aside for keys as it goes."""
    release = threading.Event()
    asked: list[object] = []

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist, _tree, _hex = parts(app)
        plist.cursor = FIRST_TCP - 1
        for _ in range(200):  # bounded: the stream pass runs after the index
            if app.screen.packet is not None and app.screen.packet.get("tcp.stream") is not None:
                break
            await pilot.pause(0.05)
        pdus = app.source._streams.pdus

        def slow(n: int, between=None) -> None:  # noqa: ANN001
            asked.append(between)
            release.wait(10)

        monkeypatch.setattr(pdus, "stream", slow)
        app.source.forget_decodes()  # the stream is to be put together again
        waits: list[float | None] = []
        real_result = source_module.Future.result

        def result(self, timeout=None):  # noqa: ANN001, ANN202
            waits.append(timeout)
            return real_result(self, timeout)

        monkeypatch.setattr(source_module.Future, "result", result)
        await pilot.press("down")
        first = app.source._pending
        await pilot.press("down")
        shown = app.screen.packet
        assert shown.number == FIRST_TCP + 2 and shown.get("tcp.stream") is None
        assert app.source._pending is first and len(waits) == 1  # the first key only
        assert asked == [app.courtesy.pause]
        release.set()
        for _ in range(200):
            if app.screen.packet is not shown:
                break
            await pilot.pause(0.05)
        assert app.screen.packet.number == FIRST_TCP + 2
        assert app.screen.packet.get("tcp.stream") is not None

    run_app(PacketSource.open(SAMPLE), body)


def test_workers_are_told_again_once_a_key_is_painted(monkeypatch) -> None:  # noqa: ANN001
    """The hold workers keep counts from the key's arrival and again from its paint: on a
    loaded machine a key's work outlasts a hold counted from its arrival only."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.pause()
        assert app.screen.packet.number == 1
        told: list[int] = []  # the packet shown at each call
        monkeypatch.setattr(app.courtesy, "touched", lambda: told.append(app.screen.packet.number))
        await pilot.press("down")
        await pilot.pause()
        assert told[0] == 1 and told[-1] == 2  # on arrival, and once the key's packet is shown

    run_app(five_frames(), body)


def test_objects_alive_at_quiet_moments_leave_the_collectors_walks() -> None:
    """A full collection walks every object alive, holding the interpreter (~100 ms with a
    big capture open: a key waits). What is alive once the first screen is drawn, and
    once the stream pass is done, is left out of its walks (gc.freeze) until the app ends."""
    import gc

    counts: list[int] = []

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        for _ in range(200):  # bounded: the first rows, then the stream pass
            if app.screen.packet is not None and app.screen.packet.get("tcp.stream") is not None:
                break
            await pilot.pause(0.05)
        counts.append(gc.get_freeze_count())

    gc.unfreeze()
    run_app(PacketSource.open(SAMPLE), body)
    assert counts[0] > 0
    assert gc.get_freeze_count() == 0  # given back when the app ended


def test_no_collection_starts_while_a_key_is_answered(monkeypatch) -> None:  # noqa: ANN001
    """A key allocates enough to set off garbage collections in the middle of its work (a
    full one every few keys): the collector is off from the key's arrival, through the
    panes' update, until the input is quiet, then back on."""
    import gc

    from tui.widgets.field_tree import FieldTree

    during: list[bool] = []
    original = FieldTree.show_packet

    def show_packet(self: FieldTree, pkt) -> None:  # noqa: ANN001
        during.append(gc.isenabled())
        original(self, pkt)

    monkeypatch.setattr(FieldTree, "show_packet", show_packet)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        during.clear()
        await pilot.press("down")
        assert during and not any(during)
        for _ in range(40):  # bounded: QUIET is a tenth of a second
            if gc.isenabled():
                break
            await pilot.pause(0.05)
        assert gc.isenabled()

    assert gc.isenabled()
    run_app(five_frames(), body)
    assert gc.isenabled()


def test_the_collector_comes_back_when_keys_are_held_down(monkeypatch) -> None:  # noqa: ANN001
    """Keys held down keep the input busy: the collector is back on after MAX_HOLD anyway,
    and a collector someone else turned off is left off."""
    import gc

    from tui import courtesy

    clock = [100.0]
    monkeypatch.setattr(courtesy, "monotonic", lambda: clock[0])
    gate = courtesy.Courtesy()
    try:
        gate.hold()
        assert not gc.isenabled()
        step = 1 / 16  # a key every 62.5 ms (exact in binary: no rounding at MAX_HOLD)
        for _ in range(round(courtesy.MAX_HOLD / step) - 1):
            clock[0] += step
            gate.hold()
            assert not gate.let_go_if_quiet()
        clock[0] += step
        gate.hold()
        assert gate.let_go_if_quiet() and gc.isenabled()
        gc.disable()
        gate.hold()
        clock[0] += courtesy.QUIET
        assert gate.let_go_if_quiet() and not gc.isenabled()
    finally:
        gc.enable()
