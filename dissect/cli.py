"""Batch mode: tcpdump/tshark habits on the command line.

    layerscope -r capture.pcap [-c N] [-V] [-x] [--spans] [-T json|jsonl]
    layerscope --hex "4500 00c6 ..."  |  --hex -  (stdin)

Rich colours only on a terminal; plain text when piped; a closed pipe exits quietly.
Nothing here imports Textual or scapy, so `--version` and batch runs start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from . import __version__
from .model import Packet

DEMO = Path(__file__).resolve().parent.parent / "captures" / "http-get.pcap"

LINKTYPE_ALIASES = {
    "ether": 1, "eth": 1, "ethernet": 1, "raw": 101, "ip": 101, "ipv4": 228, "ipv6": 229,
    "sll": 113, "linux_sll": 113, "sll2": 276, "linux_sll2": 276, "null": 0, "loop": 108,
}  # fmt: skip


class UsageError(Exception):
    """A problem with the input the user gave: one line, non-zero exit."""


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="layerscope",
        description="Capture, decode and explore network packets layer by layer.",
        epilog="With no input, opens the built-in HTTP GET demo. On a terminal the TUI opens; "
        "when stdout is not a terminal (or with --print, -V, -x, -T) packets are printed.",
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
    p.add_argument("-c", dest="count", type=int, metavar="N", help="stop after N packets")
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
        "-T", dest="format", choices=("text", "json", "jsonl"), default="text", help="output format"
    )
    p.add_argument(
        "--print", dest="force_print", action="store_true", help="print instead of opening the TUI"
    )
    p.add_argument(
        "--strict", action="store_true", help="re-raise decoder exceptions (for debugging decoders)"
    )
    p.add_argument("--version", action="version", version=f"layerscope {__version__}")
    return p


def wants_batch(args: argparse.Namespace, stdout: IO[str]) -> bool:
    """Print when asked to or when stdout is not a terminal; otherwise the TUI opens."""
    if args.force_print or args.verbose or args.hexdump or args.format != "text" or args.count:
        return True
    return not stdout.isatty()


# -- inputs ------------------------------------------------------------------------
def iter_packets(args: argparse.Namespace, warn: list[str]) -> Iterator[Packet]:
    """Every input becomes the same Packets: capture files, stdin, pasted hex, the demo."""
    from .protocol import decode

    if args.hex is not None:
        yield from _hex_packets(args, warn)
        return
    from .index import open_capture

    source: Any = args.read or args.file or str(DEMO)
    if source == "-":
        source = getattr(args, "stdin_bytes", None) or sys.stdin.buffer.read()
    idx = open_capture(source, name="<stdin>" if isinstance(source, bytes) else None)
    with idx:
        for rec in idx:
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                         wirelen=rec.wirelen, interface=rec.interface, comment=rec.comment,
                         strict=args.strict)  # fmt: skip
            yield pkt
        warn.extend(idx.warnings)


def _hex_packets(args: argparse.Namespace, warn: list[str]) -> Iterator[Packet]:
    from .protocol import decode
    from .readers.hextext import guess_linktype, parse_hex_dump

    text = sys.stdin.read() if args.hex == "-" else args.hex
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


# -- outputs -----------------------------------------------------------------------
class Printer:
    """Writes packets as text (Rich on a terminal) or JSON."""

    def __init__(self, args: argparse.Namespace, out: IO[str]) -> None:
        self.args, self.out = args, out
        self.first = True
        self.t0: int | None = None
        self.console = None
        if args.format == "text" and out.isatty() and not os.environ.get("NO_COLOR"):
            from rich.console import Console

            self.console = Console(file=out, markup=False, highlight=False, emoji=False)

    def packet(self, pkt: Packet) -> None:
        if self.args.format == "json":
            self._json(pkt, "[\n" if self.first else ",\n")
        elif self.args.format == "jsonl":
            self._json(pkt, "")
            self.out.write("\n")
        else:
            self._text(pkt)
        self.first = False

    def close(self) -> None:
        if self.args.format == "json":
            self.out.write("[]\n" if self.first else "\n]\n")
        self.out.flush()

    def _json(self, pkt: Packet, sep: str) -> None:
        from .output import packet_dict

        self.out.write(
            sep + json.dumps(packet_dict(pkt, with_bytes=self.args.hexdump), ensure_ascii=True)
        )

    def _text(self, pkt: Packet) -> None:
        from .output import hex_text, summarize, summary_line, tree_text

        if self.t0 is None:
            self.t0 = pkt.time_ns
        s = summarize(pkt, self.t0)
        if self.console is not None:
            self._rich(pkt, s)
            return
        w = self.out.write
        w(summary_line(s) + "\n")
        if self.args.verbose:
            w(tree_text(pkt, self.args.spans) + "\n")
        if self.args.hexdump:
            w(hex_text(pkt.data) + "\n")
        if self.args.verbose or self.args.hexdump:
            w("\n")

    def _rich(self, pkt: Packet, s: Any) -> None:
        """Coloured output; every piece of packet text goes in as a Text segment, never markup."""
        from rich.text import Text

        from .output import hex_rows, summary_line, tree_lines

        style = (
            "red"
            if s.status != "ok"
            else "yellow"
            if s.bad_checksum
            else PROTO_STYLES.get(s.protocol, "")
        )
        self.console.print(Text(summary_line(s), style=style))
        if self.args.verbose:
            for depth, kind, text in tree_lines(pkt, self.args.spans):
                self.console.print(Text("    " * depth + text, style=TREE_STYLES.get(kind, "")))
        if self.args.hexdump:
            for off, hx, asc in hex_rows(pkt.data):
                self.console.print(
                    Text.assemble((f"{off:04x}  ", "dim"), f"{hx:<49} ", (asc, "cyan"))
                )
        if self.args.verbose or self.args.hexdump:
            self.console.print()


PROTO_STYLES = {"TCP": "bright_magenta", "UDP": "bright_cyan", "HTTP": "green", "DNS": "bright_blue",
                "TLS": "magenta", "ARP": "yellow", "ICMP": "bright_white", "ICMPv6": "bright_white"}  # fmt: skip
TREE_STYLES = {"osi": "bold underline", "layer": "bold cyan", "issue": "bold yellow"}


def run_batch(
    args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None
) -> int:
    """Print packets; returns the exit code. Errors are one line on stderr."""
    from .index import CaptureError

    out, err = out or sys.stdout, err or sys.stderr
    warn: list[str] = []
    printer = Printer(args, out)
    try:
        for n, pkt in enumerate(iter_packets(args, warn), 1):
            printer.packet(pkt)
            if args.count and n >= args.count:
                break
        printer.close()
    except (CaptureError, UsageError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        printer.close()
        err.write(f"layerscope: error: {exc}\n")
        return 2
    for w in warn:
        err.write(f"layerscope: warning: {w}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(lambda: run_batch(args))


def guarded(fn: Any) -> int:
    """Run fn; a closed pipe (`| head`) or ctrl+c exits quietly."""
    try:
        return fn()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
