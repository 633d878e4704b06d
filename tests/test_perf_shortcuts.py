"""Shortcuts taken for speed give the answers of the slow paths they skip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.patterns import automaton as fa
from certkit.patterns import language as patterns

LIMIT = 10 * fa.DEFAULT_DETERMINIZE_WORK_LIMIT


@settings(max_examples=300, deadline=None)
@given(prefix=st.text("ab.", max_size=40), tail=st.text("ab.", max_size=60), star=st.booleans())
def test_one_star_wildcards_stay_within_the_kmp_bound(prefix: str, tail: str, star: bool) -> None:
    tokens = patterns._wildcard_tokens(prefix + ("*" if star else "") + tail)
    assert patterns._below_effort_limit(tokens)
    n = len(tokens)
    assert patterns._wildcard_effort(tokens) <= (n + 2) * (n + 1)


def test_longest_simple_wildcards_are_below_the_limit() -> None:
    n = patterns._SIMPLE_WILDCARD_TOKENS
    for text in ("*" + "a" * (n - 1), "*" + "ab" * ((n - 1) // 2), "a" * (n // 2) + "*" + "a" * (n // 2 - 1),
                 "*" + ("a" * 7 + "b") * ((n - 1) // 8), "a" * (n - 1) + "*"):
        tokens = patterns._wildcard_tokens(text)
        assert patterns._below_effort_limit(tokens)
        assert patterns._wildcard_effort(tokens) < LIMIT


def test_shortcut_is_not_taken_for_other_shapes() -> None:
    for text in ("*a*", "?a", "*" + "a" * 300):
        assert not patterns._below_effort_limit(patterns._wildcard_tokens(text))
