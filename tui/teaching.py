"""Teaching mode on the main screen: the guided tour, the bit diagram, edit and see, packet
diff and the annotated export (mixed into BrowserScreen, with its bindings, as the filter and
live-capture keys are).

Each feature lives in its own module (tour.py, diagram.py, edit.py, diff.py and
dissect/annotate.py); this mixin only opens them on the selected packet and keeps the
diagram in step with the tree.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Select

from dissect.engine import Packet, safe_text

from .diagram import DiagramPane
from .source import PacketSource
from .widgets.field_tree import FieldTree, TreeItem

# The tour, edit, diff and annotated export screens are imported when first opened: none
# of them is on the first screen.

# (title, help, action) for the command palette (tui/app.py lists them with its own).
TEACHING_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Teaching: guided tour", "Walk through the selected packet layer by layer, key T", "tour"),
    ("Teaching: bit diagram", "Show the selected layer as an RFC-style bit diagram, key D",
     "diagram"),
    ("Teaching: edit field", "Change the selected field; lengths and checksums follow, key F2",
     "edit"),
    ("Teaching: compare packets", "Diff the selected packet with another one, key X", "diff"),
    ("Teaching: annotated export", "Save the packet as Markdown, HTML or SVG, key A",
     "annotate"),
)  # fmt: skip


def demo_packet() -> Packet:
    """The built-in HTTP GET demo's packet (what `layerscope --tour` walks through)."""
    source = PacketSource.demo()
    try:
        source.index_more()
        return source.packet(0)
    finally:
        source.close()


class TeachingActions(Screen[None]):
    """BrowserScreen's teaching keys (mixed in, with its bindings)."""

    BINDINGS = [
        Binding("T", "tour", "Tour", show=False),  # listed in help and the palette
        Binding("D", "diagram", "Bit diagram", show=False),
        Binding("f2", "edit", "Edit field", show=False),  # e and E: the tree's expand/collapse
        Binding("X", "diff", "Compare packets", show=False),
        Binding("A", "annotate", "Annotated export", show=False),
    ]

    packet: Packet | None
    item: TreeItem | None

    @on(events.Mount)
    def _teaching_mount(self) -> None:
        if getattr(self.app, "start_tour", False):  # layerscope --tour
            from .tour import TourScreen

            self.app.push_screen(TourScreen(demo_packet()))

    def action_tour(self) -> None:
        from .tour import TourScreen

        self.app.push_screen(TourScreen(self.packet or demo_packet()))

    # -- the diagram, in step with the tree -------------------------------------------------
    def action_diagram(self) -> None:
        panes = self.query(DiagramPane)
        if panes:
            panes.remove()
            return
        pane = DiagramPane(id="diagram")
        self.query_one("#tab-tree").mount(pane)
        self._show_diagram(pane)

    @on(FieldTree.FieldSelected)
    def _teaching_field_selected(self, message: FieldTree.FieldSelected) -> None:
        for pane in self.query(DiagramPane):
            self._show_diagram(pane)

    @on(DiagramPane.FieldClicked)
    def _diagram_clicked(self, message: DiagramPane.FieldClicked) -> None:
        self.query_one(FieldTree).select_field(message.field)  # the tree tells the rest

    def _show_diagram(self, pane: DiagramPane) -> None:
        item = self.item
        layer = item.layer if item is not None else None
        if item is None and self.packet is not None:  # a packet, nothing picked: its top
            layer = next((la for la in reversed(self.packet.layers) if la.hdr_len), None)
        pane.show(layer, item.field if item is not None else None,
                  layer.protocol.colour if layer is not None else "")  # fmt: skip

    # -- edit, diff, export -------------------------------------------------------------------
    def action_edit(self) -> None:
        if self.packet is None:
            self.notify("No packet selected.", severity="warning")
            return
        from .edit import EditScreen, editable

        f = self.item.field if self.item is not None else None
        self.app.push_screen(EditScreen(self.packet, f if f is not None and editable(f) else None))

    def action_diff(self) -> None:
        if self.packet is None:
            self.notify("No packet selected.", severity="warning")
            return
        a = self.packet
        count = len(self.source)  # type: ignore[attr-defined]

        def compare(answer: str | None) -> None:
            if not answer:
                return
            try:
                number = int(answer)
            except ValueError:
                self.notify("Type a packet number.", severity="warning")
                return
            if not 1 <= number <= count:
                self.notify(f"No packet {number}: there are {count:,}.", severity="warning")
                return
            from .diff import DiffScreen

            b = self.source.packet(number - 1)  # type: ignore[attr-defined]
            self.app.push_screen(DiffScreen(a, b))

        default = str(a.number + 1 if a.number < count else max(1, a.number - 1))
        self.app.push_screen(AskScreen(f"Compare packet {a.number} with packet number "
                                       f"(1–{count:,})", default), compare)  # fmt: skip

    def action_annotate(self) -> None:
        from dissect.annotate import FORMATS, annotate

        pkt = self.packet
        if pkt is None:
            self.notify("No packet selected.", severity="warning")
            return

        def save(answer: str | None) -> None:
            if not answer:
                return
            fmt = Path(answer).suffix.lstrip(".").lower()
            fmt = "md" if fmt == "markdown" else fmt
            if fmt not in FORMATS:
                self.notify("End the file name in .md, .html or .svg.", severity="warning")
                return
            try:
                Path(answer).expanduser().write_text(annotate(pkt, fmt), encoding="utf-8")
            except OSError as exc:
                self.notify(safe_text(f"Cannot write: {exc}", 300), severity="error",
                            markup=False)  # fmt: skip
                return
            self.notify(safe_text(f"Wrote packet {pkt.number} to {answer}.", 300), markup=False)

        self.app.push_screen(
            AskScreen("Annotated export to (.md, .html or .svg)", f"packet-{pkt.number}.html",
                      choices=FORMATS),
            save,
        )  # fmt: skip


class AskScreen(ModalScreen[str | None]):
    """One question, one line of answer (esc: none). With choices, a selector beside the
    line swaps the answer's file extension."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 70; height: auto; padding: 1 2; border: round $primary;
                           background: $surface; }
    AskScreen Horizontal { height: auto; }
    AskScreen Input { width: 1fr; }
    AskScreen Select { width: 14; }
    """

    def __init__(self, question: str, default: str = "", choices: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.question, self.default, self.choices = question, default, choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.question))  # never read as markup
            with Horizontal():
                yield Input(self.default, id="answer")
                if self.choices:
                    ext = Path(self.default).suffix.lstrip(".")
                    yield Select([(c, c) for c in self.choices], id="choice", allow_blank=False,
                                 value=ext if ext in self.choices else self.choices[0])  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    @on(Select.Changed, "#choice")
    def _choice(self, event: Select.Changed) -> None:
        box = self.query_one("#answer", Input)
        box.value = str(Path(box.value).with_suffix(f".{event.value}"))

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
