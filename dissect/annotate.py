"""Annotated export of one packet: Markdown, HTML or SVG, with layer colours and field spans.

For course notes and slides: every byte in the colour of the protocol that owns it, and every
field with its offset, length and bit mask next to its value, as the tree shows it. Usable
without the TUI (`layerscope --annotate N --format md|html|svg`, and the TUI's export key).

Packet bytes and values are untrusted: every text passes safe_text() (controls become
escapes) and then the target format's own escaping (HTML/XML entities, Markdown's
specials), so a payload can add neither markup nor a script to the document.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass
from typing import IO

from .engine import Field, Layer, Packet, field_text, safe_text
from .output import hex_rows

__all__ = ["FORMATS", "AnnotatedField", "annotate", "byte_owners", "spanned_fields"]

FORMATS = ("md", "html", "svg")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PLAIN = "#c0c0c0"  # bytes no layer owns
TEXT_MAX = 160  # characters of one field's text in an export


@dataclass(frozen=True, slots=True)
class AnnotatedField:
    """One field with a span, as an export lists it (texts already escaped by safe_text)."""

    layer: int  # index into the packet's layers
    name: str
    text: str
    pos: int
    length: int
    mask: int
    depth: int


def colour_of(layer: Layer) -> str:
    """The protocol's declared colour, checked: it goes into CSS and SVG attributes."""
    colour = layer.protocol.colour or ""
    return colour if COLOUR.fullmatch(colour) else PLAIN


def shown_layers(pkt: Packet) -> list[Layer]:
    """The layers an export shows: not the frame pseudo-layer, which owns no bytes."""
    return [la for la in pkt.layers if la.protocol.name != "frame"]


def byte_owners(pkt: Packet) -> list[int]:
    """For each byte, the index in pkt.layers of the innermost layer whose header holds it
    (-1: none); upper layers are drawn over the lower ones that carry them."""
    owners = [-1] * len(pkt.data)
    for i, layer in enumerate(pkt.layers):
        if layer.protocol.name == "frame":
            continue
        lo, hi = max(0, layer.pos), min(len(owners), layer.pos + layer.hdr_len)
        owners[lo:hi] = [i] * max(0, hi - lo)
    return owners


def spanned_fields(pkt: Packet) -> list[AnnotatedField]:
    """Every field that has bytes, in tree order, with its depth under its layer."""
    out: list[AnnotatedField] = []

    def visit(i: int, f: Field, depth: int) -> None:
        if f.len > 0:
            text = safe_text(field_text(pkt.data, f), TEXT_MAX)
            out.append(AnnotatedField(i, f.name, text, f.pos, f.len, f.mask or 0, depth))
        for child in f.children or ():
            visit(i, child, depth + 1)

    for i, layer in enumerate(pkt.layers):
        if layer.protocol.name != "frame":
            for f in layer.fields:
                visit(i, f, 0)
    return out


def _title(pkt: Packet) -> str:
    stack = ":".join(la.protocol.short for la in shown_layers(pkt))
    return f"Packet {pkt.number}: {pkt.caplen} bytes, {stack}"


def _mask_text(mask: int) -> str:
    return f"0x{mask:x}" if mask else ""


# -- Markdown --------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~>-])")


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: inert (no HTML, links, emphasis or column breaks)."""
    text = html.escape(safe_text(text, TEXT_MAX), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(pkt: Packet) -> str:
    owners, layers = byte_owners(pkt), pkt.layers
    out = [f"# {md_cell(_title(pkt))}", "", "| Layer | Colour | Offset | Bytes |",
           "| --- | --- | --- | --- |"]  # fmt: skip
    for layer in shown_layers(pkt):
        out.append(f"| {md_cell(layer.title)} | `{colour_of(layer)}` | {layer.pos} | "
                   f"{layer.hdr_len} |")  # fmt: skip
    out += ["", "Bytes, with the layer that owns each one under it:", "", "```text"]
    for off, hx, asc in hex_rows(pkt.data):
        out.append(f"{off:04x}  {hx:<49} {asc}")
        tags = [_tag(layers, owners[off + k]) for k in range(min(16, len(owners) - off))]
        tagline = " ".join(tags[:8]) + ("  " + " ".join(tags[8:]) if len(tags) > 8 else "")
        out.append(f"      {tagline}".rstrip())
    out += ["```", "", "| Offset | Length | Mask | Layer | Field | Value |",
            "| ---: | ---: | --- | --- | --- | --- |"]  # fmt: skip
    for f in spanned_fields(pkt):
        out.append(f"| {f.pos} | {f.length} | {_mask_text(f.mask)} | "
                   f"{md_cell(layers[f.layer].protocol.short)} | "
                   f"{'&nbsp;' * 2 * f.depth}{md_cell(f.name)} | {md_cell(f.text)} |")  # fmt: skip
    return "\n".join(out) + "\n"


def _tag(layers: list[Layer], owner: int) -> str:
    """Two characters naming the layer of a byte in the Markdown dump."""
    return ".." if owner < 0 else layers[owner].protocol.short[:2].lower().ljust(2, ".")


# -- HTML ------------------------------------------------------------------------------------
def _h(text: str) -> str:
    return html.escape(safe_text(text, TEXT_MAX), quote=True)


def to_html(pkt: Packet) -> str:
    layers, owners = pkt.layers, byte_owners(pkt)
    fields = spanned_fields(pkt)
    css = "".join(f".l{i}{{background:{colour_of(la)}55}}" for i, la in enumerate(layers))
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8">',
           f"<title>{_h(_title(pkt))}</title>",
           "<style>body{font-family:monospace;background:#fff;color:#111}"
           "td,th{padding:0 .5em;text-align:left}.b{padding:0 1px}" + css + "</style>",
           f"</head><body><h1>{_h(_title(pkt))}</h1>", "<h2>Layers</h2><ul>"]  # fmt: skip
    for i, la in enumerate(layers):
        if la.protocol.name != "frame":
            out.append(f'<li class="l{i}">{_h(la.title)}: {_span_words(la)}</li>')
    out.append("</ul><h2>Bytes</h2><pre>")
    for off, _hx, asc in hex_rows(pkt.data):
        cells = [_byte_html(pkt, layers, owners, fields, off + k)
                 for k in range(min(16, len(owners) - off))]  # fmt: skip
        out.append(f"{off:04x}  " + " ".join(cells) + "  " + html.escape(asc))
    out.append("</pre><h2>Fields</h2><table><tr><th>Offset</th><th>Length</th><th>Mask</th>"
               "<th>Field</th><th>Value</th></tr>")  # fmt: skip
    for f in fields:
        out.append(f'<tr class="l{f.layer}"><td>{f.pos}</td><td>{f.length}</td>'
                   f"<td>{_mask_text(f.mask)}</td><td>{'&nbsp;' * 2 * f.depth}{_h(f.name)}</td>"
                   f"<td>{_h(f.text)}</td></tr>")  # fmt: skip
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def _span_words(layer: Layer) -> str:
    if not layer.hdr_len:
        return "no bytes of its own"
    return f"bytes {layer.pos}&ndash;{layer.pos + layer.hdr_len - 1} ({layer.hdr_len})"


def _innermost(fields: list[AnnotatedField], offset: int) -> AnnotatedField | None:
    best = None
    for f in fields:
        if f.pos <= offset < f.pos + f.length and (best is None or f.length <= best.length):
            best = f
    return best


def _byte_html(pkt, layers, owners, fields, offset: int) -> str:
    """One byte: tinted by its layer, its field in the tooltip."""
    owner = owners[offset]
    f = _innermost(fields, offset)
    title = f' title="{_h(f.name)}: {_h(f.text)}"' if f is not None else ""
    cls = f"b l{owner}" if owner >= 0 else "b"
    return f'<span class="{cls}"{title}>{pkt.data[offset]:02x}</span>'


# -- SVG -------------------------------------------------------------------------------------
CELL_W, CELL_H, LEFT, LINE_H = 24, 20, 48, 16


def to_svg(pkt: Packet) -> str:
    """Bytes as a grid of cells in their layers' colours, then the layers and the fields."""
    layers, owners, fields = pkt.layers, byte_owners(pkt), spanned_fields(pkt)
    rows = (len(pkt.data) + 15) // 16
    legend = shown_layers(pkt)
    top = 30 + rows * CELL_H + 16
    height = top + (len(legend) + len(fields) + 2) * LINE_H
    width = max(LEFT + 16 * CELL_W + 16, 900)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           'font-family="monospace" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="8" y="18" font-size="14">{_h(_title(pkt))}</text>']  # fmt: skip
    for offset, byte in enumerate(pkt.data):
        r, c = divmod(offset, 16)
        x, y = LEFT + c * CELL_W, 30 + r * CELL_H
        owner = owners[offset]
        fill = colour_of(layers[owner]) if owner >= 0 else PLAIN
        f = _innermost(fields, offset)
        tip = f"<title>{_h(f.name)}: {_h(f.text)}</title>" if f is not None else ""
        out.append(f'<g><rect x="{x}" y="{y}" width="{CELL_W - 2}" height="{CELL_H - 2}" '
                   f'fill="{fill}" fill-opacity="0.45"/>{tip}<text x="{x + 4}" '
                   f'y="{y + 14}">{byte:02x}</text></g>')  # fmt: skip
        if c == 0:
            out.append(f'<text x="8" y="{y + 14}" fill="#666">{offset:04x}</text>')
    y = top
    for la in legend:
        out.append(f'<rect x="8" y="{y - 11}" width="12" height="12" fill="{colour_of(la)}"/>'
                   f'<text x="26" y="{y}">{_h(la.title)} [{la.pos}:{la.hdr_len}]</text>')  # fmt: skip
        y += LINE_H
    y += LINE_H
    for f in fields:
        colour = colour_of(layers[f.layer])
        mask = f" mask {_mask_text(f.mask)}" if f.mask else ""
        out.append(f'<rect x="8" y="{y - 11}" width="6" height="12" fill="{colour}"/>'
                   f'<text x="{20 + 12 * f.depth}" y="{y}">[{f.pos}:{f.length}{mask}] '
                   f"{_h(f.name)}: {_h(f.text)}</text>")  # fmt: skip
        y += LINE_H
    out.append("</svg>")
    return "\n".join(out) + "\n"


def annotate(pkt: Packet, fmt: str) -> str:
    """The packet as an annotated document in `fmt` (one of FORMATS)."""
    if fmt == "md":
        return to_markdown(pkt)
    if fmt == "html":
        return to_html(pkt)
    if fmt == "svg":
        return to_svg(pkt)
    raise ValueError(f"annotate: format is one of {', '.join(FORMATS)}, not {fmt!r}")


# -- the command line -------------------------------------------------------------------------
def add_options(p: argparse.ArgumentParser) -> None:
    """Teaching mode's options: --annotate here; --tour and --serve open the TUI (tui/main.py)."""
    g = p.add_argument_group("teaching mode")
    g.add_argument(
        "--annotate",
        type=int,
        metavar="N",
        help="print packet N as an annotated document (layer colours, field spans)",
    )
    g.add_argument(
        "--format",
        dest="annotate_format",
        choices=FORMATS,
        default="html",
        help="with --annotate: md, html or svg (default html)",
    )
    g.add_argument(
        "--tour",
        action="store_true",
        help="open the guided tour of the HTTP GET demo, layer by layer",
    )
    g.add_argument(
        "--serve",
        action="store_true",
        help="serve the TUI to a web browser (textual-serve) instead of the terminal",
    )
    g.add_argument("--host", default="127.0.0.1", help="with --serve: address (default 127.0.0.1)")
    g.add_argument("--port", type=int, default=8000, help="with --serve: port (default 8000)")  # fmt: skip


def run_annotate(args: argparse.Namespace, out: IO[str] | None = None,
                 err: IO[str] | None = None) -> int:  # fmt: skip
    """--annotate N: packet N of the input (the demo by default) in the chosen format."""
    from .cli import error_line, iter_packets, open_input
    from .index import CaptureError

    out, err = out or sys.stdout, err or sys.stderr
    if args.annotate < 1:
        err.write(error_line(f"--annotate {args.annotate}: packets are numbered from 1") + "\n")
        return 2
    warn: list[str] = []
    seen = 0
    try:
        idx = open_input(args)
        for pkt in iter_packets(args, warn, idx):
            seen += 1
            if seen == args.annotate:
                out.write(annotate(pkt, args.annotate_format))
                return 0
    except (CaptureError, OSError) as exc:
        err.write(error_line(str(exc)) + "\n")
        return 2
    err.write(error_line(f"--annotate {args.annotate}: the input has {seen} packet(s)") + "\n")
    return 2
