"""One lazily determinized automaton for a whole list of patterns.

Checking a name against 1,000 patterns one by one (or with a 1,000-way ``re``
alternation) costs 1,000 times more than against one. Elasticsearch avoids that with one
automaton; certkit does the same, lazily:

* Every pattern becomes part of a single NFA whose accepting states carry the index of
  their pattern. Wildcard patterns are inserted into a *trie* of tokens (literal code
  unit, ``?``, ``*``), so ``*.node.…`` patterns share their common prefix and the set of
  live NFA states stays small. A regex pattern contributes its own DFA (already built
  for Elasticsearch's complexity check), reached by an epsilon edge from the start.
* The DFA over that NFA is built on demand (subset construction one transition at a
  time). Each DFA state keeps a ``dict`` from character to next state, so a warmed-up
  check is one dict lookup per character, whatever the number of patterns. Transitions
  are intervals of code points: a class like ``[^.]`` or ``?`` costs one comparison per
  NFA transition, never one entry per character of the alphabet.
* The cache is capped; past the cap it is flushed and construction continues (the RE2
  strategy), so a hostile pattern can cost time linear in the name, never exponential,
  and never unbounded memory.

Before the automaton, :class:`Matcher` answers the shapes trust files are made of with
dict lookups: patterns of literal text and ``*`` only. ``*.node.<id>.cluster.<scope>.account``
admits exactly the names ending with its literal; ``*.node.*.cluster.<scope>.account`` is
looked up by its ending and then checked by a scan. A thousand such patterns would
otherwise make tens of thousands of DFA states, built again in every worker process; as
endings of a few distinct lengths they cost a slice and a dict lookup per length. The
answers are the automaton's (property tests compare the two, and both with a brute-force
matcher).

Names are stepped per code point, as Lucene's CharacterRunAutomaton does.

(Over 400 lines: the dict indexes and the lazy DFA they fall back to share one tagging scheme and are tested as one matcher.)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from certkit.patterns import automaton as fa

#: Cached DFA states before the cache is flushed (each holds a small dict).
MAX_CACHED_STATES = 100_000

_SURROGATE = re.compile("[\ud800-\udfff]")

STAR = -1  # wildcard tokens: a code unit (>= 0), STAR, or ANY_CHAR
ANY_CHAR = -2


def java_code_points(name: str) -> str:
    """``name`` re-read the way Java's ``codePointAt`` walks it.

    Python strings from certificates are code points already, except when a decoder
    left surrogates in (``surrogatepass``): an adjacent high+low pair is then one Java
    code point, which is what Elasticsearch steps over.
    """
    if name.isascii() or _SURROGATE.search(name) is None:
        return name
    return name.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


class _NFA:
    """NFA with epsilon edges and interval transitions; node 0 is the start."""

    def __init__(self) -> None:
        self.trans: list[list[tuple[int, int, int]]] = [[]]
        self.eps: list[list[int]] = [[]]
        self.tags: list[list[int]] = [[]]
        self._trie: dict[tuple[int, int], int] = {}

    def new_node(self) -> int:
        self.trans.append([])
        self.eps.append([])
        self.tags.append([])
        return len(self.tags) - 1

    def add_wildcard(self, tokens: Sequence[int], tag: int) -> None:
        node = 0
        trie, trans, eps, tags = self._trie, self.trans, self.eps, self.tags
        for token in tokens:
            key = (node, token)
            child = trie.get(key)
            if child is None:
                # new_node() inlined: a 1,000-pattern file makes tens of thousands of nodes.
                trans.append([])
                eps.append([])
                tags.append([])
                child = len(tags) - 1
                trie[key] = child
                if token == STAR:
                    eps[node].append(child)
                    trans[child].append((fa.MIN_CODE_POINT, fa.MAX_CODE_POINT, child))
                elif token == ANY_CHAR:
                    trans[node].append((fa.MIN_CODE_POINT, fa.MAX_CODE_POINT, child))
                else:
                    trans[node].append((token, token, child))
            node = child
        tags[node].append(tag)

    def add_dfa(self, dfa: fa.Automaton, tag: int) -> None:
        if dfa.num_states == 0:
            return
        offset = len(self.tags)
        for _ in range(dfa.num_states):
            self.new_node()
        for state in range(dfa.num_states):
            self.trans[offset + state] = [(lo, hi, d + offset) for lo, hi, d in dfa.trans[state]]
            if dfa.accept[state]:
                self.tags[offset + state].append(tag)
        self.eps[0].append(offset)

    def freeze(self) -> None:
        # Sorted interval lists allow a binary search on nodes with many transitions
        # (step() scans nodes with few transitions in any order).
        self.trans = [sorted(t) if len(t) > 8 else t for t in self.trans]
        self.lows = [[lo for lo, _, _ in t] if len(t) > 8 else [] for t in self.trans]
        self.accepting = frozenset(node for node, tags in enumerate(self.tags) if tags)

    def closure(self, nodes: set[int]) -> frozenset[int]:
        todo = list(nodes)
        eps = self.eps
        while todo:
            node = todo.pop()
            for target in eps[node]:
                if target not in nodes:
                    nodes.add(target)
                    todo.append(target)
        return frozenset(nodes)

    def step(self, nodes: frozenset[int], cp: int) -> frozenset[int]:
        result: set[int] = set()
        trans, lows = self.trans, self.lows
        for node in nodes:
            transitions = trans[node]
            if len(transitions) <= 8:
                for lo, hi, dest in transitions:
                    if lo <= cp <= hi:
                        result.add(dest)
            else:
                # Intervals may overlap (a trie node can have `?` and literals), so scan
                # back from the last interval starting at or before cp.
                i = bisect_right(lows[node], cp) - 1
                while i >= 0:
                    lo, hi, dest = transitions[i]
                    if lo <= cp <= hi:
                        result.add(dest)
                    i -= 1
        return self.closure(result)


class _State(dict):
    """One DFA state: a dict from character to next state, filled on first use.

    Being the transition table itself, a state is stepped with one subscript per
    character (``state = state[ch]``); a missing character builds the transition
    (``__missing__``), so the matching loop has no branch at all.
    """

    __slots__ = ("nodes", "owner", "tags")

    def __init__(self, nodes: frozenset[int], tags: tuple[int, ...], owner: LazyDFA) -> None:
        super().__init__()
        self.nodes = nodes
        self.tags = tags
        self.owner = owner

    def __missing__(self, ch: str) -> _State:
        return self.owner._miss(self, ch)

    def __hash__(self) -> int:  # type: ignore[override]  # states are identities, not values
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


class LazyDFA:
    """Match names against many patterns at once; see the module docstring."""

    def __init__(self, nfa: _NFA) -> None:
        nfa.freeze()
        self._nfa = nfa
        self._states: dict[frozenset[int], _State] = {}
        self._start_set = nfa.closure({0})
        self._start = self._intern(self._start_set)

    def _intern(self, nodes: frozenset[int]) -> _State:
        known = self._states.get(nodes)
        if known is not None:
            return known
        accepting = nodes & self._nfa.accepting
        if accepting:
            tags = self._nfa.tags
            state = _State(nodes, tuple(sorted({t for n in accepting for t in tags[n]})), self)
        else:
            state = _State(nodes, (), self)
        self._states[nodes] = state
        return state

    def _miss(self, state: _State, ch: str) -> _State:
        target = self._nfa.step(state.nodes, ord(ch))
        if len(self._states) >= MAX_CACHED_STATES and target not in self._states:
            # Flush: forget every state (emptying each breaks the cycles between them) and
            # start again from the start state; the caller just continues from the target.
            for old in self._states.values():
                old.clear()
            self._states.clear()
            self._start = self._intern(self._start_set)
            return self._intern(target)
        following = self._intern(target)
        state[ch] = following
        return following

    def tags(self, name: str) -> tuple[int, ...]:
        """Indexes (sorted) of the patterns that match the whole of ``name``."""
        return self.tags_of_code_points(java_code_points(name))

    def tags_of_code_points(self, name: str) -> tuple[int, ...]:
        """:meth:`tags` of a name already read as Java reads it (:func:`java_code_points`)."""
        state = self._start
        for ch in name:
            state = state[ch]
        return state.tags

    def admits(self, name: str) -> bool:
        """Whether any pattern matches the whole of ``name``."""
        return bool(self.tags(name))

    @property
    def cached_states(self) -> int:
        return len(self._states)


#: Star-only patterns sharing one index key that are checked one by one; past this many,
#: they join the automaton, so that no name pays per pattern.
MAX_CHECKS_PER_KEY = 16

#: Distinct key lengths an index looks up per name (a slice and a dict lookup each); the
#: patterns of rarer lengths join the automaton. Trust files use a handful of lengths; a
#: file of a thousand lengths would otherwise cost a thousand lookups per name.
MAX_INDEX_LENGTHS = 32


class _Glob:
    """A pattern made of literal text and ``*`` only, checked directly against a name.

    For such patterns a greedy scan is exact: the prefix and the suffix are fixed, and
    each middle segment taken at its leftmost place leaves the most room for the rest.
    """

    __slots__ = ("middles", "min_length", "prefix", "suffix", "tag")

    def __init__(self, tag: int, segments: Sequence[str]) -> None:
        self.tag = tag
        self.prefix, self.suffix = segments[0], segments[-1]
        self.middles = tuple(segment for segment in segments[1:-1] if segment)
        self.min_length = sum(map(len, segments))

    def matches(self, name: str) -> bool:
        if len(name) < self.min_length or not name.startswith(self.prefix) or not name.endswith(self.suffix):
            return False
        position, end = len(self.prefix), len(name) - len(self.suffix)
        for segment in self.middles:
            position = name.find(segment, position, end)
            if position < 0:
                return False
            position += len(segment)
        return True


def _segments(tokens: Sequence[int]) -> list[str] | None:
    """The literal texts around the ``*`` tokens, or None when there is a ``?``.

    Tokens are UTF-16 code units and names are stepped per code point, in the direct
    checks as in the automaton: a surrogate unit only ever equals a lone surrogate.
    """
    if ANY_CHAR in tokens:
        return None
    tokens = tuple(tokens)
    segments: list[str] = []
    start = 0
    while True:  # a slice and a C-level map per segment (1,000 patterns compile at start-up)
        try:
            star = tokens.index(STAR, start)
        except ValueError:
            segments.append("".join(map(chr, tokens[start:])))
            return segments
        segments.append("".join(map(chr, tokens[start:star])))
        start = star + 1


# An index: (length, {text: (tags admitted on sight, globs to check)}), shortest first.
_Index = tuple[tuple[int, dict[str, tuple[tuple[int, ...], tuple[_Glob, ...]]]], ...]


class _IndexBuilder:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[list[int], list[_Glob]]] = {}

    def add(self, key: str, tag: int, glob: _Glob | None) -> None:
        plain, globs = self.entries.setdefault(key, ([], []))
        if glob is None:
            plain.append(tag)
        else:
            globs.append(glob)

    def evict(self) -> list[int]:
        """Remove, and return the tags of, what would make a name pay per pattern: the
        globs of a key shared by too many of them, and the keys of the rarer lengths past
        :data:`MAX_INDEX_LENGTHS`."""
        evicted: list[int] = []
        for _, globs in self.entries.values():
            if len(globs) > MAX_CHECKS_PER_KEY:
                evicted += [glob.tag for glob in globs]
                globs.clear()
        population: dict[int, int] = {}
        for key, (plain, globs) in self.entries.items():
            population[len(key)] = population.get(len(key), 0) + len(plain) + len(globs)
        kept = set(sorted(population, key=population.__getitem__, reverse=True)[:MAX_INDEX_LENGTHS])
        for key, (plain, globs) in self.entries.items():
            if len(key) not in kept:
                evicted += plain + [glob.tag for glob in globs]
                plain.clear()
                globs.clear()
        return evicted

    def build(self) -> _Index:
        by_length: dict[int, dict[str, tuple[tuple[int, ...], tuple[_Glob, ...]]]] = {}
        for key, (plain, globs) in self.entries.items():
            if plain or globs:
                by_length.setdefault(len(key), {})[key] = (tuple(plain), tuple(globs))
        return tuple(sorted(by_length.items()))


def _lazy_dfa(wildcards: Sequence[tuple[int, Sequence[int]]], dfas: Sequence[tuple[int, fa.Automaton]]) -> LazyDFA:
    """One lazy automaton for wildcard token lists and regex DFAs, each with its tag."""
    nfa = _NFA()
    for tag, tokens in wildcards:
        nfa.add_wildcard(tokens, tag)
    for tag, dfa in dfas:
        nfa.add_dfa(dfa, tag)
    return LazyDFA(nfa)


class Matcher:
    """Tags of the patterns matching a name: indexes for star-only patterns, a LazyDFA for the rest.

    A literal pattern is looked up whole; a star-only pattern by its literal suffix (or,
    when it ends with ``*``, its prefix), then checked directly if it has more than that
    (``*.node.*.cluster.<scope>.account``); ``*`` admits everything. What remains (``?``,
    ``*x*``, regular expressions, keys shared by too many patterns, rare key lengths past
    :data:`MAX_INDEX_LENGTHS`) is the automaton's.
    """

    def __init__(self, wildcards: Sequence[tuple[int, Sequence[int]]],
                 dfas: Sequence[tuple[int, fa.Automaton]]) -> None:
        exact: dict[str, list[int]] = {}
        suffixes, prefixes = _IndexBuilder(), _IndexBuilder()
        always: list[int] = []
        rest: list[tuple[int, Sequence[int]]] = []
        for tag, tokens in wildcards:
            segments = _segments(tokens)
            if segments is None:
                rest.append((tag, tokens))
            elif len(segments) == 1:
                exact.setdefault(segments[0], []).append(tag)
            elif not any(segments):
                always.append(tag)
            elif segments[-1]:
                plain = not segments[0] and len(segments) == 2  # *literal
                suffixes.add(segments[-1], tag, None if plain else _Glob(tag, segments))
            elif segments[0]:
                plain = len(segments) == 2  # literal*
                prefixes.add(segments[0], tag, None if plain else _Glob(tag, segments))
            else:  # *…*: no fixed end to look up
                rest.append((tag, tokens))
        self._exact = {text: tuple(tags) for text, tags in exact.items()}
        evicted = suffixes.evict() + prefixes.evict()
        self._suffixes: _Index = suffixes.build()
        self._prefixes: _Index = prefixes.build()
        self._always = tuple(always)
        # Suffixes are compared with the name's end, prefixes with its start.
        self._indexes = ((self._suffixes, True), (self._prefixes, False))
        tokens_of = dict(wildcards)
        rest += [(tag, tokens_of[tag]) for tag in evicted]
        self.dfa = _lazy_dfa(rest, dfas) if rest or dfas else None

    def tags(self, name: str) -> tuple[int, ...]:
        """Indexes (sorted) of the patterns that match the whole of ``name``."""
        name = java_code_points(name)
        found = self._always + self._exact.get(name, ())
        size = len(name)
        for index, at_end in self._indexes:
            for length, table in index:
                if length > size:
                    break
                hit = table.get(name[size - length:] if at_end else name[:length])
                if hit is not None:
                    plain, globs = hit
                    found += plain
                    for glob in globs:
                        if glob.matches(name):
                            found += (glob.tag,)
        if self.dfa is not None:
            found += self.dfa.tags_of_code_points(name)
        # Tags from several indexes (and duplicate patterns) are merged into file order.
        return found if len(found) < 2 else tuple(sorted(set(found)))

    def admits(self, name: str) -> bool:
        """Whether any pattern matches the whole of ``name``: :meth:`tags`, stopping at the
        first match (the question an audit asks of nine names in ten). The index scan is
        written out again rather than shared through a generator, which cost a third of
        this method's time; the property tests hold both to the automaton."""
        name = java_code_points(name)
        if self._always or name in self._exact:
            return True
        size = len(name)
        for index, at_end in self._indexes:
            for length, table in index:
                if length > size:
                    break
                hit = table.get(name[size - length:] if at_end else name[:length])
                if hit is not None:
                    plain, globs = hit
                    if plain:
                        return True
                    for glob in globs:
                        if glob.matches(name):
                            return True
        return self.dfa is not None and bool(self.dfa.tags_of_code_points(name))

    @property
    def cached_states(self) -> int:
        return 0 if self.dfa is None else self.dfa.cached_states


def build(wildcards: Sequence[tuple[int, Sequence[int]]], dfas: Sequence[tuple[int, fa.Automaton]],
          *, index: bool = True) -> Matcher | LazyDFA:
    """A matcher over wildcard token lists and regex DFAs, each with its tag.

    ``index=False`` puts every pattern in the automaton (the reference the indexes are
    tested against).
    """
    return Matcher(wildcards, dfas) if index else _lazy_dfa(wildcards, dfas)
