"""The batch CLI's list row (output.row_line) and the helpers it leans on: it must print
exactly what summary_line(summarize(...)) prints, for every packet and any time origin."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dissect import engine, output
from dissect.engine import decode, ones_sum, pseudo_sum
from dissect.index import CaptureError, open_capture
from tests.inert import first_unsafe
from tests.test_compiled import capture_files


def _packets():
    for path in capture_files():
        try:
            idx = open_capture(str(path))
        except CaptureError:
            continue
        with idx:
            for r in idx:
                yield decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns,
                             wirelen=r.wirelen, interface=r.interface, comment=r.comment)  # fmt: skip


def test_row_line_is_summary_line_for_every_packet() -> None:
    n = 0
    for pkt in _packets():
        # relative (the CLI's), absolute (past the exact-integer range) and negative times
        for t0 in (pkt.time_ns - 1_234_567_891, 0, pkt.time_ns + 5_000_500):
            assert output.row_line(pkt, t0) == output.summary_line(output.summarize(pkt, t0))
        n += 1
    assert n > 1000


@given(st.integers(-engine.EXACT_NS + 1, engine.EXACT_NS - 1))
def test_seconds_is_the_float_format(d: int) -> None:
    assert engine._seconds(d) == "%.6f" % (d / 1e9)


@pytest.mark.parametrize("d", [0, 1, 499, 500, 501, 1_500, 2_500, -500, -1_500, 999_999_500])
def test_seconds_at_rounding_ties(d: int) -> None:
    assert engine._seconds(d) == "%.6f" % (d / 1e9)


def test_row_line_numbers_past_the_fast_path() -> None:
    pkt = decode(bytes(20), 101, number=1 << 70, time_ns=10**30, wirelen=1 << 65)
    assert output.row_line(pkt, 0) == output.summary_line(output.summarize(pkt, 0))


@given(st.binary(min_size=4, max_size=4))
def test_ipv4_text_is_inet_ntoa(b: bytes) -> None:
    assert engine.ipv4_str(b) == socket.inet_ntoa(b)
    assert engine.ipv4_str(b) == socket.inet_ntoa(b)  # the kept text


def test_ipv4_text_cache_is_bounded_and_takes_any_buffer() -> None:
    for i in range(engine.IPV4_TEXT_MAX + 10):
        engine.ipv4_str(i.to_bytes(4, "big"))
    assert len(engine._IPV4_TEXT) <= engine.IPV4_TEXT_MAX
    assert engine.ipv4_str(bytearray(b"\x0a\x00\x00\x01")) == "10.0.0.1"
    assert engine.ipv4_str(memoryview(b"\x7f\x00\x00\x01")) == "127.0.0.1"


@given(st.text(max_size=80))
def test_safe_text_leaves_no_control_character(s: str) -> None:
    out = engine.safe_text(s, 300)
    assert first_unsafe(out, keep="") is None
    if s.isprintable():
        assert out == s


def test_plain_ascii_fast_path() -> None:
    assert engine.safe_text("80 → 443 [SYN] Seq=0") == "80 → 443 [SYN] Seq=0"
    assert engine.safe_text("GET /\x1b[2J HTTP/1.1") == "GET /\\x1b[2J HTTP/1.1"
    assert engine.safe_text("a\x7fb") == "a\\x7fb"
    assert engine.safe_text("~ ok") == "~ ok"
    assert engine.safe_text("1 → 2 …") == "1 → 2 …"
    assert engine.safe_text("1 → \x1b[0m…") == "1 → \\x1b[0m…"


@given(
    st.sampled_from([4, 16]).flatmap(lambda n: st.tuples(st.binary(min_size=n, max_size=n),
                                                         st.binary(min_size=n, max_size=n))),
    st.integers(0, 255),
    st.integers(0, 0x1FFFF),
)  # fmt: skip
def test_pseudo_sum_is_the_sum_of_the_joined_header(addrs, proto: int, length: int) -> None:
    src, dst = addrs
    assert pseudo_sum(src, dst, proto, length) == ones_sum(
        src + dst, proto + (length & 0xFFFF) + (length >> 16)
    )
