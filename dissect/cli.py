"""Batch mode: tcpdump/tshark habits on the command line.

    layerscope -r capture.pcap [-c N] [-V] [-x] [--spans] [-T json|jsonl] [-Y FILTER [-q]]
    layerscope --hex "4500 00c6 ..."  |  --hex -  (stdin)

Rich colours only on a terminal; plain text when piped; a closed pipe exits quietly.
Nothing here imports Textual or scapy, so `--version` and batch runs start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from . import __version__, tshark_options
from ._compiled import describe as engine_description
from .engine import Packet

if TYPE_CHECKING:
    from .filter import FilterError

DEMO = Path(__file__).resolve().parent.parent / "captures" / "http-get.pcap"
ERROR_TEXT_MAX = 1000  # characters of external text quoted in one error or warning line

LINKTYPE_ALIASES = {
    "ether": 1, "eth": 1, "ethernet": 1, "raw": 101, "ip": 101, "ipv4": 228, "ipv6": 229,
    "sll": 113, "linux_sll": 113, "sll2": 276, "linux_sll2": 276, "null": 0, "loop": 108,
}  # fmt: skip


class UsageError(Exception):
    """A problem with the input the user gave: one line, non-zero exit."""


class OutputError(Exception):
    """Writing the output failed (a full disk, an I/O error): one line, non-zero exit."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.cause = cause


class ArgumentParser(argparse.ArgumentParser):
    """argparse quotes unrecognised arguments as they are: file names from a shell glob
    may carry escape sequences, so its error line is escaped like every other one."""

    def error(self, message: str) -> NoReturn:
        from .engine import safe_text

        super().error(safe_text(message, ERROR_TEXT_MAX))


def linktype_arg(text: str) -> int:
    t = text.strip().lower()
    if t in LINKTYPE_ALIASES:
        return LINKTYPE_ALIASES[t]
    try:
        return int(t, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown link type {text!r} (a number or one of {', '.join(sorted(LINKTYPE_ALIASES))})"
        ) from None


def count_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"invalid packet count {text!r} (a number >= 0; 0 = all)")
    return n


def _positive(text: str) -> int:
    """A count of at least 1 (argparse turns the error into one usage line)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog="layerscope",
        description="Capture, decode and explore network packets layer by layer.",
        epilog="With no input, opens the built-in HTTP GET demo. On a terminal the TUI opens; "
        "when stdout is not a terminal (or with --print, -V, -x, -T) packets are printed. "
        "Tables: `layerscope export --help`, `layerscope sql --help`.",
    )
    p.add_argument("file", nargs="?", help="capture file to open (same as -r)")
    p.add_argument(
        "-r", dest="read", metavar="FILE", help="read packets from a pcap/pcapng file ('-' = stdin)"
    )
    p.add_argument(
        "--hex", metavar="TEXT", help="decode a pasted hex dump ('-' = read it from stdin)"
    )
    p.add_argument(
        "--linktype",
        type=linktype_arg,
        metavar="TYPE",
        help="link type of --hex bytes (number or ether, raw, ipv4, ipv6, sll, sll2, null, loop); guessed by default",
    )
    p.add_argument("-c", dest="count", type=count_arg, metavar="N", help="stop after N packets")
    p.add_argument(
        "-Y",
        dest="display_filter",
        metavar="FILTER",
        help="display filter, Wireshark syntax: print only matching packets (-c counts "
        "matches; with -q print only their count), e.g. -Y 'tcp.port == 80'",
    )
    p.add_argument(
        "-V",
        dest="verbose",
        action="store_true",
        help="print the decoded tree grouped by OSI layer",
    )
    p.add_argument(
        "-x",
        dest="hexdump",
        action="store_true",
        help='print hex + ASCII of each packet (with -T json: add "bytes")',
    )
    p.add_argument(
        "--spans", action="store_true", help="with -V: show each field's [pos:len] (and bit mask)"
    )
    p.add_argument(
        "-T",
        dest="format",
        choices=("text", "json", "jsonl", "fields", "csv"),
        default="text",
        help="output format (fields: the -e fields; csv: the list columns)",
    )
    p.add_argument(
        "--print", dest="force_print", action="store_true", help="print instead of opening the TUI"
    )
    p.add_argument(
        "--strict", action="store_true", help="re-raise decoder exceptions (for debugging decoders)"
    )
    p.add_argument(
        "--export-objects", dest="export_objects", metavar="http,DIR",
        help="write every HTTP body (de-chunked, decompressed) into DIR, named after its URI",
    )  # fmt: skip
    p.add_argument(
        "--reassembly-limit", dest="reassembly_limit", type=int, metavar="BYTES",
        help="bytes of TCP PDUs held open at once while putting them together across "
        "segments (default 64 MiB; 0: no reassembly, each segment decoded alone)",
    )  # fmt: skip
    p.add_argument(
        "--conversation-limit", dest="conversation_limit", type=_positive, metavar="N",
        help="TCP conversations and UDP conversations tracked each by the stream pass "
        "(default 1048576); past it a new one has no tcp.stream/udp.stream nor analysis "
        "and its packets carry the note 'not tracked: conversation limit reached'",
    )  # fmt: skip
    p.add_argument(
        "-d", dest="decode_as", action="append", metavar="TABLE==VALUE,PROTO",
        help="Decode As, as tshark: e.g. -d tcp.port==8080,http2 -d udp.port==4789,vxlan "
        "(VALUE: a number, a range a-b or a:count; may repeat)",
    )  # fmt: skip
    p.add_argument(
        "-o", dest="prefs", action="append", metavar="PREF:VALUE",
        help="a preference, as tshark: tls.keylog_file:FILE (an SSLKEYLOGFILE) decrypts QUIC "
        "Handshake and 1-RTT packets; tcp.desegment_tcp_streams:TRUE|FALSE is "
        "--reassembly-limit's default or 0 (the only preferences read; may repeat)",
    )  # fmt: skip
    add_live_options(p)
    tshark_options.add_options(p)
    from .annotate import add_options as add_teaching_options

    add_teaching_options(p)  # --annotate, --format, --tour, --serve, --port
    p.add_argument("--version", action="version",
                   version=f"layerscope {__version__} (engine: {engine_description()})")  # fmt: skip
    return p


def add_live_options(p: argparse.ArgumentParser) -> None:
    """tcpdump's live-capture options; a trailing BPF expression goes with -i."""
    g = p.add_argument_group("live capture (needs sudo or a capture helper with cap_net_raw)")
    g.add_argument(
        "-i", dest="interface", metavar="IFACE", help="capture on IFACE (lo, any, eth0...)"
    )
    g.add_argument(
        "-D", dest="list_interfaces", action="store_true", help="list interfaces and exit"
    )
    g.add_argument(
        "-w",
        dest="write",
        metavar="FILE",
        help="write the packets captured (with -r: the packets shown) to FILE (- = stdout)",
    )
    g.add_argument(
        "-f", dest="capture_filter", metavar="BPF", help="capture filter (libpcap syntax)"
    )
    g.add_argument(
        "-q", dest="quiet", action="store_true", help="print no packets, only the counts"
    )
    g.add_argument(
        "-s",
        dest="snaplen",
        type=int,
        default=262144,
        metavar="SNAPLEN",
        help="bytes kept of each packet (default 262144)",
    )
    g.add_argument(
        "-B",
        dest="buffer_mib",
        type=int,
        default=32,
        metavar="MiB",
        help="kernel capture buffer in MiB (default 32)",
    )
    g.add_argument(
        "-F",
        dest="write_format",
        choices=("pcap", "pcapng"),
        help="format of -w (default: from its suffix, else pcapng)",
    )
    g.add_argument("-Z", dest="user", metavar="USER", help="after opening the device run as USER")
    g.add_argument("--install-capture-helper", dest="install_helper", metavar="GROUP",
                   help="as root: let GROUP capture without sudo (a root-owned copy of the "
                   "interpreter with cap_net_raw that only GROUP may run), then exit")  # fmt: skip
    p.add_argument("expression", nargs="*", help=argparse.SUPPRESS)  # BPF, as tcpdump takes it


def finish_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """With -i, the positional words are the capture filter (`layerscope -i lo tcp port 80`)."""
    if args.decode_as:
        from .decode_as import DecodeAsError, apply_all

        try:
            apply_all(args.decode_as)
        except DecodeAsError as exc:
            p.error(str(exc))
    for pref in args.prefs or ():
        why = apply_pref(pref, args)
        if why:
            p.error(why)
    words = ([args.file] if args.file else []) + list(args.expression)
    why = tshark_options.conflict(args)
    if why:
        p.error(why)
    if args.interface is None:
        if args.expression:
            p.error(f"unrecognized arguments: {' '.join(args.expression)}")
        return args
    if words and args.capture_filter:
        p.error("give the capture filter once: -f EXPR or a trailing expression")
    if args.read or args.hex is not None:
        p.error("-i captures live: it cannot be combined with -r or --hex")
    args.file, args.expression = None, []
    args.capture_filter = args.capture_filter or " ".join(words) or None
    return args


def apply_pref(pref: str, args: argparse.Namespace | None = None) -> str | None:
    """Apply one -o NAME:VALUE; returns why it cannot be, or None."""
    name, _, value = pref.partition(":")
    if name.strip() == "tcp.desegment_tcp_streams" and args is not None:
        if value.strip().upper() not in ("TRUE", "FALSE"):
            return f"-o {pref}: the value is TRUE or FALSE"
        from .streams.pdus import DEFAULT_CAP  # tshark's spelling of --reassembly-limit

        args.reassembly_limit = DEFAULT_CAP if value.strip().upper() == "TRUE" else 0
        return None
    if name.strip() != "tls.keylog_file":
        return (f"-o {pref}: only tls.keylog_file:FILE and tcp.desegment_tcp_streams:TRUE|FALSE "
                "are read")  # fmt: skip
    from .protocols import quic

    try:
        quic.load_keylog(value)
    except (OSError, ValueError) as exc:
        return f"-o tls.keylog_file: cannot read the key log: {exc}"
    return None


def wants_batch(args: argparse.Namespace, stdout: IO[str]) -> bool:
    """Print when asked to or when stdout is not a terminal; otherwise the TUI opens."""
    if args.force_print or args.verbose or args.hexdump or args.format != "text" or args.count:
        return True
    if any(getattr(args, name, None) for name in tshark_options.BATCH):
        return True
    if getattr(args, "list_interfaces", False) or getattr(args, "quiet", False):
        return True
    if getattr(args, "statistics", None) or getattr(args, "export_objects", None):
        return True
    if getattr(args, "interface", None) is not None and getattr(args, "write", None):
        return True
    return not stdout.isatty()


# -- inputs ------------------------------------------------------------------------
def open_input(args: argparse.Namespace) -> Any:
    """The capture the command line names, opened once (None for pasted hex). A stream --
    stdin, a FIFO, a device, gzip data -- is read forwards: packets print as they arrive
    and memory holds only what is still to be printed (spooled to disk instead when -z
    follow or --export-objects will read it again)."""
    from .index import open_capture

    if args.hex is not None:
        return None
    source: Any = args.read or args.file or str(DEMO)
    # -z follow and --export-objects read a stream's packets again: spooled to disk then
    follows = any(s.startswith("follow,") for s in getattr(args, "statistics", None) or ())
    forward = not (follows or getattr(args, "export_objects", None))
    if source == "-":
        return open_capture(sys.stdin.buffer, name="<stdin>", forward=forward)
    return open_capture(source, forward=forward)


def iter_packets(args: argparse.Namespace, warn: list[str], idx: Any) -> Iterator[Packet]:
    """Every input becomes the same Packets: capture files, stdin, pasted hex, the demo."""

    if idx is None:
        yield from _hex_packets(args, warn)
        return
    annotate = getattr(args, "stream_fields", None)  # the stream fields (dissect/streams)
    framed = getattr(args, "framed", None)  # a plain list read forwards (_learning)
    for rec in _records(idx):
        pkt = _decoded(rec, args.strict)
        if annotate is not None:
            annotate(pkt)
        elif framed is not None and framed(pkt):
            pkt = _decoded(rec, args.strict)  # its HTTP/2 header blocks know their table now
        yield pkt
    _finish(idx, warn)


def _decoded(rec: Any, strict: bool) -> Packet:
    from .engine import decode

    return decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                  wirelen=rec.wirelen, interface=rec.interface, comment=rec.comment,
                  strict=strict)  # fmt: skip


def _records(idx: Any) -> Iterator[Any]:
    """Every record in order; a stream lets each one go once it has been handed out."""
    if not (idx.streaming and idx.forward):
        yield from idx
        return
    for rec in idx:
        yield rec
        idx.forget(rec.number)


def _finish(idx: Any, warn: list[str]) -> None:
    """The reader's warnings; a read that ended early (the file shrank) is an error."""
    from .index import CaptureError

    if idx.failure:
        raise CaptureError(f"{idx.name}: {idx.failure}")
    warn.extend(idx.warnings)


def filtered_packets(
    args: argparse.Namespace,
    flt: Any,
    warn: list[str],
    idx: Any,
    printer: Printer | None = None,
) -> Iterator[Packet]:
    """Packets a display filter selects. A capture file is indexed first and scanned in
    vectorised chunks (dissect/fastfilter.py); only the matches are decoded in full. A
    stream or pasted hex is matched packet by packet as it comes. The printer's Time
    column still counts from the capture's first packet, as tshark's."""
    from .engine import decode

    if idx is None or idx.streaming:
        t0 = None
        for pkt in iter_packets(args, warn, idx):
            t0 = pkt.time_ns if t0 is None else t0
            if printer is not None and printer.t0 is None:
                printer.t0 = t0
            if flt.match(pkt, t0):
                yield pkt
        return
    from .fastfilter import scan

    idx.index_all()
    if printer is not None and len(idx):
        printer.t0 = idx.time_ns(0)
    for _upto, hits in scan(flt, idx):
        for i in hits.tolist():
            rec = idx.record(i)
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                         wirelen=rec.wirelen, interface=rec.interface, comment=rec.comment,
                         strict=args.strict)  # fmt: skip
            if flt.after_decode is not None:
                flt.after_decode(pkt)
            yield pkt
    _finish(idx, warn)


def count_matches(args: argparse.Namespace, flt: Any, warn: list[str], idx: Any) -> int:
    """-q: how many packets match, without decoding the ones the index answers for."""
    if idx is None or (flt is not None and idx.streaming):
        packets = (
            iter_packets(args, warn, idx) if flt is None else filtered_packets(args, flt, warn, idx)
        )
        return sum(1 for _ in packets)
    if flt is None:
        n = sum(1 for _ in _records(idx)) if idx.streaming else len(idx.index_all())
    else:
        from .fastfilter import scan

        idx.index_all()
        n = sum(len(hits) for _upto, hits in scan(flt, idx))
    _finish(idx, warn)
    return n


def compile_display_filter(text: str | None, err: IO[str]) -> tuple[Any, bool]:
    """(compiled filter or None, ok). An invalid one is reported as one error line plus the
    filter echoed with a caret under the column, as tshark does."""
    if not text or not text.strip():
        return None, True
    from .filter import FilterError, compile_filter

    try:
        return compile_filter(text), True
    except FilterError as exc:
        err.writelines(line + "\n" for line in filter_error_lines(text, exc))
        return None, False


def filter_error_lines(text: str, exc: FilterError) -> list[str]:
    """The error line, then the filter with a caret under the part the error is about. The
    filter is the user's (pasted, or from a script): escaped in three pieces, so that the
    caret still points at its part when characters before it became escapes."""
    from .engine import safe_text

    end = exc.pos + exc.length
    before, part = safe_text(text[: exc.pos], FILTER_SHOWN_MAX), safe_text(text[exc.pos : end])
    shown = type(exc)(exc.message, len(before), len(part))
    echo = shown.pointer(before + part + safe_text(text[end:], FILTER_SHOWN_MAX))
    message = f"display filter: {exc.message} (column {exc.column})"
    return [error_line(message), *echo.splitlines()]


FILTER_SHOWN_MAX = 2000  # characters of the filter echoed on each side of the caret


def error_line(text: str, kind: str = "error") -> str:
    """'layerscope: error: ...' for stderr. The text quotes what came from outside (file
    names, OS errors with paths, filter text, reader warnings): escaped, never raw."""
    from .engine import safe_text

    return f"layerscope: {kind}: {safe_text(text, ERROR_TEXT_MAX)}"


def _hex_packets(args: argparse.Namespace, warn: list[str]) -> Iterator[Packet]:
    from .engine import decode
    from .readers.hextext import guess_linktype, parse_hex_dump

    text = _read_stdin_text() if args.hex == "-" else args.hex
    result = parse_hex_dump(text)
    if result.ignored_lines:
        warn.append(
            f"ignored {result.ignored_lines} line(s) that are not hex data (first: {result.first_ignored!r})"
        )
    warn.extend(result.warnings)
    if not result.packets:
        raise UsageError("no hex bytes found in the pasted text")
    for n, hp in enumerate(result.packets, 1):
        lt = args.linktype if args.linktype is not None else guess_linktype(hp.data)
        yield decode(hp.data, lt, number=n, time_ns=hp.time_ns or 0, strict=args.strict)


def _read_stdin_text() -> str:
    """A paste may hold any bytes (a Latin-1 header, a stray 0xff): never a UnicodeDecodeError;
    UTF-16 (as Windows tools save text) is recognised."""
    from .readers.hextext import decode_dump

    buf = getattr(sys.stdin, "buffer", None)
    if buf is None:
        return sys.stdin.read()
    return decode_dump(buf.read())


# -- outputs -----------------------------------------------------------------------
def _scapy_tail(args: argparse.Namespace) -> Any:
    """dissect/scapy_tail.py's extend, for -V and JSON when scapy is installed; else None."""
    if not (getattr(args, "verbose", False) or getattr(args, "format", "") in ("json", "jsonl")):
        return None
    from . import scapy_tail

    return scapy_tail.extend if scapy_tail.installed() else None


class Printer:
    """Writes packets as text (Rich on a terminal) or JSON."""

    def __init__(self, args: argparse.Namespace, out: IO[str]) -> None:
        from . import output  # here, not at the top: `--version` must not load the core

        self.output = output  # one import per Printer: a per-packet import costs a µs
        self.args, self.out = args, out
        self.scapy = _scapy_tail(args)  # -V and JSON look at each packet: scapy fills the tail
        self.first = True
        self.t0: int | None = None
        self.console = None
        self.extra = _text_extras(args)  # -t, -O, -A, -X: the plain path draws them
        if self.extra is not None:
            return
        if args.format == "text" and out.isatty() and not os.environ.get("NO_COLOR"):
            from rich.console import Console

            self.console = Console(file=out, markup=False, highlight=False, emoji=False)

    def packet(self, pkt: Packet) -> None:
        if self.scapy is not None:
            self.scapy(pkt)
        try:  # inline, not writing_output(): a context manager costs a µs per packet
            if self.args.format == "json":
                self._json(pkt, "[\n" if self.first else ",\n")
            elif self.args.format == "jsonl":
                self._json(pkt, "")
                self.out.write("\n")
            else:
                self._text(pkt)
        except OSError as exc:
            raise OutputError(exc) from exc
        self.first = False

    def close(self) -> None:
        with writing_output():
            if self.args.format == "json":
                self.out.write("[]\n" if self.first else "\n]\n")
            self.out.flush()

    def flush(self) -> None:
        with writing_output():
            self.out.flush()

    def _json(self, pkt: Packet, sep: str) -> None:
        if sep:  # written apart: joined, a packet's ~10 KB of JSON would be copied once more
            self.out.write(sep)
        self.out.write(self.output.packet_json(pkt, self.args.hexdump))

    def _text(self, pkt: Packet) -> None:
        out = self.output
        if self.t0 is None:
            self.t0 = pkt.time_ns
        if self.console is not None:
            self._rich(pkt, out.summarize(pkt, self.t0))
            return
        if self.extra is not None:
            self.out.write(self.extra(pkt, self.t0))
            return
        w = self.out.write
        w(out.row_line(pkt, self.t0))
        w("\n")
        if self.args.verbose:  # (no concatenation: a tree's text is copied once less)
            w(out.tree_text(pkt, self.args.spans))
            w("\n")
        if self.args.hexdump:
            w(out.hex_text(pkt.data) + "\n")
        if self.args.verbose or self.args.hexdump:
            w("\n")

    def _rich(self, pkt: Packet, s: Any) -> None:
        """Coloured output; every piece of packet text goes in as a Text segment, never markup."""
        from rich.text import Text

        out = self.output
        style = "red" if s.status != "ok" else "yellow" if s.bad_checksum else s.colour
        self.console.print(Text(out.summary_line(s), style=style))
        if self.args.verbose:
            for kind, text in out.tree_lines(pkt, self.args.spans):
                self.console.print(Text(text, style=TREE_STYLES.get(kind, "")))
        if self.args.hexdump:
            for off, hx, asc in out.hex_rows(pkt.data):
                self.console.print(
                    Text.assemble((f"{off:04x}  ", "dim"), f"{hx:<49} ", (asc, "cyan"))
                )
        if self.args.verbose or self.args.hexdump:
            self.console.print()


TREE_STYLES = {"osi": "bold underline", "layer": "bold cyan", "issue": "bold yellow"}


def _text_extras(args: argparse.Namespace) -> Any:
    """The text output with tshark's -t or -O or tcpdump's -A/-X (dissect/fields_output.py),
    as fn(packet, t0) -> text; None when none of them is asked for."""
    names = ("time_format", "only_protocols", "ascii", "hex_ascii")
    if args.format != "text" or not any(getattr(args, n, None) for n in names):
        return None
    from .fields_output import text_renderer

    return text_renderer(args)


def make_printer(args: argparse.Namespace, out: IO[str]) -> Any:
    """-T fields and -T csv print through dissect/fields_output.py; the rest here."""
    if args.format in ("fields", "csv"):
        from .fields_output import FieldsUsageError, table_printer

        try:
            return table_printer(args, out)
        except FieldsUsageError as exc:
            raise UsageError(str(exc)) from None
    return Printer(args, out)


def run_batch(
    args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None
) -> int:
    """Print packets; returns the exit code. Errors are one line on stderr."""
    from .index import CaptureError
    from .saving import SaveError

    if out is None:  # an ASCII/Latin-1 stdout shows '?' for '→' instead of a traceback
        out = sys.stdout
        if hasattr(out, "reconfigure"):
            out.reconfigure(errors="replace")
    err = err or sys.stderr
    warn: list[str] = []
    if getattr(args, "glossary", None):
        return _glossary(args.glossary, out)
    flt, ok = compile_display_filter(getattr(args, "display_filter", None), err)
    if not ok:
        return 2
    try:
        printer = make_printer(args, out)
        stats = _statistics(args)
    except UsageError as exc:
        err.write(error_line(str(exc)) + "\n")
        return 2
    try:
        if stats is not None or getattr(args, "write", None):
            _one_pass(args, flt, printer, stats, warn)
        else:
            print_input(args, flt, printer, warn)
    except (CaptureError, UsageError, OSError, SaveError) as exc:  # reading the input failed
        if isinstance(exc, BrokenPipeError):
            raise
        try:
            printer.close()  # what was printed stays valid JSON
        finally:  # before an OutputError from that close, which guarded() reports
            err.write(error_line(str(exc)) + "\n")
        return 2
    for w in warn:  # file names and reader messages may quote the input
        err.write(error_line(w, "warning") + "\n")
    return 0


def _glossary(report: str, out: IO[str]) -> int:
    """-G fields|protocols: every name we decode, one line each."""
    from .fields_output import glossary

    with writing_output():
        out.writelines(line + "\n" for line in glossary(report))
        out.flush()
    return 0


def _statistics(args: argparse.Namespace) -> Any:
    """The -z statistics as one pass (dissect/stats/), or None without -z."""
    # follow,... is the stream layer's (dissect/streams/cli.py): printed after the packets
    specs = [s for s in getattr(args, "statistics", None) or () if not s.startswith("follow,")]
    if not specs:
        return None
    from .stats import Pass, StatsUsageError, parse

    try:
        return Pass(parse(spec) for spec in specs)
    except StatsUsageError as exc:
        raise UsageError(str(exc)) from None


def _one_pass(args: argparse.Namespace, flt: Any, printer: Any, stats: Any,
              warn: list[str]) -> None:  # fmt: skip
    """One pass that feeds the -z statistics every packet and the -w file and the printer
    the displayed ones (as tshark's: -Y chooses what is shown and written, a statistic's
    own filter what it counts); packets are printed unless -q, -w or -T json (which
    prints the statistics alone)."""
    from .saving import SaveError, open_writer
    from .streams import cli as streams

    streams.follow_specs(args)  # a bad -z follow fails before anything is read
    idx = open_input(args)
    try:
        wanted = any(getattr(st, "needs_streams", False) for st in getattr(stats, "stats", ()))
        if stats is not None:  # one switch for the CLI's and the TUI's statistics
            from .stats import reassembly_limit

            args.reassembly_limit = reassembly_limit(args.reassembly_limit)
            wanted = wanted or args.reassembly_limit > 0  # PDUs come from the stream pass
        args.stream_fields = streams.prepare(args, flt, idx, wanted)  # -z expert: SEQ/ACK
        writer = None
        if args.write:
            if idx is not None and _same_file(args.write, args.read or args.file):
                raise SaveError(f"-w {args.write} is the file being read: choose another")
            writer = open_writer(args.write, args.write_format, None if idx is None else idx.interfaces,
                                 printer.out)  # fmt: skip
        if stats is not None and idx is not None and not idx.streaming and len(idx.index_all()):
            stats.set_first(idx.time_ns(0))
        _link_times(printer, idx)
        show = not (args.quiet or writer is not None or args.format == "json" and stats)
        if not show and writer is None and _from_index(args, stats, idx, warn):
            _print_taps(args, printer, stats, idx, warn)
            return
        if stats is None:  # -w alone: the displayed packets, found by the fast filter
            packets = iter_packets(args, warn, idx) if flt is None else filtered_packets(
                args, flt, warn, idx, printer)  # fmt: skip
        else:
            packets = iter_packets(args, warn, idx)
        try:
            _feed(args, packets, printer if show else None, writer, stats, flt)
        finally:
            if writer is not None:
                writer.close()
        if show:
            printer.close()
        _print_taps(args, printer, stats, idx, warn)
    finally:
        if idx is not None:
            idx.close()


def _from_index(args: argparse.Namespace, stats: Any, idx: Any, warn: list[str]) -> bool:
    """Statistics the index answers (io,stat frames and bytes; conversations and endpoints,
    whose plain records are counted with numpy and only the others decoded; the protocol
    hierarchy, decoded on every core); False
    (nothing done) when one of them needs every packet decoded."""
    if idx is None or idx.streaming or args.count or not stats.stats or args.reassembly_limit:
        return False  # PDUs put together: every report decodes to count them
    if not all(getattr(st, "index_only", False) or getattr(st, "vectorised", False)
               or getattr(st, "indexed", False) for st in stats.stats):  # fmt: skip
        return False
    from .stats.vector import count_tables

    idx.index_all()
    # every packet: -Y chooses what is shown, not what is counted (as tshark's); every
    # conversation and endpoint table in one walk of the index
    count_tables([st for st in stats.stats if getattr(st, "vectorised", False)], idx, None,
                 args.strict)  # fmt: skip
    for st in stats.stats:
        if getattr(st, "indexed", False):  # its own pass over the index (io,phs)
            st.count_index(idx, None, args.strict)
        elif not getattr(st, "vectorised", False):
            st.from_index(idx, None)
    _finish(idx, warn)
    return True


def _feed(args: argparse.Namespace, packets: Iterator[Packet], printer: Any, writer: Any,
          stats: Any, flt: Any = None) -> None:  # fmt: skip
    """Every packet to the statistics; to the printer and the writer those the display
    filter matches (without statistics the packets come filtered already)."""
    t0: int | None = None
    shown = 0
    for pkt in packets:
        if stats is not None:
            stats.add(pkt)
            t0 = pkt.time_ns if t0 is None else t0
            if flt is not None and not flt.match(pkt, t0):
                pkt.release()
                continue
        shown += 1
        if printer is not None:
            printer.packet(pkt)
            if args.line_buffered:
                printer.flush()
        if writer is not None:
            with writing_output():
                writer.write(pkt)
        pkt.release()
        if args.count and shown >= args.count:
            break


def _print_taps(args: argparse.Namespace, printer: Any, stats: Any, idx: Any,
                warn: list[str]) -> None:  # fmt: skip
    """What the -z options print after the packets, in tshark's order (the last -z given
    first): statistics and followed streams; with -T json the statistics as JSON, then
    the streams; then --export-objects writes its files."""
    from .streams import cli as streams

    follows = streams.follow_texts(args, idx, warn)
    if stats is not None and args.format == "json":
        import json

        pieces = [json.dumps({"statistics": stats.as_dict()}, indent=2) + "\n", *follows]
    else:
        texts, streams_ = iter([st.text() for st in stats.stats] if stats else []), iter(follows)
        given = [next(streams_) if spec.startswith("follow,") else next(texts)
                 for spec in getattr(args, "statistics", None) or ()]  # fmt: skip
        pieces = given[::-1]
    if pieces:
        with writing_output():
            printer.out.write("".join(pieces))
            printer.out.flush()
    streams.export_objects(args, idx)


def _same_file(a: str, b: str | None) -> bool:
    try:
        return b not in (None, "-") and a != "-" and os.path.samefile(a, b)  # type: ignore[arg-type]
    except OSError:
        return False


def _link_times(printer: Any, idx: Any) -> None:
    """-t d: the delta to the packet captured before, read from the index, so a display
    filter does not change it."""
    times = getattr(printer, "times", None) or getattr(
        getattr(printer, "extra", None), "times", None
    )
    if times is None or idx is None or idx.streaming:
        return

    def previous(number: int) -> int | None:
        return idx.time_ns(number - 2) if 2 <= number <= len(idx) + 1 else None

    times.previous = previous


def print_input(args: argparse.Namespace, flt: Any, printer: Printer, warn: list[str]) -> None:
    """-q's count, or the packets (on every core when that pays), of the input opened once."""
    out = printer.out
    if _count_alone(args, flt):  # -q alone: the index's count; no decoder is even loaded
        idx = open_input(args)
        try:
            _print_count(out, count_matches(args, None, warn, idx))
        finally:
            if idx is not None:
                idx.close()
        return
    from .streams import cli as streams

    streams.follow_specs(args)  # a bad -z follow fails before anything is read
    streams.export_spec(args)
    idx = open_input(args)
    try:
        if idx is not None and idx.streaming:  # what is printed shows before we wait for more
            idx.when_waiting(out.flush)
        args.stream_fields = streams.prepare(args, flt, idx)
        if streams.wants_streams_only(args):  # -q -z follow: the streams alone
            _print_taps(args, printer, None, idx, warn)
            return
        if getattr(args, "quiet", False):  # -q: only the count of (matching) packets
            _print_count(out, count_matches(args, flt, warn, idx))
            return
        _link_times(printer, idx)
        with _learning(args, idx):
            _print_packets(args, flt, printer, warn, idx)
        printer.close()
        _print_taps(args, printer, None, idx, warn)
    finally:
        if idx is not None:
            idx.close()


def _print_packets(
    args: argparse.Namespace, flt: Any, printer: Printer, warn: list[str], idx: Any
) -> None:
    if print_parallel(args, flt, printer, warn, idx):
        return
    packets = (
        iter_packets(args, warn, idx)
        if flt is None
        else filtered_packets(args, flt, warn, idx, printer)
    )
    for n, pkt in enumerate(packets, 1):
        printer.packet(pkt)
        pkt.release()  # printed: freed now, not by the cycle collector
        if getattr(args, "line_buffered", False):
            printer.flush()
        if args.count and n >= args.count:
            break


def _learning(args: argparse.Namespace, idx: Any) -> Any:
    """A capture printed without the stream pass (the plain list): what QUIC and HTTP/2
    learn from the whole file is learned when a packet of theirs is first met
    (connections.learned_if_met), so a packet decodes alike in any chunk. Read forwards,
    the TCP frames are framed as they come instead (HTTP/2's HPACK tables)."""
    if idx is None or getattr(args, "stream_fields", None) is not None:
        return contextlib.nullcontext()
    if idx.streaming:
        limit = getattr(args, "reassembly_limit", None)
        if limit is not None and limit <= 0:  # each segment decoded alone
            return contextlib.nullcontext()
        return _framed_forwards(args, idx, limit)
    from .connections import learned_if_met

    return learned_if_met(idx)


@contextlib.contextmanager
def _framed_forwards(args: argparse.Namespace, idx: Any, limit: int | None) -> Iterator[None]:
    """args.framed for iter_packets while the plain list of a stream prints."""
    from .connections import framed_forwards

    with framed_forwards(idx, limit) as framed:
        args.framed = framed
        try:
            yield
        finally:
            args.framed = None


def _count_alone(args: argparse.Namespace, flt: Any) -> bool:
    """-q with no filter, statistics or export: only the number of packets is printed."""
    asked = ("statistics", "export_objects")
    return (
        bool(getattr(args, "quiet", False))
        and flt is None
        and not any(getattr(args, name, None) for name in asked)
    )


def _print_count(out: IO[str], n: int) -> None:
    with writing_output():
        out.write(f"{n}\n")
        out.flush()


SAMPLE_RECORDS = 64  # rendered first, in the parent, to size the parallel chunks


def print_parallel(
    args: argparse.Namespace, flt: Any, printer: Printer, warn: list[str], idx: Any
) -> bool:
    """A big capture file is decoded and rendered on every core (dissect/parallel.py), in
    file order; False (nothing printed) when one process is the better choice: a small
    file or -c, stdin or another stream, pasted hex, a display filter, colours on a
    terminal, one core."""
    from . import parallel

    workers = parallel.worker_count()
    source = args.read or args.file
    if (
        workers < 2
        or flt is not None
        or not isinstance(printer, Printer)
        or printer.extra is not None
        or getattr(args, "line_buffered", False)
        or printer.console is not None
        or idx is None
        or idx.streaming
        or not source
        or source == "-"
        or (args.count and args.count < parallel.MIN_PACKETS)
        or os.path.getsize(source) < parallel.MIN_PACKETS * 64
    ):
        return False
    while not idx.index_more() and not (args.count and len(idx) >= args.count):
        pass  # -c N: index only as far as the N-th record
    n = min(args.count, len(idx)) if args.count else len(idx)
    t0 = idx.time_ns(0) if n else None
    scope: Any = contextlib.nullcontext()  # the plain list: learned_if_met (_learning)
    if getattr(args, "stream_fields", None) is not None:  # -V, JSON: the stream pass ran
        from .connections import learned

        scope = learned(idx)  # QUIC's connections too, before the fork: chunks decrypt alike
    sink = _byte_sink(printer.out)
    render = _chunk_renderer(args, idx, t0, sink[1:] if sink else None)
    write = sink[0].write if sink else printer.out.write
    printer.first = n == 0
    with scope, writing_output():
        try:
            if n < parallel.MIN_PACKETS:
                write(render((0, n)))
            else:
                # The first records, rendered here, say how much text a record makes: the
                # chunk size that keeps every task's buffers small (parallel.CHUNK_BYTES).
                first = render((0, SAMPLE_RECORDS))
                write(first)
                size = parallel.chunk_for(len(first) / SAMPLE_RECORDS)
                work = parallel.spans(SAMPLE_RECORDS, n, size)
                _write_chunks(render, work, workers, sink[0] if sink else None, write)
        except parallel.PartialOutput as part:  # the file shrank: what was read is printed
            write(part.output)
            raise part.error from None
    _finish(idx, warn)
    return True


def _write_chunks(render: Any, work: list[tuple[int, int]], workers: int, buf: Any,
                  write: Any) -> None:  # fmt: skip
    """The chunks' output in order: written by the workers themselves to the file under
    stdout (parallel.ordered_write), or copied here from theirs (a stream without a file
    descriptor)."""
    from . import parallel

    try:
        fd = buf.fileno() if buf is not None else None
    except (OSError, ValueError):  # io.UnsupportedOperation: a BytesIO under the text
        fd = None
    if fd is None:
        chunks = parallel.ordered_map(render, work, workers)
        with contextlib.closing(chunks):  # a failed write stops the workers now
            for chunk in chunks:
                write(chunk)
        return
    buf.flush()  # the first records, written here, go first
    parallel.ordered_write(render, work, workers, fd)


def _byte_sink(out: IO[str]) -> tuple[Any, str, str] | None:
    """The binary stream under a text stdout, with its encoding and error handler: workers
    then encode their text (in parallel) and the parent only copies bytes. None for a
    stream without one (a StringIO)."""
    buf, encoding = getattr(out, "buffer", None), getattr(out, "encoding", None)
    if buf is None or not encoding:
        return None
    out.flush()  # what the text layer holds goes first
    return buf, encoding, getattr(out, "errors", None) or "strict"


class _Pieces:
    """What a Printer writes, kept as the written strings and joined once at the end (a
    StringIO copies each one in, then out again)."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.write = self.pieces.append

    def getvalue(self) -> str:
        return "".join(self.pieces)

    def isatty(self) -> bool:
        return False


# Summary lines are made and encoded this many at a time. Every line holds a character
# past Latin-1 (its '→'), and for such a text CPython's UTF-8 encoder reserves 3 bytes a
# character: a whole chunk's (~96 KiB) reserved more than glibc's mmap threshold, mapped
# and faulted in anew for every chunk, which made encoding about half again slower.
ENCODED_ROWS = 128


def _chunk_renderer(
    args: argparse.Namespace, idx: Any, t0: int | None, encode: tuple[str, str] | None
) -> Any:
    """Records [start, stop) of the index as the text the Printer writes for them (as bytes
    in the given encoding and error handler, when there is one)."""
    from .engine import _load, decode, summary_text
    from .index import CaptureError
    from .parallel import PartialOutput

    _load()  # every protocol module imported once here, before the workers fork, not in each
    rows_only = args.format == "text" and not args.verbose and not args.hexdump
    # The stream fields: the table was built before the workers fork, and each packet's
    # fields come from its own row of it, so chunks annotate in any order.
    annotate = getattr(args, "stream_fields", None)

    joined: Any = b"".join if encode else "".join

    def lines(span: tuple[int, int]) -> str | bytes:
        """Summary lines alone: the Printer's output for them, without its per-packet
        checks, encoded ENCODED_ROWS lines at a time."""
        parts: list[Any] = []
        rows = idx.rows(*span)
        try:
            for _lo in range(span[0], span[1], ENCODED_ROWS):
                parts.append(encoded(summary_text(islice(rows, ENCODED_ROWS), t0 or 0,
                                                  args.strict)))  # fmt: skip
        except CaptureError as exc:  # the file shrank: keep the lines made so far
            raise PartialOutput(joined(parts), exc) from None
        return joined(parts)

    def printed(span: tuple[int, int]) -> str:
        buf = _Pieces()
        printer = Printer(args, buf)  # type: ignore[arg-type]
        printer.t0, printer.first = t0, span[0] == 0
        try:
            for number, time_ns, _cap, wirelen, linktype, iface, data, comment in idx.rows(*span):
                pkt = decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen,
                             interface=iface, comment=comment, strict=args.strict)  # fmt: skip
                if annotate is not None:
                    annotate(pkt)
                printer.packet(pkt)
                pkt.release()
        except CaptureError as exc:
            raise PartialOutput(buf.getvalue(), exc) from None
        return buf.getvalue()

    def encoded(text: str) -> str | bytes:
        return text.encode(*encode) if encode else text

    def render(span: tuple[int, int]) -> str | bytes:
        try:
            return lines(span) if rows_only and span[1] > span[0] else encoded(printed(span))
        except PartialOutput as part:
            if isinstance(part.output, str):  # lines() encoded its own already
                part.output = encoded(part.output)
            raise

    return render


# -- live capture ------------------------------------------------------------------
def run_live(
    args: argparse.Namespace,
    launcher: Any = None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
) -> int:
    """Headless capture: summary lines as packets arrive (-q: none; -w -: the capture file
    itself on stdout), then tcpdump's counts. Exit 1 when the capture failed or its
    process ended before it finished; the counts are then those of the file."""
    from .capture import CaptureStartError, LiveCapture, closing_lines, live_options
    from .engine import safe_text

    out, err = out or sys.stdout, err or sys.stderr
    refusal = _stdout_refusal(args, out)
    if refusal:
        err.write(f"layerscope: error: {refusal}\n")
        return 2
    flt, ok = compile_display_filter(getattr(args, "display_filter", None), err)
    if not ok:
        return 2
    args.live_filter = flt
    try:
        capture = LiveCapture(live_options(args), launcher).start()
    except CaptureStartError as exc:
        err.write(f"layerscope: error: {safe_text(str(exc), 1000)}\n")
        return 1
    restore = _stop_on_signals(capture)  # first: a ctrl+c right after the line stops in order
    err.write(f"layerscope: {safe_text(capture.listening_line(), ERROR_TEXT_MAX)}\n")
    err.flush()
    try:
        _live_output(args, capture, out, err)
    finally:
        restore()
        capture.close()
    for line in closing_lines(capture.stats):
        err.write(line + "\n")
    if capture.error is not None:
        err.write(f"layerscope: error: {safe_text(str(capture.error), 1000)}\n")
        return 1
    return 0


def _stdout_refusal(args: argparse.Namespace, out: IO[str]) -> str | None:
    """`-w -` puts the binary capture on stdout: nothing else may go there, and never a
    terminal (packet bytes must not reach it raw)."""
    if getattr(args, "write", None) != "-":
        return None
    if args.verbose or args.hexdump or args.format != "text" or args.force_print:
        return "-w - writes the capture to stdout: packets cannot be printed there as well"
    if getattr(out, "buffer", None) is None or out.isatty():
        return "-w - writes a binary capture to stdout, which is a terminal: redirect it"
    return None


def _live_output(args: argparse.Namespace, capture: Any, out: IO[str], err: IO[str]) -> None:
    """Print packets as the capture file grows; with -q only watch the counters; with -w -
    copy the file's whole records to stdout as they are written."""
    from .capture import copy_capture, follow
    from .engine import decode

    if args.write == "-":
        out.flush()
        copy_capture(capture, out.buffer)  # type: ignore[attr-defined]
        return
    if args.quiet:
        while not capture.wait(0.5):
            if err.isatty():  # live counters where a person is watching
                s = capture.stats
                err.write(
                    f"\r{s.captured} captured, {s.dropped} dropped by kernel, {s.pps:.0f} pps "
                )
                err.flush()
        if err.isatty():
            err.write("\n")
        return
    printer = make_printer(args, out)
    flt, t0 = getattr(args, "live_filter", None), None
    for rec in follow(capture):
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen, interface=rec.interface, strict=args.strict)  # fmt: skip
        t0 = rec.time_ns if t0 is None else t0
        if printer.t0 is None:
            printer.t0 = t0  # the Time column counts from the first packet captured
        if flt is None or flt.match(pkt, t0):
            printer.packet(pkt)
            printer.flush()
    printer.close()


def _stop_on_signals(capture: Any) -> Any:
    """ctrl+c / SIGTERM stop the capture in order (drain, flush); a second one kills it."""
    import signal

    def handler(signum: int, frame: object) -> None:
        if capture.stopping:
            capture.kill()
        capture.stop()

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    return lambda: [signal.signal(sig, h) for sig, h in old.items()]


def list_interfaces_cmd(out: IO[str] | None = None) -> int:
    """`-D`: one line per interface. Interface names and descriptions are anyone's to
    choose (a container's veth, a USB adapter's alias): escaped."""
    from .capture import interface_lines, list_interfaces
    from .engine import safe_text

    out = out or sys.stdout
    lines = [safe_text(line, ERROR_TEXT_MAX) + "\n" for line in interface_lines(list_interfaces())]
    with writing_output():
        out.writelines(lines)
        out.flush()
    return 0


def install_helper_cmd(group: str, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """`--install-capture-helper GROUP`: what was installed and what it allows, or one error."""
    from .capture_helper import InstallError, install
    from .engine import safe_text

    out, err = out or sys.stdout, err or sys.stderr
    try:
        helper = install(group)
    except (InstallError, OSError) as exc:
        err.write(f"layerscope: error: {safe_text(str(exc), 1000)}\n")
        return 2
    name = safe_text(group, 100)
    out.write(
        f"layerscope: installed {helper.python} (root:{name}, mode 0750, cap_net_raw+ep)\n"
        f"layerscope: members of {name} can now capture without sudo -- and can run any "
        "Python code with raw-socket rights through that copy\n"
        f"layerscope: to undo: sudo rm -r {helper.python.parent}\n"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    from .export.command import SUBCOMMANDS, run_subcommand

    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:  # `export`, `sql`: dissect/export/command.py
        return run_subcommand(argv)
    parser = build_parser()
    args = finish_args(parser, parser.parse_args(argv))
    if args.list_interfaces:
        return guarded(lambda: list_interfaces_cmd())
    if args.install_helper is not None:
        return install_helper_cmd(args.install_helper)
    if args.interface is not None:
        return guarded(lambda: run_live(args))
    return guarded(lambda: run_batch(args))


def escape_log_output() -> None:
    """With no logging set up, a record (a reader bug's traceback naming the file) goes to
    stderr through logging's handler of last resort: give it a formatter that escapes each
    line. Imported here: `--version` never needs logging."""
    import logging

    from .engine import safe_text

    class EscapingFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            text = super().format(record)
            return "\n".join(safe_text(line, ERROR_TEXT_MAX) for line in text.splitlines())

    if logging.lastResort is not None:
        logging.lastResort.setFormatter(EscapingFormatter())


def guarded(fn: Any) -> int:
    """Run fn; a closed pipe (`| head`) or ctrl+c exits quietly, any other failure to write
    the output (a full disk) is one line on stderr and exit status 2."""
    escape_log_output()
    try:
        return fn()
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OutputError as exc:
        _drop_stdout()
        if isinstance(exc.cause, BrokenPipeError):
            return 0
        sys.stderr.write(error_line(f"writing output: {exc}") + "\n")
        return 2
    except KeyboardInterrupt:
        return 130


def _drop_stdout() -> None:
    """Point stdout at /dev/null: the interpreter flushes what is left in its buffer at
    exit, and that flush would fail again (a second message, or a traceback)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no file descriptor
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


@contextlib.contextmanager
def writing_output() -> Iterator[None]:
    """Around writes to stdout: an OSError there (ENOSPC, EIO, EPIPE) is OutputError, not
    an input error nor a traceback."""
    try:
        yield
    except OSError as exc:
        raise OutputError(exc) from exc
