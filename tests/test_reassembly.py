"""One TCP direction put back in order (dissect/streams/reassembly.py)."""

from __future__ import annotations

from dissect.streams.reassembly import Direction, seq_diff

SYN = 0x002


def feed(d: Direction, *segments: tuple[int, int, bytes]) -> list[tuple[int, bytes]]:
    out = []
    for frame, seq, data in segments:
        out += [(c.frame, c.data) for c in d.segment(frame, seq, 0, data)]
    return out


def test_in_order_after_a_syn() -> None:
    d = Direction()
    assert d.segment(1, 100, SYN, b"") == []
    assert feed(d, (2, 101, b"abc"), (3, 104, b"def")) == [(2, b"abc"), (3, b"def")]


def test_out_of_order_is_put_back() -> None:
    d = Direction()
    d.segment(1, 100, SYN, b"")
    assert feed(d, (2, 104, b"def")) == []
    assert d.missing == 3
    assert feed(d, (3, 101, b"abc")) == [(3, b"abc"), (2, b"def")]
    assert d.missing == 0 and d.held == 0


def test_retransmission_is_not_repeated_and_overlap_keeps_first_copy() -> None:
    d = Direction()
    d.segment(1, 0, SYN, b"")
    assert feed(d, (2, 1, b"abcd"), (3, 1, b"abcd")) == [(2, b"abcd")]
    assert feed(d, (4, 3, b"XXef")) == [(4, b"ef")]  # "cd" was delivered: first copy wins
    assert d.conflicts == [4]  # ... and the other bytes are flagged
    assert feed(d, (5, 5, b"efgh")) == [(5, b"gh")]
    assert d.conflicts == [4]  # the same bytes again: no conflict


def test_gap_never_closed_holds_the_rest() -> None:
    d = Direction()
    d.segment(1, 0, SYN, b"")
    assert feed(d, (2, 1, b"ab"), (3, 10, b"zz")) == [(2, b"ab")]
    assert d.missing == 7


def test_sequence_wrap() -> None:
    d = Direction()
    d.segment(1, 0xFFFFFFFE, SYN, b"")
    assert feed(d, (2, 0xFFFFFFFF, b"ab"), (3, 1, b"cd")) == [(2, b"ab"), (3, b"cd")]
    assert seq_diff(1, 0xFFFFFFFF) == 2 and seq_diff(0xFFFFFFFF, 1) == -2


def test_snaplen_cut_segment_advances_by_its_wire_length() -> None:
    d = Direction()
    d.segment(1, 0, SYN, b"")
    assert [c.data for c in d.segment(2, 1, 0, b"ab", 10)] == [b"ab"]
    assert [c.data for c in d.segment(3, 11, 0, b"cd")] == [b"cd"]


def test_cap_bounds_what_waits_and_counts_the_rest() -> None:
    d = Direction(cap=4)
    d.segment(1, 0, SYN, b"")
    feed(d, (2, 100, b"abc"), (3, 200, b"defg"))
    assert d.held == 3 and d.dropped == 4
