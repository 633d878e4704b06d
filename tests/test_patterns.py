"""The trust pattern language, row by row (docs/reference.md §3, Automatons.java, Lucene RegExp).

Expectations come from reading Elasticsearch's Automatons.java and Lucene 10's RegExp,
Automata and Operations (the notes next to surprising rows say which line decides it).
"""

from __future__ import annotations

import pytest

from certkit.errors import InputError
from certkit.patterns.language import (
    Pattern,
    PatternError,
    PatternSet,
    accepts_everything,
    escape_wildcard,
    example_in_difference,
    is_empty,
    parse_pattern,
    subsumes,
)

EMOJI = "\U0001f600"  # one code point, two UTF-16 code units

# (pattern, name, matches?)
MATCH_TABLE: list[tuple[str, str, bool]] = [
    # --- docs/reference.md §3: `*` ----------------------------------------------------------
    ("*", "", True),
    ("*", "anything.at.all", True),
    ("*.cluster.1.account", "a.b.c.cluster.1.account", True),  # `*` crosses dots
    ("*.cluster.1.account", ".cluster.1.account", True),  # and may be empty
    ("*.cluster.1.account", "x.cluster.1.accounts", False),  # the whole name must match
    ("*.cluster.1.account", "x.cluster.1.account.evil", False),
    ("node*.example.internal", "node-7.example.internal", True),
    ("node*.example.internal", "xnode-7.example.internal", False),
    ("a*b*c", "abc", True),
    ("a*b*c", "aXbYbZc", True),
    ("a*b*c", "aXbYc.d", False),
    # --- `?` ------------------------------------------------------------------------
    ("?", "a", True),
    ("?", ".", True),  # a dot too
    ("?", "", False),
    ("?", "ab", False),
    ("a?c", "a.c", True),
    ("?*", "", False),
    ("?*", "x", True),
    ("?", EMOJI, True),  # one code point: CharacterRunAutomaton steps per code point
    ("??", EMOJI, False),
    # --- `\x` ------------------------------------------------------------------------
    ("t\\*st", "t*st", True),
    ("t\\*st", "test", False),
    ("t\\?st", "t?st", True),
    ("t\\?st", "test", False),
    ("a\\\\b", "a\\b", True),
    ("\\a\\b", "ab", True),  # any escaped character is itself
    ("ab\\", "ab\\", True),  # trailing backslash: a literal backslash
    ("ab\\", "ab", False),
    ("\\/x", "/x", True),  # an escaped leading slash is a wildcard, not a regex
    # --- case, literals ---------------------------------------------------------------
    # The empty wildcard is Lucene's concatenation of nothing: one non-accepting state.
    ("", "", False),
    ("", "a", False),
    ("Node1.example.com", "node1.example.com", False),
    ("node1.example.com", "node1.example.com", True),
    ("node1.example.com", "node1xexample.com", False),  # a dot is not a wildcard
    ("*.150.200", "10.10.150.200", True),  # (IP SANs are never read: not a pattern matter)
    # A wildcard is compiled per UTF-16 code unit, names are run per code point: a
    # literal non-BMP character in a wildcard can never match (Automatons.wildcard).
    (EMOJI, EMOJI, False),
    ("a" + EMOJI, "a" + EMOJI, False),
    # --- `/re/` whole-string Lucene RegExp ----------------------------------------------
    ("/node[0-9]+/", "node12", True),
    ("/node[0-9]+/", "node12.x", False),  # anchored at both ends
    ("/node[0-9]+/", "xnode12", False),
    ("//", "", True),  # the empty regex matches only the empty string
    ("//", "a", False),
    ("/a/b/", "a/b", True),  # inner slashes are ordinary characters
    ("/" + EMOJI + "/", EMOJI, True),  # a regex is parsed per code point
    ("/./", EMOJI, True),
    ("/../", EMOJI, False),
    # `.`
    ("/a.c/", "abc", True),
    ("/a.c/", "a.c", True),
    ("/a.c/", "ac", False),
    # union, grouping, precedence
    ("/ab|cd/", "ab", True),
    ("/ab|cd/", "cd", True),
    ("/ab|cd/", "abd", False),
    ("/a(b|c)d/", "acd", True),
    ("/a()b/", "ab", True),  # `()` is the empty string
    # repetition
    ("/a*/", "", True),
    ("/a*/", "aaa", True),
    ("/a+/", "", False),
    ("/a+/", "aa", True),
    ("/a?b/", "b", True),
    ("/a?b/", "ab", True),
    ("/a?b/", "aab", False),
    ("/a{3}/", "aaa", True),
    ("/a{3}/", "aa", False),
    ("/a{2,}/", "aaaaaa", True),
    ("/a{2,}/", "a", False),
    ("/a{1,2}/", "aa", True),
    ("/a{1,2}/", "aaa", False),
    ("/a{0,0}b/", "b", True),
    ("/(ab){2}/", "abab", True),
    ("/a**/", "aa", True),  # repeat operators stack
    # leading operators are literal characters (parseSimpleExp falls through to a char)
    ("/*/", "*", True),
    ("/+a/", "+a", True),
    ("/)/", ")", True),
    ("/|a/", "|a", True),
    # character classes
    ("/[abc]/", "b", True),
    ("/[abc]/", "d", False),
    ("/[a-c]x/", "bx", True),
    ("/[a-cx-z]/", "y", True),
    ("/[a-cx-z]/", "m", False),
    ("/[^.]+\\.node/", "abc.node", True),
    ("/[^.]+\\.node/", "a.b.node", False),
    ("/[^a]/", "", False),
    ("/[^a]/", EMOJI, True),  # negated classes cover every code point
    ("/[]a]/", "]", True),  # a leading `]` is a member, not the end
    ("/[]a]/", "a", True),
    ("/[\\]]/", "]", True),
    ("/[\\-a]/", "-", True),
    ("/[a\\-z]/", "m", False),  # escaped dash: not a range
    ("/[.]/", ".", True),
    ("/[.]/", "x", False),
    ("/[\\d]/", "7", True),
    ("/[\\\\]/", "\\", True),
    # predefined classes (Lucene's sets, ASCII only)
    ("/\\d+/", "0123456789", True),
    ("/\\d/", "a", False),
    ("/\\d/", "\u0663", False),  # ARABIC-INDIC DIGIT THREE is not in [0-9]
    ("/\\D/", "a", True),
    ("/\\D/", "5", False),
    ("/\\s/", " ", True),
    ("/\\s/", "\t", True),
    ("/\\s/", "\n", True),
    ("/\\s/", "\r", True),
    ("/\\s/", "\x0b", False),  # vertical tab: not in Lucene's [ \t\n\r]
    ("/\\S/", "x", True),
    ("/\\S/", " ", False),
    ("/\\w+/", "Az_09", True),
    ("/\\w/", "-", False),
    ("/\\w/", "\u00e9", False),
    ("/\\W/", "-", True),
    ("/\\W/", "_", False),
    # escapes
    ("/a\\.b/", "a.b", True),
    ("/a\\.b/", "axb", False),
    ("/\\\\/", "\\", True),
    ("/\\@/", "@", True),
    ("/\\\"/", '"', True),
    # `"…"` literal strings: reserved characters lose their meaning
    ('/"a.b*"/', "a.b*", True),
    ('/"a.b*"/', "axbb", False),
    ('/x"+"y/', "x+y", True),
    ('/""/', "", True),
    # `@` any string
    ("/@/", "", True),
    ("/@/", "any.thing", True),
    ("/a@/", "a.b", True),
    ("/a@/", "b", False),
    # `#` the empty language
    ("/#/", "", False),
    ("/#/", "#", False),
    ("/#|a/", "a", True),
    ("/\\#/", "#", True),
    # `~` complement (DEPRECATED_COMPLEMENT: the whole language)
    ("/~(a.*)/", "b", True),
    ("/~(a.*)/", "", True),
    ("/~(a.*)/", "abc", False),
    ("/~a/", "aa", True),
    ("/~a/", "a", False),
    ("/~~a/", "a", True),
    ("/~#/", "whatever", True),
    ("/[a-z]+&~(.*bad.*)/", "good", True),
    ("/[a-z]+&~(.*bad.*)/", "isbadx", False),
    # `&` intersection
    ("/a.*&.*b/", "ab", True),
    ("/a.*&.*b/", "axxb", True),
    ("/a.*&.*b/", "a", False),
    ("/a&b/", "a", False),
    ("/.{2}&[a-z]*/", "ab", True),
    ("/.{2}&[a-z]*/", "a1", False),
    ("/ab|a&b/", "ab", True),  # `&` binds tighter than `|`
    # `<n-m>` numeric intervals
    ("/<1-10>/", "1", True),
    ("/<1-10>/", "10", True),
    ("/<1-10>/", "11", False),
    ("/<1-10>/", "0", False),
    ("/<1-10>/", "007", True),  # different widths: any number of leading zeros
    ("/<1-10>/", "", False),
    ("/<0-10>/", "0", True),
    ("/<0-10>/", "000", True),
    ("/<01-10>/", "07", True),  # same width: exactly that many digits
    ("/<01-10>/", "7", False),
    ("/<01-10>/", "007", False),
    ("/<001-100>/", "050", True),
    ("/<001-100>/", "50", False),
    ("/<10-1>/", "5", True),  # bounds in either order
    ("/<5-5>/", "5", True),
    ("/<5-5>/", "05", False),
    ("/<0-9>/", "10", False),
    ("/<0-2147483647>/", "2147483647", True),
    ("/node<1-3>\\.example/", "node2.example", True),
    ("/node<1-3>\\.example/", "node4.example", False),
    ("/<1-10>x/", "10x", True),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), MATCH_TABLE)
def test_match_table(pattern: str, name: str, expected: bool) -> None:
    assert parse_pattern(pattern).matches(name) is expected
    # The one-automaton PatternSet must agree with the single pattern.
    assert PatternSet([pattern]).admits(name) is expected


SLASH_MESSAGE = (
    "invalid pattern [{}]. patterns starting with '/' indicate regular expression pattern "
    "and therefore must also end with '/'. other patterns (those that do not start with "
    "'/') will be treated as simple wildcard patterns"
)


@pytest.mark.parametrize("pattern", ["/", "/abc", "/node.*", "/a/b"])
def test_unclosed_regex_gives_elasticsearch_message(pattern: str) -> None:
    with pytest.raises(PatternError) as info:
        parse_pattern(pattern)
    assert info.value.message == SLASH_MESSAGE.format(pattern)
    assert info.value.pattern == pattern
    assert isinstance(info.value, InputError)
    assert "\n" not in info.value.message


# (pattern, Lucene's IllegalArgumentException message)
SYNTAX_ERRORS: list[tuple[str, str]] = [
    ("/a{/", "integer expected at position 2"),
    ("/a{,2}/", "integer expected at position 2"),
    ("/a{2/", "expected '}' at position 3"),
    ("/a{2,x}/", "expected '}' at position 4"),
    ("/a{3,2}/", "invalid repetition range(out of order): 3..2"),
    ("/a{99999999999}/", 'For input string: "99999999999"'),
    ("/[a/", "expected ']' at position 2"),
    ("/[z-a]/", "invalid range: from (122) cannot be > to (97)"),
    ("/[a-]/", "invalid range: from (97) cannot be > to (93)"),
    ("/[]/", "expected ']' at position 2"),
    ("/(a/", "expected ')' at position 2"),
    ("/a)/", "end-of-string expected at position 1"),
    ("/a|/", "unexpected end-of-string"),
    ("/a\\/", "unexpected end-of-string"),
    ('/"abc/', "expected '\"' at position 4"),
    ("/<1-5/", "expected '>' at position 4"),
    ("/<a-b>/", "interval syntax error at position 4"),
    ("/<1-2-3>/", "interval syntax error at position 6"),
    ("/<-5>/", "interval syntax error at position 3"),
    ("/<5->/", "interval syntax error at position 3"),
    ("/<1-99999999999>/", "interval syntax error at position 14"),
    ("/<node>/", "'node' not found"),  # named automata: Elasticsearch supplies none
    ("/\\q/", "invalid character class \\113"),  # Java appends the int code point
    ("/[\\n]/", "invalid character class \\110"),
    ("/~/", "unexpected end-of-string"),
    ("/" + EMOJI + "{/", "integer expected at position 3"),  # positions in UTF-16 units
]


@pytest.mark.parametrize(("pattern", "reason"), SYNTAX_ERRORS)
def test_lucene_syntax_errors(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError) as info:
        parse_pattern(pattern)
    assert info.value.reason == reason
    assert info.value.message.startswith(f"invalid pattern [{pattern}]: {reason}")
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    "pattern",
    [
        # 2^15 DFA states: Lucene gives up long before (effort limit 10 * 10,000)
        "/(a|b)*a(a|b){14}/",
        "/.*a.{16}/",
        "*a" + "?" * 20,  # wildcards are determinized with the same limit
        "/~(.*a.{16})/",  # the complement's own determinization hits the limit
    ],
)
def test_too_complex_to_determinize(pattern: str) -> None:
    with pytest.raises(PatternError) as info:
        parse_pattern(pattern)
    assert "would require more than 10000 effort" in info.value.reason
    assert info.value.reason.startswith("Determinizing automaton with ")
    assert "TooComplexToDeterminizeException" in info.value.message


@pytest.mark.parametrize("pattern", ["/(a|b)*a(a|b){4}/", "*a?????", "/(.*a){20}/"])
def test_moderately_complex_patterns_are_accepted(pattern: str) -> None:
    p = parse_pattern(pattern)
    assert p.kind == ("regex" if pattern.startswith("/") else "wildcard")
    assert not is_empty(p)


def test_repetition_too_large_for_memory_is_refused_not_attempted() -> None:
    with pytest.raises(PatternError) as info:
        parse_pattern("/a{100000000}/")
    assert "more than 250000 states" in info.value.message


def test_non_string_pattern_is_an_input_error() -> None:
    with pytest.raises(PatternError):
        parse_pattern(123)  # type: ignore[arg-type]


# --- Pattern objects -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "kind"),
    [("*", "all"), ("**", "wildcard"), ("a*", "wildcard"), ("abc", "wildcard"), ("/.*/", "regex")],
)
def test_kinds(pattern: str, kind: str) -> None:
    assert parse_pattern(pattern).kind == kind


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("node1.example.com", "node1.example.com"),
        ("t\\*st", "t*st"),
        ("ab\\", "ab\\"),
        ("", None),  # the empty wildcard matches nothing, not even ""
        ("//", ""),
        ("/abc/", "abc"),
        ('/"a.b"/', "a.b"),
        ("/<5-5>/", "5"),
        ("/(ab){2}/", "abab"),
        ("/[a]/", "a"),
        ("/" + EMOJI + "/", EMOJI),
        ("a*", None),
        ("a?", None),
        ("/a|b/", None),
        ("/#/", None),
        ("/a+/", None),
        (EMOJI, None),  # matches nothing (see the table above)
    ],
)
def test_literal_value(pattern: str, literal: str | None) -> None:
    p = parse_pattern(pattern)
    assert p.literal_value() == literal
    assert p.is_literal() is (literal is not None)
    if literal is not None:
        assert p.matches(literal)


def test_patterns_compare_by_text_and_are_hashable() -> None:
    assert parse_pattern("a*") == Pattern("a*", "wildcard", parse_pattern("a*")._dfa)
    assert len({parse_pattern("a*"), parse_pattern("a*"), parse_pattern("b*")}) == 2
    assert str(parse_pattern("x?")) == "x?"


@pytest.mark.parametrize(
    "text", ["plain.name", "a*b", "q?", "back\\slash", "/leading", "/both/", "", "*", EMOJI + ".x"]
)
def test_escape_wildcard_matches_exactly_the_text(text: str) -> None:
    p = parse_pattern(escape_wildcard(text))
    assert p.matches(text)
    assert p.literal_value() == text


# --- PatternSet ------------------------------------------------------------------------
CLOUD = [
    "*.node.aaaabbbbaaaabbbb.cluster.1053523734.account",
    "*.node.*.cluster.83988631.account",
    "node*.example.internal",
    "/[^.]+\\.node\\.[0-9a-f]{16}\\.cluster\\.83988631\\.account/",
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("n1.node.aaaabbbbaaaabbbb.cluster.1053523734.account", [0]),
        ("n1.node.cccc.cluster.83988631.account", [1]),
        ("n1.node.0123456789abcdef.cluster.83988631.account", [1, 3]),
        ("x.node.y.cluster.1.account.node.z.cluster.83988631.account", [1]),
        ("node7.example.internal", [2]),
        ("n1.node.aaaabbbbaaaabbbb.cluster.1053523735.account", []),
        ("", []),
    ],
)
def test_pattern_set_matching_in_file_order(name: str, expected: list[int]) -> None:
    ps = PatternSet(CLOUD)
    assert ps.matching(name) == [ps.patterns[i] for i in expected]
    assert ps.admits(name) is bool(expected)
    assert ps.first_match(name) == (ps.patterns[expected[0]] if expected else None)
    assert ps.matching(name) == [p for p in ps.patterns if p.matches(name)]


def test_pattern_set_accepts_parsed_patterns_duplicates_and_empty_list() -> None:
    ps = PatternSet([parse_pattern("a*"), "a*", "/a.*/"])
    assert [p.text for p in ps.matching("ab")] == ["a*", "a*", "/a.*/"]
    assert len(ps) == 3
    empty = PatternSet([])
    assert not empty.admits("") and empty.matching("x") == [] and empty.first_match("x") is None


def test_pattern_set_rejects_invalid_pattern_naming_it() -> None:
    with pytest.raises(PatternError) as info:
        PatternSet(["ok.*", "/broken"])
    assert info.value.pattern == "/broken"


def test_names_with_surrogates_are_read_as_java_reads_them() -> None:
    # A BMPString decoded with surrogatepass may leave a pair as two Python characters;
    # Java's codePointAt joins them, so `?` matches the pair as one character.
    split_pair = "\ud83d\ude00"
    assert parse_pattern("?").matches(split_pair)
    assert parse_pattern("??").matches("\ud83d") is False
    assert parse_pattern("?").matches("\ud83d")  # a lone surrogate is one code unit
    assert PatternSet(["?"]).admits(split_pair)


# --- language queries --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "everything"),
    [
        ("*", True),
        ("**", True),
        ("/.*/", True),
        ("/@/", True),
        ("/~#/", True),
        ("/(.|a)*/", True),
        ("/a*|~(a*)/", True),
        ("?*", False),  # not the empty name
        ("/.+/", False),
        ("*.account", False),
        ("/[^.]*/", False),
    ],
)
def test_accepts_everything(pattern: str, everything: bool) -> None:
    assert accepts_everything(parse_pattern(pattern)) is everything


@pytest.mark.parametrize(
    ("pattern", "empty"),
    [("/#/", True), ("/a&b/", True), ("/~@/", True), ("/[^\\d\\D]/", True), (EMOJI, True),
     ("//", False), ("a", False), ("*", False)],
)
def test_is_empty(pattern: str, empty: bool) -> None:
    assert is_empty(parse_pattern(pattern)) is empty


@pytest.mark.parametrize(
    ("general", "specific", "expected"),
    [
        ("*", "anything*", True),
        ("*.account", "*.node.*.cluster.1.account", True),
        ("*.node.*.cluster.1.account", "*.account", False),
        ("*.node.*.cluster.1.account", "/[^.]+\\.node\\.[^.]+\\.cluster\\.1\\.account/", True),
        ("/[^.]+\\.node\\.[^.]+\\.cluster\\.1\\.account/", "*.node.*.cluster.1.account", False),
        ("a?c", "abc", True),
        ("abc", "a?c", False),
        ("/<1-100>/", "/<10-20>/", True),
        ("/<10-20>/", "/<1-100>/", False),
        ("x", "/#/", True),  # the empty language is below everything
        ("a*", "a*", True),
    ],
)
def test_subsumes(general: str, specific: str, expected: bool) -> None:
    assert subsumes(parse_pattern(general), parse_pattern(specific)) is expected


def test_example_in_difference_explains_dot_crossing_star() -> None:
    loose = parse_pattern("*.node.*.cluster.83988631.account")
    tight = parse_pattern("/[^.]+\\.node\\.[^.]+\\.cluster\\.83988631\\.account/")
    witness = example_in_difference(loose, tight)
    assert witness is not None
    assert loose.matches(witness) and not tight.matches(witness)
    # Shortest: both stars empty.
    assert witness == ".node..cluster.83988631.account"
    assert example_in_difference(tight, loose) is None


def test_example_in_difference_prefers_readable_characters_and_respects_max_len() -> None:
    witness = example_in_difference(parse_pattern("?"), parse_pattern("/[a-w]/"))
    assert witness == "x"
    assert example_in_difference(parse_pattern("/a{10}/"), parse_pattern("/#/"), max_len=9) is None
    assert example_in_difference(parse_pattern("/a{10}/"), parse_pattern("/#/"), max_len=10) == "a" * 10
