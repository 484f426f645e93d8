"""The I/O graph: packets (or bytes) per interval, one line per display filter, drawn with
textual-plotext (a maintained plotting widget that follows the app's theme).

The statistics pass counts fine intervals once (dissect.stats.iostat.Timeline); zooming
and panning regroup them, so no key waits for another pass. Keys: + / - zoom in and out
around the cursor, left / right move the cursor by one interval, [ / ] pan, b switches
packets and bytes, enter goes to the first packet of the cursor's interval, a adds a line.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static
from textual_plotext import PlotextPlot

from dissect.engine import safe_text

POINTS = 100  # intervals drawn at most: the fine ones are grouped to fit


class IoGraph(Vertical, can_focus=True):
    BINDINGS = [
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in"),
        Binding("minus", "zoom(2)", "Zoom out"),
        Binding("left", "move(-1)", "Earlier", show=False),
        Binding("right", "move(1)", "Later", show=False),
        Binding("left_square_bracket", "pan(-1)", "Pan left", show=False),
        Binding("right_square_bracket", "pan(1)", "Pan right", show=False),
        Binding("b", "bytes", "Packets / bytes"),
        Binding("enter", "go", "First packet"),
        Binding("a", "add", "Add line"),
    ]
    DEFAULT_CSS = """
    IoGraph { height: 1fr; }
    IoGraph PlotextPlot { height: 1fr; }
    IoGraph #io-info { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timeline: Any = None
        self.lo, self.hi = 0, 0  # window of fine intervals shown
        self.cursor = 0  # a fine interval
        self.show_bytes = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="a: add a line with this display filter (enter)", id="io-filter")
        yield PlotextPlot(id="io-plot")
        yield Static(id="io-info")

    def show(self, timeline: Any) -> None:
        self.timeline = timeline
        self.lo, self.hi, self.cursor = 0, timeline.buckets, 0
        self.redraw()

    @property
    def group(self) -> int:
        """Fine intervals per point drawn."""
        return max(1, -(-(self.hi - self.lo) // POINTS))

    def points(self, line: int) -> tuple[list[float], list[int]]:
        tl, g = self.timeline, self.group
        series = tl.bytes[line] if self.show_bytes else tl.frames[line]
        xs, ys = [], []
        for k in range(self.lo, self.hi, g):
            xs.append(k * tl.bucket_ns / 1e9)
            ys.append(sum(series[k : min(k + g, self.hi)]))
        return xs, ys

    def redraw(self) -> None:
        if self.timeline is None:
            return
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        tl = self.timeline
        for line, flt in enumerate(tl.filters):
            xs, ys = self.points(line)
            plt.plot(xs, ys, label=safe_text(flt or "all packets", 60), marker="braille")
        start = self.cursor - (self.cursor - self.lo) % self.group
        plt.vline(start * tl.bucket_ns / 1e9)
        plt.xlabel("seconds from the first packet")
        plt.ylabel("bytes" if self.show_bytes else "packets")
        plot.refresh()
        self.query_one("#io-info", Static).update(Text(self.info(start)))

    def info(self, start: int) -> str:
        tl = self.timeline
        step = self.group * tl.bucket_ns / 1e9
        values = [self.points(line)[1][(start - self.lo) // self.group] for line in
                  range(len(tl.filters))]  # fmt: skip
        what = "bytes" if self.show_bytes else "packets"
        return (f"interval {start * tl.bucket_ns / 1e9:.6f} s + {step:.6f} s: "
                f"{', '.join(str(v) for v in values)} {what}   (enter: its first packet)")  # fmt: skip

    # -- keys -----------------------------------------------------------------------------------
    def action_zoom(self, factor: float) -> None:
        if self.timeline is None:
            return
        width = max(POINTS // 4, int((self.hi - self.lo) * factor))
        width = min(width, self.timeline.buckets)
        self.lo = max(0, min(self.cursor - width // 2, self.timeline.buckets - width))
        self.hi = self.lo + width
        self.redraw()

    def action_move(self, step: int) -> None:
        if self.timeline is None:
            return
        self.cursor = max(self.lo, min(self.hi - 1, self.cursor + step * self.group))
        self.redraw()

    def action_pan(self, direction: int) -> None:
        if self.timeline is None:
            return
        width = self.hi - self.lo
        self.lo = max(
            0, min(self.lo + direction * max(1, width // 4), self.timeline.buckets - width)
        )
        self.hi = self.lo + width
        self.cursor = max(self.lo, min(self.hi - 1, self.cursor))
        self.redraw()

    def action_bytes(self) -> None:
        self.show_bytes = not self.show_bytes
        self.redraw()

    def action_go(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        start = self.cursor - (self.cursor - self.lo) % self.group
        firsts = [n for n in tl.first[start : start + self.group] if n is not None]
        if not firsts:
            self.notify("No packet in this interval.", severity="warning")
            return
        self.screen.go_to_packet(min(firsts))  # type: ignore[attr-defined]

    def action_add(self) -> None:
        self.query_one("#io-filter", Input).focus()

    @on(Input.Submitted, "#io-filter")
    def _add_line(self, event: Input.Submitted) -> None:
        from dissect.filter import FilterError, compile_filter

        text = event.value.strip()
        try:
            compile_filter(text)
        except FilterError as exc:
            self.notify(f"column {exc.column}: {exc.message}", severity="error", markup=False)
            return
        event.input.value = ""
        self.focus()
        self.screen.add_line(text)  # type: ignore[attr-defined]
