"""The TUI's decoding statistics counted in several processes, a share of the
conversations each, then merged (tui/stats/counting.py `decoding_parts`): the same
expert, HTTP requests and DNS queries as one process fed every displayed row in order,
on every capture of tests/data (the corpus-derived ones among them) and on random odd
TCP; every partial result on the way is a prefix's."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dissect.index import CaptureError
from dissect.readers.writer import PcapWriter
from tests.test_stats_silent import CAPTURES, _statistics, _tcp_frame, indexed
from tui.stats import counting
from tui.stats.counting import decoding_parts, feed_row, owned


@pytest.fixture
def small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans of a few rows, partial results every second one: merges on the way too."""
    monkeypatch.setattr(counting, "FIRST_SPAN", 16)
    monkeypatch.setattr(counting, "FORKED_SPAN", 48)
    monkeypatch.setattr(counting, "SEND_EVERY", 2)


def _both(path: Path, rows_of=None, own_pass: bool = False) -> int:  # noqa: ANN001
    """Assert the partitioned count equals the plain one (and each partial result the
    plain count of the rows it covers); the rows the second process counted."""
    with indexed(path) as opened:
        if opened is None:
            return 0
        source, index, table = opened
        rows = list(range(len(index))) if rows_of is None else rows_of(len(index))
        plain = _statistics()
        plain.set_first(index.time_ns(0))
        parts = _statistics()
        parts.set_first(index.time_ns(0))
        streams = None if own_pass else table
        fed = 0
        for done, got in decoding_parts(source, rows, parts, streams, 0, lambda: False, 2):
            for row in rows[fed:done]:
                feed_row(source, table, row, plain)
            fed = done
            if got is None:
                continue
            for mine, theirs in zip(got, plain.stats, strict=True):
                assert mine.text() == theirs.text(), (path.name, done)
                assert mine.as_dict() == theirs.as_dict(), (path.name, done)
            assert got[0].first == plain.stats[0].first, path.name
        assert fed == len(rows) and got is not None  # the last span's result came
        return len(owned(table, rows, 1, 2))


def test_partitioned_counting_equals_one_process_on_every_capture(small_spans: None) -> None:
    second = split = 0
    for path in CAPTURES:
        try:
            n = _both(path)
        except CaptureError:  # a capture made to be unreadable: nothing to count
            continue
        second, split = second + n, split + (n > 0)
    assert second > 1500 and split > 100  # the rows were shared out, not all in one


@pytest.mark.parametrize("seed", range(2))
def test_partitioned_counting_equals_one_process_on_odd_tcp(small_spans: None, seed: int,
                                                            tmp_path: Path) -> None:  # fmt: skip
    """Random TCP (stats/silent.py's test) over many conversations, counted from the
    processes' own stream passes, and over a filtered view (every third row)."""
    rnd = random.Random(seed)
    v4 = [bytes([10, 0, 0, k]) for k in range(1, 9)]
    flows = [(False, *rnd.sample(v4, 2), rnd.choice([80, 443, 5555]), rnd.randrange(30000, 30008))
             for _ in range(40)]  # fmt: skip
    state: dict = {}
    path = tmp_path / "odd-tcp.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(2000):
            w.write(_tcp_frame(rnd, rnd.choice(flows), state), i * 1000)
    assert 500 < _both(path, own_pass=True) < 1500
    assert 150 < _both(path, lambda n: list(range(0, n, 3))) < 500
