"""Golden test: our decoding of real captures agrees with tshark's, field by field.

Value, byte position, length and bit mask of every tracked field occurrence, and each
packet's layer list. Known differences are listed per capture in known_diffs.json with
their reason; a listed difference that disappears must be removed from the list.
"""

from __future__ import annotations

import pytest

from tests.goldenlib import compare, golden_captures, load_known

CAPTURES = golden_captures()
KNOWN = load_known()


def test_golden_set_is_large_enough():
    assert len(CAPTURES) >= 40


@pytest.mark.parametrize("rel", CAPTURES)
def test_capture_agrees_with_tshark(rel):
    r = compare(rel)
    known = KNOWN.get(rel, {})
    kf, kl = known.get("fields", {}), known.get("layers", {})
    unexpected = {f: n for f, n in r["fields"].items() if f not in kf}
    unexpected.update({f"layers:{k}": n for k, n in r["layers"].items() if k not in kl})
    assert not unexpected, f"disagreements {unexpected}; e.g. {r['examples']}"
    stale = [f for f in kf if f not in r["fields"]] + [k for k in kl if k not in r["layers"]]
    assert not stale, f"these now agree with tshark: remove them from known_diffs.json: {stale}"


def test_overall_agreement():
    checks = ok = 0
    for rel in CAPTURES:
        r = compare(rel)
        checks += r["checks"]
        ok += r["ok"]
    assert checks > 10_000
    assert ok / checks >= 0.99, f"overall agreement {100 * ok / checks:.2f}%"
