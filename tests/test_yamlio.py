"""certkit.io.yamlio: the YAML traps users actually hit, explained in one line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.errors import InputError
from certkit.io.yamlio import MAX_DEPTH, load_yaml
from tests.work_support import python_calls


def test_unquoted_star_pattern_is_explained():
    with pytest.raises(InputError) as caught:
        load_yaml("trust.subject_name:\n  - *.node.abc.cluster.1.account\n", "trust.yml")
    assert "line 2" in caught.value.message
    assert "alias" in caught.value.message and "*.node.abc" in caught.value.message
    assert "quote" in caught.value.hint


def test_quoted_star_pattern_loads():
    assert load_yaml('trust.subject_name: ["*.node.x.cluster.1.account"]', "t.yml") == {
        "trust.subject_name": ["*.node.x.cluster.1.account"]
    }


def test_alias_bomb_is_refused_before_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    with pytest.raises(InputError, match="aliases"):
        load_yaml(bomb, "bomb.yml")


def test_deep_nesting_is_refused():
    with pytest.raises(InputError, match="deeper"):
        load_yaml("[" * 5000 + "]" * 5000, "deep.yml")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [(b"\xff\xfe\x00a", "not UTF-8"), (b"a: 1\x00", "NUL"), ("a: [b", "invalid YAML")],
)
def test_malformed_inputs(data, fragment):
    with pytest.raises(InputError, match=fragment):
        load_yaml(data, "x.yml")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_input_either_loads_or_raises_certkit_error(data):
    try:
        load_yaml(data, "fuzz.yml")
    except InputError:
        pass


PLAIN_AND_TRAPPED = [
    ("instances:\n  - name: es01\n    ip: ['10.0.0.1']\n", None),
    ("a: &x 1\nb: *x\n", "aliases"),
    ("trust.subject_name:\n  - *.node.abc.cluster.1.account\n", "alias"),
    ("- " * 80 + "x\n", "deeper"),
    ("a: [b", "invalid YAML"),
    ("", None),
]


@pytest.mark.parametrize("with_libyaml", [True, False], ids=["libyaml", "pure-python"])
@pytest.mark.parametrize(("text", "refusal"), PLAIN_AND_TRAPPED)
def test_the_same_answer_with_and_without_libyaml(monkeypatch, with_libyaml, text, refusal):
    """Plain files are composed by libyaml when PyYAML has it, else by the pure-Python
    composer; either way an alias, deep nesting or a syntax error gets the explaining
    loader's message, and plain data loads the same."""
    import yaml

    if not with_libyaml:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml")
    if refusal is None:
        assert load_yaml(text, "x.yml") == yaml.safe_load(text)
    else:
        with pytest.raises(InputError, match=refusal):
            load_yaml(text, "x.yml")


@pytest.mark.parametrize("long_comment", [False, True], ids=["libyaml", "pure-python"])
@pytest.mark.parametrize("nest", [lambda d: "a: " + "[" * d + "]" * d + "\n", lambda d: "- " * d + "x\n"],
                         ids=["flow", "block"])
def test_the_depth_limit_is_the_same_on_both_parsers(long_comment, nest):
    # A 2,000-character line makes the text one that could nest deeply, which sends it
    # to the pure-Python parser (libyaml's recursion could crash on it).
    padding = "#" + "x" * 2000 + "\n" if long_comment else ""
    assert load_yaml(padding + nest(MAX_DEPTH), "f.yml") is not None
    with pytest.raises(InputError, match=f"f.yml nests deeper than {MAX_DEPTH} levels"):
        load_yaml(padding + nest(MAX_DEPTH + 1), "f.yml")


@pytest.mark.parametrize("text", ["a: " + "[" * 100_000 + "]" * 100_000 + "\n", "- " * 100_000 + "x\n"],
                         ids=["flow", "block"])
def test_deep_nesting_is_refused_without_scanning_it_all(text):
    # PyYAML's scanner does work proportional to the open flow levels on every token, and
    # reads the whole document ahead of the composer; a parse that went on to 100,000
    # levels took seconds (~80,000 calls for the flow case, millions in lint's alias scan).
    from certkit.io.yamlio import unquoted_aliases

    calls = python_calls(lambda: pytest.raises(InputError, load_yaml, text, "f.yml"))
    assert calls < 20_000, calls
    calls = python_calls(lambda: unquoted_aliases(text))
    assert calls < 20_000, calls
