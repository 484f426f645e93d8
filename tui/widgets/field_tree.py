"""The decoded tree: OSI layer -> protocol -> fields, bit fields as their bit patterns.

Labels are `rich.text.Text` built with styles (a `str` label would be parsed as markup, and
packet bytes are untrusted). Expansion is remembered by filter name across packets, and so
is the selected field.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.control import strip_control_codes
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from dissect.engine import Field, Issue, Layer, Osi, Packet, safe_text
from dissect.output import osi_groups

from . import is_hollow, layer_colour

ISSUE_STYLES = {
    "error": Style(color="#ff5f5f", bold=True),
    "warn": Style(color="#ffaf00", bold=True),
    "note": Style(color="#5fafff"),
    "chat": Style(color="#8a8a8a"),
}
BIT_STYLE = Style(color="#5fd7ff")
VALUE_STYLE = Style(bold=True)
GENERATED_STYLE = Style(italic=True, dim=True)
MISSING_STYLE = Style(dim=True, italic=True)
TITLE_STYLE = Style(bold=True)


@dataclass(slots=True)
class TreeItem:
    """What a tree node stands for; `key` is what expansion and selection are remembered by."""

    kind: str  # osi | missing | layer | field | issue
    key: str
    layer: Layer | None = None
    field: Field | None = None
    issue: Issue | None = None


def field_label(layer: Layer, f: Field, flagged: bool = False) -> Text:
    """'.1.. .... = Don't fragment: Set' with the bits, label and value styled apart."""
    pieces: list[tuple[str, Style | None]] = []
    if f.generated:
        pieces.append(("[", GENERATED_STYLE))
    if f.mask and f.len and f.spec.bits:  # bits 0: a value Wireshark shows without bits
        word = int.from_bytes(layer.packet.data[f.pos : f.pos + f.len], "big")
        pieces += ((f.spec.bit_pattern(word), BIT_STYLE), (" = ", None))
    if f.label:  # no label: the value is the whole line (Wireshark's text items)
        pieces.append((f"{f.label}: ", GENERATED_STYLE if f.generated else None))
    # show strings come from the field kind's formatter; safe_text again in case a kind
    # passes packet text through unescaped.
    value_style = ISSUE_STYLES["warn"] if flagged else VALUE_STYLE
    pieces.append((safe_text(f.show, 300), value_style))
    if f.generated:
        pieces.append(("]", GENERATED_STYLE))
    return styled_text(pieces)


def styled_text(pieces: list[tuple[str, Style | None]]) -> Text:
    """The Text that appending each piece in its style makes (control codes stripped, no
    span for no style), built in one go: a packet's tree has a label per field."""
    plain: list[str] = []
    spans: list[Span] = []
    at = 0
    for text, style in pieces:
        text = strip_control_codes(text)
        if style and text:
            spans.append(Span(at, at + len(text), style))
        plain.append(text)
        at += len(text)
    return Text("".join(plain), no_wrap=True, end="", spans=spans)


def missing_reason(pkt: Packet, osi: Osi) -> str:
    """Why a packet has nothing at an OSI layer, in words a student can follow."""
    real = [la for la in pkt.layers[1:] if la.protocol.name != "data" and not is_hollow(la)]
    present = {la.osi for la in real}
    if osi == Osi.DATA_LINK and real and real[0].osi > Osi.DATA_LINK:
        return f"not in this capture: the dump starts at the {real[0].protocol.short} header"
    if osi in (Osi.SESSION, Osi.PRESENTATION) and Osi.APPLICATION in present:
        what = "sessions" if osi == Osi.SESSION else "encoding and encryption"
        return f"no separate header: TCP/IP leaves {what} to the application"
    if osi in (Osi.SESSION, Osi.PRESENTATION):
        return "no separate header in TCP/IP"
    network = [la for la in real if la.osi == Osi.NETWORK]
    if osi == Osi.TRANSPORT and len(network) > 1 and not {o for o in present if o >= osi}:
        # ICMP (a network-layer helper) sits straight on IP, with no transport header.
        return f"no transport header: {network[-1].protocol.short} rides directly on {network[0].protocol.short}"
    data = pkt.layer("data")
    if data is not None and not {o for o in present if o >= osi}:
        return f"not decoded: {data.len} bytes shown as Data below"
    if osi == Osi.APPLICATION:
        return "no application data in this packet"
    if not present:
        return "not decoded: no protocol is known for this link type"
    return "not in this packet"


def group_is_hollow(layers: list[Layer]) -> bool:
    return all(is_hollow(la) for la in layers)


class FieldTree(Tree[TreeItem]):
    """Tree of the selected packet's layers and fields."""

    BINDINGS = [
        Binding("e", "expand_all", "Expand all", show=False),
        Binding("E", "collapse_all", "Collapse all", show=False),
        Binding("right", "open", "Expand (or go to the first child)", show=False),
        Binding("left", "close", "Collapse (or go to the parent)", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("f", "field('apply:selected')", "Apply as filter", show=False),
        Binding("F", "field('prepare:selected')", "Prepare as filter", show=False),
        Binding("C", "field('column')", "Apply as column", show=False),
        Binding("a,shift+f10", "field('menu')", "Field menu (and/or/not, column)", show=False),
    ]

    _building = False  # show_packet is adding nodes (Tree refreshes from its __init__ on)
    _restyling = False  # the lines are drawn again in new styles (focus, theme)
    _sizing = False  # Tree sets its virtual size from its lines

    class FieldAction(Message):
        """A field's action was asked for (apply:and, prepare:selected, column, menu)."""

        def __init__(self, item: TreeItem, action: str) -> None:
            super().__init__()
            self.item, self.action = item, action

    class FieldSelected(Message):
        """The cursor is on a field (or a layer, an issue): the hex pane paints its span."""

        def __init__(self, item: TreeItem) -> None:
            super().__init__()
            self.item = item

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("packet"), id=id)
        self.show_root = False
        self.auto_expand = True  # a click on a label (or enter) toggles it, as in Wireshark
        self.guide_depth = 3
        self.packet: Packet | None = None
        self.expanded: dict[str, bool] = {}
        self.selected_key: str | None = None

    # -- no layout pass per packet or focus change ------------------------------------------
    # A layout pass arranges and re-renders every pane on screen: most of a key's CPU. Tree
    # asks for one at each node it adds, at each change of its styles (focus) and whenever
    # the size of its lines changes, in case its own size follows its content; this tree's
    # size is set by the screen. (A style that changes its size lays out by itself.)
    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> FieldTree:
        """No layout pass for nodes show_packet adds or lines restyled: a repaint draws them;
        nor for a new number of lines that leaves the scrollbars as they are: the
        scrollbar is told the new size instead."""
        if layout and self._sizing and self._scrollbars_stay():
            layout = False
            self._scroll_update(self.virtual_size)
        layout = layout and not (self._building or self._restyling)
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        return self

    def notify_style_update(self) -> None:
        self._restyling = True
        try:
            super().notify_style_update()
        finally:
            self._restyling = False

    def _invalidate(self) -> None:
        """Once for all the nodes show_packet adds (Tree does it at each)."""
        if not self._building:
            super()._invalidate()

    _line_style: Style | None = None  # the widget's style while a paint draws its lines

    def render_lines(self, crop: Region) -> list[Strip]:
        """The widget's style worked out once per paint: Tree asks for it at each line, and
        each time it walks the styles of every ancestor up to the screen."""
        self._line_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._line_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        style = self._line_style if self._line_style is not None else self.rich_style
        return self._render_line(y + scroll_y, scroll_x, scroll_x + self.size.width, style)

    def process_label(self, label: str | Text) -> Text:
        """A one-line Text is used as it is (Tree copies every label to take its first line)."""
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def validate_virtual_size(self, size: Size) -> Size:
        """Lines that fit the pane count as the pane's size, so the size (and a layout
        pass) changes only when scrolling does: when they stop fitting, or start. Lines
        wider than a pane that does not scroll sideways are cut at its edge: the pane's
        width."""
        view = self.container_size  # what the scrollbars compare the lines with
        width = view.width if self.styles.overflow_x == "hidden" else max(size.width, view.width)
        return Size(width, max(size.height, view.height))

    def _build(self) -> None:
        """Tree numbers its lines and sets its virtual size from them here."""
        self._sizing = True
        try:
            super()._build()
        finally:
            self._sizing = False

    def _scrollbars_stay(self) -> bool:
        """The virtual size just set shows the same scrollbars as before (only a change
        of scrollbars changes the room the lines have, which needs a layout pass)."""
        styles, view, virtual = self.styles, self.container_size, self.virtual_size

        def shown(overflow: str, over: bool) -> bool:
            return overflow == "scroll" or (overflow == "auto" and over)

        return (shown(styles.overflow_x, virtual.width > view.width) == self.show_horizontal_scrollbar
                and shown(styles.overflow_y, virtual.height > view.height)
                == self.show_vertical_scrollbar)  # fmt: skip

    # -- building ------------------------------------------------------------------------
    def show_packet(self, pkt: Packet) -> None:
        self._building = True
        self.packet = pkt
        self.clear()
        present = {int(osi) for osi, _ls in osi_groups(pkt)}
        groups = {int(osi): layers for osi, layers in osi_groups(pkt)}
        for n in range(1, 8):
            osi = Osi(n)
            if n in present and not group_is_hollow(groups[n]):
                self._add_group(osi, groups[n])
                continue
            label = Text(f"L{n} {osi.label} — {missing_reason(pkt, osi)}", MISSING_STYLE)
            if n not in present:
                self.root.add_leaf(label, TreeItem("missing", f"osi:{n}"))
                continue
            # A pseudo-layer with no bytes (raw IP's "raw") stays reachable under the reason.
            node = self.root.add(
                label, TreeItem("missing", f"osi:{n}"), expand=self._is_open(f"osi:{n}", False)
            )
            for layer in groups[n]:
                self._add_layer(node, layer)
        super()._invalidate()  # still building: no layout pass
        self._building = False
        self._restore_cursor()

    def _add_group(self, osi: Osi, layers: list[Layer]) -> None:
        label = Text(end="")  # a base style would spill over everything appended
        label.append(f"L{int(osi)} {osi.label}", Style(bold=True))
        names = ", ".join(la.protocol.short for la in layers)
        label.append(f"  ({names})", Style(dim=True))
        key = f"osi:{int(osi)}"
        open_ = self._is_open(key, osi != Osi.PHYSICAL)  # frame facts are not a protocol
        node = self.root.add(label, TreeItem("osi", key), expand=open_)
        for layer in layers:
            self._add_layer(node, layer)

    def _add_layer(self, parent: TreeNode[TreeItem], layer: Layer) -> None:
        assert self.packet is not None
        colour = layer_colour(layer)
        pieces: list[tuple[str, Style | None]] = []
        if colour:
            pieces.append(("■ ", Style(color=colour)))
        # Badges go before the title: long titles are cut at the pane's edge.
        if layer.status != "ok":
            pieces.append((f"[{layer.status}] ", ISSUE_STYLES["error"]))
        if any(iss.group == "checksum" for iss in layer.issues):
            pieces.append(("[bad checksum] ", ISSUE_STYLES["warn"]))
        pieces.append((safe_text(layer.title, 300), TITLE_STYLE))
        text = styled_text(pieces)
        key = f"layer:{layer.protocol.name}"
        # Layers start collapsed, as in Wireshark, so the whole stack fits on one screen; a
        # malformed or truncated one opens to show what is wrong with it.
        node = parent.add(
            text, TreeItem("layer", key, layer), expand=self._is_open(key, layer.status != "ok")
        )
        flagged = {(i.pos, i.len) for i in layer.issues if i.len}
        for f in layer.fields:
            self._add_field(node, layer, f, flagged)
        for iss in layer.issues:
            style = ISSUE_STYLES.get(iss.severity, Style())
            label = Text(
                f"⚠ {iss.severity}/{iss.group}: {safe_text(iss.message, 400)}", style, end=""
            )
            node.add_leaf(label, TreeItem("issue", f"issue:{iss.code}", layer, issue=iss))

    def _add_field(
        self, parent: TreeNode[TreeItem], layer: Layer, f: Field, flagged: set[tuple[int, int]]
    ) -> None:
        label = field_label(layer, f, (f.pos, f.len) in flagged)
        item = TreeItem("field", f"field:{f.name}", layer, f)
        if not f.children:
            parent.add_leaf(label, item)
            return
        node = parent.add(label, item, expand=self._is_open(item.key, False))
        for child in f.children:
            self._add_field(node, layer, child, flagged)

    def _is_open(self, key: str, default: bool) -> bool:
        return self.expanded.get(key, default)

    def _restore_cursor(self) -> None:
        """Keep the selected field's name across packets, as Wireshark does."""
        target = (
            self.find_node(lambda it: it.key == self.selected_key) if self.selected_key else None
        )
        if target is None:  # a malformed packet opens on what is wrong with it
            target = self.find_node(lambda it: it.kind == "issue" and it.issue is not None
                                    and it.issue.severity == "error")  # fmt: skip
        if target is None:
            target = self.find_node(lambda it: it.kind == "layer" and it.layer is not None
                                    and it.layer.protocol.name != "frame"
                                    and not is_hollow(it.layer))  # fmt: skip
        if target is not None:
            self.reveal(target)

    # -- queries -------------------------------------------------------------------------
    def find_node(self, pred) -> TreeNode[TreeItem] | None:  # noqa: ANN001
        stack = list(reversed(self.root.children))
        while stack:
            node = stack.pop()
            if node.data is not None and pred(node.data):
                return node
            stack.extend(reversed(node.children))
        return None

    def reveal(self, node: TreeNode[TreeItem]) -> None:
        """Expand the node's ancestors and put the cursor on it."""
        parent = node.parent
        while parent is not None and parent is not self.root:
            if not parent.is_expanded:
                parent.expand()
            parent = parent.parent
        # Tree numbers its lines lazily; build them now so node.line is valid for move_cursor.
        self._tree_lines  # noqa: B018
        before = self.cursor_line
        self.move_cursor(node, animate=False)
        if self.cursor_line == before:
            # Same line in a new packet's tree: Tree posts nothing, so say it ourselves.
            self._post_selected(node)

    def select_field(self, f: Field) -> bool:
        node = self.find_node(lambda it: it.field is f)
        if node is None:
            return False
        self.reveal(node)
        return True

    # -- events ------------------------------------------------------------------------
    def _post_selected(self, node: TreeNode[TreeItem]) -> None:
        if node.data is None:
            return
        self.selected_key = node.data.key if node.data.kind == "field" else self.selected_key
        self.post_message(self.FieldSelected(node.data))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[TreeItem]) -> None:
        event.stop()
        self._post_selected(event.node)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[TreeItem]) -> None:
        event.stop()
        if event.node.data is not None and not self._building:
            self.expanded[event.node.data.key] = True

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[TreeItem]) -> None:
        event.stop()
        if event.node.data is not None and not self._building:
            self.expanded[event.node.data.key] = False

    def action_open(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0], animate=False)

    def action_close(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent, animate=False)

    def action_field(self, action: str) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None:
            self.post_message(self.FieldAction(node.data, action))

    async def _on_click(self, event: events.Click) -> None:
        """Right button: the line's context menu; the left one is left to Tree's own
        handler (Textual calls it after this one), which toggles the line."""
        if event.button != 3:
            return
        event.prevent_default()  # not Tree's handler: a right click does not toggle
        event.stop()
        line = event.style.meta.get("line")
        node = self.get_node_at_line(line) if isinstance(line, int) else None
        if node is not None:
            self.move_cursor(node, animate=False)
        self.action_field("menu")

    def action_expand_all(self) -> None:
        self.root.expand_all()

    def action_collapse_all(self) -> None:
        for node in self.root.children:
            node.collapse_all()
            node.expand()
