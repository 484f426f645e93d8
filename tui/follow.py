"""Follow stream: a conversation's bytes, both sides in two colours, one line per row.

`FollowScreen` shows a `Followed` (dissect/streams/follow.py) in four views -- ASCII, hex
dump, raw hex, UTF-8 -- with both directions or one, and "[N bytes missing in capture]"
where a gap was never filled. Each line remembers the frame its bytes came from: enter
closes the screen and selects that packet. The browser filters the list to the stream
while the screen is open and restores its filter when it closes (tui/browser.py).

`FollowView` is a Line-API widget (ScrollView + render_line) over the lines made once per
view: a large stream scrolls like the packet list. Packet bytes are untrusted: every line
is built from escaped text (control characters as '.' or escapes), drawn as segments with
styles, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Static

from dissect.engine import safe_text
from dissect.streams.follow import Followed, hex_lines, node_text

VIEWS = ("ascii", "hex", "raw", "utf-8")
SIDES = ("both", "client", "server")  # node 0 sent the stream's first packet
RAW_WIDTH = 32  # bytes a raw-hex line shows
MAX_LINES = 2_000_000  # lines one view makes at most (a bigger stream says it was cut)
# Wireshark's follow colours: the client's bytes red on pink, the server's blue on lavender
COLOURS = (Style(color="#7f0000", bgcolor="#fbeded"), Style(color="#00007f", bgcolor="#ededfb"))
MARKER = Style(color="black", bgcolor="yellow", bold=True)


@dataclass(slots=True)
class Line:
    side: int  # 0 client, 1 server, 2 a marker
    frame: int  # the frame its bytes came from (0: none)
    text: str  # already inert


_ASCII = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


def _text_lines(data: bytes, view: str) -> list[str]:
    """A chunk's lines as text: ASCII (other bytes as '.') or UTF-8 (escaped)."""
    if view == "ascii":
        return [part.rstrip(b"\r").translate(_ASCII).decode() for part in data.split(b"\n")]
    text = data.decode("utf-8", "replace")
    return [safe_text(part.rstrip("\r"), 4096) for part in text.split("\n")]


def make_lines(f: Followed, view: str, side: str) -> list[Line]:
    """Every line of one view: the chunks in capture order, then the gap markers."""
    keep = {"both": (0, 1), "client": (0,), "server": (1,)}[side]
    out: list[Line] = []
    offsets = [0, 0]
    for c in f.chunks:
        if c.direction not in keep:
            continue
        if view == "hex":
            texts = hex_lines(c.data, offsets[c.direction])
        elif view == "raw":
            texts = [c.data[i : i + RAW_WIDTH].hex() for i in range(0, len(c.data), RAW_WIDTH)]
        else:
            texts = _text_lines(c.data, view)
            if texts and texts[-1] == "":
                texts.pop()  # the chunk ended with its line
        offsets[c.direction] += len(c.data)
        out.extend(Line(c.direction, c.frame, t) for t in texts)
        if len(out) > MAX_LINES:
            out.append(Line(2, 0, f"[only the first {MAX_LINES:,} lines are shown]"))
            return out
    for d in keep:
        if f.missing[d]:
            out.append(Line(2, 0, f"[{f.missing[d]:,} bytes missing in capture]"))
        if f.dropped[d]:
            out.append(Line(2, 0, f"[{f.dropped[d]:,} bytes not reassembled: limit reached]"))
    return out


class FollowView(ScrollView, can_focus=True):
    """The lines of one view, with a cursor line."""

    DEFAULT_CSS = "FollowView { height: 1fr; }"
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First line", show=False),
        Binding("end", "edge(1)", "Last line", show=False),
        Binding("enter", "choose", "Go to packet"),
    ]
    cursor: reactive[int] = reactive(0, repaint=False)

    class Chosen(Message):
        """Enter on a line: go to the frame its bytes came from."""

        def __init__(self, frame: int) -> None:
            super().__init__()
            self.frame = frame

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Line] = []

    def show(self, lines: list[Line]) -> None:
        self.lines = lines
        width = max((len(x.text) for x in lines[:5000]), default=0)
        self.virtual_size = Size(width, len(lines))
        self.set_reactive(FollowView.cursor, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        sx, sy = self.scroll_offset
        row = sy + y
        width = self.size.width
        if row >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        line = self.lines[row]
        style = MARKER if line.side == 2 else COLOURS[line.side]
        if row == self.cursor:
            style += Style(reverse=True)
        return Strip([Segment(line.text, style)]).crop_extend(sx, sx + width, style)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        if new < self.scroll_offset.y:
            self.scroll_to(y=new, animate=False)
        elif new >= self.scroll_offset.y + self.size.height:
            self.scroll_to(y=new - self.size.height + 1, animate=False)

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.lines) - 1))

    def action_move(self, step: int) -> None:
        self.cursor += step

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 1)

    def action_edge(self, end: int) -> None:
        self.cursor = len(self.lines) - 1 if end else 0

    def action_choose(self) -> None:
        if 0 <= self.cursor < len(self.lines) and self.lines[self.cursor].frame:
            self.post_message(self.Chosen(self.lines[self.cursor].frame))


class FollowScreen(ModalScreen[int | None]):
    """One followed stream; dismissed with a frame number (enter) or None (escape)."""

    DEFAULT_CSS = """
    FollowScreen { align: center middle; }
    FollowScreen > #follow-head { height: auto; padding: 0 1; background: $panel; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("v", "view", "View"),
        Binding("d", "side", "Direction"),
    ]

    def __init__(self, followed: Followed) -> None:
        super().__init__()
        self.followed = followed
        self.view = "ascii"
        self.side = "both"

    def compose(self) -> ComposeResult:
        yield Static(id="follow-head", markup=False)
        yield FollowView(id="follow-view")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.query_one(FollowView).focus()

    def redraw(self) -> None:
        f = self.followed
        sizes = [sum(len(c.data) for c in f.chunks if c.direction == d) for d in (0, 1)]
        nodes = [node_text(*n) for n in f.nodes] if f.nodes else ["?", "?"]
        head = (f"Follow {f.kind.upper()} stream {f.stream}: {nodes[0]} → {nodes[1]} "
                f"{sizes[0]:,} bytes, {nodes[1]} → {nodes[0]} {sizes[1]:,} bytes · "
                f"view {self.view} (v) · {self.side} (d) · enter: go to packet")  # fmt: skip
        self.query_one("#follow-head", Static).update(safe_text(head, 400))
        self.query_one(FollowView).show(make_lines(f, self.view, self.side))

    def action_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.redraw()

    def action_side(self) -> None:
        self.side = SIDES[(SIDES.index(self.side) + 1) % len(SIDES)]
        self.redraw()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_follow_view_chosen(self, message: FollowView.Chosen) -> None:
        self.dismiss(message.frame)
