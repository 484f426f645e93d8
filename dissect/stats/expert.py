"""`-z expert[,error|warn|note|chat][,FILTER]`: expert information by severity, then
(group, protocol, summary) with its frequency, in order of first appearance, as
tshark's tap-expert prints it."""

from __future__ import annotations

from typing import Any

from ..engine import Packet
from . import Statistic, StatsUsageError, filter_of, matches

LEVELS = ("chat", "note", "warn", "error")
LABELS = {"error": "Errors", "warn": "Warns", "note": "Notes", "chat": "Chats"}
GROUPS = {"malformed": "Malformed", "truncated": "Malformed", "checksum": "Checksum",
          "protocol": "Protocol", "sequence": "Sequence"}  # fmt: skip
MAX_ENTRIES = 100_000


class Expert(Statistic):
    title = "Expert Information"

    def __init__(self, minimum: str = "chat", flt_text: str = "") -> None:
        super().__init__()
        self.minimum = LEVELS.index(minimum)
        self.flt_text, self.flt = flt_text, filter_of(flt_text)
        self.entries: dict[str, dict[tuple[str, str, str], int]] = {s: {} for s in LEVELS}
        self.first: dict[tuple[str, str, str], int] = {}  # entry -> its first packet's number

    def add(self, pkt: Packet) -> None:
        if not matches(self.flt, pkt, self.first_ns):
            return
        for layer in pkt.layers:
            layer.fields  # noqa: B018  (detail decoders add their issues when fields are built)
            for iss in layer.issues:
                if iss.severity not in LABELS or LEVELS.index(iss.severity) < self.minimum:
                    continue
                table = self.entries[iss.severity]
                key = (GROUPS.get(iss.group, iss.group.capitalize()), layer.protocol.short,
                       iss.message)  # fmt: skip
                if key in table or len(table) < MAX_ENTRIES:
                    table[key] = table.get(key, 0) + 1
                    self.first.setdefault(key, pkt.number)

    def text(self) -> str:
        from ..engine import safe_text

        lines: list[str] = []
        for sev in reversed(LEVELS):
            table = self.entries[sev]
            if not table:
                continue
            lines += ["", f"{LABELS[sev]} ({sum(table.values())})", "============="]
            lines.append("   Frequency      Group           Protocol  Summary")
            for (group, proto, message), n in table.items():
                lines.append(f"{n:12d} {group:>10} {proto:>18}  {safe_text(message, 400)}")
        return "\n".join(lines) + "\n"

    def counts(self) -> dict[str, int]:
        return {sev: sum(t.values()) for sev, t in self.entries.items()}

    def as_dict(self) -> dict[str, Any]:
        items = [{"severity": sev, "group": g, "protocol": p, "summary": m, "frequency": n}
                 for sev in reversed(LEVELS) for (g, p, m), n in self.entries[sev].items()]  # fmt: skip
        return {"statistic": "expert", "filter": self.flt_text, "counts": self.counts(),
                "items": items}  # fmt: skip


def parse(spec: str) -> Expert:
    parts = spec.split(",", 2)
    if parts[0] != "expert":
        raise StatsUsageError(f"-z {spec!r}: expected expert[,LEVEL][,FILTER]")
    level = parts[1] if len(parts) > 1 else ""
    if level in ("", *LEVELS):
        return Expert(level or "chat", parts[2] if len(parts) > 2 else "")
    return Expert("chat", ",".join(parts[1:]))  # no level: the rest is the filter
