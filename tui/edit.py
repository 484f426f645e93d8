"""Edit and see: change one field's value, recompute what depends on it, decode again.

`edit_packet` writes the new value into the field's bytes (under its bit mask), fixes the
lengths that enclose a value whose size changed -- each protocol's declared total length
(`total_length`), its checksum's length field and its payload length (`Bulk.payload_length`)
-- then recomputes every checksum the engine could verify, from the protocol's `Checksum`
declaration (covered range, length field, pseudo-header), innermost first, and decodes the
result. The field the user typed into is never overwritten: an edited length or checksum
stays as typed, so a wrong one can be shown on purpose.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from dissect.engine import (
    Field,
    Layer,
    Packet,
    decode,
    inet_checksum,
    pseudo_sum,
    safe_text,
)

from .bytes_view import hex_view, layer_styles
from .diff import diff_rows, side

TEXT_KINDS = ("text", "str")
NUMBER_KINDS = ("uint", "bits", "flag")


class EditError(ValueError):
    """The typed value does not fit the field (said in one line to the user)."""


@dataclass(slots=True)
class Edit:
    """The result of an edit: the new bytes, decoded, and what changed."""

    data: bytes
    packet: Packet
    changed: set[int]  # offsets in `data` of bytes that differ from the original
    notes: list[str] = field(default_factory=list)  # one line per recomputed value


def editable(f: Field) -> bool:
    """Fields with bytes of their own and a kind we can write back."""
    return f.len > 0 and not f.generated and not f.spec.hidden and f.spec.kind in (*NUMBER_KINDS, *TEXT_KINDS,
                                                             "ipv4", "ipv6", "mac", "bytes")  # fmt: skip


def value_text(f: Field) -> str:
    """What the edit box starts with: the raw value in a form parse_value reads back."""
    v = f.value
    if f.spec.kind in NUMBER_KINDS:
        return f"{v:#x}" if f.spec.base != "dec" and f.spec.kind != "flag" else str(int(v))
    if isinstance(v, bytes):
        return v.hex()
    return safe_text(str(v), 400)


def parse_value(f: Field, text: str, raw: bytes) -> tuple[int | None, bytes | None]:
    """(number to put under the mask, or the new bytes): EditError when it does not fit."""
    kind, text = f.spec.kind, text.strip()
    try:
        if kind in NUMBER_KINDS:
            return _number(f, text), None
        if kind in ("ipv4", "ipv6"):
            packed = ipaddress.ip_address(text).packed
            if len(packed) != f.len:
                raise EditError(f"{f.label} holds {f.len} bytes: an IPv{4 if f.len == 4 else 6} "
                                "address")  # fmt: skip
            return None, packed
        if kind in ("mac", "bytes"):
            new = bytes.fromhex(text.replace(":", "").replace("-", "").replace(" ", ""))
            if kind == "mac" and len(new) != 6:
                raise EditError("a MAC address is 6 bytes, e.g. 00:11:22:33:44:55")
            return None, new
    except ValueError as exc:
        raise EditError(str(exc) or f"not a value for {f.label}") from None
    new = text.encode("utf-8")  # text: a line keeps its line end
    for end in (b"\r\n", b"\n"):
        if raw.endswith(end) and not new.endswith(end):
            new += end
            break
    return None, new


def _number(f: Field, text: str) -> int:
    words = {"set": 1, "not set": 0, "true": 1, "false": 0, "on": 1, "off": 0}
    if text.lower() in words and f.spec.kind == "flag":
        return words[text.lower()]
    names = f.spec.names
    if isinstance(names, dict):
        by_name = {str(n).lower(): k for k, n in names.items()}
        if text.lower() in by_name:
            return int(by_name[text.lower()])
    value = int(text, 0)
    bits = bin(f.mask).count("1") if f.mask else 8 * f.len
    if not 0 <= value < 1 << bits:
        raise EditError(f"{f.label} holds {bits} bit(s): 0 to {(1 << bits) - 1}")
    return value


def write_field(data: bytes, layer: Layer, f: Field, number: int | None,
                new: bytes | None) -> bytes:  # fmt: skip
    """The frame with the field's bytes replaced (a number goes under the field's mask)."""
    old = data[f.pos : f.pos + f.len]
    if number is not None:
        order = "little" if layer.protocol.byteorder == "<" else "big"
        word = int.from_bytes(old, order)
        if f.mask:
            shift = (f.mask & -f.mask).bit_length() - 1
            word = (word & ~f.mask) | ((number << shift) & f.mask)
        else:
            word = number
        new = word.to_bytes(f.len, order)
    assert new is not None
    return data[: f.pos] + new + data[f.pos + f.len :]


def _adjust_lengths(data: bytearray, pkt: Packet, at: int, delta: int, typed: Field) -> list[str]:
    """Length fields of the layers that hold offset `at` grow or shrink by delta."""
    notes: list[str] = []
    for layer in pkt.layers:
        if not layer.pos <= at < max(layer.payload_end, layer.pos + layer.hdr_len):
            continue
        proto = layer.protocol
        names = {s.name for s in (proto.tl_spec,) if s is not None}
        if proto.checksum is not None and proto.checksum.length:
            names.add(proto.checksum.length)
        bulk = proto.bulk
        if bulk is not None and bulk.payload_length:
            names.add(bulk.payload_length)
        for name in sorted(names):
            lf = layer.get(name)
            if lf is None or lf is typed or lf.mask or lf.len not in (1, 2, 4):
                continue
            value = int.from_bytes(data[lf.pos : lf.pos + lf.len], "big") + delta
            if 0 <= value < 1 << (8 * lf.len):
                data[lf.pos : lf.pos + lf.len] = value.to_bytes(lf.len, "big")
                notes.append(f"{name}: {lf.value} → {value} (length recomputed)")
    return notes


def _pseudo_addresses(pkt: Packet, layer: Layer) -> tuple[bytes, bytes] | None:
    """The source and destination bytes of the nearest layer below declaring a pseudo-header."""
    below = pkt.layers[: pkt.layers.index(layer)]
    for lower in reversed(below):
        proto = lower.protocol
        if proto.ps_src is not None:
            src, dst = lower.get(proto.ps_src.name), lower.get(proto.ps_dst.name)
            if src is None or dst is None:
                return None
            return (pkt.data[src.pos : src.pos + src.len], pkt.data[dst.pos : dst.pos + dst.len])
    return None


def _pseudo_span(pkt: Packet, layer: Layer) -> set[int]:
    below = pkt.layers[: pkt.layers.index(layer)]
    for lower in reversed(below):
        if lower.protocol.ps_src is not None:
            out: set[int] = set()
            for spec in (lower.protocol.ps_src, lower.protocol.ps_dst):
                f = lower.get(spec.name)
                if f is not None:
                    out |= set(range(f.pos, f.pos + f.len))
            return out
    return set()


def _fix_checksums(data: bytearray, pkt: Packet, typed_name: str, touched: set[int],
                   was_bad: set[int]) -> list[str]:  # fmt: skip
    """The checksums the engine verifies, recomputed innermost first: each one whose bytes
    (pseudo-header included) the edit touched, and each that was right before it. One that
    was already wrong (checksum offload) and covers nothing edited is left as it was."""
    notes: list[str] = []
    for li in reversed(range(len(pkt.layers))):
        layer = pkt.layers[li]
        ck = layer.protocol.checksum
        if ck is None or layer.checksum_status not in ("good", "bad") or ck.field == typed_name:
            continue
        start = layer.pos
        at = start + ck.offset
        end = start + layer.hdr_len if ck.covers == "header" else layer.payload_end
        if ck.length is not None:
            end = start + int(layer.value(ck.length))
        initial = 0
        if ck.pseudo is not None:
            addrs = _pseudo_addresses(pkt, layer)
            if addrs is None:
                continue
            initial = pseudo_sum(addrs[0], addrs[1], ck.pseudo, end - start)
        covered = set(range(start, end))
        if ck.pseudo is not None:
            covered |= _pseudo_span(pkt, layer)
        if li in was_bad and not touched & covered:
            continue
        value = inet_checksum(bytes(data[start:at]) + b"\0\0" + bytes(data[at + 2 : end]), initial)
        old = int.from_bytes(data[at : at + 2], "big")
        if value != old:
            data[at : at + 2] = value.to_bytes(2, "big")
            notes.append(f"{ck.field}: 0x{old:04x} → 0x{value:04x} (checksum recomputed)")
    return notes


def _redecode(pkt: Packet, data: bytes) -> Packet:
    return decode(data, pkt.linktype, number=pkt.number, time_ns=pkt.time_ns)


def edit_packet(pkt: Packet, layer: Layer, f: Field, text: str) -> Edit:
    """The packet with field f set to the typed value and its dependents recomputed."""
    if not editable(f):
        raise EditError(f"{f.label} has no bytes of its own to edit")
    old = pkt.data
    number, new = parse_value(f, text, old[f.pos : f.pos + f.len])
    data = write_field(old, layer, f, number, new)
    delta = len(data) - len(old)
    notes = [f"{f.name}: {safe_text(f.show, 60)} → {safe_text(text.strip(), 60)}"]
    buf = bytearray(data)
    if delta:
        notes += _adjust_lengths(buf, _redecode(pkt, data), f.pos, delta, f)
        # the lengths were read from a decode of the resized bytes: re-find the typed field
    first = _redecode(pkt, bytes(buf))
    touched = changed_bytes(old, bytes(buf), f.pos, f.len)
    was_bad = {i for i, la in enumerate(pkt.layers) if la.checksum_status == "bad"}
    notes += _fix_checksums(buf, first, f.name, touched, was_bad)
    result = bytes(buf)
    return Edit(result, _redecode(pkt, result), changed_bytes(old, result, f.pos, f.len), notes)


def changed_bytes(old: bytes, new: bytes, pos: int, length: int) -> set[int]:
    """Offsets in `new` that differ from `old`; after a resize, bytes past the edited field
    are compared with the old bytes they moved from."""
    delta = len(new) - len(old)
    end = pos + length + delta  # the edited field's end in `new`
    out = {i for i in range(min(pos, len(new))) if i >= len(old) or old[i] != new[i]}
    out |= set(range(pos, max(pos, end)))
    out |= {i for i in range(max(pos, end), len(new)) if old[i - delta] != new[i]}
    return out


# -- the screen --------------------------------------------------------------------------------
class EditScreen(Screen[None]):
    """Pick a field, type its value: the bytes, lengths and checksums follow."""

    DEFAULT_CSS = """
    EditScreen #edit-top { height: 1fr; }
    EditScreen #edit-fields { width: 48; height: 100%; }
    EditScreen #edit-right { width: 1fr; }
    EditScreen #edit-notes { height: auto; padding: 0 1; background: $boost; }
    EditScreen #edit-hex { height: auto; padding: 0 1; }
    EditScreen #edit-tree { height: 1fr; padding: 0 1; }
    EditScreen #edit-tree-text, EditScreen #edit-fields { text-wrap: nowrap; text-overflow: ellipsis; }
    EditScreen Input { width: 1fr; }
    EditScreen #edit-save-row { height: 3; }
    EditScreen #edit-save-row Label { padding: 1 1 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+s", "save", "Save edited packet"),
        Binding("ctrl+r", "reset", "Back to the original"),
    ]

    def __init__(self, pkt: Packet, selected: Field | None = None) -> None:
        super().__init__()
        self.original = self.packet = pkt
        self.changed: set[int] = set()
        self.notes: list[str] = []
        self.target: tuple[int, int] | None = None  # (layer index, field index in walk order)
        self._start = selected

    def compose(self) -> ComposeResult:
        with Horizontal(id="edit-top"):
            yield OptionList(id="edit-fields")
            with Vertical(id="edit-right"):
                yield Label("", id="edit-label")
                yield Input(id="edit-value", placeholder="new value, then enter")
                yield Static(id="edit-notes")
                yield Static(id="edit-hex")
                with VerticalScroll(id="edit-tree"):
                    yield Static(id="edit-tree-text")
        with Horizontal(id="edit-save-row"):
            yield Label("Save as ")
            yield Input(value=f"edited-{pkt_number(self.packet)}.pcap", id="edit-path")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_fields()
        if self._start is not None:
            self.choose(self._locate(self.packet, self._start))
        else:
            self.query_one("#edit-fields", OptionList).focus()
        self.query_one("#edit-label", Label).update(
            Text(
                f"Packet {pkt_number(self.packet)}: pick a field on the left, type its new "
                "value, press enter."
            )  # fmt: skip
        ) if self._start is None else None
        self.show()

    # -- fields --------------------------------------------------------------------------
    def fields(self, pkt: Packet) -> list[tuple[int, int, Layer, Field]]:
        out = []
        for li, layer in enumerate(pkt.layers):
            for fi, f in enumerate(layer.walk()):
                if editable(f):
                    out.append((li, fi, layer, f))
        return out

    def _locate(self, pkt: Packet, f: Field) -> tuple[int, int] | None:
        return next(((li, fi) for li, fi, _la, g in self.fields(pkt) if g is f), None)

    def refresh_fields(self) -> None:
        opts = self.query_one("#edit-fields", OptionList)
        opts.clear_options()
        for li, fi, _layer, f in self.fields(self.packet):
            prompt = Text(f"{f.name} = ", "dim")
            prompt.append(safe_text(f.show, 40))
            opts.add_option(Option(prompt, id=f"{li}:{fi}"))

    def current(self) -> tuple[Layer, Field] | None:
        if self.target is None:
            return None
        for li, fi, layer, f in self.fields(self.packet):
            if (li, fi) == self.target:
                return layer, f
        return None

    def choose(self, target: tuple[int, int] | None) -> None:
        self.target = target
        hit = self.current()
        if hit is None:
            return
        _layer, f = hit
        self.query_one("#edit-label", Label).update(
            Text(
                f"{f.label or f.name} ({f.name}, {f.len} byte(s)"
                f"{f', mask 0x{f.mask:x}' if f.mask else ''})"
            )  # fmt: skip
        )
        box = self.query_one("#edit-value", Input)
        box.value = value_text(f)
        box.focus()

    @on(OptionList.OptionSelected, "#edit-fields")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        li, fi = (int(x) for x in str(event.option.id).split(":"))
        self.choose((li, fi))

    @on(Input.Submitted, "#edit-value")
    def _submitted(self, event: Input.Submitted) -> None:
        hit = self.current()
        if hit is None:
            self.notify("Pick a field on the left first.", severity="warning")
            return
        layer, f = hit
        try:
            result = edit_packet(self.packet, layer, f, event.value)
        except EditError as exc:
            self.notify(safe_text(str(exc), 200), severity="error", markup=False)
            return
        base = self.original.data
        self.packet = result.packet
        self.changed = (
            changed_bytes(base, result.data, 0, 0)
            if len(base) == len(result.data)
            else result.changed
        )
        self.notes = self.notes + result.notes
        self.refresh_fields()
        self.show()

    def show(self) -> None:
        pkt = self.packet
        notes = Text("Changes: " if self.notes else "Pick a field, type a value, press enter.")
        notes.append("; ".join(self.notes))
        self.query_one("#edit-notes", Static).update(notes)
        mark = Style(reverse=True, bold=True)
        self.query_one("#edit-hex", Static).update(
            hex_view(pkt.data, layer_styles(pkt), self.changed, mark)
        )
        # the edited packet's tree, its lines that differ from the original's marked
        rows = diff_rows(self.original, pkt)
        self.query_one("#edit-tree-text", Static).update(side(rows, False))
        first = next((i for i, r in enumerate(rows) if r.differs and r.key[0] != "frame"), 0)
        self.query_one("#edit-tree", VerticalScroll).scroll_to(y=max(0, first - 2), animate=False)

    def action_reset(self) -> None:
        self.packet, self.changed, self.notes = self.original, set(), []
        self.refresh_fields()
        self.show()

    def action_save(self) -> None:
        path = self.query_one("#edit-path", Input).value.strip()
        try:
            save_packet(self.packet, path)
        except (OSError, ValueError) as exc:
            self.notify(safe_text(f"Cannot save: {exc}", 300), severity="error", markup=False)
            return
        self.notify(safe_text(f"Saved the edited packet to {path}.", 300), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


def pkt_number(pkt: Packet) -> int:
    return int(pkt.number or 1)


def save_packet(pkt: Packet, path: str) -> None:
    """One packet as a pcap file (pcapng when the name says so)."""
    from dissect.readers.writer import PcapngWriter, PcapWriter

    if not path:
        raise ValueError("no file name")
    target = Path(path).expanduser()
    if target.suffix == ".pcapng":
        ng = PcapngWriter(str(target))
        try:
            ng.write(pkt.data, pkt.time_ns or 0, interface=ng.add_interface(pkt.linktype))
        finally:
            ng.close()
        return
    writer = PcapWriter(str(target), pkt.linktype)
    try:
        writer.write(pkt.data, pkt.time_ns or 0)
    finally:
        writer.close()
