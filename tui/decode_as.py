"""The "Decode As…" dialog: on the selected packet, pick a field to key on (a port, an
EtherType, an IP protocol the packet has) and the protocol to decode it as (ours, or one of
scapy's layers when scapy is installed and loaded); the rules in
force are listed and can be removed. The rules themselves live in dissect/decode_as.py;
the dialog dismisses with True when it changed them, so the screen decodes again."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Select
from textual.widgets.option_list import Option

from dissect import decode_as
from dissect.engine import PROTOCOLS, Packet

MAX_CHOICES = 32


def key_choices(pkt: Packet | None) -> list[tuple[str, str]]:
    """(shown, rule prefix) of each key this packet offers: every dispatch key of its layers
    ("tcp.port==8080"), lower layers first, each once."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for layer in pkt.layers[1:] if pkt is not None else ():
        nb = layer.protocol.next_by
        if nb is None or not decode_as.numeric(nb[0]):
            continue
        for name in nb[1]:
            value = layer.value(name)
            if type(value) is not int:
                continue
            prefix = f"{nb[0]}=={value}"
            if prefix not in seen and len(out) < MAX_CHOICES:
                seen.add(prefix)
                hexa = f" (0x{value:04x})" if nb[0] == "ethertype" else ""
                out.append((f"{name} == {value}{hexa}", prefix))
    return out


def protocol_choices() -> list[tuple[str, str]]:
    """Our protocols, then scapy's layers once scapy has loaded (in the background: the
    dialog never waits for it) as `scapy.<Layer>`."""
    ours = sorted(((f"{p.short} — {p.title}", n) for n, p in PROTOCOLS.items() if n != "frame"),
                  key=lambda c: c[1])  # fmt: skip
    from .source import _scapy_ready

    if not _scapy_ready():
        return ours
    from dissect import scapy_tail

    theirs = [(f"scapy.{n} — decoded by scapy", f"scapy.{n}") for n in scapy_tail.layer_names()]
    return ours + theirs


class DecodeAsScreen(ModalScreen[bool]):
    """Add a Decode As rule for the selected packet, or remove one."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("delete", "remove", "Remove rule")]
    DEFAULT_CSS = """
    #decode-as-dialog #rules { height: 8; }
    #decode-as-dialog #key { width: 36; }
    #decode-as-dialog #protocol { width: 1fr; }
    """

    def __init__(self, pkt: Packet | None) -> None:
        super().__init__()
        self.keys = key_choices(pkt)
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="decode-as-dialog", classes="dialog"):
            yield Label("Decode As: the field to key on, and the protocol to use")
            if self.keys:
                with Horizontal(classes="dialog-row"):
                    yield Select(self.keys, value=self.keys[-1][1], allow_blank=False, id="key")
                    yield Select(protocol_choices(), prompt="Protocol", id="protocol")
            else:
                yield Label(Text("This packet has no port or type to key on."))
            yield Label("Rules in force (select one and press delete, or Remove):")
            yield OptionList(id="rules")
            with Horizontal(classes="dialog-buttons"):
                if self.keys:
                    yield Button("Add", variant="primary", id="add")
                yield Button("Remove", id="remove")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self._show_rules()

    def _show_rules(self) -> None:
        rules = self.query_one("#rules", OptionList)
        rules.clear_options()
        rules.add_options([Option(Text(str(r)), id=str(i)) for i, r in enumerate(decode_as.RULES)])

    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        key = self.query_one("#key", Select).value
        proto = self.query_one("#protocol", Select).value
        if not isinstance(proto, str) or not isinstance(key, str):
            self.notify("Choose the protocol to decode as.", severity="warning")
            return
        try:
            decode_as.add(decode_as.parse(f"{key},{proto}"))
        except decode_as.DecodeAsError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.changed = True
        self._show_rules()

    @on(Button.Pressed, "#remove")
    def action_remove(self) -> None:
        rules = self.query_one("#rules", OptionList)
        i = rules.highlighted
        if i is None or not 0 <= i < len(decode_as.RULES):
            self.notify("Select a rule to remove.", severity="warning")
            return
        decode_as.remove(decode_as.RULES[i])
        self.changed = True
        self._show_rules()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.changed)
