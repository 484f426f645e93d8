"""Decode As: bind a protocol to a dispatch table key for this run, as tshark's `-d`.

    layerscope -r web.pcap -d tcp.port==8080,http2 -d udp.port==4789,vxlan

A rule is `<table>==<selector>,<protocol>`: the table is one of the dispatch tables the
protocols bind themselves into (tcp.port, udp.port, ethertype, ip.proto, ...), the
selector a number (decimal or 0x hex), a range `a-b` or a count `a:n` (tshark's forms), the
protocol a filter name (http2, dns, quic, ...). The rule replaces what the table holds for
those keys, so the ordinary lookup (the lower port first) finds it; removing it puts back
what was there. The TUI's "Decode As…" dialog (tui/decode_as.py) adds and removes rules
here. The tables are process-wide, so the rules hold for every decode in the process (the
CLI's forked workers inherit them).

The protocol may also be one of scapy's layers (`-d udp.port==1812,scapy.Radius`, or the
bare class name when no decoder of ours has it): our decoding then stops there with `data`
(the key is bound to it), and the scapy tail (scapy_tail.py) decodes those bytes as that
layer where one packet is looked at, as it does by scapy's own bindings.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from .engine import PROTOCOLS, TABLES, Protocol, _load

MAX_KEYS = 65536  # keys one rule may name (every port)
_RULE = re.compile(r"^\s*([a-z][a-z0-9_.]*)\s*==\s*([0-9a-fA-Fx:\-]+)\s*,\s*([A-Za-z0-9_.\-]+)\s*$")
SCAPY_PREFIX = "scapy."


def numeric(table: str) -> bool:
    """Whether a table is keyed by numbers (ports, types): the ones a rule can name
    (media types and upgrade tokens are not)."""
    keys = TABLES.get(table)
    return bool(keys) and all(type(k) is int for k in keys)


class DecodeAsError(ValueError):
    """A rule that cannot be applied: the message says why, for one error line."""


@dataclass(frozen=True)
class Rule:
    """One Decode As rule: these keys of this table decode as this protocol."""

    table: str
    first: int
    last: int
    protocol: str

    @property
    def keys(self) -> range:
        return range(self.first, self.last + 1)

    def __str__(self) -> str:
        sel = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{self.table}=={sel},{self.protocol}"


def _number(text: str, rule: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise DecodeAsError(f"Decode As {rule!r}: {text!r} is not a number") from None


def parse(text: str) -> Rule:
    """A rule from its text, checked against the tables and protocols that exist."""
    if not PROTOCOLS or len(PROTOCOLS) < 4:
        _load()
    m = _RULE.match(text)
    if m is None:
        raise DecodeAsError(f"Decode As {text!r}: expected TABLE==VALUE,PROTOCOL "
                            "(e.g. tcp.port==8080,http2)")  # fmt: skip
    table, sel, proto = m.groups()
    if not numeric(table):
        known = ", ".join(sorted(t for t in TABLES if numeric(t)))
        raise DecodeAsError(f"Decode As {text!r}: no table {table!r} (tables: {known})")
    if proto not in PROTOCOLS or proto == "frame":
        proto = _scapy_protocol(proto, text)
    if ":" in sel:
        a, n = sel.split(":", 1)
        first = _number(a, text)
        last = first + _number(n, text) - 1
    elif "-" in sel[1:]:
        a, b = sel.split("-", 1)
        first, last = _number(a, text), _number(b, text)
    else:
        first = last = _number(sel, text)
    if not 0 <= first <= last or last - first >= MAX_KEYS:
        raise DecodeAsError(f"Decode As {text!r}: {sel!r} is not a usable range of keys")
    return Rule(table, first, last, proto)


def _scapy_protocol(name: str, rule: str) -> str:
    """`scapy.<Layer>` for a scapy layer named so (with or without the prefix), else the
    error naming what is missing."""
    from . import scapy_tail

    layer = name[len(SCAPY_PREFIX) :] if name.startswith(SCAPY_PREFIX) else name
    if not scapy_tail.available():
        if name.startswith(SCAPY_PREFIX):
            raise DecodeAsError(f"Decode As {rule!r}: scapy is not installed "
                                "(pip install 'layerscope[scapy]')")  # fmt: skip
        raise DecodeAsError(f"Decode As {rule!r}: no protocol {name!r}")
    if scapy_tail.layer_class(layer) is None:
        raise DecodeAsError(f"Decode As {rule!r}: no protocol {name!r} here or in scapy")
    return SCAPY_PREFIX + layer


def scapy_layer(table: str, key: int) -> str | None:
    """The scapy layer a rule in force decodes this key as, or None."""
    for rule in reversed(RULES):
        if rule.table == table and rule.first <= key <= rule.last:
            name = rule.protocol
            return name[len(SCAPY_PREFIX) :] if name.startswith(SCAPY_PREFIX) else None
    return None


def _target(name: str) -> Protocol:
    """What a rule binds: the protocol, or data for a scapy layer (scapy decodes it later)."""
    return PROTOCOLS["data"] if name.startswith(SCAPY_PREFIX) else PROTOCOLS[name]


# -- the rules in force (a registry, like the tables it changes) -----------------------------------
RULES: list[Rule] = []
_SAVED: dict[tuple[str, int], Protocol | None] = {}  # what each overridden key held before


def add(rule: Rule) -> None:
    """Apply a rule; a later rule on the same keys wins."""
    table = TABLES[rule.table]
    proto = _target(rule.protocol)
    for key in rule.keys:
        _SAVED.setdefault((rule.table, key), table.get(key))
        table[key] = proto
    RULES.append(rule)
    _changed()


def remove(rule: Rule) -> None:
    """Take a rule back: its keys get what the rules left in force give them, else what
    the protocols bound there."""
    if rule not in RULES:
        return
    RULES.remove(rule)
    table = TABLES[rule.table]
    for key in rule.keys:
        later = [r for r in RULES if r.table == rule.table and key in r.keys]
        if later:
            table[key] = _target(later[-1].protocol)
            continue
        before = _SAVED.pop((rule.table, key), None)
        if before is None:
            table.pop(key, None)
        else:
            table[key] = before
    _changed()


def clear() -> None:
    for rule in list(reversed(RULES)):
        remove(rule)


def apply_all(texts: list[str] | None) -> None:
    """The command line's -d rules, in order (DecodeAsError on the first bad one)."""
    for text in texts or ():
        add(parse(text))


def _changed() -> None:
    """What was planned from the tables is planned again: the filters' protocol ranks and,
    when loaded, the bulk filter's plans."""
    from . import filter as display_filter

    display_filter._DEPTHS.clear()
    fast = sys.modules.get("dissect.fastfilter")
    if fast is not None:
        fast.refresh()
