"""Modal dialogs: paste hex, open file, go to packet, copy menu, help."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    DirectoryTree,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from dissect.engine import safe_text

from .source import LINKTYPE_CHOICES, HexPreview, linktype_label


@dataclass(slots=True)
class PasteResult:
    preview: HexPreview
    linktype: int | None  # None: the user kept the guess, so every packet gets its own


class PasteHexScreen(ModalScreen[PasteResult | None]):
    """Paste a dump; see what was recognised (bytes, format, link type, ignored lines) first."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "decode", "Decode"),
    ]

    def __init__(self, preview: Callable[[str], HexPreview], linktype: int | None = None) -> None:
        super().__init__()
        self._preview_fn = preview
        self.preview = HexPreview(error="nothing pasted yet")
        self._forced = linktype  # a link type the user chose (or gave on the command line)
        self._auto = linktype or 1  # the value we put in the selector ourselves

    def compose(self) -> ComposeResult:
        with Vertical(id="paste-dialog", classes="dialog"):
            yield Label(
                "Paste a hex dump: tcpdump -x/-X/-xx, xxd, hexdump -C, tshark -x, od, bare hex"
            )
            yield TextArea(id="dump", soft_wrap=False, show_line_numbers=False)
            yield Static(Text("Nothing recognised yet."), id="recognised")
            with Horizontal(classes="dialog-row"):
                yield Label("Link type ", classes="dialog-label")
                options = [(linktype_label(lt), lt) for lt in LINKTYPE_CHOICES]
                yield Select(options, id="linktype", allow_blank=False, value=self._auto)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Decode (ctrl+s)", id="decode", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#dump", TextArea).focus()

    @on(TextArea.Changed, "#dump")
    def _changed(self, event: TextArea.Changed) -> None:
        self.preview = self._preview_fn(event.text_area.text)
        guess = self.preview.guess
        select = self.query_one("#linktype", Select)
        if self._forced is None and guess is not None:
            if guess not in LINKTYPE_CHOICES:
                choices = [(linktype_label(lt), lt) for lt in (guess, *LINKTYPE_CHOICES)]
                select.set_options(choices)
            self._auto = guess
            select.value = guess
        self.query_one("#recognised", Static).update(describe_preview(self.preview, select.value))

    @on(Select.Changed, "#linktype")
    def _linktype_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            if (
                event.value != self._auto
            ):  # ours echo back as Changed too; only a user's choice sticks
                self._forced = event.value
            self.query_one("#recognised", Static).update(
                describe_preview(self.preview, event.value)
            )

    @on(Button.Pressed, "#decode")
    def action_decode(self) -> None:
        value = self.query_one("#linktype", Select).value
        if not self.preview.ok or not isinstance(value, int):
            self.notify("Nothing to decode: paste a hex dump first.", severity="warning")
            return
        self.dismiss(PasteResult(self.preview, self._forced))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def describe_preview(p: HexPreview, linktype: object) -> Text:
    """'Recognised: 1 packet, 198 bytes, format …' — the dump's own text only via safe_text."""
    if p.error and not p.packets:
        return Text(f"Not recognised: {safe_text(p.error, 200)}", Style(color="#ffaf00"))
    text = Text(end="")
    n = len(p.packets)
    text.append("Recognised: ", Style(bold=True))
    text.append(f"{n} packet{'s' if n != 1 else ''}, {p.byte_count} bytes, format {p.format}\n")
    guess = linktype_label(p.guess) if p.guess is not None else "none"
    chosen = linktype_label(linktype) if isinstance(linktype, int) else "?"
    text.append(f"Link type guess: {guess}")
    if p.reason:
        text.append(f" ({safe_text(p.reason, 120)})", Style(dim=True))
    text.append(f"; decoding as: {chosen}")
    if len(p.packets) > 1:
        text.append(
            " (each packet guessed on its own)" if linktype == p.guess else " (all packets)"
        )
    text.append("\n")
    text.append(f"Ignored lines: {p.ignored_lines}")
    if p.first_ignored:
        text.append(f" (first: {safe_text(p.first_ignored, 70)!r})", Style(dim=True))
    for w in p.warnings[:3]:
        text.append(f"\n⚠ {safe_text(w, 100)}", Style(color="#ffaf00"))
    return text


class FileTree(DirectoryTree):
    """The file picker: names come from the disk and may hold escape sequences, which
    DirectoryTree would draw as they are (ESC [2J clears the screen): escape them."""

    def process_label(self, label: str | Text) -> Text:
        if isinstance(label, str):
            label = Text(safe_text(label, 300))
        return super().process_label(label)


class OpenFileScreen(ModalScreen[str | None]):
    """Type a path or pick a file in the tree."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="open-dialog", classes="dialog"):
            yield Label(
                "Open a capture (pcap or pcapng): type a path and press enter, or pick a file"
            )
            yield Input(placeholder="path/to/capture.pcap", id="path")
            yield FileTree(Path.cwd(), id="files")

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    def action_cancel(self) -> None:
        self.dismiss(None)


class GotoScreen(ModalScreen[int | None]):
    """Go to packet number."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog", classes="dialog"):
            yield Label(f"Go to packet number (1–{self.count:,})")
            yield Input(type="integer", id="number")

    @on(Input.Submitted, "#number")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(int(event.value))
        except ValueError:
            self.notify("Type a packet number.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


COPY_CHOICES = (
    ("value", "The selected field's value"),
    ("hex", "The packet as hex (one line)"),
    ("annotated", "Annotated hex dump with every field's span"),
    ("file:value", "Copy to file: the selected field's value"),
    ("file:hex", "Copy to file: the packet as hex"),
    ("file:annotated", "Copy to file: the annotated hex dump"),
)


class CopyScreen(ModalScreen[str | None]):
    """A small menu of what to copy."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="copy-dialog", classes="dialog"):
            yield Label("Copy to the clipboard")
            yield OptionList(
                *(Option(label, id=key) for key, label in COPY_CHOICES), id="copy-choices"
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key, grouped by where it works."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close"),
        Binding("question_mark", "close", "Close"),
    ]

    def __init__(self, sections: Iterable[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        text = Text(end="")
        text.append("layerscope keys\n", Style(bold=True, underline=True))
        for title, keys in self.sections:
            text.append(f"\n{title}\n", Style(bold=True))
            for key, what in keys:
                text.append(f"  {key:<18}", Style(color="#5fd7ff", bold=True))
                text.append(f"{what}\n")
        text.append("\nMouse: click a packet, a tree line or a byte; click the tabs; "
                    "scroll any pane.\n", Style(dim=True))  # fmt: skip
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """A small menu: pick one entry (the time formats, a field's actions)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog choice-dialog"):
            yield Label(Text(self.title_text))
            yield OptionList(*(Option(Text(label), id=key) for key, label in self.choices))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(slots=True)
class ExportRequest:
    what: str  # all | displayed | marked | pasted | selected
    fmt: str  # a key of tui.export.FORMATS
    path: str


EXPORT_WHAT = (("all", "All packets"), ("displayed", "Displayed packets"),
               ("marked", "Marked packets"), ("pasted", "Pasted packets"),
               ("selected", "Selected packet"))  # fmt: skip


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Save / export: which packets, which format, where."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, formats: Iterable[tuple[str, str]], counts: dict[str, int],
                 what: str = "all") -> None:  # fmt: skip
        super().__init__()
        self.formats = list(formats)
        self.counts = counts
        self.what = what

    def compose(self) -> ComposeResult:
        whats = [(f"{label} ({self.counts.get(key, 0):,})", key) for key, label in EXPORT_WHAT]
        with Vertical(id="export-dialog", classes="dialog"):
            yield Label("Save or export (enter saves, escape cancels)")
            with Horizontal(classes="dialog-row"):
                yield Label("Packets ", classes="dialog-label")
                yield Select(whats, id="what", allow_blank=False, value=self.what)
            with Horizontal(classes="dialog-row"):
                yield Label("Format  ", classes="dialog-label")
                yield Select([(label, key) for key, label in self.formats], id="format",
                             allow_blank=False, value=self.formats[0][0])  # fmt: skip
            yield Input(placeholder="path, e.g. capture.pcapng", id="export-path")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.notify("Type a path to save to.", severity="warning")
            return
        what, fmt = self.query_one("#what", Select).value, self.query_one("#format", Select).value
        self.dismiss(ExportRequest(str(what), str(fmt), path))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AskSaveScreen(ModalScreen[str | None]):
    """Packets would be lost: save, discard or cancel (as Wireshark asks)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, count: int, doing: str) -> None:
        super().__init__()
        self.count, self.doing = count, doing

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog", classes="dialog"):
            yield Label(
                Text(f"{self.count:,} packets are not saved. Save them before {self.doing}?")
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save…", id="save", variant="primary")
                yield Button("Discard", id="discard", variant="error")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(slots=True)
class FindRequest:
    text: str
    by: str  # filter | string | hex
    where: str  # list | details | bytes


FIND_BY = (("filter", "Display filter"), ("string", "String"), ("hex", "Hex value"))
FIND_WHERE = (("list", "Packet list"), ("details", "Packet details"), ("bytes", "Packet bytes"))


class FindScreen(ModalScreen[FindRequest | None]):
    """Find a packet (ctrl+f), as Wireshark's Find Packet bar: by display filter, string or
    hex, in the list, the details or the bytes; the search starts after the selected packet."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, last: FindRequest | None = None) -> None:
        super().__init__()
        self.last = last or FindRequest("", "string", "details")

    def compose(self) -> ComposeResult:
        with Vertical(id="find-dialog", classes="dialog"):
            yield Label("Find packet (enter finds the next, f3 again later)")
            with Horizontal(classes="dialog-row"):
                yield Select([(b, a) for a, b in FIND_BY], id="by", allow_blank=False,
                             value=self.last.by)  # fmt: skip
                yield Select([(b, a) for a, b in FIND_WHERE], id="where", allow_blank=False,
                             value=self.last.where)  # fmt: skip
            yield Input(value=self.last.text, id="find-text", placeholder="what to find")

    def on_mount(self) -> None:
        self.query_one("#find-text", Input).focus()

    @on(Input.Submitted, "#find-text")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value:
            by, where = self.query_one("#by", Select).value, self.query_one("#where", Select).value
            self.dismiss(FindRequest(event.value, str(by), str(where)))

    def action_cancel(self) -> None:
        self.dismiss(None)
