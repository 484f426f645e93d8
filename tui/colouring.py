"""Colouring rules for the packet list, as Wireshark's View > Coloring Rules.

The rules live in a TOML file the user can edit (`rules_path()`; written with the defaults
below the first time the user asks to edit them). The first rule whose display filter
matches a packet colours its row; a packet no rule matches is tinted with its protocol's
declared colour, the same colour as its layer in the tree and the hex pane.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dissect.engine import Packet
from dissect.filter import Filter, FilterError, compile_filter

__all__ = ["ColourRule", "Colouring", "DEFAULT_RULES", "load_rules", "rules_path"]

log = logging.getLogger(__name__)

# Wireshark's default rules that matter most, first match wins. Colours are "#rrggbb";
# the list blends them with the theme's background, so they read on dark and light themes.
DEFAULT_RULES = """\
# layerscope colouring rules (the packet list), like Wireshark's View > Coloring Rules.
# The first rule whose display filter matches a packet colours its row; a packet that no
# rule matches is tinted with its protocol's colour (the one the tree and hex pane use).
# Each rule: name, filter (display-filter syntax), background and optional foreground
# ("#rrggbb"), optional bold. Delete this file to get the defaults back.

[[rule]]
name = "Malformed"
filter = "_ws.malformed"
background = "#a40000"
foreground = "#ffffff"
bold = true

[[rule]]
name = "Checksum errors"
filter = "_ws.expert.group == \\"checksum\\""
background = "#1a1a1a"
foreground = "#ff5f5f"
bold = true

[[rule]]
name = "TCP RST"
filter = "tcp.flags.reset == 1"
background = "#a40000"
foreground = "#fffc9c"

[[rule]]
name = "ICMP errors"
filter = "icmp.type in {3 4 5 11 12} or icmpv6.type in {1 2 3 4}"
background = "#121212"
foreground = "#b7f774"
bold = true

[[rule]]
name = "Truncated"
filter = "_ws.short"
background = "#5f4b00"
foreground = "#ffd75f"

[[rule]]
name = "TCP SYN/FIN"
filter = "tcp.flags.syn == 1 or tcp.flags.fin == 1"
background = "#a0a0a0"
"""

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True, slots=True)
class ColourRule:
    name: str
    filter: Filter
    background: str
    foreground: str = ""  # "" = the theme's text colour
    bold: bool = False


def rules_path() -> Path:
    """$XDG_CONFIG_HOME/layerscope/colouring.toml (~/.config when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "layerscope" / "colouring.toml"


def parse_rules(text: str) -> tuple[list[ColourRule], list[str]]:
    """Rules from TOML text, and one line per rule (or file) that could not be used."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"not TOML: {exc}"]
    rules: list[ColourRule] = []
    problems: list[str] = []
    raw = doc.get("rule", [])
    for n, item in enumerate(raw if isinstance(raw, list) else [], 1):
        try:
            rules.append(_rule(item))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"rule {n}: {exc}")
    return rules, problems


def _rule(item: object) -> ColourRule:
    if not isinstance(item, dict):
        raise TypeError("a rule is a table")
    name, text = str(item["name"]), str(item["filter"])
    bg, fg = str(item.get("background", "")), str(item.get("foreground", ""))
    for colour in (bg, fg):
        if colour and not COLOUR.fullmatch(colour):
            raise ValueError(f"{colour!r} is not #rrggbb")
    try:
        flt = compile_filter(text)
    except FilterError as exc:
        raise ValueError(f"filter column {exc.column}: {exc.message}") from None
    return ColourRule(name, flt, bg, fg, bool(item.get("bold", False)))


def load_rules(path: Path | None = None) -> tuple[list[ColourRule], list[str]]:
    """The user's rules, or the defaults when there is no file; problems say what was skipped."""
    path = path or rules_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = DEFAULT_RULES
    except (OSError, UnicodeDecodeError) as exc:
        rules, _ = parse_rules(DEFAULT_RULES)
        return rules, [f"{path}: {exc}; using the default rules"]
    rules, problems = parse_rules(text)
    return rules, [f"{path}: {p}" for p in problems]


def write_default_rules(path: Path | None = None) -> Path:
    """Create the rules file with the defaults (kept if it exists); returns its path."""
    path = path or rules_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_RULES, encoding="utf-8")
    return path


class Colouring:
    """The rules in force; `match` runs on list rows in the row-decoding worker."""

    def __init__(self, rules: list[ColourRule]) -> None:
        self.rules = rules

    def match(self, pkt: Packet, t0_ns: int = 0) -> int:
        """Index of the first rule the packet matches, -1 for none."""
        for i, rule in enumerate(self.rules):
            if rule.filter.match(pkt, t0_ns):
                return i
        return -1
