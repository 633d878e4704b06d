"""Text for people: names from certificates, files and servers made safe to print.

A certificate name, a zip member name or a server's error body is chosen by whoever made
it. Printed raw, an escape sequence in it can clear the screen, conceal text (SGR 8) or
move the cursor, a bidi override can reorder what is read, and a newline can forge a
whole report line ("admitted ... 1 admitted, 0 rejected"). Every human-readable output
therefore goes through :func:`visible`, which writes such characters as Python writes
them in ``repr`` (``\\x1b``, ``\\n``, ``\\u202e``): visibly, one character for one
escape. The issuing side's errors have always shown names that way (``{name!r}``); this
is the same rule without the quotes, for text that is not a Python literal.

Escaped: C0 controls (U+0000-U+001F, tab and newline included), DEL, C1 controls
(U+0080-U+009F), the bidi embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069) and marks (U+200E, U+200F, U+061C), and the line and paragraph
separators U+2028/U+2029. JSON output is never passed through here: ``json.dumps``
already escapes C0 controls, and a JSON consumer must get the names exactly.
"""

from __future__ import annotations

import re

#: Every character :func:`visible` escapes (see the module docstring for why each).
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
#: The same without the newline: for text whose lines certkit itself made.
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    short = _SHORT.get(character)
    if short:
        return short
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` with every unsafe character written as a visible escape (one line, always)."""
    text = str(text)
    if UNSAFE_CHARACTERS.search(text) is None:  # the common case costs one scan
        return text
    return UNSAFE_CHARACTERS.sub(_escape, text)


def visible_lines(text: object) -> str:
    """:func:`visible` for a block of lines certkit composed: its own newlines are kept.

    Names put into such a block must already have gone through :func:`visible`, or a
    newline in a name still makes a line of its own; this is the last line of defence
    against escape sequences, not against forged lines.
    """
    text = str(text)
    if _UNSAFE_BUT_NEWLINE.search(text) is None:
        return text
    return _UNSAFE_BUT_NEWLINE.sub(_escape, text)


def has_unsafe_characters(text: str) -> bool:
    return UNSAFE_CHARACTERS.search(text) is not None
