"""Hostile patterns and names: matching never backtracks, never blows up.

Python's `re` takes exponential time on some of these (`(a|aa)*b` against a long run of
a's); certkit's automata take time linear in the name. The bounds are generous for a
noisy 2-core CI machine: the real cost is a few milliseconds.
"""

from __future__ import annotations

import time

import pytest

from certkit import _matcher
from certkit.patterns import PatternError, PatternSet, parse_pattern

LONG = 10_000
BOUND_SECONDS = 2.0


def H(pattern: str, long_match: str | None) -> object:  # noqa: N802 - a table row
    return pytest.param(pattern, long_match, id=pattern)

HOSTILE_NAMES = [
    "a" * LONG,
    "a" * (LONG - 1) + "b",
    "ab" * (LONG // 2),
    ("a." * (LONG // 2)),
    "".join(chr(0x41 + (i * 7919) % 2000) for i in range(LONG)),  # many distinct chars
]


@pytest.mark.parametrize(
    ("pattern", "long_match"),
    [
        H("/(a|aa)*b/", "a" * (LONG - 1) + "b"),
        H("/(a*)*b/", "a" * (LONG - 1) + "b"),
        H("/(.*a){20}/", "a" * LONG),
        H("/((a|b)*c)*d/", None),
        H("*a*a*a*a*a*a*b", "a" * (LONG - 1) + "b"),
        H("*?*?*?*?*?*?*?*?*?*?*?*?x", None),
        H("/(.*a.*){12}&(.*b){5}/", None),
        H("/~(.*a.{8})/", "b" * LONG),
        H("/[^.]+(\\.[^.]+)*/", "a" * LONG),
    ],
)
def test_hostile_pattern_against_long_names_is_fast(pattern: str, long_match: str | None) -> None:
    start = time.perf_counter()
    p = parse_pattern(pattern)
    ps = PatternSet([pattern, "*b", "/a+/"])
    for name in HOSTILE_NAMES:
        assert ps.admits(name) is bool(ps.matching(name))
        p.matches(name)
    if long_match is not None:
        assert p.matches(long_match)
    assert time.perf_counter() - start < BOUND_SECONDS


def test_thousand_hostile_wildcards_against_a_long_name_is_fast() -> None:
    patterns = ["*" + "*".join("a" * (i % 7 + 1)) + f"*{i}" for i in range(1000)]
    start = time.perf_counter()
    ps = PatternSet(patterns)
    ps.matching("a" * LONG)
    ps.matching("a" * LONG + "999")
    assert ps.matching("a" * 50 + "999") == [p for p in ps.patterns if p.matches("a" * 50 + "999")]
    assert time.perf_counter() - start < 4 * BOUND_SECONDS


def test_dfa_cache_is_capped_and_flushed_without_changing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_matcher, "MAX_CACHED_STATES", 50)
    # `*a` followed by `?`s: the DFA needs 2^k states, so the cache overflows constantly.
    patterns = ["*a????????", "*b*a", "/[ab]*b/"]
    ps = PatternSet(patterns)
    alone = [parse_pattern(p) for p in patterns]
    name = "".join("ab"[(i * i + i // 3) % 2] for i in range(2000))
    for cut in range(0, 2000, 97):
        prefix = name[:cut]
        assert ps.matching(prefix) == [p for p in alone if p.matches(prefix)]
    assert ps._matcher.cached_states <= 51


def test_too_complex_pattern_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(PatternError):
        parse_pattern("/(a|b)*a(a|b){40}/")
    with pytest.raises(PatternError):
        parse_pattern("*a" + "?" * 60)
    assert time.perf_counter() - start < BOUND_SECONDS
