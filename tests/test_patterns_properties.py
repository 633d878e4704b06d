"""Property tests: certkit's automata against independent brute-force oracles."""

from __future__ import annotations

import functools
import itertools

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from certkit.patterns.language import (
    PatternSet,
    accepts_everything,
    escape_wildcard,
    example_in_difference,
    is_empty,
    parse_pattern,
    subsumes,
)

# slow: hypothesis checks the matcher against brute force over generated patterns; the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow

# Small alphabets make collisions (and so interesting matches) likely; they include
# every wildcard metacharacter and the dot that Cloud names are made of.
NAME_ALPHABET = "ab.*?\\"
PATTERN_ALPHABET = "ab.*?\\"

names = st.text(NAME_ALPHABET, max_size=8)
wildcards = st.text(PATTERN_ALPHABET, max_size=7).filter(lambda p: not p.startswith("/"))


def brute_force_wildcard(pattern: str, name: str) -> bool:
    """Elasticsearch's wildcard semantics, written independently as a recursive DP.

    `*` any run (dots included), `?` one character, `\\x` the character x, a trailing
    backslash itself, and the empty pattern matches nothing (Lucene's empty
    concatenation). BMP text only, where code units and code points coincide.
    """
    if pattern == "":
        return False
    tokens: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            tokens.append("=" + pattern[i + 1])
            i += 2
        elif pattern[i] in "*?":
            tokens.append(pattern[i])
            i += 1
        else:
            tokens.append("=" + pattern[i])
            i += 1

    @functools.cache
    def match(t: int, n: int) -> bool:
        if t == len(tokens):
            return n == len(name)
        token = tokens[t]
        if token == "*":
            return any(match(t + 1, k) for k in range(n, len(name) + 1))
        if n == len(name):
            return False
        if token == "?" or token[1] == name[n]:
            return match(t + 1, n + 1)
        return False

    return match(0, 0)


@settings(max_examples=400, deadline=None)
@given(wildcards, names)
def test_wildcards_agree_with_brute_force(pattern: str, name: str) -> None:
    expected = brute_force_wildcard(pattern, name)
    assert parse_pattern(pattern).matches(name) is expected
    assert PatternSet([pattern]).admits(name) is expected


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-16", exclude_characters="*?\\"), min_size=1), st.text(max_size=12))
def test_patterns_without_metacharacters_match_only_themselves(text: str, other: str) -> None:
    assume(not text.startswith("/"))
    assume(all(ord(ch) <= 0xFFFF for ch in text))  # non-BMP literals never match (ES)
    p = parse_pattern(text)
    assert p.matches(text)
    assert p.literal_value() == text
    assert p.matches(other) is (other == text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=16), st.text(max_size=4))
def test_escaped_text_matches_exactly_that_text(text: str, other: str) -> None:
    p = parse_pattern(escape_wildcard(text))
    assert p.matches(text)
    assert p.literal_value() == text
    assert p.matches(other) is (other == text)
    assert p.matches(text + other) is (other == "")


REGEX_POOL = [
    "/a*/",
    "/[^.]+\\.b/",
    "/(a|b)*\\.a/",
    "/~(.*\\*.*)/",
    "/.{2,3}&[ab]*/",
    "/<1-10>/",
    "/a@b/",
    "/#/",
    '/"a.b"/',
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(wildcards, st.sampled_from(REGEX_POOL)), max_size=12),
    st.lists(st.text(NAME_ALPHABET + "019", max_size=8), min_size=1, max_size=10),
)
def test_pattern_set_agrees_with_each_pattern_alone(patterns: list[str], sample: list[str]) -> None:
    ps = PatternSet(patterns)
    for name in sample:
        expected = [p for p in ps.patterns if p.matches(name)]
        assert ps.matching(name) == expected
        assert ps.admits(name) is bool(expected)
        assert ps.first_match(name) == (expected[0] if expected else None)


# The shapes the matcher answers from indexes, built from pieces that include the
# metacharacters (escaped and not), non-ASCII text and a non-BMP character, whose UTF-16
# surrogates must stay with the automaton.
_PIECE = st.lists(st.sampled_from(["a", "b", ".", "é", "\\*", "\\?", "\\\\", "\U0001F600"]), max_size=4).map("".join)
indexable_patterns = st.one_of(
    _PIECE,
    _PIECE.map(lambda text: "*" + text),
    _PIECE.map(lambda text: text + "*"),
    st.lists(_PIECE, min_size=2, max_size=4).map("*".join),  # star-only, checked directly
    st.just("*"),
    wildcards,
    st.sampled_from(REGEX_POOL),
).filter(lambda p: not p.startswith("/") or p in REGEX_POOL)
indexable_names = st.lists(st.sampled_from(["a", "b", ".", "é", "*", "?", "\\", "\U0001F600", "\ud83d", "\ude00"]),
                          max_size=7).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(indexable_patterns, max_size=10), st.lists(indexable_names, min_size=1, max_size=10))
def test_indexes_answer_what_the_automaton_answers(patterns: list[str], sample: list[str]) -> None:
    """The dict indexes for literal, *literal, literal* and * patterns are a shortcut
    only: every answer equals the one automaton holding all the patterns."""
    from certkit.patterns.language import _compile

    ps = PatternSet(patterns)
    reference = _compile(ps.patterns, index=False)
    for name in sample:
        assert ps._matcher.tags(name) == reference.tags(name), (patterns, name)
        # admits (the audit's question: any match?) stops at the first hit of the same scan.
        assert ps._matcher.admits(name) == ps.admits(name) == bool(reference.tags(name)) == reference.admits(name)


def test_a_crowded_index_key_leaves_its_patterns_to_the_automaton() -> None:
    """Forty star-only patterns ending in the same literal would be checked one by one
    for every name with that ending; past MAX_CHECKS_PER_KEY they go to the automaton,
    with the same answers."""
    from certkit.patterns.language import _compile
    from certkit.patterns.matcher import MAX_CHECKS_PER_KEY

    patterns = [f"*.n{i}.*.account" for i in range(40)] + ["*.account", "x.*.account"]
    ps = PatternSet(patterns)
    assert sum(len(globs) for _, table in ps._matcher._suffixes for _, globs in table.values()) <= MAX_CHECKS_PER_KEY
    reference = _compile(ps.patterns, index=False)
    for name in ["a.n7.b.account", "a.n17.n3.c.account", "x.n1.y.account", ".account", "n1.account", "a.n39..account"]:
        assert ps._matcher.tags(name) == reference.tags(name), name
        assert ps._matcher.admits(name) == bool(reference.tags(name)), name
        assert ps.matching(name) == [p for p in ps.patterns if brute_force_wildcard(p.text, name)]


def test_rare_key_lengths_leave_the_indexes_for_the_automaton() -> None:
    """A hundred suffix patterns of a hundred lengths would cost a hundred lookups per
    name; past MAX_INDEX_LENGTHS the rarest lengths go to the automaton, same answers."""
    from certkit.patterns.language import _compile
    from certkit.patterns.matcher import MAX_INDEX_LENGTHS

    patterns = ["*." + "a" * length for length in range(1, 101)] + ["*.b", "*.c", "x*", "xy*"]
    ps = PatternSet(patterns)
    assert len(ps._matcher._suffixes) + len(ps._matcher._prefixes) <= 2 * MAX_INDEX_LENGTHS
    assert len(ps._matcher._suffixes) <= MAX_INDEX_LENGTHS
    reference = _compile(ps.patterns, index=False)
    for name in ["n." + "a" * 7, "n." + "a" * 70, "n.b", "xy.aaa", "x.c", "." + "a" * 100, "n.a" + "a" * 100]:
        assert ps._matcher.tags(name) == reference.tags(name), name
        assert ps._matcher.admits(name) == bool(reference.tags(name)), name
        assert ps.matching(name) == [p for p in ps.patterns if brute_force_wildcard(p.text, name)]


@settings(max_examples=300, deadline=None)
@given(st.lists(indexable_patterns.filter(lambda p: not p.startswith("/")), max_size=8), names)
def test_indexed_wildcards_agree_with_brute_force(patterns: list[str], name: str) -> None:
    ps = PatternSet(patterns)
    expected = [p for p in ps.patterns if brute_force_wildcard(p.text, name)]
    if all(ord(ch) <= 0xFFFF for p in patterns for ch in p):  # the oracle is BMP-only
        assert ps.matching(name) == expected


SMALL = "a."


def all_names(max_len: int) -> list[str]:
    return ["".join(t) for n in range(max_len + 1) for t in itertools.product(SMALL, repeat=n)]


NAMES_UP_TO_6 = all_names(6)
small_patterns = st.one_of(
    st.text("a.*?", max_size=5).filter(lambda p: not p.startswith("/")),
    st.sampled_from(["/[^.]*/", "/a*\\.a*/", "/(a\\.)*a/", "/~(.*\\.\\..*)/", "/.{0,2}/", "/#/", "/@/"]),
)


@settings(max_examples=300, deadline=None)
@given(small_patterns, small_patterns)
@example(general="*.a*", specific=".?a")  # its shortest witness, '.xa', lies outside SMALL
def test_subsumes_and_difference_agree_with_brute_force(general: str, specific: str) -> None:
    g, s = parse_pattern(general), parse_pattern(specific)
    counterexamples = [n for n in NAMES_UP_TO_6 if s.matches(n) and not g.matches(n)]
    witness = example_in_difference(s, g, max_len=64)
    if subsumes(g, s):
        assert counterexamples == []
        assert witness is None
    else:
        # A refusal is always backed by a real counterexample...
        assert witness is not None
        assert s.matches(witness) and not g.matches(witness)
        # ...of minimal length: no shorter one exists.
        assert all(len(c) >= len(witness) for c in counterexamples)
        # The brute force sees only names over SMALL; a witness that needs another character
        # ('.xa' for '.?a' against '*.a*') has no counterpart there.
        if len(witness) <= 6 and set(witness) <= set(SMALL):
            assert witness in counterexamples


@settings(max_examples=200, deadline=None)
@given(small_patterns)
def test_emptiness_and_universality_agree_with_brute_force(pattern: str) -> None:
    p = parse_pattern(pattern)
    matched = [n for n in NAMES_UP_TO_6 if p.matches(n)]
    if is_empty(p):
        assert matched == []
    else:
        assert example_in_difference(p, parse_pattern("/#/")) is not None
    if accepts_everything(p):
        assert matched == NAMES_UP_TO_6


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 1200),
    st.integers(0, 1200),
    st.booleans(),
    st.integers(0, 1300),
    st.integers(0, 3),
)
def test_numeric_interval_semantics(low: int, high: int, pad: bool, value: int, zeros: int) -> None:
    """`<n-m>`: same-width bounds fix the width; otherwise any leading zeros."""
    smin, smax = str(low), str(high)
    if pad:
        width = max(len(smin), len(smax))
        smin, smax = smin.rjust(width, "0"), smax.rjust(width, "0")
    p = parse_pattern(f"/<{smin}-{smax}>/")
    lo, hi = min(low, high), max(low, high)
    candidate = "0" * zeros + str(value)
    if len(smin) == len(smax):
        expected = len(candidate) == len(smin) and lo <= value <= hi
    else:
        expected = lo <= value <= hi
    assert p.matches(candidate) is expected


@settings(max_examples=500, deadline=None)
@given(st.text("ab*?", max_size=14))
def test_wildcard_effort_shortcut_equals_lucene_determinize(pattern: str) -> None:
    """The position-based effort count equals the full subset construction's."""
    from certkit.patterns import automaton as fa
    from certkit.patterns import language as module
    tokens = module._wildcard_tokens(pattern)
    effort: list[int] = []
    fa.determinize(module._wildcard_automaton(tokens), 2**31 - 1, effort_out=effort)
    shortcut = module._wildcard_effort(tokens)
    limit = 10 * fa.DEFAULT_DETERMINIZE_WORK_LIMIT
    assert shortcut == effort[0] or (shortcut >= limit and effort[0] >= limit)
