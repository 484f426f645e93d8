"""The test-side oracle for "nothing a terminal acts on reaches it": written from the
Unicode categories, independently of dissect.engine.unsafe_char, which it checks."""

from __future__ import annotations

import unicodedata

# Cc: C0, DEL, C1. Cf: bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width
# and tag characters. Cs: lone surrogates (undecodable file-name bytes). Zl, Zp: line and
# paragraph separators. Cn: unassigned.
UNSAFE_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp", "Cn"))


def first_unsafe(text: str, keep: str = "") -> str | None:
    """The first character of text a terminal could act on (those in keep aside), or None."""
    for ch in text:
        if ch not in keep and unicodedata.category(ch) in UNSAFE_CATEGORIES:
            return ch
    return None


def assert_inert_text(text: str, where: str = "", keep: str = "\n") -> None:
    ch = first_unsafe(text, keep)
    assert ch is None, f"{where}: {ch!r} (U+{ord(ch):04X}) in {text[:300]!r}"


def assert_inert_bytes(data: bytes, where: str = "") -> None:
    """Terminal bytes: valid UTF-8 (no stray byte such as a raw 8-bit CSI 0x9b), then no
    unsafe character in the text they encode."""
    assert_inert_text(data.decode("utf-8"), where, keep="\n\r")
