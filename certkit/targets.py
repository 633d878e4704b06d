"""The Elasticsearch version a judgement is for, and what that version runs on.

certkit's answers must be Elasticsearch's, and Elasticsearch's depend on the JDK it bundles
(how ``getSubjectAlternativeNames()`` hands over an otherName changed in JDK 19, how a
PKCS#12 password is read...) and on its Lucene version (how a regular expression is
compiled, so which patterns are "too complex"). Every command that judges takes
``--es-version X.Y``; this module maps it to the runtime facts. docs/versions.md gives the
table with its sources (each line's ``build-tools-internal/version.properties``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from certkit.errors import InputError


@dataclass(frozen=True, order=True)
class EsTarget:
    """An Elasticsearch release line (``major.minor``) and what its latest patch bundles."""

    major: int
    minor: int
    #: The feature release of the JDK the line's latest patch bundles (e.g. 24).
    jdk: int
    #: The Lucene version the line runs (major, minor).
    lucene: tuple[int, int]

    @property
    def line(self) -> str:
        return f"{self.major}.{self.minor}"

    def __str__(self) -> str:
        return f"Elasticsearch {self.line} (JDK {self.jdk}, Lucene {self.lucene[0]}.{self.lucene[1]})"


# One row per release line: (major, minor, bundled JDK of its latest patch, Lucene).
# Sources and the behaviours that differ: docs/versions.md.
_LINES: tuple[tuple[int, int, int, tuple[int, int]], ...] = (
    (7, 17, 24, (8, 11)),
    (8, 0, 17, (9, 0)),
    (8, 1, 18, (9, 0)),
    (8, 2, 18, (9, 1)),
    (8, 3, 18, (9, 2)),
    (8, 4, 18, (9, 3)),
    (8, 5, 19, (9, 4)),
    (8, 6, 19, (9, 4)),
    (8, 7, 20, (9, 5)),
    (8, 8, 20, (9, 6)),
    (8, 9, 20, (9, 7)),
    (8, 10, 21, (9, 7)),
    (8, 11, 21, (9, 8)),
    (8, 12, 21, (9, 9)),
    (8, 13, 21, (9, 10)),
    (8, 14, 22, (9, 10)),
    (8, 15, 22, (9, 11)),
    (8, 16, 23, (9, 12)),
    (8, 17, 23, (9, 12)),
    (8, 18, 25, (9, 12)),
    (8, 19, 26, (9, 12)),
    (9, 0, 25, (10, 1)),
    (9, 1, 25, (10, 2)),
    (9, 2, 25, (10, 2)),
    (9, 3, 25, (10, 3)),
    (9, 4, 26, (10, 4)),
)

TARGETS: tuple[EsTarget, ...] = tuple(EsTarget(major, minor, jdk, lucene) for major, minor, jdk, lucene in _LINES)
#: The default target: the newest release line.
NEWEST: EsTarget = max(TARGETS)

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def es_target(version: str | None = None) -> EsTarget:
    """The target for ``version`` (``"8.19"``, ``"9.1.3"``: the patch is ignored); None: the newest."""
    if version is None:
        return NEWEST
    match = _VERSION.fullmatch(version.strip())
    if match is None:
        raise InputError(f"Elasticsearch version {version!r} is not MAJOR.MINOR (e.g. 8.19 or 9.1)")
    key = (int(match.group(1)), int(match.group(2)))
    for target in TARGETS:
        if (target.major, target.minor) == key:
            return target
    known = ", ".join(t.line for t in TARGETS if t.minor == 0 or t == NEWEST or (t.major, t.minor) == (7, 17))
    raise InputError(f"Elasticsearch {key[0]}.{key[1]} is not a release line certkit knows "
                     f"(7.17, 8.0 to 8.19, 9.0 to {NEWEST.line}; e.g. {known})")
