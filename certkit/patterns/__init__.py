"""Elasticsearch's trust-pattern language, compiled as the target's Lucene compiles it.

Other packages import from here only::

    from certkit.patterns import PatternSet, parse_pattern

    ps = PatternSet(["*.node.*.cluster.83988631.account"], lucene=(10, 2))
    ps.admits("i-1.node.abc.cluster.83988631.account")   # True
    parse_pattern("/.*(bc|d).{12}/", lucene=(10, 1))       # PatternError: too complex

``lucene`` is ``certkit.targets.es_target(version).lucene``; without it, the version of the
enclosing :func:`compiling_for` block, else :data:`NEWEST_LUCENE`. Every refusal is a
:class:`PatternError` (an ``InputError``) carrying the pattern and Elasticsearch's reason.
The modules behind it: ``language`` (patterns, sets, language questions), ``regexp``
(Lucene's RegExp parser), ``automaton`` (Lucene's constructions), ``matcher`` (the lazy
DFA that matches a whole file at once). docs/patterns.md describes the language and which
Lucene version does what.
"""

from certkit.patterns.language import (
    NEWEST_LUCENE,
    Pattern,
    PatternError,
    PatternSet,
    accepts_everything,
    compiling_for,
    escape_wildcard,
    example_in_difference,
    is_empty,
    literal_affixes,
    parse_pattern,
    subsumes,
)

__all__ = [
    "NEWEST_LUCENE",
    "Pattern",
    "PatternError",
    "PatternSet",
    "accepts_everything",
    "compiling_for",
    "escape_wildcard",
    "example_in_difference",
    "is_empty",
    "literal_affixes",
    "parse_pattern",
    "subsumes",
]
