"""The guided tour: one packet explained from the bottom layer up (`layerscope --tour`,
and a key in the TUI for the selected packet).

Every step is derived from the decoded packet and the protocol declarations, never written
per protocol: a layer's step says what the protocol is for (its declared explanation) and
draws the encapsulation -- each header nested around what it carries, the message
innermost; a field's step highlights its bytes and gives its declared explanation for this
value; the step between two layers says how the next one was chosen: the field the layer's
dispatch table (`next_by`) was looked up with and the binding it found (ethertype 0x0800 ->
IPv4, protocol 6 -> TCP, port 80 -> HTTP), the content check a heuristic binding made
(HTTP's first line, "GET / HTTP/1.1"), or the decoder's own choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from dissect.engine import HEURISTICS, TABLES, Field, Layer, Packet, field_text, safe_text

from .bytes_view import header_bytes, hex_view, layer_styles, span_bytes
from .explain import explain_field, explain_layer

FIRST_WORD_MAX = 12  # bytes of a payload quoted as what a content check saw


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the tour: which layer, what to highlight, what to say."""

    layer: int  # index into pkt.layers
    kind: str  # "layer", "field" or "next"
    title: str
    text: str
    marked: tuple[int, ...]  # the bytes highlighted
    field: Field | None = None


def shown(pkt: Packet) -> list[int]:
    return [i for i, la in enumerate(pkt.layers) if la.protocol.name != "frame"]


def tour_steps(pkt: Packet) -> list[Step]:
    """Bottom layer up: the layer, its top-level fields, then how the next was chosen."""
    steps: list[Step] = []
    layers = shown(pkt)
    for n, i in enumerate(layers):
        layer = pkt.layers[i]
        steps.append(_layer_step(i, layer))
        for f in layer.fields:
            if f.len > 0 and not f.generated and not f.spec.hidden:
                title = safe_text(field_text(pkt.data, f), 120)  # the tree's line
                steps.append(Step(i, "field", title, explain_field(layer, f),
                                  tuple(span_bytes(f.pos, f.len)), f))  # fmt: skip
        if n + 1 < len(layers):
            steps.append(next_step(pkt, i, layers[n + 1]))
    return steps


def _layer_step(i: int, layer: Layer) -> Step:
    osi = f"Layer {int(layer.osi)} · {layer.osi.label}"
    if not layer.hdr_len:
        size = "It has no header bytes of its own"
    elif layer.payload_len or layer.next is not None:
        size = f"Its header is the {layer.hdr_len} byte(s) at offset {layer.pos}"
    else:
        size = f"It is the message: the {layer.hdr_len} byte(s) at offset {layer.pos}"
    carried = (
        f"; it carries {layer.payload_len} byte(s) for the layer above."
        if layer.payload_len
        else "."
    )
    text = f"{explain_layer(layer)} {size}{carried}"
    title = f"{osi}: {safe_text(layer.title, 160)}"
    return Step(i, "layer", title, text, tuple(header_bytes(layer)))


def next_step(pkt: Packet, i: int, j: int) -> Step:
    """How layer i chose layer j: its table and key field, a content check, or itself."""
    layer, above = pkt.layers[i], pkt.layers[j]
    target = above.protocol
    title = f"{layer.protocol.short} → {target.short}: how the next layer is chosen"
    key = _table_key(layer, target)
    if key is not None:
        table_name, f = key
        text = (f"{f.label} is {f.show}: in the {table_name} table, {layer.protocol.short}'s "
                f"dispatch table, that value is bound to {target.title}.")  # fmt: skip
        check = _content_check(pkt, layer, target, also=True)
        marked = tuple(span_bytes(f.pos, f.len))
        if check:  # the bytes the content check read, too
            marked += tuple(span_bytes(layer.payload_pos, len(_first_word(pkt, layer))))
        return Step(i, "next", title, safe_text(text + check, 600), marked, f)
    check = _content_check(pkt, layer, target, also=False)
    if check:
        word = _first_word(pkt, layer)
        marked = tuple(span_bytes(layer.payload_pos, len(word)))
        return Step(i, "next", title, safe_text(check, 600), marked)
    first = next((f for f in above.fields if f.len > 0), None)
    text = (f"{layer.protocol.short} picks what follows from the bytes themselves, not from a "
            f"table: {explain_layer(layer)}")  # fmt: skip
    if first is not None:
        text += f" Here the next header's first field reads {first.label}: {first.show}"
        binding = _binding_of(target)
        text += f", so it is {target.title}{binding}." if binding else f": {target.title}."
        marked = tuple(span_bytes(first.pos, first.len))
        return Step(i, "next", title, safe_text(text, 600), marked, first)
    return Step(i, "next", title, safe_text(text, 600), tuple(header_bytes(above)))


def _table_key(layer: Layer, target: object) -> tuple[str, Field] | None:
    """The field of the layer's next_by whose value the table binds to `target`."""
    next_by = layer.protocol.next_by
    if next_by is None:
        return None
    table_name, names = next_by
    table = TABLES.get(table_name, {})
    candidates = [f for f in (layer.get(n) for n in names) if f is not None]
    for f in sorted(candidates, key=lambda f: f.value if isinstance(f.value, int) else 0):
        if table.get(f.value) is target:  # the lower port first, as the engine tries them
            return table_name, f
    return None


def _first_word(pkt: Packet, layer: Layer) -> bytes:
    payload = pkt.data[layer.payload_pos : min(layer.payload_end, layer.payload_pos + 64)]
    space = payload.find(b" ", 0, FIRST_WORD_MAX)
    return payload[: space + 1] if space > 0 else payload[:FIRST_WORD_MAX]


def _content_check(pkt: Packet, layer: Layer, target: object, also: bool) -> str:
    """What a heuristic binding of `target` in the layer's table found in the payload."""
    if layer.protocol.next_by is None:
        return ""
    table_name = layer.protocol.next_by[0]
    for proto, detect in HEURISTICS.get(table_name, ()):
        if proto is not target:
            continue
        try:
            ok = detect(pkt.data, layer.payload_pos, layer.payload_end, layer)
        except Exception:  # a tour step must never break the tour
            ok = False
        if ok:
            word = _first_word(pkt, layer).decode("latin-1")
            lead = " And" if also else f" No value of {table_name} is bound here, but"
            return (f"{lead} {proto.title}'s content check recognises the payload: it starts "
                    f"with the bytes {word!r}.")  # fmt: skip
    return ""


def _binding_of(target: object) -> str:
    """Where a table binds the protocol, e.g. ' (ethertype 0x800)', for the decoder's-choice case."""
    # ethertype first (what a link layer would have said), then the others by name: not the
    # order protocol modules happened to register their tables in
    for table_name in sorted(TABLES, key=lambda name: (name != "ethertype", name)):
        for key, proto in TABLES[table_name].items():
            if proto is target and isinstance(key, int):
                return (
                    f" (what {table_name} {key:#06x} selects)"
                    if table_name == "ethertype"
                    else (f" (what {table_name} {key} selects)")
                )
    return ""


# -- the encapsulation picture -----------------------------------------------------------------
def encapsulation(pkt: Packet, current: int, width: int = 72) -> Text:
    """Each layer's header as a box around what it carries; the message innermost."""
    layers = [pkt.layers[i] for i in shown(pkt)]
    out = Text(no_wrap=True)
    depth = len(layers)
    width = max(width, 4 * depth + 24)  # a deep stack (tunnels) widens the picture
    for d, layer in enumerate(layers):
        label = f" {layer.protocol.short} header: {layer.hdr_len} B "
        if not layer.hdr_len:
            label = f" {layer.protocol.short}: no header of its own "
        if d == depth - 1:
            label = f" {layer.protocol.short}: {layer.hdr_len} B, the message "
        _edge(out, layers, d, "┌─", label, "┐", width, current)
    inner = width - 4 * depth
    message = " " + _message_line(pkt, layers[-1]) if layers else ""
    _bars(out, layers, depth, "left", current)
    out.append(message[:inner].ljust(inner))
    _bars(out, layers, depth, "right", current)
    out.append("\n")
    for d in reversed(range(depth)):
        _edge(out, layers, d, "└─", "", "┘", width, current)
    return out


def _style(layers: list[Layer], d: int, current: int) -> Style:
    layer = layers[d]
    hot = layer.packet is not None and layer.packet.layers.index(layer) == current
    colour = layer.protocol.colour or None
    return Style(color=colour, bold=hot)


def _bars(out: Text, layers: list[Layer], upto: int, side: str, current: int) -> None:
    order = range(upto) if side == "left" else reversed(range(upto))
    for d in order:
        out.append("│ " if side == "left" else " │", _style(layers, d, current))


def _edge(out: Text, layers: list[Layer], d: int, start: str, label: str, end: str,
          width: int, current: int) -> None:  # fmt: skip
    _bars(out, layers, d, "left", current)
    style = _style(layers, d, current)
    room = width - 4 * d - len(start) - len(end)
    out.append(start + label[:room] + "─" * max(0, room - len(label)) + end, style)
    _bars(out, layers, d, "right", current)
    out.append("\n")


def _message_line(pkt: Packet, layer: Layer) -> str:
    raw = pkt.data[layer.pos : layer.pos + min(layer.hdr_len or layer.payload_len, 80)]
    line = raw.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    return safe_text(line.decode("latin-1"), 80) if line else safe_text(layer.title, 80)


# -- the screen --------------------------------------------------------------------------------
class TourScreen(Screen[None]):
    """The tour of one packet: the encapsulation, the bytes, and the step's explanation."""

    DEFAULT_CSS = """
    TourScreen { layout: vertical; }
    TourScreen #tour-step { height: auto; padding: 0 1; background: $boost; }
    TourScreen #tour-encap { height: auto; padding: 0 1; }
    TourScreen #tour-bytes { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("right,space,enter,n", "step(1)", "Next"),
        Binding("left,backspace,b", "step(-1)", "Back"),
        Binding("home", "jump(0)", "Start", show=False),
        Binding("escape,q", "close", "Close tour"),
    ]

    def __init__(self, pkt: Packet) -> None:
        super().__init__()
        self.packet = pkt
        self.steps = tour_steps(pkt)
        self.index = 0

    def compose(self) -> ComposeResult:
        yield Static(id="tour-step")
        yield Static(id="tour-encap")
        with VerticalScroll(id="tour-bytes"):
            yield Static(id="tour-hex")
        yield Footer()

    def on_mount(self) -> None:
        self.show_step()

    @property
    def step(self) -> Step:
        return self.steps[self.index]

    def show_step(self) -> None:
        if not self.steps:
            self.query_one("#tour-step", Static).update(Text("This packet has no layers."))
            return
        step, pkt = self.step, self.packet
        head = Text(f"Step {self.index + 1} of {len(self.steps)} · ", "dim")
        head.append(step.title, "bold")
        head.append("\n" + step.text)
        self.query_one("#tour-step", Static).update(head)
        self.query_one("#tour-encap", Static).update(encapsulation(pkt, step.layer))
        mark = Style(reverse=True, bold=True)
        self.query_one("#tour-hex", Static).update(
            hex_view(pkt.data, layer_styles(pkt), step.marked, mark)
        )
        if step.marked:  # the step's first byte in view (a long message scrolls)
            row = min(step.marked) // 16
            self.query_one("#tour-bytes", VerticalScroll).scroll_to(y=max(0, row - 2),
                                                                     animate=False)  # fmt: skip

    def action_step(self, delta: int) -> None:
        self.index = max(0, min(len(self.steps) - 1, self.index + delta))
        self.show_step()

    def action_jump(self, index: int) -> None:
        self.index = index
        self.show_step()

    def action_close(self) -> None:
        self.dismiss(None)
