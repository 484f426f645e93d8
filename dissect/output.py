"""Views of decoded packets as text and JSON: summary line, -V tree, -x hex, -T json.

Everything here is plain strings; the CLI decides whether to colour them with Rich.
Packet text is untrusted, so every value shown goes through the field kind's formatter,
which escapes control characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .fields import safe_text
from .model import STATUS_RANK, Field, Layer, Osi, Packet
from .protocol import read_values

if TYPE_CHECKING:
    from .protocol import Protocol


@dataclass(slots=True)
class Summary:
    """One packet-list row."""

    number: int
    time: float  # seconds relative to the first packet (or absolute, caller's choice)
    source: str
    destination: str
    protocol: str
    length: int
    info: str
    status: str
    bad_checksum: bool


def summarize(pkt: Packet, t0_ns: int = 0) -> Summary:
    """List-row columns, as Wireshark fills them: the topmost layer with addresses gives
    Source/Destination, the topmost non-data layer the Protocol, the topmost Info wins."""
    src, dst, proto, info, status, bad = _columns(pkt)
    time = (pkt.time_ns - t0_ns) / 1e9
    return Summary(pkt.number, time, src, dst, proto, pkt.wirelen, info, status, bad)


def row_line(pkt: Packet, t0_ns: int = 0) -> str:
    """summary_line(summarize(pkt, t0_ns)) without the Summary in between: the batch CLI's
    line for every packet of a capture. Compiled, its numbers are C integers, which an
    f-string turns into text several times faster than %-formatting does."""
    src, dst, proto, info, _status, _bad = _columns(pkt)
    number, length, d = pkt.number, pkt.wirelen, pkt.time_ns - t0_ns
    if not (0 <= number < ROW_INT_MAX and 0 <= length < ROW_INT_MAX and -EXACT_NS < d < EXACT_NS):
        return _LINE % (number, d / 1e9, src, dst, proto, length, info)
    return _row(number, _seconds(d), src, dst, proto, length, info)


ROW_INT_MAX = 1 << 62  # numbers below this are C integers in the compiled _row
EXACT_NS = 9_000_000_000_000_000  # below this, d / 1e9 is within 1 ns of exact (see _seconds)


def _row(number, secs, src, dst, proto, length, info):  # typed in output.pxd
    """_LINE's text, with the time already formatted. The columns are padded with ready-made
    runs of spaces: a format spec on a string costs a parse per call."""
    return (
        f"{number:6d} {_pad(12 - len(secs))}{secs} {_pad(17 - len(src))}{src} → "
        f"{dst}{_pad(17 - len(dst))} {proto}{_pad(6 - len(proto))} {length:5d} {info}"
    )


def _pad(n):  # typed in output.pxd
    return _SPACES[n] if n > 0 else ""


_SPACES = tuple(" " * n for n in range(18))


def _seconds(d):  # typed in output.pxd
    """What "%.6f" % (d / 1e9) prints, for |d| < EXACT_NS, from integers. There the float
    d / 1e9 is within 1 ns of exact (half an ulp is under 1e-9 s), and an exact value at a
    whole number of ns is at least 1 ns from a rounding tie unless it is one: integer
    rounding then gives the float's digits. A tie (d % 1000 == 500) is left to the float."""
    neg = d < 0
    n = -d if neg else d
    us, r = n // 1000, n % 1000
    if r == 500:
        return "%.6f" % (d / 1e9)
    if r > 500:
        us += 1
    sec, frac = us // 1_000_000, us % 1_000_000
    return f"-{sec}.{frac:06d}" if neg else f"{sec}.{frac:06d}"


def _columns(pkt: Packet) -> tuple[str, str, str, str, str, bool]:
    """Source, destination, protocol, info (escaped), status and bad-checksum flag.
    One pass down the stack: this runs for every row of a million-packet list."""
    frozen = pkt.ctx.get("columns_frozen")  # ICMP errors: the quoted packet fills no column
    every = pkt.layers
    limit = len(every) if frozen is None else min(frozen, len(every))  # frame excluded below
    src = dst = info = proto = None
    for k in range(limit - 1, 0, -1):
        layer = every[k]
        p = layer.protocol
        if proto is None and p.name != "data":
            proto = p.short
        if info is None and p.info is not None:
            info = _layer_info(layer) or None
        if src is None and p.addresses is not None:
            src, dst = _layer_addresses(layer, p)
        if src is not None and info is not None and proto is not None:
            break
    # The worst status of any layer, and whether a checksum is bad: one loop, no generators.
    bad = False
    rank = 0
    for k in range(len(every)):
        layer = every[k]
        if layer.status != "ok":
            rank = max(rank, STATUS_RANK[layer.status])
        if layer.issues and not bad and 0 < k < limit:
            for i in layer.issues:
                if i.group == "checksum":
                    bad = True
                    break
    info = info or f"{pkt.caplen} bytes"
    status = _STATUSES[rank]
    if rank:
        why = _first_message(pkt, status)
        info = f"{info} [{'Malformed' if status == 'malformed' else 'Truncated'}{why}]"
    return src or "", dst or "", proto or "DATA", safe_text(info, 300), status, bad


def _first_message(pkt: Packet, group: str) -> str:
    for layer in pkt.layers:
        for i in layer.issues:
            if i.group == group:
                return f": {i.message}"
    return ""


_STATUSES = sorted(STATUS_RANK, key=STATUS_RANK.__getitem__)  # rank -> "ok", "truncated", ...


def _layer_addresses(layer: Layer, p: Protocol) -> tuple[str | None, str | None]:
    if layer.values is None and not layer.extra:
        return None, None
    if p.address_specs is not None and layer.values is not None:
        s, d = read_values(p.address_specs, layer.values)  # fixed-header addresses: safe text
        return (s, d) if s is not None and d is not None else (None, None)
    names = p.addresses
    s, d = layer.value(names[0]), layer.value(names[1])
    if s is None or d is None:
        return None, None
    return safe_text(str(s), 64), safe_text(str(d), 64)


def _layer_info(layer: Layer) -> str:
    try:
        return layer.protocol.info(layer)  # type: ignore[misc]
    except Exception:  # a row must never fail to draw
        return ""


# %-formatting: one C call, about twice as fast as the same f-string with format specs
_LINE = "%6d %12.6f %17s → %-17s %-6s %5d %s"


def summary_line(s: Summary) -> str:
    return _LINE % (s.number, s.time, s.source, s.destination, s.protocol, s.length, s.info)


# -- the tree ------------------------------------------------------------------------
def osi_groups(pkt: Packet) -> list[tuple[Osi, list[Layer]]]:
    """Layers grouped by OSI layer, in stack order (a tunnel repeats a group)."""
    groups: list[tuple[Osi, list[Layer]]] = []
    for layer in pkt.layers:
        if groups and groups[-1][0] == layer.osi:
            groups[-1][1].append(layer)
        else:
            groups.append((layer.osi, [layer]))
    return groups


def field_line(layer: Layer, f: Field, spans: bool = False) -> str:
    """'Label: value' as Wireshark shows it; bit fields get their bit pattern.

    Escaped here whatever the field kind: a `Str` value can still carry packet or file text
    (a pcapng comment), and this line goes to a terminal."""
    text = safe_text(f"{f.label}: {f.show}", 4096)
    if f.mask and f.len:
        word = int.from_bytes(layer.packet.data[f.pos : f.pos + f.len], "big")
        text = f"{f.spec.bit_pattern(word)} = {text}"
    if f.generated:
        text = f"[{text}]"
    if spans:
        text += f" [{f.pos}:{f.len}" + (f" mask 0x{f.mask:x}]" if f.mask else "]")
    return text


def tree_lines(pkt: Packet, spans: bool = False) -> Iterator[tuple[int, str, str]]:
    """(depth, kind, text) rows of the -V tree; kind is 'layer', 'field' or 'issue'.

    Each layer opens with its OSI layer: "Layer 3 · Network — Internet Protocol Version 4, …".
    """
    for layer in pkt.layers:
        osi = layer.osi
        title = f"Layer {int(osi)} · {osi.label} — {safe_text(layer.title, 400)}"
        if layer.status != "ok":
            title += f" [{layer.status}]"
        if spans and layer.protocol.name != "frame":
            title += f" [{layer.pos}:{layer.len}]"
        yield 0, "layer", title
        for f in layer.fields:
            yield from _field_rows(layer, f, 1, spans)
        for iss in layer.issues:
            yield (
                1,
                "issue",
                f"[Expert Info ({iss.severity}/{iss.group}): {safe_text(iss.message, 400)}]",
            )


def _field_rows(layer: Layer, f: Field, depth: int, spans: bool) -> Iterator[tuple[int, str, str]]:
    yield depth, "field", field_line(layer, f, spans)
    if f.children:
        for c in f.children:
            yield from _field_rows(layer, c, depth + 1, spans)


def tree_text(pkt: Packet, spans: bool = False) -> str:
    return "\n".join("    " * d + t for d, _k, t in tree_lines(pkt, spans))


# -- hex -----------------------------------------------------------------------------
def hex_rows(data: bytes) -> Iterator[tuple[int, str, str]]:
    """(offset, hex, ascii) rows, 16 bytes each; only 0x20-0x7e printed as text."""
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        hx = " ".join(f"{b:02x}" for b in chunk[:8])
        if len(chunk) > 8:
            hx += "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        asc = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        yield off, hx, asc


def hex_text(data: bytes) -> str:
    return "\n".join(f"{off:04x}  {hx:<49} {asc}" for off, hx, asc in hex_rows(data))


# -- JSON ----------------------------------------------------------------------------
_JSON_PLAIN = frozenset((bool, int, float, str, type(None)))


def json_value(v: Any) -> Any:
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v).hex()
    return str(v)


def field_dict(f: Field) -> dict[str, Any]:
    spec, v, kids = f.spec, f.value, f.children
    return {
        "name": spec.name,
        "label": spec.label,
        "value": v if v.__class__ in _JSON_PLAIN else json_value(v),
        "show": spec.show(v),
        "pos": f.pos,
        "len": f.len,
        "mask": f.mask,
        "fields": [field_dict(c) for c in kids] if kids else [],
    }


def layer_dict(layer: Layer) -> dict[str, Any]:
    return {
        "protocol": layer.protocol.name,
        "title": layer.title,
        "osi": int(layer.osi),
        "pos": layer.pos,
        "len": layer.len,
        "status": layer.status,
        "issues": [
            {
                "severity": i.severity,
                "code": i.code,
                "message": i.message,
                "pos": i.pos,
                "len": i.len,
            }
            for i in layer.issues
        ],
        "fields": [field_dict(f) for f in layer.fields],
    }


def packet_dict(pkt: Packet, with_bytes: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "number": pkt.number,
        "time_ns": pkt.time_ns,
        "len": pkt.wirelen,
        "caplen": pkt.caplen,
        "linktype": pkt.linktype,
        "interface": pkt.interface,
        "status": pkt.status,
        "layers": [layer_dict(layer) for layer in pkt.layers],
    }
    if with_bytes:
        d["bytes"] = pkt.data.hex()
    return d


def time_text(time_ns: int) -> str:
    dt = datetime.fromtimestamp(time_ns // 1_000_000_000, UTC)
    return f"{dt:%Y-%m-%d %H:%M:%S}.{time_ns % 1_000_000_000:09d} UTC"
