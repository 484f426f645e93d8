#!/usr/bin/env python3
"""Rewrite tests/data/golden/known_diffs.json from the current disagreements.

Reasons already written are kept; new entries get the reason given with --reason (per
field prefix, e.g. --reason x509=certificates are not decoded) or "undecided" which the
reviewer must replace. Run after changing a decoder, then read the diff.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.goldenlib import KNOWN_FILE, compare, golden_captures, load_known  # noqa: E402


def reason_for(name: str, reasons: dict[str, str]) -> str:
    for prefix, text in reasons.items():
        if prefix in name:
            return text
    return "undecided"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reason", action="append", default=[], help="SUBSTRING=reason")
    a = ap.parse_args()
    reasons = dict(r.split("=", 1) for r in a.reason)
    old, new = load_known(), {}
    for rel in golden_captures():
        r = compare(rel)
        prev = old.get(rel, {})
        entry = {}
        if r["fields"]:
            pf = prev.get("fields", {})
            entry["fields"] = {f: pf.get(f) or reason_for(f, reasons) for f in sorted(r["fields"])}
        if r["layers"]:
            pl = prev.get("layers", {})
            entry["layers"] = {k: pl.get(k) or reason_for(k, reasons) for k in sorted(r["layers"])}
        if entry:
            new[rel] = entry
    KNOWN_FILE.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    print(f"{len(new)} captures with known differences written to {KNOWN_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
