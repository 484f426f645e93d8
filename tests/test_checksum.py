"""The Internet checksum's big-integer fold and C word loop against the textbook word loop
(RFC 1071)."""

from __future__ import annotations

import sys
from array import array

from hypothesis import given
from hypothesis import strategies as st

from dissect.engine import _word_sum, inet_checksum, ones_sum, range_sum


def word_loop(data: bytes, start: int = 0) -> int:
    """RFC 1071 4.1: add 16-bit big-endian words, fold the carries back in."""
    if len(data) & 1:
        data += b"\0"
    words = array("H", data)
    if sys.byteorder == "little":
        words.byteswap()
    total = sum(words) + start
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


@given(st.binary(max_size=1600), st.integers(min_value=0, max_value=(1 << 20)))
def test_fold_equals_word_loop(data: bytes, start: int) -> None:
    assert ones_sum(data, start) == word_loop(data, start)


@given(st.binary(max_size=1600), st.integers(min_value=0, max_value=(1 << 20)))
def test_both_forms_agree(data: bytes, start: int) -> None:
    """The compiled core sums words in a C loop, pure Python folds one big integer: the
    same ones_sum either way (the word loop is called directly here, in either core)."""
    n = _word_sum(data, 0, len(data)) + start
    r = n % 0xFFFF
    assert (0xFFFF if r == 0 and n else r) == word_loop(data, start)
    assert ones_sum(memoryview(data), start) == ones_sum(data, start)  # memoryview: big int


@given(st.binary(max_size=300), st.integers(-5, 305), st.integers(-5, 305), st.integers(0, 1 << 20))
def test_range_sum_is_the_sum_of_the_slice(data: bytes, lo: int, hi: int, start: int) -> None:
    """The checksum of a range without copying it out; out-of-range bounds read nothing
    outside the bytes (the compiled loop reads through a pointer)."""
    if lo < 0:
        assert _word_sum(data, lo, hi) == _word_sum(data, 0, hi)
    assert range_sum(data, lo, hi, start) == word_loop(data[lo:hi], start)  # slice semantics


def test_edge_sums() -> None:
    assert ones_sum(b"") == 0
    assert ones_sum(b"\0\0\0") == 0
    assert ones_sum(b"\xff\xff") == 0xFFFF  # a non-zero sum never folds to 0
    assert ones_sum(b"\xff\xff\xff\xff") == 0xFFFF
    assert ones_sum(b"\x00\x01", 0xFFFE) == 0xFFFF
    assert ones_sum(b"\x01") == 0x0100  # odd byte padded on the right


def test_rfc1071_example() -> None:
    # RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (one's complement 220d).
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert ones_sum(data) == 0xDDF2
    assert inet_checksum(data) == 0x220D
