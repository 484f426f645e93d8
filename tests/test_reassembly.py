"""One TCP direction put back in order (dissect/streams/reassembly.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dissect.streams.defrag import MAX_GROUPS, MAX_HELD, Defragmenter, Piece
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


@given(
    st.binary(min_size=1, max_size=300),
    st.lists(st.integers(1, 40), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
    st.integers(0, (1 << 32) - 1),
)
def test_any_order_gives_the_stream_back(data: bytes, cuts: list[int], rnd, isn: int) -> None:  # noqa: ANN001
    """Segments that tile the stream, in any order, some twice: the bytes come out once,
    in order, whatever the initial number (wrap included)."""
    pieces, pos = [], 0
    for n in cuts:
        if pos >= len(data):
            break
        pieces.append((pos, data[pos : pos + n]))
        pos += n
    if pos < len(data):
        pieces.append((pos, data[pos:]))
    pieces += rnd.sample(pieces, k=min(3, len(pieces)))  # retransmissions
    rnd.shuffle(pieces)
    d = Direction()
    d.segment(0, isn, SYN, b"")
    out = b"".join(
        c.data for k, (off, piece) in enumerate(pieces)
        for c in d.segment(k + 1, (isn + 1 + off) % (1 << 32), 0, piece)
    )  # fmt: skip
    assert out == data and d.held == 0 and d.missing == 0


@given(st.lists(st.tuples(st.integers(0, (1 << 32) - 1), st.integers(0, 0xFFF),
                          st.binary(max_size=64), st.integers(0, 5000)), max_size=60))  # fmt: skip
def test_any_segments_never_raise_and_stay_bounded(segments) -> None:  # noqa: ANN001
    d = Direction(cap=256)
    for k, (seq, flags, data, seglen) in enumerate(segments):
        d.segment(k, seq, flags, data, seglen)
        assert d.held <= 256


# -- IPv4 defragmentation (dissect/streams/defrag.py) ----------------------------------------
def piece(offset: int, data: bytes, more: bool, ident: int = 1) -> Piece:
    return Piece("10.0.0.1", "10.0.0.2", ident, 17, offset, more, data)


def test_fragments_join_on_the_last_in_any_order() -> None:
    d = Defragmenter()
    assert d.add(0, piece(8, b"BBBBBBBB", True)) is None
    assert d.add(1, piece(16, b"CC", False)) is None  # the last, but a hole before it
    got = d.add(2, piece(0, b"AAAAAAAA", True))
    assert got is not None and got.payload == b"AAAAAAAABBBBBBBBCC"
    # listed in datagram order, as Wireshark lists them ("#3(8), #1(8), #2(2)")
    assert [p[0] for p in got.pieces] == [2, 0, 1] and not got.conflict and d.held == 0


def test_overlap_first_copy_wins_and_a_conflict_is_flagged() -> None:
    d = Defragmenter()
    d.add(0, piece(0, b"AAAAAAAAAAAAAAAA", True))
    got = d.add(1, piece(8, b"XXXXXXXXYY", False))  # teardrop: overlaps 8 bytes, other data
    assert got is not None and got.payload == b"AAAAAAAAAAAAAAAAYY" and got.conflict


def test_fragments_that_never_complete_stay_bounded() -> None:
    d = Defragmenter()
    for n in range(MAX_GROUPS * 3):
        d.add(n, piece(0, bytes(64), True, ident=n))
    assert d.held <= MAX_HELD and len(d._groups) <= MAX_GROUPS and d.refused >= MAX_GROUPS * 2


def test_past_65535_bytes_is_refused() -> None:
    d = Defragmenter()
    assert d.add(0, piece(65528, bytes(16), False)) is None and d.refused == 1
