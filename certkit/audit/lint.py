"""``restrictions lint``: patterns that admit more (or less) than they seem to.

The file is first loaded exactly as Elasticsearch loads it (:func:`load_restrictions`);
a file that would not load is an error, not a warning. Then each finding carries the
reason, a tighter alternative where one exists, and, where it helps, an example of a name
the pattern admits that its author probably did not mean. Every language question
(subsumption, "admits everything", examples) is answered on the automata Elasticsearch
builds (:mod:`certkit.patterns.language`), not by looking at the text.

(Over 400 lines: every check reads the same loaded file and the same pair index; split, each part would import the others.)
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from certkit.audit.trust_file import SUBJECT_NAME_KEY, TrustRestrictions
from certkit.jdk.names import DEFAULT_FIELDS, DNS_NAME, OTHERNAME_COMMON_NAME
from certkit.patterns import (
    Pattern,
    PatternError,
    PatternSet,
    accepts_everything,
    example_in_difference,
    is_empty,
    literal_affixes,
    parse_pattern,
    subsumes,
)

#: Pairwise subsumption checks between non-literal patterns cost about 0.2 ms each; beyond
#: this many the remaining pairs are not examined (and the report says so). Pairs whose
#: literal prefixes or suffixes exclude subsumption are not checked and do not count:
#: Cloud-style files of thousands of patterns need a handful of checks per pattern.
MAX_SUBSUMPTION_CHECKS = 10_000

_ANY_NON_EMPTY = parse_pattern("?*")
_NOTHING = parse_pattern("/#/")
# Every name in the Elastic Cloud convention, whatever the node, cluster and scope.
_EVERY_CLOUD_NODE = parse_pattern(r"/[^.]+\.node\.[^.]+\.cluster\.[^.]+\.account/")
_CLOUD_LOOKING = re.compile(r"\.node\.|\.cluster\.|\.account$")
_HOST_LOOKING = re.compile(r"^[A-Za-z0-9*?_-]+(\.[A-Za-z0-9*?_-]+)*\.[A-Za-z][A-Za-z0-9-]*$")


@dataclass(frozen=True)
class LintWarning:
    """One finding: ``code`` (stable, for scripts), the pattern or key it is about, why, and a fix."""

    code: str
    message: str
    pattern: str | None = None
    suggestion: str | None = None
    example: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return asdict(self)

    def render(self) -> str:
        text = f"{self.pattern!r}: {self.message}" if self.pattern is not None else self.message
        if self.example:
            text += f" (e.g. it admits {self.example!r})"
        if self.suggestion:
            text += f"; {self.suggestion}"
        return text


@dataclass(frozen=True)
class LintReport:
    restrictions: TrustRestrictions
    fields: tuple[str, ...]
    warnings: tuple[LintWarning, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "restrictions": self.restrictions.path,
            "loads": True,
            "patterns": list(self.restrictions.patterns),
            "fields": list(self.fields),
            "warnings": [w.to_json() for w in self.warnings],
            "notes": list(self.notes),
            "summary": {"patterns": len(self.restrictions.patterns), "warnings": len(self.warnings)},
        }


def _wildcard_parts(text: str) -> list[tuple[str, str]]:
    """A wildcard pattern as ("lit", char) / ("star", "") / ("any", "") tokens, as Elasticsearch reads it."""
    parts: list[tuple[str, str]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            parts.append(("lit", text[index + 1]))
            index += 2
            continue
        if char == "*":
            parts.append(("star", ""))
        elif char == "?":
            parts.append(("any", ""))
        else:
            parts.append(("lit", char))
        index += 1
    return parts


def _regex_char(char: str) -> str:
    return char if char.isascii() and char.isalnum() else "\\" + char


def one_label_regex(text: str, star: str = "[^.]+") -> str:
    """The wildcard ``text`` as a Lucene regex in which every ``*`` stays within one DNS label."""
    out = []
    for kind, char in _wildcard_parts(text):
        out.append(star if kind == "star" else "." if kind == "any" else _regex_char(char))
    return "/" + "".join(out) + "/"


def _matches_within_labels(parts: list[tuple[str, str]], name: str) -> bool:
    """Whether ``name`` matches the wildcard ``parts`` with each ``*`` kept within one label.

    The language of ``one_label_regex(text, "[^.]*")``, decided by a small dynamic
    programme instead of compiling that regex for every pattern of a long file.
    """
    reachable = {0}  # positions in name reachable after the parts so far
    for kind, char in parts:
        if kind == "star":
            after: set[int] = set()
            for start in sorted(reachable):
                end = start
                after.add(end)
                while end < len(name) and name[end] != ".":
                    end += 1
                    after.add(end)
            reachable = after
        else:
            reachable = {k + 1 for k in reachable
                         if k < len(name) and (kind == "any" or name[k] == char)}
        if not reachable:
            return False
    return len(name) in reachable


def _dot_crossing_example(pattern: Pattern) -> str | None:
    """A readable name the wildcard admits only because a ``*`` spans a dot."""
    parts = _wildcard_parts(pattern.text)
    stars = [i for i, (kind, _) in enumerate(parts) if kind == "star"]
    for crossing in stars:
        name = "".join(
            ("x.y" if i == crossing else "x") if kind == "star" else ("x" if kind == "any" else char)
            for i, (kind, char) in enumerate(parts)
        )
        if pattern.matches(name) and not _matches_within_labels(parts, name):
            return name
    return example_in_difference(pattern, parse_pattern(one_label_regex(pattern.text, "[^.]*")))


def _cloud_example(pattern: Pattern) -> str | None:
    for name in ("x.node.other-cluster.cluster.other-scope.account", "x.node.c.cluster.s.account"):
        if pattern.matches(name):
            return name
    return example_in_difference(pattern, _NOTHING)


def lint_restrictions(restrictions: TrustRestrictions, fields: Sequence[str] = DEFAULT_FIELDS) -> LintReport:
    """Every warning about a loaded restrictions file (read with ``fields``)."""
    warnings: list[LintWarning] = []
    notes: list[str] = []
    fields = tuple(fields)
    patterns = restrictions.compiled.patterns
    too_large: set[int] = set()

    for key in restrictions.ignored_keys:
        suggestion = None
        if "subject" in key.lower() or key.lower().replace("-", "_").endswith("subject_names"):
            suggestion = f"the only key Elasticsearch reads is {SUBJECT_NAME_KEY}"
        warnings.append(LintWarning(
            "ignored-key", f"Elasticsearch ignores the key {key!r} in a trust restrictions file",
            None, suggestion or f"remove it; only {SUBJECT_NAME_KEY} is read",
        ))
    if not restrictions.has_subject_name:
        warnings.append(LintWarning(
            "no-subject-name", f"the file has no {SUBJECT_NAME_KEY}: Elasticsearch rejects every certificate",
            None, f"add {SUBJECT_NAME_KEY} with the patterns to trust",
        ))
    elif not patterns:
        warnings.append(LintWarning(
            "empty-list", f"{SUBJECT_NAME_KEY} is empty: Elasticsearch rejects every certificate",
            None, "add the patterns to trust (certkit restrictions generate)",
        ))

    seen: dict[str, int] = {}
    flagged_broad: set[int] = set()
    for index, pattern in enumerate(patterns):
        text = pattern.text
        if text in seen:
            warnings.append(LintWarning(
                "duplicate", f"listed more than once (entries {seen[text] + 1} and {index + 1})", text,
                "remove the repetition",
            ))
            continue
        seen[text] = index
        try:
            broad = _language_findings(pattern, fields, warnings)
        except PatternError as exc:  # beyond certkit's automaton bounds (a 300 KB literal...)
            notes.append(f"{_short(text)!r} was not linted: {exc.reason}")
            too_large.add(index)
            continue
        if broad:
            flagged_broad.add(index)

    warnings.extend(_subsumption(restrictions.compiled, seen, flagged_broad | too_large, too_large, notes))
    from certkit.audit.lint_text import placeholder_warnings  # it builds on this module

    warnings.extend(placeholder_warnings(list(seen)))
    return LintReport(restrictions, fields, tuple(warnings), tuple(notes))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _may_admit_every_cloud_node(pattern: Pattern) -> bool:
    """False when the literal affixes already exclude admitting every Cloud node name.

    Every such name ends with ``.account`` after a label of any characters but dots, and
    starts with any label: a pattern admitting them all has no literal prefix and a
    literal suffix that ends ``.account``.
    """
    prefix, suffix = literal_affixes(pattern)
    return not prefix and ".account".endswith(suffix)


def _may_admit_every_nonempty(pattern: Pattern) -> bool:
    """False for a wildcard with a literal character (a one-character name escapes it)."""
    return pattern.kind != "wildcard" or all(kind != "lit" for kind, _ in _wildcard_parts(pattern.text))


def _language_findings(pattern: Pattern, fields: tuple[str, ...], warnings: list[LintWarning]) -> bool:
    """Append the one-pattern findings; True when the pattern is flagged as broad (or empty)."""
    text = pattern.text
    if is_empty(pattern):
        warnings.append(LintWarning(
            "matches-nothing", "admits no name at all", text,
            "remove it, or fix it (an empty wildcard matches nothing; /#/ is the empty language)",
        ))
        return True
    if accepts_everything(pattern) or (_may_admit_every_nonempty(pattern) and subsumes(pattern, _ANY_NON_EMPTY)):
        warnings.append(LintWarning(
            "admits-everything", "admits every name: the restriction restricts nothing", text,
            "list the clusters or scopes to trust instead (certkit restrictions generate --cluster-id/--scope-id)",
        ))
        return True
    if _may_admit_every_cloud_node(pattern) and subsumes(pattern, _EVERY_CLOUD_NODE):
        warnings.append(LintWarning(
            "admits-every-cloud-scope",
            "admits the nodes of every Elastic Cloud organization / ECE environment, not only yours",
            text,
            r"name the scope: /[^.]+\.node\.[^.]+\.cluster\.<scope_id>\.account/ (every cluster of one scope) "
            r"or /[^.]+\.node\.<cluster_id>\.cluster\.<scope_id>\.account/ (one cluster)",
            _cloud_example(pattern),
        ))
        return True
    if pattern.kind == "wildcard" and any(kind == "star" for kind, _ in _wildcard_parts(text)):
        example = _dot_crossing_example(pattern)
        if example is not None:
            warnings.append(LintWarning(
                "star-crosses-dots",
                "'*' also matches dots, so it spans several labels, not one",
                text,
                f"if each '*' stands for one label, use {one_label_regex(text)}",
                example,
            ))
    warnings.extend(_field_mismatch(text, fields))
    return False


def _field_mismatch(text: str, fields: tuple[str, ...]) -> list[LintWarning]:
    bare = text.strip("/")
    cloud_looking = bool(_CLOUD_LOOKING.search(bare.replace("\\.", ".")))
    host_looking = not cloud_looking and bool(_HOST_LOOKING.match(text))
    if host_looking and DNS_NAME not in fields:
        return [LintWarning(
            "dns-looking-pattern",
            "looks like a DNS name, but only subjectAltName.otherName.commonName is read: it admits a "
            "certificate only if its otherName CN carries such a name (certkit cert --cn, or cn: in instances.yaml)",
            text,
            "if the certificates carry it as a DNS SAN, set xpack.security.transport.ssl.trust_restrictions"
            ".x509_fields to include subjectAltName.dnsName (and lint/check with --fields dns)",
        )]
    if cloud_looking and OTHERNAME_COMMON_NAME not in fields:
        return [LintWarning(
            "othername-looking-pattern",
            "looks like an Elastic Cloud node name, which Cloud puts in the otherName CN, but only "
            "subjectAltName.dnsName is read",
            text,
            "include subjectAltName.otherName.commonName in trust_restrictions.x509_fields",
        )]
    return []


class _AffixIndex:
    """Non-literal patterns by literal prefix and suffix, to find the few that may subsume one.

    ``general`` can admit every name of ``specific`` only if one's literal prefix starts
    the other's, and one's literal suffix ends the other's (every name of ``specific``
    carries both patterns' affixes). Each side answers "which patterns have an affix
    comparable with this one" with a dict lookup per prefix of the text (shorter affixes)
    and a bisection in a sorted list (longer ones); the smaller side is then filtered by
    the other.
    """

    def __init__(self, patterns: Sequence[Pattern], members: Sequence[int]) -> None:
        self._affixes = {j: literal_affixes(patterns[j]) for j in members}
        self._sides = [self._side({j: a[0] for j, a in self._affixes.items()}),
                       self._side({j: a[1][::-1] for j, a in self._affixes.items()})]

    @staticmethod
    def _side(keys: dict[int, str]) -> tuple[dict[str, list[int]], list[tuple[str, int]]]:
        by_key: dict[str, list[int]] = {}
        for j, key in keys.items():
            by_key.setdefault(key, []).append(j)
        return by_key, sorted((key, j) for j, key in keys.items())

    @staticmethod
    def _comparable(side: tuple[dict[str, list[int]], list[tuple[str, int]]], key: str) -> tuple[list[int], int, int]:
        by_key, ordered = side
        shorter = [j for n in range(len(key)) for j in by_key.get(key[:n], ())]
        low = bisect.bisect_left(ordered, (key, -1))
        high = bisect.bisect_left(ordered, (key + "\U0010ffff\U0010ffff", -1), lo=low)
        return shorter, low, high

    def candidates(self, prefix: str, suffix: str) -> list[int]:
        """Members whose prefix and suffix are both comparable with these, in file order."""
        keys = (prefix, suffix[::-1])  # suffixes are compared reversed, as prefixes
        found = [self._comparable(side, key) for side, key in zip(self._sides, keys, strict=False)]
        side = min((0, 1), key=lambda k: len(found[k][0]) + found[k][2] - found[k][1])
        shorter, low, high = found[side]
        other, other_key = 1 - side, keys[1 - side]
        result = []
        for j in shorter + [j for _, j in self._sides[side][1][low:high]]:
            theirs = self._affixes[j][other]
            if other == 1:
                theirs = theirs[::-1]
            if theirs.startswith(other_key) or other_key.startswith(theirs):
                result.append(j)
        return sorted(result)


def _witness(pattern: Pattern) -> str | None:
    """One name ``pattern`` admits (``*`` as nothing, ``?`` as ``x``), or None."""
    if pattern.kind == "wildcard" and not any(0xD800 <= ord(c) <= 0xDFFF for c in pattern.text):
        return "".join("" if kind == "star" else "x" if kind == "any" else char
                       for kind, char in _wildcard_parts(pattern.text))
    return example_in_difference(pattern, _NOTHING)


def _candidates(compiled: PatternSet, index: _AffixIndex, specific: Pattern, members: set[int]) -> list[int]:
    """The patterns that may admit every name of ``specific``: they admit one of them, and
    their literal affixes allow it. Both filters are cheap; the automata decide the rest."""
    allowed = index.candidates(*literal_affixes(specific))
    witness = _witness(specific)
    if witness is None:
        return allowed
    admitting = set(compiled.matching_indexes(witness))
    return [j for j in allowed if j in admitting and j in members]


def _subsumption(compiled: PatternSet, first_index: dict[str, int], skip: set[int], unlintable: set[int],
                 notes: list[str]) -> list[LintWarning]:
    """Patterns every name of which another (different) pattern already admits.

    Patterns already flagged as broad are not reported again as redundant, but they still
    count as the pattern that makes a narrower one redundant (the user may keep the broad
    one and should know the narrow one then adds nothing). A literal is checked against
    every pattern at once (the compiled set's matcher); other patterns only against the
    candidates their literal affixes leave (:class:`_AffixIndex`), each pair at most once
    and at most MAX_SUBSUMPTION_CHECKS pairs in all.
    """
    patterns = compiled.patterns
    unique = [i for i in first_index.values() if i not in unlintable]
    is_unique = set(unique)
    found: list[LintWarning] = []
    reported: set[int] = set()
    literals = {i: patterns[i].literal_value() for i in unique}
    index = _AffixIndex(patterns, [i for i in unique if literals[i] is None])
    checks = 0
    truncated = False
    for i in unique:
        if i in skip:
            continue
        specific = patterns[i]
        literal = literals[i]
        general_index: int | None = None
        mutual = False
        if literal is not None:
            general_index = next((j for j in compiled.matching_indexes(literal)
                                  if j != i and j in is_unique and j not in reported), None)
        elif truncated:
            continue
        else:
            for j in _candidates(compiled, index, specific, is_unique):
                if j == i or j in reported:
                    continue
                if checks >= MAX_SUBSUMPTION_CHECKS:
                    truncated = True
                    break
                checks += 1
                if subsumes(patterns[j], specific):
                    mutual = subsumes(specific, patterns[j])
                    if mutual and i < j:
                        continue  # report equivalent patterns once, on the later one
                    general_index = j
                    break
        if general_index is None:
            continue
        general = patterns[general_index]
        found.append(LintWarning(
            "equivalent" if mutual else "subsumed",
            (f"admits exactly the same names as {general.text!r}" if mutual
             else f"is redundant: {general.text!r} already admits every name it admits"),
            specific.text,
            "remove one of them" if mutual else f"remove it, or tighten {general.text!r}",
        ))
        reported.add(i)
    if truncated:
        notes.append(f"subsumption was checked for the first {MAX_SUBSUMPTION_CHECKS} pairs of non-literal patterns only")
    return found
