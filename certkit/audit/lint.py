"""``restrictions lint``: patterns that admit more (or less) than they seem to.

The file is first loaded exactly as Elasticsearch loads it (:func:`load_restrictions`);
a file that would not load is an error, not a warning. Then each finding carries the
reason, a tighter alternative where one exists, and, where it helps, an example of a name
the pattern admits that its author probably did not mean. Every language question
(subsumption, "admits everything", examples) is answered on the automata Elasticsearch
builds (:mod:`certkit.patterns.language`), not by looking at the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from certkit.patterns.language import (
    Pattern,
    accepts_everything,
    example_in_difference,
    is_empty,
    parse_pattern,
    subsumes,
)
from certkit.audit.trust_file import SUBJECT_NAME_KEY, TrustRestrictions
from certkit.jdk.names import DEFAULT_FIELDS, DNS_NAME, OTHERNAME_COMMON_NAME

#: Pairwise subsumption checks between non-literal patterns cost about 0.2 ms each; beyond
#: this many the remaining pairs are not examined (and the report says so).
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


def _dot_crossing_example(pattern: Pattern, within_label: Pattern) -> str | None:
    """A readable name the wildcard admits only because a ``*`` spans a dot."""
    parts = _wildcard_parts(pattern.text)
    stars = [i for i, (kind, _) in enumerate(parts) if kind == "star"]
    for crossing in stars:
        name = "".join(
            ("x.y" if i == crossing else "x") if kind == "star" else ("x" if kind == "any" else char)
            for i, (kind, char) in enumerate(parts)
        )
        if pattern.matches(name) and not within_label.matches(name):
            return name
    return example_in_difference(pattern, within_label)


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
        if is_empty(pattern):
            warnings.append(LintWarning(
                "matches-nothing", "admits no name at all", text,
                "remove it, or fix it (an empty wildcard matches nothing; /#/ is the empty language)",
            ))
            flagged_broad.add(index)
            continue
        if accepts_everything(pattern) or subsumes(pattern, _ANY_NON_EMPTY):
            warnings.append(LintWarning(
                "admits-everything", "admits every name: the restriction restricts nothing", text,
                "list the clusters or scopes to trust instead (certkit restrictions generate --cluster/--scope)",
            ))
            flagged_broad.add(index)
            continue
        if subsumes(pattern, _EVERY_CLOUD_NODE):
            warnings.append(LintWarning(
                "admits-every-cloud-scope",
                "admits the nodes of every Elastic Cloud organization / ECE environment, not only yours",
                text,
                r"name the scope: /[^.]+\.node\.[^.]+\.cluster\.<scope_id>\.account/ (every cluster of one scope) "
                r"or /[^.]+\.node\.<cluster_id>\.cluster\.<scope_id>\.account/ (one cluster)",
                _cloud_example(pattern),
            ))
            flagged_broad.add(index)
            continue
        if pattern.kind == "wildcard" and any(kind == "star" for kind, _ in _wildcard_parts(text)):
            within = parse_pattern(one_label_regex(text, "[^.]*"))
            example = _dot_crossing_example(pattern, within)
            if example is not None:
                warnings.append(LintWarning(
                    "star-crosses-dots",
                    "'*' also matches dots, so it spans several labels, not one",
                    text,
                    f"if each '*' stands for one label, use {one_label_regex(text)}",
                    example,
                ))
        warnings.extend(_field_mismatch(text, fields))

    warnings.extend(_subsumption(patterns, seen, flagged_broad, notes))
    return LintReport(restrictions, fields, tuple(warnings), tuple(notes))


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


def _subsumption(patterns: Sequence[Pattern], first_index: dict[str, int], skip: set[int],
                 notes: list[str]) -> list[LintWarning]:
    """Patterns every name of which another (different) pattern already admits.

    Patterns already flagged as broad are not reported again as redundant, but they still
    count as the pattern that makes a narrower one redundant (the user may keep the broad
    one and should know the narrow one then adds nothing).
    """
    unique = list(first_index.values())
    found: list[LintWarning] = []
    reported: set[int] = set()
    literals = {i: patterns[i].literal_value() for i in unique}
    checks = 0
    truncated = False
    for i in unique:
        if i in skip:
            continue
        specific = patterns[i]
        for j in unique:
            if i == j or j in reported:
                continue
            general = patterns[j]
            literal = literals[i]
            if literal is not None:
                covered = general.matches(literal)
            else:
                if literals[j] is not None:
                    continue  # a single name cannot cover a pattern matching several
                if checks >= MAX_SUBSUMPTION_CHECKS:
                    truncated = True
                    continue
                checks += 1
                covered = subsumes(general, specific)
            if not covered:
                continue
            mutual = literal is None and subsumes(specific, general)
            if mutual and i < j:
                continue  # report equivalent patterns once, on the later one
            found.append(LintWarning(
                "equivalent" if mutual else "subsumed",
                (f"admits exactly the same names as {general.text!r}" if mutual
                 else f"is redundant: {general.text!r} already admits every name it admits"),
                specific.text,
                "remove one of them" if mutual else f"remove it, or tighten {general.text!r}",
            ))
            reported.add(i)
            break
    if truncated:
        notes.append(f"subsumption was checked for the first {MAX_SUBSUMPTION_CHECKS} pairs of non-literal patterns only")
    return found
