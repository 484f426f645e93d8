"""Field-by-field comparison of our decoding with tshark's expectations (golden files).

Each `tests/data/golden/<group>/<capture>.json` is tshark's decoding of the capture beside
it: per packet the layer list and, per field, value, byte position, length and bit mask.
`known_diffs.json` lists per capture the fields (and layer names) we do not decode like
tshark yet, each with the reason; everything else must agree exactly.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from pathlib import Path
from typing import Any

from dissect.oracle import capture_to_oracle

GOLDEN = Path(__file__).parent / "data" / "golden"
KNOWN_FILE = GOLDEN / "known_diffs.json"
PSEUDO_LAYERS = {"ethertype"}


def golden_captures() -> list[str]:
    out = []
    for exp in sorted(GOLDEN.rglob("*.json")):
        cap = exp.with_suffix("")
        if cap.exists() and exp.parent.name != "bad":
            out.append(str(cap.relative_to(GOLDEN)))
    return out


def load_known() -> dict[str, Any]:
    return json.loads(KNOWN_FILE.read_text()) if KNOWN_FILE.exists() else {}


def norm(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str):
        try:
            return ipaddress.ip_address(v).compressed
        except ValueError:
            return v.lower() if len(v) == 17 and v.count(":") == 5 else v
    return v


def occurrences(v: Any) -> list[dict[str, Any]]:
    if v is None:
        return []
    return [o if isinstance(o, dict) else {"value": o} for o in (v if isinstance(v, list) else [v])]


def layers(names: list[str] | None) -> list[str]:
    return [n for n in names or [] if n not in PSEUDO_LAYERS and not n.startswith("_ws.")]


def compare(rel: str) -> dict[str, Any]:
    """Checks made and disagreements, per field and for layer lists, for one capture."""
    exp = json.loads((GOLDEN / (rel + ".json")).read_text())
    act = capture_to_oracle(str(GOLDEN / rel), rel, exp.get("fields_tracked"))
    result: dict[str, Any] = {
        "checks": 0,
        "ok": 0,
        "fields": Counter(),
        "layers": Counter(),
        "examples": [],
    }
    if exp.get("rejected"):
        result["checks"] += 1
        result["ok"] += bool(act.get("rejected") or not act["packets"])
        return result
    got = {p["n"]: p for p in act["packets"]}
    for ep in exp["packets"]:
        ap = got.get(ep["n"], {"layers": [], "fields": {}})
        _compare_packet(ep, ap, result)
    return result


def _compare_packet(ep: dict[str, Any], ap: dict[str, Any], result: dict[str, Any]) -> None:
    el, al = layers(ep.get("layers")), layers(ap.get("layers"))
    result["checks"] += 1
    if el == al:
        result["ok"] += 1
    else:
        key = ",".join(sorted(set(el) ^ set(al))) or "order"
        result["layers"][key] += 1
        _example(result, f"#{ep['n']} layers {el} != {al}")
    afields = ap.get("fields") or {}
    for name, ev in (ep.get("fields") or {}).items():
        aocc = occurrences(afields.get(name))
        for i, e in enumerate(occurrences(ev)):
            a = aocc[i] if i < len(aocc) else None
            checks = 2 if e.get("pos") is not None else 1
            result["checks"] += checks
            good = 0
            if a is not None and norm(a.get("value")) == norm(e.get("value")):
                good += 1
            if checks == 2 and a is not None and _same_span(e, a):
                good += 1
            result["ok"] += good
            if good < checks:
                result["fields"][name] += 1
                _example(result, f"#{ep['n']} {name}[{i}] expected {e} got {a}")


def _same_span(e: dict[str, Any], a: dict[str, Any]) -> bool:
    if (a.get("pos"), a.get("len")) != (e.get("pos"), e.get("len")):
        return False
    return not (e.get("mask") and a.get("mask")) or int(e["mask"]) == int(a["mask"])


def _example(result: dict[str, Any], text: str) -> None:
    if len(result["examples"]) < 8:
        result["examples"].append(text)
