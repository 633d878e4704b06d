"""certkit.io.block_yaml: where it reads a text, it reads what ``yaml.safe_load`` reads.

The oracle is PyYAML itself: documents are generated as *text* (keys, value tokens,
indentation, dashes and comments chosen at random, then damaged at random), and whenever
the fast reader answers, its answer must be PyYAML's, types included. The generator also
writes well-formed documents of the subset, which the reader must not leave to PyYAML,
so that the comparison is not vacuous.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.io.block_yaml import MAX_NESTING, NOT_PLAIN, read_block_yaml
from certkit.io.yamlio import load_yaml
from certkit.plan.instances import parse_instances


def same(ours, theirs) -> bool:
    """Equal values of equal types all the way down (``True == 1`` does not count)."""
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, dict):
        return list(ours) == list(theirs) and all(same(ours[key], theirs[key]) for key in ours)
    if isinstance(ours, list):
        return len(ours) == len(theirs) and all(same(a, b) for a, b in zip(ours, theirs, strict=True))
    return bool(ours == theirs)


def assert_reads_as_pyyaml(text: str) -> None:
    """The reader leaves ``text`` to PyYAML, or answers what PyYAML answers (and PyYAML,
    then, must read the text: a text it refuses is not one the reader may answer)."""
    ours = read_block_yaml(text)
    if ours is NOT_PLAIN:
        return
    try:
        theirs = yaml.safe_load(text)
    except yaml.YAMLError as error:
        pytest.fail(f"read a text PyYAML refuses: {text!r}: {error}")
    assert same(ours, theirs), (text, ours, theirs)


# --------------------------------------------------------------------------- generation

WORDS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
# Tokens YAML reads as other things than strings, or that only look plain.
TRAP_TOKENS = [
    "yes", "No", "TRUE", "off", "On", "null", "Null", "~", "y", "n", "1", "0x1F", "1_000", "1e3", "-1",
    ".inf", ".NaN", "2001-12-14", "1:20", "<<", "=", "*a", "&a x", "!!str x", "a #b", "a: b", "'it''s'",
    '"a\\tb"', '"a\\"', "- x", "[a]", "{a: b}", "|", ">", "@x", "`x", "%x", "?", "a,b", "10.0.0.1",
]
TRAPS = st.sampled_from(TRAP_TOKENS)
QUOTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
SUBSET_TOKENS = st.one_of(
    WORDS.filter(lambda word: word not in {"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false",
                                           "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null",
                                           "NULL"}),
    QUOTABLE.filter(lambda text: '"' not in text and "\\" not in text).map(lambda text: f'"{text}"'),
    QUOTABLE.filter(lambda text: "'" not in text).map(lambda text: f"'{text}'"),
)
# Mostly tokens of the subset, so that a document often holds a single trap.
ANY_TOKENS = st.one_of(SUBSET_TOKENS, SUBSET_TOKENS, SUBSET_TOKENS, TRAPS, WORDS, QUOTABLE,
                       st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6))

# A document is a tree of ("map", [(key, value)]), ("seq", [item]), ("scalar", token), ("null",).
def trees(tokens: st.SearchStrategy[str], keys: st.SearchStrategy[str]) -> st.SearchStrategy:
    scalars = st.one_of(tokens.map(lambda token: ("scalar", token)), st.just(("null",)))
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(st.tuples(keys, children), min_size=1, max_size=4).map(lambda pairs: ("map", pairs)),
            st.lists(st.one_of(scalars, st.lists(st.tuples(keys, children), min_size=1, max_size=3)
                               .map(lambda pairs: ("map", pairs))), min_size=1, max_size=4)
            .map(lambda items: ("seq", items)),
        ),
        max_leaves=12,
    ).filter(lambda tree: tree[0] in ("map", "seq"))


@st.composite
def rendered(draw, tree) -> str:
    """The tree as block YAML, with random (valid) indentation choices."""
    lines: list[str] = []

    def value_lines(node, indent: int, head: str) -> None:
        # ``head`` is "key:" (or "- key:") already indented; the value follows it
        kind = node[0]
        if kind == "scalar":
            lines.append(f"{head} {node[1]}")
        elif kind == "null":
            lines.append(head)
        else:
            lines.append(head)
            step = draw(st.integers(0 if kind == "seq" else 1, 4))
            block(node, indent + step)

    def block(node, indent: int) -> None:
        if node[0] == "map":
            for key, value in node[1]:
                value_lines(value, indent, " " * indent + f"{key}:")
        else:
            for item in node[1]:
                spaces = draw(st.integers(1, 3))
                if item[0] == "scalar":
                    lines.append(" " * indent + "-" + " " * spaces + item[1])
                elif item[0] == "null":
                    lines.append(" " * indent + "-")
                else:
                    column = indent + 1 + spaces
                    (first_key, first_value), *rest = item[1]
                    value_lines(first_value, column, " " * indent + "-" + " " * spaces + f"{first_key}:")
                    for key, value in rest:
                        value_lines(value, column, " " * column + f"{key}:")

    block(tree, draw(st.integers(0, 2)))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, " " * draw(st.integers(0, 6)) + "# " + draw(QUOTABLE))
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@st.composite
def damaged(draw, text: str) -> str:
    """``text`` with one line's indentation, end, or one character changed."""
    lines = text.split("\n")
    at = draw(st.integers(0, len(lines) - 1))
    line = lines[at]
    how = draw(st.sampled_from(["indent+", "indent-", "trailing", "tab", "cr", "char", "join", "dash"]))
    if how == "indent+":
        line = " " * draw(st.integers(1, 3)) + line
    elif how == "indent-":
        line = line[draw(st.integers(1, 3)):] if line.startswith(" ") else line
    elif how == "trailing":
        line += draw(st.sampled_from([" ", "  # c", " x", ":"]))
    elif how == "tab":
        line = "\t" + line
    elif how == "cr":
        line += "\r"
    elif how == "char" and line:
        position = draw(st.integers(0, len(line) - 1))
        line = line[:position] + draw(st.sampled_from(list("-:#'\"* &!|>?[]{},x0 "))) + line[position + 1:]
    elif how == "join" and at + 1 < len(lines):
        line += " " + lines.pop(at + 1).lstrip()
    elif how == "dash":
        line = "- " + line
    lines[at] = line
    return "\n".join(lines)


SUBSET_DOCUMENTS = trees(SUBSET_TOKENS, WORDS).flatmap(rendered)
ANY_DOCUMENTS = trees(ANY_TOKENS, st.one_of(WORDS, TRAPS)).flatmap(rendered)


# --------------------------------------------------------------------------- properties


# The generated documents take seconds (hypothesis draws them, PyYAML's pure-Python loader
# reads them): these are in the slow tier; the fixed near misses below are in the fast one.


@pytest.mark.slow
@settings(max_examples=600)
@given(SUBSET_DOCUMENTS)
def test_documents_of_the_subset_read_as_pyyaml_reads_them(text):
    assert_reads_as_pyyaml(text)


@pytest.mark.slow
@settings(max_examples=600)
@given(ANY_DOCUMENTS)
def test_documents_with_any_token_read_as_pyyaml_reads_them_or_go_to_pyyaml(text):
    assert_reads_as_pyyaml(text)


NEAR_MISSES = [
    "a: b\n  c: d\n",  # a deeper line after a value: a continuation for YAML
    "- a\n  - b\n",
    "a:\n    - x\n    b: y\n",  # a sequence that a key at its indentation does not end
    "- a:\n - b\n",
    "a: x\nb: y\n a: z\n",
    "a: x\n- b: c\n",  # a sequence item where the mapping's next key should be
    "a: \"x\u2028y\"\n",  # YAML 1.1 line breaks inside a quoted value
    "a: \"x\x85y\"\n",
    "a: \"x\ty\"\n",
    "a: \"\x07\"\n",  # a control character YAML refuses
    "a: x\r\nb: y\r\n",
    "a: x\nb: y\na: z\n",  # a repeated key: the last value, in the first key's place
    "- a:\n  - x\n  b: y\n",  # a sequence at its key's indentation, then the next key
    "key:   \n",  # trailing spaces after a key
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_read_as_pyyaml_reads_them_or_go_to_pyyaml(text):
    assert_reads_as_pyyaml(text)


@pytest.mark.slow
@settings(max_examples=1000)
@given(SUBSET_DOCUMENTS.flatmap(damaged))
def test_damaged_documents_read_as_pyyaml_reads_them_or_go_to_pyyaml(text):
    assert_reads_as_pyyaml(text)


@pytest.mark.slow
def test_well_formed_subset_documents_are_read_not_left_to_pyyaml():
    """The comparison above means something only if the reader answers: here it must."""
    answered = []

    @settings(max_examples=300, database=None)
    @given(SUBSET_DOCUMENTS)
    def count(text):
        answered.append(read_block_yaml(text) is not NOT_PLAIN)

    count()
    # Null sequence items ("-" alone) and lone values under a key are outside the subset
    # on purpose; everything else that the generator writes is inside.
    assert sum(answered) >= 0.5 * len(answered), f"{sum(answered)} of {len(answered)} read"


# --------------------------------------------------------------------------- the files certkit reads


def test_instances_generate_output_is_read_by_the_fast_reader(tmp_path):
    target = tmp_path / "instances.yml"
    subprocess.run([sys.executable, "-m", "certkit", "instances", "generate", "--cluster-id", "aaaabbbbaaaabbbb",
                    "--scope-id", "1053523734", "--nodes", "3", "--prefix", "node", "--dns-domain", "example.com", "--ip", "node2=192.0.2.2",
                    "--out", str(target)], check=True, capture_output=True)
    text = target.read_text()
    document = read_block_yaml(text)
    assert document is not NOT_PLAIN
    assert same(document, yaml.safe_load(text))
    assert [entry["name"] for entry in document["instances"]] == ["node1", "node2", "node3"]


CERTUTIL_EXAMPLE = """\
# elasticsearch-certutil's documented instances.yml, in its block form
instances:
  - name: "node1"
    ip:
      - "192.0.2.1"
    dns:
      - "node1.mydomain.com"
  - name: "node2"
    ip:
      - "192.0.2.2"
      - "198.51.100.1"
  - name: "node3"
  - name: "node4"
    dns:
      - "node4.mydomain.com"
      - "node4.internal"
  - name: "CN=node5,OU=IT,DC=mydomain,DC=com"
    filename: "node5"
"""


def test_certutils_example_is_read_and_gives_the_same_instances():
    assert read_block_yaml(CERTUTIL_EXAMPLE) is not NOT_PLAIN
    assert same(read_block_yaml(CERTUTIL_EXAMPLE), yaml.safe_load(CERTUTIL_EXAMPLE))
    instances = parse_instances(CERTUTIL_EXAMPLE, "instances.yml")
    assert [i.name for i in instances] == ["node1", "node2", "node3", "node4", "CN=node5,OU=IT,DC=mydomain,DC=com"]
    assert list(instances[1].ip) == ["192.0.2.2", "198.51.100.1"]


@pytest.mark.parametrize("trap", TRAP_TOKENS)
def test_each_trap_token_reads_as_pyyaml_reads_it(trap):
    for text in (f"a: {trap}\n", f"- {trap}\n", f"{trap}: x\n", f"- a: x\n  b: {trap}\n"):
        assert_reads_as_pyyaml(text)


@pytest.mark.parametrize("text", [
    "",  # no document: load_yaml answers None through PyYAML
    "# only a comment\n",
    "instances:\n  - name: yes\n",  # a boolean name: the error comes from the validation of PyYAML's value
    "instances:\n  - name: \"n\"\n\tdns: []\n",
    "a: &x b\nc: *x\n",
])
def test_texts_outside_the_subset_go_to_pyyaml(text):
    assert read_block_yaml(text) is NOT_PLAIN


def test_nesting_beyond_the_limit_goes_to_pyyaml():
    deep = "".join(" " * level + f"k{level}:\n" for level in range(MAX_NESTING + 2)) + " " * (MAX_NESTING + 2) + "v: x\n"
    assert read_block_yaml(deep) is NOT_PLAIN
    assert isinstance(load_yaml(deep, "deep.yml"), dict)  # PyYAML reads it (64 levels is load_yaml's limit)
