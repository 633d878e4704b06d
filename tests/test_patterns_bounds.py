"""Hostile patterns and trust files: one PatternError each, bounded work and memory.

Work is counted in Python calls or automaton sizes (tests/work_support.py), memory with
tracemalloc, never in seconds: scripts/bench_patterns.py --hostile times the same inputs.
The hypothesis test draws from the whole Lucene RegExp grammar as Elasticsearch enables it
(RegExp.ALL | DEPRECATED_COMPLEMENT: ``~ & <n-m> <name> @ # "…"`` and classes) and asserts
that nothing but PatternError ever escapes the pattern module, for every Lucene version.
"""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certkit.audit.lint import MAX_SUBSUMPTION_CHECKS, lint_restrictions
from certkit.audit.trust_file import parse_restrictions
from certkit.patterns import PatternError, parse_pattern
from certkit.patterns import automaton as fa
from certkit.targets import es_target
from tests.conftest import assert_one_line_error
from tests.work_support import python_calls

VERSIONS = [es_target("9.1").lucene, es_target("9.0").lucene, es_target("8.19").lucene]

#: Peak memory any one hostile pattern may take (tracemalloc). Without the size budget
#: `/a*a*…a*/` took 2.6 GB and `/(a?){3000}a{3000}/` 1 GB.
MEMORY_BUDGET = 150_000_000


def _peak_memory(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _refused_or_accepted(pattern: str, lucene) -> None:
    try:
        parse_pattern(pattern, lucene)
    except PatternError:
        pass


# -- the whole grammar ------------------------------------------------------------
_ATOMS = st.sampled_from(
    [".", "#", "@", "()", '"a.b"', '""', "<1-10>", "<01-10>", "<10-1>", "<x>", "<->", "<1-x>", "\\d", "\\W",
     "\\s", "\\q", "\\.", "[abc]", "[^.]", "[a-z0-9]", "[]a]", "[\\]]", "[\\w.]", "[z-a]", "a", "b", "😀",
     "\ud83d", "\ude00", "~a", "[", "]", "(", ")", "{", "}", "|", "&", "~", "<", ">", '"', "\\", "-", "^"]
)
_QUANTIFIERS = st.sampled_from(["", "", "?", "*", "+", "{0,2}", "{2}", "{1,}", "{3,1}", "{", "{a}", "{2,x}",
                                "{99999999999}"])


def _regex(depth: int) -> st.SearchStrategy[str]:
    base = st.builds(lambda a, q: a + q, _ATOMS, _QUANTIFIERS)
    if depth == 0:
        return base
    inner = _regex(depth - 1)
    return st.one_of(
        base,
        st.builds(lambda a, b: a + b, inner, inner),
        st.builds(lambda a, b: a + "|" + b, inner, inner),
        st.builds(lambda a, b: a + "&" + b, inner, inner),
        st.builds(lambda a, q: "(" + a + ")" + q, inner, _QUANTIFIERS),
        st.builds(lambda a: "~" + a, inner),
    )


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regex=_regex(3), version=st.sampled_from(VERSIONS))
def test_only_pattern_errors_escape_for_any_regex(regex: str, version) -> None:
    _refused_or_accepted("/" + regex + "/", version)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("*?\\/a.😀\ud83d"), max_size=30))
def test_only_pattern_errors_escape_for_any_wildcard(text: str) -> None:
    for version in VERSIONS:
        _refused_or_accepted(text, version)


# -- hostile patterns ---------------------------------------------------------------
HOSTILE = [
    pytest.param("/" + "a*" * 5000 + "/", id="a-star-5000-times"),
    pytest.param("/(a?){3000}a{3000}/", id="optional-3000-then-3000"),
    pytest.param("/" + "x" * 300_000 + "/", id="300KB-literal"),
    pytest.param("/a" + "*" * 5000 + "/", id="5000-stacked-stars"),
    pytest.param("/" + "(" * 3000 + "a" + ")" * 3000 + "/", id="3000-nested-groups"),
    pytest.param("*?" * 3000, id="wildcard-star-any-3000-times"),
]


@pytest.mark.slow
@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_pattern_is_one_pattern_error_within_memory(pattern: str) -> None:
    for version in VERSIONS[:2]:
        def refuse(version=version) -> None:
            with pytest.raises(PatternError):
                parse_pattern(pattern, version)

        assert _peak_memory(refuse) < MEMORY_BUDGET


def test_automaton_size_is_budgeted_before_it_is_built() -> None:
    star = fa.repeat(fa.make_char(ord("a")))
    # 5,000 a* in a row: each accept state would get the initial transitions of every
    # later operand (Lucene's chained virtual epsilons), 12.5 million transitions.
    assert fa._chained_transitions([star] * 5000) > fa.MAX_AUTOMATON_TRANSITIONS
    work = python_calls(lambda: pytest.raises(fa.AutomatonTooLarge, fa.concatenate, [star] * 5000))
    assert work < 200_000  # counted, not built: about 10 calls per operand


@pytest.mark.parametrize("length", [2_000, 20_000])
def test_regex_literal_parses_in_linear_work(length: int) -> None:
    unique = f"/{length}:"  # parse_pattern caches by text: every text here is new
    short = python_calls(lambda: parse_pattern(unique + "ab" * (length // 20) + "/"))
    long = python_calls(lambda: parse_pattern(unique + "ab" * (length // 2) + "/"))
    assert long <= 20 * short, (short, long)  # ten times the text, at most twenty times the work


def test_regex_with_many_constructs_parses_in_linear_work() -> None:
    def parse(n: int) -> None:
        _refused_or_accepted("/" + "a.b[cd]" * n + "/", VERSIONS[0])

    short, long = python_calls(lambda: parse(100)), python_calls(lambda: parse(1000))
    assert long <= 20 * short, (short, long)


# -- lint -----------------------------------------------------------------------------
def _trust(patterns: list[str]) -> bytes:
    import json

    return json.dumps({"trust.subject_name": patterns}).encode()


def _lint_work(patterns: list[str]) -> int:
    restrictions = parse_restrictions(_trust(patterns), "t.json")
    return python_calls(lambda: lint_restrictions(restrictions))


def _cloud(n: int) -> list[str]:
    return [f"*.node.{i:016x}.cluster.{i * 7919 % 100_000}.account" for i in range(n)]


@pytest.mark.slow
def test_lint_of_cloud_wildcards_is_linear_not_quadratic() -> None:
    short, long = _lint_work(_cloud(100)), _lint_work(_cloud(1000))
    assert long <= 20 * short, (short, long)


@pytest.mark.slow
def test_lint_of_literal_names_is_linear_not_quadratic() -> None:
    def names(n: int) -> list[str]:
        return [f"node{i}.c{i % 97}.example" for i in range(n)] + ["node1*.c1.example"]

    short, long = _lint_work(names(300)), _lint_work(names(3000))
    assert long <= 20 * short, (short, long)


def test_lint_finds_the_subsumed_cloud_pattern_among_many() -> None:
    patterns = _cloud(300) + ["*.node.*.cluster.7919.account"]
    report = lint_restrictions(parse_restrictions(_trust(patterns), "t.json"))
    subsumed = [w.pattern for w in report.warnings if w.code == "subsumed"]
    assert subsumed == [_cloud(2)[1]]  # 7919 * 1 % 100000 == 7919
    assert not report.notes


def test_lint_caps_automaton_pair_checks_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("certkit.audit.lint.MAX_SUBSUMPTION_CHECKS", 3)
    patterns = [f"*{'a' * k}*" for k in range(1, 11)]  # each admits the witness of the next
    report = lint_restrictions(parse_restrictions(_trust(patterns), "t.json"))
    assert any("first 3 pairs" in note for note in report.notes)
    assert MAX_SUBSUMPTION_CHECKS == 10_000


def test_lint_of_a_300KB_regex_literal_is_one_error(cli, tmp_path) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(_trust(["/" + "x" * 300_000 + "/"]))
    assert_one_line_error(cli("restrictions", "lint", str(path)), "300002 characters")


@pytest.mark.slow  # seconds of work: the full suite runs it
def test_lint_of_a_300KB_wildcard_literal_is_linted(cli, tmp_path) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(_trust(["x" * 300_000, "y*"]))
    result = cli("restrictions", "lint", str(path))
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    assert "2 patterns" in result.stdout


@pytest.mark.slow  # seconds of work: the full suite runs it
def test_lint_es_version_decides_what_loads(cli, tmp_path) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(_trust(["/.*(bc|d).{12}/"]))
    assert cli("restrictions", "lint", str(path), "--es-version", "9.1").exit_code == 0
    assert_one_line_error(cli("restrictions", "lint", str(path), "--es-version", "9.0"),
                          "TooComplexToDeterminizeException")
    assert_one_line_error(cli("restrictions", "lint", str(path), "--es-version", "6.8"), "6.8")
