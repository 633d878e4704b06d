"""The cross-cluster API key: the ``POST /_security/cross_cluster/api_key`` body
(docs/reference.md §8) and the ``certificate_identity`` that binds the key to the calling
cluster's certificate (:func:`check_certificate_identity`, :func:`identity_matches`).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from certkit.errors import InputError, UsageError, param

_EXPIRATION = re.compile(r"[1-9][0-9]*(?:nanos|micros|ms|s|m|h|d)")
_INDEX_FORBIDDEN = set(' "\\/|?<>\t\n')
# Constructs of java.util.regex that Python's re does not know: a pattern using them
# cannot be compile-checked here (Elasticsearch checks it when the key is created).
_JAVA_ONLY = re.compile(r"\\[pP]\{|\\x\{|\\[QEhHRXzGe]|\\c[A-Za-z@\[\]^_?]|\(\?<[A-Za-z]|\\k<|&&")


@dataclass(frozen=True)
class IdentityCheck:
    """How far certkit could check a ``certificate_identity`` regular expression."""

    pattern: str
    compiled: re.Pattern[str] | None  # None when it uses Java-only syntax (unchecked)
    note: str | None = None


def identity_for_cluster(cluster_id: str) -> str:
    """The identity that admits every node of one Cloud-style cluster: ``CN=.*\\.node\\.ID\\.cluster\\..*``."""
    from certkit.plan import check_cluster_id

    check_cluster_id(cluster_id)
    escaped = "".join(c if c.isalnum() or c == "_" else "\\" + c for c in cluster_id)
    return f"CN=.*\\.node\\.{escaped}\\.cluster\\..*"


def _unbalanced_brace(pattern: str) -> int | None:
    """Where Java would report "Illegal repetition": a ``{`` that is not ``{n}``, ``{n,}``, ``{n,m}``.

    Python takes such a brace as a literal; java.util.regex refuses the pattern, which is
    what a template placeholder such as ``CN={cluster}`` runs into.
    """
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1:index + 2]
            if following in ("p", "P", "x", "N") and pattern[index + 2:index + 3] == "{":
                close = pattern.find("}", index + 3)  # \p{Alpha}, \x{41}: braces of the escape
                index = len(pattern) if close < 0 else close + 1
            elif following == "Q":  # \Q…\E quotes everything, braces included
                close = pattern.find("\\E", index + 2)
                index = len(pattern) if close < 0 else close + 2
            else:
                index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1:index + 2] == "]":
                index += 1
        elif char == "{" and not re.match(r"\{\d+(,\d*)?\}", pattern[index:]):
            return index
        index += 1
    return None


def check_certificate_identity(pattern: str) -> IdentityCheck:
    """Check that ``pattern`` compiles as a Java regular expression, as far as Python can tell.

    Python's ``re`` and ``java.util.regex`` agree on the syntax such identities use
    (literals, ``.``, ``*``, ``+``, ``?``, classes, groups, alternation, ``{n,m}``, escapes).
    Where they differ, certkit leans to Java: a ``{`` that is not a repetition and
    Python-only ``(?P<…>)`` / ``(?#…)`` are refused; Java-only syntax (``\\p{…}``,
    ``\\Q…\\E``, ``(?<name>…)``, class intersection ``&&``…) is accepted unchecked with a
    note. tests/java/WireDn.java holds certkit's verdicts to java.util.regex.Pattern's.
    """
    if not pattern:
        raise InputError("the certificate identity is empty")
    position = _unbalanced_brace(pattern)
    if position is not None:
        raise InputError(f"certificate identity [{pattern}]: '{{' at position {position} is not a repetition "
                         "{n}, {n,} or {n,m}; Java refuses it (Illegal repetition)",
                         hint="escape a literal brace as \\{")
    for python_only, what in (("(?P<", "(?P<name>…) is Python syntax; Java writes (?<name>…)"),
                              ("(?P=", "(?P=name) is Python syntax; Java writes \\k<name>"),
                              ("(?#", "(?#…) comments are not Java syntax")):
        if python_only in pattern:
            raise InputError(f"certificate identity [{pattern}]: {what}")
    with warnings.catch_warnings():
        # re warns (FutureWarning) about '&&' or '[[' inside classes: Java syntax, handled below.
        warnings.simplefilter("ignore")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            if exc.msg.startswith("invalid group reference"):
                # Java compiles a back-reference to a missing group; it just never matches.
                return IdentityCheck(pattern, None, f"has a back-reference to a group that does not exist "
                                                    f"(position {exc.pos}): Java accepts it, but it never matches")
            if _JAVA_ONLY.search(pattern):
                return IdentityCheck(pattern, None, "uses Java-only syntax; certkit cannot compile-check it "
                                                    "(Elasticsearch checks it when the key is created)")
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            raise InputError(f"certificate identity [{pattern}] is not a valid regular expression: {exc.msg}{where}") \
                from None
    if _JAVA_ONLY.search(pattern):
        return IdentityCheck(pattern, None, "uses syntax Java reads differently from Python; certkit cannot check "
                                            "it against a certificate")
    return IdentityCheck(pattern, compiled)


def identity_matches(check: IdentityCheck, subject_dn: str) -> bool | None:
    """Whether the whole subject DN matches (``Matcher.matches()``); None if it cannot be told."""
    if check.compiled is None:
        return None
    return check.compiled.fullmatch(subject_dn) is not None


def _index_names(values: Sequence[str], parameter: str) -> list[str]:
    flag = param(parameter)
    names: list[str] = []
    for value in values:
        # Index names cannot contain commas, so "logs-*,metrics-*" is two names.
        for name in value.split(","):
            name = name.strip()
            if not name:
                raise InputError(f"{flag} {value!r} has an empty index name")
            bad = sorted(set(name) & _INDEX_FORBIDDEN)
            if bad:
                raise InputError(f"{flag} {name!r}: an index name cannot contain {' '.join(repr(c) for c in bad)}")
            if name not in names:
                names.append(name)
    return names


def parse_metadata(text: str) -> dict[str, Any]:
    """The metadata JSON: an object whose top-level keys do not start with ``_`` (reserved)."""
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{param('metadata')} is not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(metadata, dict):
        raise InputError(f"{param('metadata')} must be a JSON object, e.g. '{{\"team\": \"search\"}}'")
    reserved = [key for key in metadata if key.startswith("_")]
    if reserved:
        raise InputError(f"{param('metadata')} key {reserved[0]!r}: keys starting with '_' are reserved for Elasticsearch")
    return metadata


def cross_cluster_api_key_body(
    *,
    name: str,
    search: Sequence[str] = (),
    replication: Sequence[str] = (),
    expiration: str | None = None,
    metadata: dict[str, Any] | None = None,
    certificate_identity: str | None = None,
) -> dict[str, Any]:
    """The ``POST /_security/cross_cluster/api_key`` body (docs/reference.md §8)."""
    if not name or name != name.strip():
        raise UsageError(f"the API key needs a name ({param('name')}) without leading or trailing spaces")
    search_names = _index_names(search, "search")
    replication_names = _index_names(replication, "replication")
    if not search_names and not replication_names:
        raise UsageError(f"grant some access: {param('search')} INDEX and/or {param('replication')} INDEX")
    access: dict[str, Any] = {}
    if search_names:
        access["search"] = [{"names": search_names}]
    if replication_names:
        access["replication"] = [{"names": replication_names}]
    body: dict[str, Any] = {"name": name, "access": access}
    if expiration is not None:
        if not _EXPIRATION.fullmatch(expiration):
            raise InputError(f"expiration {expiration!r} is not a time value such as 30d, 12h or 90m",
                             hint="units: d, h, m, s, ms, micros, nanos")
        body["expiration"] = expiration
    if metadata:
        body["metadata"] = metadata
    if certificate_identity is not None:
        check_certificate_identity(certificate_identity)
        body["certificate_identity"] = certificate_identity
    return body


class IdentityMismatch(InputError):
    """The certificate's subject DN does not match the identity (exit 1)."""

    exit_code = 1
