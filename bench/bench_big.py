#!/usr/bin/env python3
"""Million-packet benchmark for issue 5: the targets side by side with tshark, in one run.

    bench/bench_big.py [--packets N] [--file CAPTURE] [--runs R] [--only PART ...]

Builds (once, cached under bench/out/) the mixed capture of bench/bench_decode.py, then
prints, each measured from process start in a fresh interpreter (best of --runs):
  - start -> first screen of rows: headless TUI (App.run_test) and CLI `-c 50`, with the
    CPU time (all threads) it took: wall times stretch with the machine's load, CPU less;
  - start -> last packet shown after `G` (as soon as the index is complete);
  - a key or a pane switch while the index, then a display filter, runs in the background
    (and with nothing running), in wall time (median, p95, worst) and in CPU time of the UI
    thread and of the other threads (background work competing for the interpreter); for
    the three worst keys, what ran meanwhile (paints, garbage collections);
  - `-Y 'tcp.port == 80' -q` and tshark's `-Y 'tcp.port==80'` on the same file;
  - `-Y 'http.request.uri contains "index"' -q`, and the per-packet path it avoids
    (`matches`, which cannot skip records: measured on a slice, scaled to the file);
  - resident memory per packet with the file open and indexed, over the app on a
    one-packet capture (anonymous memory, and file pages the mmap keeps resident);
  - full decode of one selected packet: decode + tree with spans, median ms.
Never asserts: figures only.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sidebyside import mixed_capture  # noqa: E402

PY = sys.executable
LAYERSCOPE = [PY, "-m", "tui.main"]
TINY = ROOT / "captures" / "http-get.pcap"
Row = tuple[str, str, str, str]  # what, layerscope, target, tshark


# -- the headless TUI probe (runs in its own interpreter) ---------------------------------
PROBE = r"""
import time, sys, json
T0 = time.time()
import asyncio
from tui.app import LayerscopeApp
from tui.source import PacketSource
from tui.widgets.packet_list import PacketList
T_IMPORTED = time.time()

def status() -> dict:
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) * 1024
    return out

async def wait(cond, step=0.001, limit=120.0):
    deadline = time.time() + limit
    while not cond():
        if time.time() > deadline:
            raise TimeoutError("probe: condition never met")
        await asyncio.sleep(step)

async def main() -> None:
    app = LayerscopeApp(PacketSource.open(sys.argv[1]))
    async with app.run_test(size=(160, 50)) as pilot:
        plist = app.screen.query_one(PacketList)
        def first_screen():
            rows = min(plist.body_height, plist.count)
            return rows > 0 and all(plist.summary(i) is not None for i in range(rows))
        await wait(first_screen)
        t_first, cpu_first = time.time(), time.process_time()
        await wait(lambda: app.source.done)
        t_indexed = time.time()
        t_g, cpu_g = time.time(), time.process_time()
        app.simulate_key("G")  # not pilot.press: it waits up to 2 s for the process to idle
        last = len(app.source)
        await wait(lambda: app.screen.packet is not None and app.screen.packet.number == last
                   and plist.summary(last - 1) is not None)
        await pilot.pause(0)  # and painted
        t_last, cpu_last = time.time(), time.process_time()
        # The stream pass follows the index; once it ran, the packet G selects (the last,
        # in a TCP stream of 444,444 segments) needs its stream's PDUs put together.
        app.simulate_key("g")
        await wait(lambda: app.screen.packet is not None and app.screen.packet.number == 1)
        await wait(lambda: app.source._streams is not None)
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        t_s, cpu_s = time.time(), time.thread_time()
        app.simulate_key("G")
        await wait(lambda: app.screen.packet is not None and app.screen.packet.number == last)
        await pilot.pause(0)
        after_pass = (time.time() - t_s, time.thread_time() - cpu_s)
        print(json.dumps({"t0": T0, "first": t_first, "indexed": t_indexed, "last": t_last,
                          "cpu_first": cpu_first, "cpu_last": cpu_last, "imported": T_IMPORTED - T0,
                          "g_wall": t_last - t_g, "g_cpu": cpu_last - cpu_g,
                          "after_pass": after_pass,
                          "packets": last, **status()}))

asyncio.run(main())
"""


# Keys while background work runs: the index right after the first screen, then a filter
# (and, for comparison, with nothing running). Each key is timed from the press to the moment
# its effect is in the widgets and painted, in wall time and in CPU time of the UI thread
# (which the load of the machine does not inflate).
KEYS_PROBE = r"""
import time, sys, json, statistics, gc
import asyncio
from textual import _compositor
from tui.app import LayerscopeApp
from tui.source import PacketSource
from tui.widgets.packet_list import PacketList

# What ran during each key, for the worst ones: paints, and garbage collections (generation,
# ms) in any thread.
SEEN = []
_render_update = _compositor.Compositor.render_update
def render_update(self, *args, **kwargs):
    SEEN.append("paint")
    return _render_update(self, *args, **kwargs)
_compositor.Compositor.render_update = render_update
_gc_start = [0.0]
def collected(phase, info):
    if phase == "start":
        _gc_start[0] = time.perf_counter()
    else:
        SEEN.append(f"gc{info['generation']} {(time.perf_counter() - _gc_start[0]) * 1000:.0f} ms")
gc.callbacks.append(collected)

async def wait(cond, limit=60.0):
    deadline = time.perf_counter() + limit
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("keys probe: condition never met")
        await asyncio.sleep(0.0005)

# The key sent as the terminal would (pilot.press also waits for the whole process, workers
# included, to idle: up to 2 s while the index runs), then its effect painted.
async def answered(app, pilot, key, cond):
    app.simulate_key(key)
    await wait(cond)
    await pilot.pause(0)

# Each key alone: wall, CPU of the UI thread, CPU of the whole process (other threads: the
# background work competing with the key for the interpreter).
async def timed(app, pilot, key, cond):
    SEEN.clear()
    t, c, p = time.perf_counter(), time.thread_time(), time.process_time()
    await answered(app, pilot, key, cond)
    return (time.perf_counter() - t, time.thread_time() - c, time.process_time() - p, key,
            ", ".join([f"{SEEN.count('paint')} paints", *(s for s in SEEN if s != "paint")]))

async def keys(app, pilot, plist, n):
    out = []
    for k in range(n):
        if k % 5 == 4:  # a pane switch and back: two keys
            before = app.screen.focused
            out.append(await timed(app, pilot, "tab", lambda: app.screen.focused is not before))
            out.append(await timed(app, pilot, "shift+tab", lambda: app.screen.focused is before))
        else:
            want = plist.cursor + 1
            out.append(await timed(app, pilot, "down", lambda: app.screen.packet is not None
                                   and plist.cursor == want
                                   and app.screen.packet.number == app.screen.source_row(want) + 1))
    return out

async def main() -> None:
    app = LayerscopeApp(PacketSource.open(sys.argv[1]))
    async with app.run_test(size=(160, 50)) as pilot:
        plist = app.screen.query_one(PacketList)
        await wait(lambda: plist.count > 0 and plist.summary(0) is not None)
        indexing = await keys(app, pilot, plist, 40)
        busy_index = not app.source.done
        await wait(lambda: app.source.done, 120)
        await app.workers.wait_for_complete()
        idle = await keys(app, pilot, plist, 20)
        plist.focus()
        app.screen.apply_filter("tcp.port == 80 || udp")
        await wait(lambda: plist.count > 50)
        filtering = await keys(app, pilot, plist, 40)
        busy_filter = app.screen.filtering
        print(json.dumps({"indexing": indexing, "filtering": filtering, "idle": idle,
                          "busy_index": busy_index, "busy_filter": busy_filter}))

asyncio.run(main())
"""


def key_rows(path: Path) -> list[Row]:
    out = subprocess.run(
        [PY, "-c", KEYS_PROBE, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    r = json.loads(out.stdout.strip().splitlines()[-1])
    rows = []
    for what, busy in (("indexing", "busy_index"), ("filtering", "busy_filter"), ("idle", "")):
        wall = sorted(k[0] for k in r[what])
        cpu = sorted(k[1] for k in r[what])
        others = sorted(k[2] - k[1] for k in r[what])
        p95 = wall[int(len(wall) * 0.95) - 1] * 1000
        still = (
            ("still running at the end" if r[busy] else "finished before the last key")
            if busy
            else "nothing running"
        )
        rows.append((f"key / pane switch while {what}" if busy else "key / pane switch, idle",
                     f"{statistics.median(wall) * 1000:.0f} ms median, {p95:.0f} p95, "
                     f"{wall[-1] * 1000:.0f} max", "<= 50 ms", f"({still})"))  # fmt: skip
        rows.append(("  UI thread CPU per key: median / max",
                     f"{statistics.median(cpu) * 1000:.1f} / {cpu[-1] * 1000:.1f} ms", "", ""))  # fmt: skip
        rows.append(("  other threads' CPU during a key, median",
                     f"{statistics.median(others) * 1000:.1f} ms", "", ""))  # fmt: skip
        rows += worst_keys(r[what])
    return rows


def worst_keys(keys: list, n: int = 3) -> list[Row]:
    """The slowest keys and what ran during each: the paints, garbage collections (any
    thread), the UI thread's and the other threads' CPU."""
    rows = []
    for wall, cpu, process, key, seen in sorted(keys, key=lambda k: -k[0])[:n]:
        rows.append((f"  worst: {key}", f"{wall * 1000:.0f} ms: UI {cpu * 1000:.0f} ms CPU, "
                     f"others {(process - cpu) * 1000:.0f} ms", "", seen))  # fmt: skip
    return rows


def probe_tui(path: Path) -> dict:
    start = time.time()
    out = subprocess.run(
        [PY, "-c", PROBE, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["start"] = start
    return result


# -- timing helpers ---------------------------------------------------------------------
def timed_run(cmd: list[str], runs: int) -> tuple[float, str]:
    """Best wall time of a command (stdout kept from the last run)."""
    best, out = float("inf"), ""
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        best = min(best, time.perf_counter() - t)
        out = done.stdout
    return best, out


def tshark_run(args: list[str]) -> tuple[float, int] | None:
    """Wall time and peak RSS (bytes) of one tshark run, or None when not installed."""
    if not shutil.which("tshark"):
        return None
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([PY, "-c", code, "tshark", *args], capture_output=True, text=True)
    seconds, kib = out.stdout.split()
    return float(seconds), int(kib) * 1024


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


# -- the figures ---------------------------------------------------------------------------
def startup_rows(path: Path, runs: int) -> list[Row]:
    probes = [probe_tui(path) for _ in range(runs)]
    first = min(p["first"] - p["start"] for p in probes)
    last = min(p["last"] - p["start"] for p in probes)
    indexed = min(p["indexed"] - p["start"] for p in probes)
    imported = min(p["imported"] + p["t0"] - p["start"] for p in probes)
    cpu_first = min(p["cpu_first"] for p in probes)
    cpu_last = min(p["cpu_last"] for p in probes)
    g_wall = min(p["g_wall"] for p in probes)
    g_cpu = min(p["g_cpu"] for p in probes)
    after = min(p["after_pass"] for p in probes)
    cli, _ = timed_run([*LAYERSCOPE, "-r", str(path), "-c", "50", "--print"], runs)
    ts = tshark_run(["-n", "-r", str(path), "-c", "50"])
    return [
        ("start -> first screen (TUI)", fmt_s(first), "<= 0.5 s", ""),
        ("  imports done at", fmt_s(imported), "", ""),
        ("  CPU (all threads) to the first screen", fmt_s(cpu_first), "", ""),
        ("start -> 50 rows (CLI -c 50)", fmt_s(cli), "<= 0.3 s", fmt_s(ts[0]) if ts else "-"),
        ("start -> last packet shown (G)", fmt_s(last), "<= 1 s",
         f"(index complete at {indexed:.2f} s)"),
        ("  CPU (all threads) to the last packet", fmt_s(cpu_last), "", ""),
        ("  G alone, once indexed: wall / CPU", f"{g_wall:.2f} s / {g_cpu:.2f} s", "", ""),
        ("  G once the stream pass ran: wall / UI CPU",
         f"{after[0]:.2f} s / {after[1]:.2f} s", "", ""),
    ]  # fmt: skip


def filter_rows(path: Path, runs: int) -> list[Row]:
    port, out = timed_run([*LAYERSCOPE, "-r", str(path), "-Y", "tcp.port == 80", "-q"], runs)
    ts = tshark_run(["-n", "-r", str(path), "-Y", "tcp.port==80"])
    ratio = f" ({ts[0] / port:.1f}x faster)" if ts else ""
    text = 'http.request.uri contains "index"'
    uri, uri_out = timed_run([*LAYERSCOPE, "-r", str(path), "-Y", text, "-q"], runs)
    ts_uri = tshark_run(["-n", "-r", str(path), "-Y", text])
    return [
        (f"-Y 'tcp.port == 80' -q ({out.strip()} match)", fmt_s(port) + ratio,
         "<= 1.5 s, >= 4x tshark", fmt_s(ts[0]) if ts else "-"),
        (f"-Y '{text}' -q ({uri_out.strip()} match)", fmt_s(uri), "<= 5 s",
         fmt_s(ts_uri[0]) if ts_uri else "-"),
        per_packet_path(path),
    ]  # fmt: skip


def per_packet_path(path: Path, sample: int = 100_000) -> Row:
    """A regex on a decoded field has no needle to look for: every record with a TCP/UDP
    payload is decoded (up to HTTP). Measured on a slice, scaled to the file."""
    from dissect.fastfilter import Scanner
    from dissect.filter import compile_filter
    from dissect.index import open_capture

    with open_capture(str(path)) as idx:
        idx.index_all()
        n = min(sample, len(idx))
        scanner = Scanner(compile_filter('http.request.uri matches "index"'), idx)
        t = time.perf_counter()
        for _ in scanner.chunk(0, n):
            pass
        seconds = time.perf_counter() - t
        total = len(idx)
    decoded = scanner.decoded / max(seconds, 1e-9)
    return (
        "  'matches' instead (no needle)",
        f"{seconds * total / n:.1f} s",
        "-",
        f"({scanner.decoded / n:.0%} decoded, {decoded:,.0f} pkt/s)",
    )


def memory_rows(path: Path) -> list[Row]:
    big, tiny = probe_tui(path), probe_tui(TINY)
    n = big["packets"]
    anon = (big["RssAnon"] - tiny["RssAnon"]) / n
    file_ = (big["RssFile"] - tiny["RssFile"]) / n
    ts = tshark_run(["-n", "-r", str(path)])
    ts_text = f"{ts[1] / n:.0f} B/packet" if ts else "-"
    return [
        ("resident memory per packet (anon)", f"{anon:.0f} B", "<= 64 B", ts_text),
        ("  + mmap'd file pages resident", f"{file_:.0f} B", "(page cache)", ""),
    ]


def decode_row(path: Path, samples: int = 2001) -> Row:
    from dissect.engine import decode
    from dissect.index import open_capture
    from dissect.output import tree_lines

    times = []
    with open_capture(str(path)) as idx:
        idx.index_all()
        step = max(1, len(idx) // samples)
        for i in range(0, len(idx), step):
            rec = idx.record(i)
            t = time.perf_counter()
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                         wirelen=rec.wirelen)  # fmt: skip
            sum(1 for _ in tree_lines(pkt, True))
            times.append(time.perf_counter() - t)
    med = statistics.median(times) * 1000
    return ("full decode of a packet (tree + spans)", f"{med:.3f} ms median", "<= 1 ms", "")


PARTS = ("startup", "keys", "filter", "memory", "decode")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--runs", type=int, default=3, help="best of R runs for wall times")
    ap.add_argument("--only", choices=PARTS, action="append",
                    help="measure only these parts (repeatable; default: all)")  # fmt: skip
    a = ap.parse_args()
    path = a.file or mixed_capture(a.packets)
    # The bytecode an installed program has (PYTHONDONTWRITEBYTECODE would leave every run
    # compiling the sources again: +0.4 s to the first screen)
    for package in ("dissect", "tui"):
        compileall.compile_dir(ROOT / package, quiet=2)
    print(
        f"capture: {path} ({os.path.getsize(path):,} bytes), {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} (wall times stretch with it; CPU times less)"
    )
    parts = a.only or PARTS
    rows: list[Row] = []
    if "startup" in parts:
        rows += startup_rows(path, a.runs)
    if "keys" in parts:
        rows += key_rows(path)
    if "filter" in parts:
        rows += filter_rows(path, a.runs)
    if "memory" in parts:
        rows += memory_rows(path)
    if "decode" in parts:
        rows.append(decode_row(path))
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'':<{width}}{'layerscope':<34}{'target':<24}tshark")
    for what, ours, target, theirs in rows:
        print(f"{what:<{width}}{ours:<34}{target:<24}{theirs}")
    print(f"(peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
