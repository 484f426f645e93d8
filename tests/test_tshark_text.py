"""Our `-V` tree reads like `tshark -V` for the protocols both decode.

tests/data/tshark_v/ holds `tshark -V` of a few captures, made once with tshark 4.0.17 by
`python -m tests.test_tshark_text --write` (options in TSHARK_ARGS; see the README there).
Each packet of ours (tree_rows, no spans) is compared with tshark's, line by line and with
the indentation, after three normalisations:

- our OSI group prefix ("Layer 3 · Network — ") is taken off the layer titles;
- the Frame sections are compared by the facts both show (number, lengths), not as text;
- KNOWN below: every difference we accept, each with its reason. A rule drops a line (and
  the lines nested under it) on one side, rewrites a line, or lets a line sit elsewhere in
  its section. A rule that no longer matches anything fails the test: remove it.

Everything else must be equal. Only the files here are read; tshark is not run by the test.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import dissect.protocols  # noqa: F401  (every protocol declared: FIELDS complete)
from dissect import decode, open_capture
from dissect.engine import FIELDS
from dissect.output import tree_rows

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
EXPECTED = DATA / "tshark_v"
GOLDEN = DATA / "golden"

# The preferences differ from tshark's defaults only where we do what tshark then does:
# no name resolution, checksums and the Ethernet FCS verified, no TCP reassembly or IP
# defragmentation (each packet on its own).
TSHARK_ARGS = (
    "-n", "-V",
    "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
    "-o", "udp.check_checksum:TRUE", "-o", "eth.check_fcs:TRUE",
    "-o", "tcp.desegment_tcp_streams:FALSE", "-o", "ip.defragment:FALSE",
    "-o", "ipv6.defragment:FALSE",
)  # fmt: skip

# (capture, expectation file): the demo, the sample capture and golden captures that cover
# every protocol both decode.
CAPTURES = {
    "http-get": ROOT / "captures" / "http-get.pcap",
    "sample-netns": ROOT / "captures" / "sample-netns.pcap",
    **{
        Path(rel).stem: GOLDEN / rel
        for rel in (
            "tcpdump/802.1ad_QinQ.pcap",  # eth, 802.1ad + 802.1Q, arp
            "tcpdump/LINKTYPE_RAW_ipv6.pcap",  # raw, ipv6, udp, dns
            "tcpdump/LINKTYPE_IPV4.pcap",  # raw IPv4 link type
            "tcpdump/dhcp-rfc3004.pcap",  # dhcp
            "tcpdump/ntp.pcap",  # ntp
            "tcpdump/icmpv6.pcap",  # icmpv6, hop-by-hop options
            "tcpdump/ipv6-routing-header.pcap",  # ipv6 routing header
            "tcpdump/icmpv6-RFC2894-RR.pcap",  # null (BSD loopback)
            "tcpdump/tcp-handshake-nano.pcap",  # sll
            "tcpdump/print-flags.pcap",  # tcp flags and options, http
            "libpcap/llc.pcap",  # 802.3, llc
            "libpcap/ipv6_ext_headers.pcap",  # ipv6 extension headers
            "pcapplusplus/Sll2Packet.pcap",  # sll2
            "pcapplusplus/IcmpPackets.pcap",  # icmp, with quoted headers
            "pcapplusplus/ipv6_opt_fragments.pcap",  # ipv6 fragment header
            "pcapplusplus/SSL-ClientHello1.pcap",  # tls client hello
            "pcapplusplus/tls_server_hello.pcap",  # tls server hello
            "pcapplusplus/TwoHttpResponses.pcap",  # http responses, text body
            "pcapplusplus/Dns.pcap",  # dns, mdns
            "arkime/cloudshark-arp.pcap",  # arp
        )
    },
}


# Packets not compared, with the reason.
SKIPPED = {
    ("TwoHttpResponses", 1): "a gzip body: tshark shows it inflated, as a second data source; "
    "our spans point into the frame, so we show the coded bytes",
}


# -- normalisation -------------------------------------------------------------------------
FRAME_FACTS = re.compile(r"(Frame Number|Frame Length|Capture Length): (\d+)")
OSI_PREFIX = re.compile(r"^Layer \d · [A-Za-z ]+ — ")


@dataclass
class Line:
    depth: int
    text: str

    def __str__(self) -> str:
        return "    " * self.depth + self.text


def parse(lines: list[str]) -> list[Line]:
    out = []
    for raw in lines:
        stripped = raw.lstrip(" ")
        out.append(Line((len(raw) - len(stripped)) // 4, stripped))
    return out


HEX_ROW = re.compile(r"[0-9a-f]{4}  ([0-9a-f]{2} ){1,16}")


def tshark_packets(text: str) -> list[list[str]]:
    """tshark -V text, one list of lines per packet (each starts "Frame N: "), without the
    hex rows tshark prints in the tree for a data source it makes (reassembled or decoded
    bytes: we make none)."""
    packets: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"Frame \d+: ", line):
            packets.append([])
        if packets and line and not HEX_ROW.match(line):
            packets[-1].append(line)
    return packets


def our_packets(path: Path) -> list[list[str]]:
    out = []
    with open_capture(str(path)) as idx:
        idx.index_all()
        for rec in idx.records(0, len(idx)):
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                         wirelen=rec.wirelen)  # fmt: skip
            out.append(our_rows(pkt))
            pkt.release()
    return out


IPV6_EXTENSIONS = {"ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts"}
# Layers of ours that tshark shows inside the previous layer's subtree: layer -> those
# previous layers. IPv6 extension headers sit in IPv6's, the data after ICMP and HTTP in theirs.
NESTED_AFTER = {
    **{ext: {"ipv6", *IPV6_EXTENSIONS} for ext in IPV6_EXTENSIONS},
    "data": {"icmp", "icmpv6", "http"},
}


def our_rows(pkt: Any) -> list[str]:
    """The tree without its OSI prefixes. Our layers tshark shows inside another one's
    subtree are nested one level, as there: NESTED_AFTER, and the packet an ICMP error
    quotes (the layers after the error's own, ctx.column_layers)."""
    kinds: list[str] = []
    rows = tree_rows(pkt, False, kinds)
    quote_from = pkt.ctx.column_layers or len(pkt.layers)
    nested = [False] * len(pkt.layers)
    for i, layer in enumerate(pkt.layers):
        before = pkt.layers[i - 1].protocol.name if i else ""
        nested[i] = before in NESTED_AFTER.get(layer.protocol.name, ())
    out, i = [], -1
    for kind, row in zip(kinds, rows, strict=True):
        i += kind == "layer"
        row = OSI_PREFIX.sub("", row)
        depth = (i >= quote_from) + nested[i]
        out.append("    " * depth + row)
    return out


def split_frame(lines: list[Line]) -> tuple[dict[str, str], list[Line]]:
    """The Frame section's facts, and the lines after it."""
    end = next((i for i, ln in enumerate(lines) if i and ln.depth == 0), len(lines))
    facts = {}
    for ln in lines[:end]:
        m = FRAME_FACTS.search(ln.text)
        if m:
            facts[m.group(1)] = m.group(2)
    if lines and lines[0].text.startswith("Frame "):
        m = re.match(r"Frame (\d+): (\d+) bytes on wire .*?, (\d+) bytes captured", lines[0].text)
        if m:
            facts.update({"Frame Number": m.group(1), "Frame Length": m.group(2),
                          "Capture Length": m.group(3)})  # fmt: skip
    return facts, lines[end:]


# -- known differences ---------------------------------------------------------------------
@dataclass
class Rule:
    """A known difference. side: "tshark", "ours" or "both"; kind: "drop" (the line and
    what is nested under it), "sub" (rewrite with repl), "moved" (may sit elsewhere in its
    section: dropped on both sides, but both must have the same lines), "data" (a layer
    of bytes: the line stays as "Data", what is nested under it goes) or "again" (the line
    repeats one above it in its layer: dropped)."""

    side: str
    kind: str
    pattern: str
    reason: str
    repl: Any = ""  # str, or fn(match) -> str
    subtree: bool = True  # "drop": the lines nested under the line go too
    section: str = ""  # only under a line (a layer's title, ...) that matches this (re.match)
    min_depth: int = 0  # only lines nested this deep at least
    used: int = 0

    def __post_init__(self) -> None:
        self.regex = re.compile(self.pattern)
        self.title = re.compile(self.section)

    def applies(self, side: str, above: list[str], depth: int) -> bool:
        return (self.side in (side, "both") and depth >= self.min_depth
                and (not self.section or any(self.title.match(t) for t in above)))  # fmt: skip


STREAMS = "tshark tracks conversations and TCP streams; we decode each packet on its own"
ISSUES = ("our expert info is listed after the layer's fields, with our wording; tshark nests "
          "its own under the field, with severity and group lines")  # fmt: skip
CHECKSUMS = ("checksum lines are the engine's: tshark appends the verdict to the value, shows "
             "the calculated value even when right, and names the status Good/Bad/Unverified "
             "where we write good/bad/unverified")  # fmt: skip


BYTES = ("bytes: tshark -V writes plain hex and cuts it after 36 bytes; our text (shared "
         "with -T json, where tshark writes colons too) is colon-separated, cut after 32")  # fmt: skip


def _capitalized(m: re.Match[str]) -> str:
    return m.group(1) + m.group(2).capitalize() + "]"


MAC_LABELS = re.compile(r".*(Destination|Source|address|Address|Dst|Src): $")


def _plain_hex(m: re.Match[str]) -> str:
    """Colon-separated bytes (not a MAC address) as plain hex, cut after 32 bytes."""
    if m.group(2).count(":") == 5 and MAC_LABELS.match(m.group(1)):
        return m.group(0)
    return m.group(1) + m.group(2).replace(":", "")[:64] + m.group(3)


def _cut_hex(m: re.Match[str]) -> str:
    return m.group(1) + m.group(2)[:64] + "…"


KNOWN: list[Rule] = [
    # -- what tshark adds from other packets or its preferences
    Rule(
        "tshark",
        "drop",
        r"\[(Stream index|Conversation completeness|Timestamps|SEQ/ACK "
        r"analysis|Next Sequence Number|Calculated window size|Window size scaling factor"
        r"|Time since first frame|Time since previous frame).*",
        STREAMS,
    ),
    Rule(
        "tshark",
        "drop",
        r"(Sequence|Acknowledgment) Number: \d+( +\(relative .*\))?",
        STREAMS,
        section="Transmission Control Protocol",
    ),
    Rule(
        "both",
        "sub",
        r"(Transmission Control Protocol, .*)Seq: \d+, (Ack: \d+, )?(Len: \d+)",
        STREAMS + ": its title shows relative sequence numbers",
        repl=r"\1\3",
    ),
    Rule(
        "tshark",
        "drop",
        r"\[(HTTP (request|response) \d+/\d+|(Time since request|Request in "
        r"frame|Response in frame|Prev request in frame|Prev response in frame|Request URI"
        r"|Next request in frame|Next response in frame|Unsolicited): .*)\]",
        STREAMS,
    ),
    Rule("tshark", "drop", r"\[(Request In|Response In|Time): .*\]", STREAMS + " (DNS)"),
    Rule(
        "tshark",
        "drop",
        r"\[(Request frame|Response frame|Response time): .*\]",
        STREAMS + " (ICMP, ICMPv6)",
    ),
    Rule(
        "both",
        "sub",
        r"\s+$",
        "blanks at a line's end: tshark leaves one after some titles "
        '("IEEE 802.3 Ethernet ") and drops them from text lines',
    ),
    # -- what we do not decode: tshark's layers, our data
    Rule(
        "tshark",
        "data",
        r"NetBIOS|NetBIOS over IPX|Internetwork Packet eXchange"
        r"|Data \(\d+ bytes\)",
        "bytes of a protocol we do not decode are a data layer in our "
        "tree (consecutive ones make one)",
    ),
    Rule(
        "ours",
        "data",
        r"Data \(\d+ bytes\)",
        "the data layer's own lines are the engine's (colons in the bytes, no hex dump)",
    ),
    # -- layout
    Rule(
        "tshark",
        "drop",
        r"Address: [0-9a-f]{2}(:[0-9a-f]{2}){5}",
        "eth.addr is a filter alias of eth.src and eth.dst here, not a line of the tree",
    ),
    Rule(
        "both",
        "moved",
        r"\[TCP Segment Len: \d+\]",
        "tcp.len is worked out with the "
        "header's length after the header table, so it follows the header's fields",
    ),
    Rule(
        "tshark",
        "drop",
        r"(TCP|UDP) payload \(\d+ bytes\)",
        "the payload's bytes are the next layer's in our tree; no TCP or UDP field spans them",
    ),
    Rule(
        "ours",
        "drop",
        r"\[UDP payload: \d+ bytes\]",
        "udp.payload_len: the payload's length, where tshark shows a field over the payload bytes",
    ),
    Rule(
        "ours",
        "sub",
        r"^(.*?: )((?:[0-9a-f]{2}:)+[0-9a-f]{2})(…?)$",
        BYTES,
        repl=_plain_hex,
        min_depth=1,
    ),
    Rule("tshark", "sub", r"^(.*?: )([0-9a-f]{66,})…$", BYTES, repl=_cut_hex),
    # -- IPv6
    Rule(
        "ours",
        "again",
        r"0110 \.\.\.\. = Version: 6",
        "IPv6 files its version also under "
        "ip.version, as Wireshark does, which hides that one: our hidden is per field name, "
        "and ip.version shows in IPv4",
    ),
    Rule(
        "both",
        "moved",
        r"\[Length: \d+ bytes\]",
        "an extension header's or option's length "
        "in bytes is worked out after the header table, so it follows the table's fields",
    ),
    Rule(
        "tshark",
        "sub",
        r"^Address\[\d+\]: ",
        "a value's text depends on the value alone: tshark numbers the routing header's addresses",
        repl="Address: ",
    ),
    Rule(
        "tshark",
        "sub",
        r"^Link-layer address: ",
        "tshark shows a link-layer address "
        "option's address under icmpv6.opt.linkaddr (hiding the source or target field); "
        "here that either-way name is a filter alias",
        repl="Source Link-layer address: ",
        section=r"ICMPv6 Option \(Source link-layer",
    ),
    # -- DHCP
    Rule(
        "both",
        "moved",
        r"Seconds elapsed: \d+",
        "secs is read after the header table (a "
        "client may write it little-endian), so it follows the table's fields",
    ),
    Rule(
        "tshark",
        "sub",
        r"^(Option: \(\d+\) [^(]*?) \(.*\)$",
        "a value's text depends on the "
        "value alone: tshark adds the option's content to its code's name",
        repl=r"\1",
    ),
    Rule(
        "tshark",
        "drop",
        r"Instance of User Class: \[\d+\]",
        "we do not decode option 77's user classes",
    ),
    Rule(
        "tshark",
        "sub",
        r"^(.* = UDP payload size: )0x([0-9a-f]{4})$",
        "(mDNS) tshark writes the "
        "EDNS UDP payload size in hex when the cache-flush bit shares its bytes",
        repl=lambda m: f"{m.group(1)}{int(m.group(2), 16)}",
    ),
    # -- TLS
    Rule(
        "tshark",
        "drop",
        r"Certificates \(\d+ bytes\)|EC Diffie-Hellman "
        r"Client Params|TLS Session Ticket|Certificate Status Type: .*|Responder ID list "
        r"Length: \d+|Request Extensions Length: \d+|Data( \(0 bytes\))?",
        "handshake bodies "
        "and extensions we do not decode (certificates, key exchange parameters, session "
        "tickets, status_request)",
        section="Transport Layer Security",
    ),
    Rule(
        "ours",
        "drop",
        r"Certificates \(\d+ bytes\)",
        "certificates: tshark shows each one's whole ASN.1 tree; ours lists the main parts "
        "(tests/test_pdus.py compares those with tshark's)",
        section="Transport Layer Security",
    ),
    Rule(
        "ours",
        "drop",
        r"Data: [0-9a-f]+",
        "(as above: the bytes we do not decode)",
        section=r"Extension: status_request",
    ),
    Rule(
        "tshark",
        "sub",
        r"^(.* Record Layer: Application Data Protocol: ).*$",
        "tshark names "
        "the protocol inside application data from the session (ALPN, port); we judge a "
        "record by its own bytes",
        repl=r"\1Application Data",
    ),
    Rule("tshark", "drop", r"\[Application Data Protocol: .*\]", "(as above)"),
    Rule(
        "ours",
        "drop",
        r".* Record Layer: .* \(continues in the next segment\)",
        "a record the segment ends inside: we show its header (and a note), tshark nothing",
    ),
    # -- LLC
    Rule(
        "tshark",
        "sub",
        r"^Control field: .*$",
        "the control field's text depends on the SSAP's "
        "command/response bit, another field: we show its value",
        repl="Control field",
        section="Logical-Link Control",
    ),
    Rule(
        "ours",
        "sub",
        r"^Control: 0x[0-9a-f]{4}$",
        "(as above)",
        repl="Control field",
        section="Logical-Link Control",
    ),
    Rule(
        "both",
        "drop",
        r"[.01]{4} [.01]{4} [.01]{4} [.01]{4} = .*",
        "the 2-byte control field "
        "is little-endian; the engine draws a bit line over the bytes as they come",
        section="Logical-Link Control",
        min_depth=2,
    ),
    # -- ICMP
    Rule(
        "tshark",
        "sub",
        r"^(Code: \d+) \(.*\)$",
        "a value's text depends on that value alone "
        "(the engine keeps it per value): ICMP code names depend on the type too",
        repl=r"\1",
        section="Internet Control Message Protocol",
    ),
    Rule(
        "tshark",
        "sub",
        r"^Type: 9 \(Mobile IP Advertisement\)$",
        "tshark renames a router "
        "advertisement with mobility extensions; our type's text depends on the type alone",
        repl="Type: 9 (Router advertisement)",
    ),
    Rule(
        "ours",
        "drop",
        r"Reserved: 0+",
        "the reserved word of a router solicitation has a "
        "field, so every byte of the frame is in one",
        section="Internet Control Message Protocol$",
    ),
    Rule(
        "both",
        "moved",
        r"ICMP Multi-Part Extensions",
        "RFC 4884 extensions are ICMP fields, "
        "listed before the quoted packet's layers; tshark shows them after the quote",
    ),
    Rule(
        "ours",
        "drop",
        r"Padding: 0+…?",
        "the zero padding between a quoted packet and the extensions after it has a field",
        section="Internet Control Message Protocol$",
    ),
    # -- expert info and checksums, as the engine writes them
    Rule("tshark", "drop", r"\[Expert Info \(.*", ISSUES),
    Rule("ours", "drop", r"\[Expert Info \(.*", ISSUES),
    Rule(
        "tshark",
        "sub",
        r"^((Header )?Checksum: 0x[0-9a-f]+|Frame check sequence: 0x[0-9a-f]+) "
        r".*$",
        CHECKSUMS,
        repl=r"\1",
    ),
    Rule(
        "ours",
        "sub",
        r"^(\[(?:Header checksum status|Checksum Status|FCS Status): )"
        r"(good|bad|unverified)\]$",
        CHECKSUMS,
        repl=_capitalized,
    ),
    Rule(
        "both",
        "drop",
        r"\[(Header checksum status|Checksum Status): .*\]",
        "we leave the "
        "checksums of a packet an ICMP error quotes unverified (the quote is cut short by "
        "design); tshark checks those it can",
        min_depth=2,
        section=r"Internet Control Message Protocol$",
    ),
    Rule(
        "both", "moved", r"\[(Header checksum status|Checksum Status|FCS Status): .*\]", CHECKSUMS
    ),
    Rule(
        "tshark",
        "sub",
        r"^Sequence Number: (\d+)$",
        "in an ICMP error's quote tshark shows "
        "the raw sequence number under tcp.seq; we show tcp.seq_raw everywhere",
        repl=r"Sequence Number (raw): \1",
        section="Transmission Control Protocol",
        min_depth=2,
    ),
    Rule("both", "drop", r"\[Calculated Checksum: 0x[0-9a-f]+\]", CHECKSUMS),
]


def titled(lines: list[Line]) -> list[tuple[list[str], Line]]:
    """Each line with the lines it is nested under (its layer's title first)."""
    out: list[tuple[list[str], Line]] = []
    stack: list[str] = []
    for ln in lines:
        del stack[ln.depth :]
        out.append((list(stack), ln))
        stack.append(ln.text)
    return out


def apply_rules(lines: list[Line], side: str) -> tuple[list[Line], list[str]]:
    """Lines after the rules for this side; the "moved" lines taken out, with their subtrees
    (as text)."""
    for rule in KNOWN:
        if rule.kind == "sub":
            for above, ln in titled(lines):
                if rule.applies(side, above, ln.depth):
                    new = rule.regex.sub(rule.repl, ln.text)
                    if new != ln.text:
                        ln.text = new
                        rule.used += 1
    out: list[Line] = []
    moved: list[str] = []
    seen: set[tuple[int, str]] = set()
    skip_below, moved_below = None, False
    for above, ln in titled(lines):
        if ln.depth == 0:
            seen = set()
        if skip_below is not None and ln.depth > skip_below:
            if moved_below:
                moved[-1] += f"/{ln.depth - skip_below}:{ln.text}"
            continue
        skip_below = None
        rule = next((r for r in KNOWN if r.kind in ("drop", "moved", "data", "again")
                     and r.regex.fullmatch(ln.text) and r.applies(side, above, ln.depth)
                     and (r.kind != "again" or (ln.depth, ln.text) in seen)
                     and (r.kind != "data" or ln.depth <= 1)), None)  # fmt: skip
        seen.add((ln.depth, ln.text))
        if rule is None:
            out.append(ln)
            continue
        rule.used += 1
        skip_below = ln.depth if rule.subtree else None
        moved_below = rule.kind == "moved"
        if rule.kind == "data":
            out.append(Line(ln.depth, "Data"))
        if moved_below:
            moved.append(f"{ln.depth}:{ln.text}")
    return out, moved


def merged_data(lines: list[Line]) -> list[Line]:
    """Consecutive "Data" layers (see the "data" rules) as one."""
    out: list[Line] = []
    for ln in lines:
        if not (ln.text == "Data" and out and out[-1].text == "Data" and out[-1].depth == ln.depth):
            out.append(ln)
    return out


def compare(ours: list[str], theirs: list[str]) -> str:
    """'' when equal after normalisation, else a readable diff."""
    o_facts, o_lines = split_frame(parse(ours))
    t_facts, t_lines = split_frame(parse(theirs))
    problems = []
    if o_facts != t_facts:
        problems.append(f"frame facts differ: ours {o_facts}, tshark {t_facts}")
    o_lines, o_moved = apply_rules(o_lines, "ours")
    t_lines, t_moved = apply_rules(t_lines, "tshark")
    if sorted(o_moved) != sorted(t_moved):
        problems.append(f"moved lines differ: ours {o_moved}, tshark {t_moved}")
    a, b = [str(x) for x in merged_data(t_lines)], [str(x) for x in merged_data(o_lines)]
    if a != b:
        problems.append("\n".join(difflib.unified_diff(a, b, "tshark", "ours", lineterm="")))
    return "\n".join(problems)


# -- the tests -----------------------------------------------------------------------------
def expected_text(name: str) -> str:
    return (EXPECTED / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_tree_reads_like_tshark(name: str) -> None:
    theirs = tshark_packets(expected_text(name))
    ours = our_packets(CAPTURES[name])
    assert len(ours) == len(theirs), "a packet more or less than tshark"
    diffs = []
    for n, (o, t) in enumerate(zip(ours, theirs, strict=True), 1):
        if (name, n) in SKIPPED:
            continue
        d = compare(o, t)
        if d:
            diffs.append(f"--- packet {n}\n{d}")
    assert not diffs, "\n".join(diffs)


def test_every_known_difference_still_occurs() -> None:
    for rule in KNOWN:
        rule.used = 0
    for name in CAPTURES:
        theirs = tshark_packets(expected_text(name))
        for n, (o, t) in enumerate(zip(our_packets(CAPTURES[name]), theirs, strict=False), 1):
            if (name, n) not in SKIPPED:
                compare(o, t)
    stale = [r.pattern for r in KNOWN if not r.used]
    assert not stale, f"these known differences no longer occur: remove them: {stale}"


# -- value texts, field by field ------------------------------------------------------------
# tshark's own tables, for the fields we declare (tshark -G fields / -G values): each
# boolean's words for true and false, and each value name.
VALUES = EXPECTED / "values.tsv"


def tshark_values() -> tuple[dict[str, tuple[str, str]], dict[str, dict[int, str]]]:
    """(boolean field -> (true text, false text), field -> {value: name})."""
    booleans: dict[str, tuple[str, str]] = {}
    names: dict[str, dict[int, str]] = {}
    for line in VALUES.read_text(encoding="utf-8").splitlines():
        kind, field, *rest = line.split("\t")
        if kind == "T":
            booleans[field] = (rest[0], rest[1])
        else:
            names.setdefault(field, {})[int(rest[0], 0)] = rest[1]
    return booleans, names


def test_booleans_say_what_wiresharks_say() -> None:
    """Each flag shows Wireshark's words for set and clear ("Message is a query")."""
    booleans, _names = tshark_values()
    wrong = {}
    for name, (yes, no) in booleans.items():
        spec = FIELDS[name]
        if (spec.show(True), spec.show(False)) != (yes, no):
            wrong[name] = f"{spec.show(True)!r}/{spec.show(False)!r}, tshark {yes!r}/{no!r}"
    assert not wrong, wrong


NAMES_NOT_COMPARED = {
    "tls.handshake.type": "tshark registers this name for SSLv2 too: its first table is SSLv2's",
}


def test_value_names_are_wiresharks() -> None:
    """A value both name is named alike ("Kind: No-Operation (1)")."""
    _booleans, names = tshark_values()
    wrong = {}
    for name, table in names.items():
        if name in NAMES_NOT_COMPARED:
            continue
        spec = FIELDS[name]
        ours = spec.names if isinstance(spec.names, dict) else {}
        for value, text in table.items():
            if value in ours and ours[value] != text:
                wrong[f"{name}={value}"] = f"{ours[value]!r}, tshark {text!r}"
    assert not wrong, wrong


def _write() -> None:
    """Regenerate the expectations (needs tshark; run by hand, never by the tests)."""
    EXPECTED.mkdir(exist_ok=True)
    for name, path in CAPTURES.items():
        res = subprocess.run(["tshark", "-r", str(path), *TSHARK_ARGS], capture_output=True,
                             text=True, check=True)  # fmt: skip
        (EXPECTED / f"{name}.txt").write_text(res.stdout, encoding="utf-8")
    _write_values()


def _write_values() -> None:
    """values.tsv: for our fields, tshark's boolean words (T field true false; a boolean
    without words of its own says True/False) and value names (V field value name)."""

    def tshark(what: str) -> list[list[str]]:
        res = subprocess.run(["tshark", "-G", what], capture_output=True, text=True, check=True)
        return [line.split("\t") for line in res.stdout.splitlines()]

    # frame.encap_type numbers Wireshark's encapsulations, not link types: not comparable
    ours = {n for n in FIELDS if not n.startswith("frame.")}
    booleans = {p[2] for p in tshark("fields") if p[0] == "F" and p[3] == "FT_BOOLEAN"}
    out, seen = [], set()
    for p in tshark("values"):
        if p[0] not in ("T", "V") or p[1] not in ours:
            continue
        key = (p[1],) if p[0] == "T" else (p[1], int(p[2], 0))
        if key in seen:
            continue  # a field registered twice (or a table listed twice): the first counts
        seen.add(key)
        out.append("\t".join(p))
    told = {k[0] for k in seen if len(k) == 1}
    out += [f"T\t{n}\tTrue\tFalse" for n in sorted(ours & booleans - told)]
    VALUES.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__" and "--write" in sys.argv:
    _write()


def test_kept_tree_lines_follow_the_value() -> None:
    """-V keeps each field's whole line (indent, bit pattern, text) per value, and a bit
    field's per raw word: a decoder may give a bit field a value other than its bits',
    and the line must still show the value the field holds."""
    from dissect.engine import field_text

    demo = Path(__file__).resolve().parent.parent / "captures" / "http-get.pcap"
    with open_capture(demo) as idx:
        rec = next(iter(idx))
    pkt = decode(rec.data, rec.linktype)
    flag = next(f for f in pkt.layer("tcp").walk() if f.name == "tcp.flags.ack")
    first = tree_rows(pkt, False)
    assert " " * 8 + field_text(pkt.data, flag) in first  # depth 2, kept from now on
    flag.value = not flag.value
    again = tree_rows(pkt, False)
    assert again != first and " " * 8 + field_text(pkt.data, flag) in again
