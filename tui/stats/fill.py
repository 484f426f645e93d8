"""Filling the Statistics screen's widgets from the statistics of one pass. Every text
shown (addresses, names, URIs, messages) comes from packets: it goes in as rich Text
escaped by safe_text, never as markup."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable, Tree

from dissect.engine import safe_text
from dissect.stats.expert import LABELS, LEVELS

from .iograph import IoGraph

if TYPE_CHECKING:
    from .screen import StatisticsScreen

ROWS_MAX = 100_000  # rows a table shows at most
ROWS_AT_ONCE = 200  # rows a table takes between two refreshes (~50 ms of the interface)


def _t(value: Any, limit: int = 200) -> Text:
    return Text(safe_text(str(value), limit))


def fill(screen: StatisticsScreen, results: dict[str, Any]) -> None:
    """The widgets of the statistics given (by name): those just counted, or recounted
    with more packets, and no others. A table's rows wait until its tab is shown
    (`fill_shown`): a million packets make tens of thousands of conversations, whose
    rows cost the interface about a quarter of a millisecond each."""
    for name, st in results.items():
        if name == "phs":
            fill_phs(screen.query_one("#phs", Tree), st, screen.nodes)
        elif name == "expert":
            fill_expert(screen.query_one("#expert", Tree), st, screen.nodes)
        elif name == "io":
            screen.query_one(IoGraph).show(st)
        else:
            screen.pending[name] = st
    fill_shown(screen)


def fill_shown(screen: StatisticsScreen) -> None:
    """Start filling the tables waiting for their rows whose tab is shown."""
    for name in list(screen.pending):
        table = screen.query_one(f"#{name}", DataTable)
        if all(node.display for node in table.ancestors_with_self if isinstance(node, Widget)):
            rows = table_rows(name, screen.pending.pop(name))
            screen.filling[name] = generation = screen.filling.get(name, 0) + 1
            table.clear()
            add_rows(screen, table, rows, generation)


def add_rows(screen: StatisticsScreen, table: DataTable, rows: Iterator[tuple],
             generation: int) -> None:  # fmt: skip
    """ROWS_AT_ONCE rows, then the next ones after the screen is refreshed, so that a key
    waits for one batch at most; a newer fill of the table stops this one. Sorted again
    at the end when a column was chosen."""
    name = str(table.id)
    if screen.filling.get(name) != generation:
        return
    batch = list(islice(rows, ROWS_AT_ONCE))
    for *cells, key in batch:
        table.add_row(*cells, key=key)
    if len(batch) == ROWS_AT_ONCE:
        screen.call_after_refresh(add_rows, screen, table, rows, generation)
    elif name in screen.sort_column:
        screen.sort_table(table, screen.sort_column[name])


def table_rows(name: str, st: Any) -> Iterator[tuple]:
    """The rows of a table: its cells, then its key."""
    if name.startswith("conv-"):
        return conversation_rows(st)
    if name.startswith("endpoints-"):
        return endpoint_rows(st)
    if name == "http":
        return tree_rows(st, "http.host", "http.request.uri")
    return tree_rows(st, "dns.qry.name", "")


def _node(nodes: dict[tuple, Any], key: tuple, parent: Any, label: Text, data: Any = None,
          before: int | None = None, leaf: bool = False) -> Any:  # fmt: skip
    """The tree node of this key, relabelled, or added under parent (`nodes` remembers
    them): a statistic recounted every half second updates its lines in place, where
    clearing the tree laid the screen out again and lost the cursor."""
    node = nodes.get(key)
    if node is None:
        node = nodes[key] = parent.add(label, data, before=before, expand=not leaf,
                                       allow_expand=not leaf)  # fmt: skip
    elif node.label != label:
        node.set_label(label)
    return node


def fill_phs(tree: Tree, phs: Any, nodes: dict[tuple, Any]) -> None:
    total = sum(c.frames for c in phs.root.children.values()) or 1
    total_bytes = sum(c.bytes for c in phs.root.children.values()) or 1

    def add(parent: Any, node: Any, path: tuple) -> None:
        for child in node.children.values():
            label = Text.assemble(
                (child.name, "bold"),
                f"  {100 * child.frames / total:5.1f}% packets ({child.frames:,})"
                f"  {100 * child.bytes / total_bytes:5.1f}% bytes ({child.bytes:,})",
            )
            key = (*path, child.name)
            add(_node(nodes, key, parent, label), child, key)

    add(tree.root, phs.root, ("phs",))
    tree.root.expand()


def _conv_filter(kind: str, a: str, pa: int, b: str, pb: int) -> str:
    if kind in ("eth", "ip", "ipv6"):
        field = {"eth": "eth.addr", "ip": "ip.addr", "ipv6": "ipv6.addr"}[kind]
        return f"{field}=={a} && {field}=={b}"
    ip = "ipv6.addr" if ":" in a else "ip.addr"
    return f"{ip}=={a} && {kind}.port=={pa} && {ip}=={b} && {kind}.port=={pb}"


def conversation_rows(st: Any) -> Iterator[tuple]:
    first = st.first_ns or 0
    for c in st.ranked()[:ROWS_MAX]:
        # after \0 the conversation's first packet: `f` follows its stream from there
        key = f"filter:{_conv_filter(st.kind, c.a, c.pa, c.b, c.pb)}\0{c.first_at}"
        yield (_t(c.a), c.pa if st.ports else "", _t(c.b), c.pb if st.ports else "",
               c.frames, c.ab_bytes + c.ba_bytes, c.ab_frames, c.ab_bytes, c.ba_frames,
               c.ba_bytes, round((c.start_ns - first) / 1e9, 6),
               round((c.end_ns - c.start_ns) / 1e9, 6), key)  # fmt: skip


def endpoint_rows(st: Any) -> Iterator[tuple]:
    field = {"eth": "eth.addr", "ip": "ip.addr", "ipv6": "ipv6.addr"}.get(st.kind)
    for e in st.ranked()[:ROWS_MAX]:
        if field is None:
            ip = "ipv6.addr" if ":" in e.address else "ip.addr"
            flt = f"{ip}=={e.address} && {st.kind}.port=={e.port}"
        else:
            flt = f"{field}=={e.address}"
        yield (_t(e.address), e.port if st.ports else "", e.frames, e.tx_bytes + e.rx_bytes,
               e.tx_frames, e.tx_bytes, e.rx_frames, e.rx_bytes, "filter:" + flt)  # fmt: skip


def fill_expert(tree: Tree, expert: Any, nodes: dict[tuple, Any]) -> None:
    """Severity, then group, then each message with its count; a message's node holds
    its first packet's number (enter goes there)."""
    shown = 0  # severities above this one in the tree
    for sev in reversed(LEVELS):
        entries = expert.entries[sev]
        if not entries:
            continue
        label = Text(f"{LABELS[sev]} ({sum(entries.values()):,})")
        node = _node(nodes, ("expert", sev), tree.root, label, before=shown)
        shown += 1
        for (group, proto, message), n in entries.items():
            parent = _node(nodes, ("expert", sev, group), node, Text(group))
            label = Text.assemble((f"{n:6,} ", "bold"), f"{proto}  ", safe_text(message, 300))
            first = expert.first[(group, proto, message)]
            _node(nodes, ("expert", sev, group, proto, message), parent, label, first, leaf=True)
    tree.root.expand()


def tree_rows(tree: Any, first_field: str, second_field: str) -> Iterator[tuple]:
    """Two-level stats tree (host -> URI, name -> type) as rows; enter filters on them."""
    rows = 0
    for top in tree.root.children.values():
        for item in top.children.values():
            for leaf in item.children.values():
                if rows >= ROWS_MAX:
                    return
                rows += 1
                flt = f'{first_field} == "{_quoted(item.name)}"'
                if second_field:
                    flt += f' && {second_field} == "{_quoted(leaf.name)}"'
                yield _t(item.name), _t(leaf.name, 400), leaf.count, f"filter:{flt}\0{rows}"


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
