"""The trust-restriction pattern language, exactly as Elasticsearch evaluates it.

Source of truth: x-pack ``Automatons.java`` (``pattern``/``wildcard``) and Lucene's
``RegExp``. Each pattern is compiled on its own; a name is admitted when ANY pattern
matches ALL of it. Case-sensitive, no implicit anchoring.

==========  =================================================================
``*``       any string, including the empty one and dots (alone: match all)
``?``       exactly one character (a dot too; one code point)
``\\x``      the literal character x; a trailing ``\\`` is a literal backslash
``/re/``    the whole name matches the Lucene regular expression ``re``
            (``.``, ``[a-z]``, ``[^.]``, ``{n,m}``, ``|``, ``(…)``, ``~`` complement,
            ``&`` intersection, ``<1-10>`` numeric interval, ``@`` any string,
            ``#`` nothing, ``"…"`` literal text, ``\\d \\s \\w`` and their negations)
==========  =================================================================

A pattern that starts with ``/`` but does not end with one (or is ``/`` alone) is an
error with Elasticsearch's own message; so is a Lucene syntax error, and a pattern whose
automaton Elasticsearch refuses to determinize (TooComplexToDeterminizeException).

Code points: Lucene runs names one code point at a time (surrogate pairs joined), while
a wildcard pattern is compiled one UTF-16 *code unit* at a time. So ``?`` matches one
emoji, but a wildcard containing a literal emoji (two surrogate units) matches no name at
all in Elasticsearch; certkit reproduces that (and ``/😀/`` works, as regexes are parsed
per code point). docs/patterns.md has the details and the compilation strategy.

(Over 400 lines: the public pattern API, wildcards and the per-Lucene-version compilation choices that every caller goes through.)
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from certkit.errors import InputError
from certkit.patterns import automaton as fa
from certkit.patterns import matcher as _matcher
from certkit.patterns import regexp as lre

# The public names are listed once, in certkit/patterns/__init__.py.

#: The Lucene version (major, minor) patterns are compiled for when no one says otherwise.
NEWEST_LUCENE: fa.Lucene = fa.NEWEST_LUCENE

# The Lucene version of the caller's context (see compiling_for), used when a call names none.
_CONTEXT_LUCENE: contextvars.ContextVar[fa.Lucene | None] = contextvars.ContextVar("lucene", default=None)


@contextlib.contextmanager
def compiling_for(lucene: tuple[int, int] | None) -> Iterator[None]:
    """Within the block, patterns compile with Lucene ``lucene``'s construction by default.

    For code that builds a :class:`PatternSet` on its caller's behalf (loading a trust
    file): ``with compiling_for(target.lucene): load_restrictions(path)``. None: the newest.
    """
    token = _CONTEXT_LUCENE.set(lucene)
    try:
        yield
    finally:
        _CONTEXT_LUCENE.reset(token)


def _lucene(lucene: tuple[int, int] | None) -> fa.Lucene:
    if lucene is not None:
        return (int(lucene[0]), int(lucene[1]))
    return _CONTEXT_LUCENE.get() or NEWEST_LUCENE

PatternKind = Literal["all", "wildcard", "regex"]

_WILDCARD_STRING = 0x2A  # '*'
_WILDCARD_CHAR = 0x3F  # '?'
_WILDCARD_ESCAPE = 0x5C  # '\\'


class PatternError(InputError):
    """A trust pattern Elasticsearch would refuse, with Elasticsearch's reason.

    ``pattern`` is the offending text; ``reason`` is the exception message Elasticsearch
    (or Lucene inside it) produces for it, verbatim.
    """

    def __init__(self, pattern: str, message: str, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.pattern = pattern
        self.reason = reason


@dataclass(frozen=True)
class Pattern:
    """One parsed trust pattern. Build it with :func:`parse_pattern`."""

    text: str
    kind: PatternKind
    # The deterministic automaton Elasticsearch ends up running (code-point alphabet);
    # for wildcards it is built on first use (see _wildcard_effort).
    _dfa: fa.Automaton | None = field(repr=False, compare=False)
    # Wildcard tokens (code units, STAR, ANY_CHAR), shared-prefix friendly for PatternSet.
    _tokens: tuple[int, ...] | None = field(repr=False, compare=False, default=None)
    _cache: dict[str, object] = field(repr=False, compare=False, default_factory=dict)
    #: The Lucene version (major, minor) whose construction judged the pattern.
    lucene: fa.Lucene = field(repr=False, compare=False, default=fa.NEWEST_LUCENE)

    def matches(self, name: str) -> bool:
        """True when this pattern matches the whole of ``name``, as Elasticsearch decides."""
        matcher = self._cache.get("matcher")
        if matcher is None:
            matcher = _compile([self])
            self._cache["matcher"] = matcher
        return bool(matcher.tags(name))  # type: ignore[attr-defined]

    def literal_value(self) -> str | None:
        """The one name this pattern matches, or None when it matches zero or several."""
        if "literal" not in self._cache:
            plain = _plain_wildcard(self)
            if plain is not None:  # no automaton needed (100,000 literal names in a file)
                value = None if _matcher.STAR in plain or _matcher.ANY_CHAR in plain else "".join(map(chr, plain))
                self._cache["literal"] = value if plain else None
            else:
                self._cache["literal"] = _single_string(_realizable(self))
        return self._cache["literal"]  # type: ignore[return-value]

    def is_literal(self) -> bool:
        """True when the pattern matches exactly one name."""
        return self.literal_value() is not None

    def __str__(self) -> str:
        return self.text


def _slash_error(text: str) -> PatternError:
    # Automatons.buildAutomaton's message, character for character.
    message = (
        f"invalid pattern [{text}]. patterns starting with '/' indicate regular expression "
        "pattern and therefore must also end with '/'. other patterns (those that do not "
        "start with '/') will be treated as simple wildcard patterns"
    )
    return PatternError(
        text,
        message,
        message,
        hint="write /…/ for a Lucene regular expression, or escape the slash (\\/) for a wildcard",
    )


def _wildcard_tokens(text: str) -> tuple[int, ...]:
    """Automatons.wildcard's scan, over UTF-16 code units."""
    units = lre.to_java_units(text)
    if _WILDCARD_ESCAPE not in units:  # nearly every trust pattern: one pass in a comprehension
        star, any_char = _matcher.STAR, _matcher.ANY_CHAR
        return tuple([star if unit == _WILDCARD_STRING else any_char if unit == _WILDCARD_CHAR else unit
                      for unit in units])
    tokens: list[int] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit == _WILDCARD_STRING:
            tokens.append(_matcher.STAR)
        elif unit == _WILDCARD_CHAR:
            tokens.append(_matcher.ANY_CHAR)
        elif unit == _WILDCARD_ESCAPE and i + 1 < len(units):
            i += 1
            tokens.append(units[i])
        else:  # includes a trailing backslash: lenient, a literal '\'
            tokens.append(unit)
        i += 1
    return tuple(tokens)


@functools.lru_cache(maxsize=4096)
def _token_automaton(token: int) -> fa.Automaton:
    # Shared between patterns: Lucene's operations only read their operands.
    if token == _matcher.STAR:
        return fa.make_any_string()
    if token == _matcher.ANY_CHAR:
        return fa.make_any_char()
    return fa.make_char(token)


def _wildcard_effort(tokens: Sequence[int]) -> int:
    """The effort Lucene's determinize spends on Automatons.wildcard(tokens).

    Equal to running ``fa.determinize`` on ``_wildcard_automaton(tokens)`` (a property
    test checks it), but computed on token positions, which is ~20x cheaper and keeps
    compiling 1,000 patterns fast. In Lucene's concatenation the reachable states are
    the positions after each token (a ``*`` is one looping state), plus the start state
    when the first token is not a ``*``; a position steps to the position after any
    later token reachable through ``*`` tokens only (they accept the empty string).
    Lucene skips determinization, spending nothing, when no state has overlapping
    transitions. Otherwise the effort is the sum of the sizes of every reachable subset.
    """
    count = len(tokens)
    if count == 0:
        return 0
    # moves[p]: (label, target) pairs leaving position p; label is a code unit or ANY.
    moves: list[list[tuple[int, int]]] = [[] for _ in range(count + 1)]
    for p in range(count + 1):
        if p > 0 and tokens[p - 1] == _matcher.STAR:
            moves[p].append((_matcher.ANY_CHAR, p))  # the star's own loop
        j = p
        while j < count:
            token = tokens[j]
            if token == _matcher.STAR:
                moves[p].append((_matcher.ANY_CHAR, j + 1))
                j += 1  # a star accepts the empty string: chain on to the next token
            else:
                moves[p].append((token, j + 1))
                break
    start = 1 if tokens[0] == _matcher.STAR else 0
    deterministic = True
    for p in range(count + 1):
        labels = [label for label, _ in moves[p]]
        if len(labels) > 1 and (_matcher.ANY_CHAR in labels or len(set(labels)) < len(labels)):
            # Lucene merges equal ranges to the same target before checking overlap.
            if len(set(moves[p])) > 1:
                deterministic = False
                break
    if deterministic:
        return 0
    effort = 0
    seen = {frozenset((start,))}
    todo = [frozenset((start,))]
    while todo:
        subset = todo.pop()
        effort += len(subset)
        if effort >= 10 * fa.DEFAULT_DETERMINIZE_WORK_LIMIT:
            return effort
        any_targets: set[int] = set()
        by_label: dict[int, set[int]] = {}
        for p in subset:
            for label, target in moves[p]:
                if label == _matcher.ANY_CHAR:
                    any_targets.add(target)
                else:
                    by_label.setdefault(label, set()).add(target)
        successors = [frozenset(targets | any_targets) for targets in by_label.values()]
        if any_targets:
            successors.append(frozenset(any_targets))  # every other code point
        for successor in successors:
            if successor not in seen:
                seen.add(successor)
                todo.append(successor)
    return effort


#: Tokens up to which a wildcard with one ``*`` and no ``?`` cannot reach the work limit.
_SIMPLE_WILDCARD_TOKENS = 250


def _below_effort_limit(tokens: Sequence[int]) -> bool:
    """True when determinizing ``tokens`` provably stays below Lucene's work limit.

    With at most one ``*`` and no ``?`` (the shape of nearly every trust pattern, e.g.
    ``*.node.<cluster>.cluster.<scope>.account``), the positions before the star are
    reached one at a time, and after it the reachable subsets are those of a
    Knuth-Morris-Pratt matcher: a subset is fixed by the longest prefix of the literal
    tail matched so far, so there are at most ``n + 2`` subsets of at most ``n + 1``
    positions each. For ``n <= 250`` that effort, under 64,000, is below the 100,000 at
    which Elasticsearch refuses a pattern, and :func:`_wildcard_effort` (a fifth of a
    millisecond each) need not run. tests/test_perf_shortcuts.py checks the bound.
    """
    return (len(tokens) <= _SIMPLE_WILDCARD_TOKENS and _matcher.ANY_CHAR not in tokens
            and tokens.count(_matcher.STAR) <= 1)


def _wildcard_automaton(tokens: Sequence[int], lucene: fa.Lucene = fa.NEWEST_LUCENE) -> fa.Automaton:
    """Automatons.wildcard: the concatenation of one small automaton per token.

    With no tokens at all (the pattern ``""``) Lucene's concatenation yields a single
    non-accepting state: the empty wildcard matches nothing, not even the empty name.
    """
    return fa.concatenate([_token_automaton(token) for token in tokens], lucene)


def parse_pattern(text: str, lucene: tuple[int, int] | None = None) -> Pattern:
    """Parse and compile one trust pattern; raise :class:`PatternError` as ES would.

    ``lucene`` is the (major, minor) Lucene version whose construction decides which
    patterns are too complex (``certkit.targets.es_target(v).lucene``); None: the one of
    the caller's :func:`compiling_for` block, else :data:`NEWEST_LUCENE`. Results are
    cached by text and version (patterns are immutable).
    """
    if not isinstance(text, str):
        raise PatternError(
            repr(text), f"invalid pattern [{text!r}]: a pattern must be a string", "not a string"
        )
    return _parse_pattern(text, _lucene(lucene))


@functools.lru_cache(maxsize=8192)
def _parse_pattern(text: str, lucene: fa.Lucene) -> Pattern:
    if text.startswith("/"):
        if len(text) == 1 or not text.endswith("/"):
            raise _slash_error(text)
        regex = text[1:-1]
        try:
            node = lre.parse(regex)
            dfa = fa.determinize(lre.to_automaton(node, lucene), fa.DEFAULT_DETERMINIZE_WORK_LIMIT)
        except RecursionError:
            # A tree deeper than Python's stack (`a**...*`, thousands of operators): Java
            # would overflow its stack too, or at least certkit cannot follow it.
            raise PatternError(
                text, f"invalid pattern [{_shown(text)}]: expression nested too deeply; certkit refuses it",
                "expression nested too deeply", hint="write the expression with fewer nested operators",
            ) from None
        except lre.RegExpSyntaxError as exc:
            raise PatternError(
                text,
                f"invalid pattern [{_shown(text)}]: {exc} (Lucene regular expression)",
                str(exc),
                hint="see docs/patterns.md for the Lucene RegExp syntax Elasticsearch uses",
            ) from None
        except fa.TooComplexToDeterminize as exc:
            raise _too_complex(text, exc) from None
        except fa.AutomatonTooLarge as exc:
            raise _too_large(text, exc) from None
        return Pattern(text, "regex", dfa, lucene=lucene)
    if text == "*":
        return Pattern(text, "all", fa.make_any_string(), (_matcher.STAR,), lucene=lucene)
    tokens = _wildcard_tokens(text)
    if not _below_effort_limit(tokens) and _wildcard_effort(tokens) >= 10 * fa.DEFAULT_DETERMINIZE_WORK_LIMIT:
        try:
            automaton = _wildcard_automaton(tokens, lucene)
        except fa.AutomatonTooLarge as exc:  # `*?*?…` thousands long: too big even to count
            raise _too_large(text, exc) from None
        raise _too_complex(text, fa.TooComplexToDeterminize(automaton, fa.DEFAULT_DETERMINIZE_WORK_LIMIT))
    return Pattern(text, "wildcard", None, tokens, lucene=lucene)


def _too_complex(text: str, exc: fa.TooComplexToDeterminize) -> PatternError:
    return PatternError(
        text,
        f"invalid pattern [{_shown(text)}]: {exc} (Elasticsearch refuses it: TooComplexToDeterminizeException)",
        str(exc),
        hint="simplify the pattern: fewer alternatives or wildcards after a '*', or split it in several patterns",
    )


def _too_large(text: str, exc: fa.AutomatonTooLarge) -> PatternError:
    return PatternError(
        text,
        f"invalid pattern [{_shown(text)}]: {exc}; certkit refuses it (Elasticsearch would need a very large heap)",
        str(exc),
        hint="use a shorter pattern or smaller repetition counts",
    )


def _shown(text: str, limit: int = 200) -> str:
    """A pattern as an error message quotes it: a 300 KB pattern is cut, with its length."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def escape_wildcard(text: str) -> str:
    """A pattern that matches exactly ``text`` and nothing else.

    Normally a wildcard with ``*``, ``?`` and ``\\`` escaped (and a leading ``/``, so it
    is not read as a regex). Elasticsearch compiles wildcards per UTF-16 code unit but
    runs names per code point, so no wildcard can match a character outside the Basic
    Multilingual Plane: for such text the result is a Lucene regex ``/…/`` with every
    character other than an ASCII letter or digit backslash-escaped.
    """
    if not text:
        # The wildcard "" matches nothing (Lucene's concatenation of no automata is the
        # empty language); the empty regex matches exactly the empty name.
        return "//"
    if any(ord(ch) > 0xFFFF for ch in text):
        return "/" + "".join(ch if ch.isascii() and ch.isalnum() else "\\" + ch for ch in text) + "/"
    escaped = "".join("\\" + ch if ch in "*?\\" else ch for ch in text)
    if escaped.startswith("/"):
        escaped = "\\" + escaped
    return escaped


def _dfa_of(p: Pattern) -> fa.Automaton:
    """The pattern's deterministic automaton, built (for wildcards) on first use."""
    if p._dfa is not None:
        return p._dfa
    dfa = p._cache.get("dfa")
    if dfa is None:
        assert p._tokens is not None
        try:
            dfa = fa.determinize(_wildcard_automaton(p._tokens, p.lucene), 2**31 - 1)
        except fa.AutomatonTooLarge as exc:
            # Elasticsearch runs it (matching needs no DFA here either), but the language
            # questions cannot be asked of it within certkit's bounds.
            raise _too_large(p.text, exc) from None
        p._cache["dfa"] = dfa
    return dfa  # type: ignore[return-value]


def _compile(patterns: Sequence[Pattern], *, index: bool = True) -> _matcher.Matcher | _matcher.LazyDFA:
    # The empty wildcard matches nothing at all (see _wildcard_automaton), so it gets no
    # accepting node.
    wildcards = [(i, p._tokens) for i, p in enumerate(patterns) if p._tokens]
    dfas = [(i, _dfa_of(p)) for i, p in enumerate(patterns) if p.kind == "regex"]
    return _matcher.build(wildcards, dfas, index=index)


class PatternSet:
    """Every pattern of one trust file, compiled once.

    Literal, ``*literal``, ``literal*`` and ``*`` patterns go into dict indexes (a lookup
    per distinct literal length); the others into a single lazy automaton, about one
    dict lookup per character after warm-up. Neither cost grows with the number of
    patterns.
    """

    def __init__(self, patterns: Sequence[str | Pattern], lucene: tuple[int, int] | None = None) -> None:
        """``lucene``: the Lucene version to compile texts for (see :func:`parse_pattern`)."""
        version = _lucene(lucene)
        self.lucene: fa.Lucene = version
        self.patterns: tuple[Pattern, ...] = tuple(
            p if isinstance(p, Pattern) else parse_pattern(p, version) for p in patterns
        )
        self._matcher = _compile(self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)

    def matching(self, name: str) -> list[Pattern]:
        """Every pattern that matches ``name``, in file order."""
        return [self.patterns[i] for i in self._matcher.tags(name)]

    def matching_indexes(self, name: str) -> tuple[int, ...]:
        """The positions (in ``patterns``) of every pattern that matches ``name``, ascending."""
        return tuple(self._matcher.tags(name))

    def first_match(self, name: str) -> Pattern | None:
        """The first pattern (in file order) that matches ``name``, or None."""
        tags = self._matcher.tags(name)
        return self.patterns[tags[0]] if tags else None

    def admits(self, name: str) -> bool:
        """True when at least one pattern matches ``name`` (stops at the first that does)."""
        return self._matcher.admits(name)


# -- language questions -----------------------------------------------------------
# A Java String read with codePointAt never yields a high surrogate followed by a low
# one (they join). Languages below are restricted to such "realizable" sequences, so a
# wildcard holding a literal emoji is (correctly) empty.
def _realizable_filter() -> fa.Automaton:
    a = fa.Automaton()
    plain = a.create_state()
    after_high = a.create_state()
    a.accept[plain] = a.accept[after_high] = True
    for state in (plain, after_high):
        a.add_transition(state, plain, 0, 0xD7FF)
        a.add_transition(state, after_high, 0xD800, 0xDBFF)
        a.add_transition(state, plain, 0xE000, fa.MAX_CODE_POINT)
    a.add_transition(plain, plain, 0xDC00, 0xDFFF)  # a lone low surrogate
    return a.finish()


_REALIZABLE = _realizable_filter()


def _realizable(p: Pattern) -> fa.Automaton:
    dfa = p._cache.get("realizable")
    if dfa is None:
        try:
            dfa = fa.intersection(_dfa_of(p), _REALIZABLE)
        except fa.AutomatonTooLarge as exc:
            raise _too_large(p.text, exc) from None
        p._cache["realizable"] = dfa
    return dfa  # type: ignore[return-value]


def _single_string(dfa: fa.Automaton) -> str | None:
    """The only string a trimmed DFA accepts, or None."""
    if dfa.num_states == 0:
        return None
    state, seen, out = 0, set(), []  # type: tuple[int, set[int], list[int]]
    while True:
        if state in seen:
            return None  # a loop: infinitely many strings
        seen.add(state)
        transitions = dfa.trans[state]
        if dfa.accept[state]:
            return "".join(map(chr, out)) if not transitions else None
        if len(transitions) != 1 or transitions[0][0] != transitions[0][1]:
            return None
        out.append(transitions[0][0])
        state = transitions[0][2]


def literal_affixes(p: Pattern) -> tuple[str, str]:
    """(prefix, suffix): text every name ``p`` matches starts with, and ends with.

    Not necessarily the longest such texts: for a wildcard the characters before its
    first and after its last ``*``/``?``, for a regex its automaton's forced first
    characters and no suffix. Two patterns one of which admits every name of the other
    have prefixes one of which starts the other (and likewise suffixes), which lets the
    linter skip most pairs of a long file without asking the automata.
    """
    cached = p._cache.get("affixes")
    if cached is None:
        if p._tokens is not None:
            tokens = p._tokens
            cut = [i for i, t in enumerate(tokens) if t in (_matcher.STAR, _matcher.ANY_CHAR)]
            first, after_last = (cut[0], cut[-1] + 1) if cut else (len(tokens), 0)
            cached = ("".join(map(chr, tokens[:first])), "".join(map(chr, tokens[after_last:])))
        else:
            cached = (_forced_prefix(_dfa_of(p)), "")
        p._cache["affixes"] = cached
    return cached  # type: ignore[return-value]


def _forced_prefix(dfa: fa.Automaton) -> str:
    """The characters a DFA must read first (a single one-character transition at a time)."""
    out: list[str] = []
    state, seen = 0, set()
    while dfa.num_states and state not in seen and not dfa.accept[state]:
        seen.add(state)
        transitions = dfa.trans[state]
        if len(transitions) != 1 or transitions[0][0] != transitions[0][1]:
            break
        out.append(chr(transitions[0][0]))
        state = transitions[0][2]
    return "".join(out)


def _plain_wildcard(p: Pattern) -> tuple[int, ...] | None:
    """A wildcard's tokens when none is a surrogate code unit, else None.

    Such a wildcard's language is read off its tokens: each literal unit is one code
    point of the name, ``?`` any one, ``*`` any run. (With surrogate units, which pairs of
    them a name can hold needs the automata.)
    """
    tokens = p._tokens
    if tokens is None or any(0xD800 <= t <= 0xDFFF for t in tokens):
        return None
    return tokens


def is_empty(p: Pattern) -> bool:
    """True when ``p`` matches no name at all (e.g. ``/#/``, ``/a&b/``)."""
    plain = _plain_wildcard(p)
    if plain is not None:
        return not plain  # only the empty wildcard "" matches nothing
    return fa.is_empty(_realizable(p))


def accepts_everything(p: Pattern) -> bool:
    """True when ``p`` matches every possible name (``*``, ``/.*/``, ``/@/``, ``/~#/``…).

    ``?*`` is not one of them: it does not match the empty name.
    """
    if p._tokens is not None:  # a wildcard must then match the empty name: stars only
        return bool(p._tokens) and all(t == _matcher.STAR for t in p._tokens)
    return fa.is_subset(_REALIZABLE, _dfa_of(p))


def subsumes(general: Pattern, specific: Pattern) -> bool:
    """True when every name ``specific`` matches is also matched by ``general``."""
    return fa.is_subset(_realizable(specific), _dfa_of(general))


def example_in_difference(a: Pattern, b: Pattern, max_len: int = 64) -> str | None:
    """A shortest name matched by ``a`` but not by ``b`` (readable characters preferred).

    None when there is none, or none of at most ``max_len`` characters.
    """
    witness = fa.shortest_difference(_realizable(a), _dfa_of(b), max_len)
    return None if witness is None else "".join(map(chr, witness))
