#!/usr/bin/env python3
"""The TUI's Statistics screen on the million-packet mixed capture (issue 16): figures only.

    bench/bench_stats_tui.py [--packets N] [--file CAPTURE] [--after-streams]

Drives the app headless with Textual's Pilot (App.run_test): opens the capture, waits for
its index (and with --after-streams for the browser's stream pass too; by default S comes
while that pass runs, the worse case), sends S as a terminal would, and prints per
screen the time from the key to its first table or plot (drawn with what is counted so
far), the time to its complete one, and the worst and median time a key took to show its
effect (the first screen update after it) while the counting ran: the right arrow on the
screen's tabs, landing on that screen, sent every KEY_GAP seconds until everything is
counted; then the same keys with nothing running. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sidebyside import mixed_capture  # noqa: E402

SCREENS = {"tab-phs": ("phs",), "tab-conv": ("conv-tcp",), "tab-endpoints": ("endpoints-ip",),
           "tab-io": ("io",), "tab-expert": ("expert",), "tab-http": ("http",),
           "tab-dns": ("dns",)}  # fmt: skip
KEY_GAP = 0.2  # seconds between two keys


async def wait(cond, limit: float = 900.0) -> None:  # noqa: ANN001
    deadline = time.perf_counter() + limit
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("bench_stats_tui: condition never met")
        await asyncio.sleep(0.0005)


def record_fills(started: list[float], first: dict, last: dict) -> None:
    """Note when each statistic's widget first shows something and when the statistic
    comes for the last time (its complete table)."""
    from tui.stats.screen import StatisticsScreen

    handler = StatisticsScreen.on_statistics_screen_ready

    def timed(self, message) -> None:  # noqa: ANN001
        handler(self, message)
        now = time.perf_counter() - started[0]
        for name in message.results:
            if name not in first and _drawn(self, name):
                first[name] = now
            last[name] = now

    StatisticsScreen.on_statistics_screen_ready = timed  # type: ignore[method-assign]


def _drawn(screen, name: str) -> bool:  # noqa: ANN001
    widget = screen.query_one(f"#{name}")
    if name == "io":
        return widget.timeline is not None
    if hasattr(widget, "row_count"):  # a table takes its rows when its tab is shown
        return widget.row_count > 0 or name in screen.pending
    return bool(widget.root.children)


def stamp_paints(app) -> list[float]:  # noqa: ANN001
    """[time of the latest screen update the app sent to its (headless) terminal]."""
    painted = [0.0]
    display = app._display

    def stamped(screen, renderable) -> None:  # noqa: ANN001
        if renderable is not None:
            painted[0] = time.perf_counter()
        display(screen, renderable)

    app._display = stamped
    return painted


async def keys(app, pilot, tabs, until, painted) -> list[tuple[str, float]]:  # noqa: ANN001
    """(screen landed on, seconds) of each right arrow on the tabs until `until()`: from
    the key to the first screen update after its tab is shown (not until every widget's
    queue is empty, as Pilot.pause waits: that counted table rows going in after the
    paint, which hold no key)."""
    out = []
    while not until():
        ids = [p.id for p in tabs.query("TabPane") if p.parent.parent is tabs]
        want = ids[(ids.index(tabs.active) + 1) % len(ids)]
        t = time.perf_counter()
        app.simulate_key("right")
        await wait(lambda want=want: tabs.active == want)
        shown = time.perf_counter()
        await wait(lambda shown=shown: painted[0] >= shown)
        out.append((want, painted[0] - t))
        await pilot.pause(0)  # the rest of the key's work, before the next key
        await asyncio.sleep(KEY_GAP)
    return out


async def probe(path: Path, after_streams: bool, idle_keys: int) -> dict[str, object]:
    from textual.widgets import TabbedContent, Tabs

    from tui.app import LayerscopeApp
    from tui.source import PacketSource
    from tui.stats.screen import StatisticsScreen

    started: list[float] = [0.0]
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    record_fills(started, first, last)
    app = LayerscopeApp(PacketSource.open(str(path)))
    painted = stamp_paints(app)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(lambda: app.source.done)
        if after_streams:
            await wait(lambda: app.source.streams_if_ready() is not None)
        await pilot.pause(0.5)
        started[0] = time.perf_counter()
        cpu = time.process_time()
        app.simulate_key("S")
        await wait(lambda: isinstance(app.screen, StatisticsScreen))
        screen = app.screen
        await wait(lambda: bool(screen.query("#stats-tabs Tabs")))
        tabs = screen.query_one("#stats-tabs", TabbedContent)
        await wait(lambda: bool(tabs.active))
        tabs.query_one(Tabs).focus()
        busy = await keys(app, pilot, tabs, lambda: screen.has_class("-done"), painted)
        done = time.perf_counter() - started[0]
        ui_cpu = time.process_time() - cpu
        count = [0]

        def enough() -> bool:
            count[0] += 1
            return count[0] > idle_keys

        idle = await keys(app, pilot, tabs, enough, painted)
    return {"first": first, "last": last, "busy": busy, "idle": idle, "done": done,
            "ui_cpu": ui_cpu}  # fmt: skip


def report(r: dict) -> None:  # noqa: ANN001
    print(f"{'screen':<15} {'first':>7} {'complete':>9} {'keys while counting':>26} "
          f"{'keys idle':>20}")  # fmt: skip
    for tab, names in SCREENS.items():
        firsts = [r["first"].get(n) for n in names]
        lasts = [r["last"].get(n) for n in names]
        busy = sorted(s for want, s in r["busy"] if want == tab)
        idle = sorted(s for want, s in r["idle"] if want == tab)
        print(f"{tab[4:]:<15} {_s(firsts)} {_s(lasts, 9)} {_keys(busy):>26} {_keys(idle):>20}")
    every = sorted(s for _w, s in r["busy"])
    print(f"all counted {r['done']:.2f} s after S; UI process CPU meanwhile {r['ui_cpu']:.2f} s; "
          f"{len(every)} keys while counting, worst {_keys(every)}")  # fmt: skip


def _s(values: list, width: int = 7) -> str:
    if any(v is None for v in values):
        return f"{'-':>{width}}"
    return f"{max(values):>{width - 2}.2f} s"


def _keys(lat: list[float]) -> str:
    if not lat:
        return "-"
    return f"worst {lat[-1] * 1000:.0f} ms, median {statistics.median(lat) * 1000:.0f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--after-streams", action="store_true",
                    help="press S after the browser's stream pass, not while it runs")  # fmt: skip
    ap.add_argument("--idle-keys", type=int, default=14)
    a = ap.parse_args()
    path = a.file or mixed_capture(a.packets)
    print(f"capture: {path} ({os.path.getsize(path):,} bytes), load {os.getloadavg()[0]:.1f}")
    report(asyncio.run(probe(path, a.after_streams, a.idle_keys)))
    print(f"load at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
