"""The Statistics screen (README "Statistics"): Pilot tests on widget state, and a snapshot.

Capture: tests/data/stats/http-simple-get.pcap (arkime corpus, README there).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TabbedContent, Tree

from tests.test_live import _why_not, netns  # noqa: F401  (fixture)
from tui.app import LayerscopeApp
from tui.browser import BrowserScreen
from tui.filtering import FilterBar
from tui.source import PacketSource
from tui.stats.iograph import IoGraph
from tui.stats.screen import StatisticsScreen
from tui.widgets.packet_list import PacketList

HTTP = Path(__file__).parent / "data" / "stats" / "http-simple-get.pcap"
SIZE = (120, 40)


async def settle(pilot: Pilot) -> None:
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def run_app(body, source: PacketSource | None = None) -> None:  # noqa: ANN001
    async def main() -> None:
        app = LayerscopeApp(source if source is not None else PacketSource.open(HTTP))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


async def open_stats(app: LayerscopeApp, pilot: Pilot) -> StatisticsScreen:
    await pilot.press("S")
    await settle(pilot)
    assert isinstance(app.screen, StatisticsScreen)
    return app.screen


async def shown(screen: StatisticsScreen, pilot: Pilot, name: str, wait: bool = True) -> DataTable:
    """A table of the screen with its tab shown: its rows go in then (`wait`: for every
    worker to end; a live capture's never does)."""
    what = name.split("-")[0]
    screen.query_one("#stats-tabs", TabbedContent).active = f"tab-{what}"
    if what in ("conv", "endpoints"):
        screen.query_one(f"#{what}-tabs", TabbedContent).active = f"tab-{name}"
    await (settle(pilot) if wait else pilot.pause())
    return screen.query_one(f"#{name}", DataTable)


def labels(node) -> list[str]:  # noqa: ANN001
    out = []
    for child in node.children:
        out.append(child.label.plain)
        out += labels(child)
    return out


def test_protocol_hierarchy_and_conversations() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        phs = [x.split()[0] for x in labels(screen.query_one("#phs", Tree).root)]
        assert phs == ["eth", "ip", "tcp", "http", "data-text-lines"]
        assert "100.0% packets (16)" in labels(screen.query_one("#phs", Tree).root)[0]
        table = await shown(screen, pilot, "conv-tcp")
        assert table.row_count == 1
        row = table.get_row_at(0)
        assert (row[1], row[3], row[4], row[5]) == (61450, 80, 16, 6465)
        assert (await shown(screen, pilot, "endpoints-ip")).row_count == 2

    run_app(body)


def test_a_tables_rows_go_in_when_its_tab_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tens of thousands of conversations cost the interface seconds of rows: a table
    takes them when its tab is shown, a few between two refreshes (keys come in
    between), and a column chosen meanwhile sorts them all."""
    from tui.stats import fill

    monkeypatch.setattr(fill, "ROWS_AT_ONCE", 1)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        table = screen.query_one("#endpoints-ip", DataTable)
        assert table.row_count == 0 and "endpoints-ip" in screen.pending
        screen.query_one("#stats-tabs", TabbedContent).active = "tab-endpoints"
        screen.query_one("#endpoints-tabs", TabbedContent).active = "tab-endpoints-ip"
        await pilot.pause()
        screen.sort_table(table, 7)  # Rx bytes (ranked by packets: 692 first), meanwhile
        await settle(pilot)
        rx = [table.get_row_at(i)[7] for i in range(table.row_count)]
        assert rx == [5773, 692] and "endpoints-ip" not in screen.pending

    run_app(body)


def test_a_recounted_tree_is_updated_in_place() -> None:
    """The hierarchy and the expert come again every half second while counted: their
    lines are relabelled in place (clearing the tree laid the screen out again each
    time and put the cursor back on top)."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        trees = [screen.query_one(f"#{name}", Tree) for name in ("phs", "expert")]
        kept = [list(tree.root.children) for tree in trees]
        trees[1].move_cursor(trees[1].root.children[0].children[0])
        line = trees[1].cursor_line
        again = {name: screen.results[name] for name in ("phs", "expert")}
        screen.post_message(StatisticsScreen.Ready(again, screen.token, "decoding"))
        await settle(pilot)
        assert [list(tree.root.children) for tree in trees] == kept and kept[1]
        assert trees[1].cursor_line == line > 0

    run_app(body)


async def open_tcp_conversations(app: LayerscopeApp, pilot: Pilot) -> None:
    """The statistics screen with its TCP conversations table focused."""
    screen = await open_stats(app, pilot)
    (await shown(screen, pilot, "conv-tcp")).focus()


def test_enter_on_a_conversation_applies_it_as_the_filter() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await open_tcp_conversations(app, pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen)
        text = (
            "ip.addr==10.180.156.141 && tcp.port==61450 && ip.addr==10.180.156.249 && tcp.port==80"
        )
        assert app.screen.query_one(FilterBar).value == text
        assert app.screen.filter_text == text and app.screen.displayed() == 16

    run_app(body)


def test_f_on_a_conversation_follows_its_stream() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        from tui.follow import FollowScreen

        await open_tcp_conversations(app, pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FollowScreen)
        assert (app.screen.followed.kind, app.screen.followed.stream) == ("tcp", 0)
        assert app.screen_stack[-2].filter_text == "tcp.stream eq 0"

    run_app(body)


def test_statistics_cover_the_displayed_packets_only() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        app.screen.apply_filter("http")
        await settle(pilot)
        screen = await open_stats(app, pilot)
        table = await shown(screen, pilot, "conv-tcp")
        # as tshark -Y http: the request and the response put together from its segments
        assert table.get_row_at(0)[4] == app.screen_stack[-2].displayed() == 2
        http = await shown(screen, pilot, "http")
        assert [str(c) for c in http.get_row_at(0)] == ["xxxxxxxxxxxxx.xxx.com", "/", "1"]

    run_app(body)


def test_expert_item_goes_to_its_packet() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        tree = screen.query_one("#expert", Tree)
        leaves = [n for n in _walk(tree.root) if isinstance(n.data, int)]
        assert leaves and "checksum" in leaves[0].label.plain.lower()
        number = leaves[0].data
        tree.select_node(leaves[0])
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_one(PacketList).cursor == number - 1

    run_app(body)


def _walk(node):  # noqa: ANN001, ANN202
    for child in node.children:
        yield child
        yield from _walk(child)


def test_io_graph_zooms_moves_and_goes_to_the_first_packet() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        screen.query_one("#stats-tabs", TabbedContent).active = "tab-io"
        graph = screen.query_one(IoGraph)
        graph.focus()
        await pilot.pause()
        assert sum(graph.timeline.frames[0]) == 16 and graph.group > 1
        wide = graph.hi - graph.lo
        await pilot.press("plus")
        assert graph.hi - graph.lo == wide // 2
        await pilot.press("right", "right")
        assert graph.cursor == 2 * graph.group
        await pilot.press("b")
        assert graph.show_bytes
        graph.cursor = graph.timeline.buckets - 1
        graph.lo, graph.hi = graph.timeline.buckets - 40, graph.timeline.buckets
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen)
        assert app.screen.query_one(PacketList).cursor == 15  # the last packet is the last interval

    run_app(body)


def test_io_graph_adds_a_line_with_its_own_filter() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        screen.query_one("#stats-tabs", TabbedContent).active = "tab-io"
        graph = screen.query_one(IoGraph)
        graph.focus()
        await pilot.press("a")
        assert isinstance(app.focused, Input)
        for ch in "http":
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)
        graph = app.screen.query_one(IoGraph)
        assert graph.timeline.filters == ["", "http"]
        assert [sum(f) for f in graph.timeline.frames] == [16, 5]

    run_app(body)


def test_escape_closes_and_cancels() -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.press("S")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BrowserScreen)
        assert not [w for w in app.workers if w.group == "statistics" and w.is_running]

    run_app(body)


def test_statistics_snapshot(snap_compare) -> None:  # noqa: ANN001
    async def before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)

    app = LayerscopeApp(PacketSource.open(HTTP))
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


@pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))
def test_live_capture_statistics_grow_as_packets_arrive(netns: str) -> None:  # noqa: F811
    """A live capture's statistics take in the packets captured after the screen opened."""
    from dissect.capture import LiveOptions
    from tests import test_tui_live as live
    from tui.live import LivePacketSource

    source = LivePacketSource.start(LiveOptions("lo", live.FILTER, prefix=live.nsexec(netns)))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        plist = app.screen.query_one(PacketList)
        live.send(netns, 3)
        await live.until(pilot, lambda: plist.count == 3)
        await pilot.press("S")
        await live.until(pilot, lambda: isinstance(app.screen, StatisticsScreen))
        table = await shown(app.screen, pilot, "conv-udp", wait=False)

        def packets() -> int:  # each send() is a new socket: a conversation of its own
            return sum(table.get_row_at(i)[4] for i in range(table.row_count))

        await live.until(pilot, lambda: packets() == 3)
        live.send(netns, 4, first=3)
        await live.until(pilot, lambda: packets() == 7)
        assert any("(7)" in label for label in labels(app.screen.query_one("#phs", Tree).root))
        await pilot.press("escape")
        source.stop()

    live.run(source, netns, body)


def test_expert_has_the_connection_events_and_the_seq_ack_analysis() -> None:
    capture = Path(__file__).parent / "data" / "streams" / "arkime_wireshark-retrans.pcap"

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        text = " ".join(labels(screen.query_one("#expert", Tree).root))
        assert "This frame is a (suspected) retransmission" in text
        assert "Connection establish request (SYN): server port 4000" in text

    run_app(body, PacketSource.open(capture))


def _cli_hierarchy(*extra: str) -> list[str]:
    """(protocol, frames) rows of the CLI's -z io,phs of HTTP."""
    import io

    from dissect.cli import build_parser, finish_args, run_batch

    p = build_parser()
    args = finish_args(p, p.parse_args(["-r", str(HTTP), "-q", "-z", "io,phs", *extra]))
    out = io.StringIO()
    run_batch(args, out=out, err=io.StringIO())
    rows = [line.split() for line in out.getvalue().splitlines() if "frames:" in line]
    return [f"{name} {frames.removeprefix('frames:')}" for name, frames, _bytes in rows]


@pytest.mark.parametrize("limit", [None, 65536], ids=["segments", "reassembled"])
def test_one_switch_decides_the_cli_and_the_tui(limit: int | None) -> None:
    """--reassembly-limit decides what the statistics count in both: by default each TCP
    segment (HTTP on 5 frames, as tshark -o tcp.desegment_tcp_streams:FALSE); with a
    limit the messages put together (HTTP on the 2 frames that complete them)."""
    extra = () if limit is None else ("--reassembly-limit", str(limit))
    cli = _cli_hierarchy(*extra)
    assert ("http 5" if limit is None else "http 2") in cli

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        tui = [f"{x.split()[0]} {x.split('(')[1].split(')')[0]}"
               for x in labels(screen.query_one("#phs", Tree).root)]  # fmt: skip
        assert tui == cli

    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(HTTP))
        app.reassembly_limit = limit
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


@pytest.mark.parametrize(("pref", "http"), [("TRUE", "http 2"), ("FALSE", "http 5")])
def test_tsharks_desegment_preference_is_the_switch(pref: str, http: str) -> None:
    """-o tcp.desegment_tcp_streams:TRUE|FALSE, as a tshark script spells it, sets the same
    switch as --reassembly-limit; another value is one error line."""
    assert http in _cli_hierarchy("-o", f"tcp.desegment_tcp_streams:{pref}")
    from dissect.cli import build_parser, finish_args

    p = build_parser()
    with pytest.raises(SystemExit):
        finish_args(p, p.parse_args(["-r", str(HTTP), "-o", "tcp.desegment_tcp_streams:yes"]))


def test_statistics_from_forked_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above parallel.MIN_PACKETS the conversations, endpoints and hierarchy are counted in
    forked processes, and the decoding pass (expert, HTTP, DNS) runs in one (the
    interpreter stays free for the keys): the same tables as counted here."""
    from dissect import parallel

    def rows_of(table: DataTable) -> list[list]:
        return [list(table.get_row_at(i)) for i in range(table.row_count)]

    async def snapshot(app: LayerscopeApp, pilot: Pilot) -> tuple:
        screen = await open_stats(app, pilot)
        return (labels(screen.query_one("#phs", Tree).root),
                rows_of(await shown(screen, pilot, "endpoints-tcp")),
                labels(screen.query_one("#expert", Tree).root),
                rows_of(await shown(screen, pilot, "http")))  # fmt: skip

    got = []

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        got.append(await snapshot(app, pilot))

    run_app(body)
    monkeypatch.setattr(parallel, "MIN_PACKETS", 1)
    monkeypatch.setattr(parallel, "CHUNK", 4)
    forks = []
    real = parallel.ordered_map
    monkeypatch.setattr(parallel, "ordered_map", lambda *a: forks.append(1) or real(*a))
    run_app(body)
    assert len(forks) == 2 and got[0] == got[1]
    assert len(got[0][1]) == 2 and any("SYN" in x for x in got[0][2]) and got[0][3]


RETRANS = Path(__file__).parent / "data" / "streams" / "arkime_wireshark-retrans.pcap"


def forked_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every capture counted as a large one: in forked processes, a few rows a span, each
    span's statistics sent back."""
    from dissect import parallel
    from tui.stats import counting

    monkeypatch.setattr(parallel, "MIN_PACKETS", 1)
    monkeypatch.setattr(parallel, "CHUNK", 4)
    monkeypatch.setattr(counting, "FIRST_SPAN", 2)
    monkeypatch.setattr(counting, "FORKED_SPAN", 3)
    monkeypatch.setattr(counting, "PARTIAL_EVERY", 0.0)


def _cli_expert(capture: Path) -> list[dict]:
    """The items of the CLI's -z expert (the TUI's also shows checksum issues)."""
    import io
    import json

    from dissect.cli import build_parser, finish_args, run_batch

    p = build_parser()
    args = finish_args(p, p.parse_args(["-r", str(capture), "-q", "-T", "json", "-z", "expert"]))
    out = io.StringIO()
    run_batch(args, out=out, err=io.StringIO())
    return json.loads(out.getvalue())["statistics"][0]["items"]


def test_expert_does_not_wait_for_the_browsers_stream_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The decoding process runs its own stream pass when the browser's has not run (it
    runs in the UI process, after the index): the SEQ/ACK analysis is there all the same,
    and the statistics never ask the browser's pass (whose lock that pass holds)."""
    forked_everywhere(monkeypatch)
    asked = []
    monkeypatch.setattr(PacketSource, "stream_table", lambda self, *a: asked.append(1))

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        text = " ".join(labels(screen.query_one("#expert", Tree).root))
        assert "This frame is a (suspected) retransmission" in text
        assert "Connection establish request (SYN): server port 4000" in text
        assert screen.has_class("-done")

    asked.clear()
    run_app(body, PacketSource.open(RETRANS))
    assert len(asked) == 1  # the browser's own call, after its index; none from the screen


def test_each_screen_is_drawn_with_what_is_counted_so_far(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large capture's screens do not wait for one another: the I/O graph comes first,
    then the tables, and the hierarchy and the expert, HTTP and DNS statistics are drawn
    with what is counted so far (the heading says what is still being counted) until
    their complete ones, which equal those counted in one go."""
    forked_everywhere(monkeypatch)
    seen: list[tuple[list[str], int, str]] = []  # names, expert items so far, heading
    handler = StatisticsScreen.on_statistics_screen_ready

    def ready(self: StatisticsScreen, message: StatisticsScreen.Ready) -> None:
        handler(self, message)
        items = sum(self.results["expert"].counts().values()) if "expert" in message.results else -1
        head = str(self.query_one("#stats-head").render())
        seen.append((sorted(message.results), items, head))

    monkeypatch.setattr(StatisticsScreen, "on_statistics_screen_ready", ready)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        screen = await open_stats(app, pilot)
        assert screen.results["expert"].as_dict()["items"] == _cli_expert(RETRANS)

    run_app(body, PacketSource.open(RETRANS))
    assert seen[0][0] == ["io"] and seen[1][0][0].startswith("conv-")
    experts = [items for names, items, _head in seen if "expert" in names]
    assert len(experts) > 2 and experts == sorted(experts) and 0 < experts[0] < experts[-1]
    assert sum("phs" in names for names, _i, _h in seen) > 1
    assert "counting: hierarchy" in seen[1][2] and "counting" not in seen[-1][2]


@pytest.mark.parametrize(
    "capture",
    sorted((Path(__file__).parent / "data" / "streams").glob("*.pcap")),
    ids=lambda p: p.stem,
)
def test_a_grown_stream_table_annotates_as_the_whole_pass(capture: Path) -> None:
    """What the decoding process reads from its own stream pass, grown just past a record,
    is what the whole pass gives that record (later=False, as the CLI): every field and
    issue of every packet the same."""
    from dissect.engine import decode
    from dissect.index import CaptureIndex, open_capture
    from dissect.streams import annotate
    from dissect.streams.table import StreamTable

    def fields(index: CaptureIndex, table: StreamTable, i: int) -> list:
        rec = index.record(i)
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        annotate(pkt, table, later=False)
        return [(ly.protocol.name, [(f.name, f.value) for f in ly.walk()],
                 [(x.code, x.message) for x in ly.issues]) for ly in pkt.layers]  # fmt: skip

    index = open_capture(str(capture))
    index.index_all()
    whole = StreamTable.build(index)
    whole.pdus = None
    grower = StreamTable.grown(index)
    table = next(grower)
    for i in range(len(index)):
        while len(table) <= i:
            table = next(grower)
        assert fields(index, table, i) == fields(index, whole, i), i
