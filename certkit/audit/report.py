"""How an audit reports each verdict: the human lines and the streamed JSON document.

A renderer (:class:`certkit.audit.engine.Renderer`) turns one :class:`~certkit.audit.checker.Verdict`
into text. The parallel audit pickles the renderer into its worker processes, which
render there and hand back text: that is why renderers live in the library, beside the
engine, and the CLI only writes what they return.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from certkit.audit.checker import Verdict
from certkit.audit.expiry import EXPIRED, NOT_YET_VALID, iso
from certkit.io.terminal import visible


class HumanReport:
    """The default report: each rejected certificate with its reason (``show_all``: admitted ones too)."""

    separator = ""

    def __init__(self, show_all: bool) -> None:
        self.show_all = show_all
        #: Nothing is printed for an admission without warnings (see the engine).
        self.quiet_admissions = not show_all

    def render(self, verdict: Verdict) -> str:
        # Names, sources and reasons come from certificates and files: escaped, so that
        # a crafted name cannot clear the screen or forge report lines (io.terminal).
        if verdict.skipped:
            return ""
        if verdict.admitted:
            if not self.show_all and verdict.expiry not in (EXPIRED, NOT_YET_VALID):
                return ""  # listed anyway when the handshake would refuse it: never admitted silently
            name, pattern = verdict.matched[0]
            more = f" (+{len(verdict.matched) - 1} more match)" if len(verdict.matched) > 1 else ""
            return (f"admitted  {visible(verdict.source)}: {visible(name)} matches "
                    f"{visible(json.dumps(pattern, ensure_ascii=False))}{more}{_expiry_mark(verdict)}\n")
        text = f"REJECTED  {visible(verdict.source)}{_expiry_mark(verdict)}\n  {visible(verdict.reason or '')}\n"
        if verdict.explanation:
            text += f"  why: {visible(verdict.explanation)}\n"
        return text

    def warnings(self, verdict: Verdict) -> list[str]:
        if verdict.skipped:
            return []
        lines = [f"{visible(verdict.source)}: {visible(problem)}" for problem in verdict.names.warnings]
        if verdict.expiry_note:
            lines.append(f"{visible(verdict.source)} ({visible(verdict.subject)}): {verdict.expiry_note}")
        return lines


def _expiry_mark(verdict: Verdict) -> str:
    """Next to the verdict: an admitted certificate the handshake refuses anyway is never silent."""
    if verdict.expiry in (EXPIRED, NOT_YET_VALID):
        return f"  [{verdict.expiry.upper()}]"
    return ""


class JsonReport:
    """One JSON object per certificate, exactly ``json.dumps(verdict.to_json(fields), ensure_ascii=False)``.

    Built from pre-encoded pieces (field names, patterns) and the C string encoder that
    json.dumps itself uses: an audit writes 100,000 of these. The comma that separates
    certificates leads each piece (the audit drops it from the first).
    """

    separator = ","

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self._field_keys = [_quote(f) + ": " for f in self.fields]
        self._patterns: dict[str, str] = {}

    def render(self, verdict: Verdict) -> str:
        if verdict.skipped:
            return ""
        quote = _quote
        names = verdict.names
        if len(self.fields) == 1:  # the usual audit: one field, so no generator per certificate
            field_lists = self._field_keys[0] + "[" + ", ".join(map(quote, names.for_field(self.fields[0]))) + "]"
        else:
            field_lists = ", ".join(key + "[" + ", ".join(map(quote, names.for_field(field))) + "]"
                                    for key, field in zip(self._field_keys, self.fields, strict=True))
        patterns = self._patterns
        matched = verdict.matched
        if len(matched) == 1:
            name, pattern = matched[0]
            encoded = patterns.get(pattern)
            if encoded is None:
                encoded = patterns[pattern] = quote(pattern)
            matches = '{"name": ' + quote(name) + ', "pattern": ' + encoded + "}"
        else:
            pieces = []
            for name, pattern in matched:
                encoded = patterns.get(pattern)
                if encoded is None:
                    encoded = patterns[pattern] = quote(pattern)
                pieces.append('{"name": ' + quote(name) + ', "pattern": ' + encoded + "}")
            matches = ", ".join(pieces)
        text = "".join((',\n    {"source": ', quote(verdict.source), ', "subject": ', quote(verdict.subject),
                        ', "names": {', field_lists,
                        '}, "admitted": true, "matched": [' if verdict.admitted else '}, "admitted": false, "matched": [',
                        matches, '], "chain": ', quote(verdict.chain), ', "reason": ',
                        "null" if verdict.reason is None else quote(verdict.reason)))
        if verdict.explanation:
            text += ', "explanation": ' + quote(verdict.explanation)
        if names.warnings:
            text += ', "warnings": [' + ", ".join(map(quote, names.warnings)) + "]"
        if verdict.expiry is not None and verdict.not_after is not None:
            text += f', "not_after": "{iso(verdict.not_after)}", "expiry": "{verdict.expiry}"'
        return text + "}"

    def warnings(self, verdict: Verdict) -> tuple[str, ...]:
        return ()


#: A JSON string as ``json.dumps(..., ensure_ascii=False)`` writes it (the same C encoder).
_quote = json.encoder.encode_basestring
