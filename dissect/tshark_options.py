"""tshark's scripting flags on layerscope's command line, and which combinations apply.

    -T fields -e NAME ... [-E header=y,separator=,,quote=d,occurrence=f,aggregator=;]
    -T csv    -G fields|protocols    -t a|ad|d|dd|e|r|u|ud    -n    -O PROTO[,PROTO]
    -l    -A    -X    -z STATISTIC (repeatable)    -w FILE [-F pcap|pcapng] (with -r)

Nothing here imports the engine: the parser is built before `--version` answers. The
rendering is in dissect/fields_output.py, the statistics in dissect/stats/, the writing of
-w in dissect/export.py. An option that cannot apply to what else was asked is one error
line (`conflict`), never ignored.
"""

from __future__ import annotations

import argparse

TIME_FORMATS = ("a", "ad", "d", "dd", "e", "r", "u", "ud")


def add_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("tshark's scripting options")
    g.add_argument("-e", dest="fields", action="append", metavar="FIELD",
                   help="with -T fields: a field to print (repeatable), e.g. -e ip.src")  # fmt: skip
    g.add_argument("-E", dest="field_options", action="append", default=[], metavar="OPT=V",
                   help="with -T fields: header=y|n, separator=C|/t|/s, quote=d|s|n, "
                   "occurrence=f|l|a|N, aggregator=C|/s")  # fmt: skip
    g.add_argument("-G", dest="glossary", metavar="REPORT", choices=("fields", "protocols"),
                   help="print every field or protocol name we decode (tab-separated, as "
                   "tshark's, with the OSI layer last) and exit")  # fmt: skip
    g.add_argument("-t", dest="time_format", choices=TIME_FORMATS, metavar="FORMAT",
                   help="Time column: a (local), ad (local with date), d (since previous "
                   "packet), dd (since previous shown), e (epoch), r (since first, the "
                   "default), u (UTC), ud (UTC with date)")  # fmt: skip
    g.add_argument("-n", dest="no_resolve", action="store_true",
                   help="accepted for tshark/tcpdump scripts: names are never resolved")  # fmt: skip
    g.add_argument("-O", dest="only_protocols", metavar="PROTO[,PROTO]",
                   help="like -V, but expand only these protocols' layers")  # fmt: skip
    g.add_argument("-l", dest="line_buffered", action="store_true",
                   help="flush the output after each packet")  # fmt: skip
    g.add_argument("-A", dest="ascii", action="store_true",
                   help="print each packet past its link header as ASCII (tcpdump -A)")  # fmt: skip
    g.add_argument("-X", dest="hex_ascii", action="store_true",
                   help="print each packet past its link header as hex and ASCII (tcpdump -X)")  # fmt: skip
    g.add_argument("-z", dest="statistics", action="append", default=[], metavar="STAT",
                   help="statistics after the packets (repeatable, one pass): io,phs; "
                   "conv,eth|ip|ipv6|tcp|udp; endpoints,...; io,stat,INTERVAL[,FILTER...]; "
                   "expert; http,tree; http_req,tree; dns,tree; ptype,tree; "
                   "follow,tcp|udp,ascii|hex|raw,N (stream N's bytes as tshark prints them)")  # fmt: skip


def conflict(args: argparse.Namespace) -> str | None:
    """Why these options cannot apply together (one line), or None."""
    fmt = args.format
    if args.fields and fmt != "fields":
        return "-e selects fields for -T fields: add -T fields"
    if fmt == "fields" and not args.fields:
        return "-T fields needs at least one -e FIELD"
    if args.field_options and fmt != "fields":
        return "-E formats -T fields output: add -T fields -e FIELD"
    if fmt in ("fields", "csv", "json", "jsonl"):
        for name, flag in (("verbose", "-V"), ("only_protocols", "-O"), ("ascii", "-A"),
                           ("hex_ascii", "-X"), ("spans", "--spans")):  # fmt: skip
            if getattr(args, name, None):
                return f"{flag} is for the text output: it cannot apply to -T {fmt}"
        if args.hexdump and fmt in ("fields", "csv"):
            return f"-x is for the text and JSON outputs: it cannot apply to -T {fmt}"
    if args.time_format and fmt in ("json", "jsonl"):
        return "-t sets the Time column: -T json has none (it gives time_ns)"
    if args.statistics and fmt in ("fields", "csv", "jsonl"):
        return f"-z prints its statistics as text, or as JSON with -T json; not with -T {fmt}"
    return _write_conflict(args) or _live_conflict(args)


def _write_conflict(args: argparse.Namespace) -> str | None:
    if not args.write or args.interface is not None:
        return None
    if args.quiet:
        return "-w writes the packets to a file and prints nothing: -q cannot apply"
    for name, flag in (("verbose", "-V"), ("hexdump", "-x"), ("ascii", "-A"),
                       ("hex_ascii", "-X"), ("only_protocols", "-O"), ("fields", "-e")):  # fmt: skip
        if getattr(args, name, None):
            return f"-w writes the packets to a file: {flag} cannot print them as well"
    if args.format != "text" and not args.statistics:
        return f"-w writes the packets to a file: -T {args.format} cannot print them as well"
    if args.format != "text":
        return "-w with -z prints the statistics as text: -T cannot apply"
    return None


def _live_conflict(args: argparse.Namespace) -> str | None:
    if args.interface is None:
        if args.write_format and not args.write:
            return "-F sets the format of -w FILE: add -w"
        return None
    if args.display_filter and args.write:
        return ("-Y cannot apply while capturing to a file (-w keeps every packet): filter "
                "the file afterwards with -r FILE -Y FILTER -w OUT")  # fmt: skip
    if args.display_filter and args.quiet:
        return "-q prints only the capture counts: -Y cannot apply"
    if args.statistics:
        return "-z works on a capture file (-r); on a live capture, save it with -w first"
    return None


# Any of these on the command line means printing (or writing), never the TUI.
BATCH = ("glossary", "statistics", "fields", "ascii", "hex_ascii", "only_protocols",
         "time_format", "write")  # fmt: skip
