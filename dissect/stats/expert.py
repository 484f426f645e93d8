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

from typing import Any

from ..engine import Layer, Packet, safe_text
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
# Said elsewhere by tshark (a frame field), or expected where it happens (a header an
# ICMP error quotes is cut short by design): not expert information.
NOT_EXPERT = frozenset(("frame.snaplen_cut", "tcp.quoted", "udp.quoted"))
RESENT = frozenset(("tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
                    "tcp.analysis.spurious_retransmission"))  # fmt: skip


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
        self.streams = StreamNumbers("tcp")
        self.closing: dict[int, int] = {}  # TCP stream -> the direction of its first FIN

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
            layer.fields  # noqa: B018  (detail decoders add their issues when fields are built)
            resent = name == "tcp" and any(i.code in RESENT for i in layer.issues)
            for iss in layer.issues:
                if iss.code in NOT_EXPERT or iss.group == "checksum" and not self.checksums:
                    continue
                group = GROUPS.get(iss.group, iss.group.capitalize())
                self.count((iss.severity, group, layer.protocol.short,
                            _summary(iss.code, iss.message, layer)), pkt.number)  # fmt: skip
            if name == "http" and k < limit:
                line = _first_line(pkt.data, layer)
                if line:
                    self.count(("chat", "Sequence", "HTTP", line), pkt.number)

    def count(self, entry: Entry, number: int) -> None:
        severity, group, proto, summary = entry
        if severity not in LABELS or LEVELS.index(severity) < self.minimum:
            return
        table = self.entries[severity]
        key = (group, proto, summary)
        if key in table or len(table) < MAX_ENTRIES:
            table[key] = table.get(key, 0) + 1
            self.first.setdefault(key, number)

    def _tcp_events(self, layer: Layer, pkt: Packet) -> list[Entry]:
        """The connection events tshark's TCP dissector reports for this segment."""
        flags, sport, dport = (layer.value(n) for n in ("tcp.flags", "tcp.srcport", "tcp.dstport"))
        if flags is None or sport is None or dport is None:
            return []
        out: list[Entry] = []
        stream = -1
        addr = _addresses(pkt, layer) if flags & (SYN | FIN) else None
        if addr is not None:  # a SYN may start a stream (port reuse), a FIN closes one
            seq = layer.value("tcp.seq_raw") or 0
            stream = self.streams.see(addr[0], addr[1], sport, dport, flags, seq)
        if flags & SYN:
            out.append(("chat", "Sequence", "TCP", f"Connection establish acknowledge (SYN+ACK): "
                        f"server port {sport}" if flags & ACK else
                        f"Connection establish request (SYN): server port {dport}"))  # fmt: skip
        if flags & FIN:
            out.append(("chat", "Sequence", "TCP", "Connection finish (FIN)"))
            if addr is not None:
                out += self._closing(stream, (addr[0], sport) <= (addr[1], dport))
        if flags & RST:
            out.append(("warn", "Sequence", "TCP", "Connection reset (RST)"))
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
