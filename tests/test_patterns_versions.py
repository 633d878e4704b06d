"""Which patterns each Lucene version refuses, and the numbers in its "too complex" message.

No Lucene jar is available offline, so these expectations come from Lucene's and
Elasticsearch's own record, cited per row, not from running Lucene:

* apache/lucene PR 14207 (Lucene 10.2): ``Operations.union`` ends with
  ``mergeAcceptStatesWithNoTransition``; its test ``testMergeAcceptStatesWithNoTransition``
  (TestOperations.java) shows ``a|c`` with one accept state.
* apache/lucene PR 13714 / 13793 / 14193: ``repeat`` maps transition-less accept states to
  its start state, ``optional`` marks a start state nothing returns to as accepting,
  ``concatenate`` and bounded ``repeat`` end with ``removeDeadStates``.
* ``TooComplexToDeterminizeException(a, limit)`` reports ``a.getNumStates()`` and
  ``a.getNumTransitions()`` of the automaton handed to ``determinize``: the NFA
  ``RegExp.toAutomaton()`` built.
* The Elasticsearch 9.1+ verdicts and counts of the rows below are those reported against
  Elasticsearch itself in this repository's fidelity issue: ``/(a|b)*a(a|b){14}/`` is
  refused with 16 states and 16 transitions; ``/.*(bc|d).{12}/``, ``/.*b(.|>){12}/``,
  ``/.*a(<1-3>)*.{12}/`` are accepted and refused only from ``.{13}``. Lucene 10.1's (ES 9.0)
  construction gives certkit's earlier figures (48 states, 94 transitions).
"""

from __future__ import annotations

import pytest

from certkit.patterns import PatternError, PatternSet, compiling_for, parse_pattern
from certkit.targets import TARGETS, es_target

#: Refusing a pattern determinizes up to Lucene's work limit: a second or so each.
SLOW_REFUSAL = pytest.mark.slow

LUCENE_10_2 = es_target("9.1").lucene
LUCENE_10_1 = es_target("9.0").lucene
LUCENE_9 = es_target("8.19").lucene


def _reason(pattern: str, lucene) -> str | None:
    try:
        parse_pattern(pattern, lucene)
    except PatternError as exc:
        return exc.reason
    return None


def _too_complex(states: int, transitions: int) -> str:
    return (f"Determinizing automaton with {states} states and {transitions} transitions "
            "would require more than 10000 effort.")


ROWS_ACCEPTED_SINCE_10_2 = [
    ("/.*(bc|d).{12}/", "/.*(bc|d).{13}/"),
    ("/.*b(.|>){12}/", "/.*b(.|>){13}/"),
    ("/.*a(<1-3>)*.{12}/", "/.*a(<1-3>)*.{13}/"),
]


@SLOW_REFUSAL
@pytest.mark.parametrize("lucene", [LUCENE_10_2, es_target().lucene])
@pytest.mark.parametrize(("accepted", "refused"), ROWS_ACCEPTED_SINCE_10_2)
def test_lucene_10_2_accepts_up_to_twelve_and_refuses_from_thirteen(accepted: str, refused: str, lucene) -> None:
    assert _reason(accepted, lucene) is None
    assert "Determinizing automaton" in (_reason(refused, lucene) or "")


@SLOW_REFUSAL
@pytest.mark.parametrize("lucene", [LUCENE_10_1, LUCENE_9])
@pytest.mark.parametrize(("accepted", "refused"), ROWS_ACCEPTED_SINCE_10_2)
def test_earlier_lucene_refuses_twelve_already(accepted: str, refused: str, lucene) -> None:
    assert "Determinizing automaton" in (_reason(accepted, lucene) or "")
    assert "Determinizing automaton" in (_reason(refused, lucene) or "")


@SLOW_REFUSAL
@pytest.mark.parametrize(("lucene", "states", "transitions"),
                         [(LUCENE_10_2, 16, 16), (LUCENE_10_1, 48, 94), (LUCENE_9, 48, 94)])
def test_too_complex_message_counts_the_nfa_of_each_version(lucene, states: int, transitions: int) -> None:
    assert _reason("/(a|b)*a(a|b){14}/", lucene) == _too_complex(states, transitions)


@SLOW_REFUSAL
def test_every_target_line_compiles_with_its_lucene() -> None:
    for target in TARGETS:
        expected_refused = target.lucene < (10, 2)
        assert (_reason("/.*(bc|d).{12}/", target.lucene) is not None) is expected_refused, target


@SLOW_REFUSAL
def test_pattern_set_and_context_carry_the_version() -> None:
    with pytest.raises(PatternError):
        PatternSet(["/.*(bc|d).{12}/"], lucene=LUCENE_10_1)
    assert PatternSet(["/.*(bc|d).{12}/"], lucene=LUCENE_10_2).admits("xbc" + "z" * 12)
    with compiling_for(LUCENE_10_1), pytest.raises(PatternError):
        PatternSet(["/.*(bc|d).{12}/"])
    assert PatternSet(["/.*(bc|d).{12}/"]).lucene == es_target().lucene


@pytest.mark.parametrize("lucene", [LUCENE_10_2, LUCENE_10_1])
@pytest.mark.parametrize(("pattern", "admitted", "refused"), [
    ("/#{0,2}/", [""], ["a"]),
    ("/(#){0,3}b/", ["b"], ["", "bb"]),
    ("/(a&b){0,2}/", [""], ["a", "b"]),
    # Operations.repeat returns an automaton with no states unchanged ("Repeating the
    # empty automata will still only accept the empty automata"): #* is empty, not "".
    ("/(#)*b/", [], ["", "b"]),
    ("/(#)+b?/", [], ["", "b"]),
])
def test_bounded_repeat_of_the_empty_language(pattern: str, admitted: list[str], refused: list[str], lucene) -> None:
    # Lucene's addEpsilon to a state an empty operand never created copies nothing.
    p = parse_pattern(pattern, lucene)
    assert [name for name in admitted + refused if p.matches(name)] == admitted


@pytest.mark.parametrize("pattern", ["/(a|b)*c/", "/(ab|cd)?e{2,3}/", "/x(y|z)*(<1-20>|q)+/",
                                     "/[a-c]+(\\.[a-c]+)*/", "*.node.*.cluster.7.account"])
def test_the_versions_build_the_same_language(pattern: str) -> None:
    names = ["", "c", "abc", "ababc", "abee", "ee", "eee", "xyz7q", "xq", "x20", "a.b.c", "a..b",
             "i.node.x.cluster.7.account", "x.cluster.7.account"]
    verdicts = {lucene: [parse_pattern(pattern, lucene).matches(n) for n in names]
                for lucene in (LUCENE_10_2, LUCENE_10_1, LUCENE_9)}
    assert len({tuple(v) for v in verdicts.values()}) == 1, verdicts
