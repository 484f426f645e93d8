"""Display filters from a grammar (bench/fuzz_filter.py), driven by hypothesis: every one
compiles or is rejected with a FilterError whose column is in the text and whose message
is one inert line, never another exception; each compiled one runs over the sample
captures record by record and vectorised without raising, and both select the same
packets. On RE2 and on the bounded fallback. The long run: `bench/fuzz.py filters`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_filter import FilterGrammar, Samples, check
from dissect import regex

ENGINES = ("re2", "bounded") if regex.re2 is not None else ("bounded",)
SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.fixture(scope="module")
def samples() -> Iterator[Samples]:
    s = Samples()
    yield s
    s.close()


def check_on_each_engine(text: str, samples: Samples) -> None:
    default = regex.ENGINE
    try:
        for engine in ENGINES:
            regex.ENGINE = engine
            check(text, samples)
    finally:
        regex.ENGINE = default


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(rng=st.randoms(use_true_random=False))
def test_grammar_filters_compile_or_fail_with_a_column(samples: Samples, rng) -> None:  # noqa: ANN001
    check_on_each_engine(FilterGrammar(rng).filter(), samples)


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(text=st.text(max_size=120))
def test_any_text_compiles_or_fails_with_a_column(samples: Samples, text: str) -> None:
    check_on_each_engine(text, samples)


def test_the_grammar_reaches_both_outcomes() -> None:
    """The generator is no use if everything it makes is rejected (or accepted)."""
    import random

    from dissect.filter import FilterError, compile_filter

    grammar, compiled = FilterGrammar(random.Random(7)), 0
    for _ in range(400):
        try:
            compile_filter(grammar.filter())
            compiled += 1
        except FilterError:
            pass
    assert 40 < compiled < 360
