#!/usr/bin/env python3
"""The TUI's Statistics screen on the million-packet mixed capture (issue 16): figures only.

    bench/bench_stats_tui.py [--packets N] [--file CAPTURE]

Drives the app headless with Textual's Pilot (App.run_test): opens the capture, waits for
its index, presses S, and prints the time from the key to the first tables (conversations,
endpoints and the I/O graph, counted from the index) and to the last ones (hierarchy,
expert, HTTP, DNS, which need each packet decoded); then, while that decoding runs, the
time each key takes to show its effect (switching tabs), median and worst. Never asserts.
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

TABS = ("tab-conv", "tab-io", "tab-endpoints", "tab-phs")


async def wait(cond, limit: float = 600.0) -> None:  # noqa: ANN001
    deadline = time.perf_counter() + limit
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("bench_stats_tui: condition never met")
        await asyncio.sleep(0.001)


async def probe(path: Path, keys: int) -> dict[str, object]:
    from textual.widgets import DataTable, TabbedContent

    from tui.app import LayerscopeApp
    from tui.source import PacketSource
    from tui.stats.screen import StatisticsScreen

    app = LayerscopeApp(PacketSource.open(str(path)))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(lambda: app.source.done)
        t = time.perf_counter()
        cpu = time.process_time()
        await pilot.press("S")
        await wait(lambda: isinstance(app.screen, StatisticsScreen))
        screen = app.screen
        table = screen.query_one("#conv-tcp", DataTable)
        await wait(lambda: table.row_count > 0)
        first, first_cpu = time.perf_counter() - t, time.process_time() - cpu
        tabs = screen.query_one("#stats-tabs", TabbedContent)
        busy = [not screen.has_class("-done") for _ in range(1)]
        latencies = await switch(pilot, tabs, keys)
        busy.append(not screen.has_class("-done"))
        await wait(lambda: screen.has_class("-done"))
        last = time.perf_counter() - t
        idle = await switch(pilot, tabs, keys)  # the same keys with nothing running
        return {"first": first, "first_cpu": first_cpu, "last": last,
                "latencies": latencies, "busy": all(busy), "idle": idle}  # fmt: skip


async def switch(pilot, tabs, keys: int) -> list[float]:  # noqa: ANN001
    """Seconds from a tab switch to the next screen update, `keys` times."""
    out = []
    for k in range(keys):
        want = TABS[k % len(TABS)]
        s = time.perf_counter()
        tabs.active = want
        await pilot.pause()
        await wait(lambda want=want: tabs.active == want)
        out.append(time.perf_counter() - s)
        await asyncio.sleep(0.05)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--keys", type=int, default=20)
    a = ap.parse_args()
    path = a.file or mixed_capture(a.packets)
    print(f"capture: {path} ({os.path.getsize(path):,} bytes), load {os.getloadavg()[0]:.1f}")
    r = asyncio.run(probe(path, a.keys))
    lat = sorted(r["latencies"])  # type: ignore[arg-type]
    print(f"S -> conversations, endpoints, I/O graph shown: {r['first']:.2f} s "
          f"(cpu {r['first_cpu']:.2f} s)")  # fmt: skip
    print(f"S -> hierarchy, expert, HTTP, DNS shown:        {r['last']:.2f} s")
    idle = sorted(r["idle"])  # type: ignore[arg-type]
    during = "the pass ran throughout" if r["busy"] else "the pass ended before the last key"
    print(f"tab switch while decoding ({during}): median {statistics.median(lat) * 1000:.0f} ms,"
          f" worst {lat[-1] * 1000:.0f} ms; the same with nothing running: median "
          f"{statistics.median(idle) * 1000:.0f} ms, worst {idle[-1] * 1000:.0f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
