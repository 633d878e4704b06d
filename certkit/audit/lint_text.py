"""``restrictions lint`` findings about a trust file's text: unquoted aliases and placeholders.

The Elastic guide's example trust file has three unquoted ``- *.node...`` lines (YAML
aliases: the file does not load) and a ``node*.<CLUSTER_FQDN>`` placeholder. Loading stops
at the first alias, which would make the user fix the file one run per line; so lint finds
every alias line at once (:func:`certkit.io.unquoted_aliases`), says how to quote each, and
lints the file as it would be with them quoted. A pattern still holding a ``<...>``
placeholder loads but admits only names spelled with the placeholder itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from certkit.audit.lint import LintWarning, lint_restrictions
from certkit.audit.trust_file import MAX_FILE_BYTES, content_type, parse_restrictions
from certkit.errors import CertkitError, InputError
from certkit.jdk.names import DEFAULT_FIELDS

# <CLUSTER_FQDN>, <scope_id>, <cluster id>: a word in angle brackets. (Lucene's numeric
# interval <1-100> has digits only, so it is not taken for one.)
_PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ .-]*>")


def placeholder_warnings(patterns: Sequence[str]) -> list[LintWarning]:
    """A finding per pattern that still holds a documentation placeholder."""
    warnings = []
    for pattern in patterns:
        found = list(dict.fromkeys(_PLACEHOLDER.findall(pattern)))
        if found:
            warnings.append(LintWarning(
                "placeholder",
                f"holds the placeholder {', '.join(found)} (as in the Elastic guide's examples): it is "
                "matched as literal text, so no real node name matches it",
                pattern, f"replace {found[0]} with the real value (e.g. the cluster's DNS domain)",
            ))
    return warnings


def lint_unloadable(path: str | os.PathLike[str],
                    fields: Sequence[str] = DEFAULT_FIELDS) -> tuple[list[LintWarning], InputError | None]:
    """For a YAML trust file that does not load because of unquoted aliases: a finding per
    alias line (its number, the quoted fix), then the findings of the file as it would be
    with those values quoted, and the one error that sums it up. ``([], None)`` when the
    file's problem is something else (the caller reports its own error)."""
    from certkit.io import read_bounded, unquoted_aliases

    source = str(path)
    try:
        if content_type(source) != ".yml":
            return [], None
        text = read_bounded(path, "the restrictions file", MAX_FILE_BYTES).decode("utf-8-sig")
    except (CertkitError, UnicodeDecodeError):
        return [], None
    aliases, fixed_text = unquoted_aliases(text)
    if not aliases:
        return [], None
    warnings = [LintWarning(
        "unquoted-alias",
        f"line {alias.line} starts a value with an unquoted '*': a YAML alias, not a pattern, so "
        "Elasticsearch cannot load the file",
        alias.values[0], f"quote it: {alias.fixed}",
    ) for alias in aliases]
    try:
        warnings += lint_restrictions(parse_restrictions(fixed_text.encode("utf-8"), source), fields).warnings
    except CertkitError:
        pass  # quoted, it still would not load: the aliases are what the user fixes first
    lines = ", ".join(str(alias.line) for alias in aliases)
    count = len(aliases)
    error = InputError(
        f"{source} does not load: {count} line{'s' if count != 1 else ''} ({lines}) "
        f"start{'s' if count == 1 else ''} a value with an unquoted '*', a YAML alias",
        hint='put each pattern in double quotes, e.g. - "*.node.<cluster_id>.cluster.<scope_id>.account"',
    )
    return warnings, error
