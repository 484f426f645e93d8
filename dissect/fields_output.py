"""tshark's scripting outputs: `-T fields -e NAME -E OPT=VALUE`, `-T csv` (the list
columns), `-G fields|protocols`, the `-t` time formats of the Time column, and `-A`
(tcpdump's ASCII dump).

Values are written as `tshark -T fields` writes them: integers in decimal, hex-based
fields as 0x and the digits of the field's width, flags as 1/0, addresses as text, bytes
as plain hex, strings escaped (packet text never reaches the terminal raw). Field names
resolve exactly as a display filter's do (dissect/filter.py), so `-e` accepts what `-Y`
accepts, including tshark's `_ws.col.*` columns.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from .engine import (
    FIELDS,
    HEX,
    PROTOCOLS,
    FieldSpec,
    Packet,
    _hex_digits,
    columns,
    has_time,
    safe_text,
)

NS = 1_000_000_000
TIME_FORMATS = ("a", "ad", "d", "dd", "e", "r", "u", "ud")
COLUMNS = ("No.", "Time", "Source", "Destination", "Protocol", "Length", "Info")
VALUE_MAX = 4096  # characters of one string value written


class FieldsUsageError(ValueError):
    """A -e / -E / -T option that cannot apply: one line for the CLI."""


@dataclass(slots=True)
class FieldOptions:
    """tshark's -E options."""

    header: bool = False
    separator: str = "\t"
    quote: str = ""
    occurrence: str = "a"  # f, l, a or a 1-based number
    aggregator: str = ","


def _one_char(value: str, what: str) -> str:
    """tshark's /t, /s escapes for tab and space; otherwise one character."""
    special = {"/t": "\t", "/s": " "}
    if value in special:
        return special[value]
    if len(value) != 1:
        raise FieldsUsageError(f"-E {what}= takes one character, /t or /s, not {value!r}")
    return value


def parse_field_options(items: list[str]) -> FieldOptions:
    """-E header=y, separator=, quote=d|s|n, occurrence=f|l|a|N, aggregator=."""
    opts = FieldOptions()
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise FieldsUsageError(f"-E {item!r}: expected NAME=VALUE")
        if key == "header":
            if value not in ("y", "n"):
                raise FieldsUsageError("-E header= takes y or n")
            opts.header = value == "y"
        elif key == "separator":
            opts.separator = _one_char(value, "separator")
        elif key == "aggregator":
            opts.aggregator = _one_char(value, "aggregator")
        elif key == "quote":
            if value not in ("d", "s", "n"):
                raise FieldsUsageError("-E quote= takes d, s or n")
            opts.quote = {"d": '"', "s": "'", "n": ""}[value]
        elif key == "occurrence":
            if value not in ("f", "l", "a") and not (value.isdigit() and int(value) > 0):
                raise FieldsUsageError("-E occurrence= takes f, l, a or a number from 1")
            opts.occurrence = value
        else:
            raise FieldsUsageError(f"-E {key!r}: unknown option (header, separator, quote, "
                                   "occurrence, aggregator)")  # fmt: skip
    return opts


# -- values as tshark writes them ----------------------------------------------------------------
def value_text(spec: FieldSpec | None, value: Any) -> str:
    """One occurrence's value as `tshark -T fields` writes it."""
    kind = spec.kind if spec is not None else ""
    if type(value) is bool or kind in ("flag", "bool"):
        return "1" if value else "0"
    if kind == "str" and value == "":  # a label with no value (Wireshark's FT_NONE, such as
        return "1"  # tcp.analysis.retransmission): tshark writes that it is there
    if isinstance(value, int):
        if kind == "time_ns":
            return _seconds(value)
        if spec is not None and spec.base == HEX:
            digits = max(_hex_digits(spec), 2 * (spec.width or 1))
            return f"0x{value:0{digits}x}"
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return f"{value:.9f}"
    return safe_text(str(value), VALUE_MAX)


def _seconds(ns: int) -> str:
    sign = "-" if ns < 0 else ""
    sec, frac = divmod(abs(ns), NS)
    return f"{sign}{sec}.{frac:09d}"


class Times:
    """What the Time column and the frame.time_* fields need: the first packet's time and
    the previous captured and displayed ones. `previous(number)` gives the time of the
    packet captured before packet `number` (the CLI points it at the index, so a display
    filter does not change a captured delta); without it, the previous packet shown."""

    def __init__(self) -> None:
        self.first: int | None = None
        self.prev_displayed: int | None = None
        self.previous: Callable[[int], int | None] | None = None

    def delta(self, number: int, time_ns: int) -> int:
        prev = self.previous(number) if self.previous is not None else self.prev_displayed
        return 0 if prev is None else time_ns - prev

    def delta_displayed(self, time_ns: int) -> int:
        return 0 if self.prev_displayed is None else time_ns - self.prev_displayed

    def shown(self, time_ns: int) -> None:
        if self.first is None:
            self.first = time_ns
        self.prev_displayed = time_ns


TIME_FIELDS: dict[str, Callable[[Times, Packet], str]] = {
    "frame.time_epoch": lambda t, p: _seconds(p.time_ns),
    "frame.time_relative": lambda t, p: _seconds(
        p.time_ns - (p.time_ns if t.first is None else t.first)
    ),
    "frame.time_delta": lambda t, p: _seconds(t.delta(p.number, p.time_ns)),
    "frame.time_delta_displayed": lambda t, p: _seconds(t.delta_displayed(p.time_ns)),
}  # (a record without a time, a pcapng Custom Block, has none of them: see _getter)


def time_column(fmt: str, times: Times, number: int, time_ns: int) -> str:
    """The Time column in tshark's -t format (microseconds, as for a pcap file)."""
    if fmt == "r":
        return _micro(time_ns - (times.first if times.first is not None else time_ns))
    if fmt == "d":
        return _micro(times.delta(number, time_ns))
    if fmt == "dd":
        return _micro(times.delta_displayed(time_ns))
    if fmt == "e":
        return _micro(time_ns)
    sec, frac = divmod(time_ns, NS)
    try:
        if fmt in ("u", "ud"):
            dt = datetime.fromtimestamp(sec, UTC)
        else:
            dt = datetime.fromtimestamp(sec).astimezone()
    except (OverflowError, OSError, ValueError):
        return _micro(time_ns)
    day = f"{dt:%Y-%m-%d} " if fmt in ("ad", "ud") else ""
    return f"{day}{dt:%H:%M:%S}.{frac // 1000:06d}"


def _micro(ns: int) -> str:
    """Seconds with six decimals, rounded half up from nanoseconds."""
    sign = "-" if ns < 0 else ""
    us = (abs(ns) + 500) // 1000
    return f"{sign}{us // 1_000_000}.{us % 1_000_000:06d}"


# -- -T fields ---------------------------------------------------------------------------------
class FieldsPrinter:
    """`-T fields -e ...`: one line per packet, names resolved once (an unknown one is a
    usage error naming it, as tshark's "Some fields aren't valid")."""

    def __init__(self, names: list[str], opts: FieldOptions, out: IO[str], time_format: str):
        from .filter import FilterError, resolve

        self.names, self.opts, self.out, self.time_format = names, opts, out, time_format
        bad = []
        self.getters: list[Callable[[Packet], list[str]]] = []
        for name in names:
            try:
                self.getters.append(self._getter(name, resolve))
            except FilterError:
                bad.append(name)
        if bad:
            raise FieldsUsageError("unknown field name(s) in -e: " + ", ".join(bad))
        self.times = Times()
        self.header_done = not opts.header

    def _getter(self, name: str, resolve: Any) -> Callable[[Packet], list[str]]:
        if name in TIME_FIELDS:
            get_time = TIME_FIELDS[name]
            return lambda pkt: [get_time(self.times, pkt)] if has_time(pkt) else []
        if name.startswith("_ws.col."):
            return self._column(name)
        ref = resolve(name, 0)
        spec = getattr(ref, "spec", None) or FIELDS.get(
            getattr(ref, "targets", [None])[0].name if hasattr(ref, "targets") else name
        )

        def get(pkt: Packet) -> list[str]:
            from .filter import Frame

            fr = Frame(None, pkt.data, pkt.linktype, pkt.number, pkt.time_ns, pkt.wirelen,  # type: ignore[arg-type]
                       pkt.interface, pkt.comment, self.times.first or 0, pkt)  # fmt: skip
            return [value_text(spec, v) for v in ref.values(fr)]

        return get

    def _column(self, name: str) -> Callable[[Packet], list[str]]:
        which = name[len("_ws.col.") :]
        names = {"No.": 0, "number": 0, "Time": 1, "Source": 2, "def_src": 2, "Destination": 3,
                 "def_dst": 3, "Protocol": 4, "Length": 5, "Info": 6}  # fmt: skip
        if which not in names:
            raise FieldsUsageError(
                f"unknown column {name!r} (one of _ws.col.{', _ws.col.'.join(COLUMNS)})"
            )
        k = names[which]
        return lambda pkt: [list_columns(pkt, self.times, self.time_format)[k]]

    def header(self) -> None:
        if not self.header_done:
            self.out.write(self.opts.separator.join(self.names) + "\n")
            self.header_done = True

    def packet(self, pkt: Packet) -> None:
        self.header()
        if self.times.first is None:
            self.times.first = pkt.time_ns
        o = self.opts
        cells = []
        for get in self.getters:
            values = get(pkt)
            if values and o.occurrence != "a":
                if o.occurrence == "f":
                    values = values[:1]
                elif o.occurrence == "l":
                    values = values[-1:]
                else:
                    n = int(o.occurrence)
                    values = values[n - 1 : n]
            text = o.aggregator.join(values)
            cells.append(f"{o.quote}{text}{o.quote}" if values and o.quote else text)
        self.out.write(o.separator.join(cells) + "\n")
        self.times.shown(pkt.time_ns)


def list_columns(pkt: Packet, times: Times, time_format: str) -> list[str]:
    """No., Time, Source, Destination, Protocol, Length, Info: the packet list's columns."""
    src, dst, proto, info, _status, _bad = columns(pkt)
    when = time_column(time_format, times, pkt.number, pkt.time_ns) if has_time(pkt) else ""
    return [str(pkt.number), when, src, dst, proto, str(pkt.wirelen), info]


class CsvPrinter:
    """`-T csv`: the list columns, every value quoted (Wireshark's "Export Packet
    Dissections as CSV" layout), written by the standard csv module."""

    def __init__(self, out: IO[str], time_format: str) -> None:
        self.out, self.time_format = out, time_format
        self.writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.writer.writerow(COLUMNS)
        self.times = Times()

    def packet(self, pkt: Packet) -> None:
        if self.times.first is None:
            self.times.first = pkt.time_ns
        self.writer.writerow(list_columns(pkt, self.times, self.time_format))
        self.times.shown(pkt.time_ns)


# -- -G --------------------------------------------------------------------------------------------
FT_TYPES = {
    "uint": "FT_UINT", "bits": "FT_UINT", "int": "FT_INT", "flag": "FT_BOOLEAN",
    "bool": "FT_BOOLEAN", "ipv4": "FT_IPv4", "ipv6": "FT_IPv6", "mac": "FT_ETHER",
    "bytes": "FT_BYTES", "str": "FT_STRING", "text": "FT_STRING", "time_ns": "FT_ABSOLUTE_TIME",
    "float": "FT_DOUBLE",
}  # fmt: skip
BASES = {"dec": "BASE_DEC", "hex": "BASE_HEX", "dec_hex": "BASE_DEC_HEX"}


def field_type(spec: FieldSpec) -> str:
    ft = FT_TYPES.get(spec.kind, "FT_NONE")
    if ft in ("FT_UINT", "FT_INT"):
        bits = 8 * (spec.width or 4)
        ft += str(bits if bits in (8, 16, 24, 32, 40, 48, 56, 64) else 32)
    return ft


def glossary(report: str) -> list[str]:
    """`-G protocols` or `-G fields` in tshark's tab-separated layout, one extra last column:
    the OSI layer of the protocol."""
    from .engine import _load
    from .filter import _owner

    _load()
    if report == "protocols":
        return [f"{p.title}\t{p.short}\t{p.name}\t{p.osi.label}" for p in _protocols()]
    if report != "fields":
        raise FieldsUsageError(f"-G {report!r}: this version reports 'fields' or 'protocols'")
    lines = []
    for p in _protocols():
        lines.append(f"P\t{p.title}\t{p.name}\t{p.osi.label}")
    for spec in sorted(FIELDS.values(), key=lambda s: s.name):
        owner = _owner(spec.name)
        base = BASES.get(spec.base, "BASE_NONE") if spec.kind in ("uint", "bits", "int") else ""
        osi = owner.osi.label if owner is not None else ""
        lines.append(f"F\t{spec.label}\t{spec.name}\t{field_type(spec)}\t"
                     f"{owner.name if owner else ''}\t\t{base}\t{spec.mask:#x}\t{osi}")  # fmt: skip
    return lines


def _protocols() -> list[Any]:
    return sorted(PROTOCOLS.values(), key=lambda p: p.name)


# -- -A -------------------------------------------------------------------------------------------
def ascii_text(pkt: Packet) -> str:
    """tcpdump -A: the packet past its link-layer header as ASCII, printable bytes and
    newlines and tabs as they are, everything else '.' (a CR before LF is dropped)."""
    start = pkt.layers[1].payload_pos if len(pkt.layers) > 1 else 0
    data = pkt.data[start:]
    out = []
    n = len(data)
    for i, b in enumerate(data):
        if b == 0x0D:
            if i + 1 >= n or data[i + 1] != 0x0A:
                out.append(".")
        elif 0x20 <= b < 0x7F or b in (0x0A, 0x09):
            out.append(chr(b))
        else:
            out.append(".")
    return "".join(out)


def hex_ascii_text(pkt: Packet) -> str:
    """tcpdump -X: the packet past its link-layer header, 16 bytes a line in 2-byte
    groups, then the bytes 0x21-0x7e as text and every other byte as '.'."""
    start = pkt.layers[1].payload_pos if len(pkt.layers) > 1 else 0
    data = pkt.data[start:]
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        groups = " ".join(chunk[i : i + 2].hex() for i in range(0, len(chunk), 2))
        text = "".join(chr(b) if 0x21 <= b < 0x7F else "." for b in chunk)
        lines.append(f"\t0x{off:04x}:  {groups:<39}  {text}")
    return "\n".join(lines)


def row_with_time(pkt: Packet, when: str) -> str:
    """The list row (engine.row_text's layout) with the Time column given as text."""
    src, dst, proto, info, _status, _bad = columns(pkt)
    return (f"{pkt.number:6d} {when:>12} {src:>17} → {dst:<17} {proto:<6} "
            f"{pkt.wirelen:5d} {info}")  # fmt: skip


def detail_lines(pkt: Packet, spans: bool, expanded: frozenset[str]) -> list[str]:
    """tshark -O: the -V tree with only the named protocols' layers expanded; every other
    layer is its title line."""
    from .engine import TREE_LAYER, tree_rows

    kinds: list[str] = []
    rows = tree_rows(pkt, spans, kinds)
    out, layer_no, keep = [], -1, True
    for kind, text in zip(kinds, rows, strict=True):
        if kind == TREE_LAYER:
            layer_no += 1
            keep = pkt.layers[layer_no].protocol.name in expanded
            out.append(text)
        elif keep:
            out.append(text)
    return out


class TextRenderer:
    """The text output with -t, -O, -A or -X: the list row with the chosen Time column,
    then the tree (-V, or -O's), hex (-x), tcpdump's hex and ASCII (-X) or ASCII (-A)."""

    def __init__(self, args: Any) -> None:
        self.args, self.times = args, Times()
        self.format = args.time_format or "r"
        only = args.only_protocols
        self.expanded = frozenset(p.strip() for p in only.split(",")) if only else None

    def __call__(self, pkt: Packet, t0: int | None) -> str:
        from .engine import row_line, tree_text
        from .output import hex_text

        a, times = self.args, self.times
        if times.first is None:
            times.first = t0 if t0 is not None else pkt.time_ns
        if self.format == "r" or not has_time(pkt):
            parts = [row_line(pkt, times.first)]
        else:
            parts = [row_with_time(pkt, time_column(self.format, times, pkt.number, pkt.time_ns))]
        if self.expanded is not None:
            parts += detail_lines(pkt, a.spans, self.expanded)
        elif a.verbose:
            parts.append(tree_text(pkt, a.spans))
        if a.hexdump:
            parts.append(hex_text(pkt.data))
        if a.hex_ascii:
            parts.append(hex_ascii_text(pkt))
        if a.ascii:
            parts.append(ascii_text(pkt))
        if self.expanded is not None or a.verbose or a.hexdump:
            parts.append("")
        times.shown(pkt.time_ns)
        return "\n".join(parts) + "\n"


def text_renderer(args: Any) -> TextRenderer:
    return TextRenderer(args)


class TablePrinter:
    """The CLI's printer interface (packet, flush, close, t0) around -T fields / -T csv."""

    def __init__(self, table: Any, out: IO[str]) -> None:
        self.table, self.out, self.times = table, out, table.times
        self.console, self.first = None, True

    @property
    def t0(self) -> int | None:
        return self.times.first

    @t0.setter
    def t0(self, value: int | None) -> None:
        self.times.first = value

    def packet(self, pkt: Packet) -> None:
        from .cli import OutputError

        try:
            self.table.packet(pkt)
        except OSError as exc:
            raise OutputError(exc) from exc
        self.first = False

    def flush(self) -> None:
        from .cli import writing_output

        with writing_output():
            self.out.flush()

    def close(self) -> None:
        from .cli import writing_output

        with writing_output():
            if isinstance(self.table, FieldsPrinter):
                self.table.header()  # tshark prints the header even for no packet
            self.out.flush()


def table_printer(args: Any, out: IO[str]) -> TablePrinter:
    fmt = args.time_format or "r"
    if args.format == "csv":
        return TablePrinter(CsvPrinter(out, fmt), out)
    opts = parse_field_options(args.field_options)
    return TablePrinter(FieldsPrinter(args.fields, opts, out, fmt), out)
