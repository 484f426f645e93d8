"""Packet diff: two packets side by side, the fields and bytes that differ highlighted.

Fields are matched by where they sit in the stack, not by offset: the n-th field of a name
in the k-th layer of a protocol on one side meets the same on the other, so a longer option
list or URI on one side shifts no other pair. Bytes are compared offset by offset.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from dissect.engine import Packet, field_text, safe_text

from .bytes_view import hex_view, layer_styles

Key = tuple[str, int, str, int]  # (protocol, its n-th layer, field name, its n-th occurrence)
DIFFERS = Style(bgcolor="#5f0000", bold=True)
ONLY = Style(bgcolor="#5f5f00")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the side-by-side tree: a layer title or a field, on either side."""

    key: Key
    depth: int
    left: str | None  # None: this side has no such field
    right: str | None

    @property
    def differs(self) -> bool:
        return self.left != self.right


def keyed_lines(pkt: Packet) -> list[tuple[Key, int, str]]:
    """(key, depth, text) of every layer title and field, in tree order."""
    out: list[tuple[Key, int, str]] = []
    layer_seen: dict[str, int] = {}
    for layer in pkt.layers:
        name = layer.protocol.name
        k = layer_seen[name] = layer_seen.get(name, -1) + 1
        out.append(((name, k, "", 0), 0, safe_text(layer.title, 200)))
        field_seen: dict[str, int] = {}
        stack = [(f, 1) for f in reversed(layer.fields)]
        while stack:
            f, depth = stack.pop()
            if f.spec.hidden:  # not a line of the tree
                continue
            n = field_seen[f.name] = field_seen.get(f.name, -1) + 1
            out.append(((name, k, f.name, n), depth, field_text(pkt.data, f)))
            stack.extend((c, depth + 1) for c in reversed(f.children or ()))
    return out


def diff_rows(a: Packet, b: Packet) -> list[Row]:
    """Both trees merged: a's order, with what only b has after the line it follows."""
    left, right = keyed_lines(a), keyed_lines(b)
    right_text = {k: t for k, _d, t in right}
    left_keys = {k for k, _d, _t in left}
    rows = [Row(k, d, t, right_text.get(k)) for k, d, t in left]
    at = {r.key: i for i, r in enumerate(rows)}
    prev: Key | None = None
    inserts: list[tuple[int, Row]] = []
    for k, d, t in right:
        if k not in left_keys:
            pos = at[prev] + 1 if prev in at else len(rows)
            inserts.append((pos, Row(k, d, None, t)))
        prev = k
    for pos, row in sorted(inserts, key=lambda x: x[0], reverse=True):
        rows.insert(pos, row)
    return rows


def differing_bytes(a: bytes, b: bytes) -> set[int]:
    """Offsets where the two differ, including the bytes only the longer one has."""
    return {i for i in range(max(len(a), len(b))) if i >= len(a) or i >= len(b) or a[i] != b[i]}


def side(rows: list[Row], left: bool) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    for r in rows:
        text = r.left if left else r.right
        if r.left is None or r.right is None:
            style = ONLY
        else:
            style = DIFFERS if r.differs else Style(bold=r.depth == 0)
        out.append("    " * r.depth + (text if text is not None else "—"), style)
        out.append("\n")
    return out


class DiffScreen(Screen[None]):
    """Packet A and packet B: trees side by side, then both hex dumps."""

    DEFAULT_CSS = """
    DiffScreen #diff-head { height: auto; padding: 0 1; background: $boost; }
    DiffScreen #diff-trees { height: 1fr; }
    DiffScreen #diff-pair { height: auto; }
    DiffScreen .diff-side { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    DiffScreen #diff-hex { height: auto; max-height: 45%; }
    DiffScreen #diff-pair-hex { height: auto; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, a: Packet, b: Packet) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.rows = diff_rows(a, b)
        self.bytes = differing_bytes(a.data, b.data)

    def compose(self) -> ComposeResult:
        # fields of the packets' own layers (frame numbers and times always differ)
        differ = sum(1 for r in self.rows if r.differs and r.key[2] and r.key[0] != "frame")
        head = Text(f"Packet {self.a.number} ↔ packet {self.b.number}: ", "bold")
        head.append(f"{differ} field(s) and {len(self.bytes)} byte(s) differ")
        yield Static(head, id="diff-head")
        with VerticalScroll(id="diff-trees"), Horizontal(id="diff-pair"):  # one scroll
            yield Static(side(self.rows, True), id="diff-left", classes="diff-side")
            yield Static(side(self.rows, False), id="diff-right", classes="diff-side")
        with VerticalScroll(id="diff-hex"), Horizontal(id="diff-pair-hex"):
            for pkt in (self.a, self.b):
                view = hex_view(pkt.data, layer_styles(pkt), self.bytes, DIFFERS, text=False)
                yield Static(view, classes="diff-side")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
