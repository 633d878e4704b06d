"""A reader for the plainest block YAML, the shape certkit and certutil write, at a few
microseconds a line; anything else is left to PyYAML.

An instances file of 2,000 nodes cost the parent of ``cert`` ~20 µs a node through PyYAML
(libyaml composing Python nodes, PyYAML's constructor building the objects), a twentieth of
an EC node's whole cost. :func:`read_block_yaml` reads, line by line, the subset that such
files are written in and returns exactly what ``yaml.safe_load`` returns for them, or
:data:`NOT_PLAIN` for any text outside the subset, which the caller then gives to PyYAML
(which also explains the errors). The subset:

* block mappings and block sequences only (no flow ``[...]``/``{...}``), one entry per
  line, a sequence allowed at its parent key's indentation, a mapping allowed on its
  sequence item's line (``- name: "x"``);
* keys: plain words (``[A-Za-z_][A-Za-z0-9_.-]*``) that YAML reads as strings;
* values: double-quoted strings without escapes, single-quoted strings without quotes,
  plain words that YAML reads as strings, or nothing (null);
* full-line comments and blank lines; printable ASCII and newlines only (no tabs, no
  carriage returns, no YAML 1.1 line breaks such as U+0085, no document markers,
  anchors, tags or aliases);
* at most :data:`MAX_NESTING` levels.

Every rule errs towards NOT_PLAIN: a text it does not certainly read as PyYAML does goes
to PyYAML. ``tests/test_block_yaml.py`` holds its answers to ``yaml.safe_load``'s over
generated documents and their near misses.
"""

from __future__ import annotations

import re
from typing import Any

#: read_block_yaml's answer for a text outside the subset (None is a YAML document's value).
NOT_PLAIN: Any = object()

#: Deeper documents go to PyYAML, whose loader refuses what is too deep with the reason.
MAX_NESTING = 32

# Plain words YAML 1.1 (PyYAML's resolver) reads as booleans or null, not as strings.
# Plain words starting with a letter or '_' resolve to nothing else (numbers, dates and
# the merge key '<<' start otherwise, and are outside the subset).
_NOT_STRINGS = frozenset(
    "yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split())

_WORD = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_SCALAR = rf'"[^"\\]*"|\'[^\']*\'|{_WORD}'
# indent, "-" and the spaces after it, then a key with an optional value, or a lone value
# (trailing spaces are nothing to YAML).
_LINE = re.compile(rf"( *)(?:-( +))?(?:({_WORD}):(?: +({_SCALAR}))?|({_SCALAR})) *")
# Any character outside printable ASCII and the newline sends the text to PyYAML.
_OUTSIDE_SUBSET = re.compile(r"[^\x20-\x7e\n]")


class _NotPlain(Exception):
    pass


def _scalar(token: str) -> str:
    if token[0] in "\"'":
        return token[1:-1]
    if token in _NOT_STRINGS:
        raise _NotPlain
    return token


# A parsed line: (indent, column of what follows "- " or None, key or None, value token or None)
_Line = tuple[int, int | None, str | None, str | None]


def _lines(text: str) -> list[_Line]:
    parsed: list[_Line] = []
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise _NotPlain
        indent, dash_spaces, key, value, item = match.groups()
        column = None if dash_spaces is None else len(indent) + 1 + len(dash_spaces)
        if key is None:
            parsed.append((len(indent), column, None, item))
        else:
            if key in _NOT_STRINGS:
                raise _NotPlain
            parsed.append((len(indent), column, key, value))
    return parsed


class _Reader:
    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.at = 0

    def block(self, indent: int, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise _NotPlain
        if self.lines[self.at][1] is not None:
            return self.sequence(indent, depth)
        return self.mapping(indent, depth, inline=False)

    def sequence(self, indent: int, depth: int) -> list[Any]:
        items: list[Any] = []
        lines = self.lines
        while self.at < len(lines):
            line_indent, column, key, value = lines[self.at]
            if line_indent != indent or column is None:
                # Whoever holds the sequence judges the line that ends it: a key of the
                # mapping the sequence is a value of, or the end of an enclosing block.
                # A deeper line is neither, and makes every holder give up.
                break
            if key is None:
                items.append(_scalar(value))  # type: ignore[arg-type]
                self.at += 1
            else:
                items.append(self.mapping(column, depth + 1, inline=True))
        return items

    def mapping(self, indent: int, depth: int, *, inline: bool) -> dict[str, Any]:
        """The mapping at ``indent``; ``inline``: its first key is on a sequence item's line."""
        if depth > MAX_NESTING:
            raise _NotPlain
        result: dict[str, Any] = {}
        lines = self.lines
        first = True
        while self.at < len(lines):
            line_indent, column, key, value = lines[self.at]
            if not (first and inline):
                if line_indent < indent:
                    break
                # Deeper: a continuation of the value above, which YAML reads otherwise.
                if line_indent > indent or column is not None or key is None:
                    raise _NotPlain
            first = False
            self.at += 1
            if value is not None:
                result[key] = _scalar(value)  # type: ignore[index]
                continue
            # "key:" alone: a nested block below (deeper, or a sequence at the same
            # indentation), else null
            if self.at < len(lines):
                next_indent, next_column = lines[self.at][0], lines[self.at][1]
                if next_indent > indent or (next_indent == indent and next_column is not None):
                    result[key] = self.block(next_indent, depth + 1)  # type: ignore[index]
                    continue
            result[key] = None  # type: ignore[index]
        return result


def read_block_yaml(text: str) -> Any:
    """What ``yaml.safe_load(text)`` returns, when ``text`` is in the subset this module
    reads (see above); :data:`NOT_PLAIN` otherwise, including for an empty document."""
    if _OUTSIDE_SUBSET.search(text) is not None:
        return NOT_PLAIN
    try:
        lines = _lines(text)
        if not lines:
            return NOT_PLAIN
        reader = _Reader(lines)
        document = reader.block(lines[0][0], 1)
        if reader.at != len(lines):
            return NOT_PLAIN
    except _NotPlain:
        return NOT_PLAIN
    return document
