"""`-z expert[,error|warn|note|chat][,FILTER]`: expert information by severity, then
(group, protocol, summary) with its frequency, in order of first appearance, as
tshark's tap-expert prints it.

Three sources, as tshark has them with its default preferences: the issues the decoders
raise (checksum ones left out: tshark verifies no checksum by default); the stream pass's
SEQ/ACK analysis (dissect/streams: the CLI annotates each packet when this report is
asked for, `needs_streams`); and the connection events tshark's TCP and HTTP dissectors
report as chats and notes (SYN, SYN+ACK, FIN, RST, which side closes first, each HTTP
request and status line), read here from the decoded layers.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from ..engine import Layer, Packet, safe_text, spec_for
from ..streams.analysis import FLAGS
from . import Statistic, StatsUsageError, filter_of, matches
from .conversations import StreamNumbers

LEVELS = ("chat", "note", "warn", "error")
LABELS = {"error": "Errors", "warn": "Warns", "note": "Notes", "chat": "Chats"}
GROUPS = {"malformed": "Malformed", "truncated": "Malformed", "checksum": "Checksum",
          "protocol": "Protocol", "sequence": "Sequence"}  # fmt: skip
MAX_ENTRIES = 100_000
SYN, ACK, FIN, RST = 0x002, 0x010, 0x001, 0x004
MAX_CLOSING = 1 << 20  # TCP streams whose first FIN is remembered (oldest forgotten)
Entry = tuple[str, str, str, str]  # severity, group, protocol, summary
RESET: Entry = ("warn", "Sequence", "TCP", "Connection reset (RST)")
# Said elsewhere by tshark (a frame field), or expected where it happens (a header an
# ICMP error quotes is cut short by design): not expert information.
NOT_EXPERT = frozenset(("frame.snaplen_cut", "tcp.quoted", "udp.quoted"))
RESENT = frozenset(("tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
                    "tcp.analysis.spurious_retransmission"))  # fmt: skip
# Of those, the segments whose payload tshark's taps never see: a spurious retransmission
# (marked a retransmission too) has its HTTP dissected and counted (arkime's
# http-100-continue)
UNDISSECTED = RESENT - {"tcp.analysis.spurious_retransmission"}
SPURIOUS = "tcp.analysis.spurious_retransmission"


class Expert(Statistic):
    title = "Expert Information"
    needs_streams = True  # the SEQ/ACK analysis issues come from the stream pass

    def __init__(self, minimum: str = "chat", flt_text: str = "", checksums: bool = False) -> None:
        super().__init__()
        self.minimum = LEVELS.index(minimum)
        self.flt_text, self.flt = flt_text, filter_of(flt_text)
        self.checksums = checksums  # the TUI shows them; tshark's defaults do not
        self.entries: dict[str, dict[tuple[str, str, str], int]] = {s: {} for s in LEVELS}
        self.first: dict[tuple[str, str, str], int] = {}  # entry -> its first packet's number
        # TCP streams numbered here when the stream pass gave a packet none (its closing
        # notes are per stream: tshark's, the pass's tcp.stream, when it is there)
        self.streams = StreamNumbers("tcp")
        self.closing: dict[int, int] = {}  # TCP stream -> the direction of its first FIN
        self.dns = DnsTransactions()

    def add(self, pkt: Packet) -> None:
        if not matches(self.flt, pkt, self.first_ns):
            return
        limit = pkt.ctx.column_layers or len(pkt.layers)
        resent = False
        for k, layer in enumerate(pkt.layers):
            name = layer.protocol.name
            if resent:  # tshark hands a retransmitted segment to no dissector above TCP
                break
            if name == "tcp" and k < limit:
                for entry in self._tcp_events(layer, pkt):
                    self.count(entry, pkt.number)
            resent = name == "tcp" and any(i.code in RESENT for i in layer.issues)
            for iss in layer.issues:
                if iss.code in NOT_EXPERT or iss.group == "checksum" and not self.checksums:
                    continue
                group = GROUPS.get(iss.group, iss.group.capitalize())
                self.count((iss.severity, group, expert_name(layer),
                            _summary(iss.code, iss.message, layer)), pkt.number)  # fmt: skip
            if name == "http" and k < limit:
                line = _first_line(pkt.data, layer)
                if line:
                    self.count(("chat", "Sequence", "HTTP", line), pkt.number)
            elif name == "ip" and k < limit:  # tshark's tap skips a quoted packet's notes
                entry = _ttl_note(layer)
                if entry is not None:
                    self.count(entry, pkt.number)
            elif name in DNS_LIKE and k < limit and not pkt.ctx.in_error:
                entry = self.dns.see(pkt, layer)
                if entry is not None:
                    self.count(entry, pkt.number)

    def add_segment(self, number: int, segment: tuple) -> None:
        """What add() counts of a TCP segment whose layers raise no issue (a quiet one,
        stats/silent.py), from its values (silent.Segment): its connection events, then
        the analysis issues `streams.annotate` raises for its stream pass row (a
        duplicate ACK's with its count)."""
        analysis, dup, flags, sport, dport, seq, addr, stream = segment
        for entry in self._events(flags, sport, dport, seq, addr, stream):
            self.count(entry, number)
        for bit, (name, severity) in FLAGS.items():
            if analysis & bit:
                self.count(_analysis_entry(name, severity, dup), number)

    def segment_counts(self, numbers: Any, analysis: Any, dup: Any, flags: Any, sport: Any,
                       dport: Any) -> list[tuple[int, int, Entry, int]]:  # fmt: skip
        """What add_segment would count of many quiet segments (numpy arrays, one item a
        segment) that have no FIN and whose SYN, if any, needs no stream numbered here
        (the pass gave it its tcp.stream): nothing of theirs depends on another packet.
        (first packet number, rank in that packet, entry, frequency) of each entry, rank
        the order add_segment counts a packet's entries in; `count` them in order of
        (number, rank) among the other packets' to count what add_segment would."""
        import numpy as np

        out: list[tuple[int, int, Entry, int]] = []

        def counted(rank: int, rows: Any, values: Any, entry_of: Callable[[int], Entry]) -> None:
            if not rows.any():
                return
            got, first, n = np.unique(values[rows], return_index=True, return_counts=True)
            at = numbers[rows][first]
            for value, number, k in zip(got.tolist(), at.tolist(), n.tolist(), strict=True):
                out.append((number, rank, entry_of(value), k))

        syn = flags & SYN != 0
        ack = flags & ACK != 0
        counted(0, syn & ack, sport, lambda port: _syn_chat(SYN | ACK, port, 0))
        counted(0, syn & ~ack, dport, lambda port: _syn_chat(SYN, 0, port))
        counted(1, flags & RST != 0, flags & 0, lambda _v: RESET)
        for rank, (bit, (name, severity)) in enumerate(FLAGS.items(), 2):
            rows = analysis & bit != 0
            if name != "tcp.analysis.duplicate_ack":
                dup_of = flags & 0
            else:
                dup_of = dup
            counted(rank, rows, dup_of,
                    lambda n, name=name, severity=severity: _analysis_entry(name, severity, n))  # fmt: skip
        return out

    def counted(self) -> tuple[dict[str, dict[tuple[str, str, str], int]], dict[tuple, int]]:
        """What `merge` needs of this expert: its entries and their first packets."""
        return self.entries, self.first

    def merge(self, parts: list[tuple[dict, dict]]) -> None:
        """Count the `counted()` of experts fed the packets of disjoint sets of
        conversations (every packet of a TCP stream or a DNS transaction in one of them,
        tui/stats/counting.py), as if this one had been fed them all in order: frequencies
        summed, each entry first where it first appeared in any, in that order (entries
        first seen in one packet in the order that packet's expert counted them)."""
        for sev in LEVELS:
            seen = [(first[key], p, k, key, n) for p, (entries, first) in enumerate(parts)
                    for k, (key, n) in enumerate(entries[sev].items())]  # fmt: skip
            table = self.entries[sev]
            for at, _p, _k, key, n in sorted(seen, key=lambda e: e[:3]):
                if key in table:
                    table[key] += n
                elif len(table) < MAX_ENTRIES:
                    table[key] = n
                else:
                    continue
                self.first[key] = min(self.first.get(key, at), at)

    def count(self, entry: Entry, number: int, times: int = 1) -> None:
        severity, group, proto, summary = entry
        if severity not in LABELS or LEVELS.index(severity) < self.minimum:
            return
        table = self.entries[severity]
        key = (group, proto, summary)
        if key in table or len(table) < MAX_ENTRIES:
            table[key] = table.get(key, 0) + times
            self.first.setdefault(key, number)

    def _tcp_events(self, layer: Layer, pkt: Packet) -> list[Entry]:
        """The connection events tshark's TCP dissector reports for this segment."""
        flags, sport, dport = (layer.value(n) for n in ("tcp.flags", "tcp.srcport", "tcp.dstport"))
        if flags is None or sport is None or dport is None:
            return []
        addr = _addresses(pkt, layer) if flags & (SYN | FIN) else None
        seq = layer.value("tcp.seq_raw") or 0
        return self._events(flags, sport, dport, seq, addr, layer.value("tcp.stream"))

    def _events(self, flags: int, sport: int, dport: int, seq: int,
                addr: tuple[str, str] | None, stream: int | None = None) -> list[Entry]:  # fmt: skip
        """The events of a segment from these values (`addr`: its IP addresses, needed
        for a SYN or FIN only; `stream`: its tcp.stream from the stream pass, None when
        the pass gave it none: then numbered here from the SYNs and FINs)."""
        out: list[Entry] = []
        if stream is None and addr is not None:  # a SYN may start a stream (port reuse)
            # apart from the pass's numbers (a capture past the conversation limit has both)
            stream = -1 - self.streams.see(addr[0], addr[1], sport, dport, flags, seq)
        if flags & SYN:
            out.append(_syn_chat(flags, sport, dport))
        if flags & FIN:
            out.append(("chat", "Sequence", "TCP", "Connection finish (FIN)"))
            if addr is not None and stream is not None:
                out += self._closing(stream, (addr[0], sport) <= (addr[1], dport))
        if flags & RST:
            out.append(RESET)
        return out

    def _closing(self, stream: int, side: bool) -> list[Entry]:
        """Every FIN of the side that closed first initiates the closing, every FIN of
        the other side undergoes it (tshark's notes); `side`: which end sent this one."""
        first = self.closing.get(stream)
        if first is None:
            if len(self.closing) >= MAX_CLOSING:
                self.closing.pop(next(iter(self.closing)))
            first = self.closing[stream] = int(side)
        how = "initiates" if first == int(side) else "undergoes"
        return [("note", "Sequence", "TCP", f"This frame {how} the connection closing")]

    def text(self) -> str:
        lines: list[str] = []
        for sev in reversed(LEVELS):
            table = self.entries[sev]
            if not table:
                continue
            lines += ["", f"{LABELS[sev]} ({sum(table.values())})", "============="]
            lines.append("   Frequency      Group           Protocol  Summary")
            for (group, proto, message), n in table.items():
                lines.append(f"{n:12d} {group:>10} {proto:>18}  {safe_text(message, 400)}")
        return "\n".join(lines) + "\n" if lines else ""

    def counts(self) -> dict[str, int]:
        return {sev: sum(t.values()) for sev, t in self.entries.items()}

    def as_dict(self) -> dict[str, Any]:
        items = [{"severity": sev, "group": g, "protocol": p, "summary": m, "frequency": n}
                 for sev in reversed(LEVELS) for (g, p, m), n in self.entries[sev].items()]  # fmt: skip
        return {"statistic": "expert", "filter": self.flt_text, "counts": self.counts(),
                "items": items}  # fmt: skip


# The protocol column of the expert table is the protocol's short name, which differs
# from the packet list's Protocol column for these.
EXPERT_NAMES = {"mdns": "mDNS"}
DNS_LIKE = frozenset(("dns", "mdns", "llmnr"))
RETRANSMISSION_SECONDS = 5  # tshark's dns.retransmission_timer: a repeat within it is one
ZONE_TRANSFERS = frozenset((251, 252))  # IXFR, AXFR: answered by several responses
MAX_TRANSACTIONS = 1 << 16  # DNS transactions remembered (the oldest forgotten)
DNS_RESENT = "retransmission"  # DnsTransactions.track's answer for a response sent again


def expert_name(layer: Layer) -> str:
    return EXPERT_NAMES.get(layer.protocol.name, layer.protocol.short)


class DnsTransactions:
    """tshark's DNS request and response retransmissions (packet-dns.c, as its one pass
    sees them): per conversation and transaction ID the latest request; a request again
    before any response and within 5 s of it is a retransmission, a second response to
    one request too (unless it asked for a zone transfer, which has several)."""

    def __init__(self) -> None:
        # (conversation, id) -> [request frame, request ns, response frame, several answers]
        self.latest: dict[tuple, list[Any]] = {}

    def see(self, pkt: Packet, layer: Layer) -> Entry | None:
        return self.track(pkt, layer)[0]

    def track(self, pkt: Packet, layer: Layer) -> tuple[Entry | None, Any]:
        """(the expert entry, if any; for a response, what tshark's DNS tap gets: the
        time since its transaction's request in ns, DNS_RESENT for a retransmission, None
        when unsolicited -- no request seen)."""
        key = _dns_key(pkt, layer)
        if key is None:
            return None, None
        t = self.latest.get(key)
        name, entry, answer = expert_name(layer), None, None
        if not layer.value("dns.flags.response"):
            if t is not None and t[2] == 0 and pkt.time_ns - t[1] < RETRANSMISSION_SECONDS * 10**9:
                entry = ("warn", "Protocol", name,
                         f"DNS query retransmission. Original request in frame {t[0]}")  # fmt: skip
            else:
                t = self._new(key, pkt)
        elif t is not None:
            answer = pkt.time_ns - t[1]
            if t[2] == 0:
                t[2] = pkt.number
            elif not t[3]:
                entry = ("warn", "Protocol", name,
                         f"DNS response retransmission. Original response in frame {t[2]}")  # fmt: skip
                answer = DNS_RESENT
        if t is not None and layer.value("dns.count.queries"):
            t[3] = any(f.value in ZONE_TRANSFERS for f in layer.all("dns.qry.type"))
        return entry, answer

    def _new(self, key: tuple, pkt: Packet) -> list[Any]:
        if len(self.latest) >= MAX_TRANSACTIONS and key not in self.latest:
            self.latest.pop(next(iter(self.latest)))
        self.latest.pop(key, None)  # the latest last: the oldest is forgotten first
        t = self.latest[key] = [pkt.number, pkt.time_ns, 0, False]
        return t


def _dns_key(pkt: Packet, layer: Layer) -> tuple | None:
    """(conversation, transaction ID): the conversation is Wireshark's, the addresses and
    ports of both ends whichever sent, over UDP or TCP."""
    dns_id = layer.value("dns.id")
    below = ip = under = None  # the last transport layer under it, the IP one under that
    for x in pkt.layers:
        if x is layer:
            break
        name = x.protocol.name
        if name in ("udp", "tcp"):
            below, under = x, ip
        elif name in ("ip", "ipv6"):
            ip = x
    if dns_id is None or below is None or under is None:
        return None
    kind, ip_kind = below.protocol.name, under.protocol.name
    ports = below.value(f"{kind}.srcport"), below.value(f"{kind}.dstport")
    s, d = under.value(f"{ip_kind}.src"), under.value(f"{ip_kind}.dst")
    if s is None or d is None or None in ports:
        return None
    addresses = (str(s), str(d))
    ends = sorted(((addresses[0], ports[0]), (addresses[1], ports[1])))
    return kind, *ends, dns_id


# TTLs tshark's IPv4 dissector expects for a destination in the Local Network Control
# Block (224.0.0.0/24): 1, except VRRP, GLBP and mDNS (255) and LLMNR (any, None).
LNCB_TTL: dict[int, int | None] = {0xE0000012: 255, 0xE0000066: 255, 0xE00000FB: 255,
                                   0xE00000FC: None}  # fmt: skip
NO_LOW_TTL_NOTE = frozenset((89, 103))  # OSPF and PIM: a low TTL is their normal
LOW_TTL = 5  # a TTL below this toward a unicast address has a note
LNCB = 0xE00000  # 224.0.0.0/24, the Local Network Control Block: an address >> 8


def _ttl_note(layer: Layer) -> Entry | None:
    """tshark's IPv4 TTL notes: a TTL other than the expected one toward the Local
    Network Control Block, or below 5 toward a unicast address."""
    ttl, dst, proto = (layer.value(n) for n in ("ip.ttl", "ip.dst", "ip.proto"))
    if ttl is None or dst is None:
        return None
    try:
        addr = int.from_bytes(socket.inet_aton(str(dst)), "big")  # ipaddress: 10x the time
    except OSError:
        return None
    if addr >> 8 == LNCB:
        want = LNCB_TTL.get(addr, 1)
        if want is None or ttl == want:
            return None
        return ("note", "Sequence", "IPv4", f'"Time To Live" != {want} for a packet sent to the '
                "Local Network Control Block (see RFC 3171)")  # fmt: skip
    if addr >> 28 != 0xE and ttl < LOW_TTL and proto not in NO_LOW_TTL_NOTE:
        return ("note", "Sequence", "IPv4", f'"Time To Live" only {ttl}')
    return None


def _syn_chat(flags: int, sport: int, dport: int) -> Entry:
    """tshark's chat for a SYN (the server's port: the sender's when it acknowledges)."""
    if flags & ACK:
        return ("chat", "Sequence", "TCP",
                f"Connection establish acknowledge (SYN+ACK): server port {sport}")  # fmt: skip
    return ("chat", "Sequence", "TCP", f"Connection establish request (SYN): server port {dport}")


def _analysis_entry(name: str, severity: str, dup: int) -> Entry:
    """A SEQ/ACK analysis issue's entry (a duplicate ACK's with its count, as _summary)."""
    label = spec_for(name).label
    if name == "tcp.analysis.duplicate_ack" and dup:
        label = f"{label} (#{dup})"
    return (severity, "Sequence", "TCP", label)


def _summary(code: str, message: str, layer: Layer) -> str:
    """tshark's summary: a duplicate ACK says which one it is."""
    if code == "tcp.analysis.duplicate_ack":
        n = layer.value("tcp.analysis.duplicate_ack_num")
        return f"{message} (#{n})" if n is not None else message
    return message


def _addresses(pkt: Packet, below: Layer) -> tuple[str, str] | None:
    """The addresses of the IP layer under a transport layer."""
    found = None
    for layer in pkt.layers:
        if layer is below:
            return found
        if layer.protocol.name in ("ip", "ipv6"):
            p = layer.protocol.name
            s, d = layer.value(f"{p}.src"), layer.value(f"{p}.dst")
            found = None if s is None or d is None else (str(s), str(d))
    return None


def _first_line(data: bytes, layer: Layer) -> str:
    """An HTTP request or status line as tshark's chat shows it ("\\r\\n" spelled out);
    empty for a layer that starts with neither (a continuation)."""
    if layer.value("http.request.method") is None and layer.value("http.response.code") is None:
        return ""
    end = data.find(b"\r\n", layer.pos, min(layer.payload_end, layer.pos + 8192))
    if end < 0:
        return ""
    return data[layer.pos : end].decode("latin-1") + "\\r\\n"


def parse(spec: str) -> Expert:
    parts = spec.split(",", 2)
    if parts[0] != "expert":
        raise StatsUsageError(f"-z {spec!r}: expected expert[,LEVEL][,FILTER]")
    level = parts[1] if len(parts) > 1 else ""
    if level in ("", *LEVELS):
        return Expert(level or "chat", parts[2] if len(parts) > 2 else "")
    return Expert("chat", ",".join(parts[1:]))  # no level: the rest is the filter
