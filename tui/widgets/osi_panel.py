"""The OSI panel: the seven layers as a stack for the selected packet, and what the
selected field means in plain language."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dissect.engine import Layer, Osi, Packet, safe_text

from ..explain import explain_field, explain_layer
from . import layer_colour
from .field_tree import ISSUE_STYLES, MISSING_STYLE, TreeItem, group_is_hollow, missing_reason

HEAD = Style(bold=True, underline=True)


def layer_sizes(layer: Layer) -> str:
    if layer.protocol.name == "frame":
        pkt = layer.packet
        return f"{pkt.wirelen} bytes on the wire, {pkt.caplen} captured"
    end = layer.pos + layer.hdr_len + layer.payload_len
    return (f"bytes {layer.pos}–{max(layer.pos, end - 1)}: header {layer.hdr_len} B, "
            f"payload {layer.payload_len} B")  # fmt: skip


def explain_item(item: TreeItem | None) -> Text:
    """A few lines about the selected tree item: the field, its layer, or the issue."""
    text = Text(end="")
    if item is None:
        return text
    if item.kind == "field" and item.field is not None and item.layer is not None:
        f = item.field
        text.append(f"{f.label} ", Style(bold=True))
        text.append(f"({f.name}) = {safe_text(f.show, 120)}\n", Style(dim=True))
        text.append(explain_field(item.layer, f))
    elif item.kind == "issue" and item.issue is not None:
        label = "Error: " if item.issue.severity == "error" else "Warning: "
        text.append(label, ISSUE_STYLES.get(item.issue.severity, Style()))
        text.append(safe_text(item.issue.message, 400))
    elif item.layer is not None:
        text.append(f"{item.layer.protocol.title}: ", Style(bold=True))
        text.append(explain_layer(item.layer))
    return text


class OsiPanel(VerticalScroll):
    """Stack view + explanation; content is one Text (never markup)."""

    def compose(self) -> ComposeResult:
        yield Static(id="osi-body")

    def show(self, pkt: Packet | None, item: TreeItem | None) -> None:
        body = self.query_one("#osi-body", Static)
        if pkt is None:
            body.update(Text("No packet selected."))
            return
        text = Text(end="")
        text.append(f"OSI stack of packet #{pkt.number}\n", HEAD)
        selected = item.layer if item is not None else None
        for n in range(7, 0, -1):
            text.append_text(self._level(pkt, Osi(n), selected))
        text.append("\nSelected\n", HEAD)
        text.append_text(explain_item(item))
        if selected is not None and item is not None and item.kind != "layer":
            text.append(f"\n\n{selected.protocol.title}: ", Style(bold=True))
            text.append(explain_layer(selected))
        body.update(text)

    def _level(self, pkt: Packet, osi: Osi, selected: Layer | None) -> Text:
        layers = [la for la in pkt.layers if la.osi == osi]
        text = Text(end="")
        text.append(f"L{int(osi)} {osi.label:<13}", Style(bold=True))
        if not layers or group_is_hollow(layers):
            text.append(f"— {missing_reason(pkt, osi)}\n", MISSING_STYLE)
            return text
        for i, layer in enumerate(layers):
            if i:
                text.append(" " * 17)
            colour = layer_colour(layer)
            text.append("■ " if colour else "  ", Style(color=colour) if colour else Style())
            name_style = Style(bold=True, reverse=layer is selected)
            text.append(f"{layer.protocol.short:<7}", name_style)
            text.append(f" {layer_sizes(layer)}")
            if layer.status != "ok" or layer.issues:
                text.append(f"  ⚠ {len(layer.issues)} issue(s)", ISSUE_STYLES["warn"])
            text.append("\n")
        return text
