"""Hostile patterns and names: matching never backtracks, never blows up.

Python's `re` takes exponential time on some of these (`(a|aa)*b` against a long run of
a's); certkit's automata take time linear in the name. Work is counted in function calls
(tests/work_support.py), never in seconds, so a loaded machine cannot fail these tests;
``scripts/bench_hostile.py`` times the same cases.
"""

from __future__ import annotations

import pytest

from certkit.patterns import matcher as _matcher
from certkit.patterns.language import PatternError, PatternSet, parse_pattern
from tests.work_support import python_calls

LONG = 10_000
#: Names ten times longer may cost at most this many times the work: linear, with room.
#: A backtracking matcher costs exponentially more, an automaton nothing more per state.
LINEAR_WORK_RATIO = 20
#: Refusing a pattern too complex to determinize stops at Lucene's work limit; without the
#: limit the subset construction of these patterns would build 2^40 states or more.
REFUSAL_CALL_BUDGET = 10_000_000


def H(pattern: str, long_match: str | None) -> object:  # noqa: N802 - a table row
    return pytest.param(pattern, long_match, id=pattern)

def hostile_names(length: int) -> list[str]:
    return [
        "a" * length,
        "a" * (length - 1) + "b",
        "ab" * (length // 2),
        ("a." * (length // 2)),
        "".join(chr(0x41 + (i * 7919) % 2000) for i in range(length)),  # many distinct chars
    ]


HOSTILE_NAMES = hostile_names(LONG)


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
def test_hostile_pattern_against_long_names_costs_linear_work(pattern: str, long_match: str | None) -> None:
    def match_all(names: list[str]) -> None:
        p = parse_pattern(pattern)
        ps = PatternSet([pattern, "*b", "/a+/"])
        for name in names:
            assert ps.admits(name) is bool(ps.matching(name))
            p.matches(name)
        if long_match is not None:
            assert p.matches(long_match)

    short_work = python_calls(lambda: match_all(hostile_names(LONG // 10)))
    long_work = python_calls(lambda: match_all(HOSTILE_NAMES))
    assert long_work <= LINEAR_WORK_RATIO * short_work, (short_work, long_work)


def test_thousand_hostile_wildcards_against_a_long_name_cost_linear_work() -> None:
    patterns = ["*" + "*".join("a" * (i % 7 + 1)) + f"*{i}" for i in range(1000)]
    ps = PatternSet(patterns)

    def match(length: int) -> None:
        ps.matching("a" * length)
        ps.matching("a" * length + "999")

    short_work = python_calls(lambda: match(LONG // 10))
    long_work = python_calls(lambda: match(LONG))
    assert long_work <= LINEAR_WORK_RATIO * short_work, (short_work, long_work)
    assert ps.matching("a" * 50 + "999") == [p for p in ps.patterns if p.matches("a" * 50 + "999")]


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


@pytest.mark.parametrize("pattern", ["/(a|b)*a(a|b){40}/", "*a" + "?" * 60])
def test_too_complex_pattern_is_refused_within_the_work_limit(pattern: str) -> None:
    def refuse() -> None:
        with pytest.raises(PatternError, match="TooComplexToDeterminize"):
            parse_pattern(pattern)

    assert python_calls(refuse) < REFUSAL_CALL_BUDGET
